//! One input through load → index → check: a manifest file, standard input or a rendered
//! text; and, before that, the Namespaces every file's check may need (their Pod Security
//! labels). Scripts and cluster definitions go to `clusters`.

use super::clusters::{check_clusters, scan_clusters, scan_script};
use super::large;
use super::*;

/// What the inputs hold that every file's check may need, read before the files are checked.
#[derive(Default)]
pub(super) struct Gathered {
    /// The Pod Security labels of every Namespace, by name, every definition in input order.
    pub namespaces: HashMap<String, Vec<pss::NamespacePolicy>>,
    /// The documents of admission policies, their bindings, Namespaces and CRDs, each with
    /// its file (when a rule reads admission policies).
    pub admission: Vec<(Arc<str>, Document)>,
    /// The places, in the inputs, of those that name one of the words noted (or that are
    /// too large to tell): the only ones a later pass for those words need read.
    pub noted: Vec<usize>,
}

enum Found {
    Namespace(String, pss::NamespacePolicy),
    Doc(Arc<str>, Document),
    Noted(usize),
}

/// The kinds of the documents the admission policies need from every file, gathered before
/// the files are checked. What the policies read besides (CRDs, params) is gathered only when
/// there is a policy: most repositories have none, and a CRD is large.
pub(super) const ADMISSION_KINDS: &[&str] = &[
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "Namespace",
];

/// Reads, before the files are checked, the Namespaces' Pod Security labels (`namespaces`:
/// when a rule reads them) and the documents of `kinds` (when some are asked for). Only
/// files that name one of them are parsed, and only the documents that declare one. The
/// inputs that name a word of `note` are noted, unparsed.
pub(super) fn gather(
    inputs: &[Work],
    stdin: Option<&[u8]>,
    opts: &ScanOptions,
    namespaces: bool,
    kinds: &[&str],
    note: &[&str],
) -> Gathered {
    let found: Vec<Found> = inputs
        .par_iter()
        .enumerate()
        .flat_map_iter(|(at, input)| {
            let mut out = Vec::new();
            let file = || -> Arc<str> {
                Arc::from(match input {
                    Work::Input(i) => i.display(),
                    Work::Rendered(r) => r.display.as_str(),
                })
            };
            let find = |bytes: &[u8], out: &mut Vec<Found>| {
                // Most files name none of them: a byte search settles them before any
                // decoding (of UTF-8; UTF-16 and UTF-32 are decoded first).
                let utf8 = Encoding::sniff(bytes).0 == Encoding::Utf8;
                let names = |w: &str| !utf8 || memchr::memmem::find(bytes, w.as_bytes()).is_some();
                if note.iter().any(|w| names(w)) {
                    out.push(Found::Noted(at));
                }
                // Each word searched once: "Namespace" serves both, and a word that holds
                // another listed word (a policy binding's kind holds the policy's) is found
                // only where that one is.
                let namespace = (namespaces || kinds.contains(&"Namespace")) && names("Namespace");
                let ns = namespaces && namespace;
                let docs = kinds
                    .iter()
                    .filter(|k| !kinds.iter().any(|o| o != *k && k.contains(o)))
                    .any(|k| {
                        if *k == "Namespace" {
                            namespace
                        } else {
                            names(k)
                        }
                    });
                if !ns && !docs {
                    return;
                }
                let Ok(text) = load::decode(bytes) else {
                    return;
                };
                let file = file();
                if ns {
                    namespaces_in(&text, 0, &file, opts, out);
                }
                if docs {
                    documents_of(&text, 0, &file, kinds, out);
                }
            };
            match input {
                Work::Rendered(r) => find(r.text.as_bytes(), &mut out),
                Work::Input(Input::Stdin) => {
                    if let Some(b) = stdin {
                        find(b, &mut out);
                    }
                }
                Work::Input(i @ Input::File { path, .. }) => {
                    read::with_file_bytes(path, opts.max_file_size, |r| match r {
                        Ok(Contents::Bytes(b)) => find(b, &mut out),
                        // Read a part at a time, as the scan reads it (the parts that name a
                        // Namespace).
                        Ok(Contents::OverLimit { file, .. }) => {
                            if !note.is_empty() {
                                out.push(Found::Noted(at));
                            }
                            let name: Arc<str> = Arc::from(i.display());
                            let mut words = kinds.to_vec();
                            if namespaces {
                                words.push("Namespace");
                            }
                            large::for_each_part_naming(
                                file,
                                opts.max_file_size,
                                &words,
                                |text, lines| {
                                    if namespaces {
                                        namespaces_in(text, lines, &name, opts, &mut out);
                                    }
                                    documents_of(text, lines, &name, kinds, &mut out);
                                },
                            )
                        }
                        Err(_) => {}
                    });
                }
                _ => {}
            }
            out
        })
        .collect();
    // Every definition, in input order: a workload is judged by the one nearest to it.
    let mut gathered = Gathered::default();
    for f in found {
        match f {
            Found::Namespace(name, policy) => {
                gathered.namespaces.entry(name).or_default().push(policy)
            }
            Found::Doc(file, doc) => gathered.admission.push((file, doc)),
            Found::Noted(at) => gathered.noted.push(at),
        }
    }
    gathered
}

/// Adds the documents of a text that declare an object of one of `kinds`, with their lines
/// as in the file.
fn documents_of(
    text: &str,
    lines_before: u32,
    file: &Arc<str>,
    kinds: &[&str],
    out: &mut Vec<Found>,
) {
    if kinds.is_empty() {
        return;
    }
    for (first_line, chunk) in load::split::documents_declaring(text, kinds) {
        for mut doc in load::load_text(chunk).docs {
            doc.shift(lines_before + first_line - 1, 0);
            out.push(Found::Doc(file.clone(), doc));
        }
    }
}

/// Adds the Namespaces a text declares, with their Pod Security labels. Only the documents
/// that declare `kind: Namespace` are parsed here: an install bundle of ten megabytes must
/// not be read twice for its one Namespace.
fn namespaces_in(
    text: &str,
    lines_before: u32,
    file: &Arc<str>,
    opts: &ScanOptions,
    out: &mut Vec<Found>,
) {
    for (first_line, chunk) in load::split::documents_declaring_namespace(text) {
        for doc in load::load_text(chunk).docs {
            let resources = index::resources_of(&doc, &opts.default_namespace);
            for r in resources.unwrap_or_default() {
                if r.kind == "Namespace"
                    && let Some(name) = r.name
                {
                    let mut policy = pss::namespace_policy(
                        &doc,
                        r.node,
                        file.clone(),
                        opts.settings.kube_version,
                    );
                    for m in &mut policy.modes {
                        m.label = m.label.shifted(lines_before + first_line - 1);
                    }
                    // A Namespace without labels is kept too: it is a definition (no
                    // Pod Security) that another file's labels may disagree with.
                    out.push(Found::Namespace(name.to_string(), policy));
                }
            }
        }
    }
}

/// Checks one input from the walk, or says why it was not.
pub(super) fn scan_input(input: &Input, cx: &RunContext<'_>) -> FileOutcome {
    let mut out = FileOutcome::default();
    let display = input.display();
    match input {
        Input::Stdin => match cx.stdin {
            Some(Ok(bytes)) => return scan_bytes(display, bytes, cx),
            // Standard input is read up to the limit, never further: it may never end.
            Some(Err(e)) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                out.findings.push(file_finding(
                    &SKIPPED_FILE,
                    display,
                    FILE_START,
                    format!("not scanned: {e}; raise the limit, or write the stream to a file and scan that (a file over the limit is read a document at a time)"),
                ))
            }
            Some(Err(e)) => out.findings.push(file_finding(
                &UNREADABLE_FILE,
                display,
                FILE_START,
                format!("cannot read standard input: {e}"),
            )),
            None => {}
        },
        Input::File { path, .. } => return scan_file(path, display, cx),
        Input::Unreadable { message, .. } => out.findings.push(file_finding(
            &UNREADABLE_FILE,
            display,
            FILE_START,
            format!("cannot read: {message}"),
        )),
        Input::LinkNotFollowed { target, why, .. } => {
            let why = match why {
                NotFollowed::OutOfRoot => {
                    format!("it leads out of the scanned directory, to {target}")
                }
                NotFollowed::OutOfRepository => {
                    format!("it leads out of the repository, to {target}")
                }
                NotFollowed::IntoGit => format!(
                    "it leads into a .git directory ({target}), which holds git's own files (the repository's configuration, and credentials a checkout keeps there), never a manifest"
                ),
            };
            let mut f = file_finding(
                &SKIPPED_FILE,
                display,
                FILE_START,
                format!("not read: this is a symbolic link, and {why}"),
            );
            // A warning: the link is suspicious on a pull request, but what it leads to is no
            // file of the pull request, and nothing of it is read.
            f.severity(Severity::Warning);
            out.findings.push(f);
        }
        Input::NotRegular { kind, .. } => out.findings.push(file_finding(
            &SKIPPED_FILE,
            display,
            FILE_START,
            format!("not read: this is {kind}, not a regular file; only regular files are scanned"),
        )),
        // Rendered (or reported) by the render phase.
        Input::Chart { .. } | Input::Kustomization { .. } => {}
        Input::Script { path, .. } => return scan_script(path, display, cx),
    }
    out
}

/// Checks a manifest file (one over the size limit a document at a time); notes its path
/// when a finding of it carries a fix.
fn scan_file(path: &Path, display: &str, cx: &RunContext<'_>) -> FileOutcome {
    let max = cx.opts.max_file_size;
    read::with_file_bytes(path, max, |r| match r {
        Ok(Contents::Bytes(bytes)) => {
            let mut outcome = scan_bytes(display, bytes, cx);
            if outcome.findings.iter().any(|f| f.fix.is_some()) {
                outcome.fixable = Some((display.to_string(), path.to_path_buf()));
            }
            outcome
        }
        Ok(Contents::OverLimit { file, size }) => {
            large::scan_large_file(file, size, display, cx, |text, lines, out| {
                scan_text(display, text, lines, cx, out)
            })
        }
        Err(e) => {
            let mut out = FileOutcome::default();
            out.findings.push(file_finding(
                &UNREADABLE_FILE,
                display,
                FILE_START,
                format!("cannot read the file: {e}"),
            ));
            out
        }
    })
}

/// Scans the bytes of one file (or standard input).
fn scan_bytes(display: &str, bytes: &[u8], cx: &RunContext<'_>) -> FileOutcome {
    let mut out = FileOutcome::default();
    match load::decode(bytes) {
        Ok(text) => scan_text(display, &text, 0, cx, &mut out),
        Err(problem) => out
            .findings
            .push(text_problem_finding(display, "the file", problem)),
    }
    out
}

/// Loads, indexes and checks one text (a file's, standard input's or a render's, or a part of
/// a file that has `lines_before` lines before it), and gives its findings their snippets
/// and fingerprints while the text is at hand. Places stay in the text's own lines: the
/// caller moves those of a part (messages that name a line name the file's).
pub(super) fn scan_text(
    display: &str,
    text: &str,
    lines_before: u32,
    cx: &RunContext<'_>,
    out: &mut FileOutcome,
) {
    scan_text_keeping(display, text, lines_before, cx, out, false);
}

/// [`scan_text`], giving back the documents loaded when `keep` asks for them and they are
/// all of the text's (no empty document was left out, and the text is whole).
pub(super) fn scan_text_keeping(
    display: &str,
    text: &str,
    lines_before: u32,
    cx: &RunContext<'_>,
    out: &mut FileOutcome,
    keep: bool,
) -> Option<Vec<Arc<Document>>> {
    let opts = cx.opts;
    let file: Arc<str> = Arc::from(display);
    out.stats.files = 1;
    let loaded = load::load_text(text);
    if let Some(line) = unrendered_template_at(text, &loaded) {
        let message = if is_helm_template(display, text, &opts.paths) {
            "this is an unrendered Helm template, not YAML: it was not scanned; render it with `helm template` and pipe the output to `keelhaul scan -`"
        } else {
            "this is a template, not YAML: its `{{ }}` placeholders are not filled in, so it was not scanned; fill them in with the tool that owns them and scan the output"
        };
        out.findings.push(Finding::new(
            &NOT_RENDERED,
            file,
            Span::point(Pos { line, col: 0 }),
            message.into(),
        ));
        return None;
    }
    for p in loaded.problems {
        out.findings.push(problem_finding(&file, p, lines_before));
    }
    out.stats.documents += loaded.empty.len();
    let docs: Vec<Arc<Document>> = loaded.docs.into_iter().map(Arc::new).collect();
    if has(text, "keelhaul:ignore") || has(text, suppress::ANNOTATION) {
        let sups = suppress::find(
            text,
            &docs,
            &loaded.empty,
            &opts.default_namespace,
            &opts.custom_rules,
        );
        if !sups.is_empty() {
            out.suppressions = Some((file.clone(), sups));
        }
    }
    let trees = opts.fingerprints.then(|| docs.clone());
    let kept = (keep && loaded.empty.is_empty() && lines_before == 0).then(|| docs.clone());
    let secrets = check_documents(&file, text, docs, cx, out);
    if opts.excerpts && !out.findings.is_empty() {
        attach_excerpts(text, &mask::masks(text, &secrets), &mut out.findings);
    }
    if opts.fingerprints && !out.findings.is_empty() {
        attach_line_hashes(text, &mut out.findings);
        let trees: Vec<&Document> = trees.iter().flatten().map(|d| &**d).collect();
        attach_anchors(text, &trees, &mut out.findings);
    }
    // A workflow's `run:` steps (or any YAML) may create clusters with `az aks`.
    if has(text, "az aks") && opts.rules.iter().any(|r| r.reads_clusters()) {
        scan_clusters(
            display,
            text,
            crate::load::iac::az_command::Dialect::Other,
            cx,
            out,
        );
    }
    kept
}

/// The first template line of a text that is a template, not YAML: it fails to parse where a
/// template action (`{{ }}`) stands, or it parses only by reading an action as a mapping key.
/// A text that fails to parse elsewhere is broken YAML (KH001), whatever else it holds.
fn unrendered_template_at(text: &str, loaded: &load::Loaded) -> Option<u32> {
    let first_error = loaded.problems.iter().find_map(|p| match p {
        LoadProblem::Syntax { pos, .. } => Some(pos.line),
        _ => None,
    });
    match first_error {
        // The parser stops on the action's line or on the one after it.
        Some(line) => (has_action(text, line) || has_action(text, line.saturating_sub(1)))
            .then(|| load::looks_like_helm_template(text).unwrap_or(line)),
        None if has(text, "{{") => loaded
            .docs
            .iter()
            .find_map(|d| d.complex_key)
            .map(|p| p.line)
            .filter(|&line| has_action(text, line)),
        None => None,
    }
}

/// Whether line `line` (1-based) of `text` holds a template action.
fn has_action(text: &str, line: u32) -> bool {
    line > 0
        && text
            .lines()
            .nth(line as usize - 1)
            .is_some_and(|l| l.contains("{{"))
}

/// Whether an unrendered template is Helm's: it lies in a chart (a directory above it, within
/// the scanned root that holds it, has `Chart.yaml`), or its actions read Helm's objects.
/// Nothing above the scanned root is looked at: that is not the repository's to say.
fn is_helm_template(display: &str, text: &str, roots: &[std::path::PathBuf]) -> bool {
    let file = std::path::Path::new(display);
    let root = roots
        .iter()
        .filter(|r| file.starts_with(r))
        .max_by_key(|r| r.components().count());
    let in_chart = root.is_some_and(|root| {
        file.ancestors()
            .skip(1)
            .take_while(|d| d.starts_with(root))
            .any(|d| d.join("Chart.yaml").is_file())
    });
    in_chart
        || [
            ".Values",
            ".Release",
            ".Chart.",
            ".Capabilities",
            "include \"",
            "tpl ",
        ]
        .iter()
        .any(|w| has(text, w))
}

/// Checks each document of a text: an ARM template's clusters, or the Kubernetes objects it
/// holds (indexed for the cross-resource rules). Returns the lines of its Secrets.
fn check_documents(
    file: &Arc<str>,
    text: &str,
    docs: Vec<Arc<Document>>,
    cx: &RunContext<'_>,
    out: &mut FileOutcome,
) -> Vec<(u32, u32)> {
    let opts = cx.opts;
    let mut secrets = Vec::new();
    let wanted: Vec<&str> = opts
        .rules
        .iter()
        .flat_map(|r| r.indexed_kinds())
        .copied()
        .collect();
    let cluster_rules = opts.rules.iter().any(|r| r.reads_clusters());
    for doc in docs {
        out.stats.documents += 1;
        // An ARM deployment template: its AKS clusters, not Kubernetes objects.
        if doc.root.is_some() && crate::load::iac::arm::is_template(&doc) {
            if cluster_rules {
                let t = crate::load::iac::arm::read(&doc);
                let mut defs = crate::k8s::aks_cluster::from_template(
                    file,
                    crate::k8s::aks_cluster::Form::Arm,
                    &t,
                );
                super::clusters::pin_base_versions(&mut defs, file, cx);
                check_clusters(&defs, text, cx, out);
            }
            continue;
        }
        let resources = match index::resources_of(&doc, &opts.default_namespace) {
            Ok(r) => r,
            // keelhaul's own baseline file is no manifest, and no news either; nor is a
            // kustomization file (its overlay is rendered, or KH007 says why not).
            Err(_) if is_keelhaul_baseline(&doc) || is_kustomization_file(file) => continue,
            Err(why) => {
                out.notices.push(not_an_object(file, &doc, why));
                continue;
            }
        };
        for r in &resources {
            out.stats.resources += 1;
            if r.kind == "Secret" {
                secrets.push(secret::lines_of(&doc, r.node));
            }
            check::check_resource(&opts.rules, cx.settings, file, r, &mut out.findings);
            if !wanted.is_empty() {
                out.index.add(file, &doc, r, &wanted);
            }
        }
    }
    secrets
}

/// Whether a file is a Kustomize kustomization file, by its name.
fn is_kustomization_file(file: &str) -> bool {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    matches!(
        name,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}

/// Whether a document is a findings baseline keelhaul wrote (`--write-baseline`).
fn is_keelhaul_baseline(doc: &Document) -> bool {
    doc.root.is_some_and(|root| {
        doc.get_str(root, "tool") == Some("keelhaul")
            && doc
                .get(root, "findings")
                .is_some_and(|f| doc.is_sequence(f))
            && doc.get(root, "version").is_some()
    })
}

/// The notice (with --verbose) on a document that is no Kubernetes object.
fn not_an_object(file: &str, doc: &Document, why: NotAnObject) -> Notice {
    let line = doc.root.map(|r| doc.span(r).start.line);
    let message = match why {
        NotAnObject::NotAMapping => "not a Kubernetes object: the document is not a mapping",
        NotAnObject::MissingTypeFields => {
            "not a Kubernetes object (no apiVersion and kind): not checked"
        }
    };
    Notice {
        file: file.to_string(),
        line,
        message: message.into(),
        verbose: true,
    }
}

fn problem_finding(file: &Arc<str>, p: LoadProblem, lines_before: u32) -> Finding {
    match p {
        LoadProblem::Syntax { pos, message } => Finding::new(
            &INVALID_YAML,
            file.clone(),
            Span::point(pos),
            format!("invalid YAML: {message}; this document is not checked"),
        ),
        LoadProblem::DuplicateKey { key, first, second } => {
            let mut f = Finding::new(
                &DUPLICATE_KEY,
                file.clone(),
                second,
                format!(
                    "the key \"{key}\" is set twice in this mapping (first on line {}): the API server rejects it or keeps only one",
                    first.start.line + lines_before
                ),
            );
            f.related(first, "first set here");
            f
        }
        LoadProblem::AliasBudget { span } => Finding::new(
            &ALIAS_LIMIT,
            file.clone(),
            span,
            format!(
                "anchors and aliases expand to more than {} nodes (an alias bomb?): this document is not checked",
                load::ALIAS_EXPANSION_BUDGET
            ),
        ),
    }
}
