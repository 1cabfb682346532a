//! No secret value reaches any output (the untrusted pull request's promise): not the
//! message of a failed Kustomize build whose `secretGenerator` holds it, not the snippet of a
//! finding on or near a Secret's lines (the document parsed or not, with `apiVersion` or not),
//! not a `kubectl.kubernetes.io/last-applied-configuration` annotation on any kind, not the
//! `--fix --dry-run` diff, not a pull-request review.
//!
//! Each test writes a small repository, runs the binary in every `--format` with the SARIF,
//! JUnit, job-summary and step-output files, `--verbose`, `--fix --dry-run`,
//! `--write-baseline` and `--pr-review` (against a GitHub API mocked on 127.0.0.1), and looks
//! for the secret in all they wrote; then checks that the finding is still reported where it
//! is.

mod common;

use std::path::{Path, PathBuf};

use common::{keelhaul, keelhaul_in, write};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Every value of `--format`.
const FORMATS: &[&str] = &[
    "human", "json", "sarif", "github", "concise", "azure", "gitlab",
];

const PULL: &str = "/repos/acme/shipyard/pulls/42";

/// The formats `keelhaul scan --help` lists: a new one must be added to `FORMATS`.
#[test]
fn every_format_is_looked_at() {
    let out = keelhaul().args(["scan", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let from = help
        .find("--format <FORMAT>")
        .expect("--format in the help");
    let block = &help[from..];
    let block = &block[..block.find("[default:").expect("its default")];
    let listed: Vec<&str> = block
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .filter_map(|l| l.split(':').next())
        .collect();
    assert_eq!(listed, FORMATS);
}

/// What one run wrote, by where.
struct Written {
    outputs: Vec<(String, String)>,
}

impl Written {
    fn add(&mut self, what: impl Into<String>, text: impl Into<String>) {
        self.outputs.push((what.into(), text.into()));
    }

    fn add_file(&mut self, what: impl Into<String>, file: &Path) {
        let text = std::fs::read(file)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        self.add(what, text);
    }

    fn get(&self, what: &str) -> &str {
        self.outputs
            .iter()
            .find(|(w, _)| w == what)
            .map(|(_, t)| t.as_str())
            .unwrap_or_else(|| panic!("no output {what}"))
    }

    /// Panics naming every output that holds one of `secrets`.
    fn assert_nowhere(&self, secrets: &[&str]) {
        let mut found = Vec::new();
        for (what, text) in &self.outputs {
            for s in secrets {
                if text.contains(s) {
                    found.push(format!("{s:?} in {what}:\n{text}\n"));
                }
            }
        }
        assert!(
            found.is_empty(),
            "secret values printed:\n{}",
            found.join("\n")
        );
    }

    /// The finding of `rule` in `file` on `line`, from the JSON report.
    fn assert_finding(&self, rule: &str, file: &str, line: u64) {
        let report: Value = serde_json::from_str(self.get("stdout of --format json"))
            .expect("the JSON report parses");
        let found = report["findings"].as_array().unwrap().iter().any(|f| {
            f["rule"] == rule && f["file"] == file && f["start"]["line"].as_u64() == Some(line)
        });
        assert!(
            found,
            "no {rule} at {file}:{line}:\n{}",
            serde_json::to_string_pretty(&report["findings"]).unwrap()
        );
    }
}

/// Runs `keelhaul scan ARGS` in `dir` every way it can write something.
fn scan_everything(dir: &Path, args: &[&str]) -> Written {
    let out_dir = tempfile::tempdir().unwrap();
    let o = out_dir.path();
    let mut w = Written {
        outputs: Vec::new(),
    };
    for f in FORMATS {
        let file = |ext: &str| o.join(format!("{f}.{ext}"));
        let out = keelhaul_in(dir)
            .arg("scan")
            .args(args)
            .args(["--format", f, "--verbose", "--color", "never"])
            .arg("--sarif")
            .arg(file("sarif"))
            .arg("--junit")
            .arg(file("xml"))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", file("summary.md"))
            .env("GITHUB_OUTPUT", file("output.txt"))
            .env("GITHUB_WORKSPACE", dir)
            .output()
            .unwrap();
        assert!(
            out.status.code().is_some_and(|c| c < 2),
            "--format {f}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        w.add(
            format!("stdout of --format {f}"),
            String::from_utf8_lossy(&out.stdout),
        );
        w.add(
            format!("stderr of --format {f}"),
            String::from_utf8_lossy(&out.stderr),
        );
        w.add_file(format!("--sarif with --format {f}"), &file("sarif"));
        w.add_file(format!("--junit with --format {f}"), &file("xml"));
        w.add_file(
            format!("job summary with --format {f}"),
            &file("summary.md"),
        );
        w.add_file(
            format!("step outputs with --format {f}"),
            &file("output.txt"),
        );
    }
    let out = keelhaul_in(dir)
        .arg("scan")
        .args(args)
        .args(["--fix", "--dry-run"])
        .output()
        .unwrap();
    w.add("--fix --dry-run", String::from_utf8_lossy(&out.stdout));
    w.add(
        "stderr of --fix --dry-run",
        String::from_utf8_lossy(&out.stderr),
    );
    let baseline = o.join("baseline.json");
    let out = keelhaul_in(dir)
        .arg("scan")
        .args(args)
        .arg("--write-baseline")
        .arg(&baseline)
        .output()
        .unwrap();
    w.add(
        "stderr of --write-baseline",
        String::from_utf8_lossy(&out.stderr),
    );
    w.add_file("--write-baseline", &baseline);
    review(dir, args, &mut w);
    w
}

/// Every file under `dir`, relative to it, with `/`.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for e in std::fs::read_dir(dir.join(&rel)).unwrap() {
            let e = e.unwrap();
            let r = rel.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                stack.push(r);
            } else {
                out.push(r.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

/// The pull request adds every file of `dir`: its patch, as GitHub lists it.
fn pull_request_files(dir: &Path) -> Value {
    let files: Vec<Value> = files_under(dir)
        .iter()
        .map(|name| {
            let text =
                String::from_utf8_lossy(&std::fs::read(dir.join(name)).unwrap()).into_owned();
            let lines: Vec<&str> = text.lines().collect();
            let patch = format!(
                "@@ -0,0 +1,{} @@\n{}",
                lines.len(),
                lines
                    .iter()
                    .map(|l| format!("+{l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            json!({
                "sha": "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",
                "filename": name,
                "status": "added",
                "additions": lines.len(),
                "deletions": 0,
                "changes": lines.len(),
                "patch": patch,
            })
        })
        .collect();
    Value::Array(files)
}

/// `--pr-review` against a mocked GitHub, every finding posted (`nofilter`): what it sent.
fn review(dir: &Path, args: &[&str], w: &mut Written) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(MockServer::start());
    let created: Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("testdata/github/review-created.json"))
            .unwrap(),
    )
    .unwrap();
    let mocks = [
        Mock::given(method("GET"))
            .and(path(format!("{PULL}/files")))
            .respond_with(ResponseTemplate::new(200).set_body_json(pull_request_files(dir))),
        Mock::given(method("GET"))
            .and(path(format!("{PULL}/comments")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([]))),
        Mock::given(method("GET"))
            .and(path(format!("{PULL}/reviews")))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([]))),
        Mock::given(method("POST"))
            .and(path(format!("{PULL}/reviews")))
            .respond_with(ResponseTemplate::new(200).set_body_json(created)),
        Mock::given(method("PATCH"))
            .and(path_regex(r"^/repos/acme/shipyard/pulls/comments/\d+$"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({}))),
    ];
    for m in mocks {
        rt.block_on(m.mount(&server));
    }
    let out = keelhaul_in(dir)
        .arg("scan")
        .args(args)
        .args([
            "--pr-review",
            "--filter-mode",
            "nofilter",
            "--format",
            "concise",
        ])
        .env("GITHUB_API_URL", server.uri())
        .env("GITHUB_TOKEN", "ghs_16C7e42F292c6912E7710c838347Ae178B4a")
        .env(
            "GITHUB_EVENT_PATH",
            common::root().join("testdata/github/event-pull_request.json"),
        )
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_REPOSITORY", "acme/shipyard")
        .env("GITHUB_WORKSPACE", dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let requests = rt.block_on(server.received_requests()).unwrap_or_default();
    let posted = requests
        .iter()
        .any(|r| r.method.as_str() == "POST" && r.url.path() == format!("{PULL}/reviews"));
    assert!(posted, "no review was posted: {stderr}");
    for r in &requests {
        w.add(
            format!("review request {} {}", r.method, r.url.path()),
            String::from_utf8_lossy(&r.body),
        );
    }
    w.add("stderr of --pr-review", stderr);
}

/// A repository of `files` (name, bytes) in a temporary directory.
fn repo(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        write(dir.path(), name, body);
    }
    dir
}

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p).any(|d| {
            let f = d.join(name);
            std::fs::metadata(&f).is_ok_and(|m| m.is_file())
        })
    })
}

// ---------------------------------------------------------------------------------------
// a. The message of a failed Kustomize build
// ---------------------------------------------------------------------------------------

#[test]
fn a_failed_secret_generator_keeps_its_values_out_of_the_message() {
    if !on_path("kustomize") && !on_path("kubectl") {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("kubectl (or kustomize) is needed for this test, and CI=true");
        }
        eprintln!("SKIPPED: this test needs kustomize or kubectl on PATH");
        return;
    }
    let dir = repo(&[
        // A literal without `=` fails the build; the tool's message lists every literal.
        (
            "literals/kustomization.yaml",
            b"secretGenerator:\n- name: db\n  literals:\n  - PASSWORD=Lit3ral-Passw0rd-Value\n  - Lit3ral-Without-Equals-Sign\n",
        ),
        // A base's env file with a line that is not UTF-8: the tool prints the line, as text
        // and as bytes.
        (
            "base/kustomization.yaml",
            b"secretGenerator:\n- name: db\n  envs:\n  - db.env\n",
        ),
        ("base/db.env", b"USER=admin\nPASSWORD=\xffEnvF1le-Passw0rd-Value\n"),
        ("overlay/kustomization.yaml", b"resources:\n- ../base\n"),
    ]);
    let w = scan_everything(dir.path(), &["literals", "base", "overlay"]);
    w.assert_nowhere(&[
        "Lit3ral-Passw0rd-Value",
        "Lit3ral-Without-Equals-Sign",
        "EnvF1le-Passw0rd-Value",
        // The env line's bytes, as Go prints a byte slice (`[80 65 83 ...`).
        "[80 65 83 83 87 79 82 68 61 255 69 110 118",
    ]);
    w.assert_finding("KH010", "literals/kustomization.yaml", 1);
    w.assert_finding("KH010", "overlay/kustomization.yaml", 1);
    // The message still says what failed, without the value.
    assert!(
        w.get("stdout of --format concise")
            .contains("invalid literal source"),
        "{}",
        w.get("stdout of --format concise")
    );
}

// ---------------------------------------------------------------------------------------
// b. The snippet of a syntax error in a Secret
// ---------------------------------------------------------------------------------------

#[test]
fn a_syntax_error_in_a_secret_shows_no_value() {
    let dir = repo(&[
        (
            "k8s/indent.yaml",
            b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: aW5kZW50LXBhc3N3b3Jk\n token: QmFkLUluZGVudC1Ub2tlbg==\n",
        ),
        (
            "k8s/quote.yaml",
            b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: \"Unterminated-Qu0te-Value\n  user: admin\n",
        ),
        (
            "k8s/tab.yaml",
            b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n\tpassword: Tab-Indented-Passw0rd\n",
        ),
        // The Secret is the second document; the error is on its last line.
        (
            "k8s/second.yaml",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\nkind: Secret\napiVersion: v1\nmetadata:\n  name: db\nstringData:\n  password: Second-D0cument-Value\n  - Stray-Item-Value\n",
        ),
    ]);
    let w = scan_everything(dir.path(), &["k8s"]);
    w.assert_nowhere(&[
        "QmFkLUluZGVudC1Ub2tlbg",
        "Unterminated-Qu0te-Value",
        "Tab-Indented-Passw0rd",
        "Stray-Item-Value",
    ]);
    w.assert_finding("KH001", "k8s/indent.yaml", 7);
    w.assert_finding("KH001", "k8s/quote.yaml", 6);
    w.assert_finding("KH001", "k8s/tab.yaml", 6);
    w.assert_finding("KH001", "k8s/second.yaml", 12);
    // The snippet is still there, its keys shown and its values masked.
    let human = w.get("stdout of --format human");
    assert!(human.contains("token: *"), "{human}");
    assert!(human.contains("password: *"), "{human}");
}

// ---------------------------------------------------------------------------------------
// c. A Secret without apiVersion
// ---------------------------------------------------------------------------------------

#[test]
fn a_secret_without_api_version_shows_no_value() {
    let dir = repo(&[(
        "k8s/secret.yaml",
        b"kind: Secret\nmetadata:\n  name: db\nstringData:\n  password: First-Passw0rd-Value\n  password: Second-Passw0rd-Value\n",
    )]);
    let w = scan_everything(dir.path(), &["k8s"]);
    w.assert_nowhere(&["First-Passw0rd-Value", "Second-Passw0rd-Value"]);
    w.assert_finding("KH002", "k8s/secret.yaml", 6);
    let human = w.get("stdout of --format human");
    assert!(human.contains("password: *"), "{human}");
}

// ---------------------------------------------------------------------------------------
// d. The last-applied-configuration annotation, on any kind
// ---------------------------------------------------------------------------------------

#[test]
fn the_last_applied_configuration_is_never_shown() {
    // `kubectl get cronjob nightly -o json | jq -c`: one line, a finding on it with a fix.
    let last_applied = r#"{\"apiVersion\":\"batch/v1beta1\",\"kind\":\"CronJob\",\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"env\":[{\"name\":\"DB_PASSWORD\",\"value\":\"Json-Last-Applied-Passw0rd\"}]}]}}}}}}"#;
    let cron_job = format!(
        r#"{{"apiVersion":"batch/v1beta1","kind":"CronJob","metadata":{{"name":"nightly","annotations":{{"kubectl.kubernetes.io/last-applied-configuration":"{last_applied}"}}}},"spec":{{"schedule":"0 3 * * *","jobTemplate":{{"spec":{{"template":{{"spec":{{"restartPolicy":"OnFailure","containers":[{{"name":"c","image":"busybox:1.36"}}]}}}}}}}}}}}}"#
    );
    // A ConfigMap whose annotation is set twice: KH002 on the second, in YAML.
    let config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{\"data\":{\"token\":\"Yaml-Last-Applied-T0ken\"}}'\n    kubectl.kubernetes.io/last-applied-configuration: '{\"data\":{\"token\":\"Yaml-Last-Applied-T0ken-2\"}}'\ndata:\n  mode: fast\n";
    let dir = repo(&[
        ("k8s/nightly.json", format!("{cron_job}\n").as_bytes()),
        ("k8s/settings.yaml", config_map.as_bytes()),
    ]);
    let w = scan_everything(dir.path(), &["k8s"]);
    w.assert_nowhere(&["Json-Last-Applied-Passw0rd", "Yaml-Last-Applied-T0ken"]);
    w.assert_finding("KH501", "k8s/nightly.json", 1);
    w.assert_finding("KH002", "k8s/settings.yaml", 7);
    // The fix is still made; only its display is masked.
    assert!(
        w.get("--fix --dry-run")
            .contains("+{\"apiVersion\":\"batch/v1\""),
        "{}",
        w.get("--fix --dry-run")
    );
}

// ---------------------------------------------------------------------------------------
// e. The context of a `--fix --dry-run` diff
// ---------------------------------------------------------------------------------------

#[test]
fn a_fix_next_to_a_secret_shows_no_value_in_its_diff() {
    let dir = repo(&[(
        "k8s/app.yaml",
        b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  user: admin\n  password: Diff-Context-Passw0rd\n---\napiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n  schedule: \"0 3 * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers:\n          - name: c\n            image: busybox:1.36\n",
    )]);
    let w = scan_everything(dir.path(), &["k8s"]);
    w.assert_nowhere(&["Diff-Context-Passw0rd"]);
    w.assert_finding("KH501", "k8s/app.yaml", 9);
    let diff = w.get("--fix --dry-run");
    assert!(
        diff.contains("-apiVersion: batch/v1beta1\n+apiVersion: batch/v1\n"),
        "{diff}"
    );
    assert!(diff.contains(" password: *"), "{diff}");
}
