//! Spend data for the Gamma-Gamma model: the repeat customers' (x, m̄), the number of repeat
//! transactions and their mean value.

use std::borrow::Cow;

use super::compress::{compress, Observation, PatternKey, Patterns};
use super::{wrong_data, CustomerDataRef, Summary, SummaryPatterns};
use crate::error::{Error, Location, Num, Quoted, Result};

/// One repeat customer's spend summary: x ≥ 1 repeat transactions with mean value m̄ > 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spend {
    /// x: number of repeat transactions (a whole number ≥ 1).
    pub frequency: f64,
    /// m̄: mean value of the repeat transactions (finite, > 0).
    pub monetary_value: f64,
}

impl Spend {
    /// A spend observation, checked: x a finite whole number ≥ 1 and m̄ finite and positive.
    ///
    /// # Errors
    /// [`Error::InvalidData`] naming the rule that fails.
    pub fn new(frequency: f64, monetary_value: f64) -> Result<Self> {
        let s = Spend {
            frequency,
            monetary_value,
        };
        s.validate().map_err(|reason| Error::InvalidData {
            location: Location::default(),
            reason,
        })?;
        Ok(s)
    }

    /// Checks the observation; the error names the first violated rule.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let (x, m) = (self.frequency, self.monetary_value);
        if !x.is_finite() || x < 1.0 || x.fract() != 0.0 {
            return Err(format!(
                "frequency {} is not a whole number >= 1 (the Gamma-Gamma model needs repeat customers)",
                Num(x)
            ));
        }
        if !m.is_finite() || m <= 0.0 {
            return Err(format!(
                "monetary value {} must be finite and positive for a repeat customer",
                Num(m)
            ));
        }
        Ok(())
    }
}

impl PatternKey for Spend {
    fn key(&self) -> [u64; 3] {
        // Adding 0.0 maps −0.0 to 0.0; both numbers are non-negative, so the bits order them.
        [
            (self.frequency + 0.0).to_bits(),
            (self.monetary_value + 0.0).to_bits(),
            0,
        ]
    }
}

impl Observation for Spend {
    /// The repeat customers' (x, m̄) of a continuous-time or opportunity summary (see
    /// [`spend_observations`]).
    fn patterns(data: CustomerDataRef<'_>) -> Result<Patterns<Self>> {
        match data {
            CustomerDataRef::Summary(s) => spend_observations(s),
            CustomerDataRef::Opportunities(s) => spend_observations(&s.to_summary()),
            other => Err(wrong_data(
                other,
                "a customer summary with monetary_value (the Gamma-Gamma spend model)",
            )),
        }
    }

    /// The repeat customers' (x, m̄) patterns the reader kept (see [`SummaryPatterns`]).
    fn summary_patterns(data: &SummaryPatterns) -> Result<Cow<'_, Patterns<Self>>> {
        data.spend_ref().map(Cow::Borrowed)
    }
}

/// Most failing rows named in one data error.
pub(crate) const MAX_REPORTED_ROWS: usize = 10;

/// The spend observation of a customer with x = `frequency` and m̄ = `monetary_value`:
/// `None` for a customer without repeat purchases (x < 1, whose m̄ carries no information
/// about spend); otherwise the observation, or what is wrong with its monetary value.
pub(crate) fn spend_of(
    frequency: f64,
    monetary_value: Option<f64>,
) -> Option<std::result::Result<Spend, String>> {
    if frequency < 1.0 {
        return None;
    }
    Some(match monetary_value {
        None => Err("is missing".to_string()),
        Some(m) => Spend::new(frequency, m).map_err(|_| {
            if m.is_finite() {
                format!("is {}, not positive", Num(m))
            } else {
                format!("is {m}, not finite")
            }
        }),
    })
}

/// A repeat customer without a valid monetary value, as [`SpendSample::Invalid`] lists it.
pub(crate) fn describe_bad_spend(id: &str, frequency: f64, problem: &str) -> String {
    format!(
        "customer {} (frequency {}) {problem}",
        Quoted(id),
        Num(frequency)
    )
}

/// The Gamma-Gamma sample of a summary, or what prevents it: what [`spend_observations`]
/// returns, kept by a reader that does not keep the customers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SpendSample {
    /// The summary has no monetary values at all.
    Missing,
    /// Repeat customers without a positive, finite monetary value: how many, and the first
    /// [`MAX_REPORTED_ROWS`] described by [`describe_bad_spend`].
    Invalid {
        /// Number of such customers.
        count: usize,
        /// The first ones.
        first: Vec<String>,
    },
    /// The repeat customers' (x, m̄) patterns (none when there is no repeat customer).
    Patterns(Patterns<Spend>),
}

impl SpendSample {
    /// The sample a reader found: none without a monetary column, the repeat customers
    /// without a valid monetary value (`bad`: how many, and the first described) when there
    /// are any, else the `patterns`.
    pub(crate) fn from_read(
        monetary: bool,
        bad: (usize, Vec<String>),
        patterns: impl FnOnce() -> Patterns<Spend>,
    ) -> Self {
        if !monetary {
            SpendSample::Missing
        } else if bad.0 > 0 {
            SpendSample::Invalid {
                count: bad.0,
                first: bad.1,
            }
        } else {
            SpendSample::Patterns(patterns())
        }
    }

    /// The patterns, or the error [`spend_observations`] gives.
    pub(crate) fn to_result(&self) -> Result<&Patterns<Spend>> {
        match self {
            SpendSample::Patterns(p) if !p.is_empty() => Ok(p),
            other => Err(other.error()),
        }
    }

    /// [`SpendSample::to_result`], taking the patterns.
    fn into_result(self) -> Result<Patterns<Spend>> {
        match self {
            SpendSample::Patterns(p) if !p.is_empty() => Ok(p),
            other => Err(other.error()),
        }
    }

    /// Why there is no sample (for a sample of no repeat customer: [`Error::NoData`]).
    fn error(&self) -> Error {
        let location = || Location::default().at_field("monetary_value");
        match self {
            SpendSample::Missing => Error::InvalidData {
                location: location(),
                reason: "the summary has no monetary values; the Gamma-Gamma spend model needs \
                         the mean repeat-purchase value of every repeat customer"
                    .into(),
            },
            SpendSample::Invalid { count, first } => Error::InvalidData {
                location: location(),
                reason: format!(
                    "{count} repeat customer(s) without a positive, finite monetary value: {}{}",
                    first.join("; "),
                    if *count > first.len() { "; ..." } else { "" }
                ),
            },
            SpendSample::Patterns(_) => Error::NoData {
                what: "cannot fit Gamma-Gamma".into(),
                reason: "no repeat customer (frequency >= 1) in the summary".into(),
            },
        }
    }
}

/// The Gamma-Gamma sample of a customer summary: the repeat customers (x ≥ 1) as (x, m̄),
/// compressed into weighted patterns. Customers with x = 0 are skipped (their m̄ carries no
/// information about spend).
///
/// # Errors
/// [`Error::InvalidData`] on field `monetary_value` when the summary has no monetary values at
/// all, or when repeat customers have a missing, non-positive or non-finite monetary value (the
/// message names up to 10 customer ids and the number of such customers);
/// [`Error::NoData`] when there is no repeat customer.
pub fn spend_observations(summary: &Summary) -> Result<Patterns<Spend>> {
    if summary.customers.iter().all(|c| c.monetary_value.is_none()) {
        return SpendSample::Missing.into_result();
    }
    let mut bad = Vec::new();
    let mut n_bad = 0usize;
    let mut obs = Vec::new();
    for c in &summary.customers {
        match spend_of(c.history.frequency, c.monetary_value) {
            None => {}
            Some(Ok(s)) => obs.push((s, 1.0)),
            Some(Err(problem)) => {
                n_bad += 1;
                if bad.len() < MAX_REPORTED_ROWS {
                    bad.push(describe_bad_spend(
                        &c.customer_id,
                        c.history.frequency,
                        &problem,
                    ));
                }
            }
        }
    }
    if n_bad > 0 {
        return SpendSample::Invalid {
            count: n_bad,
            first: bad,
        }
        .into_result();
    }
    SpendSample::Patterns(compress(obs)).into_result()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{CustomerSummary, History, TimeUnit};

    fn summary(rows: &[(f64, Option<f64>)]) -> Summary {
        Summary::new(
            TimeUnit::Week,
            rows.iter()
                .enumerate()
                .map(|(i, &(x, m))| CustomerSummary {
                    customer_id: format!("c{i}"),
                    history: History::new(x, if x > 0.0 { 1.0 } else { 0.0 }, 2.0).unwrap(),
                    monetary_value: m,
                    holdout: None,
                })
                .collect(),
        )
    }

    #[test]
    fn spend_observations_keep_repeaters_and_compress() {
        let s = summary(&[
            (0.0, Some(0.0)),
            (2.0, Some(10.0)),
            (2.0, Some(10.0)),
            (1.0, Some(3.0)),
        ]);
        let p = spend_observations(&s).unwrap();
        assert_eq!(
            p.obs,
            vec![
                Spend::new(1.0, 3.0).unwrap(),
                Spend::new(2.0, 10.0).unwrap()
            ]
        );
        assert_eq!(p.weights, vec![1.0, 2.0]);
    }

    #[test]
    fn spend_observations_name_bad_customers() {
        let e = spend_observations(&summary(&[(1.0, None), (0.0, None)])).unwrap_err();
        assert!(e.to_string().contains("no monetary values"), "{e}");
        let e = spend_observations(&summary(&[
            (1.0, Some(-2.0)),
            (1.0, Some(f64::NAN)),
            (0.0, None),
        ]))
        .unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("field 'monetary_value'"), "{msg}");
        assert!(
            msg.contains("customer 'c0' (frequency 1) is -2, not positive"),
            "{msg}"
        );
        assert!(
            msg.contains("customer 'c1' (frequency 1) is NaN, not finite"),
            "{msg}"
        );
        let e = spend_observations(&summary(&[(0.0, Some(0.0))])).unwrap_err();
        assert!(e.to_string().contains("no repeat customer"), "{e}");
    }
}
