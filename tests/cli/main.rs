//! Integration tests: the zbsql binary run as a process, and the README tour.
//!
//! One test binary per area: each binary links the whole engine, so areas are modules here,
//! not files of their own.

#[allow(dead_code)]
#[path = "../markdown_support/mod.rs"]
mod markdown_support;
#[path = "../sandbox_support/mod.rs"]
mod sandbox_support;

mod cli;
mod e2e_processes;
mod engine_safety;
mod examples;
mod oauth_processes;
mod readme;
mod sandbox_cli;
