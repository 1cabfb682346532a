//! Input rules (KH0xx): problems with the files themselves. Most are raised by the scan
//! while loading; KH004 checks field types against the part of the Kubernetes schema that
//! keelhaul's rules read.

use super::rule_meta;
use crate::check::{Rule, Sink};
use crate::index::{Resource, workload_of};
use crate::load::scalar::Value;
use crate::load::{Document, NodeId};

rule_meta!(
    InvalidYaml,
    INVALID_YAML,
    "KH001",
    "invalid-yaml",
    Error,
    "The file is not valid YAML or JSON."
);
rule_meta!(
    DuplicateKey,
    DUPLICATE_KEY,
    "KH002",
    "duplicate-key",
    Error,
    "A mapping sets the same key twice."
);
rule_meta!(
    AliasLimit,
    ALIAS_LIMIT,
    "KH003",
    "alias-limit",
    Error,
    "Anchors and aliases expand beyond the budget (an alias bomb)."
);
rule_meta!(
    InvalidValue,
    INVALID_VALUE,
    "KH004",
    "invalid-value",
    Error,
    "A field has a value of the wrong type; the API server rejects the object."
);
rule_meta!(
    UnreadableFile,
    UNREADABLE_FILE,
    "KH005",
    "unreadable-file",
    Error,
    "The file could not be read."
);
rule_meta!(
    SkippedFile,
    SKIPPED_FILE,
    "KH006",
    "skipped-file",
    Error,
    "The file (or a document of it) was not scanned: binary, over the size limit, not a regular file, or a symbolic link that is not followed.",
    severity_note = "warning for a symbolic link that is not followed"
);
rule_meta!(
    NotRendered,
    NOT_RENDERED,
    "KH007",
    "not-rendered",
    Note,
    "A Helm chart or template, or a Kustomize overlay, was not rendered, so what it produces was not checked."
);
rule_meta!(
    SuppressionInvalid,
    SUPPRESSION_INVALID,
    "KH008",
    "suppression-invalid",
    Warning,
    "A suppression gives no reason, or names no known rule.",
    scope = Comment
);
rule_meta!(
    RenderFailed,
    RENDER_FAILED,
    "KH010",
    "render-failed",
    Warning,
    "helm template or kustomize build failed, so the chart's or overlay's resources were not checked."
);
rule_meta!(
    SuppressionUnused,
    SUPPRESSION_UNUSED,
    "KH009",
    "suppression-unused",
    Warning,
    "A suppression suppresses nothing.",
    scope = Comment
);

// Raised by the scan while loading, not by a hook: nothing to override.
impl Rule for InvalidYaml {}
impl Rule for DuplicateKey {}
impl Rule for AliasLimit {}
impl Rule for UnreadableFile {}
impl Rule for SkippedFile {}
impl Rule for NotRendered {}
impl Rule for RenderFailed {}
impl Rule for SuppressionInvalid {}
impl Rule for SuppressionUnused {}

/// The built-in API groups that serve each well-known kind, every group it was ever served
/// under included (`extensions` Deployments are KH501's, not this rule's).
const SERVED_BY: &[(&str, &[&str])] = &[
    ("Pod", &[""]),
    ("Service", &[""]),
    ("ConfigMap", &[""]),
    ("Secret", &[""]),
    ("Namespace", &[""]),
    ("ServiceAccount", &[""]),
    ("PersistentVolume", &[""]),
    ("PersistentVolumeClaim", &[""]),
    ("ReplicationController", &[""]),
    ("Deployment", &["apps", "extensions"]),
    ("DaemonSet", &["apps", "extensions"]),
    ("ReplicaSet", &["apps", "extensions"]),
    ("StatefulSet", &["apps"]),
    ("Job", &["batch"]),
    ("CronJob", &["batch"]),
    ("Ingress", &["networking.k8s.io", "extensions"]),
    ("NetworkPolicy", &["networking.k8s.io", "extensions"]),
    ("PodDisruptionBudget", &["policy"]),
    ("Role", &["rbac.authorization.k8s.io"]),
    ("RoleBinding", &["rbac.authorization.k8s.io"]),
    ("ClusterRole", &["rbac.authorization.k8s.io"]),
    ("ClusterRoleBinding", &["rbac.authorization.k8s.io"]),
];

/// The groups `SERVED_BY` speaks for: a kind under another group (a CRD's, OpenShift's) is
/// not judged.
const BUILT_IN_GROUPS: &[&str] = &[
    "",
    "apps",
    "batch",
    "extensions",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
];

/// The preferred apiVersion of a well-known kind, for the message.
fn served_as(kind: &str) -> Option<String> {
    let (_, groups) = SERVED_BY.iter().find(|(k, _)| *k == kind)?;
    Some(match groups[0] {
        "" => "v1".to_string(),
        g => format!("{g}/v1"),
    })
}

/// A well-known kind under a built-in group that does not serve it (`apiVersion: v1` with
/// `kind: Deployment`): the API server rejects the object, and keelhaul does not read it as
/// that kind. Reported at the apiVersion; returns whether it was.
fn kind_not_served(r: &Resource<'_>, out: &mut Sink<'_>) -> bool {
    let group = r.group();
    let Some((_, groups)) = SERVED_BY.iter().find(|(k, _)| *k == r.kind) else {
        return false;
    };
    if !BUILT_IN_GROUPS.contains(&group) || groups.contains(&group) {
        return false;
    }
    let Some(at) = r.doc.get(r.node, "apiVersion") else {
        return false;
    };
    let right = served_as(r.kind).unwrap_or_default();
    out.report(
        &INVALID_VALUE,
        at,
        format!(
            "apiVersion {} does not serve kind {}: the API server rejects this object, and it is not checked as a {}; use apiVersion {right}",
            r.api_version, r.kind, r.kind
        ),
    );
    true
}

/// A workload kind whose pod template cannot be reached because a step on the way to it
/// (`spec`, `spec.template`, `spec.template.spec`) is not a mapping: the API server rejects
/// the object, and without this nothing would say that its pods went unchecked.
fn wrong_shape_on_the_way(r: &Resource<'_>, path: &[&str], out: &mut Sink<'_>) {
    let doc = r.doc;
    let mut node = r.node;
    let mut walked: Vec<&str> = Vec::new();
    for key in path.iter().copied().chain(std::iter::once("spec")) {
        let Some(e) = doc.entry(node, key) else {
            return;
        };
        walked.push(key);
        if doc.is_mapping(e.value) {
            node = e.value;
            continue;
        }
        if doc.is_null(e.value) {
            return;
        }
        let found = match doc.value(e.value) {
            Some(v) => v.type_name().to_string(),
            None => "a list".into(),
        };
        out.report(
            &INVALID_VALUE,
            e.value,
            format!(
                "{} of {} must be a mapping, found {found}: the API server rejects this object, and its pods were not checked",
                walked.join("."),
                r.describe()
            ),
        );
        return;
    }
}

/// The Kubernetes type of a field, as far as keelhaul's rules read fields.
enum Ty {
    Bool,
    Int,
    Str,
    Map(&'static [(&'static str, Ty)]),
    /// A map whose values all have one type (labels, annotations).
    MapOf(&'static Ty),
    List(&'static Ty),
}

const SELINUX: Ty = Ty::Map(&[
    ("user", Ty::Str),
    ("role", Ty::Str),
    ("type", Ty::Str),
    ("level", Ty::Str),
]);
const PROFILE: Ty = Ty::Map(&[("type", Ty::Str), ("localhostProfile", Ty::Str)]);
const WINDOWS: Ty = Ty::Map(&[("hostProcess", Ty::Bool), ("runAsUserName", Ty::Str)]);

const POD_SECURITY_CONTEXT: Ty = Ty::Map(&[
    ("runAsNonRoot", Ty::Bool),
    ("runAsUser", Ty::Int),
    ("runAsGroup", Ty::Int),
    ("fsGroup", Ty::Int),
    ("supplementalGroups", Ty::List(&Ty::Int)),
    (
        "sysctls",
        Ty::List(&Ty::Map(&[("name", Ty::Str), ("value", Ty::Str)])),
    ),
    ("seLinuxOptions", SELINUX),
    ("seccompProfile", PROFILE),
    ("appArmorProfile", PROFILE),
    ("windowsOptions", WINDOWS),
]);

const CONTAINER_SECURITY_CONTEXT: Ty = Ty::Map(&[
    ("privileged", Ty::Bool),
    ("allowPrivilegeEscalation", Ty::Bool),
    ("readOnlyRootFilesystem", Ty::Bool),
    ("runAsNonRoot", Ty::Bool),
    ("runAsUser", Ty::Int),
    ("runAsGroup", Ty::Int),
    ("procMount", Ty::Str),
    (
        "capabilities",
        Ty::Map(&[("add", Ty::List(&Ty::Str)), ("drop", Ty::List(&Ty::Str))]),
    ),
    ("seLinuxOptions", SELINUX),
    ("seccompProfile", PROFILE),
    ("appArmorProfile", PROFILE),
    ("windowsOptions", WINDOWS),
]);

const CONTAINER: Ty = Ty::List(&Ty::Map(&[
    ("name", Ty::Str),
    ("image", Ty::Str),
    ("command", Ty::List(&Ty::Str)),
    ("args", Ty::List(&Ty::Str)),
    (
        "env",
        Ty::List(&Ty::Map(&[("name", Ty::Str), ("value", Ty::Str)])),
    ),
    (
        "ports",
        Ty::List(&Ty::Map(&[
            ("name", Ty::Str),
            ("containerPort", Ty::Int),
            ("hostPort", Ty::Int),
            ("protocol", Ty::Str),
        ])),
    ),
    ("securityContext", CONTAINER_SECURITY_CONTEXT),
]));

const POD_SPEC: Ty = Ty::Map(&[
    ("hostNetwork", Ty::Bool),
    ("hostPID", Ty::Bool),
    ("hostIPC", Ty::Bool),
    ("hostUsers", Ty::Bool),
    ("shareProcessNamespace", Ty::Bool),
    ("automountServiceAccountToken", Ty::Bool),
    ("serviceAccountName", Ty::Str),
    ("securityContext", POD_SECURITY_CONTEXT),
    ("containers", CONTAINER),
    ("initContainers", CONTAINER),
    ("ephemeralContainers", CONTAINER),
    (
        "volumes",
        Ty::List(&Ty::Map(&[
            ("name", Ty::Str),
            ("hostPath", Ty::Map(&[("path", Ty::Str), ("type", Ty::Str)])),
        ])),
    ),
]);

const OBJECT_META: Ty = Ty::Map(&[
    ("name", Ty::Str),
    ("namespace", Ty::Str),
    ("labels", Ty::MapOf(&Ty::Str)),
    ("annotations", Ty::MapOf(&Ty::Str)),
]);

/// KH004: values the API server cannot decode into the field's type.
impl Rule for InvalidValue {
    fn check_resource(&self, r: &Resource<'_>, out: &mut Sink<'_>) {
        if kind_not_served(r, out) {
            return;
        }
        if workload_of(r).is_none()
            && let Some(path) = crate::index::template_path_of(r.group(), r.kind)
        {
            wrong_shape_on_the_way(r, path, out);
        }
        let doc = r.doc;
        let mut path: Vec<Seg<'_>> = Vec::new();
        if let Some(m) = r.metadata() {
            path.push(Seg::Key("metadata"));
            walk(doc, m, &OBJECT_META, &mut path, out);
        }
        if let Some(w) = workload_of(r) {
            if let Some(m) = w.pod_meta
                && m != r.metadata().unwrap_or(NodeId::MAX)
            {
                path.clear();
                path.extend(w.template_path.iter().map(|k| Seg::Key(k)));
                path.push(Seg::Key("metadata"));
                walk(doc, m, &OBJECT_META, &mut path, out);
            }
            path.clear();
            path.extend(w.template_path.iter().map(|k| Seg::Key(k)));
            path.push(Seg::Key("spec"));
            walk(doc, w.pod_spec, &POD_SPEC, &mut path, out);
        }
    }
}

/// A step of the path to a field, turned into text only when a finding needs it.
#[derive(Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn path_text(path: &[Seg<'_>]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if s.is_empty() => s.push_str(k),
            Seg::Key(k) if k.contains(['.', '/', ' ']) => s.push_str(&format!("[\"{k}\"]")),
            Seg::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn walk<'d>(doc: &'d Document, node: NodeId, ty: &Ty, path: &mut Vec<Seg<'d>>, out: &mut Sink<'_>) {
    let expected = match ty {
        Ty::Bool => "a boolean",
        Ty::Int => "an integer",
        Ty::Str => "a string",
        Ty::Map(_) | Ty::MapOf(_) => "a mapping",
        Ty::List(_) => "a list",
    };
    let ok = match (ty, doc.value(node)) {
        (_, Some(Value::Null)) => return,
        (Ty::Bool, Some(Value::Bool(_))) | (Ty::Int, Some(Value::Int(_))) => true,
        (Ty::Str, Some(Value::Str(_))) => true,
        (Ty::Map(_) | Ty::MapOf(_), None) => doc.is_mapping(node),
        (Ty::List(_), None) => doc.is_sequence(node),
        _ => false,
    };
    if !ok {
        let found = match doc.value(node) {
            Some(Value::Str(s)) if matches!(ty, Ty::Bool | Ty::Int) => {
                format!("the string \"{s}\" (quoted values are strings)")
            }
            Some(v) => v.type_name().to_string(),
            None if doc.is_mapping(node) => "a mapping".into(),
            None => "a list".into(),
        };
        let resource = out.resource.describe();
        out.report(
            &INVALID_VALUE,
            node,
            format!("{} of {resource} must be {expected}, found {found}: the API server rejects this object", path_text(path)),
        );
        return;
    }
    match ty {
        Ty::Map(fields) => {
            for e in doc.entries(node) {
                let Some(k) = doc.scalar(e.key) else { continue };
                if let Some((name, t)) = fields.iter().find(|(n, _)| *n == k) {
                    path.push(Seg::Key(name));
                    walk(doc, e.value, t, path, out);
                    path.pop();
                }
            }
        }
        Ty::MapOf(t) => {
            for e in doc.entries(node) {
                path.push(Seg::Key(doc.scalar(e.key).unwrap_or_default()));
                walk(doc, e.value, t, path, out);
                path.pop();
            }
        }
        Ty::List(t) => {
            for (i, &item) in doc.items(node).iter().enumerate() {
                path.push(Seg::Index(i));
                walk(doc, item, t, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}
