//! The real-world corpus (`../shared/corpus`, 1,743 files from eight public projects): the
//! scan must not panic, and every file must be accounted for: scanned, or reported with a
//! reason (unreadable, skipped, or an unrendered Helm chart template).

use std::path::{Path, PathBuf};

use keelhaul::pipeline::{ScanOptions, scan};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")
}

fn count_manifests(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            n += count_manifests(&p);
        } else if keelhaul::discover::is_manifest_name(&p) {
            n += 1;
        }
    }
    n
}

#[test]
fn every_corpus_file_is_scanned_or_reported() {
    let root = corpus();
    assert!(
        root.is_dir(),
        "the shared corpus is missing at {}",
        root.display()
    );
    let total = count_manifests(&root);
    assert!(total >= 1700, "corpus has {total} files");
    let result = scan(&ScanOptions {
        paths: vec![root],
        ..ScanOptions::default()
    })
    .expect("scan");
    let reported_unread = result
        .findings
        .iter()
        .filter(|f| matches!(f.rule.id, "KH005" | "KH006"))
        .count();
    let accounted = result.stats.files + result.stats.chart_templates + reported_unread;
    assert_eq!(
        accounted, total,
        "scanned {} + chart templates {} + unreadable/skipped {} != {} files",
        result.stats.files, result.stats.chart_templates, reported_unread, total
    );
    // Raw Helm templates outside a chart layout are reported, never parse errors.
    for f in result.findings.iter().filter(|f| f.rule.id == "KH001") {
        let text = std::fs::read_to_string(&*f.file).unwrap_or_default();
        assert!(
            !text.contains("{{"),
            "a Helm template reported as invalid YAML: {}",
            f.file
        );
    }
    assert!(result.stats.resources > 2000, "{:?}", result.stats);
    // Every finding has a real position.
    for f in &result.findings {
        assert!(f.span.start.line >= 1, "{} {}", f.file, f.rule.id);
    }
}
