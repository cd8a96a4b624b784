//! Issue 11 ("Hardening the edges"), the readers and messages: exact line numbers in the
//! summary and pattern readers, short messages for huge fields, numbers in their shortest
//! form in messages and CSV outputs.

use btyd::data::{CustomerSummary, History, Summary, TimeUnit};
use btyd::error::Num;
use btyd::io::{read_opportunity_patterns_from, read_summary_from, write_summary, write_table};
use proptest::prelude::*;

fn summary_error(text: &str) -> String {
    read_summary_from(text.as_bytes(), "s.csv", TimeUnit::Week)
        .unwrap_err()
        .to_string()
}

/// Defect 4 of issue 11: the summary reader's lines were off by one on CRLF files and by one
/// more for each blank line.
#[test]
fn summary_errors_name_physical_lines() {
    let crlf = "customer_id,frequency,recency,T\r\n\r\na,1,1,2\r\n\r\nb,x,1,2\r\n";
    assert_eq!(
        summary_error(crlf),
        "s.csv, line 5, field 'frequency': 'x' is not a finite number"
    );
    let duplicate = "customer_id,frequency,recency,T\r\n\r\na,1,1,2\r\n\r\nb,1,1,2\r\nb,1,1,2\r\n";
    assert_eq!(
        summary_error(duplicate),
        "s.csv, line 6, field 'customer_id': duplicate customer id 'b' (first on line 5)"
    );
    // A history error names the row's line; a quoted field spanning lines counts its lines.
    let history = "customer_id,frequency,recency,T\n\"a\nb\",1,1,2\n\n\nc,1,3,2\n";
    assert_eq!(
        summary_error(history),
        "s.csv, line 6: recency 3 is greater than T 2"
    );
    // Several bad rows: each with its line.
    let rows = "customer_id,frequency,recency,T\r\n\r\na,y,1,2\r\nb,1,1,2\r\n\r\nc,z,1,2\r\n";
    let err = summary_error(rows);
    assert!(err.contains("s.csv, line 3, field 'frequency'"), "{err}");
    assert!(err.contains("s.csv, line 6, field 'frequency'"), "{err}");
    // The header after blank lines, and malformed CSV (invalid UTF-8) on a CRLF line.
    let header = "\r\n\r\ncustomer_id,frequency,T\r\na,1,2\r\n";
    let err = summary_error(header);
    assert!(
        err.starts_with("s.csv, line 3: required column 'recency' is missing"),
        "{err}"
    );
    let bytes = b"customer_id,frequency,recency,T\r\n\r\na,1,1,2\r\n\r\nb\xff,1,1,2\r\n";
    let err = read_summary_from(&bytes[..], "s.csv", TimeUnit::Week)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("s.csv, line 5: malformed CSV"), "{err}");
    assert!(
        !err.contains("line: "),
        "the csv crate's own position: {err}"
    );
}

/// Defect 4 of issue 11: the pattern reader (BG/BB) shares the table reader's lines.
#[test]
fn pattern_errors_name_physical_lines() {
    let text = "frequency,recency,periods,weights\r\n\r\n1,1,6,10\r\n\r\n\r\n2,1,6,3\r\n";
    let err = read_opportunity_patterns_from(text.as_bytes(), "p.csv")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("p.csv, line 6: frequency 2 is greater"),
        "{err}"
    );
    let text = "frequency,recency,periods\n1,1,6\r\n1,1,-6\r\n";
    let err = read_opportunity_patterns_from(text.as_bytes(), "p.csv")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "p.csv, line 3, field 'periods': '-6' is not a non-negative whole number"
    );
}

/// Defect 11 of issue 11: a huge field was echoed whole (10 MB on stderr), numbers in full
/// decimal (1e-300 as 300 characters).
#[test]
fn summary_messages_are_short() {
    let huge = "7".repeat(1 << 20) + "x";
    let err = summary_error(&format!("customer_id,frequency,recency,T\na,{huge},1,2\n"));
    assert_eq!(
        err,
        format!(
            "s.csv, line 2, field 'frequency': '{}…' (1048577 bytes) is not a finite number",
            &huge[..80]
        )
    );
    let err = summary_error(&format!(
        "customer_id,frequency,recency,T\n{huge},1,1,2\n{huge},1,1,2\n"
    ));
    assert!(err.len() < 300, "{} bytes", err.len());
    assert!(err.contains("(1048577 bytes) (first on line 2)"), "{err}");
    let err = summary_error("customer_id,frequency,recency,T\na,0,1e-300,2\n");
    assert_eq!(
        err,
        "s.csv, line 2: recency 1e-300 is not 0 although frequency is 0"
    );
    // 100,000 columns, none of them the recency.
    let columns: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
    let text = format!("customer_id,frequency,T,{}\n", columns.join(","));
    let err = summary_error(&text);
    assert!(err.len() < 400, "{} bytes", err.len());
    assert!(err.ends_with(", … (100003 in all))"), "{err}");
}

fn customer(id: &str, frequency: f64, recency: f64, age: f64) -> CustomerSummary {
    CustomerSummary {
        customer_id: id.into(),
        history: History {
            frequency,
            recency,
            age,
        },
        monetary_value: None,
        holdout: None,
    }
}

/// Defect 11 of issue 11: CSV outputs wrote 1e-300 as "0.000…1" (302 characters); they now
/// write the shortest round-trip form, scientific when the plain one is long, and read back
/// exactly.
#[test]
fn csv_outputs_write_numbers_short() {
    let summary = Summary::new(
        TimeUnit::Week,
        vec![
            customer("a", 1.0, 1e-300, 2.5e20),
            customer("b", 0.0, 0.0, 123.25),
        ],
    );
    let mut out = Vec::new();
    write_summary(&summary, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        "customer_id,frequency,recency,T\na,1,1e-300,2.5e20\nb,0,0,123.25\n"
    );
    let back = read_summary_from(text.as_bytes(), "back.csv", TimeUnit::Week).unwrap();
    assert_eq!(back.customers, summary.customers);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    let rows = vec![vec![
        1e-300.into(),
        (-2e-7).into(),
        1e16.into(),
        9_999_999_999_999_998.0.into(),
        0.1.into(),
        1e-5.into(),
    ]];
    write_table(&path, &["a", "b", "c", "d", "e", "f"], rows).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "a,b,c,d,e,f\n1e-300,-2e-7,1e16,9999999999999998,0.1,0.00001\n"
    );
}

proptest! {
    /// Defect 11 of issue 11: every finite number is written in at most 24 characters and
    /// reads back exactly.
    #[test]
    fn numbers_are_short_and_round_trip(bits in any::<u64>()) {
        let x = f64::from_bits(bits);
        prop_assume!(x.is_finite());
        let text = Num(x).to_string();
        prop_assert!(text.len() <= 24, "{x:?} as {text}");
        prop_assert_eq!(text.parse::<f64>().ok(), Some(x));
    }
}
