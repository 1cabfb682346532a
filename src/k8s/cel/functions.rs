//! The functions: CEL's operators and standard library, and the libraries Kubernetes adds
//! (lists, strings, regex, quantity, ip/cidr, url, optional). Each charges the work it does.
//!
//! A call is dispatched on its name with the receiver as first argument, so `size(x)` and
//! `x.size()` are one function.

use std::cmp::Ordering;
use std::rc::Rc;

use super::cost::{Halt, R, State, equal, err, no_overload, order, regex};
use super::format::format_double;
use super::value::{Key, Map, Value};
use super::{encoders, library, lists, macros, math, temporal};

/// The names `Program::unsupported` accepts: macros, standard functions, and the Kubernetes
/// libraries (a namespaced function as `namespace.name`): those listed here, the timestamp
/// accessors (`temporal::ACCESSORS`) and the macros left as calls (`macros::NAMES`).
pub const SUPPORTED: &[&str] = &ALL;

const ALL: [&str; LISTED.len() + temporal::ACCESSORS.len() + macros::NAMES.len()] =
    concat(&[LISTED, temporal::ACCESSORS, macros::NAMES]);

/// The lists one after the other (`N` is the sum of their lengths).
const fn concat<const N: usize>(lists: &[&[&'static str]]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut at = 0;
    let mut l = 0;
    while l < lists.len() {
        let mut i = 0;
        while i < lists[l].len() {
            out[at] = lists[l][i];
            at += 1;
            i += 1;
        }
        l += 1;
    }
    assert!(at == N, "the lengths add up to N");
    out
}

const LISTED: &[&str] = &[
    // macros
    "has",
    "all",
    "exists",
    "exists_one",
    "existsOne",
    "map",
    "filter",
    // standard
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "int",
    "uint",
    "double",
    "string",
    "bool",
    "bytes",
    "type",
    "dyn",
    // Kubernetes lists
    "isSorted",
    "sum",
    "min",
    "max",
    "indexOf",
    "lastIndexOf",
    // Kubernetes strings
    "charAt",
    "lowerAscii",
    "upperAscii",
    "replace",
    "split",
    "join",
    "trim",
    "substring",
    "reverse",
    "format",
    "strings.quote",
    // Kubernetes regex
    "find",
    "findAll",
    // Kubernetes quantity
    "quantity",
    "isQuantity",
    "compareTo",
    "isGreaterThan",
    "isLessThan",
    "isInteger",
    "asInteger",
    "asApproximateFloat",
    "add",
    "sub",
    "sign",
    // Kubernetes ip and cidr
    "ip",
    "isIP",
    "ip.isCanonical",
    "family",
    "isUnspecified",
    "isLoopback",
    "isLinkLocalMulticast",
    "isLinkLocalUnicast",
    "isGlobalUnicast",
    "cidr",
    "isCIDR",
    "containsIP",
    "containsCIDR",
    "prefixLength",
    "masked",
    // Kubernetes url
    "url",
    "isURL",
    "getScheme",
    "getHost",
    "getHostname",
    "getPort",
    "getEscapedPath",
    "getQuery",
    // Kubernetes sets (on lists)
    "sets.contains",
    "sets.equivalent",
    "sets.intersects",
    // optional values
    "optional.of",
    "optional.none",
    "optional.ofNonZeroValue",
    "hasValue",
    "value",
    "orValue",
    "or",
    // durations and timestamps
    "duration",
    "timestamp",
    // Kubernetes math
    "math.greatest",
    "math.least",
    "math.ceil",
    "math.floor",
    "math.round",
    "math.trunc",
    "math.abs",
    "math.sign",
    "math.isInf",
    "math.isNaN",
    "math.isFinite",
    "math.bitAnd",
    "math.bitOr",
    "math.bitXor",
    "math.bitNot",
    "math.bitShiftLeft",
    "math.bitShiftRight",
    "math.sqrt",
    // extended lists (`reverse` is listed with the strings)
    "slice",
    "flatten",
    "sort",
    "distinct",
    "lists.range",
    // encoders
    "base64.encode",
    "base64.decode",
];

pub(super) fn call(st: &mut State, name: &str, target: Option<Value>, args: Vec<Value>) -> R {
    let args: Vec<Value> = match target {
        None => args,
        Some(t) => std::iter::once(t).chain(args).collect(),
    };
    if let Some(out) = operator(st, name, &args) {
        return out;
    }
    if let Some(out) = standard(st, name, &args) {
        return out;
    }
    if let Some(out) = lists::functions(st, name, &args) {
        return out;
    }
    if let Some(out) = library::strings(st, name, &args) {
        return out;
    }
    if let Some(out) = library::sets(st, name, &args) {
        return out;
    }
    if let Some(out) = library::lists(st, name, &args) {
        return out;
    }
    if let Some(out) = library::kubernetes_types(st, name, &args) {
        return out;
    }
    if let Some(out) = library::optional(st, name, &args) {
        return out;
    }
    if let Some(out) = temporal::functions(st, name, &args) {
        return out;
    }
    // The math library's names are those listed above under `math.`.
    if name.starts_with("math.") && SUPPORTED.contains(&name) {
        return math::functions(st, name, &args);
    }
    if let Some(out) = encoders::functions(st, name, &args) {
        return out;
    }
    if macros::NAMES.contains(&name) {
        // The macro written with arguments that are not its variables and body.
        return err(format!(
            "{name}() takes variable names and expressions it reads them in"
        ));
    }
    Err(Halt::NotEvaluated {
        name: name.to_string(),
        offset: 0,
    })
}

/// The value of a string key: found without building a key to look it up with (a selection
/// runs for every object a policy reads), by a walk over a small map.
fn field_of<'m>(m: &'m Map, field: &str) -> Option<&'m Value> {
    if m.len() > 16 {
        return m.get(&Key::Str(Rc::from(field)));
    }
    m.iter().find_map(|(k, v)| match k {
        Key::Str(s) if **s == *field => Some(v),
        _ => None,
    })
}

pub(super) fn select(target: &Value, field: &str) -> R {
    match target {
        Value::Map(m) => match field_of(m, field) {
            Some(v) => Ok(v.clone()),
            None => err(format!("no such key: {field}")),
        },
        other => err(format!(
            "no such key: {field} (selecting from a {})",
            other.type_name()
        )),
    }
}

pub(super) fn has_field(target: &Value, field: &str) -> R {
    match target {
        Value::Map(m) => Ok(Value::Bool(field_of(m, field).is_some())),
        other => err(format!(
            "has() cannot test a field of a {}",
            other.type_name()
        )),
    }
}

fn index(container: &Value, key: &Value) -> R {
    match (container, key) {
        (Value::List(l), Value::Int(_) | Value::Uint(_) | Value::Double(_)) => {
            let i = match Key::of(key) {
                Some(Key::Int(i)) => i,
                _ => return err(format!("invalid list index: {key:?}")),
            };
            match usize::try_from(i).ok().and_then(|i| l.get(i)) {
                Some(v) => Ok(v.clone()),
                None => err(format!("index out of bounds: {i}")),
            }
        }
        (Value::Map(m), _) => {
            let found = Key::of(key).and_then(|k| m.get(&k));
            match found {
                Some(v) => Ok(v.clone()),
                None => err(format!("no such key: {}", display_key(key))),
            }
        }
        _ => no_overload("_[_]", &[container.clone(), key.clone()]),
    }
}

fn display_key(key: &Value) -> String {
    match key {
        Value::String(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Uint(u) => u.to_string(),
        Value::Bool(b) => b.to_string(),
        other => other.type_name().to_string(),
    }
}

fn optional_of(r: R) -> R {
    match r {
        Ok(v) => Ok(Value::Optional(Some(Rc::new(v)))),
        // Absent: an optional selection or index yields none instead of the error.
        Err(Halt::Error(_)) => Ok(Value::Optional(None)),
        Err(h) => Err(h),
    }
}

fn operator(st: &mut State, name: &str, args: &[Value]) -> Option<R> {
    let out = match (name, args) {
        ("_==_", [a, b]) => equal(st, a, b).map(Value::Bool),
        ("_!=_", [a, b]) => equal(st, a, b).map(|e| Value::Bool(!e)),
        ("_<_" | "_<=_" | "_>_" | "_>=_", [a, b]) => order(st, a, b, name).map(|o| {
            Value::Bool(match name {
                "_<_" => o == Ordering::Less,
                "_<=_" => o != Ordering::Greater,
                "_>_" => o == Ordering::Greater,
                _ => o != Ordering::Less,
            })
        }),
        ("!_", [Value::Bool(b)]) => Ok(Value::Bool(!b)),
        ("-_", [Value::Int(i)]) => i.checked_neg().map(Value::Int).ok_or(overflow()),
        ("-_", [Value::Double(d)]) => Ok(Value::Double(-d)),
        ("-_", [Value::Duration(d)]) => temporal::negate(*d),
        ("_+_" | "_-_" | "_*_" | "_/_" | "_%_", [a, b]) => arithmetic(st, name, a, b),
        ("_[_]", [c, k]) => index(c, k),
        ("_[?_]", [Value::Optional(None), _]) => Ok(Value::Optional(None)),
        ("_[?_]", [Value::Optional(Some(c)), k]) => optional_of(index(c, k)),
        ("_[?_]", [c, k]) => optional_of(index(c, k)),
        ("_?._", [Value::Optional(None), _]) => Ok(Value::Optional(None)),
        ("_?._", [Value::Optional(Some(c)), Value::String(f)]) => optional_of(select(c, f)),
        ("_?._", [c, Value::String(f)]) => optional_of(select(c, f)),
        ("@in", [x, Value::List(l)]) => {
            let l = l.clone();
            let mut found = false;
            for item in l.iter() {
                match equal(st, x, item) {
                    Ok(true) => {
                        found = true;
                        break;
                    }
                    Ok(false) => {}
                    Err(h) => return Some(Err(h)),
                }
            }
            Ok(Value::Bool(found))
        }
        ("@in", [x, Value::Map(m)]) => {
            Ok(Value::Bool(Key::of(x).is_some_and(|k| m.contains_key(&k))))
        }
        ("!_" | "-_" | "@in" | "_==_" | "_!=_" | "_[_]" | "_[?_]" | "_?._", _) => {
            no_overload(name, args)
        }
        _ => return None,
    };
    Some(out)
}

fn overflow() -> Halt {
    Halt::Error("integer overflow".to_string())
}

fn arithmetic(st: &mut State, name: &str, a: &Value, b: &Value) -> R {
    use Value::{Double, Int, Uint};
    let int = |r: Option<i64>| r.map(Int).ok_or(overflow());
    let uint = |r: Option<u64>| r.map(Uint).ok_or(overflow());
    match (name, a, b) {
        ("_/_" | "_%_", Int(_), Int(0)) | ("_/_" | "_%_", Uint(_), Uint(0)) => {
            err(if name == "_/_" {
                "division by zero"
            } else {
                "modulus by zero"
            })
        }
        ("_+_", Int(x), Int(y)) => int(x.checked_add(*y)),
        ("_-_", Int(x), Int(y)) => int(x.checked_sub(*y)),
        ("_*_", Int(x), Int(y)) => int(x.checked_mul(*y)),
        ("_/_", Int(x), Int(y)) => int(x.checked_div(*y)),
        ("_%_", Int(x), Int(y)) => int(x.checked_rem(*y)),
        ("_+_", Uint(x), Uint(y)) => uint(x.checked_add(*y)),
        ("_-_", Uint(x), Uint(y)) => uint(x.checked_sub(*y)),
        ("_*_", Uint(x), Uint(y)) => uint(x.checked_mul(*y)),
        ("_/_", Uint(x), Uint(y)) => uint(x.checked_div(*y)),
        ("_%_", Uint(x), Uint(y)) => uint(x.checked_rem(*y)),
        ("_+_", Double(x), Double(y)) => Ok(Double(x + y)),
        ("_-_", Double(x), Double(y)) => Ok(Double(x - y)),
        ("_*_", Double(x), Double(y)) => Ok(Double(x * y)),
        ("_/_", Double(x), Double(y)) => Ok(Double(x / y)),
        ("_+_", Value::String(x), Value::String(y)) => {
            st.charge_bytes(x.len() + y.len())?;
            Ok(Value::String(Rc::from(format!("{x}{y}"))))
        }
        ("_+_", Value::Bytes(x), Value::Bytes(y)) => {
            st.charge_bytes(x.len() + y.len())?;
            Ok(Value::Bytes(x.iter().chain(y.iter()).copied().collect()))
        }
        ("_+_", Value::List(x), Value::List(y)) => {
            st.charge((x.len() + y.len()) as u64)?;
            Ok(Value::List(Rc::new(
                x.iter().chain(y.iter()).cloned().collect(),
            )))
        }
        _ => temporal::arithmetic(name, a, b)
            .unwrap_or_else(|| no_overload(name, &[a.clone(), b.clone()])),
    }
}

fn string_of(st: &mut State, v: &Value) -> R {
    let s = match v {
        Value::String(_) => return Ok(v.clone()),
        Value::Int(i) => i.to_string(),
        Value::Uint(u) => u.to_string(),
        Value::Double(d) => format_double(*d),
        Value::Bool(b) => b.to_string(),
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => s.to_string(),
            Err(_) => return err("bytes are not valid UTF-8"),
        },
        Value::Ip(ip) => ip.to_string(),
        Value::Cidr(c) => c.to_string(),
        Value::Duration(d) => d.to_seconds_string(),
        Value::Timestamp(t) => t.to_rfc3339(),
        other => return no_overload("string", std::slice::from_ref(other)),
    };
    st.charge_bytes(s.len())?;
    Ok(Value::String(Rc::from(s)))
}

fn int_of(v: &Value) -> R {
    match v {
        Value::Int(_) => Ok(v.clone()),
        Value::Uint(u) => i64::try_from(*u).map(Value::Int).map_err(|_| overflow()),
        Value::Double(d)
            if d.is_finite() && *d > -9.223_372_036_854_776e18 && *d < 9.223_372_036_854_776e18 =>
        {
            Ok(Value::Int(d.trunc() as i64))
        }
        Value::Double(_) => Err(overflow()),
        Value::Duration(d) => Ok(Value::Int(d.nanos)),
        Value::Timestamp(t) => Ok(Value::Int(t.unix_seconds())),
        Value::String(s) => s
            .parse::<i64>()
            .map(Value::Int)
            .or_else(|_| err(format!("cannot convert {s:?} to int"))),
        other => no_overload("int", std::slice::from_ref(other)),
    }
}

fn uint_of(v: &Value) -> R {
    match v {
        Value::Uint(_) => Ok(v.clone()),
        Value::Int(i) => u64::try_from(*i).map(Value::Uint).map_err(|_| overflow()),
        Value::Double(d) if d.is_finite() && *d > -1.0 && *d < 1.844_674_407_370_955_2e19 => {
            Ok(Value::Uint(d.trunc() as u64))
        }
        Value::Double(_) => Err(overflow()),
        Value::String(s) => s
            .parse::<u64>()
            .map(Value::Uint)
            .or_else(|_| err(format!("cannot convert {s:?} to uint"))),
        other => no_overload("uint", std::slice::from_ref(other)),
    }
}

fn double_of(v: &Value) -> R {
    match v {
        Value::Double(_) => Ok(v.clone()),
        Value::Int(i) => Ok(Value::Double(*i as f64)),
        Value::Uint(u) => Ok(Value::Double(*u as f64)),
        Value::String(s) => s
            .parse::<f64>()
            .map(Value::Double)
            .or_else(|_| err(format!("cannot convert {s:?} to double"))),
        other => no_overload("double", std::slice::from_ref(other)),
    }
}

fn bool_of(v: &Value) -> R {
    match v {
        Value::Bool(_) => Ok(v.clone()),
        Value::String(s) => match &**s {
            "1" | "t" | "true" | "TRUE" | "True" => Ok(Value::Bool(true)),
            "0" | "f" | "false" | "FALSE" | "False" => Ok(Value::Bool(false)),
            _ => err(format!("cannot convert {s:?} to bool")),
        },
        other => no_overload("bool", std::slice::from_ref(other)),
    }
}

fn standard(st: &mut State, name: &str, args: &[Value]) -> Option<R> {
    let out = match (name, args) {
        ("size", [Value::String(s)]) => st
            .charge_bytes(s.len())
            .map(|_| Value::Int(s.chars().count() as i64)),
        ("size", [Value::Bytes(b)]) => Ok(Value::Int(b.len() as i64)),
        ("size", [Value::List(l)]) => Ok(Value::Int(l.len() as i64)),
        ("size", [Value::Map(m)]) => Ok(Value::Int(m.len() as i64)),
        ("contains" | "startsWith" | "endsWith", [Value::String(s), Value::String(x)]) => {
            st.charge_bytes(s.len() + x.len()).map(|_| {
                Value::Bool(match name {
                    "contains" => s.contains(&**x),
                    "startsWith" => s.starts_with(&**x),
                    _ => s.ends_with(&**x),
                })
            })
        }
        ("matches", [Value::String(s), Value::String(re)]) => {
            regex(st, re, s.len()).map(|r| Value::Bool(r.is_match(s)))
        }
        ("find", [Value::String(s), Value::String(re)]) => {
            regex(st, re, s.len()).map(|r| Value::str(r.find(s).map_or("", |m| m.as_str())))
        }
        ("findAll", [Value::String(s), Value::String(re)]) => find_all(st, s, re, -1),
        ("findAll", [Value::String(s), Value::String(re), Value::Int(n)]) => {
            find_all(st, s, re, *n)
        }
        ("int", [v]) => int_of(v),
        ("uint", [v]) => uint_of(v),
        ("double", [v]) => double_of(v),
        ("string", [v]) => string_of(st, v),
        ("bool", [v]) => bool_of(v),
        ("bytes", [Value::String(s)]) => st
            .charge_bytes(s.len())
            .map(|_| Value::Bytes(Rc::from(s.as_bytes()))),
        ("bytes", [Value::Bytes(_)]) => Ok(args[0].clone()),
        ("type", [v]) => Ok(Value::Type(v.type_name())),
        ("dyn", [v]) => Ok(v.clone()),
        (
            "size" | "contains" | "startsWith" | "endsWith" | "matches" | "find" | "findAll"
            | "int" | "uint" | "double" | "string" | "bool" | "bytes" | "type" | "dyn",
            _,
        ) => no_overload(name, args),
        _ => return None,
    };
    Some(out)
}

fn find_all(st: &mut State, s: &str, re: &str, n: i64) -> R {
    let r = regex(st, re, s.len())?;
    let limit = usize::try_from(n).unwrap_or(usize::MAX);
    let found: Vec<Value> = r
        .find_iter(s)
        .take(limit)
        .map(|m| Value::str(m.as_str()))
        .collect();
    st.charge(found.len() as u64)?;
    Ok(Value::List(Rc::new(found)))
}
