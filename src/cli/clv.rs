//! `btyd clv`: discounted customer lifetime value from a purchase model and a spend model.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use btyd::data::{CustomerData, TimeUnit};
use btyd::io::intervals::{write_clv_with, ExtraColumns};
use btyd::io::{read_customer_data, stream_clv, summary_blocks, write_clv, ModelFile};
use btyd::predict::uncertainty::{purchase_draws, spend_draws};
use btyd::predict::{clv, clv_intervals, Level};

use super::uncertainty::IntervalArgs;
use btyd::models::{AnyModel, Role};
use btyd::predict::clv::{ClvOptions, Convention, CustomerClv, DiscountRate, Horizon};
use btyd::predict::customer_values;

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
    #[arg(long, required_unless_present = "infinite", value_parser = super::positive)]
    horizon: Option<f64>,
    /// Discount to an infinite horizon instead of --horizon (with --continuous, or with a
    /// bg-bb model, whose closed-form DERT it uses).
    #[arg(long, conflicts_with = "horizon")]
    infinite: bool,
    /// Discrete convention: step length in time units [default: one month = 365.25/12 days].
    #[arg(long, conflicts_with = "continuous", value_parser = super::positive)]
    step: Option<f64>,
    /// Discount rate: effective rate per time unit, or per year with --annual.
    #[arg(long, value_parser = super::non_negative)]
    discount_rate: f64,
    /// The discount rate is an effective annual rate (365.25 days), converted to the time unit.
    #[arg(long)]
    annual: bool,
    /// Profit margin applied to spend.
    #[arg(long, default_value_t = 1.0, value_parser = super::finite)]
    margin: f64,
    /// Continuous discounting (DERT) instead of discrete steps.
    #[arg(long)]
    continuous: bool,
    /// Time unit of the summary; must match the models' [default: the purchase model's].
    #[arg(long, value_parser = super::parse_time_unit)]
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
    #[command(flatten)]
    uncertainty: IntervalArgs,
    /// Each customer's covariates (CSV keyed by customer_id), for models fitted with
    /// covariates (either or both).
    #[arg(long)]
    covariates: Option<PathBuf>,
}

pub fn run(args: ClvArgs) -> anyhow::Result<()> {
    let purchase_file = ModelFile::read(&args.purchase_model)?;
    let spend_file = ModelFile::read(&args.spend_model)?;
    super::show_model_warnings(&args.purchase_model, &purchase_file);
    super::show_model_warnings(&args.spend_model, &spend_file);
    let unit = check_units(&args, &purchase_file, &spend_file)?;
    let purchases = purchase_file
        .model()
        .with_context(|| args.purchase_model.display().to_string())?;
    let spend = spend_model(&spend_file, &args.spend_model, args.force)?;
    let unit = super::summary_unit(&args.summary, None, Some((unit, purchases.role())))?;
    let discount = if args.annual {
        DiscountRate::Annual(args.discount_rate)
    } else {
        DiscountRate::PerUnit(args.discount_rate)
    };
    let horizon = match args.horizon {
        Some(h) => Horizon::Finite(h),
        None => Horizon::Infinite,
    };
    let convention = match (args.continuous, args.step) {
        (true, _) => Convention::Continuous,
        (false, Some(step)) => Convention::Discrete { step },
        (false, None) => Convention::ModelSteps,
    };
    let opts = ClvOptions {
        horizon,
        convention,
        discount,
        margin: args.margin,
    };
    if purchase_file.covariates.is_some()
        || spend_file.covariates.is_some()
        || args.covariates.is_some()
    {
        if args.uncertainty.interval.is_some() {
            anyhow::bail!("--interval is not available for models with covariates yet");
        }
        let data = read_customer_data(Role::Purchase, &args.summary, unit)?;
        let rows = super::covariates::clv_rows(
            [
                (&args.purchase_model, &purchase_file, &purchases),
                (&args.spend_model, &spend_file, &spend),
            ],
            args.covariates.as_deref(),
            &data,
            &opts.schedule(unit)?,
        )?;
        write_clv(&args.output, &data, &rows)?;
        print_clv_report(&rows, args.top);
        return Ok(());
    }
    if purchases.role() != Role::Purchase {
        // An opportunity model (BG/BB) on its data, read whole.
        let data = read_customer_data(purchases.role(), &args.summary, unit)?;
        let rows = customer_values(&purchases, spend.spend()?, &data, &opts)?;
        write_clv(&args.output, &data, &rows)?;
        print_clv_report(&rows, args.top);
        return Ok(());
    }
    if let Some(level) = args.uncertainty.level()? {
        return run_with_intervals(
            &args,
            (&purchase_file, &purchases),
            (&spend_file, &spend),
            unit,
            &opts,
            level,
        );
    }
    // A continuous-time summary: streamed through the pipeline of btyd::io::stream.
    let (reader, bar) = super::progress::open_input(&args.summary)?;
    let source = summary_blocks(reader, &args.summary)?;
    let model = purchases.purchase()?;
    let spend = spend.spend()?;
    let schedule = opts.schedule(unit)?;
    let totals = stream_clv(&args.output, source, model, spend, &schedule, args.top)?;
    bar.finish_and_clear();
    print_clv_totals(totals.rows as usize, totals.clv, args.top, &totals.top);
    Ok(())
}

/// `--interval`: the summary read whole, the CLV table with `<column>_lower`/`_upper` of
/// P(alive), expected purchases (finite horizons), expected spend and CLV appended; the
/// purchase and spend models drawn independently.
fn run_with_intervals(
    args: &ClvArgs,
    (purchase_file, purchases): (&ModelFile, &AnyModel),
    (spend_file, spend): (&ModelFile, &AnyModel),
    unit: TimeUnit,
    opts: &ClvOptions,
    level: Level,
) -> anyhow::Result<()> {
    let Ok(model) = purchases.purchase() else {
        bail!(
            "--interval needs a continuous-time purchase model, not {}",
            purchases.kind()
        );
    };
    let spend_model = spend.spend()?;
    let data = read_customer_data(Role::Purchase, &args.summary, unit)?;
    let CustomerData::Summary(summary) = &data else {
        bail!("--interval needs a customer summary");
    };
    let rows = clv(model, spend_model, summary, opts)?;
    let u = &args.uncertainty;
    let p_draws = u.draws(purchase_file, &args.purchase_model, &args.summary, unit, 0)?;
    let s_draws = u.draws(spend_file, &args.spend_model, &args.summary, unit, 1)?;
    let n = p_draws.len().min(s_draws.len());
    let intervals = clv_intervals(
        model,
        spend_model,
        &purchase_draws(&p_draws[..n])?,
        &spend_draws(&s_draws[..n])?,
        &summary.customers,
        &opts.schedule(unit)?,
        level,
    )?;
    write_clv_with(
        &args.output,
        summary,
        &rows,
        &ExtraColumns::intervals(&intervals),
    )?;
    print_clv_report(&rows, args.top);
    eprintln!(
        "{:.0}% interval of the total CLV: [{:.2}, {:.2}] ({})",
        100.0 * level.value(),
        intervals.total.lower,
        intervals.total.upper,
        u.describe()
    );
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
            "incompatible time units: {} was fitted in {} but {} in {}; fit both on the same summary",
            args.purchase_model.display(),
            unit.plural(),
            args.spend_model.display(),
            spend.time_unit.plural()
        );
    }
    if let Some(u) = args.time_unit {
        if u != unit {
            bail!(
                "incompatible time units: --time-unit {u} but the models were fitted in {} \
                 ({}); summaries, horizons and rates must be in the models' unit",
                unit.plural(),
                args.purchase_model.display()
            );
        }
    }
    Ok(unit)
}

/// The spend model of a file, refused when its mean spend is infinite unless forced.
pub fn spend_model(file: &ModelFile, path: &Path, force: bool) -> anyhow::Result<AnyModel> {
    let model = file.model().with_context(|| path.display().to_string())?;
    let spend = model.spend().with_context(|| path.display().to_string())?;
    if spend.mean_spend().is_none() {
        let q = match model {
            AnyModel::GammaGamma(gg) => gg.q(),
            _ => f64::NAN,
        };
        if !force {
            bail!(
                "{}: q = {q} <= 1, so the Gamma-Gamma mean spend is infinite and CLV is not \
                 defined; refit (e.g. with --penalizer) or pass --force to use it anyway",
                path.display(),
            );
        }
        eprintln!(
            "warning: {}: q = {q} <= 1 (infinite mean spend); forced",
            path.display(),
        );
    }
    Ok(model)
}

/// Totals and the top customers by CLV, on stderr.
pub fn print_clv_report(rows: &[CustomerClv], top: usize) {
    let total: f64 = rows.iter().map(|r| r.clv).sum();
    let mut order: Vec<&CustomerClv> = rows.iter().collect();
    order.sort_by(|a, b| b.clv.total_cmp(&a.clv));
    let best: Vec<CustomerClv> = order.into_iter().take(top).cloned().collect();
    print_clv_totals(rows.len(), total, top, &best);
}

/// The report of [`print_clv_report`] from the number of customers, the total CLV, how many
/// top customers were asked for and those customers (highest first).
fn print_clv_totals(customers: usize, total: f64, top: usize, best: &[CustomerClv]) {
    let n = customers.max(1) as f64;
    eprintln!(
        "{} customers: total CLV {total:.2}, mean {:.2}",
        customers,
        total / n
    );
    if top > 0 {
        eprintln!(
            "{:<12} {:>10} {:>12} {:>12} {:>12}",
            "customer", "p_alive", "purchases", "spend", "clv"
        );
        for r in best {
            eprintln!(
                "{:<12} {:>10.4} {:>12.4} {:>12.2} {:>12.2}",
                r.customer_id, r.p_alive, r.discounted_purchases, r.expected_spend, r.clv
            );
        }
    }
}
