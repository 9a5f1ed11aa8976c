//! Helpers shared by the integration tests.

#![allow(dead_code)]

pub mod fp_cases;
pub mod static_run;

#[allow(unused_imports)]
pub use static_run::runner::{FULL_A32, Reuse, run_snippet, step, window_fetch};
