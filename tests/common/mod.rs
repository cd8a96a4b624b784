//! Shared test helpers: dataset paths and named tolerances with their reasons.
#![allow(dead_code)]

use std::path::PathBuf;

use btyd::data::{compress, History, Patterns};

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

/// Relative tolerance for analytic vs central-difference gradients: the difference quotient
/// with step 1e-6·max(1, |p|) carries ~1e-9 relative truncation and rounding error; 1e-5 leaves
/// room for ill-conditioned corners without hiding a wrong derivative (those are off by O(1)).
pub const GRADIENT_RTOL: f64 = 1e-5;
/// Absolute floor for gradient comparisons (components that are essentially zero).
pub const GRADIENT_ATOL: f64 = 1e-6;

/// Checks a model's analytic gradient of ln L at `obs` against central finite differences in
/// each natural parameter. Returns a description of the first mismatch.
pub fn check_gradient<M: btyd::models::LogLikelihood>(
    model: &M,
    obs: &M::Obs,
) -> Result<(), String> {
    let p = model.params();
    let mut g = vec![0.0; p.len()];
    model.ln_likelihood_grad(obs, &mut g);
    for i in 0..p.len() {
        let step = 1e-6 * p[i].abs().max(1.0);
        let at = |d: f64| {
            let mut q = p.clone();
            q[i] += d;
            M::from_params(&q).map(|m| m.ln_likelihood(obs))
        };
        // Stay inside the parameter space for small parameters.
        let step = step.min(0.5 * p[i]);
        let (up, down) = (
            at(step).map_err(|e| e.to_string())?,
            at(-step).map_err(|e| e.to_string())?,
        );
        let fd = (up - down) / (2.0 * step);
        let tol = GRADIENT_ATOL + GRADIENT_RTOL * fd.abs().max(g[i].abs());
        let diff = (g[i] - fd).abs();
        if diff.is_nan() || diff > tol {
            return Err(format!(
                "{} d/d{}: analytic {} vs numeric {}",
                M::NAME,
                M::PARAM_NAMES[i],
                g[i],
                fd
            ));
        }
    }
    Ok(())
}

/// The CDNOW sample's calibration/holdout summary built from the transaction log
/// (`CDNOW_sample.txt`: no header, customer column 2, date column 3, amount column 5), in weeks,
/// calibration to 1997-09-30 and observation to 1998-06-30, as in Fader, Hardie & Lee (2005a).
pub fn cdnow_sample_summary() -> btyd::data::Summary {
    use btyd::data::{
        build_summary, read_transactions, ColumnSpec, ReadOptions, SummaryOptions, TimeUnit,
    };
    let read = ReadOptions {
        customer_col: Some(ColumnSpec::Index(2)),
        date_col: Some(ColumnSpec::Index(3)),
        amount_col: Some(ColumnSpec::Index(5)),
        has_header: false,
        ..ReadOptions::default()
    };
    let tx = read_transactions(&dataset("CDNOW_sample.txt"), &read).expect("CDNOW sample log");
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let opts = SummaryOptions {
        unit: TimeUnit::Week,
        observation_end: Some(date("1998-06-30")),
        calibration_end: Some(date("1997-09-30")),
    };
    build_summary(&tx, &opts).expect("summary").0
}
