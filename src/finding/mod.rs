//! Findings and rule metadata: what every stage after `check` passes along.

pub mod fingerprint;
pub mod fix;

use std::sync::Arc;

use serde::Serialize;

use crate::index::ResourceId;
use crate::span::Span;

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

/// A rule's static description; the page is its documentation, embedded at build time.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub slug: &'static str,
    /// One sentence: what the rule finds.
    pub title: &'static str,
    pub severity: Severity,
    /// The Pod Security Standards control this rule implements, if any.
    pub pss_control: Option<&'static str>,
    pub page: &'static str,
}

/// A second place a finding refers to, with what it is.
#[derive(Debug, Clone)]
pub struct Related {
    /// Another file than the finding's, when the place is elsewhere (a Namespace's label).
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
    /// Set when a suppression silenced the finding: its justification (empty when none was
    /// given). Suppressed findings are kept apart from the report, for SARIF.
    pub suppressed: Option<Box<str>>,
    /// Set when the finding was made on rendered output (Helm, Kustomize) and mapped back to
    /// the source line: what rendered it, and whether the line is approximate.
    pub rendered: Option<Box<crate::load::render::MappedFrom>>,
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
            suppressed: None,
            rendered: None,
        }
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
