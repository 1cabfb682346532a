//! Input a pull request controls must never turn into a pass: text in another Unicode
//! encoding is read, or fails the gate; a file over `--max-file-size` is read a document at a
//! time, or fails the gate; special files and standard input cannot make the scan wait or
//! grow without bound; a link into `.git` or out of the scanned tree is reported, never
//! read.

mod common;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use common::{PRIVILEGED_POD, json_of, keelhaul_in, write};

/// A limit far above what any of these runs takes: a run that reaches it waited on input.
const PATIENCE: Duration = Duration::from_secs(60);

/// A finding of a JSON report: (file, rule, line, column, severity).
type Seen = (String, String, u64, u64, String);

fn findings(out: &Output) -> Vec<Seen> {
    let v = json_of(out);
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
                f["start"]["column"].as_u64().unwrap(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn scan_json(dir: &Path, args: &[&str]) -> Output {
    keelhaul_in(dir)
        .args(["scan", "--format", "json"])
        .args(args)
        .timeout(PATIENCE)
        .output()
        .unwrap()
}

fn show(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn utf16(text: &str, little: bool) -> Vec<u8> {
    let mut out = if little {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for u in text.encode_utf16() {
        out.extend(if little {
            u.to_le_bytes()
        } else {
            u.to_be_bytes()
        });
    }
    out
}

fn utf32(text: &str, little: bool) -> Vec<u8> {
    let mut out = if little {
        vec![0xFF, 0xFE, 0, 0]
    } else {
        vec![0, 0, 0xFE, 0xFF]
    };
    for c in text.chars() {
        let c = c as u32;
        out.extend(if little {
            c.to_le_bytes()
        } else {
            c.to_be_bytes()
        });
    }
    out
}

/// A privileged pod whose line 10 has characters outside the Basic Multilingual Plane (two
/// UTF-16 units each) before the `true` KH101 points at.
const WIDE_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {note: \"é🚀\"}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext: {x: \"🚀é🚀\", privileged: true}\n";

/// The 1-based column (in code points) of `needle` on line `line` of `text`.
fn column_of(text: &str, line: usize, needle: &str) -> u64 {
    let l = text.lines().nth(line - 1).unwrap();
    l[..l.find(needle).unwrap()].chars().count() as u64 + 1
}

// Text in other encodings.

#[test]
fn utf16_and_utf32_manifests_are_scanned_on_their_lines_and_columns() {
    let d = tempfile::tempdir().unwrap();
    let crlf = WIDE_POD.replace('\n', "\r\n");
    let files: [(&str, Vec<u8>); 6] = [
        ("utf8.yaml", WIDE_POD.as_bytes().to_vec()),
        (
            "utf8-bom.yaml",
            [b"\xEF\xBB\xBF", WIDE_POD.as_bytes()].concat(),
        ),
        // What Windows PowerShell 5.1 writes with `>`: UTF-16 LE, a BOM, CRLF.
        ("utf16le.yaml", utf16(&crlf, true)),
        ("utf16be.yaml", utf16(WIDE_POD, false)),
        ("utf32le.yaml", utf32(WIDE_POD, true)),
        ("utf32be.yaml", utf32(&crlf, false)),
    ];
    let col = column_of(WIDE_POD, 10, "true");
    assert_eq!(col, 45);
    for (name, bytes) in &files {
        write(d.path(), name, bytes);
        let out = scan_json(d.path(), &[name]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", show(&out));
        let got: Vec<(String, u64, u64)> = findings(&out)
            .into_iter()
            .filter(|f| f.1.starts_with("KH0") || f.1 == "KH101")
            .map(|f| (f.1, f.2, f.3))
            .collect();
        assert_eq!(
            got,
            vec![("KH101".to_string(), 10, col)],
            "{name}: {}",
            show(&out)
        );
    }
    // Every format reads the decoded text: the human report's excerpt shows the line.
    let out = keelhaul_in(d.path())
        .args(["scan", "--color", "never", "utf16le.yaml"])
        .timeout(PATIENCE)
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(
        human.contains(&format!("utf16le.yaml:10:{col}"))
            && human.contains("securityContext: {x: \"🚀é🚀\", privileged: true}"),
        "{}",
        show(&out)
    );
}

#[test]
fn text_that_cannot_be_decoded_fails_the_gate() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    // Binary (NUL bytes), UTF-16 without a byte order mark (NUL bytes too), a lone UTF-16
    // surrogate, a UTF-16 file cut in the middle of a unit, a UTF-32 value beyond Unicode.
    write(p, "binary.yaml", b"apiVersion: v1\nkind: Pod\x00\x01\n");
    let mut no_bom = utf16(PRIVILEGED_POD, true);
    no_bom.drain(..2);
    write(p, "no-bom.yaml", &no_bom);
    let mut lone = utf16("a: 1\nb: x", true);
    lone.extend([0x00, 0xD8]);
    lone.extend(utf16("y\n", true).split_off(2));
    write(p, "lone-surrogate.yaml", &lone);
    let mut cut = utf16("a: 1\n", true);
    cut.push(b'b');
    write(p, "cut.yaml", &cut);
    let mut beyond = utf32("a: 1\nb: cd", false);
    beyond.extend([0x00, 0x11, 0x00, 0x00]);
    write(p, "beyond.yaml", &beyond);
    let expected = [
        ("binary.yaml", "KH006", 1, 1),
        ("no-bom.yaml", "KH006", 1, 1),
        ("lone-surrogate.yaml", "KH005", 2, 5),
        ("cut.yaml", "KH005", 2, 1),
        ("beyond.yaml", "KH005", 2, 6),
    ];
    for (name, rule, line, col) in expected {
        let out = scan_json(p, &[name]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", show(&out));
        let got = findings(&out);
        assert_eq!(
            got,
            vec![(
                name.to_string(),
                rule.to_string(),
                line,
                col,
                "error".into()
            )],
            "{name}: {}",
            show(&out)
        );
    }
    let out = scan_json(p, &["lone-surrogate.yaml"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("UTF-16"),
        "the message names the encoding: {}",
        show(&out)
    );
}

#[test]
fn fix_leaves_a_utf16_file_whole_and_says_why() {
    let d = tempfile::tempdir().unwrap();
    // KH505 renames `serviceAccount`: a fix that would have to write the file.
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  serviceAccount: builder\n  containers:\n  - name: c\n    image: x\n";
    let bytes = utf16(&pod.replace('\n', "\r\n"), true);
    write(d.path(), "p.yaml", &bytes);
    let out = keelhaul_in(d.path())
        .args(["scan", "--fix", "--select", "KH505", "p.yaml"])
        .timeout(PATIENCE)
        .output()
        .unwrap();
    assert_eq!(std::fs::read(d.path().join("p.yaml")).unwrap(), bytes);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("p.yaml") && err.contains("UTF-16"),
        "{}",
        show(&out)
    );
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
}

// Files over --max-file-size.

#[test]
fn a_file_over_the_limit_is_scanned_a_document_at_a_time() {
    let d = tempfile::tempdir().unwrap();
    // Every document is under 1 KiB, the file is over it.
    let docs = [
        config_map("a", 15),
        PRIVILEGED_POD.to_string(),
        config_map("b", 15),
        PRIVILEGED_POD.replace("name: p", "name: q"),
    ];
    assert!(docs.iter().all(|d| d.len() < 1000));
    let text = docs.join("---\n");
    assert!(text.len() > 1024);
    write(d.path(), "big.yaml", &text);
    let pods: Vec<u64> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("privileged: true"))
        .map(|(i, _)| i as u64 + 1)
        .collect();
    assert_eq!(pods, vec![31, 63]);
    let out = scan_json(
        d.path(),
        &["--max-file-size", "1K", "--select", "KH0,KH101", "big.yaml"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let got = findings(&out);
    let want: Vec<Seen> = pods
        .iter()
        .map(|&l| ("big.yaml".into(), "KH101".into(), l, 19, "error".into()))
        .collect();
    assert_eq!(got, want, "{}", show(&out));
    // The human report shows each finding's own line, numbered as in the file.
    let out = keelhaul_in(d.path())
        .args(["scan", "--color", "never", "--max-file-size", "1K"])
        .args(["--select", "KH101", "big.yaml"])
        .timeout(PATIENCE)
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&out.stdout);
    for l in &pods {
        assert!(
            human.contains(&format!("big.yaml:{l}:19"))
                && human.contains(&format!("{l} |       privileged: true")),
            "{}",
            show(&out)
        );
    }
}

#[test]
fn a_document_over_the_limit_fails_the_gate() {
    let d = tempfile::tempdir().unwrap();
    let mut comment = String::new();
    while comment.len() < 4096 {
        comment.push_str("# a comment line of a very large file, nothing to see here\n");
    }
    let comment_lines = comment.lines().count() as u64;
    // Without a marker the comment and the pod are one document over the limit; with one,
    // the comment is, and the pod is checked.
    write(d.path(), "one.yaml", format!("{comment}{PRIVILEGED_POD}"));
    write(
        d.path(),
        "two.yaml",
        format!("{comment}---\n{PRIVILEGED_POD}"),
    );
    // A document over the limit between two that are not.
    write(
        d.path(),
        "middle.yaml",
        format!(
            "{PRIVILEGED_POD}---\n{}---\n{PRIVILEGED_POD}",
            config_map("big", 80)
        ),
    );
    let args = ["--max-file-size", "1K", "--select", "KH0,KH101"];
    let out = scan_json(d.path(), &[&args[..], &["one.yaml"]].concat());
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(
        findings(&out),
        vec![("one.yaml".into(), "KH006".into(), 1, 1, "error".into())],
        "{}",
        show(&out)
    );
    let out = scan_json(d.path(), &[&args[..], &["two.yaml"]].concat());
    assert_eq!(
        findings(&out),
        vec![
            ("two.yaml".into(), "KH006".into(), 1, 1, "error".into()),
            (
                "two.yaml".into(),
                "KH101".into(),
                comment_lines + 11,
                19,
                "error".into()
            ),
        ],
        "{}",
        show(&out)
    );
    let out = scan_json(d.path(), &[&args[..], &["middle.yaml"]].concat());
    assert_eq!(
        findings(&out),
        vec![
            ("middle.yaml".into(), "KH101".into(), 10, 19, "error".into()),
            ("middle.yaml".into(), "KH006".into(), 12, 1, "error".into()),
            (
                "middle.yaml".into(),
                "KH101".into(),
                107,
                19,
                "error".into()
            ),
        ],
        "{}",
        show(&out)
    );
    let message = String::from_utf8_lossy(&out.stdout);
    assert!(
        message.contains("lines 12 to 96"),
        "the message says which lines were not scanned: {}",
        show(&out)
    );
}

/// Extra documents for the file read a part at a time: a Namespace that enforces a Pod Security
/// level (read before the scan, for every file), a workload in it, a suppression, a duplicate
/// key and a document that is no YAML.
const EXTRA: &[&str] = &[
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: locked\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n",
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: locked-pod\n  namespace: locked\nspec:\n  hostNetwork: true\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      privileged: true # keelhaul:ignore KH101 -- tested elsewhere\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: twice\ndata:\n  a: \"1\"\n  a: \"2\"\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n",
];

/// Reading a file a document at a time finds what reading it whole finds, on the same lines
/// and columns, with the same messages and related places: the examples and a few more
/// documents in one file.
#[test]
fn a_file_read_a_document_at_a_time_is_judged_as_a_whole_one() {
    let d = tempfile::tempdir().unwrap();
    let mut docs: Vec<String> = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(common::root().join("testdata/examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    names.sort();
    for p in names {
        let text = std::fs::read_to_string(p).unwrap();
        docs.push(if text.ends_with('\n') {
            text
        } else {
            text + "\n"
        });
    }
    docs.extend(EXTRA.iter().map(|d| d.to_string()));
    let text = docs.join("---\n");
    // Each part (a document and its `---` line) is within the limit, the file is not.
    let largest = text.split("\n---\n").map(str::len).max().unwrap() + 8;
    assert!(text.len() > 4 * largest, "{} {largest}", text.len());
    write(d.path(), "all.yaml", &text);
    let limit = largest.to_string();
    let whole = scan_json(d.path(), &["--fail-on", "never", "all.yaml"]);
    let parts = scan_json(
        d.path(),
        &["--fail-on", "never", "--max-file-size", &limit, "all.yaml"],
    );
    let (mut whole, parts) = (json_of(&whole), json_of(&parts));
    // A file over the limit is never held whole, so it is not fixed, and offers no fixes.
    for f in whole["findings"].as_array_mut().unwrap() {
        f.as_object_mut().unwrap().remove("fix");
    }
    assert!(
        parts["notices"]
            .to_string()
            .contains("read a document at a time"),
        "{parts}"
    );
    let rules: Vec<&str> = whole["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    for expected in ["KH001", "KH002", "KH101", "KH130", "KH401", "KH501"] {
        assert!(rules.contains(&expected), "{expected}: {whole}");
    }
    assert_eq!(
        serde_json::to_string_pretty(&parts["findings"]).unwrap(),
        serde_json::to_string_pretty(&whole["findings"]).unwrap()
    );
    assert_eq!(parts["summary"], whole["summary"]);
}

/// The attack as it was reported: 17 MB of comment in front of a privileged pod, at the
/// default limit.
#[test]
fn a_large_comment_does_not_hide_a_privileged_pod() {
    let d = tempfile::tempdir().unwrap();
    let line = "# padding, padding, padding, padding, padding, padding, padding\n";
    let n = 17 * 1024 * 1024 / line.len() + 1;
    let mut text = String::with_capacity(n * line.len() + 200);
    for _ in 0..n {
        text.push_str(line);
    }
    text.push_str("---\n");
    text.push_str(PRIVILEGED_POD);
    write(d.path(), "padded.yaml", &text);
    let out = scan_json(d.path(), &["--select", "KH0,KH101", "padded.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(
        findings(&out),
        vec![
            ("padded.yaml".into(), "KH006".into(), 1, 1, "error".into()),
            (
                "padded.yaml".into(),
                "KH101".into(),
                n as u64 + 11,
                19,
                "error".into()
            ),
        ],
        "{}",
        show(&out)
    );
}

// Special files and standard input.

/// A ConfigMap with `lines` keys under `data` (`lines` + 5 lines in all).
fn config_map(name: &str, lines: usize) -> String {
    let mut s = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n");
    for i in 0..lines {
        s.push_str(&format!(
            "  key{i}: \"a value of some length, to fill it\"\n"
        ));
    }
    s
}

#[cfg(unix)]
#[test]
fn special_files_named_on_the_command_line_are_not_read() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let status = std::process::Command::new("mkfifo")
        .arg(p.join("pipe.yaml"))
        .status()
        .unwrap();
    assert!(status.success());
    write(p, "good.yaml", PRIVILEGED_POD);
    for special in ["pipe.yaml", "/dev/zero", "/dev/urandom", "/dev/null"] {
        let out = scan_json(p, &[special, "good.yaml", "--fail-on", "never"]);
        assert_eq!(out.status.code(), Some(0), "{special}: {}", show(&out));
        let got = findings(&out);
        assert!(
            got.contains(&(special.into(), "KH006".into(), 1, 1, "error".into())),
            "{special}: {}",
            show(&out)
        );
        assert!(
            got.iter().any(|f| f.0 == "good.yaml" && f.1 == "KH101"),
            "the scan goes on: {}",
            show(&out)
        );
        let out = keelhaul_in(p)
            .args(["scan", special])
            .timeout(PATIENCE)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{special}: {}", show(&out));
    }
}

#[cfg(unix)]
#[test]
fn a_special_file_found_by_walking_is_skipped() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let status = std::process::Command::new("mkfifo")
        .arg(p.join("pipe.yaml"))
        .status()
        .unwrap();
    assert!(status.success());
    write(p, "good.yaml", PRIVILEGED_POD);
    let out = scan_json(p, &["."]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        findings(&out).iter().all(|f| f.0.ends_with("good.yaml")),
        "{}",
        show(&out)
    );
}

/// `keelhaul ARGS` in `dir` with standard input opened on `source` (an endless device: the
/// test never reads it itself), killed if it runs past `PATIENCE`.
#[cfg(unix)]
fn with_stdin_from(dir: &Path, source: &str, args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_keelhaul"));
    cmd.current_dir(dir)
        .args(args)
        .stdin(std::fs::File::open(source).unwrap())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, _) in std::env::vars_os() {
        let name = k.to_string_lossy();
        if common::CLEARED_VARS.contains(&&*name)
            || common::CLEARED_PREFIXES.iter().any(|p| name.starts_with(p))
        {
            cmd.env_remove(&k);
        }
    }
    let mut child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + PATIENCE;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn standard_input_is_read_up_to_the_limit() {
    let d = tempfile::tempdir().unwrap();
    // An endless stream: read to the limit, reported, not waited on.
    let args = ["scan", "-", "--format", "json", "--max-file-size", "1M"];
    for source in ["/dev/zero", "/dev/urandom"] {
        let out = with_stdin_from(d.path(), source, &args);
        assert_eq!(out.status.code(), Some(1), "{source}: {}", show(&out));
        assert_eq!(
            findings(&out),
            vec![("<stdin>".into(), "KH006".into(), 1, 1, "error".into())],
            "{source}: {}",
            show(&out)
        );
    }
}

#[test]
fn standard_input_over_the_limit_fails_the_gate() {
    let d = tempfile::tempdir().unwrap();
    let text = config_map("clean", 60);
    assert!(text.len() > 2048);
    let out = keelhaul_in(d.path())
        .args(["scan", "-", "--format", "json", "--max-file-size", "1K"])
        .write_stdin(text)
        .timeout(PATIENCE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let got = findings(&out);
    assert_eq!(
        got,
        vec![("<stdin>".into(), "KH006".into(), 1, 1, "error".into())],
        "{}",
        show(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("--max-file-size"),
        "{}",
        show(&out)
    );
}

// Symbolic links.

/// What actions/checkout leaves in `.git/config` when it keeps the credentials (read as
/// YAML, its second line is where the first error is, so a snippet would show it).
const GIT_CONFIG: &str = "[http \"https://github.com/\"]\n\textraheader = AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX2xlYWtlZA==\n[core]\n\trepositoryformatversion = 0\n";
const LEAKED: &str = "eC1hY2Nlc3MtdG9rZW46Z2hzX2xlYWtlZA";

#[cfg(unix)]
#[test]
fn a_link_into_git_is_reported_and_never_read() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    write(p, ".git/config", GIT_CONFIG);
    write(p, "k8s/pod.yaml", PRIVILEGED_POD);
    std::os::unix::fs::symlink(".git/config", p.join("leak.yaml")).unwrap();
    std::os::unix::fs::symlink("../.git", p.join("k8s/gitdir")).unwrap();
    std::os::unix::fs::symlink("../.git/config", p.join("k8s/deep.yml")).unwrap();
    // A link that stays in the tree and leads to a manifest is followed, as before.
    std::os::unix::fs::symlink("k8s/pod.yaml", p.join("alias.yaml")).unwrap();
    for (args, links) in [
        (vec!["."], vec!["leak.yaml", "k8s/deep.yml", "k8s/gitdir"]),
        (vec!["leak.yaml", "k8s/pod.yaml"], vec!["leak.yaml"]),
    ] {
        for format in [
            "human", "concise", "json", "sarif", "github", "gitlab", "azure",
        ] {
            let out = keelhaul_in(p)
                .args(["scan", "--color", "never", "--format", format])
                .args(&args)
                .timeout(PATIENCE)
                .output()
                .unwrap();
            let all = show(&out);
            assert!(!all.contains(LEAKED), "{format} {args:?}: {all}");
            assert!(!all.contains("extraheader"), "{format} {args:?}: {all}");
            // The privileged pod is still found: the link does not stop the scan.
            assert_eq!(out.status.code(), Some(1), "{format} {args:?}: {all}");
            for link in &links {
                assert!(
                    String::from_utf8_lossy(&out.stdout).contains(link),
                    "{format} {args:?}: the link {link} is reported: {all}"
                );
            }
        }
        let out = scan_json(p, &args);
        let got = findings(&out);
        for link in &links {
            let f = got
                .iter()
                .find(|f| f.0.ends_with(link))
                .unwrap_or_else(|| panic!("{link}: {}", show(&out)));
            assert_eq!(
                (f.1.as_str(), f.2, f.4.as_str()),
                ("KH006", 1, "warning"),
                "{}",
                show(&out)
            );
        }
        if args == ["."] {
            assert!(
                got.iter()
                    .any(|f| f.0.ends_with("alias.yaml") && f.1 == "KH101"),
                "{}",
                show(&out)
            );
        }
    }
    let out = scan_json(p, &["leak.yaml"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(".git"),
        "the report says why the link is not read: {}",
        show(&out)
    );
}
