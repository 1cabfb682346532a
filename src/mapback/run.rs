//! Moves the findings made on rendered texts (and on committed rendered Helm output whose
//! chart is in the scanned tree) to the lines of the files a person edits, then drops the
//! copies several renders made of one problem.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::helm::{Outline, TemplateHit};
use super::kustomize::Judge;
use super::{Place, Seg, place_of};
use crate::discover::confine::Confinement;
use crate::finding::{Finding, RuleMeta, Scope};
use crate::load::render::phase::{ChartRef, Rendered};
use crate::load::render::{MappedFrom, RenderedFrom, Tool, helm, kustomize};
use crate::load::{self, Document};
use crate::span::{Pos, Span};

/// How reports name a file found on disk: under the scanned root it belongs to, as the walk
/// names files; else as it is.
pub fn display_of(path: &Path, roots: &[(PathBuf, PathBuf)]) -> String {
    for (root, canonical) in roots {
        if let Ok(rest) = path.strip_prefix(canonical) {
            return root.join(rest).display().to_string();
        }
    }
    path.display().to_string()
}

/// The scanned directories with their canonical paths.
pub fn roots_of(paths: &[PathBuf]) -> Vec<(PathBuf, PathBuf)> {
    paths
        .iter()
        .filter(|p| p.is_dir())
        .filter_map(|p| Some((p.clone(), p.canonicalize().ok()?)))
        .collect()
}

/// A rendered text, loaded for mapping (again, unless the scan kept its documents).
struct Text<'a> {
    docs: Vec<Arc<Document>>,
    /// For each document: its index among the documents from the same template.
    ordinals: Vec<usize>,
    /// `# Source:` lines (line, source), for findings outside any document.
    sources: Vec<(u32, String)>,
    /// The first line of each document that has content, with its index in `docs`, in the
    /// order of the text.
    starts: Vec<(u32, usize)>,
    lines: Vec<&'a str>,
    /// For each document, its Kustomize origin annotations once read (a resource may have
    /// many findings).
    origins: Vec<std::cell::OnceCell<kustomize::ResourceOrigin>>,
}

impl<'a> Text<'a> {
    /// A render's text, with the documents the scan loaded when it kept them.
    fn of(r: &'a Rendered) -> Text<'a> {
        match r.docs.get() {
            Some(docs) => Text::with(&r.text, docs.clone()),
            None => Text::new(&r.text),
        }
    }

    fn new(text: &'a str) -> Text<'a> {
        // Empty documents too: their origins count in the ordinals, and a line after one
        // belongs to it.
        let docs = load::load_text_with(text, load::Empty::Keep).docs;
        Text::with(text, docs.into_iter().map(Arc::new).collect())
    }

    fn with(text: &'a str, docs: Vec<Arc<Document>>) -> Text<'a> {
        let docs_len = docs.len();
        let mut count: HashMap<Option<Arc<str>>, usize> = HashMap::new();
        let ordinals = docs
            .iter()
            .map(|d| {
                let c = count.entry(d.origin.clone()).or_default();
                *c += 1;
                *c - 1
            })
            .collect();
        let sources = text
            .lines()
            .enumerate()
            .filter_map(|(i, l)| {
                l.strip_prefix("# Source: ")
                    .map(|s| (i as u32 + 1, s.trim().to_string()))
            })
            .collect();
        let mut starts: Vec<(u32, usize)> = docs
            .iter()
            .enumerate()
            .filter_map(|(i, d)| Some((d.span(d.root?).start.line, i)))
            .collect();
        // Documents come in the order of the text, so this changes nothing; it keeps the
        // search below sound should that ever change.
        starts.sort_by_key(|&(line, i)| (line, i));
        Text {
            docs,
            ordinals,
            sources,
            starts,
            lines: text.lines().collect(),
            origins: (0..docs_len).map(|_| std::cell::OnceCell::new()).collect(),
        }
    }

    /// The document a line belongs to: the last one starting at or before it.
    fn doc_at(&self, line: u32) -> Option<usize> {
        let at_or_before = self.starts.partition_point(|(start, _)| *start <= line);
        at_or_before.checked_sub(1).map(|i| self.starts[i].1)
    }
}

/// How many nodes before `pos` in `doc` have the same path of keys (items not counted).
fn occurrence(doc: &Document, place: &Place, pos: Pos) -> usize {
    let want: Vec<&str> = place.path.iter().filter_map(Seg::key).collect();
    let mut count = 0;
    let Some(root) = doc.root else { return 0 };
    let mut stack: Vec<(load::NodeId, usize)> = vec![(root, 0)];
    // Depth-first; `depth` counts keys matched so far along `want`.
    while let Some((node, depth)) = stack.pop() {
        if doc.is_mapping(node) {
            for e in doc.entries(node) {
                if depth < want.len() && doc.scalar(e.key) == Some(want[depth]) {
                    if depth + 1 == want.len() {
                        if doc.span(e.key).start < pos && !doc.span(e.value).contains_pos(pos) {
                            count += 1;
                        }
                    } else {
                        stack.push((e.value, depth + 1));
                    }
                }
            }
        } else if doc.is_sequence(node) {
            for &i in doc.items(node) {
                stack.push((i, depth));
            }
        }
    }
    count
}

struct Templates {
    cache: HashMap<PathBuf, Option<(String, Outline)>>,
    /// Kustomize's source files, read and loaded once per scan: overlays share their bases.
    sources: Option<super::kustomize::Sources>,
    /// Values files, read once per scan.
    values: HashMap<PathBuf, Option<load::Loaded>>,
    /// Where they may be read: a template's path comes from a `# Source:` line.
    inside: Confinement,
}

impl Templates {
    /// The sources read so far, to be given back (`sources`) once used.
    fn take_sources(&mut self) -> super::kustomize::Sources {
        self.sources
            .take()
            .unwrap_or_else(|| super::kustomize::Sources::new(self.inside.clone()))
    }

    fn get(&mut self, p: &Path) -> Option<&(String, Outline)> {
        self.cache
            .entry(p.to_path_buf())
            .or_insert_with(|| {
                let t = self.inside.read_to_string(p)?;
                let o = Outline::parse(&t);
                Some((t, o))
            })
            .as_ref()
    }
}

/// The values file line a template line reads (`.Values.a.b`): the last values file that
/// sets the path, as deep as it goes.
fn values_location(
    files: &[PathBuf],
    path: &[Seg],
    cache: &mut HashMap<PathBuf, Option<load::Loaded>>,
    inside: &Confinement,
) -> Option<(PathBuf, Span, bool)> {
    let mut best: Option<(PathBuf, Span, usize)> = None;
    for f in files {
        let loaded = cache
            .entry(f.clone())
            .or_insert_with(|| inside.read_to_string(f).map(|t| load::load_text(&t)));
        let Some(l) = loaded else { continue };
        let Some(d) = l.docs.first() else { continue };
        let Some(root) = d.root else { continue };
        let (_, depth, key) = super::follow_from(d, root, path);
        if let Some(k) = key
            && depth > 0
            && best.as_ref().is_none_or(|b| depth >= b.2)
        {
            best = Some((f.clone(), d.span(k), depth));
        }
    }
    best.map(|(f, s, d)| (f, s, d == path.len()))
}

/// Maps one finding on a Helm render (or committed output); false when the render names no
/// template for its line (the finding is left as it is).
fn map_helm(
    f: &mut Finding,
    text: &Text,
    chart: &ChartRef,
    values_files: &[PathBuf],
    templates: &mut Templates,
    roots: &[(PathBuf, PathBuf)],
    committed: bool,
) -> bool {
    let line = f.span.start.line;
    let di = text.doc_at(line);
    let doc = di.map(|i| &*text.docs[i]);
    let Some(source) = template_source(text, doc, line) else {
        return false;
    };
    let template = helm::template_path(&chart.dir, &source);
    let display_template = source
        .split_once('/')
        .map(|(_, rest)| format!("{}/{rest}", chart.display_dir));
    // A finding about a suppression comment is about that line of text, not about a field.
    let about_comment = f.rule.scope == Scope::Comment;
    let hit = match (&template, doc) {
        (Some(t), Some(d))
            if !about_comment && d.root.is_some_and(|r| d.span(r).start.line <= line) =>
        {
            let ordinal = di.map(|i| text.ordinals[i]).unwrap_or(0);
            find_in_template(f.span.start, d, ordinal, t, templates)
        }
        _ => None,
    };
    // Committed output was written by whoever wrote the tree, its `# Source:` lines too: it
    // is taken to come from a template only where that template writes the finding's field
    // in an object of its kind.
    if committed {
        let kind = doc.and_then(|d| d.root.and_then(|r| d.get_str(r, "kind")));
        let writes_kind = |t: &PathBuf| {
            templates
                .get(t)
                .is_some_and(|(_, o)| kind.is_some_and(|k| o.writes_kind(k)))
        };
        if hit.is_none() || !template.as_ref().is_some_and(writes_kind) {
            return false;
        }
    }
    match (hit, &template, display_template) {
        (Some(hit), Some(_), Some(shown)) => {
            move_to_hit(f, hit, shown, values_files, templates, roots);
        }
        (None, Some(t), Some(shown)) if t.is_file() => {
            move_to_template_line(f, text, line, t, shown, templates);
        }
        _ => {
            // The template is not on disk (a packaged subchart): the chart's Chart.yaml.
            f.file = Arc::from(chart.chart_yaml_display.as_str());
            f.span = Span::point(chart.name_at);
            let note = format!(" (rendered from {source}, which is not in the scanned tree)");
            set_mapped(f, true, &note);
        }
    }
    true
}

/// The template a line of a render comes from: its document's origin, else the last
/// `# Source:` line at or before it.
fn template_source(text: &Text, doc: Option<&Document>, line: u32) -> Option<String> {
    doc.and_then(|d| d.origin.as_deref().map(str::to_string))
        .or_else(|| {
            let at_or_before = text.sources.partition_point(|(l, _)| *l <= line);
            at_or_before
                .checked_sub(1)
                .map(|i| text.sources[i].1.clone())
        })
}

/// Where in the template (the `ordinal`-th document from it) the field the finding is on
/// is written.
fn find_in_template(
    pos: Pos,
    d: &Document,
    ordinal: usize,
    template: &Path,
    templates: &mut Templates,
) -> Option<TemplateHit> {
    templates.get(template).and_then(|(_, outline)| {
        let place = place_of(d, pos);
        let kind = d.root.and_then(|r| d.get_str(r, "kind"));
        let occ = occurrence(d, &place, pos);
        outline.find(kind, ordinal, &place, occ)
    })
}

/// Moves the finding to the template line that writes its field (shown as `shown`), with
/// the values file line the value comes from, when it comes from one, as a related place.
fn move_to_hit(
    f: &mut Finding,
    hit: TemplateHit,
    shown: String,
    values_files: &[PathBuf],
    templates: &mut Templates,
    roots: &[(PathBuf, PathBuf)],
) {
    f.file = Arc::from(shown);
    f.span = Span {
        start: Pos {
            line: hit.line,
            col: hit.col,
        },
        end: Pos {
            line: hit.line,
            col: hit.end_col.max(hit.col),
        },
    };
    set_mapped(
        f,
        !hit.exact,
        " (approximate location: the template does not write this field literally; this is the nearest key it does write)",
    );
    if let Some(vp) = hit.values_path
        && let Some((file, span, exact)) =
            values_location(values_files, &vp, &mut templates.values, &templates.inside)
    {
        let label = if exact {
            "the value comes from here"
        } else {
            "the value comes from under here"
        };
        f.related.push(crate::finding::Related {
            file: Some(Arc::from(display_of(&file, roots).as_str())),
            span,
            label: label.into(),
        });
    }
}

/// A line outside any object (a comment, a broken document): moves the finding to the same
/// text in the template, else to its first line.
fn move_to_template_line(
    f: &mut Finding,
    text: &Text,
    line: u32,
    template: &Path,
    shown: String,
    templates: &mut Templates,
) {
    let (l, exact) = match same_line_in_template(text, line, template, templates) {
        Some(l) => (l, true),
        None => (1, false),
    };
    f.file = Arc::from(shown);
    f.span = Span::point(Pos { line: l, col: 0 });
    set_mapped(
        f,
        !exact,
        " (approximate location: the rendered line was not found in the template)",
    );
}

/// The line of `template` with the same text as `line` of the render.
fn same_line_in_template(
    text: &Text,
    line: u32,
    template: &Path,
    templates: &mut Templates,
) -> Option<u32> {
    let wanted = text
        .lines
        .get((line as usize).checked_sub(1)?)
        .map(|l| l.trim())
        .unwrap_or("");
    templates.get(template).and_then(|(src, _)| {
        (!wanted.is_empty())
            .then(|| src.lines().position(|l| l.trim() == wanted))
            .flatten()
            .map(|i| i as u32 + 1)
    })
}

fn set_mapped(f: &mut Finding, approximate: bool, note: &str) {
    if approximate {
        let mut m = f.message.to_string();
        m.push_str(note);
        f.message = m.into_boxed_str();
    }
    if let Some(r) = f.rendered.as_mut() {
        r.approximate = approximate;
    }
}

/// Maps a position of a Kustomize build to the base or patch line it comes from; `rule` (with
/// the judge) when the position is a finding's, so that a removal can be found to cause it.
fn locate_kustomize(
    text: &Text,
    r: &Rendered,
    pos: Pos,
    sources: &mut super::kustomize::Sources,
    rule: Option<(&'static RuleMeta, Judge<'_>)>,
) -> Option<super::kustomize::Mapped> {
    let i = text.doc_at(pos.line)?;
    let d = &text.docs[i];
    let root = d.root?;
    let base = r.origin_base.as_deref()?;
    let origin = text.origins[i].get_or_init(|| kustomize::origin_of(d, root, base));
    let kind = d.get_str(root, "kind").unwrap_or("");
    let name = d
        .path(root, &["metadata", "name"])
        .and_then(|n| d.scalar(n))
        .unwrap_or("");
    let place = place_of(d, pos);
    super::kustomize::map(sources, origin, kind, name, &place, rule)
}

fn map_kustomize(
    f: &mut Finding,
    text: &Text,
    r: &Rendered,
    sources: &mut super::kustomize::Sources,
    roots: &[(PathBuf, PathBuf)],
    judge: Judge<'_>,
) {
    match locate_kustomize(text, r, f.span.start, sources, Some((f.rule, judge))) {
        Some(m) => {
            f.file = Arc::from(display_of(&m.file, roots).as_str());
            f.span = m.span;
            set_mapped(
                f,
                !m.exact,
                " (approximate location: no base or patch writes this field; this is the nearest key one does)",
            );
            if let Some(base) = m.removed {
                let mut msg = f.message.to_string();
                msg.push_str(
                    " (caused by this patch: it removes what the resource's own file sets)",
                );
                f.message = msg.into_boxed_str();
                if let Some((file, span)) = base {
                    f.related.push(crate::finding::Related {
                        file: Some(Arc::from(display_of(&file, roots).as_str())),
                        span,
                        label: "the resource's own file sets it here; the patch removes it".into(),
                    });
                }
            }
        }
        None => {
            let (file, shown) = r.kustomization.clone().unwrap_or_default();
            let at = sources
                .key_span(&file, "resources")
                .map(|s| s.start)
                .unwrap_or(Pos { line: 1, col: 0 });
            f.file = Arc::from(shown.as_str());
            f.span = Span::point(at);
            set_mapped(
                f,
                true,
                " (approximate location: the resource's source file is not known, e.g. a generated or remote resource)",
            );
        }
    }
}

/// The chart in the scanned tree that committed rendered output names (`# Source: <chart>/...`).
fn committed_chart<'a>(f: &Finding, by_name: &HashMap<&str, &'a ChartRef>) -> Option<&'a ChartRef> {
    let name = f.origin.as_deref()?.split('/').next()?;
    by_name.get(name).copied()
}

/// Maps every finding on rendered output; returns how many were mapped.
///
/// Related places that point into a render are mapped too (those of every finding: a finding
/// on a plain file may name a rendered workload); `judge` runs a rule over a source document,
/// to tell a problem the resource's own file has from one an overlay's patch made.
pub fn map_all(
    findings: &mut Vec<Finding>,
    rendered: &[Rendered],
    charts: &[ChartRef],
    roots: &[(PathBuf, PathBuf)],
    inside: &Confinement,
    judge: Judge<'_>,
) -> usize {
    let by_display: HashMap<&str, &Rendered> =
        rendered.iter().map(|r| (r.display.as_str(), r)).collect();
    let by_name: HashMap<&str, &ChartRef> = charts.iter().map(|c| (c.name.as_str(), c)).collect();
    let groups = findings_to_map(findings, &by_display, &by_name);
    // A related place in the finding's own file names it once the finding has moved.
    for &i in groups.values().flatten() {
        let f = &mut findings[i];
        for r in f.related.iter_mut().filter(|r| r.file.is_none()) {
            r.file = Some(f.file.clone());
        }
    }
    let mut templates = Templates {
        cache: HashMap::new(),
        sources: Some(super::kustomize::Sources::new(inside.clone())),
        values: HashMap::new(),
        inside: inside.clone(),
    };
    let mut mapped = 0;
    let mut files: Vec<Arc<str>> = groups.keys().cloned().collect();
    files.sort();
    // The renders with findings to map are loaded again, in parallel, once: the related
    // places below are mapped on the same texts.
    let mut texts: HashMap<&str, Text> = files
        .iter()
        .filter_map(|f| by_display.get(&**f).copied())
        .collect::<Vec<&Rendered>>()
        .into_par_iter()
        .map(|r| (r.display.as_str(), Text::of(r)))
        .collect();
    for file in &files {
        let idx = &groups[file];
        if let Some(r) = by_display.get(&**file) {
            let text = &texts[r.display.as_str()];
            let cx = (&by_name, &mut templates, roots, judge);
            map_file(idx, Some(r), text, findings, cx, &mut mapped);
            continue;
        }
        // Committed rendered output, read from its file.
        let Some((text_str, None)) = text_of(file, &by_display) else {
            continue;
        };
        let text = Text::new(&text_str);
        let cx = (&by_name, &mut templates, roots, judge);
        map_file(idx, None, &text, findings, cx, &mut mapped);
    }
    map_related(findings, &by_display, &mut texts, &mut templates, roots);
    if mapped > 0 {
        dedup(findings);
    }
    mapped
}

/// What mapping a text's findings reads: the charts by name, the templates and sources read
/// so far, the scanned roots, and the judge of source documents.
type MapContext<'c, 'a> = (
    &'c HashMap<&'a str, &'a ChartRef>,
    &'c mut Templates,
    &'c [(PathBuf, PathBuf)],
    Judge<'c>,
);

/// Maps the findings `idx` of one text.
fn map_file(
    idx: &[usize],
    render: Option<&Rendered>,
    text: &Text<'_>,
    findings: &mut [Finding],
    (by_name, templates, roots, judge): MapContext<'_, '_>,
    mapped: &mut usize,
) {
    let mut sources = templates.take_sources();
    for &i in idx {
        let f = &mut findings[i];
        let Some(from) = rendered_from(f, render, by_name) else {
            continue;
        };
        f.rendered = Some(Box::new(MappedFrom {
            from,
            approximate: false,
        }));
        let done = match render {
            Some(r) => {
                map_on_render(f, text, r, &mut sources, templates, roots, judge);
                true
            }
            None => map_committed(f, text, by_name, templates, roots),
        };
        if !done {
            continue;
        }
        f.fix = None;
        f.excerpt = None;
        f.line_hash = None;
        *mapped += 1;
    }
    templates.sources = Some(sources);
}

/// Maps the related places that point into a render, as primary places are mapped; one that
/// cannot be is dropped, and the finding's message says so. Places in the finding's own file
/// are then named by `None` again, and each is kept once.
fn map_related<'r>(
    findings: &mut [Finding],
    by_display: &HashMap<&str, &'r Rendered>,
    texts: &mut HashMap<&'r str, Text<'r>>,
    templates: &mut Templates,
    roots: &[(PathBuf, PathBuf)],
) {
    let mut sources = templates.take_sources();
    let on_render =
        |r: &crate::finding::Related| r.file.as_deref().and_then(|x| by_display.get(x).copied());
    for f in findings.iter_mut() {
        if !f.related.iter().any(|r| on_render(r).is_some()) {
            continue;
        }
        let mut dropped = 0;
        f.related.retain_mut(|rel| {
            let Some(render) = on_render(rel) else {
                return true;
            };
            let text = texts
                .entry(render.display.as_str())
                .or_insert_with(|| Text::of(render));
            match locate(text, render, rel.span.start, &mut sources, templates, roots) {
                Some((file, span)) => {
                    rel.file = Some(file);
                    rel.span = span;
                    true
                }
                None => {
                    dropped += 1;
                    false
                }
            }
        });
        let own = f.file.clone();
        let mut seen = HashSet::new();
        f.related.retain_mut(|r| {
            if r.file.as_deref() == Some(&*own) {
                r.file = None;
            }
            seen.insert((r.file.clone(), r.span.start, r.label.clone()))
        });
        if dropped > 0 {
            let mut m = f.message.to_string();
            m.push_str(&format!(
                " ({dropped} related place(s) in rendered output left out: their source line is not known)"
            ));
            f.message = m.into_boxed_str();
        }
    }
}

/// The source file and span a position of a render comes from.
fn locate(
    text: &Text,
    render: &Rendered,
    pos: Pos,
    sources: &mut super::kustomize::Sources,
    templates: &mut Templates,
    roots: &[(PathBuf, PathBuf)],
) -> Option<(Arc<str>, Span)> {
    if render.from.tool == Tool::Kustomize {
        let m = locate_kustomize(text, render, pos, sources, None)?;
        return Some((Arc::from(display_of(&m.file, roots).as_str()), m.span));
    }
    let chart = render.chart.as_ref()?;
    let di = text.doc_at(pos.line);
    let doc = di.map(|i| &*text.docs[i]);
    let source = template_source(text, doc, pos.line)?;
    let template = helm::template_path(&chart.dir, &source)?;
    let (_, rest) = source.split_once('/')?;
    let shown: Arc<str> = Arc::from(format!("{}/{rest}", chart.display_dir).as_str());
    if let (Some(d), Some(i)) = (doc, di)
        && d.root.is_some_and(|r| d.span(r).start.line <= pos.line)
        && let Some(hit) = find_in_template(pos, d, text.ordinals[i], &template, templates)
    {
        let start = Pos {
            line: hit.line,
            col: hit.col,
        };
        let end = Pos {
            line: hit.line,
            col: hit.end_col.max(hit.col),
        };
        return Some((shown, Span { start, end }));
    }
    let line = same_line_in_template(text, pos.line, &template, templates)?;
    Some((shown, Span::point(Pos { line, col: 0 })))
}

/// Which findings to map, grouped by the text they are on: those on a render, and those on
/// committed rendered output of a chart in the scanned tree.
fn findings_to_map(
    findings: &[Finding],
    by_display: &HashMap<&str, &Rendered>,
    by_name: &HashMap<&str, &ChartRef>,
) -> HashMap<Arc<str>, Vec<usize>> {
    let mut groups: HashMap<Arc<str>, Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        let on_render = by_display.contains_key(&*f.file);
        let committed = !on_render
            && !by_name.is_empty()
            && f.origin
                .as_deref()
                .and_then(|o| o.split('/').next())
                .is_some_and(|n| by_name.contains_key(n));
        if on_render || committed {
            groups.entry(f.file.clone()).or_default().push(i);
        }
    }
    groups
}

/// The text the findings of `file` are on, with its render; committed output is read from
/// disk (`None` when it cannot be).
fn text_of<'a>(
    file: &str,
    by_display: &HashMap<&str, &'a Rendered>,
) -> Option<(Cow<'a, str>, Option<&'a Rendered>)> {
    match by_display.get(file) {
        Some(r) => Some((Cow::Borrowed(r.text.as_str()), Some(*r))),
        None => {
            let owned = std::fs::read(file)
                .ok()
                .and_then(|b| load::decode(&b).ok().map(Cow::into_owned))?;
            Some((Cow::Owned(owned), None))
        }
    }
}

/// What a finding was rendered from: its render's input, or for committed output the
/// chart it names (`None` when it names none in the scanned tree).
fn rendered_from(
    f: &Finding,
    render: Option<&Rendered>,
    by_name: &HashMap<&str, &ChartRef>,
) -> Option<Arc<RenderedFrom>> {
    match render {
        Some(r) => Some(r.from.clone()),
        None => {
            let chart = committed_chart(f, by_name)?;
            Some(Arc::new(RenderedFrom {
                tool: Tool::Helm,
                input: Arc::from(chart.display_dir.as_str()),
                variant: None,
            }))
        }
    }
}

/// Maps a finding on a render: to the base or patch of a Kustomize build, to the template
/// of a Helm render, else to the chart's Chart.yaml.
fn map_on_render(
    f: &mut Finding,
    text: &Text,
    r: &Rendered,
    sources: &mut super::kustomize::Sources,
    templates: &mut Templates,
    roots: &[(PathBuf, PathBuf)],
    judge: Judge<'_>,
) {
    if r.from.tool == Tool::Kustomize {
        map_kustomize(f, text, r, sources, roots, judge);
        return;
    }
    if let Some(chart) = &r.chart
        && !map_helm(f, text, chart, &r.values_files, templates, roots, false)
    {
        f.file = Arc::from(chart.chart_yaml_display.as_str());
        f.span = Span::point(chart.name_at);
        set_mapped(
            f,
            true,
            " (approximate location: the rendered document names no template)",
        );
    }
}

/// Maps a finding on committed rendered output to its chart's templates, read with the
/// chart's values.yaml; returns false (and the finding stays as it is) when it cannot.
fn map_committed(
    f: &mut Finding,
    text: &Text,
    by_name: &HashMap<&str, &ChartRef>,
    templates: &mut Templates,
    roots: &[(PathBuf, PathBuf)],
) -> bool {
    let Some(chart) = committed_chart(f, by_name) else {
        return false;
    };
    let values = vec![chart.dir.join("values.yaml")];
    let committed_at = (f.file.clone(), f.span);
    if !map_helm(f, text, chart, &values, templates, roots, true) {
        f.rendered = None;
        return false;
    }
    // The committed line stays a place of the finding: a change there is a change to it
    // (`--diff`, reviews), whatever its header says it was rendered from.
    f.related.push(crate::finding::Related {
        file: Some(committed_at.0),
        span: committed_at.1,
        label: "rendered output committed here".into(),
    });
    true
}

/// One finding per rule and place: several renders (environments, overlays sharing a base)
/// report a problem of a shared line once; a mapped finding never repeats a plain one.
fn dedup(findings: &mut Vec<Finding>) {
    type Key = (&'static str, Arc<str>, Pos, Option<String>);
    let key = |f: &Finding| -> Key {
        // A rule whose verdict depends on the namespace an object lands in: an overlay that
        // puts a shared base in another namespace makes a problem of its own there.
        let scope = (f.rule.scope == Scope::Namespace)
            .then(|| f.resource.as_ref().and_then(|r| r.namespace.clone()))
            .flatten();
        (f.rule.id, f.file.clone(), f.span.start, scope)
    };
    let mut seen: HashSet<Key> = findings
        .iter()
        .filter(|f| f.rendered.is_none())
        .map(key)
        .collect();
    findings.retain(|f| f.rendered.is_none() || seen.insert(key(f)));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documents the scan keeps (loaded without empty documents) stand for the text loaded
    /// again when it has none; with one, the scan's differ, and the scan does not keep them.
    #[test]
    fn the_scans_documents_stand_for_the_text_loaded_again() {
        let text = "# Source: chart/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# Source: chart/templates/b.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n";
        let scanned = load::load_text(text);
        assert!(scanned.empty.is_empty());
        let kept = Text::with(text, scanned.docs.into_iter().map(Arc::new).collect());
        let again = Text::new(text);
        assert_eq!(format!("{:?}", kept.docs), format!("{:?}", again.docs));
        assert_eq!(kept.ordinals, again.ordinals);
        assert_eq!(kept.starts, again.starts);
        assert_eq!(kept.sources, again.sources);
        assert_eq!(kept.doc_at(9), Some(1));
        let with_empty =
            "apiVersion: v1\nkind: ConfigMap\n---\n---\napiVersion: v1\nkind: Service\n";
        let scanned = load::load_text(with_empty);
        assert_eq!(scanned.empty.len(), 1);
        assert_ne!(scanned.docs.len(), Text::new(with_empty).docs.len());
    }
}
