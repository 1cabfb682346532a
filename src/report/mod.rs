//! report: findings in, text out. Sinks only format: human (snippets with the exact span
//! underlined) and JSON (a documented, stable schema). Nothing here decides what is a finding.
//! The snippets and line fingerprints they show are taken while the files are in memory
//! (`excerpt`).

pub mod apply_fix;
pub mod azure;
pub mod concise;
pub mod excerpt;
pub mod gitlab;
pub mod junit;
pub mod mask;
pub mod overview;
pub mod sarif;
pub mod upgrade_plan;
pub mod workflow_commands;

use std::fmt::Write as _;
use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use rayon::prelude::*;
use serde::Serialize;

use crate::finding::ResourceId;
use std::sync::Arc;

use crate::finding::result::{Notice, ScanResult};
use crate::finding::spill::Record;
use crate::finding::{Excerpt, Finding, Severity};
use crate::span::{Pos, Span};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

pub fn counts(findings: &[Finding]) -> Counts {
    let mut c = Counts::default();
    for f in findings {
        c.add(f.severity);
    }
    c
}

impl Counts {
    pub fn add(&mut self, s: Severity) {
        match s {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Note => self.notes += 1,
        }
    }
}

/// `s` with every control character but tab, CR and LF written as `%XX` (its code point in
/// hex), for the CI systems' logging commands: a resource name from the scanned files cannot
/// put an escape sequence (ESC), a bell or any other control into the job's log. CR and LF are
/// the formats' own to escape.
pub(crate) fn percent_controls(s: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| c.is_control() && !matches!(c, '\t' | '\r' | '\n');
    if !s.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hidden(c) {
            out.push_str(&format!("%{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

// ---- records: one finding as a format writes it ----------------------------------------

/// The formats whose findings are written one by one, in order, each on its own: what a
/// worker can write while the file is in memory, for the report to copy (`finding::spill`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFormat {
    Json,
    Concise,
    Human { color: bool },
}

/// The bytes `format` writes for one finding (JSON without the comma between findings).
pub fn record(f: &Finding, format: RecordFormat) -> Vec<u8> {
    match format {
        RecordFormat::Json => json_findings(std::slice::from_ref(f)),
        RecordFormat::Concise => concise::line(f).into_bytes(),
        RecordFormat::Human { color } => {
            let mut out = render_finding(&renderer(color), f);
            out.push_str("\n\n");
            out.into_bytes()
        }
    }
}

/// A finding to write: one held in memory, or the record of a spilled one.
pub(crate) enum Item<'a> {
    Kept(&'a Finding),
    Spilled(&'a Arc<str>, Record),
}

impl Item<'_> {
    pub(crate) fn severity(&self) -> Severity {
        match self {
            Item::Kept(f) => f.severity,
            Item::Spilled(_, r) => r.severity,
        }
    }
}

/// Calls `each` on every finding of `result` in output order, the spilled ones (below the
/// severity shown, `min`, left out) merged with those held in memory; at a tie the spilled
/// one comes first, as a file's own findings come before those made after the files.
pub(crate) fn each_in_order(
    result: &ScanResult,
    mut each: impl FnMut(Item<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let Some(spill) = &result.spilled else {
        return result.findings.iter().try_for_each(|f| each(Item::Kept(f)));
    };
    let mut kept = result.findings.iter().peekable();
    let mut reader = spill.reader()?;
    let mut next = reader.next_record()?;
    loop {
        let spilled_first = match (&next, kept.peek()) {
            (None, None) => return Ok(()),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some((file, r)), Some(f)) => {
                (&**file, r.line, r.col, r.rule.id, &*r.message)
                    <= (
                        &*f.file,
                        f.span.start.line,
                        f.span.start.col,
                        f.rule.id,
                        &*f.message,
                    )
            }
        };
        if spilled_first {
            if let Some((file, r)) = next.take()
                && r.severity >= spill.shown_from()
            {
                each(Item::Spilled(&file, r))?;
            }
            next = reader.next_record()?;
        } else if let Some(f) = kept.next() {
            each(Item::Kept(f))?;
        }
    }
}

fn renderer(color: bool) -> Renderer {
    if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

// ---- human ---------------------------------------------------------------------------

pub struct HumanOptions {
    pub color: bool,
    pub verbose: bool,
}

/// The human report: one snippet per finding, then the notices and a summary line.
pub fn write_human<W: Write>(
    result: &ScanResult,
    opts: &HumanOptions,
    w: &mut W,
) -> io::Result<()> {
    let renderer = renderer(opts.color);
    if result.spilled.is_some() {
        let mut seen = overview::Overview::default();
        let mut c = Counts::default();
        each_in_order(result, |item| {
            c.add(item.severity());
            match item {
                Item::Kept(f) => {
                    seen.add(f.rule, f.severity, &f.file);
                    w.write_all(render_finding(&renderer, f).as_bytes())?;
                    w.write_all(b"\n\n")
                }
                Item::Spilled(file, r) => {
                    seen.add(r.rule, r.severity, file);
                    w.write_all(&r.bytes)
                }
            }
        })?;
        return w.write_all(human_trailer(result, opts, &seen.finish(), c).as_bytes());
    }
    // Rendered in parallel, a batch at a time, and written in order.
    for batch in result.findings.chunks(4096) {
        let rendered: Vec<String> = batch
            .par_chunks(128)
            .map(|c| {
                let mut out = String::new();
                for f in c {
                    out.push_str(&render_finding(&renderer, f));
                    out.push_str("\n\n");
                }
                out
            })
            .collect();
        for text in rendered {
            w.write_all(text.as_bytes())?;
        }
    }
    let seen = overview::overview(&result.findings);
    w.write_all(human_trailer(result, opts, &seen, counts(&result.findings)).as_bytes())
}

/// The notices and the summary line.
fn human_trailer(result: &ScanResult, opts: &HumanOptions, seen: &str, c: Counts) -> String {
    let mut out = String::new();
    let (loud, quiet): (Vec<&Notice>, Vec<&Notice>) =
        result.notices.iter().partition(|n| !n.verbose);
    for n in loud.iter().chain(quiet.iter().filter(|_| opts.verbose)) {
        let at = n.line.map(|l| format!(":{l}")).unwrap_or_default();
        let _ = writeln!(out, "notice: {}{at}: {}", n.file, n.message);
    }
    // The other quiet notices (how a file was read, why a render was not cached) are for
    // --verbose only.
    let not_objects = quiet
        .iter()
        .filter(|n| n.message.starts_with("not a Kubernetes object"))
        .count();
    if !opts.verbose && not_objects > 0 {
        let _ = writeln!(
            out,
            "notice: {} not checked because they are not Kubernetes objects (--verbose lists them)",
            plural(not_objects, "document was", "documents were")
        );
    }
    out.push_str(seen);
    let s = result.stats;
    let _ = writeln!(
        out,
        "{}, {}, {} in {} ({}, {})",
        plural(c.errors, "error", "errors"),
        plural(c.warnings, "warning", "warnings"),
        plural(c.notes, "note", "notes"),
        plural(s.files, "file", "files"),
        plural(s.documents, "document", "documents"),
        plural(s.resources, "resource", "resources"),
    );
    if !result.suppressed.is_empty() {
        out.pop();
        let _ = writeln!(out, "; {} suppressed", result.suppressed.len());
    }
    // What was never checked belongs in the line a reader looks at last.
    if let Some(unchecked) = s.unrendered.describe() {
        out.pop();
        let _ = writeln!(out, "; {unchecked}");
    }
    out
}

/// Byte offset in an excerpt's text of a position; clamped to the text.
fn offset_in(ex: &Excerpt, p: Pos) -> usize {
    let text = ex.text.as_str();
    let col = p.col.saturating_sub(ex.cut_before(p.line));
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i as u32 + ex.first_line == p.line {
            let body = line.trim_end_matches(['\n', '\r']);
            return offset
                + body
                    .char_indices()
                    .nth(col as usize)
                    .map_or(body.len(), |(b, _)| b);
        }
        offset += line.len();
    }
    text.trim_end_matches(['\n', '\r']).len()
}

fn range_in(ex: &Excerpt, span: Span) -> std::ops::Range<usize> {
    let text = ex.text.as_str();
    let s = offset_in(ex, span.start);
    let mut e = offset_in(ex, span.end).max(s);
    if e == s {
        // A point: underline the character there, if any.
        e = text[s..]
            .chars()
            .next()
            .filter(|c| *c != '\n' && *c != '\r')
            .map_or(s, |c| s + c.len_utf8());
    }
    s..e
}

fn render_finding(renderer: &Renderer, f: &Finding) -> String {
    let level = match f.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    };
    let title = format!("{} ({})", f.message, f.rule.slug);
    let path = format!("{}", f.file);
    let mut group = Group::with_title(level.primary_title(title.as_str()).id(f.rule.id));
    let mut notes: Vec<String> = Vec::new();
    match &f.excerpt {
        Some(ex) => {
            let mut snippet = Snippet::source(ex.text.as_str())
                .line_start(ex.first_line as usize)
                .path(path.as_str())
                .fold(false)
                .annotation(
                    AnnotationKind::Primary
                        .span(range_in(ex, f.span))
                        .label(f.label.unwrap_or("")),
                );
            let last_line = ex.first_line + ex.text.lines().count() as u32 - 1;
            for r in &f.related {
                let here = r.file.is_none();
                if here && r.span.start.line >= ex.first_line && r.span.start.line <= last_line {
                    snippet = snippet.annotation(
                        AnnotationKind::Context
                            .span(range_in(ex, r.span))
                            .label(&*r.label),
                    );
                } else {
                    notes.push(format!(
                        "{}: {}:{}:{}",
                        r.label,
                        r.file.as_deref().unwrap_or(&f.file),
                        r.span.start.line,
                        r.span.start.col + 1
                    ));
                }
            }
            group = group.element(snippet);
        }
        None => {
            notes.insert(
                0,
                format!(
                    "at {}:{}:{}",
                    f.file,
                    f.span.start.line,
                    f.span.start.col + 1
                ),
            );
        }
    }
    if let Some(m) = &f.rendered {
        notes.push(m.describe());
    } else if let Some(o) = &f.origin {
        notes.push(format!("rendered from the Helm template {o}"));
    }
    let help = f
        .fix
        .as_ref()
        .map(|fix| format!("fix available (`keelhaul scan --fix`): {}", fix.description));
    let mut report: Vec<Group> = vec![group];
    for n in &notes {
        report.push(Group::with_title(Level::NOTE.secondary_title(n.as_str())));
    }
    if let Some(h) = &help {
        report.push(Group::with_title(Level::HELP.secondary_title(h.as_str())));
    }
    let rendered = renderer.render(&report);
    match f.excerpt.as_deref() {
        Some(ex) if ex.cut_before(ex.first_line) > 0 => {
            restore_column(rendered, &path, ex.first_line, ex.cut_before(ex.first_line))
        }
        _ => rendered,
    }
}

/// The renderer names the finding's place (`--> file:line:column`) by counting columns in
/// the text it was given; when the excerpt's first line was cut, that text starts `cut`
/// characters into the line, and the column is moved back to where it is in the file.
fn restore_column(rendered: String, path: &str, line: u32, cut: u32) -> String {
    let head = format!("{path}:{line}:");
    // After the title line, which holds the message.
    let from = rendered.find('\n').unwrap_or(0);
    let Some(at) = rendered[from..].find(&head).map(|i| from + i + head.len()) else {
        return rendered;
    };
    let digits = rendered[at..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    let Ok(col) = rendered[at..at + digits].parse::<u64>() else {
        return rendered;
    };
    format!(
        "{}{}{}",
        &rendered[..at],
        col + u64::from(cut),
        &rendered[at + digits..]
    )
}

// ---- JSON ----------------------------------------------------------------------------

#[derive(Serialize)]
struct JsonPos {
    line: u32,
    /// 1-based, in Unicode code points.
    column: u32,
}

impl From<Pos> for JsonPos {
    fn from(p: Pos) -> Self {
        JsonPos {
            line: p.line,
            column: p.col + 1,
        }
    }
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    file: &'a str,
    start: JsonPos,
    end: JsonPos,
    label: &'a str,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    start: JsonPos,
    end: JsonPos,
    /// The text that replaces the range.
    text: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    description: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    slug: &'static str,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    start: JsonPos,
    end: JsonPos,
    resource: Option<&'a ResourceId>,
    origin: Option<&'a str>,
    /// Made on rendered output and mapped back to this file.
    #[serde(skip_serializing_if = "Option::is_none")]
    rendered: Option<JsonRendered<'a>>,
    related: Vec<JsonRelated<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
    /// With `--from`: where on the upgrade path a version-gated finding takes effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    hop: Option<JsonHop>,
}

/// A version-gated finding on the upgrade path `--from` → `--kube-version`.
#[derive(Serialize)]
pub(crate) struct JsonHop {
    /// `breaks` or `deprecated`.
    change: &'static str,
    /// The minor at which the change takes effect.
    version: String,
    /// The path's start (`--from`).
    #[serde(rename = "upgradeFrom")]
    upgrade_from: String,
    /// The hop whose target is `version`; null when the change is already in effect at
    /// `upgradeFrom`.
    step: Option<JsonStep>,
}

#[derive(Serialize)]
pub(crate) struct JsonStep {
    from: String,
    to: String,
    /// 1-based: the `number`th upgrade of `of`.
    number: u32,
    of: u32,
}

impl JsonHop {
    pub(crate) fn of(p: &crate::finding::Placement) -> JsonHop {
        JsonHop {
            change: p.gate.change.as_str(),
            version: p.gate.at.to_string(),
            upgrade_from: p.start.to_string(),
            step: p.hop.map(|h| JsonStep {
                from: h.from.to_string(),
                to: h.to.to_string(),
                number: h.number,
                of: h.of,
            }),
        }
    }
}

#[derive(Serialize)]
struct JsonRendered<'a> {
    /// `helm` or `kustomize`.
    tool: &'static str,
    /// The chart or overlay directory.
    input: &'a str,
    /// The render's name, when a chart is rendered several ways.
    variant: Option<&'a str>,
    /// The line is the nearest one the source writes, not the field itself.
    approximate: bool,
}

#[derive(Serialize)]
struct JsonNotice<'a> {
    file: &'a str,
    line: Option<u32>,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    documents: usize,
    resources: usize,
    /// Findings silenced by suppressions (not in `findings`).
    suppressed: usize,
    #[serde(flatten)]
    counts: Counts,
    /// Charts not rendered, and their template files, which were not checked (absent when
    /// every chart was rendered).
    #[serde(rename = "unrenderedCharts", skip_serializing_if = "is_zero")]
    unrendered_charts: usize,
    #[serde(rename = "uncheckedTemplates", skip_serializing_if = "is_zero")]
    unchecked_templates: usize,
    /// Charts and overlays rendered, and how many of those renders came from the render
    /// cache (absent when nothing was rendered).
    #[serde(skip_serializing_if = "is_zero")]
    renders: usize,
    #[serde(rename = "rendersFromCache", skip_serializing_if = "is_zero")]
    renders_from_cache: usize,
    /// Overlays not rendered (checked file by file).
    #[serde(rename = "unrenderedOverlays", skip_serializing_if = "is_zero")]
    unrendered_overlays: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Findings as comma-separated JSON objects.
fn json_findings(findings: &[Finding]) -> Vec<u8> {
    let mut out = Vec::with_capacity(findings.len() * 512);
    for (i, f) in findings.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let finding = JsonFinding {
            rule: f.rule.id,
            slug: f.rule.slug,
            severity: f.severity,
            message: &f.message,
            file: &f.file,
            start: f.span.start.into(),
            end: f.span.end.into(),
            resource: f.resource.as_deref(),
            origin: f.origin.as_deref(),
            rendered: f.rendered.as_deref().map(|m| JsonRendered {
                tool: m.from.tool.as_str(),
                input: &m.from.input,
                variant: m.from.variant.as_deref(),
                approximate: m.approximate,
            }),
            related: f
                .related
                .iter()
                .map(|r| JsonRelated {
                    file: r.file.as_deref().unwrap_or(&f.file),
                    start: r.span.start.into(),
                    end: r.span.end.into(),
                    label: &r.label,
                })
                .collect(),
            fix: f.fix.as_deref().map(|fix| JsonFix {
                description: &fix.description,
                edits: fix
                    .edits
                    .iter()
                    .map(|e| JsonEdit {
                        start: e.span.start.into(),
                        end: e.span.end.into(),
                        text: &e.new,
                    })
                    .collect(),
            }),
            hop: f.hop.as_ref().map(JsonHop::of),
        };
        // Writing into a Vec cannot fail; the model has no maps with non-string keys.
        let _ = serde_json::to_writer(&mut out, &finding);
    }
    out
}

/// The JSON report (schema 1, documented in README.md), streamed to `w` one finding at a time:
/// `{"schema", "tool", "version", "findings": [...], "notices": [...], "summary": {...}}`.
pub fn write_json<W: Write>(result: &ScanResult, w: &mut W) -> io::Result<()> {
    write!(
        w,
        "{{\"schema\":1,\"tool\":\"keelhaul\",\"version\":\"{}\",\"findings\":[",
        env!("CARGO_PKG_VERSION")
    )?;
    if result.spilled.is_some() {
        let mut c = Counts::default();
        let mut first = true;
        each_in_order(result, |item| {
            c.add(item.severity());
            if !first {
                w.write_all(b",")?;
            }
            first = false;
            match item {
                Item::Kept(f) => w.write_all(&json_findings(std::slice::from_ref(f))),
                Item::Spilled(_, r) => w.write_all(&r.bytes),
            }
        })?;
        return json_trailer(result, c, w);
    }
    // Findings are serialised in parallel, a batch of chunks at a time (so the buffers in
    // flight stay small), and written in order.
    const CHUNK: usize = 512;
    const CHUNKS_PER_BATCH: usize = 32;
    let chunks: Vec<&[Finding]> = result.findings.chunks(CHUNK).collect();
    let mut first = true;
    for batch in chunks.chunks(CHUNKS_PER_BATCH) {
        let rendered: Vec<Vec<u8>> = batch.par_iter().map(|c| json_findings(c)).collect();
        for bytes in rendered {
            if !first {
                w.write_all(b",")?;
            }
            first = false;
            w.write_all(&bytes)?;
        }
    }
    json_trailer(result, counts(&result.findings), w)
}

/// What follows the findings: the notices and the summary.
fn json_trailer<W: Write>(result: &ScanResult, c: Counts, w: &mut W) -> io::Result<()> {
    w.write_all(b"],\"notices\":")?;
    let notices: Vec<JsonNotice> = result
        .notices
        .iter()
        .map(|n| JsonNotice {
            file: &n.file,
            line: n.line,
            message: &n.message,
        })
        .collect();
    serde_json::to_writer(&mut *w, &notices)?;
    w.write_all(b",\"summary\":")?;
    let summary = JsonSummary {
        files: result.stats.files,
        documents: result.stats.documents,
        resources: result.stats.resources,
        suppressed: result.suppressed.len(),
        counts: c,
        unrendered_charts: result.stats.unrendered.charts,
        unchecked_templates: result.stats.unrendered.templates,
        unrendered_overlays: result.stats.unrendered.overlays,
        renders: result.stats.renders,
        renders_from_cache: result.stats.renders_from_cache,
    };
    serde_json::to_writer(&mut *w, &summary)?;
    w.write_all(b"}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::excerpt::attach_excerpts;
    use crate::rules::input::INVALID_YAML;

    /// The snippet of a finding on a long line, from the cut excerpt, and from one holding
    /// the whole line.
    fn both_ways(text: &str, span: Span, related: Option<Span>) -> (String, String) {
        let mut f = Finding::new(&INVALID_YAML, "list.json".into(), span, "m".into());
        if let Some(r) = related {
            f.related(r, "here too");
        }
        let mut cut = [f.clone()];
        attach_excerpts(text, &[], &mut cut);
        assert!(!cut[0].excerpt.as_deref().unwrap().cut.is_empty());
        let line = text.lines().nth(span.start.line as usize - 1).unwrap();
        f.excerpt = Some(Box::new(Excerpt {
            first_line: span.start.line,
            text: format!("{line}\n"),
            cut: Vec::new(),
        }));
        let r = Renderer::plain();
        (render_finding(&r, &cut[0]), render_finding(&r, &f))
    }

    fn on_line(line: u32, from: u32, to: u32) -> Span {
        Span {
            start: Pos { line, col: from },
            end: Pos { line, col: to },
        }
    }

    #[test]
    fn a_finding_on_a_cut_line_shows_as_on_the_whole_line() {
        let json: String = (0..800)
            .map(|i| format!(r#"{{"name":"p{i}","securityContext":{{"privileged":true}}}},"#))
            .collect();
        let text = format!("[\n{json}\n]\n");
        for (span, related) in [
            (on_line(2, 20_000, 20_004), None),
            (on_line(2, 31_000, 31_017), Some(on_line(2, 30_950, 30_960))),
            (on_line(2, 5_000, 5_000), None),
            (on_line(2, 1_500, 2_000), None),
        ] {
            let (cut, whole) = both_ways(&text, span, related);
            assert_eq!(cut, whole);
            assert!(
                cut.contains(&format!("list.json:2:{}", span.start.col + 1)),
                "{cut}"
            );
        }
    }

    #[test]
    fn the_column_named_is_the_column_in_the_file() {
        let rendered = "error[KH001]: list.json:1:3 in the message\n --> list.json:1:7\n  |\n";
        assert_eq!(
            restore_column(rendered.to_string(), "list.json", 1, 100),
            "error[KH001]: list.json:1:3 in the message\n --> list.json:1:107\n  |\n"
        );
    }
}
