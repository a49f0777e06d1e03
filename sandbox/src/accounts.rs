//! Zoho Accounts emulation: the authorization endpoint with its consent page, the token
//! endpoint (authorization_code and refresh_token grants, Zoho's HTTP-200 errors, throttling)
//! and token revocation.

use base64::Engine as _;
use hyper::header::{ALLOW, HeaderValue};
use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::http::{
    Body, SandboxRequest, error_page, escape_html, html, json as json_response, redirect,
};
use super::state::{AuthRequest, CodeGrant, PkceChallenge, Shared, lock};

/// Zoho's throttle message (HTTP 400), verbatim.
pub(crate) const THROTTLE_DESCRIPTION: &str =
    "You have made too many requests continuously. Please try again after some time.";

// ---------------------------------------------------------------------------------------------
// GET/POST /oauth/v2/auth
// ---------------------------------------------------------------------------------------------

/// `GET /oauth/v2/auth` shows the consent page (or redirects at once in auto-approve mode);
/// `POST /oauth/v2/auth` is the consent page's form answering Accept or Deny.
pub(crate) fn authorize(shared: &Shared, req: &SandboxRequest) -> Response<Body> {
    match req.method {
        Method::GET => authorize_get(shared, req),
        Method::POST => consent_answer(shared, req),
        _ => {
            let mut response = error_page(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "The authorization endpoint accepts GET (and POST from its consent page).",
            );
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, POST"));
            response
        }
    }
}

fn authorize_get(shared: &Shared, req: &SandboxRequest) -> Response<Body> {
    let settings = &shared.settings;
    match req.query_param("client_id") {
        None | Some("") => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "invalid_client",
                "The client_id parameter is missing. Send the client id this sandbox printed at start.",
            );
        }
        Some(id) if id != settings.client_id => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "invalid_client",
                "The client_id is not registered with this sandbox. Use the client id it printed at start.",
            );
        }
        Some(_) => {}
    }
    let redirect_uri = match req.query_param("redirect_uri") {
        None | Some("") => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "invalid_redirect_uri",
                "The redirect_uri parameter is missing.",
            );
        }
        Some(uri) => uri.to_string(),
    };
    if let Err(why) = check_redirect_uri(settings.strict_redirect_uris.as_deref(), &redirect_uri) {
        return error_page(StatusCode::BAD_REQUEST, "invalid_redirect_uri", &why);
    }
    let state = req.query_param("state").map(str::to_string);

    // From here on the redirect URI is trusted, so errors go back to the client (RFC 6749 §4.1.2.1).
    if req.query_param("response_type") != Some("code") {
        return redirect_error(&redirect_uri, "unsupported_response_type", state.as_deref());
    }
    let scope = match req.query_param("scope") {
        Some(scope) if scope_is_well_formed(scope) => scope.to_string(),
        _ => return redirect_error(&redirect_uri, "invalid_scope", state.as_deref()),
    };
    let pkce = match (
        req.query_param("code_challenge"),
        req.query_param("code_challenge_method"),
    ) {
        (None, None) => None,
        (Some(challenge), None | Some("plain")) if !challenge.is_empty() => {
            Some(PkceChallenge::Plain(challenge.to_string()))
        }
        (Some(challenge), Some("S256")) if !challenge.is_empty() => {
            Some(PkceChallenge::S256(challenge.to_string()))
        }
        _ => return redirect_error(&redirect_uri, "invalid_request", state.as_deref()),
    };
    let offline = req
        .query_param("access_type")
        .is_some_and(|access| access.eq_ignore_ascii_case("offline"));
    let prompt_consent = req
        .query_param("prompt")
        .is_some_and(|prompt| prompt.eq_ignore_ascii_case("consent"));
    let request = AuthRequest {
        redirect_uri,
        scope,
        offline,
        prompt_consent,
        state,
        pkce,
    };

    let mut guard = lock(&shared.state);
    if guard.auto_approve {
        let location = approve(&mut guard, shared, request);
        drop(guard);
        return redirect(&location);
    }
    let scope_items = split_scope(&request.scope);
    let redirect_shown = request.redirect_uri.clone();
    let consent_id = guard.add_pending_consent(request);
    drop(guard);
    consent_page(
        &settings.client_id,
        &scope_items,
        &redirect_shown,
        &consent_id,
    )
}

fn consent_answer(shared: &Shared, req: &SandboxRequest) -> Response<Body> {
    let Some(consent_id) = req.param("consent_id") else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The consent form was posted without its consent_id. Start again from /oauth/v2/auth.",
        );
    };
    let action = req.param("action").unwrap_or_default().to_string();
    if action != "accept" && action != "deny" {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The consent form needs action=accept or action=deny.",
        );
    }
    let mut guard = lock(&shared.state);
    let Some(request) = guard.take_pending_consent(consent_id) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "This consent request is unknown or was already answered. Start again from /oauth/v2/auth.",
        );
    };
    if action == "accept" {
        let location = approve(&mut guard, shared, request);
        drop(guard);
        redirect(&location)
    } else {
        drop(guard);
        redirect_error(
            &request.redirect_uri,
            "access_denied",
            request.state.as_deref(),
        )
    }
}

/// Issues a code for an approved request and returns the callback location:
/// `redirect_uri?[state=..&]code=..&location=..&accounts-server=<percent-encoded>`.
fn approve(state: &mut super::state::State, shared: &Shared, request: AuthRequest) -> String {
    let code = state.ids.zoho_token();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(client_state) = &request.state {
        query.append_pair("state", client_state);
    }
    query.append_pair("code", &code);
    query.append_pair("location", &shared.settings.location);
    query.append_pair("accounts-server", &shared.settings.base_url);
    let location = append_query(&request.redirect_uri, &query.finish());
    let issued_at = state.clock.now();
    let grants_refresh_token = request.offline
        && (request.prompt_consent
            || !shared.settings.refresh_token_only_on_first_consent
            || state.refresh_tokens.is_empty());
    state.codes.insert(
        code,
        CodeGrant {
            request,
            issued_at,
            grants_refresh_token,
        },
    );
    location
}

fn redirect_error(redirect_uri: &str, error: &str, state: Option<&str>) -> Response<Body> {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("error", error);
    if let Some(state) = state {
        query.append_pair("state", state);
    }
    redirect(&append_query(redirect_uri, &query.finish()))
}

/// Appends an encoded query to a URI that may already have one (the URI is kept verbatim,
/// without normalisation, so the client sees exactly the URI it registered).
fn append_query(uri: &str, query: &str) -> String {
    let separator = if uri.contains('?') {
        if uri.ends_with('?') || uri.ends_with('&') {
            ""
        } else {
            "&"
        }
    } else {
        "?"
    };
    format!("{uri}{separator}{query}")
}

/// Checks a redirect URI: exact match in strict mode, otherwise any loopback `http` URI
/// (RFC 8252 §7.3: any port, any path).
pub(crate) fn check_redirect_uri(strict: Option<&[String]>, uri: &str) -> Result<(), String> {
    if let Some(registered) = strict {
        if registered.iter().any(|known| known == uri) {
            return Ok(());
        }
        return Err(
            "The redirect_uri is not registered for this client (strict mode: it must equal one \
             of the registered URIs exactly)."
                .to_string(),
        );
    }
    let parsed =
        url::Url::parse(uri).map_err(|_| "The redirect_uri is not an absolute URI.".to_string())?;
    if parsed.scheme() != "http" {
        return Err(
            "The redirect_uri must be a loopback http URI such as http://127.0.0.1:PORT/callback."
                .to_string(),
        );
    }
    if parsed.fragment().is_some() {
        return Err("The redirect_uri must not contain a fragment (#...).".to_string());
    }
    let loopback = match parsed.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if !loopback {
        return Err(
            "The redirect_uri is not registered: this sandbox accepts loopback http URIs \
             (localhost, 127.0.0.1, [::1]) unless started with strict redirect URIs."
                .to_string(),
        );
    }
    Ok(())
}

/// Splits a scope list on commas (Zoho's separator), spaces or `+`.
pub(crate) fn split_scope(scope: &str) -> Vec<String> {
    scope
        .split([',', ' ', '+'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

/// A scope list is well formed when it has at least one item and every item looks like
/// `Service.name.OPERATION` (letters, digits, `_` and dots, at least one dot).
fn scope_is_well_formed(scope: &str) -> bool {
    let items = split_scope(scope);
    !items.is_empty()
        && items.iter().all(|item| {
            item.contains('.')
                && !item.starts_with('.')
                && !item.ends_with('.')
                && item
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
        })
}

/// Inline style of the consent page (self-contained: no external requests).
const CONSENT_STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0}\
main{max-width:34rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;\
box-shadow:0 1px 4px rgba(0,0,0,.15)}h1{font-size:1.3rem}code{word-break:break-all}\
button{font-size:1rem;padding:.5rem 1.5rem;margin-right:1rem;border-radius:4px;border:1px solid #888;cursor:pointer}\
#accept{background:#1a73e8;color:#fff;border-color:#1a73e8}.note{color:#666;font-size:.85rem}";

fn consent_page(
    client_id: &str,
    scopes: &[String],
    redirect_uri: &str,
    consent_id: &str,
) -> Response<Body> {
    let scope_items: String = scopes
        .iter()
        .map(|scope| format!("<li>{}</li>", escape_html(scope)))
        .collect();
    html(
        StatusCode::OK,
        format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Zoho sandbox: authorize access</title>\n\
             <style>{CONSENT_STYLE}</style></head>\n\
             <body><main>\n<h1>Authorize access to your Zoho sandbox account</h1>\n\
             <p>The application <strong id=\"client\">{client}</strong> asks for:</p>\n<ul id=\"scopes\">{scope_items}</ul>\n\
             <p>You will be sent back to <code id=\"redirect\">{redirect}</code>.</p>\n\
             <form method=\"post\" action=\"/oauth/v2/auth\">\n\
             <input type=\"hidden\" name=\"consent_id\" value=\"{consent}\">\n\
             <button id=\"accept\" name=\"action\" value=\"accept\" type=\"submit\">Accept</button>\n\
             <button id=\"deny\" name=\"action\" value=\"deny\" type=\"submit\">Deny</button>\n\
             </form>\n<p class=\"note\">This is a local Zoho emulator: no real account is involved.</p>\n</main></body></html>\n",
            client = escape_html(client_id),
            redirect = escape_html(redirect_uri),
            consent = escape_html(consent_id),
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// POST /oauth/v2/token
// ---------------------------------------------------------------------------------------------

/// Zoho reports most token errors as HTTP 200 with `{"error": ...}`.
fn token_error(error: &str) -> Response<Body> {
    json_response(StatusCode::OK, &json!({ "error": error }))
}

/// The counter key for a token request: `token:<grant_type>` for the two supported grants,
/// `token:other` for anything else.
pub(crate) fn token_counter_key(req: &SandboxRequest) -> &'static str {
    match req.param("grant_type") {
        Some("authorization_code") => "token:authorization_code",
        Some("refresh_token") => "token:refresh_token",
        _ => "token:other",
    }
}

/// `POST /oauth/v2/token`.
pub(crate) fn token(shared: &Shared, req: &SandboxRequest) -> Response<Body> {
    if req.method != Method::POST {
        let mut response = json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            &json!({ "error": "method_not_allowed", "error_description": "Use POST for /oauth/v2/token." }),
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let settings = &shared.settings;
    if req.param("client_id") != Some(settings.client_id.as_str()) {
        return token_error("invalid_client");
    }
    if req.param("client_secret") != Some(settings.client_secret.as_str()) {
        return token_error("invalid_client_secret");
    }
    match req.param("grant_type") {
        Some("authorization_code") => exchange_code(shared, req),
        Some("refresh_token") => refresh(shared, req),
        None | Some("") => token_error("invalid_request"),
        Some(_) => token_error("unsupported_grant_type"),
    }
}

fn exchange_code(shared: &Shared, req: &SandboxRequest) -> Response<Body> {
    let settings = &shared.settings;
    let Some(code) = req.param("code") else {
        return token_error("invalid_code");
    };
    let mut state = lock(&shared.state);
    // A code is consumed by the first exchange attempt that names it, whatever the outcome.
    let Some(grant) = state.codes.remove(code) else {
        return token_error("invalid_code");
    };
    let now = state.clock.now();
    if now >= grant.issued_at.saturating_add(settings.code_ttl) {
        return token_error("invalid_code");
    }
    if req.param("redirect_uri") != Some(grant.request.redirect_uri.as_str()) {
        return token_error("invalid_redirect_uri");
    }
    if let Some(challenge) = &grant.request.pkce
        && !pkce_matches(challenge, req.param("code_verifier"))
    {
        return token_error("invalid_code");
    }
    let scope = grant.request.scope.clone();
    let refresh_token = grant
        .grants_refresh_token
        .then(|| state.mint_refresh_token(&scope));
    let access_token =
        state.mint_access_token(&scope, settings.access_token_ttl, refresh_token.as_deref());
    drop(state);
    let mut body = serde_json::Map::new();
    body.insert("access_token".into(), Value::String(access_token));
    if let Some(refresh_token) = refresh_token {
        body.insert("refresh_token".into(), Value::String(refresh_token));
    }
    body.insert(
        "api_domain".into(),
        Value::String(settings.base_url.clone()),
    );
    body.insert("token_type".into(), Value::String("Bearer".into()));
    body.insert(
        "expires_in".into(),
        Value::from(settings.access_token_ttl.as_secs()),
    );
    json_response(StatusCode::OK, &Value::Object(body))
}

fn pkce_matches(challenge: &PkceChallenge, verifier: Option<&str>) -> bool {
    let Some(verifier) = verifier else {
        return false;
    };
    match challenge {
        PkceChallenge::Plain(expected) => verifier == expected,
        PkceChallenge::S256(expected) => {
            let digest = Sha256::digest(verifier.as_bytes());
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest) == *expected
        }
    }
}

fn refresh(shared: &Shared, req: &SandboxRequest) -> Response<Body> {
    let settings = &shared.settings;
    let Some(refresh_token) = req.param("refresh_token") else {
        return token_error("invalid_code");
    };
    let mut state = lock(&shared.state);
    let now = state.clock.now();
    let Some(grant) = state.refresh_tokens.get_mut(refresh_token) else {
        // Unknown or revoked refresh tokens get `invalid_code`, as Zoho answers.
        return token_error("invalid_code");
    };
    while grant
        .recent_refreshes
        .front()
        .is_some_and(|at| now >= at.saturating_add(settings.refresh_window))
    {
        grant.recent_refreshes.pop_front();
    }
    if grant.recent_refreshes.len() >= settings.refresh_limit as usize {
        drop(state);
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({
                "error_description": THROTTLE_DESCRIPTION,
                "error": "Access Denied",
                "status": "failure"
            }),
        );
    }
    grant.recent_refreshes.push_back(now);
    let scope = grant.scope.clone();
    let access_token = state.mint_access_token(
        &scope,
        settings.refresh_access_token_ttl,
        Some(refresh_token),
    );
    drop(state);
    json_response(
        StatusCode::OK,
        &json!({
            "access_token": access_token,
            "api_domain": settings.base_url,
            "token_type": "Bearer",
            "expires_in": settings.refresh_access_token_ttl.as_secs(),
        }),
    )
}

// ---------------------------------------------------------------------------------------------
// POST /oauth/v2/token/revoke (alias /oauth/v2/revoke/token)
// ---------------------------------------------------------------------------------------------

/// `POST /oauth/v2/token/revoke?token=...` and its alias `/oauth/v2/revoke/token`.
pub(crate) fn revoke(shared: &Shared, req: &SandboxRequest) -> Response<Body> {
    if req.method != Method::POST {
        let mut response = json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            &json!({ "error": "method_not_allowed", "error_description": "Use POST to revoke a token." }),
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    // The alias variant authenticates the client with HTTP Basic; when the header is sent it
    // must name this sandbox's client.
    if let Some(authorization) = req.header("authorization")
        && !basic_credentials_match(shared, authorization)
    {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({ "error": "invalid_client", "status": "failure" }),
        );
    }
    let token = match req.param("token") {
        Some(token) if !token.is_empty() => token,
        _ => {
            return json_response(
                StatusCode::BAD_REQUEST,
                &json!({ "error": "invalid_request", "status": "failure" }),
            );
        }
    };
    let revoked = lock(&shared.state).revoke(token);
    if revoked {
        json_response(StatusCode::OK, &json!({ "status": "success" }))
    } else {
        json_response(
            StatusCode::BAD_REQUEST,
            &json!({ "error": "invalid_token", "status": "failure" }),
        )
    }
}

fn basic_credentials_match(shared: &Shared, authorization: &str) -> bool {
    let Some(encoded) = authorization
        .strip_prefix("Basic ")
        .or_else(|| authorization.strip_prefix("basic "))
    else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let Ok(text) = String::from_utf8(decoded) else {
        return false;
    };
    let settings = &shared.settings;
    text.split_once(':')
        .is_some_and(|(id, secret)| id == settings.client_id && secret == settings.client_secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_are_accepted_by_default() {
        for uri in [
            "http://127.0.0.1:33333",
            "http://localhost:1/callback?x=1",
            "http://[::1]:8080/cb",
            "http://127.0.0.2/",
        ] {
            assert_eq!(check_redirect_uri(None, uri), Ok(()), "{uri}");
        }
        for uri in [
            "https://127.0.0.1:3000/",
            "http://example.com/cb",
            "http://127.0.0.1:3000/#frag",
            "not a uri",
            "http://localhost.evil.com/",
        ] {
            assert!(check_redirect_uri(None, uri).is_err(), "{uri}");
        }
    }

    #[test]
    fn strict_mode_needs_an_exact_match() {
        let registered = vec!["http://localhost:33333".to_string()];
        assert!(check_redirect_uri(Some(&registered), "http://localhost:33333").is_ok());
        assert!(check_redirect_uri(Some(&registered), "http://localhost:33333/").is_err());
        assert!(check_redirect_uri(Some(&registered), "http://127.0.0.1:33333").is_err());
    }

    #[test]
    fn scopes_split_on_comma_space_and_plus() {
        assert_eq!(
            split_scope("ZohoBooks.fullaccess.all, ZohoBooks.invoices.READ+a.b"),
            vec!["ZohoBooks.fullaccess.all", "ZohoBooks.invoices.READ", "a.b"]
        );
        assert!(scope_is_well_formed("ZohoBooks.fullaccess.all"));
        assert!(!scope_is_well_formed(""));
        assert!(!scope_is_well_formed("fullaccess"));
        assert!(!scope_is_well_formed("ZohoBooks.<script>.all"));
    }

    #[test]
    fn pkce_s256_and_plain() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = PkceChallenge::S256("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into());
        assert!(pkce_matches(&challenge, Some(verifier)));
        assert!(!pkce_matches(&challenge, Some("wrong")));
        assert!(!pkce_matches(&challenge, None));
        let plain = PkceChallenge::Plain("abc".into());
        assert!(pkce_matches(&plain, Some("abc")));
        assert!(!pkce_matches(&plain, Some("abd")));
    }

    #[test]
    fn queries_are_appended_without_touching_the_uri() {
        assert_eq!(
            append_query("http://localhost:1", "a=b"),
            "http://localhost:1?a=b"
        );
        assert_eq!(
            append_query("http://localhost:1/cb?x=1", "a=b"),
            "http://localhost:1/cb?x=1&a=b"
        );
        assert_eq!(
            append_query("http://localhost:1/cb?", "a=b"),
            "http://localhost:1/cb?a=b"
        );
    }
}
