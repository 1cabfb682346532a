//! SARIF 2.1.0 for GitHub code scanning: one run, one rule descriptor per registered rule
//! (its page as help), results with a repository-relative location, a 1-based region in
//! Unicode code points, GitHub's line fingerprint, related locations and fixes.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactChange, ArtifactContent, ArtifactLocation, Fix, Location, Message,
    MultiformatMessageString, PhysicalLocation, PropertyBag, Region, Replacement,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run,
    RunAutomationDetails, Sarif, Tool, ToolComponent,
};

use crate::finding::result::ScanResult;
use crate::finding::{Family, Finding, RuleDoc, RuleMeta, Severity};
use crate::span::Span;

/// The key of `originalUriBaseIds` that every relative artifact URI hangs from.
pub const SRCROOT: &str = "%SRCROOT%";

pub struct SarifOptions<'a> {
    /// The repository root that artifact URIs are relative to.
    pub root: &'a Path,
    /// `automationDetails.id` is `<category>/` when set (keeps several uploads for one
    /// commit apart).
    pub category: Option<&'a str>,
    /// Every rule, in the order of the run's rule list (results name them by index).
    pub rules: &'a [RuleDoc],
}

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Note => ResultLevel::Note,
    }
}

/// The first paragraph of the page's "What it checks" section, else the title.
fn full_description(m: &RuleMeta) -> String {
    let page = m.page;
    let body = page
        .split("\n## ")
        .find(|s| s.starts_with("What it checks"))
        .and_then(|s| s.split_once('\n').map(|(_, rest)| rest))
        .unwrap_or("");
    let para = body
        .split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty())
        .unwrap_or(m.title);
    let flat = para.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate(&flat, 1000)
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max - 1;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

fn descriptor(doc: &RuleDoc) -> ReportingDescriptor {
    let m = doc.meta;
    let page = doc.page.clone().into_owned();
    let mut props = BTreeMap::new();
    props.insert("precision".to_string(), json!(m.precision.as_str()));
    props.insert(
        "problem.severity".to_string(),
        json!(match m.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "recommendation",
        }),
    );
    let mut tags = vec!["kubernetes".to_string(), m.family.as_str().to_string()];
    if let Some(score) = m.security_severity {
        tags.insert(0, "security".to_string());
        props.insert("security-severity".to_string(), json!(score));
    }
    if let Some(c) = m.pss_control {
        tags.push("pod-security-standards".to_string());
        props.insert("podSecurityControl".to_string(), json!(c));
    }
    let bag = PropertyBag::builder()
        .tags(tags)
        .additional_properties(props)
        .build();
    let d = ReportingDescriptor::builder()
        .id(m.id)
        .name(m.slug)
        .short_description(MultiformatMessageString::builder().text(m.title).build())
        .full_description(
            MultiformatMessageString::builder()
                .text(full_description(m))
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(doc.help_text.map_or_else(|| page.clone(), str::to_string))
                .markdown(page)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(m.severity.as_str()))
                .build(),
        )
        .properties(bag);
    match help_uri(m) {
        Some(uri) => d.help_uri(uri).build(),
        None => d.build(),
    }
}

/// The rule's page in keelhaul's repository, when the package names one.
fn help_uri(m: &RuleMeta) -> Option<String> {
    let repo = env!("CARGO_PKG_REPOSITORY");
    // A custom rule's page is in the configuration, not in keelhaul's repository.
    (!repo.is_empty() && m.family != Family::Custom).then(|| {
        format!(
            "{}/blob/main/rules/{}-{}.md",
            repo.trim_end_matches('/'),
            m.id,
            m.slug
        )
    })
}

/// A 1-based region; a point covers the character at it (SARIF regions are end-exclusive).
fn region(span: Span) -> Region {
    let start_col = span.start.col as i64 + 1;
    let mut end_col = span.end.col as i64 + 1;
    if span.end.line == span.start.line && end_col <= start_col {
        end_col = start_col + 1;
    }
    Region::builder()
        .start_line(span.start.line.max(1) as i64)
        .start_column(start_col)
        .end_line(span.end.line.max(span.start.line).max(1) as i64)
        .end_column(end_col)
        .build()
}

/// The repository-relative path of every file the findings name, worked out once per file
/// (it resolves links on disk).
struct Paths<'a> {
    relative: std::collections::HashMap<&'a str, Option<String>>,
}

impl<'a> Paths<'a> {
    fn new(findings: &'a [Finding], suppressed: &'a [Finding], root: &Path) -> Paths<'a> {
        use rayon::prelude::*;
        let mut files: Vec<&'a str> = Vec::new();
        let mut last: Option<&str> = None;
        for f in findings.iter().chain(suppressed) {
            if last != Some(&*f.file) {
                files.push(&f.file);
                last = Some(&f.file);
            }
            files.extend(f.related.iter().filter_map(|r| r.file.as_deref()));
        }
        files.sort_unstable();
        files.dedup();
        let relative = files
            .par_iter()
            .map(|&f| (f, crate::discover::paths::repo_relative(f, root)))
            .collect();
        Paths { relative }
    }

    /// An artifact location: relative to the repository root when the file lies in it.
    fn artifact(&self, file: &str) -> ArtifactLocation {
        match self.relative.get(file).cloned().flatten() {
            Some(rel) => ArtifactLocation::builder()
                .uri(percent_encode_path(&rel))
                .uri_base_id(SRCROOT)
                .build(),
            None if file == "<stdin>" => ArtifactLocation::builder().uri("stdin").build(),
            None => ArtifactLocation::builder()
                .uri(percent_encode_path(&file.replace('\\', "/")))
                .build(),
        }
    }
}

/// A path as a relative URI reference: every byte that is not unreserved or `/` encoded.
fn percent_encode_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn sarif_result(f: &Finding, index: Option<usize>, paths: &Paths<'_>) -> SarifResult {
    let mut location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(paths.artifact(&f.file))
                .region(region(f.span))
                .build(),
        )
        .build();
    if let Some(m) = &f.rendered {
        location.message = Some(Message::builder().text(m.describe()).build());
    }
    let related = related_locations(f, paths);
    let props = result_properties(f);
    let mut res = SarifResult::builder()
        .rule_id(f.rule.id)
        .level(level(f.severity))
        .message(Message::builder().text(f.message.to_string()).build())
        .locations(vec![location])
        .build();
    if !related.is_empty() {
        res.related_locations = Some(related);
    }
    res.rule_index = index.map(|i| i as i64);
    if let Some(h) = &f.line_hash {
        res.partial_fingerprints = Some(BTreeMap::from([(
            "primaryLocationLineHash".to_string(),
            h.to_string(),
        )]));
    }
    if !props.is_empty() {
        res.properties = Some(PropertyBag::builder().additional_properties(props).build());
    }
    if let Some(why) = &f.suppressed {
        let mut sup = serde_sarif::sarif::Suppression::builder()
            .kind(json!("inSource"))
            .build();
        if !why.is_empty() {
            sup.justification = Some(why.to_string());
        }
        res.suppressions = Some(vec![sup]);
    }
    if let Some(fix) = &f.fix {
        res.fixes = Some(vec![sarif_fix(f, fix, paths)]);
    }
    res
}

/// The finding's related places, numbered from 1, each with its label.
fn related_locations(f: &Finding, paths: &Paths<'_>) -> Vec<Location> {
    f.related
        .iter()
        .enumerate()
        .map(|(i, r)| {
            Location::builder()
                .id(i as i64 + 1)
                .physical_location(
                    PhysicalLocation::builder()
                        .artifact_location(paths.artifact(r.file.as_deref().unwrap_or(&f.file)))
                        .region(region(r.span))
                        .build(),
                )
                .message(Message::builder().text(r.label.to_string()).build())
                .build()
        })
        .collect()
}

/// The result's properties: the resource, and what rendered it (or its Helm template).
fn result_properties(f: &Finding) -> BTreeMap<String, serde_json::Value> {
    let mut props = BTreeMap::new();
    if let Some(r) = &f.resource {
        props.insert("resource".to_string(), json!(&**r));
    }
    if let Some(m) = &f.rendered {
        props.insert(
            "rendered".to_string(),
            json!({
                "tool": m.from.tool.as_str(),
                "input": &*m.from.input,
                "variant": m.from.variant.as_deref(),
            }),
        );
        // The line is the nearest one the source writes: said on the result and on its
        // location, where viewers show it.
        props.insert("approximateLocation".to_string(), json!(m.approximate));
    } else if let Some(o) = &f.origin {
        props.insert("helmTemplate".to_string(), json!(&**o));
    }
    props
}

/// A finding's fix as a SARIF fix: its edits as replacements in the finding's file.
fn sarif_fix(f: &Finding, fix: &crate::finding::fix::Fix, paths: &Paths<'_>) -> Fix {
    let replacements: Vec<Replacement> = fix
        .edits
        .iter()
        .map(|e| {
            Replacement::builder()
                .deleted_region(region_exact(e.span))
                .inserted_content(ArtifactContent::builder().text(e.new.to_string()).build())
                .build()
        })
        .collect();
    Fix::builder()
        .description(Message::builder().text(fix.description.to_string()).build())
        .artifact_changes(vec![
            ArtifactChange::builder()
                .artifact_location(paths.artifact(&f.file))
                .replacements(replacements)
                .build(),
        ])
        .build()
}

/// A region exactly as the span is (a fix deletes precisely these characters).
fn region_exact(span: Span) -> Region {
    Region::builder()
        .start_line(span.start.line as i64)
        .start_column(span.start.col as i64 + 1)
        .end_line(span.end.line as i64)
        .end_column(span.end.col as i64 + 1)
        .build()
}

/// The SARIF log of a scan, with the results in place of `results` (`None`: all of them).
fn sarif_log(
    result: &ScanResult,
    opts: &SarifOptions<'_>,
    results: Option<Vec<SarifResult>>,
) -> Sarif {
    let descriptors: Vec<ReportingDescriptor> = opts.rules.iter().map(descriptor).collect();
    let results = results.unwrap_or_else(|| {
        let paths = Paths::new(&result.findings, &result.suppressed, opts.root);
        result
            .findings
            .iter()
            .chain(&result.suppressed)
            .map(|f| sarif_result(f, rule_index(opts.rules, f), &paths))
            .collect()
    });
    let version = env!("CARGO_PKG_VERSION");
    let mut driver = ToolComponent::builder()
        .name("keelhaul")
        .version(version)
        .semantic_version(version)
        .rules(descriptors)
        .build();
    let repo = env!("CARGO_PKG_REPOSITORY");
    if !repo.is_empty() {
        driver.information_uri = Some(repo.to_string());
    }
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .build();
    run.column_kind = Some(json!("unicodeCodePoints"));
    run.original_uri_base_ids = Some(BTreeMap::from([(
        SRCROOT.to_string(),
        ArtifactLocation::builder()
            .description(Message::builder().text("the repository root").build())
            .build(),
    )]));
    if let Some(c) = opts.category.filter(|c| !c.is_empty()) {
        run.automation_details = Some(
            RunAutomationDetails::builder()
                .id(format!("{}/", c.trim_end_matches('/')))
                .build(),
        );
    }
    Sarif::builder()
        .schema(serde_sarif::sarif::SCHEMA_URL)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

fn rule_index(rules: &[RuleDoc], f: &Finding) -> Option<usize> {
    rules.iter().position(|r| std::ptr::eq(r.meta, f.rule))
}

/// The SARIF log of a scan, whole (for callers that want the model).
pub fn sarif(result: &ScanResult, opts: &SarifOptions<'_>) -> Sarif {
    sarif_log(result, opts, None)
}

/// Writes the SARIF log as JSON. The results are streamed: serialised in parallel, a batch
/// at a time, into the place of the empty results array of the log written around them, so
/// a scan with a hundred thousand findings does not hold them all as SARIF objects at once.
pub fn write_sarif<W: std::io::Write>(
    result: &ScanResult,
    opts: &SarifOptions<'_>,
    w: &mut W,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    let frame = serde_json::to_string(&sarif_log(result, opts, Some(Vec::new())))
        .map_err(std::io::Error::other)?;
    const EMPTY: &str = "\"results\":[]";
    let Some(at) = frame
        .find(EMPTY)
        .filter(|_| frame.matches(EMPTY).count() == 1)
    else {
        // Not expected; the whole model then.
        serde_json::to_writer(&mut *w, &sarif(result, opts)).map_err(std::io::Error::other)?;
        return w.write_all(b"\n");
    };
    let split = at + EMPTY.len() - 1;
    let paths = Paths::new(&result.findings, &result.suppressed, opts.root);
    w.write_all(&frame.as_bytes()[..split])?;
    const CHUNK: usize = 512;
    const CHUNKS_PER_BATCH: usize = 32;
    let chunks: Vec<&[Finding]> = result
        .findings
        .chunks(CHUNK)
        .chain(result.suppressed.chunks(CHUNK))
        .collect();
    let mut first = true;
    for batch in chunks.chunks(CHUNKS_PER_BATCH) {
        let rendered: Vec<Vec<u8>> = batch
            .par_iter()
            .map(|c| {
                let mut out = Vec::with_capacity(c.len() * 1024);
                for (i, f) in c.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    // Writing into a Vec cannot fail.
                    let _ = serde_json::to_writer(
                        &mut out,
                        &sarif_result(f, rule_index(opts.rules, f), &paths),
                    );
                }
                out
            })
            .collect();
        for bytes in rendered {
            if !first {
                w.write_all(b",")?;
            }
            first = false;
            w.write_all(&bytes)?;
        }
    }
    w.write_all(&frame.as_bytes()[split..])?;
    w.write_all(b"\n")
}
