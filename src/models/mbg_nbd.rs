//! MBG/NBD: the modified beta-geometric / negative binomial distribution model.
//!
//! Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and comparison of
//! models for customer base analysis. *International Journal of Research in Marketing* 24(3),
//! 201–209. The same model is Hoppe & Wagner's (2007) CBG/NBD ("Customer base analysis: The
//! case for a central variant of the Betageometric/NBD model", *Marketing — Journal of Research
//! and Management* 3(2), 75–90); the conditional expectation printed in Batislam et al. is
//! corrected in Wagner, U. & Hoppe, D. (2008), "Erratum on the MBG/NBD model", *IJRM* 25(3),
//! 225–226, whose form is used here.
//!
//! # Assumptions
//! As BG/NBD (Fader, Hardie & Lee 2005a): while active, a customer buys at the times of a
//! Poisson process with rate λ, and drops out with probability p at each dropout opportunity;
//! λ ~ Gamma(r, rate α) and p ~ Beta(a, b) across customers, independently. The one difference:
//! a customer may also drop out at time 0, right after the first purchase, so a customer with x
//! repeat purchases has had x + 1 dropout opportunities, and P(alive) < 1 even when x = 0.
//!
//! | symbol | field | meaning |
//! |---|---|---|
//! | r | `r` | shape of the purchase-rate distribution |
//! | α | `alpha` | rate of the purchase-rate distribution (in the time unit: E(λ) = r/α) |
//! | a | `a` | first shape of the dropout-probability distribution |
//! | b | `b` | second shape of the dropout-probability distribution (E(p) = a/(a+b)) |
//!
//! # Equations
//! Batislam et al. (2007) (docs/reference.md §6.4), with the conditional expectation as corrected
//! by Wagner & Hoppe (2008); NB_j = Γ(r+j)/(Γ(r) j!)·(α/(α+t))^r (t/(α+t))^j:
//!
//! ```text
//! L = Γ(r+x)α^r/Γ(r) · { B(a, b+x+1)/B(a, b)·(α+T)^−(r+x) + B(a+1, b+x)/B(a, b)·(α+t_x)^−(r+x) }
//! P(alive | x, t_x, T) = 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^{r+x})
//! E[X(t)] = b/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))]
//! P(X(t) = n) = B(a, b+n+1)/B(a, b)·NB_n + B(a+1, b+n)/B(a, b)·[1 − Σ_{j<n} NB_j]
//! E[Y(t) | x, t_x, T] = P(alive)·(a+b+x)/(a−1)·
//!     [1 − ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x+1; a+b+x; t/(α+T+t))]      (Wagner & Hoppe 2008)
//! ```
//!
//! # Numerical variant
//! Every formula is BG/NBD's with x + 1 dropout opportunities instead of x: the implementation
//! is the one MBG/NBD shares with BG/NBD, [`BetaGeometricNbd`] with the [`AlsoAtStart`] dropout
//! rule (`bg_nbd_family.rs`). The log-likelihood is evaluated in the stable form of Hardie's
//! note 027 (softplus of the log ratio of the two terms), P(alive) as a logistic of the
//! log-odds, and the expectations after Euler's transformation of their ₂F₁, as for BG/NBD
//! (see [`crate::models::bg_nbd`]). The formulas
//! are those of docs/reference.md §6.4; equation numbers of the 2007 paper are not cited because
//! its text was not available to us.
//!
//! # Examples
//! ```
//! use btyd::data::History;
//! use btyd::models::{MbgNbd, PurchaseModel};
//! // The CDNOW MLE (lifetimes' fit) and CDNOW customer 1 (x 2, t_x 213/7, T 272/7 weeks);
//! // lifetimes prints E[Y(39)] = 1.26275884.
//! let m = MbgNbd::new(0.52484290, 6.18308176, 0.89135952, 1.61400293)?;
//! let c = History::new(2.0, 213.0 / 7.0, 272.0 / 7.0)?;
//! assert!((m.expected_purchases(&c, 39.0)? - 1.26275884).abs() < 1e-8);
//! assert!(m.p_alive(&History::new(0.0, 0.0, 38.86)?) < 1.0);
//! # Ok::<(), btyd::Error>(())
//! ```

use super::bg_nbd_family::{sealed, BetaGeometricNbd, DropoutVariant};

/// MBG/NBD's dropout rule: a customer may drop out at time 0, right after the first purchase,
/// and after each repeat purchase, so one with x repeat purchases has had x + 1 dropout
/// opportunities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlsoAtStart {}

impl sealed::Sealed for AlsoAtStart {
    const TYPE_NAME: &'static str = "MbgNbd";
}

impl DropoutVariant for AlsoAtStart {
    const NAME: &'static str = "MBG/NBD";
    const DROPOUT_AT_START: bool = true;
}

/// The MBG/NBD model with validated parameters (see the module docs for the symbols and
/// equations, [`BetaGeometricNbd`] for the methods).
pub type MbgNbd = BetaGeometricNbd<AlsoAtStart>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::History;
    use crate::error::Error;
    use crate::models::{LogLikelihood, PurchaseModel};

    #[test]
    fn construction_rejects_invalid_parameters() {
        assert!(MbgNbd::new(0.5, 6.0, 0.9, 1.6).is_ok());
        for (r, alpha, a, b, name) in [
            (f64::NAN, 1.0, 1.0, 1.0, "r"),
            (1.0, 0.0, 1.0, 1.0, "alpha"),
            (1.0, 1.0, -1.0, 1.0, "a"),
            (1.0, 1.0, 1.0, f64::INFINITY, "b"),
            (1.0, f64::NEG_INFINITY, 1.0, 1.0, "alpha"),
        ] {
            match MbgNbd::new(r, alpha, a, b) {
                Err(Error::InvalidParameter { model, name: n, .. }) => {
                    assert_eq!(model, "MBG/NBD");
                    assert_eq!(n, name);
                }
                other => panic!("expected InvalidParameter for {name}, got {other:?}"),
            }
        }
        let e = MbgNbd::from_params(&[1.0, 2.0, 3.0]).unwrap_err();
        assert!(matches!(
            e,
            Error::ParameterCount {
                model: "MBG/NBD",
                expected: 4,
                found: 3
            }
        ));
        assert_eq!(e.to_string(), "MBG/NBD takes 4 parameters, got 3");
        let e = MbgNbd::new(1.0, -2.0, 1.0, 1.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid MBG/NBD parameter alpha = -2: must be positive"
        );
    }

    #[test]
    fn names_debug_and_parameters() {
        assert_eq!(MbgNbd::NAME, "MBG/NBD");
        assert_eq!(<MbgNbd as LogLikelihood>::NAME, "MBG/NBD");
        let m = MbgNbd::new(0.53, 6.18, 0.89, 1.614).unwrap();
        assert_eq!(m.name(), "MBG/NBD");
        assert_eq!(
            format!("{m:?}"),
            "MbgNbd { r: 0.53, alpha: 6.18, a: 0.89, b: 1.614 }"
        );
        assert_eq!(MbgNbd::from_params(&m.params()).unwrap(), m);
        assert_eq!((m.r(), m.alpha(), m.a(), m.b()), (0.53, 6.18, 0.89, 1.614));
    }

    /// The likelihood against a direct evaluation of the printed formula (§6.4) with plain
    /// exponentials, where nothing overflows.
    #[test]
    fn likelihood_matches_printed_formula() {
        let (r, alpha, a, b) = (0.53, 6.18, 0.89, 1.614);
        let m = MbgNbd::new(r, alpha, a, b).unwrap();
        let lb = |p: f64, q: f64| crate::special::ln_beta(p, q);
        for (x, t_x, t) in [(0.0, 0.0, 30.0), (2.0, 30.43, 38.86), (7.0, 12.0, 20.0)] {
            let h = History::new(x, t_x, t).unwrap();
            let a1 = (crate::special::ln_gamma(r + x) - crate::special::ln_gamma(r)).exp()
                * alpha.powf(r);
            let direct = a1
                * ((lb(a, b + x + 1.0) - lb(a, b)).exp() * (alpha + t).powf(-(r + x))
                    + (lb(a + 1.0, b + x) - lb(a, b)).exp() * (alpha + t_x).powf(-(r + x)));
            assert!((m.ln_likelihood(&h) - direct.ln()).abs() < 1e-12, "{h:?}");
        }
    }
}
