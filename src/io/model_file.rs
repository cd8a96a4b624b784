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

use serde::{Deserialize, Serialize};

use crate::data::{compress, History, Patterns, Summary, TimeUnit};
use crate::error::{Error, Location, Result};
use crate::fit::{fit, FitOptions, Fitted};
use crate::models::{
    spend_observations, BgBb, BgNbd, Binary, GammaGamma, LogLikelihood, MbgNbd, ModelKind,
    ParetoNbd, PurchaseModel,
};

/// The `format` field of every model file.
pub const FORMAT: &str = "btyd-model";
/// The current `format_version`; files with another version are refused.
pub const FORMAT_VERSION: u32 = 1;

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
    /// Warnings about the fit (e.g. an undefined mean), shown again when the file is used.
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl ModelFile {
    /// The file contents for a fitted model.
    pub fn from_fitted<M: LogLikelihood>(
        fitted: &Fitted<M>,
        kind: ModelKind,
        time_unit: TimeUnit,
    ) -> Self {
        let parameters = fitted
            .param_table()
            .into_iter()
            .map(|p| ParamEntry {
                name: p.name.to_string(),
                estimate: p.estimate,
                std_error: p.std_error,
                lower_95: p.lower_95,
                upper_95: p.upper_95,
            })
            .collect();
        ModelFile {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            btyd_version: env!("CARGO_PKG_VERSION").to_string(),
            model: kind,
            time_unit,
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
            termination: fitted.termination.clone(),
            penalizer: fitted.penalizer,
            warnings: Vec::new(),
        }
    }

    /// Fits a model of kind `kind` on a summary: purchase models on every customer's
    /// (x, t_x, T), the spend model on the repeat customers' (x, monetary_value). Warnings are
    /// recorded for missing standard errors, non-convergence (with
    /// [`FitOptions::allow_unconverged`]) and a spend model with an infinite mean.
    ///
    /// # Errors
    /// Those of [`crate::fit::fit`] and, for the spend model, [`spend_observations`].
    pub fn fit(kind: ModelKind, summary: &Summary, opts: &FitOptions) -> Result<Self> {
        match kind {
            ModelKind::BgNbd => Self::fit_purchase::<BgNbd>(kind, summary, opts),
            ModelKind::ParetoNbd => Self::fit_purchase::<ParetoNbd>(kind, summary, opts),
            ModelKind::MbgNbd => Self::fit_purchase::<MbgNbd>(kind, summary, opts),
            ModelKind::BgBb => Err(Error::InvalidArgument(
                "bg-bb is a discrete-time model: fit it on (frequency, recency, periods, weights) \
                 patterns such as datasets/donations.csv (ModelFile::fit_discrete)"
                    .into(),
            )),
            ModelKind::GammaGamma => {
                let fitted: Fitted<GammaGamma> = fit(&spend_observations(summary)?, opts)?;
                let mut file = Self::with_warnings(&fitted, kind, summary.unit);
                if !fitted.model.has_finite_mean() {
                    file.warnings.push(format!(
                        "q = {:.4} <= 1: the mean spend per transaction is infinite, so expected \
                         spend and CLV are not defined (btyd clv refuses this model unless --force)",
                        fitted.model.q()
                    ));
                }
                Ok(file)
            }
        }
    }

    /// Fits BG/BB on (x, t_x, n) patterns; `period` is the length of one transaction
    /// opportunity, recorded as the model's time unit.
    ///
    /// # Errors
    /// Those of [`crate::fit::fit`].
    pub fn fit_discrete(
        patterns: &Patterns<Binary>,
        period: TimeUnit,
        opts: &FitOptions,
    ) -> Result<Self> {
        let fitted: Fitted<BgBb> = fit(patterns, opts)?;
        Ok(Self::with_warnings(&fitted, ModelKind::BgBb, period))
    }

    fn fit_purchase<M: LogLikelihood<Obs = History>>(
        kind: ModelKind,
        summary: &Summary,
        opts: &FitOptions,
    ) -> Result<Self> {
        let data = compress(summary.histories().map(|h| (h, 1.0)));
        let fitted: Fitted<M> = fit(&data, opts)?;
        Ok(Self::with_warnings(&fitted, kind, summary.unit))
    }

    /// [`ModelFile::from_fitted`] with warnings for missing standard errors and non-convergence.
    fn with_warnings<M: LogLikelihood>(
        fitted: &Fitted<M>,
        kind: ModelKind,
        unit: TimeUnit,
    ) -> Self {
        let mut file = Self::from_fitted(fitted, kind, unit);
        if let Some(e) = &fitted.covariance_error {
            file.warnings.push(format!("no standard errors: {e}"));
        }
        if !fitted.converged {
            file.warnings.push(format!(
                "the optimiser did not converge: {}",
                fitted.termination
            ));
        }
        file
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
        if mf.format_version != FORMAT_VERSION {
            return Err(invalid(format!(
                "format version {} is not supported (this btyd reads version {FORMAT_VERSION})",
                mf.format_version
            )));
        }
        Ok(mf)
    }

    /// The parameters in the order of `M::PARAM_NAMES`, checked by name.
    pub fn params_for<M: LogLikelihood>(&self) -> Result<M> {
        let names: Vec<&str> = self.parameters.iter().map(|p| p.name.as_str()).collect();
        if names != M::PARAM_NAMES {
            return Err(Error::InvalidArgument(format!(
                "model file for {} has parameters {names:?}, expected {:?}",
                M::NAME,
                M::PARAM_NAMES
            )));
        }
        let values: Vec<f64> = self.parameters.iter().map(|p| p.estimate).collect();
        M::from_params(&values)
    }

    /// The purchase model this file holds.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the file holds a spend model; parameter errors.
    pub fn purchase_model(&self) -> Result<Box<dyn PurchaseModel>> {
        match self.model {
            ModelKind::BgNbd => Ok(Box::new(self.params_for::<BgNbd>()?)),
            ModelKind::ParetoNbd => Ok(Box::new(self.params_for::<ParetoNbd>()?)),
            ModelKind::MbgNbd => Ok(Box::new(self.params_for::<MbgNbd>()?)),
            other => Err(Error::InvalidArgument(format!(
                "{other} is not a purchase model"
            ))),
        }
    }

    /// The BG/BB model this file holds.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the file holds another model; parameter errors.
    pub fn discrete_model(&self) -> Result<BgBb> {
        match self.model {
            ModelKind::BgBb => self.params_for::<BgBb>(),
            other => Err(Error::InvalidArgument(format!(
                "{other} is not a discrete-time model (expected bg-bb)"
            ))),
        }
    }

    /// The Gamma-Gamma spend model this file holds.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the file holds another model; parameter errors.
    pub fn spend_model(&self) -> Result<GammaGamma> {
        match self.model {
            ModelKind::GammaGamma => self.params_for::<GammaGamma>(),
            other => Err(Error::InvalidArgument(format!(
                "{other} is not a spend model (expected gamma-gamma)"
            ))),
        }
    }
}
