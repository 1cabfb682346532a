//! The extended lists library (cel-go's `ext.Lists`, as Kubernetes enables it): `slice`,
//! `flatten`, `sort`, `distinct`, `reverse` and `lists.range` (`sortBy`, a macro, is
//! evaluated with the comprehensions). Every element copied, visited or compared is charged
//! before anything is allocated.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::rc::Rc;

use super::cost::{Halt, R, State, equal, err, no_overload};
use super::value::{Key, Value};

pub(super) fn functions(st: &mut State, name: &str, args: &[Value]) -> Option<R> {
    use Value::{Int, List};
    let out = match (name, args) {
        ("lists.range", [Int(n)]) => range(st, *n),
        ("slice", [List(l), Int(a), Int(b)]) => slice(st, l, *a, *b),
        ("flatten", [List(l)]) => flatten(st, l, 1),
        ("flatten", [List(l), Int(depth)]) => flatten(st, l, *depth),
        ("sort", [List(l)]) => sort(st, l),
        ("distinct", [List(l)]) => distinct(st, l),
        ("reverse", [List(l)]) => st
            .charge(l.len() as u64)
            .map(|_| Value::List(Rc::new(l.iter().rev().cloned().collect()))),
        // The strings library has a `reverse` too.
        ("reverse", _) => return None,
        ("lists.range" | "slice" | "flatten" | "sort" | "distinct", _) => no_overload(name, args),
        _ => return None,
    };
    Some(out)
}

/// The longest list `lists.range` makes (cel-go's bound).
const MAX_RANGE: i64 = 10_000_000;

/// `[0, 1, ..., n - 1]`, charged before it is built.
fn range(st: &mut State, n: i64) -> R {
    if n < 0 {
        return err(format!("lists.range: size must be non-negative, got {n}"));
    }
    if n > MAX_RANGE {
        return err(format!(
            "lists.range: size {n} exceeds maximum allowed ({MAX_RANGE})"
        ));
    }
    st.charge(n as u64)?;
    Ok(Value::List(Rc::new((0..n).map(Value::Int).collect())))
}

fn slice(st: &mut State, l: &[Value], start: i64, end: i64) -> R {
    if start < 0 || end < 0 {
        return err(format!(
            "cannot slice({start}, {end}), negative indexes not supported"
        ));
    }
    if start > end {
        return err(format!(
            "cannot slice({start}, {end}), start index must be less than or equal to end index"
        ));
    }
    let (a, b) = (start as usize, end as usize);
    if b > l.len() {
        return err(format!(
            "cannot slice({start}, {end}), list is length {}",
            l.len()
        ));
    }
    st.charge((b - a) as u64)?;
    Ok(Value::List(Rc::new(l[a..b].to_vec())))
}

fn flatten(st: &mut State, l: &[Value], depth: i64) -> R {
    if depth < 0 {
        return err("flatten(): level must be non-negative");
    }
    let mut out = Vec::new();
    flatten_into(st, &mut out, l, depth)?;
    Ok(Value::List(Rc::new(out)))
}

/// The elements of `l` into `out`, those that are lists spliced in, `depth` levels down.
fn flatten_into(st: &mut State, out: &mut Vec<Value>, l: &[Value], depth: i64) -> Result<(), Halt> {
    st.charge(l.len() as u64)?;
    for v in l {
        match v {
            Value::List(inner) if depth > 0 => flatten_into(st, out, inner, depth - 1)?,
            other => out.push(other.clone()),
        }
    }
    Ok(())
}

/// Checks that `keys` can be sorted (all of one ordered type, no NaN) and charges the
/// comparisons a sort makes: about `n log n`, each string or bytes one per ten bytes.
pub(super) fn check_sortable(st: &mut State, name: &str, keys: &[Value]) -> Result<(), Halt> {
    let Some(first) = keys.first() else {
        return Ok(());
    };
    let mut bytes = 0usize;
    for k in keys {
        let ordered = match k {
            Value::Double(d) => !d.is_nan(),
            Value::String(s) => {
                bytes = bytes.saturating_add(s.len());
                true
            }
            Value::Bytes(b) => {
                bytes = bytes.saturating_add(b.len());
                true
            }
            Value::Int(_)
            | Value::Uint(_)
            | Value::Bool(_)
            | Value::Duration(_)
            | Value::Timestamp(_) => true,
            _ => false,
        };
        if !ordered {
            return no_overload(name, std::slice::from_ref(k));
        }
        if k.type_name() != first.type_name() {
            return err(format!("{name}(): list elements must have the same type"));
        }
    }
    let n = keys.len() as u64;
    let log = u64::from(64 - n.leading_zeros());
    st.charge(n.saturating_mul(log + 1))?;
    st.charge((bytes as u64 / 10).saturating_mul(log + 1))
}

/// The order of two keys that [`check_sortable`] accepted.
pub(super) fn key_order(a: &Value, b: &Value) -> Ordering {
    a.compare(b).unwrap_or(Ordering::Equal)
}

fn sort(st: &mut State, l: &[Value]) -> R {
    check_sortable(st, "sort", l)?;
    let mut out = l.to_vec();
    out.sort_by(key_order);
    Ok(Value::List(Rc::new(out)))
}

/// Whether a value's map key decides its equality to every value of the fast path: an
/// integer (of any kind) small enough to be exact as a double, a bool or a string.
fn exact_key(v: &Value) -> Option<Key> {
    const EXACT: u64 = 1 << 53;
    let fast = match v {
        Value::Bool(_) | Value::String(_) => true,
        Value::Int(i) => i.unsigned_abs() < EXACT,
        Value::Uint(u) => *u < EXACT,
        Value::Double(d) => d.fract() == 0.0 && d.abs() < EXACT as f64,
        _ => false,
    };
    if fast { Key::of(v) } else { None }
}

/// The elements in order, each kept once (the first of equal ones, CEL equality: `1`,
/// `1u` and `1.0` are one). Keys find most repeats; the rest are compared one by one.
fn distinct(st: &mut State, l: &[Value]) -> R {
    st.charge(l.len() as u64)?;
    let mut seen: HashSet<Key> = HashSet::new();
    let mut out: Vec<Value> = Vec::new();
    for v in l {
        if let Value::String(s) = v {
            st.charge_bytes(s.len())?;
        }
        if let Some(k) = exact_key(v) {
            if seen.insert(k) {
                out.push(v.clone());
            }
            continue;
        }
        let mut repeated = false;
        for kept in &out {
            if equal(st, kept, v)? {
                repeated = true;
                break;
            }
        }
        if !repeated {
            if let Some(k) = Key::of(v) {
                seen.insert(k);
            }
            out.push(v.clone());
        }
    }
    Ok(Value::List(Rc::new(out)))
}
