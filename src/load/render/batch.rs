//! Runs the renders a scan planned: each is keyed by its inputs (`inputs`), renders with the
//! same key run once, a render whose key the cache holds is read from it, and the rest run
//! their tools in parallel (up to the scan's threads); what ran is kept in the cache unless
//! it may hold something that is not the repository's.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use super::cache::{Cache, Rendering};
use super::helm::{self, HelmRun};
use super::inputs::{self, Key, NoKey, Reader, ToolId, Walk};
use super::job::{
    ChartJob, Job, OverlayJob, ProblemKind, RenderCost, RenderProblem, Rendered, dir_display,
    first_key, link_refusal, problem, remote_hint,
};
use super::kustomize;
use super::{RenderOptions, RenderedFrom, Tool};
use crate::discover::confine::Confinement;

/// Why a job has no output.
#[derive(Debug, Clone)]
enum Failure {
    /// It was not run (a link out of the repository): the message says so whole.
    Refused(String),
    /// The tool failed: its message.
    Tool(String),
}

/// How one render was had.
enum Had {
    Ran,
    Cached,
    /// Another render with the same key ran (or was read) for it.
    Shared,
}

/// A render's output (or why there is none), and how it was had.
type Done = (Result<Rendering, Failure>, Had);

/// Renders `jobs`, in order: each one's render (or why there is none), and the cost.
pub(super) fn render_all(
    jobs: &[Job<'_>],
    cx: &HelmRun<'_>,
    opts: &RenderOptions,
    inside: &Confinement,
) -> (Vec<Result<Rendered, RenderProblem>>, RenderCost) {
    let cache = opts.cache.as_ref().and_then(|c| Cache::open(c).ok());
    let tools = tool_ids(jobs, cx, cache.is_some());
    let reader = Reader::new(inside.clone());
    let keys: Vec<Result<Key, NoKey>> = jobs
        .par_iter()
        .map(|j| key_of(j, &reader, &tools, cx, opts))
        .collect();
    // The first job of each key renders for all of them.
    let mut first: HashMap<inputs::Hash, usize> = HashMap::new();
    let leader: Vec<usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| match k {
            Ok(k) => *first.entry(k.digest).or_insert(i),
            Err(_) => i,
        })
        .collect();
    // The builds that read the most files first, each a task of its own: the last to finish
    // is then a short one, and no thread waits long at the end for another.
    let mut order: Vec<usize> = (0..jobs.len()).filter(|&i| leader[i] == i).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(keys[i].as_ref().map_or(0, |k| k.inputs.len())));
    let ran: Vec<(usize, Done)> = order
        .par_iter()
        .with_max_len(1)
        .map(|&i| {
            (
                i,
                render_one(&jobs[i], keys[i].as_ref().ok(), cache.as_ref(), cx),
            )
        })
        .collect();
    let mut done: Vec<Option<Done>> = (0..jobs.len()).map(|_| None).collect();
    for (i, r) in ran {
        done[i] = Some(r);
    }
    if let Some(c) = &cache {
        c.trim();
    }
    let mut cost = RenderCost {
        renders: jobs.len(),
        ..RenderCost::default()
    };
    let mut out = Vec::with_capacity(jobs.len());
    for (i, job) in jobs.iter().enumerate() {
        let (result, had) = match &done[leader[i]] {
            Some((r, had)) if leader[i] == i => (r.clone(), had),
            Some((r, _)) => (r.clone(), &Had::Shared),
            None => (Err(Failure::Refused("not rendered".into())), &Had::Shared),
        };
        match had {
            Had::Ran => cost.ran += 1,
            Had::Cached => cost.from_cache += 1,
            Had::Shared => {}
        }
        if cache.is_some() {
            let why = match &keys[i] {
                Err(why) => Some(why.as_str()),
                Ok(k) => k.private.as_deref(),
            };
            if let Some(why) = why {
                let (file, at) = place_of(job);
                cost.notices.push((
                    file.to_string(),
                    at.line,
                    format!("this render is not kept in the render cache: {why}"),
                ));
            }
        }
        out.push(finish(job, result, cx, opts));
    }
    (out, cost)
}

/// One render: from the cache when it holds the key, else by the tool, its output (or its
/// failure) then kept.
fn render_one(job: &Job<'_>, key: Option<&Key>, cache: Option<&Cache>, cx: &HelmRun<'_>) -> Done {
    if let (Some(c), Some(k)) = (cache, key)
        && let Some(hit) = c.get(k)
    {
        return (hit.map_err(Failure::Tool), Had::Cached);
    }
    let out = execute(job, cx);
    if let (Some(c), Some(k)) = (cache, key)
        && k.private.is_none()
    {
        // A failure is kept too (the tool would fail the same way again), unless it was the
        // machine's: the time limit, a tool that did not start.
        match &out {
            Ok(r) => c.put(k, &Ok(r.clone())),
            Err(Failure::Tool(e)) if !super::is_transient(e) => c.put(k, &Err(e.clone())),
            Err(_) => {}
        }
    }
    (out, Had::Ran)
}

/// Where a job's notes go: the chart's `name:`, the kustomization's first key.
fn place_of<'a>(job: &'a Job<'_>) -> (&'a str, crate::span::Pos) {
    match job {
        Job::Helm(j) => (&j.chart.chart_yaml_display, j.chart.name_at),
        Job::Kustomize(j) => (j.display, first_key(j.file)),
    }
}

/// The tools the jobs run, identified by path and, when their output is to be kept, by the
/// version they report (a tool that does not say is not trusted to the cache).
fn tool_ids(jobs: &[Job<'_>], cx: &HelmRun<'_>, versions: bool) -> HashMap<PathBuf, ToolId> {
    let mut programs: Vec<(PathBuf, &'static [&'static str])> = Vec::new();
    for j in jobs {
        let (p, args): (&Path, &'static [&'static str]) = match j {
            Job::Helm(j) => (j.helm, &["version"]),
            Job::Kustomize(j) if j.tool.kubectl => (&j.tool.program, &["version", "--client"]),
            Job::Kustomize(j) => (&j.tool.program, &["version"]),
        };
        if !programs.iter().any(|(q, _)| q == p) {
            programs.push((p.to_path_buf(), args));
        }
    }
    programs
        .into_par_iter()
        .filter_map(|(p, args)| {
            let id = if versions {
                ToolId::probe(&p, args, cx.sandbox, cx.timeout)?
            } else {
                ToolId::path_only(&p)
            };
            Some((p, id))
        })
        .collect()
}

/// The key of one job. Err: why it has none (it runs, and is not kept).
fn key_of(
    job: &Job<'_>,
    reader: &Reader,
    tools: &HashMap<PathBuf, ToolId>,
    cx: &HelmRun<'_>,
    opts: &RenderOptions,
) -> Result<Key, NoKey> {
    match job {
        Job::Helm(j) => {
            let tool = tools
                .get(j.helm)
                .ok_or("helm did not say which version it is")?;
            if cx.opts.dependency_build && j.info.has_dependencies {
                return Err("`helm dependency build` fetches its dependencies".into());
            }
            let chart = j.chart.dir.canonicalize().map_err(|e| e.to_string())?;
            let values = values_files_of(j, opts);
            let states = reader.states(&values);
            let identity = inputs::helm_identity(
                tool,
                &chart,
                &states,
                &j.render,
                cx.opts,
                cx.kube_version,
                cx.default_namespace,
            );
            let mut key = reader.key(&identity, &[chart], Walk::Chart, &values)?;
            if key.private.is_none() && !(j.render.set.is_empty() && cx.opts.set.is_empty()) {
                key.private = Some("it is given values with --set".into());
            }
            Ok(key)
        }
        Job::Kustomize(j) => {
            let tool = tools
                .get(j.tool.program.as_path())
                .ok_or("kustomize did not say which version it is")?;
            if opts.allow_remote_bases {
                return Err("remote bases may be fetched (--allow-remote-bases)".into());
            }
            let dir = j.dir.canonicalize().map_err(|e| e.to_string())?;
            let identity = inputs::kustomize_identity(tool, &j.tool.flags(), &dir);
            reader.key(&identity, &[dir], Walk::Kustomization, &[])
        }
    }
}

/// The values files of a chart's render beyond the chart's own, in the order helm reads them.
fn values_files_of(j: &ChartJob<'_>, opts: &RenderOptions) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = j
        .render
        .values
        .iter()
        .map(|v| j.chart.dir.join(v))
        .collect();
    v.extend(opts.helm.values.iter().cloned());
    v
}

/// Runs a job's tool. Err: the tool's message, or why it was not run.
fn execute(job: &Job<'_>, cx: &HelmRun<'_>) -> Result<Rendering, Failure> {
    match job {
        Job::Helm(j) => {
            if let Some(link) = cx.sandbox.inside.link_out_of(&j.chart.dir) {
                return Err(Failure::Refused(link_refusal(&link, "helm")));
            }
            helm::render(j.helm, cx, &j.chart.dir, &j.render, &j.info)
                .map(|text| Rendering {
                    text,
                    base: None,
                    reads: None,
                })
                .map_err(Failure::Tool)
        }
        Job::Kustomize(j) => {
            if let Some(link) = cx.sandbox.inside.link_out_of(j.dir) {
                return Err(Failure::Refused(link_refusal(&link, "kustomize")));
            }
            kustomize::build(j.tool, j.dir, cx.sandbox, cx.timeout)
                .map(|b| Rendering {
                    // What the build read, while its output is at hand (the cache keeps it).
                    reads: b
                        .base
                        .as_ref()
                        .map(|base| kustomize::reads_of(&b.text, base)),
                    text: b.text,
                    base: b.base,
                })
                .map_err(Failure::Tool)
        }
    }
}

/// A job's render as the scan reads it, or its problem on the chart or kustomization.
fn finish(
    job: &Job<'_>,
    result: Result<Rendering, Failure>,
    cx: &HelmRun<'_>,
    opts: &RenderOptions,
) -> Result<Rendered, RenderProblem> {
    match job {
        Job::Helm(j) => finish_chart(j, result, opts),
        Job::Kustomize(j) => finish_overlay(j, result, cx),
    }
}

fn finish_chart(
    job: &ChartJob<'_>,
    result: Result<Rendering, Failure>,
    opts: &RenderOptions,
) -> Result<Rendered, RenderProblem> {
    let ChartJob { chart, render, .. } = job;
    let label = match &render.name {
        Some(n) => format!("helm template: {n}"),
        None => "helm template".into(),
    };
    match result {
        Ok(r) => {
            let mut values_files = vec![chart.dir.join("values.yaml")];
            values_files.extend(values_files_of(job, opts));
            Ok(Rendered {
                display: format!("{} [{label}]", chart.display_dir),
                text: r.text,
                from: Arc::new(RenderedFrom {
                    tool: Tool::Helm,
                    input: Arc::from(chart.display_dir.as_str()),
                    variant: render.name.as_deref().map(Arc::from),
                }),
                chart: Some(chart.clone()),
                values_files,
                kustomization: None,
                origin_base: None,
                reads: None,
                docs: Default::default(),
            })
        }
        Err(Failure::Refused(e)) => Err(problem(
            ProblemKind::Failed,
            &chart.chart_yaml_display,
            chart.name_at,
            e,
        )),
        Err(Failure::Tool(e)) => Err(problem(
            ProblemKind::Failed,
            &chart.chart_yaml_display,
            chart.name_at,
            format!("`{label}` failed, so this chart's resources were not checked: {e}"),
        )),
    }
}

fn finish_overlay(
    job: &OverlayJob<'_>,
    result: Result<Rendering, Failure>,
    cx: &HelmRun<'_>,
) -> Result<Rendered, RenderProblem> {
    let OverlayJob {
        dir,
        file,
        display,
        tool,
    } = job;
    match result {
        Ok(r) => {
            let d = dir_display(
                display,
                file.file_name().and_then(|n| n.to_str()).unwrap_or(""),
            );
            Ok(Rendered {
                display: format!("{d} [{}]", tool.describe()),
                text: r.text,
                from: Arc::new(RenderedFrom {
                    tool: Tool::Kustomize,
                    input: Arc::from(d.as_str()),
                    variant: None,
                }),
                chart: None,
                values_files: Vec::new(),
                kustomization: Some((file.to_path_buf(), display.to_string())),
                origin_base: r.base,
                reads: r.reads,
                docs: Default::default(),
            })
        }
        Err(Failure::Refused(e)) => Err(problem(ProblemKind::Failed, display, first_key(file), e)),
        Err(Failure::Tool(e)) => Err(problem(
            ProblemKind::Failed,
            display,
            first_key(file),
            format!(
                "`{}` failed, so this overlay was checked file by file only: {}{}",
                tool.describe(),
                remote_hint(&e, cx.sandbox),
                super::scrub::kustomize_message(&e, dir)
            ),
        )),
    }
}
