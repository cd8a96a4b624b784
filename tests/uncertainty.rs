//! Parameter uncertainty (`btyd::predict::uncertainty`, `btyd::fit::bootstrap`):
//!
//! - coverage by simulation: with known parameters, replicate populations are simulated, the
//!   model is fitted on each and the 90% normal-draw interval of the total expected holdout
//!   purchases is formed; the total at the *true* parameters must fall inside in 84%–96% of
//!   replicates (binomial SE of a 90% rate over 200 replicates: 2.1%, so ±6% is ±2.8 SE);
//! - bootstrap and normal-draw intervals of the same total agree on CDNOW within 10% of the
//!   normal interval's width at each bound, for BG/NBD (for Pareto/NBD they do not: its s and
//!   β are poorly determined by CDNOW, the normal draws of ln s, ln β give an upper bound
//!   about 20% of the width above the bootstrap's (1883 vs 1811 for a total of 1666), which
//!   is why the bootstrap is offered);
//! - per customer, lower ≤ point ≤ upper and P(alive) bounds inside [0, 1], for predictions
//!   and CLV.

mod common;

use btyd::data::{History, Summary, TimeUnit};
use btyd::fit::bootstrap::bootstrap;
use btyd::fit::{fit, FitOptions};
use btyd::models::{AnyModel, BgNbd, LogLikelihood, ParetoNbd, PurchaseModel};
use btyd::predict::clv::{ClvOptions, DiscountRate};
use btyd::predict::uncertainty::{purchase_draws, spend_draws};
use btyd::predict::{
    clv_intervals, expected_purchases_intervals, normal_draws, prediction_intervals, Level,
    RowIntervals,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Replicate populations per model (the 200).
const REPLICATES: usize = 200;
/// Customers per population (the 2,000).
const CUSTOMERS: usize = 2000;
/// Parameter draws per replicate: enough for the 5% and 95% quantiles (Monte-Carlo error of
/// ~5% of the interval's width, which lowers the expected coverage of a 90% interval by
/// about one point), few enough to keep the test to seconds.
const DRAWS: usize = 100;
/// The holdout horizon, weeks.
const HOLDOUT: f64 = 39.0;
/// Coverage of a 90% interval must lie in this range (see the module docs).
const COVERAGE: (f64, f64) = (0.84, 0.96);

/// Ages as in CDNOW's first quarter: first purchases on days 189..=273 before the end,
/// in weeks; recency rounded to days as a summary would have it (so patterns repeat).
fn population(
    simulate: impl Fn(&[f64], &mut StdRng) -> Vec<History>,
    rng: &mut StdRng,
) -> Vec<History> {
    let ages: Vec<f64> = (0..CUSTOMERS)
        .map(|_| rng.random_range(189..=273) as f64 / 7.0)
        .collect();
    simulate(&ages, rng)
        .into_iter()
        .map(|h| {
            let t_x = (h.recency * 7.0).round() / 7.0;
            History::new(h.frequency, t_x.min(h.age), h.age).unwrap()
        })
        .collect()
}

/// The share of replicates whose 90% interval of Σ E[Y(39)] (normal draws around the fit)
/// covers the same total at the true parameters.
fn coverage<M>(
    truth: &M,
    simulate: impl Fn(&M, &[f64], &mut StdRng) -> Vec<History> + Sync,
    seed: u64,
) -> f64
where
    M: LogLikelihood<Obs = History> + PurchaseModel + Into<AnyModel>,
{
    use rayon::prelude::*;
    let level = Level::new(0.9).unwrap();
    let covered: (usize, usize) = (0..REPLICATES)
        .into_par_iter()
        .map(|k| {
            let mut rng = StdRng::seed_from_u64(seed + k as u64);
            let sim = population(|a, r| simulate(truth, a, r), &mut rng);
            // A population whose maximum lies at an edge of the parameter space has no
            // covariance, so no normal-draw interval: counted as not covering.
            let Ok(fitted) = fit::<M>(&common::patterns(&sim), &FitOptions::default()) else {
                return (0, 1);
            };
            let Some(cov) = fitted.covariance.clone() else {
                return (0, 1);
            };
            let model: AnyModel = fitted.model.clone().into();
            let draws = normal_draws(&model, &cov, DRAWS, 1000 + k as u64).unwrap();
            let draws = purchase_draws(&draws).unwrap();
            let rows: Vec<(History, f64)> = sim.iter().map(|h| (*h, HOLDOUT)).collect();
            let iv = expected_purchases_intervals(model.purchase().unwrap(), &draws, &rows, level)
                .unwrap();
            let truth_total: f64 = sim
                .iter()
                .map(|h| truth.expected_purchases(h, HOLDOUT).unwrap())
                .sum();
            (usize::from(iv.total.contains(truth_total)), 0)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let (covered, failed) = covered;
    eprintln!(
        "{}: {covered} of {REPLICATES} covered, {failed} fits without interval",
        M::NAME
    );
    covered as f64 / REPLICATES as f64
}

#[test]
fn bg_nbd_total_interval_covers_the_truth() {
    let truth = BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap();
    let c = coverage(&truth, |m, a, r| m.simulate(a, r).unwrap(), 14_000);
    eprintln!("BG/NBD coverage of the 90% interval: {:.1}%", 100.0 * c);
    assert!(c >= COVERAGE.0 && c <= COVERAGE.1, "coverage {c}");
}

#[test]
fn pareto_nbd_total_interval_covers_the_truth() {
    let truth = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap();
    let c = coverage(&truth, |m, a, r| m.simulate(a, r).unwrap(), 28_000);
    eprintln!("Pareto/NBD coverage of the 90% interval: {:.1}%", 100.0 * c);
    assert!(c >= COVERAGE.0 && c <= COVERAGE.1, "coverage {c}");
}

/// The CDNOW summary (with spend) and its patterns, as `btyd predict`/`clv` read them.
fn cdnow() -> (Summary, btyd::data::SummaryPatterns) {
    let summary = common::cdnow_spend_summary();
    let mut csv = Vec::new();
    btyd::io::write_summary(&summary, &mut csv).unwrap();
    let patterns =
        btyd::io::read_summary_patterns_from(&csv[..], "cdnow.csv", TimeUnit::Week).unwrap();
    (summary, patterns)
}

fn assert_ordered(iv: &RowIntervals) {
    for case in &iv.cases {
        for (c, i) in iv.columns.iter().zip(case) {
            assert!(
                i.lower <= i.point && i.point <= i.upper,
                "{c}: {} {} {}",
                i.lower,
                i.point,
                i.upper
            );
            if *c == "p_alive" {
                assert!(i.lower >= 0.0 && i.upper <= 1.0, "p_alive {i:?}");
            }
        }
    }
    assert!(iv.total.lower <= iv.total.point && iv.total.point <= iv.total.upper);
}

#[test]
fn bootstrap_and_normal_draws_agree_on_cdnow() {
    let (summary, patterns) = cdnow();
    let level = Level::new(0.9).unwrap();
    let rows: Vec<(History, f64)> = summary.histories().map(|h| (h, HOLDOUT)).collect();
    {
        let kind = btyd::models::ModelKind::BgNbd;
        let fitted =
            btyd::fit::fit_model_on_patterns(kind, &patterns, &FitOptions::default()).unwrap();
        let model = fitted.fit.model;
        let cov = fitted.fit.covariance.clone().unwrap();
        let normal = normal_draws(&model, &cov, 1000, 7).unwrap();
        let normal = prediction_intervals(
            model.purchase().unwrap(),
            &purchase_draws(&normal).unwrap(),
            &rows,
            level,
        )
        .unwrap();
        let boot = bootstrap(&model, &patterns, 200, 7, &FitOptions::default()).unwrap();
        assert_eq!(boot.failed, 0, "{:?}", boot.first_error);
        let boot = prediction_intervals(
            model.purchase().unwrap(),
            &purchase_draws(&boot.models).unwrap(),
            &rows,
            level,
        )
        .unwrap();
        assert_ordered(&normal);
        assert_ordered(&boot);
        let (n, b) = (normal.total, boot.total);
        eprintln!(
            "{kind}: total {:.1}, normal [{:.1}, {:.1}], bootstrap [{:.1}, {:.1}]",
            n.point, n.lower, n.upper, b.lower, b.upper
        );
        let w = n.width();
        assert!(
            (n.lower - b.lower).abs() <= 0.1 * w && (n.upper - b.upper).abs() <= 0.1 * w,
            "{kind}: normal {n:?} vs bootstrap {b:?}"
        );
    }
}

#[test]
fn clv_intervals_contain_their_points_on_cdnow() {
    let (summary, patterns) = cdnow();
    let level = Level::new(0.8).unwrap();
    let opts = FitOptions::default();
    let bg = btyd::fit::fit_model_on_patterns(btyd::models::ModelKind::BgNbd, &patterns, &opts)
        .unwrap()
        .fit;
    let gg =
        btyd::fit::fit_model_on_patterns(btyd::models::ModelKind::GammaGamma, &patterns, &opts)
            .unwrap()
            .fit;
    let pd = normal_draws(&bg.model, bg.covariance.as_ref().unwrap(), 300, 1).unwrap();
    let sd = normal_draws(&gg.model, gg.covariance.as_ref().unwrap(), 300, 2).unwrap();
    let schedule = ClvOptions::monthly(52.0, TimeUnit::Week, DiscountRate::Annual(0.1))
        .schedule(TimeUnit::Week)
        .unwrap();
    let iv = clv_intervals(
        bg.model.purchase().unwrap(),
        gg.model.spend().unwrap(),
        &purchase_draws(&pd).unwrap(),
        &spend_draws(&sd).unwrap(),
        &summary.customers,
        &schedule,
        level,
    )
    .unwrap();
    assert_eq!(
        iv.columns,
        vec!["p_alive", "expected_purchases", "expected_spend", "clv"]
    );
    assert_eq!(iv.of_row.len(), summary.customers.len());
    assert_ordered(&iv);
    // The points are the CLV at the estimates, row by row.
    let rows = btyd::predict::clv(
        bg.model.purchase().unwrap(),
        gg.model.spend().unwrap(),
        &summary,
        &ClvOptions::monthly(52.0, TimeUnit::Week, DiscountRate::Annual(0.1)),
    )
    .unwrap();
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(iv.row(i)[3].point, r.clv);
    }
    // Same seed, same intervals.
    let again = normal_draws(&bg.model, bg.covariance.as_ref().unwrap(), 300, 1).unwrap();
    assert_eq!(again, pd);
}
