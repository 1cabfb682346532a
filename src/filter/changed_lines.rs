//! Diff-only runs (`--diff REF`): the lines added or changed since a git ref, so that only
//! the findings on them are reported. git is run as a program, with arguments (no shell):
//! `git diff --unified=0 --no-color REF --` in the repository root, and untracked files
//! (`git ls-files --others --exclude-standard`) count as new from their first line.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::finding::result::ScanResult;

/// What changed in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// A new (untracked) file: every line.
    All,
    /// These lines of the new version (1-based).
    Lines(BTreeSet<u32>),
}

/// The changed lines of the working tree, by repository-relative path (`/` separators).
#[derive(Debug, Clone, Default)]
pub struct ChangedLines {
    pub root: PathBuf,
    pub files: HashMap<String, Changed>,
}

impl ChangedLines {
    /// Whether `line` of `path` (repository-relative) was added or changed.
    pub fn contains(&self, path: &str, line: u32) -> bool {
        match self.files.get(path) {
            Some(Changed::All) => true,
            Some(Changed::Lines(l)) => l.contains(&line),
            None => false,
        }
    }

    /// Keeps the findings of `result` that a change touched: whose start line, or the start
    /// line of one of its related places (the base line a patch removes, the values line a
    /// template reads), was added or changed. Returns how many were dropped. Findings on
    /// standard input, or outside the repository, are dropped.
    pub fn filter(&self, result: &mut ScanResult) -> usize {
        let mut paths: HashMap<std::sync::Arc<str>, Option<String>> = HashMap::new();
        let mut changed = |file: &std::sync::Arc<str>, line: u32| {
            paths
                .entry(file.clone())
                .or_insert_with(|| crate::discover::paths::repo_relative(file, &self.root))
                .as_deref()
                .is_some_and(|p| self.contains(p, line.max(1)))
        };
        let before = result.findings.len();
        result.findings.retain(|f| {
            changed(&f.file, f.span.start.line)
                || f.related
                    .iter()
                    .any(|r| changed(r.file.as_ref().unwrap_or(&f.file), r.span.start.line))
        });
        before - result.findings.len()
    }
}

/// Why `reference` is not found, and, in a shallow clone (what a CI checkout makes by
/// default), how to fetch what the diff needs.
fn unknown_ref(root: &Path, reference: &str) -> String {
    let shallow = git(root, &["rev-parse", "--is-shallow-repository"])
        .is_ok_and(|out| String::from_utf8_lossy(&out).trim() == "true");
    if shallow {
        format!(
            "--diff: unknown git ref {reference:?}: this clone is shallow (it holds only the latest commits), so the commit to compare with is not in it; fetch it first: `git fetch --depth=1 origin <base commit or branch>`, or clone the whole history (actions/checkout: `fetch-depth: 0`)"
        )
    } else {
        format!("--diff: unknown git ref {reference:?}")
    }
}

/// Runs git in `dir`; the error is one line.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                "--diff needs git, which was not found on PATH".to_string()
            }
            _ => format!("--diff: cannot run git: {e}"),
        })?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("no message");
        Err(format!("git {} failed: {first}", args.join(" ")))
    }
}

/// The text `file` had at `reference` in its repository; None when it did not exist there.
/// Err: git failed (no repository, an unknown ref), in one line.
pub fn file_at(reference: &str, file: &Path) -> Result<Option<String>, String> {
    if reference.is_empty() || reference.starts_with('-') {
        return Err(format!("--diff: not a git ref: {reference:?}"));
    }
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let commit = format!("{reference}^{{commit}}");
    git(dir, &["rev-parse", "--verify", "--quiet", &commit])
        .map_err(|_| unknown_ref(dir, reference))?;
    // `./name`: relative to the directory git runs in, wherever the repository's root is.
    let spec = format!("{reference}:./{name}");
    let listed = git(dir, &["ls-tree", "--name-only", reference, "--", &name])
        .map_err(|e| format!("--diff: {e}"))?;
    if listed.is_empty() {
        return Ok(None);
    }
    let text = git(dir, &["show", &spec]).map_err(|e| format!("--diff: {e}"))?;
    Ok(Some(String::from_utf8_lossy(&text).into_owned()))
}

/// The lines added or changed since `reference`, for the repository the current directory
/// is in.
pub fn changed_since(reference: &str) -> Result<ChangedLines, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("--diff: no current directory: {e}"))?;
    changed_since_in(&cwd, reference)
}

/// [`changed_since`] for the repository `dir` is in.
pub fn changed_since_in(dir: &Path, reference: &str) -> Result<ChangedLines, String> {
    if reference.is_empty() || reference.starts_with('-') {
        return Err(format!("--diff: not a git ref: {reference:?}"));
    }
    let top = git(dir, &["rev-parse", "--show-toplevel"]).map_err(|e| {
        if e.starts_with("--diff") {
            e
        } else {
            format!("--diff: {} is not inside a git repository", dir.display())
        }
    })?;
    let root = PathBuf::from(String::from_utf8_lossy(&top).trim_end_matches(['\n', '\r']));
    let commit = format!("{reference}^{{commit}}");
    git(&root, &["rev-parse", "--verify", "--quiet", &commit])
        .map_err(|_| unknown_ref(&root, reference))?;
    let patch = git(
        &root,
        &[
            "-c",
            "core.quotePath=false",
            "diff",
            "--unified=0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            reference,
            "--",
        ],
    )
    .map_err(|e| format!("--diff: {e}"))?;
    let mut files = parse_patch(&String::from_utf8_lossy(&patch));
    let untracked = git(&root, &["ls-files", "-z", "--others", "--exclude-standard"])
        .map_err(|e| format!("--diff: {e}"))?;
    for p in untracked.split(|&b| b == 0).filter(|p| !p.is_empty()) {
        files.insert(String::from_utf8_lossy(p).into_owned(), Changed::All);
    }
    Ok(ChangedLines { root, files })
}

/// The added lines of each file of a `git diff --unified=0` patch, by its new path.
pub fn parse_patch(patch: &str) -> HashMap<String, Changed> {
    let mut files: HashMap<String, Changed> = HashMap::new();
    let mut current: Option<String> = None;
    // Lines of the current hunk still to come (`+` and `-` ones): an added line that reads
    // `+++ x` is not a file header.
    let mut in_hunk = 0u64;
    for line in patch.lines() {
        if in_hunk > 0 {
            if line.starts_with(['+', '-', ' ']) {
                in_hunk -= 1;
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("+++ ") {
            let rest = rest.trim_end_matches('\t');
            let name = unquote(rest);
            current = name.strip_prefix("b/").map(str::to_string);
            continue;
        }
        if line.starts_with("diff --git ") {
            current = None;
            continue;
        }
        let Some(path) = &current else { continue };
        if let Some((old_count, start, count)) = crate::filter::unified_diff::hunk_header(line) {
            in_hunk = u64::from(old_count) + u64::from(count);
            let lines = match files
                .entry(path.clone())
                .or_insert_with(|| Changed::Lines(BTreeSet::new()))
            {
                Changed::Lines(l) => l,
                Changed::All => continue,
            };
            lines.extend(start..start.saturating_add(count));
        }
    }
    files
}

/// A path as git writes it in a patch: C-quoted when it has unusual characters.
fn unquote(s: &str) -> String {
    let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return s.to_string();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut it = inner.bytes().peekable();
    while let Some(b) = it.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match it.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(b'r') => bytes.push(b'\r'),
            Some(b'a') => bytes.push(7),
            Some(b'b') => bytes.push(8),
            Some(b'f') => bytes.push(12),
            Some(b'v') => bytes.push(11),
            Some(d @ b'0'..=b'7') => {
                let mut v = u32::from(d - b'0');
                for _ in 0..2 {
                    match it.peek() {
                        Some(&o @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(o - b'0');
                            it.next();
                        }
                        _ => break,
                    }
                }
                bytes.push(v as u8);
            }
            Some(other) => bytes.push(other),
            None => bytes.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_give_the_added_lines() {
        let patch = "diff --git a/k8s/a.yaml b/k8s/a.yaml\nindex 1..2 100644\n--- a/k8s/a.yaml\n+++ b/k8s/a.yaml\n@@ -3 +3 @@ kind\n-x\n+y\n@@ -10,0 +11,2 @@\n+a\n+b\n@@ -20,2 +21,0 @@\n-c\n-d\ndiff --git a/gone.yaml b/gone.yaml\ndeleted file mode 100644\n--- a/gone.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\ndiff --git \"a/sp\\303\\244ce.yaml\" \"b/sp\\303\\244ce.yaml\"\n--- \"a/sp\\303\\244ce.yaml\"\n+++ \"b/sp\\303\\244ce.yaml\"\n@@ -1,0 +2,2 @@\n+z\n+++ not a header\n";
        let files = parse_patch(patch);
        assert_eq!(
            files.get("k8s/a.yaml"),
            Some(&Changed::Lines([3, 11, 12].into_iter().collect()))
        );
        assert!(!files.contains_key("gone.yaml"));
        assert_eq!(
            files.get("sp\u{e4}ce.yaml"),
            Some(&Changed::Lines([2, 3].into_iter().collect()))
        );
    }

    #[test]
    fn a_finding_stays_when_its_line_or_a_related_line_changed() {
        use crate::finding::Finding;
        use crate::rules::security_context::PRIVILEGED;
        use crate::span::{Pos, Span};
        use std::sync::Arc;
        let at = |line| Span::point(Pos { line, col: 0 });
        let finding =
            |file: &str, line| Finding::new(&PRIVILEGED, Arc::from(file), at(line), "m".into());
        let changed = ChangedLines {
            root: ".".into(),
            files: [
                ("values.yaml".to_string(), Changed::Lines([4].into())),
                ("t.yaml".to_string(), Changed::Lines([9].into())),
            ]
            .into_iter()
            .collect(),
        };
        let mut own_line = finding("t.yaml", 9);
        own_line.message = "own line".into();
        let mut related_elsewhere = finding("t.yaml", 2);
        related_elsewhere.message = "values line".into();
        related_elsewhere.related_in(Arc::from("values.yaml"), at(4), "the value comes from here");
        let mut related_here = finding("t.yaml", 3);
        related_here.message = "same file".into();
        related_here.related(at(9), "set here");
        let mut untouched = finding("t.yaml", 5);
        untouched.related_in(Arc::from("values.yaml"), at(5), "not changed");
        let mut result = ScanResult {
            findings: vec![own_line, related_elsewhere, related_here, untouched],
            ..ScanResult::default()
        };
        assert_eq!(changed.filter(&mut result), 1);
        let kept: Vec<&str> = result.findings.iter().map(|f| &*f.message).collect();
        assert_eq!(kept, ["own line", "values line", "same file"]);
    }
}
