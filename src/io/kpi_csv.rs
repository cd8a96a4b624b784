//! The files of `btyd kpi`: the KPI table (one row per metric), the retention table per cohort
//! and period, and the retention curves by cohort (SVG).

use std::path::{Path, PathBuf};

use super::plot::{self, Labels, Series};
use super::table::Table;
use crate::decide::{CohortPeriod, Kpis};
use crate::error::Result;

/// Columns of the KPI table.
pub const KPI_COLUMNS: [&str; 4] = ["metric", "value", "unit", "definition"];

/// Columns of the retention table.
pub const RETENTION_COLUMNS: [&str; 9] = [
    "cohort",
    "period",
    "periods_since_first",
    "cohort_size",
    "active",
    "active_share",
    "retained",
    "retention_rate",
    "churn_rate",
];

/// Most cohorts drawn in the retention chart (the largest ones), besides all customers.
const MAX_COHORTS_DRAWN: usize = 8;

/// The KPI table: one row per metric with its value, unit and definition. Undefined values (a
/// lifespan when nobody churns) are empty.
pub fn kpi_table(k: &Kpis) -> Table {
    let per = format!("per {}", k.period);
    let rows: Vec<(&str, Option<f64>, String, String)> = vec![
        (
            "customers",
            Some(k.customers as f64),
            "customers".into(),
            format!("customers with a purchase on or before {}", k.end),
        ),
        (
            "purchases",
            Some(k.purchases as f64),
            "purchases".into(),
            "purchase days: a customer's rows of one day are one purchase".into(),
        ),
        (
            "revenue",
            Some(k.revenue),
            "money".into(),
            "sum of the amounts".into(),
        ),
        (
            "years_observed",
            Some(k.years),
            "years".into(),
            format!(
                "days from {} to {} (both included) / 365.25",
                k.first_date, k.end
            ),
        ),
        (
            "average_purchase_value",
            Some(k.average_purchase_value),
            "money per purchase".into(),
            "APV = revenue / purchases".into(),
        ),
        (
            "purchase_frequency_rate",
            Some(k.purchase_frequency_rate),
            "purchases per customer per year".into(),
            "PFR = purchases / customers / years_observed".into(),
        ),
        (
            "annual_customer_value",
            Some(k.annual_value()),
            "money per customer per year".into(),
            "APV x PFR".into(),
        ),
        (
            "retention_rate",
            Some(k.retention_rate),
            per.clone(),
            format!(
                "customers active in a {p} who buy again in the next {p} / customers active in \
                 the {p}, pooled over the {} {p}s whose next {p} is complete",
                k.retention_periods,
                p = k.period
            ),
        ),
        (
            "churn_rate",
            Some(k.churn_rate),
            per,
            "1 - retention_rate".into(),
        ),
        (
            "customer_lifespan",
            k.lifespan_years,
            "years".into(),
            format!(
                "1 / churn_rate {}s, in years (empty when nobody churns)",
                k.period
            ),
        ),
        (
            "observed_mean_span",
            Some(k.observed_mean_span_years),
            "years".into(),
            "mean of (last purchase - first purchase) over customers, 0 for one-time buyers".into(),
        ),
        (
            "observed_mean_span_repeaters",
            k.observed_mean_span_repeaters_years,
            "years".into(),
            "the same over customers with more than one purchase".into(),
        ),
        (
            "margin",
            Some(k.margin),
            "share of revenue".into(),
            "profit margin applied in the simple CLV".into(),
        ),
        (
            "cac",
            Some(k.cac),
            "money per customer".into(),
            "customer acquisition cost subtracted in the simple CLV".into(),
        ),
        (
            "simple_clv",
            k.simple_clv,
            "money per customer".into(),
            "APV x PFR x customer_lifespan x margin - cac (undiscounted)".into(),
        ),
    ];
    let mut t = Table::new(KPI_COLUMNS.map(String::from).to_vec());
    for (metric, value, unit, definition) in rows {
        t.rows.push(vec![
            metric.into(),
            value.into(),
            unit.into(),
            definition.into(),
        ]);
    }
    t
}

/// The label of a row's cohort (`all` for the overall rows).
fn cohort_label(k: &Kpis, c: &CohortPeriod) -> String {
    c.cohort
        .map_or_else(|| "all".to_string(), |i| k.period.label(i))
}

/// The retention table: per cohort and period, then all customers per period.
pub fn retention_table(k: &Kpis) -> Table {
    let mut t = Table::new(RETENTION_COLUMNS.map(String::from).to_vec());
    for c in &k.cohorts {
        let rate = c.retention_rate();
        t.rows.push(vec![
            cohort_label(k, c).into(),
            k.period.label(c.period).into(),
            f64::from(c.age).into(),
            (c.cohort_size as f64).into(),
            (c.active as f64).into(),
            c.active_share().into(),
            c.retained.map(|r| r as f64).into(),
            rate.into(),
            rate.map(|r| 1.0 - r).into(),
        ]);
    }
    t
}

/// Retention curves: the share of each cohort active in each period since its first (the
/// largest cohorts when there are many), and the retention rate of all customers.
///
/// # Errors
/// [`crate::Error::Plot`] when the chart cannot be drawn.
pub fn retention_svg(k: &Kpis) -> Result<String> {
    let max_age = k.cohorts.iter().map(|c| c.age).max().unwrap_or(0) as usize;
    let times: Vec<f64> = (0..=max_age).map(|a| a as f64).collect();
    let mut cohorts: Vec<(i32, u64)> = Vec::new();
    for c in &k.cohorts {
        if let Some(id) = c.cohort {
            if cohorts.last().map(|l| l.0) != Some(id) {
                cohorts.push((id, c.cohort_size));
            }
        }
    }
    let mut drawn = cohorts.clone();
    drawn.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    drawn.truncate(MAX_COHORTS_DRAWN);
    drawn.sort();
    let mut series = Vec::new();
    for (id, size) in &drawn {
        let mut values = vec![None; times.len()];
        for c in k.cohorts.iter().filter(|c| c.cohort == Some(*id)) {
            values[c.age as usize] = Some(c.active_share());
        }
        series.push(Series::partial(
            format!("cohort {} ({size} customers)", k.period.label(*id)),
            values,
        ));
    }
    let mut overall = vec![None; times.len()];
    for c in k.cohorts.iter().filter(|c| c.cohort.is_none()) {
        if let Some(slot) = overall.get_mut(c.age as usize) {
            *slot = c.retention_rate();
        }
    }
    series.push(Series::partial(
        format!("retention rate, all customers (next {} again)", k.period),
        overall,
    ));
    let title = format!(
        "Retention by cohort ({}s of first purchase{})",
        k.period,
        if drawn.len() < cohorts.len() {
            format!(", the {} largest of {}", drawn.len(), cohorts.len())
        } else {
            String::new()
        }
    );
    let x = format!(
        "{}s since the cohort's first {} (all customers: since the log's first)",
        k.period, k.period
    );
    plot::time_lines_svg(
        Labels {
            title: &title,
            x: &x,
            y: "share of the cohort active",
        },
        &times,
        &series,
        None,
    )
}

/// `dir/STEM_suffix` next to `path` (`kpi.csv` -> `kpi_retention.csv`).
pub fn beside(path: &Path, suffix: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(|| "out".into(), |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}_{suffix}"))
}

/// Writes the KPI table to `path`, the retention table to `STEM_retention.csv` and the
/// retention chart to `STEM_retention.svg` beside it; returns the paths written.
///
/// # Errors
/// Those of the writers and of [`retention_svg`] (checked before anything is written).
pub fn write_kpis(path: &Path, k: &Kpis) -> Result<Vec<PathBuf>> {
    let svg = retention_svg(k)?;
    let retention = beside(path, "retention.csv");
    let chart = beside(path, "retention.svg");
    kpi_table(k).write(path)?;
    retention_table(k).write(&retention)?;
    plot::write_svg(&chart, &svg)?;
    Ok(vec![path.to_path_buf(), retention, chart])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beside_names_siblings() {
        assert_eq!(
            beside(Path::new("out/kpi.csv"), "retention.csv"),
            Path::new("out/kpi_retention.csv")
        );
        assert_eq!(
            beside(Path::new("segments.csv"), "summary.csv"),
            Path::new("segments_summary.csv")
        );
    }
}
