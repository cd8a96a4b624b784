//! The parallel reader: batches of chunks of whole lines parsed in parallel, their rows added
//! to the shards.

use std::io::Read;
use std::path::Path;

use rayon::prelude::*;

use super::builder::{LogBuilder, Stats};
use super::chunks::{overlap, Chunk, ChunkReader, Layout, Next, Records, Tail};
use super::shards::ChunkRows;
use crate::error::{Error, Result};

/// Number of chunks parsed in parallel at a time: enough to keep every thread busy. Two
/// batches are in memory at once (one parsed while the next is read), with their rows.
const BATCH_CHUNKS: usize = 16;

/// Room to make for the rows of a chunk of `lines` lines: one per line, and one for a last
/// line without terminator (capped, as it is only a hint).
fn row_hint(lines: u64) -> usize {
    usize::try_from(lines.saturating_add(1)).map_or(1 << 20, |n| n.min(1 << 24))
}

/// A parsed chunk: its rows up to the first bad line, and the error on that line.
struct ParsedChunk {
    rows: ChunkRows,
    stats: Stats,
    error: Option<Error>,
}

/// A batch of chunks read, and why reading stopped before [`BATCH_CHUNKS`] (a chunk with a
/// quote, or an I/O error).
struct Batch {
    chunks: Vec<Chunk>,
    stop: Option<Result<Tail>>,
}

/// Reads up to [`BATCH_CHUNKS`] chunks; `take` is called on each and drops it when it returns
/// `false` (the header's chunk before the header is found), or ends the read with its error.
fn read_batch<R: Read>(
    chunks: &mut ChunkReader<R>,
    source: &Path,
    mut take: impl FnMut(&mut Chunk) -> Result<bool>,
) -> Result<Batch> {
    let mut batch = Vec::with_capacity(BATCH_CHUNKS);
    let mut stop = None;
    while batch.len() < BATCH_CHUNKS {
        match chunks.next_chunk() {
            Ok(Next::Chunk(mut chunk)) => {
                if take(&mut chunk)? {
                    batch.push(chunk);
                } else {
                    chunks.recycle(chunk.bytes);
                }
            }
            Ok(Next::Quoted(tail)) => {
                stop = Some(Ok(tail));
                break;
            }
            Ok(Next::End) => break,
            Err(e) => {
                stop = Some(Err(Error::Io {
                    path: source.to_path_buf(),
                    source: e,
                }));
                break;
            }
        }
    }
    Ok(Batch {
        chunks: batch,
        stop,
    })
}

impl LogBuilder<'_> {
    /// Reads chunks until the end of the input, or until a chunk with a quote, which is
    /// returned with the rest of the input.
    ///
    /// The next batch of chunks is read while the previous one is parsed and added; its
    /// I/O error (or quote) only counts once the batches before it are added without error.
    pub(super) fn read_chunks<R: Read>(
        &mut self,
        chunks: &mut ChunkReader<R>,
    ) -> Result<Option<Tail>> {
        let source = self.source;
        let mut fields = Vec::new();
        // The header is in the first batch: once a chunk is taken, it is known.
        let mut batch = read_batch(chunks, source, |chunk| self.take_header(chunk, &mut fields))?;
        loop {
            if batch.chunks.is_empty() && batch.stop.is_none() {
                return Ok(None);
            }
            let more = batch.stop.is_none();
            let (added, next) = overlap(
                || self.add_batch(&batch.chunks),
                || more.then(|| read_batch(chunks, source, |_| Ok(true))),
            );
            added?;
            for chunk in batch.chunks {
                chunks.recycle(chunk.bytes);
            }
            match (batch.stop, next) {
                (Some(Ok(tail)), _) => return Ok(Some(tail)),
                (Some(Err(e)), _) => return Err(e),
                (None, Some(next)) => batch = next?,
                (None, None) => return Ok(None),
            }
        }
    }

    /// Before the header is found: reads it from the chunk's first record and drops it from
    /// the chunk; `false` when the chunk has no record.
    fn take_header(&mut self, chunk: &mut Chunk, fields: &mut Vec<(usize, usize)>) -> Result<bool> {
        if self.cols.is_some() {
            return Ok(true);
        }
        // The header is the first record; the chunk goes on after it.
        let mut records = Records::new(&chunk.bytes, chunk.first_line, self.layout);
        let Some(line) = records.next_record(fields) else {
            return Ok(false);
        };
        let bytes = &chunk.bytes;
        let header = self.header_from(line, fields.iter().map(|&(s, e)| &bytes[s..e]))?;
        let (offset, next_line) = (records.offset(), records.line());
        chunk.bytes.drain(..offset);
        chunk.lines = chunk.lines.saturating_sub(next_line - chunk.first_line);
        chunk.first_line = next_line;
        self.set_header(Some(header), line)?;
        Ok(true)
    }

    /// Parses a batch of chunks in parallel and adds their rows, or returns the error of the
    /// first bad line.
    fn add_batch(&mut self, batch: &[Chunk]) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let parsed: Vec<ParsedChunk> = batch
            .par_iter()
            .map(|chunk| self.parse_chunk(chunk))
            .collect();
        let mut rows = Vec::with_capacity(parsed.len());
        for p in parsed {
            if let Some(e) = p.error {
                return Err(e);
            }
            self.stats.merge(&p.stats);
            rows.push(p.rows);
        }
        self.shards.add_chunks(&rows);
        Ok(())
    }

    /// Parses one chunk, up to its first bad line.
    fn parse_chunk(&self, chunk: &Chunk) -> ParsedChunk {
        let mut rows = ChunkRows::with_capacity(row_hint(chunk.lines));
        let mut stats = Stats::default();
        let mut fields = Vec::with_capacity(8);
        let mut records = Records::new(&chunk.bytes, chunk.first_line, self.layout);
        let mut error = None;
        let bytes = &chunk.bytes[..];
        // A chunk that is UTF-8 as a whole needs no check per field (fields are cut at ASCII
        // bytes, so each is UTF-8 too); otherwise each field is checked, for the error.
        let ascii_cuts = match self.layout {
            Layout::Csv(d) => d.is_ascii(),
            Layout::Whitespace => true,
        };
        let text = ascii_cuts
            .then(|| std::str::from_utf8(bytes).ok())
            .flatten();
        while let Some(line) = records.next_record(&mut fields) {
            let row = match text {
                Some(text) => self.parse_row(line, fields.len(), |i| {
                    fields.get(i).and_then(|&(s, e)| text.get(s..e))
                }),
                None => self.parse_row(line, fields.len(), |i| {
                    fields.get(i).map(|&(s, e)| &bytes[s..e])
                }),
            };
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
}
