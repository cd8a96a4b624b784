//! Generates the inputs of the whole-process benchmarks in `benches/README.md`:
//!
//! - `summary N SEED OUT.csv`: N customers from the BG/NBD model with the CDNOW estimates of
//!   Fader, Hardie & Lee (2005a) (r 0.243, α 4.414, a 0.793, b 2.426, per week), T uniform on
//!   26 to 78 weeks at day resolution, recency continuous (so nearly every repeat buyer is a
//!   pattern of its own: about 420,000 patterns per million customers), with a Gamma-Gamma mean spend (p 6.25, q 3.74, v 15.44:
//!   the CDNOW estimates of Fader, Hardie & Lee 2005b) for repeat buyers and 0 for the others;
//!   written with lifetimes' column names (recency and T in weeks, btyd's default unit).
//! - `log ROWS CUSTOMERS SEED OUT.csv`: a `customer_id,date,amount` log of ROWS rows over two
//!   years, customers and dates uniform.
//!
//! Run with `cargo run --release --example gen -- ...`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use btyd::models::{BgNbd, GammaGamma};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

mod log;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["summary", n, seed, out] => parse(n)
            .and_then(|n| Ok((n, parse(seed)?)))
            .and_then(|(n, seed)| write_summary(n, seed, out)),
        ["log", rows, customers, seed, out] => (|| {
            let mut w = create(out)?;
            log::write_log(&mut w, parse(rows)?, parse(customers)?, 730, parse(seed)?)
                .map_err(|e| format!("{out}: {e}"))
        })(),
        _ => Err("usage: gen summary N SEED OUT.csv | gen log ROWS CUSTOMERS SEED OUT.csv".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse(s: &str) -> Result<u64, String> {
    s.replace('_', "")
        .parse()
        .map_err(|_| format!("{s:?} is not a whole number"))
}

fn create(path: &str) -> Result<BufWriter<File>, String> {
    File::create(path)
        .map(|f| BufWriter::with_capacity(1 << 20, f))
        .map_err(|e| format!("{path}: {e}"))
}

fn write_summary(n: u64, seed: u64, out: &str) -> Result<(), String> {
    let bg = BgNbd::new(0.243, 4.414, 0.793, 2.426).map_err(|e| e.to_string())?;
    let gg = GammaGamma::new(6.25, 3.74, 15.44).map_err(|e| e.to_string())?;
    let mut rng = StdRng::seed_from_u64(seed);
    let ages: Vec<f64> = (0..n)
        .map(|_| f64::from(rng.random_range(182..=546u32)) / 7.0)
        .collect();
    let people = bg.simulate(&ages, &mut rng).map_err(|e| e.to_string())?;
    let repeat: Vec<f64> = people
        .iter()
        .map(|h| h.frequency)
        .filter(|&x| x >= 1.0)
        .collect();
    let mut spend = gg
        .simulate(&repeat, &mut rng)
        .map_err(|e| e.to_string())?
        .into_iter();
    let mut w = create(out)?;
    let io = |e: std::io::Error| format!("{out}: {e}");
    writeln!(w, "customer_id,frequency,recency,T,monetary_value").map_err(io)?;
    for (i, h) in people.iter().enumerate() {
        let m = if h.frequency >= 1.0 {
            spend.next().map_or(0.0, |s| {
                ((s.monetary_value * 100.0).round() / 100.0).max(0.01)
            })
        } else {
            0.0
        };
        writeln!(w, "{i},{},{},{},{m}", h.frequency, h.recency, h.age).map_err(io)?;
    }
    w.flush().map_err(io)
}
