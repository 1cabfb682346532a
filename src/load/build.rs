//! Turns a stream of parse events (from the YAML or the JSON reader) into `Document`s:
//! anchors, aliases with an expansion budget, merge keys, and duplicate-key detection.

use std::collections::HashMap;

use super::LoadProblem;
use super::tree::{Document, Node, NodeId, NodeKind, Pos, ScalarStyle, Span, Tag};

/// How many nodes a document may expand to through aliases before it is refused. Far above
/// any real manifest (the largest CRDs have a few hundred thousand nodes), far below what an
/// alias bomb asks for.
pub const ALIAS_EXPANSION_BUDGET: u64 = 4_000_000;

struct Frame {
    node: NodeId,
    is_map: bool,
    child_base: usize,
    anchor: usize,
}

pub struct Builder {
    doc: Document,
    sizes: Vec<u64>,
    stack: Vec<Frame>,
    pending: Vec<NodeId>,
    anchors: HashMap<usize, NodeId>,
    expanded: u64,
    /// Set once the document broke the alias budget: the rest of it is not built.
    pub refused: bool,
}

impl Builder {
    pub fn new(index: u32) -> Builder {
        Builder {
            doc: Document {
                index,
                ..Document::default()
            },
            sizes: Vec::new(),
            stack: Vec::new(),
            pending: Vec::new(),
            anchors: HashMap::new(),
            expanded: 0,
            refused: false,
        }
    }

    fn push_node(&mut self, node: Node) -> NodeId {
        let id = self.doc.nodes.len() as NodeId;
        self.doc.nodes.push(node);
        self.sizes.push(1);
        id
    }

    fn attach(&mut self, id: NodeId) {
        if self.stack.is_empty() {
            self.doc.root = Some(id);
        } else {
            self.pending.push(id);
        }
    }

    pub fn scalar(&mut self, text: &str, style: ScalarStyle, tag: Tag, anchor: usize, span: Span) {
        if self.refused {
            return;
        }
        let start = self.doc.strings.len() as u32;
        self.doc.strings.push_str(text);
        let id = self.push_node(Node {
            span,
            kind: NodeKind::Scalar {
                start,
                len: text.len() as u32,
                style,
                tag,
            },
        });
        if anchor != 0 {
            self.anchors.insert(anchor, id);
        }
        self.attach(id);
    }

    /// An alias: the anchored node is shared, never copied. Returns a problem when the
    /// document's expansion crosses the budget (or the anchor is unknown).
    pub fn alias(&mut self, anchor: usize, span: Span) -> Option<LoadProblem> {
        if self.refused {
            return None;
        }
        let Some(&target) = self.anchors.get(&anchor) else {
            self.refused = true;
            return Some(LoadProblem::Syntax {
                pos: span.start,
                message: "alias to an unknown anchor".into(),
            });
        };
        self.expanded = self.expanded.saturating_add(self.sizes[target as usize]);
        if self.expanded > ALIAS_EXPANSION_BUDGET {
            self.refused = true;
            return Some(LoadProblem::AliasBudget { span });
        }
        self.attach(target);
        None
    }

    pub fn start_collection(&mut self, is_map: bool, anchor: usize, start: Pos) {
        if self.refused {
            return;
        }
        let kind = if is_map {
            NodeKind::Mapping { start: 0, len: 0 }
        } else {
            NodeKind::Sequence { start: 0, len: 0 }
        };
        let node = self.push_node(Node {
            span: Span::point(start),
            kind,
        });
        self.stack.push(Frame {
            node,
            is_map,
            child_base: self.pending.len(),
            anchor,
        });
    }

    pub fn end_collection(&mut self, end: Pos, problems: &mut Vec<LoadProblem>) {
        if self.refused {
            return;
        }
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let mut kids: Vec<NodeId> = self.pending.drain(frame.child_base..).collect();
        if frame.is_map {
            if kids.len() % 2 == 1 {
                kids.pop();
            }
            self.check_duplicates(&kids, problems);
            if self.doc.complex_key.is_none()
                && let Some(&k) = kids
                    .iter()
                    .step_by(2)
                    .find(|&&k| !matches!(self.doc.nodes[k as usize].kind, NodeKind::Scalar { .. }))
            {
                self.doc.complex_key = Some(self.doc.nodes[k as usize].span.start);
            }
            if kids.chunks_exact(2).any(|kv| self.is_merge_key(kv[0])) {
                kids = self.apply_merges(kids);
            }
        }
        let size = kids
            .iter()
            .fold(1u64, |acc, &k| acc.saturating_add(self.sizes[k as usize]));
        let start = self.doc.children.len() as u32;
        self.doc.children.extend_from_slice(&kids);
        let len = kids.len() as u32;
        let last_end = kids
            .last()
            .map(|&k| self.doc.nodes[k as usize].span.end)
            .filter(|e| *e >= self.doc.nodes[frame.node as usize].span.start);
        let node = &mut self.doc.nodes[frame.node as usize];
        node.span.end = last_end.unwrap_or(end);
        node.kind = if frame.is_map {
            NodeKind::Mapping { start, len }
        } else {
            NodeKind::Sequence { start, len }
        };
        self.sizes[frame.node as usize] = size;
        if frame.anchor != 0 {
            self.anchors.insert(frame.anchor, frame.node);
        }
        self.attach(frame.node);
    }

    fn is_merge_key(&self, key: NodeId) -> bool {
        matches!(
            self.doc.nodes[key as usize].kind,
            NodeKind::Scalar {
                style: ScalarStyle::Plain,
                tag: Tag::None,
                ..
            }
        ) && self.doc.scalar(key) == Some("<<")
    }

    fn check_duplicates(&self, kids: &[NodeId], problems: &mut Vec<LoadProblem>) {
        let keys = kids.len() / 2;
        if keys < 2 {
            return;
        }
        let text = |i: usize| -> Option<&str> {
            let k = kids[i * 2];
            if self.is_merge_key(k) {
                None
            } else {
                self.doc.scalar(k)
            }
        };
        let mut report = |first: usize, second: usize| {
            problems.push(LoadProblem::DuplicateKey {
                key: text(second).unwrap_or_default().to_string(),
                first: self.doc.nodes[kids[first * 2] as usize].span,
                second: self.doc.nodes[kids[second * 2] as usize].span,
            });
        };
        if keys <= 16 {
            for j in 1..keys {
                let Some(tj) = text(j) else { continue };
                if let Some(i) = (0..j).find(|&i| text(i) == Some(tj)) {
                    report(i, j);
                }
            }
        } else {
            let mut seen: HashMap<&str, usize> = HashMap::with_capacity(keys);
            for j in 0..keys {
                let Some(tj) = text(j) else { continue };
                if let Some(&i) = seen.get(tj) {
                    report(i, j);
                } else {
                    seen.insert(tj, j);
                }
            }
        }
    }

    /// `<<: *base` / `<<: [*a, *b]`: keys of the merged mappings that the mapping does not
    /// set itself are added, earlier sources winning, as go-yaml does.
    fn apply_merges(&self, kids: Vec<NodeId>) -> Vec<NodeId> {
        let mut out: Vec<NodeId> = Vec::with_capacity(kids.len());
        let mut sources: Vec<NodeId> = Vec::new();
        for kv in kids.chunks_exact(2) {
            if self.is_merge_key(kv[0]) {
                let v = kv[1];
                match self.doc.nodes[v as usize].kind {
                    NodeKind::Mapping { .. } => sources.push(v),
                    NodeKind::Sequence { .. } => sources.extend(
                        self.doc
                            .items(v)
                            .iter()
                            .copied()
                            .filter(|&m| self.doc.is_mapping(m)),
                    ),
                    _ => {}
                }
            } else {
                out.extend_from_slice(kv);
            }
        }
        for src in sources {
            for e in self.doc.entries(src) {
                let key = self.doc.scalar(e.key);
                let present = out
                    .chunks_exact(2)
                    .any(|kv| key.is_some() && self.doc.scalar(kv[0]) == key);
                if !present {
                    out.push(e.key);
                    out.push(e.value);
                }
            }
        }
        out
    }

    pub fn finish(self) -> Option<Document> {
        if self.refused { None } else { Some(self.doc) }
    }
}
