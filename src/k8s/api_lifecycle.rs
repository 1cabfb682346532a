//! API lifecycle: which group/version/kinds are deprecated or no longer served, from which
//! version, what replaces them and what a manifest must change to move.
//!
//! The facts are data, not code: `rules/api-lifecycle.yaml` (Kubernetes' built-in APIs) and
//! `rules/crd-api-lifecycle.yaml` (well-known CRDs, versioned by their own releases) are
//! embedded at build time and read once, with keelhaul's own loader, on first use.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::load::scalar::Value;
use crate::load::{self, Document, NodeId};
use crate::span::Span;

/// A release: Kubernetes `1.25`, cert-manager `1.6`. Patch releases do not matter here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
}

impl Version {
    /// `1.25`, `v1.25`, `1.25.3`, `v0.11.0`.
    pub fn parse(s: &str) -> Option<Version> {
        let t = s.trim();
        let t = t.strip_prefix('v').unwrap_or(t);
        let mut parts = t.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        if let Some(patch) = parts.next() {
            // `1.6.0`, `1.6.0-beta.1`: the patch part is read and dropped.
            let digits = patch.split(['-', '+']).next()?;
            digits.parse::<u32>().ok()?;
        }
        if parts.next().is_some() {
            return None;
        }
        Some(Version { major, minor })
    }

    pub fn kube(v: crate::k8s::version::KubeVersion) -> Version {
        Version {
            major: 1,
            minor: v.0,
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// One step of a field path: a mapping key, and whether the value is a list whose every
/// item the rest of the path applies to (`containers[*]`).
#[derive(Debug, Clone)]
pub struct Segment {
    pub key: String,
    pub each: bool,
}

/// What a migration asks of a manifest, and so when a manifest trips it.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// The replacement needs the field: trips when it is missing.
    Required,
    /// The field does not exist in the replacement: trips when it is present.
    Removed,
    /// The field is another one in the replacement: trips when it is present.
    Moved { to: String },
    /// The replacement defaults the field differently: trips when it is not set.
    Default,
    /// An empty mapping means something else in the replacement: trips when it is `{}`.
    IfEmpty,
    /// Only these values are accepted by the replacement: trips on any other.
    Value { allowed: Vec<String> },
}

#[derive(Debug, Clone)]
pub struct Migration {
    pub check: Check,
    /// The path as written in the table (`spec.rules[*].http.paths[*].backend.serviceName`).
    pub path: String,
    pub segments: Vec<Segment>,
    /// The migration does not apply when this field has this value (`spec.strategy.type`
    /// `Recreate` has no rolling-update settings).
    pub unless: Option<(Vec<Segment>, String)>,
    /// One sentence: what changes.
    pub text: String,
}

/// A component whose CRDs have a lifecycle of their own (`--target cert-manager=1.6`).
#[derive(Debug, Clone)]
pub struct Component {
    pub name: String,
    pub title: String,
    pub groups: Vec<String>,
}

/// One row of a table: an apiVersion and the kinds sharing a lifecycle.
#[derive(Debug, Clone)]
pub struct Row {
    /// `None` for Kubernetes' own APIs; else an index into `Table::components`.
    pub component: Option<usize>,
    /// `batch/v1beta1`; for a row about every version of a group, the group.
    pub api_version: String,
    /// The row covers every version of the group `api_version` (`group/*` in the table).
    pub any_version: bool,
    /// Empty: every kind of the apiVersion.
    pub kinds: Vec<String>,
    pub deprecated: Option<Version>,
    pub removed: Option<Version>,
    /// The removal is only the generator's schedule, not an announced one.
    pub scheduled: bool,
    /// Empty when nothing replaces it.
    pub replacement: String,
    pub replacement_since: Option<Version>,
    /// The replacement is another kind (Endpoints → EndpointSlice).
    pub replacement_kind: Option<String>,
    /// Versions to move to on a cluster that does not serve the replacement yet, with the
    /// first version serving each.
    pub interim: Vec<(String, Version)>,
    /// Whether a manifest that trips no migration may have its apiVersion rewritten; false
    /// when moving may need changes the table cannot list.
    pub autofix: bool,
    /// What to do instead when there is no replacement.
    pub advice: Option<String>,
    pub migrations: Vec<Migration>,
    pub sources: Option<String>,
    pub note: Option<String>,
}

/// Where an object stands at a target version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Not served: the API server rejects the manifest.
    Removed,
    /// Served, deprecated.
    Deprecated,
    Current,
}

impl Row {
    /// `target`: the version the manifest will run on; `None` means the newest release of
    /// the component (every announced deprecation and removal applies).
    pub fn status(&self, target: Option<Version>) -> Status {
        let reached = |v: Option<Version>| match (v, target) {
            (Some(v), Some(t)) => v <= t,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if reached(self.removed) {
            Status::Removed
        } else if reached(self.deprecated) {
            Status::Deprecated
        } else {
            Status::Current
        }
    }

    /// Whether the replacement is served at `target`.
    pub fn replacement_served(&self, target: Option<Version>) -> bool {
        match (self.replacement_since, target) {
            (Some(since), Some(t)) => since <= t,
            _ => true,
        }
    }

    fn covers(&self, kind: &str) -> bool {
        self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind)
    }
}

/// The lifecycle tables, indexed by apiVersion.
#[derive(Debug, Default)]
pub struct Table {
    pub rows: Vec<Row>,
    pub components: Vec<Component>,
    by_api_version: HashMap<String, Vec<usize>>,
    by_group: HashMap<String, Vec<usize>>,
}

pub const KUBERNETES_TABLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/rules/api-lifecycle.yaml"
));
pub const CRD_TABLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/rules/crd-api-lifecycle.yaml"
));

/// The embedded tables. They are checked by the test suite; a broken table is a build bug.
pub static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let mut t = Table::default();
    t.read(KUBERNETES_TABLE, false)
        .unwrap_or_else(|e| panic!("rules/api-lifecycle.yaml: {e}"));
    t.read(CRD_TABLE, true)
        .unwrap_or_else(|e| panic!("rules/crd-api-lifecycle.yaml: {e}"));
    t
});

impl Table {
    /// The row about `kind` in `api_version`, if any.
    pub fn lookup(&self, api_version: &str, kind: &str) -> Option<&Row> {
        let exact = self.by_api_version.get(api_version).into_iter().flatten();
        let group = api_version.rsplit_once('/').map_or(api_version, |(g, _)| g);
        let any = self.by_group.get(group).into_iter().flatten();
        exact
            .chain(any)
            .map(|&i| &self.rows[i])
            .find(|r| r.covers(kind))
    }

    pub fn component(&self, name: &str) -> Option<usize> {
        self.components
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Reads one table's text into `self`.
    pub fn read(&mut self, text: &str, components: bool) -> Result<(), String> {
        let loaded = load::load_text(text);
        if let Some(p) = loaded.problems.first() {
            return Err(format!("{p:?}"));
        }
        let doc = loaded.docs.first().ok_or("empty table")?;
        let root = doc.root.ok_or("empty table")?;
        let at = |n: NodeId| format!("line {}", doc.span(n).start.line);
        if components {
            let list = doc.get(root, "components").ok_or("no `components:`")?;
            for &c in doc.items(list) {
                let name = doc
                    .get_str(c, "name")
                    .ok_or_else(|| format!("{}: component without a name", at(c)))?;
                self.components.push(Component {
                    name: name.to_string(),
                    title: doc.get_str(c, "title").unwrap_or(name).to_string(),
                    groups: strings(doc, doc.get(c, "groups")),
                });
            }
        }
        let list = doc.get(root, "apis").ok_or("no `apis:`")?;
        for &item in doc.items(list) {
            let row = self
                .read_row(doc, item, components)
                .map_err(|e| format!("{}: {e}", at(item)))?;
            let i = self.rows.len();
            if row.any_version {
                self.by_group
                    .entry(row.api_version.clone())
                    .or_default()
                    .push(i);
            } else {
                self.by_api_version
                    .entry(row.api_version.clone())
                    .or_default()
                    .push(i);
            }
            self.rows.push(row);
        }
        Ok(())
    }

    fn read_row(&self, doc: &Document, item: NodeId, components: bool) -> Result<Row, String> {
        let text = |key: &str| -> Option<String> {
            match doc.value(doc.get(item, key)?)? {
                Value::Str(s) => Some(s.to_string()),
                _ => None,
            }
        };
        let version = |key: &str| -> Result<Option<Version>, String> {
            match doc.get(item, key).map(|n| (n, doc.value(n))) {
                None | Some((_, Some(Value::Null))) => Ok(None),
                Some((_, Some(Value::Str(s)))) => Version::parse(s)
                    .map(Some)
                    .ok_or_else(|| format!("{key}: not a version: {s:?}")),
                Some(_) => Err(format!("{key}: write versions as quoted strings")),
            }
        };
        let component = if components {
            let name = text("component").ok_or("no component")?;
            Some(
                self.component(&name)
                    .ok_or_else(|| format!("unknown component {name:?}"))?,
            )
        } else {
            None
        };
        let written = text("apiVersion").ok_or("no apiVersion")?;
        let (api_version, any_version) = match written.strip_suffix("/*") {
            Some(group) => (group.to_string(), true),
            None => (written, false),
        };
        let kinds = match doc.get(item, "kinds") {
            Some(k) if doc.is_sequence(k) => strings(doc, Some(k)),
            _ => return Err("kinds: a list is expected".into()),
        };
        let mut migrations = Vec::new();
        if let Some(list) = doc.get(item, "migrations") {
            for &m in doc.items(list) {
                migrations.push(read_migration(doc, m)?);
            }
        }
        let row = Row {
            component,
            api_version,
            any_version,
            kinds,
            deprecated: version("deprecated")?,
            removed: version("removed")?,
            scheduled: matches!(
                doc.get(item, "scheduled").and_then(|n| doc.value(n)),
                Some(Value::Bool(true))
            ),
            replacement: text("replacement").unwrap_or_default(),
            replacement_since: version("replacementSince")?,
            replacement_kind: text("replacementKind"),
            interim: match doc.get(item, "interim") {
                None => Vec::new(),
                Some(list) => doc
                    .items(list)
                    .iter()
                    .map(|&i| {
                        let api = doc
                            .get_str(i, "apiVersion")
                            .ok_or("interim: no apiVersion")?;
                        let since = doc
                            .get_str(i, "since")
                            .and_then(Version::parse)
                            .ok_or("interim: no since")?;
                        Ok((api.to_string(), since))
                    })
                    .collect::<Result<_, String>>()?,
            },
            autofix: !matches!(
                doc.get(item, "autofix").and_then(|n| doc.value(n)),
                Some(Value::Bool(false))
            ),
            advice: text("advice"),
            migrations,
            sources: text("sources"),
            note: text("note"),
        };
        if let (Some(d), Some(r)) = (row.deprecated, row.removed)
            && d > r
        {
            return Err(format!("deprecated in {d}, after its removal in {r}"));
        }
        if row.deprecated.is_none() && row.removed.is_none() {
            return Err("neither deprecated nor removed".into());
        }
        Ok(row)
    }
}

/// The rows of Kubernetes' own table (`components == false`) or of the CRD table, as a
/// Markdown table for the rule pages.
pub fn markdown_table(components: bool) -> String {
    let t = &*TABLE;
    let mut out = String::new();
    if components {
        out.push_str("| component | apiVersion | kinds | deprecated | removed | replacement | changes to make |\n|---|---|---|---|---|---|---|\n");
    } else {
        out.push_str("| apiVersion | kinds | deprecated | removed | replacement | changes to make |\n|---|---|---|---|---|---|\n");
    }
    let ver = |v: Option<Version>| v.map_or_else(|| "–".to_string(), |v| v.to_string());
    for r in t
        .rows
        .iter()
        .filter(|r| r.component.is_some() == components)
    {
        let api = if r.any_version {
            format!("{}/*", r.api_version)
        } else {
            r.api_version.clone()
        };
        let kinds = if r.kinds.is_empty() {
            "every kind".to_string()
        } else {
            r.kinds.join(", ")
        };
        let removed = match r.removed {
            Some(v) if r.scheduled => format!("{v} (scheduled)"),
            v => ver(v),
        };
        let replacement = match (&*r.replacement, &r.replacement_kind, r.replacement_since) {
            ("", _, _) => r.advice.clone().unwrap_or_else(|| "none".to_string()),
            (rep, Some(k), Some(s)) => format!("{rep} {k} (from {s})"),
            (rep, Some(k), None) => format!("{rep} {k}"),
            (rep, None, Some(s)) => format!("{rep} (from {s})"),
            (rep, None, None) => rep.to_string(),
        };
        let changes = if r.migrations.is_empty() {
            match (&*r.replacement, &r.replacement_kind) {
                ("", _) => "–".to_string(),
                (_, Some(k)) => format!("rewrite the object as {k}"),
                _ if !r.autofix => "fields may differ: check the new version's reference".into(),
                _ => "none: only the apiVersion (`--fix`)".to_string(),
            }
        } else {
            r.migrations
                .iter()
                .map(|m| m.text.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        };
        let cells = [api, kinds, ver(r.deprecated), removed, replacement, changes];
        if components {
            let c = r.component.map_or("", |c| t.components[c].name.as_str());
            out.push_str(&format!("| {c} "));
        }
        for c in cells {
            out.push_str("| ");
            out.push_str(&c.replace('|', "\\|"));
            out.push(' ');
        }
        out.push_str("|\n");
    }
    out
}

/// A rule page with its generated parts filled in (`<!-- table: kubernetes -->`,
/// `<!-- table: crd -->`).
pub fn expand_page(page: &str) -> std::borrow::Cow<'_, str> {
    const K: &str = "<!-- table: kubernetes -->";
    const C: &str = "<!-- table: crd -->";
    if !page.contains(K) && !page.contains(C) {
        return page.into();
    }
    page.replace(K, markdown_table(false).trim_end())
        .replace(C, markdown_table(true).trim_end())
        .into()
}

fn strings(doc: &Document, list: Option<NodeId>) -> Vec<String> {
    list.map(|l| {
        doc.items(l)
            .iter()
            .filter_map(|&n| doc.scalar(n).map(str::to_string))
            .collect()
    })
    .unwrap_or_default()
}

fn read_migration(doc: &Document, m: NodeId) -> Result<Migration, String> {
    let s = |key: &str| doc.get_str(m, key).map(str::to_string);
    let text = s("text").ok_or("a migration without text")?;
    let (check, path) = if let Some(p) = s("required") {
        (Check::Required, p)
    } else if let Some(p) = s("removed") {
        (Check::Removed, p)
    } else if let Some(p) = s("moved") {
        let to = s("to").ok_or("moved: without to:")?;
        (Check::Moved { to }, p)
    } else if let Some(p) = s("default") {
        (Check::Default, p)
    } else if let Some(p) = s("ifEmpty") {
        (Check::IfEmpty, p)
    } else if let Some(p) = s("value") {
        let allowed = strings(doc, doc.get(m, "allowed"));
        if allowed.is_empty() {
            return Err("value: without allowed:".into());
        }
        (Check::Value { allowed }, p)
    } else {
        return Err(format!(
            "unknown migration at line {}",
            doc.span(m).start.line
        ));
    };
    let segments = parse_path(&path).ok_or_else(|| format!("bad path {path:?}"))?;
    let unless = match s("unless") {
        None => None,
        Some(u) => {
            let (p, v) = u.split_once('=').ok_or("unless: PATH=VALUE")?;
            let segs = parse_path(p.trim()).filter(|s| s.iter().all(|s| !s.each));
            Some((
                segs.ok_or("unless: a path without [*]")?,
                v.trim().to_string(),
            ))
        }
    };
    Ok(Migration {
        check,
        path,
        segments,
        unless,
        text,
    })
}

fn parse_path(p: &str) -> Option<Vec<Segment>> {
    p.split('.')
        .map(|part| {
            let (key, each) = match part.strip_suffix("[*]") {
                Some(k) => (k, true),
                None => (part, false),
            };
            (!key.is_empty() && !key.contains(['[', ']'])).then(|| Segment {
                key: key.to_string(),
                each,
            })
        })
        .collect()
}

/// Where a manifest trips a migration: the key to change, or the key of the mapping that
/// lacks a field.
#[derive(Debug, Clone, Copy)]
pub struct Trip<'m> {
    pub migration: &'m Migration,
    pub at: Span,
    /// The field is missing from this step of the path on (it is to be added to the
    /// mapping at `at`).
    pub missing: Option<usize>,
}

impl Trip<'_> {
    /// The part of the path to write where the trip points: `updateStrategy.type` when
    /// `spec` has no `updateStrategy`; the last key otherwise.
    pub fn field(&self) -> String {
        let segs = &self.migration.segments;
        let from = self.missing.unwrap_or(segs.len().saturating_sub(1));
        segs[from.min(segs.len().saturating_sub(1))..]
            .iter()
            .map(|s| s.key.as_str())
            .collect::<Vec<_>>()
            .join(".")
    }
}

impl Migration {
    /// Every place in the object at `root` that trips this migration.
    pub fn trips<'m>(&'m self, doc: &Document, root: NodeId, out: &mut Vec<Trip<'m>>) {
        if let Some((path, value)) = &self.unless {
            let keys: Vec<&str> = path.iter().map(|s| s.key.as_str()).collect();
            if doc.path(root, &keys).and_then(|n| doc.scalar(n)) == Some(value.as_str()) {
                return;
            }
        }
        // The object's own `kind:` key stands for the root when a top-level field is missing.
        let anchor = doc
            .entry(root, "kind")
            .map_or_else(|| Span::point(doc.span(root).start), |e| doc.span(e.key));
        self.walk(doc, root, anchor, 0, out);
    }

    fn walk<'m>(
        &'m self,
        doc: &Document,
        node: NodeId,
        anchor: Span,
        depth: usize,
        out: &mut Vec<Trip<'m>>,
    ) {
        let seg = &self.segments[depth];
        let last = depth + 1 == self.segments.len();
        let at_parent = |out: &mut Vec<Trip<'m>>| {
            out.push(Trip {
                migration: self,
                at: anchor,
                missing: Some(depth),
            });
        };
        let Some(entry) = doc.entry(node, &seg.key) else {
            if matches!(self.check, Check::Required | Check::Default) && !seg.each {
                at_parent(out);
            }
            return;
        };
        let value = entry.value;
        if seg.each {
            // A list: every item carries the rest of the path (an empty list trips nothing).
            if last {
                return;
            }
            for &item in doc.items(value) {
                if doc.is_mapping(item) {
                    // An item is pointed at by its first key (`- name: x`).
                    let first = doc.entries(item).next();
                    let anchor = first.map_or_else(|| doc.span(item), |e| doc.span(e.key));
                    self.walk(doc, item, anchor, depth + 1, out);
                }
            }
            return;
        }
        if !last {
            if doc.is_mapping(value) {
                self.walk(doc, value, doc.span(entry.key), depth + 1, out);
            } else if matches!(self.check, Check::Required | Check::Default) && doc.is_null(value) {
                at_parent(out);
            }
            return;
        }
        let trip = |span: Span| Trip {
            migration: self,
            at: span,
            missing: None,
        };
        match &self.check {
            Check::Required | Check::Default => {
                if doc.is_null(value) {
                    out.push(Trip {
                        missing: Some(depth),
                        ..trip(doc.span(entry.key))
                    });
                }
            }
            Check::Removed | Check::Moved { .. } => out.push(trip(doc.span(entry.key))),
            Check::IfEmpty => {
                if doc.is_mapping(value) && doc.entries(value).next().is_none() {
                    out.push(trip(doc.span(value)));
                }
            }
            Check::Value { allowed } => {
                if let Some(v) = doc.scalar(value)
                    && !allowed.iter().any(|a| a == v)
                {
                    out.push(trip(doc.span(value)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_load() {
        assert!(TABLE.rows.len() > 50);
        assert!(!TABLE.components.is_empty());
    }

    #[test]
    fn pages_get_their_tables() {
        let page = expand_page("# KH501\n\n<!-- table: kubernetes -->\n");
        assert!(
            page.contains("| batch/v1beta1 | CronJob | 1.21 | 1.25 | batch/v1 (from 1.21) |"),
            "{page}"
        );
        assert!(!page.contains("cert-manager.io"));
        let page = expand_page("<!-- table: crd -->");
        assert!(
            page.contains("| cert-manager | cert-manager.io/v1alpha2 |"),
            "{page}"
        );
    }

    #[test]
    fn versions_parse() {
        assert_eq!(
            Version::parse("v1.6.0"),
            Some(Version { major: 1, minor: 6 })
        );
        assert_eq!(
            Version::parse("0.11"),
            Some(Version {
                major: 0,
                minor: 11
            })
        );
        assert_eq!(Version::parse("1"), None);
        assert_eq!(Version::parse("1.x"), None);
    }

    fn trips(yaml: &str, path: &str, check: Check) -> Vec<(u32, bool)> {
        let l = load::load_text(yaml);
        let doc = &l.docs[0];
        let m = Migration {
            check,
            path: path.into(),
            segments: parse_path(path).unwrap(),
            unless: None,
            text: String::new(),
        };
        let mut out = Vec::new();
        m.trips(doc, doc.root.unwrap(), &mut out);
        out.iter()
            .map(|t| (t.at.start.line, t.missing.is_some()))
            .collect()
    }

    #[test]
    fn required_and_moved_fields() {
        let d = "kind: Deployment\nspec:\n  replicas: 1\n";
        assert_eq!(trips(d, "spec.selector", Check::Required), vec![(2, true)]);
        assert_eq!(
            trips("kind: X\n", "spec.selector", Check::Required),
            vec![(1, true)]
        );
        let ing = "kind: Ingress\nspec:\n  rules:\n    - http:\n        paths:\n          - backend:\n              serviceName: a\n          - backend:\n              service: {name: b}\n            pathType: Prefix\n";
        let p = "spec.rules[*].http.paths[*].backend.serviceName";
        assert_eq!(
            trips(ing, p, Check::Moved { to: "x".into() }),
            vec![(7, false)]
        );
        let p = "spec.rules[*].http.paths[*].pathType";
        assert_eq!(trips(ing, p, Check::Required), vec![(6, true)]);
        let pdb = "kind: PodDisruptionBudget\nspec:\n  selector: {}\n";
        assert_eq!(
            trips(pdb, "spec.selector", Check::IfEmpty),
            vec![(3, false)]
        );
        let wh = "kind: V\nwebhooks:\n  - sideEffects: Unknown\n  - sideEffects: None\n";
        let allowed = vec!["None".to_string(), "NoneOnDryRun".to_string()];
        assert_eq!(
            trips(wh, "webhooks[*].sideEffects", Check::Value { allowed }),
            vec![(3, false)]
        );
        assert!(
            trips(
                "kind: V\nwebhooks: []\n",
                "webhooks[*].sideEffects",
                Check::Required
            )
            .is_empty()
        );
    }
}
