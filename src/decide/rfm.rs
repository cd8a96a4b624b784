//! RFM: recency, frequency and monetary quintile scores, and the named segment of each
//! (R, F) pair from a rule table.
//!
//! # Scores
//!
//! Each score is 1 (worst) to 5 (best) by the customer's position among all customers:
//!
//! ```text
//! score = 1 + ⌊5 · b / n⌋
//! b     = number of customers with a strictly worse value
//! ```
//!
//! Ties share a score (the one of their lowest position), so the score never depends on the
//! order of the file and equal values never score differently. Without ties each score holds
//! n/5 customers (±1); with ties a score can hold more, and the scores a large tie jumps over
//! stay empty (1,411 of the 2,357 customers of the CDNOW sample, 59.9%, make no repeat purchase
//! in the calibration period: they all get F = 1, and one repeat purchase gets
//! F = 1 + ⌊5 · 0.599⌋ = 3, so nobody has F = 2).
//!
//! What "better" means, from the columns of `btyd clv`:
//! - R: the time since the last purchase, T − recency (in the summary's time unit): shorter is
//!   better. (lifetimes' `recency` is the time of the last purchase since the first, which
//!   would score a one-time buyer of yesterday as the worst.)
//! - F: `frequency`, the number of repeat purchases: more is better.
//! - M: `monetary_value`, the mean repeat purchase value (0 for one-time buyers): more is
//!   better.
//!
//! # Segments
//!
//! [`RFM_RULES`] names each of the 25 (R, F) cells once (the widely used RF grid; M is
//! reported but does not change the segment). The first rule whose ranges hold both scores
//! applies; the tests check that exactly one does for every cell.

use std::ops::RangeInclusive;

/// A rule of the RFM segment table: the segment of the customers whose R and F scores fall in
/// both ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RfmRule {
    /// The segment's name.
    pub segment: &'static str,
    /// R scores (1–5) of the rule.
    pub r: RangeInclusive<u8>,
    /// F scores (1–5) of the rule.
    pub f: RangeInclusive<u8>,
    /// What the segment means.
    pub meaning: &'static str,
}

/// The segment table, as data (see the module docs), by R score and F score:
///
/// - R 5: F 1 new customers, F 2–3 potential loyalists, F 4–5 champions;
/// - R 4: F 1 promising, F 2–3 potential loyalists, F 4–5 loyal;
/// - R 3: F 1–2 about to sleep, F 3 need attention, F 4–5 loyal;
/// - R 1–2: F 1–2 hibernating, F 3–4 at risk, F 5 cannot lose them.
pub const RFM_RULES: &[RfmRule] = &[
    RfmRule {
        segment: "champions",
        r: 5..=5,
        f: 4..=5,
        meaning: "bought recently and most often",
    },
    RfmRule {
        segment: "loyal",
        r: 3..=4,
        f: 4..=5,
        meaning: "buy often, fairly recently",
    },
    RfmRule {
        segment: "potential loyalists",
        r: 4..=5,
        f: 2..=3,
        meaning: "recent, with a few repeat purchases",
    },
    RfmRule {
        segment: "new customers",
        r: 5..=5,
        f: 1..=1,
        meaning: "bought most recently, no repeat yet",
    },
    RfmRule {
        segment: "promising",
        r: 4..=4,
        f: 1..=1,
        meaning: "recent, no repeat yet",
    },
    RfmRule {
        segment: "need attention",
        r: 3..=3,
        f: 3..=3,
        meaning: "average recency and frequency",
    },
    RfmRule {
        segment: "about to sleep",
        r: 3..=3,
        f: 1..=2,
        meaning: "average recency, few purchases",
    },
    RfmRule {
        segment: "cannot lose them",
        r: 1..=2,
        f: 5..=5,
        meaning: "bought most often, but long ago",
    },
    RfmRule {
        segment: "at risk",
        r: 1..=2,
        f: 3..=4,
        meaning: "bought often, but long ago",
    },
    RfmRule {
        segment: "hibernating",
        r: 1..=2,
        f: 1..=2,
        meaning: "few purchases, long ago",
    },
];

/// The segment of scores (r, f) by [`RFM_RULES`]; `None` for a score outside 1–5.
pub fn rfm_segment(r: u8, f: u8) -> Option<&'static str> {
    RFM_RULES
        .iter()
        .find(|rule| rule.r.contains(&r) && rule.f.contains(&f))
        .map(|rule| rule.segment)
}

/// Quintile scores 1–5 of `values` (see the module docs): `higher_is_better` says which way is
/// better. Values that are not finite are treated as the worst (they never occur in checked
/// inputs).
pub fn quintile_scores(values: &[f64], higher_is_better: bool) -> Vec<u8> {
    let n = values.len();
    // Worst first.
    let key = |v: f64| {
        if !v.is_finite() {
            f64::NEG_INFINITY
        } else if higher_is_better {
            v
        } else {
            -v
        }
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| key(values[a]).total_cmp(&key(values[b])));
    let mut scores = vec![1u8; n];
    let mut start = 0;
    while start < n {
        let k = key(values[order[start]]);
        let mut end = start;
        while end < n && key(values[order[end]]) == k {
            end += 1;
        }
        // `start` customers are strictly worse than this tie group.
        let score = 1 + (5 * start / n) as u8;
        for &i in &order[start..end] {
            scores[i] = score;
        }
        start = end;
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cell_has_exactly_one_rule() {
        for r in 1..=5u8 {
            for f in 1..=5u8 {
                let n = RFM_RULES
                    .iter()
                    .filter(|rule| rule.r.contains(&r) && rule.f.contains(&f))
                    .count();
                assert_eq!(n, 1, "cell R={r} F={f}");
            }
        }
        assert_eq!(rfm_segment(0, 3), None);
        assert_eq!(rfm_segment(3, 6), None);
    }

    #[test]
    fn scores_without_ties_are_quintiles() {
        let v: Vec<f64> = (0..10).map(f64::from).collect();
        assert_eq!(quintile_scores(&v, true), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        assert_eq!(quintile_scores(&v, false), [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
    }

    #[test]
    fn ties_share_the_score_of_their_lowest_position() {
        let v = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 3.0];
        assert_eq!(quintile_scores(&v, true), [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
        assert_eq!(quintile_scores(&[], true), Vec::<u8>::new());
        assert_eq!(quintile_scores(&[7.0], true), [1]);
    }
}
