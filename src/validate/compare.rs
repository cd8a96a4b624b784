//! Fitting every model variant on the calibration period, checking each, and ranking them.

use std::time::{Duration, Instant};

use super::calibration::{calibration_fit, CalibrationFit};
use super::holdout::{evaluate_holdout, ClassMeans, FrequencyClasses, HoldoutEvaluation};
use super::tracking::Tracking;
use crate::data::Summary;
use crate::error::Result;
use crate::fit::{fit_model, FitOptions, FittedModel};
use crate::models::{ModelKind, PurchaseModel, Role};

/// A fitted model and every check on it.
#[derive(Debug)]
pub struct Evaluated {
    /// The fitted model: parameters, LL, AIC, BIC, convergence.
    pub fitted: FittedModel,
    /// Holdout forecasts and errors.
    pub holdout: HoldoutEvaluation,
    /// Mean holdout purchases by calibration frequency.
    pub by_frequency: ClassMeans,
    /// Calibration histogram and χ².
    pub calibration: CalibrationFit,
    /// Expected cumulative repeat transactions per tracking period, when tracking was asked for.
    pub tracking: Option<Vec<f64>>,
}

impl Evaluated {
    /// The purchase model.
    ///
    /// # Errors
    /// [`crate::Error::WrongModel`] when it is not a continuous-time purchase model.
    pub fn model(&self) -> Result<&dyn PurchaseModel> {
        self.fitted.model.purchase()
    }
}

/// One model variant of a comparison: fitted and checked, or the error that stopped it.
#[derive(Debug)]
pub struct ModelEvaluation {
    /// Which model.
    pub kind: ModelKind,
    /// Wall time of the fit (optimiser and standard errors).
    pub fit_time: Duration,
    /// The fitted model and its checks, or why it failed (e.g. [`crate::Error::NotConverged`]).
    pub outcome: Result<Evaluated>,
}

/// Fits `kind` on the calibration part of `summary` with `opts` and runs every check: the
/// holdout forecast, the by-frequency table, the calibration histogram and, when `tracking` is
/// given, the expected tracking curve (Fader, Hardie & Lee 2005a, §7). A failure (the fit not
/// converging, a numerical error) is returned in [`ModelEvaluation::outcome`], never as a panic.
pub fn evaluate_model(
    kind: ModelKind,
    opts: &FitOptions,
    summary: &Summary,
    classes: FrequencyClasses,
    tracking: Option<&Tracking>,
) -> ModelEvaluation {
    let started = Instant::now();
    let fitted = fit_model(kind, summary, summary.unit, opts);
    let fit_time = started.elapsed();
    let outcome = fitted.and_then(|fitted| {
        let model = fitted.model.purchase()?;
        let holdout = evaluate_holdout(model, summary)?;
        let by_frequency = holdout.by_frequency(summary, classes)?;
        let calibration = calibration_fit(model, summary, classes)?;
        let tracking = tracking.map(|t| t.expected_cumulative(model)).transpose()?;
        Ok(Evaluated {
            fitted,
            holdout,
            by_frequency,
            calibration,
            tracking,
        })
    });
    ModelEvaluation {
        kind,
        fit_time,
        outcome,
    }
}

/// How a comparison ranks its models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RankBy {
    /// Smallest mean absolute error of the per-customer holdout forecasts first.
    #[default]
    HoldoutMae,
    /// Smallest AIC (calibration fit, penalised for the number of parameters) first.
    Aic,
}

impl RankBy {
    /// A short description for reports, e.g. "holdout MAE".
    pub fn describe(self) -> &'static str {
        match self {
            RankBy::HoldoutMae => "holdout MAE",
            RankBy::Aic => "AIC",
        }
    }
}

/// The order of `evaluations` by `by`, best first; failed models last, in their given order.
pub fn rank(evaluations: &[ModelEvaluation], by: RankBy) -> Vec<usize> {
    let key = |e: &ModelEvaluation| {
        e.outcome.as_ref().ok().map(|v| match by {
            RankBy::HoldoutMae => v.holdout.mae,
            RankBy::Aic => v.fitted.aic(),
        })
    };
    let mut order: Vec<usize> = (0..evaluations.len()).collect();
    order.sort_by(
        |&i, &j| match (key(&evaluations[i]), key(&evaluations[j])) {
            (Some(a), Some(b)) => a.total_cmp(&b),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        },
    );
    order
}

/// What to compare and how.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// The models, in the order given.
    pub models: Vec<ModelKind>,
    /// Frequency classes of the tables.
    pub classes: FrequencyClasses,
    /// Ranking of the table.
    pub rank_by: RankBy,
    /// Model of the P(alive) plot; the best-ranked fitted one when `None`.
    pub p_alive_model: Option<ModelKind>,
    /// Iteration limits for some models.
    pub max_iters: Vec<(ModelKind, u64)>,
}

impl CompareOptions {
    /// Every continuous-time purchase model, default classes, ranked by holdout MAE.
    pub fn all_models() -> Self {
        CompareOptions {
            models: ModelKind::with_role(Role::Purchase),
            classes: FrequencyClasses::default(),
            rank_by: RankBy::HoldoutMae,
            p_alive_model: None,
            max_iters: Vec::new(),
        }
    }

    /// The fit options of `kind`: the defaults with its iteration limit, if one is set.
    pub fn fit_options(&self, kind: ModelKind) -> FitOptions {
        let mut opts = FitOptions::default();
        if let Some(&(_, n)) = self.max_iters.iter().rev().find(|(k, _)| *k == kind) {
            opts.max_iters = n;
        }
        opts
    }
}

/// A finished comparison: the evaluations and their ranking.
#[derive(Debug)]
pub struct Comparison {
    /// One per model, in the order requested.
    pub evaluations: Vec<ModelEvaluation>,
    /// Indices into `evaluations`, best first.
    pub order: Vec<usize>,
}

impl Comparison {
    /// Number of models that were fitted and checked.
    pub fn succeeded(&self) -> usize {
        self.evaluations
            .iter()
            .filter(|e| e.outcome.is_ok())
            .count()
    }

    /// The successful evaluations, in requested order.
    pub fn fitted(&self) -> impl Iterator<Item = (ModelKind, &Evaluated)> {
        self.evaluations
            .iter()
            .filter_map(|e| e.outcome.as_ref().ok().map(|v| (e.kind, v)))
    }

    /// The best-ranked fitted model, if any.
    pub fn best(&self) -> Option<(ModelKind, &Evaluated)> {
        self.order.iter().find_map(|&i| {
            let e = &self.evaluations[i];
            e.outcome.as_ref().ok().map(|v| (e.kind, v))
        })
    }
}

/// Where a comparison is, for progress reports.
#[derive(Debug)]
pub enum Stage<'a> {
    /// A model is about to be fitted and checked.
    Starting(ModelKind),
    /// A model is done (fitted and checked, or failed).
    Done(&'a ModelEvaluation),
}

/// Fits and checks every model of `options` on a calibration/holdout summary (see
/// [`evaluate_model`]) and ranks them; `tracking`, when given, adds each model's tracking
/// curve. `progress` hears of each model as it starts and ends. A model that fails is reported
/// in its evaluation; the others still run.
pub fn compare(
    summary: &Summary,
    tracking: Option<&Tracking>,
    options: &CompareOptions,
    mut progress: impl FnMut(Stage<'_>),
) -> Comparison {
    let mut evaluations = Vec::with_capacity(options.models.len());
    for &kind in &options.models {
        progress(Stage::Starting(kind));
        let e = evaluate_model(
            kind,
            &options.fit_options(kind),
            summary,
            options.classes,
            tracking,
        );
        progress(Stage::Done(&e));
        evaluations.push(e);
    }
    let order = rank(&evaluations, options.rank_by);
    Comparison { evaluations, order }
}
