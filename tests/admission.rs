//! ValidatingAdmissionPolicies evaluated against the scanned objects, end to end: policies in
//! another file (`--policy`), the Kubernetes version that serves them, and hostile policies
//! (broken YAML, an expression that does not compile or nests without end) that are reported
//! on their lines while the scan goes on.

mod common;

use std::path::Path;

const POLICY: &str = "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replica-limit
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [\"apps\"]
      apiVersions: [\"v1\"]
      operations: [\"CREATE\"]
      resources: [\"deployments\"]
  validations:
  - expression: \"object.spec.replicas <= 5\"
    message: \"at most 5 replicas\"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replica-limit
spec:
  policyName: replica-limit
  validationActions: [Deny]
";

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 9
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: acme.azurecr.io/web:1.0.0
";

/// (file name, line, rule) of the KH8xx findings of a scan of `dir` with `args`.
fn admission(dir: &Path, args: &[&str]) -> Vec<(String, u64, String)> {
    let out = common::keelhaul_in(dir)
        .args([
            "scan",
            "--select",
            "KH8",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .args(args)
        .output()
        .unwrap();
    let report = common::json_of(&out);
    let mut found: Vec<(String, u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            let name = Path::new(file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string();
            (
                name,
                f["start"]["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

fn hit(file: &str, line: u64, rule: &str) -> (String, u64, String) {
    (file.to_string(), line, rule.to_string())
}

#[test]
fn a_policy_kept_elsewhere_judges_the_scanned_objects() {
    let d = tempfile::tempdir().unwrap();
    common::write(d.path(), "platform/policies.yaml", POLICY);
    common::write(d.path(), "apps/web.yaml", DEPLOYMENT);
    // The policy is not in the scanned path: nothing without --policy.
    assert_eq!(admission(d.path(), &["apps"]), vec![]);
    assert_eq!(
        admission(d.path(), &["apps", "--policy", "platform/policies.yaml"]),
        vec![hit("web.yaml", 7, "KH801")]
    );
    // A --policy file that cannot be read is a usage error, before any scan.
    common::keelhaul_in(d.path())
        .args(["scan", "apps", "--policy", "platform/nope.yaml"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--policy platform/nope.yaml"));
}

#[test]
fn a_policy_is_enforced_only_where_its_api_version_is_served() {
    let d = tempfile::tempdir().unwrap();
    common::write(d.path(), "policies.yaml", POLICY);
    common::write(d.path(), "web.yaml", DEPLOYMENT);
    assert_eq!(
        admission(d.path(), &[".", "--kube-version", "1.30"]),
        vec![hit("web.yaml", 7, "KH801")]
    );
    // admissionregistration.k8s.io/v1 policies are served from 1.30 on.
    assert_eq!(
        admission(d.path(), &[".", "--kube-version", "1.29"]),
        vec![]
    );
}

#[test]
fn hostile_policies_are_reported_on_their_lines_and_the_scan_goes_on() {
    let d = tempfile::tempdir().unwrap();
    common::write(d.path(), "policies.yaml", POLICY);
    common::write(d.path(), "web.yaml", DEPLOYMENT);
    // Not YAML at all: the loader reports it (KH001 is not selected here) and the other
    // policies still apply.
    common::write(
        d.path(),
        "broken.yaml",
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: [unclosed\n",
    );
    // An expression nested past any sensible depth, and one that does not compile.
    let deep = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
    let hostile = POLICY
        .replace("replica-limit", "hostile")
        .replace("object.spec.replicas <= 5", &deep)
        + "---\n"
        + &POLICY
            .replace("replica-limit", "typo")
            .replace("object.spec.replicas <= 5", "object.spec.replicas <=");
    common::write(d.path(), "hostile.yaml", hostile);
    let found = admission(d.path(), &["."]);
    assert_eq!(
        found,
        vec![
            hit("hostile.yaml", 13, "KH802"),
            hit("hostile.yaml", 36, "KH802"),
            hit("web.yaml", 7, "KH801"),
        ]
    );
    let out = common::keelhaul_in(d.path())
        .args(["scan", ".", "--format", "json", "--fail-on", "never"])
        .output()
        .unwrap();
    let report = common::json_of(&out);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "KH001" && f["file"].as_str().unwrap().ends_with("broken.yaml")),
        "{report}"
    );
}

#[test]
fn a_policy_never_brings_a_secrets_values_into_the_report() {
    let d = tempfile::tempdir().unwrap();
    // A hostile policy: its message would print the value, and which validation fails
    // would tell the value a character at a time.
    let policy = POLICY
        .replace("\"apps\"", "\"\"")
        .replace("deployments", "secrets")
        .replace(
            "  - expression: \"object.spec.replicas <= 5\"\n    message: \"at most 5 replicas\"\n",
            "  - expression: \"false\"\n    messageExpression: \"'the password: ' + string(object.data.password)\"\n  - expression: \"!object.data.password.startsWith('aHVudGVy')\"\n  - expression: \"object.data.all(k, object.data[k] == '')\"\n  - expression: \"has(object.type)\"\n",
        );
    common::write(d.path(), "policies.yaml", policy);
    common::write(
        d.path(),
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\ndata:\n  password: aHVudGVyMg==\n",
    );
    let out = common::keelhaul_in(d.path())
        .args([
            "scan",
            ".",
            "--select",
            "KH8",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("aHVudGVy"), "{text}");
    let report = common::json_of(&out);
    let findings = report["findings"].as_array().unwrap();
    // Only the validation that reads no value is judged (and fails: `type` is unset); the
    // `false` one gives its static fallback, never the message built from the value.
    let lines: Vec<u64> = findings
        .iter()
        .map(|f| f["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![2, 2], "{report}");
    assert!(
        findings
            .iter()
            .all(|f| !f["message"].as_str().unwrap().contains("password: "))
    );
}

/// A CRD whose plural (`gizmos`) is not the one a guess from its kind would give.
const GIZMO_CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gizmos.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: gizmos}
  versions: [{name: v1, served: true, storage: true}]
";

/// A Widget (a kind `GIZMO_CRD` defines) of size 12.
const WIDGET: &str = "apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
  namespace: shop
spec:
  size: 12
";

/// What a policy reads besides the objects it judges is gathered only when there is a policy:
/// a CRD in another file still tells the policy the plural of its kind, a param of a kind that
/// CRD defines is still found, and a CRD where no policy is changes nothing.
#[test]
fn a_policy_reads_the_crds_and_params_of_other_files() {
    let d = tempfile::tempdir().unwrap();
    common::write(d.path(), "crds/widgets.yaml", GIZMO_CRD);
    common::write(d.path(), "apps/widget.yaml", WIDGET);
    common::write(
        d.path(),
        "apps/limits.yaml",
        "apiVersion: example.com/v1
kind: Widget
metadata:
  name: limits
  namespace: shop
spec:
  size: 3
",
    );
    // Nothing to judge by: no finding, whatever the CRD says.
    assert_eq!(admission(d.path(), &["."]), vec![]);
    // The resource is the CRD's plural (`gizmos`, not the guessed `widgets`), and the param
    // (`limits`, a Widget too) is found in its own file.
    common::write(
        d.path(),
        "policies/size.yaml",
        "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: size
spec:
  paramKind: {apiVersion: example.com/v1, kind: Widget}
  matchConstraints:
    resourceRules:
    - apiGroups: [example.com]
      apiVersions: [v1]
      operations: [CREATE]
      resources: [gizmos]
  validations:
  - expression: object.metadata.name == 'limits' || object.spec.size <= params.spec.size
    message: too big
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: size
spec:
  policyName: size
  paramRef: {name: limits, namespace: shop, parameterNotFoundAction: Deny}
  validationActions: [Deny]
",
    );
    // It reads two fields of the object: the finding is on `kind:`.
    assert_eq!(
        admission(d.path(), &["."]),
        vec![hit("widget.yaml", 2, "KH801")]
    );
    // Without the CRD, the resource is guessed (`widgets`) and the policy does not match.
    std::fs::remove_file(d.path().join("crds/widgets.yaml")).unwrap();
    assert_eq!(admission(d.path(), &["."]), vec![]);
}

/// Without params, the second pass reads only the files the first saw name a CRD: a CRD in a
/// file of its own, among other documents, or in a file named on the command line is found
/// all the same.
#[test]
fn a_policy_without_params_reads_the_crds_of_other_files() {
    let d = tempfile::tempdir().unwrap();
    let crd = GIZMO_CRD;
    common::write(d.path(), "apps/widget.yaml", WIDGET);
    common::write(
        d.path(),
        "policies/size.yaml",
        "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: size
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [example.com]
      apiVersions: [v1]
      operations: [CREATE]
      resources: [gizmos]
  validations:
  - expression: object.spec.size <= 10
    message: too big
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: size
spec:
  policyName: size
  validationActions: [Deny]
",
    );
    let denied = vec![hit("widget.yaml", 7, "KH801")];
    // No CRD: the resource is guessed (`widgets`) and the policy does not match.
    assert_eq!(admission(d.path(), &["."]), vec![]);
    common::write(d.path(), "crds/widgets.yaml", crd);
    assert_eq!(admission(d.path(), &["."]), denied);
    // Among other documents of a file.
    std::fs::remove_file(d.path().join("crds/widgets.yaml")).unwrap();
    common::write(
        d.path(),
        "crds/bundle.yaml",
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\n---\n{crd}"),
    );
    assert_eq!(admission(d.path(), &["."]), denied);
    assert_eq!(
        admission(d.path(), &["apps", "policies", "crds/bundle.yaml"]),
        denied
    );
}
