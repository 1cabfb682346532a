//! The streamed report (issue 17): when the findings go to standard output and nowhere else,
//! each file's findings are written as output records by its worker and kept on disk until
//! the report. The report must be the one the whole list in memory gives: the same findings,
//! in the same order, with the same summary, whatever the format, with suppressions, committed
//! Helm output, severities changed by the configuration and rules turned off. A side report
//! (`--junit`) reads the whole list, so a scan with one writes its report from memory: the two
//! are compared.

mod common;

use std::path::Path;

/// The report on standard output, streamed (`junit: None`) or from memory (with a JUnit file).
fn report(dir: &Path, args: &[&str], junit: Option<&Path>) -> String {
    let mut cmd = common::keelhaul();
    cmd.arg("scan")
        .arg(dir)
        .args(["--fail-on", "never", "--no-render"]);
    cmd.args(args);
    if let Some(j) = junit {
        cmd.arg("--junit").arg(j);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A tree with what keeps a file's findings in memory next to files whose findings stream.
fn mixed_tree() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    let pod = |name: &str| common::PRIVILEGED_POD.replace("name: p\n", &format!("name: {name}\n"));
    for i in 0..40 {
        common::write(
            r,
            &format!("apps/app{i:02}/pod.yaml"),
            pod(&format!("p{i}")),
        );
    }
    // A suppression in a file, a suppression annotation, and committed Helm output.
    common::write(
        r,
        "apps/suppressed/pod.yaml",
        format!("# keelhaul:ignore KH101 reviewed\n{}", pod("s")),
    );
    common::write(
        r,
        "charts/web/rendered.yaml",
        format!("---\n# Source: web/templates/pod.yaml\n{}", pod("w")),
    );
    // Cross-resource findings, made after the files.
    common::write(
        r,
        "rbac/binding.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: b\n  namespace: default\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: view\nsubjects:\n- kind: User\n  name: alice@example.com\n  apiGroup: rbac.authorization.k8s.io\n",
    );
    common::write(r, "broken.yaml", "apiVersion: v1\nkind: Pod\nmetadata: [\n");
    t
}

#[test]
fn the_streamed_report_is_the_report_from_memory_in_every_format() {
    let tree = mixed_tree();
    let side = tempfile::tempdir().unwrap();
    let junit = side.path().join("junit.xml");
    let config = side.path().join("keelhaul.yaml");
    std::fs::write(&config, "rules:\n  KH105: error\n  KH106: off\n").unwrap();
    let config = config.display().to_string();
    for args in [
        vec!["--format", "json"],
        vec!["--format", "concise"],
        vec!["--format", "human", "--color", "never"],
        vec!["--format", "json", "--min-severity", "warning"],
        vec!["--format", "json", "--config", &config],
        vec!["--format", "json", "--threads", "1"],
    ] {
        let streamed = report(tree.path(), &args, None);
        let whole = report(tree.path(), &args, Some(&junit));
        assert!(!streamed.is_empty(), "{args:?}");
        assert_eq!(streamed, whole, "{args:?}");
    }
    // The JSON report holds what the tree should give.
    let json: serde_json::Value =
        serde_json::from_str(&report(tree.path(), &["--format", "json"], None)).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let privileged = findings.iter().filter(|f| f["rule"] == "KH101").count();
    assert_eq!(
        privileged, 41,
        "40 apps and the committed output, not the suppressed one"
    );
    assert!(findings.iter().any(|f| f["rule"] == "KH301"), "{json:#}");
    assert_eq!(json["summary"]["suppressed"], 1, "{json:#}");
}
