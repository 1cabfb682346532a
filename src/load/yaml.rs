//! YAML streams through saphyr-parser's events. A syntax error ends the document it is in;
//! reading resumes at the next `---` line, so one broken document does not hide the rest.

use saphyr_parser::{Event, Marker, Parser, ScalarStyle as SaphyrStyle};

use super::build::Builder;
use super::scalar::{ScalarStyle, Tag};
use super::tree::{Document, NodeKind};
use super::{Empty, LoadProblem, Loaded, Origins};
use crate::span::{Pos, Span};

/// Reads the documents of a YAML stream into `out`, each with the template its `# Source:`
/// comment names, if any.
pub fn read_stream(text: &str, empty: Empty, out: &mut Loaded) {
    let mut reader = Reader {
        empty,
        origins: Origins::of(text),
        quoted: QuotedEnds::new(text),
        out,
    };
    let mut base_line: u32 = 1;
    let mut rest = text;
    let mut doc_index: u32 = 0;
    loop {
        match read_events(rest, base_line, &mut doc_index, &mut reader) {
            None => return,
            Some(err_line) => {
                // Resume at the first `---` line from the error on (an unclosed collection is
                // often only noticed at the next marker), if any.
                let Some((offset, line)) = next_document_marker(rest, err_line - base_line + 1)
                else {
                    return;
                };
                rest = &rest[offset..];
                base_line += line - 1;
            }
        }
    }
}

/// What reading a stream keeps from one part of it to the next (reading starts again after a
/// syntax error), and where its documents go.
struct Reader<'a, 't> {
    empty: Empty,
    origins: Origins<'t>,
    quoted: QuotedEnds<'t>,
    out: &'a mut Loaded,
}

impl Reader<'_, '_> {
    /// A finished document: given its origin, then kept, or counted when it has nothing in it.
    fn end_document(&mut self, builder: Option<Builder>) {
        let Some(mut doc) = builder.and_then(Builder::finish) else {
            return;
        };
        self.origins.assign(&mut doc);
        match (self.empty, doc.root) {
            (Empty::Count, Some(root)) if is_nothing(&doc, root) => {
                self.out.empty.push(doc.span(root).end.line);
            }
            _ => self.out.docs.push(doc),
        }
    }
}

/// The node the parser gives a document with nothing in it: an empty plain scalar, untagged.
fn is_nothing(doc: &Document, root: u32) -> bool {
    matches!(
        doc.node(root).kind,
        NodeKind::Scalar {
            len: 0,
            style: ScalarStyle::Plain,
            tag: Tag::None,
            ..
        }
    )
}

/// Reads documents from `text` (the stream from line `base_line` on) into `reader`; on a
/// syntax error returns the (absolute) line of the error.
fn read_events(
    text: &str,
    base_line: u32,
    doc_index: &mut u32,
    reader: &mut Reader<'_, '_>,
) -> Option<u32> {
    let pos = |m: &Marker| Pos {
        line: m.line() as u32 + base_line - 1,
        col: m.col() as u32,
    };
    let mut parser = Parser::new_from_str(text);
    let mut builder: Option<Builder> = None;
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(ev) => ev,
            Err(e) => {
                let at = pos(e.marker());
                reader.out.problems.push(LoadProblem::Syntax {
                    pos: at,
                    message: e.info().to_string(),
                });
                return Some(at.line);
            }
        };
        let sp = Span {
            start: pos(&span.start),
            end: pos(&span.end),
        };
        match event {
            Event::DocumentStart(_) => {
                builder = Some(Builder::new(*doc_index));
                *doc_index += 1;
            }
            Event::DocumentEnd => {
                reader.end_document(builder.take());
            }
            Event::Scalar(value, style, anchor, tag) => {
                if let Some(b) = builder.as_mut() {
                    let style = style_of(style);
                    let sp = match style {
                        // The parser's end of a quoted scalar runs on over the spaces and the
                        // comment after it: end it at its closing quote.
                        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Span {
                            start: sp.start,
                            end: reader
                                .quoted
                                .end(sp.start, style == ScalarStyle::DoubleQuoted)
                                .unwrap_or(sp.end),
                        },
                        _ => sp,
                    };
                    b.scalar(&value, style, tag_of(tag.as_deref()), anchor, sp);
                }
            }
            Event::Alias(anchor) => {
                if let Some(b) = builder.as_mut()
                    && let Some(p) = b.alias(anchor, sp)
                {
                    reader.out.problems.push(p);
                }
            }
            Event::SequenceStart(anchor, _) => {
                if let Some(b) = builder.as_mut() {
                    b.start_collection(false, anchor, sp.start);
                }
            }
            Event::MappingStart(anchor, _) => {
                if let Some(b) = builder.as_mut() {
                    b.start_collection(true, anchor, sp.start);
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(b) = builder.as_mut() {
                    b.end_collection(sp.end, &mut reader.out.problems);
                }
            }
            Event::StreamEnd => break,
            Event::StreamStart | Event::Nothing => {}
        }
    }
    None
}

/// Finds where quoted scalars end, from the text of the whole stream; its line index is built
/// on the first quoted scalar, once for the stream whatever the number of syntax errors that
/// make reading start again. Scalars come in text order, so the column count resumes from
/// where the last one left off on the same line: a line of many quoted scalars is read once,
/// not once per scalar.
struct QuotedEnds<'t> {
    text: &'t str,
    line_starts: Option<Vec<usize>>,
    /// A place already counted: (byte, column in code points), on the line that holds it.
    mark: Option<(usize, usize)>,
}

impl<'t> QuotedEnds<'t> {
    fn new(text: &'t str) -> QuotedEnds<'t> {
        QuotedEnds {
            text,
            line_starts: None,
            mark: None,
        }
    }

    /// The position just after the closing quote of the scalar that opens at `start`.
    fn end(&mut self, start: Pos, double: bool) -> Option<Pos> {
        let text = self.text;
        let starts = self.line_starts.get_or_insert_with(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
                .collect()
        });
        let line = start.line as usize;
        let line_start = *starts.get(line.checked_sub(1)?)?;
        let line_end = starts.get(line).copied().unwrap_or(text.len());
        // Resume from the mark when it is on this line, at or before the column wanted.
        let (from, from_col) = match self.mark {
            Some((b, c)) if b >= line_start && b < line_end && c <= start.col as usize => (b, c),
            _ => (line_start, 0),
        };
        let (open, _) = text[from..]
            .char_indices()
            .nth(start.col as usize - from_col)?;
        let open = from + open;
        self.mark = Some((open, start.col as usize));
        let quote = if double { b'"' } else { b'\'' };
        let bytes = text.as_bytes();
        if bytes.get(open) != Some(&quote) {
            return None;
        }
        let mut i = open + 1;
        let close = loop {
            match *bytes.get(i)? {
                b'\\' if double => i += 2,
                b'\'' if !double && bytes.get(i + 1) == Some(&b'\'') => i += 2,
                c if c == quote => break i,
                _ => i += 1,
            }
        };
        let after = close + 1;
        // The line holding the closing quote, and the column after it, in code points.
        let line_ix = starts.partition_point(|&s| s <= close) - 1;
        let col = if starts[line_ix] <= open {
            start.col as usize + text[open..after].chars().count()
        } else {
            text[starts[line_ix]..after].chars().count()
        };
        self.mark = Some((after, col));
        Some(Pos {
            line: line_ix as u32 + 1,
            col: col as u32,
        })
    }
}

fn style_of(s: SaphyrStyle) -> ScalarStyle {
    match s {
        SaphyrStyle::Plain => ScalarStyle::Plain,
        SaphyrStyle::SingleQuoted => ScalarStyle::SingleQuoted,
        SaphyrStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
        SaphyrStyle::Literal => ScalarStyle::Literal,
        SaphyrStyle::Folded => ScalarStyle::Folded,
    }
}

fn tag_of(tag: Option<&saphyr_parser::Tag>) -> Tag {
    let Some(t) = tag else { return Tag::None };
    if !t.is_yaml_core_schema() {
        return Tag::Other;
    }
    match t.suffix.as_str() {
        "str" => Tag::Str,
        "int" => Tag::Int,
        "float" => Tag::Float,
        "bool" => Tag::Bool,
        "null" => Tag::Null,
        _ => Tag::Other,
    }
}

/// The byte offset and (relative, 1-based) line of the first `---` document marker on or
/// after `from_line`; never line 1, where the failed read started, so reading always moves on.
fn next_document_marker(text: &str, from_line: u32) -> Option<(usize, u32)> {
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let line_no = i as u32 + 1;
        if line_no >= from_line && line_no > 1 && line.starts_with("---") {
            let tail = &line.as_bytes()[3..];
            if tail.first().is_none_or(|c| c.is_ascii_whitespace()) {
                return Some((offset, line_no));
            }
        }
        offset += line.len();
    }
    None
}
