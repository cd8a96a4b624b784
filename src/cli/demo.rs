//! `btyd demo`: the whole pipeline on the CDNOW sample embedded in the binary, as a list of
//! steps. Each step is a function of the shared [`Demo`] state; later stages (fitting,
//! prediction, CLV) append their step to [`STEPS`] and their results to [`Demo`].

use std::path::PathBuf;

use anyhow::Context;
use btyd::data::time::parse_date_arg;
use btyd::data::{
    build_summary, read_transactions_from, ColumnSpec, ReadOptions, Summary, SummaryOptions,
    TimeUnit, Transactions,
};

use btyd::fit::{fit_model, FitOptions, FittedModel};
use btyd::io::plot::{self, Labels};
use btyd::io::{write_clv, write_predictions, ModelFile};
use btyd::models::ModelKind;
use btyd::predict::clv::{clv, ClvOptions, CustomerClv, DiscountRate};
use btyd::predict::predict_purchases;
use btyd::validate::{CompareOptions, Comparison};

use super::clv::print_clv_report;
use super::compare::run_comparison;
use super::fit::print_fit;
use super::report::{kpi_of, write_decisions, ClvBasis, DecisionOptions};
use super::summary::{print_report, save};

/// The CDNOW 1/10 sample (Fader, Hardie & Lee 2005): 2,357 customers, no header, whitespace
/// separated; columns master id, sample id, date (YYYYMMDD), number of CDs, dollar value.
const CDNOW_SAMPLE: &str = include_str!("../../datasets/CDNOW_sample.txt");

/// Arguments of `btyd demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Folder for the demo's output files (created if missing).
    #[arg(long, default_value = "btyd-demo")]
    out: PathBuf,
}

/// State shared by the demo steps: the output folder and each step's results.
struct Demo {
    out: PathBuf,
    transactions: Option<Transactions>,
    summary: Option<Summary>,
    bg_nbd: Option<FittedModel>,
    gamma_gamma: Option<FittedModel>,
    clv: Option<Vec<CustomerClv>>,
    /// The model comparison and its files.
    comparison: Option<(Comparison, Vec<PathBuf>)>,
    /// Every file written, in order, for the closing report.
    files: Vec<PathBuf>,
    /// One line per finding, for the closing report.
    findings: Vec<String>,
}

impl Demo {
    /// The calibration/holdout summary made by the first step.
    fn summary(&self) -> anyhow::Result<&Summary> {
        self.summary
            .as_ref()
            .context("the summary step has not run")
    }
}

type Step = fn(&mut Demo) -> anyhow::Result<()>;

/// The demo, in order.
const STEPS: &[(&str, Step)] = &[
    ("summarise the CDNOW sample", summary_step),
    ("fit BG/NBD on the calibration period", bg_nbd_step),
    ("predict the holdout period with BG/NBD", predict_step),
    (
        "fit Gamma-Gamma on the repeat customers' spend",
        gamma_gamma_step,
    ),
    ("customer lifetime value", clv_step),
    (
        "compare every continuous-time purchase model on the holdout period",
        compare_step,
    ),
    ("plot the CLV distribution", clv_plot_step),
    ("KPIs, segments and the HTML report", decisions_step),
];

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let mut demo = Demo {
        out: args.out,
        transactions: None,
        summary: None,
        bg_nbd: None,
        gamma_gamma: None,
        clv: None,
        comparison: None,
        files: Vec::new(),
        findings: Vec::new(),
    };
    for (i, (name, step)) in STEPS.iter().enumerate() {
        eprintln!("[{}/{}] {name}", i + 1, STEPS.len());
        step(&mut demo).with_context(|| format!("demo step '{name}'"))?;
    }
    print_closing_report(&demo);
    Ok(())
}

/// What the demo found and where its files are, on stdout.
fn print_closing_report(demo: &Demo) {
    println!("\n== btyd demo report ==");
    for f in &demo.findings {
        println!("- {f}");
    }
    println!("files ({}), in {}:", demo.files.len(), demo.out.display());
    for f in &demo.files {
        let shown = f.strip_prefix(&demo.out).unwrap_or(f);
        println!("  {}", shown.display());
    }
}

/// Weekly calibration/holdout summary: calibration to 1997-09-30, holdout to 1998-06-30
/// (39 weeks each side), written to `summary.csv`.
fn summary_step(demo: &mut Demo) -> anyhow::Result<()> {
    let read = ReadOptions {
        customer_col: Some(ColumnSpec::Index(2)),
        date_col: Some(ColumnSpec::Index(3)),
        amount_col: Some(ColumnSpec::Index(5)),
        has_header: false,
        ..ReadOptions::default()
    };
    let opts = SummaryOptions {
        unit: TimeUnit::Week,
        observation_end: Some(parse_date_arg("1998-06-30", "observation end")?),
        calibration_end: Some(parse_date_arg("1997-09-30", "calibration end")?),
    };
    let name = PathBuf::from("CDNOW_sample.txt (embedded)");
    let tx = read_transactions_from(CDNOW_SAMPLE.as_bytes(), &name, &read)?;
    let (summary, report) = build_summary(&tx, &opts)?;
    let path = demo.out.join("summary.csv");
    save(&summary, &path, false)?;
    print_report(&report, opts.unit);
    eprintln!("wrote {}", path.display());
    demo.files.push(path);
    demo.transactions = Some(tx);
    demo.summary = Some(summary);
    Ok(())
}

/// Fits `kind` on the calibration summary, prints its table and writes `name`.
fn fit_step(demo: &mut Demo, kind: ModelKind, name: &str) -> anyhow::Result<FittedModel> {
    let summary = demo.summary()?;
    let fitted = fit_model(kind, summary, summary.unit, &FitOptions::default())
        .with_context(|| format!("fitting {kind}"))?;
    print_fit(&fitted, &mut std::io::stdout().lock())?;
    let path = demo.out.join(name);
    ModelFile::from_fitted(&fitted).write(&path)?;
    eprintln!("wrote {}", path.display());
    demo.files.push(path);
    Ok(fitted)
}

/// BG/NBD fitted on the calibration summary, written to `bg_nbd.json`.
fn bg_nbd_step(demo: &mut Demo) -> anyhow::Result<()> {
    demo.bg_nbd = Some(fit_step(demo, ModelKind::BgNbd, "bg_nbd.json")?);
    Ok(())
}

/// P(alive) and expected purchases over each customer's holdout period (39 weeks), next to the
/// actual holdout purchases, written to `predictions.csv`.
fn predict_step(demo: &mut Demo) -> anyhow::Result<()> {
    let summary = demo.summary()?;
    let model = demo
        .bg_nbd
        .as_ref()
        .context("the BG/NBD step has not run")?
        .model
        .purchase()?;
    let horizon = summary
        .customers
        .first()
        .and_then(|c| c.holdout)
        .map(|h| h.duration)
        .context("the summary has no holdout period")?;
    let preds = predict_purchases(model, summary, horizon)?;
    let path = demo.out.join("predictions.csv");
    write_predictions(&path, summary, &preds)?;
    let predicted: f64 = preds.iter().map(|p| p.expected_purchases).sum();
    let actual: f64 = summary
        .customers
        .iter()
        .filter_map(|c| c.holdout)
        .map(|h| h.frequency)
        .sum();
    let finding = format!(
        "holdout ({horizon} weeks): BG/NBD predicts {predicted:.1} repeat purchases, actual {actual}"
    );
    eprintln!("{finding}");
    eprintln!("wrote {}", path.display());
    demo.findings.push(finding);
    demo.files.push(path);
    Ok(())
}

/// Gamma-Gamma fitted on the calibration repeaters' mean spend, written to `gamma_gamma.json`.
fn gamma_gamma_step(demo: &mut Demo) -> anyhow::Result<()> {
    demo.gamma_gamma = Some(fit_step(demo, ModelKind::GammaGamma, "gamma_gamma.json")?);
    Ok(())
}

/// Annual discount rate of the demo's CLV (effective, converted to weeks).
const DEMO_ANNUAL_DISCOUNT: f64 = 0.10;
/// Profit margin of the demo's CLV (Fader, Hardie & Lee 2005b use 30%).
const DEMO_MARGIN: f64 = 0.30;

/// One-year CLV in monthly steps at 10% a year and a 30% margin, written to `clv.csv`.
fn clv_step(demo: &mut Demo) -> anyhow::Result<()> {
    let summary = demo.summary()?;
    let purchases = demo
        .bg_nbd
        .as_ref()
        .context("the BG/NBD step has not run")?
        .model
        .purchase()?;
    let spend = demo
        .gamma_gamma
        .as_ref()
        .context("the Gamma-Gamma step has not run")?
        .model
        .spend()?;
    let year = summary.unit.per_year();
    let opts = ClvOptions::monthly(
        year,
        summary.unit,
        DiscountRate::Annual(DEMO_ANNUAL_DISCOUNT),
    )
    .with_margin(DEMO_MARGIN);
    let rows = clv(purchases, spend, summary, &opts)?;
    let path = demo.out.join("clv.csv");
    write_clv(&path, summary, &rows)?;
    eprintln!(
        "CLV over one year ({year:.2} weeks) in monthly steps, {:.0}% a year, margin {:.0}%:",
        DEMO_ANNUAL_DISCOUNT * 100.0,
        DEMO_MARGIN * 100.0
    );
    print_clv_report(&rows, 5);
    eprintln!("wrote {}", path.display());
    let total: f64 = rows.iter().map(|r| r.clv).sum();
    demo.findings.push(format!(
        "one-year CLV (monthly steps, {:.0}% a year, margin {:.0}%): {total:.2} over {} customers",
        DEMO_ANNUAL_DISCOUNT * 100.0,
        DEMO_MARGIN * 100.0,
        rows.len()
    ));
    demo.files.push(path);
    demo.clv = Some(rows);
    Ok(())
}

/// Every continuous-time purchase model fitted on the calibration period and checked on the
/// holdout period (Fader, Hardie & Lee 2005a, §7), written to `comparison/`.
fn compare_step(demo: &mut Demo) -> anyhow::Result<()> {
    let summary = demo.summary()?;
    let tx = demo
        .transactions
        .as_ref()
        .context("the summary step has not run")?;
    let dir = demo.out.join("comparison");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let (comparison, files) = run_comparison(tx, summary, &CompareOptions::all_models(), &dir)?;
    let best = comparison
        .order
        .first()
        .map(|&i| &comparison.evaluations[i])
        .filter(|e| e.outcome.is_ok())
        .context("no purchase model could be fitted")?;
    let finding = format!(
        "{} of {} purchase models fitted; best by holdout MAE: {}",
        comparison.succeeded(),
        comparison.evaluations.len(),
        best.kind
    );
    eprintln!("{finding}");
    demo.findings.push(finding);
    for e in &comparison.evaluations {
        if let Err(err) = &e.outcome {
            demo.findings.push(format!("{} failed: {err}", e.kind));
        }
    }
    demo.files.extend(files.iter().cloned());
    demo.comparison = Some((comparison, files));
    Ok(())
}

/// Histogram of the one-year CLV of every customer, written to `clv_distribution.svg`.
fn clv_plot_step(demo: &mut Demo) -> anyhow::Result<()> {
    let rows = demo.clv.as_ref().context("the CLV step has not run")?;
    let values: Vec<f64> = rows.iter().map(|r| r.clv).collect();
    let x = format!(
        "one-year CLV per customer (dollars; margin {:.0}%, {:.0}% a year)",
        DEMO_MARGIN * 100.0,
        DEMO_ANNUAL_DISCOUNT * 100.0
    );
    let svg = plot::histogram_svg(
        Labels {
            title: "Distribution of one-year customer lifetime value (BG/NBD + Gamma-Gamma)",
            x: &x,
            y: "number of customers",
        },
        &values,
        40,
        0.99,
    )?;
    let path = demo.out.join("clv_distribution.svg");
    plot::write_svg(&path, &svg)?;
    eprintln!("wrote {}", path.display());
    demo.files.push(path);
    Ok(())
}

/// Descriptive KPIs of the sample (quarterly retention, the CLV's margin), segments of the
/// one-year CLV, and `report.html` with them, the comparison and the BG/NBD parameters.
fn decisions_step(demo: &mut Demo) -> anyhow::Result<()> {
    let summary = demo.summary()?;
    let tx = demo
        .transactions
        .as_ref()
        .context("the summary step has not run")?;
    let (comparison, comparison_files) = demo
        .comparison
        .as_ref()
        .context("the comparison step has not run")?;
    let rows = demo.clv.as_ref().context("the CLV step has not run")?;
    let purchase = demo
        .bg_nbd
        .as_ref()
        .context("the BG/NBD step has not run")?;
    let spend = demo
        .gamma_gamma
        .as_ref()
        .context("the Gamma-Gamma step has not run")?;
    let opts = DecisionOptions {
        period: btyd::decide::Period::Quarter,
        margin: DEMO_MARGIN,
        cac: None,
        segments: btyd::decide::SegmentOptions::default(),
    };
    let kpis = kpi_of(tx, summary, &opts)?;
    let basis = ClvBasis {
        purchase,
        spend,
        summary,
        rows,
        description: format!(
            "BG/NBD and Gamma-Gamma fitted on the calibration period (to 1997-09-30); CLV over \
             one year from the calibration end in monthly steps, discounted at {:.0}% a year, \
             margin {:.0}%",
            DEMO_ANNUAL_DISCOUNT * 100.0,
            DEMO_MARGIN * 100.0
        ),
    };
    let others: Vec<PathBuf> = demo
        .files
        .iter()
        .filter(|f| !comparison_files.contains(f))
        .cloned()
        .collect();
    let written = write_decisions(
        &demo.out,
        "CDNOW sample (2,357 customers, embedded)",
        summary,
        comparison,
        comparison_files,
        &others,
        &kpis,
        &basis,
        &opts,
    )?;
    let simple = kpis
        .simple_clv
        .map_or_else(|| "-".to_string(), |v| format!("{v:.2}"));
    let finding = format!(
        "KPIs: APV {:.2}, {:.2} purchases per customer a year, quarterly retention {:.3}, \
         simple CLV {simple} (margin {:.0}%)",
        kpis.average_purchase_value,
        kpis.purchase_frequency_rate,
        kpis.retention_rate,
        DEMO_MARGIN * 100.0
    );
    eprintln!("{finding}");
    demo.findings.push(finding);
    for f in &written {
        eprintln!("wrote {}", f.display());
    }
    demo.files.extend(written);
    Ok(())
}
