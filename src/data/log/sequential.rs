//! The sequential reader of input that the chunked pipeline cannot split (quoted CSV fields
//! may span lines): record by record with the `csv` crate (or the whitespace splitter), rows
//! aggregated in batches.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::builder::LogBuilder;
use super::chunks::{split_whitespace, Layout, BUFFER};
use super::lines::LineCounter;
use super::shards::ChunkRows;
use super::types::Delimiter;
use crate::error::{Error, Location, Result};

/// Rows read sequentially (after a quote) are aggregated in batches of this many.
const SEQUENTIAL_BATCH: usize = 1 << 18;

impl LogBuilder<'_> {
    /// Reads the rest of the input record by record with the `csv` crate (or the whitespace
    /// splitter); `line_offset` is the number of lines before it.
    pub(super) fn read_sequentially(&mut self, rest: impl Read, line_offset: u64) -> Result<()> {
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
            self.set_header(Some(header), line)?;
        }
        let mut rows = ChunkRows::new();
        while records.next()? {
            let line = records.line();
            let (id, date, amount) = self.parse_row(line, records.len(), |i| records.field(i))?;
            rows.push(id, date, amount);
            self.stats.add(date, line);
            if rows.len() >= SEQUENTIAL_BATCH {
                let full = std::mem::replace(&mut rows, ChunkRows::new());
                self.add_rows(full);
            }
        }
        self.add_rows(rows);
        Ok(())
    }

    fn add_rows(&mut self, mut rows: ChunkRows) {
        rows.group();
        self.shards.add_chunks(std::slice::from_ref(&rows));
    }
}

/// Records from either a CSV reader or a whitespace splitter, read one at a time into reused
/// buffers: the reader of input that the chunked pipeline cannot split (quoted CSV).
enum SequentialRecords<'a, R: Read> {
    Csv {
        reader: csv::Reader<LineCounter<R>>,
        record: csv::ByteRecord,
        source: &'a Path,
        /// The line of the current record.
        line: u64,
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
        Ok(match delimiter {
            Delimiter::Byte(d) => SequentialRecords::Csv {
                reader: csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .delimiter(d)
                    .buffer_capacity(BUFFER)
                    .from_reader(LineCounter::new(reader, line_offset + 1)),
                record: csv::ByteRecord::new(),
                source,
                line: line_offset + 1,
            },
            Delimiter::Whitespace | Delimiter::Auto => SequentialRecords::Whitespace {
                reader: BufReader::with_capacity(BUFFER, reader),
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
                line,
            } => match reader.read_byte_record(record) {
                Ok(more) => {
                    if let Some(p) = record.position().filter(|_| more) {
                        *line = reader.get_mut().locate(p.byte());
                    }
                    Ok(more)
                }
                Err(e) => {
                    let line = e.position().map(|p| reader.get_mut().locate(p.byte()));
                    Err(Error::Csv {
                        location: Location {
                            path: Some(source.to_path_buf()),
                            line,
                            field: None,
                        },
                        source: e,
                    })
                }
            },
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
            SequentialRecords::Csv { line, .. } | SequentialRecords::Whitespace { line, .. } => {
                *line
            }
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
