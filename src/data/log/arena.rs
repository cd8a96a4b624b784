//! The finished log's storage: every customer's id and purchase days in a few flat arrays per
//! shard (no per-customer allocation), read through borrowed views ([`CustomerLog`], [`Days`]).
//!
//! A shard holds its customers in the order they first appeared in it; the customer's days are
//! one run of `dates` (days since 1 January of year 1 CE, increasing) and `amounts` (parallel).
//! `order` lists (shard, customer) in order of first appearance in the whole log.

use chrono::NaiveDate;

/// The date of a day number (days since 1 January of year 1 CE). Numbers come from dates, so
/// the fallback is never taken.
pub(super) fn date_of(day: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day).unwrap_or(NaiveDate::MIN)
}

/// The day number of a date (see [`date_of`]).
pub(super) fn day_of(date: NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&date)
}

/// A customer id as stored: up to 15 bytes inline (bytes, then the length in the last byte),
/// or the marker [`LONG_ID`] in the last byte and an index into the shard's long ids in the
/// first eight.
pub(super) type IdBytes = [u8; 16];

/// Last byte of an [`IdBytes`] referring to a long id.
pub(super) const LONG_ID: u8 = 0xFF;

/// One shard's customers and their purchase days, customers in local order.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct ShardLog {
    pub(super) ids: Vec<IdBytes>,
    pub(super) long_ids: Vec<Box<str>>,
    /// `starts[c]..starts[c + 1]` is customer `c`'s run in `dates` and `amounts`.
    pub(super) starts: Vec<usize>,
    pub(super) dates: Vec<i32>,
    pub(super) amounts: Vec<f64>,
}

impl ShardLog {
    fn id(&self, c: usize) -> &str {
        let Some(bytes) = self.ids.get(c) else {
            return "";
        };
        if bytes[15] == LONG_ID {
            let mut index = [0u8; 8];
            index.copy_from_slice(&bytes[..8]);
            let index = usize::try_from(u64::from_le_bytes(index)).unwrap_or(usize::MAX);
            return self.long_ids.get(index).map_or("", |s| s);
        }
        let len = usize::from(bytes[15]).min(15);
        // Ids were checked to be UTF-8 when read.
        std::str::from_utf8(&bytes[..len]).unwrap_or_default()
    }

    fn days(&self, c: usize) -> Days<'_> {
        let run = match (self.starts.get(c), self.starts.get(c + 1)) {
            (Some(&start), Some(&end)) => start..end,
            _ => 0..0,
        };
        Days {
            dates: self.dates.get(run.clone()).unwrap_or_default(),
            amounts: self.amounts.get(run).unwrap_or_default(),
        }
    }
}

/// All customers of a log, stored by shard, with their order of first appearance.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Customers {
    pub(super) shards: Vec<ShardLog>,
    /// `(shard << 32) | customer` of each customer, in order of first appearance.
    pub(super) order: Vec<u64>,
}

impl Customers {
    pub(super) fn len(&self) -> usize {
        self.order.len()
    }

    /// The `i`-th customer in order of first appearance.
    pub(super) fn get(&self, i: usize) -> Option<CustomerLog<'_>> {
        let &packed = self.order.get(i)?;
        let shard = self.shards.get((packed >> 32) as usize)?;
        let c = packed as u32 as usize;
        (c + 1 < shard.starts.len()).then(|| CustomerLog {
            id: shard.id(c),
            days: shard.days(c),
        })
    }

    pub(super) fn purchase_days(&self) -> u64 {
        self.shards.iter().map(|s| s.dates.len() as u64).sum()
    }
}

/// A customer's purchases on one day, merged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PurchaseDay {
    /// The day.
    pub date: NaiveDate,
    /// The sum of the day's amounts (0 when the log has no amounts).
    pub amount: f64,
}

/// One customer of a [`Transactions`](super::Transactions) log: its id and purchase days,
/// borrowed from the log.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CustomerLog<'a> {
    /// The id as written in the log.
    pub id: &'a str,
    /// Distinct purchase days in increasing order; never empty for a customer of a log.
    pub days: Days<'a>,
}

/// A customer's purchase days (or a run of them), sorted by date, one entry per day, with the
/// day's amounts summed in file order. A view into the log; copy it freely.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Days<'a> {
    dates: &'a [i32],
    amounts: &'a [f64],
}

impl<'a> Days<'a> {
    /// Number of days.
    pub fn len(&self) -> usize {
        self.dates.len()
    }

    /// Whether there are no days.
    pub fn is_empty(&self) -> bool {
        self.dates.is_empty()
    }

    /// The `i`-th day.
    pub fn get(&self, i: usize) -> Option<PurchaseDay> {
        Some(PurchaseDay {
            date: date_of(*self.dates.get(i)?),
            amount: self.amounts.get(i).copied().unwrap_or(0.0),
        })
    }

    /// The first (earliest) day.
    pub fn first(&self) -> Option<PurchaseDay> {
        self.get(0)
    }

    /// The last (latest) day.
    pub fn last(&self) -> Option<PurchaseDay> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// The days in increasing order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = PurchaseDay> + ExactSizeIterator + 'a {
        let amounts = self.amounts;
        self.dates
            .iter()
            .zip(amounts)
            .map(|(&d, &amount)| PurchaseDay {
                date: date_of(d),
                amount,
            })
    }

    /// The merged daily amounts, in date order.
    pub fn amounts(&self) -> &'a [f64] {
        self.amounts
    }

    /// The first `i` days and the rest (all and none when `i` is past the end).
    pub fn split_at(&self, i: usize) -> (Days<'a>, Days<'a>) {
        let i = i.min(self.len());
        let (d0, d1) = self.dates.split_at(i);
        let (a0, a1) = self.amounts.split_at(i);
        (
            Days {
                dates: d0,
                amounts: a0,
            },
            Days {
                dates: d1,
                amounts: a1,
            },
        )
    }

    /// The days on or before `date`, and those after.
    pub fn split_at_date(&self, date: NaiveDate) -> (Days<'a>, Days<'a>) {
        let day = day_of(date);
        self.split_at(self.dates.partition_point(|&d| d <= day))
    }

    /// Whole days from the first to the last day (0 for one day or none).
    pub fn span_days(&self) -> i64 {
        match (self.dates.first(), self.dates.last()) {
            (Some(&a), Some(&b)) => i64::from(b) - i64::from(a),
            _ => 0,
        }
    }

    /// Whole days from the first day to `date` (0 when there are no days).
    pub fn days_from_first_to(&self, date: NaiveDate) -> i64 {
        self.dates
            .first()
            .map_or(0, |&a| i64::from(day_of(date)) - i64::from(a))
    }
}
