//! The action's render cache, as action.yml ships it: a step names the cache directory and a
//! key prefix of the runner's OS and keelhaul's version; the cache is restored before the scan
//! and saved after it, under the same key and path, only when a render ran; and the scan step
//! hands the directory (or `--no-cache`) to keelhaul through the variables keelhaul reads.
//! The scripts are taken from action.yml itself and run here.

mod common;

use std::path::Path;

fn action() -> String {
    std::fs::read_to_string(common::root().join("action.yml")).unwrap()
}

/// The text of the step called `name`, up to the next step.
fn step(action: &str, name: &str) -> String {
    let at = action
        .find(&format!("- name: {name}\n"))
        .unwrap_or_else(|| panic!("no step {name:?} in action.yml"));
    let rest = &action[at + 2..];
    let end = rest.find("\n    - name: ").map_or(rest.len(), |e| e + 1);
    rest[..end].to_string()
}

/// The value of `key:` in a step (first occurrence, trimmed).
fn field(step: &str, key: &str) -> String {
    step.lines()
        .find_map(|l| l.trim_start().strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("no {key} in {step}"))
        .trim()
        .to_string()
}

/// The `run: |` script of a step.
fn script_of(step: &str) -> String {
    let run = step.find("      run: |\n").expect("a script") + 13;
    step[run..]
        .lines()
        .take_while(|l| l.is_empty() || l.starts_with("        "))
        .map(|l| l.get(8..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn succeeded(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_cache_is_restored_before_the_scan_and_saved_after_it_under_one_key() {
    let a = action();
    let order: Vec<usize> = [
        "Locate the render cache",
        "Restore the render cache",
        "Scan with keelhaul",
        "Save the render cache",
    ]
    .iter()
    .map(|n| a.find(&format!("- name: {n}\n")).expect(n))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    let restore = step(&a, "Restore the render cache");
    let save = step(&a, "Save the render cache");
    assert!(field(&restore, "uses").starts_with("actions/cache/restore@"));
    assert!(field(&save, "uses").starts_with("actions/cache/save@"));
    // Pinned by commit, the same commit for both.
    let pin = |s: &str| {
        field(s, "uses")
            .split(['@', ' '])
            .nth(1)
            .unwrap()
            .to_string()
    };
    assert_eq!(pin(&restore).len(), 40, "{restore}");
    assert_eq!(pin(&restore), pin(&save));
    assert_eq!(field(&restore, "path"), field(&save, "path"));
    assert_eq!(field(&restore, "key"), field(&save, "key"));
    assert_eq!(
        field(&restore, "restore-keys"),
        "${{ steps.render-cache.outputs.prefix }}"
    );
    assert!(
        field(&restore, "key").starts_with("${{ steps.render-cache.outputs.prefix }}"),
        "the key begins with the prefix restored by"
    );
    // Saved whatever the scan found (it fails the job on findings), when something rendered.
    let when = field(&save, "if");
    assert!(when.contains("always()"), "{when}");
    assert!(
        when.contains("steps.scan.outputs.renders-run != '0'"),
        "{when}"
    );
    assert!(when.contains("inputs.render-cache == 'true'"), "{when}");
    // The scan reads the restored directory, or none at all.
    let scan = step(&a, "Scan with keelhaul");
    assert_eq!(
        field(&scan, "KEELHAUL_CACHE_DIR"),
        "${{ steps.render-cache.outputs.dir }}"
    );
    assert_eq!(
        field(&scan, "KEELHAUL_NO_CACHE"),
        "${{ inputs.render-cache != 'true' }}"
    );
    assert_eq!(field(&scan, "id"), "scan");
}

#[test]
fn the_locate_step_names_the_directory_and_a_prefix_of_the_os_and_keelhauls_version() {
    let t = tempfile::tempdir().unwrap();
    let script = t.path().join("locate.sh");
    std::fs::write(
        &script,
        script_of(&step(&action(), "Locate the render cache")),
    )
    .unwrap();
    let outputs = t.path().join("outputs");
    std::fs::write(&outputs, "").unwrap();
    let mut cmd = std::process::Command::new("bash");
    for k in common::CLEARED_VARS {
        cmd.env_remove(k);
    }
    let out = cmd
        .arg(&script)
        .env("KEELHAUL_BIN", assert_cmd::cargo::cargo_bin("keelhaul"))
        .env("CACHE_DIR", t.path().join("render-cache"))
        .env("RUNNER_OS", "Linux")
        .env("GITHUB_OUTPUT", &outputs)
        .output()
        .unwrap();
    succeeded(&out);
    let text = std::fs::read_to_string(&outputs).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        format!("dir={}", t.path().join("render-cache").display())
    );
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        lines[1],
        format!("prefix=keelhaul-render-Linux-keelhaul_{version}-"),
        "{text}"
    );
    assert_eq!(lines.len(), 2, "{text}");
}

/// A committed repository with one overlay.
fn overlay_repo() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let r = repo.path();
    common::write(r, "base/kustomization.yaml", "resources:\n- pod.yaml\n");
    common::write(r, "base/pod.yaml", common::PRIVILEGED_POD);
    common::write(r, "prod/kustomization.yaml", "resources:\n- ../base\n");
    common::git_commit_all(r);
    repo
}

/// The scan as the scan step runs it: the cache variables as action.yml sets them, the step
/// outputs in a file. Returns `renders-run`.
fn scan_as_the_step(repo: &Path, cache: &Path, render_cache: bool, outputs: &Path) -> String {
    std::fs::write(outputs, "").unwrap();
    let out = common::keelhaul_in(repo)
        .args(["scan", ".", "--fail-on", "never", "--format", "json"])
        .env("KEELHAUL_CACHE_DIR", cache)
        .env(
            "KEELHAUL_NO_CACHE",
            if render_cache { "false" } else { "true" },
        )
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", outputs)
        .output()
        .unwrap();
    succeeded(&out);
    std::fs::read_to_string(outputs)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("renders-run=").map(str::to_string))
        .expect("a renders-run output")
}

#[test]
fn a_second_run_reads_the_restored_cache_and_says_no_render_ran_so_nothing_is_saved() {
    if !has_kubectl() {
        eprintln!("SKIPPED: needs kubectl on PATH");
        return;
    }
    let repo = overlay_repo();
    let t = tempfile::tempdir().unwrap();
    let cache = t.path().join("render-cache");
    let outputs = t.path().join("outputs");
    // prod renders (base through it) on the first run, kept in the directory the step names.
    assert_eq!(scan_as_the_step(repo.path(), &cache, true, &outputs), "1");
    assert!(std::fs::read_dir(&cache).unwrap().next().is_some());
    // The next run (the directory restored): nothing runs, and the save step is skipped.
    assert_eq!(scan_as_the_step(repo.path(), &cache, true, &outputs), "0");
    // render-cache: false: the directory is not read.
    assert_eq!(scan_as_the_step(repo.path(), &cache, false, &outputs), "1");
}

fn has_kubectl() -> bool {
    std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p)
            .any(|d| d.join("kubectl").is_file() || d.join("kustomize").is_file())
    })
}
