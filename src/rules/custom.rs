//! Custom rules: a team's own checks, declared in the configuration (`rules.custom`) the way
//! a ValidatingAdmissionPolicy declares a validation (a CEL expression and its message), so
//! that they can move into the cluster later. Each is evaluated against every object it
//! matches, with `object` the object and everything else null.
//!
//! The rules are made once, when the configuration is read, and live for the whole run: each
//! is leaked (`Box::leak`) so that its metadata is `&'static` like a built-in rule's and its
//! findings, suppressions, selection, baselines and reports treat it the same way. They are
//! handed to whatever looks rules up by name (`rules::find_in`, `rules::matching_in`); no
//! global registry holds them.

use crate::check::{Declared, Rule, Sink};
use crate::finding::{Family, Precision, RuleDoc, RuleMeta, Scope, Severity};
use crate::index::Resource;
use crate::k8s::cel::{self, CostLimit, Input, Outcome, Program, Value};

/// What the configuration says of a custom rule, checked (id, severity) but not compiled.
#[derive(Debug, Clone)]
pub struct CustomRuleSpec {
    pub id: String,
    /// The rule's slug: its `name`, else one made from its message ([`slug_of_message`]).
    pub slug: String,
    /// API groups the rule applies to (`""`: the core group, `*`: any); empty: any.
    pub api_groups: Vec<String>,
    /// Kinds the rule applies to (`*`: any); empty: any.
    pub kinds: Vec<String>,
    pub expression: String,
    pub message: String,
    pub severity: Severity,
}

/// A custom rule, compiled and ready to run.
pub struct CustomRule {
    meta: &'static RuleMeta,
    api_groups: Vec<String>,
    kinds: Vec<String>,
    expression: &'static str,
    program: Program,
    /// The one field path under `object` the expression reads, when it reads exactly one:
    /// where a finding is placed.
    path: Option<Vec<String>>,
    /// Whether the expression uses what the engine does not implement (it is then never run).
    unsupported: bool,
}

impl std::fmt::Debug for CustomRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomRule")
            .field("id", &self.meta.id)
            .field("expression", &self.expression)
            .finish()
    }
}

/// Why an id cannot name a custom rule, if it cannot: it is a letter then 1 to 31 letters,
/// digits, `_` or `-`, and does not start with `KH` (keelhaul's own rules, in any case).
pub fn id_problem(id: &str) -> Option<String> {
    let mut chars = id.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !first_ok || !rest_ok || !(2..=32).contains(&id.len()) {
        return Some(format!(
            "{id:?} is not a custom rule id: a letter, then 1 to 31 letters, digits, '_' or '-' (e.g. ACME001)"
        ));
    }
    if id.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("KH")) {
        return Some(format!(
            "{id:?}: ids starting with KH are keelhaul's own; give custom rules a prefix of your own (e.g. ACME001)"
        ));
    }
    None
}

/// Why a name cannot be a custom rule's slug, if it cannot: lowercase ASCII letters and
/// digits in words joined by single hyphens (`images-from-our-registry`), at most 64
/// characters.
pub fn slug_problem(name: &str) -> Option<String> {
    let words_ok = name.split('-').all(|w| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if !words_ok || name.len() > 64 {
        return Some(format!(
            "{name:?} is not a rule name: lowercase letters and digits, words joined by single hyphens, at most 64 characters (e.g. images-from-our-registry)"
        ));
    }
    None
}

/// The longest slug made from a message; a longer one is cut at a word boundary.
const SLUG_FROM_MESSAGE_MAX: usize = 40;

/// The slug of a custom rule without a `name`: its message in lowercase ASCII, each run of
/// other characters one hyphen, cut at a word boundary to at most 40 characters;
/// `custom-rule` when nothing is left.
pub fn slug_of_message(message: &str) -> String {
    let mut slug = String::new();
    for c in message.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let mut slug = slug.trim_end_matches('-').to_string();
    if slug.len() > SLUG_FROM_MESSAGE_MAX {
        // Cut at the last hyphen that keeps it short enough: whole words only, unless the
        // first word alone is too long.
        let cut = slug[..=SLUG_FROM_MESSAGE_MAX]
            .rfind('-')
            .unwrap_or(SLUG_FROM_MESSAGE_MAX);
        slug.truncate(cut);
    }
    if slug.is_empty() {
        slug.push_str("custom-rule");
    }
    slug
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

impl CustomRule {
    /// Compiles a rule's expression and makes the rule, for the rest of the run.
    pub fn new(spec: CustomRuleSpec) -> Result<&'static CustomRule, cel::CompileError> {
        let program = cel::compile(&spec.expression)?;
        let path = match program.object_paths().as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        };
        let unsupported = !program.unsupported().is_empty();
        let id = leak(spec.id);
        let slug = leak(spec.slug);
        let expression = leak(spec.expression);
        let title = leak(spec.message);
        let page = leak(format!(
            "# {id} {slug}\n\n\
             A rule of this repository's keelhaul configuration (`rules.custom`), not one of \
             keelhaul's own.\n\n\
             ## What it checks\n\n{title}\n\n\
             Objects for which this CEL expression is false are reported:\n\n\
             ```cel\n{expression}\n```\n"
        ));
        let meta = Box::leak(Box::new(RuleMeta {
            id,
            slug,
            title,
            family: Family::Custom,
            severity: spec.severity,
            severity_note: None,
            precision: Precision::VeryHigh,
            security_severity: None,
            scope: Scope::Object,
            pss_control: None,
            tags: &["custom"],
            page,
        }));
        let rule = CustomRule {
            meta,
            api_groups: spec.api_groups,
            kinds: spec.kinds,
            expression,
            program,
            path,
            unsupported,
        };
        Ok(Box::leak(Box::new(rule)))
    }

    pub fn expression(&self) -> &'static str {
        self.expression
    }

    /// What the expression uses that keelhaul's CEL engine does not implement: such a rule
    /// judges no object (said once, when the configuration is read).
    pub fn unsupported(&self) -> Option<cel::Unsupported> {
        self.program.unsupported().into_iter().next()
    }

    /// The rule as reports that describe rules show it: its page, and its expression as
    /// plain-text help.
    pub fn doc(&self) -> RuleDoc {
        RuleDoc {
            meta: self.meta,
            page: self.meta.page.into(),
            help_text: Some(self.expression),
        }
    }

    /// Whether the rule applies to `r` (its `match`).
    pub fn matches(&self, r: &Resource<'_>) -> bool {
        let group = r.group();
        let any_or = |list: &[String], value: &str| {
            list.is_empty() || list.iter().any(|x| x == "*" || x == value)
        };
        any_or(&self.api_groups, group) && any_or(&self.kinds, r.kind)
    }
}

impl Declared for CustomRule {
    fn meta(&self) -> &'static RuleMeta {
        self.meta
    }
}

impl Rule for CustomRule {
    fn check_resource(&self, r: &Resource<'_>, out: &mut Sink<'_>) {
        if self.unsupported || !self.matches(r) {
            return;
        }
        // A Secret's values are never given to a rule from a configuration the pull request
        // may have written: a rule that reads them does not judge Secrets.
        if crate::k8s::admission::catalog::is_secret(r)
            && crate::k8s::admission::catalog::reads_secret_values(&self.program.object_paths())
        {
            return;
        }
        let input = Input::of_object(r.doc, r.node);
        let kind_key = r.doc.entry(r.node, "kind").map(|e| e.key).unwrap_or(r.node);
        let failed = |why: String| {
            format!(
                "the expression of custom rule {} could not be evaluated on this object: {why}; the object is not judged by it",
                self.meta.id
            )
        };
        let (at, message) = match cel::eval(&self.program, &input, &CostLimit::default()) {
            Outcome::Value(Value::Bool(true)) | Outcome::NotEvaluated { .. } => return,
            Outcome::Value(Value::Bool(false)) => {
                let at = self
                    .path
                    .as_deref()
                    .and_then(|p| super::field_key(r.doc, r.node, p));
                (at.unwrap_or(kind_key), self.meta.title.to_string())
            }
            Outcome::Value(_) => (
                kind_key,
                failed("it gave a value that is not a bool".to_string()),
            ),
            Outcome::Error { message } => (kind_key, failed(message)),
            Outcome::CostExceeded { limit } => (
                kind_key,
                failed(format!("it exceeds the cost limit ({limit} steps)")),
            ),
        };
        out.report(self.meta, at, message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked() {
        assert!(id_problem("ACME001").is_none());
        assert!(id_problem("team-rule_2").is_none());
        assert!(id_problem("kh123x").unwrap().contains("keelhaul's own"));
        assert!(id_problem("kh-mine").unwrap().contains("keelhaul's own"));
        assert!(id_problem("1ACME").is_some());
        assert!(id_problem("A").is_some());
        assert!(id_problem("ACME 1").is_some());
        assert!(id_problem(&"A".repeat(33)).is_some());
    }

    #[test]
    fn names_are_checked() {
        assert!(slug_problem("images-from-our-registry").is_none());
        assert!(slug_problem("acme1").is_none());
        for bad in [
            "",
            "Images",
            "two--hyphens",
            "-lead",
            "trail-",
            "under_score",
            "é",
        ] {
            assert!(slug_problem(bad).is_some(), "{bad:?}");
        }
        assert!(slug_problem(&"a".repeat(65)).is_some());
    }

    #[test]
    fn a_slug_is_made_from_the_message() {
        assert_eq!(
            slug_of_message("Images come from the company registry!"),
            "images-come-from-the-company-registry"
        );
        assert_eq!(
            slug_of_message("  at most 3 replicas  "),
            "at-most-3-replicas"
        );
        assert_eq!(slug_of_message("no :latest -- ever"), "no-latest-ever");
        assert_eq!(slug_of_message("Größe über 5"), "gr-e-ber-5");
        // Cut at a word boundary, at most 40 characters.
        let long = slug_of_message("containers must not run as root in the production namespaces");
        assert_eq!(long, "containers-must-not-run-as-root-in-the");
        assert!(long.len() <= 40);
        // Exactly 40 characters ending a word is kept whole.
        let forty = format!("{} {}", "a".repeat(19), "b".repeat(20));
        assert_eq!(
            slug_of_message(&forty),
            format!("{}-{}", "a".repeat(19), "b".repeat(20))
        );
        // One word longer than the limit is cut inside it.
        assert_eq!(slug_of_message(&"x".repeat(50)), "x".repeat(40));
        // Nothing usable: a fixed name.
        assert_eq!(slug_of_message("!!! ???"), "custom-rule");
        assert_eq!(slug_of_message("日本語"), "custom-rule");
    }

    fn rule(id: &str, api_groups: &[&str], kinds: &[&str]) -> &'static CustomRule {
        CustomRule::new(CustomRuleSpec {
            id: id.to_string(),
            slug: format!("{}-rule", id.to_ascii_lowercase()),
            api_groups: api_groups.iter().map(|s| s.to_string()).collect(),
            kinds: kinds.iter().map(|s| s.to_string()).collect(),
            expression: "object.spec.replicas <= 3".to_string(),
            message: "m".to_string(),
            severity: Severity::Note,
        })
        .unwrap()
    }

    #[test]
    fn custom_rules_are_found_by_id_and_tag_next_to_built_in_ones() {
        let custom = [rule("ACME001", &[], &[]), rule("ACME002", &[], &[])];
        let found = crate::rules::find_in("acme002", &custom).unwrap();
        assert_eq!(found.meta().id, "ACME002");
        let by_slug = crate::rules::find_in("acme002-rule", &custom).unwrap();
        assert_eq!(by_slug.meta().id, "ACME002");
        assert!(custom[0].doc().page.starts_with("# ACME001 acme001-rule\n"));
        assert!(crate::rules::find("ACME002").is_none());
        assert_eq!(
            crate::rules::find_in("KH101", &custom).unwrap().meta().id,
            "KH101"
        );
        let tagged = crate::rules::matching_in("custom", &custom).unwrap();
        assert_eq!(tagged.len(), 2);
        assert!(crate::rules::matching_in("custom", &[]).is_err());
        assert!(crate::rules::matching_in("ACME003", &custom).is_err());
        let doc = custom[0].doc();
        assert_eq!(doc.help_text, Some("object.spec.replicas <= 3"));
        assert!(doc.page.contains("object.spec.replicas <= 3"));
    }

    #[test]
    fn match_takes_groups_and_kinds_with_wildcards() {
        let text = "apiVersion: apps/v1\nkind: Deployment\n---\napiVersion: v1\nkind: Pod\n";
        let loaded = crate::load::load_text(text);
        let resources: Vec<_> = loaded
            .docs
            .iter()
            .flat_map(|d| crate::index::resources_of(d, "default").unwrap())
            .collect();
        let (deployment, pod) = (&resources[0], &resources[1]);
        let any = rule("ACME010", &[], &[]);
        assert!(any.matches(deployment) && any.matches(pod));
        let core = rule("ACME011", &[""], &["*"]);
        assert!(!core.matches(deployment) && core.matches(pod));
        let apps = rule("ACME012", &["*"], &["Deployment"]);
        assert!(apps.matches(deployment) && !apps.matches(pod));
    }
}
