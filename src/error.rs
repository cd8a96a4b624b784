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
            parts.push(format!("field '{c}'"));
        }
        if parts.is_empty() {
            write!(f, "input")
        } else {
            write!(f, "{}", parts.join(", "))
        }
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
    /// A value in the input data is not valid.
    #[error("{location}: {reason}")]
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
    /// A malformed CSV file.
    #[error("{location}: malformed CSV: {source}")]
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
