//! Streaming reader of transaction logs: (customer, date[, amount]) rows folded into
//! per-customer purchase days as they are read.
//!
//! Rows are not held for long: parsed in chunks, they wait in their shard until merged into
//! their customer's sorted purchase days, where purchases on the same day are merged and their
//! amounts summed in file order. Memory therefore grows with customers × purchase days, not
//! with rows (see the bound below).
//!
//! # Memory
//! A log read whole holds, besides a few MiB of buffers:
//! - per distinct (customer, day): 10 bytes (the day as a `u16` offset from its shard's base
//!   day, falling back to an `i32` day number for a shard whose days span more than 179
//!   years, and the amount as `f64`, in flat per-shard arrays), plus while reading up to an
//!   eighth more rows waiting to be merged (16 bytes each): about **11 bytes per
//!   customer-day** at the end of reading;
//! - per customer: about **35 bytes** while reading for ids of up to 15 digits (no leading
//!   zero) or up to 7 bytes, held as one word in 12-byte table slots at most 7/8 full, and
//!   about 50 for other ids up to 15 bytes (20-byte slots), with the number of its days and
//!   its place in the order of first appearance; 32 once read (id, start of its days, place
//!   in the order). Longer ids add their length;
//! - the allocator's overhead on top, measured at 10–20 %.
//!
//! Measured peak RSS of `btyd summary` (which also writes the summary in blocks of 2^18
//! customers, never whole): 10M rows (9.9M customer-days, 1M customers) 0.33 GiB; 100M rows
//! (99.3M customer-days, 10M customers, numeric ids) 1.70 GiB, i.e. about 18 bytes per
//! customer-day at ten days per customer. Memory does not grow with rows that repeat a
//! customer-day.
//!
//! Input is CSV with a header (columns chosen by name) or without one (columns by 1-based
//! index). The delimiter is one byte (`,` `;` tab `|` …) or runs of whitespace, as in the
//! fixed-width CDNOW files; by default it is detected from the first line. Dates are parsed
//! with a [`DateFormat`](crate::data::DateFormat). Every error names the file, the line and
//! the field.
//!
//! # Layout
//! The reader's files depend on each other in one direction only (each on those listed before
//! it):
//! - `types`: the options and the returned log;
//! - `fields`: checks on the text of one field; `columns`: which fields hold the customer, the
//!   date and the amount; `delimiter`: detection from the first line;
//! - `chunks`: splitting the input into chunks of whole lines; `arena`: the finished log's
//!   flat storage and its views; `shards`: folding rows into per-customer purchase days;
//! - `builder`: the state of a log being read and the parsing of one record;
//! - `parallel`: the chunked reader; `sequential`: the record-by-record reader of quoted CSV;
//! - this module: the entry points.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use self::builder::LogBuilder;
use self::chunks::BUFFER;
use self::delimiter::first_line;
use crate::error::{Error, Result};

mod arena;
mod builder;
mod chunks;
mod columns;
mod delimiter;
mod fields;
mod lines;
mod parallel;
mod sequential;
mod shards;
#[cfg(test)]
mod tests;
mod types;

pub use arena::{CustomerLog, Days, PurchaseDay};
pub(crate) use chunks::{count_newlines, overlap, Chunk, ChunkReader, Layout, Next, Records, Tail};
pub use delimiter::detect_delimiter;
pub(crate) use lines::LineCounter;
pub use types::{ColumnSpec, Delimiter, ReadOptions, Transactions};

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
/// 1. split: the input is read sequentially in blocks cut at line ends (`chunks`);
/// 2. parse: a batch of such chunks is parsed in parallel, each chunk into rows grouped by a
///    hash of the customer id (stopping at its first bad line);
/// 3. aggregate: each shard of customers takes its rows from every chunk of the batch, in file
///    order, in parallel with the other shards (`shards`);
/// 4. finish: each shard's last rows are merged into its purchase days, and customers are put
///    in order of first appearance.
///
/// Data from a chunk containing a quote onwards is read sequentially with the `csv` crate,
/// whose quoted fields may span lines, then aggregated the same way.
///
/// # Errors
/// [`Error::InvalidData`] (with file, line and field) for an empty log, a missing column, a
/// field that is not UTF-8, an unparseable date, or an amount that is not a finite number
/// (or negative, unless `allow_negative`); [`Error::InvalidOption`] for column options that
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
    let mut log = LogBuilder::new(&source, opts, layout);
    if !opts.has_header {
        log.set_header(None, 1)?;
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
