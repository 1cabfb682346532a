//! The evaluator: a walk over the parsed tree that counts every step and every element or
//! byte it builds against the limit, and stops the moment the count passes it.
//!
//! Errors are values in CEL: `&&` and `||` absorb an error when the other side decides the
//! result, and `@not_strictly_false` (the loop condition of `all` and `exists`) reads an
//! error as true. The other halts (cost, not implemented) are never absorbed.

use std::rc::Rc;

use cel::common::ast::{CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedExpr, LiteralValue};

use super::cost::{Halt, R, State, err};
use super::functions;
use super::macros::binding_call;
use super::value::{Key, Map, TreeReader, Value};
use super::{Input, NodeRef, Outcome, Program, Request, Variable};

/// How many variables a policy may have (later ones cannot be read): a bound on the work of
/// resolving which are read, never reached by a real policy.
const MAX_VARIABLES: usize = 1_000;

pub(super) fn run(p: &Program, input: &Input, limit: u64) -> Outcome {
    match bind(input) {
        Ok(b) => run_bound(p, &b, limit),
        Err(message) => Outcome::Error { message },
    }
}

/// The variables of an input read into values once, for every expression evaluated on it.
pub(super) fn bind<'a>(input: &Input<'a>) -> Result<super::Bound<'a>, String> {
    Ok(super::Bound {
        globals: globals(input)?,
        variables: input.variables,
    })
}

pub(super) fn run_bound(p: &Program, bound: &super::Bound<'_>, limit: u64) -> Outcome {
    if let Some(u) = p.inner.unsupported.first() {
        return Outcome::NotEvaluated {
            name: u.name.clone(),
            offset: u.offset,
        };
    }
    let mut state = State {
        steps: 0,
        limit,
        globals: &bound.globals,
        variables: bound.variables,
        memo: vec![None; bound.variables.len().min(MAX_VARIABLES)],
    };
    compute_variables_read(p, &mut state);
    let mut interp = Interp {
        program: p,
        scopes: Vec::new(),
        state: &mut state,
    };
    match interp.eval(&p.inner.expr) {
        Ok(v) => Outcome::Value(v),
        Err(Halt::Error(message)) => Outcome::Error { message },
        Err(Halt::Cost) => Outcome::CostExceeded { limit },
        Err(Halt::NotEvaluated { name, offset }) => Outcome::NotEvaluated { name, offset },
    }
}

pub(super) fn node_value(node: Option<NodeRef>) -> Result<Value, String> {
    match node {
        None => Ok(Value::Null),
        Some(n) => TreeReader::new(n.doc)
            .read(n.node, 0)
            .ok_or_else(|| "the object nests too deeply to evaluate".to_string()),
    }
}

pub(super) fn fields_value(n: NodeRef, fields: &super::Fields) -> Result<Value, String> {
    TreeReader::new(n.doc)
        .read_fields(n.node, fields, 0)
        .ok_or_else(|| "the object nests too deeply to evaluate".to_string())
}

fn globals(input: &Input) -> Result<Vec<(&'static str, Value)>, String> {
    Ok(vec![
        ("object", node_value(input.object)?),
        ("oldObject", node_value(input.old_object)?),
        ("params", node_value(input.params)?),
        ("namespaceObject", node_value(input.namespace_object)?),
        ("request", request_value(&input.request)),
    ])
}

fn map_of(entries: Vec<(&str, Value)>) -> Value {
    let map: Map = entries
        .into_iter()
        .map(|(k, v)| (Key::Str(Rc::from(k)), v))
        .collect();
    Value::Map(Rc::new(map))
}

pub(super) fn request_value(r: &Request) -> Value {
    let kind = map_of(vec![
        ("group", Value::str(&r.kind.group)),
        ("version", Value::str(&r.kind.version)),
        ("kind", Value::str(&r.kind.kind)),
    ]);
    let resource = map_of(vec![
        ("group", Value::str(&r.resource.group)),
        ("version", Value::str(&r.resource.version)),
        ("resource", Value::str(&r.resource.resource)),
    ]);
    map_of(vec![
        ("kind", kind.clone()),
        ("resource", resource.clone()),
        ("requestKind", kind),
        ("requestResource", resource),
        ("subResource", Value::str("")),
        ("name", Value::str(&r.name)),
        ("namespace", Value::str(&r.namespace)),
        ("operation", Value::str(&r.operation)),
        ("uid", Value::str("")),
        // Nobody in particular: a typed UserInfo whose fields are all empty (reading one
        // gives its zero value, as in the API server, not an error).
        (
            "userInfo",
            map_of(vec![
                ("username", Value::str("")),
                ("uid", Value::str("")),
                ("groups", Value::List(Rc::new(Vec::new()))),
                ("extra", map_of(Vec::new())),
            ]),
        ),
        ("dryRun", Value::Bool(false)),
    ])
}

fn literal(l: &LiteralValue) -> Value {
    match l {
        LiteralValue::Boolean(b) => Value::Bool(*b.inner()),
        LiteralValue::Bytes(b) => Value::Bytes(Rc::from(b.inner())),
        LiteralValue::Double(d) => Value::Double(*d.inner()),
        LiteralValue::Int(i) => Value::Int(*i.inner()),
        LiteralValue::Null => Value::Null,
        LiteralValue::String(s) => Value::str(s.inner()),
        LiteralValue::UInt(u) => Value::Uint(*u.inner()),
    }
}

/// The names of CEL's types, as identifiers (`type(x) == int`).
pub(super) const TYPE_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
    "google.protobuf.Duration",
    "google.protobuf.Timestamp",
];

fn type_value(name: &str) -> Option<Value> {
    TYPE_NAMES
        .iter()
        .find(|t| **t == name)
        .map(|t| Value::Type(t))
}

/// A dotted type name written as selections (`google.protobuf.Duration`): the name, and the
/// identifier it starts with (a type name only when that is not a variable).
pub(super) fn dotted_type_name(e: &IdedExpr) -> Option<(&'static str, &str)> {
    let Expr::Select(s) = &e.expr else {
        return None;
    };
    // Most selections are fields: only a type's last name is worth looking further at.
    if !TYPE_NAMES.iter().any(|t| {
        t.strip_suffix(s.field.as_str())
            .is_some_and(|p| p.ends_with('.'))
    }) {
        return None;
    }
    let mut parts = vec![s.field.as_str()];
    let mut at = &s.operand;
    let root = loop {
        match &at.expr {
            Expr::Select(inner) if !inner.test && parts.len() < 3 => {
                parts.push(&inner.field);
                at = &inner.operand;
            }
            Expr::Ident(root) => break root.as_str(),
            _ => return None,
        }
    };
    parts.push(root);
    parts.reverse();
    let name = parts.join(".");
    let found = TYPE_NAMES.iter().find(|t| **t == name)?;
    Some((found, root))
}

/// One expression being evaluated: its comprehension variables, innermost last.
pub(super) struct Interp<'p, 's, 'i> {
    program: &'p Program,
    /// An accumulator may hold an error: `all` and `exists` absorb it if a later element
    /// decides the result.
    pub(super) scopes: Vec<(&'p str, R)>,
    pub(super) state: &'s mut State<'i>,
}

impl<'p, 'i> Interp<'p, '_, 'i> {
    pub(super) fn eval(&mut self, e: &'p IdedExpr) -> R {
        self.state.charge(1)?;
        match &e.expr {
            Expr::Literal(l) => Ok(literal(l)),
            Expr::Ident(name) => self.ident(name, e.id),
            Expr::Select(s) => {
                if let Some((t, root)) = dotted_type_name(e)
                    && !self.is_bound(root)
                    && !self.state.globals.iter().any(|(g, _)| *g == root)
                {
                    return Ok(Value::Type(t));
                }
                if let Expr::Ident(v) = &s.operand.expr
                    && v == "variables"
                    && !self.is_bound(v)
                {
                    return self.variable(&s.field, s.operand.id);
                }
                let target = self.eval(&s.operand)?;
                if s.test {
                    functions::has_field(&target, &s.field)
                } else {
                    functions::select(&target, &s.field)
                }
            }
            Expr::Call(c) => self.call(c, e.id),
            Expr::List(l) => {
                let mut out = Vec::with_capacity(l.elements.len());
                for (i, el) in l.elements.iter().enumerate() {
                    let v = self.eval(el)?;
                    if !l.optional_indices.contains(&i) {
                        out.push(v);
                    } else if let Value::Optional(o) = v {
                        out.extend(o.map(|x| (*x).clone()));
                    } else {
                        return err("an optional list element must be an optional value");
                    }
                }
                self.state.charge(out.len() as u64)?;
                Ok(Value::List(Rc::new(out)))
            }
            Expr::Map(m) => self.map(&m.entries),
            Expr::Comprehension(c) => {
                let depth = self.scopes.len();
                let out = self.comprehension(c);
                self.scopes.truncate(depth);
                out
            }
            Expr::Struct(_) | Expr::Unspecified => Err(Halt::NotEvaluated {
                name: "message construction".to_string(),
                offset: self.program.offset(e.id),
            }),
        }
    }

    fn is_bound(&self, name: &str) -> bool {
        self.scopes.iter().any(|(n, _)| *n == name)
    }

    fn ident(&mut self, name: &str, id: u64) -> R {
        if let Some((_, v)) = self.scopes.iter().rev().find(|(n, _)| *n == name) {
            return v.clone();
        }
        if let Some((_, v)) = self.state.globals.iter().find(|(n, _)| *n == name) {
            return Ok(v.clone());
        }
        if let Some(t) = type_value(name) {
            return Ok(t);
        }
        if name == "variables" {
            return err("variables are read one at a time, as variables.<name>");
        }
        Err(Halt::NotEvaluated {
            name: name.to_string(),
            offset: self.program.offset(id),
        })
    }

    fn map(&mut self, entries: &'p [cel::common::ast::IdedEntryExpr]) -> R {
        let mut out = Map::new();
        for entry in entries {
            let EntryExpr::MapEntry(m) = &entry.expr else {
                return err("a struct field in a map literal");
            };
            let k = self.eval(&m.key)?;
            let Some(key) = Key::of(&k) else {
                return err(format!("a {} cannot be a map key", k.type_name()));
            };
            let v = self.eval(&m.value)?;
            let v = match (m.optional, v) {
                (false, v) => v,
                (true, Value::Optional(None)) => continue,
                (true, Value::Optional(Some(x))) => (*x).clone(),
                (true, _) => return err("an optional map entry must be an optional value"),
            };
            if out.insert(key, v).is_some() {
                return err("a map literal repeats a key");
            }
        }
        self.state.charge(out.len() as u64)?;
        Ok(Value::Map(Rc::new(out)))
    }

    fn comprehension(&mut self, c: &'p ComprehensionExpr) -> R {
        let range = self.eval(&c.iter_range)?;
        let len = match &range {
            Value::List(l) => l.len(),
            Value::Map(m) => m.len(),
            other => return err(format!("cannot iterate over a {}", other.type_name())),
        };
        self.state.charge(len as u64)?;
        let accu = self.eval(&c.accu_init)?;
        self.scopes.push((&c.accu_var, Ok(accu)));
        let slot = self.scopes.len() - 1;
        // The elements are visited where they are: the range is this call's own value.
        match &range {
            Value::List(l) => {
                for (i, v) in l.iter().enumerate() {
                    if !self.comprehension_step(c, slot, Value::Int(i as i64), v, false)? {
                        break;
                    }
                }
            }
            Value::Map(m) => {
                for (k, v) in m.iter() {
                    if !self.comprehension_step(c, slot, k.to_value(), v, true)? {
                        break;
                    }
                }
            }
            _ => {}
        }
        self.scopes.truncate(slot + 1);
        self.eval(&c.result)
    }

    /// One element of a comprehension: false once its condition ends the loop.
    fn comprehension_step(
        &mut self,
        c: &'p ComprehensionExpr,
        slot: usize,
        index_or_key: Value,
        value: &Value,
        over_map: bool,
    ) -> Result<bool, Halt> {
        self.state.charge(1)?;
        match &c.iter_var2 {
            // Two variables: index and element, or key and value.
            Some(second) => {
                self.scopes.push((&c.iter_var, Ok(index_or_key)));
                self.scopes.push((second, Ok(value.clone())));
            }
            None if over_map => self.scopes.push((&c.iter_var, Ok(index_or_key))),
            None => self.scopes.push((&c.iter_var, Ok(value.clone()))),
        }
        match self.eval(&c.loop_cond)? {
            Value::Bool(true) => {}
            Value::Bool(false) => return Ok(false),
            _ => return err("a comprehension's condition must be a bool"),
        }
        let next = self.eval(&c.loop_step);
        if let Err(h @ (Halt::Cost | Halt::NotEvaluated { .. })) = next {
            return Err(h);
        }
        self.scopes.truncate(slot + 1);
        self.scopes[slot].1 = next;
        Ok(true)
    }

    fn call(&mut self, c: &'p CallExpr, id: u64) -> R {
        if let (Some(b), Some(target)) = (binding_call(c), c.target.as_deref()) {
            return self.binding(b, target);
        }
        let args = &c.args;
        match (c.func_name.as_str(), args.len()) {
            ("_&&_", 2) => return self.logic(args, true),
            ("_||_", 2) => return self.logic(args, false),
            ("_?_:_", 3) => {
                return match self.eval(&args[0])? {
                    Value::Bool(true) => self.eval(&args[1]),
                    Value::Bool(false) => self.eval(&args[2]),
                    other => err(format!(
                        "a condition must be a bool, not {}",
                        other.type_name()
                    )),
                };
            }
            ("@not_strictly_false", 1) => {
                return match self.eval(&args[0]) {
                    Ok(Value::Bool(false)) => Ok(Value::Bool(false)),
                    Ok(_) | Err(Halt::Error(_)) => Ok(Value::Bool(true)),
                    Err(h) => Err(h),
                };
            }
            ("_+_", 2) => {
                if let Some(out) = self.append_to_accumulator(args) {
                    return out;
                }
            }
            _ => {}
        }
        let name: std::borrow::Cow<str> = match c.target.as_deref() {
            Some(IdedExpr {
                expr: Expr::Ident(ns),
                ..
            }) if !self.is_bound(ns) && !self.state.globals.iter().any(|(g, _)| g == ns) => {
                format!("{ns}.{}", c.func_name).into()
            }
            _ => c.func_name.as_str().into(),
        };
        // The target first, then the arguments, in one list.
        let mut values = Vec::with_capacity(args.len() + 1);
        if let (Some(t), false) = (&c.target, name.contains('.')) {
            values.push(self.eval(t)?);
        }
        for a in args {
            values.push(self.eval(a)?);
        }
        functions::call(self.state, &name, None, values).map_err(|h| match h {
            Halt::NotEvaluated { name, .. } => Halt::NotEvaluated {
                name,
                offset: self.program.offset(id),
            },
            other => other,
        })
    }

    /// `@result + [x]`, the step of `map` and `filter`: appends in place instead of copying
    /// the list built so far (which would make the macros quadratic). The accumulator's name
    /// cannot be written in an expression, so nothing else can read it meanwhile.
    fn append_to_accumulator(&mut self, args: &'p [IdedExpr]) -> Option<R> {
        let Expr::Ident(name) = &args[0].expr else {
            return None;
        };
        if !name.starts_with('@') {
            return None;
        }
        let slot = self.scopes.iter().rposition(|(n, _)| n == name)?;
        let Ok(Value::List(_)) = &self.scopes[slot].1 else {
            return None;
        };
        let Ok(Value::List(mut list)) =
            std::mem::replace(&mut self.scopes[slot].1, Ok(Value::Null))
        else {
            return None;
        };
        Some((|| {
            self.state.charge(1)?;
            let rhs = self.eval(&args[1])?;
            let Value::List(more) = rhs else {
                return err("no matching overload for list + non-list");
            };
            if Rc::strong_count(&list) > 1 {
                self.state.charge(list.len() as u64)?;
            }
            self.state.charge(more.len() as u64)?;
            Rc::make_mut(&mut list).extend(more.iter().cloned());
            Ok(Value::List(list))
        })())
    }

    /// `&&` (`and`) or `||`: the side that decides wins over an error on the other side.
    fn logic(&mut self, args: &'p [IdedExpr], and: bool) -> R {
        let decides = |r: &R| matches!(r, Ok(Value::Bool(b)) if *b != and);
        let a = self.eval(&args[0]);
        if decides(&a) || matches!(a, Err(Halt::Cost | Halt::NotEvaluated { .. })) {
            return a;
        }
        let b = self.eval(&args[1]);
        if decides(&b) || matches!(b, Err(Halt::Cost | Halt::NotEvaluated { .. })) {
            return b;
        }
        match (a, b) {
            (Ok(Value::Bool(_)), Ok(Value::Bool(_))) => Ok(Value::Bool(and)),
            (Err(h), _) | (_, Err(h)) => Err(h),
            _ => err("no matching overload for a logical operator on a non-bool"),
        }
    }

    /// `variables.<name>`: computed once per evaluation, with the variables it reads before
    /// it, in policy order (so no variable is computed inside another).
    fn variable(&mut self, name: &str, id: u64) -> R {
        let variables = self.state.variables;
        let Some(index) = variables
            .iter()
            .take(self.state.memo.len())
            .position(|v| v.name == name)
        else {
            return err(format!("no such variable: {name}"));
        };
        match self.state.memo[index].clone() {
            Some(Err(Halt::NotEvaluated { name: what, .. })) => Err(Halt::NotEvaluated {
                name: what,
                offset: self.program.offset(id),
            }),
            Some(out) => out,
            None => err(format!("variables.{name} is read before it is defined")),
        }
    }
}

/// Computes, before the expression runs, the variables it reads and those they read, in
/// policy order: so no variable is computed in the middle of another expression, and the
/// stack holds one expression at a time. A result (an error included) is kept until read.
fn compute_variables_read(p: &Program, state: &mut State) {
    let variables = state.variables;
    let known = &variables[..state.memo.len()];
    let mut wanted: Vec<usize> = p
        .inner
        .variable_refs
        .iter()
        .filter_map(|name| known.iter().position(|v| &v.name == name))
        .flat_map(|i| needed(known, i))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    for j in wanted {
        if state.memo[j].is_none() {
            let out = compute_variable(state, &variables[j]);
            state.memo[j] = Some(out);
        }
    }
}

fn compute_variable<'i>(state: &mut State<'i>, v: &'i Variable) -> R {
    if let Some(u) = v.program.inner.unsupported.first() {
        return Err(Halt::NotEvaluated {
            name: format!("{} (in variables.{})", u.name, v.name),
            offset: 0,
        });
    }
    let mut inner = Interp {
        program: &v.program,
        scopes: Vec::new(),
        state,
    };
    inner.eval(&v.program.inner.expr)
}

/// The variables `index` reads, directly or through others, and itself: indexes in policy
/// order. A name read that is not defined earlier is left out (reading it is an error).
fn needed(variables: &[Variable], index: usize) -> Vec<usize> {
    let mut want = vec![false; index + 1];
    want[index] = true;
    for i in (0..=index).rev() {
        if !want[i] {
            continue;
        }
        for r in &variables[i].program.inner.variable_refs {
            if let Some(j) = variables[..i].iter().position(|v| &v.name == r) {
                want[j] = true;
            }
        }
    }
    (0..=index).filter(|&i| want[i]).collect()
}
