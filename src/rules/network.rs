//! Network rules (KH4xx): whether the pods of each namespace can reach the instance metadata
//! endpoint, given how the namespace's NetworkPolicies add up (KH401), and `ipBlock` CIDRs
//! that the API server refuses or that network plugins may read differently (KH402).
//!
//! The rules word findings; what a NetworkPolicy means (which pods it selects, when a pod is
//! egress-isolated, which destinations and ports the union of its egress rules allows) lives
//! in `crate::k8s::network_policy`, CIDR arithmetic in `crate::k8s::cidr`.

use std::collections::{BTreeMap, HashMap};

use super::rule_meta;
use crate::check::{Rule, Settings, Sink};
use crate::finding::{Finding, Severity};
use crate::index::{Index, IndexedObject, Resource, WORKLOADS, WorkloadSummary};
use crate::k8s::SYSTEM_NAMESPACES;
use crate::k8s::cidr::{Cidr, parse_cidr};
use crate::k8s::network_policy::{
    CidrProblem, CidrProblemKind, ExceptOutside, IpBlockField, Policy, Why, ip_block_problems,
    is_kubernetes_network_policy, peers, policies_by_namespace, read_ip_block, workload_reach,
};
use crate::load::{Document, NodeId};

rule_meta!(
    MetadataEgressOpen,
    METADATA_EGRESS_OPEN,
    "KH401",
    "metadata-egress-open",
    Error,
    "Pods of a namespace can send traffic to the instance metadata endpoint (169.254.169.254).",
    precision = High,
    scope = Namespace,
    severity_note = "warning when no NetworkPolicy of the namespace is scanned"
);
rule_meta!(
    NetworkPolicyCidrInvalid,
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

// ---------------------------------------------------------------------------------------
// Wording of ipBlock problems
// ---------------------------------------------------------------------------------------

/// What KH402 says about a problem of an ipBlock.
fn problem_message(doc: &Document, p: &CidrProblem) -> String {
    let reject = "the API server rejects the NetworkPolicy";
    let text = |n: NodeId| doc.scalar(n).unwrap_or_default();
    let field = |f: IpBlockField| match f {
        IpBlockField::Cidr => "ipBlock cidr",
        IpBlockField::Except => "ipBlock except entry",
    };
    match &p.kind {
        CidrProblemKind::NoCidr => format!("ipBlock has no cidr: {reject}"),
        CidrProblemKind::NonCanonical { field: f, cidr } => non_canonical(field(*f), *cidr),
        CidrProblemKind::Invalid { field: f, why } => format!(
            "{} \"{}\" is not a valid CIDR: {why}{}; {reject}",
            field(*f),
            text(p.node),
            comment_hint(text(p.node))
        ),
        CidrProblemKind::ExceptOutside {
            cidr: c,
            except: e,
            why,
        } => {
            let why = match why {
                ExceptOutside::OtherFamily => "it is of the other address family",
                ExceptOutside::WholeCidr => "it is the whole cidr",
                ExceptOutside::NotInside => "it is not inside it",
            };
            format!(
                "ipBlock except entry {e} must be a strict subset of the cidr {c}, but {why}: {reject}"
            )
        }
    }
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

// ---------------------------------------------------------------------------------------
// KH402
// ---------------------------------------------------------------------------------------

/// KH402.
impl Rule for NetworkPolicyCidrInvalid {
    fn check_resource(&self, r: &Resource<'_>, out: &mut Sink<'_>) {
        if !is_kubernetes_network_policy(r.api_version, r.kind) {
            return;
        }
        let doc = r.doc;
        for peer in peers(doc, r.node) {
            let Some(block) = read_ip_block(doc, peer) else {
                continue;
            };
            for p in ip_block_problems(&block) {
                out.report(
                    &NETWORK_POLICY_CIDR_INVALID,
                    p.node,
                    format!("{}: {}", r.describe(), problem_message(doc, &p)),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// KH401
// ---------------------------------------------------------------------------------------

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
impl Rule for MetadataEgressOpen {
    fn indexed_kinds(&self) -> &'static [&'static str] {
        &["NetworkPolicy", "Namespace", WORKLOADS]
    }

    fn check_index(&self, ix: &Index, settings: &Settings, out: &mut Vec<Finding>) {
        let endpoints = endpoints(settings);
        let policies = policies_by_namespace(ix);
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
                if let Some(why) = workload_reach(ps, w, e) {
                    reached.push(e);
                    first_why.get_or_insert(why);
                }
            }
            if let Some(why) = first_why {
                open.entry(ns).or_default().push((w, reached, why));
            }
        }
        // Each namespace's object (the first of that name), looked up once per namespace.
        let mut namespaces: HashMap<&str, &IndexedObject> = HashMap::new();
        for o in ix.of_kind("Namespace") {
            if let Some(name) = o.id.name.as_deref() {
                namespaces.entry(name).or_insert(o);
            }
        }
        for (ns, reachers) in open {
            let ps = policies.get(ns).map_or(&[][..], Vec::as_slice);
            let object = namespaces.get(ns).copied();
            out.push(namespace_finding(object, ns, ps, &reachers));
        }
    }
}

/// How many workloads, or policies, a KH401 message names in one list before it says "and N
/// more"; the related locations hold them all.
const NAMED: usize = 3;

/// Names in a list: the first `NAMED`, then how many more: `"a", "b", "c" and 4 more`.
fn name_list(names: &[String]) -> String {
    crate::finding::listed(names, NAMED)
}

/// Policies by name, each once: `NetworkPolicy "a"` or `NetworkPolicies "a", "b" and 2 more`.
fn policy_list(ps: &[Policy<'_>], idx: &[usize]) -> String {
    let mut names: Vec<String> = Vec::new();
    for &i in idx {
        let n = format!("\"{}\"", ps[i].name);
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let noun = if names.len() == 1 {
        "NetworkPolicy"
    } else {
        "NetworkPolicies"
    };
    format!("{noun} {}", name_list(&names))
}

/// Why the workloads of a group reach the endpoint, whatever policy or rule it is: the groups
/// of a message.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cause {
    NotIsolated,
    HostNetwork,
    /// A rule without `to`: every destination.
    EveryDestination {
        every_port: bool,
    },
    /// A rule whose ipBlock does not except the endpoint.
    IpBlock {
        every_port: bool,
    },
}

impl Cause {
    fn of(why: &Why) -> Cause {
        match why {
            Why::NotIsolated { .. } => Cause::NotIsolated,
            Why::HostNetwork => Cause::HostNetwork,
            Why::Rule {
                every_port,
                ip_block: None,
                ..
            } => Cause::EveryDestination {
                every_port: *every_port,
            },
            Why::Rule { every_port, .. } => Cause::IpBlock {
                every_port: *every_port,
            },
        }
    }
}

/// The workloads that reach the endpoint for one cause, and the policies that make it so.
struct Group<'r> {
    cause: Cause,
    workloads: Vec<&'r WorkloadSummary>,
    whys: Vec<&'r Why>,
}

/// The workloads grouped by cause, in order of first appearance.
fn group_by_cause<'r>(reachers: &'r [Reacher<'_>]) -> Vec<Group<'r>> {
    let mut groups: Vec<Group<'r>> = Vec::new();
    for (w, _, why) in reachers {
        let cause = Cause::of(why);
        let g = match groups.iter().position(|g| g.cause == cause) {
            Some(i) => &mut groups[i],
            None => {
                groups.push(Group {
                    cause,
                    workloads: Vec::new(),
                    whys: Vec::new(),
                });
                groups.last_mut().expect("just pushed")
            }
        };
        g.workloads.push(w);
        if !g.whys.contains(&why) {
            g.whys.push(why);
        }
    }
    groups
}

/// The workloads of a group by name, each name once (the same workload may be in several
/// scanned files).
fn who(ws: &[&WorkloadSummary]) -> String {
    let mut names: Vec<String> = Vec::new();
    for w in ws {
        let n = w.id.describe().to_string();
        if !names.contains(&n) {
            names.push(n);
        }
    }
    name_list(&names)
}

/// What lets a group's workloads reach the endpoint.
fn explain(ps: &[Policy<'_>], g: &Group<'_>, endpoint: &str) -> String {
    let ports = |every_port: bool| {
        if every_port {
            "on every port"
        } else {
            "on TCP port 80"
        }
    };
    // The policies of the group's rules, and of its ingress-only and rejected policies.
    let mut rules: Vec<usize> = Vec::new();
    let mut ingress_only: Vec<usize> = Vec::new();
    let mut rejected: Vec<usize> = Vec::new();
    let mut blocks: Vec<String> = Vec::new();
    for why in &g.whys {
        match why {
            Why::Rule {
                policy, ip_block, ..
            } => {
                rules.push(*policy);
                if let Some(n) = ip_block {
                    let cidr = ps[*policy].obj.doc.scalar(*n).unwrap_or_default();
                    let b = format!("{cidr} (NetworkPolicy \"{}\")", ps[*policy].name);
                    if !blocks.contains(&b) {
                        blocks.push(b);
                    }
                }
            }
            Why::NotIsolated {
                ingress_only: i,
                rejected: r,
            } => {
                ingress_only.extend(i);
                rejected.extend(r);
            }
            Why::HostNetwork => {}
        }
    }
    match g.cause {
        Cause::NotIsolated => {
            let mut s = "no NetworkPolicy isolates their egress".to_string();
            if !ingress_only.is_empty() {
                s.push_str(&format!(
                    " ({} select them for Ingress only: list Egress in policyTypes)",
                    policy_list(ps, &ingress_only)
                ));
            }
            if !rejected.is_empty() {
                s.push_str(&format!(
                    " ({} would, but the API server rejects it: see KH402)",
                    policy_list(ps, &rejected)
                ));
            }
            s
        }
        Cause::HostNetwork => {
            "they use the node's network (hostNetwork: true), which no NetworkPolicy governs"
                .to_string()
        }
        Cause::EveryDestination { every_port } if g.whys.len() == 1 => format!(
            "an egress rule without `to` (every destination) in {} allows it {}",
            policy_list(ps, &rules),
            ports(every_port)
        ),
        Cause::EveryDestination { every_port } => format!(
            "egress rules without `to` (every destination) in {} allow it {}",
            policy_list(ps, &rules),
            ports(every_port)
        ),
        Cause::IpBlock { every_port } => format!(
            "the ipBlock {} does not except {endpoint}, so it is allowed {}",
            name_list(&blocks),
            ports(every_port)
        ),
    }
}

/// The KH401 finding of a namespace whose workloads `reachers` reach an endpoint.
fn namespace_finding(
    namespace: Option<&IndexedObject>,
    ns: &str,
    ps: &[Policy<'_>],
    reachers: &[Reacher<'_>],
) -> Finding {
    let reached = reached_endpoints(reachers);
    let described: Vec<String> = reached.iter().map(describe_endpoint).collect();
    let first_endpoint = reached.first().map(endpoint_text).unwrap_or_default();
    let groups = group_by_cause(reachers);
    let parts: Vec<String> = groups
        .iter()
        .map(|g| format!("{}: {}", who(&g.workloads), explain(ps, g, &first_endpoint)))
        .collect();
    let advice = advice(&groups, &reached);
    let message = format!(
        "pods in namespace \"{ns}\" can reach {} on TCP port 80: {}. {advice}",
        described.join(" and "),
        parts.join("; ")
    );

    let mut f = anchored_finding(namespace, reachers, &first_endpoint, message);
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
    relate_rules(&mut f, ps, &groups, &first_endpoint);
    f
}

/// The endpoints some workload reaches, in order of first appearance.
fn reached_endpoints(reachers: &[Reacher<'_>]) -> Vec<Cidr> {
    let mut reached: Vec<Cidr> = Vec::new();
    for (_, r, _) in reachers {
        for c in r {
            if !reached.contains(c) {
                reached.push(*c);
            }
        }
    }
    reached
}

/// An endpoint as a message writes it: a single address without its `/32` or `/128`.
fn endpoint_text(c: &Cidr) -> String {
    let s = c.to_string();
    if c.prefix == c.bits() {
        s.rsplit_once('/').map_or(s.clone(), |(a, _)| a.to_string())
    } else {
        s
    }
}

/// An endpoint with what it is: "the instance metadata endpoint 169.254.169.254".
fn describe_endpoint(c: &Cidr) -> String {
    let what = METADATA_ENDPOINTS
        .iter()
        .chain(KNOWN_ENDPOINTS)
        .find(|(e, _)| parse_cidr(e).ok() == Some(*c))
        .map_or("a metadata endpoint", |(_, w)| w);
    format!("{what} {}", endpoint_text(c))
}

/// How to close the endpoint: off hostNetwork, or with an Egress policy excepting it.
fn advice(groups: &[Group<'_>], reached: &[Cidr]) -> String {
    let block = reached.first().map_or_else(String::new, |c| {
        format!(
            "ipBlock {} with except [{c}]",
            if c.v6 { "::/0" } else { "0.0.0.0/0" }
        )
    });
    if groups.iter().all(|g| g.cause == Cause::HostNetwork) {
        "Run these pods without hostNetwork, or block the endpoint on the nodes themselves"
            .to_string()
    } else {
        format!(
            "Block it with an Egress NetworkPolicy that selects every pod (podSelector: {{}}) and allows {block}, and no rule that re-opens it"
        )
    }
}

/// The finding, on the Namespace's name when the Namespace is among the scanned files, else on
/// the first workload; every other workload that reaches the endpoint is a related location.
fn anchored_finding(
    namespace: Option<&IndexedObject>,
    reachers: &[Reacher<'_>],
    first_endpoint: &str,
    message: String,
) -> Finding {
    let mut f = match namespace {
        Some(o) => {
            let doc: &Document = &o.doc;
            let at = doc
                .path(o.node, &["metadata", "name"])
                .or_else(|| doc.entry(o.node, "metadata").map(|e| e.key))
                .unwrap_or(o.node);
            o.finding(&METADATA_EGRESS_OPEN, doc.span(at), message)
        }
        None => {
            let w = reachers[0].0;
            w.finding(&METADATA_EGRESS_OPEN, w.span, message)
        }
    };
    // On a Namespace, every workload that reaches the endpoint is related (the message names
    // a few); on a workload, the finding stands for the namespace's first one alone.
    let related = if namespace.is_some() { reachers } else { &[] };
    for (w, _, _) in related {
        f.related_in(
            w.file.clone(),
            w.span,
            format!("{} can reach {first_endpoint}", w.id.describe()),
        );
    }
    f
}

/// Relates the egress rules that let the traffic out, each at the ipBlock that admits the
/// endpoint or at the rule.
fn relate_rules(f: &mut Finding, ps: &[Policy<'_>], groups: &[Group<'_>], first_endpoint: &str) {
    for g in groups {
        for why in &g.whys {
            let Why::Rule {
                policy,
                rule,
                ip_block,
                ..
            } = why
            else {
                continue;
            };
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
    fn comment_hint_names_the_prefix() {
        let h = comment_hint("10.10.0.0/0#example");
        assert!(h.contains("\"#example\""), "{h}");
        assert!(h.contains("it means 0.0.0.0/0"), "{h}");
        assert_eq!(comment_hint("10.0.0.0/8"), "");
    }
}
