//! ValidatingAdmissionPolicy semantics, without CEL: which objects are policies and bindings
//! (`admissionregistration.k8s.io` v1, v1beta1, v1alpha1) and how the API server reads them,
//! defaults included; which Kubernetes versions serve them; whether a CREATE of a scanned
//! object is matched by a policy and one of its bindings; which param objects a binding
//! hands the policy; and what each validation action makes of a failed validation.
//!
//! Every field a finding could point at keeps its `NodeId`. A document the API server would
//! refuse yields `Problem`s at the node to change, never a panic. Evaluating the CEL
//! expressions (match conditions, variables, validations) is the CEL engine's job; nothing
//! here words a finding.
//!
//! - `objects`: the policy and binding documents, read into typed structs.
//! - `resources`: kinds to resources, scopes, and the resources served under several
//!   group/versions (`matchPolicy: Equivalent`).
//! - `matching`: does a policy + binding apply to a CREATE of an object (`Match`).
//! - `params`: the param objects a binding selects (`Params`).
//! - `set`: every policy and binding of a scan, paired (`PolicySet`), and those a CREATE
//!   meets, with their params (`PolicySet::for_create`).

mod read;

pub mod catalog;

pub mod matching;
pub mod objects;
pub mod params;
pub mod resources;
pub mod set;

pub use catalog::{Catalog, Verdict};
pub use matching::{Match, Request, Scanned, applies};
pub use objects::{Binding, Policy, Severity, ValidationAction};
pub use params::{Params, params_for};
pub use read::Text;
pub use set::{Applicable, PolicySet};

use crate::k8s::api_lifecycle::{self, Status};
use crate::k8s::version::KubeVersion;
use crate::load::NodeId;

/// The API group of ValidatingAdmissionPolicy and its binding.
pub const GROUP: &str = "admissionregistration.k8s.io";

/// Something in a policy or binding that the API server refuses, or that keeps the policy
/// from working as written, at the node to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub node: NodeId,
    pub message: String,
}

/// Whether a Kubernetes version's API server serves an apiVersion of the policy types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// Not served at all: the API server refuses the manifest, and the policy is never
    /// stored, so never enforced.
    NotServed,
    /// Served and enforced on a cluster with default flags.
    Served,
    /// Served only when the cluster enables it: the flags it takes, in words.
    BehindFlags(&'static str),
}

/// The versions of the policy types and the first Kubernetes minor that has each.
const INTRODUCED: &[(&str, u32)] = &[("v1alpha1", 26), ("v1beta1", 28), ("v1", 30)];

/// Whether `kube` serves `api_version` (`admissionregistration.k8s.io/v1beta1`) of the policy
/// types, and with which flags.
///
/// v1alpha1 (1.26 to 1.31) is an alpha API: never on by default; it takes
/// `--runtime-config=admissionregistration.k8s.io/v1alpha1=true` and, before 1.30, the
/// `ValidatingAdmissionPolicy` feature gate. v1beta1 (1.28 to 1.33) was introduced after
/// Kubernetes stopped enabling new beta APIs by default: it takes
/// `--runtime-config=admissionregistration.k8s.io/v1beta1=true`, and on 1.28 and 1.29 the
/// feature gate too (beta but off by default). v1 (from 1.30, where the feature is GA) is
/// served by default. Removals come from the API lifecycle table.
pub fn availability(api_version: &str, kube: KubeVersion) -> Availability {
    let Some(version) = api_version
        .strip_prefix(GROUP)
        .and_then(|v| v.strip_prefix('/'))
    else {
        return Availability::NotServed;
    };
    let Some(&(_, since)) = INTRODUCED.iter().find(|(v, _)| *v == version) else {
        return Availability::NotServed;
    };
    let removed = api_lifecycle::TABLE
        .lookup(api_version, "ValidatingAdmissionPolicy")
        .is_some_and(|row| row.status(Some(api_lifecycle::Version::kube(kube))) == Status::Removed);
    if kube.0 < since || removed {
        return Availability::NotServed;
    }
    match (version, kube.0 >= 30) {
        ("v1", _) => Availability::Served,
        ("v1beta1", true) => {
            Availability::BehindFlags("--runtime-config=admissionregistration.k8s.io/v1beta1=true")
        }
        ("v1beta1", false) => Availability::BehindFlags(
            "--runtime-config=admissionregistration.k8s.io/v1beta1=true and the ValidatingAdmissionPolicy feature gate",
        ),
        (_, true) => {
            Availability::BehindFlags("--runtime-config=admissionregistration.k8s.io/v1alpha1=true")
        }
        (_, false) => Availability::BehindFlags(
            "--runtime-config=admissionregistration.k8s.io/v1alpha1=true and the ValidatingAdmissionPolicy feature gate",
        ),
    }
}

/// Whether `kube` can serve `api_version` of the policy types at all (with the flags
/// `availability` names, if any). A policy or binding at an apiVersion its cluster does not
/// serve is never stored, so `applies` treats it as not enforced.
pub fn served(api_version: &str, kube: KubeVersion) -> bool {
    availability(api_version, kube) != Availability::NotServed
}

#[cfg(test)]
mod tests;
