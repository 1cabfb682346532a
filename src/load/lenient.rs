//! What Kubernetes' YAML reader accepts and the strict parser does not. go-yaml (like libyaml
//! and PyYAML) reads a quoted scalar whose continuation lines are indented less than the
//! block it belongs to:
//!
//! ```yaml
//!     args:
//!     - "a long
//!   continued"
//! ```
//!
//! saphyr-parser refuses it ("invalid indentation in quoted scalar"). A quoted scalar folds its
//! line breaks and drops the leading white space of each continuation line, so indenting
//! those lines further does not change its value: the text is re-read with them indented, and
//! every position on an indented line is moved back by what was added.

use std::borrow::Cow;

use super::{Document, Empty, LoadProblem, Loaded};
use crate::span::Pos;

/// The parser's message for the case this module handles.
pub const QUOTED_INDENTATION: &str = "invalid indentation in quoted scalar";

/// Spaces added at the start of lines: 1-based line → how many.
pub type Padding = std::collections::HashMap<u32, u32>;

/// Indents the continuation lines of the quoted scalar that starts at `at` past its opening
/// quote, in `lines` (the text's lines, each with its line end), and adds what was added to
/// `padding`; false (and nothing changed) when `at` is no quoted scalar's start or none of its
/// lines needed it. The lines are changed in place so that a text with many such scalars is
/// not copied once per scalar.
fn indent_continuations(lines: &mut [Cow<'_, str>], at: Pos, padding: &mut Padding) -> bool {
    let Some((added, pads)) = continuations(lines, at) else {
        return false;
    };
    // Replace the scalar's continuation lines with their indented copies.
    let start = at.line as usize;
    for (i, l) in added.into_iter().enumerate() {
        lines[start + i] = Cow::Owned(l);
    }
    for (line, pad) in pads {
        *padding.entry(line).or_insert(0) += pad;
    }
    true
}

/// The continuation lines of the quoted scalar that starts at `at`, indented past its opening
/// quote, and what each indented line was given.
fn continuations(lines: &[Cow<'_, str>], at: Pos) -> Option<(Vec<String>, Padding)> {
    let first = lines.get(at.line.checked_sub(1)? as usize)?;
    let (quote_byte, quote) = first.char_indices().nth(at.col as usize)?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let want = at.col + 1;
    let mut padding = Padding::new();
    let mut added: Vec<String> = Vec::new();
    let mut in_escape = false;
    let mut closed = false;
    // Scan the rest of the opening line, then each following line, for the closing quote.
    let mut rest = &first[quote_byte + quote.len_utf8()..];
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
            padding.insert(line_no, pad);
            added.push(format!("{}{next}", " ".repeat(pad as usize)));
        } else {
            added.push(next.to_string());
        }
        rest = next;
    }
    if padding.is_empty() {
        return None;
    }
    Some((added, padding))
}

/// Moves positions on indented lines back to where they are in the original text.
pub fn unpad(docs: &mut [Document], problems: &mut [LoadProblem], padding: &Padding) {
    let fix = |p: &mut Pos| {
        if let Some(pad) = padding.get(&p.line) {
            p.col = p.col.saturating_sub(*pad);
        }
    };
    for d in docs.iter_mut() {
        for n in &mut d.nodes {
            fix(&mut n.span.start);
            fix(&mut n.span.end);
        }
        if let Some(p) = &mut d.complex_key {
            fix(p);
        }
    }
    for p in problems.iter_mut() {
        match p {
            LoadProblem::Syntax { pos, .. } => fix(pos),
            LoadProblem::DuplicateKey { first, second, .. } => {
                fix(&mut first.start);
                fix(&mut first.end);
                fix(&mut second.start);
                fix(&mut second.end);
            }
            LoadProblem::AliasBudget { span } => {
                fix(&mut span.start);
                fix(&mut span.end);
            }
        }
    }
}

/// Re-reads `text` with the continuation lines of the quoted scalars the parser refused
/// indented (a few rounds: a document stops at its first error, so each round can uncover
/// another), then moves positions back. Leaves `docs` and `problems` as they are when that
/// does not help.
pub fn reread(text: &str, empty: Empty, out: &mut Loaded) {
    const ROUNDS: usize = 8;
    let mut current = text.to_string();
    let mut padding = Padding::new();
    let mut best: Option<Loaded> = None;
    let mut pending: Vec<Pos> = refused(&out.problems);
    for _ in 0..ROUNDS {
        if pending.is_empty() {
            break;
        }
        // From the last scalar up, so that earlier positions stay where they are.
        pending.sort_by(|a, b| b.cmp(a));
        let mut lines: Vec<Cow<'_, str>> =
            current.split_inclusive('\n').map(Cow::Borrowed).collect();
        let mut changed = false;
        for at in &pending {
            changed |= indent_continuations(&mut lines, *at, &mut padding);
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
    if let Some(mut again) = best {
        unpad(&mut again.docs, &mut again.problems, &padding);
        *out = again;
    }
}

/// Where the parser refused a quoted scalar's indentation.
fn refused(problems: &[LoadProblem]) -> Vec<Pos> {
    problems
        .iter()
        .filter_map(|p| match p {
            LoadProblem::Syntax { pos, message } if message.contains(QUOTED_INDENTATION) => {
                Some(*pos)
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
    }
}
