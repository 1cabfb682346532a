//! ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding documents, read as the API
//! server reads, defaults and validates them (the checks that need no CEL compiler).
//!
//! Defaults applied: `failurePolicy` Fail; `matchPolicy` Equivalent; an absent
//! `namespaceSelector` / `objectSelector` selects everything; a rule's `scope` is `*`;
//! `paramRef.parameterNotFoundAction` Deny in v1alpha1 only. v1beta1 and v1 do not default
//! it, and the API server requires it: unset there, it is a Problem (and read as Deny, so
//! that matching can go on). `validationActions` is required in every version, as the API
//! server validates bindings today (v1alpha1 as served by 1.26 had no such field).

use super::GROUP;
use super::Problem;
use super::read::{Reader, Text};
use crate::index::Resource;
use crate::k8s::selector::LabelSelector;
use crate::load::NodeId;

/// The versions of the policy types keelhaul reads.
pub const VERSIONS: &[&str] = &["v1", "v1beta1", "v1alpha1"];

/// Whether `r` is of `kind` in a version of the policy group keelhaul reads.
fn is_kind(r: &Resource<'_>, kind: &str) -> bool {
    r.kind == kind
        && r.api_version
            .strip_prefix(GROUP)
            .and_then(|v| v.strip_prefix('/'))
            .is_some_and(|v| VERSIONS.contains(&v))
}

/// What the policy does when a CEL expression cannot be evaluated or a binding is
/// mis-configured (`spec.failurePolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailurePolicy {
    /// The request is denied (the default).
    Fail,
    /// The error is ignored and the request admitted.
    Ignore,
}

/// `matchPolicy`: whether a rule also matches the same resource under another group/version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchPolicy {
    Exact,
    /// The default.
    Equivalent,
}

/// A rule's `scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleScope {
    Cluster,
    Namespaced,
    /// `*`, the default.
    All,
}

/// One `resourceRules` / `excludeResourceRules` item (`NamedRuleWithOperations`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRule {
    pub node: NodeId,
    pub api_groups: Vec<Text>,
    pub api_versions: Vec<Text>,
    pub resources: Vec<Text>,
    pub operations: Vec<Text>,
    pub resource_names: Vec<Text>,
    pub scope: RuleScope,
}

/// A label selector with where it is written; `selector` is None when the API server
/// refuses it (a Problem says why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    pub node: Option<NodeId>,
    pub selector: Option<LabelSelector>,
}

impl Selector {
    /// An unset selector: selects everything.
    fn everything() -> Selector {
        Selector {
            node: None,
            selector: Some(LabelSelector::default()),
        }
    }
}

/// `matchConstraints` of a policy, `matchResources` of a binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchResources {
    pub node: NodeId,
    pub resource_rules: Vec<ResourceRule>,
    pub exclude_resource_rules: Vec<ResourceRule>,
    pub namespace_selector: Selector,
    pub object_selector: Selector,
    pub match_policy: MatchPolicy,
    pub match_policy_node: Option<NodeId>,
}

/// `spec.paramKind`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamKind {
    pub node: NodeId,
    pub api_version: Option<Text>,
    pub kind: Option<Text>,
}

impl ParamKind {
    /// The API group named by `apiVersion` (empty for the core group).
    pub fn group(&self) -> Option<&str> {
        let v = self.api_version.as_ref()?.value.as_str();
        Some(v.rsplit_once('/').map_or("", |(g, _)| g))
    }
}

/// A `matchConditions` or `variables` item: a name and a CEL expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedExpression {
    pub node: NodeId,
    pub name: Option<Text>,
    pub expression: Option<Text>,
}

/// A `validations` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    pub node: NodeId,
    pub expression: Option<Text>,
    pub message: Option<Text>,
    pub message_expression: Option<Text>,
    pub reason: Option<Text>,
}

/// An `auditAnnotations` item: noted, never enforced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditAnnotation {
    pub node: NodeId,
    pub key: Option<Text>,
    pub value_expression: Option<Text>,
}

/// A ValidatingAdmissionPolicy.
#[derive(Debug, Clone)]
pub struct Policy<'d> {
    pub resource: Resource<'d>,
    /// The `spec:` key, where "missing field" problems about the spec point.
    pub spec_key: Option<NodeId>,
    pub param_kind: Option<ParamKind>,
    /// None only when the policy has none (a Problem; the API server refuses it).
    pub match_constraints: Option<MatchResources>,
    pub match_conditions: Vec<NamedExpression>,
    pub variables: Vec<NamedExpression>,
    pub validations: Vec<Validation>,
    pub failure_policy: FailurePolicy,
    pub failure_policy_node: Option<NodeId>,
    pub audit_annotations: Vec<AuditAnnotation>,
}

/// `validationActions`: what a failed validation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidationAction {
    /// The request is refused.
    Deny,
    /// The client gets a warning; the request is admitted.
    Warn,
    /// An audit event records it; the request is admitted.
    Audit,
}

/// How loud a failed validation is, by what the binding does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl ValidationAction {
    /// Deny → error, Warn → warning, Audit → note.
    pub fn severity(self) -> Severity {
        match self {
            ValidationAction::Deny => Severity::Error,
            ValidationAction::Warn => Severity::Warning,
            ValidationAction::Audit => Severity::Note,
        }
    }
}

/// `paramRef.parameterNotFoundAction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotFoundAction {
    /// No param: the binding admits the request.
    Allow,
    /// No param: an error, which the policy's `failurePolicy` decides (the default).
    Deny,
}

/// A binding's `paramRef`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamRef {
    pub node: NodeId,
    pub name: Option<Text>,
    pub namespace: Option<Text>,
    pub selector: Option<Selector>,
    pub not_found: NotFoundAction,
    pub not_found_node: Option<NodeId>,
}

/// A ValidatingAdmissionPolicyBinding.
#[derive(Debug, Clone)]
pub struct Binding<'d> {
    pub resource: Resource<'d>,
    pub spec_key: Option<NodeId>,
    pub policy_name: Option<Text>,
    pub param_ref: Option<ParamRef>,
    /// None: every request the policy matches.
    pub match_resources: Option<MatchResources>,
    /// Each action with the node of its list item.
    pub validation_actions: Vec<(ValidationAction, NodeId)>,
    /// The `validationActions:` key, if written.
    pub validation_actions_key: Option<NodeId>,
}

impl Binding<'_> {
    /// The most severe action of the binding (None when it has none, which the API server
    /// refuses).
    pub fn severity(&self) -> Option<Severity> {
        self.validation_actions
            .iter()
            .map(|(a, _)| a.severity())
            .max()
    }

    /// Whether a failed validation refuses the request.
    pub fn denies(&self) -> bool {
        self.validation_actions
            .iter()
            .any(|(a, _)| *a == ValidationAction::Deny)
    }

    /// The policy this binding names, among `policies`; a Problem at `policyName` when it
    /// names none of them (the binding then does nothing).
    pub fn policy_in<'p, 'd>(&self, policies: &'p [Policy<'d>]) -> Result<&'p Policy<'d>, Problem> {
        let Some(name) = &self.policy_name else {
            return Err(Problem {
                node: self.spec_key.unwrap_or(self.resource.node),
                message: "the binding names no policy (`spec.policyName`)".into(),
            });
        };
        policies
            .iter()
            .find(|p| p.resource.name == Some(name.value.as_str()))
            .ok_or_else(|| Problem {
                node: name.node,
                message: format!(
                    "no ValidatingAdmissionPolicy \"{}\" among the scanned objects: the binding does nothing unless the cluster has it",
                    name.value
                ),
            })
    }
}

/// The `spec` of an object: its mapping and its key; a Problem when missing or not a mapping.
fn spec_of(rd: &mut Reader<'_>, r: &Resource<'_>) -> (Option<NodeId>, Option<NodeId>) {
    let doc = rd.doc;
    let kind_key = doc.entry(r.node, "kind").map_or(r.node, |e| e.key);
    match doc.entry(r.node, "spec") {
        Some(e) if !doc.is_null(e.value) => (rd.mapping(r.node, "spec", "spec"), Some(e.key)),
        Some(e) => {
            rd.problem(e.key, "`spec` is required");
            (None, Some(e.key))
        }
        None => {
            rd.problem(kind_key, format!("{} without a `spec`", r.kind));
            (None, None)
        }
    }
}

impl<'d> Policy<'d> {
    /// Reads a ValidatingAdmissionPolicy; None when `r` is not one (in a version keelhaul
    /// reads). The problems are what the API server would refuse.
    pub fn read(r: &Resource<'d>) -> Option<(Policy<'d>, Vec<Problem>)> {
        if !is_kind(r, "ValidatingAdmissionPolicy") {
            return None;
        }
        let mut rd = Reader::new(r.doc);
        let (spec, spec_key) = spec_of(&mut rd, r);
        let mut p = Policy {
            resource: *r,
            spec_key,
            param_kind: None,
            match_constraints: None,
            match_conditions: Vec::new(),
            variables: Vec::new(),
            validations: Vec::new(),
            failure_policy: FailurePolicy::Fail,
            failure_policy_node: None,
            audit_annotations: Vec::new(),
        };
        if let Some(spec) = spec {
            read_policy_spec(&mut rd, spec, spec_key.unwrap_or(spec), &mut p);
        }
        Some((p, rd.problems))
    }
}

fn read_policy_spec(rd: &mut Reader<'_>, spec: NodeId, spec_key: NodeId, p: &mut Policy<'_>) {
    if let Some(t) = rd.choice(
        spec,
        "failurePolicy",
        "spec.failurePolicy",
        &["Fail", "Ignore"],
    ) {
        p.failure_policy = match t.value.as_str() {
            "Ignore" => FailurePolicy::Ignore,
            _ => FailurePolicy::Fail,
        };
        p.failure_policy_node = Some(t.node);
    }
    if let Some(pk) = rd.mapping(spec, "paramKind", "spec.paramKind") {
        let api_version = rd.string(pk, "apiVersion", "spec.paramKind.apiVersion");
        let kind = rd.string(pk, "kind", "spec.paramKind.kind");
        for (missing, what) in [
            (api_version.is_none(), "apiVersion"),
            (kind.is_none(), "kind"),
        ] {
            if missing {
                let at = rd.doc.entry(spec, "paramKind").map_or(pk, |e| e.key);
                rd.problem(at, format!("`spec.paramKind.{what}` is required"));
            }
        }
        p.param_kind = Some(ParamKind {
            node: pk,
            api_version,
            kind,
        });
    }
    let path = "spec.matchConstraints";
    match rd.mapping(spec, "matchConstraints", path) {
        Some(mc) => {
            let m = read_match_resources(rd, mc, path);
            if m.resource_rules.is_empty() {
                let mc_key = rd.doc.entry(spec, "matchConstraints").map_or(mc, |e| e.key);
                let at = rd.doc.entry(mc, "resourceRules").map_or(mc_key, |e| e.key);
                rd.problem(
                    at,
                    "`spec.matchConstraints.resourceRules` needs at least one rule",
                );
            }
            p.match_constraints = Some(m);
        }
        None if rd.field(spec, "matchConstraints").is_none() => {
            rd.problem(spec_key, "`spec.matchConstraints` is required");
        }
        None => {}
    }
    p.match_conditions = read_named(rd, spec, "matchConditions");
    if p.match_conditions.len() > 64 {
        let at = rd.field(spec, "matchConditions").unwrap_or(spec);
        rd.problem(at, "`spec.matchConditions` may hold at most 64 conditions");
    }
    p.variables = read_named(rd, spec, "variables");
    for v in &p.variables {
        if let Some(name) = &v.name
            && !is_cel_identifier(&name.value)
        {
            rd.problem(
                name.node,
                format!("variable name \"{}\" is not a CEL identifier", name.value),
            );
        }
    }
    p.validations = read_validations(rd, spec);
    p.audit_annotations = read_audit_annotations(rd, spec);
    if p.validations.is_empty() && p.audit_annotations.is_empty() {
        rd.problem(
            spec_key,
            "the policy needs at least one item in `spec.validations` or `spec.auditAnnotations`",
        );
    }
}

/// `matchConditions` or `variables`: items with a required name and expression; names are
/// unique.
fn read_named(rd: &mut Reader<'_>, spec: NodeId, key: &str) -> Vec<NamedExpression> {
    let path = format!("spec.{key}");
    let mut out: Vec<NamedExpression> = Vec::new();
    for item in rd.mappings(spec, key, &path) {
        let name = rd.string(item, "name", &format!("{path}[].name"));
        let expression = rd.string(item, "expression", &format!("{path}[].expression"));
        if name.as_ref().is_none_or(|n| n.value.trim().is_empty()) {
            rd.problem(item, format!("`{path}[].name` is required"));
        }
        if expression
            .as_ref()
            .is_none_or(|e| e.value.trim().is_empty())
        {
            rd.problem(item, format!("`{path}[].expression` is required"));
        }
        if let Some(n) = &name
            && out
                .iter()
                .any(|o| o.name.as_ref().is_some_and(|m| m.value == n.value))
        {
            rd.problem(
                n.node,
                format!("duplicate name \"{}\" in `{path}`", n.value),
            );
        }
        out.push(NamedExpression {
            node: item,
            name,
            expression,
        });
    }
    out
}

/// The reasons a validation may give (`metav1.StatusReason` values the API accepts).
const REASONS: &[&str] = &[
    "Unauthorized",
    "Forbidden",
    "Invalid",
    "RequestEntityTooLarge",
];

fn read_validations(rd: &mut Reader<'_>, spec: NodeId) -> Vec<Validation> {
    let path = "spec.validations";
    let mut out = Vec::new();
    for item in rd.mappings(spec, "validations", path) {
        let expression = rd.string(item, "expression", "spec.validations[].expression");
        if expression
            .as_ref()
            .is_none_or(|e| e.value.trim().is_empty())
        {
            let at = expression.as_ref().map_or(item, |e| e.node);
            rd.problem(at, "`spec.validations[].expression` is required");
        }
        let message = rd.string(item, "message", "spec.validations[].message");
        if let Some(m) = &message {
            if !m.value.is_empty() && m.value.trim().is_empty() {
                rd.problem(m.node, "`message` must not be blank when set");
            } else if m.value.trim().contains(['\n', '\r']) {
                rd.problem(m.node, "`message` must not contain line breaks");
            }
        }
        let message_expression = rd.string(
            item,
            "messageExpression",
            "spec.validations[].messageExpression",
        );
        if let Some(m) = &message_expression
            && m.value.trim().is_empty()
        {
            rd.problem(m.node, "`messageExpression` must not be blank when set");
        }
        let reason = rd.choice(item, "reason", "spec.validations[].reason", REASONS);
        out.push(Validation {
            node: item,
            expression,
            message,
            message_expression,
            reason,
        });
    }
    out
}

fn read_audit_annotations(rd: &mut Reader<'_>, spec: NodeId) -> Vec<AuditAnnotation> {
    let path = "spec.auditAnnotations";
    let mut out = Vec::new();
    for item in rd.mappings(spec, "auditAnnotations", path) {
        let key = rd.string(item, "key", "spec.auditAnnotations[].key");
        let value_expression = rd.string(
            item,
            "valueExpression",
            "spec.auditAnnotations[].valueExpression",
        );
        for (missing, what) in [
            (key.is_none(), "key"),
            (value_expression.is_none(), "valueExpression"),
        ] {
            if missing {
                rd.problem(item, format!("`{path}[].{what}` is required"));
            }
        }
        out.push(AuditAnnotation {
            node: item,
            key,
            value_expression,
        });
    }
    out
}

/// `[_a-zA-Z][_a-zA-Z0-9]*`, not a CEL reserved word.
fn is_cel_identifier(name: &str) -> bool {
    const RESERVED: &[&str] = &[
        "true",
        "false",
        "null",
        "in",
        "as",
        "break",
        "const",
        "continue",
        "else",
        "for",
        "function",
        "if",
        "import",
        "let",
        "loop",
        "package",
        "namespace",
        "return",
        "var",
        "void",
        "while",
    ];
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && !RESERVED.contains(&name)
}

/// A label selector field; a Problem when the API server refuses it.
fn read_selector(rd: &mut Reader<'_>, map: NodeId, key: &str, path: &str) -> Selector {
    let Some(node) = rd.field(map, key) else {
        return Selector::everything();
    };
    let selector = LabelSelector::read(rd.doc, Some(node));
    if selector.is_none() {
        rd.problem(
            node,
            format!(
                "`{path}` is not a valid label selector (a mapping of `matchLabels` and `matchExpressions` with In, NotIn, Exists or DoesNotExist)"
            ),
        );
    }
    Selector {
        node: Some(node),
        selector,
    }
}

/// `matchConstraints` / `matchResources`.
fn read_match_resources(rd: &mut Reader<'_>, node: NodeId, path: &str) -> MatchResources {
    let resource_rules = read_rules(rd, node, "resourceRules", path);
    let exclude_resource_rules = read_rules(rd, node, "excludeResourceRules", path);
    let namespace_selector = read_selector(
        rd,
        node,
        "namespaceSelector",
        &format!("{path}.namespaceSelector"),
    );
    let object_selector = read_selector(
        rd,
        node,
        "objectSelector",
        &format!("{path}.objectSelector"),
    );
    let policy = rd.choice(
        node,
        "matchPolicy",
        &format!("{path}.matchPolicy"),
        &["Exact", "Equivalent"],
    );
    MatchResources {
        node,
        resource_rules,
        exclude_resource_rules,
        namespace_selector,
        object_selector,
        match_policy: match policy.as_ref().map(|t| t.value.as_str()) {
            Some("Exact") => MatchPolicy::Exact,
            _ => MatchPolicy::Equivalent,
        },
        match_policy_node: policy.map(|t| t.node),
    }
}

const OPERATIONS: &[&str] = &["CREATE", "UPDATE", "DELETE", "CONNECT", "*"];

fn read_rules(rd: &mut Reader<'_>, node: NodeId, key: &str, path: &str) -> Vec<ResourceRule> {
    let path = format!("{path}.{key}");
    let mut out = Vec::new();
    for item in rd.mappings(node, key, &path) {
        let mut list = |field: &str| rd.strings(item, field, &format!("{path}[].{field}"));
        let rule = ResourceRule {
            node: item,
            api_groups: list("apiGroups"),
            api_versions: list("apiVersions"),
            resources: list("resources"),
            operations: list("operations"),
            resource_names: list("resourceNames"),
            scope: RuleScope::All,
        };
        let scope = rd.choice(
            item,
            "scope",
            &format!("{path}[].scope"),
            &["Cluster", "Namespaced", "*"],
        );
        let rule = ResourceRule {
            scope: match scope.as_ref().map(|t| t.value.as_str()) {
                Some("Cluster") => RuleScope::Cluster,
                Some("Namespaced") => RuleScope::Namespaced,
                _ => RuleScope::All,
            },
            ..rule
        };
        for (values, field) in [
            (&rule.api_groups, "apiGroups"),
            (&rule.api_versions, "apiVersions"),
            (&rule.resources, "resources"),
            (&rule.operations, "operations"),
        ] {
            if values.is_empty() {
                rd.problem(item, format!("`{path}[].{field}` needs at least one item"));
            }
        }
        for (values, field) in [
            (&rule.api_groups, "apiGroups"),
            (&rule.api_versions, "apiVersions"),
            (&rule.operations, "operations"),
        ] {
            if values.len() > 1
                && let Some(star) = values.iter().find(|t| t.value == "*")
            {
                rd.problem(
                    star.node,
                    format!("`{path}[].{field}` holding `*` must hold nothing else"),
                );
            }
        }
        for op in &rule.operations {
            if !OPERATIONS.contains(&op.value.as_str()) {
                rd.problem(
                    op.node,
                    format!(
                        "unknown operation \"{}\" (CREATE, UPDATE, DELETE, CONNECT or *)",
                        op.value
                    ),
                );
            }
        }
        out.push(rule);
    }
    out
}

impl<'d> Binding<'d> {
    /// Reads a ValidatingAdmissionPolicyBinding; None when `r` is not one (in a version
    /// keelhaul reads).
    pub fn read(r: &Resource<'d>) -> Option<(Binding<'d>, Vec<Problem>)> {
        if !is_kind(r, "ValidatingAdmissionPolicyBinding") {
            return None;
        }
        let mut rd = Reader::new(r.doc);
        let (spec, spec_key) = spec_of(&mut rd, r);
        let mut b = Binding {
            resource: *r,
            spec_key,
            policy_name: None,
            param_ref: None,
            match_resources: None,
            validation_actions: Vec::new(),
            validation_actions_key: None,
        };
        if let Some(spec) = spec {
            let anchor = spec_key.unwrap_or(spec);
            b.policy_name = rd.string(spec, "policyName", "spec.policyName");
            match &b.policy_name {
                Some(n) if !n.value.is_empty() => {}
                Some(n) => rd.problem(n.node, "`spec.policyName` must not be empty"),
                None => rd.problem(anchor, "`spec.policyName` is required"),
            }
            b.policy_name = b.policy_name.take().filter(|n| !n.value.is_empty());
            b.param_ref = rd.mapping(spec, "paramRef", "spec.paramRef").map(|node| {
                let key = rd.doc.entry(spec, "paramRef").map_or(node, |e| e.key);
                read_param_ref(&mut rd, node, key, r.api_version.ends_with("/v1alpha1"))
            });
            b.match_resources = rd
                .mapping(spec, "matchResources", "spec.matchResources")
                .map(|node| read_match_resources(&mut rd, node, "spec.matchResources"));
            b.validation_actions_key = rd.doc.entry(spec, "validationActions").map(|e| e.key);
            b.validation_actions = read_actions(&mut rd, spec, anchor);
        }
        Some((b, rd.problems))
    }
}

/// `key`: the `paramRef:` key, where problems about a missing field point; `defaulted`:
/// whether the version defaults `parameterNotFoundAction` (v1alpha1).
fn read_param_ref(rd: &mut Reader<'_>, node: NodeId, key: NodeId, defaulted: bool) -> ParamRef {
    let name = rd
        .string(node, "name", "spec.paramRef.name")
        .filter(|n| !n.value.is_empty());
    let namespace = rd
        .string(node, "namespace", "spec.paramRef.namespace")
        .filter(|n| !n.value.is_empty());
    let selector = rd
        .field(node, "selector")
        .map(|_| read_selector(rd, node, "selector", "spec.paramRef.selector"));
    match (&name, &selector) {
        (Some(n), Some(_)) => rd.problem(
            n.node,
            "`spec.paramRef.name` and `spec.paramRef.selector` are mutually exclusive",
        ),
        (None, None) => rd.problem(key, "`spec.paramRef` needs one of `name` or `selector`"),
        _ => {}
    }
    let action = rd.choice(
        node,
        "parameterNotFoundAction",
        "spec.paramRef.parameterNotFoundAction",
        &["Allow", "Deny"],
    );
    if !defaulted && rd.field(node, "parameterNotFoundAction").is_none() {
        rd.problem(
            key,
            "`spec.paramRef.parameterNotFoundAction` is required (Allow or Deny)",
        );
    }
    ParamRef {
        node,
        name,
        namespace,
        selector,
        not_found: match action.as_ref().map(|t| t.value.as_str()) {
            Some("Allow") => NotFoundAction::Allow,
            _ => NotFoundAction::Deny,
        },
        not_found_node: action.map(|t| t.node),
    }
}

fn read_actions(
    rd: &mut Reader<'_>,
    spec: NodeId,
    anchor: NodeId,
) -> Vec<(ValidationAction, NodeId)> {
    let path = "spec.validationActions";
    let mut out: Vec<(ValidationAction, NodeId)> = Vec::new();
    let written = rd.strings(spec, "validationActions", path);
    let none_written = written.is_empty();
    for t in written {
        let action = match t.value.as_str() {
            "Deny" => ValidationAction::Deny,
            "Warn" => ValidationAction::Warn,
            "Audit" => ValidationAction::Audit,
            other => {
                rd.problem(
                    t.node,
                    format!("unknown validation action \"{other}\" (Deny, Warn or Audit)"),
                );
                continue;
            }
        };
        if out.iter().any(|(a, _)| *a == action) {
            rd.problem(
                t.node,
                format!("duplicate validation action \"{}\"", t.value),
            );
            continue;
        }
        out.push((action, t.node));
    }
    let at = rd
        .doc
        .entry(spec, "validationActions")
        .map_or(anchor, |e| e.key);
    let has = |a: ValidationAction| out.iter().any(|(b, _)| *b == a);
    if has(ValidationAction::Deny) && has(ValidationAction::Warn) {
        rd.problem(
            at,
            "`spec.validationActions` must not hold both Deny and Warn (the API server refuses it)",
        );
    }
    if none_written {
        rd.problem(
            at,
            "`spec.validationActions` needs at least one of Deny, Warn or Audit",
        );
    }
    out
}
