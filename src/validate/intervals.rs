//! Parameter uncertainty of the holdout forecast (`btyd compare --interval`): the interval of
//! each model's predicted holdout total and of its mean per calibration-frequency class, from
//! normal draws of the log-parameters (see [`crate::predict::uncertainty`]).

use crate::data::{History, Summary};
use crate::error::{Error, Location, Result};
use crate::fit::FittedModel;
use crate::predict::uncertainty::{expected_purchases_intervals, purchase_draws};
use crate::predict::{normal_draws, Interval, Level};

use super::FrequencyClasses;

/// Intervals of a model's holdout forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct HoldoutIntervals {
    /// The predicted holdout total Σ E[Y(t*ᵢ) | xᵢ, t_xᵢ, Tᵢ] with its interval.
    pub total: Interval,
    /// Per frequency class, the mean predicted holdout purchases with its interval (`None`
    /// for an empty class).
    pub by_class: Vec<Option<Interval>>,
}

/// The intervals at `level` of the holdout forecast of `fitted` (each customer over their own
/// holdout duration), from `draws` normal draws of its log-parameters seeded with `seed`: the
/// total, and the class means (each class's total over its customers, divided by their
/// number, with the same draws).
///
/// # Errors
/// [`Error::InvalidData`] for a customer without holdout; [`Error::Numerical`] without a
/// covariance (a fit at an edge of the parameter space) or for a failing prediction.
pub fn holdout_intervals(
    fitted: &FittedModel,
    summary: &Summary,
    classes: FrequencyClasses,
    level: Level,
    draws: usize,
    seed: u64,
) -> Result<HoldoutIntervals> {
    let model = &fitted.fit.model;
    let cov = fitted
        .fit
        .covariance
        .as_ref()
        .ok_or_else(|| Error::Numerical {
            what: "holdout interval",
            inputs: format!("{}: the fit has no covariance matrix", model.name()),
        })?;
    let draws = normal_draws(model, cov, draws, seed)?;
    let draws = purchase_draws(&draws)?;
    let point = model.purchase()?;
    let rows = summary
        .customers
        .iter()
        .map(|c| match c.holdout {
            Some(h) => Ok((c.history, h.duration)),
            None => Err(Error::InvalidData {
                location: Location::default().at_field("duration_holdout"),
                reason: format!("customer '{}' has no holdout", c.customer_id),
            }),
        })
        .collect::<Result<Vec<(History, f64)>>>()?;
    let total = expected_purchases_intervals(point, &draws, &rows, level)?.total;
    let mut by_class = Vec::with_capacity(classes.len());
    for class in 0..classes.len() {
        let members: Vec<(History, f64)> = rows
            .iter()
            .filter(|(h, _)| classes.class_of(h.frequency) == class)
            .copied()
            .collect();
        if members.is_empty() {
            by_class.push(None);
            continue;
        }
        let n = members.len() as f64;
        let t = expected_purchases_intervals(point, &draws, &members, level)?.total;
        by_class.push(Some(Interval {
            point: t.point / n,
            lower: t.lower / n,
            upper: t.upper / n,
        }));
    }
    Ok(HoldoutIntervals { total, by_class })
}
