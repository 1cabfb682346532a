//! The render cache (issue 17): a render runs again exactly when something it can read, its
//! arguments or its tool changed, and its output is never kept when it could hold what the
//! repository's committed files do not. Each test counts the runs of a tool that logs them
//! (Kustomize is the real `kubectl kustomize` behind a logging wrapper; Helm a stand-in that
//! prints a fixed render) and compares the findings, lines included, with a scan without the
//! cache.
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};

use common::{git_commit_all, json_of, keelhaul_in, script, write};

/// A tool that logs its runs (not its `version` answers) to `runs`, and says the version
/// written in `version`.
struct Tool {
    dir: tempfile::TempDir,
    program: PathBuf,
}

impl Tool {
    fn runs(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("runs"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    fn set_version(&self, v: &str) {
        std::fs::write(self.dir.path().join("version"), v).unwrap();
    }

    /// Runs `keelhaul scan . --format json` in `repo` with this tool and the cache in
    /// `cache`, plus `args`; returns the report and how many times the tool ran.
    fn scan(&self, repo: &Path, cache: &Path, args: &[&str]) -> (serde_json::Value, usize) {
        let before = self.runs();
        let flag = if self.program.ends_with("helm") {
            "--helm-binary"
        } else {
            "--kustomize-binary"
        };
        let out = keelhaul_in(repo)
            .args(["scan", ".", "--format", "json", "--fail-on", "never", "-v"])
            .arg(flag)
            .arg(&self.program)
            .arg("--cache-dir")
            .arg(cache)
            .args(args)
            .output()
            .unwrap();
        (json_of(&out), self.runs() - before)
    }
}

fn real_kubectl() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("kubectl"))
            .find(|k| k.is_file())
    })
}

/// A stand-in `name` in a directory of its own: it answers `version` from a file (first
/// `version`), logs every other call, then runs the script `then` gives for its directory.
fn logging_tool(name: &str, version: &str, then: impl FnOnce(&Path) -> String) -> Tool {
    let dir = tempfile::tempdir().unwrap();
    let rest = then(dir.path());
    let program = script(
        dir.path(),
        &format!("bin/{name}"),
        &format!(
            "if [ \"$1\" = version ]; then cat '{v}'; exit 0; fi\necho \"$*\" >> '{r}'\n{rest}",
            v = dir.path().join("version").display(),
            r = dir.path().join("runs").display(),
        ),
    );
    let t = Tool { dir, program };
    t.set_version(version);
    t
}

/// `kubectl` that logs each build and answers `version` from a file.
fn logging_kubectl() -> Option<Tool> {
    let real = real_kubectl()?;
    let version = "Client Version: v1.32.0\nKustomize Version: v5.5.0\n";
    Some(logging_tool("kubectl", version, |_| {
        format!("exec '{}' \"$@\"\n", real.display())
    }))
}

/// A committed repository: a base with a privileged pod, an overlay that patches it.
fn overlay_repo() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    write(
        repo.path(),
        "base/kustomization.yaml",
        "resources:\n- pod.yaml\n",
    );
    write(repo.path(), "base/pod.yaml", common::PRIVILEGED_POD);
    write(
        repo.path(),
        "prod/kustomization.yaml",
        "resources:\n- ../base\npatches:\n- path: patch.yaml\n",
    );
    write(
        repo.path(),
        "prod/patch.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostPID: true\n",
    );
    git_commit_all(repo.path());
    repo
}

/// Each finding as `rule file:line`, sorted.
fn places(report: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}",
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["start"]["line"]
            )
        })
        .collect();
    v.sort();
    v
}

fn from_cache(report: &serde_json::Value) -> u64 {
    report["summary"]["rendersFromCache"].as_u64().unwrap_or(0)
}

/// Sets a file's modification time an hour back: touched, not changed.
fn touch(p: &Path) {
    let f = std::fs::File::options().append(true).open(p).unwrap();
    f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
        .unwrap();
}

#[test]
fn an_overlay_renders_again_exactly_when_what_it_reads_or_its_tool_changes() {
    let Some(tool) = logging_kubectl() else {
        eprintln!("SKIPPED: needs kubectl on PATH");
        return;
    };
    let repo = overlay_repo();
    let cache = tempfile::tempdir().unwrap();
    let r = repo.path();
    let (first, runs) = tool.scan(r, cache.path(), &[]);
    assert_eq!(runs, 1);
    assert_eq!(from_cache(&first), 0);
    let expected = places(&first);
    // The privileged container is found on the base's line, the patch's hostPID on its own.
    assert!(
        expected.contains(&"KH101 ./base/pod.yaml:10".to_string()),
        "{expected:?}"
    );
    assert!(
        expected
            .iter()
            .any(|p| p.starts_with("KH1") && p.ends_with("./prod/patch.yaml:6")),
        "{expected:?}"
    );

    let (second, runs) = tool.scan(r, cache.path(), &[]);
    assert_eq!(
        (runs, from_cache(&second)),
        (0, 1),
        "nothing changed: from the cache"
    );
    // The notice says so (with --verbose: rendering took little).
    let said = render_notice(&second);
    assert!(
        said.contains(": 1 chart and overlay render(s), 0 run, 1 from the render cache"),
        "{said}"
    );
    assert!(render_notice(&first).contains(", 1 run, 0 from the render cache"));
    assert_eq!(
        places(&second),
        expected,
        "the same findings on the same lines"
    );
    assert_eq!(second["findings"], first["findings"]);

    // Touched, not changed: still a hit.
    for f in [
        "base/pod.yaml",
        "prod/patch.yaml",
        "prod/kustomization.yaml",
    ] {
        touch(&r.join(f));
    }
    let (_, runs) = tool.scan(r, cache.path(), &[]);
    assert_eq!(runs, 0, "a touched file is not a changed one");

    // Each change is a miss, then a hit again.
    let changes: [(&str, &str); 4] = [
        (
            "prod/patch.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostIPC: true\n",
        ),
        (
            "base/pod.yaml",
            &common::PRIVILEGED_POD.replace("nginx", "nginx:1.27"),
        ),
        (
            "base/kustomization.yaml",
            "resources:\n- pod.yaml\nnamePrefix: x-\n",
        ),
        ("prod/kustomization.yaml", "resources:\n- ../base\n"),
    ];
    for (file, body) in changes {
        write(r, file, body);
        let (report, runs) = tool.scan(r, cache.path(), &[]);
        assert_eq!(runs, 1, "{file} changed: rendered again");
        let (again, runs) = tool.scan(r, cache.path(), &[]);
        assert_eq!(runs, 0, "{file}: then from the cache");
        assert_eq!(places(&again), places(&report));
    }
    let last = places(&tool.scan(r, cache.path(), &[]).0);
    assert!(
        last.contains(&"KH101 ./base/pod.yaml:10".to_string()),
        "{last:?}"
    );

    // Another version of the tool: a miss.
    tool.set_version("Client Version: v1.33.0\nKustomize Version: v5.6.0\n");
    let (_, runs) = tool.scan(r, cache.path(), &[]);
    assert_eq!(runs, 1, "a new tool version renders again");

    // --no-cache renders and neither reads nor writes the cache.
    let (report, runs) = tool.scan(r, cache.path(), &["--no-cache"]);
    assert_eq!((runs, from_cache(&report)), (1, 0));
    assert_eq!(places(&report), last);
}

#[test]
fn a_corrupt_or_truncated_cache_is_a_miss_never_a_crash() {
    let Some(tool) = logging_kubectl() else {
        eprintln!("SKIPPED: needs kubectl on PATH");
        return;
    };
    let repo = overlay_repo();
    let cache = tempfile::tempdir().unwrap();
    let (first, _) = tool.scan(repo.path(), cache.path(), &[]);
    let entries: Vec<PathBuf> = std::fs::read_dir(cache.path().join("renders-v1"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1);
    for damage in ["truncate", "flip", "garbage", "empty"] {
        let e = &entries[0];
        let mut bytes = std::fs::read(e).unwrap_or_default();
        match damage {
            "truncate" => bytes.truncate(bytes.len() / 2),
            "flip" => {
                let i = bytes.len() / 2;
                bytes[i] ^= 0x20;
            }
            "garbage" => bytes = vec![0xff; 300],
            _ => bytes.clear(),
        }
        std::fs::write(e, &bytes).unwrap();
        let (report, runs) = tool.scan(repo.path(), cache.path(), &[]);
        assert_eq!(runs, 1, "{damage}: rendered again");
        assert_eq!(report["findings"], first["findings"], "{damage}");
        // And kept again, whole.
        let (_, runs) = tool.scan(repo.path(), cache.path(), &[]);
        assert_eq!(runs, 0, "{damage}: the entry was written again");
    }
}

#[test]
fn a_render_that_reads_an_uncommitted_file_is_not_kept() {
    let Some(tool) = logging_kubectl() else {
        eprintln!("SKIPPED: needs kubectl on PATH");
        return;
    };
    let repo = overlay_repo();
    let r = repo.path();
    // A file a CI job would write from a secret, next to the overlay, never committed.
    write(r, "prod/db.env", "PASSWORD=hunter2-from-the-vault\n");
    write(
        r,
        "prod/kustomization.yaml",
        "resources:\n- ../base\nsecretGenerator:\n- name: db\n  envs:\n  - db.env\n",
    );
    let cache = tempfile::tempdir().unwrap();
    let (report, runs) = tool.scan(r, cache.path(), &[]);
    assert_eq!(runs, 1);
    let (_, runs) = tool.scan(r, cache.path(), &[]);
    assert_eq!(runs, 1, "not kept, so rendered every time");
    let said = not_kept(&report);
    assert!(
        said.iter()
            .any(|m| m.contains("git does not track") && m.contains("db.env")),
        "{said:?}"
    );
    // Nothing of it reached the cache directory.
    let mut leaked = false;
    for e in walk(cache.path()) {
        let bytes = std::fs::read(&e).unwrap_or_default();
        leaked |= String::from_utf8_lossy(&bytes).contains("aHVudGVyMi1mcm9tLXRoZS12YXVsdA");
    }
    assert!(!leaked, "the secret's value was written to the cache");
}

#[test]
fn a_render_that_reads_outside_the_repository_is_not_kept() {
    let Some(tool) = logging_kubectl() else {
        eprintln!("SKIPPED: needs kubectl on PATH");
        return;
    };
    // A base beside the repository, which Kustomize reads and the key cannot vouch for
    // (nothing of the repository's changes when it does).
    let outer = tempfile::tempdir().unwrap();
    let r = outer.path().join("repo");
    write(
        outer.path(),
        "shared/kustomization.yaml",
        "resources:\n- pod.yaml\n",
    );
    write(outer.path(), "shared/pod.yaml", common::PRIVILEGED_POD);
    write(
        &r,
        "prod/kustomization.yaml",
        "resources:\n- ../../shared\n",
    );
    git_commit_all(&r);
    let cache = tempfile::tempdir().unwrap();
    let (report, runs) = tool.scan(&r, cache.path(), &[]);
    assert_eq!(runs, 1);
    let (_, runs) = tool.scan(&r, cache.path(), &[]);
    assert_eq!(runs, 1, "not kept, so rendered every time");
    let said = not_kept(&report);
    assert!(
        said.iter()
            .any(|m| m.contains("outside the repository") && m.contains("shared")),
        "{said:?}"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_failed_build_is_kept_and_said_again_but_a_time_limit_is_not() {
    let Some(tool) = logging_kubectl() else {
        eprintln!("SKIPPED: needs kubectl on PATH");
        return;
    };
    let repo = overlay_repo();
    write(
        repo.path(),
        "prod/kustomization.yaml",
        "resources:\n- ../base\n- missing.yaml\n",
    );
    common::git(repo.path(), &["commit", "-qam", "broken"]);
    let cache = tempfile::tempdir().unwrap();
    let kh010 = |report: &serde_json::Value| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "KH010")
            .map(|f| format!("{}:{} {}", f["file"], f["start"]["line"], f["message"]))
            .collect()
    };
    let (first, runs) = tool.scan(repo.path(), cache.path(), &[]);
    assert_eq!(runs, 1);
    assert_eq!(kh010(&first).len(), 1, "{:?}", kh010(&first));
    let (second, runs) = tool.scan(repo.path(), cache.path(), &[]);
    assert_eq!(runs, 0, "the same inputs fail the same way: not run again");
    assert_eq!(kh010(&second), kh010(&first));

    // A tool stopped by the time limit says nothing about the overlay: run again next time.
    let slow = tempfile::tempdir().unwrap();
    let runs = slow.path().join("runs");
    let program = script(
        slow.path(),
        "bin/kustomize",
        &format!(
            "if [ \"$1\" = version ]; then echo v5; exit 0; fi\necho run >> '{}'\nsleep 5\n",
            runs.display()
        ),
    );
    let slow_tool = Tool { dir: slow, program };
    for n in 1..=2 {
        let (report, _) = slow_tool.scan(repo.path(), cache.path(), &["--render-timeout", "1"]);
        assert!(
            kh010(&report)[0].contains("did not finish within"),
            "{:?}",
            kh010(&report)
        );
        assert_eq!(slow_tool.runs(), n, "a stopped render is not kept");
    }
}

/// A chart whose stand-in `helm` prints a fixed render (a privileged pod from
/// `templates/pod.yaml`), with two environments whose values are the same, and a subchart.
fn chart_repo() -> (tempfile::TempDir, Tool) {
    let repo = tempfile::tempdir().unwrap();
    let r = repo.path();
    write(
        r,
        "web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 1.0.0\n",
    );
    write(r, "web/values.yaml", "image: nginx\n");
    write(r, "web/values-a.yaml", "replicas: 2\n");
    write(r, "web/values-b.yaml", "replicas: 2\n");
    let template = common::PRIVILEGED_POD.replace("nginx", "{{ .Values.image }}");
    write(r, "web/templates/pod.yaml", &template);
    write(
        r,
        "web/charts/sub/Chart.yaml",
        "apiVersion: v2\nname: sub\nversion: 1.0.0\n",
    );
    write(
        r,
        "web/charts/sub/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    );
    write(
        r,
        ".keelhaul.yaml",
        "helm:\n  charts:\n    web:\n      - name: a\n        values: [values-a.yaml]\n      - name: b\n        values: [values-b.yaml]\n",
    );
    git_commit_all(r);
    let tool = logging_tool("helm", "v3.16.0\n", |dir| {
        let out = dir.join("out.yaml");
        std::fs::write(
            &out,
            format!(
                "---\n# Source: web/templates/pod.yaml\n{}",
                common::PRIVILEGED_POD
            ),
        )
        .unwrap();
        format!("cat '{}'\n", out.display())
    });
    (repo, tool)
}

#[test]
fn a_chart_renders_again_when_its_values_or_a_subchart_change_and_the_same_values_render_once() {
    let (repo, tool) = chart_repo();
    let r = repo.path();
    let cache = tempfile::tempdir().unwrap();
    let (first, runs) = tool.scan(r, cache.path(), &[]);
    assert_eq!(runs, 1, "two environments with the same values: one render");
    assert_eq!(first["summary"]["renders"], 2);
    let expected = places(&first);
    assert!(
        expected.contains(&"KH101 ./web/templates/pod.yaml:10".to_string()),
        "{expected:?}"
    );
    let (second, runs) = tool.scan(r, cache.path(), &[]);
    assert_eq!((runs, from_cache(&second)), (0, 1));
    assert_eq!(second["findings"], first["findings"]);

    // A template can read any file of its chart (`.Files.Get`): a change to one is a change
    // to every render of the chart. The two environments now differ: two renders.
    write(r, "web/values-b.yaml", "replicas: 3\n");
    let (_, runs) = tool.scan(r, cache.path(), &[]);
    assert_eq!(
        runs, 2,
        "values-b.yaml changed: both environments render again"
    );
    let (_, runs) = tool.scan(r, cache.path(), &[]);
    assert_eq!(runs, 0);
    for (file, body) in [
        ("web/values.yaml", "image: nginx:1.27\n"),
        (
            "web/charts/sub/templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\n",
        ),
        ("web/templates/pod.yaml", "# a comment\n"),
    ] {
        write(r, file, body);
        let (_, runs) = tool.scan(r, cache.path(), &[]);
        assert_eq!(runs, 2, "{file} changed: both environments render again");
        let (_, runs) = tool.scan(r, cache.path(), &[]);
        assert_eq!(runs, 0, "{file}: then from the cache");
    }
    tool.set_version("v3.17.0\n");
    let (_, runs) = tool.scan(r, cache.path(), &[]);
    assert_eq!(runs, 2, "a new helm renders again");
}

#[test]
fn values_given_on_the_command_line_are_never_kept() {
    let (repo, tool) = chart_repo();
    let cache = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let (report, runs) = tool.scan(
            repo.path(),
            cache.path(),
            &["--helm-set", "db.password=s3cr3t-from-ci"],
        );
        assert_eq!(
            runs, 1,
            "with --set the render is not kept (and the two environments are one render)"
        );
        assert!(
            report["notices"]
                .to_string()
                .contains("it is given values with --set")
        );
    }
    for e in walk(cache.path()) {
        let text = String::from_utf8_lossy(&std::fs::read(&e).unwrap()).into_owned();
        assert!(!text.contains("s3cr3t"), "{}", e.display());
    }
}

#[test]
fn the_standalone_kustomize_is_preferred_to_kubectl() {
    let repo = overlay_repo();
    let bin = tempfile::tempdir().unwrap();
    for name in ["kustomize", "kubectl"] {
        script(
            bin.path(),
            name,
            &format!(
                "echo {name} >> '{}'\nexit 1\n",
                bin.path().join("ran").display()
            ),
        );
    }
    let path = format!("{}:/usr/bin:/bin", bin.path().display());
    keelhaul_in(repo.path())
        .env("PATH", path)
        .args(["scan", ".", "--no-cache", "--fail-on", "never"])
        .output()
        .unwrap();
    let ran = std::fs::read_to_string(bin.path().join("ran")).unwrap();
    assert_eq!(ran.lines().collect::<Vec<_>>(), vec!["kustomize"]);
}

#[test]
fn an_overlay_nested_in_another_renders_alone_unless_the_outer_one_reads_it() {
    let Some(tool) = logging_kubectl() else {
        eprintln!("SKIPPED: needs kubectl on PATH");
        return;
    };
    let repo = tempfile::tempdir().unwrap();
    let r = repo.path();
    // `app` patches its pod through a transformer configuration that names a patch inside
    // `app/sub`, a directory with a kustomization of its own; `app/other` is an overlay of
    // its own that `app` never names.
    write(
        r,
        "app/kustomization.yaml",
        "resources:\n- pod.yaml\ntransformers:\n- patcher.yaml\n",
    );
    write(r, "app/pod.yaml", common::PRIVILEGED_POD);
    write(
        r,
        "app/patcher.yaml",
        "apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: p\npath: sub/patch.yaml\ntarget:\n  kind: Pod\n",
    );
    write(
        r,
        "app/sub/kustomization.yaml",
        "resources:\n- patch.yaml\n",
    );
    write(
        r,
        "app/sub/patch.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostPID: true\n",
    );
    write(
        r,
        "app/other/kustomization.yaml",
        "resources:\n- pod.yaml\n",
    );
    write(
        r,
        "app/other/pod.yaml",
        common::PRIVILEGED_POD.replace("name: p\n", "name: q\n"),
    );
    git_commit_all(r);
    let cache = tempfile::tempdir().unwrap();
    let (first, runs) = tool.scan(r, cache.path(), &[]);
    assert!(runs >= 2, "app and app/other (and app/sub) render: {runs}");
    assert!(
        places(&first)
            .iter()
            .any(|p| p.ends_with("./app/sub/patch.yaml:6")),
        "{:?}",
        places(&first)
    );
    // app/other changed: it alone renders again.
    write(
        r,
        "app/other/pod.yaml",
        common::PRIVILEGED_POD.replace("name: p\n", "name: r\n"),
    );
    let (_, runs) = tool.scan(r, cache.path(), &[]);
    assert_eq!(runs, 1, "only app/other renders again");
    // The patch app reads through its transformer changed: app renders again (and app/sub,
    // whose own resource it is).
    write(
        r,
        "app/sub/patch.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostIPC: true\n",
    );
    let (report, runs) = tool.scan(r, cache.path(), &[]);
    assert!(runs >= 1, "app reads app/sub/patch.yaml: rendered again");
    let (fresh, _) = tool.scan(r, cache.path(), &["--no-cache"]);
    // hostPID and hostIPC are the same rule, on the same lines: the messages tell them apart.
    assert_eq!(
        said(&report),
        said(&fresh),
        "the cache gives what a fresh render gives"
    );
    assert!(
        !said(&report).iter().any(|f| f.contains("hostPID")),
        "app's render from before the patch changed was used: {:#?}",
        said(&report)
    );
}

/// What the report says of renders not kept in the render cache.
fn not_kept(report: &serde_json::Value) -> Vec<&str> {
    report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["message"].as_str())
        .filter(|m| m.contains("not kept in the render cache"))
        .collect()
}

/// The notice of what rendering cost.
fn render_notice(report: &serde_json::Value) -> String {
    report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["file"] == "<render>")
        .map(|n| n["message"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no render notice: {report:#}"))
}

/// Every finding of a report with its message, in order.
fn said(report: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}:{} {}",
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["start"]["line"],
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_configuration_in_the_scanned_tree_cannot_name_the_cache() {
    // The pull request's own .keelhaul.yaml: a cache elsewhere would be written outside the
    // repository, or one a later run reads could be planted. It is refused, and nothing is
    // written there.
    let repo = overlay_repo();
    let r = repo.path();
    let elsewhere = tempfile::tempdir().unwrap();
    let planted = elsewhere.path().join("cache");
    for key in ["cacheDir", "cache-dir", "noCache", "cacheMaxSize"] {
        write(
            r,
            ".keelhaul.yaml",
            format!("{key}: {}\n", planted.display()),
        );
        let out = keelhaul_in(r)
            .args(["scan", ".", "--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{key}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(".keelhaul.yaml:1:1") && err.contains("unknown key"),
            "{key}: {err}"
        );
        assert!(
            !planted.exists(),
            "{key}: the tree's configuration made a cache"
        );
    }
}
