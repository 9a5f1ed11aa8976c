//! Helpers shared by the integration tests.

#![allow(dead_code)]

pub mod fp_cases;
pub mod static_run;

#[allow(unused_imports)]
pub use static_run::runner::{Reuse, run_snippet, step, window_fetch};
