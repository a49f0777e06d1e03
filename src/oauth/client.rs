//! The Zoho accounts client: authorization URLs, code exchange, refresh and revoke.
//!
//! Zoho specifics handled here (zoho-protocol.md §2-§7):
//! - token requests are form bodies with `Accept-Language: en` (error texts are localised);
//! - success means "the JSON has `access_token`", never the HTTP status: most errors arrive as
//!   HTTP 200 `{"error": "..."}`;
//! - `expires_in_sec`, when present, wins over `expires_in` (legacy responses had milliseconds);
//! - HTTP 400 `{"error":"Access Denied", ...}` is the token throttle ([`Error::RateLimited`]);
//! - a code exchange is never retried once sent (codes are single-use); a refresh is retried on
//!   connection errors (refused, or closed without an answer) and 5xx with bounded exponential
//!   backoff; a timeout is not retried (it already took the whole Timeout).

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::http::{HttpResponse, HttpTransport, SendError, url_for_log};
use crate::error::{Error, Result};
use crate::secret::{AccessToken, AuthorizationCode, ClientSecret, PkceVerifier, RefreshToken};

/// Which grant a token response answers; it changes the hint for some error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// `grant_type=authorization_code`.
    AuthorizationCode,
    /// `grant_type=refresh_token`.
    RefreshToken,
}

/// A successful token response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponse {
    /// The new access token.
    pub access_token: AccessToken,
    /// A refresh token, when the server sent one (Zoho: only on first consent / `prompt=consent`).
    pub refresh_token: Option<RefreshToken>,
    /// Lifetime in seconds (`expires_in_sec` if present, else `expires_in`).
    pub expires_in: Option<i64>,
    /// `api_domain`, unchecked.
    pub api_domain: Option<String>,
    /// `token_type` (Zoho: `Bearer`).
    pub token_type: Option<String>,
    /// `scope`, when the server echoed one.
    pub scope: Option<String>,
}

/// Everything a code exchange sends.
#[derive(Debug, Clone)]
pub struct CodeExchange<'a> {
    /// The checked accounts server origin, e.g. `https://accounts.zoho.eu`.
    pub accounts_server: &'a str,
    /// `client_id`.
    pub client_id: &'a str,
    /// `client_secret`.
    pub client_secret: Option<&'a ClientSecret>,
    /// The authorization code.
    pub code: &'a AuthorizationCode,
    /// `redirect_uri` (must equal the one in the authorization URL).
    pub redirect_uri: &'a str,
    /// `code_verifier`, when PKCE was used.
    pub pkce_verifier: Option<&'a PkceVerifier>,
}

/// Retry policy for refresh grants.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Total attempts (at least 1).
    pub max_attempts: u32,
    /// Delay before the second attempt; doubled for each further one.
    pub base_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(250),
        }
    }
}

/// The accounts-server client. Cheap to create: the HTTP client is built on first use.
#[derive(Debug, Clone)]
pub struct AccountsClient {
    http: Arc<HttpTransport>,
    retry: RetryPolicy,
}

impl AccountsClient {
    /// A client over a (shared) transport.
    pub fn new(http: Arc<HttpTransport>) -> AccountsClient {
        AccountsClient {
            http,
            retry: RetryPolicy::default(),
        }
    }

    /// Replaces the refresh retry policy (tests use a short delay).
    pub fn with_retry(mut self, retry: RetryPolicy) -> AccountsClient {
        self.retry = retry;
        self
    }

    /// The transport (shared with the Books client).
    pub fn transport(&self) -> &Arc<HttpTransport> {
        &self.http
    }

    /// Exchanges an authorization code. Sent once: never retried, whatever happens.
    pub async fn exchange_code(&self, req: &CodeExchange<'_>) -> Result<TokenResponse> {
        let url = token_url(req.accounts_server);
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "authorization_code"),
            ("code", req.code.expose_secret()),
            ("client_id", req.client_id),
            ("redirect_uri", req.redirect_uri),
        ];
        if let Some(secret) = req.client_secret {
            form.push(("client_secret", secret.expose_secret()));
        }
        if let Some(v) = req.pkce_verifier {
            form.push(("code_verifier", v.expose_secret()));
        }
        let response = self
            .http
            .post_form(&url, &form)
            .await
            .map_err(SendError::into_error)?;
        parse_token_response(&url, &response, Grant::AuthorizationCode)
    }

    /// Refreshes an access token; retried on connection errors and 5xx (bounded backoff, at
    /// most `RetryPolicy::max_attempts` attempts).
    pub async fn refresh(
        &self,
        accounts_server: &str,
        client_id: &str,
        client_secret: Option<&ClientSecret>,
        refresh_token: &RefreshToken,
    ) -> Result<TokenResponse> {
        let url = token_url(accounts_server);
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
            ("client_id", client_id),
        ];
        if let Some(secret) = client_secret {
            form.push(("client_secret", secret.expose_secret()));
        }
        let attempts = self.retry.max_attempts.max(1);
        let mut delay = self.retry.base_delay;
        let mut attempt = 1;
        loop {
            let outcome = self.http.post_form(&url, &form).await;
            let retryable = match &outcome {
                Err(SendError::Connect(_) | SendError::Broken(_)) => true,
                Ok(r) => r.status >= 500,
                Err(SendError::Other(_)) => false,
            };
            if !retryable || attempt >= attempts {
                let response = outcome.map_err(SendError::into_error)?;
                return parse_token_response(&url, &response, Grant::RefreshToken);
            }
            tracing::debug!(
                attempt,
                delay_ms = delay.as_millis() as u64,
                "refresh grant failed transiently; retrying"
            );
            tokio::time::sleep(delay).await;
            delay = delay.saturating_mul(2);
            attempt += 1;
        }
    }

    /// Revokes a refresh (or access) token: `POST {accounts}/oauth/v2/token/revoke`, token in
    /// the form body. Zoho answers 200 `{"status":"success"}`, 400 for an unknown token.
    pub async fn revoke(&self, accounts_server: &str, token: &str) -> Result<()> {
        let url = format!(
            "{}/oauth/v2/token/revoke",
            accounts_server.trim_end_matches('/')
        );
        let response = self
            .http
            .post_form(&url, &[("token", token)])
            .await
            .map_err(SendError::into_error)?;
        let json: Option<Value> = serde_json::from_slice(&response.body).ok();
        let status_ok = json
            .as_ref()
            .and_then(|j| j.get("status"))
            .and_then(Value::as_str)
            == Some("success");
        if response.status == 200 && status_ok {
            return Ok(());
        }
        if let Some(e) = json
            .as_ref()
            .and_then(|j| j.get("error"))
            .and_then(Value::as_str)
        {
            return Err(Error::OAuth {
                code: bounded(e),
                description: json
                    .as_ref()
                    .and_then(|j| j.get("error_description"))
                    .and_then(Value::as_str)
                    .map(bounded),
                hint: "the token could not be revoked; it may already be revoked or belong to another data centre".into(),
            });
        }
        Err(Error::Http {
            url: url_for_log(&url),
            message: format!(
                "revoking the token failed with HTTP {}; the token may already be revoked or belong to another data centre",
                response.status
            ),
        })
    }
}

fn token_url(accounts_server: &str) -> String {
    format!("{}/oauth/v2/token", accounts_server.trim_end_matches('/'))
}

/// Turns a token-endpoint response into a [`TokenResponse`] or a typed error.
pub fn parse_token_response(
    url: &str,
    response: &HttpResponse,
    grant: Grant,
) -> Result<TokenResponse> {
    let shown = url_for_log(url);
    let json: Value = match serde_json::from_slice(&response.body) {
        Ok(v) => v,
        Err(e) => {
            let what = if response.status >= 500 {
                format!("the accounts server failed with HTTP {}", response.status)
            } else {
                format!(
                    "the accounts server answered HTTP {} with a body that is not JSON (Content-Type {}; {e}); check AccountsServer/Region",
                    response.status,
                    response.content_type.as_deref().unwrap_or("missing")
                )
            };
            return Err(Error::Http {
                url: shown,
                message: what,
            });
        }
    };
    let Some(obj) = json.as_object() else {
        return Err(Error::Http {
            url: shown,
            message: format!(
                "the accounts server answered HTTP {} with JSON that is not an object",
                response.status
            ),
        });
    };
    let text = |key: &str| {
        obj.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    if let Some(access_token) = text("access_token") {
        let expires_in =
            seconds(obj.get("expires_in_sec")).or_else(|| seconds(obj.get("expires_in")));
        return Ok(TokenResponse {
            access_token: AccessToken::new(access_token),
            refresh_token: text("refresh_token").map(RefreshToken::new),
            expires_in,
            api_domain: text("api_domain"),
            token_type: text("token_type"),
            scope: text("scope"),
        });
    }
    let error = text("error");
    let description = text("error_description").map(|d| bounded(&d));
    if response.status >= 500 {
        return Err(Error::Http {
            url: shown,
            message: format!(
                "the accounts server failed with HTTP {}{}; try again later",
                response.status,
                error
                    .map(|e| format!(" ({})", bounded(&e)))
                    .unwrap_or_default()
            ),
        });
    }
    let is_throttle = response.status == 400
        && (error
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case("access denied"))
            || text("status").as_deref() == Some("failure"));
    if is_throttle {
        return Err(Error::RateLimited {
            message: format!(
                "Zoho's accounts server throttled token requests ({}); wait at least a minute before trying again, and reuse valid access tokens instead of requesting new ones",
                description.as_deref().unwrap_or("Access Denied")
            ),
        });
    }
    match error {
        Some(code) => Err(Error::OAuth {
            hint: hint_for(&code, grant),
            code: bounded(&code),
            description,
        }),
        None => Err(Error::Http {
            url: shown,
            message: format!(
                "the accounts server answered HTTP {} without an access_token or an error code",
                response.status
            ),
        }),
    }
}

/// A number of seconds from a JSON number or numeric string.
fn seconds(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// What each Zoho error code usually means, and what to do.
pub fn hint_for(code: &str, grant: Grant) -> String {
    match (code, grant) {
        ("invalid_code", Grant::AuthorizationCode) => {
            "authorization codes are single-use and expire after about 2 minutes; request a new one (EXEC GetOAuthAuthorizationURL) and exchange it right away".into()
        }
        ("invalid_code", Grant::RefreshToken) => {
            "the refresh token was revoked or is unknown to this data centre; authorize again (EXEC GetOAuthAuthorizationURL, then GetOAuthAccessToken, or InitiateOAuth=GETANDREFRESH)".into()
        }
        ("invalid_client", _) => {
            "Zoho does not know this OAuthClientId on this data centre; check OAuthClientId, and Region/AccountsServer (a client must be enabled for each data centre it is used in)".into()
        }
        ("invalid_client_secret", _) => {
            "OAuthClientSecret does not match OAuthClientId; copy the secret again from the Zoho API console (it may differ per data centre)".into()
        }
        ("invalid_redirect_uri", _) => {
            "the redirect URI does not match one registered for this client; set CallbackURL (or the CallbackUrl parameter) to exactly the registered Redirect URI".into()
        }
        ("invalid_token", _) => {
            "the token is invalid or was revoked; authorize again".into()
        }
        ("invalid_scope", _) => {
            "the scope is not valid; use comma-separated Zoho scopes such as ZohoBooks.fullaccess.all".into()
        }
        _ => "Zoho's accounts server rejected the request with this code; check OAuthClientId, OAuthClientSecret, CallbackURL and Region/AccountsServer".into(),
    }
}

/// Server-provided text in an error: at most 200 characters, control characters replaced.
fn bounded(s: &str) -> String {
    s.chars()
        .take(200)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            content_type: Some("application/json;charset=UTF-8".into()),
            location: None,
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    fn parse(status: u16, body: &str, grant: Grant) -> Result<TokenResponse> {
        parse_token_response(
            "https://accounts.zoho.com/oauth/v2/token",
            &resp(status, body),
            grant,
        )
    }

    #[test]
    fn zoho_success_with_api_domain() {
        let t = parse(
            200,
            r#"{"access_token":"1000.a.b","refresh_token":"1000.c.d","api_domain":"https://www.zohoapis.com","token_type":"Bearer","expires_in":3600}"#,
            Grant::AuthorizationCode,
        )
        .unwrap();
        assert_eq!(t.access_token.expose_secret(), "1000.a.b");
        assert_eq!(t.refresh_token.unwrap().expose_secret(), "1000.c.d");
        assert_eq!(t.expires_in, Some(3600));
        assert_eq!(t.api_domain.as_deref(), Some("https://www.zohoapis.com"));
    }

    #[test]
    fn expires_in_sec_wins_and_unknown_fields_are_ignored() {
        let t = parse(
            200,
            r#"{"access_token":"x","expires_in":3600000,"expires_in_sec":3600,"id_token":"z","scope":"a b","extra":{"n":1}}"#,
            Grant::RefreshToken,
        )
        .unwrap();
        assert_eq!(t.expires_in, Some(3600));
        assert_eq!(t.refresh_token, None);
        assert_eq!(t.scope.as_deref(), Some("a b"));
    }

    #[test]
    fn minimal_and_rfc_shapes() {
        let t = parse(
            200,
            r#"{"access_token": "12/34", "token_type": "BEARER"}"#,
            Grant::AuthorizationCode,
        )
        .unwrap();
        assert_eq!(t.expires_in, None);
        assert_eq!(t.token_type.as_deref(), Some("BEARER"));
        let t = parse(
            200,
            r#"{"access_token":"x","expires_in":"3600"}"#,
            Grant::RefreshToken,
        )
        .unwrap();
        assert_eq!(t.expires_in, Some(3600));
    }

    #[test]
    fn http_200_errors_are_oauth_errors_with_hints() {
        for (code, grant, needle) in [
            (
                "invalid_code",
                Grant::AuthorizationCode,
                "single-use and expire after about 2 minutes",
            ),
            (
                "invalid_code",
                Grant::RefreshToken,
                "refresh token was revoked",
            ),
            ("invalid_client", Grant::AuthorizationCode, "OAuthClientId"),
            (
                "invalid_client_secret",
                Grant::RefreshToken,
                "OAuthClientSecret",
            ),
            (
                "invalid_redirect_uri",
                Grant::AuthorizationCode,
                "CallbackURL",
            ),
            (
                "something_new",
                Grant::AuthorizationCode,
                "rejected the request",
            ),
        ] {
            let err = parse(200, &format!(r#"{{"error":"{code}"}}"#), grant).unwrap_err();
            let msg = err.to_string();
            match &err {
                Error::OAuth { code: c, hint, .. } => {
                    assert_eq!(c, code);
                    assert!(hint.contains(needle), "{code}: {hint}");
                }
                other => panic!("{other}"),
            }
            assert!(msg.starts_with(code), "{msg}");
        }
    }

    #[test]
    fn an_error_is_never_mistaken_for_a_token_even_with_status_400() {
        let err = parse(
            400,
            r#"{"error":"invalid_request","error_description":"stuff happened"}"#,
            Grant::AuthorizationCode,
        )
        .unwrap_err();
        match err {
            Error::OAuth {
                code, description, ..
            } => {
                assert_eq!(code, "invalid_request");
                assert_eq!(description.as_deref(), Some("stuff happened"));
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn throttle_is_rate_limited() {
        let err = parse(400, r#"{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}"#, Grant::RefreshToken).unwrap_err();
        assert!(matches!(err, Error::RateLimited { .. }), "{err}");
        assert!(err.to_string().starts_with("too many requests"));
        // Localised error text, still a throttle.
        let err = parse(
            400,
            r#"{"error":"拒绝访问","status":"failure"}"#,
            Grant::RefreshToken,
        )
        .unwrap_err();
        assert!(matches!(err, Error::RateLimited { .. }), "{err}");
        let err = parse(400, r#"{"error":"Access Denied","error_description":"Token creation throttle limit reached."}"#, Grant::RefreshToken).unwrap_err();
        assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    }

    #[test]
    fn broken_bodies_are_http_errors() {
        let err = parse(200, "broken json", Grant::AuthorizationCode).unwrap_err();
        assert!(matches!(err, Error::Http { .. }), "{err}");
        assert!(err.to_string().contains("not JSON"));
        let err = parse(502, "<html>bad gateway</html>", Grant::RefreshToken).unwrap_err();
        assert!(err.to_string().contains("HTTP 502"), "{err}");
        let err = parse(200, r#"{"access_token":""}"#, Grant::RefreshToken).unwrap_err();
        assert!(matches!(err, Error::Http { .. }), "{err}");
        let err = parse(200, "[1,2]", Grant::RefreshToken).unwrap_err();
        assert!(matches!(err, Error::Http { .. }), "{err}");
    }

    #[test]
    fn debug_of_a_token_response_hides_tokens() {
        let t = parse(
            200,
            r#"{"access_token":"1000.secret.token","refresh_token":"1000.refresh.secret"}"#,
            Grant::AuthorizationCode,
        )
        .unwrap();
        let dbg = format!("{t:?}");
        assert!(!dbg.contains("secret"), "{dbg}");
    }
}
