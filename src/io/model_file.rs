//! Fitted-model files: versioned JSON with the parameters, their covariance and the fit's
//! diagnostics, readable from Python with `json.load`.
//!
//! ```json
//! {
//!   "format": "btyd-model", "format_version": 1, "btyd_version": "0.1.0",
//!   "model": "bg-nbd", "time_unit": "week",
//!   "parameters": [{"name": "r", "estimate": 0.2426, "std_error": 0.0126,
//!                   "lower_95": 0.218, "upper_95": 0.267}, ...],
//!   "covariance": [[...], ...],
//!   "log_likelihood": -9582.43, "aic": 19172.86, "bic": 19195.9,
//!   "n_customers": 2357, "n_patterns": 1343, "converged": true, ...
//! }
//! ```

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::data::TimeUnit;
use crate::error::{Error, Location, Result};
use crate::fit::{AtBoundary, Fitted, FittedModel, PenaltyScale, Termination};
use crate::models::{AnyModel, ModelKind};

/// The `format` field of every model file.
pub const FORMAT: &str = "btyd-model";
/// The current `format_version`; files with another version are refused.
pub const FORMAT_VERSION: u32 = 1;

fn natural_penalty() -> PenaltyScale {
    PenaltyScale::Natural
}

/// One parameter's estimate and uncertainty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamEntry {
    /// The literature's symbol (`r`, `alpha`, ...).
    pub name: String,
    /// Maximum-likelihood estimate.
    pub estimate: f64,
    /// Standard error, when computed.
    pub std_error: Option<f64>,
    /// Lower bound of the 95% interval.
    pub lower_95: Option<f64>,
    /// Upper bound of the 95% interval.
    pub upper_95: Option<f64>,
    /// The parameter runs to 0 or ∞ at the fit's boundary (no standard error, no interval).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub at_edge: bool,
}

/// A fitted model as stored on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] when written.
    pub format_version: u32,
    /// Version of btyd that wrote the file.
    pub btyd_version: String,
    /// Which model.
    pub model: ModelKind,
    /// Time unit of the data the model was fitted on (rates are per this unit).
    pub time_unit: TimeUnit,
    /// Parameters in the model's order.
    pub parameters: Vec<ParamEntry>,
    /// Covariance matrix of the parameters (natural scale), when computed.
    pub covariance: Option<Vec<Vec<f64>>>,
    /// Log-likelihood at the estimate.
    pub log_likelihood: f64,
    /// Akaike information criterion.
    pub aic: f64,
    /// Bayesian information criterion.
    pub bic: f64,
    /// Number of customers (observations) fitted.
    pub n_customers: f64,
    /// Number of unique patterns the likelihood was evaluated on.
    pub n_patterns: usize,
    /// Whether the optimiser converged.
    pub converged: bool,
    /// Iterations of the accepted run.
    pub iterations: u64,
    /// Gradient norm at the estimate.
    pub grad_norm: f64,
    /// The optimiser's termination reason.
    pub termination: String,
    /// L2 penalty coefficient used.
    pub penalizer: f64,
    /// Where the penalty acted: `log` (c·Σ (ln p)²) or `natural` (c·Σ p², lifetimes'); files
    /// written before the choice existed used `natural`.
    #[serde(default = "natural_penalty")]
    pub penalty_scale: PenaltyScale,
    /// Warnings about the fit (e.g. an undefined mean), shown again when the file is used.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Set when the maximum lies at an edge of the parameter space: what the data say, the
    /// model that was asked for, and the limit (e.g. no dropout: BG/NBD reduces to the NBD,
    /// which is then the `model`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<AtBoundary>,
}

impl ModelFile {
    /// The file contents for a fitted model.
    pub fn from_fitted(fitted: &FittedModel) -> Self {
        let parameters = fitted
            .param_table()
            .into_iter()
            .map(|p| ParamEntry {
                name: p.name.to_string(),
                estimate: p.estimate,
                std_error: p.std_error,
                lower_95: p.lower_95,
                upper_95: p.upper_95,
                at_edge: p.at_edge,
            })
            .collect();
        ModelFile {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            btyd_version: env!("CARGO_PKG_VERSION").to_string(),
            model: fitted.kind(),
            time_unit: fitted.time_unit,
            parameters,
            covariance: fitted.covariance.clone(),
            log_likelihood: fitted.log_likelihood,
            aic: fitted.aic(),
            bic: fitted.bic(),
            n_customers: fitted.n_obs,
            n_patterns: fitted.n_patterns,
            converged: fitted.converged,
            iterations: fitted.iterations,
            grad_norm: fitted.grad_norm,
            termination: fitted.termination.to_string(),
            penalizer: fitted.penalizer,
            penalty_scale: fitted.penalty_scale,
            warnings: fitted.warnings.clone(),
            boundary: fitted.boundary.clone(),
        }
    }

    /// The fitted model this file holds: the model rebuilt from its estimates (parameters
    /// checked by name) with the recorded diagnostics. The file does not record the fit's wall
    /// time or the number of starting points tried (zero in the result).
    ///
    /// # Errors
    /// [`Error::InvalidData`] when the parameter names do not match the model; parameter errors.
    pub fn to_fitted(&self) -> Result<FittedModel> {
        Ok(FittedModel {
            fit: Fitted {
                model: self.model()?,
                log_likelihood: self.log_likelihood,
                n_obs: self.n_customers,
                n_patterns: self.n_patterns,
                covariance: self.covariance.clone(),
                covariance_error: None,
                iterations: self.iterations,
                grad_norm: self.grad_norm,
                termination: Termination::parse(&self.termination),
                converged: self.converged,
                starts_tried: 0,
                penalizer: self.penalizer,
                penalty_scale: self.penalty_scale,
                elapsed: Duration::ZERO,
                warnings: self.warnings.clone(),
                boundary: self.boundary.clone(),
            },
            time_unit: self.time_unit,
        })
    }

    /// The model with the file's estimates, its parameters checked by name.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when the names are not the model's; parameter errors.
    pub fn model(&self) -> Result<AnyModel> {
        let names: Vec<&str> = self.parameters.iter().map(|p| p.name.as_str()).collect();
        let expected = self.model.param_names();
        if names != expected {
            return Err(Error::InvalidData {
                location: Location::default().at_field("parameters"),
                reason: format!(
                    "model file for {} has parameters {names:?}, expected {expected:?}",
                    self.model.name()
                ),
            });
        }
        let values: Vec<f64> = self.parameters.iter().map(|p| p.estimate).collect();
        AnyModel::from_params(self.model, &values)
    }

    /// Writes the file atomically as pretty-printed JSON.
    pub fn write(&self, path: &Path) -> Result<()> {
        super::atomic_write(path, |w| {
            serde_json::to_writer_pretty(&mut *w, self).map_err(|e| Error::InvalidData {
                location: Location::file(path),
                reason: format!("cannot serialise the model: {e}"),
            })?;
            w.write_all(b"\n").map_err(super::write_error)
        })
    }

    /// Reads and checks a model file.
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be opened; [`Error::InvalidData`] when it is not JSON of this
    /// format, has another format version, or its parameters do not match the model.
    pub fn read(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let invalid = |reason: String| Error::InvalidData {
            location: Location::file(path),
            reason,
        };
        let mf: ModelFile =
            serde_json::from_reader(BufReader::new(file)).map_err(|e| Error::InvalidData {
                location: Location::file(path).at_line(e.line() as u64),
                reason: format!("not a btyd model file: {e}"),
            })?;
        if mf.format != FORMAT {
            return Err(invalid(format!(
                "format is '{}', expected '{FORMAT}'",
                mf.format
            )));
        }
        let days = mf.time_unit.days();
        if !(days.is_finite() && days > 0.0) {
            return Err(Error::InvalidData {
                location: Location::file(path).at_field("time_unit"),
                reason: format!("a time unit of {days} days is not a positive length of time"),
            });
        }
        if mf.format_version != FORMAT_VERSION {
            return Err(invalid(format!(
                "format version {} is not supported (this btyd reads version {FORMAT_VERSION})",
                mf.format_version
            )));
        }
        Ok(mf)
    }
}
