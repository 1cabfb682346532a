//! Unified-diff patches as GitHub's pull-request files API returns them (the `patch` of each
//! file: hunks only, no `---`/`+++` header): which lines of the new version of a file are
//! added, which are context, and which hunk each belongs to. Only the RIGHT side matters
//! here: review comments are anchored on lines of the new file.

use std::collections::BTreeMap;

/// What a line of the new file is in the diff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// A `+` line: added or changed by the pull request.
    Added,
    /// A ` ` line: unchanged, shown around the changes.
    Context,
}

/// One line of the new file that the diff shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: LineKind,
    /// The hunk it is shown in, counted from 0 in the patch. A multi-line review comment
    /// must start and end in the same hunk.
    pub hunk: usize,
}

/// The RIGHT-side lines of one file's patch, by line number (1-based).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileDiff {
    lines: BTreeMap<u32, DiffLine>,
}

impl FileDiff {
    /// What `line` of the new file is in the diff, if the diff shows it.
    pub fn line(&self, line: u32) -> Option<DiffLine> {
        self.lines.get(&line).copied()
    }

    pub fn is_added(&self, line: u32) -> bool {
        self.line(line).is_some_and(|l| l.kind == LineKind::Added)
    }

    /// Whether `line` is shown in a hunk (added or context).
    pub fn in_hunk(&self, line: u32) -> bool {
        self.lines.contains_key(&line)
    }

    /// Whether every line of `first..=last` is shown, all in one hunk: only then can a
    /// review comment span them.
    pub fn same_hunk(&self, first: u32, last: u32) -> bool {
        let Some(h) = self.line(first).map(|l| l.hunk) else {
            return false;
        };
        (first..=last).all(|n| self.line(n).is_some_and(|l| l.hunk == h))
    }

    /// The added lines, in order.
    pub fn added_lines(&self) -> impl Iterator<Item = u32> + '_ {
        self.lines
            .iter()
            .filter(|(_, l)| l.kind == LineKind::Added)
            .map(|(n, _)| *n)
    }

    /// Every line the diff shows on the RIGHT side, in order.
    pub fn shown_lines(&self) -> impl Iterator<Item = (u32, DiffLine)> + '_ {
        self.lines.iter().map(|(n, l)| (*n, *l))
    }
}

/// `@@ -a[,b] +c[,d] @@ …` → (old count, new start, new count).
pub(crate) fn hunk_header(line: &str) -> Option<(u32, u32, u32)> {
    let rest = line.strip_prefix("@@ -")?;
    let (ranges, _) = rest.split_once(" @@")?;
    let (old, new) = ranges.split_once(" +")?;
    let range = |r: &str| -> Option<(u32, u32)> {
        match r.split_once(',') {
            Some((start, count)) => Some((start.parse().ok()?, count.parse().ok()?)),
            None => Some((r.parse().ok()?, 1)),
        }
    };
    let (_, old_count) = range(old)?;
    let (new_start, new_count) = range(new)?;
    Some((old_count, new_start, new_count))
}

/// Parses one file's patch. Lines are counted against the hunk header, so a removed line
/// that reads `--- x` or an added one that reads `+++ y` is never taken for a file header;
/// anything outside a hunk (a `diff --git` header, `---`/`+++` lines) is skipped, and a
/// patch that is not a diff gives no lines.
pub fn parse_patch(patch: &str) -> FileDiff {
    let mut out = FileDiff::default();
    let mut hunk: Option<usize> = None;
    let mut hunks = 0usize;
    // What is left of the current hunk on each side, and the next new-file line number.
    let (mut old_left, mut new_left, mut new_line) = (0u32, 0u32, 0u32);
    for raw in patch.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if old_left == 0 && new_left == 0 {
            hunk = None;
        }
        let Some(h) = hunk else {
            if let Some((old_count, new_start, new_count)) = hunk_header(line) {
                hunk = Some(hunks);
                hunks += 1;
                (old_left, new_left, new_line) = (old_count, new_count, new_start);
            }
            continue;
        };
        // What the line is on the RIGHT side, if it is shown there.
        let shown = match line.as_bytes().first() {
            Some(b'+') if new_left > 0 => Some(LineKind::Added),
            Some(b'-') if old_left > 0 => {
                old_left -= 1;
                None
            }
            // "\ No newline at end of file" belongs to the line before it.
            Some(b'\\') => None,
            // A context line; some tools strip the lone space of an empty one.
            Some(b' ') | None if new_left > 0 && old_left > 0 => {
                old_left -= 1;
                Some(LineKind::Context)
            }
            // The hunk is shorter than its header said: this line may start the next one.
            _ => {
                (old_left, new_left) = (0, 0);
                hunk = hunk_header(line).map(|(old_count, new_start, new_count)| {
                    (old_left, new_left, new_line) = (old_count, new_count, new_start);
                    hunks += 1;
                    hunks - 1
                });
                continue;
            }
        };
        if let Some(kind) = shown {
            out.lines.insert(new_line, DiffLine { kind, hunk: h });
            new_line += 1;
            new_left -= 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_and_context_lines_on_the_right() {
        let patch = "@@ -1,4 +1,5 @@\n apiVersion: v1\n-kind: Pod\n+kind: Pod # changed\n+metadata: {}\n spec:\n   x: 1\n@@ -20,3 +21,3 @@ spec:\n a\n-b\n+B\n c";
        let d = parse_patch(patch);
        assert_eq!(d.added_lines().collect::<Vec<_>>(), vec![2, 3, 22]);
        assert_eq!(
            d.line(1),
            Some(DiffLine {
                kind: LineKind::Context,
                hunk: 0
            })
        );
        assert!(d.in_hunk(5) && !d.in_hunk(6) && !d.in_hunk(20));
        assert!(d.in_hunk(21) && d.is_added(22) && d.in_hunk(23) && !d.in_hunk(24));
        assert_eq!(d.line(22).map(|l| l.hunk), Some(1));
        assert!(d.same_hunk(1, 5));
        assert!(!d.same_hunk(5, 21));
        assert!(!d.same_hunk(4, 6));
    }

    #[test]
    fn new_file_and_headers_and_markers() {
        let patch = "diff --git a/x.yaml b/x.yaml\n--- /dev/null\n+++ b/x.yaml\n@@ -0,0 +1,3 @@\n+a\n+--- b\n+c\n\\ No newline at end of file";
        let d = parse_patch(patch);
        assert_eq!(d.added_lines().collect::<Vec<_>>(), vec![1, 2, 3]);
        // A removed line that looks like a file header is still a removed line.
        let d = parse_patch("@@ -1,2 +1,2 @@\n---- x\n++++ x\n a\n");
        assert_eq!(d.added_lines().collect::<Vec<_>>(), vec![1]);
        assert!(d.in_hunk(2));
        // Single-line ranges without a count, an empty context line, CRLF.
        let d = parse_patch("@@ -3 +3,2 @@\r\n\r\n+x\r\n");
        assert_eq!(d.line(3).map(|l| l.kind), Some(LineKind::Context));
        assert!(d.is_added(4));
    }

    #[test]
    fn deleted_file_and_garbage_give_no_lines() {
        assert_eq!(
            parse_patch("@@ -1,2 +0,0 @@\n-a\n-b\n")
                .shown_lines()
                .count(),
            0
        );
        assert_eq!(parse_patch("not a diff\n+x\n").shown_lines().count(), 0);
        assert_eq!(parse_patch("@@ -x +y @@\n+a\n").shown_lines().count(), 0);
        assert_eq!(parse_patch("").shown_lines().count(), 0);
    }

    #[test]
    fn a_short_hunk_does_not_swallow_the_next() {
        // The first header claims more lines than it has.
        let d = parse_patch("@@ -1,5 +1,5 @@\n a\n@@ -10,1 +10,2 @@\n b\n+c\n");
        assert!(d.in_hunk(1));
        assert!(d.is_added(11));
        assert_eq!(d.line(11).map(|l| l.hunk), Some(1));
    }
}
