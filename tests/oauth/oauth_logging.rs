//! Runs every OAuth flow with tracing at its most verbose level (TRACE, every crate) and checks
//! that no secret — client secret, access or refresh token, code, PKCE verifier — appears in
//! the log, nor in any error message or Debug print, while the HTTP exchanges are logged.

use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zohobooks_sandbox::{Endpoint, Fault, Sandbox, SandboxHandle};
use zohobooks_sql::books::BooksClient;
use zohobooks_sql::oauth::callback::parse_verifier;
use zohobooks_sql::oauth::client::RetryPolicy;
use zohobooks_sql::oauth::{
    CallbackParams, ExchangeRequest, InteractiveLogin, LoginRequest, ManualClock, TokenManager,
    TokenManagerOptions,
};
use zohobooks_sql::secret::{RefreshToken, SecretString};

const CALLBACK: &str = "http://127.0.0.1:33333/callback";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn consent(url: &str) -> String {
    let resp = http().get(url).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    resp.headers()["location"].to_str().unwrap().to_owned()
}

struct Browser;

impl InteractiveLogin for Browser {
    fn login<'a>(
        &'a self,
        request: LoginRequest,
    ) -> Pin<Box<dyn Future<Output = zohobooks_sql::Result<CallbackParams>> + Send + 'a>> {
        Box::pin(async move { parse_verifier(&consent(&request.authorization_url).await) })
    }
}

fn manager(sb: &SandboxHandle, extra: &str, clock: &Arc<ManualClock>) -> Arc<TokenManager> {
    let config = format!(
        "AccountsServer={};OAuthClientId={};OAuthClientSecret={};CallbackURL={CALLBACK};Timeout=10;Verbosity=5;{extra}",
        sb.base_url(),
        sb.client_id(),
        sb.client_secret()
    )
    .parse()
    .unwrap();
    Arc::new(TokenManager::new(
        &config,
        TokenManagerOptions {
            clock: clock.clone(),
            interactive: Some(Arc::new(Browser)),
            retry: RetryPolicy {
                max_attempts: 3,
                base_delay: Duration::from_millis(5),
            },
            lock_wait: Some(Duration::from_secs(10)),
            ..Default::default()
        },
    ))
}

/// Every secret seen during the run, and every message/Debug text produced.
#[derive(Default)]
struct Seen {
    secrets: Vec<String>,
    texts: Vec<String>,
}

impl Seen {
    fn secret(&mut self, s: &str) {
        self.secrets.push(s.to_owned());
    }
    fn error(&mut self, e: &zohobooks_sql::Error) {
        self.texts.push(format!("{e} {e:?}"));
    }
    fn debug(&mut self, d: &dyn std::fmt::Debug) {
        self.texts.push(format!("{d:?}"));
    }
}

async fn every_flow(sb: &SandboxHandle, dir: &std::path::Path) -> Seen {
    let mut seen = Seen::default();
    seen.secret(&sb.client_secret());
    let clock = Arc::new(ManualClock::new(1_800_000_000_000));

    // Web flow with PKCE and a pasted callback URL.
    let file = dir.join("s.json");
    let m = manager(
        sb,
        &format!(
            "InitiateOAuth=REFRESH;PKCE=true;OAuthSettingsLocation={}",
            file.display()
        ),
        &clock,
    );
    let auth = m.authorization_url(None, None, Some("st")).unwrap();
    let verifier = auth.pkce_verifier.clone().unwrap();
    seen.secret(verifier.expose_secret());
    seen.debug(&auth);
    let callback = consent(&auth.url).await;
    let params = parse_verifier(&callback).unwrap();
    seen.secret(params.code.expose_secret());
    seen.debug(&params);
    let pasted = SecretString::new(callback.clone());
    let tokens = m
        .exchange_code(ExchangeRequest {
            verifier: Some(&pasted),
            state: Some("st"),
            pkce_verifier: Some(&verifier),
            ..Default::default()
        })
        .await
        .unwrap();
    seen.secret(tokens.access_token.expose_secret());
    seen.secret(tokens.refresh_token.as_ref().unwrap().expose_secret());
    seen.debug(&tokens);

    // Reusing the code: invalid_code.
    let err = m
        .exchange_code(ExchangeRequest {
            verifier: Some(&pasted),
            pkce_verifier: Some(&verifier),
            ..Default::default()
        })
        .await
        .unwrap_err();
    seen.error(&err);

    // Refresh (explicit, then through expiry), Books with a 401 and through 500s.
    let refreshed = m.refresh_with(None, None).await.unwrap();
    seen.secret(refreshed.access_token.expose_secret());
    clock.advance(Duration::from_secs(7200));
    sb.inject_fault(Endpoint::Token, Fault::Status500, 1);
    let creds = m.access_token().await.unwrap();
    seen.secret(creds.access_token.expose_secret());
    seen.debug(&creds);
    sb.inject_fault(Endpoint::Books, Fault::Unauthorized57, 1);
    let books = BooksClient::new(m.clone(), None);
    books.organizations().await.unwrap();
    seen.secret(m.access_token().await.unwrap().access_token.expose_secret());
    sb.inject_fault(Endpoint::Books, Fault::Unauthorized57, 2);
    seen.error(&books.organizations().await.unwrap_err());
    seen.secret(m.access_token().await.unwrap().access_token.expose_secret());

    // A dead refresh token.
    let err = m
        .refresh_with(
            Some(RefreshToken::new("1000.deadbeefdeadbeef.cafebabecafebabe")),
            None,
        )
        .await
        .unwrap_err();
    seen.secret("1000.deadbeefdeadbeef.cafebabecafebabe");
    seen.error(&err);

    // Headless: OAuthVerifier property.
    let other = manager(sb, "InitiateOAuth=OFF", &clock);
    let callback = consent(&other.authorization_url(None, None, None).unwrap().url).await;
    let code = parse_verifier(&callback).unwrap().code;
    seen.secret(code.expose_secret());
    let headless = manager(
        sb,
        &format!(
            "InitiateOAuth=REFRESH;OAuthSettingsLocation={};OAuthVerifier={}",
            dir.join("h.json").display(),
            code.expose_secret()
        ),
        &clock,
    );
    seen.debug(&headless);
    let creds = headless.access_token().await.unwrap();
    seen.secret(creds.access_token.expose_secret());
    let stored = headless.current_tokens().unwrap();
    seen.secret(stored.refresh_token.as_ref().unwrap().expose_secret());

    // Interactive login (GETANDREFRESH).
    let interactive = manager(
        sb,
        &format!(
            "InitiateOAuth=GETANDREFRESH;OAuthSettingsLocation={}",
            dir.join("i.json").display()
        ),
        &clock,
    );
    let creds = interactive.access_token().await.unwrap();
    seen.secret(creds.access_token.expose_secret());
    let t = interactive.current_tokens().unwrap();
    seen.secret(t.refresh_token.as_ref().unwrap().expose_secret());

    // Revoke: the revoked tokens are forgotten, so GETANDREFRESH logs in again.
    interactive.revoke(None).await.unwrap();
    let again = interactive.access_token().await.unwrap();
    assert_ne!(again.access_token, creds.access_token);
    seen.secret(again.access_token.expose_secret());
    // A REFRESH connection on a revoked store needs reauthorization.
    let refresh_only = manager(
        sb,
        &format!(
            "InitiateOAuth=REFRESH;OAuthSettingsLocation={}",
            dir.join("r.json").display()
        ),
        &clock,
    );
    seen.error(&refresh_only.access_token().await.unwrap_err());
    seen
}

#[test]
fn no_secret_reaches_the_log_at_trace_level() {
    // The sandbox runs on its own runtime and threads, so its own logs are not captured;
    // everything the client side does (including reqwest/hyper) runs on this thread.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sb =
        server_rt.block_on(async { Sandbox::builder().auto_approve(true).start().await.unwrap() });
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let dir = tempfile::tempdir().unwrap();
    let seen = {
        let _guard = tracing::subscriber::set_default(subscriber);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(60), every_flow(&sb, dir.path()))
                .await
                .expect("flows finish in time")
        })
    };
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        seen.secrets.len() >= 12,
        "collected {} secrets",
        seen.secrets.len()
    );
    for secret in &seen.secrets {
        assert!(secret.len() >= 16, "a real secret value");
        assert!(
            !log.contains(secret.as_str()),
            "a secret appears in the log"
        );
        for text in &seen.texts {
            assert!(
                !text.contains(secret.as_str()),
                "a secret appears in: {text}"
            );
        }
    }
    // The exchanges are logged: method, URL without query, status and timing.
    assert!(log.contains("HTTP exchange"), "{log}");
    assert!(log.contains("/oauth/v2/token"), "{log}");
    assert!(log.contains("/books/v3/organizations"), "{log}");
    assert!(log.contains("status=401"), "{log}");
    assert!(log.contains("status=500"), "{log}");
    assert!(log.contains("elapsed_ms="), "{log}");
    assert!(!log.contains("page=1"), "query strings are not logged");
    drop(sb);
    server_rt.shutdown_timeout(Duration::from_secs(5));
}
