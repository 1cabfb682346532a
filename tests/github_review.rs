//! The pull-request review (`keelhaul::github`) against a GitHub API mocked by wiremock on
//! 127.0.0.1: which finding goes inline and which in the body under each filter mode (the
//! exact JSON sent), suggestions, re-runs, and every way it can fail without failing.
//!
//! The repository is a temporary directory holding `testdata/github/repo/` (stored as
//! `*.in`, so the fixture harness does not scan it); the pull request's payloads are in
//! `testdata/github/`: the `pull_request` event, the files with their patches (a new
//! CronJob, two lines added to a Deployment, a Markdown file, a binary without a patch), and
//! earlier review comments (a person's, a stale keelhaul one, a reply quoting its marker, a
//! keelhaul one already marked resolved).

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use keelhaul::finding::Finding;
use keelhaul::finding::result::ScanResult;
use keelhaul::github::{FilterMode, ReviewOptions, ReviewOutcome, post_review};
use keelhaul::pipeline::{ScanOptions, scan};
use keelhaul::span::{Pos, Span};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const PULL: &str = "/repos/acme/shipyard/pulls/42";
const HEAD_SHA: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
const TOKEN: &str = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";

fn testdata(name: &str) -> PathBuf {
    common::root().join("testdata/github").join(name)
}

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(testdata(name)).expect(name);
    serde_json::from_str(&text).expect(name)
}

/// A checkout of the pull request's head: `testdata/github/repo/**.in` without `.in`.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        fn copy(from: &Path, to: &Path) {
            for e in std::fs::read_dir(from).unwrap() {
                let p = e.unwrap().path();
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                if p.is_dir() {
                    std::fs::create_dir_all(to.join(&name)).unwrap();
                    copy(&p, &to.join(&name));
                } else if let Some(stem) = name.strip_suffix(".in") {
                    std::fs::copy(&p, to.join(stem)).unwrap();
                }
            }
        }
        copy(&testdata("repo"), dir.path());
        Repo { dir }
    }

    fn root(&self) -> PathBuf {
        // The scan and the review must agree on the root: a temporary directory may be
        // reached through a link (macOS's /var → /private/var).
        std::fs::canonicalize(self.dir.path()).unwrap()
    }

    /// Scans the repository with a few rules, so each file has a known set of findings:
    /// cron.yaml: KH501 on 1 (with a fix), KH114 on 10, KH102 on 13;
    /// deploy.yaml: KH114 on 14, KH101 on 19, KH102 on 20;
    /// debug-pod.yaml (not in the pull request): KH101 on 11.
    fn scan(&self) -> ScanResult {
        let rules = ["KH501", "KH101", "KH114", "KH102"]
            .iter()
            .map(|id| keelhaul::rules::find(id).expect(id))
            .collect();
        scan(&ScanOptions {
            paths: vec![self.root().join("k8s")],
            rules,
            excerpts: false,
            fingerprints: true,
            threads: Some(1),
            ..ScanOptions::default()
        })
        .expect("scan")
    }

    fn file_name(&self, rel: &str) -> Arc<str> {
        Arc::from(self.root().join(rel).to_string_lossy().as_ref())
    }
}

/// The findings as (file name, line, rule), to state what a test starts from.
fn summary(result: &ScanResult) -> Vec<(String, u32, &'static str)> {
    result
        .findings
        .iter()
        .map(|f| {
            let name = Path::new(&*f.file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string();
            (name, f.span.start.line, f.rule.id)
        })
        .collect()
}

/// A mock GitHub API. wiremock serves on a thread of its own; this runtime only drives the
/// set-up and the reading of what it received, while `post_review` runs its own.
struct GitHub {
    rt: tokio::runtime::Runtime,
    server: MockServer,
}

impl GitHub {
    fn start() -> GitHub {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(MockServer::start());
        GitHub { rt, server }
    }

    fn mount(&self, mock: Mock) {
        self.rt.block_on(mock.mount(&self.server));
    }

    /// The pull request's files, the given earlier comments and reviews, and success for
    /// creating a review and editing a comment.
    fn serve(&self, comments: Value, reviews: Value) {
        self.mount(
            Mock::given(method("GET"))
                .and(path(format!("{PULL}/files")))
                .respond_with(ResponseTemplate::new(200).set_body_json(fixture("pr-files.json"))),
        );
        self.mount(
            Mock::given(method("GET"))
                .and(path(format!("{PULL}/comments")))
                .respond_with(ResponseTemplate::new(200).set_body_json(comments)),
        );
        self.mount(
            Mock::given(method("GET"))
                .and(path(format!("{PULL}/reviews")))
                .respond_with(ResponseTemplate::new(200).set_body_json(reviews)),
        );
        self.mount(
            Mock::given(method("POST"))
                .and(path(format!("{PULL}/reviews")))
                .respond_with(
                    ResponseTemplate::new(200).set_body_json(fixture("review-created.json")),
                ),
        );
        let comment = fixture("pr-comments.json")[1].clone();
        self.mount(
            Mock::given(method("PATCH"))
                .and(wiremock::matchers::path_regex(
                    r"^/repos/acme/shipyard/pulls/comments/\d+$",
                ))
                .respond_with(ResponseTemplate::new(200).set_body_json(comment)),
        );
    }

    fn requests(&self) -> Vec<Request> {
        self.rt
            .block_on(self.server.received_requests())
            .expect("request recording is on")
    }

    /// `METHOD path` of every request, in order.
    fn calls(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.url.path()))
            .collect()
    }

    /// The body of the one review posted, if any.
    fn review(&self) -> Option<Value> {
        let posted: Vec<Value> = self
            .requests()
            .iter()
            .filter(|r| r.method.as_str() == "POST" && r.url.path() == format!("{PULL}/reviews"))
            .map(|r| r.body_json().expect("review body is JSON"))
            .collect();
        assert!(posted.len() <= 1, "more than one review: {posted:#?}");
        posted.into_iter().next()
    }

    /// (comment id, new body) of every comment edit.
    fn edits(&self) -> Vec<(u64, String)> {
        self.requests()
            .iter()
            .filter(|r| r.method.as_str() == "PATCH")
            .map(|r| {
                let id = r.url.path().rsplit('/').next().unwrap().parse().unwrap();
                let body: Value = r.body_json().unwrap();
                (id, body["body"].as_str().unwrap().to_string())
            })
            .collect()
    }
}

fn options(api_url: &str, root: &Path, mode: FilterMode) -> ReviewOptions {
    ReviewOptions {
        filter_mode: mode,
        api_url: api_url.to_string(),
        token: Some(TOKEN.to_string()),
        event_path: Some(testdata("event-pull_request.json")),
        event_name: Some("pull_request".into()),
        repository: Some("acme/shipyard".into()),
        root: root.to_path_buf(),
    }
}

/// Each inline comment as (path, line, start_line, rule id from its headline).
fn anchors(review: &Value) -> Vec<(String, u64, Option<u64>, String)> {
    review["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["side"], "RIGHT", "{c}");
            if c.get("start_line").is_some() {
                assert_eq!(c["start_side"], "RIGHT", "{c}");
            } else {
                assert!(c.get("start_side").is_none(), "{c}");
            }
            let body = c["body"].as_str().unwrap();
            let rule = body
                .strip_prefix("**")
                .and_then(|b| b.split_whitespace().next())
                .unwrap_or("?")
                .to_string();
            (
                c["path"].as_str().unwrap().to_string(),
                c["line"].as_u64().unwrap(),
                c.get("start_line").and_then(Value::as_u64),
                rule,
            )
        })
        .collect()
}

fn anchor(p: &str, line: u64, rule: &str) -> (String, u64, Option<u64>, String) {
    (p.to_string(), line, None, rule.to_string())
}

fn run(mode: FilterMode) -> (GitHub, ReviewOutcome, Repo) {
    let repo = Repo::new();
    let (gh, outcome) = review(&repo.scan(), &repo, mode);
    (gh, outcome, repo)
}

/// The review of `result` against a GitHub with no earlier comments or reviews.
fn review(result: &ScanResult, repo: &Repo, mode: FilterMode) -> (GitHub, ReviewOutcome) {
    let gh = GitHub::start();
    gh.serve(json!([]), json!([]));
    let outcome = post_review(result, &options(&gh.server.uri(), &repo.root(), mode));
    (gh, outcome)
}

#[test]
fn the_repository_has_the_findings_the_tests_expect() {
    let repo = Repo::new();
    let got = summary(&repo.scan());
    let want = [
        ("cron.yaml", 1, "KH501"),
        ("cron.yaml", 10, "KH114"),
        ("cron.yaml", 13, "KH102"),
        ("debug-pod.yaml", 11, "KH101"),
        ("deploy.yaml", 14, "KH114"),
        ("deploy.yaml", 19, "KH101"),
        ("deploy.yaml", 20, "KH102"),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(f, l, r)| (f.to_string(), *l, *r))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn added_mode_comments_on_added_lines_only() {
    let (gh, outcome, _repo) = run(FilterMode::Added);
    assert_eq!(
        outcome,
        ReviewOutcome {
            posted: 4,
            in_body: 0,
            updated: 0,
            unchanged: 0,
            skipped: None
        }
    );
    assert_eq!(
        gh.calls(),
        [
            format!("GET {PULL}/files"),
            "GET /user".to_string(),
            format!("GET {PULL}/comments"),
            format!("GET {PULL}/reviews"),
            format!("POST {PULL}/reviews"),
        ]
    );
    let reqs = gh.requests();
    // Listings ask for full pages; every call carries the token.
    let files = &reqs[0];
    assert!(
        files
            .url
            .query_pairs()
            .any(|(k, v)| k == "per_page" && v == "100"),
        "{}",
        files.url
    );
    for r in &reqs {
        let auth = r
            .headers
            .get("authorization")
            .expect("authorization header");
        assert!(auth.to_str().unwrap().ends_with(TOKEN), "{auth:?}");
    }
    let review = gh.review().expect("a review");
    assert_eq!(review["commit_id"], HEAD_SHA);
    assert_eq!(review["event"], "COMMENT");
    // The new CronJob is all added lines; of the Deployment only lines 18-19 are. The
    // sidecar's KH102 (line 20) is a context line, the template's KH114 (line 14) is outside
    // the hunk, debug-pod.yaml is not in the pull request.
    assert_eq!(
        anchors(&review),
        [
            anchor("k8s/cron.yaml", 1, "KH501"),
            anchor("k8s/cron.yaml", 10, "KH114"),
            anchor("k8s/cron.yaml", 13, "KH102"),
            anchor("k8s/deploy.yaml", 19, "KH101"),
        ]
    );
    let body = review["body"].as_str().unwrap();
    assert!(
        body.contains("reports 4 findings") && body.contains("filter mode `added`"),
        "{body}"
    );
    assert!(body.contains("4 new comments below"), "{body}");
    assert!(!body.contains("Not commented on inline"), "{body}");
}

#[test]
fn a_finding_changed_through_a_related_line_is_listed_in_the_body() {
    // debug-pod.yaml is not in the pull request; give its KH101 a related place on an added
    // line of deploy.yaml (as a patch's removal or a values line would be).
    let repo = Repo::new();
    let mut result = repo.scan();
    let at = |line| Span::point(Pos { line, col: 0 });
    let f = result
        .findings
        .iter_mut()
        .find(|f| f.file.ends_with("debug-pod.yaml"))
        .expect("the debug pod's KH101");
    f.related_in(repo.file_name("k8s/deploy.yaml"), at(19), "made here");
    let (gh, outcome) = review(&result, &repo, FilterMode::Added);
    assert_eq!((outcome.posted, outcome.in_body), (4, 1));
    let posted = gh.review().expect("a review");
    let body = posted["body"].as_str().unwrap();
    let listed: Vec<&str> = body.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(listed.len(), 1, "{body}");
    assert!(
        listed[0].starts_with("- `k8s/debug-pod.yaml:11` **KH101 privileged** (error)"),
        "{body}"
    );
    // A related place on a line the pull request did not change: left out, as before.
    let mut result = repo.scan();
    let f = result
        .findings
        .iter_mut()
        .find(|f| f.file.ends_with("debug-pod.yaml"))
        .unwrap();
    f.related_in(repo.file_name("k8s/deploy.yaml"), at(3), "not changed");
    let (_gh, outcome) = review(&result, &repo, FilterMode::Added);
    assert_eq!((outcome.posted, outcome.in_body), (4, 0));
}

#[test]
fn diff_context_mode_adds_context_lines() {
    let (gh, outcome, _repo) = run(FilterMode::DiffContext);
    assert_eq!((outcome.posted, outcome.in_body), (5, 0));
    assert_eq!(outcome.skipped, None);
    let review = gh.review().expect("a review");
    assert_eq!(
        anchors(&review),
        [
            anchor("k8s/cron.yaml", 1, "KH501"),
            anchor("k8s/cron.yaml", 10, "KH114"),
            anchor("k8s/cron.yaml", 13, "KH102"),
            anchor("k8s/deploy.yaml", 19, "KH101"),
            anchor("k8s/deploy.yaml", 20, "KH102"),
        ]
    );
}

#[test]
fn file_mode_lists_findings_off_the_diff_in_the_body() {
    let (gh, outcome, _repo) = run(FilterMode::File);
    assert_eq!((outcome.posted, outcome.in_body), (5, 1));
    let review = gh.review().expect("a review");
    assert_eq!(anchors(&review).len(), 5);
    let body = review["body"].as_str().unwrap();
    assert!(body.contains("Not commented on inline"), "{body}");
    let listed: Vec<&str> = body.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(listed.len(), 1, "{body}");
    assert!(
        listed[0].starts_with("- `k8s/deploy.yaml:14` **KH114 service-account-token** (note): "),
        "{body}"
    );
    assert!(listed[0].contains("<!-- keelhaul:v2 fp="), "{body}");
    // Not in the pull request: not reported at all.
    assert!(!body.contains("debug-pod.yaml"), "{body}");
}

#[test]
fn nofilter_mode_reports_everything() {
    let (gh, outcome, _repo) = run(FilterMode::NoFilter);
    assert_eq!((outcome.posted, outcome.in_body), (5, 2));
    let review = gh.review().expect("a review");
    let body = review["body"].as_str().unwrap();
    let listed: Vec<&str> = body.lines().filter(|l| l.starts_with("- ")).collect();
    assert_eq!(listed.len(), 2, "{body}");
    assert!(listed[0].starts_with("- `k8s/debug-pod.yaml:11` **KH101 privileged** (error)"));
    assert!(listed[1].starts_with("- `k8s/deploy.yaml:14` **KH114 service-account-token**"));
    assert!(body.contains("reports 7 findings"), "{body}");
    // GitHub rejects comments off the diff: none was sent there.
    for (p, line, _, _) in anchors(&review) {
        assert!(p != "k8s/debug-pod.yaml" && !(p == "k8s/deploy.yaml" && line == 14));
    }
}

#[test]
fn a_fix_on_the_findings_lines_becomes_a_suggestion() {
    let (gh, _, _repo) = run(FilterMode::Added);
    let review = gh.review().expect("a review");
    let comments = review["comments"].as_array().unwrap();
    let kh501 = comments[0]["body"].as_str().unwrap();
    assert!(
        kh501.starts_with("**KH501 api-removed** (error): CronJob batch/v1beta1 is not served"),
        "{kh501}"
    );
    assert!(kh501.contains("`keelhaul explain KH501`"), "{kh501}");
    assert!(
        kh501.contains("\n```suggestion\napiVersion: batch/v1\n```\n"),
        "{kh501}"
    );
    let marker = kh501.trim_end().lines().last().unwrap();
    assert!(
        marker.starts_with("<!-- keelhaul:v2 fp=") && marker.ends_with(" -->"),
        "{marker}"
    );
    // No fix, no suggestion.
    let kh101 = comments[3]["body"].as_str().unwrap();
    assert!(
        kh101.starts_with("**KH101 privileged** (error): "),
        "{kh101}"
    );
    assert!(!kh101.contains("```suggestion"), "{kh101}");
    assert!(kh101.contains("`keelhaul explain KH101`"), "{kh101}");
}

#[test]
fn multi_line_findings_and_standard_input() {
    let repo = Repo::new();
    let mut result = repo.scan();
    let rule = keelhaul::rules::find("KH101").unwrap().meta();
    let deploy = repo.file_name("k8s/deploy.yaml");
    let span = |a: u32, b: u32| Span {
        start: Pos { line: a, col: 10 },
        end: Pos { line: b, col: 4 },
    };
    for (s, e) in [(18, 19), (19, 22), (19, 23), (14, 18)] {
        result.findings.push(Finding::new(
            rule,
            deploy.clone(),
            span(s, e),
            format!("spans {s}-{e}"),
        ));
    }
    // An end at column 0 ends on the line before.
    result.findings.push(Finding::new(
        rule,
        deploy.clone(),
        Span {
            start: Pos { line: 20, col: 8 },
            end: Pos { line: 22, col: 0 },
        },
        "spans 20-21".into(),
    ));
    result.findings.push(Finding::new(
        rule,
        Arc::from("<stdin>"),
        span(3, 3),
        "from standard input".into(),
    ));
    let (gh, outcome) = review(&result, &repo, FilterMode::DiffContext);
    assert_eq!(outcome.skipped, None);
    let review = gh.review().unwrap();
    let by_message: Vec<(u64, Option<u64>, String)> = review["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["body"].as_str().unwrap().contains("spans "))
        .map(|c| {
            let body = c["body"].as_str().unwrap();
            let msg = body[body.find("spans ").unwrap()..].lines().next().unwrap();
            (
                c["line"].as_u64().unwrap(),
                c.get("start_line").and_then(Value::as_u64),
                msg.to_string(),
            )
        })
        .collect();
    assert_eq!(
        by_message,
        [
            // Within the hunk: from start_line to line.
            (19, Some(18), "spans 18-19".to_string()),
            (22, Some(19), "spans 19-22".to_string()),
            // Runs out of the hunk (line 23 is not in the diff): its first line only.
            (19, None, "spans 19-23".to_string()),
            (21, Some(20), "spans 20-21".to_string()),
        ]
    );
    // Starts outside the hunk (diff_context looks at the start line): not reported; standard
    // input has no line in the diff: the body.
    let body = review["body"].as_str().unwrap();
    assert!(!body.contains("spans 14-18"), "{body}");
    assert!(
        body.contains("- `<stdin>:3` **KH101 privileged** (error): from standard input"),
        "{body}"
    );
    assert_eq!(outcome.in_body, 1);
}

#[test]
fn over_thirty_comments_go_in_the_body_most_severe_first() {
    let repo = Repo::new();
    let mut result = repo.scan();
    let note = keelhaul::rules::find("KH114").unwrap().meta();
    let cron = repo.file_name("k8s/cron.yaml");
    for i in 0..40u32 {
        let line = 2 + i % 12;
        result.findings.push(Finding::new(
            note,
            cron.clone(),
            Span::point(Pos { line, col: 0 }),
            format!("note number {i}"),
        ));
    }
    let (gh, outcome) = review(&result, &repo, FilterMode::Added);
    assert_eq!((outcome.posted, outcome.in_body), (30, 14));
    let review = gh.review().unwrap();
    let bodies: Vec<&str> = review["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies.len(), 30);
    // The error and the warnings are among the thirty.
    assert!(bodies.iter().any(|b| b.starts_with("**KH501")));
    assert!(bodies.iter().any(|b| b.starts_with("**KH101")));
    assert!(bodies.iter().any(|b| b.starts_with("**KH102")));
    let body = review["body"].as_str().unwrap();
    assert!(body.contains("over 30 comments per review"), "{body}");
    assert_eq!(body.lines().filter(|l| l.starts_with("- ")).count(), 14);
}

/// Earlier comments as the API lists them: the fixture's, then the given bodies at their
/// anchors as comments of keelhaul's bot.
fn earlier_comments(posted: &[Value]) -> Value {
    let mut all = fixture("pr-comments.json").as_array().unwrap().clone();
    let template = all[1].clone();
    for (i, c) in posted.iter().enumerate() {
        let mut e = template.clone();
        e["id"] = json!(2001 + i as u64);
        e["path"] = c["path"].clone();
        e["line"] = c["line"].clone();
        e["original_line"] = c["line"].clone();
        e["body"] = c["body"].clone();
        all.push(e);
    }
    Value::Array(all)
}

#[test]
fn a_rerun_posts_only_what_is_new_and_resolves_what_is_gone() {
    let repo = Repo::new();
    let result = repo.scan();
    // The first run, in added mode.
    let first = GitHub::start();
    first.serve(json!([]), json!([]));
    post_review(
        &result,
        &options(&first.server.uri(), &repo.root(), FilterMode::Added),
    );
    let posted = first.review().unwrap()["comments"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(posted.len(), 4);

    // The second run sees those comments, one of them in older words, and reviews in
    // diff_context mode, which also reports the sidecar's KH102 on context line 20.
    let mut earlier = earlier_comments(&posted);
    let older = earlier.as_array_mut().unwrap().last_mut().unwrap();
    let current = older["body"].as_str().unwrap().to_string();
    older["body"] = json!(current.replacen("(error): ", "(error): [older wording] ", 1));
    let gh = GitHub::start();
    gh.serve(earlier, json!([]));
    let outcome = post_review(
        &result,
        &options(&gh.server.uri(), &repo.root(), FilterMode::DiffContext),
    );
    assert_eq!(
        outcome,
        ReviewOutcome {
            posted: 1,
            in_body: 0,
            updated: 2,
            unchanged: 3,
            skipped: None
        }
    );
    let review = gh.review().unwrap();
    assert_eq!(anchors(&review), [anchor("k8s/deploy.yaml", 20, "KH102")]);
    assert!(
        review["body"]
            .as_str()
            .unwrap()
            .contains("3 already reported by an earlier run")
    );
    let edits = gh.edits();
    assert_eq!(edits.len(), 2, "{edits:#?}");
    // The comment in older words is brought up to date…
    let (id, body) = &edits[0];
    assert_eq!(*id, 2004);
    assert_eq!(body, &current);
    // …and the stale one marked resolved, its marker kept.
    let (id, body) = &edits[1];
    assert_eq!(*id, 1002);
    assert!(body.starts_with("**Resolved**"), "{body}");
    assert!(
        body.contains("~~**KH103 run-as-root** (warning):"),
        "{body}"
    );
    assert!(
        body.trim_end()
            .ends_with("<!-- keelhaul:v1 fp=00000000deadbeef -->"),
        "{body}"
    );
    // A person's comment, a reply quoting a marker and a comment already resolved are not
    // touched; nothing is deleted.
    let calls = gh.calls();
    for id in [1001, 1003, 1004] {
        assert!(
            !calls
                .iter()
                .any(|c| c.ends_with(&format!("/comments/{id}"))),
            "{calls:?}"
        );
    }
    assert!(!calls.iter().any(|c| c.starts_with("DELETE")), "{calls:?}");

    // A third run with nothing new: no review, only the stale comment resolved.
    let gh = GitHub::start();
    gh.serve(earlier_comments(&posted), json!([]));
    let outcome = post_review(
        &result,
        &options(&gh.server.uri(), &repo.root(), FilterMode::Added),
    );
    assert_eq!(
        (outcome.posted, outcome.updated, outcome.unchanged),
        (0, 1, 4)
    );
    let why = outcome.skipped.expect("no review posted");
    assert!(why.contains("nothing new to post"), "{why}");
    assert!(gh.review().is_none());
    assert_eq!(gh.edits().iter().map(|e| e.0).collect::<Vec<_>>(), [1002]);
}

#[test]
fn a_rerun_does_not_list_the_body_again() {
    let repo = Repo::new();
    let result = repo.scan();
    let first = GitHub::start();
    first.serve(json!([]), json!([]));
    let outcome = post_review(
        &result,
        &options(&first.server.uri(), &repo.root(), FilterMode::NoFilter),
    );
    assert_eq!((outcome.posted, outcome.in_body), (5, 2));
    let review = first.review().unwrap();
    let mut earlier_review = fixture("review-created.json");
    earlier_review["body"] = review["body"].clone();

    let gh = GitHub::start();
    gh.serve(
        earlier_comments(review["comments"].as_array().unwrap()),
        json!([earlier_review]),
    );
    let outcome = post_review(
        &result,
        &options(&gh.server.uri(), &repo.root(), FilterMode::NoFilter),
    );
    assert_eq!(
        (outcome.posted, outcome.in_body, outcome.unchanged),
        (0, 0, 7)
    );
    assert!(gh.review().is_none());
}

/// Issue 15, item 7: a comment follows its finding by what the finding is (rule, object,
/// field path, the text of its line), so a push that edits the lines around it (here a
/// field added inside the same container, below `spec:` where KH114 is) does not resolve
/// it and post it again.
#[test]
fn an_edit_around_findings_between_pushes_keeps_their_comments() {
    let repo = Repo::new();
    let first = GitHub::start();
    first.serve(json!([]), json!([]));
    let outcome = post_review(
        &repo.scan(),
        &options(&first.server.uri(), &repo.root(), FilterMode::NoFilter),
    );
    assert_eq!((outcome.posted, outcome.in_body), (5, 2));
    let review = first.review().unwrap();
    let mut earlier_review = fixture("review-created.json");
    earlier_review["body"] = review["body"].clone();

    let deploy = repo.root().join("k8s/deploy.yaml");
    let text = std::fs::read_to_string(&deploy).unwrap();
    let pushed = text.replace(
        "          securityContext:\n",
        "          securityContext:\n            readOnlyRootFilesystem: true\n",
    );
    assert_ne!(pushed, text);
    std::fs::write(&deploy, pushed).unwrap();
    let result = repo.scan();
    assert!(
        summary(&result).contains(&("deploy.yaml".into(), 20, "KH101")),
        "{:?}",
        summary(&result)
    );

    let gh = GitHub::start();
    gh.serve(
        earlier_comments(review["comments"].as_array().unwrap()),
        json!([earlier_review]),
    );
    let outcome = post_review(
        &result,
        &options(&gh.server.uri(), &repo.root(), FilterMode::NoFilter),
    );
    assert_eq!(
        (outcome.posted, outcome.in_body, outcome.unchanged),
        (0, 0, 7),
        "{outcome:?}"
    );
    assert!(gh.review().is_none());
    // Only the fixture's stale comment is marked resolved.
    assert_eq!(gh.edits().iter().map(|e| e.0).collect::<Vec<_>>(), [1002]);
}

/// Comments posted by a keelhaul whose markers were version 1 (GitHub's line hash) are
/// still recognised: not posted again, not resolved, their marker brought to version 2.
#[test]
fn comments_with_version_1_markers_are_recognised_and_updated() {
    use keelhaul::finding::fingerprint::{fingerprint_v1, line_hashes};
    let repo = Repo::new();
    let result = repo.scan();
    let first = GitHub::start();
    first.serve(json!([]), json!([]));
    post_review(
        &result,
        &options(&first.server.uri(), &repo.root(), FilterMode::Added),
    );
    let posted = first.review().unwrap()["comments"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(posted.len(), 4);
    // The same comments as the earlier keelhaul marked them.
    let older: Vec<Value> = posted
        .iter()
        .map(|c| {
            let (path, line) = (c["path"].as_str().unwrap(), c["line"].as_u64().unwrap());
            let body = c["body"].as_str().unwrap();
            let f = result
                .findings
                .iter()
                .find(|f| {
                    f.file.ends_with(path)
                        && u64::from(f.span.start.line) == line
                        && body.starts_with(&format!("**{} ", f.rule.id))
                })
                .expect("the comment's finding");
            let text = std::fs::read_to_string(repo.root().join(path)).unwrap();
            let hash = &line_hashes(&text)[line as usize - 1];
            let fp = fingerprint_v1(f.rule.id, path, Some(hash), &f.message, 0);
            let (kept, marker) = body.rsplit_once("<!-- keelhaul:v2 fp=").unwrap();
            assert!(marker.ends_with(" -->"), "{body}");
            let mut c = c.clone();
            c["body"] = json!(format!("{kept}<!-- keelhaul:v1 fp={fp} -->"));
            c
        })
        .collect();

    let gh = GitHub::start();
    gh.serve(earlier_comments(&older), json!([]));
    let outcome = post_review(
        &result,
        &options(&gh.server.uri(), &repo.root(), FilterMode::Added),
    );
    assert_eq!(
        (outcome.posted, outcome.updated, outcome.unchanged),
        (0, 5, 0),
        "{outcome:?}"
    );
    assert!(gh.review().is_none());
    let mut edits = gh.edits();
    edits.sort();
    let ids: Vec<u64> = edits.iter().map(|e| e.0).collect();
    assert_eq!(ids, [1002, 2001, 2002, 2003, 2004]);
    // Each comment of a current finding now reads as this version posts it.
    for (i, c) in posted.iter().enumerate() {
        assert_eq!(edits[i + 1].1, c["body"].as_str().unwrap());
    }
    // The stale one keeps its version 1 marker.
    assert!(
        edits[0]
            .1
            .ends_with("<!-- keelhaul:v1 fp=00000000deadbeef -->"),
        "{}",
        edits[0].1
    );
}

#[test]
fn listings_follow_the_link_header() {
    let repo = Repo::new();
    let result = repo.scan();
    let gh = GitHub::start();
    let files = fixture("pr-files.json");
    let uri = gh.server.uri();
    let next = |route: &str| {
        format!(
            "<{uri}{PULL}/{route}?per_page=100&page=2>; rel=\"next\", <{uri}{PULL}/{route}?per_page=100&page=2>; rel=\"last\""
        )
    };
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!("{PULL}/files")))
            .and(query_param("page", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([files[2], files[3]])))
            .with_priority(1),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!("{PULL}/files")))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!([files[0], files[1]]))
                    .insert_header("link", next("files").as_str()),
            )
            .with_priority(2),
    );
    let comments = fixture("pr-comments.json");
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!("{PULL}/comments")))
            .and(query_param("page", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([comments[1]])))
            .with_priority(1),
    );
    gh.mount(
        Mock::given(method("GET"))
            .and(path(format!("{PULL}/comments")))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!([comments[0]]))
                    .insert_header("link", next("comments").as_str()),
            )
            .with_priority(2),
    );
    gh.serve(json!([]), json!([]));
    let outcome = post_review(&result, &options(&uri, &repo.root(), FilterMode::Added));
    assert_eq!((outcome.posted, outcome.updated), (4, 1), "{outcome:?}");
    // The Deployment and the CronJob came on page 2; so did the stale comment.
    assert_eq!(gh.edits()[0].0, 1002);
    let pages: Vec<String> = gh
        .requests()
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .map(|r| format!("{}?{}", r.url.path(), r.url.query().unwrap_or("")))
        .collect();
    assert!(
        pages.contains(&format!("{PULL}/files?per_page=100&page=2")),
        "{pages:?}"
    );
    assert!(
        pages.contains(&format!("{PULL}/comments?per_page=100&page=2")),
        "{pages:?}"
    );
}

#[test]
fn a_clean_pull_request_resolves_earlier_comments() {
    let repo = Repo::new();
    let gh = GitHub::start();
    gh.serve(fixture("pr-comments.json"), json!([]));
    let opts = options(&gh.server.uri(), &repo.root(), FilterMode::Added);
    let outcome = post_review(&ScanResult::default(), &opts);
    assert_eq!(
        (outcome.posted, outcome.updated, outcome.unchanged),
        (0, 1, 0)
    );
    let why = outcome.skipped.expect("no review");
    assert!(
        why.contains("no finding to review") && why.contains("1 earlier comment(s) updated"),
        "{why}"
    );
    assert!(gh.review().is_none());
    assert_eq!(gh.edits().iter().map(|e| e.0).collect::<Vec<_>>(), [1002]);
    // Options end up in logs: never with the token.
    assert!(!format!("{opts:?}").contains(TOKEN));
}

// ---- fallbacks: each one a reason, no panic, no review -------------------------------

/// A GitHub whose answer to one call is an error (`failing`, mounted ahead of the usual
/// answers), and the review of the repository against it.
fn review_against_failing(failing: Mock, comments: Value) -> (GitHub, ReviewOutcome) {
    let repo = Repo::new();
    let gh = GitHub::start();
    gh.mount(failing.with_priority(1));
    gh.serve(comments, json!([]));
    let outcome = post_review(
        &repo.scan(),
        &options(&gh.server.uri(), &repo.root(), FilterMode::Added),
    );
    (gh, outcome)
}

fn assert_skipped(outcome: &ReviewOutcome, words: &[&str]) {
    let why = outcome.skipped.as_deref().expect("skipped");
    assert!(!why.contains('\n'), "one line: {why:?}");
    for w in words {
        assert!(why.contains(w), "{w:?} not in {why:?}");
    }
    assert_eq!(outcome.posted, 0, "{outcome:?}");
}

#[test]
fn not_a_pull_request_event() {
    let repo = Repo::new();
    let gh = GitHub::start();
    gh.serve(json!([]), json!([]));
    let mut opts = options(&gh.server.uri(), &repo.root(), FilterMode::Added);
    opts.event_name = Some("push".into());
    opts.event_path = Some(testdata("event-push.json"));
    let outcome = post_review(&repo.scan(), &opts);
    assert_skipped(&outcome, &["not a pull request event", "push"]);
    // The event name says pull_request, but the payload is a push's.
    opts.event_name = Some("pull_request".into());
    let outcome = post_review(&repo.scan(), &opts);
    assert_skipped(&outcome, &["no pull_request"]);
    // Not in GitHub Actions at all.
    opts.event_name = None;
    opts.event_path = None;
    let outcome = post_review(&repo.scan(), &opts);
    assert_skipped(&outcome, &["GITHUB_EVENT_NAME"]);
    assert!(gh.requests().is_empty());
}

#[test]
fn bad_event_json() {
    let repo = Repo::new();
    let gh = GitHub::start();
    let bad = repo.root().join("event.json");
    std::fs::write(&bad, "{\"pull_request\": {\"number\": 42,").unwrap();
    let mut opts = options(&gh.server.uri(), &repo.root(), FilterMode::Added);
    opts.event_path = Some(bad);
    assert_skipped(&post_review(&repo.scan(), &opts), &["not valid JSON"]);
    opts.event_path = Some(repo.root().join("missing.json"));
    assert_skipped(
        &post_review(&repo.scan(), &opts),
        &["cannot read the event payload"],
    );
    assert!(gh.requests().is_empty());
}

#[test]
fn no_token() {
    let repo = Repo::new();
    let gh = GitHub::start();
    gh.serve(json!([]), json!([]));
    let mut opts = options(&gh.server.uri(), &repo.root(), FilterMode::Added);
    opts.token = None;
    assert_skipped(&post_review(&repo.scan(), &opts), &["no GITHUB_TOKEN"]);
    opts.token = Some("  ".into());
    assert_skipped(&post_review(&repo.scan(), &opts), &["no GITHUB_TOKEN"]);
    assert!(gh.requests().is_empty());
}

#[test]
fn fork_pull_request_with_a_read_only_token() {
    let repo = Repo::new();
    let mut event = fixture("event-pull_request.json");
    event["pull_request"]["head"]["repo"]["full_name"] = json!("mallory/shipyard");
    event["pull_request"]["head"]["repo"]["fork"] = json!(true);
    let event_path = repo.root().join("event.json");
    std::fs::write(&event_path, event.to_string()).unwrap();
    let gh = GitHub::start();
    gh.mount(
        Mock::given(method("POST"))
            .and(path(format!("{PULL}/reviews")))
            .respond_with(ResponseTemplate::new(403).set_body_json(json!({
                "message": "Resource not accessible by integration",
                "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
                "status": "403"
            })))
            .with_priority(1)
            .expect(1),
    );
    gh.serve(json!([]), json!([]));
    let mut opts = options(&gh.server.uri(), &repo.root(), FilterMode::Added);
    opts.event_path = Some(event_path);
    let outcome = post_review(&repo.scan(), &opts);
    assert_skipped(
        &outcome,
        &[
            "cannot post the review",
            "HTTP 403",
            "Resource not accessible by integration",
            "fork mallory/shipyard",
            "read-only",
        ],
    );
    assert_eq!(outcome.in_body, 0);
}

#[test]
fn a_review_github_rejects_with_422() {
    let (_gh, outcome) = review_against_failing(
        Mock::given(method("POST"))
            .and(path(format!("{PULL}/reviews")))
            .respond_with(ResponseTemplate::new(422).set_body_json(json!({
                "message": "Unprocessable Entity",
                "errors": ["Pull request review thread line must be part of the diff"],
                "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
                "status": "422"
            }))),
        json!([]),
    );
    assert_skipped(
        &outcome,
        &[
            "cannot post the review",
            "HTTP 422",
            "must be part of the diff",
        ],
    );
}

#[test]
fn a_diff_too_large() {
    let (gh, outcome) = review_against_failing(
        Mock::given(method("GET"))
            .and(path(format!("{PULL}/files")))
            .respond_with(ResponseTemplate::new(406).set_body_json(json!({
                "message": "Sorry, the diff exceeded the maximum number of files (300). Consider using 'List pull requests files' API or locally cloning the repository instead.",
                "errors": [{"resource": "PullRequest", "field": "diff", "code": "too_large"}],
                "documentation_url": "https://docs.github.com/rest/pulls/pulls#list-pull-requests-files",
                "status": "406"
            }))),
        json!([]),
    );
    assert_skipped(&outcome, &["too large", "HTTP 406"]);
    assert_eq!(gh.calls(), [format!("GET {PULL}/files")]);

    // Over 3,000 files, as the event says: not even asked.
    let repo = Repo::new();
    let mut event = fixture("event-pull_request.json");
    event["pull_request"]["changed_files"] = json!(3200);
    let event_path = repo.root().join("event.json");
    std::fs::write(&event_path, event.to_string()).unwrap();
    let gh = GitHub::start();
    let mut opts = options(&gh.server.uri(), &repo.root(), FilterMode::Added);
    opts.event_path = Some(event_path);
    assert_skipped(&post_review(&repo.scan(), &opts), &["3200 files", "3000"]);
    assert!(gh.requests().is_empty());
}

#[test]
fn an_unreachable_server() {
    let repo = Repo::new();
    // A port that was free a moment ago: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let outcome = post_review(
        &repo.scan(),
        &options(&url, &repo.root(), FilterMode::Added),
    );
    assert_skipped(
        &outcome,
        &[
            "cannot list the pull request's files",
            "cannot reach the GitHub API",
            &url,
        ],
    );
    // Not a URL at all.
    let outcome = post_review(
        &repo.scan(),
        &options("not a url at all", &repo.root(), FilterMode::Added),
    );
    assert!(outcome.skipped.is_some());
}

#[test]
fn an_earlier_comment_that_cannot_be_edited() {
    let (gh, outcome) = review_against_failing(
        Mock::given(method("PATCH")).respond_with(ResponseTemplate::new(403).set_body_json(
            json!({
                "message": "Resource not accessible by integration",
                "status": "403"
            }),
        )),
        fixture("pr-comments.json"),
    );
    assert_skipped(
        &outcome,
        &[
            "cannot update an earlier keelhaul comment",
            "HTTP 403",
            "pull-requests: write",
        ],
    );
    assert_eq!(outcome.updated, 0);
    assert!(gh.review().is_none());
}

#[test]
fn filter_mode_names() {
    for (s, m) in [
        ("added", FilterMode::Added),
        ("diff_context", FilterMode::DiffContext),
        ("diff-context", FilterMode::DiffContext),
        ("file", FilterMode::File),
        ("nofilter", FilterMode::NoFilter),
        ("NoFilter", FilterMode::NoFilter),
    ] {
        assert_eq!(FilterMode::parse(s), Some(m), "{s}");
    }
    assert_eq!(FilterMode::parse("everything"), None);
    assert_eq!(FilterMode::DiffContext.as_str(), "diff_context");
}

/// End to end through the command line, as the action runs it: `keelhaul scan --format github
/// --pr-review` in a pull_request run posts the review to the API named by GITHUB_API_URL,
/// and the exit code follows the findings; with no token it says why in one line and still
/// fails on the findings.
#[test]
fn the_command_line_posts_the_review() {
    let repo = Repo::new();
    let gh = GitHub::start();
    gh.serve(json!([]), json!([]));
    let run = |token: Option<&str>| {
        let mut c = common::keelhaul_in(&repo.root());
        c.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", repo.root())
            .env("GITHUB_API_URL", gh.server.uri())
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", testdata("event-pull_request.json"))
            .env("GITHUB_REPOSITORY", "acme/shipyard")
            .args([
                "scan",
                "k8s",
                "--format",
                "github",
                "--pr-review",
                "--select",
                "KH501,KH101,KH114,KH102",
            ]);
        if let Some(t) = token {
            c.env("GITHUB_TOKEN", t);
        }
        c.output().unwrap()
    };
    let out = run(Some(TOKEN));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("pull-request review: "), "{stderr}");
    let review = gh.review().expect("a review was posted");
    let inline = anchors(&review);
    assert!(
        inline.contains(&anchor("k8s/cron.yaml", 1, "KH501")),
        "{inline:?}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("::error file=k8s/cron.yaml,line=1,"),
        "{stdout}"
    );

    let out = run(None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the findings decide, not the API: {stderr}"
    );
    assert!(
        stderr.contains("no pull-request review posted: "),
        "{stderr}"
    );
    assert_eq!(stderr.matches("review").count(), 1, "one line: {stderr}");
}

/// Issue 20: anyone taking part in a pull request can write keelhaul's marker. Comments and
/// reviews that carry it but were written by someone else are not keelhaul's: they are not
/// edited (which would fail with 403 and post no review), and they do not stand for an
/// earlier report (which would keep findings out of the review).
#[test]
fn markers_in_someone_elses_comments_are_not_keelhauls() {
    let repo = Repo::new();
    let result = repo.scan();
    let first = GitHub::start();
    first.serve(json!([]), json!([]));
    let outcome = post_review(
        &result,
        &options(&first.server.uri(), &repo.root(), FilterMode::NoFilter),
    );
    assert_eq!((outcome.posted, outcome.in_body), (5, 2));
    let review = first.review().unwrap();
    // A participant posts keelhaul's comments and review body as their own.
    let mut forged = earlier_comments(review["comments"].as_array().unwrap());
    for c in forged.as_array_mut().unwrap() {
        c["user"] = json!({"login": "mallory", "type": "User"});
    }
    let mut forged_review = fixture("review-created.json");
    forged_review["body"] = review["body"].clone();
    forged_review["user"] = json!({"login": "mallory", "type": "User"});

    let gh = GitHub::start();
    gh.serve(forged, json!([forged_review]));
    let outcome = post_review(
        &result,
        &options(&gh.server.uri(), &repo.root(), FilterMode::NoFilter),
    );
    assert_eq!(
        (
            outcome.posted,
            outcome.in_body,
            outcome.updated,
            outcome.unchanged
        ),
        (5, 2, 0, 0),
        "{outcome:?}"
    );
    assert!(gh.edits().is_empty(), "{:?}", gh.edits());
    assert_eq!(
        anchors(&gh.review().unwrap()),
        anchors(&review),
        "the same review is posted again"
    );
}

/// A personal token's comments are recognised by its own login (`GET /user`).
#[test]
fn a_personal_tokens_own_comments_are_recognised_by_its_login() {
    let repo = Repo::new();
    let result = repo.scan();
    let first = GitHub::start();
    first.serve(json!([]), json!([]));
    post_review(
        &result,
        &options(&first.server.uri(), &repo.root(), FilterMode::Added),
    );
    let posted = first.review().unwrap()["comments"]
        .as_array()
        .unwrap()
        .clone();
    let mut earlier = earlier_comments(&posted);
    for c in earlier.as_array_mut().unwrap() {
        if c["user"]["login"] == "github-actions[bot]" {
            c["user"] = json!({"login": "platform-bot", "type": "User"});
        }
    }
    let gh = GitHub::start();
    gh.mount(
        Mock::given(method("GET")).and(path("/user")).respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"login": "platform-bot"})),
        ),
    );
    gh.serve(earlier, json!([]));
    let outcome = post_review(
        &result,
        &options(&gh.server.uri(), &repo.root(), FilterMode::Added),
    );
    assert_eq!(
        (outcome.posted, outcome.updated, outcome.unchanged),
        (0, 1, 4),
        "{outcome:?}"
    );
}
