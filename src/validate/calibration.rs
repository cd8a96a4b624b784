//! The calibration-period fit: the histogram of repeat purchases against the model's
//! expectation, with Pearson's χ².

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::holdout::FrequencyClasses;
use crate::data::Summary;
use crate::error::{Error, Result};
use crate::models::PurchaseModel;

/// Expected against actual numbers of customers by calibration frequency, with Pearson's χ².
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationFit {
    /// The classes.
    pub classes: FrequencyClasses,
    /// Customers with each number of calibration repeat purchases (the last class open).
    pub observed: Vec<f64>,
    /// Σᵢ P(X(Tᵢ) = x) per class, with the open class 1 − Σ of the others per customer.
    pub expected: Vec<f64>,
    /// Σ (O − E)² / E over the classes.
    pub chi_square: f64,
}

impl CalibrationFit {
    /// Degrees of freedom of the χ² test: classes − 1 − `n_params`, `None` when not positive.
    pub fn degrees_of_freedom(&self, n_params: usize) -> Option<usize> {
        self.classes
            .len()
            .checked_sub(1 + n_params)
            .filter(|&d| d > 0)
    }

    /// The χ² test's p-value, P(χ²_df ≥ statistic), when the degrees of freedom are positive.
    pub fn p_value(&self, n_params: usize) -> Option<f64> {
        use statrs::distribution::{ChiSquared, ContinuousCDF};
        let df = self.degrees_of_freedom(n_params)?;
        let dist = ChiSquared::new(df as f64).ok()?;
        Some(dist.sf(self.chi_square))
    }
}

/// The calibration-period fit of a purchase model: how many customers it expects to make
/// x = 0, 1, …, cut − 1 and cut or more repeat purchases, each customer over their own T, against
/// the observed histogram, and Pearson's χ² = Σ (O − E)² / E.
///
/// This is the histogram check of Fader, Hardie & Lee (2005a), §7 (their χ² over the classes
/// 0, …, 6, 7+ is 4.82 for BG/NBD and 11.99 for Pareto/NBD on CDNOW).
///
/// # Formula
/// ```text
/// E_x = Σᵢ P(X(Tᵢ) = x),  x < cut;    E_cut+ = Σᵢ [1 − Σ_{x<cut} P(X(Tᵢ) = x)]
/// ```
///
/// # Numerics
/// Customers are grouped by T, so the probabilities are computed once per distinct age.
///
/// # Errors
/// The model's errors; [`Error::NoData`] for an empty summary; [`Error::Numerical`]
/// when an expected count is not positive and finite.
pub fn calibration_fit(
    model: &dyn PurchaseModel,
    summary: &Summary,
    classes: FrequencyClasses,
) -> Result<CalibrationFit> {
    if summary.customers.is_empty() {
        return Err(super::holdout::no_customers());
    }
    let k = classes.len();
    let mut observed = vec![0.0; k];
    let mut ages: BTreeMap<u64, f64> = BTreeMap::new();
    for c in &summary.customers {
        observed[classes.class_of(c.history.frequency)] += 1.0;
        *ages.entry(c.history.age.to_bits()).or_insert(0.0) += 1.0;
    }
    let ages: Vec<(f64, f64)> = ages
        .into_iter()
        .map(|(bits, n)| (f64::from_bits(bits), n))
        .collect();
    let per_age: Vec<Vec<f64>> = ages
        .par_iter()
        .map(|&(age, n)| {
            let mut p = Vec::with_capacity(k);
            for x in 0..classes.cut() {
                p.push(model.p_purchases(u64::from(x), age)?);
            }
            let open = (1.0 - p.iter().sum::<f64>()).max(0.0);
            p.push(open);
            Ok(p.into_iter().map(|q| n * q).collect())
        })
        .collect::<Result<_>>()?;
    let mut expected = vec![0.0; k];
    for row in &per_age {
        for (e, v) in expected.iter_mut().zip(row) {
            *e += v;
        }
    }
    let mut chi_square = 0.0;
    for (i, (o, e)) in observed.iter().zip(&expected).enumerate() {
        // A class the model gives (to rounding) no customers and that has none adds nothing;
        // the open class past a high cut is such a class (1 − Σ p rounds to 0).
        if *e == 0.0 && *o == 0.0 {
            continue;
        }
        if !(e.is_finite() && *e > 0.0) {
            return Err(Error::Numerical {
                what: "expected calibration histogram",
                inputs: format!(
                    "{}: class {} expects {e} customers",
                    model.name(),
                    classes.labels()[i]
                ),
            });
        }
        chi_square += (o - e) * (o - e) / e;
    }
    Ok(CalibrationFit {
        classes,
        observed,
        expected,
        chi_square,
    })
}
