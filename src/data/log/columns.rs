//! Column resolution: which fields of a record hold the customer id, the date and the amount.

use std::path::Path;

use super::fields::invalid;
use super::types::{ColumnSpec, ReadOptions};
use crate::error::{short_list, Error, Location, Quoted, Result};

/// The resolved 0-based columns and their labels for messages.
pub(super) struct Columns {
    pub(super) customer: usize,
    pub(super) customer_label: String,
    pub(super) date: usize,
    pub(super) date_label: String,
    pub(super) amount: Option<(usize, String)>,
}

impl Columns {
    pub(super) fn resolve(
        opts: &ReadOptions,
        header: Option<&[String]>,
        header_line: u64,
        source: &Path,
    ) -> Result<Self> {
        let at_header = || Location::file(source).at_line(header_line);
        let find = |spec: &Option<ColumnSpec>, defaults: &[&str], column: &'static str| {
            resolve_column(spec.as_ref(), defaults, column, header, &at_header)
        };
        let required = |found: Option<(usize, String)>, column: &'static str, defaults: &[&str]| {
            found.ok_or_else(|| match header {
                Some(h) => invalid(
                    at_header(),
                    format!(
                        "no {column}: the header has none of {} (columns: {}); name it explicitly",
                        defaults.join(", "),
                        short_list(h)
                    ),
                ),
                None => Error::InvalidOption {
                    name: column,
                    value: "(not given)".into(),
                    reason: "without a header it must be given as a 1-based index".into(),
                },
            })
        };
        const CUSTOMER: &[&str] = &["customer_id", "id"];
        const DATE: &[&str] = &["date"];
        const AMOUNT: &[&str] = &["amount", "monetary_value", "value"];
        let (customer, customer_label) = required(
            find(&opts.customer_col, CUSTOMER, "customer column")?,
            "customer column",
            CUSTOMER,
        )?;
        let (date, date_label) = required(
            find(&opts.date_col, DATE, "date column")?,
            "date column",
            DATE,
        )?;
        let amount = find(&opts.amount_col, AMOUNT, "amount column")?;
        Ok(Columns {
            customer,
            customer_label,
            date,
            date_label,
            amount,
        })
    }
}

/// The 0-based index and label of a column: the given spec, else the first default name found
/// in the header (`None` when neither applies). `column` names it in errors, e.g. "date column".
fn resolve_column(
    spec: Option<&ColumnSpec>,
    defaults: &[&str],
    column: &'static str,
    header: Option<&[String]>,
    at_header: &dyn Fn() -> Location,
) -> Result<Option<(usize, String)>> {
    let label = |i: usize| match header {
        Some(h) => h[i].clone(),
        None => (i + 1).to_string(),
    };
    match (spec, header) {
        (Some(ColumnSpec::Index(i)), _) => {
            if let Some(h) = header.filter(|h| *i > h.len()) {
                return Err(invalid(
                    at_header(),
                    format!(
                        "{column} {i} does not exist: the header has {} columns",
                        h.len()
                    ),
                ));
            }
            Ok(Some((i - 1, label(i - 1))))
        }
        (Some(ColumnSpec::Name(n)), Some(h)) => match h.iter().position(|c| c == n) {
            Some(i) => Ok(Some((i, label(i)))),
            None => Err(invalid(
                at_header(),
                format!(
                    "{column} {} not found in the header (columns: {})",
                    Quoted(n),
                    short_list(h)
                ),
            )),
        },
        (Some(ColumnSpec::Name(n)), None) => Err(Error::InvalidOption {
            name: column,
            value: Quoted(n).to_string(),
            reason: "is a name, but the log has no header: give a 1-based index".into(),
        }),
        (None, Some(h)) => Ok(defaults
            .iter()
            .find_map(|d| h.iter().position(|c| c.eq_ignore_ascii_case(d)))
            .map(|i| (i, label(i)))),
        (None, None) => Ok(None),
    }
}
