//! Covariates on the command line (shared by `fit`, `predict` and `clv`): the fit with
//! `--covariates COV.csv --purchase-covariates .. --dropout-covariates ..`, its printed table
//! with the LR test, and each customer's own model for predictions.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use btyd::data::{Summary, TimeUnit};
use btyd::fit::covariates::{fit_model_with_covariates, CovariateFit};
use btyd::fit::FitOptions;
use btyd::io::{read_customer_data, CovariateCoding, CovariateSets, CovariateTable, ModelFile};
use btyd::models::{AnyModel, CovariateDesign, ModelKind, Process};

/// What `btyd fit` was asked to do with covariates.
pub struct CovariateRequest<'a> {
    /// The covariate file.
    pub path: &'a Path,
    /// Columns per process and the constrained ones.
    pub sets: CovariateSets,
    /// L2 penalty on the coefficients.
    pub penalty: f64,
    /// Standardise numeric columns.
    pub standardize: bool,
}

/// Fits `kind` with covariates on the summary at `summary_path`; returns the model file.
pub fn fit(
    kind: ModelKind,
    summary_path: &Path,
    unit: TimeUnit,
    opts: &FitOptions,
    request: &CovariateRequest<'_>,
    out: &mut dyn Write,
) -> anyhow::Result<ModelFile> {
    let sets = &request.sets;
    if sets.purchase.is_empty() && sets.dropout.is_empty() && sets.spend.is_empty() {
        bail!(
            "--covariates needs the columns to use: --purchase-covariates and/or \
             --dropout-covariates (purchase models), --spend-covariates (gamma-gamma)"
        );
    }
    let table = CovariateTable::read(request.path)
        .with_context(|| format!("reading {}", request.path.display()))?;
    let used: Vec<String> = sets
        .purchase
        .iter()
        .chain(&sets.dropout)
        .chain(&sets.spend)
        .cloned()
        .collect();
    let coding = CovariateCoding::from_table(&table, &used, request.standardize)?;
    for c in &sets.constrained {
        if !used.contains(c) {
            bail!(
                "--constrain {c}: the column is not among the covariates of any process ({})",
                used.join(", ")
            );
        }
    }
    let columns_of = |names: &[String]| -> anyhow::Result<Vec<usize>> {
        let mut cols = Vec::new();
        for n in names {
            cols.extend(coding.columns_of(n)?);
        }
        Ok(cols)
    };
    let per_process = vec![
        (Process::Purchase, columns_of(&sets.purchase)?),
        (Process::Dropout, columns_of(&sets.dropout)?),
        (Process::Spend, columns_of(&sets.spend)?),
    ];
    let constrained = columns_of(&sets.constrained)?;
    let design = CovariateDesign::new(
        kind.covariate_params(),
        coding.design_columns(),
        &per_process,
        &constrained,
    )
    .with_context(|| format!("covariates of {kind}"))?;
    let role = kind.role();
    let data = read_customer_data(role, summary_path, unit)?;
    let btyd::data::CustomerData::Summary(summary) = data else {
        bail!("{kind} with covariates needs a customer summary with customer_id");
    };
    let vectors = coding.encode_all(
        &table,
        summary.customers.iter().map(|c| c.customer_id.as_str()),
    )?;
    let fit = fit_model_with_covariates(kind, &summary, &vectors, &design, opts, request.penalty)
        .with_context(|| format!("fitting {kind} with covariates"))?;
    print_fit(&fit, &coding, out)?;
    Ok(ModelFile::from_covariate_fit(&fit, &coding, sets))
}

/// Prints the baseline parameters, the coefficients, the fit statistics and the LR test.
pub fn print_fit(
    fit: &CovariateFit,
    coding: &CovariateCoding,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let fitted = &fit.fitted;
    writeln!(
        out,
        "{} with covariates fitted on {} customers ({} pattern-covariate groups), time unit {}",
        fitted.kind(),
        fitted.n_obs,
        fitted.n_patterns,
        fitted.time_unit
    )?;
    for v in &coding.variables {
        match &v.coding {
            btyd::io::covariates_csv::Coding::Categorical { levels } => writeln!(
                out,
                "covariate {}: categorical, reference level '{}' (levels {})",
                v.name,
                levels[0],
                levels.join(", ")
            )?,
            btyd::io::covariates_csv::Coding::Numeric { mean, sd } => match (mean, sd) {
                (Some(m), Some(s)) => writeln!(
                    out,
                    "covariate {}: numeric, standardised (mean {m:.6}, sd {s:.6})",
                    v.name
                )?,
                _ => writeln!(out, "covariate {}: numeric", v.name)?,
            },
        }
    }
    writeln!(
        out,
        "{:<28} {:>12} {:>12} {:>12} {:>12}",
        "parameter", "estimate", "std error", "lower 95%", "upper 95%"
    )?;
    let cell = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.6}"));
    for p in fitted.param_table() {
        writeln!(
            out,
            "{:<28} {:>12.6} {:>12} {:>12} {:>12}",
            format!("{}0", p.name),
            p.estimate,
            cell(p.std_error),
            cell(p.lower_95),
            cell(p.upper_95)
        )?;
    }
    for c in fit.coefficient_table() {
        writeln!(
            out,
            "{:<28} {:>12.6} {:>12} {:>12} {:>12}",
            c.name,
            c.estimate,
            cell(c.std_error),
            cell(c.lower_95),
            cell(c.upper_95)
        )?;
    }
    writeln!(
        out,
        "log-likelihood {:.4}   AIC {:.4}   BIC {:.4}   converged {}   ({} iterations, gradient norm {:.1e})",
        fitted.log_likelihood,
        fit.aic(),
        fit.bic(),
        if fitted.converged { "yes" } else { "no" },
        fitted.iterations,
        fitted.grad_norm
    )?;
    writeln!(out, "{}", fit.lr_test)?;
    for w in &fitted.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}

/// Each customer's own model of a model file, or `None` when the file has no covariates.
///
/// # Errors
/// A model fitted with covariates without a covariate file; the coding's errors (a customer
/// missing from the file, an unseen level).
pub fn customer_models(
    file: &ModelFile,
    path: &Path,
    table: Option<&CovariateTable>,
    summary: &Summary,
) -> anyhow::Result<Option<Vec<AnyModel>>> {
    let Some(effects) = file
        .covariate_effects()
        .with_context(|| path.display().to_string())?
    else {
        return Ok(None);
    };
    let Some(table) = table else {
        bail!(
            "{} was fitted with covariates: give each customer's with --covariates COV.csv",
            path.display()
        );
    };
    let coding = &file
        .covariates
        .as_ref()
        .context("model file without covariate coding")?
        .coding;
    let models = summary
        .customers
        .iter()
        .map(|c| {
            let x = coding.encode(table, &c.customer_id)?;
            effects.individual(&x)
        })
        .collect::<btyd::Result<Vec<AnyModel>>>()?;
    Ok(Some(models))
}
