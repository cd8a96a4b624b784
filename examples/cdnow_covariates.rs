//! Regenerates `datasets/cdnow_covariates.csv`: **simulated** covariates for the 2,357
//! customers of the CDNOW sample (no real covariates ship with CDNOW), seeded, for the worked
//! example of `btyd fit --covariates` in the README.
//!
//! ```sh
//! cargo run --release --example cdnow_covariates [-- OUTPUT]
//! ```
//!
//! Columns, per customer id of `datasets/CDNOW_sample.txt` (column 2):
//! - `channel`: `email`, `search` or `store` with probabilities 0.3, 0.4, 0.3, independent of
//!   everything (no effect to find);
//! - `newsletter`: `yes` with probability 0.2 + 0.15·min(x, 4), x the customer's number of
//!   repeat purchases in the 39-week calibration period (to 1997-09-30): an association built
//!   in on purpose, so that the example shows what a covariate with an effect looks like;
//! - `age`: whole years, normal with mean 40 and sd 12 clipped to 18-80, independent of
//!   everything.

use std::io::Write;

use btyd::data::{
    build_summary, read_transactions, ColumnSpec, ReadOptions, SummaryOptions, TimeUnit,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal};

/// The seed of the shipped file.
const SEED: u64 = 15;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "datasets/cdnow_covariates.csv".to_string());
    let read = ReadOptions {
        customer_col: Some(ColumnSpec::Index(2)),
        date_col: Some(ColumnSpec::Index(3)),
        amount_col: Some(ColumnSpec::Index(5)),
        has_header: false,
        ..ReadOptions::default()
    };
    let tx = read_transactions(std::path::Path::new("datasets/CDNOW_sample.txt"), &read)?;
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d");
    let opts = SummaryOptions {
        unit: TimeUnit::Week,
        observation_end: Some(date("1998-06-30")?),
        calibration_end: Some(date("1997-09-30")?),
    };
    let summary = build_summary(&tx, &opts)?.0;
    let mut rng = StdRng::seed_from_u64(SEED);
    let age = Normal::new(40.0, 12.0)?;
    let mut w = std::io::BufWriter::new(std::fs::File::create(&out)?);
    writeln!(w, "customer_id,channel,newsletter,age")?;
    for c in &summary.customers {
        let u: f64 = rng.random();
        let channel = if u < 0.3 {
            "email"
        } else if u < 0.7 {
            "search"
        } else {
            "store"
        };
        let p_yes = 0.2 + 0.15 * c.history.frequency.min(4.0);
        let newsletter = if rng.random_bool(p_yes) { "yes" } else { "no" };
        let a: f64 = age.sample(&mut rng);
        let a = a.round().clamp(18.0, 80.0);
        writeln!(w, "{},{channel},{newsletter},{a}", c.customer_id)?;
    }
    w.flush()?;
    eprintln!("{} customers written to {out}", summary.customers.len());
    Ok(())
}
