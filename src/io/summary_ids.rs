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

use crate::hash::{fx_hash, group_by_shard, shard_of, FxBuildHasher};

/// Number of shards (at most 256, so that a shard number fits a byte).
const SHARDS: usize = 256;

/// An id of up to 15 bytes packed in two words; or, with [`LONG`] in the last byte, the index
/// of a long id among its chunk's.
type Key = [u64; 2];

/// Last-byte marker of a key referring to a long id.
const LONG: u8 = 0xFF;

/// Packs an id of up to 15 bytes; `None` for longer ones.
fn short_key(id: &str) -> Option<Key> {
    let b = id.as_bytes();
    (b.len() < 16).then(|| {
        let mut key = [0u8; 16];
        key[..b.len()].copy_from_slice(b);
        key[15] = b.len() as u8;
        let (lo, hi) = key.split_at(8);
        [word(lo), word(hi)]
    })
}

fn word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(bytes);
    u64::from_le_bytes(w)
}

fn long_key(index: usize) -> Key {
    [index as u64, u64::from(LONG) << 56]
}

fn is_long(key: Key) -> bool {
    (key[1] >> 56) as u8 == LONG
}

/// The id of a short key.
fn short_id(key: Key) -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&key[0].to_le_bytes());
    bytes[8..].copy_from_slice(&key[1].to_le_bytes());
    let len = usize::from(bytes[15]).min(15);
    String::from_utf8_lossy(&bytes[..len]).into_owned()
}

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
        let (key, hash) = match short_key(id) {
            Some(key) => (key, fx_hash(&key)),
            None => {
                self.long.push(id.into());
                (long_key(self.long.len() - 1), fx_hash(id))
            }
        };
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
                .get(key[0] as usize)
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
    /// tables do not grow by rehashing as they fill.
    pub(super) fn reserve(&mut self, ids: usize) {
        let per_shard = ids / SHARDS + ids / SHARDS / 32 + 1;
        self.shards.par_iter_mut().for_each(|shard| {
            shard
                .short
                .reserve(per_shard.saturating_sub(shard.short.len()))
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
                            let text = &chunk.long[id.key[0] as usize];
                            match shard.long.get(text) {
                                Some(&first) => Some(first),
                                None => {
                                    shard.long.insert(text.clone(), id.line);
                                    None
                                }
                            }
                        } else {
                            match shard.short.entry(id.key) {
                                std::collections::hash_map::Entry::Occupied(e) => Some(*e.get()),
                                std::collections::hash_map::Entry::Vacant(e) => {
                                    e.insert(id.line);
                                    None
                                }
                            }
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

    #[test]
    fn short_keys_round_trip() {
        for id in ["", "a", "123456789012345", "é"] {
            assert_eq!(short_id(short_key(id).unwrap()), id);
        }
        assert!(short_key("1234567890123456").is_none());
    }
}
