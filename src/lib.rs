//! keelhaul: a static analyser for Kubernetes manifests.
//!
//! The pipeline runs one way: discover → load → index → check → filter → report.

pub mod load;
