//! The OAuth engine seen through statements: many concurrent statements share one refresh, and a
//! browser callback naming a foreign accounts server gets nothing.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use zohobooks_sandbox::{Sandbox, SandboxHandle};
use zohobooks_sql::connection::ConnectOptions;
use zohobooks_sql::oauth::callback::parse_verifier;
use zohobooks_sql::oauth::{CallbackParams, InteractiveLogin, LoginRequest, ManualClock};
use zohobooks_sql::{Config, Connection, Error};

const LIMIT: Duration = Duration::from_secs(30);
const NOW_MS: i64 = 1_800_000_000_000;

async fn bounded<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("finished in time")
}

fn base(sb: &SandboxHandle, extra: &str) -> Config {
    format!(
        "AccountsServer={};OAuthClientId={};OAuthClientSecret='{}';CallbackURL=http://127.0.0.1:1/cb;{extra}",
        sb.base_url(),
        sb.client_id(),
        sb.client_secret()
    )
    .parse()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_statements_with_an_expired_token_send_one_refresh() {
    let sb = Sandbox::builder().start().await.unwrap();
    let (access, refresh) = sb.mint_tokens("ZohoBooks.fullaccess.all");
    // The token was issued two hours ago by the connection's clock: expired.
    let issued = NOW_MS - 2 * 3600 * 1000;
    let clock = Arc::new(ManualClock::new(NOW_MS));
    let extra = format!(
        "InitiateOAuth=REFRESH;OAuthSettingsLocation=memory://stmt-flight;OAuthAccessToken={access};\
         OAuthRefreshToken={refresh};OAuthExpiresIn=3600;OAuthTokenTimestamp={issued}"
    );
    let mut connections = Vec::new();
    for _ in 0..10 {
        let options = ConnectOptions::new().clock(clock.clone());
        connections.push(
            Connection::open_with_options(base(&sb, &extra), options)
                .await
                .unwrap(),
        );
    }
    let mut tasks = Vec::new();
    for i in 0..100 {
        let conn = connections[i % 10].clone();
        tasks.push(tokio::spawn(async move {
            conn.execute("SELECT OrganizationId FROM Organizations WHERE IsDefaultOrg = TRUE")
                .await
        }));
    }
    for task in tasks {
        let rs = bounded(task)
            .await
            .unwrap()
            .expect("the statement succeeds");
        assert_eq!(rs.value(0, "OrganizationId").as_deref(), Some("10234695"));
    }
    assert_eq!(
        sb.count("token:refresh_token"),
        1,
        "one refresh for 100 statements"
    );
    assert_eq!(sb.count("books:organizations"), 100);
}

/// A plain TCP listener that counts connections: the attacker's server.
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

/// A browser that consents for real but whose callback was tampered with: `accounts-server`
/// names the attacker.
struct TamperedCallback {
    attacker: String,
}

impl InteractiveLogin for TamperedCallback {
    fn login<'a>(
        &'a self,
        request: LoginRequest,
    ) -> Pin<Box<dyn Future<Output = zohobooks_sql::Result<CallbackParams>> + Send + 'a>> {
        Box::pin(async move {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let browser = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap();
            let landed = browser
                .get(&request.authorization_url)
                .send()
                .await
                .unwrap();
            let location = landed.headers()["location"].to_str().unwrap().to_owned();
            let mut params = parse_verifier(&location)?;
            params.accounts_server = Some(self.attacker.clone());
            Ok(params)
        })
    }
}

#[tokio::test]
async fn a_desktop_callback_naming_a_foreign_accounts_server_gets_nothing() {
    let sb = Sandbox::builder().auto_approve(true).start().await.unwrap();
    let (attacker, hits) = counting_listener().await;
    let config = base(
        &sb,
        "InitiateOAuth=GETANDREFRESH;OAuthSettingsLocation=memory://tampered",
    );
    let options = ConnectOptions::new().interactive_login(Arc::new(TamperedCallback { attacker }));
    let conn = Connection::open_with_options(config, options)
        .await
        .unwrap();
    let err = bounded(conn.execute("SELECT Name FROM Organizations"))
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
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing (no code, no client secret) reached the attacker"
    );
    assert_eq!(sb.count("auth"), 1, "the user did consent");
    assert_eq!(
        sb.count("token:authorization_code"),
        0,
        "and the code was exchanged nowhere"
    );
}
