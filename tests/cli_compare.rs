//! End-to-end runs of `btyd demo` (every promised file) and `btyd compare` (a model that fails
//! to converge is reported in its row, not a crash).

mod common;

use std::collections::HashMap;

use btyd::models::ModelKind;
use common::dataset;
use common::workdir::Workdir;

/// Parses a CSV file: header and rows. Panics with the file name when it is not valid CSV.
fn table(w: &Workdir, name: &str) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let text = w.read(name);
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .iter()
        .map(String::from)
        .collect();
    let rows = rdr
        .records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("{name}: {e}"));
            header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect();
    (header, rows)
}

/// Checks that `name` has at least `columns` and that no cell is NaN or infinite; returns the
/// rows.
fn check_csv(w: &Workdir, name: &str, columns: &[&str]) -> Vec<HashMap<String, String>> {
    let (header, rows) = table(w, name);
    for c in columns {
        assert!(
            header.iter().any(|h| h == c),
            "{name}: no column {c} in {header:?}"
        );
    }
    assert!(!rows.is_empty(), "{name}: no rows");
    for (i, row) in rows.iter().enumerate() {
        for (col, v) in row {
            let lower = v.to_ascii_lowercase();
            assert!(
                !(lower.contains("nan") || lower.contains("inf")),
                "{name} row {i} column {col}: {v}"
            );
            if let Ok(x) = v.parse::<f64>() {
                assert!(x.is_finite(), "{name} row {i} column {col}: {v}");
            }
        }
    }
    rows
}

fn num(row: &HashMap<String, String>, col: &str) -> f64 {
    row[col]
        .parse()
        .unwrap_or_else(|e| panic!("column {col} = {:?}: {e}", row[col]))
}

/// A minimal well-formedness check of an XML document: tags nest and close in order, every
/// `<` opens a tag, comment, declaration or processing instruction that is closed. Returns the
/// text content of the elements named `text` and `title`.
fn check_xml(name: &str, doc: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut texts = Vec::new();
    let mut rest = doc;
    let mut roots = 0;
    while let Some(open) = rest.find('<') {
        let content = &rest[..open];
        if let Some(top) = stack.last() {
            if top == "text" || top == "title" {
                texts.push(content.trim().to_string());
            }
        } else {
            assert!(
                content.trim().is_empty(),
                "{name}: text outside the root: {content:?}"
            );
        }
        rest = &rest[open..];
        if rest.starts_with("<!--") {
            let end = rest
                .find("-->")
                .unwrap_or_else(|| panic!("{name}: open comment"));
            rest = &rest[end + 3..];
            continue;
        }
        let end = rest
            .find('>')
            .unwrap_or_else(|| panic!("{name}: unclosed tag"));
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        assert!(!tag.contains('<'), "{name}: '<' inside a tag: {tag}");
        assert_eq!(
            tag.matches('"').count() % 2,
            0,
            "{name}: unbalanced quotes in {tag}"
        );
        if let Some(closing) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("{name}: stray </{closing}>"));
            assert_eq!(
                open,
                closing.trim(),
                "{name}: <{open}> closed by </{closing}>"
            );
            continue;
        }
        let element: String = tag
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '/')
            .collect();
        assert!(!element.is_empty(), "{name}: empty tag");
        if stack.is_empty() {
            roots += 1;
        }
        if !tag.ends_with('/') {
            stack.push(element);
        }
    }
    assert!(stack.is_empty(), "{name}: unclosed {stack:?}");
    assert!(rest.trim().is_empty(), "{name}: trailing text");
    assert_eq!(roots, 1, "{name}: {roots} root elements");
    texts
}

/// Checks an SVG: well-formed, an `<svg>` root, and `title` among its texts.
fn check_svg(w: &Workdir, name: &str, title: &str) {
    let doc = w.read(name);
    assert!(doc.trim_start().starts_with("<svg"), "{name}: not an SVG");
    let texts = check_xml(name, &doc);
    assert!(
        texts.iter().any(|t| t.contains(title)),
        "{name}: no title containing {title:?} among {texts:?}"
    );
}

#[test]
fn check_xml_rejects_malformed_documents() {
    check_xml("ok", "<svg><g><text>a</text><rect x=\"1\"/></g></svg>");
    for bad in [
        "<svg><g></svg>",
        "<svg><text>a</svg></text>",
        "<svg>",
        "<svg x=\"1></svg>",
        "<svg></svg><svg></svg>",
    ] {
        let r = std::panic::catch_unwind(|| check_xml("bad", bad));
        assert!(r.is_err(), "accepted {bad}");
    }
}

/// The purchase models `compare` fits by default.
fn purchase_models() -> Vec<ModelKind> {
    ModelKind::with_role(btyd::models::Role::Purchase)
}

fn slug(k: ModelKind) -> String {
    k.as_str().replace('-', "_")
}

#[test]
fn demo_writes_every_promised_file() {
    let w = Workdir::new();
    let stdout = w.succeeds(&["demo", "--out", "out"]);
    assert!(stdout.contains("btyd demo report"), "{stdout}");
    assert!(stdout.contains("comparison/comparison.csv"), "{stdout}");
    let models = purchase_models();

    check_csv(
        &w,
        "out/summary.csv",
        &["customer_id", "frequency", "recency", "T"],
    );
    check_csv(
        &w,
        "out/predictions.csv",
        &["customer_id", "p_alive", "expected_purchases"],
    );
    check_csv(&w, "out/clv.csv", &["customer_id", "clv"]);
    for json in ["out/bg_nbd.json", "out/gamma_gamma.json"] {
        let v: serde_json::Value = serde_json::from_str(&w.read(json)).unwrap();
        assert_eq!(v["format"], "btyd-model", "{json}");
    }

    let rows = check_csv(
        &w,
        "out/comparison/comparison.csv",
        &[
            "rank",
            "model",
            "status",
            "log_likelihood",
            "aic",
            "bic",
            "holdout_predicted",
            "holdout_actual",
            "mae",
            "rmse",
            "chi_square",
            "fit_seconds",
        ],
    );
    assert_eq!(rows.len(), models.len());
    for row in &rows {
        assert_eq!(row["status"], "ok", "{row:?}");
        // [LO] docs/reference.md §8.2: 1,882 actual holdout purchases.
        assert_eq!(num(row, "holdout_actual"), 1882.0);
    }
    let bg = rows.iter().find(|r| r["model"] == "bg-nbd").unwrap();
    // docs/reference.md §8.2: BG/NBD MAE 0.7855, Σ E[Y(39)] 1653.4.
    assert!((num(bg, "mae") - 0.7855).abs() < 1e-3);
    assert!((num(bg, "holdout_predicted") - 1653.4).abs() < 1.0);

    let expected_cols: Vec<String> = models
        .iter()
        .map(|k| format!("expected_{}", slug(*k)))
        .collect();
    let mut cols = vec!["frequency_class", "customers", "actual"];
    cols.extend(expected_cols.iter().map(String::as_str));
    let by = check_csv(&w, "out/comparison/holdout_by_frequency.csv", &cols);
    assert_eq!(by.len(), 8);
    assert_eq!(by[7]["frequency_class"], "7+");

    let mut cols = vec!["frequency_class", "actual_customers"];
    let cal: Vec<String> = models
        .iter()
        .map(|k| format!("expected_customers_{}", slug(*k)))
        .collect();
    cols.extend(cal.iter().map(String::as_str));
    check_csv(&w, "out/comparison/calibration_fit.csv", &cols);

    let mut cols = vec![
        "period",
        "time",
        "phase",
        "actual_cumulative",
        "actual_incremental",
    ];
    let tr: Vec<String> = models
        .iter()
        .flat_map(|k| {
            [
                format!("expected_cumulative_{}", slug(*k)),
                format!("expected_incremental_{}", slug(*k)),
            ]
        })
        .collect();
    cols.extend(tr.iter().map(String::as_str));
    let tracking = check_csv(&w, "out/comparison/tracking.csv", &cols);
    assert_eq!(tracking.len(), 78);
    // docs/reference.md §1: 4,339 cumulative repeat transactions at week 78.
    assert_eq!(num(&tracking[77], "actual_cumulative"), 4339.0);

    let mut cols = vec![
        "customer_id",
        "frequency",
        "recency",
        "T",
        "frequency_holdout",
        "duration_holdout",
    ];
    let pr: Vec<String> = models
        .iter()
        .flat_map(|k| {
            [
                format!("expected_purchases_{}", slug(*k)),
                format!("p_alive_{}", slug(*k)),
            ]
        })
        .collect();
    cols.extend(pr.iter().map(String::as_str));
    let preds = check_csv(&w, "out/comparison/predictions.csv", &cols);
    assert_eq!(preds.len(), 2357);

    for k in &models {
        let name = format!("out/comparison/{}.json", slug(*k));
        let v: serde_json::Value = serde_json::from_str(&w.read(&name)).unwrap();
        assert_eq!(v["model"], k.as_str(), "{name}");
    }

    check_svg(
        &w,
        "out/comparison/calibration_histogram.svg",
        "Calibration period",
    );
    check_svg(
        &w,
        "out/comparison/holdout_by_frequency.svg",
        "Holdout purchases by calibration frequency",
    );
    check_svg(
        &w,
        "out/comparison/tracking_cumulative.svg",
        "Cumulative repeat transactions",
    );
    check_svg(
        &w,
        "out/comparison/tracking_incremental.svg",
        "Repeat transactions per period",
    );
    check_svg(
        &w,
        "out/clv_distribution.svg",
        "Distribution of one-year customer lifetime value",
    );
    let p_alive: Vec<String> = std::fs::read_dir(w.path("out/comparison"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("p_alive_") && n.ends_with(".svg"))
        .collect();
    assert_eq!(p_alive.len(), 1, "{p_alive:?}");
    check_svg(
        &w,
        &format!("out/comparison/{}", p_alive[0]),
        "P(alive) by frequency and recency",
    );
    // Legends and axis descriptions with units.
    let tracking_svg = w.read("out/comparison/tracking_cumulative.svg");
    for needle in ["end of calibration", "(weeks)", "actual", "bg-nbd"] {
        assert!(
            tracking_svg.contains(needle),
            "tracking plot: no {needle:?}"
        );
    }
}

/// The CDNOW sample log with the paper's calibration/holdout dates, through `btyd compare`.
fn compare_args<'a>(log: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["compare", log];
    args.extend(common::CDNOW_SAMPLE_COLUMNS);
    args.extend([
        "--calibration-end",
        "1997-09-30",
        "--observation-end",
        "1998-06-30",
        "--out",
        "out",
    ]);
    args.extend_from_slice(extra);
    args
}

/// BG/NBD is forced to stop after one optimiser iteration (hidden `--max-iters`), which the
/// fit reports as not converged: its row says so and every other purchase model is still
/// fitted and reported. With BG/NBD the only purchase model, every model failed: the command
/// then exits 1 after writing the table with the reason.
#[test]
fn compare_reports_a_model_that_does_not_converge() {
    let w = Workdir::new();
    let log = dataset("CDNOW_sample.txt");
    let log = log.to_str().unwrap();
    let args = compare_args(log, &["--max-iters", "bg-nbd=1"]);
    let out = w.run(&args);
    let context = w.context(&args, &out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{context}");
    assert!(
        stdout.contains("bg-nbd       failed: BG/NBD fit did not converge"),
        "{context}"
    );
    let others: Vec<ModelKind> = purchase_models()
        .into_iter()
        .filter(|&k| k != ModelKind::BgNbd)
        .collect();
    if others.is_empty() {
        assert_eq!(out.status.code(), Some(1), "{context}");
        assert!(
            stderr.contains("Error: every model failed to fit"),
            "{context}"
        );
    } else {
        assert!(out.status.success(), "{context}");
    }
    let (_, rows) = table(&w, "out/comparison.csv");
    assert_eq!(rows.len(), purchase_models().len(), "{context}");
    let failed = rows.iter().find(|r| r["model"] == "bg-nbd").unwrap();
    assert_eq!(failed["status"], "failed");
    assert!(failed["error"].contains("did not converge"), "{failed:?}");
    assert_eq!(failed["mae"], "");
    assert_eq!(num(failed, "rank"), rows.len() as f64, "failures rank last");
    for k in &others {
        let row = rows.iter().find(|r| r["model"] == k.as_str()).unwrap();
        assert_eq!(row["status"], "ok", "{row:?}");
        assert!(num(row, "mae") > 0.0);
    }
    assert!(
        !w.path("out/bg_nbd.json").exists(),
        "no model file for a failed fit"
    );
}

#[test]
fn compare_ranks_and_prints_the_tables() {
    let w = Workdir::new();
    let log = dataset("CDNOW_sample.txt");
    let args = compare_args(
        log.to_str().unwrap(),
        &["--rank-by", "aic", "--models", "bg-nbd"],
    );
    let stdout = w.succeeds(&args);
    for needle in [
        "models ranked by AIC",
        "1653.4",
        "0.7855",
        "mean holdout purchases by calibration frequency",
        "6.3594",
    ] {
        assert!(stdout.contains(needle), "{needle:?} in\n{stdout}");
    }
    let (_, rows) = table(&w, "out/comparison.csv");
    assert_eq!(rows.len(), 1);
    // A spend model is a usage error (clap exits 2).
    let args = compare_args(log.to_str().unwrap(), &["--models", "gamma-gamma"]);
    let out = w.run(&args);
    let context = w.context(&args, &out);
    assert_eq!(out.status.code(), Some(2), "{context}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("gamma-gamma is not a purchase model"),
        "{context}"
    );
}

/// A log of steady buyers who never drop out (NBD: λ ~ Gamma(0.5, rate 10) per week, 2,000
/// customers, first purchases over 90 days, observed for a year, seeded). The NBD model fits
/// it and `compare` succeeds with it in the table, whatever the dropout models make of data
/// with no dropout in them.
#[test]
fn compare_fits_nbd_on_steady_buyers() {
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};
    use rand_distr::{Distribution, Exp, Gamma};

    let mut rng = StdRng::seed_from_u64(2026);
    let rate = Gamma::new(0.5, 1.0 / 10.0).unwrap();
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let end_day = 365i64;
    let mut log = String::from("customer_id,date\n");
    for c in 0..2000 {
        let first = rng.random_range(0..90i64);
        log.push_str(&format!("c{c},{}\n", start + chrono::Duration::days(first)));
        let lambda_per_day: f64 = rate.sample(&mut rng) / 7.0;
        if lambda_per_day <= 0.0 {
            continue;
        }
        let gap = Exp::new(lambda_per_day).unwrap();
        let mut t = first as f64;
        loop {
            t += gap.sample(&mut rng);
            if t >= end_day as f64 {
                break;
            }
            let day = start + chrono::Duration::days(t.floor() as i64);
            log.push_str(&format!("c{c},{day}\n"));
        }
    }
    let w = Workdir::new();
    w.write("steady.csv", &log);
    let args = [
        "compare",
        "steady.csv",
        "--calibration-end",
        "2024-07-31",
        "--observation-end",
        "2024-12-30",
        "--out",
        "out",
    ];
    w.succeeds(&args);
    let (_, rows) = table(&w, "out/comparison.csv");
    let nbd = rows.iter().find(|r| r["model"] == "nbd").unwrap();
    assert_eq!(nbd["status"], "ok", "{nbd:?}");
    assert!(num(nbd, "mae") > 0.0);
    // The NBD's holdout forecast is close to the actual purchases of these steady buyers.
    let (predicted, actual) = (num(nbd, "holdout_predicted"), num(nbd, "holdout_actual"));
    assert!(
        (predicted - actual).abs() < 0.1 * actual,
        "{predicted} vs {actual}"
    );
    assert!(w.path("out/nbd.json").exists());
    // A dropout model whose maximum lies at "no dropout" is ranked with the NBD's likelihood
    // and says so in its note (issue 10).
    for row in rows
        .iter()
        .filter(|r| r["note"].contains("no dropout in these data"))
    {
        assert_eq!(row["status"], "ok", "{row:?}");
        assert!((num(row, "log_likelihood") - num(nbd, "log_likelihood")).abs() < 1e-4);
    }
}

/// Issue 11 (7, 8): compare's arguments are checked together before any work or file (a
/// model named twice, a P(alive) model not compared, a time unit finer than a day); a frequency
/// cut beyond the data is capped (it used to take 74 s at 5,000 and report every model failed
/// from 200 on); a rerun replaces the folder, so no file of an earlier comparison remains; a
/// folder holding other files is not replaced.
#[test]
fn compare_checks_its_arguments_first_and_writes_a_fresh_folder() {
    let w = Workdir::new();
    let log = dataset("CDNOW_sample.txt");
    let log = log.to_str().unwrap();
    let with = |extra: &[&'static str]| compare_args(log, extra);
    w.fails(&with(&["--models", "bg-nbd,nbd,bg-nbd"]), &["bg-nbd twice"]);
    w.fails(
        &with(&["--models", "bg-nbd,nbd", "--p-alive-model", "pareto-nbd"]),
        &["--p-alive-model pareto-nbd is not among"],
    );
    let out = w.run(&with(&["--time-unit", "0.001"]));
    assert_eq!(out.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 day"));
    assert!(
        !w.path("out").exists(),
        "nothing is written by a refused run"
    );

    let stderr_of = |args: &[&str]| {
        let out = w.run(args);
        assert!(out.status.success(), "{}", w.context(args, &out));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let stderr = stderr_of(&with(&[
        "--models",
        "bg-nbd,nbd",
        "--frequency-cut",
        "5000",
    ]));
    assert!(stderr.contains("capped at"), "{stderr}");
    let (_, rows) = table(&w, "out/comparison.csv");
    assert!(rows.iter().all(|r| r["status"] == "ok"), "{rows:?}");
    assert!(w.path("out/bg_nbd.json").exists());

    // A rerun with other models leaves no file of the first run.
    stderr_of(&with(&["--models", "pareto-nbd"]));
    assert!(!w.path("out/bg_nbd.json").exists(), "stale file kept");
    assert!(w.path("out/pareto_nbd.json").exists());
    let leftovers: Vec<String> = std::fs::read_dir(w.path(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A folder with a file btyd did not write is not replaced.
    w.write("out/notes.txt", "mine");
    w.fails(
        &with(&["--models", "nbd"]),
        &["notes.txt", "another output folder"],
    );
    assert_eq!(w.read("out/notes.txt"), "mine");
}
