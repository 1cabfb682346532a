//! The overview at the end of human output when there are many findings: how many each rule
//! found (with its severity), and the files with the most findings: where to start.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use crate::finding::{Finding, RuleMeta, Severity};

/// Below this many findings the list itself is the overview.
pub const FROM: usize = 10;
/// How many files the overview names.
const FILES: usize = 5;

/// The overview of `findings` (empty below [`FROM`]).
pub fn overview(findings: &[Finding]) -> String {
    let mut o = Overview::default();
    for f in findings {
        o.add(f.rule, f.severity, &f.file);
    }
    o.finish()
}

/// The overview, gathered one finding at a time (a streamed report never holds them all).
#[derive(Default)]
pub struct Overview {
    /// rule id → (slug, most severe severity, count)
    by_rule: HashMap<&'static str, (&'static str, Severity, usize)>,
    by_file: HashMap<Arc<str>, usize>,
    findings: usize,
}

impl Overview {
    pub fn add(&mut self, rule: &'static RuleMeta, severity: Severity, file: &Arc<str>) {
        self.findings += 1;
        let e = self
            .by_rule
            .entry(rule.id)
            .or_insert((rule.slug, severity, 0));
        e.1 = e.1.max(severity);
        e.2 += 1;
        match self.by_file.get_mut(file) {
            Some(n) => *n += 1,
            None => {
                self.by_file.insert(file.clone(), 1);
            }
        }
    }

    /// The overview's text (empty below [`FROM`] findings).
    pub fn finish(self) -> String {
        if self.findings < FROM {
            return String::new();
        }
        let mut rules: Vec<(&str, (&str, Severity, usize))> = self.by_rule.into_iter().collect();
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
        let mut files: Vec<(&str, usize)> = self.by_file.iter().map(|(f, n)| (&**f, *n)).collect();
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
