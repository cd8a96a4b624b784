//! Discrete-time (opportunity) data files for BG/BB: weighted (x, t_x, n) patterns such as
//! `donations.csv`, and the per-customer summaries written by `btyd summary --discrete`; and
//! [`read_customer_data`], which reads the data file a model of any role needs.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::csv_table::{CsvTable, RowErrors};
use super::summary_csv::{read_summary, ID};
use crate::data::{
    compress, CustomerData, OpportunityHistory, OpportunitySummary, Patterns, TimeUnit,
};
use crate::error::{Error, Location, Quoted, Result};
use crate::models::Role;

/// Reads the customer data a model of `role` uses from `path`, in time unit `unit` (for BG/BB:
/// the length of one opportunity):
/// - purchase and spend models: a customer summary ([`read_summary`]);
/// - the opportunity model (BG/BB): a per-customer discrete-time summary when the file has a
///   customer id column (`customer_id`, `frequency`, `recency`, `T`, as `btyd summary
///   --discrete` writes), otherwise weighted patterns ([`read_opportunity_patterns`]).
///
/// # Errors
/// Those of the readers; [`Error::InvalidData`] naming the customer when a row of a
/// per-customer opportunity summary is not a whole-number history.
pub fn read_customer_data(role: Role, path: &Path, unit: TimeUnit) -> Result<CustomerData> {
    match role {
        Role::Purchase | Role::Spend => Ok(CustomerData::Summary(read_summary(path, unit)?)),
        Role::Opportunity => {
            if has_customer_ids(path)? {
                let summary = read_summary(path, unit)?;
                let opportunities =
                    OpportunitySummary::from_summary(&summary).map_err(|e| match e {
                        Error::InvalidData { reason, .. } => Error::InvalidData {
                            location: Location::file(path),
                            reason,
                        },
                        other => other,
                    })?;
                Ok(CustomerData::Opportunities(opportunities))
            } else {
                Ok(CustomerData::OpportunityPatterns(
                    read_opportunity_patterns(path)?,
                ))
            }
        }
    }
}

/// Whether the CSV file's header names a customer id column.
fn has_customer_ids(path: &Path) -> Result<bool> {
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let table = CsvTable::new(file, path)?;
    Ok(table.find(ID).is_some())
}

/// The accepted header names of each column of opportunity patterns, first the canonical one.
const FREQUENCY: &[&str] = &["frequency", "x"];
const RECENCY: &[&str] = &["recency", "t_x"];
const PERIODS: &[&str] = &["periods", "n", "n_periods", "T"];
const WEIGHTS: &[&str] = &["weights", "weight", "count"];

/// Reads opportunity (BG/BB) patterns from a CSV file in the format of lifetimes' and Hardie's
/// `donations.csv`: columns `frequency`, `recency`, `periods` and optionally `weights` (the
/// number of customers with that pattern, 1 when absent).
///
/// # Errors
/// As [`read_opportunity_patterns_from`], plus [`Error::Io`] when the file cannot be opened.
pub fn read_opportunity_patterns(path: &Path) -> Result<Patterns<OpportunityHistory>> {
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_opportunity_patterns_from(file, path)
}

/// Reads opportunity patterns from any reader (see [`read_opportunity_patterns`]); `name` is used in error
/// messages. Header aliases: `frequency`|`x`, `recency`|`t_x`, `periods`|`n`|`n_periods`|`T`
/// (`T` as written by `btyd summary --discrete`), `weights`|`weight`|`count`; other columns
/// (such as `customer_id`, `monetary_value`) are ignored.
///
/// # Errors
/// [`Error::InvalidData`] with file, line and field for a missing column, a count that is not a
/// non-negative whole number, a weight that is not finite and non-negative, a row failing
/// [`OpportunityHistory::new`], or a file without rows; [`Error::Csv`] for malformed CSV.
pub fn read_opportunity_patterns_from<R: Read>(
    reader: R,
    name: impl Into<PathBuf>,
) -> Result<Patterns<OpportunityHistory>> {
    read_weighted_opportunity_patterns_from(reader, name, None)
}

/// [`read_opportunity_patterns`] with the weight column named `weights` (required; `btyd sql
/// --discrete --patterns` writes `frequency, recency, T, n`); the periods column is then found
/// among its aliases other than `weights`.
///
/// # Errors
/// As [`read_opportunity_patterns_from`], plus [`Error::Io`] when the file cannot be opened.
pub fn read_weighted_opportunity_patterns(
    path: &Path,
    weights: &str,
) -> Result<Patterns<OpportunityHistory>> {
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_weighted_opportunity_patterns_from(file, path, Some(weights))
}

/// [`read_opportunity_patterns_from`], the weight column named `weights` when given.
fn read_weighted_opportunity_patterns_from<R: Read>(
    reader: R,
    name: impl Into<PathBuf>,
    weights: Option<&str>,
) -> Result<Patterns<OpportunityHistory>> {
    let mut table = CsvTable::new(reader, name)?;
    let periods: Vec<&str> = PERIODS
        .iter()
        .copied()
        .filter(|p| Some(*p) != weights)
        .collect();
    let cols = [
        table.required(FREQUENCY)?,
        table.required(RECENCY)?,
        table.required(&periods)?,
    ];
    let weight_col = match weights {
        Some(w) => Some(table.required(&[w])?),
        None => table.find(WEIGHTS),
    };

    let mut rows = Vec::new();
    let mut errors = RowErrors::default();
    while table.next_record()? {
        let row = || -> Result<(OpportunityHistory, f64)> {
            let line = table.line();
            let file = || table.file();
            let at = |col: usize| table.at(col);
            let count = |col: usize| -> Result<u32> {
                let text = table.text(col);
                text.parse::<u32>().map_err(|_| Error::InvalidData {
                    location: at(col),
                    reason: format!("{} is not a non-negative whole number", Quoted(text)),
                })
            };
            let [x, t_x, n] = cols;
            let b = OpportunityHistory::new(count(x)?, count(t_x)?, count(n)?).map_err(
                |e| match e {
                    Error::InvalidData { reason, .. } => Error::InvalidData {
                        location: file().at_line(line),
                        reason,
                    },
                    other => other,
                },
            )?;
            let weight = match weight_col {
                None => 1.0,
                Some(col) => {
                    let text = table.text(col);
                    match text.parse::<f64>() {
                        Ok(w) if w.is_finite() && w >= 0.0 => w,
                        _ => {
                            return Err(Error::InvalidData {
                                location: at(col),
                                reason: format!(
                                    "{} is not a finite non-negative weight",
                                    Quoted(text)
                                ),
                            })
                        }
                    }
                }
            };
            Ok((b, weight))
        };
        match row() {
            Ok(r) => rows.push(r),
            Err(e) => errors.push(e),
        }
    }
    errors.into_result(&table.file())?;
    let patterns = compress(rows);
    if patterns.is_empty() {
        return Err(Error::InvalidData {
            location: table.file(),
            reason: "no customers: the file has no rows with a positive weight".into(),
        });
    }
    Ok(patterns)
}
