//! Cost that follows the size of the input. Each test builds an input of one of the shapes
//! that once cost far more than their size (`bench/shapes.py` writes the same shapes, and
//! `bench/doubling.sh` times the release binary on them) at size n and 8n, handles both, and
//! checks that the larger one takes less than `LIMIT` (20) times as long: 8 times is what a
//! cost linear in the input gives, 64 times what a quadratic one gives; the limit leaves room
//! for the parts that grow as n log n (sorting) and for a busy machine, and a cost quadratic
//! only in part still goes over it once that part is a fifth of the whole.
//!
//! Times are only compared with each other, never with a fixed figure, and each is the least
//! of several runs, the two sizes taking turns; the tests of this file run one at a time, and
//! a measurement over the limit is taken again (the machine may have been busy) before the
//! test fails. The timed work runs in this process (a chart's render only starts a stand-in
//! `helm` that prints a file), and the sizes keep the smaller run well above the clock's
//! resolution in a debug build.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use keelhaul::finding::result::ScanResult;
use keelhaul::load::render::{HelmOptions, RenderOptions};
use keelhaul::pipeline::{ScanOptions, scan};
use keelhaul::report::{HumanOptions, write_human};

/// How many times larger the larger input is.
const FACTOR: usize = 8;
/// The most `work(FACTOR * n)` may take, in times `work(n)`.
const LIMIT: f64 = 20.0;
/// Runs of each size per measurement; the least counts.
const RUNS: usize = 5;
/// Measurements before a test fails.
const ATTEMPTS: usize = 3;

/// The tests of this file are timed: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Checks that `work` on `make(FACTOR * n)` takes less than `LIMIT` times what it takes on
/// `make(n)`.
fn assert_linear<T>(what: &str, n: usize, make: impl Fn(usize) -> T, work: impl Fn(&T)) {
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (small, large) = (make(n), make(FACTOR * n));
    // Once each first: caches, lazily built tables, the page cache.
    work(&small);
    work(&large);
    let mut seen = Vec::new();
    for _ in 0..ATTEMPTS {
        let (mut a, mut b) = (Duration::MAX, Duration::MAX);
        for _ in 0..RUNS {
            a = a.min(timed(|| work(&small)));
            b = b.min(timed(|| work(&large)));
        }
        let ratio = b.as_secs_f64() / a.as_secs_f64().max(1e-9);
        // Shown with --nocapture: how far from the limit a machine is.
        eprintln!("{what}: n {a:?}, {FACTOR}n {b:?}: {ratio:.1}x");
        if ratio < LIMIT {
            return;
        }
        seen.push(format!("{a:?} -> {b:?} ({ratio:.1}x)"));
    }
    panic!(
        "{what}: {FACTOR} times the input took more than {LIMIT} times as long, in each of {ATTEMPTS} measurements: {}",
        seen.join("; ")
    );
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

// ---------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------

const HEADER: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shape\n";

fn anchor(keys: usize) -> String {
    let mut s = format!("{HEADER}base: &b\n");
    for i in 0..keys {
        s.push_str(&format!("    k{i}: v\n"));
    }
    s
}

fn load(text: &str) {
    let loaded = keelhaul::load::load_text(text);
    assert!(!loaded.docs.is_empty());
}

#[test]
fn merging_a_big_anchor() {
    assert_linear(
        "one mapping merging an anchor of n keys",
        2_000,
        |n| anchor(n) + "data:\n  <<: *b\n  own: x\n",
        |t: &String| load(t),
    );
}

#[test]
fn merging_a_big_anchor_again_and_again() {
    assert_linear(
        "an anchor of n keys merged by 20 mappings, one merging the one before",
        750,
        |n| {
            let mut s = anchor(n) + "data:\n";
            for j in 0..20 {
                let from = if j == 0 {
                    "b".to_string()
                } else {
                    format!("c{}", j - 1)
                };
                s.push_str(&format!("  c{j}: &c{j}\n    <<: *{from}\n    x{j}: v\n"));
            }
            s
        },
        |t: &String| load(t),
    );
}

#[test]
fn a_long_line_of_quoted_scalars() {
    assert_linear(
        "a one-line flow sequence of n quoted scalars",
        3_000,
        |n| {
            let items: Vec<String> = (0..n).map(|i| format!("\"a{i}\"")).collect();
            format!("{HEADER}items: [{}]\n", items.join(", "))
        },
        |t: &String| load(t),
    );
}

#[test]
fn many_source_comments() {
    assert_linear(
        "n documents after `# Source:` comments",
        3_000,
        |n| {
            (0..n)
                .map(|i| {
                    format!(
                        "---\n# Source: chart/templates/t{i}.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n"
                    )
                })
                .collect::<String>()
        },
        |t: &String| load(t),
    );
}

#[test]
fn many_documents_read_again_for_their_quoted_scalars() {
    assert_linear(
        "n documents with a quoted scalar continued below its block",
        400,
        |n| {
            (0..n)
                .map(|i| {
                    format!(
                        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  a: \"one\n two\"\n"
                    )
                })
                .collect::<String>()
        },
        |t: &String| load(t),
    );
}

#[test]
fn many_broken_documents() {
    assert_linear(
        "n documents with a quoted scalar and a syntax error each",
        1_000,
        |n| {
            (0..n)
                .map(|i| {
                    format!(
                        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"c{i}\"\ndata:\n  b: x: y\n"
                    )
                })
                .collect::<String>()
        },
        |t: &String| {
            let loaded = keelhaul::load::load_text(t);
            assert!(!loaded.problems.is_empty());
        },
    );
}

#[test]
fn many_documents_kubernetes_reads_and_the_parser_refuses() {
    // Each document has one of each thing go-yaml reads and a YAML 1.2 parser refuses: the
    // text is rewritten and read again, once for all of them.
    assert_linear(
        "n documents, each with every rewrite the loader makes for the parser",
        300,
        |n| {
            (0..n)
                .map(|i| {
                    format!(
                        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  tab:\t\"x\"\n  escape: \"it\\'s\"\n  note: \"y\"# z\n  quoted:\n  - \"one\n two\"\n  flow: [a,\n  b]\n  script:\n  |\n    echo\n"
                    )
                })
                .collect::<String>()
        },
        |t: &String| {
            let loaded = keelhaul::load::load_text(t);
            assert!(loaded.problems.is_empty(), "{:?}", &loaded.problems[..1]);
        },
    );
}

#[test]
fn many_documents_kubernetes_refuses() {
    // Each part of the stream has something Kubernetes refuses and the parser reads.
    assert_linear(
        "n documents Kubernetes refuses, as many as it reads",
        1_000,
        |n| {
            (0..n)
                .map(|i| {
                    format!(
                        "--- # ok\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  a: \"\\/\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d{i}\n"
                    )
                })
                .collect::<String>()
        },
        |t: &String| {
            let loaded = keelhaul::load::load_text(t);
            assert_eq!(loaded.problems.len(), loaded.docs.len());
        },
    );
}

#[test]
fn many_tabs_where_kubernetes_allows_them() {
    // Tabs make the loader look at every line for one go-yaml refuses.
    assert_linear(
        "n documents with tabs in quoted, plain and block scalars",
        500,
        |n| {
            (0..n)
                .map(|i| {
                    format!(
                        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\ndata:\n  a: \"x\ty\"\n  b: p\tq\n  c: |\n    r\ts\n  d: long\n    plain\t\n    text\n"
                    )
                })
                .collect::<String>()
        },
        |t: &String| {
            let loaded = keelhaul::load::load_text(t);
            assert!(loaded.problems.is_empty(), "{:?}", &loaded.problems[..1]);
        },
    );
}

#[test]
fn many_lines_broken_as_yaml_1_1_breaks_them() {
    // CRLF line ends and NEL line breaks: the text is prepared for the parser, and every
    // position is moved back.
    assert_linear(
        "n documents with CRLF line ends and a NEL in a comment",
        1_000,
        |n| {
            (0..n)
                .map(|i| {
                    format!(
                        "---\r\napiVersion: v1\r\nkind: ConfigMap # a\u{85}metadata:\r\n  name: c{i}\r\n"
                    )
                })
                .collect::<String>()
        },
        |t: &String| {
            let loaded = keelhaul::load::load_text(t);
            assert!(loaded.problems.is_empty(), "{:?}", &loaded.problems[..1]);
        },
    );
}

/// Not a timing: a document with nothing in it is counted, not held, whatever their number,
/// and the scan still counts it.
#[test]
fn empty_documents_are_counted_not_kept() {
    let text = "---\n".repeat(10_000) + HEADER;
    let loaded = keelhaul::load::load_text(&text);
    assert_eq!(loaded.docs.len(), 1);
    assert_eq!(loaded.empty.len(), 9_999);
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "markers.yaml", &text);
    let out = common::keelhaul()
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .arg(&file)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["documents"], 10_000, "{report}");
}

// ---------------------------------------------------------------------------------------
// Scanning and reporting
// ---------------------------------------------------------------------------------------

/// A file to scan, in a directory of its own.
struct Input {
    _dir: tempfile::TempDir,
    file: PathBuf,
}

fn input(text: String) -> Input {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "input.yaml", &text);
    Input { _dir: dir, file }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    file
}

/// Scans the file in this process, on one thread.
fn scan_only(input: &Input) -> ScanResult {
    let opts = ScanOptions {
        paths: vec![input.file.clone()],
        threads: Some(1),
        ..ScanOptions::default()
    };
    let result = scan(&opts).unwrap();
    assert!(!result.findings.is_empty() || !result.suppressed.is_empty());
    result
}

/// Scans the file and writes the human report.
fn scan_to_human(input: &Input) {
    let result = scan_only(input);
    let mut out = Vec::new();
    let human = HumanOptions {
        color: false,
        verbose: false,
    };
    write_human(&result, &human, &mut out).unwrap();
}

fn privileged_pod(i: usize) -> String {
    format!(
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers:\n    - name: c\n      image: nginx:1.25\n      securityContext:\n        privileged: true\n"
    )
}

#[test]
fn findings_on_one_long_json_line() {
    assert_linear(
        "the human report of a one-line JSON List of n privileged pods",
        40,
        |n| {
            let pods: Vec<String> = (0..n)
                .map(|i| {
                    format!(
                        r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"p{i}","namespace":"default"}},"spec":{{"containers":[{{"name":"c","image":"nginx:1.25","securityContext":{{"privileged":true}}}}]}}}}"#
                    )
                })
                .collect();
            input(
                format!(
                    r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#,
                    pods.join(",")
                ) + "\n",
            )
        },
        scan_to_human,
    );
}

#[test]
fn fingerprints_of_many_items_of_one_list() {
    // Fingerprints (SARIF, baselines) take each finding's field path: each looked through
    // the list's items before its own.
    assert_linear(
        "the fingerprinted scan of a List of n privileged pods",
        1_000,
        |n| {
            let pods: String = (0..n)
                .map(|i| format!("- apiVersion: v1\n  kind: Pod\n  metadata: {{name: p{i}}}\n  spec:\n    containers:\n    - name: c\n      image: nginx:1.25\n      securityContext: {{privileged: true}}\n"))
                .collect();
            input(format!("apiVersion: v1\nkind: List\nitems:\n{pods}"))
        },
        |input: &Input| {
            let opts = ScanOptions {
                paths: vec![input.file.clone()],
                threads: Some(1),
                fingerprints: true,
                ..ScanOptions::default()
            };
            let result = scan(&opts).unwrap();
            assert!(result.findings.iter().all(|f| f.anchor.is_some()));
        },
    );
}

#[test]
fn many_suppression_comments() {
    assert_linear(
        "n `# keelhaul:ignore` comments alone on their lines",
        800,
        |n| input("# keelhaul:ignore KH101 -- reason\n".repeat(n) + HEADER),
        |i| {
            scan_only(i);
        },
    );
}

#[test]
fn many_suppressions_covering_many_findings() {
    assert_linear(
        "n file-wide suppressions with their own reasons, and n privileged pods",
        150,
        |n| {
            let mut s: String = (0..n)
                .map(|i| format!("# keelhaul:ignore-file KH101 -- reason {i}\n"))
                .collect();
            s.extend((0..n).map(privileged_pod));
            input(s)
        },
        |i| {
            scan_only(i);
        },
    );
}

/// A Pod of n containers with `annotations(i)` for each.
fn one_pod(n: usize, annotations: impl Fn(usize) -> String) -> String {
    let mut s = String::from("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n");
    s.extend((0..n).map(annotations));
    s.push_str("spec:\n  containers:\n");
    s.extend((0..n).map(|i| format!("    - name: c{i}\n      image: nginx:1.25\n")));
    s
}

#[test]
fn many_containers_with_security_annotations() {
    assert_linear(
        "a Pod of n containers with an AppArmor and a seccomp annotation each",
        300,
        |n| {
            input(one_pod(n, |i| {
                format!(
                    "    container.apparmor.security.beta.kubernetes.io/c{i}: runtime/default\n    container.seccomp.security.alpha.kubernetes.io/c{i}: runtime/default\n"
                )
            }))
        },
        |i| {
            scan_only(i);
        },
    );
}

#[test]
fn many_containers_with_suppression_annotations() {
    assert_linear(
        "a Pod of n containers with a keelhaul.dev/ignore annotation each",
        600,
        |n| {
            input(one_pod(n, |i| {
                format!("    keelhaul.dev/ignore.c{i}: KH101 -- r\n")
            }))
        },
        |i| {
            scan_only(i);
        },
    );
}

// ---------------------------------------------------------------------------------------
// Mapping a chart's render back to its template
// ---------------------------------------------------------------------------------------

/// A chart, and a stand-in `helm` that prints a render of n pods from its one template.
struct Chart {
    dir: tempfile::TempDir,
}

impl Chart {
    fn new(n: usize) -> Chart {
        let dir = tempfile::tempdir().unwrap();
        let chart = dir.path().join("chart");
        std::fs::create_dir_all(chart.join("templates")).unwrap();
        write(
            &chart,
            "Chart.yaml",
            "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
        );
        write(&chart, "values.yaml", "count: 1\n");
        write(
            &chart.join("templates"),
            "pods.yaml",
            "{{- range until (int .Values.count) }}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{{ . }}\nspec:\n  containers:\n    - name: c\n      image: nginx:1.25\n      securityContext:\n        privileged: true\n{{- end }}\n",
        );
        // Each pod with nine small documents that are no objects: more documents to find a
        // finding's own among, at little cost of their own.
        let source = "---\n# Source: chart/templates/pods.yaml\n";
        let render: String = (0..n)
            .map(|i| {
                privileged_pod(i).replacen("---\n", source, 1)
                    + &format!("{source}note: {i}\n").repeat(9)
            })
            .collect();
        let render = write(dir.path(), "render.yaml", &render);
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        // Written under another name and copied into place by a child process, so that no
        // child forked meanwhile holds it open for writing when it is run (ETXTBSY).
        let draft = write(
            dir.path(),
            "helm.draft",
            &format!("#!/bin/sh\nexec /bin/cat '{}'\n", render.display()),
        );
        std::fs::set_permissions(&draft, std::fs::Permissions::from_mode(0o755)).unwrap();
        let copied = std::process::Command::new("/bin/cp")
            .arg(&draft)
            .arg(bin.join("helm"))
            .status()
            .unwrap();
        assert!(copied.success());
        Chart { dir }
    }

    /// Scans the chart in this process, rendered by the stand-in.
    fn scan(&self) {
        let opts = ScanOptions {
            paths: vec![self.dir.path().join("chart")],
            threads: Some(1),
            render: RenderOptions {
                enabled: true,
                helm: HelmOptions {
                    binary: Some(self.dir.path().join("bin").join("helm")),
                    ..HelmOptions::default()
                },
                ..RenderOptions::default()
            },
            ..ScanOptions::default()
        };
        let result = scan(&opts).unwrap();
        assert!(
            result
                .findings
                .iter()
                .any(|f| f.file.ends_with("templates/pods.yaml")),
            "{:?}",
            result.findings.first().map(|f| &f.file)
        );
    }
}

#[test]
fn a_long_render_mapped_back_to_its_template() {
    assert_linear(
        "n pods among 10n documents of a chart's render, their findings mapped back",
        400,
        Chart::new,
        Chart::scan,
    );
}
