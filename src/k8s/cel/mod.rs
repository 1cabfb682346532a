//! CEL as Kubernetes evaluates it in ValidatingAdmissionPolicies: compiling an expression,
//! saying what it uses that we do not implement and which fields of `object` it reads, and
//! evaluating it offline against a loaded document under a cost limit.
//!
//! The `cel` crate parses (and expands the standard macros); the evaluator is ours. The
//! crate's interpreter has no hook to count steps or bytes while it runs, and a bound computed
//! before running, without the schemas Kubernetes has, must assume every list and string is as
//! long as the longest in the input: it would refuse ordinary nested policies on any object
//! carrying one long annotation. Owning the evaluator lets us count the work actually done,
//! which is both sound and exact.
//!
//! An expression that uses anything we do not implement is never evaluated (it is reported as
//! such, never as passing); reading a missing field is an error, as in Kubernetes.
//!
//! Implemented: the standard macros and functions, `duration` and `timestamp` included (their
//! accessors in UTC, or at a fixed offset such as `'+02:00'`), and the Kubernetes lists,
//! strings, regex, sets, quantity, ip/cidr, url, optional, math (`math.*`), extended lists
//! (`slice`, `flatten`, `sort`, `sortBy`, `distinct`, `reverse`, `lists.range`) and
//! encoders (`base64`) libraries, and the two-variable comprehensions (`all`, `exists`,
//! `existsOne` with two variables, `transformList`, `transformMap`, `transformMapEntry`);
//! `SUPPORTED` names them. The parser leaves `sortBy` and the two-variable forms as calls:
//! the evaluator binds their variables itself (`macros`, `comprehensions`).
//!
//! Not implemented: `authorizer`, a timestamp accessor given a time zone name
//! (`'Europe/Paris'`: that needs the time zone database) or a zone not written as a literal
//! (the analysis cannot tell it is a fixed offset), `cel.bind`, the semver library
//! and message construction. `string(timestamp)` always writes UTC (`...Z`), where cel-go
//! keeps the offset the timestamp was written with.
//!
//! Equality is heterogeneous across numbers (`1 == 1.0` is true, as in Kubernetes' CEL);
//! arithmetic is not (`1 + 1.0` is an error). Values come from the document as the loader
//! resolves its scalars (Kubernetes' YAML 1.1 reading): without the schema the API server
//! has, an integer stays an int even where the schema says `number`.

mod analyse;
mod comprehensions;
mod cost;
mod encoders;
mod eval;
mod format;
mod functions;
mod library;
mod lists;
mod macros;
mod math;
mod net;
mod quantity;
mod temporal;
mod time;
mod value;

use std::collections::HashMap;
use std::sync::Arc;

use crate::load::{Document, NodeId};
pub use value::{Fields, ReadPath, Step, Value};

/// The default limit on one expression against one object: the number Kubernetes uses as its
/// runtime limit (`PerCallLimit`). Our steps are close to its cost units (one per node, per
/// element, per ten bytes of string) but not counted identically.
pub const PER_CALL_LIMIT: u64 = 1_000_000;

/// The longest expression we compile, in bytes (cel-go's default limit is 100,000 code
/// points; an admission policy's expressions are far shorter).
pub const MAX_EXPRESSION_LEN: usize = 20_000;

/// The function names (and macros) the evaluator implements. Any other call, and any
/// identifier but the admission variables, makes an expression unsupported.
pub const SUPPORTED: &[&str] = functions::SUPPORTED;

/// A compiled expression: the parsed tree with each node's byte offset, and what the walk
/// over it found.
#[derive(Clone, Debug)]
pub struct Program {
    inner: Arc<Compiled>,
}

#[derive(Debug)]
struct Compiled {
    expr: cel::IdedExpr,
    /// Node id → byte offset in the expression.
    offsets: HashMap<u64, usize>,
    unsupported: Vec<Unsupported>,
    object_paths: Vec<Vec<String>>,
    /// Every field path under `object` whose value the expression uses, prefixes of others
    /// included; `None` when it uses `object` other than through such paths.
    read_paths: Option<Vec<ReadPath>>,
    /// The admission variables (`request`, `params`...) the expression reads, each once.
    globals_read: Vec<&'static str>,
    /// The names this expression reads as `variables.<name>`.
    variable_refs: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    pub message: String,
    /// Byte offset in the expression.
    pub offset: usize,
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

/// A function, macro or identifier the evaluator does not implement, and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsupported {
    pub name: String,
    /// Byte offset in the expression.
    pub offset: usize,
}

pub fn compile(expr: &str) -> Result<Program, CompileError> {
    analyse::compile(expr).map(|compiled| Program {
        inner: Arc::new(compiled),
    })
}

impl Program {
    /// What the expression uses that is not implemented, in the order it is written.
    pub fn unsupported(&self) -> Vec<Unsupported> {
        self.inner.unsupported.clone()
    }

    /// The longest field paths under `object` the expression reads (`object.spec.replicas`
    /// → `["spec", "replicas"]`), each once, in the order written. A path stops where an
    /// index is not a literal string (`object.spec.containers[0]` reads
    /// `["spec", "containers"]`).
    pub fn object_paths(&self) -> Vec<Vec<String>> {
        self.inner.object_paths.clone()
    }

    /// Every field path under `object` whose value the expression uses (a value reached only
    /// to select a field from it is not used), prefixes of others included; `None` when the
    /// expression uses `object` itself (`size(object)`, `object.all(...)`). The object read
    /// with [`Fields`] made of these paths evaluates as the whole object does.
    pub fn read_paths(&self) -> Option<&[ReadPath]> {
        self.inner.read_paths.as_deref()
    }

    /// Whether the expression reads the admission variable `name` (`request`, `params`...):
    /// one it does not read may be given any value.
    pub fn reads_global(&self, name: &str) -> bool {
        self.inner.globals_read.contains(&name)
    }

    /// The policy variables the expression reads (`variables.<name>`), by name.
    pub fn variables_read(&self) -> Vec<String> {
        self.inner.variable_refs.clone()
    }

    fn offset(&self, id: u64) -> usize {
        self.inner.offsets.get(&id).copied().unwrap_or(0)
    }
}

/// A node of a loaded document: the root of an object, a parameter resource or a namespace.
#[derive(Clone, Copy, Debug)]
pub struct NodeRef<'a> {
    pub doc: &'a Document,
    pub node: NodeId,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupVersionKind {
    pub group: String,
    pub version: String,
    pub kind: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupVersionResource {
    pub group: String,
    pub version: String,
    pub resource: String,
}

/// The admission request as an offline scan can know it: a create of the object by nobody
/// in particular (`userInfo` is empty: its fields read as their zero values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub kind: GroupVersionKind,
    pub resource: GroupVersionResource,
    pub namespace: String,
    pub name: String,
    pub operation: String,
}

impl Default for Request {
    fn default() -> Self {
        Request {
            kind: GroupVersionKind::default(),
            resource: GroupVersionResource::default(),
            namespace: String::new(),
            name: String::new(),
            operation: "CREATE".to_string(),
        }
    }
}

/// A policy variable: `variables.<name>` in later variables and in the expressions.
#[derive(Clone, Debug)]
pub struct Variable {
    pub name: String,
    pub program: Program,
}

/// The variables Kubernetes gives an admission policy's expressions. A missing node is
/// `null` (`oldObject` is null on a create).
#[derive(Clone, Debug, Default)]
pub struct Input<'a> {
    pub object: Option<NodeRef<'a>>,
    pub old_object: Option<NodeRef<'a>>,
    pub params: Option<NodeRef<'a>>,
    pub namespace_object: Option<NodeRef<'a>>,
    pub request: Request,
    /// In policy order: a variable may read only those before it.
    pub variables: &'a [Variable],
}

impl<'a> Input<'a> {
    /// A create of `object`, with nothing else known.
    pub fn of_object(doc: &'a Document, node: NodeId) -> Input<'a> {
        Input {
            object: Some(NodeRef { doc, node }),
            ..Input::default()
        }
    }
}

/// How much work one evaluation may do, in steps: one per expression node visited, one per
/// list element or map entry built, copied or compared, one per ten bytes of string built or
/// scanned. Memory is bounded with it, since nothing is allocated without being counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CostLimit {
    pub steps: u64,
}

impl Default for CostLimit {
    fn default() -> Self {
        CostLimit {
            steps: PER_CALL_LIMIT,
        }
    }
}

#[derive(Clone, Debug)]
pub enum Outcome {
    Value(Value),
    /// The expression uses something not implemented (or a variable that does): it says
    /// nothing about the object.
    NotEvaluated {
        name: String,
        offset: usize,
    },
    /// A runtime error, as Kubernetes would raise it (a missing field, a bad conversion).
    Error {
        message: String,
    },
    CostExceeded {
        limit: u64,
    },
}

impl Outcome {
    /// The result of a validation: `Some` only for a boolean value.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Outcome::Value(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// The result of a message expression: `Some` only for a string value.
    pub fn as_string(&self) -> Option<&str> {
        match self {
            Outcome::Value(Value::String(s)) => Some(s),
            _ => None,
        }
    }
}

pub fn eval(p: &Program, input: &Input, limit: &CostLimit) -> Outcome {
    eval::run(p, input, limit.steps)
}

/// An input's variables (`object`, `params`, ...) read into values once: evaluating several
/// expressions on one object with [`eval_bound`] reads the object once, not once each.
/// Not `Send`: it lives on the thread that checks the object.
pub struct Bound<'a> {
    globals: Vec<(&'static str, Value)>,
    variables: &'a [Variable],
}

impl<'a> Input<'a> {
    /// The input read into values, for [`eval_bound`]; an error when a document nests too
    /// deeply to evaluate.
    pub fn bind(&self) -> Result<Bound<'a>, String> {
        eval::bind(self)
    }
}

/// The `request` variable of a request, as a value (for [`Bound::of_values`]).
pub fn request_value(request: &Request) -> Value {
    eval::request_value(request)
}

/// A node read into a value, as the variables of an input are read (null for none): for an
/// object several inputs share, read once.
pub fn read_node(node: Option<NodeRef<'_>>) -> Result<Value, String> {
    eval::node_value(node)
}

/// The fields of `node` that some expression uses (see [`Program::read_paths`]) read into a
/// value: mappings on the way to them hold only the keys on the way. An error whenever
/// [`read_node`] gives one.
pub fn read_fields(node: NodeRef<'_>, fields: &Fields) -> Result<Value, String> {
    eval::fields_value(node, fields)
}

impl<'a> Bound<'a> {
    /// An input from values already read with [`read_node`] (`oldObject` is null).
    pub fn of_values(
        object: Value,
        params: Value,
        namespace_object: Value,
        request: Value,
        variables: &'a [Variable],
    ) -> Bound<'a> {
        Bound {
            globals: vec![
                ("object", object),
                ("oldObject", Value::Null),
                ("params", params),
                ("namespaceObject", namespace_object),
                ("request", request),
            ],
            variables,
        }
    }
}

/// [`eval`] on an input read once with [`Input::bind`].
pub fn eval_bound(p: &Program, bound: &Bound<'_>, limit: &CostLimit) -> Outcome {
    eval::run_bound(p, bound, limit.steps)
}

#[cfg(test)]
mod tests;
