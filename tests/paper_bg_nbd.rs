//! BG/NBD against published values: Fader, Hardie & Lee (2005a), "Counting Your Customers the
//! Easy Way", Marketing Science 24(2); Hardie's notes 004 (Excel), 021 (P(alive)) and 027
//! (#NUM! errors); the BTYD R package vignette; lifetimes' and pymc-marketing's test suites.
//! Values and their sources are collected in `docs/reference.md` §2.

mod common;

use btyd::data::History;
use btyd::fit::{fit, FitOptions};
use btyd::models::{BgNbd, LogLikelihood, PurchaseModel};
use common::{cdnow_histories, patterns, rel};

/// Published rounded parameters, paper Table / §5: (0.243, 4.414, 0.793, 2.426).
fn published() -> BgNbd {
    BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap()
}

/// Full-precision MLE on the exact-day CDNOW summary (docs/reference.md §2.1, [R]).
fn full_mle() -> BgNbd {
    BgNbd::new(0.242595, 4.413602, 0.792922, 2.425906).unwrap()
}

/// BTYD's MLE as printed in its vignette p.19–20.
fn btyd_mle() -> BgNbd {
    BgNbd::new(0.2425982, 4.4136842, 0.7929899, 2.4261667).unwrap()
}

fn h(x: f64, t_x: f64, t: f64) -> History {
    History::new(x, t_x, t).unwrap()
}

/// The 2-dp summary file behind the paper: lifetimes reproduces its fit as r 0.24259293,
/// alpha 4.41353227, a 0.79288597, b 2.42575238, SEs 0.012557 0.378221 0.185719 0.705345
/// (lifetimes Quickstart `bgf.summary`; docs/reference.md §2.1 for the SEs, §8.1 for the
/// parameters). Against the exact-day MLE
/// (0.242595, 4.413602, 0.792922, 2.425906) the 2-dp rounding of T moves the estimates by < 2e-5
/// relative, inside the 1e-3 tolerance.
#[test]
fn fit_cdnow_summary_file_matches_paper() {
    let data = patterns(&cdnow_histories());
    assert_eq!(data.total_weight(), 2357.0);
    let f = fit::<BgNbd>(&data, &FitOptions::default()).unwrap();
    assert!(f.converged);
    let want = [0.242595, 4.413602, 0.792922, 2.425906];
    for (got, want) in f.model.params().iter().zip(want) {
        assert!(rel(*got, want) < 1e-3, "{got} vs {want}");
    }
    // LL at its own optimum with 2-dp input: −9582.4256 ([R]); the paper prints −9582.4.
    assert!(
        (f.log_likelihood - -9582.4256).abs() < 0.01,
        "{}",
        f.log_likelihood
    );
    let se = f.std_errors().unwrap();
    for (got, want) in se.iter().zip([0.01256, 0.37822, 0.18573, 0.70541]) {
        assert!(rel(*got, want) < 0.01, "SE {got} vs {want}");
    }
    // AIC/BIC from the LL.
    assert!((f.aic() - (8.0 - 2.0 * f.log_likelihood)).abs() < 1e-9);
    assert!((f.bic() - (4.0 * 2357f64.ln() - 2.0 * f.log_likelihood)).abs() < 1e-9);
    let table = f.param_table();
    assert_eq!(table[1].name, "alpha");
    let (lo, hi) = (table[1].lower_95.unwrap(), table[1].upper_95.unwrap());
    // 95% intervals on the log scale: exp(ln α ± 1.96 SE(ln α)), SE(ln α) = SE(α)/α.
    let a = table[1].estimate;
    assert!(0.0 < lo && lo < a && a < hi);
    assert!(((hi / lo).ln() - 2.0 * 1.959964 * se[1] / a).abs() < 1e-5);
    assert!((lo * hi - a * a).abs() < 1e-9 * a * a);
}

/// The per-customer sum equals the weighted sum over compressed patterns.
#[test]
fn compressed_likelihood_equals_per_customer_sum() {
    let rows = cdnow_histories();
    let m = published();
    let direct: f64 = rows.iter().map(|r| m.ln_likelihood(r)).sum();
    let (compressed, _) = btyd::fit::total_ln_likelihood(&m, &patterns(&rows));
    assert!(
        (direct - compressed).abs() < 1e-8,
        "{direct} vs {compressed}"
    );
    // At the published rounded parameters, LL = −9582.43 (paper −9582.4; docs/reference.md §1, §7).
    assert!((direct - -9582.4268).abs() < 0.01, "{direct}");
}

/// Customer 1 of CDNOW (x 2, t_x 30.43, T 38.86) at the published parameters: E[Y(39)] 1.226
/// (lifetimes test "same value as Hardie excel sheet"), P(alive) 0.7266 (note 021), LL_i −9.4586.
#[test]
fn customer_one_at_published_parameters() {
    let m = published();
    let c = h(2.0, 30.43, 38.86);
    assert!((m.expected_purchases(&c, 39.0).unwrap() - 1.2260).abs() < 5e-4);
    assert!((m.p_alive(&c) - 0.7266).abs() < 5e-5);
    assert!((m.ln_likelihood(&c) - -9.4586).abs() < 5e-5);
}

/// E[X(t)] for a new customer, Hardie's Excel note 004 via lifetimes' tests, checked at 5e-4
/// with the full-precision MLE (the rounded parameters move the 4th decimal; §2.6).
#[test]
fn unconditional_expectation_matches_excel() {
    let m = full_mle();
    let ts = [0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0];
    let want = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576];
    for (t, w) in ts.iter().zip(want) {
        let got = m.expected_purchases_new(*t).unwrap();
        assert!((got - w).abs() < 5e-4, "E[X({t})] = {got}, want {w}");
    }
    // E[X(52)] = 1.444004, BTYD vignette p.22.
    assert!((btyd_mle().expected_purchases_new(52.0).unwrap() - 1.444004).abs() < 1e-4);
    assert_eq!(m.expected_purchases_new(0.0).unwrap(), 0.0);
}

/// P(X(t) = n) at the published parameters, BTYD docs via lifetimes' tests (§2.6).
#[test]
fn probability_of_n_purchases_matches_btyd() {
    let m = published();
    assert!((m.p_purchases(0, 39.0).unwrap() - 0.5737864).abs() < 1e-7);
    assert!(rel(m.p_purchases(10, 2.0).unwrap(), 1.07869e-07) < 1e-4);
    let want = [
        0.0019995214,
        0.0015170236,
        0.0011633150,
        0.0009003148,
        0.0007023638,
        0.0005517902,
        0.0004361913,
        0.0003467171,
        0.0002769613,
        0.0002222260,
    ];
    for (n, w) in (11..=20).zip(want) {
        let got = m.p_purchases(n, 30.0).unwrap();
        assert!(rel(got, w) < 1e-6, "P(X(30)={n}) = {got}, want {w}");
    }
}

/// Σₙ P(X(t)=n) = 1 and Σₙ n P(X(t)=n) = E[X(t)] (the pmf and the expectation agree).
#[test]
fn pmf_sums_to_one_and_has_the_expected_mean() {
    for m in [published(), BgNbd::new(2.0, 3.0, 1.5, 4.0).unwrap()] {
        for t in [1.0, 39.0, 78.0] {
            let (mut total, mut mean) = (0.0, 0.0);
            let mut n = 0u64;
            // The tail decays slowly when a < 1 (E[X(t)] is dominated by never-dropping
            // customers): sum until the terms are negligible.
            loop {
                let p = m.p_purchases(n, t).unwrap();
                total += p;
                mean += n as f64 * p;
                n += 1;
                if n > 50 && p * (n as f64) < 1e-14 {
                    break;
                }
                assert!(n < 20_000);
            }
            assert!((total - 1.0).abs() < 1e-9, "{m:?} t {t}: sum {total}");
            let e = m.expected_purchases_new(t).unwrap();
            assert!(rel(mean, e) < 1e-7, "{m:?} t {t}: mean {mean} vs E {e}");
        }
    }
}

/// BTYD vignette p.22: customer "1516" (x 26, t_x 30.85714, T 31) with BTYD's MLE:
/// E[Y(52)] = 25.75659, P(alive) = 0.9688523; and the "increasing frequency paradox"
/// (t_x 20, T 39, x = 10, 15, 20, 25): E[Y(52)] 0.3474606, 0.04283391, 0.004158973, 0.0003583685.
#[test]
fn btyd_vignette_conditional_expectations() {
    let m = btyd_mle();
    let c = h(26.0, 30.85714, 31.0);
    assert!(rel(m.expected_purchases(&c, 52.0).unwrap(), 25.75659) < 1e-4);
    assert!(rel(m.p_alive(&c), 0.9688523) < 1e-5);
    for (x, w) in [
        (10.0, 0.3474606),
        (15.0, 0.04283391),
        (20.0, 0.004158973),
        (25.0, 0.0003583685),
    ] {
        let got = m.expected_purchases(&h(x, 20.0, 39.0), 52.0).unwrap();
        assert!(rel(got, w) < 1e-4, "x {x}: {got} vs {w}");
    }
}

/// Hardie note 027 (#NUM!): r 0.25, α 4, a 0.8, b 2.5, T 40: (x 200, t_x 38) → LL_i 100.7957;
/// (0, 0) → −0.59947382 (pymc-marketing `test_numerically_stable_logp`).
#[test]
fn note_027_extreme_customer() {
    let m = BgNbd::new(0.25, 4.0, 0.8, 2.5).unwrap();
    assert!((m.ln_likelihood(&h(200.0, 38.0, 40.0)) - 100.7957).abs() < 1e-4);
    assert!((m.ln_likelihood(&h(0.0, 0.0, 40.0)) - -0.59947382).abs() < 1e-8);
}

/// lifetimes: P(alive) for x 1000, t_x 10, T 100 is exactly 0 with no overflow.
#[test]
fn p_alive_underflows_to_zero() {
    let m = published();
    let c = h(1000.0, 10.0, 100.0);
    assert_eq!(m.p_alive(&c), 0.0);
    assert_eq!(m.expected_purchases(&c, 39.0).unwrap(), 0.0);
}

/// Every output stays finite for very heavy and very old customers.
#[test]
fn outputs_finite_on_extreme_customers() {
    let mut g = [0.0; 4];
    for m in [
        published(),
        full_mle(),
        BgNbd::new(3.0, 0.5, 2.0, 0.7).unwrap(),
    ] {
        for x in [0.0, 1.0, 10.0, 1e3, 1e4, 1e5] {
            for t in [1.0, 100.0, 1e4] {
                for frac in [0.0, 0.5, 0.999, 1.0] {
                    let c = if x == 0.0 {
                        h(0.0, 0.0, t)
                    } else {
                        h(x, t * frac, t)
                    };
                    let ll = m.ln_likelihood_grad(&c, &mut g);
                    assert!(
                        ll.is_finite() && g.iter().all(|v| v.is_finite()),
                        "{m:?} {c:?}"
                    );
                    let pa = m.p_alive(&c);
                    assert!((0.0..=1.0).contains(&pa), "{c:?}");
                    for horizon in [1.0, 39.0, 1e4] {
                        let e = m.expected_purchases(&c, horizon).unwrap();
                        assert!(e.is_finite() && e >= 0.0, "{m:?} {c:?} {horizon}: {e}");
                    }
                }
            }
        }
    }
}

/// Invalid parameters are rejected with the parameter's name.
#[test]
fn rejects_invalid_parameters() {
    for (r, alpha, a, b, name) in [
        (f64::NAN, 1.0, 1.0, 1.0, "r"),
        (1.0, 0.0, 1.0, 1.0, "alpha"),
        (1.0, 1.0, -1.0, 1.0, "a"),
        (1.0, 1.0, 1.0, f64::INFINITY, "b"),
    ] {
        match BgNbd::new(r, alpha, a, b) {
            Err(btyd::Error::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
            other => panic!("expected InvalidParameter for {name}, got {other:?}"),
        }
    }
    assert!(published().expected_purchases_new(-1.0).is_err());
    assert!(published().expected_purchases_new(f64::NAN).is_err());
}

/// From the raw log (exact day/7 values) the fit lands on the full-precision MLE of
/// docs/reference.md §2.1 ([R] 0.242595 4.413602 0.792922 2.425906, LL −9582.4292; CLVTools'
/// test and the BTYD vignette agree to 1e-3), and on the same optimum as the 2-dp summary file.
#[test]
fn fit_from_log_matches_paper_and_summary_file() {
    let summary = common::cdnow_sample_summary();
    let data = patterns(&summary.histories().collect::<Vec<_>>());
    let from_log = fit::<BgNbd>(&data, &FitOptions::default()).unwrap();
    assert!(
        (from_log.log_likelihood - -9582.43).abs() < 0.01,
        "{}",
        from_log.log_likelihood
    );
    let want = [0.242595, 4.413602, 0.792922, 2.425906];
    for (got, want) in from_log.model.params().iter().zip(want) {
        assert!(rel(*got, want) < 1e-4, "{got} vs {want}");
    }
    let from_file = fit::<BgNbd>(&patterns(&cdnow_histories()), &FitOptions::default()).unwrap();
    for (a, b) in from_log.model.params().iter().zip(from_file.model.params()) {
        assert!(rel(*a, b) < 1e-3, "{a} vs {b}");
    }
}

/// Bad data is refused with the row named, before any fitting (lifetimes' `_check_inputs`).
#[test]
fn rejects_invalid_summary_rows() {
    let cases = [
        ("1,-1,0,10", "negative"),
        ("1,NaN,0,10", "finite"),
        ("1,2,11,10", "greater than T"),
        ("1,0,3,10", "frequency is 0"),
        ("1,1.5,3,10", "whole number"),
    ];
    for (row, needle) in cases {
        let text = format!("customer_id,frequency,recency,T\n2,1,1,10\n{row}\n");
        let err =
            btyd::io::read_summary_from(text.as_bytes(), "bad.csv", btyd::data::TimeUnit::Week)
                .expect_err(row)
                .to_string();
        assert!(
            err.contains("bad.csv") && err.contains("line 3"),
            "{row}: {err}"
        );
        assert!(err.contains(needle), "{row}: {err}");
    }
    // Several bad rows: every one is counted and listed with its line (up to 10).
    let text = format!(
        "customer_id,frequency,recency,T\n{}\n",
        (10..)
            .zip(cases)
            .map(|(id, c)| format!("{id}{}", &c.0[1..]))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let err = btyd::io::read_summary_from(text.as_bytes(), "bad.csv", btyd::data::TimeUnit::Week)
        .expect_err("all bad")
        .to_string();
    assert!(err.starts_with("bad.csv: 5 invalid rows:"), "{err}");
    for (line, (_, needle)) in (2..).zip(cases) {
        assert!(
            err.contains(&format!("line {line}")) && err.contains(needle),
            "{err}"
        );
    }
    // A repeated customer id names the line of its first appearance, however often it repeats.
    let text = "customer_id,frequency,recency,T\n7,0,0,10\n7,0,0,10\n7,0,0,10\n";
    let err = btyd::io::read_summary_from(text.as_bytes(), "dup.csv", btyd::data::TimeUnit::Week)
        .expect_err("duplicates")
        .to_string();
    assert!(err.contains("2 invalid rows"), "{err}");
    assert_eq!(
        err.matches("duplicate customer id '7' (first on line 2)")
            .count(),
        2,
        "{err}"
    );
    let empty = btyd::data::Patterns::<History> {
        obs: vec![],
        weights: vec![],
    };
    let err = fit::<BgNbd>(&empty, &FitOptions::default())
        .expect_err("empty")
        .to_string();
    assert!(err.contains("no data"), "{err}");
}
