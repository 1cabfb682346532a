//! Azure add-ons whose objects in manifests lose support on a date (`rules/aks-retirements.yaml`,
//! embedded at build time): which API groups and pod labels belong to each, when it was
//! deprecated, and the last day it is supported.

use std::sync::LazyLock;

use super::aks_versions::Date;

/// The embedded retirements text.
pub const RETIREMENTS_TEXT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/rules/aks-retirements.yaml"
));

/// One retired add-on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retirement {
    pub id: String,
    pub what: String,
    pub deprecated: Date,
    pub support_ends: Date,
    pub replacement: String,
    pub groups: Vec<String>,
    pub pod_labels: Vec<String>,
    pub source: String,
}

/// Where an add-on stands on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Deprecated, still supported.
    Deprecated,
    /// Past its last day of support.
    Unsupported,
}

impl Retirement {
    /// Where the add-on stands on `day`; None before it was deprecated.
    pub fn standing(&self, day: Date) -> Option<Standing> {
        if day > self.support_ends {
            Some(Standing::Unsupported)
        } else if day >= self.deprecated {
            Some(Standing::Deprecated)
        } else {
            None
        }
    }
}

/// Every retirement; an unreadable file (a build bug its test catches) has none.
pub fn retirements() -> &'static [Retirement] {
    static LOADED: LazyLock<Result<Vec<Retirement>, String>> =
        LazyLock::new(|| read(RETIREMENTS_TEXT));
    LOADED.as_deref().unwrap_or(&[])
}

const KEYS: &[&str] = &[
    "id",
    "what",
    "deprecated",
    "supportEnds",
    "replacement",
    "groups",
    "podLabels",
    "source",
];

fn read(text: &str) -> Result<Vec<Retirement>, String> {
    let loaded = crate::load::load_text(text);
    if let Some(p) = loaded.problems.first() {
        return Err(format!("{p:?}"));
    }
    let doc = loaded.docs.first().ok_or("empty file")?;
    let root = doc.root.ok_or("empty file")?;
    let list = doc
        .get(root, "retirements")
        .filter(|&l| doc.is_sequence(l))
        .ok_or("no `retirements:` list")?;
    let mut out = Vec::new();
    for &item in doc.items(list) {
        let line = doc.span(item).start.line;
        let at = |e: String| format!("line {line}: {e}");
        for e in doc.entries(item) {
            let key = doc.scalar(e.key).unwrap_or_default();
            if !KEYS.contains(&key) {
                return Err(at(format!("unknown key {key:?}")));
            }
        }
        let text = |key: &str| {
            doc.get_str(item, key)
                .map(str::to_string)
                .ok_or_else(|| at(format!("`{key}:` is missing")))
        };
        let date = |key: &str| {
            let t = text(key)?;
            Date::parse(&t).ok_or_else(|| at(format!("{key}: not a YYYY-MM-DD date: {t:?}")))
        };
        let list = |key: &str| -> Result<Vec<String>, String> {
            match doc.get(item, key) {
                None => Ok(Vec::new()),
                Some(l) if doc.is_sequence(l) => doc
                    .items(l)
                    .iter()
                    .map(|&x| doc.scalar(x).map(str::to_string))
                    .collect::<Option<_>>()
                    .ok_or_else(|| at(format!("{key}: a list of strings is expected"))),
                Some(_) => Err(at(format!("{key}: a list is expected"))),
            }
        };
        let r = Retirement {
            id: text("id")?,
            what: text("what")?,
            deprecated: date("deprecated")?,
            support_ends: date("supportEnds")?,
            replacement: text("replacement")?,
            groups: list("groups")?,
            pod_labels: list("podLabels")?,
            source: text("source")?,
        };
        if r.support_ends < r.deprecated {
            return Err(at("supportEnds is before deprecated".into()));
        }
        out.push(r);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_file_reads() {
        let all = read(RETIREMENTS_TEXT).expect("rules/aks-retirements.yaml");
        let pod_identity = all.iter().find(|r| r.id == "aad-pod-identity").unwrap();
        assert_eq!(
            pod_identity.support_ends,
            Date::parse("2025-09-30").unwrap()
        );
        assert_eq!(pod_identity.groups, ["aadpodidentity.k8s.io"]);
        assert_eq!(retirements().len(), all.len());
    }

    #[test]
    fn standing_changes_the_day_after_support_ends() {
        let r = &retirements()[0];
        let day = |s: &str| Date::parse(s).unwrap();
        assert_eq!(r.standing(day("2022-10-23")), None);
        assert_eq!(r.standing(day("2022-10-24")), Some(Standing::Deprecated));
        assert_eq!(r.standing(day("2025-09-30")), Some(Standing::Deprecated));
        assert_eq!(r.standing(day("2025-10-01")), Some(Standing::Unsupported));
    }

    #[test]
    fn a_broken_file_is_an_error_with_its_line() {
        let e = read("retirements:\n  - id: x\n    what: thing\n    deprecated: \"2020-01-01\"\n    supportEnds: \"2019-01-01\"\n    replacement: z\n    source: s\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("before"), "{e}");
        let e = read("retirements:\n  - id: x\n    colour: red\n").unwrap_err();
        assert!(e.contains("unknown key"), "{e}");
    }
}
