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

use super::log::{PurchaseDay, Transactions};
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
    build(
        tx,
        tx.customers.iter().map(|c| (c.id.clone(), &c.days[..])),
        opts,
    )
}

/// As [`build_summary`], consuming the log: ids are moved rather than copied and each
/// customer's purchase days are freed once summarised, so the log and the summary are never
/// both whole in memory (the CLI's path for large logs).
///
/// # Errors
/// As [`build_summary`].
pub fn build_summary_owned(
    mut tx: Transactions,
    opts: &SummaryOptions,
) -> Result<(Summary, SummaryReport)> {
    let customers = std::mem::take(&mut tx.customers);
    let purchase_days = customers.iter().map(|c| c.days.len() as u64).sum();
    let (summary, mut report) = build(&tx, customers.into_iter().map(|c| (c.id, c.days)), opts)?;
    report.purchase_days = purchase_days;
    Ok((summary, report))
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

/// The summary of `customers` (id and purchase days, in log order) of the log `tx`.
fn build<D: AsRef<[PurchaseDay]>>(
    tx: &Transactions,
    customers: impl ExactSizeIterator<Item = (String, D)>,
    opts: &SummaryOptions,
) -> Result<(Summary, SummaryReport)> {
    let unit = opts.unit;
    let (observation_end, end) = period_ends(tx, opts)?;

    let purchase_days = tx.purchase_days();
    let mut summaries = Vec::with_capacity(customers.len());
    let mut excluded = 0;
    for (id, days) in customers {
        let (calibration, after) = split_days(days.as_ref(), end);
        let (Some(first), Some(last)) = (calibration.first(), calibration.last()) else {
            excluded += 1;
            continue;
        };
        let history = History {
            frequency: (calibration.len() - 1) as f64,
            recency: unit.between(first.date, last.date),
            age: unit.between(first.date, end),
        };
        let monetary_value = tx.has_amounts.then(|| mean_amount(&calibration[1..]));
        let holdout = opts
            .calibration_end
            .map(|c| holdout(after, c, observation_end, unit));
        let amounts_finite = monetary_value.is_none_or(f64::is_finite)
            && holdout.is_none_or(|h| h.monetary_value.is_finite());
        if !amounts_finite {
            return Err(Error::InvalidData {
                location: Location::file(&tx.source),
                reason: format!(
                    "the amounts of customer {} add up to a non-finite value",
                    Quoted(&id)
                ),
            });
        }
        summaries.push(CustomerSummary {
            customer_id: id,
            history,
            monetary_value,
            holdout,
        });
    }
    let customers = summaries;
    if customers.is_empty() {
        return Err(Error::NoData {
            what: format!("cannot summarise {}", tx.source.display()),
            reason: format!(
                "no customer made a first purchase on or before {end} (the log starts {})",
                tx.first_date
            ),
        });
    }
    let report = SummaryReport {
        rows: tx.rows,
        purchase_days,
        customers: customers.len(),
        repeaters: customers
            .iter()
            .filter(|c| c.history.frequency > 0.0)
            .count(),
        excluded,
        first_date: tx.first_date,
        last_date: tx.last_date,
        observation_end,
        calibration_end: opts.calibration_end,
    };
    let summary = Summary {
        unit,
        customers,
        observation_end: Some(observation_end),
        calibration_end: opts.calibration_end,
    };
    Ok((summary, report))
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
