//! filter: what of the checked findings is reported. One entry point, [`apply`], takes a
//! scan result through the steps in order: the findings of rules that did not run are
//! dropped and configured severities applied; then the findings baseline, then the lines a
//! change touched (`--diff`). Suppressions (comments and annotations, `suppress`) are the
//! exception: the pipeline applies them while each file's text is still in memory.

pub mod baseline;
pub mod changed_lines;
pub mod suppress;
pub mod unified_diff;

use std::path::Path;

use crate::finding::Severity;
use crate::finding::result::ScanResult;

/// Everything the filter steps need, resolved from the command line and the configuration.
#[derive(Debug, Default)]
pub struct FilterPlan {
    /// The ids of the rules that ran. The loader raises input findings whatever the
    /// selection: those of rules not enabled are dropped.
    pub enabled: Vec<&'static str>,
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
    keep_enabled(result, &plan.enabled);
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
fn keep_enabled(result: &mut ScanResult, enabled: &[&'static str]) {
    if result
        .findings
        .iter()
        .any(|f| !enabled.contains(&f.rule.id))
    {
        result.findings.retain(|f| enabled.contains(&f.rule.id));
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
