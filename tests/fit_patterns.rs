//! Fitting on a weighted pattern file (`btyd fit PATTERNS --weights n`, the tables of `btyd sql
//! --patterns`) gives the fit on the summary it compresses, for every model: the same weighted
//! patterns, so the same likelihood and the same optimiser path.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use btyd::data::time::parse_date_arg;
use btyd::data::{
    build_summary, compress, opportunity_summary, read_transactions, spend_observations,
    ColumnSpec, ReadOptions, Summary, SummaryOptions, TimeUnit,
};
use btyd::fit::{fit_model, fit_model_on_patterns, FitOptions, FittedModel};
use btyd::io::{read_weighted_opportunity_patterns, read_weighted_patterns, ModelFile};
use btyd::models::{ModelKind, Role};
use common::workdir::Workdir;
use common::{dataset, rel};

/// Parameters of the fit on patterns vs the fit on the summary.
const FIT_RTOL: f64 = 1e-10;

fn read_log(file: &str, customer: usize, header: bool) -> btyd::data::Transactions {
    let read = ReadOptions {
        customer_col: Some(ColumnSpec::Index(customer)),
        date_col: Some(ColumnSpec::Index(customer + 1)),
        amount_col: Some(ColumnSpec::Index(customer + 3)),
        has_header: header,
        ..ReadOptions::default()
    };
    read_transactions(&dataset(file), &read).unwrap()
}

/// The CDNOW sample's classic weekly calibration summary.
fn sample_summary() -> Summary {
    let opts = SummaryOptions {
        unit: TimeUnit::Week,
        observation_end: Some(parse_date_arg("1998-06-30", "t").unwrap()),
        calibration_end: Some(parse_date_arg("1997-09-30", "t").unwrap()),
    };
    build_summary(&read_log("CDNOW_sample.txt", 2, false), &opts)
        .unwrap()
        .0
}

fn params(f: &FittedModel) -> Vec<f64> {
    f.param_table().iter().map(|p| p.estimate).collect()
}

fn assert_same(kind: ModelKind, a: &FittedModel, b: &FittedModel) {
    let worst = params(a)
        .iter()
        .zip(params(b))
        .map(|(x, y)| rel(*x, y))
        .fold(0.0, f64::max);
    eprintln!("{kind}: largest relative difference {worst:e}");
    assert!(
        worst <= FIT_RTOL,
        "{kind}: {:?} vs {:?}",
        params(a),
        params(b)
    );
    assert_eq!(a.n_obs, b.n_obs, "{kind}");
    assert_eq!(a.n_patterns, b.n_patterns, "{kind}");
}

/// Writes rows of numbers as CSV (Rust's shortest round-trip floats).
fn write_rows(path: &Path, header: &str, rows: impl Iterator<Item = Vec<f64>>) {
    let mut text = format!("{header}\n");
    for r in rows {
        let cells: Vec<String> = r.iter().map(|v| format!("{v}")).collect();
        let _ = writeln!(text, "{}", cells.join(","));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn every_model_fits_its_pattern_table_as_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let summary = sample_summary();
    let opts = FitOptions::default();

    let histories = compress(summary.histories().map(|h| (h, 1.0)));
    let path = dir.path().join("histories.csv");
    write_rows(
        &path,
        "frequency,recency,T,n",
        histories
            .obs
            .iter()
            .zip(&histories.weights)
            .map(|(h, w)| vec![h.frequency, h.recency, h.age, *w]),
    );
    let patterns = read_weighted_patterns(&path, TimeUnit::Week, "n").unwrap();
    for &kind in ModelKind::ALL {
        if kind.role() == Role::Purchase {
            let a = fit_model_on_patterns(kind, &patterns, &opts).unwrap();
            let b = fit_model(kind, &summary, TimeUnit::Week, &opts).unwrap();
            assert_same(kind, &a, &b);
        }
    }

    let spend = spend_observations(&summary).unwrap();
    let path = dir.path().join("spend.csv");
    write_rows(
        &path,
        "frequency,monetary_value,n",
        spend
            .obs
            .iter()
            .zip(&spend.weights)
            .map(|(s, w)| vec![s.frequency, s.monetary_value, *w]),
    );
    let patterns = read_weighted_patterns(&path, TimeUnit::Week, "n").unwrap();
    let a = fit_model_on_patterns(ModelKind::GammaGamma, &patterns, &opts).unwrap();
    let b = fit_model(ModelKind::GammaGamma, &summary, TimeUnit::Week, &opts).unwrap();
    assert_same(ModelKind::GammaGamma, &a, &b);

    // BG/BB on the master log's monthly opportunities, the table of `btyd sql --discrete
    // --patterns` (frequency, recency, T, n: the reader takes T as the periods, n as weights).
    let opts_discrete = SummaryOptions {
        unit: TimeUnit::Month,
        observation_end: None,
        calibration_end: Some(parse_date_arg("1997-12-31", "t").unwrap()),
    };
    let tx = read_log("CDNOW_master.txt", 1, true);
    let opp = opportunity_summary(&tx, &opts_discrete).unwrap().0;
    let p = opp.patterns();
    let path = dir.path().join("opportunities.csv");
    write_rows(
        &path,
        "frequency,recency,T,n",
        p.obs.iter().zip(&p.weights).map(|(h, w)| {
            vec![
                f64::from(h.frequency()),
                f64::from(h.recency()),
                f64::from(h.opportunities()),
                *w,
            ]
        }),
    );
    let patterns = read_weighted_opportunity_patterns(&path, "n").unwrap();
    assert_eq!(patterns, p);
    let a = fit_model(ModelKind::BgBb, &patterns, TimeUnit::Month, &opts).unwrap();
    let b = fit_model(ModelKind::BgBb, &opp, TimeUnit::Month, &opts).unwrap();
    assert_same(ModelKind::BgBb, &a, &b);
}

/// `btyd fit PATTERNS --weights n` writes the model `btyd fit SUMMARY` writes.
#[test]
fn the_cli_fits_pattern_files() {
    let w = Workdir::new();
    let summary = sample_summary();
    let h = compress(summary.histories().map(|h| (h, 1.0)));
    write_rows(
        &w.path("patterns.csv"),
        "frequency,recency,T,n",
        h.obs
            .iter()
            .zip(&h.weights)
            .map(|(h, n)| vec![h.frequency, h.recency, h.age, *n]),
    );
    let s = spend_observations(&summary).unwrap();
    write_rows(
        &w.path("spend.csv"),
        "frequency,monetary_value,n",
        s.obs
            .iter()
            .zip(&s.weights)
            .map(|(s, n)| vec![s.frequency, s.monetary_value, *n]),
    );
    btyd::io::atomic_write(&w.path("summary.csv"), |out| {
        btyd::io::write_summary(&summary, out)
    })
    .unwrap();
    let unit = ["--time-unit", "week"];
    for (model, patterns) in [
        ("pareto-nbd", "patterns.csv"),
        ("bg-nbd", "patterns.csv"),
        ("gamma-gamma", "spend.csv"),
    ] {
        let mut args = vec![
            "fit",
            patterns,
            "--model",
            model,
            "--weights",
            "n",
            "-o",
            "a.json",
        ];
        args.extend(unit);
        w.succeeds(&args);
        let mut args = vec!["fit", "summary.csv", "--model", model, "-o", "b.json"];
        args.extend(unit);
        w.succeeds(&args);
        let a = ModelFile::read(&w.path("a.json")).unwrap();
        let b = ModelFile::read(&w.path("b.json")).unwrap();
        for (x, y) in a.parameters.iter().zip(&b.parameters) {
            assert!(
                rel(x.estimate, y.estimate) <= FIT_RTOL,
                "{model}: {x:?} vs {y:?}"
            );
        }
        assert_eq!(a.n_customers, b.n_customers, "{model}");
    }
    // A purchase model on the Gamma-Gamma table, a missing weight column, a bad weight.
    w.fails(
        &[
            "fit",
            "spend.csv",
            "--model",
            "bg-nbd",
            "--weights",
            "n",
            "-o",
            "c.json",
        ],
        &["no recency and T columns"],
    );
    w.fails(
        &[
            "fit",
            "patterns.csv",
            "--model",
            "bg-nbd",
            "--weights",
            "count",
            "-o",
            "c.json",
        ],
        &["required column 'count' is missing"],
    );
    w.write("bad.csv", "frequency,recency,T,n\n1,1,2,1\n0,0,3,x\n");
    w.fails(
        &[
            "fit",
            "bad.csv",
            "--model",
            "bg-nbd",
            "--weights",
            "n",
            "-o",
            "c.json",
        ],
        &["bad.csv, line 3, field 'n'", "'x' is not a number"],
    );
}
