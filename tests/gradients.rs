//! Analytic gradients of every model's log-likelihood against central finite differences,
//! over random parameters and customers (proptest).

mod common;

use btyd::data::History;
use btyd::models::BgNbd;
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn bg_nbd_gradient_matches_finite_differences(r in param(), alpha in param(), a in param(), b in param(), c in history()) {
        let m = BgNbd::new(r, alpha, a, b).unwrap();
        prop_assert_eq!(common::check_gradient(&m, &c), Ok(()));
    }
}
