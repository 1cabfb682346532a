//! What a configuration file found in the scanned tree may not do. That file is written by
//! whoever wrote the tree (on a pull request, whoever opened it), so it cannot choose a
//! program to run, let renders wait longer, make helm fetch dependencies, or name files
//! outside its own directory. The command line, the environment and a file named with
//! `--config` (or trusted with `--trust-config`) are the caller's and may.

use std::path::{Path, PathBuf};

use super::Error;
use super::config::{Config, Guarded};
use crate::finding::result::Notice;
use crate::load::render::{DEFAULT_TIMEOUT, normalize};

/// Takes out of `cfg`, found at `file` in the scanned tree, what such a file may not set, and
/// says what was ignored, on its line.
pub fn restrain(cfg: &mut Config, file: &Path) -> Vec<Notice> {
    let display = file.display().to_string();
    let mut notices = Vec::new();
    let mut say = |line: Option<u32>, message: String| {
        notices.push(Notice {
            file: display.clone(),
            line,
            message,
            verbose: false,
        })
    };
    for (setting, line) in std::mem::take(&mut cfg.guarded) {
        let key = setting.key();
        match setting {
            Guarded::HelmBinary | Guarded::KustomizeBinary => {
                if setting == Guarded::HelmBinary {
                    cfg.helm.binary = None;
                } else {
                    cfg.kustomize_binary = None;
                }
                let flag = key.replace('.', "-");
                say(
                    Some(line),
                    format!(
                        "{key} is ignored: a configuration file found in the scanned tree does not choose the programs keelhaul runs (give --{flag}, or name the file with --config)"
                    ),
                );
            }
            Guarded::RenderTimeout => {
                let max = DEFAULT_TIMEOUT.as_secs();
                if cfg.render_timeout.is_some_and(|t| t > max) {
                    cfg.render_timeout = Some(max);
                    say(
                        Some(line),
                        format!(
                            "renderTimeout above {max} s is ignored: a configuration file found in the scanned tree may lower the limit, not raise it (give --render-timeout, or name the file with --config)"
                        ),
                    );
                }
            }
            Guarded::DependencyBuild => {
                cfg.helm.dependency_build = false;
                say(
                    Some(line),
                    format!(
                        "{key} is ignored: a configuration file found in the scanned tree cannot make helm fetch charts (name the file with --config, or give --trust-config)"
                    ),
                );
            }
        }
    }
    confine_paths(cfg, file, &mut say);
    notices
}

/// The configuration found at `file`, as it was at `reference` (`--diff`): a pull request's
/// change to its own settings takes effect once it is merged, not in the run that judges
/// it. With a notice when the file in the tree differs. None at `reference`: the defaults.
pub fn config_at(reference: &str, file: &Path) -> Result<(Config, Option<Notice>), Error> {
    let then = crate::filter::changed_lines::file_at(reference, file).map_err(Error::Usage)?;
    let now = std::fs::read(file).ok();
    let notice = |message: String| file_notice(file, message);
    match then {
        Some(text) => {
            let cfg = super::config::load_bytes(file, text.as_bytes()).map_err(|e| {
                Error::Config(format!("{e} (the configuration as it is at {reference})"))
            })?;
            let changed = now.as_deref() != Some(text.as_bytes());
            let said = changed.then(|| {
                notice(format!(
                    "read as it is at {reference}: with --diff, the changes to this file are not used to judge the change that makes them (they apply once merged)"
                ))
            });
            Ok((cfg, said))
        }
        None => Ok((
            Config::default(),
            Some(notice(format!(
                "not used: it is not in {reference}, and with --diff the change that adds it is judged by the default settings"
            ))),
        )),
    }
}

/// The baseline `file` as it was at `reference` (`--diff`), when it is a file of the
/// repository: a pull request cannot record its own findings as known. A baseline kept
/// outside the repository is the caller's and read as it is.
pub fn baseline_at(
    reference: &str,
    file: &Path,
) -> Result<(Option<crate::filter::baseline::Baseline>, Option<Notice>), Error> {
    use crate::filter::baseline;
    let then = match crate::filter::changed_lines::file_at(reference, file) {
        Ok(t) => t,
        // Not in the repository (or no repository: --diff says so itself).
        Err(_) => return Ok((Some(baseline::read(file).map_err(Error::Usage)?), None)),
    };
    let notice = |message: String| file_notice(file, message);
    match then {
        Some(text) => {
            let b = baseline::parse(&text).map_err(|e| {
                Error::Usage(format!(
                    "the baseline {} (as it is at {reference}) {e}",
                    file.display()
                ))
            })?;
            let changed = std::fs::read(file).ok().as_deref() != Some(text.as_bytes());
            let said = changed.then(|| {
                notice(format!(
                    "read as it is at {reference}: with --diff, findings the change itself adds to the baseline are still reported"
                ))
            });
            Ok((Some(b), said))
        }
        None => Ok((
            None,
            Some(notice(format!(
                "not used: it is not in {reference}, and with --diff a baseline added by the change does not hide that change's findings"
            ))),
        )),
    }
}

/// A notice about a whole file.
fn file_notice(file: &Path, message: String) -> Notice {
    Notice {
        file: file.display().to_string(),
        line: None,
        message,
        verbose: false,
    }
}

/// Values files and chart directories the file names outside its own directory are
/// dropped: a render would read them into output that keelhaul prints.
fn confine_paths(cfg: &mut Config, file: &Path, say: &mut impl FnMut(Option<u32>, String)) {
    let dir = file.parent().unwrap_or(Path::new(""));
    let Some(root) = absolute(dir) else {
        return;
    };
    let inside = |p: &Path| absolute(p).is_some_and(|p| p.starts_with(&root));
    let mut outside: Vec<PathBuf> = Vec::new();
    cfg.helm.values.retain(|v| {
        let ok = inside(v);
        if !ok {
            outside.push(v.clone());
        }
        ok
    });
    cfg.helm.charts.retain(|c| {
        let ok = inside(&c.dir);
        if !ok {
            outside.push(c.dir.clone());
        }
        ok
    });
    for chart in &mut cfg.helm.charts {
        for render in &mut chart.renders {
            render.values.retain(|v| {
                let ok = inside(&chart.dir.join(v));
                if !ok {
                    outside.push(chart.dir.join(v));
                }
                ok
            });
        }
    }
    for p in outside {
        say(
            None,
            format!(
                "{} is ignored: a configuration file found in the scanned tree names files inside its own directory only",
                p.display()
            ),
        );
    }
}

/// `p` made absolute, with symbolic links resolved as far as the path exists (a link out of
/// the directory then shows as outside it).
fn absolute(p: &Path) -> Option<PathBuf> {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(p)
    };
    let abs = normalize(&abs);
    // Resolve the longest part that exists; keep the rest as written.
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            let mut out = c;
            out.extend(rest.iter().rev());
            return Some(out);
        }
        rest.push(existing.file_name()?.to_os_string());
        existing = existing.parent()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_found_file_cannot_choose_programs_raise_the_limit_or_fetch() {
        let mut cfg = super::super::config::parse(
            "renderTimeout: 900\nhelm:\n  binary: tools/helm\n  dependencyBuild: true\nkustomize:\n  binary: ./k\n",
            "c.yaml",
        )
        .unwrap();
        let notices = restrain(&mut cfg, Path::new(".keelhaul.yaml"));
        assert_eq!(cfg.render_timeout, Some(120));
        assert!(cfg.helm.binary.is_none() && cfg.kustomize_binary.is_none());
        assert!(!cfg.helm.dependency_build);
        let lines: Vec<_> = notices.iter().map(|n| n.line.unwrap()).collect();
        assert_eq!(lines, [1, 3, 4, 6]);
        assert!(notices[1].message.contains("--helm-binary"), "{notices:?}");
    }

    #[test]
    fn a_found_file_may_lower_the_limit() {
        let mut cfg = super::super::config::parse("renderTimeout: 5\n", "c.yaml").unwrap();
        assert!(restrain(&mut cfg, Path::new(".keelhaul.yaml")).is_empty());
        assert_eq!(cfg.render_timeout, Some(5));
    }

    #[test]
    fn paths_out_of_the_files_directory_are_dropped() {
        let mut cfg = super::super::config::parse(
            "helm:\n  values: [repo/ok.yaml, repo/../../../etc/x.yaml, /etc/y.yaml]\n  charts:\n    repo/web:\n      - values: [../../../../etc/z.yaml, v.yaml]\n",
            "c.yaml",
        )
        .unwrap();
        let notices = restrain(&mut cfg, Path::new("repo/.keelhaul.yaml"));
        assert_eq!(cfg.helm.values, [PathBuf::from("repo/ok.yaml")]);
        assert_eq!(
            cfg.helm.charts[0].renders[0].values,
            [PathBuf::from("v.yaml")]
        );
        assert_eq!(notices.len(), 3, "{notices:?}");
    }
}
