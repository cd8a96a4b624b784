//! The duplicate-id check of the summary reader, sharded so that it runs in parallel.
//!
//! Parsing a chunk collects its ids ([`ChunkIds`]), each with its row and line, grouped by a
//! hash of the id into [`SHARDS`] shards. [`IdShards::check`] then adds the ids of a batch of
//! chunks (in file order) to the shards' tables, in parallel over shards: a customer lives in
//! one shard only, so the first row of every id is found without locks or merging. Ids of up
//! to 15 bytes are packed into the key itself (bytes, then the length in the last byte), so a
//! lookup touches no other memory; longer ids are kept apart.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::data::packed_id::{is_long, long_index, pack, short_id, small_key, PackedId, SmallKey};
use crate::hash::{group_by_shard, shard_of, FxBuildHasher};

/// Number of shards (at most 256, so that a shard number fits a byte).
const SHARDS: usize = 256;

type Key = PackedId;

/// One id of a chunk.
#[derive(Clone, Copy)]
struct IdRow {
    key: Key,
    /// The row's index in its chunk.
    row: u32,
    line: u64,
}

/// The ids of one chunk (or of a run of rows read sequentially), grouped by shard.
#[derive(Default)]
pub(super) struct ChunkIds {
    ids: Vec<IdRow>,
    shards: Vec<u8>,
    /// `ids[ends[s - 1]..ends[s]]` are the ids of shard `s` once grouped.
    ends: Vec<usize>,
    long: Vec<Box<str>>,
}

impl ChunkIds {
    /// Adds the id of row `row` (its index in the chunk), on line `line`, in file order.
    #[inline]
    pub(super) fn push(&mut self, id: &str, row: u32, line: u64) {
        let (key, hash) = pack(id, &mut self.long);
        self.ids.push(IdRow { key, row, line });
        self.shards.push(shard_of(hash));
    }

    /// Makes room for `n` more ids.
    pub(super) fn reserve(&mut self, n: usize) {
        self.ids.reserve(n);
        self.shards.reserve(n);
    }

    /// Groups the ids by shard with a stable counting sort.
    pub(super) fn group(&mut self) {
        let (sorted, ends) = group_by_shard(&self.ids, &self.shards);
        self.ids = sorted;
        self.shards = Vec::new();
        self.ends = ends;
    }

    fn shard(&self, s: usize) -> &[IdRow] {
        if self.ends.is_empty() {
            return &[];
        }
        let start = if s == 0 { 0 } else { self.ends[s - 1] };
        &self.ids[start..self.ends[s]]
    }

    fn id(&self, key: Key) -> String {
        if is_long(key) {
            self.long
                .get(long_index(key))
                .map_or_else(String::new, |id| id.to_string())
        } else {
            short_id(key)
        }
    }
}

/// A row whose id an earlier row has.
#[derive(Clone, Copy)]
pub(super) struct Duplicate {
    /// The chunk's index in its batch.
    pub chunk: u32,
    /// The row's index in its chunk.
    pub row: u32,
    /// The row's line.
    pub line: u64,
    /// The line of the first row with the id.
    pub first: u64,
    key: Key,
}

impl Duplicate {
    /// The duplicated id (`chunks` is the batch the duplicate was found in).
    pub(super) fn id(&self, chunks: &[&ChunkIds]) -> String {
        chunks
            .get(self.chunk as usize)
            .map_or_else(String::new, |c| c.id(self.key))
    }
}

/// The ids seen so far, with the line of their first row, in shards.
pub(super) struct IdShards {
    shards: Vec<IdShard>,
}

#[derive(Default)]
struct IdShard {
    small: HashMap<SmallKey, u64, FxBuildHasher>,
    short: HashMap<Key, u64, FxBuildHasher>,
    long: HashMap<Box<str>, u64, FxBuildHasher>,
}

impl IdShards {
    /// No id seen yet.
    pub(super) fn new() -> Self {
        IdShards {
            shards: (0..SHARDS).map(|_| IdShard::default()).collect(),
        }
    }

    /// Makes room for about `ids` ids in all (spread evenly over the shards), so that the
    /// tables do not grow by rehashing as they fill: in the table of one-word keys or of
    /// two-word keys, whichever most ids of `sample` (the first chunks) go to.
    pub(super) fn reserve(&mut self, ids: usize, sample: &[&ChunkIds]) {
        let per_shard = ids / SHARDS + ids / SHARDS / 32 + 1;
        let (small, all) = sample
            .iter()
            .flat_map(|c| &c.ids)
            .fold((0, 0), |(s, a), id| {
                (s + usize::from(small_key(id.key).is_some()), a + 1)
            });
        self.shards.par_iter_mut().for_each(|shard| {
            if 2 * small >= all {
                shard
                    .small
                    .reserve(per_shard.saturating_sub(shard.small.len()));
            } else {
                shard
                    .short
                    .reserve(per_shard.saturating_sub(shard.short.len()));
            }
        });
    }

    /// Adds the ids of a batch of grouped chunks (in file order) and returns the rows whose
    /// id was seen before (in this batch or an earlier one), in file order.
    pub(super) fn check(&mut self, chunks: &[&ChunkIds]) -> Vec<Duplicate> {
        let mut dups: Vec<Duplicate> = self
            .shards
            .par_iter_mut()
            .enumerate()
            .flat_map_iter(|(s, shard)| {
                let mut dups = Vec::new();
                for (c, chunk) in chunks.iter().enumerate() {
                    for id in chunk.shard(s) {
                        let first = if is_long(id.key) {
                            let text = &chunk.long[long_index(id.key)];
                            match shard.long.get(text) {
                                Some(&first) => Some(first),
                                None => {
                                    shard.long.insert(text.clone(), id.line);
                                    None
                                }
                            }
                        } else if let Some(small) = small_key(id.key) {
                            first_of(&mut shard.small, small, id.line)
                        } else {
                            first_of(&mut shard.short, id.key, id.line)
                        };
                        if let Some(first) = first {
                            dups.push(Duplicate {
                                chunk: c as u32,
                                row: id.row,
                                line: id.line,
                                first,
                                key: id.key,
                            });
                        }
                    }
                }
                dups
            })
            .collect();
        dups.sort_unstable_by_key(|d| (d.chunk, d.row));
        dups
    }
}

/// The line of the first row of `key` in `table`, or `None` after recording `line` as its
/// first.
fn first_of<K: std::hash::Hash + Eq>(
    table: &mut HashMap<K, u64, FxBuildHasher>,
    key: K,
    line: u64,
) -> Option<u64> {
    match table.entry(key) {
        std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(line);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_duplicates_across_chunks_in_file_order() {
        let long = "x".repeat(40);
        let mut a = ChunkIds::default();
        a.push("a", 0, 2);
        a.push(&long, 1, 3);
        a.push("b", 2, 4);
        a.group();
        let mut b = ChunkIds::default();
        b.push("b", 0, 5);
        b.push(&long, 1, 6);
        b.push("c", 2, 7);
        b.push("a", 3, 8);
        b.group();
        let mut shards = IdShards::new();
        let dups = shards.check(&[&a, &b]);
        let got: Vec<(u32, u32, u64, String)> = dups
            .iter()
            .map(|d| (d.chunk, d.row, d.first, d.id(&[&a, &b])))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, 0, 4, "b".to_string()),
                (1, 1, 3, long.clone()),
                (1, 3, 2, "a".to_string())
            ]
        );
        // A later batch sees the earlier ones.
        let mut c = ChunkIds::default();
        c.push("c", 0, 9);
        c.push("d", 1, 10);
        c.group();
        let dups = shards.check(&[&c]);
        assert_eq!(dups.len(), 1);
        assert_eq!((dups[0].first, dups[0].id(&[&c])), (7, "c".to_string()));
    }
}
