//! The duration and timestamp functions of CEL's standard library: the conversions, the
//! accessors (in UTC, as Kubernetes evaluates them, or at a fixed offset given as their
//! argument) and the arithmetic.

use super::cost::{Halt, R, State, err, no_overload};
use super::time::{Civil, Duration, Timestamp, fixed_offset, is_zone_name};
use super::value::Value;

/// The timestamp accessors, each with an optional time zone argument.
pub(super) const ACCESSORS: &[&str] = &[
    "getFullYear",
    "getMonth",
    "getDayOfMonth",
    "getDate",
    "getDayOfWeek",
    "getDayOfYear",
    "getHours",
    "getMinutes",
    "getSeconds",
    "getMilliseconds",
];

pub(super) fn functions(st: &mut State, name: &str, args: &[Value]) -> Option<R> {
    use Value::{Duration as D, Int, String as S, Timestamp as T};
    if !matches!(name, "duration" | "timestamp") && !ACCESSORS.contains(&name) {
        return None;
    }
    let out = match (name, args) {
        ("duration", [S(s)]) => st.charge_bytes(s.len()).and_then(|_| {
            Duration::parse(s)
                .map(D)
                .ok_or_else(|| Halt::Error(format!("invalid duration: {s:?}")))
        }),
        ("duration", [D(_)]) | ("timestamp", [T(_)]) => Ok(args[0].clone()),
        ("timestamp", [S(s)]) => st.charge_bytes(s.len()).and_then(|_| {
            Timestamp::parse(s)
                .map(T)
                .ok_or_else(|| Halt::Error(format!("invalid timestamp: {s:?}")))
        }),
        ("timestamp", [Int(i)]) => Timestamp::from_unix_seconds(*i)
            .map(T)
            .ok_or_else(timestamp_out_of_range),
        (_, [D(d)]) => duration_accessor(name, *d, args),
        (_, [T(t)]) => timestamp_accessor(name, &t.civil(0), args),
        (_, [T(t), S(tz)]) => match fixed_offset(tz) {
            Some(offset) => timestamp_accessor(name, &t.civil(offset), args),
            // A zone name needs the time zone database, which an offline check lacks.
            None if is_zone_name(tz) => Err(Halt::NotEvaluated {
                name: zone_name_call(name),
                offset: 0,
            }),
            None => err(format!("invalid time zone offset: {tz:?}")),
        },
        _ => no_overload(name, args),
    };
    Some(out)
}

/// How an accessor given a time zone name is reported: not evaluated.
pub(super) fn zone_name_call(accessor: &str) -> String {
    format!("{accessor}(<time zone name>)")
}

/// Whether the analysis can tell that an accessor's time zone argument is a fixed offset
/// (or malformed, an error when evaluated): only a literal can be judged before running.
pub(super) fn is_known_offset(tz: &str) -> bool {
    fixed_offset(tz).is_some() || !is_zone_name(tz)
}

fn timestamp_out_of_range() -> Halt {
    Halt::Error("timestamp out of range".to_string())
}

fn duration_out_of_range() -> Halt {
    Halt::Error("duration out of range".to_string())
}

/// The whole hours, minutes, seconds or milliseconds of a duration (cel-go's, truncated
/// towards zero).
fn duration_accessor(name: &str, d: Duration, args: &[Value]) -> R {
    let per = match name {
        "getHours" => 3_600_000_000_000,
        "getMinutes" => 60_000_000_000,
        "getSeconds" => 1_000_000_000,
        "getMilliseconds" => 1_000_000,
        _ => return no_overload(name, args),
    };
    Ok(Value::Int(d.nanos / per))
}

/// A calendar field: months, days of the month, of the week and of the year count from 0;
/// `getDate` from 1.
fn timestamp_accessor(name: &str, c: &Civil, args: &[Value]) -> R {
    let v = match name {
        "getFullYear" => c.year,
        "getMonth" => i64::from(c.month) - 1,
        "getDayOfMonth" => i64::from(c.day) - 1,
        "getDate" => i64::from(c.day),
        "getDayOfWeek" => c.day_of_week,
        "getDayOfYear" => c.day_of_year,
        "getHours" => c.hour,
        "getMinutes" => c.minute,
        "getSeconds" => c.second,
        "getMilliseconds" => c.millisecond,
        _ => return no_overload(name, args),
    };
    Ok(Value::Int(v))
}

/// `timestamp ± duration`, `timestamp - timestamp`, `duration ± duration`; `None` for other
/// operands.
pub(super) fn arithmetic(name: &str, a: &Value, b: &Value) -> Option<R> {
    use Value::{Duration as D, Timestamp as T};
    let out = match (name, a, b) {
        ("_+_", T(t), D(d)) | ("_+_", D(d), T(t)) => {
            t.add(*d).map(T).ok_or_else(timestamp_out_of_range)
        }
        ("_-_", T(t), D(d)) => t.sub(*d).map(T).ok_or_else(timestamp_out_of_range),
        ("_-_", T(x), T(y)) => x.since(y).map(D).ok_or_else(duration_out_of_range),
        ("_+_", D(x), D(y)) => x.checked_add(*y).map(D).ok_or_else(duration_out_of_range),
        ("_-_", D(x), D(y)) => x.checked_sub(*y).map(D).ok_or_else(duration_out_of_range),
        _ => return None,
    };
    Some(out)
}

/// `-d`.
pub(super) fn negate(d: Duration) -> R {
    d.checked_neg()
        .map(Value::Duration)
        .ok_or_else(duration_out_of_range)
}
