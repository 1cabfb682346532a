//! What decides a render's output: the tool (its path and the version it reports), its
//! arguments, and the content of every file it can read. Two renders with the same inputs
//! print the same text, so the inputs, hashed, are the key of the render cache and of the
//! phase's own de-duplication.
//!
//! Which files a render can read is decided without running it, and errs on the side of
//! more: every file under each directory the render is rooted in (a chart, a kustomization,
//! and each kustomization or chart directory that one names, transitively), not only those
//! the output shows it used. Kustomize reads nothing outside a kustomization's own directory
//! but other kustomization directories (`LoadRestrictionsRootOnly`), and Helm nothing outside
//! the chart but the values files it is given, so a file a render would newly read can only
//! appear under a directory already hashed, or through a new name in a file already hashed:
//! either changes the key. A render whose inputs cannot all be read inside the repository
//! gets no key and simply runs.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::{HelmOptions, HelmRender, Sandbox};
use crate::discover::confine::Confinement;
use crate::load;

pub type Hash = [u8; 32];

/// What a render input is when the key is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    File(Hash),
    /// A directory (its entries are inputs of their own): a file added to it is a new input.
    Dir,
    /// Neither a regular file nor a directory (a pipe, a device, a broken link).
    Other,
}

impl State {
    pub fn encode(&self) -> String {
        match self {
            State::File(h) => hex(h),
            State::Dir => "dir".into(),
            State::Other => "other".into(),
        }
    }

    pub fn decode(s: &str) -> Option<State> {
        match s {
            "dir" => Some(State::Dir),
            "other" => Some(State::Other),
            _ => unhex(s).map(State::File),
        }
    }
}

/// The key of one render.
#[derive(Debug, Clone)]
pub struct Key {
    /// The hash of everything below and of the tool and arguments.
    pub digest: Hash,
    /// Every input with its state, sorted: recorded in a cache entry and compared on a hit.
    pub inputs: Vec<(PathBuf, State)>,
    /// Why the output must not be kept in the cache (it would hold something that is not in
    /// the repository's committed files); None: it may be.
    pub private: Option<String>,
}

/// Why a render has no key (it runs every time).
pub type NoKey = String;

/// The tool a render runs, as far as its output depends on it.
#[derive(Debug, Clone)]
pub struct ToolId {
    text: String,
}

impl ToolId {
    /// The program alone: enough within one scan, where it cannot change.
    pub fn path_only(program: &Path) -> ToolId {
        ToolId {
            text: format!("{}\n", program.display()),
        }
    }

    /// Asks `program` for its version (`args`), within a few seconds. None: it did not say,
    /// so renders with it are not keyed.
    pub fn probe(
        program: &Path,
        args: &[&str],
        sandbox: &Sandbox,
        limit: Duration,
    ) -> Option<ToolId> {
        let real = program.canonicalize().ok()?;
        let meta = std::fs::metadata(&real).ok()?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .unwrap_or_default();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let out = super::run(
            sandbox,
            program,
            &args,
            Instant::now() + limit.min(Duration::from_secs(10)),
        )
        .ok()?;
        let version = out.stdout.trim();
        if version.is_empty() {
            return None;
        }
        Some(ToolId {
            text: format!(
                "{}\n{}\n{} {}\n",
                real.display(),
                version,
                meta.len(),
                modified.as_nanos()
            ),
        })
    }
}

/// The files under one directory, as inputs.
#[derive(Default)]
struct Tree {
    entries: Vec<(PathBuf, State)>,
    /// The files that name other paths the render reads: a kustomization's own file (a
    /// Kustomize tree), every `Chart.yaml` (a chart's).
    namers: Vec<PathBuf>,
    /// Directories below the root with a kustomization of their own, left out of a Kustomize
    /// tree: the build reads them only through a name, which makes them a root of their own.
    pruned: Vec<PathBuf>,
    /// Why the tree cannot be an input (a link out of the repository, too many files).
    refused: Option<String>,
}

impl Tree {
    /// Whether `p` is read as part of this tree (under its root, not under a pruned
    /// directory).
    fn covers(&self, root: &Path, p: &Path) -> bool {
        p.starts_with(root) && !self.pruned.iter().any(|d| p.starts_with(d))
    }
}

/// How a directory is walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Walk {
    /// A chart: every file (a template can read any of them).
    Chart,
    /// A kustomization: every file but those under a directory with a kustomization of its
    /// own.
    Kustomization,
}

/// The most entries a render's directories may hold to be keyed.
const MAX_ENTRIES: usize = 200_000;

/// Reads and hashes inputs for the renders of one scan, each file and directory once.
pub struct Reader {
    inside: Confinement,
    files: Mutex<HashMap<PathBuf, State>>,
    trees: Mutex<HashMap<(PathBuf, Walk), Arc<Tree>>>,
    /// The files git tracks in each repository scanned (None: not a repository, or git
    /// could not tell).
    tracked: OnceLock<Option<HashSet<PathBuf>>>,
}

impl Reader {
    pub fn new(inside: Confinement) -> Reader {
        Reader {
            inside,
            files: Mutex::new(HashMap::new()),
            trees: Mutex::new(HashMap::new()),
            tracked: OnceLock::new(),
        }
    }

    /// The state of one file (followed if a link), hashed once per scan.
    fn file(&self, p: &Path) -> State {
        if let Some(s) = self.files.lock().ok().and_then(|m| m.get(p).copied()) {
            return s;
        }
        let s = match std::fs::metadata(p) {
            Ok(m) if m.is_file() => hash_file(p).map_or(State::Other, State::File),
            Ok(m) if m.is_dir() => State::Dir,
            _ => State::Other,
        };
        if let Ok(mut m) = self.files.lock() {
            m.insert(p.to_path_buf(), s);
        }
        s
    }

    /// Every file and directory under `root` (canonical), `.git` left out.
    fn tree(&self, root: &Path, how: Walk) -> Arc<Tree> {
        let at = (root.to_path_buf(), how);
        if let Some(t) = self.trees.lock().ok().and_then(|m| m.get(&at).cloned()) {
            return t;
        }
        let t = Arc::new(self.walk(root, how));
        if let Ok(mut m) = self.trees.lock() {
            m.insert(at, t.clone());
        }
        t
    }

    fn walk(&self, root: &Path, how: Walk) -> Tree {
        let mut tree = Tree::default();
        tree.entries.push((root.to_path_buf(), State::Dir));
        if how == Walk::Kustomization {
            tree.namers.extend(kustomization_in(root));
        }
        let mut seen: HashSet<PathBuf> = HashSet::from([root.to_path_buf()]);
        let mut stack = vec![(root.to_path_buf(), 0usize)];
        while let Some((dir, depth)) = stack.pop() {
            let Ok(list) = std::fs::read_dir(&dir) else {
                tree.refused = Some(format!("{} cannot be listed", dir.display()));
                return tree;
            };
            for e in list.flatten() {
                if e.file_name() == ".git" {
                    continue;
                }
                if tree.entries.len() > MAX_ENTRIES {
                    tree.refused = Some(format!("{} holds too many files", root.display()));
                    return tree;
                }
                let p = e.path();
                let link = e.file_type().is_ok_and(|t| t.is_symlink());
                if link && !self.inside.contains(&p) && p.canonicalize().is_ok() {
                    tree.refused = Some(format!("{} is a link out of the repository", p.display()));
                    return tree;
                }
                let state = self.file(&p);
                if state == State::Dir {
                    if how == Walk::Kustomization && kustomization_in(&p).is_some() && !link {
                        tree.pruned.push(p.clone());
                    } else {
                        let real = if link { p.canonicalize().ok() } else { None };
                        let new = real.is_none_or(|r| seen.insert(r));
                        if new && depth < 64 {
                            stack.push((p.clone(), depth + 1));
                        }
                    }
                } else if how == Walk::Chart && e.file_name() == "Chart.yaml" {
                    tree.namers.push(p.clone());
                }
                tree.entries.push((p, state));
            }
        }
        tree
    }

    /// The files git tracks in the scanned repositories (with `git ls-files`), once.
    fn tracked(&self) -> Option<&HashSet<PathBuf>> {
        self.tracked
            .get_or_init(|| tracked_files(&self.inside))
            .as_ref()
    }

    /// The state of each file (canonical where it resolves), in order.
    pub fn states(&self, files: &[PathBuf]) -> Vec<(PathBuf, State)> {
        files
            .iter()
            .map(|f| {
                let f = f.canonicalize().unwrap_or_else(|_| f.clone());
                let s = self.file(&f);
                (f, s)
            })
            .collect()
    }

    /// The key of a render rooted in `dirs` (canonical) walked `how`, also reading `files`
    /// (values files: inputs outside the trees), with `identity` (the tool and the
    /// arguments).
    pub fn key(
        &self,
        identity: &str,
        dirs: &[PathBuf],
        how: Walk,
        files: &[PathBuf],
    ) -> Result<Key, NoKey> {
        let mut inputs: BTreeMap<PathBuf, State> = BTreeMap::new();
        let mut roots: Vec<(PathBuf, Arc<Tree>)> = Vec::new();
        let mut queue: Vec<PathBuf> = dirs.to_vec();
        let mut namers_seen: HashSet<PathBuf> = HashSet::new();
        while let Some(root) = queue.pop() {
            if roots.iter().any(|(r, _)| *r == root) {
                continue;
            }
            if !self.inside.contains(&root) {
                return Err(format!(
                    "it reads {}, outside the repository",
                    root.display()
                ));
            }
            let tree = self.tree(&root, how);
            if let Some(why) = &tree.refused {
                return Err(why.clone());
            }
            inputs.extend(tree.entries.iter().cloned());
            roots.push((root.clone(), tree.clone()));
            // The names in the tree's namers, and in the plugin configurations they name.
            let mut namers: Vec<PathBuf> = tree.namers.clone();
            while let Some(namer) = namers.pop() {
                if !namers_seen.insert(namer.clone()) {
                    continue;
                }
                inputs.insert(namer.clone(), self.file(&namer));
                let named = named_paths(&namer, &root);
                namers.extend(
                    named
                        .configs
                        .into_iter()
                        .filter(|c| self.file(c) != State::Other),
                );
                for p in named.paths {
                    self.place(&namer, p, &roots, &mut queue, &mut inputs)?;
                }
            }
        }
        let mut private = None;
        for f in files {
            let f = &f.canonicalize().unwrap_or_else(|_| f.clone());
            let s = self.file(f);
            if !self.inside.contains(f) && private.is_none() {
                private = Some(format!("it reads {}, outside the repository", f.display()));
            }
            inputs.insert(f.clone(), s);
        }
        if private.is_none() {
            private = self.untracked(&inputs);
        }
        let inputs: Vec<(PathBuf, State)> = inputs.into_iter().collect();
        let mut h = Sha256::new();
        h.update(b"keelhaul render key 1\n");
        h.update(identity.as_bytes());
        for (p, s) in &inputs {
            h.update(b"\n");
            h.update(p.as_os_str().as_encoded_bytes());
            h.update(b"\t");
            h.update(s.encode().as_bytes());
        }
        Ok(Key {
            digest: h.finalize().into(),
            inputs,
            private,
        })
    }

    /// Makes `p`, a path `namer` names, an input: covered by a tree already, a new root
    /// (a directory, or the pruned directory it is under), or a file of its own.
    fn place(
        &self,
        namer: &Path,
        p: PathBuf,
        roots: &[(PathBuf, Arc<Tree>)],
        queue: &mut Vec<PathBuf>,
        inputs: &mut BTreeMap<PathBuf, State>,
    ) -> Result<(), NoKey> {
        if p.components()
            .any(|c| matches!(c, Component::Normal(n) if n == ".git"))
        {
            return Err(format!("{} names a path in .git", namer.display()));
        }
        if roots.iter().any(|(r, t)| t.covers(r, &p)) {
            return Ok(());
        }
        if let Some(d) = roots
            .iter()
            .find_map(|(_, t)| t.pruned.iter().find(|d| p.starts_with(d)))
        {
            queue.push(d.clone());
            return Ok(());
        }
        match self.file(&p) {
            State::Dir => {
                if let Ok(real) = p.canonicalize() {
                    queue.push(real);
                }
            }
            State::File(h) if self.inside.contains(&p) => {
                inputs.insert(p, State::File(h));
            }
            State::File(_) => {
                return Err(format!(
                    "{} names {}, outside the repository",
                    namer.display(),
                    p.display()
                ));
            }
            State::Other => {}
        }
        Ok(())
    }

    /// Why the inputs must not be kept: a file among them that git does not track (written
    /// on the machine, perhaps from a secret, rather than committed).
    fn untracked(&self, inputs: &BTreeMap<PathBuf, State>) -> Option<String> {
        let repos: Vec<&PathBuf> = self
            .inside
            .roots()
            .iter()
            .filter(|r| r.join(".git").exists())
            .collect();
        let files = inputs
            .iter()
            .filter(|(_, s)| matches!(s, State::File(_)))
            .map(|(p, _)| p);
        for p in files {
            if !repos.iter().any(|r| p.starts_with(r)) {
                continue;
            }
            if !self.tracked().is_some_and(|t| t.contains(p)) {
                return Some(format!("git does not track {}", p.display()));
            }
        }
        None
    }
}

/// The files git tracks in each scanned repository, as absolute paths. None: git could not
/// tell (not installed, or it refused the repository).
fn tracked_files(inside: &Confinement) -> Option<HashSet<PathBuf>> {
    let mut out = HashSet::new();
    for root in inside.roots() {
        if !root.join(".git").exists() {
            continue;
        }
        let o = std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["ls-files", "-z", "--recurse-submodules"])
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        if !o.status.success() {
            return None;
        }
        for name in o.stdout.split(|&b| b == 0).filter(|n| !n.is_empty()) {
            out.insert(root.join(String::from_utf8_lossy(name).as_ref()));
        }
    }
    Some(out)
}

/// The kustomization file of a directory, if it has one.
fn kustomization_in(dir: &Path) -> Option<PathBuf> {
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// What a namer names.
#[derive(Default)]
struct Named {
    /// Every path it may name (most are no path at all: a name prefix, an image; those
    /// resolve to nothing and are dropped).
    paths: Vec<PathBuf>,
    /// The files named as generator, transformer or validator configurations, which name
    /// paths of their own (a PatchTransformer's `path`).
    configs: Vec<PathBuf>,
}

/// The paths a kustomization file, a plugin configuration or a `Chart.yaml` may name: every
/// string in it (block strings read as YAML in turn: an inline configuration or patch), the
/// part after `=` of `key=path` entries, and `file://` repositories, each resolved against
/// the file's directory and against `root` (the kustomization's directory, which plugin
/// configurations resolve against).
fn named_paths(file: &Path, root: &Path) -> Named {
    let mut named = Named::default();
    let Ok(text) = std::fs::read_to_string(file) else {
        return named;
    };
    let dir = file.parent().unwrap_or(Path::new(""));
    let bases: Vec<&Path> = if dir == root {
        vec![dir]
    } else {
        vec![dir, root]
    };
    names_in_text(&text, &bases, 0, None, &mut named);
    named
}

fn names_in_text(text: &str, bases: &[&Path], depth: u32, field: Option<&str>, out: &mut Named) {
    let loaded = load::load_text(text);
    for d in &loaded.docs {
        let Some(root) = d.root else { continue };
        let mut stack = vec![(root, field.map(str::to_string))];
        while let Some((id, top)) = stack.pop() {
            if let Some(s) = d.scalar(id) {
                names_in_scalar(s, bases, depth, top.as_deref(), out);
            } else if d.is_mapping(id) {
                for e in d.entries(id) {
                    let key = top.clone().or_else(|| d.scalar(e.key).map(str::to_string));
                    stack.push((e.value, key));
                }
            } else {
                stack.extend(d.items(id).iter().map(|&i| (i, top.clone())));
            }
        }
    }
}

fn names_in_scalar(s: &str, bases: &[&Path], depth: u32, field: Option<&str>, out: &mut Named) {
    let s = s.trim();
    if s.is_empty() || s.len() > 64 * 1024 {
        return;
    }
    if s.contains('\n') {
        if depth < 4 {
            names_in_text(s, bases, depth + 1, field, out);
        }
        return;
    }
    let config = matches!(field, Some("generators" | "transformers" | "validators"));
    let mut candidates = vec![s.strip_prefix("file://").unwrap_or(s)];
    if let Some((_, after)) = s.split_once('=') {
        candidates.push(after);
    }
    for c in candidates {
        if c.is_empty() || c.contains("://") {
            continue;
        }
        for b in bases {
            let p = super::normalize(&b.join(c));
            if config && p.is_file() {
                out.configs.push(p.clone());
            }
            out.paths.push(p);
        }
    }
}

fn hash_file(p: &Path) -> Option<Hash> {
    let mut f = std::fs::File::open(p).ok()?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        }
    }
    Some(h.finalize().into())
}

pub fn hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Hash> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// The identity of an overlay's build: the tool, the flags, the overlay.
pub fn kustomize_identity(tool: &ToolId, args: &[String], overlay: &Path) -> String {
    format!(
        "kustomize\n{}{}\noverlay {}",
        tool.text,
        args.join("\0"),
        overlay.display()
    )
}

/// The identity of a chart's render: the tool, the release, namespace and version, and the
/// values files by content (two environments with the same values render alike), in order.
pub fn helm_identity(
    tool: &ToolId,
    chart: &Path,
    values: &[(PathBuf, State)],
    render: &HelmRender,
    opts: &HelmOptions,
    kube_version: &str,
    namespace: &str,
) -> String {
    let mut s = format!(
        "helm\n{}chart {}\nrelease {:?}\nnamespace {:?}\nkube {kube_version}\n",
        tool.text,
        chart.display(),
        render
            .release_name
            .as_deref()
            .or(opts.release_name.as_deref())
            .unwrap_or("release-name"),
        render
            .namespace
            .as_deref()
            .or(opts.namespace.as_deref())
            .unwrap_or(namespace),
    );
    for (_, v) in values {
        s.push_str(&format!("values {}\n", v.encode()));
    }
    for set in render.set.iter().chain(&opts.set) {
        s.push_str(&format!("set {set:?}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip() {
        for s in [State::Dir, State::Other, State::File([7; 32])] {
            assert_eq!(State::decode(&s.encode()), Some(s));
        }
        assert_eq!(State::decode("zz"), None);
        assert_eq!(State::decode(&"g".repeat(64)), None);
    }

    #[test]
    fn named_paths_take_every_string_key_value_pairs_and_inline_configurations() {
        let dir = std::env::temp_dir().join(format!("kh-named-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("t.yaml"), "kind: PatchTransformer\n").unwrap();
        let k = dir.join("kustomization.yaml");
        std::fs::write(
            &k,
            "resources:\n- ../base\n- https://example.com/x\nconfigMapGenerator:\n- name: c\n  files:\n  - app=conf/app.properties\ntransformers:\n- t.yaml\n- |\n  kind: PatchTransformer\n  path: inline/patch.yaml\n",
        )
        .unwrap();
        let named = named_paths(&k, &dir);
        let _ = std::fs::remove_dir_all(&dir);
        let parent = dir.parent().unwrap();
        assert!(named.paths.contains(&parent.join("base")));
        assert!(named.paths.contains(&dir.join("conf/app.properties")));
        assert!(named.paths.contains(&dir.join("inline/patch.yaml")));
        assert!(
            !named
                .paths
                .iter()
                .any(|p| p.to_string_lossy().contains("example.com"))
        );
        assert_eq!(named.configs, vec![dir.join("t.yaml")]);
    }
}
