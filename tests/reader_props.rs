//! Arbitrary input to the reader and summary returns `Ok` or `Err`, never panics.

mod common;

use btyd::data::{
    build_summary, read_transactions_from, ColumnSpec, Delimiter, ReadOptions, SummaryOptions,
    TimeUnit,
};
use btyd::io::{read_summary_from, ModelFile};
use common::through_csv_crate;
use proptest::prelude::*;

fn read_and_summarise(bytes: &[u8], opts: &ReadOptions, calibration: bool) {
    if let Ok(tx) = read_transactions_from(bytes, "fuzz", opts) {
        assert!(tx.customer_count() > 0);
        let s = SummaryOptions {
            calibration_end: calibration.then_some(tx.first_date),
            ..SummaryOptions::new(TimeUnit::Week)
        };
        if let Ok((summary, _)) = build_summary(&tx, &s) {
            for c in &summary.customers {
                assert!(c.history.validate().is_ok(), "{c:?}");
            }
        }
    }
}

fn no_header() -> ReadOptions {
    ReadOptions {
        has_header: false,
        customer_col: Some(ColumnSpec::Index(1)),
        date_col: Some(ColumnSpec::Index(2)),
        amount_col: Some(ColumnSpec::Index(3)),
        allow_negative: true,
        ..ReadOptions::default()
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        read_and_summarise(&bytes, &ReadOptions::default(), false);
        read_and_summarise(&bytes, &no_header(), true);
        let ws = ReadOptions { delimiter: Delimiter::Whitespace, ..no_header() };
        read_and_summarise(&bytes, &ws, false);
        let _ = read_summary_from(&bytes[..], "fuzz", TimeUnit::Day);
    }

    #[test]
    fn csv_like_text_never_panics(
        text in "(id,date,amount\n)?([a-c0-9]{0,2}[,; \t]{1,2}(2020-0[1-2]-[0-3][0-9]|2020[01][0-9][0-3][0-9]|x)[,; \t]{1,2}(-?[0-9]{0,3}(\\.[0-9])?|NaN|inf|1e309)?\r?\n){0,8}"
    ) {
        read_and_summarise(text.as_bytes(), &ReadOptions::default(), false);
        read_and_summarise(text.as_bytes(), &ReadOptions::default(), true);
        read_and_summarise(text.as_bytes(), &no_header(), true);
    }

    #[test]
    fn summary_csv_like_text_never_panics(
        text in "(customer_id,frequency,recency,T(,monetary_value)?(,frequency_holdout,duration_holdout)?\r?\n)?([a-c0-9]{0,2},(-?[0-9]{0,2}(\\.[05])?|nan),([0-9]{0,2}(\\.[05])?),([0-9]{1,2})(,[0-9.]{0,3}){0,3}\r?\n){0,6}"
    ) {
        let _ = read_summary_from(text.as_bytes(), "fuzz", TimeUnit::Week);
        check_summary(text.as_bytes())?;
    }
}

/// A valid summary with CRLF line ends and blank lines, to be mutated.
const SUMMARY: &str = "customer_id,frequency,recency,T,monetary_value\r\n\r\n\
                       a,1,1,2,10\r\nb,0,0,3,0\r\n\r\n\"c\nd\",2,2.5,4,7.5\r\ne,3,3,4,1e-3\r\n";

/// A valid BG/NBD model file, to be mutated.
const MODEL: &str = r#"{
  "format": "btyd-model",
  "format_version": 1,
  "btyd_version": "0.1.0",
  "model": "bg-nbd",
  "time_unit": "week",
  "parameters": [
    {"name": "r", "estimate": 0.243, "std_error": 0.013, "lower_95": 0.219, "upper_95": 0.269},
    {"name": "alpha", "estimate": 4.414, "std_error": 0.378, "lower_95": 3.73, "upper_95": 5.22},
    {"name": "a", "estimate": 0.793, "std_error": 0.186, "lower_95": 0.50, "upper_95": 1.26},
    {"name": "b", "estimate": 2.426, "std_error": 0.705, "lower_95": 1.37, "upper_95": 4.29}
  ],
  "covariance": null,
  "log_likelihood": -9582.43,
  "aic": 19172.86,
  "bic": 19195.9,
  "n_customers": 2357.0,
  "n_patterns": 1343,
  "converged": true,
  "iterations": 30,
  "grad_norm": 1e-7,
  "termination": "converged",
  "penalizer": 0.0
}
"#;

/// A mutation of a file: at a position (as a fraction of its length), replace, insert or
/// delete a byte.
fn mutations() -> impl Strategy<Value = Vec<(prop::sample::Index, u8, u8)>> {
    proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 0..4)
}

fn mutate(base: &str, edits: &[(prop::sample::Index, u8, u8)]) -> Vec<u8> {
    let mut bytes = base.as_bytes().to_vec();
    for (at, byte, op) in edits {
        let i = at.index(bytes.len() + 1);
        match op {
            0 if i < bytes.len() => bytes[i] = *byte,
            1 => bytes.insert(i, *byte),
            _ if i < bytes.len() => {
                bytes.remove(i);
            }
            _ => bytes.push(*byte),
        }
    }
    bytes
}

/// The error of a reader of `bytes` named `name` must start with the name, and every line it
/// names must be one of the input's lines.
fn check_error(message: &str, name: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    prop_assert!(
        message.starts_with(name),
        "does not name the file: {message}"
    );
    let lines = 1 + bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    for part in message.split("line ").skip(1) {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse::<u64>() {
            prop_assert!((1..=lines).contains(&n), "line {n} of {lines}: {message}");
        }
    }
    Ok(())
}

/// The summary reader on `bytes`: a summary, or an error naming the file and a real line;
/// and the same outcome as a record-by-record read with the `csv` crate (issue 12).
fn check_summary(bytes: &[u8]) -> Result<(), TestCaseError> {
    let got = read_summary_from(bytes, "fuzz.csv", TimeUnit::Week);
    match &got {
        Ok(s) => prop_assert!(!s.customers.is_empty()),
        Err(e) => check_error(&e.to_string(), "fuzz.csv", bytes)?,
    }
    if let Some(csv) = through_csv_crate(bytes) {
        let want = read_summary_from(&csv[..], "fuzz.csv", TimeUnit::Week);
        prop_assert_eq!(
            got.map_err(|e| e.to_string()),
            want.map_err(|e| e.to_string())
        );
    }
    Ok(())
}

/// The model-file reader on `bytes` written to a file: a model file, or an error naming the
/// file and a real line.
fn check_model_file(bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
    let path = dir.path().join("model.json");
    std::fs::write(&path, bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    if let Err(e) = ModelFile::read(&path) {
        check_error(&e.to_string(), &path.display().to_string(), bytes)?;
    }
    Ok(())
}

#[test]
fn the_fuzz_seeds_are_valid() {
    assert_eq!(
        read_summary_from(SUMMARY.as_bytes(), "s", TimeUnit::Week)
            .unwrap()
            .customers
            .len(),
        4
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    std::fs::write(&path, MODEL).unwrap();
    assert!(ModelFile::read(&path).unwrap().model().is_ok());
}

proptest! {
    /// Issue 11: the summary reader on arbitrary bytes never panics, and its errors name the
    /// file and a line of it.
    #[test]
    fn summary_reader_fuzz_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_summary(&bytes)?;
    }

    /// Issue 11: the summary reader on a mutated valid file (CRLF, blank lines, a quoted line
    /// break) never panics, and its errors name the file and a line of it.
    #[test]
    fn summary_reader_fuzz_mutated_file(edits in mutations()) {
        check_summary(&mutate(SUMMARY, &edits))?;
    }

    /// Issue 11: the model-file reader on arbitrary bytes never panics, and its errors name
    /// the file (and a line of it where they give one).
    #[test]
    fn model_file_fuzz_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        check_model_file(&bytes)?;
    }

    /// Issue 11: the model-file reader on a mutated valid file never panics, and its errors
    /// name the file (and a line of it where they give one).
    #[test]
    fn model_file_fuzz_mutated_file(edits in mutations()) {
        check_model_file(&mutate(MODEL, &edits))?;
    }
}
