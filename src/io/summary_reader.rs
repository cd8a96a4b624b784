//! The parallel reader of customer-summary CSVs, shared by every entry point of
//! [`super::summary_csv`]: whole summaries, blocks of rows, and weighted patterns.
//!
//! 1. header: the input is read up to the end of its first record, which is parsed and
//!    resolved into [`Columns`]; an unusual header (a quote, invalid UTF-8, longer than
//!    [`MAX_HEADER`], none at all) sends the whole file to the `csv` crate instead;
//! 2. split: the rest is cut into chunks of whole lines by the log reader's
//!    [`ChunkReader`], a batch of [`BATCH_CHUNKS`] at a time;
//! 3. parse: the chunks of a batch are parsed in parallel, each row validated as it is parsed
//!    (the fields of [`Columns::row`]) and handed to a [`RowSink`], its id collected for
//!    the duplicate check;
//! 4. check: the batch's ids go through the sharded duplicate check ([`IdShards`]), and the
//!    invalid rows are counted in file order into [`RowErrors`].
//!
//! Errors are those of a record-by-record read with the `csv` crate: malformed CSV (a record
//! with the wrong number of fields, invalid UTF-8) or an I/O error stops the read, and is
//! reproduced by the `csv` crate itself resumed at the start of the chunk
//! ([`CsvTable::resume`]), so its message and position are the ones a whole read gives;
//! invalid rows are all counted and the first ones reported. From a chunk with a quote on,
//! the input goes to the `csv` crate (quoted fields may span lines), resumed the same way.

use std::io::{self, Chain, Cursor, Read};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::csv_table::{CsvTable, Header, ResumeAt, RowErrors};
use super::summary_ids::{ChunkIds, IdShards};
use super::summary_rows::{Columns, Row};
use crate::data::log::{count_newlines, overlap, Chunk, ChunkReader, Layout, Next, Records, Tail};
use crate::error::{Error, Location, Result};

/// Number of chunks parsed in parallel at a time: enough to keep every thread busy, few
/// enough that a batch's text and rows stay a few tens of MiB.
const BATCH_CHUNKS: usize = 16;

/// Rows read with the `csv` crate are processed in runs of this many.
const CSV_BATCH_ROWS: usize = 1 << 15;

/// Longest header read by the chunked reader; a longer one goes to the `csv` crate.
const MAX_HEADER: usize = 1 << 20;

/// Invalid rows whose error a chunk keeps (the [`RowErrors`] of the file keep 10).
const KEPT_ERRORS: usize = 10;

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Where the rows of one chunk go while it is parsed (in parallel with other chunks).
pub(super) trait RowSink: Sized {
    /// What a chunk's rows become.
    type Out: Send;
    /// A sink for one chunk of about `rows` rows (a hint to size its buffers).
    fn new(cols: &Columns, rows: usize) -> Self;
    /// A valid row (its id not yet checked for duplicates).
    fn push(&mut self, cols: &Columns, id: &str, row: Row, line: u64);
    /// The chunk's rows, once all are pushed.
    fn done(self) -> Self::Out;
}

/// The rest of the input after the part read before it: the bytes read ahead, then the reader.
type Ahead<R> = Chain<Cursor<Vec<u8>>, R>;

/// What the `csv` crate reads: bytes to put back first, then the rest.
type Rest<R> = Chain<Cursor<Vec<u8>>, Ahead<R>>;

enum Input<R: Read> {
    Chunks(ChunkReader<Ahead<R>>),
    Csv(Box<CsvTable<Rest<R>>>),
    Done,
}

/// Where a chunk starts in the file.
struct ChunkStart {
    /// Byte offset in the file.
    offset: u64,
    /// Line of its first byte.
    line: u64,
    /// The line terminators between the end of the last record and the chunk (the `csv`
    /// crate's position there is after the first terminator of the last record).
    trailing: Vec<u8>,
}

/// A parsed chunk.
struct Parsed<O> {
    rows: Option<O>,
    ids: ChunkIds,
    /// Indices of the rows with an invalid field or an empty id, in order.
    bad: Vec<u32>,
    /// The lines of the rows of `bad`.
    bad_lines: Vec<u64>,
    /// The errors of the first [`KEPT_ERRORS`] rows of `bad`.
    errors: Vec<Error>,
    /// Number of records parsed.
    records: u64,
    /// Whether parsing stopped at malformed CSV (wrong number of fields, invalid UTF-8).
    malformed: bool,
}

impl<O> Parsed<O> {
    fn new() -> Self {
        Parsed {
            rows: None,
            ids: ChunkIds::default(),
            bad: Vec::new(),
            bad_lines: Vec::new(),
            errors: Vec::new(),
            records: 0,
            malformed: false,
        }
    }
}

/// Parses one row, given its trimmed fields, into `sink` (when rows are kept) and `parsed`.
#[inline]
fn add_row<'f, S: RowSink>(
    cols: &Columns,
    sink: &mut Option<S>,
    parsed: &mut Parsed<S::Out>,
    line: u64,
    field: impl Fn(usize) -> &'f str + Copy,
) {
    let index = u32::try_from(parsed.records).unwrap_or(u32::MAX);
    parsed.records += 1;
    let result = cols.id(line, field).and_then(|id| {
        parsed.ids.push(id, index, line);
        let row = cols.row(line, field)?;
        if let Some(sink) = sink {
            sink.push(cols, id, row, line);
        }
        Ok(())
    });
    if let Err(e) = result {
        parsed.bad.push(index);
        parsed.bad_lines.push(line);
        if parsed.errors.len() < KEPT_ERRORS {
            parsed.errors.push(e);
        }
    }
}

/// A summary CSV being read: its columns, the ids seen and the invalid rows so far.
pub(super) struct SummaryReader<R: Read> {
    cols: Columns,
    /// The header record as it is in the file, for resuming the `csv` crate.
    header_record: Vec<u8>,
    input: Input<R>,
    ids: IdShards,
    errors: RowErrors,
    /// Records (rows) read so far.
    records: u64,
    /// Where the chunks handed out so far end.
    pos: Position,
    /// The next batch of chunks, read while the previous one was parsed.
    ahead: Option<Batch>,
    /// The size of the input in bytes, when known, to size the id tables from the first
    /// batch's bytes per row ([`SummaryReader::expect_bytes`]).
    expected_bytes: Option<u64>,
}

/// Where the chunk reader is in the file.
struct Position {
    /// Byte offset in the file of the chunk reader's input, and lines before it.
    base: u64,
    base_lines: u64,
    /// Bytes handed out by the chunk reader so far.
    consumed: u64,
    /// Line terminators after the last record handed out.
    trailing: Vec<u8>,
}

impl Position {
    /// Where the next chunk starts, its first line being `first_line` of the chunk reader's
    /// input.
    fn start(&self, first_line: u64) -> ChunkStart {
        ChunkStart {
            offset: self.base + self.consumed,
            line: first_line + self.base_lines,
            trailing: self.trailing.clone(),
        }
    }
}

/// A batch of chunks read, with where each starts, and why reading stopped before
/// [`BATCH_CHUNKS`] chunks (a chunk with a quote, or an I/O error).
struct Batch {
    chunks: Vec<(Chunk, ChunkStart)>,
    stop: Option<Result<Tail>>,
}

/// Reads the next batch of chunks from `pos` on (`source` names the input in errors).
fn read_batch<R: Read>(chunks: &mut ChunkReader<R>, pos: &mut Position, source: &Path) -> Batch {
    let mut batch = Vec::with_capacity(BATCH_CHUNKS);
    let mut stop = None;
    while batch.len() < BATCH_CHUNKS {
        match chunks.next_chunk() {
            Ok(Next::Chunk(chunk)) => {
                let start = pos.start(chunk.first_line);
                pos.consumed += chunk.bytes.len() as u64;
                update_trailing(&mut pos.trailing, &chunk.bytes);
                batch.push((chunk, start));
            }
            Ok(Next::Quoted(tail)) => {
                stop = Some(Ok(tail));
                break;
            }
            Ok(Next::End) => break,
            Err(e) => {
                stop = Some(Err(io_error(source, e)));
                break;
            }
        }
    }
    Batch {
        chunks: batch,
        stop,
    }
}

impl<R: Read> SummaryReader<R> {
    /// Reads the header of `reader` (named `source` in errors) and resolves the columns.
    ///
    /// # Errors
    /// [`Error::InvalidData`] at the header for a missing column; [`Error::Csv`] for a
    /// malformed header or an I/O error.
    pub(super) fn open(mut reader: R, source: PathBuf) -> Result<Self> {
        let mut head = Vec::new();
        let mut eof = false;
        let mut buf = vec![0u8; 1 << 16];
        let found = loop {
            if let Some(found) = find_header(&head, eof) {
                break found;
            }
            if head.len() > MAX_HEADER {
                break None;
            }
            match reader.read(&mut buf) {
                Ok(0) => eof = true,
                Ok(n) => head.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error(&source, e)),
            }
        };
        let header = found.and_then(|h| {
            let names = std::str::from_utf8(&head[h.start..h.end])
                .ok()?
                .split(',')
                .map(|name| name.trim().to_string())
                .collect();
            Some((h, names))
        });
        let Some((found, names)) = header else {
            // The `csv` crate reads the whole input.
            let input = Cursor::new(Vec::new()).chain(Cursor::new(head).chain(reader));
            let table = CsvTable::new(input, source)?;
            let header_record = Vec::new();
            let cols = Columns::resolve(table.header().clone())?;
            return Ok(SummaryReader {
                cols,
                header_record,
                input: Input::Csv(Box::new(table)),
                ids: IdShards::new(),
                errors: RowErrors::default(),
                records: 0,
                pos: Position {
                    base: 0,
                    base_lines: 0,
                    consumed: 0,
                    trailing: Vec::new(),
                },
                ahead: None,
                expected_bytes: None,
            });
        };
        let line = 1 + count_newlines(&head[..found.start]);
        let cols = Columns::resolve(Header::new(source, names, line))?;
        let header_record = head[found.start..found.end].to_vec();
        let base_lines = count_newlines(&head[..found.next]);
        let rest = head.split_off(found.next);
        let chunks = ChunkReader::new(Cursor::new(rest).chain(reader), Layout::Csv(b','));
        Ok(SummaryReader {
            cols,
            header_record,
            input: Input::Chunks(chunks),
            ids: IdShards::new(),
            errors: RowErrors::default(),
            records: 0,
            pos: Position {
                base: found.next as u64,
                base_lines,
                consumed: 0,
                trailing: Vec::new(),
            },
            ahead: None,
            expected_bytes: None,
        })
    }

    /// Tells the reader the size of its input (a regular file's length), so that it can size
    /// its id tables for the rows to come; only a hint.
    pub(super) fn expect_bytes(&mut self, bytes: u64) {
        self.expected_bytes = Some(bytes);
    }

    /// The columns.
    pub(super) fn columns(&self) -> &Columns {
        &self.cols
    }

    /// Whether an invalid row was found (rows are then no longer kept).
    pub(super) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The rows of the next batch of the input, each chunk's as its sink made them, in file
    /// order; `None` at the end. Rows are kept only while no invalid row has been found (the
    /// read fails then, but goes on to count the invalid rows).
    ///
    /// # Errors
    /// Malformed CSV or an I/O error, after which the reader ends.
    pub(super) fn next_batch<S: RowSink>(&mut self) -> Option<Result<Vec<S::Out>>> {
        let result = match std::mem::replace(&mut self.input, Input::Done) {
            Input::Done => return None,
            Input::Chunks(chunks) => self.chunk_batch::<S>(chunks),
            Input::Csv(table) => self.csv_batch::<S>(*table),
        };
        match result {
            Ok(Some(rows)) => Some(Ok(rows)),
            Ok(None) => None,
            Err(e) => {
                self.input = Input::Done;
                Some(Err(e))
            }
        }
    }

    /// The end of the read: the invalid rows, or a file without rows.
    ///
    /// # Errors
    /// [`Error::InvalidData`]: the invalid rows (see [`RowErrors`]), or no rows.
    pub(super) fn finish(&mut self) -> Result<()> {
        let file = self.cols.header.file();
        std::mem::take(&mut self.errors).into_result(&file)?;
        if self.records == 0 {
            return Err(Error::InvalidData {
                location: file,
                reason: "no customers: the summary has no rows".into(),
            });
        }
        Ok(())
    }

    /// Reads, parses and checks a batch of chunks; `None` at the end of the input.
    ///
    /// The next batch is read while this one is parsed, and kept for the next call; its I/O
    /// error (or quote) only counts once this batch is checked.
    fn chunk_batch<S: RowSink>(
        &mut self,
        mut chunks: ChunkReader<Ahead<R>>,
    ) -> Result<Option<Vec<S::Out>>> {
        let source = self.cols.header.source();
        let batch = match self.ahead.take() {
            Some(batch) => batch,
            None => read_batch(&mut chunks, &mut self.pos, source),
        };
        let more = batch.stop.is_none() && !batch.chunks.is_empty();
        let keep = !self.has_errors();
        let cols = &self.cols;
        let pos = &mut self.pos;
        let (parsed, next) = overlap(
            || -> Vec<Parsed<S::Out>> {
                batch
                    .chunks
                    .par_iter()
                    .map(|(chunk, start)| {
                        parse_chunk::<S>(cols, &chunk.bytes, chunk.lines, start.line, keep)
                    })
                    .collect()
            },
            || more.then(|| read_batch(&mut chunks, pos, source)),
        );
        self.ahead = next;
        if let Some(i) = parsed.iter().position(|p| p.malformed) {
            let before: u64 = parsed[..i].iter().map(|p| p.records).sum();
            let (chunk, start) = &batch.chunks[i];
            return Err(self.malformed(&chunk.bytes, start, self.records + before));
        }
        if let Some(total) = self.expected_bytes.take() {
            // Rows to come, at the first batch's bytes per row (at most one per 2 bytes).
            let bytes: u64 = batch.chunks.iter().map(|(c, _)| c.bytes.len() as u64).sum();
            let records: u64 = parsed.iter().map(|p| p.records).sum();
            if bytes > 0 && records > 0 {
                let rows = (total as f64 * records as f64 / bytes as f64).min(total as f64 / 2.0);
                let sample: Vec<&ChunkIds> = parsed.iter().map(|p| &p.ids).collect();
                self.ids.reserve(rows as usize, &sample);
            }
        }
        let rows = self.check(parsed);
        let empty = batch.chunks.is_empty();
        for (chunk, _) in batch.chunks {
            chunks.recycle(chunk.bytes);
        }
        match batch.stop {
            Some(Err(e)) => Err(e),
            Some(Ok(tail)) => {
                // The rest goes to the `csv` crate, resumed at the quoted chunk.
                let start = self.pos.start(tail.first_line);
                let (mut prefix, at) = self.resume_at(&start, &tail.bytes, self.records);
                prefix.extend_from_slice(&tail.bytes);
                let rest = Cursor::new(prefix).chain(chunks.into_inner());
                let header = self.cols.header.clone();
                self.input = Input::Csv(Box::new(CsvTable::resume(
                    rest,
                    header,
                    &self.header_record,
                    at,
                    at.line,
                )?));
                Ok(Some(rows))
            }
            None if empty => Ok(None),
            None => {
                self.input = Input::Chunks(chunks);
                Ok(Some(rows))
            }
        }
    }

    /// Reads and checks a run of rows with the `csv` crate; `None` at the end of the input.
    fn csv_batch<S: RowSink>(
        &mut self,
        mut table: CsvTable<Rest<R>>,
    ) -> Result<Option<Vec<S::Out>>> {
        let keep = !self.has_errors();
        let mut parsed = Parsed::new();
        let mut sink = keep.then(|| S::new(&self.cols, CSV_BATCH_ROWS));
        let mut end = false;
        while parsed.records < CSV_BATCH_ROWS as u64 {
            if !table.next_record()? {
                end = true;
                break;
            }
            let line = table.line();
            let t = &table;
            add_row(&self.cols, &mut sink, &mut parsed, line, |i| t.text(i));
        }
        if parsed.records == 0 {
            return Ok(None);
        }
        parsed.ids.group();
        parsed.rows = sink.map(S::done);
        let rows = self.check(vec![parsed]);
        if !end {
            self.input = Input::Csv(Box::new(table));
        }
        Ok(Some(rows))
    }

    /// The duplicate check of a batch of parsed chunks (in file order), and the count of its
    /// invalid rows; returns the chunks' rows.
    fn check<O>(&mut self, mut parsed: Vec<Parsed<O>>) -> Vec<O> {
        let ids: Vec<ChunkIds> = parsed
            .iter_mut()
            .map(|p| std::mem::take(&mut p.ids))
            .collect();
        let id_refs: Vec<&ChunkIds> = ids.iter().collect();
        let dups = self.ids.check(&id_refs);
        let mut dups = dups.iter().peekable();
        for (c, p) in parsed.iter_mut().enumerate() {
            self.records += p.records;
            let mut errors = std::mem::take(&mut p.errors).into_iter();
            let mut b = 0;
            loop {
                let bad = p.bad.get(b).copied();
                let dup = dups.peek().filter(|d| d.chunk as usize == c).map(|d| d.row);
                let row = match (bad, dup) {
                    (None, None) => break,
                    (Some(r), None) | (None, Some(r)) => r,
                    (Some(r), Some(d)) => r.min(d),
                };
                // A row's own error, if any (the kept ones are those of the first bad rows).
                let own = if bad == Some(row) {
                    b += 1;
                    errors.next()
                } else {
                    None
                };
                let dup = if dup == Some(row) { dups.next() } else { None };
                if !self.errors.keeps_more() {
                    self.errors.count();
                    continue;
                }
                // An empty id is reported before anything else, and is never a duplicate;
                // a duplicate before the row's values.
                match (dup, own) {
                    (Some(d), _) => {
                        let error = self.cols.duplicate(d.line, &d.id(&id_refs), d.first);
                        self.errors.push(error);
                    }
                    (None, Some(e)) => self.errors.push(e),
                    (None, None) => self.errors.count(),
                }
            }
        }
        parsed.into_iter().filter_map(|p| p.rows).collect()
    }

    /// The error of the first malformed record of a chunk, from the `csv` crate resumed at
    /// the chunk's start (`records` records precede it).
    fn malformed(&self, bytes: &[u8], start: &ChunkStart, records: u64) -> Error {
        let (mut input, at) = self.resume_at(start, bytes, records);
        input.extend_from_slice(bytes);
        let header = self.cols.header.clone();
        let mut table =
            match CsvTable::resume(Cursor::new(input), header, &self.header_record, at, at.line) {
                Ok(table) => table,
                Err(e) => return e,
            };
        loop {
            match table.next_record() {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return e,
            }
        }
        // Not reached: the chunk's records were found malformed.
        Error::Csv {
            location: Location::file(self.cols.header.source()).at_line(start.line),
            source: csv::Error::from(io::Error::other("malformed record")),
        }
    }

    /// The bytes to read before a chunk (or tail) starting at `start` with `bytes`, and the
    /// `csv` crate's position at the first of them, after the `records`-th record.
    fn resume_at(&self, start: &ChunkStart, bytes: &[u8], records: u64) -> (Vec<u8>, ResumeAt) {
        let mut prefix = start.trailing.clone();
        let mut byte = start.offset - prefix.len() as u64;
        let mut line = start.line - count_newlines(&prefix);
        if prefix.is_empty() && bytes.starts_with(BOM) {
            // The `csv` crate strips a byte-order mark at the start of its input, not in
            // the middle of a file: start at a blank line before it.
            prefix.push(b'\n');
            byte -= 1;
            line -= 1;
        }
        let at = ResumeAt {
            byte,
            line,
            record: records + 1,
        };
        (prefix, at)
    }
}

/// Parses the rows of a chunk of `lines` lines whose first byte is on line `first_line`, up
/// to its first malformed record; rows go to a sink when `keep`.
fn parse_chunk<S: RowSink>(
    cols: &Columns,
    bytes: &[u8],
    lines: u64,
    first_line: u64,
    keep: bool,
) -> Parsed<S::Out> {
    let mut parsed = Parsed::new();
    let rows = usize::try_from(lines.saturating_add(1)).map_or(1 << 20, |n| n.min(1 << 24));
    parsed.ids.reserve(rows);
    let mut sink = keep.then(|| S::new(cols, rows));
    // Records from the first one with invalid UTF-8 on are malformed.
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            parsed.malformed = true;
            let valid = &bytes[..e.valid_up_to()];
            let cut = valid
                .iter()
                .rposition(|&b| b == b'\n' || b == b'\r')
                .map_or(0, |i| i + 1);
            std::str::from_utf8(&bytes[..cut]).unwrap_or_default()
        }
    };
    let mut records = Records::new(text.as_bytes(), first_line, Layout::Csv(b','));
    let mut fields = Vec::with_capacity(cols.len());
    let mut complete = true;
    while let Some(line) = records.next_record(&mut fields) {
        if fields.len() != cols.len() {
            complete = false;
            break;
        }
        let f = &fields;
        add_row(cols, &mut sink, &mut parsed, line, |i| {
            f.get(i)
                .and_then(|&(s, e)| text.get(s..e))
                .unwrap_or_default()
                .trim()
        });
    }
    parsed.malformed |= !complete;
    parsed.ids.group();
    parsed.rows = sink.map(S::done);
    parsed
}

/// The header record found at the start of the input.
#[derive(Clone, Copy)]
struct FoundHeader {
    /// Its first byte (after a byte-order mark and blank lines) and the end of its text.
    start: usize,
    end: usize,
    /// Just after its first line terminator: where the rest of the input begins.
    next: usize,
}

/// The header record of an input beginning with `head` (`eof`: `head` is the whole input):
/// `None` while more input is needed; `Some(None)` when the chunked reader cannot take it
/// (no record, a quote in the header, invalid UTF-8), so that the `csv` crate reads the file.
fn find_header(head: &[u8], eof: bool) -> Option<Option<FoundHeader>> {
    if !eof && head.len() < BOM.len() && BOM.starts_with(head) {
        return None;
    }
    let from = if head.starts_with(BOM) { BOM.len() } else { 0 };
    let Some(start) = head[from..].iter().position(|&b| b != b'\n' && b != b'\r') else {
        return eof.then_some(None);
    };
    let start = from + start;
    let end = match head[start..].iter().position(|&b| b == b'\n' || b == b'\r') {
        Some(i) => start + i,
        None if eof => head.len(),
        None => return None,
    };
    let record = &head[start..end];
    if record.contains(&b'"') || std::str::from_utf8(record).is_err() {
        return Some(None);
    }
    Some(Some(FoundHeader {
        start,
        end,
        next: (end + 1).min(head.len()),
    }))
}

/// Updates the line terminators that follow the last record after a chunk of `bytes`.
fn update_trailing(trailing: &mut Vec<u8>, bytes: &[u8]) {
    let run = bytes
        .iter()
        .rev()
        .take_while(|&&b| b == b'\n' || b == b'\r')
        .count();
    if run == bytes.len() {
        trailing.extend_from_slice(bytes);
    } else {
        // The last record's first terminator ends it; the rest are blank lines.
        trailing.clear();
        trailing.extend_from_slice(&bytes[bytes.len() - run + 1.min(run)..]);
    }
}

/// An I/O error as the `csv` crate reports it.
fn io_error(source: &std::path::Path, e: io::Error) -> Error {
    Error::Csv {
        location: Location::file(source),
        source: csv::Error::from(e),
    }
}
