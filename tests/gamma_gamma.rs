//! Gamma-Gamma: gradient, parameter recovery and input checks (STYLE §9 items 1, 3, 5).

mod common;

use btyd::data::{compress, CustomerSummary, History, Summary, TimeUnit};
use btyd::fit::{fit, FitOptions};
use btyd::models::{spend_observations, GammaGamma, LogLikelihood, Spend};
use btyd::Error;
use common::{GRAD_ABS_TOL, GRAD_FD_NOISE, GRAD_REL_TOL};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, Poisson};

proptest! {
    /// ∂ ln f / ∂(p, q, v) against central differences with h = 1e-6·max(1, |θ|), allowing for
    /// the difference's rounding noise where ln Γ(px+q) is large (see `GRAD_FD_NOISE`).
    #[test]
    fn gradient_matches_central_differences(
        p in 0.05f64..50.0,
        q in 0.05f64..50.0,
        v in 0.01f64..500.0,
        x in 1u32..300,
        m in 0.01f64..5000.0,
    ) {
        let obs = Spend::new(x as f64, m).unwrap();
        let theta = [p, q, v];
        let model = GammaGamma::new(p, q, v).unwrap();
        let mut g = [0.0; 3];
        model.ln_likelihood_grad(&obs, &mut g);
        for i in 0..3 {
            let h = 1e-6 * theta[i].abs().max(1.0);
            let mut up = theta;
            let mut dn = theta;
            up[i] += h;
            dn[i] -= h;
            let f = |t: [f64; 3]| GammaGamma::new(t[0], t[1], t[2]).unwrap().ln_likelihood(&obs);
            let fd = (f(up) - f(dn)) / (2.0 * h);
            let a = p * x as f64 + q;
            let noise = GRAD_FD_NOISE * a * a.ln().max(1.0) / h;
            let tol = GRAD_ABS_TOL.max(GRAD_REL_TOL * fd.abs().max(g[i].abs())) + noise;
            prop_assert!(
                (g[i] - fd).abs() <= tol,
                "param {i}: analytic {} vs finite difference {fd} at {theta:?}, x {x}, m {m}",
                g[i]
            );
        }
    }
}

/// Simulates 20,000 repeat customers (x = 1 + Poisson(2)) from each of three parameter sets,
/// fits with the one driver, and requires every estimate within 3 standard errors of the truth.
#[test]
fn recovers_parameters_within_three_standard_errors() {
    let sets = [(6.25, 3.74, 15.44), (2.0, 6.0, 50.0), (12.0, 2.5, 3.0)];
    for (k, &(p, q, v)) in sets.iter().enumerate() {
        let truth = GammaGamma::new(p, q, v).unwrap();
        let mut rng = StdRng::seed_from_u64(20_250 + k as u64);
        let poisson = Poisson::new(2.0).unwrap();
        let xs: Vec<f64> = (0..20_000)
            .map(|_| 1.0 + poisson.sample(&mut rng))
            .collect();
        let obs = truth.simulate(&xs, &mut rng).unwrap();
        let data = compress(obs.into_iter().map(|s| (s, 1.0)));
        let f = fit::<GammaGamma>(&data, &FitOptions::default()).unwrap();
        let se = f.std_errors().unwrap();
        for ((est, se), (want, name)) in
            f.model
                .params()
                .iter()
                .zip(&se)
                .zip([(p, "p"), (q, "q"), (v, "v")])
        {
            eprintln!("set {k} {name}: {est:.4} ± {se:.4} (truth {want})");
            assert!(
                (est - want).abs() < 3.0 * se,
                "set {k}, {name}: {est} ± {se} vs {want}"
            );
        }
    }
}

#[test]
fn simulator_rejects_non_repeaters() {
    let gg = GammaGamma::new(1.0, 2.0, 3.0).unwrap();
    let mut rng = StdRng::seed_from_u64(1);
    let e = gg.simulate(&[1.0, 0.0], &mut rng).unwrap_err();
    assert!(e.to_string().contains("frequency 0"), "{e}");
}

fn summary(rows: &[(&str, f64, Option<f64>)]) -> Summary {
    Summary {
        unit: TimeUnit::Day,
        customers: rows
            .iter()
            .map(|&(id, x, m)| CustomerSummary {
                customer_id: id.to_string(),
                history: History::new(x, if x > 0.0 { 5.0 } else { 0.0 }, 10.0).unwrap(),
                monetary_value: m,
                holdout: None,
            })
            .collect(),
    }
}

#[test]
fn summary_without_monetary_value_is_a_clear_error() {
    let e = spend_observations(&summary(&[("a", 2.0, None), ("b", 0.0, None)])).unwrap_err();
    assert!(matches!(e, Error::InvalidData { .. }));
    assert_eq!(
        e.to_string(),
        "field 'monetary_value': the summary has no monetary values; the Gamma-Gamma spend \
         model needs the mean repeat-purchase value of every repeat customer"
    );
}

#[test]
fn non_positive_spend_among_repeaters_names_the_customer() {
    let e = spend_observations(&summary(&[
        ("ok", 1.0, Some(3.0)),
        ("zero-spender", 2.0, Some(0.0)),
        ("newcomer", 0.0, Some(0.0)),
        ("inf", 1.0, Some(f64::INFINITY)),
        ("missing", 3.0, None),
    ]))
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "field 'monetary_value': 3 repeat customer(s) without a positive, finite monetary \
         value: customer 'zero-spender' (frequency 2) is 0, not positive; customer 'inf' \
         (frequency 1) is inf, not finite; customer 'missing' (frequency 3) is missing"
    );
}

#[test]
fn invalid_parameters_are_rejected_by_name() {
    for (params, name) in [
        ([f64::NAN, 1.0, 1.0], "p"),
        ([1.0, 0.0, 1.0], "q"),
        ([1.0, -2.0, 1.0], "q"),
        ([1.0, 1.0, f64::INFINITY], "v"),
    ] {
        match GammaGamma::from_params(&params) {
            Err(Error::InvalidParameter {
                model: "Gamma-Gamma",
                name: n,
                ..
            }) => assert_eq!(n, name),
            other => panic!("{params:?}: {other:?}"),
        }
    }
    assert!(GammaGamma::from_params(&[1.0, 1.0]).is_err());
}
