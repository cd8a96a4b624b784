//! What a fit returns: [`Fitted`] (a model of one type with its diagnostics), [`FittedModel`]
//! (any model, with the time unit of its data), the typed [`Termination`] and the parameter
//! table.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::covariance::Z_95;
use crate::data::TimeUnit;
use crate::models::{AnyModel, LogLikelihood, ModelKind};

/// One row of a fitted model's parameter table.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamEstimate {
    /// The parameter's symbol.
    pub name: &'static str,
    /// Maximum-likelihood estimate.
    pub estimate: f64,
    /// Standard error (delta method), when computed.
    pub std_error: Option<f64>,
    /// Lower bound of the 95% interval, on the log scale the parameter is fitted on:
    /// estimate · exp(−1.96 SE/estimate), always positive (SE/estimate is the standard error
    /// of ln p by the delta method).
    pub lower_95: Option<f64>,
    /// Upper bound of the 95% interval: estimate · exp(1.96 SE/estimate).
    pub upper_95: Option<f64>,
    /// The parameter runs to 0 or ∞ at the boundary the fit ended on (see [`AtBoundary`]): the
    /// estimate is where the optimiser stopped on the way, and there is no standard error or
    /// interval.
    pub at_edge: bool,
}

/// A fit whose maximum lies at an edge of the model's parameter space (a
/// [`Boundary`](crate::models::Boundary) the model declares): what the data say, and how the
/// result represents the limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtBoundary {
    /// The model that was asked for.
    pub requested: ModelKind,
    /// What the data say, e.g. "no dropout in these data".
    pub finding: String,
    /// The limit in the requested model's symbols, e.g. "a -> 0".
    pub limit: String,
    /// The nested model that is the limit, fitted and returned in place of the requested one
    /// (NBD when nobody drops out); `None` when the result is the requested model at the point
    /// where the optimiser stopped on its way to the limit.
    pub nested: Option<ModelKind>,
    /// The parameters (of the result) that run to 0 or ∞: no standard error, no interval.
    pub at_edge: Vec<String>,
    /// The quantity that stays finite at the limit, e.g. `a/(a+b)`, and its value.
    pub invariant: Option<(String, f64)>,
}

impl std::fmt::Display for AtBoundary {
    /// One sentence for people: "no dropout in these data: BG/NBD reduces to NBD (a -> 0)".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: ", self.finding)?;
        match self.nested {
            Some(nested) => write!(
                f,
                "{} reduces to {} ({}); the estimates are the {}'s",
                self.requested.name(),
                nested.name(),
                self.limit,
                nested.name()
            ),
            None => {
                write!(f, "{} at its limit {}", self.requested.name(), self.limit)?;
                if let Some((name, value)) = &self.invariant {
                    write!(f, " with {name} = {value:.6}")?;
                }
                write!(
                    f,
                    "; {} shown at a point on the way, with no interval",
                    self.at_edge.join(" and ")
                )
            }
        }
    }
}

/// A fitted model with its diagnostics. It exists only for a successful (or explicitly allowed
/// unconverged) fit.
#[derive(Debug, Clone)]
pub struct Fitted<M> {
    /// The model at the maximum-likelihood estimate.
    pub model: M,
    /// Log-likelihood Σ wᵢ ln Lᵢ at the estimate (without the penalty).
    pub log_likelihood: f64,
    /// Number of observations (customers): the total weight.
    pub n_obs: f64,
    /// Number of unique patterns the likelihood was evaluated on.
    pub n_patterns: usize,
    /// Covariance matrix of the parameters (natural scale), when computed.
    pub covariance: Option<Vec<Vec<f64>>>,
    /// Why the covariance is missing although it was requested (e.g. singular information).
    pub covariance_error: Option<String>,
    /// L-BFGS iterations of the accepted run.
    pub iterations: u64,
    /// Gradient norm of the mean negative log-likelihood (in θ = ln p) at the estimate.
    pub grad_norm: f64,
    /// Why the accepted run stopped, and whether its end point passed the Newton check.
    pub termination: Termination,
    /// Whether the accepted run converged.
    pub converged: bool,
    /// How many starting points were tried.
    pub starts_tried: usize,
    /// The L2 penalty coefficient used.
    pub penalizer: f64,
    /// Where the penalty acted.
    pub penalty_scale: super::PenaltyScale,
    /// Wall time of the fit.
    pub elapsed: Duration,
    /// Warnings about the fit (no standard errors, no convergence, a boundary, a model-specific
    /// caveat such as an infinite mean spend), kept with the model and shown again wherever it
    /// is used.
    pub warnings: Vec<String>,
    /// Set when the maximum lies at an edge of the parameter space: the result is its limit.
    pub boundary: Option<AtBoundary>,
}

/// Why L-BFGS stopped: argmin's termination reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// The solver's own tolerance (gradient norm or cost change) was met.
    SolverConverged,
    /// The iteration limit was reached.
    MaxItersReached,
    /// A target cost was reached.
    TargetCostReached,
    /// Quasi-Newton steps from a subsample's estimate stopped gaining (large data: see the
    /// module docs of [`crate::fit`]).
    FromSubsample,
    /// Interrupted, timed out, or another solver-specific exit, with argmin's text.
    Other(String),
}

impl StopReason {
    pub(super) fn from_argmin(reason: Option<&argmin::core::TerminationReason>) -> Self {
        use argmin::core::TerminationReason as R;
        match reason {
            Some(R::SolverConverged) => StopReason::SolverConverged,
            Some(R::MaxItersReached) => StopReason::MaxItersReached,
            Some(R::TargetCostReached) => StopReason::TargetCostReached,
            Some(other) => StopReason::Other(other.text().to_string()),
            None => StopReason::Other("not terminated".into()),
        }
    }
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StopReason::SolverConverged => "Solver converged",
            StopReason::MaxItersReached => "Maximum number of iterations reached",
            StopReason::TargetCostReached => "Target cost value reached",
            StopReason::FromSubsample => "Converged from a subsample's estimate",
            StopReason::Other(text) => text,
        })
    }
}

/// How a fit ended: the optimiser's stop and the verdict of the Newton check of its end point
/// (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub enum Termination {
    /// L-BFGS stopped and a Newton step would gain less than [`FitOptions::ll_tolerance`](super::FitOptions::ll_tolerance).
    Converged(StopReason),
    /// L-BFGS stopped where the Hessian is not positive definite: no interior maximum there.
    NoInteriorMaximum(StopReason),
    /// L-BFGS stopped where a Newton step would still gain `gain` in log-likelihood.
    NewtonGain {
        /// Why L-BFGS stopped.
        stop: StopReason,
        /// The log-likelihood a Newton step would still gain.
        gain: f64,
    },
    /// L-BFGS stopped on its way to an edge of the parameter space where the likelihood is
    /// highest (see [`Fitted::boundary`]): the result is the limit there, not a failure.
    AtBoundary(StopReason),
    /// Recorded text of a fit read back from a model file that this version does not parse.
    Recorded(String),
}

impl Termination {
    /// Whether the fit converged.
    pub fn converged(&self) -> bool {
        matches!(self, Termination::Converged(_) | Termination::AtBoundary(_))
    }

    /// The termination as recorded in a model file: the inverse of its `Display`.
    pub fn parse(text: &str) -> Self {
        let stops = [
            StopReason::SolverConverged,
            StopReason::MaxItersReached,
            StopReason::TargetCostReached,
            StopReason::FromSubsample,
        ];
        stops
            .into_iter()
            .find(|s| s.to_string() == text)
            .map_or_else(
                || Termination::Recorded(text.to_string()),
                Termination::Converged,
            )
    }
}

impl std::fmt::Display for Termination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Termination::Converged(stop) => write!(f, "{stop}"),
            Termination::NoInteriorMaximum(stop) => write!(
                f,
                "L-BFGS stopped ({stop}) where the Hessian is not positive definite: the \
                 likelihood has no interior maximum there (e.g. too few repeat purchases, or a \
                 parameter running to 0 or infinity)"
            ),
            Termination::NewtonGain { stop, gain } => write!(
                f,
                "L-BFGS stopped ({stop}) where a Newton step would still gain {gain:.2e} in \
                 log-likelihood"
            ),
            Termination::AtBoundary(stop) => write!(
                f,
                "L-BFGS stopped ({stop}) on its way to an edge of the parameter space, where the \
                 likelihood is highest"
            ),
            Termination::Recorded(text) => f.write_str(text),
        }
    }
}

/// A model's parameters by name: what the parameter table, AIC and BIC need of the model in a
/// [`Fitted`].
pub trait Parameters {
    /// The parameters' symbols.
    fn param_names(&self) -> &'static [&'static str];
    /// The parameter values, in the order of the names.
    fn param_values(&self) -> Vec<f64>;
}

impl<M: LogLikelihood> Parameters for M {
    fn param_names(&self) -> &'static [&'static str] {
        M::PARAM_NAMES
    }
    fn param_values(&self) -> Vec<f64> {
        self.params()
    }
}

impl Parameters for AnyModel {
    fn param_names(&self) -> &'static [&'static str] {
        self.kind().param_names()
    }
    fn param_values(&self) -> Vec<f64> {
        self.params()
    }
}

impl<M> Fitted<M> {
    /// The same fit with the model mapped, e.g. into an [`AnyModel`].
    pub fn map_model<N>(self, f: impl FnOnce(M) -> N) -> Fitted<N> {
        Fitted {
            model: f(self.model),
            log_likelihood: self.log_likelihood,
            n_obs: self.n_obs,
            n_patterns: self.n_patterns,
            covariance: self.covariance,
            covariance_error: self.covariance_error,
            iterations: self.iterations,
            grad_norm: self.grad_norm,
            termination: self.termination,
            converged: self.converged,
            starts_tried: self.starts_tried,
            penalizer: self.penalizer,
            penalty_scale: self.penalty_scale,
            elapsed: self.elapsed,
            warnings: self.warnings,
            boundary: self.boundary,
        }
    }
}

/// A fitted model of any kind, with the time unit of the data it was fitted on: what `fit`
/// writes to a model file and what predictions, CLV and comparisons use.
#[derive(Debug, Clone)]
pub struct FittedModel {
    /// The model and the fit's diagnostics.
    pub fit: Fitted<AnyModel>,
    /// The time unit of recency and T (for BG/BB: the length of one opportunity); the model's
    /// rates are per this unit.
    pub time_unit: TimeUnit,
}

impl std::ops::Deref for FittedModel {
    type Target = Fitted<AnyModel>;
    fn deref(&self) -> &Self::Target {
        &self.fit
    }
}

impl FittedModel {
    /// The model's kind.
    pub fn kind(&self) -> ModelKind {
        self.fit.model.kind()
    }

    /// The model that was asked for: the kind, or at a boundary whose limit is a nested model,
    /// the model that reduces to it.
    pub fn requested(&self) -> ModelKind {
        self.fit
            .boundary
            .as_ref()
            .map_or_else(|| self.kind(), |b| b.requested)
    }
}

impl<M: Parameters> Fitted<M> {
    /// Standard errors (square roots of the covariance diagonal), when available.
    pub fn std_errors(&self) -> Option<Vec<f64>> {
        self.covariance
            .as_ref()
            .map(|c| (0..c.len()).map(|i| c[i][i].max(0.0).sqrt()).collect())
    }

    /// Akaike information criterion, 2k − 2 LL.
    pub fn aic(&self) -> f64 {
        2.0 * self.model.param_names().len() as f64 - 2.0 * self.log_likelihood
    }

    /// Bayesian information criterion, k ln N − 2 LL (N = number of customers).
    pub fn bic(&self) -> f64 {
        self.model.param_names().len() as f64 * self.n_obs.ln() - 2.0 * self.log_likelihood
    }

    /// The parameter table: estimate, standard error and 95% interval per parameter.
    pub fn param_table(&self) -> Vec<ParamEstimate> {
        let se = self.std_errors();
        self.model
            .param_names()
            .iter()
            .zip(self.model.param_values())
            .enumerate()
            .map(|(i, (&name, estimate))| {
                let at_edge = self
                    .boundary
                    .as_ref()
                    .is_some_and(|b| b.at_edge.iter().any(|e| e == name));
                let s = se.as_ref().map(|s| s[i]).filter(|_| !at_edge);
                ParamEstimate {
                    name,
                    estimate,
                    std_error: s,
                    lower_95: s.map(|s| estimate * (-Z_95 * s / estimate).exp()),
                    upper_95: s.map(|s| estimate * (Z_95 * s / estimate).exp()),
                    at_edge,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::BgNbd;

    /// An interval for a parameter whose standard error exceeds half its estimate (on the
    /// natural scale it would run below zero) stays positive on the log scale.
    #[test]
    fn intervals_stay_positive_with_large_standard_errors() {
        let fitted = Fitted {
            model: BgNbd::new(0.5, 2.0, 0.3, 1.0).unwrap(),
            log_likelihood: -100.0,
            n_obs: 50.0,
            n_patterns: 20,
            covariance: Some(
                (0..4)
                    .map(|i| (0..4).map(|j| if i == j { 4.0 } else { 0.0 }).collect())
                    .collect(),
            ),
            covariance_error: None,
            iterations: 10,
            grad_norm: 1e-9,
            termination: Termination::Converged(StopReason::SolverConverged),
            converged: true,
            starts_tried: 1,
            penalizer: 0.0,
            penalty_scale: super::super::PenaltyScale::Log,
            elapsed: Duration::ZERO,
            warnings: Vec::new(),
            boundary: None,
        };
        for p in fitted.param_table() {
            let (lo, hi) = (p.lower_95.unwrap(), p.upper_95.unwrap());
            assert_eq!(p.std_error, Some(2.0));
            assert!(0.0 < lo && lo < p.estimate && p.estimate < hi, "{p:?}");
            let half_width = Z_95 * 2.0 / p.estimate;
            assert!(((hi / p.estimate).ln() - half_width).abs() < 1e-12, "{p:?}");
        }
    }
}
