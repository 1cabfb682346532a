use super::*;

/// `text` as every snippet, diff and suggestion shows it.
fn shown(text: &str) -> String {
    masked(text).into_owned()
}

/// `text` with the masks of `masks(text, secrets)` applied.
fn mask_text(text: &str, secrets: &[(u32, u32)]) -> String {
    let spans = masks(text, secrets);
    text.split_inclusive('\n')
        .enumerate()
        .map(|(i, l)| {
            spans
                .iter()
                .filter(|s| s.start.line == i as u32 + 1)
                .fold(l.to_string(), |l, s| {
                    mask_columns(&l, s.start.col as usize, s.end.col as usize)
                })
        })
        .collect()
}

/// `s` masked whole.
fn stars(s: &str) -> String {
    mask_columns(s, 0, usize::MAX)
}

#[test]
fn a_secrets_values_are_masked_and_what_names_it_is_not() {
    let text = "apiVersion: v1\nkind: Secret # db\nmetadata:\n  name: db\n  namespace: prod\n  labels:\n    tier: db\ntype: Opaque\ndata:\n  name: c2VjcmV0\n  kind: c2VjcmV0\nstringData:\n  password: hunter2\n";
    assert_eq!(
        shown(text),
        "apiVersion: v1\nkind: Secret # **\nmetadata:\n  name: db\n  namespace: prod\n  labels:\n    tier: **\ntype: Opaque\ndata:\n  name: ********\n  kind: ********\nstringData:\n  password: *******\n"
    );
}

#[test]
fn a_secret_that_does_not_parse_is_masked_as_far_as_its_text_goes() {
    // Bad indentation, a tab, an unterminated quote whose next lines are its value.
    let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  a: c2VjcmV0\n b: YmFk\n\tc: dGFi\nstringData:\n  d: \"open\nstill open\n  e: inside the quote\"\n  f: ok\n  - stray\n";
    assert_eq!(
        shown(text),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  a: ********\n b: ****\n\tc: ****\nstringData:\n  d: *****\n***** ****\n  ** ****** *** ******\n  f: **\n  - *****\n"
    );
}

#[test]
fn block_and_flow_values_are_masked_on_every_line() {
    let text = "kind: Secret\nstringData:\n  script: |\n    name: x\n    echo hi\n  more: {a: b,\n    c: d}\n  list: [\n    e]\nmetadata:\n  name: db\n";
    assert_eq!(
        shown(text),
        "kind: Secret\nstringData:\n  script: *\n    ***** *\n    **** **\n  more: *** **\n    ** **\n  list: [\n    **\nmetadata:\n  name: db\n"
    );
}

#[test]
fn json_secrets_keep_their_keys_and_structure() {
    let text = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Secret\",\n  \"metadata\": {\n    \"name\": \"db\"\n  },\n  \"data\": {\n    \"password\": \"aHVudGVyMg==\"\n  }\n}\n";
    assert_eq!(
        shown(text),
        "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Secret\",\n  \"metadata\": {\n    \"name\": \"db\"\n  },\n  \"data\": {\n    \"password\": **************\n  }\n}\n"
    );
    // On one line, all of it.
    let one = "{\"kind\":\"Secret\",\"data\":{\"a\":\"b\"}}\n";
    assert_eq!(shown(one), stars(one));
}

#[test]
fn only_the_documents_that_hold_a_secret_are_masked() {
    let text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  mode: fast\n---\napiVersion: v1\nkind: Secret\ndata:\n  a: c2VjcmV0\n---\napiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      volumes:\n      - secret:\n          secretName: db\n";
    let expected = text.replace("a: c2VjcmV0", "a: ********");
    assert_eq!(shown(text), expected);
}

#[test]
fn a_list_that_holds_a_secret_is_masked_with_its_names_kept() {
    let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: db\n  data:\n    a: c2VjcmV0\n";
    assert_eq!(
        shown(text),
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: db\n  data:\n    a: ********\n"
    );
}

#[test]
fn a_secret_only_the_loader_recognises_is_masked_in_the_lines_it_says() {
    // The kind is an alias: no `kind: Secret` in the text.
    let text = "metadata:\n  name: &k Secret\napiVersion: v1\nkind: *k\ndata:\n  a: c2VjcmV0\n---\nkind: ConfigMap\napiVersion: v1\ndata:\n  b: c\n";
    assert!(masks(text, &[]).is_empty());
    assert_eq!(
        mask_text(text, &[(1, 6)]),
        "metadata:\n  name: &k Secret\napiVersion: v1\nkind: *k\ndata:\n  a: ********\n---\nkind: ConfigMap\napiVersion: v1\ndata:\n  b: c\n"
    );
    // A tag, or the kind on the next line, is found in the text.
    for text in [
        "kind: !!str Secret\ndata:\n  a: c2VjcmV0\n",
        "kind:\n  Secret\ndata:\n  a: c2VjcmV0\n",
        "{\n  \"kind\":\n    \"Secret\",\n  \"data\": {\n    \"a\": \"c2VjcmV0\"\n  }\n}\n",
    ] {
        assert!(!shown(text).contains("c2VjcmV0"), "{text}");
    }
}

#[test]
fn comments_in_a_secret_are_masked_but_keelhauls_own() {
    let text =
        "kind: Secret\n# old password: hunter2\ndata:\n  # keelhaul:ignore KH002 reason\n  a: b\n";
    assert_eq!(
        shown(text),
        "kind: Secret\n# *** ********* *******\ndata:\n  # keelhaul:ignore KH002 reason\n  a: *\n"
    );
}

#[test]
fn the_last_applied_configuration_is_masked_on_any_kind() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n      {\"apiVersion\":\"apps/v1\",\"spec\":{\"x\":\"y\"}}\n    other: shown\n  name: web\n";
    assert_eq!(
        shown(text),
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: *\n      {}\n    other: shown\n  name: web\n",
            stars("{\"apiVersion\":\"apps/v1\",\"spec\":{\"x\":\"y\"}}")
        )
    );
    // In a JSON object on one line: its quoted value, escaped quotes and all.
    let value = "\"{\\\"a\\\":1}\"";
    let one = format!(
        "{{\"kind\":\"Pod\",\"metadata\":{{\"annotations\":{{\"kubectl.kubernetes.io/last-applied-configuration\":{value}}}}},\"spec\":{{}}}}\n"
    );
    assert_eq!(shown(&one), one.replace(value, &stars(value)));
    // A quoted value continued on the next lines.
    let text = "kind: Pod\nmetadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{\"a\":\n      1}'\n  name: p\n";
    assert_eq!(
        shown(text),
        "kind: Pod\nmetadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: ******\n      ***\n  name: p\n"
    );
}

#[test]
fn a_kustomizations_secret_generators_are_masked_but_their_names() {
    let text = "resources:\n- deployment.yaml\nsecretGenerator:\n- name: db\n  literals:\n  - PASSWORD=hunter2\n  envs:\n  - db.env\nconfigMapGenerator:\n- name: settings\n  literals:\n  - MODE=fast\n";
    assert_eq!(
        shown(text),
        "resources:\n- deployment.yaml\nsecretGenerator:\n- name: db\n  literals:\n  - ****************\n  envs:\n  - ******\nconfigMapGenerator:\n- name: settings\n  literals:\n  - MODE=fast\n"
    );
}

#[test]
fn texts_without_secrets_have_nothing_masked() {
    let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: c\n    env:\n    - name: P\n      valueFrom:\n        secretKeyRef: {name: db, key: password}\n";
    assert!(masks(text, &[]).is_empty());
    assert!(matches!(masked(text), Cow::Borrowed(_)));
}

#[test]
fn masks_cover_one_line_each_and_keep_columns() {
    let text = "kind: Secret\r\ndata:\r\n  a: \u{e9}t\u{e9}\r\n";
    let m = masks(text, &[]);
    assert_eq!(
        m,
        vec![Span {
            start: Pos { line: 3, col: 5 },
            end: Pos { line: 3, col: 8 },
        }]
    );
    assert_eq!(shown(text), "kind: Secret\r\ndata:\r\n  a: ***\r\n");
}

#[test]
fn the_kind_is_found_in_every_style() {
    for line in [
        "kind: Secret",
        "- kind: Secret",
        "  \"kind\": \"Secret\",",
        "{kind: Secret, data: {}}",
        "kind: 'Secret' # x",
        "\\\"kind\\\":\\\"Secret\\\"",
        "kind: secret",
    ] {
        assert!(says_kind_secret(line), "{line}");
    }
    for line in [
        "kind: SealedSecret",
        "kind: SecretProviderClass",
        "secretKind: Secret",
        "kind: ConfigMap # not a Secret",
    ] {
        assert!(!says_kind_secret(line), "{line}");
    }
}
