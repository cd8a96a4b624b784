//! Gauss hypergeometric function ₂F₁(a, b; c; z) for real arguments.

use crate::error::Result;

/// ₂F₁(a, b; c; z).
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64> {
    let (l, s) = ln_hyp2f1(a, b, c, z)?;
    Ok(s * l.exp())
}

/// (ln |₂F₁(a, b; c; z)|, sign of ₂F₁).
pub fn ln_hyp2f1(_a: f64, _b: f64, _c: f64, _z: f64) -> Result<(f64, f64)> {
    todo!("being written")
}
