//! Scrubbing what a renderer said of secret values before it becomes a finding's message
//! (KH010, and with it every report, the job summary and the pull-request review). A failed
//! `kustomize build` quotes what it could not read: a `secretGenerator`'s literals, the lines
//! of its env files. Both ways are used: the values the generators of the kustomizations
//! involved hold (the overlay's, and those of the local bases and components it reads) are
//! masked wherever they appear, and so is what kustomize's messages quote in the places they
//! quote values, whatever it is (a remote base's generator is not read here).

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::load::{self, Document, NodeId};

/// What a masked value is written as.
const MASK: &str = "****";

/// Kustomizations read at most for one message.
const MAX_KUSTOMIZATIONS: usize = 256;

/// Bytes read at most of a kustomization or of a generator's file.
const MAX_FILE: u64 = 1 << 20;

/// Values below this length (in characters) are masked only where they stand alone (not
/// inside a longer word), so that a one-letter value does not blot out the message.
const SHORT: usize = 4;

/// `message`, what kustomize said when building the overlay in `dir`, with the values of the
/// secret generators involved masked.
pub fn kustomize_message(message: &str, dir: &Path) -> String {
    let values = generator_values(dir);
    let out = mask_values(message, &values);
    mask_quoted_shapes(&out)
}

/// A value to mask and what to write instead (a literal `KEY=value` keeps its key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Needle {
    text: String,
    instead: String,
}

/// The values of the secret generators of the kustomization in `dir` and of the local bases
/// and components it lists, each in the forms a message may quote it in.
fn generator_values(dir: &Path) -> Vec<Needle> {
    let mut out = HashSet::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut queue = vec![dir.to_path_buf()];
    while let Some(d) = queue.pop() {
        if seen.len() >= MAX_KUSTOMIZATIONS {
            break;
        }
        let Ok(canonical) = d.canonicalize() else {
            continue;
        };
        if !seen.insert(canonical.clone()) {
            continue;
        }
        let Some(text) = kustomization_text(&canonical) else {
            continue;
        };
        let loaded = load::load_text(&text);
        if !loaded.problems.is_empty() {
            // What kustomize would read cannot be known: every item of the file counts.
            for item in text.lines().filter_map(list_item) {
                literal(item, &mut out);
            }
        }
        for doc in &loaded.docs {
            let Some(root) = doc.root.filter(|&r| doc.is_mapping(r)) else {
                continue;
            };
            generators(doc, root, &canonical, &mut out);
            for key in ["resources", "bases", "components"] {
                for rel in strings(doc, doc.get(root, key)) {
                    if !rel.contains("://") && !rel.starts_with("git@") {
                        queue.push(canonical.join(rel));
                    }
                }
            }
        }
    }
    let mut needles: Vec<Needle> = out.into_iter().collect();
    needles.sort_by(|a, b| b.text.len().cmp(&a.text.len()).then(a.text.cmp(&b.text)));
    needles
}

/// The text of the kustomization file of a directory, if it has one.
fn kustomization_text(dir: &Path) -> Option<String> {
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .find_map(|name| read_limited(&dir.join(name)))
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// The values of the `secretGenerator` entries of a kustomization (`root`, in `dir`).
fn generators(doc: &Document, root: NodeId, dir: &Path, out: &mut HashSet<Needle>) {
    let Some(list) = doc.get(root, "secretGenerator") else {
        return;
    };
    for &g in doc.items(list) {
        if !doc.is_mapping(g) {
            continue;
        }
        for l in strings(doc, doc.get(g, "literals")) {
            literal(l, out);
        }
        let envs = strings(doc, doc.get(g, "envs"))
            .into_iter()
            .chain(doc.get_str(g, "env"));
        for e in envs {
            if let Some(bytes) = read_limited(&dir.join(e)) {
                env_file(&bytes, out);
            }
        }
        for f in strings(doc, doc.get(g, "files")) {
            // `[key=]path`
            let path = f.split_once('=').map_or(f, |(_, p)| p);
            if let Some(bytes) = read_limited(&dir.join(path)) {
                file_contents(&bytes, out);
            }
        }
    }
}

/// The scalars of a sequence (a lone scalar counts as one).
fn strings(doc: &Document, node: Option<NodeId>) -> Vec<&str> {
    let Some(n) = node else {
        return Vec::new();
    };
    if doc.is_sequence(n) {
        doc.items(n).iter().filter_map(|&i| doc.scalar(i)).collect()
    } else {
        doc.scalar(n).into_iter().collect()
    }
}

/// The item of a YAML list line (`- item`), if the line is one.
fn list_item(line: &str) -> Option<&str> {
    let item = line.trim_start().strip_prefix('-')?.trim();
    (!item.is_empty()).then_some(item)
}

/// A literal source, `KEY=value` (or anything kustomize refused as one).
fn literal(s: &str, out: &mut HashSet<Needle>) {
    match s.split_once('=') {
        Some((key, value)) => {
            add(s.as_bytes(), &format!("{key}={MASK}"), out);
            add(value.as_bytes(), MASK, out);
            add(unquoted(value).as_bytes(), MASK, out);
        }
        None => add(s.as_bytes(), MASK, out),
    }
}

/// The lines of an env file, and their values.
fn env_file(bytes: &[u8], out: &mut HashSet<Needle>) {
    for line in bytes.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line).trim_ascii();
        if line.is_empty() || line.starts_with(b"#") {
            continue;
        }
        let Some(eq) = line.iter().position(|&b| b == b'=') else {
            continue;
        };
        let key = String::from_utf8_lossy(&line[..eq]);
        add(line, &format!("{key}={MASK}"), out);
        let value = &line[eq + 1..];
        add(value, MASK, out);
        add(unquoted_bytes(value), MASK, out);
    }
}

/// A generator's file: its whole text and each of its lines.
fn file_contents(bytes: &[u8], out: &mut HashSet<Needle>) {
    add(bytes.trim_ascii(), MASK, out);
    for line in bytes.split(|&b| b == b'\n') {
        add(line.trim_ascii(), MASK, out);
    }
}

/// Adds `value` in the forms a message may hold it in: as text (invalid UTF-8 replaced) and
/// as Go quotes it (`\xff`, `\"`, `\n`).
fn add(value: &[u8], instead: &str, out: &mut HashSet<Needle>) {
    let text = String::from_utf8_lossy(value);
    for form in [text.into_owned(), go_quoted(value)] {
        let t = form.trim();
        if t.is_empty() || t.chars().all(|c| c == '*') {
            continue;
        }
        out.insert(Needle {
            text: t.to_string(),
            instead: instead.to_string(),
        });
    }
}

fn unquoted(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

fn unquoted_bytes(s: &[u8]) -> &[u8] {
    let s = s.trim_ascii();
    for q in [b'"', b'\''] {
        if s.len() >= 2 && s[0] == q && s[s.len() - 1] == q {
            return &s[1..s.len() - 1];
        }
    }
    s
}

/// The inside of Go's `%q` quoting of `bytes`.
fn go_quoted(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Reads at most `MAX_FILE` bytes of a regular file (a device or a pipe is never opened).
fn read_limited(path: &Path) -> Option<Vec<u8>> {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(MAX_FILE)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(bytes)
}

/// `message` with every needle masked (longest first); a short one only where it stands
/// alone.
fn mask_values(message: &str, needles: &[Needle]) -> String {
    let mut out = message.to_string();
    for n in needles {
        if !out.contains(&n.text) {
            continue;
        }
        if n.text.chars().count() >= SHORT {
            out = out.replace(&n.text, &n.instead);
            continue;
        }
        let mut kept = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(i) = rest.find(&n.text) {
            let end = i + n.text.len();
            let alone = !rest[..i]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
                && !rest[end..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric);
            kept.push_str(&rest[..i]);
            kept.push_str(if alone { &n.instead } else { &n.text });
            rest = &rest[end..];
        }
        kept.push_str(rest);
        out = kept;
    }
    out
}

/// `message` with what kustomize's messages quote in the places that hold values masked:
/// `invalid literal source X, expected key=value`, `literal sources [A=x B=y]`, an env file's
/// line as bytes (`line [80 65 …]`) and as text (`has invalid utf8 bytes : X`).
fn mask_quoted_shapes(message: &str) -> String {
    message
        .split('\n')
        .map(|line| {
            let l = mask_between(line, "invalid literal source ", ", expected", |_| {
                MASK.to_string()
            });
            let l = mask_between(&l, "literal sources [", "]", |items| {
                items
                    .split(' ')
                    .map(|i| match i.split_once('=') {
                        Some((k, _)) => format!("{k}={MASK}"),
                        None => MASK.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            let l = mask_byte_lists(&l);
            mask_to_end(&l, "invalid utf8 bytes : ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `line` with what stands between `open` and `close` (the first `close` after it) rewritten
/// by `mask`, wherever `open` occurs.
fn mask_between(line: &str, open: &str, close: &str, mask: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find(open) {
        let from = i + open.len();
        let Some(len) = rest[from..].find(close) else {
            break;
        };
        out.push_str(&rest[..from]);
        out.push_str(&mask(&rest[from..from + len]));
        rest = &rest[from + len..];
    }
    out.push_str(rest);
    out
}

/// `line` with what follows `marker` masked to the end of the line (a `KEY=` before the
/// value kept, and the exit status keelhaul adds after it).
fn mask_to_end(line: &str, marker: &str) -> String {
    let Some(i) = line.find(marker) else {
        return line.to_string();
    };
    let from = i + marker.len();
    let rest = &line[from..];
    let tail = [" (exit status", " (killed by"]
        .iter()
        .filter_map(|t| rest.rfind(t))
        .min()
        .unwrap_or(rest.len());
    let masked = match rest[..tail].split_once('=') {
        Some((k, _)) => format!("{k}={MASK}"),
        None => MASK.to_string(),
    };
    format!("{}{masked}{}", &line[..from], &rest[tail..])
}

/// `line` with every list of two or more small decimal numbers in brackets (Go's way of
/// printing bytes: `[80 65 83]`) written as `[****]`.
fn mask_byte_lists(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find('[') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let len = after.find(']').unwrap_or(after.len());
        let inner = &after[..len];
        let numbers: Vec<&str> = inner.split(' ').collect();
        let bytes = len < after.len()
            && numbers.len() >= 2
            && numbers
                .iter()
                .all(|n| (1..=3).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()));
        if bytes {
            out.push_str(&format!("[{MASK}]"));
            rest = &after[len + 1..];
        } else {
            out.push('[');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needles(f: impl Fn(&mut HashSet<Needle>)) -> Vec<Needle> {
        let mut set = HashSet::new();
        f(&mut set);
        let mut v: Vec<Needle> = set.into_iter().collect();
        v.sort_by(|a, b| b.text.len().cmp(&a.text.len()).then(a.text.cmp(&b.text)));
        v
    }

    #[test]
    fn literals_keep_their_keys() {
        let n = needles(|o| literal("PASSWORD=\"hunter2 x\"", o));
        let m = mask_values("bad [PASSWORD=\"hunter2 x\"] and hunter2 x", &n);
        assert_eq!(m, "bad [PASSWORD=****] and ****");
    }

    #[test]
    fn env_lines_are_masked_as_text_and_as_go_quotes_them() {
        let n = needles(|o| env_file(b"# a comment\nUSER=admin\nPW=\xffsecret-pw\n", o));
        let m = mask_values(
            "line has invalid utf8 bytes : PW=\\xffsecret-pw; user admin",
            &n,
        );
        assert_eq!(m, "line has invalid utf8 bytes : PW=****; user ****");
        assert!(!n.iter().any(|n| n.text.contains("a comment")));
    }

    #[test]
    fn short_values_are_masked_only_where_they_stand_alone() {
        let n = needles(|o| literal("N=1", o));
        assert_eq!(
            mask_values("source N=1 in 10 and 1", &n),
            "source N=**** in 10 and ****"
        );
    }

    #[test]
    fn files_are_masked_whole_and_line_by_line() {
        let n = needles(|o| file_contents(b"-----BEGIN KEY-----\nMIIEabc\n-----END KEY-----\n", o));
        let m = mask_values("cannot read MIIEabc\\n-----END", &n);
        assert!(!m.contains("MIIEabc"), "{m}");
    }

    #[test]
    fn the_places_kustomize_quotes_values_are_masked_whatever_they_hold() {
        let said = "loading KV pairs: literal sources [A=b c]: invalid literal source c, expected key=value (exit status 1)\nenv source files: [db.env]: line [80 65 61 255 120] has invalid utf8 bytes : PA=\\xffx (exit status 1)";
        assert_eq!(
            mask_quoted_shapes(said),
            "loading KV pairs: literal sources [A=**** ****]: invalid literal source ****, expected key=value (exit status 1)\nenv source files: [db.env]: line [****] has invalid utf8 bytes : PA=**** (exit status 1)"
        );
        // Lists of other things stay.
        assert_eq!(mask_byte_lists("[db.env] [1] [a b]"), "[db.env] [1] [a b]");
    }

    #[test]
    fn the_generators_of_bases_are_read_and_remote_ones_skipped() {
        let tmp = super::super::TempDir::new().unwrap();
        let d = tmp.path();
        let write = |p: &str, t: &[u8]| {
            let p = d.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, t).unwrap();
        };
        write(
            "overlay/kustomization.yaml",
            b"resources:\n- ../base\n- https://example.com/x\ncomponents:\n- ../comp\n",
        );
        write(
            "base/kustomization.yaml",
            b"secretGenerator:\n- name: a\n  envs: [a.env]\n  files: [tls.key=key.pem]\n",
        );
        write("base/a.env", b"TOKEN=base-token-value\n");
        write("base/key.pem", b"pem-contents-value\n");
        write(
            "comp/kustomization.yaml",
            b"kind: Component\nsecretGenerator:\n- name: c\n  literals: [K=comp-literal-value]\n",
        );
        let said = "base-token-value pem-contents-value comp-literal-value";
        assert_eq!(
            kustomize_message(said, &d.join("overlay")),
            "**** **** ****"
        );
        // A kustomization that does not parse: each of its list items counts.
        write(
            "broken/kustomization.yaml",
            b"secretGenerator:\n- name: b\n  literals:\n  - K=broken-value\n   - bad: [\n",
        );
        assert_eq!(
            kustomize_message("x broken-value", &d.join("broken")),
            "x ****"
        );
    }
}
