//! The upgrade plan (`keelhaul upgrade-plan`): one block per hop of one minor version, each
//! with the objects whose version-gated findings take effect there and the AKS support of
//! the hop's target, as text for a terminal, GitHub-flavoured Markdown or JSON. The command
//! builds the plan; this module only writes it.

use std::fmt::Write as _;

use serde::Serialize;

use crate::finding::{Change, Finding, Hop, KubeVersion, ResourceId};

/// Where the AKS calendar puts a hop's target minor, as the command judged it.
#[derive(Debug, Clone, Serialize)]
pub struct TargetSupport {
    pub minor: String,
    /// `supported`, `grace`, `ended`, `unknown` or `not-ga`.
    pub status: &'static str,
    /// The last day of community support, when the calendar gives it.
    pub until: Option<String>,
    /// The last day of long-term support (Premium tier with `AKSLongTermSupport`), when the
    /// calendar gives it.
    #[serde(rename = "ltsUntil")]
    pub lts_until: Option<String>,
    /// All of it in words: `support ended 2025-08-22; LTS until 2026-07-31`.
    pub text: String,
}

/// One object's finding that takes effect on the path.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub change: Change,
    /// The minor at which it takes effect.
    pub version: KubeVersion,
    pub finding: &'a Finding,
    /// For a deprecation of something that breaks at a later hop of the path: that hop.
    pub breaks_at: Option<Hop>,
}

impl Entry<'_> {
    /// The finding's message, after what a deprecation entry adds to it.
    fn what(&self) -> String {
        match self.breaks_at {
            Some(h) => format!(
                "breaks later, at the hop {h} (upgrade {} of {}): {}",
                h.number, h.of, self.finding.message
            ),
            None => self.finding.message.to_string(),
        }
    }
}

/// One hop, its target's AKS support, and what takes effect there.
#[derive(Debug, Clone)]
pub struct HopPlan<'a> {
    pub hop: Hop,
    pub support: TargetSupport,
    pub entries: Vec<Entry<'a>>,
}

/// The whole plan.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub from: KubeVersion,
    pub to: KubeVersion,
    /// The date AKS support is judged at.
    pub as_of: String,
    /// When the AKS calendar keelhaul carries was read.
    pub calendar_read: String,
    /// What takes effect at or before `from`: already broken or deprecated there.
    pub before: Vec<Entry<'a>>,
    pub hops: Vec<HopPlan<'a>>,
    /// What stops or stalls every one of the upgrades (the upgrade rules, KH7xx: budgets
    /// that block node drains, node pool settings, version skew), in output order.
    pub every_upgrade: Vec<&'a Finding>,
}

impl Plan<'_> {
    /// How many entries change this way, over the whole path and before it.
    pub fn count(&self, change: Change) -> usize {
        self.before
            .iter()
            .chain(self.hops.iter().flat_map(|h| &h.entries))
            .filter(|e| e.change == change)
            .count()
    }
}

fn count(entries: &[Entry<'_>], change: Change) -> usize {
    entries.iter().filter(|e| e.change == change).count()
}

/// `Deployment shop/web`; a cluster-scoped object without its namespace; `(cluster)` for a
/// finding on an AKS cluster definition.
fn object_of(f: &Finding) -> String {
    if f.resource.is_none() && f.rule.scope == crate::finding::Scope::ClusterDefinition {
        return "(cluster)".to_string();
    }
    object(f.resource.as_deref())
}

/// `Deployment shop/web`; a cluster-scoped object without its namespace.
fn object(r: Option<&ResourceId>) -> String {
    let Some(r) = r else {
        return "(file)".to_string();
    };
    let name = r.name.as_deref().unwrap_or("(unnamed)");
    match &r.namespace {
        Some(ns) => format!("{} {ns}/{name}", r.kind),
        None => format!("{} {name}", r.kind),
    }
}

fn place(f: &Finding) -> String {
    format!("{}:{}", f.file, f.span.start.line)
}

/// `2 break, 1 deprecated`, or `nothing breaks`.
fn tally(entries: &[Entry<'_>]) -> String {
    let (b, d) = (
        count(entries, Change::Breaks),
        count(entries, Change::Deprecated),
    );
    match (b, d) {
        (0, 0) => "nothing breaks".to_string(),
        (b, 0) => format!("{b} break"),
        (0, d) => format!("nothing breaks, {d} deprecated"),
        (b, d) => format!("{b} break, {d} deprecated"),
    }
}

fn hop_title(h: &Hop) -> String {
    format!("{h} (upgrade {} of {})", h.number, h.of)
}

// ---- human ---------------------------------------------------------------------------------

/// For a terminal: a header, then one block per hop; a hop where nothing happens is one line.
pub fn human(plan: &Plan<'_>) -> String {
    let mut out = format!(
        "Upgrade plan: Kubernetes {} → {}, {} upgrade(s) of one minor; AKS support as of {} (calendar read {})\n",
        plan.from,
        plan.to,
        plan.hops.len(),
        plan.as_of,
        plan.calendar_read
    );
    if !plan.every_upgrade.is_empty() {
        let _ = writeln!(
            out,
            "\nAt every upgrade (nodes are drained, node pools upgraded): {}",
            severities(&plan.every_upgrade)
        );
        human_findings(&plan.every_upgrade, &mut out);
    }
    if !plan.before.is_empty() {
        let _ = writeln!(
            out,
            "\nAlready at {}, before the first upgrade: {}",
            plan.from,
            tally(&plan.before)
        );
        human_entries(&plan.before, &mut out);
    }
    for h in &plan.hops {
        let _ = writeln!(
            out,
            "\n{}: {}. AKS {}: {}",
            hop_title(&h.hop),
            tally(&h.entries),
            h.support.minor,
            h.support.text
        );
        human_entries(&h.entries, &mut out);
    }
    let already = count(&plan.before, Change::Breaks);
    let _ = writeln!(
        out,
        "\nFrom {} to {}: {} break{}, {} deprecated.",
        plan.from,
        plan.to,
        plan.count(Change::Breaks),
        if already > 0 {
            format!(" ({already} already at {})", plan.from)
        } else {
            String::new()
        },
        plan.count(Change::Deprecated),
    );
    out
}

/// One aligned line per entry (change, place, object, rule), its message below it.
fn human_entries(entries: &[Entry<'_>], out: &mut String) {
    let lines = entries.iter().map(|e| {
        let f = e.finding;
        let head = [
            e.change.as_str().to_string(),
            place(f),
            object(f.resource.as_deref()),
            f.rule.id.to_string(),
        ];
        (head, e.what())
    });
    aligned(lines.collect(), out);
}

/// Lines of four columns, aligned, each with its message below it; text from the scanned
/// files is cleaned of control characters.
fn aligned(lines: Vec<([String; 4], String)>, out: &mut String) {
    let rows: Vec<[String; 4]> = lines
        .iter()
        .map(|(h, _)| [clean(&h[0]), clean(&h[1]), clean(&h[2]), clean(&h[3])])
        .collect();
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let (w0, w1, w2) = (width(0), width(1), width(2));
    for (row, (_, message)) in rows.iter().zip(&lines) {
        let _ = writeln!(
            out,
            "  {:<w0$}  {:<w1$}  {:<w2$}  {}",
            row[0], row[1], row[2], row[3]
        );
        let _ = writeln!(out, "  {:w0$}  {}", "", clean(message));
    }
}

/// `1 error, 2 warnings`: how many findings of each severity.
fn severities(fs: &[&Finding]) -> String {
    use crate::finding::Severity;
    let n = |s: Severity| fs.iter().filter(|f| f.severity == s).count();
    [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Note, "note"),
    ]
    .iter()
    .filter_map(|&(s, word)| match n(s) {
        0 => None,
        1 => Some(format!("1 {word}")),
        k => Some(format!("{k} {word}s")),
    })
    .collect::<Vec<_>>()
    .join(", ")
}

/// One aligned line per finding (severity, place, object, rule), its message below it.
fn human_findings(fs: &[&Finding], out: &mut String) {
    let lines = fs.iter().map(|f| {
        let head = [
            f.severity.as_str().to_string(),
            place(f),
            object_of(f),
            f.rule.id.to_string(),
        ];
        (head, f.message.to_string())
    });
    aligned(lines.collect(), out);
}

/// Text from the scanned files, without control characters that a terminal would obey.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

// ---- Markdown ------------------------------------------------------------------------------

/// GitHub-flavoured Markdown: a summary table of the hops, then one section and table per
/// hop where something happens.
pub fn markdown(plan: &Plan<'_>) -> String {
    let mut out = format!(
        "## Upgrade plan: Kubernetes {} → {}\n\n{} upgrade(s) of one minor. AKS support as of {} (calendar read {}).\n\n",
        plan.from,
        plan.to,
        plan.hops.len(),
        plan.as_of,
        plan.calendar_read
    );
    out.push_str("| hop | breaks | deprecated | AKS support of the target |\n|---|---|---|---|\n");
    if !plan.before.is_empty() {
        let _ = writeln!(
            out,
            "| already at {} | {} | {} | – |",
            plan.from,
            count(&plan.before, Change::Breaks),
            count(&plan.before, Change::Deprecated)
        );
    }
    for h in &plan.hops {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {}: {} |",
            h.hop,
            count(&h.entries, Change::Breaks),
            count(&h.entries, Change::Deprecated),
            h.support.minor,
            cell(&h.support.text)
        );
    }
    if !plan.every_upgrade.is_empty() {
        let _ = writeln!(
            out,
            "\n### At every upgrade: {}\n\nEach upgrade drains every node and upgrades every node pool.\n\n| severity | where | object | rule | what |\n|---|---|---|---|---|",
            severities(&plan.every_upgrade)
        );
        for f in &plan.every_upgrade {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} |",
                f.severity.as_str(),
                place(f).replace('`', "'"),
                cell(&object_of(f)),
                f.rule.id,
                cell(&f.message)
            );
        }
    }
    if !plan.before.is_empty() {
        let _ = writeln!(
            out,
            "\n### Already at {}, before the first upgrade\n",
            plan.from
        );
        markdown_entries(&plan.before, &mut out);
    }
    for h in &plan.hops {
        let _ = write!(
            out,
            "\n### {}\n\nAKS {}: {}.",
            hop_title(&h.hop),
            h.support.minor,
            cell(&h.support.text)
        );
        if h.entries.is_empty() {
            out.push_str(" Nothing breaks.\n");
        } else {
            out.push_str("\n\n");
            markdown_entries(&h.entries, &mut out);
        }
    }
    out
}

fn markdown_entries(entries: &[Entry<'_>], out: &mut String) {
    out.push_str("| change | where | object | rule | what |\n|---|---|---|---|---|\n");
    for e in entries {
        let f = e.finding;
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} |",
            e.change.as_str(),
            place(f).replace('`', "'"),
            cell(&object(f.resource.as_deref())),
            f.rule.id,
            cell(&e.what())
        );
    }
}

/// Text for a table cell: one line, pipes escaped, no HTML.
fn cell(s: &str) -> String {
    clean(s)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

// ---- JSON ----------------------------------------------------------------------------------

#[derive(Serialize)]
struct JsonPlan<'a> {
    schema: u32,
    tool: &'static str,
    version: &'static str,
    from: String,
    to: String,
    #[serde(rename = "asOf")]
    as_of: &'a str,
    #[serde(rename = "calendarRead")]
    calendar_read: &'a str,
    #[serde(rename = "alreadyAtFrom")]
    already_at_from: Vec<JsonEntry<'a>>,
    hops: Vec<JsonHopPlan<'a>>,
    /// What stops or stalls every upgrade of the path (KH7xx).
    #[serde(rename = "everyUpgrade")]
    every_upgrade: Vec<JsonFinding<'a>>,
    summary: JsonTally,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    slug: &'static str,
    severity: crate::finding::Severity,
    file: &'a str,
    line: u32,
    column: u32,
    resource: Option<&'a ResourceId>,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonHopPlan<'a> {
    from: String,
    to: String,
    number: u32,
    of: u32,
    #[serde(rename = "aksSupport")]
    aks_support: &'a TargetSupport,
    #[serde(flatten)]
    tally: JsonTally,
    entries: Vec<JsonEntry<'a>>,
}

#[derive(Serialize)]
struct JsonTally {
    breaks: usize,
    deprecated: usize,
}

#[derive(Serialize)]
struct JsonEntry<'a> {
    change: &'static str,
    version: String,
    #[serde(flatten)]
    finding: JsonFinding<'a>,
    /// For a deprecation of something that breaks at a later hop: that hop.
    #[serde(rename = "breaksAt", skip_serializing_if = "Option::is_none")]
    breaks_at: Option<JsonHopRef>,
}

#[derive(Serialize)]
struct JsonHopRef {
    from: String,
    to: String,
    number: u32,
}

fn json_entries<'a>(entries: &[Entry<'a>]) -> Vec<JsonEntry<'a>> {
    entries
        .iter()
        .map(|e| JsonEntry {
            change: e.change.as_str(),
            version: e.version.to_string(),
            finding: json_finding(e.finding),
            breaks_at: e.breaks_at.map(|h| JsonHopRef {
                from: h.from.to_string(),
                to: h.to.to_string(),
                number: h.number,
            }),
        })
        .collect()
}

fn json_finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        rule: f.rule.id,
        slug: f.rule.slug,
        severity: f.severity,
        file: &f.file,
        line: f.span.start.line,
        column: f.span.start.col + 1,
        resource: f.resource.as_deref(),
        message: &f.message,
    }
}

fn json_tally(entries: &[Entry<'_>]) -> JsonTally {
    JsonTally {
        breaks: count(entries, Change::Breaks),
        deprecated: count(entries, Change::Deprecated),
    }
}

/// The plan as one JSON object (documented in docs/upgrade-plan.md).
pub fn json(plan: &Plan<'_>) -> String {
    let doc = JsonPlan {
        schema: 1,
        tool: "keelhaul",
        version: env!("CARGO_PKG_VERSION"),
        from: plan.from.to_string(),
        to: plan.to.to_string(),
        as_of: &plan.as_of,
        calendar_read: &plan.calendar_read,
        already_at_from: json_entries(&plan.before),
        hops: plan
            .hops
            .iter()
            .map(|h| JsonHopPlan {
                from: h.hop.from.to_string(),
                to: h.hop.to.to_string(),
                number: h.hop.number,
                of: h.hop.of,
                aks_support: &h.support,
                tally: json_tally(&h.entries),
                entries: json_entries(&h.entries),
            })
            .collect(),
        every_upgrade: plan.every_upgrade.iter().map(|f| json_finding(f)).collect(),
        summary: JsonTally {
            breaks: plan.count(Change::Breaks),
            deprecated: plan.count(Change::Deprecated),
        },
    };
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}
