//! Custom rules (`rules.custom` in `.keelhaul.yaml`): CEL expressions a team writes like
//! ValidatingAdmissionPolicy validations, run like keelhaul's own rules: findings on the
//! field the expression reads, selection, suppressions, baselines, `keelhaul rules` and
//! SARIF; a broken rule stops the run with its `file:line:col`.

mod common;

use std::path::Path;

use common::{json_of, keelhaul_in, rules_json, write};
use predicates::str::contains;
use tempfile::TempDir;

const CONFIG: &str = r#"rules:
  custom:
    - id: ACME001
      match: {apiGroups: ["apps"], kinds: ["Deployment", "StatefulSet"]}
      expression: "object.spec.template.spec.containers.all(c, c.image.startsWith('acme.azurecr.io/'))"
      message: "images come from the company registry"
      severity: error
    - id: ACME002
      match: {apiGroups: ["apps"], kinds: ["*"]}
      expression: "object.spec.replicas <= 3"
      message: "at most 3 replicas"
    - id: ACME003
      match: {apiGroups: [""], kinds: ["ConfigMap"]}
      expression: "object.data.size() > 0"
      message: "config maps hold data"
      severity: note
"#;

/// Line 6: `replicas:`; line 9: `containers:`; the ConfigMap's `kind:` is on line 14.
const MANIFEST: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 5
  template:
    spec:
      containers:
        - name: app
          image: docker.io/nginx:1.25
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
";

/// A repository (its `.git` stops the search for a configuration) with `config` and
/// `manifest` as `k8s/app.yaml`.
fn repo(config: &str, manifest: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    write(dir.path(), ".keelhaul.yaml", config);
    write(dir.path(), "k8s/app.yaml", manifest);
    dir
}

/// The custom findings of a JSON scan of `k8s`: (rule, line, column, severity, message).
fn custom_findings(dir: &Path, args: &[&str]) -> Vec<(String, u64, u64, String, String)> {
    let out = keelhaul_in(dir)
        .args(["scan", "k8s", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let report = json_of(&out);
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["rule"].as_str().unwrap().starts_with("KH"))
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
                f["start"]["column"].as_u64().unwrap(),
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn rules_of(found: &[(String, u64, u64, String, String)]) -> Vec<&str> {
    found.iter().map(|f| f.0.as_str()).collect()
}

#[test]
fn a_custom_rule_finds_on_the_field_its_expression_reads() {
    let dir = repo(CONFIG, MANIFEST);
    let found = custom_findings(dir.path(), &[]);
    assert_eq!(
        found,
        [
            (
                "ACME002".to_string(),
                6,
                3,
                "warning".to_string(),
                "at most 3 replicas".to_string()
            ),
            (
                "ACME001".to_string(),
                9,
                7,
                "error".to_string(),
                "images come from the company registry".to_string()
            ),
            (
                "ACME003".to_string(),
                14,
                1,
                "note".to_string(),
                "the expression of custom rule ACME003 could not be evaluated on this object: no such key: data; the object is not judged by it".to_string()
            ),
        ]
    );
}

#[test]
fn objects_that_pass_or_do_not_match_have_no_finding() {
    let passing = MANIFEST
        .replace("docker.io/nginx", "acme.azurecr.io/nginx")
        .replace("replicas: 5", "replicas: 2")
        .replace("name: settings\n", "name: settings\ndata: {a: b}\n");
    let dir = repo(CONFIG, &passing);
    assert_eq!(custom_findings(dir.path(), &[]), []);
    // ACME001 and ACME002 match only the apps group.
    let core = MANIFEST
        .replace("apps/v1", "v1")
        .replace("Deployment", "Pod");
    let dir = repo(CONFIG, &core);
    assert_eq!(rules_of(&custom_findings(dir.path(), &[])), ["ACME003"]);
}

#[test]
fn a_suppression_comment_names_a_custom_rule() {
    let commented = MANIFEST.replace(
        "      containers:\n",
        "      # keelhaul:ignore ACME001 -- the mirror is vetted\n      containers:\n",
    );
    let dir = repo(CONFIG, &commented);
    let out = keelhaul_in(dir.path())
        .args(["scan", "k8s", "--format", "json"])
        .output()
        .unwrap();
    let report = json_of(&out);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.contains(&"ACME001"), "{rules:?}");
    // Not an unknown rule (KH008), not unused (KH009).
    assert!(
        !rules.contains(&"KH008") && !rules.contains(&"KH009"),
        "{rules:?}"
    );
    assert_eq!(report["summary"]["suppressed"], 1);
    // An annotation on the object, too.
    let annotated = MANIFEST.replace(
        "  name: settings\n",
        "  name: settings\n  annotations:\n    keelhaul.dev/ignore: \"ACME003 -- generated empty\"\n",
    );
    let dir = repo(CONFIG, &annotated);
    let found = custom_findings(dir.path(), &[]);
    assert_eq!(rules_of(&found), ["ACME002", "ACME001"]);
}

#[test]
fn custom_rules_are_selected_ignored_and_set_like_built_in_ones() {
    let dir = repo(CONFIG, MANIFEST);
    let ignored = custom_findings(dir.path(), &["--ignore", "ACME001"]);
    assert_eq!(rules_of(&ignored), ["ACME002", "ACME003"]);
    let selected = custom_findings(dir.path(), &["--select", "acme002"]);
    assert_eq!(rules_of(&selected), ["ACME002"]);
    let tagged = custom_findings(dir.path(), &["--ignore", "custom"]);
    assert!(tagged.is_empty(), "{tagged:?}");
    let set = CONFIG.replace("rules:\n", "rules:\n  ACME001: off\n  ACME002: error\n");
    let dir = repo(&set, MANIFEST);
    let found = custom_findings(dir.path(), &[]);
    assert_eq!(rules_of(&found), ["ACME002", "ACME003"]);
    assert_eq!(found[0].3, "error");
}

#[test]
fn a_baseline_records_custom_findings() {
    let dir = repo(CONFIG, MANIFEST);
    keelhaul_in(dir.path())
        .args(["scan", "k8s", "--write-baseline", "base.json"])
        .assert()
        .code(0);
    let base = std::fs::read_to_string(dir.path().join("base.json")).unwrap();
    assert!(base.contains("ACME001"), "{base}");
    let found = custom_findings(dir.path(), &["--baseline", "base.json"]);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn keelhaul_rules_lists_custom_rules() {
    let dir = repo(CONFIG, MANIFEST);
    keelhaul_in(dir.path())
        .arg("rules")
        .assert()
        .code(0)
        .stdout(contains("KH101"))
        .stdout(contains("ACME001"))
        .stdout(contains("images come from the company registry"));
    let out = keelhaul_in(dir.path())
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let list = json_of(&out);
    let acme = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ACME001")
        .expect("ACME001 listed");
    assert_eq!(acme["family"], "custom");
    assert_eq!(acme["severity"], "error");
    assert_eq!(
        acme["expression"],
        "object.spec.template.spec.containers.all(c, c.image.startsWith('acme.azurecr.io/'))"
    );
    keelhaul_in(dir.path())
        .args(["explain", "ACME001"])
        .assert()
        .code(0)
        .stdout(contains("acme.azurecr.io/"));
}

#[test]
fn sarif_describes_custom_rules_with_their_expression() {
    let dir = repo(CONFIG, MANIFEST);
    let out = keelhaul_in(dir.path())
        .args(["scan", "k8s", "--format", "sarif"])
        .output()
        .unwrap();
    let sarif = json_of(&out);
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let (index, acme) = rules
        .iter()
        .enumerate()
        .find(|(_, r)| r["id"] == "ACME001")
        .expect("a descriptor for ACME001");
    assert_eq!(
        acme["help"]["text"],
        "object.spec.template.spec.containers.all(c, c.image.startsWith('acme.azurecr.io/'))"
    );
    assert_eq!(
        acme["shortDescription"]["text"],
        "images come from the company registry"
    );
    assert!(acme.get("helpUri").is_none(), "{acme}");
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "ACME001")
        .expect("a result of ACME001");
    assert_eq!(result["ruleIndex"], index);
}

/// A configuration refused before scanning, with this text on standard error.
fn refused(config: &str, expected: &str) {
    let dir = repo(config, MANIFEST);
    keelhaul_in(dir.path())
        .args(["scan", "k8s", "--format", "json"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains(expected));
}

#[test]
fn broken_custom_rules_stop_the_run_with_their_place() {
    let broken = CONFIG.replace("object.spec.replicas <= 3", "object.spec.replicas <= (3");
    // The end of the expression, where the ')' is missing.
    refused(
        &broken,
        ".keelhaul.yaml:10:46: rules.custom.ACME002.expression: the expression does not compile",
    );
    // The ')' that does not belong, 24 bytes into the expression (which starts on column 20).
    let broken = CONFIG.replace("object.spec.replicas <= 3", "object.spec.replicas <= ) 3");
    refused(
        &broken,
        ".keelhaul.yaml:10:44: rules.custom.ACME002.expression: the expression does not compile",
    );
    refused(
        &CONFIG.replace("id: ACME002", "id: KH002"),
        ".keelhaul.yaml:8:11: rules.custom[].id: \"KH002\": ids starting with KH are keelhaul's own",
    );
    refused(
        &CONFIG.replace("id: ACME002", "id: acme001"),
        ".keelhaul.yaml:8:11: rules.custom.acme001: this id is given to another custom rule above",
    );
    refused(
        &CONFIG.replace("      message: \"at most 3 replicas\"\n", ""),
        ".keelhaul.yaml:8:7: rules.custom.ACME002.message: required",
    );
}

#[test]
fn a_compile_error_in_a_literal_block_is_placed_on_its_line() {
    // `expression: |` on line 10: the text starts on line 11, column 9; the `)` that does
    // not belong is on line 12, after `<= ` and two spaces of extra indentation.
    let block = CONFIG.replace(
        "expression: \"object.spec.replicas <= 3\"",
        "expression: |\n        object.spec.replicas\n          <= ) 3",
    );
    refused(
        &block,
        ".keelhaul.yaml:12:14: rules.custom.ACME002.expression: the expression does not compile",
    );
    // On the block's first line: the column is counted from the text's indentation.
    let first = CONFIG.replace(
        "expression: \"object.spec.replicas <= 3\"",
        "expression: |\n        object.spec.replicas <= ) 3\n",
    );
    refused(
        &first,
        ".keelhaul.yaml:11:33: rules.custom.ACME002.expression: the expression does not compile",
    );
    // A folded block joins its lines: the place is where the expression starts.
    let folded = block.replace("expression: |", "expression: >");
    refused(
        &folded,
        ".keelhaul.yaml:11:9: rules.custom.ACME002.expression: the expression does not compile",
    );
}

/// `(id, slug)` of the custom rules `keelhaul rules --format json` lists with `config`.
fn slugs(config: &str) -> Vec<(String, String)> {
    let dir = repo(config, MANIFEST);
    rules_json(keelhaul_in(dir.path()))
        .iter()
        .filter(|r| r["family"] == "custom")
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["slug"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_custom_rule_has_a_slug_of_its_own() {
    // Made from the message when no name is given.
    assert_eq!(
        slugs(CONFIG),
        [
            (
                "ACME001".to_string(),
                "images-come-from-the-company-registry".to_string()
            ),
            ("ACME002".to_string(), "at-most-3-replicas".to_string()),
            ("ACME003".to_string(), "config-maps-hold-data".to_string()),
        ]
    );
    // A name wins; a message slug another rule has is numbered.
    let named = CONFIG
        .replace(
            "    - id: ACME001\n",
            "    - id: ACME001\n      name: registry-images\n",
        )
        .replace("config maps hold data", "at most 3 replicas");
    assert_eq!(
        slugs(&named),
        [
            ("ACME001".to_string(), "registry-images".to_string()),
            ("ACME002".to_string(), "at-most-3-replicas".to_string()),
            ("ACME003".to_string(), "at-most-3-replicas-2".to_string()),
        ]
    );
    let dir = repo(&named, MANIFEST);
    // Text output, `rules`, SARIF and `explain` show the slug, never the id twice.
    let text = keelhaul_in(dir.path())
        .args(["scan", "k8s", "--fail-on", "never"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(text.contains("registry-images"), "{text}");
    assert!(!text.contains("ACME001 ACME001"), "{text}");
    let listed = keelhaul_in(dir.path()).arg("rules").output().unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout).to_string();
    assert!(
        listed
            .lines()
            .any(|l| l.contains("ACME001") && l.contains("registry-images")),
        "{listed}"
    );
    let out = keelhaul_in(dir.path())
        .args(["scan", "k8s", "--format", "sarif"])
        .output()
        .unwrap();
    let sarif = json_of(&out);
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let acme = rules.iter().find(|r| r["id"] == "ACME001").unwrap();
    assert_eq!(acme["name"], "registry-images");
    keelhaul_in(dir.path())
        .args(["explain", "registry-images"])
        .assert()
        .code(0)
        .stdout(contains("# ACME001 registry-images"));
    // The slug selects the rule like its id.
    let found = custom_findings(dir.path(), &["--ignore", "registry-images"]);
    assert!(!rules_of(&found).contains(&"ACME001"), "{found:?}");
}

#[test]
fn a_bad_or_taken_name_stops_the_run_with_its_place() {
    let with_name = |name: &str| {
        CONFIG.replace(
            "    - id: ACME002\n",
            &format!("    - id: ACME002\n      name: {name}\n"),
        )
    };
    refused(
        &with_name("At_Most"),
        ".keelhaul.yaml:9:13: rules.custom.ACME002.name: \"At_Most\" is not a rule name",
    );
    refused(
        &with_name("privileged"),
        ".keelhaul.yaml:9:13: rules.custom.ACME002.name: \"privileged\" already names a rule",
    );
    refused(
        &with_name("acme003"),
        ".keelhaul.yaml:9:13: rules.custom.ACME002.name: \"acme003\" already names a rule",
    );
}

#[test]
fn an_expression_keelhaul_cannot_evaluate_is_said_once() {
    let config = "rules:\n  custom:\n    - id: ACME009\n      expression: \"object.metadata.name.size() < semver('1.2.3').major()\"\n      message: m\n";
    let dir = repo(config, MANIFEST);
    let out = keelhaul_in(dir.path())
        .args(["scan", "k8s", "--format", "json"])
        .output()
        .unwrap();
    let report = json_of(&out);
    let notices = report["notices"].to_string();
    assert!(
        notices.contains("custom rule ACME009 is not evaluated") && notices.contains("semver"),
        "{notices}"
    );
    let rules = report["findings"].to_string();
    assert!(!rules.contains("ACME009"), "{rules}");
}

#[test]
fn an_expression_that_blows_up_is_a_finding_on_the_object() {
    // Ten to the seventh steps: past the cost limit on every object.
    let mut expression = "true".to_string();
    for v in ["a", "b", "c", "d", "e", "f", "g"] {
        expression = format!("[0,1,2,3,4,5,6,7,8,9].all({v}, {expression})");
    }
    let config = format!(
        "rules:\n  custom:\n    - id: ACME010\n      match: {{kinds: [ConfigMap]}}\n      expression: \"{expression}\"\n      message: m\n"
    );
    let dir = repo(&config, MANIFEST);
    let found = custom_findings(dir.path(), &[]);
    assert_eq!(found.len(), 1, "{found:?}");
    let (rule, line, _, severity, message) = &found[0];
    assert_eq!(
        (rule.as_str(), *line, severity.as_str()),
        ("ACME010", 14, "warning")
    );
    assert!(
        message.contains("could not be evaluated on this object: it exceeds the cost limit"),
        "{message}"
    );
}

#[test]
fn a_custom_rule_never_judges_a_secret_by_its_values() {
    // A configuration the pull request wrote: which rules fail would tell the value.
    let config = r#"rules:
  custom:
    - id: LEAK001
      match: {apiGroups: [""], kinds: ["Secret"]}
      expression: "!object.data.password.startsWith('aHVudGVy')"
      message: "starts with hunter"
    - id: LEAK002
      match: {apiGroups: [""], kinds: ["Secret"]}
      expression: "has(object.type)"
      message: "a Secret has a type"
"#;
    let secret =
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: aHVudGVyMg==\n";
    let d = repo(config, secret);
    let out = keelhaul_in(d.path())
        .args([
            "scan",
            "k8s",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--select",
            "custom",
        ])
        .output()
        .unwrap();
    let report = json_of(&out);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    // The rule that reads no value judges the Secret (it has no type); the other does not.
    assert_eq!(rules, ["LEAK002"], "{report}");
}
