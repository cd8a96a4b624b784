//! The Gauss function ₂F₁(1, p; c; z) with its derivatives in p, c and z, from one pass of a
//! series of positive terms.
//!
//! ₂F₁(a, b; a+1; z), the form in which the Pareto/NBD likelihood's Gauss functions appear, is
//! by its Euler transform (DLMF 15.8.1)
//! ```text
//! ₂F₁(a, b; a+1; z) = (1 − z)^(1−b) · ₂F₁(1, a+1−b; a+1; z),   0 ≤ z < 1,
//! ```
//! a function with first parameter 1, whose series has positive, decreasing terms whenever
//! 0 < p ≤ c. Its parameter derivatives come from the same terms, which the general
//! [`ln_hyp2f1`](super::ln_hyp2f1) does not provide (docs/reference.md §6.6;
//! `DEPENDENCIES.md` §4).

/// Largest number of terms [`ln_hyp2f1_1_series`] sums before it gives up (`None`). Reached
/// only for z within about 10⁻⁵ of 1 (for Pareto/NBD: max(α, β)/min(α, β) of order 10⁵ or more).
pub const MAX_TERMS: usize = 200_000;

/// Relative size of the bound on a remainder at which summation stops (below ½ ulp).
pub const TAIL_RTOL: f64 = 1e-17;

/// ln F and its partial derivatives for F(p, c; z) = ₂F₁(1, p; c; z), from
/// [`ln_hyp2f1_1_series`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LnHyp2f1Series {
    /// ln ₂F₁(1, p; c; z).
    pub ln_f: f64,
    /// ∂ ln F / ∂p.
    pub d_p: f64,
    /// ∂ ln F / ∂c.
    pub d_c: f64,
    /// ∂ ln F / ∂z.
    pub d_z: f64,
}

/// Sums F(p, c; z) = ₂F₁(1, p; c; z) = Σₖ (p)ₖ/(c)ₖ zᵏ for 0 < p ≤ c and 0 ≤ z < 1, with its
/// logarithmic derivatives in p, c and z.
///
/// # Formula
/// ```text
/// tₖ = Π_{j<k} (p+j) z/(c+j),  F = Σ_{k≥0} tₖ,
/// ∂F/∂p = Σ tₖ Σ_{j<k} 1/(p+j),  ∂F/∂c = −Σ tₖ Σ_{j<k} 1/(c+j),  ∂F/∂z = Σ k tₖ / z,
/// ```
/// returned as ln F and ∂ ln F = ∂F / F. With p = a+1−b and c = a+1 this is the Euler
/// transform of ₂F₁(a, b; a+1; z) (DLMF 15.8.1, see the module docs).
///
/// # Numerics
/// Every term is positive and tₖ₊₁/tₖ = (p+k)z/(c+k) ≤ z, so no term overflows and no
/// cancellation occurs. Summation stops when rigorous bounds on the remainders of all four
/// sums (geometric in z, with Σ_{j<k} 1/(p+j) growing by at most 1/(p+k) per term) fall below
/// [`TAIL_RTOL`] of the partial sums. The number of terms grows like 1/(1 − z).
///
/// Returns `None` outside the domain (including NaN arguments) and when the series has not
/// converged within [`MAX_TERMS`] terms; [`ln_hyp2f1`](super::ln_hyp2f1) (which has a 1 − z
/// connection formula) then still gives the value, without derivatives.
///
/// # Examples
/// ```
/// use btyd::special::ln_hyp2f1_1_series;
/// // ₂F₁(1, p; p; z) = 1/(1 − z).
/// let f = ln_hyp2f1_1_series(2.5, 2.5, 0.5).unwrap();
/// assert!((f.ln_f - 2f64.ln()).abs() < 1e-15);
/// assert!((f.d_z - 2.0).abs() < 1e-14);
/// assert!(ln_hyp2f1_1_series(3.0, 2.0, 0.5).is_none());
/// ```
#[inline]
pub fn ln_hyp2f1_1_series(p: f64, c: f64, z: f64) -> Option<LnHyp2f1Series> {
    if !(p > 0.0 && c >= p && (0.0..1.0).contains(&z)) {
        return None;
    }
    ln_hyp2f1_1_series_in_domain(p, c, z)
}

/// [`ln_hyp2f1_1_series`] without its domain check, for callers whose arguments are in the
/// domain (0 < p ≤ c, 0 ≤ z < 1) by construction, such as the Pareto/NBD likelihood, which
/// calls it millions of times per fit. Outside the domain the result is unspecified (debug
/// builds panic).
///
/// Kept out of line, so that the loop is compiled the same whatever the caller.
#[inline(never)]
pub(crate) fn ln_hyp2f1_1_series_in_domain(p: f64, c: f64, z: f64) -> Option<LnHyp2f1Series> {
    debug_assert!(p > 0.0 && c >= p && (0.0..1.0).contains(&z));
    // mₖ = tₖ / z (so that z = 0 needs no division), m₁ = p/c.
    let mut m = p / c;
    let (mut h, mut hp, mut hc, mut hz) = (1.0, 0.0, 0.0, 0.0);
    let (mut sp, mut sc) = (0.0, 0.0);
    let one_m_z = 1.0 - z;
    for k in 1..=MAX_TERMS {
        let kf = k as f64;
        sp += 1.0 / (p + kf - 1.0);
        sc += 1.0 / (c + kf - 1.0);
        let t = z * m;
        h += t;
        hp += t * sp;
        hc += t * sc;
        hz += kf * m;
        // Remainder bounds: t_{k+i} ≤ tₖ zⁱ, S(k+i) ≤ S(k) + i/(p+k).
        let geo = z / one_m_z;
        let rem_h = t * geo;
        let rem_p = t * (sp * geo + geo / (one_m_z * (p + kf)));
        let rem_c = t * (sc * geo + geo / (one_m_z * (c + kf)));
        let rem_z = m * (kf * geo + geo / one_m_z);
        if rem_h <= TAIL_RTOL * h
            && rem_p <= TAIL_RTOL * hp
            && rem_c <= TAIL_RTOL * hc
            && rem_z <= TAIL_RTOL * hz
        {
            return Some(LnHyp2f1Series {
                ln_f: h.ln(),
                d_p: hp / h,
                d_c: -hc / h,
                d_z: hz / h,
            });
        }
        m *= (p + kf) * z / (c + kf);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::special::ln_hyp2f1;

    /// The value against the general ₂F₁ (which sums either series or uses a connection
    /// formula, independently of this code).
    #[test]
    fn value_matches_ln_hyp2f1() {
        for &(p, c, z) in &[
            (0.3, 0.9, 0.0),
            (1.5, 2.7, 0.3),
            (27.0, 28.9, 0.8),
            (1.6, 301.0, 0.95),
            (500.0, 501.0, 0.999),
            (0.7, 1e4 + 1.0, 0.5),
        ] {
            let (want, sign) = ln_hyp2f1(1.0, p, c, z).unwrap();
            assert_eq!(sign, 1.0);
            let got = ln_hyp2f1_1_series(p, c, z).unwrap().ln_f;
            assert!(
                (got - want).abs() <= 1e-13 * want.abs().max(1.0),
                "({p}, {c}, {z}): {got} vs {want}"
            );
        }
    }

    /// Through the identity the series is used for:
    /// ₂F₁(a, b; a+1; z) = (1 − z)^(1−b) ₂F₁(1, a+1−b; a+1; z).
    #[test]
    fn euler_transform_matches_ln_hyp2f1() {
        for &(a, b, z) in &[
            (1.159, 1.606, 0.0),
            (1.159, 1.606, 0.05),
            (27.2, 1.606, 0.3),
            (27.2, 26.55, 0.7),
            (500.3, 1.2, 0.999),
            (3.2, 2.5, 0.9),
            (1e4, 0.7, 0.5),
            (1e4, 9999.5, 0.95),
        ] {
            let (want, sign) = ln_hyp2f1(a, b, a + 1.0, z).unwrap();
            assert_eq!(sign, 1.0);
            let f = ln_hyp2f1_1_series(a + 1.0 - b, a + 1.0, z).unwrap();
            let got = (1.0 - b) * (-z).ln_1p() + f.ln_f;
            assert!(
                (got - want).abs() <= 1e-13 * want.abs().max(1.0),
                "({a}, {b}, {z}): {got} vs {want}"
            );
        }
    }

    /// The derivatives against central differences of ln ₂F₁(1, p; c; z) (one-sided in z at 0).
    #[test]
    fn derivatives_match_finite_differences() {
        for &(p, c, z) in &[
            (1.5, 2.7, 0.3),
            (27.0, 28.9, 0.8),
            (1.6, 301.0, 0.95),
            (0.3, 0.9, 0.0),
        ] {
            let f = ln_hyp2f1_1_series(p, c, z).unwrap();
            let ln_f = |p: f64, c: f64, z: f64| ln_hyp2f1(1.0, p, c, z).unwrap().0;
            let e = 1e-6;
            let fd_p = (ln_f(p + e, c, z) - ln_f(p - e, c, z)) / (2.0 * e);
            let fd_c = (ln_f(p, c + e, z) - ln_f(p, c - e, z)) / (2.0 * e);
            let fd_z =
                (ln_f(p, c, z + e) - ln_f(p, c, (z - e).max(0.0))) / (z + e - (z - e).max(0.0));
            for (got, want) in [(f.d_p, fd_p), (f.d_c, fd_c), (f.d_z, fd_z)] {
                assert!(
                    (got - want).abs() < 1e-6 * want.abs().max(1.0),
                    "({p}, {c}, {z}): {got} vs {want}"
                );
            }
        }
    }

    /// c = p: F = 1/(1 − z) and ∂ ln F/∂z = 1/(1 − z); ∂ ln F/∂p = −∂ ln F/∂c there, since
    /// the terms depend on p and c only through (p)ₖ/(c)ₖ.
    #[test]
    fn geometric_case_is_exact() {
        for &(p, z) in &[(0.5, 0.0), (2.0, 0.25), (40.0, 0.9)] {
            let f = ln_hyp2f1_1_series(p, p, z).unwrap();
            assert!((f.ln_f + (-z).ln_1p()).abs() < 1e-14, "{p} {z}: {f:?}");
            assert!(
                (f.d_z - 1.0 / (1.0 - z)).abs() < 1e-13 / (1.0 - z),
                "{p} {z}: {f:?}"
            );
            assert!(
                (f.d_p + f.d_c).abs() < 1e-13 * f.d_p.abs().max(1.0),
                "{p} {z}: {f:?}"
            );
        }
    }

    /// `None` outside the domain and when z is too close to 1 for [`MAX_TERMS`] terms.
    #[test]
    fn none_outside_domain_or_without_convergence() {
        for &(p, c, z) in &[
            (0.0, 1.0, 0.5),
            (-1.0, 1.0, 0.5),
            (2.0, 1.0, 0.5),
            (1.0, 2.0, 1.0),
            (1.0, 2.0, -0.1),
            (f64::NAN, 2.0, 0.5),
            (1.0, f64::NAN, 0.5),
            (1.0, 2.0, f64::NAN),
        ] {
            assert!(ln_hyp2f1_1_series(p, c, z).is_none(), "({p}, {c}, {z})");
        }
        assert!(ln_hyp2f1_1_series(3.5, 5.1, 1.0 - 1e-9).is_none());
        assert!(ln_hyp2f1_1_series_in_domain(3.5, 5.1, 1.0 - 1e-9).is_none());
    }

    /// Inside the domain the unchecked form is the checked one.
    #[test]
    fn unchecked_form_is_the_checked_one() {
        for &(p, c, z) in &[
            (0.3, 0.9, 0.0),
            (1.5, 2.7, 0.3),
            (2.0, 2.0, 0.6),
            (1.6, 301.0, 0.95),
        ] {
            assert_eq!(
                ln_hyp2f1_1_series_in_domain(p, c, z),
                ln_hyp2f1_1_series(p, c, z)
            );
        }
    }
}
