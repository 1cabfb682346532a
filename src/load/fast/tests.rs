use proptest::prelude::*;
use saphyr_parser::Parser;

use super::*;

/// One event, placed as the parser places it (lines from 1, columns from 0).
type Placed<'t> = (Event<'t>, Span);

/// The parser's events, placed the same way; None on a syntax error.
fn parsed(text: &str) -> Option<Vec<Placed<'_>>> {
    let pos = |m: &saphyr_parser::Marker| Pos {
        line: m.line() as u32,
        col: m.col() as u32,
    };
    let mut parser = Parser::new_from_str(text);
    let mut out = Vec::new();
    while let Some(next) = parser.next_event() {
        let (event, sp) = next.ok()?;
        out.push((
            event,
            Span {
                start: pos(&sp.start),
                end: pos(&sp.end),
            },
        ));
    }
    Some(out)
}

/// Whether the fast reader takes `text`; when it does, its events must be the parser's.
fn agrees(text: &str) -> bool {
    let mut fast = Vec::new();
    if !events(text, &mut |e, sp| fast.push((e, sp))) {
        return false;
    }
    let Some(slow) = parsed(text) else {
        panic!("read a text the parser refuses:\n{text}");
    };
    if fast != slow {
        for (i, (a, b)) in fast.iter().zip(&slow).enumerate() {
            if a != b {
                panic!("event {i} differs:\n  fast   {a:?}\n  parser {b:?}\nin {text:?}");
            }
        }
        panic!("{} events, the parser {}:\n{text}", fast.len(), slow.len());
    }
    // Nothing in it that Kubernetes' reader refuses: the loader skips that check after it.
    let mut loaded = crate::load::Loaded::default();
    assert!(crate::load::yaml::read_stream(
        text,
        crate::load::Empty::Keep,
        &mut loaded
    ));
    let before = loaded.problems.len();
    crate::load::strict::refuse(text, &mut loaded);
    assert_eq!(
        loaded.problems.len(),
        before,
        "Kubernetes refuses what the fast reader read: {:?}\nin {text:?}",
        loaded.problems.last()
    );
    true
}

/// Texts in the subset: each must be read, and read as the parser reads it.
const TAKEN: &[&str] = &[
    "",
    "\n",
    "# only a comment\n",
    "a: b\n",
    "a: b",
    "  a: 1\n  b: 2\n",
    "a: 'x'   \nb: 1\n",
    "a: \"x\" # c\n",
    "a: [ ]\nb: {}\nc: []\nd: { }  # c\n",
    "a:\nb:   \n",
    "a:\n- x\nb: y\n",
    "a:\n  - x\n",
    "a:\n  {}\nb:\n  []  # c\nc:\n- [x, \"y\"]\n-\n  {}\n",
    "a: 'x  \n  y''s\n\n\n   z  '  # c\nb: \"p \\t\n   q\n\n  r \"\nc:\n- '\n  s'\n",
    "a:\n- k: v\n  j: w\n- - x\n  - y\nb: 1\n",
    "- a\n-\n- - b\n  - c\n- k: v\n  j: w\n",
    "-\n  k: v\n- x\n",
    "-\n  - x\n",
    "---\n---\na: 1\n",
    "---\n",
    "--- # c\na: 1\n---\nb: 2\n",
    "a: 1\n---\n",
    "# c\n---\na: \"x\" # c\n",
    "a:\n  b:\n    c: d\n  e: f\n# c\ng: h\n",
    "a:\n  b:\n    - c\n# c\n",
    "key with spaces: value with spaces  \n",
    "clé: 'é' # ü\nnom: été\n\"日本\": 語\nl: [ ]\nm:\n  - 語\n  -\n",
    "url: http://x:80/y#z\nn: -1\nm: :x\nq: ?x\n",
    "a: |\n  x\n   y\n\n  z\nb: 1\n",
    "a: |-\n  x\n\n\nb: 1\n",
    "a: |+ # c\n  x\n\n\n# c\nb: 1\n",
    "- |\n  x\n- y\n",
    "a: |\nb: 1\n",
    "a: |\n  x\n  # not\n# c\n",
    "a: |\n  x\n    \n  y\n",
    "a:\n  - x: [\"a\", b, \"c d\"]\n    y: [ 1 ,2 ]  # c\n    z: ['a' , \"b\" ]\n",
    "s: |\n    #!/bin/sh\n    echo \"a: b\" # c\n\n    exit 0\n---\nt: |-\n  x\n",
    "'quoted': 1\n\"double\": 2\n'a b' : c\n",
    "d: a b\n  c\n\n\n   d  \n  e # c\nf: g\n  h\n",
    "- x\n  y\n-  z\n   w\n\n- v\n",
    "k:\n- a\n  b\n- - c\n    d\n",
    "a:\n  b: x\n   y\n# c\n  c: z\n",
    "a: 'it''s' # c\nb: ''''\n'c''d': [ 'e''f' , \"\\\"\" ]\n",
    "e: \"x\\ny\\t\\\"z\\\\ \\u00e9\\u0041\\r\\0\"\n\"k\\\"\": 1\n",
    "a: b#c\nd: e # f: g\n",
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  labels:\n    a: b\nspec:\n  containers:\n  - name: c\n    image: \"nginx\"\n    args:\n      - a\n      - 'b'\n    ports: []\n  empty:\n  last: z\n",
];

/// Texts outside the subset (or in error): each must be left to the parser.
const LEFT: &[&str] = &[
    "a: >\n  x\n",
    "a: &x 1\nb: *x\n",
    "a: !t 1\n",
    "a: b # c\n  d\n",
    "a: b\n  - c\n",
    "a: b\n  c: d\n",
    "a:\n  b\n",
    "a: [x, {y: 1}]\n",
    "a: [x, ]\n",
    "a: [x: 1]\n",
    "a: {x: 1}\n",
    "a: \"x\\qy\"\n",
    "a: \"x\\/y\"\n",
    "a: [x?]\n",
    "a: \"x\\\n  y\"\n",
    "a:\tb\n",
    "a: b\r\n",
    "a: \u{feff}\n",
    "a: \u{85}\n",
    "...\n",
    "%YAML 1.2\n---\na: 1\n",
    "a: b: c\n",
    "a: b:\n",
    "- a\nb: c\n",
    "a: 1\n- b\n",
    "just a scalar\n",
    "a:\n  - x\n - y\n",
    "? a\n: b\n",
    "a: \"x\" y\n",
    "a:\n-\n",
    "--- a: 1\n",
];

#[test]
fn the_subset_is_read_as_the_parser_reads_it() {
    for text in TAKEN {
        assert!(agrees(text), "not read:\n{text}");
    }
}

#[test]
fn what_is_outside_the_subset_is_left_to_the_parser() {
    for text in LEFT {
        assert!(!agrees(text), "read:\n{text}");
    }
}

/// Every YAML file of the repository's test data, tests, examples, docs and rules: when the
/// fast reader takes one, it reads it as the parser does.
#[test]
fn the_repositorys_yaml_is_read_as_the_parser_reads_it() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["testdata", "tests", "examples", "docs", "rules"] {
        collect(&root.join(dir), &mut files);
    }
    if let Ok(dir) = std::env::var("KEELHAUL_FAST_DIR") {
        collect(std::path::Path::new(&dir), &mut files);
    }
    let (mut taken, mut bytes, mut all) = (0, 0, 0);
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        all += text.len();
        if agrees(&text) {
            taken += 1;
            bytes += text.len();
        }
    }
    eprintln!("{taken} of {} files, {bytes} of {all} bytes", files.len());
    assert!(taken > 0);
}

fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

/// Edits that move a text in and out of the subset.
fn edit() -> impl Strategy<Value = (usize, usize, &'static str)> {
    let pieces = prop::sample::select(vec![
        "", " ", "  ", "-", "- ", ":", ": ", "#", " #", "'", "\"", "\n", "\n-", "\n  ", "[", "]",
        "{", "}", "[]", "{}", "a", "0", "---\n", "\n---", "key: ", "x:\n", "é", "日本", "\u{2028}",
        "\\", "\\u", "\\n", "''", "|", "|-", "|+", ",", "\n\n",
    ]);
    (any::<usize>(), 0usize..4, pieces)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20000))]
    #[test]
    fn edited_texts_are_read_as_the_parser_reads_them(
        base in prop::sample::select(TAKEN.to_vec()),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let mut text = base.to_string();
        for (at, cut, piece) in edits {
            let mut at = if text.is_empty() { 0 } else { at % (text.len() + 1) };
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mut cut = cut.min(text.len() - at);
            while !text.is_char_boundary(at + cut) {
                cut += 1;
            }
            text.replace_range(at..at + cut, piece);
        }
        agrees(&text);
    }
}
