//! What Kubernetes' YAML reader (go-yaml v2, like libyaml and PyYAML) accepts and the strict
//! YAML 1.2 parser refuses. Each case is an error of the parser at one place; the text is
//! re-read with that place rewritten into what the parser reads with the same meaning, and
//! every position is moved back to where it is in the original text:
//!
//! - a quoted scalar whose continuation lines are indented less than the block it belongs to
//!   (`- "a long` / `  continued"` below a deeper `args:`): a quoted scalar drops the leading
//!   white space of its continuation lines, so they are indented further;
//! - tabs in the indentation of a quoted scalar's continuation line or of a flow
//!   collection's line: spaces instead, for the same reason (where go-yaml refuses tabs in
//!   indentation, `strict` refuses them after this re-reading);
//! - a line of a flow collection (`[…]`, `{…}`) indented no more than the block it is in:
//!   white space in a flow collection means nothing, so the line is indented one column
//!   past where the content of the line before it starts (after its `- `);
//! - a tab between a mapping's `:` and its value (`key:<tab>value`): a space instead;
//! - a block scalar's header (`|`, `>-`, …) alone on the line after its key and indented no
//!   more than the key: go-yaml takes it for the key's value, so it is indented past the
//!   key;
//! - a comment right after a quoted scalar or a flow collection's end (`"x"# note`): go-yaml
//!   starts a comment at any `#` there, so a space is put before it;
//! - `\'` in a double-quoted scalar (an escape in YAML 1.1, not in 1.2): `\x27`, the same
//!   quote written another way.

use std::borrow::Cow;

use super::{Document, Empty, LoadProblem, Loaded};
use crate::span::Pos;

/// The parser's message for a quoted scalar's continuation indented less than its block.
pub const QUOTED_INDENTATION: &str = "invalid indentation in quoted scalar";
/// The parser's messages for a tab in the indentation of a quoted scalar's continuation,
/// and for one in the indentation of any line.
const QUOTED_TAB: &str = "tab cannot be used as indentation";
const INDENTATION_TAB: &str = "tabs disallowed within this context (block indentation)";
/// The parser's messages for a flow collection's line indented too little (a plain scalar,
/// or any other token).
const FLOW_INDENTATION: &str = "invalid indentation in flow construct";
const TOKEN_INDENTATION: &str = "invalid indentation";
/// The parser's message for a tab after a mapping's `:`.
const TAB_AFTER_COLON: &str = "':' must be followed by a valid YAML whitespace";
/// The parser's message on a line it cannot read as a key, which a block scalar's header
/// below its key is to it.
const NOT_A_KEY: &str = "simple key expect ':'";
/// The parser's message for a `#` right after a token.
const COMMENT_SPACE: &str = "comments must be separated from other tokens by whitespace";
/// The parser's message for an escape YAML 1.2 does not have (`\'` among them).
const UNKNOWN_ESCAPE: &str = "found unknown escape character";

/// Characters added to one line of the text: `added` of them, ending at column `at + added`
/// of the rewritten line (`at` is where they were inserted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edit {
    pub line: u32,
    pub at: u32,
    pub added: u32,
}

/// Whether the parser refused something this module reads.
pub fn applies(problems: &[LoadProblem]) -> bool {
    !refused(problems).is_empty()
}

/// The lines of a text being rewritten, each with its line break. A rewrite changes the lines
/// it touches in place, so that a text with many places to rewrite is not copied once per
/// place.
type Lines<'a> = Vec<Cow<'a, str>>;

/// Rewrites `lines` for the parser's error at `at`, adding the characters it adds to `edits`;
/// false (and nothing changed) when the error is not one this module reads.
fn rewrite(lines: &mut Lines<'_>, at: Pos, message: &str, edits: &mut Vec<Edit>) -> bool {
    let added = if message.contains(QUOTED_INDENTATION) {
        indent_continuations(lines, at)
    } else if message.contains(FLOW_INDENTATION) || message == TOKEN_INDENTATION {
        indent_flow_line(lines, at.line)
    } else if message.contains(QUOTED_TAB) || message.contains(INDENTATION_TAB) {
        replace_on_line(lines, at.line, |line| {
            let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
            let lead = &line[..indent];
            lead.contains('\t')
                .then(|| format!("{}{}", " ".repeat(indent), &line[indent..]))
        })
    } else if message.contains(TAB_AFTER_COLON) {
        replace_on_line(lines, at.line, |line| {
            let (byte, _) = line.char_indices().nth(at.col as usize)?;
            let colon = line[..byte].rfind(':')?;
            let gap = &line[colon + 1..byte];
            (gap.contains('\t') && gap.chars().all(|c| c == ' ' || c == '\t')).then(|| {
                format!(
                    "{}{}{}",
                    &line[..=colon],
                    " ".repeat(gap.len()),
                    &line[byte..]
                )
            })
        })
    } else if message.contains(UNKNOWN_ESCAPE) {
        quote_escapes(lines, at)
    } else if message.contains(COMMENT_SPACE) {
        space_before_comment(lines, at)
    } else if message.contains(NOT_A_KEY) {
        indent_lone_headers(lines)
    } else {
        None
    };
    let changed = added.is_some();
    edits.extend(added.into_iter().flatten());
    changed
}

/// Replaces line `line` (1-based) by what `f` makes of it, the same length in characters.
fn replace_on_line(
    lines: &mut Lines<'_>,
    line: u32,
    f: impl FnOnce(&str) -> Option<String>,
) -> Option<Vec<Edit>> {
    let old = lines.get(line.checked_sub(1)? as usize)?;
    let new = f(old)?;
    lines[line as usize - 1] = Cow::Owned(new);
    Some(Vec::new())
}

/// Indents line `line` of a flow collection one column past where the content of the line
/// before it starts.
fn indent_flow_line(lines: &mut Lines<'_>, line: u32) -> Option<Vec<Edit>> {
    let ix = line.checked_sub(1)? as usize;
    let indent_of = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let before = lines
        .get(..ix)?
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty())?;
    let content = before.len() - before.trim_start_matches([' ', '-']).len();
    let want = content + 1;
    let current = lines.get(ix)?;
    let have = indent_of(current);
    if have >= want {
        return None;
    }
    lines[ix] = Cow::Owned(format!("{}{}", " ".repeat(want - have), lines[ix]));
    let edit = Edit {
        line,
        at: 0,
        added: (want - have) as u32,
    };
    Some(vec![edit])
}

/// Indents each block scalar header that stands alone on the line after its key, indented no
/// more than the key, one column past the key.
fn indent_lone_headers(lines: &mut Lines<'_>) -> Option<Vec<Edit>> {
    let mut edits = Vec::new();
    // The last line with content that is not a comment, before the one looked at.
    let mut key_line: Option<usize> = None;
    for i in 0..lines.len() {
        let t = lines[i].trim();
        let prev = key_line;
        if !t.is_empty() && !t.starts_with('#') {
            key_line = Some(i);
        }
        // The header without its comment: `|`, `>` and the indicators after it.
        let header = t.split(" #").next().unwrap_or(t).trim_end();
        let is_header = header.starts_with(['|', '>'])
            && (header[1..].chars()).all(|c| c.is_ascii_digit() || c == '+' || c == '-');
        let Some(k) = prev.filter(|_| is_header) else {
            continue;
        };
        let body = lines[k].trim_end();
        if !body.ends_with(':') {
            continue;
        }
        let key_col = body.len() - body.trim_start_matches([' ', '-']).len();
        let indent = lines[i].len() - lines[i].trim_start_matches(' ').len();
        if indent <= key_col {
            let added = key_col + 1 - indent;
            lines[i] = Cow::Owned(format!("{}{}", " ".repeat(added), lines[i]));
            edits.push(Edit {
                line: i as u32 + 1,
                at: 0,
                added: added as u32,
            });
        }
    }
    (!edits.is_empty()).then_some(edits)
}

/// Puts a space before the `#` at `at`.
fn space_before_comment(lines: &mut Lines<'_>, at: Pos) -> Option<Vec<Edit>> {
    let line = lines.get(at.line.checked_sub(1)? as usize)?;
    let (i, c) = line.char_indices().nth(at.col as usize)?;
    if c != '#' {
        return None;
    }
    let spaced = format!("{} {}", &line[..i], &line[i..]);
    lines[at.line as usize - 1] = Cow::Owned(spaced);
    let edit = Edit {
        line: at.line,
        at: at.col,
        added: 1,
    };
    Some(vec![edit])
}

/// Writes each `\'` of the double-quoted scalar that opens at `at` as `\x27`.
fn quote_escapes(lines: &mut Lines<'_>, at: Pos) -> Option<Vec<Edit>> {
    let first = lines.get(at.line.checked_sub(1)? as usize)?;
    let (open, quote) = first.char_indices().nth(at.col as usize)?;
    if quote != '"' {
        return None;
    }
    let mut edits = Vec::new();
    let mut line_ix = at.line as usize - 1;
    let mut from = open + 1;
    'lines: while let Some(line) = lines.get_mut(line_ix) {
        let mut i = from;
        while let Some(c) = line[i..].chars().next() {
            match c {
                '"' => break 'lines,
                '\\' if line[i + 1..].starts_with('\'') => {
                    let col = line[..i].chars().count() as u32;
                    line.to_mut().replace_range(i..i + 2, "\\x27");
                    edits.push(Edit {
                        line: line_ix as u32 + 1,
                        at: col + 2,
                        added: 2,
                    });
                    i += 4;
                }
                '\\' => i += 1 + line[i + 1..].chars().next().map_or(0, char::len_utf8),
                _ => i += c.len_utf8(),
            }
        }
        line_ix += 1;
        from = 0;
    }
    (!edits.is_empty()).then_some(edits)
}

/// Indents the continuation lines of the quoted scalar that starts at `at` past its opening
/// quote; `None` (and nothing changed) when `at` is no quoted scalar's start or no line
/// needed it.
fn indent_continuations(lines: &mut Lines<'_>, at: Pos) -> Option<Vec<Edit>> {
    let first = lines.get(at.line.checked_sub(1)? as usize)?;
    let (quote_byte, quote) = first.char_indices().nth(at.col as usize)?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let want = at.col + 1;
    let mut edits = Vec::new();
    let mut added: Vec<String> = Vec::new();
    let mut in_escape = false;
    let mut closed = false;
    // Scan the rest of the opening line, then each following line, for the closing quote.
    let mut rest: &str = &first[quote_byte + quote.len_utf8()..];
    let mut line_no = at.line;
    loop {
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if in_escape {
                in_escape = false;
            } else if quote == '"' && c == '\\' {
                in_escape = true;
            } else if c == quote {
                // In a single-quoted scalar, '' is a quote.
                if quote == '\'' && chars.peek() == Some(&'\'') {
                    chars.next();
                } else {
                    closed = true;
                    break;
                }
            }
        }
        if closed {
            break;
        }
        line_no += 1;
        let next: &str = lines.get(line_no as usize - 1)?;
        let indent = next.len() - next.trim_start_matches(' ').len();
        let blank = next.trim().is_empty();
        if !blank && (indent as u32) < want {
            let pad = want - indent as u32;
            edits.push(Edit {
                line: line_no,
                at: 0,
                added: pad,
            });
            added.push(format!("{}{next}", " ".repeat(pad as usize)));
        } else {
            added.push(next.to_string());
        }
        rest = next;
    }
    if edits.is_empty() {
        return None;
    }
    // Replace the scalar's continuation lines with their indented copies.
    let start = at.line as usize;
    for (i, l) in added.into_iter().enumerate() {
        lines[start + i] = Cow::Owned(l);
    }
    Some(edits)
}

/// Calls `f` on every position the documents and problems hold.
pub fn each_position(
    docs: &mut [Document],
    problems: &mut [LoadProblem],
    mut f: impl FnMut(&mut Pos),
) {
    for d in docs.iter_mut() {
        for n in &mut d.nodes {
            f(&mut n.span.start);
            f(&mut n.span.end);
        }
        if let Some(p) = &mut d.complex_key {
            f(p);
        }
    }
    for p in problems.iter_mut() {
        match p {
            LoadProblem::Syntax { pos, .. } => f(pos),
            LoadProblem::DuplicateKey { first, second, .. } => {
                for s in [first, second] {
                    f(&mut s.start);
                    f(&mut s.end);
                }
            }
            LoadProblem::AliasBudget { span } => {
                f(&mut span.start);
                f(&mut span.end);
            }
        }
    }
}

/// Moves positions on rewritten lines back to where they are in the original text, undoing
/// the edits last first. A position inside added characters goes to where they were added.
pub fn undo_edits(docs: &mut [Document], problems: &mut [LoadProblem], edits: &[Edit]) {
    // The edits of each line, looked up by line: a text may have many rewritten lines.
    let mut by_line: std::collections::HashMap<u32, Vec<Edit>> = Default::default();
    for e in edits {
        by_line.entry(e.line).or_default().push(*e);
    }
    each_position(docs, problems, |p| {
        let Some(on_line) = by_line.get(&p.line) else {
            return;
        };
        for e in on_line.iter().rev() {
            if p.col >= e.at + e.added {
                p.col -= e.added;
            } else if p.col > e.at {
                p.col = e.at;
            }
        }
    });
}

/// Re-reads `text` with the places the parser refused rewritten (a few rounds: a document
/// stops at its first error, so each round can uncover another), then moves positions back.
/// Leaves `out` as it is when that reads no more documents and leaves as many syntax
/// problems.
pub fn reread(text: &str, empty: Empty, out: &mut Loaded) {
    const ROUNDS: usize = 16;
    let mut current = text.to_string();
    let mut edits: Vec<Edit> = Vec::new();
    let mut best: Option<Loaded> = None;
    let mut pending = refused(&out.problems);
    for _ in 0..ROUNDS {
        if pending.is_empty() {
            break;
        }
        // From the last place up, so that earlier positions stay where they are.
        pending.sort_by_key(|p| std::cmp::Reverse(p.0));
        let mut lines: Lines<'_> = current.split_inclusive('\n').map(Cow::Borrowed).collect();
        let mut changed = false;
        // Lone block scalar headers are all indented at once, the first time one is refused.
        let mut headers_done = false;
        for (at, message) in &pending {
            if message.contains(NOT_A_KEY) {
                if headers_done {
                    continue;
                }
                headers_done = true;
            }
            changed |= rewrite(&mut lines, *at, message, &mut edits);
        }
        if !changed {
            break;
        }
        current = lines.concat();
        let mut again = Loaded::default();
        super::yaml::read_stream(&current, empty, &mut again);
        pending = refused(&again.problems);
        best = Some(again);
    }
    let syntax = |ps: &[LoadProblem]| {
        ps.iter()
            .filter(|p| matches!(p, LoadProblem::Syntax { .. }))
            .count()
    };
    let read = |l: &Loaded| l.docs.len() + l.empty.len();
    // A re-reading that reads no more than the first one is not kept: the parser's own
    // message says best what is wrong.
    if let Some(mut again) = best
        && (read(&again) > read(out) || syntax(&again.problems) < syntax(&out.problems))
    {
        undo_edits(&mut again.docs, &mut again.problems, &edits);
        *out = again;
    }
}

/// Where the parser refused something this module may read, with its message.
fn refused(problems: &[LoadProblem]) -> Vec<(Pos, String)> {
    problems
        .iter()
        .filter_map(|p| match p {
            LoadProblem::Syntax { pos, message } if message == TOKEN_INDENTATION => {
                Some((*pos, message.clone()))
            }
            LoadProblem::Syntax { pos, message }
                if [
                    QUOTED_INDENTATION,
                    FLOW_INDENTATION,
                    QUOTED_TAB,
                    INDENTATION_TAB,
                    TAB_AFTER_COLON,
                    UNKNOWN_ESCAPE,
                    COMMENT_SPACE,
                    NOT_A_KEY,
                ]
                .iter()
                .any(|m| message.contains(m)) =>
            {
                Some((*pos, message.clone()))
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::load::load_text;
    use crate::span::Pos;

    #[test]
    fn quoted_scalars_continued_below_their_block_are_read_as_kubernetes_reads_them() {
        let text = "a:\n  - \"one\n two\"\n  - 'it''s\n x'\n  - b\nc: \"d\n e\"  # after\n";
        let l = load_text(text);
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        let d = &l.docs[0];
        let root = d.root.unwrap();
        let items = d.items(d.get(root, "a").unwrap());
        assert_eq!(d.scalar(items[0]), Some("one two"));
        assert_eq!(d.scalar(items[1]), Some("it's x"));
        assert_eq!(d.scalar(items[2]), Some("b"));
        // Positions are the original text's, the continuation lines' included.
        assert_eq!(d.span(items[0]).start, Pos { line: 2, col: 4 });
        assert_eq!(d.span(items[0]).end, Pos { line: 3, col: 5 });
        assert_eq!(d.span(items[2]).start, Pos { line: 6, col: 4 });
        let c = d.get(root, "c").unwrap();
        assert_eq!(d.scalar(c), Some("d e"));
        assert_eq!(d.span(c).end, Pos { line: 8, col: 3 });
    }

    #[test]
    fn other_syntax_errors_are_still_reported() {
        let l = load_text("a:\n  - \"one\n two\" junk\n");
        assert_eq!(l.problems.len(), 1, "{:?}", l.problems);
        // An escape neither YAML 1.1 nor 1.2 has.
        let l = load_text("a: \"\\q\"\n");
        assert_eq!(l.problems.len(), 1, "{:?}", l.problems);
    }

    #[test]
    fn yaml_1_1_quote_escapes_and_tabs_are_read_as_kubernetes_reads_them() {
        // kubectl reads each of these; the values are kubectl's.
        let text =
            "a: [\"it\\'s \\'x\\'\", b]\nc:\t1\nd: \"e\n\t\tf\"\ng: h\ni: \"j\"# k\nl: [m]#n\n";
        let l = load_text(text);
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        let d = &l.docs[0];
        let root = d.root.unwrap();
        let a = d.items(d.get(root, "a").unwrap()).to_vec();
        assert_eq!(d.scalar(a[0]), Some("it's 'x'"));
        assert_eq!(d.span(a[0]).start, Pos { line: 1, col: 4 });
        assert_eq!(d.span(a[0]).end, Pos { line: 1, col: 17 });
        // After the rewritten scalar, on the same line.
        assert_eq!(d.span(a[1]).start, Pos { line: 1, col: 19 });
        let c = d.get(root, "c").unwrap();
        assert_eq!(d.value(c), Some(crate::load::scalar::Value::Int(1)));
        assert_eq!(d.span(c).start, Pos { line: 2, col: 3 });
        assert_eq!(d.scalar(d.get(root, "d").unwrap()), Some("e f"));
        assert_eq!(
            d.span(d.get(root, "g").unwrap()).start,
            Pos { line: 5, col: 3 }
        );
        assert_eq!(d.get_str(root, "i"), Some("j"));
        assert_eq!(
            d.span(d.get(root, "i").unwrap()).end,
            Pos { line: 6, col: 6 }
        );
        assert_eq!(d.items(d.get(root, "l").unwrap()).len(), 1);
    }

    #[test]
    fn block_scalar_headers_below_their_keys_are_read() {
        // kubectl: {"a": {"b": "- c d: e\n"}, "f": "x\n"}.
        let l = load_text("a:\n  b:\n  >\n    - c\n    d: e\nf:\n| # note\n  x\n");
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        let d = &l.docs[0];
        let root = d.root.unwrap();
        let b = d.path(root, &["a", "b"]).unwrap();
        assert_eq!(d.scalar(b), Some("- c d: e\n"));
        assert_eq!(d.get_str(root, "f"), Some("x\n"));
    }

    #[test]
    fn flow_collections_continued_at_any_indentation_are_read() {
        // kubectl: {"d": {"e": [1, 2], "f": {"a": 1, "b": 2}}, "g": 3}.
        let l = load_text(
            "d:\n  e: [1,\n2]\n  f: {a: 1,\n b: 2}\ng: 3\nh:\n  - i: {\n}\nj: [k,\n\t\t  l]\n",
        );
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        let d = &l.docs[0];
        let root = d.root.unwrap();
        let e = d.items(d.path(root, &["d", "e"]).unwrap()).to_vec();
        assert_eq!(d.span(e[1]).start, Pos { line: 3, col: 0 });
        let b = d.path(root, &["d", "f", "b"]).unwrap();
        assert_eq!(d.span(b).start, Pos { line: 5, col: 4 });
        assert!(d.get(root, "g").is_some());
        let h = d.items(d.get(root, "h").unwrap())[0];
        assert!(d.is_mapping(d.get(h, "i").unwrap()));
        let j = d.items(d.get(root, "j").unwrap()).to_vec();
        assert_eq!(d.span(j[1]).start, Pos { line: 11, col: 4 });
        // In block indentation the tab stays refused.
        assert_eq!(load_text("a:\n\t\tb: 1\n").problems.len(), 1);
    }
}
