//! zohobooks-sql: a SQL connector for Zoho Books.
//!
//! ```
//! use zohobooks_sql::blocking::Connection;
//!
//! let conn = Connection::open("OAuthClientId=1000.ABC;OAuthClientSecret=s3cret")?;
//! let rs = conn.execute("SELECT ParameterName FROM sys_procedureparameters \
//!                        WHERE ProcedureName = 'GetOAuthAuthorizationURL' AND Direction = 'Input'")?;
//! assert_eq!(rs.num_rows(), 4);
//! assert_eq!(rs.value(0, "ParameterName").as_deref(), Some("AuthMode"));
//! # Ok::<(), zohobooks_sql::Error>(())
//! ```
#![warn(missing_docs)]

pub mod blocking;
pub mod books;
pub mod catalog;
pub mod config;
pub mod connection;
pub mod error;
pub mod logging;
pub mod oauth;
pub mod result;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod secret;
pub mod sql;

/// The `arrow` crate this connector builds its results with, so callers use the same version.
pub use arrow;
pub use config::Config;
pub use connection::Connection;
pub use error::{Error, Result};
pub use result::ResultSet;
pub use sql::{Params, Value};

/// The Rust examples of docs/sql.md, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../docs/sql.md")]
pub struct SqlDocs;

/// The Rust example of README.md, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDocs;
