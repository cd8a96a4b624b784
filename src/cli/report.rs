//! `btyd report`: from a transaction log to a self-contained `report.html` with every CSV
//! beside it: KPIs and simple CLV, the model comparison on the holdout period, the chosen
//! model with its intervals, model-based CLV, segments, top and at-risk customers.
//!
//! The report reuses the other commands' pieces: the log reader and its options (`summary`),
//! [`run_comparison`] (`compare`), the fitting driver and [`btyd::predict::clv`] (`fit`,
//! `clv`), and the decision floor [`btyd::decide`] (`kpi`, `segment`). [`write_decisions`] is
//! shared with `btyd demo`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use btyd::data::time::parse_date_arg;
use btyd::data::{build_summary, Summary, SummaryOptions, Transactions};
use btyd::decide::{
    compute_kpis, segment_customers, ChurnRisk, CustomerValue, KpiOptions, Kpis, Period,
    SegmentOptions, Segmentation, RFM_RULES,
};
use btyd::fit::{fit_model, FitOptions, FittedModel};
use btyd::io::comparison::units;
use btyd::io::kpi_csv::{retention_svg, write_kpis};
use btyd::io::output::FreshDir;
use btyd::io::plot::{self, Labels};
use btyd::io::report::{write_html, Block, HtmlReport, HtmlTable, Section};
use btyd::io::segments_csv::{concentration_svg, tier_churn_svg, write_segments};
use btyd::io::{write_clv, ModelFile};
use btyd::models::ModelKind;
use btyd::predict::clv::{clv, ClvOptions, CustomerClv, DiscountRate};
use btyd::validate::{CompareOptions, Comparison};

use super::compare::run_comparison;
use super::kpi::{parse_period, print_kpis};
use super::summary::{print_report, read_log, LogArgs};

/// Arguments of `btyd report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Transaction log (CSV or whitespace-separated) with amounts; `-` reads stdin.
    log: PathBuf,
    #[command(flatten)]
    log_opts: LogArgs,
    /// End of the calibration period, YYYY-MM-DD: models are compared on the holdout after it.
    #[arg(long, value_parser = |s: &str| parse_date_arg(s, "--calibration-end"))]
    calibration_end: chrono::NaiveDate,
    /// End of observation, YYYY-MM-DD: KPIs and CLV use the log up to it.
    #[arg(long, value_parser = |s: &str| parse_date_arg(s, "--observation-end"))]
    observation_end: chrono::NaiveDate,
    /// CLV horizon in --time-unit [default: one year].
    #[arg(long, value_parser = super::positive)]
    horizon: Option<f64>,
    /// Discount rate per time unit, or per year with --annual [default: 10% a year].
    #[arg(long, value_parser = super::non_negative)]
    discount_rate: Option<f64>,
    /// The discount rate is an effective annual rate.
    #[arg(long)]
    annual: bool,
    /// Profit margin applied to spend (model CLV) and revenue (simple CLV).
    #[arg(long, default_value_t = 1.0, value_parser = super::non_negative)]
    margin: f64,
    /// Customer acquisition cost, the same for every customer.
    #[arg(long, value_parser = super::non_negative)]
    cac: Option<f64>,
    /// Calendar period of the KPIs' retention.
    #[arg(long, default_value = "quarter", value_parser = parse_period)]
    period: Period,
    /// Output folder (replaced when complete; only a folder of btyd outputs is replaced).
    #[arg(long, default_value = "btyd-report")]
    out: PathBuf,
}

/// Options of the decision part of a report.
#[derive(Debug, Clone)]
pub struct DecisionOptions {
    /// Retention period.
    pub period: Period,
    /// Margin of the simple CLV (the model CLV has its own, already applied).
    pub margin: f64,
    /// CAC for every customer, if any.
    pub cac: Option<f64>,
    /// Segment options.
    pub segments: SegmentOptions,
}

/// The model-based CLV a report shows, however it was computed.
pub struct ClvBasis<'a> {
    /// The purchase model.
    pub purchase: &'a FittedModel,
    /// The spend model.
    pub spend: &'a FittedModel,
    /// The summary the CLV was computed on.
    pub summary: &'a Summary,
    /// Its CLV rows, one per customer of `summary`.
    pub rows: &'a [CustomerClv],
    /// How it was computed (horizon, discounting, margin, from when).
    pub description: String,
}

pub fn run(args: ReportArgs) -> anyhow::Result<()> {
    if args.calibration_end >= args.observation_end {
        bail!(
            "--calibration-end {} must be before --observation-end {}",
            args.calibration_end,
            args.observation_end
        );
    }
    let fresh = FreshDir::new(&args.out)?;
    let unit = args.log_opts.time_unit;
    let tx = read_log(&args.log, &args.log_opts.read_options())?;
    let split = SummaryOptions {
        unit,
        observation_end: Some(args.observation_end),
        calibration_end: Some(args.calibration_end),
    };
    let (calibration, report) = build_summary(&tx, &split)?;
    print_report(&report, unit);
    let decisions = DecisionOptions {
        period: args.period,
        margin: args.margin,
        cac: args.cac,
        segments: SegmentOptions::default(),
    };
    // The KPIs first: their errors (no amounts, too short a log) come before any fit.
    let kpis = kpi_of(&tx, &calibration, &decisions)?;

    let (comparison, comparison_files) = run_comparison(
        &tx,
        &calibration,
        &CompareOptions::all_models(),
        fresh.path(),
    )?;
    let (kind, rank) = chosen(&comparison)?;

    // The chosen model and Gamma-Gamma refitted on the whole log up to the observation end, and
    // CLV from then on.
    let full_opts = SummaryOptions {
        calibration_end: None,
        ..split
    };
    let (mut full, _) = build_summary(&tx, &full_opts)?;
    // Gamma-Gamma needs a positive mean spend of every repeat customer: repeat customers whose
    // repeat purchases were all free are left out of the spend fit and the CLV table (named
    // here and in the report), rather than failing the whole report.
    let free: Vec<String> = full
        .customers
        .iter()
        .filter(|c| c.history.frequency >= 1.0 && c.monetary_value.is_some_and(|m| m == 0.0))
        .map(|c| c.customer_id.clone())
        .collect();
    if !free.is_empty() {
        full.customers.retain(|c| {
            !(c.history.frequency >= 1.0 && c.monetary_value.is_some_and(|m| m == 0.0))
        });
        eprintln!(
            "{} repeat customer(s) with a mean repeat spend of 0 left out of the spend model and \
             the CLV table: {}{}",
            free.len(),
            free.iter().take(10).cloned().collect::<Vec<_>>().join(", "),
            if free.len() > 10 { ", ..." } else { "" }
        );
    }
    let fitted = fit_model(kind, &full, unit, &FitOptions::default())
        .with_context(|| format!("refitting {kind} up to {}", args.observation_end))?;
    let spend = fit_model(ModelKind::GammaGamma, &full, unit, &FitOptions::default())
        .context("fitting Gamma-Gamma")?;
    let horizon = args.horizon.unwrap_or(unit.per_year());
    let discount = match (args.discount_rate, args.annual) {
        (None, _) => DiscountRate::Annual(0.10),
        (Some(r), true) => DiscountRate::Annual(r),
        (Some(r), false) => DiscountRate::PerUnit(r),
    };
    let opts = ClvOptions::monthly(horizon, unit, discount).with_margin(args.margin);
    let rows = clv(fitted.model.purchase()?, spend.model.spend()?, &full, &opts)?;
    let mut description = format!(
        "{kind} (ranked {rank} by holdout MAE) and Gamma-Gamma, both refitted on the whole log \
         up to {}; CLV over the next {horizon:.2} {} in monthly steps, discounted at {}, \
         margin {}",
        args.observation_end,
        units(unit),
        describe_discount(discount),
        args.margin
    );
    if !free.is_empty() {
        description.push_str(&format!(
            "; {} repeat customer(s) whose repeat purchases were all free (mean spend 0) are \
             left out, as Gamma-Gamma needs a positive mean spend",
            free.len()
        ));
    }
    let mut files = Vec::new();
    for (model, name) in [
        (&fitted, "clv_purchase_model.json"),
        (&spend, "clv_spend_model.json"),
    ] {
        let path = fresh.path().join(name);
        ModelFile::from_fitted(model).write(&path)?;
        files.push(path);
    }
    let clv_path = fresh.path().join("clv.csv");
    write_clv(&clv_path, &full, &rows)?;
    files.push(clv_path);
    let hist_path = fresh.path().join("clv_distribution.svg");
    plot::write_svg(&hist_path, &clv_histogram(&rows)?)?;
    files.push(hist_path);
    let basis = ClvBasis {
        purchase: &fitted,
        spend: &spend,
        summary: &full,
        rows: &rows,
        description,
    };
    let source = args.log.display().to_string();
    let written = write_decisions(
        fresh.path(),
        &source,
        &calibration,
        &comparison,
        &comparison_files,
        &files,
        &kpis,
        &basis,
        &decisions,
    )?;
    files.extend(comparison_files);
    files.extend(written);
    fresh.commit()?;
    print_kpis(&kpis);
    for f in &files {
        let name = f.file_name().unwrap_or_default();
        eprintln!("wrote {}", args.out.join(name).display());
    }
    Ok(())
}

/// "10% a year" or "0.2% per time unit".
fn describe_discount(d: DiscountRate) -> String {
    match d {
        DiscountRate::Annual(r) => format!("{}% a year", r * 100.0),
        DiscountRate::PerUnit(r) => format!("{}% per time unit", r * 100.0),
        other => format!("{other:?}"),
    }
}

/// The best-ranked model of a comparison and its rank (1-based).
fn chosen(comparison: &Comparison) -> anyhow::Result<(ModelKind, usize)> {
    comparison
        .order
        .iter()
        .enumerate()
        .find_map(|(r, &i)| {
            let e = &comparison.evaluations[i];
            e.outcome.is_ok().then_some((e.kind, r + 1))
        })
        .context("no purchase model could be fitted")
}

/// The KPIs of the log up to the summary's observation end.
pub fn kpi_of(
    tx: &Transactions,
    summary: &Summary,
    opts: &DecisionOptions,
) -> anyhow::Result<Kpis> {
    Ok(compute_kpis(
        tx,
        &KpiOptions {
            period: opts.period,
            margin: opts.margin,
            cac: opts.cac.unwrap_or(0.0),
            observation_end: summary.observation_end,
        },
    )?)
}

/// The histogram of the customers' CLV.
fn clv_histogram(rows: &[CustomerClv]) -> anyhow::Result<String> {
    let values: Vec<f64> = rows.iter().map(|r| r.clv).collect();
    Ok(plot::histogram_svg(
        Labels {
            title: "Distribution of customer lifetime value",
            x: "CLV per customer (money)",
            y: "number of customers",
        },
        &values,
        40,
        0.99,
    )?)
}

/// The customers' values for segmentation: the summary's columns and the CLV rows.
pub fn customer_values(summary: &Summary, rows: &[CustomerClv]) -> Vec<CustomerValue> {
    summary
        .customers
        .iter()
        .zip(rows)
        .map(|(c, r)| CustomerValue {
            customer_id: c.customer_id.clone(),
            frequency: c.history.frequency,
            recency: c.history.recency,
            age: c.history.age,
            monetary_value: c.monetary_value.unwrap_or(0.0),
            p_alive: r.p_alive,
            expected_purchases: r.expected_purchases,
            clv: r.clv,
        })
        .collect()
}

/// Segments the CLV of `basis`, writes the KPI files, the segment files and `report.html` into
/// `out`, and returns the files written (the report shows the CLV histogram, which the caller
/// writes as `clv_distribution.svg` if it wants the file). `comparison_files` are the files of
/// the comparison (its charts are inlined), `other_files` what else is already in `out`; both
/// are listed in the report, relative to `out`.
///
/// Everything is computed before the first file is written.
#[allow(clippy::too_many_arguments)]
pub fn write_decisions(
    out: &Path,
    source: &str,
    calibration: &Summary,
    comparison: &Comparison,
    comparison_files: &[PathBuf],
    other_files: &[PathBuf],
    kpis: &Kpis,
    basis: &ClvBasis<'_>,
    opts: &DecisionOptions,
) -> anyhow::Result<Vec<PathBuf>> {
    let values = customer_values(basis.summary, basis.rows);
    let cac = opts.cac.map(|c| vec![c; values.len()]);
    let seg = segment_customers(&values, &opts.segments, cac.as_deref())?;
    let histogram = clv_histogram(basis.rows)?;
    let comparison_svgs: Vec<(String, String)> = comparison_files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "svg"))
        .map(|f| {
            let name = f
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            std::fs::read_to_string(f)
                .map(|svg| (name, svg))
                .with_context(|| format!("reading {}", f.display()))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut written = Vec::new();
    written.extend(write_kpis(&out.join("kpi.csv"), kpis)?);
    written.extend(write_segments(
        &out.join("segments.csv"),
        &values,
        &seg,
        opts.segments.churn_threshold,
    )?);
    let report_path = out.join("report.html");
    let mut listed: Vec<String> = other_files
        .iter()
        .chain(comparison_files)
        .chain(&written)
        .map(|f| {
            f.strip_prefix(out)
                .unwrap_or(f)
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    listed.push("report.html".into());
    let report = compose(&Composition {
        source,
        calibration,
        comparison,
        comparison_svgs: &comparison_svgs,
        kpis,
        basis,
        values: &values,
        seg: &seg,
        opts,
        histogram,
        files: listed,
    })?;
    write_html(&report_path, &report)?;
    written.push(report_path);
    Ok(written)
}

/// Everything the report shows.
struct Composition<'a> {
    source: &'a str,
    calibration: &'a Summary,
    comparison: &'a Comparison,
    comparison_svgs: &'a [(String, String)],
    kpis: &'a Kpis,
    basis: &'a ClvBasis<'a>,
    values: &'a [CustomerValue],
    seg: &'a Segmentation,
    opts: &'a DecisionOptions,
    histogram: String,
    files: Vec<String>,
}

fn f2(v: f64) -> String {
    format!("{v:.2}")
}

fn f4(v: f64) -> String {
    format!("{v:.4}")
}

fn pct(v: f64) -> String {
    format!("{:.1}%", 100.0 * v)
}

fn opt(v: Option<f64>, f: fn(f64) -> String) -> String {
    v.map_or_else(|| "-".into(), f)
}

fn table(header: &[&str], rows: Vec<Vec<String>>) -> HtmlTable {
    HtmlTable {
        header: header.iter().map(|s| s.to_string()).collect(),
        rows,
    }
}

/// Captions of the comparison's charts, by file name.
fn chart_caption(name: &str) -> String {
    match name {
        "holdout_by_frequency.svg" => {
            "Holdout: mean purchases by calibration frequency, actual against each model".into()
        }
        "tracking_cumulative.svg" => {
            "Cumulative repeat purchases, actual against each model, calibration and holdout".into()
        }
        "tracking_incremental.svg" => {
            "Repeat purchases per period, actual against each model".into()
        }
        "calibration_histogram.svg" => {
            "Calibration: customers by number of repeat purchases, actual and expected".into()
        }
        n if n.starts_with("p_alive_") => "P(alive) by frequency and recency".into(),
        n => n.to_string(),
    }
}

fn compose(c: &Composition<'_>) -> anyhow::Result<HtmlReport> {
    let k = c.kpis;
    let seg = c.seg;
    let n = c.values.len();
    let all = seg
        .summary
        .first()
        .context("the segment summary is empty")?;
    let mean_clv = all.mean_clv;
    let top_share = seg
        .summary
        .iter()
        .find(|g| g.grouping == "value_tier")
        .and_then(|g| g.share_clv);
    let at_risk_high: Vec<usize> = {
        let mut v: Vec<usize> = (0..n)
            .filter(|&i| seg.customers[i].churn_risk == ChurnRisk::AtRiskHighValue)
            .collect();
        v.sort_by_key(|&i| seg.customers[i].clv_rank);
        v
    };
    let mut sections = Vec::new();

    // Overview.
    let unit = c.calibration.unit;
    let holdout = match (c.calibration.calibration_end, c.calibration.observation_end) {
        (Some(a), Some(b)) => format!("calibration to {a}, holdout to {b}"),
        _ => String::new(),
    };
    sections.push(Section {
        id: "overview".into(),
        title: "Overview".into(),
        blocks: vec![
            Block::Paragraph(format!(
                "{} customers bought {} times (customer-days) for {:.2} from {} to {}. \
                 Models were compared on {holdout} (time unit: {}).",
                k.customers,
                k.purchases,
                k.revenue,
                k.first_date,
                k.end,
                units(unit)
            )),
            Block::Paragraph(format!("Model-based CLV: {}.", c.basis.description)),
            Block::Table {
                caption: "Key figures".into(),
                table: table(
                    &["figure", "value"],
                    vec![
                        vec![
                            "simple (historical) CLV per customer".into(),
                            opt(k.simple_clv, f2),
                        ],
                        vec!["model-based mean CLV per customer".into(), f2(mean_clv)],
                        vec!["total model-based CLV".into(), f2(all.total_clv)],
                        vec![
                            format!("share of CLV held by the {}", seg.tier_labels[0]),
                            opt(top_share, pct),
                        ],
                        vec![
                            "at-risk high-value customers".into(),
                            at_risk_high.len().to_string(),
                        ],
                        vec![
                            "retention rate per ".to_string() + k.period.as_str(),
                            f4(k.retention_rate),
                        ],
                    ],
                ),
            },
        ],
    });

    // KPIs.
    let kpi_rows = vec![
        vec![
            "customers".into(),
            k.customers.to_string(),
            "with a purchase up to the observation end".into(),
        ],
        vec![
            "purchases".into(),
            k.purchases.to_string(),
            "customer purchase days (same-day rows merged)".into(),
        ],
        vec!["revenue".into(), f2(k.revenue), "sum of the amounts".into()],
        vec![
            "years observed".into(),
            f4(k.years),
            format!("{} to {}, both included, / 365.25", k.first_date, k.end),
        ],
        vec![
            "average purchase value (APV)".into(),
            f4(k.average_purchase_value),
            "revenue / purchases".into(),
        ],
        vec![
            "purchase frequency rate (PFR)".into(),
            f4(k.purchase_frequency_rate),
            "purchases / customers / years observed".into(),
        ],
        vec![
            format!("retention rate per {}", k.period),
            f4(k.retention_rate),
            format!(
                "active in a {p} and again in the next, pooled over {} complete {p} pairs",
                k.retention_periods,
                p = k.period
            ),
        ],
        vec![
            format!("churn rate per {}", k.period),
            f4(k.churn_rate),
            "1 - retention".into(),
        ],
        vec![
            "customer lifespan (years)".into(),
            opt(k.lifespan_years, f4),
            format!("1 / churn {}s", k.period),
        ],
        vec![
            "observed mean span (years)".into(),
            f4(k.observed_mean_span_years),
            "mean of last - first purchase (0 for one-time buyers)".into(),
        ],
        vec![
            "observed mean span of repeaters (years)".into(),
            opt(k.observed_mean_span_repeaters_years, f4),
            "the same over customers with two purchase days or more".into(),
        ],
        vec!["margin".into(), k.margin.to_string(), String::new()],
        vec!["CAC".into(), k.cac.to_string(), String::new()],
        vec![
            "simple CLV".into(),
            opt(k.simple_clv, f2),
            "APV x PFR x lifespan x margin - CAC".into(),
        ],
    ];
    let overall: Vec<Vec<String>> = k
        .cohorts
        .iter()
        .filter(|r| r.cohort.is_none())
        .map(|r| {
            vec![
                k.period.label(r.period),
                r.active.to_string(),
                r.retained.map_or_else(|| "-".into(), |x| x.to_string()),
                opt(r.retention_rate(), f4),
            ]
        })
        .collect();
    sections.push(Section {
        id: "kpi".into(),
        title: "KPIs and simple CLV".into(),
        blocks: vec![
            Block::Table {
                caption: "Descriptive KPIs (kpi.csv)".into(),
                table: table(&["metric", "value", "definition"], kpi_rows),
            },
            Block::Paragraph(format!(
                "Simple CLV {} against a model-based mean CLV of {}. They answer different \
                 questions: the simple CLV values an average new customer over a whole \
                 lifetime (1 / churn) at the average purchase rate, undiscounted, as if every \
                 customer were the average one; the model-based CLV values each existing \
                 customer's expected purchases over the horizon only, given that customer's \
                 own history (most one-time buyers are probably gone, P(alive) is low), \
                 discounted. Period retention also mixes dropout with buying less often than \
                 once a period, so 1 / churn understates how long customers stay when \
                 purchases are rare.",
                opt(k.simple_clv, f2),
                f2(mean_clv)
            )),
            Block::Svg {
                caption: "Share of each cohort active per period (kpi_retention.svg)".into(),
                svg: retention_svg(k)?,
            },
            Block::Table {
                caption: format!(
                    "Retention per {}, all customers (kpi_retention.csv has each cohort)",
                    k.period
                ),
                table: table(
                    &["period", "active", "active next period", "retention"],
                    overall,
                ),
            },
        ],
    });

    // Models.
    let mut model_rows = Vec::new();
    for (r, &i) in c.comparison.order.iter().enumerate() {
        let e = &c.comparison.evaluations[i];
        model_rows.push(match &e.outcome {
            Ok(v) => vec![
                (r + 1).to_string(),
                e.kind.to_string(),
                f2(v.fitted.log_likelihood),
                f2(v.fitted.aic()),
                f2(v.fitted.bic()),
                format!("{:.1}", v.holdout.predicted_total),
                format!("{:.0}", v.holdout.actual_total),
                f4(v.holdout.mae),
                f4(v.holdout.rmse),
                f2(v.calibration.chi_square),
            ],
            Err(err) => vec![
                (r + 1).to_string(),
                e.kind.to_string(),
                format!("failed: {err}"),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ],
        });
    }
    let mut blocks = vec![Block::Table {
        caption: "Purchase models fitted on the calibration period, ranked by holdout MAE (comparison.csv)".into(),
        table: table(
            &["rank", "model", "LL", "AIC", "BIC", "holdout predicted", "holdout actual", "MAE", "RMSE", "chi2"],
            model_rows,
        ),
    }];
    for (name, svg) in c.comparison_svgs {
        blocks.push(Block::Svg {
            caption: format!("{} ({name})", chart_caption(name)),
            svg: svg.clone(),
        });
    }
    sections.push(Section {
        id: "models".into(),
        title: "Model comparison on the holdout period".into(),
        blocks,
    });

    // Parameters.
    let mut blocks = Vec::new();
    for (role, m) in [("purchase", c.basis.purchase), ("spend", c.basis.spend)] {
        let rows = m
            .param_table()
            .into_iter()
            .map(|p| {
                if p.at_edge {
                    vec![
                        p.name.to_string(),
                        format!("{:.6}", p.estimate),
                        "at edge".into(),
                        "-".into(),
                        "-".into(),
                    ]
                } else {
                    let o = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| format!("{v:.6}"));
                    vec![
                        p.name.to_string(),
                        format!("{:.6}", p.estimate),
                        o(p.std_error),
                        o(p.lower_95),
                        o(p.upper_95),
                    ]
                }
            })
            .collect();
        blocks.push(Block::Table {
            caption: format!(
                "{} ({role} model, {} customers): LL {:.3}, AIC {:.3}, {}",
                m.requested(),
                m.n_obs,
                m.log_likelihood,
                m.aic(),
                if m.converged {
                    "converged"
                } else {
                    "NOT converged"
                }
            ),
            table: table(
                &[
                    "parameter",
                    "estimate",
                    "std error",
                    "lower 95%",
                    "upper 95%",
                ],
                rows,
            ),
        });
        for w in &m.warnings {
            blocks.push(Block::Paragraph(format!("Note ({}): {w}", m.requested())));
        }
    }
    blocks.push(Block::Paragraph(
        "Intervals are 95% on the log scale the parameters are fitted on: estimate x \
         exp(+-1.96 SE / estimate)."
            .into(),
    ));
    sections.push(Section {
        id: "parameters".into(),
        title: "The chosen model's parameters".into(),
        blocks,
    });

    // CLV distribution.
    let mut sorted = c.values.iter().map(|v| v.clv).collect::<Vec<_>>();
    sorted.sort_by(f64::total_cmp);
    let q = |p: f64| sorted[((p * (n - 1) as f64).round() as usize).min(n - 1)];
    sections.push(Section {
        id: "clv".into(),
        title: "CLV distribution".into(),
        blocks: vec![
            Block::Table {
                caption: "Model-based CLV per customer (clv.csv)".into(),
                table: table(
                    &[
                        "customers",
                        "total",
                        "mean",
                        "median",
                        "90th percentile",
                        "99th percentile",
                        "max",
                    ],
                    vec![vec![
                        n.to_string(),
                        f2(all.total_clv),
                        f2(mean_clv),
                        f2(q(0.5)),
                        f2(q(0.9)),
                        f2(q(0.99)),
                        f2(q(1.0)),
                    ]],
                ),
            },
            Block::Svg {
                caption: "CLV per customer (clv_distribution.svg)".into(),
                svg: c.histogram.clone(),
            },
        ],
    });

    // Segments.
    let seg_rows = seg
        .summary
        .iter()
        .map(|g| {
            vec![
                g.grouping.to_string(),
                g.group.clone(),
                g.customers.to_string(),
                pct(g.share_customers),
                f2(g.total_clv),
                f2(g.mean_clv),
                opt(g.share_clv, pct),
                f4(g.mean_p_alive),
                opt(g.expected_purchases, f2),
                opt(g.mean_net_clv, f2),
            ]
        })
        .collect();
    let mut blocks = vec![
        Block::Paragraph(format!(
            "Value tiers by CLV ({}), churn risk when P(alive) < {}, RFM quintile scores \
             (R from the time since the last purchase, F from frequency, M from the mean repeat \
             purchase value; ties share a score) and the segment of (R, F).",
            seg.tier_labels.join(", "),
            c.opts.segments.churn_threshold
        )),
        Block::Table {
            caption: "Segments (segments_summary.csv)".into(),
            table: table(
                &[
                    "grouping",
                    "group",
                    "customers",
                    "share",
                    "total CLV",
                    "mean CLV",
                    "share of CLV",
                    "mean P(alive)",
                    "expected purchases",
                    "mean net CLV",
                ],
                seg_rows,
            ),
        },
    ];
    if let Ok(svg) = concentration_svg(seg) {
        blocks.push(Block::Svg {
            caption: "CLV concentration (segments_concentration.svg)".into(),
            svg,
        });
    }
    blocks.push(Block::Svg {
        caption: "Value tier by churn risk (segments_tier_churn.svg)".into(),
        svg: tier_churn_svg(seg, c.opts.segments.churn_threshold)?,
    });
    let rule_rows = RFM_RULES
        .iter()
        .map(|r| {
            vec![
                r.segment.to_string(),
                format!("{}-{}", r.r.start(), r.r.end()),
                format!("{}-{}", r.f.start(), r.f.end()),
                r.meaning.to_string(),
            ]
        })
        .collect();
    blocks.push(Block::Table {
        caption: "RFM segment rules".into(),
        table: table(&["segment", "R", "F", "meaning"], rule_rows),
    });
    sections.push(Section {
        id: "segments".into(),
        title: "Segments".into(),
        blocks,
    });

    // Customers.
    let customer_rows = |idx: &[usize], limit: usize| -> Vec<Vec<String>> {
        idx.iter()
            .take(limit)
            .map(|&i| {
                let (v, s) = (&c.values[i], &seg.customers[i]);
                vec![
                    s.clv_rank.to_string(),
                    v.customer_id.clone(),
                    f2(v.clv),
                    f4(v.p_alive),
                    format!("{}", v.frequency),
                    f2(v.monetary_value),
                    format!("{}{}{}", s.rfm_r, s.rfm_f, s.rfm_m),
                    s.rfm_segment.to_string(),
                    seg.tier_labels[s.tier].clone(),
                ]
            })
            .collect()
    };
    let header = [
        "rank",
        "customer",
        "CLV",
        "P(alive)",
        "frequency",
        "monetary value",
        "RFM",
        "segment",
        "tier",
    ];
    let mut by_rank: Vec<usize> = (0..n).collect();
    by_rank.sort_by_key(|&i| seg.customers[i].clv_rank);
    sections.push(Section {
        id: "top".into(),
        title: "Top customers".into(),
        blocks: vec![Block::Table {
            caption: "The 20 customers with the highest CLV".into(),
            table: table(&header, customer_rows(&by_rank, 20)),
        }],
    });
    sections.push(Section {
        id: "at-risk".into(),
        title: "At-risk high-value customers".into(),
        blocks: vec![
            Block::Paragraph(format!(
                "{} customers are in the {} by CLV but have P(alive) < {}: worth a \
                 retention offer before they are gone. The first 25, by CLV:",
                at_risk_high.len(),
                seg.tier_labels[0],
                c.opts.segments.churn_threshold
            )),
            Block::Table {
                caption: "At risk, high value (churn_risk = at risk high value in segments.csv)"
                    .into(),
                table: table(&header, customer_rows(&at_risk_high, 25)),
            },
        ],
    });
    sections.push(Section {
        id: "files".into(),
        title: "Files".into(),
        blocks: vec![
            Block::Paragraph("Every table of this report, beside it:".into()),
            Block::Files(c.files.clone()),
        ],
    });

    Ok(HtmlReport {
        title: "Customer-base report".into(),
        subtitle: vec![
            format!("Data: {}", c.source),
            format!(
                "{} customers, {} to {}; written by btyd {}",
                k.customers,
                k.first_date,
                k.end,
                env!("CARGO_PKG_VERSION")
            ),
        ],
        sections,
    })
}
