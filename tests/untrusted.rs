//! A scanned tree is written by whoever opened the pull request: these tests play that
//! attacker (issue 20). Each builds a small repository, runs `keelhaul scan` on it as a CI job
//! would, and checks that the tree could not run a program of its choice, hand a tool the
//! job's credentials, outlast the time limit, or reach the network.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{PRIVILEGED_POD, keelhaul_in, write};

/// Writes an executable script at `dir/name`. Written under another name and copied into
/// place by a child process: a file this multi-threaded process has had open for writing can
/// still be open in a child another test forked meanwhile, and exec'ing it would then fail
/// with ETXTBSY.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let target = dir.join(name);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let draft = dir.join(format!(".{}.draft", name.replace('/', "_")));
    std::fs::write(&draft, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(&draft, std::fs::Permissions::from_mode(0o755)).unwrap();
    let ok = std::process::Command::new("/bin/cp")
        .arg(&draft)
        .arg(&target)
        .status()
        .unwrap()
        .success();
    assert!(ok, "could not install {name}");
    target
}

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
    let mut cmd = keelhaul_in(r);
    cmd.args(["scan", "."])
        .arg("--helm-binary")
        .arg(&helm)
        .env("KEELHAUL_KUSTOMIZE", &kustomize)
        .env("KUBECONFIG", &kubeconfig)
        .env("HOME", t);
    for (k, v) in CREDENTIALS {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    for name in ["helm", "kustomize"] {
        let env = std::fs::read_to_string(t.join(format!("{name}.env")))
            .unwrap_or_else(|_| panic!("{name} did not run: {}", stderr(&out)));
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
            "echo call >> '{calls}'\nsleep 600 </dev/null >/dev/null 2>&1 &\necho $! > '{pid}'\nsleep 5\n",
            calls = calls.display(),
            pid = pid.display()
        ),
    );
    let out = keelhaul_in(r)
        .args(["scan", ".", "--format", "json", "--render-timeout", "1"])
        .arg("--kustomize-binary")
        .arg(&tool)
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
            "echo call >> '{}'\necho 'Error: no matches for Id Deployment' >&2\nexit 1\n",
            calls.display()
        ),
    );
    let out = keelhaul_in(repo.path())
        .args(["scan", "."])
        .arg("--kustomize-binary")
        .arg(&tool)
        .output()
        .unwrap();
    assert!(stderr(&out).contains("KH010") || !out.stdout.is_empty());
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
