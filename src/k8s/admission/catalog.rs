//! The admission policies of a run, held for all of it: the documents that hold the policies,
//! their bindings, the Namespaces, CRDs and param objects they read, gathered from every
//! scanned file before the objects are checked; each policy's expressions compiled once; and
//! what a CREATE of one object meets: the validations it fails, and the errors its
//! `failurePolicy` turns into a refusal.
//!
//! The documents are leaked: they live as long as the process's run, which reads them for
//! every object of every file, and are few (a policy set is a handful of small documents).

use std::sync::Arc;

use super::matching::{Match, Request, Scanned};
use super::objects::{FailurePolicy, NamedExpression, NotFoundAction, Policy, Severity};
use super::params::Params;
use super::{Binding, PolicySet};
use crate::index::{Resource, resources_of};
use crate::k8s::cel::{self, CostLimit, NodeRef, Outcome, Program, Variable};
use crate::k8s::version::KubeVersion;
use crate::load::{Document, NodeId};

/// Every policy and binding of a run, with what they read.
pub struct Catalog {
    docs: Vec<(Arc<str>, &'static Document)>,
    /// The objects the policies may read: the policies and bindings themselves, Namespaces,
    /// CRDs and params.
    pub objects: &'static [Resource<'static>],
    /// The same, with their Namespaces by name.
    scanned: Scanned<'static, 'static>,
    pub set: PolicySet<'static>,
    /// For each policy of `set`, its expressions compiled.
    compiled: Vec<Compiled>,
    /// The fields of an object that some expression of `compiled` uses: the rest is not read.
    fields: cel::Fields,
    /// Whether some expression of `compiled` reads `request` (otherwise it is not built).
    reads_request: bool,
    /// Whether some expression of `compiled` reads `namespaceObject` (otherwise it is not
    /// read).
    reads_namespace: bool,
    pub kube: KubeVersion,
    /// The expressions whose evaluation exceeded the cost limit, with the first object it
    /// happened on (`kind name`): a finding on the policy, made once the scan is over.
    exceeded: std::sync::Mutex<Vec<Exceeded>>,
}

/// An expression that exceeded the cost limit.
#[derive(Debug, Clone)]
pub struct Exceeded {
    /// The policy, by its index in `set.policies`.
    pub policy: usize,
    pub expression: NodeId,
    pub limit: u64,
    /// The object it was evaluated against, in words.
    pub object: String,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("documents", &self.docs.len())
            .field("policies", &self.set.policies.len())
            .field("bindings", &self.set.bindings.len())
            .finish()
    }
}

/// A policy's expressions, compiled; None where an expression does not compile (the policy
/// is then refused by the API server and enforces nothing) or is missing.
struct Compiled {
    /// Whether every expression compiled: otherwise the policy is never stored.
    works: bool,
    conditions: Vec<Option<Program>>,
    variables: Vec<Variable>,
    validations: Vec<(Option<Program>, Option<Program>)>,
}

fn compile(text: &Option<super::Text>) -> Option<Program> {
    cel::compile(&text.as_ref()?.value).ok()
}

impl Compiled {
    fn of(p: &Policy<'_>) -> Compiled {
        let mut works = true;
        let mut must = |t: &Option<super::Text>| {
            let program = compile(t);
            works &= program.is_some();
            program
        };
        let conditions = p
            .match_conditions
            .iter()
            .map(|c| must(&c.expression))
            .collect();
        let variables = p
            .variables
            .iter()
            .filter_map(|v: &NamedExpression| {
                let program = must(&v.expression)?;
                Some(Variable {
                    name: v.name.as_ref()?.value.clone(),
                    program,
                })
            })
            .collect();
        let validations = p
            .validations
            .iter()
            .map(|v| {
                let message = v
                    .message_expression
                    .as_ref()
                    .map(|_| must(&v.message_expression));
                (must(&v.expression), message.flatten())
            })
            .collect();
        Compiled {
            works,
            conditions,
            variables,
            validations,
        }
    }
}

/// What a CREATE of an object meets in one binding of a policy.
#[derive(Debug, Clone)]
pub struct Verdict<'c> {
    pub policy: &'c Policy<'static>,
    pub binding: &'c Binding<'static>,
    pub severity: Severity,
    pub message: String,
    /// The `reason` of the validation (`Invalid` unless written).
    pub reason: String,
    /// The expression that failed or raised the error, in the policy's document.
    pub expression: NodeId,
    /// The one field path under `object` the expression reads, when it reads exactly one.
    pub path: Option<Vec<String>>,
    /// The name of the param object it was evaluated with.
    pub param: Option<String>,
    /// The validation is false (otherwise: an error the policy's `failurePolicy: Fail`
    /// turns into a refusal).
    pub failed_validation: bool,
}

impl Catalog {
    /// The catalog of these documents (each with its file), read as the API server reads
    /// them at `kube`.
    pub fn build(
        docs: Vec<(Arc<str>, Document)>,
        default_namespace: &str,
        kube: KubeVersion,
    ) -> Catalog {
        let default_namespace: &'static str =
            Box::leak(default_namespace.to_string().into_boxed_str());
        let docs: Vec<(Arc<str>, &'static Document)> = docs
            .into_iter()
            .map(|(f, d)| (f, &*Box::leak(Box::new(d))))
            .collect();
        let objects: &'static [Resource<'static>] = Vec::leak(
            docs.iter()
                .flat_map(|(_, d)| resources_of(d, default_namespace).unwrap_or_default())
                .collect(),
        );
        let set = PolicySet::read(objects);
        let scanned = Scanned::new(objects, Some(kube));
        let compiled: Vec<Compiled> = set.policies.iter().map(Compiled::of).collect();
        let fields = fields_used(&compiled);
        let reads_request = programs(&compiled).any(|p| p.reads_global("request"));
        let reads_namespace = programs(&compiled).any(|p| p.reads_global("namespaceObject"));
        Catalog {
            docs,
            objects,
            scanned,
            set,
            compiled,
            fields,
            reads_request,
            reads_namespace,
            kube,
            exceeded: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// The expressions that exceeded the cost limit so far, each once, in policy order.
    pub fn exceeded(&self) -> Vec<Exceeded> {
        let mut all = self.exceeded.lock().map(|e| e.clone()).unwrap_or_default();
        all.sort_by_key(|e| (e.policy, e.expression));
        all.dedup_by_key(|e| (e.policy, e.expression));
        all
    }

    fn note_exceeded(&self, e: Exceeded) {
        if let Ok(mut all) = self.exceeded.lock()
            && !all
                .iter()
                .any(|x| x.policy == e.policy && x.expression == e.expression)
        {
            all.push(e);
        }
    }

    /// Whether there is nothing to evaluate.
    pub fn is_empty(&self) -> bool {
        self.set.bindings.is_empty()
    }

    /// The file a document of the catalog came from.
    pub fn file_of(&self, doc: &Document) -> Option<&Arc<str>> {
        self.docs
            .iter()
            .find(|(_, d)| std::ptr::eq(*d, doc))
            .map(|(f, _)| f)
    }

    /// What the CREATE of `object` meets: every failed validation, and every error that a
    /// `failurePolicy: Fail` turns into a refusal, of every binding that matches it. A
    /// binding that may or may not match (a Namespace's labels not scanned), an expression
    /// the engine does not implement, and params that cannot be found offline decide
    /// nothing: they are left out, never guessed.
    pub fn evaluate<'c>(&'c self, object: &Resource<'_>) -> Vec<Verdict<'c>> {
        let mut out = Vec::new();
        if self.is_empty() {
            return out;
        }
        let scanned = &self.scanned;
        // The object and its Namespace, read into CEL values once for every binding.
        let mut read: Option<Read> = None;
        for a in self.set.for_create(object, scanned) {
            if a.matched != Match::Yes {
                continue;
            }
            let Some(i) = self
                .set
                .policies
                .iter()
                .position(|p| std::ptr::eq(p, a.policy))
            else {
                continue;
            };
            let Some(j) = self
                .set
                .bindings
                .iter()
                .position(|b| std::ptr::eq(b, a.binding))
            else {
                continue;
            };
            let compiled = &self.compiled[i];
            if !compiled.works {
                continue;
            }
            let read = match &mut read {
                Some(r) => &*r,
                None => &*read.insert(Read::of(object, scanned, self)),
            };
            let one = One {
                catalog: self,
                index: i,
                policy: &self.set.policies[i],
                binding: &self.set.bindings[j],
                compiled,
                object,
                read,
            };
            match &a.params {
                Params::None | Params::Null => one.run(None, &mut out),
                Params::Found(params) => {
                    for p in params {
                        one.run(Some(p), &mut out);
                    }
                }
                Params::Missing { action, node } => {
                    if *action == NotFoundAction::Deny {
                        one.error(
                            *node,
                            "no param object matches the binding's `paramRef` (parameterNotFoundAction: Deny)".into(),
                            None,
                            &mut out,
                        );
                    }
                }
                Params::Misconfigured { node, message } => {
                    one.error(*node, message.clone(), None, &mut out)
                }
                Params::Unknown(_) => {}
            }
        }
        out
    }
}

/// What every binding evaluating one object reads of it: the object and its Namespace as CEL
/// values, and the request.
struct Read {
    object: Result<cel::Value, String>,
    namespace: Result<cel::Value, String>,
    request: cel::Value,
}

/// The fields of a Secret whose values no policy is given: the pull request that brings a
/// policy may be hostile, and a message (or which validations fail) would carry the values
/// into the report. A validation that reads them is not evaluated on a Secret.
pub const SECRET_FIELDS: &[&str] = &["data", "stringData"];

/// Whether an object is a Secret (core group).
pub fn is_secret(r: &Resource<'_>) -> bool {
    r.kind == "Secret" && r.group().is_empty()
}

/// The fields of an object that the programs of policies that work use (those of a policy
/// that does not work are never evaluated).
fn fields_used(compiled: &[Compiled]) -> cel::Fields {
    let mut fields = cel::Fields::none();
    for p in programs(compiled) {
        fields.add(p.read_paths());
    }
    fields
}

/// Every program of the policies that work: match conditions, variables, validations and
/// their messages.
fn programs(compiled: &[Compiled]) -> impl Iterator<Item = &Program> {
    compiled.iter().filter(|c| c.works).flat_map(|c| {
        let programs = c.conditions.iter().flatten();
        let programs = programs.chain(c.variables.iter().map(|v| &v.program));
        programs.chain(c.validations.iter().flat_map(|(v, m)| v.iter().chain(m)))
    })
}

/// A Secret read with its values hidden; any other object as it is. Only `fields` of the
/// object are read (all of it for `None`): the expressions read nothing else.
fn read_object(r: &Resource<'_>, fields: Option<&cel::Fields>) -> Result<cel::Value, String> {
    let node = NodeRef {
        doc: r.doc,
        node: r.node,
    };
    let v = match fields {
        Some(fields) => cel::read_fields(node, fields)?,
        None => cel::read_node(Some(node))?,
    };
    Ok(if is_secret(r) {
        v.redacted(SECRET_FIELDS)
    } else {
        v
    })
}

/// Whether a program may read a Secret's values through `root` (`object` or `params`): a
/// path into `data` or `stringData`, or one that stops at the root (a computed field name).
pub fn reads_secret_values(paths: &[Vec<String>]) -> bool {
    paths.iter().any(|p| {
        p.first()
            .is_none_or(|f| SECRET_FIELDS.contains(&f.as_str()))
    })
}

impl Read {
    fn of(object: &Resource<'_>, scanned: &Scanned<'_, '_>, catalog: &Catalog) -> Read {
        let req = Request::create(object, scanned);
        // No expression reads it: it is never seen.
        let ns = req
            .namespace_object(scanned)
            .filter(|_| catalog.reads_namespace);
        // The API server labels every Namespace with its name; a policy sees the label
        // whether or not the manifest writes it.
        let labelled = |v: cel::Value| match ns.and_then(|n| n.name) {
            Some(name) => v.with_entry(
                &["metadata", "labels", super::matching::NAME_LABEL],
                cel::Value::str(name),
            ),
            None => v,
        };
        Read {
            object: read_object(object, Some(&catalog.fields)),
            namespace: cel::read_node(ns.map(|n| NodeRef {
                doc: n.doc,
                node: n.node,
            }))
            .map(labelled),
            // No expression reads it: it is never seen.
            request: if catalog.reads_request {
                cel::request_value(&cel_request(&req))
            } else {
                cel::Value::Null
            },
        }
    }
}

/// One binding of one policy, for one object.
struct One<'c, 'o> {
    catalog: &'c Catalog,
    index: usize,
    policy: &'c Policy<'static>,
    binding: &'c Binding<'static>,
    compiled: &'c Compiled,
    object: &'o Resource<'o>,
    read: &'o Read,
}

impl<'c> One<'c, '_> {
    /// Keeps an evaluation over the cost limit for the policy's own finding.
    fn exceeded(&self, o: &Outcome, at: NodeId) {
        if let Outcome::CostExceeded { limit } = o {
            let object = format!(
                "{} {:?}",
                self.object.kind,
                self.object.name.unwrap_or("(unnamed)")
            );
            self.catalog.note_exceeded(Exceeded {
                policy: self.index,
                expression: at,
                limit: *limit,
                object,
            });
        }
    }

    /// Whether `p`, or a variable it reads, may read a Secret's values. Variables read only
    /// those before them; one that reads itself, a later one or an unknown one is taken to.
    fn reads_secret_values(&self, p: &Program) -> bool {
        let vars = &self.compiled.variables;
        let mut touches: Vec<bool> = Vec::with_capacity(vars.len());
        for v in vars {
            let via = v.program.variables_read().iter().any(|name| {
                vars[..touches.len()]
                    .iter()
                    .position(|w| &w.name == name)
                    .is_none_or(|j| touches[j])
            });
            touches.push(via || reads_secret_values(&v.program.object_paths()));
        }
        reads_secret_values(&p.object_paths())
            || p.variables_read().iter().any(|name| {
                vars.iter()
                    .position(|w| &w.name == name)
                    .is_none_or(|j| touches[j])
            })
    }

    fn severity(&self) -> Severity {
        self.binding.severity().unwrap_or(Severity::Error)
    }

    /// An error: a refusal under `failurePolicy: Fail`, nothing under `Ignore`.
    fn error(
        &self,
        at: NodeId,
        message: String,
        param: Option<String>,
        out: &mut Vec<Verdict<'c>>,
    ) {
        if self.policy.failure_policy == FailurePolicy::Ignore {
            return;
        }
        out.push(Verdict {
            policy: self.policy,
            binding: self.binding,
            severity: self.severity(),
            message,
            reason: "Invalid".into(),
            expression: at,
            path: None,
            param,
            failed_validation: false,
        });
    }

    fn run(&self, param: Option<&Resource<'_>>, out: &mut Vec<Verdict<'c>>) {
        let param_name = param.and_then(|p| p.name).map(str::to_string);
        let limit = CostLimit::default();
        let params = match param {
            Some(p) => read_object(p, None),
            None => Ok(cel::Value::Null),
        };
        let (object, namespace, params) = match (&self.read.object, &self.read.namespace, params) {
            (Ok(o), Ok(n), Ok(p)) => (o.clone(), n.clone(), p),
            (Err(why), _, _) | (_, Err(why), _) => {
                let why = why.clone();
                self.error(self.policy.resource.node, why, param_name, out);
                return;
            }
            (_, _, Err(why)) => {
                self.error(self.policy.resource.node, why, param_name, out);
                return;
            }
        };
        let input = cel::Bound::of_values(
            object,
            params,
            namespace,
            self.read.request.clone(),
            &self.compiled.variables,
        );
        // A Secret's values are hidden from the policy: what reads them is not evaluated.
        if param.is_some_and(is_secret) {
            return;
        }
        let hidden = |p: &Program| is_secret(self.object) && self.reads_secret_values(p);
        // Every match condition must hold. A false one skips the policy whatever errors the
        // others raise, so every condition is evaluated before the first error, if any, goes
        // to the failure policy.
        let mut first_error = None;
        for (c, program) in self
            .policy
            .match_conditions
            .iter()
            .zip(&self.compiled.conditions)
        {
            let Some(program) = program else { return };
            if hidden(program) {
                return;
            }
            let at = c.expression.as_ref().map_or(c.node, |e| e.node);
            match cel::eval_bound(program, &input, &limit) {
                o if o.as_bool() == Some(true) => {}
                o if o.as_bool() == Some(false) => return,
                Outcome::NotEvaluated { .. } => return,
                o => {
                    self.exceeded(&o, at);
                    first_error.get_or_insert((at, failure(&o)));
                }
            }
        }
        if let Some((at, why)) = first_error {
            self.error(at, format!("match condition fails: {why}"), param_name, out);
            return;
        }
        for (v, (program, message_program)) in self
            .policy
            .validations
            .iter()
            .zip(&self.compiled.validations)
        {
            let Some(program) = program else { continue };
            if hidden(program) {
                continue;
            }
            let at = v.expression.as_ref().map_or(v.node, |e| e.node);
            match cel::eval_bound(program, &input, &limit) {
                o if o.as_bool() == Some(true) => {}
                o if o.as_bool() == Some(false) => {
                    let message = message_program
                        .as_ref()
                        .filter(|m| !hidden(m))
                        .and_then(|m| {
                            cel::eval_bound(m, &input, &limit)
                                .as_string()
                                .map(str::to_string)
                        })
                        .filter(|m| !m.trim().is_empty() && !m.contains('\n'))
                        .or_else(|| v.message.as_ref().map(|m| m.value.clone()))
                        .unwrap_or_else(|| {
                            format!(
                                "failed expression: {}",
                                v.expression.as_ref().map_or("", |e| e.value.trim())
                            )
                        });
                    let paths = program.object_paths();
                    out.push(Verdict {
                        policy: self.policy,
                        binding: self.binding,
                        severity: self.severity(),
                        message,
                        reason: v
                            .reason
                            .as_ref()
                            .map_or_else(|| "Invalid".to_string(), |r| r.value.clone()),
                        expression: at,
                        path: (paths.len() == 1).then(|| paths[0].clone()),
                        param: param_name.clone(),
                        failed_validation: true,
                    });
                }
                Outcome::NotEvaluated { .. } => {}
                o => {
                    self.exceeded(&o, at);
                    let why = failure(&o);
                    self.error(
                        at,
                        format!("validation expression fails: {why}"),
                        param_name.clone(),
                        out,
                    );
                }
            }
        }
    }
}

/// An evaluation that gave no boolean, in words.
fn failure(o: &Outcome) -> String {
    match o {
        Outcome::Error { message } => message.clone(),
        Outcome::CostExceeded { limit } => {
            format!("its evaluation exceeds the cost limit of {limit} steps per call")
        }
        Outcome::Value(_) => "it does not evaluate to a boolean".into(),
        Outcome::NotEvaluated { name, .. } => format!("{name} is not evaluated"),
    }
}

/// The CEL `request` of a CREATE.
fn cel_request(req: &Request<'_>) -> cel::Request {
    cel::Request {
        kind: cel::GroupVersionKind {
            group: req.group.to_string(),
            version: req.version.to_string(),
            kind: req.object.kind.to_string(),
        },
        resource: cel::GroupVersionResource {
            group: req.group.to_string(),
            version: req.version.to_string(),
            resource: req.resource.clone(),
        },
        namespace: req.namespace.unwrap_or_default().to_string(),
        name: req.object.name.unwrap_or_default().to_string(),
        operation: "CREATE".into(),
    }
}
