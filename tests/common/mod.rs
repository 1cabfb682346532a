//! What the integration tests that run the `keelhaul` binary share: the command, started from
//! the repository root with an environment that cannot reach the CI job running the suite,
//! and small helpers for files and JSON reports.
//!
//! Each test binary uses a different subset of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// Variables removed from the environment of every `keelhaul()` command. A test that needs
/// one sets it on the command after calling the helper.
///
/// Read by the binary itself:
/// - `GITHUB_ACTIONS`: `true` turns on the job summary and step outputs (cli/mod.rs);
/// - `GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT`: the files those are appended to (cli/mod.rs);
/// - `GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`, `GITHUB_SHA`: the summary's links
///   (report/workflow_commands.rs);
/// - `GITHUB_WORKSPACE`: the repository root of reports (discover/paths.rs);
/// - `GITHUB_API_URL`, `GITHUB_TOKEN`, `GITHUB_EVENT_PATH`, `GITHUB_EVENT_NAME`,
///   `GITHUB_REPOSITORY`: the pull-request review (github/review.rs);
/// - `NO_COLOR`: colour of the human report (cli/mod.rs).
///
/// Read by its dependencies (clap, through anstream and terminal_size): `CLICOLOR_FORCE`
/// puts colour into help and error messages even when piped; `NO_COLOR`, `CLICOLOR` and `CI`
/// decide it on a terminal; `COLUMNS` and `LINES` are the width help is wrapped at when no
/// standard stream is a terminal.
///
/// Not read, but the other files and settings of a GitHub Actions step, so that nothing the
/// binary may come to read later reaches the real job: `GITHUB_ENV`, `GITHUB_PATH`,
/// `GITHUB_STATE`, `GITHUB_REF`, `GITHUB_RUN_ID`, `RUNNER_TEMP`.
pub const CLEARED_VARS: &[&str] = &[
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_OUTPUT",
    "GITHUB_ENV",
    "GITHUB_PATH",
    "GITHUB_STATE",
    "GITHUB_EVENT_PATH",
    "GITHUB_EVENT_NAME",
    "GITHUB_TOKEN",
    "GITHUB_WORKSPACE",
    "GITHUB_REPOSITORY",
    "GITHUB_SHA",
    "GITHUB_REF",
    "GITHUB_SERVER_URL",
    "GITHUB_API_URL",
    "GITHUB_RUN_ID",
    "RUNNER_TEMP",
    "CI",
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "COLUMNS",
    "LINES",
];

/// Every variable of the test process whose name starts with one of these is removed too
/// (the runner sets many more than the list above names).
pub const CLEARED_PREFIXES: &[&str] = &["GITHUB_", "RUNNER_", "ACTIONS_"];

/// The repository root (where `cargo test` runs the tests from).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `keelhaul` binary, run from the repository root, without any of the variables
/// above.
pub fn keelhaul() -> Command {
    let mut c = Command::cargo_bin("keelhaul").unwrap();
    c.current_dir(root());
    for k in CLEARED_VARS {
        c.env_remove(k);
    }
    for (k, _) in std::env::vars_os() {
        if k.to_str()
            .is_some_and(|k| CLEARED_PREFIXES.iter().any(|p| k.starts_with(p)))
        {
            c.env_remove(k);
        }
    }
    // Renders are kept in a cache of the test build's own (never the user's), shared by the
    // tests and kept between runs, as a user's would be. Tests of the cache name their own.
    c.env(
        "KEELHAUL_CACHE_DIR",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("render-cache"),
    );
    c.env_remove("KEELHAUL_NO_CACHE");
    c
}

/// `keelhaul()` run from `dir`.
pub fn keelhaul_in(dir: &Path) -> Command {
    let mut c = keelhaul();
    c.current_dir(dir);
    c
}

/// Runs git in `dir` (with an author of its own); panics when it fails.
pub fn git(dir: &Path, args: &[&str]) {
    let ok = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap()
        .success();
    assert!(ok, "git {args:?}");
}

/// Makes `dir` a git repository holding everything written so far, committed.
pub fn git_commit_all(dir: &Path) {
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "base"]);
}

#[cfg(unix)]
/// Writes an executable script at `dir/name`. Written under another name and copied into
/// place by a child process: a file this multi-threaded process has had open for writing can
/// still be open in a child another test forked meanwhile, and exec'ing it would then fail
/// with ETXTBSY.
pub fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let target = dir.join(name);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let draft = dir.join(format!(".{}.draft", name.replace('/', "_")));
    std::fs::write(&draft, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(
        &draft,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o755),
    )
    .unwrap();
    let ok = std::process::Command::new("/bin/cp")
        .arg(&draft)
        .arg(&target)
        .status()
        .unwrap()
        .success();
    assert!(ok, "could not install {name}");
    target
}

/// Writes `body` to `dir/name`, creating the directories between.
pub fn write(dir: &Path, name: &str, body: impl AsRef<[u8]>) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

/// Standard output parsed as JSON (a JSON or SARIF report); panics with standard error when
/// it is not.
pub fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON report ({e}); stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The rules `keelhaul rules --format json` lists, run by `cmd` (in its directory, with its
/// configuration).
pub fn rules_json(mut cmd: Command) -> Vec<serde_json::Value> {
    let out = cmd.args(["rules", "--format", "json"]).output().unwrap();
    json_of(&out).as_array().unwrap().clone()
}

/// A pod with one privileged container: KH101 at 10:19.
pub const PRIVILEGED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      privileged: true\n";
