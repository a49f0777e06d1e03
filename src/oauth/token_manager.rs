//! [`TokenManager`]: keeps one connection authenticated, following `InitiateOAuth`.
//!
//! - `OFF`: only `OAuthAccessToken` is used; nothing is refreshed, nothing prompts.
//! - `REFRESH`: tokens come from the store (`OAuthSettingsLocation`) or from the
//!   `OAuthAccessToken`/`OAuthRefreshToken` properties; they are refreshed ahead of expiry by
//!   min(60 s, half the lifetime); an `OAuthVerifier` is exchanged when nothing usable is stored
//!   (the headless flow). Never a browser.
//! - `GETANDREFRESH`: as `REFRESH`, and when nothing usable exists the interactive login runs
//!   once (across connections and processes sharing the store).
//!
//! Refreshes and logins are single-flight: a process-wide mutex per settings location plus an
//! advisory lock on `<file>.lock`; the store is re-read inside the lock so that N callers (in
//! one or many processes) send exactly one refresh grant. Construction touches neither the
//! network nor the disk.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::authorize::{AuthorizationRequest, build_authorization_url};
use super::callback::parse_verifier;
use super::client::{AccountsClient, CodeExchange, RetryPolicy, TokenResponse};
use super::http::{HttpSettings, HttpTransport};
use super::pkce::{OsRandom, RandomSource, challenge_s256, generate_state, generate_verifier};
use super::region::{
    HostPolicy, HostRole, configured_accounts_server, data_centre_by_location, default_api_domain,
};
use super::store::{StoreGuard, StoreIdentity, TokenRecord, TokenStore};
use super::{CallbackParams, InteractiveLogin, LoginRequest};
use crate::config::{Config, InitiateOAuth};
use crate::error::{Error, Result};
use crate::secret::{AccessToken, ClientSecret, PkceVerifier, RefreshToken, SecretString};

/// A clock in Unix milliseconds; injectable so expiry can be tested.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// A clock that moves only when told to (tests, `.slt` scripts).
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock showing `start_ms`.
    pub fn new(start_ms: i64) -> ManualClock {
        ManualClock(AtomicI64::new(start_ms))
    }
    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
    }
    /// Sets the clock.
    pub fn set(&self, now_ms: i64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// What a [`TokenManager`] needs besides the connection's `Config`.
#[derive(Clone)]
pub struct TokenManagerOptions {
    /// The clock (default: system).
    pub clock: Arc<dyn Clock>,
    /// Randomness for `state` and PKCE verifiers (default: OS).
    pub random: Arc<dyn RandomSource>,
    /// The interactive (browser) login used under `GETANDREFRESH` and by
    /// [`TokenManager::login_interactively`]; `None` when no browser flow is available.
    pub interactive: Option<Arc<dyn InteractiveLogin>>,
    /// Retry policy for refresh grants.
    pub retry: RetryPolicy,
    /// Longest wait for the store lock; default: `OAuthBrowserTimeout` + 60 s.
    pub lock_wait: Option<Duration>,
    /// A transport to share (e.g. with other connections); default: a new lazy one.
    pub transport: Option<Arc<HttpTransport>>,
}

impl Default for TokenManagerOptions {
    fn default() -> Self {
        TokenManagerOptions {
            clock: Arc::new(SystemClock),
            random: Arc::new(OsRandom),
            interactive: None,
            retry: RetryPolicy::default(),
            lock_wait: None,
            transport: None,
        }
    }
}

impl std::fmt::Debug for TokenManagerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenManagerOptions")
            .field("interactive", &self.interactive.is_some())
            .field("retry", &self.retry)
            .field("lock_wait", &self.lock_wait)
            .finish_non_exhaustive()
    }
}

/// The result of [`TokenManager::authorization_url`].
#[derive(Debug, Clone)]
pub struct AuthorizationUrl {
    /// The URL to open in a browser.
    pub url: String,
    /// The PKCE verifier to pass back to the exchange, when `PKCE=true`.
    pub pkce_verifier: Option<PkceVerifier>,
}

/// Tokens obtained by an exchange or a refresh (the columns of the OAuth procedures).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSet {
    /// The access token.
    pub access_token: AccessToken,
    /// The refresh token (after a refresh: the one that was used, unless Zoho sent a new one).
    pub refresh_token: Option<RefreshToken>,
    /// Lifetime in seconds, as Zoho reported it.
    pub expires_in: Option<i64>,
    /// When the token was received (Unix milliseconds, local clock).
    pub token_timestamp_ms: i64,
    /// The accounts server that issued the tokens.
    pub accounts_server: String,
    /// The API domain for Books calls (checked).
    pub api_domain: String,
    /// The scope the tokens were requested with.
    pub scope: String,
}

/// What an API call needs: the token and where to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCredentials {
    /// The access token for `Authorization: Zoho-oauthtoken ...`.
    pub access_token: AccessToken,
    /// The API domain (checked), e.g. `https://www.zohoapis.eu`.
    pub api_domain: String,
}

/// Inputs of a code exchange (`EXEC GetOAuthAccessToken` with a Verifier).
#[derive(Debug, Clone, Copy, Default)]
pub struct ExchangeRequest<'a> {
    /// The bare code or the whole pasted callback URL.
    pub verifier: Option<&'a SecretString>,
    /// The redirect URI used in the authorization URL (default: `CallbackURL`).
    pub callback_url: Option<&'a str>,
    /// The `state` that was sent; a pasted URL whose `state` differs is refused.
    pub state: Option<&'a str>,
    /// The accounts server to exchange at (default: the pasted URL's `accounts-server`, else
    /// its `location`'s, else the configured one). Always host-checked.
    pub accounts_server: Option<&'a str>,
    /// The PKCE verifier returned by [`TokenManager::authorization_url`].
    pub pkce_verifier: Option<&'a PkceVerifier>,
    /// The scope that was authorized (default: `Scope`); recorded with the tokens.
    pub scope: Option<&'a str>,
}

/// Keeps one connection authenticated. See the module docs.
pub struct TokenManager {
    initiate: InitiateOAuth,
    client_id: Option<String>,
    client_secret: Option<ClientSecret>,
    callback_url: String,
    scope: String,
    pkce: bool,
    configured_accounts: String,
    policy: HostPolicy,
    config_access_token: Option<AccessToken>,
    config_refresh_token: Option<RefreshToken>,
    config_expires_in: Option<i64>,
    config_timestamp_ms: Option<i64>,
    verifier: Option<SecretString>,
    verifier_used: AtomicBool,
    open_browser: bool,
    browser_timeout: Duration,
    lock_wait: Duration,
    store: TokenStore,
    accounts: AccountsClient,
    clock: Arc<dyn Clock>,
    random: Arc<dyn RandomSource>,
    interactive: Option<Arc<dyn InteractiveLogin>>,
    current: Mutex<Option<TokenRecord>>,
}

impl std::fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenManager")
            .field("initiate", &self.initiate)
            .field("client_id", &self.client_id)
            .field("accounts_server", &self.configured_accounts)
            .field("store", self.store.location())
            .finish_non_exhaustive()
    }
}

enum Dead {
    /// Zoho rejected the refresh token.
    RefreshToken,
}

impl TokenManager {
    /// A manager for a connection. No network, no disk.
    pub fn new(config: &Config, options: TokenManagerOptions) -> TokenManager {
        let transport = options
            .transport
            .unwrap_or_else(|| Arc::new(HttpTransport::new(HttpSettings::from_config(config))));
        TokenManager {
            initiate: config.initiate_oauth(),
            client_id: config
                .oauth_client_id()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            client_secret: config
                .oauth_client_secret()
                .map(|s| ClientSecret::new(s.expose_secret())),
            callback_url: config.callback_url().to_owned(),
            scope: config.scope().to_owned(),
            pkce: config.pkce(),
            configured_accounts: configured_accounts_server(config),
            policy: HostPolicy::from_config(config),
            config_access_token: config
                .oauth_access_token()
                .map(|s| AccessToken::new(s.expose_secret())),
            config_refresh_token: config
                .oauth_refresh_token()
                .map(|s| RefreshToken::new(s.expose_secret())),
            config_expires_in: config.oauth_expires_in(),
            config_timestamp_ms: config.oauth_token_timestamp(),
            verifier: config.oauth_verifier().cloned(),
            verifier_used: AtomicBool::new(false),
            open_browser: config.open_browser(),
            browser_timeout: config.oauth_browser_timeout(),
            lock_wait: options
                .lock_wait
                .unwrap_or_else(|| config.oauth_browser_timeout() + Duration::from_secs(60)),
            store: TokenStore::new(config.oauth_settings_location()),
            accounts: AccountsClient::new(transport).with_retry(options.retry),
            clock: options.clock,
            random: options.random,
            interactive: options.interactive,
            current: Mutex::new(None),
        }
    }

    /// The HTTP transport (shared with the Books client; built on first request).
    pub fn transport(&self) -> &Arc<HttpTransport> {
        self.accounts.transport()
    }

    /// The token store of this connection.
    pub fn store(&self) -> &TokenStore {
        &self.store
    }

    /// The connection's `InitiateOAuth`.
    pub fn initiate_oauth(&self) -> InitiateOAuth {
        self.initiate
    }

    /// Whether the connection has an interactive (browser) login available.
    pub fn has_interactive_login(&self) -> bool {
        self.interactive.is_some()
    }

    /// The accounts server this connection starts from.
    pub fn configured_accounts_server(&self) -> &str {
        &self.configured_accounts
    }

    /// This connection's current tokens, if it has obtained any (for `sys_connection_props`).
    pub fn current_tokens(&self) -> Option<TokenSet> {
        let rec = self.current_record()?;
        self.token_set(&rec).ok()
    }

    // ---- the procedures' operations ---------------------------------------------------------

    /// Builds the authorization URL (`EXEC GetOAuthAuthorizationURL`). No network.
    ///
    /// `callback_url` and `scope` default to `CallbackURL` and `Scope`; `state` is sent when
    /// given. With `PKCE=true` the URL carries an S256 challenge and the verifier is returned.
    pub fn authorization_url(
        &self,
        callback_url: Option<&str>,
        scope: Option<&str>,
        state: Option<&str>,
    ) -> Result<AuthorizationUrl> {
        let pkce_verifier = self.pkce.then(|| generate_verifier(self.random.as_ref()));
        let challenge = pkce_verifier.as_ref().map(challenge_s256);
        let url = build_authorization_url(&AuthorizationRequest {
            accounts_server: &self.configured_accounts,
            client_id: self.client_id.as_deref(),
            redirect_uri: non_empty(callback_url).unwrap_or(&self.callback_url),
            scope: non_empty(scope).unwrap_or(&self.scope),
            state: non_empty(state),
            code_challenge: challenge.as_deref(),
        })?;
        Ok(AuthorizationUrl { url, pkce_verifier })
    }

    /// Exchanges a code (`EXEC GetOAuthAccessToken` with a Verifier). Sent once, never
    /// retried. Under `REFRESH`/`GETANDREFRESH` the tokens are saved and used by this
    /// connection from then on.
    pub async fn exchange_code(&self, req: ExchangeRequest<'_>) -> Result<TokenSet> {
        let input = req.verifier.ok_or_else(|| Error::InvalidVerifier {
            reason: "no verifier given; pass the code from the callback URL (or the whole URL) as Verifier".into(),
        })?;
        let params = parse_verifier(input.expose_secret())?;
        if let Some(expected) = non_empty(req.state) {
            match params.state.as_deref() {
                Some(got) if got != expected => {
                    return Err(Error::InvalidVerifier {
                        reason: "the callback's state does not match the State given; the URL may come from another authorization attempt (or be forged). Start again with a new authorization URL".into(),
                    });
                }
                None if input.expose_secret().contains('=') => {
                    return Err(Error::InvalidVerifier {
                        reason: "the pasted callback URL has no state although a State was given; start again with a new authorization URL".into(),
                    });
                }
                _ => {}
            }
        }
        let accounts_server = self.exchange_server(req.accounts_server, &params)?;
        let scope = non_empty(req.scope).unwrap_or(&self.scope).to_owned();
        let redirect_uri = non_empty(req.callback_url).unwrap_or(&self.callback_url);
        let record = self
            .exchange(
                &params,
                &accounts_server,
                redirect_uri,
                req.pkce_verifier,
                scope,
            )
            .await?;
        if self.initiate != InitiateOAuth::Off {
            let _guard = self.lock().await?;
            self.save(&record)?;
        }
        self.token_set(&record)
    }

    /// Refreshes (`EXEC RefreshOAuthAccessToken`). `refresh_token` defaults to the
    /// connection's current one; `accounts_server` to the one that issued it. Zoho sends no
    /// new refresh token on refresh: the old one is kept and returned; a new one is stored if
    /// sent. Under `REFRESH`/`GETANDREFRESH` the result is saved and used from then on.
    pub async fn refresh_with(
        &self,
        refresh_token: Option<RefreshToken>,
        accounts_server: Option<&str>,
    ) -> Result<TokenSet> {
        let _guard = if self.initiate != InitiateOAuth::Off {
            Some(self.lock().await?)
        } else {
            None
        };
        let base = if self.initiate != InitiateOAuth::Off {
            self.best_record()?
        } else {
            self.current_record().or_else(|| self.config_record())
        };
        let token = refresh_token
            .filter(|t| !t.is_empty())
            .or_else(|| {
                base.as_ref()
                    .filter(|r| !r.refresh_token_unusable)
                    .and_then(|r| r.refresh_token.clone())
            })
            .or_else(|| self.config_refresh_token.clone())
            .ok_or_else(|| Error::MissingProperty {
                name: "OAuthRefreshToken",
                hint: "pass OAuthRefreshToken to RefreshOAuthAccessToken, set the OAuthRefreshToken property, or authorize first (GetOAuthAuthorizationURL, then GetOAuthAccessToken)".into(),
            })?;
        let server = match non_empty(accounts_server) {
            Some(s) => self.policy.check(HostRole::AccountsServer, s)?,
            None => match &base {
                Some(r) => self
                    .policy
                    .check(HostRole::AccountsServer, &r.accounts_server)?,
                None => self.configured_accounts.clone(),
            },
        };
        let mut template = base.unwrap_or_else(|| self.empty_record());
        template.accounts_server = server;
        match self.refresh_grant(&template, &token).await {
            Ok(record) => {
                if self.initiate != InitiateOAuth::Off {
                    self.save(&record)?;
                }
                self.token_set(&record)
            }
            Err((error, Some(Dead::RefreshToken))) => {
                if self.initiate != InitiateOAuth::Off {
                    self.mark_refresh_token_dead(&token, None)?;
                }
                Err(error)
            }
            Err((error, None)) => Err(error),
        }
    }

    /// Runs the interactive (browser) login now (`EXEC GetOAuthAccessToken AuthMode=APP`
    /// without a Verifier), whatever `InitiateOAuth` says. Saved under `REFRESH`/`GETANDREFRESH`.
    pub async fn login_interactively(&self) -> Result<TokenSet> {
        let _guard = self.lock().await?;
        let record = self.run_login().await?;
        if self.initiate != InitiateOAuth::Off {
            self.save(&record)?;
        }
        self.token_set(&record)
    }

    /// Revokes a refresh token at Zoho (every access token minted from it dies too) and
    /// forgets it: the stored record and this connection's tokens are cleared when they hold
    /// it. `refresh_token` defaults to the connection's current one.
    pub async fn revoke(&self, refresh_token: Option<RefreshToken>) -> Result<()> {
        let _guard = self.lock().await?;
        let base = if self.initiate != InitiateOAuth::Off {
            self.best_record()?
        } else {
            self.current_record().or_else(|| self.config_record())
        };
        let token = refresh_token
            .filter(|t| !t.is_empty())
            .or_else(|| base.as_ref().and_then(|r| r.refresh_token.clone()))
            .ok_or_else(|| Error::MissingProperty {
                name: "OAuthRefreshToken",
                hint: "there is no refresh token to revoke; pass one or set OAuthRefreshToken"
                    .into(),
            })?;
        let server = match &base {
            Some(r) => self
                .policy
                .check(HostRole::AccountsServer, &r.accounts_server)?,
            None => self.configured_accounts.clone(),
        };
        self.accounts.revoke(&server, token.expose_secret()).await?;
        let forget = |r: &mut TokenRecord| {
            r.access_token = None;
            r.refresh_token = None;
            r.refresh_token_unusable = false;
        };
        if self.initiate != InitiateOAuth::Off
            && let Some(mut stored) = self.store.load(&self.identity())?
            && stored.refresh_token.as_ref() == Some(&token)
        {
            forget(&mut stored);
            self.store.save(&stored)?;
        }
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = current.as_mut()
            && c.refresh_token.as_ref() == Some(&token)
        {
            forget(c);
        }
        Ok(())
    }

    // ---- keeping the connection authenticated -----------------------------------------------

    /// The token for the next API call, obtained lazily according to `InitiateOAuth`.
    pub async fn access_token(&self) -> Result<ApiCredentials> {
        if self.initiate == InitiateOAuth::Off {
            return self.off_credentials();
        }
        if let Some(rec) = self.current_record()
            && self.is_fresh(&rec)
        {
            return self.credentials(&rec);
        }
        // Optimistic read without the lock (writes are atomic renames): a fresh stored token
        // needs no lock at all. Anything else is decided under the lock, after a re-read.
        if let Some(rec) = self.best_record()?
            && self.is_fresh(&rec)
        {
            self.set_current(rec.clone());
            return self.credentials(&rec);
        }
        self.obtain(None).await
    }

    /// Called after the API rejected `rejected` (HTTP 401, code 57/14): refreshes once, unless
    /// another caller already replaced that token, and returns the token to retry with.
    pub async fn force_refresh(&self, rejected: &AccessToken) -> Result<ApiCredentials> {
        if self.initiate == InitiateOAuth::Off {
            return Err(Error::AuthorizationRequired {
                reason: "Zoho rejected OAuthAccessToken and InitiateOAuth=OFF never refreshes".into(),
                hint: "run EXEC RefreshOAuthAccessToken and reconnect with the new OAuthAccessToken, or set InitiateOAuth=REFRESH with OAuthRefreshToken or OAuthSettingsLocation; if the token is new, its scope may not cover this call".into(),
            });
        }
        self.obtain(Some(rejected)).await
    }

    fn off_credentials(&self) -> Result<ApiCredentials> {
        match &self.config_access_token {
            Some(token) if !token.is_empty() => Ok(ApiCredentials {
                access_token: token.clone(),
                api_domain: default_api_domain(&self.configured_accounts),
            }),
            _ => Err(Error::AuthorizationRequired {
                reason: "InitiateOAuth is OFF and OAuthAccessToken is not set".into(),
                hint: "set OAuthAccessToken (for example from EXEC GetOAuthAccessToken); or set InitiateOAuth=REFRESH with OAuthRefreshToken, OAuthVerifier or a saved OAuthSettingsLocation; or InitiateOAuth=GETANDREFRESH to log in with a browser".into(),
            }),
        }
    }

    /// The slow path: under the store lock, re-read, then use / refresh / exchange / log in.
    async fn obtain(&self, rejected: Option<&AccessToken>) -> Result<ApiCredentials> {
        let _guard = self.lock().await?;
        let best = self.best_record()?;
        if let Some(rec) = &best {
            let was_rejected = rejected.is_some_and(|r| rec.access_token.as_ref() == Some(r));
            if !was_rejected && self.is_fresh(rec) {
                self.set_current(rec.clone());
                return self.credentials(rec);
            }
            if let Some(token) = rec
                .refresh_token
                .clone()
                .filter(|_| !rec.refresh_token_unusable)
            {
                let mut template = rec.clone();
                template.accounts_server = self
                    .policy
                    .check(HostRole::AccountsServer, &rec.accounts_server)?;
                match self.refresh_grant(&template, &token).await {
                    Ok(record) => {
                        self.save(&record)?;
                        return self.credentials(&record);
                    }
                    Err((error, Some(Dead::RefreshToken))) => {
                        self.mark_refresh_token_dead(&token, Some(rec))?;
                        tracing::info!(
                            location = %self.store.location(),
                            "Zoho rejected the stored refresh token; it is marked unusable"
                        );
                        if !self.has_other_way_in() {
                            return Err(self.dead_refresh_token_error(error));
                        }
                    }
                    Err((error, None)) => return Err(error),
                }
            }
        }
        if let Some(verifier) = &self.verifier
            && !self.verifier_used.swap(true, Ordering::SeqCst)
        {
            tracing::info!("exchanging OAuthVerifier for tokens (headless flow)");
            let params = parse_verifier(verifier.expose_secret())?;
            let server = self.exchange_server(None, &params)?;
            let record = self
                .exchange(
                    &params,
                    &server,
                    &self.callback_url,
                    None,
                    self.scope.clone(),
                )
                .await?;
            self.save(&record)?;
            return self.credentials(&record);
        }
        if self.initiate == InitiateOAuth::GetAndRefresh {
            let record = self.run_login().await?;
            self.save(&record)?;
            return self.credentials(&record);
        }
        let reason = match &best {
            Some(r) if r.refresh_token_unusable => {
                "Zoho rejected the refresh token (invalid_code): it was revoked or replaced"
            }
            Some(_) if rejected.is_some() => {
                "Zoho rejected the access token and there is no refresh token to get another"
            }
            Some(_) => "the access token has expired and there is no refresh token",
            None => "no token is stored or configured",
        };
        if self.verifier.is_some() {
            return Err(Error::AuthorizationRequired {
                reason: format!(
                    "{reason}, and OAuthVerifier was already used (codes are single-use)"
                ),
                hint: self.reauthorize_hint(),
            });
        }
        Err(Error::AuthorizationRequired {
            reason: reason.into(),
            hint: self.reauthorize_hint(),
        })
    }

    fn has_other_way_in(&self) -> bool {
        (self.verifier.is_some() && !self.verifier_used.load(Ordering::SeqCst))
            || self.initiate == InitiateOAuth::GetAndRefresh
    }

    fn dead_refresh_token_error(&self, error: Error) -> Error {
        let detail = match &error {
            Error::OAuth { code, .. } => code.clone(),
            other => other.to_string(),
        };
        Error::AuthorizationRequired {
            reason: format!(
                "Zoho rejected the refresh token ({detail}): it was revoked, or replaced because the user has more than 20 refresh tokens for this client"
            ),
            hint: self.reauthorize_hint(),
        }
    }

    fn reauthorize_hint(&self) -> String {
        "authorize again: EXEC GetOAuthAuthorizationURL, open the URL, then EXEC GetOAuthAccessToken with the code (or set OAuthVerifier with InitiateOAuth=REFRESH), or use InitiateOAuth=GETANDREFRESH on a machine with a browser".into()
    }

    // ---- grants -----------------------------------------------------------------------------

    fn exchange_server(&self, explicit: Option<&str>, params: &CallbackParams) -> Result<String> {
        if let Some(s) = non_empty(explicit) {
            return self.policy.check(HostRole::AccountsServer, s);
        }
        if let Some(s) = params.accounts_server.as_deref() {
            return self.policy.check(HostRole::AccountsServer, s);
        }
        if let Some(loc) = params.location.as_deref()
            && let Some(dc) = data_centre_by_location(loc)
            && super::region::data_centre_by_accounts_server(&self.configured_accounts).is_some()
        {
            return Ok(dc.accounts_server.to_owned());
        }
        Ok(self.configured_accounts.clone())
    }

    async fn exchange(
        &self,
        params: &CallbackParams,
        accounts_server: &str,
        redirect_uri: &str,
        pkce_verifier: Option<&PkceVerifier>,
        scope: String,
    ) -> Result<TokenRecord> {
        let client_id = self.require_client_id()?;
        let secret = self.require_client_secret()?;
        let response = self
            .accounts
            .exchange_code(&CodeExchange {
                accounts_server,
                client_id,
                client_secret: Some(secret),
                code: &params.code,
                redirect_uri,
                pkce_verifier,
            })
            .await?;
        let mut template = self.empty_record();
        template.identity.scope = scope;
        template.accounts_server = accounts_server.to_owned();
        template.api_domain = None;
        self.record_from(response, &template, None)
    }

    async fn refresh_grant(
        &self,
        template: &TokenRecord,
        token: &RefreshToken,
    ) -> std::result::Result<TokenRecord, (Error, Option<Dead>)> {
        let client_id = self.require_client_id().map_err(|e| (e, None))?;
        let secret = self.require_client_secret().map_err(|e| (e, None))?;
        tracing::debug!(accounts_server = %template.accounts_server, "refreshing the access token");
        match self
            .accounts
            .refresh(&template.accounts_server, client_id, Some(secret), token)
            .await
        {
            Ok(response) => self
                .record_from(response, template, Some(token.clone()))
                .map_err(|e| (e, None)),
            Err(e @ Error::OAuth { .. }) if matches!(&e, Error::OAuth { code, .. } if code == "invalid_code" || code == "invalid_token") => {
                Err((e, Some(Dead::RefreshToken)))
            }
            Err(e) => Err((e, None)),
        }
    }

    /// A record from a token response: keeps the old refresh token and API domain when the
    /// response omits them; checks a new API domain before accepting it.
    fn record_from(
        &self,
        response: TokenResponse,
        template: &TokenRecord,
        used_refresh_token: Option<RefreshToken>,
    ) -> Result<TokenRecord> {
        let api_domain = match response.api_domain.as_deref() {
            Some(d) => Some(self.policy.check(HostRole::ApiDomain, d)?),
            None => template.api_domain.clone(),
        };
        Ok(TokenRecord {
            identity: template.identity.clone(),
            access_token: Some(response.access_token),
            refresh_token: response
                .refresh_token
                .or(used_refresh_token)
                .or_else(|| template.refresh_token.clone()),
            expires_in: response.expires_in,
            token_timestamp_ms: Some(self.clock.now_ms()),
            accounts_server: template.accounts_server.clone(),
            api_domain,
            // The grant succeeded: the refresh token kept is either new or the one that just
            // worked (a code exchange starts from an empty template).
            refresh_token_unusable: false,
        })
    }

    async fn run_login(&self) -> Result<TokenRecord> {
        let login = self.interactive.clone().ok_or_else(|| Error::DesktopFlow {
            message: "no interactive login is available here; use the headless flow instead (EXEC GetOAuthAuthorizationURL, open the URL elsewhere, then EXEC GetOAuthAccessToken with the code, or set OAuthVerifier)".into(),
        })?;
        let state = generate_state(self.random.as_ref());
        let verifier = generate_verifier(self.random.as_ref());
        let challenge = challenge_s256(&verifier);
        let url = build_authorization_url(&AuthorizationRequest {
            accounts_server: &self.configured_accounts,
            client_id: self.client_id.as_deref(),
            redirect_uri: &self.callback_url,
            scope: &self.scope,
            state: Some(&state),
            code_challenge: Some(&challenge),
        })?;
        self.require_client_secret()?;
        tracing::info!(
            accounts_server = %self.configured_accounts,
            callback_url = %self.callback_url,
            "starting the interactive login"
        );
        let params = login
            .login(LoginRequest {
                authorization_url: url,
                callback_url: self.callback_url.clone(),
                state: state.clone(),
                open_browser: self.open_browser,
                timeout: self.browser_timeout,
            })
            .await?;
        if params.state.as_deref() != Some(state.as_str()) {
            return Err(Error::DesktopFlow {
                message: "the callback's state does not match the one sent (a stale or forged callback); no code was exchanged. Try again".into(),
            });
        }
        let server = self.exchange_server(None, &params)?;
        self.exchange(
            &params,
            &server,
            &self.callback_url,
            Some(&verifier),
            self.scope.clone(),
        )
        .await
    }

    // ---- records ----------------------------------------------------------------------------

    fn identity(&self) -> StoreIdentity {
        StoreIdentity {
            client_id: self.client_id.clone().unwrap_or_default(),
            accounts_server: self.configured_accounts.clone(),
            scope: self.scope.clone(),
        }
    }

    fn empty_record(&self) -> TokenRecord {
        TokenRecord {
            identity: self.identity(),
            access_token: None,
            refresh_token: None,
            expires_in: None,
            token_timestamp_ms: None,
            accounts_server: self.configured_accounts.clone(),
            api_domain: None,
            refresh_token_unusable: false,
        }
    }

    /// Tokens from the OAuthAccessToken/OAuthRefreshToken/OAuthExpiresIn/OAuthTokenTimestamp
    /// properties. Without expiry properties, an access token is treated as expired when a
    /// refresh token exists (CData: "the connector refreshes the token immediately").
    fn config_record(&self) -> Option<TokenRecord> {
        if self.config_access_token.is_none() && self.config_refresh_token.is_none() {
            return None;
        }
        let mut rec = self.empty_record();
        rec.access_token = self.config_access_token.clone();
        rec.refresh_token = self.config_refresh_token.clone();
        match (self.config_expires_in, self.config_timestamp_ms) {
            (Some(e), Some(t)) => {
                rec.expires_in = Some(e);
                rec.token_timestamp_ms = Some(t);
            }
            (None, None) if rec.refresh_token.is_none() => {}
            // Expiry unknown but a refresh token exists, or only one of the two is set.
            _ => {
                rec.expires_in = Some(0);
                rec.token_timestamp_ms = Some(0);
            }
        }
        Some(rec)
    }

    /// Stored tokens (same identity), else this connection's, else the properties'.
    fn best_record(&self) -> Result<Option<TokenRecord>> {
        let stored = self.store.load(&self.identity())?;
        if let Some(current) = self.current_record()
            && stored
                .as_ref()
                .is_none_or(|s| s.identity != current.identity)
        {
            return Ok(Some(current));
        }
        Ok(stored.or_else(|| self.config_record()))
    }

    fn current_record(&self) -> Option<TokenRecord> {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_current(&self, record: TokenRecord) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some(record);
    }

    /// Saves to the store (when InitiateOAuth is not OFF) and makes it this connection's.
    fn save(&self, record: &TokenRecord) -> Result<()> {
        if self.initiate != InitiateOAuth::Off {
            self.store.save(record)?;
        }
        self.set_current(record.clone());
        Ok(())
    }

    /// Records that Zoho rejected `token`, so it is not sent again: in the store when the
    /// stored record holds it, and in this connection's state (`base` is the record it came
    /// from, e.g. the OAuthRefreshToken property).
    fn mark_refresh_token_dead(
        &self,
        token: &RefreshToken,
        base: Option<&TokenRecord>,
    ) -> Result<()> {
        if self.initiate != InitiateOAuth::Off
            && let Some(mut stored) = self.store.load(&self.identity())?
            && stored.refresh_token.as_ref() == Some(token)
        {
            stored.refresh_token_unusable = true;
            self.store.save(&stored)?;
        }
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        match current.as_mut() {
            Some(c) if c.refresh_token.as_ref() == Some(token) => c.refresh_token_unusable = true,
            Some(_) => {}
            None => {
                if let Some(b) = base.filter(|b| b.refresh_token.as_ref() == Some(token)) {
                    let mut marked = b.clone();
                    marked.refresh_token_unusable = true;
                    *current = Some(marked);
                }
            }
        }
        Ok(())
    }

    /// Whether the access token can still be used: not within min(60 s, half its lifetime)
    /// of its expiry. Unknown lifetime (and -1) count as usable.
    fn is_fresh(&self, rec: &TokenRecord) -> bool {
        if rec.access_token.as_ref().is_none_or(|t| t.is_empty()) {
            return false;
        }
        match (rec.expires_in, rec.token_timestamp_ms) {
            (None, _) | (Some(-1), _) => true,
            (Some(_), None) => false,
            (Some(secs), Some(ts)) => {
                let lifetime = secs.saturating_mul(1000);
                let margin = (lifetime / 2).min(60_000);
                self.clock.now_ms() < ts.saturating_add(lifetime).saturating_sub(margin)
            }
        }
    }

    /// The record's access token, or the error that says how to get one.
    fn access_token_of(&self, rec: &TokenRecord) -> Result<AccessToken> {
        rec.access_token
            .clone()
            .ok_or_else(|| Error::AuthorizationRequired {
                reason: "no access token".into(),
                hint: self.reauthorize_hint(),
            })
    }

    fn credentials(&self, rec: &TokenRecord) -> Result<ApiCredentials> {
        let access_token = self.access_token_of(rec)?;
        Ok(ApiCredentials {
            access_token,
            api_domain: self.api_domain_of(rec)?,
        })
    }

    fn api_domain_of(&self, rec: &TokenRecord) -> Result<String> {
        match &rec.api_domain {
            Some(d) => self.policy.check(HostRole::ApiDomain, d),
            None => Ok(default_api_domain(&rec.accounts_server)),
        }
    }

    fn token_set(&self, rec: &TokenRecord) -> Result<TokenSet> {
        let access_token = self.access_token_of(rec)?;
        Ok(TokenSet {
            access_token,
            refresh_token: rec.refresh_token.clone(),
            expires_in: rec.expires_in,
            token_timestamp_ms: rec
                .token_timestamp_ms
                .unwrap_or_else(|| self.clock.now_ms()),
            accounts_server: rec.accounts_server.clone(),
            api_domain: self.api_domain_of(rec)?,
            scope: rec.identity.scope.clone(),
        })
    }

    async fn lock(&self) -> Result<StoreGuard> {
        self.store.lock(self.lock_wait).await
    }

    fn require_client_id(&self) -> Result<&str> {
        self.client_id.as_deref().ok_or_else(|| Error::MissingProperty {
            name: "OAuthClientId",
            hint: "set OAuthClientId to the Client ID of your app in the Zoho API console (https://api-console.zoho.com)".into(),
        })
    }

    fn require_client_secret(&self) -> Result<&ClientSecret> {
        self.client_secret
            .as_ref()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::MissingProperty {
                name: "OAuthClientSecret",
                hint:
                    "set OAuthClientSecret to the Client Secret of your app in the Zoho API console"
                        .into(),
            })
    }
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manager(conn: &str, clock: Arc<ManualClock>) -> TokenManager {
        let config: Config = conn.parse().unwrap();
        TokenManager::new(
            &config,
            TokenManagerOptions {
                clock,
                random: Arc::new(super::super::pkce::FixedRandom::new([
                    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22,
                    212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
                ])),
                ..Default::default()
            },
        )
    }

    #[test]
    fn authorization_url_uses_properties_and_builds_no_client() {
        let m = manager(
            "OAuthClientId=1000.ID;Region=EU;PKCE=true;CallbackURL=http://127.0.0.1:5000/cb",
            Arc::new(ManualClock::new(0)),
        );
        let a = m.authorization_url(None, None, Some("xyz")).unwrap();
        assert!(a.url.starts_with("https://accounts.zoho.eu/oauth/v2/auth?client_id=1000.ID&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fcb&scope=ZohoBooks.fullaccess.all&access_type=offline&prompt=consent&state=xyz&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"), "{}", a.url);
        assert_eq!(
            a.pkce_verifier.unwrap().expose_secret(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert!(!m.transport().is_built());
        let m = manager("", Arc::new(ManualClock::new(0)));
        let err = m.authorization_url(None, None, None).unwrap_err();
        assert!(err.to_string().contains("OAuthClientId"));
    }

    #[tokio::test]
    async fn off_uses_the_property_only() {
        let m = manager(
            "OAuthAccessToken=1000.tok;Region=IN",
            Arc::new(ManualClock::new(0)),
        );
        let c = m.access_token().await.unwrap();
        assert_eq!(c.access_token.expose_secret(), "1000.tok");
        assert_eq!(c.api_domain, "https://www.zohoapis.in");
        let err = m
            .force_refresh(&AccessToken::new("1000.tok"))
            .await
            .unwrap_err();
        assert!(err.is_authorization_required(), "{err}");
        let m = manager("", Arc::new(ManualClock::new(0)));
        let err = m.access_token().await.unwrap_err();
        assert!(err.is_authorization_required());
        assert!(err.to_string().contains("OAuthAccessToken"), "{err}");
        assert!(!m.transport().is_built());
    }

    #[tokio::test]
    async fn refresh_uses_a_property_token_with_known_expiry_until_the_margin() {
        let clock = Arc::new(ManualClock::new(1_000_000));
        let m = manager(
            "InitiateOAuth=REFRESH;OAuthSettingsLocation=memory://tm-unit-expiry;OAuthClientId=1000.ID;OAuthClientSecret=s;OAuthAccessToken=1000.tok;OAuthExpiresIn=3600;OAuthTokenTimestamp=1000000",
            clock.clone(),
        );
        assert_eq!(
            m.access_token().await.unwrap().access_token.expose_secret(),
            "1000.tok"
        );
        // 59 min 1 s later: inside the 60 s margin, expired; no refresh token -> reauthorize.
        clock.advance(Duration::from_secs(3541));
        let err = m.access_token().await.unwrap_err();
        assert!(err.is_authorization_required(), "{err}");
        assert!(!m.transport().is_built());
    }

    #[test]
    fn the_exchange_server_comes_from_the_callback_after_the_host_check() {
        let clock = Arc::new(ManualClock::new(0));
        let params = |server: Option<&str>, location: Option<&str>| CallbackParams {
            code: crate::secret::AuthorizationCode::new("c"),
            state: None,
            location: location.map(str::to_owned),
            accounts_server: server.map(str::to_owned),
        };
        let zoho = manager("Region=US", clock.clone());
        // Multi-DC: started at .com, Zoho sent the user's DC.
        assert_eq!(
            zoho.exchange_server(None, &params(Some("https://accounts.zoho.eu"), Some("eu")))
                .unwrap(),
            "https://accounts.zoho.eu"
        );
        // Only a location: its data centre.
        assert_eq!(
            zoho.exchange_server(None, &params(None, Some("in")))
                .unwrap(),
            "https://accounts.zoho.in"
        );
        // Nothing: the configured one.
        assert_eq!(
            zoho.exchange_server(None, &params(None, None)).unwrap(),
            "https://accounts.zoho.com"
        );
        // An explicit parameter wins, but is checked too.
        assert_eq!(
            zoho.exchange_server(
                Some("https://accounts.zoho.jp"),
                &params(Some("https://accounts.zoho.eu"), None)
            )
            .unwrap(),
            "https://accounts.zoho.jp"
        );
        for bad in [
            "http://accounts.zoho.eu",
            "https://accounts.zoho.eu.attacker.example",
            "http://127.0.0.1:9",
        ] {
            assert!(
                matches!(
                    zoho.exchange_server(None, &params(Some(bad), Some("eu"))),
                    Err(Error::UntrustedHost { .. })
                ),
                "{bad}"
            );
        }
        // A local emulator configured as AccountsServer ignores `location`.
        let local = manager("AccountsServer=http://127.0.0.1:7000", clock);
        assert_eq!(
            local
                .exchange_server(None, &params(None, Some("eu")))
                .unwrap(),
            "http://127.0.0.1:7000"
        );
    }

    #[test]
    fn refresh_ahead_margin_is_min_of_60s_and_half_the_lifetime() {
        let clock = Arc::new(ManualClock::new(0));
        let m = manager("", clock.clone());
        let mut rec = m.empty_record();
        rec.access_token = Some(AccessToken::new("t"));
        rec.token_timestamp_ms = Some(0);
        rec.expires_in = Some(3600);
        clock.set(3_539_999);
        assert!(m.is_fresh(&rec));
        clock.set(3_540_000);
        assert!(!m.is_fresh(&rec));
        rec.expires_in = Some(60); // half of 60 s = 30 s margin
        clock.set(29_999);
        assert!(m.is_fresh(&rec));
        clock.set(30_000);
        assert!(!m.is_fresh(&rec));
        rec.expires_in = Some(-1);
        clock.set(i64::MAX / 2);
        assert!(m.is_fresh(&rec));
    }
}
