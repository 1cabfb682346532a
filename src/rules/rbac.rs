//! RBAC rules (KH3xx): bind groups, not individuals (the AKS guidance: grant access to Entra
//! ID groups, so that access follows group membership), never to anonymous or all
//! authenticated identities, and grant the least privilege (no wildcards, no escalation
//! verbs, no secrets, exec or pod creation without need).

use std::collections::HashMap;

use super::rule_meta;
use crate::check::{Rule, Settings, Sink};
use crate::finding::{Finding, Severity};
use crate::index::{Index, IndexedObject, Resource};
use crate::load::{Document, NodeId};

rule_meta!(
    UserBinding,
    USER_BINDING,
    "KH301",
    "user-binding",
    Warning,
    "A binding grants a role to an individual user instead of a group.",
    severity_note = "error cluster-wide or for a powerful role"
);
rule_meta!(
    AnonymousBinding,
    ANONYMOUS_BINDING,
    "KH302",
    "anonymous-binding",
    Error,
    "A binding grants a role to anonymous or to every authenticated identity.",
    security_severity = "9.1"
);
rule_meta!(
    MastersBinding,
    MASTERS_BINDING,
    "KH303",
    "masters-binding",
    Error,
    "A binding names the system:masters group.",
    security_severity = "9.1"
);
rule_meta!(
    ClusterAdminBinding,
    CLUSTER_ADMIN_BINDING,
    "KH304",
    "cluster-admin-binding",
    Error,
    "A binding grants cluster-admin.",
    security_severity = "9.1",
    severity_note = "warning in a RoleBinding"
);
rule_meta!(
    WildcardPermissions,
    WILDCARD_PERMISSIONS,
    "KH305",
    "wildcard-permissions",
    Error,
    "A role grants `*` verbs, resources or API groups.",
    severity_note = "warning for every verb on its own custom resources"
);
rule_meta!(
    EscalationVerbs,
    ESCALATION_VERBS,
    "KH306",
    "escalation-verbs",
    Error,
    "A role grants escalate, bind or impersonate."
);
rule_meta!(
    SecretsAccess,
    SECRETS_ACCESS,
    "KH307",
    "secrets-access",
    Warning,
    "A role can read Secrets."
);
rule_meta!(
    ExecAccess,
    EXEC_ACCESS,
    "KH308",
    "exec-access",
    Warning,
    "A role can exec or attach into pods, or proxy to nodes.",
    severity_note = "error for nodes/proxy"
);
rule_meta!(
    WorkloadCreation,
    WORKLOAD_CREATION,
    "KH309",
    "workload-creation",
    Warning,
    "A role can create pods or workloads."
);
rule_meta!(
    UnresolvedRole,
    UNRESOLVED_ROLE,
    "KH310",
    "unresolved-role",
    Note,
    "A binding names a role that is neither scanned nor built in.",
    precision = High
);
rule_meta!(
    DefaultServiceAccountBinding,
    DEFAULT_SA_BINDING,
    "KH311",
    "default-service-account-binding",
    Warning,
    "A binding grants a role to a namespace's default service account.",
    precision = High
);

const BUILT_IN_CLUSTER_ROLES: &[&str] = &["cluster-admin", "admin", "edit", "view"];
/// What `system:authenticated` is bound to in every cluster; nothing beyond it.
const AUTHENTICATED_DEFAULTS: &[&str] = &[
    "system:basic-user",
    "system:discovery",
    "system:public-info-viewer",
];
const WORKLOAD_RESOURCES: &[&str] = &[
    "pods",
    "deployments",
    "daemonsets",
    "statefulsets",
    "replicasets",
    "replicationcontrollers",
    "jobs",
    "cronjobs",
];

fn is_rbac(api_version: &str) -> bool {
    api_version.starts_with("rbac.authorization.k8s.io/")
}

/// The string items of a list field, with their nodes.
fn string_items<'d>(doc: &'d Document, map: NodeId, key: &str) -> Vec<(NodeId, &'d str)> {
    doc.get(map, key)
        .map(|l| {
            doc.items(l)
                .iter()
                .filter_map(|&i| Some((i, doc.scalar(i)?)))
                .collect()
        })
        .unwrap_or_default()
}

/// The `rules` of a Role or ClusterRole.
fn rules_of(doc: &Document, role: NodeId) -> Vec<NodeId> {
    doc.get(role, "rules")
        .map(|l| doc.items(l).to_vec())
        .unwrap_or_default()
}

/// Whether a role's rules grant `*` or an escalation verb on what that verb acts on.
fn role_is_powerful(doc: &Document, role: NodeId) -> bool {
    rules_of(doc, role).into_iter().any(|rule| {
        let rule = rule_view(doc, rule);
        rule.verbs
            .iter()
            .any(|(_, v)| *v == "*" || escalation(&rule, v).is_some())
            || rule.resources.iter().any(|(_, r)| *r == "*")
    })
}

// ---- roles (per resource) -----------------------------------------------------------------

/// The rules of a Role or ClusterRole with their verbs, resources and API groups.
struct RuleView<'d> {
    verbs: Vec<(NodeId, &'d str)>,
    resources: Vec<(NodeId, &'d str)>,
    groups: Vec<(NodeId, &'d str)>,
    has_names: bool,
}

impl RuleView<'_> {
    fn any_verb(&self, wanted: &[&str]) -> bool {
        self.verbs
            .iter()
            .any(|(_, v)| *v == "*" || wanted.contains(v))
    }
    fn core_group(&self) -> bool {
        self.groups.iter().any(|(_, g)| g.is_empty() || *g == "*")
    }
    /// Whether the rule's `apiGroups` contain one of `groups` (or `*`).
    fn in_group(&self, groups: &[&str]) -> bool {
        self.groups
            .iter()
            .any(|(_, g)| *g == "*" || groups.contains(g))
    }
    /// Whether the rule's `resources` contain one that `covers` (or `*`).
    fn on_resource(&self, covers: impl Fn(&str) -> bool) -> bool {
        self.resources.iter().any(|(_, r)| *r == "*" || covers(r))
    }
}

/// What an escalation verb acts on, and why it matters there; `None` when the rule's resources
/// give the verb nothing to act on (`bind` on `rolebindings`, `impersonate` on `pods`).
fn escalation(rule: &RuleView<'_>, verb: &str) -> Option<&'static str> {
    let (applies, why) = match verb {
        // Checked by the RBAC authorizer on roles and clusterroles only.
        "escalate" => (
            rule.in_group(&["rbac.authorization.k8s.io"])
                && rule.on_resource(|r| matches!(r, "roles" | "clusterroles")),
            "lets its holder grant itself permissions it does not have",
        ),
        "bind" => (
            rule.in_group(&["rbac.authorization.k8s.io"])
                && rule.on_resource(|r| matches!(r, "roles" | "clusterroles")),
            "lets its holder bind any role, including ones stronger than its own",
        ),
        // Identities: users, groups and service accounts in the core group; uids and extra
        // user fields in authentication.k8s.io.
        "impersonate" => (
            rule.in_group(&["", "authentication.k8s.io"])
                && rule.on_resource(|r| {
                    matches!(r, "users" | "groups" | "serviceaccounts" | "uids")
                        || r.starts_with("userextras")
                }),
            "lets its holder act as any user, group or service account",
        ),
        _ => return None,
    };
    applies.then_some(why)
}

/// Whether a rule's verbs open `resource` (`pods/exec`, `pods/attach`, `nodes/proxy`) in a
/// role of `kind`.
fn opens_stream(rule: &RuleView<'_>, kind: &str, resource: &str) -> bool {
    match resource {
        // exec and attach are a `create` (SPDY) or a `get` (the WebSocket upgrade); `list` and
        // `watch` grant nothing there.
        "pods/exec" | "pods/attach" => rule.any_verb(&["create", "get"]),
        // A cluster-scoped resource in a namespaced Role grants nothing. Every HTTP verb the
        // kubelet API takes reaches it; `get` alone is enough to run commands.
        "nodes/proxy" => {
            kind == "ClusterRole" && rule.any_verb(&["get", "create", "update", "patch", "delete"])
        }
        _ => false,
    }
}

fn role_rules<'d>(r: &Resource<'d>) -> Vec<RuleView<'d>> {
    if !is_rbac(r.api_version) || !matches!(r.kind, "Role" | "ClusterRole") {
        return Vec::new();
    }
    let doc = r.doc;
    rules_of(doc, r.node)
        .into_iter()
        .map(|rule| rule_view(doc, rule))
        .collect()
}

fn rule_view(doc: &Document, rule: NodeId) -> RuleView<'_> {
    RuleView {
        verbs: string_items(doc, rule, "verbs"),
        resources: string_items(doc, rule, "resources"),
        groups: string_items(doc, rule, "apiGroups"),
        has_names: doc
            .get(rule, "resourceNames")
            .is_some_and(|n| !doc.items(n).is_empty()),
    }
}

/// The resources a rule names, when they are all named (no `*`) and all in API groups that
/// are not Kubernetes' own (no core group, nothing ending in `k8s.io`): `widgets, gadgets
/// in example.com`.
fn own_custom_resources(rule: &RuleView<'_>) -> Option<String> {
    let groups: Vec<&str> = rule.groups.iter().map(|(_, g)| *g).collect();
    let resources: Vec<&str> = rule.resources.iter().map(|(_, r)| *r).collect();
    let custom = |g: &str| g.contains('.') && !g.ends_with("k8s.io") && g != "*";
    if groups.is_empty() || resources.is_empty() || !groups.iter().all(|g| custom(g)) {
        return None;
    }
    if resources.contains(&"*") {
        return None;
    }
    // A few by name: the rule itself lists them all.
    Some(format!(
        "{} in {}",
        crate::finding::listed(&resources, 5),
        groups.join(", ")
    ))
}

/// KH305.
impl Rule for WildcardPermissions {
    fn check_resource(&self, r: &Resource<'_>, out: &mut Sink<'_>) {
        for rule in role_rules(r) {
            for (what, list) in [
                ("verbs", &rule.verbs),
                ("resources", &rule.resources),
                ("apiGroups", &rule.groups),
            ] {
                for (n, v) in list {
                    if *v != "*" {
                        continue;
                    }
                    // Every verb on a few resources of the role's own API groups (its
                    // operator's custom resources) is narrower than a wildcard over
                    // Kubernetes' own resources, or over every resource.
                    let own = (what == "verbs")
                        .then(|| own_custom_resources(&rule))
                        .flatten();
                    match own {
                        Some(res) => {
                            out
                            .report(&WILDCARD_PERMISSIONS, *n, format!(
                                "{} grants every verb (`*`) on {res}: delete and any verb added later included; narrower than a wildcard over Kubernetes' own resources, but list the verbs that are needed",
                                r.describe()
                            ))
                            .severity(Severity::Warning);
                        }
                        None => {
                            out.report(&WILDCARD_PERMISSIONS, *n, format!(
                                "{} grants every {} (`*` in {what}): it also covers whatever is added to the cluster later; list what is needed",
                                r.describe(),
                                match what { "verbs" => "verb", "resources" => "resource", _ => "API group" }
                            ));
                        }
                    }
                }
            }
        }
    }
}

/// KH306.
impl Rule for EscalationVerbs {
    fn check_resource(&self, r: &Resource<'_>, out: &mut Sink<'_>) {
        for rule in role_rules(r) {
            for (n, v) in &rule.verbs {
                let Some(why) = escalation(&rule, v) else {
                    continue;
                };
                out.report(
                    &ESCALATION_VERBS,
                    *n,
                    format!("{} grants the verb {v}, which {why}", r.describe()),
                );
            }
        }
    }
}

/// KH307.
impl Rule for SecretsAccess {
    fn check_resource(&self, r: &Resource<'_>, out: &mut Sink<'_>) {
        for rule in role_rules(r) {
            if !rule.core_group() || !rule.any_verb(&["get", "list", "watch"]) {
                continue;
            }
            for (n, res) in &rule.resources {
                if *res == "secrets" {
                    let scope = if rule.has_names {
                        " (limited to the listed resourceNames)"
                    } else {
                        ""
                    };
                    out.report(
                        &SECRETS_ACCESS,
                        *n,
                        format!(
                            "{} can read Secrets{scope}: tokens, passwords and keys of the {}",
                            r.describe(),
                            if r.kind == "ClusterRole" {
                                "whole cluster when bound cluster-wide"
                            } else {
                                "namespace"
                            }
                        ),
                    );
                }
            }
        }
    }
}

/// KH308.
impl Rule for ExecAccess {
    fn check_resource(&self, r: &Resource<'_>, out: &mut Sink<'_>) {
        for rule in role_rules(r) {
            if !rule.core_group() || rule.verbs.is_empty() {
                continue;
            }
            for (n, res) in &rule.resources {
                let (severity, why) = match *res {
                    "pods/exec" => (
                        Severity::Warning,
                        "run commands inside any pod it can reach, with that pod's identity and secrets",
                    ),
                    "pods/attach" => (
                        Severity::Warning,
                        "attach to the processes of any pod it can reach",
                    ),
                    "nodes/proxy" => (
                        Severity::Error,
                        "reach the kubelet API of every node, and through it run commands in any pod",
                    ),
                    _ => continue,
                };
                if !opens_stream(&rule, r.kind, res) {
                    continue;
                }
                out.report(
                    &EXEC_ACCESS,
                    *n,
                    format!("{} grants {res}: its holder can {why}", r.describe()),
                )
                .severity(severity);
            }
        }
    }
}

/// KH309.
impl Rule for WorkloadCreation {
    fn check_resource(&self, r: &Resource<'_>, out: &mut Sink<'_>) {
        for rule in role_rules(r) {
            if !rule.any_verb(&["create"]) {
                continue;
            }
            for (n, res) in &rule.resources {
                if WORKLOAD_RESOURCES.contains(res) {
                    out.report(&WORKLOAD_CREATION, *n, format!(
                        "{} can create {res}: a new pod can mount any Secret and run as any service account of its namespace"
                        , r.describe()
                    ));
                }
            }
        }
    }
}

// ---- bindings (cross-resource) ------------------------------------------------------------

/// A subject of a binding.
struct Subject<'d> {
    item: NodeId,
    kind: &'d str,
    name: &'d str,
}

fn subjects(o: &IndexedObject) -> Vec<Subject<'_>> {
    let doc: &Document = &o.doc;
    let Some(list) = doc.get(o.node, "subjects") else {
        return Vec::new();
    };
    doc.items(list)
        .iter()
        .filter_map(|&item| {
            Some(Subject {
                item,
                kind: doc.get_str(item, "kind")?,
                name: doc.get_str(item, "name")?,
            })
        })
        .collect()
}

/// What a binding grants: its roleRef, resolved against the scanned roles.
struct Grant<'a> {
    kind: &'a str,
    name: &'a str,
    name_node: Option<NodeId>,
    /// The role's object in the scanned set, if it is there.
    found: Option<&'a IndexedObject>,
}

impl Grant<'_> {
    /// Roles every cluster has: the default ClusterRoles, and the Roles the control plane
    /// keeps in kube-system.
    fn built_in(&self, namespace: &str) -> bool {
        match self.kind {
            "ClusterRole" => {
                BUILT_IN_CLUSTER_ROLES.contains(&self.name) || self.name.starts_with("system:")
            }
            "Role" => {
                namespace == "kube-system"
                    && (self.name.starts_with("system:")
                        || self.name == "extension-apiserver-authentication-reader")
            }
            _ => false,
        }
    }

    fn powerful(&self) -> bool {
        (self.kind == "ClusterRole" && matches!(self.name, "cluster-admin" | "admin" | "edit"))
            || self.found.is_some_and(|o| role_is_powerful(&o.doc, o.node))
    }

    fn describe(&self) -> String {
        format!("{} \"{}\"", self.kind, self.name)
    }
}

/// Roles of the scanned set: (kind, namespace or "" for ClusterRoles, name) -> object.
fn role_table(ix: &Index) -> HashMap<(&str, &str, &str), &IndexedObject> {
    let mut t = HashMap::new();
    for kind in ["Role", "ClusterRole"] {
        for o in ix.of_kind(kind) {
            if !is_rbac(&o.id.api_version) {
                continue;
            }
            let ns = if kind == "Role" {
                o.id.namespace.as_deref().unwrap_or_default()
            } else {
                ""
            };
            if let Some(name) = o.id.name.as_deref() {
                t.entry((kind, ns, name)).or_insert(o);
            }
        }
    }
    t
}

fn bindings(ix: &Index) -> impl Iterator<Item = &IndexedObject> {
    ix.of_kind("RoleBinding")
        .chain(ix.of_kind("ClusterRoleBinding"))
        .filter(|o| is_rbac(&o.id.api_version))
}

fn grant_of<'a>(
    o: &'a IndexedObject,
    roles: &HashMap<(&str, &str, &str), &'a IndexedObject>,
) -> Option<Grant<'a>> {
    let doc: &Document = &o.doc;
    let role_ref = doc.get(o.node, "roleRef")?;
    let kind = doc.get_str(role_ref, "kind")?;
    let name = doc.get_str(role_ref, "name")?;
    let ns = if kind == "Role" {
        o.id.namespace.as_deref().unwrap_or_default()
    } else {
        ""
    };
    Some(Grant {
        kind,
        name,
        name_node: doc.get(role_ref, "name"),
        found: roles.get(&(kind, ns, name)).copied(),
    })
}

/// What an Entra ID user name looks like.
fn recognise_user(name: &str) -> &'static str {
    let guid = name.len() == 36
        && name.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    if guid {
        "an Entra ID object id"
    } else if name.contains('@') {
        "a user principal name"
    } else {
        "a user name"
    }
}

const BINDING_KINDS: &[&str] = &["RoleBinding", "ClusterRoleBinding", "Role", "ClusterRole"];

macro_rules! binding_rule {
    ($ty:ident, $meta:ident, $body:expr) => {
        impl Rule for $ty {
            fn indexed_kinds(&self) -> &'static [&'static str] {
                BINDING_KINDS
            }
            fn check_index(&self, ix: &Index, _settings: &Settings, out: &mut Vec<Finding>) {
                let roles = role_table(ix);
                for o in bindings(ix) {
                    let Some(grant) = grant_of(o, &roles) else {
                        continue;
                    };
                    #[allow(clippy::redundant_closure_call)]
                    ($body)(o, &grant, out);
                }
            }
        }
    };
}

binding_rule!(
    UserBinding,
    USER_BINDING,
    |o: &IndexedObject, grant: &Grant<'_>, out: &mut Vec<Finding>| {
        for s in subjects(o) {
            if s.kind != "User" || s.name.starts_with("system:") {
                continue;
            }
            let cluster_wide = o.id.kind == "ClusterRoleBinding";
            let powerful = grant.powerful();
            let severity = if cluster_wide || powerful {
                Severity::Error
            } else {
                Severity::Warning
            };
            let weight = match (cluster_wide, powerful) {
                (_, true) => format!(" the powerful {}", grant.describe()),
                (true, false) => format!(" {} across the whole cluster", grant.describe()),
                _ => format!(" {}", grant.describe()),
            };
            let mut f = o.finding(&USER_BINDING, o.doc.span(s.item),
                format!(
                    "{} grants{weight} to the individual user \"{}\" ({}): bind an Entra ID group instead, so access follows group membership and ends when the person changes role",
                    o.id.describe(),
                    s.name,
                    recognise_user(s.name)
                ),
            );
            f.severity = severity;
            out.push(f);
        }
    }
);

binding_rule!(AnonymousBinding, ANONYMOUS_BINDING, |o: &IndexedObject,
                                                    grant: &Grant<'_>,
                                                    out: &mut Vec<
    Finding,
>| {
    for s in subjects(o) {
        let who = match (s.kind, s.name) {
            ("User", "system:anonymous") => "every unauthenticated request (system:anonymous)",
            ("Group", "system:unauthenticated") => {
                "every unauthenticated request (system:unauthenticated)"
            }
            ("Group", "system:authenticated") if !AUTHENTICATED_DEFAULTS.contains(&grant.name) => {
                "every identity that can authenticate to the cluster (system:authenticated), in or out of the organisation"
            }
            _ => continue,
        };
        out.push(o.finding(
            &ANONYMOUS_BINDING,
            o.doc.span(s.item),
            format!("{} grants {} to {who}", o.id.describe(), grant.describe()),
        ));
    }
});

binding_rule!(
    MastersBinding,
    MASTERS_BINDING,
    |o: &IndexedObject, _grant: &Grant<'_>, out: &mut Vec<Finding>| {
        for s in subjects(o) {
            if s.kind == "Group" && s.name == "system:masters" {
                out.push(o.finding(&MASTERS_BINDING, o.doc.span(s.item), format!(
                "{} names the group system:masters, whose members bypass RBAC altogether and cannot be revoked by removing a binding",
                o.id.describe()
            )));
            }
        }
    }
);

binding_rule!(
    ClusterAdminBinding,
    CLUSTER_ADMIN_BINDING,
    |o: &IndexedObject, grant: &Grant<'_>, out: &mut Vec<Finding>| {
        if grant.kind != "ClusterRole" || grant.name != "cluster-admin" {
            return;
        }
        let Some(n) = grant.name_node else { return };
        let cluster_wide = o.id.kind == "ClusterRoleBinding";
        let mut f = o.finding(&CLUSTER_ADMIN_BINDING, o.doc.span(n),
            if cluster_wide {
                format!(
                    "{} grants cluster-admin: full control of every resource in every namespace",
                    o.id.describe()
                )
            } else {
                format!(
                    "{} grants cluster-admin within namespace \"{}\": full control of everything in it, RBAC included",
                    o.id.describe(),
                    o.id.namespace.as_deref().unwrap_or_default()
                )
            },
        );
        f.severity = if cluster_wide {
            Severity::Error
        } else {
            Severity::Warning
        };
        out.push(f);
    }
);

binding_rule!(
    UnresolvedRole,
    UNRESOLVED_ROLE,
    |o: &IndexedObject, grant: &Grant<'_>, out: &mut Vec<Finding>| {
        if grant.found.is_some() || grant.built_in(o.id.namespace.as_deref().unwrap_or_default()) {
            return;
        }
        let Some(n) = grant.name_node else { return };
        let place = if grant.kind == "Role" {
            format!(
                " in namespace \"{}\"",
                o.id.namespace.as_deref().unwrap_or_default()
            )
        } else {
            String::new()
        };
        out.push(o.finding(&UNRESOLVED_ROLE, o.doc.span(n), format!(
        "{} grants {}{place}, which is not among the scanned files: its permissions cannot be judged here",
        o.id.describe(),
        grant.describe()
    )));
    }
);

binding_rule!(
    DefaultServiceAccountBinding,
    DEFAULT_SA_BINDING,
    |o: &IndexedObject, grant: &Grant<'_>, out: &mut Vec<Finding>| {
        for s in subjects(o) {
            if s.kind == "ServiceAccount" && s.name == "default" {
                let doc: &Document = &o.doc;
                let ns = doc
                    .get_str(s.item, "namespace")
                    .or(o.id.namespace.as_deref())
                    .unwrap_or_default();
                out.push(o.finding(&DEFAULT_SA_BINDING, o.doc.span(s.item), format!(
                "{} grants {} to the default service account of namespace \"{ns}\": every pod there that names no service account gets it; create a dedicated service account",
                o.id.describe(),
                grant.describe()
            )));
            }
        }
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    fn powerful(rules: &str) -> bool {
        let text = format!("kind: Role\nrules:\n{rules}");
        let loaded = crate::load::load_text(&text);
        let doc = &loaded.docs[0];
        role_is_powerful(doc, doc.root.expect("a mapping"))
    }

    #[test]
    fn escalation_verbs_make_a_role_powerful_only_where_they_act() {
        let rbac = "apiGroups: [rbac.authorization.k8s.io]";
        assert!(powerful(&format!(
            "- {{{rbac}, resources: [roles], verbs: [bind]}}\n"
        )));
        assert!(powerful(&format!(
            "- {{{rbac}, resources: [clusterroles], verbs: [escalate]}}\n"
        )));
        assert!(!powerful(&format!(
            "- {{{rbac}, resources: [rolebindings], verbs: [bind, escalate, create]}}\n"
        )));
        assert!(powerful(
            "- {apiGroups: [\"\"], resources: [serviceaccounts], verbs: [impersonate]}\n"
        ));
        assert!(!powerful(
            "- {apiGroups: [\"\"], resources: [pods], verbs: [impersonate]}\n"
        ));
        assert!(powerful(
            "- {apiGroups: [\"*\"], resources: [\"*\"], verbs: [get]}\n"
        ));
        assert!(powerful(
            "- {apiGroups: [apps], resources: [deployments], verbs: [\"*\"]}\n"
        ));
    }
}
