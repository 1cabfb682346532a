//! The overview at the end of human output when there are many findings: how many each rule
//! found (with its severity), and the files with the most findings: where to start.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::finding::Finding;

/// Below this many findings the list itself is the overview.
pub const FROM: usize = 10;
/// How many files the overview names.
const FILES: usize = 5;

/// The overview of `findings` (empty below [`FROM`]).
pub fn overview(findings: &[Finding]) -> String {
    if findings.len() < FROM {
        return String::new();
    }
    // rule id → (slug, most severe severity, count)
    let mut by_rule: HashMap<&str, (&str, crate::finding::Severity, usize)> = HashMap::new();
    let mut by_file: HashMap<&str, usize> = HashMap::new();
    for f in findings {
        let e = by_rule
            .entry(f.rule.id)
            .or_insert((f.rule.slug, f.severity, 0));
        e.1 = e.1.max(f.severity);
        e.2 += 1;
        *by_file.entry(&f.file).or_default() += 1;
    }
    let mut rules: Vec<(&str, (&str, crate::finding::Severity, usize))> =
        by_rule.into_iter().collect();
    // The most severe first, then the most frequent, then by id.
    rules.sort_by(|a, b| (b.1.1, b.1.2, a.0).cmp(&(a.1.1, a.1.2, b.0)));
    let width = rules
        .iter()
        .map(|(_, (s, _, _))| s.len())
        .max()
        .unwrap_or(0);
    let mut out = String::from("findings by rule:\n");
    for (id, (slug, sev, n)) in &rules {
        let _ = writeln!(out, "  {n:>6}  {id}  {slug:<width$}  {}", sev.as_str());
    }
    let mut files: Vec<(&str, usize)> = by_file.into_iter().collect();
    files.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if files.len() > 1 {
        let shown = files.len().min(FILES);
        let _ = writeln!(
            out,
            "files with the most findings ({shown} of {}):",
            files.len()
        );
        for (file, n) in files.iter().take(FILES) {
            let _ = writeln!(out, "  {n:>6}  {file}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::rules::security_context::{PRIVILEGED, SERVICE_ACCOUNT_TOKEN};
    use crate::span::{Pos, Span};

    #[test]
    fn rules_by_severity_and_count_and_the_busiest_files() {
        let f = |rule, file: &str| {
            Finding::new(
                rule,
                Arc::from(file),
                Span::point(Pos { line: 1, col: 0 }),
                "m".into(),
            )
        };
        let mut all = vec![f(&PRIVILEGED, "a.yaml")];
        all.extend((0..9).map(|i| {
            f(
                &SERVICE_ACCOUNT_TOKEN,
                if i < 6 { "b.yaml" } else { "c.yaml" },
            )
        }));
        let text = overview(&all);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "findings by rule:");
        assert!(
            lines[1].contains("1  KH101  privileged") && lines[1].ends_with("error"),
            "{text}"
        );
        assert!(lines[2].contains("9  KH114"), "{text}");
        assert_eq!(lines[3], "files with the most findings (3 of 3):");
        assert!(
            lines[4].ends_with("b.yaml") && lines[4].contains(" 6 "),
            "{text}"
        );
        assert!(overview(&all[..9]).is_empty());
    }
}
