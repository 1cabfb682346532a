//! The math library Kubernetes enables (cel-go's `ext.Math`): `math.greatest` and
//! `math.least` over numbers of any kind, rounding, absolute values and signs, the
//! floating-point tests, bit operations on int and uint, and `math.sqrt`.

use super::cost::{Halt, R, State, err, no_overload};
use super::value::Value;

/// A function of the library (`name` is one `SUPPORTED` lists under `math.`).
pub(super) fn functions(st: &mut State, name: &str, args: &[Value]) -> R {
    use Value::{Bool, Double, Int, Uint};
    match (name, args) {
        ("math.greatest" | "math.least", _) => extreme(st, name, args),
        ("math.ceil", [Double(d)]) => Ok(Double(d.ceil())),
        ("math.floor", [Double(d)]) => Ok(Double(d.floor())),
        // Half away from zero, as Go's math.Round.
        ("math.round", [Double(d)]) => Ok(Double(d.round())),
        ("math.trunc", [Double(d)]) => Ok(Double(d.trunc())),
        ("math.abs", [Int(i)]) => i.checked_abs().map(Int).ok_or_else(overflow),
        ("math.abs", [Uint(_)]) => Ok(args[0].clone()),
        ("math.abs", [Double(d)]) => Ok(Double(d.abs())),
        ("math.sign", [Int(i)]) => Ok(Int(i.signum())),
        ("math.sign", [Uint(u)]) => Ok(Uint((*u).min(1))),
        // Zero (either sign) and NaN are their own sign.
        ("math.sign", [Double(d)]) if *d == 0.0 || d.is_nan() => Ok(Double(*d)),
        ("math.sign", [Double(d)]) => Ok(Double(d.signum())),
        ("math.isInf", [Double(d)]) => Ok(Bool(d.is_infinite())),
        ("math.isNaN", [Double(d)]) => Ok(Bool(d.is_nan())),
        ("math.isFinite", [Double(d)]) => Ok(Bool(d.is_finite())),
        ("math.bitAnd", [Int(a), Int(b)]) => Ok(Int(a & b)),
        ("math.bitAnd", [Uint(a), Uint(b)]) => Ok(Uint(a & b)),
        ("math.bitOr", [Int(a), Int(b)]) => Ok(Int(a | b)),
        ("math.bitOr", [Uint(a), Uint(b)]) => Ok(Uint(a | b)),
        ("math.bitXor", [Int(a), Int(b)]) => Ok(Int(a ^ b)),
        ("math.bitXor", [Uint(a), Uint(b)]) => Ok(Uint(a ^ b)),
        ("math.bitNot", [Int(a)]) => Ok(Int(!a)),
        ("math.bitNot", [Uint(a)]) => Ok(Uint(!a)),
        ("math.bitShiftLeft" | "math.bitShiftRight", [Int(_) | Uint(_), Int(n)]) => {
            shift(name, &args[0], *n)
        }
        ("math.sqrt", [Int(i)]) => Ok(Double((*i as f64).sqrt())),
        ("math.sqrt", [Uint(u)]) => Ok(Double((*u as f64).sqrt())),
        ("math.sqrt", [Double(d)]) => Ok(Double(d.sqrt())),
        _ => no_overload(name, args),
    }
}

fn overflow() -> Halt {
    Halt::Error("integer overflow".to_string())
}

/// A shift by `n` bits: a negative `n` is an error, 64 or more gives 0, and a right shift
/// of an int fills with zeros (the sign is not kept), as cel-go does.
fn shift(name: &str, v: &Value, n: i64) -> R {
    if n < 0 {
        return err(format!("{name}() negative offset: {n}"));
    }
    let bits = match v {
        Value::Int(i) => *i as u64,
        Value::Uint(u) => *u,
        _ => return no_overload(name, &[v.clone(), Value::Int(n)]),
    };
    let shifted = match (n >= 64, name == "math.bitShiftLeft") {
        (true, _) => 0,
        (false, true) => bits << n,
        (false, false) => bits >> n,
    };
    Ok(match v {
        Value::Int(_) => Value::Int(shifted as i64),
        _ => Value::Uint(shifted),
    })
}

/// `math.greatest` or `math.least` of its arguments, or of the one list given: numbers of
/// any kind compared by value, the first of equal ones kept with its own type.
fn extreme(st: &mut State, name: &str, args: &[Value]) -> R {
    let items: &[Value] = match args {
        [Value::List(l)] => l,
        _ => args,
    };
    st.charge(items.len() as u64)?;
    let Some(first) = items.first() else {
        return err(format!("{name}(): no numbers to compare"));
    };
    let numeric = |v: &Value| matches!(v, Value::Int(_) | Value::Uint(_) | Value::Double(_));
    if !numeric(first) {
        return no_overload(name, std::slice::from_ref(first));
    }
    let want = if name == "math.greatest" {
        std::cmp::Ordering::Greater
    } else {
        std::cmp::Ordering::Less
    };
    let mut best = first;
    for v in &items[1..] {
        if !numeric(v) {
            return no_overload(name, std::slice::from_ref(v));
        }
        match v.compare(best) {
            Some(o) if o == want => best = v,
            Some(_) => {}
            None => return err(format!("{name}(): NaN values cannot be ordered")),
        }
    }
    if let Value::Double(d) = best
        && d.is_nan()
    {
        return err(format!("{name}(): NaN values cannot be ordered"));
    }
    Ok(best.clone())
}
