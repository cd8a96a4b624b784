//! `btyd predict`: per-customer P(alive) and expected purchases from a model file.

use std::path::{Path, PathBuf};

use btyd::data::Summary;
use btyd::io::ModelFile;
use btyd::models::read_bgbb_patterns;
use btyd::predict::{predict_purchases, CustomerPrediction};

use super::table::{write_table, Cell};

/// Arguments of `btyd predict`.
#[derive(Debug, clap::Args)]
pub struct PredictArgs {
    /// Model file written by `btyd fit`.
    model: PathBuf,
    /// Customer summary CSV, in the model's time unit (for bg-bb: frequency, recency, periods,
    /// weights patterns as in datasets/donations.csv).
    summary: PathBuf,
    /// Prediction horizon t, in the model's time unit: expected purchases in (T, T + t] (for
    /// bg-bb: a whole number of future periods).
    #[arg(long)]
    horizon: f64,
    /// Output CSV; `-` writes stdout.
    #[arg(short, long, default_value = "-")]
    output: PathBuf,
}

pub fn run(args: PredictArgs) -> anyhow::Result<()> {
    let file = ModelFile::read(&args.model)?;
    if file.model.is_discrete() {
        return predict_discrete(&args, &file);
    }
    let model = file.purchase_model()?;
    let summary = super::fit::read_summary_for(&args.summary, &file)?;
    let preds = predict_purchases(model.as_ref(), &summary, args.horizon)?;
    write_predictions(&args.output, &summary, &preds)?;
    let total: f64 = preds.iter().map(|p| p.expected_purchases).sum();
    eprintln!(
        "{} customers: {total:.1} expected purchases in the next {} {}s; written to {}",
        summary.customers.len(),
        args.horizon,
        file.time_unit,
        args.output.display()
    );
    Ok(())
}

/// Writes `customer_id, frequency, recency, T, [monetary_value,] p_alive, expected_purchases`
/// plus the holdout columns when the summary has them.
pub fn write_predictions(
    path: &Path,
    summary: &Summary,
    preds: &[CustomerPrediction],
) -> anyhow::Result<()> {
    let money = summary.has_monetary_value();
    let holdout = summary.has_holdout();
    let mut header = vec!["customer_id", "frequency", "recency", "T"];
    if money {
        header.push("monetary_value");
    }
    header.extend(["p_alive", "expected_purchases"]);
    if holdout {
        header.extend([
            "frequency_holdout",
            "monetary_value_holdout",
            "duration_holdout",
        ]);
    }
    let rows = summary.customers.iter().zip(preds).map(|(c, p)| {
        let h = c.history;
        let mut row: Vec<Cell> = vec![
            c.customer_id.as_str().into(),
            h.frequency.into(),
            h.recency.into(),
            h.age.into(),
        ];
        if money {
            row.push(c.monetary_value.into());
        }
        row.extend([p.p_alive.into(), p.expected_purchases.into()]);
        if let (true, Some(ho)) = (holdout, c.holdout) {
            row.extend([
                ho.frequency.into(),
                ho.monetary_value.into(),
                ho.duration.into(),
            ]);
        }
        row
    });
    write_table(path, &header, rows)
}

/// BG/BB on (x, t_x, n) patterns: P(alive in period n + 1) and E[X(n, n + horizon)] per pattern,
/// with `horizon` a whole number of periods.
fn predict_discrete(args: &PredictArgs, file: &ModelFile) -> anyhow::Result<()> {
    let model = file.discrete_model()?;
    let h = args.horizon;
    if !(h >= 0.0 && h.fract() == 0.0 && h <= f64::from(u32::MAX)) {
        anyhow::bail!("for bg-bb the horizon is a whole number of periods, not {h}");
    }
    let periods = h as u32;
    let patterns = read_bgbb_patterns(&args.summary)?;
    let rows: Vec<(f64, Vec<Cell>)> = patterns
        .obs
        .iter()
        .zip(&patterns.weights)
        .map(|(b, &weight)| {
            let e = model.expected_purchases(b, periods);
            let row = vec![
                f64::from(b.frequency()).into(),
                f64::from(b.recency()).into(),
                f64::from(b.periods()).into(),
                weight.into(),
                model.p_alive(b).into(),
                e.into(),
            ];
            (weight * e, row)
        })
        .collect();
    let total: f64 = rows.iter().map(|r| r.0).sum();
    let header = [
        "frequency",
        "recency",
        "periods",
        "weights",
        "p_alive",
        "expected_purchases",
    ];
    write_table(&args.output, &header, rows.into_iter().map(|r| r.1))?;
    eprintln!(
        "{} customers in {} patterns: {total:.1} expected purchases in the next {periods} periods; written to {}",
        patterns.total_weight(),
        patterns.len(),
        args.output.display()
    );
    Ok(())
}
