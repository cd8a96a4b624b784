//! End-to-end runs of `btyd fit|predict|clv --covariates` on the CDNOW sample with its
//! simulated covariate file (`datasets/cdnow_covariates.csv`), and the failure cases.

mod common;

use common::workdir::Workdir;

/// A Workdir with the CDNOW sample's weekly calibration summary (`summary.csv`) and the
/// covariate file (`cov.csv`).
fn cdnow() -> Workdir {
    let w = Workdir::new();
    let log = common::dataset("CDNOW_sample.txt");
    let log = log.to_str().unwrap();
    w.succeeds(&[
        "summary",
        log,
        "--no-header",
        "--customer-col",
        "2",
        "--date-col",
        "3",
        "--amount-col",
        "5",
        "--calibration-end",
        "1997-09-30",
        "--observation-end",
        "1998-06-30",
        "-o",
        "summary.csv",
    ]);
    w.write(
        "cov.csv",
        std::fs::read(common::dataset("cdnow_covariates.csv")).unwrap(),
    );
    w
}

fn fit_pareto(w: &Workdir) -> String {
    w.succeeds(&[
        "fit",
        "summary.csv",
        "--model",
        "pareto-nbd",
        "--covariates",
        "cov.csv",
        "--purchase-covariates",
        "channel,newsletter",
        "--dropout-covariates",
        "newsletter",
        "-o",
        "m.json",
    ])
}

#[test]
fn fit_prints_coefficients_and_lr_test_and_records_them() {
    let w = cdnow();
    let out = fit_pareto(&w);
    for needle in [
        "reference level 'email'",
        "purchase:channel=search",
        "purchase:newsletter=yes",
        "dropout:newsletter=yes",
        "LR test against the model without covariates",
        "on 4 df",
    ] {
        assert!(out.contains(needle), "{needle} not in\n{out}");
    }
    let json: serde_json::Value = serde_json::from_str(&w.read("m.json")).unwrap();
    let cov = &json["covariates"];
    assert_eq!(cov["coding"]["variables"][0]["levels"][0], "email");
    assert_eq!(cov["coefficients"].as_array().unwrap().len(), 4);
    assert!(cov["coefficients"][0]["std_error"].as_f64().unwrap() > 0.0);
    assert_eq!(json["covariance"].as_array().unwrap().len(), 8);
    // The null of the LR test is the Pareto/NBD without covariates on CDNOW: LL -9595.0
    // (Fader, Hardie & Lee 2005b report -9595.0).
    let ll0 = cov["lr_test"]["ll_without"].as_f64().unwrap();
    assert!((ll0 + 9595.0).abs() < 0.05, "{ll0}");
}

#[test]
fn predict_and_clv_use_each_customers_covariates() {
    let w = cdnow();
    fit_pareto(&w);
    w.succeeds(&[
        "predict",
        "m.json",
        "summary.csv",
        "--horizon",
        "39",
        "--covariates",
        "cov.csv",
        "-o",
        "p.csv",
    ]);
    assert_eq!(w.read("p.csv").lines().count(), 2358);
    w.succeeds(&[
        "fit",
        "summary.csv",
        "--model",
        "gamma-gamma",
        "--covariates",
        "cov.csv",
        "--spend-covariates",
        "age",
        "--standardize",
        "-o",
        "gg.json",
    ]);
    w.succeeds(&[
        "clv",
        "m.json",
        "gg.json",
        "summary.csv",
        "--horizon",
        "52",
        "--discount-rate",
        "0.1",
        "--annual",
        "--covariates",
        "cov.csv",
        "-o",
        "clv.csv",
    ]);
    assert_eq!(w.read("clv.csv").lines().count(), 2358);
    w.write(
        "profiles.csv",
        "customer_id,channel,newsletter,age\nbase,email,no,40\nnews,email,yes,40\n",
    );
    w.succeeds(&[
        "predict",
        "m.json",
        "--new-customer",
        "--covariates",
        "profiles.csv",
        "--horizon",
        "52",
        "-o",
        "new.csv",
    ]);
    let new = w.read("new.csv");
    let values: Vec<f64> = new
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(values.len(), 2);
    assert!(values[1] > values[0], "{new}");
}

#[test]
fn failures_name_what_is_wrong() {
    let w = cdnow();
    w.fails(
        &[
            "fit",
            "summary.csv",
            "--model",
            "pareto-nbd",
            "--covariates",
            "cov.csv",
            "--purchase-covariates",
            "chanel",
            "-o",
            "x.json",
        ],
        &["cov.csv", "'chanel'", "available: channel, newsletter, age"],
    );
    let cov = w.read("cov.csv");
    let without_first: String = cov
        .lines()
        .filter(|l| !l.starts_with("0001,"))
        .map(|l| format!("{l}\n"))
        .collect();
    w.write("missing.csv", without_first);
    w.fails(
        &[
            "fit",
            "summary.csv",
            "--model",
            "bg-nbd",
            "--covariates",
            "missing.csv",
            "--purchase-covariates",
            "channel",
            "-o",
            "x.json",
        ],
        &["missing.csv", "customer 0001 is missing"],
    );
    w.fails(
        &[
            "fit",
            "summary.csv",
            "--model",
            "nbd",
            "--covariates",
            "cov.csv",
            "--dropout-covariates",
            "channel",
            "-o",
            "x.json",
        ],
        &["no dropout process"],
    );
    fit_pareto(&w);
    w.fails(
        &["predict", "m.json", "summary.csv", "--horizon", "39"],
        &["fitted with covariates", "--covariates"],
    );
    w.fails(
        &[
            "predict",
            "m.json",
            "summary.csv",
            "--horizon",
            "39",
            "--covariates",
            "missing.csv",
        ],
        &["missing.csv", "customer 0001 is missing"],
    );
    // Covariates need each customer's row: weighted patterns are refused.
    w.fails(
        &[
            "fit",
            "summary.csv",
            "--model",
            "pareto-nbd",
            "--weights",
            "n",
            "--covariates",
            "cov.csv",
            "--purchase-covariates",
            "channel",
            "-o",
            "x.json",
        ],
        &["--covariates needs a per-customer summary"],
    );
    // Intervals and count distributions do not cover covariate models yet: said, not ignored.
    let with = [
        "m.json",
        "summary.csv",
        "--horizon",
        "39",
        "--covariates",
        "cov.csv",
    ];
    for extra in [&["--interval", "0.9"][..], &["--pmf", "3"]] {
        let mut args = vec!["predict"];
        args.extend(with);
        args.extend(extra);
        w.fails(&args, &["not available for models with covariates"]);
    }
}

/// A model file without covariates (every file before issue 15) still loads and predicts.
#[test]
fn model_files_without_covariates_still_load() {
    let w = cdnow();
    w.succeeds(&["fit", "summary.csv", "--model", "bg-nbd", "-o", "bg.json"]);
    assert!(!w.read("bg.json").contains("covariates"));
    w.succeeds(&[
        "predict",
        "bg.json",
        "summary.csv",
        "--horizon",
        "39",
        "-o",
        "p.csv",
    ]);
    w.fails(
        &[
            "predict",
            "bg.json",
            "summary.csv",
            "--horizon",
            "39",
            "--covariates",
            "cov.csv",
        ],
        &["fitted without covariates"],
    );
}

/// `compare --covariates` fits every purchase model with covariates on the calibration period
/// and checks it on the holdout.
#[test]
fn compare_with_covariates() {
    let w = cdnow();
    let log = common::dataset("CDNOW_sample.txt");
    let out = w.succeeds(&[
        "compare",
        log.to_str().unwrap(),
        "--no-header",
        "--customer-col",
        "2",
        "--date-col",
        "3",
        "--amount-col",
        "5",
        "--calibration-end",
        "1997-09-30",
        "--observation-end",
        "1998-06-30",
        "--out",
        "cmp",
        "--models",
        "pareto-nbd,nbd",
        "--covariates",
        "cov.csv",
        "--purchase-covariates",
        "newsletter",
        "--dropout-covariates",
        "newsletter",
    ]);
    assert!(out.contains("with covariates"), "{out}");
    let table = w.read("cmp/covariates.csv");
    assert_eq!(table.lines().count(), 3, "{table}");
    assert!(table.lines().nth(2).unwrap().starts_with("nbd,"), "{table}");
    let json = w.read("cmp/pareto_nbd_covariates.json");
    assert!(json.contains("dropout:newsletter=yes"));
}
