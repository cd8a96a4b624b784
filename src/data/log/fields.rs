//! Checks on the text of one field, and the [`Error::InvalidData`] they report.

use std::path::Path;

use crate::error::{Error, Location, Quoted, Result};

/// An [`Error::InvalidData`] at `location`.
pub(super) fn invalid(location: Location, reason: impl Into<String>) -> Error {
    Error::InvalidData {
        location,
        reason: reason.into(),
    }
}

/// The error of a log without a transaction.
pub(super) fn empty_log(source: &Path) -> Error {
    invalid(Location::file(source), "the log is empty: no transactions")
}

/// The field as UTF-8 text, or an error at `at()` naming the first invalid byte.
pub(super) fn utf8(raw: &[u8], at: impl Fn() -> Location) -> Result<&str> {
    std::str::from_utf8(raw).map_err(|e| {
        let offset = e.valid_up_to();
        invalid(
            at(),
            format!(
                "not valid UTF-8 (byte 0x{:02x} at offset {offset})",
                raw[offset]
            ),
        )
    })
}

/// The text of a field: raw bytes, checked as UTF-8 when read, or text already known to be
/// UTF-8 (a chunk checked whole).
pub(super) trait FieldText<'f>: Copy {
    /// The field as UTF-8 text, or an error at `at()` naming the first invalid byte.
    fn text(self, at: impl Fn() -> Location) -> Result<&'f str>;
}

impl<'f> FieldText<'f> for &'f [u8] {
    #[inline]
    fn text(self, at: impl Fn() -> Location) -> Result<&'f str> {
        utf8(self, at)
    }
}

impl<'f> FieldText<'f> for &'f str {
    #[inline]
    fn text(self, _: impl Fn() -> Location) -> Result<&'f str> {
        Ok(self)
    }
}

/// A finite amount; negative only when allowed.
pub(super) fn parse_amount(text: &str, allow_negative: bool) -> std::result::Result<f64, String> {
    let v: f64 = text
        .parse()
        .map_err(|_| format!("amount {} is not a number", Quoted(text)))?;
    if !v.is_finite() {
        return Err(format!("amount {} is not a finite number", Quoted(text)));
    }
    if v < 0.0 && !allow_negative {
        return Err(format!(
            "amount {} is negative (returns are rejected unless allowed)",
            Quoted(text)
        ));
    }
    Ok(v)
}
