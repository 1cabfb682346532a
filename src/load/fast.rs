//! The plain block YAML most manifests are written in, read without the general parser: block
//! mappings and sequences of one-line plain and quoted scalars, `[]` and `{}`, comments and
//! `---` lines. It hands over the events saphyr-parser would, with the same places, so what
//! is built from them is the same; at the first thing outside that subset (a flow
//! collection, a block or multi-line scalar, an escape, an anchor, a tag, a tab, a character
//! outside printable ASCII, `...`, a directive, anything the parser would call an error) it
//! gives up, and the parser reads the whole stream.
//!
//! The parser spends most of a scan's time; this reads the same text several times faster.
//! Its events are compared with the parser's on every text the tests have, and on mutations
//! of them (`tests`).

use std::borrow::Cow;

use saphyr_parser::{Event, ScalarStyle};

use crate::span::{Pos, Span};

/// Hands the events of `text` to `out`, one by one, and returns true; or false when the
/// text is not all in the subset read here (then `out` has had the events up to there).
pub fn events<'t>(text: &'t str, out: &mut dyn FnMut(Event<'t>, Span)) -> bool {
    let Some(ascii) = readable(text) else {
        return false;
    };
    let mut reader = Reader {
        ascii,
        mark: std::cell::Cell::new((0, 0, 0)),
        out,
        stack: Vec::new(),
        pending: None,
        doc: Doc::Outside,
        block: None,
        open_plain: None,
        open_quoted: None,
    };
    reader.read(text).is_some()
}

/// An open block collection: a mapping whose keys, or a sequence whose `-`, are at `indent`.
#[derive(Clone, Copy)]
struct Open {
    map: bool,
    indent: u32,
    /// A sequence whose `-` are at its parent key's column.
    indentless: bool,
}

/// A key or `-` with nothing after it on its line: its node is on the lines below, or it
/// is null.
#[derive(Clone, Copy)]
struct Pending {
    /// Where the null scalar is when nothing follows.
    at: Pos,
    /// The column of the key or `-`: the node below must be indented past it.
    owner: u32,
    key: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Doc {
    /// Between documents.
    Outside,
    /// After `---`, before any node.
    Started,
    /// In a document's root node.
    Root,
}

struct Reader<'o, 't> {
    /// Whether the text is all ASCII, so that a column is its byte.
    ascii: bool,
    /// The last place whose column was counted: (its line's address, byte, column).
    mark: std::cell::Cell<(usize, usize, u32)>,
    out: &'o mut dyn FnMut(Event<'t>, Span),
    stack: Vec<Open>,
    pending: Option<Pending>,
    doc: Doc,
    /// The literal block scalar being read.
    block: Option<Literal>,
    /// A plain scalar that may go on on the next lines.
    open_plain: Option<OpenPlain<'t>>,
    /// A quoted scalar that goes on on the next lines.
    open_quoted: Option<OpenQuoted>,
}

/// Whether the text has only characters the parser reads as they are here: printable ones
/// and line breaks, no tab, carriage return, byte order mark or Unicode line separator; and
/// whether they are all ASCII.
fn readable(text: &str) -> Option<bool> {
    if text
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) || b == b'\n')
    {
        return Some(true);
    }
    let ok = text.chars().all(|ch| match ch {
        '\n' | ' '..='~' => true,
        '\u{2028}' | '\u{2029}' | '\u{feff}' => false,
        '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'.. => true,
        _ => false,
    });
    ok.then_some(false)
}

fn point(line: u32, col: usize) -> Span {
    Span::point(Pos {
        line,
        col: col as u32,
    })
}

fn plain(s: &str) -> Event<'_> {
    Event::Scalar(Cow::Borrowed(s), ScalarStyle::Plain, 0, None)
}

/// Whether the line holds nothing from `at` on but spaces and a comment.
fn rest_empty(line: &[u8], at: usize) -> bool {
    let mut i = at;
    while i < line.len() && line[i] == b' ' {
        i += 1;
    }
    i == line.len() || line[i] == b'#' && (i == 0 || line[i - 1] == b' ')
}

/// Whether a `-` at `at` is a sequence entry (followed by a space or the end of the line).
fn is_dash(line: &[u8], at: usize) -> bool {
    line[at] == b'-' && (at + 1 == line.len() || line[at + 1] == b' ')
}

fn skip_spaces(line: &[u8], mut at: usize) -> usize {
    while at < line.len() && line[at] == b' ' {
        at += 1;
    }
    at
}

/// The longest key the parser takes as an implicit one.
const MAX_KEY: usize = 1024;

impl<'t> Reader<'_, 't> {
    /// The column (in characters) of byte `at` of a line. Places on a line are asked for in
    /// order, so characters are counted on from the last place asked for on the same line: a
    /// long line of many scalars is counted once, not once per scalar.
    fn col(&self, line: &[u8], at: usize) -> u32 {
        if self.ascii {
            return at as u32;
        }
        let (start, byte, col) = self.mark.get();
        let (from, base) = if start == line.as_ptr() as usize && byte <= at {
            (byte, col)
        } else {
            (0, 0)
        };
        let col = base + line[from..at].iter().filter(|&&b| b & 0xc0 != 0x80).count() as u32;
        self.mark.set((line.as_ptr() as usize, at, col));
        col
    }

    fn span(&self, l: u32, line: &[u8], from: usize, to: usize) -> Span {
        Span {
            start: Pos {
                line: l,
                col: self.col(line, from),
            },
            end: Pos {
                line: l,
                col: self.col(line, to),
            },
        }
    }

    fn read(&mut self, text: &'t str) -> Option<()> {
        (self.out)(Event::StreamStart, point(1, 0));
        let mut line_no: u32 = 0;
        let mut start = 0;
        while start < text.len() {
            line_no += 1;
            let end =
                memchr::memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |i| start + i);
            self.line(line_no, &text[start..end])?;
            start = end + 1;
        }
        // The parser's place after the text: the line after the last one, even without a
        // final line break.
        let newlines = memchr::memchr_iter(b'\n', text.as_bytes()).count() as u32;
        let last_line = &text[text.rfind('\n').map_or(0, |i| i + 1)..];
        let last_bytes = last_line.as_bytes();
        if !last_line.is_empty() && rest_empty(last_bytes, 0) {
            // A last line of spaces or a comment, without a line break: the parser's place
            // after it is on that line.
            return None;
        }
        let last = if text.is_empty() || text.ends_with('\n') {
            newlines + 1
        } else {
            newlines + 2
        };
        let eof = point(last, 0);
        if self.open_quoted.is_some() {
            // Never closed: the parser's error.
            return None;
        }
        self.end_plain();
        if self.block.is_some() {
            let empty = self.block.as_ref().is_some_and(|b| b.indent.is_none());
            if empty || !text.ends_with('\n') {
                // The parser places these otherwise.
                return None;
            }
            self.end_literal(eof);
        }
        self.end_document(eof, eof)?;
        (self.out)(Event::StreamEnd, eof);
        Some(())
    }

    fn line(&mut self, l: u32, text: &'t str) -> Option<()> {
        if self.block.is_some() {
            return self.literal_line(l, text);
        }
        if self.open_quoted.is_some() {
            return self.quoted_line(l, text);
        }
        if self.open_plain.is_some() && self.plain_line(l, text)? {
            return Some(());
        }
        let line = text.as_bytes();
        let indent = skip_spaces(line, 0);
        if indent == line.len() || line[indent] == b'#' {
            return Some(());
        }
        if indent == 0 && line.starts_with(b"---") && (line.len() == 3 || line[3] == b' ') {
            if !rest_empty(line, 3) {
                return None;
            }
            let marker = self.span(l, line, 0, 3);
            self.end_document(Span::point(marker.start), marker)?;
            (self.out)(Event::DocumentStart(true), marker);
            self.doc = Doc::Started;
            return Some(());
        }
        // Kubernetes splits a stream at any line that starts with `---` (`strict`).
        if indent == 0 && (line.starts_with(b"...") || line.starts_with(b"---") || line[0] == b'%')
        {
            return None;
        }
        if self.doc == Doc::Outside {
            (self.out)(Event::DocumentStart(false), point(l, indent));
        }
        let first = self.doc != Doc::Root;
        self.doc = Doc::Root;
        self.content(l, text, indent, first)
    }

    /// Ends the document being read, if any: its open nodes end at `at`, and the document
    /// at `marker` (the next `---`, or the end of the text).
    fn end_document(&mut self, at: Span, marker: Span) -> Option<()> {
        match self.doc {
            Doc::Outside => return Some(()),
            // `---` and nothing: a null document, placed at what ends it.
            Doc::Started => (self.out)(plain(""), marker),
            Doc::Root => {
                self.settle_pending();
                while let Some(open) = self.stack.pop() {
                    (self.out)(end_event(open), at);
                }
            }
        }
        (self.out)(Event::DocumentEnd, marker);
        self.doc = Doc::Outside;
        Some(())
    }

    /// Starts a block collection whose keys or `-` are at `indent`, placed at `at`.
    fn open(&mut self, map: bool, indent: u32, indentless: bool, at: Span) {
        let start = if map {
            Event::MappingStart(0, None)
        } else {
            Event::SequenceStart(0, None)
        };
        (self.out)(start, at);
        self.stack.push(Open {
            map,
            indent,
            indentless,
        });
    }

    /// A pending key or `-` with nothing below: its node is null.
    fn settle_pending(&mut self) {
        if let Some(p) = self.pending.take() {
            (self.out)(plain(""), Span::point(p.at));
        }
    }

    /// A line with a node on it, its first token at column `c`.
    fn content(&mut self, l: u32, text: &'t str, c: usize, first: bool) -> Option<()> {
        let line = text.as_bytes();
        let dash = is_dash(line, c);
        let col = c as u32;
        if first {
            // The root collection.
            self.open(!dash, col, false, point(l, c));
            return self.node(l, text, c);
        }
        if let Some(p) = self.pending {
            if col > p.owner && matches!(line[c], b'[' | b'{') {
                // `[]`, `{}` or `[a, b]` on the line below its key or `-`.
                self.pending = None;
                return self.value(l, text, c, p.owner as usize);
            }
            if col > p.owner {
                self.pending = None;
                self.open(!dash, col, false, point(l, c));
                return self.node(l, text, c);
            }
            if col == p.owner && dash && p.key {
                // A sequence at its key's column: it starts at its first entry's node.
                let after = skip_spaces(line, c + 1);
                if rest_empty(line, after) {
                    return None;
                }
                self.pending = None;
                self.open(false, col, true, point(l, after));
                return self.node(l, text, c);
            }
            self.settle_pending();
        }
        let here = point(l, c);
        loop {
            let top = *self.stack.last()?;
            if top.indent > col || top.indentless && top.indent == col && !dash {
                self.stack.pop();
                (self.out)(end_event(top), here);
                continue;
            }
            if top.indent < col || top.map == dash {
                // More indented than its collection with nothing pending (a continued
                // scalar), or a `-` among keys, or a key among `-`.
                return None;
            }
            break;
        }
        self.node(l, text, c)
    }

    /// The node on a line from column `c`, in the collection on top, which holds it: `-`
    /// entries (compact ones nested: `- - x`, `- key: value`), then a key and its value, or
    /// a scalar.
    fn node(&mut self, l: u32, text: &'t str, mut c: usize) -> Option<()> {
        let line = text.as_bytes();
        loop {
            let top = *self.stack.last()?;
            if top.indent as usize != c && !top.indentless {
                return None;
            }
            if !is_dash(line, c) {
                if !top.map {
                    return None;
                }
                return self.entry(l, text, c);
            }
            if top.map {
                return None;
            }
            let after = skip_spaces(line, c + 1);
            if rest_empty(line, after) {
                self.pending = Some(Pending {
                    at: Pos {
                        line: l,
                        col: self.col(line, line.len()),
                    },
                    owner: c as u32,
                    key: false,
                });
                return Some(());
            }
            if after == c + 1 {
                return None;
            }
            let nested = if is_dash(line, after) {
                Some(false)
            } else if key_end(line, after).is_some() {
                Some(true)
            } else {
                None
            };
            match nested {
                Some(map) => {
                    self.open(map, after as u32, false, point(l, after));
                    c = after;
                }
                None => return self.value(l, text, after, c),
            }
        }
    }

    /// `key: value` at column `c` of a mapping.
    fn entry(&mut self, l: u32, text: &'t str, c: usize) -> Option<()> {
        let line = text.as_bytes();
        let (key_to, colon) = key_end(line, c)?;
        let key = match line[c] {
            b'"' | b'\'' => {
                let (value, style, after) = quoted(text, c)?;
                if after != key_to {
                    return None;
                }
                Event::Scalar(value, style, 0, None)
            }
            _ => plain(&text[c..key_to]),
        };
        // The parser ends a quoted key at its `:`.
        let key_span = match line[c] {
            b'"' | b'\'' => self.span(l, line, c, colon),
            _ => self.span(l, line, c, key_to),
        };
        (self.out)(key, key_span);
        let after = skip_spaces(line, colon + 1);
        if rest_empty(line, after) {
            self.pending = Some(Pending {
                at: Pos {
                    line: l,
                    col: self.col(line, colon),
                },
                owner: c as u32,
                key: true,
            });
            return Some(());
        }
        self.value(l, text, after, c)
    }

    /// A scalar, `[]` or `{}` at column `c`, the rest of the line being spaces and a comment.
    fn value(&mut self, l: u32, text: &'t str, c: usize, owner: usize) -> Option<()> {
        let line = text.as_bytes();
        match line[c] {
            b'|' => {
                let chomp = match line.get(c + 1) {
                    Some(b'-') => Chomp::Strip,
                    Some(b'+') => Chomp::Keep,
                    _ => Chomp::Clip,
                };
                let after = c + 1 + usize::from(chomp != Chomp::Clip);
                if after < line.len() && line[after] != b' ' || !rest_empty(line, after) {
                    return None;
                }
                self.block = Some(Literal {
                    owner: owner as u32,
                    chomp,
                    indent: None,
                    start: None,
                    value: String::new(),
                    breaks: 0,
                });
                Some(())
            }
            b'[' if line.get(skip_spaces(line, c + 1)) != Some(&b']') => self.flow(l, text, c),
            open @ (b'[' | b'{') => {
                let close = skip_spaces(line, c + 1);
                let wanted = if open == b'[' { b']' } else { b'}' };
                if close == line.len() || line[close] != wanted || !rest_empty(line, close + 1) {
                    return None;
                }
                let (start, end) = if open == b'[' {
                    (Event::SequenceStart(0, None), Event::SequenceEnd)
                } else {
                    (Event::MappingStart(0, None), Event::MappingEnd)
                };
                let sp = self.span(l, line, c, close);
                (self.out)(start, sp);
                // Its end runs on over the spaces and the comment after it.
                let sp = self.span(l, line, close, line.len());
                (self.out)(end, sp);
                Some(())
            }
            q @ (b'"' | b'\'') if closing(line, c).is_none() => {
                // It goes on on the lines below.
                let first = line_segment(&text[c + 1..], q, false)?;
                self.open_quoted = Some(OpenQuoted {
                    quote: q,
                    owner: owner as u32,
                    value: first,
                    start: Pos {
                        line: l,
                        col: self.col(line, c),
                    },
                    breaks: 0,
                });
                Some(())
            }
            b'"' | b'\'' => {
                let (value, style, after) = quoted(text, c)?;
                if !rest_empty(line, after) {
                    return None;
                }
                let sp = self.span(l, line, c, line.len());
                (self.out)(Event::Scalar(value, style, 0, None), sp);
                Some(())
            }
            b => {
                if !plain_start(line, c, b) {
                    return None;
                }
                let (end, comment) = plain_end(line, c)?;
                let sp = self.span(l, line, c, end);
                if comment {
                    (self.out)(plain(&text[c..end]), sp);
                } else {
                    // It may go on on the lines below.
                    self.open_plain = Some(OpenPlain {
                        owner: owner as u32,
                        value: Cow::Borrowed(&text[c..end]),
                        span: sp,
                        breaks: 0,
                    });
                }
                Some(())
            }
        }
    }
}

impl<'t> Reader<'_, 't> {
    /// `[a, "b", 'c']` from column `c`: scalars without `:` or `#`, on one line.
    fn flow(&mut self, l: u32, text: &'t str, c: usize) -> Option<()> {
        let line = text.as_bytes();
        let mut at = skip_spaces(line, c + 1);
        let sp = self.span(l, line, c, at);
        (self.out)(Event::SequenceStart(0, None), sp);
        loop {
            let (event, end, next) = match *line.get(at)? {
                b'"' | b'\'' => {
                    let (value, style, after) = quoted(text, at)?;
                    // Its end runs on over the spaces after it.
                    let next = skip_spaces(line, after);
                    let event = Event::Scalar(value, style, 0, None);
                    (event, next, next)
                }
                b => {
                    if !plain_start(line, at, b) || b == b'-' || b == b'?' || b == b':' {
                        return None;
                    }
                    let mut end = at;
                    let mut i = at;
                    while i < line.len() && !matches!(line[i], b',' | b']') {
                        match line[i] {
                            // `?` too: YAML 1.1 ends a plain scalar there (`strict`).
                            b'[' | b'{' | b'}' | b':' | b'#' | b'?' => return None,
                            b' ' => {}
                            // One word: the parser reads `-` after a space as an indicator.
                            _ if end < i => return None,
                            _ => end = i + 1,
                        }
                        i += 1;
                    }
                    (plain(&text[at..end]), end, i)
                }
            };
            let sp = self.span(l, line, at, end);
            (self.out)(event, sp);
            match line.get(next) {
                Some(b',') => {
                    at = skip_spaces(line, next + 1);
                    if matches!(line.get(at), None | Some(b']' | b',')) {
                        return None;
                    }
                }
                Some(b']') => {
                    if !rest_empty(line, next + 1) {
                        return None;
                    }
                    let sp = self.span(l, line, next, line.len());
                    (self.out)(Event::SequenceEnd, sp);
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A line while a literal block scalar is open: its content, or what ends it (then
    /// read as any line).
    fn literal_line(&mut self, l: u32, text: &'t str) -> Option<()> {
        let line = text.as_bytes();
        let indent = skip_spaces(line, 0);
        let b = self.block.as_mut()?;
        if indent == line.len() {
            // Spaces only: an empty line, or content when longer than the indentation.
            match b.indent {
                None => return None,
                Some(k) if line.len() > k => b.push(&text[k..]),
                Some(_) => b.breaks += 1,
            }
            return Some(());
        }
        let k = *b.indent.get_or_insert(indent);
        if k as u32 <= b.owner {
            // Nothing indented past its key or `-`: an empty scalar.
            b.indent = None;
        } else if indent >= k {
            b.start.get_or_insert(Pos {
                line: l,
                col: k as u32,
            });
            b.push(&text[k..]);
            return Some(());
        }
        self.end_literal(point(l, indent));
        self.line(l, text)
    }

    /// Ends the open literal block scalar, at `end` (the first token of the line that ends
    /// it).
    fn end_literal(&mut self, end: Span) {
        let Some(b) = self.block.take() else {
            return;
        };
        let start = b.start.unwrap_or(end.start);
        let mut value = b.value;
        match b.chomp {
            Chomp::Strip => {
                value.pop();
            }
            Chomp::Clip => {}
            Chomp::Keep => value.extend(std::iter::repeat_n('\n', b.breaks)),
        }
        let event = Event::Scalar(Cow::Owned(value), ScalarStyle::Literal, 0, None);
        (self.out)(
            event,
            Span {
                start,
                end: end.end,
            },
        );
    }
}

impl<'t> Reader<'_, 't> {
    /// A line while a plain scalar may go on: true when the line goes on with it (or is
    /// empty); else the scalar has ended, and the line is to be read as any line.
    fn plain_line(&mut self, l: u32, text: &'t str) -> Option<bool> {
        let line = text.as_bytes();
        let indent = skip_spaces(line, 0);
        let p = self.open_plain.as_mut()?;
        if indent == line.len() {
            p.breaks += 1;
            return Some(true);
        }
        if indent as u32 <= p.owner || line[indent] == b'#' {
            self.end_plain();
            return Some(false);
        }
        // A line that goes on with it: one that starts as a plain scalar may, without
        // `: ` (the parser refuses it) and up to a comment (after which it ends).
        let b = line[indent];
        if !plain_start(line, indent, b) || matches!(b, b'-' | b'?' | b':') {
            return None;
        }
        let (end, comment) = plain_end(line, indent)?;
        let value = p.value.to_mut();
        if p.breaks == 0 {
            value.push(' ');
        } else {
            value.extend(std::iter::repeat_n('\n', p.breaks));
        }
        value.push_str(&text[indent..end]);
        p.breaks = 0;
        let end = Pos {
            line: l,
            col: self.col(line, end),
        };
        let p = self.open_plain.as_mut()?;
        p.span.end = end;
        if comment {
            self.end_plain();
        }
        Some(true)
    }

    fn end_plain(&mut self) {
        if let Some(p) = self.open_plain.take() {
            let event = Event::Scalar(p.value, ScalarStyle::Plain, 0, None);
            (self.out)(event, p.span);
        }
    }
}

impl<'t> Reader<'_, 't> {
    /// A line of a quoted scalar that began on a line above: more of it, or its end.
    fn quoted_line(&mut self, l: u32, text: &'t str) -> Option<()> {
        let line = text.as_bytes();
        let indent = skip_spaces(line, 0);
        let q = self.open_quoted.as_ref()?;
        if indent == line.len() {
            self.open_quoted.as_mut()?.breaks += 1;
            return Some(());
        }
        if indent as u32 <= q.owner {
            return None;
        }
        let close = close_from(line, indent, q.quote);
        let end = close.map_or(line.len(), |after| after - 1);
        let segment = line_segment(&text[indent..end], q.quote, close.is_some())?;
        let q = self.open_quoted.as_mut()?;
        if q.breaks == 0 {
            q.value.push(' ');
        } else {
            q.value.extend(std::iter::repeat_n('\n', q.breaks));
        }
        q.breaks = 0;
        q.value.push_str(&segment);
        let Some(after) = close else {
            return Some(());
        };
        if !rest_empty(line, after) {
            return None;
        }
        let q = self.open_quoted.take()?;
        let style = if q.quote == b'"' {
            ScalarStyle::DoubleQuoted
        } else {
            ScalarStyle::SingleQuoted
        };
        let end = Pos {
            line: l,
            col: self.col(line, line.len()),
        };
        let event = Event::Scalar(Cow::Owned(q.value), style, 0, None);
        (self.out)(
            event,
            Span {
                start: q.start,
                end,
            },
        );
        Some(())
    }
}

/// A quoted scalar over several lines, being read.
struct OpenQuoted {
    quote: u8,
    /// The column of its key or `-`: its lines are indented past it.
    owner: u32,
    value: String,
    start: Pos,
    /// Empty lines since its last one.
    breaks: usize,
}

/// One line's part of a quoted scalar over several lines, its escapes read: without the
/// spaces at its end unless it is the last (`last`: the text up to the closing quote). None
/// for a line that ends in `\` (a line break escaped), or an escape not read here.
fn line_segment(raw: &str, quote: u8, last: bool) -> Option<String> {
    let raw = if last { raw } else { raw.trim_end_matches(' ') };
    if quote == b'\'' {
        return Some(raw.replace("''", "'"));
    }
    if raw.ends_with('\\') {
        return None;
    }
    unescape(raw)
}

/// A plain scalar whose lines may go on below.
struct OpenPlain<'t> {
    /// The column of its key or `-`: the lines that go on with it are indented past it.
    owner: u32,
    value: Cow<'t, str>,
    span: Span,
    /// Empty lines since its last one.
    breaks: usize,
}

/// Where a plain scalar from `c` ends on its line (without the spaces after it), and whether
/// a comment follows; None when `: ` or a final `:` makes it a key.
fn plain_end(line: &[u8], c: usize) -> Option<(usize, bool)> {
    let mut end = c;
    let mut i = c;
    while i < line.len() {
        match line[i] {
            b'#' if line[i - 1] == b' ' => return Some((end, true)),
            b':' if i + 1 == line.len() || line[i + 1] == b' ' => return None,
            b' ' => {}
            _ => end = i + 1,
        }
        i += 1;
    }
    Some((end, false))
}

/// How a literal block scalar ends: `|-` without its last line break, `|` with one, `|+`
/// with every one.
#[derive(Clone, Copy, PartialEq)]
enum Chomp {
    Strip,
    Clip,
    Keep,
}

/// A literal block scalar (`|`) being read.
struct Literal {
    /// The column of its key or `-`: its lines are indented past it.
    owner: u32,
    chomp: Chomp,
    /// The indentation of its first line, once read.
    indent: Option<usize>,
    /// Where its first line's content starts; None while it has none.
    start: Option<Pos>,
    /// Its lines so far, each with its line break.
    value: String,
    /// Empty lines since the last one with content.
    breaks: usize,
}

impl Literal {
    fn push(&mut self, content: &str) {
        self.value.extend(std::iter::repeat_n('\n', self.breaks));
        self.breaks = 0;
        self.value.push_str(content);
        self.value.push('\n');
    }
}

/// Whether a plain scalar may start with byte `b` at `at`: not an indicator, except `-`,
/// `?` and `:` before a character that is not a space.
fn plain_start(line: &[u8], at: usize, b: u8) -> bool {
    match b {
        b'-' | b'?' | b':' => at + 1 < line.len() && line[at + 1] != b' ',
        b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' => false,
        _ => true,
    }
}

/// A key from column `c`: where its text ends and where its `:` is; None when the line does
/// not hold a simple key there.
fn key_end(line: &[u8], c: usize) -> Option<(usize, usize)> {
    let mut i = c;
    let text_end = match line[c] {
        b'"' | b'\'' => {
            i = closing(line, c)?;
            i
        }
        b => {
            if !plain_start(line, c, b) {
                return None;
            }
            let mut end = c;
            loop {
                if i == line.len() {
                    return None;
                }
                match line[i] {
                    b'#' if line[i - 1] == b' ' => return None,
                    b':' if i + 1 == line.len() || line[i + 1] == b' ' => break,
                    b' ' => {}
                    _ => end = i + 1,
                }
                i += 1;
            }
            end
        }
    };
    let colon = skip_spaces(line, i);
    if colon == line.len()
        || line[colon] != b':'
        || colon + 1 < line.len() && line[colon + 1] != b' '
        || colon - c > MAX_KEY
    {
        return None;
    }
    Some((text_end, colon))
}

/// Where the quoted scalar at `c` closes: the byte after its closing quote; `''` in single
/// quotes and `\` escapes in double quotes are inside it.
fn closing(line: &[u8], c: usize) -> Option<usize> {
    close_from(line, c + 1, line[c])
}

/// Where a scalar in quotes `q` that goes on at byte `from` closes: the byte after its
/// closing quote.
fn close_from(line: &[u8], from: usize, q: u8) -> Option<usize> {
    let mut i = from;
    loop {
        let b = *line.get(i)?;
        if b == q {
            if q == b'\'' && line.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += if b == b'\\' && q == b'"' { 2 } else { 1 };
    }
}

/// A quoted scalar that closes on its line: its text, style and the byte after it; None for
/// an escape not read here.
fn quoted(text: &str, c: usize) -> Option<(Cow<'_, str>, ScalarStyle, usize)> {
    let line = text.as_bytes();
    let after = closing(line, c)?;
    let inner = &text[c + 1..after - 1];
    if line[c] == b'\'' {
        let value = if inner.contains('\'') {
            Cow::Owned(inner.replace("''", "'"))
        } else {
            Cow::Borrowed(inner)
        };
        return Some((value, ScalarStyle::SingleQuoted, after));
    }
    let value = if inner.contains('\\') {
        Cow::Owned(unescape(inner)?)
    } else {
        Cow::Borrowed(inner)
    };
    Some((value, ScalarStyle::DoubleQuoted, after))
}

/// The text of a double-quoted scalar with its escapes read; None for one not read here.
fn unescape(inner: &str) -> Option<String> {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        let decoded = match chars.next()? {
            // Not `\/`: YAML 1.1 does not have it (`strict` refuses it).
            c @ ('"' | '\\') => c,
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '0' => '\0',
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                if hex.len() != 4 {
                    return None;
                }
                char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
            }
            _ => return None,
        };
        out.push(decoded);
    }
    Some(out)
}

fn end_event(open: Open) -> Event<'static> {
    if open.map {
        Event::MappingEnd
    } else {
        Event::SequenceEnd
    }
}

#[cfg(test)]
mod tests;
