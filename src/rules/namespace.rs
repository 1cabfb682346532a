//! Namespace rules (KH13x): the Pod Security Admission labels of the Namespaces in the
//! scanned set: workloads that a namespace's `enforce` level will reject (or its `audit` /
//! `warn` level will flag), namespaces without an `enforce` label, and label values that
//! admission does not understand.

use std::collections::BTreeMap;

use super::rule_meta;
use crate::check::{Rule, Settings, Sink};
use crate::finding::{Finding, Severity};
use crate::index::{Index, IndexedObject, Picked, pick_definition};
use crate::k8s::SYSTEM_NAMESPACES;
use crate::k8s::pod_view::PodView;
use crate::k8s::pss::{self, LABEL_PREFIX, Level};
use crate::k8s::version::KubeVersion;
use crate::load::{Document, NodeId};

rule_meta!(
    NamespacePssViolation,
    NAMESPACE_REJECTS,
    "KH130",
    "namespace-pss-violation",
    Error,
    "A workload breaks the Pod Security level its namespace enforces (or audits, or warns about).",
    precision = High,
    scope = Namespace,
    severity_note = "enforce), warning (audit, warn"
);
rule_meta!(
    NamespaceWithoutPss,
    NAMESPACE_WITHOUT_ENFORCE,
    "KH131",
    "namespace-without-pss",
    Warning,
    "A Namespace has no pod-security.kubernetes.io/enforce label.",
    precision = High,
    scope = Namespace
);
rule_meta!(
    NamespacePssLabelInvalid,
    NAMESPACE_LABEL_INVALID,
    "KH132",
    "namespace-pss-label-invalid",
    Error,
    "A Pod Security Admission label of a Namespace has a value admission does not accept.",
    scope = Namespace
);

/// A Namespace's labels: key → (key node, value node, value).
fn labels(o: &IndexedObject) -> BTreeMap<&str, (NodeId, NodeId, &str)> {
    let doc: &Document = &o.doc;
    let Some(l) = doc.path(o.node, &["metadata", "labels"]) else {
        return BTreeMap::new();
    };
    doc.entries(l)
        .filter_map(|e| Some((doc.scalar(e.key)?, (e.key, e.value, doc.scalar(e.value)?))))
        .collect()
}

/// The Pod Security labels of the workload's namespace: of the definition nearest to it.
/// When the nearest definitions disagree, that is reported (and `None` returned).
fn namespace_policy<'s>(pod: &PodView<'_>, out: &mut Sink<'s>) -> Option<&'s pss::NamespacePolicy> {
    let r = pod.workload.resource;
    let settings = out.settings;
    let defs: Vec<&pss::NamespacePolicy> = settings
        .namespaces
        .get(r.namespace)
        .map(|d| d.iter().collect())
        .unwrap_or_default();
    let same = |a: &pss::NamespacePolicy, b: &pss::NamespacePolicy| {
        let modes = |p: &pss::NamespacePolicy| {
            p.modes
                .iter()
                .map(|m| (m.mode, m.level, m.version))
                .collect::<Vec<_>>()
        };
        modes(a) == modes(b)
    };
    match pick_definition(&defs, |p| &p.file, same, out.file) {
        Picked::One(p) => Some(p),
        Picked::None => None,
        Picked::Ambiguous(defs) => {
            let files: Vec<&str> = defs.iter().map(|p| &*p.file).collect();
            let node = pod.workload.pod_spec_key;
            out.report(
                    &NAMESPACE_REJECTS,
                    node,
                    format!(
                        "{}: namespace \"{}\" is defined with different Pod Security labels in {}, so whether Pod Security Admission admits its pods is ambiguous; keep one definition of the Namespace",
                        r.describe(),
                        r.namespace,
                        files.join(", ")
                    ),
                )
                .severity(Severity::Warning);
            None
        }
    }
}

/// KH130.
impl Rule for NamespacePssViolation {
    fn reads_namespace_labels(&self) -> bool {
        true
    }

    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        let r = pod.workload.resource;
        let Some(policy) = namespace_policy(pod, out) else {
            return;
        };
        // One finding per workload and mode, on the first violated field, with the other
        // violations as related locations; a violation caught by a stricter mode (enforce
        // before audit before warn) is not repeated under a laxer one.
        let mut seen: Vec<(NodeId, &'static str)> = Vec::new();
        for m in &policy.modes {
            let fresh: Vec<pss::Violation> = pss::evaluate(pod, m.level, m.version)
                .into_iter()
                .filter(|v| {
                    let new = !seen.contains(&(v.node, v.control.id));
                    if new {
                        seen.push((v.node, v.control.id));
                    }
                    new
                })
                .collect();
            let Some(first) = fresh.first() else { continue };
            let (severity, consequence) = match (m.mode, r.kind == "Pod") {
                ("enforce", true) => (
                    Severity::Error,
                    "Pod Security Admission rejects this pod".to_string(),
                ),
                ("enforce", false) => (
                    Severity::Error,
                    format!(
                        "the pods of this {} will be rejected by Pod Security Admission",
                        r.kind
                    ),
                ),
                ("audit", _) => (
                    Severity::Warning,
                    "Pod Security Admission records it in the audit log".to_string(),
                ),
                _ => (
                    Severity::Warning,
                    "Pod Security Admission warns about it on every apply".to_string(),
                ),
            };
            let mut what = String::new();
            for (k, v) in fresh.iter().enumerate() {
                if k > 0 {
                    what.push_str("; ");
                }
                what.push_str(&format!(
                    "{} {} (\"{}\")",
                    v.subject, v.detail, v.control.name
                ));
            }
            let f = out
                .report(
                    &NAMESPACE_REJECTS,
                    first.node,
                    format!(
                        "{consequence} in namespace \"{}\" ({}: {} v{}), {}: {what}",
                        r.namespace,
                        m.mode,
                        m.level.as_str(),
                        m.version,
                        r.describe(),
                    ),
                )
                .severity(severity)
                .related_elsewhere(
                    policy.file.clone(),
                    m.label,
                    match (m.mode, m.level) {
                        ("enforce", Level::Baseline) => "namespace label enforce: baseline",
                        ("enforce", Level::Restricted) => "namespace label enforce: restricted",
                        ("audit", Level::Baseline) => "namespace label audit: baseline",
                        ("audit", Level::Restricted) => "namespace label audit: restricted",
                        (_, Level::Baseline) => "namespace label warn: baseline",
                        (_, Level::Restricted) => "namespace label warn: restricted",
                    },
                );
            let doc = pod.doc;
            for v in fresh[1..].iter().filter(|v| v.node != first.node) {
                f.related(doc.span(v.node), v.control.name);
            }
        }
    }
}

/// KH131.
impl Rule for NamespaceWithoutPss {
    fn indexed_kinds(&self) -> &'static [&'static str] {
        &["Namespace"]
    }

    fn check_index(&self, ix: &Index, settings: &Settings, out: &mut Vec<Finding>) {
        for ns in ix.of_kind("Namespace") {
            let name = ns.id.name.as_deref().unwrap_or_default();
            if SYSTEM_NAMESPACES.contains(&name)
                || settings.exempt_namespaces.iter().any(|e| e == name)
            {
                continue;
            }
            let labels = labels(ns);
            if labels.contains_key(format!("{LABEL_PREFIX}enforce").as_str()) {
                continue;
            }
            let doc: &Document = &ns.doc;
            let meta = doc.entry(ns.node, "metadata");
            let at = meta
                .and_then(|m| doc.entry(m.value, "labels"))
                .map(|e| e.key)
                .or(meta.map(|m| m.key))
                .unwrap_or(ns.node);
            let also = if labels.keys().any(|k| k.starts_with(LABEL_PREFIX)) {
                " (it only audits or warns)"
            } else {
                ""
            };
            out.push(ns.finding(&NAMESPACE_WITHOUT_ENFORCE, doc.span(at), format!(
                "Namespace \"{name}\" does not enforce a Pod Security level{also}: add the label pod-security.kubernetes.io/enforce: baseline (or restricted) so admission rejects pods that break it"
            )));
        }
    }
}

/// KH132.
impl Rule for NamespacePssLabelInvalid {
    fn indexed_kinds(&self) -> &'static [&'static str] {
        &["Namespace"]
    }

    fn check_index(&self, ix: &Index, _settings: &Settings, out: &mut Vec<Finding>) {
        for ns in ix.of_kind("Namespace") {
            for (key, (_, value_node, value)) in labels(ns) {
                let Some(suffix) = key.strip_prefix(LABEL_PREFIX) else {
                    continue;
                };
                let problem = match suffix {
                    "enforce" | "audit" | "warn" => {
                        (!matches!(value, "privileged" | "baseline" | "restricted")).then(|| {
                            "the level must be privileged, baseline or restricted".to_string()
                        })
                    }
                    "enforce-version" | "audit-version" | "warn-version" => {
                        let ok = value == "latest"
                            || value
                                .strip_prefix('v')
                                .and_then(KubeVersion::parse)
                                .is_some_and(|v| v <= KubeVersion::NEWEST_KNOWN);
                        (!ok).then(|| {
                            "the version must be latest or vX.Y (for example v1.30)".to_string()
                        })
                    }
                    "exempt" => None,
                    other => Some(format!(
                        "pod-security.kubernetes.io/{other} is not a label Pod Security Admission reads"
                    )),
                };
                if let Some(problem) = problem {
                    out.push(ns.finding(&NAMESPACE_LABEL_INVALID, ns.doc.span(value_node), format!(
                        "the label {key}: {value} of Namespace \"{}\" is not valid: {problem}; admission then falls back to its defaults",
                        ns.id.name.as_deref().unwrap_or_default()
                    )));
                }
            }
        }
    }
}
