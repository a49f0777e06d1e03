//! Helpers shared by the sandbox integration tests: a plain reqwest client (no redirects, with
//! a timeout) and small steps of the OAuth flow driven over real HTTP.
#![allow(dead_code)]

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;
use zohobooks_sandbox::SandboxHandle;

pub const SCOPE: &str = "ZohoBooks.fullaccess.all";
pub const REDIRECT: &str = "http://127.0.0.1:33333/callback";

/// A client that never follows redirects and never waits more than 10 s.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("reqwest client")
}

/// `{base}{path}?k=v&...` with proper encoding.
pub fn url_with(base: &str, path: &str, params: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(&format!("{base}{path}")).expect("valid url");
    if !params.is_empty() {
        url.query_pairs_mut().extend_pairs(params);
    }
    url.to_string()
}

/// The query parameters of a URL, decoded.
pub fn query_of(location: &str) -> HashMap<String, String> {
    let url = url::Url::parse(location).expect("absolute location");
    url.query_pairs().into_owned().collect()
}

/// Standard authorization parameters plus `extra` (later entries override nothing: callers
/// pass only parameters not in the standard set, or build their own list).
pub fn auth_params<'a>(
    sb: &'a SandboxHandle,
    extra: &[(&'a str, &'a str)],
) -> Vec<(String, String)> {
    let mut params = vec![
        ("client_id".to_string(), sb.client_id()),
        ("response_type".to_string(), "code".to_string()),
        ("redirect_uri".to_string(), REDIRECT.to_string()),
        ("scope".to_string(), SCOPE.to_string()),
        ("access_type".to_string(), "offline".to_string()),
    ];
    for (key, value) in extra {
        params.retain(|(existing, _)| existing != key);
        params.push((key.to_string(), value.to_string()));
    }
    params
}

/// GET /oauth/v2/auth with these parameters.
pub async fn get_auth(sb: &SandboxHandle, params: &[(String, String)]) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    client()
        .get(url_with(&sb.base_url(), "/oauth/v2/auth", &pairs))
        .send()
        .await
        .expect("auth request")
}

/// The `Location` header of a redirect response.
pub fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 302, "expected a redirect");
    response
        .headers()
        .get("location")
        .expect("Location header")
        .to_str()
        .expect("ascii location")
        .to_string()
}

/// Runs an auto-approved authorization (the sandbox must be in auto-approve mode) and returns
/// the code from the callback.
pub async fn code_for(sb: &SandboxHandle, extra: &[(&str, &str)]) -> String {
    let response = get_auth(sb, &auth_params(sb, extra)).await;
    let location = location(&response);
    query_of(&location)
        .remove("code")
        .expect("code on the callback")
}

/// POSTs a form to the token endpoint; returns (status, JSON body).
pub async fn post_token(sb: &SandboxHandle, form: &[(&str, &str)]) -> (u16, Value) {
    let response = client()
        .post(format!("{}/oauth/v2/token", sb.base_url()))
        .form(form)
        .send()
        .await
        .expect("token request");
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.expect("JSON body");
    (status, body)
}

/// Exchanges a code with the right client credentials and redirect URI.
pub async fn exchange(sb: &SandboxHandle, code: &str, verifier: Option<&str>) -> (u16, Value) {
    let id = sb.client_id();
    let secret = sb.client_secret();
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
        ("code", code),
        ("redirect_uri", REDIRECT),
    ];
    if let Some(verifier) = verifier {
        form.push(("code_verifier", verifier));
    }
    post_token(sb, &form).await
}

/// Refreshes with the right client credentials.
pub async fn refresh(sb: &SandboxHandle, refresh_token: &str) -> (u16, Value) {
    let id = sb.client_id();
    let secret = sb.client_secret();
    post_token(
        sb,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

/// GET a Books path with an optional token; returns (status, JSON body, headers).
pub async fn books_get(
    sb: &SandboxHandle,
    path_and_query: &str,
    token: Option<&str>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut request = client().get(format!("{}/books/v3/{path_and_query}", sb.base_url()));
    if let Some(token) = token {
        request = request.header("Authorization", format!("Zoho-oauthtoken {token}"));
    }
    let response = request.send().await.expect("books request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json::<Value>().await.expect("JSON body");
    (status, body, headers)
}

/// Asserts a token looks like Zoho's: `1000.<32 hex>.<32 hex>`.
pub fn assert_zoho_token(token: &str) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    assert_eq!(parts[0], "1000");
    for part in &parts[1..] {
        assert_eq!(part.len(), 32, "{token}");
        assert!(part.chars().all(|c| c.is_ascii_hexdigit()), "{token}");
    }
}
