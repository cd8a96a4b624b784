//! `btyd kpi`: the descriptive KPIs and simple CLV of a transaction log, with retention by
//! cohort (definitions in [`btyd::decide::kpi`] and the README's "Decisions" section).

use std::path::PathBuf;

use anyhow::{bail, Context};
use btyd::data::time::parse_date_arg;
use btyd::decide::{compute_kpis, KpiOptions, Kpis, Period};
use btyd::io::kpi_csv::write_kpis;

use super::summary::{read_log, LogArgs};

/// Arguments of `btyd kpi`.
#[derive(Debug, clap::Args)]
pub struct KpiArgs {
    /// Transaction log (CSV or whitespace-separated) with amounts; `-` reads stdin.
    log: PathBuf,
    #[command(flatten)]
    log_opts: LogArgs,
    /// Ignore purchases after this date, YYYY-MM-DD [default: last date in the log].
    #[arg(long, value_parser = |s: &str| parse_date_arg(s, "--observation-end"))]
    observation_end: Option<chrono::NaiveDate>,
    /// Calendar period of retention (and of the cohorts): month, quarter or year.
    #[arg(long, default_value = "quarter", value_parser = parse_period)]
    period: Period,
    /// Profit margin applied to revenue in the simple CLV.
    #[arg(long, default_value_t = 1.0, value_parser = super::non_negative)]
    margin: f64,
    /// Customer acquisition cost subtracted in the simple CLV.
    #[arg(long, default_value_t = 0.0, value_parser = super::non_negative)]
    cac: f64,
    /// Output CSV, one row per metric; `STEM_retention.csv` and `STEM_retention.svg` are
    /// written beside it.
    #[arg(short, long)]
    output: PathBuf,
}

/// Parses `--period`.
pub fn parse_period(s: &str) -> Result<Period, String> {
    s.parse().map_err(|e: btyd::Error| e.to_string())
}

pub fn run(args: KpiArgs) -> anyhow::Result<()> {
    if args.output.as_os_str() == "-" {
        bail!("kpi writes three files (the KPIs, the retention table and chart): -o must name a file, not stdout");
    }
    let read = args.log_opts.read_options();
    let tx = read_log(&args.log, &read)?;
    let opts = KpiOptions {
        period: args.period,
        margin: args.margin,
        cac: args.cac,
        observation_end: args.observation_end,
    };
    let k = compute_kpis(&tx, &opts).with_context(|| format!("KPIs of {}", args.log.display()))?;
    print_kpis(&k);
    for f in write_kpis(&args.output, &k)? {
        eprintln!("wrote {}", f.display());
    }
    Ok(())
}

/// The KPI table on stdout.
pub fn print_kpis(k: &Kpis) {
    let opt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"));
    println!(
        "KPIs from {} to {} ({:.3} years), retention per calendar {}",
        k.first_date, k.end, k.years, k.period
    );
    let rows = [
        ("customers", format!("{}", k.customers)),
        ("purchases (customer-days)", format!("{}", k.purchases)),
        ("revenue", format!("{:.2}", k.revenue)),
        (
            "average purchase value (APV)",
            format!("{:.4}", k.average_purchase_value),
        ),
        (
            "purchase frequency rate (PFR, per year)",
            format!("{:.4}", k.purchase_frequency_rate),
        ),
        (
            "retention rate (per period)",
            format!(
                "{:.4}  ({} {}s pooled)",
                k.retention_rate, k.retention_periods, k.period
            ),
        ),
        ("churn rate (per period)", format!("{:.4}", k.churn_rate)),
        ("customer lifespan (years)", opt(k.lifespan_years)),
        (
            "observed mean span (years)",
            format!("{:.4}", k.observed_mean_span_years),
        ),
        (
            "observed mean span of repeaters (years)",
            opt(k.observed_mean_span_repeaters_years),
        ),
        ("margin", format!("{}", k.margin)),
        ("CAC", format!("{}", k.cac)),
        (
            "simple CLV = APV x PFR x lifespan x margin - CAC",
            opt(k.simple_clv),
        ),
    ];
    for (name, value) in rows {
        println!("  {name:<50} {value:>14}");
    }
    if !k.last_period_complete {
        println!(
            "  note: the last {} ends after {}; it is shown but not used as a next period",
            k.period, k.end
        );
    }
}
