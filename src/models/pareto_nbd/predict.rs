//! Predictions: E[X(t)], E[Y(t) | x, t_x, T], P(alive), P(X(t) = n) and the closed-form DERT.

use super::ParetoNbd;
use crate::data::History;
use crate::error::{Error, Result};
use crate::models::{check_horizon, ModelRole, PurchaseModel, Role};
use crate::special::quadrature::{integrate, Tolerance};
use crate::special::{
    ln_hyp2f1, ln_hyp2f1_1_series, ln_neg_binomial_pmf, ln_tricomi_u_ss, log1m_exp, log1p_exp,
};

impl ParetoNbd {
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
    /// [`Error::InvalidOption`] unless δ is finite and positive; [`Error::Numerical`] when U
    /// or P(alive) cannot be evaluated.
    ///
    /// # Examples
    /// ```
    /// use btyd::data::History;
    /// use btyd::models::ParetoNbd;
    /// // Published 39-week CDNOW parameters, a customer with no repeat purchase observed for
    /// // 77.86 weeks, δ = 0.0027 per week: DERT ≈ 0.182 (docs/reference.md §4).
    /// let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap();
    /// let d = m.dert(&History::new(0.0, 0.0, 77.86).unwrap(), 0.0027).unwrap();
    /// assert!((d - 0.182).abs() < 5e-4);
    /// ```
    #[doc(alias = "discounted_expected_residual_transactions")]
    pub fn dert(&self, h: &History, delta: f64) -> Result<f64> {
        if !(delta.is_finite() && delta > 0.0) {
            return Err(Error::InvalidOption {
                name: "discount rate δ",
                value: delta.to_string(),
                reason: "must be finite and positive for an infinite horizon".into(),
            });
        }
        let ParetoNbd { r, alpha, s, beta } = *self;
        let ln_pa = self.ln_p_alive_prediction(h);
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

    /// ln P(alive | x, t_x, T) for the predictions: the likelihood's own form (`ln_p_alive`,
    /// shared with the fit) while its rounding error in the log-odds, ~ε·[(r+x)|ln(α+T)| +
    /// s|ln(β+T)|], is below [`LIKELIHOOD_FORM_MAX_ERROR`] (x up to ~30 at T = 1e6, ~110 at
    /// T = 39), the ratio form of [`Self::ln_p_alive_ratio_form`] beyond. NaN if a Gauss series
    /// cannot be evaluated.
    fn ln_p_alive_prediction(&self, h: &History) -> f64 {
        let scale = (self.r + h.frequency) * (self.alpha + h.age).ln().abs()
            + self.s * (self.beta + h.age).ln().abs();
        if scale * f64::EPSILON <= LIKELIHOOD_FORM_MAX_ERROR {
            self.ln_p_alive(h)
        } else {
            self.ln_p_alive_ratio_form(h)
        }
    }

    /// ln P(alive | x, t_x, T), accurate to ~1e-15 in the log-odds for any x; NaN if a Gauss
    /// series cannot be evaluated.
    ///
    /// # Formula
    /// Note 009, eqs. (36)–(37): P(alive) = 1 / (1 + e^ℓ) with the log-odds
    /// ```text
    /// ℓ = ln[s/(r+s+x)] + ln A0 + (r+x) ln(α+T) + s ln(β+T),   A0 = G(t_x) − G(T)   (eqs. 19–20)
    /// ```
    /// and, after Euler's transformation of the ₂F₁ (DLMF 15.8.1; see the likelihood's `ln_g`),
    /// with H(p, c; z) = ₂F₁(1, p; c; z), a = r+s+x:
    /// ```text
    /// α ≥ β:  G(y) = (α+y)^−(r+x) (β+y)^−s · H(r+x, a+1; (α−β)/(α+y))
    /// α < β:  G(y) = (α+y)^−(r+x−1) (β+y)^−(s+1) · H(s+1, a+1; (β−α)/(β+y))
    /// ```
    /// # Numerics
    /// ℓ is formed from the logarithms of the ratios, L_α = ln((α+T)/(α+t_x)) and
    /// L_β = ln((β+T)/(β+t_x)), each as ln1p((T − t_x)/(· + t_x)); e.g. for α ≥ β
    /// ```text
    /// ln G(t_x) + (r+x) ln(α+T) + s ln(β+T) = (r+x) L_α + s L_β + ln H(t_x)
    /// d = ln G(T) − ln G(t_x) = −(r+x) L_α − s L_β + ln H(T) − ln H(t_x),   ln A0 = ln G(t_x) + ln(1 − e^d)
    /// ```
    /// The likelihood's form (`ln_p_alive`) subtracts logarithms of size (r+x)·ln(α+T), whose
    /// rounding is a relative error of up to 1e-6 in P(alive) at x = 1e9; here every term is of
    /// the size of the result. At t_x = T, A0 = 0 and P(alive) = 1.
    fn ln_p_alive_ratio_form(&self, h: &History) -> f64 {
        if h.recency >= h.age {
            return 0.0;
        }
        let ParetoNbd { r, alpha, s, beta } = *self;
        let x = h.frequency;
        let a = r + s + x;
        let gap = h.age - h.recency;
        let l_alpha = (gap / (alpha + h.recency)).ln_1p();
        let l_beta = (gap / (beta + h.recency)).ln_1p();
        let ln_h = |p: f64, z: f64| {
            ln_hyp2f1_1_series(p, a + 1.0, z)
                .map(|v| v.ln_f)
                .or_else(|| ln_hyp2f1(1.0, p, a + 1.0, z).ok().map(|v| v.0))
                .unwrap_or(f64::NAN)
        };
        // (ln G(t_x) + (r+x) ln(α+T) + s ln(β+T), d)
        let (g_tx, d) = if alpha >= beta {
            let (h_tx, h_t) = (
                ln_h(r + x, (alpha - beta) / (alpha + h.recency)),
                ln_h(r + x, (alpha - beta) / (alpha + h.age)),
            );
            let powers = (r + x) * l_alpha + s * l_beta;
            (powers + h_tx, h_t - h_tx - powers)
        } else {
            let (h_tx, h_t) = (
                ln_h(s + 1.0, (beta - alpha) / (beta + h.recency)),
                ln_h(s + 1.0, (beta - alpha) / (beta + h.age)),
            );
            let powers = (r + x - 1.0) * l_alpha + (s + 1.0) * l_beta;
            let logs = (alpha + h.age).ln() - (beta + h.age).ln();
            (powers + logs + h_tx, h_t - h_tx - powers)
        };
        if d.is_nan() || g_tx.is_nan() {
            return f64::NAN;
        }
        if d >= 0.0 {
            // A0 = 0 to rounding (t_x indistinguishable from T).
            return 0.0;
        }
        let log_odds = s.ln() - a.ln() + g_tx + log1m_exp(d);
        -log1p_exp(log_odds)
    }
}

/// Largest rounding error in the log-odds of P(alive) for which the likelihood's form is used
/// in predictions (see `ParetoNbd::ln_p_alive_prediction`).
const LIKELIHOOD_FORM_MAX_ERROR: f64 = 1e-13;

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

/// The interval of (−∞, `end`] on which a unimodal log-density `ln_f` is within e^−60 of its
/// largest value, and where that value is: (lo, hi, argmax). Steps out from `start` (clamped
/// to `end`) by doubling distances, tracking the largest value seen, until ln f has fallen 60
/// below it (or `end` is reached on the right); the argmax is the best point seen.
fn bell_support<F: Fn(f64) -> f64>(ln_f: F, start: f64, end: f64) -> (f64, f64, f64) {
    const DROP: f64 = 60.0;
    let y0 = start.min(end);
    let (mut top, mut y_top) = (ln_f(y0), y0);
    let mut hi = y0;
    let mut step = 1e-3 * (1.0 + y0.abs());
    while hi < end {
        hi = (hi + step).min(end);
        let v = ln_f(hi);
        if v > top {
            (top, y_top) = (v, hi);
        }
        if v < top - DROP {
            break;
        }
        step *= 2.0;
    }
    let mut lo = y0;
    let mut step = 1e-3 * (1.0 + y0.abs());
    loop {
        lo -= step;
        let v = ln_f(lo);
        if v > top {
            (top, y_top) = (v, lo);
        }
        if v < top - DROP || !v.is_finite() {
            break;
        }
        step *= 2.0;
    }
    (lo, hi, y_top)
}

impl ModelRole for ParetoNbd {
    const ROLE: Role = Role::Purchase;
    fn as_purchase(&self) -> Option<&dyn PurchaseModel> {
        Some(self)
    }
}

impl PurchaseModel for ParetoNbd {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    /// P(Y(t) = n | x, t_x, T): see the inherent `conditional_pmf_values` (at the end of this
    /// file).
    fn conditional_pmf(&self, h: &History, horizon: f64, max_n: u64) -> Option<Result<Vec<f64>>> {
        Some(self.conditional_pmf_values(h, horizon, max_n))
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
    /// // E[X(52)] = 1.47311 at BTYD's CDNOW estimates (docs/reference.md §2.6, [R]).
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
    /// [`PurchaseModel::expected_purchases_new`], and P(alive) as in [`PurchaseModel::p_alive`].
    ///
    /// # Errors
    /// An invalid horizon; [`Error::Numerical`] if P(alive) cannot be evaluated.
    #[doc(alias = "conditional_expected_number_of_purchases_up_to_time")]
    fn expected_purchases(&self, h: &History, horizon: f64) -> Result<f64> {
        let t = check_horizon(horizon)?;
        let ParetoNbd { r, alpha, s, beta } = *self;
        let ln_pa = self.ln_p_alive_prediction(h);
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
    /// evaluated in logs so that neither A0 nor the powers overflow, and for large x from the
    /// logarithms of the ratios (α+T)/(α+t_x) and (β+T)/(β+t_x) (see the private
    /// `ln_p_alive_ratio_form`: accurate to ~1e-14 relative at x = 1e9, where the difference of
    /// logarithms of size (r+x) ln(α+T) lost up to 2e-6); exactly 1 when t_x = T. NaN only if a
    /// Gauss series fails to converge.
    #[doc(alias = "conditional_probability_alive")]
    #[doc(alias = "expected_probability_alive")]
    fn p_alive(&self, h: &History) -> f64 {
        self.ln_p_alive_prediction(h).exp()
    }

    /// P(X(t) = n) for a new customer.
    ///
    /// # Formula
    /// The expression Fader & Hardie's note 012 derives its closed form from (notes 012/013;
    /// docs/reference.md §6.2): n purchases while alive throughout (0, t], or n purchases by the
    /// time τ ≤ t of dying,
    /// ```text
    /// P(X(t)=n) = NB_n(t) (β/(β+t))^s + ∫₀ᵗ NB_n(τ) s β^s (β+τ)^−(s+1) dτ,
    /// NB_n(τ) = Γ(r+n)/(Γ(r) n!)·(α/(α+τ))^r (τ/(α+τ))^n
    /// ```
    /// (the lifetime density s β^s (β+τ)^−(s+1) is the exponential one averaged over
    /// μ ~ Gamma(s, β)). With u = τ/(α+τ) the integral is
    /// ```text
    /// Γ(r+n)/(Γ(r) n!) · s α β^s ∫₀^q uⁿ (1−u)^(r+s−1) (β(1−u) + αu)^−(s+1) du,   q = t/(α+t),
    /// ```
    /// which note 012 writes as B1 − Σ_{i=0}^{n} (…) B2_i with n + 2 Gauss functions.
    ///
    /// # Numerics
    /// The closed form costs n + 2 ₂F₁ evaluations and its brace is a difference of nearly
    /// equal terms (all digits lost once n is in the thousands), so the integral is computed
    /// instead, by adaptive Gauss–Kronrod quadrature ([`integrate`], relative tolerance 1e-11)
    /// in the logit y = ln(u/(1−u)), where (du = u(1−u) dy)
    /// ```text
    /// ln f(y) = (n+1) ln u + (r+s) ln(1−u) − (s+1) ln(β(1−u) + αu),   y ≤ ln(t/α)
    /// ```
    /// is a smooth bell with exponential tails (rates n+1 on the left, r+s on the right) whatever
    /// n, t and the parameters, unlike the integrand in u, which is a spike of width 1/n or has
    /// its mass against u = 0 or u = q. The integral runs over the part of (−∞, ln(t/α)] where
    /// f is within e^−60 of its largest value (found by doubling steps from the mode of the
    /// beta part, ln((n+1)/(r+s))), with f scaled by that value; ln u = −ln1p(e^−y) and
    /// ln(1−u) = −ln1p(e^y) keep their relative accuracy at both ends, and the prefactor is
    /// formed in logs (Γ(r+n)/n! by [`ln_neg_binomial_pmf`]). The cost does not depend on n.
    ///
    /// # Errors
    /// An invalid horizon; [`Error::Numerical`] if the quadrature does not converge.
    #[doc(alias = "probability_of_n_purchases_up_to_time")]
    fn p_purchases(&self, n: u64, horizon: f64) -> Result<f64> {
        let t = check_horizon(horizon)?;
        if t == 0.0 {
            return Ok(if n == 0 { 1.0 } else { 0.0 });
        }
        let ParetoNbd { r, alpha, s, beta } = *self;
        let nf = n as f64;
        let ln_nb = ln_neg_binomial_pmf(nf, r, -(t / alpha).ln_1p(), -(alpha / t).ln_1p());
        let first = (ln_nb - s * (t / beta).ln_1p()).exp();
        // ln(β(1−u) + αu) = ln(β + α e^y) − ln(1 + e^y)
        let ln_mix = |y: f64| {
            if y > 0.0 {
                y + (alpha + beta * (-y).exp()).ln()
            } else {
                (beta + alpha * y.exp()).ln()
            }
        } - log1p_exp(y);
        let ln_f = |y: f64| -> f64 {
            -(nf + 1.0) * log1p_exp(-y) - (r + s) * log1p_exp(y) - (s + 1.0) * ln_mix(y)
        };
        let (lo, hi, y_top) = bell_support(ln_f, ((nf + 1.0) / (r + s)).ln(), (t / alpha).ln());
        let (top, mix_top) = (ln_f(y_top), ln_mix(y_top));
        // ln f(y) − ln f(y_top), with u/u_top = 1 + (1−u)·expm1(d) and
        // (1−u)/(1−u_top) = 1 + u·expm1(−d), d = y − y_top: (n+1)·ln(u/u_top) keeps its relative
        // accuracy where (n+1)·(ln u − ln u_top) would carry the rounding of (n+1)·ln u.
        let ln_rel = |y: f64| -> f64 {
            let d = y - y_top;
            let (u, one_minus_u) = ((-log1p_exp(-y)).exp(), (-log1p_exp(y)).exp());
            (nf + 1.0) * (one_minus_u * d.exp_m1()).ln_1p() + (r + s) * (u * (-d).exp_m1()).ln_1p()
                - (s + 1.0) * (ln_mix(y) - mix_top)
        };
        let integral = integrate(
            |y| Ok(ln_rel(y).exp()),
            lo,
            hi,
            &Tolerance {
                absolute: 0.0,
                ..Tolerance::default()
            },
        )?;
        // Γ(r+n)/(Γ(r) n!) · s α β^s, times the scale e^top taken out of the integrand.
        let ln_coef = ln_neg_binomial_pmf(nf, r, 0.0, 0.0) + s.ln() + alpha.ln() + s * beta.ln();
        Ok(first + (ln_coef + top).exp() * integral)
    }

    /// The closed form of [`ParetoNbd::dert`] (JMR 2005b, eq. 2).
    fn dert_closed_form(&self, history: &History, delta: f64) -> Option<Result<f64>> {
        Some(self.dert(history, delta))
    }
}

/// P(Y(t) = n | x, t_x, T), the conditional distribution of the number of purchases in
/// (T, T + t] (see [`PurchaseModel::conditional_pmf`]).
impl ParetoNbd {
    /// P(Y(t) = n | x, t_x, T) for n = 0..=`max_n` (see [`PurchaseModel::conditional_pmf`]).
    ///
    /// # Errors
    /// An invalid horizon; numerical failures of P(X(t) = n) or P(alive).
    ///
    /// # Formula
    /// Fader & Hardie, "Deriving the Conditional PMF of the Pareto/NBD Model" (note 028,
    /// eq. 6): active at T, λ and μ are a posteriori independent, Gamma(r+x, α+T) and
    /// Gamma(s, β+T), and the future is a new customer's, so
    /// ```text
    /// P(Y(t)=n | x, t_x, T) = δ_{n=0}(1 − P(alive)) + P(alive)·P_{Pareto/NBD(r+x, α+T, s, β+T)}(X(t)=n)
    /// ```
    /// with P(X(t) = n) of note 012 (see [`PurchaseModel::p_purchases`]) and P(alive) of
    /// note 009, eqs. 36–37.
    /// # Numerics
    /// Note 028 expands the second term into n + 2 Gauss functions; here it is
    /// [`PurchaseModel::p_purchases`] at the posterior parameters, whose quadrature in the
    /// logit keeps full accuracy for any n (see there).
    pub fn conditional_pmf_values(
        &self,
        h: &History,
        horizon: f64,
        max_n: u64,
    ) -> Result<Vec<f64>> {
        let t = check_horizon(horizon)?;
        let active = ParetoNbd::new(
            self.r + h.frequency,
            self.alpha + h.age,
            self.s,
            self.beta + h.age,
        )?;
        let p_alive = self.p_alive(h);
        if p_alive.is_nan() {
            return Err(self.numerical("P(alive)", h));
        }
        crate::models::conditional_pmf_from(p_alive, max_n, |n| active.p_purchases(n, t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Invalid discount rates and horizons are errors.
    #[test]
    fn rejects_invalid_arguments() {
        let m = ParetoNbd::new(1.0, 1.0, 1.0, 1.0).unwrap();
        let h = History::new(1.0, 0.5, 1.0).unwrap();
        for delta in [0.0, -0.1, f64::NAN, f64::INFINITY] {
            match m.dert(&h, delta) {
                Err(Error::InvalidOption { name, value, .. }) => {
                    assert_eq!((name, value), ("discount rate δ", delta.to_string()))
                }
                other => panic!("expected InvalidOption for δ = {delta}, got {other:?}"),
            }
        }
        assert!(m.expected_purchases_new(-1.0).is_err());
    }

    /// The ratio form of P(alive) agrees with the likelihood's form where the latter is accurate
    /// (ordinary x), on both branches of A0 (α < β: the published CDNOW estimates; α > β) and
    /// for α = β; the predictions switch between the two at x ≈ 30–110.
    #[test]
    fn p_alive_forms_agree_for_ordinary_customers() {
        for m in [
            ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap(),
            ParetoNbd::new(2.5, 0.8, 3.2, 0.45).unwrap(),
            ParetoNbd::new(0.7, 5.0, 1.3, 5.0).unwrap(),
        ] {
            for (x, t_x, age) in [
                (0.0, 0.0, 38.86),
                (1.0, 1.71, 38.86),
                (2.0, 30.43, 38.86),
                (7.0, 29.43, 38.86),
                (30.0, 38.0, 38.86),
                (100.0, 77.0, 77.86),
                (14.0, 77.859, 77.86),
                (5.0, 3.0, 1000.0),
            ] {
                let h = History::new(x, t_x, age).unwrap();
                let (a, b) = (m.ln_p_alive(&h), m.ln_p_alive_ratio_form(&h));
                // Absolute on ln P: the likelihood's form itself carries ~ε·(r+x)·ln(α+T).
                assert!(
                    (a - b).abs() <= 1e-12 * a.abs().max(1.0),
                    "{m:?} {h:?}: {a} vs {b}"
                );
            }
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
