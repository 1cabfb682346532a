//! The loader against Kubernetes' own YAML reader: over every document of the shared corpus
//! (`../shared/corpus`) and a few thousand mutants of them, keelhaul and kubectl agree on
//! whether a document can be read at all, and on what a readable document holds.
//!
//! The oracle is `kubectl patch --local --type merge -p {} -o json -f FILE`: a patch that
//! changes nothing, applied without a cluster, to the objects kubectl reads from the file. It
//! reads the file as `kubectl apply -f` does (cli-runtime's stream visitor: the YAML reader of
//! k8s.io/apimachinery splits the stream, sigs.k8s.io/yaml converts each document to JSON with
//! go-yaml v2's YAML 1.1 resolution, `yes` is `true` and `0755` is 493), and prints each
//! object as JSON. `kubectl kustomize` was not used: kustomize reads with go-yaml v3 (YAML 1.2)
//! and rewrites `privileged: yes` as the string `"yes"`, which is not what `kubectl apply -f`
//! sends to the API server.
//!
//! Each case (one document of a corpus file, split where kubectl splits it; a whole JSON
//! file; or a mutant of a document) is its own file, so that one unreadable case fails alone;
//! batches of hundreds run in one kubectl call, each case followed by the same separator
//! object, so that every printed object is attributed to its case (a batch whose separators
//! do not all come out runs case by case). kubectl names the file of each error.
//!
//! Compared, per case:
//! - accept/reject: kubectl's "error parsing FILE" (the YAML or JSON could not be converted)
//!   against a syntax problem (KH001) or the alias limit (KH003) of keelhaul's loader;
//! - values, where both read it: keelhaul's `Document::to_json` of each document against the
//!   objects kubectl prints. kubectl prints only what it can decode as an object (apiVersion
//!   and kind strings, `metadata` an ObjectMeta); for a document without a kind its error
//!   holds the JSON it read, which is compared too. Normalisations, each because kubectl's
//!   output differs from what it read and not from what keelhaul read:
//!   - numbers are compared by value (kubectl's objects keep numbers as int64 or float64:
//!     `1e3` is printed `1000`, an integer beyond int64 as a float);
//!   - a document with an `items` list is a list to kubectl, which prints its items instead,
//!     each taking the list's apiVersion and kind when it has none (and leaves out, without
//!     a word, an item it cannot make an object of: a list whose item count differs is not
//!     compared);
//!   - documents that are null (empty, comments only) print nothing;
//!   - an empty or null `metadata.namespace` is no namespace to kubectl, which drops it.
//!
//! Every disagreement must be one of `KNOWN`, with the reason it is right; any other fails
//! the test, which prints it with the case that shows it. Other seeds, with five times the
//! mutants, were run while the loader was made to agree: what they found is fixed in the
//! loader or listed in `KNOWN`. Running with `--nocapture` prints the figures.
//!
//! Without the corpus or kubectl the test says it is skipped, and fails when `CI=true`.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use keelhaul::load::{self, LoadProblem};
use serde_json::Value;

/// The seed of the mutants: fixed, so that every run tests the same cases.
const SEED: u64 = 0x6b65_656c_6861_756c;
/// How many mutants are made.
const MUTANTS: usize = 4000;
/// Documents larger than this are not mutated (a mutant of a small document says more).
const MAX_MUTATED: usize = 12 * 1024;
/// A kubectl call reads at most this many cases, or this many bytes.
const BATCH_CASES: usize = 600;
const BATCH_BYTES: usize = 3 << 20;
/// How long one kubectl call may take before the test gives up on it.
const KUBECTL_TIME_LIMIT: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------

/// One text both readers are given.
struct Case {
    /// Where it comes from: `corpus-relative/path.yaml#3` (the 0-based document), plus the
    /// mutation for a mutant.
    origin: String,
    text: String,
    /// Read as JSON by both (its first non-space character is `{`): kept whole.
    json: bool,
    mutant: bool,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

fn manifest_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            manifest_files(&p, out);
        } else if keelhaul::discover::is_manifest_name(&p) {
            out.push(p);
        }
    }
}

/// A YAML stream's documents as Kubernetes' YAMLReader (k8s.io/apimachinery/pkg/util/yaml)
/// splits it: at each line that starts with `---` and has nothing after it but white space
/// or a comment. A `---` line followed by anything else is an error to that reader (an
/// invalid document separator): such a line stays in its document, where kubectl refuses it.
fn kube_documents(text: &str) -> Vec<String> {
    let mut docs = Vec::new();
    let mut current = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("---") {
            let rest = rest.trim();
            if rest.is_empty() || rest.starts_with('#') {
                if !current.is_empty() {
                    docs.push(std::mem::take(&mut current));
                }
                continue;
            }
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        docs.push(current);
    }
    docs
}

/// Every document of the corpus, and how many files it came from.
fn corpus_cases(root: &Path) -> (Vec<Case>, usize) {
    let mut files = Vec::new();
    manifest_files(root, &mut files);
    let mut cases = Vec::new();
    let mut read = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        // Binary and non-UTF-8 files are not manifests to either reader.
        let Ok(text) = load::decode(&bytes) else {
            continue;
        };
        read += 1;
        let rel = path.strip_prefix(root).unwrap().display().to_string();
        if text.trim_start().starts_with('{') {
            cases.push(Case {
                origin: rel,
                text: text.to_string(),
                json: true,
                mutant: false,
            });
            continue;
        }
        for (i, doc) in kube_documents(&text).into_iter().enumerate() {
            cases.push(Case {
                origin: format!("{rel}#{i}"),
                text: doc,
                json: false,
                mutant: false,
            });
        }
    }
    (cases, read)
}

// ---------------------------------------------------------------------------------------
// Mutants
// ---------------------------------------------------------------------------------------

/// splitmix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Plain scalars that YAML 1.1 (Kubernetes' reader) and YAML 1.2 read differently, or that
/// are numbers, nulls or booleans in some spelling, and a few that are not scalars at all.
const SPECIAL_VALUES: &[&str] = &[
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Y",
    "N",
    "True",
    "FALSE",
    "On",
    "NO",
    "~",
    "null",
    "Null",
    "NULL",
    "0755",
    "08",
    "0o17",
    "0x1F",
    "0b101",
    "1_000",
    "+12",
    "-0",
    "1e3",
    "1E-3",
    "1.",
    ".5",
    "3.14",
    ".inf",
    "-.inf",
    "+.inf",
    ".nan",
    ".NaN",
    "1.2.3",
    "2001-12-14",
    "12:30:00",
    "0x_1F",
    "9223372036854775808",
    "-9223372036854775809",
    "12345678901234567890",
    "\"yes\"",
    "'0755'",
    "!!str 1",
    "!!int \"3\"",
    "!!float 1",
    "!!bool yes",
    "!!null x",
    "!custom x",
    "<<",
    "=",
    "- x",
    "[a, b]",
    "{a: 1}",
    "[a, {b: c}]",
    "{a: [1, 2]",
    "[]",
    "{}",
    "&anchor x",
    "*anchor",
    "\"\\x41\\u00e9\\U0001F600\"",
    "\"\\ud800\"",
    "\"\\/\"",
    "\"\\N\\_\\e\\L\\P\"",
    "\"\\q\"",
    "'it''s'",
    "\"a\\\"b\"",
    "|",
    "|-",
    ">+",
    "|2",
    "? x",
    "x: y",
    "a #b",
    "a#b",
    "@x",
    "`x",
    "%x",
    "!x",
    "& x",
    "\"",
    "'",
    "\"\"",
    "''",
    "[a?]",
    "{a: :b}",
    "[>x]",
    "[a:b]",
    "{a:b}",
    "[a, [b, {c: d}]]",
    "&a.b x",
    "*a.b",
    "!#x",
    "!<tag:x> y",
    "\"x\"# c",
    "[x]#c",
    "\"it\\'s\"",
    "x\ty",
    "\"\\/\"",
];

/// Keys that are not strings to Kubernetes' reader (booleans, numbers, null) or are special.
const SPECIAL_KEYS: &[&str] = &[
    "y",
    "n",
    "on",
    "off",
    "yes",
    "No",
    "true",
    "~",
    "null",
    "\"\"",
    "1",
    "0755",
    "1.5",
    "1e3",
    ".inf",
    "-.inf",
    ".nan",
    "-0",
    "08",
    "<<",
    "\"<<\"",
    "? x",
    "[a]",
    "{a: 1}",
    "&k key",
    "!!str 1",
    "\"quoted\"",
    "'single'",
    "a b",
    "a:b",
    "-",
    "? ",
];

/// Characters inserted at random.
const SPECIAL_CHARS: &[&str] = &[
    "*", "&", "!", "%", "@", "`", "|", ">", "?", "[", "]", "{", "}", "\"", "'", "\\", ",", "#",
    "-", ":", ": ", " #", "\t", "\u{1}", "\u{7f}", "\u{feff}", "\u{85}", "\u{2028}", "\u{a0}", "é",
    "\r", "\n", " ",
];

/// Lines inserted at random.
const SPECIAL_LINES: &[&str] = &[
    "---",
    "--- # c",
    "--- x",
    "---x",
    "--- |",
    "...",
    "# comment",
    "",
    "  ",
    "\t",
    "%YAML 1.1",
    "%YAML 1.2",
    "%TAG ! tag:x,2000:",
    "? x",
    ": y",
    "- z",
    "<<: {}",
    "x",
    "[",
    "}",
];

/// The lines of a text, each with its line break.
fn lines(text: &str) -> Vec<String> {
    text.split_inclusive('\n').map(str::to_string).collect()
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Where a line's value starts: after `key: ` (or after `- `), if it has one.
fn value_start(line: &str) -> Option<usize> {
    let body = line.trim_end_matches(['\n', '\r']);
    let i = indent_of(body);
    let rest = &body[i..];
    let rest_at = if rest.starts_with("- ") { i + 2 } else { i };
    let after_dash = &body[rest_at..];
    match after_dash.find(": ") {
        Some(c) if !after_dash[..c].contains(['"', '\'', '#', '{', '[']) => {
            Some(rest_at + c + 2).filter(|&v| v < body.len())
        }
        _ if rest_at > i && rest_at < body.len() => Some(rest_at),
        _ => None,
    }
}

/// Where a line's key starts and ends, if it has `key: ` or `key:` at its end.
fn key_range(line: &str) -> Option<(usize, usize)> {
    let body = line.trim_end_matches(['\n', '\r']);
    let mut i = indent_of(body);
    if body[i..].starts_with("- ") {
        i += 2;
    }
    let rest = &body[i..];
    let c = rest
        .find(": ")
        .or_else(|| rest.strip_suffix(':').map(str::len))?;
    (c > 0 && !rest[..c].contains(['"', '\'', '#', '{', '['])).then_some((i, i + c))
}

/// A random char boundary of `s`.
fn boundary(rng: &mut Rng, s: &str) -> usize {
    let bounds: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
    *rng.pick(&bounds)
}

/// Applies one random mutation to `text`: the new text and what was done, or `None` when the
/// chosen mutation does not apply to this text.
fn mutate_once(rng: &mut Rng, text: &str) -> Option<(String, String)> {
    let mut ls = lines(text);
    if ls.is_empty() {
        return None;
    }
    let n = rng.below(ls.len());
    let line = ls[n].clone();
    let body_len = line.trim_end_matches(['\n', '\r']).len();
    let what = match rng.below(16) {
        0 => {
            let old = indent_of(&line);
            let new = match rng.below(5) {
                0 => 0,
                1 => old + 1,
                2 => old + 2,
                3 => old.saturating_sub(1),
                _ => old.saturating_sub(2),
            };
            ls[n] = format!("{}{}", " ".repeat(new), &line[old..]);
            format!("indented line {} from {old} to {new}", n + 1)
        }
        1 => {
            let at = boundary(rng, &line[..body_len]);
            let c = line[at..].chars().next()?;
            ls[n].replace_range(at..at + c.len_utf8(), "");
            format!("deleted {c:?} at line {} column {at}", n + 1)
        }
        2 => {
            ls.insert(n, line.clone());
            format!("doubled line {}", n + 1)
        }
        3 => {
            let v = value_start(&line)?;
            let value = &line[v..body_len];
            let q = if rng.below(2) == 0 { '"' } else { '\'' };
            ls[n] = format!("{}{q}{value}{q}{}", &line[..v], &line[body_len..]);
            format!("quoted the value of line {} with {q}", n + 1)
        }
        4 => {
            let v = value_start(&line)?;
            let s = rng.pick(SPECIAL_VALUES);
            ls[n] = format!("{}{s}{}", &line[..v], &line[body_len..]);
            format!("line {} value := {s}", n + 1)
        }
        5 => {
            let (a, b) = key_range(&line)?;
            let s = rng.pick(SPECIAL_KEYS);
            ls[n] = format!("{}{s}{}", &line[..a], &line[b..]);
            format!("line {} key := {s}", n + 1)
        }
        6 => {
            let at = boundary(rng, &line[..body_len]);
            let s = rng.pick(SPECIAL_CHARS);
            ls[n].insert_str(at, s);
            format!("inserted {s:?} at line {} column {at}", n + 1)
        }
        7 => {
            let s = rng.pick(SPECIAL_LINES);
            ls.insert(n, format!("{s}\n"));
            format!("inserted the line {s:?} before line {}", n + 1)
        }
        8 => {
            if !line.ends_with('\n') {
                return None;
            }
            ls[n].pop();
            format!("joined line {} with the next", n + 1)
        }
        9 => return split_scalar(rng, &mut ls, n).map(|w| (ls.concat(), w)),
        10 => {
            let old = indent_of(&line);
            let tabs = 1 + rng.below(2);
            ls[n] = format!("{}{}", "\t".repeat(tabs), &line[old.min(tabs * 2)..]);
            format!("tab-indented line {}", n + 1)
        }
        11 => return anchor_and_alias(rng, &mut ls, n).map(|w| (ls.concat(), w)),
        12 => return block_scalar(rng, &mut ls, n).map(|w| (ls.concat(), w)),
        13 => {
            let v = value_start(&line)?;
            let value = &line[v..body_len];
            let at = v + boundary(rng, value);
            ls[n].insert_str(at, ": ");
            format!("inserted \": \" at line {} column {at}", n + 1)
        }
        14 => {
            let (a, b) = key_range(&line)?;
            let key = line[a..b].to_string();
            let long = key.repeat(1100 / key.len() + 1);
            ls[n] = format!("{}{long}{}", &line[..a], &line[b..]);
            format!("line {} key made {} characters long", n + 1, long.len())
        }
        _ => {
            let crlf: String = ls.iter().map(|l| l.replace('\n', "\r\n")).collect();
            return Some((crlf, "CRLF line ends".into()));
        }
    };
    Some((ls.concat(), what))
}

/// Breaks a line's value over two lines, the second indented anywhere from column 0 to past
/// the value: quoted scalars continued below their block (the reported case), plain
/// multi-line scalars, and what neither reader accepts.
fn split_scalar(rng: &mut Rng, ls: &mut [String], n: usize) -> Option<String> {
    let line = ls[n].clone();
    let body = line.trim_end_matches(['\n', '\r']);
    let v = value_start(&line)?;
    let mut value = body[v..].to_string();
    if !value.contains(' ') || rng.below(3) == 0 {
        // Make a quoted value with a space to break.
        let q = if rng.below(3) == 0 { '\'' } else { '"' };
        value = format!("{q}{} continued{q}", value.trim_matches(['"', '\'']));
    }
    let spaces: Vec<usize> = value.match_indices(' ').map(|(i, _)| i).collect();
    let at = *rng.pick(&spaces);
    let indent = match rng.below(5) {
        0 => 0,
        1 => 1,
        2 => indent_of(body).saturating_sub(1),
        3 => indent_of(body),
        _ => v + 1,
    };
    ls[n] = format!(
        "{}{}\n{}{}{}",
        &body[..v],
        &value[..at],
        " ".repeat(indent),
        &value[at + 1..],
        &line[body.len()..]
    );
    Some(format!(
        "broke the value of line {} onto a line indented {indent}",
        n + 1
    ))
}

/// Anchors a line's value and uses it by alias on a later line (as a value, or merged).
fn anchor_and_alias(rng: &mut Rng, ls: &mut [String], n: usize) -> Option<String> {
    let v = value_start(&ls[n])?;
    let later: Vec<usize> = (n + 1..ls.len())
        .filter(|&m| value_start(&ls[m]).is_some() || key_range(&ls[m]).is_some())
        .collect();
    if later.is_empty() {
        return None;
    }
    let m = *rng.pick(&later);
    ls[n].insert_str(v, "&a ");
    if let Some(w) = value_start(&ls[m]).filter(|_| rng.below(2) == 0) {
        let body_len = ls[m].trim_end_matches(['\n', '\r']).len();
        ls[m].replace_range(w..body_len, "*a");
        Some(format!(
            "anchored line {} and aliased it on line {}",
            n + 1,
            m + 1
        ))
    } else {
        let (a, _) = key_range(&ls[m])?;
        let body_len = ls[m].trim_end_matches(['\n', '\r']).len();
        ls[m].replace_range(a..body_len, "<<: *a");
        Some(format!(
            "anchored line {} and merged it on line {}",
            n + 1,
            m + 1
        ))
    }
}

/// Replaces a line's value with a block scalar, indented right or wrong.
fn block_scalar(rng: &mut Rng, ls: &mut [String], n: usize) -> Option<String> {
    let line = ls[n].clone();
    let body = line.trim_end_matches(['\n', '\r']);
    let v = value_start(&line)?;
    let header = *rng.pick(&["|", ">", "|-", ">-", "|+", "|2", "|1-", ">3"]);
    let base = indent_of(body);
    let indent = match rng.below(4) {
        0 => base,
        1 => base + 1,
        2 => base + 2,
        _ => base + 4,
    };
    let pad = " ".repeat(indent);
    let extra = if rng.below(3) == 0 { " " } else { "" };
    ls[n] = format!(
        "{}{header}\n{pad}first line\n{pad}{extra}second: line\n\n{pad}# not a comment\n",
        &body[..v]
    );
    Some(format!(
        "line {} value := block scalar {header} indented {indent}",
        n + 1
    ))
}

/// `count` mutants of documents of the corpus, with the fixed seed.
fn mutants(corpus: &[Case], count: usize) -> Vec<Case> {
    let sources: Vec<&Case> = corpus
        .iter()
        .filter(|c| c.text.len() <= MAX_MUTATED && c.text.lines().count() >= 3)
        .collect();
    assert!(sources.len() > 100, "too few documents to mutate");
    let mut rng = Rng(SEED);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let source = *rng.pick(&sources);
        let rounds = if rng.below(4) == 0 { 2 } else { 1 };
        let mut text = source.text.clone();
        let mut what = Vec::new();
        for _ in 0..rounds {
            if let Some((t, w)) = mutate_once(&mut rng, &text) {
                text = t;
                what.push(w);
            }
        }
        if what.is_empty() || text == source.text {
            continue;
        }
        out.push(Case {
            origin: format!("{} mutated: {}", source.origin, what.join("; ")),
            json: text.trim_start().starts_with('{'),
            text,
            mutant: true,
        });
    }
    out
}

// ---------------------------------------------------------------------------------------
// kubectl
// ---------------------------------------------------------------------------------------

/// What kubectl made of one case.
#[derive(Debug, Default, Clone)]
struct KubeRead {
    /// The objects it printed, in order.
    objects: Vec<Value>,
    /// "error parsing FILE: …": the text could not be read as YAML or JSON.
    refused: Option<String>,
    /// "unable to decode "FILE": …": read, but no object kubectl can decode.
    undecodable: Vec<String>,
}

const SEPARATOR_NAME: &str = "keelhaul-test-separator";

fn case_file(id: usize, case: &Case) -> String {
    format!("c{id:06}.{}", if case.json { "json" } else { "yaml" })
}

/// The object kubectl prints after each case: the same file, given after every case.
const SEPARATOR_FILE: &str = "separator.json";

/// Writes every case, and the separator, into `dir`.
fn write_cases(dir: &Path, cases: &[Case]) {
    std::fs::write(dir.join("kubeconfig"), "").unwrap();
    let sep = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"{SEPARATOR_NAME}\"}}}}"
    );
    std::fs::write(dir.join(SEPARATOR_FILE), sep).unwrap();
    for (id, case) in cases.iter().enumerate() {
        std::fs::write(dir.join(case_file(id, case)), &case.text).unwrap();
    }
}

/// Runs kubectl on the cases `ids` (files already in `dir`): its stdout and stderr.
fn run_kubectl(dir: &Path, ids: &[usize], cases: &[Case]) -> (Vec<u8>, String) {
    let mut cmd = Command::new("kubectl");
    cmd.args([
        "patch", "--local", "--type", "merge", "-p", "{}", "-o", "json",
    ]);
    for &id in ids {
        cmd.args(["-f", &case_file(id, &cases[id])]);
        cmd.args(["-f", SEPARATOR_FILE]);
    }
    // No kubeconfig, no credentials, no cluster: `--local` needs none.
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("KUBECONFIG", dir.join("kubeconfig"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("kubectl could not be started");
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        out_pipe.read_to_end(&mut b).map(|_| b)
    });
    let mut err = String::new();
    let err_reader = std::thread::spawn(move || err_pipe.read_to_string(&mut err).map(|_| err));
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > KUBECTL_TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "kubectl took over {KUBECTL_TIME_LIMIT:?} on {} cases",
                ids.len()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = reader.join().unwrap().unwrap();
    let err = err_reader.join().unwrap().unwrap();
    (out, err)
}

/// The case id a file name of ours names.
fn id_of_file(name: &str) -> Option<usize> {
    name.strip_prefix('c')?.split('.').next()?.parse().ok()
}

/// Attributes kubectl's output to the cases `ids`; `None` when it cannot (a separator
/// missing, or an error line this test does not understand): the caller then runs each
/// case alone.
fn attribute(ids: &[usize], out: &[u8], err: &str) -> Option<Vec<KubeRead>> {
    let mut reads = vec![KubeRead::default(); ids.len()];
    let mut at = 0;
    for v in serde_json::Deserializer::from_slice(out).into_iter::<Value>() {
        let v = v.ok()?;
        if v["kind"] == "ConfigMap" && v["metadata"]["name"] == SEPARATOR_NAME {
            at += 1;
        } else {
            reads.get_mut(at)?.objects.push(v);
        }
    }
    if at != ids.len() {
        return None;
    }
    let index: BTreeMap<usize, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let mut last: Option<(usize, bool)> = None;
    for line in err.lines().filter(|l| !l.trim().is_empty()) {
        let line = line.strip_prefix("error: ").unwrap_or(line);
        if let Some(rest) = line.strip_prefix("error parsing ") {
            let (file, message) = rest.split_once(": ")?;
            let i = *index.get(&id_of_file(file)?)?;
            reads[i].refused = Some(message.to_string());
            last = Some((i, true));
        } else if let Some(rest) = line.strip_prefix("unable to decode \"") {
            let (file, message) = rest.split_once("\": ")?;
            let i = *index.get(&id_of_file(file)?)?;
            reads[i].undecodable.push(message.to_string());
            last = Some((i, false));
        } else {
            // A message that runs over several lines.
            let (i, refused) = last?;
            let m = if refused {
                reads[i].refused.as_mut()?
            } else {
                reads[i].undecodable.last_mut()?
            };
            m.push('\n');
            m.push_str(line);
        }
    }
    Some(reads)
}

/// What kubectl makes of every case: batches on two threads, each case alone where a
/// batch's output cannot be attributed.
fn kubectl_reads(dir: &Path, cases: &[Case]) -> Vec<KubeRead> {
    let mut batches: Vec<Vec<usize>> = vec![Vec::new()];
    let mut bytes = 0;
    for (id, c) in cases.iter().enumerate() {
        let last = batches.last_mut().unwrap();
        if !last.is_empty() && (last.len() >= BATCH_CASES || bytes + c.text.len() > BATCH_BYTES) {
            batches.push(Vec::new());
            bytes = 0;
        }
        bytes += c.text.len();
        batches.last_mut().unwrap().push(id);
    }
    let next = AtomicUsize::new(0);
    let results: Vec<Vec<(usize, KubeRead)>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut got = Vec::new();
                    loop {
                        let b = next.fetch_add(1, Ordering::SeqCst);
                        let Some(ids) = batches.get(b) else { break };
                        let (out, err) = run_kubectl(dir, ids, cases);
                        let reads = attribute(ids, &out, &err).unwrap_or_else(|| {
                            ids.iter().map(|&id| alone(dir, id, cases)).collect()
                        });
                        got.extend(ids.iter().copied().zip(reads));
                    }
                    got
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mut reads = vec![KubeRead::default(); cases.len()];
    for (id, r) in results.into_iter().flatten() {
        reads[id] = r;
    }
    reads
}

/// One case run by itself; its output must be understood.
fn alone(dir: &Path, id: usize, cases: &[Case]) -> KubeRead {
    let (out, err) = run_kubectl(dir, &[id], cases);
    attribute(&[id], &out, &err)
        .and_then(|r| r.into_iter().next())
        .unwrap_or_else(|| {
            panic!(
                "kubectl's answer on {} is not understood:\nstdout: {}\nstderr: {err}",
                cases[id].origin,
                String::from_utf8_lossy(&out)
            )
        })
}

// ---------------------------------------------------------------------------------------
// Comparing
// ---------------------------------------------------------------------------------------

/// What keelhaul made of one case.
struct OurRead {
    /// Why it was refused (a syntax problem or the alias limit), with the position.
    refused: Option<String>,
    /// Each document's JSON.
    values: Vec<Value>,
}

fn our_read(case: &Case) -> OurRead {
    // As a file's bytes are read: a byte order mark that starts them goes.
    let text = load::decode(case.text.as_bytes()).expect("the cases are UTF-8 text");
    let l = load::load_text(&text);
    let refused = l.problems.iter().find_map(|p| match p {
        LoadProblem::Syntax { pos, message } => {
            Some(format!("{}:{}: {message}", pos.line, pos.col))
        }
        LoadProblem::AliasBudget { .. } => Some("the alias limit".into()),
        LoadProblem::DuplicateKey { .. } => None,
    });
    let values = l
        .docs
        .iter()
        .filter_map(|d| {
            let root = d.root?;
            Some(d.to_json(root).unwrap_or_else(|u| {
                panic!("{}: a loaded document does not convert: {u:?}", case.origin)
            }))
        })
        .collect();
    OurRead { refused, values }
}

/// The objects kubectl prints for documents read as `values`: null documents print nothing;
/// a document with an `items` list prints its items, each with the list's apiVersion and
/// kind where it has none.
fn as_kubectl_prints(values: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for v in values {
        match v.get("items").and_then(Value::as_array) {
            _ if v.is_null() => {}
            Some(items) => {
                for item in items {
                    let mut item = item.clone();
                    if let Some(o) = item.as_object_mut() {
                        for k in ["apiVersion", "kind"] {
                            if let (false, Some(x)) = (o.contains_key(k), v.get(k)) {
                                o.insert(k.to_string(), x.clone());
                            }
                        }
                    }
                    out.push(item);
                }
            }
            None => out.push(v.clone()),
        }
    }
    for o in &mut out {
        if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut)
            && (meta.get("namespace")).is_some_and(|n| n.is_null() || n.as_str() == Some(""))
        {
            meta.remove("namespace");
        }
    }
    out
}

fn numbers_equal(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => x == y,
        _ => a.as_f64() == b.as_f64(),
    }
}

/// Where `ours` and `theirs` first differ (numbers by value), as `path: ours ≠ theirs`.
fn first_difference(ours: &Value, theirs: &Value, path: &str) -> Option<String> {
    let short = |v: &Value| {
        let s = v.to_string();
        if s.chars().count() > 120 {
            format!("{}…", s.chars().take(120).collect::<String>())
        } else {
            s
        }
    };
    match (ours, theirs) {
        (Value::Number(a), Value::Number(b)) if numbers_equal(a, b) => None,
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            keys.into_iter().find_map(|k| {
                let p = format!("{path}.{k}");
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => first_difference(x, y, &p),
                    (Some(x), None) => Some(format!("{p}: {} ≠ (absent)", short(x))),
                    (None, Some(y)) => Some(format!("{p}: (absent) ≠ {}", short(y))),
                    (None, None) => None,
                }
            })
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, &format!("{path}[{i}]"))),
        _ if ours == theirs => None,
        _ => Some(format!("{path}: {} ≠ {}", short(ours), short(theirs))),
    }
}

/// The JSON kubectl read, from its error on a document that has no kind.
fn json_of_kindless(message: &str) -> Option<Value> {
    let rest = message.strip_prefix("Object 'Kind' is missing in '")?;
    serde_json::from_str(rest.strip_suffix('\'')?).ok()
}

enum Disagreement {
    /// keelhaul refuses what kubectl reads (and says why it decodes no object of it, if so).
    OursRefused {
        ours: String,
        undecodable: Vec<String>,
    },
    /// kubectl refuses what keelhaul reads.
    TheirsRefused { theirs: String },
    /// Both read it, the values differ.
    Values { difference: String },
}

/// How one case came out.
enum Outcome {
    BothRefused,
    /// Both read it; how many objects were compared (0: kubectl decoded no object).
    BothRead {
        compared: usize,
    },
    Disagree(Disagreement),
}

fn compare(case: &Case, theirs: &KubeRead) -> Outcome {
    let ours = our_read(case);
    match (&ours.refused, &theirs.refused) {
        (Some(_), Some(_)) => return Outcome::BothRefused,
        (Some(o), None) => {
            return Outcome::Disagree(Disagreement::OursRefused {
                ours: o.clone(),
                undecodable: theirs.undecodable.clone(),
            });
        }
        (None, Some(t)) => {
            return Outcome::Disagree(Disagreement::TheirsRefused { theirs: t.clone() });
        }
        (None, None) => {}
    }
    let (expected, got): (Vec<Value>, Vec<Value>) = if theirs.undecodable.is_empty() {
        (as_kubectl_prints(&ours.values), theirs.objects.clone())
    } else {
        // A document without a kind: its error holds what kubectl read.
        match (
            &ours.values[..],
            &theirs.objects[..],
            &theirs.undecodable[..],
        ) {
            ([one], [], [message]) => match json_of_kindless(message) {
                Some(v) => (vec![one.clone()], vec![v]),
                None => return Outcome::BothRead { compared: 0 },
            },
            _ => return Outcome::BothRead { compared: 0 },
        }
    };
    let is_list = ours
        .values
        .iter()
        .any(|v| v.get("items").is_some_and(Value::is_array));
    if is_list && expected.len() != got.len() {
        return Outcome::BothRead { compared: 0 };
    }
    let difference = if expected.len() != got.len() {
        Some(format!(
            "{} object(s) ≠ {} object(s)",
            expected.len(),
            got.len()
        ))
    } else {
        expected
            .iter()
            .zip(&got)
            .enumerate()
            .find_map(|(i, (a, b))| first_difference(a, b, &format!("[{i}]")))
    };
    match difference {
        Some(difference) => Outcome::Disagree(Disagreement::Values { difference }),
        None => Outcome::BothRead {
            compared: got.len(),
        },
    }
}

/// A disagreement that is right, and why.
struct Known {
    what: &'static str,
    why: &'static str,
    is: fn(&Case, &Disagreement) -> bool,
}

/// The 1-based line of a position that starts a message of keelhaul's (`LINE:COL: …`).
fn line_of(message: &str) -> Option<usize> {
    message.split(':').next()?.parse().ok()
}

/// Every disagreement the test accepts.
const KNOWN: &[Known] = &[
    Known {
        what: "keelhaul refuses a control character after the end of a document that ends \
               before its `---` (at a directive or `...`), where kubectl reads no further",
        why: "go-yaml checks characters as it reads them, a buffer at a time: whether kubectl \
              sees one past the end of the document depends on how far its buffer reached. \
              keelhaul refuses it wherever it stands in that part of the stream",
        is: |case, d| match d {
            Disagreement::OursRefused { ours, .. } => {
                ours.contains("control character")
                    && line_of(ours).is_some_and(|n| {
                        case.text
                            .lines()
                            .take(n - 1)
                            .any(|l| l.starts_with('%') || l.starts_with("..."))
                    })
            }
            _ => false,
        },
    },
    Known {
        what: "keelhaul refuses a document whose root is a scalar with more after it (text \
               after a quoted scalar's closing quote, a plain scalar cut by a comment)",
        why: "go-yaml reads the scalar and stops there; kubectl then finds a string where an \
              object goes. Neither reads a Kubernetes object from such a document; keelhaul's \
              YAML 1.2 parser goes on and says what is wrong after the scalar",
        is: |_, d| match d {
            Disagreement::OursRefused { undecodable, .. } => undecodable
                .iter()
                .any(|m| m.contains("cannot unmarshal string into Go value")),
            _ => false,
        },
    },
    Known {
        what: "keelhaul refuses a tag with `,`, `[` or `]` right after it (`[!x, y]`)",
        why: "go-yaml reads those characters into the tag and reads another structure (here a \
              list of one item tagged `!x,`); keelhaul's YAML 1.2 parser ends the tag there. \
              Rather than read another document than Kubernetes, keelhaul says so",
        is: |_, d| match d {
            Disagreement::OursRefused { ours, .. } => ours.contains("reads `,`, `[` and `]` into"),
            _ => false,
        },
    },
    Known {
        what: "keelhaul refuses a plain scalar in a flow collection with `:` right after it \
               and then `,`, `]` or `}` (`[x:]`, `{x:}`)",
        why: "go-yaml reads the `:` into the scalar (the string `x:`, the key `x:`), where \
              keelhaul's YAML 1.2 parser reads a mapping (`{x: null}`, the key `x`). Rather \
              than read another value than Kubernetes, keelhaul says so",
        is: |_, d| match d {
            Disagreement::OursRefused { ours, .. } => ours.contains("has `:` right after it"),
            _ => false,
        },
    },
    Known {
        what: "the text of a scalar continued over a U+2028 or U+2029 line break",
        why: "both break lines there (YAML 1.1), so both read the same structure; go-yaml keeps \
              the character in the scalar's text where keelhaul's YAML 1.2 parser, handed a \
              line break, folds it into a space or a newline",
        is: |case, d| {
            matches!(d, Disagreement::Values { .. }) && case.text.contains(['\u{2028}', '\u{2029}'])
        },
    },
];

// ---------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------

/// Without the corpus or kubectl the test cannot run: it says so, and fails in CI.
fn cannot_run(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why}: the differential test of the loader cannot run, and CI=true");
    }
    eprintln!("SKIPPED {}: {why}", module_path!());
}

fn kubectl_on_path() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[derive(Default)]
struct Tally {
    both_refused: [usize; 2],
    both_read: [usize; 2],
    /// Read by both, values compared: cases and objects.
    compared: [usize; 2],
    objects: usize,
    known: BTreeMap<&'static str, usize>,
}

/// One unexplained disagreement, with its case, for the failure message.
fn describe(case: &Case, d: &Disagreement) -> String {
    let mut text: String = case.text.lines().take(40).collect::<Vec<_>>().join("\n");
    if case.text.lines().count() > 40 {
        text.push_str("\n…");
    }
    let what = match d {
        Disagreement::OursRefused { ours, undecodable } => {
            format!("keelhaul refuses it ({ours}); kubectl reads it (undecodable: {undecodable:?})")
        }
        Disagreement::TheirsRefused { theirs } => {
            format!("kubectl refuses it ({theirs}); keelhaul reads it")
        }
        Disagreement::Values { difference } => format!("the values differ: {difference}"),
    };
    format!("{}\n  {what}\n  ---- the case ----\n{text}\n", case.origin)
}

#[test]
fn keelhaul_reads_every_document_as_kubectl_reads_it() {
    let root = corpus_dir();
    if !root.is_dir() {
        return cannot_run(&format!(
            "the shared corpus is missing at {}",
            root.display()
        ));
    }
    if !kubectl_on_path() {
        return cannot_run("kubectl is not on PATH");
    }
    let started = Instant::now();
    let (mut cases, files) = corpus_cases(&root);
    let documents = cases.len();
    let more = mutants(&cases, MUTANTS);
    cases.extend(more);
    let dir = tempfile::tempdir().unwrap();
    write_cases(dir.path(), &cases);
    let theirs = kubectl_reads(dir.path(), &cases);
    let kubectl_time = started.elapsed();

    let mut tally = Tally::default();
    let mut unexplained = Vec::new();
    for (case, kube) in cases.iter().zip(&theirs) {
        let m = usize::from(case.mutant);
        match compare(case, kube) {
            Outcome::BothRefused => tally.both_refused[m] += 1,
            Outcome::BothRead { compared } => {
                tally.both_read[m] += 1;
                if compared > 0 {
                    tally.compared[m] += 1;
                    tally.objects += compared;
                }
            }
            Outcome::Disagree(d) => match KNOWN.iter().find(|k| (k.is)(case, &d)) {
                Some(k) => *tally.known.entry(k.what).or_default() += 1,
                None => unexplained.push(describe(case, &d)),
            },
        }
    }
    eprintln!(
        "loader against kubectl: {documents} documents of {files} corpus files and {} mutants \
         ({SEED:#x}) in {:.1?} ({kubectl_time:.1?} in kubectl)",
        cases.len() - documents,
        started.elapsed()
    );
    for (who, m) in [("corpus documents", 0), ("mutants", 1)] {
        eprintln!(
            "  {who}: both refuse {}, both read {} (values compared on {})",
            tally.both_refused[m], tally.both_read[m], tally.compared[m]
        );
    }
    eprintln!("  objects compared: {}", tally.objects);
    for k in KNOWN {
        eprintln!(
            "  listed disagreement, {} time(s): {} ({})",
            tally.known.get(k.what).unwrap_or(&0),
            k.what,
            k.why
        );
    }
    assert!(
        unexplained.is_empty(),
        "{} disagreement(s) between keelhaul's loader and kubectl are not listed in KNOWN:\n\n{}",
        unexplained.len(),
        unexplained
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The comparison compared something: most corpus documents are objects kubectl prints,
    // and the mutants are read and refused by both.
    assert!(
        tally.compared[0] > documents / 2,
        "{documents} documents, {} compared",
        tally.compared[0]
    );
    assert!(tally.both_refused[1] > MUTANTS / 10 && tally.compared[1] > MUTANTS / 4);
}
