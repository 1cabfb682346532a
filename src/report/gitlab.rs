//! GitLab Code Quality: a JSON array of issues (`description`, `check_name`, `fingerprint`,
//! `severity`, `location.path` and `location.lines.begin`/`end`) that a merge request's
//! Code Quality widget shows on the changed lines. The fingerprint is the finding's identity
//! (rule, object, field path, its line's text) with its file and occurrence, so an issue
//! keeps its fingerprint while lines move, and GitLab tells new issues from old ones.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use serde_json::json;

use crate::finding::Severity;
use crate::finding::fingerprint::{fingerprint_in_file, identity};
use crate::finding::result::ScanResult;

/// GitLab's severity names for ours.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Note => "info",
    }
}

pub fn write_gitlab<W: Write>(result: &ScanResult, root: &Path, w: &mut W) -> io::Result<()> {
    let mut seen: HashMap<(u64, String), usize> = HashMap::new();
    let issues: Vec<serde_json::Value> = result
        .findings
        .iter()
        .map(|f| {
            let path = crate::discover::paths::repo_relative(&f.file, root)
                .unwrap_or_else(|| f.file.to_string());
            let id = identity(
                f.rule.id,
                f.resource.as_deref(),
                f.anchor.as_deref(),
                &f.message,
            );
            let n = seen.entry((id, path.clone())).or_insert(0);
            let fingerprint = fingerprint_in_file(id, &path, *n);
            *n += 1;
            let begin = f.span.start.line.max(1);
            let end = f.span.end.line.max(begin);
            json!({
                "type": "issue",
                // One line, as the Code Climate format GitLab reads asks of a description.
                "description": format!(
                    "{} {}: {}",
                    f.rule.id,
                    f.rule.slug,
                    f.message.replace(['\r', '\n'], " ")
                ),
                "check_name": f.rule.id,
                "fingerprint": fingerprint,
                "severity": severity(f.severity),
                "categories": ["Security"],
                "location": {"path": path, "lines": {"begin": begin, "end": end}},
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *w, &issues)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::finding::Finding;
    use crate::rules::security_context::PRIVILEGED;
    use crate::span::{Pos, Span};

    #[test]
    fn issues_carry_severity_lines_and_distinct_fingerprints() {
        let at = |line| Span::point(Pos { line, col: 0 });
        let f = |line| {
            Finding::new(
                &PRIVILEGED,
                Arc::from("k8s/a.yaml"),
                at(line),
                "m\nn".into(),
            )
        };
        let result = ScanResult {
            findings: vec![f(3), f(3)],
            ..ScanResult::default()
        };
        let mut out = Vec::new();
        write_gitlab(&result, Path::new("."), &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let a = v.as_array().unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0]["severity"], "major");
        assert_eq!(a[0]["check_name"], "KH101");
        assert_eq!(a[0]["description"], "KH101 privileged: m n");
        assert_eq!(a[0]["location"]["path"], "k8s/a.yaml");
        assert_eq!(a[0]["location"]["lines"]["begin"], 3);
        assert_ne!(a[0]["fingerprint"], a[1]["fingerprint"]);
    }
}
