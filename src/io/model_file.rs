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

use super::covariates_csv::{Coding, CovariateCoding};
use crate::data::TimeUnit;
use crate::error::{Error, Location, Result};
use crate::fit::covariates::{CovariateFit, LrTest};
use crate::fit::{AtBoundary, Fitted, FittedModel, PenaltyScale, Termination};
use crate::models::{AnyModel, CovariateDesign, CovariateEffects, ModelKind};

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
    /// Set for a model fitted with covariates: `parameters` are then the baseline (every
    /// design column 0), `covariance` covers the baseline parameters followed by the
    /// coefficients, and AIC/BIC count both. Files without it are models without covariates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covariates: Option<CovariateSection>,
}

/// The covariates of a model file: the covariate columns and their coding, which columns act on
/// which process, the coefficients with their uncertainty, and the LR test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CovariateSection {
    /// The sign convention, stated: `alpha_i = alpha0*exp(-gamma_p.x)`, ...
    pub parameterisation: String,
    /// The covariate columns used and their coding (levels and reference, or the
    /// standardisation's mean and sd).
    pub coding: CovariateCoding,
    /// The covariate columns of the purchase process.
    #[serde(default)]
    pub purchase: Vec<String>,
    /// The covariate columns of the dropout process.
    #[serde(default)]
    pub dropout: Vec<String>,
    /// The covariate columns of the spend process.
    #[serde(default)]
    pub spend: Vec<String>,
    /// Columns whose coefficient is shared by the processes that use them.
    #[serde(default)]
    pub constrained: Vec<String>,
    /// The design: its columns and which parameters each coefficient scales.
    pub design: CovariateDesign,
    /// The coefficients, in the design's order, with standard errors and symmetric 95%
    /// intervals.
    pub coefficients: Vec<ParamEntry>,
    /// The back-transformation of `--standardize`: the coefficients of standardised numeric
    /// covariates per unit of the original column (γ/sd, SE/sd, the interval likewise). The
    /// baseline parameters are those of a customer at the mean of every standardised column
    /// (and at the reference level of every categorical one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub per_original_unit: Vec<ParamEntry>,
    /// L2 penalty λ on the coefficients (LL − λ·Σ γ²).
    pub covariate_penalty: f64,
    /// The likelihood-ratio test against the model without covariates.
    pub lr_test: LrTest,
}

/// Which covariate columns act on which process, as given on the command line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CovariateSets {
    /// Columns of the purchase process.
    pub purchase: Vec<String>,
    /// Columns of the dropout process.
    pub dropout: Vec<String>,
    /// Columns of the spend process.
    pub spend: Vec<String>,
    /// Columns with one coefficient shared by the processes.
    pub constrained: Vec<String>,
}

/// The parameterisation recorded in model files with covariates.
pub const PARAMETERISATION: &str = "purchase: alpha_i = alpha0*exp(-gamma_p.x_i); \
    dropout: Pareto/NBD beta_i = beta0*exp(-gamma_d.z_i), BG/NBD and MBG/NBD \
    a_i = a0*exp(gamma_a.z_i), b_i = b0*exp(gamma_b.z_i); spend: Gamma-Gamma \
    v_i = v0*exp(gamma_s.w_i) (mean spend proportional to exp(gamma_s.w_i))";

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
            covariates: None,
        }
    }

    /// The file contents for a model fitted with covariates, with their coding and the sets of
    /// columns given per process.
    pub fn from_covariate_fit(
        fit: &CovariateFit,
        coding: &CovariateCoding,
        sets: &CovariateSets,
    ) -> Self {
        let mut file = ModelFile::from_fitted(&fit.fitted);
        file.aic = fit.aic();
        file.bic = fit.bic();
        let table = fit.coefficient_table();
        let per_original_unit = fit
            .effects
            .design
            .coefficients
            .iter()
            .zip(&table)
            .filter_map(|(coef, c)| {
                let column = &fit.effects.design.columns[coef.column];
                let sd = coding.variables.iter().find_map(|v| match &v.coding {
                    Coding::Numeric { sd: Some(sd), .. } if &v.name == column => Some(*sd),
                    _ => None,
                })?;
                Some(ParamEntry {
                    name: c.name.clone(),
                    estimate: c.estimate / sd,
                    std_error: c.std_error.map(|s| s / sd),
                    lower_95: c.lower_95.map(|s| s / sd),
                    upper_95: c.upper_95.map(|s| s / sd),
                    at_edge: false,
                })
            })
            .collect();
        let coefficients = table
            .into_iter()
            .map(|c| ParamEntry {
                name: c.name,
                estimate: c.estimate,
                std_error: c.std_error,
                lower_95: c.lower_95,
                upper_95: c.upper_95,
                at_edge: false,
            })
            .collect();
        file.covariates = Some(CovariateSection {
            parameterisation: PARAMETERISATION.to_string(),
            coding: coding.clone(),
            purchase: sets.purchase.clone(),
            dropout: sets.dropout.clone(),
            spend: sets.spend.clone(),
            constrained: sets.constrained.clone(),
            design: fit.effects.design.clone(),
            coefficients,
            per_original_unit,
            covariate_penalty: fit.covariate_penalty,
            lr_test: fit.lr_test,
        });
        file
    }

    /// The model with covariates this file holds: `None` for a model without covariates.
    ///
    /// # Errors
    /// Those of [`ModelFile::model`]; [`Error::InvalidData`] when the coefficients do not match
    /// the design or the coding.
    pub fn covariate_effects(&self) -> Result<Option<CovariateEffects>> {
        let Some(section) = &self.covariates else {
            return Ok(None);
        };
        let columns = section.coding.design_columns();
        if columns != section.design.columns {
            return Err(Error::InvalidData {
                location: Location::default().at_field("covariates"),
                reason: format!(
                    "the coding's columns {columns:?} are not the design's {:?}",
                    section.design.columns
                ),
            });
        }
        let names: Vec<&str> = section
            .coefficients
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        let expected: Vec<&str> = section
            .design
            .coefficients
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        if names != expected {
            return Err(Error::InvalidData {
                location: Location::default().at_field("covariates"),
                reason: format!("coefficients {names:?}, expected {expected:?}"),
            });
        }
        CovariateEffects::new(
            self.model()?,
            section.design.clone(),
            section.coefficients.iter().map(|c| c.estimate).collect(),
        )
        .map(Some)
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
