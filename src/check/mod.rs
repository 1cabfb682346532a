//! check: resources in, findings out. Owns the `Rule` trait, the sink rules report into,
//! and running the enabled rules over one resource (per file, in parallel) and over the
//! cross-resource index (once, after every file is loaded).

use std::collections::HashMap;
use std::sync::Arc;

use crate::finding::{Finding, RuleMeta};
use crate::index::{Index, IndexedObject, Resource, ResourceId, WorkloadSummary, workload_of};
use crate::k8s::pod_view::PodView;
use crate::k8s::pss::{Level, NamespacePolicy};
use crate::k8s::version::KubeVersion;
use crate::load::{Document, NodeId};
use crate::span::Span;

/// What a rule is: its metadata. `rules::rule_meta!` implements it with the declaration of
/// the rule's struct, so the two cannot disagree.
pub trait Declared {
    fn meta(&self) -> &'static RuleMeta;
}

/// A check. A rule overrides only the hooks for what it looks at; it never prints, reads
/// files or knows the output format.
pub trait Rule: Declared + Send + Sync {
    /// Whether the rule reads `Settings::namespaces` (the scan then reads the Namespaces of
    /// all files first).
    fn reads_namespace_labels(&self) -> bool {
        false
    }

    /// Every Kubernetes object.
    fn check_resource(&self, _r: &Resource<'_>, _out: &mut Sink<'_>) {}

    /// Every pod spec: Pods and every kind with a pod template.
    fn check_pod(&self, _pod: &PodView<'_>, _out: &mut Sink<'_>) {}

    /// The kinds whose objects `check_index` reads from the index (`index::WORKLOADS` for
    /// workload summaries). Only what an enabled rule asks for is kept in memory.
    fn indexed_kinds(&self) -> &'static [&'static str] {
        &[]
    }

    /// Once, over everything scanned.
    fn check_index(&self, _ix: &Index, _settings: &Settings, _out: &mut Vec<Finding>) {}

    /// Every AKS cluster definition (an `az aks` command, a managedClusters resource).
    fn check_cluster(
        &self,
        _cluster: &crate::k8s::aks_cluster::ClusterDef,
        _settings: &Settings,
        _out: &mut Vec<Finding>,
    ) {
    }

    /// Whether the rule reads AKS cluster definitions (the scan then reads scripts and
    /// Markdown for `az aks` commands).
    fn reads_clusters(&self) -> bool {
        false
    }

    /// Whether the rule reads `Settings::admission` (the scan then gathers the
    /// ValidatingAdmissionPolicies of all files, with what they read, first).
    fn reads_admission_policies(&self) -> bool {
        false
    }
}

/// What every rule may read of the run's configuration, and of the Namespaces of the scanned
/// files (read before the files are checked, since a workload's namespace may be anywhere).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The Kubernetes version the manifests will run on.
    pub kube_version: KubeVersion,
    /// Judge workloads by this Pod Security level (`--pss`).
    pub pss: Option<Level>,
    /// Pod Security Admission labels of the Namespaces in the scanned files, by name.
    /// Several files may define one Namespace: every definition, in input order
    /// (`index::pick_definition` says which one an object refers to).
    pub namespaces: Arc<HashMap<String, Vec<NamespacePolicy>>>,
    /// Egress destinations that pods must not reach (CIDRs); empty means the default, the
    /// instance metadata endpoint 169.254.169.254/32.
    pub metadata_endpoints: Vec<String>,
    /// Namespaces the namespace-level rules leave alone (their NetworkPolicies or Pod
    /// Security labels live elsewhere).
    pub exempt_namespaces: Vec<String>,
    /// Releases of the components whose CRDs have a lifecycle table (`--target
    /// cert-manager=1.6`); a component not named is judged at its newest release.
    pub component_targets: Vec<(String, crate::k8s::api_lifecycle::Version)>,
    /// The date support is judged at (`--as-of`, default today).
    pub as_of: crate::k8s::aks_versions::Date,
    /// `--from`: the upgrade path from that version to `kube_version`, one minor at a time;
    /// version-gated findings then say at which hop they take effect.
    pub upgrade: Option<crate::k8s::upgrade::UpgradePath>,
    /// The ValidatingAdmissionPolicies of the scanned files (and of `--policy` files), with
    /// their bindings and what they read; gathered before the files are checked.
    pub admission: Option<Arc<crate::k8s::admission::Catalog>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            kube_version: KubeVersion::NEWEST_RELEASED,
            pss: None,
            namespaces: Arc::default(),
            metadata_endpoints: Vec::new(),
            exempt_namespaces: Vec::new(),
            as_of: crate::k8s::aks_versions::Date::today(),
            component_targets: Vec::new(),
            upgrade: None,
            admission: None,
        }
    }
}

impl Settings {
    /// Whether a rule stands aside because Pod Security mode reports its control itself.
    pub fn defers_to_pss(&self, rule: &RuleMeta) -> bool {
        match (self.pss, rule.pss_control) {
            (Some(level), Some(control)) => {
                crate::k8s::pss::covered_controls(level, self.kube_version).contains(&control)
            }
            _ => false,
        }
    }
}

/// Where rules report findings about one resource.
pub struct Sink<'a> {
    pub file: &'a Arc<str>,
    pub doc: &'a Document,
    pub resource: &'a Resource<'a>,
    pub findings: &'a mut Vec<Finding>,
    pub settings: &'a Settings,
    /// The resource's identity, built on the first finding and shared by the rest.
    id: Option<Arc<ResourceId>>,
}

impl Sink<'_> {
    /// Reports a finding at a node of the resource's document.
    pub fn report(
        &mut self,
        rule: &'static RuleMeta,
        node: NodeId,
        message: String,
    ) -> &mut Finding {
        let span = self.doc.span(node);
        self.report_span(rule, span, message)
    }

    pub fn report_span(
        &mut self,
        rule: &'static RuleMeta,
        span: Span,
        message: String,
    ) -> &mut Finding {
        let mut f = Finding::new(rule, self.file.clone(), span, message);
        let resource = self.resource;
        f.resource = Some(
            self.id
                .get_or_insert_with(|| Arc::new(resource.id()))
                .clone(),
        );
        f.origin = self.doc.origin.clone();
        self.findings.push(f);
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }
}

/// Runs the per-resource hooks of `rules` over one resource.
pub fn check_resource(
    rules: &[&'static dyn Rule],
    settings: &Settings,
    file: &Arc<str>,
    r: &Resource<'_>,
    findings: &mut Vec<Finding>,
) {
    let mut sink = Sink {
        file,
        doc: r.doc,
        resource: r,
        findings,
        settings,
        id: None,
    };
    let first = sink.findings.len();
    for rule in rules {
        rule.check_resource(r, &mut sink);
    }
    if let Some(w) = workload_of(r) {
        let pod = PodView::new(w);
        for rule in rules {
            if !settings.defers_to_pss(rule.meta()) {
                rule.check_pod(&pod, &mut sink);
            }
        }
    }
    if let Some(path) = settings.upgrade {
        place_on_path(&path, &mut findings[first..]);
    }
}

/// With `--from`: each version-gated finding says at which hop of the upgrade path its
/// change takes effect, in its message and in its `hop`.
fn place_on_path(path: &crate::k8s::upgrade::UpgradePath, findings: &mut [Finding]) {
    for f in findings {
        let Some(placed) = f.gate.and_then(|g| path.place(g)) else {
            continue;
        };
        let message = format!("{}; {}", f.message, placed.describe());
        f.message = message.into_boxed_str();
        f.hop = Some(placed);
    }
}

/// Runs the cross-resource hooks.
pub fn check_index(rules: &[&'static dyn Rule], settings: &Settings, ix: &Index) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in rules {
        rule.check_index(ix, settings, &mut out);
    }
    out
}

// Findings about what the cross-resource index holds. They live here, not in `index`,
// because findings come after the index in the pipeline.

impl IndexedObject {
    /// A finding about this object (its identity and `# Source:` attached) at `span`.
    pub fn finding(&self, rule: &'static RuleMeta, span: Span, message: String) -> Finding {
        let mut f = Finding::new(rule, self.file.clone(), span, message);
        f.resource = Some(Arc::new(self.id.clone()));
        f.origin = self.doc.origin.clone();
        f
    }
}

impl WorkloadSummary {
    /// A finding about this workload (its identity and `# Source:` attached) at `span`.
    pub fn finding(&self, rule: &'static RuleMeta, span: Span, message: String) -> Finding {
        let mut f = Finding::new(rule, self.file.clone(), span, message);
        f.resource = Some(self.id.clone());
        f.origin = self.origin.clone();
        f
    }
}
