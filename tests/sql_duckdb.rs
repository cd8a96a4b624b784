//! The SQL of `btyd sql` run on a real engine: DuckDB (the Python package, in a venv made from
//! PyPI like the notebook's) on the CDNOW logs gives btyd's own summary row for row, and its
//! pattern tables, and fitting those pattern tables gives the fit on the summary.
//!
//! The venv is `target/duckdb-venv` (or `$BTYD_DUCKDB_VENV`), made once and reused. Without
//! network the venv cannot be made and the tests fail, saying so, unless `BTYD_SKIP_DUCKDB=1`.

mod common;

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use btyd::data::time::parse_date_arg;
use btyd::data::{
    build_summary, compress, opportunity_summary, read_transactions, spend_observations,
    ColumnSpec, CustomerSummary, History, ReadOptions, Summary, SummaryOptions, TimeUnit,
};
use btyd::fit::{fit_model, FitOptions, FittedModel};
use btyd::io::sql::{summary_query, Dialect, PatternTable, SqlOptions};
use btyd::io::{read_weighted_opportunity_patterns, read_weighted_patterns};
use btyd::models::{ModelKind, Role};
use common::dataset;

/// The DuckDB release the tests install (PyPI `duckdb`).
const DUCKDB_VERSION: &str = "2.0.1";
/// recency, T and money: whole days divided by the unit are computed by the same IEEE
/// division on both sides; sums of amounts may be added in another order.
const VALUE_TOL: f64 = 1e-9;
/// Parameters of a fit on the pattern table vs the fit on the summary: the same weighted
/// patterns, so the same likelihood and the same optimiser path.
const FIT_RTOL: f64 = 1e-10;
/// Fits on data that differ in the last bits (money summed in another order): the optimiser
/// stops within its gradient tolerance of the maximum, at a point the data's rounding moves.
const OPTIMISER_RTOL: f64 = 1e-6;

/// The venv's python with DuckDB, or `None` when `BTYD_SKIP_DUCKDB=1`; panics with the reason
/// when it cannot be made.
fn python() -> Option<&'static Path> {
    if std::env::var("BTYD_SKIP_DUCKDB").is_ok_and(|v| v == "1") {
        eprintln!("BTYD_SKIP_DUCKDB=1: DuckDB checks skipped");
        return None;
    }
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match PYTHON.get_or_init(make_venv) {
        Ok(p) => Some(p.as_path()),
        Err(e) => panic!(
            "cannot set up DuckDB {DUCKDB_VERSION} from PyPI in a venv: {e}\n\
             (the tests need network once; set BTYD_SKIP_DUCKDB=1 to skip them)"
        ),
    }
}

fn make_venv() -> Result<PathBuf, String> {
    let venv = std::env::var_os("BTYD_DUCKDB_VENV").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/duckdb-venv"),
        PathBuf::from,
    );
    let python = venv.join("bin/python");
    let run = |cmd: &mut Command| -> Result<String, String> {
        let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(format!(
                "{cmd:?} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    if !python.exists() {
        let py = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        run(Command::new(py).args(["-m", "venv"]).arg(&venv))?;
    }
    let version =
        |p: &Path| run(Command::new(p).args(["-c", "import duckdb; print(duckdb.__version__)"]));
    if version(&python).ok().as_deref() != Some(DUCKDB_VERSION) {
        run(Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("duckdb=={DUCKDB_VERSION}"),
        ]))?;
        let v = version(&python)?;
        if v != DUCKDB_VERSION {
            return Err(format!("installed duckdb {v}, not {DUCKDB_VERSION}"));
        }
    }
    Ok(python)
}

/// Runs `sql` with DuckDB on the transactions of `log` loaded as table `sales.tx` with columns
/// `Customer ID` (text), `date` (DATE), `amount` (DOUBLE); returns the header and rows, floats
/// in Python's shortest round-trip form.
fn run_duckdb(python: &Path, log: &Path, sql: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let dir = tempfile::tempdir().unwrap();
    let sql_path = dir.path().join("query.sql");
    std::fs::write(&sql_path, sql).unwrap();
    let out_path = dir.path().join("out.csv");
    let script = r#"
import csv, sys, duckdb
log, sql_path, out = sys.argv[1:4]
con = duckdb.connect()
con.execute("CREATE SCHEMA sales")
con.execute(
    "CREATE TABLE sales.tx AS SELECT * FROM read_csv(?, header = true, "
    "columns = {'Customer ID': 'VARCHAR', 'date': 'DATE', 'amount': 'DOUBLE'})",
    [log],
)
cur = con.execute(open(sql_path).read())
names = [d[0] for d in cur.description]
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(names)
    for row in cur.fetchall():
        w.writerow([repr(v) if isinstance(v, float) else v for v in row])
"#;
    let out = Command::new(python)
        .args(["-c", script])
        .arg(log)
        .arg(&sql_path)
        .arg(&out_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "DuckDB failed on\n{sql}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut rdr = csv::Reader::from_path(&out_path).unwrap();
    let header = rdr.headers().unwrap().iter().map(String::from).collect();
    let rows = rdr
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// A CDNOW log as CSV for DuckDB (`Customer ID,date,amount`, dates ISO, amounts as written).
fn clean_log(name: &str, customer: usize, skip_header: bool) -> tempfile::TempPath {
    let text = std::fs::read_to_string(dataset(name)).unwrap();
    let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    writeln!(file, "Customer ID,date,amount").unwrap();
    for line in text.lines().skip(usize::from(skip_header)) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        let (id, d, amount) = (f[customer - 1], f[customer], f[customer + 2]);
        writeln!(file, "{id},{}-{}-{},{amount}", &d[..4], &d[4..6], &d[6..]).unwrap();
    }
    file.into_temp_path()
}

/// A CDNOW log: its file, the column of the customer id, whether it has a header.
#[derive(Clone, Copy)]
struct Log {
    file: &'static str,
    customer: usize,
    header: bool,
}

const SAMPLE: Log = Log {
    file: "CDNOW_sample.txt",
    customer: 2,
    header: false,
};
const MASTER: Log = Log {
    file: "CDNOW_master.txt",
    customer: 1,
    header: true,
};

fn date(s: &str) -> chrono::NaiveDate {
    parse_date_arg(s, "test").unwrap()
}

/// One comparison: a log, the summary's options, discrete or not, with amounts or not.
struct Case {
    log: Log,
    opts: SummaryOptions,
    discrete: bool,
    amounts: bool,
}

impl Case {
    fn new(log: Log, unit: TimeUnit) -> Self {
        Case {
            log,
            opts: SummaryOptions::new(unit),
            discrete: false,
            amounts: true,
        }
    }

    fn sql_options(&self, patterns: Option<PatternTable>) -> SqlOptions {
        SqlOptions {
            table: "sales.tx".into(),
            customer_col: "Customer ID".into(),
            date_col: "date".into(),
            amount_col: self.amounts.then(|| "amount".into()),
            unit: self.opts.unit,
            observation_end: self.opts.observation_end,
            calibration_end: self.opts.calibration_end,
            discrete: self.discrete,
            patterns,
        }
    }

    /// btyd's own summary of the log.
    fn summary(&self) -> Summary {
        let c = self.log.customer;
        let read = ReadOptions {
            customer_col: Some(ColumnSpec::Index(c)),
            date_col: Some(ColumnSpec::Index(c + 1)),
            amount_col: self.amounts.then_some(ColumnSpec::Index(c + 3)),
            has_header: self.log.header,
            ..ReadOptions::default()
        };
        let tx = read_transactions(&dataset(self.log.file), &read).unwrap();
        if self.discrete {
            opportunity_summary(&tx, &self.opts).unwrap().0.to_summary()
        } else {
            build_summary(&tx, &self.opts).unwrap().0
        }
    }

    fn name(&self) -> String {
        format!(
            "{} {}{}{}{}",
            self.log.file,
            self.opts.unit,
            self.opts
                .calibration_end
                .map_or(String::new(), |c| format!(", calibration to {c}")),
            if self.discrete { ", discrete" } else { "" },
            if self.amounts { "" } else { ", no amounts" },
        )
    }
}

/// The expected CSV columns of a summary, as `btyd summary` writes them.
/// A named column: its value for the i-th customer.
type Column<'a> = (&'static str, Box<dyn Fn(usize) -> f64 + 'a>);

fn summary_columns(s: &Summary) -> Vec<Column<'_>> {
    let c = &s.customers;
    let mut cols: Vec<Column<'_>> = vec![
        ("frequency", Box::new(|i| c[i].history.frequency)),
        ("recency", Box::new(|i| c[i].history.recency)),
        ("T", Box::new(|i| c[i].history.age)),
    ];
    if s.has_monetary_value() {
        cols.push(("monetary_value", Box::new(|i| c[i].monetary_value.unwrap())));
    }
    if s.has_holdout() {
        cols.push((
            "frequency_holdout",
            Box::new(|i| c[i].holdout.unwrap().frequency),
        ));
        if s.has_monetary_value() {
            cols.push((
                "monetary_value_holdout",
                Box::new(|i| c[i].holdout.unwrap().monetary_value),
            ));
        }
        cols.push((
            "duration_holdout",
            Box::new(|i| c[i].holdout.unwrap().duration),
        ));
    }
    cols
}

/// Runs the case's summary query in DuckDB and compares it with btyd's summary row for row;
/// returns the number of rows and the largest absolute difference.
fn check_summary(python: &Path, case: &Case) -> (usize, f64) {
    let log = clean_log(case.log.file, case.log.customer, case.log.header);
    let sql = summary_query(Dialect::DuckDb, &case.sql_options(None)).unwrap();
    let (header, mut rows) = run_duckdb(python, &log, &sql);
    let want = case.summary();
    let cols = summary_columns(&want);
    let names: Vec<&str> = std::iter::once("customer_id")
        .chain(cols.iter().map(|c| c.0))
        .collect();
    assert_eq!(header, names, "{}: columns", case.name());
    assert_eq!(rows.len(), want.customers.len(), "{}: rows", case.name());
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    let mut order: Vec<usize> = (0..want.customers.len()).collect();
    order.sort_by(|&a, &b| {
        want.customers[a]
            .customer_id
            .cmp(&want.customers[b].customer_id)
    });
    let mut max_diff = 0.0f64;
    for (row, &i) in rows.iter().zip(&order) {
        let id = &want.customers[i].customer_id;
        assert_eq!(&row[0], id, "{}: customer ids", case.name());
        for (k, (name, value)) in cols.iter().enumerate() {
            let got: f64 = row[k + 1].parse().unwrap();
            let expected = value(i);
            let diff = (got - expected).abs();
            if name.starts_with("frequency") {
                assert_eq!(got, expected, "{}: customer {id}, {name}", case.name());
            } else {
                assert!(
                    diff <= VALUE_TOL * expected.abs().max(1.0),
                    "{}: customer {id}, {name}: DuckDB {got}, btyd {expected}",
                    case.name()
                );
            }
            max_diff = max_diff.max(diff);
        }
    }
    eprintln!(
        "{}: {} rows equal, largest difference {max_diff:e}",
        case.name(),
        rows.len()
    );
    (rows.len(), max_diff)
}

#[test]
fn sample_weekly_calibration_and_holdout() {
    let Some(python) = python() else { return };
    let mut case = Case::new(SAMPLE, TimeUnit::Week);
    case.opts.calibration_end = Some(date("1997-09-30"));
    case.opts.observation_end = Some(date("1998-06-30"));
    assert_eq!(check_summary(python, &case).0, 2357);
}

#[test]
fn master_in_every_unit() {
    let Some(python) = python() else { return };
    let mut n = 0;
    for unit in [
        TimeUnit::Week,
        TimeUnit::Day,
        TimeUnit::Month,
        TimeUnit::Days(2.5),
    ] {
        n = check_summary(python, &Case::new(MASTER, unit)).0;
    }
    assert_eq!(n, 23570);
}

#[test]
fn master_calibration_with_the_default_observation_end() {
    let Some(python) = python() else { return };
    let mut case = Case::new(MASTER, TimeUnit::Day);
    case.opts.calibration_end = Some(date("1997-09-30"));
    check_summary(python, &case);
    // A calibration end before some first purchases: those customers are left out.
    let mut case = Case::new(MASTER, TimeUnit::Month);
    case.opts.calibration_end = Some(date("1997-02-15"));
    case.opts.observation_end = Some(date("1998-06-30"));
    let (rows, _) = check_summary(python, &case);
    assert!(rows < 23570, "{rows}");
}

#[test]
fn without_amounts() {
    let Some(python) = python() else { return };
    let mut case = Case::new(SAMPLE, TimeUnit::Days(14.0));
    case.amounts = false;
    case.opts.calibration_end = Some(date("1997-12-31"));
    check_summary(python, &case);
}

#[test]
fn discrete_summaries() {
    let Some(python) = python() else { return };
    for (unit, calibration_end) in [
        (TimeUnit::Month, None),
        (TimeUnit::Week, Some(date("1997-09-30"))),
        (TimeUnit::Days(30.0), Some(date("1997-06-30"))),
    ] {
        let mut case = Case::new(MASTER, unit);
        case.discrete = true;
        case.opts.calibration_end = calibration_end;
        check_summary(python, &case);
    }
    let mut case = Case::new(SAMPLE, TimeUnit::Month);
    case.discrete = true;
    case.amounts = false;
    check_summary(python, &case);
}

/// Writes DuckDB's result as CSV for the pattern readers.
fn write_csv(header: &[String], rows: &[Vec<String>]) -> tempfile::TempPath {
    let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    let mut w = csv::Writer::from_writer(&mut file);
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
    drop(w);
    file.into_temp_path()
}

fn params(f: &FittedModel) -> Vec<f64> {
    f.param_table().iter().map(|p| p.estimate).collect()
}

fn assert_same_fit(kind: ModelKind, on_patterns: &FittedModel, on_summary: &FittedModel) {
    let (a, b) = (params(on_patterns), params(on_summary));
    let worst = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs() / y.abs())
        .fold(0.0, f64::max);
    eprintln!("{kind}: fit on DuckDB's pattern table vs on the summary: largest relative difference {worst:e} ({a:?})");
    assert!(worst <= FIT_RTOL, "{kind}: {a:?} vs {b:?}");
    assert_eq!(on_patterns.n_obs, on_summary.n_obs, "{kind}: customers");
}

#[test]
fn pattern_tables_and_fits_on_them() {
    let Some(python) = python() else { return };
    let mut case = Case::new(MASTER, TimeUnit::Week);
    case.opts.calibration_end = Some(date("1997-09-30"));
    case.opts.observation_end = Some(date("1998-06-30"));
    let log = clean_log(MASTER.file, MASTER.customer, MASTER.header);
    let summary = case.summary();
    let opts = FitOptions::default();

    // Histories: the table equals btyd's compressed summary.
    let sql = summary_query(
        Dialect::DuckDb,
        &case.sql_options(Some(PatternTable::Histories)),
    )
    .unwrap();
    let (header, rows) = run_duckdb(python, &log, &sql);
    assert_eq!(header, ["frequency", "recency", "T", "n"]);
    let want = compress(summary.histories().map(|h| (h, 1.0)));
    assert_eq!(rows.len(), want.len(), "history patterns");
    let mut got: Vec<[f64; 4]> = rows
        .iter()
        .map(|r| std::array::from_fn(|k| r[k].parse().unwrap()))
        .collect();
    got.sort_by(|a, b| a.partial_cmp(b).unwrap());
    for (g, (h, w)) in got.iter().zip(want.obs.iter().zip(&want.weights)) {
        assert_eq!(*g, [h.frequency, h.recency, h.age, *w], "history pattern");
    }
    eprintln!(
        "history patterns: {} rows equal to btyd's ({} customers)",
        rows.len(),
        want.total_weight()
    );
    let file = write_csv(&header, &rows);
    let patterns = read_weighted_patterns(&file, TimeUnit::Week, "n").unwrap();
    for &kind in ModelKind::ALL {
        if kind.role() != Role::Purchase {
            continue;
        }
        let a = btyd::fit::fit_model_on_patterns(kind, &patterns, &opts).unwrap();
        let b = fit_model(kind, &summary, TimeUnit::Week, &opts).unwrap();
        assert_same_fit(kind, &a, &b);
    }

    // The master log has a repeat customer whose repeat purchases are all $0: btyd refuses
    // to fit Gamma-Gamma on it, and on the pattern table alike.
    let (header, rows) = spend_table(python, &case);
    let file = write_csv(&header, &rows);
    let patterns = read_weighted_patterns(&file, TimeUnit::Week, "n").unwrap();
    let a = btyd::fit::fit_model_on_patterns(ModelKind::GammaGamma, &patterns, &opts);
    let b = fit_model(ModelKind::GammaGamma, &summary, TimeUnit::Week, &opts);
    let (a, b) = (a.unwrap_err().to_string(), b.unwrap_err().to_string());
    assert!(a.contains("is 0, not positive"), "{a}");
    assert!(b.contains("is 0, not positive"), "{b}");
}

/// The case's Gamma-Gamma pattern table from DuckDB.
fn spend_table(python: &Path, case: &Case) -> (Vec<String>, Vec<Vec<String>>) {
    let log = clean_log(case.log.file, case.log.customer, case.log.header);
    let sql = summary_query(
        Dialect::DuckDb,
        &case.sql_options(Some(PatternTable::Spend)),
    )
    .unwrap();
    let (header, rows) = run_duckdb(python, &log, &sql);
    assert_eq!(header, ["frequency", "monetary_value", "n"]);
    (header, rows)
}

/// The Gamma-Gamma table equals btyd's repeat customers' (x, m̄), money within VALUE_TOL
/// (sums may be added in another order), and fitting it gives the fit on the summary.
#[test]
fn spend_pattern_table_and_gamma_gamma() {
    let Some(python) = python() else { return };
    let mut case = Case::new(SAMPLE, TimeUnit::Week);
    case.opts.calibration_end = Some(date("1997-09-30"));
    case.opts.observation_end = Some(date("1998-06-30"));
    let summary = case.summary();
    let (header, rows) = spend_table(python, &case);
    let want = spend_observations(&summary).unwrap();
    let key = |x: f64, m: f64| (x as u64, (m / VALUE_TOL).round() as u64);
    let mut got: HashMap<(u64, u64), f64> = HashMap::new();
    for r in &rows {
        let v: Vec<f64> = r.iter().map(|v| v.parse().unwrap()).collect();
        *got.entry(key(v[0], v[1])).or_default() += v[2];
    }
    let mut expected: HashMap<(u64, u64), f64> = HashMap::new();
    for (s, w) in want.obs.iter().zip(&want.weights) {
        *expected
            .entry(key(s.frequency, s.monetary_value))
            .or_default() += w;
    }
    assert_eq!(got, expected, "spend patterns");
    eprintln!(
        "spend patterns: {} rows (btyd: {}), {} repeat customers",
        rows.len(),
        want.len(),
        want.total_weight()
    );
    let file = write_csv(&header, &rows);
    let patterns = read_weighted_patterns(&file, TimeUnit::Week, "n").unwrap();
    let opts = FitOptions::default();
    let a = btyd::fit::fit_model_on_patterns(ModelKind::GammaGamma, &patterns, &opts).unwrap();
    // The table expanded to one row per customer (each row n times).
    let mut customers = Vec::new();
    for r in &rows {
        let v: Vec<f64> = r.iter().map(|v| v.parse().unwrap()).collect();
        for _ in 0..v[2] as usize {
            customers.push(CustomerSummary {
                customer_id: customers.len().to_string(),
                history: History::new(v[0], v[0], v[0]).unwrap(),
                monetary_value: Some(v[1]),
                holdout: None,
            });
        }
    }
    let expanded = Summary::new(TimeUnit::Week, customers);
    let b = fit_model(ModelKind::GammaGamma, &expanded, TimeUnit::Week, &opts).unwrap();
    assert_same_fit(ModelKind::GammaGamma, &a, &b);
    // btyd's own summary: its money differs from DuckDB's in the last bits (another order of
    // additions, which in DuckDB varies from run to run with its threads), which moves the
    // optimiser's end point within its tolerance.
    let c = fit_model(ModelKind::GammaGamma, &summary, TimeUnit::Week, &opts).unwrap();
    let worst = params(&a)
        .iter()
        .zip(params(&c))
        .map(|(x, y)| (x - y).abs() / y.abs())
        .fold(0.0, f64::max);
    eprintln!(
        "gamma-gamma: fit on DuckDB's money vs on btyd's: largest relative difference {worst:e}"
    );
    assert!(worst <= OPTIMISER_RTOL, "{worst:e}");
}

#[test]
fn discrete_pattern_table_and_bg_bb() {
    let Some(python) = python() else { return };
    let mut case = Case::new(MASTER, TimeUnit::Month);
    case.discrete = true;
    case.opts.calibration_end = Some(date("1997-12-31"));
    let log = clean_log(MASTER.file, MASTER.customer, MASTER.header);
    let sql = summary_query(
        Dialect::DuckDb,
        &case.sql_options(Some(PatternTable::Histories)),
    )
    .unwrap();
    let (header, rows) = run_duckdb(python, &log, &sql);
    assert_eq!(header, ["frequency", "recency", "T", "n"]);
    let file = write_csv(&header, &rows);
    let patterns = read_weighted_opportunity_patterns(&file, "n").unwrap();
    let summary = case.summary();
    let expected = btyd::data::OpportunitySummary::from_summary(&summary)
        .unwrap()
        .patterns();
    assert_eq!(patterns, expected, "opportunity patterns");
    eprintln!("opportunity patterns: {} rows equal to btyd's", rows.len());
    let opts = FitOptions::default();
    let a = fit_model(ModelKind::BgBb, &patterns, TimeUnit::Month, &opts).unwrap();
    let opp = btyd::data::OpportunitySummary::from_summary(&summary).unwrap();
    let b = fit_model(ModelKind::BgBb, &opp, TimeUnit::Month, &opts).unwrap();
    assert_same_fit(ModelKind::BgBb, &a, &b);
}

/// Date arithmetic on fixed examples, evaluated by DuckDB: the DuckDB and the PostgreSQL
/// expressions (DuckDB reads `date - date` as PostgreSQL does) give the day counts and spans
/// btyd computes.
#[test]
fn date_arithmetic_in_duckdb() {
    let Some(python) = python() else { return };
    let pairs = [
        ("1997-01-01", "1997-09-30"),
        ("1999-12-31", "2000-03-01"),
        ("2000-02-28", "2000-03-01"),
        ("1998-06-30", "1997-09-30"),
        ("2024-02-29", "2024-02-29"),
    ];
    let units = [
        TimeUnit::Day,
        TimeUnit::Week,
        TimeUnit::Month,
        TimeUnit::Days(2.5),
    ];
    for d in [Dialect::DuckDb, Dialect::Postgres] {
        let mut cols = Vec::new();
        let mut want = Vec::new();
        for (a, b) in pairs {
            let (la, lb) = (d.date_literal(date(a)), d.date_literal(date(b)));
            for unit in units {
                cols.push(d.span_in_unit(&la, &lb, unit));
                want.push(unit.between(date(a), date(b)));
                cols.push(d.periods_between(&la, &lb, unit));
                want.push(unit.between(date(a), date(b)).floor());
            }
        }
        let cols: Vec<String> = cols
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} AS c{i}"))
            .collect();
        let sql = format!("SELECT {}", cols.join(", "));
        let log = clean_log(SAMPLE.file, SAMPLE.customer, SAMPLE.header);
        let (_, rows) = run_duckdb(python, &log, &sql);
        let got: Vec<f64> = rows[0].iter().map(|v| v.parse().unwrap()).collect();
        assert_eq!(got, want, "{d}");
    }
}

/// The user's path: `btyd sql --patterns` run in DuckDB, exported as CSV, `btyd fit --weights
/// n` gives the model `btyd summary` then `btyd fit` give.
#[test]
fn from_the_binary_query_to_a_model_file() {
    let Some(python) = python() else { return };
    let w = common::workdir::Workdir::new();
    let sql = w.succeeds(&[
        "sql",
        "sales.tx",
        "--dialect",
        "duckdb",
        "--customer-col",
        "Customer ID",
        "--amount-col",
        "amount",
        "--calibration-end",
        "1997-09-30",
        "--observation-end",
        "1998-06-30",
        "--patterns",
    ]);
    let log = clean_log(SAMPLE.file, SAMPLE.customer, SAMPLE.header);
    let (header, rows) = run_duckdb(python, &log, &sql);
    let patterns = write_csv(&header, &rows);
    let sample = dataset(SAMPLE.file);
    w.succeeds(&[
        "summary",
        sample.to_str().unwrap(),
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
    let p = patterns.to_str().unwrap();
    w.succeeds(&[
        "fit",
        p,
        "--model",
        "bg-nbd",
        "--weights",
        "n",
        "-o",
        "a.json",
    ]);
    w.succeeds(&["fit", "summary.csv", "--model", "bg-nbd", "-o", "b.json"]);
    let a = btyd::io::ModelFile::read(&w.path("a.json")).unwrap();
    let b = btyd::io::ModelFile::read(&w.path("b.json")).unwrap();
    let est = |f: &btyd::io::ModelFile| f.parameters.iter().map(|p| p.estimate).collect::<Vec<_>>();
    assert_eq!(est(&a), est(&b));
    assert_eq!(a.n_customers, 2357.0);
}
