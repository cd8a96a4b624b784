//! Fitting benchmarks: BG/NBD and Pareto/NBD on CDNOW (2,357 customers) and on 1,000,000
//! simulated customers with day-resolution recency and T (compression included in the timing);
//! Pareto/NBD fits that run towards the boundary s → 0, β → ∞ (steady buyers: nobody drops
//! out) with `allow_unconverged`, and the Pareto/NBD likelihood with its gradient at
//! hard-corner parameters (z → 1 in its Gauss functions).

use std::hint::black_box;

use btyd::data::{compress, History};
use btyd::fit::{fit, FitOptions};
use btyd::models::{BgNbd, LogLikelihood, Nbd, ParetoNbd};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

#[path = "gen/population.rs"]
mod population;
use population::{simulated, simulated_with_ages};

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

/// `n` steady buyers: an NBD population (r = 0.5, α = 10 per week, nobody drops out) observed
/// for T uniform in 26..52 weeks, with recency and T at day resolution. The Pareto/NBD fit on
/// them runs towards s → 0, β → ∞.
fn steady_buyers(n: usize, seed: u64) -> Vec<History> {
    let nbd = Nbd::new(0.5, 10.0).expect("valid");
    simulated_with_ages(n, seed, 182..=364, |ages, rng| nbd.simulate(ages, rng))
}

fn fit_histories<M: LogLikelihood<Obs = History>>(rows: &[History]) -> M {
    let data = compress(rows.iter().map(|&h| (h, 1.0)));
    fit::<M>(&data, &FitOptions::default()).expect("fit").model
}

/// A fit that returns its best point even when it did not converge (a run to the boundary).
fn fit_unconverged<M: LogLikelihood<Obs = History>>(rows: &[History]) -> M {
    let data = compress(rows.iter().map(|&h| (h, 1.0)));
    let opts = FitOptions {
        allow_unconverged: true,
        ..FitOptions::default()
    };
    fit::<M>(&data, &opts).expect("fit").model
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
    // Continuous recency: nearly every repeat buyer is a pattern of its own (about 455,000),
    // above the driver's warm-start threshold, as in the whole-process benchmark's summary.
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
    let continuous =
        population::continuous_recency(1_000_000, &mut rng, |ages, rng| truth.simulate(ages, rng));
    g.bench_with_input(
        BenchmarkId::new("simulated_continuous_recency", continuous.len()),
        &continuous,
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
    let steady = steady_buyers(10_000, 11);
    g.bench_with_input("steady_buyers_10k", &steady, |b, rows| {
        b.iter(|| fit_unconverged::<ParetoNbd>(black_box(rows)))
    });
    // Pareto/NBD customers who rarely drop out (s = 0.1, β = 100: a long, widely spread
    // lifetime). The fit converges inside, but with β ≫ α + t_x many of its terms have the
    // likelihood's Gauss functions at z near 1.
    let rare = ParetoNbd::new(0.5, 10.0, 0.1, 100.0).expect("valid");
    let big = simulated(1_000_000, 13, |ages, rng| rare.simulate(ages, rng));
    g.bench_with_input("simulated_1m", &big, |b, rows| {
        b.iter(|| fit_unconverged::<ParetoNbd>(black_box(rows)))
    });
    let steady = steady_buyers(1_000_000, 11);
    g.bench_with_input("steady_buyers_1m", &steady, |b, rows| {
        b.iter(|| fit_unconverged::<ParetoNbd>(black_box(rows)))
    });
    g.finish();
}

/// Σ ln L and its gradient over the 5,528 patterns of 10,000 steady buyers at points along the
/// path a fit on them takes (s → 0, β → ∞), and at points with tiny or huge α or β, where
/// the Gauss functions' argument z = |α − β|/(max(α, β) + y) is close to 1.
fn bench_pareto_kernel(c: &mut Criterion) {
    let mut g = c.benchmark_group("pareto_nbd_likelihood");
    let rows = steady_buyers(10_000, 11);
    let data = compress(rows.iter().map(|&h| (h, 1.0)));
    for (name, p) in [
        ("interior", [0.5, 10.0, 0.6, 12.0]),
        ("s1e-3_beta1e3", [0.5, 10.0, 1e-3, 1e3]),
        ("s1e-5_beta1e5", [0.5, 10.0, 1e-5, 1e5]),
        ("s1e-8_beta1e9", [0.5, 10.0, 1e-8, 1e9]),
        ("alpha1e-6", [0.5, 1e-6, 1e-3, 1e3]),
        ("alpha1e6", [0.5, 1e6, 1e-3, 1e3]),
        ("beta6e-12", [0.19, 0.5, 0.048, 6e-12]),
        ("alpha1e9_beta1e-9", [0.5, 1e9, 0.5, 1e-9]),
    ] {
        let m = ParetoNbd::from_params(&p).expect("valid");
        g.bench_with_input(name, &data, |b, data| {
            b.iter(|| m.total_ln_likelihood(black_box(data)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench_fit, bench_fit_pareto, bench_pareto_kernel);
criterion_main!(benches);
