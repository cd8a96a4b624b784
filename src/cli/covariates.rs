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
    let (table, coding) = read_coding(request)?;
    let data = read_customer_data(kind.role(), summary_path, unit)?;
    let btyd::data::CustomerData::Summary(summary) = data else {
        bail!("{kind} with covariates needs a customer summary with customer_id");
    };
    let fit = fit_summary(kind, &summary, opts, request, &table, &coding)?;
    print_fit(&fit, &coding, out)?;
    Ok(ModelFile::from_covariate_fit(&fit, &coding, &request.sets))
}

/// Reads the covariate file of a request and codes the columns it uses.
pub fn read_coding(
    request: &CovariateRequest<'_>,
) -> anyhow::Result<(CovariateTable, CovariateCoding)> {
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
    Ok((table, coding))
}

/// Fits `kind` with the covariates of `request` on a summary.
pub fn fit_summary(
    kind: ModelKind,
    summary: &Summary,
    opts: &FitOptions,
    request: &CovariateRequest<'_>,
    table: &CovariateTable,
    coding: &CovariateCoding,
) -> anyhow::Result<CovariateFit> {
    let sets = &request.sets;
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
    let vectors = coding.encode_all(
        table,
        summary.customers.iter().map(|c| c.customer_id.as_str()),
    )?;
    fit_model_with_covariates(kind, summary, &vectors, &design, opts, request.penalty)
        .with_context(|| format!("fitting {kind} with covariates"))
}

/// `compare --covariates`: each model fitted with covariates on the calibration period and
/// checked on the holdout (each customer's own E[Y(duration_holdout)]); prints the table and
/// writes `covariates.csv` and a model file per model into `out`. Returns the files written.
pub fn compare(
    summary: &Summary,
    requests: &[(ModelKind, CovariateRequest<'_>)],
    out: &Path,
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    use btyd::io::Cell;
    println!("\nwith covariates (each customer's own parameters); holdout per customer");
    println!(
        "{:<12} {:>12} {:>11} {:>10} {:>8} {:>8} {:>8} {:>10} {:>10}",
        "model", "LL", "AIC", "predicted", "actual", "MAE", "RMSE", "LR stat", "LR p"
    );
    let header = [
        "model",
        "log_likelihood",
        "aic",
        "bic",
        "predicted_holdout",
        "actual_holdout",
        "holdout_mae",
        "holdout_rmse",
        "lr_statistic",
        "lr_df",
        "lr_p_value",
        "note",
    ];
    let mut rows = Vec::new();
    let mut files = Vec::new();
    for (kind, request) in requests {
        let kind = *kind;
        let result = read_coding(request).and_then(|(table, coding)| {
            let fit = fit_summary(
                kind,
                summary,
                &FitOptions::default(),
                request,
                &table,
                &coding,
            )?;
            let file = ModelFile::from_covariate_fit(&fit, &coding, &request.sets);
            let effects = file.covariate_effects()?.context("no covariates")?;
            let (mut predicted, mut actual, mut abs, mut sq) = (0.0, 0.0, 0.0, 0.0);
            for c in &summary.customers {
                let h = c
                    .holdout
                    .with_context(|| format!("customer {} has no holdout", c.customer_id))?;
                let m = effects.individual(&coding.encode(&table, &c.customer_id)?)?;
                let p = btyd::predict::predict_customer(m.purchase()?, c, h.duration)?;
                let e = p.expected_purchases - h.frequency;
                predicted += p.expected_purchases;
                actual += h.frequency;
                abs += e.abs();
                sq += e * e;
            }
            let n = summary.customers.len() as f64;
            Ok((fit, file, predicted, actual, abs / n, (sq / n).sqrt()))
        });
        match result {
            Ok((fit, file, predicted, actual, mae, rmse)) => {
                println!(
                    "{:<12} {:>12.3} {:>11.3} {:>10.1} {:>8.0} {:>8.4} {:>8.4} {:>10.3} {:>10.3e}",
                    kind.as_str(),
                    fit.fitted.log_likelihood,
                    fit.aic(),
                    predicted,
                    actual,
                    mae,
                    rmse,
                    fit.lr_test.statistic,
                    fit.lr_test.p_value
                );
                let path = out.join(format!(
                    "{}_covariates.json",
                    kind.as_str().replace('-', "_")
                ));
                file.write(&path)?;
                files.push(path);
                rows.push(vec![
                    Cell::from(kind.as_str()),
                    Cell::from(fit.fitted.log_likelihood),
                    Cell::from(fit.aic()),
                    Cell::from(fit.bic()),
                    Cell::from(predicted),
                    Cell::from(actual),
                    Cell::from(mae),
                    Cell::from(rmse),
                    Cell::from(fit.lr_test.statistic),
                    Cell::from(fit.lr_test.df as f64),
                    Cell::from(fit.lr_test.p_value),
                    Cell::Empty,
                ]);
            }
            Err(e) => {
                println!("{:<12} failed: {e:#}", kind.as_str());
                let mut row: Vec<Cell> = vec![Cell::from(kind.as_str())];
                row.extend((0..10).map(|_| Cell::Empty));
                row.push(Cell::from(format!("failed: {e:#}")));
                rows.push(row);
            }
        }
    }
    let path = out.join("covariates.csv");
    btyd::io::write_table(&path, &header, rows)?;
    files.push(path);
    Ok(files)
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

/// Per-customer predictions of a purchase model fitted with covariates: each customer's own
/// model from its row of `covariates`.
///
/// # Errors
/// A model without covariates given a covariate file (or the reverse); a customer missing from
/// the file; a model that is not a purchase model; prediction errors.
pub fn predict_rows(
    model_path: &Path,
    file: &ModelFile,
    covariates: Option<&Path>,
    data: &btyd::data::CustomerData,
    horizon: f64,
) -> anyhow::Result<Vec<btyd::predict::CustomerPrediction>> {
    use rayon::prelude::*;
    let btyd::data::CustomerData::Summary(summary) = data else {
        bail!("predictions with covariates need a customer summary with customer_id");
    };
    let table = read_table(file, model_path, covariates)?;
    let models = customer_models(file, model_path, table.as_ref(), summary)?
        .context("the model has no covariates")?;
    let preds = summary
        .customers
        .par_iter()
        .zip(&models)
        .map(|(c, m)| btyd::predict::predict_customer(m.purchase()?, c, horizon))
        .collect::<btyd::Result<Vec<_>>>()?;
    Ok(preds)
}

/// The covariate table for a model file: read when given; an error when given for a model
/// fitted without covariates.
pub fn read_table(
    file: &ModelFile,
    model_path: &Path,
    covariates: Option<&Path>,
) -> anyhow::Result<Option<CovariateTable>> {
    let Some(path) = covariates else {
        return Ok(None);
    };
    if file.covariates.is_none() {
        bail!(
            "--covariates {}: {} was fitted without covariates",
            path.display(),
            model_path.display()
        );
    }
    Ok(Some(
        CovariateTable::read(path).with_context(|| format!("reading {}", path.display()))?,
    ))
}

/// `btyd predict --new-customer`: E[X(t)] of a new customer per covariate profile.
pub fn predict_new(
    model_path: &Path,
    file: &ModelFile,
    profiles: &Path,
    horizon: f64,
    output: &Path,
) -> anyhow::Result<()> {
    let table = read_table(file, model_path, Some(profiles))?.context("no profiles")?;
    let effects = file
        .covariate_effects()?
        .context("the model has no covariates")?;
    let coding = &file
        .covariates
        .as_ref()
        .context("model file without covariate coding")?
        .coding;
    let mut rows = Vec::with_capacity(table.ids.len());
    for id in &table.ids {
        let x = coding.encode(&table, id)?;
        let model = effects.individual(&x)?;
        let e = model.purchase()?.expected_purchases_new(horizon)?;
        rows.push(vec![
            btyd::io::Cell::from(id.as_str()),
            btyd::io::Cell::from(horizon),
            btyd::io::Cell::from(e),
        ]);
    }
    let n = rows.len();
    btyd::io::write_table(
        output,
        &["customer_id", "horizon", "expected_purchases"],
        rows,
    )?;
    eprintln!(
        "{n} profiles: E[X(t)] of a new customer over {} {}; written to {}",
        btyd::error::Num(horizon),
        file.time_unit.name_for(horizon),
        output.display()
    );
    Ok(())
}

/// A model file given to `clv`: its path, contents and model at the baseline.
type ModelArg<'a> = (&'a std::path::PathBuf, &'a ModelFile, &'a AnyModel);

/// Per-customer CLV when the purchase model, the spend model or both were fitted with
/// covariates: each customer's own models from its row of `covariates`.
///
/// # Errors
/// A covariate file for models fitted without covariates, or none for a model fitted with
/// them; a customer missing from the file; CLV errors naming the customer.
pub fn clv_rows(
    [purchase, spend]: [ModelArg<'_>; 2],
    covariates: Option<&Path>,
    data: &btyd::data::CustomerData,
    schedule: &btyd::predict::Schedule,
) -> anyhow::Result<Vec<btyd::predict::CustomerClv>> {
    use rayon::prelude::*;
    let btyd::data::CustomerData::Summary(summary) = data else {
        bail!("CLV with covariates needs a customer summary with customer_id");
    };
    let table = match covariates {
        Some(path) if purchase.1.covariates.is_none() && spend.1.covariates.is_none() => bail!(
            "--covariates {}: neither {} nor {} was fitted with covariates",
            path.display(),
            purchase.0.display(),
            spend.0.display()
        ),
        Some(path) => Some(
            CovariateTable::read(path).with_context(|| format!("reading {}", path.display()))?,
        ),
        None => None,
    };
    let purchases = customer_models(purchase.1, purchase.0, table.as_ref(), summary)?;
    let spends = customer_models(spend.1, spend.0, table.as_ref(), summary)?;
    let rows = (0..summary.customers.len())
        .into_par_iter()
        .map(|i| {
            let p = purchases.as_ref().map_or(purchase.2, |m| &m[i]);
            let s = spends.as_ref().map_or(spend.2, |m| &m[i]);
            btyd::predict::customer_clv(p.purchase()?, s.spend()?, &summary.customers[i], schedule)
        })
        .collect::<btyd::Result<Vec<_>>>()?;
    Ok(rows)
}
