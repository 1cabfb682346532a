//! Characters Kubernetes' YAML reader (go-yaml v2, YAML 1.1) reads otherwise than the YAML
//! 1.2 parser, handed to the parser so that it reads them as Kubernetes does:
//!
//! - Kubernetes reads a stream line by line before go-yaml sees it (k8s.io/apimachinery's
//!   LineReader), and writes each line back with `\n` for its `\r\n`: a `\r` before a
//!   line's end goes (one of them: `\r\r\n` leaves `\r\n`, one line break to go-yaml).
//!   Any other `\r` breaks a line to go-yaml (and to the parser), though not to keelhaul's
//!   line numbers: it becomes a line break like the three below.
//! - U+0085 (NEL), U+2028 (LS) and U+2029 (PS) break lines in YAML 1.1 and are ordinary
//!   characters in YAML 1.2: a comment ends at one, and what follows it is read, even where
//!   no editor shows a new line. They become line breaks, and positions are moved back to
//!   the original lines. (In a scalar continued over LS or PS, go-yaml keeps the character
//!   where the parser now folds a line break: the scalar's text differs, its place does not.)
//! - go-yaml drops a byte order mark that starts its input, which is a part of the stream
//!   (Kubernetes splits the stream at its `---` lines first): one right after a `---` line
//!   goes, as one at the start of a file does. Anywhere else a byte order mark is an
//!   ordinary character to go-yaml (a key `\u{FEFF}apiVersion`), where the parser refuses
//!   the document: it is handed to the parser as a private-use character the text does not
//!   hold, and turned back in the documents' strings.

use std::borrow::Cow;

use super::split::is_separator;
use super::{LoadProblem, Loaded};
use crate::span::Pos;

const BOM: char = '\u{FEFF}';

/// A text as the parser is given it, and how to turn what it read back.
pub struct KubeText<'t> {
    pub text: Cow<'t, str>,
    /// Per line of `text` (index 0 is line 1) that starts after a YAML 1.1 line break: the
    /// original line and how many columns of it come before.
    moved_lines: Vec<(u32, u32)>,
    /// The character standing for a byte order mark, if the text held one.
    bom_stand_in: Option<char>,
}

fn is_yaml11_break(c: char) -> bool {
    matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// `text` ready for the parser (borrowed when nothing needs to change).
pub fn prepare(text: &str) -> KubeText<'_> {
    let needs = |needle: &[u8]| memchr::memmem::find(text.as_bytes(), needle).is_some();
    let breaks =
        needs("\u{85}".as_bytes()) || needs("\u{2028}".as_bytes()) || needs("\u{2029}".as_bytes());
    let bom = needs("\u{FEFF}".as_bytes());
    let cr = needs(b"\r");
    if !breaks && !bom && !cr {
        return KubeText {
            text: Cow::Borrowed(text),
            moved_lines: Vec::new(),
            bom_stand_in: None,
        };
    }
    // A private-use character of the same UTF-8 length (3 bytes) that the text does not hold,
    // so that turning it back moves no string offset.
    let bom_stand_in = if bom {
        (0xE000..=0xF8FF)
            .filter_map(char::from_u32)
            .find(|c| !text.contains(*c))
    } else {
        None
    };
    let mut out = String::with_capacity(text.len());
    let mut moved_lines: Vec<(u32, u32)> = Vec::new();
    let (mut line, mut col) = (1u32, 0u32);
    let mut any_moved = false;
    let mut chars = text.char_indices().peekable();
    // Where the current line starts in `text`, and whether the next character starts a part.
    let mut line_start = 0;
    let mut part_start = true;
    while let Some((at, c)) = chars.next() {
        if std::mem::take(&mut part_start) && c == BOM {
            // The prepared line starts one column further into the original one.
            match moved_lines.last_mut() {
                Some(last) => last.1 += 1,
                None => moved_lines.push((1, 1)),
            }
            col += 1;
            any_moved = true;
            continue;
        }
        let lone_break = if c == '\r' {
            // A run of `\r`: before a `\n`, the line reader takes one and `\r\n` is one
            // line break; each other `\r` is a line break of its own.
            let mut run = 1;
            while chars.next_if(|&(_, c)| c == '\r').is_some() {
                run += 1;
            }
            let breaks = if chars.peek().is_some_and(|&(_, c)| c == '\n') {
                run - run.min(2)
            } else {
                run
            };
            for _ in 0..breaks {
                out.push('\n');
                moved_lines.push((line, col + 1));
                col += 1;
            }
            // The `\r`s that go take their columns.
            col += (run - breaks) as u32;
            any_moved |= breaks > 0;
            continue;
        } else {
            breaks && is_yaml11_break(c)
        };
        if c == '\n' {
            out.push('\n');
            moved_lines.push((line + 1, 0));
            line += 1;
            col = 0;
            part_start = is_separator(&text[line_start..at]);
            line_start = at + 1;
        } else if lone_break {
            out.push('\n');
            moved_lines.push((line, col + 1));
            col += 1;
            any_moved = true;
        } else {
            out.push(match (c, bom_stand_in) {
                (BOM, Some(s)) => s,
                _ => c,
            });
            col += 1;
        }
    }
    if any_moved {
        // Line 1 starts the text (unless a byte order mark went from it).
        if moved_lines.first() != Some(&(1, 1)) {
            moved_lines.insert(0, (1, 0));
        }
    } else {
        moved_lines.clear();
    }
    KubeText {
        text: Cow::Owned(out),
        moved_lines,
        bom_stand_in,
    }
}

impl KubeText<'_> {
    /// Turns what the parser read of `self.text` back into the original text's terms.
    pub fn restore(&self, loaded: &mut Loaded) {
        let Loaded {
            docs,
            problems,
            empty,
        } = loaded;
        if let Some(stand_in) = self.bom_stand_in {
            let mut buf = [0u8; 4];
            let s: &str = stand_in.encode_utf8(&mut buf);
            for d in docs.iter_mut() {
                if d.strings.contains(stand_in) {
                    d.strings = d.strings.replace(s, "\u{FEFF}");
                }
            }
            for p in problems.iter_mut() {
                if let LoadProblem::DuplicateKey { key, .. } = p {
                    *key = key.replace(s, "\u{FEFF}");
                }
            }
        }
        if !self.moved_lines.is_empty() {
            for line in empty.iter_mut() {
                if let Some(&(moved, _)) = self.moved_lines.get(*line as usize - 1) {
                    *line = moved;
                }
            }
            super::lenient::each_position(docs, problems, |p| {
                if let Some(&(line, before)) = self.moved_lines.get(p.line as usize - 1) {
                    *p = Pos {
                        line,
                        col: p.col + before,
                    };
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::load::load_text;
    use crate::span::Pos;

    #[test]
    fn yaml_1_1_line_breaks_break_lines() {
        // kubectl reads `b: 2` as a key of its own: the comment ends at the LS.
        let text = "a: 1 # note\u{2028}b: 2\nc:\u{85}  d: 3\n";
        let l = load_text(text);
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        let d = &l.docs[0];
        let root = d.root.unwrap();
        let b = d.get(root, "b").unwrap();
        assert_eq!(d.scalar(b), Some("2"));
        // On line 1, after the LS (column 11).
        assert_eq!(d.span(b).start, Pos { line: 1, col: 15 });
        let dd = d.path(root, &["c", "d"]).unwrap();
        assert_eq!(d.span(dd).start, Pos { line: 2, col: 8 });
    }

    #[test]
    fn a_carriage_return_before_a_line_feed_goes_as_kubernetes_line_reader_drops_it() {
        // kubectl reads "x\n\ny\n": each `\r\r\n` is one line break once the line reader has
        // taken a `\r\n` off.
        let l = load_text("a: |\r\r\n  x\r\r\n\r\r\n  y\r\r\nb: 1\r\n");
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        let d = &l.docs[0];
        let root = d.root.unwrap();
        assert_eq!(d.get_str(root, "a"), Some("x\n\ny\n"));
        assert_eq!(
            d.span(d.get(root, "b").unwrap()).start,
            Pos { line: 5, col: 3 }
        );
        // A `\r` elsewhere breaks a line (kubectl: {"c": "d e", "f": 1}); positions stay on
        // the text's own lines.
        let l = load_text("c: \"d\re\"\rf: 1\n");
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        let d = &l.docs[0];
        let root = d.root.unwrap();
        assert_eq!(d.get_str(root, "c"), Some("d e"));
        assert_eq!(
            d.span(d.get(root, "f").unwrap()).start,
            Pos { line: 1, col: 12 }
        );
    }

    #[test]
    fn a_byte_order_mark_inside_the_text_is_an_ordinary_character() {
        // kubectl: {"a": "x\u{feff}y", "\u{feff}b": 1}.
        let l = load_text("a: x\u{FEFF}y\n\u{FEFF}b: 1\n");
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        let d = &l.docs[0];
        let root = d.root.unwrap();
        assert_eq!(d.get_str(root, "a"), Some("x\u{FEFF}y"));
        assert!(d.get(root, "\u{FEFF}b").is_some());
        assert_eq!(
            d.span(d.get(root, "a").unwrap()).end,
            Pos { line: 1, col: 6 }
        );
        // At the start of a part, after a `---` line, it goes (kubectl: {"c": 1}, and
        // {"c": 2} from the second part).
        let l = load_text("\u{FEFF}c: 1\n---\n\u{FEFF}c: 2\n");
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        for (d, line) in l.docs.iter().zip([1, 3]) {
            let c = d.get(d.root.unwrap(), "c").unwrap();
            assert_eq!(d.span(c).start, Pos { line, col: 4 });
        }
    }
}
