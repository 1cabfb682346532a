//! AKS cluster definitions in an input: `az aks` commands in scripts, Markdown and YAML run
//! steps; ARM, Bicep and Terraform files. Read into the cluster model and checked by the
//! rules that read clusters.

use super::*;
use crate::index::{DRAIN_TIMEOUTS, DrainTimeout};

/// Checks the AKS clusters a script, Markdown, Bicep or Terraform file defines (when a
/// cluster rule is enabled); one over the size limit, or that cannot be read, is reported.
pub(super) fn scan_script(path: &Path, display: &str, cx: &RunContext<'_>) -> FileOutcome {
    let opts = cx.opts;
    let mut out = FileOutcome::default();
    if !opts.rules.iter().any(|r| r.reads_clusters()) {
        return out;
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    // What a file must name to define a cluster at all: most files are settled by a byte
    // search, without decoding.
    let marker: &[u8] = match ext.as_str() {
        "bicep" => b"ontainerService/",
        "tf" => b"azurerm_kubernetes_cluster",
        _ => b"az aks",
    };
    let names_a_cluster = |bytes: &[u8]| {
        memchr::memmem::find(bytes, marker).is_some()
            || (ext == "bicep" && memchr::memmem::find(bytes, b"ontainerservice/").is_some())
    };
    read::with_file_bytes(path, opts.max_file_size, |r| {
        let bytes = match r {
            Ok(Contents::Bytes(bytes)) => bytes,
            // A limit never passes a file unseen: one that may define clusters is said to be
            // unchecked.
            Ok(Contents::OverLimit { size, .. }) => {
                let (size, limit) = read::sizes(size, opts.max_file_size);
                out.findings.push(file_finding(
                    &SKIPPED_FILE,
                    display,
                    FILE_START,
                    format!("not scanned for AKS cluster definitions: the file is {size}, over the {limit} limit (--max-file-size)"),
                ));
                return;
            }
            Err(e) => {
                out.findings.push(file_finding(
                    &UNREADABLE_FILE,
                    display,
                    FILE_START,
                    format!("cannot read the file: {e}"),
                ));
                return;
            }
        };
        // UTF-16 and UTF-32 (PowerShell's own encodings) are decoded before the search.
        let wide = Encoding::sniff(bytes).0 != Encoding::Utf8;
        if !wide && !names_a_cluster(bytes) {
            return;
        }
        match load::decode(bytes) {
            Ok(text) if !names_a_cluster(text.as_bytes()) => {}
            Ok(text) if ext == "bicep" || ext == "tf" => {
                out.stats.files = 1;
                scan_iac(display, &text, &ext, cx, &mut out);
            }
            Ok(text) => {
                out.stats.files = 1;
                scan_commands(path, display, &text, cx, &mut out);
            }
            Err(_) => {
                out.stats.files = 1;
                let message = if wide {
                    format!(
                        "this file is not valid {}, as its byte order mark says it is: the AKS clusters it may define were not checked",
                        Encoding::sniff(bytes).0.name()
                    )
                } else {
                    "this script names `az aks` but is not UTF-8 text: its commands were not checked".into()
                };
                out.findings
                    .push(file_finding(&UNREADABLE_FILE, display, FILE_START, message));
            }
        }
    });
    out
}

/// Checks the clusters that the `az aks` commands of a script or Markdown file define.
fn scan_commands(
    path: &Path,
    display: &str,
    text: &str,
    cx: &RunContext<'_>,
    out: &mut FileOutcome,
) {
    let dialect = crate::load::iac::az_command::Dialect::of_path(path);
    if text.contains("keelhaul:ignore") {
        let sups = suppress::find_comments(text, false, &cx.opts.custom_rules);
        if !sups.is_empty() {
            out.suppressions = Some((Arc::from(display), sups));
        }
    }
    scan_clusters(display, text, dialect, cx, out);
}

/// Runs the cluster rules over the cluster definitions of one text and adds their findings
/// (with snippets and fingerprints from the text); the settings written as computed values
/// are listed with --verbose (never judged, never silently passed).
pub(super) fn check_clusters(
    defs: &[crate::k8s::aks_cluster::ClusterDef],
    text: &str,
    cx: &RunContext<'_>,
    out: &mut FileOutcome,
) {
    let mut found = Vec::new();
    let drain_timeouts = cx
        .opts
        .rules
        .iter()
        .any(|r| r.indexed_kinds().contains(&DRAIN_TIMEOUTS));
    for def in defs {
        for r in &cx.opts.rules {
            r.check_cluster(def, cx.settings, &mut found);
        }
        if drain_timeouts {
            for pool in &def.node_pools {
                if let Some((minutes, span)) = pool.drain_timeout_minutes() {
                    out.index.drain_timeouts.push(DrainTimeout {
                        file: def.file.clone(),
                        span,
                        minutes,
                        pool: pool.name.clone(),
                    });
                }
            }
        }
        for (what, span, text) in def.unknowns() {
            let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let text = if text.chars().count() > 60 {
                format!("{}...", text.chars().take(60).collect::<String>())
            } else {
                text
            };
            out.notices.push(Notice {
                file: def.file.to_string(),
                line: Some(span.start.line),
                message: format!("{what} is computed ({text}): not judged"),
                verbose: true,
            });
        }
    }
    if found.is_empty() {
        return;
    }
    if cx.opts.excerpts {
        attach_excerpts(
            text,
            &mask::masks(text, &secret::lines_in(text)),
            &mut found,
        );
    }
    if cx.opts.fingerprints {
        attach_line_hashes(text, &mut found);
        attach_anchors(text, &[], &mut found);
    }
    out.findings.extend(found);
}

/// Checks the AKS clusters a Bicep or Terraform file declares. A file that does not parse is
/// said in a notice with its place; what was read before the error is still checked (Bicep).
fn scan_iac(display: &str, text: &str, ext: &str, cx: &RunContext<'_>, out: &mut FileOutcome) {
    use crate::k8s::aks_cluster::{Form, from_template, from_terraform, template_of_bicep};
    let file: Arc<str> = Arc::from(display);

    let (mut defs, error) = if ext == "bicep" {
        let (b, err) = crate::load::iac::bicep::read(text);
        let t = template_of_bicep(&b);
        (
            from_template(&file, Form::Bicep, &t),
            err.map(|e| {
                (
                    e.pos,
                    format!("not read as Bicep past this point: {}", e.message),
                )
            }),
        )
    } else {
        match crate::load::iac::terraform::read(text) {
            Ok(tf) => (from_terraform(&file, &tf), None),
            Err(e) => (
                Vec::new(),
                Some((
                    e.pos,
                    format!(
                        "not read as Terraform: {}; its clusters were not checked",
                        e.message
                    ),
                )),
            ),
        }
    };
    if text.contains("keelhaul:ignore") {
        let sups = suppress::find_comments(text, ext == "bicep", &cx.opts.custom_rules);
        if !sups.is_empty() {
            out.suppressions = Some((file.clone(), sups));
        }
    }
    if let Some((pos, message)) = error {
        out.notices.push(Notice {
            file: display.to_string(),
            line: Some(pos.line),
            message,
            verbose: false,
        });
    }
    pin_base_versions(&mut defs, display, cx);
    check_clusters(&defs, text, cx, out);
}

/// Under `--diff`: the versions the definitions of `display` pinned at the base revision,
/// read from git and parsed in the same form (a file new since then, or one git cannot
/// give, pins nothing; `--diff` itself reports a ref git does not know).
pub(super) fn pin_base_versions(
    defs: &mut [crate::k8s::aks_cluster::ClusterDef],
    display: &str,
    cx: &RunContext<'_>,
) {
    use crate::k8s::aks_cluster::{Form, from_template, from_terraform, template_of_bicep};
    let Some(reference) = cx.opts.diff_base.as_deref() else {
        return;
    };
    let pins = |d: &crate::k8s::aks_cluster::ClusterDef| {
        d.kubernetes_version.is_some() || d.node_pools.iter().any(|p| p.version.is_some())
    };
    let Some(form) = defs.iter().find(|d| pins(d)).map(|d| d.form) else {
        return;
    };
    let path = Path::new(display);
    if !path.is_file() {
        return;
    }
    let Ok(Some(text)) = crate::filter::changed_lines::file_at(reference, path) else {
        return;
    };
    let file: Arc<str> = Arc::from(display);
    let base = match form {
        Form::Bicep => from_template(
            &file,
            Form::Bicep,
            &template_of_bicep(&crate::load::iac::bicep::read(&text).0),
        ),
        Form::Terraform => match crate::load::iac::terraform::read(&text) {
            Ok(tf) => from_terraform(&file, &tf),
            Err(_) => return,
        },
        Form::Arm => load::load_text(&text)
            .docs
            .iter()
            .filter(|doc| doc.root.is_some() && crate::load::iac::arm::is_template(doc))
            .flat_map(|doc| from_template(&file, Form::Arm, &crate::load::iac::arm::read(doc)))
            .collect(),
        _ => return,
    };
    crate::k8s::aks_cluster::pin_base_versions(defs, &base, reference);
}

/// Checks the AKS clusters that the `az aks` commands of a text define.
pub(super) fn scan_clusters(
    display: &str,
    text: &str,
    dialect: crate::load::iac::az_command::Dialect,
    cx: &RunContext<'_>,
    out: &mut FileOutcome,
) {
    let commands = crate::load::iac::az_command::find_commands(text, dialect);
    if commands.is_empty() {
        return;
    }
    let file: Arc<str> = Arc::from(display);
    let defs = crate::k8s::aks_cluster::from_cli(&file, text, &commands);
    check_clusters(&defs, text, cx, out);
}
