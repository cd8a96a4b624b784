//! Reading a CSV table whose columns are found by name, with aliases, and whose errors name the
//! file, line and field. Shared by the summary reader and the BG/BB pattern reader.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::data::log::LineCounter;
use crate::error::{short_list, Error, Location, Quoted, Result};

/// A CSV file with a header, read record by record.
pub(crate) struct CsvTable<R: Read> {
    source: PathBuf,
    header: Vec<String>,
    /// The header's line (1 unless blank lines come first).
    header_line: u64,
    reader: csv::Reader<LineCounter<R>>,
    record: csv::StringRecord,
    /// The current record's line.
    line: u64,
}

impl<R: Read> CsvTable<R> {
    /// Opens a table from a reader; `name` is used in error messages. Fields, header names
    /// included, are trimmed.
    pub(crate) fn new(reader: R, name: impl Into<PathBuf>) -> Result<Self> {
        let source = name.into();
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(LineCounter::new(reader, 1));
        let header = match reader.headers() {
            Ok(h) => h.iter().map(str::to_string).collect(),
            Err(e) => return Err(csv_error(&source, &mut reader, e)),
        };
        let header_line = reader.get_mut().locate(0);
        Ok(CsvTable {
            source,
            header,
            header_line,
            reader,
            record: csv::StringRecord::new(),
            line: header_line,
        })
    }

    /// The file's location, for errors about the whole file.
    pub(crate) fn file(&self) -> Location {
        Location::file(&self.source)
    }

    /// The index of the first column named like one of `aliases`.
    pub(crate) fn find(&self, aliases: &[&str]) -> Option<usize> {
        aliases
            .iter()
            .find_map(|a| self.header.iter().position(|h| h == a))
    }

    /// [`CsvTable::find`], or an error naming the column, the accepted names and the columns.
    pub(crate) fn required(&self, aliases: &[&str]) -> Result<usize> {
        self.find(aliases).ok_or_else(|| Error::InvalidData {
            location: self.file().at_line(self.header_line),
            reason: format!(
                "required column '{}' is missing (accepted names: {}; columns: {})",
                aliases[0],
                aliases.join(", "),
                short_list(&self.header)
            ),
        })
    }

    /// Advances to the next record; false at the end of the file.
    pub(crate) fn next_record(&mut self) -> Result<bool> {
        match self.reader.read_record(&mut self.record) {
            Ok(more) => {
                if let Some(p) = self.record.position().filter(|_| more) {
                    self.line = self.reader.get_mut().locate(p.byte());
                }
                Ok(more)
            }
            Err(e) => Err(csv_error(&self.source, &mut self.reader, e)),
        }
    }

    /// The current record's line number (as an editor shows it).
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// The current record's location, at column `col`.
    pub(crate) fn at(&self, col: usize) -> Location {
        self.file().at_line(self.line()).at_field(&self.header[col])
    }

    /// The current record's text in column `col` (empty when the row is short).
    pub(crate) fn text(&self, col: usize) -> &str {
        self.record.get(col).unwrap_or_default()
    }

    /// The current record's column `col` as a finite number.
    pub(crate) fn number(&self, col: usize) -> Result<f64> {
        let text = self.text(col);
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(Error::InvalidData {
                location: self.at(col),
                reason: format!("{} is not a finite number", Quoted(text)),
            }),
        }
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

/// A malformed-CSV error at the line of the record where it happened.
fn csv_error<R: Read>(
    source: &Path,
    reader: &mut csv::Reader<LineCounter<R>>,
    e: csv::Error,
) -> Error {
    Error::Csv {
        location: Location {
            line: e.position().map(|p| reader.get_mut().locate(p.byte())),
            ..Location::file(source)
        },
        source: e,
    }
}
