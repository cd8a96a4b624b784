//! `--interval`, `--draws`, `--seed`, `--bootstrap` of `predict`, `clv` and `compare`, and
//! `predict --pmf`: the extra columns come after the unchanged ones, bounds bracket their
//! points, P(alive) bounds stay in [0, 1], pmf rows sum to 1, and runs are seeded.

mod common;

use common::dataset;
use common::workdir::Workdir;

/// A calibration/holdout summary of the CDNOW sample with BG/NBD, Pareto/NBD and
/// Gamma-Gamma fitted on it.
fn setup() -> Workdir {
    let w = Workdir::new();
    let log = dataset("CDNOW_sample.txt");
    let mut args = vec!["summary", log.to_str().unwrap()];
    args.extend(common::CDNOW_SAMPLE_COLUMNS);
    args.extend([
        "--calibration-end",
        "1997-09-30",
        "--observation-end",
        "1998-06-30",
    ]);
    args.extend(["-o", "s.csv"]);
    w.succeeds(&args);
    for (model, out) in [
        ("bg-nbd", "bg.json"),
        ("pareto-nbd", "pn.json"),
        ("gamma-gamma", "gg.json"),
    ] {
        w.succeeds(&["fit", "s.csv", "--model", model, "-o", out]);
    }
    w
}

/// The rows of a CSV as (header, rows of cells).
fn table(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (header, rows)
}

/// Checks every `<c>_lower <= <c> <= <c>_upper` of a table, and P(alive) bounds in [0, 1].
fn check_bounds(text: &str, columns: &[&str]) {
    let (header, rows) = table(text);
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    for c in columns {
        let (p, lo, hi) = (at(c), at(&format!("{c}_lower")), at(&format!("{c}_upper")));
        assert!(lo > p && hi == lo + 1, "{c}: extra columns come after");
        for r in &rows {
            let v = |i: usize| r[i].parse::<f64>().unwrap();
            assert!(v(lo) <= v(p) && v(p) <= v(hi), "{c}: {r:?}");
            if *c == "p_alive" {
                assert!(v(lo) >= 0.0 && v(hi) <= 1.0, "{r:?}");
            }
        }
    }
}

/// The first `n` columns of every line.
fn prefix(text: &str, n: usize) -> String {
    text.lines()
        .map(|l| l.split(',').take(n).collect::<Vec<_>>().join(",") + "\n")
        .collect()
}

#[test]
fn predict_intervals_and_pmf() {
    let w = setup();
    let plain = w.succeeds(&["predict", "bg.json", "s.csv", "--horizon", "39"]);
    let base = plain.lines().next().unwrap().split(',').count();
    let args = [
        "predict",
        "bg.json",
        "s.csv",
        "--horizon",
        "39",
        "--interval",
        "0.9",
        "--draws",
        "300",
        "--seed",
        "5",
    ];
    let with = w.succeeds(&args);
    // The columns of today's table, byte for byte, then the new ones.
    assert_eq!(prefix(&with, base), plain);
    check_bounds(&with, &["expected_purchases", "p_alive"]);
    // Seeded: the same run gives the same bytes; another seed other bounds.
    assert_eq!(w.succeeds(&args), with);
    let mut other = args.to_vec();
    other[10] = "6";
    assert_ne!(w.succeeds(&other), with);
    // The bootstrap gives the same columns.
    let boot = w.succeeds(&[
        "predict",
        "bg.json",
        "s.csv",
        "--horizon",
        "39",
        "--interval",
        "0.8",
        "--bootstrap",
        "40",
    ]);
    assert_eq!(prefix(&boot, base), plain);
    check_bounds(&boot, &["expected_purchases", "p_alive"]);

    // --pmf: p_0..p_N and p_more sum to 1, the quantiles are ordered.
    let pmf = w.succeeds(&[
        "predict",
        "pn.json",
        "s.csv",
        "--horizon",
        "39",
        "--pmf",
        "4",
    ]);
    let (header, rows) = table(&pmf);
    let p0 = header.iter().position(|h| h == "p_0").unwrap();
    assert_eq!(
        &header[p0..],
        [
            "p_0",
            "p_1",
            "p_2",
            "p_3",
            "p_4",
            "p_more",
            "purchases_q05",
            "purchases_q95"
        ]
    );
    for r in &rows {
        let v: Vec<f64> = r[p0..].iter().map(|s| s.parse().unwrap()).collect();
        let sum: f64 = v[..6].iter().sum();
        assert!((sum - 1.0).abs() < 1e-9, "{r:?}");
        assert!(v[6] <= v[7], "{r:?}");
    }
}

#[test]
fn clv_intervals() {
    let w = setup();
    let common = [
        "clv",
        "bg.json",
        "gg.json",
        "s.csv",
        "--horizon",
        "52",
        "--discount-rate",
        "0.1",
        "--annual",
    ];
    let plain = w.succeeds(&common);
    let mut args = common.to_vec();
    args.extend(["--interval", "0.9", "--draws", "200"]);
    let with = w.succeeds(&args);
    assert_eq!(prefix(&with, 10), plain);
    check_bounds(
        &with,
        &["p_alive", "expected_purchases", "expected_spend", "clv"],
    );
    let out = w.run(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("90% interval of the total CLV"), "{stderr}");
}

#[test]
fn compare_intervals_of_the_holdout() {
    let w = Workdir::new();
    let log = dataset("CDNOW_sample.txt");
    let mut args = vec!["compare", log.to_str().unwrap()];
    args.extend(common::CDNOW_SAMPLE_COLUMNS);
    args.extend([
        "--calibration-end",
        "1997-09-30",
        "--observation-end",
        "1998-06-30",
    ]);
    args.extend([
        "--models",
        "bg-nbd",
        "--out",
        "cmp",
        "--interval",
        "0.9",
        "--draws",
        "200",
    ]);
    w.succeeds(&args);
    let text = w.read("cmp/holdout_intervals.csv");
    let (header, rows) = table(&text);
    assert_eq!(
        header,
        ["model", "class", "predicted", "lower", "upper", "actual"]
    );
    let total = rows.iter().find(|r| r[1] == "total").unwrap();
    let v = |i: usize| total[i].parse::<f64>().unwrap();
    assert!(v(3) <= v(2) && v(2) <= v(4));
    assert!((v(2) - 1653.4).abs() < 0.1, "{total:?}");
    let svg = w.read("cmp/holdout_intervals.svg");
    assert!(svg.contains("with 90% intervals"), "{svg}");
}

#[test]
fn bad_uncertainty_options_are_usage_errors() {
    let w = setup();
    for args in [
        vec![
            "predict",
            "bg.json",
            "s.csv",
            "--horizon",
            "39",
            "--interval",
            "1",
        ],
        vec![
            "predict",
            "bg.json",
            "s.csv",
            "--horizon",
            "39",
            "--interval",
            "0",
        ],
        vec![
            "predict",
            "bg.json",
            "s.csv",
            "--horizon",
            "39",
            "--draws",
            "10",
        ],
        vec![
            "predict",
            "bg.json",
            "s.csv",
            "--horizon",
            "39",
            "--interval",
            "0.9",
            "--draws",
            "1",
        ],
    ] {
        let out = w.run(&args);
        assert_eq!(out.status.code(), Some(2), "{}", w.context(&args, &out));
    }
}
