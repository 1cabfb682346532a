//! Kubernetes versions: the minor a cluster runs or a policy names, and the newest ones
//! keelhaul knows.

/// A Kubernetes minor version (1.x), for policy versions and the target cluster version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KubeVersion(pub u32);

impl KubeVersion {
    /// The oldest policy version the Pod Security Standards define.
    pub const FIRST: KubeVersion = KubeVersion(0);
    /// The newest released Kubernetes minor keelhaul knows (the default target).
    pub const NEWEST_RELEASED: KubeVersion = KubeVersion(36);
    /// The newest minor whose Pod Security checks keelhaul knows (released or not).
    pub const NEWEST_KNOWN: KubeVersion = KubeVersion(37);

    /// `1.29`, `v1.29`, `1.29.3`.
    pub fn parse(s: &str) -> Option<KubeVersion> {
        let t = s.trim().trim_start_matches('v');
        let mut parts = t.split('.');
        let major: u32 = parts.next()?.parse().ok()?;
        let minor: u32 = parts.next()?.parse().ok()?;
        if let Some(patch) = parts.next() {
            patch.parse::<u32>().ok()?;
        }
        if major != 1 || parts.next().is_some() {
            return None;
        }
        Some(KubeVersion(minor))
    }
}

impl std::fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "1.{}", self.0)
    }
}
