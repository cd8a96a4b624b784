//! Special functions against reference values from mpmath 1.3 at 40 digits
//! (tests/data/gen_hyp2f1.py; each 2F1 value was cross-checked by mpmath at 50 digits).
//! Not SciPy: SciPy's hyp2f1 uses the same transformations as ours, so it would agree with us
//! rather than check us.

use btyd::special::{hyp2f1, ln_hyp2f1, ln_tricomi_u_ss, ln_upper_gamma};

/// Relative error allowed on F where |F| is representable in f64.
const HYP2F1_RELATIVE_ACC: f64 = 1e-12;
/// Absolute error allowed on ln|F| (times max(1, |ln F|)) where |F| overflows f64.
const HYP2F1_LOG_ACC: f64 = 1e-12;
/// Relative error allowed on Γ(s, x) (compared as |Δ ln Γ| ≤ tol · max(1, |ln Γ|)).
const UPPER_GAMMA_ACC: f64 = 1e-12;

const SOURCE: &str = "mpmath 1.3 at 40 digits, tests/data/gen_hyp2f1.py";

fn read_rows(name: &str) -> Vec<Vec<String>> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|s| s.trim().to_string()).collect())
        .collect()
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or_else(|e| panic!("bad number {s}: {e}"))
}

#[test]
fn hyp2f1_matches_mpmath() {
    let rows = read_rows("hyp2f1_mpmath.csv");
    assert!(rows.len() > 200);
    let mut worst = (0.0f64, String::new());
    let mut failures = Vec::new();
    for r in &rows {
        let (a, b, c, z) = (num(&r[0]), num(&r[1]), num(&r[2]), num(&r[3]));
        let (want_ln, want_sign) = (num(&r[4]), num(&r[5]));
        let case = format!("2F1({a}, {b}; {c}; {z})");
        let (got_ln, got_sign) = match ln_hyp2f1(a, b, c, z) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{case}: error {e}"));
                continue;
            }
        };
        if got_sign != want_sign {
            failures.push(format!("{case}: sign {got_sign} vs {want_sign}"));
            continue;
        }
        // Relative error of F itself: |exp(Δ ln F) − 1|; for huge |ln F| the log tolerance.
        let dl = got_ln - want_ln;
        let (err, tol) = if want_ln.abs() < 700.0 {
            (dl.exp_m1().abs(), HYP2F1_RELATIVE_ACC)
        } else {
            (dl.abs() / want_ln.abs().max(1.0), HYP2F1_LOG_ACC)
        };
        if err > worst.0 {
            worst = (err, case.clone());
        }
        if err > tol {
            failures.push(format!(
                "{case}: error {err:.2e} (ln F {got_ln} vs {want_ln})"
            ));
        }
        if want_ln.abs() < 700.0 {
            let v = hyp2f1(a, b, c, z).unwrap_or_else(|e| panic!("{case}: {e}"));
            assert!(v.is_finite());
        }
    }
    println!(
        "hyp2f1 vs {SOURCE}: {} cases, worst relative error {:.3e} at {}",
        rows.len(),
        worst.0,
        worst.1
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn upper_gamma_matches_mpmath() {
    let rows = read_rows("upper_gamma_mpmath.csv");
    assert!(rows.len() >= 70);
    let mut worst = (0.0f64, String::new());
    let mut failures = Vec::new();
    for r in &rows {
        let (s, x, want) = (num(&r[0]), num(&r[1]), num(&r[2]));
        let case = format!("Γ({s}, {x})");
        match ln_upper_gamma(s, x) {
            Ok(got) => {
                let err = (got - want).abs() / want.abs().max(1.0);
                if err > worst.0 {
                    worst = (err, case.clone());
                }
                if err > UPPER_GAMMA_ACC {
                    failures.push(format!("{case}: ln {got} vs {want}, error {err:.2e}"));
                }
            }
            Err(e) => failures.push(format!("{case}: error {e}")),
        }
    }
    println!(
        "ln_upper_gamma vs {SOURCE}: {} cases, worst error {:.3e} at {}",
        rows.len(),
        worst.0,
        worst.1
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn tricomi_u_equal_parameters() {
    // mpmath.hyperu(s, s, z) at 40 digits (snippet: mp.log(mp.hyperu(s, s, z))).
    // U(1, 1; z) = e^z E1(z); U(s, s; z) = e^z Γ(1 − s, z).
    let cases = [
        (1.0, 2.0, 2.0 + (0.048_900_510_708_061_12f64).ln()), // E1(2) = 0.04890051070806112
        (
            0.5,
            0.25,
            0.25 + (std::f64::consts::PI.sqrt() * libm_erfc_sqrt(0.25)).ln(),
        ),
    ];
    for (s, z, want) in cases {
        let got = ln_tricomi_u_ss(s, z).unwrap();
        assert!(
            (got - want).abs() < 1e-13,
            "U({s},{s};{z}): {got} vs {want}"
        );
    }
    assert!(ln_tricomi_u_ss(0.0, 1.0).is_err());
    assert!(ln_tricomi_u_ss(1.0, -1.0).is_err());
}

/// erfc(√x) for x = 0.25 from mpmath: erfc(0.5) = 0.4795001221869534623...
/// (Γ(1/2, x) = √π erfc(√x), DLMF 8.4.6.)
fn libm_erfc_sqrt(x: f64) -> f64 {
    assert_eq!(x, 0.25);
    0.479_500_122_186_953_5
}

/// ψ(z + d) − ψ(z) and ln B(a, b) at huge z and b, where differences of two large values would
/// keep few digits (the spend-homogeneity edge of Gamma-Gamma, issue 10): mpmath 1.3 at 50
/// digits (`mp.digamma(z + d) - mp.digamma(z)`, `mp.log(mp.beta(a, b))`, rounded to f64),
/// 1e-12 relative.
#[test]
fn digamma_difference_and_ln_beta_hold_their_digits_at_huge_arguments() {
    use btyd::special::{digamma_diff, ln_beta_large};
    let digamma_cases = [
        (1e4, 3.5, 3.499_562_587_480_864e-4),
        (2e5, 0.7, 3.500_002_624_998_25e-6),
        (1e8, 12.0, 1.199_999_934_000_005e-7),
        (4e9, 31.0, 7.749_999_970_937_5e-9),
        (1e12, 2.0, 1.999_999_999_999e-12),
        (5.0, 2.5, 0.440_639_815_814_286_3),
    ];
    for (z, d, want) in digamma_cases {
        let got = digamma_diff(z, d);
        assert!(
            ((got - want) / want).abs() < 1e-12,
            "psi diff {z} {d}: {got} vs {want}"
        );
    }
    let beta_cases = [
        (12.0, 1e4, -93.028_374_089_291_3),
        (3.5, 2e8, -65.697_424_155_321_01),
        (40.0, 1e12, -998.609_084_377_278_5),
        (0.7, 3.0, -0.474_057_899_573_776),
        (2.0, 5e15, -72.296_428_614_689_57),
    ];
    for (a, b, want) in beta_cases {
        let got = ln_beta_large(a, b);
        assert!(
            ((got - want) / want).abs() < 1e-12,
            "ln B({a}, {b}): {got} vs {want}"
        );
    }
}
