//! The models and the traits they share.
//!
//! A model is a plain value holding its validated parameters, named with the literature's
//! symbols. [`LogLikelihood`] is all the fitting driver in [`crate::fit`] needs; the prediction
//! traits ([`PurchaseModel`], [`SpendModel`]) are what [`crate::predict`] and the CLI use.

pub mod bg_bb;
pub mod bg_nbd;
pub mod bg_nbd_family;
pub mod gamma_gamma;
pub mod mbg_nbd;
pub mod pareto_nbd;

pub use bg_bb::{
    binary_from_purchase_periods, patterns_from_purchase_periods, read_bgbb_patterns,
    read_bgbb_patterns_from, BgBb, Binary,
};
pub use bg_nbd::{AfterRepeat, BgNbd};
pub use bg_nbd_family::{BetaGeometricNbd, DropoutVariant};
pub use gamma_gamma::{spend_observations, GammaGamma, Spend};
pub use mbg_nbd::{AlsoAtStart, MbgNbd};
pub use pareto_nbd::ParetoNbd;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::data::{History, Patterns};
use crate::error::{Error, Result};

/// A model with a per-observation log-likelihood and its gradient, fitted by [`crate::fit`].
///
/// Parameters are all strictly positive; the driver optimises their logarithms.
pub trait LogLikelihood: Sized + Clone + Send + Sync {
    /// The model's name as the literature writes it, e.g. `"BG/NBD"`.
    const NAME: &'static str;
    /// The parameters' symbols, in the order of [`LogLikelihood::params`].
    const PARAM_NAMES: &'static [&'static str];
    /// One observation (pattern) the likelihood is defined on.
    type Obs: Copy + Send + Sync;

    /// Builds the model from parameters in the order of `PARAM_NAMES`, validating them.
    fn from_params(params: &[f64]) -> Result<Self>;

    /// The parameters in the order of `PARAM_NAMES`.
    fn params(&self) -> Vec<f64>;

    /// ln L for one observation.
    fn ln_likelihood(&self, obs: &Self::Obs) -> f64;

    /// ln L for one observation; writes ∂ ln L / ∂ parameter (natural scale) into `grad`.
    fn ln_likelihood_grad(&self, obs: &Self::Obs, grad: &mut [f64]) -> f64;

    /// Σ wᵢ ln Lᵢ over a batch, adding Σ wᵢ ∂ ln Lᵢ / ∂ parameter into `grad`.
    ///
    /// Models override this when terms can be shared between consecutive observations (the
    /// driver passes patterns sorted by frequency).
    fn ln_likelihood_batch(&self, obs: &[Self::Obs], weights: &[f64], grad: &mut [f64]) -> f64 {
        let mut g = vec![0.0; grad.len()];
        let mut ll = 0.0;
        for (o, &w) in obs.iter().zip(weights) {
            ll += w * self.ln_likelihood_grad(o, &mut g);
            for (acc, gi) in grad.iter_mut().zip(&g) {
                *acc += w * gi;
            }
        }
        ll
    }

    /// Starting values for the optimiser, from the data.
    fn initial_params(data: &Patterns<Self::Obs>) -> Vec<f64>;

    /// For each parameter, the power of the time unit it carries (1 for a scale such as BG/NBD's
    /// α, 0 for shape parameters). Used to move starting values to the data's time scale.
    fn time_dimension() -> &'static [i32];

    /// The observation's time span (T for a history), averaged to scale generic starting
    /// points. Defaults to 1 for models without a time dimension.
    fn time_scale(_obs: &Self::Obs) -> f64 {
        1.0
    }
}

/// A continuous-time purchase (transaction-and-dropout) model over (x, t_x, T) histories.
///
/// Object safe, so the CLI can hold any fitted model as `Box<dyn PurchaseModel>`.
pub trait PurchaseModel: std::fmt::Debug + Send + Sync {
    /// The model's name, e.g. `"BG/NBD"`.
    fn name(&self) -> &'static str;

    /// E[X(t)]: expected number of purchases in (0, t] of a customer who just made a first purchase.
    fn expected_purchases_new(&self, horizon: f64) -> Result<f64>;

    /// E[Y(t) | x, t_x, T]: expected number of purchases in (T, T + t] given the history.
    fn expected_purchases(&self, history: &History, horizon: f64) -> Result<f64>;

    /// P(alive | x, t_x, T): probability that the customer is still active at T.
    fn p_alive(&self, history: &History) -> f64;

    /// P(X(t) = n): probability that a new customer makes n purchases in (0, t].
    fn p_purchases(&self, n: u64, horizon: f64) -> Result<f64>;

    /// DERT(δ) = ∫₀^∞ e^{−δt} dE[Y(t) | x, t_x, T] in closed form, for models that have one
    /// (Pareto/NBD: Fader, Hardie & Lee 2005b, eq. 2); `None` (the default) makes
    /// [`crate::predict::clv::dert`] integrate numerically.
    fn dert_closed_form(&self, _history: &History, _delta: f64) -> Option<Result<f64>> {
        None
    }
}

/// The models btyd fits, by their command-line and model-file names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ModelKind {
    /// BG/NBD (Fader, Hardie & Lee 2005a), `bg-nbd`.
    BgNbd,
    /// Gamma-Gamma spend model (Fader, Hardie & Lee 2005b), `gamma-gamma`.
    GammaGamma,
    /// MBG/NBD (Batislam, Denizel & Filiztekin 2007), `mbg-nbd`.
    MbgNbd,
    /// BG/BB (Fader, Hardie & Shang 2010), `bg-bb`: a discrete-time purchase model on
    /// (x, t_x, n) data, not a continuous-time [`PurchaseModel`].
    BgBb,
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987), `pareto-nbd`.
    ParetoNbd,
}

impl ModelKind {
    /// Every kind, in the order the CLI lists them.
    pub const ALL: &'static [ModelKind] = &[
        ModelKind::BgNbd,
        ModelKind::ParetoNbd,
        ModelKind::MbgNbd,
        ModelKind::BgBb,
        ModelKind::GammaGamma,
    ];

    /// The command-line and model-file name, e.g. `bg-nbd`.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::BgNbd => "bg-nbd",
            ModelKind::GammaGamma => "gamma-gamma",
            ModelKind::MbgNbd => "mbg-nbd",
            ModelKind::BgBb => "bg-bb",
            ModelKind::ParetoNbd => "pareto-nbd",
        }
    }

    /// Whether this is a purchase (transaction-and-dropout) model rather than a spend model.
    /// Only continuous-time models implementing [`PurchaseModel`] count: BG/BB is a purchase
    /// model in discrete time (see [`ModelKind::is_discrete`]) and returns false.
    pub fn is_purchase_model(self) -> bool {
        match self {
            ModelKind::BgNbd | ModelKind::ParetoNbd | ModelKind::MbgNbd => true,
            ModelKind::GammaGamma | ModelKind::BgBb => false,
        }
    }

    /// Whether this is a discrete-time purchase model on (x, t_x, n) data (BG/BB).
    pub fn is_discrete(self) -> bool {
        matches!(self, ModelKind::BgBb)
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ModelKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let key = s.trim().to_ascii_lowercase().replace(['_', '/'], "-");
        ModelKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == key)
            .ok_or_else(|| {
                let names: Vec<&str> = ModelKind::ALL.iter().map(|k| k.as_str()).collect();
                Error::InvalidArgument(format!(
                    "unknown model '{s}': expected one of {}",
                    names.join(", ")
                ))
            })
    }
}

/// A spend (monetary value) model: the expected value of a customer's future transactions.
pub trait SpendModel {
    /// E(Z | x, m̄): expected value of a future transaction of a customer with `frequency` (x)
    /// repeat purchases of mean value `monetary_value` (m̄); the population mean for x = 0.
    ///
    /// # Errors
    /// Invalid (x, m̄), or a mean that does not exist for the model's parameters.
    fn expected_spend(&self, frequency: f64, monetary_value: f64) -> Result<f64>;

    /// E(Z): mean spend per transaction of a new customer, `None` when it is infinite.
    fn mean_spend(&self) -> Option<f64>;
}

/// Checks that a parameter is finite and strictly positive.
pub(crate) fn check_positive(model: &'static str, name: &'static str, value: f64) -> Result<f64> {
    if value.is_nan() {
        return Err(Error::InvalidParameter {
            model,
            name,
            value,
            reason: "is NaN",
        });
    }
    if !value.is_finite() {
        return Err(Error::InvalidParameter {
            model,
            name,
            value,
            reason: "is not finite",
        });
    }
    if value <= 0.0 {
        return Err(Error::InvalidParameter {
            model,
            name,
            value,
            reason: "must be positive",
        });
    }
    Ok(value)
}

/// The error of a simulator of `model` whose distribution rejected its parameters, for
/// `map_err`.
pub(crate) fn distr_error<E: fmt::Display>(model: &'static str) -> impl Fn(E) -> Error {
    move |e| Error::Simulation {
        model,
        reason: e.to_string(),
    }
}

/// Checks a prediction horizon: finite and non-negative.
pub(crate) fn check_horizon(horizon: f64) -> Result<f64> {
    if horizon.is_finite() && horizon >= 0.0 {
        Ok(horizon)
    } else {
        Err(Error::InvalidArgument(format!(
            "prediction horizon {horizon} must be finite and non-negative"
        )))
    }
}
