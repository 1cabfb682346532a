//! Typed fields read from the span tree as the API server's decoder reads them: a field of
//! the wrong type is a `Problem` at its value, and reading goes on with the rest.

use super::Problem;
use crate::load::scalar::Value;
use crate::load::{Document, NodeId};

/// A string field as written, with the node of its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub value: String,
    pub node: NodeId,
}

/// Reads fields of one document, collecting what the API server would refuse.
pub(super) struct Reader<'a> {
    pub doc: &'a Document,
    pub problems: Vec<Problem>,
}

impl<'a> Reader<'a> {
    pub fn new(doc: &'a Document) -> Reader<'a> {
        Reader {
            doc,
            problems: Vec::new(),
        }
    }

    pub fn problem(&mut self, node: NodeId, message: impl Into<String>) {
        self.problems.push(Problem {
            node,
            message: message.into(),
        });
    }

    /// What a node holds, for a message about a wrong type.
    fn type_of(&self, node: NodeId) -> &'static str {
        if self.doc.is_mapping(node) {
            "a mapping"
        } else if self.doc.is_sequence(node) {
            "a list"
        } else {
            self.doc.value(node).map_or("null", |v| v.type_name())
        }
    }

    /// The value of `key` in `map`, unless it is absent or null (the decoder leaves such a
    /// field unset).
    pub fn field(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.doc.get(map, key).filter(|&n| !self.doc.is_null(n))
    }

    /// A mapping field; `path` names it in messages.
    pub fn mapping(&mut self, map: NodeId, key: &str, path: &str) -> Option<NodeId> {
        let node = self.field(map, key)?;
        if self.doc.is_mapping(node) {
            return Some(node);
        }
        let found = self.type_of(node);
        self.problem(node, format!("`{path}` must be a mapping, not {found}"));
        None
    }

    /// The items of a list field (none when it is absent or of another type).
    pub fn list(&mut self, map: NodeId, key: &str, path: &str) -> Vec<NodeId> {
        let Some(node) = self.field(map, key) else {
            return Vec::new();
        };
        if self.doc.is_sequence(node) {
            return self.doc.items(node).to_vec();
        }
        let found = self.type_of(node);
        self.problem(node, format!("`{path}` must be a list, not {found}"));
        Vec::new()
    }

    /// The items of a list field that are mappings; any other item is a problem.
    pub fn mappings(&mut self, map: NodeId, key: &str, path: &str) -> Vec<NodeId> {
        let items = self.list(map, key, path);
        items
            .into_iter()
            .filter(|&item| {
                let ok = self.doc.is_mapping(item);
                if !ok {
                    let found = self.type_of(item);
                    self.problem(
                        item,
                        format!("an item of `{path}` must be a mapping, not {found}"),
                    );
                }
                ok
            })
            .collect()
    }

    /// A node that must hold a string.
    pub fn text(&mut self, node: NodeId, path: &str) -> Option<Text> {
        match self.doc.value(node) {
            Some(Value::Str(s)) => Some(Text {
                value: s.to_string(),
                node,
            }),
            Some(Value::Null) => None,
            _ => {
                let found = self.type_of(node);
                self.problem(node, format!("`{path}` must be a string, not {found}"));
                None
            }
        }
    }

    /// A string field.
    pub fn string(&mut self, map: NodeId, key: &str, path: &str) -> Option<Text> {
        let node = self.field(map, key)?;
        self.text(node, path)
    }

    /// A list of strings.
    pub fn strings(&mut self, map: NodeId, key: &str, path: &str) -> Vec<Text> {
        let items = self.list(map, key, path);
        items
            .into_iter()
            .filter_map(|item| self.text(item, path))
            .collect()
    }

    /// A string field that must be one of `allowed`; None when absent or refused.
    pub fn choice(&mut self, map: NodeId, key: &str, path: &str, allowed: &[&str]) -> Option<Text> {
        let t = self.string(map, key, path)?;
        if allowed.contains(&t.value.as_str()) {
            return Some(t);
        }
        self.problem(
            t.node,
            format!(
                "`{path}` must be one of {}, not \"{}\"",
                allowed.join(", "),
                t.value
            ),
        );
        None
    }
}
