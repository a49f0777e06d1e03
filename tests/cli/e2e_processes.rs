//! End to end with the real `zbsql` binary: every test starts a sandbox in this process (Rust
//! API) and runs `zbsql` processes against it (`AccountsServer=<sandbox>`), the way a user or a
//! script would. Every child has a deadline and is killed when it passes it.
//!
//! - 8 processes sharing one settings file with an expired token: exactly one refresh grant
//!   (both when the sandbox rejects the token and when the file says it has expired);
//! - 3 processes with GETANDREFRESH and no token: the `$BROWSER` stand-in runs once;
//! - OpenBrowser=false: the URL is read from the child's stderr and followed by the test;
//! - the web flow through SQL (GetOAuthAuthorizationURL -> GetOAuthAccessToken WEB -> SELECT);
//! - the headless flow (OAuthVerifier = a pasted callback URL, then REFRESH alone);
//! - Logfile + Verbosity=5 through all of them: no secret in the log, stdout or stderr;
//! - `zbsql --sandbox -c "SELECT * FROM Organizations"`.
#![cfg(all(unix, feature = "sandbox"))]

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use zohobooks_sandbox::{Sandbox, SandboxHandle};

const ZBSQL: &str = env!("CARGO_BIN_EXE_zbsql");
const CHILD_DEADLINE: Duration = Duration::from_secs(60);
const ORGS: [&str; 3] = [
    "Zillum Sandbox Inc.",
    "Kestrel Traders GmbH",
    "Empty Ledger Pvt Ltd",
];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A sandbox served by `rt`'s worker threads while the test thread runs processes.
fn sandbox(rt: &tokio::runtime::Runtime, auto_approve: bool) -> SandboxHandle {
    rt.block_on(Sandbox::builder().auto_approve(auto_approve).start())
        .expect("sandbox")
}

/// The connection string of a zbsql process pointed at the sandbox.
fn conn_str(sb: &SandboxHandle, extra: &str) -> String {
    format!(
        "AccountsServer={};OAuthClientId={};OAuthClientSecret={};OAuthBrowserTimeout=60;Timeout=20;{extra}",
        sb.base_url(),
        sb.client_id(),
        sb.client_secret()
    )
}

/// A finished zbsql process.
#[derive(Debug)]
struct Run {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Run {
    fn assert_ok(&self, what: &str) -> &Self {
        assert!(
            self.status.success(),
            "{what}: exit {:?}\nstdout: {}\nstderr: {}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    /// The result sets printed with `--format json` (one JSON array per line).
    fn json(&self) -> Vec<Vec<Value>> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| match serde_json::from_str::<Value>(l) {
                Ok(Value::Array(rows)) => rows,
                other => panic!("not a JSON array line: {l}: {other:?}"),
            })
            .collect()
    }
}

/// A running zbsql, killed when dropped.
struct Proc {
    child: Option<Child>,
    stdin: Option<std::process::ChildStdin>,
    stdout: Option<std::thread::JoinHandle<String>>,
    stderr_lines: mpsc::Receiver<String>,
    stderr_done: Option<std::thread::JoinHandle<()>>,
    stderr_seen: Vec<String>,
}

/// Starts `zbsql --format json <args>` with the connection string in `ZBSQL_CONNECTION` (so it is
/// neither on the command line nor in any output) and `envs`.
fn spawn(conn: &str, args: &[&str], envs: &[(&str, &str)]) -> Proc {
    spawn_with_stdin(conn, args, envs, Stdio::null())
}

/// Starts `zbsql --format json` that reads its script from stdin, which the test writes later
/// with [`Proc::send_script`]: a start barrier for processes that must run "at the same time".
fn spawn_reading_stdin(conn: &str, envs: &[(&str, &str)]) -> Proc {
    spawn_with_stdin(conn, &[], envs, Stdio::piped())
}

fn spawn_with_stdin(conn: &str, args: &[&str], envs: &[(&str, &str)], stdin: Stdio) -> Proc {
    let mut cmd = Command::new(ZBSQL);
    cmd.arg("--format")
        .arg("json")
        .args(args)
        .env("ZBSQL_CONNECTION", conn)
        // No display and no browser unless a test sets BROWSER; no proxy for loopback.
        .env_remove("BROWSER")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("all_proxy")
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn zbsql");
    let stdin = child.stdin.take();
    let mut out = child.stdout.take().expect("stdout");
    let stdout = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    let stderr_done = std::thread::spawn(move || {
        for line in BufReader::new(err).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Proc {
        child: Some(child),
        stdin,
        stdout: Some(stdout),
        stderr_lines: rx,
        stderr_done: Some(stderr_done),
        stderr_seen: Vec::new(),
    }
}

impl Proc {
    /// Writes the script to the child's stdin and closes it.
    fn send_script(&mut self, sql: &str) {
        use std::io::Write;
        let mut stdin = self.stdin.take().expect("spawned with a piped stdin");
        stdin.write_all(sql.as_bytes()).expect("write the script");
    }

    /// Waits for a stderr line starting with `prefix` and returns the rest of it.
    fn wait_for_stderr(&mut self, prefix: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr_lines.recv_timeout(left) {
                Ok(line) => {
                    self.stderr_seen.push(line.clone());
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return rest.to_owned();
                    }
                }
                Err(_) => panic!(
                    "no stderr line starting with {prefix:?} within {within:?}; saw {:?}",
                    self.stderr_seen
                ),
            }
        }
    }

    /// Waits for the exit (killing the child after `CHILD_DEADLINE`) and collects the output.
    fn finish(mut self) -> Run {
        let mut child = self.child.take().expect("child");
        let deadline = Instant::now() + CHILD_DEADLINE;
        let status = loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "zbsql did not finish within {CHILD_DEADLINE:?}; stderr so far: {:?}",
                    self.stderr_seen
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = self
            .stdout
            .take()
            .expect("stdout")
            .join()
            .expect("stdout reader");
        if let Some(done) = self.stderr_done.take() {
            let _ = done.join();
        }
        let mut lines = std::mem::take(&mut self.stderr_seen);
        lines.extend(self.stderr_lines.try_iter());
        Run {
            status,
            stdout,
            stderr: lines.join("\n"),
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs one zbsql to the end.
fn zbsql(conn: &str, args: &[&str], envs: &[(&str, &str)]) -> Run {
    spawn(conn, args, envs).finish()
}

/// Asserts that a JSON result set is the sandbox's three organizations.
fn assert_organizations(run: &Run, what: &str) {
    run.assert_ok(what);
    let sets = run.json();
    let rows = sets.last().unwrap_or_else(|| panic!("{what}: no output"));
    let names: Vec<&str> = rows.iter().filter_map(|r| r["Name"].as_str()).collect();
    assert_eq!(names, ORGS, "{what}: {}", run.stdout);
    assert_eq!(rows[0]["OrganizationId"], "10234695", "{what}");
}

/// What the test's own HTTP GET saw.
struct Fetched {
    status: u16,
    location: Option<String>,
    body: String,
}

/// GETs `url` from the test (no proxy; redirects followed only when asked), on a small runtime
/// of its own so it can run while zbsql processes wait on the sandbox.
fn get(url: &str, follow: bool) -> Fetched {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(20))
            .redirect(if follow {
                reqwest::redirect::Policy::limited(10)
            } else {
                reqwest::redirect::Policy::none()
            })
            .build()
            .expect("client");
        let resp = client.get(url).send().await.expect("GET");
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.text().await.unwrap_or_default();
        Fetched {
            status,
            location,
            body,
        }
    })
}

/// Fetches an authorization URL of the auto-approving sandbox without following the redirect;
/// returns the callback URL it redirects to.
fn approve(url: &str) -> String {
    let fetched = get(url, false);
    assert_eq!(
        fetched.status, 302,
        "auto-approve redirects: {}",
        fetched.body
    );
    fetched.location.expect("location")
}

fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A fresh authorization code (and the whole callback URL) for `callback`.
fn fresh_code(sb: &SandboxHandle, callback: &str, state: &str) -> (String, String) {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &sb.client_id())
        .append_pair("scope", "ZohoBooks.fullaccess.all")
        .append_pair("redirect_uri", callback)
        .append_pair("state", state)
        .append_pair("access_type", "offline")
        .append_pair("prompt", "consent")
        .finish();
    let location = approve(&format!("{}/oauth/v2/auth?{query}", sb.base_url()));
    let code = query_param(&location, "code").expect("code in the redirect");
    (code, location)
}

/// A port free on 127.0.0.1 right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn settings_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read settings")).expect("JSON")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

/// Writes the `$BROWSER` stand-in: it appends a line to `counter`, records the URL it ended at in
/// `landed`, and fetches the URL following redirects with curl when present, else python3, else
/// this test binary re-invoked (`fetch_helper_child`). `ZB_E2E_FETCHER=self` forces the last.
fn browser_stand_in(dir: &Path, counter: &Path, landed: &Path) -> PathBuf {
    let path = dir.join("browser.sh");
    let this_test = std::env::current_exe().expect("test executable");
    let script = format!(
        r#"#!/bin/sh
echo run >> '{counter}'
if [ "$ZB_E2E_FETCHER" != self ] && command -v curl >/dev/null 2>&1; then
  curl --noproxy '*' -s -L --max-time 30 -o /dev/null -w '%{{url_effective}}' "$1" > '{landed}'
elif [ "$ZB_E2E_FETCHER" != self ] && command -v python3 >/dev/null 2>&1; then
  python3 -c 'import sys, urllib.request
r = urllib.request.urlopen(sys.argv[1], timeout=30)
open(sys.argv[2], "w").write(r.geturl())' "$1" '{landed}'
else
  ZB_E2E_FETCH_URL="$1" ZB_E2E_FETCH_OUT='{landed}' '{exe}' --exact e2e_processes::fetch_helper_child --test-threads 1 -q >/dev/null 2>&1
fi
"#,
        counter = counter.display(),
        landed = landed.display(),
        exe = this_test.display()
    );
    std::fs::write(&path, script).expect("write stand-in");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// The stand-in's fetcher when neither curl nor python3 exists: this test binary, re-run with
/// `ZB_E2E_FETCH_URL` set, follows the redirects and writes the final URL to `ZB_E2E_FETCH_OUT`.
/// Does nothing in a normal test run.
#[test]
fn fetch_helper_child() {
    let (Ok(url), Ok(out)) = (
        std::env::var("ZB_E2E_FETCH_URL"),
        std::env::var("ZB_E2E_FETCH_OUT"),
    ) else {
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let landed = rt.block_on(async {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::limited(10))
            .build()
            .expect("client");
        client
            .get(&url)
            .send()
            .await
            .expect("GET")
            .url()
            .to_string()
    });
    std::fs::write(out, landed).expect("write the final URL");
}

fn lines_in(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

/// Seeds `settings` through the headless flow (OAuthVerifier) and returns the stored tokens.
fn seed_settings(sb: &SandboxHandle, settings: &Path) -> Value {
    let callback = "http://127.0.0.1:33333/seed";
    let (code, _) = fresh_code(sb, callback, "seed");
    let conn = conn_str(
        sb,
        &format!(
            "InitiateOAuth=REFRESH;OAuthSettingsLocation={};CallbackURL={callback};OAuthVerifier={code}",
            settings.display()
        ),
    );
    assert_organizations(
        &zbsql(&conn, &["-c", "SELECT * FROM Organizations"], &[]),
        "seed",
    );
    settings_json(settings)
}

/// Starts `n` zbsql processes, lets them open their connections, then hands all of them `sql`
/// at once (through stdin) and returns their runs.
fn run_together(n: usize, conn: &str, sql: &str, envs: &[(&str, &str)]) -> Vec<Run> {
    let mut procs: Vec<Proc> = (0..n).map(|_| spawn_reading_stdin(conn, envs)).collect();
    // Connection::open sends nothing; give the processes a moment to reach the stdin read.
    std::thread::sleep(Duration::from_millis(300));
    for proc in &mut procs {
        proc.send_script(sql);
    }
    procs.into_iter().map(Proc::finish).collect()
}

#[test]
fn eight_processes_with_a_token_the_sandbox_expired_send_one_refresh() {
    let rt = runtime();
    let sb = sandbox(&rt, true);
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = dir.path().join("s.json");
    let seeded = seed_settings(&sb, &settings);
    sb.expire_access_tokens();
    let before = sb.count("books:organizations");

    // The file still says the token is fresh: each process calls Books, gets 401 code 57, and
    // only the first one under the lock refreshes; the others find the new token in the file.
    let conn = conn_str(
        &sb,
        &format!(
            "InitiateOAuth=REFRESH;OAuthSettingsLocation={}",
            settings.display()
        ),
    );
    let runs = run_together(8, &conn, "SELECT * FROM Organizations", &[]);
    for (i, run) in runs.iter().enumerate() {
        assert_organizations(run, &format!("process {i}"));
    }
    assert_eq!(sb.count("token:refresh_token"), 1, "{:?}", sb.counters());
    assert_eq!(sb.count("token:authorization_code"), 1, "only the seed");
    let after = settings_json(&settings);
    assert_ne!(after["access_token"], seeded["access_token"]);
    assert_eq!(after["refresh_token"], seeded["refresh_token"]);
    assert_eq!(mode(&settings), 0o600);
    // 8 rejected calls + 8 retries at most; at least one successful call per process.
    assert!(sb.count("books:organizations") - before >= 8);
}

#[test]
fn eight_processes_with_a_stored_token_past_its_expiry_send_one_refresh() {
    let rt = runtime();
    let sb = sandbox(&rt, true);
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = dir.path().join("s.json");
    let mut seeded = seed_settings(&sb, &settings);
    // The file says the token was received two hours ago (an hour's lifetime): every process
    // sees it as expired before sending anything.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    seeded["token_timestamp"] = Value::from(now_ms - 2 * 3600 * 1000);
    std::fs::write(
        &settings,
        serde_json::to_string_pretty(&seeded).expect("JSON"),
    )
    .expect("rewrite settings");
    sb.expire_access_tokens();
    let books_before = sb.count("books:organizations");

    let conn = conn_str(
        &sb,
        &format!(
            "InitiateOAuth=REFRESH;OAuthSettingsLocation={}",
            settings.display()
        ),
    );
    let runs = run_together(8, &conn, "SELECT * FROM Organizations", &[]);
    for (i, run) in runs.iter().enumerate() {
        assert_organizations(run, &format!("process {i}"));
    }
    assert_eq!(sb.count("token:refresh_token"), 1, "{:?}", sb.counters());
    // Refreshed ahead: no Books call was rejected, so exactly one call per process.
    assert_eq!(sb.count("books:organizations") - books_before, 8);
    assert_eq!(mode(&settings), 0o600);
}

#[test]
fn three_processes_with_getandrefresh_run_the_browser_stand_in_once() {
    let rt = runtime();
    let sb = sandbox(&rt, true);
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = dir.path().join("s.json");
    let counter = dir.path().join("browser-runs.txt");
    let landed = dir.path().join("landed.txt");
    let browser = browser_stand_in(dir.path(), &counter, &landed);
    let port = free_port();
    let conn = conn_str(
        &sb,
        &format!(
            "InitiateOAuth=GETANDREFRESH;OAuthSettingsLocation={};CallbackURL=http://127.0.0.1:{port}",
            settings.display()
        ),
    );
    let browser_env = browser.display().to_string();
    let runs = run_together(
        3,
        &conn,
        "SELECT * FROM Organizations",
        &[("BROWSER", &browser_env)],
    );
    for (i, run) in runs.iter().enumerate() {
        assert_organizations(run, &format!("process {i}"));
    }
    assert_eq!(lines_in(&counter), 1, "the browser stand-in ran once");
    let landed = std::fs::read_to_string(&landed).expect("the stand-in reached the callback");
    assert!(
        landed.starts_with(&format!("http://127.0.0.1:{port}/?")),
        "{landed}"
    );
    let prints = runs
        .iter()
        .filter(|r| r.stderr.contains("Open this URL to authorize: "))
        .count();
    assert_eq!(prints, 1, "one process showed the URL");
    assert_eq!(sb.count("auth"), 1, "{:?}", sb.counters());
    assert_eq!(sb.count("token:authorization_code"), 1);
    assert_eq!(sb.count("token:refresh_token"), 0);
    assert_eq!(mode(&settings), 0o600);
    // The port is free again.
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("port released");
}

#[test]
fn open_browser_false_prints_the_url_which_the_test_follows() {
    let rt = runtime();
    let sb = sandbox(&rt, true);
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = dir.path().join("s.json");
    // A browser that must NOT run.
    let counter = dir.path().join("browser-runs.txt");
    let landed = dir.path().join("landed.txt");
    let browser = browser_stand_in(dir.path(), &counter, &landed);
    let port = free_port();
    let conn = conn_str(
        &sb,
        &format!(
            "InitiateOAuth=GETANDREFRESH;OpenBrowser=false;OAuthSettingsLocation={};CallbackURL=http://127.0.0.1:{port}",
            settings.display()
        ),
    );
    let browser_env = browser.display().to_string();
    let mut proc = spawn(
        &conn,
        &["-c", "SELECT * FROM Organizations"],
        &[("BROWSER", &browser_env)],
    );
    let url = proc.wait_for_stderr("Open this URL to authorize: ", Duration::from_secs(30));
    assert!(
        url.starts_with(&format!("{}/oauth/v2/auth?", sb.base_url())),
        "{url}"
    );
    assert!(query_param(&url, "state").is_some_and(|s| s.len() >= 16));
    assert_eq!(
        query_param(&url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    // The person: open the URL; auto-approve redirects into zbsql's listener.
    let page = get(&url, true);
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Authorization complete"),
        "{}",
        page.body
    );
    let run = proc.finish();
    assert_organizations(&run, "OpenBrowser=false");
    assert_eq!(lines_in(&counter), 0, "no browser with OpenBrowser=false");
    assert_eq!(sb.count("token:authorization_code"), 1);
    assert!(settings_json(&settings)["refresh_token"].is_string());
}

/// The web flow through SQL, once with the bare code and once with the pasted callback URL.
#[test]
fn web_flow_through_sql_in_three_processes() {
    let rt = runtime();
    let sb = sandbox(&rt, true);
    for (round, paste_url) in [(1, false), (2, true)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let settings = dir.path().join("s.json");
        let conn = conn_str(
            &sb,
            &format!(
                "InitiateOAuth=REFRESH;OAuthSettingsLocation={}",
                settings.display()
            ),
        );
        let callback = "http://localhost:33333/zoho/callback";
        let state = format!("round-{round}");
        // 1. the authorization URL.
        let run = zbsql(
            &conn,
            &[
                "-c",
                &format!(
                    "EXEC GetOAuthAuthorizationURL @AuthMode = 'WEB', @CallbackUrl = '{callback}', @State = '{state}'"
                ),
            ],
            &[],
        );
        run.assert_ok("GetOAuthAuthorizationURL");
        let url = run.json()[0][0]["URL"]
            .as_str()
            .expect("URL column")
            .to_owned();
        assert_eq!(query_param(&url, "redirect_uri").as_deref(), Some(callback));
        assert_eq!(query_param(&url, "state"), Some(state.clone()));
        assert!(!settings.exists(), "no network, no file yet");
        assert_eq!(sb.count("token:authorization_code"), round - 1);
        // 2. the user approves; the web app receives the redirect.
        let location = approve(&url);
        let code = query_param(&location, "code").expect("code");
        let verifier = if paste_url { location.clone() } else { code };
        let run = zbsql(
            &conn,
            &[
                "-c",
                &format!(
                    "EXEC GetOAuthAccessToken @AuthMode = 'WEB', @Verifier = '{verifier}', @CallbackUrl = '{callback}', @State = '{state}'"
                ),
            ],
            &[],
        );
        run.assert_ok("GetOAuthAccessToken");
        let row = run.json()[0][0].clone();
        let stored = settings_json(&settings);
        assert_eq!(row["OAuthAccessToken"], stored["access_token"]);
        assert_eq!(row["OAuthRefreshToken"], stored["refresh_token"]);
        assert_eq!(row["ExpiresIn"], "3600");
        assert_eq!(row["AccountsServer"], Value::from(sb.base_url()));
        assert_eq!(mode(&settings), 0o600);
        // 3. a later process uses the saved tokens.
        let books_before = sb.count("books:organizations");
        assert_organizations(
            &zbsql(&conn, &["-c", "SELECT * FROM Organizations"], &[]),
            "SELECT after the web flow",
        );
        assert_eq!(sb.count("books:organizations") - books_before, 1);
        assert_eq!(sb.count("token:authorization_code"), round);
        assert_eq!(sb.count("token:refresh_token"), 0);
    }
}

#[test]
fn headless_flow_with_a_pasted_callback_url_then_refresh_alone() {
    let rt = runtime();
    let sb = sandbox(&rt, true);
    let dir = tempfile::tempdir().expect("tempdir");
    // A directory the connector creates: 0700.
    let settings = dir.path().join("zbsql").join("OAuthSettings.json");
    let callback = "http://localhost:33333";
    let (_, pasted) = fresh_code(&sb, callback, "headless");
    let base = conn_str(
        &sb,
        &format!(
            "InitiateOAuth=REFRESH;OAuthSettingsLocation={};CallbackURL={callback}",
            settings.display()
        ),
    );
    // OAuthVerifier holds `;` nowhere, but quote it anyway as a user pasting a URL should.
    let with_verifier = format!("{base};OAuthVerifier='{pasted}'");
    assert_organizations(
        &zbsql(&with_verifier, &["-c", "SELECT * FROM Organizations"], &[]),
        "headless with OAuthVerifier",
    );
    assert_eq!(mode(&settings), 0o600);
    assert_eq!(mode(settings.parent().expect("dir")), 0o700);
    let first = settings_json(&settings);
    assert!(first["refresh_token"].is_string());
    assert_eq!(sb.count("token:authorization_code"), 1);

    // Without OAuthVerifier: the saved token.
    assert_organizations(
        &zbsql(&base, &["-c", "SELECT * FROM Organizations"], &[]),
        "REFRESH alone",
    );
    // After the access token dies: one refresh, and the file is rewritten (still 0600).
    sb.expire_access_tokens();
    assert_organizations(
        &zbsql(&base, &["-c", "SELECT * FROM Organizations"], &[]),
        "REFRESH after expiry",
    );
    assert_eq!(sb.count("token:refresh_token"), 1);
    assert_eq!(
        sb.count("token:authorization_code"),
        1,
        "the code is used once"
    );
    let second = settings_json(&settings);
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(mode(&settings), 0o600);

    // The same (now used) verifier again with an empty store is Zoho's invalid_code, with the hint.
    let other = dir.path().join("other.json");
    let reused = format!(
        "{};OAuthVerifier='{pasted}'",
        conn_str(
            &sb,
            &format!(
                "InitiateOAuth=REFRESH;OAuthSettingsLocation={};CallbackURL={callback}",
                other.display()
            )
        )
    );
    let run = zbsql(&reused, &["-c", "SELECT * FROM Organizations"], &[]);
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("invalid_code"), "{}", run.stderr);
    assert!(run.stderr.contains("single-use"), "{}", run.stderr);
}

#[test]
fn the_readme_command_lists_the_seeded_organizations() {
    let mut cmd = Command::new(ZBSQL);
    cmd.args(["--sandbox", "-c", "SELECT * FROM Organizations"])
        .env_remove("ZBSQL_CONNECTION")
        .env_remove("BROWSER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn zbsql --sandbox");
    let deadline = Instant::now() + CHILD_DEADLINE;
    while child.try_wait().expect("try_wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("zbsql --sandbox did not finish within {CHILD_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{:?}: {stdout} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let header = stdout.lines().nth(1).unwrap_or_default();
    for column in ["OrganizationId", "Name", "CurrencyCode"] {
        assert!(header.contains(column), "{stdout}");
    }
    for (org, id) in ORGS.iter().zip(["10234695", "20234696", "30234697"]) {
        assert!(
            stdout.lines().any(|l| l.contains(org) && l.contains(id)),
            "{org} missing: {stdout}"
        );
    }
}

/// Secret values seen during a test, and outputs that must not contain any of them.
#[derive(Default)]
struct Secrets {
    values: Vec<(String, String)>,
    /// (label, text) that must be free of secrets.
    clean: Vec<(String, String)>,
    /// Stdout of the token procedures, left out of the check: they print tokens by design.
    excluded: Vec<(String, String)>,
}

impl Secrets {
    fn add(&mut self, what: &str, value: &str) {
        if !value.is_empty() && !self.values.iter().any(|(_, v)| v == value) {
            self.values.push((what.to_owned(), value.to_owned()));
        }
    }

    /// Collects the tokens of a settings file.
    fn add_settings(&mut self, path: &Path) {
        let json = settings_json(path);
        for field in ["access_token", "refresh_token"] {
            if let Some(v) = json[field].as_str() {
                self.add(field, v);
            }
        }
    }

    /// Collects every value of the token procedures' columns (and PKCEVerifier).
    fn add_token_row(&mut self, run: &Run) {
        for rows in run.json() {
            for row in rows {
                for column in ["OAuthAccessToken", "OAuthRefreshToken", "PKCEVerifier"] {
                    if let Some(v) = row[column].as_str() {
                        self.add(column, v);
                    }
                }
            }
        }
    }

    /// Records a run whose stdout and stderr must both be clean.
    fn check_all(&mut self, label: &str, run: &Run) {
        self.clean
            .push((format!("{label} stdout"), run.stdout.clone()));
        self.clean
            .push((format!("{label} stderr"), run.stderr.clone()));
    }

    /// Records a run of a token procedure: its stdout is the procedure's result (tokens by
    /// design), so only stderr must be clean.
    fn check_stderr(&mut self, label: &str, run: &Run) {
        self.clean
            .push((format!("{label} stderr"), run.stderr.clone()));
        self.excluded
            .push((format!("{label} stdout"), run.stdout.clone()));
    }

    fn assert_clean(&self) {
        // The collection is real: every excluded output holds one of the collected values (so
        // the same values would be found if they leaked elsewhere).
        for (label, text) in &self.excluded {
            assert!(
                self.values.iter().any(|(_, v)| text.contains(v.as_str())),
                "{label} holds none of the collected secrets: {text}"
            );
        }
        let mut leaks = Vec::new();
        for (label, text) in &self.clean {
            for (what, value) in &self.values {
                if text.contains(value.as_str()) {
                    leaks.push(format!("{what} appears in {label}"));
                }
            }
        }
        assert!(leaks.is_empty(), "secrets leaked: {leaks:#?}");
    }
}

/// Logfile + Verbosity=5 through the web flow (with PKCE), an explicit and an implicit refresh,
/// the headless flow, the desktop flow through a `$BROWSER` stand-in (GETANDREFRESH and
/// `EXEC GetOAuthAccessToken` APP), and errors (a reused code, a bogus refresh token, a wrong
/// client secret): no secret value appears in the log file, stderr, or stdout — except the
/// stdout of the token procedures, whose result sets are the tokens (and the PKCE verifier)
/// by design. The log does record the HTTP exchanges.
#[test]
fn logfile_at_verbosity_5_and_outputs_hold_no_secret_in_any_flow() {
    let rt = runtime();
    let sb = sandbox(&rt, true);
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("zbsql.log");
    let mut secrets = Secrets::default();
    secrets.add("client secret", &sb.client_secret());
    let logged = |extra: &str| {
        conn_str(
            &sb,
            &format!("Logfile={};Verbosity=5;{extra}", log.display()),
        )
    };

    // 1. The web flow with PKCE, through SQL.
    let web = dir.path().join("web.json");
    let conn = logged(&format!(
        "InitiateOAuth=REFRESH;PKCE=true;OAuthSettingsLocation={}",
        web.display()
    ));
    let callback = "http://localhost:33333/cb";
    let run = zbsql(
        &conn,
        &[
            "-c",
            &format!(
                "EXEC GetOAuthAuthorizationURL @AuthMode = 'WEB', @CallbackUrl = '{callback}', @State = 'st-1'"
            ),
        ],
        &[],
    );
    run.assert_ok("authorization URL");
    secrets.add_token_row(&run);
    secrets.check_stderr("GetOAuthAuthorizationURL", &run);
    let row = run.json()[0][0].clone();
    let url = row["URL"].as_str().expect("URL").to_owned();
    let pkce = row["PKCEVerifier"]
        .as_str()
        .expect("PKCEVerifier")
        .to_owned();
    let location = approve(&url);
    secrets.add("code", &query_param(&location, "code").expect("code"));
    let run = zbsql(
        &conn,
        &[
            "-c",
            &format!(
                "EXEC GetOAuthAccessToken @AuthMode = 'WEB', @Verifier = '{location}', @CallbackUrl = '{callback}', @State = 'st-1', @PKCEVerifier = '{pkce}'"
            ),
        ],
        &[],
    );
    run.assert_ok("web exchange");
    secrets.add_token_row(&run);
    secrets.check_stderr("GetOAuthAccessToken WEB", &run);
    let run = zbsql(&conn, &["-c", "SELECT * FROM Organizations"], &[]);
    assert_organizations(&run, "web SELECT");
    secrets.check_all("web SELECT", &run);
    secrets.add_settings(&web);

    // 2. Refresh: explicit, then implicit after the sandbox expires the token.
    let run = zbsql(&conn, &["-c", "EXEC RefreshOAuthAccessToken"], &[]);
    run.assert_ok("RefreshOAuthAccessToken");
    secrets.add_token_row(&run);
    secrets.check_stderr("RefreshOAuthAccessToken", &run);
    sb.expire_access_tokens();
    let run = zbsql(&conn, &["-c", "SELECT * FROM Organizations"], &[]);
    assert_organizations(&run, "implicit refresh");
    secrets.check_all("implicit refresh", &run);
    secrets.add_settings(&web);
    assert_eq!(sb.count("token:refresh_token"), 2, "{:?}", sb.counters());

    // 3. The headless flow: OAuthVerifier with a bare code.
    let headless = dir.path().join("headless.json");
    let (code, _) = fresh_code(&sb, "http://localhost:33333", "h");
    secrets.add("code", &code);
    let conn = logged(&format!(
        "InitiateOAuth=REFRESH;OAuthSettingsLocation={};OAuthVerifier={code}",
        headless.display()
    ));
    let run = zbsql(&conn, &["-c", "SELECT * FROM Organizations"], &[]);
    assert_organizations(&run, "headless");
    secrets.check_all("headless", &run);
    secrets.add_settings(&headless);

    // 4. The desktop flow through the $BROWSER stand-in: GETANDREFRESH, then EXEC ... APP.
    let counter = dir.path().join("browser-runs.txt");
    let landed = dir.path().join("landed.txt");
    let browser = browser_stand_in(dir.path(), &counter, &landed);
    let browser_env = browser.display().to_string();
    let desktop = dir.path().join("desktop.json");
    let conn = logged(&format!(
        "InitiateOAuth=GETANDREFRESH;OAuthSettingsLocation={};CallbackURL=http://127.0.0.1:{}",
        desktop.display(),
        free_port()
    ));
    let run = zbsql(
        &conn,
        &["-c", "SELECT * FROM Organizations"],
        &[("BROWSER", &browser_env)],
    );
    assert_organizations(&run, "desktop");
    secrets.check_all("desktop", &run);
    secrets.add_settings(&desktop);
    let landed_url = std::fs::read_to_string(&landed).expect("the stand-in ran");
    secrets.add("code", &query_param(&landed_url, "code").expect("code"));
    let run = zbsql(
        &conn,
        &["-c", "EXEC GetOAuthAccessToken @AuthMode = 'APP'"],
        &[("BROWSER", &browser_env)],
    );
    run.assert_ok("GetOAuthAccessToken APP");
    secrets.add_token_row(&run);
    secrets.check_stderr("GetOAuthAccessToken APP", &run);
    let landed_url = std::fs::read_to_string(&landed).expect("the stand-in ran");
    secrets.add("code", &query_param(&landed_url, "code").expect("code"));
    assert_eq!(lines_in(&counter), 2);

    // 5. Errors: a reused code (connection string and procedure), a bogus refresh token, a
    // wrong client secret.
    let reused = logged(&format!(
        "InitiateOAuth=REFRESH;OAuthSettingsLocation={};OAuthVerifier={code}",
        dir.path().join("reused.json").display()
    ));
    let run = zbsql(&reused, &["-c", "SELECT * FROM Organizations"], &[]);
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("invalid_code"), "{}", run.stderr);
    secrets.check_all("reused OAuthVerifier", &run);
    let off = logged("InitiateOAuth=OFF");
    let run = zbsql(
        &off,
        &[
            "-c",
            &format!(
                "EXEC GetOAuthAccessToken @AuthMode = 'WEB', @Verifier = '{code}', @CallbackUrl = 'http://localhost:33333'"
            ),
        ],
        &[],
    );
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("invalid_code"), "{}", run.stderr);
    secrets.check_all("reused Verifier", &run);
    let bogus = "1000.0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210";
    secrets.add("bogus refresh token", bogus);
    let run = zbsql(
        &off,
        &[
            "-c",
            &format!("EXEC RefreshOAuthAccessToken @OAuthRefreshToken = '{bogus}'"),
        ],
        &[],
    );
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("invalid_code"), "{}", run.stderr);
    secrets.check_all("bogus refresh token", &run);
    let wrong_secret = "0000000000wrong-client-secret0000000000";
    secrets.add("wrong client secret", wrong_secret);
    let (code, _) = fresh_code(&sb, "http://localhost:33333", "w");
    secrets.add("code", &code);
    let wrong = format!(
        "AccountsServer={};OAuthClientId={};OAuthClientSecret={wrong_secret};Logfile={};Verbosity=5;InitiateOAuth=REFRESH;OAuthSettingsLocation={};OAuthVerifier={code}",
        sb.base_url(),
        sb.client_id(),
        log.display(),
        dir.path().join("wrong.json").display()
    );
    let run = zbsql(&wrong, &["-c", "SELECT * FROM Organizations"], &[]);
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("invalid_client_secret"),
        "{}",
        run.stderr
    );
    secrets.check_all("wrong client secret", &run);

    // The log: HTTP lines for the token endpoint and Books, and no secret.
    let text = std::fs::read_to_string(&log).expect("log file");
    secrets.clean.push(("the log file".into(), text.clone()));
    let http_lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("HTTP exchange"))
        .collect();
    let has = |method: &str, path: &str, status: &str| {
        http_lines
            .iter()
            .any(|l| l.contains(method) && l.contains(path) && l.contains(status))
    };
    assert!(
        has("method=\"POST\"", "/oauth/v2/token", "status=200"),
        "{text}"
    );
    assert!(
        has("method=\"GET\"", "/books/v3/organizations", "status=200"),
        "{text}"
    );
    // The implicit refresh of step 2 began with Books rejecting the expired token.
    assert!(
        has("method=\"GET\"", "/books/v3/organizations", "status=401"),
        "{text}"
    );
    assert!(
        secrets.values.len() >= 12,
        "too few secrets collected: {:?}",
        secrets.values.iter().map(|(w, _)| w).collect::<Vec<_>>()
    );
    secrets.assert_clean();
}
