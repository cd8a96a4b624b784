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

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::NaiveDate;

use super::time::DateFormat;
use crate::error::{Error, Location, Result};

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

/// Adds a purchase to a customer's sorted purchase days, merging it into its day.
fn add_purchase(days: &mut Vec<PurchaseDay>, date: NaiveDate, amount: f64) {
    match days.last_mut() {
        Some(last) if last.date == date => last.amount += amount,
        Some(last) if last.date > date => match days.binary_search_by(|d| d.date.cmp(&date)) {
            Ok(i) => days[i].amount += amount,
            Err(i) => days.insert(i, PurchaseDay { date, amount }),
        },
        _ => days.push(PurchaseDay { date, amount }),
    }
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
/// # Errors
/// [`Error::InvalidData`] (with file, line and field) for an empty log, a missing column, a
/// field that is not UTF-8, an unparseable date, or an amount that is not a finite number
/// (or negative, unless `allow_negative`); [`Error::InvalidArgument`] for column options that
/// cannot apply (names without a header); [`Error::Csv`]/[`Error::Io`] for read failures.
pub fn read_transactions_from<R: Read>(
    reader: R,
    name: impl Into<PathBuf>,
    opts: &ReadOptions,
) -> Result<Transactions> {
    let source: PathBuf = name.into();
    let mut records = Records::open(reader, &source, opts.delimiter)?;
    let here = |line: u64| Location::file(&source).at_line(line);

    let header = if opts.has_header {
        if !records.next()? {
            return Err(empty_log(&source));
        }
        let line = records.line();
        let names = (0..records.len())
            .map(|i| {
                let f = records.field(i).unwrap_or_default();
                utf8(f, || here(line).at_field((i + 1).to_string())).map(|s| s.to_string())
            })
            .collect::<Result<Vec<_>>>()?;
        Some(names)
    } else {
        None
    };
    let cols = Columns::resolve(opts, header.as_deref(), &source)?;

    let mut index = IdIndex::default();
    // Purchase days per customer, indexed by the id's position in `index` (ids are stored
    // once, in the index, and moved out at the end).
    let mut customers: Vec<Vec<PurchaseDay>> = Vec::new();
    let mut rows = 0u64;
    let (mut first_date, mut last_date, mut last_date_line) = (NaiveDate::MAX, NaiveDate::MIN, 0);

    while records.next()? {
        let line = records.line();
        if let Some(h) = header.as_ref().filter(|h| h.len() != records.len()) {
            return Err(invalid(
                here(line),
                format!(
                    "the line has {} fields, but the header has {}",
                    records.len(),
                    h.len()
                ),
            ));
        }
        let get = |col: usize, label: &str| -> Result<&str> {
            let at = || here(line).at_field(label);
            let raw = records.field(col).ok_or_else(|| Error::InvalidData {
                location: at(),
                reason: format!("missing field: the line has only {} fields", records.len()),
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
        let date = opts.date_format.parse(date_text).ok_or_else(|| {
            invalid(
                here(line).at_field(&cols.date_label),
                format!(
                    "cannot parse date '{date_text}': expected {}",
                    opts.date_format.describe()
                ),
            )
        })?;
        let amount = match &cols.amount {
            Some((col, label)) => parse_amount(get(*col, label)?, opts.allow_negative)
                .map_err(|reason| invalid(here(line).at_field(label), reason))?,
            None => 0.0,
        };

        let next = u32::try_from(customers.len())
            .map_err(|_| invalid(here(line), "more than 4,294,967,295 customers"))?;
        let slot = index.get_or_insert(id, next) as usize;
        if slot == customers.len() {
            customers.push(Vec::new());
        }
        add_purchase(&mut customers[slot], date, amount);
        rows += 1;
        first_date = first_date.min(date);
        if date > last_date {
            last_date = date;
            last_date_line = line;
        }
    }
    if rows == 0 {
        return Err(empty_log(&source));
    }
    let customers = index
        .into_ids(customers.len())
        .into_iter()
        .zip(customers)
        .map(|(id, days)| CustomerLog { id, days })
        .collect();
    Ok(Transactions {
        source,
        customers,
        rows,
        has_amounts: cols.amount.is_some(),
        first_date,
        last_date,
        last_date_line,
        date_field: cols.date_label,
    })
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

/// Records from either a CSV reader or a whitespace splitter, read into reused buffers.
enum Records<'a, R: Read> {
    Csv {
        reader: csv::Reader<BufReader<R>>,
        record: csv::ByteRecord,
        source: &'a Path,
    },
    Whitespace {
        reader: BufReader<R>,
        buf: Vec<u8>,
        fields: Vec<(usize, usize)>,
        line: u64,
        source: &'a Path,
    },
}

impl<'a, R: Read> Records<'a, R> {
    fn open(reader: R, source: &'a Path, delimiter: Delimiter) -> Result<Self> {
        let io_err = |source_err| Error::Io {
            path: source.to_path_buf(),
            source: source_err,
        };
        let mut reader = BufReader::with_capacity(BUFFER, reader);
        let head = reader.fill_buf().map_err(io_err)?;
        if head.starts_with(b"\xEF\xBB\xBF") {
            reader.consume(3);
        }
        let delimiter = match delimiter {
            Delimiter::Auto => detect_delimiter(first_line(reader.fill_buf().map_err(io_err)?)),
            d => d,
        };
        Ok(match delimiter {
            Delimiter::Byte(d) => Records::Csv {
                reader: csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .delimiter(d)
                    .buffer_capacity(BUFFER)
                    .from_reader(reader),
                record: csv::ByteRecord::new(),
                source,
            },
            Delimiter::Whitespace | Delimiter::Auto => Records::Whitespace {
                reader,
                buf: Vec::with_capacity(256),
                fields: Vec::with_capacity(8),
                line: 0,
                source,
            },
        })
    }

    /// Reads the next non-blank record; `false` at the end.
    fn next(&mut self) -> Result<bool> {
        match self {
            Records::Csv {
                reader,
                record,
                source,
            } => reader.read_byte_record(record).map_err(|e| {
                let line = e.position().map(|p| p.line());
                Error::Csv {
                    location: Location {
                        path: Some(source.to_path_buf()),
                        line,
                        field: None,
                    },
                    source: e,
                }
            }),
            Records::Whitespace {
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
            Records::Csv { record, .. } => record.position().map_or(0, |p| p.line()),
            Records::Whitespace { line, .. } => *line,
        }
    }

    fn len(&self) -> usize {
        match self {
            Records::Csv { record, .. } => record.len(),
            Records::Whitespace { fields, .. } => fields.len(),
        }
    }

    /// The raw bytes of field `i` (0-based) of the current record.
    fn field(&self, i: usize) -> Option<&[u8]> {
        match self {
            Records::Csv { record, .. } => record.get(i),
            Records::Whitespace { buf, fields, .. } => fields.get(i).map(|&(s, e)| &buf[s..e]),
        }
    }
}

/// The (start, end) byte ranges of the whitespace-separated fields of `line`.
fn split_whitespace(line: &[u8], fields: &mut Vec<(usize, usize)>) {
    fields.clear();
    let mut start = None;
    for (i, b) in line.iter().enumerate() {
        match (b.is_ascii_whitespace(), start) {
            (true, Some(s)) => {
                fields.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        fields.push((s, line.len()));
    }
}

/// Customer ids -> dense indices in order of first appearance. Ids of up to 15 bytes are
/// packed into the key itself (bytes plus length), so a lookup touches no other memory; longer
/// ids are boxed.
#[derive(Default)]
struct IdIndex {
    short: HashMap<u128, u32, BuildHasherDefault<FxHasher>>,
    long: HashMap<Box<str>, u32, BuildHasherDefault<FxHasher>>,
}

impl IdIndex {
    /// The index of `id`, inserting it as `next` when new.
    fn get_or_insert(&mut self, id: &str, next: u32) -> u32 {
        let b = id.as_bytes();
        if b.len() < 16 {
            let mut key = [0u8; 16];
            key[..b.len()].copy_from_slice(b);
            key[15] = b.len() as u8;
            *self.short.entry(u128::from_le_bytes(key)).or_insert(next)
        } else if let Some(&i) = self.long.get(id) {
            i
        } else {
            self.long.insert(id.into(), next);
            next
        }
    }

    /// The ids in index order (`n` of them).
    fn into_ids(self, n: usize) -> Vec<String> {
        let mut ids = vec![String::new(); n];
        for (key, i) in self.short {
            let key = key.to_le_bytes();
            let len = usize::from(key[15]).min(15);
            ids[i as usize] = String::from_utf8_lossy(&key[..len]).into_owned();
        }
        for (id, i) in self.long {
            ids[i as usize] = id.into_string();
        }
        ids
    }
}

/// A small, fast, non-cryptographic hasher (the multiply-rotate scheme of rustc's FxHash) for
/// the customer-id index; ids come from the user's own file, so hash flooding is not a concern.
#[derive(Default, Clone, Copy)]
struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    /// The multiply-rotate state mixes poorly into its low bits, which the hash table uses
    /// for the bucket; a final avalanche step (MurmurHash3's fmix64) spreads every bit.
    #[inline]
    fn finish(&self) -> u64 {
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
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
}
