//! SARIF and GitHub Actions output: every SARIF the suite produces validates against the
//! OASIS 2.1.0 schema (vendored in tests/data) and meets what GitHub code scanning requires;
//! workflow commands are escaped and ordered; the job summary and step outputs are written.

mod common;

use common::{json_of, keelhaul, keelhaul_in};
use serde_json::Value;

fn schema() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(common::root().join("tests/data/sarif-schema-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

/// Schema errors plus GitHub's requirements (docs: SARIF support for code scanning).
fn problems(sarif: &Value) -> Vec<String> {
    let mut out: Vec<String> = schema()
        .iter_errors(sarif)
        .map(|e| format!("schema: {e} at {}", e.instance_path()))
        .collect();
    let runs = sarif["runs"].as_array().expect("runs");
    if runs.len() != 1 {
        out.push(format!("{} runs, expected one", runs.len()));
    }
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    for k in ["name", "version", "semanticVersion"] {
        if driver[k].as_str().is_none_or(str::is_empty) {
            out.push(format!("driver.{k} missing"));
        }
    }
    let rules = driver["rules"].as_array().expect("rules");
    for r in rules {
        let id = r["id"].as_str().unwrap_or("?");
        for k in ["shortDescription", "fullDescription", "help"] {
            let t = r[k]["text"].as_str().unwrap_or("");
            if t.is_empty() {
                out.push(format!("{id}: {k}.text missing"));
            }
            if k != "help" && t.len() > 1024 {
                out.push(format!("{id}: {k}.text over 1024 bytes"));
            }
        }
        if r["help"]["markdown"].as_str().is_none_or(str::is_empty) {
            out.push(format!("{id}: help.markdown missing"));
        }
        let tags = r["properties"]["tags"].as_array().map_or(0, Vec::len);
        if tags == 0 || tags >= 10 {
            out.push(format!("{id}: {tags} tags"));
        }
        if let Some(s) = r["properties"].get("security-severity") {
            let v: f64 = s.as_str().and_then(|s| s.parse().ok()).unwrap_or(-1.0);
            if !(v > 0.0 && v <= 10.0) {
                out.push(format!("{id}: security-severity {s}"));
            }
        }
    }
    for (i, res) in run["results"]
        .as_array()
        .expect("results")
        .iter()
        .enumerate()
    {
        let id = res["ruleId"].as_str().unwrap_or("?");
        let index = res["ruleIndex"].as_u64().map(|i| i as usize);
        if index.and_then(|i| rules.get(i)).map(|r| &r["id"]) != Some(&res["ruleId"]) {
            out.push(format!("result {i}: ruleIndex disagrees with {id}"));
        }
        let locs = res["locations"].as_array().map_or(0, Vec::len);
        if locs != 1 {
            out.push(format!("result {i}: {locs} locations"));
        }
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap_or("");
        if uri.starts_with('/') || uri.contains('\\') || uri.contains("..") {
            out.push(format!(
                "result {i}: uri {uri:?} is not repository-relative"
            ));
        }
        if loc["artifactLocation"]["uriBaseId"] != "%SRCROOT%" {
            out.push(format!("result {i}: no %SRCROOT% base"));
        }
        let reg = &loc["region"];
        let n = |k: &str| reg[k].as_u64().unwrap_or(0);
        if n("startLine") < 1 || n("startColumn") < 1 || n("endLine") < n("startLine") {
            out.push(format!("result {i}: region {reg}"));
        }
        if n("endLine") == n("startLine") && n("endColumn") <= n("startColumn") {
            out.push(format!("result {i}: empty region {reg}"));
        }
        if res["message"]["text"].as_str().is_none_or(str::is_empty) {
            out.push(format!("result {i}: no message"));
        }
    }
    out
}

fn sarif_of(args: &[&str]) -> Value {
    let out = keelhaul()
        .args(["scan", "--format", "sarif"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json_of(&out)
}

#[test]
fn examples_sarif_is_valid_and_complete() {
    let sarif = sarif_of(&["testdata/examples", "--sarif-category", "keelhaul"]);
    let p = problems(&sarif);
    assert!(p.is_empty(), "{}", p.join("\n"));
    let run = &sarif["runs"][0];
    assert_eq!(run["automationDetails"]["id"], "keelhaul/");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(
        run["tool"]["driver"]["rules"].as_array().unwrap().len(),
        keelhaul::rules::all().len()
    );
    // The same findings as the JSON report, on the same lines.
    let json = json_of(
        &keelhaul()
            .args(["scan", "--format", "json", "testdata/examples"])
            .output()
            .unwrap(),
    );
    let from_json: Vec<(String, u64, u64)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
                f["start"]["column"].as_u64().unwrap(),
            )
        })
        .collect();
    let from_sarif: Vec<(String, u64, u64)> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let l = &r["locations"][0]["physicalLocation"];
            (
                l["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                l["region"]["startLine"].as_u64().unwrap(),
                l["region"]["startColumn"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(from_json, from_sarif);
    // A fix travels as a SARIF fix.
    let fixes: Vec<&Value> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("fixes").is_some())
        .collect();
    assert_eq!(
        fixes.len(),
        3,
        "the three pure renames of deprecated-apis.yaml"
    );
    let change = &fixes[0]["fixes"][0]["artifactChanges"][0];
    assert_eq!(
        change["artifactLocation"]["uri"],
        "testdata/examples/deprecated-apis.yaml"
    );
    assert_eq!(
        change["replacements"][0]["insertedContent"]["text"],
        "batch/v1"
    );
    // Security rules have a security severity; input and lifecycle rules do not.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let rule = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap();
    assert_eq!(rule("KH101")["properties"]["security-severity"], "9.1");
    assert!(
        rule("KH501")["properties"]
            .get("security-severity")
            .is_none()
    );
    assert!(
        rule("KH001")["properties"]
            .get("security-severity")
            .is_none()
    );
    assert!(
        rule("KH501")["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("| batch/v1beta1 | CronJob |")
    );
}

#[test]
fn every_fixture_gives_valid_sarif() {
    let sarif = sarif_of(&["testdata"]);
    let p = problems(&sarif);
    assert!(p.is_empty(), "{}", p.join("\n"));
    assert!(sarif["runs"][0]["results"].as_array().unwrap().len() > 300);
    // No category: no automation details (upload-sarif's category input then applies).
    assert!(sarif["runs"][0].get("automationDetails").is_none());
}

/// Fingerprints are GitHub's line hash of the finding's start line, computed independently
/// here from the file; they do not move when lines are inserted above.
#[test]
fn fingerprints_follow_the_code() {
    let dir = tempfile::tempdir().unwrap();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext:\n      privileged: true\n";
    std::fs::write(dir.path().join("pod.yaml"), pod).unwrap();
    let hash_of = |sarif: &Value| -> (u64, String) {
        let r = sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == "KH101")
            .unwrap()
            .clone();
        (
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap(),
            r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap()
                .to_string(),
        )
    };
    let scan = || {
        let out = keelhaul_in(dir.path())
            .env("GITHUB_WORKSPACE", dir.path())
            .args(["scan", "--format", "sarif", "pod.yaml"])
            .output()
            .unwrap();
        json_of(&out)
    };
    let first = scan();
    assert!(problems(&first).is_empty(), "{:?}", problems(&first));
    let (line, hash) = hash_of(&first);
    assert_eq!(line, 10);
    assert_eq!(hash, keelhaul::finding::fingerprint::line_hashes(pod)[9]);
    assert_eq!(
        first["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "pod.yaml"
    );
    std::fs::write(dir.path().join("pod.yaml"), format!("# a comment\n\n{pod}")).unwrap();
    let (moved, same) = hash_of(&scan());
    assert_eq!((moved, same), (12, hash));
}

#[test]
fn github_annotations_are_escaped_and_most_severe_first() {
    let mut pods = String::new();
    for i in 0..12 {
        pods.push_str(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"p{i}, 100%\"\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext:\n      privileged: true\n---\n"
        ));
    }
    let out = keelhaul()
        .args(["scan", "-", "--format", "github", "--select", "KH101,KH106"])
        .write_stdin(pods.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with(
            "::error file=<stdin>,line=10,endLine=10,col=19,endColumn=23,title=KH101 privileged::"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains("p0%2C 100%25") || lines[0].contains("p0, 100%25"),
        "{}",
        lines[0]
    );
    let kinds: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("::").and_then(|l| l.split(' ').next()))
        .collect();
    let first_warning = kinds.iter().position(|k| *k == "warning").unwrap();
    assert!(kinds[..first_warning].iter().all(|k| *k == "error"));
    assert!(kinds[first_warning..].iter().all(|k| *k == "warning"));
    assert!(
        text.contains("not displayed as annotations: 2 error(s), 2 warning(s), 0 note(s)"),
        "{text}"
    );
    // No job summary or SARIF report was written: the last line names none.
    assert!(
        text.trim_end().ends_with("(all are listed above)"),
        "{text}"
    );

    // With a SARIF file, in an Actions step with a job summary, it names both.
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("k.sarif");
    let out = keelhaul()
        .args([
            "scan",
            "-",
            "--format",
            "github",
            "--select",
            "KH101,KH106",
            "--sarif",
        ])
        .arg(&sarif)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", dir.path().join("summary.md"))
        .write_stdin(pods)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.trim_end()
            .ends_with("(all are listed above, in the job summary and in the SARIF report)"),
        "{text}"
    );
}

#[test]
fn step_summary_and_outputs_in_actions() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let outputs = dir.path().join("output.txt");
    let sarif = dir.path().join("k.sarif");
    std::fs::write(&outputs, "earlier=1\n").unwrap();
    keelhaul()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_SERVER_URL", "https://github.example")
        .env("GITHUB_REPOSITORY", "acme/k8s")
        .env("GITHUB_SHA", "abc123")
        .env("GITHUB_WORKSPACE", common::root())
        .args(["scan", "testdata/examples", "--format", "github", "--sarif"])
        .arg(&sarif)
        .assert()
        .code(1);
    let out = std::fs::read_to_string(&outputs).unwrap();
    assert!(
        out.starts_with("earlier=1\nfindings="),
        "appended, not replaced: {out}"
    );
    assert!(out.contains("\nerrors="), "{out}");
    assert!(
        out.contains(&format!("sarif-file={}\n", sarif.display())),
        "{out}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("## keelhaul: "), "{md}");
    assert!(md.contains("| `KH501` | api-removed | error | 5 |"), "{md}");
    assert!(
        md.contains("(https://github.example/acme/k8s/blob/abc123/testdata/examples/deprecated-apis.yaml#L35)"),
        "{md}"
    );
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert!(problems(&written).is_empty());
    // Outside Actions nothing is written there.
    std::fs::remove_file(&summary).unwrap();
    keelhaul()
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["scan", "testdata/examples", "--format", "json"])
        .assert()
        .code(1);
    assert!(!summary.exists());
}

/// The checks above can fail: a region at column 0, a rule without help and a result whose
/// index names another rule are each caught.
#[test]
fn the_validation_catches_broken_sarif() {
    let good = sarif_of(&["testdata/examples/deprecated-apis.yaml"]);
    assert!(problems(&good).is_empty());
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] =
        0.into();
    assert!(
        problems(&bad).iter().any(|p| p.starts_with("schema:")),
        "{:?}",
        problems(&bad)
    );
    let mut bad = good.clone();
    bad["runs"][0]["tool"]["driver"]["rules"][3]["help"] = serde_json::json!({});
    assert!(!problems(&bad).is_empty());
    let mut bad = good;
    bad["runs"][0]["results"][0]["ruleIndex"] = 0.into();
    assert!(problems(&bad).iter().any(|p| p.contains("ruleIndex")));
}

/// The streamed log is the model's log: results spliced into the frame in order.
#[test]
fn streamed_sarif_equals_the_whole_model() {
    let opts = keelhaul::pipeline::ScanOptions {
        paths: vec![common::root().join("testdata")],
        excerpts: false,
        fingerprints: true,
        ..keelhaul::pipeline::ScanOptions::default()
    };
    let result = keelhaul::pipeline::scan(&opts).unwrap();
    assert!(result.findings.len() > 512, "more than one chunk");
    let root = common::root();
    let rules = keelhaul::rules::docs(&[]);
    let sopts = keelhaul::report::sarif::SarifOptions {
        root,
        category: Some("c"),
        rules: &rules,
    };
    let mut streamed = Vec::new();
    keelhaul::report::sarif::write_sarif(&result, &sopts, &mut streamed).unwrap();
    let streamed: Value = serde_json::from_slice(&streamed).unwrap();
    let whole = serde_json::to_value(keelhaul::report::sarif::sarif(&result, &sopts)).unwrap();
    assert_eq!(streamed, whole);
}
