//! What Kubernetes' decoder makes of a document: sigs.k8s.io/yaml turns go-yaml v2's value
//! into JSON before anything else reads it. Mapping keys become strings (`y` is the key
//! `"true"`, `1e3` the key `"1000"`), a later duplicate key replaces an earlier one, and what
//! JSON cannot hold (a null or collection key, an infinite or NaN value) makes the whole
//! document unreadable: kubectl refuses the file.

use serde_json::{Map, Number, Value as Json};

use super::scalar::{self, Value};
use super::tree::{Document, NodeId, NodeKind};
use crate::span::Span;

/// go-yaml's own limit on nesting; a deeper document is refused.
const MAX_DEPTH: usize = 10_000;

/// Why Kubernetes cannot turn a document into JSON, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Unconvertible {
    pub span: Span,
    pub reason: &'static str,
}

impl Document {
    /// The node as the JSON Kubernetes' decoder makes of it (see the module's doc).
    pub fn to_json(&self, id: NodeId) -> Result<Json, Unconvertible> {
        self.json_at(id, 0)
    }

    fn json_at(&self, id: NodeId, depth: usize) -> Result<Json, Unconvertible> {
        if depth > MAX_DEPTH {
            return Err(self.unconvertible(id, "it nests deeper than 10000 levels"));
        }
        match self.node(id).kind {
            NodeKind::Scalar { .. } => self.scalar_json(id),
            NodeKind::Sequence { .. } => self
                .items(id)
                .iter()
                .map(|&i| self.json_at(i, depth + 1))
                .collect::<Result<Vec<_>, _>>()
                .map(Json::Array),
            NodeKind::Mapping { .. } => {
                let mut map = Map::new();
                for e in self.entries(id) {
                    let key = self.json_key(e.key)?;
                    map.insert(key, self.json_at(e.value, depth + 1)?);
                }
                Ok(Json::Object(map))
            }
        }
    }

    fn unconvertible(&self, id: NodeId, reason: &'static str) -> Unconvertible {
        Unconvertible {
            span: self.span(id),
            reason,
        }
    }

    fn scalar_json(&self, id: NodeId) -> Result<Json, Unconvertible> {
        if let Some(u) = self.misfit_tag(id) {
            return Err(u);
        }
        Ok(match self.value(id) {
            None | Some(Value::Null) => Json::Null,
            Some(Value::Bool(b)) => Json::Bool(b),
            Some(Value::Int(i)) => Json::from(i),
            Some(Value::Float(f)) => match Number::from_f64(f) {
                Some(n) => Json::Number(n),
                None => return Err(self.non_finite(id)),
            },
            Some(Value::Str(s)) => Json::String(s.to_string()),
        })
    }

    /// A scalar with a core tag it does not fit (`!!int x`), which go-yaml refuses.
    fn misfit_tag(&self, id: NodeId) -> Option<Unconvertible> {
        match self.node(id).kind {
            NodeKind::Scalar { tag, .. } if !scalar::fits_tag(self.scalar(id)?, tag) => {
                Some(self.unconvertible(
                    id,
                    "a scalar does not hold what its tag (`!!int`, `!!float`, `!!bool`, `!!null`) says",
                ))
            }
            _ => None,
        }
    }

    fn non_finite(&self, id: NodeId) -> Unconvertible {
        self.unconvertible(
            id,
            "JSON has no infinite or NaN number (`.inf`, `.nan`): quote it if it is a string",
        )
    }

    /// A mapping key as the string JSON needs: go-yaml's value of it, written as
    /// sigs.k8s.io/yaml writes it.
    fn json_key(&self, key: NodeId) -> Result<String, Unconvertible> {
        if let Some(u) = self.misfit_tag(key) {
            return Err(u);
        }
        match self.value(key) {
            Some(Value::Str(s)) => Ok(s.to_string()),
            Some(Value::Bool(b)) => Ok(b.to_string()),
            Some(Value::Int(i)) => Ok(i.to_string()),
            Some(Value::Float(f)) => Ok(go_float32_key(f)),
            None | Some(Value::Null) => Err(self.bad_key(key)),
        }
    }

    fn bad_key(&self, key: NodeId) -> Unconvertible {
        if self.is_mapping(key) || self.is_sequence(key) {
            self.unconvertible(key, "a mapping key is a list or a mapping")
        } else {
            self.unconvertible(
                key,
                "a mapping key is null (empty, `~` or `null`): quote it if it is a string",
            )
        }
    }

    /// The first node that keeps Kubernetes from reading the document as JSON, found without
    /// building the JSON: a null or collection key, or an infinite or NaN value.
    pub fn unconvertible_node(&self) -> Option<Unconvertible> {
        let root = self.root?;
        let bad_value = |id: NodeId| match self.value(id) {
            Some(Value::Float(f)) if !f.is_finite() => Some(self.non_finite(id)),
            _ => self.misfit_tag(id),
        };
        let bad_key = |id: NodeId| match self.value(id) {
            None | Some(Value::Null) => Some(self.bad_key(id)),
            _ => self.misfit_tag(id),
        };
        if let Some(u) = bad_value(root) {
            return Some(u);
        }
        for (i, n) in self.nodes.iter().enumerate() {
            let found = match n.kind {
                NodeKind::Mapping { .. } => self
                    .entries(i as NodeId)
                    .find_map(|e| bad_key(e.key).or_else(|| bad_value(e.value))),
                NodeKind::Sequence { .. } => {
                    self.items(i as NodeId).iter().find_map(|&v| bad_value(v))
                }
                NodeKind::Scalar { .. } => None,
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }
}

/// A float map key as sigs.k8s.io/yaml writes it: Go's `FormatFloat(f, 'g', -1, 32)` (the
/// shortest digits that read back as the same float32; an exponent below -4 or from 6 on is
/// written `d.ddde±XX`), with `.inf`, `-.inf` and `.nan` for what Go writes `+Inf`, `-Inf`
/// and `NaN`.
fn go_float32_key(f: f64) -> String {
    let single = f as f32;
    if single.is_nan() {
        return ".nan".into();
    }
    // Also a float64 beyond float32's range, as Go's conversion makes it.
    if single.is_infinite() {
        return if single > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    if single == 0.0 {
        return if single.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `-1.2345679e8`.
    let e = format!("{single:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if neg { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}{rest}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1; // digits before the decimal point
    if point <= 0 {
        let zeros = "0".repeat((-point) as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let point = point as usize;
    if digits.len() <= point {
        let zeros = "0".repeat(point - digits.len());
        format!("{sign}{digits}{zeros}")
    } else {
        format!("{sign}{}.{}", &digits[..point], &digits[point..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_text;
    use serde_json::json;

    fn json_of(text: &str) -> Json {
        let l = load_text(text);
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        let d = &l.docs[0];
        d.to_json(d.root.unwrap()).unwrap()
    }

    /// The documents of a YAML text as the parser builds them, before `load_text` drops those
    /// Kubernetes cannot convert.
    fn parsed(text: &str) -> Vec<Document> {
        let mut out = crate::load::Loaded::default();
        crate::load::yaml::read_stream(text, crate::load::Empty::Keep, &mut out);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        out.docs
    }

    #[test]
    fn values_resolve_as_kubernetes_resolves_them() {
        let j = json_of(
            "a: yes\nb: 0755\nc: 1e3\nd: ~\ne: \"on\"\nf: [1_000, 0x1F, 1.5, !!str 1]\ng: |\n  x\n",
        );
        assert_eq!(
            j,
            json!({"a": true, "b": 493, "c": 1000.0, "d": null, "e": "on",
                   "f": [1000, 31, 1.5, "1"], "g": "x\n"})
        );
    }

    #[test]
    fn keys_are_written_as_sigs_k8s_io_yaml_writes_them() {
        // kubectl's own output for these keys (kubectl patch --local -o json).
        let j = json_of(
            "y: 1\nno: 2\n0755: 3\n-0: 4\n1e3: 5\n123456789.5: 6\n0.000012345: 7\n.inf: 8\n-.inf: 9\n.nan: 10\n1e21: 11\n0.1: 12\n3.: 13\n1000000.0: 14\n-2.5e+3: 15\n16777217.0: 16\n",
        );
        let keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = vec![
            "true",
            "false",
            "493",
            "0",
            "1000",
            "1.2345679e+08",
            "1.2345e-05",
            ".inf",
            "-.inf",
            ".nan",
            "1e+21",
            "0.1",
            "3",
            "1e+06",
            "-2500",
            "1.6777216e+07",
        ];
        want.sort();
        assert_eq!(keys, want);
    }

    #[test]
    fn the_last_duplicate_key_wins_and_merges_apply() {
        let l = load_text("a: 1\na: 2\n");
        let d = &l.docs[0];
        assert_eq!(d.to_json(d.root.unwrap()).unwrap(), json!({"a": 2}));
        // `y` is the key "true" to Kubernetes.
        let j = json_of("b: &b {x: 1, p: 2, y: 0}\nm: {<<: *b, p: 3}\nk: {p: 3, <<: *b}\n");
        assert_eq!(j["m"], json!({"x": 1, "p": 3, "true": 0}));
        assert_eq!(j["k"], json!({"x": 1, "p": 2, "true": 0}));
    }

    #[test]
    fn what_json_cannot_hold_is_unconvertible() {
        for (text, line, col, why) in [
            ("a:\n  b: .inf\n", 2, 5, "infinite"),
            ("a: [1, .NaN]\n", 1, 7, "NaN"),
            ("a:\n  ~: 1\n", 2, 2, "null"),
            ("a:\n  [x]: 1\n", 2, 2, "list or a mapping"),
            ("-.inf\n", 1, 0, "infinite"),
            ("a: !!null x\n", 1, 3, "tag"),
            ("a:\n- !!int 1.5\n", 2, 2, "tag"),
        ] {
            let docs = parsed(text);
            let d = &docs[0];
            let from_walk = d.to_json(d.root.unwrap()).unwrap_err();
            let found = d.unconvertible_node().unwrap();
            assert_eq!(from_walk, found, "{text}");
            assert_eq!((found.span.start.line, found.span.start.col), (line, col));
            assert!(found.reason.contains(why), "{text}: {}", found.reason);
        }
        // Quoted, they are strings; as keys, infinities are fine.
        let docs = parsed("a: \".inf\"\n.inf: 1\n\"~\": 2\n1e300: 3\n");
        assert!(docs[0].unconvertible_node().is_none());
        let j = docs[0].to_json(docs[0].root.unwrap()).unwrap();
        // 1e300 overflows float32: it is the key `.inf` too, and the later one wins.
        assert_eq!(j, json!({"a": ".inf", ".inf": 3, "~": 2}));
    }
}
