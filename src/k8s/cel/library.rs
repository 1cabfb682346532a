//! The libraries Kubernetes adds to CEL: strings, lists, regex, quantity, ip and cidr, url,
//! and optional values. String indexes count code points, as Kubernetes' do.

use std::cmp::Ordering;
use std::rc::Rc;

use super::cost::{Halt, R, State, equal, err, no_overload, order};
use super::net::{self, Cidr, Url};
use super::quantity::Quantity;
use super::value::{Key, Map, Value};

fn string(s: String) -> Value {
    Value::String(Rc::from(s))
}

/// The byte offset of code point `n`, or `None` past the end (`n == count` is the end).
fn byte_at(s: &str, n: i64) -> Option<usize> {
    let n = usize::try_from(n).ok()?;
    if n == 0 {
        return Some(0);
    }
    s.char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(s.len()))
        .nth(n)
}

fn code_points_before(s: &str, byte: usize) -> i64 {
    s[..byte].chars().count() as i64
}

fn index_of(s: &str, sub: &str, start: i64) -> R {
    let Some(from) = byte_at(s, start) else {
        return err(format!("index out of range: {start}"));
    };
    Ok(Value::Int(
        s[from..]
            .find(sub)
            .map_or(-1, |i| code_points_before(s, from + i)),
    ))
}

fn last_index_of(s: &str, sub: &str, end: Option<i64>) -> R {
    let upto = match end {
        None => s.len(),
        Some(e) => match byte_at(s, e) {
            // The match may start at `e`.
            Some(b) => {
                let mut upto = (b + sub.len()).min(s.len());
                while !s.is_char_boundary(upto) {
                    upto += 1;
                }
                upto
            }
            None => return err(format!("index out of range: {e}")),
        },
    };
    let hay = &s[..upto];
    Ok(Value::Int(
        hay.rfind(sub).map_or(-1, |i| code_points_before(s, i)),
    ))
}

fn split(s: &str, sep: &str, n: i64) -> Vec<Value> {
    if n == 0 {
        return Vec::new();
    }
    let limit = usize::try_from(n).unwrap_or(usize::MAX);
    if sep.is_empty() {
        let chars: Vec<char> = s.chars().collect();
        let mut out: Vec<Value> = Vec::new();
        for (i, c) in chars.iter().enumerate() {
            if out.len() + 1 == limit {
                out.push(string(chars[i..].iter().collect()));
                return out;
            }
            out.push(string(c.to_string()));
        }
        return out;
    }
    s.splitn(limit, sep).map(Value::str).collect()
}

fn substring(s: &str, start: i64, end: Option<i64>) -> R {
    let count = s.chars().count() as i64;
    let end = end.unwrap_or(count);
    if start < 0 || end > count || start > end {
        return err(format!(
            "substring({start}, {end}) out of range for a string of {count}"
        ));
    }
    match (byte_at(s, start), byte_at(s, end)) {
        (Some(a), Some(b)) => Ok(Value::str(&s[a..b])),
        _ => err("substring out of range"),
    }
}

pub(super) fn strings(st: &mut State, name: &str, args: &[Value]) -> Option<R> {
    use Value::{Int, List, String as S};
    const NAMES: &[&str] = &[
        "charAt",
        "indexOf",
        "lastIndexOf",
        "lowerAscii",
        "upperAscii",
        "replace",
        "split",
        "substring",
        "trim",
        "reverse",
        "strings.quote",
        "join",
        "format",
    ];
    if !NAMES.contains(&name) || matches!(args.first(), Some(List(_)) if name.contains("ndexOf")) {
        return None;
    }
    if let Some(S(s)) = args.first() {
        // Every string function scans its receiver at most a few times.
        if let Err(h) = st.charge_bytes(s.len()) {
            return Some(Err(h));
        }
    }
    let out = match (name, args) {
        ("charAt", [S(s), Int(i)]) => match byte_at(s, *i) {
            Some(b) => Ok(Value::str(s[b..].chars().next().map_or("", |c| {
                let n = c.len_utf8();
                &s[b..b + n]
            }))),
            None => err(format!("index out of range: {i}")),
        },
        ("indexOf", [S(s), S(sub)]) => index_of(s, sub, 0),
        ("indexOf", [S(s), S(sub), Int(i)]) => index_of(s, sub, *i),
        ("lastIndexOf", [S(s), S(sub)]) => last_index_of(s, sub, None),
        ("lastIndexOf", [S(s), S(sub), Int(i)]) => last_index_of(s, sub, Some(*i)),
        ("lowerAscii", [S(s)]) => Ok(string(s.to_ascii_lowercase())),
        ("upperAscii", [S(s)]) => Ok(string(s.to_ascii_uppercase())),
        ("replace", [S(s), S(from), S(to)]) => replace(st, s, from, to, -1),
        ("replace", [S(s), S(from), S(to), Int(n)]) => replace(st, s, from, to, *n),
        ("split", [S(s), S(sep)]) => counted_list(st, split(s, sep, -1)),
        ("split", [S(s), S(sep), Int(n)]) => counted_list(st, split(s, sep, *n)),
        ("substring", [S(s), Int(a)]) => substring(s, *a, None),
        ("substring", [S(s), Int(a), Int(b)]) => substring(s, *a, Some(*b)),
        ("trim", [S(s)]) => Ok(Value::str(s.trim())),
        ("reverse", [S(s)]) => Ok(string(s.chars().rev().collect())),
        ("strings.quote", [S(s)]) => Ok(string(format!("{s:?}"))),
        ("join", [List(l)]) => join(st, l, ""),
        ("join", [List(l), S(sep)]) => join(st, l, sep),
        ("format", [S(f), List(l)]) => super::format::format(st, f, l),
        (
            "charAt" | "lowerAscii" | "upperAscii" | "replace" | "split" | "substring" | "trim"
            | "reverse" | "strings.quote" | "join" | "format",
            _,
        ) => no_overload(name, args),
        _ => return None,
    };
    Some(out)
}

fn counted_list(st: &mut State, items: Vec<Value>) -> R {
    st.charge(items.len() as u64)?;
    Ok(Value::List(Rc::new(items)))
}

fn replace(st: &mut State, s: &str, from: &str, to: &str, n: i64) -> R {
    let count = if from.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(from).count()
    };
    let count = usize::try_from(n).map_or(count, |n| n.min(count));
    // Charged before it is built: the result may be far longer than the receiver.
    st.charge_bytes(s.len() + count.saturating_mul(to.len()))?;
    Ok(string(if n < 0 {
        s.replace(from, to)
    } else {
        s.replacen(from, to, count)
    }))
}

fn join(st: &mut State, l: &[Value], sep: &str) -> R {
    let mut out = String::new();
    for (i, v) in l.iter().enumerate() {
        let Value::String(s) = v else {
            return no_overload("join", std::slice::from_ref(v));
        };
        st.charge_bytes(s.len() + sep.len())?;
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(s);
    }
    Ok(string(out))
}

/// Whether every element of `b` is in `a`.
fn list_contains_all(st: &mut State, a: &[Value], b: &[Value]) -> Result<bool, Halt> {
    for x in b {
        let mut found = false;
        for y in a {
            if equal(st, x, y)? {
                found = true;
                break;
            }
        }
        if !found {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The sets library: lists read as sets.
pub(super) fn sets(st: &mut State, name: &str, args: &[Value]) -> Option<R> {
    let out = match (name, args) {
        ("sets.contains", [Value::List(a), Value::List(b)]) => {
            list_contains_all(st, a, b).map(Value::Bool)
        }
        ("sets.equivalent", [Value::List(a), Value::List(b)]) => list_contains_all(st, a, b)
            .and_then(|ab| Ok(ab && list_contains_all(st, b, a)?))
            .map(Value::Bool),
        ("sets.intersects", [Value::List(a), Value::List(b)]) => (|| {
            for x in b.iter() {
                if list_contains_all(st, a, std::slice::from_ref(x))? {
                    return Ok(Value::Bool(true));
                }
            }
            Ok(Value::Bool(false))
        })(),
        ("sets.contains" | "sets.equivalent" | "sets.intersects", _) => no_overload(name, args),
        _ => return None,
    };
    Some(out)
}

pub(super) fn lists(st: &mut State, name: &str, args: &[Value]) -> Option<R> {
    if !matches!(
        name,
        "isSorted" | "sum" | "min" | "max" | "indexOf" | "lastIndexOf"
    ) {
        return None;
    }
    let (Some(Value::List(l)), rest) = (args.first(), args.get(1..).unwrap_or(&[])) else {
        return Some(no_overload(name, args));
    };
    let l = l.clone();
    let out = (|| match (name, rest) {
        ("isSorted", []) => {
            for w in l.windows(2) {
                if order(st, &w[0], &w[1], name)? == Ordering::Greater {
                    return Ok(Value::Bool(false));
                }
            }
            Ok(Value::Bool(true))
        }
        ("sum", []) => sum(st, &l),
        ("min" | "max", []) => {
            let Some(mut best) = l.first().cloned() else {
                return err(format!("{name}() of an empty list"));
            };
            let want = if name == "min" {
                Ordering::Less
            } else {
                Ordering::Greater
            };
            for v in l.iter().skip(1) {
                if order(st, v, &best, name)? == want {
                    best = v.clone();
                }
            }
            Ok(best)
        }
        ("indexOf", [x]) => {
            for (i, v) in l.iter().enumerate() {
                if equal(st, v, x)? {
                    return Ok(Value::Int(i as i64));
                }
            }
            Ok(Value::Int(-1))
        }
        ("lastIndexOf", [x]) => {
            for (i, v) in l.iter().enumerate().rev() {
                if equal(st, v, x)? {
                    return Ok(Value::Int(i as i64));
                }
            }
            Ok(Value::Int(-1))
        }
        _ => no_overload(name, args),
    })();
    Some(out)
}

fn sum(st: &mut State, l: &[Value]) -> R {
    st.charge(l.len() as u64)?;
    let mut total = match l.first() {
        None | Some(Value::Int(_)) => Value::Int(0),
        Some(Value::Uint(_)) => Value::Uint(0),
        Some(Value::Double(_)) => Value::Double(0.0),
        Some(Value::Duration(_)) => Value::Duration(super::time::Duration { nanos: 0 }),
        Some(other) => return no_overload("sum", std::slice::from_ref(other)),
    };
    for v in l {
        total = match (&total, v) {
            (Value::Int(a), Value::Int(b)) => Value::Int(
                a.checked_add(*b)
                    .ok_or_else(|| Halt::Error("integer overflow".to_string()))?,
            ),
            (Value::Uint(a), Value::Uint(b)) => Value::Uint(
                a.checked_add(*b)
                    .ok_or_else(|| Halt::Error("integer overflow".to_string()))?,
            ),
            (Value::Double(a), Value::Double(b)) => Value::Double(a + b),
            (Value::Duration(a), Value::Duration(b)) => Value::Duration(
                a.checked_add(*b)
                    .ok_or_else(|| Halt::Error("duration out of range".to_string()))?,
            ),
            _ => return no_overload("sum", &[total.clone(), v.clone()]),
        };
    }
    Ok(total)
}

fn quantity_arg(v: &Value) -> Option<Quantity> {
    match v {
        Value::Quantity(q) => Some(*q),
        Value::Int(i) => Some(Quantity::from_int(*i)),
        _ => None,
    }
}

fn quantity(name: &str, args: &[Value]) -> Option<R> {
    use Value::{Bool, Int, Quantity as Q, String as S};
    let out = match (name, args) {
        ("quantity", [S(s)]) => match Quantity::parse(s) {
            Some(q) => Ok(Q(q)),
            None => err(format!("invalid quantity: {s:?}")),
        },
        ("isQuantity", [S(s)]) => Ok(Bool(Quantity::parse(s).is_some())),
        ("compareTo", [Q(a), Q(b)]) => Ok(Int(a.cmp(b) as i64)),
        ("isGreaterThan", [Q(a), Q(b)]) => Ok(Bool(a > b)),
        ("isLessThan", [Q(a), Q(b)]) => Ok(Bool(a < b)),
        ("isInteger", [Q(a)]) => Ok(Bool(a.is_integer())),
        ("asInteger", [Q(a)]) => match a.as_i64() {
            Some(i) => Ok(Int(i)),
            None => err("the quantity cannot be represented as an int64"),
        },
        ("asApproximateFloat", [Q(a)]) => Ok(Value::Double(a.as_f64())),
        ("sign", [Q(a)]) => Ok(Int(a.sign())),
        ("add" | "sub", [Q(a), b]) => match quantity_arg(b) {
            Some(b) => {
                let r = if name == "add" { a.add(&b) } else { a.sub(&b) };
                r.map(Q).ok_or(Halt::Error("quantity overflow".to_string()))
            }
            None => no_overload(name, args),
        },
        (
            "quantity" | "isQuantity" | "compareTo" | "isGreaterThan" | "isLessThan" | "isInteger"
            | "asInteger" | "asApproximateFloat" | "sign" | "add" | "sub",
            _,
        ) => no_overload(name, args),
        _ => return None,
    };
    Some(out)
}

fn ip_and_cidr(name: &str, args: &[Value]) -> Option<R> {
    use Value::{Bool, Cidr as C, Int, Ip, String as S};
    let out = match (name, args) {
        ("ip", [S(s)]) => net::parse_ip(s)
            .map(Ip)
            .ok_or(Halt::Error(format!("invalid IP address: {s:?}"))),
        ("ip", [C(c)]) => Ok(Ip(c.addr)),
        ("isIP", [S(s)]) => Ok(Bool(net::parse_ip(s).is_some())),
        ("ip.isCanonical", [S(s)]) => match net::parse_ip(s) {
            Some(ip) => Ok(Bool(ip.to_string() == **s)),
            None => err(format!("invalid IP address: {s:?}")),
        },
        ("family", [Ip(ip)]) => Ok(Int(net::family(ip))),
        ("isUnspecified", [Ip(ip)]) => Ok(Bool(ip.is_unspecified())),
        ("isLoopback", [Ip(ip)]) => Ok(Bool(ip.is_loopback())),
        ("isLinkLocalMulticast", [Ip(ip)]) => Ok(Bool(net::is_link_local_multicast(ip))),
        ("isLinkLocalUnicast", [Ip(ip)]) => Ok(Bool(net::is_link_local_unicast(ip))),
        ("isGlobalUnicast", [Ip(ip)]) => Ok(Bool(net::is_global_unicast(ip))),
        ("cidr", [S(s)]) => Cidr::parse(s)
            .map(C)
            .ok_or(Halt::Error(format!("invalid CIDR: {s:?}"))),
        ("isCIDR", [S(s)]) => Ok(Bool(Cidr::parse(s).is_some())),
        ("containsIP", [C(c), Ip(ip)]) => Ok(Bool(c.contains_ip(ip))),
        ("containsIP", [C(c), S(s)]) => match net::parse_ip(s) {
            Some(ip) => Ok(Bool(c.contains_ip(&ip))),
            None => err(format!("invalid IP address: {s:?}")),
        },
        ("containsCIDR", [C(c), C(d)]) => Ok(Bool(c.contains_cidr(d))),
        ("containsCIDR", [C(c), S(s)]) => match Cidr::parse(s) {
            Some(d) => Ok(Bool(c.contains_cidr(&d))),
            None => err(format!("invalid CIDR: {s:?}")),
        },
        ("prefixLength", [C(c)]) => Ok(Int(i64::from(c.prefix))),
        ("masked", [C(c)]) => Ok(C(c.masked())),
        (
            "ip"
            | "isIP"
            | "ip.isCanonical"
            | "family"
            | "isUnspecified"
            | "isLoopback"
            | "isLinkLocalMulticast"
            | "isLinkLocalUnicast"
            | "isGlobalUnicast"
            | "cidr"
            | "isCIDR"
            | "containsIP"
            | "containsCIDR"
            | "prefixLength"
            | "masked",
            _,
        ) => no_overload(name, args),
        _ => return None,
    };
    Some(out)
}

fn url(st: &mut State, name: &str, args: &[Value]) -> Option<R> {
    use Value::{Bool, String as S, Url as U};
    let out = match (name, args) {
        ("url", [S(s)]) => match Url::parse(s) {
            Some(u) => Ok(U(Rc::new(u))),
            None => err(format!("invalid URL: {s:?}")),
        },
        ("isURL", [S(s)]) => Ok(Bool(Url::parse(s).is_some())),
        ("getScheme", [U(u)]) => Ok(Value::str(&u.scheme)),
        ("getHost", [U(u)]) => Ok(Value::str(&u.host)),
        ("getHostname", [U(u)]) => Ok(string(u.hostname())),
        ("getPort", [U(u)]) => Ok(string(u.port())),
        ("getEscapedPath", [U(u)]) => Ok(string(u.escaped_path())),
        ("getQuery", [U(u)]) => {
            let pairs = u.query_pairs();
            if let Err(h) = st.charge(pairs.len() as u64 + 1) {
                return Some(Err(h));
            }
            let mut map = Map::new();
            for (k, v) in pairs {
                let entry = map
                    .entry(Key::Str(Rc::from(k)))
                    .or_insert_with(|| Value::List(Rc::new(Vec::new())));
                if let Value::List(l) = entry {
                    Rc::make_mut(l).push(string(v));
                }
            }
            Ok(Value::Map(Rc::new(map)))
        }
        (
            "url" | "isURL" | "getScheme" | "getHost" | "getHostname" | "getPort"
            | "getEscapedPath" | "getQuery",
            _,
        ) => no_overload(name, args),
        _ => return None,
    };
    Some(out)
}

/// Quantity, ip and cidr, url.
pub(super) fn kubernetes_types(st: &mut State, name: &str, args: &[Value]) -> Option<R> {
    if let Some(Value::String(s)) = args.first()
        && let Err(h) = st.charge_bytes(s.len())
    {
        return Some(Err(h));
    }
    quantity(name, args)
        .or_else(|| ip_and_cidr(name, args))
        .or_else(|| url(st, name, args))
}

fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Int(i) => *i == 0,
        Value::Uint(u) => *u == 0,
        Value::Double(d) => *d == 0.0,
        Value::String(s) => s.is_empty(),
        Value::Bytes(b) => b.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Duration(d) => d.nanos == 0,
        Value::Timestamp(t) => t.is_unix_epoch(),
        _ => false,
    }
}

pub(super) fn optional(_st: &mut State, name: &str, args: &[Value]) -> Option<R> {
    use Value::Optional as O;
    let out = match (name, args) {
        ("optional.of", [v]) => Ok(O(Some(Rc::new(v.clone())))),
        ("optional.none", []) => Ok(O(None)),
        ("optional.ofNonZeroValue", [v]) => Ok(O((!is_zero(v)).then(|| Rc::new(v.clone())))),
        ("hasValue", [O(o)]) => Ok(Value::Bool(o.is_some())),
        ("value", [O(Some(v))]) => Ok((**v).clone()),
        ("value", [O(None)]) => err("optional.none() has no value"),
        ("orValue", [O(o), d]) => Ok(o.as_ref().map_or_else(|| d.clone(), |v| (**v).clone())),
        ("or", [O(Some(_)), O(_)]) => Ok(args[0].clone()),
        ("or", [O(None), O(_)]) => Ok(args[1].clone()),
        (
            "optional.of"
            | "optional.none"
            | "optional.ofNonZeroValue"
            | "hasValue"
            | "value"
            | "orValue"
            | "or",
            _,
        ) => no_overload(name, args),
        _ => return None,
    };
    Some(out)
}
