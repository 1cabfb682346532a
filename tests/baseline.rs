//! Baselines (`--write-baseline`, `--baseline`) and diff-only runs (`--diff REF`).

mod common;

use std::path::Path;
use std::process::Output;

use common::{PRIVILEGED_POD, json_of, keelhaul_in};
use predicates::str::contains;

/// A copy of testdata/examples in a fresh directory.
fn examples() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = common::root().join("testdata/examples");
    std::fs::create_dir(dir.path().join("examples")).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), dir.path().join("examples").join(e.file_name())).unwrap();
        }
    }
    dir
}

/// (rule, path, line) of every finding of a JSON report.
fn findings(out: &Output) -> Vec<(String, String, u64)> {
    json_of(out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn edit(path: &Path, f: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(text)).unwrap();
}

// The pods of hardened-deployment.yaml are in a namespace that enforces the restricted level,
// so a privileged container there is also a KH130 finding; the scans leave KH130 out to see
// the one new KH101 alone.
const SCAN: [&str; 6] = ["scan", "examples", "--ignore", "KH130", "--format", "json"];

#[test]
fn a_baseline_hides_what_it_recorded_and_only_that() {
    let dir = examples();
    let root = dir.path();
    let out = keelhaul_in(root)
        .args(SCAN)
        .args(["--write-baseline", "keelhaul-baseline.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("recorded"), "{stderr}");
    let text = std::fs::read_to_string(root.join("keelhaul-baseline.json")).unwrap();
    let b: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(b["version"], 1);
    assert_eq!(b["tool"], "keelhaul");
    let entries = b["findings"].as_array().unwrap();
    assert!(entries.len() > 10);
    assert!(stderr.contains(&format!("recorded {} finding", entries.len())));
    assert!(
        entries
            .iter()
            .all(|e| e["fingerprint"].as_str().unwrap().len() == 16
                && e["path"].as_str().unwrap().starts_with("examples/")
                && e["rule"].as_str().unwrap().starts_with("KH"))
    );
    assert!(
        entries
            .iter()
            .any(|e| e["resource"]["kind"] == "Deployment")
    );
    assert!(!entries.iter().any(|e| e["rule"] == "KH130"));
    // Deterministic: writing it again gives the same bytes.
    keelhaul_in(root)
        .args(SCAN)
        .args(["--write-baseline", "again.json"])
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(root.join("again.json")).unwrap(),
        text
    );

    // Scanning with it: clean.
    let clean = |what: &str| {
        let out = keelhaul_in(root)
            .args(SCAN)
            .args(["--baseline", "keelhaul-baseline.json"])
            .output()
            .unwrap();
        assert_eq!(findings(&out), vec![], "{what}");
        assert_eq!(out.status.code(), Some(0), "{what}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("{} finding(s) baselined", entries.len())),
            "{what}: {stderr}"
        );
        assert!(!stderr.contains("no longer occur"), "{what}: {stderr}");
    };
    clean("as recorded");

    // Lines inserted above the findings move them; the baseline still knows them.
    edit(&root.join("examples/insecure-deployment.yaml"), |t| {
        format!("# Reviewed: known problems, tracked elsewhere.\n\n# Another note.\n{t}")
    });
    edit(&root.join("examples/rbac-bindings.yaml"), |t| {
        format!("---\n# moved down\n{t}")
    });
    clean("after inserting lines");

    // A new privileged container: exactly that finding is reported.
    let hardened = root.join("examples/hardened-deployment.yaml");
    edit(&hardened, |t| {
        t.replace(
            "      volumes:\n",
            "        - name: debug\n          image: example.azurecr.io/debug:1.0\n          securityContext:\n            privileged: true\n            readOnlyRootFilesystem: true\n            capabilities:\n              drop: [\"ALL\"]\n      volumes:\n",
        )
    });
    let line = std::fs::read_to_string(&hardened)
        .unwrap()
        .lines()
        .position(|l| l.contains("privileged: true"))
        .unwrap() as u64
        + 1;
    let out = keelhaul_in(root)
        .args(SCAN)
        .args(["--baseline", "keelhaul-baseline.json"])
        .output()
        .unwrap();
    assert_eq!(
        findings(&out),
        vec![(
            "KH101".to_string(),
            "examples/hardened-deployment.yaml".to_string(),
            line
        )]
    );
    assert_eq!(out.status.code(), Some(1));

    // A baselined object removed: its entries are listed as no longer occurring.
    edit(&root.join("examples/secret.yaml"), |t| {
        t.lines()
            .take_while(|l| l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect()
    });
    let gone: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|e| e["path"] == "examples/secret.yaml")
        .collect();
    assert!(!gone.is_empty());
    let out = keelhaul_in(root)
        .args(SCAN)
        .args(["--baseline", "keelhaul-baseline.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(findings(&out).len(), 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no longer occur"), "{stderr}");
    for e in &gone {
        let listed = format!(
            "examples/secret.yaml: {}: {}",
            e["rule"].as_str().unwrap(),
            e["message"].as_str().unwrap()
        );
        assert!(stderr.contains(&listed), "{listed} in {stderr}");
    }
    let listed = stderr.lines().filter(|l| l.starts_with("  ")).count();
    assert_eq!(listed, gone.len(), "{stderr}");
}

#[test]
fn a_finding_on_identical_lines_is_counted_not_merged() {
    let dir = tempfile::tempdir().unwrap();
    let pod = PRIVILEGED_POD;
    std::fs::write(dir.path().join("a.yaml"), pod).unwrap();
    let args = ["scan", "a.yaml", "--select", "KH101", "--format", "json"];
    keelhaul_in(dir.path())
        .args(args)
        .args(["--write-baseline", "b.json"])
        .assert()
        .code(0);
    // The same pod twice: one is baselined, the second is new.
    std::fs::write(dir.path().join("a.yaml"), format!("{pod}---\n{pod}")).unwrap();
    let out = keelhaul_in(dir.path())
        .args(args)
        .args(["--baseline", "b.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(findings(&out).len(), 1);
}

#[test]
fn a_bad_baseline_is_a_usage_error() {
    let dir = examples();
    let root = dir.path();
    std::fs::write(
        root.join("bad.json"),
        "{\n  \"version\": 1,\n  \"findings\": [\n    nope\n  ]\n}\n",
    )
    .unwrap();
    keelhaul_in(root)
        .args(["scan", "examples", "--baseline", "bad.json"])
        .assert()
        .code(2)
        .stderr(contains("bad.json").and(contains("line 4")));
    keelhaul_in(root)
        .args(["scan", "examples", "--baseline", "missing.json"])
        .assert()
        .code(2)
        .stderr(contains("missing.json"));
    std::fs::write(
        root.join("v2.json"),
        "{\"version\": 2, \"tool\": \"keelhaul\", \"findings\": []}",
    )
    .unwrap();
    keelhaul_in(root)
        .args(["scan", "examples", "--baseline", "v2.json"])
        .assert()
        .code(2)
        .stderr(contains("v2.json"));
}

use predicates::prelude::PredicateBooleanExt;

fn has_git() -> bool {
    std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn git(dir: &Path, args: &[&str]) {
    let st = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
}

const TWO_PODS: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      privileged: true\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\nspec:\n  hostNetwork: false\n  containers:\n  - name: c\n    image: nginx\n";

#[test]
fn diff_keeps_findings_on_changed_lines() {
    if !has_git() {
        eprintln!("git is not installed: skipping the --diff test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q"]);
    std::fs::create_dir(root.join("k8s")).unwrap();
    std::fs::write(root.join("k8s/pods.yaml"), TWO_PODS).unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "first"]);
    // One changed line (line 17: pod b now uses the host network) and a new, untracked file.
    std::fs::write(
        root.join("k8s/pods.yaml"),
        TWO_PODS.replace("hostNetwork: false", "hostNetwork: true"),
    )
    .unwrap();
    std::fs::write(
        root.join("k8s/new.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: n\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      privileged: true\n",
    )
    .unwrap();
    let select = ["--select", "KH101,host-namespaces", "--format", "json"];
    let all = keelhaul_in(root)
        .args(["scan", "k8s"])
        .args(select)
        .output()
        .unwrap();
    let all = findings(&all);
    assert!(
        all.contains(&("KH101".into(), "k8s/pods.yaml".into(), 10)),
        "{all:?}"
    );
    let out = keelhaul_in(root)
        .args(["scan", "k8s", "--diff", "HEAD"])
        .args(select)
        .output()
        .unwrap();
    let got = findings(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Pod a's privileged container (line 10) did not change: left out.
    assert!(
        !got.iter().any(|(_, p, l)| p == "k8s/pods.yaml" && *l == 10),
        "{got:?}"
    );
    assert!(
        got.iter().any(|(_, p, l)| p == "k8s/pods.yaml" && *l == 17),
        "{got:?}"
    );
    assert!(
        got.contains(&("KH101".into(), "k8s/new.yaml".into(), 10)),
        "{got:?}"
    );
    assert!(
        got.iter()
            .all(|(_, p, l)| (p == "k8s/pods.yaml" && *l == 17) || p == "k8s/new.yaml"),
        "{got:?}"
    );
    // From a subdirectory too: paths are compared relative to the repository root.
    let out = keelhaul_in(&root.join("k8s"))
        .args(["scan", ".", "--diff", "HEAD"])
        .args(select)
        .output()
        .unwrap();
    assert_eq!(findings(&out).len(), got.len());

    keelhaul_in(root)
        .args(["scan", "k8s", "--diff", "nosuchref"])
        .assert()
        .code(2)
        .stderr(contains("nosuchref"));
}

#[test]
fn diff_outside_a_repository_is_a_usage_error() {
    if !has_git() {
        eprintln!("git is not installed: skipping the --diff test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), TWO_PODS).unwrap();
    // GIT_CEILING_DIRECTORIES: the temporary directory's parents are not searched for one.
    keelhaul_in(dir.path())
        .env("GIT_CEILING_DIRECTORIES", dir.path().parent().unwrap())
        .args(["scan", "a.yaml", "--diff", "HEAD"])
        .assert()
        .code(2)
        .stderr(contains("not inside a git repository"));
}

/// In a shallow clone (what `actions/checkout` makes by default) the base of a pull request
/// is usually missing: the message says so, and how to fetch it.
#[test]
fn diff_in_a_shallow_clone_says_how_to_fetch_the_base() {
    if !has_git() {
        eprintln!("git is not installed: skipping the --diff test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let origin = dir.path().join("origin");
    std::fs::create_dir(&origin).unwrap();
    git(&origin, &["init", "-q"]);
    std::fs::write(origin.join("pods.yaml"), TWO_PODS).unwrap();
    git(&origin, &["add", "."]);
    git(&origin, &["commit", "-q", "-m", "first"]);
    std::fs::write(
        origin.join("pods.yaml"),
        TWO_PODS.replace("hostNetwork: false", "hostNetwork: true"),
    )
    .unwrap();
    git(&origin, &["commit", "-q", "-am", "second"]);
    let url = format!("file://{}", origin.display());
    git(dir.path(), &["clone", "-q", "--depth", "1", &url, "clone"]);
    let clone = dir.path().join("clone");
    keelhaul_in(&clone)
        .args(["scan", "pods.yaml", "--diff", "HEAD~1"])
        .assert()
        .code(2)
        .stderr(contains(
            "unknown git ref \"HEAD~1\": this clone is shallow",
        ))
        .stderr(contains("fetch-depth: 0"));
    // Once the base is fetched, the diff works.
    git(&clone, &["fetch", "-q", "--deepen=1"]);
    keelhaul_in(&clone)
        .args([
            "scan",
            "pods.yaml",
            "--diff",
            "HEAD~1",
            "--select",
            "host-namespaces",
        ])
        .assert()
        .code(1);
}

/// The baseline file lives in the repository it describes; scanning the repository does not
/// take it for a manifest (no "not checked" notice about it).
#[test]
fn the_baseline_file_is_not_scanned_as_a_manifest() {
    let d = tempfile::tempdir().unwrap();
    common::write(d.path(), "pod.yaml", common::PRIVILEGED_POD);
    keelhaul_in(d.path())
        .args(["scan", ".", "--write-baseline", "keelhaul-baseline.json"])
        .assert()
        .code(0);
    let out = keelhaul_in(d.path())
        .args([
            "scan",
            ".",
            "--baseline",
            "keelhaul-baseline.json",
            "--verbose",
        ])
        .args(["--color", "never"])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("keelhaul-baseline.json:"), "{text}");
    assert!(!text.contains("not checked"), "{text}");
}
