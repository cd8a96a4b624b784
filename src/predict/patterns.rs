//! Per-pattern caching of per-customer predictions.
//!
//! P(alive), E[Y(t) | x, t_x, T] and the discounted purchases of CLV depend on a customer's
//! history (x, t_x, T) and the options alone, and many customers share a history (every
//! customer without repeat purchases is (0, 0, T), and T takes few values when customers are
//! acquired on few days). [`PatternIndex`] finds the distinct histories of a batch of rows and
//! computes a value once per history; each row then reads its history's value.
//!
//! Histories are compared by the bits of their three numbers, so rows sharing a pattern have
//! bit-identical inputs and, the computations being deterministic functions of their inputs,
//! bit-identical outputs: caching changes no digit. (0.0 and −0.0 are different patterns; that
//! only costs a second computation.)

use std::collections::HashMap;

use crate::data::History;
use crate::hash::FxBuildHasher;

/// A history's identity: the bits of (x, t_x, T).
type HistoryKey = [u64; 3];

fn history_key(h: &History) -> HistoryKey {
    [h.frequency.to_bits(), h.recency.to_bits(), h.age.to_bits()]
}

/// The distinct histories of a batch of rows, in order of first appearance, and the index of
/// each row's history among them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PatternIndex {
    /// The distinct histories.
    pub histories: Vec<History>,
    /// For each row, in row order, the index of its history in `histories`.
    pub of_row: Vec<usize>,
}

impl PatternIndex {
    /// Indexes the histories of some rows, in row order.
    pub fn new<'a>(rows: impl IntoIterator<Item = &'a History>) -> Self {
        let rows = rows.into_iter();
        let capacity = rows.size_hint().0;
        let mut seen: HashMap<HistoryKey, usize, FxBuildHasher> =
            HashMap::with_capacity_and_hasher(capacity, FxBuildHasher::default());
        let mut histories = Vec::new();
        let mut of_row = Vec::with_capacity(capacity);
        for h in rows {
            let next = histories.len();
            let index = *seen.entry(history_key(h)).or_insert_with(|| {
                histories.push(*h);
                next
            });
            of_row.push(index);
        }
        PatternIndex { histories, of_row }
    }

    /// `value` of every distinct history, once each, in the order of `histories` (batches
    /// are the unit of parallel work, so this runs on the caller's thread).
    pub fn compute<T>(&self, value: impl Fn(&History) -> T) -> Vec<T> {
        self.histories.iter().map(value).collect()
    }

    /// The number of distinct histories.
    pub fn len(&self) -> usize {
        self.histories.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.histories.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(x: f64, t_x: f64, t: f64) -> History {
        History {
            frequency: x,
            recency: t_x,
            age: t,
        }
    }

    #[test]
    fn rows_share_the_index_of_their_history() {
        let rows = [
            h(0.0, 0.0, 10.0),
            h(2.0, 5.0, 10.0),
            h(0.0, 0.0, 10.0),
            h(0.0, 0.0, 11.0),
            h(2.0, 5.0, 10.0),
        ];
        let index = PatternIndex::new(&rows);
        assert_eq!(index.len(), 3);
        assert_eq!(index.of_row, vec![0, 1, 0, 2, 1]);
        assert_eq!(index.histories, vec![rows[0], rows[1], rows[3]]);
        let values = index.compute(|h| h.age + h.frequency);
        let per_row: Vec<f64> = index.of_row.iter().map(|&i| values[i]).collect();
        assert_eq!(per_row, vec![10.0, 12.0, 10.0, 11.0, 12.0]);
        assert!(PatternIndex::new(&[]).is_empty());
    }
}
