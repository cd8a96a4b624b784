//! Sufficient statistics: identical observations collapsed into unique patterns with weights.
//!
//! Every BTYD likelihood depends on a customer only through a few numbers ((x, t_x, T) for the
//! continuous-time purchase models, (x, t_x, n) for BG/BB, (x, m̄) for Gamma-Gamma), so customers
//! with equal numbers contribute equal terms. Fitting on the unique patterns, each weighted by
//! its count, gives the same log-likelihood at a fraction of the cost.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use rayon::prelude::*;

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

/// Inputs larger than this are compressed in parallel shards.
const PARALLEL_MIN: usize = 1 << 16;

type KeyMap<O> = HashMap<[u64; 3], (O, f64), BuildHasherDefault<KeyHasher>>;

/// Collapses weighted observations into unique patterns, sorted by key.
///
/// Observations with zero weight are dropped. Large inputs are split by key hash into one shard
/// per thread, each shard counted by one thread scanning the whole input in order, so every
/// pattern's weights are summed in input order and the result does not depend on the number of
/// threads.
pub fn compress<O: PatternKey + Send + Sync>(
    items: impl IntoIterator<Item = (O, f64)>,
) -> Patterns<O> {
    let items: Vec<(O, f64)> = items.into_iter().filter(|(_, w)| *w != 0.0).collect();
    let shards = if items.len() >= PARALLEL_MIN {
        rayon::current_num_threads().max(1)
    } else {
        1
    };
    let count = |shard: usize| -> Vec<([u64; 3], (O, f64))> {
        let mut map =
            KeyMap::<O>::with_capacity_and_hasher(items.len() / (4 * shards), Default::default());
        for &(o, w) in &items {
            let key = o.key();
            if shards > 1 && shard_of(&key, shards) != shard {
                continue;
            }
            map.entry(key).and_modify(|e| e.1 += w).or_insert((o, w));
        }
        map.into_iter().collect()
    };
    let mut rows: Vec<([u64; 3], (O, f64))> = if shards > 1 {
        (0..shards).into_par_iter().flat_map_iter(count).collect()
    } else {
        count(0)
    };
    rows.par_sort_unstable_by_key(|r| r.0);
    let (obs, weights) = rows.into_iter().map(|(_, ow)| ow).unzip();
    Patterns { obs, weights }
}

/// The shard of a key: high bits of its hash (the hash map uses the low ones).
fn shard_of(key: &[u64; 3], shards: usize) -> usize {
    let mut h = KeyHasher::default();
    key.hash(&mut h);
    ((h.finish() >> 40) as usize) % shards
}

/// A fast multiplicative hasher for pattern keys (the FxHash scheme of rustc). Keys are our own
/// numbers, not adversarial input, so a keyed hash buys nothing here.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(buf));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
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
