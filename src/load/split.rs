//! Splitting a text into its YAML documents by hand, at `---` lines, without parsing it: a
//! look for what only a few documents of a large file hold, before (or instead of) reading
//! it whole; and reading a stream too large to hold whole a part at a time, where Kubernetes
//! splits it.

/// The parts of a text (with their first line) that may declare a Namespace object: the
/// YAML documents, split at `---` lines, with a `kind: Namespace` (`"kind": "Namespace"` in
/// JSON, which is taken whole).
pub fn documents_declaring_namespace(text: &str) -> Vec<(u32, &str)> {
    documents_declaring(text, &["Namespace"])
}

/// The parts of a text (with their first line) that may declare an object of one of `kinds`:
/// the YAML documents, split at `---` lines, with a `kind: K` (`"kind": "K"` in JSON, which
/// is taken whole) for a K of `kinds`.
pub fn documents_declaring<'t>(text: &'t str, kinds: &[&str]) -> Vec<(u32, &'t str)> {
    fn declares_one(chunk: &str, kind: &str) -> bool {
        chunk.match_indices(kind).any(|(i, _)| {
            let before = chunk[..i].trim_end_matches(['"', '\'', ' ', '\t']);
            let after = chunk[i + kind.len()..].trim_start_matches(['"', '\'']);
            let ends = after
                .chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || c == ',' || c == '}' || c == '#');
            ends && before.ends_with(':')
                && before[..before.len() - 1]
                    .trim_end_matches(['"', '\'', ' ', '\t'])
                    .ends_with("kind")
        })
    }
    let declares = |chunk: &str| kinds.iter().any(|k| declares_one(chunk, k));
    if !kinds.iter().any(|k| text.contains(k)) {
        return Vec::new();
    }
    if text.trim_start().starts_with('{') {
        return if declares(text) {
            vec![(1, text)]
        } else {
            Vec::new()
        };
    }
    let mut out = Vec::new();
    let (mut start, mut start_line, mut line) = (0usize, 1u32, 1u32);
    let mut offset = 0usize;
    for l in text.split_inclusive('\n') {
        if l.starts_with("---") && offset > start {
            let chunk = &text[start..offset];
            if declares(chunk) {
                out.push((start_line, chunk));
            }
            start = offset;
            start_line = line;
        }
        offset += l.len();
        line += 1;
    }
    let chunk = &text[start..];
    if declares(chunk) {
        out.push((start_line, chunk));
    }
    out
}

/// Whether a line is one Kubernetes splits a stream at: `---` and nothing after it but white
/// space or a comment.
pub fn is_separator(line: &str) -> bool {
    line.strip_prefix("---").is_some_and(|rest| {
        let rest = rest.trim();
        rest.is_empty() || rest.starts_with('#')
    })
}

/// A part of a stream read a part at a time ([`for_each_part`]): its lines from one `---`
/// line (where Kubernetes splits a stream) up to the next.
#[derive(Debug)]
pub struct Part<'a> {
    /// The 1-based line the part starts on: its `---` line, or line 1.
    pub first_line: u32,
    /// Its last line.
    pub last_line: u32,
    /// Its size in bytes.
    pub size: u64,
    /// Its bytes; None when there are more than the limit (they were not kept).
    pub bytes: Option<&'a [u8]>,
}

impl Part<'_> {
    /// The line its document starts on: the one after its `---` line.
    pub fn document_line(&self) -> u32 {
        if self.first_line > 1 {
            (self.first_line + 1).min(self.last_line)
        } else {
            1
        }
    }
}

/// Reads a stream a part at a time, split where Kubernetes splits it (`---` lines), and hands
/// each part to `f`: the bytes of a part of at most `max` bytes, the place and size of a
/// larger one. Memory stays within twice `max` (a part, and a line of it), whatever the size
/// of the stream.
pub fn for_each_part(
    reader: impl std::io::Read,
    max: u64,
    mut f: impl FnMut(Part<'_>),
) -> std::io::Result<()> {
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, reader);
    // A line is kept up to one byte over the limit: enough to tell it is too long.
    let cap = usize::try_from(max.saturating_add(1)).unwrap_or(usize::MAX);
    let mut line = Vec::new();
    let mut kept: Vec<u8> = Vec::new();
    let (mut size, mut over) = (0u64, false);
    let (mut first_line, mut line_no) = (1u32, 1u32);
    loop {
        line.clear();
        let len = read_line(&mut reader, &mut line, cap)?;
        if len == 0 {
            break;
        }
        if size > 0 && starts_part(&line) {
            f(Part {
                first_line,
                last_line: line_no - 1,
                size,
                bytes: (!over).then_some(kept.as_slice()),
            });
            kept.clear();
            (size, over, first_line) = (0, false, line_no);
        }
        size += len;
        if !over && size > max {
            over = true;
            kept = Vec::new();
        } else if !over {
            kept.extend_from_slice(&line);
        }
        line_no = line_no.saturating_add(1);
    }
    if size > 0 {
        f(Part {
            first_line,
            last_line: line_no - 1,
            size,
            bytes: (!over).then_some(kept.as_slice()),
        });
    }
    Ok(())
}

/// Whether a line read from a stream is a `---` line that starts a part. Of a line longer
/// than the limit only the start is known; the part it is in is over the limit either way.
fn starts_part(line: &[u8]) -> bool {
    let text = match std::str::from_utf8(line) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&line[..e.valid_up_to()]).unwrap_or_default(),
    };
    is_separator(text)
}

/// Reads one line (its `\n` included) into `buf`, keeping at most `cap` bytes of it; returns
/// its whole length (0 at the end of the stream).
fn read_line(
    reader: &mut impl std::io::BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> std::io::Result<u64> {
    let mut total = 0u64;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(total);
        }
        let (take, ends) = match memchr::memchr(b'\n', available) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        let room = cap.saturating_sub(buf.len());
        buf.extend_from_slice(&available[..take.min(room)]);
        total += take as u64;
        reader.consume(take);
        if ends {
            return Ok(total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{documents_declaring_namespace, for_each_part};

    /// (first line, last line, size, bytes) of each part of `text`.
    fn parts(text: &str, max: u64) -> Vec<(u32, u32, u64, Option<String>)> {
        let mut out = Vec::new();
        for_each_part(text.as_bytes(), max, |p| {
            out.push((
                p.first_line,
                p.last_line,
                p.size,
                p.bytes.map(|b| String::from_utf8(b.to_vec()).unwrap()),
            ))
        })
        .unwrap();
        out
    }

    #[test]
    fn a_stream_is_read_a_part_at_a_time_where_kubernetes_splits_it() {
        let text = "---\na: 1\n---\nb: 2\n--- # c\n---x\n--- y\nc: 3";
        let s = |t: &str| Some(t.to_string());
        assert_eq!(
            parts(text, 100),
            vec![
                (1, 2, 9, s("---\na: 1\n")),
                (3, 4, 9, s("---\nb: 2\n")),
                (5, 8, 23, s("--- # c\n---x\n--- y\nc: 3")),
            ]
        );
        // A part over the limit is placed and measured, not kept; the next one is.
        let big = format!("a: 1\n---\nb: {}\n---\nc: 3\n", "x".repeat(40));
        assert_eq!(
            parts(&big, 20),
            vec![
                (1, 1, 5, s("a: 1\n")),
                (2, 3, 48, None),
                (4, 5, 9, s("---\nc: 3\n")),
            ]
        );
        // A line far over the limit is not kept either, wherever it ends.
        let long = format!("{}\n---\nc: 3\n", "#".repeat(200_000));
        assert_eq!(
            parts(&long, 1000),
            vec![(1, 1, 200_001, None), (2, 3, 9, s("---\nc: 3\n"))]
        );
        assert!(parts("", 10).is_empty());
    }

    #[test]
    fn finds_only_documents_that_declare_a_namespace() {
        let text = "kind: ConfigMap\ndata:\n  a: \"Namespace of the thing\"\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\nkind: \"Namespace\"\n---\nkind: NamespaceList\n";
        let found = documents_declaring_namespace(text);
        let lines: Vec<u32> = found.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![4, 9]);
        assert!(documents_declaring_namespace("{\"kind\": \"Namespace\"}").len() == 1);
        assert!(
            documents_declaring_namespace("{\"kind\": \"Pod\", \"x\": \"Namespace\"}").is_empty()
        );
    }
}
