//! `format` of the Kubernetes strings library: `"%s has %d items".format([name, n])`, with
//! the verbs `%s %d %f %e %x %X %o %b` and `%%`, and a precision for `%f` and `%e`.

use std::fmt::Write;
use std::rc::Rc;

use super::cost::{Halt, R, State, err};
use super::value::Value;

pub(super) fn format(st: &mut State, template: &str, args: &[Value]) -> R {
    let mut out = String::new();
    let mut next = args.iter();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut digits = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(*d);
                chars.next();
            }
            precision = Some(digits.parse().unwrap_or(0).min(100));
        }
        let Some(verb) = chars.next() else {
            return err("format: a % at the end of the template");
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = next.next() else {
            return err("format: fewer arguments than the template's verbs");
        };
        verb_into(st, &mut out, verb, precision, arg)?;
        st.charge_bytes(out.len())?;
    }
    st.charge_bytes(out.len())?;
    Ok(Value::String(Rc::from(out)))
}

fn verb_into(
    st: &mut State,
    out: &mut String,
    verb: char,
    precision: Option<usize>,
    arg: &Value,
) -> Result<(), Halt> {
    let number = match arg {
        Value::Int(i) => Some(*i as f64),
        Value::Uint(u) => Some(*u as f64),
        Value::Double(d) => Some(*d),
        _ => None,
    };
    // Writing to a String cannot fail.
    let _ = match (verb, arg) {
        ('s', v) => {
            render(st, out, v)?;
            Ok(())
        }
        ('d', Value::Int(i)) => write!(out, "{i}"),
        ('d', Value::Uint(u)) => write!(out, "{u}"),
        ('f', _) if number.is_some() => {
            write!(out, "{:.*}", precision.unwrap_or(6), number.unwrap_or(0.0))
        }
        ('e', _) if number.is_some() => {
            let s = format!("{:.*e}", precision.unwrap_or(6), number.unwrap_or(0.0));
            let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
            let e: i32 = e.parse().unwrap_or(0);
            write!(out, "{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
        }
        ('x', Value::Int(i)) => write!(
            out,
            "{}{:x}",
            if *i < 0 { "-" } else { "" },
            i.unsigned_abs()
        ),
        ('X', Value::Int(i)) => write!(
            out,
            "{}{:X}",
            if *i < 0 { "-" } else { "" },
            i.unsigned_abs()
        ),
        ('o', Value::Int(i)) => write!(
            out,
            "{}{:o}",
            if *i < 0 { "-" } else { "" },
            i.unsigned_abs()
        ),
        ('b', Value::Int(i)) => write!(
            out,
            "{}{:b}",
            if *i < 0 { "-" } else { "" },
            i.unsigned_abs()
        ),
        ('x', Value::Uint(u)) => write!(out, "{u:x}"),
        ('X', Value::Uint(u)) => write!(out, "{u:X}"),
        ('o', Value::Uint(u)) => write!(out, "{u:o}"),
        ('b', Value::Uint(u)) => write!(out, "{u:b}"),
        ('x' | 'X', Value::String(s)) => {
            st.charge_bytes(s.len() * 2)?;
            for b in s.bytes() {
                let _ = if verb == 'x' {
                    write!(out, "{b:02x}")
                } else {
                    write!(out, "{b:02X}")
                };
            }
            Ok(())
        }
        _ => {
            return err(format!(
                "format: %{verb} does not apply to a {}",
                arg.type_name()
            ));
        }
    };
    Ok(())
}

/// A value as `%s` writes it; every element written is charged, so a shared structure
/// cannot make it long.
fn render(st: &mut State, out: &mut String, v: &Value) -> Result<(), Halt> {
    st.charge(1)?;
    match v {
        Value::String(s) => {
            st.charge_bytes(s.len())?;
            out.push_str(s);
        }
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Uint(u) => out.push_str(&u.to_string()),
        Value::Double(d) => out.push_str(&format_double(*d)),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => out.push_str("null"),
        Value::Type(t) => out.push_str(t),
        Value::Ip(ip) => out.push_str(&ip.to_string()),
        Value::Cidr(c) => out.push_str(&c.to_string()),
        Value::Duration(d) => out.push_str(&d.to_seconds_string()),
        Value::Timestamp(t) => out.push_str(&t.to_rfc3339()),
        Value::List(l) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(st, out, x)?;
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(st, out, &k.to_value())?;
                out.push_str(": ");
                render(st, out, x)?;
            }
            out.push('}');
        }
        other => {
            return err(format!(
                "format: %s does not apply to a {}",
                other.type_name()
            ));
        }
    }
    Ok(())
}

/// A double as Go's `strconv.FormatFloat(d, 'g', -1, 64)` writes it (CEL's `string(d)`):
/// shortest round-trip digits, with an exponent when it is below -4 or at least 6
/// (`1e+06`, `1.5e-05`).
pub(super) fn format_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".to_string();
    }
    if d.is_infinite() {
        return if d > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let s = format!("{d:e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    if d != 0.0 && !(-4..6).contains(&e) {
        return format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    format!("{d}")
}
