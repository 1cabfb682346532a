//! Renderers: a Helm chart or a Kustomize overlay in, the YAML the cluster would receive out,
//! with what is needed to map it back (the tool, the input, the render's name). The tools are
//! run as external programs, found on PATH (or named in the configuration), with a time limit;
//! a missing tool or a failed render is reported, never fatal.

mod batch;
pub mod cache;
pub mod helm;
pub mod inputs;
mod job;
pub mod kustomize;
pub mod phase;
pub mod sandbox;
mod scrub;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use sandbox::Sandbox;

/// How long a render may take unless the command line (or a trusted configuration) says
/// otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// How charts and overlays are rendered.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Render at all (`--no-render` turns it off).
    pub enabled: bool,
    pub helm: HelmOptions,
    pub kustomize: KustomizeOptions,
    /// A render that runs longer is stopped and reported.
    pub timeout: Duration,
    /// Kustomize may fetch remote bases (`--allow-remote-bases`); otherwise render
    /// processes have no network.
    pub allow_remote_bases: bool,
    /// Where renders are kept between scans; None: nowhere (`--no-cache`).
    pub cache: Option<cache::CacheOptions>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            enabled: false,
            helm: HelmOptions::default(),
            kustomize: KustomizeOptions::default(),
            timeout: DEFAULT_TIMEOUT,
            allow_remote_bases: false,
            cache: None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct HelmOptions {
    /// The helm executable; None: `helm` on PATH.
    pub binary: Option<PathBuf>,
    /// Release name for renders that do not name one (helm's own default: `release-name`).
    pub release_name: Option<String>,
    /// Namespace for renders that do not name one (default: the scan's default namespace).
    pub namespace: Option<String>,
    /// Values files (as given, relative to the working directory) for every render.
    pub values: Vec<PathBuf>,
    /// `--set` assignments for every render.
    pub set: Vec<String>,
    /// Run `helm dependency build` before rendering a chart that declares dependencies.
    pub dependency_build: bool,
    /// Renders configured per chart directory (absolute or relative to the working
    /// directory); charts not listed are rendered once with their defaults.
    pub charts: Vec<ChartRenders>,
}

#[derive(Debug, Clone)]
pub struct ChartRenders {
    pub dir: PathBuf,
    pub renders: Vec<HelmRender>,
}

/// One way of rendering a chart (an environment).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelmRender {
    pub name: Option<String>,
    pub release_name: Option<String>,
    pub namespace: Option<String>,
    /// Relative to the chart directory.
    pub values: Vec<PathBuf>,
    pub set: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct KustomizeOptions {
    pub enabled: bool,
    /// The kustomize (or kubectl) executable; None: `kustomize` on PATH, else `kubectl`.
    pub binary: Option<PathBuf>,
}

impl Default for KustomizeOptions {
    fn default() -> Self {
        KustomizeOptions {
            enabled: true,
            binary: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Helm,
    Kustomize,
}

impl Tool {
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Helm => "helm",
            Tool::Kustomize => "kustomize",
        }
    }
}

/// What a rendered text came from; shared by every finding of the render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFrom {
    pub tool: Tool,
    /// The chart directory or the kustomization directory, as displayed.
    pub input: Arc<str>,
    /// The render's name, when a chart is rendered several ways.
    pub variant: Option<Arc<str>>,
}

/// Where a finding on rendered output was mapped: kept on the finding for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedFrom {
    pub from: Arc<RenderedFrom>,
    /// The exact line could not be known: the nearest enclosing key written in the source.
    pub approximate: bool,
}

impl MappedFrom {
    /// One line for reports: what rendered the finding's object.
    pub fn describe(&self) -> String {
        let how = match self.from.tool {
            Tool::Helm => "helm template",
            Tool::Kustomize => "kustomize build",
        };
        let mut s = format!("found in the output of `{how}` of {}", self.from.input);
        if let Some(v) = &self.from.variant {
            s.push_str(&format!(" (render {v:?})"));
        }
        if self.approximate {
            s.push_str("; the line is approximate");
        }
        s
    }
}

/// A program's outcome.
#[derive(Debug)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
}

/// Finds `name` on PATH (with `.exe` on Windows), in its absolute directories only: a
/// relative entry (`.`, or an empty one) would find a program in the scanned tree.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    for dir in sandbox::search_path() {
        for candidate in [dir.join(name), dir.join(format!("{name}.exe"))] {
            if is_executable(&candidate) {
                return Some(candidate);
            }
        }
    }
    None
}

fn is_executable(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// The most a render may print: a chart that renders more is stopped and reported rather
/// than read into memory without end.
pub const MAX_OUTPUT: u64 = 256 << 20;

/// Runs a program in the sandbox to completion before `deadline`, reading its output as it
/// goes (so a large render never blocks on a full pipe). On the deadline the tool and every
/// process it started are stopped; so is anything it left running when it exits. Err: a
/// message for the report.
pub fn run(
    sandbox: &Sandbox,
    program: &Path,
    args: &[String],
    deadline: Instant,
) -> Result<Output, String> {
    let mut cmd = sandbox.command(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(p) = pipe {
                let _ = p.take(MAX_OUTPUT + 1).read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let out_thread = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err_thread = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() >= deadline => {
                stop(&mut child);
                let _ = (out_thread.join(), err_thread.join());
                return Err(format!(
                    "{} did not finish within {} s and was stopped",
                    program.display(),
                    deadline.saturating_duration_since(started).as_secs().max(1)
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                stop(&mut child);
                return Err(format!("waiting for {}: {e}", program.display()));
            }
        }
    };
    // Whatever the tool left running (and holding its pipes) goes with it.
    sandbox::kill_group(&child);
    let stdout = out_thread.join().unwrap_or_default();
    let stderr = err_thread.join().unwrap_or_default();
    if stdout.len() as u64 > MAX_OUTPUT {
        return Err(format!(
            "{} printed more than {} MiB, which is not read",
            program.display(),
            MAX_OUTPUT >> 20
        ));
    }
    finish(program, status, stdout, &stderr)
}

/// Whether a tool's failure says more about the machine than about the chart or overlay (the
/// time limit, a tool that could not start or was killed): it may not happen again with the
/// same inputs, so it is not kept in the render cache.
pub fn is_transient(message: &str) -> bool {
    message.contains(" did not finish within ")
        || message.starts_with("cannot run ")
        || message.starts_with("waiting for ")
        || message.contains("killed by a signal")
}

/// Stops the tool and everything it started, and reaps it.
fn stop(child: &mut std::process::Child) {
    sandbox::kill_group(child);
    let _ = child.kill();
    let _ = child.wait();
}

/// The outcome of a tool that exited.
fn finish(
    program: &Path,
    status: std::process::ExitStatus,
    stdout: Vec<u8>,
    stderr: &[u8],
) -> Result<Output, String> {
    let stdout = String::from_utf8_lossy(&stdout).into_owned();
    let stderr = String::from_utf8_lossy(stderr).trim().to_string();
    if status.success() {
        Ok(Output { stdout, stderr })
    } else {
        let why = match status.code() {
            Some(c) => format!("exit status {c}"),
            None => "killed by a signal".to_string(),
        };
        let said = tool_message(&stderr);
        Err(if said.is_empty() {
            format!("{} failed ({why})", program.display())
        } else {
            format!("{said} ({why})")
        })
    }
}

/// What a tool said, for a finding: its last lines without the log header Go tools put on
/// them (`E1129 03:45:29.048825   17287 run.go:72] "command failed" err="..."`) and without
/// deprecation warnings when there is an error to show.
fn tool_message(stderr: &str) -> String {
    fn strip_klog(l: &str) -> &str {
        let b = l.as_bytes();
        let header = b.len() > 6
            && matches!(b[0], b'I' | b'W' | b'E' | b'F')
            && b[1..5].iter().all(u8::is_ascii_digit)
            && b[5] == b' ';
        if !header {
            return l;
        }
        match l.find("] ") {
            Some(i) => &l[i + 2..],
            None => l,
        }
    }
    let lines: Vec<String> = stderr
        .lines()
        .map(|l| {
            let l = strip_klog(l.trim_end());
            match l.strip_prefix("\"command failed\" err=") {
                Some(rest) => rest.trim_matches('"').replace("\\\"", "\"").to_string(),
                None => l.to_string(),
            }
        })
        .filter(|l| !l.trim().is_empty())
        .collect();
    let errors: Vec<&String> = lines
        .iter()
        .filter(|l| !l.starts_with("# Warning:"))
        .collect();
    let kept: Vec<&str> = if errors.is_empty() {
        lines.iter().map(String::as_str).collect()
    } else {
        errors.iter().map(|l| l.as_str()).collect()
    };
    last_lines(&kept.join("\n"), 12)
}

/// The last `n` lines of a tool's message: enough to see the error, not a whole log.
fn last_lines(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let from = lines.len().saturating_sub(n);
    lines[from..].join("\n")
}

/// Lexically normalises a path (`a/b/../c` → `a/c`) without touching the filesystem.
pub fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The relative path that leads from directory `from` to `to` (both absolute).
pub fn relative_path(from: &Path, to: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let f: Vec<Component> = from.components().collect();
    let t: Vec<Component> = to.components().collect();
    if f.first() != t.first() {
        return None;
    }
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    Some(out)
}

/// A directory of our own under the system's temporary directory, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> std::io::Result<TempDir> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let base = std::env::temp_dir();
        for _ in 0..100 {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let dir = base.join(format!("keelhaul-{}-{n}-{nanos:x}", std::process::id()));
            match std::fs::create_dir(&dir) {
                Ok(()) => return Ok(TempDir(dir)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other("cannot create a temporary directory"))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
        assert_eq!(
            relative_path(Path::new("/srv/x/y"), Path::new("/opt/k/o")).unwrap(),
            PathBuf::from("../../../opt/k/o")
        );
        assert_eq!(
            relative_path(Path::new("/a/b"), Path::new("/a/b/c")).unwrap(),
            PathBuf::from("c")
        );
    }

    #[test]
    fn tool_messages_lose_log_headers_and_warnings() {
        let stderr = "# Warning: 'commonLabels' is deprecated. Please use 'labels' instead.\nE1129 03:45:29.048825   17287 run.go:72] \"command failed\" err=\"accumulating resources: 'base' must resolve to a file\"\n";
        assert_eq!(
            tool_message(stderr),
            "accumulating resources: 'base' must resolve to a file"
        );
        assert_eq!(
            tool_message("Error: template: web/templates/a.yaml:3:4: bad\n"),
            "Error: template: web/templates/a.yaml:3:4: bad"
        );
        assert_eq!(
            tool_message("# Warning: only this\n"),
            "# Warning: only this"
        );
    }

    #[cfg(unix)]
    #[test]
    fn run_reports_failure_and_timeout() {
        let sb = Sandbox::new(false, crate::discover::confine::Confinement::anywhere()).unwrap();
        let sh = Path::new("/bin/sh");
        let soon = |ms| Instant::now() + Duration::from_millis(ms);
        let ok = run(
            &sb,
            sh,
            &["-c".into(), "echo out; echo err >&2".into()],
            soon(10_000),
        )
        .unwrap();
        assert_eq!(ok.stdout, "out\n");
        let e = run(
            &sb,
            sh,
            &["-c".into(), "echo 'Error: bad chart' >&2; exit 1".into()],
            soon(10_000),
        )
        .unwrap_err();
        assert!(
            e.contains("Error: bad chart") && e.contains("exit status 1"),
            "{e}"
        );
        let e = run(&sb, sh, &["-c".into(), "sleep 5".into()], soon(100)).unwrap_err();
        assert!(e.contains("did not finish"), "{e}");
    }

    /// A tool that prints without end is stopped at the limit, not read into memory.
    #[cfg(unix)]
    #[test]
    fn run_stops_a_tool_that_prints_without_end() {
        let sb = Sandbox::new(false, crate::discover::confine::Confinement::anywhere()).unwrap();
        let e = run(
            &sb,
            Path::new("/bin/sh"),
            &["-c".into(), "exec cat /dev/zero".into()],
            Instant::now() + Duration::from_secs(60),
        )
        .unwrap_err();
        assert!(e.contains("printed more than 256 MiB"), "{e}");
    }
}
