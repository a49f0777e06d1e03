//! The OAuth engine against the real sandbox (a Zoho emulator on 127.0.0.1): web, headless and
//! interactive flows, Zoho's error codes, refresh behaviour, the host checks, single flight and
//! the Books client's refresh-once-retry-once.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use zohobooks_sandbox::{Endpoint, Fault, Sandbox, SandboxHandle};
use zohobooks_sql::books::BooksClient;
use zohobooks_sql::oauth::callback::parse_verifier;
use zohobooks_sql::oauth::client::RetryPolicy;
use zohobooks_sql::oauth::pkce::SeededRandom;
use zohobooks_sql::oauth::{
    CallbackParams, ExchangeRequest, InteractiveLogin, LoginRequest, ManualClock, TokenManager,
    TokenManagerOptions,
};
use zohobooks_sql::secret::{AccessToken, PkceVerifier, RefreshToken, SecretString};
use zohobooks_sql::{Config, Error};

const CALLBACK: &str = "http://127.0.0.1:33333/callback";
const T0: i64 = 1_800_000_000_000;
/// Every await on the network in these tests is bounded by this.
const LIMIT: Duration = Duration::from_secs(30);

async fn bounded<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("test step timed out")
}

async fn sandbox() -> SandboxHandle {
    Sandbox::builder()
        .auto_approve(true)
        .start()
        .await
        .expect("sandbox starts")
}

fn conn(sb: &SandboxHandle, extra: &str) -> Config {
    format!(
        "AccountsServer={};OAuthClientId={};OAuthClientSecret={};CallbackURL={CALLBACK};Timeout=10;{extra}",
        sb.base_url(),
        sb.client_id(),
        sb.client_secret()
    )
    .parse()
    .expect("valid connection string")
}

fn options(clock: &Arc<ManualClock>) -> TokenManagerOptions {
    TokenManagerOptions {
        clock: clock.clone(),
        random: Arc::new(SeededRandom::new(42)),
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
        },
        lock_wait: Some(Duration::from_secs(20)),
        ..Default::default()
    }
}

fn manager(sb: &SandboxHandle, extra: &str, clock: &Arc<ManualClock>) -> Arc<TokenManager> {
    Arc::new(TokenManager::new(&conn(sb, extra), options(clock)))
}

fn unique(name: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Opens the authorization URL as a browser would (auto-approve) and returns the callback URL
/// the sandbox redirects to.
async fn consent(url: &str) -> String {
    let resp = bounded(http().get(url).send()).await.expect("auth request");
    assert_eq!(resp.status(), 302, "the sandbox redirects to the callback");
    resp.headers()
        .get("location")
        .expect("Location")
        .to_str()
        .unwrap()
        .to_owned()
}

fn code_of(callback: &str) -> String {
    url::Url::parse(callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code in callback")
}

/// Authorization URL -> consent -> exchange of the bare code.
async fn web_login(m: &TokenManager) -> zohobooks_sql::oauth::TokenSet {
    let auth = m.authorization_url(None, None, None).unwrap();
    let callback = consent(&auth.url).await;
    let code = SecretString::new(code_of(&callback));
    bounded(m.exchange_code(ExchangeRequest {
        verifier: Some(&code),
        pkce_verifier: auth.pkce_verifier.as_ref(),
        ..Default::default()
    }))
    .await
    .expect("exchange succeeds")
}

#[tokio::test]
async fn web_flow_end_to_end_then_organizations() {
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    let location = unique("web");
    let m = manager(
        &sb,
        &format!("InitiateOAuth=REFRESH;OAuthSettingsLocation=memory://{location}"),
        &clock,
    );
    let auth = m.authorization_url(None, None, Some("st-1")).unwrap();
    assert!(!m.transport().is_built(), "no HTTP client for a URL");
    assert_eq!(sb.count("auth"), 0);
    assert!(
        auth.url
            .starts_with(&format!("{}/oauth/v2/auth?", sb.base_url()))
    );
    let callback = consent(&auth.url).await;
    assert!(callback.starts_with(CALLBACK));
    let code = SecretString::new(code_of(&callback));
    let tokens = bounded(m.exchange_code(ExchangeRequest {
        verifier: Some(&code),
        state: Some("st-1"),
        ..Default::default()
    }))
    .await
    .unwrap();
    assert!(tokens.access_token.expose_secret().starts_with("1000."));
    assert!(tokens.refresh_token.is_some());
    assert_eq!(tokens.expires_in, Some(3600));
    assert_eq!(tokens.api_domain, sb.base_url());
    assert_eq!(tokens.accounts_server, sb.base_url());
    assert_eq!(tokens.token_timestamp_ms, T0);
    assert_eq!(sb.count("token:authorization_code"), 1);

    // The connection now uses the tokens: Organizations without another grant.
    let books = BooksClient::new(m.clone(), None);
    let orgs = bounded(books.organizations()).await.unwrap();
    assert!(!orgs.is_empty());
    assert!(
        orgs[0]
            .get("organization_id")
            .is_some_and(|v| v.is_string())
    );
    assert_eq!(sb.count("token:refresh_token"), 0);
    assert_eq!(sb.count("books:organizations"), 1);

    // Another connection on the same memory:// id sees the saved tokens.
    let other = manager(
        &sb,
        &format!("InitiateOAuth=REFRESH;OAuthSettingsLocation=memory://{location}"),
        &clock,
    );
    let creds = bounded(other.access_token()).await.unwrap();
    assert_eq!(creds.access_token, tokens.access_token);
    assert_eq!(sb.count("token:refresh_token"), 0);
}

#[tokio::test]
async fn a_pasted_callback_url_is_a_verifier_and_its_state_is_checked() {
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    let m = manager(&sb, "", &clock);
    let auth = m.authorization_url(None, None, Some("expected")).unwrap();
    let callback = consent(&auth.url).await;
    assert!(
        callback.contains("accounts-server=http%3A%2F%2F127.0.0.1"),
        "{callback}"
    );

    // Wrong state: refused before any request.
    let pasted = SecretString::new(callback.clone());
    let err = bounded(m.exchange_code(ExchangeRequest {
        verifier: Some(&pasted),
        state: Some("another"),
        ..Default::default()
    }))
    .await
    .unwrap_err();
    assert!(matches!(err, Error::InvalidVerifier { .. }), "{err}");
    assert_eq!(sb.count("token:authorization_code"), 0);

    let tokens = bounded(m.exchange_code(ExchangeRequest {
        verifier: Some(&pasted),
        state: Some("expected"),
        ..Default::default()
    }))
    .await
    .unwrap();
    assert!(tokens.refresh_token.is_some());
    assert_eq!(tokens.accounts_server, sb.base_url());
}

#[tokio::test]
async fn pkce_verifier_round_trip() {
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    let m = manager(&sb, "PKCE=true", &clock);
    let auth = m.authorization_url(None, None, None).unwrap();
    assert!(auth.url.contains("code_challenge_method=S256"));
    let verifier = auth.pkce_verifier.clone().unwrap();
    // A wrong verifier is refused by the server...
    let callback = consent(&auth.url).await;
    let code = SecretString::new(code_of(&callback));
    let wrong = PkceVerifier::new(format!("{}x", verifier.expose_secret()));
    let err = bounded(m.exchange_code(ExchangeRequest {
        verifier: Some(&code),
        pkce_verifier: Some(&wrong),
        ..Default::default()
    }))
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::OAuth { code, .. } if code == "invalid_code"),
        "{err}"
    );
    // ...the right one works.
    let tokens = web_login(&m).await;
    assert!(tokens.refresh_token.is_some());
}

#[tokio::test]
async fn each_zoho_error_code_is_typed_with_a_hint() {
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    let m = manager(&sb, "", &clock);
    let auth = m.authorization_url(None, None, None).unwrap();

    // invalid_code: a code is single-use.
    let code = SecretString::new(code_of(&consent(&auth.url).await));
    bounded(m.exchange_code(ExchangeRequest {
        verifier: Some(&code),
        ..Default::default()
    }))
    .await
    .unwrap();
    let err = bounded(m.exchange_code(ExchangeRequest {
        verifier: Some(&code),
        ..Default::default()
    }))
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(&err, Error::OAuth { code, .. } if code == "invalid_code"),
        "{msg}"
    );
    assert!(
        msg.contains("single-use and expire after about 2 minutes"),
        "{msg}"
    );
    assert!(!msg.contains(code.expose_secret()));

    // invalid_redirect_uri: exchanged with another redirect URI than authorized.
    let code = SecretString::new(code_of(&consent(&auth.url).await));
    let err = bounded(m.exchange_code(ExchangeRequest {
        verifier: Some(&code),
        callback_url: Some("http://127.0.0.1:44444/other"),
        ..Default::default()
    }))
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::OAuth { code, hint, .. } if code == "invalid_redirect_uri" && hint.contains("CallbackURL")),
        "{err}"
    );

    // invalid_client_secret and invalid_client.
    let code = SecretString::new(code_of(&consent(&auth.url).await));
    let bad_secret = Arc::new(TokenManager::new(
        &format!(
            "AccountsServer={};OAuthClientId={};OAuthClientSecret=wrong;CallbackURL={CALLBACK}",
            sb.base_url(),
            sb.client_id()
        )
        .parse()
        .unwrap(),
        options(&clock),
    ));
    let err = bounded(bad_secret.exchange_code(ExchangeRequest {
        verifier: Some(&code),
        ..Default::default()
    }))
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::OAuth { code, hint, .. } if code == "invalid_client_secret" && hint.contains("OAuthClientSecret")),
        "{err}"
    );
    let bad_client = Arc::new(TokenManager::new(
        &format!(
            "AccountsServer={};OAuthClientId=1000.NOSUCHCLIENT;OAuthClientSecret={};CallbackURL={CALLBACK}",
            sb.base_url(),
            sb.client_secret()
        )
        .parse()
        .unwrap(),
        options(&clock),
    ));
    let err = bounded(bad_client.refresh_with(Some(RefreshToken::new("1000.a.b")), None))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::OAuth { code, hint, .. } if code == "invalid_client" && hint.contains("OAuthClientId")),
        "{err}"
    );

    // invalid_code on refresh: a revoked/unknown refresh token.
    let err = bounded(m.refresh_with(Some(RefreshToken::new("1000.dead.token")), None))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::OAuth { code, hint, .. } if code == "invalid_code" && hint.contains("revoked")),
        "{err}"
    );
}

#[tokio::test]
async fn throttled_refreshes_are_rate_limited() {
    let sb = Sandbox::builder()
        .auto_approve(true)
        .refresh_limit(2, Duration::from_secs(600))
        .start()
        .await
        .unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let m = manager(&sb, "", &clock);
    let tokens = web_login(&m).await;
    let rt = tokens.refresh_token.clone();
    bounded(m.refresh_with(rt.clone(), None)).await.unwrap();
    bounded(m.refresh_with(rt.clone(), None)).await.unwrap();
    let err = bounded(m.refresh_with(rt, None)).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    assert!(err.to_string().starts_with("too many requests"), "{err}");
    // A throttle (HTTP 400) is not retried.
    assert_eq!(sb.count("token:refresh_token"), 3);
}

#[tokio::test]
async fn refresh_keeps_the_refresh_token_and_saves_the_new_access_token() {
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    let m = manager(
        &sb,
        &format!(
            "InitiateOAuth=REFRESH;OAuthSettingsLocation={}",
            path.display()
        ),
        &clock,
    );
    let first = web_login(&m).await;
    clock.advance(Duration::from_secs(10));
    let second = bounded(m.refresh_with(None, None)).await.unwrap();
    assert_ne!(second.access_token, first.access_token);
    assert_eq!(
        second.refresh_token, first.refresh_token,
        "Zoho sends none on refresh"
    );
    assert_eq!(second.token_timestamp_ms, T0 + 10_000);
    assert_eq!(second.api_domain, sb.base_url());
    // Saved: the file holds the new access token and the kept refresh token.
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved["access_token"], second.access_token.expose_secret());
    assert_eq!(
        saved["refresh_token"],
        first.refresh_token.as_ref().unwrap().expose_secret()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // The connection uses the refreshed token.
    let creds = bounded(m.access_token()).await.unwrap();
    assert_eq!(creds.access_token, second.access_token);
}

#[tokio::test]
async fn headless_flow_with_oauth_verifier_then_refresh() {
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/headless.json");
    // Step 1 (any machine, InitiateOAuth=OFF): the URL; the user consents elsewhere.
    let off = manager(&sb, "InitiateOAuth=OFF", &clock);
    let auth = off.authorization_url(None, None, None).unwrap();
    let callback = consent(&auth.url).await;
    assert!(!off.transport().is_built());

    // Step 2: OAuthVerifier (the pasted URL) + settings file: exchanged on first use, saved.
    let m = manager(
        &sb,
        &format!(
            "InitiateOAuth=REFRESH;OAuthSettingsLocation={};OAuthVerifier='{}'",
            path.display(),
            callback
        ),
        &clock,
    );
    assert!(!m.transport().is_built(), "construction sends nothing");
    let creds = bounded(m.access_token()).await.unwrap();
    assert_eq!(sb.count("token:authorization_code"), 1);
    assert_eq!(creds.api_domain, sb.base_url());
    assert!(path.exists());

    // Step 3: drop OAuthVerifier; InitiateOAuth=REFRESH reuses, then refreshes the saved tokens.
    let later = manager(
        &sb,
        &format!(
            "InitiateOAuth=REFRESH;OAuthSettingsLocation={}",
            path.display()
        ),
        &clock,
    );
    let again = bounded(later.access_token()).await.unwrap();
    assert_eq!(again.access_token, creds.access_token);
    assert_eq!(sb.count("token:refresh_token"), 0);
    clock.advance(Duration::from_secs(3600));
    let refreshed = bounded(later.access_token()).await.unwrap();
    assert_ne!(refreshed.access_token, creds.access_token);
    assert_eq!(sb.count("token:refresh_token"), 1);
    assert_eq!(sb.count("token:authorization_code"), 1);
    // Books works with the refreshed token.
    let orgs = bounded(BooksClient::new(later.clone(), None).organizations())
        .await
        .unwrap();
    assert!(!orgs.is_empty());
}

#[tokio::test]
async fn expiry_and_refresh_ahead_with_an_injected_clock() {
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    let m = manager(
        &sb,
        &format!(
            "InitiateOAuth=REFRESH;OAuthSettingsLocation=memory://{}",
            unique("expiry")
        ),
        &clock,
    );
    let tokens = web_login(&m).await;
    // 3539 s after receipt: still more than 60 s left.
    clock.advance(Duration::from_secs(3539));
    let c = bounded(m.access_token()).await.unwrap();
    assert_eq!(c.access_token, tokens.access_token);
    assert_eq!(sb.count("token:refresh_token"), 0);
    // 3541 s: inside the 60 s margin: refreshed ahead of expiry.
    clock.advance(Duration::from_secs(2));
    let c = bounded(m.access_token()).await.unwrap();
    assert_ne!(c.access_token, tokens.access_token);
    assert_eq!(sb.count("token:refresh_token"), 1);
    // The refreshed token is cached: no further grant.
    bounded(m.access_token()).await.unwrap();
    assert_eq!(sb.count("token:refresh_token"), 1);
}

#[tokio::test]
async fn property_tokens_without_expiry_are_refreshed_immediately() {
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    let (access, refresh) = sb.mint_tokens("ZohoBooks.fullaccess.all");
    let m = manager(
        &sb,
        &format!(
            "InitiateOAuth=REFRESH;OAuthSettingsLocation=memory://{};OAuthAccessToken={access};OAuthRefreshToken={refresh}",
            unique("props")
        ),
        &clock,
    );
    let c = bounded(m.access_token()).await.unwrap();
    assert_ne!(c.access_token.expose_secret(), access);
    assert_eq!(sb.count("token:refresh_token"), 1);
    // With OAuthExpiresIn and OAuthTokenTimestamp, the property token is used as is.
    let m = manager(
        &sb,
        &format!(
            "InitiateOAuth=REFRESH;OAuthSettingsLocation=memory://{};OAuthAccessToken={access};OAuthRefreshToken={refresh};OAuthExpiresIn=3600;OAuthTokenTimestamp={T0}",
            unique("props")
        ),
        &clock,
    );
    let c = bounded(m.access_token()).await.unwrap();
    assert_eq!(c.access_token.expose_secret(), access);
    assert_eq!(sb.count("token:refresh_token"), 1);
}

#[tokio::test]
async fn a_dead_refresh_token_requires_reauthorization_and_is_marked() {
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    let location = unique("dead");
    let m = manager(
        &sb,
        &format!(
            "InitiateOAuth=REFRESH;OAuthSettingsLocation=memory://{location};OAuthRefreshToken=1000.revoked.token"
        ),
        &clock,
    );
    let err = bounded(m.access_token()).await.unwrap_err();
    assert!(err.is_authorization_required(), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("invalid_code") && msg.contains("GetOAuthAuthorizationURL"),
        "{msg}"
    );
    assert_eq!(sb.count("token:refresh_token"), 1);
    // Marked unusable: a second statement does not send the dead token again.
    let err = bounded(m.access_token()).await.unwrap_err();
    assert!(err.is_authorization_required(), "{err}");
    assert_eq!(sb.count("token:refresh_token"), 1);

    // A good refresh token passed to RefreshOAuthAccessToken revives the connection.
    let (_, good) = sb.mint_tokens("ZohoBooks.fullaccess.all");
    let t = bounded(m.refresh_with(Some(RefreshToken::new(good.clone())), None))
        .await
        .unwrap();
    assert_eq!(t.refresh_token.unwrap().expose_secret(), good);
    let creds = bounded(m.access_token()).await.unwrap();
    assert_eq!(creds.access_token, t.access_token);
    assert_eq!(sb.count("token:refresh_token"), 2);
    // ...and that token is used for the next refresh (it is not inherited as "unusable").
    clock.advance(Duration::from_secs(3600));
    let creds = bounded(m.access_token()).await.unwrap();
    assert_ne!(creds.access_token, t.access_token);
    assert_eq!(sb.count("token:refresh_token"), 3);
}

#[tokio::test]
async fn books_401_code_57_gets_one_refresh_and_one_retry() {
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    let m = manager(
        &sb,
        &format!(
            "InitiateOAuth=REFRESH;OAuthSettingsLocation=memory://{}",
            unique("b57")
        ),
        &clock,
    );
    web_login(&m).await;
    let books = BooksClient::new(m.clone(), None);
    sb.inject_fault(Endpoint::Books, Fault::Unauthorized57, 1);
    let orgs = bounded(books.organizations()).await.unwrap();
    assert!(!orgs.is_empty());
    assert_eq!(sb.count("token:refresh_token"), 1);
    assert_eq!(sb.count("books:organizations"), 2);

    // Rejected twice: exactly one refresh, one retry, then an error.
    sb.inject_fault(Endpoint::Books, Fault::Unauthorized57, 2);
    let err = bounded(books.organizations()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Api {
                status: 401,
                code: 57,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("authorize again"), "{err}");
    assert_eq!(sb.count("token:refresh_token"), 2);
    assert_eq!(sb.count("books:organizations"), 4);

    // A revoked token on the server (expired there) is recovered the same way.
    sb.expire_access_tokens();
    bounded(books.organizations()).await.unwrap();
    assert_eq!(sb.count("token:refresh_token"), 3);
}

#[tokio::test]
async fn refresh_is_retried_through_500s_but_bounded() {
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    let m = manager(&sb, "", &clock);
    let tokens = web_login(&m).await;
    sb.inject_fault(Endpoint::Token, Fault::Status500, 2);
    let t = bounded(m.refresh_with(tokens.refresh_token.clone(), None))
        .await
        .unwrap();
    assert_ne!(t.access_token, tokens.access_token);
    assert_eq!(sb.count("token:refresh_token"), 3);

    sb.inject_fault(Endpoint::Token, Fault::Status500, 3);
    let err = bounded(m.refresh_with(tokens.refresh_token.clone(), None))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Http { .. }), "{err}");
    assert!(err.to_string().contains("HTTP 500"), "{err}");
    assert_eq!(sb.count("token:refresh_token"), 6, "at most 3 attempts");
    // A dropped connection is retried too.
    sb.inject_fault(Endpoint::Token, Fault::DropConnection, 1);
    let before = sb.count("token:refresh_token");
    bounded(m.refresh_with(tokens.refresh_token.clone(), None))
        .await
        .unwrap();
    assert_eq!(sb.count("token:refresh_token"), before + 2);
}

#[tokio::test]
async fn a_code_exchange_is_never_retried() {
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    let m = manager(&sb, "", &clock);
    let auth = m.authorization_url(None, None, None).unwrap();
    let code = SecretString::new(code_of(&consent(&auth.url).await));
    sb.inject_fault(Endpoint::Token, Fault::Status500, 1);
    let err = bounded(m.exchange_code(ExchangeRequest {
        verifier: Some(&code),
        ..Default::default()
    }))
    .await
    .unwrap_err();
    assert!(err.to_string().contains("HTTP 500"), "{err}");
    assert_eq!(sb.count("token:authorization_code"), 1);
    let code = SecretString::new(code_of(&consent(&auth.url).await));
    sb.inject_fault(Endpoint::Token, Fault::DropConnection, 1);
    let err = bounded(m.exchange_code(ExchangeRequest {
        verifier: Some(&code),
        ..Default::default()
    }))
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Http { .. }), "{err}");
    assert_eq!(sb.count("token:authorization_code"), 2);
}

/// A plain TCP listener that counts connections (an attacker's server).
async fn counting_listener() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (format!("http://{addr}"), hits)
}

#[tokio::test]
async fn an_attacker_accounts_server_in_a_pasted_callback_gets_nothing() {
    let sb = sandbox().await;
    let (attacker, hits) = counting_listener().await;
    let clock = Arc::new(ManualClock::new(T0));
    let m = manager(
        &sb,
        "InitiateOAuth=REFRESH;OAuthSettingsLocation=memory://attack",
        &clock,
    );
    let auth = m.authorization_url(None, None, None).unwrap();
    let callback = consent(&auth.url).await;
    let code = code_of(&callback);
    let mut forged = url::Url::parse(CALLBACK).unwrap();
    forged
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("location", "us")
        .append_pair("accounts-server", &attacker);
    let pasted = SecretString::new(forged.to_string());
    let err = bounded(m.exchange_code(ExchangeRequest {
        verifier: Some(&pasted),
        ..Default::default()
    }))
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::UntrustedHost {
                role: "accounts server",
                ..
            }
        ),
        "{err}"
    );
    // An explicit AccountsServer parameter is checked the same way.
    let bare = SecretString::new(code.clone());
    let err = bounded(m.exchange_code(ExchangeRequest {
        verifier: Some(&bare),
        accounts_server: Some(&attacker),
        ..Default::default()
    }))
    .await
    .unwrap_err();
    assert!(matches!(err, Error::UntrustedHost { .. }), "{err}");
    // And so is the headless OAuthVerifier.
    let headless = manager(
        &sb,
        &format!(
            "InitiateOAuth=REFRESH;OAuthSettingsLocation=memory://{};OAuthVerifier='{forged}'",
            unique("atk")
        ),
        &clock,
    );
    let err = bounded(headless.access_token()).await.unwrap_err();
    assert!(matches!(err, Error::UntrustedHost { .. }), "{err}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing was sent to the attacker"
    );
    assert_eq!(sb.count("token:authorization_code"), 0);
    // The genuine code still works afterwards (it was never sent anywhere).
    bounded(m.exchange_code(ExchangeRequest {
        verifier: Some(&bare),
        ..Default::default()
    }))
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_callers_with_an_expired_token_send_one_refresh() {
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    let extra = format!(
        "InitiateOAuth=REFRESH;OAuthSettingsLocation=memory://{}",
        unique("flight")
    );
    let first = manager(&sb, &extra, &clock);
    let tokens = web_login(&first).await;
    clock.advance(Duration::from_secs(7200));
    // 100 callers: half on the first connection, half on 10 other connections sharing the store.
    let others: Vec<_> = (0..10).map(|_| manager(&sb, &extra, &clock)).collect();
    let mut tasks = Vec::new();
    for i in 0..100 {
        let m = if i % 2 == 0 {
            first.clone()
        } else {
            others[i % 10].clone()
        };
        tasks.push(tokio::spawn(async move { m.access_token().await }));
    }
    let mut seen = std::collections::HashSet::new();
    for t in tasks {
        let creds = bounded(t).await.unwrap().unwrap();
        seen.insert(creds.access_token.expose_secret().to_owned());
    }
    assert_eq!(sb.count("token:refresh_token"), 1);
    assert_eq!(seen.len(), 1, "everyone got the one refreshed token");
    assert!(!seen.contains(tokens.access_token.expose_secret()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_on_a_settings_file_send_one_refresh() {
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    let dir = tempfile::tempdir().unwrap();
    let extra = format!(
        "InitiateOAuth=REFRESH;OAuthSettingsLocation={}",
        dir.path().join("s.json").display()
    );
    web_login(&manager(&sb, &extra, &clock)).await;
    clock.advance(Duration::from_secs(7200));
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let m = manager(&sb, &extra, &clock);
        tasks.push(tokio::spawn(async move { m.access_token().await }));
    }
    for t in tasks {
        bounded(t).await.unwrap().unwrap();
    }
    assert_eq!(sb.count("token:refresh_token"), 1);
}

/// A browser stand-in: fetches the authorization URL (auto-approve) and reads the callback.
struct FetchingBrowser {
    calls: AtomicUsize,
    tamper_state: bool,
}

impl InteractiveLogin for FetchingBrowser {
    fn login<'a>(
        &'a self,
        request: LoginRequest,
    ) -> Pin<Box<dyn Future<Output = zohobooks_sql::Result<CallbackParams>> + Send + 'a>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            assert!(
                request
                    .authorization_url
                    .contains("code_challenge_method=S256")
            );
            assert!(
                request
                    .authorization_url
                    .contains(&format!("state={}", request.state))
            );
            let callback = consent(&request.authorization_url).await;
            let mut params = parse_verifier(&callback)?;
            if self.tamper_state {
                params.state = Some("forged".into());
            }
            Ok(params)
        })
    }
}

fn with_browser(
    sb: &SandboxHandle,
    extra: &str,
    clock: &Arc<ManualClock>,
    b: &Arc<FetchingBrowser>,
) -> Arc<TokenManager> {
    let mut o = options(clock);
    o.interactive = Some(b.clone());
    Arc::new(TokenManager::new(&conn(sb, extra), o))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn getandrefresh_runs_one_interactive_login_for_many_callers() {
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    let browser = Arc::new(FetchingBrowser {
        calls: AtomicUsize::new(0),
        tamper_state: false,
    });
    let extra = format!(
        "InitiateOAuth=GETANDREFRESH;OAuthSettingsLocation=memory://{}",
        unique("login")
    );
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let m = with_browser(&sb, &extra, &clock, &browser);
        tasks.push(tokio::spawn(async move { m.access_token().await }));
    }
    for t in tasks {
        bounded(t).await.unwrap().unwrap();
    }
    assert_eq!(browser.calls.load(Ordering::SeqCst), 1);
    assert_eq!(sb.count("auth"), 1);
    assert_eq!(sb.count("token:authorization_code"), 1);

    // REFRESH never prompts, even with a login available.
    let refresh_only = with_browser(
        &sb,
        &format!(
            "InitiateOAuth=REFRESH;OAuthSettingsLocation=memory://{}",
            unique("nologin")
        ),
        &clock,
        &browser,
    );
    let err = bounded(refresh_only.access_token()).await.unwrap_err();
    assert!(err.is_authorization_required(), "{err}");
    assert_eq!(browser.calls.load(Ordering::SeqCst), 1);

    // login_interactively() is explicit and always runs.
    let t = bounded(refresh_only.login_interactively()).await.unwrap();
    assert!(t.refresh_token.is_some());
    assert_eq!(browser.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_callback_with_a_wrong_state_is_not_exchanged() {
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    let browser = Arc::new(FetchingBrowser {
        calls: AtomicUsize::new(0),
        tamper_state: true,
    });
    let m = with_browser(
        &sb,
        &format!(
            "InitiateOAuth=GETANDREFRESH;OAuthSettingsLocation=memory://{}",
            unique("csrf")
        ),
        &clock,
        &browser,
    );
    let err = bounded(m.access_token()).await.unwrap_err();
    assert!(matches!(err, Error::DesktopFlow { .. }), "{err}");
    assert_eq!(sb.count("token:authorization_code"), 0);
}

#[tokio::test]
async fn a_statement_without_network_needs_builds_no_client() {
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    let m = manager(&sb, "InitiateOAuth=OFF;OAuthAccessToken=1000.x.y", &clock);
    m.authorization_url(None, None, None).unwrap();
    bounded(m.access_token()).await.unwrap();
    assert!(!m.transport().is_built());
    let _ = AccessToken::new("unused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn getandrefresh_with_the_real_desktop_login_end_to_end() {
    use zohobooks_sql::oauth::desktop::{BrowserLauncher, DesktopLogin};
    let sb = sandbox().await;
    let clock = Arc::new(ManualClock::new(T0));
    // A free loopback port for the registered CallbackURL.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config: Config = format!(
        "AccountsServer={};OAuthClientId={};OAuthClientSecret={};CallbackURL=http://127.0.0.1:{port}/callback;Timeout=10;OAuthBrowserTimeout=20;InitiateOAuth=GETANDREFRESH;OAuthSettingsLocation=memory://{}",
        sb.base_url(),
        sb.client_id(),
        sb.client_secret(),
        unique("desktop")
    )
    .parse()
    .unwrap();
    let mut o = options(&clock);
    o.interactive = Some(Arc::new(
        DesktopLogin::new(BrowserLauncher::FollowRedirects).cancel_on_ctrl_c(false),
    ));
    let m = Arc::new(TokenManager::new(&config, o));
    let orgs = bounded(BooksClient::new(m.clone(), None).organizations())
        .await
        .unwrap();
    assert!(!orgs.is_empty());
    assert_eq!(sb.count("auth"), 1);
    assert_eq!(sb.count("token:authorization_code"), 1);
    let t = m.current_tokens().unwrap();
    assert!(t.refresh_token.is_some());
    assert_eq!(t.api_domain, sb.base_url());
    // The PKCE challenge sent by the login was checked by the sandbox at the exchange.
    let log = sb.request_log();
    assert!(
        log.iter()
            .any(|r| r.path == "/oauth/v2/auth" && r.params.contains("code_challenge"))
    );
}
