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
    let path = &place.path;
    // Fields Kustomize sets itself.
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
    let leaf = place.value.is_some();
    let mut best: Option<Candidate> = None;
    let mut consider = |c: Candidate| {
        let better = match &best {
            None => true,
            // A patch wins a tie only for a value it sets: a mapping it adds a key to is
            // still the resource file's.
            Some(b) => {
                c.depth > b.depth
                    || (c.depth == b.depth && c.depth == path.len() && c.patch && leaf)
            }
        };
        if better {
            best = Some(c);
        }
    };
    if let Some(file) = &origin.file
        && let Some(l) = sources.file(file)
    {
        let doc = l
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
            });
        if let Some(d) = doc
            && let Some(root) = d.root
        {
            let (span, depth) = reach(d, root, path, place);
            consider(Candidate {
                file: file.clone(),
                span,
                depth,
                patch: false,
            });
        }
    }
    let mut seen = Vec::new();
    let kustomizations: Vec<PathBuf> = origin
        .transformed_in
        .iter()
        .filter(|(_, t)| t.starts_with("Patch"))
        .map(|(k, _)| k.clone())
        .filter(|k| {
            let new = !seen.contains(k);
            seen.push(k.clone());
            new
        })
        .collect();
    for k in kustomizations {
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
                    // JSON 6902 operations.
                    for &op in d.items(root) {
                        let Some(p) = d.get_str(op, "path") else {
                            continue;
                        };
                        let tokens = pointer(p);
                        if tokens.len() > path.len()
                            || !tokens.iter().zip(path).all(|(t, s)| token_matches(t, s))
                        {
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
                        consider(Candidate {
                            file: patch.file.clone(),
                            span: shift(span, patch),
                            depth,
                            patch: true,
                        });
                    }
                    continue;
                }
                // A strategic-merge patch: the same kind, and the name it targets.
                if d.get_str(root, "kind").is_some_and(|k| k != kind) {
                    continue;
                }
                let written = d
                    .path(root, &["metadata", "name"])
                    .and_then(|n| d.scalar(n));
                if written.is_some_and(|w| !names_match(name, w)) && patch.target_name.is_none() {
                    continue;
                }
                // A patch names its target by kind and name: that is not where a problem
                // is written.
                let identity = path.len() <= 2
                    && match path.first().and_then(Seg::key) {
                        Some("apiVersion" | "kind") => true,
                        Some("metadata") => path
                            .get(1)
                            .is_none_or(|s| matches!(s.key(), Some("name" | "namespace"))),
                        _ => false,
                    };
                let (span, depth) = reach(d, root, path, place);
                if depth == 0 || identity {
                    continue;
                }
                consider(Candidate {
                    file: patch.file.clone(),
                    span: shift(span, patch),
                    depth,
                    patch: true,
                });
            }
        }
    }
    best.map(|c| Mapped {
        exact: c.depth == path.len(),
        file: c.file,
        span: c.span,
    })
}
