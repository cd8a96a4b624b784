//! Accurate ratios of gamma functions for real (also negative) arguments.
//!
//! The 1 − z connection formula of ₂F₁ needs Γ(x + δ)/Γ(x) for large x (10⁴ and more) and for
//! δ → 0 (the divided difference [ln Γ(x + δ) − ln Γ(x)]/δ → ψ(x) when c − a − b is close to an
//! integer). Differences of two `ln_gamma` values lose both: the absolute error of ln Γ(10⁴) is
//! about 1e-11, and the difference of two nearly equal values has no relative accuracy at all.
//! Here the difference is computed directly, from the Stirling series (DLMF 5.11.1) written in
//! difference form after shifting the arguments above [`SHIFT_TO`] with the recurrence
//! Γ(y + 1) = y Γ(y) (DLMF 5.5.1).
//!
//! Public through `special`: [`ln_gamma_ratio_positive`] (as `special::ln_gamma_ratio`) and the
//! negative binomial log-probability built on it, [`ln_neg_binomial_pmf`], whose Γ(r+n)/n!
//! the purchase models' P(X(t) = n) need for n up to 10⁶ and beyond.

/// Arguments are shifted up to at least this value before the Stirling series is used.
const SHIFT_TO: f64 = 12.0;

/// B₂ₖ / (2k (2k − 1)) for k = 1..8 (DLMF 5.11.1 coefficients).
const STIRLING: [f64; 8] = [
    1.0 / 12.0,
    -1.0 / 360.0,
    1.0 / 1260.0,
    -1.0 / 1680.0,
    1.0 / 1188.0,
    -691.0 / 360360.0,
    1.0 / 156.0,
    -3617.0 / 122400.0,
];

/// ln(1 + u)/u, equal to 1 at u = 0 (u > −1).
#[inline]
pub(crate) fn ln1p_over(u: f64) -> f64 {
    if u == 0.0 {
        1.0
    } else {
        u.ln_1p() / u
    }
}

/// (eᵗ − 1)/t, equal to 1 at t = 0.
#[inline]
pub(crate) fn expm1_over(t: f64) -> f64 {
    if t == 0.0 {
        1.0
    } else {
        t.exp_m1() / t
    }
}

/// (ln|1 + δ/y| / δ, sign of 1 + δ/y); the limit 1/y when δ = 0.
#[inline]
pub(crate) fn ln_ratio_div(y: f64, delta: f64) -> (f64, f64) {
    if delta == 0.0 {
        return (1.0 / y, 1.0);
    }
    let u = delta / y;
    if u > -1.0 {
        (u.ln_1p() / delta, 1.0)
    } else {
        ((-1.0 - u).ln() / delta, -1.0)
    }
}

/// sin(πx), exact at integers and accurate near them.
pub(crate) fn sin_pi(x: f64) -> f64 {
    let r = x - 2.0 * (x / 2.0).floor(); // [0, 2)
    let (r, s) = if r >= 1.0 { (r - 1.0, -1.0) } else { (r, 1.0) };
    let r = if r > 0.5 { 1.0 - r } else { r };
    s * (std::f64::consts::PI * r).sin()
}

/// Whether x is 0, −1, −2, … (a pole of Γ).
#[inline]
pub(crate) fn is_nonpositive_integer(x: f64) -> bool {
    x <= 0.0 && x == x.round()
}

/// (ln|Γ(x)|, sign Γ(x)) for real x that is not a pole; reflection (DLMF 5.5.3) for x < 0.5.
pub(crate) fn ln_gamma_signed(x: f64) -> (f64, f64) {
    if x >= 0.5 {
        (super::ln_gamma(x), 1.0)
    } else if is_nonpositive_integer(x) {
        (f64::INFINITY, 1.0)
    } else {
        // Γ(x) = π / (sin(πx) Γ(1 − x))
        let s = sin_pi(x);
        (
            std::f64::consts::PI.ln() - s.abs().ln() - super::ln_gamma(1.0 - x),
            s.signum(),
        )
    }
}

/// ([ln|Γ(x + δ)| − ln|Γ(x)|]/δ, sign of Γ(x + δ)/Γ(x)); ψ(x) when δ = 0.
///
/// Neither x nor x + δ may be a pole (the value is then infinite).
///
/// # Numerics
/// Both arguments are shifted to X = x + n ≥ [`SHIFT_TO`] with
/// ```text
/// ln Γ(x + δ) − ln Γ(x) = [ln Γ(X + δ) − ln Γ(X)] − Σⱼ ln|1 + δ/(x + j)|
/// ln Γ(X + δ) − ln Γ(X) = (X − ½) ln(1 + δ/X) + δ ln(X + δ) − δ
///                         + Σₖ cₖ X^(1−2k) [(1 + δ/X)^(1−2k) − 1]
/// ```
/// (DLMF 5.5.1 and 5.11.1, 8 terms, truncation error < 1e-19). Every term is a ln1p or expm1 of δ/X divided by δ, so the result keeps full relative
/// accuracy for tiny δ and large X alike.
pub(crate) fn ln_gamma_ratio_div(x: f64, delta: f64) -> (f64, f64) {
    let lo = x.min(x + delta);
    let n = if lo < SHIFT_TO {
        (SHIFT_TO - lo).ceil() as usize
    } else {
        0
    };
    let mut q = 0.0;
    let mut sign = 1.0;
    for j in 0..n {
        let (l, s) = ln_ratio_div(x + j as f64, delta);
        q -= l;
        sign *= s;
    }
    let big_x = x + n as f64;
    let u = delta / big_x;
    let l1 = ln1p_over(u) / big_x; // ln(1 + δ/X)/δ
    q += (big_x - 0.5) * l1 + (big_x + delta).ln() - 1.0;
    let lp = u.ln_1p();
    let inv_x2 = 1.0 / (big_x * big_x);
    let mut xpow = 1.0 / big_x; // X^(1−2k)
    for (k, ck) in STIRLING.iter().enumerate() {
        let p = 1.0 - 2.0 * (k as f64 + 1.0);
        q += ck * xpow * p * l1 * expm1_over(p * lp);
        xpow *= inv_x2;
    }
    (q, sign)
}

/// (ln|Γ(x + δ)/Γ(x)|, sign), accurate for large x and small δ (see [`ln_gamma_ratio_div`]).
pub(crate) fn ln_gamma_ratio(x: f64, delta: f64) -> (f64, f64) {
    if delta == 0.0 {
        return (0.0, 1.0);
    }
    let (q, s) = ln_gamma_ratio_div(x, delta);
    (q * delta, s)
}

/// ψ(z + d) − ψ(z) for z > 0, d ≥ 0, accurate also when z is huge: above z = 10⁴ from the
/// asymptotic series ψ(z) ~ ln z − 1/(2z) − Σₖ B₂ₖ/(2k z²ᵏ) (DLMF 5.11.2) written in
/// difference form (ln(1 + d/z) by ln_1p, three terms: truncation below 1e-20 relative),
/// where the difference of two digammas would cancel.
pub fn digamma_diff(z: f64, d: f64) -> f64 {
    if z < 1e4 {
        return super::digamma(z + d) - super::digamma(z);
    }
    let w = z + d;
    let inv = |u: f64, k: i32| u.powi(-k);
    (d / z).ln_1p() - 0.5 * (inv(w, 1) - inv(z, 1)) - (inv(w, 2) - inv(z, 2)) / 12.0
        + (inv(w, 4) - inv(z, 4)) / 120.0
}

/// ln[B(p + dp, q + dq)/B(p, q)] for p, q > 0 and dp, dq ≥ 0, accurate also when p and q are
/// huge (a beta mixing distribution collapsing to a point): as
/// ln[Γ(p+dp)/Γ(p)] + ln[Γ(q+dq)/Γ(q)] − ln[Γ(p+q+dp+dq)/Γ(p+q)], each ratio from
/// [`ln_gamma_ratio`], where the difference of two [`super::ln_beta`] values would keep only
/// ~16 − log₁₀ ln Γ(p+q) digits.
pub fn ln_beta_ratio(p: f64, q: f64, dp: f64, dq: f64) -> f64 {
    ln_gamma_ratio(p, dp).0 + ln_gamma_ratio(q, dq).0 - ln_gamma_ratio(p + q, dp + dq).0
}

/// ln B(a, b) for a > 0 and b > 0, accurate also when b is huge: ln Γ(a) − ln[Γ(b+a)/Γ(b)]
/// with the ratio from the Stirling series in difference form
/// ([`ln_gamma_ratio`]), where [`super::ln_beta`]'s difference of two large ln Γ values
/// would keep only ~16 − log₁₀ ln Γ(b) digits.
pub fn ln_beta_large(a: f64, b: f64) -> f64 {
    super::ln_gamma(a) - ln_gamma_ratio(b, a).0
}

/// ln(Γ(x + δ)/Γ(x)) for x > 0 and x + δ > 0 (re-exported as `special::ln_gamma_ratio`).
///
/// # Numerics
/// Computed as a difference directly, from the Stirling series in difference form after
/// shifting both arguments above 12 (DLMF 5.5.1, 5.11.1; see `gamma_ratio.rs`): full relative
/// accuracy for large x, where `ln_gamma(x + δ) − ln_gamma(x)` keeps only the absolute
/// accuracy ~1e-16·x ln x of its terms (1e-9 at x = 10⁶).
///
/// # Examples
/// ```
/// // Γ(10⁶ + ½)/Γ(10⁶) ≈ √(10⁶)·(1 − 1/(8·10⁶)).
/// let l = btyd::special::ln_gamma_ratio(1e6, 0.5);
/// assert!((l - (3.0 * 10f64.ln() - 1.0 / 8e6)).abs() < 1e-14);
/// ```
#[inline]
pub fn ln_gamma_ratio_positive(x: f64, delta: f64) -> f64 {
    debug_assert!(x > 0.0 && x + delta > 0.0);
    ln_gamma_ratio(x, delta).0
}

/// ln of the negative binomial probability Γ(r+n)/(Γ(r) n!) · p^r · q^n (q = 1 − p), given
/// ln p and ln q (computed by the caller so that both keep their relative accuracy, e.g.
/// ln p = −ln1p(t/α), ln q = −ln1p(α/t) for the NBD count of purchases in (0, t]).
///
/// # Numerics
/// ln[Γ(r+n)/n!] = ln[Γ(n+1+(r−1))/Γ(n+1)] by [`ln_gamma_ratio`](super::ln_gamma_ratio) (no cancellation between
/// ln Γ values of size n ln n), and the n ln q term is left out at n = 0 (so q = 0 is allowed).
pub fn ln_neg_binomial_pmf(n: f64, r: f64, ln_p: f64, ln_q: f64) -> f64 {
    let ln_q_term = if n == 0.0 { 0.0 } else { n * ln_q };
    ln_gamma_ratio_positive(n + 1.0, r - 1.0) - super::ln_gamma(r) + r * ln_p + ln_q_term
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_matches_ln_gamma_for_moderate_arguments() {
        for &(x, d) in &[
            (0.3, 0.7),
            (2.5, 1e-9),
            (7.0, -3.2),
            (0.01, 40.0),
            (25.0, 0.5),
        ] {
            let (l, s) = ln_gamma_ratio(x, d);
            let want = super::super::ln_gamma(x + d) - super::super::ln_gamma(x);
            assert_eq!(s, 1.0);
            assert!((l - want).abs() < 1e-13 * (1.0 + want.abs()), "{x} {d}");
        }
        // Γ(−0.5)/Γ(0.5) = −2
        let (l, s) = ln_gamma_ratio(0.5, -1.0);
        assert_eq!(s, -1.0);
        assert!((l - 2f64.ln()).abs() < 1e-15);
        // ψ(1) = −γ
        let (q, _) = ln_gamma_ratio_div(1.0, 0.0);
        assert!((q + 0.577_215_664_901_532_9).abs() < 1e-15);
    }
}
