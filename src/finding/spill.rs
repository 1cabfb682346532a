//! The findings of files, kept as their finished output records in a temporary file until
//! the report is written. A file's records are made by its worker while the file's text is in
//! memory (message, snippet and all); the report only copies them, in order, between the
//! findings made after the files (cross-resource rules, suppressions). Memory then stays the
//! same whatever the number of findings: only their count by severity, the rules they came
//! from and each file's name and count are held.
//!
//! The records of one file are in output order, and files are added in output order (by
//! name), so reading the file front to back gives the findings in output order.

use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::sync::Arc;

use super::{RuleMeta, Severity};

/// One finding as the report writes it, with what places it in output order and what the
/// summary counts.
#[derive(Debug)]
pub struct Record {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub line: u32,
    pub col: u32,
    /// Orders findings at the same place of the same rule.
    pub message: Box<str>,
    /// The bytes the report writes for the finding.
    pub bytes: Vec<u8>,
}

/// The records of the files, in a temporary file (deleted when closed).
#[derive(Debug)]
pub struct Spill {
    out: BufWriter<std::fs::File>,
    /// Each file with records, and how many, in the order they were added.
    files: Vec<(Arc<str>, u32)>,
    /// The rules records came from: a record names its rule by its place here.
    rules: Vec<&'static RuleMeta>,
    /// How many records of each severity (note, warning, error).
    by_severity: [usize; 3],
    /// Records below this severity are left out when read (`--min-severity`).
    shown_from: Severity,
}

impl Spill {
    pub fn new() -> io::Result<Spill> {
        Ok(Spill {
            out: BufWriter::with_capacity(1 << 16, tempfile::tempfile()?),
            files: Vec::new(),
            rules: Vec::new(),
            by_severity: [0; 3],
            shown_from: Severity::Note,
        })
    }

    /// The name of the last file added: a file added after it must sort after it.
    pub fn last_file(&self) -> Option<&str> {
        self.files.last().map(|(f, _)| &**f)
    }

    /// Adds the records of `file` (in output order; the file sorts after every file before).
    pub fn push_file(&mut self, file: Arc<str>, records: Vec<Record>) -> io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let count = u32::try_from(records.len()).map_err(io::Error::other)?;
        for r in records {
            let rule = match self.rules.iter().position(|m| std::ptr::eq(*m, r.rule)) {
                Some(i) => i,
                None => {
                    self.rules.push(r.rule);
                    self.rules.len() - 1
                }
            };
            self.by_severity[r.severity as usize] += 1;
            let w = &mut self.out;
            w.write_all(&r.line.to_le_bytes())?;
            w.write_all(&r.col.to_le_bytes())?;
            w.write_all(&(rule as u32).to_le_bytes())?;
            w.write_all(&[r.severity as u8])?;
            write_bytes(w, r.message.as_bytes())?;
            write_bytes(w, &r.bytes)?;
        }
        self.files.push((file, count));
        Ok(())
    }

    /// How many records there are.
    pub fn len(&self) -> usize {
        self.by_severity.iter().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many records are of severity `s`.
    pub fn count(&self, s: Severity) -> usize {
        self.by_severity[s as usize]
    }

    /// Leaves the records below `s` out of what is read; returns how many that is.
    pub fn hide_below(&mut self, s: Severity) -> usize {
        self.shown_from = s;
        [Severity::Note, Severity::Warning]
            .iter()
            .filter(|&&x| x < s)
            .map(|&x| self.count(x))
            .sum()
    }

    /// The least severity of the records shown.
    pub fn shown_from(&self) -> Severity {
        self.shown_from
    }

    /// Writes out what is buffered: the records can then be read.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Reads the records back, in the order they were added (after [`Spill::flush`]).
    pub fn reader(&self) -> io::Result<SpillReader<'_>> {
        if !self.out.buffer().is_empty() {
            return Err(io::Error::other("the spilled records were not flushed"));
        }
        let mut file = self.out.get_ref().try_clone()?;
        file.rewind()?;
        Ok(SpillReader {
            input: BufReader::with_capacity(1 << 16, file),
            files: &self.files,
            rules: &self.rules,
            file: 0,
            left: self.files.first().map_or(0, |(_, n)| *n),
        })
    }
}

fn write_bytes(w: &mut impl Write, b: &[u8]) -> io::Result<()> {
    let n = u32::try_from(b.len()).map_err(io::Error::other)?;
    w.write_all(&n.to_le_bytes())?;
    w.write_all(b)
}

/// The records of a [`Spill`], with the name of the file each belongs to.
pub struct SpillReader<'s> {
    input: BufReader<std::fs::File>,
    files: &'s [(Arc<str>, u32)],
    rules: &'s [&'static RuleMeta],
    /// The file being read, and how many of its records are left.
    file: usize,
    left: u32,
}

impl SpillReader<'_> {
    /// The file of the next record, if any is left.
    pub fn peek_file(&mut self) -> Option<&Arc<str>> {
        while self.left == 0 {
            self.file += 1;
            self.left = self.files.get(self.file)?.1;
        }
        self.files.get(self.file).map(|(f, _)| f)
    }

    /// The next record and its file.
    pub fn next_record(&mut self) -> io::Result<Option<(Arc<str>, Record)>> {
        let Some(file) = self.peek_file().cloned() else {
            return Ok(None);
        };
        self.left -= 1;
        let line = self.read_u32()?;
        let col = self.read_u32()?;
        let rule = self.read_u32()? as usize;
        let mut sev = [0u8];
        self.input.read_exact(&mut sev)?;
        let message = String::from_utf8(self.read_bytes()?).map_err(io::Error::other)?;
        let bytes = self.read_bytes()?;
        let rule = *self
            .rules
            .get(rule)
            .ok_or_else(|| io::Error::other("a spilled record names no rule"))?;
        let severity = match sev[0] {
            0 => Severity::Note,
            1 => Severity::Warning,
            _ => Severity::Error,
        };
        let record = Record {
            rule,
            severity,
            line,
            col,
            message: message.into_boxed_str(),
            bytes,
        };
        Ok(Some((file, record)))
    }

    fn read_u32(&mut self) -> io::Result<u32> {
        let mut b = [0u8; 4];
        self.input.read_exact(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn read_bytes(&mut self) -> io::Result<Vec<u8>> {
        let n = self.read_u32()? as usize;
        let mut b = vec![0u8; n];
        self.input.read_exact(&mut b)?;
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Family, Precision, Scope};

    const META: RuleMeta = RuleMeta {
        id: "KH001",
        slug: "a",
        title: "a",
        family: Family::Input,
        severity: Severity::Error,
        severity_note: None,
        precision: Precision::VeryHigh,
        security_severity: None,
        scope: Scope::Object,
        pss_control: None,
        tags: &[],
        page: "",
    };
    static RULE_A: RuleMeta = META;
    static RULE_B: RuleMeta = RuleMeta {
        id: "KH902",
        slug: "b",
        ..META
    };

    fn record(rule: &'static RuleMeta, severity: Severity, line: u32, bytes: &str) -> Record {
        Record {
            rule,
            severity,
            line,
            col: 2,
            message: format!("m{line}").into_boxed_str(),
            bytes: bytes.as_bytes().to_vec(),
        }
    }

    #[test]
    fn records_come_back_in_order_with_their_files() {
        let mut s = Spill::new().unwrap();
        s.push_file(
            "a.yaml".into(),
            vec![
                record(&RULE_A, Severity::Error, 1, "one"),
                record(&RULE_B, Severity::Note, 3, ""),
            ],
        )
        .unwrap();
        s.push_file("b.yaml".into(), Vec::new()).unwrap();
        s.push_file(
            "c.yaml".into(),
            vec![record(&RULE_B, Severity::Warning, 7, "three")],
        )
        .unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s.count(Severity::Warning), 1);
        assert_eq!(s.last_file(), Some("c.yaml"));
        assert!(s.reader().is_err(), "not flushed yet");
        s.flush().unwrap();
        let mut r = s.reader().unwrap();
        let mut got = Vec::new();
        while let Some((file, rec)) = r.next_record().unwrap() {
            got.push((
                file.to_string(),
                rec.rule.id,
                rec.severity,
                rec.line,
                rec.col,
                rec.message.to_string(),
                String::from_utf8(rec.bytes).unwrap(),
            ));
        }
        let want = [
            ("a.yaml", "KH001", Severity::Error, 1, "m1", "one"),
            ("a.yaml", "KH902", Severity::Note, 3, "m3", ""),
            ("c.yaml", "KH902", Severity::Warning, 7, "m7", "three"),
        ];
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert_eq!(
                (&*g.0, g.1, g.2, g.3, g.4, &*g.5, &*g.6),
                (w.0, w.1, w.2, w.3, 2, w.4, w.5)
            );
        }
    }
}
