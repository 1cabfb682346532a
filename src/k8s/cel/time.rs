//! Durations and timestamps as CEL holds them: Go duration strings (`1h30m`, `-1.5h`),
//! RFC 3339 timestamps, and the proleptic Gregorian calendar their accessors read (UTC or a
//! fixed offset). Plain arithmetic on integers: no date library, no time zone database.

/// A signed span of time in nanoseconds: Go's `time.Duration`, as cel-go holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    pub nanos: i64,
}

/// An instant: seconds since the Unix epoch and nanoseconds within the second, between
/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z (the range cel-go accepts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

const NANOS_PER_SECOND: i128 = 1_000_000_000;
const SECONDS_PER_DAY: i64 = 86_400;
/// 0001-01-01T00:00:00Z.
const MIN_SECONDS: i64 = -62_135_596_800;
/// 9999-12-31T23:59:59Z.
const MAX_SECONDS: i64 = 253_402_300_799;

/// Days since 1970-01-01 of a civil date (month 1–12), in the proleptic Gregorian calendar:
/// years are counted from March, in 400-year eras of 146,097 days.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let march_based_month = i64::from((month + 9) % 12);
    let day_of_year = (153 * march_based_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The civil date (year, month 1–12, day 1–31) of a day counted from 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let march_based_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * march_based_month + 2) / 5 + 1;
    let month = if march_based_month < 10 {
        march_based_month + 3
    } else {
        march_based_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A run of ASCII digits of exactly `n` characters at the start of `s`, as a number.
fn fixed_digits(s: &[u8], n: usize) -> Option<u32> {
    let digits = s.get(..n)?;
    digits.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

impl Timestamp {
    /// `2024-02-29T12:00:00Z`, `2024-02-29T12:00:00.5+01:00`: RFC 3339 as Go's
    /// `time.Parse(time.RFC3339, ...)` reads it (a fraction of any length after the seconds,
    /// nanoseconds kept), within the range CEL allows.
    pub fn parse(s: &str) -> Option<Timestamp> {
        let b = s.as_bytes();
        let sep = |i: usize, c: u8| b.get(i) == Some(&c);
        if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':')) {
            return None;
        }
        let year = i64::from(fixed_digits(b, 4)?);
        let month = fixed_digits(&b[5..], 2)?;
        let day = fixed_digits(&b[8..], 2)?;
        let (hour, minute, second) = (
            fixed_digits(&b[11..], 2)?,
            fixed_digits(&b[14..], 2)?,
            fixed_digits(&b[17..], 2)?,
        );
        if !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let mut rest = &b[19..];
        let mut nanos = 0u32;
        if let [b'.' | b',', tail @ ..] = rest {
            let n = tail.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            // Digits past the ninth are dropped, as Go does.
            let digits = tail[..n].iter().map(|c| u32::from(c - b'0'));
            for d in digits.chain(std::iter::repeat(0)).take(9) {
                nanos = nanos * 10 + d;
            }
            rest = &tail[n..];
        }
        let offset = match rest {
            [b'Z'] => 0,
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let (h, m) = (fixed_digits(&rest[1..], 2)?, fixed_digits(&rest[4..], 2)?);
                if h > 23 || m > 59 {
                    return None;
                }
                let o = i64::from(h * 3600 + m * 60);
                if *sign == b'-' { -o } else { o }
            }
            _ => return None,
        };
        let secs = days_from_civil(year, month, day) * SECONDS_PER_DAY
            + i64::from(hour * 3600 + minute * 60 + second)
            - offset;
        Timestamp::from_parts(secs, nanos)
    }

    fn from_parts(secs: i64, nanos: u32) -> Option<Timestamp> {
        (MIN_SECONDS..=MAX_SECONDS)
            .contains(&secs)
            .then_some(Timestamp { secs, nanos })
    }

    /// The instant `secs` seconds after the Unix epoch, within CEL's range.
    pub fn from_unix_seconds(secs: i64) -> Option<Timestamp> {
        Timestamp::from_parts(secs, 0)
    }

    /// Whether this is 1970-01-01T00:00:00Z, a timestamp's zero value.
    pub fn is_unix_epoch(&self) -> bool {
        self.secs == 0 && self.nanos == 0
    }

    pub fn unix_seconds(&self) -> i64 {
        self.secs
    }

    fn total_nanos(&self) -> i128 {
        i128::from(self.secs) * NANOS_PER_SECOND + i128::from(self.nanos)
    }

    fn from_total_nanos(n: i128) -> Option<Timestamp> {
        let secs = i64::try_from(n.div_euclid(NANOS_PER_SECOND)).ok()?;
        Timestamp::from_parts(secs, n.rem_euclid(NANOS_PER_SECOND) as u32)
    }

    /// `self + d`; `None` outside CEL's range.
    pub fn add(&self, d: Duration) -> Option<Timestamp> {
        Timestamp::from_total_nanos(self.total_nanos() + i128::from(d.nanos))
    }

    /// `self - d`; `None` outside CEL's range.
    pub fn sub(&self, d: Duration) -> Option<Timestamp> {
        Timestamp::from_total_nanos(self.total_nanos() - i128::from(d.nanos))
    }

    /// `self - other`; `None` when it does not fit a duration.
    pub fn since(&self, other: &Timestamp) -> Option<Duration> {
        let nanos = i64::try_from(self.total_nanos() - other.total_nanos()).ok()?;
        Some(Duration { nanos })
    }

    /// The calendar fields of this instant at a fixed offset east of UTC, in seconds.
    pub fn civil(&self, offset_seconds: i64) -> Civil {
        let local = self.secs + offset_seconds;
        let days = local.div_euclid(SECONDS_PER_DAY);
        let second_of_day = local.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            day_of_year: days - days_from_civil(year, 1, 1),
            // 1970-01-01 was a Thursday; 0 is Sunday.
            day_of_week: (days + 4).rem_euclid(7),
            hour: second_of_day / 3600,
            minute: second_of_day % 3600 / 60,
            second: second_of_day % 60,
            millisecond: i64::from(self.nanos / 1_000_000),
        }
    }

    /// RFC 3339 in UTC, with as many fraction digits as the nanoseconds need (Go's
    /// `time.RFC3339Nano`).
    pub fn to_rfc3339(self) -> String {
        let c = self.civil(0);
        let mut out = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        );
        push_fraction(&mut out, self.nanos);
        out.push('Z');
        out
    }
}

/// `.` and the nanoseconds without trailing zeros; nothing for none.
fn push_fraction(out: &mut String, nanos: u32) {
    if nanos > 0 {
        let digits = format!("{nanos:09}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

/// The calendar fields of an instant, as the timestamp accessors return them (before CEL's
/// zero-based adjustments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    /// 1–12.
    pub month: u32,
    /// 1–31.
    pub day: u32,
    /// 0–365.
    pub day_of_year: i64,
    /// 0 (Sunday) – 6.
    pub day_of_week: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    pub millisecond: i64,
}

/// A time zone argument written as a fixed offset (`+05:30`, `-08:00`, `02:00`), or `UTC`:
/// its offset east of UTC in seconds. `None` for anything else (a zone name needs the time
/// zone database).
pub fn fixed_offset(tz: &str) -> Option<i64> {
    if tz == "UTC" || tz.is_empty() {
        return Some(0);
    }
    let (sign, rest) = match tz.as_bytes().first() {
        Some(b'-') => (-1, &tz[1..]),
        Some(b'+') => (1, &tz[1..]),
        _ => (1, tz),
    };
    let (h, m) = rest.split_once(':')?;
    let valid = |s: &str, max: i64| {
        (1..=2).contains(&s.len())
            && s.bytes().all(|b| b.is_ascii_digit())
            && s.parse::<i64>().is_ok_and(|v| v <= max)
    };
    if !valid(h, 23) || m.len() != 2 || !valid(m, 59) {
        return None;
    }
    let (h, m) = (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?);
    Some(sign * (h * 3600 + m * 60))
}

/// Whether `tz` looks like a zone name (`America/New_York`), as opposed to a malformed offset.
pub fn is_zone_name(tz: &str) -> bool {
    !tz.contains(':')
}

/// The nanoseconds of one unit of a Go duration string.
fn unit_nanos(unit: &str) -> Option<u128> {
    Some(match unit {
        "ns" => 1,
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    })
}

/// The largest magnitude a duration may have: 2^63 nanoseconds (only when negative).
const MAX_MAGNITUDE: u128 = 1 << 63;

/// One `<number><unit>` term of a duration string, in nanoseconds, and what follows it.
fn duration_term(s: &str) -> Option<(u128, &str)> {
    let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
    let (int_part, mut rest) = s.split_at(int_len);
    let mut frac_part = "";
    if let Some(after_dot) = rest.strip_prefix('.') {
        let n = after_dot.bytes().take_while(u8::is_ascii_digit).count();
        (frac_part, rest) = after_dot.split_at(n);
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let unit_len = rest
        .find(|c: char| c == '.' || c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (unit, rest) = rest.split_at(unit_len);
    let unit = unit_nanos(unit)?;
    let mut whole: u128 = 0;
    for b in int_part.bytes() {
        whole = whole * 10 + u128::from(b - b'0');
        if whole > MAX_MAGNITUDE {
            return None;
        }
    }
    // Eighteen fraction digits are more than a nanosecond of an hour needs.
    let frac_digits = &frac_part[..frac_part.len().min(18)];
    let frac: u128 = frac_digits.parse().unwrap_or(0);
    let scale = 10u128.pow(frac_digits.len() as u32);
    Some((whole * unit + frac * unit / scale, rest))
}

impl Duration {
    /// A Go duration string (`time.ParseDuration`): an optional sign, then one or more
    /// decimal numbers, each with a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`); `0` alone.
    pub fn parse(s: &str) -> Option<Duration> {
        let (negative, mut rest) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        if rest == "0" {
            return Some(Duration { nanos: 0 });
        }
        if rest.is_empty() {
            return None;
        }
        let mut total: u128 = 0;
        while !rest.is_empty() {
            let (term, after) = duration_term(rest)?;
            total += term;
            if total > MAX_MAGNITUDE {
                return None;
            }
            rest = after;
        }
        let signed = if negative {
            -(total as i128)
        } else {
            total as i128
        };
        i64::try_from(signed).ok().map(|nanos| Duration { nanos })
    }

    /// Seconds with the fraction the nanoseconds need (`5400s`, `-1.5s`, `0.000000001s`):
    /// the string CEL converts a duration to.
    pub fn to_seconds_string(self) -> String {
        let n = i128::from(self.nanos);
        let mut out = String::new();
        if n < 0 {
            out.push('-');
        }
        let abs = n.unsigned_abs();
        out.push_str(&(abs / NANOS_PER_SECOND as u128).to_string());
        push_fraction(&mut out, (abs % NANOS_PER_SECOND as u128) as u32);
        out.push('s');
        out
    }

    pub fn checked_add(self, other: Duration) -> Option<Duration> {
        self.nanos
            .checked_add(other.nanos)
            .map(|nanos| Duration { nanos })
    }

    pub fn checked_sub(self, other: Duration) -> Option<Duration> {
        self.nanos
            .checked_sub(other.nanos)
            .map(|nanos| Duration { nanos })
    }

    pub fn checked_neg(self) -> Option<Duration> {
        self.nanos.checked_neg().map(|nanos| Duration { nanos })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_calendar_round_trips_over_the_whole_range() {
        for days in (days_from_civil(1, 1, 1)..=days_from_civil(9999, 12, 31)).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    proptest::proptest! {
        #[test]
        fn parsing_any_text_never_panics(s in "\\PC{0,40}", t in "[-+0-9.:TZ,µsmhnu]{0,32}") {
            for text in [&s, &t] {
                let _ = Duration::parse(text);
                let _ = Timestamp::parse(text);
                let _ = fixed_offset(text);
            }
        }

        #[test]
        fn the_strings_written_read_back(nanos in proptest::num::i64::ANY, secs in MIN_SECONDS..=MAX_SECONDS, sub in 0u32..1_000_000_000) {
            let d = Duration { nanos };
            proptest::prop_assert_eq!(Duration::parse(&d.to_seconds_string()), Some(d));
            let t = Timestamp { secs, nanos: sub };
            proptest::prop_assert_eq!(Timestamp::parse(&t.to_rfc3339()), Some(t));
        }
    }
}
