//! Where render processes run. The charts and overlays they read are written by whoever
//! opened the pull request, so the tools get as little as they need: an environment of a few
//! variables (no tokens, no cloud credentials, no kubeconfig), a home and temporary directory
//! of their own, Helm's and Kustomize's plugin and cache directories empty, no network
//! unless remote bases are allowed, and a time limit that holds for every process they start.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::TempDir;
use crate::discover::confine::Confinement;

/// Variables of keelhaul's own environment that a render process keeps. Everything else (a
/// `GITHUB_TOKEN`, `ACTIONS_*`, `AZURE_*`, `ARM_*`, `AWS_*`, `GOOGLE_*`, `KUBECONFIG`, a
/// user's `HELM_*` settings, ...) is left out.
const KEPT: &[&str] = &[
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    // Windows cannot start a program without these.
    "SYSTEMROOT",
    "SystemRoot",
    "WINDIR",
    "PATHEXT",
    "COMSPEC",
];

/// Kept as well when remote bases are allowed: a network behind a proxy needs them.
const NETWORK: &[&str] = &[
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

/// An address nothing listens on (the discard port on the loopback interface): a proxy that
/// refuses every connection at once, so a tool that tries the network fails fast.
pub const NO_NETWORK_PROXY: &str = "http://127.0.0.1:9";

/// The directory and environment shared by the render processes of one scan.
pub struct Sandbox {
    dir: TempDir,
    env: Vec<(OsString, OsString)>,
    /// Remote bases may be fetched (`--allow-remote-bases`).
    pub allow_network: bool,
    /// Where the charts and overlays rendered may lead a tool (the scanned repository).
    pub inside: Confinement,
}

impl Sandbox {
    /// A fresh sandbox. Err: its directory could not be made (then nothing is rendered).
    pub fn new(allow_network: bool, inside: Confinement) -> std::io::Result<Sandbox> {
        let dir = TempDir::new()?;
        let at = |p: &str| dir.path().join(p);
        for d in [
            "home",
            "tmp",
            "helm/cache",
            "helm/config",
            "helm/data",
            "helm/plugins",
            "xdg/config",
            "xdg/cache",
            "xdg/data",
        ] {
            std::fs::create_dir_all(at(d))?;
        }
        std::fs::write(at("kubeconfig"), "")?;
        let mut env: Vec<(OsString, OsString)> = Vec::new();
        let mut set = |k: &str, v: OsString| env.push((k.into(), v));
        set("PATH", absolute_path_entries());
        for k in KEPT {
            if let Some(v) = std::env::var_os(k) {
                set(k, v);
            }
        }
        for (k, p) in [
            ("HOME", "home"),
            ("USERPROFILE", "home"),
            ("TMPDIR", "tmp"),
            ("TMP", "tmp"),
            ("TEMP", "tmp"),
            ("KUBECONFIG", "kubeconfig"),
            ("HELM_CACHE_HOME", "helm/cache"),
            ("HELM_CONFIG_HOME", "helm/config"),
            ("HELM_DATA_HOME", "helm/data"),
            ("HELM_PLUGINS", "helm/plugins"),
            ("XDG_CONFIG_HOME", "xdg/config"),
            ("XDG_CACHE_HOME", "xdg/cache"),
            ("XDG_DATA_HOME", "xdg/data"),
            ("KUSTOMIZE_PLUGIN_HOME", "xdg/config"),
        ] {
            set(k, at(p).into_os_string());
        }
        // Git (run by Kustomize for remote bases) never asks for credentials and reads no
        // configuration of the machine's.
        set("GIT_TERMINAL_PROMPT", "0".into());
        set("GIT_CONFIG_NOSYSTEM", "1".into());
        set("HELM_NO_PLUGINS", "1".into());
        if allow_network {
            for k in NETWORK {
                if let Some(v) = std::env::var_os(k) {
                    set(k, v);
                }
            }
        } else {
            for k in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"] {
                set(k, NO_NETWORK_PROXY.into());
            }
            for k in ["ALL_PROXY", "all_proxy"] {
                set(k, NO_NETWORK_PROXY.into());
            }
            set("NO_PROXY", "".into());
            set("no_proxy", "".into());
            // No transport is allowed to git at all: `git clone` of a remote base fails at once.
            set("GIT_ALLOW_PROTOCOL", "keelhaul-no-network".into());
        }
        Ok(Sandbox {
            dir,
            env,
            allow_network,
            inside,
        })
    }

    /// A command for `program` with the sandbox's environment and nothing else, started in
    /// a process group of its own (so that the time limit can stop everything it started).
    pub fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear().envs(self.env.iter().map(|(k, v)| (k, v)));
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        cmd
    }

    /// Lets helm reach the network and the chart repositories the caller's helm knows
    /// (`helm repo add`): for `helm dependency build`, which the caller turned on.
    pub fn use_helm_repositories(&mut self) {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let config = std::env::var_os("HELM_REPOSITORY_CONFIG")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("XDG_CONFIG_HOME")
                    .map(PathBuf::from)
                    .or_else(|| home.as_ref().map(|h| h.join(".config")))
                    .map(|c| c.join("helm/repositories.yaml"))
            });
        let cache = std::env::var_os("HELM_REPOSITORY_CACHE")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("XDG_CACHE_HOME")
                    .map(PathBuf::from)
                    .or_else(|| home.as_ref().map(|h| h.join(".cache")))
                    .map(|c| c.join("helm/repository"))
            });
        self.env.retain(|(k, _)| {
            !NETWORK.iter().any(|n| k == n)
                && k != "GIT_ALLOW_PROTOCOL"
                && k != "ALL_PROXY"
                && k != "all_proxy"
        });
        for k in NETWORK {
            if let Some(v) = std::env::var_os(k) {
                self.env.push((k.into(), v));
            }
        }
        if let Some(c) = config {
            self.env
                .push(("HELM_REPOSITORY_CONFIG".into(), c.into_os_string()));
        }
        if let Some(c) = cache {
            self.env
                .push(("HELM_REPOSITORY_CACHE".into(), c.into_os_string()));
        }
        self.allow_network = true;
    }

    /// The sandbox's own directory (temporary; removed when the sandbox is dropped).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// PATH without its relative entries (`.`, `bin`, or an empty entry, which means the
/// current directory): a tool is never found in the scanned tree.
pub fn absolute_path_entries() -> OsString {
    let dirs: Vec<PathBuf> = search_path();
    std::env::join_paths(dirs).unwrap_or_default()
}

/// The directories of PATH a program may be looked up in: the absolute ones.
pub fn search_path() -> Vec<PathBuf> {
    std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .filter(|d| d.is_absolute())
                .collect()
        })
        .unwrap_or_default()
}

/// Stops every process of the group `child` leads (the tool and whatever it started).
#[cfg(unix)]
pub fn kill_group(child: &std::process::Child) {
    let Ok(pid) = libc::pid_t::try_from(child.id()) else {
        return;
    };
    // SAFETY: kill(2) with a negative pid signals the process group the child leads (it was
    // started with process_group(0)); it touches no memory of ours.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
}

#[cfg(not(unix))]
pub fn kill_group(child: &std::process::Child) {
    let _ = child;
}

/// The CPU time (user and system) of every child process this one has waited for so far:
/// what the render tools cost, read before and after the renders. None where the platform
/// does not say.
pub fn children_cpu() -> Option<std::time::Duration> {
    #[cfg(unix)]
    {
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: getrusage writes into the struct it is given, which outlives the call.
        if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) } != 0 {
            return None;
        }
        let t = |tv: libc::timeval| {
            std::time::Duration::from_secs(tv.tv_sec.max(0) as u64)
                + std::time::Duration::from_micros(tv.tv_usec.max(0) as u64)
        };
        Some(t(u.ru_utime) + t(u.ru_stime))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var<'a>(s: &'a Sandbox, k: &str) -> Option<&'a OsString> {
        s.env.iter().find(|(n, _)| n == k).map(|(_, v)| v)
    }

    #[test]
    fn no_network_unless_helm_fetches_dependencies_for_the_caller() {
        let mut s = Sandbox::new(false, Confinement::anywhere()).unwrap();
        assert_eq!(var(&s, "HTTPS_PROXY").unwrap(), NO_NETWORK_PROXY);
        assert!(var(&s, "GIT_ALLOW_PROTOCOL").is_some());
        assert!(var(&s, "HELM_REPOSITORY_CONFIG").is_none());
        s.use_helm_repositories();
        assert!(s.allow_network);
        assert_ne!(
            var(&s, "HTTPS_PROXY").map(|v| v.as_os_str()),
            Some(std::ffi::OsStr::new(NO_NETWORK_PROXY))
        );
        assert!(var(&s, "GIT_ALLOW_PROTOCOL").is_none());
        // The sandbox's own home stays; only the repositories file is the caller's.
        assert!(Path::new(var(&s, "HOME").unwrap()).starts_with(s.path()));
    }
}
