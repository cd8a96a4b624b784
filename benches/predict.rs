//! Per-customer outputs of `btyd predict` and `btyd clv` on 1,000,000 customers held in
//! memory: the streaming pipeline (`btyd::io::stream`: groups of blocks computed once per
//! (x, t_x, T) pattern, formatted in parallel, written in order) against the straightforward
//! computation (`predict_purchases` / `clv` over the whole summary, then `write_predictions` /
//! `write_clv`). Outputs go to /dev/null, so the disk is not measured.
//!
//! Two populations of BG/NBD customers (CDNOW's published parameters): recency and T at day
//! resolution, as a summary of a daily log holds them (many customers share a pattern), and
//! the same customers with every pattern made unique (no sharing: the cache only costs).

use std::hint::black_box;
use std::path::Path;

use btyd::data::{CustomerSummary, History, Summary, TimeUnit};
use btyd::io::{stream_clv, stream_predictions, write_clv, write_predictions, SummaryColumns};
use btyd::models::{BgNbd, GammaGamma};
use btyd::predict::{clv, predict_purchases, ClvOptions, DiscountRate};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

#[path = "gen/population.rs"]
mod population;
use population::simulated;

const CUSTOMERS: usize = 1_000_000;
/// Rows per block, as a reader hands them out.
const BLOCK_ROWS: usize = 1 << 14;

/// CDNOW's published BG/NBD and Gamma-Gamma estimates (Fader, Hardie & Lee 2005a, 2005b).
fn models() -> (BgNbd, GammaGamma) {
    (
        BgNbd::new(0.243, 4.414, 0.793, 2.426).expect("valid"),
        GammaGamma::new(6.25, 3.74, 15.44).expect("valid"),
    )
}

/// Customers with ids and a monetary value (cents) for the repeat buyers; with `unique`, T
/// is moved by a different tiny amount for every customer so that no two share a pattern.
fn population(unique: bool) -> Vec<CustomerSummary> {
    let (bg, _) = models();
    let histories = simulated(CUSTOMERS, 11, |ages, rng| bg.simulate(ages, rng));
    let mut rng = StdRng::seed_from_u64(12);
    histories
        .into_iter()
        .enumerate()
        .map(|(i, h)| {
            let age = if unique {
                h.age + (i as f64 + 1.0) * 1e-9
            } else {
                h.age
            };
            let m = if h.frequency > 0.0 {
                f64::from(rng.random_range(100u32..20_000)) / 100.0
            } else {
                0.0
            };
            CustomerSummary {
                customer_id: format!("c{i}"),
                history: History { age, ..h },
                monetary_value: Some(m),
                holdout: None,
            }
        })
        .collect()
}

fn blocks(rows: &[CustomerSummary]) -> Vec<btyd::Result<Vec<CustomerSummary>>> {
    rows.chunks(BLOCK_ROWS).map(|b| Ok(b.to_vec())).collect()
}

fn bench_predict(c: &mut Criterion) {
    let (bg, gg) = models();
    let sink = Path::new("/dev/null");
    let columns = SummaryColumns {
        monetary_value: true,
        holdout: false,
        monetary_value_holdout: false,
    };
    let opts = ClvOptions::monthly(52.0, TimeUnit::Week, DiscountRate::Annual(0.1));
    let schedule = opts.schedule(TimeUnit::Week).expect("valid options");
    let mut g = c.benchmark_group("predict");
    g.sample_size(10);
    for (name, unique) in [("day_resolution", false), ("unique_patterns", true)] {
        let rows = population(unique);
        let id = |what: &str| BenchmarkId::new(format!("{what}/{name}"), rows.len());
        g.bench_function(id("predict_stream"), |b| {
            b.iter_batched(
                || blocks(&rows),
                |blocks| stream_predictions(sink, blocks, columns, &bg, 39.0).expect("predict"),
                BatchSize::PerIteration,
            )
        });
        let summary = Summary::new(TimeUnit::Week, rows.clone());
        g.bench_function(id("predict_whole"), |b| {
            b.iter(|| {
                let preds = predict_purchases(&bg, black_box(&summary), 39.0).expect("predict");
                write_predictions(sink, &summary, &preds).expect("write");
            })
        });
        g.bench_function(id("clv_stream"), |b| {
            b.iter_batched(
                || blocks(&rows),
                |blocks| stream_clv(sink, blocks, &bg, &gg, &schedule, 10).expect("clv"),
                BatchSize::PerIteration,
            )
        });
        g.bench_function(id("clv_whole"), |b| {
            b.iter(|| {
                let values = clv(&bg, &gg, black_box(&summary), &opts).expect("clv");
                write_clv(sink, &summary, &values).expect("write");
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_predict);
criterion_main!(benches);
