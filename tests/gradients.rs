//! Analytic gradients of every model's log-likelihood against central finite differences,
//! over random parameters and customers (proptest).

mod common;

use btyd::data::History;
use btyd::data::OpportunityHistory;
use btyd::models::{BgBb, BgNbd, GammaGamma, MbgNbd, Nbd, ParetoNbd, Spend};
use proptest::prelude::*;

/// A positive parameter, log-uniform over [0.05, 20].
fn param() -> impl Strategy<Value = f64> {
    (0.05f64.ln()..20f64.ln()).prop_map(f64::exp)
}

/// A valid (x, t_x, T) history with x up to 300 and T up to 200.
fn history() -> impl Strategy<Value = History> {
    (0u32..300, 0.0f64..1.0, 0.5f64..200.0).prop_map(|(x, frac, t)| {
        let x = x as f64;
        let t_x = if x == 0.0 { 0.0 } else { frac * t };
        History::new(x, t_x, t).unwrap()
    })
}

/// A valid BG/BB history (x, t_x, n) with n up to 60.
fn binary() -> impl Strategy<Value = OpportunityHistory> {
    (0u32..=60, 0.0f64..=1.0, 0.0f64..=1.0).prop_map(|(n, f_t, f_x)| {
        let t_x = (f_t * f64::from(n)).round() as u32;
        let x = if t_x == 0 {
            0
        } else {
            1 + (f_x * f64::from(t_x - 1)).round() as u32
        };
        OpportunityHistory::new(x, t_x, n).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn bg_nbd_gradient_matches_finite_differences(r in param(), alpha in param(), a in param(), b in param(), c in history()) {
        let m = BgNbd::new(r, alpha, a, b).unwrap();
        prop_assert_eq!(common::check_gradient(&m, &c), Ok(()));
    }

    /// MBG/NBD, including x = 0 (where, unlike BG/NBD, the second likelihood term is present).
    #[test]
    fn mbg_nbd_gradient_matches_finite_differences(r in param(), alpha in param(), a in param(), b in param(), c in history()) {
        let m = MbgNbd::new(r, alpha, a, b).unwrap();
        prop_assert_eq!(common::check_gradient(&m, &c), Ok(()));
    }

    /// NBD (no dropout).
    #[test]
    fn nbd_gradient_matches_finite_differences(r in param(), alpha in param(), c in history()) {
        let m = Nbd::new(r, alpha).unwrap();
        prop_assert_eq!(common::check_gradient(&m, &c), Ok(()));
    }

    /// BG/BB (discrete time).
    #[test]
    fn bg_bb_gradient_matches_finite_differences(alpha in param(), beta in param(), gamma in param(), delta in param(), c in binary()) {
        let m = BgBb::new(alpha, beta, gamma, delta).unwrap();
        prop_assert_eq!(common::check_gradient(&m, &c), Ok(()));
    }

    /// Gamma-Gamma; the allowance for rounding noise covers ln Γ(px+q) of size (px+q)·ln(px+q).
    #[test]
    fn gamma_gamma_gradient_matches_finite_differences(
        p in 0.05f64..50.0, q in 0.05f64..50.0, v in 0.01f64..500.0, x in 1u32..300, m in 0.01f64..5000.0,
    ) {
        let obs = Spend::new(x as f64, m).unwrap();
        let model = GammaGamma::new(p, q, v).unwrap();
        let a = p * x as f64 + q;
        prop_assert_eq!(common::check_gradient_with_noise(&model, &obs, a * a.ln().max(1.0)), Ok(()));
    }

    /// Pareto/NBD: the analytic gradient (derivatives of the Euler series of ₂F₁ in its
    /// parameters) on both branches of α vs β; the allowance for rounding noise covers
    /// ln Γ(r+x) and (r+s+x)·ln(α+T), the largest terms of ln L.
    #[test]
    fn pareto_nbd_gradient_matches_finite_differences(r in param(), alpha in param(), s in param(), beta in param(), c in history()) {
        let m = ParetoNbd::new(r, alpha, s, beta).unwrap();
        let a = r + s + c.frequency;
        let scale = a * a.ln().abs().max((alpha.max(beta) + c.age).ln().abs()).max(1.0);
        prop_assert_eq!(common::check_gradient_with_noise(&m, &c, scale), Ok(()));
    }
}
