//! `kustomize build` (or `kubectl kustomize`): an overlay directory in, rendered YAML out.
//!
//! The overlay is built through a small wrapper kustomization in a temporary directory that
//! lists the overlay as its one resource and asks for build metadata, so that every rendered
//! resource carries Kustomize's own record of the file it came from
//! (`config.kubernetes.io/origin`) and of the kustomizations whose transformers changed it
//! (`alpha.config.kubernetes.io/transformations`). The user's files are never touched.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Sandbox, TempDir};
use crate::discover::confine::Confinement;
use crate::load::{self, Document, NodeId, ScalarStyle};

pub const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";
pub const TRANSFORMATIONS_ANNOTATION: &str = "alpha.config.kubernetes.io/transformations";

/// The program that builds kustomizations.
#[derive(Debug, Clone)]
pub struct Kustomizer {
    pub program: PathBuf,
    /// `kubectl kustomize DIR` rather than `kustomize build DIR`.
    pub kubectl: bool,
}

impl Kustomizer {
    /// The configured binary, else `kustomize` on PATH, else `kubectl` on PATH.
    pub fn find(configured: Option<&Path>) -> Option<Kustomizer> {
        if let Some(p) = configured {
            let kubectl = p
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| s.starts_with("kubectl"));
            return Some(Kustomizer {
                program: p.to_path_buf(),
                kubectl,
            });
        }
        if let Some(p) = super::find_on_path("kustomize") {
            return Some(Kustomizer {
                program: p,
                kubectl: false,
            });
        }
        super::find_on_path("kubectl").map(|p| Kustomizer {
            program: p,
            kubectl: true,
        })
    }

    /// The build of `dir`, with the defaults that keep it inside the repository said out
    /// loud (a build reads no file outside its kustomization's directory, runs no plugin and
    /// no `helm`), whatever a newer tool's defaults become.
    fn args(&self, dir: &Path) -> Vec<String> {
        let verb = if self.kubectl { "kustomize" } else { "build" };
        vec![
            verb.to_string(),
            "--load-restrictor=LoadRestrictionsRootOnly".into(),
            "--enable-alpha-plugins=false".into(),
            "--enable-helm=false".into(),
            dir.display().to_string(),
        ]
    }

    /// The build's arguments but the directory: what, with the tool, decides its output.
    pub fn flags(&self) -> Vec<String> {
        let mut a = self.args(Path::new(""));
        a.pop();
        a
    }

    pub fn describe(&self) -> &'static str {
        if self.kubectl {
            "kubectl kustomize"
        } else {
            "kustomize build"
        }
    }
}

/// A rendered overlay.
pub struct Built {
    pub text: String,
    /// The directory origin paths in the output are relative to (the wrapper's, which no
    /// longer exists: only used to resolve paths); None when the build carries no origins.
    pub base: Option<PathBuf>,
}

/// Whether a kustomization file declares a Component (not buildable on its own).
pub fn is_component(file: &Path) -> bool {
    std::fs::read_to_string(file).is_ok_and(|t| {
        let l = load::load_text(&t);
        l.docs
            .first()
            .and_then(|d| {
                d.root
                    .and_then(|r| d.get_str(r, "kind"))
                    .map(|k| k == "Component")
            })
            .unwrap_or(false)
    })
}

/// Builds the overlay in `dir` within `timeout` (one limit for the whole build). Err: the
/// tool's message.
pub fn build(
    k: &Kustomizer,
    dir: &Path,
    sandbox: &Sandbox,
    timeout: Duration,
) -> Result<Built, String> {
    let deadline = Instant::now() + timeout;
    let canonical = dir
        .canonicalize()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let wrapped = wrapper(&canonical).map(|(tmp, wrapper)| {
        let out = super::run(sandbox, &k.program, &k.args(&wrapper), deadline);
        (tmp, wrapper, out)
    });
    match wrapped {
        Some((_tmp, wrapper, Ok(out))) => {
            return Ok(Built {
                text: out.stdout,
                base: Some(wrapper),
            });
        }
        // Only a Kustomize too old for build metadata is given a second, plain build; any
        // other failure (or the time limit) would fail the same way again.
        Some((_, _, Err(e))) if !e.contains("buildMetadata") => return Err(e),
        _ => {}
    }
    let out = super::run(sandbox, &k.program, &k.args(dir), deadline)?;
    Ok(Built {
        text: out.stdout,
        base: None,
    })
}

/// A wrapper kustomization in a temporary directory that builds `canonical` with build
/// metadata: the directory (kept while it exists) and its canonical path. None: it could not
/// be written.
fn wrapper(canonical: &Path) -> Option<(TempDir, PathBuf)> {
    let tmp = TempDir::new().ok()?;
    let wrapper = tmp.path().canonicalize().ok()?;
    let rel = super::relative_path(&wrapper, canonical)?;
    let rel = rel.display().to_string().replace('\\', "/");
    let text = format!(
        "# Written by keelhaul to record where each resource comes from.\nresources:\n- {}\nbuildMetadata: [originAnnotations, transformerAnnotations]\n",
        yaml_quote(&rel)
    );
    std::fs::write(wrapper.join("kustomization.yaml"), text).ok()?;
    Some((tmp, wrapper))
}

fn yaml_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// What Kustomize recorded about one rendered resource.
#[derive(Debug, Default, Clone)]
pub struct ResourceOrigin {
    /// The file the resource was read from.
    pub file: Option<PathBuf>,
    /// A remote base (`repo:`), never on disk.
    pub repo: Option<String>,
    /// A generator's kustomization (ConfigMap/Secret generators, Helm inflation).
    pub generated_in: Option<PathBuf>,
    /// Kustomizations whose transformers changed the resource, with the transformer kind, in
    /// the order they ran.
    pub transformed_in: Vec<(PathBuf, String)>,
}

/// Reads the origin annotations of a rendered resource; paths are resolved against `base`.
pub fn origin_of(doc: &Document, resource: NodeId, base: &Path) -> ResourceOrigin {
    let mut o = ResourceOrigin::default();
    let Some(ann) = doc.path(resource, &["metadata", "annotations"]) else {
        return o;
    };
    let resolve = |p: &str| super::normalize(&base.join(p));
    if let Some(text) = doc.get_str(ann, ORIGIN_ANNOTATION) {
        let l = load::load_text(text);
        if let Some(d) = l.docs.first()
            && let Some(r) = d.root
        {
            o.repo = d.get_str(r, "repo").map(str::to_string);
            if let Some(p) = d.get_str(r, "path")
                && o.repo.is_none()
            {
                o.file = Some(resolve(p));
            }
            if let Some(c) = d.get_str(r, "configuredIn") {
                o.generated_in = Some(resolve(c));
            }
        }
    }
    if let Some(text) = doc.get_str(ann, TRANSFORMATIONS_ANNOTATION) {
        let l = load::load_text(text);
        if let Some(d) = l.docs.first()
            && let Some(r) = d.root
        {
            for &item in d.items(r) {
                // Kustomize appends its own entries to what the input already carried, so an
                // entry may be the tree's own writing: only a kustomization file counts.
                let Some(c) = d
                    .get_str(item, "configuredIn")
                    .filter(|c| is_kustomization_name(c))
                else {
                    continue;
                };
                let kind = d
                    .path(item, &["configuredBy", "kind"])
                    .and_then(|k| d.scalar(k))
                    .unwrap_or("")
                    .to_string();
                o.transformed_in.push((resolve(c), kind));
            }
        }
    }
    o
}

/// Whether a path names a kustomization file (`kustomization.yaml`, `.yml`, `Kustomization`).
pub fn is_kustomization_name(p: &str) -> bool {
    Path::new(p)
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| {
            matches!(
                n,
                "kustomization.yaml" | "kustomization.yml" | "Kustomization"
            )
        })
}

/// A patch a kustomization applies.
#[derive(Debug, Clone)]
pub struct Patch {
    /// The file that holds the patch text (the patch file, or the kustomization for an
    /// inline patch).
    pub file: PathBuf,
    pub text: String,
    /// Where the text starts in `file`: added to lines; `col` added to columns (an inline
    /// block scalar's indentation).
    pub line_offset: u32,
    pub col_offset: u32,
    pub target_kind: Option<String>,
    pub target_name: Option<String>,
}

/// The patches a kustomization file declares (`patches`, `patchesStrategicMerge`,
/// `patchesJson6902`), in the order Kustomize applies them. Unreadable files, and files
/// outside where the scan may read, are left out.
pub fn patches_of(kustomization: &Path, inside: &Confinement) -> Vec<Patch> {
    let Some(text) = inside.read_to_string(kustomization) else {
        return Vec::new();
    };
    let dir = kustomization.parent().unwrap_or(Path::new(""));
    let loaded = load::load_text(&text);
    let Some(d) = loaded.docs.first() else {
        return Vec::new();
    };
    let Some(root) = d.root else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for key in ["patchesStrategicMerge", "patchesJson6902", "patches"] {
        let Some(list) = d.get(root, key) else {
            continue;
        };
        for &item in d.items(list) {
            let patch = if d.is_mapping(item) {
                let (tk, tn) = patch_target(d, item);
                if let Some(p) = d.get_str(item, "path") {
                    patch_file(dir, p, tk, tn, inside)
                } else if let Some(p) = d.get(item, "patch") {
                    inline_patch(kustomization, &text, d, p, tk, tn)
                } else {
                    None
                }
            } else if let Some(s) = d.scalar(item) {
                // patchesStrategicMerge: a file name, or an inline patch.
                if s.contains('\n') || s.contains(':') {
                    inline_patch(kustomization, &text, d, item, None, None)
                } else {
                    patch_file(dir, s, None, None, inside)
                }
            } else {
                None
            };
            out.extend(patch);
        }
    }
    out
}

/// A patch entry's `target`: its kind and name.
fn patch_target(d: &Document, item: NodeId) -> (Option<String>, Option<String>) {
    let t = d.get(item, "target");
    (
        t.and_then(|t| d.get_str(t, "kind")).map(str::to_string),
        t.and_then(|t| d.get_str(t, "name")).map(str::to_string),
    )
}

/// A patch in its own file, `rel` to the kustomization's directory (`None`: unreadable, or
/// outside where the scan may read).
fn patch_file(
    dir: &Path,
    rel: &str,
    tk: Option<String>,
    tn: Option<String>,
    inside: &Confinement,
) -> Option<Patch> {
    let file = dir.join(rel);
    inside.read_to_string(&file).map(|text| Patch {
        file,
        text,
        line_offset: 0,
        col_offset: 0,
        target_kind: tk,
        target_name: tn,
    })
}

/// A patch written in the kustomization (`text`) at `node`.
fn inline_patch(
    kustomization: &Path,
    text: &str,
    d: &Document,
    node: NodeId,
    tk: Option<String>,
    tn: Option<String>,
) -> Option<Patch> {
    let body = d.scalar(node)?;
    let span = d.span(node);
    let literal = matches!(
        d.node(node).kind,
        load::NodeKind::Scalar {
            style: ScalarStyle::Literal,
            ..
        }
    );
    let (line_offset, col_offset) = if literal {
        literal_block_offsets(text, span.start.line)
    } else {
        (span.start.line.saturating_sub(1), span.start.col)
    };
    Some(Patch {
        file: kustomization.to_path_buf(),
        text: body.to_string(),
        line_offset,
        col_offset,
        target_kind: tk,
        target_name: tn,
    })
}

/// Where the text of a literal block starting on `line` (1-based) is in the file: a literal
/// block's lines are the file's lines; its first content line follows the indicator line
/// (`patch: |-`), at the block's indentation.
fn literal_block_offsets(text: &str, line: u32) -> (u32, u32) {
    let lines: Vec<&str> = text.lines().collect();
    let at = line.max(1) as usize - 1;
    let is_indicator = |l: &str| {
        let t = l.split(" #").next().unwrap_or("").trim_end();
        let t = t.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
        t.ends_with('|')
    };
    let first = if lines.get(at).is_some_and(|l| is_indicator(l)) {
        at + 1
    } else {
        at
    };
    let indent = lines
        .get(first)
        .map(|l| l.len() - l.trim_start().len())
        .unwrap_or(0);
    (first as u32, indent as u32)
}

/// What a build's output says it read: the files of its resources and the kustomizations
/// whose transformers changed them (each once, in the order first met). A function of the
/// output alone, so the render cache keeps it with the output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildReads {
    pub files: Vec<PathBuf>,
    pub kustomizations: Vec<PathBuf>,
}

/// What a build read, from the origin annotations of its output (paths resolved against
/// `base`).
pub fn reads_of(text: &str, base: &Path) -> BuildReads {
    let mut reads = BuildReads::default();
    for doc in &load::load_text(text).docs {
        let Some(root) = doc.root else { continue };
        let o = origin_of(doc, root, base);
        reads.files.extend(o.file);
        for (k, _) in o.transformed_in {
            if !reads.kustomizations.contains(&k) {
                reads.kustomizations.push(k);
            }
        }
    }
    reads
}
