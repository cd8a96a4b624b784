//! Holdout validation and model comparison: how well fitted purchase models describe the
//! calibration period and forecast the holdout period.
//!
//! The checks are those of Fader, Hardie & Lee (2005a), "Counting Your Customers the Easy Way:
//! An Alternative to the Pareto/NBD Model", *Marketing Science* 24(2), 275–284, §7, where the
//! BG/NBD and Pareto/NBD models are compared on the CDNOW sample:
//!
//! | check | function |
//! |---|---|
//! | calibration fit: expected vs actual number of customers making x = 0, 1, …, 7+ repeat purchases, χ² | [`calibration_fit`] |
//! | conditional expectations over the holdout period, per customer and in total; MAE, RMSE | [`evaluate_holdout`] |
//! | mean holdout purchases by calibration frequency, actual vs predicted | [`HoldoutEvaluation::by_frequency`] |
//! | cumulative and weekly (per period) repeat transactions, actual vs model, over calibration + holdout | [`Tracking`] |
//! | log-likelihood, AIC, BIC, fit time of each variant | [`evaluate_model`], [`rank`] |
//!
//! Times are in the summary's [`TimeUnit`]; each customer's holdout horizon is their own
//! `duration_holdout`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::data::{Summary, TimeUnit, Transactions};
use crate::error::{Error, Location, Result};
use crate::fit::FitOptions;
use crate::io::ModelFile;
use crate::models::{ModelKind, PurchaseModel};
use crate::predict::{predict_purchases_with, CustomerPrediction};

/// The default cut of the frequency classes: 0, 1, …, 6 and 7+ as in Fader, Hardie & Lee
/// (2005a), §7.
pub const DEFAULT_FREQUENCY_CUT: u32 = 7;

/// Frequency classes 0, 1, …, cut − 1 and "cut+" (the last class collects every larger x).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrequencyClasses {
    cut: u32,
}

impl Default for FrequencyClasses {
    fn default() -> Self {
        FrequencyClasses {
            cut: DEFAULT_FREQUENCY_CUT,
        }
    }
}

impl FrequencyClasses {
    /// Classes 0, …, `cut` − 1 and `cut`+.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `cut` is 0 (a single class compares nothing).
    pub fn new(cut: u32) -> Result<Self> {
        if cut == 0 {
            return Err(Error::InvalidArgument(
                "the frequency cut must be at least 1 (classes 0, ..., cut-1 and cut+)".into(),
            ));
        }
        Ok(FrequencyClasses { cut })
    }

    /// The cut: the first frequency of the open last class.
    pub fn cut(self) -> u32 {
        self.cut
    }

    /// Number of classes (cut + 1).
    pub fn len(self) -> usize {
        self.cut as usize + 1
    }

    /// Always false: there is at least the class 0 and the open class.
    pub fn is_empty(self) -> bool {
        false
    }

    /// The class of a frequency x (a whole number ≥ 0).
    pub fn class_of(self, frequency: f64) -> usize {
        if frequency >= f64::from(self.cut) {
            self.cut as usize
        } else {
            frequency.max(0.0) as usize
        }
    }

    /// Labels `0`, `1`, …, `cut+`.
    pub fn labels(self) -> Vec<String> {
        (0..self.cut)
            .map(|x| x.to_string())
            .chain(std::iter::once(format!("{}+", self.cut)))
            .collect()
    }
}

/// The holdout columns of every customer, or an error naming the first row without them.
fn holdouts(summary: &Summary) -> Result<Vec<crate::data::Holdout>> {
    if summary.customers.is_empty() {
        return Err(Error::InvalidArgument(
            "the summary has no customers".into(),
        ));
    }
    summary
        .customers
        .iter()
        .map(|c| {
            c.holdout.ok_or_else(|| Error::InvalidData {
                location: Location::default().at_field("frequency_holdout"),
                reason: format!(
                    "customer '{}' has no holdout columns: validation needs a calibration/holdout \
                     summary (split at a calibration end)",
                    c.customer_id
                ),
            })
        })
        .collect()
}

/// A purchase model's conditional expectations over each customer's holdout period, against
/// the purchases actually made then.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldoutEvaluation {
    /// Per customer, in summary row order: P(alive | x, t_x, T) and E[Y(t*) | x, t_x, T] with
    /// t* the customer's own `duration_holdout`.
    pub predictions: Vec<CustomerPrediction>,
    /// Actual holdout purchases (`frequency_holdout`), in summary row order.
    pub actual: Vec<f64>,
    /// Σ E[Y(t*)] over the customers.
    pub predicted_total: f64,
    /// Σ actual holdout purchases.
    pub actual_total: f64,
    /// Mean absolute error of the per-customer forecasts, (1/N) Σ |E[Yᵢ] − yᵢ|.
    pub mae: f64,
    /// Root mean squared error of the per-customer forecasts, √((1/N) Σ (E[Yᵢ] − yᵢ)²).
    pub rmse: f64,
}

/// Mean actual and predicted holdout purchases per calibration frequency class.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassMeans {
    /// The classes.
    pub classes: FrequencyClasses,
    /// Customers in each class.
    pub customers: Vec<usize>,
    /// Mean actual holdout purchases per class, `None` for an empty class.
    pub actual: Vec<Option<f64>>,
    /// Mean E[Y(t*) | x, t_x, T] per class, `None` for an empty class.
    pub predicted: Vec<Option<f64>>,
}

/// Conditional expectations of `model` over each customer's own holdout duration, compared
/// with the holdout purchases: totals, mean absolute error and root mean squared error.
///
/// This is the holdout check of Fader, Hardie & Lee (2005a), §7, where Σ E[Y(39) | x, t_x, T]
/// over the 2,357 CDNOW customers is set against the 1,882 actual repeat purchases of weeks
/// 40–78.
///
/// # Errors
/// [`Error::InvalidData`] when a row has no holdout columns or a prediction is not finite;
/// the model's errors.
pub fn evaluate_holdout(model: &dyn PurchaseModel, summary: &Summary) -> Result<HoldoutEvaluation> {
    let holdout = holdouts(summary)?;
    let predictions = predict_purchases_with(model, summary, |c| {
        c.holdout.map(|h| h.duration).ok_or_else(|| {
            Error::InvalidArgument(format!("customer '{}' has no holdout", c.customer_id))
        })
    })?;
    let actual: Vec<f64> = holdout.iter().map(|h| h.frequency).collect();
    let n = actual.len() as f64;
    let (mut abs, mut sq) = (0.0, 0.0);
    for (p, y) in predictions.iter().zip(&actual) {
        let e = p.expected_purchases - y;
        abs += e.abs();
        sq += e * e;
    }
    Ok(HoldoutEvaluation {
        predicted_total: predictions.iter().map(|p| p.expected_purchases).sum(),
        actual_total: actual.iter().sum(),
        mae: abs / n,
        rmse: (sq / n).sqrt(),
        predictions,
        actual,
    })
}

impl HoldoutEvaluation {
    /// Mean actual and predicted holdout purchases by calibration frequency class: the
    /// conditional-expectation table of Fader, Hardie & Lee (2005a), §7 (x = 0, …, 6, 7+).
    ///
    /// `summary` must be the one the evaluation was made on (same rows, same order).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `summary` has another number of rows.
    pub fn by_frequency(&self, summary: &Summary, classes: FrequencyClasses) -> Result<ClassMeans> {
        if summary.customers.len() != self.actual.len() {
            return Err(Error::InvalidArgument(format!(
                "the summary has {} customers but the evaluation {}",
                summary.customers.len(),
                self.actual.len()
            )));
        }
        let k = classes.len();
        let mut customers = vec![0usize; k];
        let mut actual = vec![0.0; k];
        let mut predicted = vec![0.0; k];
        for ((c, p), y) in summary
            .customers
            .iter()
            .zip(&self.predictions)
            .zip(&self.actual)
        {
            let i = classes.class_of(c.history.frequency);
            customers[i] += 1;
            actual[i] += y;
            predicted[i] += p.expected_purchases;
        }
        let mean = |sums: Vec<f64>| -> Vec<Option<f64>> {
            sums.into_iter()
                .zip(&customers)
                .map(|(s, &n)| (n > 0).then(|| s / n as f64))
                .collect()
        };
        Ok(ClassMeans {
            classes,
            actual: mean(actual),
            predicted: mean(predicted),
            customers,
        })
    }
}

/// Expected against actual numbers of customers by calibration frequency, with Pearson's χ².
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationFit {
    /// The classes.
    pub classes: FrequencyClasses,
    /// Customers with each number of calibration repeat purchases (the last class open).
    pub observed: Vec<f64>,
    /// Σᵢ P(X(Tᵢ) = x) per class, with the open class 1 − Σ of the others per customer.
    pub expected: Vec<f64>,
    /// Σ (O − E)² / E over the classes.
    pub chi_square: f64,
}

impl CalibrationFit {
    /// Degrees of freedom of the χ² test: classes − 1 − `n_params`, `None` when not positive.
    pub fn degrees_of_freedom(&self, n_params: usize) -> Option<usize> {
        self.classes
            .len()
            .checked_sub(1 + n_params)
            .filter(|&d| d > 0)
    }

    /// The χ² test's p-value, P(χ²_df ≥ statistic), when the degrees of freedom are positive.
    pub fn p_value(&self, n_params: usize) -> Option<f64> {
        use statrs::distribution::{ChiSquared, ContinuousCDF};
        let df = self.degrees_of_freedom(n_params)?;
        let dist = ChiSquared::new(df as f64).ok()?;
        Some(dist.sf(self.chi_square))
    }
}

/// The calibration-period fit of a purchase model: how many customers it expects to make
/// x = 0, 1, …, cut − 1 and cut or more repeat purchases, each customer over their own T, against
/// the observed histogram, and Pearson's χ² = Σ (O − E)² / E.
///
/// This is the histogram check of Fader, Hardie & Lee (2005a), §7 (their χ² over the classes
/// 0, …, 6, 7+ is 4.82 for BG/NBD and 11.99 for Pareto/NBD on CDNOW).
///
/// # Formula
/// ```text
/// E_x = Σᵢ P(X(Tᵢ) = x),  x < cut;    E_cut+ = Σᵢ [1 − Σ_{x<cut} P(X(Tᵢ) = x)]
/// ```
///
/// # Numerics
/// Customers are grouped by T, so the probabilities are computed once per distinct age.
///
/// # Errors
/// The model's errors; [`Error::InvalidArgument`] for an empty summary; [`Error::Numerical`]
/// when an expected count is not positive and finite.
pub fn calibration_fit(
    model: &dyn PurchaseModel,
    summary: &Summary,
    classes: FrequencyClasses,
) -> Result<CalibrationFit> {
    if summary.customers.is_empty() {
        return Err(Error::InvalidArgument(
            "the summary has no customers".into(),
        ));
    }
    let k = classes.len();
    let mut observed = vec![0.0; k];
    let mut ages: BTreeMap<u64, f64> = BTreeMap::new();
    for c in &summary.customers {
        observed[classes.class_of(c.history.frequency)] += 1.0;
        *ages.entry(c.history.age.to_bits()).or_insert(0.0) += 1.0;
    }
    let ages: Vec<(f64, f64)> = ages
        .into_iter()
        .map(|(bits, n)| (f64::from_bits(bits), n))
        .collect();
    let per_age: Vec<Vec<f64>> = ages
        .par_iter()
        .map(|&(age, n)| {
            let mut p = Vec::with_capacity(k);
            for x in 0..classes.cut() {
                p.push(model.p_purchases(u64::from(x), age)?);
            }
            let open = (1.0 - p.iter().sum::<f64>()).max(0.0);
            p.push(open);
            Ok(p.into_iter().map(|q| n * q).collect())
        })
        .collect::<Result<_>>()?;
    let mut expected = vec![0.0; k];
    for row in &per_age {
        for (e, v) in expected.iter_mut().zip(row) {
            *e += v;
        }
    }
    let mut chi_square = 0.0;
    for (i, (o, e)) in observed.iter().zip(&expected).enumerate() {
        if !(e.is_finite() && *e > 0.0) {
            return Err(Error::Numerical {
                what: "expected calibration histogram",
                inputs: format!(
                    "{}: class {} expects {e} customers",
                    model.name(),
                    classes.labels()[i]
                ),
            });
        }
        chi_square += (o - e) * (o - e) / e;
    }
    Ok(CalibrationFit {
        classes,
        observed,
        expected,
        chi_square,
    })
}

/// Repeat transactions per period over calibration and holdout, for tracking plots: the actual
/// counts and, per model, the expected cumulative counts of a cohort whose customers enter at
/// their first purchase.
///
/// Time runs from the earliest first purchase (day 0) in the summary's unit; period k
/// (1-based) is [(k − 1)·u, k·u) where u is one time unit, the last one ending with the
/// observation end day. A repeat transaction is a purchase day after the customer's first;
/// transactions after the observation end are not counted. The cohort is the customers whose
/// first purchase is on or before the calibration end, as in the calibration summary.
///
/// This is the tracking check of Fader, Hardie & Lee (2005a), §7 (their cumulative and weekly
/// repeat-transaction plots over weeks 1–78 of CDNOW).
#[derive(Debug, Clone, PartialEq)]
pub struct Tracking {
    /// The time unit (one period).
    pub unit: TimeUnit,
    /// Day 0: the earliest first purchase of the cohort.
    pub start: NaiveDate,
    /// End of each period, in units after `start` (the last one may be shorter).
    pub period_ends: Vec<f64>,
    /// End of the calibration period (end of the calibration end day), in units after `start`.
    pub calibration_end: f64,
    /// Actual repeat transactions in each period.
    pub actual_incremental: Vec<f64>,
    /// (birth time in units after `start`, number of customers born then).
    births: Vec<(f64, f64)>,
}

impl Tracking {
    /// The actual side of the tracking check from a transaction log, cut into periods of one
    /// `unit`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the calibration end is after the observation end or no
    /// customer's first purchase is on or before the calibration end.
    pub fn from_transactions(
        tx: &Transactions,
        unit: TimeUnit,
        calibration_end: NaiveDate,
        observation_end: NaiveDate,
    ) -> Result<Self> {
        crate::data::split::check_calibration_end(calibration_end, observation_end)?;
        let cohort: Vec<_> = tx
            .customers
            .iter()
            .filter(|c| c.days.first().is_some_and(|d| d.date <= calibration_end))
            .collect();
        let start = cohort
            .iter()
            .filter_map(|c| c.days.first())
            .map(|d| d.date)
            .min()
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "no customer made a first purchase on or before the calibration end {calibration_end}"
                ))
            })?;
        let days_from_start = |d: NaiveDate| (d - start).num_days() as f64;
        let span = days_from_start(observation_end) + 1.0;
        let period = unit.days();
        // Periods of whole units; a remainder shorter than a thousandth of a period is rounding.
        let n = ((span / period) - 1e-3).ceil().max(1.0) as usize;
        let period_ends: Vec<f64> = (1..=n)
            .map(|k| unit.from_days((k as f64 * period).min(span)))
            .collect();
        let mut actual_incremental = vec![0.0; n];
        let mut births: BTreeMap<i64, f64> = BTreeMap::new();
        for c in &cohort {
            if let Some(first) = c.days.first() {
                *births.entry((first.date - start).num_days()).or_insert(0.0) += 1.0;
            }
            for d in c.days.iter().skip(1).filter(|d| d.date <= observation_end) {
                let k = ((days_from_start(d.date) / period).floor() as usize).min(n - 1);
                actual_incremental[k] += 1.0;
            }
        }
        Ok(Tracking {
            unit,
            start,
            period_ends,
            calibration_end: unit.from_days(days_from_start(calibration_end) + 1.0),
            actual_incremental,
            births: births
                .into_iter()
                .map(|(d, n)| (unit.from_days(d as f64), n))
                .collect(),
        })
    }

    /// Number of customers in the cohort.
    pub fn customers(&self) -> f64 {
        self.births.iter().map(|b| b.1).sum()
    }

    /// Actual cumulative repeat transactions at the end of each period.
    pub fn actual_cumulative(&self) -> Vec<f64> {
        cumulative(&self.actual_incremental)
    }

    /// Number of periods that end on or before the calibration end.
    pub fn calibration_periods(&self) -> usize {
        self.period_ends
            .iter()
            .take_while(|&&t| t <= self.calibration_end + 1e-9)
            .count()
    }

    /// The model's expected cumulative repeat transactions at the end of each period.
    ///
    /// # Formula
    /// ```text
    /// E[cumulative at t] = Σ_{i: bᵢ < t} E[X(t − bᵢ)]
    /// ```
    /// with bᵢ the birth (first purchase) time of customer i, continuous at day resolution, and
    /// E[X(t)] the model's expected purchases of a new customer (Fader, Hardie & Lee 2005a, eq. 9).
    ///
    /// # Errors
    /// The model's errors; [`Error::Numerical`] for a non-finite expectation.
    pub fn expected_cumulative(&self, model: &dyn PurchaseModel) -> Result<Vec<f64>> {
        self.period_ends
            .par_iter()
            .map(|&t| {
                let mut total = 0.0;
                for &(b, n) in self.births.iter().take_while(|(b, _)| *b < t) {
                    total += n * model.expected_purchases_new(t - b)?;
                }
                if total.is_finite() {
                    Ok(total)
                } else {
                    Err(Error::Numerical {
                        what: "expected cumulative repeat transactions",
                        inputs: format!("{} at t = {t}", model.name()),
                    })
                }
            })
            .collect()
    }
}

/// Running sums of per-period counts.
pub fn cumulative(incremental: &[f64]) -> Vec<f64> {
    incremental
        .iter()
        .scan(0.0, |acc, v| {
            *acc += v;
            Some(*acc)
        })
        .collect()
}

/// Per-period differences of cumulative counts (the first period's count is its cumulative).
pub fn incremental(cumulative: &[f64]) -> Vec<f64> {
    let mut prev = 0.0;
    cumulative
        .iter()
        .map(|&c| {
            let d = c - prev;
            prev = c;
            d
        })
        .collect()
}

/// A fitted model and every check on it.
#[derive(Debug)]
pub struct Evaluated {
    /// The fitted model file: parameters, LL, AIC, BIC, convergence.
    pub file: ModelFile,
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
    /// The purchase model of the file.
    ///
    /// # Errors
    /// Those of [`ModelFile::purchase_model`].
    pub fn model(&self) -> Result<Box<dyn PurchaseModel>> {
        self.file.purchase_model()
    }
}

/// One model variant of a comparison: fitted and checked, or the error that stopped it.
#[derive(Debug)]
pub struct ModelEvaluation {
    /// Which model.
    pub kind: ModelKind,
    /// Wall time of the fit (optimiser and standard errors).
    pub fit_time: Duration,
    /// The fitted model and its checks, or why it failed (e.g. [`Error::NotConverged`]).
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
    let fitted = ModelFile::fit(kind, summary, opts);
    let fit_time = started.elapsed();
    let outcome = fitted.and_then(|file| {
        let model = file.purchase_model()?;
        let holdout = evaluate_holdout(model.as_ref(), summary)?;
        let by_frequency = holdout.by_frequency(summary, classes)?;
        let calibration = calibration_fit(model.as_ref(), summary, classes)?;
        let tracking = tracking
            .map(|t| t.expected_cumulative(model.as_ref()))
            .transpose()?;
        Ok(Evaluated {
            file,
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
            RankBy::Aic => v.file.aic,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{CustomerSummary, History, Holdout};
    use crate::models::BgNbd;

    fn customer(id: &str, x: f64, t_x: f64, t: f64, y: f64) -> CustomerSummary {
        CustomerSummary {
            customer_id: id.into(),
            history: History::new(x, t_x, t).unwrap(),
            monetary_value: None,
            holdout: Some(Holdout {
                frequency: y,
                monetary_value: 0.0,
                duration: 10.0,
            }),
        }
    }

    #[test]
    fn frequency_classes() {
        let c = FrequencyClasses::new(3).unwrap();
        assert_eq!(c.labels(), ["0", "1", "2", "3+"]);
        assert_eq!([0.0, 2.0, 3.0, 40.0].map(|x| c.class_of(x)), [0, 2, 3, 3]);
        assert!(FrequencyClasses::new(0).is_err());
    }

    #[test]
    fn holdout_errors_and_class_means() {
        // BG/NBD published CDNOW parameters (Fader, Hardie & Lee 2005a).
        let m = BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap();
        let s = Summary::new(
            TimeUnit::Week,
            vec![
                customer("a", 0.0, 0.0, 30.0, 1.0),
                customer("b", 2.0, 20.0, 30.0, 0.0),
                customer("c", 2.0, 29.0, 30.0, 4.0),
            ],
        );
        let e = evaluate_holdout(&m, &s).unwrap();
        let p: Vec<f64> = s
            .customers
            .iter()
            .map(|c| m.expected_purchases(&c.history, 10.0).unwrap())
            .collect();
        let errs = [p[0] - 1.0, p[1], p[2] - 4.0];
        assert!((e.mae - errs.iter().map(|v| v.abs()).sum::<f64>() / 3.0).abs() < 1e-12);
        let mse = errs.iter().map(|v| v * v).sum::<f64>() / 3.0;
        assert!((e.rmse - mse.sqrt()).abs() < 1e-12);
        assert_eq!(e.actual_total, 5.0);
        let by = e
            .by_frequency(&s, FrequencyClasses::new(2).unwrap())
            .unwrap();
        assert_eq!(by.customers, [1, 0, 2]);
        assert_eq!(by.actual, [Some(1.0), None, Some(2.0)]);
        assert!((by.predicted[2].unwrap() - (p[1] + p[2]) / 2.0).abs() < 1e-12);

        let mut no_holdout = s.clone();
        no_holdout.customers[1].holdout = None;
        let err = evaluate_holdout(&m, &no_holdout).unwrap_err().to_string();
        assert!(err.contains("customer 'b' has no holdout"), "{err}");
    }

    #[test]
    fn calibration_fit_sums_to_the_customers() {
        let m = BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap();
        let s = Summary::new(
            TimeUnit::Week,
            vec![
                customer("a", 0.0, 0.0, 30.0, 1.0),
                customer("b", 2.0, 20.0, 30.0, 0.0),
                customer("c", 5.0, 29.0, 35.0, 4.0),
            ],
        );
        let f = calibration_fit(&m, &s, FrequencyClasses::new(3).unwrap()).unwrap();
        assert_eq!(f.observed, [1.0, 0.0, 1.0, 1.0]);
        assert!((f.expected.iter().sum::<f64>() - 3.0).abs() < 1e-12);
        let want = 2.0 * m.p_purchases(0, 30.0).unwrap() + m.p_purchases(0, 35.0).unwrap();
        assert!((f.expected[0] - want).abs() < 1e-12);
        let chi: f64 = f
            .observed
            .iter()
            .zip(&f.expected)
            .map(|(o, e)| (o - e) * (o - e) / e)
            .sum();
        assert!((f.chi_square - chi).abs() < 1e-12);
        assert_eq!(f.degrees_of_freedom(4), None);
        assert_eq!(f.degrees_of_freedom(1), Some(2));
    }

    #[test]
    fn cumulative_and_incremental_are_inverse() {
        let inc = [1.0, 0.0, 3.5, 2.0];
        assert_eq!(cumulative(&inc), [1.0, 1.0, 4.5, 6.5]);
        assert_eq!(incremental(&cumulative(&inc)), inc);
    }

    #[test]
    fn ranks_failures_last() {
        let failed = |kind| ModelEvaluation {
            kind,
            fit_time: Duration::ZERO,
            outcome: Err(Error::InvalidArgument("boom".into())),
        };
        let evals = [failed(ModelKind::BgNbd), failed(ModelKind::BgNbd)];
        assert_eq!(rank(&evals, RankBy::Aic), [0, 1]);
    }
}
