//! A scanned tree is written by whoever opened the pull request: these tests play that
//! attacker (issue 20). Each builds a small repository, runs `keelhaul scan` on it as a CI job
//! would, and checks that the tree could not run a program of its choice, hand a tool the
//! job's credentials, outlast the time limit, or reach the network.
#![cfg(unix)]

mod common;

use std::path::Path;

use common::{PRIVILEGED_POD, git, git_commit_all, keelhaul_in, script, write};

/// A repository with one overlay (`o/`) holding a privileged pod.
fn repo_with_overlay() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    write(
        dir.path(),
        "o/kustomization.yaml",
        "resources:\n- pod.yaml\n",
    );
    write(dir.path(), "o/pod.yaml", PRIVILEGED_POD);
    dir
}

/// Everything the run printed (human reports and notices go to standard output).
fn stderr(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The findings of rule `id` in a JSON report.
fn of_rule<'a>(report: &'a serde_json::Value, id: &str) -> Vec<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == id)
        .collect()
}

#[test]
fn a_configuration_found_in_the_tree_runs_no_program_of_its_own() {
    let repo = repo_with_overlay();
    let r = repo.path();
    write(
        r,
        "c/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    );
    write(r, "c/templates/pod.yaml", PRIVILEGED_POD);
    let marker = r.join("ran");
    let body = format!("echo \"$0\" >> '{}'\nexit 1\n", marker.display());
    script(r, "tools/kustomize", &body);
    script(r, "tools/helm", &body);
    write(
        r,
        ".keelhaul.yaml",
        "helm:\n  binary: tools/helm\nkustomize:\n  binary: tools/kustomize\n",
    );
    let out = keelhaul_in(r).args(["scan", "."]).output().unwrap();
    assert!(
        !marker.exists(),
        "the tree's own tools ran: {}",
        std::fs::read_to_string(&marker).unwrap_or_default()
    );
    let err = stderr(&out);
    for (line, key, flag) in [
        (2, "helm.binary", "--helm-binary"),
        (4, "kustomize.binary", "--kustomize-binary"),
    ] {
        let said = format!(".keelhaul.yaml:{line}: {key} is ignored");
        assert!(err.contains(&said) && err.contains(flag), "{said}:\n{err}");
    }
    // The same file named with --config is the caller's: its programs run.
    let out = keelhaul_in(r)
        .args(["scan", ".", "--config", ".keelhaul.yaml"])
        .output()
        .unwrap();
    let ran = std::fs::read_to_string(&marker).unwrap_or_default();
    assert!(
        ran.contains("tools/helm") && ran.contains("tools/kustomize"),
        "{ran}\n{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("is ignored"), "{}", stderr(&out));
}

#[test]
fn a_relative_entry_of_path_never_finds_a_tool_in_the_tree() {
    let repo = repo_with_overlay();
    let r = repo.path();
    let marker = r.join("ran");
    for tool in ["kustomize", "kubectl", "helm"] {
        script(r, tool, &format!("echo {tool} >> '{}'\n", marker.display()));
    }
    let out = keelhaul_in(r)
        .args(["scan", ".", "--format", "json"])
        .env("PATH", ".")
        .output()
        .unwrap();
    assert!(
        !marker.exists(),
        "a tool was found through `.` in PATH: {}",
        std::fs::read_to_string(&marker).unwrap_or_default()
    );
    let report = common::json_of(&out);
    assert_eq!(of_rule(&report, "KH007").len(), 1, "{report:#}");
}

/// Every variable a CI job may hold that a render tool must not see.
const CREDENTIALS: &[(&str, &str)] = &[
    ("GITHUB_TOKEN", "ghs_keelhaulTestToken"),
    ("ACTIONS_RUNTIME_TOKEN", "runtime-token"),
    ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "oidc-token"),
    ("AZURE_CLIENT_SECRET", "azure-secret"),
    ("ARM_CLIENT_SECRET", "arm-secret"),
    ("AWS_SECRET_ACCESS_KEY", "aws-secret"),
    ("GOOGLE_APPLICATION_CREDENTIALS", "/creds/google.json"),
    ("HELM_REPOSITORY_CONFIG", "/creds/helm-repos.yaml"),
    ("SOME_TOKEN", "other-token"),
];

#[test]
fn render_tools_get_no_credentials_no_kubeconfig_and_a_home_of_their_own() {
    let repo = repo_with_overlay();
    let r = repo.path();
    write(
        r,
        "c/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    );
    write(r, "c/templates/pod.yaml", PRIVILEGED_POD);
    let tools = tempfile::tempdir().unwrap();
    let t = tools.path();
    let dump = |name: &str| {
        format!(
            "env > '{env}'\nprintf '%s\\n' \"$@\" > '{args}'\n[ -s \"$KUBECONFIG\" ] && echo nonempty >> '{env}'\necho 'Error: stand-in' >&2\nexit 1\n",
            env = t.join(format!("{name}.env")).display(),
            args = t.join(format!("{name}.args")).display()
        )
    };
    let helm = script(t, "helm", &dump("helm"));
    let kustomize = script(t, "kustomize", &dump("kustomize"));
    let kubeconfig = t.join("real-kubeconfig");
    std::fs::write(&kubeconfig, "apiVersion: v1\nkind: Config\n").unwrap();
    // The programs named by a trusted configuration file, then by the flag and the
    // environment variable.
    let config = t.join("keelhaul.yaml");
    std::fs::write(
        &config,
        format!(
            "helm:\n  binary: {}\nkustomize:\n  binary: {}\n",
            helm.display(),
            kustomize.display()
        ),
    )
    .unwrap();
    for by_flags in [false, true] {
        for f in ["helm.env", "helm.args", "kustomize.env", "kustomize.args"] {
            let _ = std::fs::remove_file(t.join(f));
        }
        let mut cmd = keelhaul_in(r);
        cmd.args(["scan", "."]);
        if by_flags {
            cmd.arg("--helm-binary")
                .arg(&helm)
                .env("KEELHAUL_KUSTOMIZE", &kustomize);
        } else {
            cmd.arg("--config").arg(&config);
        }
        cmd.env("KUBECONFIG", &kubeconfig).env("HOME", t);
        for (k, v) in CREDENTIALS {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert_sandboxed(t, &kubeconfig, &out);
    }
}

/// What the stand-ins in `t` saw: no credential, no kubeconfig, a home of their own, no
/// network, and Kustomize's restrictions said out loud.
fn assert_sandboxed(t: &Path, kubeconfig: &Path, out: &std::process::Output) {
    for name in ["helm", "kustomize"] {
        let env = std::fs::read_to_string(t.join(format!("{name}.env")))
            .unwrap_or_else(|_| panic!("{name} did not run: {}", stderr(out)));
        let var = |k: &str| {
            env.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .map(str::to_string)
        };
        for (k, v) in CREDENTIALS {
            assert!(!env.contains(v), "{name} was given {k}:\n{env}");
        }
        assert!(!env.contains("nonempty"), "{name} was given a kubeconfig");
        let kc = var("KUBECONFIG").expect("KUBECONFIG points at an empty file");
        assert_ne!(Path::new(&kc), kubeconfig);
        let home = var("HOME").unwrap();
        assert_ne!(Path::new(&home), t, "{name} got the job's HOME");
        for k in [
            "TMPDIR",
            "HELM_CACHE_HOME",
            "HELM_CONFIG_HOME",
            "HELM_DATA_HOME",
        ] {
            let v = var(k).unwrap_or_else(|| panic!("{name}: {k} is not set"));
            assert!(v.starts_with(home.trim_end_matches("/home")), "{k}={v}");
        }
        assert_eq!(var("HTTPS_PROXY").as_deref(), Some("http://127.0.0.1:9"));
    }
    let args = std::fs::read_to_string(t.join("kustomize.args")).unwrap();
    for a in [
        "--load-restrictor=LoadRestrictionsRootOnly",
        "--enable-alpha-plugins=false",
        "--enable-helm=false",
    ] {
        assert!(args.lines().any(|l| l == a), "{a} missing from {args}");
    }
}

/// Whether process `pid` is still running (a zombie left for a parent to reap is not).
/// The first line of a stand-in tool: it answers `version` (which keelhaul asks once per
/// scan, for the render cache's key) without counting it as a render.
const ANSWERS_VERSION: &str = "[ \"$1\" = version ] && { echo stand-in; exit 0; }\n";

fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit(')')
            .next()
            .is_some_and(|r| !r.trim_start().starts_with('Z'))
    })
}

#[test]
fn the_time_limit_stops_everything_the_tool_started_and_is_not_given_twice() {
    let repo = repo_with_overlay();
    let r = repo.path();
    let t = tempfile::tempdir().unwrap();
    let calls = t.path().join("calls");
    let pid = t.path().join("pid");
    // A tool that leaves a process behind (holding no pipe), and keeps its output pipe open
    // in a child for a while after it is stopped.
    let tool = script(
        t.path(),
        "kustomize",
        &format!(
            "{ANSWERS_VERSION}echo call >> '{calls}'\nsleep 600 </dev/null >/dev/null 2>&1 &\necho $! > '{pid}'\nsleep 5\n",
            calls = calls.display(),
            pid = pid.display()
        ),
    );
    // Named by a trusted configuration file, which also sets the limit.
    let config = t.path().join("keelhaul.yaml");
    std::fs::write(
        &config,
        format!(
            "renderTimeout: 1\nkustomize:\n  binary: {}\n",
            tool.display()
        ),
    )
    .unwrap();
    let out = keelhaul_in(r)
        .args(["scan", ".", "--format", "json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let report = common::json_of(&out);
    let kh010 = of_rule(&report, "KH010");
    assert_eq!(kh010.len(), 1, "{report:#}");
    let message = kh010[0]["message"].as_str().unwrap();
    assert!(message.contains("did not finish within 1 s"), "{message}");
    assert_eq!(kh010[0]["start"]["line"], 1, "{report:#}");
    let calls = std::fs::read_to_string(&calls).unwrap();
    assert_eq!(calls.lines().count(), 1, "the build was started again");
    let pid = std::fs::read_to_string(&pid).unwrap();
    let pid = pid.trim();
    let survived = alive(pid);
    if survived {
        let _ = std::process::Command::new("kill").arg(pid).status();
    }
    assert!(
        !survived,
        "a process the tool started outlived the time limit"
    );
}

#[test]
fn a_failed_build_is_not_run_a_second_time() {
    let repo = repo_with_overlay();
    let t = tempfile::tempdir().unwrap();
    let calls = t.path().join("calls");
    let tool = script(
        t.path(),
        "kustomize",
        &format!(
            "{ANSWERS_VERSION}echo call >> '{}'\necho 'Error: no matches for Id Deployment' >&2\nexit 1\n",
            calls.display()
        ),
    );
    let config = t.path().join("keelhaul.yaml");
    std::fs::write(
        &config,
        format!("kustomize:\n  binary: {}\n", tool.display()),
    )
    .unwrap();
    let out = keelhaul_in(repo.path())
        .args(["scan", ".", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(stderr(&out).contains("KH010"), "{}", stderr(&out));
    let calls = std::fs::read_to_string(&calls).unwrap();
    assert_eq!(calls.lines().count(), 1, "the failed build ran again");
}

#[test]
fn a_configuration_found_in_the_tree_may_lower_the_time_limit_not_raise_it() {
    let repo = repo_with_overlay();
    let r = repo.path();
    write(r, ".keelhaul.yaml", "renderTimeout: 3600\n");
    let out = keelhaul_in(r)
        .args(["scan", ".", "--no-render"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        err.contains(".keelhaul.yaml:1: renderTimeout above 120 s is ignored"),
        "{err}"
    );
    // A lower limit is taken: the stand-in sleeps past it.
    write(r, ".keelhaul.yaml", "renderTimeout: 1\n");
    let t = tempfile::tempdir().unwrap();
    let tool = script(t.path(), "kustomize", "exec sleep 30\n");
    let out = keelhaul_in(r)
        .args(["scan", ".", "--format", "json"])
        .arg("--kustomize-binary")
        .arg(&tool)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("did not finish within 1 s"), "{text}");
    assert!(!stderr(&out).contains("is ignored"));
}

#[test]
fn a_remote_base_is_not_fetched_and_says_how_to_allow_it() {
    let repo = tempfile::tempdir().unwrap();
    let r = repo.path();
    write(
        r,
        "o/kustomization.yaml",
        "resources:\n- https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v3.3.1\n",
    );
    let out = keelhaul_in(r)
        .args(["scan", ".", "--format", "json"])
        .output()
        .unwrap();
    let report = common::json_of(&out);
    let kh010 = of_rule(&report, "KH010");
    assert_eq!(kh010.len(), 1, "{report:#}");
    let m = kh010[0]["message"].as_str().unwrap();
    assert!(
        m.contains("remote base") && m.contains("--allow-remote-bases"),
        "{m}"
    );
    assert_eq!(kh010[0]["file"], "./o/kustomization.yaml");
    assert_eq!(kh010[0]["start"]["line"], 1);
}

// ---------------------------------------------------------------------------------------
// Findings stay where the problem is; nothing outside the repository is read (item 2)
// ---------------------------------------------------------------------------------------

/// A repository holding a chart `web` (a ConfigMap template, and a Deployment template that
/// writes `privileged` from a value), committed.
fn repo_with_chart() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(
        r,
        "web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    );
    write(r, "web/values.yaml", "privileged: false\n");
    write(
        r,
        "web/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  a: b\n",
    );
    write(
        r,
        "web/templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx\n        securityContext:\n          privileged: {{ .Values.privileged }}\n",
    );
    git_commit_all(r);
    dir
}

#[test]
fn a_source_header_cannot_move_a_new_files_findings_out_of_the_diff() {
    let repo = repo_with_chart();
    let r = repo.path();
    // Naming a template of another kind: the findings stay on the new file.
    write(
        r,
        "rendered/pod.yaml",
        format!("# Source: web/templates/cm.yaml\n{PRIVILEGED_POD}"),
    );
    // Naming the template that does write the field: the finding may be shown there, but the
    // new file's line stays one of its places, so the diff keeps it.
    write(
        r,
        "rendered/deploy.yaml",
        "# Source: web/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx\n        securityContext:\n          privileged: true\n",
    );
    let out = keelhaul_in(r)
        .args([
            "scan",
            ".",
            "--no-render",
            "--diff",
            "HEAD",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = common::json_of(&out);
    let kh101 = of_rule(&report, "KH101");
    assert_eq!(kh101.len(), 2, "{report:#}");
    let pod = kh101
        .iter()
        .find(|f| f["file"].as_str().unwrap().ends_with("rendered/pod.yaml"))
        .unwrap_or_else(|| panic!("the pod's finding left its file: {report:#}"));
    assert_eq!(pod["start"]["line"], 11);
    let deploy = kh101.iter().find(|f| *f != pod).unwrap();
    let places: Vec<(String, u64)> = std::iter::once(&**deploy)
        .chain(deploy["related"].as_array().unwrap())
        .map(|p| {
            (
                p["file"].as_str().unwrap_or_default().to_string(),
                p["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        places
            .iter()
            .any(|(f, l)| f.ends_with("rendered/deploy.yaml") && *l == 13),
        "{places:?}"
    );
}

#[test]
fn a_source_header_cannot_make_keelhaul_read_outside_the_repository() {
    let repo = repo_with_chart();
    let r = repo.path();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.yaml");
    std::fs::write(&secret, "OUTSIDE-SECRET-LINE: 1\n").unwrap();
    write(
        r,
        "rendered/pod.yaml",
        format!("# Source: web/{}\n{PRIVILEGED_POD}", secret.display()),
    );
    for format in ["human", "json", "sarif", "github"] {
        let out = keelhaul_in(r)
            .args(["scan", ".", "--no-render", "--format", format])
            .output()
            .unwrap();
        let all = stderr(&out);
        assert!(!all.contains("OUTSIDE-SECRET"), "{format}:\n{all}");
        assert!(all.contains("KH101"), "{format}:\n{all}");
    }
    // The finding stays on the file: the header named no template of the chart.
    let out = keelhaul_in(r)
        .args(["scan", ".", "--no-render", "--format", "json"])
        .output()
        .unwrap();
    let report = common::json_of(&out);
    let kh101 = of_rule(&report, "KH101");
    assert_eq!(kh101.len(), 1, "{report:#}");
    assert_eq!(kh101[0]["file"], "./rendered/pod.yaml", "{report:#}");
    assert_eq!(kh101[0]["start"]["line"], 11, "{report:#}");
    assert_eq!(kh101[0]["related"], serde_json::json!([]), "{report:#}");
}

#[test]
fn an_annotation_naming_a_file_outside_the_repository_is_not_read() {
    if !["kustomize", "kubectl"].iter().any(|t| {
        common::root()
            .join("Cargo.toml")
            .exists()
            .then(|| std::env::var_os("PATH"))
            .flatten()
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(t).is_file()))
    }) {
        eprintln!("SKIPPED: needs kustomize or kubectl on PATH");
        return;
    }
    let repo = tempfile::tempdir().unwrap();
    let r = repo.path();
    std::fs::create_dir(r.join(".git")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    let o = outside.path();
    write(
        o,
        "kustomization.yaml",
        "namespace: OUTSIDE-SECRET-NS\npatches:\n- path: patch.yaml\n",
    );
    write(
        o,
        "patch.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    securityContext:\n      privileged: true # OUTSIDE-SECRET-PATCH\n",
    );
    write(r, "o/kustomization.yaml", "resources:\n- pod.yaml\n");
    let annotated = PRIVILEGED_POD.replace(
        "  name: p\n",
        &format!(
            "  name: p\n  annotations:\n    alpha.config.kubernetes.io/transformations: |\n      - configuredIn: {}\n        configuredBy:\n          apiVersion: builtin\n          kind: PatchTransformer\n",
            o.join("kustomization.yaml").display()
        ),
    );
    write(r, "o/pod.yaml", &annotated);
    for format in ["human", "json", "sarif"] {
        let out = keelhaul_in(r)
            .args(["scan", ".", "--format", format])
            .output()
            .unwrap();
        let all = stderr(&out);
        assert!(!all.contains("OUTSIDE-SECRET"), "{format}:\n{all}");
        assert!(all.contains("KH101"), "{format}:\n{all}");
    }
    let out = keelhaul_in(r)
        .args(["scan", ".", "--format", "json"])
        .output()
        .unwrap();
    let report = common::json_of(&out);
    let kh101 = of_rule(&report, "KH101");
    assert_eq!(kh101.len(), 1, "{report:#}");
    assert_eq!(kh101[0]["file"], "./o/pod.yaml", "{report:#}");
    assert_eq!(kh101[0]["start"]["line"], 16, "{report:#}");
}

#[test]
fn a_chart_with_a_link_out_of_the_repository_is_not_rendered() {
    let repo = tempfile::tempdir().unwrap();
    let r = repo.path();
    std::fs::create_dir(r.join(".git")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("id_rsa"), "OUTSIDE-SECRET-KEY\n").unwrap();
    write(
        r,
        "web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    );
    write(r, "web/templates/pod.yaml", PRIVILEGED_POD);
    std::fs::create_dir_all(r.join("web/files")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("id_rsa"), r.join("web/files/key")).unwrap();
    let t = tempfile::tempdir().unwrap();
    let calls = t.path().join("calls");
    let helm = script(
        t.path(),
        "helm",
        &format!(
            "{ANSWERS_VERSION}echo call >> '{}'\ncat \"$2/files/key\"\n",
            calls.display()
        ),
    );
    let config = t.path().join("keelhaul.yaml");
    std::fs::write(&config, format!("helm:\n  binary: {}\n", helm.display())).unwrap();
    let out = keelhaul_in(r)
        .args(["scan", ".", "--format", "json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        !calls.exists(),
        "helm ran on a chart with a link out of the repository"
    );
    let report = common::json_of(&out);
    let kh010 = of_rule(&report, "KH010");
    assert_eq!(kh010.len(), 1, "{report:#}");
    let m = kh010[0]["message"].as_str().unwrap();
    assert!(
        m.contains("symbolic link") && m.contains("files/key"),
        "{m}"
    );
    assert_eq!(kh010[0]["file"], "./web/Chart.yaml");
    assert_eq!(kh010[0]["start"]["line"], 2);
}

// ---------------------------------------------------------------------------------------
// A change is judged by the settings it is merged into
// ---------------------------------------------------------------------------------------

/// A committed repository with a configuration that turns nothing off.
fn repo_with_config() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, ".keelhaul.yaml", "failOn: error\n");
    write(
        r,
        "k8s/ok.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    );
    git_commit_all(r);
    dir
}

#[test]
fn a_pull_request_cannot_loosen_the_settings_that_judge_it() {
    for (name, loosened) in [
        (
            "turns the rule off",
            "failOn: error\nrules:\n  KH101: off\n",
        ),
        (
            "lowers its severity",
            "failOn: error\nrules:\n  privileged: note\n",
        ),
        ("fails on nothing", "failOn: never\n"),
    ] {
        let repo = repo_with_config();
        let r = repo.path();
        write(r, ".keelhaul.yaml", loosened);
        write(r, "k8s/pod.yaml", PRIVILEGED_POD);
        let out = keelhaul_in(r)
            .args([
                "scan",
                ".",
                "--diff",
                "HEAD",
                "--no-render",
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        let report = common::json_of(&out);
        let kh101 = of_rule(&report, "KH101");
        assert_eq!(kh101.len(), 1, "{name}: {report:#}");
        assert_eq!(kh101[0]["severity"], "error");
        assert_eq!(kh101[0]["start"]["line"], 10);
        let notices = report["notices"].to_string();
        assert!(
            notices.contains("read as it is at HEAD"),
            "{name}: {notices}"
        );
    }
    // A configuration the change adds is not used to judge it either.
    let repo = repo_with_config();
    let r = repo.path();
    std::fs::remove_file(r.join(".keelhaul.yaml")).unwrap();
    git(r, &["commit", "-qam", "no configuration"]);
    write(r, ".keelhaul.yaml", "failOn: never\n");
    write(r, "k8s/pod.yaml", PRIVILEGED_POD);
    let out = keelhaul_in(r)
        .args(["scan", ".", "--diff", "HEAD", "--no-render"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not used: it is not in HEAD"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_pull_request_cannot_record_its_own_findings_in_the_baseline() {
    let repo = repo_with_config();
    let r = repo.path();
    let write_baseline = || {
        let ok = keelhaul_in(r)
            .args(["scan", ".", "--no-render"])
            .args(["--write-baseline", ".keelhaul-baseline.json"])
            .output()
            .unwrap();
        assert!(ok.status.success(), "{}", stderr(&ok));
    };
    write_baseline();
    git(r, &["add", "-A"]);
    git(r, &["commit", "-qm", "baseline"]);
    // The change adds a privileged pod and writes its findings into the baseline.
    write(r, "k8s/pod.yaml", PRIVILEGED_POD);
    write_baseline();
    let out = keelhaul_in(r)
        .args(["scan", ".", "--no-render", "--format", "json"])
        .args(["--diff", "HEAD", "--baseline", ".keelhaul-baseline.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = common::json_of(&out);
    assert_eq!(of_rule(&report, "KH101").len(), 1, "{report:#}");
    // Without --diff the baseline in the tree is the one read (a local run).
    let out = keelhaul_in(r)
        .args([
            "scan",
            ".",
            "--no-render",
            "--baseline",
            ".keelhaul-baseline.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_configuration_that_links_into_git_is_not_read() {
    let repo = repo_with_overlay();
    let r = repo.path();
    write(
        r,
        ".git/config",
        "[remote \"origin\"]\n\turl = https://x-access-token:ghs_SECRETTOKEN@github.com/o/r\n",
    );
    std::os::unix::fs::symlink(".git/config", r.join(".keelhaul.yaml")).unwrap();
    let out = keelhaul_in(r)
        .args(["scan", ".", "--no-render"])
        .output()
        .unwrap();
    let all = stderr(&out);
    assert!(!all.contains("SECRETTOKEN"), "{all}");
    assert!(
        all.contains(".keelhaul.yaml: not read: it is a symbolic link"),
        "{all}"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the scan goes on with the defaults: {all}"
    );
}
