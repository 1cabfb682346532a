//! The flags of `keelhaul scan` and the configuration file, resolved once into typed options:
//! what to scan and how (`ScanOptions`), what to filter (`FilterPlan`), what to write
//! (`Output`), and when to fail. A flag on the command line wins over the file; list flags
//! add to the file's lists. Everything that can be wrong with them is found here, before
//! anything is scanned.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::Error;
use super::args::{ColorChoice, FailOn, Format, ScanArgs};
use super::config::{self, Config, RuleSetting};
use crate::check::{Rule, Settings};
use crate::filter::FilterPlan;
use crate::finding::Severity;
use crate::k8s::api_lifecycle::Version;
use crate::k8s::upgrade::UpgradePath;
use crate::k8s::version::KubeVersion;
use crate::load::render::cache::{self, CacheOptions};
use crate::load::render::{DEFAULT_TIMEOUT, KustomizeOptions, RenderOptions};
use crate::pipeline::ScanOptions;
use crate::report::RecordFormat;
use crate::rules;
use crate::rules::custom::CustomRule;
use crate::rules::input::NOT_RENDERED;

/// A scan, resolved.
pub struct ScanPlan {
    pub scan: ScanOptions,
    pub filter: FilterPlan,
    pub output: Output,
    pub fail_on: FailOn,
    /// `--fix`, and whether only to show the changes (`--dry-run`).
    pub fix: Option<FixMode>,
    /// The ref `--diff` compares with, for messages.
    pub diff_ref: Option<String>,
    /// What was said about the configuration before the scan (settings a file found in the
    /// scanned tree may not make), added to the result's notices.
    pub notices: Vec<crate::finding::result::Notice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixMode {
    Write,
    DryRun,
}

/// What is written, and where.
pub struct Output {
    pub format: Format,
    /// Colour in human output, decided from `--color`, the terminal and `NO_COLOR`.
    pub color: bool,
    pub verbose: bool,
    /// `--sarif FILE`: a SARIF report besides the output.
    pub sarif: Option<PathBuf>,
    pub sarif_category: Option<String>,
    /// `--junit FILE`: a JUnit XML report besides the output.
    pub junit: Option<PathBuf>,
    /// `--write-baseline FILE`: record the findings instead of reporting them.
    pub write_baseline: Option<PathBuf>,
    /// `--pr-review` and its filter mode.
    pub pr_review: Option<crate::github::FilterMode>,
    /// `--min-severity`: findings below it are left out of every report.
    pub min_severity: Option<Severity>,
    /// The configuration's custom rules, which the SARIF report describes with the others.
    pub custom_rules: Vec<&'static CustomRule>,
}

/// Resolves the flags of `keelhaul scan` and the configuration they lead to.
pub fn resolve(mut args: ScanArgs) -> Result<ScanPlan, Error> {
    let (mut config, found, said) = load_config(&args)?;
    let mut notices: Vec<_> = said.into_iter().collect();
    if let Some(file) = found
        && !args.trust_config
    {
        notices.extend(super::trust::restrain(&mut config, &file));
    }
    merge_lists(&mut args, &config);
    notices.append(&mut config.notices);
    let custom = config.custom.clone();
    let (rules, mut severities) = rule_selection(&mut args, &config)?;
    if args.require_render || config.require_render {
        if args.no_render {
            return Err(Error::Usage(
                "`render: required` in the configuration and --no-render disagree".into(),
            ));
        }
        // What a chart or overlay would produce goes unchecked when it is not rendered: that
        // fails the scan, whatever severity the configuration gives KH007.
        severities.retain(|(id, _)| *id != NOT_RENDERED.id);
        severities.push((NOT_RENDERED.id, Severity::Error));
    }
    check_combinations(&args)?;
    check_policy_files(&args.policy)?;
    let (kube_version, component_targets) = versions(&mut args, &config)?;
    let filter = FilterPlan {
        disabled: rules::all()
            .iter()
            .copied()
            .chain(custom.iter().map(|c| *c as &'static dyn Rule))
            .map(|r| r.meta().id)
            .filter(|id| !rules.iter().any(|r| r.meta().id == *id))
            .collect(),
        severities,
        // Read before scanning: a bad baseline or ref is a usage error, found at once.
        baseline: match (args.baseline.as_deref(), args.diff.as_deref()) {
            (Some(file), Some(reference)) => {
                let (b, said) = super::trust::baseline_at(reference, file)?;
                notices.extend(said);
                b
            }
            (file, None) => file
                .map(crate::filter::baseline::read)
                .transpose()
                .map_err(Error::Usage)?,
            (None, Some(_)) => None,
        },
        changed: args
            .diff
            .as_deref()
            .map(crate::filter::changed_lines::changed_since)
            .transpose()
            .map_err(Error::Usage)?,
    };
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(FailOn::Error);
    let kube_version = kube_version.unwrap_or(KubeVersion::NEWEST_RELEASED);
    let settings = Settings {
        kube_version,
        upgrade: upgrade_path(args.from, kube_version)?,
        component_targets,
        pss: args.pss.or(config.pss),
        metadata_endpoints: std::mem::take(&mut args.metadata_endpoint),
        exempt_namespaces: std::mem::take(&mut args.exempt_namespace),
        as_of: args
            .as_of
            .unwrap_or_else(crate::k8s::aks_versions::Date::today),
        ..Settings::default()
    };
    let scan = ScanOptions {
        render: render_options(&mut args, config),
        default_namespace: args
            .default_namespace
            .take()
            .unwrap_or_else(|| "default".into()),
        paths: std::mem::take(&mut args.paths),
        include: std::mem::take(&mut args.include),
        exclude: std::mem::take(&mut args.exclude),
        max_file_size: args.max_file_size,
        threads: args.threads,
        excerpts: args.format == Format::Human,
        fingerprints: matches!(args.format, Format::Sarif | Format::Gitlab)
            || args.sarif.is_some()
            || args.baseline.is_some()
            || args.write_baseline.is_some()
            || args.pr_review,
        rules,
        settings,
        stream: None,
        diff_base: args.diff.clone(),
        policy_files: std::mem::take(&mut args.policy),
        custom_rules: custom.clone(),
    };
    let mut plan = ScanPlan {
        scan,
        filter,
        fail_on,
        fix: args.fix.then_some(if args.dry_run {
            FixMode::DryRun
        } else {
            FixMode::Write
        }),
        diff_ref: args.diff.take(),
        notices,
        output: output(args, custom),
    };
    plan.scan.stream = stream_spec(&plan);
    Ok(plan)
}

/// Whether the report can be written as a stream (see `finding::spill`): when the findings
/// go to the report on standard output and nowhere else (no fixes, baseline, changed lines,
/// review, side reports or job summary, which read the whole list), in a format that writes
/// each finding on its own and in order. Then the workers write each finding's record, with
/// the rules that did not run left out and the configured severities applied.
fn stream_spec(plan: &ScanPlan) -> Option<crate::pipeline::StreamSpec> {
    let o = &plan.output;
    let format = match o.format {
        Format::Json => RecordFormat::Json,
        Format::Concise => RecordFormat::Concise,
        Format::Human => RecordFormat::Human { color: o.color },
        _ => return None,
    };
    let whole_list_read = plan.fix.is_some()
        || plan.scan.fingerprints
        || plan.filter.baseline.is_some()
        || plan.filter.changed.is_some()
        || o.write_baseline.is_some()
        || o.pr_review.is_some()
        || o.sarif.is_some()
        || o.junit.is_some()
        || std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    (!whole_list_read).then(|| crate::pipeline::StreamSpec {
        format,
        disabled: plan.filter.disabled.clone(),
        severities: plan.filter.severities.clone(),
    })
}

/// The configuration of a scan: the --config file, else the one found from the scanned
/// directory upward (with its path: a file of the scanned tree), else none.
fn load_config(
    args: &ScanArgs,
) -> Result<
    (
        Config,
        Option<PathBuf>,
        Option<crate::finding::result::Notice>,
    ),
    Error,
> {
    let path = match &args.config {
        Some(p) if !p.is_file() => {
            let what = match std::fs::metadata(p) {
                Err(_) => "does not exist",
                Ok(m) if m.is_dir() => "is a directory: name the file (e.g. .keelhaul.yaml)",
                Ok(_) => "is not a regular file (a device, a pipe or a socket)",
            };
            return Err(Error::Usage(format!(
                "the configuration file {} {what}",
                p.display()
            )));
        }
        Some(p) => p.clone(),
        None => match config::find(&args.paths) {
            // Named relative to the current directory when it is below it, as paths are.
            Some(p) => std::env::current_dir()
                .ok()
                .and_then(|d| std::fs::canonicalize(d).ok())
                .and_then(|d| p.strip_prefix(&d).ok().map(PathBuf::from))
                .unwrap_or(p),
            None => return Ok((Config::default(), None, None)),
        },
    };
    if args.config.is_none()
        && std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink())
        && !crate::discover::confine::Confinement::of_scan(&args.paths).contains(&path)
    {
        // A link the tree made to a file it does not hold (`.git/config`, a file of the
        // machine): not read, so that no line of it shows in a message.
        let notice = crate::finding::result::Notice {
            file: path.display().to_string(),
            line: None,
            message: "not read: it is a symbolic link out of the repository or into .git; the default settings apply".into(),
            verbose: false,
        };
        return Ok((Config::default(), None, Some(notice)));
    }
    if args.config.is_none()
        && !args.trust_config
        && let Some(reference) = &args.diff
    {
        // A change is judged by the settings it is merged into, not by its own.
        let (cfg, notice) = super::trust::config_at(reference, &path)?;
        return Ok((cfg, Some(path), notice));
    }
    let cfg = config::load_file(&path).map_err(Error::Config)?;
    Ok((cfg, args.config.is_none().then_some(path), None))
}

/// The file's lists come first; the command line's are added to them. The default
/// namespace of the file applies when the command line names none.
fn merge_lists(args: &mut ScanArgs, config: &Config) {
    let prepend = |file: &[String], cli: &mut Vec<String>| {
        let mut all = file.to_vec();
        all.append(cli);
        *cli = all;
    };
    prepend(&config.include, &mut args.include);
    prepend(&config.exclude, &mut args.exclude);
    prepend(&config.exempt_namespaces, &mut args.exempt_namespace);
    prepend(&config.metadata_endpoints, &mut args.metadata_endpoint);
    if args.default_namespace.is_none() {
        args.default_namespace = config.default_namespace.clone();
    }
}

/// The enabled rules (`--select`, `--ignore`, rules the file turns off) and the severities
/// the file gives rules.
type RuleSelection = (Vec<&'static dyn Rule>, Vec<(&'static str, Severity)>);

fn rule_selection(args: &mut ScanArgs, config: &Config) -> Result<RuleSelection, Error> {
    let selected_on_cli: Vec<&str> = args
        .select
        .iter()
        .filter_map(|n| rules::matching_in(n, &config.custom).ok())
        .flatten()
        .map(|r| r.meta().id)
        .collect();
    let mut severities = Vec::new();
    for (id, setting) in &config.rules {
        match setting {
            // --select naming the rule wins over `off` in the file.
            RuleSetting::Off if !selected_on_cli.contains(id) => {
                args.ignore.push((*id).to_string());
            }
            RuleSetting::Severity(s) => severities.push((*id, *s)),
            _ => {}
        }
    }
    // `--select ""` or `--select ,` is a mistake (an unset variable in a script), not "every
    // rule": say so rather than run something else than was asked.
    if !args.select.is_empty() && args.select.iter().all(|n| n.trim().is_empty()) {
        return Err(Error::Usage(
            "--select names no rule (it was given an empty value): name ids, slugs, families or tags (`keelhaul rules` lists them), or leave --select out to run every rule".into(),
        ));
    }
    let rules = select_rules(&args.select, &args.ignore, &config.custom).map_err(Error::Usage)?;
    Ok((rules, severities))
}

/// Resolves --select / --ignore (ids, slugs, families, tags) into the enabled rules.
/// The configuration's custom rules (`custom`) run after the built-in ones, and are named
/// like them.
fn select_rules(
    select: &[String],
    ignore: &[String],
    custom: &[&'static CustomRule],
) -> Result<Vec<&'static dyn Rule>, String> {
    let lookup = |names: &[String]| -> Result<Vec<&'static str>, String> {
        let mut ids = Vec::new();
        for n in names.iter().filter(|n| !n.trim().is_empty()) {
            ids.extend(
                rules::matching_in(n, custom)?
                    .into_iter()
                    .map(|r| r.meta().id),
            );
        }
        Ok(ids)
    };
    let selected = lookup(select)?;
    let ignored = lookup(ignore)?;
    Ok(rules::all()
        .iter()
        .copied()
        .chain(custom.iter().map(|c| *c as &'static dyn Rule))
        .filter(|r| selected.is_empty() || selected.contains(&r.meta().id))
        .filter(|r| !ignored.contains(&r.meta().id))
        .collect())
}

/// `--policy` files: each must be a file that can be read.
fn check_policy_files(files: &[PathBuf]) -> Result<(), Error> {
    for p in files {
        if let Err(e) = std::fs::File::open(p)
            .and_then(|f| f.metadata())
            .and_then(|m| {
                if m.is_file() {
                    Ok(())
                } else {
                    Err(std::io::Error::other("not a file"))
                }
            })
        {
            return Err(Error::Usage(format!(
                "--policy {}: cannot read it: {e}",
                p.display()
            )));
        }
    }
    Ok(())
}

/// The most worker threads `--threads` may ask for: far more than any machine's cores, and
/// few enough that starting them cannot exhaust the process.
const MAX_THREADS: usize = 512;

/// Flags that cannot go together, or values clap cannot refuse by itself.
fn check_combinations(args: &ScanArgs) -> Result<(), Error> {
    if args.threads == Some(0) {
        return Err(Error::Usage("--threads must be at least 1".into()));
    }
    if let Some(n) = args.threads.filter(|&n| n > MAX_THREADS) {
        return Err(Error::Usage(format!(
            "--threads {n} is more than keelhaul runs: at most {MAX_THREADS} (the default is one per core)"
        )));
    }
    if args.fix && args.paths.iter().any(|p| p.as_os_str() == "-") {
        return Err(Error::Usage(
            "--fix changes files; it cannot change standard input (for rendered Helm output, fix the chart's templates)".into(),
        ));
    }
    Ok(())
}

/// The Kubernetes version (`--kube-version`, `--target k8s=`, the file's) and the releases of
/// the components with CRD lifecycle tables. The command line's targets come first: the
/// first one named wins.
type Versions = (Option<KubeVersion>, Vec<(String, Version)>);

fn versions(args: &mut ScanArgs, config: &Config) -> Result<Versions, Error> {
    let mut kube_version = args.kube_version;
    let mut component_targets = Vec::new();
    for (name, v) in std::mem::take(&mut args.target) {
        if name == "k8s" {
            let k = KubeVersion(v.minor);
            if kube_version.is_some_and(|kv| kv != k) {
                return Err(Error::Usage(format!(
                    "--target k8s={v} and --kube-version {} disagree",
                    kube_version.unwrap_or(k)
                )));
            }
            kube_version = Some(k);
        } else {
            component_targets.push((name, v));
        }
    }
    for (name, v) in &config.targets {
        if name == "k8s" {
            if kube_version.is_none() && config.kube_version.is_none() {
                kube_version = Some(KubeVersion(v.minor));
            }
        } else {
            component_targets.push((name.clone(), *v));
        }
    }
    Ok((kube_version.or(config.kube_version), component_targets))
}

/// `--from`: the upgrade path to the target version, which it may not be newer than.
fn upgrade_path(from: Option<KubeVersion>, to: KubeVersion) -> Result<Option<UpgradePath>, Error> {
    let Some(from) = from else {
        return Ok(None);
    };
    UpgradePath::new(from, to).map(Some).ok_or_else(|| {
        Error::Usage(format!(
            "--from {from} is newer than the target version {to} (--kube-version): an upgrade goes from an older minor to a newer one"
        ))
    })
}

/// Rendering of charts and overlays: on unless `--no-render` or the file turns it off.
fn render_options(args: &mut ScanArgs, config: Config) -> RenderOptions {
    let mut helm = config.helm;
    helm.values.append(&mut args.helm_values);
    helm.set.append(&mut args.helm_set);
    if let Some(b) = args.helm_binary.take() {
        helm.binary = Some(b);
    }
    let timeout = args.render_timeout.or(config.render_timeout);
    RenderOptions {
        enabled: !args.no_render && config.render != Some(false),
        helm,
        kustomize: KustomizeOptions {
            enabled: config.kustomize_render != Some(false),
            binary: args.kustomize_binary.take().or(config.kustomize_binary),
        },
        timeout: timeout.map_or(DEFAULT_TIMEOUT, std::time::Duration::from_secs),
        allow_remote_bases: args.allow_remote_bases,
        cache: cache_options(args),
    }
}

/// The render cache: `--cache-dir`, else the platform's cache directory, unless
/// `--no-cache`. Only the command line and the environment choose it, never a file in the
/// scanned tree.
fn cache_options(args: &ScanArgs) -> Option<CacheOptions> {
    if args.no_cache {
        return None;
    }
    let dir = args.cache_dir.clone().or_else(cache::default_dir)?;
    Some(CacheOptions {
        dir,
        max_bytes: args
            .cache_max_size
            .map_or(cache::DEFAULT_MAX_BYTES, |m| m.saturating_mul(1 << 20)),
    })
}

fn output(args: ScanArgs, custom_rules: Vec<&'static CustomRule>) -> Output {
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    Output {
        format: args.format,
        color,
        verbose: args.verbose,
        sarif: args.sarif,
        sarif_category: args.sarif_category,
        junit: args.junit,
        write_baseline: args.write_baseline,
        pr_review: args.pr_review.then_some(args.filter_mode),
        min_severity: args.min_severity.map(|m| m.severity()),
        custom_rules,
    }
}
