//! What Kubernetes' YAML reader refuses and the YAML 1.2 parser reads. Kubernetes splits a
//! stream at its `---` lines (k8s.io/apimachinery's YAMLReader) and reads each part with
//! go-yaml v2; kubectl fails on the file at the first part it cannot read. Each of these
//! makes its part unreadable: its documents are dropped and a syntax problem says why (the
//! parts after it are still read, as after any syntax error):
//!
//! - a control character anywhere, comments included (go-yaml reads only printable
//!   characters: tab, line breaks, U+0020–U+007E, U+0085, U+00A0–U+D7FF, U+E000–U+FFFD and
//!   beyond U+FFFF);
//! - a `---` line with more than a comment after it: the YAMLReader's "invalid document
//!   separator";
//! - a directive (`%YAML`, `%TAG`) that opens a part: the `---` that must follow it starts
//!   the next part, so go-yaml finds no document after it;
//! - a `...` line that opens a part: go-yaml takes it for the content of the part's first
//!   document;
//! - `\/` in a double-quoted scalar, an escape of YAML 1.2 that YAML 1.1 does not have;
//! - in a flow collection, a plain scalar that begins with `|`, `>` or `:`, holds a `?`, or
//!   has a `:` right after it and then `,`, `]` or `}` (`[>x]`, `{a: :b}`, `[x?]`, `[x:]`):
//!   YAML 1.1 reads these otherwise (go-yaml ends a plain scalar at a `?`, takes the `:` of
//!   `x:]` into the scalar where YAML 1.2 reads a mapping, takes a leading `:` for a
//!   mapping's, and refuses the others);
//! - a mapping key over more than one line, unless `?` introduces it: go-yaml reads a key
//!   without `?` from one line only (YAML 1.2 allows more in a flow collection);
//! - a tab where go-yaml skips only spaces: in the indentation of a line, on a line of white
//!   space (unless it continues a plain scalar, past its indentation), in a block scalar's
//!   indentation, and after a `- ` or `? ` indicator. YAML 1.2 allows some of these as
//!   separating white space; inside quoted scalars and flow collections, tabs are left to
//!   the parser.

use super::scalar::ScalarStyle;
use super::tree::{Document, NodeId, NodeKind};
use super::{LoadProblem, Loaded};
use crate::span::Pos;

/// Whether go-yaml's reader accepts the character.
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7E}' | '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Whether a byte may be part of a character go-yaml refuses: a control byte other than tab
/// and line ends, DEL, or any byte of a multi-byte character (looked at closer).
fn suspect_byte(b: u8) -> bool {
    (b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r') || b >= 0x7F
}

/// Whether any byte is suspect, a block at a time (the loop without an early exit in a block
/// is one the compiler vectorises: this runs over every byte of every file).
fn any_suspect(bytes: &[u8]) -> bool {
    bytes
        .chunks(64)
        .any(|c| c.iter().fold(false, |acc, &b| acc | suspect_byte(b)))
}

/// The text's lines, split once and only when a check needs them.
struct Lines<'a> {
    text: &'a str,
    split: std::cell::OnceCell<Vec<&'a str>>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        Lines {
            text,
            split: std::cell::OnceCell::new(),
        }
    }

    fn get(&self) -> &[&'a str] {
        self.split.get_or_init(|| self.text.split('\n').collect())
    }
}

/// Where Kubernetes refuses the text, and why, found in the text itself; and the text's
/// parts, found in the same pass over its lines.
fn refusals_in_text(text: &str) -> (Vec<(Pos, String)>, Parts) {
    let mut out = Vec::new();
    let mut separators = Vec::new();
    let mut lines = 0;
    // Whether the current part has shown anything but comments and blank lines.
    let mut content = false;
    // Nearly every text is plain ASCII without control characters: one pass over the bytes.
    let suspect = any_suspect(text.as_bytes());
    let bytes = text.as_bytes();
    let mut start = 0;
    loop {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
        let line = &text[start..end];
        lines += 1;
        let line_no = lines;
        if suspect
            && any_suspect(line.as_bytes())
            && let Some((col, c)) = line.chars().enumerate().find(|&(_, c)| !printable(c))
        {
            out.push((
                Pos {
                    line: line_no,
                    col: col as u32,
                },
                format!(
                    "the control character U+{:04X} is not allowed: Kubernetes' YAML reader refuses it (remove it, or write it as an escape in a double-quoted string)",
                    c as u32
                ),
            ));
        }
        // What a part holds before its first content: once it has some, only a `---` line
        // matters (most lines of most texts).
        if !content {
            part_start(line, line_no, &mut out);
            // Blank or a comment: white space is YAML's (space, tab), not Unicode's.
            let body = line.trim_start_matches([' ', '\t', '\r']);
            if !body.is_empty() && !body.starts_with('#') {
                content = true;
            }
        }
        if let Some(rest) = line.strip_prefix("---") {
            let trimmed = rest.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                content = false;
                separators.push(line_no);
            } else {
                let col = 3 + rest.chars().take_while(|c| c.is_whitespace()).count() as u32;
                out.push((
                    Pos { line: line_no, col },
                    "Kubernetes' YAML reader refuses a `---` line with more than a comment after it (an invalid document separator): put what follows on the next line".into(),
                ));
            }
        }
        if end == bytes.len() {
            break;
        }
        start = end + 1;
    }
    (out, Parts { separators, lines })
}

/// What Kubernetes refuses on a line before the first content of a part: a directive, or a
/// `...`.
fn part_start(line: &str, line_no: u32, out: &mut Vec<(Pos, String)>) {
    if line.starts_with('%') {
        out.push((
            Pos { line: line_no, col: 0 },
            "Kubernetes splits a stream at its `---` lines before reading it, so a directive (`%YAML`, `%TAG`) is never followed by its `---`: its YAML reader refuses it; remove the directive".into(),
        ));
    }
    let document_end = line
        .strip_prefix("...")
        .is_some_and(|r| r.trim().is_empty() || r.trim_start().starts_with('#'));
    if document_end {
        out.push((
            Pos { line: line_no, col: 0 },
            "a `...` before the first document of a part of the stream: Kubernetes' YAML reader refuses it; remove it".into(),
        ));
    }
}

/// Where a plain scalar in a flow collection begins with an indicator YAML 1.1 does not read
/// as the start of a plain scalar there.
fn flow_indicator_scalars(text: &Lines, loaded: &Loaded) -> Vec<(Pos, String)> {
    // Without a flow collection there is nothing to look at.
    if !text.text.contains(['[', '{']) {
        return Vec::new();
    }
    let colon_before_end = [":,", ":]", ":}"].iter().any(|n| text.text.contains(n));
    let mut out = Vec::new();
    for d in &loaded.docs {
        let mut flows: Option<Vec<crate::span::Span>> = None;
        for (i, n) in d.nodes.iter().enumerate() {
            if !matches!(
                n.kind,
                NodeKind::Scalar {
                    style: ScalarStyle::Plain,
                    ..
                }
            ) {
                continue;
            }
            let Some(t) = d.scalar(i as NodeId) else {
                continue;
            };
            let Some(first) = t.chars().next() else {
                continue;
            };
            let culprit = if matches!(first, '|' | '>' | ':') {
                format!("begins with `{first}`")
            } else if memchr::memchr(b'?', t.as_bytes()).is_some() {
                "holds a `?`".to_string()
            } else if colon_before_end && colon_before_flow_end(text.get(), n.span.end) {
                "has `:` right after it and then `,`, `]` or `}`".to_string()
            } else {
                continue;
            };
            // The document's flow collections, found once, when the first suspect is.
            let flows = flows.get_or_insert_with(|| {
                (0..d.nodes.len() as NodeId)
                    .filter(|&c| {
                        !matches!(d.node(c).kind, NodeKind::Scalar { .. })
                            && is_flow(d, c, text.get())
                    })
                    .map(|c| d.span(c))
                    .collect::<Vec<_>>()
            });
            let in_flow = flows
                .iter()
                .any(|f| f.start < n.span.start && f.end >= n.span.end);
            if in_flow {
                out.push((
                    n.span.start,
                    format!("a plain scalar that {culprit} in a flow collection (`[…]`, `{{…}}`): Kubernetes' YAML reader (YAML 1.1) reads it otherwise or refuses it; quote it"),
                ));
            }
        }
    }
    out
}

/// Where a mapping key without `?` runs over more than one line.
fn multi_line_keys(text: &Lines, loaded: &Loaded) -> Vec<(Pos, String)> {
    let mut out = Vec::new();
    for d in &loaded.docs {
        for (i, n) in d.nodes.iter().enumerate() {
            if !matches!(n.kind, NodeKind::Mapping { .. }) {
                continue;
            }
            for e in d.entries(i as NodeId) {
                let k = d.span(e.key);
                let block = matches!(
                    d.node(e.key).kind,
                    NodeKind::Scalar {
                        style: ScalarStyle::Literal | ScalarStyle::Folded,
                        ..
                    }
                );
                // A block scalar is a key only after `?`.
                if k.start.line == k.end.line || block {
                    continue;
                }
                // An explicit key: `?` before it, on its line.
                let before: String = text
                    .get()
                    .get(k.start.line as usize - 1)
                    .map(|l| l.chars().take(k.start.col as usize).collect())
                    .unwrap_or_default();
                if before.trim_end().ends_with('?') {
                    continue;
                }
                out.push((
                    k.start,
                    "a mapping key over more than one line: Kubernetes' YAML reader (YAML 1.1) reads a key from one line only, unless `? ` introduces it; put the key on one line".into(),
                ));
            }
        }
    }
    out
}

/// Whether the text at `at` is a `:` followed by `,`, `]` or `}`.
fn colon_before_flow_end(lines: &[&str], at: Pos) -> bool {
    let Some(line) = lines.get(at.line as usize - 1) else {
        return false;
    };
    let mut rest = line.chars().skip(at.col as usize);
    rest.next() == Some(':') && matches!(rest.next(), Some(',' | ']' | '}'))
}

/// Where a double-quoted scalar of the documents holds `\/`.
fn slash_escapes(text: &Lines, loaded: &Loaded) -> Vec<(Pos, String)> {
    if !text.text.contains("\\/") {
        return Vec::new();
    }
    let lines = text.get();
    let mut out = Vec::new();
    for d in &loaded.docs {
        for n in &d.nodes {
            if !matches!(
                n.kind,
                NodeKind::Scalar {
                    style: ScalarStyle::DoubleQuoted,
                    ..
                }
            ) {
                continue;
            }
            let (start, end) = (n.span.start, n.span.end);
            let mut escaped = false;
            'scan: for line in start.line..=end.line {
                let Some(l) = lines.get(line as usize - 1) else {
                    break;
                };
                for (col, c) in l.chars().enumerate() {
                    let col = col as u32;
                    if (line == start.line && col <= start.col)
                        || (line == end.line && col >= end.col)
                    {
                        continue;
                    }
                    if escaped && c == '/' {
                        out.push((
                            Pos { line, col: col - 1 },
                            "`\\/` is not an escape in YAML 1.1: Kubernetes' YAML reader refuses it (write `/`)".into(),
                        ));
                        break 'scan;
                    }
                    escaped = !escaped && c == '\\';
                }
                escaped = false;
            }
        }
    }
    out
}

/// The lines of the part of the text holding a line: after the separator before it, up to
/// the one after it.
struct Parts {
    separators: Vec<u32>,
    lines: u32,
}

impl Parts {
    /// Every part, first and last line.
    fn all(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let starts = std::iter::once(1).chain(self.separators.iter().map(|s| s + 1));
        let ends = self
            .separators
            .iter()
            .map(|s| s - 1)
            .chain(std::iter::once(self.lines));
        starts.zip(ends).filter(|(a, b)| a <= b)
    }

    fn of(&self, line: u32) -> (u32, u32) {
        let i = self.separators.partition_point(|&s| s < line);
        let first = if i == 0 {
            1
        } else {
            self.separators[i - 1] + 1
        };
        let last = self.separators.get(i).map_or(self.lines, |&s| s - 1);
        (first, last)
    }
}

/// Drops the documents of every part of the text Kubernetes cannot read, with a syntax
/// problem for each.
pub fn refuse(text: &str, loaded: &mut Loaded) {
    let (mut found, parts) = refusals_in_text(text);
    let lines = Lines::new(text);
    found.extend(slash_escapes(&lines, loaded));
    found.extend(flow_indicator_scalars(&lines, loaded));
    found.extend(multi_line_keys(&lines, loaded));
    found.extend(misplaced_tabs(&lines, loaded, &parts));
    if found.is_empty() {
        return;
    }
    // The parts refused, in the order of the text (each once, for its first problem).
    let mut refused: Vec<(u32, u32)> = Vec::new();
    found.sort_by_key(|(p, _)| *p);
    for (pos, message) in found {
        let range = parts.of(pos.line);
        if refused.last() == Some(&range) {
            continue;
        }
        refused.push(range);
        loaded.problems.push(LoadProblem::Syntax { pos, message });
    }
    // A document goes when a refused part overlaps its lines: the parts are in order, so the
    // first that ends at or after its first line is the one to look at.
    loaded.docs.retain(|d| {
        let Some(root) = d.root else { return true };
        let s = d.span(root);
        let i = refused.partition_point(|&(_, last)| last < s.start.line);
        refused.get(i).is_none_or(|&(first, _)| s.end.line < first)
    });
}

const MISPLACED_TAB: &str = "a tab where Kubernetes' YAML reader allows only spaces (in indentation, on a line of white space, or after `- `): it refuses the document; use spaces";

/// Where a tab stands where go-yaml skips only spaces (see the module's doc).
fn misplaced_tabs(text: &Lines, loaded: &Loaded, parts: &Parts) -> Vec<(Pos, String)> {
    if !text.text.contains('\t') {
        return Vec::new();
    }
    let lines: Vec<&str> = text
        .get()
        .iter()
        .map(|l| l.trim_end_matches('\r'))
        .collect();
    let mut out = Vec::new();
    // Parts with neither a document nor a syntax problem hold only comments and blank
    // lines: a tab in their indentation is refused all the same.
    let mut taken: std::collections::HashSet<(u32, u32)> = loaded
        .docs
        .iter()
        .filter_map(|d| Some(parts.of(d.span(d.root?).start.line)))
        .collect();
    taken.extend(loaded.problems.iter().filter_map(|p| match p {
        LoadProblem::Syntax { pos, .. } => Some(parts.of(pos.line)),
        _ => None,
    }));
    for (first, last) in parts.all() {
        if taken.contains(&(first, last)) {
            continue;
        }
        let tab = (first..=last).find_map(|line| {
            let l = lines[line as usize - 1];
            let lead = &l[..l.len() - l.trim_start_matches([' ', '\t']).len()];
            lead.find('\t').map(|col| Pos {
                line,
                col: col as u32,
            })
        });
        out.extend(tab.map(|p| (p, MISPLACED_TAB.to_string())));
    }
    for d in &loaded.docs {
        let Some(root) = d.root else { continue };
        let (first, last) = parts.of(d.span(root).start.line);
        let last = last.min(lines.len() as u32);
        let places = line_places(d, &lines, first, last);
        for line in first..=last {
            let l = lines[line as usize - 1];
            match places[(line - first) as usize] {
                LineIn::Judged => continue,
                place @ (LineIn::BlockScalar(_) | LineIn::PlainScalar(_)) => {
                    let lead = &l[..l.len() - l.trim_start_matches([' ', '\t']).len()];
                    let indent = |p| match p {
                        LineIn::BlockScalar(indent) => indent,
                        LineIn::PlainScalar(id) => plain_indent(d, id, &lines),
                        _ => 0,
                    };
                    if let Some(col) = lead.find('\t').filter(|&c| (c as u32) < indent(place)) {
                        out.push((
                            Pos {
                                line,
                                col: col as u32,
                            },
                            MISPLACED_TAB.to_string(),
                        ));
                        break;
                    }
                    continue;
                }
                LineIn::Block => {}
            }
            let body = l.trim();
            if line > d.span(root).end.line && !body.is_empty() && !body.starts_with('#') {
                // Content after the document: Kubernetes reads no further in this part than
                // its first token, which a tab before it keeps go-yaml from reading.
                let lead = &l[..l.len() - l.trim_start_matches([' ', '\t']).len()];
                if let Some(col) = lead.find('\t') {
                    out.push((
                        Pos {
                            line,
                            col: col as u32,
                        },
                        MISPLACED_TAB.to_string(),
                    ));
                }
                break;
            }
            if let Some(col) = misplaced_tab_on(d, &lines, line, l) {
                out.push((Pos { line, col }, MISPLACED_TAB.to_string()));
                break;
            }
        }
    }
    out
}

/// The column of a misplaced tab on line `line` (text `l`) of document `d`, if any.
fn misplaced_tab_on(d: &Document, lines: &[&str], line: u32, l: &str) -> Option<u32> {
    let indent = l.len() - l.trim_start_matches([' ', '\t']).len();
    let lead = &l[..indent];
    let tab = lead.find('\t').map(|c| c as u32);
    if indent == l.len() {
        // A line of white space: a plain scalar before it may take it, past its indentation.
        let tab = tab?;
        return match plain_scalar_before(d, lines, line) {
            Some(min_col) if tab >= min_col => None,
            _ => Some(tab),
        };
    }
    if tab.is_some() {
        return tab;
    }
    // After `- ` and `? ` indicators at the start of the line.
    let mut rest = &l[indent..];
    let mut col = indent;
    while let Some(after) = rest.strip_prefix(['-', '?']) {
        let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
        if gap == 0 && !after.is_empty() {
            break;
        }
        if let Some(t) = after[..gap].find('\t') {
            return Some((col + 1 + t) as u32);
        }
        col += 1 + gap;
        rest = &after[gap..];
    }
    None
}

/// Where a line lies, for the tabs on it.
#[derive(Clone, Copy, PartialEq)]
enum LineIn {
    /// Between tokens: go-yaml skips only spaces at its start.
    Block,
    /// Inside a multi-line quoted or plain scalar or a flow collection (after the line it
    /// starts on): tabs there are the parser's to judge.
    Judged,
    /// Inside a block scalar whose content is indented this far: a tab before that column
    /// is refused, one after it is content.
    BlockScalar(u32),
    /// Inside this multi-line plain scalar: the same, past the column go-yaml reads its
    /// lines from (worked out only for a line with a tab).
    PlainScalar(NodeId),
}

/// Where each line of `first..=last` lies in document `d`.
fn line_places(d: &Document, lines: &[&str], first: u32, last: u32) -> Vec<LineIn> {
    let mut places = vec![LineIn::Block; (last + 1 - first) as usize];
    for (i, n) in d.nodes.iter().enumerate() {
        let (s, e) = (n.span.start, n.span.end);
        if e.line <= s.line {
            continue;
        }
        let place = match n.kind {
            NodeKind::Scalar {
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            } => {
                // The parser starts a block scalar's span at its first content line,
                // indented as the whole content is.
                LineIn::BlockScalar(s.col)
            }
            NodeKind::Scalar {
                style: ScalarStyle::Plain,
                ..
            } => LineIn::PlainScalar(i as NodeId),
            NodeKind::Scalar { .. } => LineIn::Judged,
            _ if is_flow(d, i as NodeId, lines) => LineIn::Judged,
            _ => continue,
        };
        for line in (s.line + 1).max(first)..=e.line.min(last) {
            places[(line - first) as usize] = place;
        }
    }
    places
}

/// Whether a collection is written in flow style (`[…]`, `{…}`).
fn is_flow(d: &Document, id: NodeId, lines: &[&str]) -> bool {
    let p = d.span(id).start;
    lines
        .get(p.line as usize - 1)
        .and_then(|l| l.chars().nth(p.col as usize))
        .is_some_and(|c| c == '[' || c == '{')
}

/// When the last thing before line `line` is a plain scalar that white space alone follows,
/// the least column a tab may stand at on the line (go-yaml reads the line as the scalar's
/// possible continuation, indented past its block).
fn plain_scalar_before(d: &Document, lines: &[&str], line: u32) -> Option<u32> {
    let last = (0..d.nodes.len() as NodeId)
        .filter(|&i| d.span(i).end.line < line)
        .max_by_key(|&i| d.span(i).end)?;
    let NodeKind::Scalar {
        style: ScalarStyle::Plain,
        len,
        ..
    } = d.node(last).kind
    else {
        return None;
    };
    let end = d.span(last).end;
    let after: String = lines[end.line as usize - 1]
        .chars()
        .skip(end.col as usize)
        .collect();
    let blank_between = (end.line + 1..line).all(|l| lines[l as usize - 1].trim().is_empty());
    if len == 0 || !after.trim().is_empty() || !blank_between {
        return None;
    }
    Some(plain_indent(d, last, lines))
}

/// The least column of a plain scalar's continuation lines, to go-yaml: past the innermost
/// block collection that holds it.
fn plain_indent(d: &Document, scalar: NodeId, lines: &[&str]) -> u32 {
    let s = d.span(scalar);
    (0..d.nodes.len() as NodeId)
        .filter(|&i| {
            !matches!(d.node(i).kind, NodeKind::Scalar { .. })
                && !is_flow(d, i, lines)
                && d.span(i).start <= s.start
                && d.span(i).end >= s.end
        })
        .max_by_key(|&i| d.span(i).start)
        .map_or(0, |i| d.span(i).start.col + 1)
}

#[cfg(test)]
mod tests {
    use crate::load::{LoadProblem, load_text};

    fn refused_at(text: &str) -> Vec<(u32, u32)> {
        load_text(text)
            .problems
            .iter()
            .map(|p| match p {
                LoadProblem::Syntax { pos, .. } => (pos.line, pos.col),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn each_refusal_drops_its_part_of_the_stream_only() {
        let text = "a: 1\n---\nb: \"x\u{1}\"\nc: 2\n---\nd: 3\n--- |\n  e\n---\nf: \"\\/\"\n---\ng: \"\\\\/\"\n---\n%YAML 1.1\n---\n# c\n...\n---\nh: 1\n";
        let l = load_text(text);
        let kept: Vec<u32> = l.docs.iter().map(|d| d.index).collect();
        // The part of `--- |` is the one that line ends: `d: 3` is refused with it.
        assert_eq!(kept, vec![0, 5, 8]);
        assert_eq!(
            refused_at(text),
            vec![(3, 5), (7, 4), (10, 4), (14, 0), (17, 0)]
        );
    }

    #[test]
    fn tabs_where_kubernetes_refuses_them() {
        // Each refused by kubectl ("found character that cannot start any token", "found a
        // tab character that violates indentation"). The parser refuses some itself.
        assert!(!refused_at("a:\n\t- 1\n").is_empty());
        for (text, at) in [
            ("a: 1\n\t\nb: 2\n", (2, 0)),
            ("a:\n  - 1\n\t\n  - 2\n", (3, 0)),
            ("a:\n- \t1\n", (2, 2)),
            ("a:\n  -\t1\n", (2, 3)),
            ("\ta: 1\n", (1, 0)),
            ("a: \"x\"\n  \t\nb: 1\n", (2, 2)),
            ("# c\n\t# d\n---\na: 1\n", (2, 0)),
            ("a: |\n    x\n\t\nb: 1\n", (3, 0)),
            ("a:\n- b\n  c\n\t\n  d\n", (4, 0)),
            ("  a: [1]\n\t- b\n", (2, 0)),
        ] {
            assert_eq!(refused_at(text), vec![at], "{text:?}");
        }
        // Each read by kubectl.
        for text in [
            "a: [1,\n\t2]\n",
            "a: \t1\n",
            "a: x\n \ty\n",
            "a: |\n  x\n  \ty\n",
            "a: 1 \t# c\n",
            "a: 1\n \t\n",
            "a: 1\t\n",
            "a:\n  b: c\n   \t\n",
            "  a: 1\nb:\n\t- c\n",
            "  a: 1\nb: 2\n",
        ] {
            assert!(refused_at(text).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn plain_scalars_in_flow_collections_that_begin_with_indicators() {
        // kubectl refuses the first two ("found character that cannot start any token"), and
        // reads a mapping with a null key in the third.
        for (text, at) in [
            ("a: [>x]\n", (1, 4)),
            ("a: [b, |c]\n", (1, 7)),
            ("a: [:x]\n", (1, 4)),
            ("a: [x?]\n", (1, 4)),
            ("a: {b: c?d}\n", (1, 7)),
            ("a: [b, c:]\n", (1, 7)),
            ("a: {c:, d: e}\n", (1, 4)),
        ] {
            assert_eq!(refused_at(text), vec![at], "{text:?}");
        }
        assert!(refused_at("a: x>y\nb: [x, \":y?\", a:b, c: d]\nc: :d?\n").is_empty());
    }

    #[test]
    fn keys_over_more_than_one_line_unless_explicit() {
        // kubectl: "did not find expected ',' or '}'".
        assert_eq!(refused_at("a: {b\n  c: d}\n"), vec![(1, 4)]);
        assert!(refused_at("? |\n  a\n  b\n: c\n").is_empty());
    }

    #[test]
    fn printable_characters_pass() {
        let text = "a: \"tab\there\"\nb: é ✓ \u{A0}x \u{10000}\n";
        assert!(refused_at(text).is_empty());
        assert_eq!(refused_at("a: 1\n# \u{7F}\n"), vec![(2, 2)]);
        assert_eq!(refused_at("a: \u{FFFE}\n"), vec![(1, 3)]);
    }
}
