//! Parameter uncertainty of predictions: intervals for P(alive), expected purchases, expected
//! spend and CLV per customer, and for their totals.
//!
//! # Method
//! The predictions are evaluated at D sets of parameters ("draws") and summarised by their
//! quantiles:
//!
//! - **Normal draws** ([`normal_draws`]): θ = ln p ~ N(θ̂, Σ_θ), the asymptotic normal of the
//!   maximum-likelihood estimate on the log scale the parameters are fitted on, with
//!   Σ_θ[i][j] = Σ[i][j]/(p̂ᵢ p̂ⱼ) from the natural-scale covariance Σ of the model file (the
//!   delta method of [`crate::fit::covariance`] run backwards), sampled as θ̂ + L z with L the
//!   Cholesky factor of Σ_θ and z standard normal, from a seeded RNG. The log scale keeps every
//!   draw positive.
//! - **Bootstrap** ([`crate::fit::bootstrap`]): refits on customer resamples; the refitted
//!   models are the draws.
//!
//! A purchase model and a spend model are drawn independently (they are fitted on different
//! data, and their covariance is not known jointly); draw d of CLV pairs purchase draw d with
//! spend draw d.
//!
//! Values depend on a customer only through a *case*: its history (x, t_x, T), plus m̄ for
//! spend and CLV or its own horizon when horizons differ. Each distinct case is evaluated once
//! per draw, in chunks of [`CASES_PER_CHUNK`] cases processed in parallel, so memory is
//! bounded by a chunk's cases × draws (never all cases × draws). Each chunk computes its cases'
//! quantiles and adds its weighted per-draw sums; the per-draw totals (chunk sums added in
//! chunk order, independent of the thread count) give the interval of the total: the
//! quantiles of the D totals, not sums of per-customer bounds.
//!
//! # Quantiles and the point
//! The interval at level L is [Q((1−L)/2), Q((1+L)/2)] of the D values, with Q the type 7
//! quantile of Hyndman & Fan (1996) (R's and NumPy's default; [`quantile_type7`]). The point is
//! always the prediction at the estimate, not the draws' mean. The quantiles of a nonlinear
//! function need not bracket its value at the estimate (e.g. P(alive) close to 1 where most
//! draws give less); the bounds are then **clamped** to it, lower = min(Q_lo, point) and
//! upper = max(Q_hi, point), so lower ≤ point ≤ upper always holds (a clamped bound means the
//! interval is one-sided at that level). P(alive) bounds are quantiles of probabilities, so
//! they stay in [0, 1].
//!
//! # Assumptions
//! The normal draws rely on the asymptotic normality of the estimate: with few customers, or a
//! fit near an edge of the parameter space (where the model file has no covariance), use the
//! bootstrap. Neither method includes the process uncertainty of the future purchases
//! themselves (see [`crate::models::PurchaseModel::conditional_pmf`]).

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use super::clv::{customer_clv_values, purchase_values, Horizon, Schedule};
use super::purchases::history_prediction;
use crate::data::{CustomerSummary, History};
use crate::error::{Error, Result};
use crate::hash::FxBuildHasher;
use crate::models::{AnyModel, PurchaseModel, SpendModel};

/// Cases per chunk of parallel work: a chunk holds cases × draws × columns values (some 8 MB
/// for 1,000 draws and 4 columns).
pub const CASES_PER_CHUNK: usize = 256;

/// A validated interval level L in (0, 1), e.g. 0.9.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level(f64);

impl Level {
    /// The level, checked.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] unless 0 < L < 1.
    pub fn new(level: f64) -> Result<Self> {
        if level > 0.0 && level < 1.0 {
            Ok(Level(level))
        } else {
            Err(Error::InvalidOption {
                name: "interval level",
                value: level.to_string(),
                reason: "must be strictly between 0 and 1 (e.g. 0.9)".into(),
            })
        }
    }

    /// The level.
    pub fn value(self) -> f64 {
        self.0
    }

    /// The probabilities of the lower and upper bounds, (1−L)/2 and (1+L)/2.
    pub fn probabilities(self) -> (f64, f64) {
        ((1.0 - self.0) / 2.0, (1.0 + self.0) / 2.0)
    }
}

/// An interval around a point: lower ≤ point ≤ upper.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The value at the estimate.
    pub point: f64,
    /// The lower bound.
    pub lower: f64,
    /// The upper bound.
    pub upper: f64,
}

impl Interval {
    /// The interval at `level` of the values `draws` (sorted in place) around `point`, clamped
    /// to contain it (see the module docs).
    pub fn from_draws(point: f64, draws: &mut [f64], level: Level) -> Self {
        draws.sort_unstable_by(f64::total_cmp);
        let (lo, hi) = level.probabilities();
        Interval {
            point,
            lower: quantile_type7(draws, lo).min(point),
            upper: quantile_type7(draws, hi).max(point),
        }
    }

    /// Whether `value` lies in the interval.
    pub fn contains(&self, value: f64) -> bool {
        self.lower <= value && value <= self.upper
    }

    /// upper − lower.
    pub fn width(&self) -> f64 {
        self.upper - self.lower
    }
}

/// The type 7 quantile of sorted values (Hyndman & Fan 1996): with h = (n−1)p, the linear
/// interpolation x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎) between order statistics (0-based).
/// NaN for no values.
pub fn quantile_type7(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

/// The lower Cholesky factor L of a symmetric positive-definite matrix (L Lᵀ = m).
///
/// # Errors
/// [`Error::Numerical`] when `m` is not positive definite.
pub fn cholesky(m: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
    crate::special::cholesky(m).ok_or_else(|| Error::Numerical {
        what: "Cholesky factor of the covariance",
        inputs: format!("{m:?} is not positive definite"),
    })
}

/// `draws` sets of parameters of `model`'s kind from the asymptotic normal of the
/// log-parameters, ln p ~ N(ln p̂, Σ_θ), with Σ_θ[i][j] = `covariance`[i][j]/(p̂ᵢ p̂ⱼ) (see
/// the module docs), from an RNG seeded with `seed`.
///
/// # Errors
/// [`Error::InvalidOption`] for a covariance of the wrong size; [`Error::Numerical`] when it
/// is not positive definite; [`Error::InvalidParameter`] if a draw overflows.
pub fn normal_draws(
    model: &AnyModel,
    covariance: &[Vec<f64>],
    draws: usize,
    seed: u64,
) -> Result<Vec<AnyModel>> {
    let p = model.params();
    let k = p.len();
    if covariance.len() != k || covariance.iter().any(|row| row.len() != k) {
        return Err(Error::InvalidOption {
            name: "covariance",
            value: format!("{} rows", covariance.len()),
            reason: format!("{} needs a {k}×{k} matrix", model.name()),
        });
    }
    let cov_log: Vec<Vec<f64>> = (0..k)
        .map(|i| (0..k).map(|j| covariance[i][j] / (p[i] * p[j])).collect())
        .collect();
    let l = cholesky(&cov_log)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(draws);
    for _ in 0..draws {
        let z: Vec<f64> = (0..k).map(|_| StandardNormal.sample(&mut rng)).collect();
        let params: Vec<f64> = (0..k)
            .map(|i| (p[i].ln() + (0..=i).map(|j| l[i][j] * z[j]).sum::<f64>()).exp())
            .collect();
        out.push(AnyModel::from_params(model.kind(), &params)?);
    }
    Ok(out)
}

/// Intervals of some columns for every row, each row through its case.
#[derive(Debug, Clone, PartialEq)]
pub struct RowIntervals {
    /// The columns, e.g. `["expected_purchases", "p_alive"]`.
    pub columns: Vec<&'static str>,
    /// For each row, the index of its case in `cases`.
    pub of_row: Vec<usize>,
    /// For each distinct case, one interval per column.
    pub cases: Vec<Vec<Interval>>,
    /// The interval of the total (over rows) of column `total_column`: point = Σ points, bounds
    /// from the quantiles of the per-draw totals.
    pub total: Interval,
    /// The column summed in `total`.
    pub total_column: &'static str,
    /// The per-draw totals.
    pub total_draws: Vec<f64>,
}

impl RowIntervals {
    /// The intervals of row `row`, one per column.
    pub fn row(&self, row: usize) -> &[Interval] {
        &self.cases[self.of_row[row]]
    }
}

/// Distinct cases of rows, by the bits of a key, and each case's weight (its row count).
struct Cases<C> {
    cases: Vec<C>,
    weights: Vec<f64>,
    of_row: Vec<usize>,
}

fn index_cases<C: Copy, const N: usize>(
    rows: impl Iterator<Item = C>,
    key: impl Fn(&C) -> [u64; N],
) -> Cases<C> {
    let mut seen: HashMap<[u64; N], usize, FxBuildHasher> = HashMap::default();
    let mut out = Cases {
        cases: Vec::new(),
        weights: Vec::new(),
        of_row: Vec::new(),
    };
    for c in rows {
        let next = out.cases.len();
        let i = *seen.entry(key(&c)).or_insert(next);
        if i == next {
            out.cases.push(c);
            out.weights.push(0.0);
        }
        out.weights[i] += 1.0;
        out.of_row.push(i);
    }
    out
}

/// The engine: `eval(case, None)` is the point and `eval(case, Some(d))` draw d of each of
/// `columns.len()` columns; per case the intervals, and the per-draw weighted totals of
/// column `total`.
fn intervals_of_cases<C: Sync>(
    cases: &Cases<C>,
    draws: usize,
    level: Level,
    columns: Vec<&'static str>,
    total: usize,
    eval: impl Fn(&C, Option<usize>, &mut [f64]) -> Result<()> + Sync,
) -> Result<RowIntervals> {
    let k = columns.len();
    type Chunk = (Vec<Vec<Interval>>, Vec<f64>, f64);
    let chunks: Vec<Result<Chunk>> = cases
        .cases
        .par_chunks(CASES_PER_CHUNK)
        .zip(cases.weights.par_chunks(CASES_PER_CHUNK))
        .map(|(chunk, weights)| {
            let mut sums = vec![0.0; draws];
            let mut point_sum = 0.0;
            let mut values = vec![0.0; k * draws];
            let mut row = vec![0.0; k];
            let mut intervals = Vec::with_capacity(chunk.len());
            for (case, &w) in chunk.iter().zip(weights) {
                eval(case, None, &mut row)?;
                let points = row.clone();
                point_sum += w * points[total];
                for d in 0..draws {
                    eval(case, Some(d), &mut row)?;
                    for (c, v) in row.iter().enumerate() {
                        values[c * draws + d] = *v;
                    }
                    sums[d] += w * row[total];
                }
                let per_column = (0..k)
                    .map(|c| {
                        Interval::from_draws(
                            points[c],
                            &mut values[c * draws..(c + 1) * draws],
                            level,
                        )
                    })
                    .collect();
                intervals.push(per_column);
            }
            Ok((intervals, sums, point_sum))
        })
        .collect();
    let mut out_cases = Vec::with_capacity(cases.cases.len());
    let mut totals = vec![0.0; draws];
    let mut point_total = 0.0;
    for chunk in chunks {
        let (intervals, sums, point_sum) = chunk?;
        out_cases.extend(intervals);
        for (t, s) in totals.iter_mut().zip(sums) {
            *t += s;
        }
        point_total += point_sum;
    }
    let mut sorted = totals.clone();
    Ok(RowIntervals {
        total: Interval::from_draws(point_total, &mut sorted, level),
        total_column: columns[total],
        columns,
        of_row: cases.of_row.clone(),
        cases: out_cases,
        total_draws: totals,
    })
}

/// The error of a value that is not finite at a draw.
fn not_finite(what: &'static str, h: &History, draw: Option<usize>) -> Error {
    Error::Numerical {
        what,
        inputs: format!(
            "history (x {}, t_x {}, T {}) at {}",
            h.frequency,
            h.recency,
            h.age,
            match draw {
                Some(d) => format!("parameter draw {d}"),
                None => "the estimate".into(),
            }
        ),
    }
}

/// The purchase models of some draws.
///
/// # Errors
/// [`Error::WrongModel`] for a draw that is not a purchase model.
pub fn purchase_draws(draws: &[AnyModel]) -> Result<Vec<&dyn PurchaseModel>> {
    draws.iter().map(|m| m.purchase()).collect()
}

/// The spend models of some draws.
///
/// # Errors
/// [`Error::WrongModel`] for a draw that is not a spend model.
pub fn spend_draws(draws: &[AnyModel]) -> Result<Vec<&dyn SpendModel>> {
    draws.iter().map(|m| m.spend()).collect()
}

/// Intervals of E[Y(t) | x, t_x, T] (`expected_purchases`) and P(alive) (`p_alive`) for rows
/// given as (history, horizon t), the point from `model` and the spread from `draws` (see the
/// module docs); the total is Σ expected purchases.
///
/// # Errors
/// A prediction that fails or is not finite at the estimate or at a draw.
pub fn prediction_intervals(
    model: &dyn PurchaseModel,
    draws: &[&dyn PurchaseModel],
    rows: &[(History, f64)],
    level: Level,
) -> Result<RowIntervals> {
    purchase_intervals(model, draws, rows, level, true)
}

/// Only the expected-purchases column of [`prediction_intervals`] (P(alive) is not
/// evaluated, which halves the work for Pareto/NBD): intervals of E[Y(t) | x, t_x, T] per row
/// given as (history, horizon t) and of their total, e.g. the holdout total of `compare`.
///
/// # Errors
/// A prediction that fails or is not finite at the estimate or at a draw.
pub fn expected_purchases_intervals(
    model: &dyn PurchaseModel,
    draws: &[&dyn PurchaseModel],
    rows: &[(History, f64)],
    level: Level,
) -> Result<RowIntervals> {
    purchase_intervals(model, draws, rows, level, false)
}

/// [`prediction_intervals`], or with `with_p_alive` false [`expected_purchases_intervals`].
fn purchase_intervals(
    model: &dyn PurchaseModel,
    draws: &[&dyn PurchaseModel],
    rows: &[(History, f64)],
    level: Level,
    with_p_alive: bool,
) -> Result<RowIntervals> {
    let cases = index_cases(rows.iter().copied(), |(h, t)| {
        [
            h.frequency.to_bits(),
            h.recency.to_bits(),
            h.age.to_bits(),
            t.to_bits(),
        ]
    });
    let columns = if with_p_alive {
        vec!["expected_purchases", "p_alive"]
    } else {
        vec!["expected_purchases"]
    };
    intervals_of_cases(&cases, draws.len(), level, columns, 0, |(h, t), d, out| {
        let m = match d {
            Some(d) => draws[d],
            None => model,
        };
        if with_p_alive {
            let p = history_prediction(m, h, *t)
                .ok_or_else(|| not_finite("prediction at a parameter draw", h, d))?;
            out[0] = p.expected_purchases;
            out[1] = p.p_alive;
        } else {
            out[0] = m
                .expected_purchases(h, *t)
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| not_finite("expected purchases", h, d))?;
        }
        Ok(())
    })
}

/// Intervals of the CLV table's P(alive), E[Y(H)] (finite horizons only), expected spend and
/// CLV for every customer, the points from `purchases` and `spend` and the spread from
/// purchase draw d paired with spend draw d (the two lists must be as long); the total is
/// Σ CLV. Columns: `p_alive`, [`expected_purchases`,] `expected_spend`, `clv`.
///
/// # Errors
/// Draw lists of different lengths; the errors of [`customer_clv_values`] at the estimate or
/// at a draw.
pub fn clv_intervals(
    purchases: &dyn PurchaseModel,
    spend: &dyn SpendModel,
    purchase_draws: &[&dyn PurchaseModel],
    spend_draws: &[&dyn SpendModel],
    customers: &[CustomerSummary],
    schedule: &Schedule,
    level: Level,
) -> Result<RowIntervals> {
    if purchase_draws.len() != spend_draws.len() {
        return Err(Error::InvalidOption {
            name: "draws",
            value: format!("{} and {}", purchase_draws.len(), spend_draws.len()),
            reason: "purchase and spend draws must be as many".into(),
        });
    }
    let finite = matches!(schedule.horizon, Horizon::Finite(_));
    // m̄ matters only for repeat customers (the spend model's population mean otherwise).
    let cases = index_cases(customers.iter(), |c| {
        let h = c.history;
        let m = if h.frequency == 0.0 {
            0
        } else {
            c.monetary_value.map_or(u64::MAX, f64::to_bits)
        };
        [
            h.frequency.to_bits(),
            h.recency.to_bits(),
            h.age.to_bits(),
            m,
        ]
    });
    let mut columns = vec!["p_alive"];
    if finite {
        columns.push("expected_purchases");
    }
    columns.extend(["expected_spend", "clv"]);
    let total = columns.len() - 1;
    intervals_of_cases(
        &cases,
        purchase_draws.len(),
        level,
        columns,
        total,
        |c, d, out| {
            let (p, s) = match d {
                Some(d) => (purchase_draws[d], spend_draws[d]),
                None => (purchases, spend),
            };
            let pattern = purchase_values(p, &c.history, schedule).ok();
            let v = customer_clv_values(p, s, c, schedule, pattern)?;
            let mut i = 0;
            let mut put = |x: f64| {
                out[i] = x;
                i += 1;
            };
            put(v.p_alive);
            if let Some(e) = v.expected_purchases {
                put(e);
            }
            put(v.expected_spend);
            put(v.clv);
            Ok(())
        },
    )
}

/// Quantiles of a customer's number of purchases in (T, T + t] (process uncertainty, from
/// [`PurchaseModel::conditional_pmf`]): for each probability p, the smallest n with
/// P(Y(t) ≤ n | x, t_x, T) ≥ p. `None` when the model has no closed-form pmf.
///
/// # Numerics
/// The pmf is computed to n = 32, then to twice as far until the cumulative probability
/// reaches the largest p (at most 2^24 terms).
///
/// # Errors
/// Those of the pmf; [`Error::Numerical`] when 2^24 terms do not reach the largest p.
pub fn count_quantiles(
    model: &dyn PurchaseModel,
    history: &History,
    horizon: f64,
    probabilities: &[f64],
) -> Option<Result<Vec<u64>>> {
    let target = probabilities.iter().copied().fold(0.0, f64::max);
    let mut max_n = 32u64;
    loop {
        let pmf = match model.conditional_pmf(history, horizon, max_n)? {
            Ok(p) => p,
            Err(e) => return Some(Err(e)),
        };
        let mut cdf = Vec::with_capacity(pmf.len());
        let mut acc = 0.0;
        for p in &pmf {
            acc += p;
            cdf.push(acc);
        }
        if acc >= target {
            return Some(Ok(probabilities
                .iter()
                .map(|&p| cdf.iter().position(|&c| c >= p).unwrap_or(pmf.len() - 1) as u64)
                .collect()));
        }
        if max_n >= 1 << 24 {
            return Some(Err(not_finite(
                "purchase-count quantile (pmf too long)",
                history,
                None,
            )));
        }
        max_n *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type7_matches_r() {
        // R: quantile(c(1, 2, 4, 8, 16), c(0.05, 0.5, 0.95), type = 7) = 1.2, 4, 14.4
        // (h = 4p: 0.2, 2, 3.8)
        let x = [1.0, 2.0, 4.0, 8.0, 16.0];
        assert!((quantile_type7(&x, 0.05) - 1.2).abs() < 1e-12);
        assert_eq!(quantile_type7(&x, 0.5), 4.0);
        assert!((quantile_type7(&x, 0.95) - 14.4).abs() < 1e-12);
        assert_eq!(quantile_type7(&x, 1.0), 16.0);
        assert_eq!(quantile_type7(&x, 0.0), 1.0);
    }

    #[test]
    fn intervals_are_clamped_to_contain_the_point() {
        let level = Level::new(0.9).unwrap();
        let mut d = vec![0.5, 0.6, 0.7, 0.8, 0.9];
        let i = Interval::from_draws(0.95, &mut d, level);
        assert_eq!(i.upper, 0.95);
        assert!(i.lower <= i.point);
        assert!(Level::new(1.0).is_err() && Level::new(0.0).is_err());
    }

    #[test]
    fn cholesky_reproduces_the_matrix() {
        let m = vec![
            vec![4.0, 2.0, 0.4],
            vec![2.0, 3.0, 0.3],
            vec![0.4, 0.3, 1.0],
        ];
        let l = cholesky(&m).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|c| l[i][c] * l[j][c]).sum();
                assert!((v - m[i][j]).abs() < 1e-14);
            }
        }
        assert!(cholesky(&[vec![1.0, 2.0], vec![2.0, 1.0]]).is_err());
    }
}
