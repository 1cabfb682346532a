//! The README's rules table is the binary's: `keelhaul rules --format markdown` writes it,
//! and this test fails when the two differ (a rule added, renamed, or its severity changed
//! without the README following).

mod common;

const BEGIN: &str = "<!-- rules table: `keelhaul rules --format markdown` writes it; tests/readme.rs checks it -->\n";
const END: &str = "<!-- end of rules table -->\n";

#[test]
fn readme_rules_table_is_the_binarys() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let start = readme
        .find(BEGIN)
        .expect("the README marks where its rules table starts")
        + BEGIN.len();
    let end = start
        + readme[start..]
            .find(END)
            .expect("the README marks where its rules table ends");
    let out = common::keelhaul()
        .args(["rules", "--format", "markdown"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        &readme[start..end],
        generated,
        "the README's rules table differs from `keelhaul rules --format markdown`: paste its output between the markers"
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
