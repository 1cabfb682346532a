//! The pipeline, end to end: discover the inputs, render the charts and overlays, then
//! load → index → check each file in parallel, run the cross-resource rules over the index,
//! apply the suppressions, map findings on rendered output back to their sources, and return
//! findings in a deterministic order (`scan` reads as that list). The work of each step is its
//! stage's; this module sequences them, hands each file's text to the excerpts while it is in
//! memory, and words the findings about the inputs themselves (unreadable, too large, not
//! YAML). Reporting is the caller's.
//!
//! - `file`: one input through load → index → check (and the Namespaces read first);
//! - `large`: a file over the size limit, a document at a time;
//! - `clusters`: AKS cluster definitions in scripts, Markdown, ARM, Bicep and Terraform.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use std::collections::HashMap;

use crate::check::{self, Rule, Settings};
use crate::discover::read::{self, Contents};
use crate::discover::{self, DiscoverOptions, Input, NotFollowed};
use crate::filter::suppress::{self, Suppression};
use crate::finding::anchor::{attach_anchors, attach_related};
use crate::finding::result::{Notice, ScanResult, Stats};
use crate::finding::spill::{Record, Spill};
use crate::finding::{Finding, RuleMeta, Severity};
use crate::index::{self, Index, NotAnObject};
use crate::k8s::{pss, secret};
use crate::load::render::phase::{Phase, ProblemKind, RenderProblem, Rendered};
use crate::load::{self, Document, Encoding, LoadProblem, TextProblem};
use crate::report::excerpt::{attach_excerpts, attach_line_hashes};
use crate::report::mask;
use crate::rules::input::*;
use crate::span::{Pos, Span};

mod clusters;
mod conflicts;
mod file;
mod large;

use file::{ADMISSION_KINDS, gather, scan_input, scan_text_keeping};

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
    /// Compute GitHub's line fingerprint of each finding (for SARIF) and its anchor (for
    /// baselines and pull-request reviews).
    pub fingerprints: bool,
    pub settings: Settings,
    /// Rendering of Helm charts and Kustomize overlays (off unless asked for; the command
    /// line turns it on).
    pub render: crate::load::render::RenderOptions,
    /// Write each finding's output record in the worker and keep the records in a temporary
    /// file until the report (`ScanResult::spilled`), when the report allows it.
    pub stream: Option<StreamSpec>,
    /// `--diff REF`: the revision a changed cluster definition's versions are compared with
    /// (a change of version is an upgrade, KH712).
    pub diff_base: Option<String>,
    /// `--policy PATH`: files whose ValidatingAdmissionPolicies, bindings and params apply
    /// to the scanned objects, read for those only.
    pub policy_files: Vec<PathBuf>,
    /// The configuration's custom rules (`rules.custom`), whether they run or not: a
    /// suppression may name them (those that run are in `rules` too).
    pub custom_rules: Vec<&'static crate::rules::custom::CustomRule>,
}

/// How the workers write the records of a streamed report: its format, and the filter steps
/// known before the scan (rules that did not run, configured severities), applied first.
#[derive(Debug, Clone)]
pub struct StreamSpec {
    pub format: crate::report::RecordFormat,
    pub disabled: Vec<&'static str>,
    pub severities: Vec<(&'static str, Severity)>,
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
            stream: None,
            diff_base: None,
            policy_files: Vec::new(),
            custom_rules: Vec::new(),
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
    /// The records of the findings, when they are streamed (`findings` is then empty).
    records: Vec<Record>,
    notices: Vec<Notice>,
    index: Index,
    stats: Stats,
}

impl FileOutcome {
    /// Takes in another file's outcome, one without suppressions or fixes (those stay by
    /// file).
    fn gather(&mut self, o: FileOutcome) {
        self.findings.extend(o.findings);
        self.notices.extend(o.notices);
        self.index.merge(o.index);
        self.stats.files += o.stats.files;
        self.stats.documents += o.stats.documents;
        self.stats.resources += o.stats.resources;
        self.stats.chart_templates += o.stats.chart_templates;
    }
}

/// The scan, step by step: discover the inputs, render the charts and overlays, load, index
/// and check each file in parallel, check across resources, apply the suppressions, map
/// findings on rendered output back to their sources, and put everything in order.
pub fn scan(opts: &ScanOptions) -> Result<ScanResult, ScanError> {
    let started = std::time::Instant::now();
    let inputs = discover_inputs(opts)?;
    // Standard input can be read once only: read it before anything needs it.
    let stdin = inputs
        .contains(&Input::Stdin)
        .then(|| read::stdin_bytes(opts.max_file_size));
    let stdin_bytes = stdin
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .map(Vec::as_slice);
    let (phase, (outcomes, spilled, admission)) = in_pool(opts.threads, || {
        let phase = render(&inputs, opts);
        let outcomes = check_files(&inputs, &phase, stdin.as_ref(), opts);
        (phase, outcomes)
    })?;
    let mut result = render_result(&phase);
    result.spilled = spilled;
    let (ix, suppressions) = merge(outcomes, &mut result);
    check_across(&ix, admission, stdin_bytes, opts, &mut result);
    if !suppressions.is_empty() {
        apply_suppressions(&mut result, suppressions, opts, stdin_bytes);
    }
    if !phase.rendered.is_empty() || !phase.charts.is_empty() {
        // On the scan's threads: the rendered texts are loaded again in parallel.
        in_pool(opts.threads, || map_back(&mut result, &phase, opts))?;
    }
    if opts.fingerprints {
        // A finding made through another line (a patch's removal, a values line) is a new
        // one when that line changes.
        let mut text_of = |file: &str| -> Option<String> {
            if file == "<stdin>" {
                return stdin_bytes
                    .and_then(|b| load::decode(b).ok())
                    .map(std::borrow::Cow::into_owned);
            }
            text_within_limit(Path::new(file), opts.max_file_size)
        };
        attach_related(&mut result.findings, &mut text_of);
    }
    if let Some(cost) = &phase.cost {
        result.stats.renders_from_cache = cost.from_cache;
        result.stats.renders_run = cost.ran;
        result
            .notices
            .push(render_cost_notice(cost, started.elapsed()));
    }
    order(&mut result);
    Ok(result)
}

/// What rendering cost: how long it took of the whole scan, and how many renders ran their
/// tool or came from the cache. Said always with --verbose, and without when it was long.
fn render_cost_notice(
    cost: &crate::load::render::phase::RenderCost,
    scan: std::time::Duration,
) -> Notice {
    let took = cost.took.as_secs_f64();
    let share = if scan.as_secs_f64() > 0.0 {
        (100.0 * took / scan.as_secs_f64()).min(100.0)
    } else {
        0.0
    };
    let shared = cost.renders - cost.ran - cost.from_cache;
    let mut message = format!(
        "rendering took {took:.1} s of the scan's {:.1} s ({share:.0}%): {} chart and overlay render(s), {} run, {} from the render cache",
        scan.as_secs_f64(),
        cost.renders,
        cost.ran,
        cost.from_cache
    );
    if shared > 0 {
        message.push_str(&format!(", {shared} the same as another"));
    }
    if let Some(cpu) = cost.tools_cpu.filter(|_| cost.ran > 0) {
        message.push_str(&format!(
            "; the tools used {:.1} s of CPU on {} thread(s)",
            cpu.as_secs_f64(),
            cost.threads
        ));
    }
    let long = cost.took.as_secs() >= 5;
    if long {
        message.push_str(
            "; `--no-render` (or `render: false` in .keelhaul.yaml) checks the files as they are",
        );
    }
    Notice {
        file: "<render>".into(),
        line: None,
        message,
        verbose: !long,
    }
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

/// The admission policies of a run.
type Admission = Arc<crate::k8s::admission::Catalog>;

/// The kind of a CRD.
const CRD: &str = "CustomResourceDefinition";

/// What the pass before the checks found for the admission policies: the documents of
/// `ADMISSION_KINDS`, and the inputs that may hold a CRD.
struct FirstPass<'a> {
    docs: Vec<(Arc<str>, Document)>,
    crd_files: Vec<Work<'a>>,
}

/// The admission policies of the inputs and of the `--policy` files, with their bindings and
/// what they read: the Namespaces gathered with them, and then, when there is a policy, the
/// CRDs (for the resources they define, from the files the first pass saw name one) and the
/// objects of the policies' param kinds (from every file), in a second pass. None when no
/// policy is anywhere.
fn admission_catalog(
    work: &[Work],
    first: FirstPass<'_>,
    stdin: Option<&[u8]>,
    opts: &ScanOptions,
) -> Option<Arc<crate::k8s::admission::Catalog>> {
    use crate::k8s::admission::Catalog;
    let mut docs = first.docs;
    docs.extend(policy_files(opts, ADMISSION_KINDS));
    fn kind_of(d: &Document) -> Option<&str> {
        d.root.and_then(|r| d.get_str(r, "kind"))
    }
    if !docs
        .iter()
        .any(|(_, d)| kind_of(d).is_some_and(|k| k.starts_with("ValidatingAdmissionPolicy")))
    {
        return None;
    }
    // The kinds read besides: CRDs, and the param kinds the policies name (`spec.paramKind`).
    let mut names: Vec<String> = vec![CRD.to_string()];
    for (_, d) in &docs {
        let param_kind = d
            .root
            .filter(|_| kind_of(d) == Some("ValidatingAdmissionPolicy"))
            .and_then(|r| d.path(r, &["spec", "paramKind"]))
            .and_then(|p| d.get_str(p, "kind"));
        if let Some(k) = param_kind
            && !ADMISSION_KINDS.contains(&k)
            && !names.iter().any(|n| n == k)
        {
            names.push(k.to_string());
        }
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    // Only the documents whose object is of one of them (a policy names its param kind as
    // `kind:` too, in `paramKind`).
    let wanted = |(_, d): &(Arc<str>, Document)| kind_of(d).is_some_and(|k| names.contains(&k));
    let files = if names.len() == 1 {
        &first.crd_files[..]
    } else {
        work
    };
    let more = gather(files, stdin, opts, false, &names, &[]).admission;
    docs.extend(more.into_iter().filter(wanted));
    docs.extend(policy_files(opts, &names).into_iter().filter(wanted));
    Some(Arc::new(Catalog::build(
        docs,
        &opts.default_namespace,
        opts.settings.kube_version,
    )))
}

/// A word (with --verbose) on the `auditAnnotations` of the policies: not evaluated, since
/// they change nothing about whether an object is admitted.
fn audit_annotations(catalog: &crate::k8s::admission::Catalog) -> Vec<Notice> {
    let mut out = Vec::new();
    for p in &catalog.set.policies {
        let (Some(first), Some(file)) =
            (p.audit_annotations.first(), catalog.file_of(p.resource.doc))
        else {
            continue;
        };
        out.push(Notice {
            file: file.to_string(),
            line: Some(p.resource.doc.span(first.node).start.line),
            message: format!(
                "the auditAnnotations of policy {:?} are not evaluated: they add to the audit log and change nothing about whether an object is admitted",
                p.resource.name.unwrap_or("(unnamed)")
            ),
            verbose: true,
        });
    }
    out
}

/// The documents of `kinds` in the `--policy` files (policies kept outside the scanned tree);
/// one that cannot be read is said by the command line before the scan.
fn policy_files(opts: &ScanOptions, kinds: &[&str]) -> Vec<(Arc<str>, Document)> {
    let mut out = Vec::new();
    for path in &opts.policy_files {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(text) = load::decode(&bytes) else {
            continue;
        };
        let file: Arc<str> = Arc::from(path.display().to_string());
        for (first_line, chunk) in load::split::documents_declaring(&text, kinds) {
            for mut doc in load::load_text(chunk).docs {
                doc.shift(first_line - 1, 0);
                out.push((file.clone(), doc));
            }
        }
    }
    out
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
        &crate::discover::confine::Confinement::of_scan(&opts.paths),
    )
}

/// Loads, indexes and checks, in parallel, every input the render did not consume and every
/// rendered text, once the Namespaces' Pod Security labels are read (when a rule wants them).
fn check_files(
    inputs: &[Input],
    phase: &Phase,
    stdin: Option<&std::io::Result<Vec<u8>>>,
    opts: &ScanOptions,
) -> (Vec<FileOutcome>, Option<Spill>, Option<Admission>) {
    let consumed = |i: &Input| match i {
        Input::File { path, .. } if !phase.consumed.is_empty() => path
            .canonicalize()
            .is_ok_and(|c| phase.consumed.contains(&c)),
        _ => false,
    };
    // In parallel: each input is looked up on disk (`canonicalize`).
    let kept: Vec<&Input> = inputs.par_iter().filter(|i| !consumed(i)).collect();
    let work: Vec<Work> = kept
        .into_iter()
        .map(Work::Input)
        .chain(phase.rendered.iter().map(Work::Rendered))
        .collect();
    let mut settings = opts.settings.clone();
    let namespaces = opts.rules.iter().any(|r| r.reads_namespace_labels());
    let admission = opts.rules.iter().any(|r| r.reads_admission_policies());
    if namespaces || admission {
        let stdin_bytes = stdin.and_then(|r| r.as_ref().ok()).map(Vec::as_slice);
        let kinds = if admission { ADMISSION_KINDS } else { &[] };
        // The files that may hold a CRD are noted on the way: a policy reads them, and only
        // them need be read again when there is one.
        let note: &[&str] = if admission { &[CRD] } else { &[] };
        let gathered = gather(&work, stdin_bytes, opts, namespaces, kinds, note);
        settings.namespaces = Arc::new(gathered.namespaces);
        if admission {
            let noted = gathered.noted.iter().map(|&i| work[i]).collect();
            let found = FirstPass {
                docs: gathered.admission,
                crd_files: noted,
            };
            settings.admission = admission_catalog(&work, found, stdin_bytes, opts);
        }
    }
    let stream = opts
        .stream
        .as_ref()
        .filter(|_| phase.rendered.is_empty())
        .and_then(|spec| Some((spec, Spill::new().ok()?)));
    let cx = RunContext {
        opts,
        settings: &settings,
        stdin,
        stream: stream.as_ref().map(|(spec, _)| *spec),
    };
    let (mut outcomes, spill) = match stream {
        None => (work.par_iter().map(|w| check_work(w, &cx)).collect(), None),
        Some((_, spill)) => check_streamed(&work, &cx, spill),
    };
    let mut notices = conflicts::namespaces(&settings.namespaces);
    if let Some(catalog) = &settings.admission {
        notices.extend(audit_annotations(catalog));
    }
    outcomes.push(FileOutcome {
        notices,
        ..FileOutcome::default()
    });
    (outcomes, spill, settings.admission)
}

/// Files a batch at a time, in parallel, in the order of their names (the order of the
/// report), each batch's records added to the spill in order: what waits for the report is
/// on disk, and memory holds one batch's records.
fn check_streamed(
    work: &[Work],
    cx: &RunContext<'_>,
    mut spill: Spill,
) -> (Vec<FileOutcome>, Option<Spill>) {
    const BATCH: usize = 256;
    let Some(work) = in_output_order(work) else {
        let plain = RunContext {
            stream: None,
            ..*cx
        };
        return (
            work.par_iter().map(|w| check_work(w, &plain)).collect(),
            None,
        );
    };
    let mut outcomes = Vec::new();
    // What the files without suppressions or fixes leave, gathered as they are done (one
    // outcome in all, rather than one per file).
    let mut rest = FileOutcome::default();
    let mut failed = false;
    for batch in work.chunks(BATCH) {
        let done: Vec<FileOutcome> = batch.par_iter().map(|w| check_work(w, cx)).collect();
        for (w, mut o) in batch.iter().zip(done) {
            let records = std::mem::take(&mut o.records);
            if let Work::Input(i) = w
                && !records.is_empty()
                && !failed
            {
                failed = spill.push_file(Arc::from(i.display()), records).is_err();
            }
            if o.suppressions.is_some() || o.fixable.is_some() {
                outcomes.push(o);
            } else {
                rest.gather(o);
            }
        }
    }
    outcomes.push(rest);
    if failed || spill.flush().is_err() {
        // The temporary file could not be written: nothing of it is used, and the scan
        // starts again with the findings kept in memory.
        let again = RunContext {
            stream: None,
            ..*cx
        };
        return (
            work.par_iter().map(|w| check_work(w, &again)).collect(),
            None,
        );
    }
    (outcomes, Some(spill))
}

/// The inputs in output order (by name), so that their records can be written as the files
/// are done; None when two share a name (their findings would interleave) or one is a render.
/// Charts and overlays are left out: the render phase reported them, and their files (which
/// are inputs too) are checked as files.
fn in_output_order<'a>(work: &[Work<'a>]) -> Option<Vec<Work<'a>>> {
    let mut inputs: Vec<&'a Input> = work
        .iter()
        .filter(|w| {
            !matches!(
                w,
                Work::Input(Input::Chart { .. } | Input::Kustomization { .. })
            )
        })
        .map(|w| match w {
            Work::Input(i) => Some(*i),
            Work::Rendered(_) => None,
        })
        .collect::<Option<_>>()?;
    inputs.sort_by(|a, b| a.display().cmp(b.display()));
    inputs
        .windows(2)
        .all(|p| p[0].display() < p[1].display())
        .then(|| inputs.into_iter().map(Work::Input).collect())
}

/// Checks one input or rendered text. Each file's findings are sorted by its worker and
/// files come back in input order, so the merged list is usually in order already and the
/// final sort is skipped.
fn check_work(w: &Work, cx: &RunContext<'_>) -> FileOutcome {
    let mut o = match w {
        Work::Input(i) => scan_input(i, cx),
        Work::Rendered(r) => {
            let mut o = FileOutcome::default();
            // Kept for mapping the findings back: the text need not be loaded again.
            if let Some(docs) = scan_text_keeping(&r.display, &r.text, 0, cx, &mut o, true) {
                let _ = r.docs.set(docs);
            }
            o.stats.files = 0;
            o
        }
    };
    o.findings.sort_by(|a, b| a.output_order(b));
    if let (Some(spec), Work::Input(i)) = (cx.stream, w) {
        to_records(i.display(), spec, &mut o);
    }
    o
}

/// Writes a file's findings as the report's records, unless a later step may still change
/// them: the file's own suppressions apply to the findings made after the files too, and
/// findings on committed Helm output (with a `# Source:`) may be mapped back to a chart's
/// template, so a file with either keeps its findings.
fn to_records(display: &str, spec: &StreamSpec, o: &mut FileOutcome) {
    let kept = |f: &Finding| &*f.file != display || f.origin.is_some();
    if o.suppressions.is_some() || o.findings.iter().any(kept) {
        return;
    }
    o.findings.retain(|f| !spec.disabled.contains(&f.rule.id));
    o.records = std::mem::take(&mut o.findings)
        .into_iter()
        .map(|mut f| {
            if let Some((_, s)) = spec.severities.iter().find(|(id, _)| *id == f.rule.id) {
                f.severity = *s;
            }
            Record {
                rule: f.rule,
                severity: f.severity,
                line: f.span.start.line,
                col: f.span.start.col,
                bytes: crate::report::record(&f, spec.format),
                message: f.message,
            }
        })
        .collect();
}

/// What the render phase adds to the result: its counts, its problems as findings, its
/// notices, and what it cost when that was long.
fn render_result(phase: &Phase) -> ScanResult {
    let mut result = ScanResult::default();
    result.stats.chart_templates = phase.chart_templates;
    result.stats.renders = phase.rendered.len();
    result.stats.unrendered = phase.unrendered;
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
    admission: Option<Admission>,
    stdin_bytes: Option<&[u8]>,
    opts: &ScanOptions,
    result: &mut ScanResult,
) {
    result.notices.extend(conflicts::service_accounts(ix));
    let mut cross = match admission {
        None => check::check_index(&opts.rules, &opts.settings, ix),
        Some(a) => {
            let settings = Settings {
                admission: Some(a),
                ..opts.settings.clone()
            };
            check::check_index(&opts.rules, &settings, ix)
        }
    };
    if (opts.excerpts || opts.fingerprints) && !cross.is_empty() {
        let stdin_text = stdin_bytes.and_then(|b| load::decode(b).ok());
        source_after_the_fact(&mut cross, stdin_text.as_deref(), opts);
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
    let inside = crate::discover::confine::Confinement::of_scan(&opts.paths);
    let judge = |doc: &Document, rule: &'static RuleMeta| judge_source(doc, rule, opts);
    for list in [&mut result.findings, &mut result.suppressed] {
        let mapped = crate::mapback::run::map_all(
            list,
            &phase.rendered,
            &phase.charts,
            &roots,
            &inside,
            &judge,
        );
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
        &opts.custom_rules,
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

/// Where `rule` finds problems in a document of a source file (a base a Kustomize build read),
/// checked alone: what mapping back needs to tell a base's own problem from one an overlay
/// made.
fn judge_source(doc: &Document, rule: &'static RuleMeta, opts: &ScanOptions) -> Vec<Span> {
    let Some(r) = crate::rules::all()
        .iter()
        .chain(&opts.rules)
        .copied()
        .find(|r| std::ptr::eq(r.meta(), rule))
    else {
        return Vec::new();
    };
    let Ok(resources) = index::resources_of(doc, &opts.default_namespace) else {
        return Vec::new();
    };
    let file: Arc<str> = Arc::from("");
    let mut found = Vec::new();
    // Cross-resource rules see the document alone.
    let wanted = r.indexed_kinds();
    let shared = (!wanted.is_empty()).then(|| Arc::new(doc.clone()));
    let mut ix = Index::default();
    for res in &resources {
        check::check_resource(&[r], &opts.settings, &file, res, &mut found);
        if let Some(d) = &shared {
            ix.add(&file, d, res, wanted);
        }
    }
    if shared.is_some() {
        found.extend(check::check_index(&[r], &opts.settings, &ix));
    }
    found.into_iter().map(|f| f.span).collect()
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
        let stdin_text = stdin_bytes.and_then(|b| load::decode(b).ok());
        source_after_the_fact(&mut added, stdin_text.as_deref(), opts);
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

/// The finding on bytes that are no text keelhaul can read (`what`: the file, or a document of
/// it): they are not checked, and the gate must not pass them (both rules are errors by
/// default).
fn text_problem_finding(display: &str, what: &str, problem: TextProblem) -> Finding {
    match problem {
        TextProblem::Binary => file_finding(
            &SKIPPED_FILE,
            display,
            FILE_START,
            format!(
                "not scanned: {what} is binary (it contains NUL bytes; so does UTF-16 text without a byte order mark)"
            ),
        ),
        TextProblem::Invalid {
            encoding: Encoding::Utf8,
            line,
            col,
        } => file_finding(
            &UNREADABLE_FILE,
            display,
            Pos { line, col },
            format!(
                "{what} is not valid UTF-8 (Kubernetes manifests must be UTF-8); save it as UTF-8"
            ),
        ),
        TextProblem::Invalid {
            encoding,
            line,
            col,
        } => file_finding(
            &UNREADABLE_FILE,
            display,
            Pos { line, col },
            format!(
                "not scanned: {what} is not valid {}, as its byte order mark says it is; save it as UTF-8",
                encoding.name()
            ),
        ),
    }
}

const FILE_START: Pos = Pos { line: 1, col: 0 };

/// Whether `needle` occurs in `text` (memchr's SIMD search: every file's whole text is
/// searched for a few markers, so this is on the hot path).
fn has(text: &str, needle: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), needle.as_bytes()).is_some()
}

/// One unit of the parallel scan: an input from the walk, or a rendered text.
#[derive(Clone, Copy)]
enum Work<'a> {
    Input(&'a Input),
    Rendered(&'a Rendered),
}

/// What every file's check shares: the options, the settings with the Namespaces read
/// beforehand, and standard input's bytes.
#[derive(Clone, Copy)]
struct RunContext<'a> {
    opts: &'a ScanOptions,
    settings: &'a Settings,
    stdin: Option<&'a std::io::Result<Vec<u8>>>,
    /// Set when the findings of files are written as records (see `check_streamed`).
    stream: Option<&'a StreamSpec>,
}

/// The text of a file, read again after the scan, when it is within the size limit (a file
/// over it is never held whole: findings on it made after the scan have no snippet).
fn text_within_limit(path: &Path, max: u64) -> Option<String> {
    read::with_file_bytes(path, max, |r| match r {
        Ok(Contents::Bytes(bytes)) => load::decode(bytes).ok().map(std::borrow::Cow::into_owned),
        _ => None,
    })
}

/// Snippets and fingerprints for findings made once the files were closed (the
/// cross-resource rules', the suppressions', those mapped back to a template or a base):
/// each file is read again (within the size limit), and its secret values found again so
/// that they stay masked.
fn source_after_the_fact(findings: &mut [Finding], stdin_text: Option<&str>, opts: &ScanOptions) {
    findings.sort_by(|a, b| a.file.cmp(&b.file));
    for group in findings.chunk_by_mut(|a, b| a.file == b.file) {
        let file = group[0].file.clone();
        let read;
        let text = if &*file == "<stdin>" {
            stdin_text
        } else {
            read = text_within_limit(Path::new(&*file), opts.max_file_size);
            read.as_deref()
        };
        let Some(text) = text else { continue };
        if opts.fingerprints {
            attach_line_hashes(text, group);
            // Read again for the field paths; a finding moved to a template keeps the one
            // its render gave it (a template is no tree).
            let loaded = group
                .iter()
                .any(|f| f.rendered.is_none())
                .then(|| load::load_text(text));
            let docs: Vec<&Document> = loaded.iter().flat_map(|l| &l.docs).collect();
            attach_anchors(text, &docs, group);
        }
        if !opts.excerpts {
            continue;
        }
        attach_excerpts(text, &mask::masks(text, &secret::lines_in(text)), group);
    }
}
