//! `btyd predict`: per-customer P(alive) and expected purchases from a model file.

use std::path::{Path, PathBuf};

use anyhow::Context;
use btyd::data::Summary;
use btyd::io::{atomic_write, write_error, ModelFile};
use btyd::models::read_bgbb_patterns;
use btyd::predict::{predict_purchases, CustomerPrediction};

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
    atomic_write(path, |w| {
        let mut out = csv::Writer::from_writer(w);
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
        let csv_err = |e: csv::Error| write_error(std::io::Error::other(e));
        out.write_record(&header).map_err(csv_err)?;
        for (c, p) in summary.customers.iter().zip(preds) {
            let h = c.history;
            let mut row = vec![
                c.customer_id.clone(),
                h.frequency.to_string(),
                h.recency.to_string(),
                h.age.to_string(),
            ];
            if let (true, Some(m)) = (money, c.monetary_value) {
                row.push(m.to_string());
            }
            row.extend([p.p_alive.to_string(), p.expected_purchases.to_string()]);
            if let (true, Some(ho)) = (holdout, c.holdout) {
                row.extend([
                    ho.frequency.to_string(),
                    ho.monetary_value.to_string(),
                    ho.duration.to_string(),
                ]);
            }
            out.write_record(&row).map_err(csv_err)?;
        }
        out.flush().map_err(write_error)
    })
    .with_context(|| format!("writing {}", path.display()))
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
    let mut total = 0.0;
    atomic_write(&args.output, |w| {
        let mut out = csv::Writer::from_writer(w);
        let csv_err = |e: csv::Error| write_error(std::io::Error::other(e));
        out.write_record([
            "frequency",
            "recency",
            "periods",
            "weights",
            "p_alive",
            "expected_purchases",
        ])
        .map_err(csv_err)?;
        for (b, wt) in patterns.obs.iter().zip(&patterns.weights) {
            let e = model.expected_purchases(b, periods);
            total += wt * e;
            out.write_record([
                b.frequency().to_string(),
                b.recency().to_string(),
                b.periods().to_string(),
                wt.to_string(),
                model.p_alive(b).to_string(),
                e.to_string(),
            ])
            .map_err(csv_err)?;
        }
        out.flush().map_err(write_error)
    })
    .with_context(|| format!("writing {}", args.output.display()))?;
    eprintln!(
        "{} customers in {} patterns: {total:.1} expected purchases in the next {periods} periods; written to {}",
        patterns.total_weight(),
        patterns.len(),
        args.output.display()
    );
    Ok(())
}
