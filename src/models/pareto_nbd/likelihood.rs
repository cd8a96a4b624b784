//! The likelihood (note 009, eq. 18) in log space with its analytic gradient, and
//! P(alive), which shares its terms.
//!
//! # Numerics: A0 in bounded time
//! A0 = G(t_x) − G(T) of note 009, eqs. (19)–(20), is (as the derivation of eq. 18 shows, by
//! integrating over the time of death τ)
//! ```text
//! A0 = a ∫_{t_x}^{T} (α+τ)^−(r+x) (β+τ)^−(s+1) dτ = a K^−a ∫_{v(t_x)}^{v(T)} v^−p (1+v)^−q dv,
//! ```
//! a = r+s+x, with K = |α − β|, v(y) = (min(α, β) + y)/K, and (p, q) = (r+x, s+1) when α < β,
//! (s+1, r+x) otherwise (p is the exponent of the nearer singularity). The Gauss functions of
//! eqs. (19)–(20) have argument z = 1/(1 + v(y)): their series (Euler's transform, summed by
//! [`ln_hyp2f1_1_series`](crate::special::ln_hyp2f1_1_series)) needs ~1/(1 − z) = 1 + 1/v terms,
//! without bound as max(α, β)/(min(α, β) + y) grows (β → ∞ as s → 0 for steady buyers; β or
//! α → 0 under a penalty). So the range of v is cut at [`EULER_MIN_V`] and at
//! v̂ = min(½, 1/q) ([`crate::special::beta_prime::PRIMITIVE_MAX_V`]):
//! * v ≥ [`EULER_MIN_V`] (z ≤ 0.8, at most ~200 terms): G(y) by the Euler series, as in note 009;
//! * v ≤ v̂: the primitive Φ of [`ln_beta_prime_primitive`] (binomial series, DLMF 4.6.7, a
//!   few terms for small v), as Ĝ(y) = −a K^−a Φ(v(y)), which differs from G(y) by a constant
//!   in y (the Γ-function part of the 1 − z connection formula, DLMF 15.8.4), so that
//!   Ĝ(t_x) − Ĝ(T) = A0 when both ends use it;
//! * in between, when v̂ < [`EULER_MIN_V`] (q > 4): Gauss–Legendre quadrature of the integral
//!   ([`ln_beta_prime_integral`]).
//!
//! When both ends lie in the primitive's range, A0 = Ĝ(t_x) − Ĝ(T) with the primitive alone.
//! Otherwise A0 = G(t_x) − G(T), where G(y) below [`EULER_MIN_V`] is G at the start of the
//! Euler range plus the integral up to it by the primitive and quadrature (positive parts).
//! The split points depend only on (α, β, x), so every term is a function of (x, y) that the
//! batch shares between patterns, and one pattern needs one difference, as with the series
//! alone. Every term costs a bounded number of operations for all parameters, and its
//! derivatives come from the same sums (the split points are held fixed when differentiating:
//! G does not depend on them).

use std::collections::HashMap;
use std::f64::consts::LN_2;

use super::ParetoNbd;
use crate::data::{History, Patterns};
use crate::error::{Error, Result};
use crate::hash::FxBuildHasher;
use crate::models::{Boundary, LogLikelihood};
use crate::special::beta_prime::{
    ln_beta_prime_integral, ln_beta_prime_primitive, PRIMITIVE_MAX_V,
};
use crate::special::hyp2f1_series::ln_hyp2f1_1_series_in_domain;
use crate::special::{digamma, ln_gamma, ln_hyp2f1, log_add_exp, LnHyp2f1Series};

/// Smallest v(y) = (min(α, β) + y)/|α − β| at which G(y) is summed by its Euler series
/// (z = 1/(1 + v) ≤ 0.8: at most ~200 terms); below it A0 uses the primitive or quadrature.
const EULER_MIN_V: f64 = 0.25;

/// Which representation a term Ĝ(y) of A0 uses (the two ends of a difference use
/// representations that differ from G(y) by the same constant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rep {
    /// Ĝ = G(y), note 009 eqs. (19)–(20), by the Euler series (for v(y) ≥ [`EULER_MIN_V`]).
    Euler,
    /// Ĝ = G(y) for v(y) < [`EULER_MIN_V`]: G at the start of the Euler range plus the integral
    /// up to it, from the primitive and quadrature (see `ParetoNbd::ln_g_joined`).
    Joined,
    /// Ĝ = −a K^−a Φ(v(y)), by the binomial-series primitive (for v(y) ≤ v̂); differs from
    /// G(y) by a constant in y.
    Primitive,
}

/// Ĝ(y) as ln |Ĝ|, its sign and ∂ ln |Ĝ| / ∂(r, α, s, β), with ln(α+y) and ln(β+y).
#[derive(Debug, Clone, Copy)]
struct LnG {
    /// ln(α+y).
    u: f64,
    /// ln(β+y).
    v: f64,
    ln_g: f64,
    sign: f64,
    d: [f64; 4],
}

/// A positive part of A0 as ln and ∂ ln / ∂(r, α, s, β) (ln = −∞ for 0).
#[derive(Debug, Clone, Copy)]
struct Piece {
    ln: f64,
    d: [f64; 4],
}

impl Piece {
    const ZERO: Piece = Piece {
        ln: f64::NEG_INFINITY,
        d: [0.0; 4],
    };
    const NAN: Piece = Piece {
        ln: f64::NAN,
        d: [f64::NAN; 4],
    };

    /// Ĝ(y₀) − Ĝ(y₁) from its two terms (positive when y₀ < y₁).
    ///
    /// # Numerics
    /// With both terms of one sign, the difference of their magnitudes is formed from
    /// d = (smaller ln) − (larger ln) ≤ 0 as e^(larger)·(1 − e^d), 1 − e^d by −expm1(d) for
    /// d > −ln 2 (no cancellation as y₀ → y₁); with opposite signs it is a sum. The
    /// derivative is (Ĝ₀ ∂ln|Ĝ₀| − Ĝ₁ ∂ln|Ĝ₁|)/(Ĝ₀ − Ĝ₁). A difference that rounding makes
    /// ≤ 0 is 0.
    fn difference(g0: &LnG, g1: &LnG) -> Piece {
        if g0.ln_g.is_nan() || g1.ln_g.is_nan() {
            return Piece::NAN;
        }
        // (ln |D|, Ĝ₀/D, Ĝ₁/D)
        let one_minus = |d: f64| {
            if d > -LN_2 {
                let q = -d.exp_m1();
                (1.0 - q, q)
            } else {
                let ed = d.exp();
                (ed, 1.0 - ed)
            }
        };
        let (ln, k0, k1) = match (g0.sign > 0.0, g1.sign > 0.0) {
            (true, true) => {
                let d = g1.ln_g - g0.ln_g;
                if d >= 0.0 {
                    return Piece::ZERO;
                }
                let (ed, q) = one_minus(d);
                (g0.ln_g + q.ln(), 1.0 / q, ed / q)
            }
            (false, false) => {
                let d = g0.ln_g - g1.ln_g;
                if d >= 0.0 {
                    return Piece::ZERO;
                }
                let (ed, q) = one_minus(d);
                (g1.ln_g + q.ln(), -ed / q, -1.0 / q)
            }
            (true, false) => {
                let ln = log_add_exp(g0.ln_g, g1.ln_g);
                (ln, (g0.ln_g - ln).exp(), -(g1.ln_g - ln).exp())
            }
            (false, true) => return Piece::ZERO,
        };
        let mut d = [0.0; 4];
        for (i, o) in d.iter_mut().enumerate() {
            *o = k0 * g0.d[i] - k1 * g1.d[i];
        }
        Piece { ln, d }
    }

    /// The sum of positive pieces.
    fn sum(pieces: &[Piece]) -> Piece {
        if pieces.iter().any(|p| p.ln.is_nan()) {
            return Piece::NAN;
        }
        let ln = pieces
            .iter()
            .fold(f64::NEG_INFINITY, |acc, p| log_add_exp(acc, p.ln));
        if ln == f64::NEG_INFINITY {
            return Piece::ZERO;
        }
        let mut d = [0.0; 4];
        for p in pieces.iter().filter(|p| p.ln > f64::NEG_INFINITY) {
            let w = (p.ln - ln).exp();
            for (o, di) in d.iter_mut().zip(p.d) {
                *o += w * di;
            }
        }
        Piece { ln, d }
    }
}

/// Terms of the log-likelihood that depend on the frequency x only, with the geometry of A0's
/// integral (module docs).
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
    /// a = r+s+x, ln a and 1/a.
    a: f64,
    ln_a: f64,
    inv_a: f64,
    /// r/α and s/β.
    r_alpha: f64,
    s_beta: f64,
    /// Whether α < β (α is then the nearer scale, with exponent p = r+x).
    alpha_near: bool,
    /// min(α, β), K = |α − β| and ln K.
    near: f64,
    k: f64,
    ln_k: f64,
    /// Exponents of the nearer and farther factor: (p, q).
    p: f64,
    q: f64,
    /// v̂ = min(½, 1/q), the end of the primitive's range, and the y where v(y) = v̂.
    v_hat: f64,
    y_hat: f64,
    /// The y where v(y) = EULER_MIN_V.
    y_euler: f64,
}

impl FrequencyTerms {
    /// v(y) = (min(α, β) + y)/|α − β| (∞ when α = β).
    #[inline]
    fn v(&self, y: f64) -> f64 {
        (self.near + y) / self.k
    }

    /// ∂v(y)/∂α and ∂v(y)/∂β.
    #[inline]
    fn dv(&self, v: f64) -> (f64, f64) {
        if self.alpha_near {
            ((1.0 + v) / self.k, -v / self.k)
        } else {
            (-v / self.k, (1.0 + v) / self.k)
        }
    }

    /// ∂ ln(a K^−a) / ∂(r, α, s, β).
    #[inline]
    fn d_scale(&self) -> [f64; 4] {
        let common = 1.0 / self.a - self.ln_k;
        // K = β − α when α is the nearer scale, α − β otherwise.
        let dk = if self.alpha_near { -1.0 } else { 1.0 };
        [common, -self.a * dk / self.k, common, self.a * dk / self.k]
    }

    /// Maps ∂/∂(p, q) to ∂/∂(r+x, s+1).
    #[inline]
    fn by_rate(&self, d_p: f64, d_q: f64) -> (f64, f64) {
        if self.alpha_near {
            (d_p, d_q)
        } else {
            (d_q, d_p)
        }
    }
}

impl ParetoNbd {
    fn frequency_terms(&self, x: f64) -> FrequencyTerms {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let (ln_alpha, ln_beta) = (alpha.ln(), beta.ln());
        let a = r + s + x;
        let alpha_near = alpha < beta;
        let (near, k) = if alpha_near {
            (alpha, beta - alpha)
        } else {
            (beta, alpha - beta)
        };
        let (p, q) = if alpha_near {
            (r + x, s + 1.0)
        } else {
            (s + 1.0, r + x)
        };
        let v_hat = PRIMITIVE_MAX_V.min(1.0 / q);
        FrequencyTerms {
            x,
            ln_c: ln_gamma(r + x) - ln_gamma(r) + r * ln_alpha + s * ln_beta,
            ln_alpha,
            ln_beta,
            d_r: digamma(r + x) - digamma(r),
            ln_ratio: s.ln() - a.ln(),
            a,
            ln_a: a.ln(),
            inv_a: 1.0 / a,
            r_alpha: r / alpha,
            s_beta: s / beta,
            alpha_near,
            near,
            k,
            ln_k: k.ln(),
            p,
            q,
            v_hat,
            y_hat: v_hat * k - near,
            y_euler: EULER_MIN_V * k - near,
        }
    }

    /// G(y) and its gradient by the Euler series.
    ///
    /// # Formula
    /// Note 009, eqs. (19)–(20): with a = r+s+x,
    /// ```text
    /// α ≥ β:  G(y) = ₂F₁(a, s+1; a+1; (α−β)/(α+y)) / (α+y)^a
    /// α < β:  G(y) = ₂F₁(a, r+x; a+1; (β−α)/(β+y)) / (β+y)^a
    /// ```
    /// so that 0 ≤ z < 1. By the Euler transform (DLMF 15.8.1, see
    /// [`ln_hyp2f1_1_series`](crate::special::ln_hyp2f1_1_series)) these are
    /// ```text
    /// α ≥ β:  G(y) = (α+y)^−(r+x) (β+y)^−s · H(r+x, a+1; z)
    /// α < β:  G(y) = (α+y)^−(r+x−1) (β+y)^−(s+1) · H(s+1, a+1; z)
    /// ```
    /// with H(p, c; z) = ₂F₁(1, p; c; z); the derivatives follow by the chain rule through
    /// p, c = a+1 and z.
    ///
    /// # Numerics
    /// The series' arguments are in its domain by construction (p = r+x or s+1 is below
    /// c = a+1 and 0 ≤ z < 1), so its form without the domain check is called. It is used only
    /// for z ≤ 1/(1 + [`EULER_MIN_V`]) (at most ~200 terms; see the module docs). Should it not
    /// converge (within [`MAX_TERMS`](crate::special::hyp2f1_series::MAX_TERMS) terms), ln H
    /// comes from [`ln_hyp2f1`] and the derivatives are NaN.
    fn ln_g_euler(&self, rx: f64, y: f64) -> LnG {
        let ParetoNbd { alpha, s, beta, .. } = *self;
        let c = rx + s + 1.0;
        let (ay, by) = (alpha + y, beta + y);
        let (u, v) = (ay.ln(), by.ln());
        let series = |p: f64, z: f64| {
            ln_hyp2f1_1_series_in_domain(p, c, z).unwrap_or_else(|| LnHyp2f1Series {
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
                sign: 1.0,
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
                sign: 1.0,
                d: [
                    -u + h.d_c,
                    -(rx - 1.0) / ay - h.d_z / by,
                    -v + h.d_p + h.d_c,
                    -(s + 1.0) / by + h.d_z * ay / (by * by),
                ],
            }
        }
    }

    /// Ĝ(y) = −a K^−a Φ(v(y)) and its gradient, for v(y) ≤ v̂ (module docs).
    ///
    /// # Formula
    /// Φ is the primitive of v^−p (1+v)^−q of [`ln_beta_prime_primitive`], so that
    /// Ĝ(t_x) − Ĝ(T) = a K^−a ∫_{v(t_x)}^{v(T)} v^−p (1+v)^−q dv = A0. With m = r+x, n = s+1
    /// and (p, q) = (m, n) when α < β, (n, m) otherwise:
    /// ```text
    /// ∂ ln|Ĝ|/∂r = 1/a − ln K + ∂ ln|Φ|/∂m,   ∂ ln|Ĝ|/∂s = 1/a − ln K + ∂ ln|Φ|/∂n,
    /// ∂ ln|Ĝ|/∂α = −a ∂K/∂α / K + ∂ ln|Φ|/∂v · ∂v/∂α   (and likewise for β),
    /// ```
    /// K = β − α or α − β, v = (min(α, β) + y)/K. NaN outside the primitive's domain.
    fn ln_g_primitive(&self, ft: &FrequencyTerms, y: f64) -> LnG {
        let (u, v) = ((self.alpha + y).ln(), (self.beta + y).ln());
        let vy = ft.v(y);
        let Some(f) = ln_beta_prime_primitive(ft.p, ft.q, vy) else {
            return LnG {
                u,
                v,
                ln_g: f64::NAN,
                sign: 1.0,
                d: [f64::NAN; 4],
            };
        };
        let (dm, dn) = ft.by_rate(f.d_p, f.d_q);
        let (dva, dvb) = ft.dv(vy);
        let sc = ft.d_scale();
        LnG {
            u,
            v,
            ln_g: ft.ln_a - ft.a * ft.ln_k + f.ln_abs,
            sign: -f.sign,
            d: [
                sc[0] + dm,
                sc[1] + f.d_v * dva,
                sc[2] + dn,
                sc[3] + f.d_v * dvb,
            ],
        }
    }

    /// Ĝ(y) in representation `rep`, without a cache.
    fn ln_g_rep(&self, ft: &FrequencyTerms, y: f64, rep: Rep) -> LnG {
        match rep {
            Rep::Euler => self.ln_g_euler(self.r + ft.x, y),
            Rep::Primitive => self.ln_g_primitive(ft, y),
            Rep::Joined => self.ln_g_joined(ft, y, &mut |y, rep| self.ln_g_rep(ft, y, rep)),
        }
    }

    /// G(y) for v(y) < [`EULER_MIN_V`], from the terms `term` gives (Euler and primitive ones,
    /// which the batch caches).
    ///
    /// # Formula
    /// With y_e the start of the Euler range (v(y_e) = v̂ when v̂ ≥ [`EULER_MIN_V`], else
    /// [`EULER_MIN_V`]) and G(y) = a ∫_y^∞ (α+τ)^−(r+x) (β+τ)^−(s+1) dτ (note 009, eqs. 19–20):
    /// ```text
    /// G(y) = G(y_e) + [Ĝ(y) − Ĝ(ŷ)]_primitive (if v(y) < v̂) + a K^−a ∫_{max(v(y), v̂)}^{v(y_e)} v^−p (1+v)^−q dv
    /// ```
    /// (the last by quadrature, only when v̂ < [`EULER_MIN_V`]), a sum of positive parts, with
    /// the gradient as their weighted sum (the split points held fixed).
    fn ln_g_joined(
        &self,
        ft: &FrequencyTerms,
        y: f64,
        term: &mut impl FnMut(f64, Rep) -> LnG,
    ) -> LnG {
        let vy = ft.v(y);
        let (u, v) = ((self.alpha + y).ln(), (self.beta + y).ln());
        let mut parts = [Piece::ZERO; 3];
        let mut from = y;
        if vy < ft.v_hat {
            let (g0, g1) = (term(y, Rep::Primitive), term(ft.y_hat, Rep::Primitive));
            parts[0] = Piece::difference(&g0, &g1);
            from = ft.y_hat;
        }
        let y_e = if ft.v_hat >= EULER_MIN_V {
            ft.y_hat
        } else {
            parts[1] = self.piece_quadrature(ft, from, ft.y_euler);
            ft.y_euler
        };
        let e = term(y_e, Rep::Euler);
        parts[2] = Piece { ln: e.ln_g, d: e.d };
        let sum = Piece::sum(&parts);
        LnG {
            u,
            v,
            ln_g: sum.ln,
            sign: 1.0,
            d: sum.d,
        }
    }

    /// a K^−a ∫_{v(y₀)}^{v(y₁)} v^−p (1+v)^−q dv by quadrature ([`ln_beta_prime_integral`]),
    /// with its gradient (the chain rule as in [`Self::ln_g_primitive`], through both limits).
    fn piece_quadrature(&self, ft: &FrequencyTerms, y0: f64, y1: f64) -> Piece {
        let (v0, v1) = (ft.v(y0), ft.v(y1));
        if v1 <= v0 {
            // Only by rounding at a split point: an empty piece.
            return Piece::ZERO;
        }
        let Some(j) = ln_beta_prime_integral(ft.p, ft.q, v0, v1) else {
            return Piece::NAN;
        };
        let (dm, dn) = ft.by_rate(j.d_p, j.d_q);
        let ((a0, b0), (a1, b1)) = (ft.dv(v0), ft.dv(v1));
        let sc = ft.d_scale();
        Piece {
            ln: ft.ln_a - ft.a * ft.ln_k + j.ln_value,
            d: [
                sc[0] + dm,
                sc[1] + j.d_lo * a0 + j.d_hi * a1,
                sc[2] + dn,
                sc[3] + j.d_lo * b0 + j.d_hi * b1,
            ],
        }
    }

    /// ln A0 with ∂ ln A0 / ∂(r, α, s, β) (ln A0 = −∞ when t_x = T), and ln(α+T), ln(β+T).
    /// `term(y, rep)` gives Ĝ(y) (the batch passes a cached one).
    ///
    /// # Formula
    /// A0 = G(t_x) − G(T) (note 009, eqs. 18–20) = a ∫_{t_x}^{T} (α+τ)^−(r+x) (β+τ)^−(s+1) dτ:
    /// * v(t_x) ≥ [`EULER_MIN_V`]: both G by the Euler series;
    /// * v(T) ≤ v̂: Ĝ(t_x) − Ĝ(T) by the primitive (no constant to cancel: for steady buyers,
    ///   G(y) is dominated by its far range and A0 ≪ G);
    /// * otherwise G(t_x) − G(T) with G(y) = [`Self::ln_g_joined`] below [`EULER_MIN_V`].
    fn ln_a0(
        &self,
        ft: &FrequencyTerms,
        h: &History,
        term: &mut impl FnMut(f64, Rep) -> LnG,
    ) -> (Piece, f64, f64) {
        let (t_x, t) = (h.recency, h.age);
        if t_x >= t {
            return (Piece::ZERO, (self.alpha + t).ln(), (self.beta + t).ln());
        }
        // v(y) ≥ EULER_MIN_V ⟺ y ≥ y_euler, v(y) ≤ v̂ ⟺ y ≤ ŷ (v is increasing in y); at
        // α = β, y_euler = −β < 0.
        let (r0, r1) = if t_x >= ft.y_euler {
            (Rep::Euler, Rep::Euler)
        } else if t <= ft.y_hat {
            (Rep::Primitive, Rep::Primitive)
        } else if t >= ft.y_euler {
            (Rep::Joined, Rep::Euler)
        } else {
            (Rep::Joined, Rep::Joined)
        };
        let (g0, g1) = (term(t_x, r0), term(t, r1));
        (Piece::difference(&g0, &g1), g1.u, g1.v)
    }

    /// ln A0 by [`Self::ln_a0`] without a cache.
    fn ln_a0_direct(&self, ft: &FrequencyTerms, h: &History) -> (Piece, f64, f64) {
        self.ln_a0(ft, h, &mut |y, rep| self.ln_g_rep(ft, y, rep))
    }

    /// ln L and (optionally) its gradient, given the frequency terms, A0 and ln(α+T), ln(β+T).
    ///
    /// # Formula
    /// Note 009, eq. (18): L = Γ(r+x)α^r β^s/Γ(r) · {(α+T)^−(r+x) (β+T)^−s + s/(r+s+x)·A0},
    /// as ln L = ln Γ(r+x) − ln Γ(r) + r ln α + s ln β + ln(e^l₁ + e^l₂) with
    /// l₁ = −(r+x) ln(α+T) − s ln(β+T) and l₂ = ln(s/(r+s+x)) + ln A0 (−∞ when t_x = T).
    /// With w₂ = logistic(l₂ − l₁), w₁ = 1 − w₂ and a = r+s+x:
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
        (a0, u_t, v_t): (Piece, f64, f64),
        grad: Option<&mut [f64]>,
    ) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let l1 = -(r + ft.x) * u_t - s * v_t;
        let l2 = ft.ln_ratio + a0.ln;
        if l2.is_nan() {
            if let Some(g) = grad {
                g.fill(f64::NAN);
            }
            return f64::NAN;
        }
        if l2 == f64::NEG_INFINITY {
            // t_x = T: L is its first part only.
            if let Some(g) = grad {
                g[0] = ft.d_r + ft.ln_alpha - u_t;
                g[1] = ft.r_alpha - (r + ft.x) / (alpha + h.age);
                g[2] = ft.ln_beta - v_t;
                g[3] = ft.s_beta - s / (beta + h.age);
            }
            return ft.ln_c + l1;
        }
        // ln(e^l₁ + e^l₂) and w₂ = logistic(l₂ − l₁) from one exponential.
        let diff = l2 - l1;
        let e = (-diff.abs()).exp();
        // ln(1 + e) for 0 < e ≤ 1 needs only absolute accuracy here: ln is enough.
        let ll = ft.ln_c + l1.max(l2) + (1.0 + e).ln();
        if let Some(g) = grad {
            let w2 = if diff >= 0.0 {
                1.0 / (1.0 + e)
            } else {
                e / (1.0 + e)
            };
            let w1 = 1.0 - w2;
            let rx = r + ft.x;
            let inv_a = ft.inv_a;
            g[0] = ft.d_r + ft.ln_alpha - w1 * u_t;
            g[1] = ft.r_alpha - w1 * rx / (alpha + h.age);
            g[2] = ft.ln_beta - w1 * v_t;
            g[3] = ft.s_beta - w1 * s / (beta + h.age);
            if w2 > 0.0 {
                g[0] += w2 * (a0.d[0] - inv_a);
                g[1] += w2 * a0.d[1];
                g[2] += w2 * (1.0 / s - inv_a + a0.d[2]);
                g[3] += w2 * a0.d[3];
            }
        }
        ll
    }

    /// (l₁, l₂) for a history (see [`Self::ln_likelihood_terms`]).
    fn brace_logs(&self, h: &History) -> (f64, f64) {
        let ft = self.frequency_terms(h.frequency);
        let (a0, u_t, v_t) = self.ln_a0_direct(&ft, h);
        let l1 = -(self.r + ft.x) * u_t - self.s * v_t;
        (l1, ft.ln_ratio + a0.ln)
    }

    /// ln P(alive | x, t_x, T).
    ///
    /// # Formula
    /// Note 009, eqs. (36)–(37): P(alive) = 1 / {1 + s/(r+s+x)·(α+T)^{r+x} (β+T)^s·A0}
    /// = exp(l₁ − ln(e^l₁ + e^l₂)).
    pub(super) fn ln_p_alive(&self, h: &History) -> f64 {
        let (l1, l2) = self.brace_logs(h);
        l1 - log_add_exp(l1, l2)
    }
}

/// Terms Ĝ(y) of A0 for one frequency, by (y, representation): G(y) itself (Euler or joined,
/// the same value) or the primitive's Ĝ.
struct TermCache<'m> {
    model: &'m ParetoNbd,
    table: HashMap<u64, LnG, FxBuildHasher>,
}

impl TermCache<'_> {
    #[inline]
    fn get(&mut self, ft: &FrequencyTerms, y: f64, rep: Rep) -> LnG {
        // y ≥ 0, so its sign bit is free to tell the primitive's Ĝ from G.
        let key = (y + 0.0).to_bits() | u64::from(rep == Rep::Primitive) << 63;
        match self.table.get(&key) {
            Some(g) => *g,
            None => self.insert(ft, y, rep, key),
        }
    }

    /// Computes and stores a term (out of line: most lookups hit).
    #[inline(never)]
    fn insert(&mut self, ft: &FrequencyTerms, y: f64, rep: Rep, key: u64) -> LnG {
        let model = self.model;
        let g = match rep {
            Rep::Joined => model.ln_g_joined(ft, y, &mut |y, rep| self.get(ft, y, rep)),
            _ => model.ln_g_rep(ft, y, rep),
        };
        self.table.insert(key, g);
        g
    }
}

impl LogLikelihood for ParetoNbd {
    const NAME: &'static str = "Pareto/NBD";
    const PARAM_NAMES: &'static [&'static str] = &["r", "alpha", "s", "beta"];
    type Obs = History;
    /// α_i = α₀·exp(−γ_p·x_i) (purchase), β_i = β₀·exp(−γ_d·z_i) (dropout), as CLVTools.
    const COVARIATE_PARAMS: &'static [crate::models::ScaledParam] = &[
        crate::models::ScaledParam::new(crate::models::Process::Purchase, 1, -1, "purchase"),
        crate::models::ScaledParam::new(crate::models::Process::Dropout, 3, -1, "dropout"),
    ];
    const BOUNDARIES: &'static [Boundary] = super::BOUNDARIES;

    fn from_params(p: &[f64]) -> Result<Self> {
        match p {
            [r, alpha, s, beta] => ParetoNbd::new(*r, *alpha, *s, *beta),
            _ => Err(Error::ParameterCount {
                model: Self::NAME,
                expected: Self::PARAM_NAMES.len(),
                found: p.len(),
            }),
        }
    }

    fn params(&self) -> Vec<f64> {
        vec![self.r, self.alpha, self.s, self.beta]
    }

    /// ln L(r, α, s, β | x, t_x, T), note 009 eq. (18), in log space (see
    /// `ln_likelihood_terms`). NaN only if a Gauss series fails to converge.
    fn ln_likelihood(&self, h: &History) -> f64 {
        let ft = self.frequency_terms(h.frequency);
        let a0 = self.ln_a0_direct(&ft, h);
        self.ln_likelihood_terms(&ft, h, a0, None)
    }

    fn ln_likelihood_grad(&self, h: &History, grad: &mut [f64]) -> f64 {
        let ft = self.frequency_terms(h.frequency);
        let a0 = self.ln_a0_direct(&ft, h);
        self.ln_likelihood_terms(&ft, h, a0, Some(grad))
    }

    /// Shares the frequency terms (log-gamma, digamma and the geometry of A0) between
    /// consecutive patterns with the same x (patterns are sorted by (x, t_x, T)), and the terms
    /// Ĝ(y) of A0 with their gradients (a Gauss series or a primitive, and two logarithms)
    /// between all patterns with the same x and the same t_x, T or split point, through a table
    /// keyed by (y, representation) that is emptied when x changes (`TermCache`). With
    /// day-resolution data most patterns then need no series at all.
    fn ln_likelihood_batch(&self, obs: &[History], weights: &[f64], grad: &mut [f64]) -> f64 {
        let mut ft: Option<FrequencyTerms> = None;
        let mut cache = TermCache {
            model: self,
            table: HashMap::default(),
        };
        let mut g = [0.0; 4];
        let mut ll = 0.0;
        for (h, &w) in obs.iter().zip(weights) {
            let terms = match ft {
                Some(t) if t.x == h.frequency => t,
                _ => {
                    cache.table.clear();
                    *ft.insert(self.frequency_terms(h.frequency))
                }
            };
            let mut lookup = |y: f64, rep: Rep| cache.get(&terms, y, rep);
            let a0 = self.ln_a0(&terms, h, &mut lookup);
            ll += w * self.ln_likelihood_terms(&terms, h, a0, Some(&mut g));
            for (acc, gi) in grad.iter_mut().zip(g) {
                *acc += w * gi;
            }
        }
        ll
    }

    /// The best, by log-likelihood on the data, of a few starts spread along the flat β
    /// direction (docs/reference.md §6.6 item 4): r = 1, α from the mean purchase rate
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
                let (ll, _) = m.total_ln_likelihood(data);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::special::ln_hyp2f1_1_series;

    /// from_params: the parameters round-trip, invalid values are rejected with their names
    /// and a vector of the wrong length with [`Error::ParameterCount`].
    #[test]
    fn from_params_validates() {
        let p = [0.553, 10.578, 0.606, 11.669];
        assert_eq!(ParetoNbd::from_params(&p).unwrap().params(), p);
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
        match ParetoNbd::from_params(&[1.0, 1.0, 1.0]) {
            Err(e @ Error::ParameterCount { .. }) => {
                assert_eq!(e.to_string(), "Pareto/NBD takes 4 parameters, got 3")
            }
            other => panic!("expected ParameterCount, got {other:?}"),
        }
    }

    /// The weighted total of the starting-point search is Σ wᵢ ln Lᵢ, below and above the
    /// size from which it is summed in parallel chunks.
    #[test]
    fn total_ln_likelihood_is_the_weighted_sum() {
        let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap();
        for n in [100, 3 * crate::models::CHUNK + 17] {
            let obs: Vec<History> = (0..n)
                .map(|i| {
                    let t = 20.0 + (i % 1000) as f64 / 50.0;
                    let x = (i / 1000) as f64;
                    let t_x = if x > 0.0 {
                        t * ((i * 7) % 13) as f64 / 13.0
                    } else {
                        0.0
                    };
                    History::new(x, t_x, t).unwrap()
                })
                .collect();
            let weights: Vec<f64> = (0..n).map(|i| 1.0 + (i % 3) as f64).collect();
            let want: f64 = obs
                .iter()
                .zip(&weights)
                .map(|(h, w)| w * m.ln_likelihood(h))
                .sum();
            let (got, _) = m.total_ln_likelihood(&Patterns { obs, weights });
            assert!(
                (got - want).abs() < 1e-11 * want.abs(),
                "{n}: {got} vs {want}"
            );
        }
    }

    /// lifetimes' overflow case (issue #25) with heavier buyers: params (10.465, 0.00798565181,
    /// 3.0516, 2.820), (x, t_x, T) = (400, 5, 6), (500, 1, 37), (500, 4, 37): ln A0 = −667.99,
    /// −9.4766, −715.06 (docs/reference.md §2.7, [R] mpmath), where A0 itself under- or
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
            let ln_a0 = m.ln_a0_direct(&ft, &h).0.ln;
            assert!(
                (ln_a0 - want).abs() < tol,
                "{h:?}: ln A0 = {ln_a0}, want {want}"
            );
        }
    }

    /// With max(α, β)/min(α, β) ≈ 10⁹ the Euler series would need ~10¹⁰ terms (and gives
    /// up): A0 then comes from the primitive of `special::beta_prime`, with a finite gradient.
    #[test]
    fn extreme_rate_ratio_has_finite_value_and_gradient() {
        let h = History::new(3.0, 2.0, 40.0).unwrap();
        for m in [
            ParetoNbd::new(0.5, 1e6, 0.6, 1e-3).unwrap(),
            ParetoNbd::new(0.5, 1e-3, 0.6, 1e6).unwrap(),
        ] {
            assert!(ln_hyp2f1_1_series(m.r + 3.0, m.r + m.s + 4.0, 1.0 - 1e-9).is_none());
            let ll = m.ln_likelihood(&h);
            let pa = m.ln_p_alive(&h).exp();
            assert!(
                ll.is_finite() && (0.0..=1.0).contains(&pa),
                "{m:?}: {ll} {pa}"
            );
            let mut g = [0.0; 4];
            let llg = m.ln_likelihood_grad(&h, &mut g);
            assert_eq!(ll, llg);
            assert!(g.iter().all(|v| v.is_finite()), "{m:?}: {g:?}");
        }
    }

    /// The three representations of A0's pieces agree where their ranges overlap: for a
    /// pattern inside the primitive's range, the Euler series (when it converges) and the
    /// quadrature give the same ln A0 and gradient.
    #[test]
    fn representations_of_a0_agree() {
        // α < β: v(y) = (α + y)/(β − α).
        let m = ParetoNbd::new(0.7, 2.0, 0.4, 30.0).unwrap();
        let h = History::new(2.0, 1.0, 5.0).unwrap();
        let ft = m.frequency_terms(2.0);
        assert!(ft.v(h.age) <= ft.v_hat && ft.v(h.recency) < EULER_MIN_V);
        let prim = m.ln_a0_direct(&ft, &h).0;
        let euler = Piece::difference(
            &m.ln_g_euler(m.r + 2.0, h.recency),
            &m.ln_g_euler(m.r + 2.0, h.age),
        );
        let quad = m.piece_quadrature(&ft, h.recency, h.age);
        for other in [euler, quad] {
            assert!((prim.ln - other.ln).abs() < 1e-13, "{prim:?} vs {other:?}");
            for i in 0..4 {
                assert!(
                    (prim.d[i] - other.d[i]).abs() < 1e-10 * (1.0 + prim.d[i].abs()),
                    "{i}: {prim:?} vs {other:?}"
                );
            }
        }
    }

    /// G(y) joined from the primitive, quadrature and the Euler series at the split point
    /// equals G(y) by the Euler series alone (which still converges at these z ≤ 0.99), with
    /// q = s+1 small (no quadrature) and q = r+x large (quadrature between v̂ and EULER_MIN_V),
    /// for α < β and α > β.
    #[test]
    fn joined_g_equals_euler_series() {
        let mut checked = 0;
        for (m, x) in [
            (ParetoNbd::new(0.7, 2.0, 0.4, 30.0).unwrap(), 2.0),
            (ParetoNbd::new(0.7, 2.0, 9.0, 400.0).unwrap(), 2.0),
            (ParetoNbd::new(0.7, 30.0, 0.4, 2.0).unwrap(), 0.0),
            (ParetoNbd::new(0.7, 300.0, 0.4, 2.0).unwrap(), 20.0),
        ] {
            let ft = m.frequency_terms(x);
            for y in [0.0, 0.5, 3.0] {
                if ft.v(y) >= EULER_MIN_V || ft.v(y) < 0.01 {
                    continue;
                }
                checked += 1;
                let joined = m.ln_g_rep(&ft, y, Rep::Joined);
                let euler = m.ln_g_euler(m.r + x, y);
                let case = format!("{m:?} x={x} y={y} v={} q={}", ft.v(y), ft.q);
                assert!(
                    (joined.ln_g - euler.ln_g).abs() < 1e-13 * euler.ln_g.abs().max(1.0),
                    "{case}: {joined:?} vs {euler:?}"
                );
                for i in 0..4 {
                    assert!(
                        (joined.d[i] - euler.d[i]).abs() < 1e-10 * (1.0 + euler.d[i].abs()),
                        "{case} [{i}]: {joined:?} vs {euler:?}"
                    );
                }
            }
        }
        assert!(checked >= 6, "{checked}");
    }
}
