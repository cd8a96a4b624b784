//! Time units and date handling.
//!
//! Every time quantity in a summary (recency, T, holdout duration) is expressed in one
//! [`TimeUnit`], at day resolution: a purchase on day d and one on day d + 3 are 3/7 weeks apart.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Num, Quoted, Result};

/// Days in the calendar month btyd uses: 365.25 / 12 = 30.4375.
pub const DAYS_PER_MONTH: f64 = DAYS_PER_YEAR / 12.0;

/// Days in a year of the Julian calendar, the mean length of a year that btyd uses throughout.
pub const DAYS_PER_YEAR: f64 = 365.25;

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
        DAYS_PER_YEAR / self.days()
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
            TimeUnit::Days(d) => write!(f, "{} days", Num(*d)),
        }
    }
}

impl TimeUnit {
    /// The unit's name after a count of `n` of them: `day` or `days`, `week` or `weeks`,
    /// `month` or `months`, `period of 14 days` or `periods of 14 days` (singular for n = 1).
    pub fn name_for(self, n: f64) -> String {
        let s = if n == 1.0 { "" } else { "s" };
        match self {
            TimeUnit::Days(_) => format!("period{s} of {self}"),
            _ => format!("{self}{s}"),
        }
    }

    /// The unit's plural name: `days`, `weeks`, `months` or `periods of 14 days` (as in
    /// "fitted in weeks").
    pub fn plural(self) -> String {
        self.name_for(2.0)
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
            _ => Err(Error::InvalidOption {
                name: "time unit",
                value: Quoted(s).to_string(),
                reason: "is not one of day, week, month or a positive number of days".into(),
            }),
        }
    }
}

impl TimeUnit {
    /// The time from `from` to `to` (whole days) in this unit; negative when `to` is earlier.
    pub fn between(self, from: NaiveDate, to: NaiveDate) -> f64 {
        self.from_days((to - from).num_days() as f64)
    }
}

/// How the dates of a transaction log are written. Only the calendar day is kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DateFormat {
    /// ISO `YYYY-MM-DD`, compact `YYYYMMDD`, or an ISO date-time such as `2014-03-08 00:00:00`
    /// or `2014-03-08T00:00:00.250Z` (the time of day is checked, then dropped).
    #[default]
    Auto,
    /// A chrono strftime pattern such as `%d/%m/%Y` or `%m/%d/%Y %H:%M`; a pattern with a time
    /// of day is accepted and the time dropped.
    Pattern(String),
}

impl DateFormat {
    /// Parses one date; `None` when `s` is not a valid date in this format.
    pub fn parse(&self, s: &str) -> Option<NaiveDate> {
        match self {
            DateFormat::Auto => parse_auto_date(s),
            DateFormat::Pattern(p) => NaiveDate::parse_from_str(s, p)
                .ok()
                .or_else(|| NaiveDateTime::parse_from_str(s, p).ok().map(|t| t.date())),
        }
    }

    /// A short description for error messages.
    pub fn describe(&self) -> String {
        match self {
            DateFormat::Auto => {
                "YYYY-MM-DD, YYYYMMDD or YYYY-MM-DD HH:MM:SS (give a date format for others)".into()
            }
            DateFormat::Pattern(p) => format!("the date format '{p}'"),
        }
    }
}

/// Parses a calendar date written `YYYY-MM-DD` (as command-line options take them).
///
/// # Errors
/// [`Error::InvalidDate`] naming `what` (e.g. `--observation-end`) when `s` is not a valid date.
pub fn parse_date_arg(s: &str, what: &str) -> Result<NaiveDate> {
    parse_ymd_dashed(s.trim().as_bytes()).ok_or_else(|| Error::InvalidDate {
        what: what.to_string(),
        text: s.to_string(),
    })
}

/// `YYYY-MM-DD`, `YYYYMMDD`, or an ISO date-time starting with `YYYY-MM-DD`.
fn parse_auto_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    match b.len() {
        8 => ymd(digits(&b[0..4])?, digits(&b[4..6])?, digits(&b[6..8])?),
        10 => parse_ymd_dashed(b),
        n if n > 10 && (b[10] == b' ' || b[10] == b'T') && is_time_of_day(&b[11..]) => {
            parse_ymd_dashed(&b[..10])
        }
        _ => None,
    }
}

fn parse_ymd_dashed(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    ymd(digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?)
}

fn ymd(y: u32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

/// The value of a run of ASCII digits; `None` if any byte is not a digit.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// `HH:MM[:SS[.fff…]][Z]` with hours < 24, minutes < 60, seconds <= 60 (leap second).
fn is_time_of_day(b: &[u8]) -> bool {
    let b = b.strip_suffix(b"Z").unwrap_or(b);
    let (hms, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let ok_frac = frac.is_none_or(|f| !f.is_empty() && f.iter().all(u8::is_ascii_digit));
    let field = |i: usize, max: u32| hms.get(i..i + 2).and_then(digits).is_some_and(|v| v <= max);
    let ok_hms = match hms.len() {
        5 => hms[2] == b':' && field(0, 23) && field(3, 59) && frac.is_none(),
        8 => hms[2] == b':' && hms[5] == b':' && field(0, 23) && field(3, 59) && field(6, 60),
        _ => false,
    };
    ok_hms && ok_frac
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn parses_the_automatic_date_layouts() {
        let auto = DateFormat::Auto;
        let cases = [
            ("1997-01-01", date(1997, 1, 1)),
            ("19970101", date(1997, 1, 1)),
            ("2014-03-08 00:00:00", date(2014, 3, 8)),
            ("2014-03-08T23:59:59", date(2014, 3, 8)),
            ("2014-03-08T12:30:00.125Z", date(2014, 3, 8)),
            ("2014-03-08 12:30", date(2014, 3, 8)),
            ("2000-02-29", date(2000, 2, 29)),
            ("1900-02-29", None),
            ("1997-13-01", None),
            ("19970132", None),
            ("1997-1-01", None),
            ("1997/01/01", None),
            ("2014-03-08 24:00:00", None),
            ("2014-03-08 12:30:00.", None),
            ("2014-03-08x12:30:00", None),
            ("2014-03-08 ", None),
            ("+1997-01-01", None),
            ("", None),
            ("abcdefgh", None),
        ];
        for (s, want) in cases {
            assert_eq!(auto.parse(s), want, "parsing {s:?}");
        }
    }

    #[test]
    fn parses_a_user_pattern_with_or_without_time() {
        let f = DateFormat::Pattern("%d/%m/%Y".into());
        assert_eq!(f.parse("31/12/1999"), date(1999, 12, 31));
        assert_eq!(f.parse("1999-12-31"), None);
        let f = DateFormat::Pattern("%m/%d/%Y %H:%M".into());
        assert_eq!(f.parse("12/31/1999 23:15"), date(1999, 12, 31));
    }

    #[test]
    fn date_arguments_must_be_iso() {
        assert_eq!(parse_date_arg("1997-09-30", "x").ok(), date(1997, 9, 30));
        let err = parse_date_arg("30/09/1997", "--calibration-end").unwrap_err();
        assert!(err.to_string().contains("--calibration-end"), "{err}");
    }

    #[test]
    fn parses_time_units() {
        let cases = [
            ("day", Some(TimeUnit::Day)),
            ("W", Some(TimeUnit::Week)),
            ("weeks", Some(TimeUnit::Week)),
            ("month", Some(TimeUnit::Month)),
            ("7", Some(TimeUnit::Week)),
            ("1", Some(TimeUnit::Day)),
            ("14", Some(TimeUnit::Days(14.0))),
            ("14d", Some(TimeUnit::Days(14.0))),
            ("2.5 days", Some(TimeUnit::Days(2.5))),
            ("0", None),
            ("-3", None),
            ("nan", None),
            ("inf", None),
            ("fortnight", None),
        ];
        for (s, want) in cases {
            assert_eq!(s.parse::<TimeUnit>().ok(), want, "parsing {s:?}");
        }
    }

    /// Defect 11 of issue 11: "{unit}s" printed "14 dayss".
    #[test]
    fn names_units_in_singular_and_plural() {
        assert_eq!(TimeUnit::Week.plural(), "weeks");
        assert_eq!(TimeUnit::Day.name_for(1.0), "day");
        assert_eq!(TimeUnit::Month.name_for(2.5), "months");
        assert_eq!(TimeUnit::Days(14.0).to_string(), "14 days");
        assert_eq!(TimeUnit::Days(14.0).plural(), "periods of 14 days");
        assert_eq!(TimeUnit::Days(2.5).name_for(1.0), "period of 2.5 days");
        assert_eq!(TimeUnit::Days(1e-300).to_string(), "1e-300 days");
    }

    #[test]
    fn measures_spans_in_the_unit() {
        let (a, b) = (date(1997, 1, 1).unwrap(), date(1997, 9, 30).unwrap());
        assert_eq!(TimeUnit::Day.between(a, b), 272.0);
        assert!((TimeUnit::Week.between(a, b) - 272.0 / 7.0).abs() < 1e-12);
        assert!((TimeUnit::Month.between(a, b) - 272.0 / 30.4375).abs() < 1e-12);
        assert_eq!(TimeUnit::Days(2.0).between(b, a), -136.0);
    }
}
