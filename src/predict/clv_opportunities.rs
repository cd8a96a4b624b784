//! Customer lifetime value with a discrete-time (opportunity) model such as BG/BB (Fader,
//! Hardie & Shang 2010).
//!
//! The summary is an opportunity summary ([`crate::data::opportunity_summary`]): per customer,
//! x opportunities with a purchase, the last one t_x, and n opportunities observed (the CSV
//! column `T`), in periods of the summary's `period`. Discounting is per opportunity: a purchase at
//! opportunity n + k counts 1/(1 + d)^k, with d the discount rate per period.
//!
//! ```text
//! finite horizon of H opportunities:  Σ_{k=1}^{H} (E[X(n, n+k)] − E[X(n, n+k−1)]) / (1+d)^k
//! infinite horizon:                   DERT(d | x, t_x, n)  (closed form, BgBb::dert)
//! CLV = margin × E(Z | x, m̄) × discounted purchases
//! ```

use rayon::prelude::*;

use super::clv::{for_customer, spend_of, CustomerClv, DiscountRate, Horizon};
use crate::data::{OpportunityCustomer, OpportunitySummary};
use crate::error::{Error, Result};
use crate::models::{OpportunityModel, SpendModel};

/// Most opportunities a finite horizon may span.
const MAX_OPPORTUNITIES: f64 = 1e5;

/// CLV of every customer of an opportunity summary, in row order (in parallel).
///
/// `discount` is converted to a rate per opportunity (one `period` of the summary).
///
/// # Errors
/// A margin that is not finite and positive; a finite horizon that is not a whole number of
/// opportunities; an infinite horizon without a positive rate; a repeat customer without
/// monetary value, naming the customer; model errors.
pub fn clv_opportunities<M: OpportunityModel + ?Sized, S: SpendModel + Sync + ?Sized>(
    model: &M,
    spend: &S,
    summary: &OpportunitySummary,
    horizon: Horizon,
    discount: DiscountRate,
    margin: f64,
) -> Result<Vec<CustomerClv>> {
    if !margin.is_finite() || margin <= 0.0 {
        return Err(Error::InvalidOption {
            name: "margin",
            value: margin.to_string(),
            reason: "must be finite and positive".into(),
        });
    }
    let d = discount.per_step(summary.period, 1.0)?;
    let whole = |h: f64| h >= 0.0 && h.fract() == 0.0 && h <= MAX_OPPORTUNITIES;
    let opportunities = match horizon {
        Horizon::Finite(h) if whole(h) => Some(h as u32),
        Horizon::Finite(h) => {
            return Err(Error::InvalidOption {
                name: "horizon",
                value: h.to_string(),
                reason: format!(
                    "the BG/BB horizon is a whole number of opportunities (at most \
                     {MAX_OPPORTUNITIES})"
                ),
            });
        }
        Horizon::Infinite if d > 0.0 => None,
        Horizon::Infinite => return Err(super::clv::infinite_needs_discount(d)),
    };
    summary
        .customers
        .par_iter()
        .map(|c| {
            let x = f64::from(c.history.frequency());
            let m = spend_of(&c.customer_id, x, c.monetary_value)?;
            customer(model, spend, c, m, opportunities, d, margin)
                .map_err(|e| for_customer(&c.customer_id, e))
        })
        .collect()
}

/// One customer's CLV (see the module docs).
fn customer<M: OpportunityModel + ?Sized, S: SpendModel + ?Sized>(
    model: &M,
    spend: &S,
    c: &OpportunityCustomer,
    m: f64,
    opportunities: Option<u32>,
    d: f64,
    margin: f64,
) -> Result<CustomerClv> {
    let b = c.history;
    let expected_spend = spend.expected_spend(f64::from(b.frequency()), m)?;
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
            what: "opportunity-model CLV (non-finite result)",
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
    use crate::data::{OpportunityHistory, TimeUnit};
    use crate::models::{BgBb, GammaGamma};

    /// The BG/BB MLE on the donations data (docs/reference.md §5.2).
    fn donations() -> BgBb {
        BgBb::new(1.203522, 0.749716, 0.656718, 2.783442).unwrap()
    }

    fn summary() -> OpportunitySummary {
        let row = |id: &str, x: u32, t_x: u32, m: f64| OpportunityCustomer {
            customer_id: id.into(),
            history: OpportunityHistory::new(x, t_x, 6).unwrap(),
            monetary_value: Some(m),
        };
        OpportunitySummary::new(
            TimeUnit::Days(365.25),
            vec![
                row("a", 0, 0, 0.0),
                row("b", 2, 4, 30.0),
                row("c", 6, 6, 80.0),
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
        let forever = clv_opportunities(&m, &gg, &s, Horizon::Infinite, rate, 1.0).unwrap();
        let long = clv_opportunities(&m, &gg, &s, Horizon::Finite(400.0), rate, 1.0).unwrap();
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
        let undiscounted = clv_opportunities(
            &m,
            &gg,
            &s,
            Horizon::Finite(5.0),
            DiscountRate::PerUnit(0.0),
            0.3,
        )
        .unwrap();
        for (r, c) in undiscounted.iter().zip(&s.customers) {
            let e = m.expected_purchases(&c.history, 5);
            assert!((r.discounted_purchases - e).abs() < 1e-12 && r.expected_purchases == Some(e));
            assert!((r.clv - 0.3 * r.expected_spend * e).abs() <= 1e-12 * r.clv.abs());
        }
    }

    #[test]
    fn rejects_fractional_horizons_and_unpaid_infinity() {
        let (m, gg) = (donations(), GammaGamma::new(6.0, 4.0, 15.0).unwrap());
        let mut s = summary();
        let rate = DiscountRate::PerUnit(0.1);
        assert!(clv_opportunities(&m, &gg, &s, Horizon::Finite(2.5), rate, 1.0).is_err());
        assert!(clv_opportunities(
            &m,
            &gg,
            &s,
            Horizon::Infinite,
            DiscountRate::PerUnit(0.0),
            1.0
        )
        .is_err());
        s.customers[1].monetary_value = None;
        let err = clv_opportunities(&m, &gg, &s, Horizon::Finite(2.0), rate, 1.0)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("customer 'b'") && err.contains("no monetary value"),
            "{err}"
        );
    }
}
