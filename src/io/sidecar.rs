//! The time unit travels with a summary: `btyd summary -o S.csv` also writes `S.csv.btyd.json`,
//! a small sidecar saying in which unit recency and T are (and whether the summary is the
//! discrete-time one, and its dates), so that `fit`, `predict` and `clv` can refuse a summary in
//! another unit than the model's instead of silently predicting with the wrong scale. The CSV
//! itself is unchanged, so pandas and every other tool read it as before.
//!
//! The sidecar records the size of the CSV it describes; when the CSV has been rewritten since
//! (by another tool), the sidecar is stale and ignored.
//!
//! ```json
//! {"format": "btyd-summary", "format_version": 1, "time_unit": "week", "discrete": false,
//!  "calibration_end": "1997-09-30", "observation_end": "1998-06-30", "bytes": 81234}
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::data::TimeUnit;
use crate::error::{Error, Location, Result};

/// The `format` field of a summary sidecar.
pub const FORMAT: &str = "btyd-summary";

/// What a summary's sidecar says about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryMeta {
    /// Always [`FORMAT`].
    pub format: String,
    /// 1.
    pub format_version: u32,
    /// Unit of recency and T (for a discrete summary: the length of one opportunity).
    pub time_unit: TimeUnit,
    /// Whether this is the discrete-time (BG/BB) summary of `summary --discrete`.
    pub discrete: bool,
    /// End of the calibration period, YYYY-MM-DD, when the summary was split.
    pub calibration_end: Option<String>,
    /// End of observation, YYYY-MM-DD.
    pub observation_end: Option<String>,
    /// Size in bytes of the CSV it describes.
    pub bytes: u64,
}

impl SummaryMeta {
    /// The sidecar of a summary in `unit` (dates as YYYY-MM-DD), for a CSV of `bytes` bytes.
    pub fn new(
        time_unit: TimeUnit,
        discrete: bool,
        calibration_end: Option<chrono::NaiveDate>,
        observation_end: Option<chrono::NaiveDate>,
        bytes: u64,
    ) -> Self {
        SummaryMeta {
            format: FORMAT.into(),
            format_version: 1,
            time_unit,
            discrete,
            calibration_end: calibration_end.map(|d| d.to_string()),
            observation_end: observation_end.map(|d| d.to_string()),
            bytes,
        }
    }
}

/// The sidecar path of a summary CSV: `NAME.btyd.json` next to it.
pub fn sidecar_path(csv: &Path) -> PathBuf {
    let mut name = csv.as_os_str().to_owned();
    name.push(".btyd.json");
    PathBuf::from(name)
}

/// Writes the sidecar of `csv`, which must be a regular file just written (its size is
/// recorded). Outputs that are not regular files (stdout, devices, FIFOs) get none.
///
/// # Errors
/// [`Error::Io`] when the CSV's size cannot be read or the sidecar cannot be written.
pub fn write_sidecar(csv: &Path, meta: impl FnOnce(u64) -> SummaryMeta) -> Result<()> {
    let io_error = |source| Error::Io {
        path: csv.to_path_buf(),
        source,
    };
    if csv.as_os_str() == "-" {
        return Ok(());
    }
    let m = std::fs::metadata(csv).map_err(io_error)?;
    if !m.is_file() {
        return Ok(());
    }
    let meta = meta(m.len());
    let path = sidecar_path(csv);
    super::atomic_write(&path, |w| {
        serde_json::to_writer_pretty(&mut *w, &meta).map_err(|e| Error::InvalidData {
            location: Location::file(&path),
            reason: format!("cannot serialise the summary metadata: {e}"),
        })?;
        w.write_all(b"\n").map_err(super::write_error)
    })
}

/// What is known about a summary CSV from its sidecar.
#[derive(Debug, Clone, PartialEq)]
pub enum Sidecar {
    /// No sidecar: a CSV from elsewhere.
    Absent,
    /// A sidecar for an earlier version of the CSV (its size differs): ignored.
    Stale,
    /// The sidecar of this CSV.
    Valid(SummaryMeta),
}

/// Reads the sidecar of `csv`, if any.
///
/// # Errors
/// [`Error::InvalidData`] naming the sidecar when it exists but is not one.
pub fn read_sidecar(csv: &Path) -> Result<Sidecar> {
    let path = sidecar_path(csv);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Sidecar::Absent),
        Err(source) => return Err(Error::Io { path, source }),
    };
    let meta: SummaryMeta = serde_json::from_str(&text).map_err(|e| Error::InvalidData {
        location: Location::file(&path).at_line(e.line() as u64),
        reason: format!("not a btyd summary sidecar: {e}"),
    })?;
    if meta.format != FORMAT || meta.format_version != 1 {
        return Err(Error::InvalidData {
            location: Location::file(&path),
            reason: format!(
                "format {} version {} is not a btyd summary sidecar version 1",
                meta.format, meta.format_version
            ),
        });
    }
    let bytes = std::fs::metadata(csv).map(|m| m.len()).ok();
    Ok(if bytes == Some(meta.bytes) {
        Sidecar::Valid(meta)
    } else {
        Sidecar::Stale
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_staleness() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("s.csv");
        std::fs::write(&csv, "customer_id,frequency,recency,T\n").unwrap();
        assert_eq!(read_sidecar(&csv).unwrap(), Sidecar::Absent);
        write_sidecar(&csv, |b| {
            SummaryMeta::new(TimeUnit::Day, false, None, None, b)
        })
        .unwrap();
        assert_eq!(sidecar_path(&csv), dir.path().join("s.csv.btyd.json"));
        match read_sidecar(&csv).unwrap() {
            Sidecar::Valid(m) => assert_eq!(m.time_unit, TimeUnit::Day),
            other => panic!("{other:?}"),
        }
        std::fs::write(&csv, "customer_id,frequency,recency,T\na,0,0,1\n").unwrap();
        assert_eq!(read_sidecar(&csv).unwrap(), Sidecar::Stale);
        std::fs::write(sidecar_path(&csv), "{").unwrap();
        let err = read_sidecar(&csv).unwrap_err();
        assert!(err.to_string().contains("s.csv.btyd.json"), "{err}");
    }
}
