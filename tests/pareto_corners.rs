//! The Pareto/NBD log-likelihood and its gradient at hard-corner parameters, where the Gauss
//! functions of note 009, eqs. (19)–(20), have z close to 1 (β → ∞ with s → 0 on the path of a
//! fit to steady buyers; β or α → 0 under a penalty; huge α or β) or large parameters, against
//! mpmath at 60 digits (tests/data/gen_pareto_corners.py: the closed form of eqs. 18–20 with
//! mpmath's hyp2f1, cross-checked by quadrature of the integral form; the gradient by mpmath's
//! numerical differentiation of it). Not SciPy or lifetimes: they evaluate the same series
//! (and fail in these corners).

mod common;

use btyd::data::{compress, History};
use btyd::models::{LogLikelihood, ParetoNbd};

const SOURCE: &str = "mpmath at 60 digits, tests/data/gen_pareto_corners.py";

/// Absolute error allowed on ln L, times the size of the largest term it is formed from
/// ([`term_size`]): each term is rounded to ~1e-16 relative, and 1e-13 leaves room for the
/// primitive and quadrature sums (each accurate to a few ulps) and their difference. With a
/// homogeneous purchase rate (r = 10⁴, α = 10⁵) ln L ≈ −1 is a sum of terms of ~10⁵ (ln Γ(r),
/// r ln α), so its absolute rounding is ~10⁻¹¹ whatever the Gauss functions' accuracy.
const LN_L_ACC: f64 = 1e-13;

/// Rounding noise of ln L relative to [`term_size`], amplified by 1/h in a difference quotient.
const LN_L_NOISE: f64 = 1e-15;

/// Error allowed on each component of the gradient, relative to max(1, |∂ ln L/∂θ|) in the
/// log-parameters θ = ln p (p ∂ ln L/∂p, the scale the fit works on): the derivatives come
/// from the same sums as the value, with the cancellation of A0 = G(t_x) − G(T) amplified by
/// 1/(1 − G(T)/G(t_x)) when t_x is close to T.
const GRAD_ACC: f64 = 1e-9;

/// Relative step in θ = ln p of the central differences, and the error allowed between them
/// and the analytic gradient (relative to max(1, |∂ ln L/∂θ|)): truncation ~h² ≈ 1e-10 and
/// rounding ~1e-16·|ln L|/h.
const FD_STEP: f64 = 1e-5;
const FD_ACC: f64 = 1e-7;

/// The largest magnitude among the terms ln L is formed from (note 009, eq. 18 in logs):
/// ln Γ(r+x), ln Γ(r), r ln α, s ln β, (r+x) ln(α+T), s ln(β+T), and ln L itself (at least 1).
fn term_size(p: &[f64; 4], h: &History) -> f64 {
    let [r, alpha, s, beta] = *p;
    let lg = |v: f64| term_ln_gamma(v).abs();
    [
        1.0,
        lg(r + h.frequency),
        lg(r),
        (r * alpha.ln()).abs(),
        (s * beta.ln()).abs(),
        ((r + h.frequency) * (alpha + h.age).ln()).abs(),
        (s * (beta + h.age).ln()).abs(),
    ]
    .into_iter()
    .fold(0.0, f64::max)
}

/// ln Γ(v) (statrs, through btyd): only to size the terms, not a reference value.
fn term_ln_gamma(v: f64) -> f64 {
    btyd::special::ln_gamma(v)
}

struct Row {
    params: [f64; 4],
    history: History,
    ln_l: f64,
    grad: [f64; 4],
}

fn rows() -> Vec<Row> {
    let path = format!(
        "{}/tests/data/pareto_corners_mpmath.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Vec<f64> = l
                .split(',')
                .map(|s| s.trim().parse().unwrap_or_else(|e| panic!("{s}: {e}")))
                .collect();
            Row {
                params: [v[0], v[1], v[2], v[3]],
                history: History::new(v[4], v[5], v[6]).expect("valid history"),
                ln_l: v[7],
                grad: [v[8], v[9], v[10], v[11]],
            }
        })
        .collect()
}

fn model(p: &[f64; 4]) -> ParetoNbd {
    ParetoNbd::from_params(p).expect("valid parameters")
}

#[test]
fn ln_likelihood_matches_mpmath() {
    let rows = rows();
    assert!(rows.len() >= 200);
    let mut worst = (0.0f64, String::new());
    let mut failures = Vec::new();
    for row in &rows {
        let got = model(&row.params).ln_likelihood(&row.history);
        let size = term_size(&row.params, &row.history).max(row.ln_l.abs());
        let err = (got - row.ln_l).abs() / size;
        let case = format!("{:?} {:?}", row.params, row.history);
        if err > worst.0 || err.is_nan() {
            worst = (err, case.clone());
        }
        if err.is_nan() || err > LN_L_ACC {
            failures.push(format!("{case}: ln L {got} vs {} ({err:.2e})", row.ln_l));
        }
    }
    println!(
        "ln L vs {SOURCE}: {} cases, worst error {:.3e} at {}",
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
fn gradient_matches_mpmath() {
    let mut worst = (0.0f64, String::new());
    let mut failures = Vec::new();
    for row in &rows() {
        let m = model(&row.params);
        let mut g = [0.0; 4];
        m.ln_likelihood_grad(&row.history, &mut g);
        for (i, ((gi, want_i), p)) in g.iter().zip(row.grad).zip(row.params).enumerate() {
            // On the log scale: p ∂ ln L/∂p.
            let (got, want) = (gi * p, want_i * p);
            let err = (got - want).abs() / want.abs().max(1.0);
            let case = format!("{:?} {:?} [{i}]", row.params, row.history);
            if err > worst.0 || err.is_nan() {
                worst = (err, case.clone());
            }
            if err.is_nan() || err > GRAD_ACC {
                failures.push(format!("{case}: {got} vs {want} ({err:.2e})"));
            }
        }
    }
    println!(
        "gradient vs {SOURCE}: worst error {:.3e} at {}",
        worst.0, worst.1
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The analytic gradient against central differences of our own ln L in θ = ln p, so that the
/// value and the gradient the optimiser sees are consistent where the fit walks (a step
/// crosses the split points between representations of A0 as the parameters move).
#[test]
fn gradient_matches_finite_differences() {
    let mut failures = Vec::new();
    for row in &rows() {
        let m = model(&row.params);
        let mut g = [0.0; 4];
        m.ln_likelihood_grad(&row.history, &mut g);
        for i in 0..4 {
            let at = |d: f64| {
                let mut p = row.params;
                p[i] *= d.exp();
                model(&p).ln_likelihood(&row.history)
            };
            let fd = (at(FD_STEP) - at(-FD_STEP)) / (2.0 * FD_STEP);
            let got = g[i] * row.params[i];
            let noise = LN_L_NOISE * term_size(&row.params, &row.history) / FD_STEP;
            let err = (got - fd).abs() / fd.abs().max(1.0);
            if err.is_nan() || err > FD_ACC + noise {
                failures.push(format!(
                    "{:?} {:?} [{i}]: analytic {got} vs numeric {fd} ({err:.2e})",
                    row.params, row.history
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The batch (which shares terms of A0 between patterns through a cache) equals the sum of
/// the per-customer values and gradients, at every parameter set of the table.
#[test]
fn batch_equals_per_customer_sum() {
    let rows = rows();
    let mut sets: Vec<[f64; 4]> = rows.iter().map(|r| r.params).collect();
    sets.dedup();
    let histories: Vec<History> = rows
        .iter()
        .filter(|r| r.params == sets[0])
        .map(|r| r.history)
        .collect();
    let data = compress(histories.iter().map(|&h| (h, 2.0)));
    for p in &sets {
        let m = model(p);
        let (ll, g) = m.total_ln_likelihood(&data);
        let mut want_g = [0.0; 4];
        let mut want = 0.0;
        for h in &histories {
            let mut gi = [0.0; 4];
            want += 2.0 * m.ln_likelihood_grad(h, &mut gi);
            for (a, b) in want_g.iter_mut().zip(gi) {
                *a += 2.0 * b;
            }
        }
        assert!(
            (ll - want).abs() <= 1e-12 * want.abs(),
            "{p:?}: {ll} vs {want}"
        );
        for i in 0..4 {
            assert!(
                (g[i] - want_g[i]).abs() <= 1e-10 * want_g[i].abs().max(1.0),
                "{p:?} [{i}]: {} vs {}",
                g[i],
                want_g[i]
            );
        }
    }
}

/// ln L and its gradient are finite on a grid of parameters from 10⁻¹² to 10¹² (each of r, α,
/// s, β), for light, heavy and extreme histories: no corner where a Gauss series gives up.
#[test]
fn finite_on_a_grid_of_extreme_parameters() {
    let values = [1e-12, 1e-6, 1e-3, 0.1, 1.0, 10.0, 1e3, 1e6, 1e12];
    let histories = [
        (0.0, 0.0, 26.0),
        (1.0, 1.0 / 7.0, 30.0),
        (2.0, 20.0, 38.86),
        (30.0, 1.0, 40.0),
        (200.0, 37.0, 38.0),
        (1000.0, 5.0, 6.0),
        (5.0, 1e-3, 1e4),
    ]
    .map(|(x, t_x, t)| History::new(x, t_x, t).expect("valid"));
    let mut bad = Vec::new();
    for r in values {
        for alpha in values {
            for s in values {
                for beta in values {
                    let m = model(&[r, alpha, s, beta]);
                    for h in &histories {
                        let mut g = [0.0; 4];
                        let ll = m.ln_likelihood_grad(h, &mut g);
                        if !ll.is_finite() || g.iter().any(|v| !v.is_finite()) {
                            bad.push(format!("({r}, {alpha}, {s}, {beta}) {h:?}: {ll} {g:?}"));
                        }
                    }
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} non-finite:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
