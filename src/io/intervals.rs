//! The per-customer tables of `btyd predict` and `btyd clv` with uncertainty columns: the
//! columns of [`super::write_predictions`] / [`super::write_clv`], unchanged, followed by the
//! extra columns (`<column>_lower`, `<column>_upper` of the intervals; `p_0`..`p_N`,
//! `p_more`, `purchases_q05`, `purchases_q95` of the purchase-count distribution). Written
//! whole, not streamed: the intervals need the draws of every distinct customer pattern.

use std::path::Path;

use super::outputs::{clv_cells, prediction_cells};
use super::schema;
use super::table::{write_table, Cell};
use crate::data::Summary;
use crate::error::Result;
use crate::predict::{CustomerClv, CustomerPrediction, RowIntervals};

/// Extra columns appended to a per-customer table: their names and, per row, their cells.
pub struct ExtraColumns<'a> {
    /// The column names.
    pub header: Vec<String>,
    /// The cells of row i (as many as `header`).
    pub cells: Box<dyn Fn(usize) -> Vec<Cell> + 'a>,
}

impl<'a> ExtraColumns<'a> {
    /// `<column>_lower`, `<column>_upper` for each column of `intervals`.
    pub fn intervals(intervals: &'a RowIntervals) -> Self {
        let header = intervals
            .columns
            .iter()
            .flat_map(|c| [format!("{c}_lower"), format!("{c}_upper")])
            .collect();
        ExtraColumns {
            header,
            cells: Box::new(move |row| {
                intervals
                    .row(row)
                    .iter()
                    .flat_map(|i| [Cell::Num(i.lower), Cell::Num(i.upper)])
                    .collect()
            }),
        }
    }

    /// The columns of `parts`, side by side.
    pub fn join(parts: Vec<ExtraColumns<'a>>) -> Self {
        let header = parts.iter().flat_map(|p| p.header.clone()).collect();
        ExtraColumns {
            header,
            cells: Box::new(move |row| parts.iter().flat_map(|p| (p.cells)(row)).collect()),
        }
    }
}

/// [`super::write_predictions`] of a summary with `extra` columns after the others.
///
/// # Errors
/// Those of [`write_table`] (a non-finite value names its column and row).
pub fn write_predictions_with(
    path: &Path,
    summary: &Summary,
    preds: &[CustomerPrediction],
    extra: &ExtraColumns<'_>,
) -> Result<()> {
    let money = summary.has_monetary_value();
    let holdout = summary.has_holdout();
    let mut header: Vec<String> = schema::customer_predictions(money, holdout)
        .into_iter()
        .map(String::from)
        .collect();
    header.extend(extra.header.iter().cloned());
    let rows = summary
        .customers
        .iter()
        .zip(preds)
        .enumerate()
        .map(|(i, (c, p))| {
            let mut row = prediction_cells(c, p, money, holdout);
            row.extend((extra.cells)(i));
            row
        });
    write_table(path, &header, rows)
}

/// [`super::write_clv`] of a summary with `extra` columns after the others.
///
/// # Errors
/// Those of [`write_table`].
pub fn write_clv_with(
    path: &Path,
    summary: &Summary,
    rows: &[CustomerClv],
    extra: &ExtraColumns<'_>,
) -> Result<()> {
    let mut header: Vec<String> = schema::CLV_TABLE.iter().map(|s| s.to_string()).collect();
    header.extend(extra.header.iter().cloned());
    let cells = summary
        .customers
        .iter()
        .zip(rows)
        .enumerate()
        .map(|(i, (c, r))| {
            let mut row = clv_cells(c, &r.values());
            row.extend((extra.cells)(i));
            row
        });
    write_table(path, &header, cells)
}
