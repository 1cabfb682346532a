//! Seccomp and AppArmor rules (KH2xx): profiles that are missing, unconfined or malformed,
//! and the legacy annotations, judged at the target Kubernetes version: seccomp annotations
//! stop working in 1.27, AppArmor's are deprecated from 1.30, when its field arrives.

use std::collections::HashSet;

use super::rule_meta;
use crate::check::{Rule, Sink};
use crate::finding::{Gate, RuleMeta, Severity};
use crate::k8s::pod_view::{ContainerView, Field, PodView, key_of, map_field, str_field};
use crate::k8s::pss;
use crate::k8s::version::KubeVersion;
use crate::load::{Document, NodeId};

rule_meta!(
    SeccompMissing,
    SECCOMP_MISSING,
    "KH201",
    "seccomp-missing",
    Warning,
    "A container has no seccomp profile.",
    pss = "seccompProfile_restricted"
);
rule_meta!(
    SeccompUnconfined,
    SECCOMP_UNCONFINED,
    "KH202",
    "seccomp-unconfined",
    Error,
    "A pod or container runs without seccomp (Unconfined).",
    pss = "seccompProfile_baseline"
);
rule_meta!(
    SeccompProfileInvalid,
    SECCOMP_PROFILE_INVALID,
    "KH203",
    "seccomp-profile-invalid",
    Error,
    "A seccomp profile is malformed: Localhost without a profile, a profile without Localhost, an unknown type."
);
rule_meta!(
    SeccompLegacyAnnotation,
    SECCOMP_LEGACY_ANNOTATION,
    "KH204",
    "seccomp-legacy-annotation",
    Warning,
    "A legacy seccomp annotation: deprecated, and without effect from Kubernetes 1.27.",
    severity_note = "error from 1.27 when it is the only profile"
);
rule_meta!(
    MisplacedSecurityAnnotation,
    MISPLACED_SECURITY_ANNOTATION,
    "KH205",
    "misplaced-security-annotation",
    Error,
    "A seccomp or AppArmor annotation sits on the workload instead of its pod template."
);
rule_meta!(
    AppArmorUnconfined,
    APPARMOR_UNCONFINED,
    "KH211",
    "apparmor-unconfined",
    Error,
    "A pod or container runs without AppArmor (Unconfined).",
    pss = "appArmorProfile"
);
rule_meta!(
    AppArmorProfileInvalid,
    APPARMOR_PROFILE_INVALID,
    "KH212",
    "apparmor-profile-invalid",
    Error,
    "An AppArmor profile is malformed."
);
rule_meta!(
    AppArmorUnknownContainer,
    APPARMOR_UNKNOWN_CONTAINER,
    "KH213",
    "apparmor-unknown-container",
    Error,
    "An AppArmor annotation names a container the pod does not have."
);
rule_meta!(
    AppArmorLegacyAnnotation,
    APPARMOR_LEGACY_ANNOTATION,
    "KH214",
    "apparmor-legacy-annotation",
    Warning,
    "A legacy AppArmor annotation, deprecated from Kubernetes 1.30.",
    severity_note = "from 1.30"
);
rule_meta!(
    AppArmorFieldUnsupported,
    APPARMOR_FIELD_UNSUPPORTED,
    "KH215",
    "apparmor-field-unsupported",
    Error,
    "The appArmorProfile field is used on a Kubernetes version that does not have it (before 1.30).",
    severity_note = "before 1.30"
);

const SECCOMP_POD: &str = pss::SECCOMP_POD_ANNOTATION;
const SECCOMP_CONTAINER: &str = pss::SECCOMP_CONTAINER_ANNOTATION_PREFIX;
const APPARMOR_CONTAINER: &str = pss::APPARMOR_ANNOTATION_PREFIX;

/// Seccomp annotations work until 1.26: the API server turns them into fields; from 1.27 not.
const SECCOMP_ANNOTATIONS_GONE: KubeVersion = KubeVersion(27);
/// The seccompProfile field went GA in 1.19, which deprecated the annotations.
const SECCOMP_ANNOTATIONS_DEPRECATED: KubeVersion = KubeVersion(19);
/// The appArmorProfile field exists from 1.30, and the annotation is deprecated from then.
const APPARMOR_FIELD_ARRIVES: KubeVersion = KubeVersion(30);

/// A profile, from a field or from a legacy annotation value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Profile<'a> {
    kind: &'a str,
    localhost: Option<&'a str>,
}

impl Profile<'_> {
    /// How to write it as a field, for messages.
    fn as_field(&self, field: &str) -> String {
        match self.localhost {
            Some(p) => format!(
                "securityContext.{field}: {{type: {}, localhostProfile: {p}}}",
                self.kind
            ),
            None => format!("securityContext.{field}: {{type: {}}}", self.kind),
        }
    }
}

/// A legacy annotation value as a profile (seccomp and AppArmor share the spellings).
fn annotation_profile(value: &str) -> Option<Profile<'_>> {
    match value {
        "runtime/default" | "docker/default" => Some(Profile {
            kind: "RuntimeDefault",
            localhost: None,
        }),
        "unconfined" => Some(Profile {
            kind: "Unconfined",
            localhost: None,
        }),
        v => v
            .strip_prefix("localhost/")
            .filter(|p| !p.is_empty())
            .map(|p| Profile {
                kind: "Localhost",
                localhost: Some(p),
            }),
    }
}

/// A profile field (`seccompProfile` / `appArmorProfile`) of a security context.
struct ProfileField<'d> {
    key: NodeId,
    map: NodeId,
    kind: Field<&'d str>,
    localhost: Field<&'d str>,
}

impl<'d> ProfileField<'d> {
    fn read(doc: &'d Document, sc: Option<NodeId>, field: &str) -> Option<ProfileField<'d>> {
        let map = map_field(doc, sc, field)?;
        Some(ProfileField {
            key: key_of(doc, sc, field)?,
            map,
            kind: str_field(doc, Some(map), "type"),
            localhost: str_field(doc, Some(map), "localhostProfile"),
        })
    }

    fn profile(&self) -> Option<Profile<'d>> {
        Some(Profile {
            kind: self.kind.get()?,
            localhost: self.localhost.get(),
        })
    }
}

/// An annotation of the pod metadata (or of any metadata), with both nodes.
struct Annotation<'d> {
    key: &'d str,
    value: &'d str,
    key_node: NodeId,
    value_node: NodeId,
}

fn annotations_of(doc: &Document, meta: Option<NodeId>) -> Vec<Annotation<'_>> {
    let Some(ann) = meta.and_then(|m| doc.get(m, "annotations")) else {
        return Vec::new();
    };
    doc.entries(ann)
        .filter_map(|e| {
            Some(Annotation {
                key: doc.scalar(e.key)?,
                value: doc.scalar(e.value).unwrap_or_default(),
                key_node: e.key,
                value_node: e.value,
            })
        })
        .collect()
}

fn pod_annotations<'d>(pod: &PodView<'d>) -> Vec<Annotation<'d>> {
    annotations_of(pod.doc, pod.workload.pod_meta)
}

fn container_named<'a, 'd>(pod: &'a PodView<'d>, name: &str) -> Option<&'a ContainerView<'d>> {
    pod.container_named(name)
}

/// Checks the `type` / `localhostProfile` pair of a profile field; shared by KH203 and KH212.
fn check_profile_shape(
    rule: &'static RuleMeta,
    what: &str,
    f: &ProfileField<'_>,
    owner: Owner<'_, '_>,
    out: &mut Sink<'_>,
) {
    let whom = || owner.describe();
    match (f.kind, f.localhost) {
        (Field::Set("Localhost", n), lp) if lp.get().is_none_or(str::is_empty) => {
            out.report(rule, n, format!(
                "{} sets {what}.type: Localhost without a localhostProfile: the API server rejects the object", whom()
            ));
        }
        (Field::Set("Localhost" | "RuntimeDefault" | "Unconfined", _), _) => {}
        (Field::Set(other, n), _) => {
            out.report(rule, n, format!(
                "{} sets {what}.type: {other}: the type is RuntimeDefault, Localhost or Unconfined", whom()
            ));
        }
        (Field::Absent, _) => {
            out.report(
                rule,
                f.key,
                format!(
                    "{} sets {what} without a type: the API server rejects the object",
                    whom()
                ),
            );
        }
        (Field::Invalid, _) => {}
    }
    if let Field::Set(_, _) = f.localhost
        && !matches!(f.kind, Field::Set("Localhost", _))
        && let Some(k) = key_of(out.doc, Some(f.map), "localhostProfile")
    {
        out.report(rule, k, format!(
                "{} sets {what}.localhostProfile but the type is not Localhost: the API server rejects the object", whom()
        ));
    }
}

/// Whom a security context belongs to; described only when a finding needs it.
#[derive(Clone, Copy)]
enum Owner<'a, 'd> {
    Pod(&'a PodView<'d>),
    Container(&'a PodView<'d>, &'a ContainerView<'d>),
}

impl Owner<'_, '_> {
    fn describe(&self) -> String {
        match self {
            Owner::Pod(p) => format!("the pod spec of {}", p.describe()),
            Owner::Container(p, c) => format!("{} of {}", c.describe(), p.describe()),
        }
    }
}

/// Every security context of a pod with its owner: the pod's, then each container's.
fn security_contexts<'a, 'd>(
    pod: &'a PodView<'d>,
) -> impl Iterator<Item = (Option<NodeId>, Owner<'a, 'd>)> {
    std::iter::once((pod.security_context(), Owner::Pod(pod))).chain(
        pod.containers()
            .iter()
            .map(move |c| (c.security_context(), Owner::Container(pod, c))),
    )
}

// ---- seccomp ------------------------------------------------------------------------------

/// KH201.
impl Rule for SeccompMissing {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        if pod.is_windows()
            || map_field(pod.doc, pod.security_context(), "seccompProfile").is_some()
        {
            return;
        }
        let ann = pod_annotations(pod);
        let pod_annotated = ann.iter().any(|a| a.key == SECCOMP_POD);
        let annotated_containers: HashSet<&str> = ann
            .iter()
            .filter_map(|a| a.key.strip_prefix(SECCOMP_CONTAINER))
            .collect();
        for c in pod.containers() {
            if map_field(c.doc, c.security_context(), "seccompProfile").is_some()
                || crate::k8s::pod_view::bool_field(c.doc, c.security_context(), "privileged").get()
                    == Some(true)
            {
                continue;
            }
            let annotated =
                pod_annotated || c.name().is_some_and(|n| annotated_containers.contains(n));
            // Up to 1.26 the annotation confines the container; from 1.27 it does not, and
            // KH204 reports that annotation as the one thing to fix. Either way, not twice.
            if annotated {
                continue;
            }
            out.report(&SECCOMP_MISSING, c.anchor(), format!(
                "{} of {} has no seccomp profile: it runs Unconfined unless the node's kubelet enables seccompDefault; set securityContext.seccompProfile.type: RuntimeDefault (at pod level it covers every container)",
                c.describe(),
                pod.describe()
            ));
        }
    }
}

/// KH202.
impl Rule for SeccompUnconfined {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        for (sc, owner) in security_contexts(pod) {
            if let Some(f) = ProfileField::read(pod.doc, sc, "seccompProfile")
                && let Field::Set("Unconfined", n) = f.kind
            {
                out.report(&SECCOMP_UNCONFINED, n, format!(
                    "{} sets seccompProfile.type: Unconfined: every system call is allowed; use RuntimeDefault or a Localhost profile", owner.describe()
                ));
            }
        }
        if out.settings.kube_version < SECCOMP_ANNOTATIONS_GONE {
            for a in pod_annotations(pod) {
                if (a.key == SECCOMP_POD || a.key.starts_with(SECCOMP_CONTAINER))
                    && a.value == "unconfined"
                {
                    out.report(
                        &SECCOMP_UNCONFINED,
                        a.value_node,
                        format!(
                            "the annotation {} of {} turns seccomp off (unconfined)",
                            a.key,
                            pod.describe()
                        ),
                    );
                }
            }
        }
    }
}

/// KH203.
impl Rule for SeccompProfileInvalid {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        for (sc, owner) in security_contexts(pod) {
            if let Some(f) = ProfileField::read(pod.doc, sc, "seccompProfile") {
                check_profile_shape(&SECCOMP_PROFILE_INVALID, "seccompProfile", &f, owner, out);
            }
        }
    }
}

/// KH204.
impl Rule for SeccompLegacyAnnotation {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        let version = out.settings.kube_version;
        for a in pod_annotations(pod) {
            // The field this annotation stands for.
            let sc = if a.key == SECCOMP_POD {
                pod.security_context()
            } else if let Some(name) = a.key.strip_prefix(SECCOMP_CONTAINER) {
                match container_named(pod, name) {
                    Some(c) => c.security_context(),
                    None => continue,
                }
            } else {
                continue;
            };
            let field = ProfileField::read(pod.doc, sc, "seccompProfile").and_then(|f| f.profile());
            let wanted = annotation_profile(a.value);
            let use_field = wanted
                .map(|p| p.as_field("seccompProfile"))
                .unwrap_or_else(|| "securityContext.seccompProfile".into());
            let (severity, gate, message) = match (field, version >= SECCOMP_ANNOTATIONS_GONE) {
                (Some(f), _) if wanted.is_some_and(|w| !same_profile(w, f)) => (
                    Severity::Error,
                    None,
                    format!(
                        "the annotation {} ({}) disagrees with the seccompProfile field ({}): only the field counts, and the API server rejects a mismatch",
                        a.key, a.value, f.kind
                    ),
                ),
                (None, true) => (
                    Severity::Error,
                    Some(
                        Gate::breaks(SECCOMP_ANNOTATIONS_GONE)
                            .deprecated_from(Some(SECCOMP_ANNOTATIONS_DEPRECATED)),
                    ),
                    format!(
                        "the annotation {} has no effect from Kubernetes 1.27 (target {version}): the pod is not confined by it; set {use_field}",
                        a.key
                    ),
                ),
                (Some(_), true) => (
                    Severity::Warning,
                    None,
                    format!(
                        "the annotation {} has no effect from Kubernetes 1.27 and the seccompProfile field already sets the profile: remove it",
                        a.key
                    ),
                ),
                (_, false) => (
                    Severity::Warning,
                    Some(Gate::deprecated(SECCOMP_ANNOTATIONS_DEPRECATED)),
                    format!(
                        "the annotation {} is deprecated since Kubernetes 1.19 and has no effect from 1.27: set {use_field}",
                        a.key
                    ),
                ),
            };
            let f = out
                .report(&SECCOMP_LEGACY_ANNOTATION, a.key_node, message)
                .severity(severity);
            if let Some(gate) = gate {
                f.gate(gate);
            }
        }
    }
}

/// Annotation and field name the same profile (`docker/default` is RuntimeDefault).
fn same_profile(a: Profile<'_>, b: Profile<'_>) -> bool {
    a.kind == b.kind && (a.kind != "Localhost" || a.localhost == b.localhost)
}

/// KH205.
impl Rule for MisplacedSecurityAnnotation {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        let r = pod.workload.resource;
        let own_meta = r.metadata();
        if own_meta.is_none()
            || own_meta == pod.workload.pod_meta
            || pod.workload.template_path.is_empty()
        {
            return;
        }
        let place = format!(
            "{}.metadata.annotations",
            pod.workload.template_path.join(".")
        );
        for a in annotations_of(pod.doc, own_meta) {
            let security = a.key == SECCOMP_POD
                || a.key.starts_with(SECCOMP_CONTAINER)
                || a.key.starts_with(APPARMOR_CONTAINER);
            if security {
                out.report(&MISPLACED_SECURITY_ANNOTATION, a.key_node, format!(
                    "the annotation {} is on the {} itself, where it has no effect: the pods never see it; move it to {place}",
                    a.key, r.kind
                ));
            }
        }
    }
}

// ---- AppArmor -----------------------------------------------------------------------------

/// KH211.
impl Rule for AppArmorUnconfined {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        for (sc, owner) in security_contexts(pod) {
            if let Some(f) = ProfileField::read(pod.doc, sc, "appArmorProfile")
                && let Field::Set("Unconfined", n) = f.kind
            {
                out.report(&APPARMOR_UNCONFINED, n, format!(
                    "{} sets appArmorProfile.type: Unconfined: AppArmor no longer restricts what it reads, writes and mounts", owner.describe()
                ));
            }
        }
        for a in pod_annotations(pod) {
            if a.key.starts_with(APPARMOR_CONTAINER) && a.value == "unconfined" {
                out.report(
                    &APPARMOR_UNCONFINED,
                    a.value_node,
                    format!(
                        "the annotation {} of {} turns AppArmor off (unconfined)",
                        a.key,
                        pod.describe()
                    ),
                );
            }
        }
    }
}

/// KH212.
impl Rule for AppArmorProfileInvalid {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        for (sc, owner) in security_contexts(pod) {
            if let Some(f) = ProfileField::read(pod.doc, sc, "appArmorProfile") {
                check_profile_shape(&APPARMOR_PROFILE_INVALID, "appArmorProfile", &f, owner, out);
            }
        }
        for a in pod_annotations(pod) {
            // An empty value is accepted by the API server (no profile asked for).
            if a.key.starts_with(APPARMOR_CONTAINER)
                && !a.value.is_empty()
                && annotation_profile(a.value).is_none()
            {
                out.report(&APPARMOR_PROFILE_INVALID, a.value_node, format!(
                    "the annotation {} of {} has the value {:?}: it must be runtime/default, unconfined or localhost/<profile>, or the API server rejects the object",
                    a.key,
                    pod.describe(),
                    a.value
                ));
            }
        }
    }
}

/// KH213.
impl Rule for AppArmorUnknownContainer {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        for a in pod_annotations(pod) {
            if let Some(name) = a.key.strip_prefix(APPARMOR_CONTAINER)
                && container_named(pod, name).is_none()
            {
                let known: Vec<&str> = pod.containers().iter().filter_map(|c| c.name()).collect();
                out.report(&APPARMOR_UNKNOWN_CONTAINER, a.key_node, format!(
                    "the annotation {} names the container \"{name}\", which {} does not have ({}): the API server rejects the object (container not found)",
                    a.key,
                    pod.describe(),
                    if known.is_empty() { "it has none".to_string() } else { format!("it has {}", known.join(", ")) }
                ));
            }
        }
    }
}

/// KH214.
impl Rule for AppArmorLegacyAnnotation {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        let version = out.settings.kube_version;
        if version < APPARMOR_FIELD_ARRIVES {
            return;
        }
        for a in pod_annotations(pod) {
            let Some(name) = a.key.strip_prefix(APPARMOR_CONTAINER) else {
                continue;
            };
            let Some(c) = container_named(pod, name) else {
                continue;
            };
            let field = ProfileField::read(c.doc, c.security_context(), "appArmorProfile")
                .or_else(|| ProfileField::read(pod.doc, pod.security_context(), "appArmorProfile"))
                .and_then(|f| f.profile());
            let wanted = annotation_profile(a.value);
            match (field, wanted) {
                (Some(f), Some(w)) if !same_profile(w, f) => {
                    // Before 1.30 the API server drops the field; from then on it rejects
                    // the pair.
                    out.report(&APPARMOR_LEGACY_ANNOTATION, a.key_node, format!(
                        "the annotation {} ({}) disagrees with the appArmorProfile field ({}) of {}: the API server rejects a mismatch",
                        a.key, a.value, f.kind, c.describe()
                    ))
                    .severity(Severity::Error)
                    .gate(Gate::breaks(APPARMOR_FIELD_ARRIVES));
                }
                _ => {
                    let use_field = wanted
                        .map(|p| p.as_field("appArmorProfile"))
                        .unwrap_or_else(|| "securityContext.appArmorProfile".into());
                    out.report(&APPARMOR_LEGACY_ANNOTATION, a.key_node, format!(
                        "the annotation {} is deprecated since Kubernetes 1.30 (target {version}): set {use_field} on {}",
                        a.key,
                        c.describe()
                    ))
                    .gate(Gate::deprecated(APPARMOR_FIELD_ARRIVES));
                }
            }
        }
    }
}

/// KH215.
impl Rule for AppArmorFieldUnsupported {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        let version = out.settings.kube_version;
        if version >= APPARMOR_FIELD_ARRIVES {
            return;
        }
        for (sc, owner) in security_contexts(pod) {
            if let Some(k) = key_of(pod.doc, sc, "appArmorProfile") {
                out.report(&APPARMOR_FIELD_UNSUPPORTED, k, format!(
                    "{} sets appArmorProfile, which Kubernetes {version} does not have (it arrives in 1.30): the API server drops it and the profile is not applied; use the annotation container.apparmor.security.beta.kubernetes.io/<container> until the cluster runs 1.30", owner.describe()
                ));
            }
        }
    }
}
