//! Excerpts: taking a finding's source lines for its snippet, with secret values masked (the
//! spans `mask::masks` finds), and GitHub's fingerprint of the line it starts on. Both
//! are done while the file's text is in memory (during the scan, or when a file is read again
//! for findings made after it was closed), so the sinks never read a file.
//!
//! A very long line (a one-line JSON list of a thousand pods) is not copied whole into each
//! finding's excerpt: only a window around the places the finding marks on it is kept, wider
//! than any terminal shows, so the snippet shows what it would have shown, and the cost of the
//! excerpts follows the number of findings, not findings times the length of the line.

use std::collections::HashMap;

use crate::finding::fingerprint::LineHashes;
use crate::finding::{Excerpt, Finding};
use crate::report::mask;
use crate::span::{Pos, Span};

/// How many lines of source a finding's snippet shows at most.
const EXCERPT_LINES: u32 = 6;

/// Lines longer than this (in characters) are cut to a window around the marked places.
const LONG_LINE: usize = 1024;

/// Characters kept on either side of the marked places of a cut line: more than the snippet
/// renderer shows of a line (its width is 140 columns), so it still chooses what to show.
const WINDOW_PAD: usize = 256;

/// Every how many characters a long line records its byte offset.
const STEP: usize = 64;

/// Gives each finding the source lines it spans (at most `EXCERPT_LINES`), with every
/// character of `masks` that is not whitespace shown as `*`.
pub fn attach_excerpts(text: &str, masks: &[Span], findings: &mut [Finding]) {
    let lines = Lines::new(text);
    let masks = Masks::new(masks);
    let mut long: HashMap<u32, LongLine> = HashMap::new();
    for f in findings.iter_mut() {
        let first = f.span.start.line.max(1);
        let last = f.span.end.line.max(first).min(first + EXCERPT_LINES - 1);
        let marks = marks(f, first, last);
        let mut excerpt = String::new();
        let mut cut = Vec::new();
        for line in first..=last {
            let full = lines.text(line);
            let (window, left) = if full.len() > LONG_LINE {
                let info = long.entry(line).or_insert_with(|| LongLine::new(full));
                info.window(full, line, &marks)
            } else {
                (full, 0)
            };
            let mut l = window.to_string();
            for m in masks.touching(line, left, left + window.len()) {
                l = mask_line(&l, line, m, left);
            }
            excerpt.push_str(&l);
            excerpt.push('\n');
            if left > 0 || !cut.is_empty() {
                cut.resize((line - first) as usize, 0);
                cut.push(left as u32);
            }
        }
        f.excerpt = Some(Box::new(Excerpt {
            first_line: first,
            text: excerpt,
            cut,
        }));
    }
}

/// The places a finding's snippet marks (its span and the related places in the same file
/// whose start it shows), on the lines `first..=last`.
fn marks(f: &Finding, first: u32, last: u32) -> Vec<Pos> {
    let mut out = vec![f.span.start, f.span.end];
    for r in &f.related {
        if r.file.is_none() && r.span.start.line >= first && r.span.start.line <= last {
            out.push(r.span.start);
            out.push(r.span.end);
        }
    }
    out.retain(|p| p.line >= first && p.line <= last);
    out
}

/// The lines of a text, by number.
struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Lines<'t> {
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        Lines { text, starts }
    }

    /// Line `line` (1-based) without its line end; empty past the end.
    fn text(&self, line: u32) -> &'t str {
        let i = line as usize - 1;
        let Some(&s) = self.starts.get(i) else {
            return "";
        };
        let e = self.starts.get(i + 1).copied().unwrap_or(self.text.len());
        self.text[s..e].trim_end_matches(['\n', '\r'])
    }
}

/// A long line's length in characters and the byte offset of every `STEP`-th character, so
/// that a column is found without counting from the start of the line each time.
struct LongLine {
    chars: usize,
    offsets: Vec<usize>,
}

impl LongLine {
    fn new(line: &str) -> LongLine {
        let mut offsets = Vec::with_capacity(line.len() / STEP + 1);
        let mut chars = 0;
        for (b, _) in line.char_indices() {
            if chars % STEP == 0 {
                offsets.push(b);
            }
            chars += 1;
        }
        LongLine { chars, offsets }
    }

    /// The byte offset of character `col` (the end of the line past its last character).
    fn byte_of(&self, line: &str, col: usize) -> usize {
        if col >= self.chars {
            return line.len();
        }
        let from = self.offsets[col / STEP];
        line[from..]
            .char_indices()
            .nth(col % STEP)
            .map_or(line.len(), |(b, _)| from + b)
    }

    /// The part of the line kept for a snippet that marks `marks` (those on other lines set
    /// where an unmarked line is cut), and how many characters were left out before it.
    fn window<'l>(&self, line: &'l str, number: u32, marks: &[Pos]) -> (&'l str, usize) {
        if self.chars <= LONG_LINE {
            return (line, 0);
        }
        let cols = marks
            .iter()
            .filter(|p| p.line == number)
            .map(|p| (p.col as usize).min(self.chars));
        let (lo, hi) = cols.fold((usize::MAX, 0), |(lo, hi), c| (lo.min(c), hi.max(c)));
        let (lo, hi) = if lo == usize::MAX {
            let at = marks.iter().map(|p| p.col as usize).min().unwrap_or(0);
            let at = at.min(self.chars);
            (at, at)
        } else {
            (lo, hi)
        };
        let from = lo.saturating_sub(WINDOW_PAD);
        let to = hi.saturating_add(WINDOW_PAD).min(self.chars);
        let window = &line[self.byte_of(line, from)..self.byte_of(line, to)];
        (window, from)
    }
}

/// Secret values to mask, in the order they start, with the furthest end so far of each
/// prefix, so that those touching a place are found without looking at all of them.
struct Masks<'m> {
    sorted: Vec<&'m Span>,
    furthest_end: Vec<Pos>,
}

impl<'m> Masks<'m> {
    fn new(masks: &'m [Span]) -> Masks<'m> {
        let mut sorted: Vec<&Span> = masks.iter().collect();
        sorted.sort_by_key(|m| (m.start, m.end));
        let furthest_end = sorted
            .iter()
            .scan(Pos::default(), |end, m| {
                *end = (*end).max(m.end);
                Some(*end)
            })
            .collect();
        Masks {
            sorted,
            furthest_end,
        }
    }

    /// The masks that cover some of the columns `from..to` of line `line`.
    fn touching(&self, line: u32, from: usize, to: usize) -> impl Iterator<Item = &'m Span> + '_ {
        let (from, to) = (from as u32, to as u32);
        let begin = self
            .furthest_end
            .partition_point(|e| *e < Pos { line, col: from });
        self.sorted[begin..]
            .iter()
            .take_while(move |m| m.start <= Pos { line, col: to })
            .filter(move |m| m.start.line <= line && line <= m.end.line)
            .copied()
    }
}

/// Line `line` of the text (`l`, which starts `left` characters into the line) with the part
/// of it that `m` covers masked.
fn mask_line(l: &str, line: u32, m: &Span, left: usize) -> String {
    let from = if m.start.line == line {
        (m.start.col as usize).saturating_sub(left)
    } else {
        0
    };
    let to = if m.end.line == line {
        (m.end.col as usize).saturating_sub(left)
    } else {
        usize::MAX
    };
    mask::mask_columns(l, from, to)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::input::INVALID_YAML;

    fn finding(start: Pos, end: Pos) -> Finding {
        Finding::new(
            &INVALID_YAML,
            "f.json".into(),
            Span { start, end },
            "m".into(),
        )
    }

    fn at(line: u32, col: u32) -> Pos {
        Pos { line, col }
    }

    #[test]
    fn a_long_line_is_cut_to_a_window_around_the_finding() {
        // Multi-byte characters: columns are characters, cuts fall between them.
        let line: String = (0..100_000)
            .map(|i| if i % 7 == 0 { 'é' } else { 'x' })
            .collect();
        let text = format!("first\n{line}\nlast\n");
        let mut f = [finding(at(2, 50_000), at(2, 50_010))];
        attach_excerpts(&text, &[], &mut f);
        let ex = f[0].excerpt.as_deref().unwrap();
        let kept: Vec<char> = line
            .chars()
            .skip(50_000 - WINDOW_PAD)
            .take(2 * WINDOW_PAD + 10)
            .collect();
        assert_eq!(ex.text, kept.iter().collect::<String>() + "\n");
        assert_eq!(ex.cut, vec![(50_000 - WINDOW_PAD) as u32]);
        assert_eq!(ex.cut_before(2), (50_000 - WINDOW_PAD) as u32);
    }

    #[test]
    fn lines_of_ordinary_length_are_kept_whole() {
        let line = "y".repeat(LONG_LINE);
        let text = format!("{line}\nb: 1\n");
        let mut f = [finding(at(1, 900), at(2, 3))];
        attach_excerpts(&text, &[], &mut f);
        let ex = f[0].excerpt.as_deref().unwrap();
        assert_eq!(ex.text, format!("{line}\nb: 1\n"));
        assert!(ex.cut.is_empty());
    }

    #[test]
    fn the_excerpts_of_findings_on_a_long_line_do_not_grow_with_it() {
        for len in [10_000, 1_000_000] {
            let text = "z".repeat(len) + "\n";
            let mut f: Vec<Finding> = (0..10)
                .map(|i| finding(at(1, i * 900), at(1, i * 900 + 5)))
                .collect();
            attach_excerpts(&text, &[], &mut f);
            for f in &f {
                let ex = f.excerpt.as_deref().unwrap();
                assert!(
                    ex.text.len() <= 2 * WINDOW_PAD + 6,
                    "{len}: {}",
                    ex.text.len()
                );
            }
        }
    }

    #[test]
    fn secrets_on_a_cut_line_are_masked_where_they_are() {
        let mut line = "a".repeat(5_000);
        line.replace_range(3_000..3_010, "SECRETVALU");
        let text = line + "\n";
        let mask = Span {
            start: at(1, 3_000),
            end: at(1, 3_010),
        };
        let other = Span {
            start: at(1, 10),
            end: at(1, 20),
        };
        let mut f = [finding(at(1, 3_005), at(1, 3_020))];
        attach_excerpts(&text, &[other, mask], &mut f);
        let ex = f[0].excerpt.as_deref().unwrap();
        let left = ex.cut_before(1) as usize;
        assert_eq!(left, 3_005 - WINDOW_PAD);
        assert!(!ex.text.contains('S'), "{}", ex.text);
        assert_eq!(&ex.text[3_000 - left..3_010 - left], "**********");
        assert_eq!(&ex.text[3_010 - left..3_011 - left], "a");
    }
}
