//! The commands besides `scan`: `rules` (the rule list), `explain` (a rule's page) and
//! `init` (a starter configuration file).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::args::ListFormat;
use super::scan::print_stdout;
use super::{Error, Exit};
use crate::check::{Declared, Rule};
use crate::rules;
use crate::rules::custom::CustomRule;

/// `keelhaul rules`: every rule, as a table, JSON or the Markdown table of the README. The
/// table and JSON list the custom rules of the configuration (`config`, else the one found
/// from the current directory) after keelhaul's own.
pub fn list_rules(format: ListFormat, config: Option<&Path>) -> Result<Exit, Error> {
    let out = match format {
        ListFormat::Human => rules_table(&custom_rules(config)?),
        ListFormat::Json => rules_json(&custom_rules(config)?),
        ListFormat::Markdown => rules_markdown(),
    };
    print_stdout(&out)?;
    Ok(Exit::Clean)
}

/// The custom rules of the configuration file.
fn custom_rules(config: Option<&Path>) -> Result<Vec<&'static CustomRule>, Error> {
    let path = match config {
        Some(p) => Some(p.to_path_buf()),
        None => super::config::find(&[PathBuf::from(".")]),
    };
    Ok(match path {
        Some(p) => super::config::load_file(&p).map_err(Error::Config)?.custom,
        None => Vec::new(),
    })
}

/// keelhaul's rules, then `custom`.
fn every_rule(custom: &[&'static CustomRule]) -> Vec<&'static dyn Rule> {
    let custom = custom.iter().map(|c| *c as &'static dyn Rule);
    rules::all().iter().copied().chain(custom).collect()
}

fn rules_table(custom: &[&'static CustomRule]) -> String {
    let list = every_rule(custom);
    let width = list.iter().map(|r| r.meta().slug.len()).max().unwrap_or(0);
    let tags_width = list
        .iter()
        .map(|r| r.meta().tags.join(",").len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for r in list {
        let m = r.meta();
        out.push_str(&format!(
            "{}  {:<width$} {:<8} {:<tags_width$}  {}\n",
            m.id,
            m.slug,
            m.severity.as_str(),
            m.tags.join(","),
            m.title
        ));
    }
    out.push_str(&format!(
        "\n--select, --ignore and the configuration's rules take an id, a slug, a family (KH1, KH1xx, KH10) or a tag ({}).\n",
        crate::finding::TAGS.join(", ")
    ));
    out
}

fn rules_json(custom: &[&'static CustomRule]) -> String {
    let list: Vec<serde_json::Value> = every_rule(custom)
        .iter()
        .map(|r| {
            let m = r.meta();
            let mut v = serde_json::json!({
                "id": m.id, "slug": m.slug, "severity": m.severity,
                "title": m.title, "podSecurityControl": m.pss_control,
                "family": m.family.as_str(), "precision": m.precision.as_str(),
                "securitySeverity": m.security_severity, "scope": m.scope.as_str(),
                "severityNote": m.severity_note, "tags": m.tags,
            });
            if let Some(c) = custom.iter().find(|c| std::ptr::eq(c.meta(), m)) {
                v["expression"] = c.expression().into();
            }
            v
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&list).unwrap_or_default();
    out.push('\n');
    out
}

/// The rules table, one row a rule, linking each rule's page (`rules/ID-slug.md`, from the
/// repository's root).
pub fn rules_markdown() -> String {
    rules_table_linking("rules")
}

/// `keelhaul reference`: a page of docs/, written from the binary.
pub fn reference(what: super::args::Reference) -> Result<Exit, Error> {
    let out = match what {
        super::args::Reference::Cli => super::reference::cli_markdown(),
        super::args::Reference::Rules => rules_page(),
    };
    print_stdout(&out)?;
    Ok(Exit::Clean)
}

/// docs/rules.md: how rules are named and selected, and the table.
fn rules_page() -> String {
    let mut families = String::new();
    for f in crate::finding::Family::ALL {
        let ids: Vec<&str> = rules::all()
            .iter()
            .map(|r| r.meta())
            .filter(|m| m.family == *f)
            .map(|m| m.id)
            .collect();
        if let (Some(first), Some(last)) = (ids.first(), ids.last()) {
            let prefix = &first[..3];
            families.push_str(&format!(
                "| {} | `{prefix}`, `{prefix}xx` | {first}–{last} | {} |\n",
                f.as_str(),
                ids.len()
            ));
        }
    }
    format!(
        "# Rules\n\n\
         <!-- `keelhaul reference rules` writes this file; tests/docs.rs checks it. -->\n\n\
         Each rule has an id (`KH101`), a slug (`privileged`), a default severity and tags. \
         `--select`, `--ignore` and the `rules` setting of `.keelhaul.yaml` take any of: an id or a \
         slug, a family (`KH1` or `KH1xx` for KH100–KH199, `KH10` for KH100–KH109), or a tag \
         ({tags}). `keelhaul rules` lists them in the terminal, `keelhaul explain ID` prints a \
         rule's page.\n\n\
         A repository can add rules of its own, CEL expressions under `rules.custom` in \
         `.keelhaul.yaml` (see [Custom rules](configuration.md#custom-rules)): they are not in \
         this table, but `keelhaul rules` lists them after keelhaul's own, with the tag `custom`, \
         and they are selected, suppressed and reported like the rules below.\n\n\
         | family | select as | ids | rules |\n|---|---|---|---|\n{families}\n{table}",
        tags = crate::finding::TAGS
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", "),
        table = rules_table_linking("../rules"),
    )
}

fn rules_table_linking(pages: &str) -> String {
    let mut out =
        String::from("| id | slug | severity | tags | what it finds |\n|---|---|---|---|---|\n");
    for r in rules::all() {
        let m = r.meta();
        let severity = match m.severity_note {
            Some(note) => format!("{} ({note})", m.severity.as_str()),
            None => m.severity.as_str().to_string(),
        };
        out.push_str(&format!(
            "| [{id}]({pages}/{id}-{slug}.md) | {slug} | {severity} | {tags} | {title} |\n",
            id = m.id,
            slug = m.slug,
            tags = m.tags.join(", "),
            title = m.title.replace('|', "\\|"),
        ));
    }
    out
}

/// `keelhaul explain RULE`: a rule's page.
/// A custom rule of the configuration found from the current directory is explained too.
pub fn explain(rule: &str) -> Result<Exit, Error> {
    let custom = match rules::find(rule) {
        Some(_) => Vec::new(),
        None => custom_rules(None)?,
    };
    match rules::find_in(rule, &custom) {
        Some(r) => {
            print_stdout(&rules::page(r.meta()))?;
            Ok(Exit::Clean)
        }
        None => Err(Error::Usage(format!(
            "unknown rule {rule:?}; `keelhaul rules` lists them"
        ))),
    }
}

/// `keelhaul init`: writes the starter configuration file.
/// A directory (one that exists, or a path written with a trailing `/`) gets `.keelhaul.yaml`
/// inside it.
pub fn init(path: &std::path::Path, force: bool) -> Result<Exit, Error> {
    let text = super::config::starter();
    let dir_named = path.as_os_str().to_string_lossy().ends_with('/');
    let file;
    let path = if path.is_dir() || dir_named {
        file = path.join(".keelhaul.yaml");
        file.as_path()
    } else {
        path
    };
    let written = if force {
        std::fs::write(path, text)
    } else {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
    };
    match written {
        Ok(()) => {
            eprintln!("keelhaul: wrote {}", path.display());
            Ok(Exit::Clean)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::Usage(format!(
            "{} exists; use --force to overwrite it",
            path.display()
        ))),
        Err(e) => Err(Error::Io(format!("cannot write {}: {e}", path.display()))),
    }
}
