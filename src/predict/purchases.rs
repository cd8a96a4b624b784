//! Per-customer purchase predictions: P(alive) and expected purchases over a horizon.

use rayon::prelude::*;

use crate::data::{CustomerSummary, Summary};
use crate::error::{Error, Location, Result};
use crate::models::PurchaseModel;

/// One customer's predictions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerPrediction {
    /// P(alive | x, t_x, T).
    pub p_alive: f64,
    /// E[Y(horizon) | x, t_x, T].
    pub expected_purchases: f64,
}

/// P(alive) and E[Y(horizon) | x, t_x, T] for every customer of a summary, in row order
/// (computed in parallel).
///
/// # Errors
/// The model's error for a customer, or [`Error::InvalidData`] naming the customer when a value
/// is not finite (never written as NaN).
pub fn predict_purchases(
    model: &dyn PurchaseModel,
    summary: &Summary,
    horizon: f64,
) -> Result<Vec<CustomerPrediction>> {
    predict_purchases_with(model, summary, |_| Ok(horizon))
}

/// [`predict_purchases`] with each customer's own horizon, e.g. the holdout duration of a
/// calibration/holdout summary.
///
/// # Errors
/// Those of [`predict_purchases`] and of `horizon`.
pub fn predict_purchases_with<H>(
    model: &dyn PurchaseModel,
    summary: &Summary,
    horizon: H,
) -> Result<Vec<CustomerPrediction>>
where
    H: Fn(&CustomerSummary) -> Result<f64> + Sync,
{
    summary
        .customers
        .par_iter()
        .map(|c| {
            let horizon = horizon(c)?;
            let p_alive = model.p_alive(&c.history);
            let expected_purchases = model.expected_purchases(&c.history, horizon)?;
            if !(p_alive.is_finite() && expected_purchases.is_finite()) {
                return Err(Error::InvalidData {
                    location: Location::default().at_field("customer_id"),
                    reason: format!(
                        "customer {}: {} prediction is not finite (p_alive {p_alive}, expected purchases {expected_purchases})",
                        c.customer_id,
                        model.name()
                    ),
                });
            }
            Ok(CustomerPrediction { p_alive, expected_purchases })
        })
        .collect()
}
