//! Excerpts: taking a finding's source lines for its snippet, with the values of Secrets
//! masked, and GitHub's fingerprint of the line it starts on. Both are done while the file's
//! text is in memory (during the scan, or when a file is read again for findings made after
//! it was closed), so the sinks never read a file.

use crate::finding::fingerprint::LineHashes;
use crate::finding::{Excerpt, Finding};
use crate::span::Span;

/// How many lines of source a finding's snippet shows at most.
const EXCERPT_LINES: u32 = 6;

/// Gives each finding the source lines it spans (at most `EXCERPT_LINES`), with every
/// character of `masks` that is not whitespace shown as `*`.
pub fn attach_excerpts(text: &str, masks: &[Span], findings: &mut [Finding]) {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_text = |line: u32| -> &str {
        let i = line as usize - 1;
        let Some(&s) = line_starts.get(i) else {
            return "";
        };
        let e = line_starts.get(i + 1).copied().unwrap_or(text.len());
        text[s..e].trim_end_matches(['\n', '\r'])
    };
    for f in findings.iter_mut() {
        let first = f.span.start.line.max(1);
        let last = f.span.end.line.max(first).min(first + EXCERPT_LINES - 1);
        let mut excerpt = String::new();
        for line in first..=last {
            let mut l = line_text(line).to_string();
            for m in masks {
                if m.start.line <= line && line <= m.end.line {
                    l = mask_line(&l, line, m);
                }
            }
            excerpt.push_str(&l);
            excerpt.push('\n');
        }
        f.excerpt = Some(Box::new(Excerpt {
            first_line: first,
            text: excerpt,
        }));
    }
}

/// Line `line` of the text (`l`) with the part of it that `m` covers masked.
fn mask_line(l: &str, line: u32, m: &Span) -> String {
    let from = if m.start.line == line {
        m.start.col as usize
    } else {
        0
    };
    let to = if m.end.line == line {
        m.end.col as usize
    } else {
        usize::MAX
    };
    l.chars()
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

/// GitHub's fingerprint of the line each finding starts on.
pub fn attach_line_hashes(text: &str, findings: &mut [Finding]) {
    let hashes = LineHashes::new(text);
    for f in findings {
        f.line_hash = hashes
            .at(f.span.start.line.max(1) as usize)
            .map(String::into_boxed_str);
    }
}
