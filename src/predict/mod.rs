//! Predictions from fitted models: per-customer purchases and customer lifetime value.
//!
//! [`purchases`] gives P(alive) and expected purchases per customer; [`clv`](mod@clv)
//! multiplies a purchase model's discounted expected purchases by a spend model's expected
//! spend and a margin, with the time unit and discounting explicit; [`quadrature`] is the small
//! adaptive integrator it uses for continuous discounting.

pub mod clv;
pub mod clv_discrete;
pub mod purchases;
pub mod quadrature;

pub use clv::{
    clv, customer_clv, dert, dert_by_quadrature, discounted_purchases_discrete, month_in,
    ClvOptions, Convention, CustomerClv, DiscountRate, Discounting, Horizon, Schedule,
};
pub use clv_discrete::clv_discrete;
pub use purchases::{predict_purchases, predict_purchases_with, CustomerPrediction};
