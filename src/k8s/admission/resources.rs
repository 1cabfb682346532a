//! What admission rules name: resources (plural, lowercase), not kinds. Which resource a
//! kind is, whether it lives in namespaces, and under which other group/versions the API
//! server serves the same resource (what `matchPolicy: Equivalent` also matches).

use crate::index::{Resource, is_cluster_scoped};
use crate::k8s::api_lifecycle::{self, Status};
use crate::k8s::version::KubeVersion;

/// Kubernetes' built-in kinds by API group. Their resource is the kind's plural by the rule
/// in `plural` except where `IRREGULAR` says otherwise.
const BUILT_IN: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "Pod",
            "Service",
            "ConfigMap",
            "Secret",
            "Namespace",
            "Node",
            "PersistentVolume",
            "PersistentVolumeClaim",
            "ServiceAccount",
            "Endpoints",
            "Event",
            "LimitRange",
            "ResourceQuota",
            "ReplicationController",
            "PodTemplate",
            "ComponentStatus",
        ],
    ),
    (
        "apps",
        &[
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
            "ControllerRevision",
        ],
    ),
    (
        "extensions",
        &[
            "Deployment",
            "DaemonSet",
            "ReplicaSet",
            "Ingress",
            "NetworkPolicy",
            "PodSecurityPolicy",
        ],
    ),
    ("batch", &["Job", "CronJob"]),
    ("autoscaling", &["HorizontalPodAutoscaler"]),
    ("policy", &["PodDisruptionBudget", "PodSecurityPolicy"]),
    (
        "networking.k8s.io",
        &[
            "NetworkPolicy",
            "Ingress",
            "IngressClass",
            "IPAddress",
            "ServiceCIDR",
        ],
    ),
    (
        "rbac.authorization.k8s.io",
        &["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"],
    ),
    (
        "storage.k8s.io",
        &[
            "StorageClass",
            "CSIDriver",
            "CSINode",
            "CSIStorageCapacity",
            "VolumeAttachment",
            "VolumeAttributesClass",
        ],
    ),
    ("scheduling.k8s.io", &["PriorityClass"]),
    ("node.k8s.io", &["RuntimeClass"]),
    ("coordination.k8s.io", &["Lease"]),
    ("discovery.k8s.io", &["EndpointSlice"]),
    ("events.k8s.io", &["Event"]),
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
        "certificates.k8s.io",
        &["CertificateSigningRequest", "ClusterTrustBundle"],
    ),
    (
        "flowcontrol.apiserver.k8s.io",
        &["FlowSchema", "PriorityLevelConfiguration"],
    ),
];

/// Built-in kinds whose resource is not the regular plural.
const IRREGULAR: &[(&str, &str)] = &[("Endpoints", "endpoints")];

/// Whether `kind` is one of Kubernetes' own in `group`.
pub fn is_built_in(group: &str, kind: &str) -> bool {
    BUILT_IN
        .iter()
        .any(|(g, kinds)| *g == group && kinds.contains(&kind))
}

/// The lowercase plural of a kind, as Kubernetes names built-in resources: `-y` after a
/// consonant → `-ies` (NetworkPolicy → networkpolicies), `-s`, `-x`, `-ch`, `-sh` → `-es`
/// (Ingress → ingresses), else `-s`. A custom resource's plural is whatever its CRD says;
/// this is only a guess for one whose CRD is not scanned.
pub fn plural(kind: &str) -> String {
    if let Some((_, r)) = IRREGULAR.iter().find(|(k, _)| *k == kind) {
        return (*r).to_string();
    }
    let lower = kind.to_ascii_lowercase();
    let before_y = lower.strip_suffix('y').and_then(|s| s.chars().last());
    match before_y {
        Some(c) if !"aeiou".contains(c) => return format!("{}ies", &lower[..lower.len() - 1]),
        _ => {}
    }
    if ["s", "x", "ch", "sh"].iter().any(|e| lower.ends_with(e)) {
        format!("{lower}es")
    } else {
        format!("{lower}s")
    }
}

/// A scanned CustomResourceDefinition's answer for a group and kind: its plural and whether
/// it is cluster-scoped.
pub fn crd_for(objects: &[Resource<'_>], group: &str, kind: &str) -> Option<(String, bool)> {
    objects
        .iter()
        .filter(|o| o.kind == "CustomResourceDefinition" && o.group() == "apiextensions.k8s.io")
        .find_map(|o| {
            let doc = o.doc;
            let spec = doc.get(o.node, "spec")?;
            let names = doc.get(spec, "names")?;
            (doc.get_str(spec, "group")? == group && doc.get_str(names, "kind")? == kind)
                .then_some(())?;
            let plural = doc
                .get_str(names, "plural")
                .map_or_else(|| plural(kind), str::to_string);
            Some((plural, doc.get_str(spec, "scope") == Some("Cluster")))
        })
}

/// How a kind is known: its resource and scope, and whether they are facts (built in, or
/// from a scanned CRD) or a guess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindInfo {
    pub resource: String,
    /// None when unknown (a custom kind whose CRD is not scanned).
    pub cluster_scoped: Option<bool>,
    /// The resource is guessed from the kind.
    pub guessed: bool,
}

/// What the API server knows about `kind` in `group`, from the built-in tables or a scanned
/// CRD.
pub fn kind_info(objects: &[Resource<'_>], group: &str, kind: &str) -> KindInfo {
    if is_built_in(group, kind) {
        return KindInfo {
            resource: plural(kind),
            cluster_scoped: Some(is_cluster_scoped(group, kind)),
            guessed: false,
        };
    }
    if let Some((resource, cluster)) = crd_for(objects, group, kind) {
        return KindInfo {
            resource,
            cluster_scoped: Some(cluster),
            guessed: false,
        };
    }
    KindInfo {
        resource: plural(kind),
        cluster_scoped: is_cluster_scoped(group, kind).then_some(true),
        guessed: true,
    }
}

/// Resources the API server serves under several group/versions, one storage behind them:
/// kind, resource, and every apiVersion it was served under. A request for one also matches a
/// rule for another when `matchPolicy` is Equivalent. Covered: the workload kinds that moved
/// from `extensions` and `apps` betas, Ingress and NetworkPolicy, PodSecurityPolicy,
/// CronJob, PodDisruptionBudget, HorizontalPodAutoscaler, Event, EndpointSlice, RBAC,
/// scheduling, node, coordination, storage, CRDs, webhooks and admission policies,
/// CertificateSigningRequest, flow control and APIService.
const EQUIVALENT: &[(&str, &str, &[&str])] = &[
    (
        "Deployment",
        "deployments",
        &[
            "apps/v1",
            "apps/v1beta2",
            "apps/v1beta1",
            "extensions/v1beta1",
        ],
    ),
    (
        "DaemonSet",
        "daemonsets",
        &["apps/v1", "apps/v1beta2", "extensions/v1beta1"],
    ),
    (
        "ReplicaSet",
        "replicasets",
        &["apps/v1", "apps/v1beta2", "extensions/v1beta1"],
    ),
    (
        "StatefulSet",
        "statefulsets",
        &["apps/v1", "apps/v1beta2", "apps/v1beta1"],
    ),
    (
        "ControllerRevision",
        "controllerrevisions",
        &["apps/v1", "apps/v1beta2", "apps/v1beta1"],
    ),
    (
        "Ingress",
        "ingresses",
        &[
            "networking.k8s.io/v1",
            "networking.k8s.io/v1beta1",
            "extensions/v1beta1",
        ],
    ),
    (
        "NetworkPolicy",
        "networkpolicies",
        &["networking.k8s.io/v1", "extensions/v1beta1"],
    ),
    (
        "PodSecurityPolicy",
        "podsecuritypolicies",
        &["policy/v1beta1", "extensions/v1beta1"],
    ),
    ("CronJob", "cronjobs", &["batch/v1", "batch/v1beta1"]),
    (
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        &["policy/v1", "policy/v1beta1"],
    ),
    (
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        &[
            "autoscaling/v2",
            "autoscaling/v1",
            "autoscaling/v2beta2",
            "autoscaling/v2beta1",
        ],
    ),
    (
        "Event",
        "events",
        &["v1", "events.k8s.io/v1", "events.k8s.io/v1beta1"],
    ),
    (
        "EndpointSlice",
        "endpointslices",
        &["discovery.k8s.io/v1", "discovery.k8s.io/v1beta1"],
    ),
    ("Role", "roles", RBAC),
    ("RoleBinding", "rolebindings", RBAC),
    ("ClusterRole", "clusterroles", RBAC),
    ("ClusterRoleBinding", "clusterrolebindings", RBAC),
    (
        "PriorityClass",
        "priorityclasses",
        &[
            "scheduling.k8s.io/v1",
            "scheduling.k8s.io/v1beta1",
            "scheduling.k8s.io/v1alpha1",
        ],
    ),
    (
        "RuntimeClass",
        "runtimeclasses",
        &[
            "node.k8s.io/v1",
            "node.k8s.io/v1beta1",
            "node.k8s.io/v1alpha1",
        ],
    ),
    (
        "Lease",
        "leases",
        &["coordination.k8s.io/v1", "coordination.k8s.io/v1beta1"],
    ),
    (
        "StorageClass",
        "storageclasses",
        &["storage.k8s.io/v1", "storage.k8s.io/v1beta1"],
    ),
    (
        "CSIDriver",
        "csidrivers",
        &["storage.k8s.io/v1", "storage.k8s.io/v1beta1"],
    ),
    (
        "CSINode",
        "csinodes",
        &["storage.k8s.io/v1", "storage.k8s.io/v1beta1"],
    ),
    (
        "VolumeAttachment",
        "volumeattachments",
        &[
            "storage.k8s.io/v1",
            "storage.k8s.io/v1beta1",
            "storage.k8s.io/v1alpha1",
        ],
    ),
    (
        "CSIStorageCapacity",
        "csistoragecapacities",
        &[
            "storage.k8s.io/v1",
            "storage.k8s.io/v1beta1",
            "storage.k8s.io/v1alpha1",
        ],
    ),
    (
        "CustomResourceDefinition",
        "customresourcedefinitions",
        &["apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1"],
    ),
    (
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        &[
            "admissionregistration.k8s.io/v1",
            "admissionregistration.k8s.io/v1beta1",
        ],
    ),
    (
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        &[
            "admissionregistration.k8s.io/v1",
            "admissionregistration.k8s.io/v1beta1",
        ],
    ),
    (
        "ValidatingAdmissionPolicy",
        "validatingadmissionpolicies",
        VAP,
    ),
    (
        "ValidatingAdmissionPolicyBinding",
        "validatingadmissionpolicybindings",
        VAP,
    ),
    (
        "CertificateSigningRequest",
        "certificatesigningrequests",
        &["certificates.k8s.io/v1", "certificates.k8s.io/v1beta1"],
    ),
    (
        "IngressClass",
        "ingressclasses",
        &["networking.k8s.io/v1", "networking.k8s.io/v1beta1"],
    ),
    ("FlowSchema", "flowschemas", FLOWCONTROL),
    (
        "PriorityLevelConfiguration",
        "prioritylevelconfigurations",
        FLOWCONTROL,
    ),
    (
        "APIService",
        "apiservices",
        &[
            "apiregistration.k8s.io/v1",
            "apiregistration.k8s.io/v1beta1",
        ],
    ),
];

const RBAC: &[&str] = &[
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
];
const VAP: &[&str] = &[
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1beta1",
    "admissionregistration.k8s.io/v1alpha1",
];
const FLOWCONTROL: &[&str] = &[
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta1",
];

/// The other (group, version, resource)s under which the API server serves the resource of
/// `kind` written as `api_version`: those in the equivalence table, less those `kube` no
/// longer serves (by the API lifecycle table; all of them when no version is known).
pub fn equivalents(
    api_version: &str,
    kind: &str,
    kube: Option<KubeVersion>,
) -> Vec<(&'static str, &'static str, &'static str)> {
    let Some((_, resource, versions)) = EQUIVALENT
        .iter()
        .find(|(k, _, vs)| *k == kind && vs.contains(&api_version))
    else {
        return Vec::new();
    };
    let target = kube.map(api_lifecycle::Version::kube);
    versions
        .iter()
        .filter(|&&v| v != api_version)
        .filter(|&&v| {
            target.is_none()
                || api_lifecycle::TABLE
                    .lookup(v, kind)
                    .is_none_or(|row| row.status(target) != Status::Removed)
        })
        .map(|&v| {
            let (group, version) = v.rsplit_once('/').unwrap_or(("", v));
            (group, version, *resource)
        })
        .collect()
}
