//! Input and output files: summary and pattern CSVs, model files, output tables, plots, and the
//! atomic-write helper every output goes through. This module converts values to and from
//! files; it never fits or decides anything.

pub mod comparison;
pub(crate) mod csv_table;
pub mod model_file;
mod opportunity_csv;
pub mod outputs;
pub mod plot;
pub mod schema;
mod summary_csv;
pub mod table;

pub use model_file::ModelFile;
pub use opportunity_csv::{
    read_customer_data, read_opportunity_patterns, read_opportunity_patterns_from,
};
pub use outputs::{write_clv, write_predictions};
pub use summary_csv::{read_summary, read_summary_from, write_summary};
pub use table::{write_table, Cell, Table};

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Writes an output file atomically: `write` fills a temporary file in the same directory,
/// which is then renamed over `path`. If `write` fails (or panics) the temporary file is
/// removed, so a partial output is never left behind. The path `-` writes to stdout instead.
///
/// An [`Error::Io`] with an empty path returned by `write` (as [`write_error`] makes) gets
/// `path` filled in, so writers need not know the file name.
///
/// # Errors
/// The error of `write`, or [`Error::Io`] naming `path` when the file cannot be created,
/// flushed or renamed.
pub fn atomic_write<F>(path: &Path, write: F) -> Result<()>
where
    F: FnOnce(&mut dyn Write) -> Result<()>,
{
    let io_error = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let name_path = |e: Error| match e {
        Error::Io { path: p, source } if p.as_os_str().is_empty() => io_error(source),
        e => e,
    };
    if path.as_os_str() == "-" {
        let mut out = BufWriter::new(std::io::stdout().lock());
        write(&mut out).map_err(name_path)?;
        return out.flush().map_err(io_error);
    }
    let temp = TempFile::create(path).map_err(io_error)?;
    let mut out = BufWriter::new(&temp.file);
    write(&mut out).map_err(name_path)?;
    out.flush().map_err(io_error)?;
    drop(out);
    temp.persist(path).map_err(io_error)
}

/// An I/O error while writing an output whose path the caller does not know; see
/// [`atomic_write`], which fills the path in.
pub fn write_error(source: std::io::Error) -> Error {
    Error::Io {
        path: PathBuf::new(),
        source,
    }
}

/// A temporary file that is removed on drop unless persisted.
struct TempFile {
    path: PathBuf,
    file: File,
    persisted: bool,
}

impl TempFile {
    /// Creates `.NAME.PID-N.tmp` next to `target`.
    fn create(target: &Path) -> std::io::Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = target.file_name().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name")
        })?;
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(
            ".{}.{}-{n}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = File::options().write(true).create_new(true).open(&path)?;
        Ok(TempFile {
            path,
            file,
            persisted: false,
        })
    }

    fn persist(mut self, target: &Path) -> std::io::Result<()> {
        self.file.sync_all()?;
        fs::rename(&self.path, target)?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn writes_whole_files_and_leaves_nothing_on_error() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.csv");
        atomic_write(&out, |w| w.write_all(b"a,b\n").map_err(write_error)).unwrap();
        assert_eq!(fs::read_to_string(&out).unwrap(), "a,b\n");

        let err = atomic_write(&out, |w| {
            w.write_all(b"partial").map_err(write_error)?;
            Err(Error::NoData {
                what: "boom".into(),
                reason: "test".into(),
            })
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "boom: test");
        assert_eq!(fs::read_to_string(&out).unwrap(), "a,b\n", "old file kept");
        assert_eq!(entries(dir.path()), ["out.csv"], "no temp file left");

        let err = atomic_write(&out, |_| {
            Err(write_error(std::io::Error::other("disk full")))
        })
        .unwrap_err();
        assert!(err.to_string().contains("out.csv: disk full"), "{err}");
    }

    #[test]
    fn fails_cleanly_in_a_missing_directory() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("no/such/dir/out.csv");
        let err = atomic_write(&out, |_| Ok(())).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
        assert!(err.to_string().contains("out.csv"), "{err}");
    }
}
