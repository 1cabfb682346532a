//! The directories keelhaul may read in a scan: the repository (or, outside one, the
//! directory) of each scanned path, never its `.git`. Paths taken from scanned content (a
//! `# Source:` header, a Kustomize origin or transformation annotation, a patch path) were
//! written by whoever wrote the tree; each is read only when it resolves, symbolic links
//! followed, inside these directories.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Where a scan may read.
#[derive(Debug, Clone)]
pub struct Confinement {
    /// Canonical directories; empty: anywhere (a confinement for tests of their own).
    roots: Arc<[PathBuf]>,
}

impl Confinement {
    /// The repositories of the scanned `paths` (the directory holding `.git` at or above
    /// each), or each path's own directory when it is in none; `-` is the current directory.
    pub fn of_scan(paths: &[PathBuf]) -> Confinement {
        let mut roots: Vec<PathBuf> = Vec::new();
        for p in paths {
            let dir = if p.as_os_str() == "-" || p.as_os_str().is_empty() {
                PathBuf::from(".")
            } else if p.is_dir() {
                p.clone()
            } else {
                match p.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                }
            };
            let Ok(dir) = dir.canonicalize() else {
                continue;
            };
            let root = dir
                .ancestors()
                .find(|d| d.join(".git").exists())
                .map(Path::to_path_buf)
                .unwrap_or(dir);
            if !roots.iter().any(|r| root.starts_with(r)) {
                roots.retain(|r| !r.starts_with(&root));
                roots.push(root);
            }
        }
        if roots.is_empty() {
            // Nothing scanned resolved: nothing may be read through content either.
            roots.push(PathBuf::from("/nonexistent-keelhaul-root"));
        }
        Confinement {
            roots: roots.into(),
        }
    }

    /// Reads anywhere (for unit tests that build renders by hand).
    pub fn anywhere() -> Confinement {
        Confinement {
            roots: Arc::from(Vec::new()),
        }
    }

    /// The directories (canonical; empty: anywhere).
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Whether `p` exists and resolves inside one of the directories, outside any `.git`.
    pub fn contains(&self, p: &Path) -> bool {
        if self.roots.is_empty() {
            return true;
        }
        let Ok(real) = p.canonicalize() else {
            return false;
        };
        self.contains_canonical(&real)
    }

    /// [`Confinement::contains`] for a path already canonical.
    pub fn contains_canonical(&self, real: &Path) -> bool {
        if self.roots.is_empty() {
            return true;
        }
        self.roots.iter().any(|r| {
            real.strip_prefix(r).is_ok_and(|rest| {
                !rest
                    .components()
                    .any(|c| matches!(c, Component::Normal(n) if n == ".git"))
            })
        })
    }

    /// The text of `p` when it may be read (and is UTF-8).
    pub fn read_to_string(&self, p: &Path) -> Option<String> {
        if !self.contains(p) {
            return None;
        }
        std::fs::read_to_string(p).ok()
    }

    /// The first symbolic link under `dir` (walked to a bounded depth) that leads out of the
    /// directories or into a `.git`: a tool reading `dir` would follow it.
    pub fn link_out_of(&self, dir: &Path) -> Option<PathBuf> {
        if self.roots.is_empty() {
            return None;
        }
        let mut stack = vec![(dir.to_path_buf(), 0usize)];
        let mut seen = 0usize;
        while let Some((d, depth)) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                seen += 1;
                if seen > 100_000 {
                    return None;
                }
                let Ok(t) = e.file_type() else { continue };
                let p = e.path();
                if t.is_symlink() {
                    if !self.contains(&p) && p.canonicalize().is_ok() {
                        return Some(p);
                    }
                } else if t.is_dir() && depth < 64 && e.file_name() != ".git" {
                    stack.push((p, depth + 1));
                }
            }
        }
        None
    }
}

/// Whether a relative path written in scanned content stays below where it is joined:
/// no root, no drive, no `..`.
pub fn is_plain_relative(p: &str) -> bool {
    let p = Path::new(p);
    !p.as_os_str().is_empty()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_relative_paths() {
        assert!(is_plain_relative("templates/a.yaml"));
        assert!(is_plain_relative("./a.yaml"));
        assert!(!is_plain_relative("/etc/passwd"));
        assert!(!is_plain_relative("a/../../b"));
        assert!(!is_plain_relative(""));
    }

    #[cfg(unix)]
    #[test]
    fn reads_inside_the_repository_only() {
        let dir = std::env::temp_dir().join(format!("keelhaul-confine-{}", std::process::id()));
        let repo = dir.join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("k8s")).unwrap();
        std::fs::write(repo.join(".git/config"), "[core]\n").unwrap();
        std::fs::write(repo.join("k8s/a.yaml"), "a: 1\n").unwrap();
        std::fs::write(dir.join("outside.yaml"), "b: 2\n").unwrap();
        let _ = std::os::unix::fs::symlink(dir.join("outside.yaml"), repo.join("k8s/out.yaml"));
        let _ = std::os::unix::fs::symlink(repo.join(".git/config"), repo.join("k8s/git.yaml"));
        let c = Confinement::of_scan(&[repo.join("k8s")]);
        assert!(c.contains(&repo.join("k8s/a.yaml")));
        assert!(c.contains(&repo.join("k8s/../k8s/a.yaml")));
        assert!(!c.contains(&dir.join("outside.yaml")));
        assert!(!c.contains(&repo.join("k8s/out.yaml")));
        assert!(!c.contains(&repo.join("k8s/git.yaml")));
        assert!(!c.contains(&repo.join(".git/config")));
        assert!(c.read_to_string(&repo.join("k8s/out.yaml")).is_none());
        assert!(c.link_out_of(&repo.join("k8s")).is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
