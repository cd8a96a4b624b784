//! BG/NBD: the beta-geometric / negative binomial distribution model.
//!
//! Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005a). "Counting Your Customers" the Easy Way:
//! An Alternative to the Pareto/NBD Model. *Marketing Science* 24(2), 275–284.
//!
//! # Assumptions
//! While active, a customer buys at the times of a Poisson process with rate λ; after each
//! repeat purchase the customer drops out with probability p. Across customers
//! λ ~ Gamma(r, rate α) and p ~ Beta(a, b), independently.
//!
//! | symbol | field | meaning |
//! |---|---|---|
//! | r | `r` | shape of the purchase-rate distribution |
//! | α | `alpha` | rate of the purchase-rate distribution (in the time unit: E(λ) = r/α) |
//! | a | `a` | first shape of the dropout-probability distribution |
//! | b | `b` | second shape of the dropout-probability distribution (E(p) = a/(a+b)) |
//!
//! # Equations
//! Equation numbers refer to the 2005a paper; P(alive) is from Fader, Hardie & Lee (2008),
//! "Computing P(alive) Using the BG/NBD Model" (note 021). For a customer with x repeat
//! purchases, the last at t_x, observed until T:
//!
//! ```text
//! (6)  L = A1·A2·(A3 + δ_{x>0}·A4),  A1 = Γ(r+x)α^r/Γ(r),  A2 = B(a, b+x)/B(a, b),
//!      A3 = (α+T)^−(r+x),  A4 = a/(b+x−1)·(α+t_x)^−(r+x)
//! (7)  E[X(t)] = (a+b−1)/(a−1)·[1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))]
//! (8)  P(X(t) = n) = B(a, b+n)/B(a, b)·NB_n + δ_{n>0}·B(a+1, b+n−1)/B(a, b)·[1 − Σ_{j<n} NB_j],
//!      NB_j = Γ(r+j)/(Γ(r) j!)·(α/(α+t))^r (t/(α+t))^j
//! (10) E[Y(t) | x, t_x, T] = P(alive)·(a+b+x−1)/(a−1)·
//!          [1 − ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
//! note 021, eq. 2:  P(alive | x, t_x, T) = 1 / (1 + δ_{x>0}·a/(b+x−1)·((α+T)/(α+t_x))^{r+x})
//! ```
//!
//! # Numerical variant
//! The implementation is the one BG/NBD shares with MBG/NBD, [`BetaGeometricNbd`] with the
//! [`AfterRepeat`] dropout rule (`bg_nbd_family.rs`). The log-likelihood is evaluated in the
//! stable form of Hardie's note 027 ("Overcoming the BG/NBD Model's #NUM! Error Problem", 2013),
//! ln L = ln A1 + ln A2 + ln A3 + softplus(ln(A4/A3)), with A1 and A2 as ratios of gamma
//! functions computed directly (no cancellation when the mixings collapse); P(alive) as a
//! logistic of the log-odds, with ln((α+T)/(α+t_x)) by ln1p; E[Y(t) | x, t_x, T] after Euler's
//! transformation (DLMF 15.8.1) of its ₂F₁, so no parameter grows with x; the bracket of eq.
//! (8) as the regularised incomplete beta I_{t/(α+t)}(n, r) ([`crate::special::beta_reg`]).
//!
//! # Examples
//! ```
//! use btyd::data::History;
//! use btyd::models::{BgNbd, LogLikelihood, PurchaseModel};
//! // The paper's estimates and CDNOW customer 1 (x 2, t_x 30.43, T 38.86 weeks): Hardie's Excel
//! // sheet gives E[Y(39)] = 1.226, note 021 P(alive) = 0.7266.
//! let m = BgNbd::new(0.243, 4.414, 0.793, 2.426)?;
//! let c = History::new(2.0, 30.43, 38.86)?;
//! assert!((m.expected_purchases(&c, 39.0)? - 1.226).abs() < 5e-4);
//! assert!((m.p_alive(&c) - 0.7266).abs() < 5e-5);
//! assert_eq!(m.p_alive(&History::new(0.0, 0.0, 38.86)?), 1.0);
//! assert_eq!(<BgNbd as LogLikelihood>::NAME, "BG/NBD");
//! # Ok::<(), btyd::Error>(())
//! ```

use super::bg_nbd_family::{sealed, BetaGeometricNbd, DropoutVariant};

/// BG/NBD's dropout rule: a customer may drop out only after a repeat purchase, so one with x
/// repeat purchases has had x dropout opportunities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterRepeat {}

impl sealed::Sealed for AfterRepeat {
    const TYPE_NAME: &'static str = "BgNbd";
}

impl DropoutVariant for AfterRepeat {
    const NAME: &'static str = "BG/NBD";
    const DROPOUT_AT_START: bool = false;
}

/// The BG/NBD model with validated parameters (see the module docs for the symbols and
/// equations, [`BetaGeometricNbd`] for the methods).
pub type BgNbd = BetaGeometricNbd<AfterRepeat>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::History;
    use crate::error::Error;
    use crate::models::{LogLikelihood, PurchaseModel};
    use crate::special::{ln_beta, ln_gamma};

    #[test]
    fn names_and_errors_name_bg_nbd() {
        assert_eq!(BgNbd::NAME, "BG/NBD");
        assert_eq!(<BgNbd as LogLikelihood>::NAME, "BG/NBD");
        let m = BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap();
        assert_eq!(m.name(), "BG/NBD");
        assert_eq!(
            format!("{m:?}"),
            "BgNbd { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }"
        );
        assert_eq!(m.params(), [m.r(), m.alpha(), m.a(), m.b()]);
        assert_eq!(BgNbd::from_params(&m.params()).unwrap(), m);
        let e = BgNbd::new(1.0, 1.0, 0.0, 1.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid BG/NBD parameter a = 0: must be positive"
        );
        let e = BgNbd::from_params(&[1.0, 2.0, 3.0]).unwrap_err();
        assert!(matches!(
            e,
            Error::ParameterCount {
                model: "BG/NBD",
                expected: 4,
                found: 3
            }
        ));
        assert_eq!(e.to_string(), "BG/NBD takes 4 parameters, got 3");
    }

    /// The likelihood against a direct evaluation of eq. (6) with plain exponentials, where
    /// nothing overflows; for x = 0 only the A3 term remains.
    #[test]
    fn likelihood_matches_equation_6() {
        let (r, alpha, a, b) = (0.243, 4.414, 0.793, 2.426);
        let m = BgNbd::new(r, alpha, a, b).unwrap();
        for (x, t_x, t) in [(0.0, 0.0, 30.0), (2.0, 30.43, 38.86), (7.0, 12.0, 20.0)] {
            let h = History::new(x, t_x, t).unwrap();
            let a1 = (ln_gamma(r + x) - ln_gamma(r)).exp() * alpha.powf(r);
            let a2 = (ln_beta(a, b + x) - ln_beta(a, b)).exp();
            let a3 = (alpha + t).powf(-(r + x));
            let a4 = if x > 0.0 {
                a / (b + x - 1.0) * (alpha + t_x).powf(-(r + x))
            } else {
                0.0
            };
            let direct = a1 * a2 * (a3 + a4);
            assert!((m.ln_likelihood(&h) - direct.ln()).abs() < 1e-12, "{h:?}");
        }
    }
}
