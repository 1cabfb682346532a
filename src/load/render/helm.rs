//! `helm template`: a chart directory and a set of values in, rendered YAML out. Each
//! rendered document names its template in a `# Source: <chart>/templates/x.yaml` comment,
//! which is how findings are mapped back.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{HelmOptions, HelmRender};
use crate::load;
use crate::span::Pos;

/// What keelhaul reads of a `Chart.yaml`.
#[derive(Debug, Default, Clone)]
pub struct ChartInfo {
    pub name: Option<String>,
    /// Where `name:` is (the place of chart-level notes), else the file's start.
    pub name_at: Pos,
    /// `type: library`: not renderable on its own.
    pub library: bool,
    pub has_dependencies: bool,
}

impl ChartInfo {
    pub fn read(chart_yaml: &Path) -> ChartInfo {
        let mut info = ChartInfo {
            name_at: Pos { line: 1, col: 0 },
            ..ChartInfo::default()
        };
        let Ok(text) = std::fs::read_to_string(chart_yaml) else {
            return info;
        };
        let loaded = load::load_text(&text);
        let Some(d) = loaded.docs.first() else {
            return info;
        };
        let Some(root) = d.root else { return info };
        if let Some(e) = d.entry(root, "name") {
            info.name_at = d.span(e.key).start;
            info.name = d.scalar(e.value).map(str::to_string);
        }
        info.library = d.get_str(root, "type") == Some("library");
        info.has_dependencies = d
            .get(root, "dependencies")
            .is_some_and(|n| !d.items(n).is_empty());
        info
    }
}

/// The arguments of `helm template` for one render of a chart.
pub fn template_args(
    chart_dir: &Path,
    render: &HelmRender,
    opts: &HelmOptions,
    kube_version: &str,
    default_namespace: &str,
) -> Vec<String> {
    let release = render
        .release_name
        .clone()
        .or_else(|| opts.release_name.clone())
        .unwrap_or_else(|| "release-name".into());
    let namespace = render
        .namespace
        .clone()
        .or_else(|| opts.namespace.clone())
        .unwrap_or_else(|| default_namespace.to_string());
    let mut args = vec![
        "template".to_string(),
        release,
        chart_dir.display().to_string(),
        "--namespace".into(),
        namespace,
        "--kube-version".into(),
        kube_version.to_string(),
    ];
    for v in &render.values {
        args.push("--values".into());
        args.push(chart_dir.join(v).display().to_string());
    }
    for v in &opts.values {
        args.push("--values".into());
        args.push(v.display().to_string());
    }
    for s in render.set.iter().chain(&opts.set) {
        args.push("--set".into());
        args.push(s.clone());
    }
    args
}

/// What every render of a scan shares: the options, the target version, the namespace and
/// the time limit.
pub struct HelmRun<'a> {
    pub opts: &'a HelmOptions,
    pub kube_version: &'a str,
    pub default_namespace: &'a str,
    pub timeout: Duration,
    pub sandbox: &'a super::Sandbox,
}

/// Renders one chart one way. Err: helm's message.
pub fn render(
    helm: &Path,
    cx: &HelmRun<'_>,
    chart_dir: &Path,
    render: &HelmRender,
    info: &ChartInfo,
) -> Result<String, String> {
    let HelmRun {
        opts,
        kube_version,
        default_namespace,
        timeout,
        sandbox,
    } = *cx;
    // One limit for the render, dependencies included.
    let deadline = std::time::Instant::now() + timeout;
    if opts.dependency_build && info.has_dependencies {
        let args = vec![
            "dependency".to_string(),
            "build".into(),
            chart_dir.display().to_string(),
        ];
        super::run(sandbox, helm, &args, deadline)
            .map_err(|e| format!("`helm dependency build` failed: {e}"))?;
    }
    let args = template_args(chart_dir, render, opts, kube_version, default_namespace);
    match super::run(sandbox, helm, &args, deadline) {
        Ok(out) => Ok(out.stdout),
        Err(e)
            if info.has_dependencies
                && !opts.dependency_build
                && e.contains("missing in charts") =>
        {
            Err(format!(
                "{e}; the chart's dependencies are not in its charts/ directory: run `helm dependency build`, or set helm.dependencyBuild: true in .keelhaul.yaml"
            ))
        }
        Err(e) => Err(e),
    }
}

/// The template file a `# Source:` names, inside `chart_dir`: the source's first component is
/// the chart's name, the rest is the path inside the chart (subcharts included:
/// `web/charts/redis/templates/x.yaml`).
pub fn template_path(chart_dir: &Path, source: &str) -> Option<PathBuf> {
    let (_, rest) = source.split_once('/')?;
    // Written by whoever wrote the output: no root (`web//etc/passwd`), no drive, no `..`.
    if !crate::discover::confine::is_plain_relative(rest) {
        return None;
    }
    Some(chart_dir.join(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        let opts = HelmOptions {
            values: vec![PathBuf::from("ci/extra.yaml")],
            set: vec!["image.tag=2".into()],
            ..HelmOptions::default()
        };
        let r = HelmRender {
            name: Some("prod".into()),
            values: vec![PathBuf::from("values-prod.yaml")],
            ..HelmRender::default()
        };
        let args = template_args(Path::new("charts/web"), &r, &opts, "1.36", "default");
        assert_eq!(
            args.join(" "),
            "template release-name charts/web --namespace default --kube-version 1.36 --values charts/web/values-prod.yaml --values ci/extra.yaml --set image.tag=2"
        );
    }

    #[test]
    fn sources() {
        assert_eq!(
            template_path(Path::new("c/web"), "web/charts/db/templates/s.yaml").unwrap(),
            PathBuf::from("c/web/charts/db/templates/s.yaml")
        );
        assert!(template_path(Path::new("c"), "web").is_none());
        assert!(template_path(Path::new("c"), "web/../../etc/passwd").is_none());
        assert!(template_path(Path::new("c"), "web//etc/passwd").is_none());
    }
}
