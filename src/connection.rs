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
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

use crate::books::{BooksClient, organizations};
use crate::catalog::procedures::{ArgValue, ProcedureCall, validate};
use crate::catalog::{self, system_tables};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::oauth::desktop::{BrowserLauncher, DesktopLogin};
use crate::oauth::pkce::RandomSource;
use crate::oauth::{
    Clock, ExchangeRequest, InteractiveLogin, TokenManager, TokenManagerOptions, TokenSet,
};
use crate::result::ResultSet;
use crate::secret::{PkceVerifier, RefreshToken};
use crate::sql::params::bind;
use crate::sql::{Params, Plan, parse_statement, select, split_statements};

/// A connection to Zoho Books. Cheap to clone: clones share the same state.
#[derive(Clone)]
pub struct Connection {
    inner: Arc<Inner>,
}

/// The connection's state. `call_procedure` and `scan` are the two places where statements meet
/// the OAuth engine and the Books tables.
struct Inner {
    config: Config,
    tokens: Arc<TokenManager>,
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
        Ok(Connection {
            inner: Arc::new(Inner { config, tokens }),
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

    /// Runs one statement (a trailing `;` is allowed).
    pub async fn execute(&self, sql: &str) -> Result<ResultSet> {
        self.execute_with(sql, &Params::new()).await
    }

    /// Runs one statement with values for its `?` and `@name` markers. Bind secrets this way
    /// rather than writing them into the SQL text.
    pub async fn execute_with(&self, sql: &str, params: &Params) -> Result<ResultSet> {
        let plan = bind(parse_statement(sql)?, params)?;
        self.inner.run(plan).await
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
    async fn run(&self, plan: Plan) -> Result<ResultSet> {
        match plan {
            Plan::Call(call) => {
                let call = validate(&call)?;
                self.call_procedure(call).await
            }
            Plan::Select(query) => {
                let (schema, batches) = self.scan(&query.table).await?;
                select::execute(&query, schema, batches)
            }
        }
    }

    /// Runs a validated stored-procedure call through the OAuth engine.
    async fn call_procedure(&self, call: ProcedureCall) -> Result<ResultSet> {
        tracing::info!(procedure = call.spec.name, "calling stored procedure");
        // Only values the call gave explicitly: the engine falls back to the connection's
        // properties (CallbackURL, Scope, AccountsServer) for the rest.
        let given = |name: &str| match call.get(name) {
            Some(ArgValue::Text(t)) => Some(t.as_str()),
            _ => None,
        };
        match call.spec.name {
            "GetOAuthAuthorizationURL" => {
                let url = self.tokens.authorization_url(
                    given("CallbackUrl"),
                    given("Scope"),
                    given("State"),
                )?;
                match url.pkce_verifier {
                    Some(verifier) => ResultSet::from_utf8_row(
                        &["URL", "PKCEVerifier"],
                        vec![Some(url.url), Some(verifier.expose_secret().to_owned())],
                    ),
                    None => ResultSet::from_utf8_row(&["URL"], vec![Some(url.url)]),
                }
            }
            "GetOAuthAccessToken" => {
                let verifier = call.secret("Verifier");
                let tokens = if verifier.is_none() && call.text("AuthMode") == Some("APP") {
                    self.tokens.login_interactively().await?
                } else {
                    let pkce = call
                        .secret("PKCEVerifier")
                        .map(|s| PkceVerifier::new(s.expose_secret()));
                    self.tokens
                        .exchange_code(ExchangeRequest {
                            verifier,
                            callback_url: given("CallbackUrl"),
                            state: given("State"),
                            accounts_server: given("AccountsServer"),
                            pkce_verifier: pkce.as_ref(),
                            scope: given("Scope"),
                        })
                        .await?
                };
                token_row(tokens)
            }
            "RefreshOAuthAccessToken" => {
                let refresh = call
                    .secret("OAuthRefreshToken")
                    .map(|s| RefreshToken::new(s.expose_secret()));
                token_row(
                    self.tokens
                        .refresh_with(refresh, given("AccountsServer"))
                        .await?,
                )
            }
            other => Err(Error::NotImplemented {
                what: format!("the stored procedure {other}"),
            }),
        }
    }

    /// The rows of `table`: system tables here, Zoho Books tables (later) by one arm each.
    async fn scan(&self, table: &str) -> Result<(SchemaRef, Vec<RecordBatch>)> {
        if let Some(result) = system_tables::scan(table, &self.config) {
            let (spec, batch) = result?;
            return Ok((spec.schema(), vec![batch]));
        }
        match catalog::find_table(table) {
            Some(spec) if spec.name == "Organizations" => {
                let rows = BooksClient::new(self.tokens.clone())
                    .organizations()
                    .await?;
                Ok((
                    organizations::schema(),
                    vec![organizations::to_record_batch(&rows)?],
                ))
            }
            // A registered Books table without a scan arm.
            Some(spec) => Err(Error::NotImplemented {
                what: format!("reading the {} table", spec.name),
            }),
            None => Err(Error::UnknownTable {
                name: table.to_owned(),
                known: catalog::table_names(),
            }),
        }
    }
}

/// The one-row result of the token procedures: OAuthAccessToken, OAuthRefreshToken, ExpiresIn,
/// AccountsServer, ApiDomain (all Utf8, as CData's).
fn token_row(tokens: TokenSet) -> Result<ResultSet> {
    ResultSet::from_utf8_row(
        &[
            "OAuthAccessToken",
            "OAuthRefreshToken",
            "ExpiresIn",
            "AccountsServer",
            "ApiDomain",
        ],
        vec![
            Some(tokens.access_token.expose_secret().to_owned()),
            tokens
                .refresh_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            tokens.expires_in.map(|e| e.to_string()),
            Some(tokens.accounts_server),
            Some(tokens.api_domain),
        ],
    )
}
