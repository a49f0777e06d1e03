//! A faithful local emulator of Zoho Accounts (OAuth 2.0) and the Zoho Books API v3.
//!
//! The sandbox is a real HTTP server on a loopback address. It reproduces Zoho's wire behaviour,
//! including its quirks (token errors as HTTP 200 with `{"error": ...}`, throttling as HTTP 400
//! "Access Denied", percent-encoded `accounts-server` on the callback, Books error codes 14 and
//! 57), so the connector — and your own Zoho integration — can be developed and tested offline,
//! without credentials. It shares no code with the connector (zohobooks-sql): a parsing bug
//! shared by both would be invisible to every test.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use std::time::Duration;
//! use zohobooks_sandbox::{Endpoint, Fault, Sandbox};
//!
//! let sandbox = Sandbox::builder().auto_approve(true).manual_clock().start().await?;
//! assert!(sandbox.local_addr().ip().is_loopback());
//! // The accounts server and the api_domain: point a Zoho client at it.
//! let base_url = sandbox.base_url();
//! // Tokens as if a user had consented; use them as `Authorization: Zoho-oauthtoken <token>`
//! // on {base_url}/books/v3/organizations.
//! let (access_token, refresh_token) = sandbox.mint_tokens("ZohoBooks.fullaccess.all");
//! assert!(access_token.starts_with("1000.") && refresh_token.starts_with("1000."));
//! // Knobs: the next token request fails with HTTP 500; then an hour passes.
//! sandbox.inject_fault(Endpoint::Token, Fault::Status500, 1);
//! sandbox.advance_clock(Duration::from_secs(3600));
//! assert_eq!(sandbox.count("token:refresh_token"), 0);
//! # let _ = base_url;
//! # Ok(()) }
//! ```
//!
//! The sandbox stops serving when its [`SandboxHandle`] is dropped. Endpoints, knobs and the
//! differences from real Zoho are described in `docs/sandbox.md`.

mod accounts;
mod books;
mod books_data;
mod books_gen;
mod catalog;
mod cell;
mod clock;
mod control;
mod http;
mod query;
mod server;
mod state;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use state::{QueuedFault, Settings, Shared, State, lock};

/// The client id the sandbox registers unless [`SandboxBuilder::client_id`] says otherwise.
pub const DEFAULT_CLIENT_ID: &str = "1000.SANDBOXCLIENTID0000000000000000";
/// The client secret the sandbox registers unless [`SandboxBuilder::client_secret`] says
/// otherwise (42 hex digits, like Zoho's).
pub const DEFAULT_CLIENT_SECRET: &str = "5a4db0c5e1f2a3b4c5d6e7f8091a2b3c4d5e6f7a8b";
/// The address `zbsql --serve-sandbox` uses when none is given.
pub const DEFAULT_STANDALONE_ADDR: &str = "127.0.0.1:8900";
/// The scope [`serve_standalone`] and the `/__sandbox/mint-tokens` knob use by default.
pub const FULL_ACCESS_SCOPE: &str = "ZohoBooks.fullaccess.all";

/// Entry point: `Sandbox::builder()...start().await`.
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// A builder with Zoho's defaults (see each [`SandboxBuilder`] method).
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }
}

/// Configures a sandbox before it starts.
pub struct SandboxBuilder {
    bind: SocketAddr,
    auto_approve: bool,
    strict_redirect_uris: Option<Vec<String>>,
    client_id: String,
    client_secret: String,
    access_token_ttl: Duration,
    refresh_access_token_ttl: Duration,
    code_ttl: Duration,
    refresh_limit: u32,
    refresh_window: Duration,
    api_rate_limit_per_minute: Option<u32>,
    manual_clock: bool,
    seed: Option<u64>,
    refresh_token_only_on_first_consent: bool,
    invoice_count: Option<usize>,
    daily_api_limit: Option<u32>,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            auto_approve: false,
            strict_redirect_uris: None,
            client_id: DEFAULT_CLIENT_ID.to_string(),
            client_secret: DEFAULT_CLIENT_SECRET.to_string(),
            access_token_ttl: Duration::from_secs(3600),
            refresh_access_token_ttl: Duration::from_secs(3600),
            code_ttl: Duration::from_secs(120),
            refresh_limit: 10,
            refresh_window: Duration::from_secs(600),
            api_rate_limit_per_minute: None,
            manual_clock: false,
            seed: None,
            refresh_token_only_on_first_consent: false,
            invoice_count: None,
            daily_api_limit: None,
        }
    }
}

impl std::fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxBuilder")
            .field("bind", &self.bind)
            .field("auto_approve", &self.auto_approve)
            .field("strict_redirect_uris", &self.strict_redirect_uris)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_access_token_ttl", &self.refresh_access_token_ttl)
            .field("code_ttl", &self.code_ttl)
            .field("refresh_limit", &self.refresh_limit)
            .field("refresh_window", &self.refresh_window)
            .field("api_rate_limit_per_minute", &self.api_rate_limit_per_minute)
            .field("manual_clock", &self.manual_clock)
            .field("seed", &self.seed)
            .field(
                "refresh_token_only_on_first_consent",
                &self.refresh_token_only_on_first_consent,
            )
            .field("invoice_count", &self.invoice_count)
            .field("daily_api_limit", &self.daily_api_limit)
            .finish()
    }
}

impl SandboxBuilder {
    /// The address to listen on; default `127.0.0.1:0` (an ephemeral port).
    /// [`start`](Self::start) refuses any address that is not loopback.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Approve every authorization request at once (redirect straight to the callback) instead
    /// of showing the consent page with Accept and Deny buttons. Default off.
    pub fn auto_approve(mut self, on: bool) -> Self {
        self.auto_approve = on;
        self
    }

    /// Register exactly these redirect URIs (strict, exact-string matching). By default any
    /// loopback `http` URI is accepted, as RFC 8252 §7.3 allows for native apps.
    pub fn strict_redirect_uris(mut self, uris: Vec<String>) -> Self {
        self.strict_redirect_uris = Some(uris);
        self
    }

    /// The registered client id; default [`DEFAULT_CLIENT_ID`].
    pub fn client_id(mut self, id: &str) -> Self {
        self.client_id = id.to_string();
        self
    }

    /// The registered client secret; default [`DEFAULT_CLIENT_SECRET`].
    pub fn client_secret(mut self, secret: &str) -> Self {
        self.client_secret = secret.to_string();
        self
    }

    /// Lifetime of access tokens from the authorization-code grant (and
    /// [`SandboxHandle::mint_tokens`]); default 3600 s. `expires_in` reports it in whole seconds.
    pub fn access_token_ttl(mut self, ttl: Duration) -> Self {
        self.access_token_ttl = ttl;
        self
    }

    /// Lifetime of access tokens from the refresh-token grant; default 3600 s.
    pub fn refresh_access_token_ttl(mut self, ttl: Duration) -> Self {
        self.refresh_access_token_ttl = ttl;
        self
    }

    /// Lifetime of authorization codes; default 120 s.
    pub fn code_ttl(mut self, ttl: Duration) -> Self {
        self.code_ttl = ttl;
        self
    }

    /// At most `max` refreshes per refresh token in any sliding `window`; the next one gets
    /// Zoho's HTTP 400 "Access Denied" throttle answer. Default 10 per 600 s, as Zoho.
    pub fn refresh_limit(mut self, max: u32, window: Duration) -> Self {
        self.refresh_limit = max;
        self.refresh_window = window;
        self
    }

    /// Books API calls allowed per organization per clock minute before HTTP 429 (code 44);
    /// `None` (the default) disables the limit.
    pub fn api_rate_limit_per_minute(mut self, limit: Option<u32>) -> Self {
        self.api_rate_limit_per_minute = limit;
        self
    }

    /// Use a manual clock: sandbox time stands still and moves only by
    /// [`SandboxHandle::advance_clock`] (or `POST /__sandbox/clock/advance`).
    pub fn manual_clock(mut self) -> Self {
        self.manual_clock = true;
        self
    }

    /// Seed the generator of codes and tokens, making them reproducible run to run.
    /// By default the seed is random, so two sandboxes never issue the same token.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Zoho's documented rule for refresh tokens: an `access_type=offline` consent yields one
    /// only on the *first* consent (while the client holds no live refresh token) or when the
    /// authorization URL carries `prompt=consent`. Default off: every offline consent yields a
    /// refresh token. Turn it on to check that a client sends `prompt=consent`.
    pub fn refresh_token_only_on_first_consent(mut self, on: bool) -> Self {
        self.refresh_token_only_on_first_consent = on;
        self
    }

    /// How many invoices the first organization (Zillum, `10234695`) has; default 425. Their
    /// line items, payments and the customers' outstanding amounts follow. For benchmarks
    /// (20 000 or 100 000 invoices); the data is generated on the first Books request that
    /// needs it, not at start. [`serve_standalone`] reads `ZOHO_SANDBOX_INVOICE_COUNT`.
    pub fn invoice_count(mut self, count: usize) -> Self {
        self.invoice_count = Some(count);
        self
    }

    /// Books calls allowed per organization per sandbox-clock day (86 400 s, the
    /// organizations list counting under its own key); once spent, every Books call of that
    /// organization answers HTTP 429 `{"code":45,...}` without `Retry-After` until the next
    /// day. `None` (the default) disables the limit. See also
    /// [`SandboxHandle::set_daily_api_limit`].
    pub fn daily_api_limit(mut self, limit: Option<u32>) -> Self {
        self.daily_api_limit = limit;
        self
    }

    /// Binds the listener and starts serving on the current tokio runtime.
    ///
    /// Fails with [`std::io::ErrorKind::InvalidInput`] if the bind address is not loopback, or
    /// with the operating system's error if the address cannot be bound.
    pub async fn start(self) -> std::io::Result<SandboxHandle> {
        if !self.bind.ip().is_loopback() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "the Zoho sandbox only listens on loopback addresses, not {}; use 127.0.0.1:PORT or [::1]:PORT",
                    self.bind
                ),
            ));
        }
        let listener = TcpListener::bind(self.bind).await?;
        let local_addr = listener.local_addr()?;
        let base_url = format!("http://{local_addr}");
        let seed = self.seed.unwrap_or_else(rand::random::<u64>);
        let mut state = State::new(self.manual_clock, self.auto_approve, seed);
        state.daily_limit = self.daily_api_limit;
        let shared = Arc::new(Shared {
            settings: Settings {
                client_id: self.client_id,
                client_secret: self.client_secret,
                strict_redirect_uris: self.strict_redirect_uris,
                access_token_ttl: self.access_token_ttl,
                refresh_access_token_ttl: self.refresh_access_token_ttl,
                code_ttl: self.code_ttl,
                refresh_limit: self.refresh_limit,
                refresh_window: self.refresh_window,
                api_rate_limit_per_minute: self.api_rate_limit_per_minute,
                refresh_token_only_on_first_consent: self.refresh_token_only_on_first_consent,
                base_url,
                location: "us".to_string(),
            },
            state: Mutex::new(state),
            // Cheap: module tables are generated on first use.
            books: books_data::BooksData::new(books_data::DataConfig {
                invoice_count: self.invoice_count,
            }),
        });
        let (shutdown, shutdown_rx) = watch::channel(());
        let task = tokio::spawn(server::accept_loop(
            listener,
            Arc::clone(&shared),
            shutdown_rx,
        ));
        Ok(SandboxHandle {
            shared,
            local_addr,
            shutdown,
            task,
        })
    }
}

/// A running sandbox. Dropping it stops the server and closes its connections.
pub struct SandboxHandle {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    shutdown: watch::Sender<()>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for SandboxHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxHandle")
            .field("base_url", &self.shared.settings.base_url)
            .field("client_id", &self.shared.settings.client_id)
            .field("client_secret", &"***")
            .finish_non_exhaustive()
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        // Wakes the accept loop and every connection task; they return at once.
        let _ = self.shutdown.send(());
        self.task.abort();
    }
}

impl SandboxHandle {
    /// `http://127.0.0.1:PORT`: the accounts server and the `api_domain` at once (Books lives
    /// under `{base_url}/books/v3`).
    pub fn base_url(&self) -> String {
        self.shared.settings.base_url.clone()
    }

    /// The address the server is bound to (always loopback).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The registered client id.
    pub fn client_id(&self) -> String {
        self.shared.settings.client_id.clone()
    }

    /// The registered client secret.
    pub fn client_secret(&self) -> String {
        self.shared.settings.client_secret.clone()
    }

    /// How many requests one counter has seen (0 if none). Keys: `auth`, `auth:consent`,
    /// `token:authorization_code`, `token:refresh_token`, `token:other`, `revoke`,
    /// `books:<path>` for every Books call under a path (`books:organizations`,
    /// `books:invoices`, `books:projects/timeentries`, ...: lists and single records alike),
    /// `books:<path>:record` for single records only (`books:invoices:record`),
    /// `books:contacts:contactpersons`, and `books:other` for unknown Books paths. Faulted
    /// requests are counted too.
    pub fn count(&self, key: &str) -> u64 {
        lock(&self.shared.state)
            .counters
            .get(key)
            .copied()
            .unwrap_or(0)
    }

    /// Every counter that has seen at least one request.
    pub fn counters(&self) -> BTreeMap<String, u64> {
        lock(&self.shared.state).counters.clone()
    }

    /// The requests received so far (oldest first, the last 10 000), secrets redacted.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.state).log()
    }

    /// Applies `fault` to the next `times` requests of `endpoint` (queued after any faults
    /// already waiting for that endpoint).
    pub fn inject_fault(&self, endpoint: Endpoint, fault: Fault, times: u32) {
        if times == 0 {
            return;
        }
        lock(&self.shared.state).faults.push(QueuedFault {
            endpoint,
            fault,
            remaining: times,
        });
    }

    /// Moves sandbox time forward (manual or real clock alike): codes, tokens, throttle windows
    /// and rate-limit minutes all see the jump.
    pub fn advance_clock(&self, by: Duration) {
        lock(&self.shared.state).clock.advance(by);
    }

    /// Changes the per-organization daily Books limit while running (see
    /// [`SandboxBuilder::daily_api_limit`]); calls already made today still count.
    pub fn set_daily_api_limit(&self, limit: Option<u32>) {
        lock(&self.shared.state).daily_limit = limit;
    }

    /// Switches auto-approve mode on or off while running.
    pub fn set_auto_approve(&self, on: bool) {
        lock(&self.shared.state).auto_approve = on;
    }

    /// Issues `(access_token, refresh_token)` for `scope` as if an authorization-code grant
    /// with `access_type=offline` had happened (not counted, not logged).
    pub fn mint_tokens(&self, scope: &str) -> (String, String) {
        mint_tokens(&self.shared, scope)
    }

    /// Every access token issued so far counts as expired from now on (tokens issued later are
    /// unaffected). Refresh tokens stay valid.
    pub fn expire_access_tokens(&self) {
        lock(&self.shared.state).expire_access_tokens();
    }
}

fn mint_tokens(shared: &Shared, scope: &str) -> (String, String) {
    let mut state = lock(&shared.state);
    let refresh = state.mint_refresh_token(scope);
    let access = state.mint_access_token(scope, shared.settings.access_token_ttl, Some(&refresh));
    (access, refresh)
}

/// The emulated endpoints a fault can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `/oauth/v2/auth` (the authorization page and its consent form).
    Auth,
    /// `/oauth/v2/token`.
    Token,
    /// `/oauth/v2/token/revoke` and `/oauth/v2/revoke/token`.
    Revoke,
    /// Everything under `/books/v3/`.
    Books,
    /// One Books module path and its records: `"invoices"` targets `/books/v3/invoices` and
    /// `/books/v3/invoices/{id}`; `"projects/timeentries"`, `"settings/taxes"`,
    /// `"organizations"` and every other served path work the same way. Build it with
    /// [`Endpoint::books_path`] to have the path checked.
    BooksPath(&'static str),
}

impl Endpoint {
    /// `Endpoint::BooksPath` for a path the sandbox serves (`"invoices"`, `"vendorcredits"`,
    /// `"projects/timeentries"`, `"organizations"`, ...), or `None` for an unknown one.
    pub fn books_path(path: &str) -> Option<Endpoint> {
        books::known_path(path.trim_matches('/')).map(Endpoint::BooksPath)
    }
}

/// A fault to inject into the next requests of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer HTTP 500 (JSON for token/revoke/Books — Books uses `{"code":1000,"message":"Internal error"}` —
    /// an HTML page for auth).
    Status500,
    /// Wait this long (real time), then answer normally.
    Delay(Duration),
    /// Close the connection without answering.
    DropConnection,
    /// Answer HTTP 401 `{"code":57,"message":"You are not authorized to perform this operation"}`.
    Unauthorized57,
    /// Answer HTTP 429 `{"code":44,"message":"You have exceeded the maximum number of API calls
    /// allowed per minute ..."}` with a `Retry-After: <retry_after_secs>` header (Zoho's
    /// per-minute throttling).
    RateLimit44 {
        /// The `Retry-After` value in seconds.
        retry_after_secs: u32,
    },
    /// Answer HTTP 429 `{"code":45,"message":"You have reached the maximum number of API calls
    /// for the day."}` without `Retry-After` (Zoho's daily limit).
    DailyLimit45,
}

/// One request as the sandbox received it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LoggedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// The path without the query, e.g. `/oauth/v2/token`.
    pub path: String,
    /// Query and form-body parameters as `k=v&k=v`, with `client_secret`, `code`,
    /// `code_verifier`, `access_token`, `refresh_token` and `token` values replaced by `***`.
    pub params: String,
    /// The HTTP status answered; 0 when the connection was dropped by a fault.
    pub status: u16,
}

/// Runs a sandbox on `addr` until Ctrl-C (or SIGTERM on Unix), printing its base URL, client id, secret and a
/// ready-to-paste connection string. Used by `zbsql --serve-sandbox [ADDR]`.
///
/// The consent page is shown (no auto-approve); switch with `POST /__sandbox/auto-approve?on=true`.
///
/// The environment variable `ZOHO_SANDBOX_INVOICE_COUNT=<n>` sets
/// [`SandboxBuilder::invoice_count`].
pub async fn serve_standalone(addr: SocketAddr) -> std::io::Result<()> {
    let mut builder = Sandbox::builder().bind(addr);
    if let Some(count) = std::env::var("ZOHO_SANDBOX_INVOICE_COUNT")
        .ok()
        .and_then(|text| text.trim().parse::<usize>().ok())
    {
        builder = builder.invoice_count(count);
    }
    let sandbox = builder.start().await?;
    // Install the signal handlers before announcing the address, so a Ctrl-C that follows the
    // announcement always stops the server cleanly.
    let stop = stop_signal()?;
    let base_url = sandbox.base_url();
    let client_id = sandbox.client_id();
    let client_secret = sandbox.client_secret();
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "Zoho sandbox listening on {base_url}")?;
        writeln!(out, "client id: {client_id}")?;
        writeln!(out, "client secret: {client_secret}")?;
        writeln!(
            out,
            "connection string: AccountsServer={base_url};OAuthClientId={client_id};OAuthClientSecret={client_secret};InitiateOAuth=GETANDREFRESH;OAuthSettingsLocation=memory://sandbox"
        )?;
        out.flush()?;
    }
    stop.await;
    drop(sandbox);
    Ok(())
}

/// A future that completes on Ctrl-C (SIGINT) or, on Unix, SIGTERM. The handlers are
/// registered when this function returns, not when the future is first polled.
#[cfg(unix)]
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// A future that completes on Ctrl-C.
#[cfg(not(unix))]
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_secret_is_42_hex_digits() {
        assert_eq!(DEFAULT_CLIENT_SECRET.len(), 42);
        assert!(DEFAULT_CLIENT_SECRET.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let builder = Sandbox::builder().client_secret("topsecretvalue");
        assert!(!format!("{builder:?}").contains("topsecretvalue"));
    }

    #[tokio::test]
    async fn refuses_non_loopback_addresses() {
        let error = Sandbox::builder()
            .bind("0.0.0.0:0".parse().expect("literal address"))
            .start()
            .await
            .expect_err("0.0.0.0 must be refused");
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("loopback"));
    }
}
