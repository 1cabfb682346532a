//! The rule registry: every rule keelhaul has, one file per family.

use crate::check::Rule;
use crate::finding::RuleMeta;

pub mod admission;
pub mod aks;
pub mod api_lifecycle;
pub mod custom;
pub mod input;
pub mod namespace;
pub mod network;
pub mod pod_security;
pub mod rbac;
pub mod seccomp_apparmor;
pub mod security_context;
pub mod upgrade;
pub mod upgrade_pools;

/// Declares a rule: its unit struct and its metadata, a static the rule's findings name.
/// The page `rules/<ID>-<slug>.md` is embedded in the binary. The struct then implements
/// `check::Rule`, overriding the hooks for what it looks at.
///
/// `rule_meta!(Struct, STATIC, "KHnnn", "slug", Severity, "Title." [, key = value]...)`, where the
/// optional keys, in this order, are `pss` (the Pod Security control), `precision`
/// (`VeryHigh` unless said), `security_severity` (by family and severity unless said) and
/// `scope` (`Object` unless said) and `severity_note` (when the severity of a finding
/// depends on what is found). The family is the id's hundreds digit.
macro_rules! rule_meta {
    ($rule:ident, $name:ident, $id:literal, $slug:literal, $sev:ident, $title:literal
        $(, pss = $pss:literal)?
        $(, precision = $prec:ident)?
        $(, security_severity = $ss:literal)?
        $(, scope = $scope:ident)?
        $(, severity_note = $note:literal)? $(,)?) => {
        pub static $name: $crate::finding::RuleMeta = $crate::finding::RuleMeta {
            id: $id,
            slug: $slug,
            title: $title,
            family: $crate::finding::Family::of_id($id),
            severity: $crate::finding::Severity::$sev,
            precision: rule_meta!(@or $crate::finding::Precision::VeryHigh $(, $crate::finding::Precision::$prec)?),
            security_severity: rule_meta!(@or
                $crate::finding::default_security_severity(
                    $crate::finding::Family::of_id($id),
                    $crate::finding::Severity::$sev,
                )
                $(, Some($ss))?),
            scope: rule_meta!(@or $crate::finding::Scope::Object $(, $crate::finding::Scope::$scope)?),
            severity_note: rule_meta!(@or None $(, Some($note))?),
            pss_control: rule_meta!(@or None $(, Some($pss))?),
            tags: $crate::finding::default_tags($id),
            page: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $id, "-", $slug, ".md")),
        };

        #[doc = concat!("`", $id, "` `", $slug, "`: ", $title)]
        pub struct $rule;

        impl $crate::check::Declared for $rule {
            fn meta(&self) -> &'static $crate::finding::RuleMeta {
                &$name
            }
        }
    };
    (@or $default:expr) => { $default };
    (@or $default:expr, $given:expr) => { $given };
}
pub(crate) use rule_meta;

/// Every rule, in id order.
pub fn all() -> &'static [&'static dyn Rule] {
    use admission::*;
    use aks::*;
    use api_lifecycle::*;
    use input::*;
    use namespace::*;
    use network::*;
    use pod_security::*;
    use rbac::*;
    use seccomp_apparmor::*;
    use security_context::*;
    use upgrade::*;
    use upgrade_pools::*;
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
        &PdbMaxUnavailableZero,
        &PdbBlocksDrain,
        &PdbSelectsNothing,
        &PdbOverlap,
        &SingleReplicaWithoutPdb,
        &BarePod,
        &GracePeriodOverDrainTimeout,
        &NodePoolUpgradeBlocked,
        &NodePoolDefaultSurge,
        &NodePoolUpgradeSettingInvalid,
        &NodePoolVersionSkew,
        &UpgradeSkipsMinor,
        &RetiredAddOn,
        &RetiredClusterSetting,
        &PolicyDenies,
        &PolicyInvalid,
        &ExpressionNotEvaluated,
    ]
}

/// Every rule's metadata and page, in id order, for reports that describe rules.
/// The custom rules of the configuration (`custom`) follow the built-in ones.
pub fn docs(custom: &[&'static custom::CustomRule]) -> Vec<crate::finding::RuleDoc> {
    all()
        .iter()
        .map(|r| crate::finding::RuleDoc {
            meta: r.meta(),
            page: page(r.meta()),
            help_text: None,
        })
        .chain(custom.iter().map(|c| c.doc()))
        .collect()
}

/// A rule's page with its generated tables filled in (the API lifecycle rules list what
/// keelhaul knows).
pub fn page(m: &RuleMeta) -> std::borrow::Cow<'static, str> {
    crate::k8s::api_lifecycle::expand_page(m.page)
}

/// A rule by id (`KH101`) or slug (`privileged`), case-insensitively.
/// The rules a name selects: a rule's id or slug, a family (`KH1`, `KH1xx`, `KH10`: every
/// id that starts so), or a tag (`pod-security`). Letter case does not matter.
/// A tag wins over a slug of the same name (`pod-security` is KH120's slug, and the tag of
/// every KH1xx rule, KH120 among them).
pub fn matching(name: &str) -> Result<Vec<&'static dyn Rule>, String> {
    matching_in(name, &[])
}

/// [`matching`] among the built-in rules and the configuration's custom rules (`custom`):
/// a custom rule is named by its id, or with the others by the tag `custom`.
pub fn matching_in(
    name: &str,
    custom: &[&'static custom::CustomRule],
) -> Result<Vec<&'static dyn Rule>, String> {
    let name = name.trim();
    if name.eq_ignore_ascii_case("custom") {
        if custom.is_empty() {
            return Err(
                "the tag \"custom\" names the configuration's own rules (rules.custom), and it has none"
                    .to_string(),
            );
        }
        return Ok(custom.iter().map(|c| *c as &'static dyn Rule).collect());
    }
    let is_tag = crate::finding::TAGS
        .iter()
        .any(|t| t.eq_ignore_ascii_case(name));
    if !is_tag && let Some(r) = find_in(name, custom) {
        return Ok(vec![r]);
    }
    let upper = name.to_ascii_uppercase();
    let prefix = upper.trim_end_matches('X');
    let family = prefix.len() > 2
        && prefix.len() < 5
        && prefix.starts_with("KH")
        && prefix[2..].bytes().all(|b| b.is_ascii_digit())
        && upper.len() <= 5;
    let found: Vec<&'static dyn Rule> = all()
        .iter()
        .copied()
        .filter(|r| {
            let m: &RuleMeta = r.meta();
            if family {
                m.id.starts_with(prefix)
            } else {
                m.tags.iter().any(|t| t.eq_ignore_ascii_case(name))
            }
        })
        .collect();
    if found.is_empty() {
        return Err(format!(
            "unknown rule {name:?}: name a rule by id (KH101) or slug (privileged), a family (KH1, KH1xx, KH10), or a tag ({}); `keelhaul rules` lists them",
            crate::finding::TAGS.join(", ")
        ));
    }
    Ok(found)
}

pub fn find(name: &str) -> Option<&'static dyn Rule> {
    find_in(name, &[])
}

/// [`find`] among the built-in rules and the configuration's custom rules.
pub fn find_in(name: &str, custom: &[&'static custom::CustomRule]) -> Option<&'static dyn Rule> {
    let custom = custom.iter().map(|c| *c as &'static dyn Rule);
    all().iter().copied().chain(custom).find(|r| {
        let m: &RuleMeta = r.meta();
        m.id.eq_ignore_ascii_case(name) || m.slug.eq_ignore_ascii_case(name)
    })
}

/// The key of the field at `path` under `node`, when it is written: where a finding about
/// an expression that reads one field of `object` is placed (admission policies, custom
/// rules).
pub(crate) fn field_key(
    doc: &crate::load::Document,
    node: crate::load::NodeId,
    path: &[String],
) -> Option<crate::load::NodeId> {
    let mut at = node;
    let mut key = None;
    for k in path {
        if !doc.is_mapping(at) {
            return None;
        }
        let e = doc.entry(at, k)?;
        key = Some(e.key);
        at = e.value;
    }
    key
}
