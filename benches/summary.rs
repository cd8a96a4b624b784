//! Reading and summarising a large transaction log: 10 million rows of 1 million customers,
//! generated in memory (seeded, outside the timed part) as `id,date,amount` CSV.

use std::hint::black_box;
use std::time::Duration;

use btyd::data::{
    build_summary, read_transactions_from, summary_blocks, ReadOptions, SummaryOptions, TimeUnit,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

#[path = "gen/log.rs"]
mod log;
use log::log_bytes;

const ROWS: usize = 10_000_000;
const CUSTOMERS: u32 = 1_000_000;
const DAYS: u64 = 730;

fn summary(c: &mut Criterion) {
    let log = log_bytes(ROWS as u64, u64::from(CUSTOMERS), DAYS, 42);
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
    // The summary alone, built in the CLI's blocks of 2^18 customers from a log read once.
    let tx = read_transactions_from(&log[..], "bench.csv", &ReadOptions::default())
        .expect("generated log is valid");
    group.bench_with_input(
        BenchmarkId::new(
            "summarise_in_blocks",
            format!("{ROWS}rows_{CUSTOMERS}customers"),
        ),
        &tx,
        |b, tx| {
            b.iter(|| {
                let mut rows = 0;
                summary_blocks(tx, &SummaryOptions::new(TimeUnit::Week), 1 << 18, |s| {
                    rows += s.customers.len();
                    Ok(())
                })
                .expect("generated log summarises");
                black_box(rows)
            })
        },
    );
    group.finish();
}

criterion_group!(benches, summary);
criterion_main!(benches);
