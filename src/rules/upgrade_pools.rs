//! Upgrade rules for node pools and clusters (KH708–KH712, KH714): upgrade settings that stall
//! or refuse a node pool upgrade, version skew between a node pool and its control plane,
//! upgrades that skip a minor, and a network plugin or node OS that AKS retires. They read the
//! AKS cluster model, in every form it is read from; a value written as a computed expression
//! is never judged.

use super::rule_meta;
use crate::check::{Rule, Settings};
use crate::finding::{Finding, RuleMeta};
use crate::k8s::aks_cluster::{ClusterDef, Form, NodePool, Op, Setting};
use crate::k8s::aks_retirements::{Retirement, SettingKey, Standing, of_setting};
use crate::k8s::aks_upgrade::{
    self as upgrade, Amount, BadAmount, DRAIN_TIMEOUT_RANGE, NODE_SOAK_RANGE, Skew, minor_text,
};
use crate::k8s::aks_versions::parse_version;

rule_meta!(
    NodePoolUpgradeBlocked,
    NODE_POOL_UPGRADE_BLOCKED,
    "KH708",
    "node-pool-upgrade-blocked",
    Error,
    "A node pool allows neither a surge node nor an unavailable node, so its upgrade cannot progress.",
    scope = ClusterDefinition
);
rule_meta!(
    NodePoolDefaultSurge,
    NODE_POOL_DEFAULT_SURGE,
    "KH709",
    "node-pool-default-surge",
    Note,
    "A node pool of three or more nodes leaves max surge at its default (10%).",
    scope = ClusterDefinition
);
rule_meta!(
    NodePoolUpgradeSettingInvalid,
    NODE_POOL_UPGRADE_SETTING_INVALID,
    "KH710",
    "node-pool-upgrade-setting-invalid",
    Error,
    "A node pool upgrade setting is out of the range the AKS API accepts.",
    scope = ClusterDefinition
);
rule_meta!(
    NodePoolVersionSkew,
    NODE_POOL_VERSION_SKEW,
    "KH711",
    "node-pool-version-skew",
    Error,
    "A node pool's Kubernetes version is newer than its control plane's, more than two minors behind it, or of another major.",
    scope = ClusterDefinition
);
rule_meta!(
    UpgradeSkipsMinor,
    UPGRADE_SKIPS_MINOR,
    "KH712",
    "upgrade-skips-minor",
    Error,
    "An upgrade in a script, or a version change under --diff, skips a Kubernetes minor version.",
    scope = ClusterDefinition
);
rule_meta!(
    RetiredClusterSetting,
    RETIRED_CLUSTER_SETTING,
    "KH714",
    "retired-cluster-setting",
    Error,
    "A cluster or node pool uses a network plugin or node OS that AKS retires on a published date.",
    scope = ClusterDefinition,
    severity_note =
        "note while the end of support is more than 180 days away, warning within 180 days"
);

/// The names of one setting in each form: (ARM / Bicep, Terraform, `az aks`).
struct Names {
    arm: &'static str,
    tf: &'static str,
    cli: &'static str,
}

const MAX_SURGE: Names = Names {
    arm: "upgradeSettings.maxSurge",
    tf: "upgrade_settings.max_surge",
    cli: "--max-surge",
};
const MAX_UNAVAILABLE: Names = Names {
    arm: "upgradeSettings.maxUnavailable",
    tf: "upgrade_settings.max_unavailable",
    cli: "--max-unavailable",
};
const DRAIN_TIMEOUT: Names = Names {
    arm: "upgradeSettings.drainTimeoutInMinutes",
    tf: "upgrade_settings.drain_timeout_in_minutes",
    cli: "--drain-timeout",
};
const NODE_SOAK: Names = Names {
    arm: "upgradeSettings.nodeSoakDurationInMinutes",
    tf: "upgrade_settings.node_soak_duration_in_minutes",
    cli: "--node-soak-duration",
};
const UNDRAINABLE: Names = Names {
    arm: "upgradeSettings.undrainableNodeBehavior",
    tf: "upgrade_settings.undrainable_node_behavior",
    cli: "--undrainable-node-behavior",
};

/// A setting's name in the definition's own form.
fn name(d: &ClusterDef, n: &Names) -> &'static str {
    match d.form {
        Form::Arm | Form::Bicep => n.arm,
        Form::Terraform => n.tf,
        Form::Cli => n.cli,
    }
}

/// How a pool is named in messages: `node pool "user" of cluster "aks-prod"`.
fn pool_name(d: &ClusterDef, p: &NodePool) -> String {
    let pool = match &p.name {
        Some(n) => format!("node pool {n:?}"),
        None => "this node pool".to_string(),
    };
    match &d.name {
        Some(c) => format!("{pool} of cluster {c:?}"),
        None => pool,
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

fn at<T>(rule: &'static RuleMeta, d: &ClusterDef, f: &Setting<T>, message: String) -> Finding {
    Finding::new(rule, d.file.clone(), f.span, message + &via(f))
}

fn amount(f: &Option<Setting<String>>) -> Option<Result<Amount, BadAmount>> {
    f.as_ref()
        .and_then(Setting::known)
        .map(|t| upgrade::parse_amount(t))
}

macro_rules! pool_rule {
    ($ty:ident, |$d:ident, $s:ident, $out:ident| $body:block) => {
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

pool_rule!(NodePoolUpgradeBlocked, |d, _s, out| {
    for p in &d.node_pools {
        let Some(surge) = &p.upgrade.max_surge else {
            continue;
        };
        if !matches!(amount(&p.upgrade.max_surge), Some(Ok(a)) if a.is_zero()) {
            continue;
        }
        let unavailable = match &p.upgrade.max_unavailable {
            // Unset on a new pool: the default, 0. On an existing pool: left as it is.
            None if p.creates && !p.opaque => "leaves max unavailable unset (default 0)",
            Some(_) if matches!(amount(&p.upgrade.max_unavailable), Some(Ok(a)) if a.is_zero()) => {
                "max unavailable to 0"
            }
            _ => continue,
        };
        let written = surge.known().map(String::as_str).unwrap_or_default();
        out.push(at(
            &NODE_POOL_UPGRADE_BLOCKED,
            d,
            surge,
            format!(
                "{} sets max surge to {written} and {unavailable}: an upgrade may neither add a surge node nor take a node out of service, so it cannot replace a single node; set {} to 33% (or, short of surge capacity, {} to 1 with max surge 0)",
                pool_name(d, p),
                name(d, &MAX_SURGE),
                name(d, &MAX_UNAVAILABLE),
            ),
        ));
    }
});

pool_rule!(NodePoolDefaultSurge, |d, _s, out| {
    // `az aks create`: the default pool's surge is set afterwards (`az aks nodepool update`).
    if d.form == Form::Cli && d.op == Op::Create {
        return;
    }
    for p in &d.node_pools {
        if !p.creates
            || p.opaque
            || p.upgrade.max_surge.is_some()
            || p.upgrade.max_unavailable.is_some()
        {
            continue;
        }
        let Some(nodes) = p.size().filter(|n| *n >= 3) else {
            continue;
        };
        let per_batch = nodes.div_ceil(10);
        let written = if p.min_count.is_some() || p.max_count.is_some() {
            format!("up to {nodes} nodes")
        } else if p.count.is_some() {
            format!("{nodes} nodes")
        } else {
            format!("{nodes} nodes by default")
        };
        out.push(Finding::new(
            &NODE_POOL_DEFAULT_SURGE,
            d.file.clone(),
            p.upgrade.at.unwrap_or(p.at),
            format!(
                "{} ({written}) leaves max surge at its default of 10%: an upgrade replaces {per_batch} node(s) at a time, so it takes longer and is more likely to run past a maintenance window; Microsoft recommends a max surge of 33% for production node pools: set {} to 33% (or decide on a value and write it)",
                pool_name(d, p),
                name(d, &MAX_SURGE),
            ),
        ));
    }
});

/// KH710's findings for one pool's maxSurge / maxUnavailable.
fn check_amount(
    d: &ClusterDef,
    p: &NodePool,
    f: &Option<Setting<String>>,
    names: &Names,
    out: &mut Vec<Finding>,
) {
    let (Some(setting), Some(Err(bad))) = (f, amount(f)) else {
        return;
    };
    let written = setting.known().map(String::as_str).unwrap_or_default();
    let why = match bad {
        BadAmount::NotAnAmount => format!(
            "{written:?} is neither a whole number of nodes (\"5\") nor a percentage of the pool (\"33%\")"
        ),
        BadAmount::PercentOver100(n) => format!("{n}% is above 100%"),
        BadAmount::TooLarge => format!("{written} is too large a number of nodes"),
    };
    out.push(at(
        &NODE_POOL_UPGRADE_SETTING_INVALID,
        d,
        setting,
        format!(
            "{}: {} {why}; AKS refuses the node pool and no upgrade of it can start; write a node count or a percentage from 1% to 100%",
            pool_name(d, p),
            name(d, names),
        ),
    ));
}

/// KH710's findings for one pool's minutes setting.
fn check_minutes(
    d: &ClusterDef,
    p: &NodePool,
    f: &Option<Setting<String>>,
    names: &Names,
    range: (u64, u64),
    out: &mut Vec<Finding>,
) {
    let Some(setting) = f else { return };
    let Some(written) = setting.known() else {
        return;
    };
    let why = match upgrade::parse_minutes(written) {
        Some(m) if upgrade::in_range(m, range) => return,
        Some(m) => format!("{m} is outside"),
        None => format!("{written:?} is not a whole number of minutes in"),
    };
    out.push(at(
        &NODE_POOL_UPGRADE_SETTING_INVALID,
        d,
        setting,
        format!(
            "{}: {} {why} the range the AKS API accepts, {} to {} minutes; the node pool is refused and no upgrade of it can start",
            pool_name(d, p),
            name(d, names),
            range.0,
            range.1,
        ),
    ));
}

pool_rule!(NodePoolUpgradeSettingInvalid, |d, _s, out| {
    for p in &d.node_pools {
        let u = &p.upgrade;
        check_amount(d, p, &u.max_surge, &MAX_SURGE, out);
        check_amount(d, p, &u.max_unavailable, &MAX_UNAVAILABLE, out);
        check_minutes(
            d,
            p,
            &u.drain_timeout_in_minutes,
            &DRAIN_TIMEOUT,
            DRAIN_TIMEOUT_RANGE,
            out,
        );
        check_minutes(
            d,
            p,
            &u.node_soak_duration_in_minutes,
            &NODE_SOAK,
            NODE_SOAK_RANGE,
            out,
        );
        if let Some(f) = &u.undrainable_node_behavior
            && let Some(v) = f.known()
            && upgrade::undrainable_behavior(v).is_none()
        {
            out.push(at(
                &NODE_POOL_UPGRADE_SETTING_INVALID,
                d,
                f,
                format!(
                    "{}: {} is {v:?}, which is neither Cordon nor Schedule, the only values the AKS API defines, so the node pool is refused or does not behave as meant; use Cordon (quarantine nodes that cannot be drained) or Schedule",
                    pool_name(d, p),
                    name(d, &UNDRAINABLE),
                ),
            ));
        }
    }
});

pool_rule!(NodePoolVersionSkew, |d, _s, out| {
    for p in &d.node_pools {
        let (Some(pv), Some(cv)) = (&p.version, &p.cluster_version) else {
            continue;
        };
        let (Some(pool), Some(cp)) = (
            pv.known().and_then(|v| parse_version(v)),
            cv.known().and_then(|v| parse_version(v)),
        ) else {
            continue;
        };
        let why = match upgrade::pool_skew(pool, cp) {
            Skew::Allowed => continue,
            Skew::Newer => "newer than its control plane".to_string(),
            Skew::TooOld { behind } => format!("{behind} minors behind its control plane"),
            Skew::OtherMajor => "of another major version than its control plane".to_string(),
        };
        let oldest = upgrade::oldest_pool_minor(cp);
        let line = if cv.span.start.line == pv.span.start.line {
            String::new()
        } else {
            format!(", set on line {}", cv.span.start.line)
        };
        let mut f = at(
            &NODE_POOL_VERSION_SKEW,
            d,
            pv,
            format!(
                "{} runs Kubernetes {} under a control plane on {}{line}: it is {why}, which AKS refuses, so the deployment or upgrade fails; a node pool may run {} to {} (same major, at most two minors behind, never newer)",
                pool_name(d, p),
                minor_text(pool),
                minor_text(cp),
                minor_text(oldest),
                minor_text(cp),
            ),
        );
        f.related(cv.span, "the control plane's version");
        out.push(f);
    }
});

pool_rule!(UpgradeSkipsMinor, |d, s, out| {
    if let (Some(from), Some(to)) = (&d.earlier_version, &d.kubernetes_version) {
        // A definition of one pool (`az aks nodepool upgrade`, a Terraform node pool) writes
        // the pool's version as its own.
        let what = match d.node_pools.first() {
            Some(p) if p.version.as_ref().is_none_or(|v| v.span == to.span) => pool_name(d, p),
            _ => match &d.name {
                Some(n) => format!("cluster {n:?}"),
                None => "this cluster".to_string(),
            },
        };
        out.extend(skips_minor(d, s, &what, from, to));
    }
    // Under `--diff`, a node pool of a template whose version changed since the base.
    for p in &d.node_pools {
        if let (Some(from), Some(to)) = (&p.earlier_version, &p.version) {
            out.extend(skips_minor(d, s, &pool_name(d, p), from, to));
        }
    }
});

/// KH712 on one change of version, `from_s` to `to_s`, of `what`: when it skips a minor
/// that AKS does not let it skip.
fn skips_minor(
    d: &ClusterDef,
    s: &Settings,
    what: &str,
    from_s: &Setting<String>,
    to_s: &Setting<String>,
) -> Option<Finding> {
    let from = from_s.known().and_then(|v| parse_version(v))?;
    let to = to_s.known().and_then(|v| parse_version(v))?;
    let skipped = upgrade::skipped_minors(from, to)?;
    if skipped.is_empty() || upgrade::may_skip_minors(from, to, s.as_of) {
        return None;
    }
    let steps: Vec<String> = skipped.iter().map(|v| minor_text(*v)).collect();
    let mut way = format!("upgrade to {} first", steps[0]);
    for step in steps.iter().skip(1).chain([&minor_text(to)]) {
        way.push_str(&format!(", then to {step}"));
    }
    let (change, since) = match &d.earlier_ref {
        Some(r) => (
            "this change",
            format!(
                "{} at {r} (line {} there)",
                minor_text(from),
                from_s.span.start.line
            ),
        ),
        None => (
            "this upgrade",
            format!("{} (line {})", minor_text(from), from_s.span.start.line),
        ),
    };
    let mut f = at(
        &UPGRADE_SKIPS_MINOR,
        d,
        to_s,
        format!(
            "{change} takes {what} from {since} to {}, skipping {}: AKS upgrades one minor version at a time and refuses the jump (only an upgrade from an unsupported version into a supported one may skip, and by the AKS calendar at {} this is not one); {way}",
            minor_text(to),
            steps.join(", "),
            s.as_of,
        ),
    );
    if d.earlier_ref.is_none() {
        f.related(from_s.span, "the version it upgrades from");
    }
    Some(f)
}

/// How long before a retirement its finding turns from a note into a warning.
const RETIREMENT_WARNING_DAYS: i64 = 180;

pool_rule!(RetiredClusterSetting, |d, s, out| {
    if let Some(plugin) = &d.network_plugin
        && let Some(value) = plugin.known()
    {
        let setting = match d.form {
            Form::Arm | Form::Bicep => "networkProfile.networkPlugin",
            Form::Terraform => "network_profile.network_plugin",
            Form::Cli => "--network-plugin",
        };
        for r in of_setting(SettingKey::NetworkPlugin, value) {
            let what = match &d.name {
                Some(n) => format!("cluster {n:?}"),
                None => "this cluster".to_string(),
            };
            out.extend(retired(
                d,
                s,
                r,
                plugin,
                &format!("{what} sets {setting} {value}"),
                None,
            ));
        }
    }
    for p in &d.node_pools {
        let Some(sku) = &p.os_sku else { continue };
        let Some(value) = sku.known() else { continue };
        let setting = match d.form {
            Form::Arm | Form::Bicep => "osSKU",
            Form::Terraform => "os_sku",
            Form::Cli => "--os-sku",
        };
        // The version the pool runs: its own, else its control plane's.
        let version = p.version.as_ref().or(p.cluster_version.as_ref());
        for r in of_setting(SettingKey::OsSku, value) {
            let what = format!("{} sets {setting} {value}", pool_name(d, p));
            out.extend(retired(d, s, r, sku, &what, version));
        }
    }
});

/// KH714 on one retiring setting: its severity by the date (`--as-of`), or an error when the
/// pool is pinned to a Kubernetes minor the setting cannot run on.
fn retired(
    d: &ClusterDef,
    s: &Settings,
    r: &Retirement,
    at_setting: &Setting<String>,
    what: &str,
    version: Option<&Setting<String>>,
) -> Option<Finding> {
    use crate::finding::Severity;
    let standing = r.standing(s.as_of)?;
    let pinned = version.and_then(|v| Some((v, parse_version(v.known()?)?)));
    let too_new = match (pinned, r.last_minor) {
        (Some((v, (major, minor))), Some(last)) if (major, minor) > last => Some((v, major, minor)),
        _ => None,
    };
    let images = match r.images_removed {
        Some(day) if day > s.as_of => {
            format!("; its node images are removed on {day}, and scaling fails from then on")
        }
        Some(day) => format!("; its node images were removed on {day}, so scaling fails"),
        None => String::new(),
    };
    let (severity, when) = match standing {
        Standing::Unsupported => (
            Severity::Error,
            format!(
                "AKS support for {} ended after {}{images}",
                r.what, r.support_ends
            ),
        ),
        Standing::Deprecated => {
            let days = s.as_of.days_until(r.support_ends);
            let severity = if days <= RETIREMENT_WARNING_DAYS {
                Severity::Warning
            } else {
                Severity::Note
            };
            (
                severity,
                format!(
                    "AKS supports {} until {} ({days} days from {}){images}",
                    r.what, r.support_ends, s.as_of
                ),
            )
        }
    };
    let mut message = format!("{what}: {when}; move to {}", r.replacement);
    let mut severity = severity;
    if let Some((v, major, minor)) = too_new {
        let (lm, ln) = r.last_minor.unwrap_or_default();
        severity = Severity::Error;
        message = format!(
            "{what}, on Kubernetes {major}.{minor}: {} cannot run any version after {lm}.{ln}, so creating or upgrading the pool fails; {when}; move to {}",
            r.what, r.replacement
        );
        let mut f = at(&RETIRED_CLUSTER_SETTING, d, at_setting, message);
        f.severity(severity);
        f.related(v.span, "the Kubernetes version the pool runs");
        return Some(f);
    }
    if let Some(last) = r.last_minor {
        message.push_str(&format!(
            " (and an upgrade of the cluster past {}.{} fails while this pool keeps it)",
            last.0, last.1
        ));
    }
    let mut f = at(&RETIRED_CLUSTER_SETTING, d, at_setting, message);
    f.severity(severity);
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::aks_cluster::from_cli;
    use crate::load::iac::az_command::{Dialect, find_commands};
    use std::sync::Arc;

    fn findings(script: &str) -> Vec<Finding> {
        let file: Arc<str> = Arc::from("t.sh");
        let defs = from_cli(&file, script, &find_commands(script, Dialect::Shell));
        let rules: [&dyn Rule; 5] = [
            &NodePoolUpgradeBlocked,
            &NodePoolDefaultSurge,
            &NodePoolUpgradeSettingInvalid,
            &NodePoolVersionSkew,
            &UpgradeSkipsMinor,
        ];
        let mut out = Vec::new();
        for d in &defs {
            for r in rules {
                r.check_cluster(d, &Settings::default(), &mut out);
            }
        }
        out
    }

    #[test]
    fn bad_input_is_reported_or_left_alone_never_a_panic() {
        let script = "az aks create -g rg -n c -k 1.4294967295\n\
            az aks upgrade -g rg -n c -k 1.99999999999999999999 --yes\n\
            az aks upgrade -g rg -n c -k v1.30 --yes\n\
            az aks nodepool add -g rg --cluster-name c -n p -k 1. --node-count 99999999999999999999999\n\
            az aks nodepool update -g rg --cluster-name c -n p --max-surge --drain-timeout\n\
            az aks nodepool update -g rg --cluster-name c -n p --max-surge '' --max-unavailable %\n\
            az aks nodepool update -g rg --cluster-name c -n p --drain-timeout 18446744073709551616\n\
            az aks nodepool update -g rg --cluster-name c -n p --node-soak-duration ３\n\
            az aks nodepool upgrade --cluster-name c -n p -k 4294967295.4294967295\n";
        let got = findings(script);
        let lines: Vec<(u32, &str)> = got.iter().map(|f| (f.span.start.line, f.rule.id)).collect();
        assert_eq!(
            lines,
            [
                (6, "KH710"),
                (6, "KH710"),
                (7, "KH710"),
                (8, "KH710"),
                // Line 9: the control plane's last version (`v1.30`) is not one AKS takes,
                // so the pool is not judged against it.
            ],
            "{:#?}",
            got.iter().map(|f| &f.message).collect::<Vec<_>>()
        );
    }

    #[test]
    fn messages_name_the_versions_and_the_way_through() {
        let got =
            findings("az aks create -g rg -n c -k 1.29\naz aks upgrade -g rg -n c -k 1.32 --yes\n");
        // Judged today, 1.29 may long be out of support: then the jump is allowed.
        if let Some(f) = got.iter().find(|f| f.rule.id == "KH712") {
            assert!(f.message.contains("skipping 1.30, 1.31"), "{}", f.message);
            assert!(
                f.message
                    .contains("upgrade to 1.30 first, then to 1.31, then to 1.32"),
                "{}",
                f.message
            );
        }
        let got = findings(
            "az aks create -g rg -n c -k 1.33\naz aks nodepool add -g rg --cluster-name c -n p -k 1.30\n",
        );
        let got: Vec<&Finding> = got.iter().filter(|f| f.rule.id == "KH711").collect();
        assert_eq!(got.len(), 1);
        assert!(
            got[0]
                .message
                .contains("runs Kubernetes 1.30 under a control plane on 1.33")
                && got[0].message.contains("may run 1.31 to 1.33"),
            "{}",
            got[0].message
        );
    }

    /// KH714 findings of a script on `day`: (line, severity).
    fn retired_on(script: &str, day: &str) -> Vec<(u32, crate::finding::Severity)> {
        let file: Arc<str> = Arc::from("t.sh");
        let defs = from_cli(&file, script, &find_commands(script, Dialect::Shell));
        let settings = Settings {
            as_of: crate::k8s::aks_versions::Date::parse(day).unwrap(),
            ..Settings::default()
        };
        let mut out = Vec::new();
        for d in &defs {
            RetiredClusterSetting.check_cluster(d, &settings, &mut out);
        }
        out.iter()
            .map(|f| (f.span.start.line, f.severity))
            .collect()
    }

    #[test]
    fn a_retiring_setting_is_a_note_then_a_warning_then_an_error() {
        use crate::finding::Severity::*;
        let kubenet = "az aks create -g rg -n c --network-plugin Kubenet\n";
        assert_eq!(retired_on(kubenet, "2026-12-01"), [(1, Note)]);
        // 180 days before the last day of support, and the day after it.
        assert_eq!(retired_on(kubenet, "2027-10-02"), [(1, Warning)]);
        assert_eq!(retired_on(kubenet, "2027-10-01"), [(1, Note)]);
        assert_eq!(retired_on(kubenet, "2028-03-31"), [(1, Error)]);
        let azure = "az aks create -g rg -n c --network-plugin azure --os-sku AzureLinux\n";
        assert_eq!(retired_on(azure, "2030-01-01"), []);
    }

    #[test]
    fn an_os_past_its_last_minor_is_an_error_whatever_the_date() {
        use crate::finding::Severity::*;
        let add = |v: &str| {
            format!(
                "az aks create -g rg -n c -k {v}\naz aks nodepool add -g rg --cluster-name c -n w --os-type Windows --os-sku Windows2022\n"
            )
        };
        // Pinned through the cluster's version: 1.36 may run it, 1.37 may not.
        assert_eq!(retired_on(&add("1.36"), "2026-12-01"), [(2, Note)]);
        assert_eq!(retired_on(&add("1.37"), "2026-12-01"), [(2, Error)]);
        // Before the retirement was announced (2026-06-19), nothing is known of it.
        assert_eq!(retired_on(&add("1.37"), "2026-06-18"), []);
        assert_eq!(retired_on(&add("1.37"), "2026-06-19"), [(2, Error)]);
        let f = {
            let script = add("1.37");
            let file: Arc<str> = Arc::from("t.sh");
            let defs = from_cli(&file, &script, &find_commands(&script, Dialect::Shell));
            let mut out = Vec::new();
            for d in &defs {
                RetiredClusterSetting.check_cluster(d, &Settings::default(), &mut out);
            }
            out
        };
        assert!(
            f[0].message.contains("cannot run any version after 1.36"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].related[0].span.start.line, 1);
    }
}
