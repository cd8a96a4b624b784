//! The simulator: customers drawn from the Pareto/NBD story.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, Gamma, Poisson};

use super::ParetoNbd;
use crate::data::History;
use crate::error::Result;
use crate::models::distr_error;

impl ParetoNbd {
    /// Draws `ages.len()` customers, the i-th observed for `ages[i]` time units after its first
    /// purchase, by simulating the Pareto/NBD story (the assumptions of SMC 1987, module docs).
    ///
    /// Each customer gets λ ~ Gamma(r, rate α), μ ~ Gamma(s, rate β) and a lifetime
    /// τ ~ Exp(μ); repeat purchases form a Poisson(λ) process on (0, min(τ, T)]. Given their
    /// number n ~ Poisson(λ·min(τ, T)), the purchase times are uniform, so t_x is the largest of
    /// n uniforms: min(τ, T)·U^(1/n).
    ///
    /// # Errors
    /// [`Error::InvalidData`](crate::Error::InvalidData) for a negative or non-finite age;
    /// [`Error::Simulation`](crate::Error::Simulation) if a distribution rejects its
    /// parameters.
    pub fn simulate<R: Rng + ?Sized>(&self, ages: &[f64], rng: &mut R) -> Result<Vec<History>> {
        let rate = Gamma::new(self.r, 1.0 / self.alpha).map_err(distr_error(Self::NAME))?;
        let drop = Gamma::new(self.s, 1.0 / self.beta).map_err(distr_error(Self::NAME))?;
        let mut out = Vec::with_capacity(ages.len());
        for &age in ages {
            let lambda: f64 = rate.sample(rng);
            let mu: f64 = drop.sample(rng);
            let lifetime = if mu > 0.0 {
                Exp::new(mu).map_err(distr_error(Self::NAME))?.sample(rng)
            } else {
                f64::INFINITY
            };
            let span = lifetime.min(age);
            let mean = lambda * span;
            let n: f64 = if mean > 0.0 {
                Poisson::new(mean)
                    .map_err(distr_error(Self::NAME))?
                    .sample(rng)
            } else {
                0.0
            };
            let t_x = if n > 0.0 {
                let u: f64 = rng.random();
                span * u.powf(1.0 / n)
            } else {
                0.0
            };
            out.push(History::new(n, t_x, age)?);
        }
        Ok(out)
    }
}
