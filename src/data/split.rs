//! The calibration/holdout split at a cut-off date.
//!
//! A customer's purchase days up to and including the calibration end make the calibration
//! history (x, t_x, T); the days in (calibration end, observation end] make the holdout columns,
//! as in lifetimes' `calibration_and_holdout_data`.

use chrono::NaiveDate;

use super::log::Days;
use super::{Holdout, TimeUnit};
use crate::error::{Error, Result};

/// Checks that the calibration period ends no later than the observation period.
///
/// # Errors
/// [`Error::CalibrationAfterObservation`] when `calibration_end` is after `observation_end`.
pub fn check_calibration_end(calibration_end: NaiveDate, observation_end: NaiveDate) -> Result<()> {
    if calibration_end > observation_end {
        return Err(Error::CalibrationAfterObservation {
            calibration_end,
            observation_end,
        });
    }
    Ok(())
}

/// Splits sorted purchase days into those on or before `calibration_end` and those after.
pub fn split_days(days: Days<'_>, calibration_end: NaiveDate) -> (Days<'_>, Days<'_>) {
    days.split_at_date(calibration_end)
}

/// The holdout columns from the purchase days after the calibration end: their number, their
/// mean (daily, merged) amount or 0 when there are none, and the holdout length in `unit`.
pub fn holdout(
    holdout_days: Days<'_>,
    calibration_end: NaiveDate,
    observation_end: NaiveDate,
    unit: TimeUnit,
) -> Holdout {
    Holdout {
        frequency: holdout_days.len() as f64,
        monetary_value: mean_amount(holdout_days),
        duration: unit.between(calibration_end, observation_end),
    }
}

/// The mean amount of some purchase days, 0 for none.
pub(crate) fn mean_amount(days: Days<'_>) -> f64 {
    if days.is_empty() {
        0.0
    } else {
        days.amounts().iter().sum::<f64>() / days.len() as f64
    }
}
