//! The cross-resource phase: rules declare what they need from the index, receive it from
//! every scanned file in a stable order, and can report on any of it.

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
