//! Fits whose maximum lies at an edge of the parameter space.
//!
//! On data where, say, nobody drops out, the likelihood of a dropout model keeps rising as the
//! dropout parameters run to 0 or ∞, so the optimiser cannot stop at an interior point: the
//! maximum-likelihood estimate is the limit, a simpler model (the models declare these edges
//! as [`Boundary`]s). [`resolve`] looks at the end point of a fit that is *suspect* (it did not
//! reach an interior maximum, or a log-parameter combination along a declared edge has a
//! standard error above [`LOG_SE_LIMIT`]) and
//! 1. fits the nested limit models the edges name (the NBD for no dropout); one whose
//!    log-likelihood is within [`LL_TOLERANCE`] of the end point's (it can never be higher
//!    than the supremum, which it is when the maximum is its edge) is the result, with the
//!    requested model recorded in [`AtBoundary`];
//! 2. otherwise checks the profile of the likelihood along each remaining edge from the end
//!    point, two decades out (parameters ×10 and ×100, or ÷): if it never falls and its rise
//!    diminishes (the second decade gains no more than the first: it approaches the limit), the
//!    maximum lies on that edge, and the best of the three points is the result, the
//!    parameters that run away flagged (no interval) and the quantity that stays finite
//!    reported. Standard errors of the other parameters are those with the runaway ones held.
//!
//! When neither applies the end point is judged as before: converged, or a non-convergence
//! error.

use super::transform::{from_log, to_log};
use super::{covariance_holding, AtBoundary, FitOptions, Fitted, FittedModel, Termination};
use crate::data::{Patterns, TimeUnit};
use crate::error::{Error, Result};
use crate::models::{AnyModel, Boundary, LogLikelihood, ModelKind, ModelRole};

/// Log-likelihood differences below this are no evidence for one point over another (a
/// likelihood-ratio statistic of 0.002).
pub const LL_TOLERANCE: f64 = 1e-3;

/// A fit is suspect of lying at an edge when a log-parameter combination along the edge has a
/// standard error above this: its 95% interval would span a factor of e^±9.8.
pub const LOG_SE_LIMIT: f64 = 5.0;

/// The smallest value of a limit's finite quantity (a rate per time unit, a probability, a
/// mean spend) for the limit to be a model rather than a degenerate point.
const MIN_INVARIANT: f64 = 1e-8;

/// One decade on the log scale: the step of the profile along an edge.
const DECADE: f64 = std::f64::consts::LN_10;

/// The result of a fit of `M` whose run ended at `end` (converged or not): the end point
/// itself, the limit at an edge (nested models are fitted on the same data by `fit_nested`), or [`Error::NotConverged`] when the run did not converge, no
/// edge explains it and `opts.allow_unconverged` is not set.
pub(super) fn resolve<M>(
    end: Fitted<M>,
    patterns: &Patterns<M::Obs>,
    fit_nested: &dyn Fn(ModelKind) -> Result<FittedModel>,
    unit: TimeUnit,
    opts: &FitOptions,
) -> Result<Fitted<AnyModel>>
where
    M: LogLikelihood + ModelRole + Into<AnyModel>,
{
    // A penalised objective has no edges on the log scale, and its value is not the likelihood.
    if opts.penalizer == 0.0 && suspect(&end) {
        let requested = end.model.clone().into().kind();
        if let Some(limit) = nested_limit(&end, requested, patterns, fit_nested) {
            return Ok(limit);
        }
        if let Some(edge) = edge_point(&end, requested, patterns, unit) {
            return Ok(edge.map_model(Into::into));
        }
    }
    if !end.converged && !opts.allow_unconverged {
        return Err(Error::NotConverged {
            model: M::NAME,
            reason: end.termination.to_string(),
            iterations: end.iterations,
            grad_norm: end.grad_norm,
        });
    }
    Ok(end.map_model(Into::into))
}

/// Whether the end point may lie at an edge: no interior maximum was found, there is no
/// covariance, or along some declared edge the log-parameters are not identified.
fn suspect<M: LogLikelihood>(end: &Fitted<M>) -> bool {
    let Some(cov) = &end.covariance else {
        return true;
    };
    let params = end.model.params();
    !end.converged
        || M::BOUNDARIES
            .iter()
            .any(|b| log_variance_along(cov, &params, b.direction) > LOG_SE_LIMIT.powi(2))
}

/// Var(dᵀ ln p) from the natural-scale covariance: Σᵢⱼ dᵢ dⱼ Cov(pᵢ, pⱼ)/(pᵢ pⱼ).
fn log_variance_along(cov: &[Vec<f64>], params: &[f64], direction: &[i8]) -> f64 {
    let mut v = 0.0;
    for (i, &di) in direction.iter().enumerate() {
        for (j, &dj) in direction.iter().enumerate() {
            v += f64::from(di) * f64::from(dj) * cov[i][j] / (params[i] * params[j]);
        }
    }
    v
}

/// Fits the nested models the edges of `M` name; the first whose log-likelihood reaches the
/// end point's (within [`LL_TOLERANCE`]) is the result, citing the edge along which the
/// likelihood rises most from the end point.
fn nested_limit<M: LogLikelihood>(
    end: &Fitted<M>,
    requested: ModelKind,
    patterns: &Patterns<M::Obs>,
    fit_nested: &dyn Fn(ModelKind) -> Result<FittedModel>,
) -> Option<Fitted<AnyModel>> {
    let mut kinds: Vec<ModelKind> = M::BOUNDARIES.iter().filter_map(|b| b.nested).collect();
    kinds.dedup();
    for kind in kinds {
        // A nested model that cannot be fitted, or is itself at an edge, is no explanation;
        // the end point is judged alone.
        let Ok(limit) = fit_nested(kind) else {
            continue;
        };
        if limit.boundary.is_some() || limit.log_likelihood < end.log_likelihood - LL_TOLERANCE {
            continue;
        }
        let theta = to_log(&end.model.params());
        let edges = M::BOUNDARIES.iter().filter(|b| b.nested == Some(kind));
        let rise = |b: &&Boundary| {
            ll_at::<M>(&along(&theta, b.direction, 1.0), patterns)
                .map_or(f64::NEG_INFINITY, |p| p.1)
        };
        let edge = edges.max_by(|a, b| rise(a).total_cmp(&rise(b)))?;
        let mut fit = limit.fit;
        let at = AtBoundary {
            requested,
            finding: edge.finding.to_string(),
            limit: edge.limit.to_string(),
            nested: Some(kind),
            at_edge: Vec::new(),
            invariant: None,
        };
        fit.warnings.insert(0, at.to_string());
        fit.boundary = Some(at);
        return Some(fit);
    }
    None
}

/// The model at log-parameters `theta` and its log-likelihood, when both are valid and finite.
fn ll_at<M: LogLikelihood>(theta: &[f64], patterns: &Patterns<M::Obs>) -> Option<(M, f64)> {
    let model = M::from_params(&from_log(theta)).ok()?;
    let (ll, _) = model.total_ln_likelihood(patterns);
    ll.is_finite().then_some((model, ll))
}

/// θ + k·DECADE·d.
fn along(theta: &[f64], direction: &[i8], k: f64) -> Vec<f64> {
    theta
        .iter()
        .zip(direction)
        .map(|(t, &d)| t + k * DECADE * f64::from(d))
        .collect()
}

/// The edge without a nested model along which the likelihood does not fall from the end
/// point over two decades, with the best of the three points as the result.
fn edge_point<M: LogLikelihood>(
    end: &Fitted<M>,
    requested: ModelKind,
    patterns: &Patterns<M::Obs>,
    unit: TimeUnit,
) -> Option<Fitted<M>> {
    let theta = to_log(&end.model.params());
    // The limit must be a model: every quantity the edges keep finite must be finite and
    // positive at the end point (not, say, a purchase rate of 0 on data without repeat
    // purchases, where every other direction is flat too).
    let params = end.model.params();
    let degenerate = M::BOUNDARIES.iter().filter_map(|b| b.invariant).any(|inv| {
        let v = (inv.value)(&params);
        !(v.is_finite() && v > MIN_INVARIANT)
    });
    if degenerate {
        return None;
    }
    let mut best: Option<(&Boundary, M, f64)> = None;
    for edge in M::BOUNDARIES.iter().filter(|b| b.nested.is_none()) {
        let points = [1.0, 2.0].map(|k| ll_at::<M>(&along(&theta, edge.direction, k), patterns));
        let [Some(p1), Some(p2)] = points else {
            continue;
        };
        let (l0, l1, l2) = (end.log_likelihood, p1.1, p2.1);
        let approaches = l1 >= l0 - LL_TOLERANCE
            && l2 >= l1 - LL_TOLERANCE
            && l2 - l1 <= (l1 - l0).max(0.0) + LL_TOLERANCE;
        if !approaches {
            continue;
        }
        let (m, ll) = [(end.model.clone(), l0), p1, p2]
            .into_iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        if best.as_ref().is_none_or(|b| ll > b.2) {
            best = Some((edge, m, ll));
        }
    }
    let (edge, model, ll) = best?;
    let names = M::PARAM_NAMES;
    let at_edge: Vec<String> = edge
        .direction
        .iter()
        .zip(names)
        .filter(|(&d, _)| d != 0)
        .map(|(_, n)| n.to_string())
        .collect();
    let params = model.params();
    let invariant = edge.invariant.map(|inv| {
        let value = (inv.value)(&params);
        let name = match inv.per_time {
            0 => inv.name.to_string(),
            _ => format!("{} (per {unit})", inv.name),
        };
        (name, value)
    });
    let held: Vec<usize> = (0..edge.direction.len())
        .filter(|&i| edge.direction[i] != 0)
        .collect();
    let (covariance, covariance_error) = match covariance_holding(&model, patterns, &held) {
        Ok(c) => (Some(c), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let at = AtBoundary {
        requested,
        finding: edge.finding.to_string(),
        limit: edge.limit.to_string(),
        nested: None,
        at_edge,
        invariant,
    };
    let mut warnings: Vec<String> = vec![at.to_string()];
    if let Some(e) = &covariance_error {
        warnings.push(format!("no standard errors: {e}"));
    }
    warnings.extend(model.warnings());
    let stop = match &end.termination {
        Termination::Converged(s)
        | Termination::NoInteriorMaximum(s)
        | Termination::AtBoundary(s)
        | Termination::NewtonGain { stop: s, .. } => s.clone(),
        Termination::Recorded(text) => super::StopReason::Other(text.clone()),
    };
    Some(Fitted {
        model,
        log_likelihood: ll,
        covariance,
        covariance_error,
        termination: Termination::AtBoundary(stop),
        converged: true,
        warnings,
        boundary: Some(at),
        ..end.clone()
    })
}
