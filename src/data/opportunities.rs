//! Discrete-time data for BG/BB: each customer's transaction *opportunities*.
//!
//! Time after a customer's first purchase is cut into periods of one [`TimeUnit`] of u days
//! (e.g. 365.25 for yearly opportunities, as in Fader, Hardie & Shang's donation data): a
//! purchase d days after the first falls in period ⌊d/u⌋, so period 0 holds the first purchase
//! and periods 1, 2, … are the transaction opportunities. A customer has n = ⌊(end − first)/u⌋
//! opportunities up to the end of calibration; x is the number of them with a purchase and t_x
//! the last one (Fader, Hardie & Shang 2010: one opportunity per period, a period with several
//! purchases counts once).
//!
//! | type | holds |
//! |---|---|
//! | [`OpportunityHistory`] | one customer's (x, t_x, n), valid by construction |
//! | [`OpportunitySummary`] | one row per customer: id, history, mean spend per repeat opportunity |
//! | [`Patterns<OpportunityHistory>`](Patterns) | weighted unique histories (e.g. `donations.csv`) |
//!
//! "Opportunity" names the discrete-time model's data throughout; the discounting of CLV in
//! discrete steps is a separate matter ([`crate::predict::clv`](mod@crate::predict::clv)).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::compress::{compress, PatternKey, Patterns};
use super::summary::{period_ends, SummaryOptions};
use super::{CustomerSummary, History, Summary, TimeUnit, Transactions};
use crate::error::{Error, Location, Num, Quoted, Result};

/// One customer's discrete-time history (x, t_x, n): `frequency` x transactions at the
/// `opportunities` n after the first transaction, the last at opportunity `recency` t_x.
///
/// Valid by construction: 0 ≤ x ≤ t_x ≤ n, and t_x = 0 exactly when x = 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OpportunityHistory {
    frequency: u32,
    recency: u32,
    opportunities: u32,
}

impl OpportunityHistory {
    /// A history (x, t_x, n), checked: x ≤ t_x ≤ n and t_x = 0 exactly when x = 0.
    ///
    /// # Errors
    /// [`Error::InvalidData`] naming the rule that fails.
    pub fn new(frequency: u32, recency: u32, opportunities: u32) -> Result<Self> {
        let reason = if recency > opportunities {
            Some(format!(
                "recency {recency} is greater than the number of periods {opportunities}"
            ))
        } else if frequency > recency {
            Some(format!(
                "frequency {frequency} is greater than recency {recency} (at most one \
                 transaction per period)"
            ))
        } else if (frequency == 0) != (recency == 0) {
            Some(format!(
                "recency {recency} and frequency {frequency}: recency is 0 exactly when \
                 frequency is 0"
            ))
        } else {
            None
        };
        match reason {
            Some(reason) => Err(Error::InvalidData {
                location: Location::default(),
                reason,
            }),
            None => Ok(OpportunityHistory {
                frequency,
                recency,
                opportunities,
            }),
        }
    }

    /// x: number of opportunities with a transaction.
    pub fn frequency(&self) -> u32 {
        self.frequency
    }
    /// t_x: the last opportunity with a transaction (0 when x = 0).
    pub fn recency(&self) -> u32 {
        self.recency
    }
    /// n: number of opportunities observed.
    pub fn opportunities(&self) -> u32 {
        self.opportunities
    }
}

impl PatternKey for OpportunityHistory {
    fn key(&self) -> [u64; 3] {
        [
            u64::from(self.frequency),
            u64::from(self.recency),
            u64::from(self.opportunities),
        ]
    }
}

/// The (x, t_x, n) history of one customer from the opportunities at which it transacted.
///
/// `purchases` lists opportunities 0..=n, where 0 is the first transaction (the start, which
/// does not count in x); repeated entries count once (one transaction per opportunity at most).
/// x is the number of distinct opportunities in 1..=n and t_x the last of them (0 if none).
///
/// # Errors
/// [`Error::InvalidData`] when an opportunity is after `periods`.
///
/// # Examples
/// ```
/// use btyd::data::opportunity_history;
/// let b = opportunity_history(&[0, 2, 2, 5], 6)?;
/// assert_eq!((b.frequency(), b.recency(), b.opportunities()), (2, 5, 6));
/// # Ok::<(), btyd::Error>(())
/// ```
pub fn opportunity_history(purchases: &[u32], opportunities: u32) -> Result<OpportunityHistory> {
    if let Some(&late) = purchases.iter().find(|&&p| p > opportunities) {
        return Err(Error::InvalidData {
            location: Location::default(),
            reason: format!(
                "transaction at opportunity {late}, after the last opportunity {opportunities}"
            ),
        });
    }
    let mut repeat: Vec<u32> = purchases.iter().copied().filter(|&p| p > 0).collect();
    repeat.sort_unstable();
    repeat.dedup();
    let x = u32::try_from(repeat.len()).map_err(|_| Error::InvalidData {
        location: Location::default(),
        reason: "too many transactions".into(),
    })?;
    OpportunityHistory::new(x, repeat.last().copied().unwrap_or(0), opportunities)
}

/// Weighted (x, t_x, n) patterns from each customer's transaction opportunities (see
/// [`opportunity_history`]), every customer observed for `opportunities` opportunities.
///
/// # Errors
/// [`Error::InvalidData`] naming the (0-based) customer whose opportunities are invalid.
pub fn opportunity_patterns<I, P>(
    customers: I,
    opportunities: u32,
) -> Result<Patterns<OpportunityHistory>>
where
    I: IntoIterator<Item = P>,
    P: AsRef<[u32]>,
{
    let mut obs = Vec::new();
    for (i, c) in customers.into_iter().enumerate() {
        let b = opportunity_history(c.as_ref(), opportunities).map_err(|e| match e {
            Error::InvalidData { location, reason } => Error::InvalidData {
                location,
                reason: format!("customer {i}: {reason}"),
            },
            other => other,
        })?;
        obs.push((b, 1.0));
    }
    Ok(compress(obs))
}

/// One row of an opportunity summary.
#[derive(Debug, Clone, PartialEq)]
pub struct OpportunityCustomer {
    /// The customer's identifier as it appears in the log.
    pub customer_id: String,
    /// (x, t_x, n) over the calibration period.
    pub history: OpportunityHistory,
    /// Mean amount per repeat opportunity with a purchase (0 when x = 0), when the log has
    /// amounts: the spend the Gamma-Gamma model describes.
    pub monetary_value: Option<f64>,
}

/// A per-customer discrete-time summary: one row per customer, opportunities of one `period`.
#[derive(Debug, Clone, PartialEq)]
pub struct OpportunitySummary {
    /// The length of one transaction opportunity.
    pub period: TimeUnit,
    /// One row per customer.
    pub customers: Vec<OpportunityCustomer>,
    /// End of observation, when known.
    pub observation_end: Option<NaiveDate>,
    /// End of the calibration period, when the summary was cut at one.
    pub calibration_end: Option<NaiveDate>,
}

impl OpportunitySummary {
    /// A summary of `customers` with opportunities of one `period` and no recorded dates.
    pub fn new(period: TimeUnit, customers: Vec<OpportunityCustomer>) -> Self {
        OpportunitySummary {
            period,
            customers,
            observation_end: None,
            calibration_end: None,
        }
    }

    /// The customers' histories as weighted patterns (the sufficient statistics of BG/BB).
    pub fn patterns(&self) -> Patterns<OpportunityHistory> {
        compress(self.customers.iter().map(|c| (c.history, 1.0)))
    }

    /// Whether every row has a monetary value.
    pub fn has_monetary_value(&self) -> bool {
        !self.customers.is_empty() && self.customers.iter().all(|c| c.monetary_value.is_some())
    }

    /// The same rows as a customer summary of numbers (x, t_x and n as `frequency`, `recency`
    /// and `T`): the form the CSV file takes (pymc-marketing's BG/BB data also call n `T`) and
    /// the repeat customers' (x, m̄) that the Gamma-Gamma spend model reads.
    pub fn to_summary(&self) -> Summary {
        let customers = self
            .customers
            .iter()
            .map(|c| CustomerSummary {
                customer_id: c.customer_id.clone(),
                history: History {
                    frequency: f64::from(c.history.frequency()),
                    recency: f64::from(c.history.recency()),
                    age: f64::from(c.history.opportunities()),
                },
                monetary_value: c.monetary_value,
                holdout: None,
            })
            .collect();
        Summary {
            unit: self.period,
            customers,
            observation_end: self.observation_end,
            calibration_end: self.calibration_end,
        }
    }

    /// Reads a customer summary of numbers as opportunity histories (the inverse of
    /// [`OpportunitySummary::to_summary`]); the summary's time unit is the period.
    ///
    /// # Errors
    /// [`Error::InvalidData`] naming the customer when frequency, recency or T is not a whole
    /// number of opportunities, or the row breaks x ≤ t_x ≤ n.
    pub fn from_summary(summary: &Summary) -> Result<Self> {
        let whole =
            |v: f64| (v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX)).then_some(v as u32);
        let customers = summary
            .customers
            .iter()
            .map(|c| {
                let h = c.history;
                let history = match (whole(h.frequency), whole(h.recency), whole(h.age)) {
                    (Some(x), Some(t_x), Some(n)) => OpportunityHistory::new(x, t_x, n),
                    _ => Err(Error::InvalidData {
                        location: Location::default(),
                        reason: format!(
                            "not a discrete-time history (frequency {}, recency {}, T {} must \
                             be whole numbers of opportunities; see btyd summary --discrete)",
                            Num(h.frequency),
                            Num(h.recency),
                            Num(h.age)
                        ),
                    }),
                }
                .map_err(|e| match e {
                    Error::InvalidData { location, reason } => Error::InvalidData {
                        location,
                        reason: format!("customer {}: {reason}", Quoted(&c.customer_id)),
                    },
                    other => other,
                })?;
                Ok(OpportunityCustomer {
                    customer_id: c.customer_id.clone(),
                    history,
                    monetary_value: c.monetary_value,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(OpportunitySummary {
            period: summary.unit,
            customers,
            observation_end: summary.observation_end,
            calibration_end: summary.calibration_end,
        })
    }
}

/// Counts describing an opportunity summary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpportunityReport {
    /// Customers in the summary.
    pub customers: usize,
    /// Customers left out because they had no complete opportunity before the end (first
    /// purchase less than one period before it).
    pub excluded: usize,
    /// The end of the period summarised.
    pub end: NaiveDate,
}

/// The opportunity (discrete-time) summary of a log: one row per customer with x (`frequency`:
/// opportunities with a purchase), t_x (`recency`: the last of them) and n (the CSV column `T`:
/// the number of opportunities), periods of `opts.unit` counted from each customer's first
/// purchase up to the calibration end (or the observation end); pymc-marketing's BG/BB data use
/// the same `T` for n. Purchases after that end are ignored. When the log has amounts,
/// `monetary_value` is the mean amount per repeat opportunity with a purchase (the period's
/// amounts summed), the spend the Gamma-Gamma model then describes.
///
/// # Errors
/// The date checks of a summary (a transaction after the observation end, a calibration end
/// after the observation end); a log in which no customer has a complete period.
pub fn opportunity_summary(
    tx: &Transactions,
    opts: &SummaryOptions,
) -> Result<(OpportunitySummary, OpportunityReport)> {
    let (observation_end, end) = period_ends(tx, opts)?;
    let unit: TimeUnit = opts.unit;
    let period_of = |from: NaiveDate, to: NaiveDate| unit.between(from, to).floor() as u32;
    let mut customers = Vec::with_capacity(tx.customer_count());
    let mut excluded = 0;
    for c in tx.customers() {
        let Some(first) = c.days.first().map(|d| d.date) else {
            excluded += 1;
            continue;
        };
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
        let history = opportunity_history(&periods, n).map_err(|e| Error::InvalidData {
            location: Location::file(&tx.source),
            reason: format!("customer {}: {}", Quoted(c.id), e),
        })?;
        let repeat: Vec<f64> = spend.range(1..).map(|(_, &a)| a).collect();
        let monetary_value = tx.has_amounts.then(|| {
            if repeat.is_empty() {
                0.0
            } else {
                repeat.iter().sum::<f64>() / repeat.len() as f64
            }
        });
        customers.push(OpportunityCustomer {
            customer_id: c.id.to_string(),
            history,
            monetary_value,
        });
    }
    if customers.is_empty() {
        return Err(Error::InvalidData {
            location: Location::file(&tx.source),
            reason: format!("no customer has a complete {unit} period before {end}"),
        });
    }
    let report = OpportunityReport {
        customers: customers.len(),
        excluded,
        end,
    };
    let summary = OpportunitySummary {
        period: unit,
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
        let (s, report) = opportunity_summary(&tx, &opts).unwrap();
        assert_eq!(report.customers, 1);
        assert_eq!(report.excluded, 1);
        let c = &s.customers[0];
        assert_eq!(c.customer_id, "a");
        assert_eq!(c.history, OpportunityHistory::new(2, 2, 4).unwrap());
        // Period 1 spent 3 + 4, period 2 spent 5: mean 6 per repeat opportunity.
        assert_eq!(c.monetary_value, Some(6.0));
    }

    #[test]
    fn nobody_with_a_complete_period_is_an_error() {
        let tx = log("customer_id,date\na,2020-01-01\n");
        let err = opportunity_summary(&tx, &SummaryOptions::new(TimeUnit::Week)).unwrap_err();
        assert!(
            err.to_string()
                .contains("no customer has a complete week period"),
            "{err}"
        );
    }
}
