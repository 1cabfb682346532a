//! The cross-resource phase: rules declare what they need from the index, receive it from
//! every scanned file in a stable order, and can report on any of it.

mod common;

use std::path::Path;

use keelhaul::check::{Declared, Rule, Settings};
use keelhaul::finding::{Family, Finding, Precision, RuleMeta, Scope, Severity};
use keelhaul::index::{Index, WORKLOADS};
use keelhaul::pipeline::{ScanOptions, scan};

static PROBE: RuleMeta = RuleMeta {
    id: "KH999",
    slug: "index-probe",
    title: "Reports what the index holds (test only).",
    family: Family::Input,
    severity: Severity::Note,
    severity_note: None,
    precision: Precision::VeryHigh,
    security_severity: None,
    scope: Scope::Object,
    pss_control: None,
    tags: &[],
    page: "# KH999 index-probe\n",
};

/// Reports every RoleBinding kept in the index at its `roleRef.name`, and every workload
/// namespace with the workloads' pod labels.
struct IndexProbe;

impl Declared for IndexProbe {
    fn meta(&self) -> &'static RuleMeta {
        &PROBE
    }
}

impl Rule for IndexProbe {
    fn indexed_kinds(&self) -> &'static [&'static str] {
        &["RoleBinding", WORKLOADS]
    }
    fn check_index(&self, ix: &Index, _settings: &Settings, out: &mut Vec<Finding>) {
        for o in ix.of_kind("RoleBinding") {
            let role = o
                .doc
                .path(o.node, &["roleRef", "name"])
                .expect("roleRef.name");
            out.push(Finding::new(
                &PROBE,
                o.file.clone(),
                o.doc.span(role),
                format!(
                    "binding {} in {}",
                    o.id.name.as_deref().unwrap_or("?"),
                    o.id.namespace.as_deref().unwrap_or("?")
                ),
            ));
        }
        for w in &ix.workloads {
            out.push(Finding::new(
                &PROBE,
                w.file.clone(),
                w.span,
                format!(
                    "workload {} in {} labels {:?}",
                    w.id.describe(),
                    w.id.namespace.as_deref().unwrap_or("?"),
                    w.pod_labels
                ),
            ));
        }
    }
}

static PROBE_RULE: IndexProbe = IndexProbe;

fn probe(threads: usize) -> Vec<(String, u32, String)> {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/examples");
    let result = scan(&ScanOptions {
        paths: vec![examples],
        rules: vec![&PROBE_RULE],
        threads: Some(threads),
        excerpts: false,
        ..ScanOptions::default()
    })
    .expect("scan");
    result
        .findings
        .iter()
        .filter(|f| f.rule.id == "KH999")
        .map(|f| {
            let file = Path::new(&*f.file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string();
            (file, f.span.start.line, f.message.to_string())
        })
        .collect()
}

#[test]
fn cross_resource_rules_see_what_they_asked_for() {
    let got = probe(2);
    let binding = got
        .iter()
        .find(|(f, _, m)| {
            f == "rbac-bindings.yaml" && m.starts_with("binding alice-reads-pods in shop")
        })
        .unwrap_or_else(|| panic!("{got:#?}"));
    assert_eq!(binding.1, 25, "points at roleRef.name");
    let billing = got
        .iter()
        .find(|(f, _, m)| f == "namespace-without-networkpolicy.yaml" && m.contains(" in billing"))
        .unwrap_or_else(|| panic!("{got:#?}"));
    assert_eq!(billing.1, 10, "a workload summary points at its kind");
    assert!(billing.2.contains("Deployment \"invoices\""), "{billing:?}");
    // Roles were not asked for, so none is reported.
    assert!(!got.iter().any(|(_, _, m)| m.contains("pod-reader in")));
    // The same, in the same order, whatever the thread count.
    assert_eq!(got, probe(1));
}

/// KH114 findings as (file, line, message) of `keelhaul scan --format json` over `paths`
/// in `dir`, with the notices.
fn kh114(dir: &Path, paths: &[&str]) -> (Vec<(String, u64, String)>, Vec<String>) {
    let out = common::keelhaul_in(dir)
        .args(["scan", "--format", "json", "--select", "KH114"])
        .args(paths)
        .output()
        .unwrap();
    let report = common::json_of(&out);
    let findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let notices = report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            format!(
                "{}: {}",
                n["file"].as_str().unwrap(),
                n["message"].as_str().unwrap()
            )
        })
        .collect();
    (findings, notices)
}

#[test]
fn an_object_defined_differently_in_two_files_is_judged_by_the_nearest_definition() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let sa = |automount: bool| {
        format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: test\n  namespace: shop\nautomountServiceAccountToken: {automount}\n"
        )
    };
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: shop\nspec:\n  serviceAccountName: test\n  containers:\n  - name: c\n    image: c:1\n";
    common::write(dir, "a/sa.yaml", sa(false));
    common::write(dir, "a/pod.yaml", pod);
    common::write(dir, "b/sa.yaml", sa(true));
    common::write(dir, "b/pod.yaml", pod);
    common::write(dir, "c/pod.yaml", pod);

    // a's pod takes a's ServiceAccount (no token), whether or not b is scanned with it.
    let (alone, notices) = kh114(dir, &["a"]);
    assert!(alone.is_empty(), "{alone:?}");
    assert!(notices.is_empty(), "{notices:?}");
    let (all, notices) = kh114(dir, &["."]);
    let got: Vec<(&str, u64)> = all.iter().map(|(f, l, _)| (f.as_str(), *l)).collect();
    assert_eq!(got, [("./b/pod.yaml", 6), ("./c/pod.yaml", 6)], "{all:?}");
    assert!(
        all[0].2.contains("neither the pod nor the ServiceAccount"),
        "{all:?}"
    );
    // c is as near to both: it says so.
    assert!(
        all[1].2.contains("ambiguous")
            && all[1].2.contains("./a/sa.yaml")
            && all[1].2.contains("./b/sa.yaml"),
        "{all:?}"
    );
    // The conflict is a notice naming both files.
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].starts_with("./a/sa.yaml: ServiceAccount \"test\" (namespace \"shop\", its automountServiceAccountToken) is defined differently in ./b/sa.yaml:1"),
        "{notices:?}"
    );
    // The same definition twice is no conflict.
    common::write(dir, "b/sa.yaml", sa(false));
    let (all, notices) = kh114(dir, &["."]);
    assert!(all.is_empty() && notices.is_empty(), "{all:?} {notices:?}");
}

#[test]
fn a_namespace_with_two_sets_of_pod_security_labels_is_judged_by_the_nearest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let ns = |level: &str| {
        format!(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: {level}\n"
        )
    };
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: shop\nspec:\n  hostNetwork: true\n  containers:\n  - name: c\n    image: c:1\n";
    common::write(dir, "a/ns.yaml", ns("privileged"));
    common::write(dir, "a/pod.yaml", pod);
    common::write(dir, "b/ns.yaml", ns("baseline"));
    common::write(dir, "b/pod.yaml", pod);
    common::write(dir, "c/pod.yaml", pod);
    let out = common::keelhaul_in(dir)
        .args(["scan", ".", "--format", "json", "--select", "KH130"])
        .output()
        .unwrap();
    let report = common::json_of(&out);
    let got: Vec<(&str, u64, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap(),
                f["start"]["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap(),
            )
        })
        .collect();
    // a's pod is admitted (privileged), b's is rejected at hostNetwork, c's cannot be told.
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!((got[0].0, got[0].1), ("./b/pod.yaml", 7), "{got:?}");
    assert!(got[0].2.contains("rejects this pod"), "{got:?}");
    assert_eq!((got[1].0, got[1].1), ("./c/pod.yaml", 6), "{got:?}");
    assert!(got[1].2.contains("ambiguous"), "{got:?}");
    let notices: Vec<&str> = report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].starts_with(
            "Namespace \"shop\" (its Pod Security labels) is defined differently in ./b/ns.yaml:6"
        ),
        "{notices:?}"
    );
}

#[test]
fn cluster_scoped_objects_have_no_namespace_in_reports() {
    let tmp = tempfile::tempdir().unwrap();
    common::write(
        tmp.path(),
        "rbac.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: admins\n  namespace: ignored\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n- kind: User\n  name: alice@example.com\n  apiGroup: rbac.authorization.k8s.io\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: edit\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: edit\nsubjects:\n- kind: User\n  name: bob@example.com\n  apiGroup: rbac.authorization.k8s.io\n",
    );
    for format in ["json", "sarif"] {
        let out = common::keelhaul_in(tmp.path())
            .args(["scan", ".", "--format", format, "--select", "rbac"])
            .output()
            .unwrap();
        let report = common::json_of(&out);
        let text = report.to_string();
        assert!(text.contains("ClusterRoleBinding"), "{format}: {text}");
        let resources: Vec<&serde_json::Value> = if format == "json" {
            report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| &f["resource"])
                .collect()
        } else {
            report["runs"][0]["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| &r["properties"]["resource"])
                .collect()
        };
        for r in resources {
            match r["kind"].as_str() {
                Some("ClusterRoleBinding") => {
                    assert!(r["namespace"].is_null(), "{format}: {r}")
                }
                Some("RoleBinding") => assert_eq!(r["namespace"], "default", "{format}: {r}"),
                other => panic!("{format}: unexpected resource {other:?} in {r}"),
            }
        }
    }
}
