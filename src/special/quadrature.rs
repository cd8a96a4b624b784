//! Adaptive Gauss–Kronrod quadrature (7-point Gauss, 15-point Kronrod) for smooth integrands on
//! a finite interval, with an integrable endpoint singularity allowed.
//!
//! The rule is QUADPACK's `qk15` (Piessens, de Doncker-Kapenga, Überhuber & Kahaner 1983,
//! *QUADPACK*, Springer), nodes and weights from that reference. The adaptive strategy is the
//! global one of `qag`: keep the intervals in a list, and bisect the one with the largest error
//! estimate until the summed estimate meets the tolerance. The error estimate of an interval is
//! |K15 − G7|, which for smooth integrands is far larger than the true error of K15.

// The nodes and weights keep QUADPACK's 33 printed digits so they can be checked against it.
#![allow(clippy::excessive_precision)]

use crate::error::{Error, Result};

/// Kronrod nodes on [−1, 1] (non-negative half, descending; the odd indices are the Gauss nodes).
const XGK: [f64; 8] = [
    0.991_455_371_120_812_639_206_854_697_526_329,
    0.949_107_912_342_758_524_526_189_684_047_851,
    0.864_864_423_359_769_072_789_712_788_640_926,
    0.741_531_185_599_394_439_863_864_773_280_788,
    0.586_087_235_467_691_130_294_144_845_693_013,
    0.405_845_151_377_397_166_906_606_412_076_961,
    0.207_784_955_007_898_467_600_689_403_773_245,
    0.0,
];

/// Kronrod weights for `XGK`.
const WGK: [f64; 8] = [
    0.022_935_322_010_529_224_963_732_008_058_970,
    0.063_092_092_629_978_553_290_700_663_189_204,
    0.104_790_010_322_250_183_839_876_322_541_518,
    0.140_653_259_715_525_918_745_189_590_510_238,
    0.169_004_726_639_267_902_826_583_426_598_550,
    0.190_350_578_064_785_409_913_256_402_421_014,
    0.204_432_940_075_298_892_414_161_999_234_649,
    0.209_482_141_084_727_828_012_999_174_891_714,
];

/// Gauss weights for the nodes `XGK[1]`, `XGK[3]`, `XGK[5]`, `XGK[7]`.
const WG: [f64; 4] = [
    0.129_484_966_168_869_693_270_611_432_679_082,
    0.279_705_391_489_276_667_901_467_771_423_780,
    0.381_830_050_505_118_944_950_369_775_488_975,
    0.417_959_183_673_469_387_755_102_040_816_327,
];

/// Tolerances and limits of [`integrate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Relative tolerance on the integral. Defaults to `1e-11`.
    pub relative: f64,
    /// Absolute tolerance on the integral. Defaults to `1e-13`.
    pub absolute: f64,
    /// Most intervals before giving up. Defaults to 500.
    pub max_intervals: usize,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance {
            relative: 1e-11,
            absolute: 1e-13,
            max_intervals: 500,
        }
    }
}

/// (K15 estimate, |K15 − G7|) on [a, b].
fn kronrod15<F: FnMut(f64) -> Result<f64>>(f: &mut F, a: f64, b: f64) -> Result<(f64, f64)> {
    let c = 0.5 * (a + b);
    let h = 0.5 * (b - a);
    let fc = f(c)?;
    let mut k = WGK[7] * fc;
    let mut g = WG[3] * fc;
    for i in 0..7 {
        let d = h * XGK[i];
        let s = f(c - d)? + f(c + d)?;
        k += WGK[i] * s;
        if i % 2 == 1 {
            g += WG[i / 2] * s;
        }
    }
    Ok((k * h, ((k - g) * h).abs()))
}

/// ∫ₐᵇ f(t) dt by globally adaptive Gauss–Kronrod (7, 15) quadrature.
///
/// The integrand is never evaluated at the end points, so an integrable singularity there is
/// allowed (convergence is then slower).
///
/// # Errors
/// Errors of `f`, a non-finite value, or [`Error::Numerical`] when the tolerance is not met
/// within `tol.max_intervals` intervals.
pub fn integrate<F: FnMut(f64) -> Result<f64>>(
    mut f: F,
    a: f64,
    b: f64,
    tol: &Tolerance,
) -> Result<f64> {
    if a == b {
        return Ok(0.0);
    }
    // (a, b, value, error)
    let (v, e) = kronrod15(&mut f, a, b)?;
    let mut parts = vec![(a, b, v, e)];
    loop {
        let total: f64 = parts.iter().map(|p| p.2).sum();
        let err: f64 = parts.iter().map(|p| p.3).sum();
        if !total.is_finite() || !err.is_finite() {
            return Err(Error::Numerical {
                what: "quadrature (non-finite integrand)",
                inputs: format!("[{a}, {b}]"),
            });
        }
        if err <= tol.absolute.max(tol.relative * total.abs()) {
            return Ok(total);
        }
        // An interval too narrow to split further means the tolerance cannot be met.
        let (i, _) = parts
            .iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |best, (i, p)| {
                if p.3 > best.1 {
                    (i, p.3)
                } else {
                    best
                }
            });
        let (lo, hi, _, _) = parts[i];
        let mid = 0.5 * (lo + hi);
        if parts.len() >= tol.max_intervals || mid <= lo || mid >= hi {
            return Err(Error::Numerical {
                what: "quadrature (tolerance not reached)",
                inputs: format!(
                    "[{a}, {b}]: estimate {total} with error {err:e} after {} intervals",
                    parts.len()
                ),
            });
        }
        let (v1, e1) = kronrod15(&mut f, lo, mid)?;
        let (v2, e2) = kronrod15(&mut f, mid, hi)?;
        parts[i] = (lo, mid, v1, e1);
        parts.push((mid, hi, v2, e2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kronrod_is_exact_for_degree_22_and_gauss_for_13() {
        // ∫₀¹ t^k dt = 1/(k+1); K15 is exact to degree 3·7 + 1 = 22, G7 to degree 13.
        for k in [0, 1, 5, 13, 20, 22] {
            let (v, _) = kronrod15(&mut |t: f64| Ok(t.powi(k)), 0.0, 1.0).unwrap();
            assert!((v - 1.0 / (k as f64 + 1.0)).abs() < 1e-15, "k = {k}: {v}");
        }
        let (_, e) = kronrod15(&mut |t: f64| Ok(t.powi(13)), 0.0, 1.0).unwrap();
        assert!(e < 1e-15, "{e}");
        let (_, e) = kronrod15(&mut |t: f64| Ok(t.powi(14)), 0.0, 1.0).unwrap();
        assert!(e > 1e-10, "G7 is not exact at degree 14: {e}");
    }

    #[test]
    fn adaptive_integrals_with_known_values() {
        let tol = Tolerance::default();
        // ∫₀^π sin = 2.
        let v = integrate(|t| Ok(t.sin()), 0.0, std::f64::consts::PI, &tol).unwrap();
        assert!((v - 2.0).abs() < 1e-12, "{v}");
        // ∫₀¹ ln t dt = −1 (end-point singularity).
        let v = integrate(|t| Ok(t.ln()), 0.0, 1.0, &tol).unwrap();
        assert!((v + 1.0).abs() < 1e-9, "{v}");
        // ∫₀¹⁰⁰ e^{−t} dt = 1 − e^{−100}.
        let v = integrate(|t| Ok((-t).exp()), 0.0, 100.0, &tol).unwrap();
        assert!((v - 1.0).abs() < 1e-11, "{v}");
    }

    #[test]
    fn reports_failure() {
        let tol = Tolerance {
            max_intervals: 3,
            ..Tolerance::default()
        };
        assert!(integrate(|t| Ok((50.0 * t).sin()), 0.0, 10.0, &tol).is_err());
        assert!(integrate(|_| Ok(f64::NAN), 0.0, 1.0, &Tolerance::default()).is_err());
    }
}
