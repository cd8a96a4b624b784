//! End-to-end runs of `btyd fit`, `btyd predict` and `btyd clv`, and their failure cases.

mod common;

use common::workdir::Workdir;
use common::{dataset, rel};

/// A folder with the shipped CDNOW summaries copied in as `rfm.csv` (ID,frequency,recency,T)
/// and `spend.csv` (ID,x,t_x,T,zbar).
fn cdnow_dir() -> Workdir {
    let w = Workdir::new();
    w.write(
        "rfm.csv",
        std::fs::read(dataset("cdnow_customers_summary.csv")).unwrap(),
    );
    w.write(
        "spend.csv",
        std::fs::read(dataset("cdnow_customers_summary_with_transactions.csv")).unwrap(),
    );
    w
}

/// [`cdnow_dir`] with BG/NBD (`bg.json`) and Gamma-Gamma (`gg.json`) fitted on `spend.csv`.
fn fitted_dir() -> Workdir {
    let w = cdnow_dir();
    w.succeeds(&["fit", "spend.csv", "--model", "bg-nbd", "-o", "bg.json"]);
    w.succeeds(&[
        "fit",
        "spend.csv",
        "--model",
        "gamma-gamma",
        "-o",
        "gg.json",
    ]);
    w
}

fn json(w: &Workdir, name: &str) -> serde_json::Value {
    serde_json::from_str(&w.read(name)).unwrap()
}

fn estimate(model: &serde_json::Value, i: usize) -> f64 {
    model["parameters"][i]["estimate"].as_f64().unwrap()
}

/// CSV text -> header and rows of fields.
fn table(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header = rdr.headers().unwrap().iter().map(String::from).collect();
    let rows = rdr
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn fit_writes_a_model_file_and_prints_the_table() {
    let w = cdnow_dir();
    let stdout = w.succeeds(&["fit", "rfm.csv", "--model", "bg-nbd", "-o", "bg.json"]);
    for needle in [
        "parameter",
        "std error",
        "lower 95%",
        "alpha",
        "log-likelihood -9582.42",
        "converged yes",
    ] {
        assert!(stdout.contains(needle), "{needle:?} in\n{stdout}");
    }
    let m = json(&w, "bg.json");
    assert_eq!(m["format"], "btyd-model");
    assert_eq!(m["format_version"], 1);
    assert_eq!(m["model"], "bg-nbd");
    assert_eq!(m["time_unit"], "week");
    assert_eq!(m["n_customers"], 2357.0);
    assert_eq!(m["btyd_version"], env!("CARGO_PKG_VERSION"));
    // Fader, Hardie & Lee (2005a): 0.243, 4.414, 0.793, 2.426 (2-dp input, lifetimes' fit).
    for (i, want) in [0.2425929, 4.4135323, 0.7928860, 2.4257524]
        .iter()
        .enumerate()
    {
        assert!(rel(estimate(&m, i), *want) < 1e-4, "parameter {i}");
    }
    let cov = m["covariance"].as_array().unwrap();
    assert_eq!(cov.len(), 4);
    assert!((cov[0][1].as_f64().unwrap() - cov[1][0].as_f64().unwrap()).abs() < 1e-15);
}

#[test]
fn predict_writes_per_customer_predictions() {
    let w = cdnow_dir();
    w.succeeds(&["fit", "rfm.csv", "--model", "bg-nbd", "-o", "bg.json"]);
    w.succeeds(&[
        "predict",
        "bg.json",
        "rfm.csv",
        "--horizon",
        "39",
        "-o",
        "pred.csv",
    ]);
    let (header, rows) = table(&w.read("pred.csv"));
    assert_eq!(
        header,
        [
            "customer_id",
            "frequency",
            "recency",
            "T",
            "p_alive",
            "expected_purchases"
        ]
    );
    assert_eq!(header, btyd::io::schema::customer_predictions(false, false));
    assert_eq!(rows.len(), 2357);
    // Customer 1 (x 2, t_x 30.43, T 38.86): E[Y(39)] 1.226, P(alive) 0.7266 (docs/reference.md §2.5).
    assert_eq!(rows[0][0], "1");
    let p_alive: f64 = rows[0][4].parse().unwrap();
    let expected: f64 = rows[0][5].parse().unwrap();
    assert!(
        (expected - 1.226).abs() < 1e-3 && (p_alive - 0.7266).abs() < 1e-3,
        "{:?}",
        rows[0]
    );
    assert!(rows
        .iter()
        .all(|r| r[4].parse::<f64>().unwrap().is_finite()
            && r[5].parse::<f64>().unwrap().is_finite()));
    // stdout output.
    let stdout = w.succeeds(&["predict", "bg.json", "rfm.csv", "--horizon", "39"]);
    assert_eq!(table(&stdout).1.len(), 2357);
}

#[test]
fn gamma_gamma_and_clv_reproduce_lifetimes() {
    let w = cdnow_dir();
    w.succeeds(&["fit", "spend.csv", "--model", "bg-nbd", "-o", "bg.json"]);
    let stdout = w.succeeds(&[
        "fit",
        "spend.csv",
        "--model",
        "gamma-gamma",
        "-o",
        "gg.json",
    ]);
    assert!(stdout.contains("log-likelihood -4055.92"), "{stdout}");
    let gg = json(&w, "gg.json");
    // Fader & Hardie note 025 / lifetimes on the 2-dp spend: 6.24880, 3.74459, 15.44775.
    for (i, want) in [6.24880, 3.74459, 15.44775].iter().enumerate() {
        assert!(rel(estimate(&gg, i), *want) < 1e-4);
    }
    // lifetimes' customer_lifetime_value(time=12, discount_rate=0.01, freq='W'): 12 steps of
    // 4.345 weeks at 1% per step (docs/reference.md §8.1).
    let args = [
        "clv",
        "bg.json",
        "gg.json",
        "spend.csv",
        "--horizon",
        "52.14",
        "--step",
        "4.345",
        "--discount-rate",
        "0.01",
        "-o",
        "clv.csv",
    ];
    // --discount-rate is per time unit (week); 1% per 4.345-week step is (1.01)^(1/4.345) − 1 a week.
    let weekly = (1.01f64).powf(1.0 / 4.345) - 1.0;
    let weekly = weekly.to_string();
    let mut args: Vec<&str> = args.to_vec();
    args[9] = &weekly;
    w.succeeds(&args);
    let (header, rows) = table(&w.read("clv.csv"));
    assert_eq!(
        header,
        [
            "customer_id",
            "frequency",
            "recency",
            "T",
            "monetary_value",
            "p_alive",
            "expected_purchases",
            "discounted_purchases",
            "expected_spend",
            "clv"
        ]
    );
    assert_eq!(header, btyd::io::schema::CLV_TABLE);
    let clv = |id: &str| {
        rows.iter().find(|r| r[0] == id).unwrap()[9]
            .parse::<f64>()
            .unwrap()
    };
    for (id, want) in [
        ("1", 36.27849576),
        ("2", 4.637466329),
        ("3", 8.344093122),
        ("6", 283.5235926),
    ] {
        assert!(
            rel(clv(id), want) < 1e-3,
            "customer {id}: {} vs {want}",
            clv(id)
        );
    }
    let total: f64 = rows.iter().map(|r| r[9].parse::<f64>().unwrap()).sum();
    assert!(rel(total, 71509.90) < 1e-3, "{total}");
}

#[test]
fn continuous_clv_with_annual_rate_and_infinite_horizon() {
    let w = fitted_dir();
    let base = [
        "clv",
        "bg.json",
        "gg.json",
        "spend.csv",
        "--continuous",
        "--annual",
        "--discount-rate",
        "0.15",
    ];
    let run = |extra: &[&str], out: &str| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        a.extend_from_slice(&["-o", out]);
        w.succeeds(&a);
        let (_, rows) = table(&w.read(out));
        rows.iter()
            .map(|r| r[9].parse::<f64>().unwrap())
            .sum::<f64>()
    };
    let year = run(&["--horizon", "52"], "year.csv");
    let five = run(&["--horizon", "260"], "five.csv");
    let forever = run(&["--infinite"], "forever.csv");
    assert!(
        0.0 < year && year < five && five < forever && forever.is_finite(),
        "{year} {five} {forever}"
    );
    let (_, rows) = table(&w.read("forever.csv"));
    assert!(
        rows.iter().all(|r| r[6].is_empty()),
        "no undiscounted total for an infinite horizon"
    );
}

#[test]
fn model_commands_fail_cleanly() {
    let w = fitted_dir();
    w.write(
        "bad.csv",
        "customer_id,frequency,recency,T\n1,2,30,38\n2,1,40,38\n",
    );
    w.fails(
        &["fit", "bad.csv", "--model", "bg-nbd", "-o", "m.json"],
        &["bad.csv, line 3", "greater than T"],
    );
    w.fails(
        &["fit", "nope.csv", "--model", "bg-nbd", "-o", "m.json"],
        &["nope.csv"],
    );
    // The cause is printed once, not once per level of the error chain.
    let out = w.run(&["fit", "nope.csv", "--model", "bg-nbd", "-o", "m.json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("No such file").count(), 1, "{stderr}");
    // No repeat purchases at all: no interior maximum, a clear error rather than a model.
    w.write(
        "zeros.csv",
        "customer_id,frequency,recency,T\n1,0,0,10\n2,0,0,12\n3,0,0,5\n",
    );
    w.fails(
        &["fit", "zeros.csv", "--model", "bg-nbd", "-o", "m.json"],
        &["did not converge", "no interior maximum"],
    );
    // Spend model without monetary values.
    w.fails(
        &["fit", "rfm.csv", "--model", "gamma-gamma", "-o", "m.json"],
        &["monetary_value", "the summary has no monetary values"],
    );
    w.write(
        "zero.csv",
        "customer_id,frequency,recency,T,monetary_value\n1,2,30,38,0\n2,0,0,38,0\n",
    );
    w.fails(
        &["fit", "zero.csv", "--model", "gamma-gamma", "-o", "m.json"],
        &["customer '1'", "not positive"],
    );
    // Model files.
    w.write("junk.json", "{not json");
    w.fails(
        &[
            "predict",
            "junk.json",
            "rfm.csv",
            "--horizon",
            "1",
            "-o",
            "p.csv",
        ],
        &["junk.json", "not a btyd model file"],
    );
    w.fails(
        &[
            "predict",
            "gg.json",
            "rfm.csv",
            "--horizon",
            "1",
            "-o",
            "p.csv",
        ],
        &["gamma-gamma is not a purchase model"],
    );
    // A negative horizon is a usage error, refused before anything is read.
    let args = [
        "predict",
        "bg.json",
        "rfm.csv",
        "--horizon=-1",
        "-o",
        "p.csv",
    ];
    let out = w.run(&args);
    assert_eq!(out.status.code(), Some(2), "{}", w.context(&args, &out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("-1 is negative"));
    // Time units: the summary must be read in the models' unit; the models must agree.
    let clv = [
        "clv",
        "bg.json",
        "gg.json",
        "spend.csv",
        "--horizon",
        "52",
        "--discount-rate",
        "0.01",
        "-o",
        "c.csv",
    ];
    let mut in_days = clv.to_vec();
    in_days.extend_from_slice(&["--time-unit", "day"]);
    w.fails(
        &in_days,
        &["incompatible time units", "--time-unit day", "weeks"],
    );
    w.succeeds(&[
        "fit",
        "spend.csv",
        "--model",
        "gamma-gamma",
        "--time-unit",
        "day",
        "-o",
        "gg_days.json",
    ]);
    let mut mixed = clv.to_vec();
    mixed[2] = "gg_days.json";
    w.fails(&mixed, &["incompatible time units", "gg_days.json"]);
    w.fails(
        &[
            "clv",
            "bg.json",
            "gg.json",
            "spend.csv",
            "--infinite",
            "--discount-rate",
            "0.01",
            "-o",
            "c.csv",
        ],
        &["an infinite horizon needs the continuous convention"],
    );
    // CLV needs monetary values for the repeat customers.
    let mut no_money = clv.to_vec();
    no_money[3] = "rfm.csv";
    w.fails(&no_money, &["monetary value"]);
}

/// A spend model whose q <= 1 has an infinite mean: `clv` refuses it unless forced.
#[test]
fn clv_refuses_an_infinite_mean_spend_model() {
    let w = fitted_dir();
    let mut gg = json(&w, "gg.json");
    gg["parameters"][1]["estimate"] = serde_json::json!(0.9);
    w.write("gg_heavy.json", serde_json::to_string(&gg).unwrap());
    let args = [
        "clv",
        "bg.json",
        "gg_heavy.json",
        "spend.csv",
        "--horizon",
        "52",
        "--discount-rate",
        "0.01",
        "-o",
        "c.csv",
    ];
    w.fails(&args, &["q = 0.9 <= 1", "--force"]);
    let mut forced = args.to_vec();
    forced.push("--force");
    // Forced: repeat customers get their posterior mean spend, which is finite; new customers'
    // population mean is infinite, so the run still fails naming such a customer.
    w.fails(&forced, &["customer"]);
}

/// MBG/NBD through the CLI: the lifetimes/BTYDplus estimates (0.525, 6.183, 0.891, 1.614).
#[test]
fn fit_and_predict_mbg_nbd() {
    let w = cdnow_dir();
    w.succeeds(&["fit", "rfm.csv", "--model", "mbg-nbd", "-o", "mbg.json"]);
    let m = json(&w, "mbg.json");
    assert_eq!(m["model"], "mbg-nbd");
    for (i, want) in [0.525, 6.183, 0.891, 1.614].iter().enumerate() {
        assert!(rel(estimate(&m, i), *want) < 2e-3, "parameter {i}");
    }
    let (_, rows) = table(&w.succeeds(&["predict", "mbg.json", "rfm.csv", "--horizon", "39"]));
    // MBG/NBD allows dropout at time 0, so P(alive) < 1 even without repeat purchases.
    let zero = rows.iter().find(|r| r[1] == "0").unwrap();
    assert!(zero[4].parse::<f64>().unwrap() < 1.0);
}

/// BG/BB on the donations patterns (Fader, Hardie & Shang 2010): Σ E[X(6, 11)] = 12,884.2.
#[test]
fn fit_and_predict_bg_bb_on_patterns() {
    let w = Workdir::new();
    w.write(
        "donations.csv",
        std::fs::read(dataset("donations.csv")).unwrap(),
    );
    let stdout = w.succeeds(&[
        "fit",
        "donations.csv",
        "--model",
        "bg-bb",
        "--time-unit",
        "365.25",
        "-o",
        "bgbb.json",
    ]);
    assert!(stdout.contains("log-likelihood -33225.58"), "{stdout}");
    let (header, rows) =
        table(&w.succeeds(&["predict", "bgbb.json", "donations.csv", "--horizon", "5"]));
    assert_eq!(
        header,
        [
            "frequency",
            "recency",
            "periods",
            "weights",
            "p_alive",
            "expected_purchases"
        ]
    );
    assert_eq!(header, btyd::io::schema::PATTERN_PREDICTIONS);
    let total: f64 = rows
        .iter()
        .map(|r| r[3].parse::<f64>().unwrap() * r[5].parse::<f64>().unwrap())
        .sum();
    assert!((total - 12884.2).abs() < 0.5, "{total}");
    w.fails(
        &["predict", "bgbb.json", "donations.csv", "--horizon", "2.5"],
        &["whole number of periods"],
    );
    w.fails(
        &["fit", "donations.csv", "--model", "bg-nbd", "-o", "x.json"],
        &["donations.csv", "customer_id"],
    );
}

/// Pareto/NBD through the CLI, with its closed-form DERT behind `clv --continuous --infinite`.
#[test]
fn pareto_nbd_fit_predict_and_dert() {
    let w = fitted_dir();
    let stdout = w.succeeds(&[
        "fit",
        "spend.csv",
        "--model",
        "pareto-nbd",
        "-o",
        "pnbd.json",
    ]);
    assert!(stdout.contains("converged yes"), "{stdout}");
    let m = json(&w, "pnbd.json");
    // Published Pareto/NBD on CDNOW: 0.553, 10.578, 0.606, 11.669 (β is flat: 1%).
    for (i, (want, tol)) in [(0.553, 3e-3), (10.578, 3e-3), (0.606, 3e-3), (11.669, 1e-2)]
        .iter()
        .enumerate()
    {
        assert!(
            rel(estimate(&m, i), *want) < *tol,
            "parameter {i}: {}",
            estimate(&m, i)
        );
    }
    let (_, rows) = table(&w.succeeds(&["predict", "pnbd.json", "spend.csv", "--horizon", "39"]));
    // Customer 1: E[Y(39)] 1.4551, P(alive) 0.8692 (docs/reference.md §2.5).
    assert!(
        (rows[0][6].parse::<f64>().unwrap() - 1.4551).abs() < 2e-3,
        "{:?}",
        rows[0]
    );
    assert!(
        (rows[0][5].parse::<f64>().unwrap() - 0.8692).abs() < 2e-3,
        "{:?}",
        rows[0]
    );
    let args = [
        "clv",
        "pnbd.json",
        "gg.json",
        "spend.csv",
        "--continuous",
        "--infinite",
        "--discount-rate",
        "0.15",
        "--annual",
        "-o",
        "dert.csv",
    ];
    w.succeeds(&args);
    let (_, rows) = table(&w.read("dert.csv"));
    assert!(rows
        .iter()
        .all(|r| r[7].parse::<f64>().unwrap().is_finite() && r[9].parse::<f64>().unwrap() >= 0.0));
}

/// From a transaction log to BG/BB and CLV: monthly opportunities of the CDNOW sample, the
/// Gamma-Gamma model of spend per active month, and CLV discounted per month.
#[test]
fn bg_bb_from_a_transaction_log_to_clv() {
    let w = Workdir::new();
    let log = dataset("CDNOW_sample.txt");
    let log = log.to_str().unwrap();
    let mut args = vec!["summary", log];
    args.extend(common::CDNOW_SAMPLE_COLUMNS);
    args.extend([
        "--time-unit",
        "month",
        "--calibration-end",
        "1997-09-30",
        "--observation-end",
        "1998-06-30",
        "--discrete",
        "-o",
        "monthly.csv",
    ]);
    w.succeeds(&args);
    let (header, rows) = table(&w.read("monthly.csv"));
    assert_eq!(
        header,
        ["customer_id", "frequency", "recency", "T", "monetary_value"]
    );
    assert_eq!(rows.len(), 2357);
    // Opportunities run from 6 (first purchase in late March) to 8 (January) months.
    assert!(rows
        .iter()
        .all(|r| (6.0..=8.0).contains(&r[3].parse::<f64>().unwrap())));
    assert!(rows
        .iter()
        .all(|r| r[1].parse::<f64>().unwrap() <= r[2].parse::<f64>().unwrap()));
    // The 1,411 customers who never came back (docs/reference.md §1) have x = 0, and so do those
    // whose repeat purchases all fell in the month of their first purchase.
    let zeros = rows.iter().filter(|r| r[1] == "0").count();
    assert!((1411..2357).contains(&zeros), "{zeros}");

    let stdout = w.succeeds(&[
        "fit",
        "monthly.csv",
        "--model",
        "bg-bb",
        "--time-unit",
        "month",
        "-o",
        "bgbb.json",
    ]);
    assert!(
        stdout.contains("2357 customers") && stdout.contains("converged yes"),
        "{stdout}"
    );
    w.succeeds(&[
        "fit",
        "monthly.csv",
        "--model",
        "gamma-gamma",
        "--time-unit",
        "month",
        "-o",
        "gg.json",
    ]);
    // Per customer, keyed by customer_id, like the summary it reads.
    let (header, pred) =
        table(&w.succeeds(&["predict", "bgbb.json", "monthly.csv", "--horizon", "9"]));
    assert_eq!(header, btyd::io::schema::customer_predictions(true, false));
    assert_eq!(pred.len(), 2357);
    assert_eq!(pred[0][0], rows[0][0]);
    let total: f64 = pred.iter().map(|r| r[6].parse::<f64>().unwrap()).sum();
    assert!(total > 0.0 && total < 2357.0 * 9.0, "{total}");
    // The same total as predicting the weighted patterns of the same histories.
    let mut patterns = String::from("frequency,recency,periods\n");
    for r in &rows {
        patterns.push_str(&format!("{},{},{}\n", r[1], r[2], r[3]));
    }
    w.write("patterns.csv", patterns);
    let (_, by_pattern) =
        table(&w.succeeds(&["predict", "bgbb.json", "patterns.csv", "--horizon", "9"]));
    let pattern_total: f64 = by_pattern
        .iter()
        .map(|r| r[3].parse::<f64>().unwrap() * r[5].parse::<f64>().unwrap())
        .sum();
    assert!(
        (total - pattern_total).abs() < 1e-9 * total,
        "{total} {pattern_total}"
    );

    let clv = |extra: &[&str], out: &str| {
        let mut args = vec![
            "clv",
            "bgbb.json",
            "gg.json",
            "monthly.csv",
            "--discount-rate",
            "0.10",
            "--annual",
        ];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["-o", out]);
        w.succeeds(&args);
        let (_, rows) = table(&w.read(out));
        assert_eq!(rows.len(), 2357);
        rows.iter()
            .map(|r| r[9].parse::<f64>().unwrap())
            .sum::<f64>()
    };
    let year = clv(&["--horizon", "12"], "year.csv");
    let forever = clv(&["--infinite"], "forever.csv");
    assert!(
        0.0 < year && year < forever && forever.is_finite(),
        "{year} {forever}"
    );
    w.fails(
        &[
            "clv",
            "bgbb.json",
            "gg.json",
            "monthly.csv",
            "--horizon",
            "2.5",
            "--discount-rate",
            "0.01",
            "-o",
            "x.csv",
        ],
        &["whole number of opportunities"],
    );
    w.fails(
        &[
            "clv",
            "bgbb.json",
            "gg.json",
            "monthly.csv",
            "--continuous",
            "--infinite",
            "--discount-rate",
            "0.01",
            "-o",
            "x.csv",
        ],
        &["--continuous and --step do not apply"],
    );
}
