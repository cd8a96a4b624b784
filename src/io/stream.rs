//! The per-customer tables of `btyd predict` and `btyd clv` written as a stream: customer rows
//! come in blocks, in file order; a group of blocks (about [`GROUP_ROWS`] rows) is computed and
//! formatted in parallel and written in order while the next group is read, so memory is
//! bounded by a few groups whatever the number of customers.
//!
//! A group is cut into tasks of up to 32,768 rows (the unit of parallel work). Within a task,
//! customers sharing a history (x, t_x, T) are computed once ([`PatternIndex`]), and so is the
//! text of the history and of its values; a row then copies its pattern's text and formats only
//! its own numbers (id, monetary value, holdout columns, spend and CLV), numbers that repeat
//! being formatted once per task. A task is large enough that nearly every customer without
//! repeat purchases (the (0, 0, T) patterns, a few hundred) finds its pattern computed, and
//! small enough for its tables to stay in cache and be built in parallel. The output is the
//! same, byte for byte, as [`super::write_predictions`] and [`super::write_clv`] on the same
//! rows:
//!
//! - the same columns ([`super::schema`]) and cells (the cell functions of
//!   [`super::outputs`] are shared), numbers in the shortest round-trip form ([`Num`]), ids
//!   quoted as the `csv` writer quotes them;
//! - the same values: a pattern's values are those of its first customer, bit for bit equal to
//!   every other customer's (the computations are deterministic functions of the history);
//! - the same errors: a customer whose pattern failed is computed on its own by the
//!   per-customer function, which gives the error naming that customer; a non-finite number
//!   is refused naming its column and row, as [`super::write_table`] does.
//!
//! Everything goes through [`atomic_write`]: an error in any block (reading, computing,
//! formatting or writing) leaves no output file behind (a device or FIFO output is written in
//! place and keeps what was written before the error). The first error in row order wins
//! within a group; the batch computation of [`crate::predict::predict_rows`] reports an
//! arbitrary failing customer when several fail.
//!
//! The totals (expected purchases, CLV) are summed row by row in input order, from the same
//! starting value as `Iterator::sum`, so they are identical to summing the whole table; the top
//! customers by CLV are those of a stable sort by decreasing CLV (ties in input order).

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use rayon::prelude::*;

use super::outputs::{clv_cells, prediction_cells};
use super::schema;
use super::summary_csv::SummaryColumns;
use super::table::Cell;
use super::{atomic_write, write_error};
use crate::data::{CustomerSummary, History};
use crate::error::{Error, Location, Num, Result};
use crate::hash::FxBuildHasher;
use crate::models::{PurchaseModel, SpendModel};
use crate::predict::{
    customer_clv_values, history_prediction, predict_customer, purchase_values, ClvValues,
    CustomerClv, CustomerPrediction, PatternIndex, PurchaseValues, Schedule,
};

/// Rows computed and formatted together (the group being processed, the next one being read,
/// the text of one and the previous one being freed are in memory: some 150 MB at most).
pub const GROUP_ROWS: usize = 1 << 18;
/// Rows of one parallel task, within which customers sharing a pattern are computed once (see
/// the module docs); a group makes several tasks per core.
const TASK_ROWS: usize = 1 << 15;
/// Room reserved per row of text.
const ROW_BYTES: usize = 128;

/// What [`stream_predictions`] wrote.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PredictionTotals {
    /// Customers written.
    pub rows: u64,
    /// Σ expected purchases, in row order.
    pub expected_purchases: f64,
}

/// What [`stream_clv`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ClvTotals {
    /// Customers written.
    pub rows: u64,
    /// Σ CLV, in row order.
    pub clv: f64,
    /// The customers of highest CLV, highest first (ties in row order), at most the number
    /// asked for.
    pub top: Vec<CustomerClv>,
}

/// Writes [`schema::customer_predictions`] for the customers of `blocks` (in order) to `path`
/// (`-` is stdout): P(alive) and E[Y(horizon) | x, t_x, T] from `model`, as
/// [`crate::predict::predict_purchases`] and [`super::write_predictions`] would, in bounded
/// memory (see the module docs).
///
/// # Errors
/// The first error of `blocks`; a customer's prediction error ([`predict_customer`]); a
/// non-finite value ([`Error::InvalidData`] naming column and row); [`Error::Io`]. No file is
/// left behind on any of them.
pub fn stream_predictions<I>(
    path: &Path,
    blocks: I,
    columns: SummaryColumns,
    model: &dyn PurchaseModel,
    horizon: f64,
) -> Result<PredictionTotals>
where
    I: IntoIterator<Item = Result<Vec<CustomerSummary>>>,
    I::IntoIter: Send,
{
    predictions_in_groups(path, blocks, columns, model, horizon, GROUP_ROWS)
}

/// [`stream_predictions`] in groups of `group_rows` rows.
fn predictions_in_groups<I>(
    path: &Path,
    blocks: I,
    columns: SummaryColumns,
    model: &dyn PurchaseModel,
    horizon: f64,
    group_rows: usize,
) -> Result<PredictionTotals>
where
    I: IntoIterator<Item = Result<Vec<CustomerSummary>>>,
    I::IntoIter: Send,
{
    let header = schema::customer_predictions(columns.monetary_value, columns.holdout);
    let mut total = OrderedSum::new();
    let rows = write_groups(path, &header, blocks, group_rows, |group| {
        let tasks: Vec<Result<(Vec<u8>, Vec<f64>)>> = group
            .tasks()
            .into_par_iter()
            .map(|(offset, rows)| {
                let index = PatternIndex::new(rows.iter().map(|c| &c.history));
                let values = index.compute(|h| history_prediction(model, h, horizon));
                let text = PatternText::new(&index.histories, &values, |p, out| {
                    push_num(out, p.p_alive);
                    out.push(b',');
                    push_num(out, p.expected_purchases);
                });
                let mut out = Vec::with_capacity(rows.len() * ROW_BYTES);
                let mut sums = Vec::with_capacity(rows.len());
                let mut memo = TextMemo::new();
                for (i, (c, &pattern)) in rows.iter().zip(&index.of_row).enumerate() {
                    let fast = values[pattern].is_some()
                        && text.is_finite(pattern)
                        && prediction_row(&mut out, &mut memo, c, &text, pattern, columns);
                    let p = match values[pattern] {
                        Some(p) if fast => p,
                        _ => {
                            let p = predict_customer(model, c, horizon)?;
                            let cells =
                                prediction_cells(c, &p, columns.monetary_value, columns.holdout);
                            let row = RowRef {
                                path,
                                header: &header,
                                number: group.first_row + (offset + i) as u64 + 1,
                            };
                            row.push_cells(&mut out, cells)?;
                            p
                        }
                    };
                    sums.push(p.expected_purchases);
                }
                Ok((out, sums))
            })
            .collect();
        let mut texts = Vec::with_capacity(tasks.len());
        for task in tasks {
            let (out, sums) = task?;
            sums.into_iter().for_each(|v| total.add(v));
            texts.push(out);
        }
        Ok(texts)
    })?;
    Ok(PredictionTotals {
        rows,
        expected_purchases: total.value(),
    })
}

/// Writes [`schema::CLV_TABLE`] for the customers of `blocks` (in order) to `path` (`-` is
/// stdout), as [`crate::predict::clv`] and [`super::write_clv`] would, in bounded memory (see
/// the module docs), and returns the totals and the `top` customers by CLV.
///
/// # Errors
/// The first error of `blocks`; a customer's CLV error
/// ([`crate::predict::customer_clv`]); a non-finite value; [`Error::Io`]. No file is left
/// behind on any of them.
pub fn stream_clv<I, M, S>(
    path: &Path,
    blocks: I,
    purchases: &M,
    spend: &S,
    schedule: &Schedule,
    top: usize,
) -> Result<ClvTotals>
where
    I: IntoIterator<Item = Result<Vec<CustomerSummary>>>,
    I::IntoIter: Send,
    M: PurchaseModel + ?Sized,
    S: SpendModel + ?Sized,
{
    clv_in_groups(path, blocks, purchases, spend, schedule, top, GROUP_ROWS)
}

/// [`stream_clv`] in groups of `group_rows` rows.
fn clv_in_groups<I, M, S>(
    path: &Path,
    blocks: I,
    purchases: &M,
    spend: &S,
    schedule: &Schedule,
    top: usize,
    group_rows: usize,
) -> Result<ClvTotals>
where
    I: IntoIterator<Item = Result<Vec<CustomerSummary>>>,
    I::IntoIter: Send,
    M: PurchaseModel + ?Sized,
    S: SpendModel + ?Sized,
{
    let header = schema::CLV_TABLE;
    let mut total = OrderedSum::new();
    let mut best = TopClv::new(top);
    let rows = write_groups(path, &header, blocks, group_rows, |group| {
        type TaskOut = (Vec<u8>, Vec<f64>, TopClv);
        let tasks: Vec<Result<TaskOut>> = group
            .tasks()
            .into_par_iter()
            .map(|(offset, rows)| {
                let index = PatternIndex::new(rows.iter().map(|c| &c.history));
                let values = index.compute(|h| purchase_values(purchases, h, schedule).ok());
                let text = PatternText::new(&index.histories, &values, |p, out| {
                    push_num(out, p.p_alive);
                    out.push(b',');
                    if let Some(e) = p.expected_purchases {
                        push_num(out, e);
                    }
                    out.push(b',');
                    push_num(out, p.discounted_purchases);
                });
                let mut out = Vec::with_capacity(rows.len() * ROW_BYTES);
                let mut sums = Vec::with_capacity(rows.len());
                let mut task_best = TopClv::new(top);
                let mut memo = TextMemo::new();
                let mut numbers = TextMemo::new();
                for (i, (c, &pattern)) in rows.iter().zip(&index.of_row).enumerate() {
                    let number = group.first_row + (offset + i) as u64 + 1;
                    let v = customer_clv_values(purchases, spend, c, schedule, values[pattern])?;
                    let fast = values[pattern].is_some()
                        && text.is_finite(pattern)
                        && clv_row(&mut out, &mut memo, &mut numbers, c, &text, pattern, &v);
                    if !fast {
                        let row = RowRef {
                            path,
                            header: &header,
                            number,
                        };
                        row.push_cells(&mut out, clv_cells(c, &v))?;
                    }
                    sums.push(v.clv);
                    task_best.offer(number, c, &v);
                }
                Ok((out, sums, task_best))
            })
            .collect();
        let mut texts = Vec::with_capacity(tasks.len());
        for task in tasks {
            let (out, sums, task_best) = task?;
            sums.into_iter().for_each(|v| total.add(v));
            best.merge(task_best);
            texts.push(out);
        }
        Ok(texts)
    })?;
    Ok(ClvTotals {
        rows,
        clv: total.value(),
        top: best.into_rows(),
    })
}

/// Appends the text of a prediction row from its pattern's text; `false` (with `out`
/// unchanged) when a value of the row's own is not finite or its holdout columns are missing,
/// for the caller to take the checked path.
fn prediction_row(
    out: &mut Vec<u8>,
    memo: &mut TextMemo<u64>,
    c: &CustomerSummary,
    text: &PatternText,
    pattern: usize,
    columns: SummaryColumns,
) -> bool {
    let money = match (columns.monetary_value, c.monetary_value) {
        (true, Some(m)) if !m.is_finite() => return false,
        (true, m) => Some(m),
        (false, _) => None,
    };
    let holdout = match (columns.holdout, c.holdout) {
        (true, Some(ho)) => {
            if ![ho.frequency, ho.monetary_value, ho.duration]
                .iter()
                .all(|v| v.is_finite())
            {
                return false;
            }
            Some(ho)
        }
        (true, None) => return false,
        (false, _) => None,
    };
    push_id(out, &c.customer_id);
    out.push(b',');
    out.extend_from_slice(text.history(pattern));
    if let Some(m) = money {
        out.push(b',');
        if let Some(m) = m {
            push_num_memo(out, memo, m);
        }
    }
    out.push(b',');
    out.extend_from_slice(text.values(pattern));
    if let Some(ho) = holdout {
        for v in [ho.frequency, ho.monetary_value, ho.duration] {
            out.push(b',');
            push_num(out, v);
        }
    }
    out.push(b'\n');
    true
}

/// Appends the text of a CLV row from its pattern's text and its own values `v` (computed
/// from the pattern's values, so that everything after the id depends on the pattern and m̄
/// alone); `false` (with `out` unchanged) when a number of its own is not finite.
fn clv_row(
    out: &mut Vec<u8>,
    memo: &mut TextMemo<(usize, Option<u64>)>,
    numbers: &mut TextMemo<u64>,
    c: &CustomerSummary,
    text: &PatternText,
    pattern: usize,
    v: &ClvValues,
) -> bool {
    let m = c.monetary_value.unwrap_or(0.0);
    if ![m, v.expected_spend, v.clv].iter().all(|x| x.is_finite()) {
        return false;
    }
    push_id(out, &c.customer_id);
    out.push(b',');
    let key = (pattern, c.monetary_value.map(f64::to_bits));
    memo.push(out, key, |out| {
        out.extend_from_slice(text.history(pattern));
        out.push(b',');
        push_num_memo(out, numbers, m);
        out.push(b',');
        out.extend_from_slice(text.values(pattern));
        out.push(b',');
        push_num_memo(out, numbers, v.expected_spend);
        out.push(b',');
        push_num(out, v.clv);
    });
    out.push(b'\n');
    true
}

/// Text already written into one buffer, by key, so that it is copied rather than formatted
/// again: numbers by their bits ([`push_num_memo`]), and the text after the id of CLV rows by
/// pattern and the bits of m̄ (customers without repeat purchases, most of a customer base,
/// share both).
struct TextMemo<K>(HashMap<K, (usize, usize), FxBuildHasher>);

impl<K: std::hash::Hash + Eq> TextMemo<K> {
    fn new() -> Self {
        TextMemo(HashMap::default())
    }

    /// Appends the text of `key`: a copy of where it was written before in `out`, or what
    /// `write` writes (remembered). `write` must write the same text for the same key, and
    /// `out` must not shrink below what was remembered.
    fn push(&mut self, out: &mut Vec<u8>, key: K, write: impl FnOnce(&mut Vec<u8>)) {
        match self.0.get(&key) {
            Some(&(start, end)) => out.extend_from_within(start..end),
            None => {
                let start = out.len();
                write(out);
                self.0.insert(key, (start, out.len()));
            }
        }
    }
}

/// [`push_num`] through a memo of the numbers already written in `out` (whole numbers, which
/// are fast to write, are written directly).
fn push_num_memo(out: &mut Vec<u8>, memo: &mut TextMemo<u64>, v: f64) {
    if is_plain_integer(v) {
        push_num(out, v);
    } else {
        memo.push(out, v.to_bits(), |out| push_num(out, v));
    }
}

/// Rows of a group: whole blocks in input order.
struct Group {
    blocks: Vec<Vec<CustomerSummary>>,
    /// Rows written before this group.
    first_row: u64,
    /// Rows in this group.
    rows: usize,
}

impl Group {
    /// Slices of at most [`TASK_ROWS`] rows, each with the position of its first row in the
    /// group, in row order.
    fn tasks(&self) -> Vec<(usize, &[CustomerSummary])> {
        let mut tasks = Vec::new();
        let mut offset = 0;
        for block in &self.blocks {
            for rows in block.chunks(TASK_ROWS) {
                tasks.push((offset, rows));
                offset += rows.len();
            }
        }
        tasks
    }
}

/// Writes `header`, then pulls `blocks` into groups of at least `group_rows` rows (whole
/// blocks), hands each group to `process` and writes the texts it returns, in order. Returns
/// the number of rows.
///
/// Reading the next group (sequential work, or the streaming reader's) and freeing the
/// previous group run beside the parallel `process` of the current one (`rayon::join`), so
/// the cores stay busy.
fn write_groups<I, F>(
    path: &Path,
    header: &[&str],
    blocks: I,
    group_rows: usize,
    mut process: F,
) -> Result<u64>
where
    I: IntoIterator<Item = Result<Vec<CustomerSummary>>>,
    I::IntoIter: Send,
    F: FnMut(&Group) -> Result<Vec<Vec<u8>>> + Send,
{
    let mut blocks = blocks.into_iter();
    let mut rows = 0u64;
    atomic_write(path, |w| {
        let mut head = csv::Writer::from_writer(Vec::new());
        head.write_record(header)
            .map_err(|e| write_error(std::io::Error::other(e)))?;
        let head = head
            .into_inner()
            .map_err(|e| write_error(std::io::Error::other(e.to_string())))?;
        w.write_all(&head).map_err(write_error)?;
        let mut current = next_group(&mut blocks, 0, group_rows)?;
        while let Some(group) = current {
            let next_first = group.first_row + group.rows as u64;
            let (texts, next) = rayon::join(
                || process(&group),
                || next_group(&mut blocks, next_first, group_rows),
            );
            // The current group's error comes first: its rows precede the next group's.
            let texts = texts?;
            let next = next?;
            for text in &texts {
                w.write_all(text).map_err(write_error)?;
            }
            rows = next_first;
            // Freeing a group's rows (a string each) is sequential work too: done while the
            // next group is processed.
            current = match next {
                Some(next) => {
                    rayon::spawn(move || drop((group, texts)));
                    Some(next)
                }
                None => None,
            };
        }
        Ok(())
    })?;
    Ok(rows)
}

/// The next group of at least `group_rows` rows (whole blocks), or `None` at the end of the
/// input.
fn next_group<I>(blocks: &mut I, first_row: u64, group_rows: usize) -> Result<Option<Group>>
where
    I: Iterator<Item = Result<Vec<CustomerSummary>>>,
{
    let mut group = Group {
        blocks: Vec::new(),
        first_row,
        rows: 0,
    };
    while group.rows < group_rows {
        match blocks.next() {
            Some(block) => {
                let block = block?;
                group.rows += block.len();
                group.blocks.push(block);
            }
            None => break,
        }
    }
    Ok((group.rows > 0).then_some(group))
}

/// The text of each distinct history, `x,t_x,T`, and of its values, in one buffer.
struct PatternText {
    bytes: Vec<u8>,
    /// Start of the history, start of the values, end of the values; `None` when the history
    /// or its values are not finite (or there are no values), which the checked path handles.
    spans: Vec<Option<[usize; 3]>>,
}

impl PatternText {
    /// Formats the histories and their values; `format` is called only for histories whose
    /// values are present and finite.
    fn new<T, F>(histories: &[History], values: &[Option<T>], format: F) -> Self
    where
        T: FinitePattern,
        F: Fn(&T, &mut Vec<u8>),
    {
        let mut bytes = Vec::with_capacity(histories.len() * 64);
        let mut spans = Vec::with_capacity(histories.len());
        // Recency and T take few distinct values when they are whole days in the time unit:
        // each is formatted once and copied after.
        let mut seen = TextMemo::new();
        for (h, v) in histories.iter().zip(values) {
            let numbers = [h.frequency, h.recency, h.age];
            let span = match v {
                Some(v) if v.is_finite() && numbers.iter().all(|x| x.is_finite()) => {
                    let start = bytes.len();
                    for (i, x) in numbers.into_iter().enumerate() {
                        if i > 0 {
                            bytes.push(b',');
                        }
                        push_num_memo(&mut bytes, &mut seen, x);
                    }
                    let mid = bytes.len();
                    format(v, &mut bytes);
                    Some([start, mid, bytes.len()])
                }
                _ => None,
            };
            spans.push(span);
        }
        PatternText { bytes, spans }
    }

    fn is_finite(&self, pattern: usize) -> bool {
        self.spans[pattern].is_some()
    }

    fn history(&self, pattern: usize) -> &[u8] {
        self.spans[pattern].map_or(&[], |[start, mid, _]| &self.bytes[start..mid])
    }

    fn values(&self, pattern: usize) -> &[u8] {
        self.spans[pattern].map_or(&[], |[_, mid, end]| &self.bytes[mid..end])
    }
}

/// Values whose numbers can all be checked finite before they are formatted.
trait FinitePattern {
    fn is_finite(&self) -> bool;
}

impl FinitePattern for CustomerPrediction {
    fn is_finite(&self) -> bool {
        self.p_alive.is_finite() && self.expected_purchases.is_finite()
    }
}

impl FinitePattern for PurchaseValues {
    fn is_finite(&self) -> bool {
        self.p_alive.is_finite()
            && self.discounted_purchases.is_finite()
            && self.expected_purchases.is_none_or(f64::is_finite)
    }
}

/// A row being written on the checked path: where it goes and its number.
struct RowRef<'a> {
    path: &'a Path,
    header: &'a [&'a str],
    /// 1 for the first row after the header.
    number: u64,
}

impl RowRef<'_> {
    /// Appends `cells` as [`super::write_table`] writes them: text quoted as needed, numbers
    /// in [`Num`] form, empty cells empty; a non-finite number is refused naming the column
    /// and row, a row of the wrong length naming the row.
    fn push_cells(&self, out: &mut Vec<u8>, cells: Vec<Cell>) -> Result<()> {
        if cells.len() != self.header.len() {
            return Err(Error::InvalidData {
                location: Location::file(self.path),
                reason: format!(
                    "row {} has {} fields, but the header has {}",
                    self.number,
                    cells.len(),
                    self.header.len()
                ),
            });
        }
        let start = out.len();
        for (i, (name, cell)) in self.header.iter().zip(cells).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            match cell {
                Cell::Text(s) => push_id(out, &s),
                Cell::Num(v) if v.is_finite() => push_num(out, v),
                Cell::Num(v) => {
                    out.truncate(start);
                    return Err(Error::InvalidData {
                        location: Location::file(self.path),
                        reason: format!("column {name} of row {} would hold {v}", self.number),
                    });
                }
                Cell::Empty => {}
            }
        }
        out.push(b'\n');
        Ok(())
    }
}

/// Appends a finite number in its [`Num`] form.
fn push_num(out: &mut Vec<u8>, v: f64) {
    // Writing to a Vec cannot fail. A whole number of magnitude below 2^53 (and not −0) is
    // written by `Num` as its integer digits ("3", "-12", "0"), which integer formatting
    // gives faster.
    if is_plain_integer(v) {
        let _ = write!(out, "{}", v as i64);
    } else {
        let _ = write!(out, "{}", Num(v));
    }
}

/// Whether `v` is a whole number of magnitude below 2^53, and not −0.
fn is_plain_integer(v: f64) -> bool {
    v.fract() == 0.0 && v.abs() < MAX_EXACT_INTEGER && (v != 0.0 || v.is_sign_positive())
}

/// 2^53: below it every whole f64 converts to i64 exactly (and 2^53 < 1e16, the bound of
/// `Num`'s plain form).
const MAX_EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

/// Appends a text field as the `csv` writer (default options) writes it: in double quotes,
/// with quotes doubled, when it holds a comma, a double quote, a carriage return or a line
/// feed; as is otherwise. (A lone empty field, which it would quote, never occurs: every row
/// has several fields.)
fn push_id(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    if bytes
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        out.push(b'"');
        for &b in bytes {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(bytes);
    }
}

/// A sum taken value by value in order, from the starting value of `Iterator::sum` for `f64`,
/// so it equals `values.iter().sum()` over all the values bit for bit.
struct OrderedSum(f64);

impl OrderedSum {
    fn new() -> Self {
        OrderedSum(std::iter::empty::<f64>().sum())
    }

    fn add(&mut self, v: f64) {
        self.0 += v;
    }

    fn value(&self) -> f64 {
        self.0
    }
}

/// The `n` customers of highest CLV seen so far, as a stable sort by decreasing CLV
/// (`f64::total_cmp`) would rank them: ties go to the earlier row.
struct TopClv {
    n: usize,
    /// Candidates (row number, values, id); sorted and cut to `n` when it grows past 2n.
    entries: Vec<(u64, CustomerClv)>,
    /// The worst kept entry after the last cut, once `n` are kept: later rows must beat it.
    floor: Option<f64>,
}

impl TopClv {
    fn new(n: usize) -> Self {
        TopClv {
            n,
            entries: Vec::new(),
            floor: None,
        }
    }

    /// Offers row `number` (rows are offered in increasing order).
    fn offer(&mut self, number: u64, c: &CustomerSummary, v: &ClvValues) {
        if self.n == 0 || self.floor.is_some_and(|f| v.clv.total_cmp(&f).is_le()) {
            return;
        }
        self.entries.push((
            number,
            CustomerClv {
                customer_id: c.customer_id.clone(),
                p_alive: v.p_alive,
                expected_purchases: v.expected_purchases,
                discounted_purchases: v.discounted_purchases,
                expected_spend: v.expected_spend,
                clv: v.clv,
            },
        ));
        if self.entries.len() >= 2 * self.n.max(8) {
            self.cut();
        }
    }

    /// Keeps the best `n` entries, best first.
    fn cut(&mut self) {
        self.entries
            .sort_by(|a, b| b.1.clv.total_cmp(&a.1.clv).then(a.0.cmp(&b.0)));
        self.entries.truncate(self.n);
        if self.entries.len() == self.n {
            self.floor = self.entries.last().map(|e| e.1.clv);
        }
    }

    /// Adds the candidates of a later part of the input (whose rows all come after ours).
    fn merge(&mut self, other: TopClv) {
        self.entries.extend(other.entries);
        self.cut();
    }

    fn into_rows(mut self) -> Vec<CustomerClv> {
        self.cut();
        self.entries.into_iter().map(|e| e.1).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Holdout, Summary, TimeUnit};
    use crate::io::{write_clv, write_predictions, write_table};
    use crate::models::{BgNbd, GammaGamma, ParetoNbd};
    use crate::predict::{clv, customer_clv, predict_purchases, ClvOptions, DiscountRate, Horizon};

    fn bg_nbd() -> BgNbd {
        BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap()
    }

    fn gamma_gamma() -> GammaGamma {
        GammaGamma::new(6.25, 3.74, 15.44).unwrap()
    }

    /// `n` customers whose histories repeat (every 7th is (0, 0, T) with T among 5 values,
    /// others cycle through 40 patterns), with money and holdout columns.
    fn customers(n: usize) -> Vec<CustomerSummary> {
        (0..n)
            .map(|i| {
                let history = if i % 7 == 0 {
                    History {
                        frequency: 0.0,
                        recency: 0.0,
                        age: 20.0 + (i % 5) as f64 / 7.0,
                    }
                } else {
                    let k = (i % 40) as f64;
                    History {
                        frequency: 1.0 + k % 6.0,
                        recency: 3.0 + k * 0.37,
                        age: 20.0 + k * 0.5,
                    }
                };
                CustomerSummary {
                    customer_id: if i % 11 == 0 {
                        format!("c,{i} \"q\"")
                    } else {
                        format!("c{i}")
                    },
                    monetary_value: Some(if history.frequency > 0.0 {
                        10.0 + (i % 13) as f64 * 0.31
                    } else {
                        0.0
                    }),
                    history,
                    holdout: Some(Holdout {
                        frequency: (i % 3) as f64,
                        monetary_value: (i % 3) as f64 * 2.5,
                        duration: 39.0,
                    }),
                }
            })
            .collect()
    }

    /// The rows cut into blocks of uneven sizes (empty ones included).
    fn blocks(rows: &[CustomerSummary]) -> Vec<Result<Vec<CustomerSummary>>> {
        let sizes = [0, 1, 7, 300, 0, 129, 64, 1000];
        let mut out = Vec::new();
        let mut start = 0;
        let mut k = 0;
        while start < rows.len() {
            let end = (start + sizes[k % sizes.len()]).min(rows.len());
            out.push(Ok(rows[start..end].to_vec()));
            start = end;
            k += 1;
        }
        out
    }

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    #[test]
    fn predictions_equal_the_whole_table_across_groups() {
        let dir = tempfile::tempdir().unwrap();
        let model = bg_nbd();
        let rows = customers(5000);
        for (money, holdout) in [(true, true), (false, false), (true, false)] {
            let rows: Vec<CustomerSummary> = rows
                .iter()
                .cloned()
                .map(|mut c| {
                    if !money {
                        c.monetary_value = None;
                    }
                    if !holdout {
                        c.holdout = None;
                    }
                    c
                })
                .collect();
            let summary = Summary::new(TimeUnit::Week, rows.clone());
            let expected = dir.path().join("whole.csv");
            let preds = predict_purchases(&model, &summary, 39.0).unwrap();
            write_predictions(&expected, &summary, &preds).unwrap();
            let columns = SummaryColumns {
                monetary_value: money,
                holdout,
                monetary_value_holdout: money && holdout,
            };
            for group_rows in [1, 333, 1 << 20] {
                let path = dir.path().join("stream.csv");
                let totals =
                    predictions_in_groups(&path, blocks(&rows), columns, &model, 39.0, group_rows)
                        .unwrap();
                assert_eq!(read(&path), read(&expected), "group of {group_rows}");
                assert_eq!(totals.rows, 5000);
                let sum: f64 = preds.iter().map(|p| p.expected_purchases).sum();
                assert_eq!(totals.expected_purchases.to_bits(), sum.to_bits());
            }
        }
    }

    #[test]
    fn clv_equals_the_whole_table_across_groups() {
        let dir = tempfile::tempdir().unwrap();
        let rows = customers(800);
        let summary = Summary::new(TimeUnit::Week, rows.clone());
        let (bg, pareto, gg) = (
            bg_nbd(),
            ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap(),
            gamma_gamma(),
        );
        let options = [
            ClvOptions::monthly(52.0, TimeUnit::Week, DiscountRate::Annual(0.1)),
            ClvOptions::discrete(20.0, 3.0, DiscountRate::PerUnit(0.01)).with_margin(0.3),
            ClvOptions::continuous(Horizon::Finite(52.0), DiscountRate::Annual(0.1)),
            ClvOptions::continuous(Horizon::Infinite, DiscountRate::Annual(0.1)),
        ];
        // An infinite horizon integrates BG/NBD numerically (slowly); Pareto/NBD has a closed
        // form.
        let cases = options[..3]
            .iter()
            .map(|o| (&bg as &dyn PurchaseModel, o))
            .chain([&options[0], &options[3]].map(|o| (&pareto as &dyn PurchaseModel, o)));
        for (model, opts) in cases {
            let expected = dir.path().join("whole.csv");
            let values = clv(model, &gg, &summary, opts).unwrap();
            write_clv(&expected, &summary, &values).unwrap();
            let total: f64 = values.iter().map(|r| r.clv).sum();
            let mut order: Vec<&CustomerClv> = values.iter().collect();
            order.sort_by(|a, b| b.clv.total_cmp(&a.clv));
            let schedule = opts.schedule(TimeUnit::Week).unwrap();
            for group_rows in [1, 500] {
                let path = dir.path().join("stream.csv");
                let totals =
                    clv_in_groups(&path, blocks(&rows), model, &gg, &schedule, 25, group_rows)
                        .unwrap();
                assert_eq!(
                    read(&path),
                    read(&expected),
                    "{opts:?}, group of {group_rows}"
                );
                assert_eq!(totals.rows, 800);
                assert_eq!(totals.clv.to_bits(), total.to_bits());
                let top: Vec<&CustomerClv> = totals.top.iter().collect();
                assert_eq!(top, order[..25].to_vec());
            }
        }
    }

    #[test]
    fn shared_patterns_in_different_blocks_and_groups_give_the_same_values() {
        let dir = tempfile::tempdir().unwrap();
        let model = bg_nbd();
        let rows = customers(2000);
        let path = dir.path().join("stream.csv");
        let columns = SummaryColumns {
            monetary_value: true,
            holdout: true,
            monetary_value_holdout: true,
        };
        predictions_in_groups(&path, blocks(&rows), columns, &model, 39.0, 100).unwrap();
        let text = read(&path);
        // Rows 0, 35, 70, ... share (0, 0, 20) and m̄ = 0 and lie in different blocks and
        // groups; their text after the id is the same, and it is the per-customer value.
        let lines: Vec<&str> = text.lines().skip(1).collect();
        let mut seen = 0;
        for i in (0..2000).step_by(35) {
            if rows[i].customer_id.contains(',') {
                continue;
            }
            let p = predict_customer(&model, &rows[i], 39.0).unwrap();
            let h = rows[i].holdout.unwrap();
            let tail = format!(
                "0,0,20,0,{},{},{},{},39",
                Num(p.p_alive),
                Num(p.expected_purchases),
                Num(h.frequency),
                Num(h.monetary_value)
            );
            assert_eq!(
                lines[i],
                format!("{},{tail}", rows[i].customer_id),
                "row {i}"
            );
            seen += 1;
        }
        assert!(seen > 30);
        // The same for CLV, against the uncached per-customer computation.
        let gg = gamma_gamma();
        let schedule = ClvOptions::monthly(52.0, TimeUnit::Week, DiscountRate::Annual(0.1))
            .schedule(TimeUnit::Week)
            .unwrap();
        clv_in_groups(&path, blocks(&rows), &model, &gg, &schedule, 0, 100).unwrap();
        let text = read(&path);
        let lines: Vec<&str> = text.lines().skip(1).collect();
        for i in (1..2000).step_by(40) {
            let c = &rows[i];
            let r = customer_clv(&model, &gg, c, &schedule).unwrap();
            let mut expected = Vec::new();
            RowRef {
                path: &path,
                header: &schema::CLV_TABLE,
                number: 0,
            }
            .push_cells(&mut expected, clv_cells(c, &r.values()))
            .unwrap();
            assert_eq!(
                format!("{}\n", lines[i]),
                String::from_utf8(expected).unwrap()
            );
        }
    }

    #[test]
    fn an_error_in_a_late_block_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let model = bg_nbd();
        let rows = customers(3000);
        let columns = SummaryColumns {
            monetary_value: true,
            holdout: true,
            monetary_value_holdout: true,
        };
        let late_error = || {
            let mut b = blocks(&rows);
            b.push(Err(Error::InvalidData {
                location: Location::file("in.csv").at_line(3002),
                reason: "bad row".into(),
            }));
            b.extend(blocks(&rows[..10]));
            b
        };
        let err =
            predictions_in_groups(&path, late_error(), columns, &model, 39.0, 100).unwrap_err();
        assert!(err.to_string().contains("in.csv, line 3002"), "{err}");
        assert!(!path.exists());
        // An existing output is left as it was; CLV fails the same way.
        std::fs::write(&path, "old").unwrap();
        let gg = gamma_gamma();
        let schedule = ClvOptions::monthly(52.0, TimeUnit::Week, DiscountRate::Annual(0.1))
            .schedule(TimeUnit::Week)
            .unwrap();
        assert!(clv_in_groups(&path, late_error(), &model, &gg, &schedule, 5, 100).is_err());
        assert_eq!(read(&path), "old");
        // A customer's error late in the input: the per-customer function's error.
        let mut bad = rows.clone();
        bad[2500].monetary_value = None;
        let expected = customer_clv(&model, &gg, &bad[2500], &schedule).unwrap_err();
        let err = clv_in_groups(&path, blocks(&bad), &model, &gg, &schedule, 5, 100).unwrap_err();
        assert_eq!(err.to_string(), expected.to_string());
        assert_eq!(read(&path), "old");
        // A non-finite value of the row's own: refused as write_table refuses it.
        std::fs::remove_file(&path).unwrap();
        bad = rows.clone();
        bad[2999].monetary_value = Some(f64::INFINITY);
        let err =
            predictions_in_groups(&path, blocks(&bad), columns, &model, 39.0, 100).unwrap_err();
        let cells = bad
            .iter()
            .map(|c| {
                let p = predict_customer(&model, c, 39.0).unwrap();
                prediction_cells(c, &p, true, true)
            })
            .collect::<Vec<_>>();
        let header = schema::customer_predictions(true, true);
        let expected = write_table(&path, &header, cells).unwrap_err();
        assert_eq!(err.to_string(), expected.to_string());
        assert!(!path.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no temporary file"
        );
    }

    #[test]
    fn numbers_are_written_as_num_writes_them() {
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -3.0,
            12.0,
            1e15,
            9_007_199_254_740_991.0,
            9_007_199_254_740_992.0,
            9_007_199_254_740_994.0,
            1e16,
            -1e17,
            0.1,
            1e-5,
            9.99e-6,
            1e-300,
            5e-324,
            f64::MAX,
            38.857142857142854,
            0.7266203005765157,
        ];
        values.extend((0..2000).map(|k| f64::from(k) / 7.0));
        values.extend((0..200).map(|k| 1.37f64.powi(k - 100)));
        let mut memo = TextMemo::new();
        let mut memoised = Vec::new();
        for &v in values.iter().chain(&values) {
            let mut out = Vec::new();
            push_num(&mut out, v);
            assert_eq!(String::from_utf8(out).unwrap(), Num(v).to_string(), "{v:e}");
            push_num_memo(&mut memoised, &mut memo, v);
            memoised.push(b' ');
        }
        let expected: String = values
            .iter()
            .chain(&values)
            .map(|&v| format!("{} ", Num(v)))
            .collect();
        assert_eq!(String::from_utf8(memoised).unwrap(), expected);
    }

    #[test]
    fn ids_are_quoted_as_the_csv_writer_quotes_them() {
        for id in [
            "plain",
            "a,b",
            "say \"hi\"",
            "cr\rlf\n",
            "ünï",
            " spaced ",
            "'",
        ] {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record([id, "1"]).unwrap();
            let expected = w.into_inner().unwrap();
            let mut out = Vec::new();
            push_id(&mut out, id);
            out.extend_from_slice(b",1\n");
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&expected)
            );
        }
    }

    #[test]
    fn ordered_sum_equals_iterator_sum() {
        let values = [0.1, 0.2, 1e16, -1e16, 0.3, -0.0];
        let mut s = OrderedSum::new();
        values.iter().for_each(|&v| s.add(v));
        assert_eq!(s.value().to_bits(), values.iter().sum::<f64>().to_bits());
        let mut empty = OrderedSum::new();
        assert_eq!(
            empty.value().to_bits(),
            std::iter::empty::<f64>().sum::<f64>().to_bits()
        );
        empty.add(-0.0);
        assert_eq!(
            empty.value().to_bits(),
            [-0.0f64].iter().sum::<f64>().to_bits()
        );
    }

    #[test]
    fn top_customers_rank_as_a_stable_sort() {
        let clvs: [f64; 12] = [3.0, 5.0, 5.0, 1.0, 5.0, 4.0, 3.0, 5.0, 0.0, -0.0, 4.0, 5.0];
        let customers: Vec<CustomerSummary> = (0..clvs.len())
            .map(|i| CustomerSummary {
                customer_id: i.to_string(),
                history: History {
                    frequency: 0.0,
                    recency: 0.0,
                    age: 1.0,
                },
                monetary_value: None,
                holdout: None,
            })
            .collect();
        let mut order: Vec<usize> = (0..clvs.len()).collect();
        order.sort_by(|&a, &b| clvs[b].total_cmp(&clvs[a]));
        for n in [0, 1, 3, 5, 12, 20] {
            // Offered in two parts, merged as the pipeline merges its tasks.
            let mut all = TopClv::new(n);
            for part in [0..5, 5..clvs.len()] {
                let mut t = TopClv::new(n);
                for i in part {
                    let v = ClvValues {
                        p_alive: 1.0,
                        expected_purchases: None,
                        discounted_purchases: 1.0,
                        expected_spend: 1.0,
                        clv: clvs[i],
                    };
                    t.offer(i as u64 + 1, &customers[i], &v);
                }
                all.merge(t);
            }
            let ids: Vec<String> = all.into_rows().into_iter().map(|r| r.customer_id).collect();
            let expected: Vec<String> = order.iter().take(n).map(|i| i.to_string()).collect();
            assert_eq!(ids, expected, "top {n}");
        }
    }
}
