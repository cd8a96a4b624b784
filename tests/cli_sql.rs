//! `btyd sql` end to end: the query printed or written, and refused options.

mod common;

use btyd::data::TimeUnit;
use btyd::io::sql::{summary_query, Dialect, PatternTable, SqlOptions};
use chrono::NaiveDate;
use common::workdir::Workdir;

#[test]
fn prints_the_library_query() {
    let w = Workdir::new();
    let out = w.succeeds(&[
        "sql",
        "sales.tx",
        "--dialect",
        "bigquery",
        "--customer-col",
        "Customer ID",
        "--amount-col",
        "amount",
        "--time-unit",
        "month",
        "--calibration-end",
        "1997-09-30",
        "--patterns",
        "spend",
    ]);
    let opts = SqlOptions {
        customer_col: "Customer ID".into(),
        amount_col: Some("amount".into()),
        unit: TimeUnit::Month,
        calibration_end: NaiveDate::from_ymd_opt(1997, 9, 30),
        patterns: Some(PatternTable::Spend),
        ..SqlOptions::new("sales.tx")
    };
    assert_eq!(out, summary_query(Dialect::BigQuery, &opts).unwrap());
    assert!(out.contains("`sales`.`tx`"), "{out}");

    // `--patterns` alone is the histories table; `-o` writes a file.
    w.succeeds(&[
        "sql",
        "tx",
        "--dialect",
        "duckdb",
        "--discrete",
        "--patterns",
        "-o",
        "q.sql",
    ]);
    let opts = SqlOptions {
        discrete: true,
        patterns: Some(PatternTable::Histories),
        ..SqlOptions::new("tx")
    };
    assert_eq!(
        w.read("q.sql"),
        summary_query(Dialect::DuckDb, &opts).unwrap()
    );
}

#[test]
fn refuses_what_it_cannot_write() {
    let w = Workdir::new();
    w.fails(
        &["sql", "tx", "--dialect", "duckdb", "--patterns", "spend"],
        &["needs an amount column"],
    );
    w.fails(
        &["sql", "a`b", "--dialect", "bigquery"],
        &["'a`b'", "backtick"],
    );
    w.fails(
        &[
            "sql",
            "tx",
            "--dialect",
            "postgres",
            "--calibration-end",
            "1998-01-01",
            "--observation-end",
            "1997-01-01",
        ],
        &["1998-01-01"],
    );
    let out = w.run(&["sql", "tx", "--dialect", "oracle"]);
    assert_eq!(out.status.code(), Some(2));
    let out = w.run(&[
        "sql",
        "tx",
        "--dialect",
        "spark",
        "--observation-end",
        "30/06/1998",
    ]);
    assert_eq!(out.status.code(), Some(2));
}
