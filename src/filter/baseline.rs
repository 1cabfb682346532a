//! Baselines: the findings a repository already has, recorded once (`--write-baseline`) so
//! that later runs (`--baseline`) report only new ones.
//!
//! An entry records a finding's rule, repository-relative path and its identity
//! ([`crate::finding::fingerprint::identity`]: rule, object, field path and the text of its
//! own line, not the lines around it nor its line number). It survives lines moving, edits
//! above, below and inside the same block, and the object moving to another file; changing
//! the line itself (the offending value) makes the finding new. Version 1 baselines, which
//! fingerprinted GitHub's line hash (what the line and those after it say), are still read
//! and matched as they were written.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::finding::fingerprint::{fingerprint_v1, identity};
use crate::finding::result::ScanResult;

/// The version `--write-baseline` writes.
pub const VERSION: u32 = 2;
/// The versions `--baseline` reads.
const READS: [u32; 2] = [1, 2];
const TOOL: &str = "keelhaul";

/// One recorded finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    /// Version 2: the finding's identity, without its path. Version 1: the hash of its rule,
    /// path, line hash and occurrence.
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

/// The repository-relative path of every finding of `result`, in its order. A finding
/// outside `root` (standard input) keeps its name.
pub fn paths(result: &ScanResult, root: &Path) -> Vec<String> {
    let mut paths: HashMap<&str, String> = HashMap::new();
    result
        .findings
        .iter()
        .map(|f| {
            paths
                .entry(&f.file)
                .or_insert_with(|| {
                    crate::discover::paths::repo_relative(&f.file, root)
                        .unwrap_or_else(|| f.file.to_string())
                })
                .clone()
        })
        .collect()
}

/// A finding's identity as a version 2 entry writes it.
fn identity_of(f: &Finding) -> String {
    let id = identity(
        f.rule.id,
        f.resource.as_deref(),
        f.anchor.as_deref(),
        &f.message,
    );
    format!("{id:016x}")
}

/// The version 1 fingerprint of every finding of `result` with its path, in its order:
/// findings that share rule, path and line hash are numbered in output order.
fn fingerprints_v1(result: &ScanResult, root: &Path) -> Vec<(String, String)> {
    let mut seen: HashMap<(&str, String, String), usize> = HashMap::new();
    result
        .findings
        .iter()
        .zip(paths(result, root))
        .map(|(f, path)| {
            let what = f.line_hash.as_deref().unwrap_or(&f.message).to_string();
            let n = seen.entry((f.rule.id, path.clone(), what)).or_insert(0);
            let fp = fingerprint_v1(f.rule.id, &path, f.line_hash.as_deref(), &f.message, *n);
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
/// line, so that lines moving do not reorder the file). Findings alike in all of these give
/// as many equal entries.
pub fn of(result: &ScanResult, root: &Path) -> Baseline {
    let mut findings: Vec<Entry> = result
        .findings
        .iter()
        .zip(paths(result, root))
        .map(|(f, path)| entry(f, path, identity_of(f)))
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
    if !READS.contains(&b.version) {
        return Err(format!(
            "has version {}; this keelhaul reads versions 1 and {VERSION}",
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
    /// The baseline's version (1: written before identities; worth writing again).
    pub version: u32,
    /// Findings dropped because the baseline has them.
    pub baselined: usize,
    /// Baseline entries no finding matched: fixed (or changed) since the baseline.
    pub gone: Vec<Entry>,
}

/// Drops from `result` the findings that `baseline` records; each entry matches at most one
/// finding. A version 2 entry matches a finding of the same identity in its own file first;
/// the entries left then match findings about an object (which may have moved to another
/// file) by identity alone. Within each, entries with the finding's message go first. A
/// version 1 entry matches by its fingerprint.
pub fn apply(baseline: &Baseline, result: &mut ScanResult, root: &Path) -> Applied {
    let mut applied = Applied {
        version: baseline.version,
        ..Applied::default()
    };
    let keep = if baseline.version == 1 {
        match_v1(baseline, result, root)
    } else {
        match_v2(baseline, result, root)
    };
    let mut unmatched = keep.unmatched;
    applied.baselined = keep.found.iter().filter(|&&m| m).count();
    let mut k = keep.found.into_iter();
    result.findings.retain(|_| !k.next().unwrap_or(false));
    unmatched.sort_unstable();
    applied.gone = unmatched
        .into_iter()
        .map(|i| baseline.findings[i].clone())
        .collect();
    applied
}

/// Which findings a baseline matched (in the result's order), and the indices of the
/// entries that matched none.
struct Matched {
    found: Vec<bool>,
    unmatched: Vec<usize>,
}

fn match_v1(baseline: &Baseline, result: &ScanResult, root: &Path) -> Matched {
    let mut pool: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in baseline.findings.iter().enumerate() {
        pool.entry(e.fingerprint.as_str()).or_default().push(i);
    }
    let found = fingerprints_v1(result, root)
        .iter()
        .map(|(_, fp)| pool.get_mut(fp.as_str()).and_then(Vec::pop).is_some())
        .collect();
    Matched {
        found,
        unmatched: pool.into_values().flatten().collect(),
    }
}

/// How a round of version 2 matching compares an entry with a finding.
#[derive(Clone, Copy)]
struct Round {
    /// The entry's path must be the finding's (else: any, for a finding about an object).
    same_file: bool,
    /// The entry's message must be the finding's. Findings of one identity differ only
    /// there (the containers that inherit one pod-level field): matching those first keeps
    /// the entries listed as gone the ones that went. A reworded message still matches in
    /// the round after.
    same_message: bool,
}

const ROUNDS: [Round; 4] = [
    Round {
        same_file: true,
        same_message: true,
    },
    Round {
        same_file: true,
        same_message: false,
    },
    Round {
        same_file: false,
        same_message: true,
    },
    Round {
        same_file: false,
        same_message: false,
    },
];

fn match_v2(baseline: &Baseline, result: &ScanResult, root: &Path) -> Matched {
    let ids: Vec<String> = result.findings.iter().map(identity_of).collect();
    let paths = paths(result, root);
    let mut found = vec![false; result.findings.len()];
    let mut used = vec![false; baseline.findings.len()];
    for round in ROUNDS {
        let key = |path: &str, id: &str, message: &str| {
            (
                round.same_file.then(|| path.to_string()),
                id.to_string(),
                round.same_message.then(|| message.to_string()),
            )
        };
        let mut pool: HashMap<_, Vec<usize>> = HashMap::new();
        for (i, e) in baseline.findings.iter().enumerate().rev() {
            if !used[i] {
                let k = key(&e.path, &e.fingerprint, &e.message);
                pool.entry(k).or_default().push(i);
            }
        }
        for (i, f) in result.findings.iter().enumerate() {
            if found[i] || (!round.same_file && f.resource.is_none()) {
                continue;
            }
            let k = key(&paths[i], &ids[i], &f.message);
            if let Some(e) = pool.get_mut(&k).and_then(Vec::pop) {
                used[e] = true;
                found[i] = true;
            }
        }
    }
    Matched {
        found,
        unmatched: (0..used.len()).filter(|&i| !used[i]).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_json_names_the_line() {
        let e = parse("{\n  \"version\": 1,\n  \"findings\": [,]\n}").unwrap_err();
        assert!(e.contains("line 3"), "{e}");
        let e = parse("{\"version\": 3, \"tool\": \"keelhaul\", \"findings\": []}").unwrap_err();
        assert!(e.contains("version 3"), "{e}");
        for v in [1, 2] {
            let text = format!("{{\"version\": {v}, \"tool\": \"keelhaul\", \"findings\": []}}");
            let ok = parse(&text).unwrap();
            assert!(ok.findings.is_empty());
            assert_eq!(ok.version, v);
        }
    }
}
