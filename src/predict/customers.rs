//! Predictions for customer data of any form from a model of any kind: the one entry point
//! that `predict` and `clv` use, choosing the computation from the model's role and the data.
//!
//! | model role | data | per row |
//! |---|---|---|
//! | purchase | continuous-time summary | customer: P(alive), E[Y(t) \| x, t_x, T] |
//! | opportunity | opportunity summary | customer: P(alive), E[X(n, n + t) \| x, t_x, n] |
//! | opportunity | opportunity patterns | pattern: P(alive), E[X(n, n + t) \| x, t_x, n] |

use rayon::prelude::*;

use super::clv::{clv, ClvOptions, Convention, CustomerClv};
use super::clv_opportunities::clv_opportunities;
use super::purchases::{predict_purchases, CustomerPrediction};
use crate::data::{CustomerDataRef, OpportunityHistory};
use crate::error::{Error, Result};
use crate::models::{AnyModel, OpportunityModel, SpendModel};

/// Most opportunities a prediction horizon may span.
pub const MAX_HORIZON_OPPORTUNITIES: f64 = u32::MAX as f64;

/// P(alive) and expected purchases over `horizon` for every row of `data` (a customer, or a
/// pattern of opportunity patterns), in row order. For an opportunity model the horizon is a
/// whole number of opportunities.
///
/// # Errors
/// [`Error::WrongData`] when the data do not suit the model ([`Error::WrongModel`] for a spend
/// model); an invalid horizon; the model's errors, naming the customer.
pub fn predict_rows<'a>(
    model: &AnyModel,
    data: impl Into<CustomerDataRef<'a>>,
    horizon: f64,
) -> Result<Vec<CustomerPrediction>> {
    let data = data.into();
    match data {
        CustomerDataRef::Summary(summary) => predict_purchases(model.purchase()?, summary, horizon),
        CustomerDataRef::Opportunities(summary) => {
            let histories: Vec<_> = summary.customers.iter().map(|c| c.history).collect();
            predict_opportunities(model.opportunity()?, &histories, horizon)
        }
        CustomerDataRef::OpportunityPatterns(patterns) => {
            predict_opportunities(model.opportunity()?, &patterns.obs, horizon)
        }
    }
}

/// P(alive) and E[X(n, n + horizon) | x, t_x, n] for each history, horizon in whole
/// opportunities.
fn predict_opportunities(
    model: &dyn OpportunityModel,
    histories: &[OpportunityHistory],
    horizon: f64,
) -> Result<Vec<CustomerPrediction>> {
    if !(horizon >= 0.0 && horizon.fract() == 0.0 && horizon <= MAX_HORIZON_OPPORTUNITIES) {
        return Err(Error::InvalidOption {
            name: "horizon",
            value: horizon.to_string(),
            reason: format!(
                "for {} the horizon is a whole number of periods (opportunities)",
                model.name()
            ),
        });
    }
    let future = horizon as u32;
    Ok(histories
        .par_iter()
        .map(|h| CustomerPrediction {
            p_alive: model.p_alive(h),
            expected_purchases: model.expected_purchases(h, future),
        })
        .collect())
}

/// The CLV of every customer of `data` with a purchase model of any role and a spend model:
/// a continuous-time model on a summary ([`clv`]), or an opportunity model on an opportunity
/// summary ([`clv_opportunities`], discounted per opportunity; only
/// [`Convention::ModelSteps`] applies).
///
/// # Errors
/// [`Error::WrongData`] / [`Error::WrongModel`] for data or models that do not go together;
/// [`Error::InvalidOption`] for options that do not apply; those of [`clv`] and
/// [`clv_opportunities`].
pub fn customer_values<'a>(
    purchases: &AnyModel,
    spend: &dyn SpendModel,
    data: impl Into<CustomerDataRef<'a>>,
    opts: &ClvOptions,
) -> Result<Vec<CustomerClv>> {
    match data.into() {
        CustomerDataRef::Summary(summary) => clv(purchases.purchase()?, spend, summary, opts),
        CustomerDataRef::Opportunities(summary) => {
            let model = purchases.opportunity()?;
            if opts.convention != Convention::ModelSteps {
                return Err(Error::InvalidOption {
                    name: "discounting",
                    value: format!("{:?}", opts.convention),
                    reason: format!(
                        "{} discounts per opportunity (one {}): --continuous and --step do not \
                         apply",
                        model.name(),
                        summary.period
                    ),
                });
            }
            clv_opportunities(
                model,
                spend,
                summary,
                opts.horizon,
                opts.discount,
                opts.margin,
            )
        }
        other @ CustomerDataRef::OpportunityPatterns(_) => Err(crate::data::wrong_data(
            other,
            "customers with ids and monetary values (btyd summary --discrete)",
        )),
    }
}

/// Σ over rows of weight × expected purchases: the expected total of a customer base, each
/// pattern of opportunity patterns counted with its weight.
pub fn expected_total<'a>(
    data: impl Into<CustomerDataRef<'a>>,
    rows: &[CustomerPrediction],
) -> f64 {
    match data.into() {
        CustomerDataRef::OpportunityPatterns(p) => p
            .weights
            .iter()
            .zip(rows)
            .map(|(w, r)| w * r.expected_purchases)
            .sum(),
        _ => rows.iter().map(|r| r.expected_purchases).sum(),
    }
}
