//! Discrete-time summaries for BG/BB: each customer's transaction opportunities.
//!
//! Time after a customer's first purchase is cut into periods of one [`TimeUnit`] of u days
//! (e.g. 365.25 for yearly opportunities, as in Fader, Hardie & Shang's donation data): a
//! purchase d days after the first falls in period ⌊d/u⌋, so period 0 holds the first purchase
//! and periods 1, 2, … are the transaction opportunities. A customer has n = ⌊(end − first)/u⌋
//! opportunities up to the end of calibration; x is the number of them with a purchase and t_x
//! the last one (Fader, Hardie & Shang 2010: one opportunity per period, a period with several
//! purchases counts once).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::summary::{period_ends, SummaryOptions};
use super::{CustomerSummary, History, Summary, TimeUnit, Transactions};
use crate::error::{Error, Location, Result};
use crate::models::binary_from_purchase_periods;

/// Counts describing a discrete-time summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiscreteReport {
    /// Customers in the summary.
    pub customers: usize,
    /// Customers left out because they had no complete opportunity before the end (first
    /// purchase less than one period before it).
    pub excluded: usize,
    /// The end of the period summarised.
    pub end: NaiveDate,
}

/// The discrete-time summary of a log: one row per customer with x (`frequency`: opportunities
/// with a purchase), t_x (`recency`: the last of them) and n (`age`, the CSV column `T`: the
/// number of opportunities), periods of `opts.unit` counted from each customer's first
/// purchase up to the calibration end (or the observation end); pymc-marketing's BG/BB data use
/// the same `T` for n. Purchases after that end are ignored. When the log has amounts,
/// `monetary_value` is the mean amount per repeat opportunity with a purchase (the period's
/// amounts summed), the spend the Gamma-Gamma model then describes.
///
/// # Errors
/// The date checks of a summary (a transaction after the observation end, a calibration end
/// after the observation end); a log in which no customer has a complete period.
pub fn discrete_summary(
    tx: &Transactions,
    opts: &SummaryOptions,
) -> Result<(Summary, DiscreteReport)> {
    let (observation_end, end) = period_ends(tx, opts)?;
    let unit: TimeUnit = opts.unit;
    let period_of = |from: NaiveDate, to: NaiveDate| unit.between(from, to).floor() as u32;
    let mut customers = Vec::with_capacity(tx.customers.len());
    let mut excluded = 0;
    for c in &tx.customers {
        let first = c.days[0].date;
        if unit.between(first, end) < 1.0 {
            excluded += 1;
            continue;
        }
        let n = period_of(first, end);
        // Amount per period; period 0 holds the first purchase.
        let mut spend: BTreeMap<u32, f64> = BTreeMap::new();
        for d in c.days.iter().filter(|d| d.date <= end) {
            *spend.entry(period_of(first, d.date)).or_default() += d.amount;
        }
        let periods: Vec<u32> = spend.keys().copied().collect();
        let b = binary_from_purchase_periods(&periods, n).map_err(|e| Error::InvalidData {
            location: Location::file(&tx.source),
            reason: format!("customer '{}': {e}", c.id),
        })?;
        let repeat: Vec<f64> = spend.range(1..).map(|(_, &a)| a).collect();
        let monetary_value = tx.has_amounts.then(|| {
            if repeat.is_empty() {
                0.0
            } else {
                repeat.iter().sum::<f64>() / repeat.len() as f64
            }
        });
        customers.push(CustomerSummary {
            customer_id: c.id.clone(),
            history: History {
                frequency: f64::from(b.frequency()),
                recency: f64::from(b.recency()),
                age: f64::from(b.periods()),
            },
            monetary_value,
            holdout: None,
        });
    }
    if customers.is_empty() {
        return Err(Error::InvalidData {
            location: Location::file(&tx.source),
            reason: format!("no customer has a complete {unit} period before {end}"),
        });
    }
    let report = DiscreteReport {
        customers: customers.len(),
        excluded,
        end,
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
            "customer_id,date,amount\na,2020-01-01,1\na,2020-01-04,2\na,2020-01-09,3\n\
             a,2020-01-10,4\na,2020-01-21,5\nb,2020-01-26,6\na,2020-02-10,7\n",
        );
        let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let opts = SummaryOptions {
            unit: TimeUnit::Week,
            observation_end: Some(date("2020-02-10")),
            calibration_end: Some(date("2020-01-29")),
        };
        let (s, report) = discrete_summary(&tx, &opts).unwrap();
        assert_eq!(report.customers, 1);
        assert_eq!(report.excluded, 1);
        let c = &s.customers[0];
        assert_eq!(c.customer_id, "a");
        assert_eq!(
            c.history,
            History {
                frequency: 2.0,
                recency: 2.0,
                age: 4.0
            }
        );
        // Period 1 spent 3 + 4, period 2 spent 5: mean 6 per repeat opportunity.
        assert_eq!(c.monetary_value, Some(6.0));
    }

    #[test]
    fn nobody_with_a_complete_period_is_an_error() {
        let tx = log("customer_id,date\na,2020-01-01\n");
        let err = discrete_summary(&tx, &SummaryOptions::new(TimeUnit::Week)).unwrap_err();
        assert!(
            err.to_string()
                .contains("no customer has a complete week period"),
            "{err}"
        );
    }
}
