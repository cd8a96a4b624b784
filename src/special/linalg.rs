//! The one piece of dense linear algebra the crate needs: the Cholesky factor of a small
//! symmetric positive-definite matrix (the information matrix of a fit, a covariance to draw
//! from).

/// The lower Cholesky factor L of a symmetric positive-definite matrix (L Lᵀ = m), from its
/// lower triangle; `None` when `m` is not positive definite (a pivot ≤ 0 or not finite).
pub fn cholesky(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let k = m.len();
    let mut l = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..=i {
            let s: f64 = m[i][j] - (0..j).map(|p| l[i][p] * l[j][p]).sum::<f64>();
            if i == j {
                if !s.is_finite() || s <= 0.0 {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    Some(l)
}
