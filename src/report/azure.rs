//! Azure Pipelines: logging commands. Each error or warning is a `task.logissue` on its file
//! and line, which the run's summary lists and the log links; notes, which logissue has no
//! type for, are plain log lines. With the agent's temporary directory known
//! (`AGENT_TEMPDIRECTORY`), a Markdown summary is written there and attached to the run
//! with `task.uploadsummary`.

use std::io::{self, Write};
use std::path::Path;

use crate::finding::Severity;
use crate::finding::result::ScanResult;

/// A property value of a logging command: what the agent reads as syntax is escaped.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(';', "%3B").replace(']', "%5D")
}

/// A command's message: `%` and line ends escaped (the agent's own escapes).
fn escape_data(s: &str) -> String {
    let s = s
        .replace('%', "%AZP25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    super::percent_controls(&s).into_owned()
}

/// The logging commands of a scan; `summary` is the Markdown summary's file, when one was
/// written, for `task.uploadsummary`.
pub fn write_logging_commands<W: Write>(
    result: &ScanResult,
    root: &Path,
    summary: Option<&Path>,
    w: &mut W,
) -> io::Result<()> {
    for f in &result.findings {
        let path = crate::discover::paths::repo_relative(&f.file, root)
            .unwrap_or_else(|| f.file.to_string());
        let line = f.span.start.line.max(1);
        let col = f.span.start.col + 1;
        let text = format!("{} {}: {}", f.rule.id, f.rule.slug, f.message);
        match f.severity {
            Severity::Error | Severity::Warning => writeln!(
                w,
                "##vso[task.logissue type={};sourcepath={};linenumber={line};columnnumber={col};code={}]{}",
                f.severity.as_str(),
                escape_property(&path),
                f.rule.id,
                escape_data(&text)
            )?,
            Severity::Note => writeln!(w, "note: {path}:{line}:{col}: {}", escape_data(&text))?,
        }
    }
    let c = super::counts(&result.findings);
    writeln!(
        w,
        "keelhaul: {} error(s), {} warning(s), {} note(s) in {} file(s)",
        c.errors, c.warnings, c.notes, result.stats.files
    )?;
    if let Some(s) = summary {
        writeln!(
            w,
            "##vso[task.uploadsummary]{}",
            escape_data(&s.display().to_string())
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::finding::Finding;
    use crate::rules::security_context::{PRIVILEGED, SERVICE_ACCOUNT_TOKEN};
    use crate::span::{Pos, Span};

    #[test]
    fn issues_for_errors_and_warnings_plain_lines_for_notes() {
        let at = |line| Span::point(Pos { line, col: 2 });
        let result = ScanResult {
            findings: vec![
                Finding::new(
                    &PRIVILEGED,
                    Arc::from("k8s/a;b].yaml"),
                    at(3),
                    "100% bad\nreally".into(),
                ),
                Finding::new(
                    &SERVICE_ACCOUNT_TOKEN,
                    Arc::from("k8s/c.yaml"),
                    at(9),
                    "a note".into(),
                ),
            ],
            ..ScanResult::default()
        };
        let mut out = Vec::new();
        write_logging_commands(
            &result,
            Path::new("."),
            Some(Path::new("/t/s.md")),
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "##vso[task.logissue type=error;sourcepath=k8s/a%3Bb%5D.yaml;linenumber=3;columnnumber=3;code=KH101]KH101 privileged: 100%AZP25 bad%0Areally"
        );
        assert_eq!(
            lines[1],
            "note: k8s/c.yaml:9:3: KH114 service-account-token: a note"
        );
        assert_eq!(lines[3], "##vso[task.uploadsummary]/t/s.md");
    }
}
