//! End-to-end runs of the `btyd` binary, each in its own temporary directory.

mod common;

use std::fs;
use std::path::Path;

use common::workdir::Workdir;

/// `btyd summary <args> -o out.csv` must fail with every `needles` in stderr and leave no file.
fn fails_summary(w: &Workdir, args: &[&str], needles: &[&str]) {
    let mut full = vec!["summary"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["-o", "out.csv"]);
    w.fails(&full, needles);
}

const HEADER: &str = "customer_id,date,amount\n";

fn log(rows: &str) -> String {
    format!("{HEADER}{rows}")
}

#[test]
fn missing_file() {
    fails_summary(
        &Workdir::new(),
        &["nope.csv"],
        &["nope.csv", "No such file"],
    );
}

#[test]
fn empty_file() {
    let w = Workdir::new();
    w.write("log.csv", "");
    fails_summary(&w, &["log.csv"], &["log.csv: the log is empty"]);
    w.write("log.csv", HEADER);
    fails_summary(&w, &["log.csv"], &["log.csv: the log is empty"]);
}

#[test]
fn missing_column() {
    let w = Workdir::new();
    w.write("log.csv", "customer_id,day,amount\na,2020-01-01,1\n");
    fails_summary(
        &w,
        &["log.csv"],
        &[
            "log.csv, line 1: no date column",
            "columns: customer_id, day, amount",
        ],
    );
    fails_summary(
        &w,
        &["log.csv", "--date-col", "day", "--amount-col", "price"],
        &["amount column 'price' not found"],
    );
    fails_summary(
        &w,
        &["log.csv", "--date-col", "7"],
        &["date column 7 does not exist"],
    );
    fails_summary(
        &w,
        &["log.csv", "--no-header"],
        &["must be given as a 1-based index"],
    );
}

#[test]
fn unparseable_date() {
    let w = Workdir::new();
    w.write("log.csv", log("a,2020-01-01,1\na,2020-13-01,2\n"));
    fails_summary(
        &w,
        &["log.csv"],
        &["log.csv, line 3, field 'date': cannot parse date '2020-13-01'"],
    );
    fails_summary(
        &w,
        &["log.csv", "--date-format", "%d/%m/%Y"],
        &["line 2, field 'date'", "'%d/%m/%Y'"],
    );
}

#[test]
fn non_numeric_amount() {
    let w = Workdir::new();
    w.write("log.csv", log("a,2020-01-01,1\nb,2020-01-02,12,50\n"));
    fails_summary(
        &w,
        &["log.csv"],
        &["log.csv, line 3: the line has 4 fields, but the header has 3"],
    );
    w.write("log.csv", log("a,2020-01-01,1\nb,2020-01-02,abc\n"));
    fails_summary(
        &w,
        &["log.csv"],
        &["log.csv, line 3, field 'amount': amount 'abc' is not a number"],
    );
}

#[test]
fn non_finite_amount() {
    let w = Workdir::new();
    for bad in ["NaN", "inf", "-infinity", "1e999"] {
        w.write(
            "log.csv",
            log(&format!("a,2020-01-01,1\na,2020-01-03,{bad}\n")),
        );
        fails_summary(
            &w,
            &["log.csv", "--allow-returns"],
            &[&format!(
                "line 3, field 'amount': amount '{bad}' is not a finite number"
            )],
        );
    }
}

#[test]
fn negative_amount_is_an_error_unless_returns_are_allowed() {
    let w = Workdir::new();
    w.write("log.csv", log("a,2020-01-01,10\na,2020-01-08,-4\n"));
    fails_summary(
        &w,
        &["log.csv"],
        &["line 3, field 'amount': amount '-4' is negative"],
    );
    let out = w.run(&["summary", "log.csv", "--allow-returns", "-o", "-"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "customer_id,frequency,recency,T,monetary_value\na,1,1,1,-4\n"
    );
}

#[test]
fn transaction_after_observation_end() {
    let w = Workdir::new();
    w.write(
        "log.csv",
        log("a,2020-01-01,1\nb,2020-01-05,1\na,2020-01-02,1\n"),
    );
    fails_summary(
        &w,
        &["log.csv", "--observation-end", "2020-01-03"],
        &["log.csv, line 3, field 'date': transaction on 2020-01-05 is after the observation end 2020-01-03"],
    );
}

#[test]
fn calibration_end_after_observation_end() {
    let w = Workdir::new();
    w.write("log.csv", log("a,2020-01-01,1\na,2020-01-05,1\n"));
    fails_summary(
        &w,
        &["log.csv", "--calibration-end", "2020-01-06"],
        &["the calibration end 2020-01-06 is after the observation end 2020-01-05"],
    );
}

#[test]
fn non_utf8_bytes() {
    let w = Workdir::new();
    w.write(
        "log.csv",
        b"customer_id,date,amount\na,2020-01-01,1\nb\xff,2020-01-02,1\n",
    );
    fails_summary(
        &w,
        &["log.csv"],
        &["log.csv, line 3, field 'customer_id': not valid UTF-8 (byte 0xff at offset 1)"],
    );
}

#[test]
fn a_failed_run_keeps_the_previous_output() {
    let w = Workdir::new();
    w.write("log.csv", log("a,2020-01-01,oops\n"));
    w.write("out.csv", "previous\n");
    fails_summary(&w, &["log.csv"], &["amount 'oops' is not a number"]);
    assert_eq!(fs::read_to_string(w.path("out.csv")).unwrap(), "previous\n");
}

/// Two customers over three weeks: `a` buys twice on day 0 (merged), then on days 7 and 14
/// (calibration to day 7, holdout to day 21); `b` first buys in the holdout (excluded).
const SMALL: &str = "id;date;value\n\
                     a;2020-01-01;10\na;2020-01-01;5\na;2020-01-08;20\nb;2020-01-09;3\na;2020-01-15;7\n";

#[test]
fn summary_writes_a_file_and_stdout() {
    let w = Workdir::new();
    w.write("log.csv", SMALL);
    let args = [
        "summary",
        "log.csv",
        "--calibration-end",
        "2020-01-08",
        "--observation-end",
        "2020-01-22",
        "--time-unit",
        "week",
        "-o",
        "out.csv",
    ];
    let out = w.run(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("read 5 transactions (4 purchase days)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 customers, 1 with repeat purchases"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 customers first buying after it are excluded"),
        "{stderr}"
    );
    let expected = "customer_id,frequency,recency,T,monetary_value,frequency_holdout,\
                    monetary_value_holdout,duration_holdout\na,1,1,1,20,1,7,2\n";
    assert_eq!(fs::read_to_string(w.path("out.csv")).unwrap(), expected);
    // The summary's sidecar records its time unit (issue 11).
    assert_eq!(w.files(), ["log.csv", "out.csv", "out.csv.btyd.json"]);

    let mut to_stdout = args.to_vec();
    *to_stdout.last_mut().unwrap() = "-";
    let out = w.run(&to_stdout);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
}

#[test]
fn summary_reads_the_cdnow_sample_without_header() {
    let w = Workdir::new();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/CDNOW_sample.txt");
    let out = w.run(&[
        "summary",
        sample.to_str().unwrap(),
        "--no-header",
        "--delimiter",
        "whitespace",
        "--customer-col",
        "2",
        "--date-col",
        "3",
        "--calibration-end",
        "1997-09-30",
        "--observation-end",
        "1998-06-30",
        "--time-unit",
        "day",
        "-o",
        "s.csv",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let text = fs::read_to_string(w.path("s.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("customer_id,frequency,recency,T,frequency_holdout,duration_holdout")
    );
    // Customer 1: purchases on 1997-01-01, -01-18 and -08-02 (272 days to 1997-09-30), and
    // once in the 273-day holdout.
    assert_eq!(lines.next(), Some("0001,2,213,272,1,273"));
    assert_eq!(text.lines().count(), 2358);
}

#[test]
fn demo_writes_the_calibration_holdout_summary() {
    let w = Workdir::new();
    let out = w.run(&["demo", "--out", "demo-out"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("2357 customers, 946 with repeat purchases"),
        "{stderr}"
    );
    let text = fs::read_to_string(w.path("demo-out/summary.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "customer_id,frequency,recency,T,monetary_value,frequency_holdout,\
             monetary_value_holdout,duration_holdout"
        )
    );
    assert_eq!(lines.count(), 2357);
}

/// Defect 11 of issue 11: a unit of 14 days was printed "14 dayss".
#[test]
fn summary_names_units_of_several_days() {
    let w = Workdir::new();
    w.write("log.csv", SMALL);
    let out = w.run(&["summary", "log.csv", "--time-unit", "14", "-o", "out.csv"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(" periods of 14 days after the first date"),
        "{stderr}"
    );
    assert!(!stderr.contains("dayss"), "{stderr}");
}
