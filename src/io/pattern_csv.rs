//! Weighted pattern files of the continuous-time and spend models: one row per distinct
//! history with the number of customers sharing it, as `btyd sql --patterns` computes them in
//! a database (`frequency, recency, T, n` and `frequency, monetary_value, n`).
//!
//! Weights are finite, non-negative numbers (whole counts from `btyd sql`; fractional weights
//! are accepted as case weights, as lifetimes' `weights` are); rows of weight 0 are dropped.
//! Fitting on such a file gives the fit on the summary the rows expand to, since the
//! likelihood is the weighted sum over distinct patterns either way.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::csv_table::{CsvTable, RowErrors};
use crate::data::{
    compress, describe_bad_spend, spend_of, History, Spend, SpendSample, SummaryPatterns, TimeUnit,
    MAX_REPORTED_ROWS,
};
use crate::error::{Error, Location, Quoted, Result};

const FREQUENCY: &[&str] = &["frequency", "x"];
const RECENCY: &[&str] = &["recency", "t_x"];
const AGE: &[&str] = &["T", "age"];
const MONETARY: &[&str] = &["monetary_value", "zbar", "m"];

/// Reads a weighted pattern file (see [`read_weighted_patterns_from`]).
///
/// # Errors
/// As [`read_weighted_patterns_from`], plus [`Error::Io`] when the file cannot be opened.
pub fn read_weighted_patterns(
    path: &Path,
    unit: TimeUnit,
    weights: &str,
) -> Result<SummaryPatterns> {
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_weighted_patterns_from(file, path, unit, weights)
}

/// Reads weighted patterns from any reader; `name` is used in error messages, `weights` is the
/// exact name of the weight column. The file has `frequency` (or `x`) and either `recency`
/// (`t_x`) and `T` (`age`) — the purchase models' histories — or `monetary_value` (`zbar`,
/// `m`) — the Gamma-Gamma sample of the rows with frequency ≥ 1 — or both; other columns are
/// ignored. A file without `recency`/`T` has no histories (a purchase model refuses it).
///
/// # Errors
/// [`Error::InvalidData`] with file, line and field for a missing column, a weight that is not
/// finite and non-negative, a value that is not a number, a history failing
/// [`History::validate`], or a file whose rows all weigh 0; [`Error::Csv`] for malformed CSV.
/// A repeat pattern's invalid monetary value is kept for the spend model, as in a summary.
pub fn read_weighted_patterns_from<R: Read>(
    reader: R,
    name: impl Into<PathBuf>,
    unit: TimeUnit,
    weights: &str,
) -> Result<SummaryPatterns> {
    let mut table = CsvTable::new(reader, name)?;
    let weight_col = table.required(&[weights])?;
    let frequency = table.required(FREQUENCY)?;
    let times = match (table.find(RECENCY), table.find(AGE)) {
        (Some(r), Some(t)) => Some((r, t)),
        (None, None) => None,
        (Some(_), None) => Some((0, table.required(AGE)?)),
        (None, Some(_)) => Some((table.required(RECENCY)?, 0)),
    };
    let monetary = table.find(MONETARY);
    if times.is_none() && monetary.is_none() {
        return Err(Error::InvalidData {
            location: table.file(),
            reason: format!(
                "a pattern file needs recency and T (purchase models) or monetary_value \
                 (gamma-gamma) besides frequency and {}",
                Quoted(weights)
            ),
        });
    }

    let (mut histories, mut spend) = (Vec::new(), Vec::new());
    let mut bad_spend = (0usize, Vec::new());
    let mut total = 0.0;
    let mut errors = RowErrors::default();
    while table.next_record()? {
        let row = || -> Result<(f64, Option<History>, Option<f64>)> {
            let number = |col: usize| -> Result<f64> {
                let text = table.text(col);
                text.parse::<f64>().map_err(|_| Error::InvalidData {
                    location: table.at(col),
                    reason: format!("{} is not a number", Quoted(text)),
                })
            };
            let w = number(weight_col)?;
            if !(w.is_finite() && w >= 0.0) {
                return Err(Error::InvalidData {
                    location: table.at(weight_col),
                    reason: format!(
                        "{} is not a finite non-negative weight",
                        Quoted(table.text(weight_col))
                    ),
                });
            }
            let x = number(frequency)?;
            let history = match times {
                None => None,
                Some((r, t)) => {
                    let h = History {
                        frequency: x,
                        recency: number(r)?,
                        age: number(t)?,
                    };
                    h.validate().map_err(|reason| Error::InvalidData {
                        location: table.file().at_line(table.line()),
                        reason,
                    })?;
                    Some(h)
                }
            };
            if times.is_none() && !(x.is_finite() && x >= 0.0 && x.fract() == 0.0) {
                return Err(Error::InvalidData {
                    location: table.at(frequency),
                    reason: format!(
                        "frequency {} is not a non-negative whole number",
                        Quoted(table.text(frequency))
                    ),
                });
            }
            let m = monetary.map(number).transpose()?;
            Ok((w, history, m))
        };
        match row() {
            Ok((w, history, m)) => {
                total += w;
                let x = match history {
                    Some(h) => {
                        histories.push((h, w));
                        h.frequency
                    }
                    None => table.text(frequency).parse::<f64>().unwrap_or(0.0),
                };
                if monetary.is_some() && w > 0.0 {
                    match spend_of(x, m) {
                        None => {}
                        Some(Ok(s)) => spend.push((s, w)),
                        Some(Err(problem)) => {
                            bad_spend.0 += 1;
                            if bad_spend.1.len() < MAX_REPORTED_ROWS {
                                let id = format!("line {}", table.line());
                                bad_spend.1.push(describe_bad_spend(&id, x, &problem));
                            }
                        }
                    }
                }
            }
            Err(e) => errors.push(e),
        }
    }
    errors.into_result(&table.file())?;
    if total <= 0.0 {
        return Err(Error::InvalidData {
            location: table.file(),
            reason: "no customers: the file has no rows with a positive weight".into(),
        });
    }
    let spend = SpendSample::from_read(monetary.is_some(), bad_spend, || compress::<Spend>(spend));
    Ok(SummaryPatterns::new(
        unit,
        total.round() as u64,
        compress(histories),
        spend,
    ))
}

/// The error for a purchase model given a pattern file without histories.
pub fn no_histories(path: &Path) -> Error {
    Error::InvalidData {
        location: Location::file(path),
        reason: "the pattern file has no recency and T columns (a gamma-gamma pattern file?); \
                 purchase models need frequency, recency, T and the weights"
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<SummaryPatterns> {
        read_weighted_patterns_from(text.as_bytes(), "p.csv", TimeUnit::Week, "n")
    }

    #[test]
    fn reads_histories_and_spend_with_weights() {
        let p =
            read("frequency,recency,T,monetary_value,n\n0,0,5,0,3\n2,1.5,4,10,2\n2,1.5,4,10,1\n")
                .unwrap();
        assert_eq!(p.customers, 6);
        assert_eq!(p.histories.len(), 2);
        assert_eq!(p.histories.total_weight(), 6.0);
        let s = p.spend().unwrap();
        assert_eq!((s.len(), s.total_weight()), (1, 3.0));
    }

    #[test]
    fn reads_a_spend_table() {
        let p = read("frequency,monetary_value,n\n1,20.5,4\n3,7,1\n").unwrap();
        assert!(p.histories.is_empty());
        assert_eq!(p.spend().unwrap().total_weight(), 5.0);
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let err = read("frequency,recency,T,n\n1,1,2,-1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("p.csv, line 2, field 'n'"), "{err}");
        let err = read("frequency,recency,T,n\n1,3,2,1\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 2") && err.contains("greater than T"),
            "{err}"
        );
        let err = read("frequency,recency,T,weights\n1,1,2,1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("'n'"), "{err}");
        let err = read("frequency,n\n1,1\n").unwrap_err().to_string();
        assert!(err.contains("needs recency and T"), "{err}");
        let err = read("frequency,recency,T,n\n0,0,2,0\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no rows with a positive weight"), "{err}");
    }
}
