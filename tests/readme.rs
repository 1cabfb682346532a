//! The README's first screen: what keelhaul is, then the two commands a newcomer runs from a
//! clone, exactly as `.ci/run` runs them; and the rules table `keelhaul rules --format
//! markdown` writes links each rule's page.

mod common;

fn read(path: &str) -> String {
    std::fs::read_to_string(common::root().join(path)).unwrap()
}

#[test]
fn the_readme_starts_with_the_two_commands_ci_runs() {
    let readme = read("README.md");
    let block = readme
        .find("```sh\n")
        .map(|i| &readme[i + 6..])
        .and_then(|b| b.find("```").map(|end| &b[..end]))
        .expect("a first shell block");
    let commands: Vec<&str> = block
        .lines()
        .map(|l| l.split(" #").next().unwrap().trim())
        .collect();
    assert_eq!(
        commands,
        [
            "cargo run --release -- scan testdata/examples",
            "cargo test"
        ],
        "the README's first block is the scan of the examples and the tests"
    );
    // It is the first block, right after one paragraph of what keelhaul is.
    let before = &readme[..readme.find("```sh\n").unwrap()];
    assert!(before.contains("static analyser for Kubernetes manifests"));
    assert!(
        before.lines().count() < 20,
        "the commands are on the first screen"
    );
    let ci = read(".ci/run");
    assert!(ci.lines().any(|l| l.trim() == "cargo test"));
    assert!(ci.contains("cargo run --release -- scan testdata/examples"));
}

#[test]
fn the_readme_says_how_to_install_and_where_the_reference_is() {
    let readme = read("README.md");
    for needed in [
        "## Install",
        "SHA256SUMS",
        "cargo install --locked",
        "docker run",
        "uses: keelhaul-dev/keelhaul@v1",
        "## Quickstart",
        "## In CI",
        "docs/cli.md",
        "docs/rules.md",
    ] {
        assert!(readme.contains(needed), "the README has no {needed:?}");
    }
    assert!(
        readme.lines().count() < 150,
        "the README stays a first screen and a map; the reference lives in docs/"
    );
}

#[test]
fn every_rule_row_links_its_page() {
    let out = common::keelhaul()
        .args(["rules", "--format", "markdown"])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = table.lines().skip(2).collect();
    assert!(rows.len() > 60, "one row a rule");
    for row in rows {
        let link = row
            .split("](")
            .nth(1)
            .and_then(|r| r.split(')').next())
            .unwrap_or_else(|| panic!("no page link in {row:?}"));
        assert!(common::root().join(link).is_file(), "{link} does not exist");
    }
}
