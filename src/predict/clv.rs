//! Customer lifetime value from any purchase model and a spend model.
//!
//! # Formula
//! ```text
//! CLV = margin × E(Z | x, m̄) × discounted expected purchases
//! ```
//! (Fader, Hardie & Lee 2005b, "RFM and CLV: Using Iso-Value Curves for Customer Base
//! Analysis", JMR 42(4), 415–430: CLV as margin × expected spend × DERT, which assumes spend
//! independent of the purchase process; docs/reference.md §6.3.)
//! Two conventions for the discounted expected purchases, both in the summary's time unit:
//!
//! * **Discrete** (the lifetimes / pymc-marketing form): the horizon H is cut into steps of length
//!   S, tₖ = min(kS, H) for k = 1..n, n = ⌈H/S⌉, and
//!   ```text
//!   Σₖ (E[Y(tₖ)] − E[Y(tₖ₋₁)]) / (1 + d)^k
//!   ```
//!   with d the rate per step and E[Y(t)] = E[Y(t) | x, t_x, T] the conditional expected number
//!   of purchases in (T, T + t]. Purchases of step k are discounted at its end (a last partial
//!   step counts as step n). lifetimes' `customer_lifetime_value(..., time=12,
//!   discount_rate=0.01, freq='W')` is S = 4.345 weeks, H = 12 S, d = 0.01.
//! * **Continuous** (DERT, "discounted expected residual transactions", Fader, Hardie & Lee
//!   2005b, eq. (2) for Pareto/NBD): with a force of interest δ per time unit,
//!   ```text
//!   DERT = ∫₀^H e^{−δt} dE[Y(t)] = e^{−δH} E[Y(H)] + δ ∫₀^H e^{−δt} E[Y(t)] dt
//!   ```
//!   (integration by parts, E[Y(0)] = 0). See [`dert`] for how it is computed and for H = ∞.
//!
//! # Discount rates
//! A [`DiscountRate`] states what its number means; all are converted to one force of interest
//! δ per time unit (unit of u days) and, for the discrete convention, to the rate per step S:
//!
//! | variant | δ per unit | rate per step d |
//! |---|---|---|
//! | `PerUnit(r)`: effective rate per time unit | ln(1 + r) | (1 + r)^S − 1 |
//! | `Annual(A)`: effective rate per 365.25 days | ln(1 + A) · u/365.25 | (1 + A)^(S·u/365.25) − 1 |
//! | `Continuous(δ)`: force of interest per unit | δ | e^{δS} − 1 |
//! | `PerStep(d)`: effective rate per step (discrete only) | ln(1 + d)/S | d |
//!
//! So an annual rate A is the same as the per-unit rate (1 + A)^(u/365.25) − 1 in both
//! conventions, and with weekly data δ = ln(1 + A)·7/365.25 (docs/reference.md §6.6 uses
//! ln(1 + A)/52).

use rayon::prelude::*;

use super::quadrature::{integrate, Tolerance};
use crate::data::time::DAYS_PER_MONTH;
use crate::data::{CustomerSummary, History, Summary, TimeUnit};
use crate::error::{Error, Location, Result};
use crate::models::{PurchaseModel, SpendModel};

/// Most steps a discrete schedule may have.
const MAX_STEPS: f64 = 1e6;

/// A discount rate, with its meaning explicit (see the module docs for the conversions).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DiscountRate {
    /// Effective rate per time unit of the summary: one unit later is worth 1/(1 + r).
    PerUnit(f64),
    /// Effective annual rate (a year of 365.25 days), converted to the summary's time unit.
    Annual(f64),
    /// Continuously compounded rate (force of interest) δ per time unit: t units later is
    /// worth e^{−δt}.
    Continuous(f64),
    /// Effective rate per step of a discrete schedule (lifetimes' `discount_rate`); not valid
    /// for the continuous convention without a step.
    PerStep(f64),
}

impl DiscountRate {
    fn value(self) -> f64 {
        match self {
            DiscountRate::PerUnit(r)
            | DiscountRate::Annual(r)
            | DiscountRate::Continuous(r)
            | DiscountRate::PerStep(r) => r,
        }
    }

    /// The force of interest δ per time unit.
    ///
    /// `step` (in time units) is needed only for [`DiscountRate::PerStep`].
    ///
    /// # Formula
    /// PerUnit: δ = ln(1 + r); Annual: δ = ln(1 + A)·u/365.25 (u = days per unit);
    /// Continuous: δ; PerStep: δ = ln(1 + d)/S.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for a negative or non-finite rate, or `PerStep` without a step.
    pub fn force_per_unit(self, unit: TimeUnit, step: Option<f64>) -> Result<f64> {
        let r = self.value();
        if !r.is_finite() || r < 0.0 {
            return Err(Error::InvalidOption {
                name: "discount rate",
                value: r.to_string(),
                reason: "must be finite and non-negative".into(),
            });
        }
        Ok(match self {
            DiscountRate::PerUnit(r) => r.ln_1p(),
            DiscountRate::Annual(a) => a.ln_1p() * unit.days() / crate::data::time::DAYS_PER_YEAR,
            DiscountRate::Continuous(d) => d,
            DiscountRate::PerStep(d) => match step {
                Some(s) => d.ln_1p() / s,
                None => {
                    return Err(Error::InvalidOption {
                        name: "discount rate",
                        value: format!("{d} per step"),
                        reason: "a discount rate per step needs the discrete convention with a \
                                 step length; give a rate per time unit or an annual rate"
                            .into(),
                    })
                }
            },
        })
    }

    /// The effective rate per step of `step` time units: e^{δS} − 1 (exactly d for `PerStep`).
    ///
    /// # Errors
    /// As [`DiscountRate::force_per_unit`].
    pub fn per_step(self, unit: TimeUnit, step: f64) -> Result<f64> {
        let delta = self.force_per_unit(unit, Some(step))?;
        Ok(match self {
            DiscountRate::PerStep(d) => d,
            _ => (delta * step).exp_m1(),
        })
    }
}

/// The prediction horizon, in the summary's time unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Horizon {
    /// (T, T + H].
    Finite(f64),
    /// (T, ∞): only with the continuous convention and a positive discount rate.
    Infinite,
}

/// How future purchases are discounted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Convention {
    /// Steps of `step` time units, each discounted at its end by (1 + d)^k.
    Discrete {
        /// Step length in the summary's time unit.
        step: f64,
    },
    /// Steps of the model's own length, discounted at their ends: one calendar month
    /// (365.25/12 days, [`month_in`]) for continuous-time models, one opportunity for
    /// discrete-time ones.
    ModelSteps,
    /// Continuous discounting e^{−δt} (DERT).
    Continuous,
}

/// Options of a CLV computation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClvOptions {
    /// The horizon, in the summary's time unit.
    pub horizon: Horizon,
    /// Discrete steps or continuous discounting.
    pub convention: Convention,
    /// The discount rate.
    pub discount: DiscountRate,
    /// Profit margin applied to spend (finite, > 0). Defaults to 1.
    pub margin: f64,
}

/// One calendar month (365.25/12 days) in `unit`: btyd's default step.
pub fn month_in(unit: TimeUnit) -> f64 {
    DAYS_PER_MONTH / unit.days()
}

impl ClvOptions {
    /// The discrete convention with steps of `step` time units, margin 1.
    pub fn discrete(horizon: f64, step: f64, discount: DiscountRate) -> Self {
        ClvOptions {
            horizon: Horizon::Finite(horizon),
            convention: Convention::Discrete { step },
            discount,
            margin: 1.0,
        }
    }

    /// The discrete convention with monthly steps (365.25/12 days expressed in `unit`), margin 1.
    pub fn monthly(horizon: f64, unit: TimeUnit, discount: DiscountRate) -> Self {
        Self::discrete(horizon, month_in(unit), discount)
    }

    /// The continuous (DERT) convention, margin 1.
    pub fn continuous(horizon: Horizon, discount: DiscountRate) -> Self {
        ClvOptions {
            horizon,
            convention: Convention::Continuous,
            discount,
            margin: 1.0,
        }
    }

    /// The same options with another margin.
    pub fn with_margin(mut self, margin: f64) -> Self {
        self.margin = margin;
        self
    }

    /// Validates the options and converts the discount rate for data in `unit`.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for a negative or non-finite horizon, step, rate or margin, an
    /// infinite horizon with the discrete convention or without discounting, or more than a
    /// million steps.
    pub fn schedule(&self, unit: TimeUnit) -> Result<Schedule> {
        if !self.margin.is_finite() || self.margin <= 0.0 {
            return Err(Error::InvalidOption {
                name: "margin",
                value: self.margin.to_string(),
                reason: "must be finite and positive".into(),
            });
        }
        if let Horizon::Finite(h) = self.horizon {
            crate::models::check_horizon(h)?;
        }
        let step = match self.convention {
            Convention::Discrete { step } => Some(step),
            Convention::ModelSteps => Some(month_in(unit)),
            Convention::Continuous => None,
        };
        let discounting = match (step, self.horizon) {
            (Some(step), horizon) => {
                if !step.is_finite() || step <= 0.0 {
                    return Err(Error::InvalidOption {
                        name: "step length",
                        value: step.to_string(),
                        reason: "must be finite and positive".into(),
                    });
                }
                let Horizon::Finite(h) = horizon else {
                    return Err(infinite_needs_continuous());
                };
                let steps = step_count(h, step);
                if steps > MAX_STEPS {
                    return Err(Error::InvalidOption {
                        name: "horizon",
                        value: h.to_string(),
                        reason: format!(
                            "in steps of {step} it makes {steps} steps (at most {MAX_STEPS})"
                        ),
                    });
                }
                Discounting::Discrete {
                    step,
                    rate_per_step: self.discount.per_step(unit, step)?,
                }
            }
            (None, horizon) => {
                let delta = self.discount.force_per_unit(unit, None)?;
                if horizon == Horizon::Infinite && delta <= 0.0 {
                    return Err(infinite_needs_discount(delta));
                }
                Discounting::Continuous { delta }
            }
        };
        Ok(Schedule {
            horizon: self.horizon,
            discounting,
            margin: self.margin,
        })
    }
}

/// The error for an infinite horizon with discrete steps.
fn infinite_needs_continuous() -> Error {
    Error::InvalidOption {
        name: "horizon",
        value: "infinite".into(),
        reason: "an infinite horizon needs the continuous convention (discrete steps need a \
                 finite horizon)"
            .into(),
    }
}

/// The error for an infinite horizon without discounting.
pub(super) fn infinite_needs_discount(rate: f64) -> Error {
    Error::InvalidOption {
        name: "discount rate",
        value: rate.to_string(),
        reason: "an infinite horizon needs a positive discount rate".into(),
    }
}

/// n = ⌈H/S⌉, with H/S within 1e-9 of a whole number counted as that number.
fn step_count(h: f64, step: f64) -> f64 {
    let ratio = h / step;
    let nearest = ratio.round();
    if (ratio - nearest).abs() <= 1e-9 * nearest.max(1.0) {
        nearest
    } else {
        ratio.ceil()
    }
}

/// Validated CLV options with the discount rate in the data's time unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// The horizon, in the time unit.
    pub horizon: Horizon,
    /// The converted discounting.
    pub discounting: Discounting,
    /// The profit margin.
    pub margin: f64,
}

/// Discounting in the data's time unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Discounting {
    /// Steps of `step` time units discounted by (1 + `rate_per_step`)^k.
    Discrete {
        /// Step length in time units.
        step: f64,
        /// Effective rate per step.
        rate_per_step: f64,
    },
    /// Force of interest δ per time unit.
    Continuous {
        /// δ.
        delta: f64,
    },
}

/// Σₖ (E[Y(tₖ)] − E[Y(tₖ₋₁)]) / (1 + d)^k over tₖ = min(kS, H), k = 1..⌈H/S⌉: the discrete
/// discounted expected purchases of one customer (the lifetimes convention, see module docs).
///
/// # Numerics
/// The work is bounded whatever the horizon. Without discounting (d = 0) the sum telescopes to
/// E[Y(H)], one evaluation. With d > 0 the increments are non-negative and the discount falls,
/// so the terms after step k add at most (E[Y(H)] − E[Y(tₖ)])/(1 + d)^(k+1); the sum stops when
/// that bound is below [`DISCRETE_TAIL`] of the total so far (about ln(10¹²)/ln(1 + d) steps,
/// 3,500 for 10% a year in monthly steps, however long the horizon).
///
/// # Errors
/// Errors of the purchase model; invalid horizon or step.
pub fn discounted_purchases_discrete<M: PurchaseModel + ?Sized>(
    model: &M,
    history: &History,
    horizon: f64,
    step: f64,
    rate_per_step: f64,
) -> Result<f64> {
    let n = step_count(crate::models::check_horizon(horizon)?, step) as u64;
    let at_horizon = model.expected_purchases(history, horizon)?;
    if rate_per_step == 0.0 || n == 0 {
        return Ok(if n == 0 { 0.0 } else { at_horizon });
    }
    let growth = 1.0 + rate_per_step;
    let mut prev = 0.0;
    let mut total = 0.0;
    let mut discount = 1.0;
    for k in 1..=n {
        let t = (k as f64 * step).min(horizon);
        let cum = if k == n {
            at_horizon
        } else {
            model.expected_purchases(history, t)?
        };
        discount /= growth;
        total += (cum - prev) * discount;
        prev = cum;
        let tail_bound = (at_horizon - cum).max(0.0) * discount / growth;
        if tail_bound <= DISCRETE_TAIL * total {
            break;
        }
    }
    Ok(total)
}

/// Relative size of the discounted remainder below which [`discounted_purchases_discrete`]
/// stops summing.
pub const DISCRETE_TAIL: f64 = 1e-13;

/// DERT: discounted expected residual transactions ∫₀^H e^{−δt} dE[Y(t) | x, t_x, T], for any
/// purchase model, H finite or infinite.
///
/// # Formula
/// Integration by parts (E[Y(0)] = 0), then the substitution u = 1 − e^{−δt}
/// (t = −ln(1 − u)/δ, dt = du/(δ(1 − u))):
/// ```text
/// DERT(δ, H) = e^{−δH} E[Y(H)] + δ ∫₀^H e^{−δt} E[Y(t)] dt
///            = e^{−δH} E[Y(H)] + ∫₀^{1−e^{−δH}} E[Y(−ln(1−u)/δ)] du
/// DERT(δ, ∞) = ∫₀¹ E[Y(−ln(1−u)/δ)] du
/// DERT(0, H) = E[Y(H)]
/// ```
/// This is the definition of DERT in Fader, Hardie & Lee (2005b), eq. (2) (there evaluated in
/// closed form for the Pareto/NBD); BG/NBD has no closed form. For an infinite horizon a
/// model's own closed form ([`PurchaseModel::dert_closed_form`]) is used when it has one;
/// [`dert_by_quadrature`] always integrates.
///
/// # Numerics
/// The substituted integral runs over a finite interval whatever H is, and its integrand is
/// E\[Y\] itself: smooth on [0, 1) and at most logarithmically unbounded as u → 1 even when
/// E[Y(t)] grows without bound (BG/NBD with a ≤ 1), since E[Y(t)] grows at most linearly in t.
/// It is integrated by adaptive Gauss–Kronrod (7, 15) quadrature to relative accuracy 1e-11
/// with no absolute floor (see [`super::quadrature`]), which never evaluates the end point
/// u = 1; the integrand is positive, so the relative criterion holds however small DERT is
/// (a customer with P(alive) ≈ 1e-23 has DERT ≈ 1e-21).
///
/// # Errors
/// Errors of the purchase model; an infinite horizon with δ = 0; quadrature failure.
pub fn dert<M: PurchaseModel + ?Sized>(
    model: &M,
    history: &History,
    delta: f64,
    horizon: Horizon,
) -> Result<f64> {
    if horizon == Horizon::Infinite && delta.is_finite() && delta > 0.0 {
        if let Some(closed_form) = model.dert_closed_form(history, delta) {
            return closed_form;
        }
    }
    dert_by_quadrature(model, history, delta, horizon)
}

/// [`dert`] by numerical integration only (see its docs), whether or not the model has a
/// closed form.
///
/// # Errors
/// As [`dert`].
pub fn dert_by_quadrature<M: PurchaseModel + ?Sized>(
    model: &M,
    history: &History,
    delta: f64,
    horizon: Horizon,
) -> Result<f64> {
    if !delta.is_finite() || delta < 0.0 {
        return Err(Error::InvalidOption {
            name: "discount rate δ",
            value: delta.to_string(),
            reason: "must be finite and non-negative".into(),
        });
    }
    let (end_term, upper) = match horizon {
        Horizon::Finite(h) => {
            let h = crate::models::check_horizon(h)?;
            let eyh = model.expected_purchases(history, h)?;
            if delta == 0.0 {
                return Ok(eyh);
            }
            ((-delta * h).exp() * eyh, -(-delta * h).exp_m1())
        }
        Horizon::Infinite => {
            if delta == 0.0 {
                return Err(infinite_needs_discount(delta));
            }
            (0.0, 1.0)
        }
    };
    // Relative tolerance only: E[Y] carries the factor P(alive), which can be 1e-300 (an
    // absolute floor would then accept any estimate).
    let integral = integrate(
        |u| model.expected_purchases(history, -(-u).ln_1p() / delta),
        0.0,
        upper,
        &Tolerance {
            absolute: 0.0,
            ..Tolerance::default()
        },
    )?;
    Ok(end_term + integral)
}

/// One customer's CLV and its factors.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerClv {
    /// The customer's identifier.
    pub customer_id: String,
    /// P(alive | x, t_x, T).
    pub p_alive: f64,
    /// Undiscounted E[Y(H) | x, t_x, T] over the horizon; `None` for an infinite horizon.
    pub expected_purchases: Option<f64>,
    /// Discounted expected purchases (the discrete sum or DERT).
    pub discounted_purchases: f64,
    /// E(Z | x, m̄): expected spend per transaction.
    pub expected_spend: f64,
    /// margin × expected spend × discounted expected purchases.
    pub clv: f64,
}

impl CustomerClv {
    /// The values without the id.
    pub fn values(&self) -> ClvValues {
        ClvValues {
            p_alive: self.p_alive,
            expected_purchases: self.expected_purchases,
            discounted_purchases: self.discounted_purchases,
            expected_spend: self.expected_spend,
            clv: self.clv,
        }
    }
}

/// Attaches the customer to an error from a model or the quadrature.
pub(super) fn for_customer(id: &str, e: Error) -> Error {
    match e {
        Error::Numerical { what, inputs } => Error::Numerical {
            what,
            inputs: format!("{inputs} (customer '{id}')"),
        },
        other => Error::InvalidData {
            location: Location::default(),
            reason: format!("customer '{id}': {other}"),
        },
    }
}

/// m̄ of a customer with `frequency` x for the spend model: its monetary value, or 0 (unused)
/// without repeat purchases.
///
/// # Errors
/// A repeat customer without monetary value, naming the customer.
pub(super) fn spend_of(id: &str, frequency: f64, monetary_value: Option<f64>) -> Result<f64> {
    match (frequency, monetary_value) {
        (0.0, _) => Ok(0.0),
        (_, Some(m)) => Ok(m),
        (x, None) => Err(Error::InvalidData {
            location: Location::default().at_field("monetary_value"),
            reason: format!("customer '{id}' (frequency {x}) has no monetary value"),
        }),
    }
}

/// The CLV of one customer under a validated [`Schedule`].
///
/// # Errors
/// A repeat customer without monetary value, model errors, or a non-finite result; every error
/// names the customer.
pub fn customer_clv<M: PurchaseModel + ?Sized, S: SpendModel + ?Sized>(
    purchases: &M,
    spend: &S,
    customer: &CustomerSummary,
    schedule: &Schedule,
) -> Result<CustomerClv> {
    let v = customer_clv_values(purchases, spend, customer, schedule, None)?;
    Ok(CustomerClv {
        customer_id: customer.customer_id.clone(),
        p_alive: v.p_alive,
        expected_purchases: v.expected_purchases,
        discounted_purchases: v.discounted_purchases,
        expected_spend: v.expected_spend,
        clv: v.clv,
    })
}

/// The purchase side of a customer's CLV: it depends on (x, t_x, T) and the schedule alone, so
/// customers sharing that pattern share it (see [`super::patterns`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PurchaseValues {
    /// P(alive | x, t_x, T).
    pub p_alive: f64,
    /// Undiscounted E[Y(H) | x, t_x, T]; `None` for an infinite horizon.
    pub expected_purchases: Option<f64>,
    /// Discounted expected purchases (the discrete sum or DERT).
    pub discounted_purchases: f64,
}

/// The [`PurchaseValues`] of a history under a validated [`Schedule`]: E[Y(H) | x, t_x, T],
/// the discrete sum ([`discounted_purchases_discrete`]) or DERT ([`dert`]), and P(alive).
///
/// # Errors
/// Errors of the purchase model and the quadrature (not naming a customer).
pub fn purchase_values<M: PurchaseModel + ?Sized>(
    purchases: &M,
    history: &History,
    schedule: &Schedule,
) -> Result<PurchaseValues> {
    let expected_purchases = match schedule.horizon {
        Horizon::Finite(t) => Some(purchases.expected_purchases(history, t)?),
        Horizon::Infinite => None,
    };
    let discounted_purchases = match schedule.discounting {
        Discounting::Discrete {
            step,
            rate_per_step,
        } => {
            let Horizon::Finite(t) = schedule.horizon else {
                return Err(infinite_needs_continuous());
            };
            discounted_purchases_discrete(purchases, history, t, step, rate_per_step)?
        }
        Discounting::Continuous { delta } => dert(purchases, history, delta, schedule.horizon)?,
    };
    Ok(PurchaseValues {
        p_alive: purchases.p_alive(history),
        expected_purchases,
        discounted_purchases,
    })
}

/// One customer's CLV and its factors, without the customer's id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClvValues {
    /// P(alive | x, t_x, T).
    pub p_alive: f64,
    /// Undiscounted E[Y(H) | x, t_x, T]; `None` for an infinite horizon.
    pub expected_purchases: Option<f64>,
    /// Discounted expected purchases.
    pub discounted_purchases: f64,
    /// E(Z | x, m̄).
    pub expected_spend: f64,
    /// margin × expected spend × discounted expected purchases.
    pub clv: f64,
}

/// [`customer_clv`] without the id, reusing `pattern`, the [`purchase_values`] of the
/// customer's history when already known (they are computed otherwise). The result is the same
/// bit for bit either way.
///
/// # Errors
/// As [`customer_clv`].
pub fn customer_clv_values<M: PurchaseModel + ?Sized, S: SpendModel + ?Sized>(
    purchases: &M,
    spend: &S,
    customer: &CustomerSummary,
    schedule: &Schedule,
    pattern: Option<PurchaseValues>,
) -> Result<ClvValues> {
    let id = customer.customer_id.as_str();
    let h = &customer.history;
    let m = spend_of(id, h.frequency, customer.monetary_value)?;
    let run = || -> Result<ClvValues> {
        let expected_spend = spend.expected_spend(h.frequency, m)?;
        let p = match pattern {
            Some(p) => p,
            None => purchase_values(purchases, h, schedule)?,
        };
        let clv = schedule.margin * expected_spend * p.discounted_purchases;
        Ok(ClvValues {
            p_alive: p.p_alive,
            expected_purchases: p.expected_purchases,
            discounted_purchases: p.discounted_purchases,
            expected_spend,
            clv,
        })
    };
    let r = run().map_err(|e| for_customer(id, e))?;
    let all_finite = [r.p_alive, r.discounted_purchases, r.expected_spend, r.clv]
        .iter()
        .chain(r.expected_purchases.as_ref())
        .all(|v| v.is_finite());
    if !all_finite {
        return Err(Error::Numerical {
            what: "CLV (non-finite result)",
            inputs: format!(
                "customer '{id}' (frequency {}, recency {}, T {}, monetary value {m}): \
                 p_alive {}, expected purchases {:?}, discounted purchases {}, expected spend {}, \
                 clv {}",
                h.frequency,
                h.recency,
                h.age,
                r.p_alive,
                r.expected_purchases,
                r.discounted_purchases,
                r.expected_spend,
                r.clv
            ),
        });
    }
    Ok(r)
}

/// CLV of every customer of a summary, in row order (computed in parallel).
///
/// Time quantities of `opts` are in `summary.unit`; an annual discount rate is converted to it.
///
/// # Errors
/// Invalid options ([`ClvOptions::schedule`]); the first failing customer (see
/// [`customer_clv`]).
///
/// # Examples
/// ```no_run
/// use btyd::models::{BgNbd, GammaGamma};
/// use btyd::predict::clv::{clv, ClvOptions, DiscountRate};
/// # fn run(summary: &btyd::data::Summary) -> btyd::Result<()> {
/// let bg = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259)?;
/// let gg = GammaGamma::new(6.2488, 3.7446, 15.4477)?;
/// // One year in monthly steps at 10% a year, 20% margin.
/// let opts = ClvOptions::monthly(52.0, summary.unit, DiscountRate::Annual(0.1)).with_margin(0.2);
/// let rows = clv(&bg, &gg, summary, &opts)?;
/// # Ok(()) }
/// ```
pub fn clv<M: PurchaseModel + ?Sized, S: SpendModel + Sync + ?Sized>(
    purchases: &M,
    spend: &S,
    summary: &Summary,
    opts: &ClvOptions,
) -> Result<Vec<CustomerClv>> {
    let schedule = opts.schedule(summary.unit)?;
    summary
        .customers
        .par_iter()
        .map(|c| customer_clv(purchases, spend, c, &schedule))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discount_rate_conversions() {
        let week = TimeUnit::Week;
        // Annual 10%: δ per week = ln(1.1)·7/365.25.
        let d = DiscountRate::Annual(0.1)
            .force_per_unit(week, None)
            .unwrap();
        assert!((d - 1.1f64.ln() * 7.0 / 365.25).abs() < 1e-16);
        // Per step from annual: (1.1)^(S·7/365.25) − 1; a 365.25-day step gives 10%.
        let s = DiscountRate::Annual(0.1)
            .per_step(week, 365.25 / 7.0)
            .unwrap();
        assert!((s - 0.1).abs() < 1e-14, "{s}");
        // Per unit r compounded over S units.
        let s = DiscountRate::PerUnit(0.01).per_step(week, 4.0).unwrap();
        assert!((s - (1.01f64.powi(4) - 1.0)).abs() < 1e-15);
        assert_eq!(
            DiscountRate::PerStep(0.01).per_step(week, 4.345).unwrap(),
            0.01
        );
        let c = DiscountRate::Continuous(0.02).per_step(week, 2.0).unwrap();
        assert!((c - (0.04f64).exp_m1()).abs() < 1e-16);
        assert!(DiscountRate::PerStep(0.01)
            .force_per_unit(week, None)
            .is_err());
        assert!(DiscountRate::PerUnit(-0.1)
            .force_per_unit(week, None)
            .is_err());
        assert!(DiscountRate::Annual(f64::NAN).per_step(week, 1.0).is_err());
    }

    #[test]
    fn step_counts_and_option_checks() {
        assert_eq!(step_count(12.0 * 4.345, 4.345), 12.0);
        assert_eq!(step_count(10.0, 3.0), 4.0);
        assert_eq!(step_count(0.0, 3.0), 0.0);
        assert!((month_in(TimeUnit::Week) - 30.4375 / 7.0).abs() < 1e-15);
        assert_eq!(month_in(TimeUnit::Month), 1.0);
        let unit = TimeUnit::Week;
        let r = DiscountRate::PerUnit(0.01);
        assert!(ClvOptions::discrete(10.0, 0.0, r).schedule(unit).is_err());
        assert!(ClvOptions::discrete(-1.0, 1.0, r).schedule(unit).is_err());
        assert!(ClvOptions::discrete(1e9, 1.0, r).schedule(unit).is_err());
        assert!(ClvOptions::discrete(10.0, 1.0, r)
            .with_margin(f64::NAN)
            .schedule(unit)
            .is_err());
        let mut o = ClvOptions::discrete(10.0, 1.0, r);
        o.horizon = Horizon::Infinite;
        assert!(o.schedule(unit).is_err());
        let o = ClvOptions::continuous(Horizon::Infinite, DiscountRate::PerUnit(0.0));
        assert!(o.schedule(unit).is_err());
        let o = ClvOptions::continuous(Horizon::Infinite, DiscountRate::PerStep(0.1));
        assert!(o.schedule(unit).is_err());
        let o = ClvOptions::continuous(Horizon::Finite(5.0), DiscountRate::Annual(0.1));
        assert!(o.schedule(unit).is_ok());
    }
}
