//! Shared test helpers: dataset paths and named tolerances with their reasons.
#![allow(dead_code)]

pub mod workdir;

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
    check_gradient_with_noise(model, obs, 0.0)
}

/// [`check_gradient`] allowing for rounding noise in the finite difference: `noise_scale` is
/// the size of the largest term of ln L, whose rounding (see [`GRADIENT_FD_NOISE`]) the
/// difference quotient amplifies by 1/h.
pub fn check_gradient_with_noise<M: btyd::models::LogLikelihood>(
    model: &M,
    obs: &M::Obs,
    noise_scale: f64,
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
        let tol = GRADIENT_ATOL
            + GRADIENT_RTOL * fd.abs().max(g[i].abs())
            + GRADIENT_FD_NOISE * noise_scale / step;
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

/// The CDNOW sample's transaction log (`CDNOW_sample.txt`: no header, customer column 2, date
/// column 3, amount column 5) and the summary options of Fader, Hardie & Lee (2005a):
/// calibration to 1997-09-30, observation to 1998-06-30, in `unit`.
pub fn cdnow_sample_log(
    unit: btyd::data::TimeUnit,
) -> (btyd::data::Transactions, btyd::data::SummaryOptions) {
    use btyd::data::{read_transactions, ColumnSpec, ReadOptions, SummaryOptions};
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
        unit,
        observation_end: Some(date("1998-06-30")),
        calibration_end: Some(date("1997-09-30")),
    };
    (tx, opts)
}

/// The CDNOW sample's weekly calibration/holdout summary built from its transaction log
/// ([`cdnow_sample_log`]).
pub fn cdnow_sample_summary() -> btyd::data::Summary {
    let (tx, opts) = cdnow_sample_log(TimeUnit::Week);
    btyd::data::build_summary(&tx, &opts).expect("summary").0
}

/// The CDNOW sample's monthly discrete-time (BG/BB) summary: one opportunity per month after
/// each customer's first purchase ([`cdnow_sample_log`]).
pub fn cdnow_sample_monthly() -> btyd::data::OpportunitySummary {
    let (tx, opts) = cdnow_sample_log(TimeUnit::Month);
    btyd::data::opportunity_summary(&tx, &opts)
        .expect("monthly summary")
        .0
}

/// The command-line options that read the CDNOW sample's log (no header, customer column 2,
/// date column 3, amount column 5).
pub const CDNOW_SAMPLE_COLUMNS: [&str; 7] = [
    "--no-header",
    "--customer-col",
    "2",
    "--date-col",
    "3",
    "--amount-col",
    "5",
];

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
    Summary::new(TimeUnit::Week, customers)
}

/// Rounding noise of a central difference of ln f, per unit of (largest term of ln f)/h: the
/// Gamma-Gamma density subtracts ln Γ values of size (px+q) ln(px+q) (≈ 7e4 at px = 8000),
/// each rounded to ~1e-16 relative, so the difference carries ≈ 1e-16·scale/h of noise; 1e-15
/// is ten times that.
pub const GRADIENT_FD_NOISE: f64 = 1e-15;

/// Estimates must fall within this many standard errors of the truth in recovery tests.
pub const RECOVERY_K_SE: f64 = 3.0;

/// Asserts every fitted parameter lies within [`RECOVERY_K_SE`] standard errors of the truth.
pub fn assert_recovered<M: btyd::models::LogLikelihood + std::fmt::Debug>(
    truth: &M,
    fitted: &btyd::fit::Fitted<M>,
) {
    let se = fitted.std_errors().expect("standard errors");
    for ((name, est), (t, s)) in M::PARAM_NAMES
        .iter()
        .zip(fitted.model.params())
        .zip(truth.params().into_iter().zip(se))
    {
        assert!(
            (est - t).abs() < RECOVERY_K_SE * s,
            "{} {name}: estimate {est} vs truth {t} (SE {s}); fitted {:?}",
            M::NAME,
            fitted.model
        );
    }
}

/// The same file with its header's first field quoted, which sends the whole file to the
/// `csv` crate instead of the chunked reader (the reader before issue 12); `None` when the header cannot be found.
pub fn through_csv_crate(bytes: &[u8]) -> Option<Vec<u8>> {
    let from = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let start = from
        + bytes[from..]
            .iter()
            .position(|&b| b != b'\n' && b != b'\r')?;
    let len = bytes[start..]
        .iter()
        .position(|&b| matches!(b, b',' | b'\n' | b'\r'))
        .unwrap_or(bytes.len() - start);
    if bytes[start..start + len].contains(&b'"') {
        return None;
    }
    let mut out = bytes[..start].to_vec();
    out.push(b'"');
    out.extend_from_slice(&bytes[start..start + len]);
    out.push(b'"');
    out.extend_from_slice(&bytes[start + len..]);
    Some(out)
}
