//! BG/BB against published values: Fader, Hardie & Shang (2010), "Customer-Base Analysis in a
//! Discrete-Time Noncontractual Setting", Marketing Science 29(6) 1086–1108, with Hardie's note
//! 010 (Excel) and the BTYD R package vignette; numbers the paper does not print were recomputed
//! independently with scipy/mpmath ([R]). Values and sources: `docs/reference.md` §5.2. Data: `datasets/donations.csv`, 11,104 donors of the 1995 cohort,
//! n = 6 annual opportunities (1996–2001).

mod common;

use btyd::data::Patterns;
use btyd::data::{opportunity_history, opportunity_patterns, OpportunityHistory};
use btyd::fit::{fit, FitOptions};
use btyd::io::{read_opportunity_patterns, read_opportunity_patterns_from};
use btyd::models::{BgBb, LogLikelihood, OpportunityModel};
use common::{dataset, rel};

/// The [R] MLE on the donations data (docs/reference.md §5.2; BTYD's vignette prints
/// 1.203507 0.7497667 0.6567568 2.783887).
fn mle() -> BgBb {
    BgBb::new(1.203522, 0.749716, 0.656718, 2.783442).unwrap()
}

fn donations() -> Patterns<OpportunityHistory> {
    read_opportunity_patterns(&dataset("donations.csv")).unwrap()
}

fn b(x: u32, t_x: u32, n: u32) -> OpportunityHistory {
    OpportunityHistory::new(x, t_x, n).unwrap()
}

/// Paper (§5, Table 2 area) and lifetimes' `test_params_out_is_close_to_Hardie_paper`:
/// α 1.204, β 0.750, γ 0.657, δ 2.783, LL −33,225.6; [R] MLE 1.203522 0.749716 0.656718
/// 2.783442, LL −33225.5813 (BTYD vignette p.30: −33225.58).
#[test]
fn fit_donations_matches_paper() {
    let data = donations();
    assert_eq!(data.len(), 22);
    assert_eq!(data.total_weight(), 11_104.0);
    let f = fit::<BgBb>(&data, &FitOptions::default()).unwrap();
    assert!(f.converged);
    let want = [1.203522, 0.749716, 0.656718, 2.783442];
    for (got, want) in f.model.params().iter().zip(want) {
        assert!(rel(*got, want) < 1e-3, "{got} vs {want}");
    }
    assert!(
        (f.log_likelihood - -33225.58).abs() < 0.01,
        "{}",
        f.log_likelihood
    );
    assert_eq!(f.n_obs, 11_104.0);
}

/// Table 6 of the paper: P(alive in 2002) = 0.11, 0.59, 0.93 for (x, t_x) = (0, 0), (2, 4),
/// (6, 6) with n = 6 (lifetimes' "Hardie paper table 6" test); [R] 0.1081, 0.5897, 0.9304.
#[test]
fn p_alive_matches_table_6() {
    let m = mle();
    for ((x, t_x), want) in [((0, 0), 0.1081), ((2, 4), 0.5897), ((6, 6), 0.9304)] {
        let got = m.p_alive(&b(x, t_x, 6));
        assert!((got - want).abs() < 5e-5, "({x}, {t_x}): {got} vs {want}");
    }
}

/// Note 010, "Conditional Expectations (II)" sheet: Σ over donors of E[X(6, 11) | x, t_x, 6] =
/// 12,884.2 (lifetimes test; [R] 12884.16 at the MLE). Actual holdout total: 13,260.
#[test]
fn total_conditional_expectation_matches_excel() {
    let m = mle();
    let data = donations();
    let total: f64 = data
        .obs
        .iter()
        .zip(&data.weights)
        .map(|(h, w)| w * m.expected_purchases(h, 5))
        .sum();
    assert!((total - 12_884.2).abs() < 0.5, "{total}");
}

/// E[X(10)] of a new donor: [R] 3.17983 at the MLE; BTYD vignette p.32 prints 3.179805.
/// E[X(6, 16)] of donor A (0, 0, 6) and donor B (4, 5, 6): [R] 0.13010 / 3.62708 at the rounded
/// paper parameters; BTYD vignette p.32 prints 0.1302169 / 3.627858. BTYD's printed values come
/// from its own optimum (not reproducible from the 7 digits it prints for the parameters), which
/// differs from the MLE in the 5th digit, so they are checked to 1e-4 relative at the MLE.
#[test]
fn btyd_vignette_expectations() {
    let m = mle();
    let got = m.expected_purchases_new(10);
    assert!((got - 3.17983).abs() < 5e-6, "{got}");
    assert!(rel(got, 3.179805) < 1e-4, "{got}");
    let rounded = BgBb::new(1.204, 0.750, 0.657, 2.783).unwrap();
    let (a, bb) = (
        rounded.expected_purchases(&b(0, 0, 6), 10),
        rounded.expected_purchases(&b(4, 5, 6), 10),
    );
    assert!((a - 0.13010).abs() < 5e-6, "{a}");
    assert!((bb - 3.62708).abs() < 5e-6, "{bb}");
    let (a, bb) = (
        m.expected_purchases(&b(0, 0, 6), 10),
        m.expected_purchases(&b(4, 5, 6), 10),
    );
    assert!(rel(a, 0.1302169) < 1e-4, "{a}");
    assert!(rel(bb, 3.627858) < 1e-4, "{bb}");
}

/// The per-pattern table of docs/reference.md §5.2 ([R] at the MLE): P(alive in 2002),
/// E[X(6, 11)] and DERT at d = 0.10, to 1e-4.
#[test]
fn per_pattern_table_matches_reference() {
    #[rustfmt::skip]
    let table: [(u32, u32, f64, f64, f64); 22] = [
        (0, 0, 0.1081, 0.0729, 0.1148),
        (1, 1, 0.0695, 0.0857, 0.1350),
        (1, 2, 0.2547, 0.3142, 0.4949),
        (1, 3, 0.4814, 0.5939, 0.9353),
        (1, 4, 0.6804, 0.8394, 1.3220),
        (1, 5, 0.8281, 1.0217, 1.6091),
        (1, 6, 0.9304, 1.1479, 1.8078),
        (2, 2, 0.0664, 0.1191, 0.1876),
        (2, 3, 0.2989, 0.5361, 0.8443),
        (2, 4, 0.5897, 1.0576, 1.6656),
        (2, 5, 0.8046, 1.4430, 2.2727),
        (2, 6, 0.9304, 1.6688, 2.6282),
        (3, 3, 0.0950, 0.2236, 0.3521),
        (3, 4, 0.4396, 1.0346, 1.6294),
        (3, 5, 0.7668, 1.8047, 2.8422),
        (3, 6, 0.9304, 2.1897, 3.4486),
        (4, 4, 0.2002, 0.5832, 0.9185),
        (4, 5, 0.6968, 2.0300, 3.1971),
        (4, 6, 0.9304, 2.7107, 4.2691),
        (5, 5, 0.5220, 1.8129, 2.8552),
        (5, 6, 0.9304, 3.2316, 5.0895),
        (6, 6, 0.9304, 3.7525, 5.9099),
    ];
    let m = mle();
    for (x, t_x, p_alive, expected, dert) in table {
        let h = b(x, t_x, 6);
        let got = (
            m.p_alive(&h),
            m.expected_purchases(&h, 5),
            m.dert(&h, 0.10).unwrap(),
        );
        assert!((got.0 - p_alive).abs() < 1e-4, "{h:?} P(alive) {got:?}");
        assert!((got.1 - expected).abs() < 1e-4, "{h:?} E[X(5)] {got:?}");
        assert!((got.2 - dert).abs() < 1e-4, "{h:?} DERT {got:?}");
    }
}

/// Note 010 in-sample fit (sheet cells C18…C24): expected number of donors with x = 0…6 repeat
/// donations in 1996–2001 = 11,104·P(X(6) = x): 3454.9 1888.7 1348.9 1113.4 1017.9 1027.2 1253.1
/// (lifetimes checks x = 0 and 6; [R] all). Actual: 3464 1823 1430 1085 1036 1063 1203.
#[test]
fn in_sample_frequency_histogram() {
    let m = mle();
    let want = [3454.9, 1888.7, 1348.9, 1113.4, 1017.9, 1027.2, 1253.1];
    for (x, w) in (0u32..).zip(want) {
        let got = 11_104.0 * m.p_purchases(x, 6);
        assert!((got - w).abs() < 0.05, "x {x}: {got} vs {w}");
    }
    assert_eq!(m.p_purchases(7, 6), 0.0);
}

/// BTYD vignette p.36 annual tracking of the cohort (expected repeat transactions per year
/// 1996–2006): [R] at the MLE 5535.8 4717.0 4147.6 3724.7 3395.9 3131.7 2913.8 2730.5 2573.8
/// 2437.9 2318.8, i.e. 11,104·(E[X(t)] − E[X(t−1)]).
#[test]
fn annual_tracking_matches_btyd() {
    let m = mle();
    let want = [
        5535.8, 4717.0, 4147.6, 3724.7, 3395.9, 3131.7, 2913.8, 2730.5, 2573.8, 2437.9, 2318.8,
    ];
    for (t, w) in (1u32..).zip(want) {
        let got = 11_104.0 * (m.expected_purchases_new(t) - m.expected_purchases_new(t - 1));
        assert!((got - w).abs() < 0.1, "year {t}: {got} vs {w}");
    }
}

/// Σ_x P(X(n) = x) = 1 and Σ_x x P(X(n) = x) = E[X(n)], also at γ = 1 and γ > 1.
#[test]
fn pmf_sums_to_one_and_has_the_expected_mean() {
    for m in [
        mle(),
        BgBb::new(0.3, 2.0, 1.0, 0.5).unwrap(),
        BgBb::new(5.0, 1.5, 3.0, 20.0).unwrap(),
    ] {
        for n in [0u32, 1, 6, 11, 40] {
            let (mut total, mut mean) = (0.0, 0.0);
            for x in 0..=n {
                let p = m.p_purchases(x, n);
                total += p;
                mean += f64::from(x) * p;
            }
            assert!((total - 1.0).abs() < 1e-12, "{m:?} n {n}: {total}");
            let e = m.expected_purchases_new(n);
            assert!(
                (mean - e).abs() < 1e-11 * e.max(1.0),
                "{m:?} n {n}: {mean} vs {e}"
            );
        }
    }
}

/// The likelihood is a probability distribution over the (x, t_x) patterns of n opportunities:
/// Σ over all valid (x, t_x) of L = 1 (each L counts the sequences with that summary, so weight
/// it by their number C(t_x − 1, x − 1)).
#[test]
fn likelihood_sums_to_one_over_patterns() {
    let m = BgBb::new(0.8, 1.7, 0.4, 3.0).unwrap();
    let choose = |n: u32, k: u32| -> f64 {
        (0..k)
            .map(|i| f64::from(n - i) / f64::from(i + 1))
            .product()
    };
    for n in [0u32, 1, 4, 9] {
        let mut total = m.ln_likelihood(&b(0, 0, n)).exp();
        for t_x in 1..=n {
            for x in 1..=t_x {
                total += choose(t_x - 1, x - 1) * m.ln_likelihood(&b(x, t_x, n)).exp();
            }
        }
        assert!((total - 1.0).abs() < 1e-12, "n {n}: {total}");
    }
}

/// DERT: the closed form (with ₂F₁) against the discounted sum of the expected transactions of
/// each future opportunity, Σ_{j≥1} (E[X(n, n+j)] − E[X(n, n+j−1)])/(1+d)^j, which uses no ₂F₁.
/// Includes BTYD's `bgbb.DERT` example (1.20, 0.75, 0.66, 2.78; d 0.1; x 3, t_x 4, n 6).
#[test]
fn dert_closed_form_matches_brute_force() {
    for (m, d) in [
        (mle(), 0.10),
        (BgBb::new(1.20, 0.75, 0.66, 2.78).unwrap(), 0.10),
        (BgBb::new(0.3, 2.0, 1.0, 0.5).unwrap(), 0.05),
        (BgBb::new(5.0, 1.5, 3.0, 20.0).unwrap(), 0.25),
    ] {
        for h in [b(0, 0, 6), b(3, 4, 6), b(6, 6, 6), b(2, 9, 15)] {
            let closed = m.dert(&h, d).unwrap();
            let mut brute = 0.0;
            let mut prev = 0.0;
            let mut disc = 1.0;
            for j in 1..=2000u32 {
                let e = m.expected_purchases(&h, j);
                disc /= 1.0 + d;
                brute += (e - prev) * disc;
                prev = e;
                if disc < 1e-18 {
                    break;
                }
            }
            assert!(
                rel(closed, brute) < 1e-10,
                "{m:?} {h:?}: {closed} vs {brute}"
            );
        }
    }
    assert!(mle().dert(&b(1, 1, 6), 0.0).is_err());
    assert!(mle().dert(&b(1, 1, 6), f64::NAN).is_err());
}

/// Outputs stay finite and in range for long histories and extreme parameters.
#[test]
fn outputs_finite_on_extreme_histories() {
    let mut g = [0.0; 4];
    for m in [
        mle(),
        BgBb::new(0.01, 50.0, 0.02, 80.0).unwrap(),
        BgBb::new(60.0, 0.05, 40.0, 0.03).unwrap(),
    ] {
        for n in [1u32, 6, 100, 2000] {
            for (x, t_x) in [(0, 0), (1, 1), (1, n), (n / 2, n), (n, n)] {
                let h = if x == 0 {
                    b(0, 0, n)
                } else {
                    b(x.max(1), t_x, n)
                };
                let ll = m.ln_likelihood_grad(&h, &mut g);
                assert!(ll.is_finite() && ll <= 0.0, "{m:?} {h:?}: {ll}");
                assert!(g.iter().all(|v| v.is_finite()), "{m:?} {h:?}: {g:?}");
                let pa = m.p_alive(&h);
                assert!((0.0..=1.0).contains(&pa), "{h:?}: {pa}");
                let e = m.expected_purchases(&h, 10);
                assert!(e.is_finite() && e >= 0.0, "{h:?}: {e}");
                let d = m.dert(&h, 0.1).unwrap();
                assert!(d.is_finite() && d >= 0.0, "{h:?}: {d}");
            }
        }
    }
}

/// The per-customer sum equals the weighted sum over the 22 compressed patterns.
#[test]
fn compressed_likelihood_equals_per_donor_sum() {
    let m = mle();
    let data = donations();
    let mut per_donor = 0.0;
    let mut donors = Vec::new();
    for (h, w) in data.obs.iter().zip(&data.weights) {
        for _ in 0..(*w as usize) {
            per_donor += m.ln_likelihood(h);
            donors.push(*h);
        }
    }
    let (compressed, _) = btyd::fit::total_ln_likelihood(&m, &data);
    assert!(
        (per_donor - compressed).abs() < 1e-6,
        "{per_donor} vs {compressed}"
    );
    assert!((compressed - -33225.5813).abs() < 1e-3, "{compressed}");
    assert_eq!(donors.len(), 11_104);
}

/// Transaction opportunities → (x, t_x, n): the first transaction (opportunity 0) is not a
/// repeat, repeated entries count once.
#[test]
fn patterns_from_transaction_periods() {
    let c = opportunity_history(&[0, 3, 1, 3], 6).unwrap();
    assert_eq!((c.frequency(), c.recency(), c.opportunities()), (2, 3, 6));
    let none = opportunity_history(&[0], 6).unwrap();
    assert_eq!((none.frequency(), none.recency()), (0, 0));
    let customers: Vec<Vec<u32>> = vec![vec![0, 1, 2], vec![0], vec![0, 2, 1], vec![0, 6]];
    let p = opportunity_patterns(&customers, 6).unwrap();
    assert_eq!(p.obs, vec![b(0, 0, 6), b(1, 6, 6), b(2, 2, 6)]);
    assert_eq!(p.weights, vec![1.0, 1.0, 2.0]);
    let err = opportunity_patterns(&[vec![0, 1], vec![0, 7]], 6)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("customer 1") && err.contains("opportunity 7"),
        "{err}"
    );
}

/// Bad rows are refused with file, line and field named.
#[test]
fn reader_rejects_invalid_rows() {
    let cases = [
        ("1,1,6,x", "weights", "finite non-negative weight"),
        ("1,-1,6,3", "recency", "non-negative whole number"),
        ("1.5,2,6,3", "frequency", "non-negative whole number"),
        ("2,1,6,3", "", "greater than recency"),
        ("1,7,6,3", "", "greater than the number of periods"),
        ("0,2,6,3", "", "recency is 0 exactly when"),
    ];
    for (row, field, needle) in cases {
        let text = format!("frequency,recency,periods,weights\n1,1,6,2\n{row}\n");
        let err = read_opportunity_patterns_from(text.as_bytes(), "bad.csv")
            .expect_err(row)
            .to_string();
        assert!(
            err.contains("bad.csv") && err.contains("line 3"),
            "{row}: {err}"
        );
        assert!(err.contains(field) && err.contains(needle), "{row}: {err}");
    }
    let missing = read_opportunity_patterns_from("frequency,recency\n1,1\n".as_bytes(), "m.csv")
        .unwrap_err()
        .to_string();
    assert!(missing.contains("'periods'"), "{missing}");
    let empty = read_opportunity_patterns_from("frequency,recency,periods\n".as_bytes(), "e.csv");
    assert!(empty.is_err());
    // Without a weights column every row is one customer.
    let p = read_opportunity_patterns_from("x,t_x,n\n1,2,6\n1,2,6\n0,0,6\n".as_bytes(), "u.csv")
        .unwrap();
    assert_eq!(p.weights, vec![1.0, 2.0]);
    assert!(read_opportunity_patterns(std::path::Path::new("/nonexistent/donations.csv")).is_err());
}
