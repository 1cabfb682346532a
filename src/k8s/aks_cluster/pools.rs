//! Node pools and their upgrade settings, read out of each form: the ARM / Bicep agent pool
//! shape and the Terraform node pool blocks (one reader, two key tables), and the
//! `az aks` commands, where a script's earlier commands tell which version a cluster or a
//! node pool has when a later one upgrades it.

use std::collections::HashMap;

use super::{ClusterDef, NodePool, Setting, Val, setting_of, text_setting};
use crate::load::iac::az_command::{AzArg, AzCommand};
use crate::load::iac::value_tree::{Kind, Node};
use crate::span::Span;

/// The names one form gives a node pool's settings.
pub(super) struct Keys {
    name: &'static str,
    mode: &'static str,
    count: &'static str,
    min_count: &'static str,
    max_count: &'static str,
    version: &'static str,
    os_type: &'static str,
    os_sku: &'static str,
    block: &'static str,
    max_surge: &'static str,
    max_unavailable: &'static str,
    drain_timeout: &'static str,
    node_soak: &'static str,
    undrainable: &'static str,
}

/// ARM JSON and Bicep (`ManagedClusterAgentPoolProfile`).
pub(super) const ARM: Keys = Keys {
    name: "name",
    mode: "mode",
    count: "count",
    min_count: "minCount",
    max_count: "maxCount",
    version: "orchestratorVersion",
    os_type: "osType",
    os_sku: "osSKU",
    block: "upgradeSettings",
    max_surge: "maxSurge",
    max_unavailable: "maxUnavailable",
    drain_timeout: "drainTimeoutInMinutes",
    node_soak: "nodeSoakDurationInMinutes",
    undrainable: "undrainableNodeBehavior",
};

/// Terraform `default_node_pool` and `azurerm_kubernetes_cluster_node_pool`.
pub(super) const TERRAFORM: Keys = Keys {
    name: "name",
    mode: "mode",
    count: "node_count",
    min_count: "min_count",
    max_count: "max_count",
    version: "orchestrator_version",
    os_type: "os_type",
    os_sku: "os_sku",
    block: "upgrade_settings",
    max_surge: "max_surge",
    max_unavailable: "max_unavailable",
    drain_timeout: "drain_timeout_in_minutes",
    node_soak: "node_soak_duration_in_minutes",
    undrainable: "undrainable_node_behavior",
};

/// A string or a number, as its text (`maxSurge: 1` and `maxSurge: '1'` are both written).
fn text_or_number(n: &Node) -> Option<String> {
    match &n.kind {
        Kind::Str(s) | Kind::Num(s) => Some(s.clone()),
        _ => None,
    }
}

fn as_text(n: &Node) -> Option<String> {
    n.str().map(str::to_string)
}

/// A node count: a number, or a string of digits.
fn as_count(n: &Node) -> Option<u64> {
    match &n.kind {
        Kind::Num(s) | Kind::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        _ => None,
    }
}

/// A node pool from its body (an `agentPoolProfiles` item, an `agentPools` resource's
/// properties, a Terraform block), created by the definition; `at` is where a missing setting
/// is reported.
pub(super) fn pool_of_tree(
    body: &Node,
    keys: &Keys,
    params: &HashMap<String, Node>,
    at: Span,
) -> NodePool {
    let mut p = NodePool::new(at, true);
    p.name = body.get(keys.name).and_then(Node::str).map(str::to_string);
    let read = |n: &Node, k: &str, conv: &dyn Fn(&Node) -> Option<String>| {
        n.get(k).map(|v| setting_of(v, params, conv))
    };
    let count = |k: &str| body.get(k).map(|v| setting_of(v, params, &as_count));
    p.mode = read(body, keys.mode, &as_text);
    p.count = count(keys.count);
    p.min_count = count(keys.min_count);
    p.max_count = count(keys.max_count);
    p.version = read(body, keys.version, &as_text);
    p.os_type = read(body, keys.os_type, &as_text);
    p.os_sku = read(body, keys.os_sku, &as_text);
    let Some(block) = body.entry(keys.block) else {
        return p;
    };
    p.upgrade.at = Some(block.key_span);
    let settings = match &block.value.kind {
        // A Terraform block written twice is a list; its first is the one read.
        Kind::List(items) => items.first(),
        Kind::Map(_) => Some(&block.value),
        // A parameter, a `dynamic` block: nothing of it can be seen.
        _ => None,
    };
    let Some(s) = settings else {
        p.opaque = true;
        return p;
    };
    let u = &mut p.upgrade;
    u.max_surge = read(s, keys.max_surge, &text_or_number);
    u.max_unavailable = read(s, keys.max_unavailable, &text_or_number);
    u.drain_timeout_in_minutes = read(s, keys.drain_timeout, &text_or_number);
    u.node_soak_duration_in_minutes = read(s, keys.node_soak, &text_or_number);
    u.undrainable_node_behavior = read(s, keys.undrainable, &as_text);
    p
}

/// A flag's value as a node count: literal digits known, anything else computed.
fn count_setting(a: &AzArg) -> Option<Setting<u64>> {
    let s = text_setting(a)?;
    let val = match &s.val {
        Val::Known(t) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => {
            match t.parse() {
                Ok(n) => Val::Known(n),
                Err(_) => Val::Unknown(t.clone()),
            }
        }
        Val::Known(t) | Val::Unknown(t) => Val::Unknown(t.clone()),
    };
    Some(Setting {
        val,
        span: s.span,
        param: None,
    })
}

/// The node pool an `az aks create` (its default pool) or `az aks nodepool add|update|upgrade`
/// command writes; `None` for other commands.
pub(super) fn pool_of_command(c: &AzCommand, opaque: bool) -> Option<NodePool> {
    let creates = match c.subcommand.as_str() {
        "create" | "nodepool add" => true,
        "nodepool update" | "nodepool upgrade" => false,
        _ => return None,
    };
    let mut p = NodePool::new(c.span, creates);
    p.opaque = opaque;
    // `az aks create` and `az aks nodepool add` give a pool 3 nodes unless told otherwise.
    p.default_count = creates.then_some(3);
    let literal = |a: &AzArg| {
        a.value
            .as_ref()
            .filter(|v| v.literal)
            .map(|v| v.text.clone())
    };
    let on_create = c.subcommand == "create";
    for a in &c.args {
        let u = &mut p.upgrade;
        match a.flag.as_str() {
            "--nodepool-name" if on_create => p.name = literal(a),
            "--name" | "-n" if !on_create => p.name = literal(a),
            "--mode" => p.mode = text_setting(a),
            "--node-count" | "-c" => p.count = count_setting(a),
            "--min-count" => p.min_count = count_setting(a),
            "--max-count" => p.max_count = count_setting(a),
            "--kubernetes-version" | "-k" => p.version = text_setting(a),
            "--os-type" => p.os_type = text_setting(a),
            "--os-sku" => p.os_sku = text_setting(a),
            "--max-surge" => u.max_surge = text_setting(a),
            "--max-unavailable" => u.max_unavailable = text_setting(a),
            "--drain-timeout" | "--drain-time-out" => u.drain_timeout_in_minutes = text_setting(a),
            "--node-soak-duration" => u.node_soak_duration_in_minutes = text_setting(a),
            "--undrainable-node-behavior" => u.undrainable_node_behavior = text_setting(a),
            _ => {}
        }
    }
    if on_create && p.name.is_none() {
        p.name = Some("nodepool1".into());
    }
    Some(p)
}

/// What a script has set so far for one cluster: its control plane's version and its node
/// pools' (`None`: not known from the script).
pub(super) struct Track {
    group: Option<String>,
    name: String,
    control_plane: Option<Setting<String>>,
    /// The version of every pool the script has not upgraded on its own.
    pools_default: Option<Setting<String>>,
    pools: Vec<(String, Option<Setting<String>>)>,
}

fn flag_text(c: &AzCommand, flags: &[&str]) -> Option<String> {
    c.args
        .iter()
        .rev()
        .find(|a| flags.contains(&a.flag.as_str()))
        .and_then(|a| a.value.as_ref().map(|v| v.text.clone()))
}

/// Follows one command of a script, in order: records the versions it sets for its cluster
/// and pools, and gives its definition the versions it is judged against (the control
/// plane's for a pool, the earlier one for an upgrade). Clusters are told apart by name and
/// resource group as written (the same variable is taken for the same cluster).
pub(super) fn follow(c: &AzCommand, d: &mut ClusterDef, tracks: &mut Vec<Track>) {
    let Some(name) = d.name.clone() else { return };
    let group = flag_text(c, &["--resource-group", "-g"]);
    let i = match tracks
        .iter()
        .position(|t| t.name == name && (t.group.is_none() || group.is_none() || t.group == group))
    {
        Some(i) => i,
        None => {
            tracks.push(Track {
                group: group.clone(),
                name,
                control_plane: None,
                pools_default: None,
                pools: Vec::new(),
            });
            tracks.len() - 1
        }
    };
    let t = &mut tracks[i];
    if t.group.is_none() {
        t.group = group;
    }
    match c.subcommand.as_str() {
        "create" => {
            t.control_plane = d.kubernetes_version.clone();
            t.pools_default = d.kubernetes_version.clone();
            t.pools.clear();
        }
        "upgrade" => {
            let Some(v) = d.kubernetes_version.clone() else {
                return;
            };
            d.earlier_version = t.control_plane.replace(v.clone());
            if !c.args.iter().any(|a| a.flag == "--control-plane-only") {
                t.pools_default = Some(v);
                t.pools.clear();
            }
        }
        _ => {
            let Some(p) = d.node_pools.first_mut() else {
                return;
            };
            p.cluster_version = t.control_plane.clone();
            let Some(pool) = p.name.clone() else { return };
            let at = t.pools.iter().position(|(n, _)| *n == pool);
            let before = match at {
                Some(k) => t.pools[k].1.clone(),
                None => t.pools_default.clone(),
            };
            let after = match c.subcommand.as_str() {
                // A pool added without a version gets the control plane's.
                "nodepool add" => p.version.clone().or_else(|| t.control_plane.clone()),
                _ if p.version.is_some() => {
                    if c.subcommand == "nodepool upgrade" {
                        d.earlier_version = before;
                    }
                    p.version.clone()
                }
                _ => return,
            };
            match at {
                Some(k) => t.pools[k].1 = after,
                None => t.pools.push((pool, after)),
            }
        }
    }
}
