//! Pareto/NBD: the Pareto (exponential–gamma) dropout / negative binomial purchase model.
//!
//! Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting Your Customers: Who Are
//! They and What Will They Do Next? *Management Science* 33(1), 1–24 (SMC).
//! Fader, P. S. & Hardie, B. G. S. (2005). "A Note on Deriving the Pareto/NBD Model and Related
//! Expressions", note 009, <http://brucehardie.com/notes/009/> (likelihood, P(alive),
//! expectations; the equation numbers below are the note's, as lifetimes'
//! `pareto_nbd_fitter.py` cites them: LL eq. 18 with A0 eqs. 19–20, P(alive) eqs. 36–37,
//! E[X(t)] eq. 27, E[Y(t) | x, t_x, T] eq. 41).
//! Fader, P. S. & Hardie, B. G. S. (2006/2014). "Deriving an Expression for P(X(t) = x) Under the
//! Pareto/NBD Model", notes 012/013, <http://brucehardie.com/notes/012/>.
//! Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: Using Iso-Value Curves for
//! Customer Base Analysis. *Journal of Marketing Research* 42(4), 415–430 (DERT, eq. 2).
//!
//! # Assumptions
//! While alive, a customer buys at the times of a Poisson process with rate λ; the customer's
//! unobserved lifetime is exponential with rate μ. Across customers λ ~ Gamma(r, rate α) and
//! μ ~ Gamma(s, rate β), independently.
//!
//! | symbol | field | meaning |
//! |---|---|---|
//! | r | `r` | shape of the purchase-rate distribution |
//! | α | `alpha` | rate of the purchase-rate distribution (in the time unit: E\[λ\] = r/α) |
//! | s | `s` | shape of the dropout-rate distribution |
//! | β | `beta` | rate of the dropout-rate distribution (in the time unit: E\[μ\] = s/β) |
//!
//! Customer data: x repeat purchases, the last at t_x (recency), observed for T (age).
//!
//! # Numerical variant
//! The likelihood is evaluated entirely in logarithms (lifetimes issue #25: A0 overflows for
//! x > 300). The Gauss functions of the likelihood, ₂F₁(a, b; a+1; z) with a = r+s+x, are summed
//! by the series of their Euler transform (DLMF 15.8.1,
//! [`ln_hyp2f1_1_series`](crate::special::ln_hyp2f1_1_series))
//! ```text
//! ₂F₁(a, b; a+1; z) = (1 − z)^(1−b) · ₂F₁(1, a+1−b; a+1; z),   0 ≤ z < 1,
//! ```
//! whose terms are all positive and decreasing, so that ln ₂F₁ and its derivatives in the
//! parameters come from the same pass (docs/reference.md §6.6; `DEPENDENCIES.md` §4). That
//! series needs ~1/(1 − z) terms; where z is close to 1 (max(α, β) ≫ min(α, β) + t_x, as when
//! β → ∞ for customers who never drop out), A0 comes instead from its integral form
//! ∫ v^−p (1+v)^−q dv by a binomial-series primitive or quadrature
//! ([`crate::special::beta_prime`]), so every evaluation takes bounded time (see
//! `likelihood.rs`). P(X(t) = n) is the integral over the time of death, by quadrature (note
//! 012's closed form, a difference of n + 2 nearly equal Gauss-function terms, loses every digit
//! for n in the thousands), P(alive) for predictions a ratio form in the logs of (α+T)/(α+t_x)
//! and (β+T)/(β+t_x), and the DERT uses [`crate::special::ln_tricomi_u_ss`].
//!
//! # Layout
//! This file holds the type, its constructor and getters; `likelihood.rs` the likelihood with
//! its gradient (the [`LogLikelihood`](crate::models::LogLikelihood) impl) and P(alive);
//! `predict.rs` the [`PurchaseModel`](crate::models::PurchaseModel) impl and the closed-form
//! DERT; `simulate.rs` the simulator. `predict.rs` uses `likelihood.rs` (P(alive)); nothing
//! else depends on a sibling.

mod likelihood;
mod predict;
mod simulate;

use super::nbd::{no_dropout, same_purchase_rate};
use super::{check_positive, Boundary, Invariant};
use crate::error::Result;

/// Where the Pareto/NBD likelihood can be highest at the edge of its parameter space: no
/// dropout (μ ~ Gamma(s, β) collapsing to 0 as s → 0 or β → ∞: the NBD), the same dropout rate
/// μ = s/β for everyone (s, β → ∞), the same purchase rate for everyone (r, α → ∞).
const BOUNDARIES: &[Boundary] = &[
    no_dropout(&[0, 0, -1, 0], "s -> 0"),
    no_dropout(&[0, 0, 0, 1], "beta -> infinity"),
    Boundary {
        finding: "every customer has the same dropout rate",
        direction: &[0, 0, 1, 1],
        limit: "s, beta -> infinity",
        nested: None,
        invariant: Some(Invariant {
            name: "s/beta",
            value: |p| p[2] / p[3],
            per_time: -1,
        }),
    },
    same_purchase_rate(&[1, 1, 0, 0]),
];

/// The Pareto/NBD model with validated parameters (see the module docs for the symbols).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParetoNbd {
    r: f64,
    alpha: f64,
    s: f64,
    beta: f64,
}

impl ParetoNbd {
    /// The model's name.
    pub const NAME: &'static str = "Pareto/NBD";

    /// A Pareto/NBD model; every parameter must be finite and positive.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crate::Error::InvalidParameter) naming the first parameter
    /// that is NaN, infinite or ≤ 0.
    ///
    /// # Examples
    /// ```
    /// use btyd::models::ParetoNbd;
    /// assert!(ParetoNbd::new(0.553, 10.578, 0.606, 11.669).is_ok());
    /// assert!(ParetoNbd::new(0.553, -1.0, 0.606, 11.669).is_err());
    /// ```
    pub fn new(r: f64, alpha: f64, s: f64, beta: f64) -> Result<Self> {
        Ok(ParetoNbd {
            r: check_positive(Self::NAME, "r", r)?,
            alpha: check_positive(Self::NAME, "alpha", alpha)?,
            s: check_positive(Self::NAME, "s", s)?,
            beta: check_positive(Self::NAME, "beta", beta)?,
        })
    }

    /// r: shape of the purchase-rate distribution.
    pub fn r(&self) -> f64 {
        self.r
    }
    /// α: rate of the purchase-rate distribution.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// s: shape of the dropout-rate distribution.
    pub fn s(&self) -> f64 {
        self.s
    }
    /// β: rate of the dropout-rate distribution.
    pub fn beta(&self) -> f64 {
        self.beta
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    /// Construction: valid values accepted, each invalid one rejected with its name.
    #[test]
    fn rejects_invalid_parameters() {
        assert!(ParetoNbd::new(0.553, 10.578, 0.606, 11.669).is_ok());
        for ([r, alpha, s, beta], name) in [
            ([f64::NAN, 1.0, 1.0, 1.0], "r"),
            ([1.0, 0.0, 1.0, 1.0], "alpha"),
            ([1.0, 1.0, -0.5, 1.0], "s"),
            ([1.0, 1.0, 1.0, f64::INFINITY], "beta"),
        ] {
            match ParetoNbd::new(r, alpha, s, beta) {
                Err(Error::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
                other => panic!("expected InvalidParameter for {name}, got {other:?}"),
            }
        }
    }
}
