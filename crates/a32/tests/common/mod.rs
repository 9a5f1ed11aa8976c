//! Helpers shared by the integration tests.

#![allow(dead_code)]

pub mod fp_cases;
pub mod static_run;

#[allow(unused_imports)]
pub use static_run::runner::{Reuse, step, window_fetch};
