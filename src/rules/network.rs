//! Network rules (KH4xx): whether the pods of each namespace can reach the instance metadata
//! endpoint, given how the namespace's NetworkPolicies add up (KH401), and `ipBlock` CIDRs
//! that the API server refuses or that network plugins may read differently (KH402).
//!
//! Owns the Kubernetes NetworkPolicy semantics keelhaul needs: which pods a policy selects,
//! when a pod is egress-isolated, and which destinations and ports the union of the egress
//! rules selecting a pod allows. CIDR arithmetic lives in `crate::k8s::cidr`, label selectors
//! in `crate::k8s::selector`.

use std::collections::{BTreeMap, HashMap};

use super::rule_meta;
use crate::check::{Rule, Settings, Sink};
use crate::finding::{Finding, RuleMeta, Severity};
use crate::index::{Index, IndexedObject, Resource, WORKLOADS, WorkloadSummary};
use crate::k8s::cidr::{Cidr, block_allows, parse_cidr};
use crate::k8s::selector::LabelSelector;
use crate::load::scalar::Value;
use crate::load::{Document, NodeId};

rule_meta!(
    METADATA_EGRESS_OPEN,
    "KH401",
    "metadata-egress-open",
    Error,
    "Pods of a namespace can send traffic to the instance metadata endpoint (169.254.169.254)."
);
rule_meta!(
    NETWORK_POLICY_CIDR_INVALID,
    "KH402",
    "network-policy-cidr-invalid",
    Error,
    "A NetworkPolicy ipBlock CIDR is invalid, not canonical, or an except entry lies outside its cidr."
);

/// The endpoints whose reachability KH401 decides, with what they are. Each is probed on TCP
/// port 80, the port their HTTP APIs listen on.
///
/// Azure's WireServer, `168.63.129.16/32` (VM agent, DHCP, DNS; also HTTP on port 80), is in
/// public address space and not covered by blocking 169.254.169.254; a cluster that must
/// keep pods off it too would add it here. It stays out of the default list until the list
/// is configurable: AKS already blocks non-hostNetwork pods from its port 80.
pub const METADATA_ENDPOINTS: &[(&str, &str)] =
    &[("169.254.169.254/32", "the instance metadata endpoint")];

/// Other endpoints `--metadata-endpoint` may name, for messages.
const KNOWN_ENDPOINTS: &[(&str, &str)] = &[("168.63.129.16/32", "Azure's WireServer")];

/// The port the endpoints' HTTP APIs listen on.
const ENDPOINT_PORT: i64 = 80;

/// Namespaces that belong to the cluster itself.
const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

/// How many workloads a KH401 message names before it says "and N more".
const NAMED_WORKLOADS: usize = 5;

// ---------------------------------------------------------------------------------------
// ipBlocks, as both rules read them
// ---------------------------------------------------------------------------------------

/// One `ipBlock` of a peer: its CIDRs with the nodes they were read from.
struct IpBlockView {
    /// The `ipBlock:` key.
    key: NodeId,
    cidr: Option<(NodeId, Result<Cidr, String>)>,
    except: Vec<(NodeId, Result<Cidr, String>)>,
}

fn cidr_at(doc: &Document, node: NodeId) -> Result<Cidr, String> {
    match doc.value(node) {
        Some(Value::Str(s)) => parse_cidr(s),
        Some(Value::Null) | None => Err("it is not a string".into()),
        Some(v) => Err(format!("it is {}, not a string", v.type_name())),
    }
}

fn read_ip_block(doc: &Document, peer: NodeId) -> Option<IpBlockView> {
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

/// A problem of an ipBlock: where, what, and whether the API server refuses the policy
/// for it (a non-canonical CIDR is accepted, and read differently by different plugins).
struct CidrProblem {
    node: NodeId,
    message: String,
    rejected: bool,
}

fn ip_block_problems(doc: &Document, b: &IpBlockView) -> Vec<CidrProblem> {
    let mut out = Vec::new();
    let reject = "the API server rejects the NetworkPolicy";
    let Some((cidr_node, cidr)) = &b.cidr else {
        out.push(CidrProblem {
            node: b.key,
            message: format!("ipBlock has no cidr: {reject}"),
            rejected: true,
        });
        return out;
    };
    let text = |n: NodeId| doc.scalar(n).unwrap_or_default();
    let cidr = match cidr {
        Ok(c) => {
            if !c.is_canonical() {
                out.push(CidrProblem {
                    node: *cidr_node,
                    message: non_canonical("ipBlock cidr", *c),
                    rejected: false,
                });
            }
            Some(*c)
        }
        Err(why) => {
            out.push(CidrProblem {
                node: *cidr_node,
                message: format!(
                    "ipBlock cidr \"{}\" is not a valid CIDR: {why}{}; {reject}",
                    text(*cidr_node),
                    comment_hint(text(*cidr_node))
                ),
                rejected: true,
            });
            None
        }
    };
    for (node, except) in &b.except {
        match except {
            Err(why) => out.push(CidrProblem {
                node: *node,
                message: format!(
                    "ipBlock except entry \"{}\" is not a valid CIDR: {why}{}; {reject}",
                    text(*node),
                    comment_hint(text(*node))
                ),
                rejected: true,
            }),
            Ok(e) => {
                if !e.is_canonical() {
                    out.push(CidrProblem {
                        node: *node,
                        message: non_canonical("ipBlock except entry", *e),
                        rejected: false,
                    });
                }
                if let Some(c) = cidr {
                    let (c, e) = (c.canonical(), e.canonical());
                    if !(c.contains(e) && e.prefix > c.prefix) {
                        let why = if c.v6 != e.v6 {
                            "it is of the other address family"
                        } else if e == c {
                            "it is the whole cidr"
                        } else {
                            "it is not inside it"
                        };
                        out.push(CidrProblem {
                            node: *node,
                            message: format!(
                                "ipBlock except entry {e} must be a strict subset of the cidr {c}, but {why}: {reject}"
                            ),
                            rejected: true,
                        });
                    }
                }
            }
        }
    }
    out
}

fn non_canonical(what: &str, c: Cidr) -> String {
    let canonical = c.canonical();
    format!(
        "{what} {c} is not canonical: bits below the /{} prefix are set. It denotes {canonical}, and network plugins disagree on how to read it (most take {canonical}, some ignore the block); write {canonical}, or the prefix length you meant",
        c.prefix
    )
}

/// `10.10.0.0/0#example`: a `#` without a space before it is part of the value in YAML.
fn comment_hint(text: &str) -> String {
    let Some((before, _)) = text.split_once('#') else {
        return String::new();
    };
    let before = before.trim_end();
    let mut hint = format!(
        " (a `#` only starts a YAML comment after a space, so \"{}\" is part of the value",
        &text[before.len()..]
    );
    if let Ok(c) = parse_cidr(before) {
        if c.is_canonical() {
            hint.push_str(&format!("; {c} alone is valid"));
        } else {
            hint.push_str(&format!(
                "; {c} alone would be valid but not canonical: it means {}",
                c.canonical()
            ));
        }
    }
    hint.push(')');
    hint
}

/// The NetworkPolicies keelhaul reads: the Kubernetes API kind, not Calico's or another
/// CRD's `NetworkPolicy`.
fn is_kubernetes_network_policy(api_version: &str, kind: &str) -> bool {
    kind == "NetworkPolicy"
        && matches!(
            api_version.rsplit_once('/').map_or("", |(g, _)| g),
            "networking.k8s.io" | "extensions"
        )
}

/// The peers of a policy's rules: `spec.egress[].to[]` and `spec.ingress[].from[]`.
fn peers(doc: &Document, policy: NodeId) -> Vec<NodeId> {
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
// KH402
// ---------------------------------------------------------------------------------------

/// KH402.
pub struct NetworkPolicyCidrInvalid;

impl Rule for NetworkPolicyCidrInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &NETWORK_POLICY_CIDR_INVALID
    }

    fn check_resource(&self, r: &Resource<'_>, out: &mut Sink<'_>) {
        if !is_kubernetes_network_policy(r.api_version, r.kind) {
            return;
        }
        let doc = r.doc;
        for peer in peers(doc, r.node) {
            let Some(block) = read_ip_block(doc, peer) else {
                continue;
            };
            for p in ip_block_problems(doc, &block) {
                out.report(
                    &NETWORK_POLICY_CIDR_INVALID,
                    p.node,
                    format!("{}: {}", r.describe(), p.message),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// KH401
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
enum Peer {
    IpBlock {
        cidr_node: NodeId,
        cidr: Cidr,
        except: Vec<Cidr>,
    },
    /// podSelector / namespaceSelector: pods only, never an address outside the cluster.
    Pods,
}

struct EgressRule {
    /// The rule's item in `egress:`.
    node: NodeId,
    /// None: no `to` (or an empty one), every destination.
    to: Option<Vec<Peer>>,
    ports: Vec<PortSpec>,
}

/// A NetworkPolicy as KH401 reads it.
struct Policy<'a> {
    obj: &'a IndexedObject,
    name: String,
    /// None when the API server would refuse the selector: the policy then selects nothing.
    selector: Option<LabelSelector>,
    /// `Egress` in policyTypes, or policyTypes unset and an `egress` section.
    isolates_egress: bool,
    egress: Vec<EgressRule>,
    /// The API server refuses the object (a KH402 error), so it is not in the cluster.
    rejected: bool,
}

impl<'a> Policy<'a> {
    fn read(obj: &'a IndexedObject) -> Policy<'a> {
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
                rejected |= ip_block_problems(doc, &b).iter().any(|p| p.rejected);
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

    fn selects(&self, labels: &[(String, String)]) -> bool {
        self.selector.as_ref().is_some_and(|s| s.matches(labels))
    }
}

/// Why a pod can reach an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Why {
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
fn reach(policies: &[Policy<'_>], labels: &[(String, String)], endpoint: Cidr) -> Option<Why> {
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

/// The endpoints to check: those of `--metadata-endpoint`, else the default list.
fn endpoints(settings: &Settings) -> Vec<Cidr> {
    if settings.metadata_endpoints.is_empty() {
        METADATA_ENDPOINTS
            .iter()
            .filter_map(|(c, _)| parse_cidr(c).ok())
            .collect()
    } else {
        settings
            .metadata_endpoints
            .iter()
            .filter_map(|c| parse_cidr(c).ok())
            .collect()
    }
}

/// A workload that reaches an endpoint: which endpoints, and why (for the first of them).
type Reacher<'a> = (&'a WorkloadSummary, Vec<Cidr>, Why);

/// KH401.
pub struct MetadataEgressOpen;

impl Rule for MetadataEgressOpen {
    fn meta(&self) -> &'static RuleMeta {
        &METADATA_EGRESS_OPEN
    }

    fn indexed_kinds(&self) -> &'static [&'static str] {
        &["NetworkPolicy", "Namespace", WORKLOADS]
    }

    fn check_index(&self, ix: &Index, settings: &Settings, out: &mut Vec<Finding>) {
        let endpoints = endpoints(settings);
        let mut policies: HashMap<&str, Vec<Policy<'_>>> = HashMap::new();
        for o in ix.of_kind("NetworkPolicy") {
            if is_kubernetes_network_policy(&o.id.api_version, &o.id.kind) {
                let ns = o.id.namespace.as_deref().unwrap_or_default();
                policies.entry(ns).or_default().push(Policy::read(o));
            }
        }
        // Namespace → its workloads that reach an endpoint, with why; in index order.
        let mut open: BTreeMap<&str, Vec<Reacher<'_>>> = BTreeMap::new();
        for w in &ix.workloads {
            let ns = w.id.namespace.as_deref().unwrap_or_default();
            if SYSTEM_NAMESPACES.contains(&ns) || settings.exempt_namespaces.iter().any(|e| e == ns)
            {
                continue;
            }
            let ps = policies.get(ns).map_or(&[][..], Vec::as_slice);
            let mut reached = Vec::new();
            let mut first_why = None;
            for &e in &endpoints {
                let why = if w.host_network {
                    Some(Why::HostNetwork)
                } else {
                    reach(ps, &w.pod_labels, e)
                };
                if let Some(why) = why {
                    reached.push(e);
                    first_why.get_or_insert(why);
                }
            }
            if let Some(why) = first_why {
                open.entry(ns).or_default().push((w, reached, why));
            }
        }
        for (ns, reachers) in open {
            let ps = policies.get(ns).map_or(&[][..], Vec::as_slice);
            out.push(namespace_finding(ix, ns, ps, &reachers));
        }
    }
}

fn names(ps: &[Policy<'_>], idx: &[usize]) -> String {
    idx.iter()
        .map(|&i| format!("\"{}\"", ps[i].name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn explain(ps: &[Policy<'_>], why: &Why, endpoint: &str) -> String {
    match why {
        Why::NotIsolated {
            ingress_only,
            rejected,
        } => {
            let mut s = "no NetworkPolicy isolates their egress".to_string();
            if !ingress_only.is_empty() {
                s.push_str(&format!(
                    " (NetworkPolicy {} selects them for Ingress only: list Egress in policyTypes)",
                    names(ps, ingress_only)
                ));
            }
            if !rejected.is_empty() {
                s.push_str(&format!(
                    " (NetworkPolicy {} would, but the API server rejects it: see KH402)",
                    names(ps, rejected)
                ));
            }
            s
        }
        Why::HostNetwork => {
            "they use the node's network (hostNetwork: true), which no NetworkPolicy governs"
                .to_string()
        }
        Why::Rule {
            policy,
            rule,
            every_port,
            ip_block,
        } => {
            let p = &ps[*policy];
            let ports = if *every_port {
                "on every port"
            } else {
                "on TCP port 80"
            };
            let how = match ip_block {
                Some(n) => format!(
                    "its ipBlock {} does not except {endpoint}",
                    p.obj.doc.scalar(*n).unwrap_or_default()
                ),
                None => "it has no `to`, so it allows every destination".to_string(),
            };
            format!(
                "egress rule {} of NetworkPolicy \"{}\" allows it {ports} ({how})",
                rule + 1,
                p.name
            )
        }
    }
}

fn namespace_finding(ix: &Index, ns: &str, ps: &[Policy<'_>], reachers: &[Reacher<'_>]) -> Finding {
    let mut reached: Vec<Cidr> = Vec::new();
    for (_, r, _) in reachers {
        for c in r {
            if !reached.contains(c) {
                reached.push(*c);
            }
        }
    }
    let endpoint_text = |c: &Cidr| {
        let s = c.to_string();
        if c.prefix == c.bits() {
            s.rsplit_once('/').map_or(s.clone(), |(a, _)| a.to_string())
        } else {
            s
        }
    };
    let described: Vec<String> = reached
        .iter()
        .map(|c| {
            let what = METADATA_ENDPOINTS
                .iter()
                .chain(KNOWN_ENDPOINTS)
                .find(|(e, _)| parse_cidr(e).ok() == Some(*c))
                .map_or("a metadata endpoint", |(_, w)| w);
            format!("{what} {}", endpoint_text(c))
        })
        .collect();
    let first_endpoint = reached.first().map(endpoint_text).unwrap_or_default();

    // Group the workloads by why, in order of first appearance.
    let mut groups: Vec<(&Why, Vec<&WorkloadSummary>)> = Vec::new();
    for (w, _, why) in reachers {
        match groups.iter_mut().find(|(g, _)| *g == why) {
            Some((_, ws)) => ws.push(w),
            None => groups.push((why, vec![w])),
        }
    }
    let mut budget = NAMED_WORKLOADS;
    let mut named: Vec<&WorkloadSummary> = Vec::new();
    let mut parts = Vec::new();
    for (why, ws) in &groups {
        let shown = ws.len().min(budget);
        budget -= shown;
        let mut who: Vec<String> = ws[..shown]
            .iter()
            .map(|w| w.id.describe().to_string())
            .collect();
        named.extend(&ws[..shown]);
        let rest = ws.len() - shown;
        if rest > 0 {
            who.push(if shown == 0 {
                format!("{rest} workload{}", if rest == 1 { "" } else { "s" })
            } else {
                format!("{rest} more")
            });
        }
        let who = match who.len() {
            1 => who.remove(0),
            _ => {
                let last = who.pop().unwrap_or_default();
                format!("{} and {last}", who.join(", "))
            }
        };
        parts.push(format!("{who}: {}", explain(ps, why, &first_endpoint)));
    }
    let block = reached.first().map_or_else(String::new, |c| {
        format!(
            "ipBlock {} with except [{c}]",
            if c.v6 { "::/0" } else { "0.0.0.0/0" }
        )
    });
    let advice = if groups
        .iter()
        .all(|(why, _)| matches!(why, Why::HostNetwork))
    {
        "Run these pods without hostNetwork, or block the endpoint on the nodes themselves"
            .to_string()
    } else {
        format!(
            "Block it with an Egress NetworkPolicy that selects every pod (podSelector: {{}}) and allows {block}, and no rule that re-opens it"
        )
    };
    let message = format!(
        "pods in namespace \"{ns}\" can reach {} on TCP port 80: {}. {advice}",
        described.join(" and "),
        parts.join("; ")
    );

    let namespace = ix
        .of_kind("Namespace")
        .find(|o| o.id.name.as_deref() == Some(ns));
    let mut f = match namespace {
        Some(o) => {
            let doc: &Document = &o.doc;
            let at = doc
                .path(o.node, &["metadata", "name"])
                .or_else(|| doc.entry(o.node, "metadata").map(|e| e.key))
                .unwrap_or(o.node);
            let mut f = o.finding(&METADATA_EGRESS_OPEN, doc.span(at), message);
            for w in &named {
                f.related_in(
                    w.file.clone(),
                    w.span,
                    format!("{} can reach {first_endpoint}", w.id.describe()),
                );
            }
            f
        }
        None => {
            let w = reachers[0].0;
            w.finding(&METADATA_EGRESS_OPEN, w.span, message)
        }
    };
    f.label("pods here can reach the metadata endpoint");
    // With no NetworkPolicy of the namespace among the scanned files, the policies may live
    // in another repository: a warning. With policies here that still let traffic out, the
    // scanned files themselves are wrong: an error.
    if ps.is_empty() {
        f.severity = Severity::Warning;
        f.message = format!(
            "{} (No NetworkPolicy of namespace \"{ns}\" is among the scanned files; if they live elsewhere, scan them together.)",
            f.message
        )
        .into_boxed_str();
    }
    for (why, _) in &groups {
        if let Why::Rule {
            policy,
            rule,
            ip_block,
            ..
        } = why
        {
            let p = &ps[*policy];
            let node = ip_block.unwrap_or(p.egress[*rule].node);
            f.related_in(
                p.obj.file.clone(),
                p.obj.doc.span(node),
                format!(
                    "egress rule {} of NetworkPolicy \"{}\" allows {first_endpoint}",
                    rule + 1,
                    p.name
                ),
            );
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_endpoints_parse() {
        for (e, _) in METADATA_ENDPOINTS {
            assert!(parse_cidr(e).is_ok(), "{e}");
        }
    }

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

    #[test]
    fn comment_hint_names_the_prefix() {
        let h = comment_hint("10.10.0.0/0#example");
        assert!(h.contains("\"#example\""), "{h}");
        assert!(h.contains("it means 0.0.0.0/0"), "{h}");
        assert_eq!(comment_hint("10.0.0.0/8"), "");
    }
}
