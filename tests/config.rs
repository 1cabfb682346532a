//! The configuration file (`.keelhaul.yaml`, `--config`) and `keelhaul init`: where the file is
//! found, what each key does, how flags override it, and errors that name file:line:col.

mod common;

use std::path::Path;

use common::{PRIVILEGED_POD, json_of, keelhaul_in, write};
use predicates::prelude::*;
use predicates::str::contains;
use tempfile::TempDir;

const NAMESPACE: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n";

const CRONJOB: &str = "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: c\n";

const CERTIFICATE: &str =
    "apiVersion: cert-manager.io/v1alpha2\nkind: Certificate\nmetadata:\n  name: c\n";

/// A repository (its `.git` stops the search for a configuration file) with `config` as its
/// `.keelhaul.yaml` (none when empty) and `manifest` in `k8s/app/a.yaml`.
fn repo(config: &str, manifest: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    if !config.is_empty() {
        write(dir.path(), ".keelhaul.yaml", config);
    }
    write(dir.path(), "k8s/app/a.yaml", manifest);
    dir
}

/// Scans `k8s/app` as JSON; returns the exit code and (rule, severity) of each finding.
fn scan(dir: &Path, args: &[&str]) -> (i32, Vec<(String, String)>, serde_json::Value) {
    let out = keelhaul_in(dir)
        .args(["scan", "k8s/app", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let report = json_of(&out);
    let findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (out.status.code().unwrap(), findings, report)
}

fn has(findings: &[(String, String)], rule: &str) -> bool {
    findings.iter().any(|(r, _)| r == rule)
}

#[test]
fn found_from_a_subdirectory_scan() {
    let without = repo("", PRIVILEGED_POD);
    assert_eq!(scan(without.path(), &[]).0, 1);
    let with = repo("failOn: never\n", PRIVILEGED_POD);
    assert_eq!(scan(with.path(), &[]).0, 0);
    // Scanned from inside the subdirectory too, and under the .yml name.
    let yml = repo("", PRIVILEGED_POD);
    write(yml.path(), ".keelhaul.yml", "failOn: never\n");
    keelhaul_in(&yml.path().join("k8s/app"))
        .args(["scan", "."])
        .assert()
        .code(0);
    // A file argument: the search starts in its directory.
    keelhaul_in(with.path())
        .args(["scan", "k8s/app/a.yaml"])
        .assert()
        .code(0);
}

#[test]
fn the_search_stops_at_the_git_root() {
    let dir = repo("failOn: never\n", PRIVILEGED_POD);
    // k8s/ is a repository of its own: the file above it is not read.
    std::fs::create_dir(dir.path().join("k8s/.git")).unwrap();
    assert_eq!(scan(dir.path(), &[]).0, 1);
}

#[test]
fn config_flag_names_the_file() {
    let dir = repo("", PRIVILEGED_POD);
    write(dir.path(), "conf/keelhaul.yaml", "failOn: never\n");
    assert_eq!(scan(dir.path(), &["--config", "conf/keelhaul.yaml"]).0, 0);
    keelhaul_in(dir.path())
        .args(["scan", "k8s/app", "--config", "conf/missing.yaml"])
        .assert()
        .code(2)
        .stderr(contains("conf/missing.yaml").and(contains("does not exist")));
}

#[test]
fn rules_off_and_severity_overrides() {
    let dir = repo("rules:\n  KH101: off\n", PRIVILEGED_POD);
    let (_, findings, _) = scan(dir.path(), &[]);
    assert!(!has(&findings, "KH101"), "{findings:?}");
    assert!(has(&findings, "KH114"), "{findings:?}");

    let dir = repo(
        "rules:\n  privileged: note\n  KH114: error\n  KH106: on\n",
        PRIVILEGED_POD,
    );
    let (code, findings, report) = scan(dir.path(), &[]);
    assert!(
        findings.contains(&("KH101".into(), "note".into())),
        "{findings:?}"
    );
    assert!(
        findings.contains(&("KH114".into(), "error".into())),
        "{findings:?}"
    );
    assert!(has(&findings, "KH106"));
    assert_eq!(code, 1, "KH114 is an error now");
    assert_eq!(report["summary"]["notes"], 1);

    // Only warnings and notes left: the exit code follows the new severities.
    let dir = repo("rules:\n  privileged: warning\n", PRIVILEGED_POD);
    assert_eq!(scan(dir.path(), &[]).0, 0);
    // And SARIF's level.
    let out = keelhaul_in(dir.path())
        .args(["scan", "k8s/app", "--format", "sarif"])
        .output()
        .unwrap();
    let sarif = json_of(&out);
    let kh101 = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "KH101")
        .unwrap();
    assert_eq!(kh101["level"], "warning");
}

#[test]
fn select_on_the_command_line_beats_off() {
    let dir = repo("rules:\n  KH101: off\n", PRIVILEGED_POD);
    let (_, findings, _) = scan(dir.path(), &["--select", "KH101"]);
    assert_eq!(findings, [("KH101".to_string(), "error".to_string())]);
}

#[test]
fn kube_version_and_targets() {
    let dir = repo("kubeVersion: \"1.20\"\n", CRONJOB);
    assert!(scan(dir.path(), &[]).1.is_empty());
    let dir = repo("kubeVersion: 1.21\n", CRONJOB);
    assert_eq!(
        scan(dir.path(), &[]).1,
        [("KH502".into(), "warning".into())]
    );
    // The command line wins.
    let (_, findings, _) = scan(dir.path(), &["--kube-version", "1.20"]);
    assert!(findings.is_empty(), "{findings:?}");
    let dir = repo("targets: {k8s: \"1.20\"}\n", CRONJOB);
    assert!(scan(dir.path(), &[]).1.is_empty());

    let dir = repo("", CERTIFICATE);
    assert!(has(&scan(dir.path(), &[]).1, "KH503"));
    let dir = repo("targets:\n  cert-manager: \"1.3\"\n", CERTIFICATE);
    assert!(scan(dir.path(), &[]).1.is_empty());
    let (_, findings, _) = scan(dir.path(), &["--target", "cert-manager=1.5"]);
    assert!(has(&findings, "KH504"), "{findings:?}");
}

#[test]
fn pss_namespaces_and_endpoints() {
    let dir = repo("pss: restricted\n", PRIVILEGED_POD);
    assert!(has(&scan(dir.path(), &[]).1, "KH120"));

    let dir = repo("defaultNamespace: apps\n", PRIVILEGED_POD);
    let (_, _, report) = scan(dir.path(), &[]);
    assert_eq!(report["findings"][0]["resource"]["namespace"], "apps");
    let (_, _, report) = scan(dir.path(), &["--default-namespace", "web"]);
    assert_eq!(report["findings"][0]["resource"]["namespace"], "web");

    let dir = repo("", NAMESPACE);
    assert!(has(&scan(dir.path(), &[]).1, "KH131"));
    let dir = repo("exemptNamespaces: [apps]\n", NAMESPACE);
    assert!(scan(dir.path(), &[]).1.is_empty());

    let dir = repo("metadataEndpoints: [\"10.1.2.3\"]\n", PRIVILEGED_POD);
    let (_, _, report) = scan(dir.path(), &[]);
    let text = report.to_string();
    assert!(text.contains("10.1.2.3"), "{text}");
}

#[test]
fn include_and_exclude() {
    let dir = repo("exclude: [\"skip/**\"]\n", PRIVILEGED_POD);
    write(dir.path(), "k8s/app/skip/b.yaml", NAMESPACE);
    let (_, findings, _) = scan(dir.path(), &[]);
    assert!(!has(&findings, "KH131"), "{findings:?}");
    // --exclude adds to the file's list.
    let (_, findings, report) = scan(dir.path(), &["--exclude", "a.yaml"]);
    assert!(findings.is_empty(), "{findings:?}");
    assert_eq!(report["summary"]["files"], 0);

    let dir = repo("include: [\"skip/**\"]\n", PRIVILEGED_POD);
    write(dir.path(), "k8s/app/skip/b.yaml", NAMESPACE);
    let (_, findings, _) = scan(dir.path(), &[]);
    assert!(
        has(&findings, "KH131") && !has(&findings, "KH101"),
        "{findings:?}"
    );
}

#[test]
fn fail_on_flag_beats_the_file() {
    let dir = repo("failOn: never\n", PRIVILEGED_POD);
    assert_eq!(scan(dir.path(), &[]).0, 0);
    assert_eq!(scan(dir.path(), &["--fail-on", "error"]).0, 1);
    let dir = repo("failOn: note\n", NAMESPACE);
    assert_eq!(scan(dir.path(), &[]).0, 1);
    assert_eq!(scan(dir.path(), &["--fail-on", "error"]).0, 0);
}

/// A configuration that must be refused before scanning, with this text on standard error.
fn refused(config: &str, expected: &str) {
    let dir = repo(config, PRIVILEGED_POD);
    keelhaul_in(dir.path())
        .args(["scan", "k8s/app", "--format", "json"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains(expected));
}

#[test]
fn errors_name_the_file_line_and_key() {
    refused(
        "failOn: never\nfailOnn: error\n",
        ".keelhaul.yaml:2:1: failOnn: unknown key",
    );
    refused(
        "failOn: sometimes\n",
        ".keelhaul.yaml:1:9: failOn: not a severity",
    );
    refused(
        "rules:\n  KH101: loud\n",
        ".keelhaul.yaml:2:10: rules.KH101: not a rule setting",
    );
    refused(
        "rules:\n  KH999: off\n",
        ".keelhaul.yaml:2:3: rules.KH999: unknown rule",
    );
    refused(
        "kubeVersion: \"2.1\"\n",
        ".keelhaul.yaml:1:14: kubeVersion: not a Kubernetes version",
    );
    refused(
        "kubeVersion: \"1.99\"\n",
        ".keelhaul.yaml:1:14: kubeVersion: keelhaul knows Kubernetes up to",
    );
    refused(
        "targets: {nosuch: \"1.0\"}\n",
        ".keelhaul.yaml:1:19: targets.nosuch: unknown component",
    );
    refused(
        "pss: strict\n",
        ".keelhaul.yaml:1:6: pss: not a Pod Security level",
    );
    refused(
        "exclude: charts\n",
        ".keelhaul.yaml:1:10: exclude: expected a list",
    );
    refused(
        "metadataEndpoints: [nope]\n",
        ".keelhaul.yaml:1:21: metadataEndpoints: not a CIDR",
    );
    refused(
        "helm:\n  chart: ./chart\n",
        ".keelhaul.yaml:2:3: helm.chart: unknown key",
    );
    refused(
        "helm:\n  charts:\n    web:\n      - name: prod\n        values: values-prod.yaml\n",
        ".keelhaul.yaml:5:17: helm.charts.web[].values: expected a list",
    );
    refused(
        "helm:\n  set: [replicas]\n",
        ".keelhaul.yaml:2:9: helm.set: expected KEY=VALUE",
    );
    refused(
        "kustomize: {render: maybe}\n",
        ".keelhaul.yaml:1:21: kustomize.render: expected true or false",
    );
    refused(
        "renderTimeout: 0\n",
        ".keelhaul.yaml:1:16: renderTimeout: expected a number of seconds",
    );
    refused("failOn: [a\n", ".keelhaul.yaml:");
    refused("- a\n", ".keelhaul.yaml:1:1: expected a mapping");
}

#[test]
fn init_writes_a_file_that_loads() {
    let dir = repo("", PRIVILEGED_POD);
    keelhaul_in(dir.path()).arg("init").assert().code(0);
    let text = std::fs::read_to_string(dir.path().join(".keelhaul.yaml")).unwrap();
    for key in [
        "kubeVersion",
        "pss",
        "failOn",
        "defaultNamespace",
        "include",
        "exclude",
        "exemptNamespaces",
        "metadataEndpoints",
        "targets",
        "rules",
    ] {
        assert!(text.contains(&format!("#{key}:")), "{key} missing:\n{text}");
    }
    // It is found and read: everything commented out, so the defaults hold.
    assert_eq!(scan(dir.path(), &[]).0, 1);

    // It refuses to overwrite, unless forced.
    write(dir.path(), ".keelhaul.yaml", "failOn: never\n");
    keelhaul_in(dir.path())
        .arg("init")
        .assert()
        .code(2)
        .stderr(contains("--force"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".keelhaul.yaml")).unwrap(),
        "failOn: never\n"
    );
    keelhaul_in(dir.path())
        .args(["init", "--force"])
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".keelhaul.yaml")).unwrap(),
        text
    );

    // Another path, named with --config.
    keelhaul_in(dir.path())
        .args(["init", "conf.yaml"])
        .assert()
        .code(0);
    keelhaul_in(dir.path())
        .args([
            "scan",
            "k8s/app",
            "--config",
            "conf.yaml",
            "--fail-on",
            "never",
        ])
        .assert()
        .code(0);

    // A directory gets the file inside it, and --force overwrites that file, not the
    // directory.
    keelhaul_in(dir.path())
        .args(["init", "k8s"])
        .assert()
        .code(0);
    let inside = dir.path().join("k8s/.keelhaul.yaml");
    assert_eq!(std::fs::read_to_string(&inside).unwrap(), text);
    write(dir.path(), "k8s/.keelhaul.yaml", "failOn: never\n");
    keelhaul_in(dir.path())
        .args(["init", "k8s", "--force"])
        .assert()
        .code(0);
    assert_eq!(std::fs::read_to_string(&inside).unwrap(), text);
}

#[test]
fn rules_are_selected_by_family_and_tag_and_unknown_names_list_what_exists() {
    let ids = |args: &[&str]| -> Vec<String> {
        let out = common::keelhaul()
            .args([
                "scan",
                "testdata/examples",
                "--format",
                "json",
                "--fail-on",
                "never",
            ])
            .args(args)
            .output()
            .unwrap();
        let report = common::json_of(&out);
        let mut ids: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let family = ids(&["--select", "KH1"]);
    assert!(
        !family.is_empty() && family.iter().all(|id| id.starts_with("KH1")),
        "{family:?}"
    );
    assert_eq!(ids(&["--select", "kh1xx"]), family);
    let tagged = ids(&["--select", "apparmor,KH50x"]);
    assert!(
        tagged
            .iter()
            .all(|id| id.starts_with("KH21") || id.starts_with("KH50")),
        "{tagged:?}"
    );
    assert!(tagged.iter().any(|id| id.starts_with("KH21")), "{tagged:?}");
    let without = ids(&["--ignore", "pod-security,input"]);
    assert!(
        without
            .iter()
            .all(|id| !id.starts_with("KH1") && !id.starts_with("KH0")),
        "{without:?}"
    );
    let out = common::keelhaul()
        .args(["scan", "testdata/examples", "--select", "KH9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown rule \"KH9\"") && err.contains("pod-security"),
        "{err}"
    );
}

#[test]
fn the_configuration_sets_a_family_and_a_rule_named_alone_keeps_its_own_setting() {
    let tmp = tempfile::tempdir().unwrap();
    common::write(tmp.path(), "pod.yaml", common::PRIVILEGED_POD);
    common::write(
        tmp.path(),
        ".keelhaul.yaml",
        "rules:\n  privileged: error\n  KH1: note\n  seccomp: off\n",
    );
    let out = common::keelhaul_in(tmp.path())
        .args(["scan", ".", "--format", "json"])
        .output()
        .unwrap();
    let report = common::json_of(&out);
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        let (rule, sev) = (f["rule"].as_str().unwrap(), f["severity"].as_str().unwrap());
        assert!(!rule.starts_with("KH20"), "seccomp is off: {rule}");
        if rule == "KH101" {
            assert_eq!(sev, "error");
        } else if rule.starts_with("KH1") {
            assert_eq!(sev, "note", "{rule}");
        }
    }
    assert!(findings.iter().any(|f| f["rule"] == "KH101"));
}
