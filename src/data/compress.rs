//! Sufficient statistics: identical observations collapsed into unique patterns with weights.
//!
//! Every BTYD likelihood depends on a customer only through a few numbers ((x, t_x, T) for the
//! continuous-time purchase models, (x, t_x, n) for BG/BB, (x, m̄) for Gamma-Gamma), so customers
//! with equal numbers contribute equal terms. Fitting on the unique patterns, each weighted by
//! its count, gives the same log-likelihood at a fraction of the cost.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::hash::{fx_hash, shard_of, FxBuildHasher};

/// An observation that can be used as a pattern key: its numbers, compared bit for bit.
pub trait PatternKey: Copy {
    /// The bits of the observation's numbers, used for hashing and ordering.
    fn key(&self) -> [u64; 3];
}

impl PatternKey for super::History {
    fn key(&self) -> [u64; 3] {
        [
            key_bits(self.frequency),
            key_bits(self.recency),
            key_bits(self.age),
        ]
    }
}

/// Order-preserving bits of a non-negative f64 (adds 0.0 so that -0.0 and 0.0 coincide).
fn key_bits(v: f64) -> u64 {
    (v + 0.0).to_bits()
}

/// An observation type a model is fitted on: it knows how to find its weighted patterns in
/// customer data (continuous-time histories in a summary, opportunity histories in an
/// opportunity summary or pattern file, spend in either summary).
pub trait Observation: PatternKey + std::fmt::Debug + Send + Sync {
    /// The weighted unique observations of this type in `data`.
    ///
    /// # Errors
    /// [`crate::Error::WrongData`] when `data` does not hold this kind of observation; the
    /// observation type's own validation errors.
    fn patterns(data: super::CustomerDataRef<'_>) -> crate::Result<Patterns<Self>>;
}

/// Unique observations and how many customers share each (weights may be fractional when the
/// input carried weights).
#[derive(Debug, Clone, PartialEq)]
pub struct Patterns<O> {
    /// The unique observations, sorted by their key (so by frequency first).
    pub obs: Vec<O>,
    /// The weight (count) of each observation.
    pub weights: Vec<f64>,
}

impl<O> Patterns<O> {
    /// Number of unique patterns.
    pub fn len(&self) -> usize {
        self.obs.len()
    }
    /// Whether there is no pattern.
    pub fn is_empty(&self) -> bool {
        self.obs.is_empty()
    }
    /// Total weight: the number of customers.
    pub fn total_weight(&self) -> f64 {
        self.weights.iter().sum()
    }
}

/// Number of shards: enough that each shard's table stays in cache.
const SHARDS: usize = 256;

type KeyMap<O> = HashMap<[u64; 3], (O, f64), FxBuildHasher>;

/// Collapses weighted observations into unique patterns, sorted by key.
///
/// Observations with zero weight are dropped. The observations are dealt by key hash into
/// `SHARDS` (256) shards in one pass (keeping input order within each), then each shard is counted
/// with its own small, cache-resident table, in parallel. Every pattern's weights are summed in
/// input order, so the result does not depend on the number of threads.
pub fn compress<O: PatternKey + Send + Sync>(
    items: impl IntoIterator<Item = (O, f64)>,
) -> Patterns<O> {
    let mut shards: Vec<Vec<(O, f64)>> = (0..SHARDS).map(|_| Vec::new()).collect();
    for (o, w) in items {
        if w != 0.0 {
            shards[usize::from(shard_of(fx_hash(&o.key())))].push((o, w));
        }
    }
    let mut rows: Vec<([u64; 3], (O, f64))> = shards
        .par_iter()
        .flat_map_iter(|part| {
            let mut map = KeyMap::<O>::with_capacity_and_hasher(part.len() / 2, Default::default());
            for &(o, w) in part {
                map.entry(o.key())
                    .and_modify(|e| e.1 += w)
                    .or_insert((o, w));
            }
            map.into_iter()
        })
        .collect();
    rows.par_sort_unstable_by_key(|r| r.0);
    let (obs, weights) = rows.into_iter().map(|(_, ow)| ow).unzip();
    Patterns { obs, weights }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::History;

    #[test]
    fn collapses_identical_histories_and_sums_weights() {
        let h = |x, tx, t| History {
            frequency: x,
            recency: tx,
            age: t,
        };
        let p = compress(vec![
            (h(1.0, 2.0, 3.0), 1.0),
            (h(0.0, 0.0, 3.0), 1.0),
            (h(1.0, 2.0, 3.0), 2.0),
            (h(0.0, -0.0, 3.0), 1.0),
        ]);
        assert_eq!(p.len(), 2);
        assert_eq!(p.obs[0], h(0.0, 0.0, 3.0));
        assert_eq!(p.weights, vec![2.0, 3.0]);
        assert_eq!(p.total_weight(), 5.0);
    }
}
