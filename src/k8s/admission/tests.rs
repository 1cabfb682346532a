//! Tests of ValidatingAdmissionPolicy reading, serving, matching and params.

use super::objects::{self, FailurePolicy, MatchPolicy, NotFoundAction, RuleScope};
use super::resources::{equivalents, kind_info, plural};
use super::*;
use crate::index::{Resource, resources_of};
use crate::load::{Document, NodeId, load_text};

fn docs(text: &str) -> Vec<Document> {
    load_text(text).docs
}

fn objects(docs: &[Document]) -> Vec<Resource<'_>> {
    docs.iter()
        .flat_map(|d| resources_of(d, "default").unwrap_or_default())
        .collect()
}

fn line(r: &Resource<'_>, node: NodeId) -> u32 {
    r.doc.span(node).start.line
}

/// The problems of the only policy or binding in `text`, as (line, message).
fn problems(text: &str) -> Vec<(u32, String)> {
    let d = docs(text);
    let objs = objects(&d);
    let r = &objs[0];
    let found = Policy::read(r)
        .map(|(_, p)| p)
        .or_else(|| Binding::read(r).map(|(_, p)| p))
        .expect("a policy or a binding");
    found
        .into_iter()
        .map(|p| (line(r, p.node), p.message))
        .collect()
}

fn has(problems: &[(u32, String)], at: u32, words: &str) -> bool {
    problems.iter().any(|(l, m)| *l == at && m.contains(words))
}

const POLICY: &str = "\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicas
spec:
  paramKind:
    apiVersion: v1
    kind: ConfigMap
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [deployments]
  matchConditions:
  - name: not-system
    expression: \"!object.metadata.namespace.startsWith('kube-')\"
  variables:
  - name: replicas
    expression: object.spec.replicas
  validations:
  - expression: variables.replicas <= int(params.data.max)
    message: too many replicas
    reason: Invalid
  - expression: has(object.spec.strategy)
    messageExpression: \"'no strategy in ' + object.metadata.name\"
  auditAnnotations:
  - key: replicas
    valueExpression: string(object.spec.replicas)
";

#[test]
fn a_policy_keeps_the_node_of_every_field() {
    let d = docs(POLICY);
    let objs = objects(&d);
    let (p, problems) = Policy::read(&objs[0]).unwrap();
    assert_eq!(problems, vec![]);
    let r = &objs[0];
    let pk = p.param_kind.as_ref().unwrap();
    assert_eq!(pk.group(), Some(""));
    assert_eq!(line(r, pk.kind.as_ref().unwrap().node), 8);
    let mc = p.match_constraints.as_ref().unwrap();
    assert_eq!(mc.resource_rules.len(), 1);
    assert_eq!(line(r, mc.resource_rules[0].node), 11);
    assert_eq!(line(r, mc.resource_rules[0].operations[1].node), 13);
    assert_eq!(
        p.match_conditions[0].name.as_ref().unwrap().value,
        "not-system"
    );
    assert_eq!(
        line(r, p.match_conditions[0].expression.as_ref().unwrap().node),
        17
    );
    assert_eq!(
        line(r, p.variables[0].expression.as_ref().unwrap().node),
        20
    );
    let v = &p.validations;
    assert_eq!(line(r, v[0].expression.as_ref().unwrap().node), 22);
    assert_eq!(line(r, v[0].message.as_ref().unwrap().node), 23);
    assert_eq!(v[0].reason.as_ref().unwrap().value, "Invalid");
    assert_eq!(line(r, v[1].message_expression.as_ref().unwrap().node), 26);
    assert_eq!(line(r, p.audit_annotations[0].node), 28);
    assert_eq!(p.failure_policy, FailurePolicy::Fail);
}

#[test]
fn defaults_are_the_api_servers() {
    let text = "apiVersion: admissionregistration.k8s.io/v1beta1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec:\n  matchConstraints:\n    resourceRules:\n    - {apiGroups: [''], apiVersions: [v1], operations: ['*'], resources: [pods]}\n  validations:\n  - expression: 'true'\n---\napiVersion: admissionregistration.k8s.io/v1alpha1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec:\n  policyName: p\n  validationActions: [Audit]\n  paramRef: {name: x}\n";
    let d = docs(text);
    let objs = objects(&d);
    let (p, pp) = Policy::read(&objs[0]).unwrap();
    assert_eq!(pp, vec![]);
    assert_eq!(p.failure_policy, FailurePolicy::Fail);
    assert_eq!(p.failure_policy_node, None);
    let mc = p.match_constraints.unwrap();
    assert_eq!(mc.match_policy, MatchPolicy::Equivalent);
    assert_eq!(mc.namespace_selector.selector, Some(Default::default()));
    assert_eq!(mc.object_selector.selector, Some(Default::default()));
    assert_eq!(mc.resource_rules[0].scope, RuleScope::All);
    let (b, bp) = Binding::read(&objs[1]).unwrap();
    assert_eq!(bp, vec![]);
    assert_eq!(b.param_ref.unwrap().not_found, NotFoundAction::Deny);
    assert!(b.match_resources.is_none());
    assert!(Policy::read(&objs[1]).is_none());
    assert!(Binding::read(&objs[0]).is_none());
}

#[test]
fn a_policy_the_api_server_refuses_has_problems_on_the_line_to_change() {
    let text = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec:\n  failurePolicy: Never\n  paramKind: {kind: ConfigMap}\n  validations:\n  - message: no expression\n  - expression: '  '\n  - expression: 'true'\n    message: \"two\\nlines\"\n    reason: Teapot\n  variables:\n  - name: 1bad\n    expression: 'true'\n  - expression: 'x'\n  matchConditions:\n  - {name: a, expression: 'true'}\n  - {name: a, expression: 'true'}\n";
    let p = problems(text);
    assert!(has(&p, 5, "must be one of Fail, Ignore"), "{p:?}");
    assert!(has(&p, 6, "paramKind.apiVersion` is required"), "{p:?}");
    let block = text.replace(
        "paramKind: {kind: ConfigMap}",
        "paramKind:\n    kind: ConfigMap",
    );
    assert!(has(
        &problems(&block),
        6,
        "paramKind.apiVersion` is required"
    ));
    assert!(has(&p, 4, "`spec.matchConstraints` is required"), "{p:?}");
    assert!(has(&p, 8, "expression` is required"), "{p:?}");
    assert!(has(&p, 9, "expression` is required"), "{p:?}");
    assert!(has(&p, 11, "line breaks"), "{p:?}");
    assert!(has(&p, 12, "must be one of Unauthorized"), "{p:?}");
    assert!(has(&p, 14, "not a CEL identifier"), "{p:?}");
    assert!(has(&p, 16, "variables[].name` is required"), "{p:?}");
    assert!(has(&p, 19, "duplicate name \"a\""), "{p:?}");
    let none = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec:\n  matchConstraints:\n    namespaceSelector: {}\n";
    let p = problems(none);
    assert!(
        has(&p, 5, "resourceRules` needs at least one rule"),
        "{p:?}"
    );
    let empty = none.replace("namespaceSelector: {}", "resourceRules: []");
    assert!(has(
        &problems(&empty),
        6,
        "resourceRules` needs at least one rule"
    ));
    assert!(
        has(&p, 4, "`spec.validations` or `spec.auditAnnotations`"),
        "{p:?}"
    );
}

#[test]
fn rules_the_api_server_refuses() {
    let text = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec:\n  matchConstraints:\n    matchPolicy: Fuzzy\n    objectSelector:\n      matchExpressions: [{key: a, operator: Is}]\n    resourceRules:\n    - apiGroups: [apps]\n      operations: [CREATE, PATCH]\n      resources: [deployments]\n      scope: Everywhere\n  validations: [{expression: 'true'}]\n";
    let p = problems(text);
    assert!(has(&p, 6, "must be one of Exact, Equivalent"), "{p:?}");
    assert!(has(&p, 8, "not a valid label selector"), "{p:?}");
    assert!(has(&p, 10, "apiVersions` needs at least one item"), "{p:?}");
    assert!(has(&p, 11, "unknown operation \"PATCH\""), "{p:?}");
    assert!(
        has(&p, 13, "must be one of Cluster, Namespaced, *"),
        "{p:?}"
    );
    let star = text.replace("[CREATE, PATCH]", "[CREATE, '*']");
    assert!(has(
        &problems(&star),
        11,
        "holding `*` must hold nothing else"
    ));
}

#[test]
fn a_binding_the_api_server_refuses_has_problems_on_the_line_to_change() {
    let text = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec:\n  paramRef:\n    name: x\n    selector: {}\n    parameterNotFoundAction: Maybe\n  validationActions:\n  - Deny\n  - Warn\n  - Block\n  - Deny\n";
    let p = problems(text);
    assert!(has(&p, 4, "`spec.policyName` is required"), "{p:?}");
    assert!(has(&p, 6, "mutually exclusive"), "{p:?}");
    assert!(has(&p, 8, "must be one of Allow, Deny"), "{p:?}");
    assert!(has(&p, 12, "unknown validation action \"Block\""), "{p:?}");
    assert!(has(&p, 13, "duplicate validation action"), "{p:?}");
    assert!(has(&p, 9, "both Deny and Warn"), "{p:?}");
    let bare = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec:\n  policyName: p\n  paramRef: {namespace: ns}\n";
    let p = problems(bare);
    assert!(has(&p, 6, "needs one of `name` or `selector`"), "{p:?}");
    assert!(has(&p, 4, "validationActions` needs at least one"), "{p:?}");
    let v1 = "apiVersion: admissionregistration.k8s.io/v1beta1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec:\n  policyName: p\n  validationActions: [Deny]\n  paramRef:\n    name: x\n";
    let p = problems(v1);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(has(&p, 7, "parameterNotFoundAction` is required"), "{p:?}");
    let alpha = v1.replace("v1beta1", "v1alpha1");
    assert_eq!(problems(&alpha), vec![]);
    let no_spec = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\n";
    assert!(has(&problems(no_spec), 2, "without a `spec`"));
}

#[test]
fn malformed_documents_give_problems_and_never_panic() {
    let head = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\n";
    let bodies = [
        ("spec: 3\n", 4, "`spec` must be a mapping, not an integer"),
        ("spec: [a]\n", 4, "`spec` must be a mapping, not a list"),
        (
            "spec:\n  validations: yes\n",
            5,
            "must be a list, not a boolean",
        ),
        (
            "spec:\n  validations: [1, x]\n",
            5,
            "must be a mapping, not an integer",
        ),
        (
            "spec:\n  matchConstraints: [x]\n",
            5,
            "must be a mapping, not a list",
        ),
        (
            "spec:\n  matchConstraints:\n    resourceRules: {a: b}\n",
            6,
            "must be a list",
        ),
        (
            "spec:\n  matchConstraints:\n    resourceRules:\n    - apiGroups: apps\n",
            7,
            "must be a list, not a string",
        ),
        (
            "spec:\n  matchConstraints:\n    resourceRules:\n    - apiGroups: [[x], 1]\n",
            7,
            "must be a string, not a list",
        ),
        (
            "spec:\n  validations:\n  - expression: {a: b}\n",
            6,
            "must be a string, not a mapping",
        ),
        (
            "spec:\n  failurePolicy: 1\n",
            5,
            "must be a string, not an integer",
        ),
        (
            "spec:\n  paramKind: ConfigMap\n",
            5,
            "must be a mapping, not a string",
        ),
    ];
    for (body, at, words) in bodies {
        let p = problems(&format!("{head}{body}"));
        assert!(has(&p, at, words), "{body}: {p:?}");
    }
    let binding = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec:\n  policyName: [p]\n  paramRef: x\n  matchResources: 1\n  validationActions: Deny\n";
    let p = problems(binding);
    assert!(has(&p, 5, "must be a string, not a list"), "{p:?}");
    assert!(has(&p, 6, "must be a mapping, not a string"), "{p:?}");
    assert!(has(&p, 7, "must be a mapping, not an integer"), "{p:?}");
    assert!(has(&p, 8, "must be a list, not a string"), "{p:?}");
}

#[test]
fn versions_serve_the_policy_types_as_kubernetes_does() {
    let v = |m| version::KubeVersion(m);
    let v1 = "admissionregistration.k8s.io/v1";
    let beta = "admissionregistration.k8s.io/v1beta1";
    let alpha = "admissionregistration.k8s.io/v1alpha1";
    assert!(!served(v1, v(29)));
    assert_eq!(availability(v1, v(30)), Availability::Served);
    assert!(served(v1, v(36)));
    assert!(!served(beta, v(27)));
    assert!(
        matches!(availability(beta, v(28)), Availability::BehindFlags(f) if f.contains("feature gate"))
    );
    assert!(
        matches!(availability(beta, v(33)), Availability::BehindFlags(f) if !f.contains("feature gate"))
    );
    assert!(!served(beta, v(34)));
    assert!(!served(alpha, v(25)));
    assert!(served(alpha, v(26)));
    assert!(served(alpha, v(31)));
    assert!(!served(alpha, v(32)));
    assert!(!served("admissionregistration.k8s.io/v2", v(36)));
    assert!(!served("v1", v(36)));
}

use crate::k8s::version;

#[test]
fn kinds_map_to_resources() {
    for (kind, resource) in [
        ("Pod", "pods"),
        ("Deployment", "deployments"),
        ("Ingress", "ingresses"),
        ("NetworkPolicy", "networkpolicies"),
        ("PodDisruptionBudget", "poddisruptionbudgets"),
        ("Endpoints", "endpoints"),
        ("Gateway", "gateways"),
        ("Box", "boxes"),
        ("Patch", "patches"),
        ("Mesh", "meshes"),
        ("ValidatingAdmissionPolicy", "validatingadmissionpolicies"),
    ] {
        assert_eq!(plural(kind), resource);
    }
    let d = docs(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  group: example.com\n  scope: Cluster\n  names: {kind: Widget, plural: widgetz}\n",
    );
    let objs = objects(&d);
    let w = kind_info(&objs, "example.com", "Widget");
    assert_eq!(
        (w.resource.as_str(), w.cluster_scoped, w.guessed),
        ("widgetz", Some(true), false)
    );
    let g = kind_info(&objs, "example.com", "Gadget");
    assert_eq!(
        (g.resource.as_str(), g.cluster_scoped, g.guessed),
        ("gadgets", None, true)
    );
    let ns = kind_info(&objs, "", "Namespace");
    assert_eq!(ns.cluster_scoped, Some(true));
    assert_eq!(
        kind_info(&objs, "apps", "Deployment").cluster_scoped,
        Some(false)
    );
    assert_eq!(
        kind_info(&objs, "scheduling.k8s.io", "PriorityClass").cluster_scoped,
        Some(true)
    );
}

#[test]
fn equivalent_resources_follow_what_the_cluster_serves() {
    let all = equivalents("apps/v1", "Deployment", None);
    assert!(all.contains(&("extensions", "v1beta1", "deployments")));
    assert!(!all.contains(&("apps", "v1", "deployments")));
    let now = equivalents("apps/v1", "Deployment", Some(version::KubeVersion(30)));
    assert_eq!(now, vec![]);
    let old = equivalents(
        "networking.k8s.io/v1",
        "Ingress",
        Some(version::KubeVersion(19)),
    );
    assert!(old.contains(&("extensions", "v1beta1", "ingresses")));
    assert_eq!(equivalents("v1", "Pod", None), vec![]);
}

#[test]
fn validation_actions_are_severities() {
    assert_eq!(ValidationAction::Deny.severity(), Severity::Error);
    assert_eq!(ValidationAction::Warn.severity(), Severity::Warning);
    assert_eq!(ValidationAction::Audit.severity(), Severity::Note);
    let d = docs(
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec:\n  policyName: p\n  validationActions: [Warn, Audit]\n",
    );
    let objs = objects(&d);
    let (b, p) = Binding::read(&objs[0]).unwrap();
    assert_eq!(p, vec![]);
    assert_eq!(b.severity(), Some(Severity::Warning));
    assert!(!b.denies());
    assert_eq!(line(&objs[0], b.validation_actions[1].1), 6);
}

const SCENE: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  name: prod
  labels: {env: prod}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod, labels: {app: web}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: staging}
---
apiVersion: extensions/v1beta1
kind: Deployment
metadata: {name: old, namespace: prod}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: admin-ish}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: limits, namespace: prod, labels: {tier: gold}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: limits2, namespace: prod, labels: {tier: gold}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: limits, namespace: other}
";

/// A policy `p` with these `spec` entries (one per line, flow style) and a binding `b` of it
/// with these.
fn pair(policy_spec: &[&str], binding_spec: &[&str]) -> String {
    let indent = |lines: &[&str]| lines.iter().map(|l| format!("  {l}\n")).collect::<String>();
    format!(
        "---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {{name: p}}\nspec:\n{}  validations: [{{expression: 'true'}}]\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {{name: b}}\nspec:\n  policyName: p\n  validationActions: [Deny]\n{}",
        indent(policy_spec),
        indent(binding_spec)
    )
}

/// Whether the pair applies to a create of the scanned object named `name`.
fn outcome(text: &str, name: &str, kube: Option<u32>) -> Match {
    let d = docs(&format!("{SCENE}{text}"));
    let objs = objects(&d);
    let policy = objs.iter().find_map(Policy::read).unwrap().0;
    let binding = objs.iter().find_map(Binding::read).unwrap().0;
    let scanned = Scanned::new(&objs, kube.map(version::KubeVersion));
    let object = objs.iter().find(|o| o.name == Some(name)).unwrap();
    applies(
        &policy,
        &binding,
        &Request::create(object, &scanned),
        &scanned,
    )
}

fn rules(rule: &str) -> String {
    format!("matchConstraints: {{resourceRules: [{rule}]}}")
}

const DEPLOYMENTS: &str =
    "{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}";

fn is_unknown(m: &Match) -> bool {
    matches!(m, Match::Unknown(_))
}

#[test]
fn resource_rules_match_a_create_as_the_api_server_does() {
    let yes = |rule: &str, name: &str| outcome(&pair(&[&rules(rule)], &[]), name, None);
    assert_eq!(yes(DEPLOYMENTS, "web"), Match::Yes);
    assert_eq!(yes(DEPLOYMENTS, "admin-ish"), Match::No);
    let with = |ops: &str, res: &str| {
        format!("{{apiGroups: ['*'], apiVersions: ['*'], operations: {ops}, resources: {res}}}")
    };
    assert_eq!(yes(&with("[UPDATE]", "[deployments]"), "web"), Match::No);
    assert_eq!(yes(&with("['*']", "[deployments]"), "web"), Match::Yes);
    assert_eq!(
        yes(&with("[CREATE]", "[deployments/status]"), "web"),
        Match::No
    );
    assert_eq!(
        yes(&with("[CREATE]", "['deployments/*']"), "web"),
        Match::Yes
    );
    assert_eq!(yes(&with("[CREATE]", "['*']"), "web"), Match::Yes);
    assert_eq!(yes(&with("[CREATE]", "['*/scale']"), "web"), Match::No);
    assert_eq!(yes(&with("[CREATE]", "['*/*']"), "web"), Match::Yes);
    assert_eq!(yes(&with("[CREATE]", "[pods]"), "web"), Match::No);
    let named = "{apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments], resourceNames: [web]}";
    assert_eq!(yes(named, "web"), Match::Yes);
    assert_eq!(yes(named, "api"), Match::No);
}

#[test]
fn scope_separates_cluster_and_namespaced_objects() {
    let yes = |rule: &str, name: &str| outcome(&pair(&[&rules(rule)], &[]), name, None);
    let any = |scope: &str| {
        format!(
            "{{apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*'], scope: '{scope}'}}"
        )
    };
    assert_eq!(yes(&any("Cluster"), "web"), Match::No);
    assert_eq!(yes(&any("Namespaced"), "web"), Match::Yes);
    assert_eq!(yes(&any("Cluster"), "admin-ish"), Match::Yes);
    assert_eq!(yes(&any("Namespaced"), "admin-ish"), Match::No);
    // A Namespace is cluster-scoped, though its request carries its own name as namespace.
    assert_eq!(yes(&any("Cluster"), "prod"), Match::Yes);
    assert_eq!(yes(&any("Namespaced"), "prod"), Match::No);
    assert_eq!(yes(&any("*"), "prod"), Match::Yes);
    // A custom kind whose CRD is not scanned: its scope and resource are not known.
    assert!(is_unknown(&yes(&any("Namespaced"), "w")));
    let gizmos =
        "{apiGroups: [example.com], apiVersions: ['*'], operations: ['*'], resources: [gizmos]}";
    assert!(is_unknown(&yes(gizmos, "w")));
    let crd = "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: gizmos.example.com}\nspec:\n  group: example.com\n  scope: Cluster\n  names: {kind: Widget, plural: gizmos}\n";
    let text = format!("{crd}{}", pair(&[&rules(gizmos)], &[]));
    assert_eq!(outcome(&text, "w", None), Match::Yes);
    let text = format!("{crd}{}", pair(&[&rules(&any("Namespaced"))], &[]));
    assert_eq!(outcome(&text, "w", None), Match::No);
}

#[test]
fn exclusion_wins() {
    let spec = format!(
        "matchConstraints: {{resourceRules: [{DEPLOYMENTS}], excludeResourceRules: [{{apiGroups: [apps], apiVersions: ['*'], operations: ['*'], resources: [deployments], resourceNames: [web]}}]}}"
    );
    assert_eq!(outcome(&pair(&[&spec], &[]), "web", None), Match::No);
    assert_eq!(outcome(&pair(&[&spec], &[]), "api", None), Match::Yes);
}

#[test]
fn namespace_selectors_read_the_scanned_namespace() {
    let sel = |s: &str| {
        format!(
            "matchConstraints: {{namespaceSelector: {s}, resourceRules: [{{apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*']}}]}}"
        )
    };
    let env = sel("{matchLabels: {env: prod}}");
    assert_eq!(outcome(&pair(&[&env], &[]), "web", None), Match::Yes);
    // `staging` is not scanned: its labels are not known.
    assert!(is_unknown(&outcome(&pair(&[&env], &[]), "api", None)));
    // ... but its name label is.
    let by_name = sel("{matchLabels: {kubernetes.io/metadata.name: prod}}");
    assert_eq!(outcome(&pair(&[&by_name], &[]), "api", None), Match::No);
    assert_eq!(outcome(&pair(&[&by_name], &[]), "web", None), Match::Yes);
    let not_staging = sel(
        "{matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [staging]}]}",
    );
    assert_eq!(outcome(&pair(&[&not_staging], &[]), "api", None), Match::No);
    let is_staging = sel(
        "{matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [staging]}]}",
    );
    assert_eq!(outcome(&pair(&[&is_staging], &[]), "api", None), Match::Yes);
    // Cluster-scoped objects always match; a Namespace is judged by its own labels.
    assert_eq!(outcome(&pair(&[&env], &[]), "admin-ish", None), Match::Yes);
    assert_eq!(outcome(&pair(&[&env], &[]), "prod", None), Match::Yes);
    let dev = sel("{matchLabels: {env: dev}}");
    assert_eq!(outcome(&pair(&[&dev], &[]), "prod", None), Match::No);
    assert_eq!(outcome(&pair(&[&dev], &[]), "web", None), Match::No);
}

#[test]
fn object_selectors_read_the_objects_labels() {
    let spec = format!(
        "matchConstraints: {{objectSelector: {{matchLabels: {{app: web}}}}, resourceRules: [{DEPLOYMENTS}]}}"
    );
    assert_eq!(outcome(&pair(&[&spec], &[]), "web", None), Match::Yes);
    assert_eq!(outcome(&pair(&[&spec], &[]), "api", None), Match::No);
}

#[test]
fn equivalent_match_policy_follows_moved_kinds() {
    let ext = "{apiGroups: [extensions], apiVersions: [v1beta1], operations: [CREATE], resources: [deployments]}";
    assert_eq!(outcome(&pair(&[&rules(ext)], &[]), "old", None), Match::Yes);
    assert_eq!(outcome(&pair(&[&rules(ext)], &[]), "web", None), Match::Yes);
    // 1.30 serves no extensions/v1beta1: nothing is equivalent.
    assert_eq!(
        outcome(&pair(&[&rules(ext)], &[]), "web", Some(30)),
        Match::No
    );
    let exact = format!("matchConstraints: {{matchPolicy: Exact, resourceRules: [{ext}]}}");
    assert_eq!(outcome(&pair(&[&exact], &[]), "web", None), Match::No);
    assert_eq!(
        outcome(&pair(&[&rules(DEPLOYMENTS)], &[]), "old", None),
        Match::Yes
    );
    // autoscaling/v1 still serves what autoscaling/v2 does.
    let hpa = "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: hpa, namespace: prod}\n";
    let v1 = "{apiGroups: [autoscaling], apiVersions: [v1], operations: [CREATE], resources: [horizontalpodautoscalers]}";
    let text = format!("{hpa}{}", pair(&[&rules(v1)], &[]));
    assert_eq!(outcome(&text, "hpa", Some(30)), Match::Yes);
    let beta = v1.replace("[v1]", "[v2beta2]");
    let text = format!("{hpa}{}", pair(&[&rules(&beta)], &[]));
    assert_eq!(outcome(&text, "hpa", None), Match::Yes);
    // autoscaling/v2beta2 is no longer served in 1.30.
    assert_eq!(outcome(&text, "hpa", Some(30)), Match::No);
}

#[test]
fn the_binding_narrows_the_policy() {
    let narrow = "matchResources: {objectSelector: {matchLabels: {app: web}}}";
    let text = pair(&[&rules(DEPLOYMENTS)], &[narrow]);
    assert_eq!(outcome(&text, "web", None), Match::Yes);
    assert_eq!(outcome(&text, "api", None), Match::No);
    // Rules left empty in the binding do not narrow; rules there do.
    let pods = "matchResources: {resourceRules: [{apiGroups: [''], apiVersions: [v1], operations: ['*'], resources: [pods]}]}";
    assert_eq!(
        outcome(&pair(&[&rules(DEPLOYMENTS)], &[pods]), "web", None),
        Match::No
    );
}

#[test]
fn unserved_policies_and_admission_configuration_are_never_matched() {
    let text = pair(&[&rules(DEPLOYMENTS)], &[]);
    assert_eq!(outcome(&text, "web", Some(30)), Match::Yes);
    assert_eq!(outcome(&text, "web", Some(29)), Match::No);
    let beta = text.replacen(
        "admissionregistration.k8s.io/v1\n",
        "admissionregistration.k8s.io/v1beta1\n",
        1,
    );
    assert_eq!(outcome(&beta, "web", Some(33)), Match::Yes);
    assert_eq!(outcome(&beta, "web", Some(34)), Match::No);
    let all = rules("{apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*']}");
    assert_eq!(outcome(&pair(&[&all], &[]), "p", None), Match::No);
    assert_eq!(outcome(&pair(&[&all], &[]), "b", None), Match::No);
}

#[test]
fn a_binding_names_its_policy() {
    let text = pair(&[&rules(DEPLOYMENTS)], &[]).replace("policyName: p", "policyName: q");
    let d = docs(&text);
    let objs = objects(&d);
    let policies: Vec<Policy<'_>> = objs.iter().filter_map(Policy::read).map(|p| p.0).collect();
    let (binding, _) = objs.iter().find_map(Binding::read).unwrap();
    let problem = binding.policy_in(&policies).unwrap_err();
    assert_eq!(line(&objs[1], problem.node), 13);
    assert!(
        problem
            .message
            .contains("no ValidatingAdmissionPolicy \"q\"")
    );
    assert_eq!(outcome(&text, "web", None), Match::No);
    let ok = pair(&[&rules(DEPLOYMENTS)], &[]);
    let d = docs(&ok);
    let objs = objects(&d);
    let policies: Vec<Policy<'_>> = objs.iter().filter_map(Policy::read).map(|p| p.0).collect();
    let (binding, _) = objs.iter().find_map(Binding::read).unwrap();
    assert_eq!(
        binding.policy_in(&policies).unwrap().resource.name,
        Some("p")
    );
}

/// The params the pair gives a create of the object named `name`: (name, namespace) of each
/// found, or the variant's name.
fn params_of(text: &str, name: &str) -> Result<Vec<(String, String)>, String> {
    let d = docs(&format!("{SCENE}{text}"));
    let objs = objects(&d);
    let policy = objs.iter().find_map(Policy::read).unwrap().0;
    let binding = objs.iter().find_map(Binding::read).unwrap().0;
    let scanned = Scanned::new(&objs, None);
    let object = objs.iter().find(|o| o.name == Some(name)).unwrap();
    match params_for(
        &policy,
        &binding,
        &Request::create(object, &scanned),
        &scanned,
    ) {
        Params::Found(found) => Ok(found
            .iter()
            .map(|o| (o.name.unwrap().to_string(), o.namespace.to_string()))
            .collect()),
        Params::None => Err("none".into()),
        Params::Null => Err("null".into()),
        Params::Missing { action, .. } => Err(format!("missing {action:?}")),
        Params::Misconfigured { message, .. } => Err(format!("misconfigured: {message}")),
        Params::Unknown(why) => Err(format!("unknown: {why}")),
    }
}

const CONFIGMAP: &str = "paramKind: {apiVersion: v1, kind: ConfigMap}";

#[test]
fn params_are_found_by_name_in_the_requests_namespace_or_the_one_named() {
    let m = rules(DEPLOYMENTS);
    let one = |r: &str| vec![("limits".to_string(), r.to_string())];
    assert_eq!(
        params_of(
            &pair(&[CONFIGMAP, &m], &["paramRef: {name: limits}"]),
            "web"
        ),
        Ok(one("prod"))
    );
    let other = "paramRef: {name: limits, namespace: other}";
    assert_eq!(
        params_of(&pair(&[CONFIGMAP, &m], &[other]), "web"),
        Ok(one("other"))
    );
    let gold = "paramRef: {selector: {matchLabels: {tier: gold}}}";
    assert_eq!(
        params_of(&pair(&[CONFIGMAP, &m], &[gold]), "web").map(|v| v.len()),
        Ok(2)
    );
    let every = "paramRef: {selector: {}, namespace: other}";
    assert_eq!(
        params_of(&pair(&[CONFIGMAP, &m], &[every]), "web"),
        Ok(one("other"))
    );
    assert_eq!(
        params_of(&pair(&[&m], &["paramRef: {name: limits}"]), "web"),
        Err("none".into())
    );
    assert_eq!(
        params_of(&pair(&[CONFIGMAP, &m], &[]), "web"),
        Err("null".into())
    );
}

#[test]
fn missing_params_follow_the_not_found_action() {
    let m = rules(DEPLOYMENTS);
    let allow = "paramRef: {name: nope, parameterNotFoundAction: Allow}";
    assert_eq!(
        params_of(&pair(&[CONFIGMAP, &m], &[allow]), "web"),
        Err("missing Allow".into())
    );
    let deny = "paramRef: {name: nope}";
    assert_eq!(
        params_of(&pair(&[CONFIGMAP, &m], &[deny]), "web"),
        Err("missing Deny".into())
    );
    // `staging` has no ConfigMap `limits`.
    let here = "paramRef: {name: limits}";
    assert_eq!(
        params_of(&pair(&[CONFIGMAP, &m], &[here]), "api"),
        Err("missing Deny".into())
    );
}

#[test]
fn params_the_binding_cannot_look_for() {
    let any = rules("{apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*']}");
    let here = "paramRef: {name: limits}";
    let cluster = params_of(&pair(&[CONFIGMAP, &any], &[here]), "admin-ish");
    assert!(
        cluster.is_err_and(
            |e| e.starts_with("misconfigured") && e.contains("cluster-scoped ClusterRole")
        )
    );
    let pc = "paramKind: {apiVersion: scheduling.k8s.io/v1, kind: PriorityClass}";
    let ns = "paramRef: {name: high, namespace: prod}";
    let wrong = params_of(&pair(&[pc, &any], &[ns]), "web");
    assert!(wrong.is_err_and(|e| e.contains("must not be set")));
    let widget = "paramKind: {apiVersion: example.com/v1, kind: Widget}";
    let w = params_of(&pair(&[widget, &any], &["paramRef: {name: w}"]), "web");
    assert!(w.is_err_and(|e| e.starts_with("unknown")));
    let crd = "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec:\n  group: example.com\n  scope: Cluster\n  names: {kind: Widget, plural: widgets}\n";
    let text = format!("{crd}{}", pair(&[widget, &any], &["paramRef: {name: w}"]));
    assert_eq!(
        params_of(&text, "web"),
        Ok(vec![("w".to_string(), "default".to_string())])
    );
}

/// A second binding, `b2`, with these `spec` entries.
fn another(binding_spec: &[&str]) -> String {
    let lines: String = binding_spec.iter().map(|l| format!("  {l}\n")).collect();
    format!(
        "---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {{name: b2}}\nspec:\n  validationActions: [Warn]\n{lines}"
    )
}

#[test]
fn a_policy_set_pairs_bindings_and_notes_what_they_miss() {
    let text = format!(
        "{}{}{}",
        pair(&[CONFIGMAP, &rules(DEPLOYMENTS)], &[]),
        another(&["policyName: gone"]),
        another(&["policyName: ''"]),
    );
    let d = docs(&text);
    let objs = objects(&d);
    let set = PolicySet::read(&objs);
    assert_eq!((set.policies.len(), set.bindings.len()), (1, 3));
    assert_eq!(set.policy_of, vec![Some(0), None, None]);
    let lines: Vec<(u32, &str)> = set
        .problems
        .iter()
        .map(|(r, p)| (line(r, p.node), p.message.as_str()))
        .collect();
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 13 && m.contains("`params` null")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 22 && m.contains("no ValidatingAdmissionPolicy \"gone\"")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 29 && m.contains("must not be empty")),
        "{lines:?}"
    );
    assert_eq!(lines.len(), 3, "{lines:?}");
    let ignored = pair(&[&rules(DEPLOYMENTS)], &["paramRef: {name: x}"]);
    let d = docs(&ignored);
    let objs = objects(&d);
    let set = PolicySet::read(&objs);
    assert!(
        set.problems
            .iter()
            .any(|(r, p)| line(r, p.node) == 15 && p.message.contains("is ignored"))
    );
}

#[test]
fn a_create_meets_the_bindings_that_match_it_with_their_params() {
    let text = format!(
        "{}{}",
        pair(
            &[CONFIGMAP, &rules(DEPLOYMENTS)],
            &["paramRef: {name: limits}"]
        ),
        another(&[
            "policyName: p",
            "matchResources: {namespaceSelector: {matchLabels: {env: prod}}}",
            "paramRef: {name: limits, parameterNotFoundAction: Allow}"
        ]),
    );
    let d = docs(&format!("{SCENE}{text}"));
    let objs = objects(&d);
    let set = PolicySet::read(&objs);
    let scanned = Scanned::new(&objs, Some(version::KubeVersion(31)));
    let at = |name: &str| {
        let o = objs.iter().find(|o| o.name == Some(name)).unwrap();
        set.for_create(o, &scanned)
    };
    let web = at("web");
    assert_eq!(web.len(), 2);
    assert!(
        web.iter()
            .all(|a| a.matched == Match::Yes
                && matches!(&a.params, Params::Found(f) if f.len() == 1))
    );
    assert_eq!(web[1].binding.severity(), Some(Severity::Warning));
    let api = at("api");
    assert_eq!(api.len(), 2);
    assert!(matches!(
        api[0].params,
        Params::Missing {
            action: objects::NotFoundAction::Deny,
            ..
        }
    ));
    assert!(is_unknown(&api[1].matched));
    assert!(at("admin-ish").is_empty());
}

#[test]
fn matching_and_params_survive_malformed_policies_and_bindings() {
    let policy_specs: &[&[&str]] = &[
        &["matchConstraints: {resourceRules: [3, {apiGroups: {a: 1}}]}"],
        &["matchConstraints: {namespaceSelector: x, objectSelector: [1]}"],
        &[
            "matchConstraints: {resourceRules: [{apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*']}], namespaceSelector: {matchExpressions: [{key: a, operator: In}]}}",
        ],
        &[
            "paramKind: {apiVersion: [v1], kind: 3}",
            "matchConstraints: 7",
        ],
        &[
            "paramKind: {}",
            "matchConstraints: {resourceRules: [{apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*']}]}",
        ],
        &["validations: {expression: x}"],
    ];
    let binding_specs: &[&[&str]] = &[
        &[],
        &["paramRef: {selector: {matchLabels: 3}}"],
        &["paramRef: {selector: x, namespace: [a]}"],
        &[
            "paramRef: [x]",
            "matchResources: {resourceRules: x, excludeResourceRules: [[]]}",
        ],
        &["matchResources: {namespaceSelector: {matchLabels: {a: [b]}}}"],
    ];
    for p in policy_specs {
        for b in binding_specs {
            let text = format!("{SCENE}{}", pair(p, b));
            let d = docs(&text);
            let objs = objects(&d);
            let set = PolicySet::read(&objs);
            assert!(!set.problems.is_empty(), "{p:?} {b:?}");
            for kube in [None, Some(version::KubeVersion(31))] {
                let scanned = Scanned::new(&objs, kube);
                for o in &objs {
                    let _ = set.for_create(o, &scanned);
                }
            }
        }
    }
}

#[test]
fn the_namespace_object_is_the_scanned_namespace_of_the_request() {
    let d = docs(SCENE);
    let objs = objects(&d);
    let scanned = Scanned::new(&objs, None);
    let ns_of = |name: &str| {
        let o = objs.iter().find(|o| o.name == Some(name)).unwrap();
        Request::create(o, &scanned)
            .namespace_object(&scanned)
            .and_then(|n| n.name)
    };
    assert_eq!(ns_of("web"), Some("prod"));
    assert_eq!(ns_of("prod"), Some("prod"));
    assert_eq!(ns_of("api"), None);
    assert_eq!(ns_of("admin-ish"), None);
}

/// The messages of the verdicts on each non-admission object of `text`, evaluated alone.
fn verdicts(text: &str) -> Vec<(String, Vec<String>)> {
    let docs: Vec<(std::sync::Arc<str>, Document)> = docs(text)
        .into_iter()
        .map(|d| ("t.yaml".into(), d))
        .collect();
    let catalog = Catalog::build(docs, "default", version::KubeVersion(33));
    let d: Vec<Document> = load_text(text).docs;
    objects(&d)
        .iter()
        .filter(|r| r.kind == "Pod")
        .map(|r| {
            let messages = catalog.evaluate(r).into_iter().map(|v| v.message).collect();
            (r.name.unwrap_or_default().to_string(), messages)
        })
        .collect()
}

const CONDITIONS: &str = "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: p}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [pods]}
  matchConditions:
  - {name: web, expression: \"object.metadata.labels['tier'] == 'web'\"}
  - {name: not-batch, expression: \"!object.metadata.name.startsWith('batch')\"}
  - {name: not-node, expression: \"!('system:nodes' in request.userInfo.groups)\"}
  validations:
  - expression: \"namespaceObject.metadata.labels['kubernetes.io/metadata.name'] == 'shop'\"
    message: in shop
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b}
spec: {policyName: p, validationActions: [Deny]}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: lab}
";

#[test]
fn a_false_match_condition_skips_the_policy_whatever_errors_the_others_raise() {
    let pod = |name: &str, ns: &str, labels: &str| {
        format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}{labels}}}\nspec: {{containers: [{{name: c, image: i}}]}}\n"
        )
    };
    let text = format!(
        "{CONDITIONS}{}{}{}{}",
        // `web` fails (no labels) but `not-batch` is false: skipped.
        pod("batch-1", "shop", ""),
        // `web` fails and no condition is false: the error is the failure policy's.
        pod("api", "shop", ""),
        // Every condition holds (nobody applies it, so no group): evaluated, and the
        // Namespace has the name label the API server gives it.
        pod("web", "shop", ", labels: {tier: web}"),
        pod("web", "lab", ", labels: {tier: web}"),
    );
    let found = verdicts(&text);
    let words = |i: usize| found[i].1.join("; ");
    assert!(found[0].1.is_empty(), "{found:?}");
    assert!(
        words(1).starts_with("match condition fails: no such key: labels"),
        "{found:?}"
    );
    assert!(found[2].1.is_empty(), "{found:?}");
    assert_eq!(found[3].1, ["in shop"]);
}
