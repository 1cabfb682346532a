//! Fixes, the model: text edits a finding may carry. An edit replaces exactly the characters
//! of one span and nothing else, so comments, quoting and formatting elsewhere stay byte for
//! byte as they were. Applying them to files is `report::apply_fix`.

use crate::load::{Document, NodeId};
use crate::load::{NodeKind, ScalarStyle};
use crate::span::{Pos, Span};

/// Replace what `span` covers (which must read `old`) with `new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub old: Box<str>,
    pub new: Box<str>,
}

/// What a fix does, in a few words, and its edits.
#[derive(Debug, Clone)]
pub struct Fix {
    pub description: Box<str>,
    pub edits: Vec<Edit>,
}

/// An edit that sets the scalar at `node` to `new`, keeping its quoting, when that can be
/// done without re-escaping anything: a one-line plain or quoted scalar whose text on the
/// page is exactly its value, and a new value that needs no quoting or escaping either.
pub fn scalar_edit(doc: &Document, node: NodeId, new: &str) -> Option<Edit> {
    let n = doc.node(node);
    let NodeKind::Scalar { style, .. } = n.kind else {
        return None;
    };
    let value = doc.scalar(node)?;
    let plain_safe = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-' | '_'))
    };
    if !plain_safe(value) || !plain_safe(new) || n.span.start.line != n.span.end.line {
        return None;
    }
    let len = value.chars().count() as u32;
    let width = n.span.end.col.checked_sub(n.span.start.col)?;
    let quotes = match style {
        ScalarStyle::Plain => 0,
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => 1,
        _ => return None,
    };
    // The span must be the value and its quotes, nothing more (no escapes, no tag).
    if width != len + 2 * quotes {
        return None;
    }
    let start = Pos {
        line: n.span.start.line,
        col: n.span.start.col + quotes,
    };
    Some(Edit {
        span: Span {
            start,
            end: Pos {
                line: start.line,
                col: start.col + len,
            },
        },
        old: value.into(),
        new: new.into(),
    })
}
