//! The one fast hasher btyd uses for its internal tables (customer ids while reading a log,
//! pattern keys while compressing, f64 keys in likelihood caches).
//!
//! It is the multiply-rotate scheme of rustc's FxHash with a final avalanche step. The keys are
//! the user's own data or our own numbers, so a keyed, flooding-resistant hash (std's SipHash)
//! buys nothing here and costs several times as much.

use std::hash::{BuildHasherDefault, Hash, Hasher};

/// FxHash-style hasher; see the module docs.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

/// `BuildHasher` for `HashMap`s keyed with [`FxHasher`].
pub(crate) type FxBuildHasher = BuildHasherDefault<FxHasher>;

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_u128(&mut self, i: u128) {
        self.add(i as u64);
        self.add((i >> 64) as u64);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    /// The multiply-rotate state mixes poorly into its low bits, which hash tables use for the
    /// bucket; a final avalanche step (MurmurHash3's fmix64) spreads every bit.
    #[inline]
    fn finish(&self) -> u64 {
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

/// The [`FxHasher`] hash of a value.
#[inline]
pub(crate) fn fx_hash<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = FxHasher::default();
    value.hash(&mut h);
    h.finish()
}

/// One of 256 shards for a hash, from its middle bits: hashbrown tables use the low bits for
/// the bucket and the top 7 as tags, so neither may be constant within a shard.
#[inline]
pub(crate) fn shard_of(hash: u64) -> u8 {
    (hash >> 32) as u8
}

/// `items` grouped by their shard numbers (`shards[i]` is the shard of `items[i]`) with a
/// stable counting sort: input order is kept within each shard, and
/// `grouped[ends[s - 1]..ends[s]]` (from 0 for s = 0) are the items of shard `s`. `ends` has
/// 256 entries.
pub(crate) fn group_by_shard<T: Copy>(items: &[T], shards: &[u8]) -> (Vec<T>, Vec<usize>) {
    debug_assert_eq!(items.len(), shards.len());
    let mut ends = vec![0usize; 256];
    for &s in shards {
        ends[usize::from(s)] += 1;
    }
    let mut next = Vec::with_capacity(256);
    let mut total = 0;
    for e in &mut ends {
        next.push(total);
        total += *e;
        *e = total;
    }
    // Every slot is written once: the fill value is only there to make the vector.
    let mut grouped = match items.first() {
        Some(&fill) => vec![fill; total],
        None => Vec::new(),
    };
    for (&item, &s) in items.iter().zip(shards) {
        let slot = &mut next[usize::from(s)];
        grouped[*slot] = item;
        *slot += 1;
    }
    (grouped, ends)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_spread_and_hashes_differ() {
        let mut counts = [0u32; 256];
        for i in 0..25_600u64 {
            counts[shard_of(fx_hash(&[i, 7, 9])) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (50..=150).contains(&c)),
            "{counts:?}"
        );
        assert_ne!(fx_hash("abc"), fx_hash("abd"));
    }

    #[test]
    fn grouping_by_shard_is_stable() {
        let items = [10, 11, 12, 13, 14, 15];
        let shards = [3, 0, 3, 255, 0, 3];
        let (grouped, ends) = group_by_shard(&items, &shards);
        assert_eq!(grouped, [11, 14, 10, 12, 15, 13]);
        assert_eq!(
            (ends[0], ends[2], ends[3], ends[254], ends[255]),
            (2, 2, 5, 5, 6)
        );
        assert_eq!(group_by_shard::<u8>(&[], &[]), (vec![], vec![0; 256]));
    }
}
