//! Integration tests: the documentation: its examples run, its generated parts are current.
//!
//! One test binary per area: each binary links the whole engine, so areas are modules here,
//! not files of their own.

#[allow(dead_code)]
#[path = "../markdown_support/mod.rs"]
mod markdown_support;

mod docs;
mod docs_errors;
mod docs_oauth;
mod docs_properties;
mod docs_settings;
mod docs_tables;
