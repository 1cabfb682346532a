//! Rendering Helm charts and Kustomize overlays, and mapping every finding on the rendered
//! output back to the line of the template, base or patch a person edits.
//!
//! The fixtures are under `testdata/render/` (its README.md says what each one shows). The
//! template, base, patch and kustomization files state where findings must be reported, with
//! a trailing comment on the line:
//!
//! - `# expect: KH101` — reported on this line, `rendered.approximate` false;
//! - `# expect~: KH101` — reported on this line, `rendered.approximate` true (the template
//!   does not write the key literally, this is the nearest enclosing literal key);
//! - `# expect: KH101, KH102` — several rules; an id listed twice means two findings.
//!
//! Those comments are the default render's expectations. A file whose findings differ in
//! another render (the web chart with `values-prod.yaml`) has a sidecar
//! `<file>.expect-<variant>` of `LINE: KH101` / `LINE~: KH101` lines that lists ALL of that
//! file's expectations in that render; a file without one expects the same in every render.
//! Several renders scanned at once expect, per file, line and rule, the larger of their
//! counts: a finding seen in several renders at the same line is reported once.
//!
//! Only the rules that appear in at least one expectation of a fixture tree (inline or in a
//! sidecar) are compared, but every finding of those rules in the report must be expected.
//!
//! Machines running this have no `helm`: a stand-in `/bin/sh` script first on PATH logs its
//! arguments and prints the committed replay of `helm template` from
//! `testdata/render/helm-rendered/`. Kustomize is real (`kustomize` or `kubectl kustomize`):
//! without either on PATH that test says it is skipped and passes.

#![cfg(unix)]

mod common;
mod expect;
use common::{git_commit_all, root};
use expect::parse_ids;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

const HELM: &str = "testdata/render/helm";
const WEB: &str = "testdata/render/helm/web";
const WEB_PROD_VALUES: &str = "testdata/render/helm/web/values-prod.yaml";
const PLATFORM: &str = "testdata/render/helm/platform";
const RENDERS_CONFIG: &str = "testdata/render/helm/renders.keelhaul.yaml";
const RENDERED: &str = "testdata/render/helm-rendered";
const KUSTOMIZE: &str = "testdata/render/kustomize";
const REMOVALS: &str = "testdata/render/kustomize-removals";

// ---------------------------------------------------------------------------------------
// Expectations
// ---------------------------------------------------------------------------------------

/// Where findings are expected: the repository-relative file (with `/`), the line, the rule.
type Key = (String, u32, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Want {
    count: usize,
    /// The `rendered.approximate` every finding there must carry; `None`: not checked (two
    /// renders disagree, and the finding is reported once).
    approximate: Option<bool>,
}

#[derive(Debug, Clone, Default)]
struct Expected {
    want: BTreeMap<Key, Want>,
    /// The rules compared: those named by an expectation anywhere in the fixture tree.
    rules: BTreeSet<String>,
}

impl Expected {
    fn add(&mut self, file: &str, line: u32, rule: &str, approximate: bool) {
        let key = (file.to_string(), line, rule.to_string());
        let w = self.want.entry(key).or_insert(Want {
            count: 0,
            approximate: Some(approximate),
        });
        w.count += 1;
        if w.approximate != Some(approximate) {
            panic!("{file}:{line}: {rule} is expected both exact and approximate");
        }
        self.rules.insert(rule.to_string());
    }

    /// Expectations of several renders or several fixture trees scanned together.
    fn merge(mut self, other: Expected) -> Expected {
        for (k, w) in other.want {
            self.want
                .entry(k)
                .and_modify(|x| {
                    x.count = x.count.max(w.count);
                    if x.approximate != w.approximate {
                        x.approximate = None;
                    }
                })
                .or_insert(w);
        }
        self.rules.extend(other.rules);
        self
    }
}

/// Every file under `dir` (relative to the crate root), sorted, as `/`-separated
/// repository-relative paths.
fn files_under(dir: &str) -> Vec<String> {
    fn walk(abs: &Path, rel: &str, out: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(abs)
            .unwrap_or_else(|e| panic!("{}: {e}", abs.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        entries.sort();
        for name in entries {
            let (a, r) = (abs.join(&name), format!("{rel}/{name}"));
            if a.is_dir() {
                walk(&a, &r, out);
            } else {
                out.push(r);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join(dir), dir, &mut out);
    out
}

fn is_manifest(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The inline expectations of one file: (line, rule, approximate).
fn inline_expectations(path: &str) -> Vec<(u32, String, bool)> {
    let mut out = Vec::new();
    for (i, line) in read(path).split('\n').enumerate() {
        for (marker, approximate) in [("# expect:", false), ("# expect~:", true)] {
            if let Some(pos) = line.find(marker) {
                for id in parse_ids(&line[pos + marker.len()..]) {
                    out.push((i as u32 + 1, id, approximate));
                }
            }
        }
    }
    out
}

/// The expectations of a sidecar `<file>.expect-<variant>`: `LINE: IDS` or `LINE~: IDS`.
fn sidecar_expectations(path: &str) -> Vec<(u32, String, bool)> {
    let mut out = Vec::new();
    for (i, l) in read(path).lines().enumerate() {
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let parsed = l.split_once(':').and_then(|(line, ids)| {
            let (line, approximate) = match line.trim().strip_suffix('~') {
                Some(n) => (n, true),
                None => (line.trim(), false),
            };
            let ids = parse_ids(ids);
            Some((line.parse::<u32>().ok()?, approximate, ids)).filter(|p| !p.2.is_empty())
        });
        let Some((line, approximate, ids)) = parsed else {
            panic!("{path}:{}: not `LINE: IDS` or `LINE~: IDS`: {l:?}", i + 1)
        };
        out.extend(ids.into_iter().map(|id| (line, id, approximate)));
    }
    out
}

/// What the fixture tree `dir` expects from one render: `None` is the default render (the
/// inline comments), `Some(v)` reads `<file>.expect-<v>` where there is one.
fn expected(dir: &str, variant: Option<&str>) -> Expected {
    let mut e = Expected::default();
    let files = files_under(dir);
    for f in files.iter().filter(|f| is_manifest(f)) {
        let sidecar = variant
            .map(|v| format!("{f}.expect-{v}"))
            .filter(|s| files.contains(s));
        let list = match &sidecar {
            Some(s) => sidecar_expectations(s),
            None => inline_expectations(f),
        };
        for (line, rule, approximate) in list {
            e.add(f, line, &rule, approximate);
        }
    }
    // Rules named only for another render are compared too: they must not fire in this one.
    for f in files.iter().filter(|f| f.contains(".expect-")) {
        e.rules
            .extend(sidecar_expectations(f).into_iter().map(|(_, id, _)| id));
    }
    assert!(
        !e.want.is_empty() || variant.is_some(),
        "no expectations found under {dir}"
    );
    e
}

// ---------------------------------------------------------------------------------------
// Running keelhaul and reading its report
// ---------------------------------------------------------------------------------------

/// `keelhaul scan --format json ARGS` from the crate root, with PATH replaced when given.
fn scan(path_env: Option<&OsString>, args: &[&str]) -> Value {
    let mut cmd = common::keelhaul();
    cmd.args(["scan", "--format", "json"]).args(args);
    if let Some(p) = path_env {
        cmd.env("PATH", p);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "keelhaul scan --format json {} exited with {:?}\nstderr:\n{stderr}",
        args.join(" "),
        out.status.code()
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "keelhaul scan {}: the report is not JSON ({e})\nstdout:\n{}\nstderr:\n{stderr}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn findings(report: &Value) -> &[Value] {
    report["findings"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_else(|| panic!("no findings array in {report}"))
}

fn rule(f: &Value) -> &str {
    f["rule"].as_str().unwrap_or("?")
}

fn file(f: &Value) -> &str {
    f["file"].as_str().unwrap_or("?")
}

fn line(f: &Value) -> u32 {
    f["start"]["line"].as_u64().unwrap_or(0) as u32
}

/// The `rendered` object, when the finding has one.
fn rendered(f: &Value) -> Option<&Value> {
    f.get("rendered").filter(|r| !r.is_null())
}

/// One line describing a finding, for failure messages.
fn describe(f: &Value) -> String {
    let r = match rendered(f) {
        Some(r) => format!(
            " [{} {} variant={} approximate={}]",
            r["tool"], r["input"], r["variant"], r["approximate"]
        ),
        None => String::new(),
    };
    format!(
        "{}:{}:{} {}{} {}",
        file(f),
        line(f),
        f["start"]["column"],
        rule(f),
        r,
        f["message"].as_str().unwrap_or("")
    )
}

/// The findings of the rules `e` compares.
fn compared<'a>(report: &'a Value, e: &Expected) -> Vec<&'a Value> {
    findings(report)
        .iter()
        .filter(|f| e.rules.contains(rule(f)))
        .collect()
}

/// Fails, listing every missing and unexpected finding with its file and line, unless the
/// report holds exactly the expected findings of the compared rules.
fn check(report: &Value, e: &Expected, what: &str) {
    let mut got: BTreeMap<Key, Vec<&Value>> = BTreeMap::new();
    for f in compared(report, e) {
        let key = (file(f).to_string(), line(f), rule(f).to_string());
        got.entry(key).or_default().push(f);
    }
    let mut problems = Vec::new();
    for ((fl, ln, r), w) in &e.want {
        let key = (fl.clone(), *ln, r.clone());
        let n = got.get(&key).map_or(0, Vec::len);
        if n < w.count {
            let how = match w.approximate {
                Some(true) => " (approximate)",
                _ => "",
            };
            problems.push(format!(
                "  missing:    {fl}:{ln} {r}{how} (expected {}, got {n})",
                w.count
            ));
        }
    }
    for (key, fs) in &got {
        let want = e.want.get(key);
        let n = want.map_or(0, |w| w.count);
        if fs.len() > n {
            problems.push(format!(
                "  unexpected: {}:{} {} (expected {n}, got {}):",
                key.0,
                key.1,
                key.2,
                fs.len()
            ));
            for f in fs {
                problems.push(format!("      {}", describe(f)));
            }
        }
        if let Some(Want {
            approximate: Some(a),
            ..
        }) = want
        {
            for f in fs {
                if let Some(r) = rendered(f)
                    && r["approximate"].as_bool() != Some(*a)
                {
                    problems.push(format!(
                        "  wrong approximate (expected {a}): {}",
                        describe(f)
                    ));
                }
            }
        }
    }
    if !problems.is_empty() {
        let all: Vec<String> = findings(report).iter().map(describe).collect();
        panic!(
            "{what}: the findings of {:?} differ from the expectations:\n{}\n\nall findings:\n  {}",
            e.rules,
            problems.join("\n"),
            all.join("\n  ")
        );
    }
}

/// Same directory or file, whether keelhaul gave it relative to the crate root or absolute.
fn same_path(got: &str, want: &str) -> bool {
    let g = root().join(got.trim_end_matches('/')).canonicalize();
    let w = root().join(want).canonicalize();
    matches!((g, w), (Ok(g), Ok(w)) if g == w)
}

/// Every compared finding carries `rendered` from `tool`, with `input` the chart or
/// kustomization directory `input` when given.
fn assert_rendered_by(report: &Value, e: &Expected, tools: &[&str], input: Option<&str>) {
    for f in compared(report, e) {
        let r = rendered(f).unwrap_or_else(|| {
            panic!(
                "a finding mapped from a render has no `rendered` object: {}",
                describe(f)
            )
        });
        let tool = r["tool"].as_str().unwrap_or("");
        assert!(
            tools.contains(&tool),
            "rendered.tool should be one of {tools:?}: {}",
            describe(f)
        );
        if let Some(dir) = input {
            let got = r["input"].as_str().unwrap_or("");
            assert!(
                same_path(got, dir),
                "rendered.input should be {dir}: {}",
                describe(f)
            );
        }
    }
}

/// The 1-based number of the only line of `path` that contains `needle`.
fn line_of(path: &str, needle: &str) -> u32 {
    let text = read(path);
    let hits: Vec<u32> = text
        .split('\n')
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i as u32 + 1)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "{path}: {needle:?} should be on exactly one line"
    );
    hits[0]
}

// ---------------------------------------------------------------------------------------
// The stand-in helm
// ---------------------------------------------------------------------------------------

/// A `helm` script in its own directory, put first on PATH. It appends its arguments to a
/// log (one per line, each call ended by `<end>`), then runs `body`.
struct StandIn {
    dir: tempfile::TempDir,
    log: PathBuf,
}

impl StandIn {
    fn new(body: &str) -> StandIn {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("calls.log");
        std::fs::write(&log, "").unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let script = format!(
            "#!/bin/sh\n\
             # Stand-in for helm written by tests/render.rs. PATH is replaced: absolute paths only.\n\
             printf '%s\\n' \"$@\" '<end>' >> '{}'\n\
             {body}",
            log.display()
        );
        // Written under another name and copied into place by a child process: a file this
        // multi-threaded process has had open for writing can still be open in a child that
        // another test forked meanwhile, and exec'ing it would then fail with ETXTBSY.
        let draft = dir.path().join("helm.draft");
        std::fs::write(&draft, script).unwrap();
        std::fs::set_permissions(&draft, std::fs::Permissions::from_mode(0o755)).unwrap();
        let status = std::process::Command::new("/bin/cp")
            .arg(&draft)
            .arg(bin.join("helm"))
            .status()
            .unwrap();
        assert!(status.success(), "could not install the stand-in helm");
        StandIn { dir, log }
    }

    /// Prints the replay that matches the call: `platform.yaml` for the platform chart,
    /// `web-prod.yaml` when `--values` names values-prod.yaml, else `web.yaml`.
    fn replay() -> StandIn {
        let rendered = root().join(RENDERED);
        let r = rendered.display();
        StandIn::new(&format!(
            "chart=\nprod=\nprev=\n\
             for a in \"$@\"; do\n\
             \x20 case \"$a\" in */platform | */platform/ | platform) chart=platform ;; esac\n\
             \x20 if [ \"$prev\" = --values ] || [ \"$prev\" = -f ]; then\n\
             \x20   case \"$a\" in *values-prod.yaml) prod=1 ;; esac\n\
             \x20 fi\n\
             \x20 prev=$a\n\
             done\n\
             if [ -n \"$chart\" ]; then exec /bin/cat '{r}/platform.yaml'; fi\n\
             if [ -n \"$prod\" ]; then exec /bin/cat '{r}/web-prod.yaml'; fi\n\
             exec /bin/cat '{r}/web.yaml'\n"
        ))
    }

    /// Fails the way `helm template` fails on a broken template.
    fn failing() -> StandIn {
        StandIn::new(&format!("echo 'Error: {HELM_ERROR}' >&2\nexit 1\n"))
    }

    /// PATH with the stand-in first.
    fn path_env(&self) -> OsString {
        let mut dirs = vec![self.dir.path().join("bin")];
        if let Some(p) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&p));
        }
        std::env::join_paths(dirs).unwrap()
    }

    /// The argument lists helm was called with, in call order, without `helm version`:
    /// keelhaul asks it once per scan, for the render cache's key.
    fn calls(&self) -> Vec<Vec<String>> {
        let text = std::fs::read_to_string(&self.log).unwrap();
        let mut calls = Vec::new();
        let mut cur = Vec::new();
        for l in text.lines() {
            if l == "<end>" {
                if cur != ["version"] {
                    calls.push(std::mem::take(&mut cur));
                }
                cur.clear();
            } else {
                cur.push(l.to_string());
            }
        }
        calls
    }
}

const HELM_ERROR: &str = "template: web/templates/deployment.yaml:34:30: executing \"web/templates/deployment.yaml\" at <.Values.securityContext>: wrong type for value; expected map; got string";

/// An expected argument of a helm call.
#[derive(Debug, Clone, Copy)]
enum Arg<'a> {
    /// Exactly this text.
    Is(&'a str),
    /// A path naming this file or directory (relative to the crate root, or absolute).
    Path(&'a str),
}
use Arg::{Is, Path as P};

fn helm_call_matches(call: &[String], want: &[Arg]) -> bool {
    call.len() == want.len()
        && call.iter().zip(want).all(|(c, w)| match w {
            Is(s) => c == s,
            P(p) => same_path(c, p),
        })
}

fn assert_helm_call(call: &[String], want: &[Arg]) {
    assert!(
        helm_call_matches(call, want),
        "helm was called with\n  {call:?}\nexpected\n  {want:?}"
    );
}

/// `helm template release-name CHART --namespace default --kube-version KV` then `extra`.
fn helm_args<'a>(chart: &'a str, kube_version: &'a str, extra: &[Arg<'a>]) -> Vec<Arg<'a>> {
    let mut v = vec![
        Is("template"),
        Is("release-name"),
        P(chart),
        Is("--namespace"),
        Is("default"),
        Is("--kube-version"),
        Is(kube_version),
    ];
    v.extend(extra.iter().copied());
    v
}

// ---------------------------------------------------------------------------------------
// Helm
// ---------------------------------------------------------------------------------------

#[test]
fn web_chart_is_rendered_with_the_exact_arguments_and_maps_to_its_templates() {
    let helm = StandIn::replay();
    let report = scan(Some(&helm.path_env()), &[WEB]);
    let calls = helm.calls();
    assert_eq!(calls.len(), 1, "helm should run once for {WEB}: {calls:?}");
    assert_helm_call(&calls[0], &helm_args(WEB, "1.36", &[]));
    let e = expected(WEB, None);
    check(&report, &e, "web chart, default values");
    assert_rendered_by(&report, &e, &["helm"], Some(WEB));
    for f in compared(&report, &e) {
        assert!(
            rendered(f).unwrap()["variant"].is_null(),
            "a chart rendered once has no variant: {}",
            describe(f)
        );
    }
}

#[test]
fn platform_chart_maps_subchart_multi_document_and_range_templates() {
    let helm = StandIn::replay();
    let report = scan(Some(&helm.path_env()), &[PLATFORM]);
    let calls = helm.calls();
    assert_eq!(
        calls.len(),
        1,
        "helm should run once for {PLATFORM} (its subchart is rendered with it): {calls:?}"
    );
    assert_helm_call(&calls[0], &helm_args(PLATFORM, "1.36", &[]));
    let e = expected(PLATFORM, None);
    check(&report, &e, "platform chart, default values");
    // Findings in the subchart's templates come from rendering the parent chart.
    assert_rendered_by(&report, &e, &["helm"], Some(PLATFORM));
}

#[test]
fn two_renders_from_the_config_hold_both_expectation_sets_and_report_shared_findings_once() {
    let helm = StandIn::replay();
    let report = scan(Some(&helm.path_env()), &["--config", RENDERS_CONFIG, WEB]);
    let calls = helm.calls();
    assert_eq!(calls.len(), 2, "helm should run once per render: {calls:?}");
    let (prod, default): (Vec<_>, Vec<_>) = calls
        .iter()
        .partition(|c| c.iter().any(|a| a == "--values"));
    assert_eq!(
        (default.len(), prod.len()),
        (1, 1),
        "one render without --values, one with: {calls:?}"
    );
    assert_helm_call(default[0], &helm_args(WEB, "1.36", &[]));
    assert_helm_call(
        prod[0],
        &helm_args(WEB, "1.36", &[Is("--values"), P(WEB_PROD_VALUES)]),
    );

    let default_e = expected(WEB, None);
    let prod_e = expected(WEB, Some("prod"));
    let e = default_e.clone().merge(prod_e.clone());
    check(&report, &e, "web chart, renders default and prod");
    assert_rendered_by(&report, &e, &["helm"], Some(WEB));

    // The privileged sidecar is found in both renders, on the same template line: once.
    let sidecar = line_of(
        "testdata/render/helm/web/templates/deployment.yaml",
        "privileged: true",
    );
    let kh101: Vec<_> = findings(&report)
        .iter()
        .filter(|f| rule(f) == "KH101")
        .collect();
    assert!(
        kh101.len() == 1 && line(kh101[0]) == sidecar,
        "KH101 is in both renders and must be reported once, on deployment.yaml:{sidecar}: {:#?}",
        kh101.iter().map(|f| describe(f)).collect::<Vec<_>>()
    );
    // What only the prod values produce says so.
    for f in compared(&report, &e) {
        let key = (file(f).to_string(), line(f), rule(f).to_string());
        if prod_e.want.contains_key(&key) && !default_e.want.contains_key(&key) {
            assert_eq!(
                rendered(f).unwrap()["variant"],
                "prod",
                "a finding of the prod render only: {}",
                describe(f)
            );
        }
    }
}

#[test]
fn helm_values_and_set_options_reach_helm_for_every_chart() {
    let helm = StandIn::replay();
    let report = scan(
        Some(&helm.path_env()),
        &[
            "--kube-version",
            "1.33",
            "--helm-values",
            WEB_PROD_VALUES,
            "--helm-set",
            "image.tag=1.27.1",
            "--helm-set",
            "replicaCount=3",
            WEB,
            PLATFORM,
        ],
    );
    let calls = helm.calls();
    assert_eq!(calls.len(), 2, "helm should run once per chart: {calls:?}");
    for chart in [WEB, PLATFORM] {
        let want = helm_args(
            chart,
            "1.33",
            &[
                Is("--values"),
                P(WEB_PROD_VALUES),
                Is("--set"),
                Is("image.tag=1.27.1"),
                Is("--set"),
                Is("replicaCount=3"),
            ],
        );
        assert!(
            calls.iter().any(|c| helm_call_matches(c, &want)),
            "no helm call for {chart} with the options given; calls:\n  {calls:?}\nexpected\n  {want:?}"
        );
    }
    // The stand-in prints the prod replay for web (--values names values-prod.yaml).
    let e = expected(WEB, Some("prod")).merge(expected(PLATFORM, None));
    check(
        &report,
        &e,
        "web with --helm-values values-prod.yaml, and platform",
    );
}

#[test]
fn committed_replays_scanned_with_their_charts_map_to_the_templates_without_rendering() {
    let helm = StandIn::replay();
    let web = format!("{RENDERED}/web.yaml");
    let platform = format!("{RENDERED}/platform.yaml");
    let report = scan(
        Some(&helm.path_env()),
        &["--no-render", &web, &platform, WEB, PLATFORM],
    );
    assert_eq!(
        helm.calls(),
        Vec::<Vec<String>>::new(),
        "--no-render must not run helm"
    );
    let e = expected(WEB, None).merge(expected(PLATFORM, None));
    check(
        &report,
        &e,
        "replays web.yaml and platform.yaml with --no-render",
    );
}

#[test]
fn committed_replays_scanned_alone_keep_their_own_lines() {
    let web = format!("{RENDERED}/web.yaml");
    let platform = format!("{RENDERED}/platform.yaml");
    let report = scan(None, &[&web, &platform]);
    let all: Vec<String> = findings(&report).iter().map(describe).collect();
    let expect_at = |path: &str, needle: &str, r: &str, origin: &str| {
        let ln = line_of(path, needle);
        let f = findings(&report)
            .iter()
            .find(|f| file(f) == path && line(f) == ln && rule(f) == r)
            .unwrap_or_else(|| {
                panic!(
                    "no {r} on {path}:{ln} ({needle:?}); findings:\n  {}",
                    all.join("\n  ")
                )
            });
        assert!(
            rendered(f).is_none(),
            "a plain file's finding has no `rendered`: {}",
            describe(f)
        );
        assert_eq!(f["origin"], origin, "the # Source: of {path}:{ln}");
    };
    expect_at(
        &web,
        "privileged: true",
        "KH101",
        "web/templates/deployment.yaml",
    );
    expect_at(
        &web,
        "- kind: User",
        "KH301",
        "web/templates/rolebinding.yaml",
    );
    // Approximate in the template (pod securityContext from toYaml), exact here.
    expect_at(
        &platform,
        "runAsUser: 0",
        "KH103",
        "platform/charts/agent/templates/daemonset.yaml",
    );
    for f in findings(&report) {
        assert!(
            file(f) == web || file(f) == platform,
            "without the chart, findings stay on the rendered file: {}",
            describe(f)
        );
    }
}

/// The `name:` line of a Chart.yaml.
fn chart_name_line(chart: &str) -> u32 {
    let path = format!("{chart}/Chart.yaml");
    let text = read(&path);
    text.split('\n')
        .position(|l| l.starts_with("name:"))
        .unwrap_or_else(|| panic!("{path} has no name: line")) as u32
        + 1
}

#[test]
fn without_helm_each_chart_gets_one_kh007_and_the_rest_is_scanned() {
    let empty = tempfile::tempdir().unwrap();
    let path = OsString::from(empty.path());
    let plain = "testdata/examples/insecure-deployment.yaml";
    let report = scan(Some(&path), &[HELM, plain]);
    let mut kh007: Vec<(String, u32)> = findings(&report)
        .iter()
        .filter(|f| rule(f) == "KH007")
        .map(|f| (file(f).to_string(), line(f)))
        .collect();
    kh007.sort();
    let want = vec![
        (format!("{PLATFORM}/Chart.yaml"), chart_name_line(PLATFORM)),
        (format!("{WEB}/Chart.yaml"), chart_name_line(WEB)),
    ];
    assert_eq!(
        kh007, want,
        "one KH007 per chart (the subchart is part of platform), on its name: line"
    );
    assert!(
        findings(&report).iter().any(|f| file(f) == plain),
        "the rest of the scan runs: no finding on {plain}"
    );
    for f in findings(&report) {
        assert!(
            !file(f).contains("/templates/"),
            "nothing is rendered without helm: {}",
            describe(f)
        );
    }
}

#[test]
fn a_failing_helm_gives_one_kh010_with_its_message() {
    let helm = StandIn::failing();
    let report = scan(Some(&helm.path_env()), &[WEB]);
    assert_eq!(helm.calls().len(), 1, "helm should run once");
    let kh010: Vec<_> = findings(&report)
        .iter()
        .filter(|f| rule(f) == "KH010")
        .collect();
    let all: Vec<String> = findings(&report).iter().map(describe).collect();
    assert_eq!(
        kh010.len(),
        1,
        "one KH010; findings:\n  {}",
        all.join("\n  ")
    );
    let f = kh010[0];
    assert_eq!(
        (file(f), line(f)),
        (format!("{WEB}/Chart.yaml").as_str(), chart_name_line(WEB)),
        "KH010 goes on the chart's name: line: {}",
        describe(f)
    );
    let message = f["message"].as_str().unwrap_or("");
    assert!(
        message.contains(HELM_ERROR),
        "the KH010 message should carry helm's message {HELM_ERROR:?}: {message:?}"
    );
    assert!(
        !findings(&report).iter().any(|f| rule(f) == "KH007"),
        "helm is there: no KH007; findings:\n  {}",
        all.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------
// Kustomize
// ---------------------------------------------------------------------------------------

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p).any(|d| {
            std::fs::metadata(d.join(name))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

#[test]
fn kustomize_overlays_map_to_base_patch_and_kustomization_lines() {
    if !on_path("kustomize") && !on_path("kubectl") {
        eprintln!("SKIPPED: kustomize tests need kustomize or kubectl on PATH");
        return;
    }
    let report = scan(None, &[KUSTOMIZE]);
    let e = expected(KUSTOMIZE, None);
    check(&report, &e, "kustomize base and overlays");
    assert_rendered_by(&report, &e, &["kustomize", "kubectl"], None);

    // The prod overlay's strategic-merge patch file makes the container privileged.
    let patch = format!("{KUSTOMIZE}/overlays/prod/privileged.yaml");
    let ln = line_of(&patch, "privileged: true");
    let f = findings(&report)
        .iter()
        .find(|f| rule(f) == "KH101" && file(f) == patch)
        .unwrap_or_else(|| panic!("no KH101 on the prod patch"));
    assert_eq!((file(f), line(f)), (patch.as_str(), ln), "{}", describe(f));

    // A JSON 6902 operation's `value: true` is the finding's place, not its `value` key.
    let debug = format!("{KUSTOMIZE}/overlays/debug/kustomization.yaml");
    let g = findings(&report)
        .iter()
        .find(|f| rule(f) == "KH101" && file(f) == debug)
        .unwrap_or_else(|| panic!("no KH101 on the debug overlay's operation"));
    let at = read(&debug)
        .lines()
        .nth(line(g) as usize - 1)
        .unwrap()
        .find("true")
        .unwrap();
    assert_eq!(
        g["start"]["column"].as_u64(),
        Some(at as u64 + 1),
        "{}",
        describe(g)
    );
    let input = rendered(f).unwrap()["input"].as_str().unwrap_or("");
    assert!(
        same_path(input, &format!("{KUSTOMIZE}/overlays/prod")),
        "rendered.input of the prod patch's finding: {}",
        describe(f)
    );

    // The base's hostPath volume is in every render; it is reported once.
    let base = format!("{KUSTOMIZE}/base/deployment.yaml");
    let n = findings(&report)
        .iter()
        .filter(|f| rule(f) == "KH108" && file(f) == base)
        .count();
    assert_eq!(n, 1, "the base's KH108 is shared by every overlay: once");
}

#[test]
fn a_patch_that_removes_a_field_is_where_its_findings_go() {
    if !on_path("kustomize") && !on_path("kubectl") {
        eprintln!("SKIPPED: kustomize tests need kustomize or kubectl on PATH");
        return;
    }
    // Each overlay takes something away from a base that sets it (a JSON 6902 remove and
    // replace, `$patch: delete`, `$patch: replace`, `key: null`, a list written shorter):
    // the findings are on the operation, and the base's own KH102 (worker) stays on the base.
    let report = scan(None, &[REMOVALS]);
    let e = expected(REMOVALS, None);
    check(&report, &e, "kustomize removals");

    // The base line that set what the patch removes is a related place.
    let patch = format!("{REMOVALS}/overlays/json6902-remove/kustomization.yaml");
    let op = line_of(&patch, "expect: KH102, KH105, KH106");
    let base = format!("{REMOVALS}/base/api.yaml");
    let f = findings(&report)
        .iter()
        .find(|f| rule(f) == "KH102" && file(f) == patch)
        .unwrap_or_else(|| panic!("no KH102 on the remove operation"));
    assert_eq!(line(f), op, "{}", describe(f));
    let related = &f["related"][0];
    assert_eq!(
        related["file"].as_str(),
        Some(base.as_str()),
        "{}",
        describe(f)
    );
    assert_eq!(
        related["start"]["line"].as_u64(),
        Some(u64::from(line_of(&base, "          securityContext:"))),
        "{}",
        describe(f)
    );
}

#[test]
fn a_pull_request_that_only_adds_a_removal_fails_the_diff_gate() {
    if !on_path("kustomize") && !on_path("kubectl") {
        eprintln!("SKIPPED: kustomize tests need kustomize or kubectl on PATH");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_tree(&root().join(REMOVALS).join("base"), &dir.join("base"));
    common::write(dir, "overlay/kustomization.yaml", "resources:\n- ../base\n");
    git_commit_all(dir);
    // The pull request adds one patch to the overlay.
    common::write(
        dir,
        "overlay/kustomization.yaml",
        "resources:\n- ../base\npatches:\n- target: {kind: Deployment, name: api}\n  patch: |\n    - op: remove\n      path: /spec/template/spec/containers/0/securityContext\n",
    );
    let out = common::keelhaul_in(dir)
        .args([
            "scan",
            ".",
            "--diff",
            "HEAD",
            "--fail-on",
            "warning",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report = common::json_of(&out);
    let got: Vec<(String, u32)> = findings(&report)
        .iter()
        .map(|f| (format!("{} {}", rule(f), file(f)), line(f)))
        .collect();
    let at = |r: &str| (format!("{r} ./overlay/kustomization.yaml"), 6);
    assert_eq!(got, [at("KH102"), at("KH105"), at("KH106")], "{report}");
    // The base's kustomization.yaml is read by the overlay's build: no "not checked" notice.
    assert!(
        !report["notices"]
            .to_string()
            .contains("not a Kubernetes object"),
        "{report}"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the gate fails the pull request"
    );
}

// ---------------------------------------------------------------------------------------
// Suppressions through renders
// ---------------------------------------------------------------------------------------

/// Copies a directory tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Inserts `comment` (indented like the line) above the first line containing `needle`;
/// returns the comment's line.
fn comment_above(path: &Path, needle: &str, comment: &str) -> u32 {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = String::new();
    let mut at = 0;
    for (i, l) in text.lines().enumerate() {
        if at == 0 && l.contains(needle) {
            let indent = &l[..l.len() - l.trim_start().len()];
            out.push_str(&format!("{indent}{comment}\n"));
            at = i as u32 + 1;
        }
        out.push_str(l);
        out.push('\n');
    }
    assert!(at > 0, "{needle:?} not in {}", path.display());
    std::fs::write(path, out).unwrap();
    at
}

/// The one finding of `rule` in `all`.
fn only_finding_of<'a>(all: &'a [Value], id: &str) -> &'a Value {
    let of: Vec<&Value> = all.iter().filter(|f| rule(f) == id).collect();
    assert_eq!(
        of.len(),
        1,
        "one {id} expected:\n{}",
        of.iter()
            .map(|f| describe(f))
            .collect::<Vec<_>>()
            .join("\n")
    );
    of[0]
}

#[test]
fn comment_suppressions_in_templates_apply_and_stale_ones_are_reported_on_the_template() {
    let tmp = tempfile::tempdir().unwrap();
    let chart = tmp.path().join("web");
    copy_tree(&root().join(WEB), &chart);
    let replay = tmp.path().join("web.rendered.yaml");
    std::fs::copy(root().join(RENDERED).join("web.yaml"), &replay).unwrap();
    // helm keeps a template's comments in its output: the same comments go in the replay.
    let used = "# keelhaul:ignore KH101 -- the sidecar loads a kernel module";
    let stale = "# keelhaul:ignore KH301 -- nothing here binds a user";
    comment_above(
        &chart.join("templates/deployment.yaml"),
        "privileged: true",
        used,
    );
    comment_above(&replay, "privileged: true", used);
    let stale_line = comment_above(
        &chart.join("templates/service.yaml"),
        "kind: Service",
        stale,
    );
    comment_above(&replay, "targetPort: http", stale);
    let helm = StandIn::new(&format!("exec /bin/cat '{}'\n", replay.display()));
    let report = scan(Some(&helm.path_env()), &[chart.to_str().unwrap()]);
    let all = findings(&report);
    assert!(
        !all.iter().any(|f| rule(f) == "KH101"),
        "the comment suppresses the sidecar's KH101:\n{}",
        all.iter().map(describe).collect::<Vec<_>>().join("\n")
    );
    assert!(report["summary"]["suppressed"].as_u64().unwrap() >= 1);
    let service = chart.join("templates/service.yaml");
    let unused = only_finding_of(all, "KH009");
    assert_eq!(
        (file(unused), line(unused)),
        (service.to_str().unwrap(), stale_line),
        "the stale suppression is reported on the template's comment"
    );
}

#[test]
fn comment_suppressions_in_kustomize_bases_apply_though_kustomize_drops_comments() {
    if !on_path("kustomize") && !on_path("kubectl") {
        eprintln!("SKIPPED: kustomize tests need kustomize or kubectl on PATH");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("k");
    copy_tree(&root().join(KUSTOMIZE), &tree);
    let base = tree.join("base/deployment.yaml");
    let before = findings(&scan(None, &[tree.to_str().unwrap()]))
        .iter()
        .filter(|f| rule(f) == "KH108")
        .count();
    assert_eq!(before, 1);
    comment_above(
        &base,
        "path: /var/cache",
        "# keelhaul:ignore KH108 -- read-only asset cache",
    );
    let stale = comment_above(
        &base,
        "containers:",
        "# keelhaul:ignore KH113 -- no Windows pods here",
    );
    let report = scan(None, &[tree.to_str().unwrap()]);
    let all = findings(&report);
    assert!(
        !all.iter().any(|f| rule(f) == "KH108"),
        "the base's comment suppresses KH108 in every overlay:\n{}",
        all.iter().map(describe).collect::<Vec<_>>().join("\n")
    );
    let unused = only_finding_of(all, "KH009");
    assert_eq!(
        (file(unused), line(unused)),
        (base.to_str().unwrap(), stale)
    );
}

#[test]
fn a_library_chart_is_not_rendered_and_says_so_with_verbose() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("common");
    std::fs::create_dir_all(lib.join("templates")).unwrap();
    std::fs::write(
        lib.join("Chart.yaml"),
        "apiVersion: v2\nname: common\ntype: library\nversion: 1.0.0\n",
    )
    .unwrap();
    std::fs::write(
        lib.join("templates/_labels.tpl"),
        "{{- define \"common.labels\" -}}\napp: {{ .Chart.Name }}\n{{- end }}\n",
    )
    .unwrap();
    // A helm that must not be called: a library chart cannot be rendered.
    let helm = StandIn::new("echo 'Error: library charts are not installable' >&2\nexit 1\n");
    let dir = lib.to_str().unwrap();
    let report = scan(Some(&helm.path_env()), &[dir, "--verbose"]);
    assert!(findings(&report).is_empty(), "{report}");
    assert!(
        helm.calls().is_empty(),
        "helm was called: {:?}",
        helm.calls()
    );
    let notices = report["notices"].as_array().unwrap();
    assert!(
        notices.iter().any(|n| n["message"]
            .as_str()
            .unwrap_or("")
            .contains("library chart")),
        "{notices:?}"
    );
}

/// A chart that cannot be rendered is said in the summary line (its templates went unchecked),
/// and `--require-render` (or `render: required`) makes that fail the scan.
#[test]
fn unrendered_charts_are_counted_and_can_be_required() {
    let empty = tempfile::tempdir().unwrap();
    let path = OsString::from(empty.path());
    let chart = "testdata/render/helm/web";
    let run = |args: &[&str]| {
        common::keelhaul()
            .env("PATH", &path)
            .args(["scan", chart, "--color", "never"])
            .args(args)
            .output()
            .unwrap()
    };
    // The chart's template files: deployment, rolebinding, service and serviceaccount
    // (NOTES.txt and helpers are not manifests).
    let out = run(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.ends_with("; 4 templates in 1 chart not checked: helm not found"),
        "{summary}"
    );
    assert_eq!(out.status.code(), Some(0), "a note does not fail the scan");

    let out = run(&["--require-render", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "KH007 is an error now");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let kh007: Vec<&Value> = findings(&v)
        .iter()
        .filter(|f| f["rule"] == "KH007")
        .collect();
    assert_eq!(kh007.len(), 1);
    assert_eq!(kh007[0]["severity"], "error");
    assert_eq!(v["summary"]["unrenderedCharts"], 1);
    assert_eq!(v["summary"]["uncheckedTemplates"], 4);

    // The same from the configuration file.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("keelhaul.yaml");
    std::fs::write(&config, "render: required\n").unwrap();
    let out = run(&["--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));

    // Asking for both is a usage error.
    let out = run(&["--require-render", "--no-render"]);
    assert_eq!(out.status.code(), Some(2));
}
