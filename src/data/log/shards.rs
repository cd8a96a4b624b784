//! Stages 3 and 4 of reading a log: folding parsed rows into per-customer purchase days.
//!
//! Looking up a customer among a million, then its list of days, costs two cache misses per
//! row when done in one big table. Instead customers are partitioned by a hash of their id
//! into [`SHARDS`] shards, each small enough for its id table to stay in cache, and shards are
//! filled independently (in parallel, no locks, no merge: a customer lives in one shard only).
//!
//! - Parsing a chunk ([`ChunkRows`]) gives its rows grouped by shard, keeping file order.
//! - [`Shard::add`] maps each id to a shard-local index, then adds the row's amount to the
//!   entry of its (customer, day) in the shard's table of purchase days, creating it on the
//!   customer's first row of that day. Same-day rows are thus merged as they are read (their
//!   amounts summed in file order, as a sequential reader would), and a shard holds one entry
//!   per purchase day however many rows repeat it; no per-customer allocation happens while
//!   reading.
//! - [`finish`] groups each shard's purchase days by customer with a counting sort, sorts
//!   each customer's days by date, and orders all customers by their first appearance in the
//!   file.

use crate::hash::{fx_hash, shard_of, FxBuildHasher};
use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
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

/// A (customer, day) of a shard: the shard-local customer index in the high 32 bits, the day
/// (days since 1 January of year 1 CE) in the low ones.
type DayKey = u64;

fn day_key(customer: u32, date: NaiveDate) -> DayKey {
    (u64::from(customer) << 32) | u64::from(date.num_days_from_ce() as u32)
}

/// The customer and day of a key.
fn split_day_key(key: DayKey) -> (u32, NaiveDate) {
    let date = NaiveDate::from_num_days_from_ce_opt(key as u32 as i32).unwrap_or(NaiveDate::MIN);
    ((key >> 32) as u32, date)
}

/// The customers whose id hashes to one shard, and their purchase days.
#[derive(Default)]
pub(super) struct Shard {
    short: HashMap<Key, u32, FxBuildHasher>,
    long: HashMap<Box<str>, u32, FxBuildHasher>,
    /// Per customer: `(chunk seq << 32) | row index` of its first row.
    first_seen: Vec<u64>,
    /// The amount of each (customer, day) seen so far: its rows' amounts summed in file order.
    days: HashMap<DayKey, f64, FxBuildHasher>,
}

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
            self.days
                .entry(day_key(customer, row.date))
                .and_modify(|a| *a += row.amount)
                .or_insert(row.amount);
        }
    }

    /// Number of (customer, day) entries held.
    #[cfg(test)]
    fn entries(&self) -> usize {
        self.days.len()
    }

    /// The shard's customers in local order, with their first appearances; frees the days.
    fn into_customers(self) -> (Vec<u64>, Vec<Option<CustomerLog>>) {
        let n = self.first_seen.len();
        let mut ids = vec![String::new(); n];
        for (key, c) in self.short {
            ids[c as usize] = short_id(key);
        }
        for (id, c) in self.long {
            ids[c as usize] = id.into_string();
        }
        // Counting sort of the days by customer.
        let mut start = vec![0usize; n + 1];
        for &key in self.days.keys() {
            start[split_day_key(key).0 as usize + 1] += 1;
        }
        for c in 0..n {
            start[c + 1] += start[c];
        }
        let mut next = start.clone();
        let unset = PurchaseDay {
            date: NaiveDate::MIN,
            amount: 0.0,
        };
        let mut grouped = vec![unset; start[n]];
        for (key, amount) in self.days {
            let (customer, date) = split_day_key(key);
            let slot = &mut next[customer as usize];
            grouped[*slot] = PurchaseDay { date, amount };
            *slot += 1;
        }
        let customers = ids
            .into_iter()
            .enumerate()
            .map(|(c, id)| {
                let mut days = grouped[start[c]..start[c + 1]].to_vec();
                days.sort_unstable_by_key(|d| d.date);
                Some(CustomerLog { id, days })
            })
            .collect();
        (self.first_seen, customers)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Defect 12 of issue 11: the shards kept one entry per row, so a customer buying on few
    /// days in many rows grew the reader's memory with rows. Now they hold one entry per
    /// (customer, day), whatever the number of rows and their order.
    #[test]
    fn holds_one_entry_per_customer_and_day() {
        let day0 = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        let mut shards = new_shards();
        // 2 customers × 10 days, each day in 300 rows, days in a scrambled order; 3 chunks.
        for seq in 0..3 {
            let mut rows = ChunkRows::new(seq);
            for i in 0..1000u64 {
                let day = (i * 7 + seq) % 10;
                let date = day0 + chrono::Days::new(day);
                rows.push(if i % 2 == 0 { "a" } else { "b" }, date, 0.5);
            }
            rows.group();
            add_chunks(&mut shards, std::slice::from_ref(&rows));
        }
        let entries: usize = shards.iter().map(Shard::entries).sum();
        assert_eq!(entries, 20);
        let customers = finish(shards);
        assert_eq!(customers.len(), 2);
        for c in &customers {
            let dates: Vec<NaiveDate> = c.days.iter().map(|d| d.date).collect();
            let want: Vec<NaiveDate> = (0..10).map(|d| day0 + chrono::Days::new(d)).collect();
            assert_eq!(dates, want, "customer {}", c.id);
            let total: f64 = c.days.iter().map(|d| d.amount).sum();
            assert_eq!(total, 750.0, "customer {}", c.id);
        }
    }

    /// Day keys keep the customer and the date, including dates before year 1.
    #[test]
    fn day_keys_round_trip() {
        for date in [
            NaiveDate::MIN,
            NaiveDate::MAX,
            NaiveDate::from_ymd_opt(1, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(-5, 3, 1).unwrap(),
            NaiveDate::from_ymd_opt(2020, 2, 29).unwrap(),
        ] {
            assert_eq!(split_day_key(day_key(u32::MAX, date)), (u32::MAX, date));
            assert_eq!(split_day_key(day_key(7, date)), (7, date));
        }
    }
}
