//! Secret masking: where secret values are written in a text, so that no snippet, diff or
//! suggestion shows them. They are found by position, not by parsing: a document that does
//! not parse (the very one a syntax error is reported on) still hides its values.
//!
//! What is secret:
//! - every value of a document that holds a Secret: one with a `kind: Secret` line (in YAML,
//!   JSON or flow style, at any indentation, tagged or anchored), or one the loader read a
//!   Secret in (the caller says which lines: `k8s::secret`). Keys and structure stay, and so do
//!   the values that name the object (`apiVersion`, `kind`, a top-level `type`,
//!   `metadata.name`, `metadata.namespace`) unless they sit under `data`, `stringData` or
//!   `annotations`. Comments are masked too, except keelhaul's directives and Helm's
//!   `# Source:` lines;
//! - the value of a `kubectl.kubernetes.io/last-applied-configuration` annotation, on any
//!   kind: it is the whole object as last applied, data included;
//! - everything under a kustomization's `secretGenerator` but the generators' names.
//!
//! Lines are read one by one with a small amount of state (the keys above, by indentation; a
//! quoted, block or flow scalar continued on the next lines), so a broken document is masked
//! as far as its text goes. Masking replaces each character that is not white space with `*`
//! (`excerpt` does it on snippets, [`masked`] on whole texts).

use std::borrow::Cow;

use crate::span::{Pos, Span};

/// The annotation in which `kubectl apply` keeps the whole object it applied.
const LAST_APPLIED: &str = "last-applied-configuration";

/// Keys whose values are never shown in a Secret's document, whatever their name.
const HIDING_PARENTS: &[&str] = &["data", "stringData", "binaryData", "annotations"];

/// The first and last line (1-based, inclusive) of a Secret the loader read.
type Lines = (u32, u32);

/// What to mask in `text`: one span per line masked (columns in characters). `secrets` are
/// the lines of the Secrets the loader read in it, if it was read (`k8s::secret`); documents
/// that hold a Secret are found in the text whether it was or not.
pub fn masks(text: &str, secrets: &[Lines]) -> Vec<Span> {
    let worth_a_look =
        !secrets.is_empty() || has(text, "ecret") || has(text, "ECRET") || has(text, LAST_APPLIED);
    if !worth_a_look {
        return Vec::new();
    }
    let merged = coalesced(secrets);
    let secrets = &merged[..];
    let mut out = Vec::new();
    let lines: Vec<&str> = text.split('\n').collect();
    for doc in documents(&lines) {
        let holds_secret = holds_secret(&lines[doc.clone()]);
        // Lines are 1-based, the document's range 0-based and end-exclusive.
        let read_secret = overlaps(secrets, doc.start as u32 + 1, doc.end as u32);
        let doc_text_has = |w: &str| lines[doc.clone()].iter().any(|l| has(l, w));
        let generator = doc_text_has("secretGenerator");
        let last_applied = doc_text_has(LAST_APPLIED);
        if !(holds_secret || read_secret || generator || last_applied) {
            continue;
        }
        let whole = if holds_secret {
            Region::Whole
        } else {
            Region::Ranges(secrets)
        };
        let mut reader = Reader::new(whole);
        for i in doc {
            reader.line(i as u32 + 1, lines[i], &mut out);
        }
    }
    out
}

/// `text` with every secret value its text shows masked, line for line and column for column
/// (a unified diff of it lines up with one of the text).
pub fn masked(text: &str) -> Cow<'_, str> {
    let spans = masks(text, &[]);
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut spans = spans.iter().peekable();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let n = i as u32 + 1;
        let mut l = Cow::Borrowed(line);
        while let Some(s) = spans.next_if(|s| s.start.line <= n) {
            if s.start.line == n {
                l = Cow::Owned(mask_columns(&l, s.start.col as usize, s.end.col as usize));
            }
        }
        out.push_str(&l);
    }
    Cow::Owned(out)
}

/// `line` with its characters `from..to` (counted in characters) that are not white space
/// shown as `*`.
pub fn mask_columns(line: &str, from: usize, to: usize) -> String {
    line.chars()
        .enumerate()
        .map(|(i, c)| {
            if i >= from && i < to && !c.is_whitespace() {
                '*'
            } else {
                c
            }
        })
        .collect()
}

/// Whether `needle` occurs in `text`.
fn has(text: &str, needle: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), needle.as_bytes()).is_some()
}

/// The documents of a text, as ranges of line indexes (0-based): a `---` or `...` line at
/// column 0 ends one; a `---` line belongs to the document it starts (it may hold content).
fn documents(lines: &[&str]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, l) in lines.iter().enumerate() {
        if is_marker(l, "---") {
            if i > start {
                out.push(start..i);
            }
            start = i;
        } else if is_marker(l, "...") {
            if i > start {
                out.push(start..i);
            }
            start = i + 1;
        }
    }
    if start < lines.len() {
        out.push(start..lines.len());
    }
    out
}

/// Whether `line` is the document marker `marker` (`---`, `...`), alone or before content.
fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']))
}

/// Whether the lines of a document say `kind: Secret` (on one line, or `kind:` then `Secret`
/// on the next).
fn holds_secret(lines: &[&str]) -> bool {
    let mut after_bare_kind = false;
    for l in lines {
        let t = l.trim();
        let value = t.trim_end_matches(',').trim_matches(['"', '\'']);
        if says_kind_secret(l) || (after_bare_kind && value.eq_ignore_ascii_case("secret")) {
            return true;
        }
        if !t.is_empty() && !t.starts_with('#') {
            let item = t.trim_start_matches("- ");
            after_bare_kind = matches!(item, "kind:" | "\"kind\":" | "'kind':");
        }
    }
    false
}

/// Whether a line says `kind: Secret`, in any style: YAML (`kind: Secret`, `- kind: Secret`),
/// JSON (`"kind": "Secret"`), flow (`{kind: Secret}`), escaped in a JSON string
/// (`\"kind\":\"Secret\"`), tagged or anchored (`kind: !!str Secret`); the kind in any case (a
/// mistyped kind hides a real secret all the same).
fn says_kind_secret(line: &str) -> bool {
    let b = line.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&b[from..], b"kind").map(|i| from + i) {
        from = i + 4;
        let before_ok = i == 0
            || matches!(
                b[i - 1],
                b' ' | b'\t' | b'{' | b',' | b'"' | b'\'' | b'\\' | b'-'
            );
        if !before_ok {
            continue;
        }
        let mut j = i + 4;
        let skip = |j: &mut usize, set: &[u8]| {
            while *j < b.len() && set.contains(&b[*j]) {
                *j += 1;
            }
        };
        skip(&mut j, b"\\\"'");
        skip(&mut j, b" \t");
        if b.get(j) != Some(&b':') {
            continue;
        }
        j += 1;
        skip(&mut j, b" \t");
        // Tags and anchors (`!!str`, `&kind`) before the value.
        while matches!(b.get(j), Some(b'!' | b'&')) {
            while j < b.len() && !b[j].is_ascii_whitespace() {
                j += 1;
            }
            skip(&mut j, b" \t");
        }
        skip(&mut j, b"\\\"'");
        let word = b.get(j..j + 6);
        if !word.is_some_and(|w| w.eq_ignore_ascii_case(b"secret")) {
            continue;
        }
        let after = b.get(j + 6).copied();
        if after.is_none_or(|c| b" \t\r\"'\\,}#".contains(&c)) {
            return true;
        }
    }
    false
}

/// Which lines of a document are a Secret's.
enum Region<'a> {
    /// The whole document holds one (found in its text).
    Whole,
    /// Those of these ranges (Secrets the loader read; none when the document has none).
    Ranges(&'a [Lines]),
}

impl Region<'_> {
    fn covers(&self, line: u32) -> bool {
        match self {
            Region::Whole => true,
            Region::Ranges(r) => overlaps(r, line, line),
        }
    }
}

/// Line ranges sorted, those that share a line merged.
fn coalesced(ranges: &[Lines]) -> Vec<Lines> {
    let mut sorted = ranges.to_vec();
    sorted.sort_unstable();
    let mut out: Vec<Lines> = Vec::with_capacity(sorted.len());
    for (a, b) in sorted {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// Whether one of `ranges` (coalesced) shares a line with `first..=last`.
fn overlaps(ranges: &[Lines], first: u32, last: u32) -> bool {
    let i = ranges.partition_point(|&(a, _)| a <= last);
    i > 0 && ranges[i - 1].1 >= first
}

/// A scalar or collection that goes on past the end of its line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    /// A quoted scalar, closed by this quote.
    Quote(char),
    /// A block scalar (`|`, `>`): lines indented more than this column.
    Block(usize),
    /// A flow collection this deep.
    Flow(i32),
}

/// What one line holds, once the continued scalars are set apart.
enum Shape {
    Blank,
    /// A whole-line comment, from this column.
    Comment(usize),
    /// The content of a scalar or collection opened on an earlier line.
    Continued,
    /// `key: value`, the value from this column (its end when there is none).
    Entry {
        value: usize,
    },
    /// Content with no key (a sequence item's scalar, a flow collection), from this column.
    Bare(usize),
}

/// Reads a document line by line, masking as it goes.
struct Reader<'a> {
    region: Region<'a>,
    /// The keys above the current line, with their columns (`-` for a sequence item).
    stack: Vec<(usize, String)>,
    open: Option<Open>,
    /// Whether the lines of the scalar still open are masked.
    open_masked: bool,
}

impl<'a> Reader<'a> {
    fn new(region: Region<'a>) -> Reader<'a> {
        Reader {
            region,
            stack: Vec::new(),
            open: None,
            open_masked: false,
        }
    }

    /// Reads line `n` (its text without the line end) and adds what to mask on it to `out`.
    fn line(&mut self, n: u32, raw: &str, out: &mut Vec<Span>) {
        let text = raw.strip_suffix('\r').unwrap_or(raw);
        let chars: Vec<char> = text.chars().collect();
        let in_secret = self.region.covers(n);
        let marker = is_marker(text, "---");
        if marker {
            self.stack.clear();
            self.open = None;
        }
        let was_open = self.open.is_some();
        let (shape, key) = self.shape(&chars, if marker { 3 } else { 0 });
        let from = match shape {
            Shape::Blank => None,
            Shape::Comment(c) => (in_secret && !is_directive(&chars[c..])).then_some(c + 1),
            Shape::Continued => (in_secret || self.open_masked).then(|| first_content(&chars, 0)),
            Shape::Bare(c) => (in_secret || self.under("secretGenerator")).then_some(c),
            Shape::Entry { value } => self.entry_mask(&chars, value, key.as_deref(), in_secret),
        };
        let from = from.filter(|&f| !structural(&chars, f));
        if !matches!(shape, Shape::Continued) && self.open.is_some() {
            // What this line opened is masked on its next lines as its value is here.
            self.open_masked = from.is_some_and(|f| f <= value_start(&shape));
        }
        let applied = last_applied_value(&chars);
        let masked = match (from, applied) {
            (Some(a), Some((b, _))) => Some((a.min(b), chars.len())),
            (Some(a), None) => Some((a, chars.len())),
            (None, b) => b,
        };
        if let Some((from, to)) = masked.filter(|&(f, t)| f < t) {
            out.push(Span {
                start: Pos {
                    line: n,
                    col: from as u32,
                },
                end: Pos {
                    line: n,
                    col: to as u32,
                },
            });
        }
        if let Some((b, _)) = applied
            && !was_open
            && self.open.is_none()
            && opens_quote(&chars[b..])
        {
            // `"…last-applied-configuration": "{…` in a flow or JSON line, continued below.
            self.open = Some(Open::Quote(chars[first_content(&chars, b)]));
            self.open_masked = true;
        }
    }

    /// Where to mask an entry's line from: its value, unless the value is one that names a
    /// Secret, or the entry is outside a Secret and holds nothing secret.
    fn entry_mask(
        &self,
        chars: &[char],
        value: usize,
        key: Option<&str>,
        in_secret: bool,
    ) -> Option<usize> {
        let key = key.unwrap_or("");
        if key.ends_with(LAST_APPLIED) {
            return Some(value);
        }
        if in_secret {
            if self.names_the_object(key) {
                // The value stays; a comment after it does not.
                return comment_start(chars, value);
            }
            return Some(value);
        }
        if self.under("secretGenerator") && key != "name" && key != "secretGenerator" {
            return Some(value);
        }
        None
    }

    /// Whether the entry just pushed (`key`, on top of the stack) is one whose value names a
    /// Secret rather than holds one.
    fn names_the_object(&self, key: &str) -> bool {
        let keys: Vec<&str> = self
            .stack
            .iter()
            .map(|(_, k)| k.as_str())
            .filter(|k| *k != "-")
            .collect();
        if keys.iter().any(|k| HIDING_PARENTS.contains(k)) {
            return false;
        }
        let parent = keys.len().checked_sub(2).map(|i| keys[i]);
        match key {
            "apiVersion" | "kind" => true,
            "name" | "namespace" => parent == Some("metadata"),
            "type" => keys.len() == 1,
            _ => false,
        }
    }

    /// Whether a key of this name is above the current line.
    fn under(&self, key: &str) -> bool {
        self.stack.iter().any(|(_, k)| k == key)
    }

    /// The shape of a line (from column `start`) and its key, updating the keys above and
    /// the scalar left open.
    fn shape(&mut self, chars: &[char], start: usize) -> (Shape, Option<String>) {
        if let Some(open) = self.open
            && let Some(shape) = self.continued(chars, open)
        {
            return (shape, None);
        }
        let indent = first_content(chars, start);
        if indent >= chars.len() {
            return (Shape::Blank, None);
        }
        if chars[indent] == '#' {
            return (Shape::Comment(indent), None);
        }
        // Sequence markers: `- `, `- - `.
        let mut at = indent;
        while chars[at] == '-' && chars.get(at + 1).is_none_or(|c| c.is_whitespace()) {
            // An item at the column of a key is that key's (`key:` then `- item` below it);
            // one at the column of an item is the next item.
            while self
                .stack
                .last()
                .is_some_and(|(c, k)| *c > at || (*c == at && k == "-"))
            {
                self.stack.pop();
            }
            self.stack.push((at, "-".to_string()));
            at = first_content(chars, at + 1);
            if at >= chars.len() {
                return (Shape::Blank, None);
            }
        }
        match key_at(chars, at) {
            Some((key, colon)) => {
                self.push(at, &key);
                let value = first_content(chars, colon + 1);
                self.open = opened_by(&chars[value.min(chars.len())..], at);
                (Shape::Entry { value }, Some(key))
            }
            None => {
                self.pop_to(at);
                self.open = opened_by(&chars[at..], indent);
                (Shape::Bare(at), None)
            }
        }
    }

    /// The shape of a line while a scalar or collection is open: `None` when the line ends
    /// it without being part of it (a block scalar's end).
    fn continued(&mut self, chars: &[char], open: Open) -> Option<Shape> {
        match open {
            Open::Quote(q) => {
                if closes_quote(chars, q) {
                    self.open = None;
                }
                Some(Shape::Continued)
            }
            Open::Block(col) => {
                let indent = first_content(chars, 0);
                if indent >= chars.len() || indent > col {
                    Some(Shape::Continued)
                } else {
                    self.open = None;
                    self.open_masked = false;
                    None
                }
            }
            Open::Flow(depth) => {
                let depth = depth + flow_depth(chars);
                self.open = (depth > 0).then_some(Open::Flow(depth));
                Some(Shape::Continued)
            }
        }
    }

    fn push(&mut self, col: usize, key: &str) {
        self.pop_to(col);
        self.stack.push((col, key.to_string()));
    }

    fn pop_to(&mut self, col: usize) {
        while self.stack.last().is_some_and(|(c, _)| *c >= col) {
            self.stack.pop();
        }
    }
}

/// The column an entry's value starts at, for a shape (the end of the line for others).
fn value_start(shape: &Shape) -> usize {
    match shape {
        Shape::Entry { value } => *value,
        Shape::Bare(c) => *c,
        _ => usize::MAX,
    }
}

/// Whether a comment is one of keelhaul's own directives (or Helm's `# Source:`), which say
/// nothing secret and which a suppression's snippet must show.
fn is_directive(comment: &[char]) -> bool {
    let text: String = comment.iter().skip(1).collect();
    let t = text.trim_start();
    t.starts_with("keelhaul:") || t.starts_with("Source:")
}

/// The first column at or after `from` that is not white space (the line's length if none);
/// a byte order mark counts as white space.
fn first_content(chars: &[char], from: usize) -> usize {
    let mut i = from;
    while i < chars.len() && (chars[i].is_whitespace() || chars[i] == '\u{feff}') {
        i += 1;
    }
    i
}

/// The key of a `key: value` line whose content starts at `at`, and the column of its colon.
fn key_at(chars: &[char], at: usize) -> Option<(String, usize)> {
    let c = *chars.get(at)?;
    if c == '"' || c == '\'' {
        let close = quote_end(chars, at + 1, c)?;
        let colon = first_content(chars, close + 1);
        if chars.get(colon) != Some(&':') {
            return None;
        }
        let key: String = chars[at + 1..close].iter().collect();
        return Some((key, colon));
    }
    if "{[|>&!*%@`".contains(c) {
        return None;
    }
    let mut i = at;
    while i < chars.len() {
        match chars[i] {
            ':' if chars.get(i + 1).is_none_or(|n| n.is_whitespace()) => {
                let key: String = chars[at..i].iter().collect();
                return Some((key.trim_end().to_string(), i));
            }
            '#' if i > at && chars[i - 1].is_whitespace() => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// The column of the quote `q` that closes a quoted scalar whose text starts at `from`.
fn quote_end(chars: &[char], from: usize, q: char) -> Option<usize> {
    let mut i = from;
    while i < chars.len() {
        let c = chars[i];
        if q == '"' && c == '\\' {
            i += 2;
            continue;
        }
        if c == q {
            if q == '\'' && chars.get(i + 1) == Some(&'\'') {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Whether a line of a quoted scalar left open holds its closing quote.
fn closes_quote(chars: &[char], q: char) -> bool {
    quote_end(chars, 0, q).is_some()
}

/// Whether a value (from its first character) is a quoted scalar that its line leaves open.
fn opens_quote(value: &[char]) -> bool {
    let at = first_content(value, 0);
    match value.get(at) {
        Some(&q) if q == '"' || q == '\'' => quote_end(value, at + 1, q).is_none(),
        _ => false,
    }
}

/// What a value (its characters to the end of the line) leaves open for the next lines:
/// a quoted scalar, a block scalar (more indented than `col`, the column of its key) or a flow
/// collection. Tags and anchors before it are skipped.
fn opened_by(value: &[char], col: usize) -> Option<Open> {
    let mut at = first_content(value, 0);
    while matches!(value.get(at), Some('!' | '&')) {
        while at < value.len() && !value[at].is_whitespace() {
            at += 1;
        }
        at = first_content(value, at);
    }
    match value.get(at)? {
        '"' | '\'' => opens_quote(&value[at..]).then(|| Open::Quote(value[at])),
        '|' | '>' => Some(Open::Block(col)),
        '{' | '[' => {
            // A collection left open after its first line has content on it (`data: {a: b,`)
            // is flow YAML, continued; one opened and left (`"data": {`, JSON) is read line
            // by line like any other.
            let depth = flow_depth(&value[at..]);
            let alone = value[at + 1..].iter().all(|c| c.is_whitespace());
            (depth > 0 && !alone).then_some(Open::Flow(depth))
        }
        _ => None,
    }
}

/// Openings minus closings of flow collections on a line (quotes are not told apart: a
/// bracket in a quoted scalar may keep the collection open longer, never shorter, than it
/// is, in the usual case).
fn flow_depth(chars: &[char]) -> i32 {
    chars
        .iter()
        .map(|c| match c {
            '{' | '[' => 1,
            '}' | ']' => -1,
            _ => 0,
        })
        .sum()
}

/// Where the text of a comment after a value starts (after its ` #`), if the line has one.
fn comment_start(chars: &[char], value: usize) -> Option<usize> {
    (value.max(1)..chars.len())
        .find(|&i| chars[i] == '#' && chars[i - 1].is_whitespace())
        .map(|i| i + 1)
}

/// Whether the characters from `from` on are only the punctuation of a collection (`{`,
/// `},`, `[]`): nothing to hide.
fn structural(chars: &[char], from: usize) -> bool {
    chars[from.min(chars.len())..]
        .iter()
        .all(|c| c.is_whitespace() || "{}[],".contains(*c))
}

/// The columns of the value of a last-applied-configuration annotation on a line where its
/// key stands anywhere (a JSON or flow object on one line included): a quoted value to its
/// closing quote, anything else (or a quote left open) to the end of the line.
fn last_applied_value(chars: &[char]) -> Option<(usize, usize)> {
    let target: Vec<char> = LAST_APPLIED.chars().collect();
    let n = target.len();
    if chars.len() < n {
        return None;
    }
    (0..=chars.len() - n).find_map(|i| {
        if chars[i..i + n] != target[..] {
            return None;
        }
        let mut j = i + n;
        while matches!(chars.get(j), Some('"' | '\'' | '\\')) {
            j += 1;
        }
        j = first_content(chars, j);
        if chars.get(j) != Some(&':') {
            return None;
        }
        let value = first_content(chars, j + 1);
        let end = match chars.get(value) {
            Some(&q) if q == '"' || q == '\'' => quote_end(chars, value + 1, q).map(|e| e + 1),
            _ => None,
        };
        Some((value, end.unwrap_or(chars.len())))
    })
}

#[cfg(test)]
mod tests;
