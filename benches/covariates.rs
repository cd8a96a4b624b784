//! Fitting with covariates (issue 15): Pareto/NBD with three purchase and two dropout binary
//! covariates on 1,000,000 simulated customers (32 covariate groups), recency and T at day
//! resolution; grouping and compression by (pattern, covariate vector) included in the timing.

use std::hint::black_box;

use btyd::data::{History, TimeUnit};
use btyd::fit::covariates::fit_with_covariates;
use btyd::fit::FitOptions;
use btyd::models::{CovariateDesign, CovariatePatterns, LogLikelihood, ParetoNbd, Process};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

#[path = "gen/population.rs"]
mod population;
use population::simulated_with_ages;

/// Columns 0-2 act on the purchase process, 3-4 on dropout.
fn design() -> CovariateDesign {
    let columns = ["p1", "p2", "p3", "d1", "d2"].map(String::from).to_vec();
    CovariateDesign::new(
        ParetoNbd::COVARIATE_PARAMS,
        columns,
        &[
            (Process::Purchase, vec![0, 1, 2]),
            (Process::Dropout, vec![3, 4]),
        ],
        &[],
    )
    .expect("design")
}

/// `n` customers: five binary covariates each, P(1) = 0.5, and histories simulated from each
/// covariate group's own Pareto/NBD; returned customer by customer.
fn customers(n: usize, seed: u64) -> Vec<(History, Vec<f64>, f64)> {
    let d = design();
    let base = [0.55, 10.5, 0.6, 11.7];
    let coefs = [0.4, -0.3, 0.2, 0.5, -0.4];
    let mut rng = StdRng::seed_from_u64(seed);
    let mut counts = [0usize; 32];
    for _ in 0..n {
        counts[rng.random_range(0..32usize)] += 1;
    }
    let mut out = Vec::with_capacity(n);
    for (g, &count) in counts.iter().enumerate() {
        let x: Vec<f64> = (0..5).map(|b| ((g >> b) & 1) as f64).collect();
        let p = d.individual_params(&base, &coefs, &x);
        let model = ParetoNbd::from_params(&p).expect("valid");
        let rows = simulated_with_ages(count, seed + g as u64, 182..=547, |ages, rng| {
            model.simulate(ages, rng)
        });
        out.extend(rows.into_iter().map(|h| (h, x.clone(), 1.0)));
    }
    out
}

fn fit_all(rows: &[(History, Vec<f64>, f64)], d: &CovariateDesign) -> f64 {
    let data = CovariatePatterns::from_items(rows.iter().cloned()).expect("groups");
    let fit =
        fit_with_covariates::<ParetoNbd>(&data, d, TimeUnit::Week, &FitOptions::default(), 0.0)
            .expect("fit");
    if std::env::var_os("COV_BENCH_VERBOSE").is_some() {
        let t = std::time::Instant::now();
        let pooled = data.pooled();
        let t_pool = t.elapsed();
        let base = btyd::fit::fit::<ParetoNbd>(&pooled, &FitOptions::default()).expect("fit");
        eprintln!(
            "pooled {} patterns in {t_pool:?}; base fit {:?} ({} iterations)",
            pooled.len(),
            base.elapsed,
            base.iterations
        );
        eprintln!(
            "{} groups, {} patterns, fit {:?}, {} iterations, {:?}",
            data.groups.len(),
            data.n_patterns(),
            fit.fitted.elapsed,
            fit.fitted.iterations,
            fit.fitted.termination
        );
    }
    fit.fitted.log_likelihood
}

fn bench_covariates(c: &mut Criterion) {
    let mut g = c.benchmark_group("pareto_nbd_covariates_fit");
    g.sample_size(10);
    let d = design();
    let n = 1_000_000;
    let rows = customers(n, 15);
    g.bench_with_input(BenchmarkId::new("3+2 binary", n), &rows, |b, rows| {
        b.iter(|| fit_all(black_box(rows), &d))
    });
    g.finish();
}

criterion_group!(benches, bench_covariates);
criterion_main!(benches);
