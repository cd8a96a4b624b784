//! `btyd sql`: print the SQL that computes the customer summary (or its pattern counts) of a
//! table of transactions inside a database.

use std::path::PathBuf;

use anyhow::Context;
use btyd::data::time::parse_date_arg;
use btyd::data::TimeUnit;
use btyd::io::atomic_write;
use btyd::io::sql::{summary_query, Dialect, PatternTable, SqlOptions};

/// Arguments of `btyd sql`.
#[derive(Debug, clap::Args)]
pub struct SqlArgs {
    /// The table or view of transactions, `[catalog.][schema.]table` (each part is quoted, so
    /// it is matched exactly, case included).
    table: String,
    /// The engine: duckdb, spark (Databricks), bigquery, postgres or snowflake.
    #[arg(long, value_parser = parse_dialect)]
    dialect: Dialect,
    /// Output file for the query; `-` writes stdout.
    #[arg(short, long, default_value = "-")]
    output: PathBuf,
    /// Customer id column.
    #[arg(long, default_value = "customer_id")]
    customer_col: String,
    /// Date column: a DATE, a TIMESTAMP (the calendar day is kept) or ISO text.
    #[arg(long, default_value = "date")]
    date_col: String,
    /// Amount column; without it the summary has no monetary_value columns.
    #[arg(long)]
    amount_col: Option<String>,
    /// Unit of recency and T: day, week, month (365.25/12 days) or a number of days.
    #[arg(long, default_value = "week", value_parser = super::parse_time_unit)]
    time_unit: TimeUnit,
    /// End of observation, YYYY-MM-DD [default: last date in the table]; later rows are
    /// ignored.
    #[arg(long, value_parser = |s: &str| parse_date_arg(s, "--observation-end"))]
    observation_end: Option<chrono::NaiveDate>,
    /// End of the calibration period, YYYY-MM-DD; adds holdout columns.
    #[arg(long, value_parser = |s: &str| parse_date_arg(s, "--calibration-end"))]
    calibration_end: Option<chrono::NaiveDate>,
    /// The discrete-time (BG/BB) summary of `btyd summary --discrete`.
    #[arg(long)]
    discrete: bool,
    /// Return pattern counts instead of one row per customer: `histories` (frequency, recency,
    /// T, n; the default when the flag has no value) or `spend` (frequency, monetary_value, n
    /// of the repeat customers, for gamma-gamma). Fit them with `btyd fit --weights n`.
    #[arg(long, value_enum, num_args = 0..=1, default_missing_value = "histories")]
    patterns: Option<PatternArg>,
}

/// `--patterns` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PatternArg {
    Histories,
    Spend,
}

fn parse_dialect(s: &str) -> Result<Dialect, String> {
    s.parse::<Dialect>().map_err(|e| e.to_string())
}

pub fn run(args: SqlArgs) -> anyhow::Result<()> {
    if args.discrete && args.calibration_end.is_some() {
        eprintln!(
            "note: --discrete summarises up to the calibration end and has no holdout columns"
        );
    }
    let opts = SqlOptions {
        table: args.table,
        customer_col: args.customer_col,
        date_col: args.date_col,
        amount_col: args.amount_col,
        unit: args.time_unit,
        observation_end: args.observation_end,
        calibration_end: args.calibration_end,
        discrete: args.discrete,
        patterns: args.patterns.map(|p| match p {
            PatternArg::Histories => PatternTable::Histories,
            PatternArg::Spend => PatternTable::Spend,
        }),
    };
    let sql = summary_query(args.dialect, &opts)?;
    atomic_write(&args.output, |w| {
        std::io::Write::write_all(w, sql.as_bytes())
            .and_then(|()| w.flush())
            .map_err(btyd::io::write_error)
    })
    .with_context(|| format!("writing {}", args.output.display()))?;
    Ok(())
}
