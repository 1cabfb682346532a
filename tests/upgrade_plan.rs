//! `keelhaul upgrade-plan` and `keelhaul scan --from`: each version-gated finding lands on the
//! hop of one minor whose target is the version where it takes effect. The expectations are
//! Kubernetes facts (removal versions from the deprecation guide, the seccomp annotations'
//! end in 1.27, the AppArmor field's arrival in 1.30), checked against the embedded lifecycle
//! table too, so that neither can drift from the other unnoticed.

mod common;

use std::path::Path;

use common::{json_of, keelhaul_in, write};
use keelhaul::k8s::api_lifecycle::{TABLE, Version};

/// A PodDisruptionBudget on policy/v1beta1 (not served from 1.25).
const PDB: &str = "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app: web\n";
/// A HorizontalPodAutoscaler on autoscaling/v2beta2 (not served from 1.26).
const HPA: &str = "apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  minReplicas: 1\n  maxReplicas: 3\n";
/// A FlowSchema on v1beta2 (not served from 1.29), then one on v1beta3 (deprecated in 1.29),
/// whose apiVersion is on line 8.
const FLOW: &str = "apiVersion: flowcontrol.apiserver.k8s.io/v1beta2\nkind: FlowSchema\nmetadata:\n  name: old\nspec:\n  priorityLevelConfiguration: {name: global-default}\n---\napiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata:\n  name: newer\nspec:\n  priorityLevelConfiguration: {name: global-default}\n";
/// A Pod confined only by the legacy seccomp annotation (line 6), which has no effect from
/// 1.27.
const SECCOMP: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: legacy-seccomp\n  annotations:\n    seccomp.security.alpha.kubernetes.io/pod: runtime/default\nspec:\n  containers:\n  - name: app\n    image: nginx\n";
/// A Pod with the AppArmor annotation (line 6), deprecated from 1.30.
const APPARMOR: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: legacy-apparmor\n  annotations:\n    container.apparmor.security.beta.kubernetes.io/app: runtime/default\nspec:\n  containers:\n  - name: app\n    image: nginx\n";
/// An Ingress on extensions/v1beta1, not served since 1.22: already broken at 1.24.
const INGRESS: &str = "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: old\n  namespace: shop\nspec:\n  backend:\n    serviceName: web\n    servicePort: 80\n";

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pdb.yaml", PDB);
    write(dir.path(), "hpa.yaml", HPA);
    write(dir.path(), "flowcontrol.yaml", FLOW);
    write(dir.path(), "seccomp.yaml", SECCOMP);
    write(dir.path(), "apparmor.yaml", APPARMOR);
    write(dir.path(), "ingress.yaml", INGRESS);
    dir
}

fn minor(v: Option<Version>) -> Option<u32> {
    v.map(|v| v.minor)
}

/// The facts the expectations below rest on are those of the embedded table.
#[test]
fn the_fixture_facts_are_the_tables() {
    let row = |api: &str, kind: &str| TABLE.lookup(api, kind).expect("a row");
    let pdb = row("policy/v1beta1", "PodDisruptionBudget");
    assert_eq!(minor(pdb.removed), Some(25));
    assert_eq!(
        minor(row("autoscaling/v2beta2", "HorizontalPodAutoscaler").removed),
        Some(26)
    );
    let flow = row("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema");
    assert_eq!(minor(flow.removed), Some(29));
    let beta3 = row("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema");
    assert_eq!(
        (minor(beta3.deprecated), minor(beta3.removed)),
        (Some(29), Some(32))
    );
    assert_eq!(
        minor(row("extensions/v1beta1", "Ingress").removed),
        Some(22)
    );
}

fn plan(dir: &Path, args: &[&str]) -> std::process::Output {
    keelhaul_in(dir)
        .args(["upgrade-plan", "--as-of", "2026-06-01"])
        .args(args)
        .output()
        .unwrap()
}

/// (hop target, change, file, line, rule) of every entry of a JSON plan, and the entries
/// already in effect at --from.
fn entries(v: &serde_json::Value) -> Vec<(String, String, String, u64, String)> {
    let mut out = Vec::new();
    let mut add = |at: &str, list: &serde_json::Value| {
        for e in list.as_array().unwrap() {
            out.push((
                at.to_string(),
                e["change"].as_str().unwrap().to_string(),
                e["file"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("./")
                    .to_string(),
                e["line"].as_u64().unwrap(),
                e["rule"].as_str().unwrap().to_string(),
            ));
        }
    };
    add("before", &v["alreadyAtFrom"]);
    for h in v["hops"].as_array().unwrap() {
        add(h["to"].as_str().unwrap(), &h["entries"]);
    }
    out
}

#[test]
fn each_object_lands_on_the_hop_that_breaks_it() {
    let dir = fixture();
    let out = plan(
        dir.path(),
        &["--from", "1.24", "--to", "1.30", "--format", "json"],
    );
    // Something breaks on the way: exit 1.
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let v = json_of(&out);
    let e = |at: &str, change: &str, file: &str, line: u64, rule: &str| {
        (at.into(), change.into(), file.into(), line, rule.into())
    };
    assert_eq!(
        entries(&v),
        vec![
            e("before", "breaks", "ingress.yaml", 1, "KH501"),
            e("1.25", "breaks", "pdb.yaml", 1, "KH501"),
            e("1.26", "breaks", "hpa.yaml", 1, "KH501"),
            // FlowSchema v1beta2 is deprecated from 1.26, three hops before it breaks.
            e("1.26", "deprecated", "flowcontrol.yaml", 1, "KH501"),
            e("1.27", "breaks", "seccomp.yaml", 6, "KH204"),
            e("1.29", "breaks", "flowcontrol.yaml", 1, "KH501"),
            e("1.29", "deprecated", "flowcontrol.yaml", 8, "KH502"),
            e("1.30", "deprecated", "apparmor.yaml", 6, "KH214"),
        ]
    );
}

#[test]
fn the_json_plan_has_one_object_per_hop() {
    let dir = fixture();
    let out = plan(
        dir.path(),
        &["--from", "1.24", "--to", "1.30", "--format", "json"],
    );
    let v = json_of(&out);
    assert_eq!(v["schema"], 1);
    assert_eq!(v["tool"], "keelhaul");
    assert_eq!(
        (v["from"].as_str(), v["to"].as_str()),
        (Some("1.24"), Some("1.30"))
    );
    assert_eq!(v["asOf"], "2026-06-01");
    assert!(v["calendarRead"].as_str().is_some());
    let hops = v["hops"].as_array().unwrap();
    assert_eq!(hops.len(), 6);
    for (i, h) in hops.iter().enumerate() {
        let n = i as u64 + 1;
        assert_eq!(h["number"].as_u64(), Some(n));
        assert_eq!(h["of"].as_u64(), Some(6));
        assert_eq!(h["from"], format!("1.{}", 23 + n));
        assert_eq!(h["to"], format!("1.{}", 24 + n));
        assert_eq!(h["aksSupport"]["minor"], h["to"]);
        for key in ["status", "until", "ltsUntil", "text"] {
            assert!(h["aksSupport"].get(key).is_some(), "{key} in {h}");
        }
    }
    // 1.27 → 1.28: nothing.
    assert_eq!(hops[3]["entries"].as_array().unwrap().len(), 0);
    assert_eq!(
        (hops[3]["breaks"].as_u64(), hops[3]["deprecated"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(
        (hops[4]["breaks"].as_u64(), hops[4]["deprecated"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(v["summary"]["breaks"], 5);
    assert_eq!(v["summary"]["deprecated"], 3);
    // The deprecation of what breaks later names the hop where it breaks.
    let warned = &hops[1]["entries"][1];
    assert_eq!(warned["change"], "deprecated");
    assert_eq!(warned["version"], "1.26");
    assert_eq!(
        warned["breaksAt"],
        serde_json::json!({"from": "1.28", "to": "1.29", "number": 5})
    );
    assert!(hops[1]["entries"][0].get("breaksAt").is_none());
    // An entry names its object and the version of its change.
    let pdb = &hops[0]["entries"][0];
    assert_eq!(pdb["version"], "1.25");
    assert_eq!(pdb["resource"]["kind"], "PodDisruptionBudget");
    assert_eq!(pdb["resource"]["name"], "web");
    assert!(pdb["message"].as_str().unwrap().contains("policy/v1"));
    // AKS 1.30 at 2026-06-01: community support ended 2025-08-22, LTS runs to the end of
    // July 2026 (the calendar's dates, aks-cluster-facts 8c).
    let s = &hops[5]["aksSupport"];
    assert_eq!(s["status"], "ended");
    assert_eq!(s["until"], "2025-08-22");
    assert_eq!(s["ltsUntil"], "2026-07-31");
}

#[test]
fn human_output_is_one_block_per_hop() {
    let dir = fixture();
    let out = plan(dir.path(), &["--from", "1.24", "--to", "1.30"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Already at 1.24, before the first upgrade: 1 break"),
        "{text}"
    );
    // A hop where nothing happens is one line.
    let quiet = text
        .lines()
        .find(|l| l.starts_with("1.27 → 1.28 (upgrade 4 of 6)"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(quiet.contains("nothing breaks"), "{quiet}");
    assert!(
        quiet.contains("AKS 1.28: support ended 2025-01-31"),
        "{quiet}"
    );
    let after = text.split_once(quiet).unwrap().1;
    assert!(after.starts_with("\n\n1.28 → 1.29"), "{after}");
    // Entries say the change, file:line, the object and the rule, aligned.
    let block = text
        .split_once("1.28 → 1.29 (upgrade 5 of 6): 1 break, 1 deprecated.")
        .unwrap_or_else(|| panic!("{text}"))
        .1;
    let lines: Vec<&str> = block.lines().skip(1).take(4).collect();
    assert!(
        lines[0].starts_with("  breaks      ./flowcontrol.yaml:1"),
        "{block}"
    );
    assert!(lines[0].contains("FlowSchema old"), "{block}");
    assert!(
        lines[2].starts_with("  deprecated  ./flowcontrol.yaml:8"),
        "{block}"
    );
    let col = |l: &str| l.find("KH50").unwrap();
    assert_eq!(col(lines[0]), col(lines[2]), "{block}");
    assert!(text.contains("From 1.24 to 1.30: 5 break (1 already at 1.24), 3 deprecated."));
    assert!(
        text.contains("breaks later, at the hop 1.28 → 1.29 (upgrade 5 of 6): FlowSchema flowcontrol.apiserver.k8s.io/v1beta2 is not served"),
        "{text}"
    );
}

#[test]
fn markdown_output_is_tables() {
    let dir = fixture();
    let out = plan(
        dir.path(),
        &["--from", "1.24", "--to", "1.30", "--format", "markdown"],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("## Upgrade plan: Kubernetes 1.24 → 1.30\n"),
        "{text}"
    );
    assert!(text.contains(
        "| hop | breaks | deprecated | AKS support of the target |\n|---|---|---|---|\n"
    ));
    assert!(text.contains("| already at 1.24 | 1 | 0 | – |\n"), "{text}");
    assert!(text.contains("| 1.27 → 1.28 | 0 | 0 | 1.28: "), "{text}");
    assert!(
        text.contains("### 1.25 → 1.26 (upgrade 2 of 6)\n"),
        "{text}"
    );
    assert!(text.contains("| change | where | object | rule | what |\n|---|---|---|---|---|\n"));
    assert!(
        text.contains("| breaks | `./hpa.yaml:1` | HorizontalPodAutoscaler shop/web | KH501 | "),
        "{text}"
    );
    assert!(
        text.contains("### 1.27 → 1.28 (upgrade 4 of 6)\n\nAKS 1.28: "),
        "{text}"
    );
    // Every table row has as many cells as its header.
    let mut columns = 0;
    for line in text.lines() {
        if !line.starts_with('|') {
            columns = 0;
            continue;
        }
        let cells = line.replace("\\|", "").matches('|').count();
        if columns == 0 {
            columns = cells;
        }
        assert_eq!(cells, columns, "{line}");
    }
}

#[test]
fn only_deprecations_exit_zero() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "apparmor.yaml", APPARMOR);
    let out = plan(dir.path(), &["--from", "1.29", "--to", "1.31"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("1.29 → 1.30 (upgrade 1 of 2): nothing breaks, 1 deprecated."),
        "{text}"
    );
    assert!(
        text.contains("1.30 → 1.31 (upgrade 2 of 2): nothing breaks."),
        "{text}"
    );
}

#[test]
fn bad_versions_are_usage_errors() {
    let dir = fixture();
    for args in [
        &["--from", "1.30", "--to", "1.29"][..],
        &["--from", "1.30", "--to", "1.30"],
        &["--from", "one", "--to", "1.30"],
        &["--to", "1.30"],
    ] {
        let out = plan(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let out = plan(dir.path(), &["--from", "1.30", "--to", "1.29"]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--from 1.30 must be older than --to 1.29"),
        "{err}"
    );
    // The same for scan: --from may not be newer than --kube-version.
    let out = keelhaul_in(dir.path())
        .args(["scan", "--kube-version", "1.29", "--from", "1.30", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("--from 1.30 is newer than")
    );
}

#[test]
fn scan_from_says_the_hop_in_messages_and_json() {
    let dir = fixture();
    let out = keelhaul_in(dir.path())
        .args([
            "scan",
            "--kube-version",
            "1.30",
            "--from",
            "1.27",
            "--format",
            "json",
            ".",
        ])
        .output()
        .unwrap();
    let v = json_of(&out);
    let findings = v["findings"].as_array().unwrap();
    let of = |file: &str, rule: &str| {
        findings
            .iter()
            .find(|f| f["file"].as_str().unwrap().ends_with(file) && f["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} in {file}: {v}"))
    };
    let flow = of("flowcontrol.yaml", "KH501");
    assert!(
        flow["message"]
            .as_str()
            .unwrap()
            .ends_with("; upgrading from 1.27: breaks at the hop 1.28 → 1.29 (upgrade 2 of 3)"),
        "{flow}"
    );
    assert_eq!(
        flow["hop"],
        serde_json::json!({"change": "breaks", "version": "1.29", "upgradeFrom": "1.27",
            "step": {"from": "1.28", "to": "1.29", "number": 2, "of": 3}})
    );
    let apparmor = of("apparmor.yaml", "KH214");
    assert_eq!(apparmor["hop"]["change"], "deprecated");
    assert_eq!(apparmor["hop"]["step"]["to"], "1.30");
    // Broken before the first hop: no step.
    let pdb = of("pdb.yaml", "KH501");
    assert_eq!(pdb["hop"]["step"], serde_json::Value::Null);
    assert!(
        pdb["message"]
            .as_str()
            .unwrap()
            .ends_with("already broken at 1.27, before the first upgrade")
    );
    // A finding that is not version-gated has no hop.
    let seccomp_missing = findings.iter().find(|f| f["rule"] == "KH201").unwrap();
    assert!(seccomp_missing.get("hop").is_none());
    // Without --from, nothing of it.
    let out = keelhaul_in(dir.path())
        .args(["scan", "--kube-version", "1.30", "--format", "json", "."])
        .output()
        .unwrap();
    let v = json_of(&out);
    for f in v["findings"].as_array().unwrap() {
        assert!(f.get("hop").is_none(), "{f}");
        assert!(
            !f["message"].as_str().unwrap().contains("upgrading from"),
            "{f}"
        );
    }
}

#[test]
fn scan_from_in_human_and_concise_output() {
    let dir = fixture();
    let out = keelhaul_in(dir.path())
        .args([
            "scan",
            "--kube-version",
            "1.30",
            "--from",
            "1.24",
            "--format",
            "concise",
            ".",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("hpa.yaml:1:") && l.contains("KH501"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.ends_with("breaks at the hop 1.25 → 1.26 (upgrade 2 of 6)"),
        "{line}"
    );
    let line = text
        .lines()
        .find(|l| l.contains("seccomp.yaml:6:"))
        .unwrap();
    assert!(
        line.ends_with("breaks at the hop 1.26 → 1.27 (upgrade 3 of 6)"),
        "{line}"
    );
}

/// What stops every upgrade of the path (the upgrade rules, KH7xx) is listed once, before the
/// hops, in every format; an error among it makes the plan exit 1.
#[test]
fn what_stops_every_upgrade_is_listed_once() {
    let example = common::root().join("testdata/examples/upgrade-drains.yaml");
    let run = |format: &str| {
        common::keelhaul()
            .args([
                "upgrade-plan",
                "--from",
                "1.30",
                "--to",
                "1.31",
                "--as-of",
                "2026-12-01",
            ])
            .args(["--format", format])
            .arg(&example)
            .output()
            .unwrap()
    };
    let out = run("json");
    assert_eq!(
        out.status.code(),
        Some(1),
        "the budgets' errors stop the upgrade"
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let every: Vec<(String, u64)> = plan["everyUpgrade"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    for expected in [("KH702", 65), ("KH704", 78), ("KH701", 119), ("KH707", 185)] {
        assert!(
            every.contains(&(expected.0.to_string(), expected.1)),
            "{expected:?} in {every:?}"
        );
    }
    // Listed once, not once per hop.
    assert_eq!(plan["hops"][0]["entries"].as_array().unwrap().len(), 0);
    let human = String::from_utf8(run("human").stdout).unwrap();
    assert!(
        human.contains("\nAt every upgrade (nodes are drained, node pools upgraded): "),
        "{human}"
    );
    assert_eq!(human.matches("KH702").count(), 1, "{human}");
    let markdown = String::from_utf8(run("markdown").stdout).unwrap();
    assert!(markdown.contains("### At every upgrade: "), "{markdown}");
    assert!(
        markdown.contains("| error | `") && markdown.contains("| KH701 |"),
        "{markdown}"
    );
}

/// The scanned tree's own `.keelhaul.yaml` (written by whoever opened the pull request)
/// cannot empty the plan by turning its rules off: the plan selects them by tag.
#[test]
fn a_configuration_in_the_scanned_tree_cannot_turn_the_plan_off() {
    let dir = fixture();
    std::fs::copy(
        common::root().join("testdata/examples/upgrade-drains.yaml"),
        dir.path().join("upgrade-drains.yaml"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".keelhaul.yaml"),
        "rules:\n  KH501: off\n  KH502: off\n  KH702: off\n  upgrade: off\n",
    )
    .unwrap();
    let out = plan(
        dir.path(),
        &["--from", "1.24", "--to", "1.30", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(entries(&v).iter().any(|e| e.4 == "KH501"), "{v}");
    let every: Vec<&str> = v["everyUpgrade"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(every.contains(&"KH702"), "{every:?}");
    assert_eq!(out.status.code(), Some(1));
}
