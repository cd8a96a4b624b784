//! CLV machinery against closed forms, with a purchase model whose E[Y(t)] is elementary: one
//! customer type of the Pareto/NBD story (Schmittlein, Morrison & Colombo 1987) with known
//! purchase rate λ and dropout rate μ. Independent of ₂F₁, so these check the discrete sum, the
//! DERT integration by parts + substitution, and the quadrature on their own.

use btyd::data::{CustomerSummary, History, Summary, TimeUnit};
use btyd::models::{GammaGamma, PurchaseModel, SpendModel};
use btyd::predict::clv::{
    clv, dert, discounted_purchases_discrete, ClvOptions, DiscountRate, Horizon,
};
use btyd::Result;

/// Relative agreement of a numerical DERT with its closed form: the quadrature's own target is
/// 1e-11, so 1e-9 leaves room for rounding in the end term.
const DERT_REL_TOL: f64 = 1e-9;
/// Sums of a dozen terms and exact telescoping: rounding only.
const EXACT_REL_TOL: f64 = 1e-12;

/// Known λ, μ: while alive, purchases at rate λ; lifetime ~ Exponential(μ).
#[derive(Debug, Clone, Copy)]
struct PoissonExp {
    lambda: f64,
    mu: f64,
}

impl PurchaseModel for PoissonExp {
    fn name(&self) -> &'static str {
        "Poisson/exponential (test model)"
    }
    fn expected_purchases_new(&self, t: f64) -> Result<f64> {
        Ok(self.lambda / self.mu * -(-self.mu * t).exp_m1())
    }
    fn expected_purchases(&self, h: &History, t: f64) -> Result<f64> {
        Ok(self.p_alive(h) * self.expected_purchases_new(t)?)
    }
    /// 1 / (1 + μ/(λ+μ)·(e^{(λ+μ)(T−t_x)} − 1)).
    fn p_alive(&self, h: &History) -> f64 {
        let s = self.lambda + self.mu;
        1.0 / (1.0 + self.mu / s * (s * (h.age - h.recency)).exp_m1())
    }
    /// (λt)^n e^{−(λ+μ)t}/n! + λ^n μ/(λ+μ)^{n+1}·[1 − e^{−(λ+μ)t} Σ_{i≤n} ((λ+μ)t)^i/i!].
    fn p_purchases(&self, n: u64, t: f64) -> Result<f64> {
        let (l, m) = (self.lambda, self.mu);
        let s = l + m;
        let mut fact = 1.0;
        let mut tail = 0.0;
        for i in 0..=n {
            if i > 0 {
                fact *= i as f64;
            }
            tail += (s * t).powi(i as i32) / fact;
        }
        let nf = n as f64;
        Ok((l * t).powf(nf) * (-s * t).exp() / fact
            + l.powf(nf) * m / s.powf(nf + 1.0) * (1.0 - (-s * t).exp() * tail))
    }
}

const MODEL: PoissonExp = PoissonExp {
    lambda: 0.3,
    mu: 0.02,
};

fn history() -> History {
    History::new(4.0, 20.0, 30.0).unwrap()
}

/// DERT = P(alive)·λ(1 − e^{−(δ+μ)H})/(δ+μ), and λ/(δ+μ) for H = ∞:
/// ∫₀^H e^{−δt} d[(λ/μ)(1 − e^{−μt})] = λ ∫₀^H e^{−(δ+μ)t} dt.
#[test]
fn dert_matches_closed_form() {
    let h = history();
    let pa = MODEL.p_alive(&h);
    for delta in [1e-4, 0.01, 0.1, 1.0] {
        for horizon in [0.5, 10.0, 52.0, 1000.0] {
            let got = dert(&MODEL, &h, delta, Horizon::Finite(horizon)).unwrap();
            let s = delta + MODEL.mu;
            let want = pa * MODEL.lambda * -(-s * horizon).exp_m1() / s;
            assert!(
                (got - want).abs() <= DERT_REL_TOL * want,
                "δ {delta}, H {horizon}: {got} vs {want}"
            );
        }
        let got = dert(&MODEL, &h, delta, Horizon::Infinite).unwrap();
        let want = pa * MODEL.lambda / (delta + MODEL.mu);
        assert!(
            (got - want).abs() <= DERT_REL_TOL * want,
            "δ {delta}, ∞: {got} vs {want}"
        );
    }
    // δ = 0: E[Y(H)].
    let got = dert(&MODEL, &h, 0.0, Horizon::Finite(52.0)).unwrap();
    let want = MODEL.expected_purchases(&h, 52.0).unwrap();
    assert_eq!(got, want);
    assert!(dert(&MODEL, &h, 0.0, Horizon::Infinite).is_err());
}

/// The test model itself is consistent: Σₙ P(X(t)=n) = 1 and Σₙ n P(X(t)=n) = E[X(t)].
#[test]
fn test_model_is_consistent() {
    let t = 20.0;
    let ps: Vec<f64> = (0..200).map(|n| MODEL.p_purchases(n, t).unwrap()).collect();
    let total: f64 = ps.iter().sum();
    let mean: f64 = ps.iter().enumerate().map(|(n, p)| n as f64 * p).sum();
    assert!((total - 1.0).abs() < 1e-12, "{total}");
    let want = MODEL.expected_purchases_new(t).unwrap();
    assert!((mean - want).abs() < 1e-10 * want, "{mean} vs {want}");
}

/// Steps of S with per-step rate d: the increments form a geometric series,
/// P(alive)(λ/μ)(1 − e^{−μS})/(1+d) · Σ_{j<n} (e^{−μS}/(1+d))^j.
#[test]
fn discrete_sum_matches_geometric_series() {
    let h = history();
    let (step, d, n) = (4.345, 0.01, 12);
    let got = discounted_purchases_discrete(&MODEL, &h, n as f64 * step, step, d).unwrap();
    let r = (-MODEL.mu * step).exp() / (1.0 + d);
    let want = MODEL.p_alive(&h) * MODEL.lambda / MODEL.mu * -(-MODEL.mu * step).exp_m1()
        / (1.0 + d)
        * (1.0 - r.powi(n))
        / (1.0 - r);
    assert!(
        (got - want).abs() <= EXACT_REL_TOL * want,
        "{got} vs {want}"
    );
}

fn summary() -> Summary {
    let rows = [
        (0.0, 0.0, 30.0, 0.0),
        (4.0, 20.0, 30.0, 12.5),
        (1.0, 2.0, 40.0, 80.0),
    ];
    Summary::new(
        TimeUnit::Week,
        rows.iter()
            .enumerate()
            .map(|(i, &(x, tx, t, m))| CustomerSummary {
                customer_id: format!("c{i}"),
                history: History::new(x, tx, t).unwrap(),
                monetary_value: Some(m),
                holdout: None,
            })
            .collect(),
    )
}

/// Undiscounted CLV = margin × E(Z | x, m̄) × E[Y(H)] in both conventions (STYLE §9.6).
#[test]
fn undiscounted_clv_is_margin_times_spend_times_purchases() {
    let gg = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
    let s = summary();
    for opts in [
        ClvOptions::discrete(52.0, 52.0 / 12.0, DiscountRate::PerUnit(0.0)),
        ClvOptions::monthly(50.0, TimeUnit::Week, DiscountRate::Annual(0.0)),
        ClvOptions::continuous(Horizon::Finite(52.0), DiscountRate::Continuous(0.0)),
    ] {
        let opts = opts.with_margin(0.3);
        let Horizon::Finite(horizon) = opts.horizon else {
            unreachable!()
        };
        for (row, c) in clv(&MODEL, &gg, &s, &opts)
            .unwrap()
            .iter()
            .zip(&s.customers)
        {
            let ey = MODEL.expected_purchases(&c.history, horizon).unwrap();
            let spend = gg
                .expected_spend(c.history.frequency, c.monetary_value.unwrap())
                .unwrap();
            let want = 0.3 * spend * ey;
            assert_eq!(row.customer_id, c.customer_id);
            assert!(
                (row.clv - want).abs() <= EXACT_REL_TOL * want,
                "{row:?} vs {want}"
            );
            assert_eq!(row.expected_purchases, Some(ey));
            assert_eq!(row.expected_spend, spend);
        }
    }
}

/// A spend model with q ≤ 1 has no mean for x = 0 customers: the CLV is an error naming them.
#[test]
fn clv_errors_name_the_customer() {
    let gg = GammaGamma::new(2.0, 0.8, 10.0).unwrap();
    let opts = ClvOptions::continuous(Horizon::Finite(10.0), DiscountRate::PerUnit(0.01));
    let e = clv(&MODEL, &gg, &summary(), &opts).unwrap_err();
    assert!(e.to_string().contains("customer 'c0'"), "{e}");
    let mut s = summary();
    s.customers[2].monetary_value = None;
    let gg = GammaGamma::new(2.0, 3.0, 10.0).unwrap();
    let e = clv(&MODEL, &gg, &s, &opts).unwrap_err();
    assert_eq!(
        e.to_string(),
        "field 'monetary_value': customer 'c2' (frequency 1) has no monetary value"
    );
}
