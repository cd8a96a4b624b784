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
//! | α | `alpha` | rate of the purchase-rate distribution (in the time unit: E[λ] = r/α) |
//! | a | `a` | first shape of the dropout-probability distribution |
//! | b | `b` | second shape of the dropout-probability distribution (E[p] = a/(a+b)) |
//!
//! Equation numbers refer to the 2005a paper; the numerically stable log-likelihood is that of
//! Hardie's note 027 ("Overcoming the BG/NBD Model's #NUM! Error Problem", 2013).

use rand::{Rng, RngExt};
use rand_distr::{Beta, Distribution, Exp, Gamma};

use super::{check_horizon, check_positive, LogLikelihood, PurchaseModel};
use crate::data::{History, Patterns};
use crate::error::{Error, Result};
use crate::special::{digamma, ln_beta, ln_gamma, ln_hyp2f1, logistic};

/// The BG/NBD model with validated parameters (see the module docs for the symbols).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbd {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
}

/// ln A3 = −(r+x) ln(α+T) and d = ln(A4/A3), with the logarithms they were made from.
#[derive(Debug, Clone, Copy)]
struct A3Ratio {
    ln_a3: f64,
    ln_at: f64,
    ln_atx: f64,
    ln_ratio: f64,
}

/// Terms of the BG/NBD log-likelihood that depend on the frequency x only (shared by all
/// patterns with the same x).
#[derive(Debug, Clone, Copy)]
struct FrequencyTerms {
    x: f64,
    /// ln A1 without the α terms: ln Γ(r+x) − ln Γ(r).
    ln_a1: f64,
    /// ln α (the same for every x; kept here so it is computed once per run of x).
    ln_alpha: f64,
    /// ln A2 = ln B(a, b+x) − ln B(a, b).
    ln_a2: f64,
    /// ln(a / (b+x−1)), the A4 prefactor (x > 0).
    ln_a4_coef: f64,
    /// ∂(ln A1 + ln A2)/∂(r, a, b).
    d_r: f64,
    d_a: f64,
    d_b: f64,
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

    fn frequency_terms(&self, x: f64) -> FrequencyTerms {
        let BgNbd { r, a, b, .. } = *self;
        let psi_ab = digamma(a + b);
        let psi_abx = digamma(a + b + x);
        FrequencyTerms {
            x,
            ln_a1: ln_gamma(r + x) - ln_gamma(r),
            ln_alpha: self.alpha.ln(),
            ln_a2: ln_beta(a, b + x) - ln_beta(a, b),
            ln_a4_coef: self.ln_a4_coef(x),
            d_r: digamma(r + x) - digamma(r),
            d_a: psi_ab - psi_abx,
            d_b: psi_ab + digamma(b + x) - digamma(b) - psi_abx,
        }
    }

    /// ln(a/(b+x−1)) for x > 0; −∞ for x = 0 (no A4 term).
    fn ln_a4_coef(&self, x: f64) -> f64 {
        if x > 0.0 {
            self.a.ln() - (self.b + x - 1.0).ln()
        } else {
            f64::NEG_INFINITY
        }
    }

    /// ln A3 and ln(A4/A3) of eq. (6), with ln(α+T) and ln(α+t_x) for the gradient, given
    /// ln(a/(b+x−1)) (for x = 0 there is no A4 and the ratio is −∞).
    ///
    /// L = A1·A2·(A3 + δ_{x>0}·A4), A1 = Γ(r+x)α^r/Γ(r), A2 = B(a, b+x)/B(a, b),
    /// A3 = (α+T)^−(r+x), A4 = a/(b+x−1)·(α+t_x)^−(r+x).
    fn a3_and_ratio(&self, h: &History, ln_a4_coef: f64) -> A3Ratio {
        let rx = self.r + h.frequency;
        let ln_at = (self.alpha + h.age).ln();
        let ln_a3 = -rx * ln_at;
        if h.frequency > 0.0 {
            let ln_atx = (self.alpha + h.recency).ln();
            A3Ratio {
                ln_a3,
                ln_at,
                ln_atx,
                ln_ratio: ln_a4_coef + rx * (ln_at - ln_atx),
            }
        } else {
            A3Ratio {
                ln_a3,
                ln_at,
                ln_atx: 0.0,
                ln_ratio: f64::NEG_INFINITY,
            }
        }
    }

    /// ln L and its gradient for one history, given the frequency terms.
    ///
    /// # Formula
    /// Eq. (6) of the paper in note 027's stable form:
    /// ln L = ln A1 + ln A2 + ln A3 + ln(1 + δ_{x>0} A4/A3), the last term as softplus of the log
    /// ratio d = ln(A4/A3). With w₄ = A4/(A3+A4) = logistic(d) and w₃ = 1 − w₄:
    /// ∂/∂r = ψ(r+x) − ψ(r) + ln α − w₃ ln(α+T) − w₄ ln(α+t_x);
    /// ∂/∂α = r/α − (r+x)(w₃/(α+T) + w₄/(α+t_x));
    /// ∂/∂a = ψ(a+b) − ψ(a+b+x) + w₄/a;
    /// ∂/∂b = ψ(a+b) + ψ(b+x) − ψ(b) − ψ(a+b+x) − w₄/(b+x−1).
    fn ln_likelihood_terms(
        &self,
        ft: &FrequencyTerms,
        h: &History,
        grad: Option<&mut [f64]>,
    ) -> f64 {
        let BgNbd { r, alpha, a, b } = *self;
        let q = self.a3_and_ratio(h, ft.ln_a4_coef);
        let base = ft.ln_a1 + r * ft.ln_alpha + ft.ln_a2 + q.ln_a3;
        if ft.x == 0.0 {
            if let Some(g) = grad {
                g[0] = ft.d_r + ft.ln_alpha - q.ln_at;
                g[1] = r / alpha - r / (alpha + h.age);
                g[2] = ft.d_a;
                g[3] = ft.d_b;
            }
            return base;
        }
        // softplus(d) and logistic(d) from one exponential.
        let d = q.ln_ratio;
        let e = (-d.abs()).exp();
        let ll = base + d.max(0.0) + e.ln_1p();
        if let Some(g) = grad {
            let w4 = if d >= 0.0 {
                1.0 / (1.0 + e)
            } else {
                e / (1.0 + e)
            };
            let w3 = if d >= 0.0 {
                e / (1.0 + e)
            } else {
                1.0 / (1.0 + e)
            };
            let rx = r + ft.x;
            g[0] = ft.d_r + ft.ln_alpha - w3 * q.ln_at - w4 * q.ln_atx;
            g[1] = r / alpha - rx * (w3 / (alpha + h.age) + w4 / (alpha + h.recency));
            g[2] = ft.d_a + w4 / a;
            g[3] = ft.d_b - w4 / (b + ft.x - 1.0);
        }
        ll
    }

    /// The bracket of eqs. (7) and (10):
    /// (c/(a−1))·[1 − ((α')/(α'+t))^{r'} ₂F₁(r', b'; c; t/(α'+t))] with c = a + b' − 1,
    /// for the updated parameters r' = r + x, α' = α + T, b' = b + x.
    ///
    /// At a = 1 the factor is 0/0; its limit is taken by interpolating between a = 1 ± h.
    fn expectation_bracket(&self, r: f64, alpha: f64, b: f64, t: f64) -> Result<f64> {
        const A_NEAR_ONE: f64 = 1e-5;
        let a = self.a;
        if (a - 1.0).abs() < A_NEAR_ONE {
            let lo = Self::bracket_at(1.0 - A_NEAR_ONE, r, alpha, b, t)?;
            let hi = Self::bracket_at(1.0 + A_NEAR_ONE, r, alpha, b, t)?;
            let w = (a - (1.0 - A_NEAR_ONE)) / (2.0 * A_NEAR_ONE);
            return Ok(lo + w * (hi - lo));
        }
        Self::bracket_at(a, r, alpha, b, t)
    }

    fn bracket_at(a: f64, r: f64, alpha: f64, b: f64, t: f64) -> Result<f64> {
        if t == 0.0 {
            return Ok(0.0);
        }
        let c = a + b - 1.0;
        let z = t / (alpha + t);
        let (ln_f, sign) = ln_hyp2f1(r, b, c, z)?;
        let ln_term = r * (alpha / (alpha + t)).ln() + ln_f;
        // 1 − sign·e^{ln_term}, written with exp_m1 to keep precision when the term is near 1.
        let one_minus = if sign > 0.0 {
            -ln_term.exp_m1()
        } else {
            1.0 + ln_term.exp()
        };
        Ok(c / (a - 1.0) * one_minus)
    }

    /// Draws `ages.len()` customers, the i-th observed for `ages[i]` time units after its first
    /// purchase, by simulating the BG/NBD story (Fader, Hardie & Lee 2005a, §3).
    ///
    /// Each customer gets λ ~ Gamma(r, rate α) and p ~ Beta(a, b); purchases arrive at
    /// exponential(λ) gaps; after each repeat purchase the customer drops out with probability p.
    pub fn simulate<R: Rng + ?Sized>(&self, ages: &[f64], rng: &mut R) -> Result<Vec<History>> {
        let rate = Gamma::new(self.r, 1.0 / self.alpha).map_err(distr_error)?;
        let drop = Beta::new(self.a, self.b).map_err(distr_error)?;
        let mut out = Vec::with_capacity(ages.len());
        for &age in ages {
            let lambda: f64 = rate.sample(rng);
            let p: f64 = drop.sample(rng);
            let (mut x, mut t_x, mut t) = (0u64, 0.0, 0.0);
            if lambda > 0.0 {
                let gap = Exp::new(lambda).map_err(distr_error)?;
                loop {
                    t += gap.sample(rng);
                    if t > age {
                        break;
                    }
                    x += 1;
                    t_x = t;
                    let u: f64 = rng.random();
                    if u < p {
                        break;
                    }
                }
            }
            out.push(History::new(x as f64, t_x, age)?);
        }
        Ok(out)
    }
}

pub(crate) fn distr_error(e: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(format!("cannot simulate: {e}"))
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
    fn ln_likelihood(&self, h: &History) -> f64 {
        self.ln_likelihood_terms(&self.frequency_terms(h.frequency), h, None)
    }

    fn ln_likelihood_grad(&self, h: &History, grad: &mut [f64]) -> f64 {
        self.ln_likelihood_terms(&self.frequency_terms(h.frequency), h, Some(grad))
    }

    /// Shares the frequency terms (log-gamma and digamma calls) between consecutive patterns
    /// with the same x, so a batch sorted by frequency costs a few logarithms per pattern.
    fn ln_likelihood_batch(&self, obs: &[History], weights: &[f64], grad: &mut [f64]) -> f64 {
        let mut ft: Option<FrequencyTerms> = None;
        let mut g = [0.0; 4];
        let mut ll = 0.0;
        for (h, &w) in obs.iter().zip(weights) {
            let terms = match ft {
                Some(t) if t.x == h.frequency => t,
                _ => *ft.insert(self.frequency_terms(h.frequency)),
            };
            ll += w * self.ln_likelihood_terms(&terms, h, Some(&mut g));
            for (acc, gi) in grad.iter_mut().zip(g) {
                *acc += w * gi;
            }
        }
        ll
    }

    /// BTYD's and CLVTools' start (r, α, a, b) = (1, 3, 1, 3), with α moved to the data's time
    /// scale (3 × mean T / 39, CDNOW's weeks being the reference scale).
    fn initial_params(data: &Patterns<History>) -> Vec<f64> {
        let n = data.total_weight();
        let mean_t = data
            .obs
            .iter()
            .zip(&data.weights)
            .map(|(h, w)| w * h.age)
            .sum::<f64>()
            / n;
        let alpha = if mean_t.is_finite() && mean_t > 0.0 {
            3.0 * mean_t / 39.0
        } else {
            3.0
        };
        vec![1.0, alpha, 1.0, 3.0]
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
        let t = check_horizon(horizon)?;
        self.expectation_bracket(self.r, self.alpha, self.b, t)
    }

    /// E[Y(t) | x, t_x, T], eq. (10): P(alive)·(a+b+x−1)/(a−1)·
    /// [1 − ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))].
    #[doc(alias = "conditional_expected_number_of_purchases_up_to_time")]
    fn expected_purchases(&self, h: &History, horizon: f64) -> Result<f64> {
        let t = check_horizon(horizon)?;
        let p_alive = self.p_alive(h);
        if p_alive == 0.0 || t == 0.0 {
            return Ok(0.0);
        }
        let x = h.frequency;
        let bracket = self.expectation_bracket(self.r + x, self.alpha + h.age, self.b + x, t)?;
        Ok(p_alive * bracket)
    }

    /// P(alive | x, t_x, T) = 1 / (1 + δ_{x>0}·a/(b+x−1)·((α+T)/(α+t_x))^{r+x})
    /// (Fader, Hardie & Lee 2008, note 021, eq. 2), evaluated as a logistic function of the
    /// log-odds so that it underflows to exactly 0 instead of overflowing.
    #[doc(alias = "conditional_probability_alive")]
    #[doc(alias = "expected_probability_alive")]
    fn p_alive(&self, h: &History) -> f64 {
        if h.frequency == 0.0 {
            return 1.0;
        }
        logistic(-self.a3_and_ratio(h, self.ln_a4_coef(h.frequency)).ln_ratio)
    }

    /// P(X(t) = n), eq. (8):
    /// B(a, b+n)/B(a, b)·Γ(r+n)/(Γ(r) n!)·(α/(α+t))^r (t/(α+t))^n
    /// plus δ_{n>0}·B(a+1, b+n−1)/B(a, b)·[1 − Σ_{j<n} NB_j], where NB_j is the negative
    /// binomial (r, α/(α+t)) probability of j. The bracket equals I_{t/(α+t)}(n, r), computed as
    /// a regularised incomplete beta function (no cancellation for large n).
    #[doc(alias = "probability_of_n_purchases_up_to_time")]
    fn p_purchases(&self, n: u64, horizon: f64) -> Result<f64> {
        let t = check_horizon(horizon)?;
        let BgNbd { r, alpha, a, b } = *self;
        let nf = n as f64;
        if t == 0.0 {
            return Ok(if n == 0 { 1.0 } else { 0.0 });
        }
        let ln_p = (alpha / (alpha + t)).ln();
        let ln_q = (t / (alpha + t)).ln();
        let first = (ln_beta(a, b + nf) - ln_beta(a, b) + ln_gamma(r + nf)
            - ln_gamma(r)
            - ln_gamma(nf + 1.0)
            + r * ln_p
            + nf * ln_q)
            .exp();
        if n == 0 {
            return Ok(first);
        }
        let tail =
            statrs::function::beta::checked_beta_reg(nf, r, t / (alpha + t)).map_err(|e| {
                Error::Numerical {
                    what: "regularised incomplete beta",
                    inputs: format!("({nf}, {r}, {t}): {e}"),
                }
            })?;
        Ok(first + (ln_beta(a + 1.0, b + nf - 1.0) - ln_beta(a, b)).exp() * tail)
    }
}
