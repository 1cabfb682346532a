//! load: bytes in, documents out. Owns decoding a file's bytes safely (binary, encoding),
//! choosing the JSON or YAML reader as Kubernetes would, recognising unrendered Helm
//! templates, recording each rendered document's `# Source:` template, and splitting a text
//! into documents by hand where it must not be parsed whole (`split`).

mod build;
mod fast;
pub mod iac;
mod json;
mod kube_json;
mod kube_text;
mod lenient;
pub mod place;
pub mod render;
pub mod scalar;
pub mod split;
mod strict;
pub mod tree;
mod yaml;

pub use crate::discover::read::Encoding;
use crate::span::{Pos, Span};
pub use build::ALIAS_EXPANSION_BUDGET;
pub use kube_json::Unconvertible;
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
    /// NUL bytes (or a NUL character, once decoded): a binary file.
    Binary,
    /// Not valid in its encoding; the position of the first bad byte (line 1-based, column
    /// 0-based in characters of what decoded before it).
    Invalid {
        encoding: Encoding,
        line: u32,
        col: u32,
    },
}

/// Turns file bytes into text: strips a byte order mark, decodes UTF-16 and UTF-32 when one
/// says so (kubectl reads UTF-16 with a mark too), refuses binary content and invalid text.
/// UTF-8 is borrowed; positions in a decoded text count its characters, as in UTF-8.
pub fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, TextProblem> {
    let (encoding, mark) = Encoding::sniff(bytes);
    let bytes = &bytes[mark..];
    let text: std::borrow::Cow<'_, str> = match encoding {
        Encoding::Utf8 => {
            if bytes.contains(&0) {
                return Err(TextProblem::Binary);
            }
            match std::str::from_utf8(bytes) {
                Ok(t) => t.into(),
                Err(e) => {
                    let good = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("");
                    return Err(invalid_after(encoding, good));
                }
            }
        }
        Encoding::Utf16Le | Encoding::Utf16Be => decode_utf16(bytes, encoding)?.into(),
        Encoding::Utf32Le | Encoding::Utf32Be => decode_utf32(bytes, encoding)?.into(),
    };
    if encoding != Encoding::Utf8 && text.contains('\0') {
        return Err(TextProblem::Binary);
    }
    Ok(text)
}

/// The problem of a text that decoded well up to `good`, then did not.
fn invalid_after(encoding: Encoding, good: &str) -> TextProblem {
    let line = good.bytes().filter(|&b| b == b'\n').count() as u32 + 1;
    let line_start = good.rfind('\n').map_or(0, |p| p + 1);
    let col = good[line_start..].chars().count() as u32;
    TextProblem::Invalid {
        encoding,
        line,
        col,
    }
}

fn decode_utf16(bytes: &[u8], encoding: Encoding) -> Result<String, TextProblem> {
    let units = bytes.chunks_exact(2).map(|u| match encoding {
        Encoding::Utf16Le => u16::from_le_bytes([u[0], u[1]]),
        _ => u16::from_be_bytes([u[0], u[1]]),
    });
    let mut out = String::with_capacity(bytes.len() / 2);
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => out.push(c),
            Err(_) => return Err(invalid_after(encoding, &out)),
        }
    }
    if !bytes.len().is_multiple_of(2) {
        // Cut in the middle of a unit.
        return Err(invalid_after(encoding, &out));
    }
    Ok(out)
}

fn decode_utf32(bytes: &[u8], encoding: Encoding) -> Result<String, TextProblem> {
    let mut out = String::with_capacity(bytes.len() / 4);
    for u in bytes.chunks(4) {
        let c = <[u8; 4]>::try_from(u).ok().and_then(|u| {
            char::from_u32(match encoding {
                Encoding::Utf32Le => u32::from_le_bytes(u),
                _ => u32::from_be_bytes(u),
            })
        });
        match c {
            Some(c) => out.push(c),
            None => return Err(invalid_after(encoding, &out)),
        }
    }
    Ok(out)
}

/// Parses a text into documents. A stream that starts with `{` is JSON, as Kubernetes'
/// decoder decides; everything else is YAML, read as Kubernetes' YAML reader reads it.
/// Documents with nothing in them are counted (`Loaded::empty`), not kept.
pub fn load_text(text: &str) -> Loaded {
    load_text_with(text, Empty::Count)
}

/// `load_text`, saying what to do with documents that have nothing in them.
pub fn load_text_with(text: &str, empty: Empty) -> Loaded {
    let mut out = Loaded::default();
    if text.trim_start().starts_with('{') {
        json::read_stream(text, &mut out.docs, &mut out.problems);
    } else {
        read_yaml(text, empty, &mut out);
    }
    refuse_unconvertible(&mut out);
    out
}

/// YAML as Kubernetes reads it (go-yaml v2, YAML 1.1), through a YAML 1.2 parser: the
/// characters YAML 1.1 reads otherwise are handed over as the parser reads them the same way
/// (`kube_text`), what Kubernetes accepts and the parser does not is re-read (`lenient`), and
/// what Kubernetes refuses and the parser accepts is refused (`strict`).
fn read_yaml(text: &str, empty: Empty, out: &mut Loaded) {
    let prepared = kube_text::prepare(text);
    let t: &str = &prepared.text;
    // What the fast reader reads, Kubernetes' reader reads too (`strict` would find nothing).
    let plain = yaml::read_stream(t, empty, out);
    let reread = lenient::applies(&out.problems);
    if reread {
        lenient::reread(t, empty, out);
    }
    if !plain || reread {
        strict::refuse(t, out);
    }
    record_origins(t, &mut out.docs, &out.empty);
    prepared.restore(out);
}

/// Kubernetes reads a document only once it has turned it into JSON: a document it cannot
/// turn into JSON (a null key, an infinite number) is refused as a syntax error is.
fn refuse_unconvertible(out: &mut Loaded) {
    out.docs.retain(|d| match d.unconvertible_node() {
        None => true,
        Some(u) => {
            out.problems.push(LoadProblem::Syntax {
                pos: u.span.start,
                message: format!("Kubernetes cannot read this document: {}", u.reason),
            });
            false
        }
    });
}

/// Rendered Helm output names each document's template in a `# Source: chart/templates/x.yaml`
/// comment just before it: the last such comment at or before a document's first line, unless
/// it is inside or before the document before it (an empty one too: an empty template renders
/// as its comment alone).
fn record_origins(text: &str, docs: &mut [Document], empty: &[u32]) {
    if memchr::memmem::find(text.as_bytes(), b"# Source: ").is_none() {
        return;
    }
    let sources: Vec<(u32, &str)> = text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            l.strip_prefix("# Source: ")
                .map(|s| (i as u32 + 1, s.trim()))
        })
        .collect();
    let mut prev_end = 0u32;
    let mut empties = empty.iter().peekable();
    for doc in docs.iter_mut() {
        let Some(root) = doc.root else { continue };
        let span = doc.span(root);
        let start = span.start.line;
        while let Some(&&e) = empties.peek() {
            if e > start {
                break;
            }
            prev_end = prev_end.max(e);
            empties.next();
        }
        // The lines are in order: a search, not a scan, whatever the number of documents.
        let at_or_before = sources.partition_point(|(l, _)| *l <= start);
        doc.origin = at_or_before
            .checked_sub(1)
            .map(|i| sources[i])
            .filter(|(l, _)| *l > prev_end)
            .map(|(_, s)| std::sync::Arc::from(s));
        prev_end = span.end.line.max(start);
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
        // The document is read as kubectl reads it: the last one wins.
        let d = &l.docs[0];
        let a = d.get(d.root.unwrap(), "a").unwrap();
        assert_eq!(d.value(a), Some(scalar::Value::Int(3)));
    }

    #[test]
    fn documents_kubernetes_cannot_turn_into_json_are_refused() {
        let l = load_text(
            "a: 1
---
b:
  ~: x
---
c: .inf
---
d: \".inf\"
",
        );
        let kept: Vec<u32> = l.docs.iter().map(|d| d.index).collect();
        assert_eq!(kept, vec![0, 3]);
        let at: Vec<(u32, u32)> = l
            .problems
            .iter()
            .map(|p| match p {
                LoadProblem::Syntax { pos, message } => {
                    assert!(message.starts_with("Kubernetes cannot read this document"));
                    (pos.line, pos.col)
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(at, vec![(4, 2), (6, 3)]);
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
    fn merge_keys_apply_in_order_as_kubernetes_applies_them() {
        // kubectl reads `{y: 3, <<: *b}` with y = 2: a merge sets keys over those before it.
        // Of a list of sources, the first wins.
        let l = load_text(
            "b: &b {x: 1, y: 2}
c: &c {y: 4, z: 5}
m: {y: 3, <<: *b, x: 0}
n: {<<: [*c, *b]}
",
        );
        let d = &l.docs[0];
        let int = |map: &str, k: &str| {
            let m = d.get(d.root.unwrap(), map).unwrap();
            d.value(d.get(m, k).unwrap())
        };
        assert_eq!(int("m", "y"), Some(scalar::Value::Int(2)));
        assert_eq!(int("m", "x"), Some(scalar::Value::Int(0)));
        assert_eq!(int("n", "y"), Some(scalar::Value::Int(4)));
        assert_eq!(int("n", "x"), Some(scalar::Value::Int(1)));
        // What a later key replaced is gone: each key once.
        let m = d.get(d.root.unwrap(), "m").unwrap();
        assert_eq!(d.entries(m).count(), 2);
        assert!(l.problems.is_empty(), "{:?}", l.problems);
    }

    #[test]
    fn anchors_and_tags_kubernetes_reads_otherwise_are_refused() {
        // go-yaml ends a name at `:` or `.`: `&name: storage` is an anchored empty key to it.
        for text in [
            "a: &name: x\n",
            "a: &x.y 1\nb: *x.y\n",
            "a: !!str &x:y 1\n",
            "a: !#x 1\n",
            "a: [!x, y]\n",
        ] {
            let l = load_text(text);
            assert!(l.docs.is_empty(), "{text}");
            assert!(
                matches!(&l.problems[..], [LoadProblem::Syntax { message, .. }]
                    if message.contains("anchor") || message.contains("tag")),
                "{text}: {:?}",
                l.problems
            );
        }
        let l = load_text("a: &x-1_b {c: 1}\nd: !!map &y\n  e: *x-1_b\nf: [!!str 1, !<tag:x> y]\n");
        assert!(l.problems.is_empty(), "{:?}", l.problems);
    }

    #[test]
    fn what_follows_a_document_before_the_next_marker_is_not_read() {
        // kubectl reads the first document of each part and nothing after it: `{a: 1}` here
        // each time, then `{c: 3}`.
        for text in [
            "a: 1\n...\nb: 2\n---\nc: 3\n",
            "a: 1\n...\n  ]\n---\nc: 3\n",
            "a: 1\n%TAG ! tag:x,2000:\nb: 2\n---\nc: 3\n",
            "  a: 1\n}\nb: [\n---\nc: 3\n",
            "  a: 1\nb: 2\n---\nc: 3\n",
        ] {
            let l = load_text(text);
            assert!(l.problems.is_empty(), "{text:?}: {:?}", l.problems);
            let keys: Vec<Vec<&str>> = l
                .docs
                .iter()
                .map(|d| {
                    d.entries(d.root.unwrap())
                        .filter_map(|e| d.scalar(e.key))
                        .collect()
                })
                .collect();
            assert_eq!(keys, vec![vec!["a"], vec!["c"]], "{text:?}");
        }
        // What go-yaml cannot scan there, or a directive it does not know, fails the part.
        for text in ["  a: 1\n@x\n", "a: 1\n%FOO bar\n"] {
            let l = load_text(text);
            assert!(
                l.docs.is_empty() && l.problems.len() == 1,
                "{text:?}: {:?}",
                l.problems
            );
        }
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
    fn json_strings_hold_control_characters_only_as_escapes() {
        // kubectl: "invalid character '\t' in string literal".
        let l = load_text("{\"a\": \"b\\tc\td\"}");
        assert!(l.docs.is_empty());
        match &l.problems[..] {
            [LoadProblem::Syntax { pos, .. }] => assert_eq!((pos.line, pos.col), (1, 11)),
            other => panic!("{other:?}"),
        }
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
        let l = load_text(&t);
        assert_eq!(key_line(&l.docs[0], &["b"]), 2);
        assert_eq!(
            decode(b"a: 1\nb: \xff\n"),
            Err(TextProblem::Invalid {
                encoding: Encoding::Utf8,
                line: 2,
                col: 3
            })
        );
        assert_eq!(decode(b"a\0b"), Err(TextProblem::Binary));
    }

    #[test]
    fn utf16_and_utf32_with_a_byte_order_mark() {
        let text = "a: é🚀\r\nb: 2\n";
        let le16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be16: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        let le32: Vec<u8> = [0xFF, 0xFE, 0, 0]
            .into_iter()
            .chain(text.chars().flat_map(|c| (c as u32).to_le_bytes()))
            .collect();
        let be32: Vec<u8> = [0, 0, 0xFE, 0xFF]
            .into_iter()
            .chain(text.chars().flat_map(|c| (c as u32).to_be_bytes()))
            .collect();
        for bytes in [&le16, &be16, &le32, &be32] {
            assert_eq!(decode(bytes).as_deref(), Ok(text));
        }
        // A lone surrogate, half a unit, a value beyond Unicode, a NUL character.
        let bad = |e, line, col| {
            Err(TextProblem::Invalid {
                encoding: e,
                line,
                col,
            })
        };
        let mut lone = le16.clone();
        lone.extend([0x00, 0xDC]);
        assert_eq!(decode(&lone), bad(Encoding::Utf16Le, 3, 0));
        assert_eq!(
            decode(&be16[..be16.len() - 1]),
            bad(Encoding::Utf16Be, 2, 4)
        );
        let mut beyond = be32.clone();
        beyond.extend([0, 0x11, 0, 0]);
        assert_eq!(decode(&beyond), bad(Encoding::Utf32Be, 3, 0));
        assert_eq!(decode(b"\xFF\xFEa\0\0\0"), Err(TextProblem::Binary));
        assert_eq!(Encoding::sniff(b"\xFF\xFE\0\0a"), (Encoding::Utf32Le, 4));
    }
}
