//! Physical line numbers of the records the `csv` crate reads.
//!
//! The `csv` crate gives each record the position where its parsing began: just after the
//! previous record's terminator byte, before the blank lines and the `\n` of a `\r\n` it skips
//! first, so its line numbers drift on CRLF files and on blank lines. [`LineCounter`] sits
//! between the `csv` reader and the input, keeps the bytes read since the last record located,
//! and gives the line (counted by `\n`, 1-based, as an editor shows it) of a record's first
//! byte.

use std::io::{self, Read};

/// The UTF-8 byte-order mark, which the `csv` crate skips at the start of its input.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A reader that remembers what it has read until the records in it are located.
pub(crate) struct LineCounter<R> {
    inner: R,
    /// The bytes read from offset `base` on.
    window: Vec<u8>,
    /// The offset in the input of `window[0]`.
    base: u64,
    /// Index in `window` of the first byte of the last record located (bytes before it have
    /// been counted).
    cursor: usize,
    /// The line number at `cursor`.
    line: u64,
}

impl<R: Read> LineCounter<R> {
    /// Counts the lines of `inner`, whose first byte is on line `first_line`.
    pub(crate) fn new(inner: R, first_line: u64) -> Self {
        LineCounter {
            inner,
            window: Vec::new(),
            base: 0,
            cursor: 0,
            line: first_line,
        }
    }

    /// The line of the record whose parsing began at input offset `start` (the byte of the
    /// `csv` crate's position): the line of its first byte after the line terminators (`\r`,
    /// `\n`) and, at the start of the input, the byte-order mark the `csv` crate skips.
    /// Records must be located in input order.
    pub(crate) fn locate(&mut self, start: u64) -> u64 {
        let from = usize::try_from(start.saturating_sub(self.base)).unwrap_or(usize::MAX);
        let mut i = from.clamp(self.cursor, self.window.len());
        if start == 0 && self.base == 0 && self.window.starts_with(BOM) {
            i = i.max(BOM.len());
        }
        while i < self.window.len() && matches!(self.window[i], b'\r' | b'\n') {
            i += 1;
        }
        self.line += super::chunks::count_newlines(&self.window[self.cursor..i]);
        self.cursor = i;
        self.line
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        // Drop the counted bytes once they are half the window, so each byte moves at most once
        // on average.
        if self.cursor > 0 && self.cursor >= self.window.len() / 2 {
            self.window.drain(..self.cursor);
            self.base += self.cursor as u64;
            self.cursor = 0;
        }
        self.window.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines of the records of `text` as the `csv` crate reads them through a counter.
    fn record_lines(text: &[u8]) -> Vec<(u64, Vec<String>)> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(7)
            .from_reader(LineCounter::new(text, 1));
        let mut record = csv::ByteRecord::new();
        let mut out = Vec::new();
        while reader.read_byte_record(&mut record).unwrap() {
            let start = record.position().unwrap().byte();
            let line = reader.get_mut().locate(start);
            let fields = record
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            out.push((line, fields));
        }
        out
    }

    /// Defect 4 of issue 11: CRLF line ends, blank lines, quoted line breaks and a byte-order
    /// mark give the lines an editor shows.
    #[test]
    fn locates_records_on_their_physical_lines() {
        let text = b"\xEF\xBB\xBF\r\nh,i\r\n\r\n\r\na,b\r\n\"x\r\ny\",z\n\nc\rd\n\n";
        let got: Vec<(u64, String)> = record_lines(text)
            .into_iter()
            .map(|(l, f)| (l, f.join("|")))
            .collect();
        let want = [(2, "h|i"), (5, "a|b"), (6, "x\r\ny|z"), (9, "c"), (9, "d")];
        let want: Vec<(u64, String)> = want.iter().map(|&(l, f)| (l, f.to_string())).collect();
        assert_eq!(got, want);
    }
}
