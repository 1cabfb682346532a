//! Kubernetes and AKS semantics, read from loaded documents: versions, typed views of pod
//! specs, Pod Security Standards, API lifecycle, NetworkPolicy (with CIDRs and label
//! selectors), which resources are Secrets and where,
//! the AKS cluster model and the AKS release calendar. Rules read these; nothing here words a
//! finding.

pub mod aks_cluster;
pub mod aks_upgrade;
pub mod aks_versions;
pub mod api_lifecycle;
pub mod cidr;
pub mod network_policy;
pub mod pod_view;
pub mod pss;
pub mod secret;
pub mod selector;
pub mod version;
