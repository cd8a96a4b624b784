//! Command-line front end: one module per subcommand, each with its `Args` and `run`.

mod clv;
mod compare;
mod covariates;
mod demo;
mod fit;
mod kpi;
mod predict;
mod progress;
mod report;
mod segment;
mod sql;
mod summary;
mod uncertainty;

use clap::{Parser, Subcommand};

/// Buy 'Til You Die customer-base analysis: summaries, BG/NBD, Pareto/NBD, Gamma-Gamma, CLV.
#[derive(Debug, Parser)]
#[command(name = "btyd", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Summarise a transaction log into per-customer frequency, recency, T (and holdout).
    Summary(summary::SummaryArgs),
    /// Fit a model to a customer summary and write a model file (JSON).
    Fit(fit::FitArgs),
    /// Predict P(alive) and expected purchases per customer from a model file.
    Predict(predict::PredictArgs),
    /// Discounted customer lifetime value from a purchase and a spend model file.
    Clv(clv::ClvArgs),
    /// Fit every purchase model on a log's calibration period and compare them on its holdout.
    Compare(compare::CompareArgs),
    /// Descriptive KPIs of a log: APV, purchase frequency, retention by cohort, simple CLV.
    Kpi(kpi::KpiArgs),
    /// Value tiers, RFM segments, churn risk and CAC per customer from a CLV table.
    Segment(segment::SegmentArgs),
    /// From a log to a self-contained HTML report with every CSV beside it.
    Report(report::ReportArgs),
    /// Run the whole pipeline on the CDNOW sample shipped inside the binary.
    Demo(demo::DemoArgs),
    /// Print the SQL that computes the summary (or its pattern counts) inside a database.
    Sql(sql::SqlArgs),
}

/// Parses a `--time-unit`: day, week, month or a number of days, from one day (the resolution of
/// the dates: a finer unit only multiplies the work) to a century.
fn parse_time_unit(s: &str) -> Result<btyd::data::TimeUnit, String> {
    let unit: btyd::data::TimeUnit = s.parse().map_err(|e: btyd::Error| e.to_string())?;
    let days = unit.days();
    if !(1.0..=36_525.0).contains(&days) {
        return Err(format!(
            "a time unit of {days} days is outside 1 day (the resolution of dates) to 100 years"
        ));
    }
    Ok(unit)
}

/// Parses a number that must be finite and positive.
fn positive(s: &str) -> Result<f64, String> {
    let v = finite(s)?;
    if v > 0.0 {
        Ok(v)
    } else {
        Err(format!("{s} is not positive"))
    }
}

/// Parses a number that must be finite and at least 0.
fn non_negative(s: &str) -> Result<f64, String> {
    let v = finite(s)?;
    if v >= 0.0 {
        Ok(v)
    } else {
        Err(format!("{s} is negative"))
    }
}

/// Parses a finite number.
fn finite(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number"))?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!("{s} is not a finite number"))
    }
}

/// Parses a `--date-format` strftime pattern once, rejecting an empty or invalid pattern before
/// any row is read.
fn parse_date_format(s: &str) -> Result<String, String> {
    use chrono::format::{Item, StrftimeItems};
    if s.trim().is_empty() {
        return Err("the date format is empty (e.g. %d/%m/%Y)".into());
    }
    if StrftimeItems::new(s).any(|i| matches!(i, Item::Error)) {
        return Err(format!(
            "'{s}' is not a valid strftime pattern (e.g. %d/%m/%Y)"
        ));
    }
    Ok(s.to_string())
}

/// Shows a model file's warnings (no convergence, a boundary fit, an infinite mean spend) on
/// stderr, as its file promises, before the model is used.
fn show_model_warnings(path: &std::path::Path, file: &btyd::io::ModelFile) {
    for w in &file.warnings {
        eprintln!("warning: {}: {w}", path.display());
    }
}

/// The time unit of a summary CSV: its sidecar's (see [`btyd::io::sidecar`]) when it has one,
/// which `stated` (a `--time-unit` given on the command line) and `model` (the unit of the
/// model that will use it) must then match; otherwise `stated`, `model` or weeks, in that
/// order. A discrete-time summary is refused by a continuous-time model and vice versa.
fn summary_unit(
    summary: &std::path::Path,
    stated: Option<btyd::data::TimeUnit>,
    model: Option<(btyd::data::TimeUnit, btyd::models::Role)>,
) -> anyhow::Result<btyd::data::TimeUnit> {
    use btyd::io::comparison::units;
    use btyd::io::sidecar::{read_sidecar, sidecar_path, Sidecar};
    use btyd::models::Role;
    let same = |a: btyd::data::TimeUnit, b: btyd::data::TimeUnit| a.days() == b.days();
    let meta = match read_sidecar(summary)? {
        Sidecar::Valid(meta) => meta,
        other => {
            if other == Sidecar::Stale {
                eprintln!(
                    "warning: {} does not describe {} any more (the file changed since); ignored",
                    sidecar_path(summary).display(),
                    summary.display()
                );
            }
            return Ok(stated
                .or(model.map(|m| m.0))
                .unwrap_or(btyd::data::TimeUnit::Week));
        }
    };
    let unit = meta.time_unit;
    let source = sidecar_path(summary);
    if let Some(s) = stated.filter(|&s| !same(s, unit)) {
        anyhow::bail!(
            "{} is in {} (per {}), not in {} as --time-unit says; drop --time-unit or summarise again",
            summary.display(),
            units(unit),
            source.display(),
            units(s)
        );
    }
    if let Some((m, role)) = model {
        if !same(m, unit) {
            anyhow::bail!(
                "{} is in {} (per {}) but the model was fitted in {}; summarise in {} or refit \
                 on this summary",
                summary.display(),
                units(unit),
                source.display(),
                units(m),
                units(m)
            );
        }
        if role != Role::Spend && meta.discrete != (role == Role::Opportunity) {
            anyhow::bail!(
                "{} is a {} summary but the model is a {} model",
                summary.display(),
                if meta.discrete {
                    "discrete-time (opportunity)"
                } else {
                    "continuous-time"
                },
                if role == Role::Opportunity {
                    "discrete-time"
                } else {
                    "continuous-time"
                },
            );
        }
    }
    Ok(unit)
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Summary(args) => summary::run(args),
        Command::Fit(args) => fit::run(args),
        Command::Predict(args) => predict::run(args),
        Command::Clv(args) => clv::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Kpi(args) => kpi::run(args),
        Command::Segment(args) => segment::run(args),
        Command::Report(args) => report::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Sql(args) => sql::run(args),
    }
}
