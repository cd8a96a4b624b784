//! The models and the traits they share.
//!
//! A model is a plain value holding its validated parameters, named with the literature's
//! symbols. [`LogLikelihood`] is all the fitting driver in [`crate::fit`] needs; the prediction
//! traits are what [`crate::predict`] uses: [`PurchaseModel`] for the continuous-time purchase
//! models, [`OpportunityModel`] for the discrete-time one (BG/BB, whose data are transaction
//! opportunities), [`SpendModel`] for Gamma-Gamma. [`AnyModel`] holds a model of any kind and
//! [`ModelKind`] names it; both come from one registry line per model (see `registry!` below).
//!
//! | model | module | role | data |
//! |---|---|---|---|
//! | BG/NBD | [`bg_nbd`] (one generic [`bg_nbd_family`] with MBG/NBD) | purchase | (x, t_x, T) |
//! | MBG/NBD | [`mbg_nbd`] | purchase | (x, t_x, T) |
//! | Pareto/NBD | [`pareto_nbd`] | purchase | (x, t_x, T) |
//! | NBD (no dropout) | [`nbd`] | purchase | (x, T) |
//! | BG/BB | [`bg_bb`] | opportunity | (x, t_x, n) |
//! | Gamma-Gamma | [`gamma_gamma`] | spend | (x, m̄) |

pub mod bg_bb;
pub mod bg_nbd;
pub mod bg_nbd_family;
pub mod covariates;
pub mod gamma_gamma;
pub mod mbg_nbd;
pub mod nbd;
pub mod pareto_nbd;

pub use crate::data::{spend_observations, Spend};
pub use bg_bb::BgBb;
pub use bg_nbd::{AfterRepeat, BgNbd};
pub use bg_nbd_family::{BetaGeometricNbd, DropoutVariant};
pub use covariates::{
    CovariateDesign, CovariateEffects, CovariateGroup, CovariatePatterns, Process, ScaledParam,
};
pub use gamma_gamma::GammaGamma;
pub use mbg_nbd::{AlsoAtStart, MbgNbd};
pub use nbd::Nbd;
pub use pareto_nbd::ParetoNbd;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::data::{History, Observation, OpportunityHistory, Patterns};
use crate::error::{Error, Result};

/// Patterns per parallel chunk of [`LogLikelihood::total_ln_likelihood`]; below two chunks
/// the sum stays on one thread.
pub const CHUNK: usize = 8192;

/// A model with a per-observation log-likelihood and its gradient, fitted by [`crate::fit`].
///
/// Parameters are all strictly positive; the driver optimises their logarithms.
pub trait LogLikelihood: Sized + Clone + Send + Sync {
    /// The model's name as the literature writes it, e.g. `"BG/NBD"`.
    const NAME: &'static str;
    /// The parameters' symbols, in the order of [`LogLikelihood::params`].
    const PARAM_NAMES: &'static [&'static str];
    /// One observation (pattern) the likelihood is defined on; [`Observation`] finds the
    /// weighted patterns of this type in customer data.
    type Obs: Observation;

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

    /// Σ wᵢ ln Lᵢ over weighted patterns and its gradient with respect to the natural
    /// parameters: [`LogLikelihood::ln_likelihood_batch`] over chunks of [`CHUNK`] patterns, in
    /// parallel from two chunks on, the chunk sums added in a fixed order so the result does not
    /// depend on the thread count. The fitting driver and the models' starting-point searches
    /// both sum this way.
    fn total_ln_likelihood(&self, data: &Patterns<Self::Obs>) -> (f64, Vec<f64>) {
        use rayon::prelude::*;
        let k = Self::PARAM_NAMES.len();
        if data.len() < 2 * CHUNK {
            let mut g = vec![0.0; k];
            let ll = self.ln_likelihood_batch(&data.obs, &data.weights, &mut g);
            return (ll, g);
        }
        let parts: Vec<(f64, Vec<f64>)> = data
            .obs
            .par_chunks(CHUNK)
            .zip(data.weights.par_chunks(CHUNK))
            .map(|(o, w)| {
                let mut g = vec![0.0; k];
                let ll = self.ln_likelihood_batch(o, w, &mut g);
                (ll, g)
            })
            .collect();
        let mut g = vec![0.0; k];
        let mut ll = 0.0;
        for (l, gi) in parts {
            ll += l;
            for (a, b) in g.iter_mut().zip(gi) {
                *a += b;
            }
        }
        (ll, g)
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

    /// Caveats about these parameter values that a user of the fitted model must see (e.g. a
    /// spend model whose mean is infinite). Defaults to none.
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }

    /// The edges of the parameter space where data can put the maximum of the likelihood, and
    /// what each means (see [`Boundary`]). Defaults to none.
    const BOUNDARIES: &'static [Boundary] = &[];

    /// The parameters that time-invariant covariates scale, one per process they describe
    /// (see [`covariates`]): e.g. BG/NBD's α (purchase, α_i = α₀·exp(−γ·x_i)) and a, b
    /// (dropout, a_i = a₀·exp(γ_a·z_i)). Defaults to none: the model takes no covariates.
    const COVARIATE_PARAMS: &'static [ScaledParam] = &[];
}

/// An edge of a model's parameter space where the likelihood can be highest, and what it means:
/// e.g. BG/NBD's a → 0 (no customer ever drops out, the NBD). On data whose maximum lies
/// there, the likelihood keeps rising as the parameters run to 0 or ∞ and the optimiser
/// cannot stop at an interior point; [`crate::fit::fit_model`] recognises the edge from the
/// end point of the run and the profile of the likelihood along `direction`, and returns the
/// limit.
#[derive(Debug, Clone, Copy)]
pub struct Boundary {
    /// What the data say when the maximum lies here, e.g. "no dropout in these data".
    pub finding: &'static str,
    /// How the parameters move, per parameter on the log scale the driver fits: 1 towards ∞,
    /// −1 towards 0, 0 held (BG/NBD's a → 0 is `[0, 0, -1, 0]`).
    pub direction: &'static [i8],
    /// The limit in the model's symbols, e.g. "a → 0".
    pub limit: &'static str,
    /// The nested model the limit is, when btyd fits it (NBD for no dropout): the driver fits
    /// it and returns it, with its likelihood, in place of the end point of the run.
    pub nested: Option<ModelKind>,
    /// The quantity that stays finite along `direction` and describes the limit (e.g. the
    /// common dropout probability a/(a+b) when a, b → ∞ together).
    pub invariant: Option<Invariant>,
}

/// A function of the parameters that stays finite at a [`Boundary`]: the limit model's own
/// parameter.
#[derive(Debug, Clone, Copy)]
pub struct Invariant {
    /// Its formula in the model's symbols, e.g. "a/(a+b)".
    pub name: &'static str,
    /// Its value at the parameters (in the order of `PARAM_NAMES`).
    pub value: fn(&[f64]) -> f64,
    /// Its power of the time unit (−1 for a rate per unit such as r/α, 0 for a probability).
    pub per_time: i32,
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

    /// P(Y(t) = n | x, t_x, T) for n = 0..=`max_n`: the conditional distribution of the number
    /// of purchases in (T, T + t] (process uncertainty, not only the mean E[Y(t) | x, t_x, T]);
    /// P(Y(t) > `max_n`) is 1 minus the sum. `None` (the default) when the model has no closed
    /// form.
    ///
    /// For the models here the distribution has one shape (Fader & Hardie, note 028, for
    /// Pareto/NBD; the same argument for the BG/NBD family and the NBD): a customer no longer
    /// active at T makes no purchase, and a customer active at T is, by the memorylessness of
    /// the Poisson purchases and of the dropout process, a new customer of the same model with
    /// the posterior parameters of the history:
    /// ```text
    /// P(Y(t) = n | x, t_x, T) = δ_{n=0}·(1 − P(alive)) + P(alive)·P*(X(t) = n)
    /// ```
    /// where P* is the model's P(X(t) = n) at the posterior parameters ([`conditional_pmf_from`]).
    /// Each model implements it in a separate `impl` block at the end of its file.
    ///
    /// # Errors
    /// An invalid horizon; numerical failures of the model's P(X(t) = n) or P(alive).
    fn conditional_pmf(
        &self,
        _history: &History,
        _horizon: f64,
        _max_n: u64,
    ) -> Option<Result<Vec<f64>>> {
        None
    }
}

/// δ_{n=0}·(1 − `p_alive`) + `p_alive`·`p_alive_model`(n) for n = 0..=`max_n` (see
/// [`PurchaseModel::conditional_pmf`]): the mixture of "inactive at T" (no purchase) and "active at T" (a new
/// customer of the model with the posterior parameters, whose P(X(t) = n) is `p_alive_model`).
///
/// # Numerics
/// With P(alive) = 0 (underflow for a customer long gone), the result is exactly [1, 0, …]
/// and `p_alive_model` is not called.
///
/// # Errors
/// [`Error::Numerical`] when P(alive) is not a probability (NaN); errors of `p_alive_model`.
pub fn conditional_pmf_from(
    p_alive: f64,
    max_n: u64,
    mut p_alive_model: impl FnMut(u64) -> Result<f64>,
) -> Result<Vec<f64>> {
    if !(0.0..=1.0).contains(&p_alive) {
        return Err(Error::Numerical {
            what: "conditional P(Y(t) = n): P(alive)",
            inputs: format!("P(alive) = {p_alive}"),
        });
    }
    let mut pmf = Vec::with_capacity(max_n as usize + 1);
    for n in 0..=max_n {
        let alive = if p_alive == 0.0 {
            0.0
        } else {
            p_alive * p_alive_model(n)?
        };
        pmf.push(if n == 0 {
            (1.0 - p_alive) + alive
        } else {
            alive
        });
    }
    Ok(pmf)
}

/// What a model describes, which decides the data it is fitted on and what it predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A continuous-time purchase (transaction-and-dropout) model on (x, t_x, T) histories:
    /// a [`PurchaseModel`].
    Purchase,
    /// A discrete-time purchase model on (x, t_x, n) histories of transaction opportunities:
    /// an [`OpportunityModel`].
    Opportunity,
    /// A spend model on the repeat customers' (x, m̄): a [`SpendModel`].
    Spend,
}

/// Which role a model type plays; each model implements it in its own module, overriding the
/// one accessor of its role.
pub trait ModelRole {
    /// The model's role.
    const ROLE: Role;
    /// The model as a continuous-time purchase model, when it is one.
    fn as_purchase(&self) -> Option<&dyn PurchaseModel> {
        None
    }
    /// The model as a discrete-time (opportunity) purchase model, when it is one.
    fn as_opportunity(&self) -> Option<&dyn OpportunityModel> {
        None
    }
    /// The model as a spend model, when it is one.
    fn as_spend(&self) -> Option<&dyn SpendModel> {
        None
    }
}

/// Something done with a model type chosen at run time: [`ModelKind::visit`] calls
/// [`ModelVisitor::visit`] with the kind's type, so generic code (the fit driver) is written
/// once for every model.
pub trait ModelVisitor {
    /// What the visit returns.
    type Output;
    /// Runs with `M`, the model type of the kind.
    fn visit<M>(self) -> Self::Output
    where
        M: LogLikelihood + ModelRole + Into<AnyModel>;
}

/// The registry of models: one line per model generates [`ModelKind`], [`AnyModel`] and their
/// dispatch. Adding a model = its module + one line here. The order is the order in which the
/// command line lists and compares the models.
macro_rules! registry {
    ($( $(#[$doc:meta])* $variant:ident($ty:ty) = $name:literal; )*) => {
        /// The models btyd fits, by their command-line and model-file names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        #[non_exhaustive]
        pub enum ModelKind {
            $( $(#[$doc])* $variant, )*
        }

        impl ModelKind {
            /// Every kind, in the order the CLI lists them.
            pub const ALL: &'static [ModelKind] = &[$(ModelKind::$variant),*];

            /// The command-line and model-file name, e.g. `bg-nbd`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ModelKind::$variant => $name,)*
                }
            }

            /// The model's name as the literature writes it, e.g. `BG/NBD`.
            pub fn name(self) -> &'static str {
                match self {
                    $(ModelKind::$variant => <$ty as LogLikelihood>::NAME,)*
                }
            }

            /// What the model describes.
            pub fn role(self) -> Role {
                match self {
                    $(ModelKind::$variant => <$ty as ModelRole>::ROLE,)*
                }
            }

            /// The parameters' symbols, in the model's order.
            pub fn param_names(self) -> &'static [&'static str] {
                match self {
                    $(ModelKind::$variant => <$ty as LogLikelihood>::PARAM_NAMES,)*
                }
            }

            /// The parameters covariates scale (see [`LogLikelihood::COVARIATE_PARAMS`]);
            /// empty when the model takes no covariates.
            pub fn covariate_params(self) -> &'static [ScaledParam] {
                match self {
                    $(ModelKind::$variant => <$ty as LogLikelihood>::COVARIATE_PARAMS,)*
                }
            }

            /// Runs `visitor` with this kind's model type.
            pub fn visit<V: ModelVisitor>(self, visitor: V) -> V::Output {
                match self {
                    $(ModelKind::$variant => visitor.visit::<$ty>(),)*
                }
            }
        }

        /// A model of any kind, with its parameters: what a fit returns and a model file holds.
        #[derive(Debug, Clone, Copy, PartialEq)]
        #[non_exhaustive]
        pub enum AnyModel {
            $( $(#[$doc])* $variant($ty), )*
        }

        impl AnyModel {
            /// The model's kind.
            pub fn kind(&self) -> ModelKind {
                match self {
                    $(AnyModel::$variant(_) => ModelKind::$variant,)*
                }
            }

            /// The model of `kind` with parameters in the order of [`ModelKind::param_names`].
            ///
            /// # Errors
            /// [`Error::ParameterCount`] or [`Error::InvalidParameter`].
            pub fn from_params(kind: ModelKind, params: &[f64]) -> Result<Self> {
                match kind {
                    $(ModelKind::$variant => <$ty as LogLikelihood>::from_params(params).map(AnyModel::$variant),)*
                }
            }

            /// The parameters in the order of [`ModelKind::param_names`].
            pub fn params(&self) -> Vec<f64> {
                match self {
                    $(AnyModel::$variant(m) => m.params(),)*
                }
            }

            fn as_purchase(&self) -> Option<&dyn PurchaseModel> {
                match self {
                    $(AnyModel::$variant(m) => m.as_purchase(),)*
                }
            }

            fn as_opportunity(&self) -> Option<&dyn OpportunityModel> {
                match self {
                    $(AnyModel::$variant(m) => m.as_opportunity(),)*
                }
            }

            fn as_spend(&self) -> Option<&dyn SpendModel> {
                match self {
                    $(AnyModel::$variant(m) => m.as_spend(),)*
                }
            }
        }

        $(
            impl From<$ty> for AnyModel {
                fn from(m: $ty) -> Self {
                    AnyModel::$variant(m)
                }
            }
        )*
    };
}

registry! {
    /// BG/NBD (Fader, Hardie & Lee 2005a), `bg-nbd`.
    BgNbd(BgNbd) = "bg-nbd";
    /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987), `pareto-nbd`.
    ParetoNbd(ParetoNbd) = "pareto-nbd";
    /// MBG/NBD (Batislam, Denizel & Filiztekin 2007), `mbg-nbd`.
    MbgNbd(MbgNbd) = "mbg-nbd";
    /// NBD (Ehrenberg 1959; Morrison & Schmittlein 1988), `nbd`: purchasing without dropout.
    Nbd(Nbd) = "nbd";
    /// BG/BB (Fader, Hardie & Shang 2010), `bg-bb`: a discrete-time purchase model on
    /// (x, t_x, n) histories of transaction opportunities.
    BgBb(BgBb) = "bg-bb";
    /// Gamma-Gamma spend model (Fader, Hardie & Lee 2005b), `gamma-gamma`.
    GammaGamma(GammaGamma) = "gamma-gamma";
}

impl AnyModel {
    /// The model's name as the literature writes it, e.g. `BG/NBD`.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// What the model describes.
    pub fn role(&self) -> Role {
        self.kind().role()
    }

    /// The continuous-time purchase model.
    ///
    /// # Errors
    /// [`Error::WrongModel`] when the model is not one.
    pub fn purchase(&self) -> Result<&dyn PurchaseModel> {
        self.as_purchase()
            .ok_or_else(|| self.wrong("a purchase model (continuous-time)"))
    }

    /// The discrete-time (opportunity) purchase model.
    ///
    /// # Errors
    /// [`Error::WrongModel`] when the model is not one.
    pub fn opportunity(&self) -> Result<&dyn OpportunityModel> {
        self.as_opportunity()
            .ok_or_else(|| self.wrong("a discrete-time purchase model (expected bg-bb)"))
    }

    /// The spend model.
    ///
    /// # Errors
    /// [`Error::WrongModel`] when the model is not one.
    pub fn spend(&self) -> Result<&dyn SpendModel> {
        self.as_spend()
            .ok_or_else(|| self.wrong("a spend model (expected gamma-gamma)"))
    }

    fn wrong(&self, expected: &'static str) -> Error {
        Error::WrongModel {
            found: self.kind().to_string(),
            expected,
        }
    }
}

impl ModelKind {
    /// Every kind with `role`, in [`ModelKind::ALL`] order.
    pub fn with_role(role: Role) -> Vec<ModelKind> {
        ModelKind::ALL
            .iter()
            .copied()
            .filter(|k| k.role() == role)
            .collect()
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
                Error::InvalidOption {
                    name: "model",
                    value: format!("'{s}'"),
                    reason: format!("unknown model: expected one of {}", names.join(", ")),
                }
            })
    }
}

/// A discrete-time purchase model over (x, t_x, n) histories of transaction opportunities
/// (BG/BB): at most one transaction per opportunity, horizons in whole opportunities.
///
/// Object safe, so [`AnyModel::opportunity`] can hand out any such model.
pub trait OpportunityModel: std::fmt::Debug + Send + Sync {
    /// The model's name, e.g. `"BG/BB"`.
    fn name(&self) -> &'static str;

    /// E[X(n)]: expected transactions in the first n opportunities after the first purchase.
    fn expected_purchases_new(&self, opportunities: u32) -> f64;

    /// E[X(n, n + n*) | x, t_x, n]: expected transactions in the next `future` opportunities.
    fn expected_purchases(&self, history: &OpportunityHistory, future: u32) -> f64;

    /// P(alive at opportunity n + 1 | x, t_x, n).
    fn p_alive(&self, history: &OpportunityHistory) -> f64;

    /// P(X(n) = x): probability of x transactions in the first n opportunities.
    fn p_purchases(&self, x: u32, opportunities: u32) -> f64;

    /// DERT(d | x, t_x, n): discounted expected residual transactions at a discount rate d per
    /// opportunity.
    ///
    /// # Errors
    /// A rate that is not finite and positive; numerical failures.
    fn dert(&self, history: &OpportunityHistory, discount: f64) -> Result<f64>;
}

/// A spend (monetary value) model: the expected value of a customer's future transactions.
pub trait SpendModel: std::fmt::Debug + Send + Sync {
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
        Err(Error::InvalidOption {
            name: "prediction horizon",
            value: horizon.to_string(),
            reason: "must be finite and non-negative".into(),
        })
    }
}
