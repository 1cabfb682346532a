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
    assert_eq!(b["version"], 2);
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
        "{\"version\": 3, \"tool\": \"keelhaul\", \"findings\": []}",
    )
    .unwrap();
    keelhaul_in(root)
        .args(["scan", "examples", "--baseline", "v2.json"])
        .assert()
        .code(2)
        .stderr(contains("v2.json").and(contains("version 3")));
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

/// A repository with the build agent of testdata/examples at `k8s/agent.yaml`: on line 24
/// (`securityContext:`) KH103 (may run as root) and KH106 (writable root filesystem), KH101
/// on 25, KH104 on 28 and 29 (`- SYS_ADMIN`, `- NET_RAW`), KH108 on 36, and more above.
fn build_agent() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(common::root().join("testdata/examples/insecure-deployment.yaml"))
            .unwrap();
    common::write(dir.path(), "k8s/agent.yaml", text);
    dir
}

const AGENT_SCAN: [&str; 4] = ["scan", "k8s", "--format", "json"];

/// Writes the baseline of the agent repository; returns how many findings it recorded.
fn write_agent_baseline(root: &Path) -> usize {
    let out = keelhaul_in(root)
        .args(AGENT_SCAN)
        .args(["--write-baseline", "keelhaul-baseline.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(root.join("keelhaul-baseline.json")).unwrap();
    let b: serde_json::Value = serde_json::from_str(&text).unwrap();
    b["findings"].as_array().unwrap().len()
}

/// A scan against the baseline: (findings, exit code, standard error).
fn against_baseline(root: &Path) -> (Vec<(String, String, u64)>, Option<i32>, String) {
    let out = keelhaul_in(root)
        .args(AGENT_SCAN)
        .args(["--baseline", "keelhaul-baseline.json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    (findings(&out), out.status.code(), stderr)
}

/// The line of `path` that contains `what` (1-based).
fn line_of(path: &Path, what: &str) -> u64 {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .position(|l| l.contains(what))
        .unwrap() as u64
        + 1
}

/// Issue 15, item 7: a finding is recognised by what it is (rule, object, field path, the
/// text of its own line), not by the lines after it.
#[test]
fn edits_above_below_and_inside_the_block_keep_baselined_findings() {
    let dir = build_agent();
    let root = dir.path();
    let recorded = write_agent_baseline(root);
    // Ten security findings and the single replica's note (KH705).
    assert_eq!(recorded, 11);
    let agent = root.join("k8s/agent.yaml");
    let still_baselined = |what: &str, baselined: usize| {
        let (found, code, stderr) = against_baseline(root);
        assert_eq!(found, vec![], "{what}: {stderr}");
        assert_eq!(code, Some(0), "{what}: {stderr}");
        assert!(
            stderr.contains(&format!("{baselined} finding(s) baselined, 0 new")),
            "{what}: {stderr}"
        );
    };

    // Above the object.
    edit(&agent, |t| {
        format!("# Reviewed in the security review.\n\n{t}")
    });
    still_baselined("a comment above", recorded);
    // Inside the block (the issue's case): KH106 fixed under the `securityContext:` line
    // that KH103 is on. KH103 stays baselined; KH106 is listed as fixed.
    edit(&agent, |t| {
        t.replace(
            "          securityContext:\n",
            "          securityContext:\n            readOnlyRootFilesystem: true\n",
        )
    });
    let (found, code, stderr) = against_baseline(root);
    assert_eq!(found, vec![], "{stderr}");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("{} finding(s) baselined, 0 new", recorded - 1)),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 baseline entry no longer occur")
            && stderr.contains("k8s/agent.yaml: KH106: "),
        "{stderr}"
    );
    // Below every finding: a volume more, after the hostPath of KH108.
    edit(&agent, |t| {
        format!("{t}        - name: cache\n          emptyDir: {{}}\n")
    });
    still_baselined("a volume below", recorded - 1);
    // Lines inside the container moved, and a line between two findings of one list.
    edit(&agent, |t| {
        t.replace(
            "          image: example.azurecr.io/build-agent:2.3.1\n",
            "          imagePullPolicy: Always\n          image: example.azurecr.io/build-agent:2.3.1\n",
        )
        .replace(
            "                - SYS_ADMIN\n",
            "                - SYS_ADMIN\n                # for ping\n",
        )
    });
    still_baselined("lines moved inside the container", recorded - 1);
}

#[test]
fn an_object_moved_to_another_file_stays_baselined_once() {
    let dir = build_agent();
    let root = dir.path();
    let recorded = write_agent_baseline(root);
    let text = std::fs::read_to_string(root.join("k8s/agent.yaml")).unwrap();
    std::fs::remove_file(root.join("k8s/agent.yaml")).unwrap();
    // Into another file, after an object of its own.
    let config = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: agent-settings\n  namespace: ci\ndata:\n  mode: fast\n";
    common::write(root, "k8s/ci/build.yaml", format!("{config}---\n{text}"));
    let (found, code, stderr) = against_baseline(root);
    assert_eq!(found, vec![], "{stderr}");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("{recorded} finding(s) baselined, 0 new")),
        "{stderr}"
    );
    assert!(!stderr.contains("no longer occur"), "{stderr}");

    // A copy of it besides: each entry matches one finding, so the copy's are new.
    common::write(root, "k8s/copy.yaml", &text);
    let (found, code, stderr) = against_baseline(root);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{recorded} finding(s) baselined")),
        "{stderr}"
    );
    // The copy's own, and only those (KH401 speaks of the namespace, once, in the first file).
    assert_eq!(found.len(), recorded - 1, "{found:?}");
    assert!(
        found.iter().all(|(_, p, _)| p == "k8s/copy.yaml"),
        "{found:?}"
    );
}

#[test]
fn changing_the_offending_value_makes_a_new_finding() {
    let dir = build_agent();
    let root = dir.path();
    write_agent_baseline(root);
    let agent = root.join("k8s/agent.yaml");
    // Another capability than the one recorded (one that is an error): still KH104, on the
    // same line; the finding on the line above it stays baselined.
    edit(&agent, |t| {
        t.replace("                - NET_RAW\n", "                - BPF\n")
    });
    let line = line_of(&agent, "BPF");
    let (found, code, stderr) = against_baseline(root);
    assert_eq!(
        found,
        vec![("KH104".into(), "k8s/agent.yaml".into(), line)],
        "{stderr}"
    );
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("10 finding(s) baselined, 1 new"),
        "{stderr}"
    );
    assert!(stderr.contains("k8s/agent.yaml: KH104: "), "{stderr}");
    // The same message from another spelling of the value: the line changed, so it is new.
    edit(&agent, |t| t.replace("privileged: true", "privileged: yes"));
    let (found, _, stderr) = against_baseline(root);
    let privileged = line_of(&agent, "privileged: yes");
    assert!(
        found.contains(&("KH101".into(), "k8s/agent.yaml".into(), privileged)),
        "{found:?} {stderr}"
    );
    assert_eq!(found.len(), 2, "{found:?}");
}

/// Written by keelhaul before baselines had version 2, for `pod.yaml` (a privileged pod,
/// `--select KH101,KH103`).
const V1_BASELINE: &str = r#"{
  "version": 1,
  "tool": "keelhaul",
  "findings": [
    {
      "rule": "KH101",
      "path": "pod.yaml",
      "fingerprint": "aa0c497d406e3c6a",
      "message": "container \"c\" of Pod \"p\" runs privileged: it gets every capability and the host's devices, and can take over the node"
    },
    {
      "rule": "KH103",
      "path": "pod.yaml",
      "fingerprint": "7c688ef855f53ef7",
      "message": "container \"c\" of Pod \"p\" may run as root: neither runAsNonRoot: true nor a non-zero runAsUser is set, so the image's USER decides"
    }
  ]
}
"#;

#[test]
fn a_version_1_baseline_is_still_honoured() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    common::write(root, "pod.yaml", PRIVILEGED_POD);
    common::write(root, "old-baseline.json", V1_BASELINE);
    let scan = |what: &str, new: usize| {
        let out = keelhaul_in(root)
            .args([
                "scan",
                "pod.yaml",
                "--select",
                "KH101,KH103",
                "--format",
                "json",
            ])
            .args(["--baseline", "old-baseline.json"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(findings(&out).len(), new, "{what}: {stderr}");
        assert_eq!(
            out.status.code(),
            Some(i32::from(new > 0)),
            "{what}: {stderr}"
        );
        assert!(
            stderr.contains("the baseline is version 1") && stderr.contains("--write-baseline"),
            "{what}: {stderr}"
        );
        stderr
    };
    let stderr = scan("as recorded", 0);
    assert!(stderr.contains("2 finding(s) baselined, 0 new"), "{stderr}");
    edit(&root.join("pod.yaml"), |t| format!("# a note\n{t}"));
    scan("a line above", 0);
    edit(&root.join("pod.yaml"), |t| {
        t.replace("privileged: true", "privileged: yes")
    });
    // Matched as version 1 always did: its fingerprint of KH103, on the `securityContext:`
    // line above, covers the changed line too.
    let stderr = scan("the value changed", 2);
    assert!(
        stderr.contains("pod.yaml: KH101: ") && stderr.contains("pod.yaml: KH103: "),
        "{stderr}"
    );

    // Writing it again gives version 2.
    keelhaul_in(root)
        .args(["scan", "pod.yaml", "--select", "KH101,KH103"])
        .args(["--write-baseline", "old-baseline.json"])
        .assert()
        .code(0);
    let text = std::fs::read_to_string(root.join("old-baseline.json")).unwrap();
    let b: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(b["version"], 2);
    assert_eq!(b["findings"].as_array().unwrap().len(), 2);
}

/// Two containers inherit one pod-level `runAsUser: 0`: two KH103 findings on one line, of one
/// object and field path. Fixing the second container's leaves its entry, not the first's,
/// listed as gone: their messages (which name the container) decide between equal entries.
#[test]
fn findings_on_a_shared_line_are_told_apart_by_their_container() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext:\n    runAsUser: 0\n  containers:\n  - name: app\n    image: nginx\n  - name: sidecar\n    image: busybox\n";
    common::write(root, "pod.yaml", pod);
    let args = ["scan", "pod.yaml", "--select", "KH103", "--format", "json"];
    let out = keelhaul_in(root).args(args).output().unwrap();
    assert_eq!(
        findings(&out),
        vec![
            ("KH103".into(), "pod.yaml".into(), 7),
            ("KH103".into(), "pod.yaml".into(), 7)
        ]
    );
    keelhaul_in(root)
        .args(args)
        .args(["--write-baseline", "b.json"])
        .assert()
        .code(0);
    // The first container (first in the baseline too) gets a user of its own.
    edit(&root.join("pod.yaml"), |t| {
        t.replace(
            "    image: nginx\n",
            "    image: nginx\n    securityContext:\n      runAsUser: 1000\n",
        )
    });
    let out = keelhaul_in(root)
        .args(args)
        .args(["--baseline", "b.json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("1 finding(s) baselined, 0 new"), "{stderr}");
    assert!(
        stderr.contains("pod.yaml: KH103: container \"app\" of Pod \"p\" runs as root"),
        "{stderr}"
    );
    assert!(!stderr.contains("container \"sidecar\""), "{stderr}");
}

fn kustomize_available() -> bool {
    ["kubectl", "kustomize"].iter().any(|t| {
        std::process::Command::new(t)
            .args(["version", "--client"])
            .output()
            .is_ok()
    })
}

/// Issue 15, item 1: a baselined finding is new again when one of its places changes, not
/// only its own line: here the base line a patch's removal is reported with.
#[test]
fn a_baselined_finding_is_new_when_a_related_line_changes() {
    if !kustomize_available() {
        eprintln!("SKIPPED: needs kubectl or kustomize");
        assert!(std::env::var_os("CI").is_none(), "CI must have kubectl");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let base = std::fs::read_to_string(
        common::root().join("testdata/render/kustomize-removals/base/api.yaml"),
    )
    .unwrap();
    common::write(root, "base/api.yaml", &base);
    common::write(root, "base/kustomization.yaml", "resources:\n- api.yaml\n");
    common::write(
        root,
        "overlay/kustomization.yaml",
        "resources:\n- ../base\npatches:\n- target: {kind: Deployment, name: api}\n  patch: |\n    - op: remove\n      path: /spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem\n",
    );
    let scan = |extra: &[&str]| {
        keelhaul_in(root)
            .args(["scan", ".", "--format", "json", "--select", "KH106"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = scan(&["--write-baseline", "keelhaul-baseline.json"]);
    assert_eq!(out.status.code(), Some(0));
    let (got, code) = {
        let out = scan(&["--baseline", "keelhaul-baseline.json"]);
        (findings(&out), out.status.code())
    };
    assert!(got.is_empty(), "baselined: {got:?}");
    assert_eq!(code, Some(0));
    // Edits elsewhere in the base keep it baselined.
    edit(&root.join("base/api.yaml"), |t| format!("# the api\n{t}"));
    let out = scan(&["--baseline", "keelhaul-baseline.json"]);
    assert!(findings(&out).is_empty(), "{:?}", findings(&out));
    // The base line the removal is reported with changes: a new finding, on the patch.
    edit(&root.join("base/api.yaml"), |t| {
        t.replace(
            "readOnlyRootFilesystem: true",
            "readOnlyRootFilesystem: true # hardened",
        )
    });
    let out = scan(&["--baseline", "keelhaul-baseline.json"]);
    assert_eq!(
        findings(&out),
        [(
            "KH106".to_string(),
            "./overlay/kustomization.yaml".to_string(),
            6
        )],
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
