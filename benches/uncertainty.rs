//! Parameter uncertainty (`btyd::predict::uncertainty`, `btyd::fit::bootstrap`):
//!
//! - intervals of expected purchases (with P(alive)) and of CLV for 1,000,000 BG/NBD customers
//!   (CDNOW's published parameters, recency and T at day resolution, as `benches/predict.rs`),
//!   from normal draws of the log-parameters with the covariance of the BG/NBD fit on CDNOW;
//!   the number of draws is `BTYD_BENCH_DRAWS` (default 1,000; the cost is linear in it);
//! - the bootstrap, B = 200 refits of BG/NBD on CDNOW (2,357 customers).

use std::hint::black_box;

use btyd::data::{CustomerSummary, History, TimeUnit};
use btyd::fit::bootstrap::bootstrap;
use btyd::fit::{fit_model_on_patterns, FitOptions};
use btyd::models::{AnyModel, GammaGamma, ModelKind};
use btyd::predict::uncertainty::{purchase_draws, spend_draws};
use btyd::predict::{
    clv_intervals, normal_draws, prediction_intervals, ClvOptions, DiscountRate, Level,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

#[path = "gen/population.rs"]
mod population;
use population::simulated;

const CUSTOMERS: usize = 1_000_000;

fn draws() -> usize {
    std::env::var("BTYD_BENCH_DRAWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000)
}

/// The CDNOW summary as patterns, read as `btyd predict --bootstrap` reads it.
fn cdnow() -> btyd::data::SummaryPatterns {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/datasets/cdnow_customers_summary.csv"
    );
    let text = std::fs::read_to_string(path).expect("dataset");
    let csv = text.replacen("ID,", "customer_id,", 1);
    btyd::io::read_summary_patterns_from(csv.as_bytes(), "cdnow.csv", TimeUnit::Week)
        .expect("summary")
}

fn population(bg: &AnyModel) -> Vec<CustomerSummary> {
    let AnyModel::BgNbd(bg) = *bg else {
        unreachable!()
    };
    let histories = simulated(CUSTOMERS, 11, |ages, rng| bg.simulate(ages, rng));
    let mut rng = StdRng::seed_from_u64(12);
    histories
        .into_iter()
        .enumerate()
        .map(|(i, h)| CustomerSummary {
            customer_id: format!("c{i}"),
            history: h,
            monetary_value: Some(if h.frequency > 0.0 {
                f64::from(rng.random_range(100u32..20_000)) / 100.0
            } else {
                0.0
            }),
            holdout: None,
        })
        .collect()
}

fn bench_draws(c: &mut Criterion) {
    let patterns = cdnow();
    let fitted = fit_model_on_patterns(ModelKind::BgNbd, &patterns, &FitOptions::default())
        .expect("fit")
        .fit;
    let cov = fitted.covariance.clone().expect("covariance");
    let n = draws();
    let draws = normal_draws(&fitted.model, &cov, n, 1).expect("draws");
    let draws = purchase_draws(&draws).expect("purchase");
    let gg = GammaGamma::new(6.25, 3.74, 15.44).expect("valid");
    // The squared standard errors of the Gamma-Gamma fit on CDNOW (the cost does not depend
    // on the covariance).
    let gg_cov = vec![
        vec![1.416, 0.0, 0.0],
        vec![0.0, 0.0842, 0.0],
        vec![0.0, 0.0, 17.3],
    ];
    let gg_model: AnyModel = gg.into();
    let spend = normal_draws(&gg_model, &gg_cov, n, 2).expect("spend draws");
    let spend = spend_draws(&spend).expect("spend");
    let customers = population(&fitted.model);
    let rows: Vec<(History, f64)> = customers.iter().map(|c| (c.history, 39.0)).collect();
    let level = Level::new(0.9).expect("level");
    let point = fitted.model.purchase().expect("purchase");
    let distinct = btyd::predict::PatternIndex::new(rows.iter().map(|r| &r.0)).len();
    eprintln!("{CUSTOMERS} customers, {distinct} distinct histories, {n} draws");

    let mut group = c.benchmark_group("uncertainty");
    group.sample_size(10);
    group.bench_function(BenchmarkId::new("expected_purchases_p_alive", n), |b| {
        b.iter(|| black_box(prediction_intervals(point, &draws, &rows, level).expect("ok")))
    });
    let schedule = ClvOptions::monthly(52.0, TimeUnit::Week, DiscountRate::Annual(0.1))
        .schedule(TimeUnit::Week)
        .expect("schedule");
    group.bench_function(BenchmarkId::new("clv", n), |b| {
        b.iter(|| {
            black_box(
                clv_intervals(point, &gg, &draws, &spend, &customers, &schedule, level)
                    .expect("ok"),
            )
        })
    });
    group.finish();
}

fn bench_bootstrap(c: &mut Criterion) {
    let patterns = cdnow();
    let fitted = fit_model_on_patterns(ModelKind::BgNbd, &patterns, &FitOptions::default())
        .expect("fit")
        .fit;
    let mut group = c.benchmark_group("bootstrap");
    group.sample_size(10);
    group.bench_function(BenchmarkId::new("bg_nbd_cdnow", 200), |b| {
        b.iter(|| {
            let boot = bootstrap(&fitted.model, &patterns, 200, 1, &FitOptions::default())
                .expect("bootstrap");
            assert_eq!(boot.failed, 0);
            black_box(boot)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_bootstrap, bench_draws);
criterion_main!(benches);
