//! Shared test helpers: dataset paths and named tolerances with their reasons.
#![allow(dead_code)]

use std::path::PathBuf;

use btyd::data::{compress, CustomerSummary, History, Patterns, Summary, TimeUnit};

/// Path of a file under `datasets/`.
pub fn dataset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("datasets")
        .join(name)
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

/// The 2,357 CDNOW customers of `cdnow_customers_summary_with_transactions.csv` (columns
/// `ID,x,t_x,T,zbar`, CRLF, weeks, 2-dp values, zbar = mean repeat-transaction value, 0 when
/// x = 0) as a weekly [`Summary`], in file order, customer ids from `ID`.
pub fn cdnow_spend_summary() -> Summary {
    let mut rdr = csv::Reader::from_path(dataset("cdnow_customers_summary_with_transactions.csv"))
        .expect("dataset");
    let customers = rdr
        .records()
        .map(|r| {
            let r = r.expect("record");
            let f = |i: usize| r[i].trim().parse::<f64>().expect("number");
            CustomerSummary {
                customer_id: r[0].trim().to_string(),
                history: History::new(f(1), f(2), f(3)).expect("valid"),
                monetary_value: Some(f(4)),
                holdout: None,
            }
        })
        .collect();
    Summary {
        unit: TimeUnit::Week,
        customers,
    }
}

/// Relative tolerance of an analytic gradient against central finite differences with step
/// h = 1e-6·max(1, |θ|): the truncation error is O(h²)·f''' and the rounding error
/// O(ε·|f|/h) ≈ 1e-10·|f|, so 1e-5 leaves a wide margin while catching any wrong term.
pub const GRAD_REL_TOL: f64 = 1e-5;
/// Absolute floor of the gradient comparison, for components that are near zero.
pub const GRAD_ABS_TOL: f64 = 1e-6;
/// Rounding noise of a central difference of ln f, per unit of (largest term of ln f)/h: the
/// Gamma-Gamma density subtracts ln Γ values of size (px+q) ln(px+q) (≈ 7e4 at px = 8000),
/// each rounded to ~1e-16 relative, so the difference carries ≈ 1e-16·scale/h of noise; 1e-15
/// is ten times that.
pub const GRAD_FD_NOISE: f64 = 1e-15;
