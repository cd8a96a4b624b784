//! `btyd report` and the report of `btyd demo`: one self-contained HTML file (inline CSS and
//! SVG, nothing to fetch) with every CSV beside it; errors leave nothing behind.

mod common;

use common::workdir::Workdir;

/// The sections every report has, by id and title.
const SECTIONS: [(&str, &str); 9] = [
    ("overview", "Overview"),
    ("kpi", "KPIs and simple CLV"),
    ("models", "Model comparison on the holdout period"),
    ("parameters", "The chosen model&#39;s parameters"),
    ("clv", "CLV distribution"),
    ("segments", "Segments"),
    ("top", "Top customers"),
    ("at-risk", "At-risk high-value customers"),
    ("files", "Files"),
];

/// Checks that `html` is a self-contained report: no script, no external reference, a CSP
/// forbidding requests, every section, inline charts.
fn check_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:\">"
    ));
    let lower = html.to_lowercase();
    for banned in [
        "<script", "<link", "<iframe", "<img", "@import", "url(", "src=",
    ] {
        assert!(!lower.contains(banned), "the report contains {banned}");
    }
    assert!(!lower.contains("http://") && !lower.contains("https://"));
    // Links are in-page anchors only.
    for (i, _) in lower.match_indices("href=\"") {
        assert_eq!(&lower[i + 6..i + 7], "#", "{}", &html[i..i + 40]);
    }
    for (id, title) in SECTIONS {
        assert!(
            html.contains(&format!("<section id=\"{id}\">\n<h2>{title}</h2>")),
            "section {id}"
        );
        assert!(html.contains(&format!("<a href=\"#{id}\">")));
    }
    assert!(html.matches("<svg").count() >= 8, "inline charts");
    assert!(html.contains("simple (historical) CLV per customer"));
    assert!(html.contains("lower 95%"));
}

/// `btyd report` on `log` read with `columns`, calibration to 1997-09-30 and observation to
/// 1998-06-30, then `extra`.
fn report_with<'a>(log: &'a str, columns: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["report", log];
    a.extend(columns);
    a.extend([
        "--calibration-end",
        "1997-09-30",
        "--observation-end",
        "1998-06-30",
    ]);
    a.extend(extra);
    a
}

/// [`report_with`] on the CDNOW sample's columns at a 30% margin.
fn report_args<'a>(log: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = report_with(log, &common::CDNOW_SAMPLE_COLUMNS, &["--margin", "0.3"]);
    a.extend(extra);
    a
}

#[test]
fn report_of_the_cdnow_sample() {
    let w = Workdir::new();
    let log = common::dataset("CDNOW_sample.txt");
    let log = log.to_str().unwrap();
    w.succeeds(&report_args(log, &["--cac", "2", "--out", "rep"]));
    let mut files: Vec<String> = std::fs::read_dir(w.path("rep"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    for f in [
        "report.html",
        "kpi.csv",
        "kpi_retention.csv",
        "kpi_retention.svg",
        "clv.csv",
        "clv_distribution.svg",
        "clv_purchase_model.json",
        "clv_spend_model.json",
        "comparison.csv",
        "segments.csv",
        "segments_summary.csv",
        "segments_concentration.svg",
        "segments_tier_churn.svg",
        "tracking_cumulative.svg",
    ] {
        assert!(files.contains(&f.to_string()), "{f} missing from {files:?}");
    }
    let html = w.read("rep/report.html");
    check_self_contained(&html);
    // The CAC reaches the segments.
    assert!(w
        .read("rep/segments.csv")
        .lines()
        .next()
        .unwrap()
        .ends_with(",cac,net_clv,clv_to_cac"));
    // Every file beside the report is listed in it.
    for f in &files {
        if f != "report.html" {
            assert!(html.contains(&format!("<li>{f}</li>")), "{f} not listed");
        }
    }
    // Each chart once: the CLV histogram is not taken for a comparison chart.
    assert_eq!(
        html.matches("(clv_distribution.svg)</figcaption>").count(),
        1
    );
    assert_eq!(
        html.matches("(tracking_cumulative.svg)</figcaption>")
            .count(),
        1
    );
    // A second run replaces the folder (it holds only btyd's outputs, the report included).
    w.succeeds(&report_args(log, &["--out", "rep"]));
    assert!(!w.read("rep/segments.csv").contains("net_clv"));
}

/// The full CDNOW log has one repeat customer (10244) whose repeat purchase was free: the
/// report leaves it out of the spend model and the CLV table, says so, and succeeds.
#[test]
fn report_of_the_full_cdnow_log_leaves_out_free_repeat_customers() {
    let w = Workdir::new();
    let log = common::dataset("CDNOW_master.txt");
    let args = report_with(
        log.to_str().unwrap(),
        &["--amount-col", "dollar_value"],
        &["--out", "rep"],
    );
    let out = w.run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 repeat customer(s) with a mean repeat spend of 0 left out")
            && stderr.contains("10244"),
        "{stderr}"
    );
    let clv = w.read("rep/clv.csv");
    assert_eq!(clv.lines().count(), 1 + 23_570 - 1);
    assert!(!clv.lines().any(|l| l.starts_with("10244,")));
    let html = w.read("rep/report.html");
    check_self_contained(&html);
    assert!(html.contains("repeat purchases were all free (mean spend 0) are left out"));
}

#[test]
fn demo_writes_the_report_and_decision_files() {
    let w = Workdir::new();
    let out = w.succeeds(&["demo", "--out", "demo"]);
    assert!(out.contains("KPIs: APV"), "{out}");
    for f in [
        "report.html",
        "kpi.csv",
        "kpi_retention.csv",
        "kpi_retention.svg",
        "segments.csv",
        "segments_summary.csv",
        "segments_concentration.svg",
        "segments_tier_churn.svg",
        "clv_distribution.svg",
        "clv.csv",
    ] {
        assert!(w.path("demo").join(f).is_file(), "{f}");
    }
    let html = w.read("demo/report.html");
    check_self_contained(&html);
    assert!(html.contains("<li>comparison/comparison.csv</li>"));
    assert!(html.contains("<li>summary.csv</li>") && html.contains("<li>clv.csv</li>"));
    assert_eq!(
        html.matches("(clv_distribution.svg)</figcaption>").count(),
        1
    );
    // The demo's segments are those of its clv.csv.
    let ids = |name: &str| -> Vec<String> {
        w.read(name)
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids("demo/segments.csv"), ids("demo/clv.csv"));
}

#[test]
fn report_errors_leave_nothing() {
    let w = Workdir::new();
    let log = common::dataset("CDNOW_sample.txt");
    let log = log.to_str().unwrap();
    let mut late = report_args(log, &["--out", "rep"]);
    let at = late.iter().position(|&a| a == "1997-09-30").unwrap();
    late[at] = "1998-09-30";
    w.fails(&late, &["must be before --observation-end"]);
    // No amounts: the KPIs fail before any fit, and no folder is made.
    w.fails(
        &report_with(log, &common::CDNOW_SAMPLE_COLUMNS[..5], &["--out", "rep"]),
        &["no amount column"],
    );
    // A folder with other files is not replaced.
    std::fs::create_dir(w.path("mine")).unwrap();
    w.write("mine/notes.txt", "keep");
    w.fails(
        &report_args(log, &["--out", "mine"]),
        &["holds 'notes.txt'"],
    );
    assert_eq!(w.read("mine/notes.txt"), "keep");
}
