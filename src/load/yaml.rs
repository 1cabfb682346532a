//! YAML streams through saphyr-parser's events. A syntax error ends the document it is in;
//! reading resumes at the next `---` line, so one broken document does not hide the rest.

use saphyr_parser::{Event, Marker, Parser, ScalarStyle as SaphyrStyle};

use super::LoadProblem;
use super::build::Builder;
use super::scalar::{ScalarStyle, Tag};
use super::tree::Document;
use crate::span::{Pos, Span};

pub fn read_stream(text: &str, docs: &mut Vec<Document>, problems: &mut Vec<LoadProblem>) {
    let mut base_line: u32 = 1;
    let mut rest = text;
    let mut doc_index: u32 = 0;
    loop {
        match read_from(rest, base_line, &mut doc_index, docs, problems) {
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

/// Reads documents from `text`; on a syntax error returns the (absolute) line of the error.
fn read_from(
    text: &str,
    base_line: u32,
    doc_index: &mut u32,
    docs: &mut Vec<Document>,
    problems: &mut Vec<LoadProblem>,
) -> Option<u32> {
    let pos = |m: &Marker| Pos {
        line: m.line() as u32 + base_line - 1,
        col: m.col() as u32,
    };
    let mut parser = Parser::new_from_str(text);
    let mut builder: Option<Builder> = None;
    let mut quoted = QuotedEnds::default();
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(ev) => ev,
            Err(e) => {
                let at = pos(e.marker());
                problems.push(LoadProblem::Syntax {
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
                if let Some(doc) = builder.take().and_then(Builder::finish) {
                    docs.push(doc);
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                if let Some(b) = builder.as_mut() {
                    let style = style_of(style);
                    let sp = match style {
                        // The parser's end of a quoted scalar runs on over the spaces and the
                        // comment after it: end it at its closing quote.
                        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Span {
                            start: sp.start,
                            end: quoted
                                .end(
                                    text,
                                    base_line,
                                    sp.start,
                                    style == ScalarStyle::DoubleQuoted,
                                )
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
                    problems.push(p);
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
                    b.end_collection(sp.end, problems);
                }
            }
            Event::StreamEnd => break,
            Event::StreamStart | Event::Nothing => {}
        }
    }
    None
}

/// Finds where quoted scalars end, from the source text; the line index is built on the first
/// quoted scalar of a stream.
#[derive(Default)]
struct QuotedEnds {
    line_starts: Option<Vec<usize>>,
}

impl QuotedEnds {
    /// The position just after the closing quote of the scalar that opens at `start`.
    fn end(&mut self, text: &str, base_line: u32, start: Pos, double: bool) -> Option<Pos> {
        let starts = self.line_starts.get_or_insert_with(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
                .collect()
        });
        let rel_line = (start.line + 1).checked_sub(base_line)? as usize;
        let line_start = *starts.get(rel_line - 1)?;
        let (open, _) = text[line_start..].char_indices().nth(start.col as usize)?;
        let open = line_start + open;
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
        let col = text[starts[line_ix]..after].chars().count() as u32;
        Some(Pos {
            line: line_ix as u32 + base_line,
            col,
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
