//! Customer-summary CSV files, with the column names of lifetimes and pymc-marketing:
//! `customer_id,frequency,recency,T[,monetary_value][,frequency_holdout,monetary_value_holdout,duration_holdout]`.
//!
//! The time unit of recency, T and duration is not stored in the file; readers are told it.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::summary_reader::{RowSink, SummaryReader};
use super::summary_rows::{Columns, Row};
use super::write_error;
use crate::data::compress::{GroupedObs, ObsBuffer, PatternCounter};
use crate::data::{
    describe_bad_spend, spend_of, CustomerSummary, History, Spend, SpendSample, Summary,
    SummaryPatterns, TimeUnit, MAX_REPORTED_ROWS,
};
use crate::error::{Error, Location, Num, Quoted, Result};

pub(crate) use super::summary_rows::ID;

/// A written column: its name and value.
type SummaryColumn = (&'static str, fn(&CustomerSummary) -> f64);

/// Writes a summary as CSV, floats in their shortest round-trip form ([`Num`]: scientific
/// notation when the plain form would be long). The `monetary_value`
/// column is written when every row has one, the holdout columns when every row has them
/// (`monetary_value_holdout` only with `monetary_value`).
///
/// # Errors
/// [`Error::InvalidData`] naming the customer when a value is NaN or infinite (nothing
/// non-finite is ever written); an I/O error from `w` as [`write_error`].
pub fn write_summary(summary: &Summary, w: &mut dyn Write) -> Result<()> {
    write_summary_rows(summary, true, w)
}

/// [`write_summary`] with or without the header line: a summary written in blocks (the rows
/// of one block after another) has its header before the first block only. The columns follow
/// the block's own rows, so every block must have the same kind of rows.
///
/// # Errors
/// As [`write_summary`].
pub fn write_summary_rows(summary: &Summary, header: bool, w: &mut dyn Write) -> Result<()> {
    let mut columns: Vec<SummaryColumn> = vec![
        ("frequency", |c| c.history.frequency),
        ("recency", |c| c.history.recency),
        ("T", |c| c.history.age),
    ];
    let monetary = summary.has_monetary_value();
    if monetary {
        columns.push(("monetary_value", |c| c.monetary_value.unwrap_or(0.0)));
    }
    if summary.has_holdout() {
        columns.push(("frequency_holdout", |c| {
            c.holdout.map_or(0.0, |h| h.frequency)
        }));
        if monetary {
            columns.push(("monetary_value_holdout", |c| {
                c.holdout.map_or(0.0, |h| h.monetary_value)
            }));
        }
        columns.push(("duration_holdout", |c| {
            c.holdout.map_or(0.0, |h| h.duration)
        }));
    }

    if header {
        let csv_error = |e: csv::Error| write_error(std::io::Error::other(e));
        let mut head = csv::Writer::from_writer(Vec::new());
        let names = std::iter::once("customer_id").chain(columns.iter().map(|(name, _)| *name));
        head.write_record(names).map_err(csv_error)?;
        let head = head
            .into_inner()
            .map_err(|e| write_error(std::io::Error::other(e.to_string())))?;
        w.write_all(&head).map_err(write_error)?;
    }
    // Formatting floats dominates; blocks of rows are formatted in parallel, a bounded number
    // at a time, and written in order.
    for group in summary.customers.chunks(ROWS_PER_BLOCK * BLOCKS_PER_GROUP) {
        let blocks: Vec<Result<Vec<u8>>> = group
            .par_chunks(ROWS_PER_BLOCK)
            .map(|rows| format_rows(rows, &columns))
            .collect();
        for block in blocks {
            w.write_all(&block?).map_err(write_error)?;
        }
    }
    w.flush().map_err(write_error)
}

/// Rows formatted in one parallel task.
const ROWS_PER_BLOCK: usize = 1 << 14;
/// Blocks formatted before any is written (bounds the memory of formatted text).
const BLOCKS_PER_GROUP: usize = 16;

/// The CSV text of some summary rows, or the error of the first non-finite value.
fn format_rows(rows: &[CustomerSummary], columns: &[SummaryColumn]) -> Result<Vec<u8>> {
    let csv_error = |e: csv::Error| write_error(std::io::Error::other(e));
    let mut out = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 64));
    let mut text = String::with_capacity(32);
    for c in rows {
        out.write_field(&c.customer_id).map_err(csv_error)?;
        for (name, value) in columns {
            let v = value(c);
            if !v.is_finite() {
                return Err(Error::InvalidData {
                    location: Location::default().at_field(*name),
                    reason: format!(
                        "customer {} has {name} = {v}; non-finite values are not written",
                        Quoted(&c.customer_id)
                    ),
                });
            }
            text.clear();
            // Writing to a String cannot fail.
            let _ = write!(text, "{}", Num(v));
            out.write_field(&text).map_err(csv_error)?;
        }
        out.write_record(None::<&[u8]>).map_err(csv_error)?;
    }
    out.into_inner()
        .map_err(|e| write_error(std::io::Error::other(e.to_string())))
}

/// Reads a summary CSV written by btyd, lifetimes or the Hardie data sets, in time unit `unit`.
///
/// # Errors
/// As [`read_summary_from`], plus [`Error::Io`] when the file cannot be opened.
pub fn read_summary(path: &Path, unit: TimeUnit) -> Result<Summary> {
    let file = open(path)?;
    let size = file_size(&file);
    summary_from(file, path, unit, size)
}

/// The length of a regular file (a hint to size tables), `None` for anything else.
fn file_size(file: &File) -> Option<u64> {
    file.metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
}

fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a summary CSV from any reader; `name` is used in error messages. Header aliases:
/// `customer_id`|`ID`|`id`, `frequency`|`x`, `recency`|`t_x`, `T`|`age`,
/// `monetary_value`|`zbar`|`m` (optional), and optionally `frequency_holdout`,
/// `duration_holdout` (both or neither) with `monetary_value_holdout`. Fields are trimmed;
/// blank lines are skipped; lines end with `\n`, `\r\n` or `\r`.
///
/// The file is read in chunks of whole lines parsed in parallel (from a chunk with a quote
/// on, record by record with the `csv` crate, since quoted fields may span lines); see
/// [`summary_blocks`] for reading a large file in bounded memory.
///
/// # Errors
/// [`Error::InvalidData`] with file, line and field for a missing column, a value that is not a
/// finite number, a row failing [`History::validate`], an invalid holdout value, a duplicate
/// customer id, or a file with no rows; [`Error::Csv`] for malformed CSV (a record with
/// another number of fields than the header, invalid UTF-8) or a read error. Malformed CSV is
/// reported alone; otherwise every invalid row is counted and the first ten are listed, each
/// with its line (one invalid row is reported as itself).
pub fn read_summary_from<R: Read>(
    reader: R,
    name: impl Into<PathBuf>,
    unit: TimeUnit,
) -> Result<Summary> {
    summary_from(reader, name, unit, None)
}

/// [`read_summary_from`] of an input of `size` bytes when known.
fn summary_from<R: Read>(
    reader: R,
    name: impl Into<PathBuf>,
    unit: TimeUnit,
    size: Option<u64>,
) -> Result<Summary> {
    let mut reader = SummaryReader::open(reader, name.into())?;
    if let Some(size) = size {
        reader.expect_bytes(size);
    }
    let mut blocks = Vec::new();
    while let Some(batch) = reader.next_batch::<Customers>() {
        blocks.extend(batch?);
    }
    reader.finish()?;
    Ok(Summary::new(unit, concat(blocks)))
}

/// The rows of the blocks, in order.
fn concat(blocks: Vec<Vec<CustomerSummary>>) -> Vec<CustomerSummary> {
    if blocks.len() == 1 {
        return blocks.into_iter().next().unwrap_or_default();
    }
    let mut rows = Vec::with_capacity(blocks.iter().map(Vec::len).sum());
    for block in blocks {
        rows.extend(block);
    }
    rows
}

/// A chunk's customers, ids allocated as the chunk is parsed.
struct Customers(Vec<CustomerSummary>);

impl RowSink for Customers {
    type Out = Vec<CustomerSummary>;
    fn new(_: &Columns, rows: usize) -> Self {
        Customers(Vec::with_capacity(rows))
    }
    #[inline]
    fn push(&mut self, _: &Columns, id: &str, row: Row, _: u64) {
        self.0.push(CustomerSummary {
            customer_id: id.to_string(),
            history: row.history,
            monetary_value: row.monetary_value,
            holdout: row.holdout,
        });
    }
    fn done(self) -> Self::Out {
        self.0
    }
}

/// The optional columns a summary file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummaryColumns {
    /// `monetary_value` (every row then has [`CustomerSummary::monetary_value`]).
    pub monetary_value: bool,
    /// `frequency_holdout` and `duration_holdout` (every row then has
    /// [`CustomerSummary::holdout`]).
    pub holdout: bool,
    /// `monetary_value_holdout` (without it, [`crate::data::Holdout::monetary_value`] is 0).
    pub monetary_value_holdout: bool,
}

/// The rows of a summary file in blocks, read in bounded memory: see [`summary_blocks`].
pub struct SummaryBlocks {
    reader: SummaryReader<Box<dyn Read + Send>>,
    columns: SummaryColumns,
    done: bool,
}

impl std::fmt::Debug for SummaryBlocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SummaryBlocks")
            .field("columns", &self.columns)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl SummaryBlocks {
    /// The optional columns of the file (known from its header).
    pub fn columns(&self) -> SummaryColumns {
        self.columns
    }
}

impl Iterator for SummaryBlocks {
    type Item = Result<Vec<CustomerSummary>>;

    /// The next block of rows: whole rows, in file order, each fully validated and its id
    /// checked against every earlier row. After an error the iterator ends.
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            match self.reader.next_batch::<Customers>() {
                Some(Ok(blocks)) => {
                    if self.reader.has_errors() {
                        // Go on counting the invalid rows, as a whole read does.
                        continue;
                    }
                    let rows = concat(blocks);
                    if !rows.is_empty() {
                        return Some(Ok(rows));
                    }
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                None => {
                    self.done = true;
                    return self.reader.finish().err().map(Err);
                }
            }
        }
    }
}

/// Reads a summary CSV (as [`read_summary_from`] does) as an iterator of blocks of rows, so
/// that a file of any size is read in bounded memory: a batch of chunks (some 16 MiB of
/// text) is read and parsed at a time. Ids are checked for duplicates against every earlier
/// row, so the ids seen are kept (packed, some 24 bytes per customer).
///
/// Errors surface where a whole read finds them:
/// - from this function: the header (a missing column, malformed CSV in it), an I/O error
///   before the first record;
/// - from the iterator, as its last item: malformed CSV or a read error (at once); invalid
///   rows, reported when the whole file has been read, exactly as [`read_summary_from`]
///   reports them (all counted, the first ten listed), no block being returned from the
///   first block with an invalid row on; and a file without rows ("no customers: the summary
///   has no rows"), when the input ends without a row.
///
/// # Errors
/// [`Error::InvalidData`] at the header's line for a missing column; [`Error::Csv`] for a
/// malformed header or a read error there.
pub fn summary_blocks(
    reader: Box<dyn Read + Send>,
    name: impl Into<PathBuf>,
) -> Result<SummaryBlocks> {
    let reader = SummaryReader::open(reader, name.into())?;
    let cols = reader.columns();
    let (holdout, monetary_value_holdout) = cols.holdout();
    let columns = SummaryColumns {
        monetary_value: cols.has_monetary(),
        holdout,
        monetary_value_holdout,
    };
    Ok(SummaryBlocks {
        reader,
        columns,
        done: false,
    })
}

/// Reads a summary CSV as weighted patterns for fitting, without keeping the customers: see
/// [`read_summary_patterns_from`].
///
/// # Errors
/// As [`read_summary_patterns_from`], plus [`Error::Io`] when the file cannot be opened.
pub fn read_summary_patterns(path: &Path, unit: TimeUnit) -> Result<SummaryPatterns> {
    let file = open(path)?;
    let size = file_size(&file);
    summary_patterns_from(file, path, unit, size)
}

/// Reads a summary CSV (as [`read_summary_from`] does, with the same checks and errors) into
/// its weighted unique (x, t_x, T) patterns and its repeat customers' (x, m̄) patterns: rows
/// are compressed as they are read, so memory grows with the unique patterns and the ids
/// (kept packed for the duplicate check), not with the rows.
///
/// # Errors
/// Those of [`read_summary_from`]. The spend sample's own errors (no monetary values, a
/// repeat customer without a positive monetary value, no repeat customer) are kept for
/// [`SummaryPatterns::spend`], since they only matter to the spend model.
pub fn read_summary_patterns_from<R: Read>(
    reader: R,
    name: impl Into<PathBuf>,
    unit: TimeUnit,
) -> Result<SummaryPatterns> {
    // The file `name` names, when it is a regular file, is most likely the input: its size
    // only sizes the id tables, so a wrong guess costs memory or time, never results.
    let name = name.into();
    let size = std::fs::metadata(&name)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    summary_patterns_from(reader, name, unit, size)
}

/// [`read_summary_patterns_from`] of an input of `size` bytes when known.
fn summary_patterns_from<R: Read>(
    reader: R,
    name: impl Into<PathBuf>,
    unit: TimeUnit,
    size: Option<u64>,
) -> Result<SummaryPatterns> {
    let mut reader = SummaryReader::open(reader, name.into())?;
    if let Some(size) = size {
        reader.expect_bytes(size);
    }
    let monetary = reader.columns().has_monetary();
    let mut histories = PatternCounter::new();
    let mut spend = PatternCounter::new();
    let mut bad_spend = (0usize, Vec::new());
    let mut customers = 0u64;
    while let Some(batch) = reader.next_batch::<PatternSink>() {
        let (mut hist_parts, mut spend_parts) = (Vec::new(), Vec::new());
        for part in batch? {
            customers += part.customers;
            hist_parts.push(part.histories);
            spend_parts.push(part.spend);
            bad_spend.0 += part.bad_spend.0;
            let room = MAX_REPORTED_ROWS.saturating_sub(bad_spend.1.len());
            bad_spend.1.extend(part.bad_spend.1.into_iter().take(room));
        }
        if !reader.has_errors() {
            rayon::join(|| histories.add(&hist_parts), || spend.add(&spend_parts));
        }
    }
    reader.finish()?;
    let spend = SpendSample::from_read(monetary, bad_spend, || spend.finish());
    Ok(SummaryPatterns::new(
        unit,
        customers,
        histories.finish(),
        spend,
    ))
}

/// A chunk's patterns.
struct PatternPart {
    customers: u64,
    histories: GroupedObs<History>,
    spend: GroupedObs<Spend>,
    /// Repeat customers without a valid monetary value: how many, the first ones described.
    bad_spend: (usize, Vec<String>),
}

/// Collects a chunk's patterns.
struct PatternSink {
    customers: u64,
    histories: ObsBuffer<History>,
    spend: ObsBuffer<Spend>,
    bad_spend: (usize, Vec<String>),
}

impl RowSink for PatternSink {
    type Out = PatternPart;
    fn new(_: &Columns, rows: usize) -> Self {
        PatternSink {
            customers: 0,
            histories: ObsBuffer::with_capacity(rows),
            spend: ObsBuffer::with_capacity(rows),
            bad_spend: (0, Vec::new()),
        }
    }
    #[inline]
    fn push(&mut self, _: &Columns, id: &str, row: Row, _: u64) {
        self.customers += 1;
        self.histories.push(row.history, 1.0);
        if row.monetary_value.is_none() {
            return;
        }
        let x = row.history.frequency;
        match spend_of(x, row.monetary_value) {
            None => {}
            Some(Ok(s)) => self.spend.push(s, 1.0),
            Some(Err(problem)) => {
                self.bad_spend.0 += 1;
                if self.bad_spend.1.len() < MAX_REPORTED_ROWS {
                    self.bad_spend.1.push(describe_bad_spend(id, x, &problem));
                }
            }
        }
    }
    fn done(self) -> PatternPart {
        PatternPart {
            customers: self.customers,
            histories: self.histories.grouped(),
            spend: self.spend.grouped(),
            bad_spend: self.bad_spend,
        }
    }
}
