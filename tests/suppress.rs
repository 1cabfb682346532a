//! Suppressions: each form silences exactly what it covers and nothing else; a suppression on
//! the wrong line does not suppress and is reported as unused; suppressed findings are counted
//! and kept in SARIF with their justification.

mod common;

use common::{json_of, keelhaul};
use serde_json::Value;

fn scan(input: &str, args: &[&str]) -> Value {
    let out = keelhaul()
        .args(["scan", "-", "--format", "json"])
        .args(args)
        .write_stdin(input.to_string())
        .output()
        .unwrap();
    json_of(&out)
}

/// (line, rule) of every finding.
fn found(report: &Value) -> Vec<(u64, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["start"]["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn at(list: &[(u64, &str)]) -> Vec<(u64, String)> {
    list.iter().map(|(l, r)| (*l, r.to_string())).collect()
}

/// A pod whose container `app` is privileged (line 12 when nothing is added above it) and
/// adds a capability (line 13); `annotations` and `privileged_line` are inserted as given.
fn pod(annotations: &str, privileged_line: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    x: y\n{annotations}spec:\n  containers:\n    - name: app\n      image: x\n      securityContext:\n{privileged_line}        capabilities: {{add: [SYS_ADMIN]}}\n"
    )
}

const RULES: &[&str] = &["--select", "KH101,KH104,KH008,KH009"];

#[test]
fn a_comment_on_the_line_or_the_line_above() {
    let plain = pod("", "        privileged: true\n");
    assert_eq!(
        found(&scan(&plain, RULES)),
        at(&[(12, "KH101"), (13, "KH104")])
    );

    let same_line = pod(
        "",
        "        privileged: true # keelhaul:ignore KH101 -- debug pod\n",
    );
    let r = scan(&same_line, RULES);
    assert_eq!(found(&r), at(&[(13, "KH104")]));
    assert_eq!(r["summary"]["suppressed"], 1);

    // The slug works as well as the id.
    let slug = pod(
        "",
        "        privileged: true # keelhaul:ignore privileged -- debug pod\n",
    );
    assert_eq!(found(&scan(&slug, RULES)), at(&[(13, "KH104")]));

    let above = pod(
        "",
        "        # keelhaul:ignore KH101 -- debug pod\n        privileged: true\n",
    );
    assert_eq!(found(&scan(&above, RULES)), at(&[(14, "KH104")]));

    // On the wrong line: the finding stays, and the suppression is reported where it is.
    let wrong = pod(
        "",
        "        privileged: true\n        readOnlyRootFilesystem: true # keelhaul:ignore KH101 -- x\n",
    );
    assert_eq!(
        found(&scan(&wrong, RULES)),
        at(&[(12, "KH101"), (13, "KH009"), (14, "KH104")])
    );
    // Two lines above is not the line above.
    let far = pod(
        "",
        "        # keelhaul:ignore KH101 -- x\n        readOnlyRootFilesystem: true\n        privileged: true\n",
    );
    assert_eq!(
        found(&scan(&far, RULES)),
        at(&[(12, "KH009"), (14, "KH101"), (15, "KH104")])
    );
    // Another rule's suppression does not cover this one.
    let other = pod(
        "",
        "        privileged: true # keelhaul:ignore KH104 -- x\n",
    );
    assert_eq!(
        found(&scan(&other, RULES)),
        at(&[(12, "KH101"), (12, "KH009"), (13, "KH104")])
    );
    // Inside a string it is not a comment.
    let quoted = pod(
        "    note: \"# keelhaul:ignore KH101 -- no\"\n",
        "        privileged: true\n",
    );
    assert_eq!(
        found(&scan(&quoted, RULES)),
        at(&[(13, "KH101"), (14, "KH104")])
    );
}

#[test]
fn document_and_file_scope() {
    let doc = pod("", "        privileged: true\n");
    let top = format!("# keelhaul:ignore KH101,KH104 -- a lab pod\n{doc}---\n{doc}");
    // The first document (lines 2–14) is silenced, the second (16–28) is not.
    assert_eq!(
        found(&scan(&top, RULES)),
        at(&[(27, "KH101"), (28, "KH104")])
    );
    let file = format!("{doc}---\n# keelhaul:ignore-file KH101 -- lab cluster\n{doc}");
    assert_eq!(
        found(&scan(&file, RULES)),
        at(&[(13, "KH104"), (28, "KH104")])
    );
    // No rule list: every rule.
    let all = format!("# keelhaul:ignore -- generated, not ours\n{doc}");
    assert_eq!(found(&scan(&all, RULES)), at(&[]));
}

#[test]
fn annotations_on_the_object_the_template_and_one_container() {
    let object = pod(
        "    keelhaul.dev/ignore: \"KH101 -- the node agent needs it\"\n",
        "        privileged: true\n",
    );
    assert_eq!(found(&scan(&object, RULES)), at(&[(14, "KH104")]));

    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata:\n      labels: {a: b}\n      annotations:\n        keelhaul.dev/ignore.agent: \"KH101\"\n        keelhaul.dev/ignore-reason: \"the agent reads the host's devices\"\n    spec:\n      containers:\n        - name: agent\n          image: x\n          securityContext: {privileged: true}\n        - name: web\n          image: y\n          securityContext: {privileged: true}\n";
    // Only the agent's finding is suppressed; the web container's stays.
    assert_eq!(
        found(&scan(deployment, &["--select", "KH101,KH008,KH009"])),
        at(&[(20, "KH101")])
    );

    // A reason is required; an unknown container suppresses nothing.
    let reasonless = pod(
        "    keelhaul.dev/ignore: \"KH101\"\n    keelhaul.dev/ignore.nosuch: \"KH104 -- x\"\n",
        "        privileged: true\n",
    );
    assert_eq!(
        found(&scan(&reasonless, RULES)),
        at(&[(7, "KH008"), (8, "KH008"), (15, "KH104")])
    );
}

#[test]
fn rules_that_did_not_run_make_no_stale_suppression() {
    let doc = pod(
        "",
        "        privileged: true # keelhaul:ignore KH101 -- x\n",
    );
    assert_eq!(
        found(&scan(&doc, &["--select", "KH104,KH009"])),
        at(&[(13, "KH104")])
    );
}

#[test]
fn sarif_keeps_suppressed_findings_with_their_justification() {
    let doc = pod(
        "",
        "        privileged: true # keelhaul:ignore KH101 -- debug pod, OPS-12\n",
    );
    let out = keelhaul()
        .args(["scan", "-", "--format", "sarif"])
        .args(RULES)
        .write_stdin(doc)
        .output()
        .unwrap();
    let sarif = json_of(&out);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], "KH101");
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "debug pod, OPS-12"
    );
    // The exit code and the human report follow only what is not suppressed.
    let human = keelhaul()
        .args(["scan", "-", "--select", "KH101", "--color", "never"])
        .write_stdin(pod(
            "",
            "        privileged: true # keelhaul:ignore KH101 -- x\n",
        ))
        .output()
        .unwrap();
    assert_eq!(human.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&human.stdout).contains("; 1 suppressed"));
}

#[test]
fn comment_suppressions_work_in_scripts_terraform_and_bicep() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("create.sh"),
        "# keelhaul:ignore KH604,KH606 -- the cluster joins Entra in a later step\naz aks create -g rg -n aks1 --network-policy cilium\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"azurerm_kubernetes_cluster\" \"aks\" {\n  name = \"aks\"\n  role_based_access_control_enabled = false # keelhaul:ignore KH603 -- lab cluster\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("aks.bicep"),
        "resource aks 'Microsoft.ContainerService/managedClusters@2026-10-01' = {\n  name: 'aks'\n  properties: {\n    enableRBAC: false // keelhaul:ignore KH603 -- lab cluster\n    disableLocalAccounts: true // keelhaul:ignore KH101 -- stale\n  }\n}\n",
    )
    .unwrap();
    let out = keelhaul()
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "KH603,KH604,KH606,KH008,KH009",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let v = json_of(&out);
    let got: Vec<(String, String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    // KH603 suppressed in both forms; KH604/KH606 suppressed on the command; KH606 of the
    // Bicep cluster (local accounts disabled) does not fire; the stale KH101 comment is
    // reported only if KH101 ran (it did not), so nothing else remains but Bicep's KH604.
    assert_eq!(
        got,
        vec![
            ("KH604".to_string(), "aks.bicep".to_string(), 1),
            ("KH604".to_string(), "main.tf".to_string(), 1),
            ("KH606".to_string(), "main.tf".to_string(), 1),
        ],
        "{v}"
    );
    assert_eq!(v["summary"]["suppressed"], 4);
}
