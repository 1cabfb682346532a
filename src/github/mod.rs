//! GitHub pull-request reviews: the findings of a scan as one review on the pull request a
//! GitHub Actions run is about, inline on the lines the pull request changes, the rest in
//! the review's body. The only place keelhaul talks to GitHub's API (through `octocrab`, on
//! a Tokio runtime of its own: the rest of keelhaul is synchronous).
//!
//! - `diff`: the pull request's patches → which lines of each file a comment can go on;
//! - `review`: the filter modes, what goes where, re-runs, and the calls;
//! - `event`, `comment`, `client`: the event payload, the texts and markers, the HTTP calls.

mod client;
mod comment;
mod event;
pub mod review;

pub use review::{FilterMode, ReviewOptions, ReviewOutcome, post_review};
