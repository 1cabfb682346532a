//! YAML streams through saphyr-parser's events. A syntax error ends the document it is in;
//! reading resumes at the next `---` line, so one broken document does not hide the rest.
//!
//! Kubernetes splits a stream at its `---` lines and reads one YAML document from each part
//! (go-yaml's `Unmarshal`): what follows the end of that document before the next `---` line
//! (after a `...`, a directive, or a root collection that ended early) is never read. The
//! parser calls that trailing content an error, or a document of its own; here it is skipped
//! as Kubernetes skips it.

use saphyr_parser::{Event, Marker, Parser, ScalarStyle as SaphyrStyle};

use super::build::Builder;
use super::fast;
use super::scalar::{ScalarStyle, Tag};
use super::tree::{Document, NodeKind};
use super::{Empty, LoadProblem, Loaded};
use crate::span::{Pos, Span};

/// Reads the documents of a YAML stream into `out`; those with nothing in them are kept or
/// counted as `empty` says.
/// Returns whether the fast reader read it all: then it holds nothing Kubernetes' reader
/// refuses and the parser reads (`strict`).
pub fn read_stream(text: &str, empty: Empty, out: &mut Loaded) -> bool {
    if read_plain(text, empty, out) {
        return true;
    }
    let mut base_line: u32 = 1;
    let mut rest = text;
    let mut doc_index: u32 = 0;
    // One for the stream, whatever the number of syntax errors that make reading start again.
    let mut source = Source::new(text);
    loop {
        let stream = Stream {
            empty,
            out: &mut *out,
            source: &mut source,
        };
        match read_from(rest, base_line, &mut doc_index, stream) {
            None => return false,
            Some(err_line) => {
                // Resume at the first `---` line from the error on (an unclosed collection is
                // often only noticed at the next marker), if any.
                let Some((offset, line)) = next_document_marker(rest, err_line - base_line + 1)
                else {
                    return false;
                };
                rest = &rest[offset..];
                base_line += line - 1;
            }
        }
    }
}

/// Reads the stream through the fast reader, when it is all in its subset (then it has no
/// syntax error, and its documents all begin at `---` lines or at the start, so reading never
/// stops early); else leaves `out` as it was and returns false.
fn read_plain(text: &str, empty: Empty, out: &mut Loaded) -> bool {
    let before = (out.docs.len(), out.problems.len(), out.empty.len());
    let mut doc_index = 0;
    let mut source = Source::new(text);
    let mut run = Run {
        text,
        base_line: 1,
        doc_index: &mut doc_index,
        empty,
        out: &mut *out,
        builder: None,
        source: &mut source,
        ended_at: None,
    };
    let read = fast::events(text, &mut |event, sp| {
        let stop = run.event(event, sp);
        debug_assert!(stop.is_none(), "the fast reader's events stopped reading");
    });
    if !read {
        out.docs.truncate(before.0);
        out.problems.truncate(before.1);
        out.empty.truncate(before.2);
    }
    read
}

/// What reading a stream keeps from one run of the parser to the next, and where its
/// documents go.
struct Stream<'t, 'o> {
    empty: Empty,
    out: &'o mut Loaded,
    source: &'o mut Source<'t>,
}

/// Reads documents from `text` (the stream from line `base_line` on); on a syntax error
/// returns the (absolute) line of the error.
fn read_from<'t>(
    text: &'t str,
    base_line: u32,
    doc_index: &mut u32,
    stream: Stream<'t, '_>,
) -> Option<u32> {
    let mut run = Run {
        text,
        base_line,
        doc_index,
        empty: stream.empty,
        out: stream.out,
        builder: None,
        source: stream.source,
        ended_at: None,
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        match next {
            Ok((event, span)) => {
                let sp = Span {
                    start: run.pos(&span.start),
                    end: run.pos(&span.end),
                };
                if let Some(stop) = run.event(event, sp) {
                    return Some(stop);
                }
            }
            Err(e) => return Some(run.error(run.pos(e.marker()), e.info())),
        }
    }
    None
}

/// One run of the parser over (the rest of) a stream.
struct Run<'t, 'o> {
    text: &'t str,
    base_line: u32,
    doc_index: &'o mut u32,
    empty: Empty,
    out: &'o mut Loaded,
    builder: Option<Builder>,
    source: &'o mut Source<'t>,
    /// The line where the document of the current part ended, until the next `---`:
    /// Kubernetes reads nothing after it.
    ended_at: Option<u32>,
}

impl Run<'_, '_> {
    fn pos(&self, m: &Marker) -> Pos {
        Pos {
            line: m.line() as u32 + self.base_line - 1,
            col: m.col() as u32,
        }
    }

    /// A finished document: kept, or counted when it has nothing in it and `empty` says so.
    fn keep(&mut self, doc: Option<Document>) {
        let Some(doc) = doc else { return };
        match (self.empty, doc.root) {
            (Empty::Count, Some(root)) if is_nothing(&doc, root) => {
                self.out.empty.push(doc.span(root).end.line);
            }
            _ => self.out.docs.push(doc),
        }
    }

    fn problem(&mut self, pos: Pos, message: &str) -> u32 {
        self.out.problems.push(LoadProblem::Syntax {
            pos,
            message: message.to_string(),
        });
        pos.line
    }

    /// The parser's error at `at`: a syntax problem, unless it is in content Kubernetes never
    /// reads. Returns the line to resume after.
    fn error(&mut self, at: Pos, message: &str) -> u32 {
        let after_end = self.builder.is_none()
            && self
                .ended_at
                .is_some_and(|l| !separator_between(self.text, self.base_line, l, at.line));
        let complete = self.builder.as_ref().is_none_or(Builder::is_complete);
        if after_end {
            return at.line;
        }
        if self.root_ended_before(at) {
            // The error is in what follows the root: Kubernetes never reads it.
            if let Some(mut b) = self.builder.take() {
                b.close_all(at, &mut self.out.problems);
                self.keep(b.finish());
            }
            return at.line;
        }
        if complete && TRAILING_CONTENT.contains(&message) {
            if message == DIRECTIVE_IN_DOCUMENT && !self.directive_ok(at) {
                return self.problem(at, MALFORMED_DIRECTIVE);
            }
            // The document is complete, only its end event is missing.
            let doc = self.builder.take().and_then(Builder::finish);
            self.keep(doc);
            return at.line;
        }
        self.problem(at, message)
    }

    /// Whether the document's root is a block collection indented past the line of `at`, so
    /// that it ended before that line (the parser reports the error before it closes the
    /// root), and go-yaml reads the line's first token as the one after the document, which
    /// it does not look into.
    fn root_ended_before(&mut self, at: Pos) -> bool {
        let Some(root) = self.builder.as_ref().and_then(Builder::open_root) else {
            return false;
        };
        let Some(line) = self.source.line_from(Pos { col: 0, ..at }) else {
            return false;
        };
        let indent = line.len() - line.trim_start_matches(' ').len();
        if at.line <= root.line || indent as u32 >= root.col {
            return false;
        }
        let root_char = (self.source.line_from(root)).and_then(|l| l.chars().next());
        if matches!(root_char, Some('[' | '{')) {
            return false;
        }
        // What go-yaml cannot scan as a token (or as a directive) fails it all the same.
        match line[indent..].chars().next() {
            Some('@' | '`' | '\t') | None => false,
            Some('%') => self.directive_ok(Pos { col: 0, ..at }),
            Some(_) => true,
        }
    }

    /// Whether the directive at `at` is one go-yaml scans (`%YAML 1.1`, `%TAG ! prefix`).
    fn directive_ok(&mut self, at: Pos) -> bool {
        let Some(line) = self.source.line_from(at) else {
            return true;
        };
        let line = line.split(" #").next().unwrap_or(line);
        let words: Vec<&str> = line.split_whitespace().collect();
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        match words[..] {
            ["%YAML", version] => version
                .split_once('.')
                .is_some_and(|(a, b)| digits(a) && digits(b)),
            ["%TAG", handle, _] => {
                handle.starts_with('!')
                    && handle.ends_with('!')
                    && (handle.trim_matches('!').bytes())
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            }
            _ => false,
        }
    }

    /// Handles one event; returns a line to resume after when this part is done.
    fn event(&mut self, event: Event<'_>, sp: Span) -> Option<u32> {
        let properties = match &event {
            Event::Scalar(_, _, a, t) => *a != 0 || t.is_some(),
            Event::SequenceStart(a, t) | Event::MappingStart(a, t) => *a != 0 || t.is_some(),
            Event::Alias(_) => true,
            _ => false,
        };
        if properties && let Some(message) = self.source.properties_problem(sp.start) {
            return Some(self.problem(sp.start, message));
        }
        match event {
            Event::DocumentStart(explicit) => {
                if !explicit && self.ended_at.is_some() {
                    // A bare document after `...`: Kubernetes reads no further.
                    return Some(sp.start.line);
                }
                self.ended_at = None;
                self.builder = Some(Builder::new(*self.doc_index));
                *self.doc_index += 1;
            }
            Event::DocumentEnd => {
                self.ended_at = Some(sp.start.line);
                let doc = self.builder.take().and_then(Builder::finish);
                self.keep(doc);
            }
            Event::Scalar(value, style, anchor, tag) => {
                let style = style_of(style);
                let double = style == ScalarStyle::DoubleQuoted;
                let sp = match style {
                    // The parser's end of a quoted scalar runs on over the spaces and the
                    // comment after it: end it at its closing quote.
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Span {
                        start: sp.start,
                        end: self.source.end(sp.start, double).unwrap_or(sp.end),
                    },
                    _ => sp,
                };
                if let Some(b) = self.builder.as_mut() {
                    b.scalar(&value, style, tag_of(tag.as_deref()), anchor, sp);
                }
            }
            Event::Alias(anchor) => {
                if let Some(p) = self.builder.as_mut().and_then(|b| b.alias(anchor, sp)) {
                    self.out.problems.push(p);
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let is_map = matches!(event, Event::MappingStart(..));
                if let Some(b) = self.builder.as_mut() {
                    b.start_collection(is_map, anchor, sp.start);
                }
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(b) = self.builder.as_mut() {
                    b.end_collection(sp.end, &mut self.out.problems);
                }
            }
            Event::StreamEnd | Event::StreamStart | Event::Nothing => {}
        }
        None
    }
}

/// Whether a `---` line (a part's end to Kubernetes) lies after line `after` and up to line
/// `to` (absolute lines of a text that starts at `base_line`).
fn separator_between(text: &str, base_line: u32, after: u32, to: u32) -> bool {
    let skip = (after + 1).saturating_sub(base_line) as usize;
    let take = (to + 1).saturating_sub(after + 1) as usize;
    text.split('\n').skip(skip).take(take).any(|l| {
        l.strip_prefix("---").is_some_and(|rest| {
            let rest = rest.trim();
            rest.is_empty() || rest.starts_with('#')
        })
    })
}

/// The parser's errors on content after a complete document (a directive, or a node where
/// only `---` may follow): Kubernetes never reads that content.
const TRAILING_CONTENT: &[&str] = &[
    "did not find expected <document start>",
    DIRECTIVE_IN_DOCUMENT,
    "invalid content after document end marker",
];

/// The parser's error on a directive where a document goes on: go-yaml ends the document
/// there, if it can scan the directive.
const DIRECTIVE_IN_DOCUMENT: &str = "missing explicit document end marker before directive";

const MALFORMED_DIRECTIVE: &str = "a directive that is not `%YAML <version>` or `%TAG <handle> <prefix>`: Kubernetes' YAML reader refuses it; remove it";

/// Reads the text of the whole stream around events: where quoted scalars end, what anchors
/// are called. Its line index is built on first use, once for the stream. Events come in text
/// order, so a column is counted on from the last place counted on the same line: a line of
/// many scalars is read once, not once per scalar.
struct Source<'t> {
    text: &'t str,
    line_starts: Option<Vec<usize>>,
    /// A place already counted: (byte, column in code points), on the line that holds it.
    mark: Option<(usize, usize)>,
}

/// The message on a tag go-yaml cannot scan, or scans into another one.
const TAG_NAME: &str = "a tag that Kubernetes' YAML reader (YAML 1.1) reads otherwise: it ends a tag only at white space, reads `,`, `[` and `]` into it and refuses other characters than a URI's; put a space after the tag, or rename it";

/// The message on an anchor or alias name that YAML 1.1 reads otherwise.
const ANCHOR_NAME: &str = "an anchor or alias name of other characters than letters, digits, `_` and `-`: Kubernetes' YAML reader (YAML 1.1) ends the name at the first other one, and reads something else or refuses the document; rename it";

impl<'t> Source<'t> {
    fn new(text: &'t str) -> Source<'t> {
        Source {
            text,
            line_starts: None,
            mark: None,
        }
    }

    fn line_starts(&mut self) -> &[usize] {
        let text = self.text;
        self.line_starts.get_or_insert_with(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
                .collect()
        })
    }

    /// The byte offset of a position (an absolute line of the stream).
    fn offset(&mut self, at: Pos) -> Option<usize> {
        let line = at.line as usize;
        let text = self.text;
        let starts = self.line_starts();
        let line_start = *starts.get(line.checked_sub(1)?)?;
        let line_end = starts.get(line).copied().unwrap_or(text.len());
        let col = at.col as usize;
        // Count on from the mark when it is on this line, at or before the column wanted.
        let (from, from_col) = match self.mark {
            Some((b, c)) if b >= line_start && b < line_end && c <= col => (b, c),
            _ => (line_start, 0),
        };
        let (i, _) = text[from..].char_indices().nth(col - from_col)?;
        self.mark = Some((from + i, col));
        Some(from + i)
    }

    /// The rest of the line from `at`, without its line end.
    fn line_from(&mut self, at: Pos) -> Option<&'t str> {
        let i = self.offset(at)?;
        let text = self.text;
        Some(text[i..].lines().next().unwrap_or(""))
    }

    /// What go-yaml reads otherwise among the properties that start at `at` (`!tag &name`) or
    /// in the alias there (`*name`): an anchor or alias name of other characters than
    /// letters, digits, `_` and `-` (YAML 1.2 allows any but white space and `,[]{}`), or a
    /// tag of characters a URI does not hold (`#`, `"`, …) or not followed by white space.
    fn properties_problem(&mut self, at: Pos) -> Option<&'static str> {
        let text = self.text;
        let mut i = self.offset(at)?;
        let token_end = |from: usize| {
            text[from..]
                .find(|c: char| c.is_whitespace() || ",[]{}".contains(c))
                .map_or(text.len(), |n| from + n)
        };
        let name_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        loop {
            match text.as_bytes().get(i) {
                Some(b'!') => {
                    let end = token_end(i);
                    let tag = &text[i..end];
                    let verbatim = tag.starts_with("!<") && tag.ends_with('>');
                    let body = if verbatim {
                        &tag[2..tag.len() - 1]
                    } else {
                        tag
                    };
                    // go-yaml also reads `,[]` into a tag, and needs white space after it.
                    let ended = text[end..].chars().next().is_none_or(char::is_whitespace);
                    if !ended
                        || !body
                            .bytes()
                            .all(|b| name_char(b) || b";/?:@&=+$.!~*'()%".contains(&b))
                    {
                        return Some(TAG_NAME);
                    }
                    i = end;
                }
                Some(b' ' | b'\t') => i += 1,
                Some(b'&' | b'*') => {
                    let name = &text[i + 1..token_end(i + 1)];
                    return (!name.bytes().all(name_char)).then_some(ANCHOR_NAME);
                }
                _ => return None,
            }
        }
    }

    /// The position just after the closing quote of the scalar that opens at `start`.
    fn end(&mut self, start: Pos, double: bool) -> Option<Pos> {
        let open = self.offset(start)?;
        let text = self.text;
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
        // The line holding the closing quote, and the column after it, in code points,
        // counted from the opening quote when both are on one line.
        let starts = self.line_starts();
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
