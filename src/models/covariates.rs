//! Time-invariant covariates for the purchase, dropout and spend processes.
//!
//! With static covariates a customer's likelihood is the base model's likelihood at that
//! customer's own parameters. Each process scales one or more of the base model's parameters
//! ([`LogLikelihood::COVARIATE_PARAMS`]):
//!
//! | model | process | parameter of customer i |
//! |---|---|---|
//! | BG/NBD, MBG/NBD, Pareto/NBD, NBD | purchase | α_i = α₀·exp(−γ_p·x_i) |
//! | Pareto/NBD | dropout | β_i = β₀·exp(−γ_d·z_i) |
//! | BG/NBD, MBG/NBD | dropout | a_i = a₀·exp(γ_a·z_i), b_i = b₀·exp(γ_b·z_i) |
//! | Gamma-Gamma | spend | v_i = v₀·exp(γ_s·w_i) |
//!
//! The signs are CLVTools' and pymc-marketing's: a positive purchase coefficient means more
//! purchases (the mean rate r/α_i rises), a positive Pareto/NBD dropout coefficient earlier
//! dropout (s/β_i rises). Gamma-Gamma's ν ~ Gamma(q, rate v) gives a mean spend p·v/(q−1), so
//! with v_i = v₀·exp(γ_s·w_i) the mean spend of customer i is proportional to exp(γ_s·w_i): a
//! positive spend coefficient means customers who spend more.
//!
//! # Layout
//!
//! Customers are grouped by covariate vector ([`CovariatePatterns`]), and within a group
//! compressed to weighted patterns as usual, so the sufficient statistics are the
//! (pattern, covariate vector) pairs. [`covariate_ln_likelihood`] computes, per group, the
//! individual parameters, calls the base model's own batch likelihood and natural-parameter
//! gradient ([`LogLikelihood::total_ln_likelihood`]) on the group's patterns, and maps the
//! gradient by the chain rule:
//!
//! ```text
//! θ_j(x) = θ₀_j · exp(Σ_k s_jk γ_k x_c(k))
//! ∂LL/∂θ₀_j = Σ_groups ∂LL_g/∂θ_j · θ_j(x_g) / θ₀_j
//! ∂LL/∂γ_k  = Σ_groups Σ_{j targeted by k} ∂LL_g/∂θ_j · s_jk · θ_j(x_g) · x_g,c(k)
//! ```
//!
//! No model's likelihood is copied. A coefficient may target several parameters (the
//! constrained covariates of CLVTools' `names.cov.constr`: one coefficient shared by the
//! processes), each with that parameter's sign.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{AnyModel, LogLikelihood, ModelKind};
use crate::data::{compress, PatternKey, Patterns};
use crate::error::{Error, Result};

/// The process a covariate acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Process {
    /// The purchase (transaction) process: α of the NBD part.
    Purchase,
    /// The dropout (lifetime) process: β of Pareto/NBD, a and b of BG/NBD and MBG/NBD.
    Dropout,
    /// The spend process: v of Gamma-Gamma.
    Spend,
}

impl Process {
    /// The process's name as the command line writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Process::Purchase => "purchase",
            Process::Dropout => "dropout",
            Process::Spend => "spend",
        }
    }
}

/// A base-model parameter that covariates scale: θ_i = θ₀·exp(sign·γ·x_i).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaledParam {
    /// The process it belongs to.
    pub process: Process,
    /// Its index in the model's `PARAM_NAMES`.
    pub param: usize,
    /// The sign of the exponent: −1 or 1.
    pub sign: i8,
    /// The prefix of its coefficients' names, e.g. `purchase` or `dropout_a`.
    pub label: &'static str,
}

impl ScaledParam {
    /// A scaled parameter (for the models' `COVARIATE_PARAMS` tables).
    pub const fn new(process: Process, param: usize, sign: i8, label: &'static str) -> Self {
        ScaledParam {
            process,
            param,
            sign,
            label,
        }
    }
}

/// A base parameter a coefficient acts on, with its sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Index of the parameter in the model's `PARAM_NAMES`.
    pub param: usize,
    /// The sign of the exponent: −1 or 1.
    pub sign: i8,
}

/// One covariate coefficient γ_k: the design column it multiplies and the parameters it scales.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coefficient {
    /// Its name, `<process label>:<column>` (e.g. `purchase:channel=web`), or
    /// `shared:<column>` for a constrained covariate acting on every process that lists it.
    pub name: String,
    /// Index of the design column (see [`CovariateDesign::columns`]).
    pub column: usize,
    /// The parameters it scales.
    pub targets: Vec<Target>,
}

/// Which covariate (design) columns act on which parameters: the coefficients in their order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CovariateDesign {
    /// The names of the design columns (after one-hot coding), in the order of a customer's
    /// covariate vector.
    pub columns: Vec<String>,
    /// The coefficients, in the order they follow the base parameters.
    pub coefficients: Vec<Coefficient>,
}

impl CovariateDesign {
    /// The design of a model whose covariates scale `scaled`: for every scaled parameter (in
    /// order) one coefficient per column its process lists in `per_process` (indices into
    /// `columns`), except the `constrained` columns, which get one shared coefficient each,
    /// acting on every scaled parameter whose process lists them.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for a process the model has no parameter for, a column index
    /// out of range, a column listed twice for a process, or a constrained column that no
    /// process lists.
    pub fn new(
        scaled: &[ScaledParam],
        columns: Vec<String>,
        per_process: &[(Process, Vec<usize>)],
        constrained: &[usize],
    ) -> Result<Self> {
        let invalid = |value: String, reason: String| Error::InvalidOption {
            name: "covariate",
            value,
            reason,
        };
        for (process, cols) in per_process {
            if !cols.is_empty() && !scaled.iter().any(|s| s.process == *process) {
                return Err(invalid(
                    format!("'{}'", columns[cols[0]]),
                    format!(
                        "the model has no {} process for covariates",
                        process.as_str()
                    ),
                ));
            }
            for (i, c) in cols.iter().enumerate() {
                let Some(name) = columns.get(*c) else {
                    return Err(invalid(c.to_string(), "design column out of range".into()));
                };
                if cols[..i].contains(c) {
                    return Err(invalid(
                        format!("'{name}'"),
                        format!("listed twice for the {} process", process.as_str()),
                    ));
                }
            }
        }
        let listed = |s: &ScaledParam, c: usize| {
            per_process
                .iter()
                .any(|(p, cols)| *p == s.process && cols.contains(&c))
        };
        let mut coefficients = Vec::new();
        for s in scaled {
            for (_, cols) in per_process.iter().filter(|(p, _)| *p == s.process) {
                for &c in cols.iter().filter(|c| !constrained.contains(c)) {
                    coefficients.push(Coefficient {
                        name: format!("{}:{}", s.label, columns[c]),
                        column: c,
                        targets: vec![Target {
                            param: s.param,
                            sign: s.sign,
                        }],
                    });
                }
            }
        }
        for &c in constrained {
            let targets: Vec<Target> = scaled
                .iter()
                .filter(|s| listed(s, c))
                .map(|s| Target {
                    param: s.param,
                    sign: s.sign,
                })
                .collect();
            let Some(name) = columns.get(c) else {
                return Err(invalid(c.to_string(), "design column out of range".into()));
            };
            if targets.is_empty() {
                return Err(invalid(
                    format!("'{name}'"),
                    "constrained, but not used by any process".into(),
                ));
            }
            coefficients.push(Coefficient {
                name: format!("shared:{name}"),
                column: c,
                targets,
            });
        }
        Ok(CovariateDesign {
            columns,
            coefficients,
        })
    }

    /// Number of coefficients.
    pub fn len(&self) -> usize {
        self.coefficients.len()
    }

    /// Whether there is no coefficient.
    pub fn is_empty(&self) -> bool {
        self.coefficients.is_empty()
    }

    /// Customer parameters θ_j(x) = θ₀_j·exp(Σ_k s_jk γ_k x_c(k)) from the base parameters,
    /// the coefficients and a covariate vector.
    pub fn individual_params(&self, base: &[f64], coefs: &[f64], x: &[f64]) -> Vec<f64> {
        let mut exponent = vec![0.0; base.len()];
        for (coef, &g) in self.coefficients.iter().zip(coefs) {
            let v = x[coef.column];
            for t in &coef.targets {
                exponent[t.param] += f64::from(t.sign) * g * v;
            }
        }
        base.iter()
            .zip(&exponent)
            .map(|(&b, &e)| if e == 0.0 { b } else { b * e.exp() })
            .collect()
    }
}

/// Customers sharing one covariate vector: its value and the group's weighted patterns.
#[derive(Debug, Clone, PartialEq)]
pub struct CovariateGroup<O> {
    /// The covariate (design) vector.
    pub x: Vec<f64>,
    /// The group's weighted patterns.
    pub patterns: Patterns<O>,
}

/// Weighted patterns grouped by covariate vector: the sufficient statistics of a model with
/// covariates (customers compressed by (pattern, covariate vector)).
#[derive(Debug, Clone, PartialEq)]
pub struct CovariatePatterns<O> {
    /// The groups, sorted by covariate vector (by its bits), each non-empty.
    pub groups: Vec<CovariateGroup<O>>,
}

/// A covariate vector and its weighted observations, while grouping.
type Group<O> = (Vec<f64>, Vec<(O, f64)>);

impl<O: PatternKey + Send + Sync> CovariatePatterns<O> {
    /// Groups weighted observations by covariate vector and compresses each group.
    ///
    /// # Errors
    /// [`Error::InvalidData`] when a covariate value is not finite or the vectors differ in
    /// length.
    pub fn from_items(items: impl IntoIterator<Item = (O, Vec<f64>, f64)>) -> Result<Self> {
        let mut by_x: HashMap<Vec<u64>, Group<O>> = HashMap::new();
        let mut width = None;
        for (o, x, w) in items {
            if *width.get_or_insert(x.len()) != x.len() || x.iter().any(|v| !v.is_finite()) {
                return Err(Error::InvalidData {
                    location: crate::error::Location::default(),
                    reason: format!("invalid covariate vector {x:?}"),
                });
            }
            let key: Vec<u64> = x.iter().map(|v| (v + 0.0).to_bits()).collect();
            by_x.entry(key)
                .or_insert_with(|| (x, Vec::new()))
                .1
                .push((o, w));
        }
        let mut keyed: Vec<(Vec<u64>, Group<O>)> = by_x.into_iter().collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let groups = keyed
            .into_iter()
            .map(|(_, (x, items))| CovariateGroup {
                x,
                patterns: compress(items),
            })
            .collect();
        Ok(CovariatePatterns { groups })
    }

    /// All patterns with the covariates ignored: the data of the model without covariates.
    pub fn pooled(&self) -> Patterns<O> {
        compress(self.groups.iter().flat_map(|g| {
            g.patterns
                .obs
                .iter()
                .copied()
                .zip(g.patterns.weights.clone())
        }))
    }
}

impl<O> CovariatePatterns<O> {
    /// Total weight: the number of customers.
    pub fn total_weight(&self) -> f64 {
        self.groups.iter().map(|g| g.patterns.total_weight()).sum()
    }

    /// Number of (pattern, covariate vector) pairs.
    pub fn n_patterns(&self) -> usize {
        self.groups.iter().map(|g| g.patterns.len()).sum()
    }

    /// Whether there is no customer.
    pub fn is_empty(&self) -> bool {
        self.groups.iter().all(|g| g.patterns.is_empty())
    }
}

/// Σ wᵢ ln Lᵢ of the model `M` with covariates, and its gradient: with respect to the base
/// parameters θ₀ (natural scale) followed by the coefficients γ (module docs).
///
/// Groups are evaluated in parallel and their sums added in group order, so the result does not
/// depend on the thread count.
///
/// # Errors
/// Individual parameters the model rejects (e.g. overflowing to ∞).
pub fn covariate_ln_likelihood<M: LogLikelihood>(
    design: &CovariateDesign,
    base: &[f64],
    coefs: &[f64],
    data: &CovariatePatterns<M::Obs>,
) -> Result<(f64, Vec<f64>)> {
    use rayon::prelude::*;
    let k = base.len();
    let group_terms = |g: &CovariateGroup<M::Obs>| -> Result<(f64, Vec<f64>)> {
        let p = design.individual_params(base, coefs, &g.x);
        let model = M::from_params(&p)?;
        // A group of one pattern (a numeric covariate makes many) skips the batch set-up some
        // models do to share terms between patterns.
        let (ll, gp) = if let ([obs], [w]) = (&g.patterns.obs[..], &g.patterns.weights[..]) {
            let mut gp = vec![0.0; k];
            let ll = model.ln_likelihood_grad(obs, &mut gp);
            gp.iter_mut().for_each(|v| *v *= w);
            (w * ll, gp)
        } else {
            model.total_ln_likelihood(&g.patterns)
        };
        let mut grad = vec![0.0; k + design.len()];
        for j in 0..k {
            grad[j] = gp[j] * p[j] / base[j];
        }
        for (c, coef) in design.coefficients.iter().enumerate() {
            let v = g.x[coef.column];
            grad[k + c] = coef
                .targets
                .iter()
                .map(|t| gp[t.param] * f64::from(t.sign) * p[t.param] * v)
                .sum();
        }
        Ok((ll, grad))
    };
    let parts: Vec<Result<(f64, Vec<f64>)>> = if data.groups.len() > 1 {
        data.groups.par_iter().map(group_terms).collect()
    } else {
        data.groups.iter().map(group_terms).collect()
    };
    let mut ll = 0.0;
    let mut grad = vec![0.0; k + design.len()];
    for part in parts {
        let (l, g) = part?;
        ll += l;
        for (a, b) in grad.iter_mut().zip(g) {
            *a += b;
        }
    }
    Ok((ll, grad))
}

/// A fitted model with covariates, for predictions: the base model at the baseline parameters
/// (all covariates 0), the design and the coefficients.
#[derive(Debug, Clone, PartialEq)]
pub struct CovariateEffects {
    /// The base model at θ₀.
    pub base: AnyModel,
    /// Which columns act on which parameters.
    pub design: CovariateDesign,
    /// The coefficients, in the design's order.
    pub coefficients: Vec<f64>,
}

impl CovariateEffects {
    /// The effects, checked: as many coefficients as the design has, each finite, and targets
    /// within the model's parameters.
    ///
    /// # Errors
    /// [`Error::ParameterCount`] or [`Error::InvalidData`].
    pub fn new(base: AnyModel, design: CovariateDesign, coefficients: Vec<f64>) -> Result<Self> {
        if coefficients.len() != design.len() {
            return Err(Error::ParameterCount {
                model: base.name(),
                expected: design.len(),
                found: coefficients.len(),
            });
        }
        let n = base.kind().param_names().len();
        let bad = design
            .coefficients
            .iter()
            .zip(&coefficients)
            .find(|(c, v)| {
                !v.is_finite()
                    || c.column >= design.columns.len()
                    || c.targets.iter().any(|t| t.param >= n || t.sign.abs() != 1)
            });
        if let Some((c, v)) = bad {
            return Err(Error::InvalidData {
                location: crate::error::Location::default().at_field("covariates"),
                reason: format!("invalid coefficient {} = {v}", c.name),
            });
        }
        Ok(CovariateEffects {
            base,
            design,
            coefficients,
        })
    }

    /// The model's kind.
    pub fn kind(&self) -> ModelKind {
        self.base.kind()
    }

    /// The model of a customer with covariate vector `x` (in the order of the design's
    /// columns).
    ///
    /// # Errors
    /// [`Error::InvalidData`] when `x` has the wrong length or a value that is not finite;
    /// parameters the model rejects.
    pub fn individual(&self, x: &[f64]) -> Result<AnyModel> {
        if x.len() != self.design.columns.len() || x.iter().any(|v| !v.is_finite()) {
            return Err(Error::InvalidData {
                location: crate::error::Location::default().at_field("covariates"),
                reason: format!(
                    "covariate vector {x:?} does not match the columns {:?}",
                    self.design.columns
                ),
            });
        }
        let p = self
            .design
            .individual_params(&self.base.params(), &self.coefficients, x);
        AnyModel::from_params(self.base.kind(), &p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::History;
    use crate::models::{BgNbd, ParetoNbd};

    fn design_bg() -> CovariateDesign {
        CovariateDesign::new(
            BgNbd::COVARIATE_PARAMS,
            vec!["g=m".into(), "age".into()],
            &[(Process::Purchase, vec![0, 1]), (Process::Dropout, vec![1])],
            &[1],
        )
        .unwrap()
    }

    #[test]
    fn design_names_and_shared_targets() {
        let d = design_bg();
        let names: Vec<&str> = d.coefficients.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["purchase:g=m", "shared:age"]);
        assert_eq!(d.coefficients[1].targets.len(), 3);
    }

    #[test]
    fn rejects_a_process_the_model_lacks() {
        let err = CovariateDesign::new(
            crate::models::Nbd::COVARIATE_PARAMS,
            vec!["x".into()],
            &[(Process::Dropout, vec![0])],
            &[],
        )
        .unwrap_err();
        assert!(matches!(err, Error::InvalidOption { .. }), "{err}");
    }

    #[test]
    fn zero_coefficients_give_the_base_likelihood() {
        let d = CovariateDesign::new(
            ParetoNbd::COVARIATE_PARAMS,
            vec!["x".into()],
            &[(Process::Purchase, vec![0]), (Process::Dropout, vec![0])],
            &[],
        )
        .unwrap();
        let items = (0..50).map(|i| {
            let h = History::new((i % 5) as f64, (i % 5) as f64 * 3.0, 30.0).unwrap();
            (h, vec![(i % 3) as f64], 1.0)
        });
        let data = CovariatePatterns::from_items(items).unwrap();
        let base = [0.55, 10.5, 0.6, 11.7];
        let (ll, g) = covariate_ln_likelihood::<ParetoNbd>(&d, &base, &[0.0, 0.0], &data).unwrap();
        let m = ParetoNbd::from_params(&base).unwrap();
        let (ll0, g0) = m.total_ln_likelihood(&data.pooled());
        assert!((ll - ll0).abs() < 1e-10 * ll0.abs());
        for j in 0..4 {
            assert!((g[j] - g0[j]).abs() < 1e-9 * (1.0 + g0[j].abs()));
        }
    }
}
