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
use crate::load::place::place_in_scalar;

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
                    let at = place_in_scalar(p.resource.doc, e.node, &e.value, err.offset);
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
                let at = place_in_scalar(p.resource.doc, e.node, &e.value, u.offset);
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
