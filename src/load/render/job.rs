//! What the render phase deals in: the jobs it plans, the texts they render, what went wrong
//! and what it cost, shared by the planning (`phase`) and the running (`batch`) of renders.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::helm::ChartInfo;
use super::kustomize::Kustomizer;
use super::{HelmRender, RenderedFrom, Sandbox};
use crate::load;
use crate::span::Pos;

/// A chart found in the scanned tree, by the name rendered output calls it.
#[derive(Debug, Clone)]
pub struct ChartRef {
    pub name: String,
    pub dir: PathBuf,
    /// The directory as reports name it.
    pub display_dir: String,
    pub chart_yaml_display: String,
    pub name_at: Pos,
}

/// One rendered text, scanned like a file under `display`.
#[derive(Debug)]
pub struct Rendered {
    /// A name that is no file's (`<dir> [helm template: prod]`), so its findings can be told
    /// apart until they are mapped.
    pub display: String,
    pub text: String,
    pub from: Arc<RenderedFrom>,
    /// Helm: the chart. Kustomize: None.
    pub chart: Option<ChartRef>,
    /// Helm: the values files of this render, in the order helm reads them (the chart's
    /// `values.yaml` first), to point at the value a template line reads.
    pub values_files: Vec<PathBuf>,
    /// Kustomize: the kustomization file (the fallback place) and the directory origin paths
    /// are relative to.
    pub kustomization: Option<(PathBuf, String)>,
    pub origin_base: Option<PathBuf>,
    /// Kustomize: what the output says the build read, when the render had it at hand.
    pub reads: Option<super::kustomize::BuildReads>,
    /// The documents of `text` as the scan loaded them, kept for mapping its findings back
    /// (set when the text has no empty document, which the scan does not keep).
    pub docs: std::sync::OnceLock<Vec<Arc<crate::load::Document>>>,
}

#[derive(Default)]
pub struct Phase {
    pub rendered: Vec<Rendered>,
    /// What was not rendered (tool missing) or failed to render, on the chart or
    /// kustomization file.
    pub problems: Vec<RenderProblem>,
    /// Canonical paths of files a successful Kustomize build read: not scanned as plain
    /// files (a patch is not an object, a base is checked through the build).
    pub consumed: HashSet<PathBuf>,
    /// Every chart in the scanned tree (for committed rendered output).
    pub charts: Vec<ChartRef>,
    /// Template files of charts that were rendered or set aside (for the stats).
    pub chart_templates: usize,
    /// Things said about charts that are not rendered on their own (library charts), for
    /// `--verbose`: the chart file, the line and what is said.
    pub notices: Vec<(String, u32, String)>,
    /// Charts and overlays that were not rendered (tool missing, rendering off), for the
    /// summary: charts, their template files, overlays, and why.
    pub unrendered: Unrendered,
    /// What rendering cost, when there was something to render.
    pub cost: Option<RenderCost>,
}

/// How many renders there were, how many ran a tool, how many came from the cache, and how
/// long the phase took (wall time).
#[derive(Debug, Default, Clone)]
pub struct RenderCost {
    pub renders: usize,
    pub ran: usize,
    pub from_cache: usize,
    pub took: std::time::Duration,
    /// The CPU time the tools used (where the platform says).
    pub tools_cpu: Option<std::time::Duration>,
    /// The threads renders ran on.
    pub threads: usize,
    /// Why renders were not kept in the cache, for `--verbose`: the chart or kustomization
    /// file, the line and what is said.
    pub notices: Vec<(String, u32, String)>,
}

pub(super) enum Job<'a> {
    /// Boxed: a chart's job carries its Chart.yaml facts and is much larger than an overlay's.
    Helm(Box<ChartJob<'a>>),
    Kustomize(OverlayJob<'a>),
}

pub(super) struct ChartJob<'a> {
    pub chart: ChartRef,
    pub info: ChartInfo,
    pub render: HelmRender,
    pub helm: &'a Path,
}

pub(super) struct OverlayJob<'a> {
    pub dir: &'a Path,
    pub file: &'a Path,
    pub display: &'a str,
    pub tool: &'a Kustomizer,
}

pub(super) fn dir_display(file_display: &str, file_name: &str) -> String {
    let d = file_display
        .strip_suffix(file_name)
        .unwrap_or(file_display)
        .trim_end_matches(['/', '\\']);
    if d.is_empty() {
        ".".into()
    } else {
        d.to_string()
    }
}

/// Charts and overlays that were not rendered (KH007), and why: said in the summary, since
/// what they would produce was never checked.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Unrendered {
    pub charts: usize,
    /// The template files of those charts.
    pub templates: usize,
    pub overlays: usize,
    /// Why the charts were not rendered (`helm not found`, `rendering is off`).
    pub charts_why: Option<&'static str>,
    /// Why the overlays were not rendered.
    pub overlays_why: Option<&'static str>,
}

impl Unrendered {
    /// `47 templates in 1 chart not checked: helm not found`, and the same of overlays;
    /// `None` when everything was rendered.
    pub fn describe(&self) -> Option<String> {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut parts = Vec::new();
        if self.charts > 0 {
            parts.push(format!(
                "{} in {} not checked: {}",
                plural(self.templates, "template", "templates"),
                plural(self.charts, "chart", "charts"),
                self.charts_why.unwrap_or("not rendered")
            ));
        }
        if self.overlays > 0 {
            parts.push(format!(
                "{} not rendered, checked file by file: {}",
                plural(self.overlays, "overlay", "overlays"),
                self.overlays_why.unwrap_or("not rendered")
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// Why a chart or an overlay was not checked through its render. The pipeline reports it
/// where it is declared (KH007 for one not rendered, KH010 for a render that failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// Rendering is off, or the tool is missing.
    NotRendered,
    /// The tool ran and failed.
    Failed,
}

#[derive(Debug, Clone)]
pub struct RenderProblem {
    pub kind: ProblemKind,
    /// The chart or kustomization file, as displayed.
    pub file: String,
    pub at: Pos,
    pub message: String,
}

pub(super) fn problem(kind: ProblemKind, file: &str, at: Pos, message: String) -> RenderProblem {
    RenderProblem {
        kind,
        file: file.to_string(),
        at,
        message,
    }
}

/// Where a kustomization's notes go: its first key.
pub(super) fn first_key(file: &Path) -> Pos {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|t| {
            let l = load::load_text(&t);
            let d = l.docs.into_iter().find(|d| d.root.is_some())?;
            let first = d.entries(d.root?).next()?;
            Some(d.span(first.key).start)
        })
        .unwrap_or(Pos { line: 1, col: 0 })
}

/// Why a chart or overlay holding a link out of the repository is not rendered.
pub(super) fn link_refusal(link: &Path, tool: &str) -> String {
    format!(
        "not rendered: {} is a symbolic link out of the scanned repository (or into .git), which {tool} would follow; its resources were not checked",
        link.display()
    )
}

/// What to say first when a build failed because it tried the network, which renders do not
/// have unless `--allow-remote-bases` is given.
pub(super) fn remote_hint(message: &str, sandbox: &Sandbox) -> &'static str {
    let proxy = super::sandbox::NO_NETWORK_PROXY.trim_start_matches("http://");
    let tried = message.contains(proxy)
        || message.contains("keelhaul-no-network")
        || (message.contains("transport") && message.contains("not allowed"));
    if tried && !sandbox.allow_network {
        "it names a remote base or resource, which is not fetched (renders have no network; `--allow-remote-bases` lets Kustomize fetch it): "
    } else {
        ""
    }
}
