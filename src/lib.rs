//! zohobooks-sql: a SQL connector for Zoho Books, with OAuth exposed as stored procedures.
//!
//! Open a [`Connection`] with a CData-style connection string, run `EXEC` and `SELECT`
//! statements, and get [`ResultSet`]s of Arrow record batches back. The OAuth dance is SQL too:
//! `EXEC GetOAuthAuthorizationURL`, `EXEC GetOAuthAccessToken`, `EXEC RefreshOAuthAccessToken`,
//! or let `InitiateOAuth=GETANDREFRESH` run the browser login and keep the token fresh.
//!
//! This example runs the whole web flow against the sandbox (the `zohobooks-sandbox` crate of
//! this workspace, a local emulator of Zoho's accounts server and Books API), so it needs no
//! account and no network:
//!
//! ```
//! use zohobooks_sandbox::Sandbox;
//! use zohobooks_sql::secret::SecretString;
//! use zohobooks_sql::{Connection, Params};
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A local stand-in for Zoho that approves the user's consent at once.
//! let zoho = Sandbox::builder().auto_approve(true).start().await?;
//! let conn = Connection::open(&format!(
//!     "AccountsServer={};OAuthClientId={};OAuthClientSecret='{}';\
//!      InitiateOAuth=REFRESH;OAuthSettingsLocation=memory://crate-docs",
//!     zoho.base_url(), zoho.client_id(), zoho.client_secret(),
//! )).await?;
//!
//! // 1. The URL the user must open (no network request is made).
//! let url = conn.execute("EXEC GetOAuthAuthorizationURL @AuthMode = 'WEB'").await?
//!     .value(0, "URL").expect("one row");
//! assert!(url.contains("/oauth/v2/auth?client_id="));
//!
//! // 2. The user consents; Zoho redirects the browser to the CallbackURL with a code.
//! let _ = rustls::crypto::ring::default_provider().install_default();
//! let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
//! let landed = browser.get(&url).send().await?.headers()["location"].to_str()?.to_owned();
//!
//! // 3. Exchange it. Bind secrets as parameters rather than writing them into SQL text.
//! let tokens = conn
//!     .execute_with(
//!         "EXEC GetOAuthAccessToken @AuthMode = 'WEB', @Verifier = ?",
//!         &Params::new().bind(SecretString::new(landed)),
//!     )
//!     .await?;
//! assert_eq!(tokens.value(0, "ExpiresIn").as_deref(), Some("3600"));
//!
//! // 4. With InitiateOAuth=REFRESH the tokens are kept (and refreshed when they expire).
//! let orgs = conn.execute("SELECT Name, CurrencyCode FROM Organizations ORDER BY Name").await?;
//! assert_eq!(orgs.num_rows(), 3);
//! println!("{}", orgs.to_table_string()?);
//! # Ok(())
//! # }
//! ```
//!
//! Where to go next: [`config`] (connection strings and every property), [`Connection`] and
//! [`blocking::Connection`], [`oauth`] (the engine: token manager, store, desktop flow),
//! and the `docs/` folder of the repository.
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
pub mod secret;
pub mod sql;

pub use config::Config;
pub use connection::Connection;
/// The `arrow` crate this connector builds its results with (DataFusion's), so callers use the
/// same version.
pub use datafusion::arrow;
/// The SQL parser the connector and its engine share (DataFusion's).
pub(crate) use datafusion::sql::sqlparser;
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

/// The Rust example of docs/sandbox.md, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../docs/sandbox.md")]
pub struct SandboxDocs;
