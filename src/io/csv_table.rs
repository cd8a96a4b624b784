//! Reading a CSV table whose columns are found by name, with aliases, and whose errors name the
//! file, line and field. Shared by the summary reader and the BG/BB pattern reader.

use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::data::log::LineCounter;
use crate::error::{short_list, Error, Location, Result};

/// The header of a table: its column names (trimmed) and its line.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    source: PathBuf,
    names: Vec<String>,
    /// The header's line (1 unless blank lines come first).
    line: u64,
}

impl Header {
    /// The header `names` found on line `line` of `source`.
    pub(crate) fn new(source: PathBuf, names: Vec<String>, line: u64) -> Self {
        Header {
            source,
            names,
            line,
        }
    }

    /// The file's location, for errors about the whole file.
    pub(crate) fn file(&self) -> Location {
        Location::file(&self.source)
    }

    /// The file's name as given.
    pub(crate) fn source(&self) -> &Path {
        &self.source
    }

    /// The column names.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// The line of the header.
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// The location of column `col` on line `line`.
    pub(crate) fn at(&self, line: u64, col: usize) -> Location {
        self.file().at_line(line).at_field(&self.names[col])
    }

    /// The index of the first column named like one of `aliases`.
    pub(crate) fn find(&self, aliases: &[&str]) -> Option<usize> {
        aliases
            .iter()
            .find_map(|a| self.names.iter().position(|h| h == a))
    }

    /// [`Header::find`], or an error naming the column, the accepted names and the columns.
    pub(crate) fn required(&self, aliases: &[&str]) -> Result<usize> {
        self.find(aliases).ok_or_else(|| Error::InvalidData {
            location: self.file().at_line(self.line),
            reason: format!(
                "required column '{}' is missing (accepted names: {}; columns: {})",
                aliases[0],
                aliases.join(", "),
                short_list(&self.names)
            ),
        })
    }
}

/// Where a [`CsvTable`] resumes reading a file whose beginning was read otherwise: the
/// position the `csv` crate would have reached there reading the whole file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResumeAt {
    /// Byte offset in the file (byte-order mark included).
    pub byte: u64,
    /// The `csv` crate's line count there: 1 + the number of `\n` before `byte`.
    pub line: u64,
    /// Number of records (the header included) before `byte`.
    pub record: u64,
}

/// The input of a resumed table's `csv` reader: first the header record alone, then, once the
/// reader seeks (after it has read the header), the rest of the file.
struct Resumable<R> {
    header: Option<Cursor<Vec<u8>>>,
    inner: R,
}

impl<R: Read> Read for Resumable<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.header {
            Some(header) => header.read(buf),
            None => self.inner.read(buf),
        }
    }
}

impl<R> Seek for Resumable<R> {
    /// Ends the header part; the position is not used.
    fn seek(&mut self, _: SeekFrom) -> io::Result<u64> {
        self.header = None;
        Ok(0)
    }
}

/// A CSV file with a header, read record by record.
pub(crate) struct CsvTable<R: Read> {
    header: Header,
    reader: csv::Reader<Resumable<LineCounter<R>>>,
    /// The byte offset in the file of the input's first byte.
    base: u64,
    record: csv::StringRecord,
    /// The current record's line.
    line: u64,
}

impl<R: Read> CsvTable<R> {
    /// Opens a table from a reader; `name` is used in error messages. Fields, header names
    /// included, are trimmed.
    pub(crate) fn new(reader: R, name: impl Into<PathBuf>) -> Result<Self> {
        let source = name.into();
        let input = Resumable {
            header: None,
            inner: LineCounter::new(reader, 1),
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(input);
        let names = match reader.headers() {
            Ok(h) => h.iter().map(str::to_string).collect(),
            Err(e) => return Err(csv_error(&source, &mut reader, 0, e)),
        };
        let header_line = reader.get_mut().inner.locate(0);
        Ok(CsvTable {
            header: Header::new(source, names, header_line),
            reader,
            base: 0,
            record: csv::StringRecord::new(),
            line: header_line,
        })
    }

    /// Resumes reading a table at `at`: `reader` holds the file from there on, its first byte
    /// on line `first_line`; `header_record` is the raw text of the header record (without
    /// its line terminator), from which the `csv` crate takes the number of fields every
    /// record must have. Records, errors and their positions are then those of a table read
    /// from the start of the file.
    pub(crate) fn resume(
        reader: R,
        header: Header,
        header_record: &[u8],
        at: ResumeAt,
        first_line: u64,
    ) -> Result<Self> {
        let mut head = header_record.to_vec();
        head.push(b'\n');
        let input = Resumable {
            header: Some(Cursor::new(head)),
            inner: LineCounter::new(reader, first_line),
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(input);
        let mut pos = csv::Position::new();
        pos.set_byte(at.byte)
            .set_line(at.line)
            .set_record(at.record);
        if let Err(e) = reader.seek_raw(SeekFrom::Start(0), pos) {
            return Err(csv_error(header.source(), &mut reader, at.byte, e));
        }
        Ok(CsvTable {
            line: header.line(),
            header,
            reader,
            base: at.byte,
            record: csv::StringRecord::new(),
        })
    }

    /// The header.
    pub(crate) fn header(&self) -> &Header {
        &self.header
    }

    /// The file's location, for errors about the whole file.
    pub(crate) fn file(&self) -> Location {
        self.header.file()
    }

    /// The index of the first column named like one of `aliases`.
    pub(crate) fn find(&self, aliases: &[&str]) -> Option<usize> {
        self.header.find(aliases)
    }

    /// [`Header::required`].
    pub(crate) fn required(&self, aliases: &[&str]) -> Result<usize> {
        self.header.required(aliases)
    }

    /// Advances to the next record; false at the end of the file.
    pub(crate) fn next_record(&mut self) -> Result<bool> {
        match self.reader.read_record(&mut self.record) {
            Ok(more) => {
                if let Some(p) = self.record.position().filter(|_| more) {
                    let start = p.byte().saturating_sub(self.base);
                    self.line = self.reader.get_mut().inner.locate(start);
                }
                Ok(more)
            }
            Err(e) => Err(csv_error(
                self.header.source(),
                &mut self.reader,
                self.base,
                e,
            )),
        }
    }

    /// The current record's line number (as an editor shows it).
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// The current record's location, at column `col`.
    pub(crate) fn at(&self, col: usize) -> Location {
        self.header.at(self.line(), col)
    }

    /// The current record's text in column `col` (empty when the row is short).
    pub(crate) fn text(&self, col: usize) -> &str {
        self.record.get(col).unwrap_or_default()
    }
}

/// How many invalid rows an error message lists.
const MAX_REPORTED_ROWS: usize = 10;

/// The invalid rows of a file: all are counted, the first [`MAX_REPORTED_ROWS`] kept.
#[derive(Default)]
pub(crate) struct RowErrors {
    count: usize,
    first: Vec<Error>,
}

impl RowErrors {
    /// Records one invalid row.
    pub(crate) fn push(&mut self, e: Error) {
        self.count += 1;
        if self.first.len() < MAX_REPORTED_ROWS {
            self.first.push(e);
        }
    }

    /// Whether the next error pushed would be kept (the first ones are).
    pub(crate) fn keeps_more(&self) -> bool {
        self.first.len() < MAX_REPORTED_ROWS
    }

    /// Counts one invalid row whose error is not kept (see [`RowErrors::keeps_more`]).
    pub(crate) fn count(&mut self) {
        self.count += 1;
    }

    /// Whether no invalid row was recorded.
    pub(crate) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Ok without errors; the error itself for one bad row; for several, one error at the file
    /// listing the first ones, each with its line and field.
    pub(crate) fn into_result(mut self, file: &Location) -> Result<()> {
        match self.count {
            0 => Ok(()),
            1 => Err(self.first.remove(0)),
            n => Err(Error::InvalidData {
                location: file.clone(),
                reason: format!(
                    "{n} invalid rows{}:\n  {}",
                    if n > self.first.len() {
                        format!(" (the first {})", self.first.len())
                    } else {
                        String::new()
                    },
                    self.first
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n  ")
                ),
            }),
        }
    }
}

/// A malformed-CSV error at the line of the record where it happened; `base` is the file
/// offset of the reader's input.
fn csv_error<R: Read>(
    source: &Path,
    reader: &mut csv::Reader<Resumable<LineCounter<R>>>,
    base: u64,
    e: csv::Error,
) -> Error {
    Error::Csv {
        location: Location {
            line: e
                .position()
                .map(|p| reader.get_mut().inner.locate(p.byte().saturating_sub(base))),
            ..Location::file(source)
        },
        source: e,
    }
}
