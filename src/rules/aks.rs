//! AKS cluster rules (KH6xx): what the AKS security and upgrade guidance asks of the cluster
//! itself, read from its definitions (`az aks` command lines for now). A setting written as a
//! computed value is never judged; a definition that only updates a cluster is judged on what
//! it sets.

use super::rule_meta;
use crate::check::{Rule, Settings};
use crate::finding::{Finding, RuleMeta, Severity};
use crate::k8s::aks_cluster::{ClusterDef, Form, Op, Setting};
use crate::k8s::aks_versions::{self as versions, PlatformSupport, Support};
use crate::span::Span;

rule_meta!(
    NetworkPolicyMissing,
    NETWORK_POLICY_MISSING,
    "KH601",
    "network-policy-missing",
    Error,
    "A cluster is created without a network policy engine, or the engine is set to none.",
    scope = ClusterDefinition
);
rule_meta!(
    NetworkPolicyRetiring,
    NETWORK_POLICY_RETIRING,
    "KH602",
    "network-policy-retiring",
    Note,
    "A cluster uses Azure Network Policy Manager, which is being retired.",
    scope = ClusterDefinition
);
rule_meta!(
    RbacDisabled,
    RBAC_DISABLED,
    "KH603",
    "kubernetes-rbac-disabled",
    Error,
    "Kubernetes RBAC is turned off.",
    scope = ClusterDefinition
);
rule_meta!(
    EntraMissing,
    ENTRA_MISSING,
    "KH604",
    "entra-integration-missing",
    Warning,
    "A cluster is created without Microsoft Entra ID integration.",
    scope = ClusterDefinition
);
rule_meta!(
    AzureRbacDisabled,
    AZURE_RBAC_DISABLED,
    "KH605",
    "azure-rbac-disabled",
    Note,
    "Azure RBAC for Kubernetes authorization is not enabled.",
    scope = ClusterDefinition
);
rule_meta!(
    LocalAccounts,
    LOCAL_ACCOUNTS,
    "KH606",
    "local-accounts-enabled",
    Warning,
    "Local accounts (a static cluster-admin credential) stay enabled.",
    scope = ClusterDefinition
);
rule_meta!(
    AutoUpgradeDisabled,
    AUTO_UPGRADE_DISABLED,
    "KH607",
    "auto-upgrade-disabled",
    Warning,
    "The cluster auto-upgrade channel is none or not set.",
    scope = ClusterDefinition
);
rule_meta!(
    NodeOsUnpatched,
    NODE_OS_UNPATCHED,
    "KH608",
    "node-os-unpatched",
    Warning,
    "The node OS upgrade channel is None or Unmanaged, so nodes miss security patches.",
    scope = ClusterDefinition
);
rule_meta!(
    MaintenanceWindowMissing,
    MAINTENANCE_WINDOW_MISSING,
    "KH609",
    "maintenance-window-missing",
    Note,
    "An auto-upgrade channel is set but no maintenance window is configured.",
    scope = ClusterDefinition
);
rule_meta!(
    DefenderDisabled,
    DEFENDER_DISABLED,
    "KH610",
    "defender-disabled",
    Warning,
    "Microsoft Defender for Containers is not enabled.",
    scope = ClusterDefinition
);
rule_meta!(
    ApiServerUnrestricted,
    API_SERVER_UNRESTRICTED,
    "KH611",
    "api-server-unrestricted",
    Warning,
    "The API server is neither private nor restricted to authorized IP ranges.",
    scope = ClusterDefinition
);
rule_meta!(
    ApiServerOpenRange,
    API_SERVER_OPEN_RANGE,
    "KH612",
    "api-server-open-range",
    Error,
    "An authorized IP range of the API server lets every address in.",
    scope = ClusterDefinition
);
rule_meta!(
    VersionUnsupported,
    VERSION_UNSUPPORTED,
    "KH613",
    "kubernetes-version-unsupported",
    Error,
    "A cluster or node pool pins a Kubernetes version outside (or about to leave) AKS support.",
    scope = ClusterDefinition,
    severity_note = "warning within 60 days of the end of support"
);

fn finding(rule: &'static RuleMeta, d: &ClusterDef, span: Span, message: String) -> Finding {
    Finding::new(rule, d.file.clone(), span, message)
}

/// A finding on a setting's value; says when the value is a parameter's default.
fn finding_at<T>(
    rule: &'static RuleMeta,
    d: &ClusterDef,
    f: &Setting<T>,
    message: String,
) -> Finding {
    Finding::new(rule, d.file.clone(), f.span, message + &via(f))
}

/// How the definition is named in messages.
fn what(d: &ClusterDef) -> String {
    let form = match d.form {
        Form::Cli => "`az aks` command",
        Form::Arm => "ARM template",
        Form::Bicep => "Bicep resource",
        Form::Terraform => "Terraform resource",
    };
    match &d.name {
        Some(n) => format!("cluster {n:?} ({form})"),
        None => format!("this {form}'s cluster"),
    }
}

/// The default that applies when a definition leaves a setting out, in its own form's words.
fn default_note(d: &ClusterDef, setting: &str) -> String {
    let (cli, arm, tf) = match setting {
        "network-policy" => (
            "`az aks create` default: none",
            "networkProfile.networkPolicy defaults to none",
            "network_profile.network_policy unset: no policy engine",
        ),
        "entra" => (
            "`az aks create` default: no Entra integration",
            "no aadProfile",
            "no azure_active_directory_role_based_access_control block",
        ),
        "local-accounts" => (
            "`az aks create` default: local accounts enabled",
            "disableLocalAccounts defaults to false",
            "local_account_disabled defaults to false",
        ),
        "auto-upgrade" => (
            "`az aks create` default: none",
            "autoUpgradeProfile.upgradeChannel defaults to none",
            "no automatic_upgrade_channel (automatic_channel_upgrade before provider 4.0): none",
        ),
        "defender" => (
            "`az aks create` default: not enabled",
            "no securityProfile.defender",
            "no microsoft_defender block",
        ),
        _ => (
            "`az aks create` default: public endpoint, no authorized ranges",
            "no apiServerAccessProfile restriction",
            "no api_server_access_profile.authorized_ip_ranges and private_cluster_enabled unset",
        ),
    };
    let n = match d.form {
        Form::Cli => cli,
        Form::Arm | Form::Bicep => arm,
        Form::Terraform => tf,
    };
    format!(" ({n})")
}

/// How to fix it, in the definition's own form.
fn hint(d: &ClusterDef, cli: &'static str, arm: &'static str, tf: &'static str) -> &'static str {
    match d.form {
        Form::Cli => cli,
        Form::Arm | Form::Bicep => arm,
        Form::Terraform => tf,
    }
}

/// Said after a value that came from a parameter's default.
fn via<T>(f: &Setting<T>) -> String {
    match &f.param {
        Some(p) if p.starts_with("var.") || p.starts_with("local.") => {
            format!(" (the default value of {p})")
        }
        Some(p) => format!(" (the default value of parameter {p:?})"),
        None => String::new(),
    }
}

macro_rules! cluster_rule {
    ($ty:ident, $meta:ident, |$d:ident, $s:ident, $out:ident| $body:block) => {
        impl Rule for $ty {
            fn check_cluster(&self, $d: &ClusterDef, $s: &Settings, $out: &mut Vec<Finding>) {
                $body
            }
            fn reads_clusters(&self) -> bool {
                true
            }
        }
    };
}

cluster_rule!(
    NetworkPolicyMissing,
    NETWORK_POLICY_MISSING,
    |d, _s, out| {
        match &d.network_policy {
        None if d.op == Op::Create && !d.opaque => out.push(finding(
            &NETWORK_POLICY_MISSING,
            d,
            d.at,
            format!(
                "{} has no network policy engine{}: NetworkPolicies (such as the one that blocks pods from the instance metadata endpoint) would not be enforced, and the engine can only be chosen when the cluster is created; {}",
                what(d),
                default_note(d, "network-policy"),
                hint(d, "add --network-policy cilium (with --network-dataplane cilium) or calico", "set properties.networkProfile.networkPolicy to cilium (with networkDataplane cilium) or calico", "set network_profile.network_policy = \"cilium\" (with network_data_plane = \"cilium\") or \"calico\""),
            ),
        )),
        Some(f) if f.known().is_some_and(|v| v.eq_ignore_ascii_case("none")) => out.push(finding_at(
            &NETWORK_POLICY_MISSING,
            d,
            f,
            format!(
                "{} sets the network policy engine to none: NetworkPolicies are not enforced; use cilium or calico",
                what(d)
            ),
        )),
        _ => {}
    }
    }
);

cluster_rule!(
    NetworkPolicyRetiring,
    NETWORK_POLICY_RETIRING,
    |d, _s, out| {
        if let Some(f) = &d.network_policy
            && f.known().is_some_and(|v| v.eq_ignore_ascii_case("azure"))
        {
            out.push(finding_at(
            &NETWORK_POLICY_RETIRING,
            d,
            f,
            format!(
                "{} uses Azure Network Policy Manager (network policy azure), which is being retired: unsupported on Windows nodes from 2026-09-30 and on Linux nodes from 2028-09-30; plan a move to cilium (--network-policy cilium --network-dataplane cilium) or calico",
                what(d)
            ),
        ));
        }
    }
);

cluster_rule!(RbacDisabled, RBAC_DISABLED, |d, _s, out| {
    if let Some(f) = &d.rbac_disabled
        && f.known() == Some(&true)
    {
        out.push(finding_at(
            &RBAC_DISABLED,
            d,
            f,
            format!(
                "{} turns Kubernetes RBAC off: every authenticated identity can do anything in the cluster, and it cannot be turned on later without recreating the cluster; {}",
                what(d),
                hint(d, "remove --disable-rbac", "set properties.enableRBAC to true", "remove role_based_access_control_enabled = false"),
            ),
        ));
    }
});

cluster_rule!(EntraMissing, ENTRA_MISSING, |d, _s, out| {
    if let Some(f) = &d.entra
        && f.known() == Some(&false)
    {
        out.push(finding_at(
            &ENTRA_MISSING,
            d,
            f,
            format!(
                "{} turns managed Microsoft Entra ID integration off: access to the API server is not tied to Entra identities and groups",
                what(d)
            ),
        ));
    } else if d.op == Op::Create && !d.opaque && d.entra.is_none() {
        out.push(finding(
            &ENTRA_MISSING,
            d,
            d.at,
            format!(
                "{} is created without Microsoft Entra ID integration{}: access to the API server is not tied to Entra identities and groups; {}",
                what(d),
                default_note(d, "entra"),
                hint(d, "add --enable-aad --aad-admin-group-object-ids <group-id>", "add properties.aadProfile with managed: true and adminGroupObjectIDs", "add an azure_active_directory_role_based_access_control block with admin_group_object_ids"),
            ),
        ));
    }
});

cluster_rule!(AzureRbacDisabled, AZURE_RBAC_DISABLED, |d, _s, out| {
    match &d.azure_rbac {
        None if d.op == Op::Create && !d.opaque && d.entra.as_ref().is_some_and(|f| f.known() == Some(&true)) => {
            out.push(finding(
                &AZURE_RBAC_DISABLED,
                d,
                d.at,
                format!(
                    "{} integrates Microsoft Entra ID but not Azure RBAC for Kubernetes authorization: permissions are managed only with Kubernetes RoleBindings; consider --enable-azure-rbac",
                    what(d)
                ),
            ))
        }
        Some(f) if f.known() == Some(&false) => out.push(finding_at(
            &AZURE_RBAC_DISABLED,
            d,
            f,
            format!("{} turns Azure RBAC for Kubernetes authorization off", what(d)),
        )),
        _ => {}
    }
});

cluster_rule!(LocalAccounts, LOCAL_ACCOUNTS, |d, _s, out| {
    match &d.local_accounts_disabled {
        None if d.op == Op::Create && !d.opaque => out.push(finding(
            &LOCAL_ACCOUNTS,
            d,
            d.at,
            format!(
                "{} keeps local accounts{}: `az aks get-credentials --admin` hands out a static cluster-admin certificate that bypasses Entra ID and RBAC; {}",
                what(d),
                default_note(d, "local-accounts"),
                hint(d, "add --disable-local-accounts (it needs --enable-aad)", "set properties.disableLocalAccounts to true (it needs aadProfile)", "set local_account_disabled = true (it needs Entra integration)"),
            ),
        )),
        Some(f) if f.known() == Some(&false) => out.push(finding_at(
            &LOCAL_ACCOUNTS,
            d,
            f,
            format!(
                "{} turns local accounts back on: a static cluster-admin certificate that bypasses Entra ID and RBAC",
                what(d)
            ),
        )),
        _ => {}
    }
});

cluster_rule!(AutoUpgradeDisabled, AUTO_UPGRADE_DISABLED, |d, _s, out| {
    match &d.upgrade_channel {
        None if d.op == Op::Create && !d.opaque => out.push(finding(
            &AUTO_UPGRADE_DISABLED,
            d,
            d.at,
            format!(
                "{} has no auto-upgrade channel{}: the cluster stays on its Kubernetes version until someone upgrades it, and falls out of support; {}",
                what(d),
                default_note(d, "auto-upgrade"),
                hint(d, "add --auto-upgrade-channel patch (or stable)", "set properties.autoUpgradeProfile.upgradeChannel to patch (or stable)", "set automatic_upgrade_channel = \"patch\" (automatic_channel_upgrade before provider 4.0)"),
            ),
        )),
        Some(f) if f.known().is_some_and(|v| v.eq_ignore_ascii_case("none")) => out.push(finding_at(
            &AUTO_UPGRADE_DISABLED,
            d,
            f,
            format!(
                "{} turns cluster auto-upgrade off: it stays on its Kubernetes version until someone upgrades it; use patch or stable",
                what(d)
            ),
        )),
        _ => {}
    }
});

cluster_rule!(NodeOsUnpatched, NODE_OS_UNPATCHED, |d, _s, out| {
    if let Some(f) = &d.node_os_channel
        && let Some(v) = f.known()
    {
        let why = if v.eq_ignore_ascii_case("none") {
            Some("no OS updates are applied to the nodes at all")
        } else if v.eq_ignore_ascii_case("unmanaged") {
            Some(
                "the OS patches itself but nodes are never rebooted for kernel fixes (and Windows nodes get nothing)",
            )
        } else {
            None
        };
        if let Some(why) = why {
            out.push(finding_at(
                &NODE_OS_UNPATCHED,
                d,
                f,
                format!(
                    "{} sets the node OS upgrade channel to {v}: {why}; use SecurityPatch or NodeImage",
                    what(d)
                ),
            ));
        }
    }
});

cluster_rule!(
    MaintenanceWindowMissing,
    MAINTENANCE_WINDOW_MISSING,
    |d, _s, out| {
        if let Some(f) = &d.upgrade_channel
            && f.known().is_some_and(|v| !v.eq_ignore_ascii_case("none"))
            && !d.maintenance
            && !d.opaque
        {
            out.push(finding_at(
            &MAINTENANCE_WINDOW_MISSING,
            d,
            f,
            format!(
                "{} upgrades itself automatically but no maintenance window is configured in this file: upgrades may start at any time; {}",
                what(d),
                hint(d, "add `az aks maintenanceconfiguration add --name aksManagedAutoUpgradeSchedule ...`", "add a maintenanceConfigurations child resource named aksManagedAutoUpgradeSchedule", "add a maintenance_window_auto_upgrade block"),
            ),
        ));
        }
    }
);

cluster_rule!(DefenderDisabled, DEFENDER_DISABLED, |d, _s, out| {
    match &d.defender {
        None if d.op == Op::Create && !d.opaque => out.push(finding(
            &DEFENDER_DISABLED,
            d,
            d.at,
            format!(
                "{} is created without Microsoft Defender for Containers{}: no runtime threat detection or vulnerability assessment from the cluster definition; {}",
                what(d),
                default_note(d, "defender"),
                hint(d, "add --enable-defender (unless the Defender plan enables it for the subscription)", "set properties.securityProfile.defender.securityMonitoring.enabled to true with a Log Analytics workspace (unless the Defender plan enables it for the subscription)", "add a microsoft_defender block (unless the Defender plan enables it for the subscription)"),
            ),
        )),
        Some(f) if f.known() == Some(&false) => out.push(finding_at(
            &DEFENDER_DISABLED,
            d,
            f,
            format!("{} turns Microsoft Defender for Containers off", what(d)),
        )),
        _ => {}
    }
});

cluster_rule!(
    ApiServerUnrestricted,
    API_SERVER_UNRESTRICTED,
    |d, _s, out| {
        let private = d.private_cluster.as_ref().and_then(Setting::known) == Some(&true);
        match &d.authorized_ranges {
        // Not private: unset, or said to be false (explicitly public).
        None if d.op == Op::Create
            && !d.opaque
            && d.private_cluster.as_ref().is_none_or(|p| p.known() == Some(&false)) =>
        {
            out.push(finding(
            &API_SERVER_UNRESTRICTED,
            d,
            d.at,
            format!(
                "{} has a public API server reachable from any address{}: {}",
                what(d),
                default_note(d, "api-server"),
                hint(d, "add --api-server-authorized-ip-ranges <your CIDRs> or --enable-private-cluster", "set properties.apiServerAccessProfile.authorizedIPRanges or enablePrivateCluster: true", "set api_server_access_profile.authorized_ip_ranges or private_cluster_enabled = true"),
            ),
        ))
        }
        Some(f) if !private && f.known().is_some_and(|r| r.is_empty()) => out.push(finding_at(
            &API_SERVER_UNRESTRICTED,
            d,
            f,
            format!(
                "{} clears the API server's authorized IP ranges: it becomes reachable from any address",
                what(d)
            ),
        )),
        _ => {}
    }
    }
);

cluster_rule!(ApiServerOpenRange, API_SERVER_OPEN_RANGE, |d, _s, out| {
    if let Some(f) = &d.authorized_ranges
        && let Some(ranges) = f.known()
    {
        for (r, span) in ranges {
            if r == "0.0.0.0/0" || r == "::/0" {
                out.push(finding(
                    &API_SERVER_OPEN_RANGE,
                    d,
                    *span,
                    format!(
                        "{} authorizes {r} for the API server: every address is let in, so the restriction restricts nothing; list only your networks' CIDRs{}",
                        what(d),
                        via(f)
                    ),
                ));
            }
        }
    }
});

cluster_rule!(VersionUnsupported, VERSION_UNSUPPORTED, |d, s, out| {
    let Some(f) = &d.kubernetes_version else {
        return;
    };
    let Some(written) = f.known() else { return };
    let Some(v) = versions::parse_version(written) else {
        return;
    };
    let lts = d
        .support_plan
        .as_ref()
        .and_then(Setting::known)
        .is_some_and(|p| p.eq_ignore_ascii_case("AKSLongTermSupport"))
        && d.tier
            .as_ref()
            .and_then(Setting::known)
            .is_some_and(|t| t.eq_ignore_ascii_case("premium"));
    let plan = if lts {
        "long-term support"
    } else {
        "community support"
    };
    let as_of = s.as_of;
    let cal = versions::retrieved();
    let (severity, message) = match versions::judge(v, as_of, lts) {
        Support::Supported {
            until, days_left, ..
        } if days_left <= versions::WARN_DAYS => (
            Severity::Warning,
            format!(
                "Kubernetes {}.{} leaves AKS {plan} on {until}, {days_left} day(s) after {as_of}: plan the upgrade now (AKS release calendar read on {cal})",
                v.0, v.1
            ),
        ),
        Support::Grace { ended, .. } => (
            Severity::Error,
            format!(
                "Kubernetes {}.{} left AKS {plan} on {ended} (judged at {as_of}): no security patches, and new clusters cannot be created on it; upgrade to a supported minor (AKS release calendar read on {cal})",
                v.0, v.1
            ),
        ),
        Support::OutOfSupport { ended, lts: by_lts } => {
            // Platform support follows the community calendar; an LTS end of life has none.
            let platform = match versions::platform_support(v, as_of).filter(|_| !by_lts) {
                Some(PlatformSupport::Until { minor, ga }) => format!(
                    "; it has platform support only (Azure infrastructure issues) until {}.{} is GA{}",
                    minor.0,
                    minor.1,
                    ga.map(|d| format!(" ({d})")).unwrap_or_default()
                ),
                Some(PlatformSupport::Ended { minor, ga }) => format!(
                    "; its platform support ended too, when {}.{} became GA ({ga})",
                    minor.0, minor.1
                ),
                None => String::new(),
            };
            (
                Severity::Error,
                format!(
                    "Kubernetes {}.{} left AKS {plan} on {ended} (judged at {as_of}): no security patches, and new clusters cannot be created on it{platform}; upgrade to a supported minor (AKS release calendar read on {cal})",
                    v.0, v.1
                ),
            )
        }
        Support::BeforeCalendar { newer, newer_ended } => {
            let first = versions::first_minor().unwrap_or(newer);
            let message = if v < first {
                format!(
                    "Kubernetes {}.{} is older than every version in keelhaul's AKS calendar, which starts at {}.{}, and {}.{} left AKS community support on {newer_ended}: at {as_of} it is out of support; upgrade to a supported minor (AKS release calendar read on {cal})",
                    v.0, v.1, first.0, first.1, newer.0, newer.1
                )
            } else {
                format!(
                    "keelhaul's AKS calendar gives no {plan} end of life for Kubernetes {}.{}, but the newer {}.{} left AKS community support on {newer_ended}: at {as_of} {}.{} is out of support too; upgrade to a supported minor (AKS release calendar read on {cal})",
                    v.0, v.1, newer.0, newer.1, v.0, v.1
                )
            };
            (Severity::Error, message)
        }
        Support::Supported { .. } | Support::Unknown | Support::NotYetGa => return,
    };
    let mut fnd = finding_at(&VERSION_UNSUPPORTED, d, f, message);
    fnd.severity(severity);
    out.push(fnd);
});
