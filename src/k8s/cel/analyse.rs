//! Compiling: parsing within bounds, then one walk over the tree that finds what is not
//! implemented, the fields of `object` read, and the variables used.

use std::collections::HashMap;

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};

use super::macros::{Binding, Form, binding_call};
use super::value::{ReadPath, Step};
use super::{CompileError, Compiled, MAX_EXPRESSION_LEN, Unsupported, functions, temporal};

/// How deep the parsed tree may nest. The evaluator and this walk recurse once per level;
/// ordinary policies stay under 30, and 100 levels take under 150 KiB of stack in a release
/// build (a debug build needs several times that).
const MAX_TREE_DEPTH: usize = 100;

/// How deep the parser may nest expressions (parentheses, calls, lists).
const MAX_PARSE_NESTING: u16 = 100;

/// The parser recurses once per operand of a chain (`a + b + c ...`) before any depth check
/// of ours can run: it gets a stack that holds the longest chain `MAX_EXPRESSION_LEN` allows
/// (the worst shapes, tested, fit in an eighth of it).
const PARSE_STACK_BYTES: usize = 64 << 20;

/// The variables Kubernetes declares for an admission policy (the type names, in
/// `eval::TYPE_NAMES`, are known identifiers too).
pub(super) const GLOBALS: &[&str] = &[
    "object",
    "oldObject",
    "params",
    "namespaceObject",
    "request",
    "variables",
];
/// Operators: calls the parser writes, always implemented.
pub(super) const OPERATORS: &[&str] = &[
    "_&&_",
    "_||_",
    "_?_:_",
    "!_",
    "-_",
    "_+_",
    "_-_",
    "_*_",
    "_/_",
    "_%_",
    "_==_",
    "_!=_",
    "_<_",
    "_<=_",
    "_>_",
    "_>=_",
    "_[_]",
    "_[?_]",
    "_?._",
    "@in",
    "@not_strictly_false",
];

/// The macros the parser expands into comprehensions (and `has` into a presence test).
const MACROS: &[&str] = &[
    "has",
    "all",
    "exists",
    "exists_one",
    "existsOne",
    "map",
    "filter",
];

pub(super) fn compile(expr: &str) -> Result<Compiled, CompileError> {
    if expr.len() > MAX_EXPRESSION_LEN {
        return Err(CompileError {
            message: format!("expression longer than {MAX_EXPRESSION_LEN} bytes"),
            offset: MAX_EXPRESSION_LEN,
        });
    }
    // The tree is also dropped on that thread when it is refused: dropping recurses too.
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(PARSE_STACK_BYTES)
            .spawn_scoped(s, || compile_on_this_thread(expr))
            .map_err(|e| CompileError {
                message: format!("cannot start the parser: {e}"),
                offset: 0,
            })?
            .join()
            .unwrap_or_else(|_| {
                Err(CompileError {
                    message: "the CEL parser failed on this expression".to_string(),
                    offset: 0,
                })
            })
    })
}

fn compile_on_this_thread(source: &str) -> Result<Compiled, CompileError> {
    let parsed = cel::parser::Parser::new()
        .enable_optional_syntax(true)
        .max_recursion_depth(MAX_PARSE_NESTING)
        .parse_with_source_info(source);
    let (expr, info) = parsed.map_err(|errors| {
        let first = errors.errors.first();
        CompileError {
            message: first.map_or("syntax error".to_string(), |e| e.msg.clone()),
            offset: first.map_or(0, |e| error_offset(source, e)),
        }
    })?;
    if let Some(id) = too_deep(&expr) {
        let offset = info
            .offset_for(id)
            .map_or(0, |(start, _)| char_offset(source, start as usize));
        return Err(CompileError {
            message: format!("expression nests deeper than {MAX_TREE_DEPTH} levels"),
            offset,
        });
    }
    let mut offsets = HashMap::new();
    collect_offsets(&expr, &info, source, &mut offsets);
    let mut walk = Walk {
        source,
        offsets: &offsets,
        bound: Vec::new(),
        unsupported: Vec::new(),
        paths: Vec::new(),
        read: Vec::new(),
        whole_object: false,
        globals_read: Vec::new(),
        variable_refs: Vec::new(),
    };
    walk.expr(&expr);
    walk.unsupported.sort_by_key(|u| u.offset);
    let Walk {
        unsupported,
        paths,
        read,
        whole_object,
        globals_read,
        variable_refs,
        ..
    } = walk;
    let read_paths = (!whole_object).then(|| each_once(&read));
    Ok(Compiled {
        expr,
        object_paths: maximal(paths),
        read_paths,
        globals_read,
        unsupported,
        variable_refs,
        offsets,
    })
}

/// Where a parse error is: the recursion limit gives the nested expression's first
/// character, every other error a line and column.
fn error_offset(source: &str, e: &cel::ParseError) -> usize {
    if e.msg.starts_with("Recursion limit") {
        return char_offset(source, usize::try_from(e.pos.0).unwrap_or(0));
    }
    line_column_offset(source, e.pos)
}

/// The byte offset of a parser position: 1-based line, 1-based column in characters.
fn line_column_offset(source: &str, (line, column): (isize, isize)) -> usize {
    let mut start = 0;
    for (i, l) in source.split_inclusive('\n').enumerate() {
        if i as isize + 1 == line {
            let col = usize::try_from(column - 1).unwrap_or(0);
            return start + l.char_indices().nth(col).map_or(l.len(), |(b, _)| b);
        }
        start += l.len();
    }
    source.len()
}

/// The byte offset of the `n`th character (the parser counts characters).
fn char_offset(source: &str, n: usize) -> usize {
    source
        .char_indices()
        .nth(n)
        .map_or(source.len(), |(b, _)| b)
}

/// The children of a node, in the order they are written.
fn children(e: &IdedExpr) -> Vec<&IdedExpr> {
    match &e.expr {
        Expr::Call(c) => c.target.as_deref().into_iter().chain(&c.args).collect(),
        Expr::Comprehension(c) => vec![
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ],
        Expr::List(l) => l.elements.iter().collect(),
        Expr::Map(m) => m.entries.iter().flat_map(entry_children).collect(),
        Expr::Struct(s) => s.entries.iter().flat_map(entry_children).collect(),
        Expr::Select(s) => vec![&s.operand],
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    }
}

fn entry_children(e: &cel::common::ast::IdedEntryExpr) -> Vec<&IdedExpr> {
    match &e.expr {
        EntryExpr::MapEntry(m) => vec![&m.key, &m.value],
        EntryExpr::StructField(f) => vec![&f.value],
    }
}

/// The id of a node deeper than `MAX_TREE_DEPTH`, found without recursing.
fn too_deep(root: &IdedExpr) -> Option<u64> {
    let mut stack = vec![(root, 1usize)];
    while let Some((e, depth)) = stack.pop() {
        if depth > MAX_TREE_DEPTH {
            return Some(e.id);
        }
        stack.extend(children(e).into_iter().map(|c| (c, depth + 1)));
    }
    None
}

fn collect_offsets(
    e: &IdedExpr,
    info: &cel::common::ast::SourceInfo,
    source: &str,
    out: &mut HashMap<u64, usize>,
) {
    if let Some((start, _)) = info.offset_for(e.id) {
        out.insert(e.id, char_offset(source, start as usize));
    }
    for c in children(e) {
        collect_offsets(c, info, source, out);
    }
}

/// The walk over a parsed expression; `bound` holds the comprehension variables in scope,
/// each with the path under `object` of the elements it stands for, when it has one.
struct Walk<'a> {
    source: &'a str,
    offsets: &'a HashMap<u64, usize>,
    bound: Vec<(&'a str, Option<Vec<Step>>)>,
    unsupported: Vec<Unsupported>,
    /// The field paths under `object` read (see `Program::object_paths`).
    paths: Vec<Vec<String>>,
    /// What is used under `object`, through comprehension variables too.
    read: Vec<ReadPath>,
    /// `object` is read other than through a path of fields (`size(object)`, `object.all(...)`).
    whole_object: bool,
    /// The admission variables read as identifiers (`request`, `params`...), each once.
    globals_read: Vec<&'static str>,
    variable_refs: Vec<String>,
}

impl<'a> Walk<'a> {
    fn offset(&self, id: u64) -> usize {
        self.offsets.get(&id).copied().unwrap_or(0)
    }

    fn is_bound(&self, name: &str) -> bool {
        self.bound.iter().any(|(b, _)| *b == name)
    }

    /// A name that is neither bound nor declared: a namespace of functions, or unknown.
    fn is_free(&self, name: &str) -> bool {
        !self.is_bound(name) && !GLOBALS.contains(&name) && !super::eval::TYPE_NAMES.contains(&name)
    }

    fn unsupported(&mut self, name: String, id: u64) {
        let written = name.clone();
        self.unsupported_at(name, &written, id);
    }

    /// `name` reported at `written`, as the expression writes it near node `id`.
    fn unsupported_at(&mut self, name: String, written: &str, id: u64) {
        // The parser places a call at its `(` or its `.`: point at the name itself, the
        // namespace of a namespaced one (`authorizer.group`) included when written as one.
        let at = self.offset(id);
        let short = written.rsplit('.').next().unwrap_or(written);
        let near = |text: &str| {
            let before = self
                .source
                .get(..(at + text.len()).min(self.source.len()))
                .and_then(|head| head.rfind(text));
            before.or_else(|| {
                self.source
                    .get(at..)
                    .and_then(|rest| rest.find(text))
                    .map(|i| at + i)
            })
        };
        let offset = near(written).or_else(|| near(short)).unwrap_or(at);
        self.unsupported.push(Unsupported { name, offset });
    }

    fn expr(&mut self, e: &'a IdedExpr) {
        if let Some(steps) = self.path(e) {
            self.paths.extend(field_path(&steps));
            self.read.push(ReadPath { steps, whole: true });
            return;
        }
        match &e.expr {
            Expr::Ident(name) => {
                if name == "object" && !self.is_bound("object") {
                    self.whole_object = true;
                }
                let global = GLOBALS.iter().find(|g| **g == name.as_str());
                if let Some(g) = global.filter(|g| !self.is_bound(g))
                    && !self.globals_read.contains(g)
                {
                    self.globals_read.push(g);
                }
                if self.is_free(name) {
                    self.unsupported(name.clone(), e.id);
                }
            }
            Expr::Select(_)
                if super::eval::dotted_type_name(e).is_some_and(|(_, root)| self.is_free(root)) => {
            }
            Expr::Select(s) => match &s.operand.expr {
                Expr::Ident(v) if v == "variables" && !self.is_bound("variables") => {
                    self.variable_refs.push(s.field.clone());
                }
                _ => self.expr(&s.operand),
            },
            Expr::Call(c) => {
                if let Some(b) = binding_call(c) {
                    return self.binding(c, b);
                }
                let namespace = match c.target.as_deref() {
                    Some(IdedExpr {
                        expr: Expr::Ident(ns),
                        ..
                    }) if self.is_free(ns) => Some(ns.as_str()),
                    _ => None,
                };
                let name = match namespace {
                    Some(ns) => format!("{ns}.{}", c.func_name),
                    None => c.func_name.clone(),
                };
                // A macro the parser did not expand (`m.all(k, v, p)`: two variables) is
                // not implemented either.
                let unexpanded_macro = MACROS.contains(&name.as_str());
                if unexpanded_macro
                    || !OPERATORS.contains(&name.as_str())
                        && !functions::SUPPORTED.contains(&&*name)
                {
                    self.unsupported(name, e.id);
                }
                if let Some(accessor) = zone_name_accessor(c) {
                    self.unsupported_at(temporal::zone_name_call(accessor), accessor, e.id);
                }
                if let (None, Some(t)) = (namespace, &c.target) {
                    self.expr(t);
                }
                for a in &c.args {
                    self.expr(a);
                }
            }
            Expr::Comprehension(c) => {
                let elements = self.range(&c.iter_range);
                self.expr(&c.accu_init);
                self.bound.push((&c.accu_var, None));
                let vars = 1 + usize::from(c.iter_var2.is_some());
                // With two variables the first is an index or a key.
                match &c.iter_var2 {
                    Some(v) => self
                        .bound
                        .extend([(c.iter_var.as_str(), None), (v, elements)]),
                    None => self.bound.push((&c.iter_var, elements)),
                }
                self.expr(&c.loop_cond);
                self.expr(&c.loop_step);
                self.bound.truncate(self.bound.len() - vars);
                self.expr(&c.result);
                self.bound.pop();
            }
            Expr::Struct(s) => {
                self.unsupported(format!("{} {{...}}", s.type_name), e.id);
                for c in children(e) {
                    self.expr(c);
                }
            }
            Expr::List(_) | Expr::Map(_) => {
                for c in children(e) {
                    self.expr(c);
                }
            }
            Expr::Literal(_) | Expr::Unspecified => {}
        }
    }

    /// A call that binds variables (`m.all(k, v, p)`): its body read with them bound.
    fn binding(&mut self, c: &'a cel::common::ast::CallExpr, b: Binding<'a>) {
        // `sortBy` gives back the elements themselves: they are read whole.
        let elements = match &c.target {
            Some(t) if b.form != Form::SortBy => self.range(t),
            Some(t) => {
                self.expr(t);
                None
            }
            None => None,
        };
        // With two variables the first is an index or a key.
        let last = b.vars.len() - 1;
        for (i, v) in b.vars.iter().enumerate() {
            let path = if i == last { elements.clone() } else { None };
            self.bound.push((v, path));
        }
        for a in b.body {
            self.expr(a);
        }
        self.bound.truncate(self.bound.len() - b.vars.len());
    }

    /// The range of a comprehension walked: the path of its elements when it is a path
    /// under `object` (the range itself is read only as far as its elements are used).
    fn range(&mut self, e: &'a IdedExpr) -> Option<Vec<Step>> {
        let Some(mut steps) = self.path(e) else {
            self.expr(e);
            return None;
        };
        self.paths.extend(field_path(&steps));
        steps.push(Step::Items);
        self.read.push(ReadPath {
            steps: steps.clone(),
            whole: false,
        });
        Some(steps)
    }

    /// The path under `object` of a chain of selections and literal indexes on `object`, or
    /// on a comprehension variable that stands for elements under `object`.
    fn path(&self, e: &IdedExpr) -> Option<Vec<Step>> {
        let mut steps = Vec::new();
        let mut at = e;
        loop {
            match &at.expr {
                Expr::Ident(name) => {
                    let bound = self.bound.iter().rev().find(|(b, _)| b == name);
                    let mut path = match bound {
                        None if name == "object" && !steps.is_empty() => Vec::new(),
                        Some((_, Some(elements))) => elements.clone(),
                        _ => return None,
                    };
                    path.extend(steps.into_iter().rev());
                    return Some(path);
                }
                Expr::Select(s) => {
                    steps.push(Step::Field(s.field.clone()));
                    at = &s.operand;
                }
                Expr::Call(c)
                    if c.target.is_none()
                        && c.args.len() == 2
                        && matches!(c.func_name.as_str(), "_[_]" | "_[?_]" | "_?._") =>
                {
                    steps.push(match &c.args[1].expr {
                        Expr::Literal(LiteralValue::String(key)) => {
                            Step::Field(key.inner().to_string())
                        }
                        Expr::Literal(LiteralValue::Int(_) | LiteralValue::UInt(_))
                            if c.func_name != "_?._" =>
                        {
                            Step::Items
                        }
                        _ => return None,
                    });
                    at = &c.args[0];
                }
                _ => return None,
            }
        }
    }
}

/// The field path under `object` a path of steps starts with, up to its first index (for a
/// path through a comprehension variable, the range the variable walks).
fn field_path(steps: &[Step]) -> Option<Vec<String>> {
    let fields: Vec<String> = steps
        .iter()
        .map_while(|s| match s {
            Step::Field(f) => Some(f.clone()),
            Step::Items => None,
        })
        .collect();
    (!fields.is_empty()).then_some(fields)
}

/// The timestamp accessor `c` calls with a time zone the analysis cannot tell is a fixed
/// offset: a zone name, or anything but a literal (a zone name needs the time zone database).
fn zone_name_accessor(c: &cel::common::ast::CallExpr) -> Option<&str> {
    let name = c.func_name.as_str();
    if c.target.is_none() || c.args.len() != 1 || !temporal::ACCESSORS.contains(&name) {
        return None;
    }
    match &c.args[0].expr {
        Expr::Literal(LiteralValue::String(tz)) if !temporal::is_known_offset(tz.inner()) => {
            Some(name)
        }
        // Another literal is an error when evaluated.
        Expr::Literal(_) => None,
        _ => Some(name),
    }
}

/// Each path once, in the order first written.
fn each_once(paths: &[ReadPath]) -> Vec<ReadPath> {
    let mut out: Vec<ReadPath> = Vec::new();
    for p in paths {
        if !out.contains(p) {
            out.push(p.clone());
        }
    }
    out
}

/// Each path once, in the order first written, without those another path extends.
fn maximal(paths: Vec<Vec<String>>) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    for p in &paths {
        let extended = paths.iter().any(|q| q.len() > p.len() && q.starts_with(p));
        if !extended && !out.contains(p) {
            out.push(p.clone());
        }
    }
    out
}
