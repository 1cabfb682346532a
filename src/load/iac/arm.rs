//! ARM JSON templates: recognised by `$schema` (a deployment template), never by file name;
//! their resources read into the common value tree, nested templates and child resources
//! included.

use std::collections::HashMap;

use super::value_tree::{Entry, Kind, Node};
use crate::load::scalar::Value;
use crate::load::{Document, NodeId};
use crate::span::Span;

/// A resource of a template or Bicep file, as the cluster extraction reads it.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The full type (`Microsoft.ContainerService/managedClusters/agentPools`).
    pub type_name: String,
    /// Where "missing setting" findings go: the `type` value (ARM) or the type string (Bicep).
    pub type_span: Span,
    pub body: Node,
    /// The enclosing resource's name or symbol, for child resources.
    pub parent: Option<String>,
    /// A name to tell resources apart in messages and to match children with parents
    /// (the `name` value when literal, else the Bicep symbol).
    pub name: Option<String>,
}

/// What a template (or Bicep file) declares.
#[derive(Debug, Clone, Default)]
pub struct Template {
    pub resources: Vec<Resource>,
    /// Parameters' default values.
    pub params: HashMap<String, Node>,
}

/// Whether a document is an ARM deployment template.
pub fn is_template(doc: &Document) -> bool {
    doc.root
        .and_then(|r| doc.get_str(r, "$schema"))
        .is_some_and(|s| s.to_ascii_lowercase().contains("deploymenttemplate.json"))
}

/// The ARM expression `[...]` in a string (`[[` escapes a literal bracket).
fn expression(s: &str) -> Option<&str> {
    let t = s.trim();
    (t.starts_with('[') && !t.starts_with("[[") && t.ends_with(']')).then(|| &t[1..t.len() - 1])
}

/// `parameters('x')` → x.
fn parameter_reference(expr: &str) -> Option<String> {
    let e = expr.trim();
    let inner = e.strip_prefix("parameters(")?.strip_suffix(')')?.trim();
    let name = inner.strip_prefix('\'')?.strip_suffix('\'')?;
    (!name.contains('\'')).then(|| name.to_string())
}

/// A span-tree node as a value tree node.
pub fn node_of(doc: &Document, id: NodeId) -> Node {
    let span = doc.span(id);
    let kind = if doc.is_mapping(id) {
        Kind::Map(
            doc.entries(id)
                .map(|e| Entry {
                    key: doc.scalar(e.key).unwrap_or_default().to_string(),
                    key_span: doc.span(e.key),
                    value: node_of(doc, e.value),
                })
                .collect(),
        )
    } else if doc.is_sequence(id) {
        Kind::List(doc.items(id).iter().map(|&i| node_of(doc, i)).collect())
    } else {
        match doc.value(id) {
            Some(Value::Bool(b)) => Kind::Bool(b),
            Some(Value::Null) | None => Kind::Null,
            Some(Value::Str(s)) => match expression(s) {
                Some(e) => Kind::Expr {
                    text: s.to_string(),
                    param: parameter_reference(e),
                },
                None => Kind::Str(
                    s.strip_prefix("[[")
                        .map(|r| format!("[{r}"))
                        .unwrap_or_else(|| s.to_string()),
                ),
            },
            Some(_) => Kind::Num(doc.scalar(id).unwrap_or_default().to_string()),
        }
    };
    Node { span, kind }
}

/// Reads a template's resources (nested templates of `Microsoft.Resources/deployments` and
/// child `resources` included) and parameter defaults.
pub fn read(doc: &Document) -> Template {
    let mut t = Template::default();
    let Some(root) = doc.root else { return t };
    read_template(doc, root, &mut t);
    t
}

fn read_template(doc: &Document, template: NodeId, t: &mut Template) {
    if let Some(params) = doc.get(template, "parameters") {
        for e in doc.entries(params) {
            if let (Some(name), Some(d)) = (doc.scalar(e.key), doc.get(e.value, "defaultValue")) {
                t.params.insert(name.to_string(), node_of(doc, d));
            }
        }
    }
    if let Some(list) = doc.get(template, "resources") {
        // `resources` is an array, or (language version 2.0) an object of symbolic names.
        let items: Vec<NodeId> = if doc.is_mapping(list) {
            doc.entries(list).map(|e| e.value).collect()
        } else {
            doc.items(list).to_vec()
        };
        for r in items {
            read_resource(doc, r, None, t);
        }
    }
}

fn read_resource(
    doc: &Document,
    r: NodeId,
    parent: Option<(&str, Option<String>)>,
    t: &mut Template,
) {
    let Some(ty) = doc.get(r, "type") else { return };
    let Some(short) = doc.get_str(r, "type") else {
        return;
    };
    let type_name = match parent {
        Some((p, _)) if !short.contains('/') || !short.contains('.') => format!("{p}/{short}"),
        _ => short.to_string(),
    };
    let name = doc
        .get_str(r, "name")
        .filter(|n| expression(n).is_none())
        .map(str::to_string);
    if type_name.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
        if let Some(inner) = doc.path(r, &["properties", "template"]) {
            read_template(doc, inner, t);
        }
        return;
    }
    // A child's name is `cluster/child`: its parent is the part before the last slash.
    let parent_name = parent.and_then(|(_, n)| n).or_else(|| {
        name.as_deref()
            .and_then(|n| n.rsplit_once('/'))
            .map(|(p, _)| p.to_string())
    });
    t.resources.push(Resource {
        type_name: type_name.clone(),
        type_span: doc.span(ty),
        body: node_of(doc, r),
        parent: parent_name,
        name: name.clone(),
    });
    if let Some(children) = doc.get(r, "resources") {
        for &c in doc.items(children) {
            read_resource(doc, c, Some((&type_name, name.clone())), t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_text;

    #[test]
    fn template_resources_children_and_expressions() {
        let text = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": {"policy": {"type": "string", "defaultValue": "azure"}},
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2026-10-01",
      "name": "aks1",
      "properties": {"networkProfile": {"networkPolicy": "[parameters('policy')]"}, "dnsPrefix": "[[literal]"},
      "resources": [{"type": "agentPools", "name": "pool1", "properties": {"orchestratorVersion": "1.29"}}]
    },
    {
      "type": "Microsoft.Resources/deployments",
      "properties": {"template": {"resources": [{"type": "Microsoft.ContainerService/managedClusters/maintenanceConfigurations", "name": "aks1/default"}]}}
    }
  ]
}"#;
        let l = load_text(text);
        let d = &l.docs[0];
        assert!(is_template(d));
        let t = read(d);
        let types: Vec<&str> = t.resources.iter().map(|r| r.type_name.as_str()).collect();
        assert_eq!(
            types,
            [
                "Microsoft.ContainerService/managedClusters",
                "Microsoft.ContainerService/managedClusters/agentPools",
                "Microsoft.ContainerService/managedClusters/maintenanceConfigurations"
            ]
        );
        assert_eq!(t.resources[1].parent.as_deref(), Some("aks1"));
        assert_eq!(t.resources[2].parent.as_deref(), Some("aks1"));
        let np = t.resources[0]
            .body
            .entry_at(&["properties", "networkProfile", "networkPolicy"])
            .unwrap();
        assert!(matches!(&np.value.kind, Kind::Expr { param: Some(p), .. } if p == "policy"));
        assert_eq!(np.key_span.start.line, 9);
        assert_eq!(t.params["policy"].str(), Some("azure"));
        let lit = t.resources[0]
            .body
            .entry_at(&["properties", "dnsPrefix"])
            .unwrap();
        assert_eq!(lit.value.str(), Some("[literal]"));
        assert!(!is_template(&load_text("{\"kind\": \"Pod\"}").docs[0]));
    }
}
