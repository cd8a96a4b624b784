//! Reading a customer-summary CSV of 1 million customers from memory (issue 12): the whole
//! summary (ids kept), the weighted patterns `btyd fit` reads, and the streaming blocks
//! `predict` reads. The file is generated outside the timed part: BG/NBD customers with the
//! CDNOW estimates (`gen/population.rs`), recency and T in weeks at day resolution, a
//! monetary value for the repeat buyers, as `/work/bench/s1m.csv` holds.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

use btyd::data::TimeUnit;
use btyd::io::{read_summary_from, read_summary_patterns_from, summary_blocks};
use btyd::models::BgNbd;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

#[path = "gen/population.rs"]
mod population;
use population::simulated;

const CUSTOMERS: usize = 1_000_000;

/// The summary CSV of `n` simulated customers.
fn summary_csv(n: usize) -> Vec<u8> {
    let truth = BgNbd::new(0.243, 4.414, 0.793, 2.426).expect("valid");
    let people = simulated(n, 42, |ages, rng| truth.simulate(ages, rng));
    let mut text = String::with_capacity(n * 40);
    text.push_str("customer_id,frequency,recency,T,monetary_value\n");
    for (i, h) in people.iter().enumerate() {
        let m = if h.frequency >= 1.0 {
            1.0 + (i % 9973) as f64 / 100.0
        } else {
            0.0
        };
        writeln!(text, "{i},{},{},{},{m}", h.frequency, h.recency, h.age).expect("in memory");
    }
    text.into_bytes()
}

fn read_summary(c: &mut Criterion) {
    let csv = summary_csv(CUSTOMERS);
    let mut group = c.benchmark_group("read_summary");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Bytes(csv.len() as u64));
    let id = |what: &str| BenchmarkId::new(what, format!("{CUSTOMERS}customers"));
    group.bench_with_input(id("summary"), &csv, |b, csv| {
        b.iter(|| {
            let s = read_summary_from(&csv[..], "bench.csv", TimeUnit::Week).expect("valid");
            black_box(s.customers.len())
        });
    });
    group.bench_with_input(id("patterns"), &csv, |b, csv| {
        b.iter(|| {
            let p =
                read_summary_patterns_from(&csv[..], "bench.csv", TimeUnit::Week).expect("valid");
            black_box(p.histories.len())
        });
    });
    group.bench_with_input(id("blocks"), &csv, |b, csv| {
        b.iter(|| {
            let input = Box::new(std::io::Cursor::new(csv.clone()));
            let blocks = summary_blocks(input, "bench.csv").expect("valid");
            let rows: usize = blocks.map(|b| b.expect("valid").len()).sum();
            black_box(rows)
        });
    });
    group.finish();
}

criterion_group!(benches, read_summary);
criterion_main!(benches);
