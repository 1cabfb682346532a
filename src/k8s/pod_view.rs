//! Typed views of a pod spec over the span tree: rules read Kubernetes fields with their
//! API types (a `bool` is a bool the way the API server decodes it), and every value still
//! knows the node it came from, so findings point at it.
//!
//! keelhaul reads these fields from its own tree instead of deserialising `k8s-openapi`
//! structs: one mistyped field would fail a whole typed `PodSpec`, and a linter must still
//! judge the rest of the object (the mistyped field itself is reported by KH004).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::index::{Named, ResourceId, Workload};
use crate::load::scalar::Value;
use crate::load::{Document, NodeId};

/// A field read with its Kubernetes type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field<T> {
    /// Not set (absent or null).
    Absent,
    /// Set, with the value node.
    Set(T, NodeId),
    /// Set to something the API server would refuse for this type (KH004 reports it).
    Invalid,
}

impl<T: Copy> Field<T> {
    pub fn get(&self) -> Option<T> {
        match self {
            Field::Set(v, _) => Some(*v),
            _ => None,
        }
    }

    pub fn node(&self) -> Option<NodeId> {
        match self {
            Field::Set(_, n) => Some(*n),
            _ => None,
        }
    }

    pub fn or(self, other: Field<T>) -> Field<T> {
        match self {
            Field::Absent => other,
            set => set,
        }
    }
}

pub fn bool_field(doc: &Document, map: Option<NodeId>, key: &str) -> Field<bool> {
    typed(doc, map, key, |v| match v {
        Value::Bool(b) => Some(b),
        _ => None,
    })
}

pub fn int_field(doc: &Document, map: Option<NodeId>, key: &str) -> Field<i64> {
    typed(doc, map, key, |v| match v {
        Value::Int(i) => Some(i),
        _ => None,
    })
}

pub fn str_field<'d>(doc: &'d Document, map: Option<NodeId>, key: &str) -> Field<&'d str> {
    typed(doc, map, key, |v| match v {
        Value::Str(s) => Some(s),
        _ => None,
    })
}

fn typed<'d, T>(
    doc: &'d Document,
    map: Option<NodeId>,
    key: &str,
    conv: impl Fn(Value<'d>) -> Option<T>,
) -> Field<T> {
    let Some(v) = map.and_then(|m| doc.get(m, key)) else {
        return Field::Absent;
    };
    match doc.value(v) {
        Some(Value::Null) => Field::Absent,
        Some(val) => conv(val).map_or(Field::Invalid, |t| Field::Set(t, v)),
        None => Field::Invalid,
    }
}

/// A mapping-typed field: the value when it is a mapping.
pub fn map_field(doc: &Document, map: Option<NodeId>, key: &str) -> Option<NodeId> {
    map.and_then(|m| doc.get(m, key))
        .filter(|&v| doc.is_mapping(v))
}

/// The key node of a field, for findings about the field as a whole.
pub fn key_of(doc: &Document, map: Option<NodeId>, key: &str) -> Option<NodeId> {
    map.and_then(|m| doc.entry(m, key)).map(|e| e.key)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    Init,
    Regular,
    Ephemeral,
}

impl ContainerKind {
    pub const FIELDS: [(&'static str, ContainerKind); 3] = [
        ("initContainers", ContainerKind::Init),
        ("containers", ContainerKind::Regular),
        ("ephemeralContainers", ContainerKind::Ephemeral),
    ];
}

/// A pod spec and where it sits.
#[derive(Debug, Clone)]
pub struct PodView<'d> {
    pub doc: &'d Document,
    pub workload: Workload<'d>,
    /// Init containers, containers and ephemeral containers, in that order; found once,
    /// read by every rule.
    containers: Vec<ContainerView<'d>>,
    /// Index in `containers` of the first container of each name, made when first asked for:
    /// a pod with many containers and an annotation for each must not look through them all
    /// for each annotation.
    by_name: OnceLock<HashMap<&'d str, usize>>,
    security_context: Option<NodeId>,
}

impl<'d> PodView<'d> {
    pub fn new(workload: Workload<'d>) -> PodView<'d> {
        let doc = workload.resource.doc;
        let mut containers = Vec::new();
        for (field, kind) in ContainerKind::FIELDS {
            let Some(list) = doc.get(workload.pod_spec, field) else {
                continue;
            };
            for &item in doc.items(list) {
                if doc.is_mapping(item) {
                    containers.push(ContainerView {
                        doc,
                        node: item,
                        kind,
                        security_context: map_field(doc, Some(item), "securityContext"),
                    });
                }
            }
        }
        PodView {
            doc,
            workload,
            containers,
            by_name: OnceLock::new(),
            security_context: map_field(doc, Some(workload.pod_spec), "securityContext"),
        }
    }

    /// The first container (of any kind, in the order of `containers()`) named `name`.
    pub fn container_named(&self, name: &str) -> Option<&ContainerView<'d>> {
        let by_name = self.by_name.get_or_init(|| {
            let mut m = HashMap::with_capacity(self.containers.len());
            for (i, c) in self.containers.iter().enumerate() {
                if let Some(n) = c.name() {
                    m.entry(n).or_insert(i);
                }
            }
            m
        });
        by_name.get(name).map(|&i| &self.containers[i])
    }

    pub fn spec(&self) -> NodeId {
        self.workload.pod_spec
    }

    /// `spec.securityContext` (the PodSecurityContext).
    pub fn security_context(&self) -> Option<NodeId> {
        self.security_context
    }

    pub fn id(&self) -> ResourceId {
        self.workload.resource.id()
    }

    /// `Deployment "web"`.
    pub fn describe(&self) -> Named<'d> {
        self.workload.resource.describe()
    }

    /// Pods with `spec.os.name: windows` are exempt from the Linux-only controls.
    pub fn is_windows(&self) -> bool {
        let os = map_field(self.doc, Some(self.spec()), "os");
        str_field(self.doc, os, "name").get() == Some("windows")
    }

    pub fn containers(&self) -> &[ContainerView<'d>] {
        &self.containers
    }
}

/// One container, init container or ephemeral container.
#[derive(Debug, Clone, Copy)]
pub struct ContainerView<'d> {
    pub doc: &'d Document,
    pub node: NodeId,
    pub kind: ContainerKind,
    security_context: Option<NodeId>,
}

impl<'d> ContainerView<'d> {
    pub fn name(&self) -> Option<&'d str> {
        str_field(self.doc, Some(self.node), "name").get()
    }

    /// `container "app"`, `init container "setup"`.
    pub fn describe(&self) -> Named<'d> {
        let what = match self.kind {
            ContainerKind::Init => "init container",
            ContainerKind::Regular => "container",
            ContainerKind::Ephemeral => "ephemeral container",
        };
        Named {
            what,
            name: self.name(),
            unnamed_prefix: "unnamed ",
            unnamed_suffix: "",
        }
    }

    /// The container's `securityContext` mapping.
    pub fn security_context(&self) -> Option<NodeId> {
        self.security_context
    }

    /// Where a finding about a field missing from the container's security context points:
    /// the `securityContext:` key if there is one, else the container's `name:` entry.
    pub fn anchor(&self) -> NodeId {
        key_of(self.doc, Some(self.node), "securityContext")
            .or_else(|| key_of(self.doc, Some(self.node), "name"))
            .unwrap_or(self.node)
    }

    /// A container-level field that falls back to the pod-level one (runAsNonRoot,
    /// runAsUser, runAsGroup, seLinuxOptions, windowsOptions, seccompProfile, ...).
    pub fn inherited<T: Copy>(
        &self,
        pod: &PodView<'d>,
        read: impl Fn(&'d Document, Option<NodeId>) -> Field<T>,
    ) -> Field<T> {
        read(self.doc, self.security_context()).or(read(self.doc, pod.security_context()))
    }
}
