//! SQL that computes btyd's customer summary (or its pattern counts) inside a database.
//!
//! [`summary_query`] writes one query over a table or view of transactions (customer, date,
//! optional amount) for a [`Dialect`]; its result has the columns and the values of the CSV
//! `btyd summary` writes (see [`crate::data::summary`] and
//! [`crate::data::opportunities::opportunity_summary`] for the definitions), so it can be
//! exported and given to `btyd fit` as it is. With [`PatternTable`] the query returns the
//! weighted patterns instead (`frequency, recency, T, n` or, for the Gamma-Gamma model,
//! `frequency, monetary_value, n`), which `btyd fit --weights n` reads.
//!
//! # Definitions replicated
//! - A customer's rows on one calendar day (`CAST(date AS DATE)`) are one purchase, with their
//!   amounts summed; rows with a NULL customer or date are left out.
//! - The observation end is the given date, else the last purchase day of the table; rows
//!   after it are ignored (`btyd summary` refuses them instead), and amounts are not checked
//!   (negative ones are summed, as `--allow-returns` does). The period summarised ends at
//!   the calibration end when one is given, else at the observation end.
//! - Continuous time: customers with a purchase day up to the period end; frequency = their
//!   purchase days there − 1, recency = last − first purchase day, T = period end − first
//!   purchase day, both in days divided by the unit's length in days (as an IEEE double, the
//!   division btyd does); monetary value = the mean of the daily amounts after the first day
//!   (0 without one). With a calibration end: `frequency_holdout` (purchase days in
//!   (calibration end, observation end]), `monetary_value_holdout` (their mean daily amount,
//!   0 without any) and `duration_holdout` (observation − calibration end, in the unit).
//! - Discrete time (`discrete`): the purchase days of each customer up to the period end fall
//!   in period ⌊days since the first purchase / unit⌋; T = ⌊(period end − first) / unit⌋, and
//!   customers with T < 1 are left out; frequency = periods ≥ 1 with a purchase, recency = the
//!   last of them (0 without), monetary value = the mean amount of those periods (0 without).
//!
//! # Safety of the text
//! Every name (table, columns) is quoted as an identifier of the dialect (embedded quote
//! characters doubled where the dialect allows it, refused where it does not); a table name
//! `a.b.c` is split at the dots and each part quoted. Dates are written from parsed
//! [`NaiveDate`]s and the unit from a number, so no user text is pasted into the query.

use std::fmt;
use std::fmt::Write as _;
use std::str::FromStr;

use chrono::NaiveDate;

use crate::data::split::check_calibration_end;
use crate::data::TimeUnit;
use crate::error::{Error, Quoted, Result};

/// A SQL engine whose date arithmetic, types and identifier quoting the query follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// DuckDB.
    DuckDb,
    /// Apache Spark SQL (Databricks, Hive metastore tables).
    Spark,
    /// Google BigQuery (GoogleSQL).
    BigQuery,
    /// PostgreSQL (and compatible engines).
    Postgres,
    /// Snowflake.
    Snowflake,
}

impl Dialect {
    /// Every dialect, in the order the CLI lists them.
    pub const ALL: [Dialect; 5] = [
        Dialect::DuckDb,
        Dialect::Spark,
        Dialect::BigQuery,
        Dialect::Postgres,
        Dialect::Snowflake,
    ];

    /// The dialect's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Spark => "spark",
            Dialect::BigQuery => "bigquery",
            Dialect::Postgres => "postgres",
            Dialect::Snowflake => "snowflake",
        }
    }

    /// The character that quotes identifiers: a backtick for Spark and BigQuery, else `"`.
    fn quote_char(self) -> char {
        match self {
            Dialect::Spark | Dialect::BigQuery => '`',
            _ => '"',
        }
    }

    /// One identifier, quoted: `"name"` (an embedded `"` doubled) or `` `name` `` (an
    /// embedded backtick doubled in Spark).
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for an empty name, a name with a control character, or a
    /// backtick in a BigQuery name (which has no escape for it that every client reads alike).
    pub fn quote_ident(self, name: &str) -> Result<String> {
        let bad = |reason: &str| Error::InvalidOption {
            name: "SQL identifier",
            value: Quoted(name).to_string(),
            reason: reason.to_string(),
        };
        if name.is_empty() {
            return Err(bad("is empty"));
        }
        if name.chars().any(char::is_control) {
            return Err(bad("contains a control character"));
        }
        let q = self.quote_char();
        if self == Dialect::BigQuery && name.contains(q) {
            return Err(bad(
                "contains a backtick, which a BigQuery name cannot hold",
            ));
        }
        let doubled = name.replace(q, &format!("{q}{q}"));
        Ok(format!("{q}{doubled}{q}"))
    }

    /// A table name `[catalog.][schema.]table`: split at the dots, each part quoted.
    ///
    /// # Errors
    /// Those of [`Dialect::quote_ident`] for any part (an empty part: `a..b`, `.a`).
    pub fn quote_table(self, name: &str) -> Result<String> {
        let parts = name
            .split('.')
            .map(|p| self.quote_ident(p))
            .collect::<Result<Vec<_>>>()?;
        Ok(parts.join("."))
    }

    /// A date literal: `DATE 'YYYY-MM-DD'` (standard SQL, read by every dialect here).
    pub fn date_literal(self, date: NaiveDate) -> String {
        format!("DATE '{}'", date.format("%Y-%m-%d"))
    }

    /// The number of days from date `from` to date `to` (negative when `to` is earlier), as an
    /// integer expression; both arguments are DATE expressions.
    pub fn days_between(self, from: &str, to: &str) -> String {
        match self {
            Dialect::DuckDb => format!("DATE_DIFF('day', {from}, {to})"),
            Dialect::Spark => format!("DATEDIFF({to}, {from})"),
            Dialect::BigQuery => format!("DATE_DIFF({to}, {from}, DAY)"),
            Dialect::Postgres => format!("({to} - {from})"),
            Dialect::Snowflake => format!("DATEDIFF(day, {from}, {to})"),
        }
    }

    /// The name of the 64-bit floating-point type.
    pub fn double_type(self) -> &'static str {
        match self {
            Dialect::BigQuery => "FLOAT64",
            Dialect::Postgres => "DOUBLE PRECISION",
            _ => "DOUBLE",
        }
    }

    /// The name of the 64-bit integer type.
    pub fn integer_type(self) -> &'static str {
        match self {
            Dialect::BigQuery => "INT64",
            _ => "BIGINT",
        }
    }

    /// `CAST(expr AS <double>)`.
    pub fn to_double(self, expr: &str) -> String {
        format!("CAST({expr} AS {})", self.double_type())
    }

    /// The days from `from` to `to` in `unit`: the day count as a double divided by the unit's
    /// length in days (no division for days), as [`TimeUnit::between`] computes it.
    pub fn span_in_unit(self, from: &str, to: &str, unit: TimeUnit) -> String {
        let days = self.to_double(&self.days_between(from, to));
        match unit {
            TimeUnit::Day => days,
            _ => format!("{days} / {}", self.unit_days(unit)),
        }
    }

    /// ⌊days from `from` to `to` / unit⌋ as a 64-bit integer: the period of `to` counted from
    /// `from` (the discrete-time summary's `floor()` of [`TimeUnit::between`]).
    pub fn periods_between(self, from: &str, to: &str, unit: TimeUnit) -> String {
        format!(
            "CAST(FLOOR({}) AS {})",
            self.span_in_unit(from, to, unit),
            self.integer_type()
        )
    }

    /// The unit's length in days as a double literal: the shortest decimal that reads back as
    /// the same double, cast to the double type.
    fn unit_days(self, unit: TimeUnit) -> String {
        let days = unit.days();
        let text = if days.fract() == 0.0 {
            format!("{days:.1}")
        } else {
            format!("{days}")
        };
        self.to_double(&text)
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Dialect {
    type Err = Error;

    /// `duckdb`, `spark` (also `databricks`), `bigquery`, `postgres` (also `postgresql`) or
    /// `snowflake`, in any case.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "duckdb" => Ok(Dialect::DuckDb),
            "spark" | "databricks" => Ok(Dialect::Spark),
            "bigquery" => Ok(Dialect::BigQuery),
            "postgres" | "postgresql" => Ok(Dialect::Postgres),
            "snowflake" => Ok(Dialect::Snowflake),
            _ => Err(Error::InvalidOption {
                name: "SQL dialect",
                value: Quoted(s).to_string(),
                reason: "is not one of duckdb, spark, bigquery, postgres or snowflake".into(),
            }),
        }
    }
}

/// Which pattern table a query returns instead of the per-customer summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatternTable {
    /// `frequency, recency, T, n`: the weighted histories the purchase models (and, with
    /// `discrete`, BG/BB) are fitted on.
    Histories,
    /// `frequency, monetary_value, n` of the customers with frequency ≥ 1: the Gamma-Gamma
    /// model's weighted (x, m̄).
    Spend,
}

/// What the query computes: the transactions' table and columns, and the summary's options
/// (those of `btyd summary`).
#[derive(Debug, Clone, PartialEq)]
pub struct SqlOptions {
    /// The table or view of transactions, `[catalog.][schema.]table`.
    pub table: String,
    /// Customer id column.
    pub customer_col: String,
    /// Date column (a DATE, a TIMESTAMP, or text the engine casts to DATE; only the calendar
    /// day is kept, in the session's time zone for a timestamp with time zone).
    pub date_col: String,
    /// Amount column; without it the summary has no monetary columns.
    pub amount_col: Option<String>,
    /// Unit of recency and T (with `discrete`: the length of one opportunity).
    pub unit: TimeUnit,
    /// End of observation; default: the last purchase day in the table.
    pub observation_end: Option<NaiveDate>,
    /// End of calibration; adds the holdout columns (not with `discrete`).
    pub calibration_end: Option<NaiveDate>,
    /// The discrete-time (BG/BB) summary of `btyd summary --discrete`.
    pub discrete: bool,
    /// A pattern table instead of the per-customer summary.
    pub patterns: Option<PatternTable>,
}

impl SqlOptions {
    /// Options for `table` with columns `customer_id` and `date`, no amount, weekly, no dates.
    pub fn new(table: impl Into<String>) -> Self {
        SqlOptions {
            table: table.into(),
            customer_col: "customer_id".into(),
            date_col: "date".into(),
            amount_col: None,
            unit: TimeUnit::Week,
            observation_end: None,
            calibration_end: None,
            discrete: false,
            patterns: None,
        }
    }
}

/// The query, for `dialect`, that computes the summary (or pattern table) `opts` describes.
///
/// # Errors
/// [`Error::InvalidOption`] for a name that cannot be quoted, or a Gamma-Gamma pattern table
/// without an amount column; [`Error::CalibrationAfterObservation`] when both ends are given
/// in the wrong order.
pub fn summary_query(dialect: Dialect, opts: &SqlOptions) -> Result<String> {
    if let (Some(c), Some(o)) = (opts.calibration_end, opts.observation_end) {
        check_calibration_end(c, o)?;
    }
    if opts.patterns == Some(PatternTable::Spend) && opts.amount_col.is_none() {
        return Err(Error::InvalidOption {
            name: "--patterns",
            value: "spend".into(),
            reason: "the Gamma-Gamma pattern table needs an amount column".into(),
        });
    }
    let q = Query::new(dialect, opts)?;
    let mut sql = String::new();
    q.header(&mut sql);
    q.purchases(&mut sql);
    q.bounds(&mut sql);
    if opts.discrete {
        q.discrete(&mut sql);
    } else {
        q.continuous(&mut sql);
    }
    q.select(&mut sql);
    Ok(sql)
}

/// The pieces of a query, names already quoted.
struct Query<'a> {
    d: Dialect,
    opts: &'a SqlOptions,
    table: String,
    customer: String,
    date: String,
    amount: Option<String>,
}

impl<'a> Query<'a> {
    fn new(d: Dialect, opts: &'a SqlOptions) -> Result<Self> {
        Ok(Query {
            d,
            opts,
            table: d.quote_table(&opts.table)?,
            customer: d.quote_ident(&opts.customer_col)?,
            date: d.quote_ident(&opts.date_col)?,
            amount: opts
                .amount_col
                .as_deref()
                .map(|a| d.quote_ident(a))
                .transpose()?,
        })
    }

    /// An output column's name, quoted (so `T` keeps its case in every engine).
    fn out(&self, name: &str) -> String {
        // The names are fixed ASCII words.
        self.d.quote_ident(name).unwrap_or_default()
    }

    fn header(&self, sql: &mut String) {
        let o = self.opts;
        let what = match (o.patterns, o.discrete) {
            (None, false) => "customer summary",
            (None, true) => "discrete-time (opportunity) customer summary",
            (Some(PatternTable::Histories), _) => "pattern counts (frequency, recency, T, n)",
            (Some(PatternTable::Spend), _) => {
                "Gamma-Gamma pattern counts (frequency, monetary_value, n)"
            }
        };
        let _ = writeln!(
            sql,
            "-- btyd {} {what}: {} dialect, time unit {}",
            env!("CARGO_PKG_VERSION"),
            self.d,
            o.unit
        );
    }

    /// `purchases`: one row per customer and calendar day, amounts summed.
    fn purchases(&self, sql: &mut String) {
        let day = format!("CAST({} AS DATE)", self.date);
        let amount = match &self.amount {
            Some(a) => format!(",\n    SUM({}) AS amount", self.d.to_double(a)),
            None => String::new(),
        };
        let _ = write!(
            sql,
            "WITH purchases AS (\n  SELECT\n    {c} AS customer_id,\n    {day} AS purchase_day{amount}\n  \
             FROM {t}\n  WHERE {c} IS NOT NULL AND {date} IS NOT NULL\n  GROUP BY {c}, {day}\n),\n",
            c = self.customer,
            t = self.table,
            date = self.date,
        );
    }

    /// `bounds`: one row with the observation end and the end of the period summarised.
    fn bounds(&self, sql: &mut String) {
        let lit = |d: NaiveDate| self.d.date_literal(d);
        let (obs, from) = match self.opts.observation_end {
            Some(o) => (lit(o), ""),
            None => ("MAX(purchase_day)".to_string(), " FROM purchases"),
        };
        let end = match self.opts.calibration_end {
            Some(c) => lit(c),
            None => obs.clone(),
        };
        let _ = write!(
            sql,
            "bounds AS (\n  SELECT {obs} AS observation_end, {end} AS period_end{from}\n),\n"
        );
    }

    /// The continuous-time aggregates: `calibration`, `repeat_spend`, `holdout`.
    fn continuous(&self, sql: &mut String) {
        let _ = write!(
            sql,
            "calibration AS (\n  SELECT\n    p.customer_id,\n    MIN(p.purchase_day) AS first_purchase,\n    \
             MAX(p.purchase_day) AS last_purchase,\n    COUNT(*) AS purchase_days\n  \
             FROM purchases p CROSS JOIN bounds b\n  WHERE p.purchase_day <= b.period_end\n  \
             GROUP BY p.customer_id\n)"
        );
        if self.amount.is_some() {
            let _ = write!(
                sql,
                ",\nrepeat_spend AS (\n  SELECT p.customer_id, SUM(p.amount) / COUNT(*) AS monetary_value\n  \
                 FROM purchases p\n  JOIN calibration c ON p.customer_id = c.customer_id\n  \
                 CROSS JOIN bounds b\n  \
                 WHERE p.purchase_day > c.first_purchase AND p.purchase_day <= b.period_end\n  \
                 GROUP BY p.customer_id\n)"
            );
        }
        // Pattern tables have no holdout columns.
        let holdout = self.opts.calibration_end.is_some() && self.opts.patterns.is_none();
        if holdout {
            let spend = if self.amount.is_some() {
                ",\n    SUM(p.amount) / COUNT(*) AS monetary_value_holdout"
            } else {
                ""
            };
            let _ = write!(
                sql,
                ",\nholdout AS (\n  SELECT\n    p.customer_id,\n    COUNT(*) AS frequency_holdout{spend}\n  \
                 FROM purchases p CROSS JOIN bounds b\n  \
                 WHERE p.purchase_day > b.period_end AND p.purchase_day <= b.observation_end\n  \
                 GROUP BY p.customer_id\n)"
            );
        }
        let unit = self.opts.unit;
        let d = self.d;
        let mut cols = vec![
            format!("c.customer_id AS {}", self.out("customer_id")),
            format!("c.purchase_days - 1 AS {}", self.out("frequency")),
            format!(
                "{} AS {}",
                d.span_in_unit("c.first_purchase", "c.last_purchase", unit),
                self.out("recency")
            ),
            format!(
                "{} AS {}",
                d.span_in_unit("c.first_purchase", "b.period_end", unit),
                self.out("T")
            ),
        ];
        let mut joins = String::new();
        if self.amount.is_some() {
            cols.push(format!(
                "COALESCE(r.monetary_value, 0) AS {}",
                self.out("monetary_value")
            ));
            joins.push_str("\n  LEFT JOIN repeat_spend r ON r.customer_id = c.customer_id");
        }
        if holdout {
            cols.push(format!(
                "COALESCE(h.frequency_holdout, 0) AS {}",
                self.out("frequency_holdout")
            ));
            if self.amount.is_some() {
                cols.push(format!(
                    "COALESCE(h.monetary_value_holdout, 0) AS {}",
                    self.out("monetary_value_holdout")
                ));
            }
            cols.push(format!(
                "{} AS {}",
                d.span_in_unit("b.period_end", "b.observation_end", unit),
                self.out("duration_holdout")
            ));
            joins.push_str("\n  LEFT JOIN holdout h ON h.customer_id = c.customer_id");
        }
        let _ = write!(
            sql,
            ",\nsummary AS (\n  SELECT\n    {}\n  FROM calibration c CROSS JOIN bounds b{joins}\n)\n",
            cols.join(",\n    ")
        );
    }

    /// The discrete-time aggregates: `customers` (first purchase, opportunities), `periods`
    /// (amount per period), `repeats`.
    fn discrete(&self, sql: &mut String) {
        let d = self.d;
        let unit = self.opts.unit;
        let amount = if self.amount.is_some() {
            ", p.amount"
        } else {
            ""
        };
        let _ = write!(
            sql,
            "firsts AS (\n  SELECT customer_id, MIN(purchase_day) AS first_purchase\n  \
             FROM purchases\n  GROUP BY customer_id\n),\n\
             customers AS (\n  SELECT\n    f.customer_id,\n    f.first_purchase,\n    {n} AS opportunities\n  \
             FROM firsts f CROSS JOIN bounds b\n  WHERE {span} >= 1.0\n),\n\
             dated AS (\n  SELECT p.customer_id, {period} AS period{amount}\n  \
             FROM purchases p\n  JOIN customers c ON p.customer_id = c.customer_id\n  \
             CROSS JOIN bounds b\n  WHERE p.purchase_day <= b.period_end\n),\n",
            n = d.periods_between("f.first_purchase", "b.period_end", unit),
            span = d.span_in_unit("f.first_purchase", "b.period_end", unit),
            period = d.periods_between("c.first_purchase", "p.purchase_day", unit),
        );
        let (period_sum, repeat_mean) = if self.amount.is_some() {
            (
                ", SUM(amount) AS amount",
                ",\n    SUM(amount) / COUNT(*) AS monetary_value",
            )
        } else {
            ("", "")
        };
        let _ = write!(
            sql,
            "periods AS (\n  SELECT customer_id, period{period_sum}\n  FROM dated\n  \
             GROUP BY customer_id, period\n),\n\
             repeats AS (\n  SELECT\n    customer_id,\n    COUNT(*) AS frequency,\n    \
             MAX(period) AS recency{repeat_mean}\n  FROM periods\n  WHERE period >= 1\n  \
             GROUP BY customer_id\n),\n"
        );
        let mut cols = vec![
            format!("c.customer_id AS {}", self.out("customer_id")),
            format!("COALESCE(r.frequency, 0) AS {}", self.out("frequency")),
            format!("COALESCE(r.recency, 0) AS {}", self.out("recency")),
            format!("c.opportunities AS {}", self.out("T")),
        ];
        if self.amount.is_some() {
            cols.push(format!(
                "COALESCE(r.monetary_value, 0) AS {}",
                self.out("monetary_value")
            ));
        }
        let _ = write!(
            sql,
            "summary AS (\n  SELECT\n    {}\n  FROM customers c\n  \
             LEFT JOIN repeats r ON r.customer_id = c.customer_id\n)\n",
            cols.join(",\n    ")
        );
    }

    /// The final SELECT: the summary, or one of its pattern tables.
    fn select(&self, sql: &mut String) {
        let o = |n: &str| format!("s.{}", self.out(n));
        let cols: Vec<String> = match self.opts.patterns {
            None => {
                sql.push_str("SELECT * FROM summary s\n");
                return;
            }
            Some(PatternTable::Histories) => vec![o("frequency"), o("recency"), o("T")],
            Some(PatternTable::Spend) => vec![o("frequency"), o("monetary_value")],
        };
        let list = cols.join(", ");
        let filter = if self.opts.patterns == Some(PatternTable::Spend) {
            format!("\nWHERE {} > 0", o("frequency"))
        } else {
            String::new()
        };
        let _ = write!(
            sql,
            "SELECT {list}, COUNT(*) AS {n}\nFROM summary s{filter}\nGROUP BY {list}\nORDER BY {list}\n",
            n = self.out("n")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn quotes_identifiers_per_dialect() {
        assert_eq!(Dialect::DuckDb.quote_ident("a\"b").unwrap(), "\"a\"\"b\"");
        assert_eq!(Dialect::Spark.quote_ident("a`b").unwrap(), "`a``b`");
        assert_eq!(Dialect::BigQuery.quote_ident("T").unwrap(), "`T`");
        assert!(Dialect::BigQuery.quote_ident("a`b").is_err());
        assert!(Dialect::Postgres.quote_ident("").is_err());
        assert!(Dialect::Postgres.quote_ident("a\nb").is_err());
        assert_eq!(
            Dialect::Snowflake.quote_table("db.sales.tx").unwrap(),
            "\"db\".\"sales\".\"tx\""
        );
        assert!(Dialect::DuckDb.quote_table("a..b").is_err());
    }

    #[test]
    fn writes_date_arithmetic_per_dialect() {
        let cases = [
            (Dialect::DuckDb, "DATE_DIFF('day', a, b)"),
            (Dialect::Spark, "DATEDIFF(b, a)"),
            (Dialect::BigQuery, "DATE_DIFF(b, a, DAY)"),
            (Dialect::Postgres, "(b - a)"),
            (Dialect::Snowflake, "DATEDIFF(day, a, b)"),
        ];
        for (d, want) in cases {
            assert_eq!(d.days_between("a", "b"), want, "{d}");
            assert_eq!(d.date_literal(date("1997-09-30")), "DATE '1997-09-30'");
        }
        assert_eq!(
            Dialect::BigQuery.span_in_unit("a", "b", TimeUnit::Month),
            "CAST(DATE_DIFF(b, a, DAY) AS FLOAT64) / CAST(30.4375 AS FLOAT64)"
        );
        assert_eq!(
            Dialect::Spark.periods_between("a", "b", TimeUnit::Week),
            "CAST(FLOOR(CAST(DATEDIFF(b, a) AS DOUBLE) / CAST(7.0 AS DOUBLE)) AS BIGINT)"
        );
        assert_eq!(
            Dialect::Postgres.span_in_unit("a", "b", TimeUnit::Day),
            "CAST((b - a) AS DOUBLE PRECISION)"
        );
    }

    #[test]
    fn parses_dialect_names() {
        for d in Dialect::ALL {
            assert_eq!(d.name().parse::<Dialect>().unwrap(), d);
        }
        assert_eq!("Databricks".parse::<Dialect>().unwrap(), Dialect::Spark);
        assert!("oracle".parse::<Dialect>().is_err());
    }

    #[test]
    fn refuses_what_it_cannot_compute() {
        let mut o = SqlOptions::new("tx");
        o.patterns = Some(PatternTable::Spend);
        assert!(summary_query(Dialect::DuckDb, &o).is_err());
        let mut o = SqlOptions::new("tx");
        o.calibration_end = Some(date("2020-02-01"));
        o.observation_end = Some(date("2020-01-01"));
        assert!(matches!(
            summary_query(Dialect::DuckDb, &o),
            Err(Error::CalibrationAfterObservation { .. })
        ));
    }

    #[test]
    fn user_text_is_never_pasted() {
        let mut o = SqlOptions::new("s.t'; DROP TABLE x; --");
        o.customer_col = "id\" OR 1=1 --".into();
        let sql = summary_query(Dialect::Postgres, &o).unwrap();
        assert!(sql.contains("\"t'; DROP TABLE x; --\""), "{sql}");
        assert!(sql.contains("\"id\"\" OR 1=1 --\""), "{sql}");
    }
}
