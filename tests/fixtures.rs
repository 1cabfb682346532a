//! The fixture harness: every fixture under `testdata/` states, next to the line where a
//! finding must start, which rules fire there (`# expect: KH101` or `# expect: KH101, KH103`).
//! The harness scans each fixture and fails on any missing or unexpected finding.
//!
//! Under `testdata/rules/<ID>-<slug>/` only that rule is checked (other rules may fire on
//! the same manifest); everywhere else every rule is. A fixture may instead keep its
//! expectations in a sidecar `<file>.expect` of `LINE: KH001, ...` lines: JSON cannot hold
//! comments, and the examples a new user scans first stay free of test markup.
//!
//! Rendered charts and overlays (`testdata/render/`) are checked by `tests/render.rs`, and
//! the admission policy conformance cases (`testdata/admission-conformance/`), each on its
//! own, by `tests/admission_conformance.rs`.
//!
//! A fixture whose first line is `# scan: --pss restricted --kube-version 1.30` (`// scan:`
//! in Bicep, a sidecar `<file>.scan` for JSON; or
//! `--target cert-manager=1.5`) is scanned on its own with those options.

mod expect;
use expect::parse_ids;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use keelhaul::check::Settings;
use keelhaul::k8s::pss::Level;
use keelhaul::k8s::version::KubeVersion;
use keelhaul::pipeline::{ScanOptions, scan};
use keelhaul::rules;

/// What a `# scan:` first line asks for.
struct Directive {
    settings: Settings,
    /// `--helm-binary FILE` (relative to the fixture's directory): render with this helm,
    /// scanning the fixture's whole directory (the fixture is then its `Chart.yaml`).
    helm: Option<PathBuf>,
}

/// The options of a `# scan:` first line, if the fixture has one.
fn directive(path: &Path) -> Option<Directive> {
    // On the first line (`# scan:`, or `// scan:` in Bicep), or for JSON, which has no
    // comments, in a sidecar `<file>.scan`.
    let sidecar = std::fs::read_to_string(format!("{}.scan", path.display()));
    let text = sidecar.or_else(|_| std::fs::read_to_string(path)).ok()?;
    let first = text.lines().next()?;
    let args = first
        .strip_prefix("# scan:")
        .or_else(|| first.strip_prefix("// scan:"))?;
    let mut settings = Settings::default();
    let mut helm = None;
    let mut words = args.split_whitespace();
    while let Some(w) = words.next() {
        let value = words
            .next()
            .unwrap_or_else(|| panic!("{}: {w} needs a value", path.display()));
        match w {
            "--pss" => settings.pss = Some(Level::parse(value).expect("--pss level")),
            "--kube-version" => {
                settings.kube_version = KubeVersion::parse(value).expect("--kube-version")
            }
            "--target" => {
                let (name, v) = value.split_once('=').expect("--target NAME=X.Y");
                let v = keelhaul::k8s::api_lifecycle::Version::parse(v).expect("--target version");
                settings.component_targets.push((name.to_string(), v));
            }
            "--helm-binary" => helm = Some(path.parent().unwrap().join(value)),
            "--as-of" => {
                settings.as_of = keelhaul::k8s::aks_versions::Date::parse(value).expect("--as-of")
            }
            other => panic!("{}: unknown option {other} in # scan:", path.display()),
        }
    }
    Some(Directive { settings, helm })
}

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn fixture_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            // Charts and overlays have their own harness (tests/render.rs), and so do the
            // admission conformance cases (tests/admission_conformance.rs).
            if p == testdata().join("render") || p == testdata().join("admission-conformance") {
                continue;
            }
            fixture_files(&p, out);
        } else if keelhaul::discover::is_manifest_name(&p) || keelhaul::discover::is_script_name(&p)
        {
            out.push(p);
        }
    }
}

/// Expected (line, rule) counts of a fixture.
fn expectations(path: &Path) -> BTreeMap<(u32, String), usize> {
    let mut out = BTreeMap::new();
    let sidecar = PathBuf::from(format!("{}.expect", path.display()));
    if let Ok(text) = std::fs::read_to_string(&sidecar) {
        for l in text.lines().filter(|l| !l.trim().is_empty()) {
            let (line, ids) = l.split_once(':').expect("LINE: IDS in .expect file");
            for id in parse_ids(ids) {
                *out.entry((line.trim().parse().expect("line number"), id))
                    .or_default() += 1;
            }
        }
        return out;
    }
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    for (i, line) in text.split('\n').enumerate() {
        if let Some(pos) = line.find("# expect:") {
            for id in parse_ids(&line[pos + "# expect:".len()..]) {
                *out.entry((i as u32 + 1, id)).or_default() += 1;
            }
        }
    }
    out
}

/// The rule a `testdata/rules/<ID>-<slug>` directory is about.
fn rule_of_dir(path: &Path) -> Option<String> {
    let rel = path.strip_prefix(testdata().join("rules")).ok()?;
    let dir = rel.components().next()?.as_os_str().to_str()?;
    Some(dir.split('-').next()?.to_string())
}

/// Scans the whole of `testdata/` once, as a user would scan a directory (so chart
/// templates are grouped under their Chart.yaml), and returns the findings of one file.
fn actual(
    all: &[keelhaul::finding::Finding],
    path: &Path,
    only: Option<&str>,
) -> (BTreeMap<(u32, String), usize>, Vec<String>) {
    let mut out = BTreeMap::new();
    let mut described = Vec::new();
    for f in all.iter().filter(|f| Path::new(&*f.file) == path) {
        if only.is_some_and(|r| r != f.rule.id) {
            continue;
        }
        *out.entry((f.span.start.line, f.rule.id.to_string()))
            .or_default() += 1;
        described.push(format!(
            "  {}:{} {} {}",
            f.span.start.line,
            f.span.start.col + 1,
            f.rule.id,
            f.message
        ));
    }
    (out, described)
}

#[test]
fn every_fixture_matches_its_expectations() {
    let mut files = Vec::new();
    fixture_files(&testdata(), &mut files);
    assert!(
        files.len() > 20,
        "fixtures not found under {}",
        testdata().display()
    );
    let result = scan(&ScanOptions {
        paths: vec![testdata()],
        exclude: vec!["/render/".into(), "/admission-conformance/".into()],
        excerpts: false,
        ..ScanOptions::default()
    })
    .expect("scan");
    let mut failures = Vec::new();
    for path in &files {
        let only = rule_of_dir(path);
        let expected = expectations(path);
        let own;
        let findings = match directive(path) {
            Some(Directive { settings, helm }) => {
                let mut render = keelhaul::load::render::RenderOptions::default();
                let mut paths = vec![path.clone()];
                if let Some(h) = helm {
                    render.enabled = true;
                    render.helm.binary = Some(h);
                    paths = vec![path.parent().unwrap().to_path_buf()];
                }
                own = scan(&ScanOptions {
                    paths,
                    excerpts: false,
                    settings,
                    render,
                    ..ScanOptions::default()
                })
                .expect("scan")
                .findings;
                &own
            }
            None => &result.findings,
        };
        let (got, described) = actual(findings, path, only.as_deref());
        if expected != got {
            let mut msg = format!("{}:\n", path.display());
            for (k, n) in &expected {
                let g = got.get(k).copied().unwrap_or(0);
                if g < *n {
                    msg.push_str(&format!(
                        "  missing: line {} {} (expected {n}, got {g})\n",
                        k.0, k.1
                    ));
                }
            }
            for (k, n) in &got {
                let e = expected.get(k).copied().unwrap_or(0);
                if *n > e {
                    msg.push_str(&format!(
                        "  unexpected: line {} {} (expected {e}, got {n})\n",
                        k.0, k.1
                    ));
                }
            }
            msg.push_str(" findings:\n");
            msg.push_str(&described.join("\n"));
            failures.push(msg);
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_a_page_and_failing_and_passing_fixtures() {
    let mut problems = Vec::new();
    for r in rules::all() {
        let m = r.meta();
        let title = format!("# {} {}", m.id, m.slug);
        if !m.page.starts_with(&title) {
            problems.push(format!("{}: the page does not start with {title:?}", m.id));
        }
        let dir = testdata()
            .join("rules")
            .join(format!("{}-{}", m.id, m.slug));
        let mut files = Vec::new();
        fixture_files(&dir, &mut files);
        // `fail.yaml`, `fail-x.yaml`, or any file under a `fail/` directory (a chart).
        let name = |p: &PathBuf| {
            p.strip_prefix(&dir)
                .ok()
                .and_then(|r| r.components().next())
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .unwrap_or_default()
        };
        let fails: Vec<_> = files
            .iter()
            .filter(|p| name(p).starts_with("fail"))
            .collect();
        let passes: Vec<_> = files
            .iter()
            .filter(|p| name(p).starts_with("pass"))
            .collect();
        if fails.is_empty() || fails.iter().all(|p| expectations(p).is_empty()) {
            problems.push(format!(
                "{}: no failing fixture with expectations in {}",
                m.id,
                dir.display()
            ));
        }
        if passes.is_empty() {
            problems.push(format!("{}: no passing fixture in {}", m.id, dir.display()));
        }
        for p in passes {
            if !expectations(p).is_empty() {
                problems.push(format!(
                    "{}: a passing fixture expects findings",
                    p.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
