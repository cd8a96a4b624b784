//! `btyd compare`: fit every requested purchase model on the calibration period of a log,
//! check each against the holdout period (Fader, Hardie & Lee 2005a, §7), rank them, and write
//! the tables, model files and plots.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use btyd::data::time::parse_date_arg;
use btyd::data::{build_summary, Summary, SummaryOptions, TimeUnit, Transactions};
use btyd::fit::FitOptions;
use btyd::io::plot::{self, Labels, Series};
use btyd::models::ModelKind;
use btyd::validate::{
    evaluate_model, incremental, rank, Evaluated, FrequencyClasses, ModelEvaluation, RankBy,
    Tracking, DEFAULT_FREQUENCY_CUT,
};
use indicatif::{ProgressBar, ProgressStyle};

use super::summary::{print_report, read_log, LogArgs};
use super::table::{Cell, Table};

/// Arguments of `btyd compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Transaction log (CSV or whitespace-separated); `-` reads stdin.
    log: PathBuf,
    #[command(flatten)]
    log_opts: LogArgs,
    /// End of the calibration period, YYYY-MM-DD: models are fitted up to it and checked on the
    /// holdout period after it.
    #[arg(long, value_parser = |s: &str| parse_date_arg(s, "--calibration-end"))]
    calibration_end: chrono::NaiveDate,
    /// End of observation (of the holdout period), YYYY-MM-DD [default: last date in the log].
    #[arg(long, value_parser = |s: &str| parse_date_arg(s, "--observation-end"))]
    observation_end: Option<chrono::NaiveDate>,
    /// Purchase models to compare, comma separated [default: every purchase model].
    #[arg(long, value_delimiter = ',', value_parser = parse_purchase_model)]
    models: Vec<ModelKind>,
    /// Output folder (created if missing).
    #[arg(long, default_value = "btyd-compare")]
    out: PathBuf,
    /// Calibration frequencies are grouped 0, 1, ..., CUT-1 and CUT+.
    #[arg(long, default_value_t = DEFAULT_FREQUENCY_CUT)]
    frequency_cut: u32,
    /// How the table is ranked: by holdout mean absolute error or by AIC.
    #[arg(long, value_enum, default_value_t = RankArg::Mae)]
    rank_by: RankArg,
    /// Model whose P(alive) matrix is plotted [default: the best-ranked one].
    #[arg(long, value_parser = parse_purchase_model)]
    p_alive_model: Option<ModelKind>,
    /// MODEL=N: at most N optimiser iterations for MODEL (for testing the failure path).
    #[arg(long, hide = true, value_parser = parse_max_iters)]
    max_iters: Vec<(ModelKind, u64)>,
}

/// `--rank-by` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RankArg {
    /// Holdout mean absolute error, smallest first.
    Mae,
    /// AIC, smallest first.
    Aic,
}

/// Parses a purchase model name.
fn parse_purchase_model(s: &str) -> Result<ModelKind, String> {
    let kind = super::fit::parse_model(s)?;
    if kind.is_purchase_model() {
        Ok(kind)
    } else {
        Err(format!(
            "{kind} is not a purchase model (expected one of {})",
            purchase_models()
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// Parses `MODEL=N`.
fn parse_max_iters(s: &str) -> Result<(ModelKind, u64), String> {
    let (model, n) = s
        .split_once('=')
        .ok_or_else(|| format!("expected MODEL=N, got '{s}'"))?;
    let n = n
        .trim()
        .parse::<u64>()
        .map_err(|e| format!("'{n}' is not a number of iterations: {e}"))?;
    Ok((parse_purchase_model(model)?, n))
}

/// Every purchase model btyd knows, in [`ModelKind::ALL`] order.
pub fn purchase_models() -> Vec<ModelKind> {
    ModelKind::ALL
        .iter()
        .copied()
        .filter(|k| k.is_purchase_model())
        .collect()
}

/// What to compare and how.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// The models, in the order given.
    pub models: Vec<ModelKind>,
    /// Frequency classes of the tables.
    pub classes: FrequencyClasses,
    /// Ranking of the table.
    pub rank_by: RankBy,
    /// Model of the P(alive) plot; the best-ranked fitted one when `None`.
    pub p_alive_model: Option<ModelKind>,
    /// Iteration limits for some models.
    pub max_iters: Vec<(ModelKind, u64)>,
}

impl CompareOptions {
    /// Every purchase model, default classes, ranked by holdout MAE.
    pub fn all_models() -> Self {
        CompareOptions {
            models: purchase_models(),
            classes: FrequencyClasses::default(),
            rank_by: RankBy::HoldoutMae,
            p_alive_model: None,
            max_iters: Vec::new(),
        }
    }

    fn fit_options(&self, kind: ModelKind) -> FitOptions {
        let mut opts = FitOptions::default();
        if let Some(&(_, n)) = self.max_iters.iter().rev().find(|(k, _)| *k == kind) {
            opts.max_iters = n;
        }
        opts
    }
}

/// A finished comparison: the evaluations, their ranking and the files written.
pub struct Comparison {
    /// One per model, in the order requested.
    pub evaluations: Vec<ModelEvaluation>,
    /// Indices into `evaluations`, best first.
    pub order: Vec<usize>,
    /// The files written, in order.
    pub files: Vec<PathBuf>,
}

impl Comparison {
    /// Number of models that were fitted and checked.
    pub fn succeeded(&self) -> usize {
        self.evaluations
            .iter()
            .filter(|e| e.outcome.is_ok())
            .count()
    }
}

pub fn run(args: CompareArgs) -> anyhow::Result<()> {
    let read = args.log_opts.read_options();
    let tx = read_log(&args.log, &read)?;
    let opts = SummaryOptions {
        unit: args.log_opts.time_unit,
        observation_end: args.observation_end,
        calibration_end: Some(args.calibration_end),
    };
    let (summary, report) = build_summary(&tx, &opts)?;
    print_report(&report, opts.unit);
    let options = CompareOptions {
        models: if args.models.is_empty() {
            purchase_models()
        } else {
            args.models
        },
        classes: FrequencyClasses::new(args.frequency_cut)?,
        rank_by: match args.rank_by {
            RankArg::Mae => RankBy::HoldoutMae,
            RankArg::Aic => RankBy::Aic,
        },
        p_alive_model: args.p_alive_model,
        max_iters: args.max_iters,
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let comparison = compare(&tx, &summary, &options, &args.out)?;
    for f in &comparison.files {
        eprintln!("wrote {}", f.display());
    }
    if comparison.succeeded() == 0 {
        bail!(
            "every model failed to fit; the reasons are in {}",
            args.out.join("comparison.csv").display()
        );
    }
    Ok(())
}

/// A progress bar on stderr, hidden when stderr is not a terminal.
pub fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {msg}") {
        bar.set_style(style);
    }
    bar
}

/// Fits and checks every model of `options` on a calibration/holdout summary of `tx`, prints
/// the ranked and by-frequency tables on stdout, and writes the CSVs, model files and plots to
/// `out` (which must exist). A model that fails is reported in its row; the others still run.
pub fn compare(
    tx: &Transactions,
    summary: &Summary,
    options: &CompareOptions,
    out: &Path,
) -> anyhow::Result<Comparison> {
    let (Some(calibration_end), Some(observation_end)) =
        (summary.calibration_end, summary.observation_end)
    else {
        bail!("the comparison needs a summary split at a calibration end");
    };
    let tracking = Tracking::from_transactions(tx, summary.unit, calibration_end, observation_end)?;
    let bar = progress_bar(options.models.len() as u64);
    let mut evaluations = Vec::new();
    for &kind in &options.models {
        bar.set_message(format!("fitting and checking {kind}"));
        let e = evaluate_model(
            kind,
            &options.fit_options(kind),
            summary,
            options.classes,
            Some(&tracking),
        );
        if let Err(err) = &e.outcome {
            bar.suspend(|| eprintln!("warning: {kind} failed: {err}"));
        }
        evaluations.push(e);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let order = rank(&evaluations, options.rank_by);
    print_table(&evaluations, &order, options.rank_by, summary.unit);
    print_by_frequency(&evaluations, options.classes);

    let mut files = Vec::new();
    for e in &evaluations {
        if let Ok(v) = &e.outcome {
            let path = out.join(format!("{}.json", slug(e.kind)));
            v.file.write(&path)?;
            files.push(path);
        }
    }
    let mut write = |name: &str, table: Table| -> anyhow::Result<()> {
        let path = out.join(name);
        table.write(&path)?;
        files.push(path);
        Ok(())
    };
    write("comparison.csv", comparison_table(&evaluations, &order))?;
    write(
        "holdout_by_frequency.csv",
        by_frequency_table(&evaluations, options.classes),
    )?;
    write(
        "calibration_fit.csv",
        calibration_table(&evaluations, options.classes),
    )?;
    write("tracking.csv", tracking_table(&evaluations, &tracking))?;
    write("predictions.csv", predictions_table(&evaluations, summary))?;
    files.extend(plots(
        &evaluations,
        &order,
        summary,
        &tracking,
        options,
        out,
    )?);
    Ok(Comparison {
        evaluations,
        order,
        files,
    })
}

/// `bg-nbd` -> `bg_nbd`, for file and column names.
fn slug(kind: ModelKind) -> String {
    kind.as_str().replace('-', "_")
}

/// The successful evaluations, in requested order.
fn fitted(evaluations: &[ModelEvaluation]) -> impl Iterator<Item = (ModelKind, &Evaluated)> {
    evaluations
        .iter()
        .filter_map(|e| e.outcome.as_ref().ok().map(|v| (e.kind, v)))
}

/// Plural name of the unit for axis descriptions.
fn units(unit: TimeUnit) -> String {
    match unit {
        TimeUnit::Day => "days".into(),
        TimeUnit::Week => "weeks".into(),
        TimeUnit::Month => "months".into(),
        TimeUnit::Days(d) => format!("periods of {d} days"),
    }
}

fn print_table(evaluations: &[ModelEvaluation], order: &[usize], by: RankBy, unit: TimeUnit) {
    println!(
        "models ranked by {} (best first); holdout in {}",
        by.describe(),
        units(unit)
    );
    println!(
        "{:>4} {:<12} {:>12} {:>11} {:>11} {:>10} {:>8} {:>8} {:>8} {:>9} {:>7}",
        "rank", "model", "LL", "AIC", "BIC", "predicted", "actual", "MAE", "RMSE", "chi2", "fit s"
    );
    for (r, &i) in order.iter().enumerate() {
        let e = &evaluations[i];
        match &e.outcome {
            Ok(v) => println!(
                "{:>4} {:<12} {:>12.3} {:>11.3} {:>11.3} {:>10.1} {:>8.0} {:>8.4} {:>8.4} {:>9.2} {:>7.3}",
                r + 1,
                e.kind.as_str(),
                v.file.log_likelihood,
                v.file.aic,
                v.file.bic,
                v.holdout.predicted_total,
                v.holdout.actual_total,
                v.holdout.mae,
                v.holdout.rmse,
                v.calibration.chi_square,
                e.fit_time.as_secs_f64()
            ),
            Err(err) => println!("{:>4} {:<12} failed: {err}", r + 1, e.kind.as_str()),
        }
    }
}

fn print_by_frequency(evaluations: &[ModelEvaluation], classes: FrequencyClasses) {
    let models: Vec<_> = fitted(evaluations).collect();
    let Some((_, first)) = models.first() else {
        return;
    };
    println!("\nmean holdout purchases by calibration frequency");
    print!("{:<14}", "frequency");
    for l in classes.labels() {
        print!("{l:>9}");
    }
    println!();
    let row = |name: &str, values: &[Option<f64>]| {
        print!("{name:<14}");
        for v in values {
            match v {
                Some(v) => print!("{v:>9.4}"),
                None => print!("{:>9}", "-"),
            }
        }
        println!();
    };
    let customers: Vec<Option<f64>> = first
        .by_frequency
        .customers
        .iter()
        .map(|&n| Some(n as f64))
        .collect();
    print!("{:<14}", "customers");
    for n in &customers {
        print!("{:>9.0}", n.unwrap_or(0.0));
    }
    println!();
    row("actual", &first.by_frequency.actual);
    for (kind, v) in &models {
        row(kind.as_str(), &v.by_frequency.predicted);
    }
}

fn comparison_table(evaluations: &[ModelEvaluation], order: &[usize]) -> Table {
    let mut t = Table::new(
        [
            "rank",
            "model",
            "status",
            "error",
            "converged",
            "n_params",
            "log_likelihood",
            "aic",
            "bic",
            "holdout_predicted",
            "holdout_actual",
            "mae",
            "rmse",
            "chi_square",
            "chi_square_df",
            "chi_square_p_value",
            "fit_seconds",
        ]
        .map(String::from)
        .to_vec(),
    );
    for (r, &i) in order.iter().enumerate() {
        let e = &evaluations[i];
        let mut row: Vec<Cell> = vec![((r + 1) as f64).into(), e.kind.as_str().into()];
        match &e.outcome {
            Ok(v) => {
                let k = v.file.parameters.len();
                row.extend([
                    "ok".into(),
                    Cell::Empty,
                    (if v.file.converged { "true" } else { "false" }).into(),
                    (k as f64).into(),
                    v.file.log_likelihood.into(),
                    v.file.aic.into(),
                    v.file.bic.into(),
                    v.holdout.predicted_total.into(),
                    v.holdout.actual_total.into(),
                    v.holdout.mae.into(),
                    v.holdout.rmse.into(),
                    v.calibration.chi_square.into(),
                    v.calibration.degrees_of_freedom(k).map(|d| d as f64).into(),
                    v.calibration.p_value(k).into(),
                ]);
            }
            Err(err) => {
                row.extend(["failed".into(), Cell::Text(err.to_string())]);
                row.extend((0..12).map(|_| Cell::Empty));
            }
        }
        row.push(e.fit_time.as_secs_f64().into());
        t.rows.push(row);
    }
    t
}

fn by_frequency_table(evaluations: &[ModelEvaluation], classes: FrequencyClasses) -> Table {
    let models: Vec<_> = fitted(evaluations).collect();
    let mut header = vec![
        "frequency_class".to_string(),
        "customers".into(),
        "actual".into(),
    ];
    header.extend(models.iter().map(|(k, _)| format!("expected_{}", slug(*k))));
    let mut t = Table::new(header);
    let Some((_, first)) = models.first() else {
        return t;
    };
    for (i, label) in classes.labels().into_iter().enumerate() {
        let mut row = vec![
            Cell::Text(label),
            (first.by_frequency.customers[i] as f64).into(),
            first.by_frequency.actual[i].into(),
        ];
        row.extend(
            models
                .iter()
                .map(|(_, v)| v.by_frequency.predicted[i].into()),
        );
        t.rows.push(row);
    }
    t
}

fn calibration_table(evaluations: &[ModelEvaluation], classes: FrequencyClasses) -> Table {
    let models: Vec<_> = fitted(evaluations).collect();
    let mut header = vec!["frequency_class".to_string(), "actual_customers".into()];
    header.extend(
        models
            .iter()
            .map(|(k, _)| format!("expected_customers_{}", slug(*k))),
    );
    let mut t = Table::new(header);
    let Some((_, first)) = models.first() else {
        return t;
    };
    for (i, label) in classes.labels().into_iter().enumerate() {
        let mut row = vec![Cell::Text(label), first.calibration.observed[i].into()];
        row.extend(models.iter().map(|(_, v)| v.calibration.expected[i].into()));
        t.rows.push(row);
    }
    t
}

fn tracking_table(evaluations: &[ModelEvaluation], tracking: &Tracking) -> Table {
    let models: Vec<(ModelKind, &[f64])> = fitted(evaluations)
        .filter_map(|(k, v)| v.tracking.as_deref().map(|t| (k, t)))
        .collect();
    let mut header: Vec<String> = [
        "period",
        "time",
        "phase",
        "actual_cumulative",
        "actual_incremental",
    ]
    .map(String::from)
    .to_vec();
    for (k, _) in &models {
        header.push(format!("expected_cumulative_{}", slug(*k)));
        header.push(format!("expected_incremental_{}", slug(*k)));
    }
    let mut t = Table::new(header);
    let actual = tracking.actual_cumulative();
    let incs: Vec<Vec<f64>> = models.iter().map(|(_, c)| incremental(c)).collect();
    let calibration = tracking.calibration_periods();
    for (i, &time) in tracking.period_ends.iter().enumerate() {
        let phase = if i < calibration {
            "calibration"
        } else {
            "holdout"
        };
        let mut row: Vec<Cell> = vec![
            ((i + 1) as f64).into(),
            time.into(),
            phase.into(),
            actual[i].into(),
            tracking.actual_incremental[i].into(),
        ];
        for ((_, cum), inc) in models.iter().zip(&incs) {
            row.push(cum[i].into());
            row.push(inc[i].into());
        }
        t.rows.push(row);
    }
    t
}

fn predictions_table(evaluations: &[ModelEvaluation], summary: &Summary) -> Table {
    let models: Vec<_> = fitted(evaluations).collect();
    let mut header: Vec<String> = [
        "customer_id",
        "frequency",
        "recency",
        "T",
        "frequency_holdout",
        "duration_holdout",
    ]
    .map(String::from)
    .to_vec();
    for (k, _) in &models {
        header.push(format!("expected_purchases_{}", slug(*k)));
        header.push(format!("p_alive_{}", slug(*k)));
    }
    let mut t = Table::new(header);
    for (i, c) in summary.customers.iter().enumerate() {
        let h = c.history;
        let mut row: Vec<Cell> = vec![
            Cell::Text(c.customer_id.clone()),
            h.frequency.into(),
            h.recency.into(),
            h.age.into(),
            c.holdout.map(|o| o.frequency).into(),
            c.holdout.map(|o| o.duration).into(),
        ];
        for (_, v) in &models {
            let p = v.holdout.predictions[i];
            row.push(p.expected_purchases.into());
            row.push(p.p_alive.into());
        }
        t.rows.push(row);
    }
    t
}

/// Draws and writes the comparison's plots; returns their paths.
fn plots(
    evaluations: &[ModelEvaluation],
    order: &[usize],
    summary: &Summary,
    tracking: &Tracking,
    options: &CompareOptions,
    out: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    let models: Vec<_> = fitted(evaluations).collect();
    let Some((_, first)) = models.first() else {
        return Ok(Vec::new());
    };
    let unit = units(summary.unit);
    let labels = options.classes.labels();
    let mut files = Vec::new();
    let mut save = |name: &str, svg: String| -> anyhow::Result<()> {
        let path = out.join(name);
        plot::write_svg(&path, &svg)?;
        files.push(path);
        Ok(())
    };

    let mut series = vec![Series::new("actual", &first.calibration.observed)];
    series.extend(
        models
            .iter()
            .map(|(k, v)| Series::new(k.as_str(), &v.calibration.expected)),
    );
    save(
        "calibration_histogram.svg",
        plot::grouped_bars_svg(
            Labels {
                title: "Calibration period: customers by number of repeat purchases",
                x: "repeat purchases in the calibration period (x)",
                y: "number of customers",
            },
            &labels,
            &series,
        )?,
    )?;

    let mut series = vec![Series::partial("actual", first.by_frequency.actual.clone())];
    series.extend(
        models
            .iter()
            .map(|(k, v)| Series::partial(k.as_str(), v.by_frequency.predicted.clone())),
    );
    let y = format!("mean repeat purchases in the holdout period (per customer, {unit})");
    save(
        "holdout_by_frequency.svg",
        plot::category_lines_svg(
            Labels {
                title: "Holdout purchases by calibration frequency, actual vs expected",
                x: "repeat purchases in the calibration period (x)",
                y: &y,
            },
            &labels,
            &series,
        )?,
    )?;

    let marker = Some((tracking.calibration_end, "end of calibration"));
    let x = format!("time since the first customer's first purchase ({unit})");
    let actual = tracking.actual_cumulative();
    let mut cumulative = vec![Series::new("actual", &actual)];
    let mut incremental_series = vec![Series::new("actual", &tracking.actual_incremental)];
    for (k, v) in &models {
        if let Some(c) = &v.tracking {
            cumulative.push(Series::new(k.as_str(), c));
            incremental_series.push(Series::new(k.as_str(), &incremental(c)));
        }
    }
    save(
        "tracking_cumulative.svg",
        plot::time_lines_svg(
            Labels {
                title: "Cumulative repeat transactions, actual vs expected",
                x: &x,
                y: "cumulative repeat transactions",
            },
            &tracking.period_ends,
            &cumulative,
            marker,
        )?,
    )?;
    let y = format!(
        "repeat transactions per period (one period = 1 {})",
        summary.unit
    );
    save(
        "tracking_incremental.svg",
        plot::time_lines_svg(
            Labels {
                title: "Repeat transactions per period, actual vs expected",
                x: &x,
                y: &y,
            },
            &tracking.period_ends,
            &incremental_series,
            marker,
        )?,
    )?;

    let chosen = match options.p_alive_model {
        Some(kind) => fitted(evaluations)
            .find(|(k, _)| *k == kind)
            .with_context(|| format!("the P(alive) plot's model {kind} was not fitted"))?,
        None => order
            .iter()
            .find_map(|&i| {
                let e = &evaluations[i];
                e.outcome.as_ref().ok().map(|v| (e.kind, v))
            })
            .context("no fitted model for the P(alive) plot")?,
    };
    let max_x = summary
        .histories()
        .map(|h| h.frequency)
        .fold(0.0, f64::max)
        .min(60.0) as u32;
    let age = summary.histories().map(|h| h.age).fold(0.0, f64::max);
    let model = chosen.1.model()?;
    save(
        &format!("p_alive_{}.svg", slug(chosen.0)),
        plot::p_alive_matrix_svg(model.as_ref(), max_x.max(1), age, 40, &unit)?,
    )?;
    Ok(files)
}
