//! JUnit XML (`--junit FILE`): the scan as test results, for the Tests tab of Azure Pipelines
//! (`PublishTestResults@2` with `testResultsFormat: JUnit`), the test report of GitLab
//! (`artifacts: reports: junit`) and any other reader of the Ant JUnit format.
//!
//! The shape, and why:
//! - one `<testsuite name="keelhaul">` is the root. Both readers group test cases by their
//!   `classname` (Azure's "test file", GitLab's "suite"), not by the suite they sit in, and
//!   Azure names a run after its lone suite, so suites per rule would show nothing more;
//! - a test case is a rule in a file: `classname` is the rule (`KH101 privileged`), `name` the
//!   file's path from the scan root. A file keeps its path while lines move, so a test keeps
//!   its identity from run to run: GitLab compares a merge request's tests with the target
//!   branch's by that pair, and Azure keeps a test's history by it;
//! - a case fails when one of its findings is at or above `--fail-on`, so that the Tests tab
//!   agrees with the exit code. A case holds at most one `<failure>`: the schema allows one,
//!   and both readers read only the first. Its `message` is the first failing finding
//!   (`path:line:col severity RULE message`, with how many more there are), its `type` the
//!   highest severity of the case, and its text every finding of the case with its details;
//! - findings below `--fail-on` fail nothing: they are listed in the suite's `<system-out>`
//!   (and in the text of a failing case of the same rule and file, when there is one);
//! - a rule that ran and failed in no file is one passing case named `(all files)`, not one
//!   per file, which would multiply the cases by the files;
//! - the suite's `time` is the scan's wall time. Rules run interleaved, in parallel, so a case
//!   has no time of its own: it says 0.
//!
//! The output validates against the Apache Ant JUnit schema (tests/data/schemas/JUnit.xsd).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use crate::finding::result::ScanResult;
use crate::finding::{Finding, RuleMeta, Severity};

/// The name of the passing case of a rule that failed in no file.
pub const ALL_FILES: &str = "(all files)";

/// What the report says besides the findings.
pub struct JunitRun<'a> {
    /// Paths are named relative to it.
    pub root: &'a Path,
    /// The rules that ran: each has a passing case when it failed in no file.
    pub rules: &'a [&'static RuleMeta],
    /// Findings at or above it fail their case; `None` (`--fail-on never`): none does.
    pub fail_on: Option<Severity>,
    /// When the scan started, `YYYY-MM-DDTHH:MM:SS` in UTC (the schema's form, no zone).
    pub timestamp: &'a str,
    pub duration: Duration,
    pub hostname: &'a str,
    /// The suite's `<properties>`: the settings the scan ran with.
    pub properties: &'a [(&'static str, String)],
}

/// One test case: a rule in a file, or a rule's passing case (`path` None).
struct Case<'a> {
    rule: &'static RuleMeta,
    path: Option<String>,
    findings: Vec<&'a Finding>,
}

/// The cases, by rule id then path, and the findings that fail nothing (each with its path)
/// and are not in a failing case.
type Cases<'a> = (Vec<Case<'a>>, Vec<(String, &'a Finding)>);

fn cases<'a>(result: &'a ScanResult, run: &JunitRun) -> Cases<'a> {
    type Files<'a> = BTreeMap<String, Vec<&'a Finding>>;
    let mut by_rule: BTreeMap<&'static str, (&'static RuleMeta, Files<'a>)> = BTreeMap::new();
    for r in run.rules {
        by_rule.entry(r.id).or_insert((*r, BTreeMap::new()));
    }
    for f in &result.findings {
        let files = &mut by_rule
            .entry(f.rule.id)
            .or_insert((f.rule, BTreeMap::new()))
            .1;
        files
            .entry(report_path(&f.file, run.root))
            .or_default()
            .push(f);
    }
    let mut cases = Vec::new();
    let mut below = Vec::new();
    for (rule, files) in by_rule.into_values() {
        let before = cases.len();
        for (path, findings) in files {
            if findings.iter().any(|f| fails(f, run.fail_on)) {
                cases.push(Case {
                    rule,
                    path: Some(path),
                    findings,
                });
            } else {
                below.extend(findings.into_iter().map(|f| (path.clone(), f)));
            }
        }
        if cases.len() == before {
            cases.push(Case {
                rule,
                path: None,
                findings: Vec::new(),
            });
        }
    }
    below.sort_by(|(pa, a), (pb, b)| {
        (pa, a.span.start.line, a.span.start.col, a.rule.id).cmp(&(
            pb,
            b.span.start.line,
            b.span.start.col,
            b.rule.id,
        ))
    });
    (cases, below)
}

fn fails(f: &Finding, fail_on: Option<Severity>) -> bool {
    fail_on.is_some_and(|t| f.severity >= t)
}

/// A file as the other CI reports name it: from the scan root, with `/`.
fn report_path(file: &str, root: &Path) -> String {
    crate::discover::paths::repo_relative(file, root).unwrap_or_else(|| file.to_string())
}

/// Writes the report: the suite, its properties, one case per rule and failing file (or per
/// rule that failed nowhere), and what failed nothing.
pub fn write_junit<W: Write>(result: &ScanResult, run: &JunitRun, w: &mut W) -> io::Result<()> {
    let (cases, below) = cases(result, run);
    let failures = cases.iter().filter(|c| c.path.is_some()).count();
    let hostname = if run.hostname.trim().is_empty() {
        "localhost"
    } else {
        run.hostname
    };
    let mut out = String::with_capacity(1024 + 512 * result.findings.len());
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuite name=\"keelhaul\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{:.3}\" timestamp=\"{}\" hostname=\"{}\">",
        cases.len(),
        run.duration.as_secs_f64(),
        attr(run.timestamp),
        attr(hostname),
    );
    out.push_str("  <properties>\n");
    for (name, value) in run.properties {
        let _ = writeln!(
            out,
            "    <property name=\"{}\" value=\"{}\"/>",
            attr(name),
            attr(value)
        );
    }
    out.push_str("  </properties>\n");
    for c in &cases {
        write_case(&mut out, c, run);
    }
    if below.is_empty() {
        out.push_str("  <system-out/>\n");
    } else {
        out.push_str("  <system-out>");
        let threshold = run.fail_on.map_or("never", Severity::as_str);
        let _ = writeln!(
            out,
            "{} finding(s) below --fail-on {threshold}, which fail no test:",
            below.len()
        );
        for (path, f) in &below {
            out.push_str(&text(&one_line(f, path)));
            out.push('\n');
        }
        out.push_str("</system-out>\n");
    }
    out.push_str("  <system-err/>\n</testsuite>\n");
    w.write_all(out.as_bytes())
}

fn write_case(out: &mut String, c: &Case, run: &JunitRun) {
    let classname = attr(&format!("{} {}", c.rule.id, c.rule.slug));
    let Some(path) = &c.path else {
        let _ = writeln!(
            out,
            "  <testcase classname=\"{classname}\" name=\"{}\" time=\"0\"/>",
            attr(ALL_FILES)
        );
        return;
    };
    // A case with a file is made for a failing finding, which its message names.
    let Some(first) = c
        .findings
        .iter()
        .find(|f| fails(f, run.fail_on))
        .or(c.findings.first())
    else {
        return;
    };
    let _ = writeln!(
        out,
        "  <testcase classname=\"{classname}\" name=\"{}\" time=\"0\">",
        attr(path)
    );
    let mut message = one_line(first, path);
    if c.findings.len() > 1 {
        let _ = write!(message, " (and {} more in this file)", c.findings.len() - 1);
    }
    let worst = c
        .findings
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(first.severity);
    let _ = write!(
        out,
        "    <failure message=\"{}\" type=\"{}\">",
        attr(&message),
        worst.as_str()
    );
    let mut body = String::new();
    for f in &c.findings {
        details(&mut body, f, path, run.root);
    }
    let _ = write!(
        body,
        "\n{} {}: {}\nThe rule's page: keelhaul explain {}\n",
        c.rule.id, c.rule.slug, c.rule.title, c.rule.id
    );
    out.push_str(&text(&body));
    out.push_str("</failure>\n  </testcase>\n");
}

/// `path:line:col severity RULE message`, on one line.
fn one_line(f: &Finding, path: &str) -> String {
    format!(
        "{path}:{}:{} {} {} {}",
        f.span.start.line.max(1),
        f.span.start.col + 1,
        f.severity.as_str(),
        f.rule.id,
        f.message.replace(['\r', '\n'], " ")
    )
}

/// A finding in a failure's text: its line, then what else the other reports say of it.
fn details(out: &mut String, f: &Finding, path: &str, root: &Path) {
    out.push_str(&one_line(f, path));
    out.push('\n');
    if let Some(r) = f.resource.as_deref() {
        let _ = write!(out, "    object: {}", r.describe());
        if let Some(ns) = &r.namespace {
            let _ = write!(out, " in namespace {ns:?}");
        }
        out.push('\n');
    }
    for r in &f.related {
        let at = r
            .file
            .as_deref()
            .map_or_else(|| path.to_string(), |file| report_path(file, root));
        let _ = writeln!(
            out,
            "    {}: {at}:{}:{}",
            r.label,
            r.span.start.line.max(1),
            r.span.start.col + 1
        );
    }
    if let Some(m) = &f.rendered {
        let _ = writeln!(out, "    {}", m.describe());
    } else if let Some(o) = &f.origin {
        let _ = writeln!(out, "    rendered from the Helm template {o}");
    }
    if let Some(fix) = &f.fix {
        let _ = writeln!(
            out,
            "    fix available (keelhaul scan --fix): {}",
            fix.description
        );
    }
}

/// Whether XML 1.0 allows the character in a document at all.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Element text: markup characters escaped, a carriage return kept (a reader would turn it
/// into a line feed), and characters XML cannot hold replaced by U+FFFD.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if allowed(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// An attribute value in double quotes: as element text, plus the quote, and tabs and line
/// ends as references (a reader turns them into spaces otherwise).
fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            c => out.push_str(&text(c.encode_utf8(&mut [0; 4]))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::finding::Finding;
    use crate::rules::security_context::{PRIVILEGED, SERVICE_ACCOUNT_TOKEN};
    use crate::span::{Pos, Span};

    fn at(line: u32) -> Span {
        Span::point(Pos { line, col: 4 })
    }

    fn report(findings: Vec<Finding>, fail_on: Option<Severity>) -> String {
        let rules = [&PRIVILEGED, &SERVICE_ACCOUNT_TOKEN];
        let run = JunitRun {
            root: Path::new("."),
            rules: &rules,
            fail_on,
            timestamp: "2026-01-02T03:04:05",
            duration: Duration::from_millis(1500),
            hostname: "",
            properties: &[("kubernetes-version", "1.33".into())],
        };
        let result = ScanResult {
            findings,
            ..ScanResult::default()
        };
        let mut out = Vec::new();
        write_junit(&result, &run, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_failing_case_per_rule_and_file_and_a_passing_case_per_rule_that_failed_nowhere() {
        let f = |file: &str, line| {
            Finding::new(
                &PRIVILEGED,
                Arc::from(file),
                at(line),
                "bad \"x\" <y>".into(),
            )
        };
        let xml = report(
            vec![f("k8s/a.yaml", 3), f("k8s/a.yaml", 9), f("k8s/b.yaml", 1)],
            Some(Severity::Error),
        );
        assert!(
            xml.contains("<testsuite name=\"keelhaul\" tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"0\" time=\"1.500\" timestamp=\"2026-01-02T03:04:05\" hostname=\"localhost\">"),
            "{xml}"
        );
        assert!(xml.contains(
            "<testcase classname=\"KH101 privileged\" name=\"k8s/a.yaml\" time=\"0\">\n    <failure message=\"k8s/a.yaml:3:5 error KH101 bad &quot;x&quot; &lt;y&gt; (and 1 more in this file)\" type=\"error\">k8s/a.yaml:3:5 error KH101 bad \"x\" &lt;y&gt;\nk8s/a.yaml:9:5 error KH101"
        ), "{xml}");
        assert!(xml.contains("name=\"k8s/b.yaml\""), "{xml}");
        assert!(xml.contains(
            "<testcase classname=\"KH114 service-account-token\" name=\"(all files)\" time=\"0\"/>"
        ));
        assert!(xml.contains("<property name=\"kubernetes-version\" value=\"1.33\"/>"));
        assert!(xml.contains("<system-out/>"));
    }

    #[test]
    fn findings_below_fail_on_fail_nothing_and_are_listed_in_the_output() {
        let note = Finding::new(
            &SERVICE_ACCOUNT_TOKEN,
            Arc::from("k8s/c.yaml"),
            at(2),
            "a note".into(),
        );
        let xml = report(vec![note.clone()], Some(Severity::Warning));
        assert!(xml.contains("tests=\"2\" failures=\"0\""), "{xml}");
        assert!(xml.contains(
            "<system-out>1 finding(s) below --fail-on warning, which fail no test:\nk8s/c.yaml:2:5 note KH114 a note\n</system-out>"
        ), "{xml}");
        // --fail-on never: nothing fails.
        let xml = report(vec![note.clone()], None);
        assert!(xml.contains("failures=\"0\"") && xml.contains("--fail-on never"));
        // --fail-on note: the note fails its case.
        let xml = report(vec![note], Some(Severity::Note));
        assert!(xml.contains("failures=\"1\"") && xml.contains("type=\"note\""));
    }

    #[test]
    fn text_and_attributes_are_escaped_and_hold_only_what_xml_allows() {
        assert_eq!(
            text("a&b<c>d\re\u{1b}f\u{FFFE}"),
            "a&amp;b&lt;c&gt;d&#13;e\u{FFFD}f\u{FFFD}"
        );
        assert_eq!(attr("\"q\"\t1\n2 '"), "&quot;q&quot;&#9;1&#10;2 '");
        assert_eq!(text("ü 😀"), "ü 😀");
    }
}
