//! Upgrades one minor at a time: a cluster going from 1.29 to 1.32 passes through three hops
//! (1.29 → 1.30, 1.30 → 1.31, 1.31 → 1.32), as AKS upgrades do. A version-gated finding
//! carries the version at which its change takes effect (a [`Gate`]); the path places that
//! version on one hop, or before the first one when it is already in effect at the start.

use crate::k8s::version::KubeVersion;

/// What happens to an object at a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// The object stops working: the API server rejects it (an apiVersion no longer served,
    /// an annotation that disagrees with its field), or what it asks for has no effect any
    /// more (a seccomp annotation from 1.27).
    Breaks,
    /// The object still works, with a deprecation warning: it is to be moved before a later
    /// version breaks it.
    Deprecated,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Breaks => "breaks",
            Change::Deprecated => "deprecated",
        }
    }
}

/// The version at which a finding's change takes effect: the first minor that no longer
/// serves an apiVersion, the first that deprecates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Gate {
    pub change: Change,
    pub at: KubeVersion,
    /// For a change that breaks: the earlier minor that deprecated what breaks, when known
    /// (an apiVersion is deprecated some releases before it is no longer served).
    pub deprecated_from: Option<KubeVersion>,
}

impl Gate {
    pub fn breaks(at: KubeVersion) -> Gate {
        Gate {
            change: Change::Breaks,
            at,
            deprecated_from: None,
        }
    }

    pub fn deprecated(at: KubeVersion) -> Gate {
        Gate {
            change: Change::Deprecated,
            at,
            deprecated_from: None,
        }
    }

    /// The same change, known to have been deprecated from `since` (ignored unless earlier).
    pub fn deprecated_from(self, since: Option<KubeVersion>) -> Gate {
        Gate {
            deprecated_from: since.filter(|&s| s < self.at),
            ..self
        }
    }
}

/// One upgrade of one minor version: `from` → `from + 1`, the `number`th of `of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hop {
    pub from: KubeVersion,
    pub to: KubeVersion,
    /// 1-based.
    pub number: u32,
    pub of: u32,
}

impl std::fmt::Display for Hop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} → {}", self.from, self.to)
    }
}

/// Where a gate falls on an upgrade path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Placement {
    pub gate: Gate,
    /// The hop whose target is the gate's version; `None` when the change is already in
    /// effect at the path's start (or, for a path of no hop, at its only version).
    pub hop: Option<Hop>,
    /// The path's start, for wording the case without a hop.
    pub start: KubeVersion,
}

/// The minors a cluster passes through, one at a time, from `from` up to `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpgradePath {
    pub from: KubeVersion,
    pub to: KubeVersion,
}

impl UpgradePath {
    /// A path, when `from` is not newer than `to`.
    pub fn new(from: KubeVersion, to: KubeVersion) -> Option<UpgradePath> {
        (from <= to).then_some(UpgradePath { from, to })
    }

    /// How many upgrades of one minor the path takes.
    pub fn hop_count(&self) -> u32 {
        self.to.0 - self.from.0
    }

    /// Every hop, in order.
    pub fn hops(&self) -> impl Iterator<Item = Hop> + '_ {
        let of = self.hop_count();
        (1..=of).map(move |number| Hop {
            from: KubeVersion(self.from.0 + number - 1),
            to: KubeVersion(self.from.0 + number),
            number,
            of,
        })
    }

    /// The hop at which `gate` takes effect: the one whose target is the gate's version, or
    /// none when the change is already in effect at `from`. A gate beyond `to` falls on no
    /// hop of the path either (`None`: the caller judged at `to` and found nothing then).
    pub fn place(&self, gate: Gate) -> Option<Placement> {
        if gate.at > self.to {
            return None;
        }
        let hop = self.hops().find(|h| h.to == gate.at);
        Some(Placement {
            gate,
            hop,
            start: self.from,
        })
    }
}

impl UpgradePath {
    /// For a gate that breaks: the earlier hop of the path at which what breaks was
    /// deprecated, when that falls on the path (not before it).
    pub fn warning_hop(&self, gate: Gate) -> Option<Hop> {
        let since = gate.deprecated_from?;
        self.hops().find(|h| h.to == since && since < gate.at)
    }
}

impl Placement {
    /// The words a finding's message ends with: `breaks at the hop 1.31 → 1.32 (upgrade 3
    /// of 3)`, or that the change is already in effect at the start.
    pub fn describe(&self) -> String {
        let what = match self.gate.change {
            Change::Breaks => "breaks",
            Change::Deprecated => "deprecated",
        };
        match self.hop {
            Some(h) => format!(
                "upgrading from {}: {what} at the hop {h} (upgrade {} of {})",
                self.start, h.number, h.of
            ),
            None => match self.gate.change {
                Change::Breaks => format!(
                    "upgrading from {}: already broken at {}, before the first upgrade",
                    self.start, self.start
                ),
                Change::Deprecated => format!(
                    "upgrading from {}: already deprecated at {}, before the first upgrade",
                    self.start, self.start
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(from: u32, to: u32) -> UpgradePath {
        UpgradePath::new(KubeVersion(from), KubeVersion(to)).unwrap()
    }

    #[test]
    fn a_path_is_one_hop_per_minor() {
        let hops: Vec<String> = path(29, 32).hops().map(|h| h.to_string()).collect();
        assert_eq!(hops, ["1.29 → 1.30", "1.30 → 1.31", "1.31 → 1.32"]);
        assert_eq!(path(30, 30).hops().count(), 0);
        assert!(UpgradePath::new(KubeVersion(31), KubeVersion(30)).is_none());
    }

    #[test]
    fn a_gate_falls_on_the_hop_that_reaches_its_version() {
        let p = path(29, 32);
        let placed = p.place(Gate::breaks(KubeVersion(32))).unwrap();
        assert_eq!(placed.hop.map(|h| (h.from.0, h.number)), Some((31, 3)));
        assert_eq!(
            placed.describe(),
            "upgrading from 1.29: breaks at the hop 1.31 → 1.32 (upgrade 3 of 3)"
        );
        let first = p.place(Gate::deprecated(KubeVersion(30))).unwrap();
        assert_eq!(first.hop.map(|h| h.number), Some(1));
        assert!(
            first
                .describe()
                .contains("deprecated at the hop 1.29 → 1.30")
        );
        // Already in effect at the start: no hop.
        let before = p.place(Gate::breaks(KubeVersion(29))).unwrap();
        assert_eq!(before.hop, None);
        assert!(before.describe().contains("already broken at 1.29"));
        assert!(
            p.place(Gate::breaks(KubeVersion(25)))
                .unwrap()
                .hop
                .is_none()
        );
        // Beyond the path's end: not on it.
        assert_eq!(p.place(Gate::breaks(KubeVersion(33))), None);
    }

    #[test]
    fn a_deprecation_before_the_break_warns_at_its_own_hop() {
        let p = path(28, 32);
        let gate = Gate::breaks(KubeVersion(32)).deprecated_from(Some(KubeVersion(29)));
        assert_eq!(p.warning_hop(gate).map(|h| h.number), Some(1));
        // Deprecated before the path starts: nothing to warn of on it.
        let old = Gate::breaks(KubeVersion(32)).deprecated_from(Some(KubeVersion(26)));
        assert_eq!(p.warning_hop(old), None);
        // A deprecation that is not earlier than the break is no warning.
        let same = Gate::breaks(KubeVersion(30)).deprecated_from(Some(KubeVersion(30)));
        assert_eq!(same.deprecated_from, None);
        assert_eq!(p.warning_hop(Gate::deprecated(KubeVersion(30))), None);
    }
}
