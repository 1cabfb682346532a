//! Upgrade rules (KH701–KH707): what makes an AKS upgrade fail or stall on the workloads'
//! side. An upgrade surges new nodes, then cordons and drains the old ones a batch at a time,
//! evicting pods through the Eviction API, which honours PodDisruptionBudgets: a budget that
//! allows no eviction fails the drain and the upgrade (KH701, KH702), two budgets over the
//! same pods make every eviction of them fail (KH704), a budget over nothing protects nothing
//! (KH703), a single replica is down while its node drains (KH705), a bare Pod is deleted and
//! not recreated (KH706), and a pod that takes longer to stop than the drain timeout leaves
//! its node undrainable (KH707).
//!
//! What a budget means (its amounts, selector and allowed disruptions) lives in
//! `crate::k8s::disruption`; which workload definition a budget sees, when files define one
//! object differently, is `index::pick_definition`'s answer.

use std::collections::HashMap;

use super::rule_meta;
use crate::check::{Rule, Settings, Sink};
use crate::finding::Severity;
use crate::finding::{Finding, listed};
use crate::index::{
    DRAIN_TIMEOUTS, DrainTimeout, Index, IndexedObject, Picked, Resource, WORKLOADS,
    WorkloadSummary, pick_definition,
};
use crate::k8s::SYSTEM_NAMESPACES;
use crate::k8s::aks_retirements::{Retirement, Standing, retirements};
use crate::k8s::aks_upgrade::DEFAULT_DRAIN_TIMEOUT_MINUTES;
use crate::k8s::disruption::{Amount, Budget, Selection};
use crate::k8s::pod_view::PodView;
use crate::load::Document;
use crate::load::scalar::Value;
use crate::span::Span;

rule_meta!(
    PdbMaxUnavailableZero,
    PDB_MAX_UNAVAILABLE_ZERO,
    "KH701",
    "pdb-max-unavailable-zero",
    Error,
    "A PodDisruptionBudget sets maxUnavailable to 0: AKS refuses to upgrade, and no drain can evict its pods."
);
rule_meta!(
    PdbBlocksDrain,
    PDB_BLOCKS_DRAIN,
    "KH702",
    "pdb-blocks-drain",
    Error,
    "A PodDisruptionBudget keeps every pod it selects: draining their nodes fails, and the AKS upgrade with it.",
    precision = High
);
rule_meta!(
    PdbSelectsNothing,
    PDB_SELECTS_NOTHING,
    "KH703",
    "pdb-selects-nothing",
    Warning,
    "A PodDisruptionBudget selects the pods of no scanned workload in its namespace.",
    precision = High
);
rule_meta!(
    PdbOverlap,
    PDB_OVERLAP,
    "KH704",
    "pdb-overlap",
    Warning,
    "Two PodDisruptionBudgets select the same pods: every eviction of those pods fails.",
    precision = High
);
rule_meta!(
    SingleReplicaWithoutPdb,
    SINGLE_REPLICA_WITHOUT_PDB,
    "KH705",
    "single-replica-without-pdb",
    Note,
    "A Deployment or StatefulSet runs one replica and no PodDisruptionBudget: it is down while its node drains.",
    precision = High
);
rule_meta!(
    BarePod,
    BARE_POD,
    "KH706",
    "bare-pod",
    Warning,
    "A Pod without a controller: a node drain deletes it and nothing recreates it."
);
rule_meta!(
    GracePeriodOverDrainTimeout,
    GRACE_PERIOD_OVER_DRAIN_TIMEOUT,
    "KH707",
    "grace-period-over-drain-timeout",
    Warning,
    "A pod's termination grace period is longer than the node drain timeout: its node cannot drain in time."
);

rule_meta!(
    RetiredAddOn,
    RETIRED_ADD_ON,
    "KH713",
    "retired-add-on",
    Error,
    "Objects of a retired Azure add-on (AAD Pod Identity): unsupported after its retirement date.",
    severity_note = "warning while the add-on is deprecated but still supported (--as-of)"
);

/// Whether objects of this apiVersion and kind are PodDisruptionBudgets.
fn is_pdb(api_version: &str, kind: &str) -> bool {
    kind == "PodDisruptionBudget" && api_version.starts_with("policy/")
}

/// KH701: the budget alone decides it, whatever it selects.
impl Rule for PdbMaxUnavailableZero {
    fn check_resource(&self, r: &Resource<'_>, out: &mut Sink<'_>) {
        if !is_pdb(r.api_version, r.kind) {
            return;
        }
        let b = Budget::read(r.doc, r.node, r.api_version);
        let Some((amount, node)) = b.max_unavailable.filter(|(a, _)| a.is_zero()) else {
            return;
        };
        if b.both {
            return;
        }
        let what = r.describe();
        let message = match amount {
            Amount::Count(_) => format!(
                "{what} sets maxUnavailable: 0, so none of its pods may be evicted: AKS checks for such budgets before an upgrade and refuses to start it (UnsatisfiablePDB), and a node drain cannot evict the pods; allow at least one pod to move (maxUnavailable: 1)"
            ),
            Amount::Percent(_) => format!(
                "{what} sets maxUnavailable: 0%, so none of its pods may be evicted at any replica count: draining a node that runs one fails, and the AKS upgrade with it (UpgradeFailed); allow at least one pod to move (maxUnavailable: 1, or a percentage above 0)"
            ),
        };
        out.report(&PDB_MAX_UNAVAILABLE_ZERO, node, message);
    }
}

/// A budget's object with its spec read once.
struct Pdb<'a> {
    object: &'a IndexedObject,
    budget: Budget,
}

impl Pdb<'_> {
    fn namespace(&self) -> &str {
        self.object.id.namespace.as_deref().unwrap_or_default()
    }

    fn name(&self) -> String {
        self.object.id.describe().to_string()
    }

    fn doc(&self) -> &Document {
        &self.object.doc
    }
}

/// What the upgrade rules read from the index: budgets, workloads by namespace and
/// identity, and the minimum replicas of HorizontalPodAutoscalers by their target.
struct Model<'a> {
    pdbs: Vec<Pdb<'a>>,
    /// Namespace → (kind, name) → every definition, in index order.
    workloads: HashMap<&'a str, Vec<Vec<&'a WorkloadSummary>>>,
    /// Namespace → the indices of its budgets in `pdbs`.
    pdbs_by_namespace: HashMap<&'a str, Vec<usize>>,
    /// (namespace, kind, name) of a scale target → the HPA's `minReplicas` (None when it
    /// cannot be read).
    hpa_min: HashMap<(&'a str, &'a str, &'a str), Option<i64>>,
}

/// `minReplicas` of an HPA, 1 when unset (the API server's default).
fn hpa_min_replicas(o: &IndexedObject) -> Option<i64> {
    let doc: &Document = &o.doc;
    match doc.path(o.node, &["spec", "minReplicas"]) {
        None => Some(1),
        Some(n) if doc.is_null(n) => Some(1),
        Some(n) => match doc.value(n) {
            Some(Value::Int(v)) if v >= 0 => Some(v),
            _ => None,
        },
    }
}

impl<'a> Model<'a> {
    fn new(ix: &'a Index) -> Model<'a> {
        let pdbs: Vec<Pdb<'a>> = ix
            .of_kind("PodDisruptionBudget")
            .filter(|o| is_pdb(&o.id.api_version, &o.id.kind))
            .map(|o| Pdb {
                object: o,
                budget: Budget::read(&o.doc, o.node, &o.id.api_version),
            })
            .collect();
        let mut pdbs_by_namespace: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, p) in pdbs.iter().enumerate() {
            let ns = p.object.id.namespace.as_deref().unwrap_or_default();
            pdbs_by_namespace.entry(ns).or_default().push(i);
        }
        let mut by_id: HashMap<(&str, &str, &str), usize> = HashMap::new();
        let mut workloads: HashMap<&str, Vec<Vec<&WorkloadSummary>>> = HashMap::new();
        for w in &ix.workloads {
            let ns = w.id.namespace.as_deref().unwrap_or_default();
            let key = (
                ns,
                w.id.kind.as_str(),
                w.id.name.as_deref().unwrap_or_default(),
            );
            let groups = workloads.entry(ns).or_default();
            match by_id.get(&key) {
                Some(&i) => groups[i].push(w),
                None => {
                    by_id.insert(key, groups.len());
                    groups.push(vec![w]);
                }
            }
        }
        let mut hpa_min = HashMap::new();
        for o in ix.of_kind("HorizontalPodAutoscaler") {
            let doc: &Document = &o.doc;
            let Some(target) = doc.path(o.node, &["spec", "scaleTargetRef"]) else {
                continue;
            };
            let (Some(kind), Some(name)) =
                (doc.get_str(target, "kind"), doc.get_str(target, "name"))
            else {
                continue;
            };
            let ns = o.id.namespace.as_deref().unwrap_or_default();
            hpa_min.insert((ns, kind, name), hpa_min_replicas(o));
        }
        Model {
            pdbs,
            pdbs_by_namespace,
            workloads,
            hpa_min,
        }
    }

    /// The budgets of a namespace, in index order.
    fn pdbs_in<'m>(&'m self, ns: &'m str) -> impl Iterator<Item = &'m Pdb<'a>> + 'm {
        self.pdbs_by_namespace
            .get(ns)
            .into_iter()
            .flatten()
            .map(|&i| &self.pdbs[i])
    }

    /// How many pods a workload runs at the least: its HPA's `minReplicas` when one scales
    /// it, else its `replicas`. None for kinds without replicas (Jobs, bare Pods) and values
    /// that cannot be read.
    fn least_pods(&self, w: &WorkloadSummary) -> Option<i64> {
        let ns = w.id.namespace.as_deref().unwrap_or_default();
        let name = w.id.name.as_deref().unwrap_or_default();
        match self.hpa_min.get(&(ns, w.id.kind.as_str(), name)) {
            Some(min) => *min,
            None => w.replicas?.count(),
        }
    }

    /// The workloads a budget selects, each object once: of several definitions of one
    /// object, the one nearest the budget's file; and whether definitions that disagree, at
    /// the same distance, would be selected too (the count of pods is then unknown).
    fn selected(&self, p: &Pdb<'a>) -> (Vec<&'a WorkloadSummary>, bool) {
        let mut out = Vec::new();
        let mut ambiguous = false;
        let Some(groups) = self.workloads.get(p.namespace()) else {
            return (out, ambiguous);
        };
        let agree = |a: &WorkloadSummary, b: &WorkloadSummary| {
            a.pod_labels == b.pod_labels
                && a.replicas.and_then(|r| r.count()) == b.replicas.and_then(|r| r.count())
        };
        for defs in groups {
            // Most workloads of a namespace are not selected at all: settled without picking.
            if !defs.iter().any(|w| p.budget.selects(&w.pod_labels)) {
                continue;
            }
            match pick_definition(defs, |w| &w.file, agree, &p.object.file) {
                Picked::One(w) if p.budget.selects(&w.pod_labels) => out.push(w),
                Picked::Ambiguous(ds) if ds.iter().any(|w| p.budget.selects(&w.pod_labels)) => {
                    ambiguous = true;
                }
                _ => {}
            }
        }
        (out, ambiguous)
    }
}

/// Whether drains evict a workload's pods: DaemonSet pods stay on a draining node.
fn evicted_by_drains(w: &WorkloadSummary) -> bool {
    w.id.kind != "DaemonSet"
}

/// KH702.
impl Rule for PdbBlocksDrain {
    fn indexed_kinds(&self) -> &'static [&'static str] {
        &["PodDisruptionBudget", "HorizontalPodAutoscaler", WORKLOADS]
    }

    fn check_index(&self, ix: &Index, _settings: &Settings, out: &mut Vec<Finding>) {
        let model = Model::new(ix);
        for p in &model.pdbs {
            if p.budget.both || p.budget.max_unavailable.is_some_and(|(a, _)| a.is_zero()) {
                // Refused by the API server, or KH701's.
                continue;
            }
            let Some((min, node)) = p.budget.min_available else {
                continue;
            };
            let (selected, ambiguous) = model.selected(p);
            let evicted: Vec<&WorkloadSummary> = selected
                .into_iter()
                .filter(|w| evicted_by_drains(w))
                .collect();
            if evicted.is_empty() {
                continue;
            }
            let counts: Option<Vec<i64>> = evicted.iter().map(|w| model.least_pods(w)).collect();
            let span = p.doc().span(node);
            let pods = match counts {
                Some(c) if !ambiguous => c.iter().sum::<i64>(),
                // Every pod is kept whatever the count.
                _ if min == Amount::Percent(100) => {
                    out.push(blocks_all(p, &evicted, span));
                    continue;
                }
                _ => continue,
            };
            if pods == 0 || p.budget.allowed_disruptions(pods) > 0 {
                continue;
            }
            out.push(blocks_drain(p, min, pods, &evicted, &model, span));
        }
    }
}

/// `Deployment "web"` and `StatefulSet "db"`, for messages.
fn names(ws: &[&WorkloadSummary]) -> String {
    let mut names: Vec<String> = Vec::new();
    for w in ws {
        let n = w.id.describe().to_string();
        if !names.contains(&n) {
            names.push(n);
        }
    }
    listed(&names, 3)
}

/// The workloads as related places: their `replicas:` where written, else their `kind:`.
fn relate(f: &mut Finding, ws: &[&WorkloadSummary]) {
    for w in ws {
        let at = w.replicas.and_then(|r| r.span()).unwrap_or(w.span);
        f.related_in(
            w.file.clone(),
            at,
            format!("{} selected here", w.id.describe()),
        );
    }
}

fn blocks_all(p: &Pdb<'_>, ws: &[&WorkloadSummary], span: Span) -> Finding {
    let mut f = p.object.finding(
        &PDB_BLOCKS_DRAIN,
        span,
        format!(
            "{} sets minAvailable: 100%, so it keeps every pod of {} and allows no eviction: draining a node that runs one fails, and the AKS upgrade with it (UpgradeFailed); let at least one pod move (maxUnavailable: 1)",
            p.name(),
            names(ws)
        ),
    );
    relate(&mut f, ws);
    f
}

fn blocks_drain(
    p: &Pdb<'_>,
    min: Amount,
    pods: i64,
    ws: &[&WorkloadSummary],
    model: &Model<'_>,
    span: Span,
) -> Finding {
    let scaled = ws
        .iter()
        .any(|w| model.least_pods(w) != w.replicas.and_then(|r| r.count()));
    let counted = if scaled {
        "at their HorizontalPodAutoscaler's minReplicas"
    } else {
        "by their replicas"
    };
    let keeps = match min {
        Amount::Count(n) => format!("minAvailable: {n}"),
        Amount::Percent(_) => format!(
            "minAvailable: {min}, which rounds up to {}",
            min.scaled(pods)
        ),
    };
    let (kept, pods_word) = if pods == 1 {
        ("the only pod".to_string(), "pod")
    } else {
        (format!("all {pods} pods"), "pods")
    };
    let mut f = p.object.finding(
        &PDB_BLOCKS_DRAIN,
        span,
        format!(
            "{} keeps {kept} of {} ({keeps}, of {pods} {pods_word} counted {counted}) and allows no eviction: draining a node that runs one fails, and the AKS upgrade with it (UpgradeFailed); run more replicas than minAvailable, or set maxUnavailable: 1",
            p.name(),
            names(ws)
        ),
    );
    relate(&mut f, ws);
    f
}

/// KH703.
impl Rule for PdbSelectsNothing {
    fn indexed_kinds(&self) -> &'static [&'static str] {
        &["PodDisruptionBudget", WORKLOADS]
    }

    fn check_index(&self, ix: &Index, _settings: &Settings, out: &mut Vec<Finding>) {
        let model = Model::new(ix);
        for p in &model.pdbs {
            let span = p.doc().span(p.budget.selector_at);
            let why = match &p.budget.selection {
                Selection::Invalid => continue,
                Selection::Nothing { empty: false } => {
                    "has no selector, so it selects no pods".to_string()
                }
                Selection::Nothing { empty: true } => format!(
                    "has an empty selector, which in {} selects no pods (in policy/v1 it selects every pod of the namespace)",
                    p.object.id.api_version
                ),
                Selection::Pods(_) => {
                    let (selected, ambiguous) = model.selected(p);
                    if !selected.is_empty() || ambiguous {
                        continue;
                    }
                    format!(
                        "selects the pods of no workload scanned in namespace \"{}\"",
                        p.namespace()
                    )
                }
            };
            out.push(p.object.finding(
                &PDB_SELECTS_NOTHING,
                span,
                format!(
                    "{} {why}: it protects nothing during an AKS upgrade's drains; check its selector against the labels of the pod template it is meant for",
                    p.name()
                ),
            ));
        }
    }
}

/// KH704.
impl Rule for PdbOverlap {
    fn indexed_kinds(&self) -> &'static [&'static str] {
        &["PodDisruptionBudget", WORKLOADS]
    }

    fn check_index(&self, ix: &Index, _settings: &Settings, out: &mut Vec<Finding>) {
        let model = Model::new(ix);
        let selected: Vec<Vec<&WorkloadSummary>> =
            model.pdbs.iter().map(|p| model.selected(p).0).collect();
        // For each workload definition, the first budget that selects it, and the first of
        // another object after it: enough to find, in one pass, the first earlier budget of
        // another object that a budget overlaps (pairs of budgets are never compared, so a
        // tree of many budgets over one workload stays linear).
        let mut first: HashMap<*const WorkloadSummary, (usize, Option<usize>)> = HashMap::new();
        for (j, q) in model.pdbs.iter().enumerate() {
            let earlier = selected[j]
                .iter()
                .filter_map(|w| {
                    let &(a, b) = first.get(&std::ptr::from_ref(*w))?;
                    if model.pdbs[a].object.id != q.object.id {
                        Some(a)
                    } else {
                        b.filter(|&b| model.pdbs[b].object.id != q.object.id)
                    }
                })
                .min()
                .map(|i| {
                    let theirs: std::collections::HashSet<*const WorkloadSummary> =
                        selected[i].iter().map(|w| std::ptr::from_ref(*w)).collect();
                    let both: Vec<&WorkloadSummary> = selected[j]
                        .iter()
                        .copied()
                        .filter(|w| theirs.contains(&std::ptr::from_ref(*w)))
                        .collect();
                    (&model.pdbs[i], both)
                });
            for w in &selected[j] {
                first
                    .entry(std::ptr::from_ref(*w))
                    .and_modify(|(a, b)| {
                        if b.is_none() && model.pdbs[*a].object.id != q.object.id {
                            *b = Some(j);
                        }
                    })
                    .or_insert((j, None));
            }
            let Some((p, both)) = earlier else { continue };
            let mut f = q.object.finding(
                &PDB_OVERLAP,
                q.doc().span(q.budget.selector_at),
                format!(
                    "{} and {} both select the pods of {}: the Eviction API refuses to evict a pod that more than one budget covers, so draining a node that runs one fails during an AKS upgrade; keep one PodDisruptionBudget per set of pods",
                    q.name(),
                    p.name(),
                    names(&both)
                ),
            );
            f.related_in(
                p.object.file.clone(),
                p.doc().span(p.budget.selector_at),
                format!("{} selects them too", p.name()),
            );
            relate(&mut f, &both);
            out.push(f);
        }
    }
}

/// Kinds whose single replica KH705 reports.
fn is_replicated_service(w: &WorkloadSummary) -> bool {
    matches!(w.id.kind.as_str(), "Deployment" | "StatefulSet")
        && matches!(
            w.id.api_version.split('/').next(),
            Some("apps" | "extensions")
        )
}

/// KH705.
impl Rule for SingleReplicaWithoutPdb {
    fn indexed_kinds(&self) -> &'static [&'static str] {
        &["PodDisruptionBudget", "HorizontalPodAutoscaler", WORKLOADS]
    }

    fn check_index(&self, ix: &Index, settings: &Settings, out: &mut Vec<Finding>) {
        let model = Model::new(ix);
        for w in ix.workloads.iter().filter(|w| is_replicated_service(w)) {
            let ns = w.id.namespace.as_deref().unwrap_or_default();
            if SYSTEM_NAMESPACES.contains(&ns) || settings.exempt_namespaces.iter().any(|e| e == ns)
            {
                continue;
            }
            if model.least_pods(w) != Some(1) {
                continue;
            }
            let covered = model.pdbs_in(ns).any(|p| p.budget.selects(&w.pod_labels));
            if covered {
                continue;
            }
            let at = w.replicas.and_then(|r| r.span()).unwrap_or(w.span);
            let runs = if w.replicas == Some(crate::index::Replicas::Unset) {
                "runs one replica (replicas is not set)"
            } else {
                "runs one replica"
            };
            out.push(w.finding(
                &SINGLE_REPLICA_WITHOUT_PDB,
                at,
                format!(
                    "{} {runs} and no PodDisruptionBudget selects its pods: while its node drains during an AKS upgrade the pod is evicted, and the workload is down until it starts again on another node; run at least 2 replicas with a PodDisruptionBudget (maxUnavailable: 1)",
                    w.id.describe()
                ),
            ));
        }
    }
}

/// Annotations that make a Pod a release tool's hook.
const HOOK_ANNOTATIONS: &[&str] = &["helm.sh/hook", "argocd.argoproj.io/hook"];

/// KH706.
impl Rule for BarePod {
    fn check_resource(&self, r: &Resource<'_>, out: &mut Sink<'_>) {
        if r.kind != "Pod" || r.api_version != "v1" {
            return;
        }
        let doc = r.doc;
        let owned = r
            .metadata()
            .and_then(|m| doc.get(m, "ownerReferences"))
            .is_some_and(|o| doc.is_sequence(o) && !doc.items(o).is_empty());
        // A release hook (a Helm test, an Argo CD sync hook) runs once, on purpose, and is
        // deleted by its tool: there is nothing to recreate.
        let hook = r
            .metadata()
            .and_then(|m| doc.get(m, "annotations"))
            .is_some_and(|a| HOOK_ANNOTATIONS.iter().any(|k| doc.get(a, k).is_some()));
        if owned || hook {
            return;
        }
        let at = doc.entry(r.node, "kind").map_or(r.node, |e| e.key);
        out.report(
            &BARE_POD,
            at,
            format!(
                "{} has no controller: a node drain during an AKS upgrade deletes it and nothing creates it again; run it from a Deployment, StatefulSet or Job",
                r.describe()
            ),
        );
    }
}

/// KH707.
impl Rule for GracePeriodOverDrainTimeout {
    fn indexed_kinds(&self) -> &'static [&'static str] {
        &[WORKLOADS, DRAIN_TIMEOUTS]
    }

    fn reads_clusters(&self) -> bool {
        true
    }

    fn check_index(&self, ix: &Index, _settings: &Settings, out: &mut Vec<Finding>) {
        // The shortest drain timeout of the scanned node pools (a pod may land on any of
        // them), else AKS's default.
        let shortest = ix.drain_timeouts.iter().min_by_key(|d| d.minutes);
        let minutes = shortest.map_or(DEFAULT_DRAIN_TIMEOUT_MINUTES, |d| d.minutes);
        let limit = i64::from(minutes) * 60;
        let whose = shortest.map_or_else(
            || {
                "AKS's default drainTimeoutInMinutes, as no node pool definition is scanned"
                    .to_string()
            },
            |d| drain_timeout_source(d, ix.drain_timeouts.len()),
        );
        for w in ix.workloads.iter().filter(|w| evicted_by_drains(w)) {
            let Some((seconds, span)) = w.grace_period.filter(|(s, _)| *s > limit) else {
                continue;
            };
            let mut f = w.finding(
                &GRACE_PERIOD_OVER_DRAIN_TIMEOUT,
                span,
                format!(
                    "{} gives its pods {seconds} s to stop (terminationGracePeriodSeconds), longer than the node drain timeout of {minutes} minutes ({whose}): a node that runs one cannot finish draining in time, and the AKS upgrade fails; keep the grace period under {limit} s or raise the node pool's drain timeout",
                    w.id.describe()
                ),
            );
            if let Some(DrainTimeout {
                file,
                span: Some(at),
                ..
            }) = shortest
            {
                f.related_elsewhere(file.clone(), *at, "the node pool's drain timeout");
            }
            out.push(f);
        }
    }
}

/// Where the drain timeout a grace period is judged against comes from, for messages.
fn drain_timeout_source(d: &DrainTimeout, pools: usize) -> String {
    let pool = d.pool.as_deref().map_or_else(
        || "a node pool".to_string(),
        |p| format!("node pool \"{p}\""),
    );
    let how = if d.span.is_some() {
        format!("drainTimeoutInMinutes of {pool} in {}", d.file)
    } else {
        format!(
            "the default of {pool} in {}, which does not set drainTimeoutInMinutes",
            d.file
        )
    };
    if pools > 1 {
        format!("{how}, the shortest of the {pools} node pools scanned")
    } else {
        how
    }
}

/// The finding's severity and what the add-on's standing means, on the scan's date.
fn retirement_words(r: &Retirement, standing: Standing) -> (Severity, String) {
    let deprecated = match r.deprecated {
        Some(d) => d.to_string(),
        None => "already".to_string(),
    };
    match standing {
        Standing::Unsupported => (
            Severity::Error,
            format!(
                "{}, retired (deprecated on {}, unsupported after {})",
                r.what, deprecated, r.support_ends
            ),
        ),
        Standing::Deprecated => (
            Severity::Warning,
            format!(
                "{}, deprecated on {} and supported until {}",
                r.what, deprecated, r.support_ends
            ),
        ),
    }
}

/// KH713.
impl Rule for RetiredAddOn {
    fn check_resource(&self, res: &Resource<'_>, out: &mut Sink<'_>) {
        let group = res.group();
        let Some(r) = retirements()
            .iter()
            .find(|r| r.groups.iter().any(|g| g == group))
        else {
            return;
        };
        let Some(standing) = r.standing(out.settings.as_of) else {
            return;
        };
        let (severity, said) = retirement_words(r, standing);
        let doc = res.doc;
        let at = doc.get(res.node, "apiVersion").unwrap_or(res.node);
        out.report(
            &RETIRED_ADD_ON,
            at,
            format!(
                "{} belongs to {said} ({}): move its pods to {}, then delete it",
                res.describe(),
                r.source,
                r.replacement
            ),
        )
        .severity(severity);
    }

    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        let doc = pod.doc;
        let Some(labels) = pod.workload.pod_meta.and_then(|m| doc.get(m, "labels")) else {
            return;
        };
        for e in doc.entries(labels) {
            let Some(key) = doc.scalar(e.key) else {
                continue;
            };
            let Some(r) = retirements()
                .iter()
                .find(|r| r.pod_labels.iter().any(|l| l == key))
            else {
                continue;
            };
            let Some(standing) = r.standing(out.settings.as_of) else {
                continue;
            };
            let (severity, said) = retirement_words(r, standing);
            out.report(
                &RETIRED_ADD_ON,
                e.key,
                format!(
                    "{}: the pod label {key} binds its pods to {said} ({}): move them to {}",
                    pod.workload.resource.describe(),
                    r.source,
                    r.replacement
                ),
            )
            .severity(severity);
        }
    }
}
