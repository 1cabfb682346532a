//! The render phase of a scan: every chart and kustomization found by `discover` is rendered
//! (in parallel, before the files are checked), and what could not be rendered is reported
//! where it is declared. The rendered texts are then scanned like files, under a name of
//! their own, and `mapback` moves their findings to the template, base or patch lines.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::helm::{ChartInfo, HelmRun};
use super::job::{ChartJob, Job, OverlayJob, dir_display, first_key, problem};
pub use super::job::{
    ChartRef, Phase, ProblemKind, RenderCost, RenderProblem, Rendered, Unrendered,
};
use super::kustomize::{self, Kustomizer};
use super::{HelmRender, RenderOptions, Sandbox};
use crate::discover::Input;
use crate::discover::confine::Confinement;
use crate::load;

/// Renders what can be rendered; reports the rest.
pub fn run(
    inputs: &[Input],
    opts: &RenderOptions,
    kube_version: &str,
    default_namespace: &str,
    inside: &Confinement,
) -> Phase {
    let mut phase = Phase::default();
    let tools = Tools::find(opts);
    let jobs = plan(inputs, opts, &tools, &mut phase);
    let started = std::time::Instant::now();
    let sandbox = match (
        jobs.is_empty(),
        Sandbox::new(opts.allow_remote_bases, inside.clone()).map(|mut s| {
            // `helm dependency build` (only a trusted configuration turns it on) downloads
            // charts from the repositories the caller's helm knows.
            if opts.helm.dependency_build {
                s.use_helm_repositories();
            }
            s
        }),
    ) {
        (true, _) => None,
        (false, Ok(s)) => Some(s),
        (false, Err(e)) => {
            for job in &jobs {
                phase.problems.push(not_started(job, &e));
            }
            return phase;
        }
    };
    let outcomes = match &sandbox {
        None => Vec::new(),
        Some(sandbox) => {
            let cx = HelmRun {
                opts: &opts.helm,
                kube_version,
                default_namespace,
                timeout: opts.timeout,
                sandbox,
            };
            let cpu_before = super::sandbox::children_cpu();
            let (outcomes, cost) = super::batch::render_all(&jobs, &cx, opts, inside);
            phase.notices.extend(cost.notices.iter().cloned());
            phase.cost = Some(RenderCost {
                took: started.elapsed(),
                tools_cpu: super::sandbox::children_cpu()
                    .zip(cpu_before)
                    .map(|(after, before)| after.saturating_sub(before)),
                threads: rayon::current_num_threads(),
                ..cost
            });
            outcomes
        }
    };
    for o in outcomes {
        match o {
            Ok(r) => phase.rendered.push(r),
            Err(p) => phase.problems.push(p),
        }
    }
    let consumed = consumed_files(&phase.rendered, inside);
    phase.consumed.extend(consumed);
    phase
}

/// The renderers found: helm, and kustomize or kubectl (each only when rendering is on).
struct Tools {
    helm: Option<PathBuf>,
    kustomizer: Option<Kustomizer>,
}

impl Tools {
    fn find(opts: &RenderOptions) -> Tools {
        let helm = opts
            .enabled
            .then(|| {
                opts.helm
                    .binary
                    .clone()
                    .or_else(|| super::find_on_path("helm"))
            })
            .flatten();
        let kustomizer = (opts.enabled && opts.kustomize.enabled)
            .then(|| Kustomizer::find(opts.kustomize.binary.as_deref()))
            .flatten();
        Tools { helm, kustomizer }
    }
}

/// The renders to run, one job each; charts and overlays that cannot be rendered are
/// reported in `phase`, and every chart is recorded there.
fn plan<'a>(
    inputs: &'a [Input],
    opts: &RenderOptions,
    tools: &'a Tools,
    phase: &mut Phase,
) -> Vec<Job<'a>> {
    // An overlay's bases are checked through the overlay (their lines get its findings); only
    // kustomizations no other one builds on are rendered, each build costing a process.
    let referenced = if tools.kustomizer.is_some() {
        referenced_kustomizations(inputs)
    } else {
        HashSet::new()
    };
    let mut jobs = Vec::new();
    for input in inputs {
        match input {
            Input::Chart {
                dir,
                chart_yaml,
                display,
                templates,
                subchart,
            } => plan_chart(
                ChartInput {
                    dir,
                    chart_yaml,
                    display,
                    templates: *templates,
                    subchart: *subchart,
                },
                opts,
                tools,
                phase,
                &mut jobs,
            ),
            Input::Kustomization { dir, file, display } => {
                if !opts.enabled || !opts.kustomize.enabled || kustomize::is_component(file) {
                    continue;
                }
                if dir.canonicalize().is_ok_and(|c| referenced.contains(&c)) {
                    continue;
                }
                match &tools.kustomizer {
                    Some(tool) => jobs.push(Job::Kustomize(OverlayJob {
                        dir,
                        file,
                        display,
                        tool,
                    })),
                    None => {
                        phase.unrendered.overlays += 1;
                        phase.unrendered.overlays_why = Some("kustomize and kubectl not found");
                        phase.problems.push(problem(
                        ProblemKind::NotRendered,
                        display,
                        first_key(file),
                        "this Kustomize overlay was not rendered: neither `kustomize` nor `kubectl` was found on PATH; its files were checked one by one, without its patches and transformers (install kustomize or kubectl, or set kustomize.binary in .keelhaul.yaml)".into(),
                    ));
                    }
                }
            }
            _ => {}
        }
    }
    jobs
}

/// A chart as discovered.
struct ChartInput<'a> {
    dir: &'a PathBuf,
    chart_yaml: &'a Path,
    display: &'a String,
    templates: usize,
    subchart: bool,
}

/// Records a chart, and plans its renders (one per configured way of rendering it) unless it
/// is rendered through another chart, is a library, or cannot be rendered.
fn plan_chart<'a>(
    input: ChartInput<'_>,
    opts: &RenderOptions,
    tools: &'a Tools,
    phase: &mut Phase,
    jobs: &mut Vec<Job<'a>>,
) {
    let ChartInput {
        dir,
        chart_yaml,
        display,
        templates,
        subchart,
    } = input;
    phase.chart_templates += templates;
    let info = ChartInfo::read(chart_yaml);
    let chart = ChartRef {
        name: info.name.clone().unwrap_or_else(|| {
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        }),
        dir: dir.clone(),
        display_dir: dir_display(display, "Chart.yaml"),
        chart_yaml_display: display.clone(),
        name_at: info.name_at,
    };
    phase.charts.push(chart.clone());
    if subchart {
        // Rendered through the chart that holds it.
        return;
    }
    if info.library {
        phase.notices.push((
            display.clone(),
            info.name_at.line,
            "a library chart is not rendered on its own: its templates are checked through the charts that depend on it".into(),
        ));
        return;
    }
    match &tools.helm {
        Some(h) => {
            for render in renders_of(dir, opts) {
                jobs.push(Job::Helm(Box::new(ChartJob {
                    chart: chart.clone(),
                    info: info.clone(),
                    render,
                    helm: h,
                })));
            }
        }
        None => {
            let why = if opts.enabled {
                "`helm` was not found on PATH (install Helm 3, or set helm.binary in .keelhaul.yaml)"
            } else {
                "rendering is off (--no-render)"
            };
            phase.unrendered.charts += 1;
            phase.unrendered.templates += templates;
            phase.unrendered.charts_why = Some(if opts.enabled {
                "helm not found"
            } else {
                "rendering is off"
            });
            phase.problems.push(problem(
                ProblemKind::NotRendered,
                display,
                info.name_at,
                format!(
                    "this Helm chart was not rendered, so its {templates} template file(s) were not checked: {why}; or render it yourself and scan the output: `helm template <release> {} | keelhaul scan -`",
                    chart.display_dir
                ),
            ));
        }
    }
}

/// A render that could not start: no directory could be made for it.
fn not_started(job: &Job<'_>, e: &std::io::Error) -> RenderProblem {
    let message = format!("not rendered: no temporary directory could be made for it ({e})");
    match job {
        Job::Helm(j) => problem(
            ProblemKind::Failed,
            &j.chart.chart_yaml_display,
            j.chart.name_at,
            message,
        ),
        Job::Kustomize(j) => problem(ProblemKind::Failed, j.display, first_key(j.file), message),
    }
}

/// The directories (canonical) that a kustomization in the scanned set lists as a resource,
/// base or component.
fn referenced_kustomizations(inputs: &[Input]) -> HashSet<PathBuf> {
    let mut out = HashSet::new();
    for input in inputs {
        let Input::Kustomization { dir, file, .. } = input else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let loaded = load::load_text(&text);
        let Some(d) = loaded.docs.first() else {
            continue;
        };
        let Some(root) = d.root else { continue };
        for key in ["resources", "bases", "components"] {
            let Some(list) = d.get(root, key) else {
                continue;
            };
            for &item in d.items(list) {
                if let Some(rel) = d.scalar(item)
                    && !rel.contains("://")
                    && let Ok(c) = dir.join(rel).canonicalize()
                    && c.is_dir()
                {
                    out.insert(c);
                }
            }
        }
    }
    out
}

/// The renders of one chart: those configured for its directory, else one with defaults.
fn renders_of(dir: &Path, opts: &RenderOptions) -> Vec<HelmRender> {
    let canonical = dir.canonicalize().ok();
    for c in &opts.helm.charts {
        let same = c.dir == dir || (canonical.is_some() && c.dir.canonicalize().ok() == canonical);
        if same && !c.renders.is_empty() {
            return c.renders.clone();
        }
    }
    vec![HelmRender::default()]
}

/// The files the Kustomize builds read, from their origin annotations (read from the output
/// when the render ran, kept with it in the render cache), canonical and inside the scan.
/// Each file and each kustomization's patches once: overlays share their bases.
fn consumed_files(rendered: &[Rendered], inside: &Confinement) -> Vec<PathBuf> {
    let reads: Vec<std::borrow::Cow<'_, kustomize::BuildReads>> = rendered
        .par_iter()
        .filter_map(|r| {
            let base = r.origin_base.as_ref()?;
            Some(match &r.reads {
                Some(reads) => std::borrow::Cow::Borrowed(reads),
                None => std::borrow::Cow::Owned(kustomize::reads_of(&r.text, base)),
            })
        })
        .collect();
    let mut kustomizations: Vec<&PathBuf> = reads.iter().flat_map(|r| &r.kustomizations).collect();
    kustomizations.sort_unstable();
    kustomizations.dedup();
    let patches: Vec<PathBuf> = kustomizations
        .par_iter()
        .flat_map_iter(|k| kustomize::patches_of(k, inside).into_iter().map(|p| p.file))
        .collect();
    let mut files: Vec<&PathBuf> = reads.iter().flat_map(|r| &r.files).collect();
    files.extend(kustomizations);
    files.extend(&patches);
    files.extend(
        rendered
            .iter()
            .filter(|r| r.origin_base.is_some())
            .filter_map(|r| r.kustomization.as_ref().map(|(k, _)| k)),
    );
    files.sort_unstable();
    files.dedup();
    files
        .par_iter()
        .filter_map(|f| f.canonicalize().ok())
        .filter(|c| inside.contains_canonical(c))
        .collect()
}
