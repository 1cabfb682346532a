//! CEL values, and the span tree read as the API server hands an object to CEL: JSON values
//! (maps with string keys, lists, strings, int64, doubles, booleans, null) decoded from the
//! YAML scalar the way Kubernetes' decoder resolves it.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use super::net::{Cidr, Url};
use super::quantity::Quantity;
use super::time::{Duration, Timestamp};
use crate::load::scalar::Value as Scalar;
use crate::load::{Document, NodeId};

/// A map key: CEL allows strings, integers and booleans. A uint that fits an int is kept
/// as an int, so that `m[1u]` and `m[1]` find the same entry (heterogeneous equality).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    Bool(bool),
    Int(i64),
    Uint(u64),
    Str(Rc<str>),
}

impl Key {
    pub fn of(v: &Value) -> Option<Key> {
        match v {
            Value::Bool(b) => Some(Key::Bool(*b)),
            Value::Int(i) => Some(Key::Int(*i)),
            Value::Uint(u) => Some(i64::try_from(*u).map_or(Key::Uint(*u), Key::Int)),
            Value::Double(d) if d.fract() == 0.0 && d.abs() < 9.2e18 => Some(Key::Int(*d as i64)),
            Value::String(s) => Some(Key::Str(s.clone())),
            _ => None,
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            Key::Bool(b) => Value::Bool(*b),
            Key::Int(i) => Value::Int(*i),
            Key::Uint(u) => Value::Uint(*u),
            Key::Str(s) => Value::String(s.clone()),
        }
    }
}

pub type Map = BTreeMap<Key, Value>;

/// A CEL value. Collections are shared (`Rc`): handing a list to a comprehension, or the
/// object to a field selection, copies nothing.
#[derive(Clone, Debug)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Double(f64),
    String(Rc<str>),
    Bytes(Rc<[u8]>),
    List(Rc<Vec<Value>>),
    Map(Rc<Map>),
    /// A type, as `type(x)` returns and `int`, `string`... name.
    Type(&'static str),
    Optional(Option<Rc<Value>>),
    Quantity(Quantity),
    Ip(std::net::IpAddr),
    Cidr(Cidr),
    Url(Rc<Url>),
    Duration(Duration),
    Timestamp(Timestamp),
}

impl Value {
    /// The same map with the values under each of `fields` (maps) replaced by a placeholder,
    /// their keys kept: a Secret's `data` and `stringData` as a policy may see them.
    pub fn redacted(&self, fields: &[&str]) -> Value {
        let Value::Map(m) = self else {
            return self.clone();
        };
        let mut out = (**m).clone();
        for f in fields {
            let key = Key::Str(Rc::from(*f));
            if let Some(Value::Map(inner)) = out.get(&key) {
                let hidden: Map = inner
                    .keys()
                    .map(|k| (k.clone(), Value::str("(redacted)")))
                    .collect();
                out.insert(key, Value::Map(Rc::new(hidden)));
            }
        }
        Value::Map(Rc::new(out))
    }

    /// The same map with `value` at `path`, the maps on the way made when missing; a value
    /// that is not a map, or a path through one, is left as it is.
    pub fn with_entry(&self, path: &[&str], value: Value) -> Value {
        let (Value::Map(m), Some((first, rest))) = (self, path.split_first()) else {
            return if path.is_empty() { value } else { self.clone() };
        };
        let key = Key::Str(Rc::from(*first));
        let below = match (m.get(&key), rest.is_empty()) {
            (_, true) => value,
            (Some(inner @ Value::Map(_)), false) => inner.with_entry(rest, value),
            (None | Some(Value::Null), false) => {
                Value::Map(Rc::new(Map::new())).with_entry(rest, value)
            }
            (Some(_), false) => return self.clone(),
        };
        let mut out = (**m).clone();
        out.insert(key, below);
        Value::Map(Rc::new(out))
    }

    pub fn str(s: &str) -> Value {
        Value::String(Rc::from(s))
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null_type",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Uint(_) => "uint",
            Value::Double(_) => "double",
            Value::String(_) => "string",
            Value::Bytes(_) => "bytes",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Type(_) => "type",
            Value::Optional(_) => "optional_type",
            Value::Quantity(_) => "kubernetes.Quantity",
            Value::Ip(_) => "net.IP",
            Value::Cidr(_) => "net.CIDR",
            Value::Url(_) => "kubernetes.URL",
            Value::Duration(_) => "google.protobuf.Duration",
            Value::Timestamp(_) => "google.protobuf.Timestamp",
        }
    }

    /// CEL equality with heterogeneous numbers (`1 == 1u`, `1 == 1.0`): values of unrelated
    /// types are unequal, never an error. Each element compared (and each ten bytes of
    /// string) spends one of `budget`; `None` when it runs out.
    pub fn equals(&self, other: &Value, budget: &mut u64) -> Option<bool> {
        *budget = budget.checked_sub(1)?;
        Some(match (self, other) {
            (Value::List(a), Value::List(b)) => {
                if a.len() != b.len() {
                    return Some(false);
                }
                for (x, y) in a.iter().zip(b.iter()) {
                    if !x.equals(y, budget)? {
                        return Some(false);
                    }
                }
                true
            }
            (Value::Map(a), Value::Map(b)) => {
                if a.len() != b.len() {
                    return Some(false);
                }
                for (k, v) in a.iter() {
                    match b.get(k) {
                        Some(w) if v.equals(w, budget)? => {}
                        _ => return Some(false),
                    }
                }
                true
            }
            (Value::String(a), Value::String(b)) => {
                *budget = budget.checked_sub(a.len().min(b.len()) as u64 / 10)?;
                a == b
            }
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Type(a), Value::Type(b)) => a == b,
            (Value::Optional(a), Value::Optional(b)) => match (a, b) {
                (Some(x), Some(y)) => x.equals(y, budget)?,
                (None, None) => true,
                _ => false,
            },
            (Value::Quantity(a), Value::Quantity(b)) => a.cmp(b) == Ordering::Equal,
            (Value::Ip(a), Value::Ip(b)) => a == b,
            (Value::Cidr(a), Value::Cidr(b)) => a == b,
            (Value::Url(a), Value::Url(b)) => a.text == b.text,
            (Value::Duration(a), Value::Duration(b)) => a == b,
            (Value::Timestamp(a), Value::Timestamp(b)) => a == b,
            _ => matches!(numeric_cmp(self, other), Some(Ordering::Equal)),
        })
    }

    /// CEL ordering: numbers across int, uint and double; strings, bytes, bools, durations
    /// and timestamps within their type. `None` when the pair has no ordering (an error in CEL).
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
            (Value::Bytes(a), Value::Bytes(b)) => Some(a.cmp(b)),
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            (Value::Duration(a), Value::Duration(b)) => Some(a.cmp(b)),
            (Value::Timestamp(a), Value::Timestamp(b)) => Some(a.cmp(b)),
            _ => numeric_cmp(self, other),
        }
    }
}

fn numeric_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::{Double, Int, Uint};
    match (a, b) {
        (Int(x), Int(y)) => Some(x.cmp(y)),
        (Uint(x), Uint(y)) => Some(x.cmp(y)),
        (Int(x), Uint(y)) => Some(i128::from(*x).cmp(&i128::from(*y))),
        (Uint(x), Int(y)) => Some(i128::from(*x).cmp(&i128::from(*y))),
        (Double(x), Double(y)) => x.partial_cmp(y),
        (Double(x), Int(y)) => double_int_cmp(*x, i128::from(*y)),
        (Double(x), Uint(y)) => double_int_cmp(*x, i128::from(*y)),
        (Int(x), Double(y)) => double_int_cmp(*y, i128::from(*x)).map(Ordering::reverse),
        (Uint(x), Double(y)) => double_int_cmp(*y, i128::from(*x)).map(Ordering::reverse),
        _ => None,
    }
}

/// A double against an integer, exactly (an i64 does not always fit a double).
fn double_int_cmp(d: f64, i: i128) -> Option<Ordering> {
    if d.is_nan() {
        return None;
    }
    if d >= 1.8e19 {
        return Some(Ordering::Greater);
    }
    if d <= -1.8e19 {
        return Some(Ordering::Less);
    }
    let t = d.trunc() as i128;
    Some(match t.cmp(&i) {
        Ordering::Equal if d > d.trunc() => Ordering::Greater,
        Ordering::Equal if d < d.trunc() => Ordering::Less,
        o => o,
    })
}

/// How deep an object may nest: far beyond any manifest, and a bound on the recursion.
const MAX_TREE_DEPTH: usize = 256;

/// Reads nodes of one document into values. A node reached twice (through an alias) is
/// read once and shared.
pub struct TreeReader<'a> {
    doc: &'a Document,
    seen: HashMap<NodeId, Value>,
}

impl<'a> TreeReader<'a> {
    pub fn new(doc: &'a Document) -> Self {
        TreeReader {
            doc,
            seen: HashMap::new(),
        }
    }

    /// The value of `node`; `None` when it nests deeper than `MAX_TREE_DEPTH`.
    pub fn read(&mut self, node: NodeId, depth: usize) -> Option<Value> {
        if let Some(v) = self.seen.get(&node) {
            return Some(v.clone());
        }
        if depth > MAX_TREE_DEPTH {
            return None;
        }
        let doc = self.doc;
        let v = if doc.is_mapping(node) {
            let mut map = Map::new();
            for e in doc.entries(node) {
                let key: Rc<str> = Rc::from(doc.scalar(e.key).unwrap_or(""));
                // A later duplicate replaces an earlier one, as in Kubernetes' decoder.
                let value = self.read(e.value, depth + 1)?;
                map.insert(Key::Str(key), value);
            }
            Value::Map(Rc::new(map))
        } else if doc.is_sequence(node) {
            let items = doc.items(node).iter().map(|&i| self.read(i, depth + 1));
            let items: Vec<Value> = items.collect::<Option<_>>()?;
            Value::List(Rc::new(items))
        } else {
            match doc.value(node) {
                Some(Scalar::Bool(b)) => Value::Bool(b),
                Some(Scalar::Int(i)) => Value::Int(i),
                Some(Scalar::Float(f)) => Value::Double(f),
                Some(Scalar::Str(s)) => Value::str(s),
                Some(Scalar::Null) | None => Value::Null,
            }
        };
        // Only an alias reaches a node twice: a document without one needs no memo.
        if self.doc.out_of_order && !matches!(v, Value::Null | Value::Bool(_) | Value::Int(_)) {
            self.seen.insert(node, v.clone());
        }
        Some(v)
    }
}

/// One step of a path under `object`: a field, or every element of a list (the element a
/// comprehension's variable stands for, or a literal index).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Field(String),
    Items,
}

/// A path under `object` whose value an expression uses: all of it (`whole`), or only
/// the shape on the way to it (a list a comprehension walks, whose elements are used
/// through the comprehension's variable by other paths).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadPath {
    pub steps: Vec<Step>,
    pub whole: bool,
}

/// The part of an object that expressions use: whole, or some of its fields, each with the
/// part of it used, and for a list the part of each element used (see
/// `Program::read_paths`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields {
    whole: bool,
    fields: BTreeMap<String, Fields>,
    items: Option<Box<Fields>>,
}

impl Fields {
    /// Nothing of the object.
    pub fn none() -> Fields {
        Fields::default()
    }

    /// All of the object.
    pub fn all() -> Fields {
        Fields {
            whole: true,
            ..Fields::default()
        }
    }

    /// These also: all of the object for `None`, else what each path uses.
    pub fn add(&mut self, paths: Option<&[ReadPath]>) {
        let Some(paths) = paths else {
            *self = Fields::all();
            return;
        };
        for path in paths {
            let mut at = &mut *self;
            for step in &path.steps {
                if at.whole {
                    break;
                }
                at = match step {
                    Step::Field(f) => at.fields.entry(f.clone()).or_default(),
                    Step::Items => at.items.get_or_insert_default(),
                };
            }
            if path.whole && !at.whole {
                *at = Fields::all();
            }
        }
    }
}

impl TreeReader<'_> {
    /// The value of `node` with only `fields` of its mappings and of the elements of its
    /// lists; `None` when `node` nests deeper than `MAX_TREE_DEPTH`, read or not (as
    /// [`TreeReader::read`] says).
    pub fn read_fields(&mut self, node: NodeId, fields: &Fields, depth: usize) -> Option<Value> {
        // Through an alias a node may be reached by several paths: read it all. A mapping
        // iterated (its keys are the elements) is read all too.
        let doc = self.doc;
        let pruned = if doc.is_mapping(node) {
            fields.items.is_none()
        } else {
            doc.is_sequence(node) && fields.items.is_some()
        };
        if fields.whole || doc.out_of_order || !pruned {
            return self.read(node, depth);
        }
        if depth > MAX_TREE_DEPTH {
            return None;
        }
        if let Some(items) = &fields.items {
            let mut out = Vec::with_capacity(doc.items(node).len());
            for &i in doc.items(node) {
                out.push(self.read_fields(i, items, depth + 1)?);
            }
            return Some(Value::List(Rc::new(out)));
        }
        let mut map = Map::new();
        for e in doc.entries(node) {
            let key = doc.scalar(e.key).unwrap_or("");
            match fields.fields.get(key) {
                Some(sub) => {
                    let value = self.read_fields(e.value, sub, depth + 1)?;
                    map.insert(Key::Str(Rc::from(key)), value);
                }
                None if too_deep(doc, e.value, depth + 1) => return None,
                None => {}
            }
        }
        Some(Value::Map(Rc::new(map)))
    }
}

/// Whether `node`, at `depth`, nests deeper than `MAX_TREE_DEPTH` (a document without aliases).
fn too_deep(doc: &Document, node: NodeId, depth: usize) -> bool {
    if depth > MAX_TREE_DEPTH {
        return true;
    }
    if doc.is_mapping(node) {
        doc.entries(node).any(|e| too_deep(doc, e.value, depth + 1))
    } else if doc.is_sequence(node) {
        doc.items(node).iter().any(|&i| too_deep(doc, i, depth + 1))
    } else {
        false
    }
}
