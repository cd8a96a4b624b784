//! `btyd clv`: discounted customer lifetime value from a purchase model and a spend model.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use btyd::data::{Summary, TimeUnit};
use btyd::io::{read_summary, ModelFile};
use btyd::models::{GammaGamma, PurchaseModel};
use btyd::predict::clv::{clv, ClvOptions, CustomerClv, DiscountRate, Horizon};
use btyd::predict::clv_discrete;

use super::table::write_table;

/// Arguments of `btyd clv`.
#[derive(Debug, clap::Args)]
pub struct ClvArgs {
    /// Purchase model file (e.g. bg-nbd) written by `btyd fit`.
    purchase_model: PathBuf,
    /// Spend model file (gamma-gamma) written by `btyd fit`.
    spend_model: PathBuf,
    /// Customer summary CSV with monetary_value, in the models' time unit (for bg-bb: the
    /// discrete-time summary of `btyd summary --discrete`, discounted per opportunity).
    summary: PathBuf,
    /// Horizon in the summary's time unit (e.g. 52 for a year of weeks).
    #[arg(long, required_unless_present = "infinite")]
    horizon: Option<f64>,
    /// Discount to an infinite horizon instead of --horizon (with --continuous, or with a
    /// bg-bb model, whose closed-form DERT it uses).
    #[arg(long, conflicts_with = "horizon")]
    infinite: bool,
    /// Discrete convention: step length in time units [default: one month = 365.25/12 days].
    #[arg(long, conflicts_with = "continuous")]
    step: Option<f64>,
    /// Discount rate: effective rate per time unit, or per year with --annual.
    #[arg(long)]
    discount_rate: f64,
    /// The discount rate is an effective annual rate (365.25 days), converted to the time unit.
    #[arg(long)]
    annual: bool,
    /// Profit margin applied to spend.
    #[arg(long, default_value_t = 1.0)]
    margin: f64,
    /// Continuous discounting (DERT) instead of discrete steps.
    #[arg(long)]
    continuous: bool,
    /// Time unit of the summary; must match the models' [default: the purchase model's].
    #[arg(long)]
    time_unit: Option<TimeUnit>,
    /// Produce money figures even from a spend model with an infinite mean (q <= 1).
    #[arg(long)]
    force: bool,
    /// Output CSV; `-` writes stdout.
    #[arg(short, long, default_value = "-")]
    output: PathBuf,
    /// How many top customers to print.
    #[arg(long, default_value_t = 10)]
    top: usize,
}

pub fn run(args: ClvArgs) -> anyhow::Result<()> {
    let purchase_file = ModelFile::read(&args.purchase_model)?;
    let spend_file = ModelFile::read(&args.spend_model)?;
    let unit = check_units(&args, &purchase_file, &spend_file)?;
    let spend = spend_model(&spend_file, &args.spend_model, args.force)?;
    let summary = read_summary(&args.summary, unit)?;
    let discount = if args.annual {
        DiscountRate::Annual(args.discount_rate)
    } else {
        DiscountRate::PerUnit(args.discount_rate)
    };
    if purchase_file.model.is_discrete() {
        if args.continuous || args.step.is_some() {
            bail!("bg-bb discounts per opportunity (one {unit}): --continuous and --step do not apply");
        }
        let model = purchase_file.discrete_model()?;
        let horizon = match args.horizon {
            Some(h) => Horizon::Finite(h),
            None => Horizon::Infinite,
        };
        let rows = clv_discrete(&model, &spend, &summary, horizon, discount, args.margin)?;
        write_clv(&args.output, &summary, &rows)?;
        print_clv_report(&rows, args.top);
        return Ok(());
    }
    if args.infinite && !args.continuous {
        bail!("--infinite needs --continuous: discrete steps need a finite --horizon");
    }
    let purchases = purchase_file
        .purchase_model()
        .with_context(|| args.purchase_model.display().to_string())?;
    let opts = if args.continuous {
        let horizon = match args.horizon {
            Some(h) => Horizon::Finite(h),
            None => Horizon::Infinite,
        };
        ClvOptions::continuous(horizon, discount)
    } else {
        let horizon = args
            .horizon
            .context("--horizon is required with the discrete convention")?;
        match args.step {
            Some(step) => ClvOptions::discrete(horizon, step, discount),
            None => ClvOptions::monthly(horizon, unit, discount),
        }
    }
    .with_margin(args.margin);
    let rows = compute_clv(purchases.as_ref(), &spend, &summary, &opts)?;
    write_clv(&args.output, &summary, &rows)?;
    print_clv_report(&rows, args.top);
    Ok(())
}

/// The time unit to read the summary in: the purchase model's, which the spend model and
/// `--time-unit` (when given) must match.
fn check_units(
    args: &ClvArgs,
    purchase: &ModelFile,
    spend: &ModelFile,
) -> anyhow::Result<TimeUnit> {
    let unit = purchase.time_unit;
    if spend.time_unit != unit {
        bail!(
            "incompatible time units: {} was fitted in {}s but {} in {}s; fit both on the same summary",
            args.purchase_model.display(),
            unit,
            args.spend_model.display(),
            spend.time_unit
        );
    }
    if let Some(u) = args.time_unit {
        if u != unit {
            bail!(
                "incompatible time units: --time-unit {u} but the models were fitted in {unit}s \
                 ({}); summaries, horizons and rates must be in the models' unit",
                args.purchase_model.display()
            );
        }
    }
    Ok(unit)
}

/// The spend model of a file, refused when its mean spend is infinite unless forced.
pub fn spend_model(file: &ModelFile, path: &Path, force: bool) -> anyhow::Result<GammaGamma> {
    let gg = file
        .spend_model()
        .with_context(|| path.display().to_string())?;
    if !gg.has_finite_mean() {
        if !force {
            bail!(
                "{}: q = {} <= 1, so the Gamma-Gamma mean spend is infinite and CLV is not \
                 defined; refit (e.g. with --penalizer) or pass --force to use it anyway",
                path.display(),
                gg.q()
            );
        }
        eprintln!(
            "warning: {}: q = {} <= 1 (infinite mean spend); forced",
            path.display(),
            gg.q()
        );
    }
    Ok(gg)
}

/// CLV of every customer.
pub fn compute_clv(
    purchases: &dyn PurchaseModel,
    spend: &GammaGamma,
    summary: &Summary,
    opts: &ClvOptions,
) -> anyhow::Result<Vec<CustomerClv>> {
    Ok(clv(purchases, spend, summary, opts)?)
}

/// Writes `customer_id, frequency, recency, T, monetary_value, p_alive, expected_purchases,
/// discounted_purchases, expected_spend, clv` (expected_purchases is empty for an infinite
/// horizon).
pub fn write_clv(path: &Path, summary: &Summary, rows: &[CustomerClv]) -> anyhow::Result<()> {
    let header = [
        "customer_id",
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "p_alive",
        "expected_purchases",
        "discounted_purchases",
        "expected_spend",
        "clv",
    ];
    let cells = summary.customers.iter().zip(rows).map(|(c, r)| {
        let h = c.history;
        vec![
            c.customer_id.as_str().into(),
            h.frequency.into(),
            h.recency.into(),
            h.age.into(),
            c.monetary_value.unwrap_or(0.0).into(),
            r.p_alive.into(),
            r.expected_purchases.into(),
            r.discounted_purchases.into(),
            r.expected_spend.into(),
            r.clv.into(),
        ]
    });
    write_table(path, &header, cells)
}

/// Totals and the top customers by CLV, on stderr.
pub fn print_clv_report(rows: &[CustomerClv], top: usize) {
    let total: f64 = rows.iter().map(|r| r.clv).sum();
    let n = rows.len().max(1) as f64;
    eprintln!(
        "{} customers: total CLV {total:.2}, mean {:.2}",
        rows.len(),
        total / n
    );
    let mut order: Vec<&CustomerClv> = rows.iter().collect();
    order.sort_by(|a, b| b.clv.total_cmp(&a.clv));
    if top > 0 {
        eprintln!(
            "{:<12} {:>10} {:>12} {:>12} {:>12}",
            "customer", "p_alive", "purchases", "spend", "clv"
        );
        for r in order.iter().take(top) {
            eprintln!(
                "{:<12} {:>10.4} {:>12.4} {:>12.2} {:>12.2}",
                r.customer_id, r.p_alive, r.discounted_purchases, r.expected_spend, r.clv
            );
        }
    }
}
