//! The suite inside a GitHub Actions job: the runner's variables in the environment of
//! `cargo test` must not reach the binary the tests run, or every scan would append to the
//! real job summary and step outputs.
//!
//! The variables are set in this test process, which is why this file holds one test only:
//! no other thread of this binary reads the environment while it changes.

mod common;

use common::{CLEARED_VARS, PRIVILEGED_POD, keelhaul_in, write};

#[test]
fn the_runners_variables_do_not_reach_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "k8s/pod.yaml", PRIVILEGED_POD);
    // The files a runner creates for a step, empty at its start.
    let summary = d.join("step_summary.md");
    let output = d.join("output.txt");
    std::fs::write(&summary, "").unwrap();
    std::fs::write(&output, "").unwrap();
    // A variable of the runner's that the list does not name: the prefix removes it.
    let unlisted = "GITHUB_KEELHAUL_TEST_UNLISTED";
    // SAFETY: the only test of this binary; nothing else reads the environment meanwhile.
    unsafe {
        std::env::set_var("GITHUB_ACTIONS", "true");
        std::env::set_var("GITHUB_STEP_SUMMARY", &summary);
        std::env::set_var("GITHUB_OUTPUT", &output);
        std::env::set_var("GITHUB_WORKSPACE", d);
        std::env::set_var("CI", "true");
        std::env::set_var(unlisted, "1");
    }

    // The command as the suite builds it: every listed variable, and the unlisted one, is
    // removed from the child's environment.
    let cmd = keelhaul_in(d);
    let removed: Vec<String> = cmd
        .get_envs()
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k.to_string_lossy().into_owned())
        .collect();
    for k in CLEARED_VARS.iter().copied().chain([unlisted]) {
        assert!(removed.iter().any(|r| r == k), "{k} is not removed");
    }

    let scan = || {
        let mut c = keelhaul_in(d);
        c.args(["scan", "k8s", "--format", "github"]);
        c
    };
    let out = scan().output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("title=KH101 privileged::"),
        "the scan has a finding to summarise"
    );
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), "");
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "");

    // The check above would catch a binary that reached them: a command that inherits this
    // process's environment, as the suite's commands did before, appends to both files...
    let out = assert_cmd::Command::cargo_bin("keelhaul")
        .unwrap()
        .current_dir(d)
        .args(["scan", "k8s", "--format", "github"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("## keelhaul: "), "{md}");
    let outputs = std::fs::read_to_string(&output).unwrap();
    assert!(outputs.starts_with("findings="), "{outputs}");

    // ...and so does the suite's command with the variables set on it, as a test that needs
    // them does.
    std::fs::write(&summary, "").unwrap();
    std::fs::write(&output, "").unwrap();
    let out = scan()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &output)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("## keelhaul: "), "{md}");
    let outputs = std::fs::read_to_string(&output).unwrap();
    assert!(outputs.starts_with("findings="), "{outputs}");
}
