//! Anchors: where a finding is in words that survive lines moving (the field path to where it
//! starts, the text of its start line), taken while its file's text and tree are at hand.
//! Baselines and pull-request review markers fingerprint findings by them.

use std::collections::HashMap;

use super::Finding;
use super::fingerprint::line_digest;
use crate::load::Document;

/// What places a finding apart from its line number, taken while its file's text (and tree)
/// were at hand: the field path to where it starts and the text of its start line. Edits
/// above, below or elsewhere in the same block change neither; editing the line does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The field path from the document's root (`spec.containers[name=app].securityContext`,
    /// see [`crate::load::Document::field_path_at`]); `None` when the finding is not in a
    /// manifest keelhaul loaded (a Bicep file, a command line, a template).
    pub field_path: Option<Box<str>>,
    /// The start line's text, trimmed, blanks collapsed, as a digest
    /// ([`super::fingerprint::line_digest`]): a line can be a whole minified JSON file.
    pub line: u64,
    /// The texts of the lines of its related places (the base line a patch removes, the
    /// values line a template reads), as one digest; 0 when it has none. A finding made
    /// through another line is a new finding when that line changes.
    pub related: u64,
}

/// Adds to each finding's anchor the digest of its related places' lines, read with `text_of`
/// (a file name as reports give it → its text).
pub fn attach_related(findings: &mut [Finding], text_of: &mut dyn FnMut(&str) -> Option<String>) {
    let mut texts: HashMap<std::sync::Arc<str>, Option<Vec<u64>>> = HashMap::new();
    for f in findings.iter_mut() {
        if f.related.is_empty() || f.anchor.is_none() {
            continue;
        }
        let mut lines = Vec::with_capacity(f.related.len());
        for r in &f.related {
            let file = r.file.clone().unwrap_or_else(|| f.file.clone());
            let digests = texts
                .entry(file.clone())
                .or_insert_with(|| text_of(&file).map(|t| t.lines().map(line_digest).collect()));
            let at = r.span.start.line.max(1) as usize - 1;
            let d = digests
                .as_ref()
                .and_then(|d| d.get(at))
                .copied()
                .unwrap_or(0);
            lines.push(d.to_le_bytes());
        }
        let parts: Vec<&[u8]> = lines.iter().map(|b| b.as_slice()).collect();
        if let Some(a) = f.anchor.as_mut() {
            a.related = super::fingerprint::fnv1a(&parts);
        }
    }
}

/// Gives each finding its anchor: the field path to where it starts, in the document of
/// `docs` that holds it, and the digest of its start line's text. A finding that has a field
/// path already keeps it: it was taken from the rendered document the finding was made on,
/// before the finding was moved to its template line, whose text is taken here.
pub fn attach_anchors(text: &str, docs: &[&Document], findings: &mut [Finding]) {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut digests: HashMap<u32, u64> = HashMap::new();
    for f in findings {
        let pos = f.span.start;
        let line = *digests.entry(pos.line).or_insert_with(|| {
            let i = pos.line.max(1) as usize - 1;
            let s = line_starts.get(i).copied().unwrap_or(text.len());
            let e = line_starts.get(i + 1).copied().unwrap_or(text.len());
            line_digest(&text[s..e])
        });
        let field_path = match f.anchor.as_mut().and_then(|a| a.field_path.take()) {
            Some(p) => Some(p),
            None => docs
                .iter()
                .find_map(|d| d.field_path_at(pos))
                .map(String::into_boxed_str),
        };
        f.anchor = Some(Box::new(Anchor {
            field_path,
            line,
            related: 0,
        }));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::finding::{Family, Precision, RuleMeta, Scope, Severity};
    use crate::span::{Pos, Span};

    static RULE: RuleMeta = RuleMeta {
        id: "KH999",
        slug: "test",
        title: "A rule for tests.",
        family: Family::SecurityContext,
        severity: Severity::Error,
        severity_note: None,
        precision: Precision::VeryHigh,
        security_severity: None,
        scope: Scope::Object,
        pss_control: None,
        tags: &[],
        page: "",
    };

    fn finding_at(line: u32, col: u32) -> Finding {
        let pos = Pos { line, col };
        Finding::new(&RULE, Arc::from("a.yaml"), Span::point(pos), "m".into())
    }

    #[test]
    fn anchors_take_the_field_path_and_the_line_alone() {
        let text =
            "spec:\n  containers:\n  - name: app\n    securityContext:\n      privileged: true\n";
        let loaded = crate::load::load_text(text);
        let docs: Vec<&Document> = loaded.docs.iter().collect();
        let mut fs = vec![finding_at(4, 4), finding_at(5, 18)];
        attach_anchors(text, &docs, &mut fs);
        let a = fs[0].anchor.as_deref().unwrap();
        assert_eq!(
            a.field_path.as_deref(),
            Some("spec.containers[name=app].securityContext")
        );
        assert_eq!(a.line, line_digest("securityContext:"));
        let b = fs[1].anchor.as_deref().unwrap();
        assert_eq!(b.line, line_digest("privileged:   true"));
        assert_ne!(b.line, a.line);
        assert_eq!(
            b.field_path.as_deref(),
            Some("spec.containers[name=app].securityContext.privileged")
        );
        // A field path taken before (on a render) stays; the line is this text's.
        attach_anchors("a: 1\nb: 2\n# c\n  x: y\n", &[], &mut fs[..1]);
        let a = fs[0].anchor.as_deref().unwrap();
        assert_eq!(
            a.field_path.as_deref(),
            Some("spec.containers[name=app].securityContext")
        );
        assert_eq!(a.line, line_digest("  x: y"));
    }
}
