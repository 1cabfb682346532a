//! What the fixture harnesses share: reading `# expect: KH101, KH103` lists.

/// `KH101, KH103` → the ids; anything else (prose that mentions "expect:") → nothing.
pub fn parse_ids(list: &str) -> Vec<String> {
    let ids: Vec<String> = list
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let is_id = |s: &String| {
        s.len() == 5 && s.starts_with("KH") && s[2..].chars().all(|c| c.is_ascii_digit())
    };
    if ids.iter().all(is_id) {
        ids
    } else {
        Vec::new()
    }
}
