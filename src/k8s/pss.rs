//! The Pod Security Standards, evaluated as the Pod Security Admission controller evaluates
//! them: every control of the `baseline` and `restricted` levels, at any policy version from
//! v1.0 to the newest, with the controller's version-specific rules (Windows exemptions from
//! 1.25, `hostUsers: false` relaxations from 1.35, probe and lifecycle hosts from 1.34, the
//! safe sysctls of each version, ...). Each control is one function; the KH1xx/KH2xx rules
//! call the same functions, and PSS mode decides which controls apply.

use std::borrow::Cow;

use crate::k8s::pod_view::{
    ContainerView, Field, PodView, bool_field, int_field, key_of, map_field, str_field,
};
use crate::k8s::version::KubeVersion;
use crate::load::NodeId;

const fn v(minor: u32) -> KubeVersion {
    KubeVersion(minor)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Baseline,
    Restricted,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "baseline" => Some(Level::Baseline),
            "restricted" => Some(Level::Restricted),
            _ => None,
        }
    }
}

/// The Pod Security Admission labels of a Namespace that ask for a level: for each mode
/// (`enforce`, `audit`, `warn`) the level, the policy version and where the label is.
#[derive(Debug, Clone)]
pub struct NamespacePolicy {
    pub file: std::sync::Arc<str>,
    pub modes: Vec<ModePolicy>,
}

#[derive(Debug, Clone)]
pub struct ModePolicy {
    pub mode: &'static str,
    pub level: Level,
    pub version: KubeVersion,
    /// The span of the mode label's value.
    pub label: crate::span::Span,
}

pub const LABEL_PREFIX: &str = "pod-security.kubernetes.io/";
pub const MODES: [&str; 3] = ["enforce", "audit", "warn"];

/// `latest` or `vX.Y` as admission reads a `-version` label; `latest` means the cluster's own
/// version, and a pinned version newer than the cluster is evaluated as the cluster's.
pub fn parse_policy_version(v: &str, cluster: KubeVersion) -> Option<KubeVersion> {
    if v == "latest" {
        return Some(cluster);
    }
    Some(KubeVersion::parse(v.strip_prefix('v')?)?.min(cluster))
}

/// The policy a Namespace object's labels ask for (modes set to `privileged`, or to values
/// admission does not accept, ask for nothing here: KH132 reports the latter).
pub fn namespace_policy(
    doc: &crate::load::Document,
    node: NodeId,
    file: std::sync::Arc<str>,
    cluster: KubeVersion,
) -> NamespacePolicy {
    let mut modes = Vec::new();
    if let Some(labels) = doc.path(node, &["metadata", "labels"]) {
        let get = |k: &str| doc.entries(labels).find(|e| doc.scalar(e.key) == Some(k));
        for mode in MODES {
            let Some(e) = get(&format!("{LABEL_PREFIX}{mode}")) else {
                continue;
            };
            let Some(level) = doc.scalar(e.value).and_then(Level::parse) else {
                continue;
            };
            let version = get(&format!("{LABEL_PREFIX}{mode}-version"))
                .and_then(|v| doc.scalar(v.value))
                .and_then(|v| parse_policy_version(v, cluster))
                .unwrap_or(cluster);
            modes.push(ModePolicy {
                mode,
                level,
                version,
                label: doc.span(e.value),
            });
        }
    }
    NamespacePolicy { file, modes }
}

/// One place where a pod breaks a control.
#[derive(Debug, Clone)]
pub struct Violation {
    pub control: &'static Control,
    /// The node to point at: the offending value, or where a missing field belongs.
    pub node: NodeId,
    /// What is at fault: `container "app"`, `the pod`, `volume "data"`, an annotation.
    pub subject: String,
    /// What it does wrong: `sets privileged: true`.
    pub detail: Cow<'static, str>,
    /// The field is missing (as opposed to set to a forbidden value).
    pub missing: bool,
}

/// A Pod Security control: its admission check id, its name in the standard, its level, the
/// first policy version that has it, the baseline checks it replaces, and its check.
pub struct Control {
    pub id: &'static str,
    pub name: &'static str,
    pub level: Level,
    pub since: KubeVersion,
    pub overrides: &'static [&'static str],
    pub check: fn(&PodView<'_>, KubeVersion, &mut Vec<Violation>),
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

pub static CONTROLS: &[Control] = &[
    Control {
        id: "windowsHostProcess",
        name: "HostProcess",
        level: Level::Baseline,
        since: v(0),
        overrides: &[],
        check: windows_host_process,
    },
    Control {
        id: "hostNamespaces",
        name: "Host Namespaces",
        level: Level::Baseline,
        since: v(0),
        overrides: &[],
        check: host_namespaces,
    },
    Control {
        id: "privileged",
        name: "Privileged Containers",
        level: Level::Baseline,
        since: v(0),
        overrides: &[],
        check: privileged,
    },
    Control {
        id: "capabilities_baseline",
        name: "Capabilities",
        level: Level::Baseline,
        since: v(0),
        overrides: &[],
        check: capabilities_baseline,
    },
    Control {
        id: "hostPathVolumes",
        name: "HostPath Volumes",
        level: Level::Baseline,
        since: v(0),
        overrides: &[],
        check: host_path_volumes,
    },
    Control {
        id: "hostPorts",
        name: "Host Ports",
        level: Level::Baseline,
        since: v(0),
        overrides: &[],
        check: host_ports,
    },
    Control {
        id: "hostProbesAndHostLifecycle",
        name: "Host Probes / Lifecycle Hooks",
        level: Level::Baseline,
        since: v(34),
        overrides: &[],
        check: host_probes,
    },
    Control {
        id: "appArmorProfile",
        name: "AppArmor",
        level: Level::Baseline,
        since: v(0),
        overrides: &[],
        check: app_armor,
    },
    Control {
        id: "seLinuxOptions",
        name: "SELinux",
        level: Level::Baseline,
        since: v(0),
        overrides: &[],
        check: selinux,
    },
    Control {
        id: "procMount",
        name: "/proc Mount Type",
        level: Level::Baseline,
        since: v(0),
        overrides: &[],
        check: proc_mount_baseline,
    },
    Control {
        id: "seccompProfile_baseline",
        name: "Seccomp",
        level: Level::Baseline,
        since: v(0),
        overrides: &[],
        check: seccomp_baseline,
    },
    Control {
        id: "sysctls",
        name: "Sysctls",
        level: Level::Baseline,
        since: v(0),
        overrides: &[],
        check: sysctls,
    },
    Control {
        id: "restrictedVolumes",
        name: "Volume Types",
        level: Level::Restricted,
        since: v(0),
        overrides: &["hostPathVolumes"],
        check: restricted_volumes,
    },
    Control {
        id: "allowPrivilegeEscalation",
        name: "Privilege Escalation",
        level: Level::Restricted,
        since: v(8),
        overrides: &[],
        check: allow_privilege_escalation,
    },
    Control {
        id: "runAsNonRoot",
        name: "Running as Non-root",
        level: Level::Restricted,
        since: v(0),
        overrides: &[],
        check: run_as_non_root,
    },
    Control {
        id: "runAsUser",
        name: "Running as Non-root user",
        level: Level::Restricted,
        since: v(23),
        overrides: &[],
        check: run_as_user,
    },
    Control {
        id: "seccompProfile_restricted",
        name: "Seccomp",
        level: Level::Restricted,
        since: v(19),
        overrides: &["seccompProfile_baseline"],
        check: seccomp_restricted,
    },
    Control {
        id: "capabilities_restricted",
        name: "Capabilities",
        level: Level::Restricted,
        since: v(22),
        overrides: &["capabilities_baseline"],
        check: capabilities_restricted,
    },
    Control {
        id: "procMount_restricted",
        name: "/proc Mount Type",
        level: Level::Restricted,
        since: v(35),
        overrides: &["procMount"],
        check: proc_mount_restricted,
    },
];

/// The controls that apply at a level and policy version.
pub fn active_controls(level: Level, version: KubeVersion) -> Vec<&'static Control> {
    let present: Vec<&Control> = CONTROLS
        .iter()
        .filter(|c| c.level <= level && c.since <= version)
        .collect();
    present
        .iter()
        .copied()
        .filter(|c| !present.iter().any(|o| o.overrides.contains(&c.id)))
        .collect()
}

/// One control's check, whatever the level and version say; for the rules that judge the
/// same thing as the control (KH101 privileged is the control `privileged`, ...).
pub fn check_control(id: &str, pod: &PodView<'_>, version: KubeVersion) -> Vec<Violation> {
    let mut out = Vec::new();
    if let Some(c) = CONTROLS.iter().find(|c| c.id == id) {
        (c.check)(pod, version, &mut out);
        for v in &mut out {
            v.control = c;
        }
    }
    out
}

/// Ids of the controls a level and version cover, overridden ones included: the rules that
/// implement one of them stand aside in Pod Security mode.
pub fn covered_controls(level: Level, version: KubeVersion) -> Vec<&'static str> {
    CONTROLS
        .iter()
        .filter(|c| c.level <= level && c.since <= version)
        .map(|c| c.id)
        .collect()
}

/// Every violation of the standard at `level`, policy `version`.
pub fn evaluate(pod: &PodView<'_>, level: Level, version: KubeVersion) -> Vec<Violation> {
    let mut out = Vec::new();
    for c in active_controls(level, version) {
        let before = out.len();
        (c.check)(pod, version, &mut out);
        for v in &mut out[before..] {
            v.control = c;
        }
    }
    out
}

// ---- helpers ------------------------------------------------------------------------------

/// A placeholder until `evaluate` sets the real control; checks need not know their own.
static PENDING: Control = Control {
    id: "",
    name: "",
    level: Level::Baseline,
    since: v(0),
    overrides: &[],
    check: |_, _, _| {},
};

fn push(
    out: &mut Vec<Violation>,
    node: NodeId,
    subject: impl std::fmt::Display,
    detail: impl Into<Cow<'static, str>>,
    missing: bool,
) {
    out.push(Violation {
        control: &PENDING,
        node,
        subject: subject.to_string(),
        detail: detail.into(),
        missing,
    });
}

/// A field set to a value the control forbids.
fn bad(
    out: &mut Vec<Violation>,
    node: NodeId,
    subject: impl std::fmt::Display,
    detail: impl Into<Cow<'static, str>>,
) {
    push(out, node, subject, detail, false);
}

/// A field the control requires and the pod does not set.
fn missing(
    out: &mut Vec<Violation>,
    node: NodeId,
    subject: impl std::fmt::Display,
    detail: impl Into<Cow<'static, str>>,
) {
    push(out, node, subject, detail, true);
}

/// `spec.hostUsers: false` (a user namespace): the 1.35 relaxations apply.
fn host_users_false(pod: &PodView<'_>) -> bool {
    bool_field(pod.doc, Some(pod.spec()), "hostUsers").get() == Some(false)
}

fn csc(c: &ContainerView<'_>) -> Option<NodeId> {
    c.security_context()
}

fn pod_annotations<'d>(pod: &PodView<'d>) -> Vec<(&'d str, &'d str, NodeId)> {
    let doc = pod.doc;
    let Some(ann) = pod
        .workload
        .pod_meta
        .and_then(|m| doc.get(m, "annotations"))
    else {
        return Vec::new();
    };
    doc.entries(ann)
        .filter_map(|e| Some((doc.scalar(e.key)?, doc.scalar(e.value)?, e.value)))
        .collect()
}

// ---- baseline -------------------------------------------------------------------------------

fn windows_host_process(pod: &PodView<'_>, _: KubeVersion, out: &mut Vec<Violation>) {
    let doc = pod.doc;
    let hp =
        |sc: Option<NodeId>| bool_field(doc, map_field(doc, sc, "windowsOptions"), "hostProcess");
    if let Field::Set(true, n) = hp(pod.security_context()) {
        bad(
            out,
            n,
            "the pod spec",
            "sets windowsOptions.hostProcess: true",
        );
    }
    for c in pod.containers() {
        if let Field::Set(true, n) = hp(csc(c)) {
            bad(
                out,
                n,
                c.describe(),
                "sets windowsOptions.hostProcess: true",
            );
        }
    }
}

fn host_namespaces(pod: &PodView<'_>, _: KubeVersion, out: &mut Vec<Violation>) {
    for f in ["hostNetwork", "hostPID", "hostIPC"] {
        if let Field::Set(true, n) = bool_field(pod.doc, Some(pod.spec()), f) {
            bad(out, n, "the pod spec", format!("sets {f}: true"));
        }
    }
}

fn privileged(pod: &PodView<'_>, _: KubeVersion, out: &mut Vec<Violation>) {
    for c in pod.containers() {
        if let Field::Set(true, n) = bool_field(c.doc, csc(c), "privileged") {
            bad(out, n, c.describe(), "sets privileged: true");
        }
    }
}

/// Capabilities a container may add at the baseline level (exact names, as admission compares).
pub const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn capability_list<'d>(
    c: &ContainerView<'d>,
    list: &str,
) -> Option<(NodeId, Vec<(NodeId, &'d str)>)> {
    let caps = map_field(c.doc, csc(c), "capabilities");
    let entry = caps.and_then(|m| c.doc.entry(m, list))?;
    let items = c
        .doc
        .items(entry.value)
        .iter()
        .filter_map(|&i| Some((i, c.doc.scalar(i)?)))
        .collect();
    Some((entry.key, items))
}

fn capabilities_baseline(pod: &PodView<'_>, _: KubeVersion, out: &mut Vec<Violation>) {
    for c in pod.containers() {
        for (n, cap) in capability_list(c, "add")
            .map(|(_, l)| l)
            .unwrap_or_default()
        {
            if !BASELINE_CAPABILITIES.contains(&cap) {
                bad(out, n, c.describe(), format!("adds the capability {cap}"));
            }
        }
    }
}

fn host_path_volumes(pod: &PodView<'_>, _: KubeVersion, out: &mut Vec<Violation>) {
    let doc = pod.doc;
    let Some(vols) = doc.get(pod.spec(), "volumes") else {
        return;
    };
    for &vol in doc.items(vols) {
        if let Some(e) = doc.entry(vol, "hostPath")
            && !doc.is_null(e.value)
        {
            let name = str_field(doc, Some(vol), "name")
                .get()
                .unwrap_or("(unnamed)");
            // Point at the path when there is one: it is what a reader must judge.
            let at = doc.get(e.value, "path").unwrap_or(e.key);
            bad(
                out,
                at,
                format!("volume \"{name}\""),
                "is a hostPath volume",
            );
        }
    }
}

fn host_ports(pod: &PodView<'_>, _: KubeVersion, out: &mut Vec<Violation>) {
    for c in pod.containers() {
        let Some(ports) = c.doc.get(c.node, "ports") else {
            continue;
        };
        for &p in c.doc.items(ports) {
            if let Field::Set(hp, n) = int_field(c.doc, Some(p), "hostPort")
                && hp != 0
            {
                bad(out, n, c.describe(), format!("uses hostPort {hp}"));
            }
        }
    }
}

fn host_probes(pod: &PodView<'_>, _: KubeVersion, out: &mut Vec<Violation>) {
    for c in pod.containers() {
        let doc = c.doc;
        let mut handlers: Vec<(String, NodeId)> = Vec::new();
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            if let Some(p) = map_field(doc, Some(c.node), probe) {
                handlers.push((probe.to_string(), p));
            }
        }
        if let Some(lc) = map_field(doc, Some(c.node), "lifecycle") {
            for hook in ["postStart", "preStop"] {
                if let Some(h) = map_field(doc, Some(lc), hook) {
                    handlers.push((format!("lifecycle.{hook}"), h));
                }
            }
        }
        for (what, h) in handlers {
            for action in ["httpGet", "tcpSocket"] {
                let act = map_field(doc, Some(h), action);
                if let Field::Set(host, n) = str_field(doc, act, "host")
                    && !host.is_empty()
                {
                    bad(
                        out,
                        n,
                        c.describe(),
                        format!("sets {what}.{action}.host: {host}"),
                    );
                }
            }
        }
    }
}

pub const APPARMOR_ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn app_armor(pod: &PodView<'_>, _: KubeVersion, out: &mut Vec<Violation>) {
    for (key, value, n) in pod_annotations(pod) {
        if key.starts_with(APPARMOR_ANNOTATION_PREFIX)
            && !(value.is_empty() || value == "runtime/default" || value.starts_with("localhost/"))
        {
            bad(
                out,
                n,
                format!("the annotation {key}"),
                format!("is {value}"),
            );
        }
    }
    let doc = pod.doc;
    let check = |sc: Option<NodeId>, whom: String, out: &mut Vec<Violation>| {
        let Some(profile) = map_field(doc, sc, "appArmorProfile") else {
            return;
        };
        let t = str_field(doc, Some(profile), "type");
        match t {
            Field::Set("RuntimeDefault" | "Localhost", _) => {}
            Field::Set(other, n) => bad(
                out,
                n,
                whom.clone(),
                format!("sets appArmorProfile.type: {other}"),
            ),
            _ => bad(
                out,
                key_of(doc, sc, "appArmorProfile").unwrap_or(profile),
                whom.clone(),
                "sets appArmorProfile without a valid type",
            ),
        }
    };
    check(pod.security_context(), "the pod spec".to_string(), out);
    for c in pod.containers() {
        check(csc(c), c.describe().to_string(), out);
    }
}

fn selinux(pod: &PodView<'_>, version: KubeVersion, out: &mut Vec<Violation>) {
    let mut allowed = vec!["", "container_t", "container_init_t", "container_kvm_t"];
    if version >= v(31) {
        allowed.push("container_engine_t");
    }
    let doc = pod.doc;
    let check = |sc: Option<NodeId>, whom: String, out: &mut Vec<Violation>| {
        let opts = map_field(doc, sc, "seLinuxOptions");
        if let Field::Set(t, n) = str_field(doc, opts, "type")
            && !allowed.contains(&t)
        {
            bad(
                out,
                n,
                whom.clone(),
                format!("sets seLinuxOptions.type: {t}"),
            );
        }
        for f in ["user", "role"] {
            if let Field::Set(val, n) = str_field(doc, opts, f)
                && !val.is_empty()
            {
                bad(
                    out,
                    n,
                    whom.clone(),
                    format!("sets seLinuxOptions.{f}: {val}"),
                );
            }
        }
    };
    check(pod.security_context(), "the pod spec".to_string(), out);
    for c in pod.containers() {
        check(csc(c), c.describe().to_string(), out);
    }
}

fn proc_mount_values(pod: &PodView<'_>, out: &mut Vec<Violation>) {
    for c in pod.containers() {
        if let Field::Set(pm, n) = str_field(c.doc, csc(c), "procMount")
            && pm != "Default"
        {
            bad(out, n, c.describe(), format!("sets procMount: {pm}"));
        }
    }
}

fn proc_mount_baseline(pod: &PodView<'_>, version: KubeVersion, out: &mut Vec<Violation>) {
    if version >= v(35) && host_users_false(pod) {
        return;
    }
    proc_mount_values(pod, out);
}

fn proc_mount_restricted(pod: &PodView<'_>, _: KubeVersion, out: &mut Vec<Violation>) {
    proc_mount_values(pod, out);
}

pub const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
pub const SECCOMP_CONTAINER_ANNOTATION_PREFIX: &str =
    "container.seccomp.security.alpha.kubernetes.io/";

fn seccomp_baseline(pod: &PodView<'_>, version: KubeVersion, out: &mut Vec<Violation>) {
    if version < v(19) {
        // Up to 1.18 the standard reads the annotations (and only them).
        let valid = |val: &str| {
            val == "runtime/default" || val == "docker/default" || val.starts_with("localhost/")
        };
        for (key, value, n) in pod_annotations(pod) {
            let applies = key == SECCOMP_POD_ANNOTATION
                || key
                    .strip_prefix(SECCOMP_CONTAINER_ANNOTATION_PREFIX)
                    .is_some_and(|c| pod.container_named(c).is_some());
            if applies && !valid(value) {
                bad(
                    out,
                    n,
                    format!("the annotation {key}"),
                    format!("is {value}"),
                );
            }
        }
        return;
    }
    let doc = pod.doc;
    let check = |sc: Option<NodeId>, whom: String, out: &mut Vec<Violation>| {
        let profile = map_field(doc, sc, "seccompProfile");
        if let Field::Set(t, n) = str_field(doc, profile, "type")
            && t == "Unconfined"
        {
            bad(out, n, whom.clone(), "sets seccompProfile.type: Unconfined");
        }
    };
    check(pod.security_context(), "the pod spec".to_string(), out);
    for c in pod.containers() {
        check(csc(c), c.describe().to_string(), out);
    }
}

/// The sysctls a pod may set at a policy version.
pub fn safe_sysctls(version: KubeVersion) -> Vec<&'static str> {
    let mut s = vec![
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
    ];
    if version >= v(27) {
        s.push("net.ipv4.ip_local_reserved_ports");
    }
    if version >= v(29) {
        s.extend([
            "net.ipv4.tcp_keepalive_time",
            "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl",
            "net.ipv4.tcp_keepalive_probes",
        ]);
    }
    if version >= v(32) {
        s.extend(["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]);
    }
    if version >= v(37) {
        s.extend([
            "net.ipv4.tcp_slow_start_after_idle",
            "net.ipv4.tcp_notsent_lowat",
        ]);
    }
    s
}

fn sysctls(pod: &PodView<'_>, version: KubeVersion, out: &mut Vec<Violation>) {
    let doc = pod.doc;
    let Some(list) = pod.security_context().and_then(|sc| doc.get(sc, "sysctls")) else {
        return;
    };
    let safe = safe_sysctls(version);
    for &s in doc.items(list) {
        if let Field::Set(name, n) = str_field(doc, Some(s), "name")
            && !safe.contains(&name)
        {
            bad(out, n, "the pod spec", format!("sets the sysctl {name}"));
        }
    }
}

// ---- restricted -----------------------------------------------------------------------------

/// Volume sources the restricted level allows.
pub const ALLOWED_VOLUME_SOURCES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
    "image",
];

/// Every other volume source of the core API.
const OTHER_VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

fn restricted_volumes(pod: &PodView<'_>, _: KubeVersion, out: &mut Vec<Violation>) {
    let doc = pod.doc;
    let Some(vols) = doc.get(pod.spec(), "volumes") else {
        return;
    };
    for &vol in doc.items(vols) {
        let name = str_field(doc, Some(vol), "name")
            .get()
            .unwrap_or("(unnamed)");
        for e in doc.entries(vol) {
            let Some(k) = doc.scalar(e.key) else { continue };
            if OTHER_VOLUME_SOURCES.contains(&k) && !doc.is_null(e.value) {
                bad(
                    out,
                    e.key,
                    format!("volume \"{name}\""),
                    format!("is of type {k}"),
                );
            }
        }
    }
}

fn allow_privilege_escalation(pod: &PodView<'_>, version: KubeVersion, out: &mut Vec<Violation>) {
    if version >= v(25) && pod.is_windows() {
        return;
    }
    for c in pod.containers() {
        match bool_field(c.doc, csc(c), "allowPrivilegeEscalation") {
            Field::Set(false, _) => {}
            Field::Set(true, n) => bad(out, n, c.describe(), "sets allowPrivilegeEscalation: true"),
            // A mistyped value is the API server's to refuse (KH004), not a missing one.
            Field::Invalid => {}
            Field::Absent => missing(
                out,
                c.anchor(),
                c.describe(),
                "does not set allowPrivilegeEscalation: false",
            ),
        }
    }
}

fn run_as_non_root(pod: &PodView<'_>, version: KubeVersion, out: &mut Vec<Violation>) {
    if version >= v(35) && host_users_false(pod) {
        return;
    }
    let mut pod_ok = false;
    match bool_field(pod.doc, pod.security_context(), "runAsNonRoot") {
        Field::Set(true, _) => pod_ok = true,
        Field::Set(false, n) => bad(out, n, "the pod spec", "sets runAsNonRoot: false"),
        _ => {}
    }
    for c in pod.containers() {
        match bool_field(c.doc, csc(c), "runAsNonRoot") {
            Field::Set(true, _) => {}
            Field::Set(false, n) => bad(out, n, c.describe(), "sets runAsNonRoot: false"),
            Field::Absent if !pod_ok => missing(
                out,
                c.anchor(),
                c.describe(),
                "does not set runAsNonRoot: true (nor does the pod)",
            ),
            _ => {}
        }
    }
}

fn run_as_user(pod: &PodView<'_>, version: KubeVersion, out: &mut Vec<Violation>) {
    if version >= v(35) && host_users_false(pod) {
        return;
    }
    if let Field::Set(0, n) = int_field(pod.doc, pod.security_context(), "runAsUser") {
        bad(out, n, "the pod spec", "sets runAsUser: 0");
    }
    for c in pod.containers() {
        if let Field::Set(0, n) = int_field(c.doc, csc(c), "runAsUser") {
            bad(out, n, c.describe(), "sets runAsUser: 0");
        }
    }
}

fn seccomp_restricted(pod: &PodView<'_>, version: KubeVersion, out: &mut Vec<Violation>) {
    if version >= v(25) && pod.is_windows() {
        return;
    }
    let doc = pod.doc;
    let valid = |t: &str| t == "RuntimeDefault" || t == "Localhost";
    let mut pod_ok = false;
    if let Some(profile) = map_field(doc, pod.security_context(), "seccompProfile") {
        match str_field(doc, Some(profile), "type") {
            Field::Set(t, _) if valid(t) => pod_ok = true,
            Field::Set(t, n) => bad(
                out,
                n,
                "the pod spec",
                format!("sets seccompProfile.type: {t}"),
            ),
            _ => bad(
                out,
                profile,
                "the pod spec",
                "sets a seccompProfile without a type",
            ),
        }
    }
    for c in pod.containers() {
        match map_field(doc, csc(c), "seccompProfile") {
            Some(profile) => match str_field(doc, Some(profile), "type") {
                Field::Set(t, _) if valid(t) => {}
                Field::Set(t, n) => bad(
                    out,
                    n,
                    c.describe(),
                    format!("sets seccompProfile.type: {t}"),
                ),
                _ => bad(
                    out,
                    profile,
                    c.describe(),
                    "sets a seccompProfile without a type",
                ),
            },
            None if !pod_ok => missing(
                out,
                c.anchor(),
                c.describe(),
                "has no seccompProfile of type RuntimeDefault or Localhost (nor does the pod)",
            ),
            None => {}
        }
    }
}

fn capabilities_restricted(pod: &PodView<'_>, version: KubeVersion, out: &mut Vec<Violation>) {
    if version >= v(25) && pod.is_windows() {
        return;
    }
    for c in pod.containers() {
        match capability_list(c, "drop") {
            Some((_, items)) if items.iter().any(|(_, d)| *d == "ALL") => {}
            Some((key, _)) => missing(out, key, c.describe(), "does not drop ALL capabilities"),
            None => {
                let at = key_of(c.doc, csc(c), "capabilities").unwrap_or_else(|| c.anchor());
                missing(out, at, c.describe(), "does not drop ALL capabilities")
            }
        }
        for (n, cap) in capability_list(c, "add")
            .map(|(_, l)| l)
            .unwrap_or_default()
        {
            if cap != "NET_BIND_SERVICE" {
                bad(out, n, c.describe(), format!("adds the capability {cap}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(KubeVersion::parse("1.29"), Some(KubeVersion(29)));
        assert_eq!(KubeVersion::parse("v1.0"), Some(KubeVersion(0)));
        assert_eq!(KubeVersion::parse("1.30.2"), Some(KubeVersion(30)));
        assert_eq!(KubeVersion::parse("2.1"), None);
        assert_eq!(KubeVersion::parse("1"), None);
        assert_eq!(KubeVersion(36).to_string(), "1.36");
    }

    #[test]
    fn overrides_follow_versions() {
        let ids = |l, ver| {
            active_controls(l, KubeVersion(ver))
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        };
        let r18 = ids(Level::Restricted, 18);
        assert!(
            r18.contains(&"seccompProfile_baseline") && !r18.contains(&"seccompProfile_restricted")
        );
        let r19 = ids(Level::Restricted, 19);
        assert!(
            !r19.contains(&"seccompProfile_baseline") && r19.contains(&"seccompProfile_restricted")
        );
        assert!(!ids(Level::Restricted, 0).contains(&"hostPathVolumes"));
        assert!(ids(Level::Baseline, 36).contains(&"hostPathVolumes"));
        assert!(!ids(Level::Baseline, 33).contains(&"hostProbesAndHostLifecycle"));
        assert!(!ids(Level::Restricted, 7).contains(&"allowPrivilegeEscalation"));
    }
}
