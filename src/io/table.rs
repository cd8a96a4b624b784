//! CSV tables written by the commands (predictions, CLV, comparisons): a header, rows of text and numbers, written atomically,
//! refusing non-finite numbers (a missing value is an empty cell, never `NaN`).

use std::path::Path;

use super::{atomic_write, write_error};
use crate::error::{Error, Location, Num, Result};

/// A CSV cell.
pub enum Cell {
    /// Text, written as is.
    Text(String),
    /// A number; must be finite. Written in its shortest round-trip form ([`Num`]).
    Num(f64),
    /// A missing value.
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<f64> for Cell {
    fn from(v: f64) -> Self {
        Cell::Num(v)
    }
}

impl From<Option<f64>> for Cell {
    fn from(v: Option<f64>) -> Self {
        v.map_or(Cell::Empty, Cell::Num)
    }
}

/// A table collected in memory (small tables such as `btyd compare`'s).
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Rows, one cell per column.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(header: Vec<String>) -> Self {
        Table {
            header,
            rows: Vec::new(),
        }
    }

    /// Writes the table (see [`write_table`]).
    ///
    /// # Errors
    /// Those of [`write_table`].
    pub fn write(self, path: &Path) -> Result<()> {
        write_table(path, &self.header, self.rows)
    }
}

/// Writes `header` and `rows` as CSV to `path` (`-` is stdout) through a temporary file; a
/// non-finite number aborts the write, naming the column and row, and leaves no file.
///
/// # Errors
/// [`Error::InvalidData`] naming the column and row of a non-finite number; [`Error::Io`].
pub fn write_table<H: AsRef<str>>(
    path: &Path,
    header: &[H],
    rows: impl IntoIterator<Item = Vec<Cell>>,
) -> Result<()> {
    let mut bad = None;
    let written = atomic_write(path, |w| {
        let mut out = csv::Writer::from_writer(w);
        let csv_err = |e: csv::Error| write_error(std::io::Error::other(e));
        out.write_record(header.iter().map(AsRef::as_ref))
            .map_err(csv_err)?;
        for (i, row) in rows.into_iter().enumerate() {
            let mut fields = Vec::with_capacity(row.len());
            for (name, cell) in header.iter().zip(row) {
                fields.push(match cell {
                    Cell::Text(s) => s,
                    Cell::Num(v) if v.is_finite() => Num(v).to_string(),
                    Cell::Num(v) => {
                        bad = Some(format!(
                            "column {} of row {} would hold {v}",
                            name.as_ref(),
                            i + 1
                        ));
                        return Err(write_error(std::io::Error::other("non-finite value")));
                    }
                    Cell::Empty => String::new(),
                });
            }
            out.write_record(&fields).map_err(csv_err)?;
        }
        out.flush().map_err(write_error)
    });
    if let Some(reason) = bad {
        return Err(Error::InvalidData {
            location: Location::file(path),
            reason,
        });
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_cells_and_refuses_non_finite_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let rows = vec![
            vec!["a".into(), 1.5.into(), None.into()],
            vec!["b,c".into(), 2.0.into(), Some(3.0).into()],
        ];
        write_table(&path, &["id", "x", "y"], rows).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "id,x,y\na,1.5,\n\"b,c\",2,3\n"
        );
        let bad = dir.path().join("bad.csv");
        let err =
            write_table(&bad, &["id", "x"], vec![vec!["a".into(), f64::NAN.into()]]).unwrap_err();
        assert!(
            err.to_string().contains("column x of row 1 would hold NaN"),
            "{err}"
        );
        assert!(!bad.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }
}
