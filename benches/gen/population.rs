//! Simulated customer populations for the benchmarks: BG/NBD (or any model's simulator)
//! customers with first purchases spread over a year and observed for another half year,
//! recency and T in weeks at day resolution (what a summary of a daily log holds).

// Included by several targets (the generator and the criterion benches), each using a part.
#![allow(dead_code)]

use btyd::data::History;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// `n` customers drawn by `simulate` (a model's seeded simulator), ages uniform on 182..=547
/// days, recency and T in weeks at day resolution.
pub fn simulated(
    n: usize,
    seed: u64,
    simulate: impl Fn(&[f64], &mut StdRng) -> btyd::Result<Vec<History>>,
) -> Vec<History> {
    simulated_with_ages(n, seed, 182..=547, simulate)
}

/// `n` customers of `simulate` with ages uniform on `days` (in days), recency and T in weeks at
/// day resolution (recency rounded down to a whole day, so it never passes T).
pub fn simulated_with_ages(
    n: usize,
    seed: u64,
    days: std::ops::RangeInclusive<u32>,
    simulate: impl Fn(&[f64], &mut StdRng) -> btyd::Result<Vec<History>>,
) -> Vec<History> {
    let mut rng = StdRng::seed_from_u64(seed);
    let ages = ages_in_days(n, days, &mut rng);
    simulate(&ages, &mut rng)
        .expect("simulate")
        .into_iter()
        .map(|h| History {
            recency: (h.recency * 7.0).floor() / 7.0,
            ..h
        })
        .collect()
}

/// `n` customers of `simulate` with T uniform on 26 to 78 weeks at day resolution and recency
/// as simulated (continuous): what `benches/gen` writes for the whole-process benchmarks.
pub fn continuous_recency(
    n: usize,
    rng: &mut StdRng,
    simulate: impl Fn(&[f64], &mut StdRng) -> btyd::Result<Vec<History>>,
) -> Vec<History> {
    let ages = ages_in_days(n, 182..=546, rng);
    simulate(&ages, rng).expect("simulate")
}

/// `n` ages uniform on `days` (in days), in weeks.
fn ages_in_days(n: usize, days: std::ops::RangeInclusive<u32>, rng: &mut StdRng) -> Vec<f64> {
    (0..n)
        .map(|_| f64::from(rng.random_range(days.clone())) / 7.0)
        .collect()
}
