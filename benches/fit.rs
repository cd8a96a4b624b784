//! Fitting benchmarks: BG/NBD and Pareto/NBD on CDNOW (2,357 customers) and on 1,000,000
//! simulated customers with day-resolution recency and T (compression included in the timing).

use std::hint::black_box;

use btyd::data::{compress, History};
use btyd::fit::{fit, FitOptions};
use btyd::models::{BgNbd, LogLikelihood, ParetoNbd};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

fn cdnow() -> Vec<History> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/datasets/cdnow_customers_summary.csv"
    );
    let mut rdr = csv::Reader::from_path(path).expect("CDNOW summary");
    rdr.records()
        .map(|r| {
            let r = r.expect("record");
            let f = |i: usize| r[i].parse::<f64>().expect("number");
            History::new(f(1), f(2), f(3)).expect("valid")
        })
        .collect()
}

/// `n` customers drawn by `simulate` (a model's seeded simulator), first purchases spread over
/// a year and observed for another half year, with recency and T in weeks at day resolution.
fn simulated(
    n: usize,
    seed: u64,
    simulate: impl Fn(&[f64], &mut StdRng) -> btyd::Result<Vec<History>>,
) -> Vec<History> {
    let mut rng = StdRng::seed_from_u64(seed);
    let ages: Vec<f64> = (0..n)
        .map(|_| rng.random_range(182..=547) as f64 / 7.0)
        .collect();
    simulate(&ages, &mut rng)
        .expect("simulate")
        .into_iter()
        .map(|h| History {
            recency: (h.recency * 7.0).floor() / 7.0,
            ..h
        })
        .collect()
}

fn fit_histories<M: LogLikelihood<Obs = History>>(rows: &[History]) -> M {
    let data = compress(rows.iter().map(|&h| (h, 1.0)));
    fit::<M>(&data, &FitOptions::default()).expect("fit").model
}

fn bench_fit(c: &mut Criterion) {
    let mut g = c.benchmark_group("bg_nbd_fit");
    let rows = cdnow();
    g.bench_with_input(BenchmarkId::new("cdnow", rows.len()), &rows, |b, rows| {
        b.iter(|| fit_histories::<BgNbd>(black_box(rows)))
    });
    // The published CDNOW estimates (Fader, Hardie & Lee 2005a).
    let truth = BgNbd::new(0.243, 4.414, 0.793, 2.426).expect("valid");
    let big = simulated(1_000_000, 7, |ages, rng| truth.simulate(ages, rng));
    g.sample_size(10);
    g.bench_with_input(
        BenchmarkId::new("simulated_day_resolution", big.len()),
        &big,
        |b, rows| b.iter(|| fit_histories::<BgNbd>(black_box(rows))),
    );
    g.finish();
}

fn bench_fit_pareto(c: &mut Criterion) {
    let mut g = c.benchmark_group("pareto_nbd_fit");
    let rows = cdnow();
    g.bench_with_input(BenchmarkId::new("cdnow", rows.len()), &rows, |b, rows| {
        b.iter(|| fit_histories::<ParetoNbd>(black_box(rows)))
    });
    let truth = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).expect("valid");
    let big = simulated(1_000_000, 7, |ages, rng| truth.simulate(ages, rng));
    g.sample_size(10);
    g.bench_with_input(
        BenchmarkId::new("simulated_day_resolution", big.len()),
        &big,
        |b, rows| b.iter(|| fit_histories::<ParetoNbd>(black_box(rows))),
    );
    g.finish();
}

criterion_group!(benches, bench_fit, bench_fit_pareto);
criterion_main!(benches);
