//! Transaction log -> per-customer summary (x, t_x, T[, m̄][, holdout]) in a [`TimeUnit`].
//!
//! Definitions are those of lifetimes' `summary_data_from_transaction_data` and
//! `calibration_and_holdout_data` with `freq='D'` and a `freq_multiplier` of the unit's length
//! in days (so weeks are days / 7):
//! - purchases on the same day are one purchase, with their amounts summed;
//! - frequency x = number of distinct purchase days in the calibration period, minus one;
//! - recency t_x = last minus first purchase day; T = calibration (or observation) end minus
//!   first purchase day, both in the unit;
//! - monetary value m̄ = mean of the merged daily amounts of the repeat days (first day
//!   excluded), 0 when x = 0;
//! - holdout: see [`super::split`]. Customers whose first purchase is after the calibration end
//!   are left out and counted in [`SummaryReport::excluded`].

use chrono::NaiveDate;
use rayon::prelude::*;

use super::log::{CustomerLog, Transactions};
use super::split::{check_calibration_end, holdout, mean_amount, split_days};
use super::{CustomerSummary, History, Summary, TimeUnit};
use crate::error::{Error, Location, Quoted, Result};

/// How to summarise a log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummaryOptions {
    /// Unit of recency, T and holdout duration.
    pub unit: TimeUnit,
    /// End of observation; defaults to the last date in the log.
    pub observation_end: Option<NaiveDate>,
    /// End of the calibration period; when given, holdout columns are added.
    pub calibration_end: Option<NaiveDate>,
}

impl SummaryOptions {
    /// Options for `unit` with no explicit dates.
    pub fn new(unit: TimeUnit) -> Self {
        SummaryOptions {
            unit,
            observation_end: None,
            calibration_end: None,
        }
    }
}

/// Counts describing how a summary was built, for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryReport {
    /// Transaction rows read.
    pub rows: u64,
    /// Distinct (customer, day) purchases in the whole log.
    pub purchase_days: u64,
    /// Customers in the summary.
    pub customers: usize,
    /// Customers with at least one repeat purchase in the calibration period.
    pub repeaters: usize,
    /// Customers left out because their first purchase is after the calibration end.
    pub excluded: usize,
    /// Earliest date in the log.
    pub first_date: NaiveDate,
    /// Latest date in the log.
    pub last_date: NaiveDate,
    /// The observation end used.
    pub observation_end: NaiveDate,
    /// The calibration end, when the summary has holdout columns.
    pub calibration_end: Option<NaiveDate>,
}

/// Builds the per-customer summary of a log.
///
/// # Errors
/// [`Error::InvalidData`] naming the file and line of a transaction after the observation end,
/// or a customer whose amounts sum to a non-finite value; [`Error::CalibrationAfterObservation`] when the
/// calibration end is after the observation end.
pub fn build_summary(tx: &Transactions, opts: &SummaryOptions) -> Result<(Summary, SummaryReport)> {
    let mut customers = Vec::with_capacity(tx.customer_count());
    let report = summary_blocks(tx, opts, usize::MAX, |block| {
        customers.extend(block.customers);
        Ok(())
    })?;
    let summary = Summary {
        unit: opts.unit,
        customers,
        observation_end: Some(report.observation_end),
        calibration_end: report.calibration_end,
    };
    Ok((summary, report))
}

/// As [`build_summary`], consuming the log, which is freed once summarised.
///
/// # Errors
/// As [`build_summary`].
pub fn build_summary_owned(
    tx: Transactions,
    opts: &SummaryOptions,
) -> Result<(Summary, SummaryReport)> {
    build_summary(&tx, opts)
}

/// Builds the summary of a log in blocks of up to `block_customers` customers, in log order,
/// handing each non-empty block to `sink`: the CLI writes a large summary this way without
/// ever holding it whole. Customers are summarised in parallel.
///
/// The checks of [`build_summary`] all come before the first block (see [`SummaryPlan`]):
/// `sink` is called only when the whole summary can be built.
///
/// # Errors
/// As [`build_summary`]; an error from `sink`, which stops the summary.
pub fn summary_blocks(
    tx: &Transactions,
    opts: &SummaryOptions,
    block_customers: usize,
    sink: impl FnMut(Summary) -> Result<()>,
) -> Result<SummaryReport> {
    SummaryPlan::new(tx, opts)?.blocks(block_customers, sink)
}

/// A summary of a log that passed every check and can be built, in blocks.
pub struct SummaryPlan<'a> {
    tx: &'a Transactions,
    plan: Plan,
}

impl<'a> SummaryPlan<'a> {
    /// Checks that the summary of `tx` can be built with `opts`, in the order [`build_summary`]
    /// does: the period ends, then the customers' amounts (the first customer in log order
    /// whose amounts add up to a non-finite value), then that some customer is summarised.
    ///
    /// # Errors
    /// As [`build_summary`].
    pub fn new(tx: &'a Transactions, opts: &SummaryOptions) -> Result<Self> {
        let (observation_end, end) = period_ends(tx, opts)?;
        let plan = Plan {
            unit: opts.unit,
            observation_end,
            end,
            calibration_end: opts.calibration_end,
            has_amounts: tx.has_amounts,
        };
        if tx.has_amounts {
            let bad = tx
                .par_customers()
                .find_map_first(|c| (!plan.amounts_finite(c)).then_some(c.id));
            if let Some(id) = bad {
                return Err(Error::InvalidData {
                    location: Location::file(&tx.source),
                    reason: format!(
                        "the amounts of customer {} add up to a non-finite value",
                        Quoted(id)
                    ),
                });
            }
        }
        let none_before_end = tx
            .par_customers()
            .all(|c| c.days.first().is_none_or(|d| d.date > end));
        if none_before_end {
            return Err(Error::NoData {
                what: format!("cannot summarise {}", tx.source.display()),
                reason: format!(
                    "no customer made a first purchase on or before {end} (the log starts {})",
                    tx.first_date
                ),
            });
        }
        Ok(SummaryPlan { tx, plan })
    }

    /// Number of customers of the log (summarised or excluded).
    pub fn customers(&self) -> usize {
        self.tx.customer_count()
    }

    /// The observation end used.
    pub fn observation_end(&self) -> NaiveDate {
        self.plan.observation_end
    }

    /// Builds the summary in blocks of up to `block_customers` customers of the log (fewer
    /// rows when some are excluded), in log order, handing each non-empty block to `sink`.
    ///
    /// # Errors
    /// An error from `sink`, which stops the summary.
    pub fn blocks(
        &self,
        block_customers: usize,
        mut sink: impl FnMut(Summary) -> Result<()>,
    ) -> Result<SummaryReport> {
        let (tx, plan) = (self.tx, &self.plan);
        let total = tx.customer_count();
        let block = block_customers.max(1);
        let (mut customers, mut repeaters) = (0, 0);
        let mut start = 0;
        while start < total {
            let stop = total.min(start.saturating_add(block));
            let rows: Vec<CustomerSummary> = (start..stop)
                .into_par_iter()
                .filter_map(|i| plan.summarise(tx.customer(i)?))
                .collect();
            start = stop;
            if rows.is_empty() {
                continue;
            }
            customers += rows.len();
            repeaters += rows.iter().filter(|c| c.history.frequency > 0.0).count();
            sink(Summary {
                unit: plan.unit,
                customers: rows,
                observation_end: Some(plan.observation_end),
                calibration_end: plan.calibration_end,
            })?;
        }
        Ok(SummaryReport {
            rows: tx.rows,
            purchase_days: tx.purchase_days(),
            customers,
            repeaters,
            excluded: total - customers,
            first_date: tx.first_date,
            last_date: tx.last_date,
            observation_end: plan.observation_end,
            calibration_end: plan.calibration_end,
        })
    }
}

/// What a summary needs to know besides the customers.
struct Plan {
    unit: TimeUnit,
    observation_end: NaiveDate,
    /// End of the period summarised (calibration end, else observation end).
    end: NaiveDate,
    calibration_end: Option<NaiveDate>,
    has_amounts: bool,
}

impl Plan {
    /// The summary row of a customer; `None` when its first purchase is after the end.
    fn summarise(&self, c: CustomerLog<'_>) -> Option<CustomerSummary> {
        let (calibration, after) = split_days(c.days, self.end);
        if calibration.is_empty() {
            return None;
        }
        let unit = self.unit;
        let history = History {
            frequency: (calibration.len() - 1) as f64,
            recency: unit.from_days(calibration.span_days() as f64),
            age: unit.from_days(calibration.days_from_first_to(self.end) as f64),
        };
        let monetary_value = self
            .has_amounts
            .then(|| mean_amount(calibration.split_at(1).1));
        let holdout = self
            .calibration_end
            .map(|c| holdout(after, c, self.observation_end, unit));
        Some(CustomerSummary {
            customer_id: c.id.to_string(),
            history,
            monetary_value,
            holdout,
        })
    }

    /// Whether the customer's mean amounts (calibration and holdout) are finite.
    fn amounts_finite(&self, c: CustomerLog<'_>) -> bool {
        let (calibration, after) = split_days(c.days, self.end);
        calibration.is_empty()
            || (mean_amount(calibration.split_at(1).1).is_finite()
                && (self.calibration_end.is_none() || mean_amount(after).is_finite()))
    }
}

/// The observation end (default: the log's last date) and the end of the period summarised
/// (the calibration end when given, else the observation end), checked against the log.
///
/// # Errors
/// A transaction after the observation end (naming its line), or a calibration end after the
/// observation end.
pub fn period_ends(tx: &Transactions, opts: &SummaryOptions) -> Result<(NaiveDate, NaiveDate)> {
    let observation_end = opts.observation_end.unwrap_or(tx.last_date);
    if tx.last_date > observation_end {
        return Err(Error::InvalidData {
            location: Location::file(&tx.source)
                .at_line(tx.last_date_line)
                .at_field(&tx.date_field),
            reason: format!(
                "transaction on {} is after the observation end {observation_end}",
                tx.last_date
            ),
        });
    }
    if let Some(c) = opts.calibration_end {
        check_calibration_end(c, observation_end)?;
    }
    Ok((
        observation_end,
        opts.calibration_end.unwrap_or(observation_end),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::log::{read_transactions_from, ReadOptions};

    fn date(s: &str) -> NaiveDate {
        crate::data::time::parse_date_arg(s, "test").unwrap()
    }

    const LOG: &str = "id,date,amount\n\
        a,2020-01-01,10\na,2020-01-01,5\na,2020-01-08,20\na,2020-01-15,40\n\
        b,2020-01-10,7\nc,2020-01-20,3\na,2020-01-25,1\nb,2020-01-25,2\n";

    #[test]
    fn follows_the_lifetimes_definitions() {
        let tx = read_transactions_from(LOG.as_bytes(), "log", &ReadOptions::default()).unwrap();
        let opts = SummaryOptions {
            calibration_end: Some(date("2020-01-15")),
            ..SummaryOptions::new(TimeUnit::Week)
        };
        let (s, report) = build_summary(&tx, &opts).unwrap();
        assert_eq!(report.excluded, 1, "c first buys after the calibration end");
        assert_eq!(report.customers, 2);
        assert_eq!(report.repeaters, 1);
        assert_eq!(report.observation_end, date("2020-01-25"));
        let a = &s.customers[0];
        assert_eq!(
            a.history,
            History {
                frequency: 2.0,
                recency: 2.0,
                age: 2.0
            }
        );
        assert_eq!(a.monetary_value, Some(30.0));
        let h = a.holdout.unwrap();
        assert_eq!((h.frequency, h.monetary_value), (1.0, 1.0));
        assert!((h.duration - 10.0 / 7.0).abs() < 1e-12);
        let b = &s.customers[1];
        assert_eq!(
            b.history,
            History {
                frequency: 0.0,
                recency: 0.0,
                age: 5.0 / 7.0
            }
        );
        assert_eq!(b.monetary_value, Some(0.0));
    }

    #[test]
    fn rejects_inconsistent_dates() {
        let tx = read_transactions_from(LOG.as_bytes(), "log", &ReadOptions::default()).unwrap();
        let opts = SummaryOptions {
            observation_end: Some(date("2020-01-24")),
            ..SummaryOptions::new(TimeUnit::Day)
        };
        let err = build_summary(&tx, &opts).unwrap_err().to_string();
        assert!(
            err.starts_with("log, line 8, field 'date': transaction on 2020-01-25"),
            "{err}"
        );
        let opts = SummaryOptions {
            calibration_end: Some(date("2020-01-26")),
            ..SummaryOptions::new(TimeUnit::Day)
        };
        let err = build_summary(&tx, &opts).unwrap_err();
        assert!(
            matches!(err, Error::CalibrationAfterObservation { .. }),
            "{err}"
        );
    }
}
