//! Pod and container security context rules (KH1xx): least privilege for containers, as
//! the AKS guidance asks and the Pod Security Standards define it.
//!
//! A rule that is a Pod Security control (KH101, KH102, KH107 to KH113) takes the control's
//! judgement from [`pss::check_control`] rather than restating it: each control has one
//! implementation, in `k8s::pss`, shared with the Pod Security evaluator.

use std::collections::HashMap;

use super::rule_meta;
use crate::check::{Rule, Settings, Sink};
use crate::finding::{Finding, Severity};
use crate::index::Named;
use crate::index::{Index, Picked, WORKLOADS, pick_definition};
use crate::k8s::pod_view::{
    ContainerView, Field, PodView, bool_field, int_field, key_of, map_field,
};
use crate::k8s::pss;
use crate::load::NodeId;

rule_meta!(
    Privileged,
    PRIVILEGED,
    "KH101",
    "privileged",
    Error,
    "A container runs privileged.",
    pss = "privileged",
    security_severity = "9.1"
);
rule_meta!(
    PrivilegeEscalation,
    PRIVILEGE_ESCALATION,
    "KH102",
    "privilege-escalation",
    Error,
    "A container allows privilege escalation.",
    pss = "allowPrivilegeEscalation",
    severity_note = "warning when unset"
);
rule_meta!(
    RunAsRoot,
    RUN_AS_ROOT,
    "KH103",
    "run-as-root",
    Warning,
    "A container runs, or may run, as root.",
    pss = "runAsNonRoot",
    severity_note = "error for `runAsUser: 0`"
);
rule_meta!(
    AddedCapabilities,
    ADDED_CAPABILITIES,
    "KH104",
    "added-capabilities",
    Warning,
    "A container adds Linux capabilities beyond the baseline set.",
    pss = "capabilities_baseline",
    severity_note = "error for those enough to escape the container"
);
rule_meta!(
    CapabilitiesNotDropped,
    CAPABILITIES_NOT_DROPPED,
    "KH105",
    "capabilities-not-dropped",
    Warning,
    "A container does not drop all capabilities.",
    pss = "capabilities_restricted"
);
rule_meta!(
    WritableRootFilesystem,
    WRITABLE_ROOT_FILESYSTEM,
    "KH106",
    "writable-root-filesystem",
    Warning,
    "A container's root filesystem is writable."
);
rule_meta!(
    HostNamespaces,
    HOST_NAMESPACES,
    "KH107",
    "host-namespaces",
    Error,
    "A pod shares the host's network, PID or IPC namespace.",
    pss = "hostNamespaces",
    security_severity = "9.1"
);
rule_meta!(
    HostPathVolume,
    HOST_PATH_VOLUME,
    "KH108",
    "host-path-volume",
    Warning,
    "A pod mounts a directory of the host.",
    pss = "hostPathVolumes",
    severity_note = "error for sensitive paths mounted writable, and runtime sockets"
);
rule_meta!(
    HostPort,
    HOST_PORT,
    "KH109",
    "host-port",
    Warning,
    "A container binds a port of the host.",
    pss = "hostPorts"
);
rule_meta!(
    UnmaskedProcMount,
    UNMASKED_PROC_MOUNT,
    "KH110",
    "unmasked-proc-mount",
    Error,
    "A container unmasks /proc.",
    pss = "procMount"
);
rule_meta!(
    UnsafeSysctl,
    UNSAFE_SYSCTL,
    "KH111",
    "unsafe-sysctl",
    Error,
    "A pod sets a sysctl outside the safe set.",
    pss = "sysctls"
);
rule_meta!(
    SelinuxOptions,
    SELINUX_OPTIONS,
    "KH112",
    "selinux-options",
    Error,
    "A pod or container sets a custom SELinux user, role or type.",
    pss = "seLinuxOptions"
);
rule_meta!(
    WindowsHostProcess,
    WINDOWS_HOST_PROCESS,
    "KH113",
    "windows-host-process",
    Error,
    "A Windows pod runs as a host process.",
    pss = "windowsHostProcess",
    security_severity = "9.1"
);
rule_meta!(
    ServiceAccountToken,
    SERVICE_ACCOUNT_TOKEN,
    "KH114",
    "service-account-token",
    Note,
    "A pod mounts its service account token automatically.",
    precision = High
);

/// The fields of a container's security context.
fn sc_bool(c: &ContainerView<'_>, key: &str) -> Field<bool> {
    bool_field(c.doc, c.security_context(), key)
}

/// `container "app" of Deployment "web"`.
fn who<'d>(c: &ContainerView<'d>, pod: &PodView<'d>) -> impl std::fmt::Display + use<'d> {
    struct Who<'d>(Named<'d>, Named<'d>);
    impl std::fmt::Display for Who<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{} of {}", self.0, self.1)
        }
    }
    Who(c.describe(), pod.describe())
}

// ---------------------------------------------------------------------------------------

/// KH101: the Pod Security control `privileged`.
impl Rule for Privileged {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        for v in pss::check_control("privileged", pod, out.settings.kube_version) {
            out.report(&PRIVILEGED, v.node, format!(
                "{} of {} runs privileged: it gets every capability and the host's devices, and can take over the node",
                v.subject,
                pod.describe()
            ))
            .label("privileged");
        }
    }
}

/// KH102: the Pod Security control `allowPrivilegeEscalation`, with an explicit `true` an
/// error and a missing `false` a warning.
impl Rule for PrivilegeEscalation {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        // A privileged container always escalates: KH101 says so already. (Container names
        // are unique in a pod, so the description identifies the container.)
        let privileged: Vec<String> = pod
            .containers()
            .iter()
            .filter(|c| sc_bool(c, "privileged").get() == Some(true))
            .map(|c| c.describe().to_string())
            .collect();
        // The Windows exemption holds whatever the target version: the field has no effect there.
        let version = out
            .settings
            .kube_version
            .max(crate::k8s::version::KubeVersion(25));
        for v in pss::check_control("allowPrivilegeEscalation", pod, version) {
            if privileged.contains(&v.subject) {
                continue;
            }
            if v.missing {
                out.report(&PRIVILEGE_ESCALATION, v.node, format!(
                    "{} of {} does not set allowPrivilegeEscalation: false; it defaults to true, so setuid binaries can raise privileges",
                    v.subject,
                    pod.describe()
                ))
                .severity(Severity::Warning);
            } else {
                out.report(&PRIVILEGE_ESCALATION, v.node, format!(
                    "{} of {} sets allowPrivilegeEscalation: true: its processes can gain more privileges than their parent (setuid binaries, file capabilities)",
                    v.subject,
                    pod.describe()
                ));
            }
        }
    }
}

/// KH103.
impl Rule for RunAsRoot {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        let pod_sc = pod.security_context();
        for c in pod.containers() {
            let whom = who(c, pod);
            let inherited = |f: &Field<i64>| {
                if f.node().is_some()
                    && int_field(c.doc, c.security_context(), "runAsUser") == Field::Absent
                {
                    " (set on the pod)"
                } else {
                    ""
                }
            };
            let user = c.inherited(pod, |d, m| int_field(d, m, "runAsUser"));
            let non_root = c.inherited(pod, |d, m| bool_field(d, m, "runAsNonRoot"));
            match user {
                Field::Set(0, n) => {
                    out.report(
                        &RUN_AS_ROOT,
                        n,
                        format!("{whom} runs as root: runAsUser is 0{}", inherited(&user)),
                    )
                    .severity(Severity::Error);
                }
                Field::Set(_, _) | Field::Invalid => {}
                Field::Absent => match non_root {
                    Field::Set(false, n) => {
                        out.report(&RUN_AS_ROOT, n, format!(
                            "{whom} allows running as root: runAsNonRoot is false and no non-root runAsUser is set"
                        ));
                    }
                    Field::Absent => {
                        out.report(&RUN_AS_ROOT, c.anchor(), format!(
                            "{whom} may run as root: neither runAsNonRoot: true nor a non-zero runAsUser is set, so the image's USER decides"
                        ));
                    }
                    _ => {}
                },
            }
            let group = int_field(c.doc, c.security_context(), "runAsGroup").or(int_field(
                c.doc,
                pod_sc,
                "runAsGroup",
            ));
            if let Field::Set(0, n) = group {
                out.report(
                    &RUN_AS_ROOT,
                    n,
                    format!("{whom} runs with the root group: runAsGroup is 0"),
                );
            }
        }
    }
}

/// Capabilities that matter beyond the Pod Security baseline set: what each one lets a
/// container do, and whether that is enough to escape it or take over the node (an error)
/// or "only" reaches beyond it (a warning).
const CAPABILITY_RISKS: &[(&str, bool, &str)] = &[
    (
        "ALL",
        true,
        "it is every capability, root's full power over the kernel: enough to escape the container",
    ),
    (
        "SYS_ADMIN",
        true,
        "it allows mounts, namespaces and many kernel operations: close to full root, and enough to escape the container",
    ),
    (
        "SYS_MODULE",
        true,
        "it loads kernel modules: full control of the node",
    ),
    (
        "SYS_RAWIO",
        true,
        "it gives raw access to the node's devices and I/O ports",
    ),
    (
        "DAC_READ_SEARCH",
        true,
        "it reads any file it can reach whatever its permissions, a known way out of the container (open_by_handle_at)",
    ),
    (
        "SYS_PTRACE",
        true,
        "it traces and injects code into the processes it can see (the node's, with hostPID)",
    ),
    ("BPF", true, "it loads eBPF programs into the node's kernel"),
    (
        "MAC_ADMIN",
        true,
        "it changes the node's AppArmor or SELinux policy",
    ),
    ("MAC_OVERRIDE", true, "it bypasses AppArmor and SELinux"),
    (
        "NET_ADMIN",
        false,
        "it reconfigures the pod's network (interfaces, routes, firewall rules) and can intercept its traffic",
    ),
    (
        "NET_RAW",
        false,
        "it crafts raw packets: spoofing and attacks on the pod's network neighbours",
    ),
    (
        "SYS_BOOT",
        false,
        "it reboots the node (or loads a new kernel)",
    ),
    (
        "SYS_TIME",
        false,
        "it sets the node's clock, which every pod on the node shares",
    ),
    (
        "PERFMON",
        false,
        "it watches the performance data of the kernel and of other processes",
    ),
    (
        "SYSLOG",
        false,
        "it reads the kernel log, which reveals kernel addresses",
    ),
];

/// The capabilities containerd and CRI-O give a container unless it drops them: the Pod
/// Security baseline set, which was drawn from them, and NET_RAW, which it leaves out.
fn runtime_default_capabilities() -> impl Iterator<Item = &'static str> {
    pss::BASELINE_CAPABILITIES
        .iter()
        .copied()
        .chain(std::iter::once("NET_RAW"))
}

/// The container runtime's reading of a capability name: case-insensitive, `CAP_` optional.
fn normalize_capability(name: &str) -> String {
    let up = name.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_string).unwrap_or(up)
}

fn capability_items<'d>(c: &ContainerView<'d>, list: &str) -> Vec<(NodeId, &'d str)> {
    let caps = map_field(c.doc, c.security_context(), "capabilities");
    let Some(l) = caps.and_then(|m| c.doc.get(m, list)) else {
        return Vec::new();
    };
    c.doc
        .items(l)
        .iter()
        .filter_map(|&i| Some((i, c.doc.scalar(i)?)))
        .collect()
}

/// KH104.
impl Rule for AddedCapabilities {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        for c in pod.containers() {
            for (node, name) in capability_items(c, "add") {
                let norm = normalize_capability(name);
                if pss::BASELINE_CAPABILITIES.contains(&norm.as_str()) {
                    continue;
                }
                let risk = CAPABILITY_RISKS.iter().find(|(cap, _, _)| *cap == norm);
                let why = match risk {
                    Some((_, _, what)) => format!(": {what}"),
                    None => ", outside the Pod Security baseline set".to_string(),
                };
                out.report(
                    &ADDED_CAPABILITIES,
                    node,
                    format!("{} adds the capability {name}{why}", who(c, pod)),
                )
                .severity(if risk.is_some_and(|(_, escape, _)| *escape) {
                    Severity::Error
                } else {
                    Severity::Warning
                });
            }
        }
    }
}

/// KH105.
impl Rule for CapabilitiesNotDropped {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        if pod.is_windows() {
            return;
        }
        for c in pod.containers() {
            let drops_all = capability_items(c, "drop")
                .iter()
                .any(|(_, n)| n.eq_ignore_ascii_case("ALL"));
            if drops_all {
                continue;
            }
            let sc = c.security_context();
            let caps = map_field(c.doc, sc, "capabilities");
            let at = key_of(c.doc, caps, "drop")
                .or_else(|| key_of(c.doc, sc, "capabilities"))
                .unwrap_or_else(|| c.anchor());
            let dropped: Vec<String> = capability_items(c, "drop")
                .iter()
                .map(|(_, n)| normalize_capability(n))
                .collect();
            let mut kept: Vec<&str> = runtime_default_capabilities()
                .filter(|d| !dropped.iter().any(|x| x == d))
                .collect();
            kept.sort_unstable();
            let message = if kept.is_empty() {
                format!(
                    "{} drops each of the runtime's default capabilities by name, but not ALL: Pod Security's restricted level asks for `drop: [ALL]`, which also covers capabilities a runtime adds to its defaults later; write `drop: [ALL]`",
                    who(c, pod)
                )
            } else if dropped.is_empty() {
                format!(
                    "{} keeps the runtime's default capabilities (NET_RAW among them): add `drop: [ALL]` and add back only what it needs",
                    who(c, pod)
                )
            } else {
                format!(
                    "{} keeps {} of the runtime's default capabilities ({}): drop ALL instead, and add back only what it needs",
                    who(c, pod),
                    kept.len(),
                    kept.join(", ")
                )
            };
            out.report(&CAPABILITIES_NOT_DROPPED, at, message);
        }
    }
}

/// KH106.
impl Rule for WritableRootFilesystem {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        if pod.is_windows() {
            return;
        }
        for c in pod.containers() {
            match sc_bool(c, "readOnlyRootFilesystem") {
                Field::Set(false, n) => {
                    out.report(&WRITABLE_ROOT_FILESYSTEM, n, format!(
                        "{} sets readOnlyRootFilesystem: false: an intruder can change its binaries and write tools",
                        who(c, pod)
                    ));
                }
                Field::Absent => {
                    out.report(&WRITABLE_ROOT_FILESYSTEM, c.anchor(), format!(
                        "{} has a writable root filesystem: set readOnlyRootFilesystem: true and mount writable volumes where it needs to write",
                        who(c, pod)
                    ));
                }
                _ => {}
            }
        }
    }
}

/// KH107: the Pod Security control `hostNamespaces`.
impl Rule for HostNamespaces {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        for v in pss::check_control("hostNamespaces", pod, out.settings.kube_version) {
            let what = if v.detail.contains("hostNetwork") {
                "the node's network: it reaches services bound to the node's localhost, NetworkPolicies do not apply to it, and with NET_RAW it can capture the node's traffic"
            } else if v.detail.contains("hostPID") {
                "the node's process namespace: it sees every process on the node, and as root can signal them and read their environment"
            } else {
                "the node's IPC namespace: it can use the shared memory and semaphores of the node's processes"
            };
            out.report(
                &HOST_NAMESPACES,
                v.node,
                format!(
                    "{} shares {what} ({})",
                    pod.describe(),
                    v.detail.trim_start_matches("sets ")
                ),
            );
        }
    }
}

/// Host paths that expose the node: its configuration, its kernel interfaces, or a
/// container runtime socket.
pub fn is_sensitive_host_path(path: &str) -> bool {
    let mut norm: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                norm.pop();
            }
            p => norm.push(p),
        }
    }
    let joined = format!("/{}", norm.join("/"));
    if joined == "/" || joined.ends_with(".sock") {
        return true;
    }
    const UNDER: &[&str] = &[
        "/etc",
        "/proc",
        "/sys",
        "/dev",
        "/boot",
        "/root",
        "/var/run",
        "/run",
        "/var/lib/kubelet",
        "/var/lib/docker",
        "/var/lib/containerd",
        "/var/log",
    ];
    UNDER
        .iter()
        .any(|d| joined == *d || joined.starts_with(&format!("{d}/")))
}

impl Rule for HostPathVolume {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        for v in pss::check_control("hostPathVolumes", pod, out.settings.kube_version) {
            // The control points at the volume's `path` value when it has one.
            let path = pod
                .doc
                .scalar(v.node)
                .filter(|_| !pod.doc.is_mapping(v.node));
            let sensitive = path.is_some_and(is_sensitive_host_path);
            // A socket is as open read-only as writable: connecting to it needs no write.
            let socket = path.is_some_and(|p| p.trim_end_matches('/').ends_with(".sock"));
            let read_only = read_only_everywhere(pod, v.node);
            let (why, error) = match (sensitive, read_only) {
                (true, _) if socket => (
                    ": through this socket the pod can drive the node's container runtime, and start privileged containers (read-only or not)",
                    true,
                ),
                (true, false) => (
                    ": writable, this path gives control over the node or its container runtime",
                    true,
                ),
                (true, true) => (
                    ": mounted read-only, it still lets the pod read the node's configuration, credentials or kernel state",
                    false,
                ),
                (false, false) => (": the pod can read and change the node's files", false),
                (false, true) => (
                    ": mounted read-only, the pod can read the node's files",
                    false,
                ),
            };
            out.report(
                &HOST_PATH_VOLUME,
                v.node,
                format!(
                    "{} of {} mounts the host path {}{why}",
                    v.subject,
                    pod.describe(),
                    path.unwrap_or("(no path)")
                ),
            )
            .severity(if error {
                Severity::Error
            } else {
                Severity::Warning
            });
        }
    }
}

/// Whether every container that mounts the volume whose `hostPath.path` (or `hostPath`) is
/// `node` mounts it `readOnly: true` (a volume no container mounts counts as read-only).
fn read_only_everywhere(pod: &PodView<'_>, node: NodeId) -> bool {
    let doc = pod.doc;
    let Some(volumes) = doc.get(pod.spec(), "volumes") else {
        return false;
    };
    let name = doc.items(volumes).iter().find_map(|&v| {
        let host = doc.get(v, "hostPath")?;
        (host == node || doc.get(host, "path") == Some(node))
            .then(|| doc.get_str(v, "name"))
            .flatten()
    });
    let Some(name) = name else { return false };
    pod.containers().iter().all(|c| {
        let mounts = doc.get(c.node, "volumeMounts");
        mounts.map_or(&[][..], |m| doc.items(m)).iter().all(|&m| {
            doc.get_str(m, "name") != Some(name)
                || bool_field(doc, Some(m), "readOnly").get() == Some(true)
        })
    })
}

/// KH109: the Pod Security control `hostPorts`.
impl Rule for HostPort {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        for v in pss::check_control("hostPorts", pod, out.settings.kube_version) {
            let port = pod.doc.scalar(v.node).unwrap_or("?");
            out.report(&HOST_PORT, v.node, format!(
                "{} of {} binds port {port} of the node: the pod is reachable on the node's address, where NetworkPolicies may not apply (it depends on the network plugin), and only one such pod fits on each node",
                v.subject,
                pod.describe()
            ));
        }
    }
}

/// KH110: the Pod Security control `procMount` (as the restricted level reads it: a user
/// namespace does not make an unmasked /proc acceptable here).
impl Rule for UnmaskedProcMount {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        for v in pss::check_control("procMount_restricted", pod, out.settings.kube_version) {
            out.report(
                &UNMASKED_PROC_MOUNT,
                v.node,
                format!(
                    "{} of {} {}: the kernel's /proc paths are no longer masked",
                    v.subject,
                    pod.describe(),
                    v.detail
                ),
            );
        }
    }
}

/// KH111.
impl Rule for UnsafeSysctl {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        let version = out.settings.kube_version;
        for v in pss::check_control("sysctls", pod, version) {
            let name = pod.doc.scalar(v.node).unwrap_or("?");
            out.report(&UNSAFE_SYSCTL, v.node, format!(
                "{} sets the sysctl {name}, which is not in the safe set of Kubernetes {version}: the kubelet refuses the pod unless it is started with this sysctl allowed, and where it is, the setting can affect other pods or the node",
                pod.describe()
            ));
        }
    }
}

/// KH112: the Pod Security control `seLinuxOptions`.
impl Rule for SelinuxOptions {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        for v in pss::check_control("seLinuxOptions", pod, out.settings.kube_version) {
            let why = if v.detail.contains(".type") {
                "only container_t, container_init_t, container_kvm_t (and container_engine_t from 1.31) keep it confined"
            } else {
                "a custom SELinux user or role can lift the container's confinement"
            };
            out.report(
                &SELINUX_OPTIONS,
                v.node,
                format!("{} of {} {}: {why}", v.subject, pod.describe(), v.detail),
            );
        }
    }
}

/// KH113.
impl Rule for WindowsHostProcess {
    fn check_pod(&self, pod: &PodView<'_>, out: &mut Sink<'_>) {
        for v in pss::check_control("windowsHostProcess", pod, out.settings.kube_version) {
            out.report(
                &WINDOWS_HOST_PROCESS,
                v.node,
                format!(
                    "{} of {} runs as a Windows host process: it has full access to the node",
                    v.subject,
                    pod.describe()
                ),
            );
        }
    }
}

/// The files of ambiguous ServiceAccount definitions, for a message.
fn ambiguous_files(picked: &Picked<'_, (&str, Option<bool>)>) -> String {
    match picked {
        Picked::Ambiguous(defs) => defs.iter().map(|d| d.0).collect::<Vec<_>>().join(", "),
        _ => String::new(),
    }
}

/// KH114. A pod that does not set `automountServiceAccountToken` takes its ServiceAccount's
/// setting, so this rule looks at both, across files.
impl Rule for ServiceAccountToken {
    fn indexed_kinds(&self) -> &'static [&'static str] {
        &["ServiceAccount", WORKLOADS]
    }

    fn check_index(&self, ix: &Index, _settings: &Settings, out: &mut Vec<Finding>) {
        // namespace/name -> every definition of the ServiceAccount: its file and its own
        // automountServiceAccountToken.
        type Account<'a> = (&'a str, Option<bool>);
        let mut accounts: HashMap<(&str, &str), Vec<Account<'_>>> = HashMap::new();
        for sa in ix.of_kind("ServiceAccount") {
            let (Some(ns), Some(name)) = (sa.id.namespace.as_deref(), sa.id.name.as_deref()) else {
                continue;
            };
            let automount =
                bool_field(&sa.doc, Some(sa.node), "automountServiceAccountToken").get();
            accounts
                .entry((ns, name))
                .or_default()
                .push((&sa.file, automount));
        }
        for w in &ix.workloads {
            let ns = w.id.namespace.as_deref().unwrap_or_default();
            let sa = w.service_account.as_str();
            let defs: Vec<&Account<'_>> = accounts
                .get(&(ns, sa))
                .map(|d| d.iter().collect())
                .unwrap_or_default();
            let picked = pick_definition(&defs, |d| d.0, |a, b| a.1 == b.1, &w.file);
            let account = match &picked {
                Picked::One(d) => Some(Some(d.1)),
                Picked::None => None,
                Picked::Ambiguous(_) => Some(None),
            };
            let (span, message) = match (w.automount_token, account) {
                (Some((false, _)), _) | (None, Some(Some(Some(false)))) => continue,
                (Some((true, span)), _) => (
                    span,
                    format!(
                        "{} sets automountServiceAccountToken: true: its containers get a token of ServiceAccount \"{sa}\" and can call the API server with it",
                        w.id.describe()
                    ),
                ),
                (None, Some(None)) => (
                    w.pod_spec_key,
                    format!(
                        "{} may mount a token of ServiceAccount \"{sa}\": the scanned files define that ServiceAccount differently ({}), so whether it sets automountServiceAccountToken: false is ambiguous; set it on the pod",
                        w.id.describe(),
                        ambiguous_files(&picked)
                    ),
                ),
                (None, Some(Some(_))) => (
                    w.pod_spec_key,
                    format!(
                        "{} mounts a token of ServiceAccount \"{sa}\": neither the pod nor the ServiceAccount sets automountServiceAccountToken: false; set it unless the pod calls the API server",
                        w.id.describe()
                    ),
                ),
                (None, None) => (
                    w.pod_spec_key,
                    format!(
                        "{} mounts a token of ServiceAccount \"{sa}\" by default: set automountServiceAccountToken: false on the pod (or the ServiceAccount) unless it calls the API server",
                        w.id.describe()
                    ),
                ),
            };
            out.push(w.finding(&SERVICE_ACCOUNT_TOKEN, span, message));
        }
    }
}
