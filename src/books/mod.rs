//! The Zoho Books REST side: the API client and the JSON -> Arrow conversion of its resources.
//!
//! [`BooksClient`] calls `{api_domain}/books/v3/...` with the connection's token, checks Zoho's
//! envelope (`code` 0 = success), follows `page_context.has_more_page`, and answers an
//! authentication failure (HTTP 401, or code 57/14) with exactly one forced refresh and one
//! retry. It returns JSON objects; [`convert`] turns them into Arrow by the column's wire type.

pub mod client;
pub mod convert;

pub use client::{BooksClient, StatementStats};
