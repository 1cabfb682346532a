//! The param objects a binding hands its policy, found among the scanned objects as the API
//! server finds them in the cluster: by the policy's `paramKind` (group and kind; any
//! version, since the cluster serves every stored object at every version), in
//! `paramRef.namespace`, or the request's own namespace when that is unset and the param
//! kind is namespaced, by `name` or by `selector` over labels.
//!
//! The policy is evaluated once per param found. When none is found,
//! `parameterNotFoundAction` decides: Allow admits; Deny is an error that the policy's
//! `failurePolicy` turns into a refusal (Fail) or lets through (Ignore). A configuration
//! error (a namespace on a cluster-scoped param kind, no namespace to look in) is handled by
//! `failurePolicy` the same way.

use super::matching::{Request, Scanned, labels_of};
use super::objects::{Binding, NotFoundAction, Policy};
use super::resources::kind_info;
use crate::index::Resource;
use crate::load::NodeId;

/// What a binding gives its policy as `params`.
#[derive(Debug, Clone)]
pub enum Params<'d> {
    /// The policy has no `paramKind`: it is evaluated once, without params.
    None,
    /// The policy has a `paramKind` but the binding no `paramRef`: the API server evaluates
    /// the policy once with `params` null (an expression that reads it fails, and
    /// `failurePolicy` decides). It is not refused when the binding is created.
    Null,
    /// The params, in the order scanned; the policy is evaluated once with each.
    Found(Vec<Resource<'d>>),
    /// No param object matches; `node` is the `paramRef` to point at.
    Missing {
        action: NotFoundAction,
        node: NodeId,
    },
    /// The binding cannot find params at all, at `node`; `failurePolicy` decides.
    Misconfigured { node: NodeId, message: String },
    /// It depends on what the scanned objects do not say.
    Unknown(String),
}

/// The params `binding` gives `policy` for the request.
pub fn params_for<'d>(
    policy: &Policy<'_>,
    binding: &Binding<'_>,
    req: &Request<'_>,
    scanned: &Scanned<'_, 'd>,
) -> Params<'d> {
    let Some(pk) = &policy.param_kind else {
        return Params::None;
    };
    let (Some(group), Some(kind)) = (pk.group(), pk.kind.as_ref().map(|k| k.value.as_str())) else {
        return Params::Misconfigured {
            node: pk.node,
            message: "`spec.paramKind` needs both apiVersion and kind".into(),
        };
    };
    let Some(pr) = &binding.param_ref else {
        return Params::Null;
    };
    let Some(cluster_scoped) = kind_info(scanned.objects, group, kind).cluster_scoped else {
        return Params::Unknown(format!(
            "whether param kind {kind} is namespaced is not known: its CustomResourceDefinition is not among the scanned objects"
        ));
    };
    let namespace = match (cluster_scoped, &pr.namespace) {
        (true, Some(ns)) => {
            return Params::Misconfigured {
                node: ns.node,
                message: format!(
                    "`paramRef.namespace` must not be set: param kind {kind} is cluster-scoped"
                ),
            };
        }
        (true, None) => None,
        (false, Some(ns)) => Some(ns.value.as_str()),
        (false, None) => match (req.namespace, req.cluster_scoped) {
            (Some(ns), _) => Some(ns),
            (None, Some(true)) => {
                return Params::Misconfigured {
                    node: pr.node,
                    message: format!(
                        "param kind {kind} is namespaced and `paramRef.namespace` is unset, so the binding cannot find params for cluster-scoped {}",
                        req.object.kind
                    ),
                };
            }
            (None, _) => {
                return Params::Unknown(format!(
                    "whether kind {} is namespaced is not known, so neither is where its params are",
                    req.object.kind
                ));
            }
        },
    };
    let of_kind = scanned.objects.iter().filter(|o| {
        o.group() == group && o.kind == kind && namespace.is_none_or(|ns| o.namespace == ns)
    });
    let found: Vec<Resource<'d>> = if let Some(name) = &pr.name {
        of_kind
            .filter(|o| o.name == Some(name.value.as_str()))
            .copied()
            .collect()
    } else if let Some(sel) = &pr.selector {
        let Some(selector) = &sel.selector else {
            return Params::Misconfigured {
                node: sel.node.unwrap_or(pr.node),
                message: "`paramRef.selector` is not a valid label selector".into(),
            };
        };
        of_kind
            .filter(|o| labels_of(o.doc, o.node).is_some_and(|l| selector.matches(&l)))
            .copied()
            .collect()
    } else {
        return Params::Misconfigured {
            node: pr.node,
            message: "`paramRef` needs one of `name` or `selector`".into(),
        };
    };
    if found.is_empty() {
        Params::Missing {
            action: pr.not_found,
            node: pr.node,
        }
    } else {
        Params::Found(found)
    }
}
