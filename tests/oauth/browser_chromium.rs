//! The desktop flow in a real browser: headless Chromium, driven over the W3C WebDriver protocol
//! (chromedriver), opens the sandbox's consent page (not auto-approving), a click on Accept or
//! Deny sends it to the connector's loopback listener. The accepted code is then exchanged at
//! the sandbox's token endpoint and the token used for a Books call, to prove it is real; and a
//! `Connection` with InitiateOAuth=GETANDREFRESH runs the whole flow for its
//! `SELECT * FROM Organizations` with Chromium as its browser.
//!
//! Skips with a printed reason when /usr/bin/chromium or /usr/bin/chromedriver is missing,
//! unless `CI` is set: then their absence is a failure. Screenshots go to
//! `target/browser-screenshots/`.
#![cfg(all(unix, feature = "sandbox"))]

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use zohobooks_sandbox::{Sandbox, SandboxHandle};
use zohobooks_sql::connection::ConnectOptions;
use zohobooks_sql::oauth::desktop::{BrowserLauncher, DesktopLogin};
use zohobooks_sql::oauth::{CallbackParams, InteractiveLogin, LoginRequest};
use zohobooks_sql::{Config, Connection, Error};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const STATE: &str = "browser-test-state-7d3e";
const SCOPE: &str = "ZohoBooks.fullaccess.all";

/// One browser at a time: the machine is small and each test starts its own Chromium.
static ONE_BROWSER: Mutex<()> = Mutex::new(());

/// Whether the browser tests can run; panics under CI when they cannot.
fn browser_available() -> bool {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    assert!(
        !ci,
        "CI is set but {} missing: install Debian's chromium and chromium-driver",
        missing.join(" and ")
    );
    eprintln!(
        "SKIP: {} not installed (apt-get install chromium chromium-driver); set CI=true to make this a failure",
        missing.join(" and ")
    );
    false
}

fn screenshot_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("target"));
    let dir = target.join("browser-screenshots");
    std::fs::create_dir_all(&dir).expect("create screenshot dir");
    dir
}

/// chromedriver, started on a free 127.0.0.1 port and killed on drop.
struct ChromeDriver {
    child: Child,
    base: String,
}

impl ChromeDriver {
    async fn start() -> ChromeDriver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--log-level=WARNING")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start chromedriver");
        let driver = ChromeDriver {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = common::http_client(false);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = match client.get(format!("{}/status", driver.base)).send().await {
                Ok(r) => r
                    .json::<Value>()
                    .await
                    .is_ok_and(|v| v["value"]["ready"] == json!(true)),
                Err(_) => false,
            };
            if ready {
                break driver;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver not ready within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A WebDriver session with headless Chromium, spoken to directly over HTTP.
struct Session {
    client: reqwest::Client,
    url: String,
    _profile: tempfile::TempDir,
}

impl Session {
    async fn start(driver: &ChromeDriver) -> Session {
        let profile = tempfile::tempdir().expect("profile dir");
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": CHROMIUM,
                    "args": [
                        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--disable-quic", "--disable-dev-shm-usage",
                        "--window-size=900,640",
                        format!("--user-data-dir={}", profile.path().display()),
                    ]
                }
            }}
        });
        let resp: Value = client
            .post(format!("{}/session", driver.base))
            .json(&caps)
            .send()
            .await
            .expect("POST /session")
            .json()
            .await
            .expect("session JSON");
        let id = resp["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {resp}"))
            .to_owned();
        Session {
            client,
            url: format!("{}/session/{id}", driver.base),
            _profile: profile,
        }
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .client
            .request(method.clone(), format!("{}{path}", self.url));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp: Value = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
            .json()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: bad JSON: {e}"));
        if let Some(err) = resp["value"]["error"].as_str() {
            panic!(
                "{method} {path}: WebDriver error {err}: {}",
                resp["value"]["message"]
            );
        }
        resp["value"].clone()
    }

    async fn navigate(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    async fn click(&self, css: &str) {
        let found = self
            .command(
                reqwest::Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        let id = found["element-6066-11e4-a52e-4f735466cecf"]
            .as_str()
            .unwrap_or_else(|| panic!("no element for {css}: {found}"))
            .to_owned();
        self.command(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn current_url(&self) -> String {
        self.command(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn source(&self) -> String {
        self.command(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Polls the page source until it contains `needle`.
    async fn wait_for_text(&self, needle: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let source = self.source().await;
            if source.contains(needle) {
                return source;
            }
            assert!(
                Instant::now() < deadline,
                "page never showed {needle:?}; last source: {source}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn screenshot(&self, name: &str) -> PathBuf {
        let data = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .expect("base64 PNG");
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let path = screenshot_dir().join(name);
        std::fs::write(&path, png).expect("write screenshot");
        eprintln!("screenshot: {}", path.display());
        path
    }

    async fn close(self) {
        let _ = self.client.delete(&self.url).send().await;
    }
}

/// What a person does in the browser: open `url`, look at the consent page, click `button`
/// (`accept` or `deny`), and wait for the connector's result page. Returns the final URL and
/// page source. Screenshots `<shot_prefix>-consent.png` and `<shot_prefix>-result.png`.
async fn act_as_person(
    session: &Session,
    url: &str,
    button: &str,
    shot_prefix: &str,
) -> (String, String) {
    session.navigate(url).await;
    let consent = session
        .wait_for_text("id=\"accept\"", Duration::from_secs(30))
        .await;
    assert!(consent.contains("id=\"deny\""), "{consent}");
    session
        .screenshot(&format!("{shot_prefix}-consent.png"))
        .await;
    session.click(&format!("#{button}")).await;
    let expected = if button == "accept" {
        "Authorization complete"
    } else {
        "Authorization failed"
    };
    let source = session
        .wait_for_text(expected, Duration::from_secs(30))
        .await;
    session
        .screenshot(&format!("{shot_prefix}-result.png"))
        .await;
    (session.current_url().await, source)
}

/// What one consent run produced.
struct ConsentRun {
    outcome: zohobooks_sql::Result<CallbackParams>,
    callback: String,
    final_url: String,
    final_source: String,
}

/// Runs the desktop flow with Chromium as the browser; on the consent page, clicks `button`.
async fn run_consent(sandbox: &SandboxHandle, button: &str, shot_prefix: &str) -> ConsentRun {
    let driver = ChromeDriver::start().await;
    let session = Session::start(&driver).await;
    let port = common::free_localhost_port().await;
    // `localhost`: Chromium may resolve it to ::1 or 127.0.0.1; the listener serves both.
    let callback = format!("http://localhost:{port}");
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &sandbox.client_id())
        .append_pair("scope", SCOPE)
        .append_pair("redirect_uri", &callback)
        .append_pair("state", STATE)
        .append_pair("access_type", "offline")
        .append_pair("prompt", "consent")
        .finish();
    let authorization_url = format!("{}/oauth/v2/auth?{query}", sandbox.base_url());

    // The launcher hands the URL to the WebDriver session (the "browser").
    let (url_tx, mut url_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let login = DesktopLogin::new(BrowserLauncher::custom(move |url| {
        url_tx
            .send(url.to_owned())
            .map_err(|_| "the browser driver is gone".to_owned())
    }))
    .cancel_on_ctrl_c(false);
    let request = LoginRequest {
        authorization_url: authorization_url.clone(),
        callback_url: callback.clone(),
        state: STATE.to_owned(),
        open_browser: true,
        timeout: Duration::from_secs(90),
    };

    let person = async {
        let url = url_rx.recv().await.expect("the flow opened the browser");
        assert_eq!(url, authorization_url);
        act_as_person(&session, &url, button, shot_prefix).await
    };
    let (outcome, (final_url, final_source)) =
        tokio::time::timeout(Duration::from_secs(120), async {
            tokio::join!(login.login(request), person)
        })
        .await
        .expect("browser flow within 120 s");
    session.close().await;
    drop(driver);
    common::assert_port_released(&callback, port).await;
    ConsentRun {
        outcome,
        callback,
        final_url,
        final_source,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn chromium_accept_on_the_consent_page_yields_a_working_code() {
    if !browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().unwrap_or_else(|p| p.into_inner());
    runtime().block_on(async {
        let sandbox = Sandbox::builder()
            .auto_approve(false)
            .start()
            .await
            .expect("sandbox");
        let run = run_consent(&sandbox, "accept", "accept").await;
        let params = run.outcome.expect("the flow returns the code");
        assert_eq!(params.state.as_deref(), Some(STATE));
        assert_eq!(
            params.accounts_server.as_deref(),
            Some(sandbox.base_url().as_str()),
            "accounts-server decoded from the sandbox's percent-encoded callback"
        );
        assert!(params.location.is_some());
        assert!(
            run.final_url.starts_with(&run.callback),
            "{}",
            run.final_url
        );
        assert!(run.final_source.contains("You may close this window"));
        assert_eq!(sandbox.count("auth"), 1, "{:?}", sandbox.counters());

        // The code is real: exchange it at the sandbox's token endpoint, then call Books.
        let client = common::http_client(false);
        let token: Value = client
            .post(format!("{}/oauth/v2/token", sandbox.base_url()))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", params.code.expose_secret()),
                ("client_id", &sandbox.client_id()),
                ("client_secret", &sandbox.client_secret()),
                ("redirect_uri", &run.callback),
            ])
            .send()
            .await
            .expect("token request")
            .json()
            .await
            .expect("token JSON");
        let access = token["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access token: error {}", token["error"]));
        assert!(
            token["refresh_token"].is_string(),
            "offline + consent gives a refresh token"
        );
        let api_domain = token["api_domain"].as_str().expect("api_domain");
        let orgs = client
            .get(format!("{api_domain}/books/v3/organizations"))
            .header("Authorization", format!("Zoho-oauthtoken {access}"))
            .send()
            .await
            .expect("organizations");
        assert_eq!(orgs.status().as_u16(), 200);
        let orgs: Value = orgs.json().await.expect("organizations JSON");
        assert_eq!(orgs["code"], json!(0), "{orgs}");
        assert!(
            orgs["organizations"]
                .as_array()
                .is_some_and(|a| !a.is_empty()),
            "{orgs}"
        );
        assert_eq!(sandbox.count("token:authorization_code"), 1);
    });
}

#[test]
fn chromium_deny_on_the_consent_page_is_access_denied() {
    if !browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().unwrap_or_else(|p| p.into_inner());
    runtime().block_on(async {
        let sandbox = Sandbox::builder()
            .auto_approve(false)
            .start()
            .await
            .expect("sandbox");
        let run = run_consent(&sandbox, "deny", "deny").await;
        match run.outcome {
            Err(Error::AccessDenied { .. }) => {}
            other => panic!("expected AccessDenied, got {other:?}"),
        }
        assert!(
            run.final_source.contains("The user denied access"),
            "{}",
            run.final_source
        );
        assert_eq!(
            sandbox.count("token:authorization_code"),
            0,
            "no token request"
        );
    });
}

/// The whole desktop flow as a user meets it: a `Connection` with InitiateOAuth=GETANDREFRESH
/// and no token runs `SELECT * FROM Organizations`; its DesktopLogin hands the authorization URL
/// to Chromium; a click on Accept on the sandbox's consent page sends Chromium to the
/// connection's listener; the statement then returns the organizations. The next statement uses
/// the saved token (no second login).
#[test]
fn chromium_accept_then_the_connections_statement_succeeds() {
    if !browser_available() {
        return;
    }
    let _one = ONE_BROWSER.lock().unwrap_or_else(|p| p.into_inner());
    runtime().block_on(async {
        let sandbox = Sandbox::builder()
            .auto_approve(false)
            .start()
            .await
            .expect("sandbox");
        let driver = ChromeDriver::start().await;
        let session = Session::start(&driver).await;
        let port = common::free_localhost_port().await;
        let callback = format!("http://localhost:{port}");
        let config = Config::parse(&format!(
            "AccountsServer={};OAuthClientId={};OAuthClientSecret={};InitiateOAuth=GETANDREFRESH;\
             OAuthSettingsLocation=memory://chromium-accept;CallbackURL={callback};OAuthBrowserTimeout=90",
            sandbox.base_url(),
            sandbox.client_id(),
            sandbox.client_secret()
        ))
        .expect("connection string");
        let (url_tx, mut url_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let login = DesktopLogin::new(BrowserLauncher::custom(move |url| {
            url_tx
                .send(url.to_owned())
                .map_err(|_| "the browser driver is gone".to_owned())
        }))
        .cancel_on_ctrl_c(false);
        let conn = Connection::open_with_options(
            config,
            ConnectOptions::new().interactive_login(Arc::new(login)),
        )
        .await
        .expect("open");

        let person = async {
            let url = url_rx.recv().await.expect("the connection opened the browser");
            assert!(url.starts_with(&sandbox.base_url()), "{url}");
            act_as_person(&session, &url, "accept", "connection-accept").await
        };
        let (result, (final_url, final_source)) =
            tokio::time::timeout(Duration::from_secs(120), async {
                tokio::join!(conn.execute("SELECT * FROM Organizations"), person)
            })
            .await
            .expect("browser flow within 120 s");
        session.close().await;
        drop(driver);
        let rs = result.expect("SELECT * FROM Organizations after Accept");
        let names: Vec<Option<String>> = (0..rs.num_rows()).map(|r| rs.value(r, "Name")).collect();
        assert_eq!(
            names,
            [
                Some("Zillum Sandbox Inc.".to_owned()),
                Some("Kestrel Traders GmbH".to_owned()),
                Some("Empty Ledger Pvt Ltd".to_owned())
            ]
        );
        assert!(final_url.starts_with(&callback), "{final_url}");
        assert!(final_source.contains("You may close this window"));
        assert_eq!(sandbox.count("auth"), 1, "{:?}", sandbox.counters());
        assert_eq!(sandbox.count("auth:consent"), 1);
        assert_eq!(sandbox.count("token:authorization_code"), 1);
        common::assert_port_released(&callback, port).await;

        // The token is kept: the next statement needs no browser.
        let again = tokio::time::timeout(
            Duration::from_secs(30),
            conn.execute("SELECT OrganizationId FROM Organizations WHERE IsDefaultOrg = 'true'"),
        )
        .await
        .expect("second statement within 30 s")
        .expect("second statement");
        assert_eq!(again.value(0, "OrganizationId").as_deref(), Some("10234695"));
        assert_eq!(sandbox.count("auth"), 1, "no second login");
        assert_eq!(sandbox.count("token:authorization_code"), 1);
    });
}
