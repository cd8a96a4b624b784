//! `btyd segment`: value tiers, RFM scores and segments, churn risk and CAC per customer from
//! the CSV `btyd clv` writes (definitions in [`btyd::decide::segment`] and
//! [`btyd::decide::rfm`]).

use std::path::PathBuf;

use anyhow::bail;
use btyd::decide::{
    assign_cac, segment_customers, CacKey, CustomerValue, SegmentOptions, Segmentation, Tiers,
};
use btyd::io::segments_csv::{read_attribute, read_cac, read_clv_values, write_segments};

/// Arguments of `btyd segment`.
#[derive(Debug, clap::Args)]
pub struct SegmentArgs {
    /// CLV table written by `btyd clv` (customer_id, frequency, recency, T, monetary_value,
    /// p_alive, expected_purchases, clv, ...).
    clv: PathBuf,
    /// Cut points of the value tiers, shares of customers by CLV from the top, increasing in
    /// (0, 1): 0.2,0.5 makes the top 20%, the next 30% and the rest.
    #[arg(long, value_delimiter = ',', default_value = "0.2,0.5", value_parser = super::finite)]
    tiers: Vec<f64>,
    /// P(alive) below this is a churn risk.
    #[arg(long, default_value_t = 0.5, value_parser = super::finite)]
    churn_threshold: f64,
    /// One acquisition cost for every customer; adds cac, net_clv and clv_to_cac.
    #[arg(long, value_parser = super::non_negative, conflicts_with = "cac_file")]
    cac: Option<f64>,
    /// CSV of acquisition costs: columns `cac` and a key, either `customer_id` or a customer
    /// attribute such as `channel` (found in the CLV file, or in --attributes).
    #[arg(long)]
    cac_file: Option<PathBuf>,
    /// CSV keyed by customer_id holding the CAC file's key column (e.g. a summary with a
    /// `channel` column) when the CLV file does not have it.
    #[arg(long, requires = "cac_file")]
    attributes: Option<PathBuf>,
    /// Output CSV, one row per customer; `STEM_summary.csv`, `STEM_concentration.svg` and
    /// `STEM_tier_churn.svg` are written beside it.
    #[arg(short, long)]
    output: PathBuf,
    /// How many customers of each list (top CLV, at risk high value) to print.
    #[arg(long, default_value_t = 10)]
    top: usize,
}

pub fn run(args: SegmentArgs) -> anyhow::Result<()> {
    if args.output.as_os_str() == "-" {
        bail!("segment writes four files (the segments, their summary and two charts): -o must name a file, not stdout");
    }
    let opts = SegmentOptions {
        tiers: Tiers::new(args.tiers.clone())?,
        churn_threshold: args.churn_threshold,
    };
    if !(0.0..=1.0).contains(&opts.churn_threshold) {
        bail!(
            "--churn-threshold {}: must be a probability in [0, 1]",
            opts.churn_threshold
        );
    }
    // Everything is read and checked before anything is written.
    let cac_table = args.cac_file.as_deref().map(read_cac).transpose()?;
    let key_column = match cac_table.as_ref().map(|t| &t.key) {
        Some(CacKey::Column(c)) if args.attributes.is_none() => Some(c.as_str()),
        _ => None,
    };
    let (values, attribute) = read_clv_values(&args.clv, key_column)?;
    let cac = match (&cac_table, args.cac) {
        (Some(table), _) => {
            let attribute = match (&table.key, &args.attributes) {
                (CacKey::Column(c), Some(file)) => Some(read_attribute(file, c, &values)?),
                (CacKey::Column(c), None) if attribute.is_none() => bail!(
                    "{} is keyed by '{c}', which {} does not have; give a CSV with customer_id \
                     and {c} with --attributes",
                    table.source.display(),
                    args.clv.display()
                ),
                _ => attribute,
            };
            Some(assign_cac(&values, attribute.as_deref(), table)?)
        }
        (None, Some(c)) => Some(vec![c; values.len()]),
        (None, None) => None,
    };
    let seg = segment_customers(&values, &opts, cac.as_deref())?;
    let files = write_segments(&args.output, &values, &seg, opts.churn_threshold)?;
    print_segments(&values, &seg, args.top);
    for f in files {
        eprintln!("wrote {}", f.display());
    }
    Ok(())
}

/// The summary per group and the first customers of the two lists, on stdout.
pub fn print_segments(values: &[CustomerValue], seg: &Segmentation, top: usize) {
    println!(
        "{:<12} {:<22} {:>9} {:>8} {:>14} {:>10} {:>8} {:>8}",
        "grouping", "group", "customers", "share", "total CLV", "mean CLV", "CLV %", "P(alive)"
    );
    for g in &seg.summary {
        println!(
            "{:<12} {:<22} {:>9} {:>7.1}% {:>14.2} {:>10.2} {:>8} {:>8.3}",
            g.grouping,
            g.group,
            g.customers,
            100.0 * g.share_customers,
            g.total_clv,
            g.mean_clv,
            g.share_clv
                .map_or_else(|| "-".into(), |s| format!("{:.1}%", 100.0 * s)),
            g.mean_p_alive
        );
    }
    let list = |title: &str, pick: &dyn Fn(usize) -> bool| {
        let mut idx: Vec<usize> = (0..values.len()).filter(|&i| pick(i)).collect();
        idx.sort_by_key(|&i| seg.customers[i].clv_rank);
        println!(
            "\n{title} ({} customers; the first {}):",
            idx.len(),
            top.min(idx.len())
        );
        for &i in idx.iter().take(top) {
            let (v, s) = (&values[i], &seg.customers[i]);
            println!(
                "  {:<12} clv {:>10.2}  P(alive) {:.3}  RFM {}{}{} {}",
                v.customer_id, v.clv, v.p_alive, s.rfm_r, s.rfm_f, s.rfm_m, s.rfm_segment
            );
        }
    };
    list("top customers by CLV", &|_| true);
    list("at risk high value", &|i| {
        seg.customers[i].churn_risk == btyd::decide::ChurnRisk::AtRiskHighValue
    });
}
