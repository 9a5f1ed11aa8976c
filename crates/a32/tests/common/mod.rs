//! Helpers shared by the integration tests.

pub mod static_run;
