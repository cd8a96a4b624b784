//! Descriptive ("historical") KPIs of a transaction log and the simple CLV managers compute from
//! them, with per-cohort retention by calendar period.
//!
//! # Definitions
//!
//! All quantities are computed from the log up to the observation end (the last date of the
//! log unless given); later purchases are ignored, and so are customers whose first purchase is
//! after it.
//!
//! ```text
//! purchase            a customer's purchase day: the rows of one customer on one day are
//!                     merged (as in the customer summary), their amounts summed
//! revenue             Σ amounts of all purchases (net of returns with --allow-returns)
//! years observed      (observation end − first date of the log + 1 day) / 365.25
//! APV                 average purchase value = revenue / purchases
//! PFR                 purchase frequency rate = purchases / customers / years observed
//!                     (purchases per customer per year)
//! period              calendar month, quarter or year of a purchase date
//! cohort              the period of a customer's first purchase
//! active in k         at least one purchase in period k
//! retained in k       active in k and in k + 1
//! retention           Σ_k retained(k) / Σ_k active(k), over the periods k whose next period
//!                     k + 1 ends on or before the observation end (a partial last period
//!                     would count customers who have not had the whole period to come back);
//!                     per cohort the same ratio for the cohort's customers at each k
//! churn               1 − retention (per period)
//! lifespan            (1 / churn) periods, in years: period length in years / churn
//! observed mean span  mean over customers of (last purchase − first purchase) in years
//!                     (0 for one-time buyers); also given over repeat customers only
//! simple CLV          APV × PFR × lifespan × margin − CAC
//! ```
//!
//! The simple CLV is the textbook managerial formula: an average customer's yearly value times
//! an expected lifetime from the average churn, with no discounting and no heterogeneity. It
//! values a *new* customer over a whole lifetime, whereas the model-based CLV of
//! [`mod@crate::predict::clv`] values each *existing* customer's remaining purchases over a horizon
//! given the history (P(alive)), discounted: the two answer different questions.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

use crate::data::time::DAYS_PER_YEAR;
use crate::data::Transactions;
use crate::error::{Error, Result};

/// A calendar period of the retention table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// Calendar month.
    Month,
    /// Calendar quarter (January–March, ...).
    Quarter,
    /// Calendar year.
    Year,
}

impl Period {
    /// The period's name, `month`, `quarter` or `year`.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::Year => "year",
        }
    }

    /// Length of the period in years.
    pub fn years(self) -> f64 {
        match self {
            Period::Month => 1.0 / 12.0,
            Period::Quarter => 0.25,
            Period::Year => 1.0,
        }
    }

    /// A running number of the period holding `date` (consecutive periods have consecutive
    /// numbers).
    pub fn index(self, date: NaiveDate) -> i32 {
        match self {
            Period::Month => date.year() * 12 + date.month0() as i32,
            Period::Quarter => date.year() * 4 + (date.month0() / 3) as i32,
            Period::Year => date.year(),
        }
    }

    /// Months in the period.
    fn months(self) -> i32 {
        match self {
            Period::Month => 1,
            Period::Quarter => 3,
            Period::Year => 12,
        }
    }

    /// The first day of period `index`.
    pub fn start(self, index: i32) -> Option<NaiveDate> {
        let per_year = 12 / self.months();
        let year = index.div_euclid(per_year);
        let month = index.rem_euclid(per_year) * self.months() + 1;
        NaiveDate::from_ymd_opt(year, month as u32, 1)
    }

    /// The last day of period `index`.
    pub fn last_day(self, index: i32) -> Option<NaiveDate> {
        self.start(index + 1)?.pred_opt()
    }

    /// The period's label: `1997-01`, `1997Q1` or `1997`.
    pub fn label(self, index: i32) -> String {
        match self {
            Period::Month => format!("{}-{:02}", index.div_euclid(12), index.rem_euclid(12) + 1),
            Period::Quarter => format!("{}Q{}", index.div_euclid(4), index.rem_euclid(4) + 1),
            Period::Year => index.to_string(),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Period {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "month" => Ok(Period::Month),
            "quarter" => Ok(Period::Quarter),
            "year" => Ok(Period::Year),
            _ => Err(Error::InvalidOption {
                name: "period",
                value: s.to_string(),
                reason: "must be month, quarter or year".into(),
            }),
        }
    }
}

/// Options of [`compute_kpis`].
#[derive(Debug, Clone, PartialEq)]
pub struct KpiOptions {
    /// Calendar period of the retention table; defaults to quarters.
    pub period: Period,
    /// Profit margin applied to revenue in the simple CLV; defaults to 1 (revenue CLV).
    pub margin: f64,
    /// Customer acquisition cost subtracted in the simple CLV; defaults to 0.
    pub cac: f64,
    /// Purchases after this date are ignored; defaults to the log's last date.
    pub observation_end: Option<NaiveDate>,
}

impl Default for KpiOptions {
    fn default() -> Self {
        KpiOptions {
            period: Period::Quarter,
            margin: 1.0,
            cac: 0.0,
            observation_end: None,
        }
    }
}

/// One cell of the retention table: the customers of a cohort (or all customers) active in a
/// period and how many of them are active again in the next one.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortPeriod {
    /// The cohort (period index of the first purchase); `None` for all customers together.
    pub cohort: Option<i32>,
    /// The period index (see [`Period::index`]).
    pub period: i32,
    /// Periods since the cohort's period (0 for the cohort's own period); for all customers,
    /// periods since the first period of the log.
    pub age: u32,
    /// Customers in the cohort (all customers for the overall rows).
    pub cohort_size: u64,
    /// Customers of the cohort active in the period.
    pub active: u64,
    /// Customers active in the period and the next; `None` when the next period is not
    /// complete by the observation end (or lies after it).
    pub retained: Option<u64>,
}

impl CohortPeriod {
    /// retained / active, when defined.
    pub fn retention_rate(&self) -> Option<f64> {
        self.retained
            .filter(|_| self.active > 0)
            .map(|r| r as f64 / self.active as f64)
    }

    /// Share of the cohort active in the period.
    pub fn active_share(&self) -> f64 {
        if self.cohort_size == 0 {
            0.0
        } else {
            self.active as f64 / self.cohort_size as f64
        }
    }
}

/// The KPIs of a log; see the module docs for the definitions.
#[derive(Debug, Clone, PartialEq)]
pub struct Kpis {
    /// The retention period.
    pub period: Period,
    /// First date of the log.
    pub first_date: NaiveDate,
    /// Observation end.
    pub end: NaiveDate,
    /// Customers with a purchase on or before the observation end.
    pub customers: u64,
    /// Purchases (customer purchase days).
    pub purchases: u64,
    /// Sum of the purchases' amounts.
    pub revenue: f64,
    /// Years from the first date to the observation end, both included.
    pub years: f64,
    /// APV = revenue / purchases.
    pub average_purchase_value: f64,
    /// PFR = purchases / customers / years.
    pub purchase_frequency_rate: f64,
    /// Pooled retention per period.
    pub retention_rate: f64,
    /// 1 − retention.
    pub churn_rate: f64,
    /// 1 / churn periods in years; `None` when nobody churns (retention 1).
    pub lifespan_years: Option<f64>,
    /// Mean (last − first purchase) over customers, in years.
    pub observed_mean_span_years: f64,
    /// The same over repeat customers (more than one purchase day); `None` without any.
    pub observed_mean_span_repeaters_years: Option<f64>,
    /// Margin used.
    pub margin: f64,
    /// CAC used.
    pub cac: f64,
    /// APV × PFR × lifespan × margin − CAC; `None` when the lifespan is unbounded.
    pub simple_clv: Option<f64>,
    /// Number of period pairs (k, k + 1) the retention pools.
    pub retention_periods: usize,
    /// Whether the last period of the log ends on the observation end (complete).
    pub last_period_complete: bool,
    /// The retention table: per cohort (in cohort order, each over its periods), then the
    /// overall rows (`cohort` `None`).
    pub cohorts: Vec<CohortPeriod>,
}

impl Kpis {
    /// Annual value of an average customer: APV × PFR.
    pub fn annual_value(&self) -> f64 {
        self.average_purchase_value * self.purchase_frequency_rate
    }
}

/// Checks the options: margin finite and non-negative, CAC finite and non-negative.
fn check(opts: &KpiOptions) -> Result<()> {
    if !(opts.margin.is_finite() && opts.margin >= 0.0) {
        return Err(Error::InvalidOption {
            name: "margin",
            value: opts.margin.to_string(),
            reason: "must be a finite number >= 0".into(),
        });
    }
    if !(opts.cac.is_finite() && opts.cac >= 0.0) {
        return Err(Error::InvalidOption {
            name: "CAC",
            value: opts.cac.to_string(),
            reason: "must be a finite number >= 0".into(),
        });
    }
    Ok(())
}

/// Computes the KPIs of a log (definitions in the module docs).
///
/// # Errors
/// [`Error::InvalidOption`] for a negative or non-finite margin or CAC, or an observation end
/// before the log's first date; [`Error::NoData`] when the log has no amounts, or covers fewer
/// than two periods with a complete second one (no retention can be measured).
pub fn compute_kpis(tx: &Transactions, opts: &KpiOptions) -> Result<Kpis> {
    check(opts)?;
    if !tx.has_amounts {
        return Err(Error::NoData {
            what: "KPIs".into(),
            reason: format!(
                "{} has no amount column (give it with --amount-col): revenue and the average \
                 purchase value need amounts",
                tx.source.display()
            ),
        });
    }
    let end = opts.observation_end.unwrap_or(tx.last_date);
    if end < tx.first_date {
        return Err(Error::InvalidOption {
            name: "observation end",
            value: end.to_string(),
            reason: format!("is before the log's first date {}", tx.first_date),
        });
    }
    let period = opts.period;
    let first_period = period.index(tx.first_date);
    let last_period = period.index(end);
    // A pair (k, k + 1) counts when k + 1 is complete by the end.
    let complete = |k: i32| period.last_day(k).is_some_and(|d| d <= end);

    let mut customers = 0u64;
    let mut purchases = 0u64;
    let mut revenue = 0.0;
    let mut span_days = 0i64;
    let mut repeaters = 0u64;
    let mut repeater_span_days = 0i64;
    let mut cohort_size: BTreeMap<i32, u64> = BTreeMap::new();
    // (cohort, period) -> (active, retained)
    let mut cells: BTreeMap<(i32, i32), (u64, u64)> = BTreeMap::new();
    let mut periods: Vec<i32> = Vec::new();
    for c in tx.customers() {
        let (days, _) = c.days.split_at_date(end);
        let (Some(first), Some(last)) = (days.first(), days.last()) else {
            continue;
        };
        customers += 1;
        purchases += days.len() as u64;
        revenue += days.amounts().iter().sum::<f64>();
        let span = (last.date - first.date).num_days();
        span_days += span;
        if days.len() > 1 {
            repeaters += 1;
            repeater_span_days += span;
        }
        periods.clear();
        periods.extend(days.iter().map(|d| period.index(d.date)));
        periods.dedup();
        let cohort = periods[0];
        *cohort_size.entry(cohort).or_default() += 1;
        for (i, &p) in periods.iter().enumerate() {
            let cell = cells.entry((cohort, p)).or_default();
            cell.0 += 1;
            if periods.get(i + 1) == Some(&(p + 1)) {
                cell.1 += 1;
            }
        }
    }
    if customers == 0 {
        return Err(Error::NoData {
            what: "KPIs".into(),
            reason: format!("no purchase on or before {end}"),
        });
    }

    let mut rows = Vec::new();
    let mut overall: BTreeMap<i32, (u64, u64)> = BTreeMap::new();
    for (&cohort, &size) in &cohort_size {
        for p in cohort..=last_period {
            let (active, retained) = cells.get(&(cohort, p)).copied().unwrap_or((0, 0));
            let counted = p < last_period && complete(p + 1);
            let o = overall.entry(p).or_default();
            o.0 += active;
            o.1 += retained;
            rows.push(CohortPeriod {
                cohort: Some(cohort),
                period: p,
                age: (p - cohort) as u32,
                cohort_size: size,
                active,
                retained: counted.then_some(retained),
            });
        }
    }
    let (mut pooled_active, mut pooled_retained, mut pairs) = (0u64, 0u64, 0usize);
    for p in first_period..=last_period {
        let (active, retained) = overall.get(&p).copied().unwrap_or((0, 0));
        let counted = p < last_period && complete(p + 1);
        if counted {
            pooled_active += active;
            pooled_retained += retained;
            pairs += 1;
        }
        rows.push(CohortPeriod {
            cohort: None,
            period: p,
            age: (p - first_period) as u32,
            cohort_size: customers,
            active,
            retained: counted.then_some(retained),
        });
    }
    if pairs == 0 || pooled_active == 0 {
        return Err(Error::NoData {
            what: "retention".into(),
            reason: format!(
                "the log ({} to {end}) covers no {period} followed by a complete {period}; \
                 choose a shorter --period",
                tx.first_date
            ),
        });
    }
    let years = ((end - tx.first_date).num_days() + 1) as f64 / DAYS_PER_YEAR;
    let retention_rate = pooled_retained as f64 / pooled_active as f64;
    let churn_rate = 1.0 - retention_rate;
    let lifespan_years = (churn_rate > 0.0).then(|| period.years() / churn_rate);
    let average_purchase_value = revenue / purchases as f64;
    let purchase_frequency_rate = purchases as f64 / customers as f64 / years;
    let simple_clv = lifespan_years
        .map(|l| average_purchase_value * purchase_frequency_rate * l * opts.margin - opts.cac);
    Ok(Kpis {
        period,
        first_date: tx.first_date,
        end,
        customers,
        purchases,
        revenue,
        years,
        average_purchase_value,
        purchase_frequency_rate,
        retention_rate,
        churn_rate,
        lifespan_years,
        observed_mean_span_years: span_days as f64 / customers as f64 / DAYS_PER_YEAR,
        observed_mean_span_repeaters_years: (repeaters > 0)
            .then(|| repeater_span_days as f64 / repeaters as f64 / DAYS_PER_YEAR),
        margin: opts.margin,
        cac: opts.cac,
        simple_clv,
        retention_periods: pairs,
        last_period_complete: complete(last_period),
        cohorts: rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{read_transactions_from, ReadOptions};

    fn log(text: &str) -> Transactions {
        read_transactions_from(text.as_bytes(), "t.csv", &ReadOptions::default()).unwrap()
    }

    #[test]
    fn periods_have_labels_and_bounds() {
        let d = NaiveDate::from_ymd_opt(1997, 5, 17).unwrap();
        assert_eq!(Period::Month.label(Period::Month.index(d)), "1997-05");
        assert_eq!(Period::Quarter.label(Period::Quarter.index(d)), "1997Q2");
        assert_eq!(Period::Year.label(Period::Year.index(d)), "1997");
        let q = Period::Quarter.index(d);
        assert_eq!(
            Period::Quarter.last_day(q),
            NaiveDate::from_ymd_opt(1997, 6, 30)
        );
        let m = Period::Month.index(NaiveDate::from_ymd_opt(1996, 12, 3).unwrap());
        assert_eq!(
            Period::Month.last_day(m),
            NaiveDate::from_ymd_opt(1996, 12, 31)
        );
        assert_eq!(
            Period::Month.index(NaiveDate::from_ymd_opt(1997, 1, 1).unwrap()),
            m + 1
        );
    }

    /// A hand-computed example: three customers over three complete months.
    #[test]
    fn small_log_by_hand() {
        let tx = log("customer_id,date,amount\n\
             a,2020-01-05,10\na,2020-01-05,5\na,2020-02-10,20\na,2020-03-01,5\n\
             b,2020-01-20,40\n\
             c,2020-02-02,10\nc,2020-03-31,30\n");
        let k = compute_kpis(
            &tx,
            &KpiOptions {
                period: Period::Month,
                margin: 0.5,
                cac: 1.0,
                observation_end: None,
            },
        )
        .unwrap();
        assert_eq!((k.customers, k.purchases), (3, 6));
        assert_eq!(k.revenue, 120.0);
        assert_eq!(k.average_purchase_value, 20.0);
        // 2020-01-05 .. 2020-03-31: 87 days.
        assert!((k.years - 87.0 / 365.25).abs() < 1e-15);
        // Jan: a, b active, a retained; Feb: a, c active, both retained; Mar is last.
        assert_eq!(k.retention_periods, 2);
        assert!((k.retention_rate - 3.0 / 4.0).abs() < 1e-15);
        assert!((k.lifespan_years.unwrap() - (1.0 / 12.0) / 0.25).abs() < 1e-12);
        let expected = 20.0 * (6.0 / 3.0 / k.years) * (1.0 / 3.0) * 0.5 - 1.0;
        assert!((k.simple_clv.unwrap() - expected).abs() < 1e-9);
        assert!(k.last_period_complete);
        // Cohort January (a, b): sizes and retention.
        let jan: Vec<_> = k
            .cohorts
            .iter()
            .filter(|c| c.cohort == Some(k.cohorts[0].period))
            .collect();
        assert_eq!(jan.len(), 3);
        assert_eq!((jan[0].active, jan[0].retained), (2, Some(1)));
        assert_eq!((jan[1].active, jan[1].retained), (1, Some(1)));
        assert_eq!((jan[2].active, jan[2].retained), (1, None));
        // Spans: a 56 days, b 0, c 58.
        assert!((k.observed_mean_span_years - 114.0 / 3.0 / 365.25).abs() < 1e-15);
    }

    #[test]
    fn a_partial_next_period_is_not_counted_and_none_is_an_error() {
        let tx = log("customer_id,date,amount\na,2020-01-05,10\na,2020-02-10,20\n");
        let err = compute_kpis(&tx, &KpiOptions::default()).unwrap_err();
        assert!(
            err.to_string().contains("choose a shorter --period"),
            "{err}"
        );
        let k = compute_kpis(
            &tx,
            &KpiOptions {
                period: Period::Month,
                observation_end: NaiveDate::from_ymd_opt(2020, 2, 29),
                ..KpiOptions::default()
            },
        )
        .unwrap();
        assert_eq!(k.retention_rate, 1.0);
        assert_eq!(k.lifespan_years, None);
        assert_eq!(k.simple_clv, None);
    }

    #[test]
    fn rejects_bad_options_and_logs_without_amounts() {
        let tx = log("customer_id,date,amount\na,2020-01-05,10\n");
        for (margin, cac) in [
            (-0.1, 0.0),
            (f64::NAN, 0.0),
            (1.0, -1.0),
            (1.0, f64::INFINITY),
        ] {
            let o = KpiOptions {
                margin,
                cac,
                ..KpiOptions::default()
            };
            assert!(matches!(
                compute_kpis(&tx, &o),
                Err(Error::InvalidOption { .. })
            ));
        }
        let tx = log("customer_id,date\na,2020-01-05\n");
        let err = compute_kpis(&tx, &KpiOptions::default()).unwrap_err();
        assert!(err.to_string().contains("no amount column"), "{err}");
    }
}
