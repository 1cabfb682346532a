//! API lifecycle rules (KH5xx): apiVersions that the target Kubernetes version (or the
//! target release of a well-known CRD's component) no longer serves or has deprecated, and
//! deprecated fields. Each finding points at the value to change, names the replacement and
//! what else the manifest must change; a pure rename carries a fix.

use std::borrow::Cow;

use super::rule_meta;
use crate::check::{Rule, Settings, Sink};
use crate::finding::fix::{Fix, scalar_edit};
use crate::finding::{Change, Gate, KubeVersion, RuleMeta, Severity};
use crate::index::Resource;
use crate::k8s::api_lifecycle::{Check, Row, Status, TABLE, Trip, Version};
use crate::k8s::pod_view::PodView;

rule_meta!(
    ApiRemoved,
    API_REMOVED,
    "KH501",
    "api-removed",
    Error,
    "An object uses an apiVersion that the target Kubernetes version no longer serves."
);
rule_meta!(
    ApiDeprecated,
    API_DEPRECATED,
    "KH502",
    "api-deprecated",
    Warning,
    "An object uses an apiVersion that is deprecated at the target Kubernetes version.",
    severity_note = "note when no removal is planned"
);
rule_meta!(
    CrdApiRemoved,
    CRD_API_REMOVED,
    "KH503",
    "crd-api-removed",
    Error,
    "An object uses an apiVersion of a well-known CRD that its component no longer serves."
);
rule_meta!(
    CrdApiDeprecated,
    CRD_API_DEPRECATED,
    "KH504",
    "crd-api-deprecated",
    Warning,
    "An object uses a deprecated apiVersion of a well-known CRD."
);
rule_meta!(
    DeprecatedField,
    DEPRECATED_FIELD,
    "KH505",
    "deprecated-field",
    Warning,
    "A manifest sets a deprecated field instead of its replacement."
);

/// Which of the four apiVersion rules a row at a status belongs to.
fn rule_for(row: &Row, status: Status) -> Option<&'static RuleMeta> {
    match (status, row.component.is_some()) {
        (Status::Removed, false) => Some(&API_REMOVED),
        (Status::Deprecated, false) => Some(&API_DEPRECATED),
        (Status::Removed, true) => Some(&CRD_API_REMOVED),
        (Status::Deprecated, true) => Some(&CRD_API_DEPRECATED),
        (Status::Current, _) => None,
    }
}

/// The version a row is judged at: `--kube-version` for Kubernetes' APIs, `--target` for a
/// component (`None`: its newest release).
fn target_of(row: &Row, settings: &Settings) -> Option<Version> {
    match row.component {
        None => Some(Version::kube(settings.kube_version)),
        Some(c) => settings
            .component_targets
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&TABLE.components[c].name))
            .map(|&(_, v)| v),
    }
}

/// How the product is named in messages: `Kubernetes 1.25`, `cert-manager 1.6`.
fn product(row: &Row) -> &str {
    row.component
        .map_or("Kubernetes", |c| TABLE.components[c].title.as_str())
}

/// One check for the four apiVersion rules: each rule reports only the findings that are its
/// own, so `--select`/`--ignore` work per rule.
fn check_api_version(me: &'static RuleMeta, r: &Resource<'_>, out: &mut Sink<'_>) {
    let Some(row) = TABLE.lookup(r.api_version, r.kind) else {
        return;
    };
    let target = target_of(row, out.settings);
    let status = row.status(target);
    if rule_for(row, status).is_none_or(|m| !std::ptr::eq(m, me)) {
        return;
    }
    let Some(entry) = r.doc.entry(r.node, "apiVersion") else {
        return;
    };
    let mut message = status_message(r, row, status, target);
    let chain = move_chain(row, r.kind, target);
    let (fix, trips) = advise_move(r, entry, &chain, target, &mut message);
    let f = out.report(me, entry.value, message);
    if status == Status::Removed {
        f.label("not served at the target version");
    } else {
        f.label("deprecated");
        // Deprecated with no removal planned: worth knowing, not worth a warning.
        if row.removed.is_none() {
            f.severity(Severity::Note);
        }
    }
    if let Some(fix) = fix {
        f.fix = Some(fix);
    }
    // Kubernetes' own APIs change with the cluster's minor, so an upgrade path can place
    // them; a CRD's follow its component's releases instead.
    let gate = match status {
        Status::Removed => row.removed.map(|v| (Change::Breaks, v)),
        _ => row.deprecated.map(|v| (Change::Deprecated, v)),
    };
    if row.component.is_none()
        && let Some((change, v)) = gate
        && v.major == 1
    {
        let deprecated = row
            .deprecated
            .filter(|d| d.major == 1)
            .map(|d| KubeVersion(d.minor));
        f.gate(
            Gate {
                change,
                at: KubeVersion(v.minor),
                deprecated_from: None,
            }
            .deprecated_from(deprecated),
        );
    }
    for (span, list) in related_places(&trips) {
        let label: Cow<'static, str> = list.join("; ").into();
        f.related(span, label);
    }
}

/// A version for a message; empty when there is none.
fn version_text(v: Option<Version>) -> String {
    v.map_or_else(String::new, |v| v.to_string())
}

/// The message's first part: what the target does with the object's apiVersion.
fn status_message(r: &Resource<'_>, row: &Row, status: Status, target: Option<Version>) -> String {
    let product = product(row);
    match status {
        Status::Removed => {
            let removed = version_text(row.removed);
            let scheduled = if row.scheduled { ", as scheduled" } else { "" };
            match target {
                Some(t) if Some(t) != row.removed => format!(
                    "{} {} is not served from {product} {removed}{scheduled} (target {t}): the API server rejects this manifest",
                    r.kind, r.api_version
                ),
                Some(_) => format!(
                    "{} {} is not served from {product} {removed}{scheduled}, the target: the API server rejects this manifest",
                    r.kind, r.api_version
                ),
                None => format!(
                    "{} {} is no longer served: {product} stopped serving it in {removed}",
                    r.kind, r.api_version
                ),
            }
        }
        _ => {
            let until = match row.removed {
                Some(rm) if row.scheduled => format!(", scheduled for removal in {rm}"),
                Some(rm) => format!(", removed in {rm}"),
                None => ", with no removal planned".to_string(),
            };
            format!(
                "{} {} is deprecated since {product} {}{until}",
                r.kind,
                r.api_version,
                version_text(row.deprecated)
            )
        }
    }
}

/// Where to move at the target: `row`, then its replacements as long as they are not served
/// either, or are deprecated with their own replacement served (8 steps at most). The last
/// row's replacement is the one to move to.
fn move_chain(row: &'static Row, kind: &str, target: Option<Version>) -> Vec<&'static Row> {
    let mut chain: Vec<&Row> = vec![row];
    let mut last = row;
    while chain.len() < 8
        && !last.replacement.is_empty()
        && last.replacement_kind.is_none()
        && let Some(next) = TABLE.lookup(&last.replacement, kind)
    {
        let skip = match next.status(target) {
            Status::Removed => true,
            Status::Deprecated => {
                !next.replacement.is_empty()
                    && next.replacement_kind.is_none()
                    && next.replacement_served(target)
            }
            Status::Current => false,
        };
        if !skip {
            break;
        }
        chain.push(next);
        last = next;
    }
    chain
}

/// Advice from the tables, to go inside a sentence: without its full stop, and with its
/// first letter in lower case unless it starts an acronym.
fn as_clause(s: &str) -> String {
    let s = s.trim_end_matches('.');
    let mut c = s.chars();
    match (c.next(), c.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase() => {
            format!("{}{}", a.to_lowercase(), &s[a.len_utf8()..])
        }
        _ => s.to_string(),
    }
}

/// Adds to `message` what to move to along `chain` (which starts at the object's own row),
/// and returns the fix, when the move is a pure rename, and the other changes the move
/// needs.
fn advise_move(
    r: &Resource<'_>,
    entry: crate::load::tree::Entry,
    chain: &[&'static Row],
    target: Option<Version>,
    message: &mut String,
) -> (Option<Box<Fix>>, Vec<Trip<'static>>) {
    let (Some(&row), Some(&last)) = (chain.first(), chain.last()) else {
        return (None, Vec::new());
    };
    let replacement = last.replacement.as_str();
    if replacement.is_empty() {
        message.push_str("; nothing replaces it");
        if let Some(a) = last.advice.as_deref().or(row.advice.as_deref()) {
            message.push_str(": ");
            message.push_str(&as_clause(a));
        }
    } else if let Some(kind) = &last.replacement_kind {
        message.push_str(&format!(
            "; use {replacement} {kind} instead (another kind: the object is to be rewritten)"
        ));
    } else if !last.replacement_served(target) {
        say_replacement_not_served_yet(message, last, r.kind, target, product(row));
    } else {
        return advise_served_replacement(r, entry, chain, target, message);
    }
    (None, Vec::new())
}

/// The replacement is newer than the target: move to an interim version served at the
/// target when there is one, or upgrade the cluster first.
fn say_replacement_not_served_yet(
    message: &mut String,
    last: &Row,
    kind: &str,
    target: Option<Version>,
    product: &str,
) {
    let replacement = last.replacement.as_str();
    let since = version_text(last.replacement_since);
    let interim = last
        .interim
        .iter()
        .filter(|(api, since)| {
            target.is_none_or(|t| *since <= t)
                && TABLE
                    .lookup(api, kind)
                    .is_none_or(|i| i.status(target) != Status::Removed)
        })
        .max_by_key(|(_, since)| *since);
    match interim {
        Some((api, _)) => message.push_str(&format!(
            "; {replacement} replaces it from {product} {since}: until the cluster runs {since}, use {api}, then move to {replacement}"
        )),
        None => message.push_str(&format!(
            "; {replacement} replaces it, but {product} serves it only from {since}: upgrade the cluster to {since} first, then move the manifest"
        )),
    }
}

/// The replacement is served at the target: names it (and the versions skipped on the way),
/// what it has coming itself, and either the other changes the move needs or whether only
/// the apiVersion changes, with the fix that rewrites it.
fn advise_served_replacement(
    r: &Resource<'_>,
    entry: crate::load::tree::Entry,
    chain: &[&'static Row],
    target: Option<Version>,
    message: &mut String,
) -> (Option<Box<Fix>>, Vec<Trip<'static>>) {
    let doc = r.doc;
    let replacement = chain.last().map_or("", |last| last.replacement.as_str());
    message.push_str(&format!("; use {replacement}"));
    if chain.len() > 1 {
        let between: Vec<&str> = chain[1..].iter().map(|c| c.api_version.as_str()).collect();
        message.push_str(&format!(
            " ({} {} no longer a place to move to)",
            between.join(" and "),
            if between.len() == 1 { "is" } else { "are" }
        ));
    }
    say_replacement_deprecation(message, replacement, r.kind, target);
    let mut trips: Vec<Trip<'static>> = Vec::new();
    for step in chain {
        for m in &step.migrations {
            m.trips(doc, r.node, &mut trips);
        }
    }
    if !trips.is_empty() {
        say_needed_changes(message, &trips);
        return (None, trips);
    }
    let mut fix = None;
    if chain.iter().all(|c| c.autofix) {
        fix = scalar_edit(doc, entry.value, replacement)
            // An alias would rewrite its anchor, elsewhere: only a value written here.
            .filter(|e| e.span.start >= doc.span(entry.key).end)
            .map(|e| {
                Box::new(Fix {
                    description: format!("apiVersion: {replacement}").into(),
                    edits: vec![e],
                })
            });
    }
    message.push_str(match (&fix, chain.iter().all(|c| c.autofix)) {
        (Some(_), _) => " (only the apiVersion changes: `keelhaul scan --fix` rewrites it)",
        (None, true) => " (only the apiVersion changes)",
        (None, false) => " (some fields may differ: check the new version's reference)",
    });
    (fix, trips)
}

/// What the chosen version has coming, said once here rather than after the move.
fn say_replacement_deprecation(
    message: &mut String,
    replacement: &str,
    kind: &str,
    target: Option<Version>,
) {
    let Some(next) = TABLE.lookup(replacement, kind) else {
        return;
    };
    if next.status(target) != Status::Deprecated {
        return;
    }
    message.push_str(&format!(
        ", itself deprecated since {}{}",
        version_text(next.deprecated),
        match next.removed {
            Some(rm) => format!(" and removed in {rm}"),
            None => String::new(),
        }
    ));
    if next.replacement.is_empty()
        && let Some(a) = next.advice.as_deref()
    {
        message.push_str(&format!(", with nothing to replace it: {}", as_clause(a)));
    }
}

/// The changes the move needs besides the apiVersion, each said once.
fn say_needed_changes(message: &mut String, trips: &[Trip<'_>]) {
    let mut texts: Vec<&str> = Vec::new();
    for t in trips {
        if !texts.contains(&t.migration.text.as_str()) {
            texts.push(&t.migration.text);
        }
    }
    message.push_str(&format!(
        ", which needs {} first: {}",
        if texts.len() == 1 {
            "one more change".to_string()
        } else {
            format!("{} more changes", texts.len())
        },
        texts.join("; ")
    ));
}

/// One related location per place, naming everything to do there.
fn related_places(trips: &[Trip<'_>]) -> Vec<(crate::span::Span, Vec<String>)> {
    let mut places: Vec<(crate::span::Span, Vec<String>)> = Vec::new();
    for t in trips {
        let last = t.field();
        let what = match &t.migration.check {
            Check::Required => format!("add `{last}`"),
            Check::Default => format!("set `{last}` (its default changes)"),
            Check::Removed => "remove this (not in the new version)".to_string(),
            Check::Moved { to } => format!("this becomes `{}`", relative_to(&t.migration.path, to)),
            Check::IfEmpty => "an empty value means something else in the new version".to_string(),
            Check::Value { allowed } => format!("must be one of {}", allowed.join(", ")),
        };
        match places.iter_mut().find(|(s, _)| *s == t.at) {
            Some((_, list)) if !list.contains(&what) => list.push(what),
            Some(_) => {}
            None => places.push((t.at, vec![what])),
        }
    }
    places
}

/// `to` without the leading steps it shares with `from`: `spec.backend` → `spec.defaultBackend`
/// reads `defaultBackend`.
fn relative_to<'a>(from: &str, to: &'a str) -> &'a str {
    let mut at = 0;
    for (a, b) in from.split('.').zip(to.split('.')) {
        if a != b || at + b.len() >= to.len() {
            break;
        }
        at += b.len() + 1;
    }
    &to[at..]
}

/// The four apiVersion rules share one check; each keeps the findings that are its own.
macro_rules! api_version_rule {
    ($rule:ident, $meta:ident) => {
        impl Rule for $rule {
            fn check_resource(&self, r: &Resource<'_>, out: &mut Sink<'_>) {
                check_api_version(&$meta, r, out);
            }
        }
    };
}
api_version_rule!(ApiRemoved, API_REMOVED);
api_version_rule!(ApiDeprecated, API_DEPRECATED);
api_version_rule!(CrdApiRemoved, CRD_API_REMOVED);
api_version_rule!(CrdApiDeprecated, CRD_API_DEPRECATED);

impl Rule for DeprecatedField {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        let doc = pod.doc;
        let spec = pod.workload.pod_spec;
        let Some(old) = doc.entry(spec, "serviceAccount") else {
            return;
        };
        let old_name = doc.scalar(old.value).unwrap_or("");
        let current = doc.entry(spec, "serviceAccountName");
        // An empty serviceAccountName does not count: Kubernetes then takes serviceAccount.
        let current_name = current
            .filter(|e| !doc.is_null(e.value))
            .and_then(|e| doc.scalar(e.value))
            .filter(|n| !n.is_empty());
        let message = match (current, current_name) {
            (None, _) => format!(
                "serviceAccount is deprecated: write serviceAccountName: {old_name} instead (the same account)"
            ),
            (Some(_), None) => format!(
                "serviceAccount is deprecated; serviceAccountName is empty, so the pod runs as {old_name:?}: set serviceAccountName: {old_name} and remove serviceAccount"
            ),
            (Some(_), Some(name)) if name == old_name => {
                "serviceAccount is deprecated and repeats serviceAccountName: remove it".to_string()
            }
            (Some(_), Some(name)) => format!(
                "serviceAccount is deprecated and ignored here: the pod runs as serviceAccountName {name:?}, not {old_name:?}; remove serviceAccount"
            ),
        };
        let f = out.report(&DEPRECATED_FIELD, old.key, message);
        f.label("deprecated field");
        if let Some(cur) = current {
            let label = if current_name.is_some() {
                "the field that counts"
            } else {
                "empty: set it"
            };
            f.related(doc.span(cur.key), label);
        } else if let Some(edit) = scalar_edit(doc, old.key, "serviceAccountName") {
            f.fix = Some(Box::new(Fix {
                description: "rename serviceAccount to serviceAccountName".into(),
                edits: vec![edit],
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn moved_fields_are_named_from_where_they_differ() {
        use super::relative_to;
        assert_eq!(
            relative_to("spec.backend", "spec.defaultBackend"),
            "defaultBackend"
        );
        assert_eq!(
            relative_to(
                "spec.rules[*].backend.serviceName",
                "spec.rules[*].backend.service.name"
            ),
            "service.name"
        );
        assert_eq!(relative_to("spec.runtimeHandler", "handler"), "handler");
        assert_eq!(relative_to("a.b", "a.b"), "b");
    }
}
