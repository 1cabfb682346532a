//! Conformance with the Pod Security Admission controller: all 4,537 upstream fixtures
//! (`../shared/conformance/pod-security-admission/<level>/v1.<minor>/<pass|fail>/*.yaml`).
//! Every `fail` pod must break at least one control at its level and policy version, every
//! `pass` pod none.

use std::path::{Path, PathBuf};

use keelhaul::index::{resources_of, workload_of};
use keelhaul::k8s::pod_view::PodView;
use keelhaul::k8s::pss::{Level, evaluate};
use keelhaul::k8s::version::KubeVersion;
use keelhaul::load::load_text;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/pod-security-admission")
}

fn sorted_dir(p: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

#[test]
fn all_upstream_fixtures() {
    let mut cases = 0;
    let mut failures = Vec::new();
    for level_dir in sorted_dir(&root()).into_iter().filter(|p| p.is_dir()) {
        let level = Level::parse(level_dir.file_name().unwrap().to_str().unwrap()).expect("level");
        for version_dir in sorted_dir(&level_dir) {
            let name = version_dir
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            let version = KubeVersion::parse(&name).expect("version directory");
            for expect in ["pass", "fail"] {
                let dir = version_dir.join(expect);
                if !dir.is_dir() {
                    continue;
                }
                for file in sorted_dir(&dir) {
                    cases += 1;
                    let text = std::fs::read_to_string(&file).unwrap();
                    let loaded = load_text(&text);
                    assert!(
                        loaded.problems.is_empty(),
                        "{}: {:?}",
                        file.display(),
                        loaded.problems
                    );
                    let doc = &loaded.docs[0];
                    let resources = resources_of(doc, "default").expect("a Pod");
                    let workload = workload_of(&resources[0]).expect("a pod spec");
                    let violations = evaluate(&PodView::new(workload), level, version);
                    let ok = if expect == "fail" {
                        !violations.is_empty()
                    } else {
                        violations.is_empty()
                    };
                    if !ok {
                        let what: Vec<String> = violations
                            .iter()
                            .map(|v| format!("{}: {} {}", v.control.id, v.subject, v.detail))
                            .collect();
                        failures.push(format!(
                            "{} ({} v{version}): {what:?}",
                            file.display(),
                            level.as_str()
                        ));
                    }
                }
            }
        }
    }
    // 4,538 files: 4,537 pods and the LICENSE.
    assert_eq!(cases, 4537, "the upstream suite has 4,537 pods");
    assert!(
        failures.is_empty(),
        "{} of {cases} cases disagree with the admission controller:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
