//! The parallel reader: batches of chunks of whole lines parsed in parallel, their rows added
//! to the shards.

use std::io::Read;

use rayon::prelude::*;

use super::builder::{LogBuilder, Stats};
use super::chunks::{Chunk, ChunkReader, Next, Records, Tail};
use super::shards::{add_chunks, ChunkRows};
use crate::error::{Error, Result};

/// Number of chunks parsed in parallel at a time: enough to keep every thread busy.
const BATCH_CHUNKS: usize = 16;

/// A parsed chunk: its rows up to the first bad line, and the error on that line.
struct ParsedChunk {
    rows: ChunkRows,
    stats: Stats,
    error: Option<Error>,
}

impl LogBuilder<'_> {
    /// Reads chunks until the end of the input, or until a chunk with a quote, which is
    /// returned with the rest of the input.
    pub(super) fn read_chunks<R: Read>(
        &mut self,
        chunks: &mut ChunkReader<R>,
    ) -> Result<Option<Tail>> {
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
                            self.set_header(Some(header), line)?;
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
}
