//! A small Zoho Books API v3 client: `{api_domain}/books/v3/...` with the connection's token.
//!
//! It checks Zoho's envelope (`code` 0 = success), follows `page_context.has_more_page`, and
//! answers an authentication failure (HTTP 401, or code 57/14) with exactly one forced refresh
//! and one retry. Rows are returned as JSON objects; turning them into Arrow is the caller's job.

pub mod client;

pub use client::BooksClient;
