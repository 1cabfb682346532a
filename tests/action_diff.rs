//! The action's scan step with `diff` set, in the checkout a CI job has: a shallow clone that
//! lacks the base commit. The step fetches it and the scan reports only the changed lines.
//! When that fetch fails (a private repository checked out with `persist-credentials: false`),
//! it fetches once more with the workflow's token, which reaches that git command alone.
//! The step's script is taken from action.yml itself, so this tests what ships. With
//! `baseline` set, the findings the committed baseline records are left out.

mod common;

use std::path::Path;
use std::process::Command;

/// The `run: |` script of the action's "Scan with keelhaul" step.
fn scan_step_script() -> String {
    let action = std::fs::read_to_string(common::root().join("action.yml")).unwrap();
    let step = action
        .find("- name: Scan with keelhaul")
        .expect("the scan step");
    let run = step + action[step..].find("      run: |\n").expect("its script") + 13;
    action[run..]
        .lines()
        .take_while(|l| l.is_empty() || l.starts_with("        "))
        .map(|l| l.get(8..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the action's scan step in `dir` with its inputs at their defaults but for `inputs`
/// (as the `env:` of the step in action.yml names them; other variables may be given there
/// too, KEELHAUL_BIN and PATH among them).
fn run_scan_step(dir: &Path, home: &Path, inputs: &[(&str, &str)]) -> std::process::Output {
    let script = home.join("scan-step.sh");
    std::fs::write(&script, scan_step_script()).unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg(&script).current_dir(dir);
    for k in common::CLEARED_VARS {
        cmd.env_remove(k);
    }
    let defaults = [
        ("KEELHAUL_PATHS", "."),
        ("KEELHAUL_KUBE_VERSION", ""),
        ("KEELHAUL_PSS", ""),
        ("KEELHAUL_FAIL_ON", "error"),
        ("KEELHAUL_SARIF_FILE", ""),
        ("KEELHAUL_SARIF_CATEGORY", ""),
        ("KEELHAUL_ANNOTATIONS", "false"),
        ("KEELHAUL_PR_REVIEW", "false"),
        ("KEELHAUL_FILTER_MODE", ""),
        ("KEELHAUL_REQUIRE_RENDER", "false"),
        ("KEELHAUL_DIFF", ""),
        ("KEELHAUL_BASELINE", ""),
        ("KEELHAUL_ARGS", ""),
    ];
    cmd.env("KEELHAUL_BIN", assert_cmd::cargo::cargo_bin("keelhaul"));
    for (k, v) in defaults.iter().chain(inputs) {
        cmd.env(k, v);
    }
    cmd.env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap()
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(["-c", "protocol.file.allow=always"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A repository whose second commit adds a privileged pod to the first one's, and a clone of
/// it one commit deep, as actions/checkout makes: (temporary directory, clone, base commit).
fn shallow_clone_of_a_change() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let d = tempfile::tempdir().unwrap();
    let origin = d.path().join("origin");
    std::fs::create_dir(&origin).unwrap();
    git(&origin, &["init", "-q"]);
    // Fetching a commit by its id, as GitHub allows.
    git(
        &origin,
        &["config", "uploadpack.allowAnySHA1InWant", "true"],
    );
    common::write(&origin, "pods.yaml", common::PRIVILEGED_POD);
    git(&origin, &["add", "."]);
    git(&origin, &["commit", "-q", "-m", "base"]);
    let base = git(&origin, &["rev-parse", "HEAD"]);
    // The pull request adds a second privileged pod; the first one was there before.
    let changed = format!(
        "{}---\n{}",
        common::PRIVILEGED_POD,
        common::PRIVILEGED_POD.replace("name: p", "name: q")
    );
    common::write(&origin, "pods.yaml", &changed);
    git(&origin, &["commit", "-q", "-am", "change"]);
    let url = format!("file://{}", origin.display());
    git(d.path(), &["clone", "-q", "--depth", "1", &url, "clone"]);
    let clone = d.path().join("clone");
    (d, clone, base)
}

fn has(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Only the new pod's privileged container (line 21) is reported; the base's is left out.
fn assert_only_the_changed_lines_reported(out: &std::process::Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains("pods.yaml:21:"), "{stdout}\n{stderr}");
    assert!(!stdout.contains("pods.yaml:10:"), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("1 finding(s) on lines not changed"),
        "{stdout}\n{stderr}"
    );
}

#[test]
fn diff_input_fetches_the_base_of_a_shallow_checkout() {
    if !has("git") || !has("bash") {
        eprintln!("git or bash missing: skipping the action's diff test");
        return;
    }
    let (d, clone, base) = shallow_clone_of_a_change();
    let out = run_scan_step(
        &clone,
        d.path(),
        &[
            ("KEELHAUL_DIFF", &base),
            ("KEELHAUL_ARGS", "--select KH101"),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("fetching"), "{stdout}");
    assert!(!stdout.contains("with the workflow's token"), "{stdout}");
    assert_only_the_changed_lines_reported(&out);
}

#[cfg(unix)]
#[test]
fn diff_input_fetches_with_the_token_when_the_checkout_kept_no_credentials() {
    use std::os::unix::fs::PermissionsExt;
    if !has("git") || !has("bash") || !has("base64") {
        eprintln!("git, bash or base64 missing: skipping the action's diff test with a token");
        return;
    }
    let (d, clone, base) = shallow_clone_of_a_change();
    let real_git = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let real_git = real_git.trim();
    // git as GitHub answers a fetch from a private repository without credentials; with the
    // header the step configures, it logs it and runs the real git.
    let bin = d.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let header_log = d.path().join("header");
    let script = format!(
        "#!/bin/sh\n\
         if [ \"$1\" = fetch ]; then\n\
           if [ -z \"${{GIT_CONFIG_COUNT:-}}\" ]; then\n\
             echo \"fatal: could not read Username: terminal prompts disabled\" >&2\n\
             exit 128\n\
           fi\n\
           printf '%s\\n%s\\n' \"$GIT_CONFIG_KEY_0\" \"$GIT_CONFIG_VALUE_0\" > '{}'\n\
         fi\n\
         exec '{real_git}' \"$@\"\n",
        header_log.display()
    );
    // keelhaul itself, behind a wrapper that records the environment it was given.
    let env_log = d.path().join("keelhaul-env");
    let keelhaul = format!(
        "#!/bin/sh\nenv > '{}'\nexec '{}' \"$@\"\n",
        env_log.display(),
        assert_cmd::cargo::cargo_bin("keelhaul").display()
    );
    for (name, text) in [("git", script), ("keelhaul", keelhaul)] {
        let p = bin.join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let keelhaul_bin = bin.join("keelhaul");
    let token = "t0ken-for-the-fetch";
    let out = run_scan_step(
        &clone,
        d.path(),
        &[
            ("KEELHAUL_DIFF", &base),
            ("KEELHAUL_ARGS", "--select KH101"),
            ("KEELHAUL_FETCH_TOKEN", token),
            ("GITHUB_SERVER_URL", "https://github.example"),
            ("PATH", &path),
            ("KEELHAUL_BIN", keelhaul_bin.to_str().unwrap()),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("fetching") && stdout.contains("again, with the workflow's token"),
        "{stdout}"
    );
    assert_only_the_changed_lines_reported(&out);
    // base64("x-access-token:t0ken-for-the-fetch"), for this server only, and masked.
    let basic = "eC1hY2Nlc3MtdG9rZW46dDBrZW4tZm9yLXRoZS1mZXRjaA==";
    assert_eq!(
        std::fs::read_to_string(&header_log).unwrap(),
        format!("http.https://github.example/.extraheader\nAUTHORIZATION: basic {basic}\n")
    );
    assert!(stdout.contains(&format!("::add-mask::{basic}")), "{stdout}");
    // Neither the checkout's configuration nor keelhaul got it.
    let config = std::fs::read_to_string(clone.join(".git/config")).unwrap();
    assert!(
        !config.contains(basic) && !config.contains("extraheader"),
        "{config}"
    );
    let env = std::fs::read_to_string(&env_log).unwrap();
    assert!(!env.contains(token) && !env.contains(basic), "{env}");
}

#[test]
fn baseline_input_leaves_out_the_recorded_findings() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("bash missing: skipping the action's baseline test");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let repo = d.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    common::write(&repo, "pods.yaml", common::PRIVILEGED_POD);
    let bin = assert_cmd::cargo::cargo_bin("keelhaul");
    // The baseline is written once, before the second pod is added.
    let written = Command::new(&bin)
        .args(["scan", "--write-baseline", "keelhaul-baseline.json", "."])
        .current_dir(&repo)
        .output()
        .unwrap();
    assert!(written.status.success());
    let two = format!(
        "{}---\n{}",
        common::PRIVILEGED_POD,
        common::PRIVILEGED_POD.replace("name: p", "name: q")
    );
    common::write(&repo, "pods.yaml", &two);
    let out = run_scan_step(
        &repo,
        d.path(),
        &[
            ("KEELHAUL_BASELINE", "keelhaul-baseline.json"),
            ("KEELHAUL_ARGS", "--select KH101"),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("--baseline keelhaul-baseline.json"),
        "{stdout}\n{stderr}"
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    // The new pod's privileged container (line 21) is reported; the recorded one is not.
    assert!(stdout.contains("pods.yaml:21:"), "{stdout}\n{stderr}");
    assert!(!stdout.contains("pods.yaml:10:"), "{stdout}\n{stderr}");
}
