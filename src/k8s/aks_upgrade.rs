//! What makes an AKS upgrade fail or stall, as plain arithmetic: node-pool upgrade settings
//! (`AgentPoolUpgradeSettings`) read as the API reads them, the version skew a node pool may
//! have with its control plane, and the minors an upgrade skips (with the AKS exception for
//! upgrades out of an unsupported version). The cluster model holds the settings as written;
//! the KH7xx rules word what this module finds.

use super::aks_versions::{self as versions, Date, Support};

/// `maxSurge` when a pool leaves it unset (Azure REST reference, `AgentPoolUpgradeSettings`).
pub const DEFAULT_MAX_SURGE: &str = "10%";
/// `drainTimeoutInMinutes` when unset.
pub const DEFAULT_DRAIN_TIMEOUT_MINUTES: u32 = 30;
/// The range the API accepts for `drainTimeoutInMinutes` (minutes, inclusive).
pub const DRAIN_TIMEOUT_RANGE: (u64, u64) = (1, 1440);
/// The range the API accepts for `nodeSoakDurationInMinutes` (minutes, inclusive).
pub const NODE_SOAK_RANGE: (u64, u64) = (0, 30);
/// The values the API defines for `undrainableNodeBehavior`.
pub const UNDRAINABLE_NODE_BEHAVIORS: &[&str] = &["Cordon", "Schedule"];
/// How many minors a node pool may be behind its control plane.
pub const MAX_POOL_MINORS_BEHIND: u32 = 2;

/// A `maxSurge` or `maxUnavailable` value: a number of nodes or a percentage of the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    Nodes(u64),
    Percent(u64),
}

impl Amount {
    /// Whether the amount lets no node through (`0`, `0%`).
    pub fn is_zero(self) -> bool {
        matches!(self, Amount::Nodes(0) | Amount::Percent(0))
    }
}

/// Why a `maxSurge` / `maxUnavailable` value is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadAmount {
    /// Neither a whole number nor a whole percentage (`"two"`, `"1.5"`, `"-1"`, `"50 %"`).
    NotAnAmount,
    /// A percentage above 100.
    PercentOver100(u64),
    /// Digits too many to be a number of nodes.
    TooLarge,
}

/// Reads a `maxSurge` / `maxUnavailable` value as written: ASCII digits, optionally followed
/// by `%`. Nothing is trimmed: the API does not trim either.
pub fn parse_amount(text: &str) -> Result<Amount, BadAmount> {
    let (digits, percent) = match text.strip_suffix('%') {
        Some(d) => (d, true),
        None => (text, false),
    };
    let n = whole_number(digits)?;
    if percent {
        if n > 100 {
            return Err(BadAmount::PercentOver100(n));
        }
        Ok(Amount::Percent(n))
    } else {
        Ok(Amount::Nodes(n))
    }
}

fn whole_number(digits: &str) -> Result<u64, BadAmount> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BadAmount::NotAnAmount);
    }
    digits.parse::<u64>().map_err(|_| BadAmount::TooLarge)
}

/// Reads a number of minutes as written (`30`, `"30"`): ASCII digits only; `None` for
/// anything else (a sign, a fraction, a unit, digits beyond `u64`).
pub fn parse_minutes(text: &str) -> Option<u64> {
    whole_number(text).ok()
}

/// Whether `minutes` lies in the inclusive `range`.
pub fn in_range(minutes: u64, range: (u64, u64)) -> bool {
    range.0 <= minutes && minutes <= range.1
}

/// The value of `undrainableNodeBehavior` as the API spells it, if `text` names one
/// (ignoring ASCII case, as ARM enums do).
pub fn undrainable_behavior(text: &str) -> Option<&'static str> {
    UNDRAINABLE_NODE_BEHAVIORS
        .iter()
        .copied()
        .find(|b| b.eq_ignore_ascii_case(text))
}

/// How a node pool's Kubernetes minor stands against its control plane's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skew {
    /// Same major, at most [`MAX_POOL_MINORS_BEHIND`] minors behind, not newer.
    Allowed,
    /// The pool is newer than the control plane.
    Newer,
    /// The pool is more than [`MAX_POOL_MINORS_BEHIND`] minors behind (`behind` minors).
    TooOld { behind: u32 },
    /// Another major version.
    OtherMajor,
}

/// Judges a node pool's `(major, minor)` against its control plane's.
pub fn pool_skew(pool: (u32, u32), control_plane: (u32, u32)) -> Skew {
    if pool.0 != control_plane.0 {
        Skew::OtherMajor
    } else if pool.1 > control_plane.1 {
        Skew::Newer
    } else if control_plane.1 - pool.1 > MAX_POOL_MINORS_BEHIND {
        Skew::TooOld {
            behind: control_plane.1 - pool.1,
        }
    } else {
        Skew::Allowed
    }
}

/// The oldest minor a node pool may run under a control plane on `control_plane`.
pub fn oldest_pool_minor(control_plane: (u32, u32)) -> (u32, u32) {
    (
        control_plane.0,
        control_plane.1.saturating_sub(MAX_POOL_MINORS_BEHIND),
    )
}

/// The minors an upgrade from `from` to `to` passes over (empty for a patch or a one-minor
/// step); `None` when it is not an upgrade within one major (a downgrade, another major),
/// which this does not judge. At most a few dozen minors are listed, whatever the input.
pub fn skipped_minors(from: (u32, u32), to: (u32, u32)) -> Option<Vec<(u32, u32)>> {
    if from.0 != to.0 || to.1 < from.1 {
        return None;
    }
    const MAX_LISTED: u32 = 32;
    let first = from.1.saturating_add(1);
    let last = to.1.min(first.saturating_add(MAX_LISTED));
    Some((first..last).map(|m| (from.0, m)).collect())
}

/// Whether AKS lets an upgrade skip minors: only from a version out of support (judged at
/// `as_of` on the community calendar) to one in support. A version the calendar cannot place
/// is not taken as unsupported.
pub fn may_skip_minors(from: (u32, u32), to: (u32, u32), as_of: Date) -> bool {
    let from_unsupported = matches!(
        versions::judge(from, as_of, false),
        Support::Grace { .. } | Support::OutOfSupport { .. } | Support::BeforeCalendar { .. }
    );
    let to_supported = matches!(versions::judge(to, as_of, false), Support::Supported { .. });
    from_unsupported && to_supported
}

/// `1.30` for messages.
pub fn minor_text(v: (u32, u32)) -> String {
    format!("{}.{}", v.0, v.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_the_api_reads_them() {
        assert_eq!(parse_amount("0"), Ok(Amount::Nodes(0)));
        assert_eq!(parse_amount("5"), Ok(Amount::Nodes(5)));
        assert_eq!(parse_amount("33%"), Ok(Amount::Percent(33)));
        assert_eq!(parse_amount("0%"), Ok(Amount::Percent(0)));
        assert_eq!(parse_amount("100%"), Ok(Amount::Percent(100)));
        assert!(parse_amount("0%").unwrap().is_zero());
        assert!(!parse_amount("1").unwrap().is_zero());
        assert_eq!(parse_amount("101%"), Err(BadAmount::PercentOver100(101)));
        for bad in [
            "", "%", "-1", "1.5", "two", " 1", "1 ", "50 %", "%50", "1%%", "+3",
        ] {
            assert_eq!(parse_amount(bad), Err(BadAmount::NotAnAmount), "{bad:?}");
        }
        assert_eq!(
            parse_amount("99999999999999999999999"),
            Err(BadAmount::TooLarge)
        );
        assert_eq!(
            parse_amount("99999999999999999999999%"),
            Err(BadAmount::TooLarge)
        );
    }

    #[test]
    fn minutes_and_ranges() {
        assert_eq!(parse_minutes("30"), Some(30));
        assert_eq!(parse_minutes("-5"), None);
        assert_eq!(parse_minutes("1.5"), None);
        assert_eq!(parse_minutes("30m"), None);
        assert_eq!(parse_minutes("184467440737095516160"), None);
        assert!(in_range(1, DRAIN_TIMEOUT_RANGE) && in_range(1440, DRAIN_TIMEOUT_RANGE));
        assert!(!in_range(0, DRAIN_TIMEOUT_RANGE) && !in_range(1441, DRAIN_TIMEOUT_RANGE));
        assert!(in_range(0, NODE_SOAK_RANGE) && !in_range(31, NODE_SOAK_RANGE));
        assert_eq!(undrainable_behavior("cordon"), Some("Cordon"));
        assert_eq!(undrainable_behavior("Schedule"), Some("Schedule"));
        assert_eq!(undrainable_behavior("Drain"), None);
    }

    #[test]
    fn pool_skew_against_the_control_plane() {
        assert_eq!(pool_skew((1, 30), (1, 30)), Skew::Allowed);
        assert_eq!(pool_skew((1, 28), (1, 30)), Skew::Allowed);
        assert_eq!(pool_skew((1, 27), (1, 30)), Skew::TooOld { behind: 3 });
        assert_eq!(pool_skew((1, 31), (1, 30)), Skew::Newer);
        assert_eq!(pool_skew((2, 0), (1, 30)), Skew::OtherMajor);
        assert_eq!(pool_skew((0, 30), (1, 30)), Skew::OtherMajor);
        assert_eq!(
            pool_skew((1, 0), (1, u32::MAX)),
            Skew::TooOld { behind: u32::MAX }
        );
        assert_eq!(oldest_pool_minor((1, 30)), (1, 28));
        assert_eq!(oldest_pool_minor((1, 1)), (1, 0));
    }

    #[test]
    fn skipped_minors_in_order() {
        assert_eq!(skipped_minors((1, 29), (1, 30)), Some(vec![]));
        assert_eq!(skipped_minors((1, 29), (1, 29)), Some(vec![]));
        assert_eq!(skipped_minors((1, 29), (1, 31)), Some(vec![(1, 30)]));
        assert_eq!(
            skipped_minors((1, 28), (1, 31)),
            Some(vec![(1, 29), (1, 30)])
        );
        assert_eq!(skipped_minors((1, 30), (1, 29)), None);
        assert_eq!(skipped_minors((1, 30), (2, 0)), None);
        // A huge jump lists a bounded number of minors and does not overflow.
        let far = skipped_minors((1, 0), (1, u32::MAX)).unwrap();
        assert_eq!(far.len(), 32);
        assert_eq!(skipped_minors((1, u32::MAX), (1, u32::MAX)), Some(vec![]));
    }

    #[test]
    fn skipping_is_allowed_only_out_of_an_unsupported_version() {
        let d = |s| Date::parse(s).unwrap();
        // Late 2026: 1.29 has long left support, 1.34 is supported, 1.33 left in July.
        let as_of = d("2026-11-29");
        assert!(may_skip_minors((1, 29), (1, 34), as_of));
        // From a supported version, never.
        assert!(!may_skip_minors((1, 34), (1, 36), as_of));
        // Into an unsupported version, never.
        assert!(!may_skip_minors((1, 29), (1, 31), as_of));
        // A version the calendar cannot place is not taken as unsupported.
        assert!(!may_skip_minors((1, 99), (1, 101), as_of));
    }
}
