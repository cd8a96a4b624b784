//! Customer data: transaction logs, per-customer summaries and their sufficient statistics.
//!
//! # Symbols
//! The literature's symbols, used once here and by name everywhere else:
//!
//! | field | symbol | meaning |
//! |---|---|---|
//! | `frequency` | x | number of **repeat** purchase periods (distinct days with a purchase, minus one) |
//! | `recency` | t_x | time from the first to the last purchase (0 when x = 0) |
//! | `age` | T | time from the first purchase to the end of observation (CSV column `T`) |
//! | `monetary_value` | m̄ (z̄) | mean value of the repeat purchases (first purchase excluded), 0 when x = 0 |
//!
//! All times are in the summary's [`TimeUnit`].

pub mod compress;
pub mod discrete;
pub mod log;
pub mod split;
pub mod summary;
pub mod time;

pub use compress::{compress, Patterns};
pub use discrete::{discrete_summary, DiscreteReport};
pub use log::{
    read_transactions, read_transactions_from, ColumnSpec, Delimiter, ReadOptions, Transactions,
};
pub use summary::{build_summary, build_summary_owned, SummaryOptions, SummaryReport};
pub use time::{DateFormat, TimeUnit};

use chrono::NaiveDate;

use crate::error::{Error, Location, Result};

/// One customer's purchase history in the summary form every continuous-time BTYD model uses:
/// (x, t_x, T).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct History {
    /// x: number of repeat purchases.
    pub frequency: f64,
    /// t_x: time of the last purchase, measured from the first.
    pub recency: f64,
    /// T: time from the first purchase to the end of observation.
    pub age: f64,
}

impl History {
    /// A history, checked as lifetimes' `_check_inputs` does: finite, non-negative, integer
    /// frequency, recency <= T, and recency = 0 when frequency = 0.
    pub fn new(frequency: f64, recency: f64, age: f64) -> Result<Self> {
        let h = History {
            frequency,
            recency,
            age,
        };
        h.validate().map_err(|reason| Error::InvalidData {
            location: Location::default(),
            reason,
        })?;
        Ok(h)
    }

    /// Checks the history; the error names the first violated rule.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let History {
            frequency: x,
            recency: t_x,
            age: t,
        } = *self;
        if !(x.is_finite() && t_x.is_finite() && t.is_finite()) {
            return Err(format!(
                "non-finite value (frequency {x}, recency {t_x}, T {t})"
            ));
        }
        if x < 0.0 || t_x < 0.0 || t < 0.0 {
            return Err(format!(
                "negative value (frequency {x}, recency {t_x}, T {t})"
            ));
        }
        if x.fract() != 0.0 {
            return Err(format!("frequency {x} is not a whole number"));
        }
        if t_x > t {
            return Err(format!("recency {t_x} is greater than T {t}"));
        }
        if x == 0.0 && t_x != 0.0 {
            return Err(format!("recency {t_x} is not 0 although frequency is 0"));
        }
        Ok(())
    }
}

/// Holdout-period columns of a calibration/holdout summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Holdout {
    /// Number of purchase days in the holdout period (`frequency_holdout`).
    pub frequency: f64,
    /// Mean value of those purchases, 0 when there are none (`monetary_value_holdout`).
    pub monetary_value: f64,
    /// Length of the holdout period in the time unit (`duration_holdout`).
    pub duration: f64,
}

/// One row of a customer summary.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerSummary {
    /// The customer's identifier as it appears in the log.
    pub customer_id: String,
    /// (x, t_x, T) over the calibration period.
    pub history: History,
    /// m̄: mean value of the repeat purchases, when the log has amounts.
    pub monetary_value: Option<f64>,
    /// Holdout columns, when the summary was split at a calibration end.
    pub holdout: Option<Holdout>,
}

/// A per-customer summary table in one time unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Unit of recency, T and holdout duration.
    pub unit: TimeUnit,
    /// One row per customer.
    pub customers: Vec<CustomerSummary>,
    /// End of observation, when known (a summary read back from CSV does not record it).
    pub observation_end: Option<NaiveDate>,
    /// End of the calibration period, when the summary was split and the date is known.
    pub calibration_end: Option<NaiveDate>,
}

impl Summary {
    /// A summary of `customers` in `unit` with no recorded dates.
    pub fn new(unit: TimeUnit, customers: Vec<CustomerSummary>) -> Self {
        Summary {
            unit,
            customers,
            observation_end: None,
            calibration_end: None,
        }
    }

    /// The (x, t_x, T) histories, in row order.
    pub fn histories(&self) -> impl Iterator<Item = History> + '_ {
        self.customers.iter().map(|c| c.history)
    }

    /// Whether every row has a monetary value.
    pub fn has_monetary_value(&self) -> bool {
        !self.customers.is_empty() && self.customers.iter().all(|c| c.monetary_value.is_some())
    }

    /// Whether every row has holdout columns.
    pub fn has_holdout(&self) -> bool {
        !self.customers.is_empty() && self.customers.iter().all(|c| c.holdout.is_some())
    }
}
