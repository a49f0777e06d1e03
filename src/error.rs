//! The crate's one public error type.
//!
//! Variants are named for the caller's situation (rusqlite style). Every message says what
//! happened and, where it helps, what to do about it. No message ever contains a secret value:
//! variants carry property and parameter *names*, never secret values.

use std::time::Duration;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What was wrong with a connection string, with enough detail to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionStringErrorKind {
    /// A segment has no `=` between key and value.
    MissingEquals,
    /// A segment has `=` but nothing (or only spaces) before it.
    EmptyKey,
    /// A value opened with `'` or `"` never closes.
    UnterminatedQuote {
        /// The quote character that was opened.
        quote: char,
    },
    /// A value opened with `{` never closes.
    UnterminatedBrace,
    /// Something other than spaces or `;` follows a closing quote or brace.
    TextAfterQuote,
    /// The key is not a known property.
    UnknownProperty {
        /// The key as written (spaces removed).
        name: String,
        /// The closest known property name, if any is close.
        suggestion: Option<String>,
    },
    /// The value does not have the property's type or is outside its allowed set.
    InvalidValue {
        /// The property's canonical name.
        property: &'static str,
        /// What the property accepts, e.g. "one of OFF, GETANDREFRESH, REFRESH".
        expected: String,
    },
}

impl std::fmt::Display for ConnectionStringErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::MissingEquals => write!(f, "expected '=' after the property name"),
            Self::EmptyKey => write!(f, "a property name is missing before '='"),
            Self::UnterminatedQuote { quote } => write!(
                f,
                "the value opened with {quote} is not closed; close it with {quote} (write {quote}{quote} for a literal {quote})"
            ),
            Self::UnterminatedBrace => {
                write!(
                    f,
                    "the value opened with {{ is not closed; close it with }} (write }}}} for a literal }})"
                )
            }
            Self::TextAfterQuote => write!(
                f,
                "unexpected text after the closing quote; end the value there or put the text inside the quotes"
            ),
            Self::UnknownProperty { name, suggestion } => {
                write!(f, "unknown property '{name}'")?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean '{s}'?")?;
                }
                Ok(())
            }
            Self::InvalidValue { property, expected } => {
                write!(f, "invalid value for {property}: expected {expected}")
            }
        }
    }
}

/// Every error the connector reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- connection string and configuration -------------------------------------------------
    /// The connection string could not be parsed or validated.
    #[error("{kind} (at byte {offset}, near `{excerpt}`)")]
    ConnectionString {
        /// What was wrong.
        kind: ConnectionStringErrorKind,
        /// Byte offset in the connection string where the problem starts.
        offset: usize,
        /// A short excerpt of the input around the offset, with secret values masked.
        excerpt: String,
    },
    /// A statement needs a connection property that is not set.
    #[error("{name} is not set; {hint}")]
    MissingProperty {
        /// The property's canonical name.
        name: &'static str,
        /// How to provide it.
        hint: String,
    },

    // ---- SQL -----------------------------------------------------------------------------------
    /// The SQL text could not be parsed.
    #[error("SQL syntax error: {message}")]
    SqlSyntax {
        /// The parser's message (with line and column).
        message: String,
    },
    /// The SQL parsed, but uses something this connector does not support.
    #[error("not supported: {construct}")]
    NotSupported {
        /// What was used, e.g. "INSERT statements" or "JOIN".
        construct: String,
    },
    /// `EXEC` named a procedure that does not exist.
    #[error("unknown stored procedure '{name}'; known procedures: {}", known.join(", "))]
    UnknownProcedure {
        /// The name as written.
        name: String,
        /// The procedures that exist.
        known: Vec<String>,
    },
    /// A procedure call named a parameter the procedure does not have.
    #[error("unknown parameter '{name}' for {procedure}; its parameters are: {}", known.join(", "))]
    UnknownParameter {
        /// The procedure's canonical name.
        procedure: String,
        /// The parameter as written.
        name: String,
        /// The procedure's parameters.
        known: Vec<String>,
    },
    /// A required procedure parameter was not given.
    #[error("missing required parameter '{name}' for {procedure}")]
    MissingParameter {
        /// The procedure's canonical name.
        procedure: String,
        /// The parameter's canonical name.
        name: String,
    },
    /// The same parameter was given twice in one call.
    #[error("parameter '{name}' is given more than once in the call to {procedure}")]
    DuplicateParameter {
        /// The procedure's canonical name.
        procedure: String,
        /// The parameter's canonical name.
        name: String,
    },
    /// A parameter value is outside its allowed set or of the wrong type.
    #[error("invalid value for parameter '{name}' of {procedure}: expected {expected}")]
    InvalidParameterValue {
        /// The procedure's canonical name.
        procedure: String,
        /// The parameter's canonical name.
        name: String,
        /// What the parameter accepts.
        expected: String,
    },
    /// A bind parameter (`?` or `@name`) has no value, or a value was given that no marker uses.
    #[error("bind parameter error: {message}")]
    BindParameter {
        /// What was wrong.
        message: String,
    },
    /// A per-parent table (line items, details) would need more calls than `DetailFetchLimit`
    /// allows; nothing was fetched beyond the parent list.
    #[error(
        "{table} needs one request per {parent} record: {records} records would take {records} requests, more than DetailFetchLimit={limit}; narrow the query with WHERE {key} = '...' or {key} IN (...), or raise DetailFetchLimit"
    )]
    DetailFetchLimit {
        /// The table scanned, e.g. `InvoiceLineItems`.
        table: String,
        /// The parent table, e.g. `Invoices`.
        parent: String,
        /// The parent key column, e.g. `InvoiceId`.
        key: String,
        /// How many parent records there are.
        records: u64,
        /// The limit in force.
        limit: u64,
    },
    /// A scan stopped before its end (page cap); the statement fails rather than return a
    /// silently truncated result.
    #[error("reading {table} stopped: {reason}")]
    ScanStopped {
        /// The table scanned.
        table: String,
        /// Why, and how to narrow the query.
        reason: String,
    },
    /// A query named a table that does not exist.
    #[error("unknown table '{name}'{}", did_you_mean(suggestion))]
    UnknownTable {
        /// The name as written.
        name: String,
        /// The closest table name, when one is close.
        suggestion: Option<String>,
    },
    /// A query named a column that none of its tables has.
    #[error("unknown column '{column}'{}", did_you_mean(suggestion))]
    UnknownColumn {
        /// The column as written.
        column: String,
        /// The closest column name among the query's tables, when one is close.
        suggestion: Option<String>,
    },
    /// A query called a function that does not exist.
    #[error("unknown function '{name}'{}", did_you_mean(suggestion))]
    UnknownFunction {
        /// The name as written.
        name: String,
        /// The closest function name, when one is close.
        suggestion: Option<String>,
    },
    /// The SQL engine could not plan or run a query (e.g. a comparison of types that do not mix).
    /// Arithmetic errors while computing values (a division by zero) are [`Error::Arrow`].
    #[error("query failed: {message}")]
    Engine {
        /// The engine's message (bound secret values masked).
        message: String,
    },

    // ---- OAuth ---------------------------------------------------------------------------------
    /// Zoho's accounts server answered with an OAuth error code.
    #[error("{code}: {hint}")]
    OAuth {
        /// Zoho's error code, verbatim (e.g. `invalid_code`).
        code: String,
        /// Zoho's `error_description`, when it sent one.
        description: Option<String>,
        /// What the code usually means and what to do.
        hint: String,
    },
    /// Zoho throttled token requests ("Access Denied", HTTP 400) or the API rate limit was hit.
    #[error("too many requests: {message}")]
    RateLimited {
        /// What the server said, and when to retry.
        message: String,
    },
    /// No usable token exists and none can be obtained without the user.
    #[error("authorization required: {reason}; {hint}")]
    AuthorizationRequired {
        /// Why no token could be used.
        reason: String,
        /// How to authorize.
        hint: String,
    },
    /// The user pressed Deny on Zoho's consent page (or Zoho denied the request).
    #[error("the user denied access{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    AccessDenied {
        /// Extra detail from the server, if any.
        description: Option<String>,
    },
    /// A host received from the network is not a known Zoho host for its role; nothing was sent to it.
    #[error(
        "refusing to use {role} '{host}': it is not a known Zoho host nor the configured AccountsServer; no request was sent to it"
    )]
    UntrustedHost {
        /// What the host was for ("accounts server", "API domain").
        role: &'static str,
        /// The host as received.
        host: String,
    },
    /// The browser (desktop) flow failed: listener, callback, state check.
    #[error("desktop authorization failed: {message}")]
    DesktopFlow {
        /// What went wrong and what to do.
        message: String,
    },

    // ---- transport and services ----------------------------------------------------------------
    /// An HTTP request failed before a usable response arrived.
    #[error("HTTP request to {url} failed: {message}")]
    Http {
        /// The URL without query string or secrets.
        url: String,
        /// What failed.
        message: String,
    },
    /// Something took longer than its limit.
    #[error("{what} timed out after {}s", after.as_secs_f64())]
    Timeout {
        /// What timed out.
        what: String,
        /// The limit.
        after: Duration,
    },
    /// The Zoho Books API answered with an error envelope.
    #[error("Zoho Books API error {code} (HTTP {status}): {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// Zoho's `code`.
        code: i64,
        /// Zoho's `message`.
        message: String,
    },
    /// The token store (OAuthSettingsLocation) could not be read or written.
    #[error("token store {location}: {message}")]
    TokenStore {
        /// The file path or `memory://` id.
        location: String,
        /// What went wrong and how to fix it.
        message: String,
    },
    /// An I/O error outside the token store.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An Arrow error while building or filtering a result.
    #[error("arrow: {0}")]
    Arrow(#[from] crate::arrow::error::ArrowError),
    /// A capability that exists in the interface but is not built yet.
    #[error("not implemented yet: {what}")]
    NotImplemented {
        /// What is missing.
        what: String,
    },
    /// An OAuth verifier (a bare code or a pasted callback URL) could not be used.
    #[error("invalid OAuth verifier: {reason}")]
    InvalidVerifier {
        /// What was wrong with it and what to do (never the value itself).
        reason: String,
    },
}

/// `"; did you mean 'X'?"` when there is a suggestion.
fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!("; did you mean '{s}'?"),
        None => String::new(),
    }
}

impl Error {
    /// Whether the error is a timeout (reqwest-style predicate).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// Whether the error comes from the connection string.
    pub fn is_connection_string(&self) -> bool {
        matches!(self, Error::ConnectionString { .. })
    }

    /// Whether the user has to authorize again (interactive login or a new verifier).
    pub fn is_authorization_required(&self) -> bool {
        matches!(self, Error::AuthorizationRequired { .. })
    }

    /// A second line of advice for people, where the message itself has none.
    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::ConnectionString { .. } => Some(
                "connection strings are Key=Value pairs separated by ';', e.g. InitiateOAuth=GETANDREFRESH;OAuthClientId=...",
            ),
            Error::UnknownProcedure { .. } => {
                Some("SELECT * FROM sys_procedures lists the procedures")
            }
            Error::UnknownTable { .. } => Some("SELECT TableName FROM sys_tables lists the tables"),
            Error::UnknownColumn { .. } => {
                Some("SELECT TableName, ColumnName FROM sys_tablecolumns lists the columns")
            }
            _ => None,
        }
    }
}
