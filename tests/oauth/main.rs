//! Integration tests: the OAuth engine, the desktop flow and the connection against the sandbox.
//!
//! One test binary per area: each binary links the whole engine, so areas are modules here,
//! not files of their own.

#[path = "../common/mod.rs"]
mod common;

mod browser_chromium;
mod connection_oauth;
mod desktop_flow;
mod faults;
mod oauth_engine;
mod oauth_http;
mod oauth_logging;
