//! Baselines: the findings a repository already has, recorded once (`--write-baseline`) so
//! that later runs (`--baseline`) report only new ones.
//!
//! A finding is recognised by its fingerprint: rule id, repository-relative path and GitHub's
//! line hash of its start line (what the line and those after it say, not where they are),
//! the same fingerprint the pull-request review puts in its markers. It survives lines moving
//! and edits elsewhere in the file.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::finding::result::ScanResult;

pub const VERSION: u32 = 1;
const TOOL: &str = "keelhaul";

/// One recorded finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    pub fingerprint: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<serde_json::Value>,
}

/// The baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    #[serde(default = "tool_name")]
    pub tool: String,
    pub findings: Vec<Entry>,
}

fn tool_name() -> String {
    TOOL.to_string()
}

/// The fingerprint of every finding of `result`, in its order. Paths are relative to `root`
/// (as reports outside the terminal name them); a finding outside it (standard input) keeps
/// its name. Findings that share rule, path and line hash are numbered in output order.
pub fn fingerprints(result: &ScanResult, root: &Path) -> Vec<(String, String)> {
    let mut paths: HashMap<&str, String> = HashMap::new();
    let mut seen: HashMap<(&str, String, String), usize> = HashMap::new();
    result
        .findings
        .iter()
        .map(|f| {
            let path = paths
                .entry(&f.file)
                .or_insert_with(|| {
                    crate::discover::paths::repo_relative(&f.file, root)
                        .unwrap_or_else(|| f.file.to_string())
                })
                .clone();
            let what = f.line_hash.as_deref().unwrap_or(&f.message).to_string();
            let n = seen.entry((f.rule.id, path.clone(), what)).or_insert(0);
            let fp = crate::finding::fingerprint::fingerprint(
                f.rule.id,
                &path,
                f.line_hash.as_deref(),
                &f.message,
                *n,
            );
            *n += 1;
            (path, fp)
        })
        .collect()
}

fn entry(f: &Finding, path: String, fingerprint: String) -> Entry {
    Entry {
        rule: f.rule.id.to_string(),
        path,
        fingerprint,
        message: f.message.to_string(),
        resource: f
            .resource
            .as_deref()
            .and_then(|r| serde_json::to_value(r).ok()),
    }
}

/// The baseline of a scan's findings, sorted by path, rule, message and fingerprint (not by
/// line, so that lines moving do not reorder the file).
pub fn of(result: &ScanResult, root: &Path) -> Baseline {
    let mut findings: Vec<Entry> = result
        .findings
        .iter()
        .zip(fingerprints(result, root))
        .map(|(f, (path, fp))| entry(f, path, fp))
        .collect();
    findings.sort_by(|a, b| {
        (&a.path, &a.rule, &a.message, &a.fingerprint).cmp(&(
            &b.path,
            &b.rule,
            &b.message,
            &b.fingerprint,
        ))
    });
    Baseline {
        version: VERSION,
        tool: TOOL.to_string(),
        findings,
    }
}

/// Writes `baseline` to `path` as pretty JSON with a final newline.
pub fn write(baseline: &Baseline, path: &Path) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(baseline)
        .map_err(|e| format!("cannot write the baseline {}: {e}", path.display()))?;
    text.push('\n');
    std::fs::write(path, text)
        .map_err(|e| format!("cannot write the baseline {}: {e}", path.display()))
}

/// Reads a baseline file; the error names the file (and the line, for bad JSON).
pub fn read(path: &Path) -> Result<Baseline, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("the baseline {} {e}", path.display()))
}

/// Parses a baseline's text; the error says where it went wrong.
pub fn parse(text: &str) -> Result<Baseline, String> {
    let b: Baseline = serde_json::from_str(text).map_err(|e| {
        format!(
            "is not a keelhaul baseline: line {}, column {}: {e}",
            e.line(),
            e.column()
        )
    })?;
    if b.version != VERSION {
        return Err(format!(
            "has version {}; this keelhaul reads version {VERSION}",
            b.version
        ));
    }
    if b.tool != TOOL {
        return Err(format!("was written by {:?}, not keelhaul", b.tool));
    }
    Ok(b)
}

/// What applying a baseline did.
#[derive(Debug, Default)]
pub struct Applied {
    /// Findings dropped because the baseline has them.
    pub baselined: usize,
    /// Baseline entries no finding matched: fixed (or changed) since the baseline.
    pub gone: Vec<Entry>,
}

/// Drops from `result` the findings whose fingerprint is in `baseline`; each entry matches at
/// most one finding.
pub fn apply(baseline: &Baseline, result: &mut ScanResult, root: &Path) -> Applied {
    let mut unmatched: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in baseline.findings.iter().enumerate() {
        unmatched.entry(e.fingerprint.as_str()).or_default().push(i);
    }
    let fps = fingerprints(result, root);
    let mut keep = Vec::with_capacity(fps.len());
    let mut applied = Applied::default();
    for (_, fp) in &fps {
        let matched = unmatched.get_mut(fp.as_str()).and_then(Vec::pop).is_some();
        if matched {
            applied.baselined += 1;
        }
        keep.push(!matched);
    }
    let mut k = keep.into_iter();
    result.findings.retain(|_| k.next().unwrap_or(true));
    let mut gone: Vec<usize> = unmatched.into_values().flatten().collect();
    gone.sort_unstable();
    applied.gone = gone
        .into_iter()
        .map(|i| baseline.findings[i].clone())
        .collect();
    applied
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_json_names_the_line() {
        let e = parse("{\n  \"version\": 1,\n  \"findings\": [,]\n}").unwrap_err();
        assert!(e.contains("line 3"), "{e}");
        let e = parse("{\"version\": 2, \"tool\": \"keelhaul\", \"findings\": []}").unwrap_err();
        assert!(e.contains("version 2"), "{e}");
        let ok = parse("{\"version\": 1, \"tool\": \"keelhaul\", \"findings\": []}").unwrap();
        assert!(ok.findings.is_empty());
    }
}
