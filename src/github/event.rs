//! The pull request a GitHub Actions run is about, read from the webhook payload at
//! `GITHUB_EVENT_PATH`.

use std::path::Path;

use serde_json::Value;

/// What a review needs to know about the pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub owner: String,
    pub repo: String,
    pub number: u64,
    /// The commit the review comments are on: the head of the pull request, not
    /// `GITHUB_SHA` (a merge commit, or the base branch's tip under `pull_request_target`).
    pub head_sha: String,
    /// The head repository's `owner/name`, when it is not the base repository.
    pub fork: Option<String>,
    /// `pull_request.changed_files`, when the payload has it.
    pub changed_files: Option<u64>,
}

/// The events whose payload carries a `pull_request` to review.
const PR_EVENTS: [&str; 2] = ["pull_request", "pull_request_target"];

/// Reads the pull request from the event; `Err` is the one-line reason there is none.
pub fn read(
    event_name: Option<&str>,
    event_path: Option<&Path>,
    repository: Option<&str>,
) -> Result<PullRequest, String> {
    match event_name.filter(|n| !n.is_empty()) {
        Some(name) if !PR_EVENTS.contains(&name) => {
            return Err(format!(
                "not a pull request event (GITHUB_EVENT_NAME is {name:?}; a review needs pull_request or pull_request_target)"
            ));
        }
        Some(_) => {}
        None => {
            return Err(
                "GITHUB_EVENT_NAME is not set: not running in a GitHub Actions pull request workflow"
                    .into(),
            );
        }
    }
    let path = event_path
        .filter(|p| !p.as_os_str().is_empty())
        .ok_or("GITHUB_EVENT_PATH is not set: the pull request event cannot be read")?;
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read the event payload {} (GITHUB_EVENT_PATH): {e}",
            path.display()
        )
    })?;
    let event: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "the event payload {} is not valid JSON: {e}",
            path.display()
        )
    })?;
    parse(&event, repository)
}

/// The pull request of a parsed payload.
pub fn parse(event: &Value, repository: Option<&str>) -> Result<PullRequest, String> {
    let pr = event
        .get("pull_request")
        .filter(|v| v.is_object())
        .ok_or("the event payload has no pull_request object")?;
    let number = pr
        .get("number")
        .and_then(Value::as_u64)
        .or_else(|| event.get("number").and_then(Value::as_u64))
        .filter(|n| *n > 0)
        .ok_or("the event payload has no pull_request.number")?;
    let head_sha = pr
        .pointer("/head/sha")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or("the event payload has no valid pull_request.head.sha")?
        .to_string();
    let base_repo = pr
        .pointer("/base/repo/full_name")
        .and_then(Value::as_str)
        .or_else(|| {
            event
                .pointer("/repository/full_name")
                .and_then(Value::as_str)
        });
    // The review goes to the repository the workflow runs in: the base repository.
    let full_name = repository
        .filter(|r| !r.is_empty())
        .or(base_repo)
        .ok_or("neither GITHUB_REPOSITORY nor the event payload names the repository")?;
    let (owner, repo) = split_full_name(full_name)
        .ok_or_else(|| format!("the repository name {full_name:?} is not owner/name"))?;
    let head_repo = pr.pointer("/head/repo/full_name").and_then(Value::as_str);
    // A fork whose repository was deleted has `head.repo: null`.
    let head_repo_gone = pr.pointer("/head/repo").is_some_and(Value::is_null);
    let fork = match (head_repo, base_repo) {
        (Some(h), Some(b)) if !h.eq_ignore_ascii_case(b) => Some(h.to_string()),
        _ if head_repo_gone => Some("(deleted repository)".to_string()),
        _ => None,
    };
    Ok(PullRequest {
        owner: owner.to_string(),
        repo: repo.to_string(),
        number,
        head_sha,
        fork,
        changed_files: pr.get("changed_files").and_then(Value::as_u64),
    })
}

/// `owner/name` → (owner, name), each a plain path segment.
fn split_full_name(s: &str) -> Option<(&str, &str)> {
    let (owner, repo) = s.split_once('/')?;
    let ok = |p: &str| {
        !p.is_empty()
            && p != "."
            && p != ".."
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    (ok(owner) && ok(repo)).then_some((owner, repo))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(head: &str, base: &str) -> Value {
        json!({
            "action": "synchronize",
            "number": 7,
            "pull_request": {
                "number": 7,
                "changed_files": 2,
                "head": {"sha": "0123abcd", "repo": {"full_name": head}},
                "base": {"sha": "ffff0000", "repo": {"full_name": base}}
            },
            "repository": {"full_name": base}
        })
    }

    #[test]
    fn same_repository_and_fork() {
        let pr = parse(&event("acme/app", "acme/app"), Some("acme/app")).unwrap();
        assert_eq!(
            (pr.owner.as_str(), pr.repo.as_str(), pr.number),
            ("acme", "app", 7)
        );
        assert_eq!(pr.head_sha, "0123abcd");
        assert_eq!(pr.fork, None);
        assert_eq!(pr.changed_files, Some(2));
        let pr = parse(&event("mallory/app", "acme/app"), None).unwrap();
        assert_eq!(pr.fork.as_deref(), Some("mallory/app"));
        assert_eq!(pr.owner, "acme");
    }

    #[test]
    fn bad_payloads_give_reasons() {
        let no_pr = parse(&json!({"ref": "refs/heads/main"}), Some("a/b")).unwrap_err();
        assert!(no_pr.contains("no pull_request"), "{no_pr}");
        let mut e = event("a/b", "a/b");
        e["pull_request"]["head"]["sha"] = json!("not a sha");
        assert!(parse(&e, None).unwrap_err().contains("head.sha"));
        assert!(
            parse(&event("a/b", "a/b"), Some("../x"))
                .unwrap_err()
                .contains("owner/name")
        );
        assert!(
            read(Some("push"), None, None)
                .unwrap_err()
                .contains("not a pull request event")
        );
        assert!(
            read(None, None, None)
                .unwrap_err()
                .contains("GITHUB_EVENT_NAME")
        );
        assert!(
            read(Some("pull_request"), None, None)
                .unwrap_err()
                .contains("GITHUB_EVENT_PATH")
        );
    }
}
