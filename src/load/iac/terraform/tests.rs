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
}

/// The nested blocks of the V4 cluster: Entra ID, Defender, API server access, the default
/// node pool and the maintenance windows, with their spans.
#[test]
fn v4_cluster_blocks() {
    let f = read(V4).unwrap();
    let b = &f.resources[0].body;
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
}

/// The V4 file's variables (only those with a default) and locals.
#[test]
fn v4_variables_and_locals() {
    let f = read(V4).unwrap();
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
            assert!(e.key_span.end <= e.value.span.end || e.value.span.start < e.key_span.start);
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
    let mut text = String::from("# ✓ généré\nresource \"azurerm_kubernetes_cluster\" \"x\" {\n");
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
                text +=
                    &format!("{indent}# — {value}{nl}{indent}{attr} = {{ \"{value}\" = true }}{nl}")
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
