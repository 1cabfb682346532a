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

/// Namespaces that belong to the cluster itself.
const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

/// How many workloads a KH401 message names before it says "and N more".
const NAMED_WORKLOADS: usize = 5;

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
    let groups = group_by_why(reachers);
    let (parts, named) = explain_groups(ps, &groups, &first_endpoint);
    let advice = advice(&groups, &reached);
    let message = format!(
        "pods in namespace \"{ns}\" can reach {} on TCP port 80: {}. {advice}",
        described.join(" and "),
        parts.join("; ")
    );

    let mut f = anchored_finding(namespace, reachers, &named, &first_endpoint, message);
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

/// The workloads grouped by why they reach the endpoint, in order of first appearance.
type Groups<'r> = Vec<(&'r Why, Vec<&'r WorkloadSummary>)>;

fn group_by_why<'r>(reachers: &'r [Reacher<'_>]) -> Groups<'r> {
    let mut groups: Groups<'r> = Vec::new();
    for (w, _, why) in reachers {
        match groups.iter_mut().find(|(g, _)| *g == why) {
            Some((_, ws)) => ws.push(w),
            None => groups.push((why, vec![w])),
        }
    }
    groups
}

/// One part of the message per group (who, and why), and the workloads named in them: at
/// most `NAMED_WORKLOADS` over all groups, the rest counted.
fn explain_groups<'r>(
    ps: &[Policy<'_>],
    groups: &Groups<'r>,
    endpoint: &str,
) -> (Vec<String>, Vec<&'r WorkloadSummary>) {
    let mut budget = NAMED_WORKLOADS;
    let mut named: Vec<&WorkloadSummary> = Vec::new();
    let mut parts = Vec::new();
    for (why, ws) in groups {
        let shown = ws.len().min(budget);
        budget -= shown;
        named.extend(&ws[..shown]);
        parts.push(format!(
            "{}: {}",
            who(ws, shown),
            explain(ps, why, endpoint)
        ));
    }
    (parts, named)
}

/// The first `shown` of `ws` by name and the rest counted: "a, b and 3 more", or
/// "4 workloads" when none is named.
fn who(ws: &[&WorkloadSummary], shown: usize) -> String {
    let mut who: Vec<String> = ws[..shown]
        .iter()
        .map(|w| w.id.describe().to_string())
        .collect();
    let rest = ws.len() - shown;
    if rest > 0 {
        who.push(if shown == 0 {
            format!("{rest} workload{}", if rest == 1 { "" } else { "s" })
        } else {
            format!("{rest} more")
        });
    }
    match who.len() {
        1 => who.remove(0),
        _ => {
            let last = who.pop().unwrap_or_default();
            format!("{} and {last}", who.join(", "))
        }
    }
}

/// How to close the endpoint: off hostNetwork, or with an Egress policy excepting it.
fn advice(groups: &Groups<'_>, reached: &[Cidr]) -> String {
    let block = reached.first().map_or_else(String::new, |c| {
        format!(
            "ipBlock {} with except [{c}]",
            if c.v6 { "::/0" } else { "0.0.0.0/0" }
        )
    });
    if groups
        .iter()
        .all(|(why, _)| matches!(why, Why::HostNetwork))
    {
        "Run these pods without hostNetwork, or block the endpoint on the nodes themselves"
            .to_string()
    } else {
        format!(
            "Block it with an Egress NetworkPolicy that selects every pod (podSelector: {{}}) and allows {block}, and no rule that re-opens it"
        )
    }
}

/// The finding, on the Namespace's name when the Namespace is among the scanned files (with
/// the named workloads related), else on the first workload.
fn anchored_finding(
    namespace: Option<&IndexedObject>,
    reachers: &[Reacher<'_>],
    named: &[&WorkloadSummary],
    first_endpoint: &str,
    message: String,
) -> Finding {
    match namespace {
        Some(o) => {
            let doc: &Document = &o.doc;
            let at = doc
                .path(o.node, &["metadata", "name"])
                .or_else(|| doc.entry(o.node, "metadata").map(|e| e.key))
                .unwrap_or(o.node);
            let mut f = o.finding(&METADATA_EGRESS_OPEN, doc.span(at), message);
            for w in named {
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
    }
}

/// Relates the egress rules that let the traffic out, each at the ipBlock that admits the
/// endpoint or at the rule.
fn relate_rules(f: &mut Finding, ps: &[Policy<'_>], groups: &Groups<'_>, first_endpoint: &str) {
    for (why, _) in groups {
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
