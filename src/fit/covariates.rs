//! Fitting a model with time-invariant covariates (see [`crate::models::covariates`]) with the
//! one driver of [`crate::fit`].
//!
//! The parameters are the base model's (θ₀, positive, fitted on the log scale) followed by the
//! covariate coefficients γ (unbounded, fitted as they are). The model without covariates is
//! fitted first on the same customers: its estimate, with every coefficient 0, is the first
//! starting point, and its log-likelihood is the null of the likelihood-ratio test
//! 2·(LL − LL₀) ~ χ²(number of coefficients). Standard errors come from the same observed
//! information as every fit (the inverse Hessian of the Newton check, or recomputed without the
//! penalties), by the delta method for θ₀ and directly for γ.
//!
//! The optional L2 penalty (CLVTools' `reg.lambdas`) acts on the coefficients only: the fit
//! maximises LL − λ·Σ γ_k² (λ on the total log-likelihood, so its effect shrinks as the
//! number of customers grows).

use std::time::Instant;

use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::covariance::{delta_log_to_natural, hessian_from_gradient, invert_spd, Z_95};
use super::{
    best_run, default_starts, fit, require_converged, subsample, uncertainty_of, FitOptions,
    Fitted, FittedModel, Problem, Start, Uncertainty, SUBSAMPLE_PATTERNS, WARM_START_PATTERNS,
};
use crate::data::{CustomerDataRef, Observation, Summary, TimeUnit};
use crate::error::{Error, Result};
use crate::models::covariates::covariate_ln_likelihood;
use crate::models::{
    AnyModel, CovariateDesign, CovariateEffects, CovariateGroup, CovariatePatterns, LogLikelihood,
    ModelKind, ModelRole, ModelVisitor, Role,
};

/// A model `M` with covariates on grouped patterns, as a driver [`Problem`].
struct CovariateProblem<'a, M: LogLikelihood> {
    design: &'a CovariateDesign,
    data: &'a CovariatePatterns<M::Obs>,
    n: f64,
    penalty: f64,
}

impl<M: LogLikelihood> Problem for CovariateProblem<'_, M> {
    fn name(&self) -> &'static str {
        M::NAME
    }
    fn n_positive(&self) -> usize {
        M::PARAM_NAMES.len()
    }
    fn total_weight(&self) -> f64 {
        self.n
    }
    fn ln_likelihood(&self, params: &[f64]) -> Result<(f64, Vec<f64>)> {
        let (base, coefs) = params.split_at(M::PARAM_NAMES.len());
        covariate_ln_likelihood::<M>(self.design, base, coefs, self.data)
    }
    fn coefficient_penalty(&self) -> f64 {
        self.penalty
    }
}

/// The likelihood-ratio test of the model with covariates against the model without them,
/// fitted on the same customers.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LrTest {
    /// Log-likelihood of the model without covariates.
    pub ll_without: f64,
    /// 2·(LL − LL₀), at least 0.
    pub statistic: f64,
    /// Degrees of freedom: the number of coefficients.
    pub df: usize,
    /// P(χ²(df) ≥ statistic).
    pub p_value: f64,
}

impl LrTest {
    /// The test of a log-likelihood `ll` with `df` more parameters than `ll_without`.
    pub fn new(ll: f64, ll_without: f64, df: usize) -> Self {
        let statistic = (2.0 * (ll - ll_without)).max(0.0);
        let p_value = if df == 0 {
            1.0
        } else {
            ChiSquared::new(df as f64).map_or(f64::NAN, |c| c.sf(statistic))
        };
        LrTest {
            ll_without,
            statistic,
            df,
            p_value,
        }
    }
}

impl std::fmt::Display for LrTest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "LR test against the model without covariates: 2*(LL - LL0) = {:.4} on {} df, p = {:.4e} (LL0 {:.4})",
            self.statistic, self.df, self.p_value, self.ll_without
        )
    }
}

/// One coefficient's estimate, standard error and symmetric 95% interval.
#[derive(Debug, Clone, PartialEq)]
pub struct CoefficientEstimate {
    /// The coefficient's name (e.g. `purchase:channel=web`).
    pub name: String,
    /// Maximum-likelihood (or penalised) estimate.
    pub estimate: f64,
    /// Standard error, when computed.
    pub std_error: Option<f64>,
    /// estimate − 1.96·SE.
    pub lower_95: Option<f64>,
    /// estimate + 1.96·SE.
    pub upper_95: Option<f64>,
}

/// A fitted model with covariates.
#[derive(Debug, Clone)]
pub struct CovariateFit {
    /// The base model at θ₀ (every covariate 0) with the fit's diagnostics: the log-likelihood
    /// of the model with covariates, and the covariance of all its parameters (θ₀, then γ; the
    /// base model's own parameter table reads the first rows).
    pub fitted: FittedModel,
    /// The design and coefficients, for predictions.
    pub effects: CovariateEffects,
    /// The likelihood-ratio test against the model without covariates.
    pub lr_test: LrTest,
    /// The L2 penalty on the coefficients.
    pub covariate_penalty: f64,
}

impl CovariateFit {
    /// Number of parameters: the base model's and the coefficients.
    pub fn n_params(&self) -> usize {
        self.fitted.kind().param_names().len() + self.effects.design.len()
    }

    /// Akaike information criterion with every parameter counted.
    pub fn aic(&self) -> f64 {
        2.0 * self.n_params() as f64 - 2.0 * self.fitted.log_likelihood
    }

    /// Bayesian information criterion with every parameter counted.
    pub fn bic(&self) -> f64 {
        self.n_params() as f64 * self.fitted.n_obs.ln() - 2.0 * self.fitted.log_likelihood
    }

    /// The coefficients' table.
    pub fn coefficient_table(&self) -> Vec<CoefficientEstimate> {
        let k = self.fitted.kind().param_names().len();
        let se = self.fitted.std_errors();
        self.effects
            .design
            .coefficients
            .iter()
            .zip(&self.effects.coefficients)
            .enumerate()
            .map(|(c, (coef, &estimate))| {
                let s = se.as_ref().and_then(|s| s.get(k + c).copied());
                CoefficientEstimate {
                    name: coef.name.clone(),
                    estimate,
                    std_error: s,
                    lower_95: s.map(|s| estimate - Z_95 * s),
                    upper_95: s.map(|s| estimate + Z_95 * s),
                }
            })
            .collect()
    }
}

/// Fits the model `M` with covariates on grouped patterns. `unit` is recorded with the model.
///
/// # Errors
/// No data, an invalid penalty, [`Error::NotConverged`] (unless `opts.allow_unconverged`), the
/// driver's errors.
pub fn fit_with_covariates<M>(
    data: &CovariatePatterns<M::Obs>,
    design: &CovariateDesign,
    unit: TimeUnit,
    opts: &FitOptions,
    covariate_penalty: f64,
) -> Result<CovariateFit>
where
    M: LogLikelihood + Into<AnyModel>,
{
    let started = Instant::now();
    if !(covariate_penalty.is_finite() && covariate_penalty >= 0.0) {
        return Err(Error::InvalidOption {
            name: "--covariate-penalty",
            value: covariate_penalty.to_string(),
            reason: "must be finite and at least 0".into(),
        });
    }
    let n = data.total_weight();
    if data.is_empty() || !n.is_finite() || n <= 0.0 {
        return Err(Error::NoData {
            what: format!("cannot fit {} with covariates", M::NAME),
            reason: "no data".into(),
        });
    }
    // The model without covariates on the same customers: the null of the LR test, and the
    // first starting point (with every coefficient 0).
    let pooled = data.pooled();
    let without = fit::<M>(
        &pooled,
        &FitOptions {
            allow_unconverged: true,
            standard_errors: false,
            ..opts.clone()
        },
    )?;
    let m = design.len();
    let with_zeros = |p: Vec<f64>| {
        let mut p = p;
        p.extend(std::iter::repeat_n(0.0, m));
        p
    };
    let mut starts = Vec::new();
    if let Some(init) = &opts.initial {
        starts.push(Start::Lbfgs(init.clone()));
    }
    starts.push(Start::Lbfgs(with_zeros(without.model.params())));
    for s in default_starts::<M>(&pooled) {
        if let Start::Lbfgs(p) = s {
            starts.push(Start::Lbfgs(with_zeros(p)));
        }
    }
    let problem = CovariateProblem::<M> {
        design,
        data,
        n,
        penalty: covariate_penalty,
    };
    // Large data: as in the driver without covariates, the estimate on a systematic
    // subsample (every group subsampled alike) with its inverse Hessian is the first start.
    let n_patterns = data.n_patterns();
    if opts.initial.is_none() && n_patterns > WARM_START_PATTERNS {
        let k = (n_patterns / SUBSAMPLE_PATTERNS.max(1)).max(1);
        let sample = CovariatePatterns {
            groups: data
                .groups
                .iter()
                .map(|g| CovariateGroup {
                    x: g.x.clone(),
                    patterns: subsample(&g.patterns, (g.patterns.len() / k).max(1)),
                })
                .collect(),
        };
        // The subsample stands for the whole at 1/k of its weight: its penalty scales alike.
        let sample_problem = CovariateProblem::<M> {
            design,
            data: &sample,
            n: sample.total_weight(),
            penalty: covariate_penalty * sample.total_weight() / n,
        };
        let sample_opts = FitOptions {
            allow_unconverged: true,
            ..opts.clone()
        };
        if let Ok((run, _)) = best_run(&sample_problem, &starts, &sample_opts) {
            let p = sample_problem.params_at(&run.theta);
            let warm = match run.inverse_hessian {
                Some(inv) => Start::Warm(p, inv),
                None => Start::Lbfgs(p),
            };
            starts.insert(0, warm);
        }
    }
    let (run, tried) = best_run(&problem, &starts, opts)?;
    let converged = require_converged(M::NAME, &run, opts)?;
    let params = problem.params_at(&run.theta);
    let (log_likelihood, _) = problem.ln_likelihood(&params)?;
    let k = M::PARAM_NAMES.len();
    let base = M::from_params(&params[..k])?;
    let unpenalised = opts.penalizer == 0.0 && covariate_penalty == 0.0;
    let Uncertainty {
        covariance,
        covariance_error,
        mut warnings,
    } = uncertainty_of(
        &run,
        n,
        opts,
        unpenalised,
        &problem.jacobian(&params),
        || problem_covariance(&problem, &params),
    );
    if !unpenalised {
        warnings
            .push("penalised fit: the LR test and standard errors ignore the penalty".to_string());
    }
    let lr_test = LrTest::new(log_likelihood, without.log_likelihood, m);
    let effects = CovariateEffects::new(base.clone().into(), design.clone(), params[k..].to_vec())?;
    let fitted = Fitted {
        model: base.into(),
        log_likelihood,
        n_obs: n,
        n_patterns: data.n_patterns(),
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
    };
    Ok(CovariateFit {
        fitted: FittedModel {
            fit: fitted,
            time_unit: unit,
        },
        effects,
        lr_test,
        covariate_penalty,
    })
}

/// Covariance of all parameters at `params` from the unpenalised observed information in θ,
/// mapped to the natural scale by the delta method.
fn problem_covariance<P: Problem>(problem: &P, params: &[f64]) -> Result<Vec<Vec<f64>>> {
    let theta = problem.theta_at(params);
    let k = problem.n_positive();
    let neg_hessian = hessian_from_gradient(&theta, |t| {
        let p = problem.params_at(t);
        let (_, mut g) = problem.ln_likelihood(&p)?;
        for (gi, pi) in g.iter_mut().zip(&p).take(k) {
            *gi *= pi;
        }
        Ok(g.iter().map(|v| -v).collect())
    })?;
    let cov_theta = invert_spd(&neg_hessian)?;
    Ok(delta_log_to_natural(&cov_theta, &problem.jacobian(params)))
}

/// Groups the customers of a summary by covariate vector (`covariates[i]` is the vector of
/// `summary.customers[i]`) into the observations of `M`: (x, t_x, T) histories for the purchase
/// models, the repeat customers' (x, m̄) for a spend model.
///
/// # Errors
/// [`Error::InvalidData`] when the lengths differ or a covariate is not finite; the
/// observation type's own errors (e.g. a repeat customer without a monetary value).
pub fn group_summary<M: LogLikelihood + ModelRole>(
    summary: &Summary,
    covariates: &[Vec<f64>],
) -> Result<CovariatePatterns<M::Obs>> {
    if covariates.len() != summary.customers.len() {
        return Err(Error::InvalidData {
            location: crate::error::Location::default().at_field("covariates"),
            reason: format!(
                "{} covariate rows for {} customers",
                covariates.len(),
                summary.customers.len()
            ),
        });
    }
    let spend = M::ROLE == Role::Spend;
    let mut by_x: std::collections::HashMap<Vec<u64>, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, (c, x)) in summary.customers.iter().zip(covariates).enumerate() {
        if spend && c.history.frequency < 1.0 {
            continue;
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(Error::InvalidData {
                location: crate::error::Location::default().at_field("covariates"),
                reason: format!("customer {}: covariate vector {x:?}", c.customer_id),
            });
        }
        let key: Vec<u64> = x.iter().map(|v| (v + 0.0).to_bits()).collect();
        by_x.entry(key).or_default().push(i);
    }
    let mut keyed: Vec<(Vec<u64>, Vec<usize>)> = by_x.into_iter().collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut groups = Vec::with_capacity(keyed.len());
    for (_, idx) in keyed {
        let sub = Summary::new(
            summary.unit,
            idx.iter().map(|&i| summary.customers[i].clone()).collect(),
        );
        let patterns = <M::Obs as Observation>::patterns(CustomerDataRef::Summary(&sub))?;
        if !patterns.is_empty() {
            groups.push(CovariateGroup {
                x: covariates[idx[0]].clone(),
                patterns,
            });
        }
    }
    Ok(CovariatePatterns { groups })
}

/// Fits a model of `kind` with covariates on a summary: `covariates[i]` is the covariate
/// vector of `summary.customers[i]` in the order of `design.columns`.
///
/// # Errors
/// [`Error::WrongModel`] for a model that takes no covariates (BG/BB); those of
/// [`group_summary`] and [`fit_with_covariates`].
pub fn fit_model_with_covariates(
    kind: ModelKind,
    summary: &Summary,
    covariates: &[Vec<f64>],
    design: &CovariateDesign,
    opts: &FitOptions,
    covariate_penalty: f64,
) -> Result<CovariateFit> {
    kind.visit(FitCovariates {
        summary,
        covariates,
        design,
        opts,
        covariate_penalty,
    })
}

struct FitCovariates<'a> {
    summary: &'a Summary,
    covariates: &'a [Vec<f64>],
    design: &'a CovariateDesign,
    opts: &'a FitOptions,
    covariate_penalty: f64,
}

impl ModelVisitor for FitCovariates<'_> {
    type Output = Result<CovariateFit>;
    fn visit<M>(self) -> Self::Output
    where
        M: LogLikelihood + ModelRole + Into<AnyModel>,
    {
        if M::COVARIATE_PARAMS.is_empty() {
            return Err(Error::WrongModel {
                found: M::NAME.to_string(),
                expected:
                    "a model that takes covariates (bg-nbd, mbg-nbd, pareto-nbd, nbd, gamma-gamma)",
            });
        }
        let data = group_summary::<M>(self.summary, self.covariates)?;
        fit_with_covariates::<M>(
            &data,
            self.design,
            self.summary.unit,
            self.opts,
            self.covariate_penalty,
        )
    }
}
