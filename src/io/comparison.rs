//! The files of a model comparison: one model file per fitted model, the CSV tables
//! (`comparison.csv`, `holdout_by_frequency.csv`, `calibration_fit.csv`, `tracking.csv`,
//! `predictions.csv`) and the SVG plots.

use std::path::{Path, PathBuf};

use super::plot::{self, Labels, Series};
use super::schema;
use super::table::{Cell, Table};
use super::ModelFile;
use crate::data::{Summary, TimeUnit};
use crate::error::{Error, Result};
use crate::models::ModelKind;
use crate::predict::p_alive_matrix;
use crate::validate::{
    incremental, CompareOptions, Comparison, Evaluated, FrequencyClasses, ModelEvaluation, Tracking,
};

/// Writes every file of `comparison` into `out` (which must exist) and returns their paths,
/// in order: the model files of the fitted models, the CSV tables, then the plots.
///
/// # Errors
/// Those of the writers; [`Error::InvalidOption`] when the P(alive) plot's model was not
/// fitted.
pub fn write_comparison(
    comparison: &Comparison,
    summary: &Summary,
    tracking: &Tracking,
    options: &CompareOptions,
    out: &Path,
) -> Result<Vec<PathBuf>> {
    let evaluations = &comparison.evaluations;
    let mut files = Vec::new();
    for e in evaluations {
        if let Ok(v) = &e.outcome {
            let path = out.join(format!("{}.json", slug(e.kind)));
            ModelFile::from_fitted(&v.fitted).write(&path)?;
            files.push(path);
        }
    }
    let mut write = |name: &str, table: Table| -> Result<()> {
        let path = out.join(name);
        table.write(&path)?;
        files.push(path);
        Ok(())
    };
    write(
        "comparison.csv",
        comparison_table(evaluations, &comparison.order),
    )?;
    write(
        "holdout_by_frequency.csv",
        by_frequency_table(evaluations, options.classes),
    )?;
    write(
        "calibration_fit.csv",
        calibration_table(evaluations, options.classes),
    )?;
    write("tracking.csv", tracking_table(evaluations, tracking))?;
    write("predictions.csv", predictions_table(evaluations, summary))?;
    files.extend(plots(
        evaluations,
        &comparison.order,
        summary,
        tracking,
        options,
        out,
    )?);
    Ok(files)
}

/// `bg-nbd` -> `bg_nbd`, for file and column names.
pub fn slug(kind: ModelKind) -> String {
    kind.as_str().replace('-', "_")
}

/// The successful evaluations, in requested order.
fn fitted(evaluations: &[ModelEvaluation]) -> impl Iterator<Item = (ModelKind, &Evaluated)> {
    evaluations
        .iter()
        .filter_map(|e| e.outcome.as_ref().ok().map(|v| (e.kind, v)))
}

/// Plural name of the unit for axis descriptions.
pub fn units(unit: TimeUnit) -> String {
    match unit {
        TimeUnit::Day => "days".into(),
        TimeUnit::Week => "weeks".into(),
        TimeUnit::Month => "months".into(),
        TimeUnit::Days(d) => format!("periods of {d} days"),
    }
}

fn comparison_table(evaluations: &[ModelEvaluation], order: &[usize]) -> Table {
    let mut t = Table::new(schema::COMPARISON.map(String::from).to_vec());
    for (r, &i) in order.iter().enumerate() {
        let e = &evaluations[i];
        let mut row: Vec<Cell> = vec![((r + 1) as f64).into(), e.kind.as_str().into()];
        match &e.outcome {
            Ok(v) => {
                let k = v.fitted.kind().param_names().len();
                row.extend([
                    "ok".into(),
                    Cell::Empty,
                    Cell::Text(v.fitted.warnings.join("; ")),
                    (if v.fitted.converged { "true" } else { "false" }).into(),
                    (k as f64).into(),
                    v.fitted.log_likelihood.into(),
                    v.fitted.aic().into(),
                    v.fitted.bic().into(),
                    v.holdout.predicted_total.into(),
                    v.holdout.actual_total.into(),
                    v.holdout.mae.into(),
                    v.holdout.rmse.into(),
                    v.calibration.chi_square.into(),
                    v.calibration.degrees_of_freedom(k).map(|d| d as f64).into(),
                    v.calibration.p_value(k).into(),
                ]);
            }
            Err(err) => {
                row.extend(["failed".into(), Cell::Text(err.to_string())]);
                row.extend((0..13).map(|_| Cell::Empty));
            }
        }
        row.push(e.fit_time.as_secs_f64().into());
        t.rows.push(row);
    }
    t
}

fn by_frequency_table(evaluations: &[ModelEvaluation], classes: FrequencyClasses) -> Table {
    let models: Vec<_> = fitted(evaluations).collect();
    let mut header = vec![
        "frequency_class".to_string(),
        "customers".into(),
        "actual".into(),
    ];
    header.extend(models.iter().map(|(k, _)| format!("expected_{}", slug(*k))));
    let mut t = Table::new(header);
    let Some((_, first)) = models.first() else {
        return t;
    };
    for (i, label) in classes.labels().into_iter().enumerate() {
        let mut row = vec![
            Cell::Text(label),
            (first.by_frequency.customers[i] as f64).into(),
            first.by_frequency.actual[i].into(),
        ];
        row.extend(
            models
                .iter()
                .map(|(_, v)| v.by_frequency.predicted[i].into()),
        );
        t.rows.push(row);
    }
    t
}

fn calibration_table(evaluations: &[ModelEvaluation], classes: FrequencyClasses) -> Table {
    let models: Vec<_> = fitted(evaluations).collect();
    let mut header = vec!["frequency_class".to_string(), "actual_customers".into()];
    header.extend(
        models
            .iter()
            .map(|(k, _)| format!("expected_customers_{}", slug(*k))),
    );
    let mut t = Table::new(header);
    let Some((_, first)) = models.first() else {
        return t;
    };
    for (i, label) in classes.labels().into_iter().enumerate() {
        let mut row = vec![Cell::Text(label), first.calibration.observed[i].into()];
        row.extend(models.iter().map(|(_, v)| v.calibration.expected[i].into()));
        t.rows.push(row);
    }
    t
}

fn tracking_table(evaluations: &[ModelEvaluation], tracking: &Tracking) -> Table {
    let models: Vec<(ModelKind, &[f64])> = fitted(evaluations)
        .filter_map(|(k, v)| v.tracking.as_deref().map(|t| (k, t)))
        .collect();
    let mut header: Vec<String> = [
        "period",
        "time",
        "phase",
        "actual_cumulative",
        "actual_incremental",
    ]
    .map(String::from)
    .to_vec();
    for (k, _) in &models {
        header.push(format!("expected_cumulative_{}", slug(*k)));
        header.push(format!("expected_incremental_{}", slug(*k)));
    }
    let mut t = Table::new(header);
    let actual = tracking.actual_cumulative();
    let incs: Vec<Vec<f64>> = models.iter().map(|(_, c)| incremental(c)).collect();
    let calibration = tracking.calibration_periods();
    for (i, &time) in tracking.period_ends.iter().enumerate() {
        let phase = if i < calibration {
            "calibration"
        } else {
            "holdout"
        };
        let mut row: Vec<Cell> = vec![
            ((i + 1) as f64).into(),
            time.into(),
            phase.into(),
            actual[i].into(),
            tracking.actual_incremental[i].into(),
        ];
        for ((_, cum), inc) in models.iter().zip(&incs) {
            row.push(cum[i].into());
            row.push(inc[i].into());
        }
        t.rows.push(row);
    }
    t
}

fn predictions_table(evaluations: &[ModelEvaluation], summary: &Summary) -> Table {
    let models: Vec<_> = fitted(evaluations).collect();
    let mut header: Vec<String> = [
        "customer_id",
        "frequency",
        "recency",
        "T",
        "frequency_holdout",
        "duration_holdout",
    ]
    .map(String::from)
    .to_vec();
    for (k, _) in &models {
        header.push(format!("expected_purchases_{}", slug(*k)));
        header.push(format!("p_alive_{}", slug(*k)));
    }
    let mut t = Table::new(header);
    for (i, c) in summary.customers.iter().enumerate() {
        let h = c.history;
        let mut row: Vec<Cell> = vec![
            Cell::Text(c.customer_id.clone()),
            h.frequency.into(),
            h.recency.into(),
            h.age.into(),
            c.holdout.map(|o| o.frequency).into(),
            c.holdout.map(|o| o.duration).into(),
        ];
        for (_, v) in &models {
            let p = v.holdout.predictions[i];
            row.push(p.expected_purchases.into());
            row.push(p.p_alive.into());
        }
        t.rows.push(row);
    }
    t
}

/// Draws and writes the comparison's plots; returns their paths.
fn plots(
    evaluations: &[ModelEvaluation],
    order: &[usize],
    summary: &Summary,
    tracking: &Tracking,
    options: &CompareOptions,
    out: &Path,
) -> Result<Vec<PathBuf>> {
    let models: Vec<_> = fitted(evaluations).collect();
    let Some((_, first)) = models.first() else {
        return Ok(Vec::new());
    };
    let unit = units(summary.unit);
    let labels = options.classes.labels();
    let mut files = Vec::new();
    let mut save = |name: &str, svg: String| -> Result<()> {
        let path = out.join(name);
        plot::write_svg(&path, &svg)?;
        files.push(path);
        Ok(())
    };

    let mut series = vec![Series::new("actual", &first.calibration.observed)];
    series.extend(
        models
            .iter()
            .map(|(k, v)| Series::new(k.as_str(), &v.calibration.expected)),
    );
    save(
        "calibration_histogram.svg",
        plot::grouped_bars_svg(
            Labels {
                title: "Calibration period: customers by number of repeat purchases",
                x: "repeat purchases in the calibration period (x)",
                y: "number of customers",
            },
            &labels,
            &series,
        )?,
    )?;

    let mut series = vec![Series::partial("actual", first.by_frequency.actual.clone())];
    series.extend(
        models
            .iter()
            .map(|(k, v)| Series::partial(k.as_str(), v.by_frequency.predicted.clone())),
    );
    let y = format!("mean repeat purchases in the holdout period (per customer, {unit})");
    save(
        "holdout_by_frequency.svg",
        plot::category_lines_svg(
            Labels {
                title: "Holdout purchases by calibration frequency, actual vs expected",
                x: "repeat purchases in the calibration period (x)",
                y: &y,
            },
            &labels,
            &series,
        )?,
    )?;

    let marker = Some((tracking.calibration_end, "end of calibration"));
    let x = format!("time since the first customer's first purchase ({unit})");
    let actual = tracking.actual_cumulative();
    let mut cumulative = vec![Series::new("actual", &actual)];
    let mut incremental_series = vec![Series::new("actual", &tracking.actual_incremental)];
    for (k, v) in &models {
        if let Some(c) = &v.tracking {
            cumulative.push(Series::new(k.as_str(), c));
            incremental_series.push(Series::new(k.as_str(), &incremental(c)));
        }
    }
    save(
        "tracking_cumulative.svg",
        plot::time_lines_svg(
            Labels {
                title: "Cumulative repeat transactions, actual vs expected",
                x: &x,
                y: "cumulative repeat transactions",
            },
            &tracking.period_ends,
            &cumulative,
            marker,
        )?,
    )?;
    let y = format!(
        "repeat transactions per period (one period = 1 {})",
        summary.unit
    );
    save(
        "tracking_incremental.svg",
        plot::time_lines_svg(
            Labels {
                title: "Repeat transactions per period, actual vs expected",
                x: &x,
                y: &y,
            },
            &tracking.period_ends,
            &incremental_series,
            marker,
        )?,
    )?;

    let chosen = match options.p_alive_model {
        Some(kind) => fitted(evaluations)
            .find(|(k, _)| *k == kind)
            .ok_or_else(|| Error::InvalidOption {
                name: "P(alive) plot model",
                value: kind.to_string(),
                reason: "was not fitted".into(),
            })?,
        None => order
            .iter()
            .find_map(|&i| {
                let e = &evaluations[i];
                e.outcome.as_ref().ok().map(|v| (e.kind, v))
            })
            .ok_or_else(|| Error::NoData {
                what: "cannot plot P(alive)".into(),
                reason: "no fitted model".into(),
            })?,
    };
    let max_x = summary
        .histories()
        .map(|h| h.frequency)
        .fold(0.0, f64::max)
        .min(60.0) as u32;
    let age = summary.histories().map(|h| h.age).fold(0.0, f64::max);
    let matrix = p_alive_matrix(chosen.1.model()?, max_x.max(1), age, 40)?;
    save(
        &format!("p_alive_{}.svg", slug(chosen.0)),
        plot::p_alive_matrix_svg(&matrix, &unit)?,
    )?;
    Ok(files)
}
