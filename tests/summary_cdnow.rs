//! The CDNOW logs summarised as in Fader, Hardie & Lee (2005) and lifetimes, checked against the
//! summaries shipped with lifetimes (`datasets/PROVENANCE.md`), which were made independently
//! (Hardie's spreadsheets, rounded to 2 dp).

use std::collections::HashMap;
use std::path::Path;

use btyd::data::time::parse_date_arg;
use btyd::data::{
    build_summary, read_transactions, ColumnSpec, ReadOptions, Summary, SummaryOptions,
    SummaryReport, TimeUnit,
};
use btyd::io::{atomic_write, read_summary, write_summary};

/// The shipped summaries are rounded to 2 decimals: half a unit of the last place (an exact
/// half such as 22.345 -> 22.35 is off by 0.005), plus floating-point slack.
const ROUNDED_2DP: f64 = 0.005 + 1e-9;
/// Exact arithmetic on whole days: only floating-point rounding.
const EXACT: f64 = 1e-9;

fn dataset(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("datasets")
        .join(name)
}

/// The classic split: calibration to 1997-09-30, holdout to 1998-06-30, in weeks.
fn classic_split(
    file: &str,
    customer: usize,
    date: usize,
    amount: usize,
    header: bool,
) -> (Summary, SummaryReport) {
    let read = ReadOptions {
        customer_col: Some(ColumnSpec::Index(customer)),
        date_col: Some(ColumnSpec::Index(date)),
        amount_col: Some(ColumnSpec::Index(amount)),
        has_header: header,
        ..ReadOptions::default()
    };
    let opts = SummaryOptions {
        unit: TimeUnit::Week,
        observation_end: Some(parse_date_arg("1998-06-30", "test").unwrap()),
        calibration_end: Some(parse_date_arg("1997-09-30", "test").unwrap()),
    };
    let tx = read_transactions(&dataset(file), &read).unwrap();
    build_summary(&tx, &opts).unwrap()
}

fn sample() -> (Summary, SummaryReport) {
    classic_split("CDNOW_sample.txt", 2, 3, 5, false)
}

fn sum_frequency(s: &Summary) -> f64 {
    s.customers.iter().map(|c| c.history.frequency).sum()
}

fn sum_holdout(s: &Summary) -> f64 {
    s.customers
        .iter()
        .map(|c| c.holdout.unwrap().frequency)
        .sum()
}

/// Sample customer ids are zero-padded in the log ("0001") and plain in the CSVs ("1").
fn by_number(s: &Summary) -> HashMap<u32, &btyd::data::CustomerSummary> {
    s.customers
        .iter()
        .map(|c| (c.customer_id.parse::<u32>().unwrap(), c))
        .collect()
}

#[test]
fn sample_totals_match_the_published_counts() {
    let (s, report) = sample();
    assert_eq!(s.customers.len(), 2357);
    assert_eq!(report.excluded, 0);
    assert_eq!(sum_frequency(&s), 2457.0);
    assert_eq!(report.repeaters, 946);
    assert_eq!(sum_holdout(&s), 1882.0);
    for c in &s.customers {
        let h = c.holdout.unwrap();
        assert!(
            (h.duration - 39.0).abs() < EXACT,
            "{}: {}",
            c.customer_id,
            h.duration
        );
    }
}

#[test]
fn sample_matches_the_shipped_rfm_summary_for_every_customer() {
    let (s, _) = sample();
    let ours = by_number(&s);
    let shipped = read_summary(&dataset("cdnow_customers_summary.csv"), TimeUnit::Week).unwrap();
    assert_eq!(shipped.customers.len(), ours.len());
    for want in &shipped.customers {
        let id: u32 = want.customer_id.parse().unwrap();
        let got = ours[&id].history;
        let w = want.history;
        assert_eq!(got.frequency, w.frequency, "customer {id}");
        assert!(
            (got.recency - w.recency).abs() <= ROUNDED_2DP,
            "customer {id}: {got:?} vs {w:?}"
        );
        assert!(
            (got.age - w.age).abs() <= ROUNDED_2DP,
            "customer {id}: {got:?} vs {w:?}"
        );
    }
}

#[test]
fn sample_monetary_value_matches_zbar_for_every_customer() {
    let (s, _) = sample();
    let ours = by_number(&s);
    let shipped = read_summary(
        &dataset("cdnow_customers_summary_with_transactions.csv"),
        TimeUnit::Week,
    )
    .unwrap();
    assert_eq!(shipped.customers.len(), ours.len());
    for want in &shipped.customers {
        let id: u32 = want.customer_id.parse().unwrap();
        let got = ours[&id].monetary_value.unwrap();
        let zbar = want.monetary_value.unwrap();
        assert!(
            (got - zbar).abs() <= ROUNDED_2DP,
            "customer {id}: {got} vs zbar {zbar}"
        );
    }
}

#[test]
fn master_totals_match_the_published_counts() {
    let (s, report) = classic_split("CDNOW_master.txt", 1, 2, 4, true);
    assert_eq!(s.customers.len(), 23_570);
    assert_eq!(report.rows, 69_659);
    assert_eq!(sum_frequency(&s), 24_337.0);
    assert_eq!(sum_holdout(&s), 19_684.0);
}

#[test]
fn shipped_summaries_read_with_their_own_column_names() {
    for file in [
        "cdnow_customers_summary.csv",
        "cdnow_customers_summary_with_transactions.csv",
    ] {
        let s = read_summary(&dataset(file), TimeUnit::Week).unwrap();
        assert_eq!(s.customers.len(), 2357, "{file}");
        let repeaters = s.histories().filter(|h| h.frequency > 0.0).count();
        assert_eq!(repeaters, 946, "{file}");
        assert_eq!(s.unit, TimeUnit::Week);
        assert!(!s.has_holdout());
        assert_eq!(
            s.has_monetary_value(),
            file.contains("transactions"),
            "{file}"
        );
    }
}

#[test]
fn written_summary_reads_back_identically() {
    let (s, _) = sample();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("summary.csv");
    atomic_write(&path, |w| write_summary(&s, w)).unwrap();
    let back = read_summary(&path, TimeUnit::Week).unwrap();
    assert_eq!(
        back.customers, s.customers,
        "shortest round-trip floats are exact"
    );
    assert_eq!(back.unit, s.unit);
}
