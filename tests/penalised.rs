//! Penalised fits on CDNOW (issue 10): every model, penaliser c in {0.001, 0.01, 0.1, 1, 10}
//! on the default log scale (objective −LL/N + c·Σ (ln p)²): each converges, and the
//! log-likelihood at the penalised optimum falls as c grows (a larger penalty buys a smaller
//! penalty term with likelihood). Purchase models on the 2,357-customer weekly CDNOW summary,
//! Gamma-Gamma on its repeat customers' spend, BG/BB on the monthly discrete summary.

mod common;

use btyd::data::TimeUnit;
use btyd::fit::{fit_model, FitOptions, PenaltyScale};
use btyd::models::{ModelKind, Role};

const PENALISERS: [f64; 5] = [0.001, 0.01, 0.1, 1.0, 10.0];

#[test]
fn every_model_fits_cdnow_with_every_penaliser() {
    let weekly = common::cdnow_spend_summary();
    let monthly = common::cdnow_sample_monthly();
    for kind in ModelKind::ALL.iter().copied() {
        let mut last = f64::INFINITY;
        for c in PENALISERS {
            let opts = FitOptions {
                penalizer: c,
                ..FitOptions::default()
            };
            let fitted = match kind.role() {
                Role::Opportunity => fit_model(kind, &monthly, TimeUnit::Month, &opts),
                _ => fit_model(kind, &weekly, TimeUnit::Week, &opts),
            };
            let fitted = fitted.unwrap_or_else(|e| panic!("{kind} with penaliser {c}: {e}"));
            assert!(fitted.converged, "{kind} {c}");
            assert_eq!(fitted.penalty_scale, PenaltyScale::Log);
            assert!(
                fitted.log_likelihood < last,
                "{kind}: LL {} at c = {c} is not below {last}",
                fitted.log_likelihood
            );
            last = fitted.log_likelihood;
        }
    }
}

/// A negative, infinite or NaN penaliser is refused before any fitting.
#[test]
fn invalid_penalisers_are_refused() {
    let weekly = common::cdnow_spend_summary();
    for c in [-1.0, f64::NAN, f64::INFINITY] {
        let opts = FitOptions {
            penalizer: c,
            ..FitOptions::default()
        };
        let err = fit_model(ModelKind::BgNbd, &weekly, TimeUnit::Week, &opts).unwrap_err();
        assert!(err.to_string().contains("penalizer"), "{err}");
    }
}
