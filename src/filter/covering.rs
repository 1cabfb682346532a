//! Which suppressions of a file cover each of its findings, found without trying every
//! suppression on every finding: a file written to hold thousands of both must not cost
//! their product.
//!
//! Suppressions with the same scope and the same rule (or every rule) are one group: they
//! cover the same findings, so a group is marked used once, and its reasons are gathered once.
//! The findings are visited in line order while the scopes that cover the current line are
//! kept at hand (a sweep), so each finding looks only at the few scopes around it.

use std::collections::{BTreeSet, HashMap};

/// What of a suppression decides which findings it covers.
#[derive(Debug, Clone)]
pub struct Cover<'s> {
    /// The lines whose findings it covers (inclusive; `(0, u32::MAX)` for a whole file).
    pub lines: (u32, u32),
    /// Rule ids; empty: every rule.
    pub rules: &'s [&'static str],
    pub reason: Option<&'s str>,
}

/// At most this many reasons are given for one suppressed finding; more are summed up.
pub const MAX_REASONS: usize = 16;

/// What is said after the reasons when more suppressions with other reasons cover a finding.
pub const MORE_REASONS: &str = "and further reasons";

struct Group {
    /// The suppressions of the group, in the file's order.
    members: Vec<usize>,
    /// Each distinct reason of the group with the first member that gives it, in order.
    reasons: Vec<(usize, String)>,
    used: bool,
}

/// The suppressions of one file, grouped and ordered for the sweep.
pub struct Covering {
    /// Distinct scopes as line ranges (a whole-file scope spans every line), by first line.
    scopes: Vec<(u32, u32)>,
    /// (scope, rule id or `None` for every rule) → group.
    groups: HashMap<(usize, Option<&'static str>), usize>,
    group: Vec<Group>,
    /// How many suppressions there are.
    sups: usize,
}

impl Covering {
    pub fn new(sups: &[Cover<'_>]) -> Covering {
        let mut scopes: Vec<(u32, u32)> = sups.iter().map(|s| s.lines).collect();
        scopes.sort_unstable();
        scopes.dedup();
        let mut groups = HashMap::new();
        let mut group: Vec<Group> = Vec::new();
        for (i, s) in sups.iter().enumerate() {
            let scope = scopes.binary_search(&s.lines).unwrap_or_default();
            let mut rules: Vec<Option<&'static str>> = s.rules.iter().copied().map(Some).collect();
            if rules.is_empty() {
                rules.push(None);
            }
            rules.sort_unstable();
            rules.dedup();
            for rule in rules {
                let g = *groups.entry((scope, rule)).or_insert_with(|| {
                    group.push(Group {
                        members: Vec::new(),
                        reasons: Vec::new(),
                        used: false,
                    });
                    group.len() - 1
                });
                let g = &mut group[g];
                g.members.push(i);
                if let Some(r) = s.reason.filter(|r| !r.is_empty())
                    && !g.reasons.iter().any(|(_, known)| known == r)
                    && g.reasons.len() <= MAX_REASONS
                {
                    g.reasons.push((i, r.to_string()));
                }
            }
        }
        Covering {
            scopes,
            groups,
            group,
            sups: sups.len(),
        }
    }

    /// Visits `lines` (the first line and rule of each finding to look at, in any order) and
    /// returns, for each, whether a suppression covers it and the reasons to give; and for
    /// each suppression, whether it covers something.
    pub fn apply(
        mut self,
        lines: &[Option<(u32, &'static str)>],
    ) -> (Vec<Option<String>>, Vec<bool>) {
        let mut used = vec![false; self.sups];
        let mut order: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].is_some()).collect();
        order.sort_by_key(|&i| lines[i].map(|(l, _)| l));
        let mut out: Vec<Option<String>> = vec![None; lines.len()];
        // The scopes covering the current line, by last line; the next scope to come in.
        let mut active: BTreeSet<(u32, usize)> = BTreeSet::new();
        let mut next = 0;
        let mut hit: Vec<usize> = Vec::new();
        for i in order {
            let Some((line, rule)) = lines[i] else {
                continue;
            };
            while next < self.scopes.len() && self.scopes[next].0 <= line {
                active.insert((self.scopes[next].1, next));
                next += 1;
            }
            while active.first().is_some_and(|&(end, _)| end < line) {
                active.pop_first();
            }
            hit.clear();
            for &(_, scope) in &active {
                for key in [(scope, Some(rule)), (scope, None)] {
                    if let Some(&g) = self.groups.get(&key) {
                        hit.push(g);
                    }
                }
            }
            if hit.is_empty() {
                continue;
            }
            for &g in &hit {
                let group = &mut self.group[g];
                if !group.used {
                    group.used = true;
                    for &m in &group.members {
                        used[m] = true;
                    }
                }
            }
            out[i] = Some(self.reasons(&hit));
        }
        (out, used)
    }

    /// The distinct reasons of the groups `hit`, in the order of the suppressions that first
    /// give them, at most `MAX_REASONS` of them.
    fn reasons(&self, hit: &[usize]) -> String {
        let mut all: Vec<&(usize, String)> = hit
            .iter()
            .flat_map(|&g| self.group[g].reasons.iter())
            .collect();
        all.sort_by_key(|(first, _)| *first);
        let mut why: Vec<&str> = Vec::new();
        let mut more = false;
        for (_, r) in all {
            if why.contains(&r.as_str()) {
                continue;
            }
            if why.len() == MAX_REASONS {
                more = true;
                break;
            }
            why.push(r);
        }
        let mut text = why.join("; ");
        if more {
            text.push_str("; ");
            text.push_str(MORE_REASONS);
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RULES: [&str; 3] = ["KH101", "KH102", "KH103"];

    /// A suppression as the tests write it: (lines, rules, reason).
    type Sup = ((u32, u32), Vec<&'static str>, Option<String>);

    fn covers(sups: &[Sup]) -> Vec<Cover<'_>> {
        sups.iter()
            .map(|(lines, rules, reason)| Cover {
                lines: *lines,
                rules,
                reason: reason.as_deref(),
            })
            .collect()
    }

    /// The definition: every suppression tried on every finding.
    fn by_definition(
        lines: &[Option<(u32, &'static str)>],
        sups: &[Cover<'_>],
    ) -> (Vec<Option<String>>, Vec<bool>) {
        let mut used = vec![false; sups.len()];
        let verdicts = lines
            .iter()
            .map(|l| {
                let (line, rule) = (*l)?;
                let mut why: Vec<&str> = Vec::new();
                let mut hit = false;
                for (i, s) in sups.iter().enumerate() {
                    let (a, b) = s.lines;
                    if a <= line && line <= b && (s.rules.is_empty() || s.rules.contains(&rule)) {
                        hit = true;
                        used[i] = true;
                        if let Some(r) = s.reason.filter(|r| !r.is_empty())
                            && !why.contains(&r)
                        {
                            why.push(r);
                        }
                    }
                }
                hit.then(|| why.join("; "))
            })
            .collect();
        (verdicts, used)
    }

    fn lines() -> impl Strategy<Value = (u32, u32)> {
        prop_oneof![
            1 => Just((0, u32::MAX)),
            6 => (0u32..12, 0u32..4).prop_map(|(a, len)| (a, a + len)),
            1 => (0u32..12, 1u32..4).prop_map(|(a, back)| (a + back, a)),
        ]
    }

    fn suppression() -> impl Strategy<Value = Sup> {
        (
            lines(),
            proptest::collection::vec(0usize..3, 0..3),
            proptest::option::of(0usize..5),
        )
            .prop_map(|(lines, rules, reason)| {
                let reason = reason.map(|r| {
                    if r == 0 {
                        String::new()
                    } else {
                        format!("r{r}")
                    }
                });
                (lines, rules.into_iter().map(|r| RULES[r]).collect(), reason)
            })
    }

    proptest! {
        #[test]
        fn covers_what_trying_every_suppression_covers(
            sups in proptest::collection::vec(suppression(), 0..12),
            lines in proptest::collection::vec(
                proptest::option::of((0u32..16, 0usize..3)), 0..16),
        ) {
            let lines: Vec<Option<(u32, &'static str)>> =
                lines.into_iter().map(|l| l.map(|(n, r)| (n, RULES[r]))).collect();
            let sups = covers(&sups);
            let got = Covering::new(&sups).apply(&lines);
            prop_assert_eq!(got, by_definition(&lines, &sups));
        }
    }

    #[test]
    fn many_reasons_are_summed_up() {
        let sups: Vec<Sup> = (0..40)
            .map(|i| ((0, u32::MAX), vec!["KH101"], Some(format!("reason {i}"))))
            .collect();
        let (verdicts, used) = Covering::new(&covers(&sups)).apply(&[Some((3, "KH101"))]);
        let why = verdicts[0].as_deref().unwrap_or_default();
        let listed: Vec<&str> = why.split("; ").collect();
        assert_eq!(listed.len(), MAX_REASONS + 1, "{why}");
        assert_eq!(listed[0], "reason 0");
        assert_eq!(listed[MAX_REASONS - 1], "reason 15");
        assert_eq!(listed[MAX_REASONS], MORE_REASONS);
        assert!(used.iter().all(|&u| u));
    }
}
