//! Customer-summary CSV files, with the column names of lifetimes and pymc-marketing:
//! `customer_id,frequency,recency,T[,monetary_value][,frequency_holdout,monetary_value_holdout,duration_holdout]`.
//!
//! The time unit of recency, T and duration is not stored in the file; readers are told it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::csv_table::{CsvTable, RowErrors};
use super::write_error;
use crate::data::{CustomerSummary, History, Holdout, Summary, TimeUnit};
use crate::error::{Error, Location, Num, Quoted, Result};

/// A written column: its name and value.
type SummaryColumn = (&'static str, fn(&CustomerSummary) -> f64);

/// Writes a summary as CSV, floats in their shortest round-trip form ([`Num`]: scientific
/// notation when the plain form would be long). The `monetary_value`
/// column is written when every row has one, the holdout columns when every row has them
/// (`monetary_value_holdout` only with `monetary_value`).
///
/// # Errors
/// [`Error::InvalidData`] naming the customer when a value is NaN or infinite (nothing
/// non-finite is ever written); an I/O error from `w` as [`write_error`].
pub fn write_summary(summary: &Summary, w: &mut dyn Write) -> Result<()> {
    let mut columns: Vec<SummaryColumn> = vec![
        ("frequency", |c| c.history.frequency),
        ("recency", |c| c.history.recency),
        ("T", |c| c.history.age),
    ];
    let monetary = summary.has_monetary_value();
    if monetary {
        columns.push(("monetary_value", |c| c.monetary_value.unwrap_or(0.0)));
    }
    if summary.has_holdout() {
        columns.push(("frequency_holdout", |c| {
            c.holdout.map_or(0.0, |h| h.frequency)
        }));
        if monetary {
            columns.push(("monetary_value_holdout", |c| {
                c.holdout.map_or(0.0, |h| h.monetary_value)
            }));
        }
        columns.push(("duration_holdout", |c| {
            c.holdout.map_or(0.0, |h| h.duration)
        }));
    }

    let csv_error = |e: csv::Error| write_error(std::io::Error::other(e));
    let mut head = csv::Writer::from_writer(Vec::new());
    let header = std::iter::once("customer_id").chain(columns.iter().map(|(name, _)| *name));
    head.write_record(header).map_err(csv_error)?;
    let head = head
        .into_inner()
        .map_err(|e| write_error(std::io::Error::other(e.to_string())))?;
    w.write_all(&head).map_err(write_error)?;
    // Formatting floats dominates; blocks of rows are formatted in parallel, a bounded number
    // at a time, and written in order.
    for group in summary.customers.chunks(ROWS_PER_BLOCK * BLOCKS_PER_GROUP) {
        let blocks: Vec<Result<Vec<u8>>> = group
            .par_chunks(ROWS_PER_BLOCK)
            .map(|rows| format_rows(rows, &columns))
            .collect();
        for block in blocks {
            w.write_all(&block?).map_err(write_error)?;
        }
    }
    w.flush().map_err(write_error)
}

/// Rows formatted in one parallel task.
const ROWS_PER_BLOCK: usize = 1 << 14;
/// Blocks formatted before any is written (bounds the memory of formatted text).
const BLOCKS_PER_GROUP: usize = 16;

/// The CSV text of some summary rows, or the error of the first non-finite value.
fn format_rows(rows: &[CustomerSummary], columns: &[SummaryColumn]) -> Result<Vec<u8>> {
    let csv_error = |e: csv::Error| write_error(std::io::Error::other(e));
    let mut out = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 64));
    let mut text = String::with_capacity(32);
    for c in rows {
        out.write_field(&c.customer_id).map_err(csv_error)?;
        for (name, value) in columns {
            let v = value(c);
            if !v.is_finite() {
                return Err(Error::InvalidData {
                    location: Location::default().at_field(*name),
                    reason: format!(
                        "customer {} has {name} = {v}; non-finite values are not written",
                        Quoted(&c.customer_id)
                    ),
                });
            }
            text.clear();
            // Writing to a String cannot fail.
            let _ = write!(text, "{}", Num(v));
            out.write_field(&text).map_err(csv_error)?;
        }
        out.write_record(None::<&[u8]>).map_err(csv_error)?;
    }
    out.into_inner()
        .map_err(|e| write_error(std::io::Error::other(e.to_string())))
}

/// Reads a summary CSV written by btyd, lifetimes or the Hardie data sets, in time unit `unit`.
///
/// # Errors
/// As [`read_summary_from`], plus [`Error::Io`] when the file cannot be opened.
pub fn read_summary(path: &Path, unit: TimeUnit) -> Result<Summary> {
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_summary_from(file, path, unit)
}

/// The accepted header names of each column, first the one btyd writes.
pub(crate) const ID: &[&str] = &["customer_id", "ID", "id"];
const FREQUENCY: &[&str] = &["frequency", "x"];
const RECENCY: &[&str] = &["recency", "t_x"];
const AGE: &[&str] = &["T", "age"];
const MONETARY: &[&str] = &["monetary_value", "zbar", "m"];
const FREQUENCY_HOLDOUT: &[&str] = &["frequency_holdout"];
const MONETARY_HOLDOUT: &[&str] = &["monetary_value_holdout"];
const DURATION_HOLDOUT: &[&str] = &["duration_holdout"];

/// Reads a summary CSV from any reader; `name` is used in error messages. Header aliases:
/// `customer_id`|`ID`|`id`, `frequency`|`x`, `recency`|`t_x`, `T`|`age`,
/// `monetary_value`|`zbar`|`m` (optional), and optionally `frequency_holdout`,
/// `duration_holdout` (both or neither) with `monetary_value_holdout`.
///
/// # Errors
/// [`Error::InvalidData`] with file, line and field for a missing column, a value that is not a
/// finite number, a row failing [`History::validate`], an invalid holdout value, a duplicate
/// customer id, or a file with no rows; [`Error::Csv`] for malformed CSV.
pub fn read_summary_from<R: Read>(
    reader: R,
    name: impl Into<PathBuf>,
    unit: TimeUnit,
) -> Result<Summary> {
    let mut table = CsvTable::new(reader, name)?;
    let id_col = table.required(ID)?;
    let history_cols = [
        table.required(FREQUENCY)?,
        table.required(RECENCY)?,
        table.required(AGE)?,
    ];
    let monetary_col = table.find(MONETARY);
    let holdout_cols = match (table.find(FREQUENCY_HOLDOUT), table.find(DURATION_HOLDOUT)) {
        (None, None) => None,
        _ => Some((
            table.required(FREQUENCY_HOLDOUT)?,
            table.find(MONETARY_HOLDOUT),
            table.required(DURATION_HOLDOUT)?,
        )),
    };

    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut customers = Vec::new();
    let mut errors = RowErrors::default();
    while table.next_record()? {
        let mut row = || -> Result<CustomerSummary> {
            let line = table.line();
            let at = |col: usize| table.at(col);
            let number = |col: usize| table.number(col);
            let id = table.text(id_col).to_string();
            if id.is_empty() {
                return Err(Error::InvalidData {
                    location: at(id_col),
                    reason: "empty customer id".into(),
                });
            }
            if let Some(&first) = seen.get(&id) {
                return Err(Error::InvalidData {
                    location: at(id_col),
                    reason: format!(
                        "duplicate customer id {} (first on line {first})",
                        Quoted(&id)
                    ),
                });
            }
            seen.insert(id.clone(), line);
            let [x, t_x, t] = history_cols;
            let history = History {
                frequency: number(x)?,
                recency: number(t_x)?,
                age: number(t)?,
            };
            history.validate().map_err(|reason| Error::InvalidData {
                location: table.file().at_line(line),
                reason,
            })?;
            let monetary_value = monetary_col.map(number).transpose()?;
            let holdout = match holdout_cols {
                Some((f, m, d)) => {
                    let h = Holdout {
                        frequency: number(f)?,
                        monetary_value: m.map(number).transpose()?.unwrap_or(0.0),
                        duration: number(d)?,
                    };
                    if h.frequency < 0.0 || h.frequency.fract() != 0.0 {
                        return Err(Error::InvalidData {
                            location: at(f),
                            reason: format!(
                                "{} is not a non-negative whole number",
                                Num(h.frequency)
                            ),
                        });
                    }
                    if h.duration < 0.0 {
                        return Err(Error::InvalidData {
                            location: at(d),
                            reason: format!("{} is negative", Num(h.duration)),
                        });
                    }
                    Some(h)
                }
                None => None,
            };
            Ok(CustomerSummary {
                customer_id: id,
                history,
                monetary_value,
                holdout,
            })
        };
        match row() {
            Ok(c) => customers.push(c),
            Err(e) => errors.push(e),
        }
    }
    errors.into_result(&table.file())?;
    if customers.is_empty() {
        return Err(Error::InvalidData {
            location: table.file(),
            reason: "no customers: the summary has no rows".into(),
        });
    }
    Ok(Summary {
        unit,
        customers,
        observation_end: None,
        calibration_end: None,
    })
}
