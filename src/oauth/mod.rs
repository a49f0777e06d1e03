//! The OAuth engine: Zoho's authorization-code and refresh grants, the token store, the desktop
//! (browser) flow and the token manager that keeps a connection authenticated.
//!
//! This layer knows nothing of SQL: the stored procedures in `catalog` call into it.

pub mod authorize;
pub mod callback;
pub mod client;
pub mod desktop;
pub mod http;
pub mod pkce;
pub mod region;
pub mod store;
pub mod token_manager;

pub use token_manager::{
    ApiCredentials, AuthorizationUrl, Clock, ExchangeRequest, ManualClock, SystemClock,
    TokenManager, TokenManagerOptions, TokenSet,
};

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::error::Result;
use crate::secret::AuthorizationCode;

/// What arrived at (or was pasted from) the OAuth callback: Zoho's redirect parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackParams {
    /// The authorization code (`code`).
    pub code: AuthorizationCode,
    /// `state`, when present.
    pub state: Option<String>,
    /// Zoho's `location` (data centre code such as `us`, `eu`), when present.
    pub location: Option<String>,
    /// Zoho's `accounts-server` (percent-decoded), when present. Untrusted until checked.
    pub accounts_server: Option<String>,
}

/// Everything an interactive (browser) login needs; built by the token manager.
#[derive(Debug, Clone)]
pub struct LoginRequest {
    /// The full authorization URL, already carrying `state` (and a PKCE challenge when enabled).
    pub authorization_url: String,
    /// The CallbackURL to listen on (its host must be loopback).
    pub callback_url: String,
    /// The `state` the callback must carry.
    pub state: String,
    /// Whether to try to open a browser (`OpenBrowser`); the URL is always printed.
    pub open_browser: bool,
    /// How long to wait for the callback (`OAuthBrowserTimeout`).
    pub timeout: Duration,
}

/// Runs an interactive login and returns what the browser delivered to the callback.
///
/// Implemented by the desktop flow (browser + loopback listener); tests and the sandbox mode can
/// supply their own browser stand-ins through it.
pub trait InteractiveLogin: Send + Sync {
    /// Opens (or prints) the authorization URL and waits for the callback.
    fn login<'a>(
        &'a self,
        request: LoginRequest,
    ) -> Pin<Box<dyn Future<Output = Result<CallbackParams>> + Send + 'a>>;
}
