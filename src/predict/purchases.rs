//! Per-customer purchase predictions: P(alive) and expected purchases over a horizon.

use rayon::prelude::*;

use crate::data::{CustomerSummary, History, Summary};
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
        .map(|c| predict_customer(model, c, horizon(c)?))
        .collect()
}

/// P(alive) and E[Y(horizon) | x, t_x, T] of one customer.
///
/// # Errors
/// The model's error, or [`Error::InvalidData`] naming the customer when a value is not finite.
pub fn predict_customer(
    model: &dyn PurchaseModel,
    customer: &CustomerSummary,
    horizon: f64,
) -> Result<CustomerPrediction> {
    let prediction = unchecked_prediction(model, &customer.history, horizon)?;
    let CustomerPrediction {
        p_alive,
        expected_purchases,
    } = prediction;
    if !(p_alive.is_finite() && expected_purchases.is_finite()) {
        return Err(Error::InvalidData {
            location: Location::default().at_field("customer_id"),
            reason: format!(
                "customer {}: {} prediction is not finite (p_alive {p_alive}, expected purchases {expected_purchases})",
                customer.customer_id,
                model.name()
            ),
        });
    }
    Ok(prediction)
}

/// P(alive) and E[Y(horizon) | x, t_x, T] of a history, or `None` when the model fails or a
/// value is not finite ([`predict_customer`] then gives the error, naming the customer).
///
/// The values depend on the history and the horizon alone, so customers sharing a pattern
/// (x, t_x, T) share them bit for bit: this is what [`super::patterns`] caches.
pub fn history_prediction(
    model: &dyn PurchaseModel,
    history: &History,
    horizon: f64,
) -> Option<CustomerPrediction> {
    unchecked_prediction(model, history, horizon)
        .ok()
        .filter(|p| p.p_alive.is_finite() && p.expected_purchases.is_finite())
}

/// The model's P(alive) and E[Y(horizon) | x, t_x, T], not checked for finiteness.
fn unchecked_prediction(
    model: &dyn PurchaseModel,
    history: &History,
    horizon: f64,
) -> Result<CustomerPrediction> {
    let p_alive = model.p_alive(history);
    let expected_purchases = model.expected_purchases(history, horizon)?;
    Ok(CustomerPrediction {
        p_alive,
        expected_purchases,
    })
}
