//! `keelhaul reference cli`: the command-line reference (`docs/cli.md`), written from the
//! command line's own definition, so that the documentation cannot drift from the binary
//! (`tests/docs.rs` compares the two).

use clap::{Arg, ArgAction, Command, CommandFactory};

use super::args::Cli;

/// The reference of every command and option, as Markdown.
pub fn cli_markdown() -> String {
    let cli = Cli::command();
    let mut out = String::from(
        "# Command-line reference\n\n\
         <!-- `keelhaul reference cli` writes this file; tests/docs.rs checks it. -->\n\n",
    );
    if let Some(about) = cli.get_about() {
        out.push_str(&format!("{about}\n\n"));
    }
    for sub in cli.get_subcommands().filter(|c| !c.is_hide_set()) {
        command_section(sub, &mut out);
    }
    if let Some(after) = cli.get_after_help() {
        let after = after.to_string();
        if let Some(codes) = after.split("\n\n").find(|p| p.starts_with("Exit codes")) {
            out.push_str(&format!("## Exit codes\n\n{codes}\n"));
        }
    }
    out
}

fn command_section(cmd: &Command, out: &mut String) {
    let name = cmd.get_name();
    out.push_str(&format!("## keelhaul {name}\n\n"));
    if let Some(about) = cmd.get_long_about().or(cmd.get_about()) {
        out.push_str(&format!("{}\n\n", one_paragraph(&about.to_string())));
    }
    let mut usage = cmd.clone().bin_name(format!("keelhaul {name}"));
    out.push_str(&format!(
        "```\n{}\n```\n\n",
        usage
            .render_usage()
            .to_string()
            .trim_start_matches("Usage: ")
    ));
    let args: Vec<&Arg> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && a.get_id() != "help")
        .collect();
    if args.is_empty() {
        return;
    }
    out.push_str("| option | value | default | meaning |\n|---|---|---|---|\n");
    for a in args {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            names(a),
            value(a),
            default(a),
            meaning(a)
        ));
    }
    out.push('\n');
}

/// `-j`, `--threads`; a positional argument by its value name.
fn names(a: &Arg) -> String {
    if a.is_positional() {
        let v = a
            .get_value_names()
            .and_then(|v| v.first().map(|s| s.to_string()))
            .unwrap_or_else(|| a.get_id().to_string().to_uppercase());
        return format!("`{v}` (argument)");
    }
    let mut n = Vec::new();
    if let Some(s) = a.get_short() {
        n.push(format!("`-{s}`"));
    }
    if let Some(l) = a.get_long() {
        n.push(format!("`--{l}`"));
    }
    n.join(", ")
}

fn takes_value(a: &Arg) -> bool {
    matches!(a.get_action(), ArgAction::Set | ArgAction::Append)
}

/// What the option takes: its possible values, or its value's name; repeatable ones say so.
fn value(a: &Arg) -> String {
    if !takes_value(a) {
        return String::new();
    }
    let possible: Vec<String> = a
        .get_possible_values()
        .iter()
        .filter(|p| !p.is_hide_set())
        .map(|p| format!("`{}`", p.get_name()))
        .collect();
    let v = if possible.is_empty() {
        let name = a
            .get_value_names()
            .and_then(|v| v.first().map(|s| s.to_string()))
            .unwrap_or_else(|| a.get_id().to_string().to_uppercase());
        format!("`{name}`")
    } else {
        possible.join(" \\| ")
    };
    if matches!(a.get_action(), ArgAction::Append) && !a.is_positional() {
        format!("{v} (repeatable)")
    } else {
        v
    }
}

fn default(a: &Arg) -> String {
    let d: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|v| format!("`{}`", v.to_string_lossy()))
        .collect();
    d.join(", ")
}

/// The option's help, and the help of each of its possible values that has one.
fn meaning(a: &Arg) -> String {
    let mut m = a
        .get_long_help()
        .or(a.get_help())
        .map(|h| sentence(&h.to_string()))
        .unwrap_or_default();
    let explained: Vec<String> = a
        .get_possible_values()
        .iter()
        .filter(|p| !p.is_hide_set())
        .filter_map(|p| {
            p.get_help().map(|h| {
                let h = one_paragraph(&h.to_string());
                format!("`{}`: {}", p.get_name(), h.trim_end_matches('.'))
            })
        })
        .collect();
    if !explained.is_empty() {
        m.push_str(&format!(" {}.", explained.join("; ")));
    }
    m.replace('|', "\\|")
}

/// Help text as a sentence on one line, ending with its full stop (clap drops it).
fn sentence(s: &str) -> String {
    let mut t = one_paragraph(s);
    if !t.is_empty() && !t.ends_with(['.', ')', ']']) {
        t.push('.');
    }
    t
}

/// Help text on one line: a table cell holds no line break.
fn one_paragraph(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_visible_option_of_scan_is_in_the_reference() {
        let md = cli_markdown();
        let cli = Cli::command();
        let scan = cli.find_subcommand("scan").unwrap();
        for a in scan.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(l) = a.get_long().filter(|l| *l != "help") {
                assert!(md.contains(&format!("`--{l}`")), "--{l} is missing");
            }
        }
        assert!(md.contains("## keelhaul rules"));
        assert!(md.contains("`--format` | `human` \\| `json` \\| `markdown`"));
        assert!(md.contains("## Exit codes"));
    }
}
