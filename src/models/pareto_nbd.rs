//! Pareto/NBD: the Pareto (exponential–gamma) dropout / negative binomial purchase model.
//!
//! Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting Your Customers: Who Are
//! They and What Will They Do Next? *Management Science* 33(1), 1–24 (SMC).
//! Fader, P. S. & Hardie, B. G. S. (2005). "A Note on Deriving the Pareto/NBD Model and Related
//! Expressions", note 009, <http://brucehardie.com/notes/009/> (likelihood, P(alive),
//! expectations; the equation numbers below are the note's, as lifetimes'
//! `pareto_nbd_fitter.py` cites them: LL eq. 18 with A0 eqs. 19–20, P(alive) eqs. 36–37,
//! E[X(t)] eq. 27, E[Y(t) | x, t_x, T] eq. 41).
//! Fader, P. S. & Hardie, B. G. S. (2006/2014). "Deriving an Expression for P(X(t) = x) Under the
//! Pareto/NBD Model", notes 012/013, <http://brucehardie.com/notes/012/>.
//! Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: Using Iso-Value Curves for
//! Customer Base Analysis. *Journal of Marketing Research* 42(4), 415–430 (DERT, eq. 2).
//!
//! # Assumptions
//! While alive, a customer buys at the times of a Poisson process with rate λ; the customer's
//! unobserved lifetime is exponential with rate μ. Across customers λ ~ Gamma(r, rate α) and
//! μ ~ Gamma(s, rate β), independently.
//!
//! | symbol | field | meaning |
//! |---|---|---|
//! | r | `r` | shape of the purchase-rate distribution |
//! | α | `alpha` | rate of the purchase-rate distribution (in the time unit: E\[λ\] = r/α) |
//! | s | `s` | shape of the dropout-rate distribution |
//! | β | `beta` | rate of the dropout-rate distribution (in the time unit: E\[μ\] = s/β) |
//!
//! Customer data: x repeat purchases, the last at t_x (recency), observed for T (age).
//!
//! # Numerical variant
//! The likelihood is evaluated entirely in logarithms (lifetimes issue #25: A0 overflows for
//! x > 300). The Gauss functions of the likelihood, ₂F₁(a, b; a+1; z) with a = r+s+x, are summed
//! by the series of their Euler transform (DLMF 15.8.1,
//! [`ln_hyp2f1_1_series`](crate::special::ln_hyp2f1_1_series))
//! ```text
//! ₂F₁(a, b; a+1; z) = (1 − z)^(1−b) · ₂F₁(1, a+1−b; a+1; z),   0 ≤ z < 1,
//! ```
//! whose terms are all positive and decreasing, so that ln ₂F₁ and its derivatives in the
//! parameters come from the same pass (published-values §6.6; `DEPENDENCIES.md` §4). The other
//! Gauss functions (P(X(t) = n)) use [`crate::special::ln_hyp2f1`], and the DERT uses
//! [`crate::special::ln_tricomi_u_ss`].

use crate::hash::FxBuildHasher;
use std::collections::HashMap;
use std::f64::consts::LN_2;

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, Gamma, Poisson};

use super::{check_horizon, check_positive, distr_error, LogLikelihood, PurchaseModel};
use crate::data::{History, Patterns};
use crate::error::{Error, Result};
use crate::special::{
    digamma, ln_beta, ln_gamma, ln_hyp2f1, ln_hyp2f1_1_series, ln_tricomi_u_ss, log_add_exp,
    log_sum_exp, LnHyp2f1Series,
};

/// The Pareto/NBD model with validated parameters (see the module docs for the symbols).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParetoNbd {
    r: f64,
    alpha: f64,
    s: f64,
    beta: f64,
}

/// ln G(y) and ∂ ln G / ∂(r, α, s, β), where G(y) is one of the two terms of A0.
#[derive(Debug, Clone, Copy)]
struct LnG {
    /// ln(α+y).
    u: f64,
    /// ln(β+y).
    v: f64,
    ln_g: f64,
    d: [f64; 4],
}

/// Terms of the log-likelihood that depend on the frequency x only.
#[derive(Debug, Clone, Copy)]
struct FrequencyTerms {
    x: f64,
    /// ln Γ(r+x) − ln Γ(r) + r ln α + s ln β.
    ln_c: f64,
    ln_alpha: f64,
    ln_beta: f64,
    /// ψ(r+x) − ψ(r).
    d_r: f64,
    /// ln s − ln(r+s+x).
    ln_ratio: f64,
}

/// ln of the two parts of the likelihood's brace, with what the gradient needs.
#[derive(Debug, Clone, Copy)]
struct Parts {
    /// l₁ = −(r+x) ln(α+T) − s ln(β+T).
    l1: f64,
    /// ln(α+T), ln(β+T).
    u_t: f64,
    v_t: f64,
    /// l₂ = ln(s/(r+s+x)) + ln A0 (−∞ when t_x = T).
    l2: f64,
    /// ∂ ln A0 / ∂(r, α, s, β) (zero when A0 = 0).
    d_a0: [f64; 4],
}

impl ParetoNbd {
    /// The model's name.
    pub const NAME: &'static str = "Pareto/NBD";

    /// A Pareto/NBD model; every parameter must be finite and positive.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first parameter that is NaN, infinite or ≤ 0.
    ///
    /// # Examples
    /// ```
    /// use btyd::models::ParetoNbd;
    /// assert!(ParetoNbd::new(0.553, 10.578, 0.606, 11.669).is_ok());
    /// assert!(ParetoNbd::new(0.553, -1.0, 0.606, 11.669).is_err());
    /// ```
    pub fn new(r: f64, alpha: f64, s: f64, beta: f64) -> Result<Self> {
        Ok(ParetoNbd {
            r: check_positive(Self::NAME, "r", r)?,
            alpha: check_positive(Self::NAME, "alpha", alpha)?,
            s: check_positive(Self::NAME, "s", s)?,
            beta: check_positive(Self::NAME, "beta", beta)?,
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
    /// s: shape of the dropout-rate distribution.
    pub fn s(&self) -> f64 {
        self.s
    }
    /// β: rate of the dropout-rate distribution.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    fn frequency_terms(&self, x: f64) -> FrequencyTerms {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let (ln_alpha, ln_beta) = (alpha.ln(), beta.ln());
        FrequencyTerms {
            x,
            ln_c: ln_gamma(r + x) - ln_gamma(r) + r * ln_alpha + s * ln_beta,
            ln_alpha,
            ln_beta,
            d_r: digamma(r + x) - digamma(r),
            ln_ratio: s.ln() - (r + s + x).ln(),
        }
    }

    /// ln G(y) and its gradient, where A0 = G(t_x) − G(T).
    ///
    /// # Formula
    /// Note 009, eqs. (19)–(20): with a = r+s+x,
    /// ```text
    /// α ≥ β:  G(y) = ₂F₁(a, s+1; a+1; (α−β)/(α+y)) / (α+y)^a
    /// α < β:  G(y) = ₂F₁(a, r+x; a+1; (β−α)/(β+y)) / (β+y)^a
    /// ```
    /// so that 0 ≤ z < 1. By the Euler transform (DLMF 15.8.1, see [`ln_hyp2f1_1_series`]) these are
    /// ```text
    /// α ≥ β:  G(y) = (α+y)^−(r+x) (β+y)^−s · H(r+x, a+1; z)
    /// α < β:  G(y) = (α+y)^−(r+x−1) (β+y)^−(s+1) · H(s+1, a+1; z)
    /// ```
    /// with H(p, c; z) = ₂F₁(1, p; c; z); the derivatives follow by the chain rule through
    /// p, c = a+1 and z.
    ///
    /// # Numerics
    /// When the series does not converge (within
    /// [`MAX_TERMS`](crate::special::hyp2f1_series::MAX_TERMS) terms), ln H comes from
    /// [`ln_hyp2f1`] and the derivatives are NaN (the fit then reports a numerical error).
    fn ln_g(&self, rx: f64, y: f64) -> LnG {
        let ParetoNbd { alpha, s, beta, .. } = *self;
        let c = rx + s + 1.0;
        let (ay, by) = (alpha + y, beta + y);
        let (u, v) = (ay.ln(), by.ln());
        let series = |p: f64, z: f64| {
            ln_hyp2f1_1_series(p, c, z).unwrap_or_else(|| LnHyp2f1Series {
                ln_f: ln_hyp2f1(1.0, p, c, z).map_or(f64::NAN, |(l, _)| l),
                d_p: f64::NAN,
                d_c: f64::NAN,
                d_z: f64::NAN,
            })
        };
        if alpha >= beta {
            let z = (alpha - beta) / ay;
            let h = series(rx, z);
            LnG {
                u,
                v,
                ln_g: -rx * u - s * v + h.ln_f,
                d: [
                    -u + h.d_p + h.d_c,
                    -rx / ay + h.d_z * by / (ay * ay),
                    -v + h.d_c,
                    -s / by - h.d_z / ay,
                ],
            }
        } else {
            let z = (beta - alpha) / by;
            let h = series(s + 1.0, z);
            LnG {
                u,
                v,
                ln_g: -(rx - 1.0) * u - (s + 1.0) * v + h.ln_f,
                d: [
                    -u + h.d_c,
                    -(rx - 1.0) / ay - h.d_z / by,
                    -v + h.d_p + h.d_c,
                    -(s + 1.0) / by + h.d_z * ay / (by * by),
                ],
            }
        }
    }

    /// G(t_x) and G(T) for one history (G(T) alone when t_x = T).
    fn ln_g_pair(&self, h: &History) -> (LnG, LnG) {
        let rx = self.r + h.frequency;
        let g2 = self.ln_g(rx, h.age);
        let g1 = if h.recency < h.age {
            self.ln_g(rx, h.recency)
        } else {
            g2
        };
        (g1, g2)
    }

    /// The logs of the two parts of the likelihood's brace and ∂ ln A0, given G(t_x) = `g1` and
    /// G(T) = `g2`.
    ///
    /// # Formula
    /// Note 009, eq. (18): L = Γ(r+x)α^r β^s/Γ(r) · {(α+T)^−(r+x) (β+T)^−s + s/(r+s+x)·A0},
    /// A0 = G(t_x) − G(T) ([`Self::ln_g`]).
    ///
    /// # Numerics
    /// With d = ln G(T) − ln G(t_x) ≤ 0: ln A0 = ln G(t_x) + ln(1 − e^d), with 1 − e^d formed
    /// as −expm1(d) for d > −ln 2 (as `log1m_exp` does: no cancellation as t_x → T) and ∂ ln A0 = ∂ ln G(t_x) + (∂ ln G(t_x) − ∂ ln G(T)) / (e^−d − 1).
    /// At t_x = T (or when rounding makes d ≥ 0) A0 = 0 and l₂ = −∞.
    fn parts(&self, ft: &FrequencyTerms, h: &History, g1: &LnG, g2: &LnG) -> Parts {
        let rx = self.r + ft.x;
        let (u_t, v_t) = (g2.u, g2.v);
        let l1 = -rx * u_t - self.s * v_t;
        let mut out = Parts {
            l1,
            u_t,
            v_t,
            l2: f64::NEG_INFINITY,
            d_a0: [0.0; 4],
        };
        if h.recency >= h.age {
            return out;
        }
        let d = g2.ln_g - g1.ln_g;
        if d.is_nan() {
            out.l2 = f64::NAN;
            out.d_a0 = [f64::NAN; 4];
            return out;
        }
        if d >= 0.0 {
            return out;
        }
        // q = 1 − e^d, through expm1 when d is near 0 (t_x near T) so that q keeps its relative
        // precision; ln(1 − e^d) = ln q and 1/(e^−d − 1) = e^d/q.
        let (ed, q) = if d > -LN_2 {
            let q = -d.exp_m1();
            (1.0 - q, q)
        } else {
            let ed = d.exp();
            (ed, 1.0 - ed)
        };
        let k = ed / q;
        for (i, o) in out.d_a0.iter_mut().enumerate() {
            *o = g1.d[i] + (g1.d[i] - g2.d[i]) * k;
        }
        out.l2 = ft.ln_ratio + g1.ln_g + q.ln();
        out
    }

    /// ln L and (optionally) its gradient, given the frequency terms, G(t_x) and G(T).
    ///
    /// # Formula
    /// Note 009, eq. (18), as ln L = ln Γ(r+x) − ln Γ(r) + r ln α + s ln β + ln(e^l₁ + e^l₂)
    /// with l₁, l₂ as in [`Self::parts`]. With w₂ = logistic(l₂ − l₁), w₁ = 1 − w₂ and
    /// a = r+s+x:
    /// ```text
    /// ∂/∂r = ψ(r+x) − ψ(r) + ln α − w₁ ln(α+T) + w₂ (∂_r ln A0 − 1/a)
    /// ∂/∂α = r/α − w₁ (r+x)/(α+T) + w₂ ∂_α ln A0
    /// ∂/∂s = ln β − w₁ ln(β+T) + w₂ (1/s − 1/a + ∂_s ln A0)
    /// ∂/∂β = s/β − w₁ s/(β+T) + w₂ ∂_β ln A0
    /// ```
    fn ln_likelihood_terms(
        &self,
        ft: &FrequencyTerms,
        h: &History,
        (g1, g2): (&LnG, &LnG),
        grad: Option<&mut [f64]>,
    ) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let p = self.parts(ft, h, g1, g2);
        if p.l2 == f64::NEG_INFINITY {
            // t_x = T: L is its first part only.
            if let Some(g) = grad {
                g[0] = ft.d_r + ft.ln_alpha - p.u_t;
                g[1] = r / alpha - (r + ft.x) / (alpha + h.age);
                g[2] = ft.ln_beta - p.v_t;
                g[3] = s / beta - s / (beta + h.age);
            }
            return ft.ln_c + p.l1;
        }
        // ln(e^l₁ + e^l₂) and w₂ = logistic(l₂ − l₁) from one exponential.
        let diff = p.l2 - p.l1;
        let e = (-diff.abs()).exp();
        // ln(1 + e) for 0 < e ≤ 1 needs only absolute accuracy here: ln is enough.
        let ll = ft.ln_c + p.l1.max(p.l2) + (1.0 + e).ln();
        if let Some(g) = grad {
            let w2 = if diff >= 0.0 {
                1.0 / (1.0 + e)
            } else {
                e / (1.0 + e)
            };
            let w1 = 1.0 - w2;
            let rx = r + ft.x;
            let inv_a = 1.0 / (r + s + ft.x);
            g[0] = ft.d_r + ft.ln_alpha - w1 * p.u_t;
            g[1] = r / alpha - w1 * rx / (alpha + h.age);
            g[2] = ft.ln_beta - w1 * p.v_t;
            g[3] = s / beta - w1 * s / (beta + h.age);
            if w2 > 0.0 {
                g[0] += w2 * (p.d_a0[0] - inv_a);
                g[1] += w2 * p.d_a0[1];
                g[2] += w2 * (1.0 / s - inv_a + p.d_a0[2]);
                g[3] += w2 * p.d_a0[3];
            }
        }
        ll
    }

    /// (l₁, l₂) for a history (see [`Self::parts`]).
    fn brace_logs(&self, h: &History) -> (f64, f64) {
        let (g1, g2) = self.ln_g_pair(h);
        let p = self.parts(&self.frequency_terms(h.frequency), h, &g1, &g2);
        (p.l1, p.l2)
    }

    /// ln P(alive | x, t_x, T).
    ///
    /// # Formula
    /// Note 009, eqs. (36)–(37): P(alive) = 1 / {1 + s/(r+s+x)·(α+T)^{r+x} (β+T)^s·A0}
    /// = exp(l₁ − ln(e^l₁ + e^l₂)).
    fn ln_p_alive(&self, h: &History) -> f64 {
        let (l1, l2) = self.brace_logs(h);
        l1 - log_add_exp(l1, l2)
    }

    /// DERT: discounted expected residual transactions of a customer over an infinite horizon,
    /// with continuous discounting at rate δ per time unit (force of interest; 15% a year on
    /// weekly data is δ = ln(1.15)/52 ≈ 0.0027).
    ///
    /// # Formula
    /// Fader, Hardie & Lee (2005b, JMR), eq. (2):
    /// ```text
    /// DERT(δ | r, α, s, β, x, t_x, T)
    ///   = α^r β^s δ^(s−1) Γ(r+x+1) U(s, s; δ(β+T)) / [Γ(r) (α+T)^(r+x+1) L(r, α, s, β | x, t_x, T)]
    /// ```
    /// with U the Tricomi confluent hypergeometric function.
    ///
    /// # Numerics
    /// Dividing by L = Γ(r+x)α^r β^s/Γ(r)·(α+T)^−(r+x) (β+T)^−s / P(alive) cancels the large
    /// factors exactly, leaving
    /// DERT = P(alive)·(r+x)/(α+T)·(β+T)^s δ^(s−1) U(s, s; δ(β+T)), evaluated in logs, with
    /// ln U(s, s; z) = z + ln Γ(1−s, z) from [`ln_tricomi_u_ss`].
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] unless δ is finite and positive; [`Error::Numerical`] when U
    /// or P(alive) cannot be evaluated.
    ///
    /// # Examples
    /// ```
    /// use btyd::data::History;
    /// use btyd::models::ParetoNbd;
    /// // Published 39-week CDNOW parameters, a customer with no repeat purchase observed for
    /// // 77.86 weeks, δ = 0.0027 per week: DERT ≈ 0.182 (published-values §4).
    /// let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap();
    /// let d = m.dert(&History::new(0.0, 0.0, 77.86).unwrap(), 0.0027).unwrap();
    /// assert!((d - 0.182).abs() < 5e-4);
    /// ```
    #[doc(alias = "discounted_expected_residual_transactions")]
    pub fn dert(&self, h: &History, delta: f64) -> Result<f64> {
        if !(delta.is_finite() && delta > 0.0) {
            return Err(Error::InvalidArgument(format!(
                "discount rate δ = {delta} must be finite and positive for an infinite horizon"
            )));
        }
        let ParetoNbd { r, alpha, s, beta } = *self;
        let ln_pa = self.ln_p_alive(h);
        if ln_pa.is_nan() {
            return Err(self.numerical("P(alive)", h));
        }
        let bt = beta + h.age;
        let ln_u = ln_tricomi_u_ss(s, delta * bt)?;
        let ln_dert = ln_pa + (r + h.frequency).ln() - (alpha + h.age).ln()
            + s * bt.ln()
            + (s - 1.0) * delta.ln()
            + ln_u;
        Ok(ln_dert.exp())
    }

    fn numerical(&self, what: &'static str, h: &History) -> Error {
        Error::Numerical {
            what,
            inputs: format!("{self:?}, {h:?}"),
        }
    }

    /// Draws `ages.len()` customers, the i-th observed for `ages[i]` time units after its first
    /// purchase, by simulating the Pareto/NBD story (the assumptions of SMC 1987, module docs).
    ///
    /// Each customer gets λ ~ Gamma(r, rate α), μ ~ Gamma(s, rate β) and a lifetime
    /// τ ~ Exp(μ); repeat purchases form a Poisson(λ) process on (0, min(τ, T)]. Given their
    /// number n ~ Poisson(λ·min(τ, T)), the purchase times are uniform, so t_x is the largest of
    /// n uniforms: min(τ, T)·U^(1/n).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a negative or non-finite age.
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

/// [1 − (b/(b+t))^(s−1)] / (s−1), continuous at s = 1 where it is ln(1 + t/b).
///
/// # Numerics
/// With ℓ = ln(b/(b+t)) = −ln(1 + t/b) and u = (s−1)ℓ it equals −ℓ·(e^u − 1)/u, and
/// (e^u − 1)/u is computed as `expm1(u)/u` (exactly 1 at u = 0): no cancellation for any s.
fn dropout_bracket(s: f64, b: f64, t: f64) -> f64 {
    let l = -(t / b).ln_1p();
    let u = (s - 1.0) * l;
    let ratio = if u == 0.0 { 1.0 } else { u.exp_m1() / u };
    -l * ratio
}

impl LogLikelihood for ParetoNbd {
    const NAME: &'static str = "Pareto/NBD";
    const PARAM_NAMES: &'static [&'static str] = &["r", "alpha", "s", "beta"];
    type Obs = History;

    fn from_params(p: &[f64]) -> Result<Self> {
        match p {
            [r, alpha, s, beta] => ParetoNbd::new(*r, *alpha, *s, *beta),
            _ => Err(Error::InvalidArgument(format!(
                "Pareto/NBD takes 4 parameters, got {}",
                p.len()
            ))),
        }
    }

    fn params(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.s, self.beta]
    }

    /// ln L(r, α, s, β | x, t_x, T), note 009 eq. (18), in log space (see
    /// `ln_likelihood_terms`). NaN only if a Gauss series fails to converge.
    fn ln_likelihood(&self, h: &History) -> f64 {
        let (g1, g2) = self.ln_g_pair(h);
        self.ln_likelihood_terms(&self.frequency_terms(h.frequency), h, (&g1, &g2), None)
    }

    fn ln_likelihood_grad(&self, h: &History, grad: &mut [f64]) -> f64 {
        let (g1, g2) = self.ln_g_pair(h);
        self.ln_likelihood_terms(
            &self.frequency_terms(h.frequency),
            h,
            (&g1, &g2),
            Some(grad),
        )
    }

    /// Shares the frequency terms (log-gamma and digamma) between consecutive patterns with the
    /// same x (patterns are sorted by (x, t_x, T)), and G(y) with its gradient (one Gauss series
    /// and two logarithms) between all patterns with the same x and the same t_x or T, through
    /// a table keyed by y that is emptied when x changes. With day-resolution data most patterns
    /// then need no series at all.
    fn ln_likelihood_batch(&self, obs: &[History], weights: &[f64], grad: &mut [f64]) -> f64 {
        let mut ft: Option<FrequencyTerms> = None;
        let mut table: HashMap<u64, LnG, FxBuildHasher> = HashMap::default();
        let mut g = [0.0; 4];
        let mut ll = 0.0;
        for (h, &w) in obs.iter().zip(weights) {
            let terms = match ft {
                Some(t) if t.x == h.frequency => t,
                _ => {
                    table.clear();
                    *ft.insert(self.frequency_terms(h.frequency))
                }
            };
            let rx = self.r + h.frequency;
            let mut lookup = |y: f64| {
                *table
                    .entry((y + 0.0).to_bits())
                    .or_insert_with(|| self.ln_g(rx, y))
            };
            let g2 = lookup(h.age);
            let g1 = if h.recency < h.age {
                lookup(h.recency)
            } else {
                g2
            };
            ll += w * self.ln_likelihood_terms(&terms, h, (&g1, &g2), Some(&mut g));
            for (acc, gi) in grad.iter_mut().zip(g) {
                *acc += w * gi;
            }
        }
        ll
    }

    /// The best, by log-likelihood on the data, of a few starts spread along the flat β
    /// direction (published-values §6.6 item 4): r = 1, α from the mean purchase rate
    /// (r/α = Σx/ΣT), and (s, β) ∈ {(0.5, T̄/2), (1, T̄), (1, 4T̄), (2, 2T̄)}, T̄ = mean T.
    /// Each candidate costs one pass over the patterns (parallel, as in the fit).
    fn initial_params(data: &Patterns<History>) -> Vec<f64> {
        let n = data.total_weight();
        let (mut sx, mut st) = (0.0, 0.0);
        for (h, w) in data.obs.iter().zip(&data.weights) {
            sx += w * h.frequency;
            st += w * h.age;
        }
        let mean_t = if st > 0.0 && n > 0.0 { st / n } else { 1.0 };
        let rate = if sx > 0.0 && st > 0.0 {
            sx / st
        } else {
            1.0 / mean_t
        };
        let alpha = 1.0 / rate;
        let candidates = [
            [1.0, alpha, 0.5, 0.5 * mean_t],
            [1.0, alpha, 1.0, mean_t],
            [1.0, alpha, 1.0, 4.0 * mean_t],
            [1.0, alpha, 2.0, 2.0 * mean_t],
        ];
        let mut best = (f64::NEG_INFINITY, candidates[1].to_vec());
        for c in candidates {
            if let Ok(m) = ParetoNbd::from_params(&c) {
                let (ll, _) = crate::fit::total_ln_likelihood(&m, data);
                if ll > best.0 {
                    best = (ll, c.to_vec());
                }
            }
        }
        best.1
    }

    fn time_dimension() -> &'static [i32] {
        &[0, 1, 0, 1]
    }

    fn time_scale(h: &History) -> f64 {
        h.age
    }
}

impl PurchaseModel for ParetoNbd {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    /// E[X(t)] = rβ/(α(s−1))·[1 − (β/(β+t))^(s−1)] (note 009, eq. 27), and
    /// (rβ/α)·ln(1 + t/β) at s = 1.
    ///
    /// # Numerics
    /// The bracket divided by s − 1 is evaluated without cancellation for every s (see
    /// `dropout_bracket`), so s near 1 needs no special case.
    ///
    /// # Examples
    /// ```
    /// use btyd::models::{ParetoNbd, PurchaseModel};
    /// // E[X(52)] = 1.47311 at BTYD's CDNOW estimates (published-values §2.6, [R]).
    /// let m = ParetoNbd::new(0.55339714, 10.58019854, 0.6060625, 11.65622367).unwrap();
    /// assert!((m.expected_purchases_new(52.0).unwrap() - 1.47311).abs() < 1e-5);
    /// ```
    #[doc(alias = "expected_number_of_purchases_up_to_time")]
    #[doc(alias = "expected_purchases_new_customer")]
    fn expected_purchases_new(&self, horizon: f64) -> Result<f64> {
        let t = check_horizon(horizon)?;
        let ParetoNbd { r, alpha, s, beta } = *self;
        Ok(r * beta / alpha * dropout_bracket(s, beta, t))
    }

    /// E[Y(t) | x, t_x, T] = P(alive)·(r+x)(β+T)/((α+T)(s−1))·[1 − ((β+T)/(β+T+t))^(s−1)]
    /// (note 009, eq. 41), with the s = 1 limit as in
    /// [`PurchaseModel::expected_purchases_new`].
    ///
    /// # Errors
    /// An invalid horizon; [`Error::Numerical`] if P(alive) cannot be evaluated.
    #[doc(alias = "conditional_expected_number_of_purchases_up_to_time")]
    fn expected_purchases(&self, h: &History, horizon: f64) -> Result<f64> {
        let t = check_horizon(horizon)?;
        let ParetoNbd { r, alpha, s, beta } = *self;
        let ln_pa = self.ln_p_alive(h);
        if ln_pa.is_nan() {
            return Err(self.numerical("P(alive)", h));
        }
        if t == 0.0 {
            return Ok(0.0);
        }
        let bt = beta + h.age;
        Ok(ln_pa.exp() * (r + h.frequency) * bt / (alpha + h.age) * dropout_bracket(s, bt, t))
    }

    /// P(alive | x, t_x, T) = 1 / {1 + s/(r+s+x)·(α+T)^{r+x} (β+T)^s·A0} (note 009, eqs. 36–37),
    /// evaluated as exp(l₁ − ln(e^l₁ + e^l₂)) so that neither A0 nor the powers overflow;
    /// exactly 1 when t_x = T. NaN only if a Gauss series fails to converge.
    #[doc(alias = "conditional_probability_alive")]
    #[doc(alias = "expected_probability_alive")]
    fn p_alive(&self, h: &History) -> f64 {
        self.ln_p_alive(h).exp()
    }

    /// P(X(t) = n) for a new customer (Fader & Hardie, notes 012/013; the form of
    /// published-values §6.2):
    /// ```text
    /// P(X(t)=n) = Γ(r+n)/(Γ(r) n!)·(α/(α+t))^r (t/(α+t))^n (β/(β+t))^s
    ///           + α^r β^s B(r+n, s+1)/B(r, s)·{B1 − Σ_{i=0}^{n} Γ(r+s+i)/(Γ(r+s) i!)·t^i·B2_i}
    /// α ≥ β: B1 = ₂F₁(r+s, s+1; r+s+n+1; (α−β)/α) / α^(r+s),
    ///        B2_i = ₂F₁(r+s+i, s+1; r+s+n+1; (α−β)/(α+t)) / (α+t)^(r+s+i);
    /// α < β: the same with second parameter r+n, argument (β−α)/β resp. (β−α)/(β+t) and
    ///        base β resp. β+t.
    /// ```
    /// The third parameter of B2_i is r+s+n+1 for every i (BTYD 2.4.3 NEWS: an older version
    /// added i).
    ///
    /// # Numerics
    /// Every term is formed in logs ([`ln_hyp2f1`]); the brace is B1·(1 − Σ e^{ln termᵢ − ln B1}),
    /// clamped at 0 against rounding (it is a probability mass; for large n its relative
    /// rounding error grows but its absolute size is then negligible).
    ///
    /// # Errors
    /// An invalid horizon; a failure of [`ln_hyp2f1`].
    #[doc(alias = "probability_of_n_purchases_up_to_time")]
    fn p_purchases(&self, n: u64, horizon: f64) -> Result<f64> {
        let t = check_horizon(horizon)?;
        if t == 0.0 {
            return Ok(if n == 0 { 1.0 } else { 0.0 });
        }
        let ParetoNbd { r, alpha, s, beta } = *self;
        let nf = n as f64;
        let first = (ln_gamma(r + nf) - ln_gamma(r) - ln_gamma(nf + 1.0)
            + r * (alpha / (alpha + t)).ln()
            + nf * (t / (alpha + t)).ln()
            + s * (beta / (beta + t)).ln())
        .exp();
        let c = r + s + nf + 1.0;
        // (second parameter, base, base + t) by the branch on sign(α − β).
        let (b2, base) = if alpha >= beta {
            (s + 1.0, alpha)
        } else {
            (r + nf, beta)
        };
        let diff = (alpha - beta).abs();
        let ln_b1 = ln_hyp2f1(r + s, b2, c, diff / base)?.0 - (r + s) * base.ln();
        let bt = base + t;
        let mut ln_terms = Vec::with_capacity(n as usize + 1);
        for i in 0..=n {
            let fi = i as f64;
            let ln_b2 = ln_hyp2f1(r + s + fi, b2, c, diff / bt)?.0 - (r + s + fi) * bt.ln();
            ln_terms.push(
                ln_gamma(r + s + fi) - ln_gamma(r + s) - ln_gamma(fi + 1.0) + fi * t.ln() + ln_b2
                    - ln_b1,
            );
        }
        let rest = -log_sum_exp(&ln_terms).exp_m1();
        let ln_pref = r * alpha.ln() + s * beta.ln() + ln_beta(r + nf, s + 1.0) - ln_beta(r, s);
        Ok(first + (ln_pref + ln_b1).exp() * rest.max(0.0))
    }

    /// The closed form of [`ParetoNbd::dert`] (JMR 2005b, eq. 2).
    fn dert_closed_form(&self, history: &History, delta: f64) -> Option<Result<f64>> {
        Some(self.dert(history, delta))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Construction: valid values accepted, each invalid one rejected with its name.
    #[test]
    fn rejects_invalid_parameters() {
        assert!(ParetoNbd::new(0.553, 10.578, 0.606, 11.669).is_ok());
        for (p, name) in [
            ([f64::NAN, 1.0, 1.0, 1.0], "r"),
            ([1.0, 0.0, 1.0, 1.0], "alpha"),
            ([1.0, 1.0, -0.5, 1.0], "s"),
            ([1.0, 1.0, 1.0, f64::INFINITY], "beta"),
        ] {
            match ParetoNbd::from_params(&p) {
                Err(Error::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
                other => panic!("expected InvalidParameter for {name}, got {other:?}"),
            }
        }
        assert!(ParetoNbd::from_params(&[1.0, 1.0, 1.0]).is_err());
        let m = ParetoNbd::new(1.0, 1.0, 1.0, 1.0).unwrap();
        let h = History::new(1.0, 0.5, 1.0).unwrap();
        assert!(m.dert(&h, 0.0).is_err());
        assert!(m.dert(&h, f64::NAN).is_err());
        assert!(m.expected_purchases_new(-1.0).is_err());
    }

    /// lifetimes' overflow case (issue #25) with heavier buyers: params (10.465, 0.00798565181,
    /// 3.0516, 2.820), (x, t_x, T) = (400, 5, 6), (500, 1, 37), (500, 4, 37): ln A0 = −667.99,
    /// −9.4766, −715.06 (published-values §2.7, [R] mpmath), where A0 itself under- or
    /// overflows f64 (its two ₂F₁ factors reach e^678).
    #[test]
    fn ln_a0_of_heavy_buyers_matches_mpmath() {
        let m = ParetoNbd::new(10.465, 0.00798565181, 3.0516, 2.820).unwrap();
        for ((x, t_x, t), want, tol) in [
            ((400.0, 5.0, 6.0), -667.99, 5e-3),
            ((500.0, 1.0, 37.0), -9.4766, 5e-5),
            ((500.0, 4.0, 37.0), -715.06, 5e-3),
        ] {
            let h = History::new(x, t_x, t).unwrap();
            let ft = m.frequency_terms(x);
            let (g1, g2) = m.ln_g_pair(&h);
            let ln_a0 = m.parts(&ft, &h, &g1, &g2).l2 - ft.ln_ratio;
            assert!(
                (ln_a0 - want).abs() < tol,
                "{h:?}: ln A0 = {ln_a0}, want {want}"
            );
        }
    }

    /// With max(α, β)/min(α, β) ≈ 10⁹ the Euler series would need ~10¹⁰ terms: the value then
    /// comes from the shared ₂F₁ (connection formula), and only the gradient is NaN.
    #[test]
    fn extreme_rate_ratio_falls_back_to_shared_hyp2f1() {
        let h = History::new(3.0, 2.0, 40.0).unwrap();
        for m in [
            ParetoNbd::new(0.5, 1e6, 0.6, 1e-3).unwrap(),
            ParetoNbd::new(0.5, 1e-3, 0.6, 1e6).unwrap(),
        ] {
            assert!(ln_hyp2f1_1_series(m.r + 3.0, m.r + m.s + 4.0, 1.0 - 1e-9).is_none());
            let ll = m.ln_likelihood(&h);
            let pa = m.p_alive(&h);
            assert!(
                ll.is_finite() && (0.0..=1.0).contains(&pa),
                "{m:?}: {ll} {pa}"
            );
            let mut g = [0.0; 4];
            m.ln_likelihood_grad(&h, &mut g);
        }
    }

    /// dropout_bracket is continuous through s = 1 and equals the closed forms either side.
    #[test]
    fn dropout_bracket_near_s_one() {
        let (b, t) = (11.669f64, 39.0f64);
        let at_one = (1.0 + t / b).ln();
        assert_eq!(dropout_bracket(1.0, b, t), at_one);
        for ds in [1e-12, -1e-12, 1e-8, -1e-6] {
            assert!((dropout_bracket(1.0 + ds, b, t) - at_one).abs() < 2.0 * ds.abs() * at_one);
        }
        let s = 0.606;
        let closed = (1.0 - (b / (b + t)).powf(s - 1.0)) / (s - 1.0);
        assert!((dropout_bracket(s, b, t) - closed).abs() < 1e-14 * closed);
    }
}
