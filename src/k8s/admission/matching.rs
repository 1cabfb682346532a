//! Whether a policy and one of its bindings apply to a CREATE of a scanned object, as the API
//! server decides before evaluating any CEL: the namespace selector, the object selector,
//! the excluded rules (exclusion wins), then the resource rules, for the policy's
//! `matchConstraints` and the binding's `matchResources` both. `matchConditions` are CEL and
//! are left to the caller.
//!
//! What keelhaul cannot know offline is `Match::Unknown` with the reason, never a guess: the
//! labels of a Namespace that is not among the scanned objects (beyond the
//! `kubernetes.io/metadata.name` label the API server always sets), the scope of a custom
//! kind whose CRD is not scanned.

use super::objects::{
    Binding, MatchPolicy, MatchResources, Policy, ResourceRule, RuleScope, Selector,
};
use super::resources::{equivalents, kind_info};
use super::{GROUP, served};
use crate::index::Resource;
use crate::k8s::selector::LabelSelector;
use crate::k8s::version::KubeVersion;
use crate::load::{Document, NodeId};

/// The label the API server puts on every Namespace: its name.
pub const NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Kinds whose admission no policy sees: the admission configuration itself.
const EXEMPT: &[&str] = &[
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
];

/// Whether a request is matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    Yes,
    No,
    /// It depends on what the scanned objects do not say; the reason, in words.
    Unknown(String),
}

impl Match {
    /// Both must hold: No wins over Unknown, which wins over Yes.
    pub fn and(self, other: impl FnOnce() -> Match) -> Match {
        match self {
            Match::No => Match::No,
            Match::Yes => other(),
            Match::Unknown(why) => match other() {
                Match::No => Match::No,
                _ => Match::Unknown(why),
            },
        }
    }

    fn not(self) -> Match {
        match self {
            Match::Yes => Match::No,
            Match::No => Match::Yes,
            unknown => unknown,
        }
    }

    /// One must hold: Yes wins over Unknown, which wins over No.
    fn any(all: impl IntoIterator<Item = Match>) -> Match {
        let mut out = Match::No;
        for m in all {
            match m {
                Match::Yes => return Match::Yes,
                Match::Unknown(_) if out == Match::No => out = m,
                _ => {}
            }
        }
        out
    }

    fn of(b: bool) -> Match {
        if b { Match::Yes } else { Match::No }
    }
}

/// The scanned objects, standing for the cluster: its Namespaces, CRDs and param objects.
#[derive(Debug, Clone)]
pub struct Scanned<'a, 'd> {
    pub objects: &'a [Resource<'d>],
    /// The cluster's version, when known: decides which policy versions are served and which
    /// equivalent group/versions exist.
    pub kube: Option<KubeVersion>,
    /// The Namespaces among `objects` by name (and their place in `objects`), sorted by name
    /// and then place: a request finds its Namespace without a walk over every object.
    namespaces: Vec<(&'d str, usize)>,
}

impl<'a, 'd> Scanned<'a, 'd> {
    pub fn new(objects: &'a [Resource<'d>], kube: Option<KubeVersion>) -> Scanned<'a, 'd> {
        let mut namespaces: Vec<(&'d str, usize)> = objects
            .iter()
            .enumerate()
            .filter(|(_, o)| is_namespace(o))
            .filter_map(|(i, o)| Some((o.name?, i)))
            .collect();
        namespaces.sort();
        Scanned {
            objects,
            kube,
            namespaces,
        }
    }

    /// The first scanned Namespace named `name`.
    pub fn namespace(&self, name: &str) -> Option<Resource<'d>> {
        let at = self.namespaces.partition_point(|(n, _)| *n < name);
        match self.namespaces.get(at) {
            Some((n, i)) if *n == name => Some(self.objects[*i]),
            _ => None,
        }
    }
}

/// A CREATE request for a scanned object, as admission sees it.
#[derive(Debug, Clone)]
pub struct Request<'d> {
    pub object: Resource<'d>,
    pub group: &'d str,
    pub version: &'d str,
    /// The resource (plural, lowercase); no subresource: a create of the object itself.
    pub resource: String,
    /// The resource is guessed from the kind (a custom kind whose CRD is not scanned).
    pub resource_guessed: bool,
    /// None when the scope is unknown.
    pub cluster_scoped: Option<bool>,
    /// The request's namespace: the object's for a namespaced kind, the Namespace's own name
    /// for a Namespace, None for any other cluster-scoped kind (or an unknown scope).
    pub namespace: Option<&'d str>,
    /// The same resource under the other group/versions the cluster serves (see
    /// `equivalents`), once asked for: every binding's rules are tried against them.
    equivalents: std::cell::OnceCell<Vec<(&'static str, &'static str, &'static str)>>,
}

impl<'d> Request<'d> {
    /// The CREATE of `object`. A custom kind of unknown scope written with a namespace is
    /// taken to be namespaced.
    pub fn create(object: &Resource<'d>, scanned: &Scanned<'_, 'd>) -> Request<'d> {
        let group = object.group();
        let version = object
            .api_version
            .rsplit_once('/')
            .map_or(object.api_version, |(_, v)| v);
        let info = kind_info(scanned.objects, group, object.kind);
        let cluster_scoped = info
            .cluster_scoped
            .or((object.namespaced_explicitly).then_some(false));
        let namespace = if is_namespace(object) {
            object.name
        } else if cluster_scoped == Some(false) {
            Some(object.namespace)
        } else {
            None
        };
        Request {
            object: *object,
            group,
            version,
            resource: info.resource,
            resource_guessed: info.guessed,
            cluster_scoped,
            namespace,
            equivalents: std::cell::OnceCell::new(),
        }
    }
}

impl<'d> Request<'d> {
    /// The Namespace of the request among the scanned objects: the object itself when it is
    /// a Namespace, else the Namespace named by the request's namespace, when scanned. What
    /// a policy's CEL sees as `namespaceObject` (null for a cluster-scoped object).
    pub fn namespace_object(&self, scanned: &Scanned<'_, 'd>) -> Option<Resource<'d>> {
        if is_namespace(&self.object) {
            return Some(self.object);
        }
        scanned.namespace(self.namespace?)
    }
}

fn is_namespace(r: &Resource<'_>) -> bool {
    r.kind == "Namespace" && r.group().is_empty()
}

/// Whether `binding` of `policy` applies to the request: both served at the scanned version
/// (when known), the binding naming the policy, the policy's `matchConstraints` and the
/// binding's `matchResources` (when set) both matching. The match conditions (CEL) remain.
pub fn applies(
    policy: &Policy<'_>,
    binding: &Binding<'_>,
    req: &Request<'_>,
    scanned: &Scanned<'_, '_>,
) -> Match {
    let names_it = binding
        .policy_name
        .as_ref()
        .is_some_and(|n| Some(n.value.as_str()) == policy.resource.name);
    if !names_it || req.group == GROUP && EXEMPT.contains(&req.object.kind) {
        return Match::No;
    }
    let Some(constraints) = &policy.match_constraints else {
        return Match::No;
    };
    let matched =
        matches_resources(constraints, req, scanned).and(|| match &binding.match_resources {
            Some(m) => matches_resources(m, req, scanned),
            None => Match::Yes,
        });
    // Last, as it is the same for every request: a policy or binding the cluster does not
    // serve matches nothing.
    if matched != Match::No
        && let Some(kube) = scanned.kube
        && !(served(policy.resource.api_version, kube)
            && served(binding.resource.api_version, kube))
    {
        return Match::No;
    }
    matched
}

/// One `matchConstraints` / `matchResources` against a request. Rules left empty match every
/// resource (a binding's `matchResources` may leave them so).
pub fn matches_resources(
    m: &MatchResources,
    req: &Request<'_>,
    scanned: &Scanned<'_, '_>,
) -> Match {
    // The rules first: most requests are not for the resources a policy names, and a
    // request they do not match is matched by nothing else.
    let rules = if m.resource_rules.is_empty() {
        Match::Yes
    } else {
        rules_match(&m.resource_rules, m.match_policy, req, scanned)
    };
    if rules == Match::No {
        return Match::No;
    }
    namespace_selector_matches(&m.namespace_selector, req, scanned)
        .and(|| object_selector_matches(&m.object_selector, req))
        .and(|| {
            if m.exclude_resource_rules.is_empty() {
                Match::Yes
            } else {
                rules_match(&m.exclude_resource_rules, m.match_policy, req, scanned).not()
            }
        })
        .and(|| rules)
}

/// Whether any rule matches the request, or (Equivalent) the same resource under another
/// group/version the cluster serves.
pub fn rules_match(
    rules: &[ResourceRule],
    policy: MatchPolicy,
    req: &Request<'_>,
    scanned: &Scanned<'_, '_>,
) -> Match {
    let direct = Match::any(
        rules
            .iter()
            .map(|r| rule_matches(r, req.group, req.version, &req.resource, req)),
    );
    if direct == Match::Yes || policy == MatchPolicy::Exact {
        return direct;
    }
    let others = req
        .equivalents
        .get_or_init(|| equivalents(req.object.api_version, req.object.kind, scanned.kube));
    let via = others
        .iter()
        .flat_map(|&(g, v, res)| rules.iter().map(move |r| rule_matches(r, g, v, res, req)));
    Match::any(std::iter::once(direct).chain(via))
}

fn listed(values: &[super::Text], wanted: &str) -> bool {
    values.iter().any(|t| t.value == "*" || t.value == wanted)
}

/// One rule against the request seen as `group`/`version`/`resource`. A guessed resource
/// (a custom kind whose CRD is not scanned) that a rule of its group does not name is
/// Unknown; one the rule names is taken to match, custom resources' plurals being regular.
pub fn rule_matches(
    rule: &ResourceRule,
    group: &str,
    version: &str,
    resource: &str,
    req: &Request<'_>,
) -> Match {
    if !listed(&rule.operations, "CREATE")
        || !listed(&rule.api_groups, group)
        || !listed(&rule.api_versions, version)
    {
        return Match::No;
    }
    // `pods` and `pods/*` match a create of a pod, `pods/status` and `*/scale` do not.
    let resource_ok = rule.resources.iter().any(|t| {
        let (res, sub) = t.value.split_once('/').unwrap_or((&t.value, ""));
        (res == "*" || res == resource) && (sub.is_empty() || sub == "*")
    });
    if !resource_ok {
        return if req.resource_guessed && group == req.group {
            Match::Unknown(format!(
                "the resource of kind {} is guessed as \"{resource}\": its CustomResourceDefinition is not among the scanned objects",
                req.object.kind
            ))
        } else {
            Match::No
        };
    }
    let scope = match rule.scope {
        RuleScope::All => Match::Yes,
        _ if is_namespace(&req.object) => Match::of(rule.scope == RuleScope::Cluster),
        _ => match req.cluster_scoped {
            Some(cluster) => Match::of(cluster == (rule.scope == RuleScope::Cluster)),
            None => Match::Unknown(unknown_scope(req)),
        },
    };
    // A create carries the name written in the manifest: `generateName` objects have none,
    // and a rule with `resourceNames` never matches them.
    scope.and(|| {
        Match::of(
            rule.resource_names.is_empty()
                || rule
                    .resource_names
                    .iter()
                    .any(|n| Some(n.value.as_str()) == req.object.name),
        )
    })
}

fn unknown_scope(req: &Request<'_>) -> String {
    format!(
        "whether kind {} is namespaced is not known: its CustomResourceDefinition is not among the scanned objects",
        req.object.kind
    )
}

/// The labels of an object (`metadata.labels`); None when they cannot be read.
pub fn labels_of(doc: &Document, object: NodeId) -> Option<Vec<(String, String)>> {
    let Some(labels) = doc
        .path(object, &["metadata", "labels"])
        .filter(|&n| !doc.is_null(n))
    else {
        return Some(Vec::new());
    };
    if !doc.is_mapping(labels) {
        return None;
    }
    doc.entries(labels)
        .map(|e| {
            Some((
                doc.scalar(e.key)?.to_string(),
                doc.scalar(e.value)?.to_string(),
            ))
        })
        .collect()
}

/// The object selector against the object's own labels.
fn object_selector_matches(sel: &Selector, req: &Request<'_>) -> Match {
    let Some(selector) = &sel.selector else {
        return Match::Unknown("the objectSelector is invalid (the API server refuses it)".into());
    };
    if *selector == LabelSelector::default() {
        return Match::Yes;
    }
    match labels_of(req.object.doc, req.object.node) {
        Some(labels) => Match::of(selector.matches(&labels)),
        None => Match::Unknown("the object's labels cannot be read".into()),
    }
}

/// The namespace selector. Cluster-scoped objects other than Namespaces always match it (the
/// API server never exempts them); a Namespace is judged by its own labels; a namespaced
/// object by its Namespace's, when that Namespace is scanned.
fn namespace_selector_matches(
    sel: &Selector,
    req: &Request<'_>,
    scanned: &Scanned<'_, '_>,
) -> Match {
    let Some(selector) = &sel.selector else {
        return Match::Unknown(
            "the namespaceSelector is invalid (the API server refuses it)".into(),
        );
    };
    if *selector == LabelSelector::default() {
        return Match::Yes;
    }
    let Some(ns) = req.namespace else {
        return match req.cluster_scoped {
            Some(true) => Match::Yes,
            _ if is_namespace(&req.object) => Match::Unknown("the Namespace has no name".into()),
            _ => Match::Unknown(unknown_scope(req)),
        };
    };
    let Some(namespace) = req.namespace_object(scanned) else {
        return name_only(selector, ns);
    };
    match labels_of(namespace.doc, namespace.node) {
        Some(mut labels) => {
            labels.retain(|(k, _)| k != NAME_LABEL);
            labels.push((NAME_LABEL.to_string(), ns.to_string()));
            Match::of(selector.matches(&labels))
        }
        None => Match::Unknown(format!("the labels of Namespace \"{ns}\" cannot be read")),
    }
}

/// A selector against a Namespace that is not scanned: only its name label is known. A
/// requirement on that label decides alone when it fails; any other leaves it unknown.
fn name_only(selector: &LabelSelector, ns: &str) -> Match {
    let known = [(NAME_LABEL.to_string(), ns.to_string())];
    let mut unknown = false;
    for (k, v) in &selector.match_labels {
        if k == NAME_LABEL {
            if v != ns {
                return Match::No;
            }
        } else {
            unknown = true;
        }
    }
    for r in &selector.match_expressions {
        if r.key == NAME_LABEL {
            let one = LabelSelector {
                match_labels: Vec::new(),
                match_expressions: vec![r.clone()],
            };
            if !one.matches(&known) {
                return Match::No;
            }
        } else {
            unknown = true;
        }
    }
    if unknown {
        Match::Unknown(format!(
            "Namespace \"{ns}\" is not among the scanned objects: its labels are not known"
        ))
    } else {
        Match::Yes
    }
}
