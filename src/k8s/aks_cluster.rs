//! One AKS cluster definition, whatever form it is written in: the settings the KH6xx rules
//! read, each with where it is written. A setting that is not written is `None`; one written
//! as a computed value (a variable, a parameter, an expression) is `Val::Unknown` and is never
//! judged. A cluster's node pools, with their upgrade settings, are read in `pools`.

use std::sync::Arc;

mod pools;

use crate::load::iac::az_command::{AzArg, AzCommand};
use crate::span::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val<T> {
    Known(T),
    /// Computed; the text as written.
    Unknown(String),
}

/// A cluster setting's value, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub val: Val<T>,
    /// The value (or, for a switch, the flag / key).
    pub span: Span,
    /// The value is the default of this parameter (the reference is at `span`).
    pub param: Option<String>,
}

impl<T> Setting<T> {
    pub fn known(&self) -> Option<&T> {
        match &self.val {
            Val::Known(v) => Some(v),
            Val::Unknown(_) => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Arm,
    Bicep,
    Terraform,
    Cli,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// The definition creates the cluster: an unset setting takes its default.
    Create,
    /// The definition changes an existing cluster: an unset setting is left as it is.
    Update,
    /// Only a Kubernetes version is set (an upgrade, a node pool).
    Version,
}

/// A cluster as one definition writes it.
#[derive(Debug, Clone)]
pub struct ClusterDef {
    pub form: Form,
    pub op: Op,
    pub file: Arc<str>,
    /// The resource or command: where a missing setting is reported.
    pub at: Span,
    pub name: Option<String>,
    pub network_policy: Option<Setting<String>>,
    /// `networkPlugin`: `azure`, `kubenet` or `none`.
    pub network_plugin: Option<Setting<String>>,
    pub rbac_disabled: Option<Setting<bool>>,
    pub entra: Option<Setting<bool>>,
    pub azure_rbac: Option<Setting<bool>>,
    pub local_accounts_disabled: Option<Setting<bool>>,
    pub upgrade_channel: Option<Setting<String>>,
    pub node_os_channel: Option<Setting<String>>,
    /// A maintenance window is configured for the cluster (in the same file).
    pub maintenance: bool,
    /// Some of the definition's settings cannot be seen (`az aks create $EXTRA_ARGS`): a
    /// setting that is not written may be set there, so its absence is not judged.
    pub opaque: bool,
    pub defender: Option<Setting<bool>>,
    pub private_cluster: Option<Setting<bool>>,
    /// The ranges as written, each with its place.
    pub authorized_ranges: Option<Setting<Vec<(String, Span)>>>,
    pub kubernetes_version: Option<Setting<String>>,
    pub support_plan: Option<Setting<String>>,
    pub tier: Option<Setting<String>>,
    /// The node pools this definition creates or changes, with their upgrade settings.
    pub node_pools: Vec<NodePool>,
    /// For an upgrade in a script (`az aks upgrade -k`, `az aks nodepool upgrade -k`): the
    /// version the same script set earlier for the same cluster (or node pool), from which
    /// this definition upgrades. Under `--diff`, for a template: the version the file pinned
    /// at the base revision (`earlier_ref` then names it).
    pub earlier_version: Option<Setting<String>>,
    /// The git ref whose revision of this file set `earlier_version` (its span is then a
    /// place in that revision); None when this text set it.
    pub earlier_ref: Option<String>,
}

/// One node pool as a definition writes it: an ARM / Bicep `agentPoolProfiles` item or
/// `agentPools` child resource, a Terraform `default_node_pool` or
/// `azurerm_kubernetes_cluster_node_pool`, an `az aks create` default pool or an
/// `az aks nodepool add|update|upgrade` command.
#[derive(Debug, Clone)]
pub struct NodePool {
    pub name: Option<String>,
    /// The pool's entry, block, resource or command: where a missing setting is reported.
    pub at: Span,
    /// The definition creates the pool (an unset setting takes its default); otherwise it
    /// changes an existing pool, and an unset setting is left as it is.
    pub creates: bool,
    /// Some of the pool's settings cannot be seen (a `dynamic` block, `$EXTRA_ARGS`): the
    /// absence of a setting is not judged.
    pub opaque: bool,
    /// `System` or `User`.
    pub mode: Option<Setting<String>>,
    pub count: Option<Setting<u64>>,
    pub min_count: Option<Setting<u64>>,
    pub max_count: Option<Setting<u64>>,
    /// The node count the form gives a created pool that writes none (`az aks nodepool add`:
    /// 3), when it is documented.
    pub default_count: Option<u64>,
    /// The pool's own Kubernetes version (`orchestratorVersion`), when written.
    pub version: Option<Setting<String>>,
    /// The version of the control plane the pool runs under, as the same file or script
    /// sets it (the cluster's `kubernetesVersion`, an earlier `az aks create|upgrade -k`).
    pub cluster_version: Option<Setting<String>>,
    /// Under `--diff`: the version the same pool had at the base revision of its file (the
    /// span is a place in that revision, named by the cluster's `earlier_ref`).
    pub earlier_version: Option<Setting<String>>,
    /// `osType` (`Linux` when unset) and `osSKU` (`Ubuntu`, `AzureLinux`, `Windows2019`,
    /// `Windows2022`, ...).
    pub os_type: Option<Setting<String>>,
    pub os_sku: Option<Setting<String>>,
    pub upgrade: UpgradeSettings,
}

/// A node pool's `upgradeSettings` (`AgentPoolUpgradeSettings`), each value as written (a
/// number as its text), so that a value the API refuses can be reported as it stands.
#[derive(Debug, Clone, Default)]
pub struct UpgradeSettings {
    /// The `upgradeSettings` key / `upgrade_settings` block, when written.
    pub at: Option<Span>,
    pub max_surge: Option<Setting<String>>,
    pub max_unavailable: Option<Setting<String>>,
    /// Minutes a node's drain may take before the upgrade fails (default 30). Read it with
    /// [`NodePool::drain_timeout_minutes`].
    pub drain_timeout_in_minutes: Option<Setting<String>>,
    pub node_soak_duration_in_minutes: Option<Setting<String>>,
    pub undrainable_node_behavior: Option<Setting<String>>,
}

impl NodePool {
    fn new(at: Span, creates: bool) -> NodePool {
        NodePool {
            name: None,
            at,
            creates,
            opaque: false,
            mode: None,
            count: None,
            min_count: None,
            max_count: None,
            default_count: None,
            version: None,
            cluster_version: None,
            earlier_version: None,
            os_type: None,
            os_sku: None,
            upgrade: UpgradeSettings::default(),
        }
    }

    /// The drain timeout the pool's upgrades run with, in minutes, and where it is written:
    /// the value when it is a valid one (1 to 1440), the default (30, no place) when a
    /// created pool leaves it unset. `None` when it is computed, invalid, or left as it was.
    pub fn drain_timeout_minutes(&self) -> Option<(u32, Option<Span>)> {
        use super::aks_upgrade::{
            DEFAULT_DRAIN_TIMEOUT_MINUTES, DRAIN_TIMEOUT_RANGE, in_range, parse_minutes,
        };
        match &self.upgrade.drain_timeout_in_minutes {
            None if self.creates && !self.opaque => Some((DEFAULT_DRAIN_TIMEOUT_MINUTES, None)),
            None => None,
            Some(s) => {
                let m = parse_minutes(s.known()?)?;
                if !in_range(m, DRAIN_TIMEOUT_RANGE) {
                    return None;
                }
                Some((u32::try_from(m).ok()?, Some(s.span)))
            }
        }
    }

    /// The largest node count the pool is written to reach (its count, autoscaling minimum
    /// or maximum), or the form's default count for a created pool that writes none.
    pub fn size(&self) -> Option<u64> {
        let written = [&self.count, &self.min_count, &self.max_count]
            .into_iter()
            .filter_map(|c| c.as_ref().and_then(Setting::known).copied())
            .max();
        let any_written =
            self.count.is_some() || self.min_count.is_some() || self.max_count.is_some();
        match written {
            Some(n) => Some(n),
            None if !any_written && self.creates => self.default_count,
            None => None,
        }
    }
}

impl ClusterDef {
    fn new(form: Form, op: Op, file: Arc<str>, at: Span) -> ClusterDef {
        ClusterDef {
            form,
            op,
            file,
            at,
            name: None,
            network_policy: None,
            network_plugin: None,
            rbac_disabled: None,
            entra: None,
            azure_rbac: None,
            local_accounts_disabled: None,
            upgrade_channel: None,
            node_os_channel: None,
            maintenance: false,
            opaque: false,
            defender: None,
            private_cluster: None,
            authorized_ranges: None,
            kubernetes_version: None,
            support_plan: None,
            tier: None,
            node_pools: Vec::new(),
            earlier_version: None,
            earlier_ref: None,
        }
    }
}

impl ClusterDef {
    /// The settings written as computed values, which no rule judges: (setting, where, text).
    pub fn unknowns(&self) -> Vec<(&'static str, Span, String)> {
        fn one<T>(
            out: &mut Vec<(&'static str, Span, String)>,
            name: &'static str,
            f: &Option<Setting<T>>,
        ) {
            if let Some(Setting {
                val: Val::Unknown(t),
                span,
                ..
            }) = f
            {
                out.push((name, *span, t.clone()));
            }
        }
        let mut out = Vec::new();
        one(&mut out, "the network policy engine", &self.network_policy);
        one(&mut out, "Kubernetes RBAC", &self.rbac_disabled);
        one(&mut out, "Microsoft Entra ID integration", &self.entra);
        one(&mut out, "Azure RBAC", &self.azure_rbac);
        one(&mut out, "local accounts", &self.local_accounts_disabled);
        one(&mut out, "the auto-upgrade channel", &self.upgrade_channel);
        one(
            &mut out,
            "the node OS upgrade channel",
            &self.node_os_channel,
        );
        one(&mut out, "Defender for Containers", &self.defender);
        one(
            &mut out,
            "the private cluster setting",
            &self.private_cluster,
        );
        one(
            &mut out,
            "the authorized IP ranges",
            &self.authorized_ranges,
        );
        one(&mut out, "the Kubernetes version", &self.kubernetes_version);
        for p in &self.node_pools {
            let u = &p.upgrade;
            one(&mut out, "a node pool's max surge", &u.max_surge);
            one(
                &mut out,
                "a node pool's max unavailable",
                &u.max_unavailable,
            );
            one(
                &mut out,
                "a node pool's drain timeout",
                &u.drain_timeout_in_minutes,
            );
            one(
                &mut out,
                "a node pool's soak duration",
                &u.node_soak_duration_in_minutes,
            );
            one(
                &mut out,
                "a node pool's undrainable node behavior",
                &u.undrainable_node_behavior,
            );
        }
        out
    }
}

fn text_setting(a: &AzArg) -> Option<Setting<String>> {
    let v = a.value.as_ref()?;
    Some(Setting {
        val: if v.literal {
            Val::Known(v.text.clone())
        } else {
            Val::Unknown(v.text.clone())
        },
        span: v.span,
        param: None,
    })
}

fn switch(a: &AzArg, on: bool) -> Setting<bool> {
    Setting {
        val: Val::Known(on),
        span: a.flag_span,
        param: None,
    }
}

/// Splits a comma-separated list value into its items, each with its own columns (the value
/// is on one line).
fn list_items(a: &AzArg) -> Option<Setting<Vec<(String, Span)>>> {
    let v = a.value.as_ref()?;
    if !v.literal {
        return Some(Setting {
            val: Val::Unknown(v.text.clone()),
            span: v.span,
            param: None,
        });
    }
    let quoted = v.span.end.col.saturating_sub(v.span.start.col) as usize > v.text.chars().count();
    let mut col = v.span.start.col + u32::from(quoted);
    let mut items = Vec::new();
    for part in v.text.split(',') {
        let n = part.chars().count() as u32;
        let lead = (part.chars().count() - part.trim_start().chars().count()) as u32;
        let t = part.trim();
        if !t.is_empty() && v.span.start.line == v.span.end.line {
            let start = crate::span::Pos {
                line: v.span.start.line,
                col: col + lead,
            };
            let end = crate::span::Pos {
                line: v.span.start.line,
                col: col + lead + t.chars().count() as u32,
            };
            items.push((t.to_string(), Span { start, end }));
        } else if !t.is_empty() {
            items.push((t.to_string(), v.span));
        }
        col += n + 1;
    }
    Some(Setting {
        val: Val::Known(items),
        span: v.span,
        param: None,
    })
}

/// Whether a command's lines hold a word that expands to more arguments (`$ARGS`,
/// `"${ARGS[@]}"`, `@params`, `$(cat flags)`) outside every flag's value.
fn has_opaque_words(text: &str, c: &AzCommand) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    let is_value_at = |line: u32, col: u32| {
        c.args.iter().any(|a| {
            a.value.as_ref().is_some_and(|v| {
                let s = v.span;
                (s.start.line, s.start.col) <= (line, col) && (line, col) < (s.end.line, s.end.col)
            })
        })
    };
    for line in c.span.start.line..=c.end_line {
        let Some(l) = lines.get(line as usize - 1) else {
            break;
        };
        let chars: Vec<char> = l.chars().collect();
        let mut col = 0usize;
        while col < chars.len() {
            let at_word = col == 0 || chars[col - 1].is_whitespace();
            if at_word {
                let rest: String = chars[col..].iter().take(3).collect();
                let expands = rest.starts_with('$')
                    || rest.starts_with("\"$")
                    || rest.starts_with('@')
                    // A backtick substitution, not PowerShell's continuation at the end.
                    || (rest.starts_with('`')
                        && chars.get(col + 1).is_some_and(|c| !c.is_whitespace()));
                if expands && !is_value_at(line, col as u32) {
                    return true;
                }
                if chars[col] == '#' {
                    break;
                }
            }
            col += 1;
        }
    }
    false
}

/// The clusters the `az aks` commands of one file define or change.
pub fn from_cli(file: &Arc<str>, text: &str, commands: &[AzCommand]) -> Vec<ClusterDef> {
    // Maintenance configurations name their cluster with --cluster-name.
    let maintained: Vec<Option<String>> = commands
        .iter()
        .filter(|c| c.subcommand.starts_with("maintenanceconfiguration"))
        .map(|c| {
            c.args
                .iter()
                .find(|a| a.flag == "--cluster-name")
                .and_then(|a| a.value.as_ref().map(|v| v.text.clone()))
        })
        .collect();
    let mut out = Vec::new();
    let mut tracks = Vec::new();
    for c in commands {
        let op = match c.subcommand.as_str() {
            "create" => Op::Create,
            "update" => Op::Update,
            "upgrade" | "nodepool add" | "nodepool upgrade" | "nodepool update" => Op::Version,
            _ => continue,
        };
        let mut d = ClusterDef::new(Form::Cli, op, file.clone(), c.span);
        d.opaque = has_opaque_words(text, c);
        for a in &c.args {
            match a.flag.as_str() {
                "--name" | "-n" if op != Op::Version || c.subcommand == "upgrade" => {
                    d.name = a.value.as_ref().map(|v| v.text.clone());
                }
                "--cluster-name" => d.name = a.value.as_ref().map(|v| v.text.clone()),
                "--kubernetes-version" | "-k" => d.kubernetes_version = text_setting(a),
                _ if op == Op::Version => {}
                "--network-policy" => d.network_policy = text_setting(a),
                "--network-plugin" => d.network_plugin = text_setting(a),
                "--disable-rbac" => d.rbac_disabled = Some(switch(a, true)),
                "--enable-aad" => d.entra = Some(switch(a, true)),
                "--enable-azure-rbac" => d.azure_rbac = Some(switch(a, true)),
                "--disable-azure-rbac" => d.azure_rbac = Some(switch(a, false)),
                "--disable-local-accounts" => d.local_accounts_disabled = Some(switch(a, true)),
                "--enable-local-accounts" => d.local_accounts_disabled = Some(switch(a, false)),
                "--auto-upgrade-channel" => d.upgrade_channel = text_setting(a),
                "--node-os-upgrade-channel" => d.node_os_channel = text_setting(a),
                "--enable-defender" => d.defender = Some(switch(a, true)),
                "--disable-defender" => d.defender = Some(switch(a, false)),
                "--enable-private-cluster" => d.private_cluster = Some(switch(a, true)),
                "--disable-private-cluster" => d.private_cluster = Some(switch(a, false)),
                "--api-server-authorized-ip-ranges" => d.authorized_ranges = list_items(a),
                "--k8s-support-plan" => d.support_plan = text_setting(a),
                "--tier" => d.tier = text_setting(a),
                _ => {}
            }
        }
        d.maintenance = maintained.iter().any(|m| match (m, &d.name) {
            (Some(m), Some(n)) => m == n,
            // A configuration whose cluster is computed may well be this one.
            _ => true,
        });
        if let Some(mut p) = pools::pool_of_command(c, d.opaque) {
            if op == Op::Create {
                p.cluster_version = d.kubernetes_version.clone();
            }
            d.node_pools.push(p);
        }
        pools::follow(c, &mut d, &mut tracks);
        out.push(d);
    }
    out
}

// ---- ARM JSON and Bicep: the managedClusters resource shape ----------------------------

use crate::load::iac::arm::{Resource, Template};
use crate::load::iac::value_tree::{Kind, Node};
use std::collections::HashMap;

const CLUSTERS: &str = "Microsoft.ContainerService/managedClusters";

/// A value of the tree as a setting: literal values known, expressions unknown unless they are
/// a parameter whose default is literal (then known, and said so).
/// Under `--diff`: gives each definition of a file the versions the same definition pinned
/// at the base revision `reference` (`base`, read from that revision), so that a change of
/// version is judged as the upgrade it asks for. Definitions are paired by cluster name, in
/// order (the n-th definition naming a cluster with the n-th at the base), node pools by
/// name; a version that did not change, or one either side cannot read, pins nothing.
pub fn pin_base_versions(defs: &mut [ClusterDef], base: &[ClusterDef], reference: &str) {
    let changed = |now: &Option<Setting<String>>, then: &Option<Setting<String>>| match (now, then)
    {
        (Some(n), Some(t)) => match (n.known(), t.known()) {
            (Some(a), Some(b)) if a.trim() != b.trim() => Some(t.clone()),
            _ => None,
        },
        _ => None,
    };
    // The version of an inline pool is also a definition of its own (for KH613), without
    // the pool: the pool, in its cluster's definition, is judged instead.
    let judged = |d: &ClusterDef| !(d.op == Op::Version && d.node_pools.is_empty());
    let base: Vec<&ClusterDef> = base.iter().filter(|b| judged(b)).collect();
    let mut seen: Vec<(Option<String>, usize)> = Vec::new();
    for d in defs.iter_mut().filter(|d| judged(d)) {
        let nth = match seen.iter_mut().find(|(n, _)| *n == d.name) {
            Some((_, k)) => {
                *k += 1;
                *k - 1
            }
            None => {
                seen.push((d.name.clone(), 1));
                0
            }
        };
        let Some(b) = base.iter().filter(|b| b.name == d.name).nth(nth) else {
            continue;
        };
        if d.earlier_version.is_none()
            && let Some(then) = changed(&d.kubernetes_version, &b.kubernetes_version)
        {
            d.earlier_version = Some(then);
            d.earlier_ref = Some(reference.to_string());
        }
        // A definition of one pool (a Terraform node pool, an `agentPools` resource) writes
        // its version once, as the definition's: judged once.
        let own = d.kubernetes_version.as_ref().map(|v| v.span);
        for p in d.node_pools.iter_mut().filter(|p| p.name.is_some()) {
            if p.version.as_ref().map(|v| v.span) == own {
                continue;
            }
            let Some(bp) = b.node_pools.iter().find(|bp| bp.name == p.name) else {
                continue;
            };
            if let Some(then) = changed(&p.version, &bp.version) {
                p.earlier_version = Some(then);
                d.earlier_ref = Some(reference.to_string());
            }
        }
    }
}

fn setting_of<T>(
    n: &Node,
    params: &HashMap<String, Node>,
    conv: &dyn Fn(&Node) -> Option<T>,
) -> Setting<T> {
    if let Kind::Expr { text, param } = &n.kind {
        if let Some(p) = param
            && let Some(d) = params.get(p)
            && let Some(v) = conv(d)
        {
            return Setting {
                val: Val::Known(v),
                span: n.span,
                param: Some(p.clone()),
            };
        }
        return Setting {
            val: Val::Unknown(text.clone()),
            span: n.span,
            param: None,
        };
    }
    Setting {
        val: match conv(n) {
            Some(v) => Val::Known(v),
            None => Val::Unknown(format!("{:?}", n.kind)),
        },
        span: n.span,
        param: None,
    }
}

fn as_string(n: &Node) -> Option<String> {
    match &n.kind {
        Kind::Str(s) => Some(s.clone()),
        _ => None,
    }
}

fn as_bool(n: &Node) -> Option<bool> {
    match &n.kind {
        Kind::Bool(b) => Some(*b),
        // ARM accepts "true"/"false" strings for booleans in some tools' output.
        Kind::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Kind::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn as_ranges(n: &Node) -> Option<Vec<(String, Span)>> {
    match &n.kind {
        Kind::List(items) => items
            .iter()
            .map(|i| match &i.kind {
                Kind::Str(s) => Some((s.clone(), i.span)),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// The clusters (and node pools with their own version) a template or Bicep file declares.
pub fn from_template(file: &Arc<str>, form: Form, t: &Template) -> Vec<ClusterDef> {
    let is = |r: &Resource, ty: &str| r.type_name.eq_ignore_ascii_case(ty);
    let mut out = Vec::new();
    for r in &t.resources {
        let props = r.body.get("properties");
        let get = |path: &[&str]| props.and_then(|p| p.entry_at(path));
        let text = |path: &[&str]| get(path).map(|e| setting_of(&e.value, &t.params, &as_string));
        let flag = |path: &[&str]| get(path).map(|e| setting_of(&e.value, &t.params, &as_bool));
        if is(r, CLUSTERS) {
            let mut d = ClusterDef::new(form, Op::Create, file.clone(), r.type_span);
            d.name = r.name.clone();
            d.network_policy = text(&["networkProfile", "networkPolicy"]);
            d.network_plugin = text(&["networkProfile", "networkPlugin"]);
            d.rbac_disabled = flag(&["enableRBAC"]).map(|f| Setting {
                val: match f.val {
                    Val::Known(b) => Val::Known(!b),
                    Val::Unknown(u) => Val::Unknown(u),
                },
                ..f
            });
            // Managed Entra integration: an aadProfile (with `managed` not false).
            d.entra = get(&["aadProfile"]).map(|e| match e.value.entry("managed") {
                Some(m) => setting_of(&m.value, &t.params, &as_bool),
                None => Setting {
                    val: Val::Known(true),
                    span: e.key_span,
                    param: None,
                },
            });
            d.azure_rbac = flag(&["aadProfile", "enableAzureRBAC"]);
            d.local_accounts_disabled = flag(&["disableLocalAccounts"]);
            d.upgrade_channel = text(&["autoUpgradeProfile", "upgradeChannel"]);
            d.node_os_channel = text(&["autoUpgradeProfile", "nodeOSUpgradeChannel"]);
            d.defender = flag(&[
                "securityProfile",
                "defender",
                "securityMonitoring",
                "enabled",
            ]);
            d.private_cluster = flag(&["apiServerAccessProfile", "enablePrivateCluster"]);
            d.authorized_ranges = get(&["apiServerAccessProfile", "authorizedIPRanges"])
                .map(|e| setting_of(&e.value, &t.params, &as_ranges));
            d.kubernetes_version = text(&["kubernetesVersion"]);
            d.support_plan = text(&["supportPlan"]);
            d.tier = r
                .body
                .entry_at(&["sku", "tier"])
                .map(|e| setting_of(&e.value, &t.params, &as_string));
            d.maintenance = t.resources.iter().any(|m| {
                is(
                    m,
                    "Microsoft.ContainerService/managedClusters/maintenanceConfigurations",
                ) && (m.parent.is_none() || m.parent == r.name)
            });
            // Inline node pools with a version of their own.
            if let Some(profiles) = get(&["agentPoolProfiles"]) {
                for p in profiles.value.items() {
                    let at = p.entry("name").map_or(p.span, |e| e.key_span);
                    let mut pool = pools::pool_of_tree(p, &pools::ARM, &t.params, at);
                    pool.cluster_version = d.kubernetes_version.clone();
                    d.node_pools.push(pool);
                    if let Some(v) = p.entry("orchestratorVersion") {
                        let mut pd = ClusterDef::new(form, Op::Version, file.clone(), v.key_span);
                        pd.name = r.name.clone();
                        pd.kubernetes_version = Some(setting_of(&v.value, &t.params, &as_string));
                        pd.support_plan = d.support_plan.clone();
                        pd.tier = d.tier.clone();
                        out.push(pd);
                    }
                }
            }
            out.push(d);
        } else if is(r, "Microsoft.ContainerService/managedClusters/agentPools") {
            out.push(agent_pool_resource(file, form, t, r));
        }
    }
    out
}

/// An `agentPools` child resource: its node pool, read with its cluster when the file
/// declares it, as a definition of its own (with the pool's version, for KH613).
fn agent_pool_resource(file: &Arc<str>, form: Form, t: &Template, r: &Resource) -> ClusterDef {
    let is = |r: &Resource, ty: &str| r.type_name.eq_ignore_ascii_case(ty);
    let props = r.body.get("properties");
    let v = props.and_then(|p| p.entry("orchestratorVersion"));
    let at = v.map_or(r.type_span, |v| v.key_span);
    let mut pd = ClusterDef::new(form, Op::Version, file.clone(), at);
    pd.name = r.parent.clone();
    pd.kubernetes_version = v.map(|v| setting_of(&v.value, &t.params, &as_string));
    let empty = Node {
        span: r.type_span,
        kind: Kind::Map(Vec::new()),
    };
    let mut pool =
        pools::pool_of_tree(props.unwrap_or(&empty), &pools::ARM, &t.params, r.type_span);
    // `cluster/pool` in ARM, the pool's own name in Bicep.
    pool.name = r
        .body
        .get("name")
        .and_then(Node::str)
        .map(|n| n.rsplit('/').next().unwrap_or(n).to_string());
    // The pool's cluster decides its support plan (long-term support or not).
    let parent = t
        .resources
        .iter()
        .find(|c| is(c, CLUSTERS) && c.name.is_some() && c.name == r.parent);
    pool.cluster_version = parent.and_then(|c| {
        c.body
            .entry_at(&["properties", "kubernetesVersion"])
            .map(|e| setting_of(&e.value, &t.params, &as_string))
    });
    pd.node_pools.push(pool);
    if let Some(c) = parent {
        pd.support_plan = c
            .body
            .entry_at(&["properties", "supportPlan"])
            .map(|e| setting_of(&e.value, &t.params, &as_string));
        pd.tier = c
            .body
            .entry_at(&["sku", "tier"])
            .map(|e| setting_of(&e.value, &t.params, &as_string));
    }
    pd
}

// ---- Bicep: the same shape as ARM -------------------------------------------------------

/// A Bicep file's resources as a template (types, bodies, parents by symbol).
pub fn template_of_bicep(b: &crate::load::iac::bicep::BicepFile) -> Template {
    let mut params = b.params.clone();
    // A variable with a literal value is as good as a parameter default.
    for (k, v) in &b.vars {
        params.entry(k.clone()).or_insert_with(|| v.clone());
    }
    Template {
        resources: b
            .resources
            .iter()
            .filter(|r| !r.existing)
            .map(|r| Resource {
                type_name: r.type_name.clone(),
                type_span: r.type_span,
                body: r.body.clone(),
                parent: r.parent.clone(),
                name: Some(r.symbol.clone()),
            })
            .collect(),
        params,
    }
}

// ---- Terraform: azurerm_kubernetes_cluster ------------------------------------------------

/// The clusters (and node pools) a Terraform file declares, for provider 3.x, 4.x and 5.x
/// argument names alike.
pub fn from_terraform(
    file: &Arc<str>,
    tf: &crate::load::iac::terraform::TfFile,
) -> Vec<ClusterDef> {
    let mut params = tf.variables.clone();
    for (k, v) in &tf.locals {
        params.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let mut out = Vec::new();
    for r in &tf.resources {
        match r.type_name.as_str() {
            "azurerm_kubernetes_cluster" => terraform_cluster(file, r, &params, &mut out),
            "azurerm_kubernetes_cluster_node_pool" => {
                out.extend(terraform_node_pool(file, tf, r, &params));
            }
            _ => {}
        }
    }
    // Terraform calls them variables: `var.x` in messages.
    for d in &mut out {
        rename_params(d, |p| format!("var.{p}"));
    }
    out
}

/// An `azurerm_kubernetes_cluster`: the cluster, preceded by its default node pool's
/// version when that is set.
fn terraform_cluster(
    file: &Arc<str>,
    r: &crate::load::iac::terraform::TfResource,
    params: &HashMap<String, Node>,
    out: &mut Vec<ClusterDef>,
) {
    let b = &r.body;
    let text = |path: &[&str]| {
        b.entry_at(path)
            .map(|e| setting_of(&e.value, params, &as_string))
    };
    let flag = |path: &[&str]| {
        b.entry_at(path)
            .map(|e| setting_of(&e.value, params, &as_bool))
    };
    let mut d = ClusterDef::new(Form::Terraform, Op::Create, file.clone(), r.header_span);
    d.name = Some(r.name.clone());
    d.network_policy = text(&["network_profile", "network_policy"]);
    d.network_plugin = text(&["network_profile", "network_plugin"]);
    d.rbac_disabled = flag(&["role_based_access_control_enabled"]).map(|f| Setting {
        val: match f.val {
            Val::Known(v) => Val::Known(!v),
            Val::Unknown(u) => Val::Unknown(u),
        },
        ..f
    });
    // Entra: the block (4.x: its presence; 3.x: `managed = true`).
    d.entra = b
        .entry("azure_active_directory_role_based_access_control")
        .map(|e| match e.value.entry("managed") {
            Some(m) => setting_of(&m.value, params, &as_bool),
            None => Setting {
                val: Val::Known(true),
                span: e.key_span,
                param: None,
            },
        });
    d.azure_rbac = flag(&[
        "azure_active_directory_role_based_access_control",
        "azure_rbac_enabled",
    ]);
    d.local_accounts_disabled = flag(&["local_account_disabled"]);
    d.upgrade_channel =
        text(&["automatic_upgrade_channel"]).or_else(|| text(&["automatic_channel_upgrade"]));
    d.node_os_channel =
        text(&["node_os_upgrade_channel"]).or_else(|| text(&["node_os_channel_upgrade"]));
    d.maintenance = [
        "maintenance_window_auto_upgrade",
        "maintenance_window_node_os",
        "maintenance_window",
    ]
    .iter()
    .any(|k| b.entry(k).is_some());
    d.defender = b.entry("microsoft_defender").map(|e| Setting {
        val: Val::Known(true),
        span: e.key_span,
        param: None,
    });
    d.private_cluster = flag(&["private_cluster_enabled"]);
    d.authorized_ranges = b
        .entry_at(&["api_server_access_profile", "authorized_ip_ranges"])
        .or_else(|| b.entry("api_server_authorized_ip_ranges"))
        .map(|e| setting_of(&e.value, params, &as_ranges));
    d.kubernetes_version = text(&["kubernetes_version"]);
    d.support_plan = text(&["support_plan"]);
    d.tier = text(&["sku_tier"]);
    if let Some(e) = b.entry("default_node_pool") {
        let body = match &e.value.kind {
            Kind::List(items) => items.first(),
            _ => Some(&e.value),
        };
        if let Some(body) = body {
            let mut pool = pools::pool_of_tree(body, &pools::TERRAFORM, params, e.key_span);
            pool.opaque |= matches!(e.value.kind, Kind::Expr { .. });
            pool.cluster_version = d.kubernetes_version.clone();
            d.node_pools.push(pool);
        }
    }
    if let Some(v) = b.entry_at(&["default_node_pool", "orchestrator_version"]) {
        let mut pd = ClusterDef::new(Form::Terraform, Op::Version, file.clone(), v.key_span);
        pd.name = d.name.clone();
        pd.kubernetes_version = Some(setting_of(&v.value, params, &as_string));
        pd.support_plan = d.support_plan.clone();
        pd.tier = d.tier.clone();
        out.push(pd);
    }
    out.push(d);
}

/// An `azurerm_kubernetes_cluster_node_pool` with its `orchestrator_version`: a version
/// definition, with the support plan and tier of its cluster when the file declares it.
fn terraform_node_pool(
    file: &Arc<str>,
    tf: &crate::load::iac::terraform::TfFile,
    r: &crate::load::iac::terraform::TfResource,
    params: &HashMap<String, Node>,
) -> Option<ClusterDef> {
    let b = &r.body;
    let v = b.entry("orchestrator_version");
    let at = v.map_or(r.header_span, |v| v.key_span);
    let mut pd = ClusterDef::new(Form::Terraform, Op::Version, file.clone(), at);
    // The pool's cluster, by its resource label as the cluster's own definition is named.
    pd.name = node_pool_cluster(b);
    pd.kubernetes_version = v.map(|v| setting_of(&v.value, params, &as_string));
    let mut pool = pools::pool_of_tree(b, &pools::TERRAFORM, params, r.header_span);
    if pool.name.is_none() {
        pool.name = Some(r.name.clone());
    }
    // The pool's cluster decides its support plan, and the version it may run.
    let parent = node_pool_cluster(b).and_then(|c| {
        tf.resources
            .iter()
            .find(|x| x.type_name == "azurerm_kubernetes_cluster" && x.name == c)
    });
    pool.cluster_version = parent.and_then(|c| {
        c.body
            .entry("kubernetes_version")
            .map(|e| setting_of(&e.value, params, &as_string))
    });
    pd.node_pools.push(pool);
    if let Some(parent) = parent {
        let pb = &parent.body;
        pd.support_plan = pb
            .entry("support_plan")
            .map(|e| setting_of(&e.value, params, &as_string));
        pd.tier = pb
            .entry("sku_tier")
            .map(|e| setting_of(&e.value, params, &as_string));
    }
    Some(pd)
}

/// The name of a node pool's cluster, from `kubernetes_cluster_id =
/// azurerm_kubernetes_cluster.X.id`.
fn node_pool_cluster(b: &Node) -> Option<String> {
    b.get("kubernetes_cluster_id").and_then(|n| match &n.kind {
        Kind::Expr { text, .. } => text
            .strip_prefix("azurerm_kubernetes_cluster.")
            .and_then(|t| t.split('.').next())
            .map(str::to_string),
        _ => None,
    })
}

fn rename_params(d: &mut ClusterDef, f: impl Fn(&str) -> String) {
    fn one<T>(x: &mut Option<Setting<T>>, f: &dyn Fn(&str) -> String) {
        if let Some(fl) = x
            && let Some(p) = &fl.param
        {
            fl.param = Some(f(p));
        }
    }
    let f: &dyn Fn(&str) -> String = &f;
    one(&mut d.network_policy, f);
    one(&mut d.network_plugin, f);
    one(&mut d.rbac_disabled, f);
    one(&mut d.entra, f);
    one(&mut d.azure_rbac, f);
    one(&mut d.local_accounts_disabled, f);
    one(&mut d.upgrade_channel, f);
    one(&mut d.node_os_channel, f);
    one(&mut d.defender, f);
    one(&mut d.private_cluster, f);
    one(&mut d.authorized_ranges, f);
    one(&mut d.kubernetes_version, f);
    one(&mut d.support_plan, f);
    one(&mut d.tier, f);
    one(&mut d.earlier_version, f);
    for p in &mut d.node_pools {
        one(&mut p.mode, f);
        one(&mut p.count, f);
        one(&mut p.min_count, f);
        one(&mut p.max_count, f);
        one(&mut p.version, f);
        one(&mut p.cluster_version, f);
        one(&mut p.earlier_version, f);
        one(&mut p.os_type, f);
        one(&mut p.os_sku, f);
        let u = &mut p.upgrade;
        one(&mut u.max_surge, f);
        one(&mut u.max_unavailable, f);
        one(&mut u.drain_timeout_in_minutes, f);
        one(&mut u.node_soak_duration_in_minutes, f);
        one(&mut u.undrainable_node_behavior, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::iac::az_command::{Dialect, find_commands};

    fn defs(text: &str) -> Vec<ClusterDef> {
        let file: Arc<str> = Arc::from("t.sh");
        from_cli(&file, text, &find_commands(text, Dialect::Shell))
    }

    #[test]
    fn settings_and_their_places() {
        let t = "az aks create -g rg -n c1 \\\n  --network-policy none \\\n  --api-server-authorized-ip-ranges 10.0.0.0/8,0.0.0.0/0 \\\n  -k $VERSION\naz aks maintenanceconfiguration add -g rg --cluster-name c1 -n default\n";
        let d = &defs(t)[0];
        assert_eq!(d.op, Op::Create);
        assert_eq!(d.name.as_deref(), Some("c1"));
        let np = d.network_policy.as_ref().unwrap();
        assert_eq!(
            (np.known().map(String::as_str), np.span.start.line),
            (Some("none"), 2)
        );
        let ranges = d.authorized_ranges.as_ref().unwrap().known().unwrap();
        assert_eq!(ranges[1].0, "0.0.0.0/0");
        assert_eq!((ranges[1].1.start.line, ranges[1].1.start.col), (3, 47));
        assert!(matches!(
            d.kubernetes_version.as_ref().unwrap().val,
            Val::Unknown(_)
        ));
        assert!(d.maintenance && !d.opaque);
    }

    #[test]
    fn node_pools_of_commands_and_the_versions_a_script_sets() {
        let t = "az aks create -g rg -n c1 -k 1.30\n\
                 az aks nodepool add -g rg --cluster-name c1 -n user --max-surge 0 --drain-timeout 45\n\
                 az aks upgrade -g rg -n c1 -k 1.31 --control-plane-only\n\
                 az aks nodepool upgrade -g rg --cluster-name c1 -n user -k 1.31\n\
                 az aks nodepool update -g other --cluster-name c1 -n user --drain-timeout abc\n";
        let d = defs(t);
        let default_pool = &d[0].node_pools[0];
        assert_eq!(default_pool.name.as_deref(), Some("nodepool1"));
        assert_eq!(default_pool.drain_timeout_minutes(), Some((30, None)));
        let add = &d[1].node_pools[0];
        assert!(add.creates);
        assert_eq!(add.size(), Some(3));
        assert_eq!(
            add.upgrade.max_surge.as_ref().unwrap().known().unwrap(),
            "0"
        );
        assert_eq!(add.drain_timeout_minutes().map(|m| m.0), Some(45));
        assert_eq!(
            add.cluster_version.as_ref().unwrap().known().unwrap(),
            "1.30"
        );
        assert_eq!(
            d[2].earlier_version.as_ref().unwrap().known().unwrap(),
            "1.30"
        );
        // The pool stayed on 1.30 while the control plane alone moved.
        assert_eq!(
            d[3].earlier_version.as_ref().unwrap().known().unwrap(),
            "1.30"
        );
        assert_eq!(
            d[3].node_pools[0]
                .cluster_version
                .as_ref()
                .unwrap()
                .known()
                .unwrap(),
            "1.31"
        );
        // Another resource group: another cluster; an invalid timeout has no value.
        let other = &d[4].node_pools[0];
        assert!(other.cluster_version.is_none() && !other.creates);
        assert_eq!(other.drain_timeout_minutes(), None);
    }

    #[test]
    fn node_pools_of_terraform_and_bicep() {
        use crate::load::iac::{bicep, terraform};
        let tf = "variable \"drain\" {\n  default = 90\n}\n\
                  resource \"azurerm_kubernetes_cluster\" \"aks\" {\n  kubernetes_version = \"1.31\"\n\
                  default_node_pool {\n    name = \"system\"\n    node_count = 3\n\
                  upgrade_settings {\n      max_surge = \"33%\"\n      drain_timeout_in_minutes = var.drain\n    }\n  }\n}\n\
                  resource \"azurerm_kubernetes_cluster_node_pool\" \"user\" {\n\
                  kubernetes_cluster_id = azurerm_kubernetes_cluster.aks.id\n  orchestrator_version = \"1.30\"\n\
                  dynamic \"upgrade_settings\" {\n    for_each = var.s\n    content {}\n  }\n}\n";
        let file: Arc<str> = Arc::from("t.tf");
        let defs = from_terraform(&file, &terraform::read(tf).unwrap());
        let all: Vec<&NodePool> = defs.iter().flat_map(|d| &d.node_pools).collect();
        assert_eq!(all.len(), 2);
        let system = all
            .iter()
            .find(|p| p.name.as_deref() == Some("system"))
            .unwrap();
        assert_eq!(system.count.as_ref().unwrap().known(), Some(&3));
        assert_eq!(system.drain_timeout_minutes().map(|m| m.0), Some(90));
        assert_eq!(
            system
                .upgrade
                .drain_timeout_in_minutes
                .as_ref()
                .unwrap()
                .param
                .as_deref(),
            Some("var.drain")
        );
        let user = all
            .iter()
            .find(|p| p.name.as_deref() == Some("user"))
            .unwrap();
        assert!(user.opaque);
        assert_eq!(
            user.cluster_version.as_ref().unwrap().known().unwrap(),
            "1.31"
        );

        let b = "resource aks 'Microsoft.ContainerService/managedClusters@2025-05-01' = {\n\
                 name: 'aks'\n  properties: {\n    kubernetesVersion: '1.31'\n    agentPoolProfiles: [\n\
                 {\n        name: 'system'\n        count: 3\n        upgradeSettings: {\n\
                 maxSurge: '0'\n          nodeSoakDurationInMinutes: 5\n        }\n      }\n    ]\n  }\n}\n\
                 resource user 'Microsoft.ContainerService/managedClusters/agentPools@2025-05-01' = {\n\
                 parent: aks\n  name: 'user'\n  properties: {\n    orchestratorVersion: '1.28'\n  }\n}\n";
        let (bf, err) = bicep::read(b);
        assert!(err.is_none());
        let file: Arc<str> = Arc::from("t.bicep");
        let defs = from_template(&file, Form::Bicep, &template_of_bicep(&bf));
        let all: Vec<&NodePool> = defs.iter().flat_map(|d| &d.node_pools).collect();
        let system = all
            .iter()
            .find(|p| p.name.as_deref() == Some("system"))
            .unwrap();
        assert_eq!(
            system.upgrade.max_surge.as_ref().unwrap().span.start.line,
            10
        );
        assert_eq!(
            system
                .upgrade
                .node_soak_duration_in_minutes
                .as_ref()
                .unwrap()
                .known()
                .unwrap(),
            "5"
        );
        let user = all
            .iter()
            .find(|p| p.name.as_deref() == Some("user"))
            .unwrap();
        assert_eq!(user.version.as_ref().unwrap().known().unwrap(), "1.28");
        assert_eq!(
            user.cluster_version.as_ref().unwrap().known().unwrap(),
            "1.31"
        );
    }

    #[test]
    fn arguments_passed_through_a_variable_make_absence_unknown() {
        for t in [
            "az aks create -g rg -n c1 $EXTRA_ARGS\n",
            "az aks create -g rg -n c1 \"${ARGS[@]}\"\n",
            "az aks create -g rg -n c1 \\\n  $(cat flags.txt)\n",
        ] {
            assert!(defs(t)[0].opaque, "{t}");
        }
        assert!(!defs("az aks create -g $RG -n $NAME --tier standard\n")[0].opaque);
    }
}
