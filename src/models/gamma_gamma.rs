//! Gamma-Gamma: the spend (monetary value) model.
//!
//! Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: Using Iso-Value Curves for
//! Customer Base Analysis. *Journal of Marketing Research* 42(4), 415–430 (appendix).
//! Fader, P. S. & Hardie, B. G. S. (2013). "The Gamma-Gamma Model of Monetary Value", note 025,
//! <http://brucehardie.com/notes/025/>.
//!
//! # Assumptions
//! The value z_j of each of a customer's x repeat transactions is Gamma(p, rate ν), independent
//! of the others given ν; across customers ν ~ Gamma(q, rate γ). Spend is assumed independent
//! of the transaction process, so the model is fitted on the repeat customers' (x, m̄) alone
//! (x ≥ 1, m̄ = mean of the x repeat transaction values) and combined with any purchase model
//! for CLV (see [`crate::predict::clv`](mod@crate::predict::clv)).
//!
//! | symbol | field | meaning |
//! |---|---|---|
//! | p | `p` | shape of the per-transaction spend distribution |
//! | q | `q` | shape of the distribution of ν across customers |
//! | γ | `v` | rate of the distribution of ν (in money units: E[1/ν] = γ/(q−1)); lifetimes and pymc-marketing call it `v` |
//! | x | [`Spend::frequency`](crate::data::Spend::frequency) | number of repeat transactions |
//! | m̄ (z̄) | [`Spend::monetary_value`](crate::data::Spend::monetary_value) | mean value of the repeat transactions |
//!
//! # Normalisation
//! The likelihood is the density of the **mean** m̄ given x (note 025, eq. 1). The JMR 2005b
//! paper reports the log-likelihood of the total x·m̄, which is lower by Σ ln x; the parameter
//! estimates are the same (on CDNOW: −4055.92 here, −4659.29 in the paper).

use rand::Rng;
use rand_distr::{Distribution, Gamma};

use super::{
    check_positive, distr_error, Boundary, Invariant, LogLikelihood, ModelRole, Process, Role,
    ScaledParam, SpendModel,
};
use crate::data::{Patterns, Spend};
use crate::error::{Error, Result};
use crate::special::{digamma, digamma_diff, ln_beta_large};

/// The Gamma-Gamma model with validated parameters (see the module docs for the symbols).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGamma {
    p: f64,
    q: f64,
    v: f64,
}

/// Terms of the log-density that depend on x only (shared by patterns with the same x).
#[derive(Debug, Clone, Copy)]
struct FrequencyTerms {
    x: f64,
    /// ln B(px, q).
    ln_b: f64,
    /// ψ(px) − ψ(px+q).
    d_px: f64,
    /// ψ(q) − ψ(px+q).
    d_q: f64,
}

impl GammaGamma {
    /// The model's name.
    pub const NAME: &'static str = "Gamma-Gamma";

    /// A Gamma-Gamma model; p, q and v (the papers' γ) must be finite and positive.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the parameter.
    ///
    /// # Examples
    /// ```
    /// use btyd::models::{GammaGamma, SpendModel};
    /// // Fader & Hardie (2013), note 025: CDNOW estimates.
    /// let gg = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
    /// // E(Z) = pγ/(q−1) = $35.22 (note 025).
    /// assert!((gg.mean_spend().unwrap() - 35.22).abs() < 0.005);
    /// assert!(GammaGamma::new(6.25, f64::NAN, 15.44).is_err());
    /// ```
    pub fn new(p: f64, q: f64, v: f64) -> Result<Self> {
        Ok(GammaGamma {
            p: check_positive(Self::NAME, "p", p)?,
            q: check_positive(Self::NAME, "q", q)?,
            v: check_positive(Self::NAME, "v", v)?,
        })
    }

    /// p: shape of the per-transaction spend distribution.
    pub fn p(&self) -> f64 {
        self.p
    }
    /// q: shape of the distribution of the spend rate ν across customers.
    pub fn q(&self) -> f64 {
        self.q
    }
    /// v (the papers' γ): rate of the distribution of ν across customers.
    pub fn v(&self) -> f64 {
        self.v
    }

    /// Whether the population mean spend E(Z) = pγ/(q−1) exists, i.e. q > 1. A fit with q ≤ 1
    /// gives no finite spend prediction for customers without repeat purchases and should not
    /// be used for CLV.
    pub fn has_finite_mean(&self) -> bool {
        self.q > 1.0
    }

    /// Variance of Z across customers, p²γ²/((q−1)²(q−2)) (note 025; docs/reference.md §6.3), when q > 2.
    pub fn spend_variance(&self) -> Option<f64> {
        let GammaGamma { p, q, v } = *self;
        (q > 2.0).then(|| (p * v).powi(2) / ((q - 1.0).powi(2) * (q - 2.0)))
    }

    fn frequency_terms(&self, x: f64) -> FrequencyTerms {
        let px = self.p * x;
        let psi_all = digamma(px + self.q);
        FrequencyTerms {
            x,
            ln_b: ln_beta_large(px, self.q),
            d_px: digamma(px) - psi_all,
            // ψ(q) − ψ(px+q) without cancellation at large q (the spend-homogeneity edge).
            d_q: -digamma_diff(self.q, px),
        }
    }

    /// ln f(m̄ | x) and, optionally, its gradient in (p, q, v).
    ///
    /// # Formula
    /// Fader & Hardie (2013), note 025, eq. (1), the density of the mean spend m̄ given x:
    /// ```text
    /// f(m̄ | p, q, γ; x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q m̄^(px−1) x^(px) / (γ + x m̄)^(px+q)
    /// ```
    /// With s = γ + x m̄:
    /// ```text
    /// ln f = −ln m̄ − ln B(px, q) + q ln(γ/s) + px ln(x m̄/s)
    /// ∂/∂p = x [ln(x m̄/s) − ψ(px) + ψ(px+q)]
    /// ∂/∂q = ln(γ/s) − ψ(q) + ψ(px+q)
    /// ∂/∂γ = q/γ − (px+q)/s
    /// ```
    /// # Numerics
    /// The ratio form above (docs/reference.md §6.3) keeps every power below 1, so nothing
    /// overflows for large x or m̄; ln(γ/s) and ln(x m̄/s) are formed as differences of logs of
    /// the positive terms via ln_1p.
    fn ln_density_terms(&self, ft: &FrequencyTerms, s: &Spend, grad: Option<&mut [f64]>) -> f64 {
        let GammaGamma { p, q, v } = *self;
        let x = ft.x;
        let m = s.monetary_value;
        let xm = x * m;
        let sum = v + xm;
        // ln(γ/s) = −ln(1 + x m̄/γ); ln(x m̄/s) = −ln(1 + γ/(x m̄)).
        let ln_v_s = -(xm / v).ln_1p();
        let ln_xm_s = -(v / xm).ln_1p();
        let px = p * x;
        let ll = -m.ln() - ft.ln_b + q * ln_v_s + px * ln_xm_s;
        if let Some(g) = grad {
            g[0] = x * (ln_xm_s - ft.d_px);
            g[1] = ln_v_s - ft.d_q;
            g[2] = q / v - (px + q) / sum;
        }
        ll
    }

    /// Draws (x, m̄) for customers with the given repeat-purchase counts, by simulating the
    /// Gamma-Gamma story (Fader, Hardie & Lee 2005b; note 025): each customer gets
    /// ν ~ Gamma(q, rate γ), then each of its x transactions z_j ~ Gamma(p, rate ν), and m̄ is
    /// their mean.
    ///
    /// # Errors
    /// [`Error::Simulation`] when a frequency is not a whole number ≥ 1.
    pub fn simulate<R: Rng + ?Sized>(
        &self,
        frequencies: &[f64],
        rng: &mut R,
    ) -> Result<Vec<Spend>> {
        let nu_dist = Gamma::new(self.q, 1.0 / self.v).map_err(distr_error(Self::NAME))?;
        let mut out = Vec::with_capacity(frequencies.len());
        for &x in frequencies {
            if !x.is_finite() || x < 1.0 || x.fract() != 0.0 {
                return Err(Error::Simulation {
                    model: Self::NAME,
                    reason: format!("spend for frequency {x}: need a whole number >= 1"),
                });
            }
            let nu: f64 = nu_dist.sample(rng);
            let z = Gamma::new(self.p, 1.0 / nu).map_err(distr_error(Self::NAME))?;
            let n = x as u64;
            let total: f64 = (0..n).map(|_| z.sample(rng)).sum();
            let m = total / x;
            // A draw can underflow to 0 for extreme parameters; that is not a valid observation.
            out.push(Spend::new(x, m).map_err(|e| Error::Simulation {
                model: Self::NAME,
                reason: e.to_string(),
            })?);
        }
        Ok(out)
    }
}

impl LogLikelihood for GammaGamma {
    const NAME: &'static str = "Gamma-Gamma";
    const PARAM_NAMES: &'static [&'static str] = &["p", "q", "v"];
    type Obs = Spend;
    /// v_i = v₀·exp(γ_s·w_i): ν ~ Gamma(q, rate v), so the mean spend p·v_i/(q−1) is
    /// proportional to exp(γ_s·w_i) and a positive γ_s means customers who spend more.
    const COVARIATE_PARAMS: &'static [ScaledParam] =
        &[ScaledParam::new(Process::Spend, 2, 1, "spend")];
    /// The gamma mixing of the spend scale ν ~ Gamma(q, v) collapsing (q, v → ∞ with q/v
    /// fixed: every customer has the same mean spend p·v/q), or every customer spending the
    /// same amount each time (p → ∞, v → 0 with p·v fixed: no variation around a customer's
    /// own mean, which is p·v/ν' with ν' ~ Gamma(q, 1)).
    const BOUNDARIES: &'static [Boundary] = &[
        Boundary {
            finding: "every customer has the same mean spend",
            direction: &[0, 1, 1],
            limit: "q, v -> infinity",
            nested: None,
            invariant: Some(Invariant {
                name: "p*v/q",
                value: |p| p[0] * p[2] / p[1],
                per_time: 0,
            }),
        },
        Boundary {
            finding: "each customer spends the same amount every time",
            direction: &[1, 0, -1],
            limit: "p -> infinity, v -> 0",
            nested: None,
            invariant: Some(Invariant {
                name: "p*v",
                value: |p| p[0] * p[2],
                per_time: 0,
            }),
        },
    ];

    fn from_params(params: &[f64]) -> Result<Self> {
        match params {
            [p, q, v] => GammaGamma::new(*p, *q, *v),
            _ => Err(Error::ParameterCount {
                model: Self::NAME,
                expected: 3,
                found: params.len(),
            }),
        }
    }

    fn params(&self) -> Vec<f64> {
        vec![self.p, self.q, self.v]
    }

    /// ln f(m̄ | x), note 025 eq. (1); see `ln_density_terms` for the formula.
    fn ln_likelihood(&self, s: &Spend) -> f64 {
        self.ln_density_terms(&self.frequency_terms(s.frequency), s, None)
    }

    fn ln_likelihood_grad(&self, s: &Spend, grad: &mut [f64]) -> f64 {
        self.ln_density_terms(&self.frequency_terms(s.frequency), s, Some(grad))
    }

    /// Shares ln B(px, q) and the digamma terms between consecutive patterns with the same x
    /// (the driver passes patterns sorted by frequency).
    fn ln_likelihood_batch(&self, obs: &[Spend], weights: &[f64], grad: &mut [f64]) -> f64 {
        let mut ft: Option<FrequencyTerms> = None;
        let mut g = [0.0; 3];
        let mut ll = 0.0;
        for (s, &w) in obs.iter().zip(weights) {
            let terms = match ft {
                Some(t) if t.x == s.frequency => t,
                _ => *ft.insert(self.frequency_terms(s.frequency)),
            };
            ll += w * self.ln_density_terms(&terms, s, Some(&mut g));
            for (acc, gi) in grad.iter_mut().zip(g) {
                *acc += w * gi;
            }
        }
        ll
    }

    /// Method of moments, falling back to (p, q, γ) = (1, 3, 2·mean m̄).
    ///
    /// Given x, m̄ | ν has mean p/ν and variance p/(xν²) (a Gamma(px, rate xν) mean), and
    /// E[1/ν] = γ/(q−1), E[1/ν²] = γ²/((q−1)(q−2)). With A = E[m̄], B = E[m̄²], C = E[x m̄²],
    /// h = E\[1/x\] and x̄ = E\[x\] (x independent of ν, as the model assumes) and K = E[1/ν²]:
    /// B = (p h + p²) K and C = (p + p² x̄) K, so p = (C h − B)/(B x̄ − C); then K = B/(p h + p²),
    /// R = K p²/A² = (q−1)/(q−2), q = (2R − 1)/(R − 1), γ = A (q−1)/p.
    fn initial_params(data: &Patterns<Spend>) -> Vec<f64> {
        let n = data.total_weight();
        let mean = |f: &dyn Fn(&Spend) -> f64| {
            data.obs
                .iter()
                .zip(&data.weights)
                .map(|(s, w)| w * f(s))
                .sum::<f64>()
                / n
        };
        let a = mean(&|s| s.monetary_value);
        let b = mean(&|s| s.monetary_value * s.monetary_value);
        let c = mean(&|s| s.frequency * s.monetary_value * s.monetary_value);
        let h = mean(&|s| 1.0 / s.frequency);
        let xbar = mean(&|s| s.frequency);
        let fallback = || {
            let m = if a.is_finite() && a > 0.0 { a } else { 1.0 };
            vec![1.0, 3.0, 2.0 * m]
        };
        let p = (c * h - b) / (b * xbar - c);
        if !(p.is_finite() && p > 0.0) {
            return fallback();
        }
        let k = b / (p * h + p * p);
        let r = k * p * p / (a * a);
        if !(r.is_finite() && r > 1.0) {
            return fallback();
        }
        let q = (2.0 * r - 1.0) / (r - 1.0);
        let v = a * (q - 1.0) / p;
        let start = vec![p, q, v];
        if start.iter().all(|t| t.is_finite() && *t > 1e-6 && *t < 1e6) {
            start
        } else {
            fallback()
        }
    }

    fn time_dimension() -> &'static [i32] {
        &[0, 0, 0]
    }

    /// With q ≤ 1 the mean spend per transaction is infinite.
    fn warnings(&self) -> Vec<String> {
        if self.has_finite_mean() {
            return Vec::new();
        }
        vec![format!(
            "q = {:.4} <= 1: the mean spend per transaction is infinite, so expected spend and \
             CLV are not defined (btyd clv refuses this model unless --force)",
            self.q
        )]
    }
}

impl ModelRole for GammaGamma {
    const ROLE: Role = Role::Spend;
    fn as_spend(&self) -> Option<&dyn SpendModel> {
        Some(self)
    }
}

impl SpendModel for GammaGamma {
    /// E(Z | x, m̄): the posterior mean of the spend per transaction.
    ///
    /// # Formula
    /// Fader, Hardie & Lee (2005b), the conditional expectation of average transaction value
    /// (a weighted average of the population mean and the observed mean); note 025, the
    /// posterior mean of Z given (m̄, x) derived after eq. (1):
    /// ```text
    /// E(Z | p, q, γ; m̄, x) = p (γ + x m̄) / (p x + q − 1)
    ///                      = w · pγ/(q−1) + (1 − w) · m̄,   w = (q−1)/(px+q−1)
    /// ```
    /// For x = 0 (no repeat transaction observed) it is the population mean E(Z) = pγ/(q−1)
    /// and `monetary_value` is ignored.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for a negative or non-integer x, or x ≥ 1 with m̄ not finite and
    /// positive; [`Error::InvalidParameter`] (q) when the population mean does not exist
    /// (x = 0 and q ≤ 1), [`Error::Numerical`] when px + q ≤ 1.
    ///
    /// # Examples
    /// ```
    /// use btyd::models::{GammaGamma, SpendModel};
    /// // lifetimes' CDNOW fit (docs/reference.md §8.1); customer 1: x = 2, m̄ = 22.35.
    /// let gg = GammaGamma::new(6.24880250, 3.74458846, 15.44774806).unwrap();
    /// assert!((gg.expected_spend(2.0, 22.35).unwrap() - 24.65861619).abs() < 1e-6);
    /// ```
    #[doc(alias = "conditional_expected_average_profit")]
    #[doc(alias = "expected_customer_spend")]
    fn expected_spend(&self, frequency: f64, monetary_value: f64) -> Result<f64> {
        let GammaGamma { p, q, v } = *self;
        if frequency == 0.0 {
            return self.mean_spend().ok_or(Error::InvalidParameter {
                model: Self::NAME,
                name: "q",
                value: q,
                reason: "is <= 1: the mean spend of a customer without repeat purchases is \
                         infinite",
            });
        }
        let s = Spend::new(frequency, monetary_value)?;
        let denom = p * s.frequency + q - 1.0;
        if denom <= 0.0 {
            return Err(Error::Numerical {
                what: "Gamma-Gamma conditional mean spend (infinite: p x + q <= 1)",
                inputs: format!("p x + q = {}", denom + 1.0),
            });
        }
        Ok(p * (v + s.frequency * s.monetary_value) / denom)
    }

    /// E(Z) = pγ/(q−1) for q > 1, else `None` (note 025; Fader, Hardie & Lee 2005b): the mean of
    /// p/ν over ν ~ Gamma(q, rate γ).
    fn mean_spend(&self) -> Option<f64> {
        self.has_finite_mean()
            .then(|| self.p * self.v / (self.q - 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_invalid_parameters_naming_them() {
        let table = [
            ((1.0, 2.0, 3.0), None),
            ((f64::NAN, 2.0, 3.0), Some("p")),
            ((0.0, 2.0, 3.0), Some("p")),
            ((1.0, -1.0, 3.0), Some("q")),
            ((1.0, f64::INFINITY, 3.0), Some("q")),
            ((1.0, 2.0, f64::NAN), Some("v")),
            ((1.0, 2.0, 0.0), Some("v")),
            ((1.0, 2.0, f64::NEG_INFINITY), Some("v")),
        ];
        for ((p, q, v), bad) in table {
            match (GammaGamma::new(p, q, v), bad) {
                (Ok(_), None) => {}
                (Err(Error::InvalidParameter { model, name, .. }), Some(b)) => {
                    assert_eq!(model, "Gamma-Gamma");
                    assert_eq!(name, b, "({p}, {q}, {v})");
                }
                (r, b) => panic!("({p}, {q}, {v}): {r:?}, expected failure on {b:?}"),
            }
        }
    }

    /// Note 025 eq. (1) in its printed (non-ratio) form, evaluated by hand:
    /// p = q = γ = x = m̄ = 1: Γ(2)/(Γ(1)Γ(1)) · 1/(1+1)² = 1/4.
    /// p = 2, q = 3, γ = 4, x = 2, m̄ = 1.5: Γ(7)/(Γ(4)Γ(3)) · 4³ · 1.5³ · 2⁴ / 7⁷
    ///   = 60 · 64 · 3.375 · 16 / 823543 = 207360 / 823543.
    #[test]
    fn density_matches_printed_formula() {
        let gg = GammaGamma::new(1.0, 1.0, 1.0).unwrap();
        let ll = gg.ln_likelihood(&Spend::new(1.0, 1.0).unwrap());
        assert!((ll - 0.25f64.ln()).abs() < 1e-14, "{ll}");
        let gg = GammaGamma::new(2.0, 3.0, 4.0).unwrap();
        let ll = gg.ln_likelihood(&Spend::new(2.0, 1.5).unwrap());
        assert!((ll - (207360.0f64 / 823543.0).ln()).abs() < 1e-13, "{ll}");
    }

    #[test]
    fn density_stays_finite_for_extreme_observations() {
        let gg = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
        for (x, m) in [(200.0, 1e6), (1.0, 1e-8), (1000.0, 35.0)] {
            let mut g = [0.0; 3];
            let ll = gg.ln_likelihood_grad(&Spend::new(x, m).unwrap(), &mut g);
            assert!(ll.is_finite() && g.iter().all(|v| v.is_finite()), "{x} {m}");
        }
    }

    #[test]
    fn batch_equals_sum_of_single_terms() {
        let gg = GammaGamma::new(2.5, 3.5, 12.0).unwrap();
        let obs = [
            Spend::new(1.0, 10.0).unwrap(),
            Spend::new(1.0, 20.0).unwrap(),
            Spend::new(3.0, 5.0).unwrap(),
        ];
        let w = [2.0, 1.0, 4.0];
        let mut g = [0.0; 3];
        let ll = gg.ln_likelihood_batch(&obs, &w, &mut g);
        let mut g1 = [0.0; 3];
        let mut gs = [0.0; 3];
        let mut ls = 0.0;
        for (o, wi) in obs.iter().zip(w) {
            ls += wi * gg.ln_likelihood_grad(o, &mut g1);
            for (a, b) in gs.iter_mut().zip(g1) {
                *a += wi * b;
            }
        }
        assert!((ll - ls).abs() < 1e-12 * ls.abs());
        for (a, b) in g.iter().zip(gs) {
            assert!((a - b).abs() < 1e-12 * b.abs().max(1.0));
        }
    }

    #[test]
    fn mean_spend_needs_q_above_one() {
        let gg = GammaGamma::new(2.0, 0.9, 10.0).unwrap();
        assert!(!gg.has_finite_mean());
        assert_eq!(gg.mean_spend(), None);
        assert!(gg.expected_spend(0.0, 0.0).is_err());
        // For repeaters the posterior mean exists as long as px + q > 1.
        assert!((gg.expected_spend(1.0, 5.0).unwrap() - 2.0 * 15.0 / 1.9).abs() < 1e-12);
        let gg = GammaGamma::new(2.0, 3.0, 10.0).unwrap();
        assert_eq!(gg.mean_spend(), Some(10.0));
        assert_eq!(gg.expected_spend(0.0, 0.0).unwrap(), 10.0);
        assert!(gg.expected_spend(1.0, -5.0).is_err());
        assert!(gg.expected_spend(1.5, 5.0).is_err());
    }
}
