use super::*;

/// The illustrative Bicep of the AKS facts sheet (§1c).
const SAMPLE: &str = r#"param location string = resourceGroup().location
param adminGroupObjectId string
param lawId string   // Log Analytics workspace resource ID

resource aks 'Microsoft.ContainerService/managedClusters@2026-10-01' = {
  name: 'aks-prod'
  location: location
  sku: {
    name: 'Base'
    tier: 'Standard'
  }
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    kubernetesVersion: '1.35'            // major.minor alias: latest GA patch is chosen
    dnsPrefix: 'aksprod'
    enableRBAC: true                     // Kubernetes RBAC
    disableLocalAccounts: true           // no static admin kubeconfig
    aadProfile: {
      managed: true
      enableAzureRBAC: true
      adminGroupObjectIDs: [
        adminGroupObjectId
      ]
      tenantID: tenant().tenantId
    }
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      networkDataplane: 'cilium'
      networkPolicy: 'cilium'
    }
    autoUpgradeProfile: {
      upgradeChannel: 'patch'            // rapid | stable | patch | node-image | none
      nodeOSUpgradeChannel: 'NodeImage'  // None | Unmanaged | NodeImage | SecurityPatch
    }
    apiServerAccessProfile: {
      authorizedIPRanges: [
        '203.0.113.0/24'                 // or: enablePrivateCluster: true
      ]
    }
    oidcIssuerProfile: {
      enabled: true
    }
    securityProfile: {
      defender: {
        logAnalyticsWorkspaceResourceId: lawId
        securityMonitoring: {
          enabled: true
        }
      }
      workloadIdentity: {
        enabled: true
      }
      imageCleaner: {
        enabled: true
        intervalHours: 168
      }
    }
    addonProfiles: {
      azurepolicy: {
        enabled: true
      }
    }
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        count: 3
        vmSize: 'Standard_D4ds_v5'
        osType: 'Linux'
      }
    ]
  }
}

resource winPool 'Microsoft.ContainerService/managedClusters/agentPools@2026-10-01' = {
  parent: aks
  name: 'win1'                           // Windows pool names: 6 characters or less
  properties: {
    mode: 'User'
    osType: 'Windows'
    osSKU: 'Windows2022'
    count: 2
    vmSize: 'Standard_D4ds_v5'
    orchestratorVersion: '1.35'
  }
}

resource nodeOsWindow 'Microsoft.ContainerService/managedClusters/maintenanceConfigurations@2026-10-01' = {
  parent: aks
  name: 'aksManagedNodeOSUpgradeSchedule'
  properties: {
    maintenanceWindow: {
      schedule: {
        weekly: {
          intervalWeeks: 1
          dayOfWeek: 'Sunday'
        }
      }
      durationHours: 4
      startTime: '02:00'
      utcOffset: '+00:00'
    }
  }
}
"#;

fn p(line: u32, col: u32) -> Pos {
    Pos { line, col }
}

fn sp(l1: u32, c1: u32, l2: u32, c2: u32) -> Span {
    Span {
        start: p(l1, c1),
        end: p(l2, c2),
    }
}

fn ok(text: &str) -> BicepFile {
    let (f, e) = read(text);
    assert_eq!(e, None, "unexpected error in:\n{text}");
    f
}

fn expr(n: &Node) -> (&str, Option<&str>) {
    match &n.kind {
        Kind::Expr { text, param } => (text.as_str(), param.as_deref()),
        k => panic!("not an Expr: {k:?}"),
    }
}

fn var(f: &BicepFile, name: &str) -> Node {
    f.vars
        .get(name)
        .unwrap_or_else(|| panic!("no var {name}"))
        .clone()
}

type Summary<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, bool);

fn summary(f: &BicepFile) -> Vec<Summary<'_>> {
    f.resources
        .iter()
        .map(|r| {
            (
                r.symbol.as_str(),
                r.type_name.as_str(),
                r.api_version.as_str(),
                r.parent.as_deref(),
                r.existing,
            )
        })
        .collect()
}

#[test]
fn sample_resources_types_versions_parents() {
    let f = ok(SAMPLE);
    assert_eq!(
        summary(&f),
        [
            (
                "aks",
                "Microsoft.ContainerService/managedClusters",
                "2026-10-01",
                None,
                false
            ),
            (
                "winPool",
                "Microsoft.ContainerService/managedClusters/agentPools",
                "2026-10-01",
                Some("aks"),
                false
            ),
            (
                "nodeOsWindow",
                "Microsoft.ContainerService/managedClusters/maintenanceConfigurations",
                "2026-10-01",
                Some("aks"),
                false
            ),
        ]
    );
    let aks = &f.resources[0];
    assert_eq!(aks.type_span, sp(5, 13, 5, 68));
    assert_eq!(aks.body.span, sp(5, 71, 76, 1));
    assert_eq!(aks.body.get("name").and_then(Node::str), Some("aks-prod"));
    assert_eq!(
        expr(aks.body.get("location").unwrap()),
        ("location", Some("location"))
    );
    assert_eq!(
        f.resources[1]
            .body
            .entry_at(&["properties", "osSKU"])
            .unwrap()
            .value
            .str(),
        Some("Windows2022")
    );
    let window = f.resources[2]
        .body
        .entry_at(&["properties", "maintenanceWindow", "durationHours"])
        .unwrap();
    assert_eq!(window.value.kind, Kind::Num("4".into()));
}

#[test]
fn sample_positions() {
    let f = ok(SAMPLE);
    let body = &f.resources[0].body;
    let np = body
        .entry_at(&["properties", "networkProfile", "networkPolicy"])
        .unwrap();
    assert_eq!(np.key_span, sp(32, 6, 32, 19));
    assert_eq!(np.value.span, sp(32, 21, 32, 29));
    assert_eq!(np.value.kind, Kind::Str("cilium".into()));
    let rbac = body.entry_at(&["properties", "enableRBAC"]).unwrap();
    assert_eq!(rbac.key_span, sp(18, 4, 18, 14));
    assert_eq!(rbac.value.span, sp(18, 16, 18, 20));
    assert_eq!(rbac.value.kind, Kind::Bool(true));
    let pools = body
        .get("properties")
        .unwrap()
        .get("agentPoolProfiles")
        .unwrap();
    assert_eq!(pools.span, sp(66, 23, 74, 5));
    assert_eq!(pools.items().len(), 1);
    assert_eq!(
        pools.items()[0].get("count").unwrap().kind,
        Kind::Num("3".into())
    );
    assert_eq!(pools.items()[0].span, sp(67, 6, 73, 7));
}

#[test]
fn sample_params_and_expressions() {
    let f = ok(SAMPLE);
    assert_eq!(
        f.params.len(),
        1,
        "only params with a default: {:?}",
        f.params.keys()
    );
    let loc = &f.params["location"];
    assert_eq!(expr(loc), ("resourceGroup().location", None));
    assert_eq!(loc.span, sp(1, 24, 1, 48));
    let aad = f.resources[0]
        .body
        .entry_at(&["properties", "aadProfile"])
        .unwrap();
    let admins = aad.value.get("adminGroupObjectIDs").unwrap();
    assert_eq!(admins.items().len(), 1);
    assert_eq!(
        expr(&admins.items()[0]),
        ("adminGroupObjectId", Some("adminGroupObjectId"))
    );
    assert_eq!(admins.items()[0].span, sp(24, 8, 24, 26));
    assert_eq!(
        expr(aad.value.get("tenantID").unwrap()),
        ("tenant().tenantId", None)
    );
    let law = f.resources[0]
        .body
        .entry_at(&[
            "properties",
            "securityProfile",
            "defender",
            "logAnalyticsWorkspaceResourceId",
        ])
        .unwrap();
    assert_eq!(expr(&law.value), ("lawId", Some("lawId")));
    let ranges = f.resources[0]
        .body
        .entry_at(&["properties", "apiServerAccessProfile", "authorizedIPRanges"])
        .unwrap();
    assert_eq!(ranges.value.items()[0].str(), Some("203.0.113.0/24"));
}

#[test]
fn crlf_gives_the_same_positions() {
    let crlf = SAMPLE.replace('\n', "\r\n");
    assert_eq!(ok(&crlf), ok(SAMPLE));
    let f = ok("var a = '''\r\nx\r\n'''\r\nvar b = 'y'\r\n");
    assert_eq!(var(&f, "a").kind, Kind::Str("x\r\n".into()));
    assert_eq!(var(&f, "b").span, sp(4, 8, 4, 11));
}

#[test]
fn strings_escapes_interpolation_multiline() {
    let f = ok(concat!(
        "var a = 'it\\'s \\\\ \\n\\t \\$x \\u{41}\\u{1F600}'\n",
        "var b = '${prefix}-aks'\n",
        "var c = 'a${concat('}', '${x}')}b'\n",
        "var d = '''\nline1\n  it's ${raw}\n'''\n",
        "var e = '''x''''\n",
        "var f = '\\${not}'\n",
        "var g = 'é${x}'\n",
    ));
    assert_eq!(
        var(&f, "a").kind,
        Kind::Str("it's \\ \n\t $x A\u{1F600}".into())
    );
    assert_eq!(expr(&var(&f, "b")), ("'${prefix}-aks'", None));
    assert_eq!(var(&f, "b").span, sp(2, 8, 2, 23));
    assert_eq!(expr(&var(&f, "c")), ("'a${concat('}', '${x}')}b'", None));
    assert_eq!(
        var(&f, "d").kind,
        Kind::Str("line1\n  it's ${raw}\n".into())
    );
    assert_eq!(var(&f, "d").span, sp(4, 8, 7, 3));
    assert_eq!(var(&f, "e").kind, Kind::Str("x'".into()));
    assert_eq!(var(&f, "f").kind, Kind::Str("${not}".into()));
    // Columns count code points.
    assert_eq!(var(&f, "g").span, sp(10, 8, 10, 15));
}

#[test]
fn literals_and_expressions() {
    let f = ok(concat!(
        "var t = true\n",
        "var n = null\n",
        "var i = 42\n",
        "var m = -7\n",
        "var not = !enabled\n",
        "var tern = env == 'prod' ? 'Standard' : 'Free'\n",
        "var member = aks.properties.fqdn\n",
        "var idx = pools[0].name\n",
        "var par = (x)\n",
        "var nn = cfg.?tier ?? 'Free'\n",
        "var loop = [for p in pools: p.name]\n",
        "var lam = map(xs, x => x.id)\n",
        "var assert = foo!\n",
        "var multi = union(a, {\n  b: 1\n}, [\n  2\n])\n",
        "var cont = a &&\n  b\n",
        "var typed string = 'v'\n",
        "var safe = list[?0].?name\n",
    ));
    assert_eq!(expr(&var(&f, "safe")), ("list[?0].?name", None));
    assert_eq!(var(&f, "t").kind, Kind::Bool(true));
    assert_eq!(var(&f, "n").kind, Kind::Null);
    assert_eq!(var(&f, "i").kind, Kind::Num("42".into()));
    assert_eq!(var(&f, "m").kind, Kind::Num("-7".into()));
    assert_eq!(var(&f, "m").span, sp(4, 8, 4, 10));
    assert_eq!(expr(&var(&f, "not")), ("!enabled", None));
    assert_eq!(
        expr(&var(&f, "tern")),
        ("env == 'prod' ? 'Standard' : 'Free'", None)
    );
    assert_eq!(expr(&var(&f, "member")), ("aks.properties.fqdn", None));
    assert_eq!(expr(&var(&f, "idx")), ("pools[0].name", None));
    assert_eq!(expr(&var(&f, "par")), ("(x)", None));
    assert_eq!(expr(&var(&f, "nn")), ("cfg.?tier ?? 'Free'", None));
    assert_eq!(expr(&var(&f, "loop")), ("[for p in pools: p.name]", None));
    assert_eq!(expr(&var(&f, "lam")), ("map(xs, x => x.id)", None));
    assert_eq!(expr(&var(&f, "assert")), ("foo!", None));
    assert_eq!(
        expr(&var(&f, "multi")),
        ("union(a, {\n  b: 1\n}, [\n  2\n])", None)
    );
    assert_eq!(var(&f, "multi").span, sp(14, 12, 18, 2));
    assert_eq!(expr(&var(&f, "cont")), ("a &&\n  b", None));
    assert_eq!(var(&f, "typed").kind, Kind::Str("v".into()));
}

#[test]
fn comma_separated_objects_and_arrays() {
    let f = ok("var o = { a: 1, 'b-c': 'x', d: [1, 2,], }\nvar e = {}\nvar l = []\n");
    let o = var(&f, "o");
    let keys: Vec<_> = o
        .entries()
        .iter()
        .map(|e| (e.key.as_str(), e.key_span))
        .collect();
    assert_eq!(
        keys,
        [
            ("a", sp(1, 10, 1, 11)),
            ("b-c", sp(1, 16, 1, 21)),
            ("d", sp(1, 28, 1, 29))
        ]
    );
    assert_eq!(o.span, sp(1, 8, 1, 41));
    let d = o.get("d").unwrap();
    let items: Vec<_> = d.items().iter().map(|n| n.kind.clone()).collect();
    assert_eq!(items, [Kind::Num("1".into()), Kind::Num("2".into())]);
    assert_eq!(d.span, sp(1, 31, 1, 38));
    assert_eq!(var(&f, "e").kind, Kind::Map(vec![]));
    assert_eq!(var(&f, "l").kind, Kind::List(vec![]));
}

/// Existing, conditional, looped and nested resources, with decorators.
const NESTED_AND_LOOPED: &str = r#"
resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' existing = {
  name: vnetName
  resource subnet 'subnets' existing = {
    name: 'aks'
  }
}

resource aks 'Microsoft.ContainerService/managedClusters@2026-10-01' = if (deployAks) {
  name: 'c1'
  properties: {
    networkProfile: { networkPolicy: 'none' }
  }
  @description('a pool')
  resource pool 'agentPools' = {
    name: 'user'
    properties: { mode: 'User' }
  }
  resource mc 'maintenanceConfigurations@2025-10-01' = {
    name: 'default'
  }
  resource full 'Microsoft.ContainerService/managedClusters/agentPools@2024-01-01' = {
    name: 'p2'
  }
}

@batchSize(1)
resource many 'Microsoft.ContainerService/managedClusters@2026-10-01' = [for (c, i) in clusters: if (c.enabled) {
  name: c.name
  properties: {
    enableRBAC: false
  }
}]

resource simpleLoop 'Microsoft.ContainerService/managedClusters/agentPools@2026-10-01' = [for p in pools: {
  parent: many[0]
  name: p
}]
"#;

#[test]
fn conditional_loop_existing_and_nested_resources() {
    let text = NESTED_AND_LOOPED;
    let f = ok(text);
    assert_eq!(
        summary(&f),
        [
            (
                "vnet",
                "Microsoft.Network/virtualNetworks",
                "2024-05-01",
                None,
                true
            ),
            (
                "subnet",
                "Microsoft.Network/virtualNetworks/subnets",
                "2024-05-01",
                Some("vnet"),
                true
            ),
            (
                "aks",
                "Microsoft.ContainerService/managedClusters",
                "2026-10-01",
                None,
                false
            ),
            (
                "pool",
                "Microsoft.ContainerService/managedClusters/agentPools",
                "2026-10-01",
                Some("aks"),
                false
            ),
            (
                "mc",
                "Microsoft.ContainerService/managedClusters/maintenanceConfigurations",
                "2025-10-01",
                Some("aks"),
                false
            ),
            (
                "full",
                "Microsoft.ContainerService/managedClusters/agentPools",
                "2024-01-01",
                Some("aks"),
                false
            ),
            (
                "many",
                "Microsoft.ContainerService/managedClusters",
                "2026-10-01",
                None,
                false
            ),
            (
                "simpleLoop",
                "Microsoft.ContainerService/managedClusters/agentPools",
                "2026-10-01",
                Some("many"),
                false
            ),
        ]
    );
    // Nested resources are not entries of the parent's body.
    let aks = &f.resources[2];
    let keys: Vec<_> = aks.body.entries().iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["name", "properties"]);
    assert_eq!(aks.body.span, sp(9, 86, 25, 1));
    assert_eq!(
        aks.body
            .entry_at(&["properties", "networkProfile", "networkPolicy"])
            .unwrap()
            .value
            .str(),
        Some("none")
    );
    assert_eq!(f.resources[3].type_span, sp(15, 16, 15, 28));
    let many = &f.resources[6];
    assert_eq!(many.body.span, sp(28, 112, 33, 1));
    assert_eq!(
        many.body
            .entry_at(&["properties", "enableRBAC"])
            .unwrap()
            .value
            .kind,
        Kind::Bool(false)
    );
    assert_eq!(expr(many.body.get("name").unwrap()), ("c.name", None));
}

#[test]
fn decorators_and_other_declarations_are_skipped() {
    let text = r#"targetScope = 'resourceGroup'
metadata info = {
  owner: 'team'
}
import { clusterConfig } from 'types.bicep'
import * as shared from 'shared.bicep'
extension microsoftGraphV1

@description('The location')
@allowed([
  'westeurope'
  'northeurope'
])
param location string = 'westeurope'

@secure()
param secret string
param optional string?
param nullable int?

@sys.description('sku')
param tier 'Free' | 'Standard' = 'Standard'

param pools {
  name: string
  count: int?
}[] = [
  { name: 'a', count: 1 }
]

@export()
type poolType = {
  @minLength(1)
  name: string
  mode: 'System' | 'User'
}

func poolName(prefix string, i int) string => '${prefix}${i}'

func long(a string) string =>
  toLower(a)

module net './net.bicep' = if (deployNet) {
  name: 'net'
  params: {
    location: location
    ranges: [
      '10.0.0.0/8'
    ]
  }
}

module loops './x.bicep' = [for i in range(0, 2): {
  name: 'x${i}'
}]

var prefix = 'aks'

resource aks 'Microsoft.ContainerService/managedClusters@2026-10-01' = {
  name: '${prefix}-prod'
  sku: { name: 'Base', tier: tier }
}

output fqdn string = aks.properties.fqdn
output ids array = [for p in pools: {
  id: p.name
}]
output big object = cond
  ? { a: 1 }
  : { b: 2 }
"#;
    let f = ok(text);
    let mut names: Vec<_> = f.params.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(names, ["location", "pools", "tier"]);
    assert_eq!(f.params["location"].kind, Kind::Str("westeurope".into()));
    assert_eq!(f.params["location"].span, sp(14, 24, 14, 36));
    assert_eq!(f.params["tier"].str(), Some("Standard"));
    assert_eq!(
        f.params["pools"].items()[0].get("count").unwrap().kind,
        Kind::Num("1".into())
    );
    assert_eq!(f.vars.keys().collect::<Vec<_>>(), ["prefix"]);
    assert_eq!(f.resources.len(), 1);
    let aks = &f.resources[0];
    assert_eq!(
        expr(aks.body.get("name").unwrap()),
        ("'${prefix}-prod'", None)
    );
    assert_eq!(
        expr(aks.body.get("sku").unwrap().get("tier").unwrap()),
        ("tier", Some("tier"))
    );
}

#[test]
fn comments_everywhere() {
    let f = ok(
        "// head\n/* block\n over lines */ var a = { /* c */ x: 1 // tail\n  y: /* v */ 2\n}\nvar b = 'has // no comment'\n",
    );
    let a = var(&f, "a");
    assert_eq!(
        a.entries()
            .iter()
            .map(|e| e.key.as_str())
            .collect::<Vec<_>>(),
        ["x", "y"]
    );
    assert_eq!(a.get("y").unwrap().span, sp(4, 13, 4, 14));
    assert_eq!(var(&f, "b").str(), Some("has // no comment"));
}

#[test]
fn unclosed_brace_reports_its_position_and_keeps_what_was_read() {
    let text = "param p string = 'x'\n\nresource a 'A/b@1' = {\n  name: 'a'\n}\n\nresource b 'A/b@1' = {\n  name: 'b'\n  properties: {\n    x: 1\n}\n";
    let (f, e) = read(text);
    let e = e.expect("an error");
    assert_eq!(e.pos, p(7, 21), "{e:?}");
    assert!(e.message.contains("never closed"), "{e:?}");
    assert_eq!(f.resources.len(), 1);
    assert_eq!(f.resources[0].symbol, "a");
    assert_eq!(f.params["p"].str(), Some("x"));
}

#[test]
fn other_syntax_errors() {
    let cases: &[(&str, Pos)] = &[
        ("var a = 'abc\nvar b = 1\n", p(1, 8)),
        ("var a = 1\n/* open", p(2, 0)),
        ("var a = '''abc", p(1, 8)),
        ("var a = { x: 1 y: 2 }", p(1, 15)),
        ("var a = [1 2]", p(1, 11)),
        ("resource r 'A/b@1' = 5\n", p(1, 21)),
        ("resource r '${t}@1' = {}\n", p(1, 11)),
        ("var a = \n", p(1, 8)),
        ("var a = 1 2\n", p(1, 10)),
        ("}\nvar a = 1\n", p(1, 0)),
        ("output x int = (1]\n", p(1, 17)),
        ("var a = { resource r 'A/b' = {} }\n", p(1, 10)),
        ("var a = f(1;\n", p(1, 11)),
        (
            "resource r 'A/b@1' = {\n  name: 'x'\n}\n  properties: {}\n}\n",
            p(4, 2),
        ),
    ];
    for (text, pos) in cases {
        let (_, e) = read(text);
        let e = e.unwrap_or_else(|| panic!("no error for {text:?}"));
        assert_eq!(e.pos, *pos, "{text:?}: {e:?}");
    }
    // What precedes the error is kept.
    let (f, e) = read("var a = 1\nvar b = 'open\n");
    assert!(e.is_some());
    assert_eq!(var(&f, "a").kind, Kind::Num("1".into()));
    assert!(!f.vars.contains_key("b"));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for (open, close) in [
        ("{a:", "}"),
        ("[", "]"),
        ("(", ")"),
        ("f(", ")"),
        ("x[", "]"),
    ] {
        let text = format!(
            "var v = {}1{}\n",
            open.repeat(100_000),
            close.repeat(100_000)
        );
        let (_, e) = read(&text);
        assert!(
            e.is_some_and(|e| e.message.contains("too deeply")),
            "{open}"
        );
    }
    let text = format!("var v = {}", "{@".repeat(100_000));
    assert!(
        read(&text)
            .1
            .is_some_and(|e| e.message.contains("too deeply"))
    );
    let text = format!(
        "resource r 'A/b@1' = {}",
        "{resource r 'c' = ".repeat(100_000)
    );
    assert!(
        read(&text)
            .1
            .is_some_and(|e| e.message.contains("too deeply"))
    );
    let ok_depth = format!(
        "var v = {}1{}\n",
        "[".repeat(MAX_DEPTH - 2),
        "]".repeat(MAX_DEPTH - 2)
    );
    assert_eq!(read(&ok_depth).1, None);
    // Prefix operators and chains do not recurse.
    let chain = format!("var v = {}x{}\n", "!".repeat(100_000), ".y".repeat(100_000));
    assert_eq!(read(&chain).1, None);
}

#[test]
fn bom_and_empty_input() {
    assert_eq!(read(""), (BicepFile::default(), None));
    let f = ok("\u{feff}var a = 1\n");
    assert_eq!(var(&f, "a").span, sp(1, 8, 1, 9));
}

#[test]
fn large_input_reads_in_linear_time() {
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!("resource r{i} 'A/b@1' = {{\n  name: 'n{i}'\n  properties: {{ a: [1, 2, x.y(z)] }}\n}}\n"));
    }
    let started = std::time::Instant::now();
    let f = ok(&text);
    assert_eq!(f.resources.len(), 20_000);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

fn check_spans(n: &Node, end: Pos) {
    assert!(n.span.start <= n.span.end && n.span.end <= end, "{n:?}");
    for e in n.entries() {
        assert!(e.key_span.start <= e.key_span.end && e.key_span.end <= end);
        check_spans(&e.value, end);
    }
    for i in n.items() {
        check_spans(i, end);
    }
}

fn check(text: &str) {
    let (f, e) = read(text);
    let t = text.strip_prefix('\u{feff}').unwrap_or(text);
    let end = Pos {
        line: 1 + t.matches('\n').count() as u32,
        col: t.rsplit('\n').next().unwrap_or("").chars().count() as u32,
    };
    if let Some(e) = e {
        assert!(e.pos <= end, "{e:?}");
    }
    for r in &f.resources {
        check_spans(&r.body, end);
        assert!(r.type_span.end <= end);
    }
    for n in f.params.values().chain(f.vars.values()) {
        check_spans(n, end);
    }
}

const PIECES: &[&str] = &[
    "resource",
    "param",
    "var",
    "output",
    "module",
    "type",
    "func",
    "existing",
    "if",
    "for",
    "in",
    " r ",
    "'A/b@1'",
    "'agentPools'",
    " = ",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ":",
    ",",
    ".",
    "?",
    "!",
    "@",
    "@description('d')",
    "=>",
    "...",
    "'",
    "'''",
    "${",
    "'${x}'",
    "\\",
    "\n",
    "\r\n",
    " ",
    "//",
    "/*",
    "*/",
    "a",
    "1",
    "-",
    "true",
    "null",
    "é",
    "\u{feff}",
    "::",
    "?",
    ".?",
    "??",
    "#",
];

proptest::proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        check(&text);
    }

    #[test]
    fn never_panics_on_bicep_like_text(pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..80)) {
        check(&pieces.concat());
    }

    #[test]
    fn never_panics_on_edited_sample(at in 0usize..4000, len in 0usize..40, insert in proptest::sample::select(PIECES)) {
        let chars: Vec<char> = SAMPLE.chars().collect();
        let at = at.min(chars.len());
        let end = (at + len).min(chars.len());
        let mut text: String = chars[..at].iter().collect();
        text.push_str(insert);
        text.extend(&chars[end..]);
        check(&text);
    }
}
