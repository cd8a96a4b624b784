//! Stage 1 of reading a log: splitting the input into chunks of whole lines.
//!
//! The input is read sequentially in large blocks and cut after the last line terminator of
//! each block, so every chunk holds whole records and can be parsed on its own, in parallel
//! with the others. Each chunk knows the line number of its first byte (lines are counted by
//! `\n`), so errors found in it name the right line of the file.
//!
//! Splitting at line ends is only valid for fields that cannot contain a line break: quoted
//! CSV fields can. A chunk containing a quote is therefore not handed out; the reader stops
//! there and returns the rest of the input so that the caller can read it with the full CSV
//! parser (see `Tail`).

use std::io::{self, Read};

/// Target size of a chunk: large enough to amortise the per-chunk work, small enough that a
/// batch of chunks for all threads stays a few MiB.
pub(super) const CHUNK_BYTES: usize = 1 << 20;

/// Capacity of the buffered readers of the input (before chunking, and in the sequential
/// reader).
pub(super) const BUFFER: usize = 1 << 16;

/// How records and fields are delimited in a chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// CSV without quoting: records end at `\r`, `\n` or `\r\n`, empty records are skipped,
    /// fields are separated by one byte. (Files with quotes go to the `csv` crate.)
    Csv(u8),
    /// Lines end at `\n`; fields are runs of non-whitespace; blank lines are skipped.
    Whitespace,
}

impl Layout {
    fn is_terminator(self, b: u8) -> bool {
        match self {
            Layout::Csv(_) => b == b'\n' || b == b'\r',
            Layout::Whitespace => b == b'\n',
        }
    }
}

/// A run of whole records of the input.
pub(crate) struct Chunk {
    /// The 1-based line number of the chunk's first byte.
    pub first_line: u64,
    /// The bytes, ending with a line terminator except at the end of the input.
    pub bytes: Vec<u8>,
    /// Number of `\n` in `bytes` when read: a bound (give or take one) on its records, to
    /// size the buffers of its rows.
    pub lines: u64,
}

/// The rest of the input from a chunk containing a quote: its bytes and line number, to be
/// read (followed by the unread input) with the full CSV parser.
pub(crate) struct Tail {
    /// The 1-based line number of the first byte of `bytes`.
    pub first_line: u64,
    /// Input already read from the reader but not handed out as chunks.
    pub bytes: Vec<u8>,
}

/// What [`ChunkReader::next_chunk`] found.
pub(crate) enum Next {
    /// A chunk of whole records without quotes.
    Chunk(Chunk),
    /// A chunk with a quote: the rest of the input must be read by the CSV parser.
    Quoted(Tail),
    /// The end of the input.
    End,
}

/// Reads `R` in blocks and hands out [`Chunk`]s of whole lines.
pub(crate) struct ChunkReader<R: Read> {
    reader: R,
    layout: Layout,
    /// Bytes read but not yet handed out (an incomplete last line).
    carry: Vec<u8>,
    next_line: u64,
    eof: bool,
    /// Buffers of chunks already parsed, handed back by [`ChunkReader::recycle`] so that the
    /// next chunks reuse their memory instead of faulting in fresh pages.
    spare: Vec<Vec<u8>>,
}

/// Most buffers [`ChunkReader::recycle`] keeps: two batches of chunks (one being parsed, one
/// being read) and a few more.
const MAX_SPARE: usize = 34;

impl<R: Read> ChunkReader<R> {
    pub(crate) fn new(reader: R, layout: Layout) -> Self {
        ChunkReader {
            reader,
            layout,
            carry: Vec::new(),
            next_line: 1,
            eof: false,
            spare: Vec::new(),
        }
    }

    /// Takes back the buffer of a chunk that is no longer needed, for a later chunk.
    pub(crate) fn recycle(&mut self, mut buf: Vec<u8>) {
        if self.spare.len() < MAX_SPARE && buf.capacity() >= CHUNK_BYTES {
            buf.clear();
            self.spare.push(buf);
        }
    }

    /// The reader, for reading the rest of the input after a [`Next::Quoted`].
    pub(crate) fn into_inner(self) -> R {
        self.reader
    }

    /// The next chunk; at least [`CHUNK_BYTES`] long unless it is the last one.
    ///
    /// # Errors
    /// An I/O error from the reader; the chunks handed out before it are unaffected.
    pub(crate) fn next_chunk(&mut self) -> io::Result<Next> {
        let mut buf = self.spare.pop().unwrap_or_default();
        buf.clear();
        buf.reserve(CHUNK_BYTES + CHUNK_BYTES / 8 + self.carry.len());
        buf.extend_from_slice(&self.carry);
        self.carry.clear();
        // Bytes already known to hold no terminator, so that a long line is scanned once.
        let mut scanned = 0;
        let cut = loop {
            while !self.eof && buf.len() < CHUNK_BYTES.max(scanned + 1) {
                if buf.len() == buf.capacity() {
                    buf.reserve(buf.len());
                }
                let len = buf.len();
                let spare = buf.capacity() - len;
                buf.resize(len + spare, 0);
                match self.reader.read(&mut buf[len..]) {
                    Ok(0) => {
                        buf.truncate(len);
                        self.eof = true;
                    }
                    Ok(n) => buf.truncate(len + n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => buf.truncate(len),
                    Err(e) => {
                        buf.truncate(len);
                        self.carry.clear();
                        self.carry.extend_from_slice(&buf);
                        self.recycle(buf);
                        return Err(e);
                    }
                }
            }
            if self.eof {
                break buf.len();
            }
            match buf[scanned..]
                .iter()
                .rposition(|&b| self.layout.is_terminator(b))
            {
                Some(i) => break scanned + i + 1,
                None => scanned = buf.len(),
            }
        };
        if buf.is_empty() {
            self.recycle(buf);
            return Ok(Next::End);
        }
        self.carry.extend_from_slice(&buf[cut..]);
        buf.truncate(cut);
        let first_line = self.next_line;
        if matches!(self.layout, Layout::Csv(_)) && buf.contains(&b'"') {
            buf.extend_from_slice(&self.carry);
            self.carry.clear();
            return Ok(Next::Quoted(Tail {
                first_line,
                bytes: buf,
            }));
        }
        let lines = count_newlines(&buf);
        self.next_line += lines;
        Ok(Next::Chunk(Chunk {
            first_line,
            bytes: buf,
            lines,
        }))
    }
}

/// Runs `work` on another thread while `read` runs on this one, and returns both results: the
/// chunk readers read the next batch of chunks (on the thread that owns the input, which need
/// not be `Send`) while the previous batch is parsed by the thread pool.
///
/// # Panics
/// As the thread pool itself, when the system cannot start a thread; a panic in `work` is
/// resumed here.
pub(crate) fn overlap<A: Send, B>(
    work: impl FnOnce() -> A + Send,
    read: impl FnOnce() -> B,
) -> (A, B) {
    std::thread::scope(|scope| {
        let handle = scope.spawn(work);
        let b = read();
        match handle.join() {
            Ok(a) => (a, b),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Number of `\n` bytes: counted in byte-wide lanes over blocks of 255 bytes (so that no
/// lane overflows), a loop the compiler vectorises 64 bytes at a time.
pub(crate) fn count_newlines(bytes: &[u8]) -> u64 {
    bytes
        .chunks(255)
        .map(|block| {
            let n = block.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n'));
            u64::from(n)
        })
        .sum()
}

/// The non-empty records of a chunk with their line numbers.
pub(crate) struct Records<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
    layout: Layout,
}

impl<'a> Records<'a> {
    pub(crate) fn new(bytes: &'a [u8], first_line: u64, layout: Layout) -> Self {
        Records {
            bytes,
            pos: 0,
            line: first_line,
            layout,
        }
    }

    /// The byte offset just after the last record returned (and its terminator).
    pub(crate) fn offset(&self) -> usize {
        self.pos
    }

    /// The line number at [`Records::offset`].
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// The next record and its line, skipping empty ones (blank lines in whitespace layout).
    pub(crate) fn next_record(&mut self, fields: &mut Vec<(usize, usize)>) -> Option<u64> {
        match self.layout {
            Layout::Csv(d) => self.next_delimited(d, fields),
            Layout::Whitespace => self.next_whitespace(fields),
        }
    }

    /// [`Records::next_record`] for CSV: the record is cut into fields in the same pass that
    /// finds its end.
    #[inline]
    fn next_delimited(&mut self, delimiter: u8, fields: &mut Vec<(usize, usize)>) -> Option<u64> {
        let bytes = self.bytes;
        while self.pos < bytes.len() {
            let start = self.pos;
            let line = self.line;
            fields.clear();
            let mut field = start;
            let mut end = bytes.len();
            for (i, &b) in bytes[start..].iter().enumerate() {
                if b == b'\n' || b == b'\r' {
                    end = start + i;
                    break;
                } else if b == delimiter {
                    fields.push((field, start + i));
                    field = start + i + 1;
                }
            }
            if end < bytes.len() {
                if bytes[end] == b'\n' {
                    self.line += 1;
                }
                self.pos = end + 1;
            } else {
                self.pos = end;
            }
            if end > start {
                fields.push((field, end));
                return Some(line);
            }
        }
        fields.clear();
        None
    }

    /// [`Records::next_record`] for whitespace-separated fields.
    fn next_whitespace(&mut self, fields: &mut Vec<(usize, usize)>) -> Option<u64> {
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let rest = &self.bytes[start..];
            let end = rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(self.bytes.len(), |i| start + i);
            let line = self.line;
            if end < self.bytes.len() {
                self.line += 1;
                self.pos = end + 1;
            } else {
                self.pos = end;
            }
            split_whitespace(&self.bytes[start..end], fields);
            if !fields.is_empty() {
                for f in fields.iter_mut() {
                    *f = (f.0 + start, f.1 + start);
                }
                return Some(line);
            }
        }
        None
    }
}

/// The (start, end) byte ranges of the whitespace-separated fields of `line`.
pub(super) fn split_whitespace(line: &[u8], fields: &mut Vec<(usize, usize)>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &[u8], layout: Layout) -> Vec<(u64, Vec<String>)> {
        let mut r = Records::new(text, 1, layout);
        let mut f = Vec::new();
        let mut out = Vec::new();
        while let Some(line) = r.next_record(&mut f) {
            let fields = f
                .iter()
                .map(|&(s, e)| String::from_utf8_lossy(&text[s..e]).into_owned())
                .collect();
            out.push((line, fields));
        }
        out
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
    fn numbers_records_by_their_first_line() {
        let got = records(b"h\na,b\n\n\nc\r\nd\re,\n", Layout::Csv(b','));
        let want: Vec<(u64, Vec<String>)> = vec![
            (1, vec!["h".into()]),
            (2, vec!["a".into(), "b".into()]),
            (5, vec!["c".into()]),
            (6, vec!["d".into()]),
            (6, vec!["e".into(), String::new()]),
        ];
        assert_eq!(got, want);
        let got = records(b" a  b\r\n\n \t\nc", Layout::Whitespace);
        let want: Vec<(u64, Vec<String>)> =
            vec![(1, vec!["a".into(), "b".into()]), (4, vec!["c".into()])];
        assert_eq!(got, want);
    }

    #[test]
    fn counts_newlines_over_long_runs() {
        let mut text = vec![b'\n'; 1000];
        text.extend(std::iter::repeat_n(b'a', 300));
        text.extend(std::iter::repeat_n(b'\n', 517));
        for end in [0, 1, 254, 255, 256, 1000, 1299, 1300, text.len()] {
            let want = text[..end].iter().filter(|&&b| b == b'\n').count() as u64;
            assert_eq!(count_newlines(&text[..end]), want, "first {end} bytes");
        }
    }

    #[test]
    fn overlap_returns_both_results() {
        let data = [1u64, 2, 3];
        let mut read = 0;
        let (sum, ()) = overlap(|| data.iter().sum::<u64>(), || read += 1);
        assert_eq!((sum, read), (6, 1));
    }

    #[test]
    fn cuts_chunks_at_line_ends_and_stops_at_quotes() {
        let mut text = Vec::new();
        for i in 0..200_000 {
            text.extend_from_slice(format!("{i},2020-01-01,1\n").as_bytes());
        }
        text.extend_from_slice(b"\"q\nq\",2020-01-01,1\nlast");
        let mut reader = ChunkReader::new(&text[..], Layout::Csv(b','));
        let (mut lines, mut bytes) = (1, 0);
        loop {
            match reader.next_chunk().unwrap() {
                Next::Chunk(c) => {
                    assert_eq!(c.first_line, lines);
                    assert_eq!(c.bytes.last(), Some(&b'\n'));
                    assert_eq!(c.lines, count_newlines(&c.bytes));
                    lines += c.lines;
                    bytes += c.bytes.len();
                    assert_eq!(&text[bytes - c.bytes.len()..bytes], &c.bytes[..]);
                    // Reused buffers must not leak a chunk's bytes into the next one.
                    reader.recycle(c.bytes);
                }
                Next::Quoted(t) => {
                    assert_eq!(t.first_line, lines);
                    assert_eq!(&text[bytes..bytes + t.bytes.len()], &t.bytes[..]);
                    let rest = reader.into_inner();
                    assert_eq!(bytes + t.bytes.len() + rest.len(), text.len());
                    break;
                }
                Next::End => panic!("the quote was missed"),
            }
        }
    }
}
