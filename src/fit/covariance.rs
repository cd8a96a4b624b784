//! Standard errors from the observed information: Hessian at the optimum, its inverse, and the
//! delta method from log-parameters back to the natural scale.

// Small dense matrices: index loops read like the textbook formulas.
#![allow(clippy::needless_range_loop)]

use crate::error::{Error, Result};

/// z-value of a two-sided 95% normal interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// Hessian of a function of θ by central differences of its analytic gradient, symmetrised.
///
/// Column j is (∇f(θ + h eⱼ) − ∇f(θ − h eⱼ)) / 2h with h = 1e-5·max(1, |θⱼ|); the error is
/// O(h²) relative to the third derivatives, far below the sampling error it feeds.
pub fn hessian_from_gradient(
    theta: &[f64],
    mut gradient: impl FnMut(&[f64]) -> Result<Vec<f64>>,
) -> Result<Vec<Vec<f64>>> {
    let k = theta.len();
    let mut h = vec![vec![0.0; k]; k];
    let mut th = theta.to_vec();
    for j in 0..k {
        let step = 1e-5 * theta[j].abs().max(1.0);
        th[j] = theta[j] + step;
        let gp = gradient(&th)?;
        th[j] = theta[j] - step;
        let gm = gradient(&th)?;
        th[j] = theta[j];
        for i in 0..k {
            h[i][j] = (gp[i] - gm[i]) / (2.0 * step);
        }
    }
    for i in 0..k {
        for j in 0..i {
            let m = 0.5 * (h[i][j] + h[j][i]);
            h[i][j] = m;
            h[j][i] = m;
        }
    }
    Ok(h)
}

/// Inverse of a symmetric positive-definite matrix by Cholesky decomposition; an error when the
/// matrix is not positive definite (the optimum is then not a strict maximum).
pub fn invert_spd(m: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
    let k = m.len();
    // Cholesky: m = L Lᵀ.
    let l = crate::special::cholesky(m).ok_or_else(|| Error::Numerical {
        what: "covariance (information matrix not positive definite)",
        inputs: format!("{m:?}"),
    })?;
    // Inverse of L (lower triangular), then m⁻¹ = L⁻ᵀ L⁻¹.
    let mut li = vec![vec![0.0; k]; k];
    for i in 0..k {
        li[i][i] = 1.0 / l[i][i];
        for j in 0..i {
            let s: f64 = (j..i).map(|p| l[i][p] * li[p][j]).sum();
            li[i][j] = -s / l[i][i];
        }
    }
    let mut inv = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..=i {
            let s: f64 = (i..k).map(|p| li[p][i] * li[p][j]).sum();
            inv[i][j] = s;
            inv[j][i] = s;
        }
    }
    Ok(inv)
}

/// Delta method for θ = ln p: Cov(p) = D Cov(θ) D with D = diag(p).
pub fn delta_log_to_natural(cov_theta: &[Vec<f64>], params: &[f64]) -> Vec<Vec<f64>> {
    cov_theta
        .iter()
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .enumerate()
                .map(|(j, c)| params[i] * c * params[j])
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverts_a_spd_matrix() {
        let m = vec![
            vec![4.0, 1.0, 0.5],
            vec![1.0, 3.0, 0.2],
            vec![0.5, 0.2, 2.0],
        ];
        let inv = invert_spd(&m).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let prod: f64 = (0..3).map(|p| m[i][p] * inv[p][j]).sum();
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((prod - want).abs() < 1e-14, "({i},{j}) {prod}");
            }
        }
    }

    #[test]
    fn rejects_an_indefinite_matrix() {
        let m = vec![vec![1.0, 2.0], vec![2.0, 1.0]];
        assert!(matches!(invert_spd(&m), Err(Error::Numerical { .. })));
    }

    #[test]
    fn hessian_of_a_quadratic_is_exact() {
        // f = x² + 3xy + 2y², ∇f = (2x + 3y, 3x + 4y).
        let h = hessian_from_gradient(&[0.3, -1.2], |t| {
            Ok(vec![2.0 * t[0] + 3.0 * t[1], 3.0 * t[0] + 4.0 * t[1]])
        })
        .unwrap();
        let want = [[2.0, 3.0], [3.0, 4.0]];
        for i in 0..2 {
            for j in 0..2 {
                assert!((h[i][j] - want[i][j]).abs() < 1e-8);
            }
        }
    }
}
