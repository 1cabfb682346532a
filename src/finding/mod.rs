//! Findings and rule metadata: what every stage after `check` passes along.

pub mod anchor;
pub mod fingerprint;
pub mod fix;
pub mod result;
pub mod spill;

use std::sync::Arc;

use serde::Serialize;

pub use crate::index::ResourceId;
pub use crate::k8s::upgrade::{Change, Gate, Hop, Placement};
pub use crate::k8s::version::KubeVersion;
use crate::span::Span;
pub use anchor::Anchor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A rule's static description: everything known about a rule, read by every stage that
/// needs it (selection, suppressions, mapping back, SARIF, the rules table). The page is its
/// documentation, embedded at build time. Declared with `rules::rule_meta!`.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub slug: &'static str,
    /// One sentence: what the rule finds.
    pub title: &'static str,
    pub family: Family,
    /// The default severity (configuration may change it).
    pub severity: Severity,
    /// When a finding's severity depends on what is found: how (`warning when unset`).
    pub severity_note: Option<&'static str>,
    /// How sure the rule is of its results.
    pub precision: Precision,
    /// The score code scanning ranks security alerts by (SARIF `security-severity`: critical
    /// 9.0 and above, high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9); `None` for rules that do
    /// not find security problems.
    pub security_severity: Option<&'static str>,
    /// What a finding of the rule is about.
    pub scope: Scope,
    /// The Pod Security Standards control this rule implements, if any.
    pub pss_control: Option<&'static str>,
    /// Names the rule is selected by with its family's (`--select pod-security`).
    pub tags: &'static [&'static str],
    pub page: &'static str,
}

/// Every tag a rule may carry, in the order `keelhaul rules` explains them.
pub const TAGS: &[&str] = &[
    "input",
    "pod-security",
    "seccomp",
    "apparmor",
    "rbac",
    "network",
    "api-lifecycle",
    "aks",
    "upgrade",
    "custom",
];

/// The tags of a rule by its id: its family's; seccomp and AppArmor rules (KH20x, KH21x)
/// apart, and the rule about both kinds of annotation (KH205) in both.
pub const fn default_tags(id: &str) -> &'static [&'static str] {
    let b = id.as_bytes();
    match b[2] {
        b'0' => &["input"],
        b'1' => &["pod-security"],
        b'2' => match (b[3], b[4]) {
            (b'0', b'5') => &["seccomp", "apparmor"],
            (b'0', _) => &["seccomp"],
            _ => &["apparmor"],
        },
        b'3' => &["rbac"],
        b'4' => &["network"],
        b'5' => &["api-lifecycle"],
        b'6' => &["aks"],
        b'7' => &["upgrade"],
        b'8' => &["admission"],
        _ => panic!("a rule id is KH followed by three digits"),
    }
}

/// A rule with its page as documentation shows it (generated tables filled in): what reports
/// that describe rules (SARIF) are handed.
#[derive(Debug, Clone)]
pub struct RuleDoc {
    pub meta: &'static RuleMeta,
    pub page: std::borrow::Cow<'static, str>,
    /// Plain-text help when it is not the page: a custom rule's CEL expression.
    pub help_text: Option<&'static str>,
}

/// A rule family: the hundreds digit of its id (`KH1xx` …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// KH0xx: problems with the input itself.
    Input,
    /// KH1xx: pod and container security contexts, Pod Security.
    SecurityContext,
    /// KH2xx: seccomp and AppArmor.
    SeccompAppArmor,
    /// KH3xx: RBAC.
    Rbac,
    /// KH4xx: NetworkPolicy.
    NetworkPolicy,
    /// KH5xx: API versions and fields at a Kubernetes version.
    ApiLifecycle,
    /// KH6xx: AKS cluster definitions.
    Aks,
    /// KH7xx: what makes an upgrade fail or stall (drains, node pools, versions).
    Upgrade,
    /// KH8xx: what the cluster's own admission policies (ValidatingAdmissionPolicy) reject.
    Admission,
    /// A team's own rules, written in CEL in the configuration (`rules.custom`), with ids
    /// outside `KH`: no id range of their own, so [`Family::of_id`] never returns it.
    Custom,
}

impl Family {
    /// Every family, in id order.
    pub const ALL: &'static [Family] = &[
        Family::Input,
        Family::SecurityContext,
        Family::SeccompAppArmor,
        Family::Rbac,
        Family::NetworkPolicy,
        Family::ApiLifecycle,
        Family::Aks,
        Family::Upgrade,
        Family::Admission,
        Family::Custom,
    ];

    /// The family an id belongs to, by its hundreds digit.
    pub const fn of_id(id: &str) -> Family {
        match id.as_bytes()[2] {
            b'0' => Family::Input,
            b'1' => Family::SecurityContext,
            b'2' => Family::SeccompAppArmor,
            b'3' => Family::Rbac,
            b'4' => Family::NetworkPolicy,
            b'5' => Family::ApiLifecycle,
            b'6' => Family::Aks,
            b'7' => Family::Upgrade,
            b'8' => Family::Admission,
            _ => panic!("a rule id is KH followed by three digits"),
        }
    }

    /// The family's name in tags and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Input => "input",
            Family::SecurityContext => "security-context",
            Family::SeccompAppArmor => "seccomp-apparmor",
            Family::Rbac => "rbac",
            Family::NetworkPolicy => "network-policy",
            Family::ApiLifecycle => "api-lifecycle",
            Family::Aks => "aks",
            Family::Upgrade => "upgrade",
            Family::Admission => "admission",
            Family::Custom => "custom",
        }
    }

    /// Whether the family's rules find security problems (their results then carry a
    /// security severity).
    pub const fn is_security(self) -> bool {
        !matches!(
            self,
            Family::Input
                | Family::ApiLifecycle
                | Family::Upgrade
                | Family::Admission
                | Family::Custom
        )
    }
}

/// How sure a rule is of its results (SARIF `precision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// A deterministic reading of one object.
    VeryHigh,
    /// A judgement that depends on every related object being in the scanned set.
    High,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::VeryHigh => "very-high",
            Precision::High => "high",
        }
    }
}

/// What a finding of a rule is about, which decides how findings of several renders of one
/// source line are told apart and whether a finding maps back to a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One Kubernetes object (or the text of a file).
    Object,
    /// An object as placed in a namespace: the verdict depends on the namespace it lands in,
    /// so an overlay that puts a shared base in another namespace has a problem of its own.
    Namespace,
    /// An AKS cluster definition.
    ClusterDefinition,
    /// A suppression comment: a line of text, not a field.
    Comment,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Object => "object",
            Scope::Namespace => "namespace",
            Scope::ClusterDefinition => "cluster-definition",
            Scope::Comment => "comment",
        }
    }
}

/// The security severity of a rule that says nothing of its own: by its default severity,
/// for the families that find security problems.
pub const fn default_security_severity(family: Family, severity: Severity) -> Option<&'static str> {
    if !family.is_security() {
        return None;
    }
    Some(match severity {
        Severity::Error => "8.0",
        Severity::Warning => "5.5",
        Severity::Note => "2.0",
    })
}

/// A second place a finding refers to, with what it is.
#[derive(Debug, Clone)]
pub struct Related {
    /// The file of a place elsewhere (a Namespace's label, which may be in the finding's own
    /// file too); None for a place in the text the finding was made on.
    pub file: Option<Arc<str>>,
    pub span: Span,
    pub label: std::borrow::Cow<'static, str>,
}

/// The source lines a finding covers, taken while the file was in memory, with Secret
/// values already masked.
#[derive(Debug, Clone)]
pub struct Excerpt {
    pub first_line: u32,
    pub text: String,
    /// For each line of `text`, how many characters of the source line were left out before
    /// it (a very long line is cut to a window); empty when no line was cut.
    pub cut: Vec<u32>,
}

impl Excerpt {
    /// Characters of source line `line` left out before its text in the excerpt.
    pub fn cut_before(&self, line: u32) -> u32 {
        line.checked_sub(self.first_line)
            .and_then(|i| self.cut.get(i as usize))
            .copied()
            .unwrap_or(0)
    }
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    /// Exactly as long as it is: there is one per finding, and there may be many.
    pub message: Box<str>,
    pub file: Arc<str>,
    pub span: Span,
    /// A short label for the primary span ("set here").
    pub label: Option<&'static str>,
    pub related: Vec<Related>,
    /// Shared by every finding about the same resource.
    pub resource: Option<Arc<ResourceId>>,
    /// The template a rendered document came from (`# Source:`).
    pub origin: Option<Arc<str>>,
    /// Boxed: only human output has excerpts, and a finding is kept small for the rest.
    pub excerpt: Option<Box<Excerpt>>,
    /// Text edits that resolve the finding, when it can be fixed mechanically and safely.
    pub fix: Option<Box<crate::finding::fix::Fix>>,
    /// GitHub's fingerprint of the line the finding starts on (`primaryLocationLineHash`),
    /// when the scan was asked for fingerprints.
    pub line_hash: Option<Box<str>>,
    /// Where the finding is, in words that survive lines moving (for baselines and review
    /// markers), when the scan was asked for fingerprints.
    pub anchor: Option<Box<Anchor>>,
    /// Set when a suppression silenced the finding: its justification (empty when none was
    /// given). Suppressed findings are kept apart from the report, for SARIF.
    pub suppressed: Option<Box<str>>,
    /// Set when the finding was made on rendered output (Helm, Kustomize) and mapped back to
    /// the source line: what rendered it, and whether the line is approximate.
    pub rendered: Option<Box<crate::load::render::MappedFrom>>,
    /// For a version-gated finding: the version at which its change (breaks, deprecated)
    /// takes effect, set by the rule.
    pub gate: Option<Gate>,
    /// With `--from`: the hop of the upgrade path at which the gate takes effect.
    pub hop: Option<Placement>,
}

impl Finding {
    pub fn new(rule: &'static RuleMeta, file: Arc<str>, span: Span, message: String) -> Finding {
        Finding {
            rule,
            severity: rule.severity,
            message: message.into_boxed_str(),
            file,
            span,
            label: None,
            related: Vec::new(),
            resource: None,
            origin: None,
            excerpt: None,
            fix: None,
            line_hash: None,
            anchor: None,
            suppressed: None,
            rendered: None,
            gate: None,
            hop: None,
        }
    }

    /// Marks the finding as version-gated: its change takes effect at `gate.at`.
    pub fn gate(&mut self, gate: Gate) -> &mut Self {
        self.gate = Some(gate);
        self
    }

    pub fn severity(&mut self, s: Severity) -> &mut Self {
        self.severity = s;
        self
    }

    pub fn label(&mut self, l: &'static str) -> &mut Self {
        self.label = Some(l);
        self
    }

    pub fn related(
        &mut self,
        span: Span,
        label: impl Into<std::borrow::Cow<'static, str>>,
    ) -> &mut Self {
        self.related.push(Related {
            file: None,
            span,
            label: label.into(),
        });
        self
    }

    /// A related place in another file.
    pub fn related_in(
        &mut self,
        file: Arc<str>,
        span: Span,
        label: impl Into<std::borrow::Cow<'static, str>>,
    ) -> &mut Self {
        let file = (file != self.file).then_some(file);
        self.related.push(Related {
            file,
            span,
            label: label.into(),
        });
        self
    }

    /// A related place read before the scan, outside the text the finding is made on (a
    /// Namespace's label): named by its file even when that is the finding's own, since its
    /// span is already where it is in that file (a finding made on a part of a file is moved
    /// to the file's lines, and such a place must not move with it).
    pub fn related_elsewhere(
        &mut self,
        file: Arc<str>,
        span: Span,
        label: impl Into<std::borrow::Cow<'static, str>>,
    ) -> &mut Self {
        self.related.push(Related {
            file: Some(file),
            span,
            label: label.into(),
        });
        self
    }

    /// Moves a finding made on a part of its file that starts on line `by + 1` to the
    /// file's lines: its span, its related places in the same text (those without a file),
    /// its fix and its excerpt.
    pub fn shift_lines(&mut self, by: u32) {
        self.span = self.span.shifted(by);
        for r in self.related.iter_mut().filter(|r| r.file.is_none()) {
            r.span = r.span.shifted(by);
        }
        if let Some(fix) = &mut self.fix {
            for e in &mut fix.edits {
                e.span = e.span.shifted(by);
            }
        }
        if let Some(ex) = &mut self.excerpt {
            ex.first_line = ex.first_line.saturating_add(by);
        }
    }

    /// Output order: path, line, column, rule, message. Findings of one file share its
    /// `Arc`, so the path comparison is skipped for them.
    pub fn output_order(&self, other: &Finding) -> std::cmp::Ordering {
        let file = if Arc::ptr_eq(&self.file, &other.file) {
            std::cmp::Ordering::Equal
        } else {
            self.file.cmp(&other.file)
        };
        file.then_with(|| {
            (
                self.span.start.line,
                self.span.start.col,
                self.rule.id,
                &self.message,
            )
                .cmp(&(
                    other.span.start.line,
                    other.span.start.col,
                    other.rule.id,
                    &other.message,
                ))
        })
    }
}

/// Items of a message's list: the first `shown` of them, then how many more: `a, b, c and 4
/// more` (a message names a few; its related locations, or the object itself, hold them all).
pub fn listed<S: AsRef<str>>(items: &[S], shown: usize) -> String {
    let shown = items.len().min(shown.max(1));
    let mut parts: Vec<&str> = items[..shown].iter().map(AsRef::as_ref).collect();
    let more = (items.len() > shown).then(|| format!("{} more", items.len() - shown));
    if let Some(m) = &more {
        parts.push(m);
    }
    match parts.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod listed_tests {
    use super::listed;

    #[test]
    fn a_few_then_how_many_more() {
        assert_eq!(listed::<&str>(&[], 3), "");
        assert_eq!(listed(&["a"], 3), "a");
        assert_eq!(listed(&["a", "b"], 3), "a and b");
        assert_eq!(listed(&["a", "b", "c"], 3), "a, b and c");
        assert_eq!(listed(&["a", "b", "c", "d", "e"], 3), "a, b, c and 2 more");
    }
}
