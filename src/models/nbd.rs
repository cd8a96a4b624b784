//! NBD: the negative binomial distribution model of purchasing, with no dropout.
//!
//! Ehrenberg, A. S. C. (1959). The Pattern of Consumer Purchases. *Journal of the Royal
//! Statistical Society C* 8(1), 26–41. Morrison, D. G. & Schmittlein, D. C. (1988). Generalizing
//! the NBD Model for Customer Purchases: What Are the Implications and Is It Worth the Effort?
//! *Journal of Business & Economic Statistics* 6(2), 145–159. The likelihood of the timing data
//! (x, t_x, T) is that of Fader, Hardie & Lee (2005a), §3, with no dropout.
//!
//! # Assumptions
//! Every customer stays active for ever and buys at the times of a Poisson process with rate λ;
//! across customers λ ~ Gamma(r, rate α). It is the limit of BG/NBD and MBG/NBD as the dropout
//! probability vanishes (a → 0), and of Pareto/NBD as the dropout rate does (s → 0 or β → ∞):
//! the model for a customer base in which nobody appears to leave.
//!
//! | symbol | field | meaning |
//! |---|---|---|
//! | r | `r` | shape of the purchase-rate distribution |
//! | α | `alpha` | rate of the purchase-rate distribution (in the time unit: E(λ) = r/α) |
//!
//! Only x and T enter the likelihood and the predictions: without dropout the time of the last
//! purchase says nothing about the future.
//!
//! # Examples
//! ```
//! use btyd::prelude::*;
//! use btyd::models::Nbd;
//! let m = Nbd::new(0.5, 10.0)?;
//! // E[X(t)] = r t / α; a customer with 4 repeat purchases in 20 weeks: (r + x) t / (α + T).
//! assert!((m.expected_purchases_new(10.0)? - 0.5).abs() < 1e-12);
//! let c = History::new(4.0, 15.0, 20.0)?;
//! assert!((m.expected_purchases(&c, 10.0)? - 4.5 * 10.0 / 30.0).abs() < 1e-12);
//! assert_eq!(m.p_alive(&c), 1.0);
//! # Ok::<(), btyd::Error>(())
//! ```

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Gamma, Poisson};

use super::{
    check_horizon, check_positive, distr_error, Boundary, Invariant, LogLikelihood, ModelKind,
    ModelRole, Process, PurchaseModel, Role, ScaledParam,
};
use crate::data::{History, Patterns};
use crate::error::{Error, Result};
use crate::special::{digamma, ln_gamma, ln_neg_binomial_pmf};

/// The NBD model with validated parameters (see the module docs for the symbols).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nbd {
    r: f64,
    alpha: f64,
}

impl Nbd {
    /// The model's name.
    pub const NAME: &'static str = "NBD";

    /// An NBD model; both parameters must be finite and positive.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first parameter that is NaN, infinite or ≤ 0.
    pub fn new(r: f64, alpha: f64) -> Result<Self> {
        Ok(Nbd {
            r: check_positive(Self::NAME, "r", r)?,
            alpha: check_positive(Self::NAME, "alpha", alpha)?,
        })
    }

    /// r: shape of the purchase-rate distribution.
    pub fn r(&self) -> f64 {
        self.r
    }
    /// α: rate of the purchase-rate distribution.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Draws `ages.len()` customers, the i-th observed for `ages[i]` time units after its first
    /// purchase: λ ~ Gamma(r, rate α), x ~ Poisson(λT) repeat purchases, and, the purchase times
    /// being uniform given x, t_x the largest of x uniforms on (0, T]: T·U^(1/x).
    ///
    /// # Errors
    /// [`Error::InvalidData`] for a negative or non-finite age; [`Error::Simulation`] if a
    /// distribution rejects its parameters.
    pub fn simulate<R: Rng + ?Sized>(&self, ages: &[f64], rng: &mut R) -> Result<Vec<History>> {
        let rate = Gamma::new(self.r, 1.0 / self.alpha).map_err(distr_error(Self::NAME))?;
        let mut out = Vec::with_capacity(ages.len());
        for &age in ages {
            let lambda: f64 = rate.sample(rng);
            let mean = lambda * age;
            let n: f64 = if mean > 0.0 {
                Poisson::new(mean)
                    .map_err(distr_error(Self::NAME))?
                    .sample(rng)
            } else {
                0.0
            };
            let t_x = if n > 0.0 {
                let u: f64 = rng.random();
                age * u.powf(1.0 / n)
            } else {
                0.0
            };
            out.push(History::new(n, t_x, age)?);
        }
        Ok(out)
    }
}

/// The boundary of the purchase models (parameters r, α first) where every customer buys at
/// the same rate: r, α → ∞ with λ = r/α fixed, the gamma mixing of the Poisson rates collapsing
/// to a point (the NBD's Poisson limit). `direction` moves r and α up together.
pub(crate) const fn same_purchase_rate(direction: &'static [i8]) -> Boundary {
    Boundary {
        finding: "every customer buys at the same rate",
        direction,
        limit: "r, alpha -> infinity",
        nested: None,
        invariant: Some(Invariant {
            name: "r/alpha",
            value: |p| p[0] / p[1],
            per_time: -1,
        }),
    }
}

/// The boundary of the dropout models (BG/NBD, MBG/NBD, Pareto/NBD) where nobody drops out:
/// the model reduces to the NBD, which is fitted in its place.
pub(crate) const fn no_dropout(direction: &'static [i8], limit: &'static str) -> Boundary {
    Boundary {
        finding: "no dropout in these data",
        direction,
        limit,
        nested: Some(ModelKind::Nbd),
        invariant: None,
    }
}

impl LogLikelihood for Nbd {
    const NAME: &'static str = "NBD";
    const PARAM_NAMES: &'static [&'static str] = &["r", "alpha"];
    type Obs = History;
    /// α_i = α₀·exp(−γ_p·x_i): mean purchase rate r/α_i rises with γ_p·x_i.
    const COVARIATE_PARAMS: &'static [ScaledParam] =
        &[ScaledParam::new(Process::Purchase, 1, -1, "purchase")];
    const BOUNDARIES: &'static [Boundary] = &[same_purchase_rate(&[1, 1])];

    fn from_params(p: &[f64]) -> Result<Self> {
        match p {
            [r, alpha] => Nbd::new(*r, *alpha),
            _ => Err(Error::ParameterCount {
                model: Self::NAME,
                expected: 2,
                found: p.len(),
            }),
        }
    }

    fn params(&self) -> Vec<f64> {
        vec![self.r, self.alpha]
    }

    /// ln L(r, α | x, t_x, T).
    ///
    /// # Formula
    /// The Poisson likelihood of x purchases at given times in (0, T], λˣ e^{−λT}, integrated
    /// over λ ~ Gamma(r, α) (Fader, Hardie & Lee 2005a, §3, with no dropout; eq. (6) at p = 0):
    /// ```text
    /// L = Γ(r+x)/Γ(r) · α^r / (α+T)^{r+x}
    /// ∂ ln L/∂r = ψ(r+x) − ψ(r) + ln α − ln(α+T),   ∂ ln L/∂α = r/α − (r+x)/(α+T)
    /// ```
    fn ln_likelihood(&self, h: &History) -> f64 {
        let (r, a) = (self.r, self.alpha);
        let x = h.frequency;
        ln_gamma(r + x) - ln_gamma(r) + r * a.ln() - (r + x) * (a + h.age).ln()
    }

    fn ln_likelihood_grad(&self, h: &History, grad: &mut [f64]) -> f64 {
        let (r, a) = (self.r, self.alpha);
        let x = h.frequency;
        grad[0] = digamma(r + x) - digamma(r) + a.ln() - (a + h.age).ln();
        grad[1] = r / a - (r + x) / (a + h.age);
        self.ln_likelihood(h)
    }

    /// r = 1 and α from the mean purchase rate: E(λ) = r/α = Σx / ΣT.
    fn initial_params(data: &Patterns<History>) -> Vec<f64> {
        let (mut x, mut t) = (0.0, 0.0);
        for (h, w) in data.obs.iter().zip(&data.weights) {
            x += w * h.frequency;
            t += w * h.age;
        }
        let alpha = if x > 0.0 && t > 0.0 { t / x } else { 1.0 };
        vec![1.0, alpha.clamp(1e-6, 1e6)]
    }

    fn time_dimension() -> &'static [i32] {
        &[0, 1]
    }

    fn time_scale(h: &History) -> f64 {
        h.age
    }
}

impl ModelRole for Nbd {
    const ROLE: Role = Role::Purchase;
    fn as_purchase(&self) -> Option<&dyn PurchaseModel> {
        Some(self)
    }
}

impl PurchaseModel for Nbd {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    /// P(Y(t) = n | x, t_x, T): see the inherent `conditional_pmf_values` (at the end of this
    /// file).
    fn conditional_pmf(&self, h: &History, horizon: f64, max_n: u64) -> Option<Result<Vec<f64>>> {
        Some(self.conditional_pmf_values(h, horizon, max_n))
    }

    /// E[X(t)] = r t / α: the mean of the negative binomial count.
    #[doc(alias = "expected_number_of_purchases_up_to_time")]
    #[doc(alias = "expected_purchases_new_customer")]
    fn expected_purchases_new(&self, horizon: f64) -> Result<f64> {
        let t = check_horizon(horizon)?;
        Ok(self.r * t / self.alpha)
    }

    /// E[Y(t) | x, t_x, T] = (r + x) t / (α + T): the posterior of λ is Gamma(r + x, α + T)
    /// (Morrison & Schmittlein 1988).
    #[doc(alias = "conditional_expected_number_of_purchases_up_to_time")]
    fn expected_purchases(&self, h: &History, horizon: f64) -> Result<f64> {
        let t = check_horizon(horizon)?;
        Ok((self.r + h.frequency) * t / (self.alpha + h.age))
    }

    /// P(alive) = 1: nobody drops out.
    #[doc(alias = "conditional_probability_alive")]
    fn p_alive(&self, _h: &History) -> f64 {
        1.0
    }

    /// P(X(t) = n) = Γ(r+n)/(Γ(r) n!) · (α/(α+t))^r · (t/(α+t))^n (Ehrenberg 1959).
    ///
    /// # Numerics
    /// In logs by [`ln_neg_binomial_pmf`]: Γ(r+n)/n! as one ratio (no cancellation between
    /// `ln_gamma` values of size n ln n, which cost 1e-9 relative at n = 10⁶), and
    /// ln(α/(α+t)) = −ln1p(t/α), ln(t/(α+t)) = −ln1p(α/t).
    #[doc(alias = "probability_of_n_purchases_up_to_time")]
    fn p_purchases(&self, n: u64, horizon: f64) -> Result<f64> {
        let t = check_horizon(horizon)?;
        let (r, a) = (self.r, self.alpha);
        if t == 0.0 {
            return Ok(if n == 0 { 1.0 } else { 0.0 });
        }
        Ok(ln_neg_binomial_pmf(n as f64, r, -(t / a).ln_1p(), -(a / t).ln_1p()).exp())
    }

    /// DERT(δ) = (r + x) / ((α + T) δ): the posterior mean rate, discounted continuously over
    /// an infinite horizon.
    fn dert_closed_form(&self, h: &History, delta: f64) -> Option<Result<f64>> {
        if !(delta.is_finite() && delta > 0.0) {
            return Some(Err(Error::InvalidOption {
                name: "discount rate δ",
                value: delta.to_string(),
                reason: "must be finite and positive for an infinite horizon".into(),
            }));
        }
        Some(Ok((self.r + h.frequency) / ((self.alpha + h.age) * delta)))
    }
}

/// P(Y(t) = n | x, T), the conditional distribution of the number of purchases in
/// (T, T + t] (see [`PurchaseModel::conditional_pmf`]).
impl Nbd {
    /// P(Y(t) = n | x, t_x, T) for n = 0..=`max_n` (see [`PurchaseModel::conditional_pmf`]).
    ///
    /// # Errors
    /// An invalid horizon; numerical failures of P(X(t) = n) or P(alive).
    ///
    /// # Formula
    /// The posterior of λ is Gamma(r+x, α+T) and nobody drops out, so Y(t) is negative
    /// binomial (Morrison & Schmittlein 1988):
    /// ```text
    /// P(Y(t)=n | x, T) = Γ(r+x+n)/(Γ(r+x) n!)·((α+T)/(α+T+t))^{r+x}·(t/(α+T+t))^n
    /// ```
    /// # Numerics
    /// [`PurchaseModel::p_purchases`] of NBD(r+x, α+T), in logs.
    pub fn conditional_pmf_values(
        &self,
        h: &History,
        horizon: f64,
        max_n: u64,
    ) -> Result<Vec<f64>> {
        let t = check_horizon(horizon)?;
        let active = Nbd::new(self.r + h.frequency, self.alpha + h.age)?;
        super::conditional_pmf_from(1.0, max_n, |n| active.p_purchases(n, t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::BgNbd;

    #[test]
    fn construction_rejects_invalid_parameters() {
        assert!(Nbd::new(0.5, 10.0).is_ok());
        for (r, a, name) in [(f64::NAN, 1.0, "r"), (1.0, 0.0, "alpha"), (-1.0, 1.0, "r")] {
            match Nbd::new(r, a) {
                Err(Error::InvalidParameter { model, name: n, .. }) => {
                    assert_eq!((model, n), ("NBD", name));
                }
                other => panic!("expected InvalidParameter for {name}, got {other:?}"),
            }
        }
        assert!(matches!(
            Nbd::from_params(&[1.0]),
            Err(Error::ParameterCount { expected: 2, .. })
        ));
    }

    /// BG/NBD's likelihood tends to NBD's as the dropout probability vanishes (a → 0): its
    /// A2 = B(a, b+x)/B(a, b) → 1 and its dropout term a/(b+x−1)·… → 0.
    #[test]
    fn likelihood_is_the_bg_nbd_limit_without_dropout() {
        let nbd = Nbd::new(0.243, 4.414).unwrap();
        let bg = BgNbd::new(0.243, 4.414, 1e-12, 2.426).unwrap();
        for (x, t_x, t) in [(0.0, 0.0, 38.86), (2.0, 30.43, 38.86), (14.0, 35.0, 39.0)] {
            let h = History::new(x, t_x, t).unwrap();
            let (a, b) = (nbd.ln_likelihood(&h), bg.ln_likelihood(&h));
            assert!((a - b).abs() < 1e-9, "{h:?}: {a} vs {b}");
            let (e1, e2) = (
                nbd.expected_purchases(&h, 39.0).unwrap(),
                bg.expected_purchases(&h, 39.0).unwrap(),
            );
            assert!((e1 - e2).abs() < 1e-9 * e1.max(1.0), "{h:?}: {e1} vs {e2}");
        }
    }

    #[test]
    fn pmf_sums_to_one_with_the_right_mean() {
        let m = Nbd::new(0.7, 3.0).unwrap();
        let (mut total, mut mean) = (0.0, 0.0);
        for n in 0..2000u64 {
            let p = m.p_purchases(n, 12.0).unwrap();
            total += p;
            mean += n as f64 * p;
        }
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        let want = m.expected_purchases_new(12.0).unwrap();
        assert!((mean - want).abs() < 1e-10, "{mean} vs {want}");
        assert_eq!(m.p_purchases(0, 0.0).unwrap(), 1.0);
    }

    #[test]
    fn conditional_equals_unconditional_for_a_new_customer() {
        let m = Nbd::new(0.7, 3.0).unwrap();
        let new = History::new(0.0, 0.0, 0.0).unwrap();
        assert_eq!(
            m.expected_purchases(&new, 5.0).unwrap(),
            m.expected_purchases_new(5.0).unwrap()
        );
    }
}
