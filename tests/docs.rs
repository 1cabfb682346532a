//! The documentation follows the binary: the pages `keelhaul reference` writes are the ones
//! committed under docs/, the repository is named as Cargo.toml names it wherever the docs and
//! scripts name it, and the README's links lead to files that exist.

mod common;

use std::path::Path;

fn generated(what: &str) -> String {
    let out = common::keelhaul()
        .args(["reference", what])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn committed(path: &str) -> String {
    std::fs::read_to_string(common::root().join(path)).unwrap_or_default()
}

#[test]
fn the_command_line_reference_is_the_binarys() {
    assert!(
        generated("cli") == committed("docs/cli.md"),
        "docs/cli.md differs from `keelhaul reference cli`: run `cargo run -- reference cli > docs/cli.md`"
    );
}

#[test]
fn the_rules_reference_is_the_binarys() {
    assert!(
        generated("rules") == committed("docs/rules.md"),
        "docs/rules.md differs from `keelhaul reference rules`: run `cargo run -- reference rules > docs/rules.md`"
    );
}

#[test]
fn the_reference_names_every_option_scan_has() {
    let md = committed("docs/cli.md");
    let help = common::keelhaul()
        .args(["scan", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    // The options are the lines of the help that start with one: `  -f, --format <FORMAT>`.
    let longs: Vec<&str> = help
        .lines()
        // Options are indented 2 or 6 columns; wrapped help, further.
        .filter(|l| l.len() - l.trim_start().len() <= 6)
        .map(str::trim_start)
        .filter(|l| l.starts_with('-'))
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let first = words.next()?;
            let long = if first.ends_with(',') {
                words.next()?
            } else {
                first
            };
            long.starts_with("--").then_some(long)
        })
        .filter(|w| *w != "--help")
        .collect();
    assert!(longs.contains(&"--pr-review") && longs.contains(&"--filter-mode"));
    for long in longs {
        assert!(
            md.contains(&format!("`{long}`")),
            "docs/cli.md does not document {long}"
        );
    }
}

/// The repository as Cargo.toml names it: `owner/name`.
fn repository() -> String {
    let toml = committed("Cargo.toml");
    let line = toml
        .lines()
        .find(|l| l.starts_with("repository = "))
        .expect("Cargo.toml names the repository");
    let url = line.trim_start_matches("repository = ").trim_matches('"');
    url.strip_prefix("https://github.com/")
        .expect("a GitHub repository")
        .to_string()
}

/// Every text file of the repository that people copy from or run: the README, docs/, the
/// scripts, the action and the workflows.
fn published_files() -> Vec<std::path::PathBuf> {
    let root = common::root();
    let mut files = vec![
        root.join("README.md"),
        root.join("action.yml"),
        root.join("Dockerfile"),
    ];
    for dir in ["docs", "scripts", ".github/workflows"] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    files.push(p);
                }
            }
        }
    }
    files.retain(|f| f.is_file());
    files
}

#[test]
fn the_repository_is_named_once_and_the_same_everywhere() {
    let repo = repository();
    let name = repo.split('/').nth(1).unwrap().to_string();
    let mut wrong = Vec::new();
    for f in published_files() {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let shown = f
            .strip_prefix(common::root())
            .unwrap_or(&f)
            .display()
            .to_string();
        for (i, line) in text.lines().enumerate() {
            if line.contains("OWNER/") || line.contains("<owner>/keelhaul") {
                wrong.push(format!("{shown}:{}: a placeholder: {line}", i + 1));
            }
            // `github.com/x/keelhaul` and `uses: x/keelhaul@v1`.
            for (at, _) in line.match_indices(&format!("/{name}")) {
                let before = &line[..at];
                let owner_start = before
                    .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                    .map_or(0, |i| i + 1);
                let owner = &before[owner_start..];
                let after = &line[at + 1 + name.len()..];
                let is_repo = before[..owner_start].ends_with("github.com/")
                    || before[..owner_start].ends_with("ghcr.io/")
                    || (before[..owner_start].ends_with("uses: ") && after.starts_with('@'));
                if is_repo && format!("{owner}/{name}") != repo {
                    wrong.push(format!(
                        "{shown}:{}: names {owner}/{name}, not {repo}",
                        i + 1
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The install script's default is the same repository.
    assert!(committed("scripts/install.sh").contains(&format!("DEFAULT_REPOSITORY=\"{repo}\"")));
}

#[test]
fn sarif_links_each_rule_to_its_page_in_the_repository() {
    let out = common::keelhaul()
        .args(["scan", "--format", "sarif", "--fail-on", "never"])
        .arg(common::root().join("testdata/rules/KH101-privileged/fail.yaml"))
        .output()
        .unwrap();
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let driver = &log["runs"][0]["tool"]["driver"];
    let repo = format!("https://github.com/{}", repository());
    assert_eq!(driver["informationUri"], repo.as_str());
    let rules = driver["rules"].as_array().unwrap();
    assert!(rules.len() > 60);
    for r in rules {
        let uri = r["helpUri"].as_str().unwrap();
        let page = uri
            .strip_prefix(&format!("{repo}/blob/main/"))
            .unwrap_or_else(|| panic!("{uri} is not a page of {repo}"));
        assert!(common::root().join(page).is_file(), "{page} does not exist");
        assert!(page.contains(r["id"].as_str().unwrap()));
    }
}

#[test]
fn the_readme_and_docs_link_files_that_exist() {
    let mut broken = Vec::new();
    let pages: Vec<_> = published_files()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        let dir = page.parent().unwrap();
        for (i, line) in text.lines().enumerate() {
            for part in line.split("](").skip(1) {
                let target = part.split(')').next().unwrap_or("");
                let target = target.split('#').next().unwrap_or("");
                if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                if !Path::new(&dir.join(target)).exists() {
                    broken.push(format!("{}:{}: {target}", page.display(), i + 1));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "links to missing files:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_workflow_example_is_the_one_the_docs_show_and_its_args_work() {
    let example = committed("docs/github-workflow-example.yml");
    assert!(
        committed("docs/github.md").contains(&format!("```yaml\n{example}```")),
        "docs/github.md shows another workflow than docs/github-workflow-example.yml"
    );
    for needed in ["actions: read", "diff:", "baseline:", "Advanced Security"] {
        assert!(example.contains(needed), "the example has no {needed:?}");
    }
    // Every input the example sets is one the action has.
    let action = committed("action.yml");
    let inputs = &action[action.find("inputs:").unwrap()..action.find("outputs:").unwrap()];
    // The `with:` of the keelhaul step (the checkout step has one too).
    let step = example.find("/keelhaul@").expect("the keelhaul step");
    let with = &example[step + example[step..].find("        with:\n").unwrap()..];
    for line in with
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("          "))
    {
        let key = line.trim().split(':').next().unwrap();
        if !key.starts_with('#') && !line.starts_with("           ") {
            assert!(
                inputs.contains(&format!("\n  {key}:")),
                "action.yml has no input {key}"
            );
        }
    }
    // The arguments the action's `args` input gives as an example are accepted.
    let out = common::keelhaul()
        .args([
            "scan",
            "--select",
            "KH1",
            "--exclude",
            "charts/**",
            "--fail-on",
            "never",
        ])
        .arg(common::root().join("testdata/examples"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_keelhaul_command_the_docs_show_is_one_the_binary_accepts() {
    use clap::Parser;
    let mut checked = 0;
    let mut refused = Vec::new();
    for page in published_files()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
    {
        let text = std::fs::read_to_string(&page).unwrap();
        let mut in_shell = false;
        for (i, line) in text.lines().enumerate() {
            if line.starts_with("```") {
                in_shell = line == "```sh" || line == "```bash";
                continue;
            }
            let command = line.split(" #").next().unwrap().trim();
            // Usage lines with placeholders (`[PATH...]`, `<release>`) and pipelines are
            // shapes, not commands.
            if !in_shell
                || !command.starts_with("keelhaul ")
                || command.contains(['[', '<', '|', '$', '\\'])
            {
                continue;
            }
            let words: Vec<&str> = command.split_whitespace().collect();
            checked += 1;
            if let Err(e) = keelhaul::cli::Cli::try_parse_from(&words) {
                refused.push(format!("{}:{}: {command}: {e}", page.display(), i + 1));
            }
        }
    }
    assert!(checked > 10, "only {checked} commands found");
    assert!(refused.is_empty(), "{}", refused.join("\n"));
}

#[test]
fn the_admission_page_lists_every_cel_function_the_engine_implements() {
    let page = committed("docs/admission-policies.md");
    let missing: Vec<&str> = keelhaul::k8s::cel::SUPPORTED
        .iter()
        .copied()
        .filter(|name| !page.contains(&format!("`{name}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "not in docs/admission-policies.md: {missing:?}"
    );
}
