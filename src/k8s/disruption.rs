//! PodDisruptionBudgets as the disruption controller reads them: `minAvailable` and
//! `maxUnavailable` (an integer or a percentage, scaled and rounded up as the controller
//! does), the selector (whose null and empty forms mean different things in `policy/v1` and
//! `policy/v1beta1`), and how many pods a budget lets a drain evict when every pod it
//! covers is healthy.

use crate::k8s::selector::LabelSelector;
use crate::load::scalar::Value;
use crate::load::{Document, NodeId};

/// An `IntOrString` budget value the API server accepts: a non-negative integer or `N%`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    Count(i64),
    Percent(i64),
}

impl Amount {
    /// Reads a value the way the API server does: an integer, or a string of digits and `%`.
    /// Anything else (a quoted number, a negative, a float) is refused by the API server and
    /// is not judged here.
    pub fn read(v: Value<'_>) -> Option<Amount> {
        match v {
            Value::Int(n) if n >= 0 => Some(Amount::Count(n)),
            Value::Str(s) => {
                let digits = s.strip_suffix('%')?;
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                digits.parse().ok().map(Amount::Percent)
            }
            _ => None,
        }
    }

    /// The value scaled to `total` pods, rounded up (`intstr.GetScaledValueFromIntOrPercent`
    /// with rounding up, which the disruption controller asks for).
    pub fn scaled(self, total: i64) -> i64 {
        match self {
            Amount::Count(n) => n,
            Amount::Percent(p) => (p.saturating_mul(total) + 99) / 100,
        }
    }

    pub fn is_zero(self) -> bool {
        matches!(self, Amount::Count(0) | Amount::Percent(0))
    }
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Amount::Count(n) => write!(f, "{n}"),
            Amount::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// Which pods a budget covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Pods whose labels the selector matches (an empty selector in `policy/v1`: every pod
    /// of the namespace).
    Pods(LabelSelector),
    /// No pods: a missing or null selector, or an empty one in `policy/v1beta1`.
    Nothing { empty: bool },
    /// A selector the API server refuses.
    Invalid,
}

/// A PodDisruptionBudget's spec, with the nodes its values are written at.
#[derive(Debug, Clone)]
pub struct Budget {
    pub min_available: Option<(Amount, NodeId)>,
    pub max_unavailable: Option<(Amount, NodeId)>,
    /// Both are set: the API server refuses the object, and nothing else is judged.
    pub both: bool,
    pub selection: Selection,
    /// The `selector:` key, else the `spec:` key, else the object.
    pub selector_at: NodeId,
}

impl Budget {
    /// Reads the budget of a PodDisruptionBudget object (`api_version` decides what an empty
    /// selector means).
    pub fn read(doc: &Document, object: NodeId, api_version: &str) -> Budget {
        let spec_entry = doc.entry(object, "spec");
        let spec = spec_entry.map(|e| e.value).filter(|&s| doc.is_mapping(s));
        let amount = |key: &str| {
            let node = doc.get(spec?, key)?;
            Some((Amount::read(doc.value(node)?)?, node))
        };
        let written = |key: &str| {
            spec.and_then(|s| doc.get(s, key))
                .is_some_and(|n| !doc.is_null(n))
        };
        let selector_entry = spec.and_then(|s| doc.entry(s, "selector"));
        let selector = selector_entry.map(|e| e.value).filter(|&n| !doc.is_null(n));
        let selection = match selector {
            None => Selection::Nothing { empty: false },
            Some(n) => match LabelSelector::read(doc, Some(n)) {
                None => Selection::Invalid,
                Some(s) if s == LabelSelector::default() && api_version != "policy/v1" => {
                    Selection::Nothing { empty: true }
                }
                Some(s) => Selection::Pods(s),
            },
        };
        Budget {
            min_available: amount("minAvailable"),
            max_unavailable: amount("maxUnavailable"),
            both: written("minAvailable") && written("maxUnavailable"),
            selection,
            selector_at: selector_entry
                .map(|e| e.key)
                .or(spec_entry.map(|e| e.key))
                .unwrap_or(object),
        }
    }

    /// Whether the budget covers pods with these labels.
    pub fn selects(&self, labels: &[(String, String)]) -> bool {
        match &self.selection {
            Selection::Pods(s) => s.matches(labels),
            _ => false,
        }
    }

    /// How many of `total` healthy pods the disruption controller lets evictions take
    /// (`disruptionsAllowed`): `total` less the pods the budget wants kept.
    pub fn allowed_disruptions(&self, total: i64) -> i64 {
        let desired_healthy = match (self.max_unavailable, self.min_available) {
            (Some((max, _)), _) => (total - max.scaled(total)).max(0),
            (None, Some((min, _))) => min.scaled(total),
            (None, None) => 0,
        };
        (total - desired_healthy).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_text;

    fn budget(yaml: &str) -> Budget {
        let docs = load_text(yaml).docs;
        let doc = &docs[0];
        let root = doc.root.unwrap();
        Budget::read(doc, root, doc.get_str(root, "apiVersion").unwrap())
    }

    #[test]
    fn amounts_read_as_the_api_server_reads_them() {
        assert_eq!(Amount::read(Value::Int(0)), Some(Amount::Count(0)));
        assert_eq!(Amount::read(Value::Str("50%")), Some(Amount::Percent(50)));
        assert_eq!(Amount::read(Value::Str("0%")), Some(Amount::Percent(0)));
        // A quoted number, a sign, a space or a float is refused by the API server.
        for bad in ["1", "-1%", " 5%", "%", "1.5%"] {
            assert_eq!(Amount::read(Value::Str(bad)), None, "{bad}");
        }
        assert_eq!(Amount::read(Value::Int(-1)), None);
        assert_eq!(Amount::read(Value::Float(1.0)), None);
    }

    #[test]
    fn percentages_scale_up_as_the_disruption_controller_rounds() {
        assert_eq!(Amount::Percent(50).scaled(1), 1);
        assert_eq!(Amount::Percent(50).scaled(3), 2);
        assert_eq!(Amount::Percent(34).scaled(3), 2);
        assert_eq!(Amount::Percent(33).scaled(3), 1);
        assert_eq!(Amount::Percent(100).scaled(7), 7);
        assert_eq!(Amount::Percent(0).scaled(7), 0);
        assert_eq!(Amount::Count(2).scaled(7), 2);
    }

    #[test]
    fn allowed_disruptions_follow_the_controller() {
        let b = budget(
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nspec:\n  minAvailable: 2\n  selector: {matchLabels: {app: web}}\n",
        );
        assert_eq!(b.allowed_disruptions(3), 1);
        assert_eq!(b.allowed_disruptions(2), 0);
        assert_eq!(b.allowed_disruptions(1), 0);
        let b = budget(
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nspec:\n  minAvailable: 50%\n  selector: {matchLabels: {app: web}}\n",
        );
        // Half of one pod rounds up to the pod itself.
        assert_eq!(b.allowed_disruptions(1), 0);
        assert_eq!(b.allowed_disruptions(2), 1);
        assert_eq!(b.allowed_disruptions(3), 1);
        let b = budget(
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nspec:\n  maxUnavailable: 10%\n  selector: {matchLabels: {app: web}}\n",
        );
        // A percentage of unavailability rounds up too: one pod at any size.
        assert_eq!(b.allowed_disruptions(1), 1);
        assert_eq!(b.allowed_disruptions(30), 3);
        let b = budget(
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nspec:\n  maxUnavailable: 0%\n  selector: {matchLabels: {app: web}}\n",
        );
        assert_eq!(b.allowed_disruptions(10), 0);
        let b = budget(
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nspec:\n  selector: {matchLabels: {app: web}}\n",
        );
        assert_eq!(b.allowed_disruptions(4), 4);
    }

    #[test]
    fn an_empty_selector_selects_every_pod_only_in_policy_v1() {
        let v1 = budget(
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nspec:\n  maxUnavailable: 1\n  selector: {}\n",
        );
        assert!(v1.selects(&[]));
        assert!(v1.selects(&[("app".into(), "web".into())]));
        let beta = budget(
            "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nspec:\n  maxUnavailable: 1\n  selector: {}\n",
        );
        assert_eq!(beta.selection, Selection::Nothing { empty: true });
        assert!(!beta.selects(&[]));
        let none = budget(
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nspec:\n  maxUnavailable: 1\n",
        );
        assert_eq!(none.selection, Selection::Nothing { empty: false });
        let null = budget(
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nspec:\n  maxUnavailable: 1\n  selector: null\n",
        );
        assert_eq!(null.selection, Selection::Nothing { empty: false });
        let bad = budget(
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nspec:\n  selector:\n    matchExpressions: [{key: app, operator: Is, values: [web]}]\n",
        );
        assert_eq!(bad.selection, Selection::Invalid);
    }

    #[test]
    fn both_bounds_are_noticed() {
        let b = budget(
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nspec:\n  minAvailable: 1\n  maxUnavailable: 0\n",
        );
        assert!(b.both);
    }
}
