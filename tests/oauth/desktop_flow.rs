//! The desktop (browser) flow end to end: a real loopback listener, real HTTP requests from
//! browser stand-ins (curl scripts run as `$BROWSER` or as the launcher command, an in-process
//! HTTP client), real child processes for stderr and Ctrl-C behaviour.
#![cfg(unix)]

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use common::{
    AuthEndpoint, AuthMode, assert_port_released, free_localhost_port, has_ipv6_loopback,
    http_client, issued_code, sh_quote, write_script,
};
use zohobooks_sql::Error;
use zohobooks_sql::oauth::desktop::{BrowserLauncher, CallbackListener, DesktopLogin};
use zohobooks_sql::oauth::{CallbackParams, InteractiveLogin, LoginRequest};

const STATE: &str = "st-5f1c2a9e";

fn request(authorization_url: String, callback_url: &str, timeout: Duration) -> LoginRequest {
    LoginRequest {
        authorization_url,
        callback_url: callback_url.to_owned(),
        state: STATE.to_owned(),
        open_browser: true,
        timeout,
    }
}

/// A launcher that records the URL and runs `then` with it (on the runtime).
fn recording_launcher(
    seen: Arc<Mutex<Vec<String>>>,
    then: impl Fn(String) + Send + Sync + 'static,
) -> BrowserLauncher {
    BrowserLauncher::custom(move |url| {
        seen.lock().expect("lock").push(url.to_owned());
        then(url.to_owned());
        Ok(())
    })
}

/// Runs a login whose "browser" GETs `callback_url + suffix` directly, returning the outcome and
/// the status and body of the page the listener answered with.
async fn login_with_direct_callback(
    callback_url: &str,
    suffix: &str,
) -> (zohobooks_sql::Result<CallbackParams>, u16, String) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let tx = Arc::new(Mutex::new(Some(tx)));
    let target = format!("{callback_url}{suffix}");
    let launcher = BrowserLauncher::custom(move |_url| {
        let target = target.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let resp = http_client(false)
                .get(&target)
                .send()
                .await
                .expect("callback GET");
            let status = resp.status().as_u16();
            let body = resp.text().await.unwrap_or_default();
            if let Some(tx) = tx.lock().expect("lock").take() {
                let _ = tx.send((status, body));
            }
        });
        Ok(())
    });
    let login = DesktopLogin::new(launcher).cancel_on_ctrl_c(false);
    let outcome = login
        .login(request(
            "http://127.0.0.1:9/not-used".to_owned(),
            callback_url,
            Duration::from_secs(10),
        ))
        .await;
    let (status, body) = tokio::time::timeout(Duration::from_secs(5), rx)
        .await
        .expect("page within 5 s")
        .expect("page sent");
    (outcome, status, body)
}

// ---- in-process flows -----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_through_a_launcher_command_that_follows_the_redirect() {
    let auth = AuthEndpoint::start(AuthMode::Approve).await;
    let port = free_localhost_port().await;
    let callback = format!("http://127.0.0.1:{port}/callback");
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("page.html");
    let script = write_script(
        dir.path(),
        "fake-browser",
        &format!(
            "exec curl -sS -L --max-time 10 -o {} \"$1\"",
            sh_quote(&page.to_string_lossy())
        ),
    );
    let login = DesktopLogin::new(BrowserLauncher::Command(script.to_string_lossy().into()))
        .cancel_on_ctrl_c(false);
    let params = login
        .login(request(
            auth.authorization_url(&callback, STATE),
            &callback,
            Duration::from_secs(20),
        ))
        .await
        .expect("login succeeds");
    assert_eq!(params.code.expose_secret(), issued_code(1));
    assert_eq!(params.state.as_deref(), Some(STATE));
    assert_eq!(params.location.as_deref(), Some("us"));
    assert_eq!(
        params.accounts_server.as_deref(),
        Some("https://accounts.zoho.com"),
        "accounts-server arrives percent-encoded and is decoded"
    );
    assert_eq!(auth.hits(), 1);
    // curl may still be writing the page when the flow returns.
    let deadline = Instant::now() + Duration::from_secs(5);
    let html = loop {
        let html = std::fs::read_to_string(&page).unwrap_or_default();
        if html.contains("</html>") || Instant::now() > deadline {
            break html;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(html.contains("Authorization complete"), "{html}");
    assert!(html.contains("You may close this window"), "{html}");
    assert_port_released(&callback, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_redirects_launcher_completes_the_flow() {
    let auth = AuthEndpoint::start(AuthMode::Approve).await;
    let port = free_localhost_port().await;
    let callback = format!("http://localhost:{port}");
    let login = DesktopLogin::new(BrowserLauncher::FollowRedirects).cancel_on_ctrl_c(false);
    let params = login
        .login(request(
            auth.authorization_url(&callback, STATE),
            &callback,
            Duration::from_secs(20),
        ))
        .await
        .expect("login succeeds");
    assert_eq!(params.code.expose_secret(), issued_code(1));
    assert_port_released(&callback, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_state_ends_the_flow_with_an_error_page_and_no_code() {
    let auth = AuthEndpoint::start(AuthMode::WrongState).await;
    let port = free_localhost_port().await;
    let callback = format!("http://127.0.0.1:{port}/cb");
    let dir = tempfile::tempdir().expect("tempdir");
    let page = dir.path().join("page.html");
    let script = write_script(
        dir.path(),
        "fake-browser",
        &format!(
            "exec curl -sS -L --max-time 10 -o {} \"$1\"",
            sh_quote(&page.to_string_lossy())
        ),
    );
    let login = DesktopLogin::new(BrowserLauncher::Command(script.to_string_lossy().into()))
        .cancel_on_ctrl_c(false);
    let err = login
        .login(request(
            auth.authorization_url(&callback, STATE),
            &callback,
            Duration::from_secs(20),
        ))
        .await
        .expect_err("state mismatch is an error");
    let Error::DesktopFlow { message } = &err else {
        panic!("expected DesktopFlow, got {err:?}");
    };
    assert!(message.contains("state does not match"), "{message}");
    assert!(message.contains("No token was requested"), "{message}");
    assert!(
        !err.to_string().contains(&issued_code(1)),
        "the code never appears"
    );
    assert_port_released(&callback, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_and_missing_state_get_an_error_page() {
    for (suffix, expect) in [
        (
            "?code=1000.aaaa.bbbb&state=someone-elses",
            "state does not match",
        ),
        ("?code=1000.aaaa.bbbb", "no state"),
    ] {
        let port = free_localhost_port().await;
        let callback = format!("http://127.0.0.1:{port}/");
        let (outcome, status, body) = login_with_direct_callback(&callback, suffix).await;
        match outcome {
            Err(Error::DesktopFlow { message }) => assert!(message.contains(expect), "{message}"),
            other => panic!("{suffix}: expected DesktopFlow, got {other:?}"),
        }
        assert_eq!(status, 400, "{suffix}");
        assert!(body.contains("Authorization failed"), "{body}");
        assert!(body.contains("You may close this window"), "{body}");
        assert!(
            !body.contains("1000.aaaa.bbbb"),
            "the page never shows the code"
        );
        assert_port_released(&callback, port).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_denied_through_the_redirect_is_typed() {
    let auth = AuthEndpoint::start(AuthMode::Deny).await;
    let port = free_localhost_port().await;
    let callback = format!("http://localhost:{port}");
    let dir = tempfile::tempdir().expect("tempdir");
    let script = write_script(
        dir.path(),
        "fake-browser",
        "exec curl -sS -L --max-time 10 -o /dev/null \"$1\"",
    );
    let login = DesktopLogin::new(BrowserLauncher::Command(script.to_string_lossy().into()))
        .cancel_on_ctrl_c(false);
    let err = login
        .login(request(
            auth.authorization_url(&callback, STATE),
            &callback,
            Duration::from_secs(20),
        ))
        .await
        .expect_err("denied");
    assert!(matches!(err, Error::AccessDenied { .. }), "{err:?}");
    assert!(err.to_string().contains("the user denied access"), "{err}");
    assert_port_released(&callback, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_provider_errors_carry_the_providers_text() {
    let port = free_localhost_port().await;
    let callback = format!("http://127.0.0.1:{port}/");
    let (outcome, status, body) = login_with_direct_callback(
        &callback,
        &format!("?error=invalid_scope&error_description=Scope+not+allowed&state={STATE}"),
    )
    .await;
    match outcome {
        Err(Error::OAuth {
            code, description, ..
        }) => {
            assert_eq!(code, "invalid_scope");
            assert_eq!(description.as_deref(), Some("Scope not allowed"));
        }
        other => panic!("expected OAuth, got {other:?}"),
    }
    assert_eq!(status, 200);
    assert!(body.contains("invalid_scope"), "{body}");
    assert_port_released(&callback, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_reports_no_callback_and_releases_the_port() {
    let port = free_localhost_port().await;
    let callback = format!("http://localhost:{port}");
    let login = DesktopLogin::new(BrowserLauncher::PrintOnly).cancel_on_ctrl_c(false);
    let started = Instant::now();
    let err = login
        .login(request(
            "http://127.0.0.1:9/auth".to_owned(),
            &callback,
            Duration::from_millis(800),
        ))
        .await
        .expect_err("times out");
    let elapsed = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("no callback received"), "{text}");
    assert!(text.contains("Likely causes"), "{text}");
    assert!(text.contains("OAuthBrowserTimeout"), "{text}");
    assert!(elapsed >= Duration::from_millis(800), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_port_released(&callback, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_port_fails_at_once_naming_the_port_and_opens_no_browser() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").expect("hold a port");
    let port = holder.local_addr().expect("addr").port();
    for callback in [
        format!("http://127.0.0.1:{port}/cb"),
        format!("http://localhost:{port}"),
    ] {
        let launched = Arc::new(AtomicBool::new(false));
        let flag = launched.clone();
        let login = DesktopLogin::new(BrowserLauncher::custom(move |_| {
            flag.store(true, Ordering::SeqCst);
            Ok(())
        }))
        .cancel_on_ctrl_c(false);
        let started = Instant::now();
        let err = tokio::time::timeout(
            Duration::from_secs(5),
            login.login(request(
                "http://127.0.0.1:9/auth".into(),
                &callback,
                Duration::from_secs(60),
            )),
        )
        .await
        .expect("fails within 5 s")
        .expect_err("port in use");
        assert!(started.elapsed() < Duration::from_secs(5));
        let text = err.to_string();
        assert!(matches!(err, Error::DesktopFlow { .. }), "{err:?}");
        assert!(text.contains(&format!("port {port}")), "{text}");
        assert!(text.contains("already in use"), "{text}");
        assert!(text.contains("Redirect URI"), "{text}");
        assert!(
            text.contains(&format!(":{}", port + 1)),
            "suggests another port: {text}"
        );
        assert!(
            !launched.load(Ordering::SeqCst),
            "no browser before the listener is bound"
        );
    }
    drop(holder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn localhost_is_refused_when_another_program_holds_the_port_on_ipv6_only() {
    if !has_ipv6_loopback() {
        eprintln!("SKIP: no IPv6 loopback on this machine");
        return;
    }
    let holder = std::net::TcpListener::bind("[::1]:0").expect("hold a v6 port");
    let port = holder.local_addr().expect("addr").port();
    if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        eprintln!("SKIP: port {port} happens to be busy on 127.0.0.1 too");
        return;
    }
    let err = CallbackListener::bind(&format!("http://localhost:{port}"))
        .await
        .expect_err("a browser resolving localhost to ::1 would reach the other program");
    let text = err.to_string();
    assert!(text.contains("already in use on ::1"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_loopback_and_https_callback_urls_are_rejected_before_any_browser() {
    for callback in [
        "http://example.com:33333/cb",
        "http://10.0.0.5:33333",
        "http://0.0.0.0:33333",
        "https://localhost:33333",
    ] {
        let launched = Arc::new(AtomicBool::new(false));
        let flag = launched.clone();
        let login = DesktopLogin::new(BrowserLauncher::custom(move |_| {
            flag.store(true, Ordering::SeqCst);
            Ok(())
        }))
        .cancel_on_ctrl_c(false);
        let err = login
            .login(request(
                "http://127.0.0.1:9/auth".into(),
                callback,
                Duration::from_secs(60),
            ))
            .await
            .expect_err(callback);
        let text = err.to_string();
        assert!(text.contains("RFC 8252"), "{callback}: {text}");
        assert!(
            text.contains("GetOAuthAuthorizationURL"),
            "{callback}: {text}"
        );
        assert!(text.contains("ssh -L"), "{callback}: {text}");
        if callback.starts_with("https") {
            assert!(text.contains("uses https"), "{text}");
        } else {
            assert!(text.contains("not a loopback address"), "{text}");
        }
        assert!(!launched.load(Ordering::SeqCst));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn favicon_probes_and_other_paths_get_404_and_the_wait_goes_on() {
    let port = free_localhost_port().await;
    let callback = format!("http://127.0.0.1:{port}/oauth/callback");
    let statuses = Arc::new(Mutex::new(Vec::new()));
    let recorded = statuses.clone();
    let base = format!("http://127.0.0.1:{port}");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let launcher = recording_launcher(seen.clone(), move |_url| {
        let base = base.clone();
        let recorded = recorded.clone();
        tokio::spawn(async move {
            let client = http_client(false);
            for path in [
                "/favicon.ico".to_owned(),
                "/".to_owned(),
                format!("/other?code=1000.x.y&state={STATE}"),
                "/oauth/callback".to_owned(),
                "/oauth/callback?unrelated=1".to_owned(),
                format!("/oauth/callback?code=1000.real.code&state={STATE}"),
            ] {
                let status = client
                    .get(format!("{base}{path}"))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                recorded.lock().expect("lock").push(status);
            }
        });
    });
    let params = DesktopLogin::new(launcher)
        .cancel_on_ctrl_c(false)
        .login(request(
            "http://127.0.0.1:9/auth?x=1".into(),
            &callback,
            Duration::from_secs(10),
        ))
        .await
        .expect("the real callback after the probes succeeds");
    assert_eq!(params.code.expose_secret(), "1000.real.code");
    assert_eq!(
        seen.lock().expect("lock").as_slice(),
        ["http://127.0.0.1:9/auth?x=1"]
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while statuses.lock().expect("lock").len() < 6 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        statuses.lock().expect("lock").as_slice(),
        [404, 404, 404, 404, 404, 200]
    );
    assert_port_released(&callback, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn localhost_listens_on_ipv4_and_ipv6_loopback() {
    let port = free_localhost_port().await;
    let callback = format!("http://localhost:{port}");
    let listener = CallbackListener::bind(&callback).await.expect("bind");
    let addrs = listener.local_addrs();
    assert!(
        addrs.iter().any(|a| a.is_ipv4() && a.ip().is_loopback()),
        "{addrs:?}"
    );
    if !has_ipv6_loopback() {
        eprintln!("SKIP (IPv6 part): no IPv6 loopback on this machine; checked 127.0.0.1 only");
    } else {
        assert!(
            addrs.iter().any(|a| a.is_ipv6() && a.ip().is_loopback()),
            "{addrs:?}"
        );
    }
    assert!(
        addrs
            .iter()
            .all(|a| a.port() == port && a.ip().is_loopback())
    );
    let ipv6 = has_ipv6_loopback();
    let probes = tokio::spawn(async move {
        let client = http_client(false);
        let v4 = client
            .get(format!("http://127.0.0.1:{port}/favicon.ico"))
            .send()
            .await
            .map(|r| r.status().as_u16());
        // The callback itself over ::1 when available, else over 127.0.0.1.
        let host = if ipv6 { "[::1]" } else { "127.0.0.1" };
        let cb = client
            .get(format!(
                "http://{host}:{port}/?code=1000.v6.code&state={STATE}"
            ))
            .send()
            .await
            .map(|r| r.status().as_u16());
        (v4.ok(), cb.ok())
    });
    let params = listener
        .wait_for_callback(STATE, Duration::from_secs(10))
        .await
        .expect("callback");
    assert_eq!(params.code.expose_secret(), "1000.v6.code");
    let (v4, cb) = probes.await.expect("probe task");
    assert_eq!(v4, Some(404), "reachable over 127.0.0.1");
    assert_eq!(cb, Some(200), "callback answered");
    assert_port_released(&callback, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_zero_gives_an_ephemeral_port_and_the_real_redirect_uri() {
    let listener = CallbackListener::bind("http://127.0.0.1:0/cb")
        .await
        .expect("bind");
    let port = listener.port();
    assert_ne!(port, 0);
    assert!(listener.is_ephemeral());
    assert_eq!(
        listener.redirect_uri(),
        format!("http://127.0.0.1:{port}/cb")
    );
    let uri = listener.redirect_uri().to_owned();
    let login = DesktopLogin::new(BrowserLauncher::custom(move |_| {
        let uri = uri.clone();
        tokio::spawn(async move {
            let _ = http_client(false)
                .get(format!("{uri}?code=1000.eph.code&state={STATE}"))
                .send()
                .await;
        });
        Ok(())
    }))
    .cancel_on_ctrl_c(false);
    let params = login
        .login_with_listener(
            listener,
            &request(
                "http://127.0.0.1:9/auth".into(),
                "unused",
                Duration::from_secs(10),
            ),
        )
        .await
        .expect("callback on the ephemeral port");
    assert_eq!(params.code.expose_secret(), "1000.eph.code");

    // Through the trait, port 0 cannot work: the URL was built before the port was known.
    let err = DesktopLogin::new(BrowserLauncher::PrintOnly)
        .cancel_on_ctrl_c(false)
        .login(request(
            "http://127.0.0.1:9/auth".into(),
            "http://localhost:0",
            Duration::from_secs(10),
        ))
        .await
        .expect_err("port 0 through login()");
    assert!(err.to_string().contains("redirect_uri()"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_first_callback_counts() {
    let port = free_localhost_port().await;
    let callback = format!("http://127.0.0.1:{port}/");
    let listener = CallbackListener::bind(&callback).await.expect("bind");
    // Two connections opened before either request is sent.
    let c1 = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("c1");
    let c2 = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("c2");
    let wait = tokio::spawn(listener.wait_for_callback(STATE, Duration::from_secs(10)));
    let first = raw_get(c1, &format!("/?code=1000.first&state={STATE}")).await;
    let second = raw_get(c2, &format!("/?code=1000.second&state={STATE}")).await;
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert!(
        second.is_empty() || second.starts_with("HTTP/1.1 409"),
        "{second}"
    );
    let params = wait.await.expect("join").expect("first callback");
    assert_eq!(params.code.expose_secret(), "1000.first");
    assert_port_released(&callback, port).await;
}

/// Sends a minimal GET on an open connection and reads the answer until the server closes.
async fn raw_get(mut stream: tokio::net::TcpStream, target: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let req = format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if stream.write_all(req.as_bytes()).await.is_err() {
        return String::new();
    }
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf)).await;
    String::from_utf8_lossy(&buf).into_owned()
}

// ---- flows in a child process (real stderr, real $BROWSER, real Ctrl-C) ------------------------

/// A child process running `child_process_entry`, with its stderr read line by line.
struct ChildLogin {
    child: std::process::Child,
    stderr_lines: mpsc::Receiver<String>,
    stderr_seen: Vec<String>,
    stdout: std::thread::JoinHandle<String>,
}

impl ChildLogin {
    fn spawn(vars: &[(&str, String)]) -> ChildLogin {
        let exe = std::env::current_exe().expect("test binary path");
        let mut cmd = Command::new(exe);
        cmd.args([
            "--exact",
            "desktop_flow::child_process_entry",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_remove("BROWSER")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("WSL_DISTRO_NAME")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn child");
        let stderr = child.stderr.take().expect("stderr");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdout = std::thread::spawn(move || {
            let mut all = String::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                all.push_str(&line);
                all.push('\n');
            }
            all
        });
        ChildLogin {
            child,
            stderr_lines: rx,
            stderr_seen: Vec::new(),
            stdout,
        }
    }

    /// Waits for a stderr line starting with `prefix`; returns the rest of it.
    fn wait_stderr(&mut self, prefix: &str, within: Duration) -> String {
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
                Err(_) => {
                    let _ = self.child.kill();
                    panic!(
                        "no stderr line '{prefix}' within {within:?}; saw {:?}",
                        self.stderr_seen
                    );
                }
            }
        }
    }

    /// Waits for the child to exit; returns its `RESULT` line and all stderr lines.
    fn result(mut self, within: Duration) -> (String, Vec<String>) {
        let deadline = Instant::now() + within;
        loop {
            if let Some(_status) = self.child.try_wait().expect("try_wait") {
                break;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "child did not finish within {within:?}; stderr {:?}",
                    self.stderr_seen
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let stdout = self.stdout.join().expect("stdout reader");
        let mut stderr = self.stderr_seen;
        while let Ok(line) = self.stderr_lines.recv_timeout(Duration::from_millis(500)) {
            stderr.push(line);
        }
        let result = stdout
            .lines()
            .find_map(|l| l.split_once("RESULT ").map(|(_, rest)| rest.to_owned()))
            .unwrap_or_else(|| panic!("no RESULT line; stdout {stdout:?}; stderr {stderr:?}"));
        (result, stderr)
    }
}

#[test]
#[ignore = "entry point of the child process started by the child-process tests"]
fn child_process_entry() {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let callback_url = var("ZBSQL_CHILD_CALLBACK_URL");
    assert!(
        !callback_url.is_empty(),
        "started by the child-process tests only"
    );
    let launcher = match var("ZBSQL_CHILD_LAUNCHER").as_str() {
        "system" => BrowserLauncher::System,
        _ => BrowserLauncher::PrintOnly,
    };
    let request = LoginRequest {
        authorization_url: var("ZBSQL_CHILD_AUTH_URL"),
        callback_url,
        state: var("ZBSQL_CHILD_STATE"),
        open_browser: var("ZBSQL_CHILD_OPEN_BROWSER") != "false",
        timeout: Duration::from_millis(var("ZBSQL_CHILD_TIMEOUT_MS").parse().unwrap_or(20_000)),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let outcome = runtime.block_on(DesktopLogin::new(launcher).login(request));
    match outcome {
        Ok(p) => println!(
            "RESULT ok code={} accounts_server={}",
            p.code.expose_secret(),
            p.accounts_server.unwrap_or_default()
        ),
        Err(e) => {
            let kind = match &e {
                Error::DesktopFlow { .. } => "DesktopFlow",
                Error::AccessDenied { .. } => "AccessDenied",
                Error::Timeout { .. } => "Timeout",
                _ => "Other",
            };
            println!("RESULT err {kind}: {e}");
        }
    }
}

fn child_vars(callback: &str, auth_url: &str, launcher: &str) -> Vec<(&'static str, String)> {
    vec![
        ("ZBSQL_CHILD_CALLBACK_URL", callback.to_owned()),
        ("ZBSQL_CHILD_AUTH_URL", auth_url.to_owned()),
        ("ZBSQL_CHILD_STATE", STATE.to_owned()),
        ("ZBSQL_CHILD_LAUNCHER", launcher.to_owned()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_env_program_is_started_and_follows_the_redirect_in_a_child_process() {
    let auth = AuthEndpoint::start(AuthMode::Approve).await;
    let port = free_localhost_port().await;
    let callback = format!("http://localhost:{port}");
    let auth_url = auth.authorization_url(&callback, STATE);
    let dir = tempfile::tempdir().expect("tempdir");
    let opened = dir.path().join("opened-url");
    let script = write_script(
        dir.path(),
        "fake-browser",
        &format!(
            "printf '%s' \"$1\" > {}\nexec curl -sS -L --max-time 10 -o /dev/null \"$1\"",
            sh_quote(&opened.to_string_lossy())
        ),
    );
    let mut vars = child_vars(&callback, &auth_url, "system");
    vars.push(("BROWSER", script.to_string_lossy().into_owned()));
    let child = ChildLogin::spawn(&vars);
    let (result, stderr) =
        tokio::task::spawn_blocking(move || child.result(Duration::from_secs(30)))
            .await
            .expect("join");
    assert_eq!(
        result,
        format!(
            "ok code={} accounts_server=https://accounts.zoho.com",
            issued_code(1)
        )
    );
    assert!(
        stderr.contains(&format!("Open this URL to authorize: {auth_url}")),
        "the URL is always printed: {stderr:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&opened).expect("$BROWSER ran"),
        auth_url
    );
    assert_eq!(auth.hits(), 1);
    assert_port_released(&callback, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_browser_false_only_prints_the_url_which_a_person_can_follow() {
    let auth = AuthEndpoint::start(AuthMode::Approve).await;
    let port = free_localhost_port().await;
    let callback = format!("http://127.0.0.1:{port}/cb");
    let auth_url = auth.authorization_url(&callback, STATE);
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("browser-started");
    let script = write_script(
        dir.path(),
        "fake-browser",
        &format!("touch {}", sh_quote(&marker.to_string_lossy())),
    );
    let mut vars = child_vars(&callback, &auth_url, "system");
    vars.push(("BROWSER", script.to_string_lossy().into_owned()));
    vars.push(("ZBSQL_CHILD_OPEN_BROWSER", "false".to_owned()));
    let mut child = ChildLogin::spawn(&vars);
    let printed = tokio::task::block_in_place(|| {
        child.wait_stderr("Open this URL to authorize: ", Duration::from_secs(20))
    });
    assert_eq!(printed, auth_url);
    // A person copies the URL into a browser: GET it and follow the redirect.
    let page = http_client(true)
        .get(&printed)
        .send()
        .await
        .expect("follow the printed URL");
    assert_eq!(page.status().as_u16(), 200);
    assert!(
        page.text()
            .await
            .expect("body")
            .contains("Authorization complete")
    );
    let (result, stderr) =
        tokio::task::spawn_blocking(move || child.result(Duration::from_secs(20)))
            .await
            .expect("join");
    assert_eq!(
        result,
        format!(
            "ok code={} accounts_server=https://accounts.zoho.com",
            issued_code(1)
        )
    );
    assert!(
        !marker.exists(),
        "OpenBrowser=false must not start $BROWSER"
    );
    assert!(
        !stderr
            .iter()
            .any(|l| l.contains("Waiting for authorization")),
        "no spinner when stderr is not a terminal: {stderr:?}"
    );
    assert_port_released(&callback, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_host_without_a_browser_keeps_waiting_instead_of_failing() {
    let auth = AuthEndpoint::start(AuthMode::Approve).await;
    let port = free_localhost_port().await;
    let callback = format!("http://localhost:{port}");
    let auth_url = auth.authorization_url(&callback, STATE);
    // No BROWSER, no DISPLAY: the system launcher cannot start anything.
    let mut child = ChildLogin::spawn(&child_vars(&callback, &auth_url, "system"));
    let printed = tokio::task::block_in_place(|| {
        child.wait_stderr("Open this URL to authorize: ", Duration::from_secs(20))
    });
    let reason = tokio::task::block_in_place(|| {
        child.wait_stderr("Could not open a browser (", Duration::from_secs(10))
    });
    assert!(reason.contains("no graphical display"), "{reason}");
    assert!(reason.contains("still waiting"), "{reason}");
    let page = http_client(true)
        .get(&printed)
        .send()
        .await
        .expect("follow URL");
    assert_eq!(page.status().as_u16(), 200);
    let (result, _) = tokio::task::spawn_blocking(move || child.result(Duration::from_secs(20)))
        .await
        .expect("join");
    assert!(result.starts_with("ok code="), "{result}");
    assert_port_released(&callback, port).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_cancels_the_wait_and_releases_the_port() {
    let port = free_localhost_port().await;
    let callback = format!("http://localhost:{port}");
    let mut vars = child_vars(&callback, "http://127.0.0.1:9/auth", "print");
    vars.push(("ZBSQL_CHILD_TIMEOUT_MS", "60000".to_owned()));
    let mut child = ChildLogin::spawn(&vars);
    tokio::task::block_in_place(|| {
        child.wait_stderr("Open this URL to authorize: ", Duration::from_secs(20))
    });
    let pid = i32::try_from(child.child.id()).expect("pid");
    let started = Instant::now();
    // SAFETY: sending SIGINT to our own child process.
    let rc = unsafe { libc::kill(pid, libc::SIGINT) };
    assert_eq!(rc, 0, "kill(SIGINT)");
    let (result, _) = tokio::task::spawn_blocking(move || child.result(Duration::from_secs(10)))
        .await
        .expect("join");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(result.starts_with("err DesktopFlow: "), "{result}");
    assert!(result.contains("cancelled (Ctrl-C)"), "{result}");
    assert_port_released(&callback, port).await;
}

// ---- with the sandbox (the project's Zoho emulator) ----------------------------------------------

#[cfg(feature = "sandbox")]
fn sandbox_authorization_url(sandbox: &zohobooks_sandbox::SandboxHandle, callback: &str) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &sandbox.client_id())
        .append_pair("scope", "ZohoBooks.fullaccess.all")
        .append_pair("redirect_uri", callback)
        .append_pair("state", STATE)
        .append_pair("access_type", "offline")
        .finish();
    format!("{}/oauth/v2/auth?{query}", sandbox.base_url())
}

#[cfg(feature = "sandbox")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_redirects_against_the_auto_approving_sandbox_yields_an_exchangeable_code() {
    let sandbox = zohobooks_sandbox::Sandbox::builder()
        .auto_approve(true)
        .start()
        .await
        .expect("sandbox");
    let port = free_localhost_port().await;
    let callback = format!("http://localhost:{port}");
    let params = DesktopLogin::new(BrowserLauncher::FollowRedirects)
        .cancel_on_ctrl_c(false)
        .login(request(
            sandbox_authorization_url(&sandbox, &callback),
            &callback,
            Duration::from_secs(20),
        ))
        .await
        .expect("auto-approved login");
    assert_eq!(
        params.accounts_server.as_deref(),
        Some(sandbox.base_url().as_str())
    );
    let token: serde_json::Value = http_client(false)
        .post(format!("{}/oauth/v2/token", sandbox.base_url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", params.code.expose_secret()),
            ("client_id", &sandbox.client_id()),
            ("client_secret", &sandbox.client_secret()),
            ("redirect_uri", &callback),
        ])
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token JSON");
    assert!(
        token["access_token"].is_string(),
        "error {}",
        token["error"]
    );
    assert_port_released(&callback, port).await;
}

#[cfg(feature = "sandbox")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_redirects_stops_at_a_consent_page_and_the_flow_times_out_cleanly() {
    let sandbox = zohobooks_sandbox::Sandbox::builder()
        .auto_approve(false)
        .start()
        .await
        .expect("sandbox");
    let port = free_localhost_port().await;
    let callback = format!("http://127.0.0.1:{port}/cb");
    let err = DesktopLogin::new(BrowserLauncher::FollowRedirects)
        .cancel_on_ctrl_c(false)
        .login(request(
            sandbox_authorization_url(&sandbox, &callback),
            &callback,
            Duration::from_millis(1500),
        ))
        .await
        .expect_err("nobody presses Accept");
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(sandbox.count("auth"), 1);
    assert_eq!(sandbox.count("token:authorization_code"), 0);
    assert_port_released(&callback, port).await;
}

#[test]
fn waiting_message_is_shown_and_cleared_only_on_a_terminal() {
    // util-linux `script` gives the child a pseudo-terminal as stderr.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIP: `script` (util-linux) not installed; cannot give the child a terminal");
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let exe = std::env::current_exe().expect("test binary path");
    let inner = format!(
        "{} --exact desktop_flow::child_process_entry --ignored --nocapture --test-threads=1",
        sh_quote(&exe.to_string_lossy())
    );
    let out = Command::new("timeout")
        .args(["30", "script", "-q", "-e", "-c", &inner, "/dev/null"])
        .env(
            "ZBSQL_CHILD_CALLBACK_URL",
            format!("http://127.0.0.1:{port}"),
        )
        .env("ZBSQL_CHILD_AUTH_URL", "http://127.0.0.1:9/auth")
        .env("ZBSQL_CHILD_STATE", STATE)
        .env("ZBSQL_CHILD_LAUNCHER", "print")
        .env("ZBSQL_CHILD_TIMEOUT_MS", "700")
        .stdin(Stdio::null())
        .output()
        .expect("run script");
    let text = String::from_utf8_lossy(&out.stdout);
    let waiting = text
        .find("Waiting for authorization in the browser... (Ctrl-C to cancel)")
        .unwrap_or_else(|| panic!("no waiting message on a terminal: {text:?}"));
    let cleared = text.find("\r\x1b[2K").expect("the line is cleared");
    let result = text.find("RESULT err Timeout").expect("timed out");
    assert!(waiting < cleared && cleared < result, "{text:?}");
}
