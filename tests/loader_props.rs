//! The loader and the whole per-file pipeline never panic, whatever the bytes.

use proptest::prelude::*;

use keelhaul::load;

fn check_everything(bytes: &[u8]) {
    if let Ok(text) = load::decode(bytes) {
        let loaded = load::load_text(text);
        for doc in &loaded.docs {
            if let Ok(resources) = keelhaul::index::resources_of(doc, "default") {
                let mut findings = Vec::new();
                let file: std::sync::Arc<str> = std::sync::Arc::from("prop.yaml");
                for r in &resources {
                    keelhaul::check::check_resource(
                        keelhaul::rules::all(),
                        &keelhaul::check::Settings::default(),
                        &file,
                        r,
                        &mut findings,
                    );
                }
            }
        }
    }
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
}
