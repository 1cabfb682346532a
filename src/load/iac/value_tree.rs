//! A small value tree with positions, which every cluster-definition format is read into
//! (ARM JSON, Bicep, Terraform), so that the settings are extracted in one place per shape.

use crate::span::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value as written (for a map or list, the whole of it).
    pub span: Span,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Entries in source order.
    Map(Vec<Entry>),
    List(Vec<Node>),
    /// A literal string (no interpolation).
    Str(String),
    Bool(bool),
    /// A number as written.
    Num(String),
    Null,
    /// A value computed when the template is deployed: an ARM `[...]` expression, a Bicep
    /// identifier, call or interpolated string, a Terraform reference or function call.
    /// `param` names the parameter / variable when the expression is just a reference to one
    /// (ARM `[parameters('x')]`, Bicep `x`, Terraform `var.x`).
    Expr {
        text: String,
        param: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    pub fn entries(&self) -> &[Entry] {
        match &self.kind {
            Kind::Map(e) => e,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::List(v) => v,
            _ => &[],
        }
    }

    /// The entry `key`: exact, else ignoring ASCII case (ARM property names are
    /// case-insensitive).
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        let e = self.entries();
        e.iter()
            .find(|x| x.key == key)
            .or_else(|| e.iter().find(|x| x.key.eq_ignore_ascii_case(key)))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// Follows keys; the last one's entry.
    pub fn entry_at(&self, path: &[&str]) -> Option<&Entry> {
        let (last, parents) = path.split_last()?;
        let mut n = self;
        for k in parents {
            n = n.get(k)?;
        }
        n.entry(last)
    }

    pub fn str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }
}
