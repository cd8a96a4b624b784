//! The BG/NBD family: one generic model, [`BetaGeometricNbd`], for BG/NBD and MBG/NBD.
//!
//! Both models let a customer buy at the times of a Poisson process with rate λ ~ Gamma(r, α)
//! while active, and drop out with probability p ~ Beta(a, b) at each *dropout opportunity*. They
//! differ only in those opportunities, which the type parameter (a [`DropoutVariant`] marker)
//! fixes:
//!
//! * [`BgNbd`](super::BgNbd) = `BetaGeometricNbd<`[`AfterRepeat`](super::bg_nbd::AfterRepeat)`>` (Fader, Hardie & Lee 2005a,
//!   *Marketing Science* 24(2) 275–284): after each repeat purchase, so a customer with x repeat
//!   purchases has had k = x of them;
//! * [`MbgNbd`](super::MbgNbd) = `BetaGeometricNbd<`[`AlsoAtStart`](super::mbg_nbd::AlsoAtStart)`>` (Batislam, Denizel &
//!   Filiztekin 2007, *IJRM* 24(3) 201–209; the same model as Hoppe & Wagner's 2007 CBG/NBD):
//!   also at time 0, right after the first purchase, so k = x + 1.
//!
//! Every formula of the two papers depends on the dropout process only through k, which is why
//! one implementation serves both: with s = k − x (0 for BG/NBD, 1 for MBG/NBD),
//!
//! ```text
//! L = A1·A2·(A3 + δ_{k>0}·A4)
//! A1 = Γ(r+x) α^r / Γ(r)            A2 = B(a, b+k) / B(a, b)
//! A3 = (α+T)^−(r+x)                 A4 = a/(b+k−1) · (α+t_x)^−(r+x)
//! ```
//!
//! For s = 0 this is eq. (6) of Fader, Hardie & Lee (2005a); for s = 1 it is the MBG/NBD
//! likelihood (docs/reference.md §6.4: B(a, b+x+1)/B(a, b) and B(a+1, b+x)/B(a, b) =
//! B(a, b+x+1)/B(a, b) · a/(b+x)). The stable evaluation is that of Hardie's note 027
//! ("Overcoming the BG/NBD Model's #NUM! Error Problem", 2013): ln L = ln A1 + ln A2 + ln A3 +
//! softplus(ln(A4/A3)).
//!
//! The papers, their symbol tables and the model-specific tests live in the models' own
//! modules, [`super::bg_nbd`] and [`super::mbg_nbd`], next to their markers.

use std::fmt;
use std::marker::PhantomData;

use rand::{Rng, RngExt};
use rand_distr::{Beta, Distribution, Exp, Gamma};

use super::nbd::{no_dropout, same_purchase_rate};
use super::{
    check_horizon, check_positive, distr_error, Boundary, Invariant, LogLikelihood, ModelRole,
    Process, PurchaseModel, Role, ScaledParam,
};
use crate::data::{History, Patterns};
use crate::error::{Error, Result};
use crate::special::{
    beta_reg, digamma_diff, ln_1p, ln_beta_ratio, ln_gamma_ratio, ln_hyp2f1, ln_neg_binomial_pmf,
    logistic,
};

pub(super) mod sealed {
    /// Restricts [`super::DropoutVariant`] to the markers of this crate.
    pub trait Sealed {
        /// The model type's name in Rust (its alias, e.g. `"BgNbd"`), which `Debug` prints.
        const TYPE_NAME: &'static str;
    }
}

/// The dropout rule of a BG/NBD-family model: a marker type,
/// [`AfterRepeat`](super::bg_nbd::AfterRepeat) (BG/NBD) or
/// [`AlsoAtStart`](super::mbg_nbd::AlsoAtStart) (MBG/NBD). Sealed: the family has exactly these two members.
pub trait DropoutVariant: sealed::Sealed {
    /// The model's name as the literature writes it, e.g. `"BG/NBD"`.
    const NAME: &'static str;
    /// Whether a customer may also drop out at time 0, right after the first purchase, so that
    /// a customer with x repeat purchases has had x + 1 dropout opportunities instead of x.
    const DROPOUT_AT_START: bool;
}

/// A BG/NBD-family model with validated parameters r, α, a, b (see [`super::bg_nbd`] and
/// [`super::mbg_nbd`] for the symbols); `V` is its dropout rule. Use it through the aliases
/// [`BgNbd`](super::BgNbd) and [`MbgNbd`](super::MbgNbd).
pub struct BetaGeometricNbd<V: DropoutVariant> {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    /// `fn() -> V` keeps the model `Send + Sync` whatever the marker.
    variant: PhantomData<fn() -> V>,
}

// Written out rather than derived, so that they need no bounds on the marker and `Debug` prints
// the alias (`BgNbd { r: .., alpha: .., a: .., b: .. }`).
impl<V: DropoutVariant> fmt::Debug for BetaGeometricNbd<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(V::TYPE_NAME)
            .field("r", &self.r)
            .field("alpha", &self.alpha)
            .field("a", &self.a)
            .field("b", &self.b)
            .finish()
    }
}

impl<V: DropoutVariant> Clone for BetaGeometricNbd<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V: DropoutVariant> Copy for BetaGeometricNbd<V> {}

impl<V: DropoutVariant> PartialEq for BetaGeometricNbd<V> {
    fn eq(&self, other: &Self) -> bool {
        (self.r, self.alpha, self.a, self.b) == (other.r, other.alpha, other.a, other.b)
    }
}

/// ln A3 = −(r+x) ln(α+T) and d = ln(A4/A3), with the logarithms they were made from.
#[derive(Debug, Clone, Copy)]
struct A3Ratio {
    ln_a3: f64,
    ln_at: f64,
    ln_atx: f64,
    ln_ratio: f64,
}

/// Terms of the log-likelihood that depend on the frequency x only (shared by all patterns with
/// the same x).
#[derive(Debug, Clone, Copy)]
struct FrequencyTerms {
    x: f64,
    /// k = x + s, the number of dropout opportunities.
    k: f64,
    /// ln A1 without the α terms: ln Γ(r+x) − ln Γ(r).
    ln_a1: f64,
    /// ln α (the same for every x; kept here so it is computed once per run of x).
    ln_alpha: f64,
    /// ln A2 = ln B(a, b+k) − ln B(a, b).
    ln_a2: f64,
    /// ln(a / (b+k−1)), the A4 prefactor (k > 0), −∞ for k = 0.
    ln_a4_coef: f64,
    /// ∂(ln A1 + ln A2)/∂(r, a, b).
    d_r: f64,
    d_a: f64,
    d_b: f64,
}

impl<V: DropoutVariant> BetaGeometricNbd<V> {
    /// The model's name, `"BG/NBD"` or `"MBG/NBD"`.
    pub const NAME: &'static str = V::NAME;

    /// The model with parameters r, α, a, b; every one must be finite and positive.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the model and the first parameter that is NaN,
    /// infinite or ≤ 0.
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<Self> {
        Ok(BetaGeometricNbd {
            r: check_positive(V::NAME, "r", r)?,
            alpha: check_positive(V::NAME, "alpha", alpha)?,
            a: check_positive(V::NAME, "a", a)?,
            b: check_positive(V::NAME, "b", b)?,
            variant: PhantomData,
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

    /// Draws `ages.len()` customers, the i-th observed for `ages[i]` time units after its first
    /// purchase, by simulating the model's story (Fader, Hardie & Lee 2005a, §3; Batislam et al.
    /// 2007, §2).
    ///
    /// Each customer gets λ ~ Gamma(r, rate α) and p ~ Beta(a, b); under MBG/NBD it first drops
    /// out at time 0 with probability p; purchases then arrive at exponential(λ) gaps, and after
    /// each repeat purchase the customer drops out with probability p.
    ///
    /// # Errors
    /// An age that is negative or not finite.
    pub fn simulate<R: Rng + ?Sized>(&self, ages: &[f64], rng: &mut R) -> Result<Vec<History>> {
        let rate = Gamma::new(self.r, 1.0 / self.alpha).map_err(distr_error(V::NAME))?;
        let drop = Beta::new(self.a, self.b).map_err(distr_error(V::NAME))?;
        let mut out = Vec::with_capacity(ages.len());
        for &age in ages {
            let lambda: f64 = rate.sample(rng);
            let p: f64 = drop.sample(rng);
            let (mut x, mut t_x, mut t) = (0u64, 0.0, 0.0);
            // BG/NBD draws nothing here, so its random stream is that of the story without it.
            let dead_at_start = V::DROPOUT_AT_START && rng.random::<f64>() < p;
            if lambda > 0.0 && !dead_at_start {
                let gap = Exp::new(lambda).map_err(distr_error(V::NAME))?;
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

    /// s = k − x, the number of extra dropout opportunities.
    fn shift(&self) -> f64 {
        debug_assert!(self.r > 0.0 && self.alpha > 0.0 && self.a > 0.0 && self.b > 0.0);
        if V::DROPOUT_AT_START {
            1.0
        } else {
            0.0
        }
    }

    /// The terms of ln L that depend on the frequency only, as ratios of gamma functions and
    /// differences of digammas computed directly (no cancellation when r or a + b are huge:
    /// the purchase or dropout mixing collapsing to a point, the edges the driver recognises).
    fn frequency_terms(&self, x: f64) -> FrequencyTerms {
        let Self { r, a, b, .. } = *self;
        let k = x + self.shift();
        let d_ab = digamma_diff(a + b, k);
        FrequencyTerms {
            x,
            k,
            ln_a1: ln_gamma_ratio(r, x),
            ln_alpha: self.alpha.ln(),
            ln_a2: ln_beta_ratio(a, b, 0.0, k),
            ln_a4_coef: self.ln_a4_coef(k),
            d_r: digamma_diff(r, x),
            d_a: -d_ab,
            d_b: digamma_diff(b, k) - d_ab,
        }
    }

    /// ln(a/(b+k−1)) for k > 0; −∞ for k = 0 (no A4 term).
    fn ln_a4_coef(&self, k: f64) -> f64 {
        if k > 0.0 {
            self.a.ln() - (self.b + k - 1.0).ln()
        } else {
            f64::NEG_INFINITY
        }
    }

    /// ln A3 and ln(A4/A3), with ln(α+T) and ln(α+t_x) for the gradient, given ln(a/(b+k−1))
    /// (for k = 0 there is no A4 and the ratio is −∞), ln(α+t_x) and ln(α+T) (which the batch
    /// shares between patterns with the same recency or T).
    fn a3_and_ratio(&self, h: &History, ln_a4_coef: f64, ln_atx: f64, ln_at: f64) -> A3Ratio {
        let rx = self.r + h.frequency;
        let ln_a3 = -rx * ln_at;
        if ln_a4_coef > f64::NEG_INFINITY {
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
    /// ln L = ln A1 + ln A2 + ln A3 + ln(1 + δ_{k>0} A4/A3) (module docs), the last term as
    /// softplus of the log ratio d = ln(A4/A3). With w₄ = A4/(A3+A4) = logistic(d), w₃ = 1 − w₄:
    /// ```text
    /// ∂/∂r = ψ(r+x) − ψ(r) + ln α − w₃ ln(α+T) − w₄ ln(α+t_x)
    /// ∂/∂α = r/α − (r+x)(w₃/(α+T) + w₄/(α+t_x))
    /// ∂/∂a = ψ(a+b) − ψ(a+b+k) + w₄/a
    /// ∂/∂b = ψ(a+b) + ψ(b+k) − ψ(b) − ψ(a+b+k) − w₄/(b+k−1)
    /// ```
    fn ln_likelihood_terms(
        &self,
        ft: &FrequencyTerms,
        h: &History,
        (ln_atx, ln_at): (f64, f64),
        grad: Option<&mut [f64]>,
    ) -> f64 {
        let Self { r, alpha, a, b, .. } = *self;
        let q = self.a3_and_ratio(h, ft.ln_a4_coef, ln_atx, ln_at);
        let base = ft.ln_a1 + r * ft.ln_alpha + ft.ln_a2 + q.ln_a3;
        if ft.k == 0.0 {
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
        let ll = base + d.max(0.0) + ln_1p(e);
        if let Some(g) = grad {
            let inv = 1.0 / (1.0 + e);
            let (w4, w3) = if d >= 0.0 {
                (inv, e * inv)
            } else {
                (e * inv, inv)
            };
            let rx = r + ft.x;
            g[0] = ft.d_r + ft.ln_alpha - w3 * q.ln_at - w4 * q.ln_atx;
            g[1] = r / alpha - rx * (w3 / (alpha + h.age) + w4 / (alpha + h.recency));
            g[2] = ft.d_a + w4 / a;
            g[3] = ft.d_b - w4 / (b + ft.k - 1.0);
        }
        ll
    }

    /// ln L of one history, and its gradient when `grad` is given.
    fn ln_likelihood_one(&self, h: &History, grad: Option<&mut [f64]>) -> f64 {
        let logs = ((self.alpha + h.recency).ln(), (self.alpha + h.age).ln());
        self.ln_likelihood_terms(&self.frequency_terms(h.frequency), h, logs, grad)
    }

    /// The bracket E[Y(t) | x, t_x, T] / P(alive) for updated parameters r', α', b' (r, α, b+s
    /// for E[X(t)]; r+x, α+T, b+k for E[Y(t)]), with c = a + b' − 1 and z = t/(α'+t).
    ///
    /// # Formula
    /// Fader, Hardie & Lee (2005a), eq. (10) (BG/NBD), Wagner & Hoppe (2008) (MBG/NBD):
    /// ```text
    /// B(t) = c/(a−1) · [1 − (1−z)^{r'} ₂F₁(r', b'; c; z)]
    /// ```
    /// # Numerics
    /// Euler's transformation (DLMF 15.8.1), ₂F₁(r', b'; c; z) = (1−z)^{c−r'−b'} ₂F₁(c−r', a−1; c; z),
    /// removes the parameters that grow with x (r', b', while e = c − r' = a+b'−1−r' and a − 1 do
    /// not) together with the power (1−z)^{r'}:
    /// ```text
    /// B(t) = c/(a−1) · [1 − (1−z)^{a−1} ₂F₁(a−1, e; c; z)]
    ///      = c · [(1 − (1−z)^{a−1})/(a−1) − (1−z)^{a−1} H],
    /// H    = (₂F₁(a−1, e; c; z) − 1)/(a−1) = Σ_{k≥1} (a)_{k−1} (e)_k / ((c)_k k!) z^k
    /// ```
    /// with (a−1) cancelled term by term, so that a = 1 is no special case, and
    /// (1 − (1−z)^{a−1})/(a−1) = −ℓ·expm1(u)/u, ℓ = ln(1−z) = −ln(1 + t/α'), u = (a−1)ℓ. (The
    /// printed form took ln[(1−z)^{r'} ₂F₁] as the difference of two logarithms of size r'|ℓ|,
    /// whose rounding made a relative error of ~1e-16·r'|ℓ| in B(t): 2e-2 at x = 1e9,
    /// T = 1e6, and negative values at x = 1e9, T = 1e12.) The series is summed while it
    /// converges within
    /// [`MAX_BRACKET_TERMS`] terms (z up to ~0.997); closer to z = 1 the transformed form is
    /// evaluated through [`ln_hyp2f1`] (`bracket_near_one`).
    fn expectation_bracket(&self, r: f64, alpha: f64, b: f64, t: f64) -> Result<f64> {
        if t == 0.0 {
            return Ok(0.0);
        }
        let a = self.a;
        let c = a + b - 1.0;
        let z = t / (alpha + t);
        let ell = -(t / alpha).ln_1p();
        if let Some(h) = bracket_series(a, c - r, c, z) {
            let u = (a - 1.0) * ell;
            let first = if u == 0.0 {
                -ell
            } else {
                -ell * u.exp_m1() / u
            };
            return Ok((c * (first - u.exp() * h)).max(0.0));
        }
        const A_NEAR_ONE: f64 = 1e-5;
        if (a - 1.0).abs() < A_NEAR_ONE {
            let lo = bracket_near_one(1.0 - A_NEAR_ONE, r, b, z, ell)?;
            let hi = bracket_near_one(1.0 + A_NEAR_ONE, r, b, z, ell)?;
            let w = (a - (1.0 - A_NEAR_ONE)) / (2.0 * A_NEAR_ONE);
            return Ok((lo + w * (hi - lo)).max(0.0));
        }
        Ok(bracket_near_one(a, r, b, z, ell)?.max(0.0))
    }

    /// ln(A4/A3) = ln(a/(b+k−1)) + (r+x) ln((α+T)/(α+t_x)), the log-odds of "dropped out at
    /// the last purchase" against "alive" (−∞ when k = 0); P(alive) = logistic(−ln(A4/A3)).
    ///
    /// # Numerics
    /// ln((α+T)/(α+t_x)) as ln1p((T − t_x)/(α + t_x)): relative accuracy of a few ulps however
    /// close t_x is to T, where the difference ln(α+T) − ln(α+t_x) of the likelihood keeps only its
    /// absolute accuracy ~1e-16·ln(α+T), a relative error of up to 1e-6 in P(alive) once
    /// multiplied by r + x = 1e9.
    fn ln_odds_dropped(&self, h: &History) -> f64 {
        let k = h.frequency + self.shift();
        if k == 0.0 {
            return f64::NEG_INFINITY;
        }
        let ln_ratio = ((h.age - h.recency) / (self.alpha + h.recency)).ln_1p();
        self.ln_a4_coef(k) + (self.r + h.frequency) * ln_ratio
    }
}

/// Slots of the batch likelihood's table of ln(α+T) (a prime, so that T in whole days over 7
/// spreads over them).
const AGE_MEMO: usize = 1021;

/// Most terms of the series of `BetaGeometricNbd::expectation_bracket` (10⁴ terms: z ≲ 0.997).
const MAX_BRACKET_TERMS: usize = 10_000;

/// H = Σ_{k≥1} (a)_{k−1} (e)_k / ((c)_k k!) z^k for 0 ≤ z < 1, or `None` when it needs more
/// than [`MAX_BRACKET_TERMS`] terms or is not finite (c at a pole).
///
/// Stops when |t_k| ρ/(1 − ρ) < ½ ε |H|, with ρ = max(next term ratio, z), once k has passed
/// every sign change of the coefficients (k > −e, −c); the term ratio then tends to z.
fn bracket_series(a: f64, e: f64, c: f64, z: f64) -> Option<f64> {
    let mut term = e * z / c;
    let mut sum = term;
    if term == 0.0 {
        return Some(0.0);
    }
    let k_min = (-e).max(-c).max(0.0);
    let ratio = |k: f64| (a + k - 1.0) * (e + k) / ((c + k) * (k + 1.0)) * z;
    for k in 1..MAX_BRACKET_TERMS {
        let kf = k as f64;
        term *= ratio(kf);
        sum += term;
        if !sum.is_finite() {
            return None;
        }
        let kn = kf + 1.0;
        if term == 0.0 {
            return Some(sum);
        }
        if kn > k_min {
            let rho = ratio(kn).abs().max(z);
            if rho < 1.0 && term.abs() * rho / (1.0 - rho) <= 0.5 * f64::EPSILON * sum.abs() {
                return Some(sum);
            }
        }
    }
    None
}

/// c/(a−1) · [1 − (1−z)^{a−1} ₂F₁(a−1, c−r'; c; z)], c = a + b' − 1, with the ₂F₁ from
/// [`ln_hyp2f1`] (its 1 − z connection formula near z = 1) and ℓ = ln(1−z): the transformed
/// form of `BetaGeometricNbd::expectation_bracket` for z close to 1, where (1−z)^{a−1} is far
/// from 1 and 1 − (1−z)^{a−1} ₂F₁ does not cancel. At a = 1 it is 0/0 (the caller interpolates).
fn bracket_near_one(a: f64, r: f64, b: f64, z: f64, ell: f64) -> Result<f64> {
    let c = a + b - 1.0;
    let (ln_f, sign) = ln_hyp2f1(a - 1.0, c - r, c, z)?;
    let ln_term = (a - 1.0) * ell + ln_f;
    // 1 − sign·e^{ln_term}, with exp_m1 to keep precision when the term is near 1.
    let one_minus = if sign > 0.0 {
        -ln_term.exp_m1()
    } else {
        1.0 + ln_term.exp()
    };
    Ok(c / (a - 1.0) * one_minus)
}

impl<V: DropoutVariant> LogLikelihood for BetaGeometricNbd<V> {
    const NAME: &'static str = V::NAME;
    const PARAM_NAMES: &'static [&'static str] = &["r", "alpha", "a", "b"];
    type Obs = History;
    /// α_i = α₀·exp(−γ_p·x_i) (purchase), a_i = a₀·exp(γ_a·z_i), b_i = b₀·exp(γ_b·z_i)
    /// (dropout), as CLVTools.
    const COVARIATE_PARAMS: &'static [ScaledParam] = &[
        ScaledParam::new(Process::Purchase, 1, -1, "purchase"),
        ScaledParam::new(Process::Dropout, 2, 1, "dropout_a"),
        ScaledParam::new(Process::Dropout, 3, 1, "dropout_b"),
    ];
    /// No dropout (a → 0, or b → ∞ with a fixed: the dropout probability p ~ Beta(a, b)
    /// collapses to 0 and A2 → 1, A4 → 0 in eq. 6), the same dropout probability for everyone
    /// (a, b → ∞ with a/(a+b) fixed), the same purchase rate for everyone (r, α → ∞).
    const BOUNDARIES: &'static [Boundary] = &[
        no_dropout(&[0, 0, -1, 0], "a -> 0"),
        no_dropout(&[0, 0, 0, 1], "b -> infinity"),
        Boundary {
            finding: "every customer has the same dropout probability",
            direction: &[0, 0, 1, 1],
            limit: "a, b -> infinity",
            nested: None,
            invariant: Some(Invariant {
                name: "a/(a+b)",
                value: |p| p[2] / (p[2] + p[3]),
                per_time: 0,
            }),
        },
        same_purchase_rate(&[1, 1, 0, 0]),
    ];

    fn from_params(p: &[f64]) -> Result<Self> {
        match p {
            [r, alpha, a, b] => Self::new(*r, *alpha, *a, *b),
            _ => Err(Error::ParameterCount {
                model: V::NAME,
                expected: Self::PARAM_NAMES.len(),
                found: p.len(),
            }),
        }
    }

    fn params(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.a, self.b]
    }

    /// ln L(r, α, a, b | x, t_x, T).
    ///
    /// # Formula
    /// BG/NBD, Fader, Hardie & Lee (2005a), eq. (6):
    /// ```text
    /// L = A1·A2·(A3 + δ_{x>0}·A4),  A1 = Γ(r+x)α^r/Γ(r),  A2 = B(a, b+x)/B(a, b),
    /// A3 = (α+T)^−(r+x),  A4 = a/(b+x−1)·(α+t_x)^−(r+x)
    /// ```
    /// MBG/NBD, Batislam et al. (2007) (docs/reference.md §6.4), for every x including x = 0:
    /// ```text
    /// L = Γ(r+x)α^r/Γ(r) · { B(a, b+x+1)/B(a, b)·(α+T)^−(r+x) + B(a+1, b+x)/B(a, b)·(α+t_x)^−(r+x) }
    /// ```
    /// that is, BG/NBD's A2 and A4 with x + 1 dropout opportunities instead of x.
    /// # Numerics
    /// Hardie's note 027: ln L = ln A1 + ln A2 + ln A3 + softplus(ln(A4/A3)).
    fn ln_likelihood(&self, h: &History) -> f64 {
        self.ln_likelihood_one(h, None)
    }

    /// ln L and its analytic gradient (digammas, and the softplus weight w₄ = A4/(A3+A4)); the
    /// formulas are those of the private `ln_likelihood_terms`.
    fn ln_likelihood_grad(&self, h: &History, grad: &mut [f64]) -> f64 {
        self.ln_likelihood_one(h, Some(grad))
    }

    /// Σ wᵢ ln Lᵢ, adding Σ wᵢ ∇ ln Lᵢ into `grad`. Patterns come sorted by (x, t_x, T), so the
    /// frequency terms (log-gamma and digamma calls) are shared between consecutive patterns with
    /// the same x, and ln(α+t_x) between those with the same recency: a batch sorted by
    /// frequency costs a few logarithms per pattern.
    fn ln_likelihood_batch(&self, obs: &[History], weights: &[f64], grad: &mut [f64]) -> f64 {
        let mut ft: Option<FrequencyTerms> = None;
        let mut recency = (f64::NAN, 0.0);
        // ln(α+T) by T: summaries of daily logs have a few hundred distinct T, so a small
        // direct-mapped table saves most of these logarithms.
        let mut ages = [(f64::NAN, 0.0); AGE_MEMO];
        let mut g = [0.0; 4];
        let mut ll = 0.0;
        for (h, &w) in obs.iter().zip(weights) {
            let terms = match ft {
                Some(t) if t.x == h.frequency => t,
                _ => *ft.insert(self.frequency_terms(h.frequency)),
            };
            if recency.0 != h.recency {
                recency = (h.recency, (self.alpha + h.recency).ln());
            }
            let bits = h.age.to_bits();
            let slot = &mut ages[((bits ^ (bits >> 29) ^ (bits >> 41)) as usize) % AGE_MEMO];
            if slot.0 != h.age {
                *slot = (h.age, (self.alpha + h.age).ln());
            }
            let logs = (recency.1, slot.1);
            ll += w * self.ln_likelihood_terms(&terms, h, logs, Some(&mut g));
            for (acc, gi) in grad.iter_mut().zip(g) {
                *acc += w * gi;
            }
        }
        ll
    }

    /// BTYD's and CLVTools' BG/NBD start (r, α, a, b) = (1, 3, 1, 3), for both models, with α
    /// moved to the data's time scale (3 × mean T / 39, CDNOW's weeks being the reference
    /// scale).
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

impl<V: DropoutVariant> ModelRole for BetaGeometricNbd<V> {
    const ROLE: Role = Role::Purchase;
    fn as_purchase(&self) -> Option<&dyn PurchaseModel> {
        Some(self)
    }
}

impl<V: DropoutVariant> PurchaseModel for BetaGeometricNbd<V> {
    fn name(&self) -> &'static str {
        V::NAME
    }

    /// P(Y(t) = n | x, t_x, T): see the inherent `conditional_pmf_values` (at the end of this
    /// file).
    fn conditional_pmf(&self, h: &History, horizon: f64, max_n: u64) -> Option<Result<Vec<f64>>> {
        Some(self.conditional_pmf_values(h, horizon, max_n))
    }

    /// E[X(t)]: expected purchases in (0, t] of a customer who just made a first purchase.
    ///
    /// # Formula
    /// BG/NBD, Fader, Hardie & Lee (2005a), eq. (7); MBG/NBD, Batislam et al. (2007)
    /// (docs/reference.md §6.4):
    /// ```text
    /// BG/NBD:  E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))]
    /// MBG/NBD: E[X(t)] = b/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))]
    /// ```
    /// # Numerics
    /// E[Y(t) | 0, 0, 0]: P(alive | 0, 0, 0) (1, or b/(a+b) for MBG/NBD) times the bracket,
    /// evaluated after Euler's transformation (see the private `expectation_bracket`).
    #[doc(alias = "expected_number_of_purchases_up_to_time")]
    #[doc(alias = "expected_purchases_new_customer")]
    fn expected_purchases_new(&self, horizon: f64) -> Result<f64> {
        let t = check_horizon(horizon)?;
        let start = History {
            frequency: 0.0,
            recency: 0.0,
            age: 0.0,
        };
        let p_alive = self.p_alive(&start);
        Ok(p_alive * self.expectation_bracket(self.r, self.alpha, self.b + self.shift(), t)?)
    }

    /// E[Y(t) | x, t_x, T]: expected purchases in (T, T + t] given the history.
    ///
    /// # Formula
    /// BG/NBD, Fader, Hardie & Lee (2005a), eq. (10); MBG/NBD, Wagner & Hoppe (2008), the
    /// corrected form of Batislam et al.'s (2007) conditional expectation:
    /// ```text
    /// BG/NBD:  P(alive)·(a+b+x−1)/(a−1)·
    ///              [1 − ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
    /// MBG/NBD: P(alive)·(a+b+x)/(a−1)·
    ///              [1 − ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x+1; a+b+x; t/(α+T+t))]
    /// ```
    /// # Numerics
    /// The bracket after Euler's transformation of the ₂F₁ (DLMF 15.8.1), which removes the
    /// parameters r+x and b+x and the power ((α+T)/(α+T+t))^{r+x}, summed as a series with the
    /// factor 1/(a−1) cancelled (the private `expectation_bracket` has the details); P(alive) as
    /// in [`PurchaseModel::p_alive`]. Relative accuracy ~1e-13 for x up to 1e9 and beyond
    /// (`tests/extremes.rs`); the result lies in [0, (r+x)t/(α+T)], the no-dropout value.
    #[doc(alias = "conditional_expected_number_of_purchases_up_to_time")]
    fn expected_purchases(&self, h: &History, horizon: f64) -> Result<f64> {
        let t = check_horizon(horizon)?;
        let p_alive = self.p_alive(h);
        if p_alive == 0.0 || t == 0.0 {
            return Ok(0.0);
        }
        let x = h.frequency;
        let k = x + self.shift();
        let bracket = self.expectation_bracket(self.r + x, self.alpha + h.age, self.b + k, t)?;
        Ok(p_alive * bracket)
    }

    /// P(alive | x, t_x, T) = A3/(A3 + δ_{k>0} A4): 1 for a BG/NBD customer without repeat
    /// purchases, below 1 for every MBG/NBD customer.
    ///
    /// # Formula
    /// BG/NBD, Fader, Hardie & Lee (2008), note 021, eq. 2; MBG/NBD, Batislam et al. (2007)
    /// (docs/reference.md §6.4):
    /// ```text
    /// BG/NBD:  P(alive) = 1 / (1 + δ_{x>0}·a/(b+x−1)·((α+T)/(α+t_x))^{r+x})
    /// MBG/NBD: P(alive) = 1 / (1 + a/(b+x)·((α+T)/(α+t_x))^{r+x})
    /// ```
    /// # Numerics
    /// A logistic function of the log-odds, 1/(1 + e^d), so it underflows to exactly 0 instead
    /// of overflowing, with d = ln(a/(b+k−1)) + (r+x)·ln1p((T − t_x)/(α + t_x)) accurate to a
    /// few ulps even at x = 1e9 (the private `ln_odds_dropped`).
    #[doc(alias = "conditional_probability_alive")]
    #[doc(alias = "expected_probability_alive")]
    fn p_alive(&self, h: &History) -> f64 {
        logistic(-self.ln_odds_dropped(h))
    }

    /// P(X(t) = n): probability that a new customer makes n purchases in (0, t].
    ///
    /// # Formula
    /// BG/NBD, Fader, Hardie & Lee (2005a), eq. (8); MBG/NBD, Batislam et al. (2007)
    /// (docs/reference.md §6.4). With NB_j = Γ(r+j)/(Γ(r) j!)·(α/(α+t))^r (t/(α+t))^j, the
    /// negative binomial (r, α/(α+t)) probability of j:
    /// ```text
    /// BG/NBD:  B(a, b+n)/B(a, b)·NB_n + δ_{n>0}·B(a+1, b+n−1)/B(a, b)·[1 − Σ_{j<n} NB_j]
    /// MBG/NBD: B(a, b+n+1)/B(a, b)·NB_n + B(a+1, b+n)/B(a, b)·[1 − Σ_{j<n} NB_j]
    /// ```
    /// (for MBG/NBD and n = 0: b/(a+b)·(α/(α+t))^r + a/(a+b)).
    /// # Numerics
    /// The bracket equals the negative binomial tail I_{t/(α+t)}(n, r) (DLMF 8.17.5; 1 for
    /// n = 0), computed by [`beta_reg`] (no cancellation for large n). The ratios of gamma
    /// functions are formed as differences ([`ln_gamma_ratio`]), never from `ln_gamma` values
    /// of size n ln n: ln[B(a, b+m)/B(a, b)] = ln[Γ(a+b)/Γ(b)] − ln[Γ(a+b+m)/Γ(b+m)] and
    /// ln[Γ(r+n)/n!] = ln[Γ(n+1+(r−1))/Γ(n+1)]; ln(α/(α+t)) and ln(t/(α+t)) through ln1p.
    /// Accurate to ~1e-11 relative for n up to 1e6 and t up to 1e8 (`tests/extremes.rs`).
    #[doc(alias = "probability_of_n_purchases_up_to_time")]
    fn p_purchases(&self, n: u64, horizon: f64) -> Result<f64> {
        let t = check_horizon(horizon)?;
        let Self { r, alpha, a, b, .. } = *self;
        let s = self.shift();
        let nf = n as f64;
        if t == 0.0 {
            return Ok(if n == 0 { 1.0 } else { 0.0 });
        }
        let ln_nb = ln_neg_binomial_pmf(nf, r, -(t / alpha).ln_1p(), -(alpha / t).ln_1p());
        let m = nf + s;
        let ln_gab = ln_gamma_ratio(b, a);
        let first = (ln_gab - ln_gamma_ratio(b + m, a) + ln_nb).exp();
        if m == 0.0 {
            return Ok(first);
        }
        let tail = if n == 0 {
            1.0
        } else {
            beta_reg(nf, r, t / (alpha + t), alpha / (alpha + t))?
        };
        // B(a+1, b+m−1)/B(a, b) = a·Γ(a+b)/Γ(b) · Γ(b+m−1)/Γ(a+b+m)
        let coef = (a.ln() + ln_gab - ln_gamma_ratio(b + m - 1.0, a + 1.0)).exp();
        Ok(first + coef * tail)
    }
}

/// P(Y(t) = n | x, t_x, T), the conditional distribution of the number of purchases in
/// (T, T + t] (see [`PurchaseModel::conditional_pmf`]).
impl<V: DropoutVariant> BetaGeometricNbd<V> {
    /// P(Y(t) = n | x, t_x, T) for n = 0..=`max_n` (see [`PurchaseModel::conditional_pmf`]).
    ///
    /// # Errors
    /// An invalid horizon; numerical failures of P(X(t) = n) or P(alive).
    ///
    /// # Formula
    /// Active at T, the posterior of (λ, p) is Gamma(r+x, α+T) × Beta(a, b+k), with k = x for
    /// BG/NBD and x + 1 for MBG/NBD (the factor (1−p)^k λ^x e^{−λT} of the likelihood's
    /// "active" term: Fader, Hardie & Lee 2005a, eq. (3); Batislam et al. 2007), and the
    /// future is a new BG/NBD customer's (dropout only after a purchase, as for a customer who
    /// has just bought; for MBG/NBD the dropout at time 0 has been survived):
    /// ```text
    /// P(Y(t)=n | x, t_x, T) = δ_{n=0}(1 − P(alive)) + P(alive)·P_{BG/NBD(r+x, α+T, a, b+k)}(X(t)=n)
    /// ```
    /// with P(X(t) = n) of Fader, Hardie & Lee (2005a), eq. (8) and P(alive) as in
    /// [`PurchaseModel::p_alive`]. Its mean is eq. (10) (MBG/NBD: Wagner & Hoppe 2008).
    /// # Numerics
    /// Eq. (8) as [`PurchaseModel::p_purchases`] evaluates it (log space, the negative binomial
    /// tail as a regularised incomplete beta, no cancellation for large n).
    pub fn conditional_pmf_values(
        &self,
        h: &History,
        horizon: f64,
        max_n: u64,
    ) -> Result<Vec<f64>> {
        let t = check_horizon(horizon)?;
        let x = h.frequency;
        let active = super::BgNbd::new(
            self.r + x,
            self.alpha + h.age,
            self.a,
            self.b + x + self.shift(),
        )?;
        super::conditional_pmf_from(self.p_alive(h), max_n, |n| active.p_purchases(n, t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The series and the transformed ₂F₁ (`bracket_near_one`, used where the series would be
    /// too long) agree where both apply: a < 1 and a > 1, BG/NBD-sized and large x.
    #[test]
    fn bracket_series_and_near_one_form_agree() {
        for (r, a, b) in [(0.243, 0.793, 2.426), (2.5, 3.2, 0.45), (0.525, 1.3, 1.614)] {
            for x in [0.0, 2.0, 100.0, 1e6] {
                let (rp, bp) = (r + x, b + x);
                let c = a + bp - 1.0;
                for z in [0.3f64, 0.6, 0.9, 0.99] {
                    let ell = (-z).ln_1p();
                    let h = bracket_series(a, c - rp, c, z).unwrap();
                    let u = (a - 1.0) * ell;
                    let series = c * (-ell * u.exp_m1() / u - u.exp() * h);
                    let near_one = bracket_near_one(a, rp, bp, z, ell).unwrap();
                    let rel = (series - near_one).abs() / near_one;
                    assert!(
                        rel < 1e-12,
                        "r {r} a {a} b {b} x {x} z {z}: {series} vs {near_one}"
                    );
                }
            }
        }
    }
}
