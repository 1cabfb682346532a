//! keelhaul: a static analyser for Kubernetes manifests.
//!
//! The folders are the pipeline, and imports run only downward (`tests/layout.rs` checks it):
//!
//! ```text
//! discover ─► load ─► index ─► check ─► filter ─► report
//! ```
//!
//! - `span`: positions in a source file, shared by every stage.
//! - `discover`: which files and directories are scanned, what kind each is, and reading them
//!   within the size limit.
//! - `load`: text into documents with positions (YAML, JSON), Helm and Kustomize rendering
//!   (`load::render`), and the syntax of AKS cluster definitions (`load::iac`).
//! - `index`: resources and the cross-resource index.
//! - `k8s`: Kubernetes and AKS semantics (versions, pod views, Pod Security, API lifecycle,
//!   NetworkPolicy, where a Secret's values are, the AKS cluster model and release calendar).
//! - `finding`: findings, rule metadata, fixes (the model), anchors and fingerprints, the scan
//!   result.
//! - `check`: the `Rule` trait and the sink rules report into; `rules`: one file per family.
//! - `mapback`: rendered output back to templates, bases and patches.
//! - `filter`: rule selection and severities, suppressions, baseline, changed lines.
//! - `report`: human, JSON, SARIF, workflow commands, job summary, applying fixes, and the
//!   source excerpts they show (Secret values masked).
//! - `github`: pull-request reviews.
//! - `pipeline`: the run end to end; `cli`: the command line and the configuration file.

pub mod check;
pub mod cli;
pub mod discover;
pub mod filter;
pub mod finding;
pub mod github;
pub mod index;
pub mod k8s;
pub mod load;
pub mod mapback;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod span;
