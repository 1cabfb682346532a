//! Suppressions: where a team says a finding is wrong for them, and why.
//!
//! - A comment `# keelhaul:ignore KH101,privileged -- reason` on the finding's line, or alone on
//!   the line above it; alone at the top of a document (before its first key), for the whole
//!   document; `# keelhaul:ignore-file KH101 -- reason` anywhere, for the whole file. No rule
//!   list means every rule.
//! - Annotations on the object or on its pod template: `keelhaul.dev/ignore: "KH101,KH102"`
//!   for the object, `keelhaul.dev/ignore.<container>: "KH101"` for one container; the reason
//!   in `keelhaul.dev/ignore-reason` or after ` -- ` in the value.
//!
//! Suppressed findings leave the report (SARIF keeps them, with the justification). A
//! suppression without a reason or naming no known rule is reported (KH008), and one that
//! suppresses nothing is reported as unused (KH009), each on its own line.
//!
//! Kustomize drops comments: for findings mapped back to a base or patch, its comments are
//! read from the file itself.

use std::collections::HashMap;
use std::sync::Arc;

use super::covering::{Cover, Covering};
use crate::finding::Finding;
use crate::finding::result::ScanResult;
use crate::index::{self, workload_of};
use crate::load::render::Tool;
use crate::load::{self, Document};
use crate::rules::custom::CustomRule;
use crate::rules::input::{SUPPRESSION_INVALID, SUPPRESSION_UNUSED};
use crate::span::{Pos, Span};

pub const ANNOTATION: &str = "keelhaul.dev/ignore";
pub const REASON_ANNOTATION: &str = "keelhaul.dev/ignore-reason";
const COMMENT: &str = "keelhaul:ignore";

/// Which lines of a file a suppression covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Findings starting on these lines (inclusive).
    Lines(u32, u32),
    File,
}

/// One suppression of a file.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// Where it is written (the comment, or the annotation's key).
    pub at: Span,
    pub scope: Scope,
    /// Rule ids, resolved from ids or slugs; empty: every rule.
    pub rules: Vec<&'static str>,
    /// Names that are no rule.
    pub unknown: Vec<String>,
    /// A container annotation naming a container the pod does not have.
    pub missing_container: Option<String>,
    pub reason: Option<String>,
    /// How it was written, for messages (`comment`, `annotation keelhaul.dev/ignore.app`).
    pub form: String,
    pub used: bool,
}

impl Suppression {
    /// Moves a suppression found in a part of its file that starts on line `by + 1` to the
    /// file's lines.
    pub fn shift_lines(&mut self, by: u32) {
        self.at = self.at.shifted(by);
        if let Scope::Lines(a, b) = self.scope {
            self.scope = Scope::Lines(a.saturating_add(by), b.saturating_add(by));
        }
    }
}

/// Rule ids or slugs, separated by commas or spaces; `(known ids, unknown names)`. The
/// configuration's custom rules (`custom`) are known too.
fn parse_rules(list: &str, custom: &[&'static CustomRule]) -> (Vec<&'static str>, Vec<String>) {
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for name in list.split([',', ' ', '\t']).filter(|s| !s.is_empty()) {
        match crate::rules::find_in(name, custom) {
            Some(r) => known.push(r.meta().id),
            None => unknown.push(name.to_string()),
        }
    }
    (known, unknown)
}

/// `RULES -- reason` → (rules, reason).
/// The rule list ends at ` -- ` or at another comment (`# ...`) written after it.
fn split_reason(s: &str) -> (&str, Option<String>) {
    let (rules, reason) = match s.split_once("--") {
        Some((rules, reason)) => {
            let reason = reason.trim();
            (rules, (!reason.is_empty()).then(|| reason.to_string()))
        }
        None => (s, None),
    };
    (rules.split('#').next().unwrap_or(""), reason)
}

/// Where a comment starts on this line, if any: a `#` (or, with `slashes`, a `//`) at the
/// start or after a space, outside quotes: (column in characters, byte, marker length).
fn comment_start(line: &str, slashes: bool) -> Option<(usize, usize, usize)> {
    let (mut single, mut double) = (false, false);
    let mut prev = ' ';
    for (col, (byte, c)) in line.char_indices().enumerate() {
        let at_word = prev == ' ' || prev == '\t' || col == 0;
        match c {
            '\'' if !double => single = !single,
            '"' if !single && prev != '\\' => double = !double,
            '#' if !single && !double && at_word => {
                return Some((col, byte, 1));
            }
            '/' if slashes && !single && !double && at_word && line[byte..].starts_with("//") => {
                return Some((col, byte, 2));
            }
            _ => {}
        }
        prev = c;
    }
    None
}

/// Every suppression written in `text` (comments) and in its objects (annotations).
/// `empty`: the lines of the documents with nothing in them (`load::Loaded::empty`).
pub fn find(
    text: &str,
    docs: &[Arc<Document>],
    empty: &[u32],
    default_namespace: &str,
    custom: &[&'static CustomRule],
) -> Vec<Suppression> {
    let mut out = Vec::new();
    if text.contains(COMMENT) {
        comments(text, docs, empty, false, custom, &mut out);
    }
    if text.contains(ANNOTATION) {
        for doc in docs {
            annotations(doc, default_namespace, custom, &mut out);
        }
    }
    out
}

/// The suppression comments of a file that is not YAML (a script, Terraform: `#`; Bicep:
/// `//` as well).
pub fn find_comments(
    text: &str,
    slashes: bool,
    custom: &[&'static CustomRule],
) -> Vec<Suppression> {
    let mut out = Vec::new();
    if text.contains(COMMENT) {
        comments(text, &[], &[], slashes, custom, &mut out);
    }
    out
}

fn comments(
    text: &str,
    docs: &[Arc<Document>],
    empty: &[u32],
    slashes: bool,
    custom: &[&'static CustomRule],
    out: &mut Vec<Suppression>,
) {
    let lines: Vec<&str> = text.lines().collect();
    // The first line of each document's content, to tell "the top of a document" (an empty
    // document's is where it ends: a comment above it is not at the top of the next one).
    let mut doc_starts: Vec<(u32, u32)> = docs
        .iter()
        .filter_map(|d| {
            let r = d.root?;
            let s = d.span(r);
            Some((s.start.line, s.end.line))
        })
        .chain(empty.iter().map(|&l| (l, l)))
        .collect();
    doc_starts.sort_unstable();
    let around = Surroundings::new(&lines);
    for (i, line) in lines.iter().enumerate() {
        let Some((col, byte, marker)) = comment_start(line, slashes) else {
            continue;
        };
        let body = line[byte + marker..].trim_start();
        let Some(rest) = body.strip_prefix(COMMENT) else {
            continue;
        };
        let (file_wide, rest) = match rest.strip_prefix("-file") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        // `keelhaul:ignored` or another word is not a directive.
        if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
            continue;
        }
        let n = i as u32 + 1;
        let alone = line[..byte].trim().is_empty();
        let scope = if file_wide {
            Scope::File
        } else if !alone {
            Scope::Lines(n, n)
        } else {
            // Alone at the top of a document: everything up to its first content line is
            // comments, blanks or the `---` marker, and so is everything above it back to
            // the marker (or the start of the file). The first document below is the only
            // candidate: lines before a later one include that document's content.
            let next_doc = doc_starts[doc_starts.partition_point(|(start, _)| *start <= n)..]
                .first()
                .filter(|(start, _)| {
                    around.only_trivia(i + 1, (*start as usize - 1).min(lines.len()))
                        && (n == 1 || around.after_marker(i))
                });
            match next_doc {
                Some(&(start, end)) => Scope::Lines(start, end),
                None => Scope::Lines(n + 1, n + 1),
            }
        };
        let (rules, reason) = split_reason(rest);
        let (rules, unknown) = parse_rules(rules, custom);
        let width = line.chars().count() as u32;
        out.push(Suppression {
            at: Span {
                start: Pos {
                    line: n,
                    col: col as u32,
                },
                end: Pos {
                    line: n,
                    col: width,
                },
            },
            scope,
            rules,
            unknown,
            missing_container: None,
            reason,
            form: if file_wide {
                "comment keelhaul:ignore-file".into()
            } else {
                "comment keelhaul:ignore".into()
            },
            used: false,
        });
    }
}

/// What surrounds each line of a text, worked out once, so that telling whether a comment
/// stands at the top of a document does not read the lines around it again for each comment.
struct Surroundings {
    /// For each line index, the index of the first line at or after it that is not blank, a
    /// comment or a `---` marker (the number of lines when there is none).
    next_content: Vec<usize>,
    /// For each line index, whether the last line before it that is not blank or a comment
    /// is a `---` marker (true when there is none).
    after_marker: Vec<bool>,
}

impl Surroundings {
    fn new(lines: &[&str]) -> Surroundings {
        let mut next_content = vec![lines.len(); lines.len() + 1];
        for (i, l) in lines.iter().enumerate().rev() {
            let t = l.trim();
            let trivia = t.is_empty() || t.starts_with('#') || t.starts_with("---");
            next_content[i] = if trivia { next_content[i + 1] } else { i };
        }
        let mut after_marker = Vec::with_capacity(lines.len());
        let mut last_was_marker = true;
        for l in lines {
            after_marker.push(last_was_marker);
            let t = l.trim();
            if !t.is_empty() && !t.starts_with('#') {
                last_was_marker = t.starts_with("---");
            }
        }
        Surroundings {
            next_content,
            after_marker,
        }
    }

    /// Whether lines `from..to` (indices) are all blanks, comments or markers.
    fn only_trivia(&self, from: usize, to: usize) -> bool {
        from >= to || self.next_content[from] >= to
    }

    fn after_marker(&self, i: usize) -> bool {
        self.after_marker[i]
    }
}

fn annotations(
    doc: &Document,
    default_namespace: &str,
    custom: &[&'static CustomRule],
    out: &mut Vec<Suppression>,
) {
    for r in index::resources_of(doc, default_namespace).unwrap_or_default() {
        let object = doc.span(r.node);
        let object_lines = Scope::Lines(object.start.line, object.end.line);
        let mut maps = Vec::new();
        if let Some(a) = r.metadata().and_then(|m| doc.get(m, "annotations")) {
            maps.push(a);
        }
        let workload = workload_of(&r);
        if let Some(a) = workload
            .as_ref()
            .and_then(|w| w.pod_meta)
            .filter(|m| Some(*m) != r.metadata())
            .and_then(|m| doc.get(m, "annotations"))
        {
            maps.push(a);
        }
        // The pod's containers by name (the first of a name, in the order of the lists), so
        // that many container annotations do not each look through every container.
        let mut containers: HashMap<&str, load::NodeId> = HashMap::new();
        if let Some(w) = workload.as_ref() {
            for list in ["initContainers", "containers", "ephemeralContainers"] {
                let Some(l) = doc.get(w.pod_spec, list) else {
                    continue;
                };
                for &c in doc.items(l) {
                    if let Some(name) = doc.get_str(c, "name") {
                        containers.entry(name).or_insert(c);
                    }
                }
            }
        }
        for map in maps {
            let shared_reason = doc
                .get_str(map, REASON_ANNOTATION)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            for e in doc.entries(map) {
                let Some(key) = doc.scalar(e.key) else {
                    continue;
                };
                let scope = if key == ANNOTATION {
                    object_lines
                } else if let Some(container) = key
                    .strip_prefix(ANNOTATION)
                    .and_then(|k| k.strip_prefix('.'))
                {
                    // The container's item in the pod spec, whichever list it is in.
                    match containers.get(container).copied() {
                        Some(c) => {
                            let s = doc.span(c);
                            Scope::Lines(s.start.line, s.end.line)
                        }
                        None => {
                            // A container that does not exist: nothing to suppress.
                            out.push(Suppression {
                                at: doc.span(e.key),
                                scope: Scope::Lines(0, 0),
                                rules: Vec::new(),
                                unknown: Vec::new(),
                                missing_container: Some(container.to_string()),
                                reason: Some(String::new()),
                                form: format!("annotation {key}"),
                                used: false,
                            });
                            continue;
                        }
                    }
                } else {
                    continue;
                };
                let value = doc.scalar(e.value).unwrap_or("");
                let (rules, reason) = split_reason(value);
                let (rules, unknown) = parse_rules(rules, custom);
                out.push(Suppression {
                    at: doc.span(e.key),
                    scope,
                    rules,
                    unknown,
                    missing_container: None,
                    reason: reason.or_else(|| shared_reason.clone()),
                    form: format!("annotation {key}"),
                    used: false,
                });
            }
        }
    }
}

/// Applies a file's suppressions to its findings: suppressed ones move to `suppressed` with
/// their justification; suppressions that are invalid or unused become findings.
/// `enabled`: the rules that ran (a suppression of a rule that did not run is not unused).
pub fn apply(
    file: &Arc<str>,
    mut sups: Vec<Suppression>,
    findings: &mut Vec<Finding>,
    suppressed: &mut Vec<Finding>,
    enabled: &[&'static str],
) {
    // What each finding is looked up by; none for findings about suppressions themselves,
    // which are not suppressible by them, and for those of other files.
    let lines: Vec<Option<(u32, &'static str)>> = findings
        .iter()
        .map(|f| {
            let meta = std::ptr::eq(f.rule, &SUPPRESSION_INVALID)
                || std::ptr::eq(f.rule, &SUPPRESSION_UNUSED);
            (!meta && *f.file == **file).then_some((f.span.start.line, f.rule.id))
        })
        .collect();
    let covers: Vec<Cover<'_>> = sups
        .iter()
        .map(|s| Cover {
            lines: match s.scope {
                Scope::File => (0, u32::MAX),
                Scope::Lines(a, b) => (a, b),
            },
            rules: &s.rules,
            reason: s.reason.as_deref(),
        })
        .collect();
    let (verdicts, used) = Covering::new(&covers).apply(&lines);
    for (s, used) in sups.iter_mut().zip(used) {
        s.used |= used;
    }
    let mut kept = Vec::with_capacity(findings.len());
    for (mut f, why) in findings.drain(..).zip(verdicts) {
        match why {
            Some(why) => {
                f.suppressed = Some(why.into_boxed_str());
                suppressed.push(f);
            }
            None => kept.push(f),
        }
    }
    *findings = kept;
    for s in &sups {
        if let Some(c) = &s.missing_container {
            findings.push(Finding::new(
                &SUPPRESSION_INVALID,
                file.clone(),
                s.at,
                format!(
                    "{} names container {c:?}, which this pod does not have: it suppresses nothing",
                    s.form
                ),
            ));
            continue;
        }
        if !s.unknown.is_empty() {
            findings.push(Finding::new(
                &SUPPRESSION_INVALID,
                file.clone(),
                s.at,
                format!(
                    "{} names no rule keelhaul has: {} (see `keelhaul rules`)",
                    s.form,
                    s.unknown.join(", ")
                ),
            ));
            continue;
        }
        if s.reason.is_none() {
            findings.push(Finding::new(
                &SUPPRESSION_INVALID,
                file.clone(),
                s.at,
                format!(
                    "{} gives no reason: say why after ` -- ` (or in {REASON_ANNOTATION}), so the next reader knows",
                    s.form
                ),
            ));
        }
        let all_ran = if s.rules.is_empty() {
            true
        } else {
            s.rules.iter().all(|r| enabled.contains(r))
        };
        if !s.used && all_ran {
            let what = if s.rules.is_empty() {
                "any rule".to_string()
            } else {
                s.rules.join(", ")
            };
            findings.push(Finding::new(
                &SUPPRESSION_UNUSED,
                file.clone(),
                s.at,
                format!(
                    "{} suppresses nothing: no finding of {what} is where it applies; remove it",
                    s.form
                ),
            ));
        }
    }
}

/// Applies each file's suppressions to the result's findings of that file (files in name
/// order): suppressed ones move to `result.suppressed`. Returns the findings about the
/// suppressions themselves (KH008, KH009) that this added, without snippets, for the caller
/// to attach them while it can read the file; the result's findings are the others.
/// `enabled`: the rules that ran.
pub fn apply_all(
    result: &mut ScanResult,
    mut by_file: HashMap<Arc<str>, Vec<Suppression>>,
    enabled: &[&'static str],
) -> Vec<Finding> {
    let mut of_file: HashMap<Arc<str>, Vec<Finding>> = HashMap::new();
    let mut rest = Vec::with_capacity(result.findings.len());
    for f in result.findings.drain(..) {
        if by_file.contains_key(&f.file) {
            of_file.entry(f.file.clone()).or_default().push(f);
        } else {
            rest.push(f);
        }
    }
    let mut added = Vec::new();
    let mut files: Vec<Arc<str>> = by_file.keys().cloned().collect();
    files.sort();
    for file in files {
        let sups = by_file.remove(&file).unwrap_or_default();
        let mut findings = of_file.remove(&file).unwrap_or_default();
        apply(&file, sups, &mut findings, &mut result.suppressed, enabled);
        for f in findings {
            if f.excerpt.is_none()
                && (std::ptr::eq(f.rule, &SUPPRESSION_INVALID)
                    || std::ptr::eq(f.rule, &SUPPRESSION_UNUSED))
            {
                added.push(f);
            } else {
                rest.push(f);
            }
        }
    }
    result.findings = rest;
    added
}

/// The `# keelhaul:ignore` comments of the Kustomize bases and patches that `findings` were
/// mapped back to, by file, read from the files themselves: Kustomize drops comments. (Helm
/// keeps a template's comments in its output, where they were already applied; annotations
/// survive both tools, so they are not taken again here.) Files without any are left out.
pub fn in_kustomize_sources<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    default_namespace: &str,
    custom: &[&'static CustomRule],
) -> HashMap<Arc<str>, Vec<Suppression>> {
    let mut sups: HashMap<Arc<str>, Vec<Suppression>> = HashMap::new();
    for f in findings {
        let Some(m) = &f.rendered else { continue };
        if m.from.tool != Tool::Kustomize || sups.contains_key(&f.file) {
            continue;
        }
        let found = std::fs::read(&*f.file)
            .ok()
            .and_then(|b| load::decode(&b).ok().map(std::borrow::Cow::into_owned))
            .filter(|t| t.contains(COMMENT))
            .map(|t| {
                let loaded = load::load_text(&t);
                let docs: Vec<Arc<Document>> = loaded.docs.into_iter().map(Arc::new).collect();
                find(&t, &docs, &loaded.empty, default_namespace, custom)
                    .into_iter()
                    .filter(|s| !s.form.starts_with("annotation"))
                    .collect()
            })
            .unwrap_or_default();
        sups.insert(f.file.clone(), found);
    }
    sups.retain(|_, v| !v.is_empty());
    sups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_outside_strings_only() {
        assert_eq!(comment_start("a: b # c", false).map(|c| c.0), Some(5));
        assert_eq!(comment_start("a: \"b # c\"", false), None);
        assert_eq!(comment_start("a: 'it''s # c'", false), None);
        assert_eq!(comment_start("a: b#c", false), None);
        assert_eq!(comment_start("# top", false).map(|c| c.0), Some(0));
    }

    #[test]
    fn rules_and_reasons() {
        let (rules, reason) = split_reason(" KH101, privileged -- we need it");
        assert_eq!(reason.as_deref(), Some("we need it"));
        let (known, unknown) = parse_rules(rules, &[]);
        assert_eq!(known, vec!["KH101", "KH101"]);
        assert!(unknown.is_empty());
        assert_eq!(parse_rules("KH999 nosuch", &[]).1, vec!["KH999", "nosuch"]);
        assert_eq!(split_reason("KH101").1, None);
        assert_eq!(split_reason("KH101 --  ").1, None);
    }

    fn scopes(text: &str) -> Vec<Scope> {
        let loaded = load::load_text(text);
        let docs: Vec<Arc<Document>> = loaded.docs.into_iter().map(Arc::new).collect();
        find(text, &docs, &loaded.empty, "default", &[])
            .into_iter()
            .map(|s| s.scope)
            .collect()
    }

    #[test]
    fn a_comment_at_the_top_of_a_document_covers_it() {
        let text =
            "a: 1\n---\n# keelhaul:ignore KH101 -- r\n\n# more\nkind: Pod\nb: 2\n---\nc: 3\n";
        assert_eq!(scopes(text), vec![Scope::Lines(6, 7)]);
        // Not at the top: content above it in its document.
        let text = "a: 1\n# keelhaul:ignore KH101 -- r\n---\nkind: Pod\n";
        assert_eq!(scopes(text), vec![Scope::Lines(3, 3)]);
        // The first line of a file.
        let text = "# keelhaul:ignore KH101 -- r\n---\nkind: Pod\n";
        assert_eq!(scopes(text), vec![Scope::Lines(3, 3)]);
    }

    /// Documents with nothing in them are not kept by the loader, yet a comment in one is in
    /// that document, not at the top of the next.
    #[test]
    fn a_comment_in_an_empty_document_stays_in_it() {
        let text = "---\n# keelhaul:ignore KH101 -- r\n---\nkind: Pod\n";
        assert_eq!(scopes(text), vec![Scope::Lines(3, 3)]);
        let text = "---\n---\n# keelhaul:ignore KH101 -- r\n---\nkind: Pod\n";
        assert_eq!(scopes(text), vec![Scope::Lines(4, 4)]);
    }
}
