//! The policies and bindings among the scanned objects, paired, and which of them a CREATE
//! of an object meets: the one call a rule needs before handing expressions to the CEL
//! engine.

use super::Problem;
use super::matching::{Match, Request, Scanned, applies};
use super::objects::{Binding, Policy};
use super::params::{Params, params_for};
use super::resources::kind_info;
use crate::index::Resource;

/// Every policy and binding of the scanned objects, and what is wrong with them.
#[derive(Debug, Clone, Default)]
pub struct PolicySet<'d> {
    pub policies: Vec<Policy<'d>>,
    pub bindings: Vec<Binding<'d>>,
    /// For each binding, the index of its policy in `policies` (None: not scanned).
    pub policy_of: Vec<Option<usize>>,
    /// Problems, each with the object whose document holds its node.
    pub problems: Vec<(Resource<'d>, Problem)>,
}

/// A binding of a policy that a request meets (or may meet).
#[derive(Debug, Clone)]
pub struct Applicable<'s, 'd> {
    pub policy: &'s Policy<'d>,
    pub binding: &'s Binding<'d>,
    /// Yes or Unknown: never No.
    pub matched: Match,
    pub params: Params<'d>,
}

impl<'d> PolicySet<'d> {
    /// Reads the policies and bindings among `objects` and pairs them.
    pub fn read(objects: &[Resource<'d>]) -> PolicySet<'d> {
        let mut set = PolicySet::default();
        for r in objects {
            if let Some((p, problems)) = Policy::read(r) {
                set.problems.extend(problems.into_iter().map(|p| (*r, p)));
                set.policies.push(p);
            } else if let Some((b, problems)) = Binding::read(r) {
                set.problems.extend(problems.into_iter().map(|p| (*r, p)));
                set.bindings.push(b);
            }
        }
        let mut pairing = Vec::new();
        for b in &set.bindings {
            match b.policy_in(&set.policies) {
                Ok(p) => {
                    pairing.extend(
                        pair_problems(p, b, objects)
                            .into_iter()
                            .map(|x| (b.resource, x)),
                    );
                    set.policy_of
                        .push(set.policies.iter().position(|q| std::ptr::eq(q, p)));
                }
                Err(problem) => {
                    // A binding without a policy name already has its problem.
                    if b.policy_name.is_some() {
                        pairing.push((b.resource, problem));
                    }
                    set.policy_of.push(None);
                }
            }
        }
        set.problems.extend(pairing);
        set
    }

    /// The bindings whose policy the CREATE of `object` meets, with their params: those that
    /// match it (`Match::Yes`) and those that may (`Match::Unknown`).
    pub fn for_create<'s>(
        &'s self,
        object: &Resource<'d>,
        scanned: &Scanned<'_, 'd>,
    ) -> Vec<Applicable<'s, 'd>> {
        let req = Request::create(object, scanned);
        let mut out = Vec::new();
        for (b, p) in self.bindings.iter().zip(&self.policy_of) {
            let Some(policy) = p.map(|i| &self.policies[i]) else {
                continue;
            };
            let matched = applies(policy, b, &req, scanned);
            if matched != Match::No {
                out.push(Applicable {
                    policy,
                    binding: b,
                    params: params_for(policy, b, &req, scanned),
                    matched,
                });
            }
        }
        out
    }
}

/// What a binding does that its policy does not expect: params it ignores or lacks, a
/// namespace on a cluster-scoped param kind.
fn pair_problems(policy: &Policy<'_>, b: &Binding<'_>, objects: &[Resource<'_>]) -> Vec<Problem> {
    let mut out = Vec::new();
    let name = policy.resource.name.unwrap_or("?");
    match (&policy.param_kind, &b.param_ref) {
        (None, Some(pr)) => out.push(Problem {
            node: pr.node,
            message: format!(
                "policy \"{name}\" has no `paramKind`: this `paramRef` is ignored"
            ),
        }),
        (Some(_), None) => out.push(Problem {
            node: b.spec_key.unwrap_or(b.resource.node),
            message: format!(
                "policy \"{name}\" takes params (`paramKind`) but the binding has no `paramRef`: the policy is evaluated with `params` null, and an expression that reads it fails"
            ),
        }),
        (Some(pk), Some(pr)) => {
            let kind = pk.kind.as_ref().map(|k| k.value.as_str());
            let cluster = pk
                .group()
                .zip(kind)
                .and_then(|(g, k)| kind_info(objects, g, k).cluster_scoped);
            if let (Some(true), Some(ns)) = (cluster, &pr.namespace) {
                out.push(Problem {
                    node: ns.node,
                    message: format!(
                        "`paramRef.namespace` must not be set: param kind {} is cluster-scoped (a configuration error the policy's failurePolicy decides)",
                        kind.unwrap_or("?")
                    ),
                });
            }
        }
        (None, None) => {}
    }
    out
}
