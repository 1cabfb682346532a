//! Secrets: which resources the loader read as Secrets, and the lines they span, so that
//! the report masks their values (`report::mask`, which also finds them by their text when a
//! document does not parse).

use crate::index;
use crate::load::{self, Document, NodeId};

/// The first and last line (1-based, inclusive) of the Secret at `node` (a document's root or
/// a `List` item).
pub fn lines_of(doc: &Document, node: NodeId) -> (u32, u32) {
    let s = doc.span(node);
    // An end at column 0 is the end of the line before.
    let last = if s.end.col == 0 && s.end.line > s.start.line {
        s.end.line - 1
    } else {
        s.end.line
    };
    (s.start.line, last)
}

/// The lines of every Secret in a text, which is loaded again for them: for the snippets of
/// findings made after the file was closed.
pub fn lines_in(text: &str) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let may_hold = |w: &str| memchr::memmem::find(text.as_bytes(), w.as_bytes()).is_some();
    if !may_hold("ecret") && !may_hold("ECRET") {
        return out;
    }
    for doc in load::load_text(text).docs {
        for r in index::resources_of(&doc, "").unwrap_or_default() {
            if r.kind == "Secret" {
                out.push(lines_of(&doc, r.node));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_found_however_their_kind_is_written() {
        let text = "apiVersion: v1\nkind: !!str Secret\nmetadata:\n  name: db\ndata:\n  a: c2VjcmV0\n---\nkind: ConfigMap\napiVersion: v1\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  data: {}\n";
        assert_eq!(lines_in(text), vec![(1, 6), (14, 16)]);
        assert!(lines_in("kind: Pod\napiVersion: v1\n").is_empty());
    }
}
