//! Cross-process behaviour of the token store, with real processes: this test binary re-runs
//! itself as a child (selected by the `ZB_TEST_CHILD` environment variable).
//! - a writer killed with SIGKILL at 200 random points never leaves a torn or unparsable file;
//! - 8 processes sharing one settings file with an expired token send exactly one refresh;
//! - 4 processes with InitiateOAuth=GETANDREFRESH and an empty settings file run one login.
#![cfg(unix)]

use std::future::Future;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use zohobooks_sandbox::Sandbox;
use zohobooks_sql::config::SettingsLocation;
use zohobooks_sql::oauth::callback::parse_verifier;
use zohobooks_sql::oauth::store::{StoreIdentity, TokenRecord, TokenStore};
use zohobooks_sql::oauth::{
    CallbackParams, ExchangeRequest, InteractiveLogin, LoginRequest, ManualClock, TokenManager,
    TokenManagerOptions,
};
use zohobooks_sql::secret::{AccessToken, RefreshToken, SecretString};

const CALLBACK: &str = "http://127.0.0.1:33333/callback";

fn identity() -> StoreIdentity {
    StoreIdentity {
        client_id: "1000.CLIENT".into(),
        accounts_server: "https://accounts.zoho.com".into(),
        scope: "ZohoBooks.fullaccess.all".into(),
    }
}

fn record(n: u64) -> TokenRecord {
    TokenRecord {
        identity: identity(),
        // Varying lengths, so a torn write would show as truncated JSON.
        access_token: Some(AccessToken::new(format!(
            "1000.{n}.{}",
            "a".repeat((n % 997) as usize)
        ))),
        refresh_token: Some(RefreshToken::new("1000.refresh.token")),
        expires_in: Some(3600),
        token_timestamp_ms: Some(n as i64),
        accounts_server: "https://accounts.zoho.com".into(),
        api_domain: Some("https://www.zohoapis.com".into()),
        refresh_token_unusable: false,
    }
}

/// The child side. Does nothing unless started by one of the parent tests.
#[test]
fn child_entry() {
    let Ok(mode) = std::env::var("ZB_TEST_CHILD") else {
        return;
    };
    let path = std::env::var("ZB_TEST_PATH").unwrap();
    match mode.as_str() {
        "writer" => {
            let store = TokenStore::new(SettingsLocation::File(path.into()));
            // Distinct per process, so every round leaves a recognisable record.
            let mut n = u64::from(std::process::id()) * 1_000_000;
            loop {
                n += 1;
                store.save(&record(n)).unwrap();
            }
        }
        "refresher" => {
            let conn = std::env::var("ZB_TEST_CONN").unwrap();
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let config = format!("{conn};InitiateOAuth=REFRESH;OAuthSettingsLocation={path}")
                .parse()
                .unwrap();
            let m = TokenManager::new(
                &config,
                TokenManagerOptions {
                    lock_wait: Some(Duration::from_secs(30)),
                    ..Default::default()
                },
            );
            let creds = rt
                .block_on(async {
                    tokio::time::timeout(Duration::from_secs(30), m.access_token()).await
                })
                .expect("in time")
                .expect("a token");
            println!("\nTOKEN={}", creds.access_token.expose_secret());
        }
        "login" => {
            // GETANDREFRESH on an empty store: the browser stand-in follows the authorization
            // URL (the sandbox auto-approves) and hands the callback back.
            let conn = std::env::var("ZB_TEST_CONN").unwrap();
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let config = format!("{conn};InitiateOAuth=GETANDREFRESH;OAuthSettingsLocation={path}")
                .parse()
                .unwrap();
            let m = TokenManager::new(
                &config,
                TokenManagerOptions {
                    interactive: Some(Arc::new(FollowingBrowser)),
                    lock_wait: Some(Duration::from_secs(30)),
                    ..Default::default()
                },
            );
            let creds = rt
                .block_on(async {
                    tokio::time::timeout(Duration::from_secs(30), m.access_token()).await
                })
                .expect("in time")
                .expect("a token");
            println!("\nTOKEN={}", creds.access_token.expose_secret());
        }
        other => panic!("unknown child mode {other}"),
    }
}

/// A browser stand-in for the child processes.
struct FollowingBrowser;

impl InteractiveLogin for FollowingBrowser {
    fn login<'a>(
        &'a self,
        request: LoginRequest,
    ) -> Pin<Box<dyn Future<Output = zohobooks_sql::Result<CallbackParams>> + Send + 'a>> {
        Box::pin(async move {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let resp = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap()
                .get(&request.authorization_url)
                .send()
                .await
                .unwrap();
            parse_verifier(resp.headers()["location"].to_str().unwrap())
        })
    }
}

fn child(mode: &str, path: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "oauth_processes::child_entry",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("ZB_TEST_CHILD", mode)
    .env("ZB_TEST_PATH", path)
    .stdin(Stdio::null());
    cmd
}

#[test]
fn a_writer_killed_mid_write_never_leaves_a_torn_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    let store = TokenStore::new(SettingsLocation::File(path.clone()));
    let mut stamps = std::collections::HashSet::new();
    // Issue 7 asks for at least 200 kills at random moments; the moments come from a small LCG so
    // a failure can be replayed.
    let mut lcg: u64 = 0x2545_F491_4F6C_DD1D;
    for _round in 0..200u64 {
        lcg = lcg
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let pause_ms = (lcg >> 33) % 40;
        let mut writer = child("writer", &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until it has written at least once (bounded), then a little more, then SIGKILL.
        let started = std::time::Instant::now();
        while !path.exists() && started.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(pause_ms));
        writer.kill().unwrap();
        writer.wait().unwrap();
        let loaded = store
            .load(&identity())
            .expect("the file parses after a kill")
            .expect("a record");
        let n = loaded.token_timestamp_ms.unwrap() as u64;
        assert_eq!(loaded, record(n), "a complete record from one write");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        stamps.insert(n);
    }
    assert!(
        stamps.len() > 1,
        "the writers really were rewriting the file"
    );
    // The next save removes temp files the killed writers may have left (they hold tokens).
    store.save(&record(1)).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_sharing_a_file_send_one_refresh() {
    let sb = Sandbox::builder().auto_approve(true).start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.json");
    let conn = format!(
        "AccountsServer={};OAuthClientId={};OAuthClientSecret={};CallbackURL={CALLBACK};Timeout=10",
        sb.base_url(),
        sb.client_id(),
        sb.client_secret()
    );
    // Log in "two hours ago", so the saved token is expired for the children's real clocks.
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let clock = Arc::new(ManualClock::new(now_ms - 7_200_000));
    let m = TokenManager::new(
        &format!(
            "{conn};InitiateOAuth=REFRESH;OAuthSettingsLocation={}",
            path.display()
        )
        .parse()
        .unwrap(),
        TokenManagerOptions {
            clock,
            ..Default::default()
        },
    );
    let auth = m.authorization_url(None, None, None).unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
        .get(&auth.url)
        .send()
        .await
        .unwrap();
    let callback = resp.headers()["location"].to_str().unwrap().to_owned();
    let first = tokio::time::timeout(
        Duration::from_secs(20),
        m.exchange_code(ExchangeRequest {
            verifier: Some(&SecretString::new(callback)),
            ..Default::default()
        }),
    )
    .await
    .unwrap()
    .unwrap();

    let mut children = Vec::new();
    for _ in 0..8 {
        let mut cmd = child("refresher", &path);
        cmd.env("ZB_TEST_CONN", &conn)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        children.push(cmd.spawn().unwrap());
    }
    let tokens = collect_tokens(children).await;
    assert_eq!(sb.count("token:refresh_token"), 1, "exactly one refresh");
    assert_eq!(tokens.len(), 1, "all 8 use the same refreshed token");
    assert!(!tokens.contains(first.access_token.expose_secret()));
}

/// Waits (bounded) for every child and returns the distinct tokens they printed.
async fn collect_tokens(children: Vec<std::process::Child>) -> std::collections::HashSet<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut tokens = std::collections::HashSet::new();
    for mut c in children {
        let status = loop {
            if let Some(status) = c.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = c.kill();
                panic!("a child did not finish within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let mut stdout = String::new();
        let mut stderr = String::new();
        c.stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout)
            .unwrap();
        c.stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert!(status.success(), "child failed: {stderr}");
        let token = stdout
            .lines()
            .find_map(|l| l.strip_prefix("TOKEN="))
            .expect("child printed its token")
            .to_owned();
        tokens.insert(token);
    }
    tokens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_with_getandrefresh_run_one_login() {
    let sb = Sandbox::builder().auto_approve(true).start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("login.json");
    let conn = format!(
        "AccountsServer={};OAuthClientId={};OAuthClientSecret={};CallbackURL={CALLBACK};Timeout=10",
        sb.base_url(),
        sb.client_id(),
        sb.client_secret()
    );
    let mut children = Vec::new();
    for _ in 0..4 {
        let mut cmd = child("login", &path);
        cmd.env("ZB_TEST_CONN", &conn)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        children.push(cmd.spawn().unwrap());
    }
    let tokens = collect_tokens(children).await;
    assert_eq!(sb.count("auth"), 1, "one browser login for 4 processes");
    assert_eq!(sb.count("token:authorization_code"), 1);
    assert_eq!(tokens.len(), 1);
}
