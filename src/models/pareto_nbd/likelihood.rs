//! The likelihood (note 009, eq. 18) in log space with its analytic gradient, and
//! P(alive), which shares its terms.

use std::collections::HashMap;
use std::f64::consts::LN_2;

use super::ParetoNbd;
use crate::data::{History, Patterns};
use crate::error::{Error, Result};
use crate::hash::FxBuildHasher;
use crate::models::{Boundary, LogLikelihood};
use crate::special::hyp2f1_series::ln_hyp2f1_1_series_in_domain;
use crate::special::{digamma, ln_gamma, ln_hyp2f1, log_add_exp, LnHyp2f1Series};

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
    /// c = a+1 and 0 ≤ z < 1), so its form without the domain check is called. When the series
    /// does not converge (within
    /// [`MAX_TERMS`](crate::special::hyp2f1_series::MAX_TERMS) terms), ln H comes from
    /// [`ln_hyp2f1`] and the derivatives are NaN (the fit then reports a numerical error).
    fn ln_g(&self, rx: f64, y: f64) -> LnG {
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
    pub(super) fn ln_p_alive(&self, h: &History) -> f64 {
        let (l1, l2) = self.brace_logs(h);
        l1 - log_add_exp(l1, l2)
    }
}

impl LogLikelihood for ParetoNbd {
    const NAME: &'static str = "Pareto/NBD";
    const PARAM_NAMES: &'static [&'static str] = &["r", "alpha", "s", "beta"];
    type Obs = History;
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
            let pa = m.ln_p_alive(&h).exp();
            assert!(
                ll.is_finite() && (0.0..=1.0).contains(&pa),
                "{m:?}: {ll} {pa}"
            );
            let mut g = [0.0; 4];
            m.ln_likelihood_grad(&h, &mut g);
        }
    }
}
