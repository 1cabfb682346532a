//! Conformance of the admission policy evaluation (KH801) with the Kubernetes documentation:
//! each file of `testdata/admission-conformance/` holds an example of the Validating
//! Admission Policy or CEL documentation (its source is named at its top), with the objects
//! it judges. Every object states what the API server does when it is created, in a comment
//! inside its document:
//!
//! - `# expect: admit` — no KH801 finding in the document;
//! - `# expect: deny "MESSAGE"` on the line where the finding must start (the field the
//!   failing expression reads, or `kind:`) — a KH801 error whose cause (what follows
//!   `...this object: `) is exactly MESSAGE; `warn` and `audit` likewise for the warning of
//!   a `Warn` binding and the note of an `Audit` one. A line may hold several.
//!
//! Each file is scanned on its own. A file fails on any expectation not met, on any other
//! KH8xx finding, and when it states no expectation at all.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A KH801 finding, expected or found: (line, severity, cause).
type Denial = (u64, String, String);

/// What a case file expects.
#[derive(Default, Debug)]
struct Expected {
    denials: Vec<Denial>,
    /// The number of documents that expect to be admitted.
    admitted: usize,
}

fn cases() -> Vec<PathBuf> {
    let dir = common::root().join("testdata/admission-conformance");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

/// The `verb "message"` entries of one `# expect:` comment.
fn parse_denials(line: u64, mut rest: &str) -> Result<Vec<Denial>, String> {
    let mut out = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(out);
        }
        let severity = ["deny", "warn", "audit"]
            .into_iter()
            .find(|v| rest.starts_with(v))
            .ok_or_else(|| format!("line {line}: expected admit, deny, warn or audit: {rest}"))?;
        let quoted = rest[severity.len()..].trim_start();
        let body = quoted
            .strip_prefix('"')
            .ok_or_else(|| format!("line {line}: the message is not quoted"))?;
        let end = body
            .find('"')
            .ok_or_else(|| format!("line {line}: the message has no closing quote"))?;
        let severity = match severity {
            "deny" => "error",
            "warn" => "warning",
            _ => "note",
        };
        out.push((line, severity.to_string(), body[..end].to_string()));
        rest = &body[end + 1..];
    }
}

/// The expectations of a case file; an error for a malformed comment or an admitted
/// document that also expects a finding.
fn expectations(text: &str) -> Result<Expected, String> {
    let mut out = Expected::default();
    // (admits, denials) of the current document.
    let mut doc = (false, 0usize);
    let close = |doc: &mut (bool, usize), out: &mut Expected| -> Result<(), String> {
        if doc.0 && doc.1 > 0 {
            return Err("a document expects both admit and a finding".into());
        }
        out.admitted += usize::from(doc.0);
        *doc = (false, 0);
        Ok(())
    };
    for (i, l) in text.lines().enumerate() {
        if l == "---" {
            close(&mut doc, &mut out)?;
            continue;
        }
        let Some(at) = l.find("# expect:") else {
            continue;
        };
        let rest = l[at + "# expect:".len()..].trim();
        if rest.starts_with("admit") {
            doc.0 = true;
        } else {
            let found = parse_denials(i as u64 + 1, rest)?;
            doc.1 += found.len();
            out.denials.extend(found);
        }
    }
    close(&mut doc, &mut out)?;
    Ok(out)
}

/// The KH8xx findings of a scan of `file` alone: KH801 as denials, the others in words.
fn scan(file: &Path) -> (Vec<Denial>, Vec<String>) {
    let out = common::keelhaul()
        .args(["scan", "--select", "KH8", "--format", "json", "--fail-on"])
        .arg("never")
        .arg(file)
        .output()
        .unwrap();
    let report = common::json_of(&out);
    let mut denials = Vec::new();
    let mut others = Vec::new();
    for f in report["findings"].as_array().unwrap() {
        let line = f["start"]["line"].as_u64().unwrap();
        let message = f["message"].as_str().unwrap();
        if f["rule"] != "KH801" {
            others.push(format!("line {line}: {} {message}", f["rule"]));
            continue;
        }
        let cause = message
            .split_once("this object: ")
            .map_or(message, |(_, c)| c);
        let severity = f["severity"].as_str().unwrap().to_string();
        denials.push((line, severity, cause.to_string()));
    }
    denials.sort();
    (denials, others)
}

/// What differs between the expected and the found denials of a file, in words.
fn differences(expected: &[Denial], found: &[Denial]) -> Vec<String> {
    let count = |list: &[Denial]| {
        let mut m: BTreeMap<Denial, usize> = BTreeMap::new();
        for d in list {
            *m.entry(d.clone()).or_default() += 1;
        }
        m
    };
    let (want, got) = (count(expected), count(found));
    let mut out = Vec::new();
    for (d, n) in &want {
        if got.get(d).copied().unwrap_or(0) < *n {
            out.push(format!("  missing: line {} {} {:?}", d.0, d.1, d.2));
        }
    }
    for (d, n) in &got {
        if want.get(d).copied().unwrap_or(0) < *n {
            out.push(format!("  unexpected: line {} {} {:?}", d.0, d.1, d.2));
        }
    }
    out
}

#[test]
fn every_conformance_case_is_judged_as_the_api_server_judges_it() {
    let files = cases();
    assert!(files.len() >= 10, "conformance cases not found");
    let mut failures = Vec::new();
    let mut total = 0;
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(file).unwrap();
        let expected = match expectations(&text) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let stated = expected.admitted + expected.denials.len();
        if stated == 0 {
            failures.push(format!("{name}: no expectation"));
            continue;
        }
        total += stated;
        let (found, others) = scan(file);
        let mut problems = differences(&expected.denials, &found);
        problems.extend(others.iter().map(|o| format!("  not a KH801 finding: {o}")));
        if !problems.is_empty() {
            failures.push(format!("{name}:\n{}", problems.join("\n")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(total >= 30, "only {total} expectations");
}

#[test]
fn expectations_are_read_as_written() {
    let text = "a: 1 # expect: deny \"x y\"\n---\n# expect: admit\nb: 2\n---\nc: 3 # expect: warn \"w\" audit \"w\"\n";
    let e = expectations(text).unwrap();
    assert_eq!(e.admitted, 1);
    assert_eq!(
        e.denials,
        vec![
            (1, "error".into(), "x y".into()),
            (6, "warning".into(), "w".into()),
            (6, "note".into(), "w".into()),
        ]
    );
    assert!(expectations("# expect: admit\na: 1 # expect: deny \"m\"\n").is_err());
    assert!(expectations("a: 1 # expect: refuse \"m\"\n").is_err());
    assert!(expectations("a: 1 # expect: deny m\n").is_err());
    assert_eq!(expectations("a: 1\n").unwrap().admitted, 0);
    // A difference is found either way.
    let d = (1, "error".to_string(), "m".to_string());
    assert_eq!(differences(std::slice::from_ref(&d), &[]).len(), 1);
    assert_eq!(differences(&[], std::slice::from_ref(&d)).len(), 1);
    assert!(differences(std::slice::from_ref(&d), std::slice::from_ref(&d)).is_empty());
}
