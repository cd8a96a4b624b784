//! Holdout validation and model comparison: how well fitted purchase models describe the
//! calibration period and forecast the holdout period.
//!
//! The checks are those of Fader, Hardie & Lee (2005a), "Counting Your Customers the Easy Way:
//! An Alternative to the Pareto/NBD Model", *Marketing Science* 24(2), 275–284, §7, where the
//! BG/NBD and Pareto/NBD models are compared on the CDNOW sample:
//!
//! | check | function |
//! |---|---|
//! | calibration fit: expected vs actual number of customers making x = 0, 1, …, 7+ repeat purchases, χ² | [`calibration_fit`] |
//! | conditional expectations over the holdout period, per customer and in total; MAE, RMSE | [`evaluate_holdout`] |
//! | mean holdout purchases by calibration frequency, actual vs predicted | [`HoldoutEvaluation::by_frequency`] |
//! | cumulative and weekly (per period) repeat transactions, actual vs model, over calibration + holdout | [`Tracking`] |
//! | log-likelihood, AIC, BIC, fit time of each variant | [`evaluate_model`], [`rank`], [`compare`] |
//!
//! Times are in the summary's [`TimeUnit`](crate::data::TimeUnit); each customer's holdout horizon is their own
//! `duration_holdout`.

mod calibration;
mod compare;
mod holdout;
pub mod intervals;
mod tracking;

pub use calibration::{calibration_fit, CalibrationFit};
pub use compare::{
    compare, evaluate_model, rank, CompareOptions, Comparison, Evaluated, ModelEvaluation, RankBy,
    Stage,
};
pub use holdout::{
    evaluate_holdout, ClassMeans, FrequencyClasses, HoldoutEvaluation, DEFAULT_FREQUENCY_CUT,
};
pub use tracking::{cumulative, incremental, Tracking};

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::data::{CustomerSummary, History, Holdout, Summary, TimeUnit};
    use crate::error::Error;
    use crate::models::{BgNbd, ModelKind, PurchaseModel};

    fn customer(id: &str, x: f64, t_x: f64, t: f64, y: f64) -> CustomerSummary {
        CustomerSummary {
            customer_id: id.into(),
            history: History::new(x, t_x, t).unwrap(),
            monetary_value: None,
            holdout: Some(Holdout {
                frequency: y,
                monetary_value: 0.0,
                duration: 10.0,
            }),
        }
    }

    #[test]
    fn frequency_classes() {
        let c = FrequencyClasses::new(3).unwrap();
        assert_eq!(c.labels(), ["0", "1", "2", "3+"]);
        assert_eq!([0.0, 2.0, 3.0, 40.0].map(|x| c.class_of(x)), [0, 2, 3, 3]);
        assert!(FrequencyClasses::new(0).is_err());
    }

    #[test]
    fn holdout_errors_and_class_means() {
        // BG/NBD published CDNOW parameters (Fader, Hardie & Lee 2005a).
        let m = BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap();
        let s = Summary::new(
            TimeUnit::Week,
            vec![
                customer("a", 0.0, 0.0, 30.0, 1.0),
                customer("b", 2.0, 20.0, 30.0, 0.0),
                customer("c", 2.0, 29.0, 30.0, 4.0),
            ],
        );
        let e = evaluate_holdout(&m, &s).unwrap();
        let p: Vec<f64> = s
            .customers
            .iter()
            .map(|c| m.expected_purchases(&c.history, 10.0).unwrap())
            .collect();
        let errs = [p[0] - 1.0, p[1], p[2] - 4.0];
        assert!((e.mae - errs.iter().map(|v| v.abs()).sum::<f64>() / 3.0).abs() < 1e-12);
        let mse = errs.iter().map(|v| v * v).sum::<f64>() / 3.0;
        assert!((e.rmse - mse.sqrt()).abs() < 1e-12);
        assert_eq!(e.actual_total, 5.0);
        let by = e
            .by_frequency(&s, FrequencyClasses::new(2).unwrap())
            .unwrap();
        assert_eq!(by.customers, [1, 0, 2]);
        assert_eq!(by.actual, [Some(1.0), None, Some(2.0)]);
        assert!((by.predicted[2].unwrap() - (p[1] + p[2]) / 2.0).abs() < 1e-12);

        let mut no_holdout = s.clone();
        no_holdout.customers[1].holdout = None;
        let err = evaluate_holdout(&m, &no_holdout).unwrap_err().to_string();
        assert!(err.contains("customer 'b' has no holdout"), "{err}");
    }

    #[test]
    fn calibration_fit_sums_to_the_customers() {
        let m = BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap();
        let s = Summary::new(
            TimeUnit::Week,
            vec![
                customer("a", 0.0, 0.0, 30.0, 1.0),
                customer("b", 2.0, 20.0, 30.0, 0.0),
                customer("c", 5.0, 29.0, 35.0, 4.0),
            ],
        );
        let f = calibration_fit(&m, &s, FrequencyClasses::new(3).unwrap()).unwrap();
        assert_eq!(f.observed, [1.0, 0.0, 1.0, 1.0]);
        assert!((f.expected.iter().sum::<f64>() - 3.0).abs() < 1e-12);
        let want = 2.0 * m.p_purchases(0, 30.0).unwrap() + m.p_purchases(0, 35.0).unwrap();
        assert!((f.expected[0] - want).abs() < 1e-12);
        let chi: f64 = f
            .observed
            .iter()
            .zip(&f.expected)
            .map(|(o, e)| (o - e) * (o - e) / e)
            .sum();
        assert!((f.chi_square - chi).abs() < 1e-12);
        assert_eq!(f.degrees_of_freedom(4), None);
        assert_eq!(f.degrees_of_freedom(1), Some(2));
    }

    #[test]
    fn cumulative_and_incremental_are_inverse() {
        let inc = [1.0, 0.0, 3.5, 2.0];
        assert_eq!(cumulative(&inc), [1.0, 1.0, 4.5, 6.5]);
        assert_eq!(incremental(&cumulative(&inc)), inc);
    }

    #[test]
    fn ranks_failures_last() {
        let failed = |kind| ModelEvaluation {
            kind,
            fit_time: Duration::ZERO,
            outcome: Err(Error::NoData {
                what: "boom".into(),
                reason: "test".into(),
            }),
        };
        let evals = [failed(ModelKind::BgNbd), failed(ModelKind::BgNbd)];
        assert_eq!(rank(&evals, RankBy::Aic), [0, 1]);
    }
}
