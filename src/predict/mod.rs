//! Predictions from fitted models: per-customer purchases and customer lifetime value.
//!
//! [`customers`] is the entry point for a model of any kind ([`predict_rows`],
//! [`customer_values`]); [`purchases`] gives P(alive) and expected purchases per customer of a
//! continuous-time model; [`clv`](mod@clv) multiplies a purchase model's discounted expected
//! purchases by a spend model's expected spend and a margin, with the time unit and discounting
//! explicit, and [`clv_opportunities`](mod@clv_opportunities) does the same per opportunity for
//! a discrete-time model; [`patterns`] computes such values once per distinct history
//! (x, t_x, T) of a batch of customers; [`tables`] computes grids such as the P(alive) matrix; [`uncertainty`] gives intervals of
//! all of these from parameter draws (normal or bootstrap); [`quadrature`]
//! is the small adaptive integrator of continuous discounting (it lives in
//! [`crate::special::quadrature`], where the Pareto/NBD P(X(t) = n) also uses it).

pub mod clv;
pub mod clv_opportunities;
pub mod customers;
pub mod patterns;
pub mod purchases;
pub mod tables;
pub mod uncertainty;

pub use crate::special::quadrature;

pub use clv::{
    clv, customer_clv, customer_clv_values, dert, dert_by_quadrature,
    discounted_purchases_discrete, month_in, purchase_values, ClvOptions, ClvValues, Convention,
    CustomerClv, DiscountRate, Discounting, Horizon, PurchaseValues, Schedule,
};
pub use clv_opportunities::clv_opportunities;
pub use customers::{customer_values, expected_total, predict_rows};
pub use patterns::PatternIndex;
pub use purchases::{
    history_prediction, predict_customer, predict_purchases, predict_purchases_with,
    CustomerPrediction,
};
pub use tables::{p_alive_matrix, PAliveMatrix};
pub use uncertainty::{
    clv_intervals, count_quantiles, expected_purchases_intervals, normal_draws,
    prediction_intervals, quantile_type7, Interval, Level, RowIntervals,
};
