//! The span tree: one arena per YAML/JSON document, every node with the span it came from.
//!
//! Nodes live in a flat arena and refer to their children through ranges of a second flat
//! array, so building a document allocates a handful of vectors whatever its size. An alias
//! points at the node of its anchor (the arena is a DAG, never a copy), which is what keeps
//! an alias bomb cheap to hold; its expanded size is tracked so it can be refused.

use super::scalar::{self, ScalarStyle, Tag, Value};
use crate::span::Pos;
use crate::span::Span;

pub type NodeId = u32;

#[derive(Clone, Copy, Debug)]
pub enum NodeKind {
    /// Text is `strings[start..start+len]`.
    Scalar {
        start: u32,
        len: u32,
        style: ScalarStyle,
        tag: Tag,
    },
    /// Children are `children[start..start+len]`, key and value interleaved.
    Mapping { start: u32, len: u32 },
    /// Children are `children[start..start+len]`.
    Sequence { start: u32, len: u32 },
}

#[derive(Clone, Copy, Debug)]
pub struct Node {
    pub span: Span,
    pub kind: NodeKind,
}

/// A key/value pair of a mapping: both nodes, so a finding can point at either.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub key: NodeId,
    pub value: NodeId,
}

/// One document of a file.
#[derive(Debug, Default)]
pub struct Document {
    /// Position of the document in its file's stream (0-based, counting empty documents).
    pub index: u32,
    pub nodes: Vec<Node>,
    pub children: Vec<NodeId>,
    pub strings: String,
    pub root: Option<NodeId>,
    /// The template named by a `# Source:` comment (rendered Helm output), if any.
    pub origin: Option<std::sync::Arc<str>>,
    /// Where a mapping key that is itself a collection first appears. Manifests never have
    /// one; `name: {{ .Values.x }}` (a template that happens to parse) does.
    pub complex_key: Option<Pos>,
}

impl Document {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    pub fn span(&self, id: NodeId) -> Span {
        self.nodes[id as usize].span
    }

    /// The scalar's text, as written after unquoting/unfolding; None for collections.
    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        match self.node(id).kind {
            NodeKind::Scalar { start, len, .. } => {
                Some(&self.strings[start as usize..(start + len) as usize])
            }
            _ => None,
        }
    }

    /// The scalar resolved as Kubernetes' YAML decoder resolves it.
    pub fn value(&self, id: NodeId) -> Option<Value<'_>> {
        match self.node(id).kind {
            NodeKind::Scalar {
                start,
                len,
                style,
                tag,
            } => Some(scalar::resolve(
                &self.strings[start as usize..(start + len) as usize],
                style,
                tag,
            )),
            _ => None,
        }
    }

    pub fn is_mapping(&self, id: NodeId) -> bool {
        matches!(self.node(id).kind, NodeKind::Mapping { .. })
    }

    pub fn is_sequence(&self, id: NodeId) -> bool {
        matches!(self.node(id).kind, NodeKind::Sequence { .. })
    }

    pub fn is_null(&self, id: NodeId) -> bool {
        matches!(self.value(id), Some(Value::Null))
    }

    /// Entries of a mapping (empty for anything else).
    pub fn entries(&self, id: NodeId) -> impl DoubleEndedIterator<Item = Entry> + '_ {
        let slice: &[NodeId] = match self.node(id).kind {
            NodeKind::Mapping { start, len } => {
                &self.children[start as usize..(start + len) as usize]
            }
            _ => &[],
        };
        slice.chunks_exact(2).map(|kv| Entry {
            key: kv[0],
            value: kv[1],
        })
    }

    /// Items of a sequence (empty for anything else).
    pub fn items(&self, id: NodeId) -> &[NodeId] {
        match self.node(id).kind {
            NodeKind::Sequence { start, len } => {
                &self.children[start as usize..(start + len) as usize]
            }
            _ => &[],
        }
    }

    /// The entry of `map` whose key is the scalar `key`. A later duplicate replaces an earlier
    /// one, as in Kubernetes' decoder (kubectl keeps the last); duplicates themselves are
    /// reported by the loader.
    pub fn entry(&self, map: NodeId, key: &str) -> Option<Entry> {
        self.entries(map)
            .rev()
            .find(|e| self.scalar(e.key) == Some(key))
    }

    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.entry(map, key).map(|e| e.value)
    }

    /// Follows a path of mapping keys.
    pub fn path(&self, from: NodeId, keys: &[&str]) -> Option<NodeId> {
        keys.iter().try_fold(from, |n, k| self.get(n, k))
    }

    /// A string field: the scalar text when it resolves to a string.
    pub fn get_str(&self, map: NodeId, key: &str) -> Option<&str> {
        let v = self.get(map, key)?;
        match self.value(v)? {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}
