//! Terraform (`.tf`) files, read with the exact position of every argument and block, so
//! that the AKS rules can report on the line where a setting is written (or on the
//! `resource "azurerm_kubernetes_cluster" "x"` header when it is missing).
//!
//! The text is parsed with `hcl-edit`, which keeps the byte range of every structure and
//! expression; those ranges are turned into [`Pos`] values (1-based lines, 0-based columns in
//! Unicode code points, as everywhere in keelhaul) and the bodies into [`Node`] trees:
//!
//! - an attribute is an entry whose key is the attribute name;
//! - a nested block is an entry whose key is the block type and whose value is a `Map` of its
//!   body; the value's span is the whole block (from its type to its closing brace);
//! - a block type repeated in one body is one entry (where the first block is) whose value is
//!   a `List` of the blocks' maps, in order; labels of nested blocks are ignored;
//! - `dynamic "x" { ... }` is an entry `x` whose value is an `Expr` holding the source text of
//!   the whole `dynamic` block (its content is only known when Terraform runs).
//!
//! Expressions: literal strings (and heredocs without interpolation) are `Str`, `true` /
//! `false` are `Bool`, numbers are `Num` (as written), `null` is `Null`, tuples are `List`,
//! objects are `Map`; `var.x` is `Expr { text: "var.x", param: Some("x") }`, `local.x` is
//! `Expr { text: "local.x", param: None }` (look it up in [`TfFile::locals`]), and everything
//! else (references, calls, conditionals, operators, `for`, interpolated strings) is an `Expr`
//! with the expression's source text.
//!
//! Every resource of the file is returned, whatever its type; callers pick the ones they
//! check (`azurerm_kubernetes_cluster`, `azurerm_kubernetes_cluster_node_pool`, ...).
//! The parser bounds the nesting depth of its input, which bounds the recursion here too; no
//! input makes [`read`] panic.

use std::cell::Cell;
use std::collections::HashMap;
use std::ops::Range;

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::template::{Element, Template};

use crate::load::iac::tree::{Entry, Kind, Node};
use crate::span::{Pos, Span};

/// The resources, variable defaults and locals of one `.tf` file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TfFile {
    /// Every `resource "type" "name" { ... }` block, in source order.
    pub resources: Vec<TfResource>,
    /// `variable "x" { default = ... }`: the default's value tree (variables without a default
    /// are not listed).
    pub variables: HashMap<String, Node>,
    /// `locals { x = ... }` (all `locals` blocks of the file).
    pub locals: HashMap<String, Node>,
}

/// One `resource "type" "name" { ... }` block.
#[derive(Debug, Clone, PartialEq)]
pub struct TfResource {
    /// `azurerm_kubernetes_cluster`
    pub type_name: String,
    /// The resource's name label (`aks` in `resource "azurerm_kubernetes_cluster" "aks" {`).
    pub name: String,
    /// The span of the `resource "type" "name"` header (where "missing setting" findings go).
    pub header_span: Span,
    /// The body, a `Map` whose span is the whole block: attributes → entries (key = attribute
    /// name); a nested block → an entry whose value is a `Map` of its body (key = block
    /// identifier, key_span = the identifier, value span = the whole block); a block type
    /// repeated in one body → one entry whose value is a `List` of Maps (in order); block
    /// labels of nested blocks are ignored. `dynamic "x" { content { ... } }` → an entry `x`
    /// (key_span = the label) with an `Expr` value holding the source text of the whole
    /// `dynamic` block (its content is not known statically).
    pub body: Node,
}

/// A file that does not parse: the parser's position and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TfError {
    pub pos: Pos,
    pub message: String,
}

impl std::fmt::Display for TfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {}",
            self.pos.line,
            self.pos.col + 1,
            self.message
        )
    }
}

impl std::error::Error for TfError {}

/// Reads a `.tf` file; a file that does not parse gives an error at the parser's position.
/// A leading byte order mark is skipped (positions are then counted without it, as
/// [`crate::load::decode`] does).
pub fn read(text: &str) -> Result<TfFile, TfError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let src = Src::new(text);
    let body = hcl_edit::parser::parse_body(text).map_err(|e| TfError {
        pos: src.pos(e.location().offset()),
        message: e.message().to_string(),
    })?;
    let mut file = TfFile::default();
    for block in body.blocks() {
        let ident = block.ident.as_str();
        match (ident, block.labels.as_slice()) {
            ("resource", [ty, name]) => {
                let whole = src.range(block.span(), 0..text.len());
                let start = src.range(block.ident.span(), whole.clone()).start;
                let end = src.range(name.span(), whole.clone()).end;
                file.resources.push(TfResource {
                    type_name: ty.as_str().to_string(),
                    name: name.as_str().to_string(),
                    header_span: src.span(start..end.max(start)),
                    body: src.block_map(block, whole),
                });
            }
            ("variable", [name]) => {
                let whole = src.range(block.span(), 0..text.len());
                if let Some(d) = block.body.get_attribute("default") {
                    let value = src.expr(&d.value, src.range(d.span(), whole));
                    file.variables.insert(name.as_str().to_string(), value);
                }
            }
            ("locals", []) => {
                let whole = src.range(block.span(), 0..text.len());
                for a in block.body.attributes() {
                    let value = src.expr(&a.value, src.range(a.span(), whole.clone()));
                    file.locals.insert(a.key.as_str().to_string(), value);
                }
            }
            _ => {}
        }
    }
    Ok(file)
}

/// The source text and its line index; turns byte ranges into positions.
struct Src<'a> {
    text: &'a str,
    /// Byte offset of the start of each line (lines end at `\n`).
    line_starts: Vec<usize>,
    /// The last position computed: (line index, byte offset, column). Positions are mostly
    /// asked for in increasing order, so counting code points from there keeps a long line
    /// linear to index.
    last: Cell<(usize, usize, usize)>,
}

impl<'a> Src<'a> {
    fn new(text: &'a str) -> Src<'a> {
        let line_starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        Src {
            text,
            line_starts,
            last: Cell::new((0, 0, 0)),
        }
    }

    /// The position of byte `off` (clamped to the text and to a character boundary).
    fn pos(&self, off: usize) -> Pos {
        let mut off = off.min(self.text.len());
        while !self.text.is_char_boundary(off) {
            off -= 1;
        }
        let line = self
            .line_starts
            .partition_point(|&s| s <= off)
            .saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let (l_line, l_off, l_col) = self.last.get();
        let col = if l_line == line && l_off <= off && l_off >= start {
            l_col + self.text[l_off..off].chars().count()
        } else {
            self.text[start..off].chars().count()
        };
        self.last.set((line, off, col));
        Pos {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            col: u32::try_from(col).unwrap_or(u32::MAX),
        }
    }

    fn span(&self, r: Range<usize>) -> Span {
        Span {
            start: self.pos(r.start),
            end: self.pos(r.end.max(r.start)),
        }
    }

    /// The range the parser gave, else `fallback` (the parser gives a range to everything it
    /// produces; the fallback only keeps this total).
    fn range(&self, r: Option<Range<usize>>, fallback: Range<usize>) -> Range<usize> {
        match r {
            Some(r) if r.start <= r.end && r.end <= self.text.len() => r,
            _ => fallback,
        }
    }

    fn slice(&self, r: &Range<usize>) -> &'a str {
        self.text.get(r.clone()).unwrap_or("")
    }

    /// A nested or resource block: a `Map` of its body spanning the whole block.
    fn block_map(&self, block: &Block, whole: Range<usize>) -> Node {
        Node {
            span: self.span(whole.clone()),
            kind: Kind::Map(self.body(&block.body, whole)),
        }
    }

    /// The entries of a body; `outer` is the range of the block holding it.
    fn body(&self, body: &Body, outer: Range<usize>) -> Vec<Entry> {
        let mut entries: Vec<Entry> = Vec::new();
        // Block type → index of its entry in `entries`.
        let mut block_entries: HashMap<String, usize> = HashMap::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let whole = self.range(a.span(), outer.clone());
                    let key = self.range(a.key.span(), whole.clone());
                    entries.push(Entry {
                        key: a.key.as_str().to_string(),
                        key_span: self.span(key),
                        value: self.expr(&a.value, whole),
                    });
                }
                Structure::Block(b) => {
                    let whole = self.range(b.span(), outer.clone());
                    let ident = self.range(b.ident.span(), whole.clone());
                    let (key, key_range, value) = match (b.ident.as_str(), b.labels.first()) {
                        ("dynamic", Some(label)) => (
                            label.as_str().to_string(),
                            self.range(label.span(), ident),
                            Node {
                                span: self.span(whole.clone()),
                                kind: Kind::Expr {
                                    text: self.slice(&whole).to_string(),
                                    param: None,
                                },
                            },
                        ),
                        (name, _) => (name.to_string(), ident, self.block_map(b, whole)),
                    };
                    match block_entries.get(&key) {
                        Some(&i) => {
                            let prev = &mut entries[i].value;
                            let span = Span {
                                start: prev.span.start,
                                end: value.span.end,
                            };
                            let mut items = match std::mem::replace(&mut prev.kind, Kind::Null) {
                                Kind::List(items) => items,
                                first => vec![Node {
                                    span: prev.span,
                                    kind: first,
                                }],
                            };
                            items.push(value);
                            *prev = Node {
                                span,
                                kind: Kind::List(items),
                            };
                        }
                        None => {
                            block_entries.insert(key.clone(), entries.len());
                            entries.push(Entry {
                                key,
                                key_span: self.span(key_range),
                                value,
                            });
                        }
                    }
                }
            }
        }
        entries
    }

    /// An expression's value tree; `outer` stands in for a missing range.
    fn expr(&self, e: &Expression, outer: Range<usize>) -> Node {
        let r = self.range(e.span(), outer);
        let kind = match e {
            Expression::Null(_) => Kind::Null,
            Expression::Bool(b) => Kind::Bool(*b.value()),
            Expression::Number(n) => {
                let written = self.slice(&r);
                Kind::Num(if written.is_empty() {
                    n.value().to_string()
                } else {
                    written.to_string()
                })
            }
            Expression::String(s) => Kind::Str(s.value().clone()),
            Expression::Array(a) => Kind::List(a.iter().map(|x| self.expr(x, r.clone())).collect()),
            Expression::Object(o) => Kind::Map(
                o.iter()
                    .map(|(k, v)| {
                        let kr = self.range(k.span(), r.clone());
                        Entry {
                            key: self.object_key(k, &kr),
                            key_span: self.span(kr.clone()),
                            value: self.expr(v.expr(), kr),
                        }
                    })
                    .collect(),
            ),
            Expression::StringTemplate(t) => literal(t).map_or_else(|| self.source(&r), Kind::Str),
            // Line ends read as `\n` whatever the file uses (the parser already does so for
            // `<<-` heredocs, which it dedents).
            Expression::HeredocTemplate(h) => literal(&h.template)
                .map_or_else(|| self.source(&r), |t| Kind::Str(t.replace("\r\n", "\n"))),
            Expression::Traversal(t) => match (&t.expr, t.operators.as_slice()) {
                (Expression::Variable(root), [op]) => match (root.as_str(), op.value()) {
                    ("var", TraversalOperator::GetAttr(name)) => Kind::Expr {
                        text: format!("var.{}", name.as_str()),
                        param: Some(name.as_str().to_string()),
                    },
                    ("local", TraversalOperator::GetAttr(name)) => Kind::Expr {
                        text: format!("local.{}", name.as_str()),
                        param: None,
                    },
                    _ => self.source(&r),
                },
                _ => self.source(&r),
            },
            // `-1`: a negative number literal.
            Expression::UnaryOp(u)
                if *u.operator.value() == UnaryOperator::Neg
                    && matches!(u.expr, Expression::Number(_)) =>
            {
                Kind::Num(self.slice(&r).split_whitespace().collect())
            }
            _ => self.source(&r),
        };
        Node {
            span: self.span(r),
            kind,
        }
    }

    /// An `Expr` with the source text of `r`.
    fn source(&self, r: &Range<usize>) -> Kind {
        Kind::Expr {
            text: self.slice(r).to_string(),
            param: None,
        }
    }

    /// An object key: a name, a quoted string's value, else the key's source text.
    fn object_key(&self, k: &ObjectKey, r: &Range<usize>) -> String {
        match k {
            ObjectKey::Ident(i) => i.as_str().to_string(),
            ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
            ObjectKey::Expression(Expression::Variable(v)) => v.as_str().to_string(),
            ObjectKey::Expression(_) => self.slice(r).to_string(),
        }
    }
}

/// The text of a template made only of literal parts (no interpolation or directive).
fn literal(t: &Template) -> Option<String> {
    let mut s = String::new();
    for e in t.iter() {
        match e {
            Element::Literal(l) => s.push_str(l.value()),
            Element::Interpolation(_) | Element::Directive(_) => return None,
        }
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(line: u32, col: u32) -> Pos {
        Pos { line, col }
    }

    fn sp(l1: u32, c1: u32, l2: u32, c2: u32) -> Span {
        Span {
            start: p(l1, c1),
            end: p(l2, c2),
        }
    }

    /// The position of the `nth` occurrence of `needle`, counted independently of `Src`.
    fn find(text: &str, needle: &str, nth: usize) -> Pos {
        let off = text
            .match_indices(needle)
            .nth(nth)
            .unwrap_or_else(|| panic!("{needle:?} #{nth} not in text"))
            .0;
        let before = &text[..off];
        let line = before.matches('\n').count() as u32 + 1;
        let col = before.rsplit('\n').next().unwrap().chars().count() as u32;
        p(line, col)
    }

    fn expr(text: &str, param: Option<&str>) -> Kind {
        Kind::Expr {
            text: text.to_string(),
            param: param.map(str::to_string),
        }
    }

    fn cluster<'a>(f: &'a TfFile, name: &str) -> &'a TfResource {
        f.resources
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("no resource {name}"))
    }

    const V4: &str = r#"terraform {
  required_providers {
    azurerm = { source = "hashicorp/azurerm", version = "~> 4.0" }
  }
}

variable "k8s_version" {
  type    = string
  default = "1.34"
}

variable "admins" {
  type = string
}

locals {
  name = "aks-prod"
  tags = { env = "prod", "cost-center" = 42 }
}

# Cluster de producción — politique réseau « cilium »
resource "azurerm_kubernetes_cluster" "aks" {
  name                = "${local.name}-aks"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  dns_prefix          = local.name
  kubernetes_version  = var.k8s_version

  local_account_disabled    = true
  automatic_upgrade_channel = "patch"
  node_os_upgrade_channel   = "NodeImage"
  oidc_issuer_enabled       = true
  workload_identity_enabled = false
  image_cleaner_interval_hours = 48

  default_node_pool {
    name                 = "system"
    vm_size              = "Standard_D4ds_v5"
    node_count           = 3
    orchestrator_version = "1.35"
    zones                = ["1", "2", "3"]
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin     = "azure"
    network_policy     = "cilium"
    network_data_plane = "cilium"
  }

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled     = true
    admin_group_object_ids = [var.admins]
  }

  microsoft_defender {
    log_analytics_workspace_id = azurerm_log_analytics_workspace.x.id
  }

  api_server_access_profile {
    authorized_ip_ranges = ["203.0.113.0/24"]
  }

  maintenance_window_auto_upgrade {
    frequency   = "Weekly"
    interval    = 1
    duration    = 4
    day_of_week = "Sunday"
    start_time  = "02:00"
    utc_offset  = "+00:00"
  }

  maintenance_window_node_os {
    frequency  = "Daily"
    interval   = 1
    duration   = 4
    start_time = "03:00"
  }

  tags = local.tags
}
"#;

    #[test]
    fn v4_cluster() {
        let f = read(V4).unwrap();
        assert_eq!(f.resources.len(), 1);
        let r = &f.resources[0];
        assert_eq!(r.type_name, "azurerm_kubernetes_cluster");
        assert_eq!(r.name, "aks");
        // Line 22, after a comment line with non-ASCII characters.
        assert_eq!(r.header_span, sp(22, 0, 22, 43));
        assert_eq!(r.body.span.start, p(22, 0));
        assert_eq!(r.body.span.end, p(84, 1));

        let b = &r.body;
        assert_eq!(
            b.get("local_account_disabled").unwrap().kind,
            Kind::Bool(true)
        );
        assert_eq!(
            b.get("automatic_upgrade_channel").unwrap().str(),
            Some("patch")
        );
        assert_eq!(
            b.get("node_os_upgrade_channel").unwrap().str(),
            Some("NodeImage")
        );
        assert_eq!(
            b.get("image_cleaner_interval_hours").unwrap().kind,
            Kind::Num("48".into())
        );
        assert_eq!(
            b.get("kubernetes_version").unwrap().kind,
            expr("var.k8s_version", Some("k8s_version"))
        );
        assert_eq!(b.get("dns_prefix").unwrap().kind, expr("local.name", None));
        assert_eq!(
            b.get("name").unwrap().kind,
            expr("\"${local.name}-aks\"", None)
        );
        assert_eq!(
            b.get("location").unwrap().kind,
            expr("azurerm_resource_group.rg.location", None)
        );

        let np = b.entry_at(&["network_profile", "network_policy"]).unwrap();
        assert_eq!(np.value.str(), Some("cilium"));
        assert_eq!(np.key_span, sp(50, 4, 50, 18));
        assert_eq!(np.value.span, sp(50, 25, 50, 33));
        assert_eq!(
            b.entry_at(&["network_profile", "network_data_plane"])
                .unwrap()
                .value
                .str(),
            Some("cilium")
        );
        let npe = b.entry("network_profile").unwrap();
        assert_eq!(npe.key_span, sp(48, 2, 48, 17));
        assert_eq!(npe.value.span, sp(48, 2, 52, 3));

        let aad = b
            .get("azure_active_directory_role_based_access_control")
            .unwrap();
        assert_eq!(
            aad.get("azure_rbac_enabled").unwrap().kind,
            Kind::Bool(true)
        );
        let admins = aad.get("admin_group_object_ids").unwrap();
        assert_eq!(admins.items().len(), 1);
        assert_eq!(admins.items()[0].kind, expr("var.admins", Some("admins")));
        assert_eq!(admins.items()[0].span, sp(56, 30, 56, 40));

        assert_eq!(
            b.entry_at(&["microsoft_defender", "log_analytics_workspace_id"])
                .unwrap()
                .value
                .kind,
            expr("azurerm_log_analytics_workspace.x.id", None)
        );
        let ranges = b
            .entry_at(&["api_server_access_profile", "authorized_ip_ranges"])
            .unwrap();
        assert_eq!(ranges.value.items()[0].str(), Some("203.0.113.0/24"));
        assert_eq!(ranges.value.span, sp(64, 27, 64, 45));
        assert_eq!(ranges.value.items()[0].span, sp(64, 28, 64, 44));

        let dnp = b.get("default_node_pool").unwrap();
        let ov = dnp.entry("orchestrator_version").unwrap();
        assert_eq!(ov.value.str(), Some("1.35"));
        assert_eq!(ov.key_span.start, find(V4, "orchestrator_version", 0));
        assert_eq!(ov.value.span.start, find(V4, "\"1.35\"", 0));
        assert_eq!(dnp.get("node_count").unwrap().kind, Kind::Num("3".into()));
        let zones: Vec<_> = dnp
            .get("zones")
            .unwrap()
            .items()
            .iter()
            .map(|z| z.str())
            .collect();
        assert_eq!(zones, [Some("1"), Some("2"), Some("3")]);

        let mw = b.get("maintenance_window_auto_upgrade").unwrap();
        assert_eq!(mw.get("frequency").unwrap().str(), Some("Weekly"));
        assert_eq!(mw.get("utc_offset").unwrap().str(), Some("+00:00"));
        assert_eq!(
            b.entry_at(&["maintenance_window_node_os", "frequency"])
                .unwrap()
                .value
                .str(),
            Some("Daily")
        );
        assert_eq!(b.get("tags").unwrap().kind, expr("local.tags", None));

        // Source order of the top-level entries.
        let keys: Vec<_> = b.entries().iter().map(|e| e.key.as_str()).collect();
        assert_eq!(
            keys[..5],
            [
                "name",
                "location",
                "resource_group_name",
                "dns_prefix",
                "kubernetes_version"
            ]
        );
        assert_eq!(keys.last(), Some(&"tags"));

        // Variables (only those with a default) and locals.
        assert_eq!(f.variables.len(), 1);
        let v = &f.variables["k8s_version"];
        assert_eq!(v.str(), Some("1.34"));
        assert_eq!(v.span, sp(9, 12, 9, 18));
        assert_eq!(f.locals["name"].str(), Some("aks-prod"));
        let tags = &f.locals["tags"];
        assert_eq!(tags.get("env").unwrap().str(), Some("prod"));
        let cc = tags.entry("cost-center").unwrap();
        assert_eq!(cc.value.kind, Kind::Num("42".into()));
        assert_eq!(cc.key_span, sp(18, 25, 18, 38));
    }

    #[test]
    fn every_key_span_reads_its_key() {
        let f = read(V4).unwrap();
        let lines: Vec<&str> = V4.lines().collect();
        fn walk(n: &Node, lines: &[&str], seen: &mut usize) {
            for e in n.entries() {
                assert_eq!(e.key_span.start.line, e.key_span.end.line);
                let line = lines[e.key_span.start.line as usize - 1];
                let text: String = line
                    .chars()
                    .skip(e.key_span.start.col as usize)
                    .take((e.key_span.end.col - e.key_span.start.col) as usize)
                    .collect();
                assert_eq!(text.trim_matches('"'), e.key, "{e:?}");
                assert!(
                    e.key_span.end <= e.value.span.end || e.value.span.start < e.key_span.start
                );
                *seen += 1;
                walk(&e.value, lines, seen);
            }
            for i in n.items() {
                walk(i, lines, seen);
            }
        }
        let mut seen = 0;
        walk(&f.resources[0].body, &lines, &mut seen);
        assert!(seen > 40, "{seen}");
    }

    #[test]
    fn v3_cluster_and_node_pool() {
        let text = r#"resource "azurerm_kubernetes_cluster" "legacy" {
  name                            = "aks-legacy"
  automatic_channel_upgrade       = "stable"
  node_os_channel_upgrade         = "SecurityPatch"
  api_server_authorized_ip_ranges = ["10.0.0.0/8", "0.0.0.0/0"]
  public_network_access_enabled   = false

  azure_active_directory_role_based_access_control {
    managed            = true
    azure_rbac_enabled = false
  }

  network_profile {
    network_plugin  = "kubenet"
    network_policy  = "calico"
    ebpf_data_plane = "cilium"
  }

  default_node_pool {
    name                = "default"
    enable_auto_scaling = true
    min_count           = 1
    max_count           = 5
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "win" {
  name                  = "win"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.legacy.id
  os_type               = "Windows"
  orchestrator_version  = var.win_version
  node_count            = var.enabled ? 2 : 0
  node_taints           = ["os=windows:NoSchedule"]
}
"#;
        let f = read(text).unwrap();
        assert_eq!(f.resources.len(), 2);
        let c = cluster(&f, "legacy");
        assert_eq!(c.header_span, sp(1, 0, 1, 46));
        let b = &c.body;
        assert_eq!(
            b.get("automatic_channel_upgrade").unwrap().str(),
            Some("stable")
        );
        assert_eq!(
            b.get("node_os_channel_upgrade").unwrap().str(),
            Some("SecurityPatch")
        );
        let ranges = b.entry("api_server_authorized_ip_ranges").unwrap();
        assert_eq!(ranges.key_span, sp(5, 2, 5, 33));
        let items: Vec<_> = ranges.value.items().iter().map(|x| x.str()).collect();
        assert_eq!(items, [Some("10.0.0.0/8"), Some("0.0.0.0/0")]);
        assert_eq!(ranges.value.items()[1].span, sp(5, 51, 5, 62));
        assert_eq!(
            b.get("public_network_access_enabled").unwrap().kind,
            Kind::Bool(false)
        );
        let managed = b
            .entry_at(&[
                "azure_active_directory_role_based_access_control",
                "managed",
            ])
            .unwrap();
        assert_eq!(managed.value.kind, Kind::Bool(true));
        assert_eq!(managed.key_span, sp(9, 4, 9, 11));
        assert_eq!(managed.value.span, sp(9, 25, 9, 29));
        assert_eq!(
            b.entry_at(&["network_profile", "ebpf_data_plane"])
                .unwrap()
                .value
                .str(),
            Some("cilium")
        );
        assert_eq!(
            b.entry_at(&["default_node_pool", "enable_auto_scaling"])
                .unwrap()
                .value
                .kind,
            Kind::Bool(true)
        );

        let np = cluster(&f, "win");
        assert_eq!(np.type_name, "azurerm_kubernetes_cluster_node_pool");
        assert_eq!(np.header_span, sp(27, 0, 27, 53));
        assert_eq!(np.body.get("os_type").unwrap().str(), Some("Windows"));
        assert_eq!(
            np.body.get("orchestrator_version").unwrap().kind,
            expr("var.win_version", Some("win_version"))
        );
        assert_eq!(
            np.body.get("node_count").unwrap().kind,
            expr("var.enabled ? 2 : 0", None)
        );
        assert_eq!(
            np.body.get("kubernetes_cluster_id").unwrap().kind,
            expr("azurerm_kubernetes_cluster.legacy.id", None)
        );
    }

    #[test]
    fn non_ascii_columns_are_code_points() {
        let text = "# Größe: ≥ 3 — ✓ 🚀\nresource \"azurerm_kubernetes_cluster\" \"é\" {\n  ß = 1 /* ✓ */ \n  network_profile { network_policy = \"azure\" }\n}\n";
        let f = read(text).unwrap();
        let r = &f.resources[0];
        assert_eq!(r.name, "é");
        // 41 code points (42 bytes).
        assert_eq!(r.header_span, sp(2, 0, 2, 41));
        let b = r.body.entry("ß").unwrap();
        assert_eq!(b.key_span, sp(3, 2, 3, 3));
        assert_eq!(b.value.span, sp(3, 6, 3, 7));
        let e = r
            .body
            .entry_at(&["network_profile", "network_policy"])
            .unwrap();
        assert_eq!(e.key_span, sp(4, 20, 4, 34));
        assert_eq!(e.value.span, sp(4, 37, 4, 44));
        assert_eq!(r.body.span, sp(2, 0, 5, 1));

        // Non-ASCII before the key on its own line.
        let text = "locals {\n  é = \"ü\" # ✓\n  ok = { \"ключ\" = \"значение\", b = true }\n}\n";
        let f = read(text).unwrap();
        assert_eq!(f.locals["é"].span, sp(2, 6, 2, 9));
        let ok = &f.locals["ok"];
        let k = ok.entry("ключ").unwrap();
        assert_eq!(k.key_span, sp(3, 9, 3, 15));
        assert_eq!(k.value.span, sp(3, 18, 3, 28));
        assert_eq!(ok.entry("b").unwrap().key_span, sp(3, 30, 3, 31));
    }

    #[test]
    fn repeated_blocks_become_a_list() {
        let text = r#"resource "azurerm_kubernetes_cluster" "aks" {
  maintenance_window {
    allowed {
      day   = "Saturday"
      hours = [1, 2]
    }
    allowed {
      day   = "Sunday"
      hours = [3]
    }
    not_allowed {
      start = "2026-12-24T00:00:00Z"
      end   = "2026-12-26T00:00:00Z"
    }
  }
}
"#;
        let f = read(text).unwrap();
        let mw = f.resources[0].body.get("maintenance_window").unwrap();
        let allowed = mw.entry("allowed").unwrap();
        assert_eq!(allowed.key_span, sp(3, 4, 3, 11));
        assert_eq!(allowed.value.span, sp(3, 4, 10, 5));
        let items = allowed.value.items();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].get("day").unwrap().str(), Some("Saturday"));
        assert_eq!(items[0].span, sp(3, 4, 6, 5));
        assert_eq!(items[1].get("day").unwrap().str(), Some("Sunday"));
        assert_eq!(items[1].span, sp(7, 4, 10, 5));
        assert_eq!(
            items[0].get("hours").unwrap().items()[1].kind,
            Kind::Num("2".into())
        );
        // A single block stays a map.
        let na = mw.get("not_allowed").unwrap();
        assert!(matches!(na.kind, Kind::Map(_)));
        let keys: Vec<_> = mw.entries().iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["allowed", "not_allowed"]);
    }

    #[test]
    fn dynamic_block_is_an_expression() {
        let text = r#"resource "azurerm_kubernetes_cluster" "aks" {
  dynamic "microsoft_defender" {
    for_each = var.defender ? [1] : []
    content {
      log_analytics_workspace_id = var.workspace
    }
  }
  network_profile {
    network_plugin = "azure"
  }
}
"#;
        let f = read(text).unwrap();
        let b = &f.resources[0].body;
        let d = b.entry("microsoft_defender").unwrap();
        assert_eq!(d.key_span, sp(2, 10, 2, 30));
        assert_eq!(d.value.span, sp(2, 2, 7, 3));
        match &d.value.kind {
            Kind::Expr { text, param } => {
                assert!(
                    text.starts_with("dynamic \"microsoft_defender\" {"),
                    "{text}"
                );
                assert!(text.ends_with('}'));
                assert_eq!(*param, None);
            }
            k => panic!("{k:?}"),
        }
        assert!(b.get("dynamic").is_none());
        assert_eq!(
            b.entry_at(&["network_profile", "network_plugin"])
                .unwrap()
                .value
                .str(),
            Some("azure")
        );
    }

    #[test]
    fn expressions() {
        let text = r#"locals {
  s     = "plain\ttab \"q\" $${not} %%{not}"
  n     = null
  f     = 1.50
  neg   = -3
  e     = 1e3
  t     = "${var.x}-aks"
  only  = "${var.x}"
  call  = lower("AKS")
  cond  = var.a ? "x" : "y"
  deep  = var.obj.field
  idx   = var.list[0]
  splat = azurerm_subnet.s[*].id
  for   = [for x in var.xs : upper(x)]
  op    = 1 + 2
  not   = !true
  paren = ("p")
  bare  = each
  nested = [[1, "a"], { k = [true] }]
  empty = ""
  eobj  = {}
  objk  = { (var.k) = 1, "${var.p}" = 2 }
  h1 = <<EOT
line one
  line two
EOT
  h2 = <<-EOT
    indented
      more
    EOT
  h3 = <<EOT
hello ${var.who}
EOT
  h4 = <<EOT
%{ if true }yes%{ endif }
EOT
}
"#;
        let f = read(text).unwrap();
        let l = |k: &str| &f.locals[k].kind;
        assert_eq!(*l("s"), Kind::Str("plain\ttab \"q\" ${not} %{not}".into()));
        assert_eq!(*l("n"), Kind::Null);
        assert_eq!(*l("f"), Kind::Num("1.50".into()));
        assert_eq!(*l("neg"), Kind::Num("-3".into()));
        assert_eq!(*l("e"), Kind::Num("1e3".into()));
        assert_eq!(*l("t"), expr("\"${var.x}-aks\"", None));
        assert_eq!(*l("only"), expr("\"${var.x}\"", None));
        assert_eq!(*l("call"), expr("lower(\"AKS\")", None));
        assert_eq!(*l("cond"), expr("var.a ? \"x\" : \"y\"", None));
        assert_eq!(*l("deep"), expr("var.obj.field", None));
        assert_eq!(*l("idx"), expr("var.list[0]", None));
        assert_eq!(*l("splat"), expr("azurerm_subnet.s[*].id", None));
        assert_eq!(*l("for"), expr("[for x in var.xs : upper(x)]", None));
        assert_eq!(*l("op"), expr("1 + 2", None));
        assert_eq!(*l("not"), expr("!true", None));
        assert_eq!(*l("paren"), expr("(\"p\")", None));
        assert_eq!(*l("bare"), expr("each", None));
        let nested = &f.locals["nested"];
        assert_eq!(nested.items()[0].items()[1].str(), Some("a"));
        assert_eq!(
            nested.items()[1].get("k").unwrap().items()[0].kind,
            Kind::Bool(true)
        );
        assert_eq!(*l("empty"), Kind::Str(String::new()));
        assert_eq!(*l("eobj"), Kind::Map(vec![]));
        let keys: Vec<_> = f.locals["objk"]
            .entries()
            .iter()
            .map(|e| e.key.as_str())
            .collect();
        assert_eq!(keys, ["(var.k)", "\"${var.p}\""]);
        assert_eq!(*l("h1"), Kind::Str("line one\n  line two\n".into()));
        assert_eq!(*l("h2"), Kind::Str("indented\n  more\n".into()));
        assert_eq!(f.locals["h1"].span, sp(23, 7, 26, 3));
        assert_eq!(*l("h3"), expr("<<EOT\nhello ${var.who}\nEOT", None));
        assert!(matches!(l("h4"), Kind::Expr { param: None, .. }));
    }

    #[test]
    fn syntax_error_has_a_position() {
        let text = "resource \"azurerm_kubernetes_cluster\" \"aks\" {\n  name = \n}\n";
        let e = read(text).unwrap_err();
        assert_eq!(e.pos.line, 2);
        assert!(!e.message.is_empty());

        let e = read("locals {\n  ü = 1\n  é é\n}\n").unwrap_err();
        assert_eq!(e.pos.line, 3);
        assert!(e.pos.col <= 5, "{e:?}");

        let e = read("resource \"a\" \"b\" {\n  x = [1, 2\n").unwrap_err();
        assert!(e.pos.line >= 2, "{e:?}");
        assert!(e.to_string().starts_with(&format!("{}:", e.pos.line)));

        // Too deep for the parser: an error, not a stack overflow.
        let deep = format!("a = {}1{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert!(read(&deep).is_err());
    }

    #[test]
    fn crlf_and_bom() {
        let text = V4.replace('\n', "\r\n");
        let f = read(&text).unwrap();
        let lf = read(V4).unwrap();
        // Same positions: `\r` only ends lines' contents.
        assert_eq!(f.resources[0].header_span, lf.resources[0].header_span);
        let b = &f.resources[0].body;
        let e = b.entry_at(&["network_profile", "network_policy"]).unwrap();
        assert_eq!(e.key_span, sp(50, 4, 50, 18));
        assert_eq!(e.value.span, sp(50, 25, 50, 33));
        assert_eq!(e.value.str(), Some("cilium"));
        assert_eq!(b.get("tags").unwrap().kind, expr("local.tags", None));
        assert_eq!(f.variables, lf.variables);
        assert_eq!(f.locals, lf.locals);
        // Block spans end at the same `}`.
        assert_eq!(b.span, lf.resources[0].body.span);

        let h = read(
            "locals {\r\n  h = <<EOT\r\na\r\nb\r\nEOT\r\n  i = <<-EOT\r\n    c\r\n    EOT\r\n}\r\n",
        )
        .unwrap();
        assert_eq!(h.locals["h"].kind, Kind::Str("a\nb\n".into()));
        assert_eq!(h.locals["h"].span, sp(2, 6, 5, 3));
        assert_eq!(h.locals["i"].kind, Kind::Str("c\n".into()));

        let f = read("\u{feff}resource \"t\" \"n\" {\n  a = 1\n}\n").unwrap();
        assert_eq!(f.resources[0].header_span, sp(1, 0, 1, 16));
        assert_eq!(
            f.resources[0].body.entry("a").unwrap().key_span,
            sp(2, 2, 2, 3)
        );
    }

    #[test]
    fn other_blocks_are_skipped() {
        let text = r#"
provider "azurerm" {
  features {}
}
data "azurerm_client_config" "current" {}
module "aks" {
  source = "./modules/aks"
}
resource "only_one_label" {
  a = 1
}
variable "no_default" {}
variable "nulled" {
  default = null
}
variable "obj" {
  default = {
    network_policy = "azure"
  }
}
locals {
  a = 1
}
locals {
  b = local.a
}
resource "azurerm_kubernetes_cluster" "empty" {}
"#;
        let f = read(text).unwrap();
        assert_eq!(f.resources.len(), 1);
        assert_eq!(f.resources[0].name, "empty");
        assert_eq!(f.resources[0].body.entries().len(), 0);
        assert_eq!(f.variables.len(), 2);
        assert_eq!(f.variables["nulled"].kind, Kind::Null);
        assert_eq!(
            f.variables["obj"].get("network_policy").unwrap().str(),
            Some("azure")
        );
        assert_eq!(f.locals.len(), 2);
        assert_eq!(f.locals["b"].kind, expr("local.a", None));

        assert_eq!(read("").unwrap(), TfFile::default());
        assert_eq!(read("# only a comment\n").unwrap(), TfFile::default());
    }

    /// Checks that every span of a tree lies inside the text.
    fn check_spans(n: &Node, lines: &[usize]) {
        let ok = |s: &Span| {
            assert!(s.start <= s.end, "{s:?}");
            for q in [s.start, s.end] {
                let len = *lines.get(q.line as usize - 1).expect("line in text");
                assert!(q.col as usize <= len, "{q:?}");
            }
        };
        ok(&n.span);
        for e in n.entries() {
            ok(&e.key_span);
            check_spans(&e.value, lines);
        }
        for i in n.items() {
            check_spans(i, lines);
        }
    }

    fn check(s: &str) {
        let lines: Vec<usize> = s.split('\n').map(|l| l.chars().count()).collect();
        match read(s) {
            Ok(f) => {
                for r in &f.resources {
                    check_spans(&r.body, &lines);
                    check_spans(
                        &Node {
                            span: r.header_span,
                            kind: Kind::Null,
                        },
                        &lines,
                    );
                }
                for n in f.variables.values().chain(f.locals.values()) {
                    check_spans(n, &lines);
                }
            }
            Err(e) => {
                let s = s.strip_prefix('\u{feff}').unwrap_or(s);
                let lines: Vec<usize> = s.split('\n').map(|l| l.chars().count()).collect();
                assert!((e.pos.line as usize) <= lines.len(), "{e:?}");
                assert!(
                    e.pos.col as usize <= lines[e.pos.line as usize - 1],
                    "{e:?}"
                );
            }
        }
    }

    /// Builds a valid file from `ops` (blocks, attributes, comments with non-ASCII text, CRLF
    /// or LF line ends) and checks that every key span reads its key and every string value
    /// span reads the quoted string.
    fn check_generated(ops: &[(u8, String, String, bool)]) {
        let mut text =
            String::from("# ✓ généré\nresource \"azurerm_kubernetes_cluster\" \"x\" {\n");
        let mut depth = 1;
        for (i, (op, name, value, crlf)) in ops.iter().enumerate() {
            // Attribute names are unique in a body; block types may repeat.
            let attr = format!("{name}_{i}");
            let nl = if *crlf { "\r\n" } else { "\n" };
            let indent = "  ".repeat(depth);
            match op % 6 {
                0 if depth < 6 => {
                    text += &format!("{indent}{name} {{ # ü{nl}");
                    depth += 1;
                }
                1 if depth > 1 => {
                    depth -= 1;
                    text += &format!("{}}}{nl}", "  ".repeat(depth));
                }
                2 => text += &format!("{indent}{attr} = \"{value}\" /* ∑ */{nl}"),
                3 => text += &format!("{indent}{attr} = [1, \"{value}\", var.{name}]{nl}"),
                4 => text += &format!("{indent}dynamic \"{name}\" {{{nl}{indent}}}{nl}"),
                _ => {
                    text += &format!(
                        "{indent}# — {value}{nl}{indent}{attr} = {{ \"{value}\" = true }}{nl}"
                    )
                }
            }
        }
        while depth > 0 {
            depth -= 1;
            text += &format!("{}}}\n", "  ".repeat(depth));
        }
        let f = read(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        let lines: Vec<&str> = text.split('\n').collect();
        let at = |s: &Span| -> String {
            assert_eq!(s.start.line, s.end.line, "{s:?}");
            lines[s.start.line as usize - 1]
                .chars()
                .skip(s.start.col as usize)
                .take((s.end.col - s.start.col) as usize)
                .collect()
        };
        fn walk(n: &Node, at: &dyn Fn(&Span) -> String) {
            for e in n.entries() {
                let k = at(&e.key_span);
                assert!(k == e.key || k == format!("\"{}\"", e.key), "{k:?} {e:?}");
                if let Kind::Str(v) = &e.value.kind {
                    assert_eq!(at(&e.value.span), format!("\"{v}\""));
                }
                walk(&e.value, at);
            }
            for i in n.items() {
                if let Kind::Str(v) = &i.kind {
                    assert_eq!(at(&i.span), format!("\"{v}\""));
                }
                walk(i, at);
            }
        }
        assert_eq!(f.resources.len(), 1);
        walk(&f.resources[0].body, &at);
        check(&text);
    }

    proptest::proptest! {
        #[test]
        fn generated_files_read_back(ops in proptest::collection::vec(
            (0u8..6, "[a-zß][a-z0-9_é]{0,6}", "[a-z0-9 äπ✓/.-]{0,8}", proptest::bool::ANY), 0..40)) {
            check_generated(&ops);
        }

        #[test]
        fn never_panics(s in "(\\PC|[-{}\\[\\]()\"=:,.$%<#*/\\n\\r\\t ]){0,200}") {
            check(&s);
        }

        #[test]
        fn never_panics_hclish(parts in proptest::collection::vec(proptest::prop_oneof![
            proptest::strategy::Just("resource \"azurerm_kubernetes_cluster\" \"x\" {\n".to_string()),
            proptest::strategy::Just("dynamic \"d\" {\n".to_string()),
            proptest::strategy::Just("variable \"v\" {\n".to_string()),
            proptest::strategy::Just("locals {\n".to_string()),
            proptest::strategy::Just("}\n".to_string()),
            proptest::strategy::Just("<<-EOT\n  a ${b}\n  EOT\n".to_string()),
            "[a-zé_]{1,6}( = |\\{|\\n|\\[|\\]|\"|\\$\\{|, |\\r\\n| # ü\\n|-|\\.)",
            "[0-9.e+-]{1,5}",
        ], 0..40)) {
            check(&parts.concat());
        }
    }
}
