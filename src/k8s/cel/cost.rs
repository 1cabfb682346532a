//! The account of one evaluation: its step count against the limit, the halts that end it,
//! the variables computed so far, and the comparisons and pattern matches every library
//! charges the same way.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;

use super::Variable;
use super::value::Value;

#[derive(Clone, Debug)]
pub(super) enum Halt {
    Error(String),
    Cost,
    NotEvaluated { name: String, offset: usize },
}

pub(super) type R = Result<Value, Halt>;

pub(super) fn err<T>(message: impl Into<String>) -> Result<T, Halt> {
    Err(Halt::Error(message.into()))
}

/// What one evaluation shares between the expression and the variables it reads.
pub(super) struct State<'i> {
    pub(super) steps: u64,
    pub(super) limit: u64,
    pub(super) globals: &'i [(&'static str, Value)],
    pub(super) variables: &'i [Variable],
    pub(super) memo: Vec<Option<Result<Value, Halt>>>,
}

impl State<'_> {
    /// Counts `n` steps; a halt once the limit is passed.
    pub(super) fn charge(&mut self, n: u64) -> Result<(), Halt> {
        self.steps = self.steps.saturating_add(n);
        if self.steps > self.limit {
            Err(Halt::Cost)
        } else {
            Ok(())
        }
    }

    /// What is left of the limit.
    pub(super) fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.steps)
    }

    /// Counts a string of `len` bytes built or scanned.
    pub(super) fn charge_bytes(&mut self, len: usize) -> Result<(), Halt> {
        self.charge(1 + len as u64 / 10)
    }
}

pub(super) fn no_overload<T>(name: &str, args: &[Value]) -> Result<T, Halt> {
    let types: Vec<&str> = args.iter().map(Value::type_name).collect();
    err(format!(
        "found no matching overload for '{name}' applied to ({})",
        types.join(", ")
    ))
}

/// Whether two values are equal, the comparison charged.
pub(super) fn equal(st: &mut State, a: &Value, b: &Value) -> Result<bool, Halt> {
    let before = st.remaining();
    let mut budget = before;
    let out = a.equals(b, &mut budget);
    st.charge(before - budget)?;
    out.ok_or(Halt::Cost)
}

/// An ordering, or the error CEL raises for values that have none.
pub(super) fn order(st: &mut State, a: &Value, b: &Value, name: &str) -> Result<Ordering, Halt> {
    if let (Value::String(x), Value::String(y)) = (a, b) {
        st.charge_bytes(x.len().min(y.len()))?;
    }
    match a.compare(b) {
        Some(o) => Ok(o),
        None => no_overload(name, &[a.clone(), b.clone()]),
    }
}

/// A cap on a compiled pattern, so a hostile pattern cannot take the memory the step count
/// does not see.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// How many compiled patterns a thread keeps.
const REGEX_CACHE: usize = 64;

thread_local! {
    /// The patterns compiled on this thread, for every evaluation on it: one policy is
    /// evaluated on thousands of objects. Emptied when full.
    static REGEXES: RefCell<HashMap<String, Rc<regex::Regex>>> = RefCell::new(HashMap::new());
}

/// The compiled pattern, with the match over `len` bytes charged (the same whether or not it
/// was compiled before: the cost of an evaluation does not depend on what ran before it).
pub(super) fn regex(st: &mut State, pattern: &str, len: usize) -> Result<Rc<regex::Regex>, Halt> {
    st.charge((1 + len as u64 / 10) * (1 + pattern.len() as u64 / 10))?;
    if let Some(r) = REGEXES.with_borrow(|c| c.get(pattern).cloned()) {
        return Ok(r);
    }
    let compiled = regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build();
    match compiled {
        Ok(r) => {
            let r = Rc::new(r);
            REGEXES.with_borrow_mut(|c| {
                if c.len() >= REGEX_CACHE {
                    c.clear();
                }
                c.insert(pattern.to_string(), r.clone());
            });
            Ok(r)
        }
        Err(e) => err(format!("invalid regular expression {pattern:?}: {e}")),
    }
}
