//! Stages 3 and 4 of reading a log: folding parsed rows into per-customer purchase days.
//!
//! Looking up a customer among a million, then its list of days, costs two cache misses per
//! row when done in one big table. Instead customers are partitioned by a hash of their id
//! into [`SHARDS`] shards, each small enough for its id table to stay in cache, and shards are
//! filled independently (in parallel, no locks, no merge: a customer lives in one shard only).
//!
//! - Parsing a chunk ([`ChunkRows`]) gives its rows grouped by shard, keeping file order.
//! - [`Shard::add`] maps each id to a shard-local index and appends a compact 16-byte
//!   (customer, date, amount) row; no per-customer allocation happens while reading.
//! - [`finish`] groups each shard's rows by customer with a counting sort, sorts each
//!   customer's few rows by date (stably, so same-day amounts are summed in file order, as a
//!   sequential reader would), and orders all customers by their first appearance in the file.

use crate::hash::{fx_hash, shard_of, FxBuildHasher};
use std::collections::HashMap;

use chrono::NaiveDate;
use rayon::prelude::*;

use super::types::{CustomerLog, PurchaseDay};

/// Number of shards (a power of two, at most 256 so that a shard number fits a byte).
pub(super) const SHARDS: usize = 256;

/// A customer id packed for hashing: ids of up to 15 bytes are stored in the key itself
/// (bytes, then the length in the last byte), so a lookup touches no other memory; longer ids
/// have the marker [`LONG`] in the last byte and their index among the chunk's long ids.
type Key = u128;

/// Last-byte marker of a key referring to a long id.
const LONG: u8 = 0xFF;

/// Packs an id of up to 15 bytes; `None` for longer ones.
fn short_key(id: &str) -> Option<Key> {
    let b = id.as_bytes();
    (b.len() < 16).then(|| {
        let mut key = [0u8; 16];
        key[..b.len()].copy_from_slice(b);
        key[15] = b.len() as u8;
        u128::from_le_bytes(key)
    })
}

fn long_key(index: usize) -> Key {
    (u128::from(LONG) << 120) | index as u128
}

fn is_long(key: Key) -> bool {
    (key >> 120) as u8 == LONG
}

/// The id of a short key.
fn short_id(key: Key) -> String {
    let key = key.to_le_bytes();
    let len = usize::from(key[15]).min(15);
    String::from_utf8_lossy(&key[..len]).into_owned()
}

/// One parsed row, before its customer has an index.
#[derive(Clone, Copy)]
struct KeyedRow {
    key: Key,
    amount: f64,
    date: NaiveDate,
    /// Position of the row in its chunk, for ordering first appearances.
    index: u32,
}

/// The rows of one chunk (or of a batch of rows read sequentially), grouped by shard.
pub(super) struct ChunkRows {
    /// Order of the chunk in the input.
    seq: u64,
    rows: Vec<KeyedRow>,
    shards: Vec<u8>,
    /// `rows[ends[s - 1]..ends[s]]` are the rows of shard `s` once [`ChunkRows::group`] ran.
    ends: Vec<usize>,
    long_ids: Vec<Box<str>>,
}

impl ChunkRows {
    pub(super) fn new(seq: u64) -> Self {
        ChunkRows {
            seq,
            rows: Vec::new(),
            shards: Vec::new(),
            ends: Vec::new(),
            long_ids: Vec::new(),
        }
    }

    /// Number of rows so far.
    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    /// Adds a row (in file order).
    pub(super) fn push(&mut self, id: &str, date: NaiveDate, amount: f64) {
        let (key, hash) = match short_key(id) {
            Some(key) => (key, fx_hash(&key)),
            None => {
                self.long_ids.push(id.into());
                (long_key(self.long_ids.len() - 1), fx_hash(id))
            }
        };
        // More than 4 Gi rows cannot come from one chunk (its index would wrap, only
        // affecting the order of customers); saturate rather than panic.
        let index = u32::try_from(self.rows.len()).unwrap_or(u32::MAX);
        self.rows.push(KeyedRow {
            key,
            amount,
            date,
            index,
        });
        self.shards.push(shard_of(hash));
    }

    /// Groups the rows by shard with a stable counting sort.
    pub(super) fn group(&mut self) {
        let mut counts = vec![0usize; SHARDS];
        for &s in &self.shards {
            counts[usize::from(s)] += 1;
        }
        let mut next = Vec::with_capacity(SHARDS);
        let mut total = 0;
        for c in &counts {
            next.push(total);
            total += c;
        }
        let mut sorted = vec![
            KeyedRow {
                key: 0,
                amount: 0.0,
                date: NaiveDate::MIN,
                index: 0,
            };
            self.rows.len()
        ];
        for (row, &s) in self.rows.iter().zip(&self.shards) {
            let slot = &mut next[usize::from(s)];
            sorted[*slot] = *row;
            *slot += 1;
        }
        self.rows = sorted;
        self.shards = Vec::new();
        self.ends = next;
    }

    fn shard_rows(&self, shard: usize) -> &[KeyedRow] {
        let start = if shard == 0 { 0 } else { self.ends[shard - 1] };
        &self.rows[start..self.ends[shard]]
    }
}

/// A purchase of a shard's customer: 16 bytes.
#[derive(Clone, Copy)]
struct DayRow {
    amount: f64,
    customer: u32,
    date: NaiveDate,
}

/// The customers whose id hashes to one shard, and their purchases in file order.
#[derive(Default)]
pub(super) struct Shard {
    short: HashMap<Key, u32, FxBuildHasher>,
    long: HashMap<Box<str>, u32, FxBuildHasher>,
    /// Per customer: `(chunk seq << 32) | row index` of its first row.
    first_seen: Vec<u64>,
    /// The rows in file order, in blocks of [`BLOCK_ROWS`]: unlike one growing `Vec`, this
    /// wastes at most one partly filled block and never copies rows to grow.
    rows: Vec<Vec<DayRow>>,
}

/// Rows per block of a shard's storage (64 KiB).
const BLOCK_ROWS: usize = 4096;

/// An empty shard per shard number.
pub(super) fn new_shards() -> Vec<Shard> {
    (0..SHARDS).map(|_| Shard::default()).collect()
}

/// Adds the rows of grouped chunks (in file order) to the shards, in parallel over shards.
pub(super) fn add_chunks(shards: &mut [Shard], chunks: &[ChunkRows]) {
    shards.par_iter_mut().enumerate().for_each(|(s, shard)| {
        for chunk in chunks {
            shard.add(chunk, s);
        }
    });
}

impl Shard {
    /// Adds the rows of shard number `s` of a chunk.
    fn add(&mut self, chunk: &ChunkRows, s: usize) {
        // The block being filled, held locally so the loop does not look it up per row.
        let mut block = match self.rows.pop() {
            Some(b) if b.len() < BLOCK_ROWS => b,
            full => {
                self.rows.extend(full);
                Vec::with_capacity(BLOCK_ROWS)
            }
        };
        for row in chunk.shard_rows(s) {
            let next = self.first_seen.len() as u32;
            let customer = if is_long(row.key) {
                let id = &chunk.long_ids[row.key as u64 as usize];
                match self.long.get(id) {
                    Some(&c) => c,
                    None => {
                        self.long.insert(id.clone(), next);
                        next
                    }
                }
            } else {
                *self.short.entry(row.key).or_insert(next)
            };
            if customer == next {
                self.first_seen
                    .push((chunk.seq << 32) | u64::from(row.index));
            }
            if block.len() == BLOCK_ROWS {
                let full = std::mem::replace(&mut block, Vec::with_capacity(BLOCK_ROWS));
                self.rows.push(full);
            }
            block.push(DayRow {
                amount: row.amount,
                customer,
                date: row.date,
            });
        }
        if !block.is_empty() {
            self.rows.push(block);
        }
    }

    /// The shard's customers in local order, with their first appearances; frees the rows.
    fn into_customers(self) -> (Vec<u64>, Vec<Option<CustomerLog>>) {
        let n = self.first_seen.len();
        let mut ids = vec![String::new(); n];
        for (key, c) in self.short {
            ids[c as usize] = short_id(key);
        }
        for (id, c) in self.long {
            ids[c as usize] = id.into_string();
        }
        // Counting sort of the rows by customer, stable so each customer's rows stay in
        // file order.
        let mut start = vec![0usize; n + 1];
        for r in self.rows.iter().flatten() {
            start[r.customer as usize + 1] += 1;
        }
        for c in 0..n {
            start[c + 1] += start[c];
        }
        let mut next = start.clone();
        let mut grouped = vec![(NaiveDate::MIN, 0.0f64); start[n]];
        for r in self.rows.iter().flatten() {
            let slot = &mut next[r.customer as usize];
            grouped[*slot] = (r.date, r.amount);
            *slot += 1;
        }
        drop(self.rows);
        let customers = ids
            .into_iter()
            .enumerate()
            .map(|(c, id)| {
                let purchases = &mut grouped[start[c]..start[c + 1]];
                Some(CustomerLog {
                    id,
                    days: merge_days(purchases),
                })
            })
            .collect();
        (self.first_seen, customers)
    }
}

/// One customer's purchases (in file order) as distinct days in increasing order, same-day
/// amounts summed in file order.
fn merge_days(purchases: &mut [(NaiveDate, f64)]) -> Vec<PurchaseDay> {
    // Stable: same-day amounts keep their file order.
    purchases.sort_by_key(|p| p.0);
    let distinct = 1 + purchases.windows(2).filter(|w| w[0].0 != w[1].0).count();
    let mut days: Vec<PurchaseDay> = Vec::with_capacity(distinct);
    for &(date, amount) in purchases.iter() {
        match days.last_mut() {
            Some(last) if last.date == date => last.amount += amount,
            _ => days.push(PurchaseDay { date, amount }),
        }
    }
    days
}

/// All customers, in order of first appearance in the input.
pub(super) fn finish(shards: Vec<Shard>) -> Vec<CustomerLog> {
    let mut parts: Vec<(Vec<u64>, Vec<Option<CustomerLog>>)> =
        shards.into_par_iter().map(Shard::into_customers).collect();
    let total = parts.iter().map(|p| p.1.len()).sum();
    let mut order: Vec<(u64, u32, u32)> = Vec::with_capacity(total);
    for (s, (first_seen, _)) in parts.iter().enumerate() {
        for (c, &seen) in first_seen.iter().enumerate() {
            order.push((seen, s as u32, c as u32));
        }
    }
    order.par_sort_unstable_by_key(|o| o.0);
    order
        .into_iter()
        .filter_map(|(_, s, c)| parts[s as usize].1[c as usize].take())
        .collect()
}
