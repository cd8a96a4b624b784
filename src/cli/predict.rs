//! `btyd predict`: per-customer (or per-pattern) P(alive) and expected purchases from a model
//! file.

use std::path::PathBuf;

use anyhow::{bail, Context};

use btyd::data::{CustomerData, History, Summary, TimeUnit};
use btyd::io::intervals::{write_predictions_with, ExtraColumns};
use btyd::io::{
    read_customer_data, stream_predictions, summary_blocks, write_predictions, Cell, ModelFile,
};
use btyd::models::{AnyModel, PurchaseModel, Role};
use btyd::predict::uncertainty::purchase_draws;
use btyd::predict::{count_quantiles, predict_purchases, prediction_intervals, PatternIndex};
use btyd::predict::{expected_total, predict_rows};
use rayon::prelude::*;

use super::uncertainty::IntervalArgs;

/// Arguments of `btyd predict`.
#[derive(Debug, clap::Args)]
pub struct PredictArgs {
    /// Model file written by `btyd fit`.
    model: PathBuf,
    /// Customer summary CSV, in the model's time unit (for bg-bb: the discrete-time summary of
    /// `btyd summary --discrete`, or weighted patterns as in datasets/donations.csv).
    #[arg(required_unless_present = "new_customer")]
    summary: Option<PathBuf>,
    /// Prediction horizon t, in the model's time unit: expected purchases in (T, T + t] (for
    /// bg-bb: a whole number of future periods).
    #[arg(long, value_parser = super::non_negative)]
    horizon: f64,
    /// Output CSV; `-` writes stdout.
    #[arg(short, long, default_value = "-")]
    output: PathBuf,
    #[command(flatten)]
    uncertainty: IntervalArgs,
    /// Add each customer's distribution of the number of purchases in the horizon:
    /// p_0..p_N, p_more (= P(more than N)), and its 5% and 95% quantiles purchases_q05,
    /// purchases_q95.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(0..=10_000))]
    pmf: Option<u64>,
    /// Each customer's covariates (CSV keyed by customer_id), for a model fitted with
    /// covariates; with --new-customer, one covariate profile per row.
    #[arg(long)]
    covariates: Option<PathBuf>,
    /// E[X(t)] of a new customer per covariate profile of --covariates (column customer_id
    /// names the profile), instead of per-customer predictions.
    #[arg(long, requires = "covariates", conflicts_with = "summary")]
    new_customer: bool,
}

pub fn run(args: PredictArgs) -> anyhow::Result<()> {
    let file = ModelFile::read(&args.model)?;
    super::show_model_warnings(&args.model, &file);
    let model = file.model()?;
    if let Some(profiles) = args.covariates.as_deref().filter(|_| args.new_customer) {
        return super::covariates::predict_new(
            &args.model,
            &file,
            profiles,
            args.horizon,
            &args.output,
        );
    }
    let summary = args.summary.as_deref().context("a summary CSV is needed")?;
    let unit = super::summary_unit(summary, None, Some((file.time_unit, model.role())))?;
    let covariates = file.covariates.is_some() || args.covariates.is_some();
    if args.uncertainty.interval.is_some() || args.pmf.is_some() {
        if covariates {
            bail!("--interval and --pmf are not available for models with covariates yet");
        }
        return run_with_uncertainty(&args, summary, &file, &model, unit);
    }
    if covariates {
        let data = read_customer_data(Role::Purchase, summary, unit)?;
        let preds = super::covariates::predict_rows(
            &args.model,
            &file,
            args.covariates.as_deref(),
            &data,
            args.horizon,
        )?;
        write_predictions(&args.output, &data, &preds)?;
        report(
            &args,
            preds.len(),
            expected_total(&data, &preds),
            file.time_unit,
        );
        return Ok(());
    }
    if model.role() != Role::Purchase {
        return run_in_memory(&args, summary, &model, unit, file.time_unit);
    }
    // A continuous-time summary: streamed through the pipeline of btyd::io::stream.
    let (reader, bar) = super::progress::open_input(summary)?;
    let source = summary_blocks(reader, summary)?;
    let columns = source.columns();
    let totals = stream_predictions(
        &args.output,
        source,
        columns,
        model.purchase()?,
        args.horizon,
    )?;
    bar.finish_and_clear();
    report(
        &args,
        totals.rows as usize,
        totals.expected_purchases,
        file.time_unit,
    );
    Ok(())
}

/// Predictions for the data of an opportunity model (BG/BB), read whole; a spend model fails
/// here with the error naming the role it lacks.
fn run_in_memory(
    args: &PredictArgs,
    summary: &std::path::Path,
    model: &AnyModel,
    unit: TimeUnit,
    model_unit: TimeUnit,
) -> anyhow::Result<()> {
    let data = read_customer_data(model.role(), summary, unit)?;
    let preds = predict_rows(model, &data, args.horizon)?;
    write_predictions(&args.output, &data, &preds)?;
    report(args, preds.len(), expected_total(&data, &preds), model_unit);
    Ok(())
}

/// `--interval` and `--pmf`: the summary read whole, the table of [`run`] with the extra
/// columns appended (see `btyd::io::intervals`).
fn run_with_uncertainty(
    args: &PredictArgs,
    path: &std::path::Path,
    file: &ModelFile,
    model: &AnyModel,
    unit: TimeUnit,
) -> anyhow::Result<()> {
    let Ok(point) = model.purchase() else {
        bail!(
            "--interval and --pmf need a continuous-time purchase model, not {}",
            model.kind()
        );
    };
    let data = read_customer_data(Role::Purchase, path, unit)?;
    let CustomerData::Summary(summary) = &data else {
        bail!("--interval and --pmf need a customer summary");
    };
    let preds = predict_purchases(point, summary, args.horizon)?;
    let intervals = match args.uncertainty.level()? {
        Some(level) => {
            let draws = args.uncertainty.draws(file, &args.model, path, unit, 0)?;
            let rows: Vec<(History, f64)> =
                summary.histories().map(|h| (h, args.horizon)).collect();
            Some((
                prediction_intervals(point, &purchase_draws(&draws)?, &rows, level)?,
                level,
            ))
        }
        None => None,
    };
    let mut parts = Vec::new();
    if let Some((iv, _)) = &intervals {
        parts.push(ExtraColumns::intervals(iv));
    }
    let pmf = match args.pmf {
        Some(n) => Some(pmf_columns(point, summary, args.horizon, n)?),
        None => None,
    };
    if let Some(p) = pmf {
        parts.push(p);
    }
    write_predictions_with(&args.output, summary, &preds, &ExtraColumns::join(parts))?;
    let total: f64 = preds.iter().map(|p| p.expected_purchases).sum();
    report(args, preds.len(), total, file.time_unit);
    if let Some((iv, level)) = intervals {
        eprintln!(
            "{:.0}% interval of the total: [{:.1}, {:.1}] ({})",
            100.0 * level.value(),
            iv.total.lower,
            iv.total.upper,
            args.uncertainty.describe()
        );
    }
    Ok(())
}

/// The columns of `--pmf N`: p_0..p_N, p_more, purchases_q05, purchases_q95, computed once
/// per distinct history.
fn pmf_columns(
    model: &dyn PurchaseModel,
    summary: &Summary,
    horizon: f64,
    n: u64,
) -> anyhow::Result<ExtraColumns<'static>> {
    let index = PatternIndex::new(summary.customers.iter().map(|c| &c.history));
    let values: Vec<anyhow::Result<Vec<f64>>> = index
        .histories
        .par_iter()
        .map(|h| {
            let no_pmf = || anyhow::anyhow!("{} has no closed-form pmf", model.name());
            let mut pmf = model.conditional_pmf(h, horizon, n).ok_or_else(no_pmf)??;
            let more = (1.0 - pmf.iter().sum::<f64>()).max(0.0);
            let q = count_quantiles(model, h, horizon, &[0.05, 0.95]).ok_or_else(no_pmf)??;
            pmf.push(more);
            pmf.extend(q.iter().map(|&v| v as f64));
            Ok(pmf)
        })
        .collect();
    let values = values.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    let mut header: Vec<String> = (0..=n).map(|i| format!("p_{i}")).collect();
    header.extend(["p_more", "purchases_q05", "purchases_q95"].map(String::from));
    Ok(ExtraColumns {
        header,
        cells: Box::new(move |row| {
            values[index.of_row[row]]
                .iter()
                .map(|&v| Cell::Num(v))
                .collect()
        }),
    })
}

/// The one-line summary on stderr.
fn report(args: &PredictArgs, rows: usize, total: f64, unit: TimeUnit) {
    eprintln!(
        "{} rows: {:.1} expected purchases in the next {} {}; written to {}",
        rows,
        total,
        btyd::error::Num(args.horizon),
        unit.name_for(args.horizon),
        args.output.display()
    );
}
