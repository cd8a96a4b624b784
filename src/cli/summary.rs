//! `btyd summary`: transaction log -> customer summary CSV.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use btyd::data::time::parse_date_arg;
use btyd::data::{
    build_summary_owned, read_transactions_from, ColumnSpec, DateFormat, Delimiter, ReadOptions,
    Summary, SummaryOptions, SummaryReport, TimeUnit,
};
use btyd::io::{atomic_write, write_summary};

/// Arguments of `btyd summary`.
#[derive(Debug, clap::Args)]
pub struct SummaryArgs {
    /// Transaction log (CSV or whitespace-separated); `-` reads stdin.
    log: PathBuf,
    /// Output CSV; `-` writes stdout.
    #[arg(short, long, default_value = "-")]
    output: PathBuf,
    /// Customer id column: header name or 1-based index [default: customer_id or id].
    #[arg(long)]
    customer_col: Option<ColumnSpec>,
    /// Date column: header name or 1-based index [default: date].
    #[arg(long)]
    date_col: Option<ColumnSpec>,
    /// Amount column: header name or 1-based index [default: amount, monetary_value or value
    /// when present].
    #[arg(long)]
    amount_col: Option<ColumnSpec>,
    /// The log has no header line; columns must then be given as indices.
    #[arg(long)]
    no_header: bool,
    /// Field delimiter: one character, `tab`, or `whitespace` [default: detected from the
    /// first line].
    #[arg(long, default_value = "auto")]
    delimiter: Delimiter,
    /// strftime pattern of the dates, e.g. `%d/%m/%Y` [default: YYYY-MM-DD, YYYYMMDD or ISO
    /// date-time].
    #[arg(long)]
    date_format: Option<String>,
    /// Unit of recency and T: day, week, month (365.25/12 days) or a number of days.
    #[arg(long, default_value = "week")]
    time_unit: TimeUnit,
    /// End of observation, YYYY-MM-DD [default: last date in the log].
    #[arg(long, value_parser = |s: &str| parse_date_arg(s, "--observation-end"))]
    observation_end: Option<chrono::NaiveDate>,
    /// End of the calibration period, YYYY-MM-DD; adds holdout columns.
    #[arg(long, value_parser = |s: &str| parse_date_arg(s, "--calibration-end"))]
    calibration_end: Option<chrono::NaiveDate>,
    /// Accept negative amounts (returns) instead of rejecting them.
    #[arg(long)]
    allow_returns: bool,
}

pub fn run(args: SummaryArgs) -> anyhow::Result<()> {
    let read = ReadOptions {
        customer_col: args.customer_col,
        date_col: args.date_col,
        amount_col: args.amount_col,
        has_header: !args.no_header,
        delimiter: args.delimiter,
        date_format: args
            .date_format
            .map_or(DateFormat::Auto, DateFormat::Pattern),
        allow_negative: args.allow_returns,
    };
    let opts = SummaryOptions {
        unit: args.time_unit,
        observation_end: args.observation_end,
        calibration_end: args.calibration_end,
    };
    let (summary, report) = if args.log.as_os_str() == "-" {
        summarise(std::io::stdin().lock(), Path::new("<stdin>"), &read, &opts)
    } else {
        let file = std::fs::File::open(&args.log)
            .with_context(|| format!("cannot open {}", args.log.display()))?;
        summarise(file, &args.log, &read, &opts)
    }?;
    save(&summary, &args.output)?;
    print_report(&report, opts.unit);
    Ok(())
}

/// Reads a log and summarises it.
pub fn summarise(
    log: impl Read,
    name: &Path,
    read: &ReadOptions,
    opts: &SummaryOptions,
) -> anyhow::Result<(Summary, SummaryReport)> {
    let tx = read_transactions_from(log, name, read)?;
    Ok(build_summary_owned(tx, opts)?)
}

/// Writes a summary CSV atomically (`-` is stdout).
pub fn save(summary: &Summary, path: &Path) -> anyhow::Result<()> {
    atomic_write(path, |w| write_summary(summary, w))
        .with_context(|| format!("writing {}", path.display()))
}

/// A short account of the summary on stderr.
pub fn print_report(r: &SummaryReport, unit: TimeUnit) {
    let span = unit.between(r.first_date, r.observation_end);
    eprintln!(
        "read {} transactions ({} purchase days) from {} to {}",
        r.rows, r.purchase_days, r.first_date, r.last_date
    );
    eprintln!(
        "{} customers, {} with repeat purchases; observation ends {} ({span:.2} {unit}s after the first date)",
        r.customers, r.repeaters, r.observation_end
    );
    if let Some(c) = r.calibration_end {
        eprintln!(
            "calibration ends {c}; {} customers first buying after it are excluded",
            r.excluded
        );
    }
}
