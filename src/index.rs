//! index: documents in, resources out. Owns what a Kubernetes object is (apiVersion, kind,
//! name, namespace; `kind: List` items), which kinds embed a pod template and where, and the
//! cross-resource index that rules over several objects (namespaces, policies, bindings) read.

use std::sync::Arc;

use serde::Serialize;

use crate::load::scalar::Value;
use crate::load::{Document, NodeId};
use crate::span::Span;

/// Who a finding is about, as the JSON report shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ResourceId {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl ResourceId {
    /// `Deployment "web"` for messages.
    pub fn describe(&self) -> Named<'_> {
        Named::object(&self.kind, self.name.as_deref())
    }
}

/// `Deployment "web"`, `container "app"`: a thing and its name, formatted without a
/// separate allocation when it goes into a message.
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    pub what: &'a str,
    pub name: Option<&'a str>,
    pub unnamed_prefix: &'static str,
    pub unnamed_suffix: &'static str,
}

impl<'a> Named<'a> {
    /// A Kubernetes object: `Deployment "web"`, `Deployment (unnamed)`.
    pub fn object(kind: &'a str, name: Option<&'a str>) -> Named<'a> {
        Named {
            what: kind,
            name,
            unnamed_prefix: "",
            unnamed_suffix: " (unnamed)",
        }
    }
}

impl std::fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name {
            Some(n) => write!(f, "{} \"{}\"", self.what, n),
            None => write!(
                f,
                "{}{}{}",
                self.unnamed_prefix, self.what, self.unnamed_suffix
            ),
        }
    }
}

/// One Kubernetes object inside a document.
#[derive(Debug, Clone, Copy)]
pub struct Resource<'d> {
    pub doc: &'d Document,
    /// The object's mapping node.
    pub node: NodeId,
    pub api_version: &'d str,
    pub kind: &'d str,
    pub name: Option<&'d str>,
    /// The namespace it lives in: its own, or the default one.
    pub namespace: &'d str,
    pub namespaced_explicitly: bool,
}

impl<'d> Resource<'d> {
    /// API group: `apps` for `apps/v1`, empty for the core group (`v1`).
    pub fn group(&self) -> &'d str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }

    /// Who the object is; a cluster-scoped kind has no namespace (the API server ignores one
    /// written on it).
    pub fn id(&self) -> ResourceId {
        ResourceId {
            api_version: self.api_version.to_string(),
            kind: self.kind.to_string(),
            namespace: (!is_cluster_scoped(self.group(), self.kind))
                .then(|| self.namespace.to_string()),
            name: self.name.map(str::to_string),
        }
    }

    /// `Deployment "web"` for messages, written straight into them.
    pub fn describe(&self) -> Named<'d> {
        Named::object(self.kind, self.name)
    }

    pub fn metadata(&self) -> Option<NodeId> {
        self.doc.get(self.node, "metadata")
    }
}

/// Kinds that live outside namespaces, by API group: Kubernetes' own, and those of the
/// well-known components whose manifests keelhaul reads.
const CLUSTER_SCOPED: &[(&str, &[&str])] = &[
    (
        "",
        &["Namespace", "Node", "PersistentVolume", "ComponentStatus"],
    ),
    (
        "rbac.authorization.k8s.io",
        &["ClusterRole", "ClusterRoleBinding"],
    ),
    ("apiextensions.k8s.io", &["CustomResourceDefinition"]),
    ("apiregistration.k8s.io", &["APIService"]),
    (
        "admissionregistration.k8s.io",
        &[
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
            "ValidatingAdmissionPolicy",
            "ValidatingAdmissionPolicyBinding",
            "MutatingAdmissionPolicy",
            "MutatingAdmissionPolicyBinding",
        ],
    ),
    (
        "storage.k8s.io",
        &[
            "StorageClass",
            "CSIDriver",
            "CSINode",
            "VolumeAttachment",
            "VolumeAttributesClass",
        ],
    ),
    ("scheduling.k8s.io", &["PriorityClass"]),
    ("node.k8s.io", &["RuntimeClass"]),
    (
        "networking.k8s.io",
        &["IngressClass", "IPAddress", "ServiceCIDR"],
    ),
    ("policy", &["PodSecurityPolicy"]),
    (
        "certificates.k8s.io",
        &["CertificateSigningRequest", "ClusterTrustBundle"],
    ),
    (
        "flowcontrol.apiserver.k8s.io",
        &["FlowSchema", "PriorityLevelConfiguration"],
    ),
    ("cert-manager.io", &["ClusterIssuer"]),
    (
        "snapshot.storage.k8s.io",
        &["VolumeSnapshotClass", "VolumeSnapshotContent"],
    ),
];

/// Whether objects of a kind live outside namespaces.
pub fn is_cluster_scoped(group: &str, kind: &str) -> bool {
    CLUSTER_SCOPED
        .iter()
        .any(|(g, kinds)| *g == group && kinds.contains(&kind))
}

/// Why a document was not read as a Kubernetes object.
#[derive(Debug, Clone, PartialEq)]
pub enum NotAnObject {
    /// A scalar or a list at the top of the document.
    NotAMapping,
    /// A mapping without string `apiVersion` and `kind`.
    MissingTypeFields,
}

/// The objects of a document; `kind: List` (and `*List`) items are objects of their own.
pub fn resources_of<'d>(
    doc: &'d Document,
    default_namespace: &'d str,
) -> Result<Vec<Resource<'d>>, NotAnObject> {
    let Some(root) = doc.root else {
        return Ok(Vec::new());
    };
    if doc.is_null(root) {
        return Ok(Vec::new());
    }
    if !doc.is_mapping(root) {
        return Err(NotAnObject::NotAMapping);
    }
    let mut out = Vec::new();
    collect(doc, root, default_namespace, &mut out)?;
    Ok(out)
}

fn collect<'d>(
    doc: &'d Document,
    node: NodeId,
    default_namespace: &'d str,
    out: &mut Vec<Resource<'d>>,
) -> Result<(), NotAnObject> {
    let (Some(api_version), Some(kind)) =
        (doc.get_str(node, "apiVersion"), doc.get_str(node, "kind"))
    else {
        return Err(NotAnObject::MissingTypeFields);
    };
    if kind.ends_with("List")
        && let Some(items) = doc.get(node, "items")
        && doc.is_sequence(items)
    {
        for &item in doc.items(items) {
            if doc.is_mapping(item) {
                // An item that is not an object is the API server's problem, not a crash here.
                let _ = collect(doc, item, default_namespace, out);
            }
        }
        return Ok(());
    }
    let meta = doc.get(node, "metadata");
    let name = meta.and_then(|m| doc.get_str(m, "name"));
    let ns = meta
        .and_then(|m| doc.get_str(m, "namespace"))
        .filter(|s| !s.is_empty());
    out.push(Resource {
        doc,
        node,
        api_version,
        kind,
        name,
        namespace: ns.unwrap_or(default_namespace),
        namespaced_explicitly: ns.is_some(),
    });
    Ok(())
}

/// A resource that runs pods: where its pod template is.
#[derive(Debug, Clone, Copy)]
pub struct Workload<'d> {
    pub resource: Resource<'d>,
    /// The pod's metadata (pod template metadata; the Pod's own for a Pod).
    pub pod_meta: Option<NodeId>,
    /// The PodSpec mapping.
    pub pod_spec: NodeId,
    /// The `spec:` key that holds the PodSpec, where pod-level "missing field" findings point.
    pub pod_spec_key: NodeId,
    /// The template's path in the object (`spec.template`; empty for a Pod).
    pub template_path: &'static [&'static str],
}

/// Where a kind keeps its pod template (`spec.template`; empty for a Pod), when it is a kind
/// with one; whether the object has that shape is not asked.
pub fn template_path_of(group: &str, kind: &str) -> Option<&'static [&'static str]> {
    if kind == "Pod" && group.is_empty() || kind == "Revision" && group == "serving.knative.dev" {
        return Some(&[]);
    }
    TEMPLATE_PATHS
        .iter()
        .find(|(g, k, _)| *g == group && *k == kind)
        .map(|(_, _, p)| *p)
}

/// Kinds that embed a pod template, by API group and kind, with the path to the template
/// (a mapping with `metadata` and `spec`). Any version of the group is accepted, so every
/// apiVersion a kind was ever served under (`extensions/v1beta1` Deployment, `batch/v1beta1`
/// CronJob, ...) is a workload.
const TEMPLATE_PATHS: &[(&str, &str, &[&str])] = &[
    ("", "PodTemplate", &["template"]),
    ("", "ReplicationController", &["spec", "template"]),
    ("apps", "Deployment", &["spec", "template"]),
    ("apps", "ReplicaSet", &["spec", "template"]),
    ("apps", "StatefulSet", &["spec", "template"]),
    ("apps", "DaemonSet", &["spec", "template"]),
    ("extensions", "Deployment", &["spec", "template"]),
    ("extensions", "ReplicaSet", &["spec", "template"]),
    ("extensions", "DaemonSet", &["spec", "template"]),
    ("batch", "Job", &["spec", "template"]),
    (
        "batch",
        "CronJob",
        &["spec", "jobTemplate", "spec", "template"],
    ),
    // Common CRDs that carry a pod template.
    ("argoproj.io", "Rollout", &["spec", "template"]),
    (
        "apps.openshift.io",
        "DeploymentConfig",
        &["spec", "template"],
    ),
    ("", "DeploymentConfig", &["spec", "template"]),
    ("serving.knative.dev", "Service", &["spec", "template"]),
    (
        "serving.knative.dev",
        "Configuration",
        &["spec", "template"],
    ),
    (
        "keda.sh",
        "ScaledJob",
        &["spec", "jobTargetRef", "template"],
    ),
];

/// The pod template of a resource, if its kind runs pods.
pub fn workload_of<'d>(r: &Resource<'d>) -> Option<Workload<'d>> {
    let doc = r.doc;
    let group = r.group();
    let (template, template_path): (NodeId, &'static [&'static str]) = if r.kind == "Pod"
        && group.is_empty()
        || r.kind == "Revision" && group == "serving.knative.dev"
    {
        (r.node, &[])
    } else {
        let (_, _, path) = TEMPLATE_PATHS
            .iter()
            .find(|(g, k, _)| *g == group && *k == r.kind)?;
        (doc.path(r.node, path)?, path)
    };
    if !doc.is_mapping(template) {
        return None;
    }
    let spec = doc.entry(template, "spec")?;
    if !doc.is_mapping(spec.value) {
        return None;
    }
    Some(Workload {
        resource: *r,
        pod_meta: doc.get(template, "metadata").filter(|&m| doc.is_mapping(m)),
        pod_spec: spec.value,
        pod_spec_key: spec.key,
        template_path,
    })
}

/// An object kept for the cross-resource phase, with the file it came from.
#[derive(Debug, Clone)]
pub struct IndexedObject {
    pub file: Arc<str>,
    pub doc: Arc<Document>,
    pub node: NodeId,
    pub id: ResourceId,
}

/// A workload as the cross-resource phase sees it: identity, namespace, pod labels and
/// where to point. Its document is not kept: there is one of these per workload scanned.
#[derive(Debug, Clone)]
pub struct WorkloadSummary {
    pub file: Arc<str>,
    /// The `kind:` entry of the object, where a finding about the workload as a whole points.
    pub span: Span,
    /// Shared with the findings about the workload.
    pub id: Arc<ResourceId>,
    /// The template of a rendered document (`# Source:`).
    pub origin: Option<Arc<str>>,
    pub pod_labels: Vec<(String, String)>,
    /// The `spec:` key holding the pod spec, where pod-level "missing field" findings point.
    pub pod_spec_key: Span,
    /// The pod's ServiceAccount: `serviceAccountName`, else the deprecated `serviceAccount`,
    /// else `default`.
    pub service_account: String,
    /// `automountServiceAccountToken` of the pod spec, with its value's span, when it is a
    /// boolean.
    pub automount_token: Option<(bool, Span)>,
    /// `hostNetwork: true`: the pods use the node's network, which NetworkPolicy does not
    /// govern.
    pub host_network: bool,
    /// `spec.replicas` of a kind that has it (Deployment, StatefulSet, ReplicaSet,
    /// ReplicationController); None for other kinds.
    pub replicas: Option<Replicas>,
    /// `terminationGracePeriodSeconds` of the pod spec, when it is an integer, with its span.
    pub grace_period: Option<(i64, Span)>,
}

/// The `replicas` of a scalable workload, as the API server reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replicas {
    /// Not written: the API server's default, 1.
    Unset,
    Known(i64, Span),
    /// Written as something the API server refuses, or a template expression.
    Unknown(Span),
}

impl Replicas {
    /// The count, the default when unset; None when it cannot be read.
    pub fn count(self) -> Option<i64> {
        match self {
            Replicas::Unset => Some(1),
            Replicas::Known(n, _) => Some(n),
            Replicas::Unknown(_) => None,
        }
    }

    pub fn span(self) -> Option<Span> {
        match self {
            Replicas::Known(_, s) | Replicas::Unknown(s) => Some(s),
            Replicas::Unset => None,
        }
    }
}

/// Kinds whose `spec.replicas` says how many pods run, by API group.
const SCALABLE: &[(&str, &str)] = &[
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "ReplicaSet"),
    ("extensions", "Deployment"),
    ("extensions", "ReplicaSet"),
    ("", "ReplicationController"),
];

/// The `replicas` of a scalable kind (None for others).
fn replicas_of(r: &Resource<'_>) -> Option<Replicas> {
    let group = r.group();
    if !SCALABLE.iter().any(|(g, k)| *g == group && *k == r.kind) {
        return None;
    }
    let doc = r.doc;
    let Some(n) = doc
        .path(r.node, &["spec", "replicas"])
        .filter(|&n| !doc.is_null(n))
    else {
        return Some(Replicas::Unset);
    };
    Some(match doc.value(n) {
        Some(Value::Int(v)) if (0..=i64::from(i32::MAX)).contains(&v) => {
            Replicas::Known(v, doc.span(n))
        }
        _ => Replicas::Unknown(doc.span(n)),
    })
}

/// In `Rule::indexed_kinds`, asks for a summary of every workload (see `WorkloadSummary`).
pub const WORKLOADS: &str = "*workloads";

/// In `Rule::indexed_kinds`, asks for the drain timeout of every node pool that the scanned
/// AKS cluster definitions create or configure (see `DrainTimeout`).
pub const DRAIN_TIMEOUTS: &str = "*drain-timeouts";

/// The drain timeout a node pool's upgrades run with, from a scanned AKS cluster definition.
#[derive(Debug, Clone)]
pub struct DrainTimeout {
    pub file: Arc<str>,
    /// Where the value is written; None for a pool that takes the default.
    pub span: Option<Span>,
    pub minutes: u32,
    pub pool: Option<String>,
}

/// Everything the cross-resource rules look at, gathered from all files.
#[derive(Debug, Default)]
pub struct Index {
    pub objects: Vec<IndexedObject>,
    pub workloads: Vec<WorkloadSummary>,
    pub drain_timeouts: Vec<DrainTimeout>,
}

impl Index {
    /// Records what the enabled cross-resource rules asked for (`wanted`: kinds whose whole
    /// object they read, and `WORKLOADS`); nothing else of the document is retained.
    pub fn add(&mut self, file: &Arc<str>, doc: &Arc<Document>, r: &Resource<'_>, wanted: &[&str]) {
        if wanted.contains(&r.kind) {
            self.objects.push(IndexedObject {
                file: file.clone(),
                doc: doc.clone(),
                node: r.node,
                id: r.id(),
            });
        } else if wanted.contains(&WORKLOADS)
            && let Some(w) = workload_of(r)
        {
            let labels = w
                .pod_meta
                .and_then(|m| doc.get(m, "labels"))
                .map(|l| {
                    doc.entries(l)
                        .filter_map(|e| {
                            Some((
                                doc.scalar(e.key)?.to_string(),
                                doc.scalar(e.value)?.to_string(),
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let span = doc
                .entry(r.node, "kind")
                .map_or_else(|| doc.span(r.node), |e| doc.span(e.key));
            let service_account = ["serviceAccountName", "serviceAccount"]
                .iter()
                .find_map(|k| doc.get_str(w.pod_spec, k).filter(|s| !s.is_empty()))
                .unwrap_or("default")
                .to_string();
            let automount_token = doc
                .get(w.pod_spec, "automountServiceAccountToken")
                .and_then(|v| match doc.value(v) {
                    Some(Value::Bool(b)) => Some((b, doc.span(v))),
                    _ => None,
                });
            self.workloads.push(WorkloadSummary {
                file: file.clone(),
                span,
                id: Arc::new(r.id()),
                origin: doc.origin.clone(),
                pod_labels: labels,
                pod_spec_key: doc.span(w.pod_spec_key),
                service_account,
                automount_token,
                host_network: doc
                    .get(w.pod_spec, "hostNetwork")
                    .is_some_and(|v| doc.value(v) == Some(Value::Bool(true))),
                replicas: replicas_of(r),
                grace_period: doc
                    .get(w.pod_spec, "terminationGracePeriodSeconds")
                    .and_then(|v| match doc.value(v) {
                        Some(Value::Int(n)) => Some((n, doc.span(v))),
                        _ => None,
                    }),
            });
        }
    }

    /// Moves what was indexed from a part of a file (one that starts on line `lines + 1`,
    /// after `documents` others) to its place in the file. A document shared by several
    /// objects (a `List`) is moved once.
    pub fn shift(&mut self, lines: u32, documents: u32) {
        let mut moved: Vec<(*const Document, Arc<Document>)> = Vec::new();
        for o in &mut self.objects {
            let old = Arc::as_ptr(&o.doc);
            if let Some((_, d)) = moved.iter().find(|(p, _)| *p == old) {
                o.doc = d.clone();
                continue;
            }
            let mut doc = (*o.doc).clone();
            doc.shift(lines, documents);
            o.doc = Arc::new(doc);
            moved.push((old, o.doc.clone()));
        }
        for w in &mut self.workloads {
            w.span = w.span.shifted(lines);
            w.pod_spec_key = w.pod_spec_key.shifted(lines);
            if let Some((_, s)) = &mut w.automount_token {
                *s = s.shifted(lines);
            }
            if let Some((_, s)) = &mut w.grace_period {
                *s = s.shifted(lines);
            }
            if let Some(Replicas::Known(_, s) | Replicas::Unknown(s)) = &mut w.replicas {
                *s = s.shifted(lines);
            }
        }
    }

    pub fn merge(&mut self, other: Index) {
        self.objects.extend(other.objects);
        self.workloads.extend(other.workloads);
        self.drain_timeouts.extend(other.drain_timeouts);
    }

    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a IndexedObject> + 'a {
        self.objects.iter().filter(move |o| o.id.kind == kind)
    }

    /// Sorts by file and position, so cross-resource rules see a stable order whatever the
    /// thread count; the lists, complete by then, give back the room they grew by.
    pub fn sort(&mut self) {
        self.objects.shrink_to_fit();
        self.workloads.shrink_to_fit();
        self.drain_timeouts.shrink_to_fit();
        self.objects
            .sort_by_key(|o| (o.file.clone(), o.doc.index, o.doc.span(o.node).start));
        self.workloads
            .sort_by_key(|w| (w.file.clone(), w.span.start));
        self.drain_timeouts
            .sort_by_key(|d| (d.file.clone(), d.span.map(|s| s.start)));
    }
}

// Several definitions of one object. Files scanned together may define the same object
// (kind, namespace, name) differently; a workload is then judged against the definition in
// its own file, else the nearest one (in its overlay's or chart's directory, else the
// closest directory), and when that is still not one definition it is ambiguous. The answer
// depends on the workload's own place only, never on the order files were read in.

/// Which definition a reference means.
#[derive(Debug, PartialEq)]
pub enum Picked<'a, T> {
    None,
    One(&'a T),
    /// Definitions that disagree, at the same distance.
    Ambiguous(Vec<&'a T>),
}

/// The directory a file as reports name it belongs to: a render (`overlays/prod [kubectl
/// kustomize]`) belongs to its overlay's or chart's directory, a file to its own.
pub fn unit_of(file: &str) -> &str {
    match file.rsplit_once(" [") {
        Some((dir, tool)) if tool.ends_with(']') => dir,
        _ => file.rsplit_once('/').map_or("", |(dir, _)| dir),
    }
}

/// Whether a file name is a render's (`dir [tool]`), not a file's.
pub fn is_render(file: &str) -> bool {
    file.rsplit_once(" [")
        .is_some_and(|(_, t)| t.ends_with(']'))
}

/// How many leading directories two directories share.
fn shared_dirs(a: &str, b: &str) -> usize {
    fn parts(s: &str) -> impl Iterator<Item = &str> {
        s.split('/').filter(|p| !p.is_empty() && *p != ".")
    }
    parts(a).zip(parts(b)).take_while(|(x, y)| x == y).count()
}

/// The definition among `defs` that a reference from an object in `from` means: when they
/// all agree, the first; else those in `from` itself, else those nearest to it by directory,
/// if they agree.
pub fn pick_definition<'a, T>(
    defs: &[&'a T],
    file_of: impl Fn(&T) -> &str,
    agree: impl Fn(&T, &T) -> bool,
    from: &str,
) -> Picked<'a, T> {
    let Some(&first) = defs.first() else {
        return Picked::None;
    };
    let all_agree = |set: &[&'a T]| set.iter().all(|d| agree(d, set[0]));
    if all_agree(defs) {
        return Picked::One(first);
    }
    let own: Vec<&'a T> = defs
        .iter()
        .copied()
        .filter(|d| file_of(d) == from)
        .collect();
    let nearest: Vec<&'a T> = if own.is_empty() {
        // Nearest: the most directories in common, then the fewest of its own below them.
        let here = unit_of(from);
        let closeness = |d: &T| {
            let unit = unit_of(file_of(d));
            let shared = shared_dirs(unit, here);
            let depth = unit
                .split('/')
                .filter(|p| !p.is_empty() && *p != ".")
                .count();
            (shared, std::cmp::Reverse(depth - shared))
        };
        let best = defs.iter().map(|d| closeness(d)).max();
        defs.iter()
            .copied()
            .filter(|d| Some(closeness(d)) == best)
            .collect()
    } else {
        own
    };
    if all_agree(&nearest) {
        Picked::One(nearest[0])
    } else {
        Picked::Ambiguous(nearest)
    }
}

#[cfg(test)]
mod definition_tests {
    use super::*;

    fn pick<'a>(defs: &[&'a (&'a str, u8)], from: &str) -> Picked<'a, (&'a str, u8)> {
        pick_definition(defs, |d| d.0, |a, b| a.1 == b.1, from)
    }

    #[test]
    fn a_reference_means_its_own_file_then_the_nearest_directory() {
        let a = ("apps/a/sa.yaml", 1);
        let a2 = ("apps/a/deploy.yaml", 1);
        let b = ("apps/b/sa.yaml", 2);
        let render = ("apps/b/overlays/prod [kubectl kustomize]", 3);
        let defs = [&a, &a2, &b, &render];
        assert_eq!(pick(&defs, "apps/a/deploy.yaml"), Picked::One(&a2));
        assert_eq!(pick(&defs, "apps/a/other.yaml"), Picked::One(&a));
        assert_eq!(pick(&defs, "apps/b/deploy.yaml"), Picked::One(&b));
        assert_eq!(
            pick(&defs, "apps/b/overlays/prod [kubectl kustomize]"),
            Picked::One(&render)
        );
        assert_eq!(
            pick(&defs, "apps/c/deploy.yaml"),
            Picked::Ambiguous(vec![&a, &a2, &b]),
            "the render is further away, in a directory below apps/b"
        );
        // Definitions that agree are one, wherever they are.
        let same = ("x/sa.yaml", 1);
        assert_eq!(pick(&[&a, &same], "elsewhere.yaml"), Picked::One(&a));
        assert_eq!(pick(&[], "a.yaml"), Picked::None);
        // The answer does not depend on the order the definitions were read in.
        assert_eq!(pick(&[&b, &a, &a2], "apps/a/other.yaml"), Picked::One(&a));
    }
}
