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

/// A stored purchase day: a day number relative to its shard's base day.
pub(super) trait DayNumber: Copy + Default + Send + Sync + 'static {
    /// The day number (see [`day_of`]) of a stored day.
    fn day(self, base: i32) -> i32;
    /// The stored form of a day number; the day must be in range (see [`DayVec`]).
    fn stored(day: i32, base: i32) -> Self;
}

/// Two bytes: days `base..=base + 65535`.
impl DayNumber for u16 {
    #[inline]
    fn day(self, base: i32) -> i32 {
        base + i32::from(self)
    }
    #[inline]
    fn stored(day: i32, base: i32) -> Self {
        (day - base) as u16
    }
}

/// Four bytes: any day (the base is 0).
impl DayNumber for i32 {
    #[inline]
    fn day(self, _base: i32) -> i32 {
        self
    }
    #[inline]
    fn stored(day: i32, _base: i32) -> Self {
        day
    }
}

/// A shard's purchase days: two bytes each as offsets from a base day while every day lies
/// within 179 years of it (any real log), else four bytes each. A shard widens itself when a
/// day outside the range comes (see [`DayVec::fit`]); views read either form.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum DayVec {
    /// Days `base..=base + 65535` as offsets from `base`.
    Narrow { base: i32, days: Vec<u16> },
    /// Day numbers.
    Wide(Vec<i32>),
}

impl Default for DayVec {
    fn default() -> Self {
        DayVec::Narrow {
            base: 0,
            days: Vec::new(),
        }
    }
}

/// Days an empty narrow store reaches back before the earliest day it is first given (the
/// rest of the 65,536 lie after it): rows of a log need not be in date order.
const NARROW_BACK: i32 = 16_384;

impl DayVec {
    /// Number of days stored.
    pub(super) fn len(&self) -> usize {
        match self {
            DayVec::Narrow { days, .. } => days.len(),
            DayVec::Wide(days) => days.len(),
        }
    }

    /// Makes the store able to hold the days `min..=max`: an empty store moves its base, a
    /// narrow one that cannot reach them becomes wide.
    pub(super) fn fit(&mut self, min: i32, max: i32) {
        if let DayVec::Narrow { base, days } = self {
            if days.is_empty() {
                *base = min.saturating_sub(NARROW_BACK);
            }
            let reach = |d: i32| (*base..=base.saturating_add(i32::from(u16::MAX))).contains(&d);
            if !(reach(min) && reach(max)) {
                let base = *base;
                let wide = days.iter().map(|&d| d.day(base)).collect();
                *self = DayVec::Wide(wide);
            }
        }
    }

    /// A view of the days `run`.
    fn slice(&self, run: std::ops::Range<usize>) -> DaySlice<'_> {
        match self {
            DayVec::Narrow { base, days } => DaySlice::Narrow {
                base: *base,
                days: days.get(run).unwrap_or_default(),
            },
            DayVec::Wide(days) => DaySlice::Wide(days.get(run).unwrap_or_default()),
        }
    }
}

/// A borrowed run of a [`DayVec`].
#[derive(Debug, Clone, Copy, PartialEq)]
enum DaySlice<'a> {
    Narrow { base: i32, days: &'a [u16] },
    Wide(&'a [i32]),
}

impl Default for DaySlice<'_> {
    fn default() -> Self {
        DaySlice::Wide(&[])
    }
}

impl<'a> DaySlice<'a> {
    fn len(&self) -> usize {
        match self {
            DaySlice::Narrow { days, .. } => days.len(),
            DaySlice::Wide(days) => days.len(),
        }
    }

    /// The `i`-th day number.
    #[inline]
    fn get(&self, i: usize) -> Option<i32> {
        match *self {
            DaySlice::Narrow { base, days } => days.get(i).map(|&d| d.day(base)),
            DaySlice::Wide(days) => days.get(i).copied(),
        }
    }

    fn split_at(&self, i: usize) -> (DaySlice<'a>, DaySlice<'a>) {
        match *self {
            DaySlice::Narrow { base, days } => {
                let (a, b) = days.split_at(i);
                (
                    DaySlice::Narrow { base, days: a },
                    DaySlice::Narrow { base, days: b },
                )
            }
            DaySlice::Wide(days) => {
                let (a, b) = days.split_at(i);
                (DaySlice::Wide(a), DaySlice::Wide(b))
            }
        }
    }

    /// Number of days on or before `day`.
    fn count_through(&self, day: i32) -> usize {
        match *self {
            DaySlice::Narrow { base, days } => days.partition_point(|&d| d.day(base) <= day),
            DaySlice::Wide(days) => days.partition_point(|&d| d <= day),
        }
    }
}

/// One shard's customers and their purchase days, customers in local order.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct ShardLog {
    pub(super) ids: Vec<IdBytes>,
    pub(super) long_ids: Vec<Box<str>>,
    /// `starts[c]..starts[c + 1]` is customer `c`'s run in `dates` and `amounts`.
    pub(super) starts: Vec<usize>,
    pub(super) dates: DayVec,
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
            dates: self.dates.slice(run.clone()),
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
    dates: DaySlice<'a>,
    amounts: &'a [f64],
}

impl<'a> Days<'a> {
    /// Number of days.
    pub fn len(&self) -> usize {
        self.dates.len()
    }

    /// Whether there are no days.
    pub fn is_empty(&self) -> bool {
        self.dates.len() == 0
    }

    /// The `i`-th day.
    pub fn get(&self, i: usize) -> Option<PurchaseDay> {
        Some(PurchaseDay {
            date: date_of(self.dates.get(i)?),
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
        let (dates, amounts) = (self.dates, self.amounts);
        (0..self.len()).map(move |i| PurchaseDay {
            date: date_of(dates.get(i).unwrap_or_default()),
            amount: amounts.get(i).copied().unwrap_or(0.0),
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
        self.split_at(self.dates.count_through(day))
    }

    /// Whole days from the first to the last day (0 for one day or none).
    pub fn span_days(&self) -> i64 {
        match (
            self.dates.get(0),
            self.len().checked_sub(1).and_then(|i| self.dates.get(i)),
        ) {
            (Some(a), Some(b)) => i64::from(b) - i64::from(a),
            _ => 0,
        }
    }

    /// Whole days from the first day to `date` (0 when there are no days).
    pub fn days_from_first_to(&self, date: NaiveDate) -> i64 {
        self.dates
            .get(0)
            .map_or(0, |a| i64::from(day_of(date)) - i64::from(a))
    }
}
