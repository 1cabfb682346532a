//! filter: what of the checked findings is reported. One entry point, [`apply`], takes a
//! scan result through the steps in order: the findings of rules that did not run are
//! dropped and configured severities applied; then the findings baseline, then the lines a
//! change touched (`--diff`). Suppressions (comments and annotations, `suppress`) are the
//! exception: the pipeline applies them while each file's text is still in memory.

pub mod baseline;
pub mod changed_lines;
mod covering;
pub mod suppress;
pub mod unified_diff;

use std::path::Path;

use crate::finding::Severity;
use crate::finding::result::ScanResult;

/// Everything the filter steps need, resolved from the command line and the configuration.
#[derive(Debug, Default)]
pub struct FilterPlan {
    /// The ids of the rules that did not run (`--select`, `--ignore`, rules turned off). The
    /// loader raises input findings whatever the selection: those of these rules are dropped.
    pub disabled: Vec<&'static str>,
    /// Severities the configuration gives rules, by id.
    pub severities: Vec<(&'static str, Severity)>,
    /// Leave out the findings recorded here (`--baseline`).
    pub baseline: Option<baseline::Baseline>,
    /// Report only findings on these lines (`--diff REF`).
    pub changed: Option<changed_lines::ChangedLines>,
}

/// How far [`apply`] goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Steps {
    /// Rule selection and severities only: what `--fix` and `--write-baseline` work on.
    RulesAndSeverities,
    /// Every step.
    All,
}

/// What the steps that leave findings out did, for the command line to say.
#[derive(Debug, Default)]
pub struct Filtered {
    pub baseline: Option<baseline::Applied>,
    /// Findings left out by `--diff` because they start on lines not changed.
    pub outside_diff: Option<usize>,
}

/// Takes `result` through the filter steps, in order, as far as `steps` says. `root` is the
/// repository root that baseline paths are relative to.
pub fn apply(result: &mut ScanResult, plan: &FilterPlan, root: &Path, steps: Steps) -> Filtered {
    drop_disabled(result, &plan.disabled);
    apply_severities(result, &plan.severities);
    let mut filtered = Filtered::default();
    if steps == Steps::RulesAndSeverities {
        return filtered;
    }
    if let Some(b) = &plan.baseline {
        filtered.baseline = Some(baseline::apply(b, result, root));
    }
    if let Some(c) = &plan.changed {
        filtered.outside_diff = Some(c.filter(result));
    }
    filtered
}

/// Drops the findings of rules that did not run.
fn drop_disabled(result: &mut ScanResult, disabled: &[&'static str]) {
    if !disabled.is_empty() {
        result.findings.retain(|f| !disabled.contains(&f.rule.id));
    }
}

/// Gives the findings (reported and suppressed) of the rules the configuration names a
/// severity for that severity.
fn apply_severities(result: &mut ScanResult, severities: &[(&'static str, Severity)]) {
    if severities.is_empty() {
        return;
    }
    for f in result
        .findings
        .iter_mut()
        .chain(result.suppressed.iter_mut())
    {
        if let Some((_, s)) = severities.iter().find(|(id, _)| *id == f.rule.id) {
            f.severity = *s;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::finding::Finding;
    use crate::rules::input::INVALID_YAML;
    use crate::rules::security_context::PRIVILEGED;
    use crate::span::{Pos, Span};

    fn finding(rule: &'static crate::finding::RuleMeta, line: u32) -> Finding {
        let at = Pos { line, col: 0 };
        Finding::new(rule, Arc::from("a.yaml"), Span::point(at), "m".into())
    }

    fn result() -> ScanResult {
        ScanResult {
            findings: vec![finding(&INVALID_YAML, 1), finding(&PRIVILEGED, 2)],
            suppressed: vec![finding(&PRIVILEGED, 3)],
            ..ScanResult::default()
        }
    }

    #[test]
    fn findings_of_rules_that_did_not_run_are_dropped() {
        let mut r = result();
        let plan = FilterPlan {
            disabled: vec!["KH001"],
            ..FilterPlan::default()
        };
        apply(&mut r, &plan, Path::new("."), Steps::All);
        let ids: Vec<&str> = r.findings.iter().map(|f| f.rule.id).collect();
        assert_eq!(ids, ["KH101"]);
    }

    #[test]
    fn configured_severities_reach_reported_and_suppressed_findings() {
        let mut r = result();
        let plan = FilterPlan {
            severities: vec![("KH101", Severity::Note), ("KH006", Severity::Error)],
            ..FilterPlan::default()
        };
        apply(&mut r, &plan, Path::new("."), Steps::RulesAndSeverities);
        let sev: Vec<(&str, Severity)> =
            r.findings.iter().map(|f| (f.rule.id, f.severity)).collect();
        assert_eq!(
            sev,
            [("KH001", INVALID_YAML.severity), ("KH101", Severity::Note)]
        );
        assert_eq!(r.suppressed[0].severity, Severity::Note);
    }

    #[test]
    fn the_first_steps_leave_the_baseline_and_diff_alone() {
        let mut r = result();
        let plan = FilterPlan {
            changed: Some(changed_lines::ChangedLines {
                root: ".".into(),
                files: Default::default(),
            }),
            ..FilterPlan::default()
        };
        let filtered = apply(&mut r, &plan, Path::new("."), Steps::RulesAndSeverities);
        assert!(filtered.outside_diff.is_none());
        assert_eq!(r.findings.len(), 2);
        let filtered = apply(&mut r, &plan, Path::new("."), Steps::All);
        assert_eq!(filtered.outside_diff, Some(2), "no line of a.yaml changed");
        assert!(r.findings.is_empty());
    }
}
