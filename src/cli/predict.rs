//! `btyd predict`: per-customer (or per-pattern) P(alive) and expected purchases from a model
//! file.

use std::path::PathBuf;

use anyhow::Context;

use btyd::data::TimeUnit;
use btyd::io::{
    read_customer_data, stream_predictions, summary_blocks, write_predictions, ModelFile,
};
use btyd::models::{AnyModel, Role};
use btyd::predict::{expected_total, predict_rows};

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
    if file.covariates.is_some() || args.covariates.is_some() {
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
