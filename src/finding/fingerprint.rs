//! Line fingerprints as GitHub code scanning computes them (`primaryLocationLineHash`): a
//! rolling polynomial hash over the 100 non-blank characters (UTF-16 code units, spaces and
//! tabs skipped, line ends normalised) that start at each line, numbered per file so equal
//! lines stay distinct. A result keeps its alert while the code around it moves.

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

/// A finding's fingerprint: its rule, its file and the GitHub line hash of its start line
/// (which hashes what the line and those after it say, not where they are), so it survives
/// edits elsewhere in the file. `occurrence` tells apart findings that share all three.
/// Without the file's text (standard input, an unreadable file) the message stands in for
/// the line hash.
pub fn fingerprint(
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

#[cfg(test)]
mod tests {
    use super::line_hashes;

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
