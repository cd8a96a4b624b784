//! Where outputs go (issue 11): `-o` on devices, FIFOs, stdout; the table of `fit -o -` on
//! stderr so stdout is the model file alone; temporary files removed when interrupted.

mod common;

use common::dataset;
use common::workdir::Workdir;

/// Issue 11 (1): `-o /dev/null` writes into the device and leaves it a character device (the
/// writer used to replace it by a regular file when run as root).
#[cfg(target_os = "linux")]
#[test]
fn output_to_dev_null_leaves_the_device() {
    use std::os::unix::fs::FileTypeExt;
    let w = Workdir::new();
    let summary = dataset("cdnow_customers_summary.csv");
    w.succeeds(&[
        "fit",
        summary.to_str().unwrap(),
        "--model",
        "nbd",
        "-o",
        "/dev/null",
    ]);
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(meta.file_type().is_char_device());
    // /dev/full: the full disk is an error, not a silent success.
    w.fails(
        &[
            "fit",
            summary.to_str().unwrap(),
            "--model",
            "nbd",
            "-o",
            "/dev/full",
        ],
        &["/dev/full", "No space left"],
    );
}

/// Issue 11 (3): `fit -o -` prints the model file alone on stdout (valid JSON); the parameter
/// table goes to stderr.
#[test]
fn fit_to_stdout_prints_only_json() {
    let w = Workdir::new();
    let summary = dataset("cdnow_customers_summary.csv");
    let args = [
        "fit",
        summary.to_str().unwrap(),
        "--model",
        "bg-nbd",
        "-o",
        "-",
    ];
    let out = w.run(&args);
    assert!(out.status.success(), "{}", w.context(&args, &out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", w.context(&args, &out)));
    assert_eq!(json["model"], "bg-nbd");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("log-likelihood"), "{stderr}");
}

/// Issue 11 (2): SIGINT while an output is being written removes its temporary file and exits
/// 130 (SIGTERM: 143). The run predicts for 1.5M customers, so the write takes long enough to
/// be interrupted once its temporary file has appeared.
#[cfg(unix)]
#[test]
fn interrupted_writes_leave_no_temporary_files() {
    use std::fmt::Write as _;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let w = Workdir::new();
    let mut csv = String::from("customer_id,frequency,recency,T\n");
    for i in 0..1_500_000u32 {
        let x = i % 7;
        let _ = writeln!(csv, "c{i},{x},{},{}", 3 * x, 30 + i % 9);
    }
    w.write("big.csv", csv);
    let summary = dataset("cdnow_customers_summary.csv");
    w.succeeds(&[
        "fit",
        summary.to_str().unwrap(),
        "--model",
        "bg-nbd",
        "-o",
        "m.json",
    ]);
    let mut interrupted = 0;
    for (signal, code) in [("-INT", 130), ("-TERM", 143)] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_btyd"))
            .args([
                "predict",
                "m.json",
                "big.csv",
                "--horizon",
                "10",
                "-o",
                "out.csv",
            ])
            .current_dir(w.path(""))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let temp = || {
            std::fs::read_dir(w.path(""))
                .unwrap()
                .filter_map(|e| e.ok())
                .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        };
        let started = Instant::now();
        while !temp() {
            assert!(
                child.try_wait().unwrap().is_none(),
                "finished before writing"
            );
            assert!(started.elapsed() < Duration::from_secs(60));
            std::thread::sleep(Duration::from_millis(2));
        }
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let status = child.wait().unwrap();
        if status.code() == Some(0) {
            // The write finished before the signal arrived: nothing left to check this round.
            continue;
        }
        assert_eq!(status.code(), Some(code), "{signal}");
        assert!(!temp(), "a temporary file was left behind after {signal}");
        assert!(
            !w.path("out.csv").exists(),
            "a partial output after {signal}"
        );
        interrupted += 1;
    }
    assert!(interrupted > 0, "no run was interrupted while writing");
}

/// Issue 11 (6): the time unit travels with a summary in its sidecar: `fit` takes it (and
/// refuses a contradicting `--time-unit`), `predict` refuses a summary in another unit than the
/// model's (it used to predict 295.6 instead of 1,653.4 purchases, exit 0), and the CSV itself
/// stays plain (the header pandas reads).
#[test]
fn the_time_unit_travels_with_a_summary() {
    let w = Workdir::new();
    let log = dataset("CDNOW_sample.txt");
    let log = log.to_str().unwrap();
    let cols = common::CDNOW_SAMPLE_COLUMNS;
    let summarise = |unit: &str, out: &str| {
        let mut args = vec!["summary", log];
        args.extend(cols);
        args.extend(["--time-unit", unit, "--calibration-end", "1997-09-30"]);
        args.extend(["-o", out]);
        w.succeeds(&args);
    };
    summarise("day", "days.csv");
    summarise("week", "weeks.csv");
    assert!(w
        .read("days.csv")
        .starts_with("customer_id,frequency,recency,T"));
    let sidecar: serde_json::Value = serde_json::from_str(&w.read("days.csv.btyd.json")).unwrap();
    assert_eq!(sidecar["time_unit"], "day");
    // fit takes the unit from the sidecar.
    let stdout = w.succeeds(&["fit", "days.csv", "--model", "bg-nbd", "-o", "days.json"]);
    assert!(stdout.contains("time unit day"), "{stdout}");
    w.fails(
        &[
            "fit",
            "days.csv",
            "--model",
            "bg-nbd",
            "--time-unit",
            "week",
            "-o",
            "x.json",
        ],
        &["days.csv is in days", "--time-unit"],
    );
    w.succeeds(&["fit", "weeks.csv", "--model", "bg-nbd", "-o", "weeks.json"]);
    // A weekly model on the daily summary is refused, naming both units.
    w.fails(
        &["predict", "weeks.json", "days.csv", "--horizon", "39"],
        &["days.csv is in days", "fitted in weeks"],
    );
    w.succeeds(&["predict", "days.json", "days.csv", "--horizon", "273"]);
    // A CSV rewritten by another tool no longer matches its sidecar, which is then ignored.
    let text = w.read("days.csv");
    w.write("days.csv", text.replace("\r\n", "\n") + "\n");
    let out = w.run(&["predict", "weeks.json", "days.csv", "--horizon", "39"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("does not describe days.csv any more"),
        "{stderr}"
    );
}

/// Issue 11 (9, 10): a calibration end before every first purchase is an error, not an empty
/// summary; numeric options and date formats are refused once at parse time; a model file with
/// a zero or negative time unit is refused.
#[test]
fn bad_options_and_files_are_refused_up_front() {
    let w = Workdir::new();
    w.write(
        "log.csv",
        "customer_id,date,amount\na,2024-01-05,10\na,2024-02-01,5\nb,2024-01-20,7\n",
    );
    w.fails(
        &[
            "summary",
            "log.csv",
            "--calibration-end",
            "2023-12-31",
            "-o",
            "s.csv",
        ],
        &[
            "no customer made a first purchase on or before 2023-12-31",
            "2024-01-05",
        ],
    );
    assert!(!w.path("s.csv").exists());
    for (fmt, needle) in [("%Q", "not a valid strftime pattern"), ("", "empty")] {
        let out = w.run(&["summary", "log.csv", "--date-format", fmt]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}",
            w.context(&["summary"], &out)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{stderr}");
        assert!(
            stderr.lines().count() < 10,
            "one message, not one per row: {stderr}"
        );
    }
    w.succeeds(&["summary", "log.csv", "-o", "s.csv"]);
    for bad in ["-1", "nan", "inf"] {
        let out = w.run(&[
            "fit",
            "s.csv",
            "--model",
            "nbd",
            "--penalizer",
            bad,
            "-o",
            "m.json",
        ]);
        assert_eq!(out.status.code(), Some(2), "--penalizer {bad}");
    }
    w.succeeds(&["fit", "s.csv", "--model", "nbd", "-o", "m.json"]);
    let model = w.read("m.json");
    for unit in [r#"{"days": 0.0}"#, r#"{"days": -7.0}"#] {
        w.write(
            "bad.json",
            model.replace(r#""time_unit": "week""#, &format!(r#""time_unit": {unit}"#)),
        );
        assert!(w.read("bad.json").contains("days"));
        w.fails(
            &["predict", "bad.json", "s.csv", "--horizon", "10"],
            &["bad.json", "time_unit", "not a positive length of time"],
        );
    }
}
