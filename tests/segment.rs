//! `btyd segment` and `btyd::decide::{segment, rfm}`: on the CDNOW demo CLV (2,357 customers)
//! the tiers have the requested shares, RFM scores are the documented quintiles, the summary's
//! totals are the per-customer sums; every row of the RFM rule table; bad inputs fail with a
//! clear error and write nothing.

mod common;

use std::collections::HashMap;

use btyd::decide::{
    rfm_segment, segment_customers, CustomerValue, SegmentOptions, Tiers, RFM_RULES,
};
use common::workdir::Workdir;

/// A table read back: header and rows of text.
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(w: &Workdir, name: &str) -> Csv {
        let mut rdr = csv::Reader::from_path(w.path(name)).unwrap();
        let header = rdr.headers().unwrap().iter().map(String::from).collect();
        let rows = rdr
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        Csv { header, rows }
    }

    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    fn text(&self, name: &str) -> Vec<String> {
        let c = self.col(name);
        self.rows.iter().map(|r| r[c].clone()).collect()
    }

    fn num(&self, name: &str) -> Vec<f64> {
        self.text(name)
            .iter()
            .map(|s| s.parse().unwrap_or(f64::NAN))
            .collect()
    }
}

/// A work folder holding the demo's `clv.csv` (one-year BG/NBD + Gamma-Gamma CLV of the CDNOW
/// sample) as `clv.csv`.
fn demo_clv() -> Workdir {
    let w = Workdir::new();
    w.succeeds(&["demo", "--out", "demo"]);
    std::fs::copy(w.path("demo/clv.csv"), w.path("clv.csv")).unwrap();
    std::fs::remove_dir_all(w.path("demo")).unwrap();
    w
}

/// Relative tolerance for sums of the same numbers in another order.
const SUM_RTOL: f64 = 1e-9;

/// The score 1 + ⌊5·b/n⌋ with b the customers strictly worse, counted here by brute force.
fn brute_scores(values: &[f64], higher_is_better: bool) -> Vec<u8> {
    let n = values.len();
    values
        .iter()
        .map(|&v| {
            let worse = values
                .iter()
                .filter(|&&u| if higher_is_better { u < v } else { u > v })
                .count();
            1 + (5 * worse / n) as u8
        })
        .collect()
}

#[test]
fn demo_clv_tiers_scores_and_totals() {
    let w = demo_clv();
    w.succeeds(&["segment", "clv.csv", "-o", "segments.csv"]);
    assert_eq!(
        w.files(),
        [
            "clv.csv",
            "segments.csv",
            "segments_concentration.svg",
            "segments_summary.csv",
            "segments_tier_churn.svg"
        ]
    );
    let clv_in = Csv::read(&w, "clv.csv");
    let s = Csv::read(&w, "segments.csv");
    let n = s.rows.len();
    assert_eq!(n, 2357);
    assert_eq!(
        s.text("customer_id"),
        clv_in.text("customer_id"),
        "input order kept"
    );
    assert_eq!(s.num("clv"), clv_in.num("clv"));

    // Tiers: round(0.2 n) = 471 top, round(0.5 n) - 471 = 708 next, the rest 1178.
    let tiers = s.text("value_tier");
    let count = |t: &str| tiers.iter().filter(|x| *x == t).count();
    assert_eq!(
        (count("top 20%"), count("next 30%"), count("rest 50%")),
        (471, 708, 1178)
    );
    for (label, share) in [("top 20%", 0.2), ("next 30%", 0.3), ("rest 50%", 0.5)] {
        let got = count(label) as f64 / n as f64;
        assert!((got - share).abs() <= 1.0 / n as f64, "{label}: {got}");
    }
    // Every customer of a higher tier has a CLV at least that of every customer below.
    let clv = s.num("clv");
    let tier_index = |t: &str| {
        ["top 20%", "next 30%", "rest 50%"]
            .iter()
            .position(|x| *x == t)
    };
    let idx: Vec<usize> = tiers.iter().map(|t| tier_index(t).unwrap()).collect();
    for t in 0..2 {
        let low = (0..n)
            .filter(|&i| idx[i] == t)
            .map(|i| clv[i])
            .fold(f64::INFINITY, f64::min);
        let high = (0..n)
            .filter(|&i| idx[i] > t)
            .map(|i| clv[i])
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(low >= high, "tier {t}: {low} < {high}");
    }
    // Ranks are a permutation consistent with CLV.
    let mut ranks: Vec<usize> = s.num("clv_rank").iter().map(|&r| r as usize).collect();
    let by_rank: Vec<f64> = {
        let mut o: Vec<usize> = (0..n).collect();
        o.sort_by_key(|&i| ranks[i]);
        o.iter().map(|&i| clv[i]).collect()
    };
    assert!(by_rank.windows(2).all(|w| w[0] >= w[1]));
    ranks.sort_unstable();
    assert_eq!(ranks, (1..=n).collect::<Vec<_>>());

    // RFM scores: the documented quintiles, by brute force.
    let since_last: Vec<f64> = s
        .num("T")
        .iter()
        .zip(s.num("recency"))
        .map(|(t, r)| t - r)
        .collect();
    let as_u8 = |name: &str| -> Vec<u8> { s.num(name).iter().map(|&v| v as u8).collect() };
    assert_eq!(as_u8("rfm_r"), brute_scores(&since_last, false));
    assert_eq!(as_u8("rfm_f"), brute_scores(&s.num("frequency"), true));
    assert_eq!(as_u8("rfm_m"), brute_scores(&s.num("monetary_value"), true));
    // 1,411 one-time buyers (59.9%) share F = 1; one repeat purchase scores 1 + ⌊5 · 0.599⌋
    // = 3, so no customer has F = 2.
    let f = as_u8("rfm_f");
    assert_eq!(f.iter().filter(|&&x| x == 1).count(), 1411);
    assert!(!f.contains(&2));
    assert!(f.contains(&3));
    // The segment of each customer is the rule table's.
    let r = as_u8("rfm_r");
    let segs = s.text("rfm_segment");
    for i in 0..n {
        assert_eq!(Some(segs[i].as_str()), rfm_segment(r[i], f[i]));
    }
    // Churn risk from P(alive) < 0.5, "high value" in the top tier.
    let p = s.num("p_alive");
    for (i, risk) in s.text("churn_risk").iter().enumerate() {
        let expected = match (p[i] < 0.5, idx[i] == 0) {
            (false, _) => "low",
            (true, false) => "at risk",
            (true, true) => "at risk high value",
        };
        assert_eq!(risk, expected, "row {i}");
    }

    // The summary: every grouping covers all customers and the whole CLV.
    let sum = Csv::read(&w, "segments_summary.csv");
    assert_eq!(
        sum.header,
        [
            "grouping",
            "group",
            "customers",
            "share_customers",
            "total_clv",
            "mean_clv",
            "share_clv",
            "mean_p_alive",
            "expected_purchases",
            "mean_net_clv"
        ]
    );
    let total: f64 = clv.iter().sum();
    let expected_purchases: f64 = s.num("expected_purchases").iter().sum();
    let grouping = sum.text("grouping");
    let groups = sum.text("group");
    let customers = sum.num("customers");
    let totals = sum.num("total_clv");
    let shares = sum.num("share_clv");
    let means = sum.num("mean_clv");
    let p_alive = sum.num("mean_p_alive");
    let purchases = sum.num("expected_purchases");
    assert_eq!((grouping[0].as_str(), customers[0]), ("all", n as f64));
    assert!((totals[0] - total).abs() <= SUM_RTOL * total);
    assert!((purchases[0] - expected_purchases).abs() <= SUM_RTOL * expected_purchases);
    for g in ["value_tier", "rfm_segment", "churn_risk"] {
        let rows: Vec<usize> = (0..grouping.len()).filter(|&i| grouping[i] == g).collect();
        let c: f64 = rows.iter().map(|&i| customers[i]).sum();
        let t: f64 = rows.iter().map(|&i| totals[i]).sum();
        let sh: f64 = rows.iter().map(|&i| shares[i]).sum();
        let e: f64 = rows.iter().map(|&i| purchases[i]).sum();
        assert_eq!(c, n as f64, "{g}");
        assert!((t - total).abs() <= SUM_RTOL * total, "{g}: {t} vs {total}");
        assert!((sh - 1.0).abs() <= SUM_RTOL, "{g}: shares {sh}");
        assert!((e - expected_purchases).abs() <= SUM_RTOL * expected_purchases);
        // Each group's figures are those of its customers.
        for &i in &rows {
            let column = match g {
                "value_tier" => "value_tier",
                "rfm_segment" => "rfm_segment",
                _ => "churn_risk",
            };
            let members: Vec<usize> = s
                .text(column)
                .iter()
                .enumerate()
                .filter(|(_, v)| **v == groups[i])
                .map(|(j, _)| j)
                .collect();
            assert_eq!(members.len() as f64, customers[i], "{g} {}", groups[i]);
            let m_clv: f64 = members.iter().map(|&j| clv[j]).sum::<f64>();
            let m_p: f64 = members.iter().map(|&j| p[j]).sum::<f64>() / members.len() as f64;
            assert!((m_clv - totals[i]).abs() <= SUM_RTOL * total);
            assert!((m_clv / members.len() as f64 - means[i]).abs() <= SUM_RTOL * total);
            assert!((m_p - p_alive[i]).abs() <= 1e-12);
        }
    }
    // Without a CAC there are no CAC columns and the net CLV is empty.
    assert!(!s.header.iter().any(|h| h == "cac"));
    assert!(sum.text("mean_net_clv").iter().all(String::is_empty));
}

#[test]
fn other_cut_points_and_a_cac() {
    let w = demo_clv();
    w.succeeds(&[
        "segment",
        "clv.csv",
        "--tiers",
        "0.1,0.25,0.6",
        "--churn-threshold",
        "0.3",
        "--cac",
        "5",
        "-o",
        "seg.csv",
    ]);
    let s = Csv::read(&w, "seg.csv");
    let n = s.rows.len() as f64;
    let tiers = s.text("value_tier");
    for (label, share) in [
        ("top 10%", 0.1),
        ("next 15%", 0.15),
        ("next 35%", 0.35),
        ("rest 40%", 0.4),
    ] {
        let got = tiers.iter().filter(|t| *t == label).count() as f64 / n;
        assert!((got - share).abs() <= 1.0 / n, "{label}: {got}");
    }
    let clv = s.num("clv");
    let net = s.num("net_clv");
    let ratio = s.num("clv_to_cac");
    for i in 0..clv.len() {
        assert_eq!(s.num("cac")[i], 5.0);
        assert!((net[i] - (clv[i] - 5.0)).abs() < 1e-12);
        assert!((ratio[i] - clv[i] / 5.0).abs() < 1e-12);
    }
    let sum = Csv::read(&w, "seg_summary.csv");
    let all_net = sum.num("mean_net_clv")[0];
    assert!((all_net - net.iter().sum::<f64>() / n).abs() < 1e-9);
    assert!(w.files().contains(&"seg_tier_churn.svg".to_string()));
}

/// Every row of the rule table, cell by cell, as documented in the README.
#[test]
fn rfm_rule_table_case_by_case() {
    let expected: [(u8, u8, &str); 25] = [
        (5, 1, "new customers"),
        (5, 2, "potential loyalists"),
        (5, 3, "potential loyalists"),
        (5, 4, "champions"),
        (5, 5, "champions"),
        (4, 1, "promising"),
        (4, 2, "potential loyalists"),
        (4, 3, "potential loyalists"),
        (4, 4, "loyal"),
        (4, 5, "loyal"),
        (3, 1, "about to sleep"),
        (3, 2, "about to sleep"),
        (3, 3, "need attention"),
        (3, 4, "loyal"),
        (3, 5, "loyal"),
        (2, 1, "hibernating"),
        (2, 2, "hibernating"),
        (2, 3, "at risk"),
        (2, 4, "at risk"),
        (2, 5, "cannot lose them"),
        (1, 1, "hibernating"),
        (1, 2, "hibernating"),
        (1, 3, "at risk"),
        (1, 4, "at risk"),
        (1, 5, "cannot lose them"),
    ];
    for (r, f, name) in expected {
        assert_eq!(rfm_segment(r, f), Some(name), "R={r} F={f}");
    }
    // Every rule is used by some cell, and out-of-range scores have no segment.
    for rule in RFM_RULES {
        assert!(
            expected.iter().any(|e| e.2 == rule.segment),
            "{}",
            rule.segment
        );
    }
    assert_eq!(rfm_segment(0, 1), None);
    assert_eq!(rfm_segment(6, 5), None);
}

fn customer(id: &str, clv: f64, p_alive: f64) -> CustomerValue {
    CustomerValue {
        customer_id: id.into(),
        frequency: 1.0,
        recency: 1.0,
        age: 2.0,
        monetary_value: 1.0,
        p_alive,
        expected_purchases: Some(0.5),
        clv,
    }
}

/// Equal CLVs on a cut are split by input order (documented), so shares stay exact.
#[test]
fn ties_on_a_tier_cut_are_split_in_input_order() {
    let v: Vec<CustomerValue> = (0..10)
        .map(|i| customer(&format!("c{i}"), if i < 5 { 1.0 } else { 0.0 }, 0.9))
        .collect();
    let seg = segment_customers(&v, &SegmentOptions::default(), None).unwrap();
    let tiers: Vec<usize> = seg.customers.iter().map(|c| c.tier).collect();
    assert_eq!(tiers, [0, 0, 1, 1, 1, 2, 2, 2, 2, 2]);
    // Identical histories share their RFM scores.
    assert!(seg
        .customers
        .iter()
        .all(|c| (c.rfm_r, c.rfm_f, c.rfm_m) == (1, 1, 1)));
}

#[test]
fn tier_cut_points_are_checked() {
    for bad in [
        vec![],
        vec![0.0, 0.5],
        vec![0.2, 1.0],
        vec![0.5, 0.2],
        vec![0.3, 0.3],
    ] {
        assert!(Tiers::new(bad.clone()).is_err(), "{bad:?}");
    }
    assert_eq!(
        Tiers::new(vec![0.2, 0.5]).unwrap().labels(),
        ["top 20%", "next 30%", "rest 50%"]
    );
}

#[test]
fn bad_inputs_fail_clearly_and_write_nothing() {
    let w = demo_clv();
    let clv = w.read("clv.csv");
    // A CLV file without clv or without p_alive.
    let drop_column = |name: &str| -> String {
        let mut rdr = csv::Reader::from_reader(clv.as_bytes());
        let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
        let keep: Vec<usize> = (0..header.len()).filter(|&i| header[i] != name).collect();
        let mut out = String::new();
        let line = |cells: Vec<&str>| cells.join(",") + "\n";
        out += &line(keep.iter().map(|&i| header[i].as_str()).collect());
        for r in rdr.records() {
            let r = r.unwrap();
            out += &line(keep.iter().map(|&i| &r[i]).collect());
        }
        out
    };
    w.write("no_clv.csv", drop_column("clv"));
    w.fails(
        &["segment", "no_clv.csv", "-o", "s.csv"],
        &["no_clv.csv, line 1", "required column 'clv' is missing"],
    );
    w.write("no_p.csv", drop_column("p_alive"));
    w.fails(
        &["segment", "no_p.csv", "-o", "s.csv"],
        &["required column 'p_alive' is missing", "btyd clv"],
    );
    // Tiers outside (0, 1) or not increasing.
    w.fails(
        &["segment", "clv.csv", "--tiers", "0.2,1.5", "-o", "s.csv"],
        &["--tiers", "1.5 is not a share of customers in (0, 1)"],
    );
    w.fails(
        &["segment", "clv.csv", "--tiers", "0.5,0.2", "-o", "s.csv"],
        &["--tiers", "must increase"],
    );
    w.fails(
        &["segment", "clv.csv", "--tiers", "0,0.5", "-o", "s.csv"],
        &["--tiers"],
    );
    w.fails(
        &[
            "segment",
            "clv.csv",
            "--churn-threshold",
            "1.5",
            "-o",
            "s.csv",
        ],
        &["--churn-threshold"],
    );
    // A CAC file with an unknown customer, a negative CAC, a customer without CAC.
    let ids = Csv::read(&w, "clv.csv").text("customer_id");
    let all_cac: String = ids.iter().map(|id| format!("{id},3\n")).collect();
    w.write(
        "cac_unknown.csv",
        format!("customer_id,cac\n{all_cac}nobody,2\n"),
    );
    w.fails(
        &[
            "segment",
            "clv.csv",
            "--cac-file",
            "cac_unknown.csv",
            "-o",
            "s.csv",
        ],
        &[
            &format!(
                "cac_unknown.csv, line {}, field 'customer_id'",
                ids.len() + 2
            ),
            "unknown customer 'nobody'",
        ],
    );
    w.write(
        "cac_negative.csv",
        format!("customer_id,cac\n{},-1\n{all_cac}", ids[0]),
    );
    w.fails(
        &[
            "segment",
            "clv.csv",
            "--cac-file",
            "cac_negative.csv",
            "-o",
            "s.csv",
        ],
        &["cac_negative.csv, line 2, field 'cac'", "negative"],
    );
    w.write(
        "cac_partial.csv",
        format!("customer_id,cac\n{},1\n", ids[0]),
    );
    w.fails(
        &[
            "segment",
            "clv.csv",
            "--cac-file",
            "cac_partial.csv",
            "-o",
            "s.csv",
        ],
        &["has no CAC", "2356 customers without one"],
    );
    w.write("cac_bad.csv", "customer_id,cac\n0001,abc\n");
    w.fails(
        &[
            "segment",
            "clv.csv",
            "--cac-file",
            "cac_bad.csv",
            "-o",
            "s.csv",
        ],
        &[
            "cac_bad.csv, line 2, field 'cac'",
            "'abc' is not a finite number",
        ],
    );
    // A CAC by channel without the channel anywhere.
    w.write("cac_channel.csv", "channel,cac\nads,10\n");
    w.fails(
        &[
            "segment",
            "clv.csv",
            "--cac-file",
            "cac_channel.csv",
            "-o",
            "s.csv",
        ],
        &["keyed by 'channel'", "--attributes"],
    );
    // A P(alive) out of range in the CLV file.
    let broken = clv.replacen(",0.", ",7.", 1);
    w.write("broken.csv", &broken);
    w.fails(
        &["segment", "broken.csv", "-o", "s.csv"],
        &["broken.csv, line 2"],
    );
}

#[test]
fn cac_by_channel_joined_from_an_attribute_file() {
    let w = demo_clv();
    let ids = Csv::read(&w, "clv.csv").text("customer_id");
    // Even-numbered customers came through ads, the others through search.
    let channel = |i: usize| if i % 2 == 0 { "ads" } else { "search" };
    let attributes: String = ids
        .iter()
        .enumerate()
        .map(|(i, id)| format!("{id},{}\n", channel(i)))
        .collect();
    w.write("channels.csv", format!("customer_id,channel\n{attributes}"));
    w.write("cac.csv", "channel,cac\nads,12\nsearch,4\n");
    w.succeeds(&[
        "segment",
        "clv.csv",
        "--cac-file",
        "cac.csv",
        "--attributes",
        "channels.csv",
        "-o",
        "s.csv",
    ]);
    let s = Csv::read(&w, "s.csv");
    let cac = s.num("cac");
    let by_id: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    for (row, id) in s.text("customer_id").iter().enumerate() {
        let expected = if by_id[id.as_str()] % 2 == 0 {
            12.0
        } else {
            4.0
        };
        assert_eq!(cac[row], expected);
    }
    // A channel with no customer is an unknown key.
    w.write("cac2.csv", "channel,cac\nads,12\nsearch,4\ntv,100\n");
    w.fails(
        &[
            "segment",
            "clv.csv",
            "--cac-file",
            "cac2.csv",
            "--attributes",
            "channels.csv",
            "-o",
            "s2.csv",
        ],
        &[
            "cac2.csv, line 4, field 'channel'",
            "no customer has channel 'tv'",
        ],
    );
}
