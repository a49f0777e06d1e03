//! [`Connection`]: the async entry point. Open it with a connection string, then run `EXEC`,
//! `CALL` and `SELECT` statements; every statement returns a [`ResultSet`].
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> zohobooks_sql::Result<()> {
//! use zohobooks_sql::{Connection, Params};
//!
//! let conn = Connection::open("OAuthClientId=1000.ABC;OAuthClientSecret=s3cret").await?;
//! let rs = conn
//!     .execute_with(
//!         "SELECT Name, Value FROM sys_connection_props WHERE Name IN (?, @p)",
//!         &Params::new().bind("OAuthClientId").set("p", "OAuthClientSecret"),
//!     )
//!     .await?;
//! assert_eq!(rs.value(0, "Value").as_deref(), Some("1000.ABC"));
//! assert_eq!(rs.value(1, "Value").as_deref(), Some("********"));
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::books::BooksClient;
use crate::catalog::procedures::validate;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::oauth::desktop::{BrowserLauncher, DesktopLogin};
use crate::oauth::pkce::RandomSource;
use crate::oauth::{Clock, InteractiveLogin, TokenManager, TokenManagerOptions};
use crate::result::{BatchStream, ResultSet};
use crate::sql::params::bind;
use crate::sql::session::Session;
use crate::sql::{Params, Plan, parse_statement, split_statements};

/// A connection to Zoho Books. Cheap to clone: clones share the same state.
#[derive(Clone)]
pub struct Connection {
    inner: Arc<Inner>,
}

/// The connection's state: the configuration, the OAuth engine, and the SQL engine's session,
/// created by the first query (an `EXEC` never creates it).
struct Inner {
    config: Arc<Config>,
    tokens: Arc<TokenManager>,
    session: OnceLock<Session>,
}

/// How a connection obtains tokens beyond what the connection string says: the browser login,
/// the clock and the randomness. The defaults are the real ones (the system browser, the system
/// clock, the OS's randomness); tests and `zbsql --sandbox` replace them.
#[derive(Clone, Default)]
pub struct ConnectOptions {
    oauth: TokenManagerOptions,
}

impl fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("oauth", &self.oauth)
            .finish()
    }
}

impl ConnectOptions {
    /// The default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// The interactive login used by `GETANDREFRESH` and `EXEC GetOAuthAccessToken` in APP mode
    /// (default: the desktop flow with the system browser; `OpenBrowser=false` only prints the URL).
    pub fn interactive_login(mut self, login: Arc<dyn InteractiveLogin>) -> Self {
        self.oauth.interactive = Some(login);
        self
    }

    /// The clock used for token expiry.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.oauth.clock = clock;
        self
    }

    /// The randomness used for `state` and PKCE verifiers.
    pub fn random(mut self, random: Arc<dyn RandomSource>) -> Self {
        self.oauth.random = random;
        self
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Config's Debug redacts secret values.
        f.debug_struct("Connection")
            .field("config", &self.inner.config)
            .finish()
    }
}

impl Connection {
    /// Parses `conn_str` (see [`Config::parse`]) and opens a connection.
    pub async fn open(conn_str: &str) -> Result<Connection> {
        Self::open_with_config(Config::parse(conn_str)?).await
    }

    /// Opens a connection with an already validated configuration.
    pub async fn open_with_config(config: Config) -> Result<Connection> {
        Self::open_with_options(config, ConnectOptions::default()).await
    }

    /// Opens a connection with a configuration and [`ConnectOptions`]. Opening sends no request
    /// and touches no file but the `Logfile`: tokens are obtained by the first statement that
    /// needs one.
    pub async fn open_with_options(config: Config, options: ConnectOptions) -> Result<Connection> {
        crate::logging::init(&config)?;
        let mut oauth = options.oauth;
        if oauth.interactive.is_none() {
            oauth.interactive = Some(Arc::new(DesktopLogin::new(BrowserLauncher::System)));
        }
        let tokens = Arc::new(TokenManager::new(&config, oauth));
        tracing::info!(initiate_oauth = ?config.initiate_oauth(), "connection opened");
        for notice in config.notices() {
            tracing::warn!(%notice, "connection string");
        }
        Ok(Connection {
            inner: Arc::new(Inner {
                config: Arc::new(config),
                tokens,
                session: OnceLock::new(),
            }),
        })
    }

    /// The connection's token manager (for programs that manage tokens themselves).
    pub fn token_manager(&self) -> &Arc<TokenManager> {
        &self.inner.tokens
    }

    /// The connection's configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Runs one statement (a trailing `;` is allowed) and collects its rows.
    pub async fn execute(&self, sql: &str) -> Result<ResultSet> {
        self.execute_with(sql, &Params::new()).await
    }

    /// Runs one statement with values for its `?` and `@name` markers and collects its rows.
    /// Bind secrets this way rather than writing them into the SQL text.
    pub async fn execute_with(&self, sql: &str, params: &Params) -> Result<ResultSet> {
        self.query_arrow(sql, params).await?.collect().await
    }

    /// Runs one statement and returns its record batches as they are produced, with the schema
    /// known before the first one (duckdb-rs's `query_arrow`, as a stream). A query's pages are
    /// fetched from Zoho as the stream is polled; dropping the stream stops it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> zohobooks_sql::Result<()> {
    /// use futures::StreamExt;
    /// use zohobooks_sql::{Connection, Params};
    ///
    /// let conn = Connection::open("").await?;
    /// let mut batches = conn
    ///     .query_arrow("SELECT ProcedureName FROM sys_procedures WHERE ProcedureName LIKE ?", &Params::new().bind("%Token"))
    ///     .await?;
    /// assert_eq!(batches.schema().field(0).name(), "ProcedureName");
    /// let mut rows = 0;
    /// while let Some(batch) = batches.next().await {
    ///     rows += batch?.num_rows();
    /// }
    /// assert_eq!(rows, 2);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn query_arrow(&self, sql: &str, params: &Params) -> Result<BatchStream> {
        match bind(parse_statement(sql)?, params)? {
            Plan::Call(call) => {
                let call = validate(&call)?;
                if self.inner.config.readonly() && !call.spec.oauth {
                    return Err(Error::NotSupported {
                        construct: format!("EXEC {} on a Readonly=true connection", call.spec.name),
                    });
                }
                tracing::info!(procedure = call.spec.name, "calling stored procedure");
                let result = (call.spec.run)(&self.inner.tokens, call).await?;
                Ok(BatchStream::from_result_set(result))
            }
            Plan::Query(statement) => self.inner.session()?.query(*statement, params).await,
        }
    }

    /// Runs a script of statements separated by `;`, in order, and returns one result set per
    /// statement. Stops at the first failing statement and returns its error (the statements
    /// before it have run).
    pub async fn execute_script(&self, sql: &str) -> Result<Vec<ResultSet>> {
        let mut results = Vec::new();
        for statement in split_statements(sql)? {
            results.push(self.execute(&statement).await?);
        }
        Ok(results)
    }
}

impl Inner {
    /// The SQL engine's session, created on first use.
    fn session(&self) -> Result<&Session> {
        if let Some(session) = self.session.get() {
            return Ok(session);
        }
        let session = Session::new(
            self.config.clone(),
            BooksClient::new(self.tokens.clone(), self.config.organization_id()),
        )?;
        Ok(self.session.get_or_init(|| session))
    }
}
