//! GitHub Actions output: workflow-command annotations (`::error file=...::message`), the
//! job summary (`$GITHUB_STEP_SUMMARY`) and step outputs (`$GITHUB_OUTPUT`).

use std::io::{self, Write};
use std::path::Path;

use crate::finding::result::ScanResult;
use crate::finding::{Finding, Severity};
use crate::report::counts;

/// GitHub shows at most this many annotations of each kind per step.
pub const SHOWN_PER_KIND: usize = 10;

/// Escapes a command's message (data).
fn escape_data(s: &str) -> String {
    let s = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    super::percent_controls(&s).into_owned()
}

/// Escapes a command's property value (also `:` and `,`, which separate properties).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// The path GitHub resolves annotations against: relative to the workspace when possible.
fn annotation_path(f: &Finding, root: &Path) -> String {
    crate::discover::paths::repo_relative(&f.file, root).unwrap_or_else(|| f.file.to_string())
}

/// One workflow command per finding, the most severe first (GitHub displays only the first
/// ten of each kind), then a line saying how many were not displayed.
/// `also` names the other reports written with the findings (the job summary, the SARIF
/// report), which the last line points to.
pub fn write_workflow_commands<W: Write>(
    result: &ScanResult,
    root: &Path,
    also: &[&str],
    w: &mut W,
) -> io::Result<()> {
    let mut order: Vec<&Finding> = result.findings.iter().collect();
    // Findings are in file/line order already; a stable sort keeps it within a severity.
    order.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in &order {
        let s = f.span;
        let end_col = if s.end.line == s.start.line && s.end.col <= s.start.col {
            s.start.col + 2
        } else {
            s.end.col + 1
        };
        writeln!(
            w,
            "::{} file={},line={},endLine={},col={},endColumn={},title={}::{}",
            command(f.severity),
            escape_property(&annotation_path(f, root)),
            s.start.line.max(1),
            s.end.line.max(s.start.line).max(1),
            s.start.col + 1,
            end_col,
            escape_property(&format!("{} {}", f.rule.id, f.rule.slug)),
            escape_data(&f.message),
        )?;
    }
    let c = counts(&result.findings);
    let hidden = |n: usize| n.saturating_sub(SHOWN_PER_KIND);
    writeln!(
        w,
        "keelhaul: {} error(s), {} warning(s), {} note(s) in {} file(s)",
        c.errors, c.warnings, c.notes, result.stats.files
    )?;
    let (he, hw, hn) = (hidden(c.errors), hidden(c.warnings), hidden(c.notes));
    if he + hw + hn > 0 {
        let mut places = vec!["above"];
        places.extend(also.iter().map(|a| &a[..]));
        let listed = match places.split_last() {
            Some((last, rest)) if !rest.is_empty() => {
                let rest: Vec<String> = rest
                    .iter()
                    .map(|p| {
                        if *p == "above" {
                            "above".to_string()
                        } else {
                            format!("in {p}")
                        }
                    })
                    .collect();
                format!("{} and in {last}", rest.join(", "))
            }
            _ => "above".to_string(),
        };
        writeln!(
            w,
            "keelhaul: GitHub displays {SHOWN_PER_KIND} annotations of each kind per step; not displayed as annotations: {he} error(s), {hw} warning(s), {hn} note(s) (all are listed {listed})"
        )?;
    }
    Ok(())
}

/// Escapes text for a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace(['\n', '\r'], " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Where the summary's links point: the repository's files at the commit being checked.
pub struct SummaryLinks {
    /// `https://github.com/owner/repo/blob/<sha>`.
    pub blob_base: Option<String>,
}

impl SummaryLinks {
    pub fn from_env() -> SummaryLinks {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let blob_base = match (
            var("GITHUB_SERVER_URL"),
            var("GITHUB_REPOSITORY"),
            var("GITHUB_SHA"),
        ) {
            (Some(server), Some(repo), Some(sha)) => Some(format!(
                "{}/{repo}/blob/{sha}",
                server.trim_end_matches('/')
            )),
            _ => None,
        };
        SummaryLinks { blob_base }
    }
}

/// The most findings the summary lists one by one (it must stay under 1 MiB).
const SUMMARY_ROWS: usize = 300;

/// The job summary: counts by severity and by rule, and the findings with links.
pub fn job_summary(
    result: &ScanResult,
    root: &Path,
    links: &SummaryLinks,
    context: &str,
) -> String {
    let c = counts(&result.findings);
    let s = result.stats;
    let mut out = format!(
        "## keelhaul: {} error(s), {} warning(s), {} note(s)\n\n{} file(s), {} document(s), {} resource(s) scanned{}.\n\n",
        c.errors, c.warnings, c.notes, s.files, s.documents, s.resources, context
    );
    if result.findings.is_empty() {
        out.push_str("No findings.\n");
        return out;
    }
    // By rule, most findings first.
    let mut by_rule: Vec<(&'static str, &'static str, Severity, usize)> = Vec::new();
    for f in &result.findings {
        match by_rule.iter_mut().find(|r| r.0 == f.rule.id) {
            Some(r) => {
                r.3 += 1;
                r.2 = r.2.max(f.severity);
            }
            None => by_rule.push((f.rule.id, f.rule.slug, f.severity, 1)),
        }
    }
    by_rule.sort_by(|a, b| b.2.cmp(&a.2).then(b.3.cmp(&a.3)).then(a.0.cmp(b.0)));
    out.push_str("| rule | | highest severity | findings |\n|---|---|---|---:|\n");
    for (id, slug, sev, n) in &by_rule {
        out.push_str(&format!("| `{id}` | {slug} | {} | {n} |\n", sev.as_str()));
    }
    out.push_str("\n| severity | rule | where | message |\n|---|---|---|---|\n");
    let mut order: Vec<&Finding> = result.findings.iter().collect();
    order.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in order.iter().take(SUMMARY_ROWS) {
        let path = annotation_path(f, root);
        let place = format!("{path}:{}", f.span.start.line);
        let place = match (
            &links.blob_base,
            crate::discover::paths::repo_relative(&f.file, root),
        ) {
            (Some(base), Some(rel)) => {
                format!("[{}]({base}/{rel}#L{})", cell(&place), f.span.start.line)
            }
            _ => cell(&place),
        };
        out.push_str(&format!(
            "| {} | `{}` {} | {} | {} |\n",
            f.severity.as_str(),
            f.rule.id,
            f.rule.slug,
            place,
            cell(&f.message)
        ));
    }
    if order.len() > SUMMARY_ROWS {
        out.push_str(&format!(
            "\n{} more finding(s) are not listed here: see the SARIF report or the step's log.\n",
            order.len() - SUMMARY_ROWS
        ));
    }
    out.push_str("\n`keelhaul explain <rule>` prints a rule's page: what it checks, why, and how to fix it.\n");
    out
}

/// Appends `text` to the file an environment variable names (`GITHUB_STEP_SUMMARY`,
/// `GITHUB_OUTPUT`).
pub fn append_to(path: &Path, text: &str) -> io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

/// The step outputs: `findings`, `errors`, `renders-run` (the renders that ran a tool, so
/// the render cache has something new to keep) and, when one was written, `sarif-file`.
pub fn outputs(result: &ScanResult, sarif_file: Option<&str>) -> String {
    let c = counts(&result.findings);
    let mut out = format!(
        "findings={}\nerrors={}\nrenders-run={}\n",
        c.errors + c.warnings + c.notes,
        c.errors,
        result.stats.renders_run
    );
    if let Some(s) = sarif_file {
        // A value with a line break would need the heredoc form; a path has none.
        out.push_str(&format!("sarif-file={}\n", s.replace(['\n', '\r'], "")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_of_data_and_properties() {
        assert_eq!(escape_data("a%b\r\nc: d, e"), "a%25b%0D%0Ac: d, e");
        assert_eq!(escape_property("a%b\nc: d, e"), "a%25b%0Ac%3A d%2C e");
        // No escape sequence, bell or other control reaches the log.
        assert_eq!(escape_data("a\u{1b}[31mb\u{7}\tc"), "a%1B[31mb%07\tc");
        assert_eq!(escape_property("x\u{9b}y"), "x%9By");
    }

    #[test]
    fn table_cells_stay_in_their_cell() {
        assert_eq!(cell("a | b\nc <x>"), "a \\| b c &lt;x&gt;");
    }
}
