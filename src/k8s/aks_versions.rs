//! The AKS Kubernetes version calendar: whether a pinned `kubernetesVersion` /
//! `orchestratorVersion` minor is still inside AKS support on a given date.
//!
//! The dates are data, not code: `rules/aks-kubernetes-versions.yaml` (taken from the AKS
//! "Supported Kubernetes versions" page and its history; see its header) is embedded at build
//! time and read once with the crate's own YAML loader. Microsoft moves these dates, so every
//! message that uses them should name [`retrieved`]. The calendar keeps the minors AKS no longer
//! lists (from 1.19 on), so a past date is judged against the rows as they stood then.
//!
//! The judgement follows the AKS policy: a minor is supported up to and including its end-of-life
//! day (community EOL, or the LTS EOL for a Premium-tier cluster on `AKSLongTermSupport`), then
//! has [`GRACE_DAYS`] of grace, then is out of support (platform support at best). A month-only
//! date in the calendar means the last day of that month.

use std::fmt;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::load::scalar::Value;
use crate::load::{Document, NodeId};

/// A rule warns when support ends within this many days (`Supported` with `days_left <= 60`).
pub const WARN_DAYS: i64 = 60;

/// Days after the end of support during which AKS still lets a cluster upgrade "to continue
/// receiving support".
pub const GRACE_DAYS: i64 = 30;

/// The embedded calendar text.
pub const CALENDAR_TEXT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/rules/aks-kubernetes-versions.yaml"
));

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

/// A day of the proleptic Gregorian calendar (UTC). Ordering is chronological for valid dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

/// Day number (days since 1970-01-01) of the first and the last representable dates; every
/// computed date is clamped into this range so that no arithmetic can overflow.
const FIRST_DAY: i64 = day_number(i32::MIN as i64, 1, 1);
const LAST_DAY: i64 = day_number(i32::MAX as i64, 12, 31);

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of `year-month-day`. Counts years from March so that the leap day
/// is the last day of its "year"; a 400-year cycle has exactly 146 097 days. An out-of-range
/// month is clamped to 1..=12 and an out-of-range day simply counts on (no panic, no overflow:
/// every term stays far inside `i64` for any `i32` year and `u32` day).
const fn day_number(year: i64, month: u32, day: u32) -> i64 {
    let month: i64 = if month < 1 {
        1
    } else if month > 12 {
        12
    } else {
        month as i64
    };
    // Years starting on March 1st: January and February belong to the year before.
    let y = if month <= 2 { year - 1 } else { year };
    let cycle = y.div_euclid(400);
    let year_of_cycle = y - cycle * 400; // 0..=399
    let month_from_march = (month + 9) % 12; // March = 0 .. February = 11
    let day_of_year = (153 * month_from_march + 2) / 5 + day as i64 - 1;
    let day_of_cycle = year_of_cycle * 365 + year_of_cycle / 4 - year_of_cycle / 100 + day_of_year;
    // 719 468 days lie between 0000-03-01 and 1970-01-01.
    cycle * 146_097 + day_of_cycle - 719_468
}

/// The date of day number `n` (days since 1970-01-01), clamped to the representable range.
fn from_day_number(n: i64) -> Date {
    let n = n.clamp(FIRST_DAY, LAST_DAY) + 719_468;
    let cycle = n.div_euclid(146_097);
    let day_of_cycle = n - cycle * 146_097; // 0..=146096
    let year_of_cycle = (day_of_cycle - day_of_cycle / 1_460 + day_of_cycle / 36_524
        - day_of_cycle / 146_096)
        / 365; // 0..=399
    let day_of_year =
        day_of_cycle - (365 * year_of_cycle + year_of_cycle / 4 - year_of_cycle / 100);
    let month_from_march = (5 * day_of_year + 2) / 153; // 0..=11
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1; // 1..=31
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = cycle * 400 + year_of_cycle + i64::from(month <= 2);
    Date {
        // The clamp above keeps the year inside i32.
        year: i32::try_from(year).unwrap_or(if year < 0 { i32::MIN } else { i32::MAX }),
        month: month as u32,
        day: day as u32,
    }
}

/// Reads a non-empty run of ASCII digits (nothing else); `None` beyond `u32`.
fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    bytes.iter().try_fold(0u32, |acc, &b| {
        acc.checked_mul(10)?.checked_add(u32::from(b - b'0'))
    })
}

impl Date {
    /// Parses `YYYY-MM-DD` strictly: four-digit year, two-digit month and day, a day that
    /// exists in that month (leap years included). Anything else is `None`.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year = digits(&b[0..4])?;
        let month = digits(&b[5..7])?;
        let day = digits(&b[8..10])?;
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year.into(), month) {
            return None;
        }
        Some(Date {
            year: year as i32,
            month,
            day,
        })
    }

    /// Parses a calendar date as the AKS page writes it: `YYYY-MM-DD`, or `YYYY-MM` meaning the
    /// last day of that month.
    fn parse_calendar(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() == 7 && b[4] == b'-' {
            let year = digits(&b[0..4])?;
            let month = digits(&b[5..7])?;
            if !(1..=12).contains(&month) {
                return None;
            }
            return Some(Date {
                year: year as i32,
                month,
                day: days_in_month(year.into(), month),
            });
        }
        Date::parse(s)
    }

    /// Today's date in UTC, from the system clock.
    pub fn today() -> Date {
        let days = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs() / 86_400).unwrap_or(i64::MAX),
            // A clock set before 1970: count back, rounding towards the earlier day.
            Err(e) => {
                let secs = e.duration().as_secs();
                let days = secs / 86_400 + u64::from(secs % 86_400 != 0);
                i64::try_from(days).map_or(i64::MIN, |d| -d)
            }
        };
        from_day_number(days)
    }

    /// The date `n` days later (earlier for negative `n`); saturates at the representable range.
    pub fn add_days(self, n: i64) -> Date {
        from_day_number(self.day_number().saturating_add(n))
    }

    /// `other - self` in days: positive when `other` is later.
    pub fn days_until(self, other: Date) -> i64 {
        other.day_number() - self.day_number()
    }

    fn day_number(self) -> i64 {
        day_number(self.year.into(), self.month, self.day)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

// ---------------------------------------------------------------------------------------------
// Versions
// ---------------------------------------------------------------------------------------------

/// A Kubernetes version as an AKS cluster definition writes it: `1.30` or `1.30.5`. Returns the
/// `(major, minor)` that decides support. Everything else is refused with `None`: a leading `v`
/// (AKS does not accept it), whitespace, signs, empty or zero-padded parts, pre-release
/// suffixes, more than three parts, numbers beyond `u32`.
pub fn parse_version(s: &str) -> Option<(u32, u32)> {
    let mut parts = s.split('.');
    let major = version_part(parts.next()?)?;
    let minor = version_part(parts.next()?)?;
    if let Some(patch) = parts.next() {
        version_part(patch)?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor))
}

/// One dot-separated number: ASCII digits, no leading zero unless it is `0`.
fn version_part(p: &str) -> Option<u32> {
    if p.len() > 1 && p.starts_with('0') {
        return None;
    }
    digits(p.as_bytes())
}

// ---------------------------------------------------------------------------------------------
// Judgement
// ---------------------------------------------------------------------------------------------

/// Where a Kubernetes minor stands in AKS support on a given date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// In support until `until` (inclusive), with `days_left` (`0` on the last day). `lts` when
    /// the LTS end of life decided.
    Supported {
        until: Date,
        days_left: i64,
        lts: bool,
    },
    /// Past end of support (`ended`, the last supported day) but within the 30-day grace
    /// (AKS: 30 days after removal to upgrade and keep support).
    Grace { ended: Date, lts: bool },
    /// Past end of support (and grace): platform support at best, no security patches.
    OutOfSupport { ended: Date, lts: bool },
    /// No end-of-life date of its own (older than every row of the calendar, or a row without a
    /// date for the support plan asked), but `newer`, the next minor that has a community end of
    /// life, had left support on `newer_ended`, before `as_of`. AKS retires minors oldest first,
    /// so this one was out of support too, since a date the calendar does not give.
    BeforeCalendar {
        newer: (u32, u32),
        newer_ended: Date,
    },
    /// No end-of-life date of its own, and no newer minor had left support at `as_of` (for
    /// example 1.18 judged in 2021, when 1.19 was still supported): the calendar cannot tell.
    Unknown,
    /// Newer than every row, or not GA at `as_of` (a planned row, or any row before its GA
    /// date): preview or unknown.
    NotYetGa,
}

/// Judges minor `(major, minor)` at `as_of`; `lts` when the definition selects
/// `AKSLongTermSupport` AND the Premium tier (the caller decides; fact sheet 8d step 3).
///
/// `as_of <= EOL` is supported, `EOL < as_of <= EOL + 30 days` is grace, later is out of
/// support. With `lts` the LTS end of life applies; a row without one falls back to the
/// community date (and reports `lts: false`). A row counts as GA from its `ga` date (a
/// month-only GA means the last day of that month); a planned row without one never does.
///
/// Everything is read against `as_of`, and the calendar keeps the rows of minors AKS no longer
/// lists, so a past date gets the verdict the calendar gave on that date. A minor older than the
/// first row is out of support only once the first row's community support has ended
/// ([`Support::BeforeCalendar`]); before that the calendar cannot tell ([`Support::Unknown`]).
pub fn judge(version: (u32, u32), as_of: Date, lts: bool) -> Support {
    judge_in(calendar(), version, as_of, lts)
}

/// [`judge`] against a given calendar (the tests judge calendars of their own).
fn judge_in(cal: &Calendar, version: (u32, u32), as_of: Date, lts: bool) -> Support {
    let rows = &cal.rows;
    let Some(i) = rows.iter().position(|r| r.version == version) else {
        return match rows.first() {
            Some(first) if version < first.version => ended_before(rows, as_of),
            // Newer than every row (rows are contiguous, so nothing lies in between), or no
            // calendar at all.
            _ => Support::NotYetGa,
        };
    };
    let row = &rows[i];
    match row.ga {
        Some(ga) if as_of < ga => return Support::NotYetGa,
        None if row.planned => return Support::NotYetGa,
        _ => {}
    }
    let (eol, lts) = match (lts, row.lts_eol, row.community_eol) {
        (true, Some(d), _) => (d, true),
        (_, _, Some(d)) => (d, false),
        _ => return ended_before(&rows[i + 1..], as_of),
    };
    if as_of <= eol {
        Support::Supported {
            until: eol,
            days_left: as_of.days_until(eol),
            lts,
        }
    } else if as_of <= eol.add_days(GRACE_DAYS) {
        Support::Grace { ended: eol, lts }
    } else {
        Support::OutOfSupport { ended: eol, lts }
    }
}

/// A minor without an end-of-life date of its own, judged by the first of `newer` (rows of
/// later minors, oldest first) that has a community end of life: once that one has ended, so
/// has every older minor.
fn ended_before(newer: &[Row], as_of: Date) -> Support {
    match newer
        .iter()
        .find_map(|r| Some((r.version, r.community_eol?)))
    {
        Some((newer, newer_ended)) if as_of > newer_ended => {
            Support::BeforeCalendar { newer, newer_ended }
        }
        _ => Support::Unknown,
    }
}

/// The calendar's retrieval date (for messages): when the AKS page was read.
pub fn retrieved() -> Date {
    calendar().retrieved
}

/// The oldest minor of the calendar (for messages).
pub fn first_minor() -> Option<(u32, u32)> {
    calendar().rows.first().map(|r| r.version)
}

/// The minor whose AKS GA ends platform support for `version`, when the calendar gives it.
pub fn platform_support_until(version: (u32, u32)) -> Option<(u32, u32)> {
    calendar()
        .rows
        .iter()
        .find(|r| r.version == version)?
        .platform_until
}

/// Platform support (N-3: Azure-platform issues only) of a minor at a given date, as the
/// calendar's "Until 1.NN GA" gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformSupport {
    /// Still in platform support: it lasts until `minor` is GA, on `ga` when the calendar has
    /// that date (a planned one included).
    Until { minor: (u32, u32), ga: Option<Date> },
    /// Platform support ended when `minor` became GA on `ga`, on or before `as_of`.
    Ended { minor: (u32, u32), ga: Date },
}

/// Where `version` stands in platform support at `as_of`, when the calendar says how long it
/// lasts; the end is the GA date of the named minor as the calendar gives it, compared with
/// `as_of` (not today). Whether the version is past its end of life is [`judge`]'s business.
pub fn platform_support(version: (u32, u32), as_of: Date) -> Option<PlatformSupport> {
    let minor = platform_support_until(version)?;
    let ga = calendar()
        .rows
        .iter()
        .find(|r| r.version == minor)
        .and_then(|r| r.ga);
    Some(match ga {
        Some(ga) if as_of >= ga => PlatformSupport::Ended { minor, ga },
        ga => PlatformSupport::Until { minor, ga },
    })
}

// ---------------------------------------------------------------------------------------------
// The embedded calendar
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
struct Row {
    version: (u32, u32),
    ga: Option<Date>,
    /// As written, or resolved from `community_eol_at_ga_of` when the calendar is read.
    community_eol: Option<Date>,
    /// The page's "1.NN GA" end of life: the minor whose GA ends community support.
    community_eol_at_ga_of: Option<(u32, u32)>,
    lts_eol: Option<Date>,
    platform_until: Option<(u32, u32)>,
    planned: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct Calendar {
    retrieved: Date,
    /// Ascending, contiguous minors of one major.
    rows: Vec<Row>,
}

/// The embedded calendar as read, or why it could not be read (checked by the tests).
fn loaded() -> &'static Result<Calendar, String> {
    static CALENDAR: OnceLock<Result<Calendar, String>> = OnceLock::new();
    CALENDAR.get_or_init(|| {
        read_calendar(CALENDAR_TEXT).map_err(|e| format!("rules/aks-kubernetes-versions.yaml: {e}"))
    })
}

/// The embedded calendar; an unreadable one (a build bug the tests catch) judges every version
/// `NotYetGa` rather than panicking.
fn calendar() -> &'static Calendar {
    static EMPTY: Calendar = Calendar {
        retrieved: Date {
            year: 1970,
            month: 1,
            day: 1,
        },
        rows: Vec::new(),
    };
    loaded().as_ref().unwrap_or(&EMPTY)
}

const ROW_KEYS: &[&str] = &[
    "minor",
    "ga",
    "communityEol",
    "communityEolAtGaOf",
    "ltsEol",
    "platformSupportUntil",
    "planned",
];

fn read_calendar(text: &str) -> Result<Calendar, String> {
    let loaded = crate::load::load_text(text);
    if let Some(p) = loaded.problems.first() {
        return Err(format!("{p:?}"));
    }
    let doc = loaded.docs.first().ok_or("empty calendar")?;
    let root = doc.root.ok_or("empty calendar")?;
    for e in doc.entries(root) {
        match doc.scalar(e.key) {
            Some("retrieved" | "versions") => {}
            k => return Err(format!("unknown top-level key {k:?}")),
        }
    }
    let retrieved = doc
        .get_str(root, "retrieved")
        .ok_or("no `retrieved:` (a quoted YYYY-MM-DD)")?;
    let retrieved =
        Date::parse(retrieved).ok_or_else(|| format!("retrieved: not a date: {retrieved:?}"))?;
    let list = doc.get(root, "versions").ok_or("no `versions:`")?;
    if !doc.is_sequence(list) {
        return Err("versions: a list is expected".into());
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut lines = Vec::new();
    for &item in doc.items(list) {
        let line = doc.span(item).start.line;
        lines.push(line);
        let row = read_row(doc, item).map_err(|e| format!("line {line}: {e}"))?;
        if let Some(prev) = rows.last() {
            let (major, minor) = prev.version;
            if row.version != (major, minor.saturating_add(1)) {
                return Err(format!(
                    "line {line}: {}.{} does not follow {major}.{minor} (rows must be consecutive minors)",
                    row.version.0, row.version.1
                ));
            }
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err("versions: no rows".into());
    }
    // "End of life: 1.NN GA" becomes the GA date of that minor's row.
    let ga_of: Vec<((u32, u32), Option<Date>)> = rows.iter().map(|r| (r.version, r.ga)).collect();
    for (row, line) in rows.iter_mut().zip(&lines) {
        if let Some(m) = row.community_eol_at_ga_of {
            let ga = ga_of.iter().find(|(v, _)| *v == m).and_then(|(_, ga)| *ga);
            let Some(ga) = ga else {
                return Err(format!(
                    "line {line}: communityEolAtGaOf: {}.{} has no row with a `ga` date",
                    m.0, m.1
                ));
            };
            row.community_eol = Some(ga);
        }
        check_row(row).map_err(|e| format!("line {line}: {e}"))?;
    }
    Ok(Calendar { retrieved, rows })
}

fn read_row(doc: &Document, item: NodeId) -> Result<Row, String> {
    if !doc.is_mapping(item) {
        return Err("a mapping is expected".into());
    }
    for e in doc.entries(item) {
        let key = doc.scalar(e.key).unwrap_or("");
        if !ROW_KEYS.contains(&key) {
            return Err(format!("unknown key {key:?}"));
        }
    }
    let text = |key: &str| -> Result<Option<&str>, String> {
        match doc.get(item, key).map(|n| doc.value(n)) {
            None => Ok(None),
            Some(Some(Value::Str(s))) => Ok(Some(s)),
            Some(_) => Err(format!(
                "{key}: write a quoted string (leave the key out when unknown)"
            )),
        }
    };
    let minor = |key: &str| -> Result<Option<(u32, u32)>, String> {
        let Some(s) = text(key)? else { return Ok(None) };
        match parse_version(s) {
            Some(v) if s.matches('.').count() == 1 => Ok(Some(v)),
            _ => Err(format!("{key}: not a minor like \"1.33\": {s:?}")),
        }
    };
    let date = |key: &str| -> Result<Option<Date>, String> {
        let Some(s) = text(key)? else { return Ok(None) };
        Date::parse_calendar(s)
            .map(Some)
            .ok_or_else(|| format!("{key}: not YYYY-MM or YYYY-MM-DD: {s:?}"))
    };
    let version = minor("minor")?.ok_or("no `minor:`")?;
    let community_eol_at_ga_of = minor("communityEolAtGaOf")?;
    let planned = match doc.get(item, "planned").map(|n| doc.value(n)) {
        None => false,
        Some(Some(Value::Bool(b))) => b,
        Some(_) => return Err("planned: true or false".into()),
    };
    let row = Row {
        version,
        ga: date("ga")?,
        community_eol: date("communityEol")?,
        community_eol_at_ga_of,
        lts_eol: date("ltsEol")?,
        platform_until: minor("platformSupportUntil")?,
        planned,
    };
    if row.community_eol.is_some() && community_eol_at_ga_of.is_some() {
        return Err("communityEol and communityEolAtGaOf: give one of them".into());
    }
    if community_eol_at_ga_of.is_some_and(|m| m <= version) {
        return Err("communityEolAtGaOf must name a later minor".into());
    }
    if row.platform_until.is_some_and(|p| p <= version) {
        return Err("platformSupportUntil must name a later minor".into());
    }
    if row.community_eol.is_none() && community_eol_at_ga_of.is_none() && row.lts_eol.is_none() {
        return Err("no end-of-life date at all".into());
    }
    Ok(row)
}

/// The checks that need the row's dates resolved (`communityEolAtGaOf`).
fn check_row(row: &Row) -> Result<(), String> {
    let ordered = |a: Option<Date>, b: Option<Date>| match (a, b) {
        (Some(a), Some(b)) => a <= b,
        _ => true,
    };
    if !ordered(row.ga, row.community_eol)
        || !ordered(row.ga, row.lts_eol)
        || !ordered(row.community_eol, row.lts_eol)
    {
        return Err("dates out of order (ga <= communityEol <= ltsEol)".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
