//! discover: paths in, an ordered list of inputs out. Owns walking (gitignore and
//! `.keelhaulignore` honoured, hidden directories included but `.git`, include/exclude
//! globs, links never followed out of the scanned root or into a `.git` directory), setting Helm chart templates
//! aside (they are not YAML until rendered), and reading an input's bytes within the size
//! limit (`read`).

pub mod confine;
pub mod paths;
pub mod read;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::overrides::OverrideBuilder;
use ignore::{WalkBuilder, WalkState};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    /// A file to read; `display` is how reports name it.
    File { path: PathBuf, display: String },
    /// Standard input.
    Stdin,
    /// The walk could not read this path (a dangling link, a loop, permissions).
    Unreadable { display: String, message: String },
    /// A symbolic link that is not followed, and why; `target` is where it leads.
    LinkNotFollowed {
        display: String,
        target: String,
        why: NotFollowed,
    },
    /// A path named on the command line that is no regular file and no directory (a FIFO, a
    /// device, a socket): never opened, since that may wait or never end. `kind` says what
    /// it is.
    NotRegular { display: String, kind: &'static str },
    /// A Helm chart (a directory with `Chart.yaml`): rendered as a whole; its `templates/`
    /// files are set aside, never read as manifests. `display` names its `Chart.yaml`.
    Chart {
        dir: PathBuf,
        chart_yaml: PathBuf,
        display: String,
        /// Template files set aside.
        templates: usize,
        /// The chart sits in another chart's `charts/`: it is rendered through that one.
        subchart: bool,
    },
    /// A file that may define AKS clusters: `az aks` command lines in scripts and Markdown
    /// (`.sh`, `.bash`, `.zsh`, `.ps1`, `.psm1`, `.md`, `.markdown`), Bicep (`.bicep`) and
    /// Terraform (`.tf`). Read for AKS cluster definitions only.
    Script { path: PathBuf, display: String },
    /// A Kustomize kustomization (a directory with `kustomization.yaml`, `kustomization.yml`
    /// or `Kustomization`). `display` names the kustomization file.
    Kustomization {
        dir: PathBuf,
        file: PathBuf,
        display: String,
    },
}

impl Input {
    pub fn display(&self) -> &str {
        match self {
            Input::File { display, .. }
            | Input::Unreadable { display, .. }
            | Input::LinkNotFollowed { display, .. }
            | Input::NotRegular { display, .. }
            | Input::Script { display, .. }
            | Input::Chart { display, .. }
            | Input::Kustomization { display, .. } => display,
            Input::Stdin => "<stdin>",
        }
    }
}

/// Why a symbolic link is not followed. Every file of a pull request is its author's: a
/// link that reads what the pull request does not hold could put that into a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NotFollowed {
    /// It leads out of the directory being scanned.
    OutOfRoot,
    /// Named on the command line, it lies in the repository and leads out of it.
    OutOfRepository,
    /// It leads into a `.git` directory: git's own files (the repository's configuration,
    /// credentials a checkout keeps among it), never a manifest.
    IntoGit,
}

/// Why the link at a path whose target is `target` is not followed, when it is not: `root` is
/// the directory being scanned (canonical). A path in a `.git` directory that holds the
/// root itself does not count.
fn link_refusal(target: &Path, root: &Path) -> Option<NotFollowed> {
    match target.strip_prefix(root) {
        Err(_) => Some(NotFollowed::OutOfRoot),
        Ok(rel) if rel.components().any(paths::is_git) => Some(NotFollowed::IntoGit),
        Ok(_) => None,
    }
}

/// Why a path named on the command line that is a symbolic link is not followed, with where
/// it leads: into a `.git` directory that does not hold the link, or out of the repository
/// that holds it (see `paths::repository_root`).
fn named_link_refusal(p: &Path) -> Option<(NotFollowed, PathBuf)> {
    if !std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()) {
        return None;
    }
    let target = p.canonicalize().ok()?;
    let parent = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let dir = parent.canonicalize().ok()?;
    let shared = dir
        .components()
        .zip(target.components())
        .take_while(|(a, b)| a == b)
        .count();
    if target.components().skip(shared).any(paths::is_git) {
        return Some((NotFollowed::IntoGit, target));
    }
    let repo = paths::repository_root().canonicalize().ok()?;
    (dir.starts_with(&repo) && !target.starts_with(&repo))
        .then_some((NotFollowed::OutOfRepository, target))
}

pub struct DiscoverOptions<'a> {
    pub include: &'a [String],
    pub exclude: &'a [String],
}

/// A path given on the command line that does not exist, or a bad glob: a usage error.
#[derive(Debug)]
pub struct DiscoverError(pub String);

/// The file names Kustomize reads a kustomization from, in its order of preference.
pub const KUSTOMIZATION_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

fn is_kustomization_name(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| KUSTOMIZATION_NAMES.contains(&n))
}

/// Files that may define AKS clusters (scripts, Markdown, Bicep, Terraform).
pub fn is_script_name(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        [
            "sh", "bash", "zsh", "ps1", "psm1", "md", "markdown", "bicep", "tf",
        ]
        .iter()
        .any(|x| e.eq_ignore_ascii_case(x))
    })
}

pub fn is_manifest_name(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        e.eq_ignore_ascii_case("yaml")
            || e.eq_ignore_ascii_case("yml")
            || e.eq_ignore_ascii_case("json")
    })
}

pub fn discover(paths: &[PathBuf], opts: &DiscoverOptions) -> Result<Vec<Input>, DiscoverError> {
    let mut inputs = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        if let Some((why, target)) = named_link_refusal(p) {
            inputs.push(Input::LinkNotFollowed {
                display: p.display().to_string(),
                target: target.display().to_string(),
                why,
            });
            continue;
        }
        let meta =
            std::fs::metadata(p).map_err(|e| DiscoverError(format!("{}: {}", p.display(), e)))?;
        if meta.is_dir() {
            walk(p, opts, &mut inputs)?;
        } else if let Some(kind) = read::special_kind(&meta) {
            inputs.push(Input::NotRegular {
                display: p.display().to_string(),
                kind,
            });
        } else {
            // A file named on the command line is scanned whatever its extension; scripts
            // and Markdown are read for `az aks` commands.
            if is_script_name(p) {
                inputs.push(Input::Script {
                    path: p.clone(),
                    display: p.display().to_string(),
                });
            } else {
                inputs.push(Input::File {
                    path: p.clone(),
                    display: p.display().to_string(),
                });
            }
        }
    }
    Ok(group_renderable(inputs))
}

fn walk(root: &Path, opts: &DiscoverOptions, out: &mut Vec<Input>) -> Result<(), DiscoverError> {
    let mut ov = OverrideBuilder::new(root);
    for g in opts.include {
        ov.add(g)
            .map_err(|e| DiscoverError(format!("--include {g}: {e}")))?;
    }
    for g in opts.exclude {
        ov.add(&format!("!{g}"))
            .map_err(|e| DiscoverError(format!("--exclude {g}: {e}")))?;
    }
    let overrides = ov
        .build()
        .map_err(|e| DiscoverError(format!("bad glob: {e}")))?;
    let canonical_root = root
        .canonicalize()
        .map_err(|e| DiscoverError(format!("{}: {}", root.display(), e)))?;
    let found = Mutex::new(Vec::new());
    WalkBuilder::new(root)
        // Manifests live in hidden directories too (`.deploy/`, `.argocd/`); only git's own
        // directory is never of interest.
        .hidden(false)
        .filter_entry(|e| e.file_name() != ".git")
        .follow_links(true)
        .require_git(false)
        .add_custom_ignore_filename(".keelhaulignore")
        .overrides(overrides)
        .sort_by_file_path(|a, b| a.cmp(b))
        .build_parallel()
        .run(|| {
            let found = &found;
            let canonical_root = &canonical_root;
            Box::new(move |entry| {
                let item = match entry {
                    Ok(e) => {
                        let path = e.path();
                        let is_file = e.file_type().is_some_and(|t| t.is_file());
                        if e.path_is_symlink() {
                            match path.canonicalize() {
                                Ok(target) => {
                                    if let Some(why) = link_refusal(&target, canonical_root) {
                                        let item = not_followed(
                                            path,
                                            &target,
                                            canonical_root,
                                            why,
                                            is_file,
                                        );
                                        if let Some(item) = item {
                                            found.lock().map(|mut f| f.push(item)).ok();
                                        }
                                        return WalkState::Skip;
                                    }
                                    None
                                }
                                Err(err) if is_manifest_name(path) => Some(Input::Unreadable {
                                    display: path.display().to_string(),
                                    message: err.to_string(),
                                }),
                                _ => None,
                            }
                        } else {
                            None
                        }
                        .or_else(|| {
                            if is_file && (is_manifest_name(path) || is_kustomization_name(path)) {
                                Some(Input::File {
                                    path: path.to_path_buf(),
                                    display: path.display().to_string(),
                                })
                            } else if is_file && is_script_name(path) {
                                Some(Input::Script {
                                    path: path.to_path_buf(),
                                    display: path.display().to_string(),
                                })
                            } else {
                                None
                            }
                        })
                    }
                    Err(err) => Some(walk_error(err)),
                };
                if let Some(item) = item {
                    found.lock().map(|mut f| f.push(item)).ok();
                }
                WalkState::Continue
            })
        });
    let mut found = found.into_inner().unwrap_or_default();
    found.sort();
    out.extend(found);
    Ok(())
}

/// The input that reports a link the walk does not follow: only one keelhaul would have read
/// (a directory, a manifest or a kustomization) is worth a word. A link into `.git` shows its
/// target from the scanned root.
fn not_followed(
    path: &Path,
    target: &Path,
    root: &Path,
    why: NotFollowed,
    is_file: bool,
) -> Option<Input> {
    if is_file && !is_manifest_name(path) && !is_kustomization_name(path) {
        return None;
    }
    let shown = match why {
        NotFollowed::IntoGit => target.strip_prefix(root).unwrap_or(target),
        _ => target,
    };
    Some(Input::LinkNotFollowed {
        display: path.display().to_string(),
        target: shown.display().to_string(),
        why,
    })
}

fn walk_error(err: ignore::Error) -> Input {
    let mut path = None;
    let mut e = &err;
    loop {
        match e {
            ignore::Error::WithPath { path: p, err } => {
                path = Some(p.display().to_string());
                e = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                e = err
            }
            ignore::Error::Loop { child, .. } => {
                path = Some(child.display().to_string());
                break;
            }
            _ => break,
        }
    }
    let message = match e {
        ignore::Error::Loop { ancestor, .. } => {
            format!("symbolic link loop back to {}", ancestor.display())
        }
        ignore::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    };
    Input::Unreadable {
        display: path.unwrap_or_else(|| "<walk>".into()),
        message,
    }
}

/// Finds the charts and kustomizations among the walked files: a chart's `templates/` files
/// are set aside (counted on the chart); every `Chart.yaml` makes a `Chart` input and every
/// kustomization file a `Kustomization` input (a directory with several kustomization files
/// counts once, as Kustomize reads only one). A file named `Kustomization` is not YAML-named
/// and is not scanned as a manifest.
fn group_renderable(inputs: Vec<Input>) -> Vec<Input> {
    let mut is_chart: HashMap<PathBuf, bool> = HashMap::new();
    // Chart directory → (Chart.yaml as displayed, templates set aside).
    let mut charts: BTreeMap<PathBuf, (String, usize)> = BTreeMap::new();
    let mut kustomizations: BTreeMap<PathBuf, (PathBuf, String)> = BTreeMap::new();
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        if let Input::File { path, display } = &input {
            if let Some(chart) = chart_of_template(path, &mut is_chart) {
                let entry = charts.entry(chart.clone()).or_insert_with(|| {
                    let shown = Path::new(display)
                        .ancestors()
                        .find(|a| a.file_name().is_some_and(|n| n == "templates"))
                        .and_then(Path::parent)
                        .map(|c| c.join("Chart.yaml").display().to_string())
                        .unwrap_or_else(|| chart.join("Chart.yaml").display().to_string());
                    (shown, 0)
                });
                entry.1 += 1;
                continue;
            }
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
            if name == "Chart.yaml" {
                charts.entry(dir).or_insert_with(|| (display.clone(), 0));
            } else if KUSTOMIZATION_NAMES.contains(&name) {
                let rank = |p: &Path| {
                    KUSTOMIZATION_NAMES
                        .iter()
                        .position(|n| p.file_name().is_some_and(|f| f == *n))
                        .unwrap_or(usize::MAX)
                };
                let e = kustomizations
                    .entry(dir)
                    .or_insert_with(|| (path.clone(), display.clone()));
                if rank(path) < rank(&e.0) {
                    *e = (path.clone(), display.clone());
                }
                if name == "Kustomization" {
                    continue;
                }
            }
        }
        out.push(input);
    }
    for (dir, (display, templates)) in &charts {
        let subchart = dir.parent().is_some_and(|p| {
            p.file_name().is_some_and(|n| n == "charts")
                && p.parent()
                    .is_some_and(|c| charts.contains_key(c) || c.join("Chart.yaml").is_file())
        });
        out.push(Input::Chart {
            dir: dir.clone(),
            chart_yaml: dir.join("Chart.yaml"),
            display: display.clone(),
            templates: *templates,
            subchart,
        });
    }
    for (dir, (file, display)) in kustomizations {
        // A kustomization inside a chart is the chart's business (post-renderers).
        if charts.keys().any(|c| dir.starts_with(c)) {
            continue;
        }
        out.push(Input::Kustomization { dir, file, display });
    }
    // Kept for the whole scan: no room to spare (a repository may have many thousand files).
    out.shrink_to_fit();
    out
}

fn chart_of_template(path: &Path, cache: &mut HashMap<PathBuf, bool>) -> Option<PathBuf> {
    for dir in path.ancestors().skip(1) {
        if dir.file_name().is_some_and(|n| n == "templates")
            && let Some(chart) = dir.parent()
        {
            let yes = *cache
                .entry(chart.to_path_buf())
                .or_insert_with(|| chart.join("Chart.yaml").is_file());
            if yes {
                return Some(chart.to_path_buf());
            }
        }
    }
    None
}
