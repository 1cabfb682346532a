//! Where a place inside a scalar's text is in the file: a CEL expression written in a
//! policy or in the configuration is compiled from the scalar's value, and its errors
//! point at a byte of that value, which reports need as a line and column of the file.

use super::scalar::ScalarStyle;
use super::tree::{Document, NodeId, NodeKind};
use crate::span::{Pos, Span};

/// Where byte `offset` of `text`, the value of the scalar at `node`, is in the file: exact
/// in a one-line plain or quoted scalar without escapes and in a literal block, else the
/// start of the scalar (a folded block joins its lines, and escapes change the length).
pub fn place_in_scalar(doc: &Document, node: NodeId, text: &str, offset: usize) -> Span {
    let span = doc.span(node);
    let before = text.get(..offset).unwrap_or(text);
    let style = match doc.node(node).kind {
        NodeKind::Scalar { style, .. } => style,
        _ => return span,
    };
    let one_line = span.start.line == span.end.line;
    let col = |extra: u32| {
        let c = span.start.col + extra + before.chars().count() as u32;
        Span::point(Pos {
            line: span.start.line,
            col: c,
        })
    };
    match style {
        ScalarStyle::Plain if one_line => col(0),
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
            if one_line && span.end.col - span.start.col == text.chars().count() as u32 + 2 =>
        {
            col(1)
        }
        ScalarStyle::Literal => {
            // The node's span starts at the text (the line after the indicator), each line
            // as written at the block's indentation.
            let line = span.start.line + before.matches('\n').count() as u32;
            let on_line = before.rsplit('\n').next().unwrap_or("");
            let col = span.start.col + on_line.chars().count() as u32;
            Span::point(Pos { line, col })
        }
        _ => span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (line, column) of byte `offset` of the expression under `validations[0]`.
    fn place(yaml: &str, offset: usize) -> (u32, u32) {
        let doc = crate::load::load_text(yaml).docs.remove(0);
        let root = doc.root.unwrap();
        let e = doc
            .path(root, &["validations"])
            .map(|l| doc.items(l)[0])
            .and_then(|v| doc.get(v, "expression"))
            .unwrap();
        let text = doc.scalar(e).unwrap().to_string();
        let at = place_in_scalar(&doc, e, &text, offset);
        (at.start.line, at.start.col)
    }

    #[test]
    fn a_place_in_an_expression_is_its_line_and_column_in_the_file() {
        // Columns count from 0 inside (reports print them from 1). Plain and quoted: the
        // `d` of `duration`, byte 5 of the expression.
        assert_eq!(
            place("validations:\n- expression: a && duration('1h')\n", 5),
            (2, 19)
        );
        assert_eq!(
            place("validations:\n- expression: \"a && duration('1h')\"\n", 5),
            (2, 20)
        );
        // A literal block: byte 10 is `duration`, on the block's second line.
        assert_eq!(
            place(
                "validations:\n- expression: |\n    a &&\n    b || duration('1h')\n",
                10
            ),
            (4, 9)
        );
        // A line indented deeper than the block keeps its extra spaces in the text.
        assert_eq!(
            place(
                "validations:\n- expression: |\n    a &&\n      duration('1h')\n",
                7
            ),
            (4, 6)
        );
        // Folded (lines joined): the start of the expression.
        assert_eq!(
            place(
                "validations:\n- expression: >-\n    a &&\n    duration('1h')\n",
                5
            ),
            (3, 4)
        );
    }
}
