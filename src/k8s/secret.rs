//! Secrets: where their values are written, so that no snippet shows them (the masking
//! itself is the report's, `report::excerpt`).

use crate::index;
use crate::load::{self, Document, NodeId};
use crate::span::Span;

/// Adds the spans of the values under a Secret's `data` and `stringData` (`node`: the
/// Secret's mapping).
pub fn value_spans(doc: &Document, node: NodeId, out: &mut Vec<Span>) {
    for key in ["data", "stringData"] {
        if let Some(m) = doc.get(node, key) {
            out.extend(doc.entries(m).map(|e| doc.span(e.value)));
        }
    }
}

/// The spans of the values of every Secret in a text, which is loaded again for them: for
/// the snippets of findings made after the file was closed.
pub fn value_spans_in(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    for doc in load::load_text(text).docs {
        for r in index::resources_of(&doc, "").unwrap_or_default() {
            if r.kind == "Secret" {
                value_spans(&doc, r.node, &mut out);
            }
        }
    }
    out
}
