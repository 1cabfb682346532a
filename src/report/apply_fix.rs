//! Applying fixes: `keelhaul scan --fix` writes the edits findings carry into their files
//! (or, with `--dry-run`, shows them as a unified diff), skipping an edit whose span no
//! longer reads what the scan saw.

use std::path::Path;

use crate::discover::read::Encoding;
use crate::finding::fix::{Edit, Fix};
use crate::finding::result::ScanResult;
use crate::report::mask;
use crate::span::Pos;

/// Byte offset of `p` in `text` (`line_starts` from [`line_starts`]).
fn offset(text: &str, line_starts: &[usize], p: Pos) -> Option<usize> {
    let start = *line_starts.get(p.line.checked_sub(1)? as usize)?;
    let line = &text[start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    if p.col == 0 {
        return Some(start);
    }
    let mut chars = line.char_indices();
    match chars.nth(p.col as usize) {
        Some((i, _)) => Some(start + i),
        // Just past the last character of the line.
        None if line.chars().count() == p.col as usize => Some(start + line.len()),
        None => None,
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect()
}

/// The outcome of applying edits to one text.
#[derive(Debug, Default)]
pub struct Applied {
    pub text: String,
    /// Per edit given: whether it is in `text` (identical edits are made once and both
    /// count). An edit is left out when its span no longer reads what it expects (the file
    /// changed since the scan) or when it overlaps an earlier one.
    pub done: Vec<bool>,
}

impl Applied {
    pub fn applied(&self) -> usize {
        self.done.iter().filter(|d| **d).count()
    }
    pub fn skipped(&self) -> usize {
        self.done.len() - self.applied()
    }
}

/// Applies `edits` to `text`.
pub fn apply(text: &str, edits: &[&Edit]) -> Applied {
    let starts = line_starts(text);
    let mut done = vec![false; edits.len()];
    let mut placed: Vec<(usize, usize, usize)> = Vec::new();
    for (i, e) in edits.iter().enumerate() {
        let range = offset(text, &starts, e.span.start)
            .zip(offset(text, &starts, e.span.end))
            .filter(|(a, b)| a <= b && text.get(*a..*b) == Some(&*e.old));
        if let Some((a, b)) = range {
            placed.push((a, b, i));
        }
    }
    placed.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut last: Option<(usize, usize, usize)> = None;
    for (a, b, i) in placed {
        if let Some((la, lb, li)) = last
            && (la, lb) == (a, b)
            && edits[li].new == edits[i].new
        {
            done[i] = done[li];
            continue;
        }
        if a < at {
            continue;
        }
        out.push_str(&text[at..a]);
        out.push_str(&edits[i].new);
        at = b;
        done[i] = true;
        last = Some((a, b, i));
    }
    out.push_str(&text[at..]);
    Applied { text: out, done }
}

/// A unified diff of `old` → `new` for `name`, three lines of context. Lines are compared as
/// they are and shown with their secret values masked (`mask`): a Secret's lines next to a fix
/// are context, and masking keeps every line where it is.
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let (old_shown, new_shown) = (mask::masked(old), mask::masked(new));
    let a_shown: Vec<&str> = old_shown.split_inclusive('\n').collect();
    let b_shown: Vec<&str> = new_shown.split_inclusive('\n').collect();
    let mut out = format!("--- a/{name}\n+++ b/{name}\n");
    // Changes are runs of lines; the common prefix and suffix frame them. Fixes replace text
    // within lines, so both sides usually have the same lines and each changed line is a run
    // of its own; otherwise one hunk spans everything between prefix and suffix.
    let runs: Vec<(usize, usize, usize, usize)> = if a.len() == b.len() {
        let mut runs = Vec::new();
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                let s = i;
                while i < a.len() && a[i] != b[i] {
                    i += 1;
                }
                runs.push((s, i, s, i));
            } else {
                i += 1;
            }
        }
        runs
    } else {
        let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
        let suffix = a[prefix..]
            .iter()
            .rev()
            .zip(b[prefix..].iter().rev())
            .take_while(|(x, y)| x == y)
            .count();
        vec![(prefix, a.len() - suffix, prefix, b.len() - suffix)]
    };
    const CONTEXT: usize = 3;
    let mut k = 0;
    while k < runs.len() {
        // Runs whose contexts touch share a hunk.
        let mut end = k;
        while end + 1 < runs.len() && runs[end + 1].0 <= runs[end].1 + 2 * CONTEXT {
            end += 1;
        }
        let (a0, _, b0, _) = runs[k];
        let (_, a1, _, b1) = runs[end];
        let ctx_start = a0.saturating_sub(CONTEXT);
        let ctx_end = (a1 + CONTEXT).min(a.len());
        let b_start = b0 - (a0 - ctx_start);
        let b_end = b1 + (ctx_end - a1);
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            hunk_range(ctx_start, ctx_end - ctx_start),
            hunk_range(b_start, b_end - b_start)
        ));
        let mut line = |prefix: char, l: &str| {
            out.push(prefix);
            out.push_str(l);
            if !l.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        };
        let mut i = ctx_start;
        for r in &runs[k..=end] {
            for l in &a_shown[i..r.0] {
                line(' ', l);
            }
            for l in &a_shown[r.0..r.1] {
                line('-', l);
            }
            for l in &b_shown[r.2..r.3] {
                line('+', l);
            }
            i = r.1;
        }
        for l in &a_shown[i..ctx_end] {
            line(' ', l);
        }
        k = end + 1;
    }
    out
}

fn hunk_range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        n => format!("{},{n}", start + 1),
    }
}

/// Writes `text` over the file `target` (a real file, not a link: callers resolve links
/// first) through a temporary file in the same directory and a rename, keeping the file's
/// permissions. The temporary file is created new (`O_EXCL`), so nothing planted at its name,
/// a link least of all, is followed or overwritten.
pub fn write_file(target: &Path, text: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let perms = std::fs::symlink_metadata(target)?.permissions();
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.keelhaul-{}-{attempt}", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    };
    let result = file
        .write_all(text)
        .and_then(|_| file.sync_all())
        .and_then(|_| std::fs::set_permissions(&tmp, perms))
        .and_then(|_| std::fs::rename(&tmp, target));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// What `--fix` did (or, with `--dry-run`, would do).
#[derive(Debug, Default)]
pub struct FixReport {
    /// Findings whose every edit was applied.
    pub fixed: usize,
    /// Files changed.
    pub files: usize,
    /// The unified diff of every change (`--dry-run`).
    pub diff: String,
    /// Fixes left out because two fixes overlapped.
    pub skipped: usize,
    /// Fixes to standard input, which cannot be written back.
    pub stdin: usize,
    /// Files that were not fixed, with why (they could not be read or written, changed since
    /// the scan, are read-only, or lie outside the scanned tree).
    pub errors: Vec<String>,
}

const BOM: &str = "\u{feff}";

/// The fixes of one file on disk, whatever names the scan reached it by (a link, the same
/// file named twice, a base read through two overlays).
struct FileFixes<'a> {
    /// The first name the scan gave it, for messages and diffs.
    name: &'a str,
    fixes: Vec<&'a Fix>,
}

/// Applies the fixes of `result`'s findings to their files; with `dry_run`, only collects
/// the diff. `roots` are the scanned paths: a file is written only when its real path lies
/// inside one of them, so a link never leads a fix out of the scanned tree.
pub fn fix_files(result: &ScanResult, dry_run: bool, roots: &[std::path::PathBuf]) -> FixReport {
    let mut report = FixReport::default();
    let roots: Vec<std::path::PathBuf> = roots
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .collect();
    let mut by_file: std::collections::BTreeMap<std::path::PathBuf, FileFixes<'_>> =
        Default::default();
    let mut by_name: std::collections::BTreeMap<&str, Vec<&Fix>> = Default::default();
    for f in &result.findings {
        if let Some(fix) = &f.fix {
            by_name.entry(&f.file).or_default().push(fix);
        }
    }
    for (name, fixes) in by_name {
        let Some(path) = result.fixable_files.get(name) else {
            report.stdin += fixes.len();
            continue;
        };
        let real = match std::fs::canonicalize(path) {
            Ok(p) => p,
            Err(e) => {
                report.errors.push(format!("{name}: cannot read: {e}"));
                continue;
            }
        };
        if !roots.iter().any(|r| real.starts_with(r)) {
            report.errors.push(format!(
                "{name}: not fixed: it leads to {}, outside the scanned tree",
                real.display()
            ));
            continue;
        }
        let entry = by_file.entry(real).or_insert(FileFixes {
            name,
            fixes: Vec::new(),
        });
        // The same finding reached by two names carries the same edits: make them once.
        for fix in fixes {
            if !entry.fixes.iter().any(|f| f.edits == fix.edits) {
                entry.fixes.push(fix);
            }
        }
    }
    for (real, file) in by_file {
        fix_file(&real, &file, dry_run, &mut report);
    }
    report
}

/// Applies one file's fixes, or refuses the whole file when it is not as the scan saw it.
fn fix_file(real: &Path, file: &FileFixes<'_>, dry_run: bool, report: &mut FixReport) {
    let name = file.name;
    let old = match std::fs::read(real) {
        // Edits are made on the text as UTF-8; writing it back so would change every byte
        // of the file.
        Ok(bytes) if Encoding::sniff(&bytes).0 != Encoding::Utf8 => {
            report.errors.push(format!(
                "{name}: not fixed: the file is {}, and --fix writes UTF-8 only; save it as UTF-8, then run --fix again",
                Encoding::sniff(&bytes).0.name()
            ));
            return;
        }
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => {
                report.errors.push(format!("{name}: no longer valid UTF-8"));
                return;
            }
        },
        Err(e) => {
            report.errors.push(format!("{name}: cannot read: {e}"));
            return;
        }
    };
    // Positions count from after a byte order mark, as the loader read the text.
    let (bom, text) = match old.strip_prefix(BOM) {
        Some(rest) => (BOM, rest),
        None => ("", old.as_str()),
    };
    let edits: Vec<&Edit> = file.fixes.iter().flat_map(|f| &f.edits).collect();
    if !edits.iter().all(|e| reads_as_expected(text, e)) {
        report.errors.push(format!(
            "{name}: not fixed: the file changed since it was scanned"
        ));
        return;
    }
    let applied = apply(text, &edits);
    let (mut fixed, mut skipped) = (0, 0);
    let mut i = 0;
    for fix in &file.fixes {
        let n = fix.edits.len();
        if applied.done[i..i + n].iter().all(|d| *d) {
            fixed += 1;
        } else {
            skipped += 1;
        }
        i += n;
    }
    report.skipped += skipped;
    if applied.text == text {
        report.fixed += fixed;
        return;
    }
    let new = format!("{bom}{}", applied.text);
    if dry_run {
        report.fixed += fixed;
        report.files += 1;
        report.diff.push_str(&unified_diff(name, &old, &new));
        return;
    }
    if std::fs::metadata(real).is_ok_and(|m| m.permissions().readonly()) {
        report
            .errors
            .push(format!("{name}: not fixed: the file is read-only"));
        return;
    }
    // Counted only once written: a fix that did not reach the file fixed nothing.
    match write_file(real, new.as_bytes()) {
        Ok(()) => {
            report.fixed += fixed;
            report.files += 1;
        }
        Err(e) => report.errors.push(format!("{name}: cannot write: {e}")),
    }
}

/// Whether the text at `e`'s span is what the edit expects to replace.
fn reads_as_expected(text: &str, e: &Edit) -> bool {
    let starts = line_starts(text);
    offset(text, &starts, e.span.start)
        .zip(offset(text, &starts, e.span.end))
        .is_some_and(|(a, b)| a <= b && text.get(a..b) == Some(&*e.old))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A link planted at the temporary file's name is neither followed nor overwritten.
    #[cfg(unix)]
    #[test]
    fn a_planted_link_at_the_temporary_name_is_not_followed() {
        let dir = std::env::temp_dir().join(format!("keelhaul-write-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let outside = dir.join("outside.txt");
        std::fs::write(&outside, "outside").unwrap();
        let target = dir.join("a.yaml");
        std::fs::write(&target, "old").unwrap();
        let planted = dir.join(format!(".a.yaml.keelhaul-{}-0", std::process::id()));
        std::os::unix::fs::symlink(&outside, &planted).unwrap();
        write_file(&target, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "outside");
        assert!(
            std::fs::symlink_metadata(&planted)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
    use crate::finding::fix::scalar_edit;

    fn edit_for(yaml: &str, key: &str, new: &str) -> Option<Edit> {
        let l = crate::load::load_text(yaml);
        let d = &l.docs[0];
        scalar_edit(d, d.get(d.root?, key)?, new)
    }

    #[test]
    fn scalar_edits_keep_quotes() {
        for (yaml, want) in [
            (
                "apiVersion: batch/v1beta1 # c\n",
                "apiVersion: batch/v1 # c\n",
            ),
            ("apiVersion: 'batch/v1beta1'\n", "apiVersion: 'batch/v1'\n"),
            (
                "{\"apiVersion\": \"batch/v1beta1\"}\n",
                "{\"apiVersion\": \"batch/v1\"}\n",
            ),
            (
                "apiVersion:   \"batch/v1beta1\"\r\n",
                "apiVersion:   \"batch/v1\"\r\n",
            ),
            (
                "é: x\napiVersion: batch/v1beta1\n",
                "é: x\napiVersion: batch/v1\n",
            ),
        ] {
            let e = edit_for(yaml, "apiVersion", "batch/v1").expect(yaml);
            let out = apply(yaml, &[&e]);
            assert_eq!(out.text, want);
            assert_eq!((out.applied(), out.skipped()), (1, 0));
        }
        // Escapes: the text on the page is not the value (`\x2F` is `/`).
        assert!(
            edit_for(
                "apiVersion: \"batch\\x2Fv1beta1\"\n",
                "apiVersion",
                "batch/v1"
            )
            .is_none()
        );
        assert!(
            edit_for(
                "apiVersion: !!str batch/v1beta1\n",
                "apiVersion",
                "batch/v1"
            )
            .is_none()
        );
    }

    #[test]
    fn stale_and_overlapping_edits_are_skipped() {
        let yaml = "apiVersion: batch/v1beta1\n";
        let e = edit_for(yaml, "apiVersion", "batch/v1").unwrap();
        let out = apply("apiVersion: batch/v2alpha\n", &[&e]);
        assert_eq!(out.skipped(), 1);
        let out = apply(yaml, &[&e, &e.clone()]);
        assert_eq!(out.done, vec![true, true]);
        assert_eq!(out.text, "apiVersion: batch/v1\n");
        let mut other = e.clone();
        other.new = "batch/v2".into();
        let out = apply(yaml, &[&e, &other]);
        assert_eq!(out.done, vec![true, false]);
    }

    #[test]
    fn diff_has_context_and_ranges() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n";
        let new = old.replace("b\n", "B\n").replace("l\n", "L\n");
        let d = unified_diff("x.yaml", old, &new);
        assert_eq!(
            d,
            "--- a/x.yaml\n+++ b/x.yaml\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -9,5 +9,5 @@\n i\n j\n k\n-l\n+L\n m\n"
        );
        let d = unified_diff("x", "a\nb", "a\nc");
        assert!(
            d.ends_with("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n")
        );
    }
}
