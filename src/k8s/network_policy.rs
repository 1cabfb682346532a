//! Kubernetes NetworkPolicy semantics: which objects are Kubernetes NetworkPolicies, how an
//! `ipBlock` reads and when the API server refuses it, which pods a policy selects, when a
//! pod is egress-isolated, and whether the union of the egress rules selecting a pod lets
//! TCP traffic to an address out on port 80, and through which rule. Rules word the
//! outcomes; nothing here words a finding.

use std::collections::HashMap;

use crate::index::{Index, IndexedObject, WorkloadSummary};
use crate::k8s::cidr::{Cidr, block_allows, parse_cidr};
use crate::k8s::selector::LabelSelector;
use crate::load::scalar::Value;
use crate::load::{Document, NodeId};

/// The port whose reachability `reach` decides: the one the metadata endpoints' HTTP APIs
/// listen on.
pub const ENDPOINT_PORT: i64 = 80;

// ---------------------------------------------------------------------------------------
// ipBlocks
// ---------------------------------------------------------------------------------------

/// One `ipBlock` of a peer: its CIDRs with the nodes they were read from.
pub struct IpBlockView {
    /// The `ipBlock:` key.
    pub key: NodeId,
    pub cidr: Option<(NodeId, Result<Cidr, String>)>,
    pub except: Vec<(NodeId, Result<Cidr, String>)>,
}

/// The CIDR a node holds; the error says what is wrong, as `parse_cidr`'s does.
fn cidr_at(doc: &Document, node: NodeId) -> Result<Cidr, String> {
    match doc.value(node) {
        Some(Value::Str(s)) => parse_cidr(s),
        Some(Value::Null) | None => Err("it is not a string".into()),
        Some(v) => Err(format!("it is {}, not a string", v.type_name())),
    }
}

/// The `ipBlock` of a peer, if it has one that is a mapping.
pub fn read_ip_block(doc: &Document, peer: NodeId) -> Option<IpBlockView> {
    let entry = doc.entry(peer, "ipBlock")?;
    if !doc.is_mapping(entry.value) {
        return None;
    }
    let cidr = doc
        .get(entry.value, "cidr")
        .filter(|&n| !doc.is_null(n))
        .map(|n| (n, cidr_at(doc, n)));
    let except = doc
        .get(entry.value, "except")
        .map(|l| doc.items(l).iter().map(|&n| (n, cidr_at(doc, n))).collect())
        .unwrap_or_default();
    Some(IpBlockView {
        key: entry.key,
        cidr,
        except,
    })
}

/// A problem of an ipBlock, and where: its `ipBlock:` key, its `cidr` or an `except` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CidrProblem {
    pub node: NodeId,
    pub kind: CidrProblemKind,
}

/// Which CIDR of an ipBlock a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpBlockField {
    Cidr,
    Except,
}

/// Why an except entry is not a strict subset of its ipBlock's cidr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExceptOutside {
    /// IPv4 against IPv6, or the other way round.
    OtherFamily,
    /// The except entry is the whole cidr.
    WholeCidr,
    /// The except entry is not inside the cidr.
    NotInside,
}

/// What is wrong with an ipBlock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CidrProblemKind {
    /// The ipBlock has no `cidr`.
    NoCidr,
    /// The `cidr` or an except entry is not a CIDR; `why` says what is wrong.
    Invalid { field: IpBlockField, why: String },
    /// Bits below the prefix are set: accepted, but read differently by different plugins.
    NonCanonical { field: IpBlockField, cidr: Cidr },
    /// An except entry is not a strict subset of the cidr (both canonical here).
    ExceptOutside {
        cidr: Cidr,
        except: Cidr,
        why: ExceptOutside,
    },
}

impl CidrProblem {
    /// Whether the API server refuses the policy for it (a non-canonical CIDR is accepted).
    pub fn rejected(&self) -> bool {
        !matches!(self.kind, CidrProblemKind::NonCanonical { .. })
    }
}

/// The problems of an ipBlock, in the order of its fields.
pub fn ip_block_problems(b: &IpBlockView) -> Vec<CidrProblem> {
    let mut out = Vec::new();
    let Some((cidr_node, cidr)) = &b.cidr else {
        out.push(CidrProblem {
            node: b.key,
            kind: CidrProblemKind::NoCidr,
        });
        return out;
    };
    let cidr = match cidr {
        Ok(c) => {
            if !c.is_canonical() {
                out.push(CidrProblem {
                    node: *cidr_node,
                    kind: CidrProblemKind::NonCanonical {
                        field: IpBlockField::Cidr,
                        cidr: *c,
                    },
                });
            }
            Some(*c)
        }
        Err(why) => {
            out.push(CidrProblem {
                node: *cidr_node,
                kind: CidrProblemKind::Invalid {
                    field: IpBlockField::Cidr,
                    why: why.clone(),
                },
            });
            None
        }
    };
    for (node, except) in &b.except {
        match except {
            Err(why) => out.push(CidrProblem {
                node: *node,
                kind: CidrProblemKind::Invalid {
                    field: IpBlockField::Except,
                    why: why.clone(),
                },
            }),
            Ok(e) => {
                if !e.is_canonical() {
                    out.push(CidrProblem {
                        node: *node,
                        kind: CidrProblemKind::NonCanonical {
                            field: IpBlockField::Except,
                            cidr: *e,
                        },
                    });
                }
                if let Some(c) = cidr {
                    let (c, e) = (c.canonical(), e.canonical());
                    if !(c.contains(e) && e.prefix > c.prefix) {
                        let why = if c.v6 != e.v6 {
                            ExceptOutside::OtherFamily
                        } else if e == c {
                            ExceptOutside::WholeCidr
                        } else {
                            ExceptOutside::NotInside
                        };
                        out.push(CidrProblem {
                            node: *node,
                            kind: CidrProblemKind::ExceptOutside {
                                cidr: c,
                                except: e,
                                why,
                            },
                        });
                    }
                }
            }
        }
    }
    out
}

/// The NetworkPolicies keelhaul reads: the Kubernetes API kind, not Calico's or another
/// CRD's `NetworkPolicy`.
pub fn is_kubernetes_network_policy(api_version: &str, kind: &str) -> bool {
    kind == "NetworkPolicy"
        && matches!(
            api_version.rsplit_once('/').map_or("", |(g, _)| g),
            "networking.k8s.io" | "extensions"
        )
}

/// The peers of a policy's rules: `spec.egress[].to[]` and `spec.ingress[].from[]`.
pub fn peers(doc: &Document, policy: NodeId) -> Vec<NodeId> {
    let mut out = Vec::new();
    for (section, field) in [("egress", "to"), ("ingress", "from")] {
        let Some(rules) = doc.path(policy, &["spec", section]) else {
            continue;
        };
        for &rule in doc.items(rules) {
            if let Some(list) = doc.get(rule, field) {
                out.extend(doc.items(list).iter().copied());
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Egress
// ---------------------------------------------------------------------------------------

/// A port entry of an egress rule.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PortSpec {
    /// `port` absent: every port of the protocol.
    All {
        tcp: bool,
    },
    Number {
        tcp: bool,
        port: i64,
        end: i64,
    },
    /// A named port: resolved against the destination pod's container ports, so it never
    /// matches an address outside the cluster.
    Named,
}

/// Which traffic to an endpoint an egress rule lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PortReach {
    None,
    /// Some port, but not TCP 80.
    OtherPorts,
    /// TCP 80, not every port.
    Port80,
    Every,
}

fn port_reach(ports: &[PortSpec]) -> PortReach {
    if ports.is_empty() {
        return PortReach::Every;
    }
    let opens_80 = ports.iter().any(|p| match *p {
        PortSpec::All { tcp } => tcp,
        PortSpec::Number { tcp, port, end } => tcp && port <= ENDPOINT_PORT && ENDPOINT_PORT <= end,
        PortSpec::Named => false,
    });
    if opens_80 {
        PortReach::Port80
    } else if ports.iter().any(|p| *p != PortSpec::Named) {
        PortReach::OtherPorts
    } else {
        PortReach::None
    }
}

fn read_ports(doc: &Document, rule: NodeId) -> Vec<PortSpec> {
    let Some(list) = doc.get(rule, "ports") else {
        return Vec::new();
    };
    doc.items(list)
        .iter()
        .map(|&p| {
            let tcp = match doc.get(p, "protocol").map(|n| doc.value(n)) {
                None | Some(Some(Value::Null)) => true,
                Some(Some(Value::Str(s))) => s == "TCP",
                Some(_) => false,
            };
            match doc.get(p, "port").and_then(|n| doc.value(n)) {
                None | Some(Value::Null) => PortSpec::All { tcp },
                Some(Value::Int(port)) => {
                    let end = match doc.get(p, "endPort").and_then(|n| doc.value(n)) {
                        Some(Value::Int(e)) => e,
                        _ => port,
                    };
                    PortSpec::Number { tcp, port, end }
                }
                Some(_) => PortSpec::Named,
            }
        })
        .collect()
}

/// A destination of an egress rule, for the endpoint in question.
pub enum Peer {
    IpBlock {
        cidr_node: NodeId,
        cidr: Cidr,
        except: Vec<Cidr>,
    },
    /// podSelector / namespaceSelector: pods only, never an address outside the cluster.
    Pods,
}

/// An egress rule of a NetworkPolicy.
pub struct EgressRule {
    /// The rule's item in `egress:`.
    pub node: NodeId,
    /// None: no `to` (or an empty one), every destination.
    pub to: Option<Vec<Peer>>,
    ports: Vec<PortSpec>,
}

/// A NetworkPolicy, as its egress semantics need it.
pub struct Policy<'a> {
    pub obj: &'a IndexedObject,
    pub name: String,
    /// None when the API server would refuse the selector: the policy then selects nothing.
    pub selector: Option<LabelSelector>,
    /// `Egress` in policyTypes, or policyTypes unset and an `egress` section.
    pub isolates_egress: bool,
    pub egress: Vec<EgressRule>,
    /// The API server refuses the object (an ipBlock problem that it rejects, or a selector
    /// it refuses), so it is not in the cluster.
    pub rejected: bool,
}

impl<'a> Policy<'a> {
    pub fn read(obj: &'a IndexedObject) -> Policy<'a> {
        let doc: &Document = &obj.doc;
        let spec = doc.get(obj.node, "spec").filter(|&s| doc.is_mapping(s));
        let selector = LabelSelector::read(doc, spec.and_then(|s| doc.get(s, "podSelector")));
        let egress_node = spec
            .and_then(|s| doc.get(s, "egress"))
            .filter(|&n| !doc.is_null(n));
        let isolates_egress = match spec
            .and_then(|s| doc.get(s, "policyTypes"))
            .filter(|&n| !doc.is_null(n) && !doc.items(n).is_empty())
        {
            Some(types) => doc
                .items(types)
                .iter()
                .any(|&t| doc.scalar(t) == Some("Egress")),
            // Defaulting adds Egress only for a non-empty `egress` (`egress: []` is none).
            None => egress_node.is_some_and(|n| !doc.items(n).is_empty()),
        };
        let mut rejected = selector.is_none();
        let mut egress = Vec::new();
        for &rule in egress_node.map(|n| doc.items(n)).unwrap_or_default() {
            let to = doc
                .get(rule, "to")
                .filter(|&n| !doc.items(n).is_empty())
                .map(|list| {
                    doc.items(list)
                        .iter()
                        .map(|&peer| match read_ip_block(doc, peer) {
                            Some(b) => match &b.cidr {
                                Some((n, Ok(c))) => Peer::IpBlock {
                                    cidr_node: *n,
                                    cidr: *c,
                                    except: b
                                        .except
                                        .iter()
                                        .filter_map(|(_, e)| e.as_ref().ok().copied())
                                        .collect(),
                                },
                                _ => Peer::Pods,
                            },
                            None => Peer::Pods,
                        })
                        .collect()
                });
            egress.push(EgressRule {
                node: rule,
                to,
                ports: read_ports(doc, rule),
            });
        }
        for peer in peers(doc, obj.node) {
            if let Some(b) = read_ip_block(doc, peer) {
                rejected |= ip_block_problems(&b).iter().any(CidrProblem::rejected);
            }
        }
        Policy {
            obj,
            name: obj.id.name.clone().unwrap_or_else(|| "(unnamed)".into()),
            selector,
            isolates_egress,
            egress,
            rejected,
        }
    }

    /// Whether the policy selects the pods with `labels`.
    pub fn selects(&self, labels: &[(String, String)]) -> bool {
        self.selector.as_ref().is_some_and(|s| s.matches(labels))
    }
}

/// Why a pod can reach an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Why {
    /// No policy in the cluster selects the pod for egress.
    NotIsolated {
        /// Policies that select it for ingress only.
        ingress_only: Vec<usize>,
        /// Policies that would isolate it but that the API server refuses.
        rejected: Vec<usize>,
    },
    /// The pods use the node's network namespace (`hostNetwork: true`): NetworkPolicy does
    /// not apply to them.
    HostNetwork,
    /// This rule of this policy lets the traffic through.
    Rule {
        policy: usize,
        rule: usize,
        /// Every port, not just TCP 80.
        every_port: bool,
        /// The `cidr` of the ipBlock that admits the endpoint; None for a rule without `to`.
        ip_block: Option<NodeId>,
    },
}

/// Whether the pods with `labels` reach `endpoint` on TCP port 80, and why.
pub fn reach(policies: &[Policy<'_>], labels: &[(String, String)], endpoint: Cidr) -> Option<Why> {
    let mut ingress_only = Vec::new();
    let mut rejected = Vec::new();
    let mut isolated = false;
    for (i, p) in policies.iter().enumerate() {
        if !p.selects(labels) {
            continue;
        }
        if !p.isolates_egress {
            ingress_only.push(i);
        } else if p.rejected {
            rejected.push(i);
        } else {
            isolated = true;
        }
    }
    if !isolated {
        return Some(Why::NotIsolated {
            ingress_only,
            rejected,
        });
    }
    for (i, p) in policies.iter().enumerate() {
        if p.rejected || !p.isolates_egress || !p.selects(labels) {
            continue;
        }
        for (r, rule) in p.egress.iter().enumerate() {
            let Some(ip_block) = rule_destination(rule, endpoint) else {
                continue;
            };
            let every_port = match port_reach(&rule.ports) {
                PortReach::Every => true,
                PortReach::Port80 => false,
                PortReach::OtherPorts | PortReach::None => continue,
            };
            return Some(Why::Rule {
                policy: i,
                rule: r,
                every_port,
                ip_block,
            });
        }
    }
    None
}

/// Where an egress rule lets traffic to `endpoint` out: Some(None) for a rule without
/// `to`, Some(Some(cidr node)) for the ipBlock that admits it.
fn rule_destination(rule: &EgressRule, endpoint: Cidr) -> Option<Option<NodeId>> {
    match &rule.to {
        None => Some(None),
        Some(peers) => peers.iter().find_map(|p| match p {
            Peer::IpBlock {
                cidr_node,
                cidr,
                except,
            } => block_allows(*cidr, except, endpoint).then_some(Some(*cidr_node)),
            Peer::Pods => None,
        }),
    }
}

/// The NetworkPolicies of the index, Kubernetes kind only, by namespace, in index order.
pub fn policies_by_namespace(ix: &Index) -> HashMap<&str, Vec<Policy<'_>>> {
    let mut policies: HashMap<&str, Vec<Policy<'_>>> = HashMap::new();
    for o in ix.of_kind("NetworkPolicy") {
        if is_kubernetes_network_policy(&o.id.api_version, &o.id.kind) {
            let ns = o.id.namespace.as_deref().unwrap_or_default();
            policies.entry(ns).or_default().push(Policy::read(o));
        }
    }
    policies
}

/// Whether the pods of workload `w` reach `endpoint` on TCP port 80, given the policies of
/// its namespace, and why.
pub fn workload_reach(policies: &[Policy<'_>], w: &WorkloadSummary, endpoint: Cidr) -> Option<Why> {
    if w.host_network {
        Some(Why::HostNetwork)
    } else {
        reach(policies, &w.pod_labels, endpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        use PortSpec::*;
        assert_eq!(port_reach(&[]), PortReach::Every);
        assert_eq!(port_reach(&[All { tcp: true }]), PortReach::Port80);
        assert_eq!(port_reach(&[All { tcp: false }]), PortReach::OtherPorts);
        assert_eq!(
            port_reach(&[
                Number {
                    tcp: true,
                    port: 443,
                    end: 443
                },
                Number {
                    tcp: false,
                    port: 53,
                    end: 53
                }
            ]),
            PortReach::OtherPorts
        );
        assert_eq!(
            port_reach(&[Number {
                tcp: true,
                port: 80,
                end: 80
            }]),
            PortReach::Port80
        );
        assert_eq!(
            port_reach(&[Number {
                tcp: true,
                port: 1,
                end: 1024
            }]),
            PortReach::Port80
        );
        assert_eq!(
            port_reach(&[Number {
                tcp: true,
                port: 81,
                end: 1024
            }]),
            PortReach::OtherPorts
        );
        assert_eq!(
            port_reach(&[Number {
                tcp: false,
                port: 80,
                end: 80
            }]),
            PortReach::OtherPorts
        );
        assert_eq!(port_reach(&[Named]), PortReach::None);
    }
}
