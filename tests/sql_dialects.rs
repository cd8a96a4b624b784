//! The SQL of `btyd sql` checked syntactically for every dialect with the `sqlparser` crate's
//! parser of that dialect (Spark as Databricks), and the date arithmetic of each dialect on
//! fixed examples. DuckDB also runs the queries (tests/sql_duckdb.rs); the other engines are
//! not available here, so their date functions are checked as text against their documented
//! forms:
//! - Spark `datediff(endDate, startDate)`: days from startDate to endDate;
//! - BigQuery `DATE_DIFF(end, start, DAY)`: days from start to end;
//! - PostgreSQL `end - start` on dates: an integer number of days;
//! - Snowflake `DATEDIFF(day, start, end)`: day boundaries crossed, i.e. end − start for DATEs.

use btyd::data::TimeUnit;
use btyd::io::sql::{summary_query, Dialect, PatternTable, SqlOptions};
use chrono::NaiveDate;
use sqlparser::ast::Statement;
use sqlparser::dialect::{
    BigQueryDialect, DatabricksDialect, Dialect as ParserDialect, DuckDbDialect, PostgreSqlDialect,
    SnowflakeDialect,
};
use sqlparser::parser::Parser;

fn parser_dialect(d: Dialect) -> Box<dyn ParserDialect> {
    match d {
        Dialect::DuckDb => Box::new(DuckDbDialect {}),
        Dialect::Spark => Box::new(DatabricksDialect {}),
        Dialect::BigQuery => Box::new(BigQueryDialect {}),
        Dialect::Postgres => Box::new(PostgreSqlDialect {}),
        Dialect::Snowflake => Box::new(SnowflakeDialect {}),
    }
}

fn parse(d: Dialect, sql: &str) -> Vec<Statement> {
    Parser::parse_sql(&*parser_dialect(d), sql).unwrap_or_else(|e| panic!("{d}: {e}\n{sql}"))
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Every combination of the options that changes the query's text.
fn variants() -> Vec<SqlOptions> {
    let mut out = Vec::new();
    for discrete in [false, true] {
        for amount in [None, Some("order value".to_string())] {
            for calibration_end in [None, Some(date("1997-09-30"))] {
                for observation_end in [None, Some(date("1998-06-30"))] {
                    for patterns in [
                        None,
                        Some(PatternTable::Histories),
                        Some(PatternTable::Spend),
                    ] {
                        if patterns == Some(PatternTable::Spend) && amount.is_none() {
                            continue;
                        }
                        for unit in [TimeUnit::Day, TimeUnit::Month, TimeUnit::Days(2.5)] {
                            out.push(SqlOptions {
                                table: "analytics.sales.Transactions".into(),
                                customer_col: "Customer ID".into(),
                                date_col: "order date".into(),
                                amount_col: amount.clone(),
                                unit,
                                observation_end,
                                calibration_end,
                                discrete,
                                patterns,
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_query_parses_in_its_dialect() {
    let variants = variants();
    let mut count = 0;
    for d in Dialect::ALL {
        for opts in &variants {
            let sql = summary_query(d, opts).unwrap();
            let statements = parse(d, &sql);
            assert_eq!(statements.len(), 1, "{d}: {sql}");
            assert!(matches!(statements[0], Statement::Query(_)), "{d}: {sql}");
            // Names are quoted with the dialect's quote character only (the parser keeps the
            // quote style, and prints it back).
            let want = if matches!(d, Dialect::Spark | Dialect::BigQuery) {
                '`'
            } else {
                '"'
            };
            let other = if want == '`' { '"' } else { '`' };
            let text = statements[0].to_string();
            for name in [
                "Customer ID",
                "order date",
                "analytics",
                "Transactions",
                "T",
            ] {
                assert!(
                    text.contains(&format!("{want}{name}{want}")),
                    "{d}: {name}\n{text}"
                );
            }
            assert!(!text.contains(other), "{d}: {text}");
            count += 1;
        }
    }
    eprintln!("{count} queries parsed");
}

#[test]
fn the_parsers_catch_broken_sql() {
    let sql = summary_query(Dialect::Spark, &SqlOptions::new("tx")).unwrap();
    let broken = sql.replacen("GROUP BY", "GROUP", 1);
    assert!(Parser::parse_sql(&DatabricksDialect {}, &broken).is_err());
}

/// The day difference and the spans in each dialect, on fixed dates, as text that parses and
/// calls the dialect's function.
#[test]
fn date_arithmetic_per_dialect() {
    let (a, b) = (date("1997-01-01"), date("1997-09-30"));
    let cases = [
        (
            Dialect::DuckDb,
            "DATE_DIFF('day', DATE '1997-01-01', DATE '1997-09-30')",
            "DATE_DIFF",
        ),
        (
            Dialect::Spark,
            "DATEDIFF(DATE '1997-09-30', DATE '1997-01-01')",
            "DATEDIFF",
        ),
        (
            Dialect::BigQuery,
            "DATE_DIFF(DATE '1997-09-30', DATE '1997-01-01', DAY)",
            "DATE_DIFF",
        ),
        (
            Dialect::Postgres,
            "(DATE '1997-09-30' - DATE '1997-01-01')",
            "FLOOR",
        ),
        (
            Dialect::Snowflake,
            "DATEDIFF(day, DATE '1997-01-01', DATE '1997-09-30')",
            "DATEDIFF",
        ),
    ];
    for (d, want, function) in cases {
        let (la, lb) = (d.date_literal(a), d.date_literal(b));
        assert_eq!(d.days_between(&la, &lb), want, "{d}");
        let month = d.span_in_unit(&la, &lb, TimeUnit::Month);
        let week = d.periods_between(&la, &lb, TimeUnit::Week);
        let double = d.double_type();
        assert_eq!(
            month,
            format!("CAST({want} AS {double}) / CAST(30.4375 AS {double})"),
            "{d}"
        );
        assert_eq!(
            week,
            format!(
                "CAST(FLOOR(CAST({want} AS {double}) / CAST(7.0 AS {double})) AS {})",
                d.integer_type()
            ),
            "{d}"
        );
        let sql = format!("SELECT {month} AS m, {week} AS w");
        let statements = parse(d, &sql);
        let text = statements[0].to_string().to_ascii_uppercase();
        assert!(text.contains(&format!("{function}(")), "{d}: {text}");
    }
    assert_eq!(Dialect::BigQuery.double_type(), "FLOAT64");
    assert_eq!(Dialect::BigQuery.integer_type(), "INT64");
    assert_eq!(Dialect::Spark.double_type(), "DOUBLE");
}
