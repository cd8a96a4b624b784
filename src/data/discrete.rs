//! Discrete-time summaries for BG/BB: each customer's transaction opportunities.
//!
//! Time after a customer's first purchase is cut into periods of one [`TimeUnit`] of u days
//! (e.g. 365.25 for yearly opportunities, as in Fader, Hardie & Shang's donation data): a
//! purchase d days after the first falls in period ⌊d/u⌋, so period 0 holds the first purchase
//! and periods 1, 2, … are the transaction opportunities. A customer has n = ⌊(end − first)/u⌋
//! opportunities up to the end of calibration; x is the number of them with a purchase and t_x
//! the last one (Fader, Hardie & Shang 2010: one opportunity per period, a period with several
//! purchases counts once).

use chrono::NaiveDate;

use super::summary::{period_ends, SummaryOptions};
use super::{Patterns, TimeUnit, Transactions};
use crate::error::{Error, Location, Result};
use crate::models::{binary_from_purchase_periods, Binary};

/// Counts describing a discrete-time summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiscreteReport {
    /// Customers in the patterns.
    pub customers: usize,
    /// Customers left out because they had no complete opportunity before the end (first
    /// purchase less than one period before it), or first bought after it.
    pub excluded: usize,
    /// The end of the period summarised.
    pub end: NaiveDate,
}

/// Weighted (x, t_x, n) patterns of a log, with periods of `opts.unit` counted from each
/// customer's first purchase, up to the calibration end (or the observation end). Purchases after
/// that end are ignored; several purchases in one period count once.
///
/// # Errors
/// The date checks of a summary (a transaction after the observation end, a calibration end
/// after the observation end); a log in which no customer has a complete period.
pub fn discrete_patterns(
    tx: &Transactions,
    opts: &SummaryOptions,
) -> Result<(Patterns<Binary>, DiscreteReport)> {
    let (_, end) = period_ends(tx, opts)?;
    let unit: TimeUnit = opts.unit;
    let period_of = |from: NaiveDate, to: NaiveDate| unit.between(from, to).floor();
    let mut rows = Vec::with_capacity(tx.customers.len());
    let mut excluded = 0;
    for c in &tx.customers {
        let first = c.days[0].date;
        let n = period_of(first, end);
        if n < 1.0 {
            excluded += 1;
            continue;
        }
        let periods: Vec<u32> = c
            .days
            .iter()
            .filter(|d| d.date <= end)
            .map(|d| period_of(first, d.date) as u32)
            .collect();
        let b =
            binary_from_purchase_periods(&periods, n as u32).map_err(|e| Error::InvalidData {
                location: Location::file(&tx.source),
                reason: format!("customer '{}': {e}", c.id),
            })?;
        rows.push((b, 1.0));
    }
    if rows.is_empty() {
        return Err(Error::InvalidData {
            location: Location::file(&tx.source),
            reason: format!("no customer has a complete {unit} period before {end}"),
        });
    }
    let customers = rows.len();
    Ok((
        super::compress(rows),
        DiscreteReport {
            customers,
            excluded,
            end,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{read_transactions_from, ReadOptions};

    fn log(text: &str) -> Transactions {
        read_transactions_from(text.as_bytes(), "log.csv", &ReadOptions::default()).unwrap()
    }

    #[test]
    fn periods_from_the_first_purchase() {
        // Weekly periods. a: first on day 0, purchases on days 3 (period 0), 8 (1), 9 (1),
        // 20 (2), 40 (after the end); end day 28 -> n = 4, x = 2, t_x = 2.
        // b: first on day 25 -> no complete week before the end: excluded.
        let tx = log(
            "customer_id,date\na,2020-01-01\na,2020-01-04\na,2020-01-09\na,2020-01-10\n\
             a,2020-01-21\nb,2020-01-26\na,2020-02-10\n",
        );
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let opts = SummaryOptions {
            unit: TimeUnit::Week,
            observation_end: Some(date("2020-02-10")),
            calibration_end: Some(date("2020-01-29")),
        };
        let (p, report) = discrete_patterns(&tx, &opts).unwrap();
        assert_eq!(report.customers, 1);
        assert_eq!(report.excluded, 1);
        let b = p.obs[0];
        assert_eq!((b.frequency(), b.recency(), b.periods()), (2, 2, 4));
        assert_eq!(p.weights, [1.0]);
    }

    #[test]
    fn nobody_with_a_complete_period_is_an_error() {
        let tx = log("customer_id,date\na,2020-01-01\n");
        let err = discrete_patterns(&tx, &SummaryOptions::new(TimeUnit::Week)).unwrap_err();
        assert!(
            err.to_string()
                .contains("no customer has a complete week period"),
            "{err}"
        );
    }
}
