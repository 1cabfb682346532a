//! Kubernetes label selectors (`metav1.LabelSelector`): reading `matchLabels` and
//! `matchExpressions` from a document as the API server validates them, and matching a set
//! of labels against them.

use crate::load::{Document, NodeId};

/// The operator of a `matchExpressions` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

/// A `metav1.LabelSelector`; empty selects everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    pub match_labels: Vec<(String, String)>,
    pub match_expressions: Vec<Requirement>,
}

impl LabelSelector {
    /// Whether a pod or namespace with `labels` is selected.
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        let get = |k: &str| {
            labels
                .iter()
                .find(|(lk, _)| lk == k)
                .map(|(_, v)| v.as_str())
        };
        self.match_labels
            .iter()
            .all(|(k, v)| get(k) == Some(v.as_str()))
            && self.match_expressions.iter().all(|r| {
                let value = get(&r.key);
                match r.operator {
                    Operator::In => value.is_some_and(|v| r.values.iter().any(|x| x == v)),
                    Operator::NotIn => value.is_none_or(|v| r.values.iter().all(|x| x != v)),
                    Operator::Exists => value.is_some(),
                    Operator::DoesNotExist => value.is_none(),
                }
            })
    }

    /// Reads a selector; None when the API server would refuse it (an unknown operator,
    /// values where none belong, ...), so it selects nothing.
    pub fn read(doc: &Document, node: Option<NodeId>) -> Option<LabelSelector> {
        let Some(node) = node.filter(|&n| !doc.is_null(n)) else {
            return Some(LabelSelector::default());
        };
        if !doc.is_mapping(node) {
            return None;
        }
        let mut sel = LabelSelector::default();
        if let Some(ml) = doc.get(node, "matchLabels").filter(|&n| !doc.is_null(n)) {
            if !doc.is_mapping(ml) {
                return None;
            }
            for e in doc.entries(ml) {
                sel.match_labels.push((
                    doc.scalar(e.key)?.to_string(),
                    doc.scalar(e.value)?.to_string(),
                ));
            }
        }
        if let Some(me) = doc
            .get(node, "matchExpressions")
            .filter(|&n| !doc.is_null(n))
        {
            if !doc.is_sequence(me) {
                return None;
            }
            for &item in doc.items(me) {
                let key = doc.get_str(item, "key")?.to_string();
                let operator = match doc.get_str(item, "operator")? {
                    "In" => Operator::In,
                    "NotIn" => Operator::NotIn,
                    "Exists" => Operator::Exists,
                    "DoesNotExist" => Operator::DoesNotExist,
                    _ => return None,
                };
                let values: Vec<String> = match doc.get(item, "values") {
                    Some(v) if !doc.is_null(v) => doc
                        .items(v)
                        .iter()
                        .map(|&x| doc.scalar(x).map(str::to_string))
                        .collect::<Option<_>>()?,
                    _ => Vec::new(),
                };
                let needs_values = matches!(operator, Operator::In | Operator::NotIn);
                if needs_values == values.is_empty() {
                    return None;
                }
                sel.match_expressions.push(Requirement {
                    key,
                    operator,
                    values,
                });
            }
        }
        Some(sel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(l: &[(&str, &str)]) -> Vec<(String, String)> {
        l.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn req(key: &str, operator: Operator, values: &[&str]) -> LabelSelector {
        LabelSelector {
            match_labels: Vec::new(),
            match_expressions: vec![Requirement {
                key: key.into(),
                operator,
                values: values.iter().map(|v| v.to_string()).collect(),
            }],
        }
    }

    #[test]
    fn selectors() {
        let web = labels(&[("app", "web"), ("tier", "front")]);
        let bare = labels(&[]);
        assert!(LabelSelector::default().matches(&web));
        assert!(LabelSelector::default().matches(&bare));
        let ml = LabelSelector {
            match_labels: labels(&[("app", "web")]),
            match_expressions: Vec::new(),
        };
        assert!(ml.matches(&web));
        assert!(!ml.matches(&bare));
        assert!(!ml.matches(&labels(&[("app", "api")])));
        assert!(req("app", Operator::In, &["web", "api"]).matches(&web));
        assert!(!req("app", Operator::In, &["api"]).matches(&web));
        assert!(!req("app", Operator::In, &["web"]).matches(&bare));
        assert!(!req("app", Operator::NotIn, &["web"]).matches(&web));
        assert!(req("app", Operator::NotIn, &["api"]).matches(&web));
        assert!(req("app", Operator::NotIn, &["web"]).matches(&bare));
        assert!(req("tier", Operator::Exists, &[]).matches(&web));
        assert!(!req("tier", Operator::Exists, &[]).matches(&bare));
        assert!(!req("tier", Operator::DoesNotExist, &[]).matches(&web));
        assert!(req("tier", Operator::DoesNotExist, &[]).matches(&bare));
        // matchLabels and matchExpressions are ANDed.
        let both = LabelSelector {
            match_labels: labels(&[("app", "web")]),
            match_expressions: req("tier", Operator::In, &["back"]).match_expressions,
        };
        assert!(!both.matches(&web));
    }
}
