//! Objects that files scanned together define differently, where a verdict reads the
//! difference: a Namespace's Pod Security labels, a ServiceAccount's
//! `automountServiceAccountToken`. A notice names the files; each object that refers to one
//! is judged by the definition nearest to it (`index::pick_definition`), and its finding says
//! when that is ambiguous. Renders of different overlays or charts are alternatives (one per
//! environment), not a conflict: only files, or definitions within one render, are compared.

use std::collections::{BTreeMap, HashMap};

use crate::finding::result::Notice;
use crate::index::{Index, is_render};
use crate::k8s::pod_view::bool_field;
use crate::k8s::pss::NamespacePolicy;

/// One definition: its file, its line when known, and what the verdict reads of it.
struct Def<'a, T> {
    file: &'a str,
    line: Option<u32>,
    says: T,
}

/// A notice when two definitions that could both reach the cluster disagree.
fn conflict<T: PartialEq>(defs: &[Def<'_, T>], what: impl Fn() -> String) -> Option<Notice> {
    let comparable = |a: &str, b: &str| a == b || !is_render(a) && !is_render(b);
    let (i, _) = defs.iter().enumerate().find(|(i, d)| {
        defs[i + 1..]
            .iter()
            .any(|o| o.says != d.says && comparable(o.file, d.file))
    })?;
    let first = &defs[i];
    let others: Vec<String> = defs
        .iter()
        .filter(|o| o.says != first.says && comparable(o.file, first.file))
        .map(|o| match o.line {
            Some(l) => format!("{}:{l}", o.file),
            None => o.file.to_string(),
        })
        .collect();
    Some(Notice {
        file: first.file.to_string(),
        line: first.line,
        message: format!(
            "{} is defined differently in {}: the cluster keeps one of them; each workload is judged by the definition in its own file, else the nearest one, and its finding says when that is ambiguous",
            what(),
            others.join(", ")
        ),
        verbose: false,
    })
}

/// Namespaces whose definitions carry different Pod Security labels.
pub(super) fn namespaces(map: &HashMap<String, Vec<NamespacePolicy>>) -> Vec<Notice> {
    let sorted: BTreeMap<&String, &Vec<NamespacePolicy>> = map.iter().collect();
    sorted
        .into_iter()
        .filter_map(|(name, policies)| {
            let defs: Vec<Def<'_, Vec<_>>> = policies
                .iter()
                .map(|p| Def {
                    file: &p.file,
                    line: p.modes.first().map(|m| m.label.start.line),
                    says: p
                        .modes
                        .iter()
                        .map(|m| (m.mode, m.level, m.version))
                        .collect(),
                })
                .collect();
            conflict(&defs, || {
                format!("Namespace \"{name}\" (its Pod Security labels)")
            })
        })
        .collect()
}

/// ServiceAccounts whose definitions disagree on `automountServiceAccountToken` (those the
/// index holds: when a rule reads them).
pub(super) fn service_accounts(ix: &Index) -> Vec<Notice> {
    let mut by_name: BTreeMap<(&str, &str), Vec<Def<'_, Option<bool>>>> = BTreeMap::new();
    for sa in ix.of_kind("ServiceAccount") {
        let (Some(ns), Some(name)) = (sa.id.namespace.as_deref(), sa.id.name.as_deref()) else {
            continue;
        };
        let says = bool_field(&sa.doc, Some(sa.node), "automountServiceAccountToken").get();
        by_name.entry((ns, name)).or_default().push(Def {
            file: &sa.file,
            line: Some(sa.doc.span(sa.node).start.line),
            says,
        });
    }
    by_name
        .into_iter()
        .filter_map(|((ns, name), defs)| {
            conflict(&defs, || {
                format!(
                    "ServiceAccount \"{name}\" (namespace \"{ns}\", its automountServiceAccountToken)"
                )
            })
        })
        .collect()
}
