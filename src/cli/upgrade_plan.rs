//! `keelhaul upgrade-plan`: scans as `keelhaul scan --kube-version TO` does (same inputs,
//! configuration and rendering), keeps the version-gated findings, and places each on the
//! hop of the path FROM → TO at which it takes effect, with the AKS support of every hop's
//! target from the calendar at `--as-of`. Writing the plan is `report::upgrade_plan`'s.
//!
//! Exit code: 1 when an object breaks on the way (at a hop, or already at FROM) or an upgrade
//! rule (KH7xx) finds an error that stops every upgrade, 0 when only deprecations, warnings
//! and notes (or nothing) are found; usage errors are 2, as everywhere.

use std::ffi::OsString;

use clap::{Args as _, FromArgMatches as _};

use super::args::{PlanArgs, PlanFormat, ScanArgs};
use super::scan::print_stdout;
use super::{Error, Exit};
use crate::finding::Change;
use crate::k8s::aks_versions::{self, Date, Support};
use crate::k8s::upgrade::UpgradePath;
use crate::k8s::version::KubeVersion;
use crate::report::upgrade_plan::{Entry, HopPlan, Plan, TargetSupport};

/// The rules whose findings can be version-gated, and the upgrade rules (what stops every
/// upgrade of the path), selected by tag whatever the configuration turns off (a plan that
/// skipped them would say that nothing breaks), with the input rules so that unreadable files
/// are counted.
const PLAN_RULES: &str = "api-lifecycle,seccomp,apparmor,input,upgrade";

pub fn run(args: PlanArgs) -> Result<Exit, Error> {
    let path = UpgradePath::new(args.from, args.to)
        .filter(|p| p.hop_count() > 0)
        .ok_or_else(|| {
            Error::Usage(format!(
                "--from {} must be older than --to {}: the plan is of an upgrade, one minor at a time",
                args.from, args.to
            ))
        })?;
    let as_of = args.as_of.unwrap_or_else(Date::today);
    let mut plan = super::resolve::resolve(scan_args(&args)?)?;
    // The plan reads the whole list of findings, in memory, without snippets.
    plan.scan.stream = None;
    plan.scan.excerpts = false;
    plan.scan.fingerprints = false;
    let root = crate::discover::paths::repository_root();
    let result = super::scan::scan(&plan, &root)?;
    let unreadable = result
        .findings
        .iter()
        .filter(|f| f.rule.family == crate::finding::Family::Input)
        .count();
    if unreadable > 0 {
        eprintln!(
            "keelhaul: {unreadable} input problem(s) (KH0xx) in the scanned files: an object they affect may be missing from the plan; `keelhaul scan` shows them"
        );
    }
    let plan = build(&path, &result.findings, as_of);
    let breaks = plan.count(Change::Breaks) > 0
        || plan
            .every_upgrade
            .iter()
            .any(|f| f.severity == crate::finding::Severity::Error);
    let text = match args.format {
        PlanFormat::Human => crate::report::upgrade_plan::human(&plan),
        PlanFormat::Markdown => crate::report::upgrade_plan::markdown(&plan),
        PlanFormat::Json => crate::report::upgrade_plan::json(&plan),
    };
    print_stdout(&text)?;
    Ok(if breaks { Exit::Findings } else { Exit::Clean })
}

/// The flags of the scan the plan is made from, read by the scan's own parser so that its
/// defaults and checks apply unchanged.
fn scan_args(args: &PlanArgs) -> Result<ScanArgs, Error> {
    let mut argv: Vec<OsString> = vec![
        "scan".into(),
        "--kube-version".into(),
        args.to.to_string().into(),
        "--select".into(),
        PLAN_RULES.into(),
    ];
    if let Some(config) = &args.config {
        argv.push("--config".into());
        argv.push(config.into());
    }
    for (flag, globs) in [("--include", &args.include), ("--exclude", &args.exclude)] {
        for g in globs {
            argv.push(flag.into());
            argv.push(g.into());
        }
    }
    if args.no_render {
        argv.push("--no-render".into());
    }
    argv.push("--".into());
    argv.extend(args.paths.iter().map(OsString::from));
    let command = ScanArgs::augment_args(clap::Command::new("scan").no_binary_name(false));
    let matches = command
        .try_get_matches_from(argv)
        .map_err(|e| Error::Usage(e.to_string().trim().to_string()))?;
    ScanArgs::from_arg_matches(&matches).map_err(|e| Error::Usage(e.to_string()))
}

/// Every version-gated finding on its hop (or before the first), and each hop's target's
/// AKS support at `as_of`. Within a block, what breaks comes before what is deprecated, each
/// in output order.
fn build<'a>(path: &UpgradePath, findings: &'a [crate::finding::Finding], as_of: Date) -> Plan<'a> {
    let mut before = Vec::new();
    let mut hops: Vec<HopPlan<'a>> = path
        .hops()
        .map(|hop| HopPlan {
            hop,
            support: support_of(hop.to, as_of),
            entries: Vec::new(),
        })
        .collect();
    let mut every_upgrade = Vec::new();
    for f in findings {
        if f.rule.family == crate::finding::Family::Upgrade {
            every_upgrade.push(f);
            continue;
        }
        let Some(placed) = f.gate.and_then(|g| path.place(g)) else {
            continue;
        };
        let entry = Entry {
            change: placed.gate.change,
            version: placed.gate.at,
            finding: f,
            breaks_at: None,
        };
        match placed.hop {
            Some(h) => hops[(h.number - 1) as usize].entries.push(entry),
            None => before.push(entry),
        }
        // What breaks at a hop was deprecated first, maybe at an earlier hop: warned there.
        if let (Some(breaks), Some(warn), Some(since)) = (
            placed.hop,
            path.warning_hop(placed.gate),
            placed.gate.deprecated_from,
        ) {
            hops[(warn.number - 1) as usize].entries.push(Entry {
                change: Change::Deprecated,
                version: since,
                finding: f,
                breaks_at: Some(breaks),
            });
        }
    }
    let in_order = |a: &Entry<'_>, b: &Entry<'_>| {
        (a.change != Change::Breaks)
            .cmp(&(b.change != Change::Breaks))
            .then_with(|| a.finding.output_order(b.finding))
    };
    before.sort_by(in_order);
    for h in &mut hops {
        h.entries.sort_by(in_order);
    }
    Plan {
        from: path.from,
        to: path.to,
        as_of: as_of.to_string(),
        calendar_read: aks_versions::retrieved().to_string(),
        before,
        hops,
        every_upgrade,
    }
}

/// The AKS support of `minor` at `as_of`: community support, and long-term support when the
/// calendar gives it. Only the calendar's dates are named.
fn support_of(minor: KubeVersion, as_of: Date) -> TargetSupport {
    let version = (1, minor.0);
    let community = aks_versions::judge(version, as_of, false);
    let (status, until, mut text) = match community {
        Support::Supported {
            until, days_left, ..
        } => (
            "supported",
            Some(until),
            format!("supported until {until} ({days_left} day(s) left)"),
        ),
        Support::Grace { ended, .. } => (
            "grace",
            Some(ended),
            format!(
                "support ended {ended}; within the {} days AKS allows to upgrade",
                aks_versions::GRACE_DAYS
            ),
        ),
        Support::OutOfSupport { ended, .. } => {
            ("ended", Some(ended), format!("support ended {ended}"))
        }
        Support::BeforeCalendar { newer, newer_ended } => (
            "ended",
            None,
            format!(
                "out of support (older than {}.{}, whose support ended {newer_ended})",
                newer.0, newer.1
            ),
        ),
        Support::Unknown => ("unknown", None, "the calendar does not say".to_string()),
        Support::NotYetGa => (
            "not-ga",
            None,
            format!("not generally available on AKS at {as_of}"),
        ),
    };
    let lts_until = match aks_versions::judge(version, as_of, true) {
        Support::Supported {
            until, lts: true, ..
        } => {
            text.push_str(&format!("; LTS until {until}"));
            Some(until)
        }
        Support::Grace {
            ended, lts: true, ..
        }
        | Support::OutOfSupport {
            ended, lts: true, ..
        } => {
            text.push_str(&format!("; LTS ended {ended}"));
            Some(ended)
        }
        _ => None,
    };
    TargetSupport {
        minor: minor.to_string(),
        status,
        until: until.map(|d| d.to_string()),
        lts_until: lts_until.map(|d| d.to_string()),
        text,
    }
}
