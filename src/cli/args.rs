//! The command line as clap reads it: the commands, their flags and the parsers of flag
//! values. Nothing here decides anything: `resolve` turns these into typed options.

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Parser, Subcommand, ValueEnum};

use crate::finding::Severity;
use crate::k8s::pss::Level;
use crate::k8s::version::KubeVersion;

#[derive(Parser, Debug)]
#[command(
    name = "keelhaul",
    version,
    about = "Static analysis for Kubernetes manifests: security context, Pod Security, RBAC, network and API lifecycle problems, on the exact line.",
    after_help = "Exit codes: 0 no finding at or above --fail-on, 1 findings at or above it, 2 usage, configuration or I/O error.\n\nExamples:\n  keelhaul scan .\n  keelhaul scan k8s/ --format json\n  keelhaul scan . --format azure --junit keelhaul-junit.xml\n  helm template my-release ./chart | keelhaul scan -\n  keelhaul explain KH101"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan manifests (files, directories, or - for standard input).
    Scan(Box<ScanArgs>),
    /// Plan an upgrade one minor at a time (as AKS upgrades): for each hop, the objects
    /// that break or become deprecated there, and the AKS support of its target.
    UpgradePlan(Box<PlanArgs>),
    /// List the rules.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
        /// Also list the custom rules of this configuration file (default: the .keelhaul.yaml
        /// found from the current directory upward, as `scan .` finds it). The Markdown table
        /// lists keelhaul's own rules only.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Print a rule's documentation page (by id or slug, e.g. KH101 or privileged).
    Explain {
        /// Rule id or slug.
        rule: String,
    },
    /// Print a reference generated from the binary itself (the documentation under docs/).
    #[command(hide = true)]
    Reference {
        /// What to print.
        #[arg(value_enum)]
        what: Reference,
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

    /// Also write a JUnit XML report to this file (whatever --format is), for the Tests tab of
    /// Azure Pipelines and GitLab.
    ///
    /// One test case per rule and file, the rule as its class name (`KH101 privileged`) and
    /// the file's path from the scan root as its name. A case fails when one of its findings
    /// is at or above --fail-on, so that the tests agree with the exit code; its failure's
    /// message is the first such finding (`path:line:col severity RULE message`) and its text
    /// every finding of the rule in that file. Findings below --fail-on fail no test: they are
    /// listed in the suite's system-out. A rule that ran and failed in no file is one passing
    /// case named `(all files)`. Publish the file with PublishTestResults@2
    /// (`testResultsFormat: JUnit`) in Azure Pipelines, or `artifacts: reports: junit` in
    /// GitLab CI.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Exit with 1 when a finding has this severity or a higher one [default: error].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,

    /// Leave findings below this severity out of the report (every format, the SARIF and
    /// JUnit files and the job summary); --fail-on still judges every finding.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub min_severity: Option<MinSeverity>,

    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Only scan files matching this glob (gitignore syntax, relative to the scanned directory); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,

    /// Skip files matching this glob (gitignore syntax); repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Run only these rules, comma-separated or repeated: ids or slugs (KH101, privileged),
    /// families (KH1, KH1xx, KH10) or tags (input, pod-security, seccomp, apparmor, rbac,
    /// network, api-lifecycle, aks; `keelhaul rules` lists each rule's).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,

    /// Do not run these rules: ids, slugs, families or tags, as --select.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,

    /// The largest input read at once (bytes, or with a K, M or G suffix). A larger file is
    /// read a document at a time; standard input is read up to this much and no further. A
    /// document, or standard input, over the limit is not scanned, and is an error (KH006).
    #[arg(long, value_name = "SIZE", default_value = "16M", value_parser = parse_size)]
    pub max_file_size: u64,

    /// Namespace of resources that name none [default: default].
    #[arg(long, value_name = "NAMESPACE")]
    pub default_namespace: Option<String>,

    /// The Kubernetes version the manifests will run on (e.g. 1.30); version-dependent rules
    /// read it. Default: the newest released minor keelhaul knows.
    #[arg(long, value_name = "X.Y", value_parser = parse_kube_version)]
    pub kube_version: Option<KubeVersion>,

    /// The Kubernetes version the cluster runs now, when it is to be upgraded to
    /// --kube-version one minor at a time (as AKS upgrades): version-gated findings (removed
    /// and deprecated APIs, legacy seccomp and AppArmor annotations) then say at which hop
    /// they take effect. At most --kube-version.
    #[arg(long, value_name = "X.Y", value_parser = parse_kube_version)]
    pub from: Option<KubeVersion>,

    /// Judge workloads by this Pod Security Standards level, as Pod Security Admission would
    /// at --kube-version: every violated control is reported (KH120).
    #[arg(long, value_name = "LEVEL", value_parser = pss_level())]
    pub pss: Option<Level>,

    /// An egress destination pods must not reach (a CIDR; repeatable). Default:
    /// 169.254.169.254/32, the instance metadata endpoint; Azure's WireServer is 168.63.129.16/32.
    #[arg(long, value_name = "CIDR", value_parser = parse_endpoint)]
    pub metadata_endpoint: Vec<String>,

    /// A namespace the namespace-level rules leave alone, for instance because its
    /// NetworkPolicies live in another repository (repeatable).
    #[arg(long, value_name = "NAMESPACE")]
    pub exempt_namespace: Vec<String>,

    /// A file of ValidatingAdmissionPolicies, their bindings and params kept outside the
    /// scanned paths: they are evaluated against the scanned objects (repeatable).
    #[arg(long, value_name = "PATH")]
    pub policy: Vec<PathBuf>,

    /// Worker threads (default: one per core; at most 512).
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
    /// run can be repeated with the same result (KH613, KH712).
    #[arg(long, value_name = "DATE", value_parser = parse_as_of)]
    pub as_of: Option<crate::k8s::aks_versions::Date>,

    /// Do not render Helm charts (directories with Chart.yaml) or Kustomize overlays
    /// (directories with kustomization.yaml); by default they are rendered with `helm
    /// template` and `kustomize build` (or `kubectl kustomize`) when those are on PATH.
    #[arg(long)]
    pub no_render: bool,

    /// Fail when a Helm chart or Kustomize overlay cannot be rendered (helm, kustomize or
    /// kubectl missing): what it would produce is then unchecked, so KH007 becomes an error.
    #[arg(long, conflicts_with = "no_render")]
    pub require_render: bool,

    /// The helm program to render charts with (default: `helm` on PATH). A configuration file
    /// found in the scanned tree cannot choose it.
    #[arg(long, value_name = "PATH", env = "KEELHAUL_HELM")]
    pub helm_binary: Option<PathBuf>,

    /// The kustomize (or kubectl) program to build overlays with (default: `kustomize` on
    /// PATH, else `kubectl`). A configuration file found in the scanned tree cannot choose it.
    #[arg(long, value_name = "PATH", env = "KEELHAUL_KUSTOMIZE")]
    pub kustomize_binary: Option<PathBuf>,

    /// Seconds a render may take before it is stopped (default 120). A configuration file
    /// found in the scanned tree may lower the limit, not raise it.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub render_timeout: Option<u64>,

    /// Let Kustomize fetch the remote bases an overlay names (git repositories, URLs); by
    /// default renders have no network and such an overlay fails with KH010.
    #[arg(long)]
    pub allow_remote_bases: bool,

    /// Where renders are kept between scans, so that a chart or overlay none of whose files
    /// changed is not rendered again (default: `$XDG_CACHE_HOME/keelhaul`, else the
    /// platform's cache directory, such as `~/.cache/keelhaul`).
    #[arg(long, value_name = "DIR", env = "KEELHAUL_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Render every chart and overlay, neither reading nor writing the render cache.
    #[arg(long, env = "KEELHAUL_NO_CACHE", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_cache: bool,

    /// The most the render cache may hold, in MiB (default 512): the renders used longest
    /// ago are removed first.
    #[arg(long, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..))]
    pub cache_max_size: Option<u64>,

    /// Trust the .keelhaul.yaml found in the scanned tree as if it were named with --config:
    /// let it choose the helm and kustomize programs, raise renderTimeout and run `helm
    /// dependency build`. Only for trees whose files you trust (never a pull request's).
    #[arg(long)]
    pub trust_config: bool,

    /// A values file for every Helm chart rendered (as `helm template --values`); repeatable,
    /// later files win.
    #[arg(long, value_name = "FILE")]
    pub helm_values: Vec<PathBuf>,

    /// A value for every Helm chart rendered (as `helm template --set KEY=VALUE`); repeatable.
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_helm_set)]
    pub helm_set: Vec<String>,

    /// Also list the documents that were not checked because they are not Kubernetes
    /// objects.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// `keelhaul upgrade-plan`: the scan's inputs, the two ends of the path and the format.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Exit codes: 0 the plan was written and nothing breaks on the way (deprecations do not count), 1 an object breaks at a hop or is already broken at --from, 2 usage, configuration or I/O error."
)]
pub struct PlanArgs {
    /// Files or directories to scan; - reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// The Kubernetes version the cluster runs now (X.Y).
    #[arg(long, value_name = "X.Y", value_parser = parse_kube_version)]
    pub from: KubeVersion,

    /// The Kubernetes version to upgrade to (X.Y), newer than --from.
    #[arg(long, value_name = "X.Y", value_parser = parse_kube_version)]
    pub to: KubeVersion,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,

    /// The date AKS support of each hop's target is judged at (YYYY-MM-DD; default: today).
    #[arg(long, value_name = "DATE", value_parser = parse_as_of)]
    pub as_of: Option<crate::k8s::aks_versions::Date>,

    /// Read the configuration from this file, as `scan --config`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Only scan files matching this glob, as `scan --include`; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,

    /// Skip files matching this glob, as `scan --exclude`; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Do not render Helm charts or Kustomize overlays, as `scan --no-render`.
    #[arg(long)]
    pub no_render: bool,
}

/// How `keelhaul upgrade-plan` writes the plan.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum PlanFormat {
    /// For a terminal: one block per hop.
    Human,
    /// One JSON object (see docs/upgrade-plan.md).
    Json,
    /// GitHub-flavoured Markdown tables, for a pull-request comment or a job summary.
    Markdown,
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

pub fn parse_target(s: &str) -> Result<(String, crate::k8s::api_lifecycle::Version), String> {
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
    /// For a person at a terminal: each finding with its source lines, then totals.
    Human,
    /// The JSON report (schema 1, see docs/json-report.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the lines of the findings.
    Github,
    /// One line per finding: `path:line:col: severity RULE message` (for editors and grep).
    Concise,
    /// Azure Pipelines logging commands: issues on the lines of the findings, and a summary
    /// attached to the run (add --junit FILE for the run's Tests tab).
    Azure,
    /// GitLab Code Quality JSON (`artifacts: reports: codequality`), with stable fingerprints
    /// (add --junit FILE for `artifacts: reports: junit`).
    Gitlab,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
    /// A table for the terminal.
    Human,
    /// Every rule's metadata (id, slug, severity, title, family, tags, precision, …).
    Json,
    /// The rules table of docs/rules.md.
    Markdown,
}

/// What `keelhaul reference` prints.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Reference {
    /// Every command and option (docs/cli.md).
    Cli,
    /// Every rule, with its page, severity and tags (docs/rules.md).
    Rules,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum MinSeverity {
    Error,
    Warning,
    Note,
}

impl MinSeverity {
    pub fn severity(self) -> Severity {
        match self {
            MinSeverity::Error => Severity::Error,
            MinSeverity::Warning => Severity::Warning,
            MinSeverity::Note => Severity::Note,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Note => Some(Severity::Note),
            FailOn::Never => None,
        }
    }
}

pub fn parse_endpoint(s: &str) -> Result<String, String> {
    let with_prefix = match (s.contains('/'), s.contains(':')) {
        (true, _) => s.to_string(),
        (false, true) => format!("{s}/128"),
        (false, false) => format!("{s}/32"),
    };
    crate::k8s::cidr::parse_cidr(&with_prefix)
        .map(|c| c.to_string())
        .map_err(|e| format!("not a CIDR: {s:?} ({e})"))
}

pub fn parse_kube_version(s: &str) -> Result<KubeVersion, String> {
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

/// `--pss`: the Pod Security level, with its values listed in the help.
fn pss_level() -> impl clap::builder::TypedValueParser<Value = Level> {
    clap::builder::PossibleValuesParser::new(["baseline", "restricted"])
        .map(|s| Level::parse(&s).unwrap_or(Level::Baseline))
}
