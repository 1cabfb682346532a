//! Admission policies (KH801–KH803): what the cluster's own ValidatingAdmissionPolicies
//! reject when the scanned objects are created, evaluated offline with their bindings and
//! params; policies and bindings the API server refuses or that cannot work; and expressions
//! keelhaul cannot evaluate, said rather than passed.

use super::{field_key, rule_meta};
use crate::check::{Rule, Settings, Sink};
use crate::finding::{Finding, Severity};
use crate::index::{Index, Resource};
use crate::k8s::admission::{self, Catalog, Policy};
use crate::k8s::cel;
use crate::load::scalar::ScalarStyle;
use crate::load::{Document, NodeId, NodeKind};
use crate::span::{Pos, Span};

rule_meta!(
    PolicyDenies,
    POLICY_DENIES,
    "KH801",
    "admission-policy-denies",
    Error,
    "A ValidatingAdmissionPolicy of the cluster rejects (or warns on, or audits) the creation of this object.",
    precision = High,
    severity_note = "warning for a binding with validationActions Warn, note for Audit"
);
rule_meta!(
    PolicyInvalid,
    POLICY_INVALID,
    "KH802",
    "admission-policy-invalid",
    Error,
    "A ValidatingAdmissionPolicy or binding that the API server refuses or that cannot work as written.",
);
rule_meta!(
    ExpressionNotEvaluated,
    EXPRESSION_NOT_EVALUATED,
    "KH803",
    "admission-expression-not-evaluated",
    Note,
    "A policy expression uses what keelhaul cannot evaluate offline; the objects it would judge are not judged by it.",
);

fn severity(s: admission::Severity) -> Severity {
    match s {
        admission::Severity::Error => Severity::Error,
        admission::Severity::Warning => Severity::Warning,
        admission::Severity::Note => Severity::Note,
    }
}

/// KH801.
impl Rule for PolicyDenies {
    fn reads_admission_policies(&self) -> bool {
        true
    }

    fn check_resource(&self, r: &Resource<'_>, out: &mut Sink<'_>) {
        let Some(catalog) = out.settings.admission.clone() else {
            return;
        };
        for v in catalog.evaluate(r) {
            let at = v
                .path
                .as_deref()
                .and_then(|p| field_key(r.doc, r.node, p))
                .or_else(|| r.doc.entry(r.node, "kind").map(|e| e.key))
                .unwrap_or(r.node);
            let policy = v.policy.resource.name.unwrap_or("(unnamed)");
            let binding = v.binding.resource.name.unwrap_or("(unnamed)");
            let with = match &v.param {
                Some(p) => format!(", with param {p:?}"),
                None => String::new(),
            };
            let verb = match v.severity {
                admission::Severity::Error => "rejects the creation of this object",
                admission::Severity::Warning => "warns on the creation of this object",
                admission::Severity::Note => "audits the creation of this object",
            };
            let cause = if v.failed_validation && v.reason != "Invalid" {
                format!("{} (reason: {})", v.message, v.reason)
            } else if v.failed_validation {
                v.message.clone()
            } else {
                format!("{} (failurePolicy: Fail)", v.message)
            };
            let message = format!(
                "ValidatingAdmissionPolicy {policy:?} (binding {binding:?}{with}) {verb}: {cause}"
            );
            let doc = v.policy.resource.doc;
            let related = catalog.file_of(doc).cloned();
            let f = out.report(&POLICY_DENIES, at, message);
            f.severity(severity(v.severity));
            if let Some(file) = related {
                f.related_in(file, doc.span(v.expression), "the policy's expression");
            }
        }
    }
}

/// Where byte `offset` of the expression written at `node` is in the file: exact in a
/// one-line plain or quoted scalar without escapes and in a literal block, else the start of
/// the expression.
pub fn place_in_expression(doc: &Document, node: NodeId, expr: &str, offset: usize) -> Span {
    let span = doc.span(node);
    let before = expr.get(..offset).unwrap_or(expr);
    let style = match doc.node(node).kind {
        NodeKind::Scalar { style, .. } => style,
        _ => return span,
    };
    let one_line = span.start.line == span.end.line;
    let col = |extra: u32| {
        let c = span.start.col + extra + before.chars().count() as u32;
        Span::point(Pos {
            line: span.start.line,
            col: c,
        })
    };
    match style {
        ScalarStyle::Plain if one_line => col(0),
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
            if one_line && span.end.col - span.start.col == expr.chars().count() as u32 + 2 =>
        {
            col(1)
        }
        ScalarStyle::Literal => {
            // The node's span starts at the text (the line after the indicator), each line
            // as written at the block's indentation.
            let line = span.start.line + before.matches('\n').count() as u32;
            let on_line = before.rsplit('\n').next().unwrap_or("");
            let col = span.start.col + on_line.chars().count() as u32;
            Span::point(Pos { line, col })
        }
        _ => span,
    }
}

/// Every expression of a policy: (what it is, its text and node).
fn expressions<'p>(p: &'p Policy<'_>) -> Vec<(&'static str, &'p admission::Text)> {
    let mut out = Vec::new();
    for c in &p.match_conditions {
        out.extend(c.expression.as_ref().map(|e| ("match condition", e)));
    }
    for v in &p.variables {
        out.extend(v.expression.as_ref().map(|e| ("variable", e)));
    }
    for v in &p.validations {
        out.extend(v.expression.as_ref().map(|e| ("validation", e)));
        out.extend(
            v.message_expression
                .as_ref()
                .map(|e| ("message expression", e)),
        );
    }
    out
}

/// KH802.
impl Rule for PolicyInvalid {
    fn reads_admission_policies(&self) -> bool {
        true
    }

    fn check_index(&self, _ix: &Index, settings: &Settings, out: &mut Vec<Finding>) {
        let Some(catalog) = &settings.admission else {
            return;
        };
        for (r, problem) in &catalog.set.problems {
            if let Some(file) = catalog.file_of(r.doc) {
                out.push(Finding::new(
                    &POLICY_INVALID,
                    file.clone(),
                    r.doc.span(problem.node),
                    problem.message.clone(),
                ));
            }
        }
        // The evaluations over the cost limit are those KH801 made on the scanned objects
        // (all done by now): with KH801 off, none are made, and none are reported here.
        for e in catalog.exceeded() {
            let p = &catalog.set.policies[e.policy];
            if let Some(file) = catalog.file_of(p.resource.doc) {
                out.push(Finding::new(
                    &POLICY_INVALID,
                    file.clone(),
                    p.resource.doc.span(e.expression),
                    format!(
                        "this expression of policy {:?} exceeds the cost limit ({} steps per evaluation) on {}: the API server stops such an evaluation with an error, which the policy's failurePolicy decides; bound its loops",
                        p.resource.name.unwrap_or("(unnamed)"),
                        e.limit,
                        e.object
                    ),
                ));
            }
        }
        for p in &catalog.set.policies {
            let Some(file) = catalog.file_of(p.resource.doc) else {
                continue;
            };
            let name = p.resource.name.unwrap_or("(unnamed)");
            for (what, e) in expressions(p) {
                if let Err(err) = cel::compile(&e.value) {
                    let at = place_in_expression(p.resource.doc, e.node, &e.value, err.offset);
                    out.push(Finding::new(
                        &POLICY_INVALID,
                        file.clone(),
                        at,
                        format!(
                            "this {what} of policy {name:?} does not compile: {}; the API server refuses the policy, which then enforces nothing",
                            err.message
                        ),
                    ));
                }
            }
        }
    }
}

/// KH803.
impl Rule for ExpressionNotEvaluated {
    fn reads_admission_policies(&self) -> bool {
        true
    }

    fn check_index(&self, _ix: &Index, settings: &Settings, out: &mut Vec<Finding>) {
        let Some(catalog) = &settings.admission else {
            return;
        };
        report_unsupported(catalog, out);
    }
}

fn report_unsupported(catalog: &Catalog, out: &mut Vec<Finding>) {
    for p in &catalog.set.policies {
        let Some(file) = catalog.file_of(p.resource.doc) else {
            continue;
        };
        let name = p.resource.name.unwrap_or("(unnamed)");
        if let Some(pk) = &p.param_kind
            && let (Some(group), Some(kind)) = (pk.group(), pk.kind.as_ref())
            && !admission::resources::is_built_in(group, &kind.value)
            && admission::resources::crd_for(catalog.objects, group, &kind.value).is_none()
            && !catalog
                .objects
                .iter()
                .any(|o| o.kind == kind.value && o.group() == group)
        {
            out.push(Finding::new(
                &EXPRESSION_NOT_EVALUATED,
                file.clone(),
                p.resource.doc.span(kind.node),
                format!(
                    "policy {name:?} takes params of kind {}, but neither an object of that kind nor its CustomResourceDefinition is scanned: its params cannot be found offline, and the objects it applies to are not judged by it (a typo in paramKind, or scan the params with it)",
                    kind.value
                ),
            ));
        }
        for (what, e) in expressions(p) {
            let Ok(program) = cel::compile(&e.value) else {
                continue;
            };
            // The first is enough: the expression is not evaluated whatever follows it.
            if let Some(u) = program.unsupported().into_iter().next() {
                let why = if u.name == "authorizer" || u.name.starts_with("authorizer.") {
                    "the authorizer (who may do what in the cluster) is not known offline"
                        .to_string()
                } else {
                    format!("keelhaul's CEL engine does not implement `{}`", u.name)
                };
                let at = place_in_expression(p.resource.doc, e.node, &e.value, u.offset);
                out.push(Finding::new(
                    &EXPRESSION_NOT_EVALUATED,
                    file.clone(),
                    at,
                    format!(
                        "this {what} of policy {name:?} is not evaluated: {why}; the objects it applies to are not judged by it (neither passed nor failed)"
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (line, column) of byte `offset` of the expression under `validations[0]`.
    fn place(yaml: &str, offset: usize) -> (u32, u32) {
        let doc = crate::load::load_text(yaml).docs.remove(0);
        let root = doc.root.unwrap();
        let e = doc
            .path(root, &["validations"])
            .map(|l| doc.items(l)[0])
            .and_then(|v| doc.get(v, "expression"))
            .unwrap();
        let text = doc.scalar(e).unwrap().to_string();
        let at = place_in_expression(&doc, e, &text, offset);
        (at.start.line, at.start.col)
    }

    #[test]
    fn a_place_in_an_expression_is_its_line_and_column_in_the_file() {
        // Columns count from 0 inside (reports print them from 1). Plain and quoted: the
        // `d` of `duration`, byte 5 of the expression.
        assert_eq!(
            place("validations:\n- expression: a && duration('1h')\n", 5),
            (2, 19)
        );
        assert_eq!(
            place("validations:\n- expression: \"a && duration('1h')\"\n", 5),
            (2, 20)
        );
        // A literal block: byte 10 is `duration`, on the block's second line.
        assert_eq!(
            place(
                "validations:\n- expression: |\n    a &&\n    b || duration('1h')\n",
                10
            ),
            (4, 9)
        );
        // Folded (lines joined): the start of the expression.
        assert_eq!(
            place(
                "validations:\n- expression: >-\n    a &&\n    duration('1h')\n",
                5
            ),
            (3, 4)
        );
    }
}
