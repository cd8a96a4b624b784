//! The library's error type.
//!
//! Every variant carries enough context to act on: which model and parameter, which file, line
//! and field, why a fit stopped. The command-line front end prints the message and exits 1.

use std::fmt;
use std::path::PathBuf;

/// Where in an input a problem was found: file, 1-based line and field (column) name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The file, when the data came from one.
    pub path: Option<PathBuf>,
    /// 1-based line number in the file (the header is line 1 when there is one).
    pub line: Option<u64>,
    /// The field (column) name, or its 1-based index when the file has no header.
    pub field: Option<String>,
}

impl Location {
    /// A location in a file with no line or field yet.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Location {
            path: Some(path.into()),
            line: None,
            field: None,
        }
    }
    /// The same location at a given line.
    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
    /// The same location at a given field.
    pub fn at_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl Location {
    /// Whether nothing is known of the place (no file, line or field).
    pub fn is_empty(&self) -> bool {
        self.path.is_none() && self.line.is_none() && self.field.is_none()
    }
}

/// Longest text from the input quoted whole in a message, in characters.
const QUOTED_CHARS: usize = 80;

/// Text from the input as messages quote it: `'text'`, or its first 80 characters and its
/// length when it is longer (`'aaaa…' (10485760 bytes)`), so a huge field never floods a
/// message.
pub(crate) struct Quoted<'a>(pub(crate) &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match shortened(self.0) {
            (text, None) => write!(f, "'{text}'"),
            (text, Some(len)) => write!(f, "'{text}…' ({len} bytes)"),
        }
    }
}

/// The first 80 characters of `s`, and its length in bytes when that is not all of it.
fn shortened(s: &str) -> (&str, Option<usize>) {
    match s.char_indices().nth(QUOTED_CHARS) {
        None => (s, None),
        Some((cut, _)) => (&s[..cut], Some(s.len())),
    }
}

/// Most items of a list (such as a header's columns) named in a message.
const LISTED_ITEMS: usize = 20;

/// Names for a message, comma-separated, each shortened as [`Quoted`] does (without the
/// quotes); after the first 20, only their number.
pub(crate) fn short_list(items: &[String]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().take(LISTED_ITEMS).enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match shortened(item) {
            (text, None) => out.push_str(text),
            (text, Some(len)) => out.push_str(&format!("{text}… ({len} bytes)")),
        }
    }
    if items.len() > LISTED_ITEMS {
        out.push_str(&format!(", … ({} in all)", items.len()));
    }
    out
}

/// A number as btyd writes it in messages and CSV files: Rust's shortest round-trip form, in
/// scientific notation (`1e-300`, `1.5e20`) when the plain form would be long, i.e. for
/// 0 < |x| < 1e-5 or |x| ≥ 1e16. Both forms read back exactly (also with pandas).
#[derive(Debug, Clone, Copy)]
pub struct Num(pub f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0.abs();
        if a.is_finite() && a != 0.0 && !(1e-5..1e16).contains(&a) {
            write!(f, "{:e}", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(p) = &self.path {
            parts.push(p.display().to_string());
        }
        if let Some(l) = self.line {
            parts.push(format!("line {l}"));
        }
        if let Some(c) = &self.field {
            parts.push(format!("field {}", Quoted(c)));
        }
        if parts.is_empty() {
            write!(f, "input")
        } else {
            write!(f, "{}", parts.join(", "))
        }
    }
}

/// `location: `, or nothing for an empty location.
fn at_prefix(location: &Location) -> String {
    if location.is_empty() {
        String::new()
    } else {
        format!("{location}: ")
    }
}

/// What is wrong in a CSV error, without the `csv` crate's position.
fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(e) => e.to_string(),
        csv::ErrorKind::Utf8 { err, .. } => err.to_string(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the record has {len} fields, but the previous one has {expected_len}"),
        _ => e.to_string(),
    }
}

/// Errors returned by btyd.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A model parameter is not valid (NaN, infinite, not positive, ...).
    #[error("invalid {model} parameter {name} = {value}: {reason}")]
    InvalidParameter {
        /// The model, e.g. "BG/NBD".
        model: &'static str,
        /// The parameter's symbol, e.g. "alpha".
        name: &'static str,
        /// The offending value.
        value: f64,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// A value in the input data is not valid. Without a location, the message is the reason
    /// alone (so that an error wrapped into another's reason is not prefixed twice).
    #[error("{}{reason}", at_prefix(location))]
    InvalidData {
        /// File, line and field of the value.
        location: Location,
        /// What is wrong with it.
        reason: String,
    },
    /// An I/O error on a named file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A malformed CSV file. The message gives the line of `location`, not the `csv` crate's
    /// own position (which miscounts CRLF and blank lines).
    #[error("{location}: malformed CSV: {}", csv_reason(source))]
    Csv {
        /// Where the CSV reader stopped.
        location: Location,
        /// The underlying error.
        #[source]
        source: csv::Error,
    },
    /// An option or argument outside its range (a horizon, a discount rate, a step length, a
    /// frequency cut, a calibration end after the observation end, ...).
    #[error("{name} {value}: {reason}")]
    InvalidOption {
        /// What the value is, e.g. "discount rate" or "--frequency-cut".
        name: &'static str,
        /// The value as given.
        value: String,
        /// Why it is rejected.
        reason: String,
    },
    /// A model of another kind than the operation needs (e.g. a spend model given as the
    /// purchase model).
    #[error("{found} is not {expected}")]
    WrongModel {
        /// The model that was given, e.g. "gamma-gamma".
        found: String,
        /// What was needed, e.g. "a purchase model".
        expected: &'static str,
    },
    /// Data of another form than the model or operation needs (e.g. opportunity patterns given
    /// to a continuous-time model).
    #[error("this needs {expected}, but the input is {found}")]
    WrongData {
        /// What the input is.
        found: &'static str,
        /// What is needed.
        expected: &'static str,
    },
    /// A parameter vector of the wrong length for a model.
    #[error("{model} takes {expected} parameters, got {found}")]
    ParameterCount {
        /// The model.
        model: &'static str,
        /// Its number of parameters.
        expected: usize,
        /// The number given.
        found: usize,
    },
    /// There is nothing to work on: no customers, no repeat customers, no complete period.
    #[error("{what}: {reason}")]
    NoData {
        /// The operation, e.g. "cannot fit Gamma-Gamma".
        what: String,
        /// What is missing.
        reason: String,
    },
    /// A model's simulator could not draw (a distribution rejected its parameters or an age).
    #[error("cannot simulate {model}: {reason}")]
    Simulation {
        /// The model.
        model: &'static str,
        /// Why.
        reason: String,
    },
    /// A chart that cannot be drawn from the values given.
    #[error("cannot draw the chart '{chart}': {reason}")]
    Plot {
        /// The chart's title.
        chart: String,
        /// Why.
        reason: String,
    },
    /// A calibration period that ends after the observation period.
    #[error(
        "the calibration end {calibration_end} is after the observation end {observation_end}"
    )]
    CalibrationAfterObservation {
        /// The calibration end.
        calibration_end: chrono::NaiveDate,
        /// The observation end.
        observation_end: chrono::NaiveDate,
    },
    /// A date option that is not a date.
    #[error("{what}: '{text}' is not a valid date (YYYY-MM-DD)")]
    InvalidDate {
        /// The option, e.g. `--calibration-end`.
        what: String,
        /// The text given.
        text: String,
    },
    /// The optimiser stopped without meeting its convergence criteria.
    #[error(
        "{model} fit did not converge: {reason} after {iterations} iterations \
         (gradient norm {grad_norm:.3e})"
    )]
    NotConverged {
        /// The model.
        model: &'static str,
        /// argmin's termination reason.
        reason: String,
        /// Iterations done.
        iterations: u64,
        /// Norm of the gradient of the mean negative log-likelihood at the last point.
        grad_norm: f64,
    },
    /// An error raised inside the optimiser.
    #[error("optimiser error: {0}")]
    Optimizer(String),
    /// A numerical routine failed (e.g. a series did not converge).
    #[error("numerical failure in {what} at {inputs}")]
    Numerical {
        /// The routine.
        what: &'static str,
        /// Its inputs, formatted.
        inputs: String,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Defect 11 of issue 11: an error without a location wrapped into another's reason gave
    /// "input: customer 'a': input: ..."; an empty location now adds no prefix.
    #[test]
    fn one_prefix_per_cause() {
        let inner = Error::InvalidData {
            location: Location::default(),
            reason: "monetary value -1 must be positive".into(),
        };
        let outer = Error::InvalidData {
            location: Location::default(),
            reason: format!("customer 'a': {inner}"),
        };
        assert_eq!(
            outer.to_string(),
            "customer 'a': monetary value -1 must be positive"
        );
        let at_file = Error::InvalidData {
            location: Location::file("s.csv").at_line(3),
            reason: format!("customer 'a': {inner}"),
        };
        assert_eq!(
            at_file.to_string(),
            "s.csv, line 3: customer 'a': monetary value -1 must be positive"
        );
    }

    /// Defect 11 of issue 11: text longer than 80 characters is cut, with its length.
    #[test]
    fn quotes_long_text_with_its_length() {
        assert_eq!(Quoted("abc").to_string(), "'abc'");
        let long = "é".repeat(100);
        assert_eq!(
            Quoted(&long).to_string(),
            format!("'{}…' (200 bytes)", "é".repeat(80))
        );
        let field = Location::default().at_field("x".repeat(1000));
        assert_eq!(
            field.to_string(),
            format!("field '{}…' (1000 bytes)", "x".repeat(80))
        );
        assert_eq!(Num(1e-300).to_string(), "1e-300");
        assert_eq!(Num(-1.5e20).to_string(), "-1.5e20");
        assert_eq!(Num(0.25).to_string(), "0.25");
    }
}
