//! Gamma-Gamma: simulator and input checks (STYLE §9 item 1). Its gradient is checked in
//! `gradients.rs` and its parameter recovery in `recovery.rs`.

use btyd::data::{CustomerSummary, History, Summary, TimeUnit};
use btyd::models::{spend_observations, GammaGamma, LogLikelihood};
use btyd::Error;
use rand::rngs::StdRng;
use rand::SeedableRng;

#[test]
fn simulator_rejects_non_repeaters() {
    let gg = GammaGamma::new(1.0, 2.0, 3.0).unwrap();
    let mut rng = StdRng::seed_from_u64(1);
    let e = gg.simulate(&[1.0, 0.0], &mut rng).unwrap_err();
    assert!(e.to_string().contains("frequency 0"), "{e}");
}

fn summary(rows: &[(&str, f64, Option<f64>)]) -> Summary {
    Summary::new(
        TimeUnit::Day,
        rows.iter()
            .map(|&(id, x, m)| CustomerSummary {
                customer_id: id.to_string(),
                history: History::new(x, if x > 0.0 { 5.0 } else { 0.0 }, 10.0).unwrap(),
                monetary_value: m,
                holdout: None,
            })
            .collect(),
    )
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
