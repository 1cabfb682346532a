//! The configuration file, `.keelhaul.yaml`: found from the scanned directory upward, or named
//! with `--config`. Read with our own loader, so that every error names `file:line:col`.
//! Command-line flags win over the file; list options add to the file's.

use std::path::{Path, PathBuf};

use crate::check::Declared;
use crate::cli::args::FailOn;
use crate::finding::Severity;
use crate::k8s::api_lifecycle::Version;
use crate::k8s::pss::Level;
use crate::k8s::version::KubeVersion;
use crate::load::{self, Document, LoadProblem, NodeId};
use crate::rules::custom::{CustomRule, CustomRuleSpec};
use crate::span::Pos;

/// The names the file is looked for under, in this order.
pub const FILE_NAMES: [&str; 2] = [".keelhaul.yaml", ".keelhaul.yml"];

/// What the configuration file says; `None` and empty lists: not set.
#[derive(Debug, Default)]
pub struct Config {
    pub kube_version: Option<KubeVersion>,
    pub pss: Option<Level>,
    pub fail_on: Option<FailOn>,
    pub default_namespace: Option<String>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub exempt_namespaces: Vec<String>,
    pub metadata_endpoints: Vec<String>,
    /// Component releases (`k8s` among them), as `--target`.
    pub targets: Vec<(String, Version)>,
    /// Per-rule settings, by rule id.
    pub rules: Vec<(&'static str, RuleSetting)>,
    /// `rules.custom`: the team's own rules, compiled.
    pub custom: Vec<&'static CustomRule>,
    /// What was said while reading the file (a custom rule that cannot be evaluated).
    pub notices: Vec<crate::finding::result::Notice>,
    /// `render: false` turns rendering of charts and overlays off.
    pub render: Option<bool>,
    /// `render: required`: a chart or overlay that cannot be rendered is an error (KH007).
    pub require_render: bool,
    /// `renderTimeout`: seconds a render may take.
    pub render_timeout: Option<u64>,
    /// `helm:`; paths already resolved against the file's directory.
    pub helm: crate::load::render::HelmOptions,
    /// `kustomize.render`, `kustomize.binary`.
    pub kustomize_render: Option<bool>,
    pub kustomize_binary: Option<PathBuf>,
    /// The settings only a trusted configuration may make (one named with `--config`, or
    /// with `--trust-config`): they run a program, let a render wait longer or reach the
    /// network. Each with the line it is set on.
    pub guarded: Vec<(Guarded, u32)>,
}

/// A setting a configuration found in the scanned tree may not make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarded {
    HelmBinary,
    KustomizeBinary,
    RenderTimeout,
    DependencyBuild,
}

impl Guarded {
    pub fn key(self) -> &'static str {
        match self {
            Guarded::HelmBinary => "helm.binary",
            Guarded::KustomizeBinary => "kustomize.binary",
            Guarded::RenderTimeout => "renderTimeout",
            Guarded::DependencyBuild => "helm.dependencyBuild",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSetting {
    Off,
    On,
    Severity(Severity),
}

/// The configuration file for a scan of `paths`: the first one found in the directory of the
/// first path (the current directory for standard input) or above it, stopping at the git
/// root (the directory holding `.git`) or the filesystem root.
pub fn find(paths: &[PathBuf]) -> Option<PathBuf> {
    let first = paths
        .first()
        .map(PathBuf::as_path)
        .unwrap_or(Path::new("."));
    let start = if first.as_os_str() == "-" || first.as_os_str().is_empty() {
        PathBuf::from(".")
    } else if first.is_dir() {
        first.to_path_buf()
    } else {
        match first.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    let start = std::fs::canonicalize(&start).ok()?;
    for dir in start.ancestors() {
        for name in FILE_NAMES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    None
}

/// Reads and checks a configuration file.
pub fn load_file(path: &Path) -> Result<Config, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("cannot read the configuration file {}: {e}", path.display()))?;
    load_bytes(path, &bytes)
}

/// The configuration file at `path` whose content is `bytes` (read from disk, or from git).
pub fn load_bytes(path: &Path, bytes: &[u8]) -> Result<Config, String> {
    let name = path.display().to_string();
    let text = load::decode(bytes).map_err(|e| match e {
        load::TextProblem::Binary => format!("{name}: the configuration file is binary"),
        load::TextProblem::Invalid {
            encoding,
            line,
            col,
        } => {
            format!("{name}:{line}:{}: not valid {}", col + 1, encoding.name())
        }
    })?;
    let mut cfg = parse(&text, &name)?;
    // Paths in the file are relative to its directory.
    let dir = path.parent().unwrap_or(Path::new(""));
    let resolve = |p: &mut PathBuf| {
        if p.is_relative() && !dir.as_os_str().is_empty() {
            *p = dir.join(&*p);
        }
    };
    if let Some(b) = cfg.helm.binary.as_mut()
        && b.components().count() > 1
    {
        resolve(b);
    }
    cfg.helm.values.iter_mut().for_each(resolve);
    cfg.helm.charts.iter_mut().for_each(|c| resolve(&mut c.dir));
    if let Some(b) = cfg.kustomize_binary.as_mut()
        && b.components().count() > 1
    {
        resolve(b);
    }
    Ok(cfg)
}

/// Parses the text of a configuration file named `name` (for messages).
pub fn parse(text: &str, name: &str) -> Result<Config, String> {
    let loaded = load::load_text(text);
    if let Some(p) = loaded.problems.first() {
        return Err(load_problem(name, p));
    }
    let mut cfg = Config::default();
    let Some(doc) = the_document(&loaded.docs, name)? else {
        return Ok(cfg);
    };
    let root = doc.root.unwrap_or_default();
    if doc.is_null(root) {
        return Ok(cfg);
    }
    let r = Reader { doc, name };
    if !doc.is_mapping(root) {
        return Err(r.err(root, None, "expected a mapping of settings"));
    }
    for e in doc.entries(root) {
        if doc.is_null(e.value) {
            continue;
        }
        r.setting(e, &mut cfg)?;
    }
    Ok(cfg)
}

/// The first thing the loader could not read, as an error message.
fn load_problem(name: &str, p: &LoadProblem) -> String {
    match p {
        LoadProblem::Syntax { pos, message } => at(name, *pos, None, message),
        LoadProblem::DuplicateKey { key, second, .. } => {
            at(name, second.start, Some(key), "the key is given twice")
        }
        LoadProblem::AliasBudget { span } => at(name, span.start, None, "aliases expand too far"),
    }
}

/// The file's one document (`None`: the file is empty); a second document is an error.
fn the_document<'d>(docs: &'d [Document], name: &str) -> Result<Option<&'d Document>, String> {
    let docs: Vec<&Document> = docs.iter().filter(|d| d.root.is_some()).collect();
    match docs[..] {
        [] => Ok(None),
        [d] => Ok(Some(d)),
        [_, d, ..] => {
            let root = d.root.unwrap_or_default();
            Err(at(
                name,
                d.span(root).start,
                None,
                "a configuration file holds one YAML document",
            ))
        }
    }
}

fn at(name: &str, pos: Pos, key: Option<&str>, message: &str) -> String {
    match key {
        Some(k) => format!("{name}:{}:{}: {k}: {message}", pos.line, pos.col + 1),
        None => format!("{name}:{}:{}: {message}", pos.line, pos.col + 1),
    }
}

struct Reader<'a> {
    doc: &'a Document,
    name: &'a str,
}

impl Reader<'_> {
    fn err(&self, node: NodeId, key: Option<&str>, message: &str) -> String {
        at(self.name, self.doc.span(node).start, key, message)
    }

    /// A scalar's text as written (so `kubeVersion: 1.30` is `1.30` and `KH114: off` is
    /// `off`, whatever YAML 1.1 would resolve them to).
    fn string(&self, node: NodeId, key: &str) -> Result<&str, String> {
        match self.doc.scalar(node) {
            Some(s) if !self.doc.is_null(node) => Ok(s),
            _ => Err(self.err(node, Some(key), "expected a single value")),
        }
    }

    fn list(&self, node: NodeId, key: &str) -> Result<Vec<NodeId>, String> {
        if !self.doc.is_sequence(node) {
            return Err(self.err(node, Some(key), "expected a list"));
        }
        Ok(self.doc.items(node).to_vec())
    }

    fn strings(&self, node: NodeId, key: &str) -> Result<Vec<String>, String> {
        self.list(node, key)?
            .into_iter()
            .map(|n| self.string(n, key).map(str::to_string))
            .collect()
    }

    fn bool(&self, node: NodeId, key: &str) -> Result<bool, String> {
        match self.string(node, key)? {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(self.err(node, Some(key), "expected true or false")),
        }
    }

    /// `--set` assignments: `KEY=VALUE` strings.
    fn set_list(&self, node: NodeId, key: &str) -> Result<Vec<String>, String> {
        let items = self.list(node, key)?;
        let mut out = Vec::new();
        for n in items {
            let s = self.string(n, key)?;
            if !s.contains('=') {
                return Err(self.err(n, Some(key), "expected KEY=VALUE (as helm --set takes)"));
            }
            out.push(s.to_string());
        }
        Ok(out)
    }

    /// One entry of `helm.charts.<dir>`: a named render.
    fn helm_render(
        &self,
        node: NodeId,
        key: &str,
    ) -> Result<crate::load::render::HelmRender, String> {
        let mut out = crate::load::render::HelmRender::default();
        for e in self.map(node, key)? {
            let sub = self.doc.scalar(e.key).unwrap_or_default();
            let k = format!("{key}[].{sub}");
            if self.doc.is_null(e.value) {
                continue;
            }
            match sub {
                "name" => out.name = Some(self.string(e.value, &k)?.to_string()),
                "releaseName" => out.release_name = Some(self.string(e.value, &k)?.to_string()),
                "namespace" => out.namespace = Some(self.string(e.value, &k)?.to_string()),
                "values" => {
                    out.values = self
                        .strings(e.value, &k)?
                        .into_iter()
                        .map(PathBuf::from)
                        .collect()
                }
                "set" => out.set = self.set_list(e.value, &k)?,
                _ => {
                    return Err(self.err(
                        e.key,
                        Some(&k),
                        "unknown key (known: name, releaseName, namespace, values, set)",
                    ));
                }
            }
        }
        Ok(out)
    }

    fn map(&self, node: NodeId, key: &str) -> Result<Vec<load::Entry>, String> {
        if !self.doc.is_mapping(node) {
            return Err(self.err(node, Some(key), "expected a mapping"));
        }
        Ok(self.doc.entries(node).collect())
    }
}

/// The settings, one top-level key (or section) at a time.
impl Reader<'_> {
    /// One top-level entry (its value not null) into `cfg`.
    fn setting(&self, e: load::Entry, cfg: &mut Config) -> Result<(), String> {
        let key = self.doc.scalar(e.key).unwrap_or_default();
        let v = e.value;
        match key {
            "kubeVersion" => {
                let s = self.string(v, key)?;
                let k = crate::cli::args::parse_kube_version(s)
                    .map_err(|m| self.err(v, Some(key), &m))?;
                cfg.kube_version = Some(k);
            }
            "pss" => cfg.pss = Some(self.pss_level(v, key)?),
            "failOn" => cfg.fail_on = Some(self.fail_on(v, key)?),
            "defaultNamespace" => cfg.default_namespace = Some(self.string(v, key)?.to_string()),
            "include" => cfg.include = self.strings(v, key)?,
            "exclude" => cfg.exclude = self.strings(v, key)?,
            "exemptNamespaces" => cfg.exempt_namespaces = self.strings(v, key)?,
            "metadataEndpoints" => self.metadata_endpoints(v, key, &mut cfg.metadata_endpoints)?,
            "targets" => self.targets(v, key, &mut cfg.targets)?,
            "rules" => self.rules(v, key, cfg)?,
            "render" => {
                if self.string(v, key)? == "required" {
                    cfg.render = Some(true);
                    cfg.require_render = true;
                } else {
                    cfg.render =
                        Some(self.bool(v, key).map_err(|_| {
                            self.err(v, Some(key), "expected true, false or required")
                        })?);
                }
            }
            "renderTimeout" => {
                cfg.render_timeout = Some(self.render_timeout(v, key)?);
                cfg.guarded.push((Guarded::RenderTimeout, self.line(v)));
            }
            "helm" => self.helm(v, key, cfg)?,
            "kustomize" => self.kustomize(v, key, cfg)?,
            _ => {
                return Err(self.err(
                    e.key,
                    Some(key),
                    "unknown key (known: kubeVersion, pss, failOn, defaultNamespace, include, exclude, exemptNamespaces, metadataEndpoints, targets, rules, render, renderTimeout, helm, kustomize)",
                ));
            }
        }
        Ok(())
    }

    fn pss_level(&self, v: NodeId, key: &str) -> Result<Level, String> {
        match self.string(v, key)? {
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            other => Err(self.err(
                v,
                Some(key),
                &format!("not a Pod Security level: {other:?} (baseline, restricted)"),
            )),
        }
    }

    fn fail_on(&self, v: NodeId, key: &str) -> Result<FailOn, String> {
        match self.string(v, key)? {
            "error" => Ok(FailOn::Error),
            "warning" => Ok(FailOn::Warning),
            "note" => Ok(FailOn::Note),
            "never" => Ok(FailOn::Never),
            other => Err(self.err(
                v,
                Some(key),
                &format!("not a severity: {other:?} (error, warning, note, never)"),
            )),
        }
    }

    /// `metadataEndpoints`: addresses or CIDRs, as `--metadata-endpoint` takes them.
    fn metadata_endpoints(
        &self,
        v: NodeId,
        key: &str,
        out: &mut Vec<String>,
    ) -> Result<(), String> {
        for item in self.list(v, key)? {
            let s = self.string(item, key)?;
            let cidr =
                crate::cli::args::parse_endpoint(s).map_err(|m| self.err(item, Some(key), &m))?;
            out.push(cidr);
        }
        Ok(())
    }

    /// `targets`: component → release, as `--target component=version`.
    fn targets(
        &self,
        v: NodeId,
        key: &str,
        out: &mut Vec<(String, Version)>,
    ) -> Result<(), String> {
        for t in self.map(v, key)? {
            let component = self.doc.scalar(t.key).unwrap_or_default();
            let k = format!("{key}.{component}");
            let version = self.string(t.value, &k)?;
            let target = crate::cli::args::parse_target(&format!("{component}={version}"))
                .map_err(|m| self.err(t.value, Some(&k), &m))?;
            out.push(target);
        }
        Ok(())
    }

    /// `rules`: rule (id or slug, family or tag) → setting, and `custom`, the custom rules
    /// (read first: the settings may name them).
    fn rules(&self, v: NodeId, key: &str, cfg: &mut Config) -> Result<(), String> {
        let entries = self.map(v, key)?;
        let is_custom = |e: &load::Entry| self.doc.scalar(e.key) == Some("custom");
        for e in entries.iter().filter(|e| is_custom(e)) {
            if !self.doc.is_null(e.value) {
                self.custom_rules(e.value, "rules.custom", cfg)?;
            }
        }
        let custom = cfg.custom.clone();
        let out = &mut cfg.rules;
        let mut specific: Vec<&'static str> = Vec::new();
        for t in entries.iter().filter(|e| !is_custom(e)) {
            let rule = self.doc.scalar(t.key).unwrap_or_default();
            let k = format!("{key}.{rule}");
            let found = crate::rules::matching_in(rule, &custom)
                .map_err(|e| self.err(t.key, Some(&k), &e))?;
            let setting = self.rule_setting(t.value, &k)?;
            // A family or tag sets each of its rules, except those named on their own, which
            // keep their own setting wherever they are written.
            let alone = found.len() == 1 && crate::rules::find_in(rule.trim(), &custom).is_some();
            for r in found {
                let id = r.meta().id;
                if alone {
                    out.retain(|(i, _)| *i != id);
                    specific.push(id);
                } else if specific.contains(&id) {
                    continue;
                } else {
                    out.retain(|(i, _)| *i != id);
                }
                out.push((id, setting));
            }
        }
        Ok(())
    }

    fn rule_setting(&self, v: NodeId, key: &str) -> Result<RuleSetting, String> {
        match self.string(v, key)? {
            "off" => Ok(RuleSetting::Off),
            "on" => Ok(RuleSetting::On),
            "error" => Ok(RuleSetting::Severity(Severity::Error)),
            "warning" => Ok(RuleSetting::Severity(Severity::Warning)),
            "note" => Ok(RuleSetting::Severity(Severity::Note)),
            other => Err(self.err(
                v,
                Some(key),
                &format!("not a rule setting: {other:?} (off, on, error, warning, note)"),
            )),
        }
    }

    fn render_timeout(&self, v: NodeId, key: &str) -> Result<u64, String> {
        let s = self.string(v, key)?;
        s.parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| self.err(v, Some(key), "expected a number of seconds (at least 1)"))
    }

    /// The line `node` is on.
    fn line(&self, node: NodeId) -> u32 {
        self.doc.span(node).start.line
    }

    /// The `helm` section.
    fn helm(&self, v: NodeId, key: &str, cfg: &mut Config) -> Result<(), String> {
        let helm = &mut cfg.helm;
        for h in self.map(v, key)? {
            let sub = self.doc.scalar(h.key).unwrap_or_default();
            let k = format!("helm.{sub}");
            let hv = h.value;
            if self.doc.is_null(hv) {
                continue;
            }
            match sub {
                "binary" => {
                    helm.binary = Some(PathBuf::from(self.string(hv, &k)?));
                    cfg.guarded.push((Guarded::HelmBinary, self.line(hv)));
                }
                "releaseName" => helm.release_name = Some(self.string(hv, &k)?.to_string()),
                "namespace" => helm.namespace = Some(self.string(hv, &k)?.to_string()),
                "dependencyBuild" => {
                    helm.dependency_build = self.bool(hv, &k)?;
                    if helm.dependency_build {
                        cfg.guarded.push((Guarded::DependencyBuild, self.line(hv)));
                    }
                }
                "values" => {
                    helm.values = self
                        .strings(hv, &k)?
                        .into_iter()
                        .map(PathBuf::from)
                        .collect()
                }
                "set" => helm.set = self.set_list(hv, &k)?,
                "charts" => {
                    for c in self.map(hv, &k)? {
                        helm.charts.push(self.chart_renders(c, &k)?);
                    }
                }
                _ => {
                    return Err(self.err(
                        h.key,
                        Some(&k),
                        "unknown key (known: binary, releaseName, namespace, dependencyBuild, values, set, charts)",
                    ));
                }
            }
        }
        Ok(())
    }

    /// One entry of `helm.charts`: a chart directory and its renders (none when null).
    fn chart_renders(
        &self,
        c: load::Entry,
        key: &str,
    ) -> Result<crate::load::render::ChartRenders, String> {
        let dir = self.doc.scalar(c.key).unwrap_or_default();
        let ck = format!("{key}.{dir}");
        let mut renders = Vec::new();
        let items = if self.doc.is_null(c.value) {
            Vec::new()
        } else {
            self.list(c.value, &ck)?
        };
        for item in items {
            renders.push(self.helm_render(item, &ck)?);
        }
        Ok(crate::load::render::ChartRenders {
            dir: PathBuf::from(dir),
            renders,
        })
    }

    /// The `kustomize` section.
    fn kustomize(&self, v: NodeId, key: &str, cfg: &mut Config) -> Result<(), String> {
        for h in self.map(v, key)? {
            let sub = self.doc.scalar(h.key).unwrap_or_default();
            let k = format!("kustomize.{sub}");
            if self.doc.is_null(h.value) {
                continue;
            }
            match sub {
                "render" => cfg.kustomize_render = Some(self.bool(h.value, &k)?),
                "binary" => {
                    cfg.kustomize_binary = Some(PathBuf::from(self.string(h.value, &k)?));
                    cfg.guarded
                        .push((Guarded::KustomizeBinary, self.line(h.value)));
                }
                _ => {
                    return Err(self.err(h.key, Some(&k), "unknown key (known: render, binary)"));
                }
            }
        }
        Ok(())
    }
}

/// `rules.custom`: the team's own rules, in CEL, written like ValidatingAdmissionPolicy
/// validations.
impl Reader<'_> {
    fn custom_rules(&self, v: NodeId, key: &str, cfg: &mut Config) -> Result<(), String> {
        let mut written = Vec::new();
        for item in self.list(v, key)? {
            let (spec, nodes) = self.custom_rule(item, key)?;
            let k = format!("{key}.{}", spec.id);
            if written
                .iter()
                .any(|(s, _): &(CustomRuleSpec, CustomNodes)| s.id.eq_ignore_ascii_case(&spec.id))
            {
                return Err(self.err(
                    nodes.id,
                    Some(&k),
                    "this id is given to another custom rule above (ids are unique, whatever their letter case)",
                ));
            }
            written.push((spec, nodes));
        }
        self.custom_slugs(&mut written, key)?;
        for (spec, nodes) in written {
            let k = format!("{key}.{}", spec.id);
            let expression = spec.expression.clone();
            let rule = CustomRule::new(spec).map_err(|e| {
                at(
                    self.name,
                    self.in_expression(nodes.expression, &expression, e.offset),
                    Some(&format!("{k}.expression")),
                    &format!("the expression does not compile: {}", e.message),
                )
            })?;
            if let Some(u) = rule.unsupported() {
                let at = self.in_expression(nodes.expression, &expression, u.offset);
                cfg.notices.push(crate::finding::result::Notice {
                    file: self.name.to_string(),
                    line: Some(at.line),
                    message: format!(
                        "custom rule {} is not evaluated: keelhaul's CEL engine does not implement `{}`; it judges no object (neither passed nor failed)",
                        rule.meta().id,
                        u.name
                    ),
                    verbose: false,
                });
            }
            cfg.custom.push(rule);
        }
        Ok(())
    }

    /// The custom rules' slugs: each rule's `name`, which no other rule may have, or one
    /// made from its message, numbered (`-2`, `-3`, ...) when another rule has it already.
    /// A slug must not name keelhaul's own rules (an id, slug, family or tag) nor another
    /// custom rule, since configuration and suppressions name rules by either.
    fn custom_slugs(
        &self,
        written: &mut [(CustomRuleSpec, CustomNodes)],
        key: &str,
    ) -> Result<(), String> {
        let ids: Vec<String> = written
            .iter()
            .map(|(s, _)| s.id.to_ascii_lowercase())
            .collect();
        let mut slugs: Vec<Option<String>> = written
            .iter()
            .map(|(s, n)| n.name.map(|_| s.slug.clone()))
            .collect();
        // Whether `slug` names a rule other than the `i`th.
        let taken = |slugs: &[Option<String>], i: usize, slug: &str| {
            slug == "custom"
                || crate::rules::matching(slug).is_ok()
                || ids.iter().enumerate().any(|(j, id)| j != i && id == slug)
                || slugs
                    .iter()
                    .enumerate()
                    .any(|(j, s)| j != i && s.as_deref() == Some(slug))
        };
        for (i, (spec, nodes)) in written.iter().enumerate() {
            if let Some(node) = nodes.name
                && taken(&slugs, i, &spec.slug)
            {
                return Err(self.err(
                    node,
                    Some(&format!("{key}.{}.name", spec.id)),
                    &format!(
                        "{:?} already names a rule (keelhaul's own, or another custom rule): choose another name",
                        spec.slug
                    ),
                ));
            }
        }
        for (i, (spec, _)) in written.iter_mut().enumerate() {
            if let Some(name) = &slugs[i] {
                spec.slug = name.clone();
                continue;
            }
            let base = crate::rules::custom::slug_of_message(&spec.message);
            let mut slug = base.clone();
            let mut n = 2;
            while taken(&slugs, i, &slug) {
                slug = format!("{base}-{n}");
                n += 1;
            }
            spec.slug = slug.clone();
            slugs[i] = Some(slug);
        }
        Ok(())
    }

    /// Where byte `offset` of the expression written at `node` is: exact in a one-line plain
    /// or quoted scalar and in a literal block, else the start of the expression.
    fn in_expression(&self, node: NodeId, expression: &str, offset: usize) -> Pos {
        crate::load::place::place_in_scalar(self.doc, node, expression, offset).start
    }

    /// One custom rule as written, checked but not compiled, with the nodes of its id and
    /// expression.
    fn custom_rule(
        &self,
        item: NodeId,
        key: &str,
    ) -> Result<(CustomRuleSpec, CustomNodes), String> {
        let mut spec = CustomRuleSpec {
            id: String::new(),
            slug: String::new(),
            api_groups: Vec::new(),
            kinds: Vec::new(),
            expression: String::new(),
            message: String::new(),
            severity: Severity::Warning,
        };
        let (mut id, mut name, mut expression, mut message) = (None, None, None, None);
        for e in self.map(item, &format!("{key}[]"))? {
            let sub = self.doc.scalar(e.key).unwrap_or_default();
            let k = format!("{key}[].{sub}");
            match sub {
                "id" => id = Some(e.value),
                "name" => name = Some(e.value),
                "expression" => expression = Some(e.value),
                "message" => message = Some(e.value),
                "match" => self.custom_match(e.value, &k, &mut spec)?,
                "severity" => {
                    spec.severity = match self.string(e.value, &k)? {
                        "error" => Severity::Error,
                        "warning" => Severity::Warning,
                        "note" => Severity::Note,
                        other => {
                            return Err(self.err(
                                e.value,
                                Some(&k),
                                &format!("not a severity: {other:?} (error, warning, note)"),
                            ));
                        }
                    }
                }
                _ => {
                    return Err(self.err(
                        e.key,
                        Some(&k),
                        "unknown key (known: id, name, match, expression, message, severity)",
                    ));
                }
            }
        }
        let required = |node: Option<NodeId>, k: &str| {
            node.filter(|n| !self.doc.is_null(*n))
                .ok_or_else(|| self.err(item, Some(k), "required, and not given"))
        };
        let id = required(id, &format!("{key}[].id"))?;
        let k = format!("{key}[].id");
        spec.id = self.string(id, &k)?.to_string();
        if let Some(problem) = crate::rules::custom::id_problem(&spec.id) {
            return Err(self.err(id, Some(&k), &problem));
        }
        if crate::rules::matching(&spec.id).is_ok() {
            return Err(self.err(
                id,
                Some(&k),
                &format!(
                    "{:?} names keelhaul's own rules (a slug, family or tag): choose another id",
                    spec.id
                ),
            ));
        }
        let k = format!("{key}.{}", spec.id);
        if let Some(n) = name {
            spec.slug = self.string(n, &format!("{k}.name"))?.to_string();
            if let Some(problem) = crate::rules::custom::slug_problem(&spec.slug) {
                return Err(self.err(n, Some(&format!("{k}.name")), &problem));
            }
        }
        let expression = required(expression, &format!("{k}.expression"))?;
        spec.expression = self
            .string(expression, &format!("{k}.expression"))?
            .to_string();
        let message = required(message, &format!("{k}.message"))?;
        spec.message = self
            .string(message, &format!("{k}.message"))?
            .trim()
            .to_string();
        if spec.message.is_empty() {
            return Err(self.err(
                message,
                Some(&format!("{k}.message")),
                "the message is empty",
            ));
        }
        Ok((
            spec,
            CustomNodes {
                id,
                name,
                expression,
            },
        ))
    }

    /// A custom rule's `match`: `apiGroups` and `kinds`.
    fn custom_match(&self, v: NodeId, key: &str, spec: &mut CustomRuleSpec) -> Result<(), String> {
        for e in self.map(v, key)? {
            let sub = self.doc.scalar(e.key).unwrap_or_default();
            let k = format!("{key}.{sub}");
            match sub {
                "apiGroups" => spec.api_groups = self.strings_or_empty(e.value, &k)?,
                "kinds" => spec.kinds = self.strings(e.value, &k)?,
                _ => {
                    return Err(self.err(e.key, Some(&k), "unknown key (known: apiGroups, kinds)"));
                }
            }
        }
        Ok(())
    }

    /// A list of strings where `""` is a value (the core API group).
    fn strings_or_empty(&self, v: NodeId, key: &str) -> Result<Vec<String>, String> {
        self.list(v, key)?
            .into_iter()
            .map(|n| match self.doc.scalar(n) {
                Some(s) => Ok(s.to_string()),
                None => Err(self.err(n, Some(key), "expected a single value")),
            })
            .collect()
    }
}

/// Where a custom rule's id, name and expression are written.
struct CustomNodes {
    id: NodeId,
    name: Option<NodeId>,
    expression: NodeId,
}

/// The file `keelhaul init` writes: every setting, commented out, with its meaning and default.
pub fn starter() -> String {
    format!(
        r#"# keelhaul configuration. keelhaul reads the first .keelhaul.yaml (or .keelhaul.yml) found
# in the scanned directory or above it, up to the git root; `--config FILE` names one instead.
# A flag given on the command line wins over this file; list flags (--include, --exclude,
# --exempt-namespace, --metadata-endpoint) add to the lists here.
# Uncomment a setting to use it.

# The Kubernetes version the manifests will run on (--kube-version).
# Default: {newest}, the newest released minor keelhaul knows.
#kubeVersion: "{newest}"

# Judge every workload by this Pod Security Standards level: baseline or restricted (--pss).
# Default: not set (no KH120 findings).
#pss: restricted

# Exit with 1 when a finding has this severity or a higher one: error, warning, note or
# never (--fail-on). Default: error.
#failOn: error

# The namespace of resources that name none (--default-namespace). Default: default.
#defaultNamespace: default

# Only scan files matching these globs, gitignore syntax, relative to the scanned
# directory (--include). Default: every .yaml, .yml and .json file.
#include: ["k8s/**"]

# Skip files matching these globs (--exclude). Default: none.
#exclude: ["charts/**"]

# Namespaces the namespace-level rules (KH131, KH401) leave alone (--exempt-namespace).
# Default: none.
#exemptNamespaces: [kube-system]

# Egress destinations pods must not reach, as CIDRs (--metadata-endpoint).
# Default: 169.254.169.254/32, the instance metadata endpoint.
#metadataEndpoints: ["169.254.169.254/32", "168.63.129.16/32"]

# Releases of components whose CRD versions keelhaul knows: cert-manager, istio,
# external-snapshotter, or k8s for kubeVersion (--target). Default: the newest release.
#targets: {{cert-manager: "1.5"}}

# Per rule (by id or slug): off (do not run it, as --ignore), on, or a severity that
# replaces the rule's own: error, warning or note. Default: every rule on, at its severity.
# `custom` adds rules of your own: a CEL expression that must be true of every object the
# rule matches (as a ValidatingAdmissionPolicy validation), with `object` the object; the
# finding carries the message. Severity: error, warning (default) or note.
#rules:
#  KH114: off
#  privileged: warning
#  custom:
#    - id: ACME001
#      match: {{apiGroups: ["apps"], kinds: ["Deployment", "StatefulSet"]}}
#      expression: "object.spec.template.spec.containers.all(c, c.image.startsWith('acme.azurecr.io/'))"
#      message: "images come from the company registry"
#      severity: error

# Render Helm charts (directories with Chart.yaml) and Kustomize overlays before checking
# them, and report on the template, base or patch lines (false: as --no-render; required:
# as --require-render, a chart or overlay that cannot be rendered fails the scan).
# Default: true, with the helm and kustomize (or kubectl) found on PATH.
#render: true

# Seconds a render may run before it is stopped and reported (KH010). Default: 120.
#renderTimeout: 120

# How charts are rendered. Paths are relative to this file, but a render's values files,
# which are relative to its chart. Default: each chart once, release "release-name", the
# default namespace, the chart's own values.yaml.
#helm:
#  releaseName: web
#  namespace: apps
#  dependencyBuild: false
#  values: [ci/common-values.yaml]
#  set: ["image.tag=ci"]
#  charts:
#    charts/web:
#      - name: staging
#        values: [values-staging.yaml]
#      - name: prod
#        values: [values-prod.yaml]
#        set: ["replicaCount=3"]

# How overlays are rendered (render: false checks their files one by one).
#kustomize:
#  render: true
"#,
        newest = KubeVersion::NEWEST_RELEASED
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_loads_commented_and_uncommented() {
        let text = starter();
        let cfg = parse(&text, "s").unwrap();
        assert!(cfg.rules.is_empty() && cfg.fail_on.is_none());
        // Every commented-out setting is valid once uncommented.
        let uncommented: String = text
            .lines()
            .map(|l| match l.strip_prefix('#') {
                Some(rest) if rest.starts_with(|c: char| c.is_ascii_alphabetic()) => rest,
                Some(rest) if rest.starts_with("  ") => rest,
                _ => l,
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let cfg = parse(&uncommented, "s").unwrap();
        assert_eq!(cfg.kube_version, Some(KubeVersion::NEWEST_RELEASED));
        assert_eq!(cfg.pss, Some(Level::Restricted));
        assert_eq!(cfg.fail_on, Some(FailOn::Error));
        assert_eq!(cfg.default_namespace.as_deref(), Some("default"));
        assert_eq!(cfg.include, ["k8s/**"]);
        assert_eq!(cfg.exclude, ["charts/**"]);
        assert_eq!(cfg.exempt_namespaces, ["kube-system"]);
        assert_eq!(cfg.metadata_endpoints.len(), 2);
        assert_eq!(cfg.targets.len(), 1);
        assert_eq!(cfg.custom.len(), 1);
        assert_eq!(
            cfg.rules,
            [
                ("KH114", RuleSetting::Off),
                ("KH101", RuleSetting::Severity(Severity::Warning))
            ]
        );
    }

    #[test]
    fn errors_name_the_place_and_the_key() {
        let e = parse("failOn: never\nfoo: 1\n", "c.yaml").unwrap_err();
        assert!(e.starts_with("c.yaml:2:1: foo: unknown key"), "{e}");
        let e = parse("rules:\n  KH999: off\n", "c.yaml").unwrap_err();
        assert!(
            e.starts_with("c.yaml:2:3: rules.KH999: unknown rule"),
            "{e}"
        );
        let e = parse("rules:\n  KH101: loud\n", "c.yaml").unwrap_err();
        assert!(
            e.starts_with("c.yaml:2:10: rules.KH101: not a rule setting"),
            "{e}"
        );
        let e = parse("include: k8s\n", "c.yaml").unwrap_err();
        assert!(e.contains("include: expected a list"), "{e}");
        let e = parse("kubeVersion: 2.1\n", "c.yaml").unwrap_err();
        assert!(e.starts_with("c.yaml:1:14: kubeVersion:"), "{e}");
        assert!(parse("", "c.yaml").unwrap().rules.is_empty());
        assert!(parse("# only comments\n", "c.yaml").is_ok());
    }

    const CUSTOM: &str = "rules:\n  ACME001: note\n  custom:\n    - id: ACME001\n      match: {apiGroups: [\"\", apps], kinds: [Deployment]}\n      expression: \"object.spec.replicas <= 5\"\n      message: at most 5\n      severity: error\n";

    #[test]
    fn a_custom_rule_is_read_and_compiled() {
        let cfg = parse(CUSTOM, "c.yaml").unwrap();
        assert_eq!(cfg.custom.len(), 1);
        let rule = cfg.custom[0];
        let m = rule.meta();
        assert_eq!(
            (m.id, m.title, m.severity, m.family),
            (
                "ACME001",
                "at most 5",
                Severity::Error,
                crate::finding::Family::Custom
            )
        );
        assert_eq!(rule.expression(), "object.spec.replicas <= 5");
        // The setting written before the rule names it.
        assert_eq!(
            cfg.rules,
            [("ACME001", RuleSetting::Severity(Severity::Note))]
        );
        assert!(cfg.notices.is_empty());
        // Severity defaults to warning.
        let cfg = parse(&CUSTOM.replace("      severity: error\n", ""), "c.yaml").unwrap();
        assert_eq!(cfg.custom[0].meta().severity, Severity::Warning);
    }

    #[test]
    fn custom_rule_errors_name_the_place() {
        let e = parse(&CUSTOM.replace("id: ACME001", "id: Kh001"), "c.yaml").unwrap_err();
        assert!(
            e.starts_with("c.yaml:4:11: rules.custom[].id: \"Kh001\": ids starting with KH"),
            "{e}"
        );
        let twice =
            format!("{CUSTOM}    - id: acme001\n      expression: \"true\"\n      message: m\n");
        let e = parse(&twice, "c.yaml").unwrap_err();
        assert!(
            e.starts_with("c.yaml:9:11: rules.custom.acme001: this id is given to another"),
            "{e}"
        );
        let e = parse(&CUSTOM.replace("      message: at most 5\n", ""), "c.yaml").unwrap_err();
        assert!(
            e.starts_with("c.yaml:4:7: rules.custom.ACME001.message: required"),
            "{e}"
        );
        // `<= =`: the lone `=` is 24 bytes into the expression, which starts on column 20.
        let bad = CUSTOM.replace("replicas <= 5", "replicas <= = 5");
        let e = parse(&bad, "c.yaml").unwrap_err();
        assert!(
            e.starts_with(
                "c.yaml:6:44: rules.custom.ACME001.expression: the expression does not compile"
            ),
            "{e}"
        );
        // A plain scalar: the column is counted from its first character.
        let plain = CUSTOM.replace(
            "\"object.spec.replicas <= 5\"",
            "object.spec.replicas <= = 5",
        );
        let e = parse(&plain, "c.yaml").unwrap_err();
        assert!(e.starts_with("c.yaml:6:43: "), "{e}");
        // A literal block: the line and column of the lone `=` (its line keeps the two
        // spaces it has beyond the block's indentation).
        let block = CUSTOM.replace(
            "\"object.spec.replicas <= 5\"",
            "|\n        object.spec.replicas\n          <= = 5",
        );
        let e = parse(&block, "c.yaml").unwrap_err();
        assert!(e.starts_with("c.yaml:8:14: "), "{e}");
        // A folded block joins its lines: where the expression starts.
        let folded = block.replace("expression: |", "expression: >");
        let e = parse(&folded, "c.yaml").unwrap_err();
        assert!(e.starts_with("c.yaml:7:9: "), "{e}");
        let e = parse(
            &CUSTOM.replace("severity: error", "severity: loud"),
            "c.yaml",
        )
        .unwrap_err();
        assert!(
            e.starts_with("c.yaml:8:17: rules.custom[].severity: not a severity"),
            "{e}"
        );
        let e = parse(&CUSTOM.replace("kinds:", "kind:"), "c.yaml").unwrap_err();
        assert!(e.contains("rules.custom[].match.kind: unknown key"), "{e}");
    }
}
