//! MBG/NBD: the modified beta-geometric / negative binomial distribution model.
//!
//! Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and comparison of
//! models for customer base analysis. *International Journal of Research in Marketing* 24(3),
//! 201–209. The same model is Hoppe & Wagner's (2007) CBG/NBD ("Customer base analysis: The
//! case for a central variant of the Betageometric/NBD model", *Marketing — Journal of Research
//! and Management* 3(2), 75–90); the conditional expectation printed in Batislam et al. is
//! corrected in Wagner, U. & Hoppe, D. (2008), "Erratum on the MBG/NBD model", *IJRM* 25(3),
//! 225–226, whose form is used here.
//!
//! # Assumptions
//! As BG/NBD (Fader, Hardie & Lee 2005a): while active, a customer buys at the times of a
//! Poisson process with rate λ, and drops out with probability p at each dropout opportunity;
//! λ ~ Gamma(r, rate α) and p ~ Beta(a, b) across customers, independently. The one difference:
//! a customer may also drop out at time 0, right after the first purchase, so a customer with x
//! repeat purchases has had x + 1 dropout opportunities, and P(alive) < 1 even when x = 0.
//!
//! | symbol | field | meaning |
//! |---|---|---|
//! | r | `r` | shape of the purchase-rate distribution |
//! | α | `alpha` | rate of the purchase-rate distribution (in the time unit: E(λ) = r/α) |
//! | a | `a` | first shape of the dropout-probability distribution |
//! | b | `b` | second shape of the dropout-probability distribution (E(p) = a/(a+b)) |
//!
//! # Numerical variant
//! Every formula is BG/NBD's with x + 1 dropout opportunities instead of x (see
//! `bg_nbd_family.rs`, which both models use): the log-likelihood is evaluated in the stable form
//! of Hardie's note 027 (softplus of the log ratio of the two terms), P(alive) as a logistic of
//! the log-odds, and the expectations through the log-space ₂F₁ of [`crate::special`]. The
//! formulas are those of published-values §6.4; equation numbers of the 2007 paper are not
//! cited because its text was not available to us.
//!
//! # Examples
//! ```
//! use btyd::data::History;
//! use btyd::models::{MbgNbd, PurchaseModel};
//! // The CDNOW MLE (lifetimes' fit) and CDNOW customer 1 (x 2, t_x 213/7, T 272/7 weeks);
//! // lifetimes prints E[Y(39)] = 1.26275884.
//! let m = MbgNbd::new(0.52484290, 6.18308176, 0.89135952, 1.61400293)?;
//! let c = History::new(2.0, 213.0 / 7.0, 272.0 / 7.0)?;
//! assert!((m.expected_purchases(&c, 39.0)? - 1.26275884).abs() < 1e-8);
//! assert!(m.p_alive(&History::new(0.0, 0.0, 38.86)?) < 1.0);
//! # Ok::<(), btyd::Error>(())
//! ```

use rand::Rng;

use super::bg_nbd_family::{self, Dropout, Nbd};
use super::{check_positive, LogLikelihood, PurchaseModel};
use crate::data::{History, Patterns};
use crate::error::{Error, Result};

/// The MBG/NBD model with validated parameters (see the module docs for the symbols).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MbgNbd {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
}

impl MbgNbd {
    /// The model's name.
    pub const NAME: &'static str = "MBG/NBD";

    /// An MBG/NBD model; every parameter must be finite and positive.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first parameter that is NaN, infinite or ≤ 0.
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<Self> {
        Ok(MbgNbd {
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

    /// The shared BG/NBD-family implementation with a dropout opportunity at time 0.
    fn core(&self) -> Nbd {
        Nbd {
            r: self.r,
            alpha: self.alpha,
            a: self.a,
            b: self.b,
            dropout: Dropout::AlsoAtStart,
        }
    }

    /// Draws `ages.len()` customers, the i-th observed for `ages[i]` time units after its first
    /// purchase, by simulating the MBG/NBD story (Batislam et al. 2007, §2).
    ///
    /// Each customer gets λ ~ Gamma(r, rate α) and p ~ Beta(a, b); it drops out at time 0 with
    /// probability p; otherwise purchases arrive at exponential(λ) gaps, and after each repeat
    /// purchase the customer drops out with probability p.
    ///
    /// # Errors
    /// An age that is negative or not finite.
    pub fn simulate<R: Rng + ?Sized>(&self, ages: &[f64], rng: &mut R) -> Result<Vec<History>> {
        self.core().simulate(ages, rng)
    }
}

impl LogLikelihood for MbgNbd {
    const NAME: &'static str = "MBG/NBD";
    const PARAM_NAMES: &'static [&'static str] = &["r", "alpha", "a", "b"];
    type Obs = History;

    fn from_params(p: &[f64]) -> Result<Self> {
        match p {
            [r, alpha, a, b] => MbgNbd::new(*r, *alpha, *a, *b),
            _ => Err(Error::InvalidArgument(format!(
                "MBG/NBD takes 4 parameters, got {}",
                p.len()
            ))),
        }
    }

    fn params(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.a, self.b]
    }

    /// ln L(r, α, a, b | x, t_x, T).
    ///
    /// # Formula
    /// Batislam et al. (2007), likelihood of the MBG/NBD (published-values §6.4), for every x
    /// including x = 0:
    /// ```text
    /// L = Γ(r+x)α^r/Γ(r) · { B(a, b+x+1)/B(a, b)·(α+T)^−(r+x) + B(a+1, b+x)/B(a, b)·(α+t_x)^−(r+x) }
    /// ```
    /// # Numerics
    /// As note 027 for BG/NBD: ln L = ln A1 + ln A2' − (r+x) ln(α+T) +
    /// softplus(ln a − ln(b+x) + (r+x)(ln(α+T) − ln(α+t_x))), A2' = B(a, b+x+1)/B(a, b). The
    /// analytic gradient (digammas, and the softplus weight w₄) is the one shared with BG/NBD
    /// with x + 1 dropout opportunities.
    fn ln_likelihood(&self, h: &History) -> f64 {
        let core = self.core();
        core.ln_likelihood_one(h, None)
    }

    fn ln_likelihood_grad(&self, h: &History, grad: &mut [f64]) -> f64 {
        let core = self.core();
        core.ln_likelihood_one(h, Some(grad))
    }

    /// Shares the frequency terms (log-gamma and digamma calls) between consecutive patterns
    /// with the same x.
    fn ln_likelihood_batch(&self, obs: &[History], weights: &[f64], grad: &mut [f64]) -> f64 {
        self.core().ln_likelihood_batch(obs, weights, grad)
    }

    /// BG/NBD's start (r, α, a, b) = (1, 3, 1, 3) of BTYD and CLVTools, with α moved to the
    /// data's time scale (3 × mean T / 39, CDNOW's weeks being the reference scale).
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

impl PurchaseModel for MbgNbd {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    /// E[X(t)] for a customer who just made a first purchase.
    ///
    /// # Formula
    /// Batislam et al. (2007) (published-values §6.4):
    /// ```text
    /// E[X(t)] = b/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))]
    /// ```
    /// # Numerics
    /// Computed as P(alive | 0, 0, 0) = b/(a+b) times the BG/NBD bracket with b + 1, through
    /// log ₂F₁; at a = 1 (0/0) the limit is interpolated from a = 1 ± 1e-5.
    #[doc(alias = "expected_number_of_purchases_up_to_time")]
    #[doc(alias = "expected_purchases_new_customer")]
    fn expected_purchases_new(&self, horizon: f64) -> Result<f64> {
        self.core().expected_purchases_new(horizon)
    }

    /// E[Y(t) | x, t_x, T]: expected purchases in (T, T + t].
    ///
    /// # Formula
    /// Wagner & Hoppe (2008), corrected form of Batislam et al.'s conditional expectation:
    /// ```text
    /// E[Y(t) | x, t_x, T] = P(alive)·(a+b+x)/(a−1)·
    ///     [1 − ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x+1; a+b+x; t/(α+T+t))]
    /// ```
    #[doc(alias = "conditional_expected_number_of_purchases_up_to_time")]
    fn expected_purchases(&self, h: &History, horizon: f64) -> Result<f64> {
        self.core().expected_purchases(h, horizon)
    }

    /// P(alive | x, t_x, T), below 1 even for x = 0.
    ///
    /// # Formula
    /// Batislam et al. (2007) (published-values §6.4):
    /// ```text
    /// P(alive) = 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^{r+x})
    /// ```
    /// # Numerics
    /// A logistic function of the log-odds, so it underflows to 0 instead of overflowing.
    #[doc(alias = "conditional_probability_alive")]
    #[doc(alias = "expected_probability_alive")]
    fn p_alive(&self, h: &History) -> f64 {
        self.core().p_alive(h)
    }

    /// P(X(t) = n) for a customer who just made a first purchase.
    ///
    /// # Formula
    /// Batislam et al. (2007) (published-values §6.4), with NB_j = Γ(r+j)/(Γ(r) j!)·
    /// (α/(α+t))^r (t/(α+t))^j:
    /// ```text
    /// P(X(t) = n) = B(a, b+n+1)/B(a, b)·NB_n + B(a+1, b+n)/B(a, b)·[1 − Σ_{j<n} NB_j]
    /// ```
    /// For n = 0 this is b/(a+b)·(α/(α+t))^r + a/(a+b).
    /// # Numerics
    /// The bracket is the regularised incomplete beta I_{t/(α+t)}(n, r) (no cancellation).
    #[doc(alias = "probability_of_n_purchases_up_to_time")]
    fn p_purchases(&self, n: u64, horizon: f64) -> Result<f64> {
        self.core().p_purchases(n, horizon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn construction_rejects_invalid_parameters() {
        assert!(MbgNbd::new(0.5, 6.0, 0.9, 1.6).is_ok());
        for (r, alpha, a, b, name) in [
            (f64::NAN, 1.0, 1.0, 1.0, "r"),
            (1.0, 0.0, 1.0, 1.0, "alpha"),
            (1.0, 1.0, -1.0, 1.0, "a"),
            (1.0, 1.0, 1.0, f64::INFINITY, "b"),
            (1.0, f64::NEG_INFINITY, 1.0, 1.0, "alpha"),
        ] {
            match MbgNbd::new(r, alpha, a, b) {
                Err(Error::InvalidParameter { model, name: n, .. }) => {
                    assert_eq!(model, "MBG/NBD");
                    assert_eq!(n, name);
                }
                other => panic!("expected InvalidParameter for {name}, got {other:?}"),
            }
        }
        assert!(MbgNbd::from_params(&[1.0, 2.0, 3.0]).is_err());
    }

    /// The likelihood against a direct evaluation of the printed formula (§6.4) with plain
    /// exponentials, where nothing overflows.
    #[test]
    fn likelihood_matches_printed_formula() {
        let (r, alpha, a, b) = (0.53, 6.18, 0.89, 1.614);
        let m = MbgNbd::new(r, alpha, a, b).unwrap();
        let lb = |p: f64, q: f64| crate::special::ln_beta(p, q);
        for (x, t_x, t) in [(0.0, 0.0, 30.0), (2.0, 30.43, 38.86), (7.0, 12.0, 20.0)] {
            let h = History::new(x, t_x, t).unwrap();
            let a1 = (crate::special::ln_gamma(r + x) - crate::special::ln_gamma(r)).exp()
                * alpha.powf(r);
            let direct = a1
                * ((lb(a, b + x + 1.0) - lb(a, b)).exp() * (alpha + t).powf(-(r + x))
                    + (lb(a + 1.0, b + x) - lb(a, b)).exp() * (alpha + t_x).powf(-(r + x)));
            assert!((m.ln_likelihood(&h) - direct.ln()).abs() < 1e-12, "{h:?}");
        }
    }
}
