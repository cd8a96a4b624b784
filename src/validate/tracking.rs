//! Tracking: repeat transactions per period over calibration and holdout, actual and expected.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::data::{TimeUnit, Transactions};
use crate::error::{Error, Result};
use crate::models::PurchaseModel;

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
    /// [`Error::CalibrationAfterObservation`] when the calibration end is after the observation
    /// end;
    /// [`Error::NoData`] when no customer's first purchase is on or before the calibration end.
    pub fn from_transactions(
        tx: &Transactions,
        unit: TimeUnit,
        calibration_end: NaiveDate,
        observation_end: NaiveDate,
    ) -> Result<Self> {
        crate::data::split::check_calibration_end(calibration_end, observation_end)?;
        let cohort: Vec<_> = tx
            .customers()
            .filter(|c| c.days.first().is_some_and(|d| d.date <= calibration_end))
            .collect();
        let start = cohort
            .iter()
            .filter_map(|c| c.days.first())
            .map(|d| d.date)
            .min()
            .ok_or_else(|| Error::NoData {
                what: "cannot track repeat transactions".into(),
                reason: format!(
                    "no customer made a first purchase on or before the calibration end \
                     {calibration_end}"
                ),
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
