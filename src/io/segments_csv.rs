//! The files of `btyd segment`: the CLV table it reads (as `btyd clv` writes it), CAC files,
//! customer attribute files, and what it writes: the per-customer segments, the summary per
//! group, and the CLV concentration and value tier × churn risk charts.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::csv_table::{CsvTable, RowErrors};
use super::kpi_csv::beside;
use super::plot::{self, Labels, Series};
use super::schema;
use super::table::{Cell, Table};
use crate::decide::{tier_churn_counts, CacKey, CacTable, ChurnRisk, CustomerValue, Segmentation};
use crate::error::{Error, Location, Result};

/// Column of a CAC file holding the cost.
pub const CAC: &str = "cac";

fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// A number in a cell: finite, or an error naming the file, line and field.
fn number<R: Read>(t: &CsvTable<R>, col: usize) -> Result<f64> {
    let text = t.text(col);
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(Error::InvalidData {
            location: t.at(col),
            reason: format!("'{text}' is not a finite number"),
        }),
    }
}

/// Reads a CLV table as `btyd clv` writes it ([`schema::CLV_TABLE`]): `customer_id,
/// frequency, recency, T, monetary_value, p_alive, clv` are required, `expected_purchases` may
/// be missing or empty. With `attribute`, also returns that column's text per customer when
/// the file has it.
///
/// # Errors
/// [`Error::InvalidData`] naming the file, line and field for a missing column, a value that
/// is not a finite number, a P(alive) outside [0, 1], a negative frequency, recency or T, a
/// duplicate customer, an empty id, or no rows (every bad row up to ten is listed);
/// [`Error::Io`] / [`Error::Csv`] for unreadable files.
pub fn read_clv_values(
    path: &Path,
    attribute: Option<&str>,
) -> Result<(Vec<CustomerValue>, Option<Vec<String>>)> {
    let mut t = CsvTable::new(open(path)?, path)?;
    let id = t.required(&[schema::CUSTOMER_ID])?;
    let mut cols = Vec::new();
    for name in [
        schema::FREQUENCY,
        schema::RECENCY,
        schema::AGE,
        schema::MONETARY_VALUE,
        schema::P_ALIVE,
        schema::CLV,
    ] {
        cols.push(t.required(&[name]).map_err(|e| match e {
            Error::InvalidData { location, reason } => Error::InvalidData {
                location,
                reason: format!("{reason}; segment reads the CSV that `btyd clv` writes"),
            },
            e => e,
        })?);
    }
    let expected = t.find(&[schema::EXPECTED_PURCHASES]);
    let attr_col = attribute.and_then(|a| t.find(&[a]));
    let mut values = Vec::new();
    let mut attrs = Vec::new();
    let mut errors = RowErrors::default();
    let mut seen = std::collections::HashMap::new();
    while t.next_record()? {
        let row = (|| -> Result<CustomerValue> {
            let mut v = [0.0; 6];
            for (slot, &c) in v.iter_mut().zip(&cols) {
                *slot = number(&t, c)?;
            }
            // Frequency, recency and T; a mean spend may be negative with returns.
            for (k, &c) in cols.iter().enumerate().take(3) {
                if v[k] < 0.0 {
                    return Err(Error::InvalidData {
                        location: t.at(c),
                        reason: format!("{} is negative", v[k]),
                    });
                }
            }
            if !(0.0..=1.0).contains(&v[4]) {
                return Err(Error::InvalidData {
                    location: t.at(cols[4]),
                    reason: format!("P(alive) {} is not in [0, 1]", v[4]),
                });
            }
            let expected_purchases = match expected {
                Some(c) if !t.text(c).is_empty() => Some(number(&t, c)?),
                _ => None,
            };
            let customer_id = t.text(id).to_string();
            if customer_id.is_empty() {
                return Err(Error::InvalidData {
                    location: t.at(id),
                    reason: "the customer id is empty".into(),
                });
            }
            if let Some(first) = seen.insert(customer_id.clone(), t.line()) {
                return Err(Error::InvalidData {
                    location: t.at(id),
                    reason: format!("customer '{customer_id}' is also on line {first}"),
                });
            }
            Ok(CustomerValue {
                customer_id,
                frequency: v[0],
                recency: v[1],
                age: v[2],
                monetary_value: v[3],
                p_alive: v[4],
                expected_purchases,
                clv: v[5],
            })
        })();
        match row {
            Ok(v) => {
                if let Some(c) = attr_col {
                    attrs.push(t.text(c).to_string());
                }
                values.push(v);
            }
            Err(e) => errors.push(e),
        }
    }
    errors.into_result(&t.file())?;
    if values.is_empty() {
        return Err(Error::InvalidData {
            location: t.file(),
            reason: "the CLV table has no customers".into(),
        });
    }
    Ok((values, attr_col.map(|_| attrs)))
}

/// Reads a CAC file: a `cac` column and one key column, `customer_id` (one CAC per customer)
/// or any other name (one CAC per value of that customer attribute, e.g. `channel`).
///
/// # Errors
/// [`Error::InvalidData`] naming the file, line and field for a missing `cac` column, a header
/// without exactly one other column, a CAC that is negative or not a finite number, an empty
/// key, or no rows; [`Error::Io`] / [`Error::Csv`].
pub fn read_cac(path: &Path) -> Result<CacTable> {
    let mut t = CsvTable::new(open(path)?, path)?;
    let cac = t.required(&[CAC])?;
    let names: Vec<String> = t.header().names().to_vec();
    let others: Vec<usize> = (0..names.len()).filter(|&i| i != cac).collect();
    let [key] = others[..] else {
        return Err(Error::InvalidData {
            location: t.file().at_line(1),
            reason: format!(
                "a CAC file has two columns, 'cac' and its key (customer_id, or a column such \
                 as channel); this one has {}",
                names.join(", ")
            ),
        });
    };
    let key_kind = if names[key] == schema::CUSTOMER_ID {
        CacKey::Customer
    } else {
        CacKey::Column(names[key].clone())
    };
    let mut rows = Vec::new();
    let mut errors = RowErrors::default();
    while t.next_record()? {
        let row = (|| -> Result<(String, f64, u64)> {
            let v = number(&t, cac)?;
            if v < 0.0 {
                return Err(Error::InvalidData {
                    location: t.at(cac),
                    reason: format!("the CAC {v} is negative"),
                });
            }
            let k = t.text(key);
            if k.is_empty() {
                return Err(Error::InvalidData {
                    location: t.at(key),
                    reason: "the key is empty".into(),
                });
            }
            Ok((k.to_string(), v, t.line()))
        })();
        match row {
            Ok(r) => rows.push(r),
            Err(e) => errors.push(e),
        }
    }
    errors.into_result(&t.file())?;
    if rows.is_empty() {
        return Err(Error::InvalidData {
            location: t.file(),
            reason: "the CAC file has no rows".into(),
        });
    }
    Ok(CacTable {
        source: path.to_path_buf(),
        key: key_kind,
        rows,
    })
}

/// Reads the column `column` of a CSV keyed by `customer_id` (e.g. a summary with an
/// acquisition channel), in the order of `customers`.
///
/// # Errors
/// [`Error::InvalidData`] for a missing column, or a customer of `customers` the file does
/// not have; [`Error::Io`] / [`Error::Csv`].
pub fn read_attribute(
    path: &Path,
    column: &str,
    customers: &[CustomerValue],
) -> Result<Vec<String>> {
    let mut t = CsvTable::new(open(path)?, path)?;
    let id = t.required(&[schema::CUSTOMER_ID])?;
    let col = t.required(&[column])?;
    let mut map = std::collections::HashMap::new();
    while t.next_record()? {
        map.insert(t.text(id).to_string(), t.text(col).to_string());
    }
    customers
        .iter()
        .map(|c| {
            map.get(&c.customer_id)
                .cloned()
                .ok_or_else(|| Error::InvalidData {
                    location: Location::file(path),
                    reason: format!("customer '{}' is missing (no {column})", c.customer_id),
                })
        })
        .collect()
}

/// Columns of the segments table (CAC columns only with a CAC).
pub fn segment_columns(with_cac: bool) -> Vec<&'static str> {
    let mut h = vec![
        schema::CUSTOMER_ID,
        schema::FREQUENCY,
        schema::RECENCY,
        schema::AGE,
        schema::MONETARY_VALUE,
        schema::P_ALIVE,
        schema::EXPECTED_PURCHASES,
        schema::CLV,
        "clv_rank",
        "value_tier",
        "rfm_r",
        "rfm_f",
        "rfm_m",
        "rfm_segment",
        "churn_risk",
    ];
    if with_cac {
        h.extend(["cac", "net_clv", "clv_to_cac"]);
    }
    h
}

/// Columns of the segments summary.
pub const SUMMARY_COLUMNS: [&str; 10] = [
    "grouping",
    "group",
    "customers",
    "share_customers",
    "total_clv",
    "mean_clv",
    "share_clv",
    "mean_p_alive",
    "expected_purchases",
    "mean_net_clv",
];

/// The per-customer table, in input order.
pub fn segments_table(values: &[CustomerValue], seg: &Segmentation) -> Table {
    let with_cac = seg.customers.iter().any(|c| c.cac.is_some());
    let mut t = Table::new(
        segment_columns(with_cac)
            .into_iter()
            .map(String::from)
            .collect(),
    );
    for (v, s) in values.iter().zip(&seg.customers) {
        let mut row: Vec<Cell> = vec![
            v.customer_id.as_str().into(),
            v.frequency.into(),
            v.recency.into(),
            v.age.into(),
            v.monetary_value.into(),
            v.p_alive.into(),
            v.expected_purchases.into(),
            v.clv.into(),
            (s.clv_rank as f64).into(),
            seg.tier_labels[s.tier].as_str().into(),
            f64::from(s.rfm_r).into(),
            f64::from(s.rfm_f).into(),
            f64::from(s.rfm_m).into(),
            s.rfm_segment.into(),
            s.churn_risk.as_str().into(),
        ];
        if with_cac {
            row.extend([s.cac.into(), s.net_clv.into(), s.clv_to_cac.into()]);
        }
        t.rows.push(row);
    }
    t
}

/// The summary per group.
pub fn segments_summary_table(seg: &Segmentation) -> Table {
    let mut t = Table::new(SUMMARY_COLUMNS.map(String::from).to_vec());
    for g in &seg.summary {
        t.rows.push(vec![
            g.grouping.into(),
            g.group.as_str().into(),
            (g.customers as f64).into(),
            g.share_customers.into(),
            g.total_clv.into(),
            g.mean_clv.into(),
            g.share_clv.into(),
            g.mean_p_alive.into(),
            g.expected_purchases.into(),
            g.mean_net_clv.into(),
        ]);
    }
    t
}

/// The CLV concentration curve: share of the total CLV held by the top customers, against
/// equal shares.
///
/// # Errors
/// [`Error::Plot`] when the total CLV is not positive.
pub fn concentration_svg(seg: &Segmentation) -> Result<String> {
    let title = "CLV concentration: share of the total CLV held by the most valuable customers";
    if seg.concentration.is_empty() {
        return Err(Error::Plot {
            chart: title.into(),
            reason: "the total CLV is not positive".into(),
        });
    }
    let x: Vec<f64> = seg.concentration.iter().map(|p| 100.0 * p.0).collect();
    let y: Vec<f64> = seg.concentration.iter().map(|p| 100.0 * p.1).collect();
    let top20 = seg
        .concentration
        .iter()
        .find(|p| p.0 >= 0.2 - 1e-12)
        .map_or(0.0, |p| 100.0 * p.1);
    plot::time_lines_svg(
        Labels {
            title,
            x: "customers, from the highest CLV (% of customers)",
            y: "share of the total CLV (%)",
        },
        &x,
        &[
            Series::new(format!("CLV (top 20% hold {top20:.1}%)"), &y),
            Series::new("equal CLV for everyone", &x),
        ],
        Some((20.0, "top 20% of customers")),
    )
}

/// Customers per value tier and churn risk, as grouped bars.
///
/// # Errors
/// [`Error::Plot`] when the chart cannot be drawn.
pub fn tier_churn_svg(seg: &Segmentation, churn_threshold: f64) -> Result<String> {
    let counts = tier_churn_counts(seg);
    let series: Vec<Series> = ChurnRisk::ALL
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let v: Vec<f64> = counts.iter().map(|row| row[k] as f64).collect();
            Series::new(r.as_str(), &v)
        })
        .collect();
    let title =
        format!("Customers by value tier and churn risk (at risk: P(alive) < {churn_threshold})");
    plot::grouped_bars_svg(
        Labels {
            title: &title,
            x: "value tier (by CLV)",
            y: "customers",
        },
        &seg.tier_labels,
        &series,
    )
}

/// Writes the segments table to `path`, the summary to `STEM_summary.csv` and the charts to
/// `STEM_concentration.svg` and `STEM_tier_churn.svg` beside it; returns the paths written. The
/// charts are drawn before anything is written. No concentration chart is written when the
/// total CLV is not positive.
///
/// # Errors
/// Those of the writers.
pub fn write_segments(
    path: &Path,
    values: &[CustomerValue],
    seg: &Segmentation,
    churn_threshold: f64,
) -> Result<Vec<PathBuf>> {
    let concentration = concentration_svg(seg).ok();
    let tiers = tier_churn_svg(seg, churn_threshold)?;
    let summary = beside(path, "summary.csv");
    segments_table(values, seg).write(path)?;
    segments_summary_table(seg).write(&summary)?;
    let mut files = vec![path.to_path_buf(), summary];
    if let Some(svg) = concentration {
        let p = beside(path, "concentration.svg");
        plot::write_svg(&p, &svg)?;
        files.push(p);
    }
    let p = beside(path, "tier_churn.svg");
    plot::write_svg(&p, &tiers)?;
    files.push(p);
    Ok(files)
}
