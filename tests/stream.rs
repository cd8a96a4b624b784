//! The streaming per-customer outputs (`btyd::io::stream`) against the straightforward
//! computation over a whole summary (`predict_purchases` / `clv`, then `write_predictions` /
//! `write_clv`): the same bytes, totals and top customers, on CDNOW (BG/NBD, MBG/NBD,
//! Pareto/NBD with Gamma-Gamma at their published estimates) and on a generated summary of
//! more than one group of many blocks.

mod common;

use std::path::Path;

use btyd::data::{CustomerSummary, History, Summary, TimeUnit};
use btyd::io::stream::GROUP_ROWS;
use btyd::io::{stream_clv, stream_predictions, write_clv, write_predictions, SummaryColumns};
use btyd::models::{BgNbd, GammaGamma, MbgNbd, ParetoNbd, PurchaseModel};
use btyd::predict::{clv, predict_purchases, ClvOptions, CustomerClv, DiscountRate, Horizon};
use common::cdnow_spend_summary;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

fn blocks(rows: &[CustomerSummary], size: usize) -> Vec<btyd::Result<Vec<CustomerSummary>>> {
    rows.chunks(size).map(|b| Ok(b.to_vec())).collect()
}

fn gamma_gamma() -> GammaGamma {
    // Fader, Hardie & Lee (2005b), CDNOW: p, q, γ.
    GammaGamma::new(6.25, 3.74, 15.44).expect("valid")
}

/// Streams predictions and CLV of `summary` in blocks of `block` rows and checks every output
/// against the whole-summary computation.
fn check_equal(
    summary: &Summary,
    models: &[&dyn PurchaseModel],
    options: &[ClvOptions],
    block: usize,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (whole, streamed) = (dir.path().join("whole.csv"), dir.path().join("stream.csv"));
    let read = |p: &Path| std::fs::read(p).expect("output");
    let gg = gamma_gamma();
    for &model in models {
        let preds = predict_purchases(model, summary, 39.0).expect("predict");
        write_predictions(&whole, summary, &preds).expect("write");
        let columns = SummaryColumns {
            monetary_value: summary.has_monetary_value(),
            holdout: summary.has_holdout(),
            monetary_value_holdout: summary.has_monetary_value() && summary.has_holdout(),
        };
        let totals = stream_predictions(
            &streamed,
            blocks(&summary.customers, block),
            columns,
            model,
            39.0,
        )
        .expect("stream");
        assert!(
            read(&whole) == read(&streamed),
            "{} predictions",
            model.name()
        );
        let total: f64 = preds.iter().map(|p| p.expected_purchases).sum();
        assert_eq!(totals.expected_purchases.to_bits(), total.to_bits());
        assert_eq!(totals.rows, summary.customers.len() as u64);

        for opts in options {
            let values = clv(model, &gg, summary, opts).expect("clv");
            write_clv(&whole, summary, &values).expect("write");
            let schedule = opts.schedule(summary.unit).expect("options");
            let totals = stream_clv(
                &streamed,
                blocks(&summary.customers, block),
                model,
                &gg,
                &schedule,
                10,
            )
            .expect("stream");
            assert!(read(&whole) == read(&streamed), "{} {opts:?}", model.name());
            let total: f64 = values.iter().map(|r| r.clv).sum();
            assert_eq!(totals.clv.to_bits(), total.to_bits());
            let mut order: Vec<&CustomerClv> = values.iter().collect();
            order.sort_by(|a, b| b.clv.total_cmp(&a.clv));
            let top: Vec<&CustomerClv> = totals.top.iter().collect();
            assert_eq!(top, order[..10].to_vec());
        }
    }
}

#[test]
fn cdnow_streams_as_the_whole_table() {
    let summary = cdnow_spend_summary();
    // Published estimates: Fader, Hardie & Lee (2005a) BG/NBD; Batislam et al. (2007) MBG/NBD
    // as BTYDplus reports it; Schmittlein et al. (1987) Pareto/NBD as in lifetimes' tests.
    let bg = BgNbd::new(0.243, 4.414, 0.793, 2.426).expect("valid");
    let mbg = MbgNbd::new(0.525, 6.183, 0.891, 1.614).expect("valid");
    let pareto = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).expect("valid");
    let options = [
        ClvOptions::monthly(52.0, TimeUnit::Week, DiscountRate::Annual(0.1)),
        ClvOptions::discrete(12.0 * 4.345, 4.345, DiscountRate::PerStep(0.01)),
        ClvOptions::continuous(Horizon::Finite(52.0), DiscountRate::Annual(0.1)).with_margin(0.2),
        ClvOptions::continuous(Horizon::Infinite, DiscountRate::Annual(0.1)),
    ];
    // An infinite horizon integrates BG/NBD and MBG/NBD numerically (seconds on CDNOW): only
    // Pareto/NBD, which has a closed form, takes it here.
    check_equal(&summary, &[&bg, &mbg], &options[..3], 100);
    check_equal(&summary, &[&pareto], &options, 1000);
}

#[test]
fn a_generated_summary_of_many_blocks_and_groups_streams_as_the_whole_table() {
    // More than one group, in blocks of 1,000 rows, days in weeks: most patterns repeat.
    let truth = BgNbd::new(0.243, 4.414, 0.793, 2.426).expect("valid");
    let n = GROUP_ROWS + GROUP_ROWS / 4;
    let mut rng = StdRng::seed_from_u64(5);
    let ages: Vec<f64> = (0..n)
        .map(|_| f64::from(rng.random_range(182u32..=547)) / 7.0)
        .collect();
    let histories = truth.simulate(&ages, &mut rng).expect("simulate");
    let customers = histories
        .into_iter()
        .enumerate()
        .map(|(i, h)| CustomerSummary {
            customer_id: format!("g{i}"),
            history: History {
                recency: (h.recency * 7.0).floor() / 7.0,
                ..h
            },
            monetary_value: Some(if h.frequency > 0.0 {
                f64::from(rng.random_range(100u32..5_000)) / 100.0
            } else {
                0.0
            }),
            holdout: None,
        })
        .collect();
    let summary = Summary::new(TimeUnit::Week, customers);
    let options = [ClvOptions::monthly(
        52.0,
        TimeUnit::Week,
        DiscountRate::Annual(0.1),
    )];
    check_equal(&summary, &[&truth], &options, 1000);
}
