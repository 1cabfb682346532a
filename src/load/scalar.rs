//! Scalar resolution as Kubernetes reads manifests: sigs.k8s.io/yaml decodes with go-yaml v2,
//! which follows YAML 1.1. So `yes`/`on`/`y` are booleans, `0444` is octal, `1_000` is an
//! int, and only plain (unquoted, untagged) scalars are resolved at all.

/// How a scalar was written, which decides how Kubernetes' decoder resolves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// A YAML core tag that changes resolution; other tags are kept as `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    None,
    Str,
    Int,
    Float,
    Bool,
    Null,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

impl Value<'_> {
    /// What this value is called in a message about a wrong type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
        }
    }
}

pub fn resolve(text: &str, style: ScalarStyle, tag: Tag) -> Value<'_> {
    match tag {
        Tag::Str | Tag::Other => return Value::Str(text),
        Tag::Null => return Value::Null,
        Tag::Bool => return bool_of(text).map_or(Value::Str(text), Value::Bool),
        Tag::Int => return int_of(text).map_or(Value::Str(text), Value::Int),
        Tag::Float => {
            return float_of(text)
                .or_else(|| int_of(text).map(|i| i as f64))
                .map_or(Value::Str(text), Value::Float);
        }
        Tag::None => {}
    }
    if style != ScalarStyle::Plain {
        return Value::Str(text);
    }
    resolve_plain(text)
}

/// Whether a scalar with an explicit core tag holds what its tag says (`!!int 12`, not
/// `!!int twelve`): go-yaml refuses the document when it does not.
pub fn fits_tag(text: &str, tag: Tag) -> bool {
    match tag {
        Tag::Null => matches!(text, "" | "~" | "null" | "Null" | "NULL"),
        Tag::Bool => bool_of(text).is_some(),
        Tag::Int => int_of(text).is_some(),
        Tag::Float => float_of(text).is_some() || int_of(text).is_some(),
        Tag::None | Tag::Str | Tag::Other => true,
    }
}

fn resolve_plain(text: &str) -> Value<'_> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        _ => {}
    }
    if let Some(b) = bool_of(text) {
        return Value::Bool(b);
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.') {
        if let Some(i) = int_of(text) {
            return Value::Int(i);
        }
        if let Some(f) = float_of(text) {
            return Value::Float(f);
        }
    }
    Value::Str(text)
}

fn bool_of(text: &str) -> Option<bool> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Some(false)
        }
        _ => None,
    }
}

/// Integers as Go's `strconv.ParseInt(s, 0, 64)` reads them after go-yaml drops underscores:
/// optional sign, then `0x` hex, `0o` or leading-`0` octal, `0b` binary, or decimal.
fn int_of(text: &str) -> Option<i64> {
    let (neg, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let b = body.as_bytes();
    let (radix, digits) = match b {
        [b'0', b'x' | b'X', ..] => (16, &body[2..]),
        [b'0', b'o' | b'O', ..] => (8, &body[2..]),
        [b'0', b'b' | b'B', ..] => (2, &body[2..]),
        [b'0', _, ..] => (8, &body[1..]),
        _ => (10, body),
    };
    // go-yaml drops every underscore before parsing.
    let mut magnitude: u64 = 0;
    let mut any = false;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(radix)?;
        magnitude = magnitude
            .checked_mul(u64::from(radix))?
            .checked_add(u64::from(d))?;
        any = true;
    }
    if !any {
        return None;
    }
    if neg {
        if magnitude <= i64::MAX as u64 + 1 {
            Some((magnitude as i128).wrapping_neg() as i64)
        } else {
            None
        }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// go-yaml v2's float forms: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` and the
/// `.inf` / `.nan` spellings.
fn float_of(text: &str) -> Option<f64> {
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let b: std::borrow::Cow<'_, str> = if text.contains('_') {
        text.replace('_', "").into()
    } else {
        text.into()
    };
    let bytes = b.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    while i < bytes.len() && bytes[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if int_digits == 0 && i == frac_start {
            return None;
        }
    } else if int_digits == 0 {
        return None;
    }
    if i < bytes.len() && matches!(bytes[i], b'e' | b'E') {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    if i != bytes.len() {
        return None;
    }
    b.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> Value<'_> {
        resolve(s, ScalarStyle::Plain, Tag::None)
    }

    #[test]
    fn yaml11_booleans() {
        for t in ["yes", "Yes", "on", "ON", "y", "true", "True"] {
            assert_eq!(plain(t), Value::Bool(true), "{t}");
        }
        for f in ["no", "off", "Off", "n", "false", "FALSE"] {
            assert_eq!(plain(f), Value::Bool(false), "{f}");
        }
        assert_eq!(
            resolve("true", ScalarStyle::DoubleQuoted, Tag::None),
            Value::Str("true")
        );
        assert_eq!(
            resolve("yes", ScalarStyle::Plain, Tag::Str),
            Value::Str("yes")
        );
    }

    #[test]
    fn yaml11_integers() {
        assert_eq!(plain("0444"), Value::Int(292));
        assert_eq!(plain("0o17"), Value::Int(15));
        assert_eq!(plain("0x1F"), Value::Int(31));
        assert_eq!(plain("0b101"), Value::Int(5));
        assert_eq!(plain("1_000"), Value::Int(1000));
        assert_eq!(plain("-0"), Value::Int(0));
        assert_eq!(plain("+12"), Value::Int(12));
        assert_eq!(plain("08"), Value::Float(8.0));
        assert_eq!(plain("1e3"), Value::Float(1000.0));
        assert_eq!(plain("1.5"), Value::Float(1.5));
        assert_eq!(plain("1.2.3"), Value::Str("1.2.3"));
        assert_eq!(plain("-"), Value::Str("-"));
    }

    #[test]
    fn tags_that_do_not_fit() {
        assert!(fits_tag("0x1F", Tag::Int) && fits_tag("1", Tag::Float));
        assert!(fits_tag("yes", Tag::Bool) && fits_tag("~", Tag::Null));
        assert!(fits_tag("anything", Tag::Str) && fits_tag("x", Tag::Other));
        for (t, tag) in [
            ("x", Tag::Null),
            ("1", Tag::Bool),
            ("1.5", Tag::Int),
            ("08", Tag::Int),
            ("x", Tag::Float),
        ] {
            assert!(!fits_tag(t, tag), "{t} {tag:?}");
        }
    }

    #[test]
    fn nulls() {
        for n in ["", "~", "null", "NULL"] {
            assert_eq!(plain(n), Value::Null);
        }
        assert_eq!(
            resolve("null", ScalarStyle::SingleQuoted, Tag::None),
            Value::Str("null")
        );
    }
}
