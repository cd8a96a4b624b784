//! `btyd::decide::kpi` on the full CDNOW log (23,570 customers, `datasets/CDNOW_master.txt`)
//! against an independent computation written here: a plain loop over the raw file's lines
//! (no btyd reader, no btyd period arithmetic), then the definitions of the README's
//! "Decisions" section applied by hand.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use btyd::data::{read_transactions, ColumnSpec, ReadOptions};
use btyd::decide::{compute_kpis, KpiOptions, Kpis, Period};
use common::workdir::Workdir;

/// Relative tolerance between the two computations: both sum the same amounts in a different
/// order (file order per customer-day here, btyd's merged days there), so only rounding of
/// the sums differs.
const SUM_RTOL: f64 = 1e-12;

/// The raw log: per customer, its purchase days (YYYYMMDD as numbers) with the day's amounts.
struct Raw {
    days: HashMap<String, BTreeMap<u32, f64>>,
    first: u32,
    last: u32,
}

fn read_raw() -> Raw {
    let text = std::fs::read_to_string(common::dataset("CDNOW_master.txt")).expect("dataset");
    let mut days: HashMap<String, BTreeMap<u32, f64>> = HashMap::new();
    let (mut first, mut last) = (u32::MAX, 0);
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if i == 0 {
            assert_eq!(f, ["customer_id", "date", "number_of_cds", "dollar_value"]);
            continue;
        }
        if f.is_empty() {
            continue;
        }
        let date: u32 = f[1].parse().expect("date");
        let amount: f64 = f[3].parse().expect("amount");
        *days
            .entry(f[0].to_string())
            .or_default()
            .entry(date)
            .or_default() += amount;
        first = first.min(date);
        last = last.max(date);
    }
    Raw { days, first, last }
}

/// Days from 0000-03-01 (a civil-from-days count, written out here rather than using chrono).
fn day_number(yyyymmdd: u32) -> i64 {
    let (y, m, d) = (
        i64::from(yyyymmdd / 10_000),
        i64::from(yyyymmdd / 100 % 100),
        i64::from(yyyymmdd % 100),
    );
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + d - 1
}

/// Months per period and the KPIs by hand.
struct Expected {
    customers: usize,
    purchases: usize,
    revenue: f64,
    years: f64,
    apv: f64,
    pfr: f64,
    retention: f64,
    span: f64,
    span_repeaters: f64,
    /// (period number, active, retained) of all customers, periods whose next one is complete.
    pairs: Vec<(i64, u64, u64)>,
}

fn expected(raw: &Raw, months: i64) -> Expected {
    let period = |d: u32| (i64::from(d / 10_000) * 12 + i64::from(d / 100 % 100) - 1) / months;
    let customers = raw.days.len();
    let purchases: usize = raw.days.values().map(BTreeMap::len).sum();
    let revenue: f64 = raw.days.values().flat_map(|d| d.values()).sum();
    let years = (day_number(raw.last) - day_number(raw.first) + 1) as f64 / 365.25;
    // The log ends on 1998-06-30, the end of a month, quarter and half-year: the last
    // period is complete for months and quarters, and every earlier one is too.
    let last_period = period(raw.last);
    let mut active: BTreeMap<i64, u64> = BTreeMap::new();
    let mut retained: BTreeMap<i64, u64> = BTreeMap::new();
    let (mut span, mut span_rep, mut repeaters) = (0i64, 0i64, 0u64);
    for d in raw.days.values() {
        let ps: BTreeSet<i64> = d.keys().map(|&x| period(x)).collect();
        for &p in &ps {
            *active.entry(p).or_default() += 1;
            if ps.contains(&(p + 1)) {
                *retained.entry(p).or_default() += 1;
            }
        }
        let (a, b) = (d.keys().next().unwrap(), d.keys().next_back().unwrap());
        let s = day_number(*b) - day_number(*a);
        span += s;
        if d.len() > 1 {
            span_rep += s;
            repeaters += 1;
        }
    }
    let pairs: Vec<(i64, u64, u64)> = active
        .iter()
        .filter(|(&p, _)| p < last_period)
        .map(|(&p, &a)| (p, a, retained.get(&p).copied().unwrap_or(0)))
        .collect();
    let (a, r) = pairs
        .iter()
        .fold((0, 0), |(a, r), &(_, x, y)| (a + x, r + y));
    Expected {
        customers,
        purchases,
        revenue,
        years,
        apv: revenue / purchases as f64,
        pfr: purchases as f64 / customers as f64 / years,
        retention: r as f64 / a as f64,
        span: span as f64 / customers as f64 / 365.25,
        span_repeaters: span_rep as f64 / repeaters as f64 / 365.25,
        pairs,
    }
}

fn read_options() -> ReadOptions {
    ReadOptions {
        customer_col: Some(ColumnSpec::Name("customer_id".into())),
        date_col: Some(ColumnSpec::Name("date".into())),
        amount_col: Some(ColumnSpec::Name("dollar_value".into())),
        ..ReadOptions::default()
    }
}

fn kpis(period: Period, margin: f64, cac: f64) -> Kpis {
    let tx = read_transactions(&common::dataset("CDNOW_master.txt"), &read_options()).unwrap();
    compute_kpis(
        &tx,
        &KpiOptions {
            period,
            margin,
            cac,
            observation_end: None,
        },
    )
    .unwrap()
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= SUM_RTOL * b.abs(),
        "{what}: btyd {a}, by hand {b}"
    );
}

fn check(k: &Kpis, e: &Expected, period_years: f64, margin: f64, cac: f64) {
    assert_eq!(k.customers as usize, e.customers);
    assert_eq!(k.purchases as usize, e.purchases);
    close(k.revenue, e.revenue, "revenue");
    close(k.years, e.years, "years");
    close(k.average_purchase_value, e.apv, "APV");
    close(k.purchase_frequency_rate, e.pfr, "PFR");
    close(k.retention_rate, e.retention, "retention");
    close(k.churn_rate, 1.0 - e.retention, "churn");
    let lifespan = period_years / (1.0 - e.retention);
    close(k.lifespan_years.unwrap(), lifespan, "lifespan");
    close(k.observed_mean_span_years, e.span, "span");
    close(
        k.observed_mean_span_repeaters_years.unwrap(),
        e.span_repeaters,
        "span of repeaters",
    );
    close(
        k.simple_clv.unwrap(),
        e.apv * e.pfr * lifespan * margin - cac,
        "simple CLV",
    );
    assert_eq!(k.retention_periods, e.pairs.len());
    let overall: Vec<(u64, u64)> = k
        .cohorts
        .iter()
        .filter(|c| c.cohort.is_none() && c.retained.is_some())
        .map(|c| (c.active, c.retained.unwrap()))
        .collect();
    let by_hand: Vec<(u64, u64)> = e.pairs.iter().map(|&(_, a, r)| (a, r)).collect();
    assert_eq!(overall, by_hand);
}

#[test]
fn cdnow_master_quarterly_kpis_match_a_computation_by_hand() {
    let raw = read_raw();
    let e = expected(&raw, 3);
    let k = kpis(Period::Quarter, 0.3, 10.0);
    check(&k, &e, 0.25, 0.3, 10.0);
    // The values themselves, for the README (1997-01-01 to 1998-06-30).
    assert_eq!((e.customers, e.purchases), (23_570, 67_591));
    assert!((e.revenue - 2_500_315.63).abs() < 1e-6);
    assert!((e.apv - 36.991_842_553).abs() < 1e-8);
    assert!((e.pfr - 1.918_345_692).abs() < 1e-8);
    assert!((e.retention - 0.325_890_368).abs() < 1e-8);
    assert_eq!(e.pairs.len(), 5);
    // Every customer of CDNOW's cohort made the first purchase in 1997Q1.
    assert!(k
        .cohorts
        .iter()
        .all(|c| c.cohort.is_none_or(|q| q == k.cohorts[0].period)));
    assert!(k.last_period_complete);
}

#[test]
fn cdnow_master_monthly_kpis_match_a_computation_by_hand() {
    let raw = read_raw();
    let e = expected(&raw, 1);
    let k = kpis(Period::Month, 1.0, 0.0);
    check(&k, &e, 1.0 / 12.0, 1.0, 0.0);
    assert_eq!(e.pairs.len(), 17);
    // Three monthly cohorts (January, February, March 1997), each with its own rows.
    let cohorts: BTreeSet<i32> = k.cohorts.iter().filter_map(|c| c.cohort).collect();
    assert_eq!(cohorts.len(), 3);
    // Each cohort is fully active in its own month, and its sizes add up to all customers.
    let mut total = 0;
    for &c in &cohorts {
        let first = k
            .cohorts
            .iter()
            .find(|r| r.cohort == Some(c) && r.age == 0)
            .unwrap();
        assert_eq!(first.active, first.cohort_size);
        total += first.cohort_size;
    }
    assert_eq!(total as usize, e.customers);
}

#[test]
fn yearly_retention_needs_a_complete_second_year() {
    let tx = read_transactions(&common::dataset("CDNOW_master.txt"), &read_options()).unwrap();
    let err = compute_kpis(
        &tx,
        &KpiOptions {
            period: Period::Year,
            ..KpiOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("choose a shorter --period"),
        "{err}"
    );
}

/// The CLI writes the same numbers: one row per metric, the retention table and its chart.
#[test]
fn cli_writes_the_kpi_files() {
    let w = Workdir::new();
    let log = common::dataset("CDNOW_master.txt");
    let out = w.succeeds(&[
        "kpi",
        log.to_str().unwrap(),
        "--customer-col",
        "customer_id",
        "--date-col",
        "date",
        "--amount-col",
        "dollar_value",
        "--margin",
        "0.3",
        "--cac",
        "10",
        "-o",
        "kpi.csv",
    ]);
    assert!(out.contains("simple CLV"), "{out}");
    assert_eq!(
        w.files(),
        ["kpi.csv", "kpi_retention.csv", "kpi_retention.svg"]
    );
    let mut rdr = csv::Reader::from_path(w.path("kpi.csv")).unwrap();
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        ["metric", "value", "unit", "definition"]
    );
    let values: HashMap<String, f64> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].parse().unwrap_or(f64::NAN))
        })
        .collect();
    let raw = read_raw();
    let e = expected(&raw, 3);
    close(values["average_purchase_value"], e.apv, "APV");
    close(values["purchase_frequency_rate"], e.pfr, "PFR");
    close(values["retention_rate"], e.retention, "retention");
    let lifespan = 0.25 / (1.0 - e.retention);
    close(
        values["simple_clv"],
        e.apv * e.pfr * lifespan * 0.3 - 10.0,
        "simple CLV",
    );
    let retention = w.read("kpi_retention.csv");
    assert!(retention.starts_with(
        "cohort,period,periods_since_first,cohort_size,active,active_share,retained,retention_rate,churn_rate\n1997Q1,1997Q1,0,23570,23570,1,"
    ));
    assert!(w.read("kpi_retention.svg").starts_with("<svg"));
}

#[test]
fn cli_kpi_errors_write_nothing() {
    let w = Workdir::new();
    w.write("log.csv", "customer_id,date\na,2020-01-01\na,2020-05-01\n");
    w.fails(&["kpi", "log.csv", "-o", "kpi.csv"], &["no amount column"]);
    w.write(
        "short.csv",
        "customer_id,date,amount\na,2020-01-01,1\na,2020-02-01,2\n",
    );
    w.fails(
        &["kpi", "short.csv", "--period", "year", "-o", "kpi.csv"],
        &["covers no year followed by a complete year"],
    );
    w.fails(&["kpi", "short.csv", "-o", "-"], &["-o must name a file"]);
}
