//! Holdout forecasts: conditional expectations against the purchases of the holdout period,
//! per customer, in total, and by calibration frequency class.

use crate::data::Summary;
use crate::error::{Error, Location, Result};
use crate::models::PurchaseModel;
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
    /// [`Error::InvalidOption`] when `cut` is 0 (a single class compares nothing).
    pub fn new(cut: u32) -> Result<Self> {
        if cut == 0 {
            return Err(Error::InvalidOption {
                name: "frequency cut",
                value: cut.to_string(),
                reason: "must be at least 1 (classes 0, ..., cut-1 and cut+)".into(),
            });
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
        return Err(no_customers());
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
    /// Mean absolute error of the per-customer forecasts, (1/N) Σ |E\[Yᵢ\] − yᵢ|.
    pub mae: f64,
    /// Root mean squared error of the per-customer forecasts, √((1/N) Σ (E\[Yᵢ\] − yᵢ)²).
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
        c.holdout
            .map(|h| h.duration)
            .ok_or_else(|| Error::InvalidData {
                location: Location::default().at_field("duration_holdout"),
                reason: format!("customer '{}' has no holdout", c.customer_id),
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
    /// [`Error::InvalidOption`] when `summary` has another number of rows.
    pub fn by_frequency(&self, summary: &Summary, classes: FrequencyClasses) -> Result<ClassMeans> {
        if summary.customers.len() != self.actual.len() {
            return Err(Error::InvalidOption {
                name: "summary",
                value: format!("{} customers", summary.customers.len()),
                reason: format!("the evaluation has {}", self.actual.len()),
            });
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

/// The error for a summary without customers.
pub(super) fn no_customers() -> Error {
    Error::NoData {
        what: "cannot validate".into(),
        reason: "the summary has no customers".into(),
    }
}
