//! Line fingerprints as GitHub code scanning computes them (`primaryLocationLineHash`): a
//! rolling polynomial hash over the 100 non-blank characters (UTF-16 code units, spaces and
//! tabs skipped, line ends normalised) that start at each line, numbered per file so equal
//! lines stay distinct. A result keeps its alert while the code around it moves.
//!
//! And keelhaul's own fingerprints of findings, for baselines and review markers: a
//! finding's [`identity`] (rule, object, field path, the text of its own line) and, for a
//! unique name within a scan, [`fingerprint_in_file`]. Version 1 of both hashed GitHub's
//! line hash instead ([`fingerprint_v1`]), which covers the lines after the finding's too.

use super::{Anchor, ResourceId};

const BLOCK_SIZE: usize = 100;
const MOD: u64 = 37;
const EOF: u64 = 65535;

/// `"{hash}:{n}"` for every line of `text` (index 0 is line 1).
pub fn line_hashes(text: &str) -> Vec<String> {
    let hashes = LineHashes::new(text);
    (1..=hashes.len()).filter_map(|l| hashes.at(l)).collect()
}

/// The fingerprints of a text's lines, formatted only for the lines asked for.
pub struct LineHashes {
    values: Vec<u64>,
    /// How many lines up to and including each one have its hash.
    numbers: Vec<u32>,
}

impl LineHashes {
    pub fn new(text: &str) -> LineHashes {
        let values = hash_values(text);
        let mut counts: std::collections::HashMap<u64, u32> =
            std::collections::HashMap::with_capacity(values.len());
        let numbers = values
            .iter()
            .map(|v| {
                let n = counts.entry(*v).or_insert(0);
                *n += 1;
                *n
            })
            .collect();
        LineHashes { values, numbers }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `"{hash}:{n}"` of 1-based `line`.
    pub fn at(&self, line: usize) -> Option<String> {
        let i = line.checked_sub(1)?;
        Some(format!("{:x}:{}", self.values.get(i)?, self.numbers[i]))
    }
}

/// The hash of every line, in line order.
fn hash_values(text: &str) -> Vec<u64> {
    let first_mod = (0..BLOCK_SIZE).fold(1u64, |acc, _| acc.wrapping_mul(MOD));
    let mut window = [0u64; BLOCK_SIZE];
    let mut line_numbers = [usize::MAX; BLOCK_SIZE];
    let mut hash = 0u64;
    let mut index = 0;
    let mut line_number = 0usize;
    let mut line_start = true;
    let mut prev_cr = false;
    let mut out: Vec<u64> = Vec::new();

    // Lines come out in order: a line's hash is complete once the window has moved past it.
    let output = |hash: u64, line: usize, out: &mut Vec<u64>| {
        if out.len() < line {
            out.resize(line, 0);
        }
        out[line - 1] = hash;
    };
    let update =
        |current: u64, hash: &mut u64, index: &mut usize, window: &mut [u64; BLOCK_SIZE]| {
            let begin = window[*index];
            window[*index] = current;
            *hash = MOD
                .wrapping_mul(*hash)
                .wrapping_add(current)
                .wrapping_sub(first_mod.wrapping_mul(begin));
            *index = (*index + 1) % BLOCK_SIZE;
        };

    let mut process = |c: u64,
                       hash: &mut u64,
                       index: &mut usize,
                       window: &mut [u64; BLOCK_SIZE],
                       line_numbers: &mut [usize; BLOCK_SIZE],
                       out: &mut Vec<u64>| {
        let (space, tab, lf, cr) = (' ' as u64, '\t' as u64, '\n' as u64, '\r' as u64);
        if c == space || c == tab || (prev_cr && c == lf) {
            prev_cr = false;
            return;
        }
        let c = if c == cr {
            prev_cr = true;
            lf
        } else {
            prev_cr = false;
            c
        };
        if line_numbers[*index] != usize::MAX {
            output(*hash, line_numbers[*index], out);
            line_numbers[*index] = usize::MAX;
        }
        if line_start {
            line_start = false;
            line_number += 1;
            line_numbers[*index] = line_number;
        }
        if c == lf {
            line_start = true;
        }
        update(c, hash, index, window);
    };

    for unit in text.encode_utf16() {
        process(
            unit as u64,
            &mut hash,
            &mut index,
            &mut window,
            &mut line_numbers,
            &mut out,
        );
    }
    process(
        EOF,
        &mut hash,
        &mut index,
        &mut window,
        &mut line_numbers,
        &mut out,
    );
    for _ in 0..BLOCK_SIZE {
        if line_numbers[index] != usize::MAX {
            output(hash, line_numbers[index], &mut out);
            line_numbers[index] = usize::MAX;
        }
        // The flush feeds zeros through the same update as the text.
        let begin = window[index];
        window[index] = 0;
        hash = MOD
            .wrapping_mul(hash)
            .wrapping_sub(first_mod.wrapping_mul(begin));
        index = (index + 1) % BLOCK_SIZE;
    }
    out
}

/// 64-bit FNV-1a: small, stable across platforms and releases, and enough to tell apart the
/// findings of one pull request or baseline. Not for anything that must resist forgery.
pub(crate) fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            // A separator, so that ("ab", "c") and ("a", "bc") differ.
            h ^= 0xff;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for &b in *p {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// A finding's fingerprint as version 1 of the baseline (and of the review markers) took
/// it: its rule, its file and the GitHub line hash of its start line (which hashes what the
/// line and those after it say, so an edit on the lines below changes it). `occurrence`
/// tells apart findings that share all three. Without the file's text (standard input, an
/// unreadable file) the message stands in for the line hash. Kept to read old baselines.
pub fn fingerprint_v1(
    rule: &str,
    path: &str,
    line_hash: Option<&str>,
    message: &str,
    occurrence: usize,
) -> String {
    let what = line_hash.unwrap_or(message);
    let n = occurrence.to_string();
    format!(
        "{:016x}",
        fnv1a(&[
            rule.as_bytes(),
            path.as_bytes(),
            what.as_bytes(),
            n.as_bytes()
        ])
    )
}

/// The digest of a line's text as an [`Anchor`] keeps it: trimmed, runs of blanks made one
/// space, so reindenting the line (moving its object into a `List`) does not change it.
pub fn line_digest(line: &str) -> u64 {
    let words: Vec<&[u8]> = line.split_whitespace().map(str::as_bytes).collect();
    fnv1a(&words)
}

/// What a finding is, wherever its file is and whatever its line number: its rule, the
/// object it is about (API group, kind, namespace, name), the field path to where it starts
/// (which names the container it is in) and the text of its start line, not the lines
/// around it.
/// Edits above, below and inside the same block keep it; changing the line (the offending
/// value) changes it. Without an anchor (the scan had no text for the finding) the message
/// stands in. The file is not part of it: a baseline keeps the path beside it, so that an
/// object moved to another file is still recognised.
pub fn identity(
    rule: &str,
    resource: Option<&ResourceId>,
    anchor: Option<&Anchor>,
    message: &str,
) -> u64 {
    // Each optional part is marked present or absent, so that no value can pass for another.
    fn opt(s: Option<&str>) -> Vec<u8> {
        s.map_or_else(|| vec![0], |s| [&[1], s.as_bytes()].concat())
    }
    let group = resource.map(|r| r.api_version.rsplit_once('/').map_or("", |(g, _)| g));
    let kind = resource.map(|r| r.kind.as_str());
    let namespace = resource.and_then(|r| r.namespace.as_deref());
    let name = resource.and_then(|r| r.name.as_deref());
    let (field_path, line) = match anchor {
        Some(a) => (opt(a.field_path.as_deref()), a.line.to_le_bytes().to_vec()),
        None => (vec![2], message.as_bytes().to_vec()),
    };
    let parts: [&[u8]; 7] = [
        rule.as_bytes(),
        &opt(group),
        &opt(kind),
        &opt(namespace),
        &opt(name),
        &field_path,
        &line,
    ];
    // The lines of related places count only when there are some: fingerprints of findings
    // without them are what they were.
    match anchor.map(|a| a.related).filter(|&r| r != 0) {
        Some(r) => {
            let r = r.to_le_bytes();
            let mut all = parts.to_vec();
            all.push(&r);
            fnv1a(&all)
        }
        None => fnv1a(&parts),
    }
}

/// A finding's fingerprint within its file: its [`identity`], the file's repository-relative
/// path, and which of the file's findings with that identity it is (in output order). Unique
/// within a scan: what a pull-request review marks its comments with.
pub fn fingerprint_in_file(identity: u64, path: &str, occurrence: usize) -> String {
    let n = occurrence.to_string();
    format!(
        "{:016x}",
        fnv1a(&[&identity.to_le_bytes(), path.as_bytes(), n.as_bytes()])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_change_with_what_the_finding_is_only() {
        let deployment = |api_version: &str, name: &str| ResourceId {
            api_version: api_version.into(),
            kind: "Deployment".into(),
            namespace: Some("ci".into()),
            name: Some(name.into()),
        };
        let anchor = |path: &str, line: &str| Anchor {
            field_path: Some(path.into()),
            line: line_digest(line),
            related: 0,
        };
        let sc = "spec.template.spec.containers[name=app].securityContext";
        let web = deployment("apps/v1", "web");
        let at = anchor(sc, "securityContext:");
        let id = identity("KH103", Some(&web), Some(&at), "may run as root");
        // Not the message (when there is an anchor), the indentation or the API version.
        assert_eq!(
            id,
            identity("KH103", Some(&web), Some(&at), "reworded message")
        );
        assert_eq!(
            id,
            identity(
                "KH103",
                Some(&web),
                Some(&anchor(sc, "    securityContext:  ")),
                "m"
            )
        );
        let beta = deployment("apps/v1beta2", "web");
        assert_eq!(id, identity("KH103", Some(&beta), Some(&at), "m"));
        // The rule, the object, the field path and the line.
        assert_ne!(id, identity("KH106", Some(&web), Some(&at), "m"));
        let api = deployment("apps/v1", "api");
        assert_ne!(id, identity("KH103", Some(&api), Some(&at), "m"));
        let other = deployment("extensions/v1beta1", "web");
        assert_ne!(id, identity("KH103", Some(&other), Some(&at), "m"));
        assert_ne!(id, identity("KH103", None, Some(&at), "m"));
        let sidecar = anchor(
            "spec.template.spec.containers[name=sidecar].securityContext",
            "securityContext:",
        );
        assert_ne!(id, identity("KH103", Some(&web), Some(&sidecar), "m"));
        let changed = anchor(sc, "securityContext: {}");
        assert_ne!(id, identity("KH103", Some(&web), Some(&changed), "m"));
        // Without an anchor, the message.
        let bare = identity("KH103", Some(&web), None, "m");
        assert_ne!(bare, identity("KH103", Some(&web), None, "n"));
        assert_ne!(bare, id);
        // In a file: by path and occurrence.
        let fp = fingerprint_in_file(id, "k8s/a.yaml", 0);
        assert_eq!(fp.len(), 16);
        assert_eq!(fp, fingerprint_in_file(id, "k8s/a.yaml", 0));
        assert_ne!(fp, fingerprint_in_file(id, "k8s/b.yaml", 0));
        assert_ne!(fp, fingerprint_in_file(id, "k8s/a.yaml", 1));
    }

    #[test]
    fn github_test_vectors() {
        assert_eq!(line_hashes(""), vec!["c129715d7a2bc9a3:1"]);
        assert_eq!(
            line_hashes(" a\nb\n  \t\tc\n d"),
            vec![
                "271789c17abda88f:1",
                "54703d4cd895b18:1",
                "180aee12dab6264:1",
                "a23a3dc5e078b07b:1"
            ]
        );
    }

    #[test]
    fn line_ends_and_blanks_do_not_matter_and_repeats_are_numbered() {
        assert_eq!(line_hashes("a\r\nb\r\n"), line_hashes("a\nb\n"));
        assert_eq!(line_hashes("a\rb"), line_hashes("a\nb"));
        assert_eq!(line_hashes("  x: 1\n"), line_hashes("x:1\n"));
        let h = line_hashes("x\nx\nx\n");
        // Lines hash what starts at them, so equal tails give equal hashes only at the end.
        assert_eq!(h.len(), 4);
        assert!(h.iter().all(|s| s.contains(':')));
        let last_two = line_hashes("a\n\n");
        assert_eq!(last_two.len(), 3);
    }
}
