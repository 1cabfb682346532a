//! Turns a stream of parse events (from the YAML or the JSON reader) into `Document`s:
//! anchors, aliases with an expansion budget, merge keys, and duplicate-key detection.

use std::cell::RefCell;
use std::collections::HashMap;

use super::LoadProblem;
use super::scalar::{ScalarStyle, Tag};
use super::tree::{Document, Node, NodeId, NodeKind};
use crate::span::{Pos, Span};

/// How many nodes a document may expand to through aliases before it is refused. Far above
/// any real manifest (the largest CRDs have a few hundred thousand nodes), far below what an
/// alias bomb asks for.
pub const ALIAS_EXPANSION_BUDGET: u64 = 4_000_000;

struct Frame {
    node: NodeId,
    is_map: bool,
    child_base: usize,
    anchor: usize,
    /// How many nodes this collection expands to so far, aliases counted in full.
    size: u64,
}

/// The growing buffers of a document, kept per thread and reused from one document to the
/// next: a finished document is copied out at its exact size, so building never pays for
/// repeated growth and kept documents hold no spare capacity.
#[derive(Default)]
struct Scratch {
    nodes: Vec<Node>,
    children: Vec<NodeId>,
    strings: String,
    pending: Vec<NodeId>,
    stack: Vec<Frame>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

pub struct Builder {
    doc: Document,
    stack: Vec<Frame>,
    pending: Vec<NodeId>,
    /// Anchored nodes with their expanded size.
    anchors: HashMap<usize, (NodeId, u64)>,
    expanded: u64,
    /// Set once the document broke the alias budget: the rest of it is not built.
    pub refused: bool,
}

impl Drop for Builder {
    fn drop(&mut self) {
        let mut s = Scratch {
            nodes: std::mem::take(&mut self.doc.nodes),
            children: std::mem::take(&mut self.doc.children),
            strings: std::mem::take(&mut self.doc.strings),
            pending: std::mem::take(&mut self.pending),
            stack: std::mem::take(&mut self.stack),
        };
        s.nodes.clear();
        s.children.clear();
        s.strings.clear();
        s.pending.clear();
        s.stack.clear();
        SCRATCH.with(|c| {
            if let Ok(mut slot) = c.try_borrow_mut() {
                *slot = s;
            }
        });
    }
}

impl Builder {
    pub fn new(index: u32) -> Builder {
        let s = SCRATCH.with(|c| {
            c.try_borrow_mut()
                .map(|mut s| std::mem::take(&mut *s))
                .unwrap_or_default()
        });
        Builder {
            doc: Document {
                index,
                nodes: s.nodes,
                children: s.children,
                strings: s.strings,
                ..Document::default()
            },
            stack: s.stack,
            pending: s.pending,
            anchors: HashMap::new(),
            expanded: 0,
            refused: false,
        }
    }

    fn push_node(&mut self, node: Node) -> NodeId {
        let id = self.doc.nodes.len() as NodeId;
        self.doc.nodes.push(node);
        id
    }

    fn attach(&mut self, id: NodeId, size: u64) {
        match self.stack.last_mut() {
            None => self.doc.root = Some(id),
            Some(parent) => {
                self.pending.push(id);
                parent.size = parent.size.saturating_add(size);
            }
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
            self.anchors.insert(anchor, (id, 1));
        }
        self.attach(id, 1);
    }

    /// An alias: the anchored node is shared, never copied. Returns a problem when the
    /// document's expansion crosses the budget (or the anchor is unknown).
    pub fn alias(&mut self, anchor: usize, span: Span) -> Option<LoadProblem> {
        if self.refused {
            return None;
        }
        let Some(&(target, size)) = self.anchors.get(&anchor) else {
            self.refused = true;
            return Some(LoadProblem::Syntax {
                pos: span.start,
                message: "alias to an unknown anchor".into(),
            });
        };
        self.expanded = self.expanded.saturating_add(size);
        if self.expanded > ALIAS_EXPANSION_BUDGET {
            self.refused = true;
            return Some(LoadProblem::AliasBudget { span });
        }
        self.doc.out_of_order = true;
        self.attach(target, size);
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
            size: 1,
        });
    }

    pub fn end_collection(&mut self, end: Pos, problems: &mut Vec<LoadProblem>) {
        if self.refused {
            return;
        }
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let base = frame.child_base;
        if frame.is_map {
            if (self.pending.len() - base) % 2 == 1 {
                self.pending.pop();
            }
            let kids = &self.pending[base..];
            self.check_duplicates(kids, problems);
            if self.doc.complex_key.is_none()
                && let Some(&k) = kids
                    .iter()
                    .step_by(2)
                    .find(|&&k| !matches!(self.doc.nodes[k as usize].kind, NodeKind::Scalar { .. }))
            {
                self.doc.complex_key = Some(self.doc.nodes[k as usize].span.start);
            }
            if kids.chunks_exact(2).any(|kv| self.is_merge_key(kv[0])) {
                match self.apply_merges(kids) {
                    Ok(merged) => {
                        self.doc.out_of_order = true;
                        self.pending.truncate(base);
                        self.pending.extend_from_slice(&merged);
                    }
                    Err(at) => {
                        problems.push(LoadProblem::Syntax {
                            pos: at,
                            message: "a merge (`<<`) takes a mapping or a list of mappings: Kubernetes' YAML reader refuses anything else".into(),
                        });
                        self.refused = true;
                        return;
                    }
                }
            }
        }
        let kids = &self.pending[base..];
        let start = self.doc.children.len() as u32;
        self.doc.children.extend_from_slice(kids);
        let len = kids.len() as u32;
        let last_end = kids
            .last()
            .map(|&k| self.doc.nodes[k as usize].span.end)
            .filter(|e| *e >= self.doc.nodes[frame.node as usize].span.start);
        self.pending.truncate(base);
        let node = &mut self.doc.nodes[frame.node as usize];
        node.span.end = last_end.unwrap_or(end);
        node.kind = if frame.is_map {
            NodeKind::Mapping { start, len }
        } else {
            NodeKind::Sequence { start, len }
        };
        if frame.anchor != 0 {
            self.anchors.insert(frame.anchor, (frame.node, frame.size));
        }
        self.attach(frame.node, frame.size);
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
            // Small mappings (nearly all of them): read each key once, compare pairwise.
            let mut texts: [Option<&str>; 16] = [None; 16];
            for (i, t) in texts.iter_mut().enumerate().take(keys) {
                *t = text(i);
            }
            for j in 1..keys {
                let Some(tj) = texts[j] else { continue };
                if let Some(i) = (0..j).find(|&i| texts[i] == Some(tj)) {
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

    /// `<<: *base` / `<<: [*a, *b]`, as go-yaml v2 applies them: in order with the mapping's
    /// own keys, each setting a key over what came before it (a key written before the merge
    /// loses to the merged one, a key written after it wins), and of a list of sources the
    /// earlier wins. What a later key replaces is dropped; the mapping's own duplicate keys
    /// stay, as in a mapping without merges (the loader reports them). A merge of anything but
    /// a mapping or a list of mappings is an error, where it is.
    fn apply_merges(&self, kids: &[NodeId]) -> Result<Vec<NodeId>, Pos> {
        // Key, value, and whether the mapping writes the entry itself.
        let mut all: Vec<(NodeId, NodeId, bool)> = Vec::with_capacity(kids.len());
        for kv in kids.chunks_exact(2) {
            if !self.is_merge_key(kv[0]) {
                all.push((kv[0], kv[1], true));
                continue;
            }
            let v = kv[1];
            let not_a_map = |n: NodeId| self.doc.nodes[n as usize].span.start;
            let sources: Vec<NodeId> = match self.doc.nodes[v as usize].kind {
                NodeKind::Mapping { .. } => vec![v],
                NodeKind::Sequence { .. } => {
                    let items = self.doc.items(v);
                    if let Some(&bad) = items.iter().find(|&&m| !self.doc.is_mapping(m)) {
                        return Err(not_a_map(bad));
                    }
                    items.iter().rev().copied().collect()
                }
                NodeKind::Scalar { .. } => return Err(not_a_map(v)),
            };
            for src in sources {
                all.extend(self.doc.entries(src).map(|e| (e.key, e.value, false)));
            }
        }
        let mut last: HashMap<&str, usize> = HashMap::with_capacity(all.len());
        for (i, &(k, _, _)) in all.iter().enumerate() {
            if let Some(t) = self.doc.scalar(k) {
                last.insert(t, i);
            }
        }
        let kept = |i: usize, key: NodeId, own: bool| match self.doc.scalar(key) {
            Some(t) => {
                let j = last[t];
                j == i || (own && all[j].2)
            }
            None => true,
        };
        Ok(all
            .iter()
            .enumerate()
            .filter(|&(i, &(k, _, own))| kept(i, k, own))
            .flat_map(|(_, &(k, v, _))| [k, v])
            .collect())
    }

    /// Whether every collection opened has been closed.
    pub fn is_complete(&self) -> bool {
        self.stack.is_empty()
    }

    /// Where the document's root starts, while it is a collection still open.
    pub fn open_root(&self) -> Option<Pos> {
        let frame = self.stack.first()?;
        Some(self.doc.nodes[frame.node as usize].span.start)
    }

    /// Closes every collection still open, at `end`: the parser will not.
    pub fn close_all(&mut self, end: Pos, problems: &mut Vec<LoadProblem>) {
        while !self.stack.is_empty() && !self.refused {
            self.end_collection(end, problems);
        }
    }

    /// The finished document, copied out of the scratch buffers at its exact size.
    pub fn finish(self) -> Option<Document> {
        if self.refused {
            return None;
        }
        let d = &self.doc;
        Some(Document {
            index: d.index,
            nodes: d.nodes.as_slice().to_vec(),
            children: d.children.as_slice().to_vec(),
            strings: d.strings.as_str().to_owned(),
            root: d.root,
            origin: d.origin.clone(),
            complex_key: d.complex_key,
            out_of_order: d.out_of_order,
        })
    }
}
