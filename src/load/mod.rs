//! load: bytes in, documents out. Owns decoding a file's bytes safely (binary, encoding),
//! choosing the JSON or YAML reader as Kubernetes would, recognising unrendered Helm
//! templates, recording each rendered document's `# Source:` template, and splitting a text
//! into documents by hand where it must not be parsed whole (`split`).

mod build;
pub mod iac;
mod json;
mod lenient;
pub mod render;
pub mod scalar;
pub mod split;
pub mod tree;
mod yaml;

use crate::span::{Pos, Span};
pub use build::ALIAS_EXPANSION_BUDGET;
pub use scalar::ScalarStyle;
pub use tree::{Document, Entry, NodeId, NodeKind};

/// Something wrong with the input itself, found while loading; becomes a `KH0xx` finding.
#[derive(Debug, Clone)]
pub enum LoadProblem {
    Syntax {
        pos: Pos,
        message: String,
    },
    DuplicateKey {
        key: String,
        first: Span,
        second: Span,
    },
    AliasBudget {
        span: Span,
    },
}

/// What loading one text produced.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The documents, in the order of the text; those with nothing in them only when asked
    /// for (`Empty::Keep`).
    pub docs: Vec<Document>,
    pub problems: Vec<LoadProblem>,
    /// The line of each document with nothing in it (a `---` line alone; the line is the one
    /// where the document ends) that was counted rather than kept (`Empty::Count`).
    pub empty: Vec<u32>,
}

/// What to do with documents that have nothing in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Empty {
    /// Note their line in `Loaded::empty`: a text of many `---` lines costs four bytes a
    /// document, not a document apiece.
    Count,
    /// Keep them in `Loaded::docs`, for a reader that needs each document's place in the
    /// stream.
    Keep,
}

/// Why a file's bytes cannot be read as text.
#[derive(Debug, Clone, PartialEq)]
pub enum TextProblem {
    /// NUL bytes: a binary file.
    Binary,
    /// Not UTF-8; the position of the first bad byte.
    InvalidUtf8 { line: u32, col: u32 },
}

/// Turns file bytes into text: refuses binary content and invalid UTF-8, strips a BOM.
pub fn decode(bytes: &[u8]) -> Result<&str, TextProblem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(TextProblem::Binary);
    }
    match std::str::from_utf8(bytes) {
        Ok(t) => Ok(t),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            let col =
                std::str::from_utf8(&good[line_start..]).map_or(0, |s| s.chars().count()) as u32;
            Err(TextProblem::InvalidUtf8 { line, col })
        }
    }
}

/// Parses a text into documents. A stream that starts with `{` is JSON, as Kubernetes'
/// decoder decides; everything else is YAML. Documents with nothing in them are counted
/// (`Loaded::empty`), not kept.
pub fn load_text(text: &str) -> Loaded {
    load_text_with(text, Empty::Count)
}

/// `load_text`, saying what to do with documents that have nothing in them.
pub fn load_text_with(text: &str, empty: Empty) -> Loaded {
    let mut out = Loaded::default();
    if text.trim_start().starts_with('{') {
        json::read_stream(text, &mut out.docs, &mut out.problems);
    } else {
        yaml::read_stream(text, empty, &mut out);
        if out.problems.iter().any(|p| {
            matches!(p, LoadProblem::Syntax { message, .. } if message.contains(lenient::QUOTED_INDENTATION))
        }) {
            lenient::reread(text, empty, &mut out);
        }
    }
    out
}

/// Rendered Helm output names each document's template in a `# Source: chart/templates/x.yaml`
/// comment just before it. The comments of a text, handed to its documents as they are read
/// (empty ones too, which are not all kept: where one ends matters to the next).
struct Origins<'t> {
    /// (line, template), in the order of the text.
    sources: Vec<(u32, &'t str)>,
    /// The last line of the document read before.
    prev_end: u32,
}

impl<'t> Origins<'t> {
    fn of(text: &'t str) -> Origins<'t> {
        let sources = if memchr::memmem::find(text.as_bytes(), b"# Source: ").is_none() {
            Vec::new()
        } else {
            text.lines()
                .enumerate()
                .filter_map(|(i, l)| {
                    l.strip_prefix("# Source: ")
                        .map(|s| (i as u32 + 1, s.trim()))
                })
                .collect()
        };
        Origins {
            sources,
            prev_end: 0,
        }
    }

    /// Gives `doc` the template of the last comment at or before its first line, unless that
    /// comment is inside or before the document read before it.
    fn assign(&mut self, doc: &mut Document) {
        if self.sources.is_empty() {
            return;
        }
        let Some(root) = doc.root else { return };
        let span = doc.span(root);
        let start = span.start.line;
        // The lines are in order: a search, not a scan, whatever the number of documents.
        let at_or_before = self.sources.partition_point(|(l, _)| *l <= start);
        doc.origin = at_or_before
            .checked_sub(1)
            .map(|i| self.sources[i])
            .filter(|(l, _)| *l > self.prev_end)
            .map(|(_, s)| std::sync::Arc::from(s));
        self.prev_end = span.end.line.max(start);
    }
}

/// A Helm template that is not YAML yet: it failed to parse and has template actions.
pub fn looks_like_helm_template(text: &str) -> Option<u32> {
    text.lines()
        .position(|l| l.contains("{{") && (l.contains("}}") || l.trim_start().starts_with("{{")))
        .map(|i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::tree::NodeKind;
    use super::*;

    fn key_line(doc: &Document, path: &[&str]) -> u32 {
        let root = doc.root.unwrap();
        let (last, parents) = path.split_last().unwrap();
        let parent = doc.path(root, parents).unwrap();
        doc.span(doc.entry(parent, last).unwrap().key).start.line
    }

    #[test]
    fn spans_of_keys_and_values() {
        let l = load_text("a: 1\nb:\n  c: yes\n  d: [x, y]\n");
        let d = &l.docs[0];
        assert_eq!(key_line(d, &["b", "c"]), 3);
        let c = d.path(d.root.unwrap(), &["b", "c"]).unwrap();
        assert_eq!(d.span(c).start, Pos { line: 3, col: 5 });
        assert_eq!(d.value(c), Some(scalar::Value::Bool(true)));
        let items = d.items(d.path(d.root.unwrap(), &["b", "d"]).unwrap());
        assert_eq!(d.span(items[1]).start, Pos { line: 4, col: 9 });
    }

    #[test]
    fn quoted_scalars_end_at_their_closing_quote() {
        // The parser's own end runs on over trailing spaces and comments.
        let text = "x: 1\n---\na: \"é\\\"\"  # c \"q\"\nb: 'it''s' # d\nc: \"multi\n  line\"  # z\nd: {e: \"f\"  , g: h}\n";
        let l = load_text(text);
        let d = &l.docs[1];
        let span = |k: &str| d.span(d.get(d.root.unwrap(), k).unwrap());
        let end = |k: &str| span(k).end;
        assert_eq!(span("a").start, Pos { line: 3, col: 3 });
        assert_eq!(end("a"), Pos { line: 3, col: 8 });
        assert_eq!(end("b"), Pos { line: 4, col: 10 });
        assert_eq!(end("c"), Pos { line: 6, col: 7 });
        let e = d.path(d.root.unwrap(), &["d", "e"]).unwrap();
        assert_eq!(d.span(e).end, Pos { line: 7, col: 10 });
    }

    #[test]
    fn multi_document_and_recovery() {
        let l = load_text("a: 1\n---\nb: x: y\n---\nc: 3\n");
        assert_eq!(l.docs.len(), 2);
        assert_eq!(l.problems.len(), 1);
        let d = &l.docs[1];
        assert_eq!(key_line(d, &["c"]), 5);
    }

    #[test]
    fn recovery_when_the_error_is_seen_at_the_next_marker() {
        let l = load_text("a: 1\n---\nb: [1, 2\n---\nc: 3\n---\nd: 4\n");
        assert_eq!(l.problems.len(), 1, "{:?}", l.problems);
        let keys: Vec<&str> = l
            .docs
            .iter()
            .filter_map(|d| d.scalar(d.entries(d.root?).next()?.key))
            .collect();
        assert!(keys.contains(&"a") && keys.contains(&"d"), "{keys:?}");
    }

    #[test]
    fn duplicate_keys_are_reported() {
        let l = load_text("a: 1\nb: 2\na: 3\n");
        match &l.problems[..] {
            [LoadProblem::DuplicateKey { key, first, second }] => {
                assert_eq!(key, "a");
                assert_eq!(first.start.line, 1);
                assert_eq!(second.start.line, 3);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn merge_keys() {
        let l = load_text("base: &b\n  x: 1\n  y: 2\nm:\n  <<: *b\n  y: 3\n");
        let d = &l.docs[0];
        let m = d.get(d.root.unwrap(), "m").unwrap();
        assert_eq!(d.get_str(m, "x"), None);
        assert_eq!(d.value(d.get(m, "x").unwrap()), Some(scalar::Value::Int(1)));
        assert_eq!(d.value(d.get(m, "y").unwrap()), Some(scalar::Value::Int(3)));
        assert!(l.problems.is_empty());
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            s.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let l = load_text(&s);
        assert!(l.docs.is_empty());
        assert!(matches!(l.problems[..], [LoadProblem::AliasBudget { .. }]));
    }

    #[test]
    fn json_with_tabs() {
        let l = load_text("{\n\t\"kind\": \"Pod\",\n\t\"spec\": {\"a\": [1, true]}\n}\n");
        assert!(l.problems.is_empty(), "{:?}", l.problems);
        let d = &l.docs[0];
        assert_eq!(d.get_str(d.root.unwrap(), "kind"), Some("Pod"));
        assert_eq!(key_line(d, &["spec", "a"]), 3);
        let a = d.path(d.root.unwrap(), &["spec", "a"]).unwrap();
        assert!(matches!(d.node(a).kind, NodeKind::Sequence { len: 2, .. }));
        assert_eq!(d.span(d.items(a)[1]).start, Pos { line: 3, col: 19 });
    }

    #[test]
    fn json_error_position() {
        let l = load_text("{\n  \"a\": tru\n}");
        match &l.problems[..] {
            [LoadProblem::Syntax { pos, .. }] => assert_eq!(pos.line, 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn helm_origins() {
        let t = "---\n# Source: c/templates/a.yaml\nkind: A\n---\n# Source: c/templates/b.yaml\nkind: B\n";
        let l = load_text(t);
        assert_eq!(l.docs[0].origin.as_deref(), Some("c/templates/a.yaml"));
        assert_eq!(l.docs[1].origin.as_deref(), Some("c/templates/b.yaml"));
    }

    #[test]
    fn helm_origins_across_empty_documents() {
        // An empty template renders as its comment alone: the next document has its own.
        let t =
            "---\n# Source: c/templates/empty.yaml\n---\n# Source: c/templates/b.yaml\nkind: B\n";
        let l = load_text(t);
        assert_eq!(l.docs.len(), 1);
        assert_eq!(l.empty, vec![3]);
        assert_eq!(l.docs[0].origin.as_deref(), Some("c/templates/b.yaml"));
        // A comment before an empty document is not the next one's, whether the empty one
        // is kept or not.
        let t = "# Source: c/templates/a.yaml\n---\n---\nkind: B\n";
        for empty in [Empty::Count, Empty::Keep] {
            let l = load_text_with(t, empty);
            let b = l.docs.last().unwrap();
            assert_eq!(b.get_str(b.root.unwrap(), "kind"), Some("B"));
            assert_eq!(b.origin, None);
        }
    }

    #[test]
    fn empty_documents_are_counted_or_kept() {
        let t = "a: 1\n---\n---\n# c\n---\nb: 2\n---\n~\n---\n";
        let counted = load_text(t);
        let kinds: Vec<bool> = counted
            .docs
            .iter()
            .map(|d| d.is_mapping(d.root.unwrap()))
            .collect();
        // `~` is written: a null, kept.
        assert_eq!(kinds, vec![true, true, false]);
        assert_eq!(counted.empty, vec![3, 5, 10]);
        let kept = load_text_with(t, Empty::Keep);
        assert_eq!(kept.docs.len(), 6);
        assert!(kept.empty.is_empty());
        let indexes: Vec<u32> = kept.docs.iter().map(|d| d.index).collect();
        assert_eq!(indexes, vec![0, 1, 2, 3, 4, 5]);
        let indexes: Vec<u32> = counted.docs.iter().map(|d| d.index).collect();
        assert_eq!(indexes, vec![0, 3, 4]);
    }

    #[test]
    fn bom_crlf_and_invalid_utf8() {
        let t = decode(b"\xEF\xBB\xBFa: 1\r\nb: 2\r\n").unwrap();
        let l = load_text(t);
        assert_eq!(key_line(&l.docs[0], &["b"]), 2);
        assert_eq!(
            decode(b"a: 1\nb: \xff\n"),
            Err(TextProblem::InvalidUtf8 { line: 2, col: 3 })
        );
        assert_eq!(decode(b"a\0b"), Err(TextProblem::Binary));
    }
}
