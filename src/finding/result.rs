//! The result of a scan: the findings to report, the notices that are not findings, the
//! suppressed findings (kept for SARIF) and counts. Every stage after the pipeline reads it.

use std::collections::HashMap;
use std::path::PathBuf;

use super::Finding;

/// Something that is not a finding but should not pass silently: a document that is not a
/// Kubernetes object, a link not followed. `verbose` ones are listed only with --verbose.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Notice {
    pub file: String,
    pub line: Option<u32>,
    pub message: String,
    pub verbose: bool,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub files: usize,
    pub documents: usize,
    pub resources: usize,
    /// Helm chart template files (read through their chart's render, or set aside with a
    /// KH007 note when it could not be rendered).
    pub chart_templates: usize,
    /// Charts and overlays rendered (one per render).
    pub renders: usize,
    /// Of those, how many were read from the render cache.
    pub renders_from_cache: usize,
    /// How many renders ran their tool (failed ones included): what a shared render cache
    /// gained in this scan.
    pub renders_run: usize,
    /// What could not be rendered, so went unchecked.
    pub unrendered: crate::load::render::phase::Unrendered,
}

#[derive(Debug, Default)]
pub struct ScanResult {
    pub findings: Vec<Finding>,
    pub notices: Vec<Notice>,
    pub stats: Stats,
    /// The path on disk of each file (by its name in reports) whose findings carry a fix.
    pub fixable_files: HashMap<String, PathBuf>,
    /// Findings a suppression silenced, with its justification (kept for SARIF).
    pub suppressed: Vec<Finding>,
    /// When the scan was asked to stream the report: the findings of the files, as output
    /// records, in output order (`findings` then holds those made after the files, and
    /// those of files whose findings a later step may still change).
    pub spilled: Option<super::spill::Spill>,
}

impl ScanResult {
    /// How many findings there are, those spilled included.
    pub fn len(&self) -> usize {
        self.findings.len() + self.spilled.as_ref().map_or(0, |s| s.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether any finding is at least as severe as `s`.
    pub fn any_at_least(&self, s: super::Severity) -> bool {
        let spilled = self.spilled.as_ref().is_some_and(|sp| {
            [
                super::Severity::Note,
                super::Severity::Warning,
                super::Severity::Error,
            ]
            .iter()
            .any(|&x| x >= s && sp.count(x) > 0)
        });
        spilled || self.findings.iter().any(|f| f.severity >= s)
    }
}
