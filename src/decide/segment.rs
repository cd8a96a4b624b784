//! Per-customer decisions from model values: value tiers by CLV, RFM scores and segments
//! ([`super::rfm`]), churn risk from P(alive), acquisition cost (CAC), net CLV, and a summary per
//! group.
//!
//! # Definitions
//!
//! ```text
//! value tier   customers ranked by CLV, highest first (equal CLVs in input order); with cut
//!              points c₁ < c₂ < … in (0, 1), the first round(c₁·n) customers are the top
//!              tier, the customers up to round(c₂·n) the next one, the rest the last one.
//!              Tier shares are therefore exact to 1/n; equal CLVs on a cut are split by
//!              input order. Labels: "top 20%", "next 30%", "rest 50%" for cuts 0.2, 0.5.
//! churn risk   "at risk" when P(alive) < threshold, "at risk high value" when also in the
//!              top tier, "low" otherwise
//! net CLV      clv − CAC;   CLV/CAC = clv / CAC (empty when CAC = 0)
//! ```
//!
//! The group summary has, per value tier, RFM segment and churn risk (and for all customers):
//! customers, share of customers, total and mean CLV, share of the total CLV, mean P(alive),
//! the sum of expected purchases (empty when the CLV file has none, i.e. an infinite horizon),
//! and the mean net CLV (with a CAC).

use std::collections::HashMap;

use super::rfm::{quintile_scores, rfm_segment};
use crate::error::{Error, Location, Result};

/// One customer's values as `btyd clv` writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerValue {
    /// The customer's identifier.
    pub customer_id: String,
    /// x: repeat purchases.
    pub frequency: f64,
    /// t_x: time of the last purchase since the first.
    pub recency: f64,
    /// T: time since the first purchase.
    pub age: f64,
    /// m̄: mean repeat purchase value (0 without repeat purchases).
    pub monetary_value: f64,
    /// P(alive | x, t_x, T).
    pub p_alive: f64,
    /// Expected purchases over the CLV horizon (none for an infinite horizon).
    pub expected_purchases: Option<f64>,
    /// Customer lifetime value.
    pub clv: f64,
}

/// Cut points of the value tiers: shares of customers in (0, 1), strictly increasing.
#[derive(Debug, Clone, PartialEq)]
pub struct Tiers {
    cuts: Vec<f64>,
}

impl Default for Tiers {
    /// Top 20%, next 30%, rest.
    fn default() -> Self {
        Tiers {
            cuts: vec![0.2, 0.5],
        }
    }
}

impl Tiers {
    /// Checks the cut points.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for no cut point, a cut point not in (0, 1) (or not finite), or
    /// cut points that are not strictly increasing.
    pub fn new(cuts: Vec<f64>) -> Result<Self> {
        let bad = |reason: String| Error::InvalidOption {
            name: "--tiers",
            value: cuts
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(","),
            reason,
        };
        if cuts.is_empty() {
            return Err(bad("needs at least one cut point, e.g. 0.2,0.5".into()));
        }
        if let Some(c) = cuts.iter().find(|&&c| !(c > 0.0 && c < 1.0)) {
            return Err(bad(format!(
                "the cut point {c} is not a share of customers in (0, 1)"
            )));
        }
        if let Some(w) = cuts.windows(2).find(|w| w[1] <= w[0]) {
            return Err(bad(format!(
                "cut points must increase ({} is not above {})",
                w[1], w[0]
            )));
        }
        Ok(Tiers { cuts })
    }

    /// The cut points.
    pub fn cuts(&self) -> &[f64] {
        &self.cuts
    }

    /// Number of tiers (one more than the cut points).
    pub fn len(&self) -> usize {
        self.cuts.len() + 1
    }

    /// Never empty; for symmetry with [`Tiers::len`].
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The tiers' labels: `top 20%`, `next 30%`, ..., `rest 50%`.
    pub fn labels(&self) -> Vec<String> {
        let pct = |x: f64| {
            let p = (x * 1e4).round() / 100.0;
            format!("{p}%")
        };
        let mut labels = Vec::with_capacity(self.len());
        let mut prev = 0.0;
        for (i, &c) in self.cuts.iter().enumerate() {
            let word = if i == 0 { "top" } else { "next" };
            labels.push(format!("{word} {}", pct(c - prev)));
            prev = c;
        }
        labels.push(format!("rest {}", pct(1.0 - prev)));
        labels
    }

    /// Customers in the tiers up to and including tier `i`, of `n`: round(cᵢ·n) (all for the
    /// last tier).
    fn bound(&self, i: usize, n: usize) -> usize {
        self.cuts
            .get(i)
            .map_or(n, |&c| ((c * n as f64).round() as usize).min(n))
    }
}

/// Churn risk of a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChurnRisk {
    /// P(alive) at or above the threshold.
    Low,
    /// P(alive) below the threshold.
    AtRisk,
    /// P(alive) below the threshold, in the top value tier.
    AtRiskHighValue,
}

impl ChurnRisk {
    /// Every value, in order.
    pub const ALL: [ChurnRisk; 3] = [
        ChurnRisk::Low,
        ChurnRisk::AtRisk,
        ChurnRisk::AtRiskHighValue,
    ];

    /// The label written in the CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            ChurnRisk::Low => "low",
            ChurnRisk::AtRisk => "at risk",
            ChurnRisk::AtRiskHighValue => "at risk high value",
        }
    }
}

/// Options of [`segment_customers`].
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentOptions {
    /// Value tiers; defaults to top 20%, next 30%, rest.
    pub tiers: Tiers,
    /// P(alive) below this is a churn risk; defaults to 0.5.
    pub churn_threshold: f64,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            tiers: Tiers::default(),
            churn_threshold: 0.5,
        }
    }
}

/// One customer's decisions, in the order of the input.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerSegment {
    /// Position by CLV, 1 for the highest (equal CLVs in input order).
    pub clv_rank: usize,
    /// Index of the value tier (0 = top).
    pub tier: usize,
    /// Recency score 1–5 (from T − recency, shorter is better).
    pub rfm_r: u8,
    /// Frequency score 1–5.
    pub rfm_f: u8,
    /// Monetary score 1–5.
    pub rfm_m: u8,
    /// Segment of (R, F) by [`super::rfm::RFM_RULES`].
    pub rfm_segment: &'static str,
    /// Churn risk.
    pub churn_risk: ChurnRisk,
    /// CAC, when given.
    pub cac: Option<f64>,
    /// clv − CAC, with a CAC.
    pub net_clv: Option<f64>,
    /// clv / CAC, with a positive CAC.
    pub clv_to_cac: Option<f64>,
}

/// The summary of one group of customers (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSummary {
    /// What the groups are: `all`, `value_tier`, `rfm_segment` or `churn_risk`.
    pub grouping: &'static str,
    /// The group's label.
    pub group: String,
    /// Customers in the group.
    pub customers: u64,
    /// customers / all customers.
    pub share_customers: f64,
    /// Σ CLV.
    pub total_clv: f64,
    /// Mean CLV.
    pub mean_clv: f64,
    /// Σ CLV / Σ CLV of all customers; `None` when that total is 0.
    pub share_clv: Option<f64>,
    /// Mean P(alive).
    pub mean_p_alive: f64,
    /// Σ expected purchases; `None` when the input has none.
    pub expected_purchases: Option<f64>,
    /// Mean net CLV, with a CAC.
    pub mean_net_clv: Option<f64>,
}

/// Everything [`segment_customers`] finds.
#[derive(Debug, Clone, PartialEq)]
pub struct Segmentation {
    /// Tier labels, top first.
    pub tier_labels: Vec<String>,
    /// One per customer, in input order.
    pub customers: Vec<CustomerSegment>,
    /// All customers, then per tier, RFM segment (in rule order) and churn risk; empty groups
    /// are left out.
    pub summary: Vec<GroupSummary>,
    /// CLV concentration: (share of customers, share of the total CLV they hold), customers by
    /// CLV from the highest, at 0%, 1%, ..., 100% of customers (the Lorenz curve read from the
    /// top). Empty when the total CLV is not positive.
    pub concentration: Vec<(f64, f64)>,
}

/// Segments customers (see the module docs); `cac`, when given, has one value per customer.
///
/// # Errors
/// [`Error::NoData`] without customers; [`Error::InvalidOption`] for a churn threshold outside
/// [0, 1] or a CAC list of another length; [`Error::InvalidData`] for a P(alive) outside [0, 1]
/// or a CLV that is not finite (naming the customer).
pub fn segment_customers(
    values: &[CustomerValue],
    opts: &SegmentOptions,
    cac: Option<&[f64]>,
) -> Result<Segmentation> {
    let n = values.len();
    if n == 0 {
        return Err(Error::NoData {
            what: "segments".into(),
            reason: "there are no customers".into(),
        });
    }
    let t = opts.churn_threshold;
    if !(0.0..=1.0).contains(&t) {
        return Err(Error::InvalidOption {
            name: "--churn-threshold",
            value: t.to_string(),
            reason: "must be a probability in [0, 1]".into(),
        });
    }
    if let Some(c) = cac.filter(|c| c.len() != n) {
        return Err(Error::InvalidOption {
            name: "CAC",
            value: format!("{} values", c.len()),
            reason: format!("need one per customer ({n})"),
        });
    }
    for v in values {
        let bad = |reason: String| Error::InvalidData {
            location: Location::default(),
            reason: format!("customer '{}': {reason}", v.customer_id),
        };
        if !(0.0..=1.0).contains(&v.p_alive) {
            return Err(bad(format!("p_alive {} is not in [0, 1]", v.p_alive)));
        }
        if !v.clv.is_finite() {
            return Err(bad(format!("clv {} is not finite", v.clv)));
        }
    }

    // Ranks by CLV, highest first; the sort is stable, so equal CLVs stay in input order.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| values[b].clv.total_cmp(&values[a].clv));
    let mut rank = vec![0usize; n];
    let mut tier = vec![0usize; n];
    let mut current = 0;
    for (pos, &i) in order.iter().enumerate() {
        while pos >= opts.tiers.bound(current, n) && current + 1 < opts.tiers.len() {
            current += 1;
        }
        rank[i] = pos + 1;
        tier[i] = current;
    }

    let since_last: Vec<f64> = values.iter().map(|v| v.age - v.recency).collect();
    let frequency: Vec<f64> = values.iter().map(|v| v.frequency).collect();
    let money: Vec<f64> = values.iter().map(|v| v.monetary_value).collect();
    let r = quintile_scores(&since_last, false);
    let f = quintile_scores(&frequency, true);
    let m = quintile_scores(&money, true);

    let customers: Vec<CustomerSegment> = (0..n)
        .map(|i| {
            let v = &values[i];
            let churn_risk = if v.p_alive >= t {
                ChurnRisk::Low
            } else if tier[i] == 0 {
                ChurnRisk::AtRiskHighValue
            } else {
                ChurnRisk::AtRisk
            };
            let c = cac.map(|c| c[i]);
            CustomerSegment {
                clv_rank: rank[i],
                tier: tier[i],
                rfm_r: r[i],
                rfm_f: f[i],
                rfm_m: m[i],
                // Scores are 1–5, which the table covers (tested).
                rfm_segment: rfm_segment(r[i], f[i]).unwrap_or("unscored"),
                churn_risk,
                cac: c,
                net_clv: c.map(|c| v.clv - c),
                clv_to_cac: c.filter(|&c| c > 0.0).map(|c| v.clv / c),
            }
        })
        .collect();

    let tier_labels = opts.tiers.labels();
    let mut summary = Vec::new();
    let total: f64 = values.iter().map(|v| v.clv).sum();
    let group = |grouping: &'static str, label: String, members: &[usize]| {
        let k = members.len() as f64;
        let clv: f64 = members.iter().map(|&i| values[i].clv).sum();
        GroupSummary {
            grouping,
            group: label,
            customers: members.len() as u64,
            share_customers: k / n as f64,
            total_clv: clv,
            mean_clv: clv / k,
            share_clv: (total != 0.0).then(|| clv / total),
            mean_p_alive: members.iter().map(|&i| values[i].p_alive).sum::<f64>() / k,
            expected_purchases: members
                .iter()
                .map(|&i| values[i].expected_purchases)
                .sum::<Option<f64>>(),
            mean_net_clv: members
                .iter()
                .map(|&i| customers[i].net_clv)
                .sum::<Option<f64>>()
                .map(|s| s / k),
        }
    };
    let all: Vec<usize> = (0..n).collect();
    summary.push(group("all", "all customers".into(), &all));
    for (j, label) in tier_labels.iter().enumerate() {
        let members: Vec<usize> = (0..n).filter(|&i| tier[i] == j).collect();
        if !members.is_empty() {
            summary.push(group("value_tier", label.clone(), &members));
        }
    }
    let mut by_segment: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in customers.iter().enumerate() {
        by_segment.entry(c.rfm_segment).or_default().push(i);
    }
    for rule in super::rfm::RFM_RULES {
        if let Some(members) = by_segment.get(rule.segment) {
            summary.push(group("rfm_segment", rule.segment.into(), members));
        }
    }
    for risk in ChurnRisk::ALL {
        let members: Vec<usize> = (0..n)
            .filter(|&i| customers[i].churn_risk == risk)
            .collect();
        if !members.is_empty() {
            summary.push(group("churn_risk", risk.as_str().into(), &members));
        }
    }

    let concentration = if total > 0.0 {
        let mut cum = Vec::with_capacity(n + 1);
        cum.push(0.0);
        let mut s = 0.0;
        for &i in &order {
            s += values[i].clv;
            cum.push(s);
        }
        (0..=100)
            .map(|p| {
                let k = ((p as f64 / 100.0) * n as f64).round() as usize;
                (k as f64 / n as f64, cum[k.min(n)] / total)
            })
            .collect()
    } else {
        Vec::new()
    };

    Ok(Segmentation {
        tier_labels,
        customers,
        summary,
        concentration,
    })
}

/// Customers per (value tier, churn risk): `counts[tier][risk]`, risks in [`ChurnRisk::ALL`]
/// order.
pub fn tier_churn_counts(seg: &Segmentation) -> Vec<[u64; 3]> {
    let mut counts = vec![[0u64; 3]; seg.tier_labels.len()];
    for c in &seg.customers {
        let k = ChurnRisk::ALL
            .iter()
            .position(|&r| r == c.churn_risk)
            .unwrap_or(0);
        if let Some(row) = counts.get_mut(c.tier) {
            row[k] += 1;
        }
    }
    counts
}

/// What a CAC file is keyed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacKey {
    /// One CAC per customer (`customer_id`).
    Customer,
    /// One CAC per value of a customer attribute, such as an acquisition channel.
    Column(String),
}

/// A CAC file read by [`crate::io`]: its key, and (key value, CAC, line) rows with CAC ≥ 0.
#[derive(Debug, Clone, PartialEq)]
pub struct CacTable {
    /// The file, for messages.
    pub source: std::path::PathBuf,
    /// What the rows are keyed by.
    pub key: CacKey,
    /// (key value, CAC, 1-based line).
    pub rows: Vec<(String, f64, u64)>,
}

/// Each customer's CAC from `table`. For a table keyed by a column, `attribute` gives each
/// customer's value of it (in the order of `values`).
///
/// # Errors
/// [`Error::InvalidData`] naming the file, line and field for a key that is given twice, or
/// that matches no customer (an unknown customer or attribute value); naming the customer for
/// a customer without a CAC; [`Error::InvalidOption`] when a column key comes without
/// attributes.
pub fn assign_cac(
    values: &[CustomerValue],
    attribute: Option<&[String]>,
    table: &CacTable,
) -> Result<Vec<f64>> {
    let field = match &table.key {
        CacKey::Customer => "customer_id".to_string(),
        CacKey::Column(c) => c.clone(),
    };
    let keys: Vec<&str> = match (&table.key, attribute) {
        (CacKey::Customer, _) => values.iter().map(|v| v.customer_id.as_str()).collect(),
        (CacKey::Column(_), Some(a)) if a.len() == values.len() => {
            a.iter().map(String::as_str).collect()
        }
        (CacKey::Column(c), _) => {
            return Err(Error::InvalidOption {
                name: "CAC file",
                value: table.source.display().to_string(),
                reason: format!("is keyed by '{c}', but no customer has a value of it"),
            })
        }
    };
    let known: std::collections::HashSet<&str> = keys.iter().copied().collect();
    let mut cac: HashMap<&str, f64> = HashMap::new();
    for (key, value, line) in &table.rows {
        let at = || {
            Location::file(&table.source)
                .at_line(*line)
                .at_field(field.clone())
        };
        if !known.contains(key.as_str()) {
            let what = match table.key {
                CacKey::Customer => "unknown customer".to_string(),
                CacKey::Column(_) => format!("no customer has {field}"),
            };
            return Err(Error::InvalidData {
                location: at(),
                reason: format!("{what} '{key}'"),
            });
        }
        if cac.insert(key.as_str(), *value).is_some() {
            return Err(Error::InvalidData {
                location: at(),
                reason: format!("'{key}' has a CAC already"),
            });
        }
    }
    let mut out = Vec::with_capacity(values.len());
    let mut missing = Vec::new();
    for (v, key) in values.iter().zip(&keys) {
        match cac.get(key) {
            Some(&c) => out.push(c),
            None => missing.push((v.customer_id.as_str(), *key)),
        }
    }
    if let Some(&(id, key)) = missing.first() {
        let which = match table.key {
            CacKey::Customer => format!("customer '{id}'"),
            CacKey::Column(_) => format!("customer '{id}' ({field} '{key}')"),
        };
        return Err(Error::InvalidData {
            location: Location::file(&table.source),
            reason: format!(
                "{which} has no CAC ({} customers without one)",
                missing.len()
            ),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(id: &str, clv: f64, p_alive: f64) -> CustomerValue {
        CustomerValue {
            customer_id: id.into(),
            frequency: 0.0,
            recency: 0.0,
            age: 1.0,
            monetary_value: 0.0,
            p_alive,
            expected_purchases: None,
            clv,
        }
    }

    #[test]
    fn rejects_bad_inputs() {
        let opts = SegmentOptions::default();
        assert!(matches!(
            segment_customers(&[], &opts, None),
            Err(Error::NoData { .. })
        ));
        let v = [value("a", 1.0, 0.5)];
        let bad = SegmentOptions {
            churn_threshold: 1.5,
            ..SegmentOptions::default()
        };
        assert!(matches!(
            segment_customers(&v, &bad, None),
            Err(Error::InvalidOption { .. })
        ));
        assert!(matches!(
            segment_customers(&v, &opts, Some(&[1.0, 2.0])),
            Err(Error::InvalidOption { .. })
        ));
        let err = segment_customers(&[value("a", 1.0, 1.5)], &opts, None).unwrap_err();
        assert!(err.to_string().contains("customer 'a'"), "{err}");
        let err = segment_customers(&[value("a", f64::NAN, 0.5)], &opts, None).unwrap_err();
        assert!(err.to_string().contains("clv NaN"), "{err}");
    }

    #[test]
    fn a_key_given_twice_is_an_error_and_a_zero_cac_has_no_ratio() {
        let v = [value("a", 1.0, 0.5), value("b", 2.0, 0.5)];
        let table = CacTable {
            source: "cac.csv".into(),
            key: CacKey::Customer,
            rows: vec![
                ("a".into(), 1.0, 2),
                ("a".into(), 2.0, 3),
                ("b".into(), 0.0, 4),
            ],
        };
        let err = assign_cac(&v, None, &table).unwrap_err();
        assert!(
            err.to_string()
                .contains("cac.csv, line 3, field 'customer_id': 'a' has a CAC already"),
            "{err}"
        );
        let seg = segment_customers(&v, &SegmentOptions::default(), Some(&[1.0, 0.0])).unwrap();
        assert_eq!(seg.customers[0].clv_to_cac, Some(1.0));
        assert_eq!(seg.customers[1].clv_to_cac, None);
        assert_eq!(seg.customers[1].net_clv, Some(2.0));
        // Without a positive total CLV there is no concentration curve.
        let zero = [value("a", 0.0, 0.5)];
        let seg = segment_customers(&zero, &SegmentOptions::default(), None).unwrap();
        assert!(seg.concentration.is_empty());
        assert_eq!(seg.summary[0].share_clv, None);
    }

    #[test]
    fn tier_labels_follow_the_cut_points() {
        let t = Tiers::new(vec![0.125, 0.5, 0.9]).unwrap();
        assert_eq!(
            t.labels(),
            ["top 12.5%", "next 37.5%", "next 40%", "rest 10%"]
        );
    }
}
