//! The upgrade rules' cross-resource reading (KH702–KH705): which workload definition a
//! PodDisruptionBudget sees when several files define one object, how a
//! HorizontalPodAutoscaler sets the count of pods, and that a label no selector reads never
//! changes a verdict.

mod common;

use std::path::Path;

use keelhaul::pipeline::{ScanOptions, scan};
use proptest::prelude::*;

/// (file, line, rule) of every KH7xx finding of a scan of `root`, sorted.
fn upgrade_findings(root: &Path) -> Vec<(String, u32, String)> {
    let result = scan(&ScanOptions {
        paths: vec![root.to_path_buf()],
        rules: keelhaul::rules::matching("KH7").expect("the upgrade family"),
        threads: Some(2),
        excerpts: false,
        ..ScanOptions::default()
    })
    .expect("scan");
    let mut out: Vec<(String, u32, String)> = result
        .findings
        .iter()
        .map(|f| {
            let file = Path::new(&*f.file)
                .strip_prefix(root)
                .map_or_else(|_| f.file.to_string(), |p| p.display().to_string());
            (file, f.span.start.line, f.rule.id.to_string())
        })
        .collect();
    out.sort();
    out
}

fn deployment(name: &str, replicas: &str, labels: &[(&str, &str)]) -> String {
    let labels: String = labels
        .iter()
        .map(|(k, v)| match *k {
            // A line that holds no label, so that adding one moves no other line.
            "#" => "        # no label\n".to_string(),
            k => format!("        {k}: \"{v}\"\n"),
        })
        .collect();
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n{labels}    spec:\n      containers:\n        - name: app\n          image: example.azurecr.io/app:1.0.0\n"
    )
}

fn budget(name: &str, bound: &str, selector: &str) -> String {
    format!(
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n  {bound}\n  selector:\n{selector}"
    )
}

fn match_labels(labels: &[(&str, &str)]) -> String {
    let mut s = "    matchLabels:\n".to_string();
    for (k, v) in labels {
        s.push_str(&format!("      {k}: \"{v}\"\n"));
    }
    s
}

/// Two overlays define the same Deployment with other replica counts, each with its own
/// budget: each budget is judged against the definition next to it, and two budgets of other
/// names in the two overlays are not an overlap (they never meet in one cluster).
#[test]
fn a_budget_sees_the_definition_nearest_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let web = [("app", "web")];
    common::write(root, "dev/web.yaml", deployment("web", "1", &web));
    common::write(
        root,
        "dev/pdb.yaml",
        budget("web-dev", "minAvailable: 1", &match_labels(&web)),
    );
    common::write(root, "prod/web.yaml", deployment("web", "3", &web));
    common::write(
        root,
        "prod/pdb.yaml",
        budget("web-prod", "minAvailable: 1", &match_labels(&web)),
    );
    // dev keeps its one pod (KH702 on minAvailable, line 7); prod lets two of three move.
    assert_eq!(
        upgrade_findings(root),
        vec![("dev/pdb.yaml".to_string(), 7, "KH702".to_string())]
    );

    // Two budgets of other names next to the one definition: they overlap.
    common::write(
        root,
        "prod/pdb-2.yaml",
        budget("web-prod-2", "maxUnavailable: 1", &match_labels(&web)),
    );
    let found = upgrade_findings(root);
    assert!(
        found.contains(&("prod/pdb.yaml".to_string(), 8, "KH704".to_string()))
            || found.contains(&("prod/pdb-2.yaml".to_string(), 8, "KH704".to_string())),
        "{found:?}"
    );
    assert_eq!(
        found.iter().filter(|f| f.2 == "KH704").count(),
        1,
        "{found:?}"
    );
}

/// An autoscaler's minReplicas (1 when unset) is the count of pods a budget is judged by; an
/// autoscaler of another namespace, or of another target, is not.
#[test]
fn an_autoscaler_sets_the_count_of_pods() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let api = [("app", "api")];
    let hpa = |ns: &str, target: &str, min: &str| {
        format!(
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: api\n  namespace: {ns}\nspec:\n  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {target}}}\n{min}  maxReplicas: 8\n"
        )
    };
    common::write(root, "api.yaml", deployment("api", "4", &api));
    common::write(
        root,
        "pdb.yaml",
        budget("api", "minAvailable: 2", &match_labels(&api)),
    );
    // No autoscaler: 4 replicas, two may move.
    assert_eq!(upgrade_findings(root), vec![]);
    // minReplicas unset is 1: the budget of 2 then keeps every pod (KH705 stays quiet: a
    // budget selects the single replica).
    common::write(root, "hpa.yaml", hpa("shop", "api", ""));
    assert_eq!(
        upgrade_findings(root),
        vec![("pdb.yaml".to_string(), 7, "KH702".to_string())]
    );
    // minReplicas: 3 leaves one pod free to move.
    common::write(root, "hpa.yaml", hpa("shop", "api", "  minReplicas: 3\n"));
    assert_eq!(upgrade_findings(root), vec![]);
    // An autoscaler of another namespace or another target does not count.
    common::write(root, "hpa.yaml", hpa("other", "api", "  minReplicas: 2\n"));
    assert_eq!(upgrade_findings(root), vec![]);
    common::write(
        root,
        "hpa.yaml",
        hpa("shop", "worker", "  minReplicas: 2\n"),
    );
    assert_eq!(upgrade_findings(root), vec![]);
}

/// Label keys and values the generated workloads draw from.
fn label_set() -> impl Strategy<Value = Vec<(usize, usize)>> {
    prop::collection::btree_map(0usize..4, 0usize..3, 1..4)
        .prop_map(|m| m.into_iter().collect::<Vec<_>>())
}

const KEYS: [&str; 4] = ["app", "tier", "team", "track"];
const VALUES: [&str; 3] = ["a", "b", "c"];

fn labels_of(set: &[(usize, usize)]) -> Vec<(&'static str, &'static str)> {
    set.iter().map(|&(k, v)| (KEYS[k], VALUES[v])).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Adding to a pod template a label that no budget's selector reads never changes what
    /// the upgrade rules find. Each budget selects by some of the labels of one workload, so
    /// that budgets often select something.
    #[test]
    fn a_label_no_selector_reads_never_changes_a_verdict(
        workloads in prop::collection::vec((label_set(), 0usize..4), 1..4),
        budgets in prop::collection::vec((0usize..3, 1usize..8, 0usize..4), 1..4),
        target in 0usize..3,
    ) {
        let bounds = ["minAvailable: 1", "minAvailable: 2", "minAvailable: 50%", "maxUnavailable: 1"];
        let write_all = |root: &Path, extra: Option<usize>| {
            let mut text = String::new();
            for (i, (labels, replicas)) in workloads.iter().enumerate() {
                let mut labels = labels_of(labels);
                labels.push(if extra == Some(i) { ("unread-by-any-selector", "x") } else { ("#", "") });
                text.push_str(&deployment(&format!("w{i}"), &replicas.to_string(), &labels));
                text.push_str("---\n");
            }
            for (i, &(of, mask, bound)) in budgets.iter().enumerate() {
                let labels = labels_of(&workloads[of % workloads.len()].0);
                let mut chosen: Vec<(&str, &str)> = labels
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| mask & (1 << j) != 0)
                    .map(|(_, l)| *l)
                    .collect();
                if chosen.is_empty() {
                    chosen.push(labels[0]);
                }
                text.push_str(&budget(&format!("b{i}"), bounds[bound], &match_labels(&chosen)));
                text.push_str("---\n");
            }
            common::write(root, "all.yaml", text);
        };
        let dir = tempfile::tempdir().unwrap();
        write_all(dir.path(), None);
        let before = upgrade_findings(dir.path());
        write_all(dir.path(), Some(target % workloads.len()));
        let after = upgrade_findings(dir.path());
        prop_assert_eq!(before, after);
    }
}

/// A node pool definition scanned with the manifests sets the drain timeout KH707 judges
/// grace periods against: the shortest of the pools, named and pointed at; without one,
/// AKS's default of 30 minutes.
#[test]
fn a_scanned_node_pool_sets_the_drain_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let db = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n  namespace: shop\nspec:\n  serviceName: db\n  replicas: 3\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      terminationGracePeriodSeconds: 1500\n      containers:\n        - name: db\n          image: example.azurecr.io/db:15.4\n";
    common::write(root, "k8s/db.yaml", db);
    let pools = |system: &str, user: &str| {
        format!(
            "resource aks 'Microsoft.ContainerService/managedClusters@2025-05-01' = {{\n  name: 'aks'\n  location: 'westeurope'\n  properties: {{\n    kubernetesVersion: '1.33'\n    agentPoolProfiles: [\n      {{\n        name: 'system'\n        mode: 'System'\n        count: 3\n        upgradeSettings: {{\n          maxSurge: '33%'\n{system}        }}\n      }}\n      {{\n        name: 'user'\n        mode: 'User'\n        count: 3\n        upgradeSettings: {{\n          maxSurge: '33%'\n{user}        }}\n      }}\n    ]\n  }}\n}}\n"
        )
    };
    let kh707 = |root: &Path| -> Vec<(String, u32, String)> {
        upgrade_findings(root)
            .into_iter()
            .filter(|f| f.2 == "KH707")
            .collect()
    };
    // 1500 s is under the default 30 minutes.
    assert_eq!(kh707(root), vec![]);
    // A pool that drains in 20 minutes: the grace period no longer fits.
    common::write(
        root,
        "infra/aks.bicep",
        pools(
            "          drainTimeoutInMinutes: 60\n",
            "          drainTimeoutInMinutes: 20\n",
        ),
    );
    assert_eq!(
        kh707(root),
        vec![("k8s/db.yaml".to_string(), 15, "KH707".to_string())]
    );
    let result = scan(&ScanOptions {
        paths: vec![root.to_path_buf()],
        rules: vec![keelhaul::rules::find("KH707").unwrap()],
        excerpts: false,
        ..ScanOptions::default()
    })
    .unwrap();
    let f = &result.findings[0];
    assert!(
        f.message.contains("20 minutes") && f.message.contains("node pool \"user\""),
        "{}",
        f.message
    );
    assert_eq!(f.related.len(), 1);
    assert_eq!(
        f.related[0].span.start.line, 22,
        "the user pool's drainTimeoutInMinutes"
    );
    // Both pools long enough.
    common::write(
        root,
        "infra/aks.bicep",
        pools(
            "          drainTimeoutInMinutes: 60\n",
            "          drainTimeoutInMinutes: 45\n",
        ),
    );
    assert_eq!(kh707(root), vec![]);
}

/// The KH712 findings of `keelhaul scan --diff HEAD` in `dir`, as (file, line, message).
fn skips_under_diff(dir: &Path) -> Vec<(String, u64, String)> {
    let out = common::keelhaul_in(dir)
        .args([
            "scan",
            ".",
            "--diff",
            "HEAD",
            "--select",
            "KH712",
            "--as-of",
            "2026-12-01",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report = common::json_of(&out);
    let mut found: Vec<(String, u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("./")
                    .to_string(),
                f["start"]["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

const BICEP_CLUSTER: &str =
    "resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {
  name: 'prod'
  location: 'westeurope'
  properties: {
    kubernetesVersion: 'VERSION'
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        count: 3
        orchestratorVersion: 'POOL'
      }
    ]
  }
}
";

const TF_POOL: &str = r#"resource "azurerm_kubernetes_cluster_node_pool" "user" {
  name                  = "user"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.prod.id
  vm_size               = "Standard_D4s_v5"
  node_count            = 3
  orchestrator_version  = "POOL"
}
"#;

#[test]
fn a_version_change_under_diff_is_judged_as_the_upgrade_it_asks_for() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let bicep = |cp: &str, pool: &str| BICEP_CLUSTER.replace("VERSION", cp).replace("POOL", pool);
    common::write(root, "infra/aks.bicep", bicep("1.30.5", "1.30.5"));
    common::write(root, "infra/pools.tf", TF_POOL.replace("POOL", "1.30"));
    common::git_commit_all(root);

    // One minor at a time: nothing to say.
    common::write(root, "infra/aks.bicep", bicep("1.31.2", "1.31.2"));
    common::write(root, "infra/pools.tf", TF_POOL.replace("POOL", "1.31"));
    assert_eq!(skips_under_diff(root), vec![]);

    // 1.30 to 1.32 skips 1.31 (the base had 1.30, the working tree 1.32), the control plane
    // on its line 5, the pool on its line 11; the Terraform pool on its line 6.
    common::write(root, "infra/aks.bicep", bicep("1.32.1", "1.32.1"));
    common::write(root, "infra/pools.tf", TF_POOL.replace("POOL", "1.33"));
    let found = skips_under_diff(root);
    let lines: Vec<(&str, u64)> = found.iter().map(|(f, l, _)| (f.as_str(), *l)).collect();
    assert_eq!(
        lines,
        vec![
            ("infra/aks.bicep", 5),
            ("infra/aks.bicep", 11),
            ("infra/pools.tf", 6)
        ],
        "{found:#?}"
    );
    assert!(
        found[0]
            .2
            .contains("from 1.30 at HEAD (line 5 there) to 1.32, skipping 1.31"),
        "{}",
        found[0].2
    );
    assert!(
        found[2].2.contains("skipping 1.31, 1.32") && found[2].2.contains("node pool \"user\""),
        "{}",
        found[2].2
    );

    // Without --diff the same files pin no earlier version: no finding.
    let out = common::keelhaul_in(root)
        .args(["scan", ".", "--select", "KH712", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        common::json_of(&out)["findings"].as_array().unwrap().len(),
        0
    );

    // A file new since the base has nothing to compare with.
    common::write(root, "infra/new.bicep", bicep("1.33.0", "1.33.0"));
    assert_eq!(skips_under_diff(root).len(), 3);
}
