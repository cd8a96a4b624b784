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
//! | x | [`Binary::frequency`] | number of opportunities with a transaction |
//! | t_x | [`Binary::recency`] | last opportunity with a transaction (0 if x = 0) |
//! | n | [`Binary::periods`] | number of opportunities observed |
//!
//! # Numerical variant
//! The likelihood is a sum of n − t_x + 1 products of beta functions, evaluated as a
//! log-sum-exp of the log terms (published-values §6.5); consecutive terms are obtained from
//! each other by the recurrence B(p, q+1) = B(p, q)·q/(p+q), which also updates their
//! gradients (ψ(z+1) = ψ(z) + 1/z). Ratios of gamma functions Γ(γ+δ)Γ(1+δ+n)/(Γ(1+δ)Γ(γ+δ+n))
//! are products over the n opportunities, summed as ln1p terms, so the 0/0 at γ = 1 has no
//! cancellation. Formula references are to published-values §6.5, which transcribes the paper
//! and note 010; the paper's equation numbers are not cited because its text was not available
//! to us.
//!
//! BG/BB is a discrete-time model, so its predictions are inherent methods taking numbers of
//! opportunities, not the continuous-time [`crate::models::PurchaseModel`].
//!
//! # Examples
//! ```
//! use btyd::models::{BgBb, Binary};
//! // The donations MLE; P(alive in 2002) of a donor who gave in all six years 1996–2001
//! // (Fader, Hardie & Shang 2010, Table 6: 0.93).
//! let m = BgBb::new(1.203522, 0.749716, 0.656718, 2.783442)?;
//! assert!((m.p_alive(&Binary::new(6, 6, 6)?) - 0.9304).abs() < 5e-5);
//! # Ok::<(), btyd::Error>(())
//! ```

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use rand::{Rng, RngExt};
use rand_distr::{Beta, Distribution};

use super::{distr_error, check_positive, LogLikelihood};
use crate::data::compress::PatternKey;
use crate::data::{compress, Patterns};
use crate::error::{Error, Location, Result};
use crate::io::csv_table::{CsvTable, RowErrors};
use crate::special::{digamma, ln_beta, ln_gamma, ln_hyp2f1};

/// One customer's discrete-time history (x, t_x, n): `frequency` x transactions at the
/// `periods` n opportunities after the first transaction, the last at opportunity `recency` t_x.
///
/// Valid by construction: 0 ≤ x ≤ t_x ≤ n, and t_x = 0 exactly when x = 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Binary {
    frequency: u32,
    recency: u32,
    periods: u32,
}

impl Binary {
    /// A history (x, t_x, n), checked: x ≤ t_x ≤ n and t_x = 0 exactly when x = 0.
    ///
    /// # Errors
    /// [`Error::InvalidData`] naming the rule that fails.
    pub fn new(frequency: u32, recency: u32, periods: u32) -> Result<Self> {
        let reason = if recency > periods {
            Some(format!(
                "recency {recency} is greater than the number of periods {periods}"
            ))
        } else if frequency > recency {
            Some(format!(
                "frequency {frequency} is greater than recency {recency} (at most one \
                 transaction per period)"
            ))
        } else if (frequency == 0) != (recency == 0) {
            Some(format!(
                "recency {recency} and frequency {frequency}: recency is 0 exactly when \
                 frequency is 0"
            ))
        } else {
            None
        };
        match reason {
            Some(reason) => Err(Error::InvalidData {
                location: Location::default(),
                reason,
            }),
            None => Ok(Binary {
                frequency,
                recency,
                periods,
            }),
        }
    }

    /// x: number of opportunities with a transaction.
    pub fn frequency(&self) -> u32 {
        self.frequency
    }
    /// t_x: the last opportunity with a transaction (0 when x = 0).
    pub fn recency(&self) -> u32 {
        self.recency
    }
    /// n: number of opportunities observed.
    pub fn periods(&self) -> u32 {
        self.periods
    }
}

impl PatternKey for Binary {
    fn key(&self) -> [u64; 3] {
        [
            u64::from(self.frequency),
            u64::from(self.recency),
            u64::from(self.periods),
        ]
    }
}

/// The (x, t_x, n) history of one customer from the opportunities at which it transacted.
///
/// `purchases` lists opportunities 0..=n, where 0 is the first transaction (the start, which
/// does not count in x); repeated entries count once (one transaction per opportunity at most).
/// x is the number of distinct opportunities in 1..=n and t_x the last of them (0 if none).
///
/// # Errors
/// [`Error::InvalidData`] when an opportunity is after `periods`.
///
/// # Examples
/// ```
/// use btyd::models::binary_from_purchase_periods;
/// let b = binary_from_purchase_periods(&[0, 2, 2, 5], 6)?;
/// assert_eq!((b.frequency(), b.recency(), b.periods()), (2, 5, 6));
/// # Ok::<(), btyd::Error>(())
/// ```
pub fn binary_from_purchase_periods(purchases: &[u32], periods: u32) -> Result<Binary> {
    if let Some(&late) = purchases.iter().find(|&&p| p > periods) {
        return Err(Error::InvalidData {
            location: Location::default(),
            reason: format!(
                "transaction at opportunity {late}, after the last opportunity {periods}"
            ),
        });
    }
    let mut repeat: Vec<u32> = purchases.iter().copied().filter(|&p| p > 0).collect();
    repeat.sort_unstable();
    repeat.dedup();
    let x = u32::try_from(repeat.len()).map_err(|_| Error::InvalidData {
        location: Location::default(),
        reason: "too many transactions".into(),
    })?;
    Binary::new(x, repeat.last().copied().unwrap_or(0), periods)
}

/// Weighted (x, t_x, n) patterns from each customer's transaction opportunities (see
/// [`binary_from_purchase_periods`]), every customer observed for `periods` opportunities.
///
/// # Errors
/// [`Error::InvalidData`] naming the (0-based) customer whose opportunities are invalid.
pub fn patterns_from_purchase_periods<I, P>(customers: I, periods: u32) -> Result<Patterns<Binary>>
where
    I: IntoIterator<Item = P>,
    P: AsRef<[u32]>,
{
    let mut obs = Vec::new();
    for (i, c) in customers.into_iter().enumerate() {
        let b = binary_from_purchase_periods(c.as_ref(), periods).map_err(|e| match e {
            Error::InvalidData { location, reason } => Error::InvalidData {
                location,
                reason: format!("customer {i}: {reason}"),
            },
            other => other,
        })?;
        obs.push((b, 1.0));
    }
    Ok(compress(obs))
}

/// The accepted header names of each column of a BG/BB summary, first the canonical one.
const FREQUENCY: &[&str] = &["frequency", "x"];
const RECENCY: &[&str] = &["recency", "t_x"];
const PERIODS: &[&str] = &["periods", "n", "n_periods", "T"];
const WEIGHTS: &[&str] = &["weights", "weight", "count"];

/// Reads BG/BB patterns from a CSV file in the format of lifetimes' and Hardie's
/// `donations.csv`: columns `frequency`, `recency`, `periods` and optionally `weights` (the
/// number of customers with that pattern, 1 when absent).
///
/// # Errors
/// As [`read_bgbb_patterns_from`], plus [`Error::Io`] when the file cannot be opened.
pub fn read_bgbb_patterns(path: &Path) -> Result<Patterns<Binary>> {
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_bgbb_patterns_from(file, path)
}

/// Reads BG/BB patterns from any reader (see [`read_bgbb_patterns`]); `name` is used in error
/// messages. Header aliases: `frequency`|`x`, `recency`|`t_x`, `periods`|`n`|`n_periods`|`T`
/// (`T` as written by `btyd summary --discrete`), `weights`|`weight`|`count`; other columns
/// (such as `customer_id`, `monetary_value`) are ignored.
///
/// # Errors
/// [`Error::InvalidData`] with file, line and field for a missing column, a count that is not a
/// non-negative whole number, a weight that is not finite and non-negative, a row failing
/// [`Binary::new`], or a file without rows; [`Error::Csv`] for malformed CSV.
pub fn read_bgbb_patterns_from<R: Read>(
    reader: R,
    name: impl Into<PathBuf>,
) -> Result<Patterns<Binary>> {
    let mut table = CsvTable::new(reader, name)?;
    let cols = [
        table.required(FREQUENCY)?,
        table.required(RECENCY)?,
        table.required(PERIODS)?,
    ];
    let weight_col = table.find(WEIGHTS);

    let mut rows = Vec::new();
    let mut errors = RowErrors::default();
    while table.next_record()? {
        let row = || -> Result<(Binary, f64)> {
            let line = table.line();
            let file = || table.file();
            let at = |col: usize| table.at(col);
            let count = |col: usize| -> Result<u32> {
                let text = table.text(col);
                text.parse::<u32>().map_err(|_| Error::InvalidData {
                    location: at(col),
                    reason: format!("'{text}' is not a non-negative whole number"),
                })
            };
            let [x, t_x, n] = cols;
            let b = Binary::new(count(x)?, count(t_x)?, count(n)?).map_err(|e| match e {
                Error::InvalidData { reason, .. } => Error::InvalidData {
                    location: file().at_line(line),
                    reason,
                },
                other => other,
            })?;
            let weight = match weight_col {
                None => 1.0,
                Some(col) => {
                    let text = table.text(col);
                    match text.parse::<f64>() {
                        Ok(w) if w.is_finite() && w >= 0.0 => w,
                        _ => {
                            return Err(Error::InvalidData {
                                location: at(col),
                                reason: format!("'{text}' is not a finite non-negative weight"),
                            })
                        }
                    }
                }
            };
            Ok((b, weight))
        };
        match row() {
            Ok(r) => rows.push(r),
            Err(e) => errors.push(e),
        }
    }
    errors.into_result(&table.file())?;
    let patterns = compress(rows);
    if patterns.is_empty() {
        return Err(Error::InvalidData {
            location: table.file(),
            reason: "no customers: the file has no rows with a positive weight".into(),
        });
    }
    Ok(patterns)
}

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
    /// ln B(α, β) + ln B(γ, δ).
    ln_norm: f64,
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
fn ln_rising_ratio(gamma: f64, d: f64, m: u32) -> f64 {
    let eps = gamma - 1.0;
    (0..m)
        .map(|k| (eps / (1.0 + d + f64::from(k))).ln_1p())
        .sum()
}

/// H(γ, d, m) = [1 − Γ(γ+d)Γ(1+d+m)/(Γ(γ+d+m)Γ(1+d))]/(γ−1) = −expm1(−S)/(γ−1), with its
/// limit Σ_{k<m} 1/(1+d+k) at γ = 1.
fn survival_sum(gamma: f64, d: f64, m: u32) -> f64 {
    let eps = gamma - 1.0;
    if eps == 0.0 {
        return (0..m).map(|k| 1.0 / (1.0 + d + f64::from(k))).sum();
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
            ln_norm: ln_beta(alpha, beta) + ln_beta(gamma, delta),
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
    /// Note 010 / Fader, Hardie & Shang (2010) (published-values §6.5):
    /// ```text
    /// L = B(α+x, β+n−x)/B(α, β) · B(γ, δ+n)/B(γ, δ)
    ///   + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α, β) · B(γ+1, δ+t_x+i)/B(γ, δ)
    /// ```
    /// With ℓⱼ the log of the j-th term and wⱼ = eˡʲ/L, ∂ ln L/∂θ = Σ wⱼ ∂ℓⱼ/∂θ, where
    /// ∂ ln B(p, q)/∂p = ψ(p) − ψ(p+q), and ∂ ln B(α, β)/∂α etc. are common to all terms.
    /// # Numerics
    /// Log-sum-exp over the terms; the terms of the sum follow from one another by
    /// B(p, q+1) = B(p, q)·q/(p+q), so one set of log-beta and digamma calls serves them all.
    fn ln_likelihood_with(&self, c: &Constants, h: &Binary) -> (f64, [f64; 4]) {
        let BgBb {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let x = f64::from(h.frequency);
        let t_x = f64::from(h.recency);
        let n = f64::from(h.periods);
        let mut acc = LogSumExp::new();
        // Alive through all n opportunities.
        let psi_ax = digamma(alpha + x);
        let l_alive = ln_beta(alpha + x, beta + n - x) + ln_beta(gamma, delta + n);
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
        let terms = h.periods - h.recency;
        if terms > 0 {
            let mut m = t_x - x; // β-argument offset t_x − x + i
            let mut k = t_x; // δ-argument offset t_x + i
            let mut l = ln_beta(alpha + x, beta + m) + ln_beta(gamma + 1.0, delta + k);
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
        (ln_sum - c.ln_norm, grad)
    }

    /// ln B(α+x+1, β+n−x)/B(α, β): the expected transaction probability factor of the
    /// conditional predictions.
    fn ln_p_factor(&self, h: &Binary) -> f64 {
        let x = f64::from(h.frequency);
        let n = f64::from(h.periods);
        ln_beta(self.alpha + x + 1.0, self.beta + n - x) - ln_beta(self.alpha, self.beta)
    }

    /// E[X(n)]: expected number of transactions in the first n opportunities of a new customer.
    ///
    /// # Formula
    /// Fader, Hardie & Shang (2010) (published-values §6.5):
    /// ```text
    /// E[X(n)] = α/(α+β) · δ/(γ−1) · [1 − Γ(γ+δ)Γ(1+δ+n) / (Γ(γ+δ+n)Γ(1+δ))]
    /// ```
    /// # Numerics
    /// The gamma ratio is Π_{k<n} (1+δ+k)/(γ+δ+k), summed in logs with ln1p, so γ near 1 loses
    /// no precision; at γ = 1 the limit δ·Σ_{k<n} 1/(1+δ+k) is used. Cost O(n).
    ///
    /// # Examples
    /// ```
    /// use btyd::models::BgBb;
    /// // BTYD vignette p.32 (bgbb.Expectation(params, n = 10)): 3.179805.
    /// let m = BgBb::new(1.203522, 0.749716, 0.656718, 2.783442)?;
    /// assert!((m.expected_purchases_new(10) - 3.1798).abs() < 1e-4);
    /// # Ok::<(), btyd::Error>(())
    /// ```
    #[doc(alias = "expected_number_of_transactions_in_first_n_periods")]
    #[doc(alias = "bgbb.Expectation")]
    pub fn expected_purchases_new(&self, periods: u32) -> f64 {
        self.alpha / (self.alpha + self.beta)
            * self.delta
            * survival_sum(self.gamma, self.delta, periods)
    }

    /// E[X(n, n+n*) | x, t_x, n]: expected transactions in the next `future_periods` n*
    /// opportunities of a customer with history (x, t_x, n).
    ///
    /// # Formula
    /// Fader, Hardie & Shang (2010) (published-values §6.5):
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
    pub fn expected_purchases(&self, h: &Binary, future_periods: u32) -> f64 {
        let (ln_l, _) = self.ln_likelihood_with(&self.constants(), h);
        let n = f64::from(h.periods);
        let ln_alive_through_n = -ln_rising_ratio(self.gamma, self.delta, h.periods);
        (self.ln_p_factor(h) - ln_l + ln_alive_through_n).exp()
            * self.delta
            * survival_sum(self.gamma, self.delta + n, future_periods)
    }

    /// P(alive at opportunity n+1 | x, t_x, n).
    ///
    /// # Formula
    /// Fader, Hardie & Shang (2010) (published-values §6.5):
    /// ```text
    /// P(alive in n+1) = B(α+x, β+n−x)/B(α, β) · B(γ, δ+n+1)/B(γ, δ) / L(α, β, γ, δ | x, t_x, n)
    /// ```
    /// # Numerics
    /// The ratio is formed in logs.
    #[doc(alias = "conditional_probability_alive")]
    #[doc(alias = "bgbb.PAlive")]
    pub fn p_alive(&self, h: &Binary) -> f64 {
        let c = self.constants();
        let (ln_l, _) = self.ln_likelihood_with(&c, h);
        let x = f64::from(h.frequency);
        let n = f64::from(h.periods);
        let ln_alive = ln_beta(self.alpha + x, self.beta + n - x)
            + ln_beta(self.gamma, self.delta + n + 1.0)
            - c.ln_norm;
        (ln_alive - ln_l).exp().min(1.0)
    }

    /// P(X(n) = x): probability that a new customer transacts at exactly x of the first n
    /// opportunities (0 for x > n).
    ///
    /// # Formula
    /// Fader, Hardie & Shang (2010) (published-values §6.5):
    /// ```text
    /// P(X(n) = x) = C(n, x)·B(α+x, β+n−x)/B(α, β)·B(γ, δ+n)/B(γ, δ)
    ///             + Σ_{i=x}^{n−1} C(i, x)·B(α+x, β+i−x)/B(α, β)·B(γ+1, δ+i)/B(γ, δ)
    /// ```
    /// # Numerics
    /// Log-sum-exp of the log terms, binomial coefficients from ln Γ.
    #[doc(alias = "probability_of_n_purchases_up_to_time")]
    #[doc(alias = "bgbb.pmf")]
    pub fn p_purchases(&self, x: u32, periods: u32) -> f64 {
        if x > periods {
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
        let nf = f64::from(periods);
        let mut terms =
            vec![ln_choose(nf) + ln_beta(alpha + xf, beta + nf - xf) + ln_beta(gamma, delta + nf)];
        terms.extend((x..periods).map(|i| {
            let i = f64::from(i);
            ln_choose(i) + ln_beta(alpha + xf, beta + i - xf) + ln_beta(gamma + 1.0, delta + i)
        }));
        let ln_norm = ln_beta(alpha, beta) + ln_beta(gamma, delta);
        (crate::special::log_sum_exp(&terms) - ln_norm).exp()
    }

    /// DERT(d): discounted expected residual transactions of a customer with history
    /// (x, t_x, n), transactions at opportunity n+j discounted by (1+d)^j.
    ///
    /// # Formula
    /// Fader, Hardie & Shang (2010) (published-values §6.5):
    /// ```text
    /// DERT(d | x, t_x, n) = (1/L) · B(α+x+1, β+n−x)/B(α, β) · B(γ, δ+n+1)/(B(γ, δ)(1+d))
    ///                       · ₂F₁(1, δ+n+1; γ+δ+n+1; 1/(1+d))
    /// ```
    /// # Numerics
    /// In logs, with ln ₂F₁ from [`crate::special::ln_hyp2f1`] (the series converges
    /// geometrically at z = 1/(1+d) < 1).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] unless d is finite and positive; [`Error::Numerical`] if ₂F₁
    /// fails.
    #[doc(alias = "discounted_expected_residual_transactions")]
    #[doc(alias = "bgbb.DERT")]
    pub fn dert(&self, h: &Binary, discount: f64) -> Result<f64> {
        if !(discount.is_finite() && discount > 0.0) {
            return Err(Error::InvalidArgument(format!(
                "BG/BB DERT: discount rate {discount} must be finite and positive"
            )));
        }
        let c = self.constants();
        let (ln_l, _) = self.ln_likelihood_with(&c, h);
        let n = f64::from(h.periods);
        let BgBb { gamma, delta, .. } = *self;
        let (ln_f, sign) = ln_hyp2f1(
            1.0,
            delta + n + 1.0,
            gamma + delta + n + 1.0,
            1.0 / (1.0 + discount),
        )?;
        debug_assert!(sign > 0.0);
        let ln_dert = self.ln_p_factor(h) + ln_beta(gamma, delta + n + 1.0)
            - ln_beta(gamma, delta)
            - discount.ln_1p()
            + ln_f
            - ln_l;
        Ok(ln_dert.exp())
    }

    /// Draws one customer per entry of `periods`, observed for that many opportunities, by
    /// simulating the BG/BB story (Fader, Hardie & Shang 2010, §2): p ~ Beta(α, β) and
    /// θ ~ Beta(γ, δ); at the start of each opportunity a living customer dies with probability
    /// θ, and otherwise transacts with probability p.
    ///
    /// # Errors
    /// Parameters the beta sampler rejects.
    pub fn simulate<R: Rng + ?Sized>(&self, periods: &[u32], rng: &mut R) -> Result<Vec<Binary>> {
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
            out.push(Binary::new(x, t_x, n)?);
        }
        Ok(out)
    }
}

impl LogLikelihood for BgBb {
    const NAME: &'static str = "BG/BB";
    const PARAM_NAMES: &'static [&'static str] = &["alpha", "beta", "gamma", "delta"];
    type Obs = Binary;

    fn from_params(p: &[f64]) -> Result<Self> {
        match p {
            [alpha, beta, gamma, delta] => BgBb::new(*alpha, *beta, *gamma, *delta),
            _ => Err(Error::InvalidArgument(format!(
                "BG/BB takes 4 parameters, got {}",
                p.len()
            ))),
        }
    }

    fn params(&self) -> Vec<f64> {
        vec![self.alpha, self.beta, self.gamma, self.delta]
    }

    /// ln L(α, β, γ, δ | x, t_x, n); see `ln_likelihood_with` for the formula (note 010).
    fn ln_likelihood(&self, h: &Binary) -> f64 {
        self.ln_likelihood_with(&self.constants(), h).0
    }

    fn ln_likelihood_grad(&self, h: &Binary, grad: &mut [f64]) -> f64 {
        let (ll, g) = self.ln_likelihood_with(&self.constants(), h);
        grad.copy_from_slice(&g);
        ll
    }

    /// Computes ln B(α, β) + ln B(γ, δ) and its digammas once per batch.
    fn ln_likelihood_batch(&self, obs: &[Binary], weights: &[f64], grad: &mut [f64]) -> f64 {
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
    fn initial_params(_data: &Patterns<Binary>) -> Vec<f64> {
        vec![1.0, 1.0, 1.0, 1.0]
    }

    fn time_dimension() -> &'static [i32] {
        &[0, 0, 0, 0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(Binary::new(0, 0, 0).is_ok());
        assert!(Binary::new(3, 5, 6).is_ok());
        for (x, t_x, n) in [(1, 0, 6), (0, 2, 6), (4, 3, 6), (2, 7, 6)] {
            assert!(
                matches!(Binary::new(x, t_x, n), Err(Error::InvalidData { .. })),
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
            let h = Binary::new(x, t_x, n).unwrap();
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
}
