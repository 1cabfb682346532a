//! The action's scan step with `diff` set, in the checkout a CI job has: a shallow clone that
//! lacks the base commit. The step fetches it and the scan reports only the changed lines.
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
/// (as the `env:` of the step in action.yml names them).
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
    for (k, v) in defaults.iter().chain(inputs) {
        cmd.env(k, v);
    }
    cmd.env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("KEELHAUL_BIN", assert_cmd::cargo::cargo_bin("keelhaul"))
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

#[test]
fn diff_input_fetches_the_base_of_a_shallow_checkout() {
    let has = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !has("git") || !has("bash") {
        eprintln!("git or bash missing: skipping the action's diff test");
        return;
    }
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

    let out = run_scan_step(
        &clone,
        d.path(),
        &[
            ("KEELHAUL_DIFF", &base),
            ("KEELHAUL_ARGS", "--select KH101"),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("fetching"), "{stdout}\n{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    // Only the new pod's privileged container (line 21) is reported; the base's is left out.
    assert!(stdout.contains("pods.yaml:21:"), "{stdout}\n{stderr}");
    assert!(!stdout.contains("pods.yaml:10:"), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("1 finding(s) on lines not changed"),
        "{stdout}\n{stderr}"
    );
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
