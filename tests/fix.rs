//! `--fix` never damages a file: a file reached by two names is fixed once, a byte order mark
//! does not stop a fix on line 1, a read-only file or one changed since the scan is refused
//! whole, a link never leads a write out of the scanned tree, and fixing twice gives the same
//! bytes as fixing once.

mod common;

use std::path::Path;

use common::{keelhaul_in, write};
use keelhaul::check::Settings;
use keelhaul::k8s::version::KubeVersion;
use keelhaul::pipeline::{ScanOptions, scan};
use keelhaul::report::apply_fix::fix_files;
use proptest::prelude::*;

/// A pod using the deprecated `serviceAccount` field (KH505 renames it).
const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  serviceAccount: builder\n  containers:\n  - name: c\n    image: x\n";

/// A CronJob under an apiVersion removed in 1.25 (KH501 moves it to batch/v1).
const CRONJOB: &str = "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: j\nspec:\n  schedule: \"* * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: c\n            image: x\n";

fn fix(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = keelhaul_in(dir)
        .args([
            "scan",
            "--fix",
            "--select",
            "KH501,KH505",
            "--kube-version",
            "1.25",
        ])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

#[cfg(unix)]
#[test]
fn a_file_reached_through_a_link_is_fixed_once() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.yaml", POD);
    std::os::unix::fs::symlink("a.yaml", d.path().join("link.yaml")).unwrap();
    let (code, err) = fix(d.path(), &["."]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        read(d.path(), "a.yaml"),
        POD.replace("serviceAccount:", "serviceAccountName:")
    );
    assert!(
        std::fs::symlink_metadata(d.path().join("link.yaml"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is still a link"
    );
}

#[test]
fn a_file_named_twice_is_fixed_once() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.yaml", POD);
    let (code, err) = fix(d.path(), &["a.yaml", "./a.yaml"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        read(d.path(), "a.yaml"),
        POD.replace("serviceAccount:", "serviceAccountName:")
    );
}

#[test]
fn a_fix_on_the_first_line_of_a_file_with_a_byte_order_mark_applies() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "j.yaml", format!("\u{feff}{CRONJOB}"));
    let (code, err) = fix(d.path(), &["j.yaml"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        read(d.path(), "j.yaml"),
        format!("\u{feff}{}", CRONJOB.replace("batch/v1beta1", "batch/v1")),
        "{err}"
    );
}

#[test]
fn a_read_only_file_is_reported_and_left_alone() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.yaml", POD);
    let p = d.path().join("a.yaml");
    let mut perms = std::fs::metadata(&p).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&p, perms).unwrap();
    let (code, err) = fix(d.path(), &["a.yaml"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("a.yaml: not fixed: the file is read-only"),
        "{err}"
    );
    assert_eq!(read(d.path(), "a.yaml"), POD);
}

/// The walk does not follow a link out of the scanned tree, and the fixer does not write a file
/// whose real path is outside the paths it is given, whatever the scan result names.
#[cfg(unix)]
#[test]
fn a_link_out_of_the_scanned_tree_is_never_written_through() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "target.yaml", POD);
    let d = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path().join("target.yaml"), d.path().join("a.yaml"))
        .unwrap();
    let (_, err) = fix(d.path(), &["."]);
    assert_eq!(read(outside.path(), "target.yaml"), POD, "{err}");

    // A result that does name the outside file (scanned from the link's directory when
    // links were followed) is refused by the fixer itself.
    let result = scan(&options(outside.path())).unwrap();
    assert!(result.findings.iter().any(|f| f.fix.is_some()));
    let report = fix_files(&result, false, &[d.path().to_path_buf()]);
    assert_eq!(report.files, 0);
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("outside the scanned tree")),
        "{:?}",
        report.errors
    );
    assert_eq!(read(outside.path(), "target.yaml"), POD);
}

/// The library call: a file that changed since the scan is refused whole, with its name.
#[test]
fn a_file_changed_since_the_scan_is_refused_whole() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.yaml", format!("{CRONJOB}---\n{POD}"));
    let opts = options(d.path());
    let result = scan(&opts).unwrap();
    assert_eq!(
        result.findings.iter().filter(|f| f.fix.is_some()).count(),
        2
    );
    // The CronJob's apiVersion is edited by hand after the scan; the pod is not.
    let changed = format!(
        "{}---\n{POD}",
        CRONJOB.replace("batch/v1beta1", "batch/v2alpha1")
    );
    write(d.path(), "a.yaml", &changed);
    let report = fix_files(&result, false, &opts.paths);
    assert_eq!(report.files, 0);
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.ends_with("a.yaml: not fixed: the file changed since it was scanned")),
        "{:?}",
        report.errors
    );
    assert_eq!(read(d.path(), "a.yaml"), changed, "nothing is written");
}

fn options(path: &Path) -> ScanOptions {
    ScanOptions {
        paths: vec![path.to_path_buf()],
        rules: ["KH501", "KH505"]
            .iter()
            .map(|id| keelhaul::rules::find(id).unwrap())
            .collect(),
        excerpts: false,
        settings: Settings {
            kube_version: KubeVersion(25),
            ..Settings::default()
        },
        ..ScanOptions::default()
    }
}

/// Scans `dir` and applies the fixes; returns the bytes of every file after.
fn fix_in_process(dir: &Path, names: &[String]) -> Vec<Vec<u8>> {
    let opts = options(dir);
    let result = scan(&opts).unwrap();
    let report = fix_files(&result, false, &opts.paths);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    names
        .iter()
        .map(|n| std::fs::read(dir.join(n)).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Fixing twice gives the bytes fixing once gave, whatever the mix of documents, byte order
    /// marks, comments and links.
    #[test]
    fn fixing_twice_is_fixing_once(
        files in prop::collection::vec(
            (prop::collection::vec(0usize..3, 1..4), any::<bool>(), any::<bool>()),
            1..4,
        ),
        linked in any::<bool>(),
    ) {
        let d = tempfile::tempdir().unwrap();
        let mut names = Vec::new();
        for (i, (docs, bom, comment)) in files.iter().enumerate() {
            let mut text = String::new();
            if *bom {
                text.push('\u{feff}');
            }
            for (j, kind) in docs.iter().enumerate() {
                if j > 0 {
                    text.push_str("---\n");
                }
                if *comment {
                    text.push_str("# kept as it is\n");
                }
                text.push_str(match kind {
                    0 => POD,
                    1 => CRONJOB,
                    _ => "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
                });
            }
            let name = format!("f{i}.yaml");
            write(d.path(), &name, &text);
            names.push(name);
        }
        #[cfg(unix)]
        if linked {
            std::os::unix::fs::symlink("f0.yaml", d.path().join("link.yaml")).unwrap();
        }
        let once = fix_in_process(d.path(), &names);
        let twice = fix_in_process(d.path(), &names);
        prop_assert_eq!(&once, &twice);
        for bytes in &once {
            let text = String::from_utf8_lossy(bytes);
            prop_assert!(!text.contains("NameName"), "{}", text);
            prop_assert!(!text.contains("batch/v1beta1"), "{}", text);
        }
    }
}
