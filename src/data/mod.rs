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
pub mod log;
pub mod opportunities;
pub(crate) mod packed_id;
pub mod spend;
pub mod split;
pub mod summary;
pub mod time;

pub use compress::{compress, Observation, PatternKey, Patterns};
pub use log::{
    read_transactions, read_transactions_from, ColumnSpec, Delimiter, ReadOptions, Transactions,
};
pub use opportunities::{
    opportunity_history, opportunity_patterns, opportunity_summary, OpportunityCustomer,
    OpportunityHistory, OpportunityReport, OpportunitySummary,
};
pub(crate) use spend::{describe_bad_spend, spend_of, SpendSample, MAX_REPORTED_ROWS};
pub use spend::{spend_observations, Spend};
pub use summary::{
    build_summary, build_summary_owned, summary_blocks, SummaryOptions, SummaryPlan, SummaryReport,
};
pub use time::{DateFormat, TimeUnit};

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::error::{Error, Location, Num, Result};

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
        let (x, t_x, t) = (Num(x), Num(t_x), Num(t));
        if !(x.0.is_finite() && t_x.0.is_finite() && t.0.is_finite()) {
            return Err(format!(
                "non-finite value (frequency {x}, recency {t_x}, T {t})"
            ));
        }
        if x.0 < 0.0 || t_x.0 < 0.0 || t.0 < 0.0 {
            return Err(format!(
                "negative value (frequency {x}, recency {t_x}, T {t})"
            ));
        }
        if x.0.fract() != 0.0 {
            return Err(format!("frequency {x} is not a whole number"));
        }
        if t_x.0 > t.0 {
            return Err(format!("recency {t_x} is greater than T {t}"));
        }
        if x.0 == 0.0 && t_x.0 != 0.0 {
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

/// Customer data as read from a file: what a model is fitted on or predicts for.
#[derive(Debug, Clone, PartialEq)]
pub enum CustomerData {
    /// A continuous-time summary, (x, t_x, T) per customer: the purchase models, and the
    /// spend model on its monetary values.
    Summary(Summary),
    /// A per-customer discrete-time summary of transaction opportunities, (x, t_x, n): BG/BB,
    /// and the spend model on its monetary values.
    Opportunities(OpportunitySummary),
    /// Weighted (x, t_x, n) patterns without customer ids (e.g. `donations.csv`): BG/BB.
    OpportunityPatterns(Patterns<OpportunityHistory>),
}

/// A continuous-time customer summary reduced to what fitting needs, read without keeping
/// the customers (see `btyd::io::read_summary_patterns`): the weighted unique (x, t_x, T)
/// histories of all customers and the (x, m̄) spend patterns of the repeat customers. Fitting
/// on it ([`crate::fit::fit_model_on_patterns`]) gives the model fitting on the summary gives.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryPatterns {
    /// Unit of recency and T.
    pub unit: TimeUnit,
    /// Number of customers (rows).
    pub customers: u64,
    /// The customers' (x, t_x, T), compressed (what [`compress`] gives on the summary).
    pub histories: Patterns<History>,
    /// The spend sample, or why there is none.
    spend: SpendSample,
}

impl SummaryPatterns {
    /// Patterns of `customers` customers in `unit`; `spend` is the spend sample.
    pub(crate) fn new(
        unit: TimeUnit,
        customers: u64,
        histories: Patterns<History>,
        spend: SpendSample,
    ) -> Self {
        SummaryPatterns {
            unit,
            customers,
            histories,
            spend,
        }
    }

    /// The repeat customers' (x, m̄) patterns, as [`spend_observations`] gives them on the
    /// summary.
    ///
    /// # Errors
    /// Those of [`spend_observations`] (no monetary values, repeat customers with an invalid
    /// one, naming the first ten, or no repeat customer).
    pub fn spend(&self) -> Result<Patterns<Spend>> {
        self.spend.to_result().cloned()
    }

    /// [`SummaryPatterns::spend`], borrowed.
    pub(crate) fn spend_ref(&self) -> Result<&Patterns<Spend>> {
        self.spend.to_result()
    }
}

/// A borrowed view of [`CustomerData`], so a fit or a prediction can run on a summary the
/// caller keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CustomerDataRef<'a> {
    /// See [`CustomerData::Summary`].
    Summary(&'a Summary),
    /// See [`CustomerData::Opportunities`].
    Opportunities(&'a OpportunitySummary),
    /// See [`CustomerData::OpportunityPatterns`].
    OpportunityPatterns(&'a Patterns<OpportunityHistory>),
}

impl CustomerDataRef<'_> {
    /// What the data are, for messages ("a continuous-time summary", ...).
    pub fn describe(&self) -> &'static str {
        match self {
            CustomerDataRef::Summary(_) => "a continuous-time customer summary",
            CustomerDataRef::Opportunities(_) => "a discrete-time (opportunity) summary",
            CustomerDataRef::OpportunityPatterns(_) => "discrete-time (opportunity) patterns",
        }
    }

    /// The time unit of recency and T, or the length of one opportunity; `None` for patterns.
    pub fn unit(&self) -> Option<TimeUnit> {
        match self {
            CustomerDataRef::Summary(s) => Some(s.unit),
            CustomerDataRef::Opportunities(s) => Some(s.period),
            CustomerDataRef::OpportunityPatterns(_) => None,
        }
    }
}

impl<'a> From<&'a CustomerData> for CustomerDataRef<'a> {
    fn from(data: &'a CustomerData) -> Self {
        match data {
            CustomerData::Summary(s) => CustomerDataRef::Summary(s),
            CustomerData::Opportunities(s) => CustomerDataRef::Opportunities(s),
            CustomerData::OpportunityPatterns(p) => CustomerDataRef::OpportunityPatterns(p),
        }
    }
}

impl<'a> From<&'a Summary> for CustomerDataRef<'a> {
    fn from(s: &'a Summary) -> Self {
        CustomerDataRef::Summary(s)
    }
}

impl<'a> From<&'a OpportunitySummary> for CustomerDataRef<'a> {
    fn from(s: &'a OpportunitySummary) -> Self {
        CustomerDataRef::Opportunities(s)
    }
}

impl<'a> From<&'a Patterns<OpportunityHistory>> for CustomerDataRef<'a> {
    fn from(p: &'a Patterns<OpportunityHistory>) -> Self {
        CustomerDataRef::OpportunityPatterns(p)
    }
}

/// The error for data of the wrong form, e.g. opportunity patterns given to BG/NBD.
pub(crate) fn wrong_data(data: CustomerDataRef<'_>, needs: &'static str) -> Error {
    Error::WrongData {
        found: data.describe(),
        expected: needs,
    }
}

impl Observation for History {
    fn patterns(data: CustomerDataRef<'_>) -> Result<Patterns<Self>> {
        match data {
            CustomerDataRef::Summary(s) => Ok(compress(s.histories().map(|h| (h, 1.0)))),
            other => Err(wrong_data(
                other,
                "a continuous-time summary (customer_id, frequency, recency, T)",
            )),
        }
    }

    fn summary_patterns(data: &SummaryPatterns) -> Result<Cow<'_, Patterns<Self>>> {
        Ok(Cow::Borrowed(&data.histories))
    }
}

impl Observation for OpportunityHistory {
    fn patterns(data: CustomerDataRef<'_>) -> Result<Patterns<Self>> {
        match data {
            CustomerDataRef::Opportunities(s) => Ok(s.patterns()),
            CustomerDataRef::OpportunityPatterns(p) => Ok(p.clone()),
            other => Err(wrong_data(
                other,
                "discrete-time opportunities (btyd summary --discrete, or frequency, recency, \
                 periods, weights patterns)",
            )),
        }
    }
}
