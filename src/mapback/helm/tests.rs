use super::*;

const DEPLOY: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "web.fullname" . }}
  labels:
    {{- include "web.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "web.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      {{- with .Values.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      securityContext:
        {{- toYaml .Values.podSecurityContext | nindent 8 }}
      hostNetwork: {{ .Values.hostNetwork }}
      containers:
        - name: {{ .Chart.Name }}
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          ports:
            - name: http
              containerPort: {{ .Values.service.port }}
        - name: sidecar
          image: busybox
          securityContext:
            privileged: true
"#;

/// A path written like `spec.containers[1:sidecar].image` (`[1]` for no name).
fn path(s: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in s.split('.').filter(|p| !p.is_empty()) {
        let (key, items) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Seg::Key(key.to_string()));
        }
        for it in items.split('[').filter(|x| !x.is_empty()) {
            let it = it.trim_end_matches(']');
            let (idx, name) = match it.split_once(':') {
                Some((i, n)) => (i, Some(n.to_string())),
                None => (it, None),
            };
            out.push(Seg::Item {
                index: idx.parse().unwrap(),
                name,
            });
        }
    }
    out
}

fn place(p: &str, on_key: bool, value: Option<&str>) -> Place {
    Place {
        path: path(p),
        on_key,
        value: value.map(str::to_string),
    }
}

fn keys(v: &[&str]) -> Option<Vec<Seg>> {
    Some(v.iter().map(|k| Seg::Key(k.to_string())).collect())
}

fn at(o: &Outline, kind: Option<&str>, ord: usize, p: &Place, occ: usize) -> (u32, u32, u32, bool) {
    let h = o.find(kind, ord, p, occ).expect("a hit");
    (h.line, h.col, h.end_col, h.exact)
}

#[test]
fn sidecar_privileged_is_exact() {
    let o = Outline::parse(DEPLOY);
    let p = place(
        "spec.template.spec.containers[1:sidecar].securityContext.privileged",
        true,
        Some("true"),
    );
    let h = o.find(Some("Deployment"), 0, &p, 1).unwrap();
    assert_eq!((h.line, h.col, h.end_col, h.exact), (35, 12, 22, true));
    assert_eq!(h.values_path, None);
    // Inside the value: the value's columns.
    let p = Place { on_key: false, ..p };
    assert_eq!(at(&o, Some("Deployment"), 0, &p, 1), (35, 24, 28, true));
}

#[test]
fn pod_security_context_from_values() {
    let o = Outline::parse(DEPLOY);
    let p = place(
        "spec.template.spec.securityContext.runAsUser",
        true,
        Some("0"),
    );
    let h = o.find(Some("Deployment"), 0, &p, 0).unwrap();
    assert_eq!((h.line, h.col, h.end_col, h.exact), (21, 6, 21, false));
    assert_eq!(h.values_path, keys(&["podSecurityContext", "runAsUser"]));
}

#[test]
fn host_network_inline_action() {
    let o = Outline::parse(DEPLOY);
    let p = place("spec.template.spec.hostNetwork", false, Some("true"));
    let h = o.find(Some("Deployment"), 0, &p, 0).unwrap();
    assert_eq!((h.line, h.col, h.end_col, h.exact), (23, 6, 17, true));
    assert_eq!(h.values_path, keys(&["hostNetwork"]));
}

#[test]
fn first_container_privileged_is_approximate() {
    let o = Outline::parse(DEPLOY);
    let p = place(
        "spec.template.spec.containers[0:web].securityContext.privileged",
        true,
        Some("true"),
    );
    let h = o.find(Some("Deployment"), 0, &p, 0).unwrap();
    assert_eq!((h.line, h.col, h.end_col, h.exact), (26, 10, 25, false));
    assert_eq!(h.values_path, keys(&["securityContext", "privileged"]));
    // Deeper still: the rest of the path follows, items included.
    let p = place(
        "spec.template.spec.containers[0:web].securityContext.capabilities.add[1]",
        false,
        Some("NET_RAW"),
    );
    let h = o.find(Some("Deployment"), 0, &p, 0).unwrap();
    assert_eq!(h.line, 26);
    let mut want = keys(&["securityContext", "capabilities", "add"]).unwrap();
    want.push(Seg::Item {
        index: 1,
        name: None,
    });
    assert_eq!(h.values_path, Some(want));
}

#[test]
fn container_port_and_other_keys() {
    let o = Outline::parse(DEPLOY);
    let p = place(
        "spec.template.spec.containers[0:web].ports[0:http].containerPort",
        true,
        Some("80"),
    );
    let h = o.find(Some("Deployment"), 0, &p, 0).unwrap();
    assert_eq!((h.line, h.col, h.end_col, h.exact), (31, 14, 27, true));
    assert_eq!(h.values_path, keys(&["service", "port"]));

    let p = place("spec.template.metadata.annotations.foo", true, Some("x"));
    let h = o.find(Some("Deployment"), 0, &p, 0).unwrap();
    assert_eq!((h.line, h.col, h.exact), (17, 6, false));
    assert_eq!(h.values_path, keys(&["podAnnotations", "foo"]));

    let p = place("spec.replicas", true, Some("1"));
    let h = o.find(None, 0, &p, 0).unwrap();
    assert_eq!((h.line, h.col, h.end_col, h.exact), (9, 2, 10, true));
    assert_eq!(h.values_path, keys(&["replicaCount"]));

    let p = place(
        "spec.template.spec.containers[0:web].image",
        false,
        Some("nginx:1"),
    );
    let h = o.find(None, 0, &p, 0).unwrap();
    assert_eq!((h.line, h.exact), (28, true));
    assert_eq!(h.values_path, keys(&["image", "repository"]));

    let p = place(
        "spec.template.spec.containers[1:sidecar].image",
        false,
        Some("busybox"),
    );
    let h = o.find(None, 0, &p, 1).unwrap();
    assert_eq!(
        (h.line, h.col, h.end_col, h.exact, h.values_path),
        (33, 17, 24, true, None)
    );

    // Labels come from an include: approximate, no values.
    let p = place("metadata.labels.app", true, Some("web"));
    let h = o.find(None, 0, &p, 0).unwrap();
    assert_eq!((h.line, h.col, h.exact, h.values_path), (5, 2, false, None));

    // The sequence item itself.
    let p = place("spec.template.spec.containers[1:sidecar]", false, None);
    assert_eq!(at(&o, None, 0, &p, 0), (32, 8, 9, true));

    // Nothing written at all: the kind line.
    let p = place("status.phase", true, None);
    let h = o.find(Some("Deployment"), 0, &p, 0).unwrap();
    assert_eq!(
        (h.line, h.col, h.end_col, h.exact, h.values_path),
        (2, 0, 4, false, None)
    );
}

#[test]
fn with_place_of_on_rendered_text() {
    use crate::load::load_text;
    use crate::span::Pos;
    let rendered = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          securityContext:\n            privileged: true\n        - name: sidecar\n          image: busybox\n          securityContext:\n            privileged: true\n";
    let loaded = load_text(rendered);
    let doc = &loaded.docs[0];
    let o = Outline::parse(DEPLOY);
    let p = crate::mapback::place_of(doc, Pos { line: 13, col: 12 });
    assert_eq!(at(&o, Some("Deployment"), 0, &p, 1), (35, 12, 22, true));
    let p = crate::mapback::place_of(doc, Pos { line: 9, col: 12 });
    let h = o.find(Some("Deployment"), 0, &p, 0).unwrap();
    assert_eq!((h.line, h.exact), (26, false));
    assert_eq!(h.values_path, keys(&["securityContext", "privileged"]));
}

#[test]
fn sections_chosen_by_kind_then_ordinal() {
    let t = "---\n# leading separator\napiVersion: v1\nkind: Service\nspec:\n  type: {{ .Values.service.type }}\n---\napiVersion: apps/v1\nkind: Deployment\nspec:\n  type: Recreate\n";
    let o = Outline::parse(t);
    let p = place("spec.type", false, None);
    let h = o.find(Some("Service"), 1, &p, 0).unwrap();
    assert_eq!((h.line, h.col, h.end_col), (6, 2, 6));
    assert_eq!(h.values_path, keys(&["service", "type"]));
    assert_eq!(at(&o, Some("Deployment"), 0, &p, 0), (11, 8, 16, true));
    // No kind: by ordinal among the sections that render something.
    assert_eq!(at(&o, None, 1, &p, 0).0, 11);
    assert_eq!(at(&o, None, 0, &p, 0).0, 6);
    // Kind fallback stays in the chosen section.
    let p = place("data.x", true, None);
    assert_eq!(at(&o, Some("Deployment"), 0, &p, 0), (9, 0, 4, false));

    // Two sections of the same kind: the ordinal decides.
    let t = "kind: ConfigMap\ndata:\n  a: 1\n---\nkind: ConfigMap\ndata:\n  a: 2\n";
    let o = Outline::parse(t);
    let p = place("data.a", false, Some("2"));
    assert_eq!(at(&o, Some("ConfigMap"), 1, &p, 0), (7, 5, 6, true));
    assert_eq!(at(&o, Some("ConfigMap"), 0, &p, 0).0, 3);
    // Past the sections (a range rendering more documents): all are searched.
    assert_eq!(at(&o, Some("ConfigMap"), 5, &p, 0).0, 7);
}

#[test]
fn occurrence_picks_among_equal_paths() {
    let t = "spec:\n  containers:\n    {{- with .Values.extraContainers }}\n    {{- toYaml . | nindent 4 }}\n    {{- end }}\n    - name: {{ .Values.a.name }}\n      securityContext:\n        privileged: true\n    - name: {{ .Values.b.name }}\n      securityContext:\n        privileged: true\n";
    let o = Outline::parse(t);
    // Rendered: two extra containers first, so the template's items sit at 2 and 3.
    let p = place(
        "spec.containers[2:a].securityContext.privileged",
        true,
        Some("true"),
    );
    assert_eq!(at(&o, None, 0, &p, 0), (8, 8, 18, true));
    let p = place(
        "spec.containers[3:b].securityContext.privileged",
        true,
        Some("true"),
    );
    assert_eq!(at(&o, None, 0, &p, 1), (11, 8, 18, true));
    // Items matched by index when the template has one there.
    let p = place(
        "spec.containers[1:b].securityContext.privileged",
        true,
        Some("true"),
    );
    assert_eq!(at(&o, None, 0, &p, 1), (11, 8, 18, true));
    let p = place(
        "spec.containers[0:a].securityContext.privileged",
        true,
        Some("true"),
    );
    assert_eq!(at(&o, None, 0, &p, 0), (8, 8, 18, true));
}

#[test]
fn if_else_prefers_equal_literal_value() {
    let t = "spec:\n  {{- if .Values.strict }}\n  allowPrivilegeEscalation: false\n  {{- else }}\n  allowPrivilegeEscalation: true\n  {{- end }}\n";
    let o = Outline::parse(t);
    let p = place("spec.allowPrivilegeEscalation", true, Some("true"));
    assert_eq!(at(&o, None, 0, &p, 0), (5, 2, 26, true));
    let p = place("spec.allowPrivilegeEscalation", false, Some("false"));
    assert_eq!(at(&o, None, 0, &p, 0), (3, 28, 33, true));
    // Neither: the first, by occurrence.
    let p = place("spec.allowPrivilegeEscalation", true, Some("other"));
    assert_eq!(at(&o, None, 0, &p, 0).0, 3);
}

#[test]
fn scalar_items_are_matched_by_value() {
    let t = "kind: ClusterRole\nrules:\n  - apiGroups: [\"\"]\n    resources:\n      {{- if .Values.events }}\n      - events\n      {{- end }}\n      - pods\n      - secrets\n    verbs: [get]\n";
    let o = Outline::parse(t);
    let p = Place {
        path: vec![
            Seg::Key("rules".into()),
            Seg::Item {
                index: 0,
                name: None,
            },
            Seg::Key("resources".into()),
            Seg::Item {
                index: 1,
                name: None,
            },
        ],
        on_key: false,
        value: Some("secrets".into()),
    };
    let hit = o.find(Some("ClusterRole"), 0, &p, 0).unwrap();
    assert_eq!((hit.line, hit.exact), (9, true));
}

#[test]
fn block_scalars_are_skipped() {
    let t = "data:\n  bin: !!binary |\n    a2V5OiB2YWx1ZQ==\n    k: v\n  script: |\n    key: not-a-key\n{{ .Values.extra | indent 4 }}\n    - item\n  other: 1\n  folded: >-\n     a: b\n\n     c: d\n  last: 'it''s'\n";
    let o = Outline::parse(t);
    assert_eq!(
        at(&o, None, 0, &place("data.key", true, None), 0),
        (1, 0, 4, false)
    );
    assert_eq!(
        at(&o, None, 0, &place("data.k", true, None), 0),
        (1, 0, 4, false)
    );
    assert_eq!(
        at(&o, None, 0, &place("data.a", true, None), 0),
        (1, 0, 4, false)
    );
    assert_eq!(
        at(&o, None, 0, &place("data.other", true, None), 0),
        (9, 2, 7, true)
    );
    assert_eq!(
        at(&o, None, 0, &place("data.script", false, Some("x")), 0),
        (5, 2, 8, true)
    );
    assert_eq!(
        at(&o, None, 0, &place("data.last", false, Some("it's")), 0),
        (14, 8, 15, true)
    );
    let h = o
        .find(None, 0, &place("data.script", true, None), 0)
        .unwrap();
    assert_eq!(h.values_path, keys(&["extra"]));
}

#[test]
fn flow_collections() {
    let t = "spec:\n  securityContext: {runAsNonRoot: true, capabilities: {drop: [\"ALL\"]}}\n  args: [\n    \"--a\", \"--b: c\"\n  ]\n  after: x\n  ports: [{name: http, port: 80}, {name: metrics, port: 9090}]\n";
    let o = Outline::parse(t);
    let p = place("spec.securityContext.runAsNonRoot", true, Some("true"));
    assert_eq!(at(&o, None, 0, &p, 0), (2, 20, 32, true));
    let p = place(
        "spec.securityContext.capabilities.drop[0]",
        false,
        Some("ALL"),
    );
    assert_eq!(at(&o, None, 0, &p, 0), (2, 62, 67, true));
    let p = place("spec.args[1]", false, Some("--b: c"));
    assert_eq!(at(&o, None, 0, &p, 0), (4, 11, 19, true));
    assert_eq!(
        at(&o, None, 0, &place("spec.after", true, None), 0),
        (6, 2, 7, true)
    );
    let p = place("spec.ports[1:metrics].port", false, Some("9090"));
    let (line, col, _, exact) = at(&o, None, 0, &p, 1);
    assert_eq!((line, exact), (7, true));
    assert_eq!(col, 56);
}

#[test]
fn quoted_and_templated_keys() {
    let t = "metadata:\n  annotations:\n    \"example.com/x\": \"1\"\n    {{ .Values.key }}: {{ .Values.val }}\n    'y': 2 # note\n";
    let o = Outline::parse(t);
    // A dot inside a key cannot be written with the test helper: built by hand.
    let p = Place {
        path: vec![
            Seg::Key("metadata".into()),
            Seg::Key("annotations".into()),
            Seg::Key("example.com/x".into()),
        ],
        on_key: true,
        value: Some("1".into()),
    };
    assert_eq!(at(&o, None, 0, &p, 0), (3, 4, 19, true));
    let p = place("metadata.annotations.y", false, Some("2"));
    assert_eq!(at(&o, None, 0, &p, 0), (5, 9, 10, true));
    let p = place("metadata.annotations.whatever", true, None);
    assert_eq!(at(&o, None, 0, &p, 0), (2, 2, 13, false));
}

#[test]
fn crlf_and_tabs() {
    let t = DEPLOY.replace('\n', "\r\n");
    let o = Outline::parse(&t);
    let p = place("spec.template.spec.hostNetwork", true, None);
    assert_eq!(at(&o, None, 0, &p, 0), (23, 6, 17, true));
    let p = place(
        "spec.template.spec.containers[1:sidecar].securityContext.privileged",
        false,
        Some("true"),
    );
    assert_eq!(at(&o, None, 0, &p, 0), (35, 24, 28, true));
}

#[test]
fn unicode_columns_are_code_points() {
    let t = "métadonnées:\n  clé: \"é\"\n";
    let o = Outline::parse(t);
    let p = place("métadonnées.clé", false, Some("é"));
    assert_eq!(at(&o, None, 0, &p, 0), (2, 7, 10, true));
}

#[test]
fn multi_line_actions_and_comments() {
    let t = "{{- /*\nkey: not a key\n*/ -}}\n{{- $x := .Values.a }}\nspec:\n  {{- if and .Values.a\n        .Values.b }}\n  resources:\n    {{- toYaml .Values.resources | nindent 4 }}\n  {{- end }}\n  # comment: no\n";
    let o = Outline::parse(t);
    assert!(o.find(None, 0, &place("key", true, None), 0).is_none());
    let h = o
        .find(
            None,
            0,
            &place("spec.resources.limits.cpu", false, Some("1")),
            0,
        )
        .unwrap();
    assert_eq!((h.line, h.col, h.exact), (8, 2, false));
    assert_eq!(h.values_path, keys(&["resources", "limits", "cpu"]));
    // The `if` reading .Values is not a fill of `spec`.
    let h = o
        .find(None, 0, &place("spec.other", true, None), 0)
        .unwrap();
    assert_eq!((h.line, h.values_path), (5, None));
    assert_eq!(
        at(&o, None, 0, &place("spec.comment", true, None), 0),
        (5, 0, 4, false)
    );
}

#[test]
fn empty_and_garbage() {
    let p = place("spec.containers[0].image", true, None);
    assert!(Outline::parse("").find(None, 0, &p, 0).is_none());
    assert!(
        Outline::parse("")
            .find(Some("Pod"), 3, &Place::default(), 9)
            .is_none()
    );
    let samples = [
        "{{",
        "}}: :",
        "{{ \"",
        "- - - -",
        "\u{0}\u{1}\u{2}: \u{1}",
        "\t\tkey:\tvalue\n\t- x",
        "'unterminated: x\nspec: 1",
        "[[[[{{{{",
        "key: |",
        "key: [a, {b: [c, {d",
        "---\n---\n---",
        "- : \n:\n ::\n-\n- -",
        "a: {{ \"}}\" }}\n  b: `\n",
        "spec:\n  x: \"a\\",
        "\u{feff}kind: Pod\r\nspec:\r\n  x: 1\r",
        "a:\n        b:\n  c:\n            d:\n    e: 1",
        "{{/* never closed",
        "k: {{ .Values. }}\nj: {{ $.Values }}\nl: {{ .Values.a..b }}",
    ];
    for s in samples {
        let o = Outline::parse(s);
        for k in [None, Some("Pod")] {
            for ord in [0, 1, 7] {
                for occ in [0, 3] {
                    let _ = o.find(k, ord, &p, occ);
                    let _ = o.find(k, ord, &Place::default(), occ);
                    let _ = o.find(k, ord, &place("spec.x", false, Some("1")), occ);
                }
            }
        }
    }
    let o = Outline::parse("\u{feff}kind: Pod\r\nspec:\r\n  x: 1\r");
    assert_eq!(
        at(&o, None, 0, &place("spec.x", false, Some("1")), 0),
        (3, 5, 6, true)
    );
}

proptest::proptest! {
    #[test]
    fn never_panics(s in "(\\PC|[-:{}\\[\\]|>\"'#\\n\\r\\t ]){0,200}") {
        let o = Outline::parse(&s);
        let p = place("a.b[0].c", true, Some("x"));
        let _ = o.find(Some("Pod"), 0, &p, 1);
        let _ = o.find(None, 2, &p, 0);
    }

    #[test]
    fn never_panics_yamlish(lines in proptest::collection::vec(
        "( {0,6})(- )?(\"?[a-z{}. ]{0,6}\"?)(: )?([a-z|>\\[\\]{}\"'. -]{0,8})", 0..20)) {
        let s = lines.join("\n");
        let o = Outline::parse(&s);
        let _ = o.find(None, 0, &place("a.b[1:x].c", false, Some("b")), 2);
    }
}
