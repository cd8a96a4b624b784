//! Time units and date handling.
//!
//! Every time quantity in a summary (recency, T, holdout duration) is expressed in one
//! [`TimeUnit`], at day resolution: a purchase on day d and one on day d + 3 are 3/7 weeks apart.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Days in the calendar month btyd uses: 365.25 / 12 = 30.4375.
pub const DAYS_PER_MONTH: f64 = 365.25 / 12.0;

/// The unit in which recency, T and prediction horizons are measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// One day.
    Day,
    /// Seven days.
    Week,
    /// 365.25 / 12 = 30.4375 days.
    Month,
    /// A given number of days (positive, finite).
    Days(f64),
}

impl TimeUnit {
    /// Length of the unit in days.
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Day => 1.0,
            TimeUnit::Week => 7.0,
            TimeUnit::Month => DAYS_PER_MONTH,
            TimeUnit::Days(d) => d,
        }
    }

    /// How many of this unit make a (365.25-day) year.
    pub fn per_year(self) -> f64 {
        365.25 / self.days()
    }

    /// Converts a number of days into this unit.
    pub fn from_days(self, days: f64) -> f64 {
        days / self.days()
    }
}

impl fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeUnit::Day => write!(f, "day"),
            TimeUnit::Week => write!(f, "week"),
            TimeUnit::Month => write!(f, "month"),
            TimeUnit::Days(d) => write!(f, "{d} days"),
        }
    }
}

impl FromStr for TimeUnit {
    type Err = Error;

    /// Parses `day`, `week`, `month` (also plurals and `D`/`W`/`M`), or a positive number of
    /// days such as `14`, `14d` or `14 days`.
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "day" | "days" | "d" | "daily" => return Ok(TimeUnit::Day),
            "week" | "weeks" | "w" | "weekly" => return Ok(TimeUnit::Week),
            "month" | "months" | "m" | "monthly" => return Ok(TimeUnit::Month),
            _ => {}
        }
        let num = t
            .trim_end_matches("days")
            .trim_end_matches("day")
            .trim_end_matches('d')
            .trim();
        match num.parse::<f64>() {
            Ok(d) if d.is_finite() && d > 0.0 => Ok(match d {
                1.0 => TimeUnit::Day,
                7.0 => TimeUnit::Week,
                _ => TimeUnit::Days(d),
            }),
            _ => Err(Error::InvalidArgument(format!(
                "time unit '{s}' is not one of day, week, month or a positive number of days"
            ))),
        }
    }
}
