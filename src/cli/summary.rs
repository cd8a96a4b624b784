//! `btyd summary`: transaction log -> customer summary CSV.

use std::path::{Path, PathBuf};

use anyhow::Context;
use btyd::data::opportunity_summary;
use btyd::data::time::parse_date_arg;
use btyd::data::{
    read_transactions_from, ColumnSpec, DateFormat, Delimiter, ReadOptions, Summary,
    SummaryOptions, SummaryPlan, SummaryReport, TimeUnit, Transactions,
};
use btyd::io::sidecar::{write_sidecar, SummaryMeta};
use btyd::io::{atomic_write, write_summary, write_summary_rows};

/// Arguments of `btyd summary`.
#[derive(Debug, clap::Args)]
pub struct SummaryArgs {
    /// Transaction log (CSV or whitespace-separated); `-` reads stdin.
    log: PathBuf,
    /// Output CSV; `-` writes stdout.
    #[arg(short, long, default_value = "-")]
    output: PathBuf,
    #[command(flatten)]
    log_opts: LogArgs,
    /// End of observation, YYYY-MM-DD [default: last date in the log].
    #[arg(long, value_parser = |s: &str| parse_date_arg(s, "--observation-end"))]
    observation_end: Option<chrono::NaiveDate>,
    /// End of the calibration period, YYYY-MM-DD; adds holdout columns.
    #[arg(long, value_parser = |s: &str| parse_date_arg(s, "--calibration-end"))]
    calibration_end: Option<chrono::NaiveDate>,
    /// Write the discrete-time (BG/BB) summary instead: one transaction opportunity per
    /// --time-unit after each customer's first purchase, up to the calibration (or observation)
    /// end; frequency and recency count opportunities and T is the number of opportunities.
    #[arg(long)]
    discrete: bool,
}

/// How to read a transaction log and in which unit to summarise it; shared by the commands that
/// read logs (`summary`, `compare`).
#[derive(Debug, clap::Args)]
pub struct LogArgs {
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
    #[arg(long, value_parser = super::parse_date_format)]
    date_format: Option<String>,
    /// Unit of recency and T: day, week, month (365.25/12 days) or a number of days.
    #[arg(long, default_value = "week", value_parser = super::parse_time_unit)]
    pub time_unit: TimeUnit,
    /// Accept negative amounts (returns) instead of rejecting them.
    #[arg(long)]
    allow_returns: bool,
}

impl LogArgs {
    /// The reader's options.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            customer_col: self.customer_col.clone(),
            date_col: self.date_col.clone(),
            amount_col: self.amount_col.clone(),
            has_header: !self.no_header,
            delimiter: self.delimiter,
            date_format: self
                .date_format
                .clone()
                .map_or(DateFormat::Auto, DateFormat::Pattern),
            allow_negative: self.allow_returns,
        }
    }
}

pub fn run(args: SummaryArgs) -> anyhow::Result<()> {
    let read = args.log_opts.read_options();
    let opts = SummaryOptions {
        unit: args.log_opts.time_unit,
        observation_end: args.observation_end,
        calibration_end: args.calibration_end,
    };
    let tx = read_log(&args.log, &read)?;
    if args.discrete {
        let (summary, report) = opportunity_summary(&tx, &opts)?;
        save(&summary.to_summary(), &args.output, true)?;
        eprintln!(
            "{} customers: frequency and recency in opportunities of one {} after the first \
             purchase, T = number of opportunities up to {}; {} customers without a complete \
             period are left out",
            report.customers, opts.unit, report.end, report.excluded
        );
        return Ok(());
    }
    // Checked first, so that errors in the log come before any output.
    let plan = SummaryPlan::new(&tx, &opts)?;
    let report = save_blocks(&plan, &args.output)?;
    print_report(&report, opts.unit);
    Ok(())
}

/// Customers summarised and written at a time: the summary is never whole in memory.
const BLOCK_CUSTOMERS: usize = 1 << 18;

/// Builds a summary block by block and writes it as [`save`] does, each block as soon as it is
/// built, so that memory holds one block (about 100 bytes and a line of text per customer)
/// besides the log.
fn save_blocks(plan: &SummaryPlan<'_>, path: &Path) -> anyhow::Result<SummaryReport> {
    let bar = super::progress::items(plan.customers() as u64, "summarising and writing");
    let mut report = None;
    let mut meta = None;
    let written = atomic_write(path, |w| {
        let r = plan.blocks(BLOCK_CUSTOMERS, |block| {
            // The header goes before the first block only.
            let first = meta.is_none();
            meta.get_or_insert((block.unit, block.calibration_end, block.observation_end));
            write_summary_rows(&block, first, w)?;
            bar.inc(block.customers.len() as u64);
            Ok(())
        })?;
        report = Some(r);
        Ok(())
    });
    bar.finish_and_clear();
    written.with_context(|| format!("writing {}", path.display()))?;
    let (Some(report), Some((unit, calibration_end, observation_end))) = (report, meta) else {
        anyhow::bail!("writing {}: the summary has no customers", path.display());
    };
    save_sidecar(path, unit, false, calibration_end, observation_end)?;
    Ok(report)
}

/// Reads a transaction log from a file, or stdin for `-`.
pub fn read_log(log: &Path, read: &ReadOptions) -> anyhow::Result<Transactions> {
    if log.as_os_str() == "-" {
        Ok(read_transactions_from(
            std::io::stdin().lock(),
            Path::new("<stdin>"),
            read,
        )?)
    } else {
        let (input, bar) = super::progress::open_input(log)?;
        let tx = read_transactions_from(input, log, read);
        bar.finish_and_clear();
        Ok(tx?)
    }
}

/// Writes a summary CSV atomically (`-` is stdout) and, for a regular file, its sidecar with
/// the time unit (see [`btyd::io::sidecar`]).
pub fn save(summary: &Summary, path: &Path, discrete: bool) -> anyhow::Result<()> {
    atomic_write(path, |w| write_summary(summary, w))
        .with_context(|| format!("writing {}", path.display()))?;
    save_sidecar(
        path,
        summary.unit,
        discrete,
        summary.calibration_end,
        summary.observation_end,
    )
}

/// Writes the sidecar of the summary just written to `path` (see [`btyd::io::sidecar`]).
fn save_sidecar(
    path: &Path,
    unit: TimeUnit,
    discrete: bool,
    calibration_end: Option<chrono::NaiveDate>,
    observation_end: Option<chrono::NaiveDate>,
) -> anyhow::Result<()> {
    write_sidecar(path, |bytes| {
        SummaryMeta::new(unit, discrete, calibration_end, observation_end, bytes)
    })
    .with_context(|| format!("writing the sidecar of {}", path.display()))
}

/// A short account of the summary on stderr.
pub fn print_report(r: &SummaryReport, unit: TimeUnit) {
    let span = unit.between(r.first_date, r.observation_end);
    eprintln!(
        "read {} transactions ({} purchase days) from {} to {}",
        r.rows, r.purchase_days, r.first_date, r.last_date
    );
    eprintln!(
        "{} customers, {} with repeat purchases; observation ends {} ({span:.2} {} after the first date)",
        r.customers,
        r.repeaters,
        r.observation_end,
        unit.plural()
    );
    if let Some(c) = r.calibration_end {
        eprintln!(
            "calibration ends {c}; {} customers first buying after it are excluded",
            r.excluded
        );
    }
}
