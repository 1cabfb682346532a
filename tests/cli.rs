//! The command line as a user meets it: exit codes, formats, stdin, bad input that must not
//! stop the scan, and output that does not depend on the thread count.

mod common;

use std::path::Path;

use common::{PRIVILEGED_POD, json_of, keelhaul, write};
use predicates::prelude::*;
use predicates::str::contains;

const CLEAN_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  automountServiceAccountToken: false\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      allowPrivilegeEscalation: false\n      readOnlyRootFilesystem: true\n      capabilities:\n        drop: [ALL]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny-egress\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n";

/// The JSON report of scanning `stdin` with `args`.
fn json_scan(args: &[&str], stdin: &str) -> serde_json::Value {
    let out = keelhaul()
        .args(["scan", "-", "--format", "json"])
        .args(args)
        .write_stdin(stdin.to_string())
        .output()
        .unwrap();
    json_of(&out)
}

#[test]
fn exit_codes() {
    // 1: a finding at or above --fail-on (default error).
    keelhaul()
        .args(["scan", "-"])
        .write_stdin(PRIVILEGED_POD)
        .assert()
        .code(1);
    // 0: nothing at or above it.
    keelhaul()
        .args(["scan", "-", "--fail-on", "never"])
        .write_stdin(PRIVILEGED_POD)
        .assert()
        .code(0);
    keelhaul()
        .args(["scan", "-"])
        .write_stdin(CLEAN_POD)
        .assert()
        .code(0);
    // A clean pod has no warning but its own, that nothing recreates it (KH706); --fail-on
    // note would catch notes only.
    keelhaul()
        .args(["scan", "-", "--fail-on", "warning", "--ignore", "bare-pod"])
        .write_stdin(CLEAN_POD)
        .assert()
        .code(0);
    // 2: usage and I/O errors that stop the scan.
    keelhaul()
        .args(["scan", "no/such/path"])
        .assert()
        .code(2)
        .stderr(contains("no/such/path"));
    keelhaul()
        .args(["scan", "--select", "KH999", "-"])
        .assert()
        .code(2)
        .stderr(contains("unknown rule"));
    keelhaul()
        .args(["scan", "--format", "xml"])
        .assert()
        .code(2);
    keelhaul().args(["explain", "nope"]).assert().code(2);
    keelhaul()
        .args(["scan", "--max-file-size", "ten", "-"])
        .assert()
        .code(2);
}

#[test]
fn human_output_points_at_the_value() {
    keelhaul()
        .args(["scan", "-", "--color", "never"])
        .write_stdin(PRIVILEGED_POD)
        .assert()
        .stdout(contains("error[KH101]"))
        .stdout(contains("<stdin>:10:19"))
        .stdout(contains("privileged: true"))
        .stdout(contains("1 error"));
}

#[test]
fn json_report_schema() {
    let out = keelhaul()
        .args(["scan", "-", "--format", "json"])
        .write_stdin(PRIVILEGED_POD)
        .output()
        .unwrap();
    let v = json_of(&out);
    assert_eq!(v["schema"], 1);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "KH101")
        .expect("KH101 finding");
    assert_eq!(f["slug"], "privileged");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["file"], "<stdin>");
    assert_eq!(f["start"]["line"], 10);
    assert_eq!(f["start"]["column"], 19);
    assert_eq!(f["end"]["line"], 10);
    assert_eq!(f["end"]["column"], 23);
    assert_eq!(f["resource"]["kind"], "Pod");
    assert_eq!(f["resource"]["name"], "p");
    assert_eq!(f["resource"]["namespace"], "default");
    assert!(v["summary"]["errors"].as_u64().unwrap() >= 1);
}

#[test]
fn select_and_ignore_take_ids_and_slugs() {
    let out = keelhaul()
        .args([
            "scan",
            "-",
            "--format",
            "json",
            "--select",
            "privileged,KH103",
        ])
        .write_stdin(PRIVILEGED_POD)
        .output()
        .unwrap();
    let v = json_of(&out);
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"KH101") && rules.contains(&"KH103"),
        "{rules:?}"
    );
    assert!(
        rules.iter().all(|r| *r == "KH101" || *r == "KH103"),
        "{rules:?}"
    );
    keelhaul()
        .args(["scan", "-", "--ignore", "KH101"])
        .write_stdin(PRIVILEGED_POD)
        .assert()
        .code(0);
}

#[test]
fn default_namespace_option() {
    let out = keelhaul()
        .args([
            "scan",
            "-",
            "--format",
            "json",
            "--default-namespace",
            "team-a",
        ])
        .write_stdin(PRIVILEGED_POD)
        .output()
        .unwrap();
    assert_eq!(
        json_of(&out)["findings"][0]["resource"]["namespace"],
        "team-a"
    );
}

#[test]
fn rules_and_explain() {
    keelhaul()
        .args(["rules"])
        .assert()
        .code(0)
        .stdout(contains("KH101  privileged"))
        .stdout(contains("KH001  invalid-yaml"));
    keelhaul()
        .args(["explain", "privileged"])
        .assert()
        .code(0)
        .stdout(contains("# KH101 privileged"))
        .stdout(contains("## Failing example"));
    keelhaul()
        .args(["--help"])
        .assert()
        .code(0)
        .stdout(contains("Exit codes"));
    keelhaul()
        .args(["scan", "--help"])
        .assert()
        .code(0)
        .stdout(contains("--fail-on"));
}

#[test]
fn secret_values_are_masked_in_snippets() {
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: c3VwZXJzZWNyZXQ=\n  password: b3RoZXJzZWNyZXQ=\n";
    keelhaul()
        .args(["scan", "-", "--color", "never"])
        .write_stdin(secret)
        .assert()
        .code(1)
        .stdout(contains("KH002"))
        .stdout(contains("password: ****"))
        .stdout(contains("c3VwZXJzZWNyZXQ").not())
        .stdout(contains("b3RoZXJzZWNyZXQ").not());
}

#[test]
fn output_does_not_depend_on_thread_count() {
    let run = |threads: &str| {
        keelhaul()
            .args([
                "scan",
                "testdata",
                "--format",
                "json",
                "--fail-on",
                "never",
                "--threads",
                threads,
            ])
            .output()
            .unwrap()
            .stdout
    };
    // The one notice that says how long rendering took depends on the machine's load, and
    // how many renders came from the render cache on the runs before: neither on the thread
    // count. Both are left out of the comparison.
    let without_timing = |out: Vec<u8>| {
        let mut v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        if let Some(n) = v["notices"].as_array_mut() {
            n.retain(|n| n["file"] != "<render>");
        }
        if let Some(s) = v["summary"].as_object_mut() {
            s.remove("rendersFromCache");
        }
        v
    };
    let one = run("1");
    assert!(!one.is_empty());
    let one = without_timing(one);
    assert_eq!(one, without_timing(run("2")));
    assert_eq!(one, without_timing(run("8")));
}

/// Bad input of every kind in one directory: each gives a message with its file (and line
/// where there is one), and the valid manifest beside them is still checked.
#[test]
fn bad_input_never_stops_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "good.yaml", PRIVILEGED_POD.as_bytes());
    write(
        d,
        "truncated.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"x\n",
    );
    write(
        d,
        "tabs.yaml",
        b"apiVersion: v1\nkind: Pod\nspec:\n\tcontainers: []\n",
    );
    write(
        d,
        "dup.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n",
    );
    let mut bomb =
        String::from("apiVersion: v1\nkind: ConfigMap\ndata:\n  a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n");
    for i in 1..12 {
        bomb.push_str(&format!(
            "  a{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 10].join(",")
        ));
    }
    write(d, "bomb.yaml", bomb.as_bytes());
    let mut big = Vec::with_capacity(50 * 1024 * 1024 + 100);
    while big.len() < 50 * 1024 * 1024 {
        big.extend_from_slice(b"# padding line of a very large file, not worth reading whole\n");
    }
    write(d, "huge.yaml", &big);
    write(d, "binary.yaml", b"\x7fELF\x02\x01\x01\x00\x00\x00");
    write(
        d,
        "latin1.yaml",
        b"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: caf\xe9\n",
    );
    write(
        d,
        "chart.yaml",
        b"apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    write(
        d,
        "dashboard.json",
        b"{\"title\": \"not a manifest\", \"panels\": []}",
    );
    write(d, "scalar.yaml", b"just a string\n");
    write(d, "list.yaml", b"- a\n- b\n");
    write(d, "empty.yaml", b"");
    write(d, "only-comments.yaml", b"# nothing here\n---\n---\n");
    // A directory with a manifest's name is walked as a directory, not read as a file.
    write(d, "dir.yaml/inside.yaml", PRIVILEGED_POD.as_bytes());
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(d.join("missing.yaml"), d.join("dangling.yaml")).unwrap();
        std::fs::create_dir(d.join("loop")).unwrap();
        std::os::unix::fs::symlink(d.join("loop"), d.join("loop").join("again")).unwrap();
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "secret.yaml", PRIVILEGED_POD.as_bytes());
        std::os::unix::fs::symlink(outside.path().join("secret.yaml"), d.join("escape.yaml"))
            .unwrap();
        std::mem::forget(outside);
    }

    let out = keelhaul()
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .arg(d)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out);
    let findings = v["findings"].as_array().unwrap();
    let has = |file: &str, rule: &str, line: u64| {
        findings.iter().any(|f| {
            f["file"].as_str().unwrap().ends_with(file)
                && f["rule"] == rule
                && f["start"]["line"] == line
        })
    };
    let show = serde_json::to_string_pretty(&v).unwrap();
    assert!(
        has("good.yaml", "KH101", 10),
        "the valid manifest is still checked\n{show}"
    );
    assert!(has("truncated.yaml", "KH001", 4), "{show}");
    assert!(has("tabs.yaml", "KH001", 4), "{show}");
    assert!(has("dup.yaml", "KH002", 5), "{show}");
    assert!(
        findings
            .iter()
            .any(|f| f["file"].as_str().unwrap().ends_with("bomb.yaml") && f["rule"] == "KH003"),
        "{show}"
    );
    assert!(has("huge.yaml", "KH006", 1), "{show}");
    assert!(has("binary.yaml", "KH006", 1), "{show}");
    assert!(has("latin1.yaml", "KH005", 4), "{show}");
    assert!(has("chart.yaml", "KH007", 4), "{show}");
    assert!(has("dir.yaml/inside.yaml", "KH101", 10), "{show}");
    assert!(
        !findings
            .iter()
            .any(|f| f["file"].as_str().unwrap().ends_with("dir.yaml")),
        "{show}"
    );
    #[cfg(unix)]
    {
        assert!(has("dangling.yaml", "KH005", 1), "{show}");
        assert!(
            findings
                .iter()
                .any(|f| f["rule"] == "KH005" && f["message"].as_str().unwrap().contains("loop")),
            "a symlink loop is reported\n{show}"
        );
        // Not read, and said where it shows on a pull request: a warning on the link.
        assert!(
            findings
                .iter()
                .any(|f| f["file"].as_str().unwrap().ends_with("escape.yaml")
                    && f["rule"] == "KH006"
                    && f["severity"] == "warning"
                    && f["start"]["line"] == 1
                    && f["message"]
                        .as_str()
                        .unwrap()
                        .contains("out of the scanned directory")),
            "{show}"
        );
        assert!(
            !findings
                .iter()
                .any(|f| f["file"].as_str().unwrap().ends_with("escape.yaml")
                    && f["rule"] != "KH006"),
            "{show}"
        );
    }
    let notices = v["notices"].as_array().unwrap();
    for (file, line) in [("dashboard.json", 1), ("scalar.yaml", 1), ("list.yaml", 1)] {
        assert!(
            notices
                .iter()
                .any(|n| n["file"].as_str().unwrap().ends_with(file) && n["line"] == line),
            "{file} is reported as not a Kubernetes object\n{show}"
        );
    }
    // In human form, the documents that are not objects are counted, and listed with -v.
    keelhaul()
        .args(["scan", "--fail-on", "never", "--color", "never"])
        .arg(d)
        .assert()
        .stdout(contains(
            "not checked because they are not Kubernetes objects",
        ));
    keelhaul()
        .args(["scan", "--fail-on", "never", "--color", "never", "-v"])
        .arg(d)
        .assert()
        .stdout(contains("scalar.yaml:1: not a Kubernetes object"));
}

#[test]
fn gitignore_keelhaulignore_and_globs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in [
        "a/app.yaml",
        "b/skip.yaml",
        "c/gen.yaml",
        "d/other.yml",
        "notes.txt",
        ".deploy/hidden.yaml",
        ".git/config.yaml",
    ] {
        write(d, name, PRIVILEGED_POD.as_bytes());
    }
    write(d, ".gitignore", b"b/\n");
    write(d, ".keelhaulignore", b"c/\n");
    let files = |extra: &[&str]| -> Vec<String> {
        let out = keelhaul()
            .args(["scan", "--format", "json", "--fail-on", "never"])
            .args(extra)
            .arg(d)
            .output()
            .unwrap();
        let mut v: Vec<String> = json_of(&out)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let p = f["file"].as_str().unwrap();
                Path::new(p).strip_prefix(d).unwrap().display().to_string()
            })
            .collect();
        v.dedup();
        v
    };
    assert_eq!(
        files(&[]),
        vec![".deploy/hidden.yaml", "a/app.yaml", "d/other.yml"]
    );
    assert_eq!(
        files(&["--exclude", "d/**", "--exclude", ".deploy"]),
        vec!["a/app.yaml"]
    );
    assert_eq!(files(&["--include", "*.yml"]), vec!["d/other.yml"]);
}

#[test]
fn kind_list_items_and_json_manifests() {
    let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: in-a-list\n  spec:\n    containers:\n    - name: c\n      image: x\n      securityContext:\n        privileged: yes\n";
    let v = json_scan(&["--select", "KH101"], list);
    assert_eq!(v["findings"][0]["start"]["line"], 13);
    assert_eq!(v["findings"][0]["resource"]["name"], "in-a-list");

    let json = "{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Pod\",\n\t\"metadata\": {\"name\": \"j\"},\n\t\"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"x\",\n\t\t\"securityContext\": {\"privileged\": true}}]}\n}\n";
    let v = json_scan(&["--select", "KH101"], json);
    assert_eq!(v["findings"][0]["start"]["line"], 6);
    assert_eq!(v["findings"][0]["start"]["column"], 37);
}

#[test]
fn pod_security_mode_reports_each_problem_once() {
    let rules_of = |extra: &[&str]| -> Vec<(String, u64)> {
        let out = keelhaul()
            .args(["scan", "-", "--format", "json", "--fail-on", "never"])
            .args(extra)
            .write_stdin(PRIVILEGED_POD)
            .output()
            .unwrap();
        json_of(&out)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let plain = rules_of(&[]);
    assert!(plain.contains(&("KH101".into(), 10)) && !plain.iter().any(|(r, _)| r == "KH120"));
    let baseline = rules_of(&["--pss", "baseline"]);
    assert!(baseline.contains(&("KH120".into(), 10)), "{baseline:?}");
    assert!(
        !baseline.iter().any(|(r, _)| r == "KH101"),
        "KH101 stands aside: {baseline:?}"
    );
    // Restricted-level rules keep running under baseline, and stand aside under restricted.
    assert!(baseline.iter().any(|(r, _)| r == "KH105"), "{baseline:?}");
    let restricted = rules_of(&["--pss", "restricted"]);
    assert!(
        !restricted.iter().any(|(r, _)| r == "KH105" || r == "KH103"),
        "{restricted:?}"
    );
    // Rules outside the standard still run.
    assert!(
        restricted.iter().any(|(r, _)| r == "KH106"),
        "{restricted:?}"
    );

    keelhaul()
        .args(["scan", "-", "--kube-version", "2.0"])
        .assert()
        .code(2);
    keelhaul()
        .args(["scan", "-", "--kube-version", "1.99"])
        .assert()
        .code(2)
        .stderr(contains("newer"));
    keelhaul()
        .args(["scan", "-", "--pss", "strict"])
        .assert()
        .code(2);
}

#[test]
fn metadata_endpoint_and_exempt_namespace_options() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: team\nspec:\n  containers:\n  - name: c\n    image: x\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: block-imds\n  namespace: team\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock:\n        cidr: 0.0.0.0/0\n        except: [169.254.169.254/32]\n";
    let kh401 = |extra: &[&str]| -> Vec<String> {
        let out = keelhaul()
            .args([
                "scan",
                "-",
                "--format",
                "json",
                "--fail-on",
                "never",
                "--select",
                "KH401",
            ])
            .args(extra)
            .write_stdin(pod)
            .output()
            .unwrap();
        json_of(&out)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect()
    };
    // The policy blocks the default endpoint...
    assert!(kh401(&[]).is_empty());
    // ...but not Azure's WireServer, when asked about it.
    let wire = kh401(&["--metadata-endpoint", "168.63.129.16"]);
    assert_eq!(wire.len(), 1, "{wire:?}");
    assert!(wire[0].contains("WireServer"), "{wire:?}");
    // An exempt namespace is left alone.
    assert!(
        kh401(&[
            "--metadata-endpoint",
            "168.63.129.16/32",
            "--exempt-namespace",
            "team"
        ])
        .is_empty()
    );
    keelhaul()
        .args(["scan", "-", "--metadata-endpoint", "not-an-ip"])
        .assert()
        .code(2);
}

/// The KH5xx example, fixed in a copy: only the three pure renames change, every other byte
/// stays, the file still parses, and a rescan finds what needs a person.
#[test]
fn fix_rewrites_pure_renames_and_keeps_everything_else() {
    let original =
        std::fs::read_to_string(common::root().join("testdata/examples/deprecated-apis.yaml"))
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deprecated-apis.yaml");
    std::fs::write(&file, &original).unwrap();
    let expected = original
        .replace(
            "apiVersion: batch/v1beta1 # removed in 1.25",
            "apiVersion: batch/v1 # removed in 1.25",
        )
        .replace("serviceAccount: report", "serviceAccountName: report")
        .replace(
            "apiVersion: \"policy/v1beta1\"",
            "apiVersion: \"policy/v1\"",
        );
    assert_ne!(expected, original);

    // --dry-run: a diff on stdout, nothing written.
    let out = keelhaul()
        .args(["scan", "--fix", "--dry-run"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "errors remain whatever is fixed"
    );
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(diff.starts_with("--- a/"), "{diff}");
    for line in [
        "-apiVersion: batch/v1beta1 # removed in 1.25\n+apiVersion: batch/v1 # removed in 1.25\n",
        "-          serviceAccount: report\n+          serviceAccountName: report\n",
        "-apiVersion: \"policy/v1beta1\"\n+apiVersion: \"policy/v1\"\n",
    ] {
        assert!(diff.contains(line), "{line:?} not in\n{diff}");
    }
    assert_eq!(
        diff.matches("\n+").count(),
        3 + 1,
        "three changed lines (and the +++ header)"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("3 finding(s) would be fixed in 1 file(s)")
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);

    // --fix: written in place, byte for byte as expected; the report is of what remains.
    let out = keelhaul()
        .args(["scan", "--fix", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fixed 3 finding(s) in 1 file(s)"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
    let report = json_of(&out);
    let left: Vec<(u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("KH5") || f["rule"] == "KH001")
        .map(|f| {
            (
                f["start"]["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        left,
        vec![
            (8, "KH501".into()),
            (76, "KH501".into()),
            (92, "KH501".into())
        ],
        "the Deployment (needs a selector), the PodSecurityPolicy (no replacement) and the Ingress (field changes) remain"
    );

    // Idempotent: nothing more to fix.
    keelhaul()
        .args(["scan", "--fix"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(contains("fixed 0 finding(s) in 0 file(s)"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
}

#[test]
fn fixes_in_json_and_fix_usage_errors() {
    let cronjob = "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: c\n";
    let report = json_scan(&["--select", "KH501"], cronjob);
    let f = &report["findings"][0];
    assert_eq!(f["rule"], "KH501");
    assert_eq!(f["fix"]["edits"][0]["start"]["line"], 1);
    assert_eq!(f["fix"]["edits"][0]["start"]["column"], 13);
    assert_eq!(f["fix"]["edits"][0]["end"]["column"], 26);
    assert_eq!(f["fix"]["edits"][0]["text"], "batch/v1");
    // Standard input cannot be rewritten; --dry-run needs --fix.
    keelhaul()
        .args(["scan", "--fix", "-"])
        .write_stdin(cronjob)
        .assert()
        .code(2)
        .stderr(contains("standard input"));
    keelhaul()
        .args(["scan", "--dry-run", "-"])
        .write_stdin(cronjob)
        .assert()
        .code(2);
}

#[test]
fn target_versions() {
    let cronjob = "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: c\n";
    let rules_at = |args: &[&str], input: &str| -> Vec<String> {
        json_scan(args, input)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{}:{}", f["start"]["line"], f["rule"].as_str().unwrap()))
            .collect()
    };
    assert_eq!(
        rules_at(&["--kube-version", "1.20"], cronjob),
        Vec::<String>::new()
    );
    assert_eq!(
        rules_at(&["--kube-version", "1.21"], cronjob),
        vec!["1:KH502"]
    );
    assert_eq!(
        rules_at(&["--target", "k8s=1.24"], cronjob),
        vec!["1:KH502"]
    );
    assert_eq!(
        rules_at(&["--target", "k8s=v1.25.3"], cronjob),
        vec!["1:KH501"]
    );
    let cert = "apiVersion: cert-manager.io/v1alpha2\nkind: Certificate\nmetadata:\n  name: c\n";
    assert_eq!(rules_at(&[], cert), vec!["1:KH503"]);
    assert_eq!(
        rules_at(&["--target", "cert-manager=1.3"], cert),
        Vec::<String>::new()
    );
    assert_eq!(
        rules_at(&["--target", "cert-manager=v1.5.3"], cert),
        vec!["1:KH504"]
    );
    keelhaul()
        .args(["scan", "-", "--target", "nosuch=1.0"])
        .write_stdin(cert)
        .assert()
        .code(2)
        .stderr(contains("unknown component").and(contains("cert-manager")));
    keelhaul()
        .args([
            "scan",
            "-",
            "--target",
            "k8s=1.25",
            "--kube-version",
            "1.30",
        ])
        .write_stdin(cert)
        .assert()
        .code(2)
        .stderr(contains("disagree"));
    // The rule page carries the generated table.
    keelhaul()
        .args(["explain", "KH501"])
        .assert()
        .code(0)
        .stdout(contains("| batch/v1beta1 | CronJob |"));
}

#[test]
fn as_of_must_be_a_date() {
    keelhaul()
        .args(["scan", "testdata/examples", "--as-of", "2026-02-30"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a date"));
}

/// `--as-of` judges against the AKS calendar as it stood on that date: in September 2023,
/// 1.27 was AKS's newest minor, not one "older than every version AKS still lists".
#[test]
fn as_of_judges_against_the_calendar_of_that_date() {
    const FIXTURE: &str =
        "testdata/rules/KH613-kubernetes-version-unsupported/fail-as-of-2023.bicep";
    let scan_at = |date: &str| -> Vec<(u64, u64, String, String)> {
        let out = keelhaul()
            .args(["scan", FIXTURE, "--format", "json", "--select", "KH613"])
            .args(["--as-of", date])
            .output()
            .unwrap();
        let v = json_of(&out);
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["start"]["line"].as_u64().unwrap(),
                    f["start"]["column"].as_u64().unwrap(),
                    f["severity"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let lines = |found: &[(u64, u64, String, String)]| -> Vec<(u64, String)> {
        found.iter().map(|(l, _, s, _)| (*l, s.clone())).collect()
    };

    // 2023-09-01: 1.27 (line 24, and its pool on line 62) and 1.26 (line 70) are supported;
    // 1.24 (line 85) ended on 2023-07-31 and is in platform support until 1.28's GA; 1.18
    // (line 97) is older than the calendar.
    let found = scan_at("2023-09-01");
    assert_eq!(
        lines(&found),
        [(85, "error".to_string()), (97, "error".to_string())],
        "{found:#?}"
    );
    assert_eq!(found[0].1, 26, "on the version value: {found:#?}");
    assert!(
        found[0]
            .3
            .contains("left AKS community support on 2023-07-31 (judged at 2023-09-01)")
            && found[0].3.contains("until 1.28 is GA (2023-11-30)"),
        "{found:#?}"
    );
    assert!(
        found[1]
            .3
            .contains("older than every version in keelhaul's AKS calendar, which starts at 1.19"),
        "{found:#?}"
    );
    assert!(
        found.iter().all(|f| !f.3.contains("still lists")),
        "{found:#?}"
    );

    // 2024-06-15: 1.27 is 46 days from its end of life (a warning on the version value),
    // 1.26 has ended, and 1.24's platform support ended with 1.28's GA.
    let found = scan_at("2024-06-15");
    assert_eq!(
        lines(&found),
        [
            (24, "warning".to_string()),
            (62, "warning".to_string()),
            (70, "error".to_string()),
            (85, "error".to_string()),
            (97, "error".to_string())
        ],
        "{found:#?}"
    );
    assert_eq!(found[0].1, 24, "on the version value: {found:#?}");
    assert!(
        found[0]
            .3
            .contains("Kubernetes 1.27 leaves AKS community support on 2024-07-31, 46 day(s)"),
        "{found:#?}"
    );
    assert!(
        found[3]
            .3
            .contains("platform support ended too, when 1.28 became GA (2023-11-30)"),
        "{found:#?}"
    );

    // 2021-03-01: 1.24-1.27 were not GA yet, and 1.19 was still supported, so the calendar
    // cannot say whether 1.18 was: nothing to report.
    assert_eq!(scan_at("2021-03-01"), []);
}

#[test]
fn an_unparsable_terraform_file_is_a_notice_at_its_line_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"azurerm_kubernetes_cluster\" \"aks\" {\n  name = \"x\"\n  network_profile {\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: nginx\n      securityContext:\n        privileged: true\n",
    )
    .unwrap();
    let out = keelhaul()
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out);
    let notices = v["notices"].as_array().unwrap();
    assert!(
        notices
            .iter()
            .any(|n| n["file"].as_str().unwrap().ends_with("main.tf")
                && n["line"].as_u64().is_some()
                && n["message"]
                    .as_str()
                    .unwrap()
                    .contains("not read as Terraform")),
        "{notices:?}"
    );
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "KH101")
    );
}

#[test]
fn computed_cluster_settings_are_not_judged_and_verbose_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("create.sh"),
        "az aks create -g rg -n aks1 \\\n  --network-policy \"$POLICY\" \\\n  --kubernetes-version ${{ vars.K8S }}\n",
    )
    .unwrap();
    let out = keelhaul()
        .args([
            "scan",
            "--format",
            "json",
            "--verbose",
            "--select",
            "KH601,KH613",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let v = json_of(&out);
    assert!(v["findings"].as_array().unwrap().is_empty(), "{v}");
    let lines: Vec<(u64, String)> = v["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["line"].as_u64().unwrap(),
                n["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 2 && m.contains("network policy engine is computed")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 3 && m.contains("Kubernetes version is computed")),
        "{lines:?}"
    );
}

/// KH007 names Helm only for Helm templates (in a chart, or reading Helm's objects); a file
/// that fails to parse away from any template action is KH001, an error.
#[test]
fn templates_and_broken_yaml_are_told_apart() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "mustache.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{cell}}\n",
    );
    write(
        d.path(),
        "helm.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-x\n",
    );
    write(
        d.path(),
        "chart/Chart.yaml",
        b"apiVersion: v2\nname: c\nversion: 0.1.0\n",
    );
    write(
        d.path(),
        "chart/extra/in-chart.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ x }}-y\n",
    );
    write(
        d.path(),
        "broken.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n    t: \"{{ .x }}\"\ndata:\n  a: \"1\"\n   b: \"2\"\n",
    );
    let out = common::keelhaul_in(d.path())
        .args([
            "scan",
            ".",
            "--format",
            "json",
            "--no-render",
            "--select",
            "KH001,KH007",
        ])
        .output()
        .unwrap();
    let v = json_of(&out);
    let by_file = |name: &str| -> Vec<(String, String, u64)> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["file"].as_str().unwrap().ends_with(name))
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                    f["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let m = by_file("mustache.yaml");
    assert_eq!((m[0].0.as_str(), m[0].2), ("KH007", 4), "{m:?}");
    assert!(!m[0].1.contains("helm"), "{m:?}");
    let h = by_file("helm.yaml");
    assert!(
        h[0].0 == "KH007" && h[0].1.contains("helm template"),
        "{h:?}"
    );
    let c = by_file("in-chart.yaml");
    assert!(
        c[0].0 == "KH007" && c[0].1.contains("helm template"),
        "{c:?}"
    );
    let b = by_file("broken.yaml");
    assert_eq!((b[0].0.as_str(), b[0].2), ("KH001", 8), "{b:?}");
    assert_eq!(out.status.code(), Some(1), "KH001 is an error");
    // Scanned on its own, the chart above the scanned directory is not looked at.
    let out = common::keelhaul_in(d.path())
        .args(["scan", "chart/extra", "--format", "json", "--no-render"])
        .output()
        .unwrap();
    let v = json_of(&out);
    let message = v["findings"][0]["message"].as_str().unwrap_or_default();
    assert!(!message.contains("helm"), "{message}");
}

#[test]
fn min_severity_trims_the_report_but_fail_on_judges_every_finding() {
    let run = |args: &[&str]| {
        let out = common::keelhaul()
            .args(["scan", "testdata/examples", "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        let report = common::json_of(&out);
        let severities: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["severity"].as_str().unwrap().to_string())
            .collect();
        (
            severities,
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (all, _, _) = run(&[]);
    assert!(all.iter().any(|s| s == "note") && all.iter().any(|s| s == "warning"));
    let (errors, code, err) = run(&["--min-severity", "error", "--fail-on", "note"]);
    assert!(
        !errors.is_empty() && errors.iter().all(|s| s == "error"),
        "{errors:?}"
    );
    assert_eq!(code, Some(1));
    let hidden = all.len() - errors.len();
    assert!(
        err.contains(&format!("{hidden} finding(s) below error left out")),
        "{err}"
    );
    // Only notes and warnings, hidden: still a failure under --fail-on note.
    let (shown, code, _) = run(&[
        "--select",
        "KH114",
        "--min-severity",
        "error",
        "--fail-on",
        "note",
    ]);
    assert!(shown.is_empty());
    assert_eq!(code, Some(1));
}

#[test]
fn concise_output_is_one_line_per_finding() {
    let out = common::keelhaul()
        .args(["scan", "testdata/examples", "--format", "concise"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let json = common::json_of(
        &common::keelhaul()
            .args(["scan", "testdata/examples", "--format", "json"])
            .output()
            .unwrap(),
    );
    let findings = json["findings"].as_array().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), findings.len());
    for (l, f) in lines.iter().zip(findings) {
        let want = format!(
            "{}:{}:{}: {} {} ",
            f["file"].as_str().unwrap(),
            f["start"]["line"],
            f["start"]["column"],
            f["severity"].as_str().unwrap(),
            f["rule"].as_str().unwrap()
        );
        assert!(l.starts_with(&want), "{l}\n{want}");
    }
}

#[test]
fn azure_output_logs_issues_and_attaches_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::keelhaul()
        .args(["scan", "testdata/examples", "--format", "azure"])
        .env("AGENT_TEMPDIRECTORY", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let issues = text
        .lines()
        .filter(|l| l.starts_with("##vso[task.logissue type="))
        .count();
    let json = common::json_of(
        &common::keelhaul()
            .args(["scan", "testdata/examples", "--format", "json"])
            .output()
            .unwrap(),
    );
    let errors_and_warnings = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] != "note")
        .count();
    assert_eq!(issues, errors_and_warnings, "{text}");
    assert!(
        text.contains("##vso[task.logissue type=error;sourcepath=testdata/examples/"),
        "{text}"
    );
    let summary = dir.path().join("keelhaul-summary.md");
    assert!(
        text.trim_end()
            .ends_with(&format!("##vso[task.uploadsummary]{}", summary.display())),
        "{text}"
    );
    assert!(std::fs::read_to_string(summary).unwrap().contains("KH101"));
}

#[test]
fn gitlab_code_quality_fingerprints_survive_lines_moving() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "k8s/pod.yaml", PRIVILEGED_POD);
    let run = || {
        let out = common::keelhaul_in(dir.path())
            .args(["scan", ".", "--format", "gitlab"])
            .output()
            .unwrap();
        let v = common::json_of(&out);
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| {
                assert_eq!(i["location"]["path"].as_str().unwrap(), "k8s/pod.yaml");
                assert!(
                    ["info", "minor", "major", "critical", "blocker"]
                        .contains(&i["severity"].as_str().unwrap())
                );
                (
                    i["fingerprint"].as_str().unwrap().to_string(),
                    i["location"]["lines"]["begin"].as_u64().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let before = run();
    assert!(!before.is_empty());
    write(
        dir.path(),
        "k8s/pod.yaml",
        format!("# moved down\n{PRIVILEGED_POD}"),
    );
    let after = run();
    assert_eq!(before.len(), after.len());
    for ((fa, la), (fb, lb)) in before.iter().zip(&after) {
        assert_eq!(fa, fb);
        assert_eq!(la + 1, *lb);
    }
}

/// Issue 20, item 6: command-line values that cannot be meant are refused with what is
/// wrong, not run as something else (exit 2, nothing on standard output).
#[test]
fn bad_command_line_values_say_what_is_wrong() {
    let cases: [(&[&str], &str); 6] = [
        (&["-j", "100000"], "at most 512"),
        (&["--config", "/dev/null"], "is not a regular file"),
        (&["--config", "."], "is a directory"),
        (&["--config", "no-such-file.yaml"], "does not exist"),
        (&["--select", ""], "--select names no rule"),
        (&["--select", ","], "--select names no rule"),
    ];
    for (args, said) in cases {
        let out = common::keelhaul()
            .arg("scan")
            .args(args)
            .arg("testdata/examples")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(said), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    // At the limit, the scan runs.
    let out = common::keelhaul()
        .args([
            "scan", "-j", "512", "--select", "KH101", "--format", "concise",
        ])
        .arg("testdata/examples")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// Issue 20, item 5: a resource name from the scanned files cannot put an escape sequence,
/// a bell or another control character into a CI log through the logging commands, nor into
/// a terminal through the one-line format.
#[test]
fn control_characters_of_resource_names_never_reach_ci_logs() {
    // YAML's `\e` and `\a`: ESC and BEL in the Pod's name.
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"p\\e[2J\\e]8;;x\\a\"\nspec:\n  containers:\n  - name: c\n    image: c:1\n    securityContext: {privileged: true}\n";
    for format in ["github", "azure", "concise"] {
        let out = common::keelhaul()
            .args(["scan", "-", "--select", "KH101", "--format", format])
            .write_stdin(pod)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let controls: Vec<char> = stdout
            .chars()
            .filter(|c| c.is_control() && *c != '\n')
            .collect();
        assert!(controls.is_empty(), "{format}: {controls:?} in {stdout:?}");
        assert!(stdout.contains("%1B[2J"), "{format}: {stdout}");
    }
}
