//! Paths as reports outside the terminal need them: relative to the repository root, with
//! forward slashes (SARIF artifact URIs, GitHub annotations and review comments).

use std::path::{Component, Path, PathBuf};

/// The repository root: `GITHUB_WORKSPACE` when set, else the nearest directory above the
/// current one that holds `.git`, else the current directory.
pub fn repository_root() -> PathBuf {
    if let Some(ws) = std::env::var_os("GITHUB_WORKSPACE").filter(|w| !w.is_empty()) {
        return PathBuf::from(ws);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    cwd.ancestors()
        .find(|d| d.join(".git").exists())
        .map_or_else(|| cwd.clone(), Path::to_path_buf)
}

/// `path` (as reports name it: relative to the current directory, or absolute) relative to
/// `root`, with `/` separators; `None` when it lies outside `root` (or is standard input).
pub fn repo_relative(path: &str, root: &Path) -> Option<String> {
    if path == "<stdin>" {
        return None;
    }
    let p = Path::new(path);
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(p)
    };
    // Links are resolved: code scanning does not show results in files reached through one.
    // A link that is not followed (out of the root, into `.git`) is named as it is: what is
    // said of it is said of the link.
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| normalise(root));
    let abs = std::fs::canonicalize(&abs)
        .ok()
        .filter(|real| {
            real.strip_prefix(&root)
                .is_ok_and(|rel| !rel.components().any(is_git))
        })
        .or_else(|| {
            let dir = std::fs::canonicalize(abs.parent()?).ok()?;
            Some(dir.join(abs.file_name()?))
        })
        .unwrap_or_else(|| normalise(&abs));
    let rel = abs.strip_prefix(&root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Whether a path component is a `.git` (in any case: some file systems ignore it).
pub fn is_git(c: Component<'_>) -> bool {
    c.as_os_str()
        .to_str()
        .is_some_and(|n| n.eq_ignore_ascii_case(".git"))
}

/// `a/./b/../c` → `a/c`, without touching the file system.
fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_to_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("k8s/app")).unwrap();
        std::fs::write(root.join("k8s/app/a.yaml"), "x").unwrap();
        let abs = root.join("k8s/app/a.yaml");
        assert_eq!(
            repo_relative(abs.to_str().unwrap(), root).as_deref(),
            Some("k8s/app/a.yaml")
        );
        let dotted = root.join("k8s/./app/../app/a.yaml");
        assert_eq!(
            repo_relative(dotted.to_str().unwrap(), root).as_deref(),
            Some("k8s/app/a.yaml")
        );
        assert_eq!(repo_relative("/elsewhere/a.yaml", root), None);
        assert_eq!(repo_relative("<stdin>", root), None);
    }
}
