//! The single maximum-likelihood driver for every model.
//!
//! [`fit`] takes any [`LogLikelihood`] model type and weighted patterns (the sufficient
//! statistics from [`compress`](fn@crate::data::compress)) and maximises Σ wᵢ ln Lᵢ over the log-parameters
//! with argmin's L-BFGS and a Moré–Thuente line search, using the model's analytic gradient. The
//! objective handed to argmin is the *mean* negative log-likelihood (plus an optional L2
//! penalty), which keeps the first line-search step of a sensible size. Patterns are evaluated in
//! parallel chunks (rayon) when there are many; the chunk sums are added in a fixed order so the
//! result does not depend on the thread count.
//!
//! Whatever made L-BFGS stop (gradient or cost-change tolerance, a line search that can make no
//! more progress at rounding level, the iteration limit), its end point is then checked with
//! Newton's method: with H the Hessian of the objective (central differences of the analytic
//! gradient) and g its gradient, a Newton step would gain N·gᵀH⁻¹g/2 in log-likelihood. The run
//! counts as converged only when H is positive definite and that gain is below
//! [`FitOptions::ll_tolerance`]; otherwise up to [`NEWTON_STEPS`] Newton steps polish the point
//! (each kept only if it improves the objective) and the check is repeated. Otherwise the next starting point is tried; when none
//! converges the fit is an [`Error::NotConverged`] unless [`FitOptions::allow_unconverged`] is
//! set, in which case the best point is returned with `converged == false`.
//!
//! Large data (more than [`WARM_START_PATTERNS`] patterns) are first fitted on a systematic
//! subsample of about [`SUBSAMPLE_PATTERNS`] patterns ([`subsample`]), and that estimate is the
//! first starting point of the full fit: quasi-Newton steps with the subsample's inverse
//! Hessian take it to the full data's maximum in a few evaluations on all patterns, where
//! L-BFGS from scratch needs dozens. The full fit is judged by the same Newton check, so the
//! result is the full data's maximum, not the subsample's.
//!
//! The driver runs on a `Problem` (crate-internal): a log-likelihood over parameters whose first ones are
//! positive (fitted as θ = ln p) and whose others are unbounded (fitted as they are). A model
//! type on its patterns is one (every parameter positive); a model with time-invariant
//! covariates ([`covariates`]: baseline parameters, then unbounded coefficients) is another, so
//! both use the same runs, starts, Newton check and covariance.
//!
//! Standard errors come from the observed information: the Hessian of the log-likelihood in θ
//! at the optimum (central differences of the analytic gradient), inverted, and mapped to the
//! natural scale by the delta method with the full matrix.

pub mod bootstrap;
pub mod boundary;
pub mod covariance;
pub mod covariates;
mod fitted;
mod model;
pub mod transform;

pub use fitted::{
    AtBoundary, Fitted, FittedModel, ParamEstimate, Parameters, StopReason, Termination,
};
pub use model::{fit_model, fit_model_on_patterns};

use std::cmp::Ordering;
use std::sync::Mutex;
use std::time::Instant;

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::Array1;

use crate::data::Patterns;
use crate::error::{Error, Result};
use crate::models::LogLikelihood;
use covariance::{delta_log_to_natural, hessian_from_gradient, invert_spd};
use transform::{from_log, grad_to_log, scaled_start, to_log};

/// Where the L2 penalty of [`FitOptions::penalizer`] acts.
///
/// On the log scale (the default) the penalty c·Σ (ln pᵢ)² shrinks every parameter towards 1
/// and grows without bound at both edges of the parameter space, so a penalised fit always has
/// an interior maximum and never evaluates the likelihood at parameters near 0 or ∞; it does not
/// depend on the time unit for shape parameters. On the natural scale, c·Σ pᵢ² as lifetimes'
/// `penalizer_coef`, large coefficients drive the parameters towards 0, where the likelihood
/// of some models has no usable value (e.g. Pareto/NBD with β → 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PenaltyScale {
    /// c·Σ (ln pᵢ)².
    #[default]
    Log,
    /// c·Σ pᵢ², lifetimes' definition.
    Natural,
}

impl PenaltyScale {
    /// The penalty term of one parameter and its derivative with respect to θ = ln p.
    fn term(self, theta: f64, p: f64) -> (f64, f64) {
        match self {
            PenaltyScale::Log => (theta * theta, 2.0 * theta),
            PenaltyScale::Natural => (p * p, 2.0 * p * p),
        }
    }
}

/// Options of a fit (not model parameters).
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// Maximum iterations per starting point: L-BFGS iterations plus the Newton steps that
    /// polish their end point. Defaults to 500.
    pub max_iters: u64,
    /// Convergence threshold on the L2 norm of the gradient of the mean negative
    /// log-likelihood with respect to the log-parameters. Defaults to `1e-8`.
    pub grad_tolerance: f64,
    /// Convergence threshold on the change of the mean negative log-likelihood between
    /// iterations. Defaults to `1e-13`: about a thousand times the rounding noise of a mean of
    /// terms of order 1, so the optimiser stops when it can no longer make real progress instead
    /// of probing rounding noise with its line search. Such a stop is still accepted only when
    /// the Newton check of `ll_tolerance` passes.
    pub cost_tolerance: f64,
    /// A run is accepted as converged when a Newton step from its end point (with the Hessian of
    /// the objective by central differences of the analytic gradient) would raise the
    /// log-likelihood by less than this. Defaults to `1e-6`: the estimates are then within about
    /// 0.0014 standard errors of the maximum (the gain is half the squared distance in standard
    /// errors).
    pub ll_tolerance: f64,
    /// L2 penalty coefficient c ≥ 0: the objective is −LL/N + c·Σ (ln pᵢ)², or with
    /// [`PenaltyScale::Natural`] −LL/N + c·Σ pᵢ² (lifetimes' `penalizer_coef`). Defaults to 0.
    pub penalizer: f64,
    /// Where the penalty acts. Defaults to [`PenaltyScale::Log`].
    pub penalty_scale: PenaltyScale,
    /// Starting parameters (natural scale), tried first. Defaults to none.
    pub initial: Option<Vec<f64>>,
    /// Return the best point even when no start converged (flagged `converged == false`).
    /// Defaults to false.
    pub allow_unconverged: bool,
    /// Compute the covariance matrix and standard errors. Defaults to true.
    pub standard_errors: bool,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            max_iters: 500,
            grad_tolerance: 1e-8,
            cost_tolerance: 1e-13,
            ll_tolerance: 1e-6,
            penalizer: 0.0,
            penalty_scale: PenaltyScale::Log,
            initial: None,
            allow_unconverged: false,
            standard_errors: true,
        }
    }
}

/// Σ wᵢ ln Lᵢ and its gradient with respect to the natural parameters (see
/// [`LogLikelihood::total_ln_likelihood`]).
pub fn total_ln_likelihood<M: LogLikelihood>(
    model: &M,
    data: &Patterns<M::Obs>,
) -> (f64, Vec<f64>) {
    model.total_ln_likelihood(data)
}

/// A cached evaluation: (θ, cost, gradient).
type Evaluation = (Vec<f64>, f64, Vec<f64>);

/// What the driver maximises: a log-likelihood over a parameter vector whose first
/// [`Problem::n_positive`] entries are strictly positive (fitted on the log scale, θ = ln p) and
/// whose others are unbounded (fitted as they are, θ = p: covariate coefficients). A model type
/// with its weighted patterns is one ([`ModelProblem`]); a model with covariates is another
/// ([`covariates`]). Every run, starting point, Newton check and covariance of the driver goes
/// through this trait, so there is one driver for both.
pub(crate) trait Problem: Sync {
    /// The model's name, for error messages.
    fn name(&self) -> &'static str;
    /// The first this many parameters are positive (log scale); the rest are unbounded.
    fn n_positive(&self) -> usize;
    /// Total weight (number of customers) N.
    fn total_weight(&self) -> f64;
    /// Σ wᵢ ln Lᵢ and its gradient with respect to the parameters (natural scale).
    ///
    /// # Errors
    /// Parameters the model rejects.
    fn ln_likelihood(&self, params: &[f64]) -> Result<(f64, Vec<f64>)>;
    /// L2 penalty λ on the unbounded parameters: λ·Σ γ² is subtracted from the total
    /// log-likelihood. Defaults to 0.
    fn coefficient_penalty(&self) -> f64 {
        0.0
    }

    /// The parameters at θ: exp for the positive ones, θ itself for the others.
    fn params_at(&self, theta: &[f64]) -> Vec<f64> {
        let k = self.n_positive();
        let mut p = from_log(&theta[..k.min(theta.len())]);
        p.extend_from_slice(&theta[k.min(theta.len())..]);
        p
    }

    /// θ at the parameters: ln for the positive ones, the value itself for the others.
    fn theta_at(&self, params: &[f64]) -> Vec<f64> {
        let k = self.n_positive();
        let mut t = to_log(&params[..k.min(params.len())]);
        t.extend_from_slice(&params[k.min(params.len())..]);
        t
    }

    /// dp/dθ per parameter: p for the positive ones, 1 for the others (the chain rule from the
    /// natural scale to θ, and the diagonal of the delta method).
    fn jacobian(&self, params: &[f64]) -> Vec<f64> {
        let k = self.n_positive();
        params
            .iter()
            .enumerate()
            .map(|(i, &p)| if i < k { p } else { 1.0 })
            .collect()
    }
}

/// A model type `M` on its weighted patterns, as a [`Problem`]: every parameter positive.
pub(crate) struct ModelProblem<'a, M: LogLikelihood> {
    data: &'a Patterns<M::Obs>,
}

impl<'a, M: LogLikelihood> ModelProblem<'a, M> {
    fn new(data: &'a Patterns<M::Obs>) -> Self {
        ModelProblem { data }
    }
}

impl<M: LogLikelihood> Problem for ModelProblem<'_, M> {
    fn name(&self) -> &'static str {
        M::NAME
    }
    fn n_positive(&self) -> usize {
        M::PARAM_NAMES.len()
    }
    fn total_weight(&self) -> f64 {
        self.data.total_weight()
    }
    fn ln_likelihood(&self, params: &[f64]) -> Result<(f64, Vec<f64>)> {
        let model = M::from_params(params)?;
        Ok(total_ln_likelihood(&model, self.data))
    }
    fn params_at(&self, theta: &[f64]) -> Vec<f64> {
        from_log(theta)
    }
    fn theta_at(&self, params: &[f64]) -> Vec<f64> {
        to_log(params)
    }
}

/// The problem handed to argmin: mean negative log-likelihood over θ (ln p for the positive
/// parameters, the unbounded ones as they are).
struct Objective<'a, P: Problem> {
    problem: &'a P,
    n: f64,
    penalizer: f64,
    penalty_scale: PenaltyScale,
    /// The last (θ, cost, gradient): argmin asks for cost and gradient separately.
    cache: Mutex<Option<Evaluation>>,
}

impl<'a, P: Problem> Objective<'a, P> {
    fn new(problem: &'a P, opts: &FitOptions) -> Self {
        Objective {
            problem,
            n: problem.total_weight(),
            penalizer: opts.penalizer,
            penalty_scale: opts.penalty_scale,
            cache: Mutex::new(None),
        }
    }

    fn eval(&self, theta: &[f64]) -> Result<(f64, Vec<f64>)> {
        if let Ok(guard) = self.cache.lock() {
            if let Some((t, c, g)) = guard.as_ref() {
                if t.as_slice() == theta {
                    return Ok((*c, g.clone()));
                }
            }
        }
        let params = self.problem.params_at(theta);
        let (ll, mut g) = self.problem.ln_likelihood(&params)?;
        let k = self.problem.n_positive();
        grad_to_log(&mut g[..k], &params[..k]);
        let mut cost = -ll / self.n;
        for ((gi, p), t) in g.iter_mut().zip(&params).zip(theta).take(k) {
            let (pen, dpen) = self.penalty_scale.term(*t, *p);
            *gi = -*gi / self.n + self.penalizer * dpen;
            cost += self.penalizer * pen;
        }
        let lambda = self.problem.coefficient_penalty() / self.n;
        for (gi, t) in g.iter_mut().zip(theta).skip(k) {
            *gi = -*gi / self.n + 2.0 * lambda * t;
            cost += lambda * t * t;
        }
        if !cost.is_finite() || g.iter().any(|v| !v.is_finite()) {
            return Err(Error::Numerical {
                what: "log-likelihood",
                inputs: format!("{} parameters {params:?}", self.problem.name()),
            });
        }
        if let Ok(mut guard) = self.cache.lock() {
            *guard = Some((theta.to_vec(), cost, g.clone()));
        }
        Ok((cost, g))
    }
}

impl<P: Problem> CostFunction for &Objective<'_, P> {
    type Param = Array1<f64>;
    type Output = f64;
    fn cost(&self, theta: &Array1<f64>) -> std::result::Result<f64, argmin::core::Error> {
        Ok(self.eval(theta.as_slice().unwrap_or(&theta.to_vec()))?.0)
    }
}

impl<P: Problem> Gradient for &Objective<'_, P> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;
    fn gradient(
        &self,
        theta: &Array1<f64>,
    ) -> std::result::Result<Array1<f64>, argmin::core::Error> {
        Ok(Array1::from(
            self.eval(theta.as_slice().unwrap_or(&theta.to_vec()))?.1,
        ))
    }
}

/// Newton steps tried after L-BFGS to verify and polish its end point.
pub const NEWTON_STEPS: usize = 3;

/// The outcome of one L-BFGS run and its Newton check.
struct Run {
    theta: Vec<f64>,
    cost: f64,
    grad_norm: f64,
    iterations: u64,
    termination: Termination,
    /// Inverse Hessian of the mean objective at `theta`, when it is positive definite.
    inverse_hessian: Option<Vec<Vec<f64>>>,
}

/// A point after the Newton check.
struct Checked {
    theta: Vec<f64>,
    cost: f64,
    grad: Vec<f64>,
    inverse_hessian: Option<Vec<Vec<f64>>>,
    /// Log-likelihood a further Newton step would gain (∞ without a positive-definite Hessian).
    gain: f64,
}

/// The Newton check of a run's end point (see the module docs): returns the (possibly
/// polished) point, its cost and gradient, the inverse Hessian there when positive definite, and
/// the log-likelihood a further Newton step would gain.
/// At most `max_steps` Newton steps are taken, each only when it would gain more than
/// `min_gain`.
fn newton_check<P: Problem>(
    obj: &Objective<'_, P>,
    mut theta: Vec<f64>,
    max_steps: usize,
    min_gain: f64,
) -> Result<Checked> {
    let mut steps = 0;
    loop {
        let (cost, g) = obj.eval(&theta)?;
        let h = hessian_from_gradient(&theta, |t| obj.eval(t).map(|(_, g)| g))?;
        let Ok(inv) = invert_spd(&h) else {
            return Ok(Checked {
                theta,
                cost,
                grad: g,
                inverse_hessian: None,
                gain: f64::INFINITY,
            });
        };
        let step = mat_vec(&inv, &g);
        let gain = obj.n * dot(&g, &step) / 2.0;
        // A Newton step is taken only while it would gain more than `min_gain` and the budget
        // allows, and kept only when it lowers the objective; otherwise this point is the
        // result.
        let improved = (gain > min_gain && steps < max_steps)
            .then(|| {
                theta
                    .iter()
                    .zip(&step)
                    .map(|(t, s)| t - s)
                    .collect::<Vec<f64>>()
            })
            .filter(|candidate| matches!(obj.eval(candidate), Ok((c, _)) if c < cost));
        match improved {
            Some(candidate) => theta = candidate,
            None => {
                return Ok(Checked {
                    theta,
                    cost,
                    grad: g,
                    inverse_hessian: Some(inv),
                    gain: gain.max(0.0),
                })
            }
        }
        steps += 1;
    }
}

fn run_from<P: Problem>(problem: &P, start: &[f64], opts: &FitOptions) -> Result<Run> {
    let obj = Objective::new(problem, opts);
    let theta0 = problem.theta_at(start);
    // Fails early (with the model's own message) when the start itself is invalid or non-finite.
    obj.eval(&theta0)?;
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
        .with_tolerance_grad(opts.grad_tolerance)
        .map_err(|e| Error::Optimizer(e.to_string()))?
        .with_tolerance_cost(opts.cost_tolerance)
        .map_err(|e| Error::Optimizer(e.to_string()))?;
    let res = Executor::new(&obj, solver)
        .configure(|s| {
            s.param(Array1::from(theta0.clone()))
                .max_iters(opts.max_iters)
        })
        .run()
        .map_err(|e| Error::Optimizer(e.to_string()))?;
    let state = res.state();
    let theta = state
        .get_best_param()
        .map(|p| p.to_vec())
        .ok_or_else(|| Error::Optimizer("argmin returned no parameter".into()))?;
    let stop = StopReason::from_argmin(state.get_termination_reason());
    checked_run(&obj, theta, stop, state.get_iter(), opts)
}

/// Quasi-Newton steps at most, from a subsample's estimate.
const WARM_STEPS: u64 = 20;

/// A run from a subsample's estimate `start` (natural scale), with `inverse_hessian` the
/// inverse Hessian in θ of the subsample's mean objective: steps θ ← θ − H⁻¹g with the full
/// data's gradient g, each kept only when it lowers the objective, while the log-likelihood a
/// step would gain exceeds a thousandth of [`FitOptions::ll_tolerance`]. The mean objectives of
/// a subsample and of the whole have nearly the same Hessian, so each step gains digits at the
/// cost of one evaluation; the end point then gets the Newton check like any other run.
fn run_warm<P: Problem>(
    problem: &P,
    start: &[f64],
    inverse_hessian: &[Vec<f64>],
    opts: &FitOptions,
) -> Result<Run> {
    let obj = Objective::new(problem, opts);
    let mut theta = problem.theta_at(start);
    let (mut cost, mut g) = obj.eval(&theta)?;
    let mut iterations = 0;
    while iterations < WARM_STEPS.min(opts.max_iters) {
        let step = mat_vec(inverse_hessian, &g);
        let gain = obj.n * dot(&g, &step) / 2.0;
        // Also stops on a NaN gain.
        if gain.partial_cmp(&(opts.ll_tolerance * POLISH_FRACTION)) != Some(Ordering::Greater) {
            break;
        }
        let candidate: Vec<f64> = theta.iter().zip(&step).map(|(t, s)| t - s).collect();
        match obj.eval(&candidate) {
            Ok((c, gc)) if c < cost => (theta, cost, g) = (candidate, c, gc),
            _ => break,
        }
        iterations += 1;
    }
    checked_run(&obj, theta, StopReason::FromSubsample, iterations, opts)
}

/// The Newton check of a run's end point `theta`, after `iterations` iterations that stopped
/// for `stop`, as a [`Run`].
fn checked_run<P: Problem>(
    obj: &Objective<'_, P>,
    theta: Vec<f64>,
    stop: StopReason,
    iterations: u64,
    opts: &FitOptions,
) -> Result<Run> {
    let budget = opts.max_iters.saturating_sub(iterations);
    let max_steps = usize::try_from(budget).map_or(NEWTON_STEPS, |b| b.min(NEWTON_STEPS));
    let Checked {
        theta,
        cost,
        grad,
        inverse_hessian,
        gain,
    } = newton_check(obj, theta, max_steps, opts.ll_tolerance * POLISH_FRACTION)?;
    let grad_norm = dot(&grad, &grad).sqrt();
    let termination = if gain <= opts.ll_tolerance {
        Termination::Converged(stop)
    } else if gain.is_infinite() {
        Termination::NoInteriorMaximum(stop)
    } else {
        Termination::NewtonGain { stop, gain }
    };
    Ok(Run {
        theta,
        cost,
        grad_norm,
        iterations,
        termination,
        inverse_hessian,
    })
}

/// A Newton step is taken to polish a point only when it would gain more than this fraction of
/// [`FitOptions::ll_tolerance`] in log-likelihood (below it the step is rounding-level).
const POLISH_FRACTION: f64 = 1e-3;

fn mat_vec(m: &[Vec<f64>], v: &[f64]) -> Vec<f64> {
    m.iter().map(|row| dot(row, v)).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// A starting point of a run.
enum Start {
    /// L-BFGS from these parameters (natural scale).
    Lbfgs(Vec<f64>),
    /// Quasi-Newton steps from a subsample's estimate (natural scale) with the inverse Hessian
    /// of its mean objective in θ, then the Newton check ([`run_warm`]).
    Warm(Vec<f64>, Vec<Vec<f64>>),
}

/// The starting points every fit has: the model's `initial_params`, and a generic start
/// scaled to the data's mean T (see [`transform::scaled_start`]).
fn default_starts<M: LogLikelihood>(data: &Patterns<M::Obs>) -> Vec<Start> {
    let n = data.total_weight();
    let mean_age = data
        .obs
        .iter()
        .zip(&data.weights)
        .map(|(o, w)| w * M::time_scale(o))
        .sum::<f64>()
        / n;
    vec![
        Start::Lbfgs(M::initial_params(data)),
        Start::Lbfgs(scaled_start(
            M::time_dimension(),
            mean_age.max(f64::MIN_POSITIVE),
        )),
    ]
}

/// Runs from each start in turn until one converges; returns the first converged run (or the
/// best unconverged one: converged runs beat unconverged ones, then lower cost wins) and the
/// number of starts tried.
fn best_run<P: Problem>(problem: &P, starts: &[Start], opts: &FitOptions) -> Result<(Run, usize)> {
    let mut best: Option<Run> = None;
    let mut last_err = None;
    let mut tried = 0;
    for start in starts {
        tried += 1;
        let run = match start {
            Start::Lbfgs(p) => run_from(problem, p, opts),
            Start::Warm(p, inv) => run_warm(problem, p, inv, opts),
        };
        match run {
            Ok(run) => {
                let done = run.termination.converged();
                if best.as_ref().is_none_or(|b| {
                    let (r, b_ok) = (run.termination.converged(), b.termination.converged());
                    r & !b_ok || (r == b_ok && run.cost < b.cost)
                }) {
                    best = Some(run);
                }
                if done {
                    break;
                }
            }
            Err(e) => last_err = Some(e),
        }
    }
    match best {
        Some(r) => Ok((r, tried)),
        None => Err(last_err.unwrap_or_else(|| Error::Optimizer("no start point".into()))),
    }
}

/// Above this many patterns the fit starts from a subsample's estimate (module docs).
pub const WARM_START_PATTERNS: usize = 400_000;

/// The target size of that subsample, in patterns.
pub const SUBSAMPLE_PATTERNS: usize = 25_000;

/// A systematic subsample of about `target` patterns standing for all of them, with weights
/// scaled so that its log-likelihood estimates the full one divided by k = len / target: each
/// pattern of weight w >= k is kept with weight w / k (the heavy ones, such as the many
/// customers without a repeat purchase at a common T), and of the others every k-th (patterns
/// are sorted by frequency first, so this is stratified by frequency) with its own weight.
pub fn subsample<O: Copy>(data: &Patterns<O>, target: usize) -> Patterns<O> {
    let k = (data.len() / target.max(1)).max(1);
    let kf = k as f64;
    let mut obs = Vec::with_capacity(target * 2);
    let mut weights = Vec::with_capacity(target * 2);
    let mut light = 0usize;
    for (o, &w) in data.obs.iter().zip(&data.weights) {
        if w >= kf {
            obs.push(*o);
            weights.push(w / kf);
        } else {
            if light % k == 0 {
                obs.push(*o);
                weights.push(w);
            }
            light += 1;
        }
    }
    Patterns { obs, weights }
}

/// Fits a model by maximum likelihood on weighted patterns.
///
/// Starting points, in order: `opts.initial` (or, on large data, the estimate on a subsample:
/// module docs), the model's `initial_params`, and a generic
/// start scaled to the data's mean T (see [`transform::scaled_start`]). The first converged run
/// is accepted; if none converges, the best run is returned only with `allow_unconverged`.
///
/// # Errors
/// Empty data or zero total weight; a start point the model rejects; [`Error::NotConverged`].
pub fn fit<M: LogLikelihood>(data: &Patterns<M::Obs>, opts: &FitOptions) -> Result<Fitted<M>> {
    let started = Instant::now();
    if !(opts.penalizer.is_finite() && opts.penalizer >= 0.0) {
        return Err(Error::InvalidOption {
            name: "penalizer",
            value: opts.penalizer.to_string(),
            reason: "must be finite and at least 0".into(),
        });
    }
    let n = data.total_weight();
    if data.is_empty() || !n.is_finite() || n <= 0.0 {
        return Err(Error::NoData {
            what: format!("cannot fit {}", M::NAME),
            reason: "no data".into(),
        });
    }
    let mut starts: Vec<Start> = Vec::new();
    if let Some(init) = &opts.initial {
        M::from_params(init)?;
        starts.push(Start::Lbfgs(init.clone()));
    } else if data.len() > WARM_START_PATTERNS {
        let sample = subsample(data, SUBSAMPLE_PATTERNS);
        let sample_opts = FitOptions {
            allow_unconverged: true,
            ..opts.clone()
        };
        let sample_problem = ModelProblem::<M>::new(&sample);
        if let Ok((run, _)) = best_run(&sample_problem, &default_starts::<M>(&sample), &sample_opts)
        {
            match run.inverse_hessian {
                Some(inv) => starts.push(Start::Warm(from_log(&run.theta), inv)),
                None => starts.push(Start::Lbfgs(from_log(&run.theta))),
            }
        }
    }
    starts.extend(default_starts::<M>(data));
    let (run, tried) = best_run(&ModelProblem::<M>::new(data), &starts, opts)?;
    let converged = require_converged(M::NAME, &run, opts)?;
    let params = from_log(&run.theta);
    let model = M::from_params(&params)?;
    let (log_likelihood, _) = total_ln_likelihood(&model, data);
    let Uncertainty {
        covariance,
        covariance_error,
        mut warnings,
    } = uncertainty_of(&run, n, opts, opts.penalizer == 0.0, &params, || {
        covariance_at(&model, data)
    });
    warnings.extend(model.warnings());
    Ok(Fitted {
        model,
        log_likelihood,
        n_obs: n,
        n_patterns: data.len(),
        covariance,
        covariance_error,
        iterations: run.iterations,
        grad_norm: run.grad_norm,
        termination: run.termination,
        converged,
        starts_tried: tried,
        penalizer: opts.penalizer,
        penalty_scale: opts.penalty_scale,
        elapsed: started.elapsed(),
        warnings,
        boundary: None,
    })
}

/// Whether a run converged; an error when it did not and `opts` do not allow it.
fn require_converged(model: &'static str, run: &Run, opts: &FitOptions) -> Result<bool> {
    let converged = run.termination.converged();
    if !converged && !opts.allow_unconverged {
        return Err(Error::NotConverged {
            model,
            reason: run.termination.to_string(),
            iterations: run.iterations,
            grad_norm: run.grad_norm,
        });
    }
    Ok(converged)
}

/// The covariance of a fit's natural parameters (or why there is none) and its warnings.
struct Uncertainty {
    covariance: Option<Vec<Vec<f64>>>,
    covariance_error: Option<String>,
    warnings: Vec<String>,
}

/// The covariance at a run's end point (when `opts` ask for standard errors), with the warnings
/// of the run. Without a penalty (`unpenalised`) the objective is −LL/N, so the inverse Hessian
/// of the Newton check divided by N is the covariance of θ, mapped to the natural parameters
/// with the derivatives `scales` (∂p/∂θ: p itself for log-parameters); otherwise, or without
/// that inverse, the unpenalised covariance is `recompute`d.
fn uncertainty_of(
    run: &Run,
    n: f64,
    opts: &FitOptions,
    unpenalised: bool,
    scales: &[f64],
    recompute: impl FnOnce() -> Result<Vec<Vec<f64>>>,
) -> Uncertainty {
    let (covariance, covariance_error) = if opts.standard_errors {
        let reused = match (&run.inverse_hessian, unpenalised) {
            (Some(inv), true) => {
                let cov_theta: Vec<Vec<f64>> = inv
                    .iter()
                    .map(|row| row.iter().map(|v| v / n).collect())
                    .collect();
                Ok(delta_log_to_natural(&cov_theta, scales))
            }
            _ => recompute(),
        };
        match reused {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(e.to_string())),
        }
    } else {
        (None, None)
    };
    let mut warnings = Vec::new();
    if let Some(e) = &covariance_error {
        warnings.push(format!("no standard errors: {e}"));
    }
    if !run.termination.converged() {
        warnings.push(format!(
            "the optimiser did not converge: {}",
            run.termination
        ));
    }
    Uncertainty {
        covariance,
        covariance_error,
        warnings,
    }
}

/// Covariance of the natural parameters at `model`: the inverse observed information in
/// θ = ln p, mapped by the delta method.
pub fn covariance_at<M: LogLikelihood>(
    model: &M,
    data: &Patterns<M::Obs>,
) -> Result<Vec<Vec<f64>>> {
    covariance_holding(model, data, &[])
}

/// [`covariance_at`] with the parameters at the indices `held` fixed: the inverse observed
/// information of the others; the rows and columns of the held parameters are 0.
pub fn covariance_holding<M: LogLikelihood>(
    model: &M,
    data: &Patterns<M::Obs>,
    held: &[usize],
) -> Result<Vec<Vec<f64>>> {
    let params = model.params();
    let theta = to_log(&params);
    let free: Vec<usize> = (0..theta.len()).filter(|i| !held.contains(i)).collect();
    let sub_theta: Vec<f64> = free.iter().map(|&i| theta[i]).collect();
    let neg_hessian = hessian_from_gradient(&sub_theta, |sub| {
        let mut th = theta.clone();
        for (&i, &v) in free.iter().zip(sub) {
            th[i] = v;
        }
        let p = from_log(&th);
        let m = M::from_params(&p)?;
        let (_, mut g) = total_ln_likelihood(&m, data);
        grad_to_log(&mut g, &p);
        Ok(free.iter().map(|&i| -g[i]).collect())
    })?;
    let sub_cov = invert_spd(&neg_hessian)?;
    let sub_params: Vec<f64> = free.iter().map(|&i| params[i]).collect();
    let sub_natural = delta_log_to_natural(&sub_cov, &sub_params);
    let mut cov = vec![vec![0.0; theta.len()]; theta.len()];
    for (a, &i) in free.iter().enumerate() {
        for (b, &j) in free.iter().enumerate() {
            cov[i][j] = sub_natural[a][b];
        }
    }
    Ok(cov)
}
