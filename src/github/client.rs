//! The few GitHub REST calls a review makes, through octocrab's generic `get`/`post`/`patch`
//! (its typed review call cannot carry draft comments), with failures turned into one-line
//! reasons a log can show.

use std::time::Duration;

use octocrab::{Octocrab, Page};
use serde::Serialize;
use serde_json::Value;

/// Why a call failed.
#[derive(Debug)]
pub enum ApiError {
    /// GitHub answered with an error status.
    Status { code: u16, message: String },
    /// No answer: the server could not be reached, the connection broke, a timeout.
    Network(String),
    /// An answer that was not what the API documents.
    Unexpected(String),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Status { code, message } => write!(f, "HTTP {code}: {message}"),
            ApiError::Network(m) | ApiError::Unexpected(m) => f.write_str(m),
        }
    }
}

/// One line from an error and its causes, without repeats ("client error (Connect):
/// tcp connect error: Connection refused").
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = cur {
        let s = err.to_string();
        let s = s.lines().next().unwrap_or("").trim().to_string();
        if !s.is_empty() && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    parts.join(": ")
}

impl From<octocrab::Error> for ApiError {
    fn from(e: octocrab::Error) -> ApiError {
        match e {
            octocrab::Error::GitHub { source, .. } => {
                let mut message = source
                    .message
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                // A 422 says what is wrong only in `errors`: strings, or objects with a
                // message (or only a code, worth showing when there is nothing else).
                let details: Vec<String> = source
                    .errors
                    .iter()
                    .flatten()
                    .filter_map(|e| match e {
                        Value::String(s) => Some(s.clone()),
                        Value::Object(o) => o
                            .get("message")
                            .or_else(|| o.get("code").filter(|_| message.is_empty()))
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        _ => None,
                    })
                    .filter(|d| !d.is_empty() && !message.contains(d.as_str()))
                    .collect();
                if !details.is_empty() {
                    message = format!("{message}: {}", details.join("; "));
                }
                ApiError::Status {
                    code: source.status_code.as_u16(),
                    message: message.replace(['\n', '\r'], " "),
                }
            }
            octocrab::Error::Json { .. } | octocrab::Error::Serde { .. } => {
                ApiError::Unexpected(format!("unexpected answer from the API: {}", chain(&e)))
            }
            other => ApiError::Network(chain(&other)),
        }
    }
}

/// How long to wait for a connection, and then for each read.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
const READ_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Api {
    gh: Octocrab,
}

impl Api {
    /// A client for `api_url`; must be called inside the Tokio runtime that will drive it.
    pub fn new(api_url: &str, token: &str) -> Result<Api, String> {
        let gh = Octocrab::builder()
            .base_uri(api_url.trim_end_matches('/'))
            .map_err(|e| {
                format!(
                    "GITHUB_API_URL {api_url:?} is not a valid URL: {}",
                    chain(&e)
                )
            })?
            .personal_token(token.to_string())
            .set_connect_timeout(Some(CONNECT_TIMEOUT))
            .set_read_timeout(Some(READ_TIMEOUT))
            .build()
            .map_err(|e| format!("cannot set up the GitHub API client: {}", chain(&e)))?;
        Ok(Api { gh })
    }

    /// Every item of a listing, 100 a page, following GitHub's `Link` headers; stops after
    /// `max_pages` pages and says whether more were left.
    pub async fn list(
        &self,
        route: &str,
        max_pages: usize,
    ) -> Result<(Vec<Value>, bool), ApiError> {
        let mut page: Page<Value> = self.gh.get(route, Some(&[("per_page", "100")])).await?;
        let mut items = page.take_items();
        let mut pages = 1;
        while page.next.is_some() {
            if pages >= max_pages {
                return Ok((items, true));
            }
            match self.gh.get_page::<Value>(&page.next).await? {
                Some(mut next) => {
                    items.append(&mut next.take_items());
                    page = next;
                    pages += 1;
                }
                None => break,
            }
        }
        Ok((items, false))
    }

    pub async fn get(&self, route: &str) -> Result<Value, ApiError> {
        Ok(self.gh.get(route, None::<&()>).await?)
    }

    pub async fn post<B: Serialize>(&self, route: &str, body: &B) -> Result<Value, ApiError> {
        Ok(self.gh.post(route, Some(body)).await?)
    }

    pub async fn patch<B: Serialize>(&self, route: &str, body: &B) -> Result<Value, ApiError> {
        Ok(self.gh.patch(route, Some(body)).await?)
    }
}
