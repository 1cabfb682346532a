//! Splitting a text into its YAML documents by hand, at `---` lines, without parsing it: a
//! look for what only a few documents of a large file hold, before (or instead of) reading
//! it whole.

/// The parts of a text (with their first line) that may declare a Namespace object: the
/// YAML documents, split at `---` lines, with a `kind: Namespace` (`"kind": "Namespace"` in
/// JSON, which is taken whole).
pub fn documents_declaring_namespace(text: &str) -> Vec<(u32, &str)> {
    fn declares(chunk: &str) -> bool {
        chunk.match_indices("Namespace").any(|(i, _)| {
            let before = chunk[..i].trim_end_matches(['"', '\'', ' ', '\t']);
            let after = chunk[i + "Namespace".len()..].trim_start_matches(['"', '\'']);
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
    if !text.contains("Namespace") {
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

#[cfg(test)]
mod tests {
    use super::documents_declaring_namespace;

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
