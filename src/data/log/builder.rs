//! The state of a log being read, shared by the parallel and the sequential reader: the
//! columns once the header is known, the customers so far (in shards) and running statistics;
//! the parsing of one record into (customer, date, amount); the finished [`Transactions`].

use std::path::Path;

use chrono::NaiveDate;

use super::chunks::Layout;
use super::columns::Columns;
use super::fields::{empty_log, invalid, parse_amount, utf8, FieldText};
use super::shards::Shards;
use super::types::{ReadOptions, Transactions};
use crate::error::{Error, Location, Quoted, Result};

/// The state of a log being read: its columns once the header is known, the customers so far
/// and running statistics.
pub(super) struct LogBuilder<'a> {
    pub(super) source: &'a Path,
    pub(super) opts: &'a ReadOptions,
    pub(super) layout: Layout,
    pub(super) header: Option<Vec<String>>,
    pub(super) cols: Option<Columns>,
    pub(super) shards: Shards,
    pub(super) stats: Stats,
}

/// Counts and date range of the rows read.
#[derive(Clone, Copy)]
pub(super) struct Stats {
    rows: u64,
    first_date: NaiveDate,
    last_date: NaiveDate,
    last_date_line: u64,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            rows: 0,
            first_date: NaiveDate::MAX,
            last_date: NaiveDate::MIN,
            last_date_line: 0,
        }
    }
}

impl Stats {
    pub(super) fn add(&mut self, date: NaiveDate, line: u64) {
        self.rows += 1;
        self.first_date = self.first_date.min(date);
        if date > self.last_date {
            self.last_date = date;
            self.last_date_line = line;
        }
    }

    /// Adds the statistics of rows that come after those of `self`.
    pub(super) fn merge(&mut self, later: &Stats) {
        self.rows += later.rows;
        self.first_date = self.first_date.min(later.first_date);
        if later.last_date > self.last_date {
            self.last_date = later.last_date;
            self.last_date_line = later.last_date_line;
        }
    }
}

impl<'a> LogBuilder<'a> {
    /// An empty log read from `source` with fields delimited as `layout`.
    pub(super) fn new(source: &'a Path, opts: &'a ReadOptions, layout: Layout) -> Self {
        LogBuilder {
            source,
            opts,
            layout,
            header: None,
            cols: None,
            shards: Shards::new(),
            stats: Stats::default(),
        }
    }

    fn here(&self, line: u64) -> Location {
        Location::file(self.source).at_line(line)
    }

    /// Resolves the columns from the header (`None` without one) found on line `line`.
    pub(super) fn set_header(&mut self, header: Option<Vec<String>>, line: u64) -> Result<()> {
        self.cols = Some(Columns::resolve(
            self.opts,
            header.as_deref(),
            line,
            self.source,
        )?);
        self.header = header;
        Ok(())
    }

    /// The header from the raw fields of the first record, each trimmed as data fields are.
    pub(super) fn header_from<'f>(
        &self,
        line: u64,
        fields: impl Iterator<Item = &'f [u8]>,
    ) -> Result<Vec<String>> {
        fields
            .enumerate()
            .map(|(i, f)| {
                utf8(f, || self.here(line).at_field((i + 1).to_string()))
                    .map(|s| s.trim().to_string())
            })
            .collect()
    }

    /// Parses the customer id, date and amount of a record with `len` fields.
    pub(super) fn parse_row<'f, F: FieldText<'f>>(
        &self,
        line: u64,
        len: usize,
        field: impl Fn(usize) -> Option<F>,
    ) -> Result<(&'f str, NaiveDate, f64)> {
        let here = |line| self.here(line);
        if let Some(h) = self.header.as_ref().filter(|h| h.len() != len) {
            return Err(invalid(
                here(line),
                format!("the line has {len} fields, but the header has {}", h.len()),
            ));
        }
        let Some(cols) = self.cols.as_ref() else {
            return Err(invalid(here(line), "the columns are not known"));
        };
        let get = |col: usize, label: &str| -> Result<&'f str> {
            let at = || here(line).at_field(label);
            let raw = field(col).ok_or_else(|| Error::InvalidData {
                location: at(),
                reason: format!("missing field: the line has only {len} fields"),
            })?;
            Ok(raw.text(at)?.trim())
        };
        let id = get(cols.customer, &cols.customer_label)?;
        if id.is_empty() {
            return Err(invalid(
                here(line).at_field(&cols.customer_label),
                "empty customer id",
            ));
        }
        let date_text = get(cols.date, &cols.date_label)?;
        let date_format = &self.opts.date_format;
        let date = date_format.parse(date_text).ok_or_else(|| {
            invalid(
                here(line).at_field(&cols.date_label),
                format!(
                    "cannot parse date {}: expected {}",
                    Quoted(date_text),
                    date_format.describe()
                ),
            )
        })?;
        let amount = match &cols.amount {
            Some((col, label)) => parse_amount(get(*col, label)?, self.opts.allow_negative)
                .map_err(|reason| invalid(here(line).at_field(label), reason))?,
            None => 0.0,
        };
        Ok((id, date, amount))
    }

    pub(super) fn finish(self) -> Result<Transactions> {
        let Some(cols) = self.cols.filter(|_| self.stats.rows > 0) else {
            return Err(empty_log(self.source));
        };
        Ok(Transactions {
            source: self.source.to_path_buf(),
            customers: self.shards.finish(),
            rows: self.stats.rows,
            has_amounts: cols.amount.is_some(),
            first_date: self.stats.first_date,
            last_date: self.stats.last_date,
            last_date_line: self.stats.last_date_line,
            date_field: cols.date_label,
        })
    }
}
