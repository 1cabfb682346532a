//! `keelhaul scan`, as a sequence of named steps: resolve the options, scan, filter, apply
//! fixes, report, post the review. Each step says what it did on standard error; the exit
//! code is decided in one place (`super::run`).

use std::io::Write;
use std::path::Path;

use super::args::{FailOn, Format, ScanArgs};
use super::resolve::{self, FixMode, Output, ScanPlan};
use super::{Error, Exit};
use crate::filter::{self, Filtered, Steps};
use crate::finding::result::ScanResult;
use crate::report::junit;
use crate::report::sarif::{SarifOptions, write_sarif};
use crate::report::workflow_commands as gh;
use crate::report::{self, HumanOptions};
use crate::rules;

pub fn run(args: ScanArgs) -> Result<Exit, Error> {
    let started = Started::now();
    let plan = resolve::resolve(args)?;
    if let Some(n) = plan.scan.threads {
        // The report renders in parallel too: the whole run keeps to the number asked for.
        // (This can only fail if a pool was already built, which nothing here does.)
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    let root = crate::discover::paths::repository_root();
    let mut result = scan(&plan, &root)?;
    let mut failed = false;
    if let Some(mode) = plan.fix {
        match fix(&plan, &root, &mut result, mode)? {
            FixStep::Shown(exit) => return Ok(exit),
            FixStep::Done { failed: f } => failed = f,
        }
    }
    if let Some(path) = &plan.output.write_baseline {
        write_baseline(&result, path, &root)?;
        return Ok(Exit::Clean);
    }
    let filtered = filter::apply(&mut result, &plan.filter, &root, Steps::All);
    say_filtered(&filtered, &result, plan.diff_ref.as_deref());
    // --fail-on judges every finding; --min-severity only trims what is shown.
    let exit = exit_for(&result, plan.fail_on);
    if let Some(min) = plan.output.min_severity {
        let before = result.findings.len();
        result.findings.retain(|f| f.severity >= min);
        let mut hidden = before - result.findings.len();
        if let Some(spill) = &mut result.spilled {
            hidden += spill.hide_below(min);
        }
        if hidden > 0 {
            eprintln!(
                "keelhaul: {hidden} finding(s) below {} left out of the report (--min-severity)",
                min.as_str()
            );
        }
    }
    let side = write_side_outputs(&result, &plan, &root, &started);
    failed |= side.failed;
    if let Some(mode) = plan.output.pr_review {
        post_review(&result, mode);
    }
    write_report(&result, &plan.output, &root, &side)?;
    if failed {
        return Ok(Exit::Failed);
    }
    Ok(exit)
}

/// Scans, then keeps the findings of the enabled rules with their configured severities.
pub(super) fn scan(plan: &ScanPlan, root: &Path) -> Result<ScanResult, Error> {
    let mut result = crate::pipeline::scan(&plan.scan).map_err(|e| Error::Usage(e.0))?;
    result.notices.extend(plan.notices.iter().cloned());
    result.notices.sort();
    filter::apply(&mut result, &plan.filter, root, Steps::RulesAndSeverities);
    Ok(result)
}

enum FixStep {
    /// `--dry-run`: the changes were shown; the scan ends with this exit.
    Shown(Exit),
    /// The fixes were written (and the files scanned again when any changed); `failed` when
    /// a file could not be read or written.
    Done { failed: bool },
}

/// `--fix`: applies the fixes findings carry, or shows them with `--dry-run`.
fn fix(
    plan: &ScanPlan,
    root: &Path,
    result: &mut ScanResult,
    mode: FixMode,
) -> Result<FixStep, Error> {
    let report =
        crate::report::apply_fix::fix_files(result, mode == FixMode::DryRun, &plan.scan.paths);
    for e in &report.errors {
        eprintln!("keelhaul: {e}");
    }
    let failed = !report.errors.is_empty();
    if report.stdin > 0 {
        eprintln!(
            "keelhaul: {} fix(es) to standard input not applied: change the source files (for rendered Helm output, the chart's templates)",
            report.stdin
        );
    }
    if report.skipped > 0 {
        eprintln!(
            "keelhaul: {} fix(es) left out: they overlapped other fixes",
            report.skipped
        );
    }
    if mode == FixMode::DryRun {
        eprintln!(
            "keelhaul: --dry-run: {} finding(s) would be fixed in {} file(s); nothing was written",
            report.fixed, report.files
        );
        print_stdout(&report.diff)?;
        return Ok(FixStep::Shown(if failed {
            Exit::Failed
        } else {
            exit_for(result, plan.fail_on)
        }));
    }
    eprintln!(
        "keelhaul: fixed {} finding(s) in {} file(s)",
        report.fixed, report.files
    );
    if report.files > 0 {
        // Report what remains, where it now is.
        *result = scan(plan, root)?;
    }
    Ok(FixStep::Done { failed })
}

/// `--write-baseline`: records the findings instead of reporting them.
fn write_baseline(result: &ScanResult, path: &Path, root: &Path) -> Result<(), Error> {
    let b = crate::filter::baseline::of(result, root);
    crate::filter::baseline::write(&b, path).map_err(Error::Io)?;
    eprintln!(
        "keelhaul: recorded {} finding(s) in the baseline {}",
        b.findings.len(),
        path.display()
    );
    Ok(())
}

/// What the baseline and `--diff` left out.
fn say_filtered(filtered: &Filtered, result: &ScanResult, diff_ref: Option<&str>) {
    if let Some(applied) = &filtered.baseline {
        eprintln!(
            "keelhaul: {} finding(s) baselined, {} new",
            applied.baselined,
            result.findings.len()
        );
        if applied.version < crate::filter::baseline::VERSION {
            eprintln!(
                "keelhaul: the baseline is version {}, whose fingerprints change with the lines below a finding: write it again with --write-baseline",
                applied.version
            );
        }
        if !applied.gone.is_empty() {
            eprintln!(
                "keelhaul: {} baseline entr{} no longer occur (fixed since the baseline):",
                applied.gone.len(),
                if applied.gone.len() == 1 { "y" } else { "ies" }
            );
            for e in &applied.gone {
                eprintln!("  {}: {}: {}", e.path, e.rule, e.message);
            }
        }
    }
    if let Some(dropped) = filtered.outside_diff {
        eprintln!(
            "keelhaul: --diff: {dropped} finding(s) on lines not changed since {} left out",
            diff_ref.unwrap_or_default()
        );
    }
}

/// What the outputs besides the report came to.
#[derive(Default)]
struct SideOutputs {
    /// One could not be written (said on standard error); the report is still written.
    failed: bool,
    sarif: bool,
    job_summary: bool,
}

/// The outputs besides the report: the `--sarif` and `--junit` files and, in a GitHub Actions
/// step, the job summary and step outputs.
fn write_side_outputs(
    result: &ScanResult,
    plan: &ScanPlan,
    root: &Path,
    started: &Started,
) -> SideOutputs {
    let mut side = SideOutputs::default();
    if let Some(path) = &plan.output.sarif {
        let written = write_file(path, |w| {
            write_sarif(
                result,
                &sarif_options(&plan.output, root, &rules::docs(&plan.output.custom_rules)),
                w,
            )
        });
        match written {
            Ok(()) => side.sarif = true,
            Err(e) => {
                eprintln!(
                    "keelhaul: cannot write the SARIF report {}: {e}",
                    path.display()
                );
                side.failed = true;
            }
        }
    }
    if let Some(path) = &plan.output.junit
        && let Err(e) = write_file(path, |w| write_junit_report(result, plan, root, started, w))
    {
        eprintln!(
            "keelhaul: cannot write the JUnit report {}: {e}",
            path.display()
        );
        side.failed = true;
    }
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        github_step_files(result, root, plan, &mut side);
    }
    side
}

/// Creates `path` and writes it through a buffer.
fn write_file(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    write(&mut w)?;
    w.flush()
}

/// When the scan started: the JUnit report's timestamp and duration.
struct Started {
    at: std::time::SystemTime,
    clock: std::time::Instant,
}

impl Started {
    fn now() -> Started {
        Started {
            at: std::time::SystemTime::now(),
            clock: std::time::Instant::now(),
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS`, in UTC.
    fn timestamp(&self) -> String {
        let secs = self
            .at
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let days = i64::try_from(secs / 86_400).unwrap_or(0);
        let date = crate::k8s::aks_versions::Date {
            year: 1970,
            month: 1,
            day: 1,
        }
        .add_days(days);
        let s = secs % 86_400;
        format!("{date}T{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
    }
}

/// `--junit`: the scan as test results, with the rules that ran and the settings that judge
/// them.
fn write_junit_report<W: Write>(
    result: &ScanResult,
    plan: &ScanPlan,
    root: &Path,
    started: &Started,
    w: &mut W,
) -> std::io::Result<()> {
    let ran: Vec<&'static crate::finding::RuleMeta> =
        plan.scan.rules.iter().map(|r| r.meta()).collect();
    let threshold = plan.fail_on.threshold();
    let mut properties = vec![
        ("keelhaul-version", env!("CARGO_PKG_VERSION").to_string()),
        ("kube-version", plan.scan.settings.kube_version.to_string()),
        (
            "fail-on",
            threshold.map_or("never", |t| t.as_str()).to_string(),
        ),
        ("files", result.stats.files.to_string()),
    ];
    if let Some(min) = plan.output.min_severity {
        properties.push(("min-severity", min.as_str().to_string()));
    }
    let run = junit::JunitRun {
        root,
        rules: &ran,
        fail_on: threshold,
        timestamp: &started.timestamp(),
        duration: started.clock.elapsed(),
        hostname: &hostname(),
        properties: &properties,
    };
    junit::write_junit(result, &run, w)
}

/// The machine's name, for the JUnit report; `localhost` when it cannot be told.
fn hostname() -> String {
    ["HOSTNAME", "COMPUTERNAME"]
        .iter()
        .filter_map(std::env::var_os)
        .map(|v| v.to_string_lossy().trim().to_string())
        .chain(
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|s| s.trim().to_string()),
        )
        .find(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

fn sarif_options<'a>(
    output: &'a Output,
    root: &'a Path,
    rules: &'a [crate::finding::RuleDoc],
) -> SarifOptions<'a> {
    SarifOptions {
        root,
        category: output.sarif_category.as_deref(),
        rules,
    }
}

/// In a GitHub Actions step: the job summary and the step outputs, when the runner names
/// their files.
fn github_step_files(result: &ScanResult, root: &Path, plan: &ScanPlan, side: &mut SideOutputs) {
    let file = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
    };
    if let Some(path) = file("GITHUB_STEP_SUMMARY") {
        let context = format!(" at Kubernetes {}", plan.scan.settings.kube_version);
        let text = gh::job_summary(result, root, &gh::SummaryLinks::from_env(), &context);
        match gh::append_to(&path, &text) {
            Ok(()) => side.job_summary = true,
            Err(e) => {
                eprintln!("keelhaul: cannot write the job summary: {e}");
                side.failed = true;
            }
        }
    }
    if let Some(path) = file("GITHUB_OUTPUT") {
        let sarif = plan.output.sarif.as_ref().map(|p| p.display().to_string());
        let text = gh::outputs(result, sarif.as_deref());
        if let Err(e) = gh::append_to(&path, &text) {
            eprintln!("keelhaul: cannot write the step outputs: {e}");
            side.failed = true;
        }
    }
}

/// `--pr-review`: one review on the pull request. One that cannot be posted is said in one
/// line; the exit code still follows the findings.
fn post_review(result: &ScanResult, mode: crate::github::FilterMode) {
    let outcome = crate::github::post_review(result, &crate::github::ReviewOptions::from_env(mode));
    match &outcome.skipped {
        Some(why) => eprintln!("keelhaul: no pull-request review posted: {why}"),
        None => eprintln!(
            "keelhaul: pull-request review: {} inline comment(s), {} finding(s) in the review body, {} already commented, {} earlier comment(s) marked resolved",
            outcome.posted, outcome.in_body, outcome.unchanged, outcome.updated
        ),
    }
}

/// The report, on standard output, in the format asked for.
fn write_report(
    result: &ScanResult,
    output: &Output,
    root: &Path,
    side: &SideOutputs,
) -> Result<(), Error> {
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = match output.format {
        Format::Human => report::write_human(
            result,
            &HumanOptions {
                color: output.color,
                verbose: output.verbose,
            },
            &mut w,
        ),
        Format::Json => report::write_json(result, &mut w),
        Format::Concise => report::concise::write_concise(result, &mut w),
        Format::Gitlab => report::gitlab::write_gitlab(result, root, &mut w),
        Format::Azure => {
            let summary = azure_summary(result, root);
            report::azure::write_logging_commands(result, root, summary.as_deref(), &mut w)
        }
        Format::Sarif => write_sarif(
            result,
            &sarif_options(output, root, &rules::docs(&output.custom_rules)),
            &mut w,
        ),
        Format::Github => {
            let mut also = Vec::new();
            if side.job_summary {
                also.push("the job summary");
            }
            if side.sarif {
                also.push("the SARIF report");
            }
            gh::write_workflow_commands(result, root, &also, &mut w)
        }
    };
    match written.and_then(|_| w.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Io(format!("cannot write the report: {e}"))),
    }
}

/// In an Azure Pipelines job (`AGENT_TEMPDIRECTORY` set): the run's Markdown summary, written
/// to the agent's temporary directory; its path, for `task.uploadsummary`.
fn azure_summary(result: &ScanResult, root: &Path) -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("AGENT_TEMPDIRECTORY").filter(|d| !d.is_empty())?;
    let path = std::path::Path::new(&dir).join("keelhaul-summary.md");
    let links = gh::SummaryLinks { blob_base: None };
    let text = gh::job_summary(result, root, &links, "");
    match std::fs::write(&path, text) {
        Ok(()) => Some(path),
        Err(e) => {
            eprintln!(
                "keelhaul: cannot write the run summary {}: {e}",
                path.display()
            );
            None
        }
    }
}

/// Writes `s` to standard output; a closed pipe (`| head`) is not an error.
pub fn print_stdout(s: &str) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(s.as_bytes()).and_then(|_| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Io(format!("cannot write the report: {e}"))),
    }
}

/// Findings at or above `--fail-on` fail the scan.
fn exit_for(result: &ScanResult, fail_on: FailOn) -> Exit {
    let failing = fail_on.threshold().is_some_and(|t| result.any_at_least(t));
    if failing { Exit::Findings } else { Exit::Clean }
}
