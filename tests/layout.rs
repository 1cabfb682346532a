//! The layout of `src/` is the pipeline (see the README's "Development" section): this test
//! reads every `crate::` and `super::` path in the crate's non-test code and fails on an
//! import circle between modules, or on an import that runs upward (a stage naming a later
//! stage). Run it alone with `cargo test --test layout -- --nocapture` to print the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules, earliest first. A module may import only modules listed before it
/// (or itself). Shared vocabulary comes first so that no stage has to import another to name
/// a type.
const ORDER: &[&str] = &[
    "span", "discover", "load", "index", "k8s", "finding", "check", "rules", "mapback", "filter",
    "report", "github", "pipeline", "cli",
];

/// What the sinks may read: findings, the scan result, rule metadata and paths, never the
/// loader's internals, the index or the global rule registry (they are handed what they
/// describe).
const SINKS: &[(&str, &[&str])] = &[
    ("report", &["span", "discover", "finding"]),
    (
        "github",
        &["span", "discover", "finding", "filter", "report"],
    ),
];

/// Sibling modules that import each other on purpose: a type and its parser that belong
/// together. Each pair is explained where it is declared.
const ALLOWED_SIBLING_CIRCLES: &[(&str, &str)] = &[];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The module path of a source file: `src/load/tree.rs` → `["load", "tree"]`,
/// `src/load/mod.rs` → `["load"]`, `src/lib.rs` → `[]`.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_string());
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without its tests, comments and string literals (a `crate::` inside a
/// doc comment or a message is not an import).
fn code_of(text: &str) -> String {
    let end = text.find("#[cfg(test)]\nmod tests").unwrap_or(text.len());
    let text = &text[..end];
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'r'
            && matches!(b.get(i + 1), Some(b'"') | Some(b'#'))
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
        {
            // A raw string: r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push(b[i] as char);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == b'"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&b'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
            out.push_str("\"\"");
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '\'') or a lifetime ('a): skip only a literal.
            if b.get(i + 1) == Some(&b'\\') {
                let close = text[i + 2..]
                    .find('\'')
                    .map(|k| i + 2 + k + 1)
                    .unwrap_or(b.len());
                i = close;
            } else if b.get(i + 2) == Some(&b'\'') {
                i += 3;
            } else if let Some(c) = text[i + 1..].chars().next()
                && text[i + 1 + c.len_utf8()..].starts_with('\'')
            {
                i += 1 + c.len_utf8() + 1;
            } else {
                out.push('\'');
                i += 1;
            }
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every path the code names from `crate::` or `super::`, resolved to absolute segments;
/// `use` groups are expanded (`crate::a::{b, c::d}` → `a::b`, `a::c::d`).
fn paths_in(code: &str, here: &[String], is_mod_file: bool) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts = |w: &str| chars[i..].iter().take(w.len()).copied().eq(w.chars());
        let boundary = i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == ':');
        if boundary && (starts("crate::") || starts("super::")) {
            let mut base: Vec<String> = Vec::new();
            if starts("crate::") {
                i += "crate::".len();
            } else {
                // `super` of a module file `a/b.rs` (module a::b) is `a`; of `a/mod.rs`
                // (module a), the crate root.
                base = here.to_vec();
                let _ = is_mod_file;
                while chars[i..].iter().take(7).copied().eq("super::".chars()) {
                    base.pop();
                    i += "super::".len();
                }
            }
            let (paths, next) = parse_tree(&chars, i);
            for p in paths {
                let mut full = base.clone();
                full.extend(p);
                out.push(full);
            }
            i = next;
        } else {
            i += 1;
        }
    }
    out
}

/// Parses `a::b::{c, d::e}` from `i`; returns the paths and where parsing stopped.
fn parse_tree(chars: &[char], mut i: usize) -> (Vec<Vec<String>>, usize) {
    let mut prefix = Vec::new();
    loop {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i < chars.len() && chars[i] == '{' {
            i += 1;
            let mut all = Vec::new();
            loop {
                while i < chars.len() && (chars[i].is_whitespace() || chars[i] == ',') {
                    i += 1;
                }
                if i >= chars.len() || chars[i] == '}' {
                    i += 1;
                    break;
                }
                let (inner, next) = parse_tree(chars, i);
                if next == i {
                    i += 1;
                    continue;
                }
                for p in inner {
                    let mut full = prefix.clone();
                    full.extend(p);
                    all.push(full);
                }
                i = next;
            }
            return (all, i);
        }
        let start = i;
        while i < chars.len() && is_ident(chars[i]) {
            i += 1;
        }
        if start == i {
            return (vec![prefix], i);
        }
        prefix.push(chars[start..i].iter().collect());
        if chars[i..].iter().take(2).copied().eq("::".chars()) {
            i += 2;
        } else {
            return (vec![prefix], i);
        }
    }
}

struct Graph {
    /// Every module of the crate, by path.
    modules: BTreeSet<Vec<String>>,
    /// (importing module, imported module, file:line of the first such import).
    edges: BTreeMap<(Vec<String>, Vec<String>), String>,
}

fn graph() -> Graph {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut modules = BTreeSet::new();
    let mut parsed = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap().to_path_buf();
        let module = module_of(&rel);
        let name = rel.file_name().unwrap().to_string_lossy().into_owned();
        // A module's tests in a sibling `tests.rs` are test code.
        if name == "tests.rs" {
            continue;
        }
        modules.insert(module.clone());
        let text = std::fs::read_to_string(f).unwrap();
        parsed.push((rel, module, name == "mod.rs", text));
    }
    let mut edges = BTreeMap::new();
    for (rel, module, is_mod, text) in &parsed {
        let code = code_of(text);
        for path in paths_in(&code, module, *is_mod) {
            // The longest prefix of the path that is a module.
            let target = (0..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| modules.contains(p))
                .unwrap_or_default();
            if &target == module {
                continue;
            }
            let line = text
                .lines()
                .position(|l| {
                    l.contains(&path.join("::")) || l.contains(path.last().map_or("", |s| s))
                })
                .map_or(0, |n| n + 1);
            edges
                .entry((module.clone(), target))
                .or_insert_with(|| format!("src/{}:{line}", rel.display()));
        }
    }
    Graph { modules, edges }
}

/// The edges between siblings implied by an edge: from the child of the two modules' nearest
/// common ancestor that holds the importer to the one that holds the imported. An edge from a
/// module to its own ancestor or descendant says nothing about siblings.
fn sibling_edge(from: &[String], to: &[String]) -> Option<(Vec<String>, Vec<String>)> {
    let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
    if common == from.len() || common == to.len() {
        return None;
    }
    Some((from[..=common].to_vec(), to[..=common].to_vec()))
}

/// Strongly connected components of more than one node (Tarjan).
fn circles(edges: &BTreeSet<(Vec<String>, Vec<String>)>) -> Vec<Vec<Vec<String>>> {
    let nodes: BTreeSet<&Vec<String>> = edges.iter().flat_map(|(a, b)| [a, b]).collect();
    let nodes: Vec<&Vec<String>> = nodes.into_iter().collect();
    let idx: BTreeMap<&Vec<String>, usize> =
        nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut adj = vec![Vec::new(); nodes.len()];
    for (a, b) in edges {
        adj[idx[a]].push(idx[b]);
    }
    struct State {
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn visit(v: usize, adj: &[Vec<usize>], s: &mut State) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for &w in &adj[v] {
            match s.index[w] {
                None => {
                    visit(w, adj, s);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(iw) if s.on_stack[w] => s.low[v] = s.low[v].min(iw),
                _ => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                s.out.push(comp);
            }
        }
    }
    let n = nodes.len();
    let mut s = State {
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(v, &adj, &mut s);
        }
    }
    s.out
        .into_iter()
        .map(|c| {
            let mut c: Vec<Vec<String>> = c.into_iter().map(|i| nodes[i].clone()).collect();
            c.sort();
            c
        })
        .collect()
}

fn name(m: &[String]) -> String {
    if m.is_empty() {
        "crate".to_string()
    } else {
        m.join("::")
    }
}

#[test]
fn no_import_circle_between_modules() {
    let g = graph();
    let mut sibling_edges = BTreeSet::new();
    for (from, to) in g.edges.keys() {
        if let Some(e) = sibling_edge(from, to) {
            sibling_edges.insert(e);
        }
    }
    let allowed = |c: &[Vec<String>]| {
        c.len() == 2
            && ALLOWED_SIBLING_CIRCLES.iter().any(|(a, b)| {
                let (a, b) = (a.to_string(), b.to_string());
                let names = [name(&c[0]), name(&c[1])];
                (names[0] == a && names[1] == b) || (names[0] == b && names[1] == a)
            })
    };
    let bad: Vec<String> = circles(&sibling_edges)
        .into_iter()
        .filter(|c| !allowed(c))
        .map(|c| {
            let members: BTreeSet<&Vec<String>> = c.iter().collect();
            let witnesses: Vec<String> = g
                .edges
                .iter()
                .filter_map(|((f, t), at)| {
                    let (sf, st) = sibling_edge(f, t)?;
                    (members.contains(&sf) && members.contains(&st))
                        .then(|| format!("    {} -> {} ({at})", name(f), name(t)))
                })
                .collect();
            format!(
                "  circle: {}\n{}",
                c.iter().map(|m| name(m)).collect::<Vec<_>>().join(", "),
                witnesses.join("\n")
            )
        })
        .collect();
    assert!(bad.is_empty(), "import circles:\n{}", bad.join("\n"));
}

#[test]
fn stages_import_only_downward() {
    let g = graph();
    let rank = |m: &[String]| m.first().and_then(|t| ORDER.iter().position(|o| o == t));
    let mut unknown = BTreeSet::new();
    let mut upward = Vec::new();
    for m in &g.modules {
        if let Some(top) = m.first()
            && m.len() == 1
            && rank(m).is_none()
        {
            unknown.insert(top.clone());
        }
    }
    for ((from, to), at) in &g.edges {
        let (Some(rf), Some(rt)) = (rank(from), rank(to)) else {
            continue;
        };
        if rt > rf {
            upward.push(format!("  {} -> {} ({at})", name(from), name(to)));
        }
        if let Some((sink, allowed)) = SINKS
            .iter()
            .find(|(s, _)| from.first().is_some_and(|t| t == s))
            && let Some(target) = to.first()
            && target != sink
            && !allowed.contains(&target.as_str())
        {
            upward.push(format!(
                "  {} -> {} ({at}): a sink reads only {}",
                name(from),
                name(to),
                allowed.join(", ")
            ));
        }
        if from.first().is_some_and(|t| t == "discover")
            && to.first().is_some_and(|t| t != "discover")
        {
            upward.push(format!(
                "  {} -> {} ({at}): discover imports nothing of the crate",
                name(from),
                name(to)
            ));
        }
    }
    assert!(
        unknown.is_empty(),
        "top-level modules missing from ORDER in tests/layout.rs: {unknown:?}"
    );
    assert!(upward.is_empty(), "upward imports:\n{}", upward.join("\n"));
}

/// Prints the graph between top-level modules (with `--nocapture`), for a reader.
#[test]
fn print_top_level_graph() {
    let g = graph();
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in g.edges.keys() {
        if let (Some(f), Some(t)) = (from.first(), to.first())
            && f != t
        {
            top.entry(f.clone()).or_default().insert(t.clone());
        }
    }
    for (f, ts) in top {
        println!("{f} -> {}", ts.into_iter().collect::<Vec<_>>().join(", "));
    }
}
