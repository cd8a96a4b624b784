//! Customer lifetime value with the discrete-time BG/BB model (Fader, Hardie & Shang 2010).
//!
//! The summary is a discrete-time one ([`crate::data::discrete_summary`]): per customer, x
//! opportunities with a purchase, the last one t_x, and n opportunities observed (the CSV column
//! `T`), in periods of the summary's time unit. Discounting is per opportunity: a purchase at
//! opportunity n + k counts 1/(1 + d)^k, with d the discount rate per period.
//!
//! ```text
//! finite horizon of H opportunities:  Σ_{k=1}^{H} (E[X(n, n+k)] − E[X(n, n+k−1)]) / (1+d)^k
//! infinite horizon:                   DERT(d | x, t_x, n)  (closed form, BgBb::dert)
//! CLV = margin × E(Z | x, m̄) × discounted purchases
//! ```

use rayon::prelude::*;

use super::clv::{for_customer, observed_spend, CustomerClv, DiscountRate, Horizon};
use crate::data::{CustomerSummary, Summary};
use crate::error::{Error, Location, Result};
use crate::models::{BgBb, Binary, SpendModel};

/// Most opportunities a finite horizon may span.
const MAX_OPPORTUNITIES: f64 = 1e5;

/// CLV of every customer of a discrete-time summary under BG/BB, in row order (in parallel).
///
/// `discount` is converted to a rate per opportunity (one time unit of the summary).
///
/// # Errors
/// A margin that is not finite and positive; a finite horizon that is not a whole number of
/// opportunities; an infinite horizon without a positive rate; a row that is not a discrete-time
/// history (whole numbers, x ≤ t_x ≤ n) or a repeat customer without monetary value, naming the
/// customer; model errors.
pub fn clv_discrete<S: SpendModel + Sync + ?Sized>(
    model: &BgBb,
    spend: &S,
    summary: &Summary,
    horizon: Horizon,
    discount: DiscountRate,
    margin: f64,
) -> Result<Vec<CustomerClv>> {
    if !margin.is_finite() || margin <= 0.0 {
        return Err(Error::InvalidArgument(format!(
            "margin {margin} must be finite and positive"
        )));
    }
    let d = discount.per_step(summary.unit, 1.0)?;
    let whole = |h: f64| h >= 0.0 && h.fract() == 0.0 && h <= MAX_OPPORTUNITIES;
    let opportunities = match horizon {
        Horizon::Finite(h) if whole(h) => Some(h as u32),
        Horizon::Finite(h) => {
            return Err(Error::InvalidArgument(format!(
                "the BG/BB horizon is a whole number of opportunities \
                 (at most {MAX_OPPORTUNITIES}), not {h}"
            )));
        }
        Horizon::Infinite if d > 0.0 => None,
        Horizon::Infinite => {
            return Err(Error::InvalidArgument(
                "an infinite horizon needs a positive discount rate".into(),
            ));
        }
    };
    summary
        .customers
        .par_iter()
        .map(|c| {
            let m = observed_spend(c)?;
            customer(model, spend, c, m, opportunities, d, margin)
                .map_err(|e| for_customer(&c.customer_id, e))
        })
        .collect()
}

/// One customer's CLV (see the module docs).
fn customer<S: SpendModel + ?Sized>(
    model: &BgBb,
    spend: &S,
    c: &CustomerSummary,
    m: f64,
    opportunities: Option<u32>,
    d: f64,
    margin: f64,
) -> Result<CustomerClv> {
    let h = c.history;
    let whole =
        |v: f64| (v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX)).then_some(v as u32);
    let b = match (whole(h.frequency), whole(h.recency), whole(h.age)) {
        (Some(x), Some(t_x), Some(n)) => Binary::new(x, t_x, n)?,
        _ => {
            return Err(Error::InvalidData {
                location: Location::default(),
                reason: format!(
                    "not a discrete-time history (frequency {}, recency {}, T {} must be whole \
                     numbers of opportunities; see btyd summary --discrete)",
                    h.frequency, h.recency, h.age
                ),
            })
        }
    };
    let expected_spend = spend.expected_spend(h.frequency, m)?;
    let (expected_purchases, discounted_purchases) = match opportunities {
        Some(total) => {
            let (mut previous, mut discounted, mut factor) = (0.0, 0.0, 1.0);
            for k in 1..=total {
                let e = model.expected_purchases(&b, k);
                factor /= 1.0 + d;
                discounted += (e - previous) * factor;
                previous = e;
            }
            (Some(previous), discounted)
        }
        None => (None, model.dert(&b, d)?),
    };
    let clv = margin * expected_spend * discounted_purchases;
    let p_alive = model.p_alive(&b);
    if ![p_alive, discounted_purchases, expected_spend, clv]
        .iter()
        .chain(expected_purchases.as_ref())
        .all(|v| v.is_finite())
    {
        return Err(Error::Numerical {
            what: "BG/BB CLV (non-finite result)",
            inputs: format!("{b:?}, monetary value {m}"),
        });
    }
    Ok(CustomerClv {
        customer_id: c.customer_id.clone(),
        p_alive,
        expected_purchases,
        discounted_purchases,
        expected_spend,
        clv,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{History, TimeUnit};
    use crate::models::GammaGamma;

    /// The BG/BB MLE on the donations data (published-values §5.2).
    fn donations() -> BgBb {
        BgBb::new(1.203522, 0.749716, 0.656718, 2.783442).unwrap()
    }

    fn summary() -> Summary {
        let row = |id: &str, x: f64, t_x: f64, m: f64| CustomerSummary {
            customer_id: id.into(),
            history: History {
                frequency: x,
                recency: t_x,
                age: 6.0,
            },
            monetary_value: Some(m),
            holdout: None,
        };
        Summary::new(
            TimeUnit::Days(365.25),
            vec![
                row("a", 0.0, 0.0, 0.0),
                row("b", 2.0, 4.0, 30.0),
                row("c", 6.0, 6.0, 80.0),
            ],
        )
    }

    #[test]
    fn long_finite_horizon_approaches_dert_and_no_discount_gives_expectations() {
        let (m, gg, s) = (
            donations(),
            GammaGamma::new(6.0, 4.0, 15.0).unwrap(),
            summary(),
        );
        let rate = DiscountRate::PerUnit(0.1);
        let forever = clv_discrete(&m, &gg, &s, Horizon::Infinite, rate, 1.0).unwrap();
        let long = clv_discrete(&m, &gg, &s, Horizon::Finite(400.0), rate, 1.0).unwrap();
        for (f, l) in forever.iter().zip(&long) {
            assert!(
                (f.discounted_purchases - l.discounted_purchases).abs()
                    < 1e-9 * f.discounted_purchases,
                "{f:?} {l:?}"
            );
            assert!(f.expected_purchases.is_none());
        }
        // Published-values §5.2: DERT(d = 0.10) 0.1148 (0,0), 1.6656 (2,4), 5.9099 (6,6).
        for (r, want) in forever.iter().zip([0.1148, 1.6656, 5.9099]) {
            assert!((r.discounted_purchases - want).abs() < 1e-4, "{r:?}");
        }
        let undiscounted = clv_discrete(
            &m,
            &gg,
            &s,
            Horizon::Finite(5.0),
            DiscountRate::PerUnit(0.0),
            0.3,
        )
        .unwrap();
        for (r, c) in undiscounted.iter().zip(&s.customers) {
            let b = Binary::new(c.history.frequency as u32, c.history.recency as u32, 6).unwrap();
            let e = m.expected_purchases(&b, 5);
            assert!((r.discounted_purchases - e).abs() < 1e-12 && r.expected_purchases == Some(e));
            assert!((r.clv - 0.3 * r.expected_spend * e).abs() <= 1e-12 * r.clv.abs());
        }
    }

    #[test]
    fn rejects_continuous_histories_and_fractional_horizons() {
        let (m, gg) = (donations(), GammaGamma::new(6.0, 4.0, 15.0).unwrap());
        let mut s = summary();
        let rate = DiscountRate::PerUnit(0.1);
        assert!(clv_discrete(&m, &gg, &s, Horizon::Finite(2.5), rate, 1.0).is_err());
        assert!(clv_discrete(
            &m,
            &gg,
            &s,
            Horizon::Infinite,
            DiscountRate::PerUnit(0.0),
            1.0
        )
        .is_err());
        s.customers[1].history.recency = 3.5;
        let err = clv_discrete(&m, &gg, &s, Horizon::Finite(2.0), rate, 1.0)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("customer 'b'") && err.contains("not a discrete-time history"),
            "{err}"
        );
    }
}
