//! The rule registry: every rule keelhaul has, one file per family.

use crate::check::Rule;
use crate::finding::RuleMeta;

pub mod aks;
pub mod api_lifecycle;
pub mod input;
pub mod namespace;
pub mod network;
pub mod pod_security;
pub mod rbac;
pub mod seccomp_apparmor;
pub mod security_context;

/// Declares a rule's metadata; its page `rules/<ID>-<slug>.md` is embedded in the binary.
macro_rules! rule_meta {
    ($name:ident, $id:literal, $slug:literal, $sev:ident, $title:literal $(, pss = $pss:literal)?) => {
        pub static $name: $crate::finding::RuleMeta = $crate::finding::RuleMeta {
            id: $id,
            slug: $slug,
            title: $title,
            severity: $crate::finding::Severity::$sev,
            pss_control: rule_meta!(@pss $($pss)?),
            page: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $id, "-", $slug, ".md")),
        };
    };
    (@pss) => { None };
    (@pss $p:literal) => { Some($p) };
}
pub(crate) use rule_meta;

/// Every rule, in id order.
pub fn all() -> &'static [&'static dyn Rule] {
    use aks::*;
    use api_lifecycle::*;
    use input::*;
    use namespace::*;
    use network::*;
    use pod_security::*;
    use rbac::*;
    use seccomp_apparmor::*;
    use security_context::*;
    &[
        &InvalidYaml,
        &DuplicateKey,
        &AliasLimit,
        &InvalidValue,
        &UnreadableFile,
        &SkippedFile,
        &NotRendered,
        &SuppressionInvalid,
        &SuppressionUnused,
        &RenderFailed,
        &Privileged,
        &PrivilegeEscalation,
        &RunAsRoot,
        &AddedCapabilities,
        &CapabilitiesNotDropped,
        &WritableRootFilesystem,
        &HostNamespaces,
        &HostPathVolume,
        &HostPort,
        &UnmaskedProcMount,
        &UnsafeSysctl,
        &SelinuxOptions,
        &WindowsHostProcess,
        &ServiceAccountToken,
        &PodSecurity,
        &NamespacePssViolation,
        &NamespaceWithoutPss,
        &NamespacePssLabelInvalid,
        &SeccompMissing,
        &SeccompUnconfined,
        &SeccompProfileInvalid,
        &SeccompLegacyAnnotation,
        &MisplacedSecurityAnnotation,
        &AppArmorUnconfined,
        &AppArmorProfileInvalid,
        &AppArmorUnknownContainer,
        &AppArmorLegacyAnnotation,
        &AppArmorFieldUnsupported,
        &UserBinding,
        &AnonymousBinding,
        &MastersBinding,
        &ClusterAdminBinding,
        &WildcardPermissions,
        &EscalationVerbs,
        &SecretsAccess,
        &ExecAccess,
        &WorkloadCreation,
        &UnresolvedRole,
        &DefaultServiceAccountBinding,
        &MetadataEgressOpen,
        &NetworkPolicyCidrInvalid,
        &ApiRemoved,
        &ApiDeprecated,
        &CrdApiRemoved,
        &CrdApiDeprecated,
        &DeprecatedField,
        &NetworkPolicyMissing,
        &NetworkPolicyRetiring,
        &RbacDisabled,
        &EntraMissing,
        &AzureRbacDisabled,
        &LocalAccounts,
        &AutoUpgradeDisabled,
        &NodeOsUnpatched,
        &MaintenanceWindowMissing,
        &DefenderDisabled,
        &ApiServerUnrestricted,
        &ApiServerOpenRange,
        &VersionUnsupported,
    ]
}

/// A rule by id (`KH101`) or slug (`privileged`), case-insensitively.
pub fn find(name: &str) -> Option<&'static dyn Rule> {
    all().iter().copied().find(|r| {
        let m: &RuleMeta = r.meta();
        m.id.eq_ignore_ascii_case(name) || m.slug.eq_ignore_ascii_case(name)
    })
}
