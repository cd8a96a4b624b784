#![doc = include_str!("../README.md")]
//!
//! # The library
//!
//! Every stage is a plain value that the next takes (the map is in `docs/ARCHITECTURE.md`):
//! a transaction log ([`data::Transactions`]) becomes a customer summary ([`data::Summary`]);
//! [`fit::fit_model`] fits any [`models::ModelKind`] on it and returns a
//! [`fit::FittedModel`] (parameters, standard errors, log-likelihood, convergence); the
//! fitted [`models::AnyModel`] hands out its purchase or spend model for [`predict`] and
//! [`validate`]; [`decide`] turns a log and per-customer values into decisions (descriptive
//! KPIs and simple CLV, value tiers, RFM segments, churn risk, CAC); [`io`] reads and writes the
//! files (CSV, SVG, JSON, the HTML report). `use btyd::prelude::*` brings the usual names.
//!
//! From the CDNOW sample log to CLV, checking the published E[Y(39) | x = 2, t_x = 30.43,
//! T = 38.86] = 1.226 of Fader, Hardie & Lee (2005a):
//!
//! ```
//! use std::path::Path;
//!
//! use btyd::data::{time::parse_date_arg, ColumnSpec};
//! use btyd::predict::{clv, predict_purchases};
//! use btyd::prelude::*;
//!
//! // The CDNOW 1/10 sample: no header, whitespace separated; columns master id, customer id,
//! // date (YYYYMMDD), number of CDs, dollar value.
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/CDNOW_sample.txt");
//! let read = ReadOptions {
//!     customer_col: Some(ColumnSpec::Index(2)),
//!     date_col: Some(ColumnSpec::Index(3)),
//!     amount_col: Some(ColumnSpec::Index(5)),
//!     has_header: false,
//!     ..ReadOptions::default()
//! };
//! let log = read_transactions(Path::new(path), &read)?;
//!
//! // Weekly summary, calibration to 1997-09-30, holdout to 1998-06-30 (39 weeks each).
//! let opts = SummaryOptions {
//!     unit: TimeUnit::Week,
//!     calibration_end: Some(parse_date_arg("1997-09-30", "calibration end")?),
//!     observation_end: Some(parse_date_arg("1998-06-30", "observation end")?),
//! };
//! let (summary, _report) = build_summary(&log, &opts)?;
//! assert_eq!(summary.customers.len(), 2357);
//!
//! // BG/NBD by maximum likelihood: r, α, a, b = 0.243, 4.414, 0.793, 2.426 in the paper.
//! let bg_nbd = fit_model(ModelKind::BgNbd, &summary, TimeUnit::Week, &FitOptions::default())?;
//! assert!(bg_nbd.converged);
//! let purchases = bg_nbd.model.purchase()?;
//!
//! // The paper's customer: 2 repeat purchases, the last at 30.43 weeks, observed 38.86 weeks.
//! let customer = History::new(2.0, 30.43, 38.86)?;
//! assert!((purchases.expected_purchases(&customer, 39.0)? - 1.226).abs() < 1e-3);
//!
//! // Expected purchases of every customer over the 39 holdout weeks.
//! let holdout = predict_purchases(purchases, &summary, 39.0)?;
//! let total: f64 = holdout.iter().map(|p| p.expected_purchases).sum();
//! assert!((total - 1653.4).abs() < 1.0);
//!
//! // Gamma-Gamma spend and one-year CLV in monthly steps at 10% a year, 30% margin.
//! let gamma_gamma =
//!     fit_model(ModelKind::GammaGamma, &summary, TimeUnit::Week, &FitOptions::default())?;
//! let opts = ClvOptions::monthly(52.0, TimeUnit::Week, DiscountRate::Annual(0.10))
//!     .with_margin(0.30);
//! let values = clv(purchases, gamma_gamma.model.spend()?, &summary, &opts)?;
//! assert_eq!(values.len(), 2357);
//! assert!(values.iter().all(|c| c.clv >= 0.0));
//! # Ok::<(), btyd::Error>(())
//! ```
#![warn(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod data;
pub mod decide;
pub mod error;
pub mod fit;
mod hash;
pub mod io;
pub mod models;
pub mod predict;
pub mod special;
pub mod validate;

pub use error::{Error, Result};

/// The types and traits most programs need: `use btyd::prelude::*;`.
pub mod prelude {
    pub use crate::data::{
        build_summary, read_transactions, read_transactions_from, CustomerData, CustomerDataRef,
        CustomerSummary, History, OpportunityHistory, OpportunitySummary, ReadOptions, Summary,
        SummaryOptions, TimeUnit, Transactions,
    };
    pub use crate::error::{Error, Result};
    pub use crate::fit::{fit, fit_model, FitOptions, Fitted, FittedModel, Termination};
    pub use crate::models::{
        AnyModel, BgBb, BgNbd, GammaGamma, LogLikelihood, MbgNbd, ModelKind, Nbd, OpportunityModel,
        ParetoNbd, PurchaseModel, Role, SpendModel,
    };
    pub use crate::predict::clv::{ClvOptions, DiscountRate, Horizon};
}
