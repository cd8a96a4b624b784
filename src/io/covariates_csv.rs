//! Covariate files (`--covariates COV.csv`) and their coding into design vectors.
//!
//! A covariate file is a CSV with a header and a `customer_id` column; every other column is a
//! covariate. A column whose every value is a finite number is **numeric** and is used as it
//! is (or standardised, (v − mean)/sd over the file's customers, with `--standardize`; the mean
//! and sd are recorded in the model file so predictions apply the same transformation). Any
//! other column is **categorical**: it is one-hot coded with its levels sorted (byte order),
//! the **first level in sorted order is the reference** (no column), and every other level gets
//! a 0/1 design column named `column=level`. The coding ([`CovariateCoding`]) is recorded in
//! the model file and applied unchanged to the files given to `predict` and `clv`: a level
//! not seen in the fit, a non-numeric value in a numeric column or a customer missing from the
//! file is an error naming it.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::csv_table::CsvTable;
use crate::error::{Error, Location, Result};

/// The key column of a covariate file.
pub const KEY: &str = "customer_id";

/// A covariate file read whole: its columns and each customer's raw values.
#[derive(Debug, Clone)]
pub struct CovariateTable {
    /// The file it was read from.
    pub path: PathBuf,
    /// The covariate columns (every column but `customer_id`), in file order.
    pub columns: Vec<String>,
    /// The customer ids in file order.
    pub ids: Vec<String>,
    /// Raw values per customer (rows in file order, one value per column).
    pub rows: Vec<Vec<String>>,
    index: HashMap<String, usize>,
}

impl CovariateTable {
    /// Reads a covariate file.
    ///
    /// # Errors
    /// [`Error::Io`]/[`Error::Csv`] when it cannot be read; [`Error::InvalidData`] without a
    /// `customer_id` column, with a duplicate or empty id, an empty value, or a row of the wrong
    /// length.
    pub fn read(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_reader(file, path)
    }

    /// Reads a covariate file from `reader`; `path` names it in errors.
    ///
    /// # Errors
    /// Those of [`CovariateTable::read`].
    pub fn from_reader(reader: impl std::io::Read, path: &Path) -> Result<Self> {
        let mut t = CsvTable::new(reader, path)?;
        let header = t.header().names().to_vec();
        let key = t.find(&[KEY]).ok_or_else(|| Error::InvalidData {
            location: t.file().at_line(t.header().line()),
            reason: format!("no '{KEY}' column (columns: {})", header.join(", ")),
        })?;
        let columns: Vec<String> = header
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != key)
            .map(|(_, h)| h.clone())
            .collect();
        let mut ids = Vec::new();
        let mut rows = Vec::new();
        let mut index = HashMap::new();
        // Records have as many fields as the header: the csv reader refuses others.
        while t.next_record()? {
            let id = t.text(key).to_string();
            let invalid = |col: usize, reason: String| Error::InvalidData {
                location: t.at(col),
                reason,
            };
            if id.is_empty() {
                return Err(invalid(key, "empty customer id".into()));
            }
            let values: Vec<String> = (0..header.len())
                .filter(|&i| i != key)
                .map(|i| t.text(i).to_string())
                .collect();
            if let Some(c) = (0..header.len()).find(|&i| i != key && t.text(i).is_empty()) {
                return Err(invalid(c, format!("customer {id}: empty value")));
            }
            if index.insert(id.clone(), ids.len()).is_some() {
                return Err(invalid(key, format!("duplicate customer id {id}")));
            }
            ids.push(id);
            rows.push(values);
        }
        Ok(CovariateTable {
            path: path.to_path_buf(),
            columns,
            ids,
            rows,
            index,
        })
    }

    /// The raw values of customer `id`.
    ///
    /// # Errors
    /// [`Error::InvalidData`] naming the file and the customer when it is missing.
    pub fn row(&self, id: &str) -> Result<&[String]> {
        self.index
            .get(id)
            .map(|&i| self.rows[i].as_slice())
            .ok_or_else(|| Error::InvalidData {
                location: Location::file(&self.path).at_field(KEY),
                reason: format!("customer {id} is missing from the covariate file"),
            })
    }

    fn column(&self, name: &str) -> Result<usize> {
        self.columns
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| Error::InvalidData {
                location: Location::file(&self.path).at_field(name),
                reason: format!(
                    "no covariate column '{name}' (available: {})",
                    self.columns.join(", ")
                ),
            })
    }
}

/// How one covariate column becomes design columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Coding {
    /// A number used as it is, or standardised as (v − mean)/sd.
    Numeric {
        /// The mean subtracted, with `--standardize`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mean: Option<f64>,
        /// The standard deviation divided by, with `--standardize`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sd: Option<f64>,
    },
    /// One-hot coding: `levels` sorted, the first the reference (no design column).
    Categorical {
        /// Every level seen in the fit, sorted; `levels[0]` is the reference.
        levels: Vec<String>,
    },
}

/// A covariate column and its coding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variable {
    /// The column's name in the covariate file.
    pub name: String,
    /// How it is coded.
    #[serde(flatten)]
    pub coding: Coding,
}

impl Variable {
    /// The design columns: the name for a numeric column, `name=level` for each non-reference
    /// level of a categorical one.
    pub fn design_columns(&self) -> Vec<String> {
        match &self.coding {
            Coding::Numeric { .. } => vec![self.name.clone()],
            Coding::Categorical { levels } => levels
                .iter()
                .skip(1)
                .map(|l| format!("{}={l}", self.name))
                .collect(),
        }
    }
}

/// The coding of the covariates a model uses, in design-column order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CovariateCoding {
    /// The covariate columns used, in order.
    pub variables: Vec<Variable>,
}

impl CovariateCoding {
    /// The coding of the columns `used` of `table` (each once, in the order given), found from
    /// its values: numeric when every value is a finite number, else categorical.
    ///
    /// # Errors
    /// [`Error::InvalidData`] for a column the file lacks (listing the available ones), or a
    /// numeric column without spread when standardised.
    pub fn from_table(table: &CovariateTable, used: &[String], standardize: bool) -> Result<Self> {
        let mut variables = Vec::new();
        for name in used {
            if variables.iter().any(|v: &Variable| &v.name == name) {
                continue;
            }
            let c = table.column(name)?;
            let values: Vec<&str> = table.rows.iter().map(|r| r[c].as_str()).collect();
            let numbers: Option<Vec<f64>> = values
                .iter()
                .map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite()))
                .collect();
            let coding = match numbers {
                Some(nums) if !nums.is_empty() => {
                    if standardize {
                        let n = nums.len() as f64;
                        let mean = nums.iter().sum::<f64>() / n;
                        let var = nums.iter().map(|x| (x - mean).powi(2)).sum::<f64>()
                            / (n - 1.0).max(1.0);
                        let sd = var.sqrt();
                        if !(sd.is_finite() && sd > 0.0) {
                            return Err(Error::InvalidData {
                                location: Location::file(&table.path).at_field(name.as_str()),
                                reason: format!(
                                    "cannot standardise '{name}': its values do not vary"
                                ),
                            });
                        }
                        Coding::Numeric {
                            mean: Some(mean),
                            sd: Some(sd),
                        }
                    } else {
                        Coding::Numeric {
                            mean: None,
                            sd: None,
                        }
                    }
                }
                _ => {
                    let levels: BTreeSet<&str> = values.iter().copied().collect();
                    Coding::Categorical {
                        levels: levels.into_iter().map(str::to_string).collect(),
                    }
                }
            };
            variables.push(Variable {
                name: name.clone(),
                coding,
            });
        }
        Ok(CovariateCoding { variables })
    }

    /// The design columns of every variable, in order.
    pub fn design_columns(&self) -> Vec<String> {
        self.variables
            .iter()
            .flat_map(Variable::design_columns)
            .collect()
    }

    /// The indices of the design columns of the variable `name`.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] when `name` is not one of the variables.
    pub fn columns_of(&self, name: &str) -> Result<Vec<usize>> {
        let mut start = 0;
        for v in &self.variables {
            let width = v.design_columns().len();
            if v.name == name {
                return Ok((start..start + width).collect());
            }
            start += width;
        }
        Err(Error::InvalidOption {
            name: "covariate",
            value: format!("'{name}'"),
            reason: format!(
                "not among the covariates used ({})",
                self.variables
                    .iter()
                    .map(|v| v.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    }

    /// The design vector of customer `id` of `table`.
    ///
    /// # Errors
    /// [`Error::InvalidData`] naming the file, customer and column: a customer missing from the
    /// file, a column it lacks, a non-numeric value of a numeric column, a level not seen in
    /// the fit.
    pub fn encode(&self, table: &CovariateTable, id: &str) -> Result<Vec<f64>> {
        let row = table.row(id)?;
        let mut x = Vec::new();
        for v in &self.variables {
            let c = table.column(&v.name)?;
            let raw = row[c].as_str();
            let bad = |reason: String| Error::InvalidData {
                location: Location::file(&table.path).at_field(v.name.as_str()),
                reason: format!("customer {id}: {reason}"),
            };
            match &v.coding {
                Coding::Numeric { mean, sd } => {
                    let value: f64 = raw
                        .parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite())
                        .ok_or_else(|| bad(format!("'{raw}' is not a number")))?;
                    x.push(match (mean, sd) {
                        (Some(m), Some(s)) => (value - m) / s,
                        _ => value,
                    });
                }
                Coding::Categorical { levels } => {
                    if !levels.iter().any(|l| l == raw) {
                        return Err(bad(format!(
                            "level '{raw}' was not seen in the fit (levels: {})",
                            levels.join(", ")
                        )));
                    }
                    x.extend(
                        levels
                            .iter()
                            .skip(1)
                            .map(|l| if l == raw { 1.0 } else { 0.0 }),
                    );
                }
            }
        }
        Ok(x)
    }

    /// The design vectors of the customers `ids`, in order.
    ///
    /// # Errors
    /// Those of [`CovariateCoding::encode`].
    pub fn encode_all<'a>(
        &self,
        table: &CovariateTable,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<Vec<f64>>> {
        ids.into_iter().map(|id| self.encode(table, id)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Result<CovariateTable> {
        CovariateTable::from_reader(text.as_bytes(), Path::new("cov.csv"))
    }

    #[test]
    fn codes_categorical_with_sorted_reference_and_numeric() {
        let t = table("customer_id,channel,age\n1,web,30\n2,store,40\n3,app,50\n").unwrap();
        let c = CovariateCoding::from_table(&t, &["channel".into(), "age".into()], true).unwrap();
        assert_eq!(c.design_columns(), ["channel=store", "channel=web", "age"]);
        assert_eq!(c.encode(&t, "1").unwrap(), [0.0, 1.0, -1.0]);
        assert_eq!(c.encode(&t, "3").unwrap(), [0.0, 0.0, 1.0]);
        assert_eq!(c.columns_of("age").unwrap(), [2]);
    }

    #[test]
    fn rejects_missing_customer_and_unknown_column() {
        let t = table("customer_id,channel\n1,web\n").unwrap();
        let c = CovariateCoding::from_table(&t, &["channel".into()], false).unwrap();
        let err = c.encode(&t, "9").unwrap_err().to_string();
        assert!(
            err.contains("cov.csv") && err.contains("customer 9"),
            "{err}"
        );
        let err = CovariateCoding::from_table(&t, &["gender".into()], false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("'gender'") && err.contains("available: channel"),
            "{err}"
        );
    }

    #[test]
    fn rejects_unseen_level_and_duplicate_ids() {
        let t = table("customer_id,channel\n1,web\n").unwrap();
        let c = CovariateCoding::from_table(&t, &["channel".into()], false).unwrap();
        let t2 = table("customer_id,channel\n1,fax\n").unwrap();
        assert!(c
            .encode(&t2, "1")
            .unwrap_err()
            .to_string()
            .contains("'fax'"));
        assert!(table("customer_id,c\n1,a\n1,b\n").is_err());
        assert!(table("id,c\n1,a\n").is_err());
    }
}
