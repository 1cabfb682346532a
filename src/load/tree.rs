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
#[derive(Debug, Default, Clone)]
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
    /// Whether an alias or a merge key put a node from elsewhere in the text among a
    /// collection's children. Otherwise the children of every collection are in text order
    /// and do not overlap, and the child at a position is found by search.
    pub out_of_order: bool,
}

impl Document {
    /// Moves a document read from a part of a file (one that starts on line `lines + 1`,
    /// after `documents` others) to its place in the file.
    pub fn shift(&mut self, lines: u32, documents: u32) {
        self.index = self.index.saturating_add(documents);
        for n in &mut self.nodes {
            n.span = n.span.shifted(lines);
        }
        if let Some(p) = &mut self.complex_key {
            p.line = p.line.saturating_add(lines);
        }
    }

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

/// How deep `Document::field_path_at` goes at most: far beyond any manifest, and a bound on
/// the walk whatever the tree.
const MAX_PATH_DEPTH: usize = 256;

impl Document {
    /// The field path from the root to the deepest node at `pos`
    /// (`spec.template.spec.containers[name=app].securityContext`): where a finding is, in
    /// words that do not change when lines move or the block around it grows. A sequence item
    /// is named by its `name` (or its `metadata.name`, for the items of a `List`), so
    /// reordering containers keeps the path; a scalar item by its value (`add[=NET_RAW]`);
    /// any other item is `[]`, not its index, so removing an item above it keeps the path too
    /// (the line's text tells such items apart).
    /// A key that a dot would make ambiguous is quoted (`labels["app.kubernetes.io/name"]`).
    /// `None` when `pos` is not inside the document.
    pub fn field_path_at(&self, pos: Pos) -> Option<String> {
        let mut node = self.root?;
        if !self.span(node).contains_pos(pos) {
            return None;
        }
        let mut path = String::new();
        for _ in 0..MAX_PATH_DEPTH {
            let next = match self.node(node).kind {
                NodeKind::Mapping { .. } => self.entry_at(node, pos).map(|e| {
                    push_key(&mut path, self.scalar(e.key).unwrap_or("?"));
                    e.value
                }),
                NodeKind::Sequence { .. } => self
                    .item_at(node, pos)
                    .inspect(|&item| self.push_item(&mut path, item)),
                NodeKind::Scalar { .. } => None,
            };
            match next {
                Some(n) if self.span(n).contains_pos(pos) => node = n,
                _ => break,
            }
        }
        Some(path)
    }

    /// The entry of `map` that `pos` falls in: from its key's start to its value's end (or
    /// its key's end, for an empty value).
    fn entry_at(&self, map: NodeId, pos: Pos) -> Option<Entry> {
        let matches = |e: &Entry| {
            let (k, v) = (self.span(e.key), self.span(e.value));
            k.start <= pos && (pos < v.end || pos < k.end)
        };
        if self.out_of_order {
            return self.entries(map).find(matches);
        }
        // In text order: the entries that end at or before `pos` cannot hold it, and none
        // that starts after it can.
        let kids: &[NodeId] = match self.node(map).kind {
            NodeKind::Mapping { start, len } => {
                &self.children[start as usize..(start + len) as usize]
            }
            _ => &[],
        };
        let end = |i: usize| {
            self.span(kids[2 * i])
                .end
                .max(self.span(kids[2 * i + 1]).end)
        };
        let n = kids.len() / 2;
        // The first entry that ends after `pos` (ends only grow in text order).
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if end(mid) <= pos {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo..n)
            .map(|i| Entry {
                key: kids[2 * i],
                value: kids[2 * i + 1],
            })
            .take_while(|e| self.span(e.key).start <= pos)
            .find(matches)
    }

    /// The item of `seq` that `pos` falls in, or whose first line it is on (the `- ` before
    /// an item is not part of it).
    fn item_at(&self, seq: NodeId, pos: Pos) -> Option<NodeId> {
        let matches = |&i: &NodeId| {
            let s = self.span(i);
            s.contains_pos(pos) || (s.start.line == pos.line && pos <= s.start)
        };
        let items = self.items(seq);
        if self.out_of_order {
            return items.iter().copied().find(matches);
        }
        // In text order: the items that end before `pos` cannot hold it, and after the first
        // item that starts past it nothing can.
        let lo = items.partition_point(|&i| self.span(i).end < pos);
        let mut rest = items[lo..].iter().copied();
        let mut found = None;
        for i in rest.by_ref() {
            if matches(&i) {
                found = Some(i);
                break;
            }
            if self.span(i).start > pos {
                break;
            }
        }
        found
    }

    /// Appends a sequence item to a field path: `[name=app]`, `[=NET_RAW]` or `[]`.
    fn push_item(&self, path: &mut String, item: NodeId) {
        path.push('[');
        if let Some(name) = self.item_name(item) {
            path.push_str("name=");
            path.push_str(name);
        } else if let Some(value) = self.scalar(item) {
            path.push('=');
            path.push_str(value);
        }
        path.push(']');
    }

    /// A sequence item's name: its `name`, else its `metadata.name`, when a scalar.
    fn item_name(&self, item: NodeId) -> Option<&str> {
        if !self.is_mapping(item) {
            return None;
        }
        self.get(item, "name")
            .or_else(|| self.path(item, &["metadata", "name"]))
            .and_then(|n| self.scalar(n))
    }
}

/// Appends a mapping key to a field path: `.key`, or `["key"]` when the key holds a character
/// that would make the path ambiguous.
fn push_key(path: &mut String, key: &str) {
    if key.is_empty() || key.contains(['.', '[', ']', '"']) {
        path.push_str(&format!("[{key:?}]"));
        return;
    }
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

#[cfg(test)]
mod tests {
    use crate::load::load_text;
    use crate::span::Pos;

    /// The field path at `line`, column `col` (1-based line, 0-based column), in the
    /// document that holds it.
    fn at(text: &str, line: u32, col: u32) -> Option<String> {
        let pos = Pos { line, col };
        load_text(text)
            .docs
            .iter()
            .find_map(|d| d.field_path_at(pos))
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    app.kubernetes.io/name: p\nspec:\n  containers:\n    - name: app\n      image: nginx\n      securityContext:\n        privileged: true\n        capabilities:\n          add: [NET_RAW, SYS_ADMIN]\n      ports:\n        - containerPort: 80\n";

    #[test]
    fn keys_values_and_named_items() {
        let sc = "spec.containers[name=app].securityContext";
        // On the key, on the value, and on the line of the `- ` before an item.
        assert_eq!(at(POD, 11, 6).as_deref(), Some(sc));
        assert_eq!(
            at(POD, 12, 20).as_deref(),
            Some(&*format!("{sc}.privileged"))
        );
        assert_eq!(at(POD, 9, 4).as_deref(), Some("spec.containers[name=app]"));
        assert_eq!(
            at(POD, 9, 6).as_deref(),
            Some("spec.containers[name=app].name")
        );
        // Scalar items are named by their value; other items without a name are not
        // numbered.
        assert_eq!(
            at(POD, 14, 25).as_deref(),
            Some(&*format!("{sc}.capabilities.add[=SYS_ADMIN]"))
        );
        assert_eq!(
            at(POD, 14, 16).as_deref(),
            Some(&*format!("{sc}.capabilities.add[=NET_RAW]"))
        );
        assert_eq!(
            at(POD, 16, 10).as_deref(),
            Some("spec.containers[name=app].ports[].containerPort")
        );
        assert_eq!(
            at(POD, 6, 4).as_deref(),
            Some("metadata.labels[\"app.kubernetes.io/name\"]")
        );
        assert_eq!(at(POD, 40, 0), None);
    }

    #[test]
    fn moving_lines_and_reordering_containers_keep_the_path() {
        let moved = format!(
            "# a note\n\n{}",
            POD.replace(
                "    - name: app\n",
                "    - name: sidecar\n      image: busybox\n    - name: app\n",
            )
        );
        assert_eq!(
            at(&moved, 16, 20).as_deref(),
            Some("spec.containers[name=app].securityContext.privileged")
        );
        assert_eq!(
            at(&moved, 11, 12).as_deref(),
            Some("spec.containers[name=sidecar].name")
        );
        assert_eq!(
            at(&moved, 13, 8).as_deref(),
            Some("spec.containers[name=app].name")
        );
    }

    #[test]
    fn list_items_json_and_documents() {
        let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: web\n  spec:\n    hostNetwork: true\n";
        assert_eq!(
            at(list, 9, 17).as_deref(),
            Some("items[name=web].spec.hostNetwork")
        );
        let json = "{\"kind\": \"Pod\", \"spec\": {\"hostPID\": true}}";
        assert_eq!(at(json, 1, 37).as_deref(), Some("spec.hostPID"));
        let two = "a: 1\n---\nb:\n  c: 2\n";
        assert_eq!(at(two, 4, 5).as_deref(), Some("b.c"));
        assert_eq!(at(two, 1, 3).as_deref(), Some("a"));
    }
}
