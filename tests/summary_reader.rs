//! Issue 12: the parallel chunked summary reader gives exactly what a record-by-record read
//! with the `csv` crate gives (the reader before issue 12): the same summary, the same errors
//! with the same lines, on small files and on files of many chunks; the streaming and
//! pattern entry points agree with it; fitting on patterns is fitting on the summary.

mod common;

use std::error::Error as _;
use std::fmt::Write as _;
use std::path::Path;

use btyd::data::{compress, spend_observations, CustomerSummary, History, Holdout, TimeUnit};
use btyd::fit::{fit_model, fit_model_on_patterns, FitOptions};
use btyd::io::{read_summary_from, read_summary_patterns_from, summary_blocks, SummaryColumns};
use btyd::models::ModelKind;
use common::through_csv_crate;

/// The reader's result: the customers, or the error's message.
fn outcome(bytes: &[u8]) -> Result<Vec<CustomerSummary>, String> {
    read_summary_from(bytes, "s.csv", TimeUnit::Week)
        .map(|s| s.customers)
        .map_err(|e| {
            // A malformed-CSV error carries the `csv` crate's own error (which the command
            // line prints too): the one a whole read with the `csv` crate gives, position
            // included.
            if let Some(source) = e.source() {
                assert_eq!(Some(source.to_string()), csv_crate_error(bytes), "{e}");
            }
            e.to_string()
        })
}

/// The first error of a whole read of `bytes` with the `csv` crate, as the reader before
/// issue 12 made it.
fn csv_crate_error(bytes: &[u8]) -> Option<String> {
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    if let Err(e) = r.headers() {
        return Some(e.to_string());
    }
    let mut record = csv::StringRecord::new();
    loop {
        match r.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(e) => return Some(e.to_string()),
        }
    }
}

/// The customers as the `csv` crate reads them (valid files only), independently of btyd.
fn reference(bytes: &[u8]) -> Vec<CustomerSummary> {
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let col = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| header.iter().position(|h| h == n))
    };
    let id = col(&["customer_id", "ID", "id"]).unwrap();
    let x = col(&["frequency", "x"]).unwrap();
    let t_x = col(&["recency", "t_x"]).unwrap();
    let t = col(&["T", "age"]).unwrap();
    let m = col(&["monetary_value", "zbar", "m"]);
    let fh = col(&["frequency_holdout"]);
    let mh = col(&["monetary_value_holdout"]);
    let dh = col(&["duration_holdout"]);
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let num = |c: usize| rec[c].parse::<f64>().unwrap();
            CustomerSummary {
                customer_id: rec[id].to_string(),
                history: History {
                    frequency: num(x),
                    recency: num(t_x),
                    age: num(t),
                },
                monetary_value: m.map(num),
                holdout: fh.map(|f| Holdout {
                    frequency: num(f),
                    monetary_value: mh.map_or(0.0, num),
                    duration: num(dh.unwrap()),
                }),
            }
        })
        .collect()
}

/// The chunked reader and the `csv` crate agree on `bytes`; returns the outcome.
fn agree(bytes: &[u8]) -> Result<Vec<CustomerSummary>, String> {
    let got = outcome(bytes);
    if let Some(csv) = through_csv_crate(bytes) {
        // Not `assert_eq!`: the rows are too many to print.
        let want = read_summary_from(&csv[..], "s.csv", TimeUnit::Week)
            .map(|s| s.customers)
            .map_err(|e| e.to_string());
        if got != want {
            let brief = |r: &Result<Vec<CustomerSummary>, String>| match r {
                Ok(rows) => format!("{} rows", rows.len()),
                Err(e) => e.clone(),
            };
            panic!(
                "chunked reader: {}\ncsv crate: {}",
                brief(&got),
                brief(&want)
            );
        }
    }
    got
}

fn summary_files() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for dir in ["datasets", "tests/data"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "csv") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn agrees_with_the_csv_crate_on_every_csv_file_of_the_repository() {
    let mut read = 0;
    for path in summary_files() {
        let bytes = std::fs::read(&path).unwrap();
        match agree(&bytes) {
            Ok(customers) => {
                read += 1;
                assert_eq!(customers, reference(&bytes), "{}", path.display());
                // CRLF line ends and blank lines change nothing.
                let crlf = String::from_utf8(bytes.clone())
                    .unwrap()
                    .replace('\n', "\r\n\r\n");
                assert_eq!(agree(crlf.as_bytes()), Ok(customers), "{}", path.display());
            }
            Err(e) => assert!(e.starts_with("s.csv"), "{}: {e}", path.display()),
        }
    }
    assert!(read >= 2, "the CDNOW summaries are read");
}

/// A generated summary of `n` rows (some MiB: many chunks) with short and long ids,
/// fractional values, monetary and holdout columns; `eol` ends the lines.
fn generated(n: usize, eol: &str) -> String {
    let mut text = format!(
        "customer_id,frequency,recency,T,monetary_value,frequency_holdout,\
         monetary_value_holdout,duration_holdout{eol}"
    );
    for i in 0..n {
        let id = if i % 7 == 0 {
            format!("customer-with-a-long-id-{i:08}")
        } else {
            i.to_string()
        };
        let x = i % 5;
        let t = 10.0 + (i % 97) as f64 / 7.0;
        let t_x = if x == 0 {
            0.0
        } else {
            t * (i % 11) as f64 / 11.0
        };
        let m = if x == 0 {
            0.0
        } else {
            1.0 + (i % 13) as f64 * 0.37
        };
        writeln!(
            text,
            "{id},{x},{t_x},{t},{m},{},{},{}{}",
            i % 3,
            (i % 3) as f64 * 2.5,
            39 + i % 2,
            if i % 1000 == 999 { eol } else { "" }
        )
        .unwrap();
        if eol != "\n" {
            text.pop();
            text.push_str(eol);
        }
    }
    text
}

#[test]
fn agrees_with_the_csv_crate_on_files_of_many_chunks() {
    for eol in ["\n", "\r\n", "\r"] {
        let text = generated(150_000, eol);
        assert!(text.len() > 6 << 20, "{} bytes", text.len());
        let got = agree(text.as_bytes()).unwrap();
        assert_eq!(got.len(), 150_000);
        assert!(got == reference(text.as_bytes()), "eol {eol:?}");
        // A quote late in the file: the rest is read by the `csv` crate.
        let quoted = text.replacen("\n140001,", "\n\"1400\n01\",", 1);
        let quoted = quoted.replacen("\r140001,", "\r\"1400\r01\",", 1);
        assert!(quoted != text);
        let got = agree(quoted.as_bytes()).unwrap();
        assert!(got == reference(quoted.as_bytes()), "eol {eol:?}");
        assert!(got
            .iter()
            .any(|c| c.customer_id.contains("1400") && c.customer_id.len() == 7));
    }
    // A quote in the first chunk, and a quoted header.
    let text = generated(60_000, "\n").replacen("\n5,", "\n\"5\",", 1);
    assert!(agree(text.as_bytes()).unwrap() == reference(text.as_bytes()));
    // A byte-order mark, blank lines before the header, whitespace around fields.
    let text = format!(
        "\u{feff}\r\n\n customer_id , frequency,recency ,T\r\n{}",
        (0..50_000)
            .map(|i| format!(" {i} ,1, 2 ,3\r\n"))
            .collect::<String>()
    );
    assert_eq!(agree(text.as_bytes()).unwrap().len(), 50_000);
}

/// Lines of `text` (1-based) at which to break rows, for error tests.
fn with_lines(text: &str, edits: &[(usize, &str)]) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    for &(line, new) in edits {
        lines[line - 1] = new.to_string();
    }
    lines.join("\n")
}

#[test]
fn errors_across_chunks_are_those_of_a_whole_read() {
    let text = generated(150_000, "\n");
    // Row errors in several chunks, counted and listed in file order.
    let bad = with_lines(
        &text,
        &[
            (120_003, "a,x,1,2,3,0,0,39"),
            (5, "b,1,3,2,3,0,0,39"),
            (80_000, ",1,1,2,3,0,0,39"),
        ],
    );
    let err = agree(bad.as_bytes()).unwrap_err();
    assert!(err.starts_with("s.csv: 3 invalid rows:"), "{err}");
    let lines: Vec<usize> = ["line 5:", "line 80000,", "line 120003,"]
        .iter()
        .map(|l| err.find(l).unwrap_or_else(|| panic!("{l} in {err}")))
        .collect();
    assert!(lines.windows(2).all(|w| w[0] < w[1]), "{err}");
    // A duplicate id across chunks, short and long.
    let dup = with_lines(&text, &[(140_000, "17,1,1,2,3,0,0,39")]);
    assert_eq!(
        agree(dup.as_bytes()).unwrap_err(),
        "s.csv, line 140000, field 'customer_id': duplicate customer id '17' (first on line 19)"
    );
    let long = "customer-with-a-long-id-00000014";
    let dup = with_lines(&text, &[(130_001, &format!("{long},1,1,2,3,0,0,39"))]);
    let err = agree(dup.as_bytes()).unwrap_err();
    assert!(
        err.ends_with(&format!(
            "duplicate customer id '{long}' (first on line 16)"
        )),
        "{err}"
    );
    // A duplicate reported before the row's own error, and an id first seen on an invalid row.
    let both = with_lines(
        &text,
        &[(70_000, "9,x,1,2,3,0,0,39"), (100_000, "9,1,1,2,3,0,0,39")],
    );
    let err = agree(both.as_bytes()).unwrap_err();
    assert!(
        err.contains(
            "line 70000, field 'customer_id': duplicate customer id '9' (first on line 11)"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "line 100000, field 'customer_id': duplicate customer id '9' (first on line 11)"
        ),
        "{err}"
    );
    // Malformed CSV wins over every invalid row, before or after it; the first one wins.
    let malformed = with_lines(
        &text,
        &[
            (3, "b,1,3,2,3,0,0,39"),
            (90_000, "a,1,1,2,3,0,0"),
            (110_000, "a,1,1,2,3,0,0,39,1"),
            (120_000, "c,1,3,2,3,0,0,39"),
        ],
    );
    let err = agree(malformed.as_bytes()).unwrap_err();
    assert!(
        err.starts_with(
            "s.csv, line 90000: malformed CSV: the record has 7 fields, but the previous one has 8"
        ),
        "{err}"
    );
    // Invalid UTF-8 far in the file, on CRLF lines.
    let mut bytes = generated(150_000, "\r\n").into_bytes();
    let at = bytes.len() - 1000;
    bytes[at] = 0xFF;
    let err = agree(&bytes).unwrap_err();
    assert!(err.contains("malformed CSV: invalid utf-8"), "{err}");
    // Many invalid rows: all counted, ten listed.
    let many = text.replace(",39\n", ",-1\n");
    let err = agree(many.as_bytes()).unwrap_err();
    assert!(
        err.starts_with("s.csv: 75000 invalid rows (the first 10):"),
        "{err}"
    );
    assert_eq!(err.matches("is negative").count(), 10, "{err}");
}

/// The blocks can be consumed on another thread.
#[test]
fn blocks_are_send() {
    fn send<T: Send>() {}
    send::<btyd::io::SummaryBlocks>();
}

#[test]
fn blocks_stream_the_same_rows_and_errors() {
    let text = generated(350_000, "\r\n");
    let whole = outcome(text.as_bytes()).unwrap();
    let blocks = summary_blocks(Box::new(std::io::Cursor::new(text.clone())), "s.csv").unwrap();
    assert_eq!(
        blocks.columns(),
        SummaryColumns {
            monetary_value: true,
            holdout: true,
            monetary_value_holdout: true
        }
    );
    let parts: Vec<Vec<CustomerSummary>> = blocks.map(Result::unwrap).collect();
    assert!(parts.len() > 1, "{} blocks", parts.len());
    assert!(parts.concat() == whole);

    // Errors come last, as a whole read gives them.
    let bad = with_lines(&generated(150_000, "\n"), &[(149_000, "1,1,1,2,3,0,0,39")]);
    let want = outcome(bad.as_bytes()).unwrap_err();
    let items: Vec<_> = summary_blocks(Box::new(std::io::Cursor::new(bad)), "s.csv")
        .unwrap()
        .collect();
    let last = items.last().unwrap().as_ref().unwrap_err();
    assert_eq!(last.to_string(), want);
    assert!(items[..items.len() - 1].iter().all(Result::is_ok));

    // No rows: the iterator's only item is the error; header errors come from the call.
    let empty = "customer_id,frequency,recency,T\r\n\r\n";
    let mut blocks = summary_blocks(Box::new(empty.as_bytes()), "s.csv").unwrap();
    assert_eq!(
        blocks.columns(),
        SummaryColumns {
            monetary_value: false,
            holdout: false,
            monetary_value_holdout: false
        }
    );
    let err = blocks.next().unwrap().unwrap_err();
    assert_eq!(
        err.to_string(),
        "s.csv: no customers: the summary has no rows"
    );
    assert!(blocks.next().is_none());
    let err = summary_blocks(Box::new(&b"customer_id,frequency,T\n"[..]), "s.csv").unwrap_err();
    assert!(
        err.to_string()
            .contains("required column 'recency' is missing"),
        "{err}"
    );
}

#[test]
fn patterns_are_those_of_the_summary() {
    let mut files = vec![generated(150_000, "\n").into_bytes()];
    for name in [
        "cdnow_customers_summary.csv",
        "cdnow_customers_summary_with_transactions.csv",
    ] {
        files.push(std::fs::read(common::dataset(name)).unwrap());
    }
    for bytes in files {
        let summary = read_summary_from(&bytes[..], "s.csv", TimeUnit::Week).unwrap();
        let patterns = read_summary_patterns_from(&bytes[..], "s.csv", TimeUnit::Week).unwrap();
        assert_eq!(patterns.customers, summary.customers.len() as u64);
        assert_eq!(
            patterns.histories,
            compress(summary.histories().map(|h| (h, 1.0)))
        );
        match (patterns.spend(), spend_observations(&summary)) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (a, b) => assert_eq!(a.unwrap_err().to_string(), b.unwrap_err().to_string()),
        }
    }
    // Invalid spend: the error names the customers, as on the summary.
    let text = "customer_id,frequency,recency,T,monetary_value\na,1,1,2,0\nb,0,0,2,0\nc,2,1,2,-1\n";
    let patterns = read_summary_patterns_from(text.as_bytes(), "s.csv", TimeUnit::Week).unwrap();
    let summary = read_summary_from(text.as_bytes(), "s.csv", TimeUnit::Week).unwrap();
    assert_eq!(
        patterns.spend().unwrap_err().to_string(),
        spend_observations(&summary).unwrap_err().to_string()
    );
    // Reading errors are the summary reader's.
    let bad = "customer_id,frequency,recency,T\na,1,3,2\n";
    assert_eq!(
        read_summary_patterns_from(bad.as_bytes(), "s.csv", TimeUnit::Week)
            .unwrap_err()
            .to_string(),
        "s.csv, line 2: recency 3 is greater than T 2"
    );
}

#[test]
fn fitting_on_patterns_is_fitting_on_the_summary() {
    let opts = FitOptions::default();
    let bytes = std::fs::read(common::dataset(
        "cdnow_customers_summary_with_transactions.csv",
    ))
    .unwrap();
    let summary = read_summary_from(&bytes[..], "s.csv", TimeUnit::Week).unwrap();
    let patterns = read_summary_patterns_from(&bytes[..], "s.csv", TimeUnit::Week).unwrap();
    for kind in ["bg-nbd", "pareto-nbd", "gamma-gamma"] {
        let kind: ModelKind = kind.parse().unwrap();
        let a = fit_model(kind, &summary, TimeUnit::Week, &opts).unwrap();
        let b = fit_model_on_patterns(kind, &patterns, &opts).unwrap();
        assert_eq!(format!("{:?}", a.model), format!("{:?}", b.model), "{kind}");
        assert_eq!(a.covariance, b.covariance, "{kind}");
        assert_eq!(a.log_likelihood, b.log_likelihood, "{kind}");
        assert_eq!(a.n_obs, b.n_obs, "{kind}");
        assert_eq!(a.n_patterns, b.n_patterns, "{kind}");
    }
    // BG/BB needs opportunities.
    let err = fit_model_on_patterns("bg-bb".parse().unwrap(), &patterns, &opts).unwrap_err();
    assert!(err.to_string().contains("discrete-time"), "{err}");
}
