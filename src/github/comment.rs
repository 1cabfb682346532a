//! The text keelhaul writes into a pull request: one review comment per finding (with a
//! suggestion block when the finding's fix can be shown as one), the hidden marker that lets
//! a later run recognise its own comments, the fingerprint in that marker, and the review
//! body.

use crate::finding::Finding;
use crate::finding::fix::Edit;
use crate::report::apply_fix::apply;

/// The start of a marker; the version tells the fingerprints apart: version 2 fingerprints
/// a finding by what it is ([`crate::finding::fingerprint::fingerprint_in_file`]), version 1
/// by GitHub's line hash ([`crate::finding::fingerprint::fingerprint_v1`]). keelhaul writes
/// version 2 and still recognises comments it posted with version 1 markers.
const MARKER_PREFIX: &str = "<!-- keelhaul:v";
const MARKER_FP: &str = " fp=";
const MARKER_SUFFIX: &str = " -->";
/// The version of the markers keelhaul writes.
pub const MARKER_VERSION: u8 = 2;
/// What a resolved comment starts with (its old text follows, struck through).
pub const RESOLVED_PREFIX: &str = "**Resolved**";

/// A fingerprint as a marker carries it, with the marker's version.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Marked {
    pub version: u8,
    pub fp: String,
}

impl Marked {
    /// A fingerprint of the version keelhaul writes.
    pub fn current(fp: &str) -> Marked {
        Marked {
            version: MARKER_VERSION,
            fp: fp.to_string(),
        }
    }

    /// The hidden marker that carries it.
    pub fn marker(&self) -> String {
        format!(
            "{MARKER_PREFIX}{}{MARKER_FP}{}{MARKER_SUFFIX}",
            self.version, self.fp
        )
    }
}

/// The hidden marker for a fingerprint of the current version.
pub fn marker(fp: &str) -> String {
    Marked::current(fp).marker()
}

/// The marked fingerprint `text` starts with (the prefix already taken off): a known
/// version, then a non-empty hexadecimal fingerprint, then the end of the marker.
fn parse_marker(text: &str) -> Option<(Marked, &str)> {
    let (version, rest) = text.split_once(MARKER_FP)?;
    let version = match version {
        "1" => 1,
        "2" => 2,
        _ => return None,
    };
    let (fp, rest) = rest.split_once(MARKER_SUFFIX)?;
    let fp_ok = !fp.is_empty() && fp.bytes().all(|b| b.is_ascii_hexdigit());
    fp_ok.then(|| {
        (
            Marked {
                version,
                fp: fp.to_string(),
            },
            rest,
        )
    })
}

/// The fingerprint in `body`'s marker. The marker must be the body's last line, as keelhaul
/// writes it: a reply that quotes a keelhaul comment is not taken for one.
pub fn marker_in(body: &str) -> Option<Marked> {
    let last = body.trim_end().lines().last()?.trim();
    let (marked, rest) = parse_marker(last.strip_prefix(MARKER_PREFIX)?)?;
    rest.is_empty().then_some(marked)
}

/// Every fingerprint marked anywhere in `text` (a review body lists several findings, each
/// with its marker).
pub fn markers_in_text(text: &str) -> impl Iterator<Item = Marked> + '_ {
    text.match_indices(MARKER_PREFIX)
        .filter_map(move |(i, _)| parse_marker(&text[i + MARKER_PREFIX.len()..]).map(|m| m.0))
}

/// Whether a keelhaul comment says its finding is resolved.
pub fn is_resolved(body: &str) -> bool {
    body.trim_start().starts_with(RESOLVED_PREFIX)
}

#[cfg(test)]
use crate::finding::fingerprint::{fingerprint_v1, fnv1a};

/// Escapes what GitHub's Markdown would take for HTML (`<stdin>` would vanish as a tag, and a
/// message must never be able to close or forge a marker), outside code spans.
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_code = false;
    for c in s.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    // An unclosed code span would run to the end of the comment.
    if in_code {
        out.push('`');
    }
    out
}

/// `**KH101 privileged** (error): message`
pub fn headline(f: &Finding) -> String {
    format!(
        "**{} {}** ({}): {}",
        f.rule.id,
        f.rule.slug,
        f.severity.as_str(),
        escape_markdown(&f.message)
    )
}

/// The lines `first..=last` of `text` as they read once the fix's edits are made, when the
/// edits all lie on those lines and all apply, and no secret value (`report::mask`) is on them:
/// a suggestion cannot be masked, so there is none. This is what a suggestion for a comment on
/// exactly those lines must contain.
pub fn suggested_lines(text: &str, edits: &[Edit], first: u32, last: u32) -> Option<String> {
    if edits.is_empty()
        || !edits
            .iter()
            .all(|e| e.span.start.line >= first && e.span.end.line <= last)
    {
        return None;
    }
    let refs: Vec<&Edit> = edits.iter().collect();
    let applied = apply(text, &refs);
    if applied.skipped() > 0 || applied.text == text {
        return None;
    }
    // The lines outside the range are untouched, so the range grows or shrinks by as many
    // lines as the whole text did.
    let count = |t: &str| t.split('\n').count() as i64;
    let delta = count(&applied.text) - count(text);
    let new_last = i64::from(last) + delta;
    if new_last < i64::from(first) {
        // The edits delete the lines outright; a suggestion would have to be empty.
        return Some(String::new());
    }
    let lines: Vec<&str> = applied
        .text
        .split('\n')
        .skip(first as usize - 1)
        .take((new_last - i64::from(first) + 1) as usize)
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let shown = u64::from(first)..=new_last as u64;
    if crate::report::mask::masks(&applied.text, &[])
        .iter()
        .any(|m| shown.contains(&u64::from(m.start.line)))
    {
        return None;
    }
    Some(lines.join("\n"))
}

/// A ```suggestion block; the fence is made longer than any run of backticks inside.
pub fn suggestion_block(lines: &str) -> String {
    let mut fence = String::from("```");
    while lines.contains(fence.as_str()) {
        fence.push('`');
    }
    if lines.is_empty() {
        format!("{fence}suggestion\n{fence}")
    } else {
        format!("{fence}suggestion\n{lines}\n{fence}")
    }
}

/// The body of the review comment on `f`, marked with `fp` (current version).
pub fn comment_body(f: &Finding, suggestion: Option<&str>, fp: &str) -> String {
    let mut out = headline(f);
    out.push_str("\n\n");
    out.push_str(&escape_markdown(f.rule.title));
    out.push_str(&format!(" Details: `keelhaul explain {}`.", f.rule.id));
    if let (Some(lines), Some(fix)) = (suggestion, &f.fix) {
        out.push_str(&format!(
            "\n\nSuggested fix ({}):\n\n",
            escape_markdown(&fix.description)
        ));
        out.push_str(&suggestion_block(lines));
    }
    out.push_str("\n\n");
    out.push_str(&marker(fp));
    out
}

/// The text of a comment whose finding is gone: a note, then the old headline struck
/// through (the rest of the old text dropped, the marker kept as it was, version included, so
/// later runs leave it be).
pub fn resolved_body(old: &str, marked: &Marked) -> String {
    let first = old
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && marker_in(l).is_none())
        .unwrap_or("");
    let mut out = format!("{RESOLVED_PREFIX}: keelhaul no longer reports this finding.");
    if !first.is_empty() {
        // `~~` around text with its own `~~` would end early; keep the old text as it was.
        let struck = first.replace("~~", "");
        out.push_str(&format!("\n\n~~{struck}~~"));
    }
    out.push_str("\n\n");
    out.push_str(&marked.marker());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::{Pos, Span};

    #[test]
    fn markers_round_trip_and_only_as_the_last_line() {
        let body = format!("text\n\n{}\n", marker("00ff12"));
        assert!(body.contains("<!-- keelhaul:v2 fp=00ff12 -->"), "{body}");
        assert_eq!(marker_in(&body), Some(Marked::current("00ff12")));
        assert_eq!(
            marker_in(&format!("> {}\n\nI disagree", marker("ab"))),
            None
        );
        // Markers of version 1 are read with their version; unknown versions are not.
        assert_eq!(
            marker_in("old\n<!-- keelhaul:v1 fp=0a -->"),
            Some(Marked {
                version: 1,
                fp: "0a".into()
            })
        );
        assert_eq!(marker_in("<!-- keelhaul:v3 fp=0a -->"), None);
        assert_eq!(marker_in("<!-- keelhaul:v1 fp= -->"), None);
        assert_eq!(marker_in("<!-- keelhaul:v1 fp=zz -->"), None);
        assert_eq!(marker_in("<!-- keelhaul:v2 fp=0a --> and more"), None);
        assert_eq!(marker_in(""), None);
        let review = format!(
            "- a {}\n- b {}\n- c <!-- keelhaul:v1 fp=03 -->\n<!-- keelhaul:v1 fp=x y -->",
            marker("01"),
            marker("02")
        );
        let fps: Vec<(u8, String)> = markers_in_text(&review)
            .map(|m| (m.version, m.fp))
            .collect();
        assert_eq!(
            fps,
            vec![(2, "01".into()), (2, "02".into()), (1, "03".into())]
        );
        let resolved = resolved_body(
            &format!("**KH101** x\n\n{}", marker("0b")),
            &Marked {
                version: 1,
                fp: "0b".into(),
            },
        );
        assert!(
            resolved.ends_with("<!-- keelhaul:v1 fp=0b -->"),
            "{resolved}"
        );
    }

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        let fingerprint = fingerprint_v1;
        let a = fingerprint("KH101", "k8s/a.yaml", Some("abc:1"), "m", 0);
        assert_eq!(
            a,
            fingerprint("KH101", "k8s/a.yaml", Some("abc:1"), "other", 0)
        );
        assert_eq!(a.len(), 16);
        assert_ne!(a, fingerprint("KH102", "k8s/a.yaml", Some("abc:1"), "m", 0));
        assert_ne!(a, fingerprint("KH101", "k8s/b.yaml", Some("abc:1"), "m", 0));
        assert_ne!(a, fingerprint("KH101", "k8s/a.yaml", Some("abc:2"), "m", 0));
        assert_ne!(a, fingerprint("KH101", "k8s/a.yaml", Some("abc:1"), "m", 1));
        // Separators matter.
        assert_ne!(fnv1a(&[b"ab", b"c"]), fnv1a(&[b"a", b"bc"]));
        // FNV-1a 64 of "a" (published test vector).
        assert_eq!(fnv1a(&[b"a"]), 0xaf63dc4c8601ec8c);
    }

    #[test]
    fn escaping_keeps_code_spans() {
        assert_eq!(
            escape_markdown("read <stdin> with `a<b>` <!--"),
            "read &lt;stdin&gt; with `a<b>` &lt;!--"
        );
        assert_eq!(escape_markdown("odd `tick"), "odd `tick`");
    }

    fn edit(line: u32, col: u32, old: &str, new: &str) -> Edit {
        Edit {
            span: Span {
                start: Pos { line, col },
                end: Pos {
                    line,
                    col: col + old.chars().count() as u32,
                },
            },
            old: old.into(),
            new: new.into(),
        }
    }

    #[test]
    fn suggestions_show_the_fixed_lines() {
        let text = "apiVersion: batch/v1beta1\r\nkind: CronJob\r\n";
        let e = edit(1, 12, "batch/v1beta1", "batch/v1");
        assert_eq!(
            suggested_lines(text, std::slice::from_ref(&e), 1, 1).as_deref(),
            Some("apiVersion: batch/v1")
        );
        // An edit off the finding's lines, or one that no longer applies: no suggestion.
        assert_eq!(suggested_lines(text, std::slice::from_ref(&e), 2, 2), None);
        assert_eq!(
            suggested_lines("apiVersion: v1\n", std::slice::from_ref(&e), 1, 1),
            None
        );
        // An edit that adds a line.
        let grow = edit(2, 0, "kind", "# note\nkind");
        assert_eq!(
            suggested_lines(text, &[grow], 2, 2).as_deref(),
            Some("# note\nkind: CronJob")
        );
        assert_eq!(suggestion_block("a ``` b"), "````suggestion\na ``` b\n````");
    }
}
