//! Kubernetes and AKS semantics, read from loaded documents: versions, typed views of pod
//! specs, Pod Security Standards, API lifecycle, NetworkPolicy (with CIDRs and label
//! selectors), PodDisruptionBudgets, ValidatingAdmissionPolicies and their bindings (what
//! they match and which params they take; not their CEL), which resources are Secrets and
//! where, the AKS cluster model, the AKS release calendar and retirements, and upgrade paths
//! one minor at a time. Rules read these; nothing here words a finding.

pub mod admission;
pub mod aks_cluster;
pub mod aks_retirements;
pub mod aks_upgrade;
pub mod aks_versions;
pub mod api_lifecycle;
pub mod cel;
pub mod cidr;
pub mod disruption;
pub mod network_policy;
pub mod pod_view;
pub mod pss;
pub mod secret;
pub mod selector;
pub mod upgrade;
pub mod version;

/// Namespaces that belong to the cluster itself.
pub const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];
