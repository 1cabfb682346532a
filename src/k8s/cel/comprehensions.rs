//! The macros the parser leaves as calls (see `macros`), evaluated with their variables in
//! scope: the two-variable comprehensions and `sortBy`. Each element visited is charged, as
//! the expanded macros are.

use std::rc::Rc;

use cel::common::ast::IdedExpr;

use super::cost::{Halt, R, err};
use super::eval::Interp;
use super::lists::{check_sortable, key_order};
use super::macros::{Binding, Form};
use super::value::{Key, Map, Value};

/// What a comprehension is building.
enum Built {
    Quantifier {
        decided: Option<bool>,
        error: Option<Halt>,
    },
    Count(u64),
    List(Vec<Value>),
    Map(Map),
}

impl<'p> Interp<'p, '_, '_> {
    /// `target.form(vars..., body...)`.
    pub(super) fn binding(&mut self, b: Binding<'p>, target: &'p IdedExpr) -> R {
        let range = self.eval(target)?;
        let items: Vec<(Value, Value)> = match &range {
            Value::List(l) => {
                self.state.charge(l.len() as u64)?;
                l.iter()
                    .enumerate()
                    .map(|(i, v)| (Value::Int(i as i64), v.clone()))
                    .collect()
            }
            Value::Map(m) if b.form != Form::SortBy => {
                self.state.charge(m.len() as u64)?;
                m.iter().map(|(k, v)| (k.to_value(), v.clone())).collect()
            }
            other => return err(format!("cannot iterate over a {}", other.type_name())),
        };
        let depth = self.scopes.len();
        let out = if b.form == Form::SortBy {
            self.sort_by(&b, items)
        } else {
            self.two_variables(&b, items)
        };
        self.scopes.truncate(depth);
        out
    }

    /// The value of `e` with the variables bound to `values`.
    fn with_bound(&mut self, vars: &[&'p str], values: &[&Value], e: &'p IdedExpr) -> R {
        let depth = self.scopes.len();
        for (name, v) in vars.iter().zip(values) {
            self.scopes.push((name, Ok((*v).clone())));
        }
        let out = self.eval(e);
        self.scopes.truncate(depth);
        out
    }

    fn sort_by(&mut self, b: &Binding<'p>, items: Vec<(Value, Value)>) -> R {
        let mut keyed = Vec::with_capacity(items.len());
        for (_, v) in items {
            self.state.charge(1)?;
            let key = self.with_bound(&b.vars, &[&v], &b.body[0])?;
            keyed.push((key, v));
        }
        let keys: Vec<Value> = keyed.iter().map(|(k, _)| k.clone()).collect();
        check_sortable(self.state, "sortBy", &keys)?;
        // Stable: elements with equal keys keep their order.
        keyed.sort_by(|a, b| key_order(&a.0, &b.0));
        Ok(Value::List(Rc::new(
            keyed.into_iter().map(|(_, v)| v).collect(),
        )))
    }

    fn two_variables(&mut self, b: &Binding<'p>, items: Vec<(Value, Value)>) -> R {
        let mut built = match b.form {
            Form::All | Form::Exists => Built::Quantifier {
                decided: None,
                error: None,
            },
            Form::ExistsOne => Built::Count(0),
            Form::TransformList => Built::List(Vec::new()),
            _ => Built::Map(Map::new()),
        };
        let (filter, transform) = match b.body {
            [t] => (None, t),
            [f, t] => (Some(f), t),
            _ => return err("a comprehension takes a body, or a filter and a body"),
        };
        for (k, v) in items {
            self.state.charge(1)?;
            if let Some(f) = filter {
                match self.with_bound(&b.vars, &[&k, &v], f)? {
                    Value::Bool(true) => {}
                    Value::Bool(false) => continue,
                    other => {
                        return err(format!(
                            "a filter must be a bool, not {}",
                            other.type_name()
                        ));
                    }
                }
            }
            let out = self.with_bound(&b.vars, &[&k, &v], transform);
            if let Ok(Value::Map(m)) = &out {
                self.state.charge(m.len() as u64)?;
            }
            if step(b.form, &mut built, &k, out)? {
                break;
            }
        }
        match built {
            Built::Quantifier {
                decided: Some(d), ..
            } => Ok(Value::Bool(d)),
            Built::Quantifier { error: Some(e), .. } => Err(e),
            Built::Quantifier { .. } => Ok(Value::Bool(b.form == Form::All)),
            Built::Count(n) => Ok(Value::Bool(n == 1)),
            Built::List(l) => Ok(Value::List(Rc::new(l))),
            Built::Map(m) => Ok(Value::Map(Rc::new(m))),
        }
    }
}

/// One element's result added to what is built; `true` once the result is decided. An error
/// is kept by `all` and `exists` until an element decides the result (as `&&` and `||`
/// absorb it), and ends the others.
fn step(form: Form, built: &mut Built, key: &Value, out: R) -> Result<bool, Halt> {
    let out = match (built, out) {
        (Built::Quantifier { decided, error }, out) => {
            let decisive = form == Form::Exists;
            match out {
                Ok(Value::Bool(b)) if b == decisive => {
                    *decided = Some(decisive);
                    return Ok(true);
                }
                Ok(Value::Bool(_)) => {}
                Ok(other) => {
                    *error = Some(Halt::Error(format!(
                        "a predicate must be a bool, not {}",
                        other.type_name()
                    )));
                }
                Err(Halt::Error(e)) => *error = Some(Halt::Error(e)),
                Err(h) => return Err(h),
            }
            return Ok(false);
        }
        (Built::Count(n), Ok(Value::Bool(b))) => {
            *n += u64::from(b);
            return Ok(false);
        }
        (Built::Count(_), Ok(other)) => {
            return err(format!(
                "a predicate must be a bool, not {}",
                other.type_name()
            ));
        }
        (built, out) => (built, out?),
    };
    match out {
        (Built::List(l), v) => l.push(v),
        (Built::Map(m), v) if form == Form::TransformMap => {
            let Some(k) = Key::of(key) else {
                return err(format!("a {} cannot be a map key", key.type_name()));
            };
            m.insert(k, v);
        }
        (Built::Map(m), Value::Map(entries)) => {
            for (k, v) in entries.iter() {
                if m.insert(k.clone(), v.clone()).is_some() {
                    return err("transformMapEntry: a key is produced twice");
                }
            }
        }
        (_, other) => {
            return err(format!(
                "transformMapEntry must produce a map, not {}",
                other.type_name()
            ));
        }
    }
    Ok(false)
}
