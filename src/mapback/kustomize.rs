//! Kustomize: a finding on a rendered resource goes to the file that wrote the field — the
//! last patch (file or inline) that writes its whole path, else the resource's own file, else
//! the deepest part of the path any of them writes (approximate). Fields Kustomize itself sets
//! (`namespace:`, `namePrefix:`) go to the kustomization that set them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{Place, Seg, follow_from};
use crate::load::render::kustomize::{Patch, ResourceOrigin, patches_of};
use crate::load::{self, Document, Loaded};
use crate::span::{Pos, Span};

/// Where a finding maps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub file: PathBuf,
    pub span: Span,
    pub exact: bool,
}

/// Source files read once per render.
#[derive(Default)]
pub struct Sources {
    files: HashMap<PathBuf, Option<Loaded>>,
    patches: HashMap<PathBuf, Vec<(Patch, Loaded)>>,
}

impl Sources {
    fn file(&mut self, p: &Path) -> Option<&Loaded> {
        self.files
            .entry(p.to_path_buf())
            .or_insert_with(|| std::fs::read_to_string(p).ok().map(|t| load::load_text(&t)))
            .as_ref()
    }

    /// The span of a top-level key of a kustomization file (read once per render).
    pub fn key_span(&mut self, kustomization: &Path, key: &str) -> Option<Span> {
        let l = self.file(kustomization)?;
        let d = l.docs.first()?;
        Some(d.span(d.entry(d.root?, key)?.key))
    }

    fn patches(&mut self, kustomization: &Path) -> &[(Patch, Loaded)] {
        self.patches
            .entry(kustomization.to_path_buf())
            .or_insert_with(|| {
                patches_of(kustomization)
                    .into_iter()
                    .map(|p| {
                        let l = load::load_text(&p.text);
                        (p, l)
                    })
                    .collect()
            })
    }
}

/// A candidate place for the finding: how deep into its path the source goes.
struct Candidate {
    file: PathBuf,
    span: Span,
    depth: usize,
    patch: bool,
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

/// Maps a finding at `place` on a rendered resource of `kind`/`name`.
pub fn map(
    sources: &mut Sources,
    origin: &ResourceOrigin,
    kind: &str,
    name: &str,
    place: &Place,
) -> Option<Mapped> {
    if let Some(m) = set_by_kustomize(sources, origin, &place.path) {
        return Some(m);
    }
    let path = &place.path;
    let mut best = Best {
        best: None,
        path_len: path.len(),
        leaf: place.value.is_some(),
    };
    if let Some(c) = resource_file_candidate(sources, origin, kind, name, place) {
        best.consider(c);
    }
    for k in patching_kustomizations(origin) {
        for (patch, loaded) in sources.patches(&k) {
            if patch.target_kind.as_deref().is_some_and(|t| t != kind)
                || patch
                    .target_name
                    .as_deref()
                    .is_some_and(|t| !names_match(name, t))
            {
                continue;
            }
            for d in &loaded.docs {
                let Some(root) = d.root else { continue };
                if d.is_sequence(root) {
                    json6902_candidates(d, root, patch, place, &mut best);
                } else if let Some(c) = strategic_merge_candidate(d, root, patch, kind, name, place)
                {
                    best.consider(c);
                }
            }
        }
    }
    best.best.map(|c| Mapped {
        exact: c.depth == path.len(),
        file: c.file,
        span: c.span,
    })
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
        let better = match &self.best {
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
}

/// The place in the resource's own file: in its document of the same kind whose name best
/// matches the rendered name (Kustomize may have added a prefix or suffix).
fn resource_file_candidate(
    sources: &mut Sources,
    origin: &ResourceOrigin,
    kind: &str,
    name: &str,
    place: &Place,
) -> Option<Candidate> {
    let file = origin.file.as_ref()?;
    let l = sources.file(file)?;
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
    let root = d.root?;
    let (span, depth) = reach(d, root, &place.path, place);
    Some(Candidate {
        file: file.clone(),
        span,
        depth,
        patch: false,
    })
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
        let tokens = pointer(p);
        if tokens.len() > path.len() || !tokens.iter().zip(path).all(|(t, s)| token_matches(t, s)) {
            continue;
        }
        let (span, depth) = match d.entry(op, "value") {
            Some(v) => {
                let rest = &path[tokens.len()..];
                if rest.is_empty() {
                    (d.span(v.key), tokens.len())
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
        });
    }
}

/// A strategic-merge patch document: a candidate when it is of the same kind, names the
/// resource (or the patch's target does) and writes part of the path beyond the fields that
/// only say which object it patches.
fn strategic_merge_candidate(
    d: &Document,
    root: load::NodeId,
    patch: &Patch,
    kind: &str,
    name: &str,
    place: &Place,
) -> Option<Candidate> {
    let path = &place.path;
    if d.get_str(root, "kind").is_some_and(|k| k != kind) {
        return None;
    }
    let written = d
        .path(root, &["metadata", "name"])
        .and_then(|n| d.scalar(n));
    if written.is_some_and(|w| !names_match(name, w)) && patch.target_name.is_none() {
        return None;
    }
    let (span, depth) = reach(d, root, path, place);
    if depth == 0 || names_the_target(path) {
        return None;
    }
    Some(Candidate {
        file: patch.file.clone(),
        span: shift(span, patch),
        depth,
        patch: true,
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
