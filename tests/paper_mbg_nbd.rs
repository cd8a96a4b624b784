//! MBG/NBD against reference values: Batislam, Denizel & Filiztekin (2007), IJRM 24(3); Wagner &
//! Hoppe (2008) erratum for E[Y(t)]. The paper's own data are not public, so the references are
//! the CDNOW 1/10 sample fitted by lifetimes (`test_params_out_is_close_to_BTYDplus`, its outputs
//! printed with 8 digits) and an independent high-precision recomputation ([R], scipy/mpmath),
//! collected in `docs/reference.md` §5.1.

mod common;

use btyd::data::History;
use btyd::fit::{fit, total_ln_likelihood, FitOptions};
use btyd::models::{BgNbd, LogLikelihood, MbgNbd, PurchaseModel};
use common::{cdnow_histories, patterns, rel};

/// The [R] MLE on the exact-day CDNOW summary (docs/reference.md §5.1).
fn mle() -> MbgNbd {
    MbgNbd::new(0.524843, 6.183085, 0.891359, 1.614002).unwrap()
}

/// lifetimes' MLE on the summary rebuilt from `CDNOW_sample.txt` at full precision (days / 7;
/// docs/reference.md §8.2).
fn lifetimes_mle() -> MbgNbd {
    MbgNbd::new(0.52484290, 6.18308176, 0.89135952, 1.61400293).unwrap()
}

fn h(x: f64, t_x: f64, t: f64) -> History {
    History::new(x, t_x, t).unwrap()
}

/// CDNOW from the raw log (exact day/7 values, same-day transactions merged): [R] MLE
/// 0.524843 6.183085 0.891359 1.614002, LL −9582.1357, SE 0.0833 0.6956 0.1548 0.5375; lifetimes
/// and BTYDplus agree to 3 decimals (0.525, 6.183, 0.891, 1.614).
#[test]
fn fit_cdnow_matches_reference() {
    let summary = common::cdnow_sample_summary();
    let data = patterns(&summary.histories().collect::<Vec<_>>());
    assert_eq!(data.total_weight(), 2357.0);
    let f = fit::<MbgNbd>(&data, &FitOptions::default()).unwrap();
    assert!(f.converged);
    let want = [0.524843, 6.183085, 0.891359, 1.614002];
    for (got, want) in f.model.params().iter().zip(want) {
        assert!(rel(*got, want) < 1e-3, "{got} vs {want}");
    }
    assert!(
        (f.log_likelihood - -9582.136).abs() < 0.01,
        "{}",
        f.log_likelihood
    );
    let se = f.std_errors().unwrap();
    for (got, want) in se.iter().zip([0.0833, 0.6956, 0.1548, 0.5375]) {
        assert!(rel(*got, want) < 0.01, "SE {got} vs {want}");
    }
    // MBG/NBD fits CDNOW better than BG/NBD (−9582.43) by 0.29.
    let bg = fit::<BgNbd>(&data, &FitOptions::default()).unwrap();
    assert!((f.log_likelihood - bg.log_likelihood - 0.294).abs() < 0.01);
}

/// The per-customer sum equals the weighted sum over compressed patterns.
#[test]
fn compressed_likelihood_equals_per_customer_sum() {
    let rows = cdnow_histories();
    let m = mle();
    let direct: f64 = rows.iter().map(|r| m.ln_likelihood(r)).sum();
    let (compressed, _) = total_ln_likelihood(&m, &patterns(&rows));
    assert!(
        (direct - compressed).abs() < 1e-8,
        "{direct} vs {compressed}"
    );
}

/// Note 027's extreme customer (x 200, t_x 38, T 40) with the rounded CDNOW MBG/NBD parameters
/// (0.53, 6.18, 0.89, 1.614): LL_i = 91.808242 ([R], mpmath). The naive A3 + A4 form overflows
/// f64 only for larger x, so also check x = 10⁴ stays finite below.
#[test]
fn note_027_extreme_customer() {
    let m = MbgNbd::new(0.53, 6.18, 0.89, 1.614).unwrap();
    let ll = m.ln_likelihood(&h(200.0, 38.0, 40.0));
    assert!((ll - 91.808242).abs() < 1e-6, "{ll}");
}

/// CDNOW customer 1, E[Y(39)] at the MLE: [R] 1.2627 with the 2-dp inputs of the summary file
/// (x 2, t_x 30.43, T 38.86; the convention of docs/reference.md §2.5); lifetimes, with its own
/// MLE and the exact day/7 values (t_x 213/7, T 272/7), prints 1.26275884.
#[test]
fn customer_one_conditional_expectation() {
    let two_dp = mle()
        .expected_purchases(&h(2.0, 30.43, 38.86), 39.0)
        .unwrap();
    assert!((two_dp - 1.2627).abs() < 5e-5, "{two_dp}");
    let lifetimes = lifetimes_mle()
        .expected_purchases(&h(2.0, 213.0 / 7.0, 272.0 / 7.0), 39.0)
        .unwrap();
    assert!((lifetimes - 1.26275884).abs() < 1e-8, "{lifetimes}");
}

/// E[X(t)] of a new customer at the MLE ([R] §5.1), P(X(39) = 0) = 0.5826, and
/// Σᵢ E[Y(39) | xᵢ, t_xᵢ, Tᵢ] = 1576.7 over the 2,357 customers (exact-day summary).
#[test]
fn unconditional_and_aggregate_values() {
    let m = mle();
    let ts = [0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0, 39.0];
    let want = [0.0078, 0.0531, 0.1508, 1.0335, 1.0366, 1.8036, 1.1823];
    for (t, w) in ts.iter().zip(want) {
        let got = m.expected_purchases_new(*t).unwrap();
        assert!((got - w).abs() < 5e-5, "E[X({t})] = {got}, want {w}");
    }
    assert_eq!(m.expected_purchases_new(0.0).unwrap(), 0.0);
    let p0 = m.p_purchases(0, 39.0).unwrap();
    assert!((p0 - 0.5826).abs() < 5e-5, "{p0}");
    let summary = common::cdnow_sample_summary();
    let total: f64 = summary
        .histories()
        .map(|c| m.expected_purchases(&c, 39.0).unwrap())
        .sum();
    assert!((total - 1576.7).abs() < 0.05, "{total}");
}

/// Σₙ P(X(t)=n) = 1 and Σₙ n P(X(t)=n) = E[X(t)], including a > 1 and a near 1.
#[test]
fn pmf_sums_to_one_and_has_the_expected_mean() {
    for m in [
        mle(),
        MbgNbd::new(2.0, 3.0, 1.5, 4.0).unwrap(),
        MbgNbd::new(1.0, 2.0, 1.000001, 2.0).unwrap(),
    ] {
        for t in [1.0, 39.0, 78.0] {
            let (mut total, mut mean) = (0.0, 0.0);
            let mut n = 0u64;
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
            assert!(rel(mean, e) < 1e-6, "{m:?} t {t}: mean {mean} vs E {e}");
        }
    }
    // n = 0: b/(a+b)(α/(α+t))^r + a/(a+b).
    let m = mle();
    let (r, alpha, a, b) = (m.r(), m.alpha(), m.a(), m.b());
    let want = b / (a + b) * (alpha / (alpha + 10.0)).powf(r) + a / (a + b);
    assert!((m.p_purchases(0, 10.0).unwrap() - want).abs() < 1e-14);
}

/// P(alive) < 1 at x = 0 (the time-0 dropout), equal to 1/(1 + a/b·((α+T)/α)^r); the
/// conditional expectation at x = t_x = T = 0 is the unconditional one.
#[test]
fn p_alive_below_one_at_zero_frequency() {
    let m = mle();
    for t in [0.0, 1.0, 38.86, 1e4] {
        let pa = m.p_alive(&h(0.0, 0.0, t));
        let want = 1.0 / (1.0 + m.a() / m.b() * ((m.alpha() + t) / m.alpha()).powf(m.r()));
        assert!(
            pa < 1.0 && (pa - want).abs() < 1e-14,
            "T {t}: {pa} vs {want}"
        );
    }
    // BG/NBD, by contrast, has P(alive) = 1 at x = 0.
    let bg = BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap();
    assert_eq!(bg.p_alive(&h(0.0, 0.0, 38.86)), 1.0);
    for t in [1.0, 39.0] {
        let cond = m.expected_purchases(&h(0.0, 0.0, 0.0), t).unwrap();
        let new = m.expected_purchases_new(t).unwrap();
        assert!(rel(cond, new) < 1e-13, "{cond} vs {new}");
    }
}

/// Every output stays finite for very heavy and very old customers (x up to 10⁴), and P(alive)
/// underflows to exactly 0 without overflow.
#[test]
fn outputs_finite_on_extreme_customers() {
    let mut g = [0.0; 4];
    for m in [
        mle(),
        MbgNbd::new(3.0, 0.5, 2.0, 0.7).unwrap(),
        MbgNbd::new(0.1, 20.0, 0.2, 8.0).unwrap(),
    ] {
        for x in [0.0, 1.0, 10.0, 1e3, 1e4] {
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
                    assert!((0.0..1.0).contains(&pa), "{c:?}: {pa}");
                    for horizon in [1.0, 39.0, 1e4] {
                        let e = m.expected_purchases(&c, horizon).unwrap();
                        assert!(e.is_finite() && e >= 0.0, "{m:?} {c:?} {horizon}: {e}");
                    }
                }
            }
        }
    }
    let c = h(1000.0, 10.0, 100.0);
    assert_eq!(mle().p_alive(&c), 0.0);
    assert_eq!(mle().expected_purchases(&c, 39.0).unwrap(), 0.0);
}

/// E[X(t)] rises with t; E[Y(t)] rises with t.
#[test]
fn expectations_rise_with_the_horizon() {
    let m = mle();
    let c = h(2.0, 30.43, 38.86);
    let mut last = (0.0, 0.0);
    for t in [0.5, 1.0, 5.0, 39.0, 100.0, 1000.0] {
        let now = (
            m.expected_purchases_new(t).unwrap(),
            m.expected_purchases(&c, t).unwrap(),
        );
        assert!(
            now.0 > last.0 && now.1 > last.1,
            "t {t}: {now:?} after {last:?}"
        );
        last = now;
    }
}

/// Invalid parameters and horizons are rejected.
#[test]
fn rejects_invalid_input() {
    match MbgNbd::new(0.5, -1.0, 1.0, 1.0) {
        Err(btyd::Error::InvalidParameter { name, model, .. }) => {
            assert_eq!((model, name), ("MBG/NBD", "alpha"));
        }
        other => panic!("{other:?}"),
    }
    assert!(mle().expected_purchases_new(-1.0).is_err());
    assert!(mle()
        .expected_purchases(&h(1.0, 1.0, 2.0), f64::NAN)
        .is_err());
    assert!(mle().p_purchases(1, f64::INFINITY).is_err());
}
