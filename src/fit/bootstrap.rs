//! The nonparametric bootstrap of a fit: refits on resamples of the customers.
//!
//! A resample of the N customers (drawn with replacement) is a multinomial reweighting of the
//! unique patterns the model is fitted on: pattern i, held by wᵢ customers, is drawn
//! nᵢ times with (n₁, …, n_k) ~ Multinomial(N, w/N) ([`multinomial_weights`]). Each refit is
//! therefore one fit on patterns (never on the customers), run by the one driver [`fit`],
//! warm-started from the full-sample estimate ([`FitOptions::initial`]) and without standard
//! errors. The B refits run in parallel (rayon); replicate b uses its own RNG seeded from
//! (`seed`, b), so the result does not depend on the thread count.
//!
//! A refit that fails (e.g. no interior maximum on that resample) is counted, not hidden:
//! [`Bootstrap::failed`].
//!
//! # Reference
//! Efron, B. and Tibshirani, R. J. (1993), *An Introduction to the Bootstrap*, ch. 6 and 13
//! (percentile intervals).

use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Binomial, Distribution};
use rayon::prelude::*;

use super::{fit, FitOptions};
use crate::data::{Observation, Patterns, SummaryPatterns};
use crate::error::{Error, Result};
use crate::models::{AnyModel, LogLikelihood, ModelRole, ModelVisitor};

/// The refits of a bootstrap.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    /// The refitted models, in replicate order (failed replicates left out).
    pub models: Vec<AnyModel>,
    /// How many refits failed, with the first failure's message.
    pub failed: usize,
    /// The first failure, when any.
    pub first_error: Option<String>,
}

/// A multinomial reweighting of `weights`: the counts of each pattern in a resample, with
/// replacement, of round(Σ w) customers with probabilities w/Σ w (sequential binomials:
/// nᵢ ~ Binomial(N − Σ_{j<i} n_j, wᵢ / Σ_{j≥i} w_j)).
///
/// # Errors
/// [`Error::InvalidOption`] for weights that are negative, not finite or all zero.
pub fn multinomial_weights<R: rand::Rng + ?Sized>(
    weights: &[f64],
    rng: &mut R,
) -> Result<Vec<f64>> {
    let total: f64 = weights.iter().sum();
    if !(total.is_finite() && total > 0.0) || weights.iter().any(|w| w.is_nan() || *w < 0.0) {
        return Err(Error::InvalidOption {
            name: "bootstrap weights",
            value: format!("total {total}"),
            reason: "must be finite, non-negative and not all zero".into(),
        });
    }
    let mut left = total.round().max(1.0) as u64;
    let mut rest = total;
    let mut out = Vec::with_capacity(weights.len());
    for &w in weights {
        let n = if left == 0 || w <= 0.0 {
            0
        } else if w >= rest {
            left
        } else {
            let p = (w / rest).clamp(0.0, 1.0);
            Binomial::new(left, p)
                .map_err(|e| Error::InvalidOption {
                    name: "bootstrap weights",
                    value: w.to_string(),
                    reason: e.to_string(),
                })?
                .sample(rng)
        };
        left -= n;
        rest -= w;
        out.push(n as f64);
    }
    Ok(out)
}

/// The patterns with the weights of a resample, patterns drawn 0 times left out.
pub fn resample<O: Copy, R: rand::Rng + ?Sized>(
    data: &Patterns<O>,
    rng: &mut R,
) -> Result<Patterns<O>> {
    let counts = multinomial_weights(&data.weights, rng)?;
    let (obs, weights) = data
        .obs
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0.0)
        .map(|(o, n)| (*o, n))
        .unzip();
    Ok(Patterns { obs, weights })
}

/// The RNG of replicate `b` of a bootstrap seeded with `seed`.
pub fn replicate_rng(seed: u64, b: usize) -> StdRng {
    // SplitMix64-style mixing keeps neighbouring (seed, b) streams apart.
    let mut z = seed
        ^ (b as u64)
            .wrapping_add(1)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    StdRng::seed_from_u64(z ^ (z >> 31))
}

/// B refits of `start`'s model kind on customer resamples of `data` (the summary's patterns
/// that kind is fitted on: (x, t_x, T) for the purchase models, the repeat customers' (x, m̄)
/// for Gamma-Gamma), each warm-started from `start` (the full-sample estimate) with
/// `opts` (standard errors off).
///
/// # Errors
/// [`Error::WrongData`] when `data` do not suit the model; invalid weights. Failed refits are
/// counted in the result.
pub fn bootstrap(
    start: &AnyModel,
    data: &SummaryPatterns,
    replicates: usize,
    seed: u64,
    opts: &FitOptions,
) -> Result<Bootstrap> {
    let opts = FitOptions {
        initial: Some(start.params()),
        standard_errors: false,
        allow_unconverged: false,
        ..opts.clone()
    };
    start.kind().visit(Refits {
        data,
        replicates,
        seed,
        opts: &opts,
    })
}

/// [`bootstrap`] as a [`ModelVisitor`]: written once for every model type.
struct Refits<'a> {
    data: &'a SummaryPatterns,
    replicates: usize,
    seed: u64,
    opts: &'a FitOptions,
}

impl ModelVisitor for Refits<'_> {
    type Output = Result<Bootstrap>;
    fn visit<M>(self) -> Self::Output
    where
        M: LogLikelihood + ModelRole + Into<AnyModel>,
    {
        let patterns = <M::Obs as Observation>::summary_patterns(self.data)?;
        let fits: Vec<Result<AnyModel>> = (0..self.replicates)
            .into_par_iter()
            .map(|b| {
                let mut rng = replicate_rng(self.seed, b);
                let sample = resample(&patterns, &mut rng)?;
                let fitted = fit::<M>(&sample, self.opts)?;
                Ok(fitted.model.into())
            })
            .collect();
        let mut out = Bootstrap {
            models: Vec::with_capacity(fits.len()),
            failed: 0,
            first_error: None,
        };
        for f in fits {
            match f {
                Ok(m) => out.models.push(m),
                Err(e) => {
                    out.failed += 1;
                    out.first_error.get_or_insert_with(|| e.to_string());
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multinomial_keeps_the_total_and_is_seeded() {
        let w = [3.0, 0.0, 10.0, 1.0, 86.0];
        let a = multinomial_weights(&w, &mut replicate_rng(7, 0)).unwrap();
        let b = multinomial_weights(&w, &mut replicate_rng(7, 0)).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.iter().sum::<f64>(), 100.0);
        assert_eq!(a[1], 0.0);
        let c = multinomial_weights(&w, &mut replicate_rng(7, 1)).unwrap();
        assert_ne!(a, c);
        assert!(multinomial_weights(&[0.0], &mut replicate_rng(1, 0)).is_err());
    }

    #[test]
    fn the_mean_count_is_the_weight() {
        let w = [5.0, 20.0, 75.0];
        let mut sums = [0.0; 3];
        let reps = 4000;
        for b in 0..reps {
            let n = multinomial_weights(&w, &mut replicate_rng(3, b)).unwrap();
            for (s, v) in sums.iter_mut().zip(n) {
                *s += v;
            }
        }
        for (s, w) in sums.iter().zip(w) {
            // SE of the mean count ≤ sqrt(75·0.25/4000) ≈ 0.07.
            assert!((s / reps as f64 - w).abs() < 0.35, "{s} {w}");
        }
    }
}
