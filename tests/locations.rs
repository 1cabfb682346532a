//! Every place keelhaul reports — a finding's own, and each related one (the base line a
//! patch removes, the values line a template reads, the other workloads of a namespace) —
//! names an existing file inside the scanned tree, on a line and column that file has: in
//! human, JSON, SARIF and GitHub output, with rendering on (Kustomize through kubectl; helm
//! is absent here, so committed Helm output is mapped to its chart's templates).
//!
//! Trees: the render fixtures (`testdata/render`), the examples, and the real-world corpus
//! (`../shared/corpus`), where renders once left related places named after the render
//! (`deploy/grafana [kubectl kustomize]`) or on lines of the rendered text (line 34468 of a
//! 4-line file).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// A place as a report names it.
#[derive(Debug, Clone)]
struct Place {
    format: &'static str,
    what: &'static str,
    file: String,
    line: u64,
    col: u64,
}

/// The reports of one tree: every output format.
struct Reports {
    json: Value,
    sarif: Value,
    human: String,
    github: String,
}

fn kubectl_or_kustomize() -> bool {
    ["kubectl", "kustomize"].iter().any(|t| {
        Command::new(t)
            .arg("version")
            .arg("--client")
            .output()
            .is_ok()
    })
}

fn scan(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = common::keelhaul_in(dir)
        .args(["scan", ".", "--fail-on", "never"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "keelhaul scan {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn reports(dir: &Path) -> Reports {
    let sarif_file = tempfile::NamedTempFile::new().unwrap();
    let sarif_path = sarif_file.path().to_string_lossy().to_string();
    let (json, human, github) = std::thread::scope(|s| {
        let json = s.spawn(|| scan(dir, &["--format", "json", "--sarif", &sarif_path]));
        let human = s.spawn(|| scan(dir, &["--format", "human", "--color", "never"]));
        let github = s.spawn(|| scan(dir, &["--format", "github"]));
        (
            json.join().unwrap(),
            human.join().unwrap(),
            github.join().unwrap(),
        )
    });
    Reports {
        json: common::json_of(&json),
        sarif: serde_json::from_slice(&std::fs::read(sarif_file.path()).unwrap()).unwrap(),
        human: String::from_utf8(human.stdout).unwrap(),
        github: String::from_utf8(github.stdout).unwrap(),
    }
}

fn num(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

fn json_places(report: &Value) -> Vec<Place> {
    let mut out = Vec::new();
    for f in report["findings"].as_array().unwrap() {
        let file = f["file"].as_str().unwrap().to_string();
        for (what, at) in [("start", &f["start"]), ("end", &f["end"])] {
            out.push(Place {
                format: "json",
                what,
                file: file.clone(),
                line: num(&at["line"]),
                col: num(&at["column"]),
            });
        }
        for r in f["related"].as_array().unwrap() {
            out.push(Place {
                format: "json",
                what: "related",
                file: r["file"].as_str().unwrap_or(&file).to_string(),
                line: num(&r["start"]["line"]),
                col: num(&r["start"]["column"]),
            });
        }
    }
    out
}

/// `%XX` escapes undone.
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

fn sarif_places(report: &Value) -> Vec<Place> {
    let mut out = Vec::new();
    for run in report["runs"].as_array().unwrap() {
        for r in run["results"].as_array().unwrap() {
            let locations = [
                ("location", &r["locations"]),
                ("related", &r["relatedLocations"]),
            ];
            for (what, list) in locations {
                for l in list.as_array().into_iter().flatten() {
                    let p = &l["physicalLocation"];
                    let region = &p["region"];
                    out.push(Place {
                        format: "sarif",
                        what,
                        file: percent_decoded(p["artifactLocation"]["uri"].as_str().unwrap()),
                        line: num(&region["startLine"]),
                        col: num(&region["startColumn"]),
                    });
                }
            }
        }
    }
    out
}

/// `path:line:col` at the end of a line of human output.
fn trailing_place(line: &str) -> Option<(String, u64, u64)> {
    let (rest, col) = line.rsplit_once(':')?;
    let (path, ln) = rest.rsplit_once(':')?;
    let path = path.rsplit_once(": ").map_or(path, |(_, p)| p);
    let path = path.trim().trim_start_matches("--> ").trim();
    // `note: at PATH:LINE:COL` when the place has no label.
    let path = path.strip_prefix("at ").unwrap_or(path);
    Some((path.to_string(), ln.parse().ok()?, col.trim().parse().ok()?))
}

fn human_places(text: &str) -> Vec<Place> {
    let mut out = Vec::new();
    for l in text.lines() {
        let what = if l.trim_start().starts_with("--> ") {
            "location"
        } else if l.starts_with("note: ") {
            "related"
        } else {
            continue;
        };
        let Some((file, line, col)) = trailing_place(l) else {
            assert!(what == "related", "a location line without a place: {l}");
            continue;
        };
        out.push(Place {
            format: "human",
            what,
            file,
            line,
            col,
        });
    }
    out
}

fn github_places(text: &str) -> Vec<Place> {
    let mut out = Vec::new();
    for l in text.lines().filter(|l| l.starts_with("::")) {
        let Some(props) = l.split("::").nth(1).and_then(|c| c.split_once(' ')) else {
            continue;
        };
        let fields: HashMap<&str, &str> = props
            .1
            .split(',')
            .filter_map(|kv| kv.split_once('='))
            .collect();
        let Some(file) = fields.get("file") else {
            continue;
        };
        let n = |k: &str| fields.get(k).and_then(|v| v.parse().ok()).unwrap_or(1);
        out.push(Place {
            format: "github",
            what: "location",
            file: percent_decoded(file),
            line: n("line"),
            col: n("col"),
        });
    }
    out
}

/// The directory SARIF URIs are relative to: the git work tree holding `dir`, else `dir`.
fn sarif_base(dir: &Path) -> PathBuf {
    Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .current_dir(dir)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .unwrap_or_else(|| dir.to_path_buf())
}

/// What is wrong with a place, if anything.
fn problem(
    p: &Place,
    base: &Path,
    tree: &Path,
    texts: &mut HashMap<PathBuf, Option<Vec<usize>>>,
) -> Option<String> {
    let path = base.join(&p.file);
    let Ok(real) = path.canonicalize() else {
        return Some("no such file".into());
    };
    if !real.starts_with(tree) {
        return Some("outside the scanned tree".into());
    }
    let widths = texts.entry(real.clone()).or_insert_with(|| {
        let t = std::fs::read_to_string(&real).ok()?;
        let t = t.strip_prefix('\u{feff}').unwrap_or(&t);
        Some(
            t.split('\n')
                .map(|l| l.trim_end_matches('\r').chars().count())
                .collect(),
        )
    });
    let Some(widths) = widths else {
        return Some("not a text file".into());
    };
    let Some(width) = (p.line as usize).checked_sub(1).and_then(|i| widths.get(i)) else {
        return Some(format!("line {} of a {}-line file", p.line, widths.len()));
    };
    if p.col == 0 || p.col as usize > width + 1 {
        return Some(format!("column {} of a {width}-column line", p.col));
    }
    None
}

fn check_tree(dir: &Path) {
    let tree = dir.canonicalize().unwrap();
    let r = reports(dir);
    let base = sarif_base(&tree);
    let mut places: Vec<(Place, &Path)> = Vec::new();
    // Reports for people name files as the walk does; those for GitHub, from the
    // repository's root.
    for p in json_places(&r.json)
        .into_iter()
        .chain(human_places(&r.human))
    {
        places.push((p, &tree));
    }
    for p in sarif_places(&r.sarif)
        .into_iter()
        .chain(github_places(&r.github))
    {
        places.push((p, &base));
    }
    let findings = r.json["findings"].as_array().unwrap().len();
    assert!(findings > 0, "no findings in {}", dir.display());
    let mut texts = HashMap::new();
    let bad: Vec<String> = places
        .iter()
        .filter_map(|(p, base)| {
            problem(p, base, &tree, &mut texts).map(|why| {
                format!(
                    "{} {} {}:{}:{}: {why}",
                    p.format, p.what, p.file, p.line, p.col
                )
            })
        })
        .collect();
    let count = |f: &str| places.iter().filter(|(p, _)| p.format == f).count();
    eprintln!(
        "{}: {findings} findings; places checked: json {}, sarif {}, human {}, github {}",
        dir.display(),
        count("json"),
        count("sarif"),
        count("human"),
        count("github")
    );
    for f in ["json", "sarif", "human", "github"] {
        assert!(count(f) >= findings, "{f}: fewer places than findings");
    }
    assert!(
        bad.is_empty(),
        "{} of {} places do not exist:\n{}",
        bad.len(),
        places.len(),
        bad.join("\n")
    );
}

#[test]
fn every_place_in_the_render_fixtures_and_examples_exists() {
    if !kubectl_or_kustomize() {
        eprintln!("SKIPPED: rendering needs kubectl or kustomize on PATH");
        assert!(std::env::var_os("CI").is_none(), "CI must have kubectl");
        return;
    }
    check_tree(&common::root().join("testdata/render"));
    check_tree(&common::root().join("testdata/examples"));
}

#[test]
fn every_place_in_the_corpus_exists() {
    let corpus = common::root().join("../shared/corpus");
    if !corpus.is_dir() || !kubectl_or_kustomize() {
        eprintln!("SKIPPED: needs ../shared/corpus and kubectl or kustomize");
        assert!(std::env::var_os("CI").is_none(), "CI must have both");
        return;
    }
    check_tree(&corpus);
}
