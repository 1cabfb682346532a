//! Severity and words match the risk (issue 16, item 5): a capability or a host path is an
//! error when it is enough to escape the container or take over the node, a warning when
//! it reaches beyond the container without that, and the message says which.

mod common;

use serde_json::Value;

/// (line, severity, message) of the findings of `rule` in `yaml`.
fn findings_of(rule: &str, yaml: &str) -> Vec<(u64, String, String)> {
    let out = common::keelhaul()
        .args(["scan", "-", "--format", "json", "--select", rule])
        .write_stdin(yaml.to_string())
        .output()
        .unwrap();
    let report: Value = common::json_of(&out);
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["start"]["line"].as_u64().unwrap(),
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn capabilities_are_errors_only_when_they_are_enough_to_escape() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: c:1\n    securityContext:\n      capabilities:\n        add: [SYS_TIME, SYS_ADMIN, NET_ADMIN, cap_sys_module, SYSLOG]\n";
    let got = findings_of("KH104", pod);
    let sev: Vec<&str> = got.iter().map(|(_, s, _)| s.as_str()).collect();
    assert_eq!(
        sev,
        ["warning", "error", "warning", "error", "warning"],
        "{got:?}"
    );
    assert!(got[0].2.contains("the node's clock"), "{got:?}");
    assert!(
        !got[0].2.contains("escape"),
        "SYS_TIME does not escape: {got:?}"
    );
    assert!(got[1].2.contains("escape the container"), "{got:?}");
}

#[test]
fn a_sensitive_host_path_is_an_error_when_writable_and_a_warning_when_read_only() {
    let pod = "apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: c
    image: c:1
    volumeMounts:
    - {name: sys, mountPath: /host/sys, readOnly: true}
    - {name: etc, mountPath: /host/etc}
    - {name: sock, mountPath: /var/run/docker.sock, readOnly: true}
  - name: d
    image: d:1
    volumeMounts:
    - {name: sys, mountPath: /sys2, readOnly: true}
  volumes:
  - name: sys
    hostPath: {path: /sys}
  - name: etc
    hostPath: {path: /etc}
  - name: sock
    hostPath: {path: /var/run/docker.sock}
";
    let got = findings_of("KH108", pod);
    let sev: Vec<(u64, &str)> = got.iter().map(|(l, s, _)| (*l, s.as_str())).collect();
    assert_eq!(
        sev,
        [(19, "warning"), (21, "error"), (23, "error")],
        "{got:?}"
    );
    assert!(got[0].2.contains("read-only"), "{got:?}");
    assert!(got[2].2.contains("socket"), "{got:?}");
}

#[test]
fn kh105_says_which_default_capabilities_are_kept() {
    let pod = |drop: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: c:1\n    securityContext:\n      capabilities:\n        drop: [{drop}]\n"
        )
    };
    let every = "AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, NET_RAW, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT";
    let got = findings_of("KH105", &pod(every));
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].2.contains("by name, but not ALL"), "{got:?}");
    let got = findings_of("KH105", &pod("NET_RAW, cap_chown"));
    assert!(
        got[0]
            .2
            .contains("keeps 12 of the runtime's default capabilities"),
        "{got:?}"
    );
    assert!(
        !got[0].2.contains("NET_RAW,"),
        "NET_RAW is dropped: {got:?}"
    );
    assert!(findings_of("KH105", &pod("ALL")).is_empty());
}

#[test]
fn every_verb_on_a_roles_own_custom_resources_is_a_warning_not_a_cluster_wide_wildcard() {
    let role = |groups: &str, resources: &str| {
        format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\nrules:\n- apiGroups: [{groups}]\n  resources: [{resources}]\n  verbs: ['*']\n"
        )
    };
    let got = findings_of(
        "KH305",
        &role("widgets.example.com", "widgets, widgets/status"),
    );
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].1, "warning", "{got:?}");
    assert!(
        got[0]
            .2
            .contains("widgets and widgets/status in widgets.example.com"),
        "{got:?}"
    );
    for (groups, resources) in [
        ("apps", "deployments"),
        ("''", "pods"),
        ("example.com", "'*'"),
    ] {
        let got = findings_of("KH305", &role(groups, resources));
        assert!(!got.is_empty(), "{groups} {resources}");
        assert!(
            got.iter().all(|f| f.1 == "error"),
            "{groups} {resources}: {got:?}"
        );
    }
}

/// Issue 16, item 4: a KH401 message names each workload and policy once, a few of each, and
/// says how many more; the related locations hold every workload.
#[test]
fn kh401_names_each_workload_once_and_a_few_of_many() {
    let mut yaml = String::from("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n");
    for i in 0..7 {
        yaml.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc{i}\n  namespace: shop\nspec:\n  selector: {{matchLabels: {{app: svc{i}}}}}\n  template:\n    metadata: {{labels: {{app: svc{i}}}}}\n    spec:\n      containers: [{{name: c, image: c:1}}]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: svc{i}-policy\n  namespace: shop\nspec:\n  podSelector: {{matchLabels: {{app: svc{i}}}}}\n  policyTypes: [Egress]\n  egress:\n  - {{}}\n"
        ));
    }
    // The same Deployment a second time (another file, an overlay's copy): named once.
    yaml.push_str("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc0\n  namespace: shop\nspec:\n  selector: {matchLabels: {app: svc0}}\n  template:\n    metadata: {labels: {app: svc0}}\n    spec:\n      containers: [{name: c, image: c:1}]\n");
    let out = common::keelhaul()
        .args(["scan", "-", "--format", "json", "--select", "KH401"])
        .write_stdin(yaml)
        .output()
        .unwrap();
    let report: Value = common::json_of(&out);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = &findings[0];
    let m = f["message"].as_str().unwrap();
    assert_eq!(f["start"]["line"], 4, "on the Namespace's name");
    assert_eq!(m.matches("Deployment \"svc0\"").count(), 1, "{m}");
    assert!(
        m.contains("Deployment \"svc0\", Deployment \"svc1\", Deployment \"svc2\" and 4 more:"),
        "{m}"
    );
    assert!(
        m.contains("egress rules without `to` (every destination) in NetworkPolicies \"svc0-policy\", \"svc1-policy\", \"svc2-policy\" and 4 more allow it on every port"),
        "{m}"
    );
    assert!(m.len() < 500, "{} characters: {m}", m.len());
    // Every workload (both copies of svc0) and every rule is a related location.
    let related = f["related"].as_array().unwrap();
    let can_reach = related
        .iter()
        .filter(|r| r["label"].as_str().unwrap().contains("can reach"))
        .count();
    let rules = related
        .iter()
        .filter(|r| r["label"].as_str().unwrap().starts_with("egress rule"))
        .count();
    assert_eq!((can_reach, rules), (8, 7), "{related:?}");
}
