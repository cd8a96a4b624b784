//! Predictions from fitted models, per customer.

pub mod purchases;

pub use purchases::{predict_purchases, CustomerPrediction};
