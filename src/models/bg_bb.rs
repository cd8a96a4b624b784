//! BG/BB: the beta-geometric / beta-Bernoulli model for discrete-time noncontractual settings.
//!
//! Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-Base Analysis in a Discrete-Time
//! Noncontractual Setting. *Marketing Science* 29(6), 1086–1108. The likelihood as coded here is
//! that of Hardie's note 010 (Fader & Hardie, "Implementing the BG/BB Model for Customer-Base
//! Analysis in Excel", <http://brucehardie.com/notes/010/>).
//!
//! # Assumptions
//! Transactions can happen only at n discrete opportunities after the first (e.g. one per year).
//! While "alive", a customer transacts at each opportunity with probability p; a living customer
//! becomes inactive at the beginning of each opportunity with probability θ, for good. Across
//! customers p ~ Beta(α, β) and θ ~ Beta(γ, δ), independently. A customer's data are the
//! frequency x (number of opportunities with a transaction), the recency t_x (the last such
//! opportunity, 0 when x = 0) and the number of opportunities n; 0 ≤ x ≤ t_x ≤ n.
//!
//! | symbol | field | meaning |
//! |---|---|---|
//! | α | `alpha` | first shape of the transaction-probability distribution (E(p) = α/(α+β)) |
//! | β | `beta` | second shape of the transaction-probability distribution |
//! | γ | `gamma` | first shape of the dropout-probability distribution (E(θ) = γ/(γ+δ)) |
//! | δ | `delta` | second shape of the dropout-probability distribution |
//! | x | [`OpportunityHistory::frequency`] | number of opportunities with a transaction |
//! | t_x | [`OpportunityHistory::recency`] | last opportunity with a transaction (0 if x = 0) |
//! | n | [`OpportunityHistory::opportunities`] | number of opportunities observed |
//!
//! # Numerical variant
//! The likelihood is a sum of n − t_x + 1 products of beta functions, evaluated as a
//! log-sum-exp of the log terms (docs/reference.md §6.5); consecutive terms are obtained from
//! each other by the recurrence B(p, q+1) = B(p, q)·q/(p+q), which also updates their
//! gradients (ψ(z+1) = ψ(z) + 1/z). Ratios of gamma functions Γ(γ+δ)Γ(1+δ+n)/(Γ(1+δ)Γ(γ+δ+n))
//! are products over the n opportunities, summed as ln1p terms, so the 0/0 at γ = 1 has no
//! cancellation. Formula references are to docs/reference.md §6.5, which transcribes the paper
//! and note 010; the paper's equation numbers are not cited because its text was not available
//! to us.
//!
//! BG/BB is a discrete-time model: its predictions are those of
//! [`crate::models::OpportunityModel`], taking whole numbers of
//! opportunities, not the continuous-time [`crate::models::PurchaseModel`].
//!
//! # Examples
//! ```
//! use btyd::prelude::*;
//! // The donations MLE; P(alive in 2002) of a donor who gave in all six years 1996–2001
//! // (Fader, Hardie & Shang 2010, Table 6: 0.93).
//! let m = BgBb::new(1.203522, 0.749716, 0.656718, 2.783442)?;
//! assert!((m.p_alive(&OpportunityHistory::new(6, 6, 6)?) - 0.9304).abs() < 5e-5);
//! # Ok::<(), btyd::Error>(())
//! ```

use rand::{Rng, RngExt};
use rand_distr::{Beta, Distribution};

use super::{
    check_positive, distr_error, Boundary, Invariant, LogLikelihood, ModelRole, OpportunityModel,
    Role,
};
use crate::data::{OpportunityHistory, Patterns};
use crate::error::{Error, Result};
use crate::special::{digamma, digamma_diff, ln_beta_ratio, ln_gamma, ln_gamma_ratio, ln_hyp2f1};

/// The BG/BB model with validated parameters (see the module docs for the symbols).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgBb {
    alpha: f64,
    beta: f64,
    gamma: f64,
    delta: f64,
}

/// Terms that depend on the parameters only, shared by every observation of a batch.
#[derive(Debug, Clone, Copy)]
struct Constants {
    /// ∂(ln B(α, β) + ln B(γ, δ))/∂(α, β, γ, δ).
    d_norm: [f64; 4],
}

/// A running log-sum-exp of terms eˡ together with the eˡ-weighted sum of their gradients.
struct LogSumExp {
    max: f64,
    sum: f64,
    grad: [f64; 4],
}

impl LogSumExp {
    fn new() -> Self {
        LogSumExp {
            max: f64::NEG_INFINITY,
            sum: 0.0,
            grad: [0.0; 4],
        }
    }

    fn add(&mut self, l: f64, dl: &[f64; 4]) {
        if l > self.max {
            let scale = (self.max - l).exp();
            self.sum = self.sum * scale + 1.0;
            for (g, d) in self.grad.iter_mut().zip(dl) {
                *g = *g * scale + d;
            }
            self.max = l;
        } else {
            let w = (l - self.max).exp();
            self.sum += w;
            for (g, d) in self.grad.iter_mut().zip(dl) {
                *g += w * d;
            }
        }
    }

    /// ln Σ eˡ and the softmax-weighted gradient.
    fn finish(&self) -> (f64, [f64; 4]) {
        let g = self.grad.map(|v| v / self.sum);
        (self.max + self.sum.ln(), g)
    }
}

/// S(γ, d, m) = Σ_{k<m} ln(1 + (γ−1)/(1+d+k)) = ln[Γ(γ+d+m)Γ(1+d) / (Γ(1+d+m)Γ(γ+d))], so
/// that Π_{k<m} (1+d+k)/(γ+d+k) = e^{−S}.
///
/// # Numerics
/// The first [`DIRECT_TERMS`] terms are summed (ln1p: no cancellation at γ ≈ 1); the rest,
/// Π_{k=K}^{m−1} (γ+d+k)/(1+d+k) = G(1+d+m)/G(1+d+K) with G(x) = Γ(x+γ−1)/Γ(x), come from the
/// accurate gamma ratio (Stirling series in difference form, DLMF 5.11.1), so the cost is
/// bounded for any m (a horizon of 2³² − 1 opportunities takes as long as one of 10⁴).
fn ln_rising_ratio(gamma: f64, d: f64, m: u32) -> f64 {
    let eps = gamma - 1.0;
    let direct = m.min(DIRECT_TERMS);
    let head: f64 = (0..direct)
        .map(|k| (eps / (1.0 + d + f64::from(k))).ln_1p())
        .sum();
    if m <= DIRECT_TERMS || eps == 0.0 {
        return head;
    }
    let g = |x: f64| ln_gamma_ratio(x, eps);
    head + g(1.0 + d + f64::from(m)) - g(1.0 + d + f64::from(DIRECT_TERMS))
}

/// Terms of [`ln_rising_ratio`] summed one by one before the gamma ratio takes over.
const DIRECT_TERMS: u32 = 10_000;

/// H(γ, d, m) = [1 − Γ(γ+d)Γ(1+d+m)/(Γ(γ+d+m)Γ(1+d))]/(γ−1) = −expm1(−S)/(γ−1), with its
/// limit Σ_{k<m} 1/(1+d+k) at γ = 1.
fn survival_sum(gamma: f64, d: f64, m: u32) -> f64 {
    let eps = gamma - 1.0;
    if eps == 0.0 {
        // Σ_{k<m} 1/(1+d+k) = ψ(1+d+m) − ψ(1+d) (DLMF 5.5.2), the sum for short ranges.
        if m <= DIRECT_TERMS {
            return (0..m).map(|k| 1.0 / (1.0 + d + f64::from(k))).sum();
        }
        return digamma_diff(1.0 + d, f64::from(m));
    }
    -(-ln_rising_ratio(gamma, d, m)).exp_m1() / eps
}

impl BgBb {
    /// The model's name.
    pub const NAME: &'static str = "BG/BB";

    /// A BG/BB model; every parameter must be finite and positive.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first parameter that is NaN, infinite or ≤ 0.
    pub fn new(alpha: f64, beta: f64, gamma: f64, delta: f64) -> Result<Self> {
        Ok(BgBb {
            alpha: check_positive(Self::NAME, "alpha", alpha)?,
            beta: check_positive(Self::NAME, "beta", beta)?,
            gamma: check_positive(Self::NAME, "gamma", gamma)?,
            delta: check_positive(Self::NAME, "delta", delta)?,
        })
    }

    /// α: first shape of the transaction-probability distribution.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// β: second shape of the transaction-probability distribution.
    pub fn beta(&self) -> f64 {
        self.beta
    }
    /// γ: first shape of the dropout-probability distribution.
    pub fn gamma(&self) -> f64 {
        self.gamma
    }
    /// δ: second shape of the dropout-probability distribution.
    pub fn delta(&self) -> f64 {
        self.delta
    }

    fn constants(&self) -> Constants {
        let BgBb {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let psi_ab = digamma(alpha + beta);
        let psi_gd = digamma(gamma + delta);
        Constants {
            d_norm: [
                digamma(alpha) - psi_ab,
                digamma(beta) - psi_ab,
                digamma(gamma) - psi_gd,
                digamma(delta) - psi_gd,
            ],
        }
    }

    /// ln L and its gradient (natural parameters) for one history.
    ///
    /// # Formula
    /// Note 010 / Fader, Hardie & Shang (2010) (docs/reference.md §6.5):
    /// ```text
    /// L = B(α+x, β+n−x)/B(α, β) · B(γ, δ+n)/B(γ, δ)
    ///   + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α, β) · B(γ+1, δ+t_x+i)/B(γ, δ)
    /// ```
    /// With ℓⱼ the log of the j-th term and wⱼ = eˡʲ/L, ∂ ln L/∂θ = Σ wⱼ ∂ℓⱼ/∂θ, where
    /// ∂ ln B(p, q)/∂p = ψ(p) − ψ(p+q), and ∂ ln B(α, β)/∂α etc. are common to all terms.
    /// # Numerics
    /// Log-sum-exp over the terms; the terms of the sum follow from one another by
    /// B(p, q+1) = B(p, q)·q/(p+q), so one set of log-beta and digamma calls serves them all.
    fn ln_likelihood_with(&self, c: &Constants, h: &OpportunityHistory) -> (f64, [f64; 4]) {
        let BgBb {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let x = f64::from(h.frequency());
        let t_x = f64::from(h.recency());
        let n = f64::from(h.opportunities());
        let mut acc = LogSumExp::new();
        // Alive through all n opportunities.
        let psi_ax = digamma(alpha + x);
        // Each term relative to B(α, β)B(γ, δ), by accurate gamma ratios (no cancellation when
        // the beta mixings collapse: α, β or γ, δ huge).
        let l_alive = ln_beta_ratio(alpha, beta, x, n - x) + ln_beta_ratio(gamma, delta, 0.0, n);
        let psi_abn = digamma(alpha + beta + n);
        let psi_gdn = digamma(gamma + delta + n);
        acc.add(
            l_alive,
            &[
                psi_ax - psi_abn,
                digamma(beta + n - x) - psi_abn,
                digamma(gamma) - psi_gdn,
                digamma(delta + n) - psi_gdn,
            ],
        );
        // Died at the start of opportunity t_x + i + 1, i = 0..n−t_x−1.
        let terms = h.opportunities() - h.recency();
        if terms > 0 {
            let mut m = t_x - x; // β-argument offset t_x − x + i
            let mut k = t_x; // δ-argument offset t_x + i
            let mut l = ln_beta_ratio(alpha, beta, x, m) + ln_beta_ratio(gamma, delta, 1.0, k);
            let psi_abk = digamma(alpha + beta + k);
            let psi_gdk = digamma(gamma + delta + k + 1.0);
            let mut d = [
                psi_ax - psi_abk,
                digamma(beta + m) - psi_abk,
                digamma(gamma + 1.0) - psi_gdk,
                digamma(delta + k) - psi_gdk,
            ];
            for i in 0..terms {
                acc.add(l, &d);
                if i + 1 == terms {
                    break;
                }
                // B(α+x, β+m+1) = B(α+x, β+m)·(β+m)/(α+β+k), as α+x+β+m = α+β+k;
                // B(γ+1, δ+k+1) = B(γ+1, δ+k)·(δ+k)/(γ+δ+k+1).
                let (bm, abk, dk, gdk) = (
                    beta + m,
                    alpha + beta + k,
                    delta + k,
                    gamma + delta + k + 1.0,
                );
                l += bm.ln() - abk.ln() + dk.ln() - gdk.ln();
                d[0] -= 1.0 / abk;
                d[1] += 1.0 / bm - 1.0 / abk;
                d[2] -= 1.0 / gdk;
                d[3] += 1.0 / dk - 1.0 / gdk;
                m += 1.0;
                k += 1.0;
            }
        }
        let (ln_sum, g) = acc.finish();
        let mut grad = [0.0; 4];
        for ((out, gi), dn) in grad.iter_mut().zip(g).zip(c.d_norm) {
            *out = gi - dn;
        }
        (ln_sum, grad)
    }

    /// ln B(α+x+1, β+n−x)/B(α, β): the expected transaction probability factor of the
    /// conditional predictions.
    fn ln_p_factor(&self, h: &OpportunityHistory) -> f64 {
        let x = f64::from(h.frequency());
        let n = f64::from(h.opportunities());
        ln_beta_ratio(self.alpha, self.beta, x + 1.0, n - x)
    }

    /// Draws one customer per entry of `periods`, observed for that many opportunities, by
    /// simulating the BG/BB story (Fader, Hardie & Shang 2010, §2): p ~ Beta(α, β) and
    /// θ ~ Beta(γ, δ); at the start of each opportunity a living customer dies with probability
    /// θ, and otherwise transacts with probability p.
    ///
    /// # Errors
    /// Parameters the beta sampler rejects.
    pub fn simulate<R: Rng + ?Sized>(
        &self,
        periods: &[u32],
        rng: &mut R,
    ) -> Result<Vec<OpportunityHistory>> {
        let buy = Beta::new(self.alpha, self.beta).map_err(distr_error(Self::NAME))?;
        let drop = Beta::new(self.gamma, self.delta).map_err(distr_error(Self::NAME))?;
        let mut out = Vec::with_capacity(periods.len());
        for &n in periods {
            let p: f64 = buy.sample(rng);
            let theta: f64 = drop.sample(rng);
            let (mut x, mut t_x) = (0u32, 0u32);
            for t in 1..=n {
                if rng.random::<f64>() < theta {
                    break;
                }
                if rng.random::<f64>() < p {
                    x += 1;
                    t_x = t;
                }
            }
            out.push(OpportunityHistory::new(x, t_x, n)?);
        }
        Ok(out)
    }
}

impl OpportunityModel for BgBb {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    /// E[X(n)]: expected number of transactions in the first n opportunities of a new customer.
    ///
    /// # Formula
    /// Fader, Hardie & Shang (2010) (docs/reference.md §6.5):
    /// ```text
    /// E[X(n)] = α/(α+β) · δ/(γ−1) · [1 − Γ(γ+δ)Γ(1+δ+n) / (Γ(γ+δ+n)Γ(1+δ))]
    /// ```
    /// # Numerics
    /// The gamma ratio is Π_{k<n} (1+δ+k)/(γ+δ+k), summed in logs with ln1p, so γ near 1 loses
    /// no precision; at γ = 1 the limit δ·Σ_{k<n} 1/(1+δ+k) is used. Cost O(n).
    ///
    /// # Examples
    /// ```
    /// use btyd::prelude::*;
    /// // BTYD vignette p.32 (bgbb.Expectation(params, n = 10)): 3.179805.
    /// let m = BgBb::new(1.203522, 0.749716, 0.656718, 2.783442)?;
    /// assert!((m.expected_purchases_new(10) - 3.1798).abs() < 1e-4);
    /// # Ok::<(), btyd::Error>(())
    /// ```
    #[doc(alias = "expected_number_of_transactions_in_first_n_periods")]
    #[doc(alias = "bgbb.Expectation")]
    fn expected_purchases_new(&self, opportunities: u32) -> f64 {
        self.alpha / (self.alpha + self.beta)
            * self.delta
            * survival_sum(self.gamma, self.delta, opportunities)
    }

    /// E[X(n, n+n*) | x, t_x, n]: expected transactions in the next `future` n*
    /// opportunities of a customer with history (x, t_x, n).
    ///
    /// # Formula
    /// Fader, Hardie & Shang (2010) (docs/reference.md §6.5):
    /// ```text
    /// E[X(n, n+n*) | x, t_x, n] = (1/L) · B(α+x+1, β+n−x)/B(α, β) · δ/(γ−1) · Γ(γ+δ)/Γ(1+δ)
    ///     · [Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+n*)/Γ(γ+δ+n+n*)]
    /// ```
    /// # Numerics
    /// Written as (1/L)·B(α+x+1, β+n−x)/B(α, β)·δ·e^{−S(δ, n)}·H(δ+n, n*), where
    /// e^{−S(d, m)} = Π_{k<m} (1+d+k)/(γ+d+k) and H(d, m) = (1 − e^{−S(d, m)})/(γ−1), each
    /// summed with ln1p (no cancellation at γ ≈ 1). Cost O(n + n*).
    #[doc(alias = "conditional_expected_number_of_purchases_up_to_time")]
    #[doc(alias = "bgbb.ConditionalExpectedTransactions")]
    fn expected_purchases(&self, h: &OpportunityHistory, future: u32) -> f64 {
        let (ln_l, _) = self.ln_likelihood_with(&self.constants(), h);
        let n = f64::from(h.opportunities());
        let ln_alive_through_n = -ln_rising_ratio(self.gamma, self.delta, h.opportunities());
        (self.ln_p_factor(h) - ln_l + ln_alive_through_n).exp()
            * self.delta
            * survival_sum(self.gamma, self.delta + n, future)
    }

    /// P(alive at opportunity n+1 | x, t_x, n).
    ///
    /// # Formula
    /// Fader, Hardie & Shang (2010) (docs/reference.md §6.5):
    /// ```text
    /// P(alive in n+1) = B(α+x, β+n−x)/B(α, β) · B(γ, δ+n+1)/B(γ, δ) / L(α, β, γ, δ | x, t_x, n)
    /// ```
    /// # Numerics
    /// The ratio is formed in logs.
    #[doc(alias = "conditional_probability_alive")]
    #[doc(alias = "bgbb.PAlive")]
    fn p_alive(&self, h: &OpportunityHistory) -> f64 {
        let c = self.constants();
        let (ln_l, _) = self.ln_likelihood_with(&c, h);
        let x = f64::from(h.frequency());
        let n = f64::from(h.opportunities());
        let ln_alive = ln_beta_ratio(self.alpha, self.beta, x, n - x)
            + ln_beta_ratio(self.gamma, self.delta, 0.0, n + 1.0);
        (ln_alive - ln_l).exp().min(1.0)
    }

    /// P(X(n) = x): probability that a new customer transacts at exactly x of the first n
    /// opportunities (0 for x > n).
    ///
    /// # Formula
    /// Fader, Hardie & Shang (2010) (docs/reference.md §6.5):
    /// ```text
    /// P(X(n) = x) = C(n, x)·B(α+x, β+n−x)/B(α, β)·B(γ, δ+n)/B(γ, δ)
    ///             + Σ_{i=x}^{n−1} C(i, x)·B(α+x, β+i−x)/B(α, β)·B(γ+1, δ+i)/B(γ, δ)
    /// ```
    /// # Numerics
    /// Log-sum-exp of the log terms, binomial coefficients from ln Γ.
    #[doc(alias = "probability_of_n_purchases_up_to_time")]
    #[doc(alias = "bgbb.pmf")]
    fn p_purchases(&self, x: u32, opportunities: u32) -> f64 {
        if x > opportunities {
            return 0.0;
        }
        let BgBb {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let xf = f64::from(x);
        let ln_choose = |i: f64| ln_gamma(i + 1.0) - ln_gamma(xf + 1.0) - ln_gamma(i - xf + 1.0);
        let nf = f64::from(opportunities);
        let mut terms = vec![
            ln_choose(nf)
                + ln_beta_ratio(alpha, beta, xf, nf - xf)
                + ln_beta_ratio(gamma, delta, 0.0, nf),
        ];
        terms.extend((x..opportunities).map(|i| {
            let i = f64::from(i);
            ln_choose(i)
                + ln_beta_ratio(alpha, beta, xf, i - xf)
                + ln_beta_ratio(gamma, delta, 1.0, i)
        }));
        crate::special::log_sum_exp(&terms).exp()
    }

    /// DERT(d): discounted expected residual transactions of a customer with history
    /// (x, t_x, n), transactions at opportunity n+j discounted by (1+d)^j.
    ///
    /// # Formula
    /// Fader, Hardie & Shang (2010) (docs/reference.md §6.5):
    /// ```text
    /// DERT(d | x, t_x, n) = (1/L) · B(α+x+1, β+n−x)/B(α, β) · B(γ, δ+n+1)/(B(γ, δ)(1+d))
    ///                       · ₂F₁(1, δ+n+1; γ+δ+n+1; 1/(1+d))
    /// ```
    /// # Numerics
    /// In logs, with ln ₂F₁ from [`crate::special::ln_hyp2f1`] (the series converges
    /// geometrically at z = 1/(1+d) < 1).
    ///
    /// # Errors
    /// [`Error::InvalidOption`] unless d is finite and positive; [`Error::Numerical`] if ₂F₁
    /// fails.
    #[doc(alias = "discounted_expected_residual_transactions")]
    #[doc(alias = "bgbb.DERT")]
    fn dert(&self, h: &OpportunityHistory, discount: f64) -> Result<f64> {
        if !(discount.is_finite() && discount > 0.0) {
            return Err(Error::InvalidOption {
                name: "BG/BB DERT discount rate",
                value: discount.to_string(),
                reason: "must be finite and positive".into(),
            });
        }
        let c = self.constants();
        let (ln_l, _) = self.ln_likelihood_with(&c, h);
        let n = f64::from(h.opportunities());
        let BgBb { gamma, delta, .. } = *self;
        let (ln_f, sign) = ln_hyp2f1(
            1.0,
            delta + n + 1.0,
            gamma + delta + n + 1.0,
            1.0 / (1.0 + discount),
        )?;
        debug_assert!(sign > 0.0);
        let ln_dert = self.ln_p_factor(h) + ln_beta_ratio(gamma, delta, 0.0, n + 1.0)
            - discount.ln_1p()
            + ln_f
            - ln_l;
        Ok(ln_dert.exp())
    }
}

impl ModelRole for BgBb {
    const ROLE: Role = Role::Opportunity;
    fn as_opportunity(&self) -> Option<&dyn OpportunityModel> {
        Some(self)
    }
}

impl LogLikelihood for BgBb {
    const NAME: &'static str = "BG/BB";
    const PARAM_NAMES: &'static [&'static str] = &["alpha", "beta", "gamma", "delta"];
    type Obs = OpportunityHistory;
    /// The beta mixing of either process collapsing: no dropout (θ ~ Beta(γ, δ) → 0 as γ → 0
    /// or δ → ∞: the beta-binomial), the same dropout probability θ = γ/(γ+δ) for everyone
    /// (γ, δ → ∞), the same transaction probability p = α/(α+β) for everyone (α, β → ∞).
    const BOUNDARIES: &'static [Boundary] = &[
        Boundary {
            finding: "no dropout in these data",
            direction: &[0, 0, -1, 0],
            limit: "gamma -> 0",
            nested: None,
            invariant: None,
        },
        Boundary {
            finding: "no dropout in these data",
            direction: &[0, 0, 0, 1],
            limit: "delta -> infinity",
            nested: None,
            invariant: None,
        },
        Boundary {
            finding: "every customer has the same dropout probability",
            direction: &[0, 0, 1, 1],
            limit: "gamma, delta -> infinity",
            nested: None,
            invariant: Some(Invariant {
                name: "gamma/(gamma+delta)",
                value: |p| p[2] / (p[2] + p[3]),
                per_time: 0,
            }),
        },
        Boundary {
            finding: "every customer has the same transaction probability",
            direction: &[1, 1, 0, 0],
            limit: "alpha, beta -> infinity",
            nested: None,
            invariant: Some(Invariant {
                name: "alpha/(alpha+beta)",
                value: |p| p[0] / (p[0] + p[1]),
                per_time: 0,
            }),
        },
    ];

    fn from_params(p: &[f64]) -> Result<Self> {
        match p {
            [alpha, beta, gamma, delta] => BgBb::new(*alpha, *beta, *gamma, *delta),
            _ => Err(Error::ParameterCount {
                model: Self::NAME,
                expected: 4,
                found: p.len(),
            }),
        }
    }

    fn params(&self) -> Vec<f64> {
        vec![self.alpha, self.beta, self.gamma, self.delta]
    }

    /// ln L(α, β, γ, δ | x, t_x, n); see `ln_likelihood_with` for the formula (note 010).
    fn ln_likelihood(&self, h: &OpportunityHistory) -> f64 {
        self.ln_likelihood_with(&self.constants(), h).0
    }

    fn ln_likelihood_grad(&self, h: &OpportunityHistory, grad: &mut [f64]) -> f64 {
        let (ll, g) = self.ln_likelihood_with(&self.constants(), h);
        grad.copy_from_slice(&g);
        ll
    }

    /// Computes ln B(α, β) + ln B(γ, δ) and its digammas once per batch.
    fn ln_likelihood_batch(
        &self,
        obs: &[OpportunityHistory],
        weights: &[f64],
        grad: &mut [f64],
    ) -> f64 {
        let c = self.constants();
        let mut ll = 0.0;
        for (h, &w) in obs.iter().zip(weights) {
            let (l, g) = self.ln_likelihood_with(&c, h);
            ll += w * l;
            for (acc, gi) in grad.iter_mut().zip(g) {
                *acc += w * gi;
            }
        }
        ll
    }

    /// BTYD's start (α, β, γ, δ) = (1, 1, 1, 1) (`bgbb.EstimateParameters`).
    fn initial_params(_data: &Patterns<OpportunityHistory>) -> Vec<f64> {
        vec![1.0, 1.0, 1.0, 1.0]
    }

    fn time_dimension() -> &'static [i32] {
        &[0, 0, 0, 0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::special::ln_beta;

    #[test]
    fn construction_rejects_invalid_parameters() {
        assert!(BgBb::new(1.2, 0.75, 0.66, 2.78).is_ok());
        for (a, b, g, d, name) in [
            (f64::NAN, 1.0, 1.0, 1.0, "alpha"),
            (1.0, 0.0, 1.0, 1.0, "beta"),
            (1.0, 1.0, -2.0, 1.0, "gamma"),
            (1.0, 1.0, 1.0, f64::INFINITY, "delta"),
        ] {
            match BgBb::new(a, b, g, d) {
                Err(Error::InvalidParameter { model, name: n, .. }) => {
                    assert_eq!(model, "BG/BB");
                    assert_eq!(n, name);
                }
                other => panic!("expected InvalidParameter for {name}, got {other:?}"),
            }
        }
        assert!(BgBb::from_params(&[1.0]).is_err());
    }

    #[test]
    fn binary_validation() {
        assert!(OpportunityHistory::new(0, 0, 0).is_ok());
        assert!(OpportunityHistory::new(3, 5, 6).is_ok());
        for (x, t_x, n) in [(1, 0, 6), (0, 2, 6), (4, 3, 6), (2, 7, 6)] {
            assert!(
                matches!(
                    OpportunityHistory::new(x, t_x, n),
                    Err(Error::InvalidData { .. })
                ),
                "{x} {t_x} {n}"
            );
        }
    }

    /// The likelihood against the printed sum evaluated term by term with ln B (no
    /// recurrence, no log-sum-exp).
    #[test]
    fn likelihood_matches_direct_sum() {
        let (a, b, g, d) = (1.2, 0.75, 0.66, 2.78);
        let m = BgBb::new(a, b, g, d).unwrap();
        let bf = |p: f64, q: f64| ln_beta(p, q).exp();
        for (x, t_x, n) in [
            (0u32, 0u32, 6u32),
            (2, 4, 6),
            (6, 6, 6),
            (1, 1, 11),
            (3, 9, 20),
        ] {
            let (xf, tf, nf) = (f64::from(x), f64::from(t_x), f64::from(n));
            let mut l = bf(a + xf, b + nf - xf) / bf(a, b) * bf(g, d + nf) / bf(g, d);
            for i in 0..(n - t_x) {
                let i = f64::from(i);
                l += bf(a + xf, b + tf - xf + i) / bf(a, b) * bf(g + 1.0, d + tf + i) / bf(g, d);
            }
            let h = OpportunityHistory::new(x, t_x, n).unwrap();
            assert!((m.ln_likelihood(&h) - l.ln()).abs() < 1e-12, "{h:?}");
        }
    }

    #[test]
    fn survival_sum_is_continuous_at_gamma_one() {
        let at_one = survival_sum(1.0, 2.5, 10);
        for eps in [1e-12, 1e-9, -1e-9, 1e-6] {
            let v = survival_sum(1.0 + eps, 2.5, 10);
            assert!(
                (v - at_one).abs() < 1e-5 * at_one.max(1.0),
                "{eps}: {v} vs {at_one}"
            );
        }
    }

    /// Issue 11 (7): past 10⁴ opportunities the survival products come from the gamma ratio:
    /// equal to the term-by-term sum (1e-12 relative) at 2·10⁴ and 10⁵, and a horizon of
    /// 2³² − 1 opportunities is as cheap as any other, below the model's E[X] bound.
    #[test]
    fn long_horizons_use_the_gamma_ratio() {
        for (gamma, d) in [
            (0.656718, 2.783442),
            (1.0, 5.0),
            (3.5, 0.2),
            (1.0 + 1e-9, 1.0),
        ] {
            for m in [20_000u32, 100_000] {
                let direct: f64 = (0..m)
                    .map(|k| ((gamma - 1.0) / (1.0 + d + f64::from(k))).ln_1p())
                    .sum();
                let fast = ln_rising_ratio(gamma, d, m);
                assert!(
                    (fast - direct).abs() <= 1e-12 * direct.abs().max(1e-300) + 1e-15,
                    "{gamma} {d} {m}: {fast} vs {direct}"
                );
                let h_direct: f64 = if gamma == 1.0 {
                    (0..m).map(|k| 1.0 / (1.0 + d + f64::from(k))).sum()
                } else {
                    -(-direct).exp_m1() / (gamma - 1.0)
                };
                let h = survival_sum(gamma, d, m);
                assert!(
                    (h - h_direct).abs() <= 1e-11 * h_direct,
                    "{h} vs {h_direct}"
                );
            }
        }
        let m = BgBb::new(1.203522, 0.749716, 0.656718, 2.783442).unwrap();
        let h = OpportunityHistory::new(3, 5, 6).unwrap();
        let far = m.expected_purchases(&h, u32::MAX);
        assert!(far.is_finite() && far > m.expected_purchases(&h, 1_000_000));
    }
}
