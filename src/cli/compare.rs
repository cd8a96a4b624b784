//! `btyd compare`: fit every requested purchase model on the calibration period of a log,
//! check each against the holdout period (Fader, Hardie & Lee 2005a, §7), rank them, and write
//! the tables, model files and plots.

use std::path::PathBuf;

use anyhow::bail;
use btyd::data::time::parse_date_arg;
use btyd::data::{build_summary, Summary, SummaryOptions, TimeUnit, Transactions};
use btyd::io::comparison::{units, write_comparison};
use btyd::io::output::FreshDir;
use btyd::io::plot::{category_lines_with_bars_svg, write_svg, Labels, Series};
use btyd::io::{write_table, Cell};
use btyd::models::{ModelKind, Role};
use btyd::predict::Level;
use btyd::validate::intervals::holdout_intervals;
use btyd::validate::{
    compare, CompareOptions, Comparison, FrequencyClasses, ModelEvaluation, RankBy, Stage,
    Tracking, DEFAULT_FREQUENCY_CUT,
};

use super::summary::{print_report, read_log, LogArgs};

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
    /// Capped at the largest calibration frequency observed.
    #[arg(long, default_value_t = DEFAULT_FREQUENCY_CUT, value_parser = clap::value_parser!(u32).range(1..))]
    frequency_cut: u32,
    /// How the table is ranked: by holdout mean absolute error or by AIC.
    #[arg(long, value_enum, default_value_t = RankArg::Mae)]
    rank_by: RankArg,
    /// Model whose P(alive) matrix is plotted [default: the best-ranked one].
    #[arg(long, value_parser = parse_purchase_model)]
    p_alive_model: Option<ModelKind>,
    /// Interval level in (0, 1), e.g. 0.9: adds the interval of each model's predicted
    /// holdout total and class means (normal draws of the log-parameters), printed and written
    /// to holdout_intervals.csv.
    #[arg(long, value_parser = super::uncertainty::level)]
    interval: Option<f64>,
    /// Parameter draws for --interval.
    #[arg(long, default_value_t = 1000, requires = "interval", value_parser = clap::value_parser!(u32).range(2..=1_000_000))]
    draws: u32,
    /// Seed of the draws for --interval.
    #[arg(long, default_value_t = 1, requires = "interval")]
    seed: u64,
    /// MODEL=N: at most N optimiser iterations for MODEL (for testing the failure path).
    #[arg(long, hide = true, value_parser = parse_max_iters)]
    max_iters: Vec<(ModelKind, u64)>,
    /// Also fit every model with covariates (CSV keyed by customer_id, see `btyd fit
    /// --covariates`) and check it on the holdout with each customer's own parameters.
    #[arg(long, requires = "purchase_covariates")]
    covariates: Option<PathBuf>,
    /// Covariate columns of the purchase process (with --covariates), comma separated.
    #[arg(long, value_delimiter = ',', requires = "covariates")]
    purchase_covariates: Vec<String>,
    /// Covariate columns of the dropout process (with --covariates), comma separated; the NBD
    /// (no dropout) uses only the purchase covariates.
    #[arg(long, value_delimiter = ',', requires = "covariates")]
    dropout_covariates: Vec<String>,
}

/// `--rank-by` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RankArg {
    /// Holdout mean absolute error, smallest first.
    Mae,
    /// AIC, smallest first.
    Aic,
}

/// Parses a continuous-time purchase model name.
fn parse_purchase_model(s: &str) -> Result<ModelKind, String> {
    let kind = super::fit::parse_model(s)?;
    if kind.role() == Role::Purchase {
        Ok(kind)
    } else {
        Err(format!(
            "{kind} is not a purchase model (expected one of {})",
            ModelKind::with_role(Role::Purchase)
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

/// Checks the arguments together before any work: no model twice, the P(alive) model among the
/// compared ones; returns the models to compare.
fn preflight(args: &CompareArgs) -> anyhow::Result<Vec<ModelKind>> {
    let models = if args.models.is_empty() {
        ModelKind::with_role(Role::Purchase)
    } else {
        args.models.clone()
    };
    for (i, m) in models.iter().enumerate() {
        if models[..i].contains(m) {
            bail!("--models names {m} twice");
        }
    }
    if let Some(p) = args.p_alive_model {
        if !models.contains(&p) {
            bail!(
                "--p-alive-model {p} is not among the compared models ({})",
                models
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    Ok(models)
}

pub fn run(args: CompareArgs) -> anyhow::Result<()> {
    let models = preflight(&args)?;
    // Written into a fresh folder that replaces the output folder only when complete, so no
    // file of an earlier comparison remains beside the new ones.
    let fresh = FreshDir::new(&args.out)?;
    let read = args.log_opts.read_options();
    let tx = read_log(&args.log, &read)?;
    let opts = SummaryOptions {
        unit: args.log_opts.time_unit,
        observation_end: args.observation_end,
        calibration_end: Some(args.calibration_end),
    };
    let (summary, report) = build_summary(&tx, &opts)?;
    print_report(&report, opts.unit);
    // Classes beyond the largest observed frequency would all be empty.
    let largest = summary.histories().map(|h| h.frequency).fold(0.0, f64::max) as u32;
    let cut = args.frequency_cut.min(largest.max(1));
    if cut < args.frequency_cut {
        eprintln!(
            "--frequency-cut {} capped at {cut}, the largest calibration frequency",
            args.frequency_cut
        );
    }
    let options = CompareOptions {
        models,
        classes: FrequencyClasses::new(cut)?,
        rank_by: match args.rank_by {
            RankArg::Mae => RankBy::HoldoutMae,
            RankArg::Aic => RankBy::Aic,
        },
        p_alive_model: args.p_alive_model,
        max_iters: args.max_iters.clone(),
    };
    let (comparison, mut files) = run_comparison(&tx, &summary, &options, fresh.path())?;
    if let Some(level) = args.interval {
        let level = Level::new(level)?;
        files.extend(holdout_intervals_file(
            &comparison,
            &summary,
            &options,
            (level, args.draws as usize, args.seed),
            fresh.path(),
        )?);
    }
    if let Some(path) = &args.covariates {
        files.extend(compare_covariates(
            &args,
            path,
            &summary,
            &options.models,
            fresh.path(),
        )?);
    }
    fresh.commit()?;
    for f in &files {
        let name = f.file_name().unwrap_or_default();
        eprintln!("wrote {}", args.out.join(name).display());
    }
    if comparison.succeeded() == 0 {
        bail!(
            "every model failed to fit; the reasons are in {}",
            args.out.join("comparison.csv").display()
        );
    }
    Ok(())
}

/// `--covariates`: the models fitted with covariates, checked on the holdout.
fn compare_covariates(
    args: &CompareArgs,
    path: &std::path::Path,
    summary: &Summary,
    models: &[ModelKind],
    out: &std::path::Path,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut requests = Vec::new();
    for &kind in models {
        let has_dropout = kind
            .covariate_params()
            .iter()
            .any(|p| p.process == btyd::models::Process::Dropout);
        let request = super::covariates::CovariateRequest {
            path,
            sets: btyd::io::CovariateSets {
                purchase: args.purchase_covariates.clone(),
                dropout: if has_dropout {
                    args.dropout_covariates.clone()
                } else {
                    Vec::new()
                },
                ..Default::default()
            },
            penalty: 0.0,
            standardize: false,
        };
        requests.push((kind, request));
    }
    super::covariates::compare(summary, &requests, out)
}

/// Compares the models of `options` on a calibration/holdout summary of `tx` with a progress
/// bar, prints the ranked and by-frequency tables on stdout, and writes the comparison's files
/// into `out` (which must exist); returns the comparison and the files written.
pub fn run_comparison(
    tx: &Transactions,
    summary: &Summary,
    options: &CompareOptions,
    out: &std::path::Path,
) -> anyhow::Result<(Comparison, Vec<PathBuf>)> {
    let (Some(calibration_end), Some(observation_end)) =
        (summary.calibration_end, summary.observation_end)
    else {
        bail!("the comparison needs a summary split at a calibration end");
    };
    let tracking = Tracking::from_transactions(tx, summary.unit, calibration_end, observation_end)?;
    let bar = super::progress::steps(options.models.len() as u64);
    let comparison = compare(summary, Some(&tracking), options, |stage| match stage {
        Stage::Starting(kind) => bar.set_message(format!("fitting and checking {kind}")),
        Stage::Done(e) => {
            if let Err(err) = &e.outcome {
                bar.suspend(|| eprintln!("warning: {} failed: {err}", e.kind));
            }
            bar.inc(1);
        }
    });
    bar.finish_and_clear();
    print_table(
        &comparison.evaluations,
        &comparison.order,
        options.rank_by,
        summary.unit,
    );
    print_by_frequency(&comparison, options.classes);
    let files = write_comparison(&comparison, summary, &tracking, options, out)?;
    Ok((comparison, files))
}

/// `--interval`: the interval of each fitted model's holdout total and class means, printed
/// on stdout and written to `holdout_intervals.csv` in `out`, with the class means drawn with
/// error bars in `holdout_intervals.svg`; a model without covariance
/// (a fit at an edge) gets a warning and no rows.
fn holdout_intervals_file(
    comparison: &Comparison,
    summary: &Summary,
    options: &CompareOptions,
    (level, draws, seed): (Level, usize, u64),
    out: &std::path::Path,
) -> anyhow::Result<Vec<PathBuf>> {
    let labels = options.classes.labels();
    println!(
        "\n{:.0}% intervals of the predicted holdout purchases ({draws} normal draws of the \
         log-parameters, seed {seed})",
        100.0 * level.value()
    );
    println!(
        "{:<12} {:>8} {:>12} {:>12} {:>12} {:>12}",
        "model", "class", "predicted", "lower", "upper", "actual"
    );
    let mut rows = Vec::new();
    let mut series: Vec<Series> = Vec::new();
    let mut bars: Vec<Vec<Option<(f64, f64)>>> = Vec::new();
    for e in order_of(comparison) {
        let Ok(ev) = &e.outcome else { continue };
        let iv = match holdout_intervals(&ev.fitted, summary, options.classes, level, draws, seed) {
            Ok(iv) => iv,
            Err(err) => {
                eprintln!("warning: {}: no holdout interval: {err}", e.kind);
                continue;
            }
        };
        if series.is_empty() {
            series.push(Series::partial("actual", ev.by_frequency.actual.clone()));
            bars.push(Vec::new());
        }
        series.push(Series::partial(
            e.kind.as_str(),
            iv.by_class.iter().map(|i| i.map(|i| i.point)).collect(),
        ));
        bars.push(
            iv.by_class
                .iter()
                .map(|i| i.map(|i| (i.lower, i.upper)))
                .collect(),
        );
        let actual = std::iter::once(Some(ev.holdout.actual_total))
            .chain(ev.by_frequency.actual.iter().copied());
        let intervals = std::iter::once(Some(iv.total)).chain(iv.by_class.iter().copied());
        let names = std::iter::once("total".to_string()).chain(labels.iter().cloned());
        for ((name, i), a) in names.zip(intervals).zip(actual) {
            let Some(i) = i else { continue };
            println!(
                "{:<12} {:>8} {:>12.2} {:>12.2} {:>12.2} {:>12.2}",
                e.kind.as_str(),
                name,
                i.point,
                i.lower,
                i.upper,
                a.unwrap_or(f64::NAN)
            );
            rows.push(vec![
                Cell::from(e.kind.as_str()),
                Cell::from(name),
                Cell::Num(i.point),
                Cell::Num(i.lower),
                Cell::Num(i.upper),
                a.into(),
            ]);
        }
    }
    let path = out.join("holdout_intervals.csv");
    write_table(
        &path,
        &["model", "class", "predicted", "lower", "upper", "actual"],
        rows,
    )?;
    let title = format!(
        "Holdout purchases by calibration frequency, with {:.0}% intervals",
        100.0 * level.value()
    );
    let svg = category_lines_with_bars_svg(
        Labels {
            title: &title,
            x: "repeat purchases in the calibration period (x)",
            y: "mean repeat purchases in the holdout period (per customer)",
        },
        &labels,
        &series,
        &bars,
    )?;
    let svg_path = out.join("holdout_intervals.svg");
    write_svg(&svg_path, &svg)?;
    Ok(vec![path, svg_path])
}

/// The evaluations, best first.
fn order_of(comparison: &Comparison) -> impl Iterator<Item = &ModelEvaluation> {
    comparison.order.iter().map(|&i| &comparison.evaluations[i])
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
                v.fitted.log_likelihood,
                v.fitted.aic(),
                v.fitted.bic(),
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
    // Boundary fits, non-convergence and other caveats, under the table and on stderr.
    for &i in order {
        let e = &evaluations[i];
        if let Ok(v) = &e.outcome {
            for w in &v.fitted.warnings {
                println!("note: {}: {w}", e.kind.as_str());
                eprintln!("warning: {}: {w}", e.kind.as_str());
            }
        }
    }
}

fn print_by_frequency(comparison: &Comparison, classes: FrequencyClasses) {
    let models: Vec<_> = comparison.fitted().collect();
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
