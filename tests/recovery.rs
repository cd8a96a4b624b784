//! Parameter recovery: simulate customers from known parameters with a seeded RNG, fit, and
//! require every estimate within 3 standard errors of the truth.

mod common;

use btyd::data::compress;
use btyd::fit::{fit, FitOptions};
use btyd::models::{BgNbd, LogLikelihood};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Number of simulated customers per parameter set.
const N: usize = 20_000;
/// Estimates must fall within this many standard errors of the truth.
const K_SE: f64 = 3.0;

fn assert_recovered<M: LogLikelihood + std::fmt::Debug>(truth: &M, fitted: &btyd::fit::Fitted<M>) {
    let se = fitted.std_errors().expect("standard errors");
    for ((name, est), (t, s)) in M::PARAM_NAMES
        .iter()
        .zip(fitted.model.params())
        .zip(truth.params().into_iter().zip(se))
    {
        assert!(
            (est - t).abs() < K_SE * s,
            "{} {name}: estimate {est} vs truth {t} (SE {s}); fitted {:?}",
            M::NAME,
            fitted.model
        );
    }
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
        // Ages at day resolution between 27 and 39 weeks, as in CDNOW's cohort.
        let ages: Vec<f64> = (0..N)
            .map(|_| rng.random_range(189..=273) as f64 / 7.0)
            .collect();
        let sim = truth.simulate(&ages, &mut rng).unwrap();
        let data = compress(sim.into_iter().map(|h| (h, 1.0)));
        let fitted = fit::<BgNbd>(&data, &FitOptions::default()).unwrap();
        assert!(fitted.converged);
        assert_recovered(&truth, &fitted);
    }
}
