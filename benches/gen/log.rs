//! Synthetic transaction logs for the benchmarks: `customer_id,date,amount` CSV rows with
//! customers and dates drawn uniformly (rows in no particular order, the hardest case for a
//! reader's tables), seeded.

use std::io::{self, Write};

use chrono::{Days, NaiveDate};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Writes a log of `rows` rows: customer ids `0..customers`, dates over `days` days from
/// 2020-01-01, amounts in cents from 1.00 to 199.99.
pub fn write_log(
    out: &mut dyn Write,
    rows: u64,
    customers: u64,
    days: u64,
    seed: u64,
) -> io::Result<()> {
    let start = NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid date");
    let dates: Vec<String> = (0..days)
        .map(|d| (start + Days::new(d)).format("%Y-%m-%d").to_string())
        .collect();
    let mut rng = StdRng::seed_from_u64(seed);
    out.write_all(b"customer_id,date,amount\n")?;
    let mut line = Vec::with_capacity(64);
    for _ in 0..rows {
        let id = rng.random_range(0..customers);
        let day = rng.random_range(0..days) as usize;
        let cents = rng.random_range(100..20_000u32);
        line.clear();
        write!(
            line,
            "{id},{},{}.{:02}",
            dates[day],
            cents / 100,
            cents % 100
        )?;
        line.push(b'\n');
        out.write_all(&line)?;
    }
    out.flush()
}

/// The log of [`write_log`] in memory.
#[allow(dead_code)] // used by the criterion benches, not by the generator
pub fn log_bytes(rows: u64, customers: u64, days: u64, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(rows as usize * 26);
    write_log(&mut out, rows, customers, days, seed).expect("writing to memory");
    out
}
