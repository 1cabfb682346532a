//! Conformance of the API lifecycle rules (KH501–KH504) with the machine-readable blocks of
//! the facts file (`../shared/reference/kubernetes-facts.md`, section 7): for every row, a
//! minimal manifest is scanned at the target versions just before the deprecation, at it,
//! between it and the removal, just before the removal, at it and after it, and must yield
//! exactly the expected finding, on its `apiVersion:` line, naming the replacement.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use keelhaul::check::Settings;
use keelhaul::finding::Severity;
use keelhaul::k8s::api_lifecycle::Version;
use keelhaul::k8s::version::KubeVersion;
use keelhaul::load::load_text;
use keelhaul::pipeline::{ScanOptions, scan};
use keelhaul::rules;

fn facts() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/kubernetes-facts.md");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[derive(Debug, Clone)]
struct FactRow {
    block: &'static str,
    component: Option<String>,
    api_version: String,
    kind: String,
    deprecated: Option<Version>,
    removed: Option<Version>,
    replacement: String,
}

/// The rows of every fenced YAML block of the facts file with the given top-level keys.
fn fact_rows() -> Vec<FactRow> {
    let text = facts();
    let mut rows = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("```yaml\n") {
        let body = &rest[start + 8..];
        let end = body.find("```").expect("closed block");
        let block = &body[..end];
        rest = &body[end..];
        let loaded = load_text(block);
        let doc = &loaded.docs[0];
        let root = doc.root.unwrap();
        for (key, name) in [
            ("removedApis", "A"),
            ("removedApisExtra", "B"),
            ("deprecatedNoRemoval", "B"),
            ("plutoNonCore", "C"),
        ] {
            let Some(list) = doc.get(root, key) else {
                continue;
            };
            for &item in doc.items(list) {
                let s = |k: &str| doc.get_str(item, k).map(str::to_string);
                rows.push(FactRow {
                    block: name,
                    component: s("component"),
                    api_version: s("apiVersion").unwrap(),
                    kind: s("kind").unwrap(),
                    deprecated: s("deprecatedIn").and_then(|v| Version::parse(&v)),
                    removed: s("removedIn").and_then(|v| Version::parse(&v)),
                    replacement: s("replacement").unwrap_or_default(),
                });
            }
        }
    }
    rows
}

/// Where keelhaul's table departs from the facts file's blocks on purpose, and why.
fn expected_replacement(row: &FactRow) -> String {
    // The facts file itself flags this one: the ACME kinds live in acme.cert-manager.io.
    if row.api_version.starts_with("acme.cert-manager.io/") {
        return "acme.cert-manager.io/v1".into();
    }
    row.replacement.clone()
}

/// A kind for the manifest: rows about "any kind" of an apiVersion get a made-up one.
fn kind_of(row: &FactRow) -> &str {
    if row.kind.is_empty() {
        "AnyKind"
    } else {
        &row.kind
    }
}

fn targets(row: &FactRow) -> Vec<Version> {
    let mut out = Vec::new();
    for v in [row.deprecated, row.removed].into_iter().flatten() {
        for delta in [-1i64, 0, 1] {
            let minor = v.minor as i64 + delta;
            if minor >= 0 {
                out.push(Version {
                    major: v.major,
                    minor: minor as u32,
                });
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn expected(row: &FactRow, t: Version) -> Option<(&'static str, Severity)> {
    let crd = row.component.is_some();
    if row.removed.is_some_and(|r| r <= t) {
        Some((if crd { "KH503" } else { "KH501" }, Severity::Error))
    } else if row.deprecated.is_some_and(|d| d <= t) {
        let sev = if row.removed.is_none() {
            Severity::Note
        } else {
            Severity::Warning
        };
        Some((if crd { "KH504" } else { "KH502" }, sev))
    } else {
        None
    }
}

/// Scan options for one file with the given rules.
fn options(path: PathBuf, ids: &[&str], settings: Settings) -> ScanOptions {
    ScanOptions {
        paths: vec![path],
        rules: ids.iter().map(|id| rules::find(id).unwrap()).collect(),
        excerpts: false,
        settings,
        ..ScanOptions::default()
    }
}

struct Case {
    row: usize,
    line: u32,
}

/// Findings by line: rule, severity, message.
type FindingsByLine = BTreeMap<u32, Vec<(String, Severity, String)>>;

/// Scans one multi-document file holding one object per case at one target; returns the
/// findings by line.
fn scan_cases(
    dir: &Path,
    name: &str,
    rows: &[FactRow],
    cases: &[usize],
    settings: Settings,
) -> (Vec<Case>, FindingsByLine) {
    let mut text = String::new();
    let mut placed = Vec::new();
    let mut line = 1;
    for &i in cases {
        let row = &rows[i];
        text.push_str(&format!(
            "apiVersion: {}\nkind: {}\nmetadata:\n  name: case-{i}\n---\n",
            row.api_version,
            kind_of(row)
        ));
        placed.push(Case { row: i, line });
        line += 5;
    }
    let path: PathBuf = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let opts = options(path, &["KH501", "KH502", "KH503", "KH504"], settings);
    let result = scan(&opts).expect("scan");
    let mut by_line: BTreeMap<u32, Vec<(String, Severity, String)>> = BTreeMap::new();
    for f in result.findings {
        by_line.entry(f.span.start.line).or_default().push((
            f.rule.id.to_string(),
            f.severity,
            f.message.to_string(),
        ));
    }
    (placed, by_line)
}

#[test]
fn every_fact_row_at_every_boundary() {
    let rows = fact_rows();
    assert!(
        rows.iter().filter(|r| r.block == "A").count() >= 50,
        "the facts file's block A was not read"
    );
    assert!(rows.iter().any(|r| r.block == "C"));
    let dir = tempfile::tempdir().unwrap();
    // Kubernetes rows: one scan per target version; component rows: one per component and
    // target.
    let mut by_target: BTreeMap<(Option<String>, Version), Vec<usize>> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        for t in targets(row) {
            by_target
                .entry((row.component.clone(), t))
                .or_default()
                .push(i);
        }
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    for ((component, t), cases) in &by_target {
        let mut settings = Settings::default();
        match component {
            None => settings.kube_version = KubeVersion(t.minor),
            Some(c) => settings.component_targets = vec![(c.clone(), *t)],
        }
        let name = format!("{}-{t}.yaml", component.as_deref().unwrap_or("k8s"));
        let (placed, found) = scan_cases(dir.path(), &name, &rows, cases, settings);
        for case in placed {
            let row = &rows[case.row];
            checked += 1;
            let got = found.get(&case.line).cloned().unwrap_or_default();
            let what = format!(
                "{} {} ({}) at {}{t}",
                row.api_version,
                kind_of(row),
                row.block,
                component
                    .as_deref()
                    .map_or(String::new(), |c| format!("{c} ")),
            );
            match (expected(row, *t), got.as_slice()) {
                (None, []) => {}
                (None, got) => failures.push(format!("{what}: expected nothing, got {got:?}")),
                (Some((id, sev)), [(gid, gsev, msg)]) => {
                    if id != gid || sev != *gsev {
                        failures.push(format!("{what}: expected {id} {sev:?}, got {gid} {gsev:?}"));
                    }
                    let replacement = expected_replacement(row);
                    let names = if replacement.is_empty() {
                        msg.contains("nothing replaces it")
                    } else {
                        msg.contains(&replacement)
                    };
                    if !names {
                        failures.push(format!(
                            "{what}: the message does not name the replacement {replacement:?}: {msg}"
                        ));
                    }
                }
                (Some((id, _)), got) => {
                    failures.push(format!("{what}: expected one {id}, got {got:?}"))
                }
            }
        }
    }
    assert!(checked > 400, "only {checked} cases");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases disagree with the facts file:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every row of keelhaul's tables is consistent: the replacement of a row is not itself
/// unknown-and-removed earlier than the row, versions are ordered, the migrations' paths
/// parse (the table loads at all).
#[test]
fn tables_are_consistent() {
    let t = &keelhaul::k8s::api_lifecycle::TABLE;
    for row in &t.rows {
        if let (Some(d), Some(r)) = (row.deprecated, row.removed) {
            assert!(d <= r, "{}: deprecated after removal", row.api_version);
        }
        if !row.replacement.is_empty() {
            for kind in &row.kinds {
                if let Some(next) = t.lookup(&row.replacement, kind)
                    && let (Some(a), Some(b)) = (row.removed, next.removed)
                {
                    assert!(
                        b >= a,
                        "{} {kind}: its replacement {} is removed before it",
                        row.api_version,
                        row.replacement
                    );
                }
            }
        } else {
            assert!(
                row.migrations.is_empty(),
                "{}: migrations without a replacement",
                row.api_version
            );
        }
    }
}

/// Every fix the table allows, applied: for each Kubernetes row, a minimal object at the
/// version that removes (else deprecates) it; where a fix is offered, `--fix` must turn it into
/// a manifest that parses, keeps its comment, and no longer trips the rule.
#[test]
fn every_offered_fix_round_trips() {
    let t = &keelhaul::k8s::api_lifecycle::TABLE;
    let dir = tempfile::tempdir().unwrap();
    let mut offered = 0;
    let mut failures = Vec::new();
    for (i, row) in t
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.component.is_none())
    {
        let Some(at) = row.removed.or(row.deprecated) else {
            continue;
        };
        for kind in &row.kinds {
            let path = dir.path().join(format!("row-{i}-{kind}.yaml"));
            let text = format!(
                "# keep me\napiVersion: {} # and me\nkind: {kind}\nmetadata:\n  name: x\n",
                row.api_version
            );
            std::fs::write(&path, &text).unwrap();
            let settings = Settings {
                kube_version: KubeVersion(at.minor),
                ..Settings::default()
            };
            let opts = options(path.clone(), &["KH001", "KH501", "KH502"], settings);
            let before = scan(&opts).unwrap();
            if !before.findings.iter().any(|f| f.fix.is_some()) {
                continue;
            }
            offered += 1;
            let report = keelhaul::report::apply_fix::fix_files(&before, false, &opts.paths);
            let fixed = std::fs::read_to_string(&path).unwrap();
            let want = text.replace(
                &format!("apiVersion: {} #", row.api_version),
                &format!("apiVersion: {} #", row.replacement),
            );
            if report.fixed != 1 || fixed != want {
                failures.push(format!(
                    "{} {kind}: fixed {} into\n{fixed}",
                    row.api_version, report.fixed
                ));
                continue;
            }
            let after = scan(&opts).unwrap();
            let left: Vec<String> = after
                .findings
                .iter()
                .filter(|f| f.rule.id == "KH001" || f.severity == Severity::Error)
                .map(|f| format!("{} {}", f.rule.id, f.message))
                .collect();
            if !left.is_empty() {
                failures.push(format!(
                    "{} {kind} after the fix: {left:?}",
                    row.api_version
                ));
            }
        }
    }
    assert!(offered >= 30, "only {offered} fixes offered");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Scans `text` with the lifecycle rules at `settings`; (line, rule, message, has a fix).
fn findings_of(text: &str, settings: Settings) -> Vec<(u32, String, String, bool)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.yaml");
    std::fs::write(&path, text).unwrap();
    let opts = options(
        path,
        &["KH501", "KH502", "KH503", "KH504", "KH505"],
        settings,
    );
    scan(&opts)
        .unwrap()
        .findings
        .into_iter()
        .map(|f| {
            (
                f.span.start.line,
                f.rule.id.to_string(),
                f.message.to_string(),
                f.fix.is_some(),
            )
        })
        .collect()
}

fn at(minor: u32) -> Settings {
    Settings {
        kube_version: KubeVersion(minor),
        ..Settings::default()
    }
}

#[test]
fn where_to_move_when_the_replacement_is_not_there_yet_or_gone_too() {
    let fs =
        "apiVersion: flowcontrol.apiserver.k8s.io/v1beta1\nkind: FlowSchema\nmetadata: {name: a}\n";
    // Deprecated, v1 not served yet: the interim version the target serves.
    let f = findings_of(fs, at(24));
    assert_eq!(f.len(), 1);
    assert!(
        f[0].2
            .contains("until the cluster runs 1.29, use flowcontrol.apiserver.k8s.io/v1beta2"),
        "{}",
        f[0].2
    );
    assert!(!f[0].3, "no fix to a version the cluster does not serve");
    let f = findings_of(fs, at(27));
    assert_eq!(f[0].1, "KH501");
    assert!(
        f[0].2.contains("use flowcontrol.apiserver.k8s.io/v1beta3"),
        "{}",
        f[0].2
    );
    let f = findings_of(fs, at(29));
    assert!(
        f[0].2.contains("; use flowcontrol.apiserver.k8s.io/v1 "),
        "{}",
        f[0].2
    );
    assert!(f[0].3);

    // A replacement that is itself only deprecated at the target: named, fixable, with what
    // comes after it.
    let psp = "apiVersion: extensions/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: p}\n";
    let f = findings_of(psp, at(22));
    assert!(
        f[0].2
            .contains("use policy/v1beta1, itself deprecated since 1.21 and removed in 1.25"),
        "{}",
        f[0].2
    );
    assert!(f[0].3);
    let f = findings_of(psp, at(25));
    assert!(f[0].2.contains("nothing replaces it"), "{}", f[0].2);
    assert!(!f[0].3);

    // Past a deprecated replacement whose own replacement is served.
    let issuer = "apiVersion: certmanager.k8s.io/v1alpha1\nkind: Issuer\nmetadata: {name: a}\n";
    let s = Settings {
        component_targets: vec![(
            "cert-manager".into(),
            keelhaul::k8s::api_lifecycle::Version { major: 1, minor: 5 },
        )],
        ..Settings::default()
    };
    let f = findings_of(issuer, s);
    assert_eq!(f[0].1, "KH503");
    assert!(f[0].2.contains("use cert-manager.io/v1 "), "{}", f[0].2);
    assert!(!f[0].3, "cert-manager moves are never rewritten blindly");
}

#[test]
fn migrations_decide_the_fix() {
    // A Recreate Deployment has no rolling-update settings to pin.
    let recreate = "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: r}\nspec:\n  selector: {matchLabels: {a: b}}\n  progressDeadlineSeconds: 600\n  revisionHistoryLimit: 3\n  strategy: {type: Recreate}\n  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: a, image: b}]}}\n";
    let f = findings_of(recreate, at(30));
    assert_eq!(
        (f[0].0, f[0].1.as_str(), f[0].3),
        (1, "KH501", true),
        "{f:?}"
    );
    let rolling = recreate.replace("{type: Recreate}", "{type: RollingUpdate}");
    let f = findings_of(&rolling, at(30));
    assert!(
        f[0].2
            .contains("2 more changes first: rolling updates: maxSurge"),
        "{}",
        f[0].2
    );
    assert!(!f[0].3);
    // A PodDisruptionBudget whose empty selector would select every pod in policy/v1.
    let pdb = "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: p}\nspec:\n  minAvailable: 1\n  selector: {}\n";
    let f = findings_of(pdb, at(30));
    assert!(!f[0].3, "{f:?}");
    assert!(f[0].2.contains("one more change"), "{}", f[0].2);
    // The binding needs validationActions; the policy moves as it is.
    let vap = "apiVersion: admissionregistration.k8s.io/v1beta1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\n---\napiVersion: admissionregistration.k8s.io/v1beta1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec:\n  policyName: p\n";
    let f = findings_of(vap, at(34));
    assert_eq!(
        f.iter().map(|x| (x.0, x.3)).collect::<Vec<_>>(),
        vec![(1, true), (5, false)]
    );
    // A quoted value with a comment after it is still rewritten exactly.
    let quoted = "apiVersion: \"batch/v1beta1\"  # c\nkind: CronJob\nmetadata: {name: b}\n";
    let f = findings_of(quoted, at(30));
    assert!(f[0].3);
    // Another kind: never rewritten.
    let ep = "apiVersion: v1\nkind: Endpoints\nmetadata: {name: e}\n";
    let f = findings_of(ep, at(36));
    assert_eq!(f[0].1, "KH502");
    assert!(
        f[0].2.contains("discovery.k8s.io/v1 EndpointSlice"),
        "{}",
        f[0].2
    );
    assert!(!f[0].3);
}

#[test]
fn deprecated_service_account_field() {
    let pod = |extra: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: a}}\nspec:\n{extra}  serviceAccount: builder\n  containers: [{{name: a, image: b}}]\n"
        )
    };
    let f = findings_of(&pod(""), at(36));
    assert_eq!((f[0].0, f[0].1.as_str(), f[0].3), (5, "KH505", true));
    let f = findings_of(&pod("  serviceAccountName: \"\"\n"), at(36));
    assert!(f[0].2.contains("runs as \"builder\""), "{}", f[0].2);
    assert!(!f[0].3);
    let f = findings_of(&pod("  serviceAccountName: other\n"), at(36));
    assert!(f[0].2.contains("ignored here"), "{}", f[0].2);
    let f = findings_of(&pod("  serviceAccountName: builder\n"), at(36));
    assert!(f[0].2.contains("repeats serviceAccountName"), "{}", f[0].2);
}
