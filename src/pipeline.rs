//! The pipeline, end to end: discover the inputs, render the charts and overlays, then
//! load → index → check each file in parallel, run the cross-resource rules over the index,
//! apply the suppressions, map findings on rendered output back to their sources, and return
//! findings in a deterministic order (`scan` reads as that list). The work of each step is its
//! stage's; this module sequences them, hands each file's text to the excerpts while it is in
//! memory, and words the findings about the inputs themselves (unreadable, too large, not
//! YAML). Reporting is the caller's.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use std::collections::HashMap;

use crate::check::{self, Rule, Settings};
use crate::discover::{self, DiscoverOptions, Input, read};
use crate::filter::suppress::{self, Suppression};
use crate::finding::Finding;
use crate::finding::result::{Notice, ScanResult, Stats};
use crate::index::{self, Index, NotAnObject};
use crate::k8s::{pss, secret};
use crate::load::render::phase::{Phase, ProblemKind, RenderProblem, Rendered};
use crate::load::{self, Document, LoadProblem, TextProblem};
use crate::report::excerpt::{attach_excerpts, attach_line_hashes};
use crate::rules::input::*;
use crate::span::{Pos, Span};

pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub max_file_size: u64,
    pub default_namespace: String,
    /// Worker threads; None: one per core.
    pub threads: Option<usize>,
    /// The enabled rules.
    pub rules: Vec<&'static dyn Rule>,
    /// Keep the source lines of each finding (for snippets).
    pub excerpts: bool,
    /// Compute GitHub's line fingerprint of each finding (for SARIF).
    pub fingerprints: bool,
    pub settings: Settings,
    /// Rendering of Helm charts and Kustomize overlays (off unless asked for; the command
    /// line turns it on).
    pub render: crate::load::render::RenderOptions,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            paths: vec![PathBuf::from(".")],
            include: Vec::new(),
            exclude: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            default_namespace: "default".into(),
            threads: None,
            rules: crate::rules::all().to_vec(),
            excerpts: true,
            fingerprints: false,
            settings: Settings::default(),
            render: crate::load::render::RenderOptions::default(),
        }
    }
}

/// Errors that stop the scan before it starts: a missing path, a bad glob.
#[derive(Debug)]
pub struct ScanError(pub String);

/// What one input produced.
#[derive(Default)]
struct FileOutcome {
    /// The suppressions written in the file (comments and annotations), with its name.
    suppressions: Option<(Arc<str>, Vec<Suppression>)>,
    /// The file's path, when a finding of it carries a fix.
    fixable: Option<(String, PathBuf)>,
    findings: Vec<Finding>,
    notices: Vec<Notice>,
    index: Index,
    stats: Stats,
}

/// The scan, step by step: discover the inputs, render the charts and overlays, load, index
/// and check each file in parallel, check across resources, apply the suppressions, map
/// findings on rendered output back to their sources, and put everything in order.
pub fn scan(opts: &ScanOptions) -> Result<ScanResult, ScanError> {
    let inputs = discover_inputs(opts)?;
    // Standard input can be read once only: read it before anything needs it.
    let stdin = inputs.contains(&Input::Stdin).then(read_stdin);
    let stdin_bytes = stdin
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .map(Vec::as_slice);
    let (phase, outcomes) = in_pool(opts.threads, || {
        let phase = render(&inputs, opts);
        let outcomes = check_files(&inputs, &phase, stdin.as_ref(), opts);
        (phase, outcomes)
    })?;
    let mut result = render_result(&phase);
    let (ix, suppressions) = merge(outcomes, &mut result);
    check_across(&ix, stdin_bytes, opts, &mut result);
    if !suppressions.is_empty() {
        apply_suppressions(&mut result, suppressions, opts, stdin_bytes);
    }
    if !phase.rendered.is_empty() || !phase.charts.is_empty() {
        map_back(&mut result, &phase, opts);
    }
    order(&mut result);
    Ok(result)
}

fn discover_inputs(opts: &ScanOptions) -> Result<Vec<Input>, ScanError> {
    discover::discover(
        &opts.paths,
        &DiscoverOptions {
            include: &opts.include,
            exclude: &opts.exclude,
        },
    )
    .map_err(|e| ScanError(e.0))
}

fn read_stdin() -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::stdin().read_to_end(&mut bytes).map(|_| bytes)
}

/// Runs `run` on a pool of `threads` workers, or on the global pool (one per core).
fn in_pool<T: Send>(
    threads: Option<usize>,
    run: impl FnOnce() -> T + Send,
) -> Result<T, ScanError> {
    match threads {
        Some(n) => Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| ScanError(format!("cannot start {n} threads: {e}")))?
            .install(run)),
        None => Ok(run()),
    }
}

/// Charts and overlays are rendered first: what a build reads is not scanned again as plain
/// files, and the Namespaces a chart creates count like any other.
fn render(inputs: &[Input], opts: &ScanOptions) -> Phase {
    let renderable = inputs
        .iter()
        .any(|i| matches!(i, Input::Chart { .. } | Input::Kustomization { .. }));
    if !renderable {
        return Phase::default();
    }
    crate::load::render::phase::run(
        inputs,
        &opts.render,
        &opts.settings.kube_version.to_string(),
        &opts.default_namespace,
    )
}

/// Loads, indexes and checks, in parallel, every input the render did not consume and every
/// rendered text, once the Namespaces' Pod Security labels are read (when a rule wants them).
fn check_files(
    inputs: &[Input],
    phase: &Phase,
    stdin: Option<&std::io::Result<Vec<u8>>>,
    opts: &ScanOptions,
) -> Vec<FileOutcome> {
    let consumed = |i: &Input| match i {
        Input::File { path, .. } if !phase.consumed.is_empty() => path
            .canonicalize()
            .is_ok_and(|c| phase.consumed.contains(&c)),
        _ => false,
    };
    let work: Vec<Work> = inputs
        .iter()
        .filter(|i| !consumed(i))
        .map(Work::Input)
        .chain(phase.rendered.iter().map(Work::Rendered))
        .collect();
    let mut settings = opts.settings.clone();
    if opts.rules.iter().any(|r| r.reads_namespace_labels()) {
        let stdin_bytes = stdin.and_then(|r| r.as_ref().ok()).map(Vec::as_slice);
        settings.namespaces = Arc::new(namespace_policies(&work, stdin_bytes, opts));
    }
    let cx = RunContext {
        opts,
        settings: &settings,
        stdin,
    };
    work.par_iter().map(|w| check_work(w, &cx)).collect()
}

/// Checks one input or rendered text. Each file's findings are sorted by its worker and
/// files come back in input order, so the merged list is usually in order already and the
/// final sort is skipped.
fn check_work(w: &Work, cx: &RunContext<'_>) -> FileOutcome {
    let mut o = match w {
        Work::Input(i) => scan_input(i, cx),
        Work::Rendered(r) => {
            let mut o = FileOutcome::default();
            scan_text(&r.display, &r.text, cx, &mut o);
            o.stats.files = 0;
            o
        }
    };
    o.findings.sort_by(|a, b| a.output_order(b));
    o
}

/// What the render phase adds to the result: its counts, its problems as findings, its
/// notices, and what it cost when that was long.
fn render_result(phase: &Phase) -> ScanResult {
    let mut result = ScanResult::default();
    result.stats.chart_templates = phase.chart_templates;
    result.stats.renders = phase.rendered.len();
    if let Some((n, took)) = phase.took
        && took.as_secs() >= 5
    {
        // Each render is a process of its own; say what it cost and how to avoid it.
        result.notices.push(Notice {
            file: "<render>".into(),
            line: None,
            message: format!(
                "rendering {n} chart(s) and overlay(s) took {:.1} s; `--no-render` (or `render: false` in .keelhaul.yaml) checks the files as they are",
                took.as_secs_f64()
            ),
            verbose: false,
        });
    }
    result
        .findings
        .extend(phase.problems.iter().map(render_problem_finding));
    result
        .notices
        .extend(phase.notices.iter().map(|(file, line, message)| Notice {
            file: file.clone(),
            line: Some(*line),
            message: message.clone(),
            verbose: true,
        }));
    result
}

/// Merges the files' outcomes into the result; returns the merged (sorted) index and the
/// suppressions written in the files, by file.
fn merge(
    outcomes: Vec<FileOutcome>,
    result: &mut ScanResult,
) -> (Index, HashMap<Arc<str>, Vec<Suppression>>) {
    let mut ix = Index::default();
    // Consumed one by one, so each file's buffers are freed as they are merged; the merged
    // list grows by reallocation (in place, for a large block) rather than being reserved
    // whole up front, so both never exist in full at once.
    let mut suppressions: HashMap<Arc<str>, Vec<Suppression>> = HashMap::new();
    for o in outcomes {
        if let Some((file, s)) = o.suppressions {
            suppressions.entry(file).or_default().extend(s);
        }
        if let Some((name, path)) = o.fixable {
            result.fixable_files.insert(name, path);
        }
        result.findings.extend(o.findings);
        result.notices.extend(o.notices);
        ix.merge(o.index);
        result.stats.files += o.stats.files;
        result.stats.documents += o.stats.documents;
        result.stats.resources += o.stats.resources;
        result.stats.chart_templates += o.stats.chart_templates;
    }
    ix.sort();
    (ix, suppressions)
}

/// Runs the cross-resource rules over the index and adds their findings, with snippets and
/// fingerprints taken from the files read again.
fn check_across(
    ix: &Index,
    stdin_bytes: Option<&[u8]>,
    opts: &ScanOptions,
    result: &mut ScanResult,
) {
    let mut cross = check::check_index(&opts.rules, &opts.settings, ix);
    if (opts.excerpts || opts.fingerprints) && !cross.is_empty() {
        source_after_the_fact(
            &mut cross,
            stdin_bytes.and_then(|b| load::decode(b).ok()),
            opts,
        );
    }
    result.findings.extend(cross);
}

/// Findings in output order (a sort only when the merged lists are not in order already),
/// notices sorted.
fn order(result: &mut ScanResult) {
    let in_order = |a: &Finding, b: &Finding| a.output_order(b).is_le();
    if !result.findings.is_sorted_by(in_order) {
        result.findings.sort_by(|a, b| a.output_order(b));
    }
    result.notices.sort();
}

/// A chart or overlay that was not checked through its render, as a finding on the line
/// that declares it: KH007 when it was not rendered, KH010 when its render failed.
fn render_problem_finding(p: &RenderProblem) -> Finding {
    let rule = match p.kind {
        ProblemKind::NotRendered => &NOT_RENDERED,
        ProblemKind::Failed => &RENDER_FAILED,
    };
    Finding::new(
        rule,
        Arc::from(p.file.as_str()),
        Span::point(p.at),
        p.message.clone(),
    )
}

/// Findings on rendered output go to the template, base or patch line they come from; their
/// snippets and fingerprints are then taken from that file.
fn map_back(result: &mut ScanResult, phase: &Phase, opts: &ScanOptions) {
    let roots = crate::mapback::run::roots_of(&opts.paths);
    for list in [&mut result.findings, &mut result.suppressed] {
        let mapped = crate::mapback::run::map_all(list, &phase.rendered, &phase.charts, &roots);
        if mapped > 0 && (opts.excerpts || opts.fingerprints) {
            let (mut moved, rest): (Vec<Finding>, Vec<Finding>) = list
                .drain(..)
                .partition(|f| f.rendered.is_some() && f.excerpt.is_none());
            source_after_the_fact(&mut moved, None, opts);
            *list = rest;
            list.extend(moved);
        }
    }
    // Kustomize drops comments: those of the bases and patches a build read are taken from
    // the files themselves.
    let sups = suppress::in_kustomize_sources(
        result.findings.iter().chain(&result.suppressed),
        &opts.default_namespace,
    );
    if !sups.is_empty() {
        apply_suppressions(result, sups, opts, None);
    }
    // A rendered text's name is no file's: nothing can be fixed through it.
    let names: std::collections::HashSet<&str> =
        phase.rendered.iter().map(|r| r.display.as_str()).collect();
    result
        .fixable_files
        .retain(|k, _| !names.contains(k.as_str()));
}

/// Moves suppressed findings aside and adds the findings about the suppressions themselves
/// (with their snippets).
fn apply_suppressions(
    result: &mut ScanResult,
    by_file: HashMap<Arc<str>, Vec<Suppression>>,
    opts: &ScanOptions,
    stdin_bytes: Option<&[u8]>,
) {
    let enabled: Vec<&'static str> = opts.rules.iter().map(|r| r.meta().id).collect();
    let mut added = suppress::apply_all(result, by_file, &enabled);
    if (opts.excerpts || opts.fingerprints) && !added.is_empty() {
        source_after_the_fact(
            &mut added,
            stdin_bytes.and_then(|b| load::decode(b).ok()),
            opts,
        );
    }
    result.findings.extend(added);
}

fn file_finding(
    rule: &'static crate::finding::RuleMeta,
    file: &str,
    pos: Pos,
    message: String,
) -> Finding {
    Finding::new(rule, Arc::from(file), Span::point(pos), message)
}

const FILE_START: Pos = Pos { line: 1, col: 0 };

/// Whether `needle` occurs in `text` (memchr's SIMD search: every file's whole text is
/// searched for a few markers, so this is on the hot path).
fn has(text: &str, needle: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), needle.as_bytes()).is_some()
}

/// One unit of the parallel scan: an input from the walk, or a rendered text.
enum Work<'a> {
    Input(&'a Input),
    Rendered(&'a Rendered),
}

/// What every file's check shares: the options, the settings with the Namespaces read
/// beforehand, and standard input's bytes.
struct RunContext<'a> {
    opts: &'a ScanOptions,
    settings: &'a Settings,
    stdin: Option<&'a std::io::Result<Vec<u8>>>,
}

/// The Pod Security labels of every Namespace in the inputs, read before the files are
/// checked. Only files that mention `Namespace` are parsed for it.
fn namespace_policies(
    inputs: &[Work],
    stdin: Option<&[u8]>,
    opts: &ScanOptions,
) -> HashMap<String, pss::NamespacePolicy> {
    let found: Vec<(String, pss::NamespacePolicy)> = inputs
        .par_iter()
        .flat_map_iter(|input| {
            let mut out = Vec::new();
            let mut find = |bytes: &[u8]| {
                // Most files name no Namespace at all: a byte search settles them before any
                // decoding.
                if memchr::memmem::find(bytes, b"Namespace").is_none() {
                    return;
                }
                let Ok(text) = load::decode(bytes) else {
                    return;
                };
                let file: Arc<str> = Arc::from(match input {
                    Work::Input(i) => i.display(),
                    Work::Rendered(r) => r.display.as_str(),
                });
                namespaces_in(text, &file, opts, &mut out);
            };
            match input {
                Work::Rendered(r) => find(r.text.as_bytes()),
                Work::Input(Input::Stdin) => {
                    if let Some(b) = stdin {
                        find(b);
                    }
                }
                Work::Input(Input::File { path, .. })
                    if read::within_limit(path, opts.max_file_size) =>
                {
                    read::with_file_bytes(path, |r| {
                        if let Ok(b) = r {
                            find(b);
                        }
                    });
                }
                _ => {}
            }
            out
        })
        .collect();
    // The first definition wins, in input order, as the report order does.
    let mut map = HashMap::new();
    for (name, policy) in found {
        map.entry(name).or_insert(policy);
    }
    map
}

/// Adds the Namespaces with Pod Security labels that a text declares. Only the documents
/// that declare `kind: Namespace` are parsed here: an install bundle of ten megabytes must
/// not be read twice for its one Namespace.
fn namespaces_in(
    text: &str,
    file: &Arc<str>,
    opts: &ScanOptions,
    out: &mut Vec<(String, pss::NamespacePolicy)>,
) {
    for (first_line, chunk) in load::split::documents_declaring_namespace(text) {
        for doc in load::load_text(chunk).docs {
            let resources = index::resources_of(&doc, &opts.default_namespace);
            for r in resources.unwrap_or_default() {
                if r.kind == "Namespace"
                    && let Some(name) = r.name
                {
                    let mut policy = pss::namespace_policy(
                        &doc,
                        r.node,
                        file.clone(),
                        opts.settings.kube_version,
                    );
                    for m in &mut policy.modes {
                        m.label.start.line += first_line - 1;
                        m.label.end.line += first_line - 1;
                    }
                    if !policy.modes.is_empty() {
                        out.push((name.to_string(), policy));
                    }
                }
            }
        }
    }
}

/// Checks one input from the walk, or says why it was not.
fn scan_input(input: &Input, cx: &RunContext<'_>) -> FileOutcome {
    let mut out = FileOutcome::default();
    let display = input.display();
    match input {
        Input::Stdin => match cx.stdin {
            Some(Ok(bytes)) => return scan_bytes(display, bytes, cx),
            Some(Err(e)) => out.findings.push(file_finding(
                &UNREADABLE_FILE,
                display,
                FILE_START,
                format!("cannot read standard input: {e}"),
            )),
            None => {}
        },
        Input::File { path, .. } => return scan_file(path, display, cx),
        Input::Unreadable { message, .. } => out.findings.push(file_finding(
            &UNREADABLE_FILE,
            display,
            FILE_START,
            format!("cannot read: {message}"),
        )),
        Input::OutsideRoot { target, .. } => out.notices.push(Notice {
            file: display.to_string(),
            line: None,
            message: format!(
                "not followed: the link leads out of the scanned directory, to {target}"
            ),
            verbose: false,
        }),
        // Rendered (or reported) by the render phase.
        Input::Chart { .. } | Input::Kustomization { .. } => {}
        Input::Script { path, .. } => return scan_script(path, display, cx),
    }
    out
}

/// Checks a manifest file, unless it is over the size limit; notes its path when a finding
/// of it carries a fix.
fn scan_file(path: &Path, display: &str, cx: &RunContext<'_>) -> FileOutcome {
    let opts = cx.opts;
    let mut out = FileOutcome::default();
    match read::over_limit(path, opts.max_file_size) {
        Some(n) => out.findings.push(file_finding(
            &SKIPPED_FILE,
            display,
            FILE_START,
            format!(
                "not scanned: the file is {} MiB, over the {} MiB limit (--max-file-size)",
                n.div_ceil(1024 * 1024),
                opts.max_file_size / (1024 * 1024)
            ),
        )),
        None => {
            match read::with_file_bytes(path, |r| r.map(|bytes| scan_bytes(display, bytes, cx))) {
                Ok(mut outcome) => {
                    if outcome.findings.iter().any(|f| f.fix.is_some()) {
                        outcome.fixable = Some((display.to_string(), path.to_path_buf()));
                    }
                    return outcome;
                }
                Err(e) => out.findings.push(file_finding(
                    &UNREADABLE_FILE,
                    display,
                    FILE_START,
                    format!("cannot read the file: {e}"),
                )),
            }
        }
    }
    out
}

/// Checks the AKS clusters a script, Markdown, Bicep or Terraform file defines (when a
/// cluster rule is enabled and the file is within the size limit).
fn scan_script(path: &Path, display: &str, cx: &RunContext<'_>) -> FileOutcome {
    let opts = cx.opts;
    let mut out = FileOutcome::default();
    if !opts.rules.iter().any(|r| r.reads_clusters()) {
        return out;
    }
    if !read::within_limit(path, opts.max_file_size) {
        return out;
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    // What a file must name to define a cluster at all: most files are settled by a byte
    // search, without decoding.
    let marker: &[u8] = match ext.as_str() {
        "bicep" => b"ontainerService/",
        "tf" => b"azurerm_kubernetes_cluster",
        _ => b"az aks",
    };
    read::with_file_bytes(path, |r| {
        if let Ok(bytes) = r
            && (memchr::memmem::find(bytes, marker).is_some()
                || (ext == "bicep" && memchr::memmem::find(bytes, b"ontainerservice/").is_some()))
        {
            out.stats.files = 1;
            match load::decode(bytes) {
                Ok(text) if ext == "bicep" || ext == "tf" => {
                    scan_iac(display, text, &ext, cx, &mut out);
                }
                Ok(text) => scan_commands(path, display, text, cx, &mut out),
                Err(_) => out.findings.push(file_finding(
                    &UNREADABLE_FILE,
                    display,
                    FILE_START,
                    "this script names `az aks` but is not UTF-8 text: its commands were not checked".into(),
                )),
            }
        }
    });
    out
}

/// Checks the clusters that the `az aks` commands of a script or Markdown file define.
fn scan_commands(
    path: &Path,
    display: &str,
    text: &str,
    cx: &RunContext<'_>,
    out: &mut FileOutcome,
) {
    let dialect = crate::load::iac::az_command::Dialect::of_path(path);
    if text.contains("keelhaul:ignore") {
        let sups = suppress::find_comments(text, false);
        if !sups.is_empty() {
            out.suppressions = Some((Arc::from(display), sups));
        }
    }
    scan_clusters(display, text, dialect, cx, out);
}

/// Runs the cluster rules over the cluster definitions of one text and adds their findings
/// (with snippets and fingerprints from the text); the settings written as computed values
/// are listed with --verbose (never judged, never silently passed).
fn check_clusters(
    defs: &[crate::k8s::aks_cluster::ClusterDef],
    text: &str,
    cx: &RunContext<'_>,
    out: &mut FileOutcome,
) {
    let mut found = Vec::new();
    for def in defs {
        for r in &cx.opts.rules {
            r.check_cluster(def, cx.settings, &mut found);
        }
        for (what, span, text) in def.unknowns() {
            let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let text = if text.chars().count() > 60 {
                format!("{}...", text.chars().take(60).collect::<String>())
            } else {
                text
            };
            out.notices.push(Notice {
                file: def.file.to_string(),
                line: Some(span.start.line),
                message: format!("{what} is computed ({text}): not judged"),
                verbose: true,
            });
        }
    }
    if found.is_empty() {
        return;
    }
    if cx.opts.excerpts {
        attach_excerpts(text, &[], &mut found);
    }
    if cx.opts.fingerprints {
        attach_line_hashes(text, &mut found);
    }
    out.findings.extend(found);
}

/// Checks the AKS clusters a Bicep or Terraform file declares. A file that does not parse is
/// said in a notice with its place; what was read before the error is still checked (Bicep).
fn scan_iac(display: &str, text: &str, ext: &str, cx: &RunContext<'_>, out: &mut FileOutcome) {
    use crate::k8s::aks_cluster::{Form, from_template, from_terraform, template_of_bicep};
    let file: Arc<str> = Arc::from(display);

    let (defs, error) = if ext == "bicep" {
        let (b, err) = crate::load::iac::bicep::read(text);
        let t = template_of_bicep(&b);
        (
            from_template(&file, Form::Bicep, &t),
            err.map(|e| {
                (
                    e.pos,
                    format!("not read as Bicep past this point: {}", e.message),
                )
            }),
        )
    } else {
        match crate::load::iac::terraform::read(text) {
            Ok(tf) => (from_terraform(&file, &tf), None),
            Err(e) => (
                Vec::new(),
                Some((
                    e.pos,
                    format!(
                        "not read as Terraform: {}; its clusters were not checked",
                        e.message
                    ),
                )),
            ),
        }
    };
    if text.contains("keelhaul:ignore") {
        let sups = suppress::find_comments(text, ext == "bicep");
        if !sups.is_empty() {
            out.suppressions = Some((file.clone(), sups));
        }
    }
    if let Some((pos, message)) = error {
        out.notices.push(Notice {
            file: display.to_string(),
            line: Some(pos.line),
            message,
            verbose: false,
        });
    }
    check_clusters(&defs, text, cx, out);
}

/// Checks the AKS clusters that the `az aks` commands of a text define.
fn scan_clusters(
    display: &str,
    text: &str,
    dialect: crate::load::iac::az_command::Dialect,
    cx: &RunContext<'_>,
    out: &mut FileOutcome,
) {
    let commands = crate::load::iac::az_command::find_commands(text, dialect);
    if commands.is_empty() {
        return;
    }
    let file: Arc<str> = Arc::from(display);
    let defs = crate::k8s::aks_cluster::from_cli(&file, text, &commands);
    check_clusters(&defs, text, cx, out);
}

/// Scans the bytes of one file (or standard input).
fn scan_bytes(display: &str, bytes: &[u8], cx: &RunContext<'_>) -> FileOutcome {
    let mut out = FileOutcome::default();
    match load::decode(bytes) {
        Ok(text) => scan_text(display, text, cx, &mut out),
        Err(TextProblem::Binary) => out.findings.push(file_finding(
            &SKIPPED_FILE,
            display,
            FILE_START,
            "not scanned: the file is binary (it contains NUL bytes)".into(),
        )),
        Err(TextProblem::InvalidUtf8 { line, col }) => out.findings.push(file_finding(
            &UNREADABLE_FILE,
            display,
            Pos { line, col },
            "the file is not valid UTF-8 (Kubernetes manifests must be UTF-8); save it as UTF-8"
                .into(),
        )),
    }
    out
}

/// Loads, indexes and checks one text (a file's, standard input's or a render's), and gives
/// its findings their snippets and fingerprints while the text is at hand.
fn scan_text(display: &str, text: &str, cx: &RunContext<'_>, out: &mut FileOutcome) {
    let opts = cx.opts;
    let file: Arc<str> = Arc::from(display);
    out.stats.files = 1;
    let loaded = load::load_text(text);
    if let Some(line) = unrendered_template_at(text, &loaded) {
        out.findings.push(Finding::new(
            &NOT_RENDERED,
            file,
            Span::point(Pos { line, col: 0 }),
            "this is an unrendered Helm template, not YAML: it was not scanned; render it with `helm template` and pipe the output to `keelhaul scan -`".into(),
        ));
        return;
    }
    for p in loaded.problems {
        out.findings.push(problem_finding(&file, p));
    }
    let docs: Vec<Arc<Document>> = loaded.docs.into_iter().map(Arc::new).collect();
    if has(text, "keelhaul:ignore") || has(text, suppress::ANNOTATION) {
        let sups = suppress::find(text, &docs, &opts.default_namespace);
        if !sups.is_empty() {
            out.suppressions = Some((file.clone(), sups));
        }
    }
    let masks = check_documents(&file, text, docs, cx, out);
    if opts.excerpts && !out.findings.is_empty() {
        attach_excerpts(text, &masks, &mut out.findings);
    }
    if opts.fingerprints && !out.findings.is_empty() {
        attach_line_hashes(text, &mut out.findings);
    }
    // A workflow's `run:` steps (or any YAML) may create clusters with `az aks`.
    if has(text, "az aks") && opts.rules.iter().any(|r| r.reads_clusters()) {
        scan_clusters(
            display,
            text,
            crate::load::iac::az_command::Dialect::Other,
            cx,
            out,
        );
    }
}

/// The line of an unrendered Helm template in a text, when it is one.
fn unrendered_template_at(text: &str, loaded: &load::Loaded) -> Option<u32> {
    let has_syntax_error = loaded
        .problems
        .iter()
        .any(|p| matches!(p, LoadProblem::Syntax { .. }));
    if has_syntax_error {
        load::looks_like_helm_template(text)
    } else if has(text, "{{") {
        // Templates that happen to parse: `{{ x }}` reads as a mapping used as a key.
        loaded
            .docs
            .iter()
            .find_map(|d| d.complex_key)
            .map(|p| p.line)
    } else {
        None
    }
}

/// Checks each document of a text: an ARM template's clusters, or the Kubernetes objects it
/// holds (indexed for the cross-resource rules). Returns the spans of its Secrets' values.
fn check_documents(
    file: &Arc<str>,
    text: &str,
    docs: Vec<Arc<Document>>,
    cx: &RunContext<'_>,
    out: &mut FileOutcome,
) -> Vec<Span> {
    let opts = cx.opts;
    let mut masks: Vec<Span> = Vec::new();
    let wanted: Vec<&str> = opts
        .rules
        .iter()
        .flat_map(|r| r.indexed_kinds())
        .copied()
        .collect();
    let cluster_rules = opts.rules.iter().any(|r| r.reads_clusters());
    for doc in docs {
        out.stats.documents += 1;
        // An ARM deployment template: its AKS clusters, not Kubernetes objects.
        if doc.root.is_some() && crate::load::iac::arm::is_template(&doc) {
            if cluster_rules {
                let t = crate::load::iac::arm::read(&doc);
                let defs = crate::k8s::aks_cluster::from_template(
                    file,
                    crate::k8s::aks_cluster::Form::Arm,
                    &t,
                );
                check_clusters(&defs, text, cx, out);
            }
            continue;
        }
        let resources = match index::resources_of(&doc, &opts.default_namespace) {
            Ok(r) => r,
            Err(why) => {
                out.notices.push(not_an_object(file, &doc, why));
                continue;
            }
        };
        for r in &resources {
            out.stats.resources += 1;
            if r.kind == "Secret" {
                secret::value_spans(&doc, r.node, &mut masks);
            }
            check::check_resource(&opts.rules, cx.settings, file, r, &mut out.findings);
            if !wanted.is_empty() {
                out.index.add(file, &doc, r, &wanted);
            }
        }
    }
    masks
}

/// The notice (with --verbose) on a document that is no Kubernetes object.
fn not_an_object(file: &str, doc: &Document, why: NotAnObject) -> Notice {
    let line = doc.root.map(|r| doc.span(r).start.line);
    let message = match why {
        NotAnObject::NotAMapping => "not a Kubernetes object: the document is not a mapping",
        NotAnObject::MissingTypeFields => {
            "not a Kubernetes object (no apiVersion and kind): not checked"
        }
    };
    Notice {
        file: file.to_string(),
        line,
        message: message.into(),
        verbose: true,
    }
}

fn problem_finding(file: &Arc<str>, p: LoadProblem) -> Finding {
    match p {
        LoadProblem::Syntax { pos, message } => Finding::new(
            &INVALID_YAML,
            file.clone(),
            Span::point(pos),
            format!("invalid YAML: {message}; this document is not checked"),
        ),
        LoadProblem::DuplicateKey { key, first, second } => {
            let mut f = Finding::new(
                &DUPLICATE_KEY,
                file.clone(),
                second,
                format!(
                    "the key \"{key}\" is set twice in this mapping (first on line {}): the API server rejects it or keeps only one",
                    first.start.line
                ),
            );
            f.related(first, "first set here");
            f
        }
        LoadProblem::AliasBudget { span } => Finding::new(
            &ALIAS_LIMIT,
            file.clone(),
            span,
            format!(
                "anchors and aliases expand to more than {} nodes (an alias bomb?): this document is not checked",
                load::ALIAS_EXPANSION_BUDGET
            ),
        ),
    }
}

/// Snippets and fingerprints for findings made once the files were closed (the
/// cross-resource rules'): each file is read again, and its Secrets found again so their
/// values stay masked.
fn source_after_the_fact(findings: &mut [Finding], stdin_text: Option<&str>, opts: &ScanOptions) {
    findings.sort_by(|a, b| a.file.cmp(&b.file));
    for group in findings.chunk_by_mut(|a, b| a.file == b.file) {
        let file = group[0].file.clone();
        let read;
        let text = if &*file == "<stdin>" {
            stdin_text
        } else {
            read = std::fs::read(&*file).ok();
            read.as_deref().and_then(|b| load::decode(b).ok())
        };
        let Some(text) = text else { continue };
        if opts.fingerprints {
            attach_line_hashes(text, group);
        }
        if !opts.excerpts {
            continue;
        }
        attach_excerpts(text, &secret::value_spans_in(text), group);
    }
}
