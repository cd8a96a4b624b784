//! BG/NBD: the beta-geometric / negative binomial distribution model.
//!
//! Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005a). "Counting Your Customers" the Easy Way:
//! An Alternative to the Pareto/NBD Model. *Marketing Science* 24(2), 275–284.
//!
//! # Assumptions
//! While active, a customer buys at the times of a Poisson process with rate λ; after each
//! repeat purchase the customer drops out with probability p. Across customers
//! λ ~ Gamma(r, rate α) and p ~ Beta(a, b), independently.
//!
//! | symbol | field | meaning |
//! |---|---|---|
//! | r | `r` | shape of the purchase-rate distribution |
//! | α | `alpha` | rate of the purchase-rate distribution (in the time unit: E(λ) = r/α) |
//! | a | `a` | first shape of the dropout-probability distribution |
//! | b | `b` | second shape of the dropout-probability distribution (E(p) = a/(a+b)) |
//!
//! Equation numbers refer to the 2005a paper; the numerically stable log-likelihood is that of
//! Hardie's note 027 ("Overcoming the BG/NBD Model's #NUM! Error Problem", 2013).

use rand::Rng;

use super::bg_nbd_family::{self, Dropout, Nbd};
use super::{check_positive, LogLikelihood, PurchaseModel};
use crate::data::{History, Patterns};
use crate::error::{Error, Result};

/// The BG/NBD model with validated parameters (see the module docs for the symbols).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbd {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
}

impl BgNbd {
    /// The model's name.
    pub const NAME: &'static str = "BG/NBD";

    /// A BG/NBD model; every parameter must be finite and positive.
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<Self> {
        Ok(BgNbd {
            r: check_positive(Self::NAME, "r", r)?,
            alpha: check_positive(Self::NAME, "alpha", alpha)?,
            a: check_positive(Self::NAME, "a", a)?,
            b: check_positive(Self::NAME, "b", b)?,
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
    /// a: first shape of the dropout-probability distribution.
    pub fn a(&self) -> f64 {
        self.a
    }
    /// b: second shape of the dropout-probability distribution.
    pub fn b(&self) -> f64 {
        self.b
    }

    /// The shared BG/NBD-family implementation with BG/NBD's dropout (after repeat purchases).
    fn core(&self) -> Nbd {
        Nbd {
            r: self.r,
            alpha: self.alpha,
            a: self.a,
            b: self.b,
            dropout: Dropout::AfterRepeat,
        }
    }

    /// Draws `ages.len()` customers, the i-th observed for `ages[i]` time units after its first
    /// purchase, by simulating the BG/NBD story (Fader, Hardie & Lee 2005a, §3).
    ///
    /// Each customer gets λ ~ Gamma(r, rate α) and p ~ Beta(a, b); purchases arrive at
    /// exponential(λ) gaps; after each repeat purchase the customer drops out with probability p.
    pub fn simulate<R: Rng + ?Sized>(&self, ages: &[f64], rng: &mut R) -> Result<Vec<History>> {
        self.core().simulate(ages, rng)
    }
}

impl LogLikelihood for BgNbd {
    const NAME: &'static str = "BG/NBD";
    const PARAM_NAMES: &'static [&'static str] = &["r", "alpha", "a", "b"];
    type Obs = History;

    fn from_params(p: &[f64]) -> Result<Self> {
        match p {
            [r, alpha, a, b] => BgNbd::new(*r, *alpha, *a, *b),
            _ => Err(Error::InvalidArgument(format!(
                "BG/NBD takes 4 parameters, got {}",
                p.len()
            ))),
        }
    }

    fn params(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.a, self.b]
    }

    /// ln L(r, α, a, b | x, t_x, T), eq. (6), in note 027's stable form.
    ///
    /// # Formula
    /// ```text
    /// L = A1·A2·(A3 + δ_{x>0}·A4),  A1 = Γ(r+x)α^r/Γ(r),  A2 = B(a, b+x)/B(a, b),
    /// A3 = (α+T)^−(r+x),  A4 = a/(b+x−1)·(α+t_x)^−(r+x)
    /// ```
    /// # Numerics
    /// ln L = ln A1 + ln A2 + ln A3 + softplus(ln(A4/A3)) (note 027); the gradient is in
    /// `bg_nbd_family`, shared with MBG/NBD.
    fn ln_likelihood(&self, h: &History) -> f64 {
        let core = self.core();
        core.ln_likelihood_one(h, None)
    }

    fn ln_likelihood_grad(&self, h: &History, grad: &mut [f64]) -> f64 {
        let core = self.core();
        core.ln_likelihood_one(h, Some(grad))
    }

    /// Shares the frequency terms (log-gamma and digamma calls) between consecutive patterns
    /// with the same x, so a batch sorted by frequency costs a few logarithms per pattern.
    fn ln_likelihood_batch(&self, obs: &[History], weights: &[f64], grad: &mut [f64]) -> f64 {
        self.core().ln_likelihood_batch(obs, weights, grad)
    }

    /// BTYD's and CLVTools' start (r, α, a, b) = (1, 3, 1, 3), with α moved to the data's time
    /// scale (3 × mean T / 39, CDNOW's weeks being the reference scale).
    fn initial_params(data: &Patterns<History>) -> Vec<f64> {
        bg_nbd_family::initial_params(data)
    }

    fn time_dimension() -> &'static [i32] {
        &[0, 1, 0, 0]
    }

    fn time_scale(h: &History) -> f64 {
        h.age
    }
}

impl PurchaseModel for BgNbd {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    /// E[X(t)], eq. (7): (a+b−1)/(a−1)·[1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))].
    #[doc(alias = "expected_number_of_purchases_up_to_time")]
    #[doc(alias = "expected_purchases_new_customer")]
    fn expected_purchases_new(&self, horizon: f64) -> Result<f64> {
        self.core().expected_purchases_new(horizon)
    }

    /// E[Y(t) | x, t_x, T], eq. (10): P(alive)·(a+b+x−1)/(a−1)·
    /// [1 − ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))].
    #[doc(alias = "conditional_expected_number_of_purchases_up_to_time")]
    fn expected_purchases(&self, h: &History, horizon: f64) -> Result<f64> {
        self.core().expected_purchases(h, horizon)
    }

    /// P(alive | x, t_x, T) = 1 / (1 + δ_{x>0}·a/(b+x−1)·((α+T)/(α+t_x))^{r+x})
    /// (Fader, Hardie & Lee 2008, note 021, eq. 2), evaluated as a logistic function of the
    /// log-odds so that it underflows to exactly 0 instead of overflowing.
    #[doc(alias = "conditional_probability_alive")]
    #[doc(alias = "expected_probability_alive")]
    fn p_alive(&self, h: &History) -> f64 {
        self.core().p_alive(h)
    }

    /// P(X(t) = n), eq. (8):
    /// B(a, b+n)/B(a, b)·Γ(r+n)/(Γ(r) n!)·(α/(α+t))^r (t/(α+t))^n
    /// plus δ_{n>0}·B(a+1, b+n−1)/B(a, b)·[1 − Σ_{j<n} NB_j], where NB_j is the negative
    /// binomial (r, α/(α+t)) probability of j. The bracket equals I_{t/(α+t)}(n, r), computed as
    /// a regularised incomplete beta function (no cancellation for large n).
    #[doc(alias = "probability_of_n_purchases_up_to_time")]
    fn p_purchases(&self, n: u64, horizon: f64) -> Result<f64> {
        self.core().p_purchases(n, horizon)
    }
}
