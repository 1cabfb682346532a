//! filter: what of the checked findings is reported. Rule selection and severities,
//! suppressions (comments and annotations), the findings baseline, and the lines a change
//! touched (`--diff`).

pub mod baseline;
pub mod changed_lines;
pub mod suppress;
pub mod unified_diff;
