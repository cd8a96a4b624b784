//! The generic MLE driver: convergence checks, the unconverged path, penalties, start points,
//! and agreement between per-customer and compressed data.

mod common;

use btyd::data::compress;
use btyd::fit::{fit, FitOptions};
use btyd::models::{BgNbd, LogLikelihood};
use btyd::Error;
use common::{cdnow_histories, patterns, rel};

#[test]
fn iteration_limit_is_an_error_unless_allowed() {
    let data = patterns(&cdnow_histories());
    let opts = FitOptions {
        max_iters: 2,
        ..FitOptions::default()
    };
    match fit::<BgNbd>(&data, &opts) {
        Err(Error::NotConverged {
            model,
            iterations,
            reason,
            ..
        }) => {
            assert_eq!(model, "BG/NBD");
            assert!(iterations <= 2, "{iterations}");
            assert!(reason.contains("iterations"), "{reason}");
        }
        other => panic!("expected NotConverged, got {other:?}"),
    }
    let allowed = fit::<BgNbd>(
        &data,
        &FitOptions {
            allow_unconverged: true,
            ..opts
        },
    )
    .unwrap();
    assert!(!allowed.converged);
    assert!(
        allowed.log_likelihood < -9582.43,
        "{}",
        allowed.log_likelihood
    );
    assert_eq!(
        allowed.starts_tried, 2,
        "every start is tried before giving up"
    );
}

#[test]
fn penalty_shrinks_the_parameters() {
    let data = patterns(&cdnow_histories());
    let plain = fit::<BgNbd>(&data, &FitOptions::default()).unwrap();
    let penalised = fit::<BgNbd>(
        &data,
        &FitOptions {
            penalizer: 0.01,
            ..FitOptions::default()
        },
    )
    .unwrap();
    let ss = |p: Vec<f64>| p.iter().map(|v| v * v).sum::<f64>();
    assert!(ss(penalised.model.params()) < ss(plain.model.params()));
    assert!(penalised.log_likelihood < plain.log_likelihood);
    assert_eq!(penalised.penalizer, 0.01);
}

#[test]
fn user_start_and_bad_start() {
    let data = patterns(&cdnow_histories());
    let start = FitOptions {
        initial: Some(vec![0.5, 10.0, 2.0, 5.0]),
        ..FitOptions::default()
    };
    let f = fit::<BgNbd>(&data, &start).unwrap();
    assert!(rel(f.model.r(), 0.2425929) < 1e-4);
    let bad = FitOptions {
        initial: Some(vec![0.5, -1.0, 2.0, 5.0]),
        ..FitOptions::default()
    };
    assert!(matches!(
        fit::<BgNbd>(&data, &bad),
        Err(Error::InvalidParameter { name: "alpha", .. })
    ));
}

/// Weighted patterns and one row per customer give the same fit (to the optimiser's own
/// tolerance: runs stop at a gradient norm below 1e-5, i.e. estimates within ~1e-6 relative).
#[test]
fn compression_does_not_change_the_fit() {
    let rows = cdnow_histories();
    let compressed = patterns(&rows);
    assert!(compressed.len() < rows.len());
    let uncompressed = btyd::data::Patterns {
        obs: rows.clone(),
        weights: vec![1.0; rows.len()],
    };
    let a = fit::<BgNbd>(&compressed, &FitOptions::default()).unwrap();
    let b = fit::<BgNbd>(&uncompressed, &FitOptions::default()).unwrap();
    assert!((a.log_likelihood - b.log_likelihood).abs() < 1e-6);
    for (x, y) in a.model.params().iter().zip(b.model.params()) {
        assert!(rel(*x, y) < 1e-5, "{x} vs {y}");
    }
    // Fractional weights are honoured: doubling every weight doubles the LL at the same optimum.
    let doubled = compress(rows.iter().map(|&h| (h, 2.0)));
    let c = fit::<BgNbd>(&doubled, &FitOptions::default()).unwrap();
    assert!((c.log_likelihood - 2.0 * a.log_likelihood).abs() < 1e-6);
    assert!(rel(c.model.alpha(), a.model.alpha()) < 1e-6);
    assert_eq!(c.n_obs, 2.0 * 2357.0);
}
