//! Log-parameterisation: the optimiser works on θ = ln p, so every positive parameter p is
//! unconstrained.
//!
//! There is no separate time rescaling: on the log scale, changing the time unit only shifts
//! ln α (or ln β) by a constant and leaves the Hessian in θ unchanged, so it cannot improve
//! conditioning. What the time scale does affect is the starting point, which each model's
//! `initial_params` and [`scaled_start`] set from the data's typical T.

/// θ = ln p.
pub fn to_log(params: &[f64]) -> Vec<f64> {
    params.iter().map(|p| p.ln()).collect()
}

/// p = e^θ.
pub fn from_log(theta: &[f64]) -> Vec<f64> {
    theta.iter().map(|t| t.exp()).collect()
}

/// Chain rule ∂f/∂θᵢ = pᵢ ∂f/∂pᵢ for θ = ln p, in place.
pub fn grad_to_log(grad: &mut [f64], params: &[f64]) {
    for (g, p) in grad.iter_mut().zip(params) {
        *g *= p;
    }
}

/// A generic starting point: 1 for dimensionless parameters and `time_scale` raised to the
/// parameter's time dimension otherwise (e.g. α ≈ the typical T).
pub fn scaled_start(time_dimension: &[i32], time_scale: f64) -> Vec<f64> {
    time_dimension.iter().map(|&d| time_scale.powi(d)).collect()
}
