//! The reader's plain values: the options ([`ColumnSpec`], [`Delimiter`], [`ReadOptions`]) and
//! the log it returns ([`Transactions`], read through [`CustomerLog`] views).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use chrono::NaiveDate;

use rayon::prelude::*;

use super::arena::{CustomerLog, Customers};
use crate::data::time::DateFormat;
use crate::error::{Error, Quoted, Result};

/// A column of the log: a header name, or a 1-based index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnSpec {
    /// The column with this header name.
    Name(String),
    /// The column at this 1-based position.
    Index(usize),
}

impl FromStr for ColumnSpec {
    type Err = Error;

    /// A whole number is a 1-based index; anything else is a header name.
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Error::InvalidOption {
                name: "column name",
                value: "''".into(),
                reason: "cannot be empty".into(),
            });
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(ColumnSpec::Name(s.to_string()));
        }
        match s.parse::<usize>() {
            Ok(i) if i >= 1 => Ok(ColumnSpec::Index(i)),
            _ => Err(Error::InvalidOption {
                name: "column index",
                value: Quoted(s).to_string(),
                reason: "must be a whole number from 1".into(),
            }),
        }
    }
}

impl fmt::Display for ColumnSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnSpec::Name(n) => write!(f, "{}", Quoted(n)),
            ColumnSpec::Index(i) => write!(f, "{i}"),
        }
    }
}

/// How fields are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delimiter {
    /// Detect from the first line: the most frequent of `,` `;` tab `|`, or whitespace runs
    /// when none occurs.
    #[default]
    Auto,
    /// One byte, with CSV quoting rules.
    Byte(u8),
    /// Runs of spaces and tabs; leading and trailing blanks are ignored (fixed-width files).
    Whitespace,
}

impl FromStr for Delimiter {
    type Err = Error;

    /// `auto`, `whitespace` (or `ws`, `space`), `tab` (or `\t`), or a single ASCII character.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Delimiter::Auto),
            "whitespace" | "ws" | "space" | " " => Ok(Delimiter::Whitespace),
            "tab" | "\\t" | "\t" => Ok(Delimiter::Byte(b'\t')),
            _ if s.len() == 1 && s.is_ascii() => Ok(Delimiter::Byte(s.as_bytes()[0])),
            _ => Err(Error::InvalidOption {
                name: "delimiter",
                value: Quoted(s).to_string(),
                reason: "is not a single ASCII character, 'tab' or 'whitespace'".into(),
            }),
        }
    }
}

/// Options for reading a transaction log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Customer id column; defaults to the header column `customer_id` or `id`.
    pub customer_col: Option<ColumnSpec>,
    /// Date column; defaults to the header column `date`.
    pub date_col: Option<ColumnSpec>,
    /// Amount column; defaults to the header column `amount`, `monetary_value` or `value` when
    /// there is one, otherwise the log has no amounts.
    pub amount_col: Option<ColumnSpec>,
    /// Whether the first line is a header; defaults to `true`. Without a header the customer
    /// and date columns must be given as indices.
    pub has_header: bool,
    /// Field separator; defaults to [`Delimiter::Auto`].
    pub delimiter: Delimiter,
    /// How dates are written; defaults to [`DateFormat::Auto`].
    pub date_format: DateFormat,
    /// Accept negative amounts (returns); defaults to `false`, when they are an error.
    pub allow_negative: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            customer_col: None,
            date_col: None,
            amount_col: None,
            has_header: true,
            delimiter: Delimiter::Auto,
            date_format: DateFormat::Auto,
            allow_negative: false,
        }
    }
}

/// A transaction log folded into per-customer purchase days.
///
/// The customers are stored in a few flat arrays (ids and days of all customers together, see
/// the memory bound in [`super`]) and read through [`CustomerLog`] views.
#[derive(Debug, Clone, PartialEq)]
pub struct Transactions {
    /// The file (or display name) the log was read from, for error messages.
    pub source: PathBuf,
    /// Customers in order of first appearance in the log.
    pub(super) customers: Customers,
    /// Number of transaction rows read (header and blank lines excluded).
    pub rows: u64,
    /// Whether the log had an amount column.
    pub has_amounts: bool,
    /// The earliest date in the log.
    pub first_date: NaiveDate,
    /// The latest date in the log.
    pub last_date: NaiveDate,
    /// The line where `last_date` first occurs.
    pub last_date_line: u64,
    /// The date column's label (header name, or 1-based index), for error messages.
    pub date_field: String,
}

impl Transactions {
    /// Total number of distinct (customer, day) purchases.
    pub fn purchase_days(&self) -> u64 {
        self.customers.purchase_days()
    }

    /// Number of customers.
    pub fn customer_count(&self) -> usize {
        self.customers.len()
    }

    /// The `i`-th customer in order of first appearance, if there are that many.
    pub fn customer(&self, i: usize) -> Option<CustomerLog<'_>> {
        self.customers.get(i)
    }

    /// The customers in order of first appearance.
    pub fn customers(&self) -> impl ExactSizeIterator<Item = CustomerLog<'_>> + '_ {
        // Every index below the count has a customer; the fallback is never taken.
        (0..self.customers.len()).map(|i| self.customers.get(i).unwrap_or_default())
    }

    /// The customers in order of first appearance, as a parallel iterator.
    pub fn par_customers(&self) -> impl IndexedParallelIterator<Item = CustomerLog<'_>> + '_ {
        (0..self.customers.len())
            .into_par_iter()
            .map(|i| self.customers.get(i).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_delimiter_and_column_options() {
        assert_eq!(
            "tab".parse::<Delimiter>().ok(),
            Some(Delimiter::Byte(b'\t'))
        );
        assert_eq!(
            "whitespace".parse::<Delimiter>().ok(),
            Some(Delimiter::Whitespace)
        );
        assert_eq!(";".parse::<Delimiter>().ok(), Some(Delimiter::Byte(b';')));
        assert!(";;".parse::<Delimiter>().is_err());
        assert_eq!("3".parse::<ColumnSpec>().ok(), Some(ColumnSpec::Index(3)));
        assert_eq!(
            "date".parse::<ColumnSpec>().ok(),
            Some(ColumnSpec::Name("date".into()))
        );
        assert!("0".parse::<ColumnSpec>().is_err());
        let message = |e: Error| e.to_string();
        assert_eq!(
            "0".parse::<ColumnSpec>().map_err(message),
            Err("column index '0': must be a whole number from 1".into())
        );
        assert_eq!(
            " ".parse::<ColumnSpec>().map_err(message),
            Err("column name '': cannot be empty".into())
        );
        assert_eq!(
            ";;".parse::<Delimiter>().map_err(message),
            Err("delimiter ';;': is not a single ASCII character, 'tab' or 'whitespace'".into())
        );
    }
}
