//! Concise output: one line per finding, `path:line:col: severity RULE message`, the form
//! editors' quickfix lists and `grep` read.

use std::io::{self, Write};

use crate::finding::Finding;
use crate::finding::result::ScanResult;

/// Writes each finding on one line (newlines in a message become spaces, other control
/// characters `%XX`), and nothing else.
pub fn write_concise<W: Write>(result: &ScanResult, w: &mut W) -> io::Result<()> {
    super::each_in_order(result, |item| match item {
        super::Item::Kept(f) => w.write_all(line(f).as_bytes()),
        super::Item::Spilled(_, r) => w.write_all(&r.bytes),
    })
}

/// The line of one finding.
pub(super) fn line(f: &Finding) -> String {
    let message = f.message.replace(['\n', '\r'], " ");
    // No control character from the scanned files reaches the terminal.
    let message = super::percent_controls(&message);
    format!(
        "{}:{}:{}: {} {} {}\n",
        f.file,
        f.span.start.line.max(1),
        f.span.start.col + 1,
        f.severity.as_str(),
        f.rule.id,
        message
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::rules::security_context::PRIVILEGED;
    use crate::span::{Pos, Span};

    #[test]
    fn one_line_per_finding() {
        let at = Span::point(Pos { line: 7, col: 4 });
        let f = Finding::new(
            &PRIVILEGED,
            Arc::from("k8s/a.yaml"),
            at,
            "two\nlines".into(),
        );
        let result = ScanResult {
            findings: vec![f],
            ..ScanResult::default()
        };
        let mut out = Vec::new();
        write_concise(&result, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "k8s/a.yaml:7:5: error KH101 two lines\n"
        );
    }
}
