//! One pull-request review per run: which findings the filter mode keeps, which of those can
//! be commented on inline (GitHub accepts a review comment only on a line shown in the diff,
//! a multi-line one only within one hunk) and which go in the review's body, what an earlier
//! run already said, and the calls that post it. Every failure ends as a one-line reason in
//! the outcome: a review is feedback on top of the scan, never a reason for the scan to fail.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use super::client::{Api, ApiError};
use super::comment;
use super::event::{self, PullRequest};
use crate::filter::unified_diff::{self as diff, FileDiff};
use crate::finding::fingerprint::{fingerprint_in_file, fingerprint_v1, identity};
use crate::finding::result::ScanResult;
use crate::finding::{Finding, Severity};

/// Which findings a review reports, as reviewdog's filter modes define them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterMode {
    /// The finding starts on a line the pull request adds or changes.
    Added,
    /// The finding starts on a line the diff shows: added, or context around a change.
    DiffContext,
    /// The finding is in a file the pull request changes, on any line.
    File,
    /// Every finding; those off the diff are listed in the review's body.
    NoFilter,
}

impl FilterMode {
    /// `added`, `diff_context`, `file`, `nofilter` (reviewdog's names; `-` for `_` and
    /// `no_filter` are accepted too).
    pub fn parse(s: &str) -> Option<FilterMode> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "added" | "default" => Some(FilterMode::Added),
            "diff_context" => Some(FilterMode::DiffContext),
            "file" => Some(FilterMode::File),
            "nofilter" | "no_filter" => Some(FilterMode::NoFilter),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FilterMode::Added => "added",
            FilterMode::DiffContext => "diff_context",
            FilterMode::File => "file",
            FilterMode::NoFilter => "nofilter",
        }
    }
}

impl std::fmt::Display for FilterMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where and as whom to post; `from_env` reads what GitHub Actions sets.
#[derive(Clone)]
pub struct ReviewOptions {
    pub filter_mode: FilterMode,
    /// `GITHUB_API_URL`: `https://api.github.com`, or `https://HOST/api/v3` on GitHub
    /// Enterprise Server.
    pub api_url: String,
    /// `GITHUB_TOKEN`.
    pub token: Option<String>,
    /// `GITHUB_EVENT_PATH`: the webhook payload.
    pub event_path: Option<PathBuf>,
    /// `GITHUB_EVENT_NAME`.
    pub event_name: Option<String>,
    /// `GITHUB_REPOSITORY`: `owner/name`.
    pub repository: Option<String>,
    /// The repository root, that review comments' paths are relative to.
    pub root: PathBuf,
}

/// Without the token: options end up in logs.
impl std::fmt::Debug for ReviewOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReviewOptions")
            .field("filter_mode", &self.filter_mode)
            .field("api_url", &self.api_url)
            .field("token", &self.token.as_ref().map(|_| "(set)"))
            .field("event_path", &self.event_path)
            .field("event_name", &self.event_name)
            .field("repository", &self.repository)
            .field("root", &self.root)
            .finish()
    }
}

pub const DEFAULT_API_URL: &str = "https://api.github.com";

impl ReviewOptions {
    pub fn from_env(filter_mode: FilterMode) -> ReviewOptions {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        ReviewOptions {
            filter_mode,
            api_url: var("GITHUB_API_URL").unwrap_or_else(|| DEFAULT_API_URL.to_string()),
            token: var("GITHUB_TOKEN"),
            event_path: var("GITHUB_EVENT_PATH").map(PathBuf::from),
            event_name: var("GITHUB_EVENT_NAME"),
            repository: var("GITHUB_REPOSITORY"),
            root: crate::discover::paths::repository_root(),
        }
    }
}

/// What a review did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReviewOutcome {
    /// Inline comments posted.
    pub posted: usize,
    /// Findings listed in the review body instead.
    pub in_body: usize,
    /// Earlier keelhaul comments edited (finding gone / changed).
    pub updated: usize,
    /// Findings already commented on by an earlier run.
    pub unchanged: usize,
    /// Why no review was posted (one line for the log), when none was.
    pub skipped: Option<String>,
}

/// Inline comments per review at most, as reviewdog does: many more in one request trip
/// GitHub's abuse detection. The rest are listed in the body.
pub const MAX_INLINE_COMMENTS: usize = 30;
/// Findings listed in a review body at most, and the body's length: GitHub refuses a body
/// over 65,536 characters.
const MAX_BODY_FINDINGS: usize = 100;
const MAX_BODY_CHARS: usize = 60_000;
/// GitHub's files listing stops at 3,000 files (30 pages of 100).
const MAX_PR_FILES: u64 = 3000;
const MAX_FILE_PAGES: usize = 30;
/// Earlier review comments and reviews read at most (100 a page).
const MAX_COMMENT_PAGES: usize = 100;
/// How long the whole exchange with GitHub may take.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(300);

/// Posts the findings of `result` as a review on the pull request of the current GitHub
/// Actions run. Never panics, never fails: what could not be done is in `skipped`. It runs
/// a Tokio runtime of its own, so it is called from synchronous code, not from a task.
/// `result` comes from a scan asked for fingerprints (`ScanOptions::fingerprints`): a
/// finding's marker is made of its anchor, without which its message stands in.
pub fn post_review(result: &ScanResult, opts: &ReviewOptions) -> ReviewOutcome {
    let run = std::panic::AssertUnwindSafe(|| post_review_inner(result, opts));
    std::panic::catch_unwind(run).unwrap_or_else(|_| ReviewOutcome {
        skipped: Some("internal error while preparing the review (a bug in keelhaul)".into()),
        ..ReviewOutcome::default()
    })
}

fn skipped(why: impl Into<String>) -> ReviewOutcome {
    ReviewOutcome {
        skipped: Some(why.into()),
        ..ReviewOutcome::default()
    }
}

fn post_review_inner(result: &ScanResult, opts: &ReviewOptions) -> ReviewOutcome {
    let pr = match event::read(
        opts.event_name.as_deref(),
        opts.event_path.as_deref(),
        opts.repository.as_deref(),
    ) {
        Ok(pr) => pr,
        Err(why) => return skipped(why),
    };
    let Some(token) = opts.token.as_deref().filter(|t| !t.trim().is_empty()) else {
        return skipped(
            "no GITHUB_TOKEN: pass `GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` in the step's env, with `pull-requests: write` permission",
        );
    };
    if let Some(n) = pr.changed_files.filter(|n| *n > MAX_PR_FILES) {
        return skipped(format!(
            "the pull request changes {n} files, more than the {MAX_PR_FILES} that GitHub's API lists: no review"
        ));
    }
    let findings = prepare(result, &opts.root);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return skipped(format!("cannot start the async runtime: {e}")),
    };
    let mut outcome = ReviewOutcome::default();
    let exchange = async {
        tokio::time::timeout(
            TOTAL_TIMEOUT,
            review(&pr, token, opts, &findings, &mut outcome),
        )
        .await
    };
    match runtime.block_on(exchange) {
        Ok(Ok(())) => {}
        Ok(Err(why)) => outcome.skipped = Some(why),
        Err(_) => {
            outcome.skipped = Some(format!(
                "the GitHub API at {} did not answer within {} s",
                opts.api_url,
                TOTAL_TIMEOUT.as_secs()
            ))
        }
    }
    outcome
}

/// A finding with what the review needs to know of it.
struct Item<'a> {
    finding: &'a Finding,
    /// Relative to the repository root; `None` for standard input or a file outside it.
    path: Option<String>,
    /// Its fingerprint, as this version marks comments with.
    fp: String,
    /// Its fingerprint as version 1 markers had it, to recognise comments posted by an
    /// earlier keelhaul.
    fp_v1: String,
    /// The lines it covers (1-based, inclusive).
    first: u32,
    last: u32,
    /// The file's text, to show a fix as a suggestion.
    text: Option<std::sync::Arc<str>>,
    /// The related places in the repository (path, line): a finding a change made through
    /// another line (the patch that removes a field, the values line a template reads) is
    /// reported when that line changed.
    related: Vec<(String, u32)>,
}

impl Item<'_> {
    /// The finding's marked fingerprints, current first.
    fn marks(&self) -> [comment::Marked; 2] {
        [
            comment::Marked::current(&self.fp),
            comment::Marked {
                version: 1,
                fp: self.fp_v1.clone(),
            },
        ]
    }
}

/// The first and last line a span covers: an end at column 0 of a later line ends on the
/// line before it (the end is exclusive).
fn line_range(f: &Finding) -> (u32, u32) {
    let first = f.span.start.line.max(1);
    let mut last = f.span.end.line;
    if f.span.end.col == 0 && last > first {
        last -= 1;
    }
    (first, last.max(first))
}

/// Repository paths, fingerprints and file texts for every finding, in output order. A
/// finding's fingerprint is its identity (rule, object, field path, the text of its line)
/// with its file, numbered among the file's findings of that identity: an edit around it
/// between two pushes keeps its comment.
fn prepare<'a>(result: &'a ScanResult, root: &Path) -> Vec<Item<'a>> {
    // file name in reports → (repo-relative path, text, GitHub line hashes)
    type FileInfo = (
        Option<String>,
        Option<std::sync::Arc<str>>,
        Option<Vec<String>>,
    );
    let mut files: HashMap<&str, FileInfo> = HashMap::new();
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    let mut seen_ids: HashMap<(String, u64), usize> = HashMap::new();
    let mut out = Vec::with_capacity(result.findings.len());
    for f in &result.findings {
        let (path, text, hashes) = files.entry(&f.file).or_insert_with(|| {
            let path = crate::discover::paths::repo_relative(&f.file, root);
            if path.is_none() {
                return (None, None, None);
            }
            let on_disk = result
                .fixable_files
                .get(&*f.file)
                .cloned()
                .unwrap_or_else(|| PathBuf::from(&*f.file));
            let text = std::fs::read(on_disk)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .map(|t| t.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(t));
            let hashes = text
                .as_deref()
                .map(crate::finding::fingerprint::line_hashes);
            (path, text.map(std::sync::Arc::from), hashes)
        });
        let (first, last) = line_range(f);
        let line_hash = hashes
            .as_ref()
            .and_then(|h| h.get(first as usize - 1))
            .map(String::as_str);
        let shown_path = path.as_deref().unwrap_or(&f.file);
        let key = (
            f.rule.id.to_string(),
            shown_path.to_string(),
            line_hash.unwrap_or(&f.message).to_string(),
        );
        let n = seen.entry(key).or_insert(0);
        let fp_v1 = fingerprint_v1(f.rule.id, shown_path, line_hash, &f.message, *n);
        *n += 1;
        let id = identity(
            f.rule.id,
            f.resource.as_deref(),
            f.anchor.as_deref(),
            &f.message,
        );
        let n = seen_ids.entry((shown_path.to_string(), id)).or_insert(0);
        let fp = fingerprint_in_file(id, shown_path, *n);
        *n += 1;
        let related = f
            .related
            .iter()
            .filter_map(|r| {
                let file = r.file.as_deref().unwrap_or(&f.file);
                let p = crate::discover::paths::repo_relative(file, root)?;
                Some((p, r.span.start.line.max(1)))
            })
            .collect();
        out.push(Item {
            finding: f,
            path: path.clone(),
            fp,
            fp_v1,
            first,
            last,
            text: text.clone(),
            related,
        });
    }
    out
}

/// Where a finding goes in the review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// A comment on `line`, from `start_line` when it spans several; `whole` when it covers
    /// every line of the finding (only then can it carry a suggestion).
    Inline {
        line: u32,
        start_line: Option<u32>,
        whole: bool,
    },
    /// Listed in the review body.
    Body,
    /// Not reported under the filter mode.
    Left,
}

/// The changed files of the pull request: path → its diff (`None`: GitHub sent no patch,
/// for a binary or very large file).
type Changes = HashMap<String, Option<FileDiff>>;

fn place(item: &Item<'_>, mode: FilterMode, changes: &Changes) -> Place {
    let Some(path) = &item.path else {
        // Standard input or outside the repository: no line of the diff to comment on.
        return Place::Body;
    };
    let diff = changes.get(path).and_then(Option::as_ref);
    let (first, last) = (item.first, item.last);
    let touched = |path: &str, line: u32| {
        let diff = changes.get(path).and_then(Option::as_ref);
        match mode {
            FilterMode::Added => diff.is_some_and(|d| d.is_added(line)),
            FilterMode::DiffContext => diff.is_some_and(|d| d.in_hunk(line)),
            FilterMode::File => changes.contains_key(path),
            FilterMode::NoFilter => true,
        }
    };
    if !touched(path, first) {
        // Changed through a related line only: listed in the review's body.
        return if item.related.iter().any(|(p, l)| touched(p, *l)) {
            Place::Body
        } else {
            Place::Left
        };
    }
    match diff {
        Some(d) if d.same_hunk(first, last) => Place::Inline {
            line: last,
            start_line: (first < last).then_some(first),
            whole: true,
        },
        // The finding runs out of its hunk: comment on its first line alone.
        Some(d) if d.in_hunk(first) => Place::Inline {
            line: first,
            start_line: None,
            whole: first == last,
        },
        _ => Place::Body,
    }
}

/// An earlier keelhaul comment.
struct Earlier {
    id: u64,
    body: String,
}

/// A reason for the log, from what a call answered.
fn describe(what: &str, e: &ApiError, pr: &PullRequest, api_url: &str) -> String {
    let fork_note = match &pr.fork {
        Some(f) => format!(
            "; the pull request comes from the fork {f}, and GitHub gives `pull_request` workflows of fork pull requests a read-only GITHUB_TOKEN"
        ),
        None => "; the workflow needs `permissions: pull-requests: write`".to_string(),
    };
    match e {
        ApiError::Status { code: 403, message } => {
            format!(
                "{what}: the token may not write to this pull request (HTTP 403: {message}){fork_note}"
            )
        }
        ApiError::Status { code: 401, message } => {
            format!("{what}: GitHub refused the token (HTTP 401: {message})")
        }
        ApiError::Status { code: 404, message } => format!(
            "{what}: not found (HTTP 404: {message}): the token cannot see {}/{} pull request #{}",
            pr.owner, pr.repo, pr.number
        ),
        ApiError::Status { code: 422, message } => {
            format!("{what}: GitHub rejected it as invalid (HTTP 422: {message})")
        }
        ApiError::Status { .. } | ApiError::Unexpected(_) => format!("{what}: {e}"),
        ApiError::Network(m) => format!("{what}: cannot reach the GitHub API at {api_url}: {m}"),
    }
}

async fn review(
    pr: &PullRequest,
    token: &str,
    opts: &ReviewOptions,
    items: &[Item<'_>],
    outcome: &mut ReviewOutcome,
) -> Result<(), String> {
    let api = Api::new(&opts.api_url, token)?;
    let base = format!("/repos/{}/{}/pulls", pr.owner, pr.repo);
    let pull = format!("{base}/{}", pr.number);

    let changes = changed_files(&api, &pull, pr, &opts.api_url).await?;
    let me = own_login(&api).await;
    let earlier = earlier_comments(&api, &pull, pr, &opts.api_url, &me).await?;
    let listed_before = listed_in_earlier_reviews(&api, &pull, &me).await;

    let mode = opts.filter_mode;
    let mut plan = plan_review(items, mode, &changes, &earlier, outcome);
    let overflow = cap_inline(items, &mut plan);
    // Findings listed in an earlier review's body are not listed again.
    let before = plan.body_items.len();
    plan.body_items
        .retain(|i| !items[*i].marks().iter().any(|m| listed_before.contains(m)));
    outcome.unchanged += before - plan.body_items.len();

    plan.patches.extend(stale_patches(items, &earlier));
    update_earlier(&api, &base, plan.patches, pr, &opts.api_url, outcome).await?;

    if plan.inline.is_empty() && plan.body_items.is_empty() {
        outcome.skipped = Some(nothing_to_post(plan.reported, mode, outcome));
        return Ok(());
    }

    let comments = inline_comments(items, &plan.inline);
    let reported_findings: Vec<&Finding> = items
        .iter()
        .filter(|i| place(i, mode, &changes) != Place::Left)
        .map(|i| i.finding)
        .collect();
    let (body, listed) = review_body(
        &reported_findings,
        items,
        &plan.body_items,
        overflow,
        comments.len(),
        outcome.unchanged,
        mode,
    );
    let request = json!({
        "commit_id": pr.head_sha,
        "event": "COMMENT",
        "body": body,
        "comments": comments,
    });
    api.post(&format!("{pull}/reviews"), &request)
        .await
        .map_err(|e| describe("cannot post the review", &e, pr, &opts.api_url))?;
    outcome.posted = comments.len();
    outcome.in_body = listed;
    Ok(())
}

/// The pull request's changes: every file it changes, with its diff when GitHub sends one.
/// A pull request with more files than GitHub's API lists gets no review.
async fn changed_files(
    api: &Api,
    pull: &str,
    pr: &PullRequest,
    api_url: &str,
) -> Result<Changes, String> {
    let (files, truncated) = match api.list(&format!("{pull}/files"), MAX_FILE_PAGES).await {
        Ok(r) => r,
        Err(ApiError::Status { code: 406, message }) => {
            return Err(format!(
                "the pull request's diff is too large for GitHub's API (HTTP 406: {message}): no review"
            ));
        }
        Err(e) => {
            return Err(describe(
                "cannot list the pull request's files",
                &e,
                pr,
                api_url,
            ));
        }
    };
    if truncated || files.len() as u64 > MAX_PR_FILES {
        return Err(format!(
            "the pull request changes more than the {MAX_PR_FILES} files that GitHub's API lists: no review"
        ));
    }
    let mut changes: Changes = HashMap::new();
    for f in &files {
        let Some(name) = f.get("filename").and_then(Value::as_str) else {
            continue;
        };
        let patch = f
            .get("patch")
            .and_then(Value::as_str)
            .map(diff::parse_patch);
        changes.insert(name.to_string(), patch);
    }
    Ok(changes)
}

/// The login of the token's identity: `GET /user` for a personal token; the installation
/// token of a workflow (`GITHUB_TOKEN`) cannot read that, and it is the GitHub Actions bot.
async fn own_login(api: &Api) -> String {
    match api.get("/user").await {
        Ok(u) => u
            .get("login")
            .and_then(Value::as_str)
            .unwrap_or(ACTIONS_BOT)
            .to_string(),
        Err(_) => ACTIONS_BOT.to_string(),
    }
}

/// The login of the GitHub Actions bot, whose comments a workflow's token writes.
const ACTIONS_BOT: &str = "github-actions[bot]";

/// Whether a comment or review was written by `me`. Anyone taking part in a pull request
/// can write keelhaul's marker; only keelhaul's own comments count as its own.
fn written_by(item: &Value, me: &str) -> bool {
    item.get("user")
        .and_then(|u| u.get("login"))
        .and_then(Value::as_str)
        .is_some_and(|l| l == me)
}

/// What earlier runs said inline: their top-level comments (written by the token's identity)
/// by the fingerprint in their marker (replies are skipped; the first comment of a
/// fingerprint wins).
async fn earlier_comments(
    api: &Api,
    pull: &str,
    pr: &PullRequest,
    api_url: &str,
    me: &str,
) -> Result<HashMap<comment::Marked, Earlier>, String> {
    let (comments, _) = api
        .list(&format!("{pull}/comments"), MAX_COMMENT_PAGES)
        .await
        .map_err(|e| describe("cannot list the review comments", &e, pr, api_url))?;
    let mut earlier: HashMap<comment::Marked, Earlier> = HashMap::new();
    for c in &comments {
        if c.get("in_reply_to_id").is_some_and(|v| !v.is_null()) || !written_by(c, me) {
            continue;
        }
        let (Some(id), Some(body)) = (
            c.get("id").and_then(Value::as_u64),
            c.get("body").and_then(Value::as_str),
        ) else {
            continue;
        };
        if let Some(marked) = comment::marker_in(body) {
            earlier.entry(marked).or_insert(Earlier {
                id,
                body: body.to_string(),
            });
        }
    }
    Ok(earlier)
}

/// The fingerprints of findings listed in the bodies of earlier reviews keelhaul wrote (as
/// `me`). Only to avoid listing a finding twice: when the reviews cannot be read, a finding is
/// listed again.
async fn listed_in_earlier_reviews(api: &Api, pull: &str, me: &str) -> HashSet<comment::Marked> {
    match api
        .list(&format!("{pull}/reviews"), MAX_COMMENT_PAGES)
        .await
    {
        Ok((reviews, _)) => reviews
            .iter()
            .filter(|r| written_by(r, me))
            .filter_map(|r| r.get("body").and_then(Value::as_str))
            .flat_map(comment::markers_in_text)
            .collect(),
        Err(_) => HashSet::new(),
    }
}

/// Where the findings go: indices into the items, and edits to earlier comments.
struct Plan {
    /// New inline comments.
    inline: Vec<(usize, Place)>,
    /// Listed in the review body.
    body_items: Vec<usize>,
    /// Findings reported under the filter mode, new or not.
    reported: usize,
    /// Earlier comments to rewrite: (comment id, new body).
    patches: Vec<(u64, String)>,
}

/// Places each item under the filter mode. One commented on by an earlier run keeps that
/// comment, brought up to date if its text changed (or the finding came back after being
/// marked resolved); one whose comment still says the same counts in `outcome.unchanged`.
fn plan_review(
    items: &[Item<'_>],
    mode: FilterMode,
    changes: &Changes,
    earlier: &HashMap<comment::Marked, Earlier>,
    outcome: &mut ReviewOutcome,
) -> Plan {
    let mut plan = Plan {
        inline: Vec::new(),
        body_items: Vec::new(),
        reported: 0,
        patches: Vec::new(),
    };
    for (i, item) in items.iter().enumerate() {
        let p = place(item, mode, changes);
        if p == Place::Left {
            continue;
        }
        plan.reported += 1;
        // A comment with a version 1 marker is brought to the current one (its body differs).
        if let Some(old) = item.marks().iter().find_map(|m| earlier.get(m)) {
            if let Place::Inline { whole, .. } = p {
                let new = inline_body(item, whole);
                if new.trim() != old.body.trim() {
                    plan.patches.push((old.id, new));
                    continue;
                }
            } else if comment::is_resolved(&old.body) {
                plan.patches.push((old.id, inline_body(item, false)));
                continue;
            }
            outcome.unchanged += 1;
            continue;
        }
        match p {
            Place::Inline { .. } => plan.inline.push((i, p)),
            _ => plan.body_items.push(i),
        }
    }
    plan
}

/// Keeps at most `MAX_INLINE_COMMENTS` inline comments, the most severe first when there
/// are too many for one review; the rest move to the body. The comments themselves stay in
/// file and line order. Returns how many moved.
fn cap_inline(items: &[Item<'_>], plan: &mut Plan) -> usize {
    if plan.inline.len() <= MAX_INLINE_COMMENTS {
        return 0;
    }
    let mut by_severity = plan.inline.clone();
    by_severity.sort_by_key(|(i, _)| (std::cmp::Reverse(items[*i].finding.severity), *i));
    let keep: HashSet<usize> = by_severity
        .iter()
        .take(MAX_INLINE_COMMENTS)
        .map(|(i, _)| *i)
        .collect();
    let (kept, over): (Vec<_>, Vec<_>) = std::mem::take(&mut plan.inline)
        .into_iter()
        .partition(|(i, _)| keep.contains(i));
    plan.inline = kept;
    let overflow = over.len();
    plan.body_items.extend(over.into_iter().map(|(i, _)| i));
    plan.body_items.sort_unstable();
    overflow
}

/// Earlier comments whose finding is gone, marked resolved (those already marked are left
/// alone), oldest first.
fn stale_patches(
    items: &[Item<'_>],
    earlier: &HashMap<comment::Marked, Earlier>,
) -> Vec<(u64, String)> {
    let current: HashSet<comment::Marked> = items.iter().flat_map(Item::marks).collect();
    let mut stale: Vec<(&comment::Marked, &Earlier)> = earlier
        .iter()
        .filter(|(m, c)| !current.contains(m) && !comment::is_resolved(&c.body))
        .collect();
    stale.sort_by_key(|(_, c)| c.id);
    stale
        .into_iter()
        .map(|(m, c)| (c.id, comment::resolved_body(&c.body, m)))
        .collect()
}

/// Rewrites earlier comments, counting them in `outcome.updated`.
async fn update_earlier(
    api: &Api,
    base: &str,
    patches: Vec<(u64, String)>,
    pr: &PullRequest,
    api_url: &str,
    outcome: &mut ReviewOutcome,
) -> Result<(), String> {
    for (id, body) in patches {
        match api
            .patch(&format!("{base}/comments/{id}"), &json!({ "body": body }))
            .await
        {
            Ok(_) => outcome.updated += 1,
            // Deleted since it was listed: nothing left to update.
            Err(ApiError::Status { code: 404, .. }) => {}
            Err(e) => {
                return Err(describe(
                    "cannot update an earlier keelhaul comment",
                    &e,
                    pr,
                    api_url,
                ));
            }
        }
    }
    Ok(())
}

/// Why no review is posted when there is nothing new to say, for the log.
fn nothing_to_post(reported: usize, mode: FilterMode, outcome: &ReviewOutcome) -> String {
    let mut why = if reported == 0 {
        format!("no finding to review under filter mode {mode}")
    } else {
        format!(
            "nothing new to post: {} finding(s) already commented on by an earlier run",
            outcome.unchanged
        )
    };
    if outcome.updated > 0 {
        why.push_str(&format!("; {} earlier comment(s) updated", outcome.updated));
    }
    why
}

/// The review's inline comments as GitHub's API takes them, a multi-line one with its
/// first line.
fn inline_comments(items: &[Item<'_>], inline: &[(usize, Place)]) -> Vec<Value> {
    inline
        .iter()
        .filter_map(|(i, p)| {
            let item = &items[*i];
            let Place::Inline {
                line,
                start_line,
                whole,
            } = *p
            else {
                return None;
            };
            let mut c = json!({
                "path": item.path,
                "line": line,
                "side": "RIGHT",
                "body": inline_body(item, whole),
            });
            if let Some(s) = start_line {
                c["start_line"] = json!(s);
                c["start_side"] = json!("RIGHT");
            }
            Some(c)
        })
        .collect()
}

/// The comment on an item; with a suggestion when it covers the finding's lines whole and
/// the fix can be shown as those lines rewritten.
fn inline_body(item: &Item<'_>, whole: bool) -> String {
    let suggestion = match (&item.finding.fix, &item.text, whole) {
        (Some(fix), Some(text), true) => {
            comment::suggested_lines(text, &fix.edits, item.first, item.last)
        }
        _ => None,
    };
    comment::comment_body(item.finding, suggestion.as_deref(), &item.fp)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The review body: a summary, then the findings not commented on inline (capped); returns
/// it with how many findings it lists.
fn review_body(
    reported: &[&Finding],
    items: &[Item<'_>],
    listed_items: &[usize],
    overflow: usize,
    inline: usize,
    unchanged: usize,
    mode: FilterMode,
) -> (String, usize) {
    let c = severities(reported);
    let mut out = format!(
        "**keelhaul** reports {} in this pull request (filter mode `{mode}`): {}, {}, {}.\n",
        plural(reported.len(), "finding", "findings"),
        plural(c.0, "error", "errors"),
        plural(c.1, "warning", "warnings"),
        plural(c.2, "note", "notes"),
    );
    let mut said = Vec::new();
    if inline > 0 {
        said.push(format!(
            "{} below",
            plural(inline, "new comment", "new comments")
        ));
    }
    if unchanged > 0 {
        said.push(format!("{unchanged} already reported by an earlier run"));
    }
    if !said.is_empty() {
        out.push_str(&format!("\n{}.\n", capitalise(&said.join("; "))));
    }
    if listed_items.is_empty() {
        return (out, 0);
    }
    out.push_str(&format!(
        "\n**Not commented on inline** ({}{}):\n\n",
        if overflow > 0 {
            format!("over {MAX_INLINE_COMMENTS} comments per review, or ")
        } else {
            String::new()
        },
        "GitHub takes review comments only on lines the diff shows"
    ));
    let mut listed = 0;
    for &i in listed_items {
        let item = &items[i];
        let f = item.finding;
        let place = match &item.path {
            Some(p) => format!("`{p}:{}`", item.first),
            None => format!("`{}:{}`", f.file.replace('`', "'"), item.first),
        };
        let line = format!(
            "- {place} {} {}\n",
            comment::headline(f),
            comment::marker(&item.fp)
        );
        if listed == MAX_BODY_FINDINGS || out.len() + line.len() > MAX_BODY_CHARS {
            break;
        }
        out.push_str(&line);
        listed += 1;
    }
    if listed < listed_items.len() {
        out.push_str(&format!(
            "- … and {} more: run `keelhaul scan` to see them all.\n",
            listed_items.len() - listed
        ));
    }
    (out, listed)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// (errors, warnings, notes).
fn severities(findings: &[&Finding]) -> (usize, usize, usize) {
    findings
        .iter()
        .fold((0, 0, 0), |(e, w, n), f| match f.severity {
            Severity::Error => (e + 1, w, n),
            Severity::Warning => (e, w + 1, n),
            Severity::Note => (e, w, n + 1),
        })
}
