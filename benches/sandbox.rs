//! What the connector adds to real round trips, against the sandbox on 127.0.0.1.
//!
//! * `GetOAuthAccessToken (WEB)`: `EXEC GetOAuthAccessToken @AuthMode='WEB', @Verifier='<code>'`
//!   through one reused `Connection` (InitiateOAuth=OFF, so nothing is saved) vs a bare reqwest
//!   POST of the same form to the same token endpoint, with the same client settings (rustls,
//!   no redirects, the same timeout). Codes are single-use: each iteration gets a fresh code,
//!   minted outside the timed part (GET the authorization URL with auto-approve, read `code`
//!   from the `Location` header), for both sides alike. Target: ratio <= 1.3.
//! * `refresh stampede`: 1,000 concurrent `SELECT * FROM Organizations` over 50 connections
//!   sharing one memory:// settings location, (a) with a fresh token and (b) right after the
//!   token expired. Each timed iteration of (b) asserts that the sandbox saw exactly one
//!   refresh grant.
//!
//! Run: `cargo bench --bench sandbox` (add `-- --quick` for a short run).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, SamplingMode, criterion_group, criterion_main};
use tokio::runtime::Runtime;
use zohobooks_sandbox::{Sandbox, SandboxHandle};
use zohobooks_sql::connection::ConnectOptions;
use zohobooks_sql::oauth::ManualClock;
use zohobooks_sql::{Config, Connection};

const CALLBACK: &str = "http://127.0.0.1:33333/callback";
const TIMEOUT: Duration = Duration::from_secs(10);
const STATEMENTS: usize = 1000;
const CONNECTIONS: usize = 50;
/// The client clock's start (Unix ms); any fixed instant works.
const T0: i64 = 1_800_000_000_000;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// The client settings the connector's transport uses (see `oauth::http`): rustls with ring,
/// no redirects, the Timeout property.
fn bare_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(TIMEOUT)
        .build()
        .expect("a reqwest client")
}

/// Follows the (auto-approved) authorization URL and returns the fresh code from `Location`.
async fn mint_code(http: &reqwest::Client, auth_url: &str) -> String {
    let resp = http.get(auth_url).send().await.expect("auth request");
    assert_eq!(resp.status(), 302, "auto-approve redirects to the callback");
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location header")
        .to_owned();
    url::Url::parse(&location)
        .expect("a callback URL")
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code in the callback")
}

fn token_exchange(c: &mut Criterion) {
    let rt = runtime();
    let sb: SandboxHandle = rt.block_on(async {
        Sandbox::builder()
            .auto_approve(true)
            .start()
            .await
            .expect("the sandbox starts")
    });
    let conn_str = format!(
        "AccountsServer={};OAuthClientId={};OAuthClientSecret={};CallbackURL={CALLBACK};InitiateOAuth=OFF;Timeout={}",
        sb.base_url(),
        sb.client_id(),
        sb.client_secret(),
        TIMEOUT.as_secs()
    );
    let conn = rt
        .block_on(Connection::open(&conn_str))
        .expect("the connection opens");
    let auth_url = rt
        .block_on(conn.execute("EXEC GetOAuthAuthorizationURL"))
        .expect("an authorization URL")
        .value(0, "URL")
        .expect("a URL column");
    let setup_http = bare_client();
    let bare = bare_client();
    let token_url = format!("{}/oauth/v2/token", sb.base_url());
    let (client_id, client_secret) = (sb.client_id(), sb.client_secret());

    let exec =
        |code: String| format!("EXEC GetOAuthAccessToken @AuthMode='WEB', @Verifier='{code}'");
    let bare_post = |code: String| {
        let request = bare
            .post(&token_url)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::ACCEPT_LANGUAGE, "en")
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("client_id", client_id.as_str()),
                ("redirect_uri", CALLBACK),
                ("client_secret", client_secret.as_str()),
            ]);
        async move {
            let resp = request.send().await.expect("the token request");
            let status = resp.status();
            let body = resp.bytes().await.expect("the token response");
            (status, body)
        }
    };

    // Both sides really exchange a code before anything is timed.
    let before = sb.count("token:authorization_code");
    let rs = rt
        .block_on(conn.execute(&exec(rt.block_on(mint_code(&setup_http, &auth_url)))))
        .expect("the connector exchanges a code");
    assert!(
        rs.value(0, "OAuthAccessToken")
            .is_some_and(|t| t.starts_with("1000."))
    );
    let (status, body) = rt.block_on(bare_post(rt.block_on(mint_code(&setup_http, &auth_url))));
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("\"access_token\""));
    assert_eq!(sb.count("token:authorization_code"), before + 2);

    let mut group = c.benchmark_group("GetOAuthAccessToken (WEB) over loopback");
    group.bench_function("bare reqwest POST", |b| {
        b.iter_batched(
            || rt.block_on(mint_code(&setup_http, &auth_url)),
            |code| {
                let (status, body) = rt.block_on(bare_post(code));
                assert_eq!(status, 200);
                black_box(body)
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("Connection::execute", |b| {
        b.iter_batched(
            || exec(rt.block_on(mint_code(&setup_http, &auth_url))),
            |sql| {
                black_box(
                    rt.block_on(conn.execute(&sql))
                        .expect("the exchange succeeds"),
                )
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
    // Nothing was saved or adopted: InitiateOAuth=OFF.
    assert!(conn.token_manager().current_tokens().is_none());
}

/// 50 connections on one memory:// location, warmed up with one statement each.
struct Stampede {
    sb: SandboxHandle,
    clock: Arc<ManualClock>,
    connections: Vec<Connection>,
}

impl Stampede {
    async fn start() -> Stampede {
        let sb = Sandbox::builder()
            .manual_clock()
            .start()
            .await
            .expect("the sandbox starts");
        let (access, refresh) = sb.mint_tokens("ZohoBooks.fullaccess.all");
        let clock = Arc::new(ManualClock::new(T0));
        let conn_str = format!(
            "AccountsServer={};OAuthClientId={};OAuthClientSecret={};InitiateOAuth=REFRESH;\
             OAuthSettingsLocation=memory://bench-stampede-{};OAuthAccessToken={access};\
             OAuthRefreshToken={refresh};OAuthExpiresIn=3600;OAuthTokenTimestamp={T0};Timeout={}",
            sb.base_url(),
            sb.client_id(),
            sb.client_secret(),
            std::process::id(),
            TIMEOUT.as_secs()
        );
        let config: Config = conn_str.parse().expect("a valid connection string");
        let mut connections = Vec::with_capacity(CONNECTIONS);
        for _ in 0..CONNECTIONS {
            let options = ConnectOptions::new().clock(clock.clone());
            let conn = Connection::open_with_options(config.clone(), options)
                .await
                .expect("the connection opens");
            conn.execute("SELECT * FROM Organizations")
                .await
                .expect("warm-up statement");
            connections.push(conn);
        }
        assert_eq!(
            sb.count("token:refresh_token"),
            0,
            "the first token is fresh"
        );
        Stampede {
            sb,
            clock,
            connections,
        }
    }

    /// Runs 1,000 statements at once, spread round-robin over the connections; returns the
    /// wall time until the last one finished.
    async fn run(&self) -> Duration {
        let started = Instant::now();
        let tasks: Vec<_> = (0..STATEMENTS)
            .map(|i| {
                let conn = self.connections[i % CONNECTIONS].clone();
                tokio::spawn(async move { conn.execute("SELECT * FROM Organizations").await })
            })
            .collect();
        for task in tasks {
            let rs = task
                .await
                .expect("the task finishes")
                .expect("the statement succeeds");
            assert_eq!(rs.num_rows(), 3);
        }
        started.elapsed()
    }

    /// Lets every token expire on both sides (client clock and sandbox clock).
    fn expire(&self) {
        let lifetime = Duration::from_secs(3601);
        self.clock.advance(lifetime);
        self.sb.advance_clock(lifetime);
    }
}

fn refresh_stampede(c: &mut Criterion) {
    let rt = runtime();
    let stampede = rt.block_on(Stampede::start());

    let mut group = c.benchmark_group("refresh stampede (1000 statements, 50 connections)");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("fresh token", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let before = stampede.sb.count("token:refresh_token");
                total += rt.block_on(stampede.run());
                assert_eq!(stampede.sb.count("token:refresh_token"), before);
            }
            total
        })
    });
    let mut rounds = 0u64;
    group.bench_function("token just expired", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                stampede.expire();
                let before = stampede.sb.count("token:refresh_token");
                total += rt.block_on(stampede.run());
                let grants = stampede.sb.count("token:refresh_token") - before;
                assert_eq!(grants, 1, "one refresh grant for 1000 statements");
                rounds += 1;
            }
            total
        })
    });
    group.finish();
    println!(
        "refresh stampede: {rounds} expiries, {} refresh grants in all, {} Books calls",
        stampede.sb.count("token:refresh_token"),
        stampede.sb.count("books:organizations")
    );
}

criterion_group!(benches, token_exchange, refresh_stampede);
criterion_main!(benches);
