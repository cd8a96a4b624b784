//! Stages 3 and 4 of reading a log: folding parsed rows into per-customer purchase days.
//!
//! Looking up a customer among a million, then its list of days, costs two cache misses per
//! row when done in one big table. Instead customers are partitioned by a hash of their id
//! into [`SHARDS`] shards, each small enough for its id table to stay in cache, and shards are
//! filled independently (in parallel, no locks, no merge: a customer lives in one shard only).
//!
//! - Parsing a chunk ([`ChunkRows`]) gives its rows grouped by shard, keeping file order.
//! - [`Shard::add`] maps each id to a shard-local index and appends (customer, day, amount)
//!   to the shard's pending rows. When these reach a quarter of the shard's compacted days,
//!   [`Shard::compact`] sorts them stably by (customer, day) and merges them into the
//!   compacted runs (one entry per purchase day, amounts summed in file order, as a
//!   sequential reader would). A shard thus holds about one entry per purchase day however
//!   many rows repeat it, in flat arrays: no per-customer allocation, no hash table of days.
//! - The customers new in a batch of chunks are appended to the order of first appearance
//!   ([`Shards::order`]) as the batch is added.
//! - [`Shards::finish`] compacts each shard a last time and freezes it into a [`ShardLog`].

use crate::data::packed_id::{is_long, key_bytes, long_index, pack, small_key, PackedId, SmallKey};
use crate::hash::{group_by_shard, shard_of, FxBuildHasher};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use chrono::NaiveDate;
use rayon::prelude::*;

use super::arena::{day_of, Customers, DayNumber, DayVec, IdBytes, ShardLog, LONG_ID};

/// Number of shards (a power of two, at most 256 so that a shard number fits a byte).
pub(super) const SHARDS: usize = 256;

/// A customer id packed for hashing (see [`crate::data::packed_id`]).
type Key = PackedId;

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
    rows: Vec<KeyedRow>,
    shards: Vec<u8>,
    /// `rows[ends[s - 1]..ends[s]]` are the rows of shard `s` once [`ChunkRows::group`] ran.
    ends: Vec<usize>,
    long_ids: Vec<Box<str>>,
}

impl ChunkRows {
    pub(super) fn new() -> Self {
        Self::with_capacity(0)
    }

    /// No rows yet, with room for `n`.
    pub(super) fn with_capacity(n: usize) -> Self {
        ChunkRows {
            rows: Vec::with_capacity(n),
            shards: Vec::with_capacity(n),
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
        let (key, hash) = pack(id, &mut self.long_ids);
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
        let (rows, ends) = group_by_shard(&self.rows, &self.shards);
        self.rows = rows;
        self.shards = Vec::new();
        self.ends = ends;
    }

    fn shard_rows(&self, shard: usize) -> &[KeyedRow] {
        let start = if shard == 0 { 0 } else { self.ends[shard - 1] };
        &self.rows[start..self.ends[shard]]
    }
}

/// A row waiting in a shard for the next compaction: its shard-local customer, day and amount.
#[derive(Clone, Copy)]
struct Pending {
    customer: u32,
    day: i32,
    amount: f64,
}

/// A short id as a hash key (see [`Key`]); byte-aligned so that a table slot is 20 bytes, not
/// the 32 of a `u128` key.
#[derive(Clone, Copy, PartialEq, Eq)]
struct IdKey(IdBytes);

impl Hash for IdKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let (lo, hi) = self.0.split_at(8);
        let word = |b: &[u8]| b.iter().rev().fold(0u64, |w, &x| (w << 8) | u64::from(x));
        state.write_u64(word(lo));
        state.write_u64(word(hi));
    }
}

/// Rows a shard gathers before its first compaction.
const MIN_PENDING: usize = 1 << 12;

/// A shard compacts when its pending rows reach `1 / PENDING_FRACTION` of its compacted days
/// (or [`MIN_PENDING`]): pending rows then add at most 16 / `PENDING_FRACTION` bytes per
/// purchase day, and each day is rewritten about `PENDING_FRACTION + 1` times in all. (At 8,
/// a log of 100M rows peaks ~160 MB lower than at 4, for about the same time: a compaction's
/// cost is mostly sorting its pending rows, the rewrite is a sequential pass.)
const PENDING_FRACTION: usize = 8;

/// The customers whose id hashes to one shard, and their purchase days.
///
/// Rows are appended to `pending` as they come; a compaction sorts them by (customer, day),
/// stably, and merges them into the compacted runs, summing the amounts of a (customer, day)
/// in file order (the compacted sum first, then the pending rows in the order they came). The
/// shard thus holds 10 bytes per distinct purchase day plus at most an eighth of its days in
/// pending rows, however many rows repeat a day.
#[derive(Default)]
pub(super) struct Shard {
    small: HashMap<SmallKey, u32, FxBuildHasher>,
    short: HashMap<IdKey, u32, FxBuildHasher>,
    long: HashMap<Box<str>, u32, FxBuildHasher>,
    /// Number of customers (local indices `0..customers`).
    customers: u32,
    /// The customers first seen in the batch being added: their row's position in the batch
    /// and their local index.
    fresh: Vec<(usize, u32)>,
    /// Per customer (in local order): the number of its compacted days; customers seen after
    /// the last compaction have none yet (`lens` may be shorter).
    lens: Vec<u32>,
    /// The compacted days: each customer's run of days in increasing order, runs in customer
    /// order (two bytes a day, see [`DayVec`]).
    dates: DayVec,
    /// The merged amount of each compacted day.
    amounts: Vec<f64>,
    /// Rows added since the last compaction, in file order.
    pending: Vec<Pending>,
}

/// The shards, and every customer so far in order of first appearance.
pub(super) struct Shards {
    shards: Vec<Shard>,
    /// `(shard << 32) | customer` of each customer, in order of first appearance.
    order: Vec<u64>,
    /// Per row of the batch being added: the packed customer it introduces, or `u64::MAX`.
    slots: Vec<u64>,
}

impl Shards {
    /// No customers yet.
    pub(super) fn new() -> Self {
        Shards {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
            order: Vec::new(),
            slots: Vec::new(),
        }
    }

    /// Adds the rows of grouped chunks (in file order) to the shards, in parallel over
    /// shards, and appends the batch's new customers to the order of first appearance.
    pub(super) fn add_chunks(&mut self, chunks: &[ChunkRows]) {
        // Position of each chunk's first row in the batch.
        let mut offsets = Vec::with_capacity(chunks.len());
        let mut rows = 0;
        for chunk in chunks {
            offsets.push(rows);
            rows += chunk.len();
        }
        self.shards
            .par_iter_mut()
            .enumerate()
            .for_each(|(s, shard)| {
                shard.fresh.clear();
                for (chunk, &offset) in chunks.iter().zip(&offsets) {
                    shard.add(chunk, s, offset);
                }
                if shard.pending.len() >= MIN_PENDING.max(shard.dates.len() / PENDING_FRACTION) {
                    shard.compact();
                }
            });
        // The new customers by the position of their first row: placed in a slot per row of
        // the batch, then read in row order (linear, as rows within a shard are in order
        // already but shards interleave).
        self.slots.clear();
        self.slots.resize(rows, u64::MAX);
        for (s, shard) in self.shards.iter().enumerate() {
            for &(row, c) in &shard.fresh {
                self.slots[row] = ((s as u64) << 32) | u64::from(c);
            }
        }
        self.order
            .extend(self.slots.iter().copied().filter(|&v| v != u64::MAX));
    }

    /// All customers, in order of first appearance in the input; each shard is compacted a
    /// last time and frozen, in parallel.
    pub(super) fn finish(self) -> Customers {
        let mut order = self.order;
        order.shrink_to_fit();
        Customers {
            shards: self.shards.into_par_iter().map(Shard::into_log).collect(),
            order,
        }
    }
}

impl Shard {
    /// Adds the rows of shard number `s` of a chunk whose first row is row `offset` of its
    /// batch.
    fn add(&mut self, chunk: &ChunkRows, s: usize, offset: usize) {
        self.pending.reserve(chunk.shard_rows(s).len());
        for row in chunk.shard_rows(s) {
            let next = self.customers;
            let customer = if let Some(small) = small_key(row.key) {
                *self.small.entry(small).or_insert(next)
            } else if is_long(row.key) {
                let id = &chunk.long_ids[long_index(row.key)];
                match self.long.get(id) {
                    Some(&c) => c,
                    None => {
                        self.long.insert(id.clone(), next);
                        next
                    }
                }
            } else {
                *self.short.entry(IdKey(key_bytes(row.key))).or_insert(next)
            };
            if customer == next {
                self.customers += 1;
                self.fresh.push((offset + row.index as usize, customer));
            }
            self.pending.push(Pending {
                customer,
                day: day_of(row.date),
                amount: row.amount,
            });
        }
    }

    /// Merges the pending rows into the compacted days (see [`Shard`]).
    fn compact(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let n = self.customers as usize;
        // Stable counting sort of the pending rows by customer.
        let mut group = vec![0usize; n + 1];
        for p in &self.pending {
            group[p.customer as usize + 1] += 1;
        }
        for c in 0..n {
            group[c + 1] += group[c];
        }
        let mut next = group.clone();
        let mut sorted = vec![(0i32, 0.0f64); self.pending.len()];
        let (mut min, mut max) = (i32::MAX, i32::MIN);
        for p in &self.pending {
            let slot = &mut next[p.customer as usize];
            sorted[*slot] = (p.day, p.amount);
            *slot += 1;
            min = min.min(p.day);
            max = max.max(p.day);
        }
        drop(next);
        // Room for the rows up to the next compaction, and no more: a buffer kept at its
        // largest size (or doubled past it) would hold memory for nothing.
        let next_compaction = MIN_PENDING.max((self.dates.len() + sorted.len()) / PENDING_FRACTION);
        self.pending = Vec::with_capacity(next_compaction + next_compaction / 4);
        self.lens.resize(n, 0);
        self.dates.fit(min, max);
        let runs = Runs {
            amounts: &mut self.amounts,
            lens: &mut self.lens,
            sorted: &mut sorted,
            group: &group,
        };
        match &mut self.dates {
            DayVec::Narrow { base, days } => runs.merge(days, *base),
            DayVec::Wide(days) => runs.merge(days, 0),
        }
    }

    /// Number of (customer, day) entries held (compacted or pending).
    #[cfg(test)]
    fn entries(&self) -> usize {
        self.dates.len() + self.pending.len()
    }

    /// The shard's customers and days once every row is compacted.
    fn into_log(mut self) -> ShardLog {
        self.compact();
        self.pending = Vec::new();
        let n = self.customers as usize;
        let mut ids = vec![[0u8; 16]; n];
        for (key, c) in self.small {
            ids[c as usize] = key.id_bytes();
        }
        for (key, c) in self.short {
            ids[c as usize] = key.0;
        }
        let mut long_ids = Vec::with_capacity(self.long.len());
        for (id, c) in self.long {
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&(long_ids.len() as u64).to_le_bytes());
            bytes[15] = LONG_ID;
            ids[c as usize] = bytes;
            long_ids.push(id);
        }
        let mut starts = Vec::with_capacity(n + 1);
        let mut start = 0;
        starts.push(0);
        for &len in &self.lens {
            start += len as usize;
            starts.push(start);
        }
        starts.resize(n + 1, start);
        ShardLog {
            ids,
            long_ids,
            starts,
            dates: self.dates,
            amounts: self.amounts,
        }
    }
}

/// A shard's compacted runs (all but their days) and its pending rows sorted by customer
/// (`sorted[group[c]..group[c + 1]]` are customer `c`'s), to be merged.
struct Runs<'a> {
    amounts: &'a mut Vec<f64>,
    lens: &'a mut [u32],
    sorted: &'a mut [(i32, f64)],
    group: &'a [usize],
}

impl Runs<'_> {
    /// Merges the pending rows into the compacted runs (`lens[c]` days each, stored relative
    /// to `base` in `dates`).
    ///
    /// Merged in place, from the last customer back, into arrays grown by the pending rows
    /// (grown in place by the allocator, not copied into new ones); the merged days end at
    /// the arrays' end and are moved to the front at the end.
    fn merge<T: DayNumber>(self, dates: &mut Vec<T>, base: i32) {
        let Runs {
            amounts,
            lens,
            sorted,
            group,
        } = self;
        let old_len = dates.len();
        let total = old_len + sorted.len();
        dates.reserve_exact(sorted.len());
        amounts.reserve_exact(sorted.len());
        dates.resize(total, T::default());
        amounts.resize(total, 0.0);
        let (mut read, mut write) = (old_len, total);
        for c in (0..lens.len()).rev() {
            let run = read.saturating_sub(lens[c] as usize)..read;
            read = run.start;
            let new = &mut sorted[group[c]..group[c + 1]];
            // Stable: rows of one day stay in file order.
            new.sort_by_key(|&(day, _)| day);
            let end = write;
            merge_back(dates, base, amounts, run, new, &mut write);
            // A customer has fewer distinct days than there are dates (< 2^28).
            lens[c] = u32::try_from(end - write).unwrap_or(u32::MAX);
        }
        dates.copy_within(write.., 0);
        amounts.copy_within(write.., 0);
        dates.truncate(total - write);
        amounts.truncate(total - write);
    }
}

/// Merges a customer's compacted days (`dates[run]`, `amounts[run]`: increasing, distinct)
/// with its pending rows (`new`: by day, same-day rows in file order), writing the merged days
/// backwards so that they end just before `*write` (which moves to their start).
///
/// A day's amount is its compacted amount followed by its pending rows' amounts, summed left
/// to right; a new day starts from its first row's amount. Writing never overtakes reading:
/// every day written consumes at least one compacted day or pending row, and `*write` starts
/// at or after the end of the unread ones.
fn merge_back<T: DayNumber>(
    dates: &mut [T],
    base: i32,
    amounts: &mut [f64],
    run: std::ops::Range<usize>,
    new: &[(i32, f64)],
    write: &mut usize,
) {
    let (mut i, mut j) = (run.end, new.len());
    loop {
        let old_day = (i > run.start).then(|| dates[i - 1].day(base));
        let new_day = j.checked_sub(1).map(|k| new[k].0);
        let day = match (old_day, new_day) {
            (Some(a), Some(b)) => a.max(b),
            (Some(d), None) | (None, Some(d)) => d,
            (None, None) => break,
        };
        let mut from = j;
        while from > 0 && new[from - 1].0 == day {
            from -= 1;
        }
        let rows = &new[from..j];
        j = from;
        let (mut amount, rest) = if old_day == Some(day) {
            i -= 1;
            (amounts[i], rows)
        } else {
            (rows[0].1, &rows[1..])
        };
        for &(_, a) in rest {
            amount += a;
        }
        *write -= 1;
        dates[*write] = T::stored(day, base);
        amounts[*write] = amount;
    }
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
        let mut shards = Shards::new();
        // 2 customers × 10 days, each day in 2,500 rows, days in a scrambled order; 50 chunks.
        for seq in 0..50 {
            let mut rows = ChunkRows::new();
            for i in 0..1000u64 {
                let day = (i * 7 + seq) % 10;
                let date = day0 + chrono::Days::new(day);
                rows.push(if i % 2 == 0 { "a" } else { "b" }, date, 0.5);
            }
            rows.group();
            shards.add_chunks(std::slice::from_ref(&rows));
            // Pending rows stay bounded: at most one compaction threshold and a chunk.
            let entries: usize = shards.shards.iter().map(Shard::entries).sum();
            assert!(entries <= 20 + 2 * MIN_PENDING + 1000, "{entries} entries");
        }
        for shard in &mut shards.shards {
            shard.compact();
        }
        let entries: usize = shards.shards.iter().map(Shard::entries).sum();
        assert_eq!(entries, 20);
        let customers = shards.finish();
        assert_eq!(customers.len(), 2);
        for c in (0..2).filter_map(|i| customers.get(i)) {
            let dates: Vec<NaiveDate> = c.days.iter().map(|d| d.date).collect();
            let want: Vec<NaiveDate> = (0..10).map(|d| day0 + chrono::Days::new(d)).collect();
            assert_eq!(dates, want, "customer {}", c.id);
            let total: f64 = c.days.iter().map(|d| d.amount).sum();
            assert_eq!(total, 12_500.0, "customer {}", c.id);
        }
    }

    /// A day's amount is its compacted amount, then its pending rows in file order, summed
    /// left to right; a new day starts from its first row.
    #[test]
    fn merges_days_in_file_order() {
        let (big, small) = (1e16, 1.0);
        let old_dates = [1, 3];
        let old_amounts = [big, 2.0];
        let new = [(0, small), (0, big), (1, small), (1, small), (4, 5.0)];
        // The compacted run sits at 4..6 of arrays with room for the pending rows after it.
        let mut dates = [9, 9, 9, 9, old_dates[0], old_dates[1], 0, 0, 0, 0, 0];
        let mut amounts = [
            0.0,
            0.0,
            0.0,
            0.0,
            old_amounts[0],
            old_amounts[1],
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        ];
        let mut write = 11;
        merge_back(&mut dates, 0, &mut amounts, 4..6, &new, &mut write);
        assert_eq!(write, 7);
        assert_eq!(dates[7..], [0, 1, 3, 4]);
        assert_eq!(
            dates[..4],
            [9, 9, 9, 9],
            "days before the run are untouched"
        );
        assert_eq!(amounts[7..], [small + big, (big + small) + small, 2.0, 5.0]);
        // (1e16 + 1) + 1 rounds twice; 1e16 + (1 + 1) would not.
        assert_ne!(amounts[1], big + (small + small));
    }

    /// The first and last dates chrono represents survive the shards, in order.
    #[test]
    fn keeps_extreme_dates() {
        let mut shards = Shards::new();
        let mut rows = ChunkRows::new();
        let dates = [
            NaiveDate::MAX,
            NaiveDate::from_ymd_opt(2020, 2, 29).unwrap(),
            NaiveDate::MIN,
            NaiveDate::MAX,
        ];
        for &date in &dates {
            rows.push("x", date, 1.0);
        }
        rows.group();
        shards.add_chunks(std::slice::from_ref(&rows));
        let customers = shards.finish();
        let x = customers.get(0).unwrap();
        let got: Vec<(NaiveDate, f64)> = x.days.iter().map(|d| (d.date, d.amount)).collect();
        assert_eq!(
            got,
            [(dates[2], 1.0), (dates[1], 1.0), (NaiveDate::MAX, 2.0)]
        );
    }

    /// Ids of every kind come back as written: numbers (with and without leading zeros, up to
    /// 15 digits and past), short text, text of 8 to 15 bytes, long ids, non-ASCII; distinct
    /// ids stay distinct customers.
    #[test]
    fn ids_of_every_kind_round_trip() {
        let ids = [
            "0",
            "7",
            "007",
            "00",
            "10",
            "999999999999999",
            "1000000000000000",
            "123456789012345678901",
            "abc",
            "",
            "é",
            "ab\u{0}",
            "1234567",
            "abcdefg",
            "abcdefgh",
            "customer-000001",
            "a-much-longer-customer-identifier",
            "-1",
            "1e3",
            "１２",
            "9",
        ];
        for id in ids {
            if let Some(key) = SmallKey::of(id.as_bytes()) {
                let bytes = key.id_bytes();
                assert_eq!(&bytes[..usize::from(bytes[15])], id.as_bytes(), "{id:?}");
            }
        }
        let mut shards = Shards::new();
        let mut rows = ChunkRows::new();
        let day = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        for (k, id) in ids.iter().chain(ids.iter().rev()).enumerate() {
            rows.push(id, day + chrono::Days::new(k as u64), 1.0);
        }
        rows.group();
        shards.add_chunks(std::slice::from_ref(&rows));
        let customers = shards.finish();
        let got: Vec<(&str, usize)> = (0..customers.len())
            .filter_map(|i| customers.get(i))
            .map(|c| (c.id, c.days.len()))
            .collect();
        let want: Vec<(&str, usize)> = ids.iter().map(|&id| (id, 2)).collect();
        assert_eq!(got, want);
    }

    /// Days are kept in two bytes while they fit within 65,536 days of the shard's base, and
    /// the shard widens to four bytes, keeping its days, when later rows fall outside.
    #[test]
    fn widens_days_when_later_rows_fall_outside_the_narrow_range() {
        let day0 = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        let mut shards = Shards::new();
        let shard = shard_of(SmallKey::of(b"x").unwrap().mixed()) as usize;
        let mut rows = ChunkRows::new();
        for i in 0..5_000u64 {
            rows.push("x", day0 + chrono::Days::new(i % 700), 1.0);
        }
        rows.group();
        shards.add_chunks(std::slice::from_ref(&rows));
        assert!(matches!(shards.shards[shard].dates, DayVec::Narrow { .. }));
        let mut later = ChunkRows::new();
        let early = NaiveDate::from_ymd_opt(1900, 6, 1).unwrap();
        let late = NaiveDate::from_ymd_opt(2200, 6, 1).unwrap();
        // 44 years back still fits the first base (16,384 days before the earliest day).
        let recent = NaiveDate::from_ymd_opt(1976, 1, 2).unwrap();
        later.push("x", recent, 1.0);
        later.group();
        shards.add_chunks(std::slice::from_ref(&later));
        shards.shards[shard].compact();
        assert!(matches!(shards.shards[shard].dates, DayVec::Narrow { .. }));
        let mut last = ChunkRows::new();
        last.push("x", late, 2.0);
        last.push("x", early, 3.0);
        last.group();
        shards.add_chunks(std::slice::from_ref(&last));
        shards.shards[shard].compact();
        assert!(matches!(shards.shards[shard].dates, DayVec::Wide(_)));
        let customers = shards.finish();
        let x = customers.get(0).unwrap();
        assert_eq!(x.days.len(), 703);
        let got: Vec<(NaiveDate, f64)> = x.days.iter().map(|d| (d.date, d.amount)).collect();
        assert_eq!(got[..3], [(early, 3.0), (recent, 1.0), (day0, 8.0)]);
        assert_eq!(got[702], (late, 2.0));
        assert_eq!(got[701], (day0 + chrono::Days::new(699), 7.0));
    }

    /// Many customers over many chunks and shards, compacted several times: every customer
    /// in order of first appearance, with all its days.
    #[test]
    fn orders_many_customers_by_first_appearance() {
        let day0 = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        let mut shards = Shards::new();
        let mut first = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for seq in 0..40u64 {
            let mut rows = ChunkRows::new();
            for i in 0..5_000u64 {
                let n = seq * 5_000 + i;
                let id = format!("customer-number-{}", (n * 2_654_435_761) % 50_000);
                if seen.insert(id.clone()) {
                    first.push(id.clone());
                }
                rows.push(&id, day0 + chrono::Days::new(n % 97), 1.0);
            }
            rows.group();
            shards.add_chunks(std::slice::from_ref(&rows));
        }
        let customers = shards.finish();
        let ids: Vec<&str> = (0..customers.len())
            .filter_map(|i| customers.get(i))
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, first);
        assert_eq!(customers.purchase_days(), 50_000 * 4);
    }
}
