//! Reading and summarising a large transaction log: 10 million rows of 1 million customers,
//! generated in memory (seeded, outside the timed part) as `id,date,amount` CSV.

use std::hint::black_box;
use std::time::Duration;

use btyd::data::{build_summary, read_transactions_from, ReadOptions, SummaryOptions, TimeUnit};
use chrono::{Days, NaiveDate};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const ROWS: usize = 10_000_000;
const CUSTOMERS: u32 = 1_000_000;
const DAYS: u64 = 730;

/// The log as CSV bytes: random customers, dates over two years from 2020-01-01, amounts in
/// cents from 1.00 to 199.99.
fn generate(rows: usize, customers: u32, seed: u64) -> Vec<u8> {
    let start = NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid date");
    let dates: Vec<String> = (0..DAYS)
        .map(|d| (start + Days::new(d)).format("%Y-%m-%d").to_string())
        .collect();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(rows * 26);
    out.extend_from_slice(b"customer_id,date,amount\n");
    for _ in 0..rows {
        let id = rng.random_range(0..customers);
        let day = rng.random_range(0..DAYS as usize);
        let cents = rng.random_range(100..20_000u32);
        let line = format!("{id},{},{}.{:02}\n", dates[day], cents / 100, cents % 100);
        out.extend_from_slice(line.as_bytes());
    }
    out
}

fn summary(c: &mut Criterion) {
    let log = generate(ROWS, CUSTOMERS, 42);
    let mut group = c.benchmark_group("summary");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(ROWS as u64));
    group.bench_with_input(
        BenchmarkId::new("read+summarise", format!("{ROWS}rows_{CUSTOMERS}customers")),
        &log,
        |b, log| {
            b.iter(|| {
                let tx = read_transactions_from(&log[..], "bench.csv", &ReadOptions::default())
                    .expect("generated log is valid");
                let (s, _) = build_summary(&tx, &SummaryOptions::new(TimeUnit::Week))
                    .expect("generated log summarises");
                black_box(s.customers.len())
            })
        },
    );
    group.finish();
}

criterion_group!(benches, summary);
criterion_main!(benches);
