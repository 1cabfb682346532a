//! The reports for CI systems other than GitHub, checked against the published formats:
//! - `--junit FILE` against the Apache Ant JUnit schema (tests/data/schemas/JUnit.xsd) with
//!   xmllint, and against the findings it reports;
//! - `--format gitlab` against the Code Quality report's schema
//!   (tests/data/schemas/gitlab-code-quality.schema.json, written from GitLab's documentation);
//! - `--format azure`, line by line, against the grammar of Azure Pipelines logging commands;
//! - the job definitions of docs/azure-pipelines.yml and docs/gitlab-ci.yml: they parse, their
//!   pages show them unchanged, their `keelhaul` command lines run (on a copy of
//!   testdata/examples) and write the reports their publishing steps name.
//!
//! Without xmllint (Debian package libxml2-utils) the XML checks say they are skipped, and fail
//! when `CI=true`; .ci/run installs it.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{json_of, keelhaul, keelhaul_in, rules_json};
use serde_json::Value;

const ALL_FILES: &str = "(all files)";

// ---------------------------------------------------------------------------------------
// Validators
// ---------------------------------------------------------------------------------------

/// Without xmllint the schema check cannot run: it says so, and fails in CI.
fn cannot_run(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why}: the JUnit report cannot be checked against its schema, and CI=true");
    }
    eprintln!("SKIPPED {}: {why}", module_path!());
}

fn xmllint_on_path() -> bool {
    Command::new("xmllint")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Validates `file` against the JUnit schema with xmllint (or says why it cannot).
fn assert_valid_junit(file: &Path) {
    if !xmllint_on_path() {
        cannot_run("xmllint is not installed (Debian package libxml2-utils)");
        return;
    }
    let schema = common::root().join("tests/data/schemas/JUnit.xsd");
    let out = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} does not validate against JUnit.xsd:\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn gitlab_schema() -> jsonschema::Validator {
    let path = common::root().join("tests/data/schemas/gitlab-code-quality.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .expect("the Code Quality schema compiles")
}

/// Schema errors, and fingerprints that are not unique (GitLab shows issues that share one as
/// one issue).
fn gitlab_problems(report: &Value) -> Vec<String> {
    let mut out: Vec<String> = gitlab_schema()
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    let mut seen = BTreeSet::new();
    for issue in report.as_array().into_iter().flatten() {
        let fp = issue["fingerprint"].as_str().unwrap_or_default();
        if !seen.insert(fp) {
            out.push(format!("fingerprint {fp} is not unique"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Reading the JUnit report back
// ---------------------------------------------------------------------------------------

/// The attributes of the element that starts `tag` (`<testcase a="1" ...`), unescaped.
fn attributes(tag: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq].rsplit(' ').next().unwrap().to_string();
        let value_start = eq + 2;
        let end = value_start + rest[value_start..].find('"').unwrap();
        out.insert(name, unescape(&rest[value_start..end]));
        rest = &rest[end + 1..];
        if rest.starts_with('>') || rest.starts_with("/>") {
            break;
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#9;", "\t")
        .replace("&#10;", "\n")
        .replace("&#13;", "\r")
        .replace("&amp;", "&")
}

#[derive(Debug)]
struct Case {
    rule: String,
    name: String,
    /// The failure's message and type.
    failure: Option<(String, String)>,
}

struct Junit {
    suite: BTreeMap<String, String>,
    cases: Vec<Case>,
    /// The text of the suite's system-out.
    system_out: String,
}

/// Reads the report keelhaul writes: one element start per line.
fn read_junit(text: &str) -> Junit {
    let suite_line = text
        .lines()
        .find(|l| l.starts_with("<testsuite "))
        .expect("a testsuite");
    let mut cases: Vec<Case> = Vec::new();
    for line in text.lines().map(str::trim_start) {
        if line.starts_with("<testcase ") {
            let a = attributes(line);
            cases.push(Case {
                rule: a["classname"].split(' ').next().unwrap().to_string(),
                name: a["name"].clone(),
                failure: None,
            });
        } else if line.starts_with("<failure ") {
            let a = attributes(line);
            cases.last_mut().expect("a failure in a test case").failure =
                Some((a["message"].clone(), a["type"].clone()));
        }
    }
    let system_out = text
        .split_once("<system-out>")
        .and_then(|(_, rest)| rest.split_once("</system-out>"))
        .map_or(String::new(), |(inner, _)| unescape(inner));
    Junit {
        suite: attributes(suite_line),
        cases,
        system_out,
    }
}

// ---------------------------------------------------------------------------------------
// The JUnit report of the examples
// ---------------------------------------------------------------------------------------

fn severity_rank(s: &str) -> u8 {
    match s {
        "note" => 1,
        "warning" => 2,
        "error" => 3,
        other => panic!("not a severity: {other}"),
    }
}

fn all_rule_ids() -> BTreeSet<String> {
    rules_json(keelhaul())
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// Scans the examples with `--format json --junit` and the extra flags; returns the JSON
/// report's findings and the JUnit report, after checking the latter against its schema.
fn scan_examples(extra: &[&str]) -> (Vec<Value>, Junit) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keelhaul-junit.xml");
    let out = keelhaul()
        .args(["scan", "testdata/examples", "--format", "json", "--junit"])
        .arg(&file)
        .args(extra)
        .output()
        .unwrap();
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_valid_junit(&file);
    let findings = json_of(&out)["findings"].as_array().unwrap().clone();
    (
        findings,
        read_junit(&std::fs::read_to_string(&file).unwrap()),
    )
}

/// Checks that the report says what the findings say, with `threshold` as --fail-on (None:
/// never) and `rules` the rules that ran.
fn assert_agrees(
    findings: &[Value],
    junit: &Junit,
    threshold: Option<u8>,
    rules: &BTreeSet<String>,
) {
    let fails =
        |f: &Value| threshold.is_some_and(|t| severity_rank(f["severity"].as_str().unwrap()) >= t);
    // (rule, file) -> the findings of the pair, in report order.
    let mut pairs: BTreeMap<(String, String), Vec<&Value>> = BTreeMap::new();
    for f in findings {
        let key = (
            f["rule"].as_str().unwrap().to_string(),
            f["file"].as_str().unwrap().to_string(),
        );
        pairs.entry(key).or_default().push(f);
    }
    let failing: BTreeMap<_, _> = pairs
        .iter()
        .filter(|(_, fs)| fs.iter().any(|f| fails(f)))
        .collect();
    let failing_rules: BTreeSet<&String> = failing.keys().map(|(r, _)| r).collect();

    let mut seen = BTreeSet::new();
    for c in &junit.cases {
        assert!(
            seen.insert((c.rule.clone(), c.name.clone())),
            "two cases {c:?}"
        );
        match &c.failure {
            None => {
                assert_eq!(c.name, ALL_FILES, "{c:?}");
                assert!(
                    !failing_rules.contains(&c.rule),
                    "{} fails somewhere, yet passes: {c:?}",
                    c.rule
                );
            }
            Some((message, kind)) => {
                let fs = failing
                    .get(&(c.rule.clone(), c.name.clone()))
                    .unwrap_or_else(|| panic!("a failing case without failing findings: {c:?}"));
                let first = fs.iter().find(|f| fails(f)).unwrap();
                let head = format!(
                    "{}:{}:{} {} {} ",
                    c.name,
                    first["start"]["line"],
                    first["start"]["column"],
                    first["severity"].as_str().unwrap(),
                    c.rule
                );
                assert!(
                    message.starts_with(&head),
                    "{message:?} does not start with {head:?}"
                );
                let worst = fs
                    .iter()
                    .map(|f| f["severity"].as_str().unwrap())
                    .max_by_key(|s| severity_rank(s))
                    .unwrap();
                assert_eq!(kind, worst);
            }
        }
    }
    let failing_cases = junit.cases.iter().filter(|c| c.failure.is_some()).count();
    assert_eq!(
        failing_cases,
        failing.len(),
        "one failing case per failing rule and file"
    );
    let case_rules: BTreeSet<String> = junit.cases.iter().map(|c| c.rule.clone()).collect();
    assert_eq!(
        &case_rules, rules,
        "every rule that ran, and no other, has a case"
    );
    assert_eq!(junit.suite["tests"], junit.cases.len().to_string());
    assert_eq!(junit.suite["failures"], failing_cases.to_string());
    assert_eq!(junit.suite["errors"], "0");
    assert_eq!(junit.suite["name"], "keelhaul");
    // What fails nothing, outside a failing case, is in system-out, one line each.
    let below: usize = pairs
        .iter()
        .filter(|(k, _)| !failing.contains_key(k))
        .map(|(_, fs)| fs.len())
        .sum();
    let listed = junit.system_out.lines().skip(1).count();
    assert_eq!(listed, below, "{}", junit.system_out);
    if below > 0 {
        let said = junit.system_out.split(' ').next().unwrap_or_default();
        assert_eq!(said, below.to_string(), "{}", junit.system_out);
    }
}

#[test]
fn junit_report_of_the_examples_is_valid_and_says_what_the_findings_say() {
    let (findings, junit) = scan_examples(&[]);
    assert!(findings.iter().any(|f| f["severity"] == "error"));
    assert!(findings.iter().any(|f| f["severity"] != "error"));
    assert_agrees(&findings, &junit, Some(3), &all_rule_ids());
    assert!(junit.cases.iter().any(|c| c.failure.is_some()));
    assert!(junit.cases.iter().any(|c| c.failure.is_none()));
    let head = junit.system_out.lines().next().unwrap_or_default();
    assert!(
        head.ends_with(" finding(s) below --fail-on error, which fail no test:"),
        "{head}"
    );
}

#[test]
fn junit_report_follows_fail_on_min_severity_and_the_rules_that_ran() {
    let rules = all_rule_ids();
    let (findings, junit) = scan_examples(&["--fail-on", "warning"]);
    assert_agrees(&findings, &junit, Some(2), &rules);
    assert_eq!(junit.suite.get("skipped").map(String::as_str), Some("0"));

    let (findings, junit) = scan_examples(&["--fail-on", "never"]);
    assert_agrees(&findings, &junit, None, &rules);
    assert_eq!(junit.cases.len(), rules.len());

    // --min-severity trims the JUnit report as it trims the others.
    let (findings, junit) = scan_examples(&["--min-severity", "error"]);
    assert!(findings.iter().all(|f| f["severity"] == "error"));
    assert_agrees(&findings, &junit, Some(3), &rules);
    assert!(junit.system_out.is_empty());

    let (findings, junit) = scan_examples(&["--select", "KH101,KH114"]);
    let selected: BTreeSet<String> = ["KH101", "KH114"].map(String::from).into();
    assert_agrees(&findings, &junit, Some(3), &selected);
}

#[test]
fn junit_report_that_cannot_be_written_fails_the_scan_after_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = keelhaul()
        .args([
            "scan",
            "testdata/examples",
            "--format",
            "concise",
            "--junit",
        ])
        .arg(dir.path().join("missing/keelhaul-junit.xml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot write the JUnit report"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains(" KH101 "));
}

// ---------------------------------------------------------------------------------------
// GitLab Code Quality
// ---------------------------------------------------------------------------------------

#[test]
fn gitlab_report_of_the_examples_meets_the_code_quality_schema() {
    let out = keelhaul()
        .args(["scan", "testdata/examples", "--format", "gitlab"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = json_of(&out);
    assert!(report.as_array().unwrap().len() > 10);
    let problems = gitlab_problems(&report);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn code_quality_schema_refuses_what_gitlab_would_not_read() {
    let good = serde_json::json!([{
        "type": "issue",
        "description": "KH101 privileged: m",
        "check_name": "KH101",
        "fingerprint": "abc",
        "severity": "major",
        "categories": ["Security"],
        "location": {"path": "k8s/a.yaml", "lines": {"begin": 3, "end": 3}},
    }]);
    assert!(gitlab_problems(&good).is_empty());
    type Breaks = fn(&mut Value);
    let broken: [(&str, Breaks); 7] = [
        ("no fingerprint", |v| {
            v[0].as_object_mut().unwrap().remove("fingerprint");
        }),
        ("severity error", |v| v[0]["severity"] = "error".into()),
        ("two lines", |v| v[0]["description"] = "a\nb".into()),
        ("absolute path", |v| {
            v[0]["location"]["path"] = "/k8s/a.yaml".into()
        }),
        ("./ path", |v| {
            v[0]["location"]["path"] = "./k8s/a.yaml".into()
        }),
        ("line 0", |v| v[0]["location"]["lines"]["begin"] = 0.into()),
        ("no line", |v| {
            v[0]["location"].as_object_mut().unwrap().remove("lines");
        }),
    ];
    for (what, breaks) in broken {
        let mut v = good.clone();
        breaks(&mut v);
        assert!(!gitlab_problems(&v).is_empty(), "the schema accepts {what}");
    }
    let twice = Value::Array(vec![good[0].clone(), good[0].clone()]);
    assert!(!gitlab_problems(&twice).is_empty(), "a fingerprint twice");
}

// ---------------------------------------------------------------------------------------
// Azure Pipelines logging commands
// ---------------------------------------------------------------------------------------

/// `path:line:col` with numbers from 1.
fn is_place(s: &str) -> bool {
    let mut parts = s.rsplitn(3, ':');
    let (Some(col), Some(line), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !path.is_empty()
        && [line, col]
            .iter()
            .all(|n| n.parse::<u32>().is_ok_and(|n| n >= 1))
}

fn is_rule_id(s: &str) -> bool {
    s.len() == 5 && s.starts_with("KH") && s[2..].bytes().all(|b| b.is_ascii_digit())
}

/// One line of `--format azure`: what is wrong with it, if anything.
fn azure_line_problem(line: &str) -> Option<String> {
    if let Some(rest) = line.strip_prefix("##vso[task.logissue ") {
        let (props, message) = rest.split_once(']')?;
        let props: BTreeMap<&str, &str> =
            props.split(';').filter_map(|p| p.split_once('=')).collect();
        let keys: Vec<&str> = props.keys().copied().collect();
        if keys != ["code", "columnnumber", "linenumber", "sourcepath", "type"] {
            return Some(format!("properties {keys:?}"));
        }
        if !["error", "warning"].contains(&props["type"]) {
            return Some(format!("type {}", props["type"]));
        }
        let numbers_ok = ["linenumber", "columnnumber"]
            .iter()
            .all(|k| props[k].parse::<u32>().is_ok_and(|n| n >= 1));
        if !numbers_ok || !is_rule_id(props["code"]) || props["sourcepath"].starts_with('/') {
            return Some("a property value".into());
        }
        if !message.starts_with(&format!("{} ", props["code"])) || message.contains(['\n', '\r']) {
            return Some("the message".into());
        }
        return None;
    }
    if let Some(rest) = line.strip_prefix("note: ") {
        let (place, text) = rest.split_once(": ")?;
        let rule = text.split(' ').next().unwrap_or_default();
        return (!is_place(place) || !is_rule_id(rule)).then(|| "a note".into());
    }
    if line.starts_with("##vso[task.uploadsummary]") || line.starts_with("keelhaul: ") {
        return None;
    }
    Some("not a logging command, a note or the summary".into())
}

#[test]
fn azure_output_is_logging_commands_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = keelhaul()
        .args(["scan", "testdata/examples", "--format", "azure"])
        .env("AGENT_TEMPDIRECTORY", dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for line in text.lines() {
        if let Some(p) = azure_line_problem(line) {
            panic!("{p}: {line}");
        }
    }
    for kind in ["type=error;", "type=warning;"] {
        assert!(text.contains(kind), "{text}");
    }
    assert!(text.lines().any(|l| l.starts_with("note: ")), "{text}");
    assert!(azure_line_problem("##vso[task.logissue type=error]x").is_some());
    assert!(azure_line_problem("##vso[task.logissue type=info;sourcepath=a;linenumber=1;columnnumber=1;code=KH101]KH101 m").is_some());
}

// ---------------------------------------------------------------------------------------
// The job definitions in docs/
// ---------------------------------------------------------------------------------------

/// The YAML file as JSON, after checking that it reads without a problem.
fn read_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let loaded = keelhaul::load::load_text(&text);
    assert!(
        loaded.problems.is_empty(),
        "{}: {:?}",
        path.display(),
        loaded.problems
    );
    assert_eq!(loaded.docs.len(), 1, "{}: one document", path.display());
    let doc = &loaded.docs[0];
    doc.to_json(doc.root.expect("a document with content"))
        .unwrap()
}

/// The keys whose values a job runs as shell commands (Azure Pipelines, GitLab CI).
const SCRIPT_KEYS: &[&str] = &["bash", "script", "pwsh", "before_script", "after_script"];

/// Every line that runs keelhaul, in the scripts of `v` (`in_script`: `v` is a script).
fn keelhaul_lines(v: &Value, in_script: bool, out: &mut Vec<String>) {
    match v {
        Value::String(s) if in_script => out.extend(
            s.lines()
                .map(str::trim)
                .filter(|l| l.starts_with("keelhaul "))
                .map(String::from),
        ),
        Value::Array(a) => a.iter().for_each(|v| keelhaul_lines(v, in_script, out)),
        Value::Object(o) => {
            for (k, v) in o {
                keelhaul_lines(v, in_script || SCRIPT_KEYS.contains(&k.as_str()), out);
            }
        }
        _ => {}
    }
}

/// A keelhaul line, run as a shell would, in a directory holding a copy of the examples.
struct Ran {
    dir: tempfile::TempDir,
    args: Vec<String>,
    /// The file standard output was redirected to.
    stdout_file: Option<String>,
    out: Output,
}

impl Ran {
    fn value_of(&self, flag: &str) -> Option<&str> {
        let i = self.args.iter().position(|a| a == flag)?;
        self.args.get(i + 1).map(String::as_str)
    }
}

fn run_line(line: &str) -> Ran {
    let words: Vec<&str> = line.split_whitespace().collect();
    assert!(
        words
            .iter()
            .all(|w| !w.contains(['"', '\'', '$', '|', ';', '&', '<', '*'])),
        "keep keelhaul's command line in the examples to plain words and one > redirection, so this test can run it: {line}"
    );
    let (args, stdout_file) = match words.iter().position(|w| *w == ">") {
        Some(i) => {
            assert_eq!(words.len(), i + 2, "{line}");
            (&words[1..i], Some(words[i + 1].to_string()))
        }
        None => (&words[1..], None),
    };
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(common::root().join("testdata/examples")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    let agent_temp = dir.path().join("agent-temp");
    std::fs::create_dir(&agent_temp).unwrap();
    let out = keelhaul_in(dir.path())
        .args(args)
        .env("AGENT_TEMPDIRECTORY", &agent_temp)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "`{line}` exits {:?}:\n{stderr}",
        out.status.code()
    );
    if let Some(f) = &stdout_file {
        std::fs::write(dir.path().join(f), &out.stdout).unwrap();
    }
    Ran {
        dir,
        args: args.iter().map(|s| s.to_string()).collect(),
        stdout_file,
        out,
    }
}

/// The page shows the file unchanged.
fn assert_page_shows(page: &str, yml: &str) {
    let root = common::root();
    let md = std::fs::read_to_string(root.join(page)).unwrap();
    let text = std::fs::read_to_string(root.join(yml)).unwrap();
    assert!(
        md.contains(&format!("```yaml\n{text}```\n")),
        "{page} must show {yml} unchanged in a yaml block"
    );
}

#[test]
fn azure_pipelines_example_runs_and_publishes_the_junit_report() {
    assert_page_shows("docs/azure-pipelines.md", "docs/azure-pipelines.yml");
    let pipeline = read_yaml(&common::root().join("docs/azure-pipelines.yml"));
    let mut lines = Vec::new();
    keelhaul_lines(&pipeline, false, &mut lines);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let ran = run_line(&lines[0]);
    assert_eq!(ran.value_of("--format"), Some("azure"));
    let junit = ran
        .value_of("--junit")
        .expect("the scan writes a JUnit report");
    assert_valid_junit(&ran.dir.path().join(junit));
    let stdout = String::from_utf8_lossy(&ran.out.stdout);
    assert!(
        stdout.contains("##vso[task.logissue type=error;"),
        "{stdout}"
    );
    assert!(stdout.contains("##vso[task.uploadsummary]"), "{stdout}");

    let steps: Vec<&Value> = pipeline["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|j| j["steps"].as_array().unwrap())
        .collect();
    let publish = steps
        .iter()
        .find(|s| s["task"] == "PublishTestResults@2")
        .expect("a PublishTestResults@2 step");
    assert_eq!(publish["inputs"]["testResultsFormat"], "JUnit");
    assert_eq!(publish["inputs"]["testResultsFiles"], junit);
    assert_eq!(publish["condition"], "succeededOrFailed()");
}

#[test]
fn gitlab_ci_example_runs_and_uploads_both_reports() {
    assert_page_shows("docs/gitlab-ci.md", "docs/gitlab-ci.yml");
    let config = read_yaml(&common::root().join("docs/gitlab-ci.yml"));
    let (name, job) = config
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, j)| j.get("script").is_some())
        .expect("a job");
    let mut lines = Vec::new();
    keelhaul_lines(job, false, &mut lines);
    assert_eq!(lines.len(), 1, "{name}: {lines:?}");
    let ran = run_line(&lines[0]);
    assert_eq!(ran.value_of("--format"), Some("gitlab"));
    let junit = ran
        .value_of("--junit")
        .expect("the scan writes a JUnit report");
    assert_valid_junit(&ran.dir.path().join(junit));
    let quality = ran
        .stdout_file
        .as_deref()
        .expect("the report goes to a file");
    let report: Value =
        serde_json::from_slice(&std::fs::read(ran.dir.path().join(quality)).unwrap()).unwrap();
    let problems = gitlab_problems(&report);
    assert!(problems.is_empty(), "{problems:#?}");
    // Paths from the scan root, as GitLab needs them to place issues on the diff.
    assert!(
        report
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["location"]["path"] == "insecure-deployment.yaml")
    );

    let artifacts = &job["artifacts"];
    assert_eq!(artifacts["when"], "always");
    assert_eq!(artifacts["reports"]["codequality"], quality);
    assert_eq!(artifacts["reports"]["junit"], junit);
}
