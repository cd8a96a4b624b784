//! Shared test helpers: dataset paths and named tolerances with their reasons.
#![allow(dead_code)]

use std::path::PathBuf;

use btyd::data::{compress, History, Patterns};

/// Path of a file under `datasets/`.
pub fn dataset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("datasets").join(name)
}

/// The 2,357 CDNOW (x, t_x, T) rows of `cdnow_customers_summary.csv` (2-dp, weeks), in file order.
pub fn cdnow_histories() -> Vec<History> {
    let mut rdr = csv::Reader::from_path(dataset("cdnow_customers_summary.csv")).expect("dataset");
    rdr.records()
        .map(|r| {
            let r = r.expect("record");
            let f = |i: usize| r[i].trim().parse::<f64>().expect("number");
            History::new(f(1), f(2), f(3)).expect("valid")
        })
        .collect()
}

/// Histories with weight 1 each, compressed.
pub fn patterns(h: &[History]) -> Patterns<History> {
    compress(h.iter().map(|&h| (h, 1.0)))
}

/// Relative difference |a − b| / |b|.
pub fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}
