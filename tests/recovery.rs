//! Parameter recovery: simulate customers from known parameters with a seeded RNG, fit, and
//! require every estimate within 3 standard errors of the truth.

mod common;

use btyd::data::compress;
use btyd::data::compress::PatternKey;
use btyd::fit::{fit, FitOptions};
use btyd::models::LogLikelihood;
use btyd::models::{BgBb, BgNbd, GammaGamma, MbgNbd, Nbd, ParetoNbd};
use common::assert_recovered;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Poisson};

/// Number of simulated customers per parameter set.
const N: usize = 20_000;

/// Ages at day resolution between 27 and 39 weeks, as in CDNOW's cohort.
fn cdnow_ages(rng: &mut StdRng) -> Vec<f64> {
    (0..N)
        .map(|_| rng.random_range(189..=273) as f64 / 7.0)
        .collect()
}

/// Compresses simulated observations, fits the model with the one driver, and asserts
/// convergence and every estimate within 3 standard errors of the truth.
fn recover<M>(truth: &M, sim: Vec<M::Obs>)
where
    M: LogLikelihood + std::fmt::Debug,
    M::Obs: PatternKey,
{
    let data = compress(sim.into_iter().map(|o| (o, 1.0)));
    let fitted = fit::<M>(&data, &FitOptions::default()).unwrap();
    assert!(
        fitted.converged,
        "{} did not converge: {}",
        M::NAME,
        fitted.termination
    );
    assert_recovered(truth, &fitted);
}

#[test]
fn bg_nbd_recovers_parameters() {
    let sets = [
        (0.243, 4.414, 0.793, 2.426, 1u64),
        (1.5, 10.0, 2.0, 5.0, 2),
        (0.5, 2.0, 0.3, 1.2, 3),
    ];
    for (r, alpha, a, b, seed) in sets {
        let truth = BgNbd::new(r, alpha, a, b).unwrap();
        let mut rng = StdRng::seed_from_u64(seed);
        let ages = cdnow_ages(&mut rng);
        let sim = truth.simulate(&ages, &mut rng).unwrap();
        recover(&truth, sim);
    }
}

/// MBG/NBD: CDNOW-like parameters and two others, ages as for BG/NBD.
#[test]
fn mbg_nbd_recovers_parameters() {
    let sets = [
        (0.525, 6.183, 0.891, 1.614, 11u64),
        (1.5, 10.0, 2.0, 5.0, 12),
        (0.5, 2.0, 0.3, 1.2, 13),
    ];
    for (r, alpha, a, b, seed) in sets {
        let truth = MbgNbd::new(r, alpha, a, b).unwrap();
        let mut rng = StdRng::seed_from_u64(seed);
        let ages = cdnow_ages(&mut rng);
        let sim = truth.simulate(&ages, &mut rng).unwrap();
        recover(&truth, sim);
    }
}

/// BG/BB: 20,000 customers per set, each observed for 6 to 12 opportunities (mixed cohorts), at
/// the donations estimates and two other parameter sets.
#[test]
fn bg_bb_recovers_parameters() {
    let sets = [
        (1.204, 0.750, 0.657, 2.783, 21u64),
        (0.5, 2.0, 1.5, 6.0, 22),
        (3.0, 1.0, 0.3, 0.8, 23),
    ];
    for (alpha, beta, gamma, delta, seed) in sets {
        let truth = BgBb::new(alpha, beta, gamma, delta).unwrap();
        let mut rng = StdRng::seed_from_u64(seed);
        let periods: Vec<u32> = (0..N).map(|_| rng.random_range(6..=12)).collect();
        let sim = truth.simulate(&periods, &mut rng).unwrap();
        recover(&truth, sim);
    }
}

/// Gamma-Gamma: 20,000 repeat customers (x = 1 + Poisson(2)) per parameter set.
#[test]
fn gamma_gamma_recovers_parameters() {
    let sets = [(6.25, 3.74, 15.44), (2.0, 6.0, 50.0), (12.0, 2.5, 3.0)];
    for (k, &(p, q, v)) in sets.iter().enumerate() {
        let truth = GammaGamma::new(p, q, v).unwrap();
        let mut rng = StdRng::seed_from_u64(20_250 + k as u64);
        let poisson = Poisson::new(2.0).unwrap();
        let xs: Vec<f64> = (0..N).map(|_| 1.0 + poisson.sample(&mut rng)).collect();
        let obs = truth.simulate(&xs, &mut rng).unwrap();
        recover(&truth, obs);
    }
}

/// Pareto/NBD: 20,000 customers per parameter set, ages at day resolution between 27 and 39
/// weeks as in CDNOW's cohort; one set on each side of α = β and one near the CDNOW estimates.
#[test]
fn pareto_nbd_recovers_parameters() {
    let sets = [
        (0.553, 10.578, 0.606, 11.669, 11u64),
        (1.5, 4.0, 0.8, 25.0, 12),
        (0.8, 15.0, 2.0, 6.0, 13),
    ];
    for (r, alpha, s, beta, seed) in sets {
        let truth = ParetoNbd::new(r, alpha, s, beta).unwrap();
        let mut rng = StdRng::seed_from_u64(seed);
        let ages = cdnow_ages(&mut rng);
        let sim = truth.simulate(&ages, &mut rng).unwrap();
        recover(&truth, sim);
    }
}

/// NBD: steady buyers who never drop out, 20,000 per set; the first set is the steady-buyer
/// population of issue 10 (r 0.5, α 10, T uniform on 26..52 weeks at day resolution).
#[test]
fn nbd_recovers_parameters() {
    for (r, alpha, seed) in [(0.5, 10.0, 31u64), (2.0, 4.0, 32), (0.2, 30.0, 33)] {
        let truth = Nbd::new(r, alpha).unwrap();
        let mut rng = StdRng::seed_from_u64(seed);
        let ages: Vec<f64> = (0..N)
            .map(|_| rng.random_range(182..=364) as f64 / 7.0)
            .collect();
        let sim = truth.simulate(&ages, &mut rng).unwrap();
        recover(&truth, sim);
    }
}
