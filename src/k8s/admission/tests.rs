//! Tests of ValidatingAdmissionPolicy reading, matching and params.

use super::*;
