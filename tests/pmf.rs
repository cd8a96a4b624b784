//! The conditional distribution of future purchases, P(Y(t) = n | x, t_x, T)
//! ([`PurchaseModel::conditional_pmf`]): for every purchase model it sums to 1 (to
//! [`PMF_SUM_ABS`]) and its mean is E[Y(t) | x, t_x, T] (to [`PMF_MEAN_REL`]), on the 2,357
//! CDNOW customers at the models' published CDNOW parameters and on the extreme customers of
//! `tests/extremes.rs` with x up to 1e4 (T up to 1e6), where the mean stays small enough to
//! sum (beyond x = 1e4 the terms inherit ~1e-10 relative error from
//! `special::ln_neg_binomial_pmf`: see the extremes test).
//!
//! The mean is an independent check: E[Y(t) | …] is each paper's closed form (a ₂F₁ for the
//! BG/NBD family, note 009 for Pareto/NBD), while the pmf is built from P(X(t) = n) at the
//! posterior parameters.

mod common;

use btyd::data::History;
use btyd::models::{BgNbd, MbgNbd, Nbd, ParetoNbd, PurchaseModel};

/// |Σ p_n − 1| allowed: the 1e-10 (the terms are accurate to ~1e-13 relative).
const PMF_SUM_ABS: f64 = 1e-10;
/// |Σ n p_n − E[Y]| / max(1, E[Y]) allowed: the 1e-8.
const PMF_MEAN_REL: f64 = 1e-8;
/// The sum stops once the terms are below this (and falling, beyond the mean).
const NEGLIGIBLE: f64 = 1e-18;

/// The models at their published CDNOW estimates (docs/reference.md).
fn models() -> Vec<Box<dyn PurchaseModel>> {
    vec![
        Box::new(BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259).unwrap()),
        Box::new(MbgNbd::new(0.525, 6.183, 0.891, 1.614).unwrap()),
        Box::new(ParetoNbd::new(0.5534, 10.5802, 0.6061, 11.6562).unwrap()),
        Box::new(Nbd::new(0.385, 12.072).unwrap()),
    ]
}

/// The pmf up to where its terms are negligible, by doubling the number of terms.
fn full_pmf(m: &dyn PurchaseModel, h: &History, t: f64) -> Vec<f64> {
    let mean = m.expected_purchases(h, t).unwrap();
    let mut n = 32u64.max((2.0 * mean) as u64);
    loop {
        let pmf = m
            .conditional_pmf(h, t, n)
            .expect("closed form")
            .unwrap_or_else(|e| panic!("{} {h:?} t {t}: {e}", m.name()));
        let last = pmf[pmf.len() - 1];
        if last < NEGLIGIBLE && (n as f64) > 2.0 * mean {
            return pmf;
        }
        n *= 2;
        assert!(n < 1 << 22, "{} {h:?}: pmf too long", m.name());
    }
}

/// Checks the sum and the mean of one customer's pmf.
fn check(m: &dyn PurchaseModel, h: &History, t: f64) {
    let pmf = full_pmf(m, h, t);
    assert!(
        pmf.iter().all(|p| p.is_finite() && *p >= 0.0),
        "{} {h:?}",
        m.name()
    );
    let sum: f64 = pmf.iter().sum();
    let mean: f64 = pmf.iter().enumerate().map(|(n, p)| n as f64 * p).sum();
    let want = m.expected_purchases(h, t).unwrap();
    assert!(
        (sum - 1.0).abs() < PMF_SUM_ABS,
        "{} {h:?} t {t}: sum {sum}",
        m.name()
    );
    assert!(
        (mean - want).abs() / want.max(1.0) < PMF_MEAN_REL,
        "{} {h:?} t {t}: mean {mean} vs E[Y] {want}",
        m.name()
    );
}

#[test]
fn sums_to_one_with_mean_e_y_on_cdnow() {
    let mut histories = common::cdnow_histories();
    histories.sort_by(|a, b| {
        (a.frequency, a.recency, a.age)
            .partial_cmp(&(b.frequency, b.recency, b.age))
            .unwrap()
    });
    histories.dedup();
    for m in models() {
        for h in &histories {
            check(m.as_ref(), h, 39.0);
        }
    }
}

#[test]
fn sums_to_one_with_mean_e_y_for_extreme_customers() {
    // The (x, t_x, T) of tests/data/extremes_conditional.csv.
    let path = format!(
        "{}/tests/data/extremes_conditional.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut histories: Vec<(u64, u64, u64)> = text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let n = |i: usize| f[i].trim().parse::<f64>().ok();
            Some((n(3)?.to_bits(), n(4)?.to_bits(), n(5)?.to_bits()))
        })
        .collect();
    histories.sort_unstable();
    histories.dedup();
    let mut checked = 0;
    for m in models() {
        for &(x, t_x, big_t) in &histories {
            let (x, t_x, big_t) = (
                f64::from_bits(x),
                f64::from_bits(t_x),
                f64::from_bits(big_t),
            );
            // Up to x = 1e4: beyond, r + x ≥ 1e5 and the negative binomial terms of
            // P(X(t) = n) (`special::ln_neg_binomial_pmf`, which subtracts ln Γ(r+x) ≈ 1e6)
            // carry ~1e-10 relative error, so their sum misses 1 by about that much.
            if x > 1e4 {
                continue;
            }
            let h = History::new(x, t_x, big_t).unwrap();
            for t in [1.0, 10.0, 39.0] {
                // Sum only where the distribution is short enough (E[Y] up to 2,000).
                if m.expected_purchases(&h, t).unwrap() <= 2000.0 {
                    check(m.as_ref(), &h, t);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} extreme cases checked");
}

#[test]
fn nbd_is_the_negative_binomial_and_zero_horizon_is_no_purchase() {
    let m = Nbd::new(0.385, 12.072).unwrap();
    let h = History::new(3.0, 20.0, 30.0).unwrap();
    let pmf = m.conditional_pmf(&h, 10.0, 3).unwrap().unwrap();
    // NB(r + x, (α+T)/(α+T+t)): p_0 = ((α+T)/(α+T+t))^{r+x}.
    let p0 = (42.072f64 / 52.072).powf(3.385);
    assert!((pmf[0] - p0).abs() < 1e-15);
    assert!((pmf[1] - p0 * 3.385 * 10.0 / 52.072).abs() < 1e-15);
    for model in models() {
        let pmf = model.conditional_pmf(&h, 0.0, 2).unwrap().unwrap();
        assert_eq!(pmf, vec![1.0, 0.0, 0.0], "{}", model.name());
    }
}

#[test]
fn a_customer_long_gone_makes_no_purchase() {
    let m = BgNbd::new(0.2426, 4.4136, 0.7929, 2.4259).unwrap();
    let h = History::new(10_000.0, 50.0, 100.0).unwrap();
    assert_eq!(m.p_alive(&h), 0.0);
    let pmf = m.conditional_pmf(&h, 39.0, 3).unwrap().unwrap();
    assert_eq!(pmf, vec![1.0, 0.0, 0.0, 0.0]);
}
