//! The per-customer output tables of `btyd predict` and `btyd clv`, keyed like their input:
//! by customer for summaries, by pattern (with its weight) for opportunity patterns.

use std::path::Path;

use super::schema;
use super::table::{write_table, Cell};
use crate::data::{CustomerDataRef, CustomerSummary, Summary};
use crate::error::Result;
use crate::predict::{ClvValues, CustomerClv, CustomerPrediction};

/// Writes the predictions of [`crate::predict::predict_rows`] for `data`: per customer
/// [`schema::customer_predictions`] (holdout columns when a summary has them), per pattern
/// [`schema::PATTERN_PREDICTIONS`].
///
/// # Errors
/// Those of [`write_table`].
pub fn write_predictions<'a>(
    path: &Path,
    data: impl Into<CustomerDataRef<'a>>,
    preds: &[CustomerPrediction],
) -> Result<()> {
    match data.into() {
        CustomerDataRef::Summary(summary) => write_customer_predictions(path, summary, preds),
        CustomerDataRef::Opportunities(summary) => {
            write_customer_predictions(path, &summary.to_summary(), preds)
        }
        CustomerDataRef::OpportunityPatterns(patterns) => {
            let rows =
                patterns
                    .obs
                    .iter()
                    .zip(&patterns.weights)
                    .zip(preds)
                    .map(|((b, &weight), p)| {
                        vec![
                            f64::from(b.frequency()).into(),
                            f64::from(b.recency()).into(),
                            f64::from(b.opportunities()).into(),
                            weight.into(),
                            p.p_alive.into(),
                            p.expected_purchases.into(),
                        ]
                    });
            write_table(path, &schema::PATTERN_PREDICTIONS, rows)
        }
    }
}

/// Per-customer predictions with the summary's columns.
fn write_customer_predictions(
    path: &Path,
    summary: &Summary,
    preds: &[CustomerPrediction],
) -> Result<()> {
    let money = summary.has_monetary_value();
    let holdout = summary.has_holdout();
    let header = schema::customer_predictions(money, holdout);
    let rows = summary
        .customers
        .iter()
        .zip(preds)
        .map(|(c, p)| prediction_cells(c, p, money, holdout));
    write_table(path, &header, rows)
}

/// The cells of one row of [`schema::customer_predictions`]: the customer, its monetary value
/// when `money`, its predictions, and its holdout columns when `holdout` (and it has them).
pub(crate) fn prediction_cells(
    c: &CustomerSummary,
    p: &CustomerPrediction,
    money: bool,
    holdout: bool,
) -> Vec<Cell> {
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
}

/// Writes [`schema::CLV_TABLE`] for the customers of `data` (a continuous-time summary, or an
/// opportunity summary with n in the `T` column).
///
/// # Errors
/// [`crate::Error::WrongData`] for opportunity patterns (CLV is per customer); those of
/// [`write_table`].
pub fn write_clv<'a>(
    path: &Path,
    data: impl Into<CustomerDataRef<'a>>,
    rows: &[CustomerClv],
) -> Result<()> {
    match data.into() {
        CustomerDataRef::Summary(summary) => write_clv_rows(path, summary, rows),
        CustomerDataRef::Opportunities(summary) => {
            write_clv_rows(path, &summary.to_summary(), rows)
        }
        other => Err(crate::data::wrong_data(
            other,
            "customers with ids (CLV is written per customer)",
        )),
    }
}

/// The CLV table of a summary's customers.
fn write_clv_rows(path: &Path, summary: &Summary, rows: &[CustomerClv]) -> Result<()> {
    let cells = summary
        .customers
        .iter()
        .zip(rows)
        .map(|(c, r)| clv_cells(c, &r.values()));
    write_table(path, &schema::CLV_TABLE, cells)
}

/// The cells of one row of [`schema::CLV_TABLE`].
pub(crate) fn clv_cells(c: &CustomerSummary, r: &ClvValues) -> Vec<Cell> {
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
}
