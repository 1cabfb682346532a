//! keelhaul: a static analyser for Kubernetes manifests.
//!
//! The pipeline runs one way: discover → load → index → check → filter → report.

pub mod aks;
pub mod annotations;
pub mod baseline;
pub mod check;
pub mod cli;
pub mod config;
pub mod diff;
pub mod discover;
pub mod finding;
pub mod fingerprint;
pub mod fix;
pub mod github;
pub mod index;
pub mod lifecycle;
pub mod load;
pub mod mapback;
pub mod model;
pub mod paths;
pub mod pss;
pub mod render;
pub mod report;
pub mod rules;
pub mod sarif;
pub mod scan;
pub mod suppress;
