//! The command line: `keelhaul scan`, `keelhaul rules`, `keelhaul explain`, `keelhaul init`.
//!
//! Exit codes: 0 when no finding is at or above `--fail-on`, 1 when one is, 2 for usage,
//! configuration or I/O errors that stop the scan.

pub mod config;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::check::Rule;
use crate::check::Settings;
use crate::finding::Severity;
use crate::k8s::pss::{KubeVersion, Level};
use crate::pipeline::{self as scan, ScanOptions};
use crate::report::{self, HumanOptions};
use crate::rules;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "keelhaul",
    version,
    about = "Static analysis for Kubernetes manifests: security context, Pod Security, RBAC, network and API lifecycle problems, on the exact line.",
    after_help = "Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 usage, configuration or I/O error.\n\nExamples:\n  keelhaul scan .\n  keelhaul scan k8s/ --format json\n  helm template my-release ./chart | keelhaul scan -\n  keelhaul explain KH101"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan manifests (files, directories, or - for standard input).
    Scan(ScanArgs),
    /// List the rules.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Print a rule's documentation page (by id or slug, e.g. KH101 or privileged).
    Explain {
        /// Rule id or slug.
        rule: String,
    },
    /// Write a commented starter configuration file (every setting, commented out).
    Init {
        /// Overwrite the file if it exists.
        #[arg(long)]
        force: bool,
        /// Where to write it.
        #[arg(default_value = ".keelhaul.yaml")]
        path: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Files or directories to scan; - reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Read the configuration from this file instead of the .keelhaul.yaml (or .keelhaul.yml)
    /// found in the scanned directory or above it, up to the git root.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Also write a SARIF 2.1.0 report to this file (whatever --format is).
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,

    /// The category of the SARIF run (`automationDetails.id` = CATEGORY/), which keeps several
    /// uploads for one commit apart in code scanning.
    #[arg(long, value_name = "CATEGORY")]
    pub sarif_category: Option<String>,

    /// Exit with 1 when a finding has this severity or a higher one [default: error].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,

    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Only scan files matching this glob (gitignore syntax, relative to the scanned directory); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,

    /// Skip files matching this glob (gitignore syntax); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Run only these rules (ids or slugs, comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,

    /// Do not run these rules (ids or slugs, comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,

    /// Skip files larger than this (bytes, or with a K, M or G suffix).
    #[arg(long, value_name = "SIZE", default_value = "16M", value_parser = parse_size)]
    pub max_file_size: u64,

    /// Namespace of resources that name none [default: default].
    #[arg(long, value_name = "NAMESPACE")]
    pub default_namespace: Option<String>,

    /// The Kubernetes version the manifests will run on (e.g. 1.30); version-dependent rules
    /// read it. Default: the newest released minor keelhaul knows.
    #[arg(long, value_name = "X.Y", value_parser = parse_kube_version)]
    pub kube_version: Option<KubeVersion>,

    /// Judge workloads by this Pod Security Standards level, as Pod Security Admission would
    /// at --kube-version: every violated control is reported (KH120).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub pss: Option<PssLevel>,

    /// An egress destination pods must not reach (a CIDR; repeatable). Default:
    /// 169.254.169.254/32, the instance metadata endpoint; Azure's WireServer is 168.63.129.16/32.
    #[arg(long, value_name = "CIDR", value_parser = parse_endpoint)]
    pub metadata_endpoint: Vec<String>,

    /// A namespace the namespace-level rules leave alone, for instance because its
    /// NetworkPolicies live in another repository (repeatable).
    #[arg(long, value_name = "NAMESPACE")]
    pub exempt_namespace: Vec<String>,

    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,

    /// The release of a component whose CRD versions keelhaul knows (cert-manager=1.6,
    /// istio=1.5, external-snapshotter=6.0), or k8s=X.Y for --kube-version;
    /// repeatable. A component not named is judged at its newest release.
    #[arg(long, value_name = "NAME=X.Y", value_parser = parse_target)]
    pub target: Vec<(String, crate::k8s::api_lifecycle::Version)>,

    /// Post the findings on the pull request as one review, inline on its diff (in a GitHub
    /// Actions pull_request run; reads GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_API_URL and
    /// GITHUB_TOKEN, which needs `pull-requests: write`). A review that cannot be posted is
    /// said in one line; the exit code still follows the findings.
    #[arg(long)]
    pub pr_review: bool,

    /// Which findings go inline in the review: added (on added lines), diff_context (within
    /// the diff's hunks), file (in the changed files), nofilter (all; those outside the diff go
    /// in the review's body).
    #[arg(long, value_name = "MODE", default_value = "added", value_parser = parse_filter_mode)]
    pub filter_mode: crate::github::FilterMode,

    /// Apply the fixes that findings carry (an apiVersion that only changes its name, a
    /// renamed field) to the files, then report what remains.
    #[arg(long)]
    pub fix: bool,

    /// With --fix: print the changes as a unified diff instead of writing them.
    #[arg(long, requires = "fix")]
    pub dry_run: bool,

    /// Record the findings (after --select/--ignore) in this baseline file, then exit 0
    /// without reporting them.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,

    /// Leave out the findings recorded in this baseline file (see --write-baseline); lists the
    /// recorded ones that no longer occur on standard error.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Report only findings that start on lines added or changed since this git ref
    /// (`git diff REF` in the repository; untracked files count as new).
    #[arg(long, value_name = "REF", conflicts_with = "write_baseline")]
    pub diff: Option<String>,

    /// The date AKS version support is judged at (YYYY-MM-DD; default: today), so that a
    /// run can be repeated with the same result (KH613).
    #[arg(long, value_name = "DATE", value_parser = parse_as_of)]
    pub as_of: Option<crate::k8s::aks_versions::Date>,

    /// Do not render Helm charts (directories with Chart.yaml) or Kustomize overlays
    /// (directories with kustomization.yaml); by default they are rendered with `helm
    /// template` and `kustomize build` (or `kubectl kustomize`) when those are on PATH.
    #[arg(long)]
    pub no_render: bool,

    /// A values file for every Helm chart rendered (as `helm template --values`); repeatable,
    /// later files win.
    #[arg(long, value_name = "FILE")]
    pub helm_values: Vec<PathBuf>,

    /// A value for every Helm chart rendered (as `helm template --set KEY=VALUE`); repeatable.
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_helm_set)]
    pub helm_set: Vec<String>,

    /// Also list documents that were not checked because they are not Kubernetes objects.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

fn parse_as_of(s: &str) -> Result<crate::k8s::aks_versions::Date, String> {
    crate::k8s::aks_versions::Date::parse(s)
        .ok_or_else(|| format!("not a date: {s:?} (YYYY-MM-DD)"))
}

fn parse_helm_set(s: &str) -> Result<String, String> {
    if s.split_once('=').is_some_and(|(k, _)| !k.trim().is_empty()) {
        Ok(s.to_string())
    } else {
        Err(format!("expected KEY=VALUE: {s:?}"))
    }
}

fn parse_filter_mode(s: &str) -> Result<crate::github::FilterMode, String> {
    crate::github::FilterMode::parse(s)
        .ok_or_else(|| format!("not a filter mode: {s:?} (added, diff_context, file, nofilter)"))
}

pub(crate) fn parse_target(
    s: &str,
) -> Result<(String, crate::k8s::api_lifecycle::Version), String> {
    let (name, version) = s
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=X.Y, e.g. cert-manager=1.6: {s:?}"))?;
    let name = name.trim().to_ascii_lowercase();
    let v = crate::k8s::api_lifecycle::Version::parse(version)
        .ok_or_else(|| format!("not a version: {version:?} (use X.Y)"))?;
    if name == "k8s" || name == "kubernetes" {
        parse_kube_version(version)?;
        return Ok(("k8s".into(), v));
    }
    let table = &crate::k8s::api_lifecycle::TABLE;
    if table.component(&name).is_none() {
        let known: Vec<&str> = table.components.iter().map(|c| c.name.as_str()).collect();
        return Err(format!(
            "unknown component {name:?}; known: k8s, {}",
            known.join(", ")
        ));
    }
    Ok((name, v))
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the lines of the findings.
    Github,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum PssLevel {
    Baseline,
    Restricted,
}

pub(crate) fn parse_endpoint(s: &str) -> Result<String, String> {
    let with_prefix = match (s.contains('/'), s.contains(':')) {
        (true, _) => s.to_string(),
        (false, true) => format!("{s}/128"),
        (false, false) => format!("{s}/32"),
    };
    crate::k8s::cidr::parse_cidr(&with_prefix)
        .map(|c| c.to_string())
        .map_err(|e| format!("not a CIDR: {s:?} ({e})"))
}

pub(crate) fn parse_kube_version(s: &str) -> Result<KubeVersion, String> {
    match KubeVersion::parse(s) {
        Some(v) if v <= KubeVersion::NEWEST_KNOWN => Ok(v),
        Some(v) => Err(format!(
            "keelhaul knows Kubernetes up to {}; {v} is newer",
            KubeVersion::NEWEST_KNOWN
        )),
        None => Err(format!(
            "not a Kubernetes version: {s:?} (use 1.30 or v1.30)"
        )),
    }
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.eq_ignore_ascii_case(&'k') => (&t[..i], 1024),
        Some((i, c)) if c.eq_ignore_ascii_case(&'m') => (&t[..i], 1024 * 1024),
        Some((i, c)) if c.eq_ignore_ascii_case(&'g') => (&t[..i], 1024 * 1024 * 1024),
        _ => (t, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("not a size: {s:?} (use bytes or a K, M or G suffix)"))
}

/// Resolves --select / --ignore into the enabled rules.
fn select_rules(select: &[String], ignore: &[String]) -> Result<Vec<&'static dyn Rule>, String> {
    let lookup = |names: &[String]| -> Result<Vec<&'static str>, String> {
        names
            .iter()
            .filter(|n| !n.trim().is_empty())
            .map(|n| {
                rules::find(n.trim())
                    .map(|r| r.meta().id)
                    .ok_or_else(|| format!("unknown rule {n:?} (see `keelhaul rules`)"))
            })
            .collect()
    };
    let selected = lookup(select)?;
    let ignored = lookup(ignore)?;
    Ok(rules::all()
        .iter()
        .copied()
        .filter(|r| selected.is_empty() || selected.contains(&r.meta().id))
        .filter(|r| !ignored.contains(&r.meta().id))
        .collect())
}

/// Runs the command line; returns the exit code.
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Init { force, path } => run_init(&path, force),
        Command::Rules { format } => {
            let mut out = String::new();
            match format {
                ListFormat::Human => {
                    let width = rules::all()
                        .iter()
                        .map(|r| r.meta().slug.len())
                        .max()
                        .unwrap_or(0);
                    for r in rules::all() {
                        let m = r.meta();
                        out.push_str(&format!(
                            "{}  {:<width$} {:<8} {}\n",
                            m.id,
                            m.slug,
                            m.severity.as_str(),
                            m.title
                        ));
                    }
                }
                ListFormat::Json => {
                    let list: Vec<serde_json::Value> = rules::all()
                        .iter()
                        .map(|r| {
                            let m = r.meta();
                            serde_json::json!({
                                "id": m.id, "slug": m.slug, "severity": m.severity,
                                "title": m.title, "podSecurityControl": m.pss_control,
                            })
                        })
                        .collect();
                    out = serde_json::to_string_pretty(&list).unwrap_or_default();
                    out.push('\n');
                }
            }
            print_out(&out)
        }
        Command::Explain { rule } => match rules::find(&rule) {
            Some(r) => print_out(&crate::k8s::api_lifecycle::expand_page(r.meta().page)),
            None => {
                eprintln!("keelhaul: unknown rule {rule:?}; `keelhaul rules` lists them");
                EXIT_ERROR
            }
        },
    }
}

fn print_out(s: &str) -> i32 {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(s.as_bytes()).and_then(|_| stdout.flush()) {
        Ok(()) => EXIT_OK,
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("keelhaul: cannot write the report: {e}");
            EXIT_ERROR
        }
    }
}

/// `keelhaul init`: writes the starter configuration file.
fn run_init(path: &std::path::Path, force: bool) -> i32 {
    let text = crate::cli::config::starter();
    let written = if force {
        std::fs::write(path, text)
    } else {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
    };
    match written {
        Ok(()) => {
            eprintln!("keelhaul: wrote {}", path.display());
            EXIT_OK
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!(
                "keelhaul: {} exists; use --force to overwrite it",
                path.display()
            );
            EXIT_ERROR
        }
        Err(e) => {
            eprintln!("keelhaul: cannot write {}: {e}", path.display());
            EXIT_ERROR
        }
    }
}

/// The configuration of a scan: the --config file, else the one found from the scanned
/// directory upward, else none.
fn load_config(args: &ScanArgs) -> Result<crate::cli::config::Config, String> {
    let path = match &args.config {
        Some(p) if !p.is_file() => {
            return Err(format!(
                "the configuration file {} does not exist",
                p.display()
            ));
        }
        Some(p) => p.clone(),
        None => match crate::cli::config::find(&args.paths) {
            // Named relative to the current directory when it is below it, as paths are.
            Some(p) => std::env::current_dir()
                .ok()
                .and_then(|d| std::fs::canonicalize(d).ok())
                .and_then(|d| p.strip_prefix(&d).ok().map(PathBuf::from))
                .unwrap_or(p),
            None => return Ok(crate::cli::config::Config::default()),
        },
    };
    crate::cli::config::load_file(&path)
}

fn run_scan(mut args: ScanArgs) -> i32 {
    let config = match load_config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("keelhaul: {e}");
            return EXIT_ERROR;
        }
    };
    // A flag on the command line wins; list flags add to the file's lists.
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(FailOn::Error);
    let default_namespace = args
        .default_namespace
        .take()
        .or(config.default_namespace)
        .unwrap_or_else(|| "default".into());
    let prepend = |file: Vec<String>, cli: &mut Vec<String>| {
        let mut all = file;
        all.append(cli);
        *cli = all;
    };
    prepend(config.include, &mut args.include);
    prepend(config.exclude, &mut args.exclude);
    prepend(config.exempt_namespaces, &mut args.exempt_namespace);
    prepend(config.metadata_endpoints, &mut args.metadata_endpoint);
    let selected_on_cli: Vec<&str> = args
        .select
        .iter()
        .filter_map(|n| rules::find(n.trim()).map(|r| r.meta().id))
        .collect();
    let mut severity_overrides = Vec::new();
    for (id, setting) in &config.rules {
        match setting {
            // --select naming the rule wins over `off` in the file.
            crate::cli::config::RuleSetting::Off if !selected_on_cli.contains(id) => {
                args.ignore.push((*id).to_string());
            }
            crate::cli::config::RuleSetting::Severity(s) => severity_overrides.push((*id, *s)),
            _ => {}
        }
    }
    let pss = args.pss.or(config.pss);
    let rules = match select_rules(&args.select, &args.ignore) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("keelhaul: {e}");
            return EXIT_ERROR;
        }
    };
    if args.threads == Some(0) {
        eprintln!("keelhaul: --threads must be at least 1");
        return EXIT_ERROR;
    }
    if let Some(n) = args.threads {
        // The report renders in parallel too: the whole run keeps to the number asked for.
        // (This can only fail if a pool was already built, which nothing here does.)
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    if args.fix && args.paths.iter().any(|p| p.as_os_str() == "-") {
        eprintln!(
            "keelhaul: --fix changes files; it cannot change standard input (for rendered Helm output, fix the chart's templates)"
        );
        return EXIT_ERROR;
    }
    let mut kube_version = args.kube_version;
    let mut component_targets = Vec::new();
    for (name, v) in args.target {
        if name == "k8s" {
            let k = KubeVersion(v.minor);
            if kube_version.is_some_and(|kv| kv != k) {
                eprintln!(
                    "keelhaul: --target k8s={v} and --kube-version {} disagree",
                    kube_version.unwrap_or(k)
                );
                return EXIT_ERROR;
            }
            kube_version = Some(k);
        } else {
            component_targets.push((name, v));
        }
    }
    // The file's targets come after the command line's: the first one named wins.
    for (name, v) in config.targets {
        if name == "k8s" {
            if kube_version.is_none() && config.kube_version.is_none() {
                kube_version = Some(KubeVersion(v.minor));
            }
        } else {
            component_targets.push((name, v));
        }
    }
    let kube_version = kube_version.or(config.kube_version);
    // Read before scanning: a bad baseline or ref is a usage error, found at once.
    let baseline = match args
        .baseline
        .as_deref()
        .map(crate::filter::baseline::read)
        .transpose()
    {
        Ok(b) => b,
        Err(e) => {
            eprintln!("keelhaul: {e}");
            return EXIT_ERROR;
        }
    };
    let changed = match args
        .diff
        .as_deref()
        .map(crate::filter::changed_lines::changed_since)
        .transpose()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("keelhaul: {e}");
            return EXIT_ERROR;
        }
    };
    let mut helm = config.helm;
    helm.values.extend(args.helm_values);
    helm.set.extend(args.helm_set);
    let render = crate::load::render::RenderOptions {
        enabled: !args.no_render && config.render != Some(false),
        helm,
        kustomize: crate::load::render::KustomizeOptions {
            enabled: config.kustomize_render != Some(false),
            binary: config.kustomize_binary,
        },
        timeout: std::time::Duration::from_secs(config.render_timeout.unwrap_or(120)),
    };
    let opts = ScanOptions {
        render,
        paths: args.paths,
        include: args.include,
        exclude: args.exclude,
        max_file_size: args.max_file_size,
        default_namespace,
        threads: args.threads,
        excerpts: args.format == Format::Human,
        fingerprints: args.format == Format::Sarif
            || args.sarif.is_some()
            || args.baseline.is_some()
            || args.write_baseline.is_some(),
        rules,
        settings: Settings {
            kube_version: kube_version.unwrap_or(KubeVersion::NEWEST_RELEASED),
            component_targets,
            pss: pss.map(|l| match l {
                PssLevel::Baseline => Level::Baseline,
                PssLevel::Restricted => Level::Restricted,
            }),
            metadata_endpoints: args.metadata_endpoint,
            exempt_namespaces: args.exempt_namespace,
            as_of: args
                .as_of
                .unwrap_or_else(crate::k8s::aks_versions::Date::today),
            ..Settings::default()
        },
    };
    let mut result = match scan_and_filter(&opts, &severity_overrides) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut fix_failed = false;
    if args.fix {
        let report = crate::finding::fix::fix_files(&result, args.dry_run);
        for e in &report.errors {
            eprintln!("keelhaul: {e}");
        }
        fix_failed = !report.errors.is_empty();
        if report.stdin > 0 {
            eprintln!(
                "keelhaul: {} fix(es) to standard input not applied: change the source files (for rendered Helm output, the chart's templates)",
                report.stdin
            );
        }
        if report.skipped > 0 {
            eprintln!(
                "keelhaul: {} fix(es) left out: the file changed since it was read, or fixes overlapped",
                report.skipped
            );
        }
        if args.dry_run {
            eprintln!(
                "keelhaul: --dry-run: {} finding(s) would be fixed in {} file(s); nothing was written",
                report.fixed, report.files
            );
            return match print_out(&report.diff) {
                EXIT_OK if fix_failed => EXIT_ERROR,
                EXIT_OK => exit_code(&result, fail_on),
                code => code,
            };
        }
        eprintln!(
            "keelhaul: fixed {} finding(s) in {} file(s)",
            report.fixed, report.files
        );
        if report.files > 0 {
            // Report what remains, where it now is.
            result = match scan_and_filter(&opts, &severity_overrides) {
                Ok(r) => r,
                Err(code) => return code,
            };
        }
    }
    let root = crate::discover::paths::repository_root();
    if let Some(path) = &args.write_baseline {
        let b = crate::filter::baseline::of(&result, &root);
        if let Err(e) = crate::filter::baseline::write(&b, path) {
            eprintln!("keelhaul: {e}");
            return EXIT_ERROR;
        }
        eprintln!(
            "keelhaul: recorded {} finding(s) in the baseline {}",
            b.findings.len(),
            path.display()
        );
        return EXIT_OK;
    }
    if let Some(b) = &baseline {
        let applied = crate::filter::baseline::apply(b, &mut result, &root);
        eprintln!(
            "keelhaul: {} finding(s) baselined, {} new",
            applied.baselined,
            result.findings.len()
        );
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
    if let Some(c) = &changed {
        let dropped = c.filter(&mut result);
        eprintln!(
            "keelhaul: --diff: {dropped} finding(s) on lines not changed since {} left out",
            args.diff.as_deref().unwrap_or_default()
        );
    }
    let mut io_failed = false;
    if let Some(path) = &args.sarif {
        let written = std::fs::File::create(path).and_then(|f| {
            let mut w = std::io::BufWriter::new(f);
            crate::report::sarif::write_sarif(
                &result,
                &crate::report::sarif::SarifOptions {
                    root: &root,
                    category: args.sarif_category.as_deref(),
                },
                &mut w,
            )?;
            w.flush()
        });
        if let Err(e) = written {
            eprintln!(
                "keelhaul: cannot write the SARIF report {}: {e}",
                path.display()
            );
            io_failed = true;
        }
    }
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        io_failed |= !github_step_files(&result, &root, args.sarif.as_deref(), &opts);
    }
    if args.pr_review {
        let outcome = crate::github::post_review(
            &result,
            &crate::github::ReviewOptions::from_env(args.filter_mode),
        );
        match &outcome.skipped {
            Some(why) => eprintln!("keelhaul: no pull-request review posted: {why}"),
            None => eprintln!(
                "keelhaul: pull-request review: {} inline comment(s), {} finding(s) in the review body, {} already commented, {} earlier comment(s) marked resolved",
                outcome.posted, outcome.in_body, outcome.unchanged, outcome.updated
            ),
        }
    }
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = match args.format {
        Format::Human => {
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            report::write_human(
                &result,
                &HumanOptions {
                    color,
                    verbose: args.verbose,
                },
                &mut w,
            )
        }
        Format::Json => report::write_json(&result, &mut w),
        Format::Sarif => crate::report::sarif::write_sarif(
            &result,
            &crate::report::sarif::SarifOptions {
                root: &root,
                category: args.sarif_category.as_deref(),
            },
            &mut w,
        ),
        Format::Github => {
            crate::report::workflow_commands::write_workflow_commands(&result, &root, &mut w)
        }
    };
    match written.and_then(|_| w.flush()) {
        Ok(()) => {}
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            eprintln!("keelhaul: cannot write the report: {e}");
            return EXIT_ERROR;
        }
    }
    if fix_failed || io_failed {
        return EXIT_ERROR;
    }
    exit_code(&result, fail_on)
}

/// In a GitHub Actions step: the job summary and the step outputs, when the runner names
/// their files. Returns false when one could not be written (said on standard error).
fn github_step_files(
    result: &scan::ScanResult,
    root: &std::path::Path,
    sarif: Option<&std::path::Path>,
    opts: &ScanOptions,
) -> bool {
    let mut ok = true;
    let file = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(path) = file("GITHUB_STEP_SUMMARY") {
        let context = format!(" at Kubernetes {}", opts.settings.kube_version);
        let text = crate::report::workflow_commands::job_summary(
            result,
            root,
            &crate::report::workflow_commands::SummaryLinks::from_env(),
            &context,
        );
        if let Err(e) = crate::report::workflow_commands::append_to(&path, &text) {
            eprintln!("keelhaul: cannot write the job summary: {e}");
            ok = false;
        }
    }
    if let Some(path) = file("GITHUB_OUTPUT") {
        let sarif = sarif.map(|p| p.display().to_string());
        let text = crate::report::workflow_commands::outputs(result, sarif.as_deref());
        if let Err(e) = crate::report::workflow_commands::append_to(&path, &text) {
            eprintln!("keelhaul: cannot write the step outputs: {e}");
            ok = false;
        }
    }
    ok
}

fn exit_code(result: &scan::ScanResult, fail_on: FailOn) -> i32 {
    let failing = fail_on
        .threshold()
        .is_some_and(|t| result.findings.iter().any(|f| f.severity >= t));
    if failing { EXIT_FINDINGS } else { EXIT_OK }
}

/// Scans, then drops the findings of rules that are not enabled (the loader raises input
/// findings whatever the selection) and gives the findings of the rules the configuration
/// file names a severity for that severity.
fn scan_and_filter(
    opts: &ScanOptions,
    severity_overrides: &[(&str, Severity)],
) -> Result<scan::ScanResult, i32> {
    let mut result = match scan::scan(opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("keelhaul: {}", e.0);
            return Err(EXIT_ERROR);
        }
    };
    let disabled: Vec<&str> = rules::all()
        .iter()
        .map(|r| r.meta().id)
        .filter(|id| !opts.rules.iter().any(|r| r.meta().id == *id))
        .collect();
    if !disabled.is_empty() {
        result.findings.retain(|f| !disabled.contains(&f.rule.id));
    }
    if !severity_overrides.is_empty() {
        for f in result
            .findings
            .iter_mut()
            .chain(result.suppressed.iter_mut())
        {
            if let Some((_, s)) = severity_overrides.iter().find(|(id, _)| *id == f.rule.id) {
                f.severity = *s;
            }
        }
    }
    Ok(result)
}
