//! Manifest files over the size limit (`--max-file-size`), read a document at a time: the
//! file is split where Kubernetes splits a stream (`---` lines) as it is read, each part
//! within the limit is checked as a text of its own and what it found is moved to the
//! file's lines, and a part over the limit is an error (KH006) on its first line. Memory
//! follows the largest part, never the file: a limit never turns a finding into a pass.

use super::*;

/// Checks a manifest file over the size limit, a part at a time: `scan_text` checks the text
/// of a part (with the number of lines before it) as the text of a file is checked.
pub(super) fn scan_large_file(
    mut file: std::fs::File,
    size: u64,
    display: &str,
    cx: &RunContext<'_>,
    mut scan_text: impl FnMut(&str, u32, &mut FileOutcome),
) -> FileOutcome {
    let max = cx.opts.max_file_size;
    let (size, limit) = read::sizes(size, max);
    let mut out = FileOutcome::default();
    out.stats.files = 1;
    match encoding_of(&mut file) {
        Ok(Encoding::Utf8) => {}
        Ok(other) => {
            out.findings.push(file_finding(
                &SKIPPED_FILE,
                display,
                FILE_START,
                format!(
                    "not scanned: the file is {size}, over the {limit} limit (--max-file-size), and in {}: only UTF-8 files over the limit are read a document at a time; save it as UTF-8, or raise the limit",
                    other.name()
                ),
            ));
            return out;
        }
        Err(e) => {
            out.findings.push(cannot_read(display, &e));
            return out;
        }
    }
    out.notices.push(Notice {
        file: display.to_string(),
        line: None,
        message: format!(
            "the file is {size}, over the {limit} limit (--max-file-size): read a document at a time"
        ),
        verbose: true,
    });
    // Documents before the current part, so that each keeps its place in the file's stream.
    let mut documents = 0u32;
    let read = load::split::for_each_part(&file, max, |part| {
        let lines = part.first_line - 1;
        match part.bytes.map(load::decode) {
            Some(Ok(text)) => {
                let mut o = FileOutcome::default();
                scan_text(&text, lines, &mut o);
                o.shift(lines, documents);
                documents = documents.saturating_add(o.stats.documents as u32);
                out.absorb(o);
            }
            Some(Err(problem)) => {
                let mut f = text_problem_finding(display, "this document", problem);
                f.shift_lines(lines);
                out.findings.push(f);
            }
            None => {
                let (part_size, limit) = read::sizes(part.size, max);
                out.findings.push(file_finding(
                    &SKIPPED_FILE,
                    display,
                    Pos {
                        line: part.document_line(),
                        col: 0,
                    },
                    format!(
                        "not scanned: the document on lines {} to {} is {part_size}, over the {limit} limit (--max-file-size); a file over the limit is read a document at a time, and no document of it may be over the limit",
                        part.document_line(),
                        part.last_line
                    ),
                ));
            }
        }
    });
    if let Err(e) = read {
        out.findings.push(cannot_read(display, &e));
    }
    // A fix is made on the whole text of a file: one read a part at a time is not fixed.
    for f in &mut out.findings {
        f.fix = None;
    }
    out
}

/// Hands each part of a file over the size limit that names one of `words` to `f`, with the
/// number of lines before it (for what is read before the scan: Namespaces, policies).
pub(super) fn for_each_part_naming(
    mut file: std::fs::File,
    max: u64,
    words: &[&str],
    mut f: impl FnMut(&str, u32),
) {
    if !matches!(encoding_of(&mut file), Ok(Encoding::Utf8)) {
        return;
    }
    // A part that cannot be read is the scan's to report.
    let _ = load::split::for_each_part(&file, max, |part| {
        let Some(bytes) = part.bytes else { return };
        if !words
            .iter()
            .any(|w| memchr::memmem::find(bytes, w.as_bytes()).is_some())
        {
            return;
        }
        if let Ok(text) = load::decode(bytes) {
            f(&text, part.first_line - 1);
        }
    });
}

/// The encoding a file's byte order mark declares; the file is left at its start.
fn encoding_of(file: &mut std::fs::File) -> std::io::Result<Encoding> {
    use std::io::{Read, Seek};
    let mut head = Vec::with_capacity(4);
    file.take(4).read_to_end(&mut head)?;
    file.rewind()?;
    Ok(Encoding::sniff(&head).0)
}

fn cannot_read(display: &str, e: &std::io::Error) -> Finding {
    file_finding(
        &UNREADABLE_FILE,
        display,
        FILE_START,
        format!("cannot read the file: {e}"),
    )
}

impl FileOutcome {
    /// Moves what was found in a part of a file (one that starts on line `lines + 1`, after
    /// `documents` others) to its place in the file.
    fn shift(&mut self, lines: u32, documents: u32) {
        for f in &mut self.findings {
            f.shift_lines(lines);
        }
        for n in &mut self.notices {
            if let Some(l) = &mut n.line {
                *l = l.saturating_add(lines);
            }
        }
        if let Some((_, sups)) = &mut self.suppressions {
            for s in sups {
                s.shift_lines(lines);
            }
        }
        self.index.shift(lines, documents);
    }

    /// Adds what another part of the same file found.
    fn absorb(&mut self, part: FileOutcome) {
        self.findings.extend(part.findings);
        self.notices.extend(part.notices);
        match (&mut self.suppressions, part.suppressions) {
            (Some((_, mine)), Some((_, more))) => mine.extend(more),
            (mine @ None, more) => *mine = more,
            (Some(_), None) => {}
        }
        self.index.merge(part.index);
        self.stats.documents += part.stats.documents;
        self.stats.resources += part.stats.resources;
    }
}
