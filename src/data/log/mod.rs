//! Streaming reader of transaction logs: (customer, date[, amount]) rows folded into
//! per-customer purchase days as they are read.
//!
//! Rows are never held: each one is parsed from a reused buffer and added to its customer's
//! sorted list of purchase days, where purchases on the same day are merged and their amounts
//! summed. Memory therefore grows with customers × purchase days, not with rows.
//!
//! Input is CSV with a header (columns chosen by name) or without one (columns by 1-based
//! index). The delimiter is one byte (`,` `;` tab `|` …) or runs of whitespace, as in the
//! fixed-width CDNOW files; by default it is detected from the first line. Dates are parsed
//! with a [`DateFormat`]. Every error names the file, the line and the field.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::NaiveDate;
use rayon::prelude::*;

use super::time::DateFormat;
use crate::error::{Error, Location, Result};
use chunks::{split_whitespace, Chunk, ChunkReader, Layout, Next, Records, Tail};
use shards::{add_chunks, finish, new_shards, ChunkRows, Shard};

mod chunks;
mod shards;

/// A column of the log: a header name, or a 1-based index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnSpec {
    /// The column with this header name.
    Name(String),
    /// The column at this 1-based position.
    Index(usize),
}

impl FromStr for ColumnSpec {
    type Err = Error;

    /// A whole number is a 1-based index; anything else is a header name.
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Error::InvalidArgument(
                "a column name cannot be empty".into(),
            ));
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(ColumnSpec::Name(s.to_string()));
        }
        match s.parse::<usize>() {
            Ok(i) if i >= 1 => Ok(ColumnSpec::Index(i)),
            _ => Err(Error::InvalidArgument(format!(
                "column index '{s}' must be a whole number from 1"
            ))),
        }
    }
}

impl fmt::Display for ColumnSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnSpec::Name(n) => write!(f, "'{n}'"),
            ColumnSpec::Index(i) => write!(f, "{i}"),
        }
    }
}

/// How fields are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delimiter {
    /// Detect from the first line: the most frequent of `,` `;` tab `|`, or whitespace runs
    /// when none occurs.
    #[default]
    Auto,
    /// One byte, with CSV quoting rules.
    Byte(u8),
    /// Runs of spaces and tabs; leading and trailing blanks are ignored (fixed-width files).
    Whitespace,
}

impl FromStr for Delimiter {
    type Err = Error;

    /// `auto`, `whitespace` (or `ws`, `space`), `tab` (or `\t`), or a single ASCII character.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Delimiter::Auto),
            "whitespace" | "ws" | "space" | " " => Ok(Delimiter::Whitespace),
            "tab" | "\\t" | "\t" => Ok(Delimiter::Byte(b'\t')),
            _ if s.len() == 1 && s.is_ascii() => Ok(Delimiter::Byte(s.as_bytes()[0])),
            _ => Err(Error::InvalidArgument(format!(
                "delimiter '{s}' is not a single ASCII character, 'tab' or 'whitespace'"
            ))),
        }
    }
}

/// Options for reading a transaction log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Customer id column; defaults to the header column `customer_id` or `id`.
    pub customer_col: Option<ColumnSpec>,
    /// Date column; defaults to the header column `date`.
    pub date_col: Option<ColumnSpec>,
    /// Amount column; defaults to the header column `amount`, `monetary_value` or `value` when
    /// there is one, otherwise the log has no amounts.
    pub amount_col: Option<ColumnSpec>,
    /// Whether the first line is a header; defaults to `true`. Without a header the customer
    /// and date columns must be given as indices.
    pub has_header: bool,
    /// Field separator; defaults to [`Delimiter::Auto`].
    pub delimiter: Delimiter,
    /// How dates are written; defaults to [`DateFormat::Auto`].
    pub date_format: DateFormat,
    /// Accept negative amounts (returns); defaults to `false`, when they are an error.
    pub allow_negative: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            customer_col: None,
            date_col: None,
            amount_col: None,
            has_header: true,
            delimiter: Delimiter::Auto,
            date_format: DateFormat::Auto,
            allow_negative: false,
        }
    }
}

/// A customer's purchases on one day, merged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PurchaseDay {
    /// The day.
    pub date: NaiveDate,
    /// The sum of the day's amounts (0 when the log has no amounts).
    pub amount: f64,
}

/// One customer's purchase days, sorted by date, one entry per day.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerLog {
    /// The id as written in the log.
    pub id: String,
    /// Distinct purchase days in increasing order; never empty.
    pub days: Vec<PurchaseDay>,
}

/// A transaction log folded into per-customer purchase days.
#[derive(Debug, Clone, PartialEq)]
pub struct Transactions {
    /// The file (or display name) the log was read from, for error messages.
    pub source: PathBuf,
    /// Customers in order of first appearance in the log.
    pub customers: Vec<CustomerLog>,
    /// Number of transaction rows read (header and blank lines excluded).
    pub rows: u64,
    /// Whether the log had an amount column.
    pub has_amounts: bool,
    /// The earliest date in the log.
    pub first_date: NaiveDate,
    /// The latest date in the log.
    pub last_date: NaiveDate,
    /// The line where `last_date` first occurs.
    pub last_date_line: u64,
    /// The date column's label (header name, or 1-based index), for error messages.
    pub date_field: String,
}

impl Transactions {
    /// Total number of distinct (customer, day) purchases.
    pub fn purchase_days(&self) -> u64 {
        self.customers.iter().map(|c| c.days.len() as u64).sum()
    }
}

/// Reads a transaction log from a file.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; otherwise as [`read_transactions_from`].
pub fn read_transactions(path: &Path, opts: &ReadOptions) -> Result<Transactions> {
    let file = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_transactions_from(file, path, opts)
}

/// Reads a transaction log from any reader (a file, stdin, embedded bytes); `name` is used in
/// error messages.
///
/// The log is read as a pipeline, so that a large one uses all cores and memory grows with
/// customers × purchase days rather than with its size:
/// 1. split: the input is read sequentially in blocks cut at line ends ([`chunks`]);
/// 2. parse: a batch of such chunks is parsed in parallel, each chunk into rows grouped by a
///    hash of the customer id (stopping at its first bad line);
/// 3. aggregate: each shard of customers takes its rows from every chunk of the batch, in file
///    order, in parallel with the other shards ([`shards`]);
/// 4. finish: each customer's rows become its sorted, merged purchase days, and customers are
///    put in order of first appearance.
///
/// Data from a chunk containing a quote onwards is read sequentially with the `csv` crate,
/// whose quoted fields may span lines, then aggregated the same way.
///
/// # Errors
/// [`Error::InvalidData`] (with file, line and field) for an empty log, a missing column, a
/// field that is not UTF-8, an unparseable date, or an amount that is not a finite number
/// (or negative, unless `allow_negative`); [`Error::InvalidArgument`] for column options that
/// cannot apply (names without a header); [`Error::Csv`]/[`Error::Io`] for read failures.
/// The error is always about the first bad line of the log.
pub fn read_transactions_from<R: Read>(
    reader: R,
    name: impl Into<PathBuf>,
    opts: &ReadOptions,
) -> Result<Transactions> {
    let source: PathBuf = name.into();
    let io_err = |e| Error::Io {
        path: source.clone(),
        source: e,
    };
    let mut reader = BufReader::with_capacity(BUFFER, reader);
    let head = reader.fill_buf().map_err(io_err)?;
    if head.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    let head = reader.fill_buf().map_err(io_err)?;
    let layout = match opts.delimiter {
        Delimiter::Auto => detect_delimiter(first_line(head)),
        d => d,
    };
    let layout = match layout {
        Delimiter::Byte(d) => Layout::Csv(d),
        Delimiter::Whitespace | Delimiter::Auto => Layout::Whitespace,
    };
    // The `csv` crate strips a second byte-order mark; leave such a file to it.
    let doubled_bom = matches!(layout, Layout::Csv(_)) && head.starts_with(b"\xEF\xBB\xBF");
    let mut chunks = ChunkReader::new(reader, layout);
    let mut log = LogBuilder {
        source: &source,
        opts,
        layout,
        header: None,
        cols: None,
        shards: new_shards(),
        stats: Stats::default(),
        next_seq: 0,
    };
    if !opts.has_header {
        log.set_header(None)?;
    }

    let tail = if doubled_bom {
        Some(Tail {
            first_line: 1,
            bytes: Vec::new(),
        })
    } else {
        log.read_chunks(&mut chunks)?
    };
    if let Some(tail) = tail {
        let rest = std::io::Cursor::new(tail.bytes).chain(chunks.into_inner());
        log.read_sequentially(rest, tail.first_line - 1)?;
    }
    log.finish()
}

/// Number of chunks parsed in parallel at a time: enough to keep every thread busy.
const BATCH_CHUNKS: usize = 16;

/// Rows read sequentially (after a quote) are aggregated in batches of this many.
const SEQUENTIAL_BATCH: usize = 1 << 18;

/// The state of a log being read: its columns once the header is known, the customers so far
/// and running statistics.
struct LogBuilder<'a> {
    source: &'a Path,
    opts: &'a ReadOptions,
    layout: Layout,
    header: Option<Vec<String>>,
    cols: Option<Columns>,
    shards: Vec<Shard>,
    stats: Stats,
    /// Sequence number of the next batch of rows (for ordering first appearances).
    next_seq: u64,
}

/// Counts and date range of the rows read.
#[derive(Clone, Copy)]
struct Stats {
    rows: u64,
    first_date: NaiveDate,
    last_date: NaiveDate,
    last_date_line: u64,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            rows: 0,
            first_date: NaiveDate::MAX,
            last_date: NaiveDate::MIN,
            last_date_line: 0,
        }
    }
}

impl Stats {
    fn add(&mut self, date: NaiveDate, line: u64) {
        self.rows += 1;
        self.first_date = self.first_date.min(date);
        if date > self.last_date {
            self.last_date = date;
            self.last_date_line = line;
        }
    }

    /// Adds the statistics of rows that come after those of `self`.
    fn merge(&mut self, later: &Stats) {
        self.rows += later.rows;
        self.first_date = self.first_date.min(later.first_date);
        if later.last_date > self.last_date {
            self.last_date = later.last_date;
            self.last_date_line = later.last_date_line;
        }
    }
}

/// A parsed chunk: its rows up to the first bad line, and the error on that line.
struct ParsedChunk {
    rows: ChunkRows,
    stats: Stats,
    error: Option<Error>,
}

impl LogBuilder<'_> {
    fn here(&self, line: u64) -> Location {
        Location::file(self.source).at_line(line)
    }

    /// Resolves the columns from the header (`None` without one).
    fn set_header(&mut self, header: Option<Vec<String>>) -> Result<()> {
        self.cols = Some(Columns::resolve(self.opts, header.as_deref(), self.source)?);
        self.header = header;
        Ok(())
    }

    /// The header from the raw fields of the first record.
    fn header_from<'f>(
        &self,
        line: u64,
        fields: impl Iterator<Item = &'f [u8]>,
    ) -> Result<Vec<String>> {
        fields
            .enumerate()
            .map(|(i, f)| {
                utf8(f, || self.here(line).at_field((i + 1).to_string())).map(|s| s.to_string())
            })
            .collect()
    }

    /// Reads chunks until the end of the input, or until a chunk with a quote, which is
    /// returned with the rest of the input.
    fn read_chunks<R: Read>(&mut self, chunks: &mut ChunkReader<R>) -> Result<Option<Tail>> {
        let mut fields = Vec::new();
        loop {
            let mut batch = Vec::with_capacity(BATCH_CHUNKS);
            let mut stop = None;
            while batch.len() < BATCH_CHUNKS {
                match chunks.next_chunk() {
                    Ok(Next::Chunk(mut chunk)) => {
                        if self.cols.is_none() {
                            // The header is the first record; the chunk goes on after it.
                            let mut records =
                                Records::new(&chunk.bytes, chunk.first_line, self.layout);
                            let Some(line) = records.next_record(&mut fields) else {
                                continue;
                            };
                            let bytes = &chunk.bytes;
                            let header =
                                self.header_from(line, fields.iter().map(|&(s, e)| &bytes[s..e]))?;
                            let (offset, next_line) = (records.offset(), records.line());
                            chunk.bytes.drain(..offset);
                            chunk.first_line = next_line;
                            self.set_header(Some(header))?;
                        }
                        batch.push(chunk);
                    }
                    Ok(Next::Quoted(tail)) => {
                        stop = Some(Ok(tail));
                        break;
                    }
                    Ok(Next::End) => break,
                    Err(e) => {
                        stop = Some(Err(Error::Io {
                            path: self.source.to_path_buf(),
                            source: e,
                        }));
                        break;
                    }
                }
            }
            if batch.is_empty() && stop.is_none() {
                return Ok(None);
            }
            self.add_batch(&batch)?;
            match stop {
                Some(Ok(tail)) => return Ok(Some(tail)),
                Some(Err(e)) => return Err(e),
                None => {}
            }
        }
    }

    /// Parses a batch of chunks in parallel and adds their rows, or returns the error of the
    /// first bad line.
    fn add_batch(&mut self, batch: &[Chunk]) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let parsed: Vec<ParsedChunk> = batch
            .par_iter()
            .map(|chunk| self.parse_chunk(chunk, chunk.seq))
            .collect();
        self.next_seq = batch.iter().map(|c| c.seq + 1).max().unwrap_or(0);
        let mut rows = Vec::with_capacity(parsed.len());
        for p in parsed {
            if let Some(e) = p.error {
                return Err(e);
            }
            self.stats.merge(&p.stats);
            rows.push(p.rows);
        }
        add_chunks(&mut self.shards, &rows);
        Ok(())
    }

    /// Parses one chunk, up to its first bad line.
    fn parse_chunk(&self, chunk: &Chunk, seq: u64) -> ParsedChunk {
        let mut rows = ChunkRows::new(seq);
        let mut stats = Stats::default();
        let mut fields = Vec::with_capacity(8);
        let mut records = Records::new(&chunk.bytes, chunk.first_line, self.layout);
        let mut error = None;
        let bytes = &chunk.bytes[..];
        while let Some(line) = records.next_record(&mut fields) {
            let row = self.parse_row(line, fields.len(), |i| {
                fields.get(i).map(|&(s, e)| &bytes[s..e])
            });
            match row {
                Ok((id, date, amount)) => {
                    rows.push(id, date, amount);
                    stats.add(date, line);
                }
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        rows.group();
        ParsedChunk { rows, stats, error }
    }

    /// Reads the rest of the input record by record with the `csv` crate (or the whitespace
    /// splitter); `line_offset` is the number of lines before it.
    fn read_sequentially(&mut self, rest: impl Read, line_offset: u64) -> Result<()> {
        let delimiter = match self.layout {
            Layout::Csv(d) => Delimiter::Byte(d),
            Layout::Whitespace => Delimiter::Whitespace,
        };
        let mut records = SequentialRecords::open(rest, self.source, delimiter, line_offset)?;
        if self.cols.is_none() {
            if !records.next()? {
                return Ok(());
            }
            let line = records.line();
            let header = self.header_from(
                line,
                (0..records.len()).map(|i| records.field(i).unwrap_or_default()),
            )?;
            self.set_header(Some(header))?;
        }
        let mut rows = ChunkRows::new(self.next_seq);
        while records.next()? {
            let line = records.line();
            let (id, date, amount) = self.parse_row(line, records.len(), |i| records.field(i))?;
            rows.push(id, date, amount);
            self.stats.add(date, line);
            if rows.len() >= SEQUENTIAL_BATCH {
                self.next_seq += 1;
                let full = std::mem::replace(&mut rows, ChunkRows::new(self.next_seq));
                self.add_rows(full);
            }
        }
        self.next_seq += 1;
        self.add_rows(rows);
        Ok(())
    }

    fn add_rows(&mut self, mut rows: ChunkRows) {
        rows.group();
        add_chunks(&mut self.shards, std::slice::from_ref(&rows));
    }

    /// Parses the customer id, date and amount of a record with `len` fields.
    fn parse_row<'f>(
        &self,
        line: u64,
        len: usize,
        field: impl Fn(usize) -> Option<&'f [u8]>,
    ) -> Result<(&'f str, NaiveDate, f64)> {
        let here = |line| self.here(line);
        if let Some(h) = self.header.as_ref().filter(|h| h.len() != len) {
            return Err(invalid(
                here(line),
                format!("the line has {len} fields, but the header has {}", h.len()),
            ));
        }
        let Some(cols) = self.cols.as_ref() else {
            return Err(invalid(here(line), "the columns are not known"));
        };
        let get = |col: usize, label: &str| -> Result<&'f str> {
            let at = || here(line).at_field(label);
            let raw = field(col).ok_or_else(|| Error::InvalidData {
                location: at(),
                reason: format!("missing field: the line has only {len} fields"),
            })?;
            Ok(utf8(raw, at)?.trim())
        };
        let id = get(cols.customer, &cols.customer_label)?;
        if id.is_empty() {
            return Err(invalid(
                here(line).at_field(&cols.customer_label),
                "empty customer id",
            ));
        }
        let date_text = get(cols.date, &cols.date_label)?;
        let date_format = &self.opts.date_format;
        let date = date_format.parse(date_text).ok_or_else(|| {
            invalid(
                here(line).at_field(&cols.date_label),
                format!(
                    "cannot parse date '{date_text}': expected {}",
                    date_format.describe()
                ),
            )
        })?;
        let amount = match &cols.amount {
            Some((col, label)) => parse_amount(get(*col, label)?, self.opts.allow_negative)
                .map_err(|reason| invalid(here(line).at_field(label), reason))?,
            None => 0.0,
        };
        Ok((id, date, amount))
    }

    fn finish(self) -> Result<Transactions> {
        let Some(cols) = self.cols.filter(|_| self.stats.rows > 0) else {
            return Err(empty_log(self.source));
        };
        Ok(Transactions {
            source: self.source.to_path_buf(),
            customers: finish(self.shards),
            rows: self.stats.rows,
            has_amounts: cols.amount.is_some(),
            first_date: self.stats.first_date,
            last_date: self.stats.last_date,
            last_date_line: self.stats.last_date_line,
            date_field: cols.date_label,
        })
    }
}

fn invalid(location: Location, reason: impl Into<String>) -> Error {
    Error::InvalidData {
        location,
        reason: reason.into(),
    }
}

fn empty_log(source: &Path) -> Error {
    invalid(Location::file(source), "the log is empty: no transactions")
}

/// The field as UTF-8 text, or an error at `at()` naming the first invalid byte.
fn utf8(raw: &[u8], at: impl Fn() -> Location) -> Result<&str> {
    std::str::from_utf8(raw).map_err(|e| {
        let offset = e.valid_up_to();
        invalid(
            at(),
            format!(
                "not valid UTF-8 (byte 0x{:02x} at offset {offset})",
                raw[offset]
            ),
        )
    })
}

/// A finite amount; negative only when allowed.
fn parse_amount(text: &str, allow_negative: bool) -> std::result::Result<f64, String> {
    let v: f64 = text
        .parse()
        .map_err(|_| format!("amount '{text}' is not a number"))?;
    if !v.is_finite() {
        return Err(format!("amount '{text}' is not a finite number"));
    }
    if v < 0.0 && !allow_negative {
        return Err(format!(
            "amount '{text}' is negative (returns are rejected unless allowed)"
        ));
    }
    Ok(v)
}

/// The resolved 0-based columns and their labels for messages.
struct Columns {
    customer: usize,
    customer_label: String,
    date: usize,
    date_label: String,
    amount: Option<(usize, String)>,
}

impl Columns {
    fn resolve(opts: &ReadOptions, header: Option<&[String]>, source: &Path) -> Result<Self> {
        let find = |spec: &Option<ColumnSpec>, defaults: &[&str], role: &str| {
            resolve_column(spec.as_ref(), defaults, role, header, source)
        };
        let required = |found: Option<(usize, String)>, role: &str, defaults: &[&str]| {
            found.ok_or_else(|| match header {
                Some(h) => invalid(
                    Location::file(source).at_line(1),
                    format!(
                        "no {role} column: the header has none of {} (columns: {}); name it explicitly",
                        defaults.join(", "),
                        h.join(", ")
                    ),
                ),
                None => Error::InvalidArgument(format!(
                    "without a header the {role} column must be given as a 1-based index"
                )),
            })
        };
        const CUSTOMER: &[&str] = &["customer_id", "id"];
        const DATE: &[&str] = &["date"];
        const AMOUNT: &[&str] = &["amount", "monetary_value", "value"];
        let (customer, customer_label) = required(
            find(&opts.customer_col, CUSTOMER, "customer")?,
            "customer",
            CUSTOMER,
        )?;
        let (date, date_label) = required(find(&opts.date_col, DATE, "date")?, "date", DATE)?;
        let amount = find(&opts.amount_col, AMOUNT, "amount")?;
        Ok(Columns {
            customer,
            customer_label,
            date,
            date_label,
            amount,
        })
    }
}

/// The 0-based index and label of a column: the given spec, else the first default name found
/// in the header (`None` when neither applies).
fn resolve_column(
    spec: Option<&ColumnSpec>,
    defaults: &[&str],
    role: &str,
    header: Option<&[String]>,
    source: &Path,
) -> Result<Option<(usize, String)>> {
    let label = |i: usize| match header {
        Some(h) => h[i].clone(),
        None => (i + 1).to_string(),
    };
    match (spec, header) {
        (Some(ColumnSpec::Index(i)), _) => {
            if let Some(h) = header.filter(|h| *i > h.len()) {
                return Err(invalid(
                    Location::file(source).at_line(1),
                    format!(
                        "{role} column {i} does not exist: the header has {} columns",
                        h.len()
                    ),
                ));
            }
            Ok(Some((i - 1, label(i - 1))))
        }
        (Some(ColumnSpec::Name(n)), Some(h)) => match h.iter().position(|c| c == n) {
            Some(i) => Ok(Some((i, label(i)))),
            None => Err(invalid(
                Location::file(source).at_line(1),
                format!(
                    "{role} column '{n}' not found in the header (columns: {})",
                    h.join(", ")
                ),
            )),
        },
        (Some(ColumnSpec::Name(n)), None) => Err(Error::InvalidArgument(format!(
            "{role} column '{n}' is a name, but the log has no header: give a 1-based index"
        ))),
        (None, Some(h)) => Ok(defaults
            .iter()
            .find_map(|d| h.iter().position(|c| c.eq_ignore_ascii_case(d)))
            .map(|i| (i, label(i)))),
        (None, None) => Ok(None),
    }
}

/// The first line of `buf` without its line ending.
fn first_line(buf: &[u8]) -> &[u8] {
    let end = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
    &buf[..end]
}

/// The delimiter for a log whose first line is `line`: the most frequent of `,` `;` tab `|`,
/// ties going to the earlier one, or whitespace runs when none occurs.
pub fn detect_delimiter(line: &[u8]) -> Delimiter {
    let mut best: Option<(u8, usize)> = None;
    for d in [b',', b';', b'\t', b'|'] {
        let n = line.iter().filter(|&&b| b == d).count();
        if n > 0 && best.is_none_or(|(_, m)| n > m) {
            best = Some((d, n));
        }
    }
    best.map_or(Delimiter::Whitespace, |(d, _)| Delimiter::Byte(d))
}

const BUFFER: usize = 1 << 16;

/// Records from either a CSV reader or a whitespace splitter, read one at a time into reused
/// buffers: the reader of input that the chunked pipeline cannot split (quoted CSV).
enum SequentialRecords<'a, R: Read> {
    Csv {
        reader: csv::Reader<BufReader<R>>,
        record: csv::ByteRecord,
        source: &'a Path,
        line_offset: u64,
    },
    Whitespace {
        reader: BufReader<R>,
        buf: Vec<u8>,
        fields: Vec<(usize, usize)>,
        line: u64,
        source: &'a Path,
    },
}

impl<'a, R: Read> SequentialRecords<'a, R> {
    /// Records of `reader`, whose first line is line `line_offset + 1` of the log.
    fn open(reader: R, source: &'a Path, delimiter: Delimiter, line_offset: u64) -> Result<Self> {
        let reader = BufReader::with_capacity(BUFFER, reader);
        Ok(match delimiter {
            Delimiter::Byte(d) => SequentialRecords::Csv {
                reader: csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .delimiter(d)
                    .buffer_capacity(BUFFER)
                    .from_reader(reader),
                record: csv::ByteRecord::new(),
                source,
                line_offset,
            },
            Delimiter::Whitespace | Delimiter::Auto => SequentialRecords::Whitespace {
                reader,
                buf: Vec::with_capacity(256),
                fields: Vec::with_capacity(8),
                line: line_offset,
                source,
            },
        })
    }

    /// Reads the next non-blank record; `false` at the end.
    fn next(&mut self) -> Result<bool> {
        match self {
            SequentialRecords::Csv {
                reader,
                record,
                source,
                line_offset,
            } => reader.read_byte_record(record).map_err(|e| {
                let line = e.position().map(|p| p.line() + *line_offset);
                Error::Csv {
                    location: Location {
                        path: Some(source.to_path_buf()),
                        line,
                        field: None,
                    },
                    source: e,
                }
            }),
            SequentialRecords::Whitespace {
                reader,
                buf,
                fields,
                line,
                source,
            } => loop {
                buf.clear();
                let n = reader.read_until(b'\n', buf).map_err(|e| Error::Io {
                    path: source.to_path_buf(),
                    source: e,
                })?;
                if n == 0 {
                    return Ok(false);
                }
                *line += 1;
                split_whitespace(buf, fields);
                if !fields.is_empty() {
                    return Ok(true);
                }
            },
        }
    }

    /// The 1-based line of the current record.
    fn line(&self) -> u64 {
        match self {
            SequentialRecords::Csv {
                record,
                line_offset,
                ..
            } => record.position().map_or(0, |p| p.line() + line_offset),
            SequentialRecords::Whitespace { line, .. } => *line,
        }
    }

    fn len(&self) -> usize {
        match self {
            SequentialRecords::Csv { record, .. } => record.len(),
            SequentialRecords::Whitespace { fields, .. } => fields.len(),
        }
    }

    /// The raw bytes of field `i` (0-based) of the current record.
    fn field(&self, i: usize) -> Option<&[u8]> {
        match self {
            SequentialRecords::Csv { record, .. } => record.get(i),
            SequentialRecords::Whitespace { buf, fields, .. } => {
                fields.get(i).map(|&(s, e)| &buf[s..e])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, opts: &ReadOptions) -> Result<Transactions> {
        read_transactions_from(text.as_bytes(), "test.csv", opts)
    }

    #[test]
    fn detects_delimiters() {
        assert_eq!(detect_delimiter(b"id,date,amount"), Delimiter::Byte(b','));
        assert_eq!(detect_delimiter(b"id;date;amount"), Delimiter::Byte(b';'));
        assert_eq!(
            detect_delimiter(b"id\tdate\tamount"),
            Delimiter::Byte(b'\t')
        );
        assert_eq!(detect_delimiter(b"id|date|amount"), Delimiter::Byte(b'|'));
        assert_eq!(detect_delimiter(b"a;b;c,d"), Delimiter::Byte(b';'));
        assert_eq!(
            detect_delimiter(b" 00004 0001 19970101  2   29.33\r"),
            Delimiter::Whitespace
        );
        assert_eq!(detect_delimiter(b""), Delimiter::Whitespace);
    }

    #[test]
    fn parses_delimiter_and_column_options() {
        assert_eq!(
            "tab".parse::<Delimiter>().ok(),
            Some(Delimiter::Byte(b'\t'))
        );
        assert_eq!(
            "whitespace".parse::<Delimiter>().ok(),
            Some(Delimiter::Whitespace)
        );
        assert_eq!(";".parse::<Delimiter>().ok(), Some(Delimiter::Byte(b';')));
        assert!(";;".parse::<Delimiter>().is_err());
        assert_eq!("3".parse::<ColumnSpec>().ok(), Some(ColumnSpec::Index(3)));
        assert_eq!(
            "date".parse::<ColumnSpec>().ok(),
            Some(ColumnSpec::Name("date".into()))
        );
        assert!("0".parse::<ColumnSpec>().is_err());
    }

    #[test]
    fn splits_cdnow_lines_on_whitespace_runs() {
        let mut f = Vec::new();
        let line = b" 00004 0001 19970101  2   29.33\r\n";
        split_whitespace(line, &mut f);
        let fields: Vec<&[u8]> = f.iter().map(|&(s, e)| &line[s..e]).collect();
        assert_eq!(
            fields,
            [&b"00004"[..], b"0001", b"19970101", b"2", b"29.33"]
        );
    }

    #[test]
    fn merges_same_day_purchases_in_any_order() {
        let log = "customer_id,date,amount\n\
                   a,2020-01-05,1\nb,2020-01-02,4\na,2020-01-01,2\na,2020-01-05,3\na,2020-01-03,5\n";
        let tx = read(log, &ReadOptions::default()).unwrap();
        assert_eq!(tx.rows, 5);
        assert_eq!(tx.customers.len(), 2);
        let a = &tx.customers[0];
        assert_eq!(a.id, "a");
        let days: Vec<(u32, f64)> = a
            .days
            .iter()
            .map(|d| (chrono::Datelike::day(&d.date), d.amount))
            .collect();
        assert_eq!(days, [(1, 2.0), (3, 5.0), (5, 4.0)]);
        assert_eq!(tx.last_date_line, 2);
        assert_eq!(tx.purchase_days(), 4);
    }

    #[test]
    fn reports_file_line_and_field() {
        let log = "id;date;value\nx;2020-01-01;1.5\nx;2020-02-30;1\n";
        let err = read(log, &ReadOptions::default()).unwrap_err().to_string();
        assert!(
            err.starts_with("test.csv, line 3, field 'date': cannot parse date '2020-02-30'"),
            "{err}"
        );
        let log = "id,date,value\nx,2020-01-01,-1\n";
        let err = read(log, &ReadOptions::default()).unwrap_err().to_string();
        assert!(
            err.contains("line 2, field 'value'") && err.contains("negative"),
            "{err}"
        );
        let opts = ReadOptions {
            allow_negative: true,
            ..ReadOptions::default()
        };
        assert_eq!(read(log, &opts).unwrap().customers[0].days[0].amount, -1.0);
    }

    #[test]
    fn without_header_needs_indices() {
        let opts = ReadOptions {
            has_header: false,
            ..ReadOptions::default()
        };
        let err = read("a 20200101\n", &opts).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
        let opts = ReadOptions {
            has_header: false,
            customer_col: Some(ColumnSpec::Index(1)),
            date_col: Some(ColumnSpec::Index(2)),
            ..ReadOptions::default()
        };
        let tx = read("a 20200101\n\n  b   20200102  \n", &opts).unwrap();
        assert_eq!(tx.customers.len(), 2);
        assert!(!tx.has_amounts);
        let err = read("a 20200101\nb\n", &opts).unwrap_err().to_string();
        assert!(err.contains("line 2, field '2': missing field"), "{err}");
    }

    /// A log spanning many chunks: customer `i % 1000` buys on day `i % 28 + 1` (7 distinct
    /// days each, as gcd(1000, 28) = 4).
    fn big_log(rows: usize, line: impl Fn(usize) -> Option<String>) -> String {
        let mut log = String::from("id,date,amount\n");
        for i in 0..rows {
            let row = line(i + 2)
                .unwrap_or_else(|| format!("c{},2020-02-{:02},1.5\n", i % 1000, i % 28 + 1));
            log.push_str(&row);
        }
        log
    }

    #[test]
    fn parallel_chunks_report_the_first_bad_line_and_keep_order() {
        let bad = |n| Some(format!("c1,2020-02-3{n},1\n"));
        let log = big_log(300_000, |line| match line {
            250_000 => bad(0),
            120_000 => bad(1),
            _ => None,
        });
        let err = read(&log, &ReadOptions::default()).unwrap_err().to_string();
        assert!(
            err.starts_with("test.csv, line 120000, field 'date'"),
            "{err}"
        );

        let log = big_log(300_000, |_| None);
        let tx = read(&log, &ReadOptions::default()).unwrap();
        assert_eq!(tx.rows, 300_000);
        assert_eq!(tx.customers.len(), 1000);
        assert!(tx
            .customers
            .iter()
            .enumerate()
            .all(|(i, c)| c.id == format!("c{i}")));
        assert!(tx.customers.iter().all(|c| c.days.len() == 7));
        let sums: f64 = tx.customers[0].days.iter().map(|d| d.amount).sum();
        assert_eq!(sums, 300.0 * 1.5);
    }

    #[test]
    fn quoted_fields_after_the_first_chunk_use_the_csv_parser() {
        let log = big_log(200_000, |line| match line {
            150_000 => Some("\"new, \"\"quoted\"\"\",2020-02-01,2\n".into()),
            190_000 => Some("c1,2020-02-31,1\n".into()),
            _ => None,
        });
        let err = read(&log, &ReadOptions::default()).unwrap_err().to_string();
        assert!(
            err.starts_with("test.csv, line 190000, field 'date'"),
            "{err}"
        );
        let log = log.replace("2020-02-31", "2020-02-28");
        let tx = read(&log, &ReadOptions::default()).unwrap();
        assert_eq!(tx.customers.len(), 1001);
        assert_eq!(tx.customers[1000].id, "new, \"quoted\"");
        assert_eq!(tx.rows, 200_000);
    }
}
