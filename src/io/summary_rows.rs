//! One row of a customer-summary CSV: which columns hold what, and the parsing and validation
//! of a row's fields, shared by the chunked reader and the `csv`-crate reader of quoted input.

use super::csv_table::Header;
use crate::data::{History, Holdout};
use crate::error::{Error, Num, Quoted, Result};

/// The accepted header names of each column, first the one btyd writes.
pub(crate) const ID: &[&str] = &["customer_id", "ID", "id"];
const FREQUENCY: &[&str] = &["frequency", "x"];
const RECENCY: &[&str] = &["recency", "t_x"];
const AGE: &[&str] = &["T", "age"];
const MONETARY: &[&str] = &["monetary_value", "zbar", "m"];
const FREQUENCY_HOLDOUT: &[&str] = &["frequency_holdout"];
const MONETARY_HOLDOUT: &[&str] = &["monetary_value_holdout"];
const DURATION_HOLDOUT: &[&str] = &["duration_holdout"];

/// The columns of a summary file, found by name in its header.
pub(super) struct Columns {
    pub header: Header,
    id: usize,
    history: [usize; 3],
    monetary: Option<usize>,
    /// `frequency_holdout`, `monetary_value_holdout` (optional), `duration_holdout`.
    holdout: Option<(usize, Option<usize>, usize)>,
}

/// The values of a valid row, without its id.
#[derive(Debug, Clone, Copy)]
pub(super) struct Row {
    pub history: History,
    pub monetary_value: Option<f64>,
    pub holdout: Option<Holdout>,
}

impl Columns {
    /// Finds the columns in `header`: `customer_id`|`ID`|`id`, `frequency`|`x`,
    /// `recency`|`t_x`, `T`|`age`, optionally `monetary_value`|`zbar`|`m`, and optionally
    /// `frequency_holdout` and `duration_holdout` (both or neither) with
    /// `monetary_value_holdout`.
    ///
    /// # Errors
    /// [`Error::InvalidData`] at the header's line naming a missing column.
    pub(super) fn resolve(header: Header) -> Result<Self> {
        let id = header.required(ID)?;
        let history = [
            header.required(FREQUENCY)?,
            header.required(RECENCY)?,
            header.required(AGE)?,
        ];
        let monetary = header.find(MONETARY);
        let holdout = match (
            header.find(FREQUENCY_HOLDOUT),
            header.find(DURATION_HOLDOUT),
        ) {
            (None, None) => None,
            _ => Some((
                header.required(FREQUENCY_HOLDOUT)?,
                header.find(MONETARY_HOLDOUT),
                header.required(DURATION_HOLDOUT)?,
            )),
        };
        Ok(Columns {
            header,
            id,
            history,
            monetary,
            holdout,
        })
    }

    /// Number of fields of every record.
    pub(super) fn len(&self) -> usize {
        self.header.names().len()
    }

    /// Whether the file has a monetary value column.
    pub(super) fn has_monetary(&self) -> bool {
        self.monetary.is_some()
    }

    /// Whether the file has the holdout columns, and with them `monetary_value_holdout`.
    pub(super) fn holdout(&self) -> (bool, bool) {
        match self.holdout {
            Some((_, m, _)) => (true, m.is_some()),
            None => (false, false),
        }
    }

    /// The customer id of a row on line `line` whose trimmed fields `field` gives.
    ///
    /// # Errors
    /// [`Error::InvalidData`] at the id's field for an empty id.
    #[inline]
    pub(super) fn id<'f>(&self, line: u64, field: impl Fn(usize) -> &'f str) -> Result<&'f str> {
        let id = field(self.id);
        if id.is_empty() {
            return Err(Error::InvalidData {
                location: self.header.at(line, self.id),
                reason: "empty customer id".into(),
            });
        }
        Ok(id)
    }

    /// The error of a row on line `line` whose id an earlier row (on line `first`) has.
    pub(super) fn duplicate(&self, line: u64, id: &str, first: u64) -> Error {
        Error::InvalidData {
            location: self.header.at(line, self.id),
            reason: format!(
                "duplicate customer id {} (first on line {first})",
                Quoted(id)
            ),
        }
    }

    /// The values of a row on line `line` whose trimmed fields `field` gives, checked in the
    /// order the columns are listed in [`Columns::resolve`] (history, monetary value, holdout).
    ///
    /// # Errors
    /// [`Error::InvalidData`] with the line (and the field) for a value that is not a finite
    /// number, a history failing [`History::validate`], or an invalid holdout value.
    #[inline]
    pub(super) fn row<'f>(&self, line: u64, field: impl Fn(usize) -> &'f str) -> Result<Row> {
        let number = |col: usize| -> Result<f64> {
            let text = field(col);
            match parse_number(text) {
                Some(v) if v.is_finite() => Ok(v),
                _ => Err(Error::InvalidData {
                    location: self.header.at(line, col),
                    reason: format!("{} is not a finite number", Quoted(text)),
                }),
            }
        };
        let [x, t_x, t] = self.history;
        let history = History {
            frequency: number(x)?,
            recency: number(t_x)?,
            age: number(t)?,
        };
        if let Err(reason) = history.validate() {
            return Err(Error::InvalidData {
                location: self.header.file().at_line(line),
                reason,
            });
        }
        let monetary_value = self.monetary.map(number).transpose()?;
        let holdout = match self.holdout {
            Some((f, m, d)) => {
                let h = Holdout {
                    frequency: number(f)?,
                    monetary_value: m.map(number).transpose()?.unwrap_or(0.0),
                    duration: number(d)?,
                };
                if h.frequency < 0.0 || h.frequency.fract() != 0.0 {
                    return Err(Error::InvalidData {
                        location: self.header.at(line, f),
                        reason: format!("{} is not a non-negative whole number", Num(h.frequency)),
                    });
                }
                if h.duration < 0.0 {
                    return Err(Error::InvalidData {
                        location: self.header.at(line, d),
                        reason: format!("{} is negative", Num(h.duration)),
                    });
                }
                Some(h)
            }
            None => None,
        };
        Ok(Row {
            history,
            monetary_value,
            holdout,
        })
    }
}

/// Powers of ten exactly representable as f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `text` as an f64, exactly as `text.parse::<f64>()` gives it.
///
/// Plain decimals (`123`, `12.25`, `.5`) whose digits make an integer m < 2^53 with at most 22
/// digits after the point are m / 10^k, both exact in f64, so one correctly rounded division
/// gives the correctly rounded value, as the standard parser does (the classic fast path);
/// anything else (signs, exponents, long mantissas, `inf`, `NaN`, errors) goes to the standard
/// parser.
#[inline]
pub(super) fn parse_number(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes.len() > 19 {
        return text.parse().ok();
    }
    let mut mantissa: u64 = 0;
    let mut digits = 0usize;
    let mut point: Option<usize> = None;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                digits += 1;
            }
            b'.' if point.is_none() => point = Some(i),
            _ => return text.parse().ok(),
        }
    }
    let decimals = point.map_or(0, |p| bytes.len() - p - 1);
    if digits == 0 || mantissa > (1 << 53) || decimals >= POW10.len() {
        return text.parse().ok();
    }
    Some(mantissa as f64 / POW10[decimals])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_as_the_standard_parser() {
        for text in [
            "0",
            "00",
            "1",
            "1.",
            ".5",
            ".",
            "",
            "-0",
            "+1",
            "12.285714285714286",
            "76.71428571428571",
            "42.38397607651253",
            "9007199254740993",
            "9007199254740992",
            "0.1",
            "0.30000000000000004",
            "123456789012345678",
            "1234567890123456789",
            "1e3",
            "inf",
            "NaN",
            "1..2",
            "1.2.3",
            "0.0000000000000000000001",
            "0.00000000000000000000001",
            "٣",
        ] {
            let want = text.parse::<f64>().ok().map(f64::to_bits);
            assert_eq!(parse_number(text).map(f64::to_bits), want, "{text:?}");
        }
        // Every decimal with up to 3 + 3 digits.
        for i in 0..1_000_000u32 {
            let text = format!("{}.{:03}", i / 1000, i % 1000);
            assert_eq!(
                parse_number(&text).map(f64::to_bits),
                text.parse::<f64>().ok().map(f64::to_bits),
                "{text}"
            );
        }
    }
}
