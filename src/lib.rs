//! zohobooks-sql: a SQL connector for Zoho Books.
#![warn(missing_docs)]

pub mod books;
pub mod config;
pub mod error;
pub mod logging;
pub mod oauth;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod secret;

pub use config::Config;
pub use error::{Error, Result};
