//! Kustomize: a finding on a rendered resource goes to the file that wrote the field — the
//! last patch (file or inline) that writes its whole path, else the resource's own file, else
//! the deepest part of the path any of them writes (approximate). Fields Kustomize itself sets
//! (`namespace:`, `namePrefix:`) go to the kustomization that set them. A finding that the
//! resource's own file does not have, about something a patch took away, goes to that patch
//! (`removal`).

mod removal;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{Place, Seg, follow_from};
use crate::discover::confine::Confinement;
use crate::finding::RuleMeta;
use crate::load::render::kustomize::{Patch, ResourceOrigin, patches_of};
use crate::load::{self, Document, Loaded};
use crate::span::{Pos, Span};

/// Where a finding maps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub file: PathBuf,
    pub span: Span,
    pub exact: bool,
    /// Set when a patch's removal caused the finding: where the resource's own file sets
    /// what the patch removed (when that file still shows it).
    pub removed: Option<Option<(PathBuf, Span)>>,
}

/// Runs a rule over one document of a source file: the spans of its findings there. Tells
/// a problem the resource's own file has from one an overlay made.
pub type Judge<'a> = &'a dyn Fn(&Document, &'static RuleMeta) -> Vec<Span>;

/// Source files read once per render (only where the scan may read: the paths come from the
/// rendered output's annotations).
pub struct Sources {
    files: HashMap<PathBuf, Option<(String, Loaded)>>,
    patches: HashMap<PathBuf, Vec<(Patch, Loaded)>>,
    inside: Confinement,
}

impl Sources {
    pub fn new(inside: Confinement) -> Sources {
        Sources {
            files: HashMap::new(),
            patches: HashMap::new(),
            inside,
        }
    }

    fn file(&mut self, p: &Path) -> Option<&Loaded> {
        self.load_file(p);
        self.loaded(p)
    }

    fn load_file(&mut self, p: &Path) {
        self.files.entry(p.to_path_buf()).or_insert_with(|| {
            let t = self.inside.read_to_string(p)?;
            let l = load::load_text(&t);
            Some((t, l))
        });
    }

    /// A file read before (`load_file`).
    fn loaded(&self, p: &Path) -> Option<&Loaded> {
        self.files.get(p)?.as_ref().map(|(_, l)| l)
    }

    /// The text of a file read before.
    fn text(&self, p: &Path) -> Option<&str> {
        self.files.get(p)?.as_ref().map(|(t, _)| t.as_str())
    }

    /// The span of a top-level key of a kustomization file (read once per render).
    pub fn key_span(&mut self, kustomization: &Path, key: &str) -> Option<Span> {
        let l = self.file(kustomization)?;
        let d = l.docs.first()?;
        Some(d.span(d.entry(d.root?, key)?.key))
    }

    fn load_patches(&mut self, kustomization: &Path) {
        self.patches
            .entry(kustomization.to_path_buf())
            .or_insert_with(|| {
                patches_of(kustomization, &self.inside)
                    .into_iter()
                    .map(|p| {
                        let l = load::load_text(&p.text);
                        (p, l)
                    })
                    .collect()
            });
    }

    /// Patches read before (`load_patches`).
    fn loaded_patches(&self, kustomization: &Path) -> &[(Patch, Loaded)] {
        self.patches.get(kustomization).map_or(&[], Vec::as_slice)
    }
}

/// A candidate place for the finding: how deep into its path the source goes.
struct Candidate {
    file: PathBuf,
    span: Span,
    depth: usize,
    patch: bool,
    /// The patch replaces a node at or above the finding's place whole (a JSON 6902 `add`
    /// or `replace` there, a strategic-merge `$patch: replace` on the way): what came before
    /// it no longer counts.
    owns: bool,
}

fn names_match(rendered: &str, written: &str) -> bool {
    rendered == written || (!written.is_empty() && rendered.contains(written))
}

fn shift(span: Span, p: &Patch) -> Span {
    let f = |pos: Pos| Pos {
        line: pos.line + p.line_offset,
        col: pos.col + p.col_offset,
    };
    Span {
        start: f(span.start),
        end: f(span.end),
    }
}

/// The place in `doc` the path leads to, as deep as it goes: (span, depth).
fn reach(doc: &Document, from: load::NodeId, path: &[Seg], place: &Place) -> (Span, usize) {
    // A scalar item (`- secrets`) is told by its value rather than by its index.
    if let (Some((Seg::Item { name: None, .. }, parent_path)), Some(v)) =
        (path.split_last(), place.value.as_deref())
    {
        let (parent, depth, _) = follow_from(doc, from, parent_path);
        if depth == parent_path.len()
            && let Some(&item) = doc
                .items(parent)
                .iter()
                .find(|&&i| doc.scalar(i) == Some(v))
        {
            return (doc.span(item), path.len());
        }
    }
    let (node, depth, key) = follow_from(doc, from, path);
    let full = depth == path.len();
    let span = match key {
        Some(k) if !(full && !place.on_key && doc.scalar(node).is_some()) => doc.span(k),
        _ => doc.span(node),
    };
    (span, depth)
}

/// The JSON pointer tokens of a JSON 6902 op's `path`.
fn pointer(p: &str) -> Vec<String> {
    p.split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn token_matches(token: &str, seg: &Seg) -> bool {
    match seg {
        Seg::Key(k) => token == k,
        Seg::Item { index, .. } => token == index.to_string() || token == "-",
    }
}

/// Maps a finding of `rule` at `place` on a rendered resource of `kind`/`name`.
pub fn map(
    sources: &mut Sources,
    origin: &ResourceOrigin,
    kind: &str,
    name: &str,
    place: &Place,
    rule: Option<(&'static RuleMeta, Judge<'_>)>,
) -> Option<Mapped> {
    if let Some(m) = set_by_kustomize(sources, origin, &place.path) {
        return Some(m);
    }
    let kustomizations = patching_kustomizations(origin);
    if let Some(f) = &origin.file {
        sources.load_file(f);
    }
    for k in &kustomizations {
        sources.load_patches(k);
    }
    let sources = &*sources;
    let base = base_document(sources, origin, kind, name);
    let path = &place.path;
    let mut best = Best {
        best: None,
        path_len: path.len(),
        leaf: place.value.is_some(),
    };
    if let Some(b) = base {
        let (span, depth) = reach(b.doc, b.root, &place.path, place);
        best.consider(Candidate {
            file: b.file.clone(),
            span,
            depth,
            patch: false,
            owns: false,
        });
    }
    let mut removals = Vec::new();
    for k in &kustomizations {
        for (patch, loaded) in sources.loaded_patches(k) {
            if !targets(patch, kind, name) {
                continue;
            }
            for d in &loaded.docs {
                let Some(root) = d.root else { continue };
                if d.is_sequence(root) {
                    json6902_candidates(d, root, patch, place, &mut best);
                    removal::json6902(d, root, patch, &mut removals);
                } else if patches_the_object(d, root, patch, kind, name) {
                    best.consider_some(strategic_merge_candidate(d, root, patch, place));
                    if let Some(b) = base {
                        removal::strategic(d, root, patch, (b.doc, b.root), &mut removals);
                    }
                }
            }
        }
    }
    // A patch that writes the offending value itself is where the finding goes; otherwise a
    // removal that made it, if one did.
    let written = best.best.as_ref().is_some_and(|c| {
        c.patch && c.depth == path.len() && best.leaf && removal::subject(place) == path
    });
    if !written
        && let Some((rule, judge)) = rule
        && let Some(m) = by_removal(base, &removals, place, rule, judge)
    {
        return Some(m);
    }
    best.best.map(|c| Mapped {
        exact: c.depth == path.len(),
        file: c.file,
        span: c.span,
        removed: None,
    })
}

/// Whether a patch's target (when it names one) is the resource.
fn targets(patch: &Patch, kind: &str, name: &str) -> bool {
    patch.target_kind.as_deref().is_none_or(|t| t == kind)
        && patch
            .target_name
            .as_deref()
            .is_none_or(|t| names_match(name, t))
}

/// The finding at `place` goes to a removal when the resource's own file does not have it
/// (the rule finds nothing in the node it is about there) and a patch removed part of that
/// node, or of the object around it: the last removal that alone makes the rule find it in
/// the resource's file, else the closest one.
fn by_removal(
    base: Option<Base<'_>>,
    removals: &[removal::Removal],
    place: &Place,
    rule: &'static RuleMeta,
    judge: Judge<'_>,
) -> Option<Mapped> {
    let subject = removal::subject(place);
    let closest = removal::pick(removals, subject)?;
    let b = base?;
    if !found_at(b.doc, b.root, subject, rule, judge)? {
        let cause = removals
            .iter()
            .filter(|r| removal::below_or_beside(r, subject))
            .rfind(|r| {
                removal::without(b.text, b.doc, b.root, r)
                    .and_then(|t| {
                        let l = load::load_text(&t);
                        let d = l.docs.iter().find(|d| d.index == b.doc.index)?;
                        found_at(d, d.root?, subject, rule, judge)
                    })
                    .unwrap_or(false)
            });
        let r = cause.unwrap_or(closest);
        let at = Place {
            path: r.path.clone(),
            on_key: true,
            value: None,
        };
        let (span, depth) = reach(b.doc, b.root, &r.path, &at);
        return Some(Mapped {
            file: r.file.clone(),
            span: r.span,
            exact: true,
            removed: Some((depth == r.path.len()).then(|| (b.file.clone(), span))),
        });
    }
    None
}

/// Whether `rule` finds a problem in the node at `subject` of `d` (or on the key that opens
/// it); `None` when `d` has no such node (a patch added it, and wrote what it lacks).
fn found_at(
    d: &Document,
    root: load::NodeId,
    subject: &[Seg],
    rule: &'static RuleMeta,
    judge: Judge<'_>,
) -> Option<bool> {
    let (node, depth, key) = follow_from(d, root, subject);
    if depth < subject.len() {
        return None;
    }
    let within = Span {
        start: key.map_or(d.span(node).start, |k| d.span(k).start),
        end: d.span(node).end,
    };
    Some(judge(d, rule).iter().any(|s| within.contains_pos(s.start)))
}

/// Fields Kustomize sets itself (`metadata.namespace`, `metadata.name`) go to the key of the
/// last kustomization whose transformer set them.
fn set_by_kustomize(
    sources: &mut Sources,
    origin: &ResourceOrigin,
    path: &[Seg],
) -> Option<Mapped> {
    let is = |keys: &[&str]| {
        path.len() == keys.len() && path.iter().zip(keys).all(|(s, k)| s.key() == Some(*k))
    };
    for (field, setting, transformer) in [
        (
            &["metadata", "namespace"][..],
            "namespace",
            "NamespaceTransformer",
        ),
        (
            &["metadata", "name"][..],
            "namePrefix",
            "PrefixSuffixTransformer",
        ),
    ] {
        if is(field)
            && let Some((k, _)) = origin
                .transformed_in
                .iter()
                .rev()
                .find(|(_, t)| t == transformer)
        {
            for key in [setting, "nameSuffix"] {
                if let Some(span) = sources.key_span(k, key) {
                    return Some(Mapped {
                        file: k.clone(),
                        span,
                        exact: true,
                        removed: None,
                    });
                }
            }
        }
    }
    None
}

/// The candidate kept so far.
struct Best {
    best: Option<Candidate>,
    /// The length of the finding's path: a candidate this deep writes the whole of it.
    path_len: usize,
    /// The finding is on a value (not on a mapping or list).
    leaf: bool,
}

impl Best {
    /// Keeps `c` when it goes deeper than the best so far.
    fn consider(&mut self, c: Candidate) {
        let better = c.owns
            || match &self.best {
                None => true,
                // A patch wins a tie only for a value it sets: a mapping it adds a key to is
                // still the resource file's.
                Some(b) => {
                    c.depth > b.depth
                        || (c.depth == b.depth && c.depth == self.path_len && c.patch && self.leaf)
                }
            };
        if better {
            self.best = Some(c);
        }
    }

    fn consider_some(&mut self, c: Option<Candidate>) {
        if let Some(c) = c {
            self.consider(c);
        }
    }
}

/// The resource's own document: in its file, the document of the same kind whose name
/// best matches the rendered name (Kustomize may have added a prefix or suffix).
fn base_document<'s>(
    sources: &'s Sources,
    origin: &'s ResourceOrigin,
    kind: &str,
    name: &str,
) -> Option<Base<'s>> {
    let file = origin.file.as_ref()?;
    let l = sources.loaded(file)?;
    let d = l
        .docs
        .iter()
        .filter(|d| d.root.is_some_and(|r| d.get_str(r, "kind") == Some(kind)))
        .max_by_key(|d| {
            let written = d
                .root
                .and_then(|r| d.path(r, &["metadata", "name"]))
                .and_then(|n| d.scalar(n))
                .unwrap_or("");
            (written == name, names_match(name, written), written.len())
        })?;
    Some(Base {
        file,
        text: sources.text(file)?,
        doc: d,
        root: d.root?,
    })
}

/// The resource's own document, in its file.
#[derive(Clone, Copy)]
struct Base<'s> {
    file: &'s PathBuf,
    text: &'s str,
    doc: &'s Document,
    root: load::NodeId,
}

/// The kustomizations that patched the resource, each once, in order.
fn patching_kustomizations(origin: &ResourceOrigin) -> Vec<PathBuf> {
    let mut seen = Vec::new();
    origin
        .transformed_in
        .iter()
        .filter(|(_, t)| t.starts_with("Patch"))
        .map(|(k, _)| k.clone())
        .filter(|k| {
            let new = !seen.contains(k);
            seen.push(k.clone());
            new
        })
        .collect()
}

/// The operations of a JSON 6902 patch whose `path` leads to (or above) the finding's: each
/// a candidate, at its `value` as deep as it goes, else at its `path`.
fn json6902_candidates(
    d: &Document,
    root: load::NodeId,
    patch: &Patch,
    place: &Place,
    best: &mut Best,
) {
    let path = &place.path;
    for &op in d.items(root) {
        let Some(p) = d.get_str(op, "path") else {
            continue;
        };
        let kind = d.get_str(op, "op");
        if kind == Some("test") {
            continue;
        }
        let tokens = pointer(p);
        if tokens.len() > path.len() || !tokens.iter().zip(path).all(|(t, s)| token_matches(t, s)) {
            continue;
        }
        let (span, depth) = match d.entry(op, "value") {
            Some(v) => {
                let rest = &path[tokens.len()..];
                if rest.is_empty() {
                    // The operation's value itself (`value: true`) when it is one, else its key.
                    let at = if d.scalar(v.value).is_some() {
                        v.value
                    } else {
                        v.key
                    };
                    (d.span(at), tokens.len())
                } else {
                    let (span, depth) = reach(d, v.value, rest, place);
                    let span = if depth == 0 { d.span(v.key) } else { span };
                    (span, tokens.len() + depth)
                }
            }
            None => match d.entry(op, "path") {
                Some(e) => (d.span(e.key), tokens.len()),
                None => continue,
            },
        };
        best.consider(Candidate {
            file: patch.file.clone(),
            span: shift(span, patch),
            depth,
            patch: true,
            owns: matches!(kind, Some("add" | "replace")),
        });
    }
}

/// Whether a strategic-merge patch document is about the resource: of its kind, naming
/// it (or the patch's target does).
fn patches_the_object(
    d: &Document,
    root: load::NodeId,
    patch: &Patch,
    kind: &str,
    name: &str,
) -> bool {
    if d.get_str(root, "kind").is_some_and(|k| k != kind) {
        return false;
    }
    let written = d
        .path(root, &["metadata", "name"])
        .and_then(|n| d.scalar(n));
    !(written.is_some_and(|w| !names_match(name, w)) && patch.target_name.is_none())
}

/// A strategic-merge patch document about the resource: a candidate when it writes part of
/// the path beyond the fields that only say which object it patches.
fn strategic_merge_candidate(
    d: &Document,
    root: load::NodeId,
    patch: &Patch,
    place: &Place,
) -> Option<Candidate> {
    let path = &place.path;
    let (span, depth) = reach(d, root, path, place);
    if depth == 0 || names_the_target(path) {
        return None;
    }
    Some(Candidate {
        file: patch.file.clone(),
        span: shift(span, patch),
        depth,
        patch: true,
        owns: replaced_on_the_way(d, root, &path[..depth]) || plain_list_at(d, root, path),
    })
}

/// Whether the patch writes a list of plain values at `path`: such a list has no merge key,
/// so it replaces the resource's list whole.
fn plain_list_at(d: &Document, root: load::NodeId, path: &[Seg]) -> bool {
    let (node, depth, _) = follow_from(d, root, path);
    depth == path.len()
        && d.is_sequence(node)
        && d.items(node).iter().all(|&i| d.scalar(i).is_some())
}

/// Whether a node of the patch along `path` says `$patch: replace`: the patch then
/// replaces that node whole.
fn replaced_on_the_way(d: &Document, root: load::NodeId, path: &[Seg]) -> bool {
    (0..=path.len()).any(|n| {
        let (node, depth, _) = follow_from(d, root, &path[..n]);
        depth == n && d.is_mapping(node) && d.get_str(node, "$patch") == Some("replace")
    })
}

/// A patch names its target by kind and name: that is not where a problem is written.
fn names_the_target(path: &[Seg]) -> bool {
    path.len() <= 2
        && match path.first().and_then(Seg::key) {
            Some("apiVersion" | "kind") => true,
            Some("metadata") => path
                .get(1)
                .is_none_or(|s| matches!(s.key(), Some("name" | "namespace"))),
            _ => false,
        }
}
