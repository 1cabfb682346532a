//! Mapping findings on rendered output (Helm, Kustomize) back to the files a person edits:
//! the template, the base, the patch. A finding's place in the rendered document is turned
//! into a path of keys and list items, and that path is looked for in the sources.

pub mod helm;
pub mod kustomize;
pub mod run;

use crate::load::{Document, NodeId};
use crate::span::Pos;

/// One step of a path from a document's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence item: its index, and its `name` when the item is a mapping with a string
    /// `name` (containers, volumes, ports, env: Kubernetes' merge key for most lists).
    Item { index: usize, name: Option<String> },
}

impl Seg {
    pub fn key(&self) -> Option<&str> {
        match self {
            Seg::Key(k) => Some(k),
            Seg::Item { .. } => None,
        }
    }
}

/// Where a finding sits in a rendered document: the path to the deepest node that holds
/// its start, whether the start is on that node's key (rather than in its value), and the
/// node's scalar text when it is a scalar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Place {
    pub path: Vec<Seg>,
    /// The finding starts on the key of the last `Seg::Key`, not inside its value.
    pub on_key: bool,
    /// The scalar value at the path, as written after unquoting, when it is a scalar.
    pub value: Option<String>,
}

/// The path of the deepest key or item of `doc` whose span (key or value) holds `pos`.
pub fn place_of(doc: &Document, pos: Pos) -> Place {
    let mut place = Place::default();
    let Some(mut node) = doc.root else {
        return place;
    };
    let contains = |id: NodeId| {
        let s = doc.span(id);
        s.start <= pos && (pos < s.end || (s.start == s.end && s.start == pos))
    };
    loop {
        let mut next = None;
        if doc.is_mapping(node) {
            for e in doc.entries(node) {
                if contains(e.key) {
                    place
                        .path
                        .push(Seg::Key(doc.scalar(e.key).unwrap_or_default().to_string()));
                    place.on_key = true;
                    place.value = doc.scalar(e.value).map(str::to_string);
                    return place;
                }
                if contains(e.value) {
                    place
                        .path
                        .push(Seg::Key(doc.scalar(e.key).unwrap_or_default().to_string()));
                    next = Some(e.value);
                    break;
                }
            }
        } else if doc.is_sequence(node) {
            for (index, &item) in doc.items(node).iter().enumerate() {
                if contains(item) {
                    let name = doc
                        .is_mapping(item)
                        .then(|| doc.get_str(item, "name").map(str::to_string))
                        .flatten();
                    place.path.push(Seg::Item { index, name });
                    next = Some(item);
                    break;
                }
            }
        }
        match next {
            Some(n) => {
                place.on_key = false;
                place.value = doc.scalar(n).map(str::to_string);
                node = n;
            }
            None => return place,
        }
    }
}

/// The node at `path` in `doc`, following keys, and items by name when the path names them
/// (else by index): the deepest node reached, how many segments it took, and the key of the
/// last mapping entry followed.
pub fn follow(doc: &Document, path: &[Seg]) -> Option<(NodeId, usize, Option<NodeId>)> {
    Some(follow_from(doc, doc.root?, path))
}

/// `follow` from any node.
pub fn follow_from(doc: &Document, from: NodeId, path: &[Seg]) -> (NodeId, usize, Option<NodeId>) {
    let mut node = from;
    let mut key_of = None;
    for (depth, seg) in path.iter().enumerate() {
        let next = match seg {
            Seg::Key(k) => doc.entry(node, k).map(|e| (e.value, Some(e.key))),
            Seg::Item { index, name } => {
                let items = doc.items(node);
                match name {
                    Some(n) => items
                        .iter()
                        .copied()
                        .find(|&i| doc.get_str(i, "name") == Some(n.as_str())),
                    None => items.get(*index).copied(),
                }
                .map(|i| (i, None))
            }
        };
        match next {
            Some((n, k)) => {
                node = n;
                key_of = k;
            }
            None => return (node, depth, key_of),
        }
    }
    (node, path.len(), key_of)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_text;

    fn keys(p: &Place) -> Vec<String> {
        p.path
            .iter()
            .map(|s| match s {
                Seg::Key(k) => k.clone(),
                Seg::Item { index, name } => {
                    format!("[{index}:{}]", name.clone().unwrap_or_default())
                }
            })
            .collect()
    }

    #[test]
    fn place_on_key_value_and_item() {
        let t = "spec:\n  containers:\n  - name: app\n    securityContext:\n      privileged: true\n  - image: x\n";
        let l = load_text(t);
        let d = &l.docs[0];
        let p = place_of(d, Pos { line: 5, col: 6 });
        assert_eq!(
            keys(&p),
            [
                "spec",
                "containers",
                "[0:app]",
                "securityContext",
                "privileged"
            ]
        );
        assert!(p.on_key);
        assert_eq!(p.value.as_deref(), Some("true"));
        let p = place_of(d, Pos { line: 5, col: 18 });
        assert!(!p.on_key);
        assert_eq!(p.value.as_deref(), Some("true"));
        let p = place_of(d, Pos { line: 6, col: 4 });
        assert_eq!(keys(&p), ["spec", "containers", "[1:]", "image"]);
        let (_, depth, key) = follow(d, &p.path).unwrap();
        assert_eq!(depth, 4);
        assert!(key.is_some());
    }
}
