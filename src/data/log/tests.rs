//! End-to-end tests of the reader.

use super::*;
use crate::error::{Error, Result};

fn read(text: &str, opts: &ReadOptions) -> Result<Transactions> {
    read_transactions_from(text.as_bytes(), "test.csv", opts)
}

#[test]
fn merges_same_day_purchases_in_any_order() {
    let log = "customer_id,date,amount\n\
               a,2020-01-05,1\nb,2020-01-02,4\na,2020-01-01,2\na,2020-01-05,3\na,2020-01-03,5\n";
    let tx = read(log, &ReadOptions::default()).unwrap();
    assert_eq!(tx.rows, 5);
    assert_eq!(tx.customer_count(), 2);
    let a = &tx.customer(0).unwrap();
    assert_eq!(a.id, "a");
    let days: Vec<(u32, f64)> = a
        .days
        .iter()
        .map(|d| (chrono::Datelike::day(&d.date), d.amount))
        .collect();
    assert_eq!(days, [(1, 2.0), (3, 5.0), (5, 4.0)]);
    assert_eq!(tx.last_date_line, 2);
    assert_eq!(tx.purchase_days(), 4);
}

#[test]
fn reports_file_line_and_field() {
    let log = "id;date;value\nx;2020-01-01;1.5\nx;2020-02-30;1\n";
    let err = read(log, &ReadOptions::default()).unwrap_err().to_string();
    assert!(
        err.starts_with("test.csv, line 3, field 'date': cannot parse date '2020-02-30'"),
        "{err}"
    );
    let log = "id,date,value\nx,2020-01-01,-1\n";
    let err = read(log, &ReadOptions::default()).unwrap_err().to_string();
    assert!(
        err.contains("line 2, field 'value'") && err.contains("negative"),
        "{err}"
    );
    let opts = ReadOptions {
        allow_negative: true,
        ..ReadOptions::default()
    };
    assert_eq!(
        read(log, &opts)
            .unwrap()
            .customer(0)
            .unwrap()
            .days
            .get(0)
            .unwrap()
            .amount,
        -1.0
    );
}

#[test]
fn without_header_needs_indices() {
    let opts = ReadOptions {
        has_header: false,
        ..ReadOptions::default()
    };
    let err = read("a 20200101\n", &opts).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidOption {
                name: "customer column",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "customer column (not given): without a header it must be given as a 1-based index"
    );
    let opts_by_name = ReadOptions {
        has_header: false,
        customer_col: Some(ColumnSpec::Name("id".into())),
        date_col: Some(ColumnSpec::Index(2)),
        ..ReadOptions::default()
    };
    let err = read("a 20200101\n", &opts_by_name).unwrap_err();
    assert_eq!(
        err.to_string(),
        "customer column 'id': is a name, but the log has no header: give a 1-based index"
    );
    let opts = ReadOptions {
        has_header: false,
        customer_col: Some(ColumnSpec::Index(1)),
        date_col: Some(ColumnSpec::Index(2)),
        ..ReadOptions::default()
    };
    let tx = read("a 20200101\n\n  b   20200102  \n", &opts).unwrap();
    assert_eq!(tx.customer_count(), 2);
    assert!(!tx.has_amounts);
    let err = read("a 20200101\nb\n", &opts).unwrap_err().to_string();
    assert!(err.contains("line 2, field '2': missing field"), "{err}");
}

/// A log spanning many chunks: customer `i % 1000` buys on day `i % 28 + 1` (7 distinct
/// days each, as gcd(1000, 28) = 4).
fn big_log(rows: usize, line: impl Fn(usize) -> Option<String>) -> String {
    let mut log = String::from("id,date,amount\n");
    for i in 0..rows {
        let row =
            line(i + 2).unwrap_or_else(|| format!("c{},2020-02-{:02},1.5\n", i % 1000, i % 28 + 1));
        log.push_str(&row);
    }
    log
}

#[test]
fn parallel_chunks_report_the_first_bad_line_and_keep_order() {
    let bad = |n| Some(format!("c1,2020-02-3{n},1\n"));
    let log = big_log(300_000, |line| match line {
        250_000 => bad(0),
        120_000 => bad(1),
        _ => None,
    });
    let err = read(&log, &ReadOptions::default()).unwrap_err().to_string();
    assert!(
        err.starts_with("test.csv, line 120000, field 'date'"),
        "{err}"
    );

    let log = big_log(300_000, |_| None);
    let tx = read(&log, &ReadOptions::default()).unwrap();
    assert_eq!(tx.rows, 300_000);
    assert_eq!(tx.customer_count(), 1000);
    assert!(tx
        .customers()
        .enumerate()
        .all(|(i, c)| c.id == format!("c{i}")));
    assert!(tx.customers().all(|c| c.days.len() == 7));
    let sums: f64 = tx.customer(0).unwrap().days.iter().map(|d| d.amount).sum();
    assert_eq!(sums, 300.0 * 1.5);
}

#[test]
fn quoted_fields_after_the_first_chunk_use_the_csv_parser() {
    let log = big_log(200_000, |line| match line {
        150_000 => Some("\"new, \"\"quoted\"\"\",2020-02-01,2\n".into()),
        190_000 => Some("c1,2020-02-31,1\n".into()),
        _ => None,
    });
    let err = read(&log, &ReadOptions::default()).unwrap_err().to_string();
    assert!(
        err.starts_with("test.csv, line 190000, field 'date'"),
        "{err}"
    );
    let log = log.replace("2020-02-31", "2020-02-28");
    let tx = read(&log, &ReadOptions::default()).unwrap();
    assert_eq!(tx.customer_count(), 1001);
    assert_eq!(tx.customer(1000).unwrap().id, "new, \"quoted\"");
    assert_eq!(tx.rows, 200_000);
}

/// The error message of reading `log`.
fn error_of(log: &str, opts: &ReadOptions) -> String {
    read(log, opts).unwrap_err().to_string()
}

/// Defect 4 of issue 11: from the first quote on (the `csv` crate's part), CRLF lines were off
/// by one and each blank line added one more. Every reader path now gives the line an editor
/// shows, CRLF and blank lines included.
#[test]
fn reports_physical_lines_with_crlf_and_blank_lines() {
    let opts = ReadOptions::default();
    // Quoted from the start: the whole log goes through the csv crate.
    let log = "\"id\",date\r\n\r\na,2020-01-01\r\n\r\n\r\nb,2020-01-02\r\nc,2020-02-30\r\n";
    let err = error_of(log, &opts);
    assert!(err.starts_with("test.csv, line 7, field 'date'"), "{err}");
    // A quoted field spanning lines, then blank lines.
    let log = "id,date\na,2020-01-01\n\"b\r\nc\",2020-01-02\r\n\n\nd,2020-01-32\n";
    let err = error_of(log, &opts);
    assert!(err.starts_with("test.csv, line 7, field 'date'"), "{err}");
    // Without quotes (the chunked reader), the same lines.
    let log = "id,date\r\n\r\na,2020-01-01\r\n\r\n\r\nb,2020-01-02\r\nc,2020-02-30\r\n";
    let err = error_of(log, &opts);
    assert!(err.starts_with("test.csv, line 7, field 'date'"), "{err}");
    // The line of the last date, used by the summary's messages.
    let log = "\"id\",date\r\n\r\na,2020-01-01\r\n\r\nb,2020-03-02\r\nc,2020-01-02\r\n";
    assert_eq!(read(log, &opts).unwrap().last_date_line, 5);
}

/// Defect 4 of issue 11: the header is not always on line 1; errors about it name its line.
#[test]
fn header_errors_name_the_header_line() {
    let err = error_of("\n\r\n\"id\",day\na,2020-01-01\n", &ReadOptions::default());
    assert!(err.starts_with("test.csv, line 3: no date column"), "{err}");
    let err = error_of("\n\nid,day\na,2020-01-01\n", &ReadOptions::default());
    assert!(err.starts_with("test.csv, line 3: no date column"), "{err}");
}

/// Defect 5 of issue 11: header names are trimmed as data fields are, and a leading blank line
/// does not switch the delimiter to whitespace.
#[test]
fn trims_header_names_and_skips_leading_blank_lines() {
    let log = "customer_id, date, amount\na, 2020-01-01, 2\n";
    let tx = read(log, &ReadOptions::default()).unwrap();
    assert!(tx.has_amounts);
    assert_eq!(tx.date_field, "date");
    assert_eq!(tx.customer(0).unwrap().days.get(0).unwrap().amount, 2.0);
    let quoted = "\" customer_id \",\" date \"\na,2020-01-01\n";
    assert_eq!(read(quoted, &ReadOptions::default()).unwrap().rows, 1);
    let log = "\r\n\ncustomer_id,date,amount\na,2020-01-01,2\nb,2020-01-02,3\n";
    let tx = read(log, &ReadOptions::default()).unwrap();
    assert_eq!(tx.customer_count(), 2);
    assert_eq!(tx.customer(1).unwrap().days.get(0).unwrap().amount, 3.0);
}

/// Defect 11 of issue 11: a huge field or header was echoed in full in the message.
#[test]
fn quotes_huge_fields_and_headers_shortened() {
    let huge = "9".repeat(1 << 20);
    let log = format!("id,date,amount\na,2020-01-01,1\nb,{huge},1\n");
    let err = error_of(&log, &ReadOptions::default());
    assert!(err.len() < 400, "{} bytes: {}", err.len(), &err[..400]);
    assert!(
        err.contains(&format!(
            "cannot parse date '{}…' (1048576 bytes)",
            &huge[..80]
        )),
        "{err}"
    );
    let log = format!("id,date,amount\na,2020-01-01,x{huge}\n");
    let err = error_of(&log, &ReadOptions::default());
    assert!(
        err.len() < 400 && err.contains("(1048577 bytes) is not a number"),
        "{err}"
    );
    // A header of 200,000 columns without a date column, and a huge column name.
    let columns: Vec<String> = (0..200_000).map(|i| format!("c{i}")).collect();
    let log = format!("id,{}\na\n", columns.join(","));
    let err = error_of(&log, &ReadOptions::default());
    assert!(err.len() < 400, "{} bytes", err.len());
    assert!(err.contains("c18, … (200001 in all)"), "{err}");
    let log = format!("id,date,{huge}\na,2020-01-01,\n");
    let opts = ReadOptions {
        amount_col: Some(ColumnSpec::Index(3)),
        ..ReadOptions::default()
    };
    let err = error_of(&log, &opts);
    assert!(err.len() < 400, "{} bytes", err.len());
    assert!(err.contains("(1048576 bytes)"), "{err}");
}

/// Issue 12: rows are merged into per-customer days by stable sorts and merges (compactions)
/// rather than a table of days. One (customer, day) repeated over many chunks, compactions
/// included, keeps its amounts summed in file order, exactly as a left fold over the rows.
#[test]
fn one_customer_day_over_many_chunks_sums_in_file_order() {
    let mut log = String::from("id,date,amount\n");
    let mut want = std::collections::BTreeMap::new();
    for i in 0..200_000u64 {
        // Amounts whose sum depends on the order of addition.
        let amount = match i % 3 {
            0 => 0.1,
            1 => 1e6 + 0.3,
            _ => 7e-3,
        };
        let day = if i % 10 == 0 { 2 } else { 1 };
        log.push_str(&format!("z,2020-01-0{day},{amount}\n"));
        *want.entry(day).or_insert(-0.0) += amount;
        if i % 1000 == 0 {
            log.push_str(&format!("other{i},2020-01-05,1\n"));
        }
    }
    assert!(log.len() > 3 << 20, "the log spans several chunks");
    let tx = read(&log, &ReadOptions::default()).unwrap();
    let z = tx.customer(0).unwrap();
    assert_eq!(z.id, "z");
    let days: Vec<(u32, f64)> = z
        .days
        .iter()
        .map(|d| (chrono::Datelike::day(&d.date), d.amount))
        .collect();
    let want: Vec<(u32, f64)> = want.into_iter().collect();
    assert_eq!(days, want);
    assert_eq!(tx.customer_count(), 201);
    assert_eq!(tx.customer(1).unwrap().id, "other0");
    assert_eq!(tx.customer(200).unwrap().id, "other199000");
    assert_eq!(tx.purchase_days(), 2 + 200);
}

/// A customer whose rows are spread over the whole log, in decreasing date order and with
/// other customers between them, gets one sorted run of days; customers stay in order of
/// first appearance across chunks and shards.
#[test]
fn customers_spread_over_many_chunks_keep_sorted_days_and_order() {
    let day0 = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let mut log = String::from("id,date,amount\n");
    let mut first_seen = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for i in 0..300_000u64 {
        let (id, day) = if i % 100 == 0 {
            ("spread".to_string(), 5_000 - i / 100)
        } else {
            // Customers appear in a scrambled order.
            (format!("c{}", (i * 7919) % 20_000), i % 50)
        };
        if seen.insert(id.clone()) {
            first_seen.push(id.clone());
        }
        let date = day0 + chrono::Days::new(day);
        log.push_str(&format!("{id},{date},1\n"));
    }
    let tx = read(&log, &ReadOptions::default()).unwrap();
    let ids: Vec<&str> = tx.customers().map(|c| c.id).collect();
    assert_eq!(ids, first_seen);
    let spread = tx.customers().find(|c| c.id == "spread").unwrap();
    assert_eq!(spread.days.len(), 3_000);
    let dates: Vec<_> = spread.days.iter().map(|d| d.date).collect();
    assert!(dates.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(dates[0], day0 + chrono::Days::new(2_001));
    assert!(tx.customers().all(|c| !c.days.is_empty()));
}

/// Dates at the extremes of what the reader accepts are stored and returned exactly, and
/// order correctly against ordinary dates.
#[test]
fn extreme_dates_round_trip() {
    let opts = ReadOptions {
        date_format: crate::data::DateFormat::Pattern("%Y-%m-%d".into()),
        ..ReadOptions::default()
    };
    let log = "id,date\na,2020-01-01\na,0001-01-01\nb,9999-12-31\na,-0044-03-15\nb,1970-01-01\n";
    let tx = read(log, &opts).unwrap();
    let dates = |i| -> Vec<String> {
        tx.customer(i)
            .unwrap()
            .days
            .iter()
            .map(|d| d.date.to_string())
            .collect()
    };
    assert_eq!(dates(0), ["-0044-03-15", "0001-01-01", "2020-01-01"]);
    assert_eq!(dates(1), ["1970-01-01", "9999-12-31"]);
    assert_eq!(tx.first_date.to_string(), "-0044-03-15");
    assert_eq!(tx.last_date.to_string(), "9999-12-31");
}
