//! Azure add-ons whose objects in manifests, and cluster settings (a network plugin, a node
//! OS SKU) in cluster definitions, that lose support on a date (`rules/aks-retirements.yaml`,
//! embedded at build time): which API groups, pod labels or setting values belong to each,
//! when it was deprecated, and the last day it is supported.

use std::sync::LazyLock;

use super::aks_versions::Date;

/// The embedded retirements text.
pub const RETIREMENTS_TEXT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/rules/aks-retirements.yaml"
));

/// One retired add-on or cluster setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retirement {
    pub id: String,
    pub what: String,
    /// When it was deprecated (announced); None for a setting whose announcement is not
    /// dated: it stands as announced on any day before its support ends.
    pub deprecated: Option<Date>,
    pub support_ends: Date,
    pub replacement: String,
    pub groups: Vec<String>,
    pub pod_labels: Vec<String>,
    /// A cluster setting that retires: its ARM name (`networkPlugin`, `osSKU`) and values.
    pub setting: Option<SettingKey>,
    pub values: Vec<String>,
    /// The last Kubernetes minor a node pool with the setting may run.
    pub last_minor: Option<(u32, u32)>,
    /// When the node images are removed (scaling fails from then on).
    pub images_removed: Option<Date>,
    pub source: String,
}

/// The cluster settings a retirement may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKey {
    /// A cluster's `networkPlugin` (`network_plugin`, `--network-plugin`).
    NetworkPlugin,
    /// A node pool's `osSKU` (`os_sku`, `--os-sku`).
    OsSku,
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
        } else if self.deprecated.is_none_or(|d| day >= d) {
            Some(Standing::Deprecated)
        } else {
            None
        }
    }
}

/// The retirements of cluster settings with the value `value` of `key` (case aside).
pub fn of_setting(key: SettingKey, value: &str) -> impl Iterator<Item = &'static Retirement> {
    let value = value.trim().to_string();
    retirements().iter().filter(move |r| {
        r.setting == Some(key) && r.values.iter().any(|v| v.eq_ignore_ascii_case(&value))
    })
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
    "setting",
    "values",
    "lastMinor",
    "imagesRemoved",
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
        let optional_date = |key: &str| match doc.get(item, key) {
            None => Ok(None),
            Some(_) => date(key).map(Some),
        };
        let setting = match doc.get_str(item, "setting") {
            None => None,
            Some("networkPlugin") => Some(SettingKey::NetworkPlugin),
            Some("osSKU") => Some(SettingKey::OsSku),
            Some(other) => return Err(at(format!("setting: unknown setting {other:?}"))),
        };
        let last_minor = match doc.get_str(item, "lastMinor") {
            None => None,
            Some(t) => Some(
                t.split_once('.')
                    .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
                    .ok_or_else(|| at(format!("lastMinor: not a MAJOR.MINOR version: {t:?}")))?,
            ),
        };
        let r = Retirement {
            id: text("id")?,
            what: text("what")?,
            deprecated: optional_date("deprecated")?,
            support_ends: date("supportEnds")?,
            replacement: text("replacement")?,
            groups: list("groups")?,
            pod_labels: list("podLabels")?,
            setting,
            values: list("values")?,
            last_minor,
            images_removed: optional_date("imagesRemoved")?,
            source: text("source")?,
        };
        if r.deprecated.is_some_and(|d| r.support_ends < d) {
            return Err(at("supportEnds is before deprecated".into()));
        }
        if r.setting.is_some() == r.values.is_empty() {
            return Err(at("`setting:` and `values:` go together".into()));
        }
        if r.deprecated.is_none() && r.setting.is_none() {
            return Err(at("`deprecated:` is missing".into()));
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
        let kubenet: Vec<_> = of_setting(SettingKey::NetworkPlugin, "Kubenet").collect();
        assert_eq!(kubenet.len(), 1);
        assert_eq!(kubenet[0].deprecated, None);
        assert_eq!(kubenet[0].support_ends, Date::parse("2028-03-30").unwrap());
        let w19: Vec<_> = of_setting(SettingKey::OsSku, "windows2019").collect();
        assert_eq!(w19[0].last_minor, Some((1, 32)));
        assert_eq!(w19[0].images_removed, Date::parse("2027-04-01"));
        assert_eq!(of_setting(SettingKey::OsSku, "Windows2025").count(), 0);
        assert_eq!(of_setting(SettingKey::NetworkPlugin, "azure").count(), 0);
    }

    #[test]
    fn an_undated_announcement_stands_until_support_ends() {
        let r = of_setting(SettingKey::NetworkPlugin, "kubenet")
            .next()
            .unwrap();
        let day = |s: &str| Date::parse(s).unwrap();
        assert_eq!(r.standing(day("2020-01-01")), Some(Standing::Deprecated));
        assert_eq!(r.standing(day("2028-03-30")), Some(Standing::Deprecated));
        assert_eq!(r.standing(day("2028-03-31")), Some(Standing::Unsupported));
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
        let e = read("retirements:\n  - id: x\n    what: t\n    supportEnds: \"2020-01-01\"\n    replacement: z\n    setting: vmSize\n    values: [a]\n    source: s\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("vmSize"), "{e}");
        let e = read("retirements:\n  - id: x\n    what: t\n    supportEnds: \"2020-01-01\"\n    replacement: z\n    source: s\n").unwrap_err();
        assert!(e.contains("deprecated"), "{e}");
    }
}
