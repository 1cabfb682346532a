//! keelhaul: a static analyser for Kubernetes manifests.
//!
//! The pipeline runs one way: discover → load → index → check → filter → report.

pub mod check;
pub mod cli;
pub mod discover;
pub mod finding;
pub mod index;
pub mod load;
pub mod model;
pub mod pss;
pub mod report;
pub mod rules;
pub mod scan;
