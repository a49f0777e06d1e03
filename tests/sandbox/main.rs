//! Integration tests: the Zoho sandbox (accounts server and Books API) as a real HTTP server.
//!
//! One test binary per area: each binary links the whole engine, so areas are modules here,
//! not files of their own.

#[path = "../sandbox_support/mod.rs"]
mod sandbox_support;

mod sandbox_accounts;
mod sandbox_books;
mod sandbox_knobs;

mod books_tables;
