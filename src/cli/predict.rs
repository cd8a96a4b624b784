//! `btyd predict`: per-customer (or per-pattern) P(alive) and expected purchases from a model
//! file.

use std::path::PathBuf;

use btyd::io::{read_customer_data, write_predictions, ModelFile};
use btyd::predict::{expected_total, predict_rows};

/// Arguments of `btyd predict`.
#[derive(Debug, clap::Args)]
pub struct PredictArgs {
    /// Model file written by `btyd fit`.
    model: PathBuf,
    /// Customer summary CSV, in the model's time unit (for bg-bb: the discrete-time summary of
    /// `btyd summary --discrete`, or weighted patterns as in datasets/donations.csv).
    summary: PathBuf,
    /// Prediction horizon t, in the model's time unit: expected purchases in (T, T + t] (for
    /// bg-bb: a whole number of future periods).
    #[arg(long, value_parser = super::non_negative)]
    horizon: f64,
    /// Output CSV; `-` writes stdout.
    #[arg(short, long, default_value = "-")]
    output: PathBuf,
}

pub fn run(args: PredictArgs) -> anyhow::Result<()> {
    let file = ModelFile::read(&args.model)?;
    super::show_model_warnings(&args.model, &file);
    let model = file.model()?;
    let unit = super::summary_unit(&args.summary, None, Some((file.time_unit, model.role())))?;
    let data = read_customer_data(model.role(), &args.summary, unit)?;
    let preds = predict_rows(&model, &data, args.horizon)?;
    write_predictions(&args.output, &data, &preds)?;
    eprintln!(
        "{} rows: {:.1} expected purchases in the next {} {}; written to {}",
        preds.len(),
        expected_total(&data, &preds),
        btyd::error::Num(args.horizon),
        file.time_unit.name_for(args.horizon),
        args.output.display()
    );
    Ok(())
}
