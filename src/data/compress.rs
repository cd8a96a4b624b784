//! Sufficient statistics: identical observations collapsed into unique patterns with weights.
//!
//! Every BTYD likelihood depends on a customer only through a few numbers ((x, t_x, T) for the
//! continuous-time purchase models, (x, t_x, n) for BG/BB, (x, m̄) for Gamma-Gamma), so customers
//! with equal numbers contribute equal terms. Fitting on the unique patterns, each weighted by
//! its count, gives the same log-likelihood at a fraction of the cost.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::hash::{fx_hash, group_by_shard, shard_of, FxBuildHasher};

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

    /// The weighted unique observations of this type in a summary read as patterns
    /// ([`super::SummaryPatterns`]), borrowed from it; by default, none can be found there.
    ///
    /// # Errors
    /// [`crate::Error::WrongData`] when the patterns do not hold this kind of observation;
    /// the errors the observations of a summary have (see [`super::SummaryPatterns::spend`]).
    fn summary_patterns(
        data: &super::SummaryPatterns,
    ) -> crate::Result<std::borrow::Cow<'_, Patterns<Self>>> {
        let _ = data;
        Err(crate::Error::WrongData {
            found: "the weighted patterns of a continuous-time customer summary",
            expected: "discrete-time opportunities (btyd summary --discrete, or frequency, \
                       recency, periods, weights patterns)",
        })
    }
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
    let mut part = ObsBuffer::new();
    for (o, w) in items {
        part.push(o, w);
    }
    let mut counter = PatternCounter::new();
    counter.add(&[part.grouped()]);
    counter.finish()
}

/// Weighted observations of one part of the input (a chunk of a file), in input order, with
/// the shard of each: what a reader collects in parallel before [`PatternCounter::add`].
pub(crate) struct ObsBuffer<O> {
    obs: Vec<(O, f64)>,
    shards: Vec<u8>,
}

impl<O: PatternKey> ObsBuffer<O> {
    /// An empty buffer.
    pub(crate) fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty buffer with room for `n` observations.
    pub(crate) fn with_capacity(n: usize) -> Self {
        ObsBuffer {
            obs: Vec::with_capacity(n),
            shards: Vec::with_capacity(n),
        }
    }

    /// Adds an observation (dropped when its weight is zero).
    #[inline]
    pub(crate) fn push(&mut self, o: O, w: f64) {
        if w != 0.0 {
            self.shards.push(shard_of(fx_hash(&o.key())));
            self.obs.push((o, w));
        }
    }

    /// The observations grouped by shard with a stable counting sort.
    pub(crate) fn grouped(self) -> GroupedObs<O> {
        let (obs, ends) = group_by_shard(&self.obs, &self.shards);
        GroupedObs { obs, ends }
    }
}

/// An [`ObsBuffer`] grouped by shard, input order kept within each shard.
pub(crate) struct GroupedObs<O> {
    obs: Vec<(O, f64)>,
    /// `obs[ends[s - 1]..ends[s]]` are the observations of shard `s`.
    ends: Vec<usize>,
}

impl<O> GroupedObs<O> {
    fn shard(&self, s: usize) -> &[(O, f64)] {
        let start = if s == 0 { 0 } else { self.ends[s - 1] };
        &self.obs[start..self.ends[s]]
    }
}

/// Unique observations counted over parts of an input added in input order: each shard
/// keeps the first observation of a key and sums its weights in input order, so the patterns
/// are those [`compress`] gives on the whole input, whatever the parts and threads.
pub(crate) struct PatternCounter<O> {
    shards: Vec<KeyMap<O>>,
}

impl<O: PatternKey + Send + Sync> PatternCounter<O> {
    /// A counter without observations.
    pub(crate) fn new() -> Self {
        PatternCounter {
            shards: (0..SHARDS).map(|_| KeyMap::<O>::default()).collect(),
        }
    }

    /// Adds the parts (in input order), in parallel over shards.
    pub(crate) fn add(&mut self, parts: &[GroupedObs<O>]) {
        self.shards.par_iter_mut().enumerate().for_each(|(s, map)| {
            for part in parts {
                for &(o, w) in part.shard(s) {
                    map.entry(o.key())
                        .and_modify(|e| e.1 += w)
                        .or_insert((o, w));
                }
            }
        });
    }

    /// The unique patterns, sorted by key.
    pub(crate) fn finish(self) -> Patterns<O> {
        let mut rows: Vec<([u64; 3], (O, f64))> = self
            .shards
            .into_par_iter()
            .flat_map_iter(|map| map.into_iter())
            .collect();
        rows.par_sort_unstable_by_key(|r| r.0);
        let (obs, weights) = rows.into_iter().map(|(_, ow)| ow).unzip();
        Patterns { obs, weights }
    }
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
