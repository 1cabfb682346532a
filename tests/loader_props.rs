//! The loader and the whole per-file pipeline never panic, whatever the bytes.

use proptest::prelude::*;

use keelhaul::load;

fn check_everything(bytes: &[u8]) {
    let Ok(text) = load::decode(bytes) else {
        return;
    };
    let loaded = load::load_text(&text);
    let file: std::sync::Arc<str> = std::sync::Arc::from("prop.yaml");
    let rules = keelhaul::rules::all();
    let wanted: Vec<&str> = rules
        .iter()
        .flat_map(|r| r.indexed_kinds())
        .copied()
        .collect();
    let settings = keelhaul::check::Settings::default();
    let mut index = keelhaul::index::Index::default();
    let mut findings = Vec::new();
    for doc in loaded.docs {
        let doc = std::sync::Arc::new(doc);
        if let Ok(resources) = keelhaul::index::resources_of(&doc, "default") {
            for r in &resources {
                keelhaul::check::check_resource(rules, &settings, &file, r, &mut findings);
                index.add(&file, &doc, r, &wanted);
            }
        }
    }
    // The cross-resource rules see whatever the per-file phase kept.
    keelhaul::check::check_index(rules, &settings, &index);
}

/// Fragments that make arbitrary input look like a manifest often enough to reach the rules.
const PIECES: &[&str] = &[
    "apiVersion: v1\n",
    "kind: Pod\n",
    "kind: Deployment\n",
    "kind: List\n",
    "items:\n",
    "spec:\n",
    "  template:\n",
    "    spec:\n",
    "  containers:\n",
    "  - name: c\n",
    "    securityContext:\n",
    "      privileged: yes\n",
    "      runAsUser: 0\n",
    "      capabilities: {add: [SYS_ADMIN]}\n",
    "---\n",
    "&a ",
    "*a\n",
    "<<: *a\n",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "'",
    "\t",
    ": ",
    "- ",
    "|\n",
    ">-\n",
    "#",
    "\r\n",
    "\u{FEFF}",
    "{{ .Values.x }}",
    "é",
    "\\u00e9",
    "0444",
    "~",
    "!!str ",
    "  hostPath: {path: /}\n",
    "  volumes:\n",
    "  - hostPath:\n",
    "      path: /etc\n",
    "apiVersion: networking.k8s.io/v1\n",
    "apiVersion: rbac.authorization.k8s.io/v1\n",
    "kind: NetworkPolicy\n",
    "  podSelector: {}\n",
    "  policyTypes: [Egress]\n",
    "  egress:\n",
    "  - to:\n",
    "    - ipBlock:\n",
    "        cidr: 0.0.0.0/0\n",
    "        except: [169.254.169.254/32]\n",
    "cidr: ::/0\n",
    "cidr: 10.0.0.1/8\n",
    "  ports: [{port: 80, endPort: 70}]\n",
    "  matchExpressions: [{key: a, operator: In, values: [b]}]\n",
    "kind: RoleBinding\n",
    "kind: ClusterRole\n",
    "subjects:\n",
    "- kind: User\n  name: a@b.c\n",
    "roleRef: {kind: ClusterRole, name: cluster-admin}\n",
    "rules: [{verbs: ['*'], resources: [secrets]}]\n",
    "kind: Namespace\n",
    "  labels: {pod-security.kubernetes.io/enforce: restricted}\n",
    "kind: ServiceAccount\n",
    "automountServiceAccountToken: false\n",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_everything(&bytes);
    }

    #[test]
    fn manifest_like_text(parts in proptest::collection::vec(0..PIECES.len(), 0..60)) {
        let text: String = parts.iter().map(|&i| PIECES[i]).collect();
        check_everything(text.as_bytes());
    }

    #[test]
    fn mutated_real_manifest(cut in 0usize..400, insert in 0..PIECES.len()) {
        let base = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n      - name: app\n        image: nginx\n        securityContext:\n          privileged: true\n          capabilities:\n            add: [NET_RAW]\n        ports:\n        - containerPort: 80\n          hostPort: 80\n";
        let at = cut.min(base.len());
        let mut text = base[..at].to_string();
        text.push_str(PIECES[insert]);
        text.push_str(&base[at..]);
        check_everything(text.as_bytes());
    }

    #[test]
    fn mutated_policy_and_bindings(cut in 0usize..900, insert in 0..PIECES.len()) {
        let base = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n  namespace: n\nspec:\n  podSelector:\n    matchExpressions:\n    - {key: app, operator: NotIn, values: [x]}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock:\n        cidr: 0.0.0.0/0\n        except: [169.254.169.254/32, 10.0.0.0/8]\n    ports:\n    - {port: 80, endPort: 90, protocol: TCP}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  namespace: n\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: c\n        image: x\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: b\n  namespace: n\nsubjects:\n- kind: User\n  name: 0b6f2a4e-1c3d-4e5f-8a9b-0c1d2e3f4a5b\nroleRef:\n  kind: Role\n  name: r\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\n  namespace: n\nrules:\n- apiGroups: [\"\"]\n  resources: [secrets, pods/exec]\n  verbs: [get, create]\n";
        let at = cut.min(base.len());
        let mut text = base[..at].to_string();
        text.push_str(PIECES[insert]);
        text.push_str(&base[at..]);
        check_everything(text.as_bytes());
    }
}
