//! Terraform (`.tf`) files, read with the exact position of every argument and block, so
//! that the AKS rules can report on the line where a setting is written (or on the
//! `resource "azurerm_kubernetes_cluster" "x"` header when it is missing).
//!
//! The text is parsed with `hcl-edit`, which keeps the byte range of every structure and
//! expression; those ranges are turned into [`Pos`] values (1-based lines, 0-based columns in
//! Unicode code points, as everywhere in keelhaul) and the bodies into [`Node`] trees:
//!
//! - an attribute is an entry whose key is the attribute name;
//! - a nested block is an entry whose key is the block type and whose value is a `Map` of its
//!   body; the value's span is the whole block (from its type to its closing brace);
//! - a block type repeated in one body is one entry (where the first block is) whose value is
//!   a `List` of the blocks' maps, in order; labels of nested blocks are ignored;
//! - `dynamic "x" { ... }` is an entry `x` whose value is an `Expr` holding the source text of
//!   the whole `dynamic` block (its content is only known when Terraform runs).
//!
//! Expressions: literal strings (and heredocs without interpolation) are `Str`, `true` /
//! `false` are `Bool`, numbers are `Num` (as written), `null` is `Null`, tuples are `List`,
//! objects are `Map`; `var.x` is `Expr { text: "var.x", param: Some("x") }`, `local.x` is
//! `Expr { text: "local.x", param: None }` (look it up in [`TfFile::locals`]), and everything
//! else (references, calls, conditionals, operators, `for`, interpolated strings) is an `Expr`
//! with the expression's source text.
//!
//! Every resource of the file is returned, whatever its type; callers pick the ones they
//! check (`azurerm_kubernetes_cluster`, `azurerm_kubernetes_cluster_node_pool`, ...).
//! The parser bounds the nesting depth of its input, which bounds the recursion here too; no
//! input makes [`read`] panic.

use std::cell::Cell;
use std::collections::HashMap;
use std::ops::Range;

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::template::{Element, Template};

use crate::load::iac::value_tree::{Entry, Kind, Node};
use crate::span::{Pos, Span};

/// The resources, variable defaults and locals of one `.tf` file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TfFile {
    /// Every `resource "type" "name" { ... }` block, in source order.
    pub resources: Vec<TfResource>,
    /// `variable "x" { default = ... }`: the default's value tree (variables without a default
    /// are not listed).
    pub variables: HashMap<String, Node>,
    /// `locals { x = ... }` (all `locals` blocks of the file).
    pub locals: HashMap<String, Node>,
}

/// One `resource "type" "name" { ... }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct TfResource {
    /// `azurerm_kubernetes_cluster`
    pub type_name: String,
    /// The resource's name label (`aks` in `resource "azurerm_kubernetes_cluster" "aks" {`).
    pub name: String,
    /// The span of the `resource "type" "name"` header (where "missing setting" findings go).
    pub header_span: Span,
    /// The body, a `Map` whose span is the whole block: attributes → entries (key = attribute
    /// name); a nested block → an entry whose value is a `Map` of its body (key = block
    /// identifier, key_span = the identifier, value span = the whole block); a block type
    /// repeated in one body → one entry whose value is a `List` of Maps (in order); block
    /// labels of nested blocks are ignored. `dynamic "x" { content { ... } }` → an entry `x`
    /// (key_span = the label) with an `Expr` value holding the source text of the whole
    /// `dynamic` block (its content is not known statically).
    pub body: Node,
}

/// A file that does not parse: the parser's position and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TfError {
    pub pos: Pos,
    pub message: String,
}

impl std::fmt::Display for TfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {}",
            self.pos.line,
            self.pos.col + 1,
            self.message
        )
    }
}

impl std::error::Error for TfError {}

/// Reads a `.tf` file; a file that does not parse gives an error at the parser's position.
/// A leading byte order mark is skipped (positions are then counted without it, as
/// [`crate::load::decode`] does).
pub fn read(text: &str) -> Result<TfFile, TfError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let src = Src::new(text);
    let body = hcl_edit::parser::parse_body(text).map_err(|e| TfError {
        pos: src.pos(e.location().offset()),
        message: e.message().to_string(),
    })?;
    let mut file = TfFile::default();
    for block in body.blocks() {
        let ident = block.ident.as_str();
        match (ident, block.labels.as_slice()) {
            ("resource", [ty, name]) => {
                let whole = src.range(block.span(), 0..text.len());
                let start = src.range(block.ident.span(), whole.clone()).start;
                let end = src.range(name.span(), whole.clone()).end;
                file.resources.push(TfResource {
                    type_name: ty.as_str().to_string(),
                    name: name.as_str().to_string(),
                    header_span: src.span(start..end.max(start)),
                    body: src.block_map(block, whole),
                });
            }
            ("variable", [name]) => {
                let whole = src.range(block.span(), 0..text.len());
                if let Some(d) = block.body.get_attribute("default") {
                    let value = src.expr(&d.value, src.range(d.span(), whole));
                    file.variables.insert(name.as_str().to_string(), value);
                }
            }
            ("locals", []) => {
                let whole = src.range(block.span(), 0..text.len());
                for a in block.body.attributes() {
                    let value = src.expr(&a.value, src.range(a.span(), whole.clone()));
                    file.locals.insert(a.key.as_str().to_string(), value);
                }
            }
            _ => {}
        }
    }
    Ok(file)
}

/// The source text and its line index; turns byte ranges into positions.
struct Src<'a> {
    text: &'a str,
    /// Byte offset of the start of each line (lines end at `\n`).
    line_starts: Vec<usize>,
    /// The last position computed: (line index, byte offset, column). Positions are mostly
    /// asked for in increasing order, so counting code points from there keeps a long line
    /// linear to index.
    last: Cell<(usize, usize, usize)>,
}

impl<'a> Src<'a> {
    fn new(text: &'a str) -> Src<'a> {
        let line_starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        Src {
            text,
            line_starts,
            last: Cell::new((0, 0, 0)),
        }
    }

    /// The position of byte `off` (clamped to the text and to a character boundary).
    fn pos(&self, off: usize) -> Pos {
        let mut off = off.min(self.text.len());
        while !self.text.is_char_boundary(off) {
            off -= 1;
        }
        let line = self
            .line_starts
            .partition_point(|&s| s <= off)
            .saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let (l_line, l_off, l_col) = self.last.get();
        let col = if l_line == line && l_off <= off && l_off >= start {
            l_col + self.text[l_off..off].chars().count()
        } else {
            self.text[start..off].chars().count()
        };
        self.last.set((line, off, col));
        Pos {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            col: u32::try_from(col).unwrap_or(u32::MAX),
        }
    }

    fn span(&self, r: Range<usize>) -> Span {
        Span {
            start: self.pos(r.start),
            end: self.pos(r.end.max(r.start)),
        }
    }

    /// The range the parser gave, else `fallback` (the parser gives a range to everything it
    /// produces; the fallback only keeps this total).
    fn range(&self, r: Option<Range<usize>>, fallback: Range<usize>) -> Range<usize> {
        match r {
            Some(r) if r.start <= r.end && r.end <= self.text.len() => r,
            _ => fallback,
        }
    }

    fn slice(&self, r: &Range<usize>) -> &'a str {
        self.text.get(r.clone()).unwrap_or("")
    }

    /// A nested or resource block: a `Map` of its body spanning the whole block.
    fn block_map(&self, block: &Block, whole: Range<usize>) -> Node {
        Node {
            span: self.span(whole.clone()),
            kind: Kind::Map(self.body(&block.body, whole)),
        }
    }

    /// The entries of a body; `outer` is the range of the block holding it.
    fn body(&self, body: &Body, outer: Range<usize>) -> Vec<Entry> {
        let mut entries: Vec<Entry> = Vec::new();
        // Block type → index of its entry in `entries`.
        let mut block_entries: HashMap<String, usize> = HashMap::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let whole = self.range(a.span(), outer.clone());
                    let key = self.range(a.key.span(), whole.clone());
                    entries.push(Entry {
                        key: a.key.as_str().to_string(),
                        key_span: self.span(key),
                        value: self.expr(&a.value, whole),
                    });
                }
                Structure::Block(b) => {
                    let whole = self.range(b.span(), outer.clone());
                    let ident = self.range(b.ident.span(), whole.clone());
                    let (key, key_range, value) = match (b.ident.as_str(), b.labels.first()) {
                        ("dynamic", Some(label)) => (
                            label.as_str().to_string(),
                            self.range(label.span(), ident),
                            Node {
                                span: self.span(whole.clone()),
                                kind: Kind::Expr {
                                    text: self.slice(&whole).to_string(),
                                    param: None,
                                },
                            },
                        ),
                        (name, _) => (name.to_string(), ident, self.block_map(b, whole)),
                    };
                    match block_entries.get(&key) {
                        Some(&i) => {
                            let prev = &mut entries[i].value;
                            let span = Span {
                                start: prev.span.start,
                                end: value.span.end,
                            };
                            let mut items = match std::mem::replace(&mut prev.kind, Kind::Null) {
                                Kind::List(items) => items,
                                first => vec![Node {
                                    span: prev.span,
                                    kind: first,
                                }],
                            };
                            items.push(value);
                            *prev = Node {
                                span,
                                kind: Kind::List(items),
                            };
                        }
                        None => {
                            block_entries.insert(key.clone(), entries.len());
                            entries.push(Entry {
                                key,
                                key_span: self.span(key_range),
                                value,
                            });
                        }
                    }
                }
            }
        }
        entries
    }

    /// An expression's value tree; `outer` stands in for a missing range.
    fn expr(&self, e: &Expression, outer: Range<usize>) -> Node {
        let r = self.range(e.span(), outer);
        let kind = match e {
            Expression::Null(_) => Kind::Null,
            Expression::Bool(b) => Kind::Bool(*b.value()),
            Expression::Number(n) => {
                let written = self.slice(&r);
                Kind::Num(if written.is_empty() {
                    n.value().to_string()
                } else {
                    written.to_string()
                })
            }
            Expression::String(s) => Kind::Str(s.value().clone()),
            Expression::Array(a) => Kind::List(a.iter().map(|x| self.expr(x, r.clone())).collect()),
            Expression::Object(o) => Kind::Map(
                o.iter()
                    .map(|(k, v)| {
                        let kr = self.range(k.span(), r.clone());
                        Entry {
                            key: self.object_key(k, &kr),
                            key_span: self.span(kr.clone()),
                            value: self.expr(v.expr(), kr),
                        }
                    })
                    .collect(),
            ),
            Expression::StringTemplate(t) => literal(t).map_or_else(|| self.source(&r), Kind::Str),
            // Line ends read as `\n` whatever the file uses (the parser already does so for
            // `<<-` heredocs, which it dedents).
            Expression::HeredocTemplate(h) => literal(&h.template)
                .map_or_else(|| self.source(&r), |t| Kind::Str(t.replace("\r\n", "\n"))),
            Expression::Traversal(t) => match (&t.expr, t.operators.as_slice()) {
                (Expression::Variable(root), [op]) => match (root.as_str(), op.value()) {
                    ("var", TraversalOperator::GetAttr(name)) => Kind::Expr {
                        text: format!("var.{}", name.as_str()),
                        param: Some(name.as_str().to_string()),
                    },
                    ("local", TraversalOperator::GetAttr(name)) => Kind::Expr {
                        text: format!("local.{}", name.as_str()),
                        param: None,
                    },
                    _ => self.source(&r),
                },
                _ => self.source(&r),
            },
            // `-1`: a negative number literal.
            Expression::UnaryOp(u)
                if *u.operator.value() == UnaryOperator::Neg
                    && matches!(u.expr, Expression::Number(_)) =>
            {
                Kind::Num(self.slice(&r).split_whitespace().collect())
            }
            _ => self.source(&r),
        };
        Node {
            span: self.span(r),
            kind,
        }
    }

    /// An `Expr` with the source text of `r`.
    fn source(&self, r: &Range<usize>) -> Kind {
        Kind::Expr {
            text: self.slice(r).to_string(),
            param: None,
        }
    }

    /// An object key: a name, a quoted string's value, else the key's source text.
    fn object_key(&self, k: &ObjectKey, r: &Range<usize>) -> String {
        match k {
            ObjectKey::Ident(i) => i.as_str().to_string(),
            ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
            ObjectKey::Expression(Expression::Variable(v)) => v.as_str().to_string(),
            ObjectKey::Expression(_) => self.slice(r).to_string(),
        }
    }
}

/// The text of a template made only of literal parts (no interpolation or directive).
fn literal(t: &Template) -> Option<String> {
    let mut s = String::new();
    for e in t.iter() {
        match e {
            Element::Literal(l) => s.push_str(l.value()),
            Element::Interpolation(_) | Element::Directive(_) => return None,
        }
    }
    Some(s)
}

#[cfg(test)]
mod tests;
