//! `zbsql --serve-sandbox ADDR` run as a real process: it prints its URL, client id, secret and
//! a connection string, serves an authorization-code flow driven by curl (and reqwest), and
//! stops on Ctrl-C (SIGINT).
#![cfg(all(feature = "sandbox", unix))]

use crate::sandbox_support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use sandbox_support::{client, query_of, url_with};
use serde_json::Value;

/// Kills the child if the test fails before stopping it.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (ChildGuard, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zbsql"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("zbsql starts");
    let stdout = child.stdout.take().expect("stdout");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    (ChildGuard(child), receiver)
}

fn next_line(lines: &mpsc::Receiver<String>) -> String {
    lines
        .recv_timeout(Duration::from_secs(30))
        .expect("zbsql printed a line within 30 s")
}

fn wait_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        assert!(
            started.elapsed() < limit,
            "zbsql did not exit within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs curl with `-s -S -i` and a timeout; returns (status, headers text, body).
fn curl(args: &[&str]) -> (u16, String, String) {
    let output = Command::new("curl")
        .args(["-s", "-S", "-i", "--max-time", "10"])
        .args(args)
        .output()
        .expect("curl runs");
    assert!(
        output.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("headers and body");
    let status = head
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .expect("status line");
    (status, head.to_string(), body.to_string())
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

fn curl_available() -> bool {
    Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test]
async fn serve_sandbox_runs_a_full_flow_and_stops_on_ctrl_c() {
    let (mut guard, lines) = spawn(&["--serve-sandbox", "127.0.0.1:0"]);
    let first = next_line(&lines);
    let base = first
        .strip_prefix("Zoho sandbox listening on ")
        .expect("announcement line")
        .to_string();
    let addr: std::net::SocketAddr = base
        .strip_prefix("http://")
        .expect("http url")
        .parse()
        .expect("socket address");
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0);
    let client_id = next_line(&lines)
        .strip_prefix("client id: ")
        .expect("client id line")
        .to_string();
    let secret = next_line(&lines)
        .strip_prefix("client secret: ")
        .expect("client secret line")
        .to_string();
    let connection = next_line(&lines);
    assert_eq!(
        connection,
        format!(
            "connection string: AccountsServer={base};OAuthClientId={client_id};OAuthClientSecret={secret};InitiateOAuth=GETANDREFRESH;OAuthSettingsLocation=memory://sandbox"
        )
    );
    let redirect = "http://127.0.0.1:45678/callback";
    let auth_url = url_with(
        &base,
        "/oauth/v2/auth",
        &[
            ("client_id", &client_id),
            ("response_type", "code"),
            ("redirect_uri", redirect),
            ("scope", "ZohoBooks.fullaccess.all"),
            ("access_type", "offline"),
            ("state", "cli-state"),
        ],
    );

    let tokens: Value = if curl_available() {
        // 1. The consent page.
        let (status, _, page) = curl(&[&auth_url]);
        assert_eq!(status, 200);
        let marker = "name=\"consent_id\" value=\"";
        let start = page.find(marker).expect("consent form") + marker.len();
        let consent = &page[start..start + page[start..].find('"').expect("quote")];
        // 2. Accept: a redirect to the callback with the code.
        let (status, head, _) = curl(&[
            "-X",
            "POST",
            "--data-urlencode",
            &format!("consent_id={consent}"),
            "-d",
            "action=accept",
            &format!("{base}/oauth/v2/auth"),
        ]);
        assert_eq!(status, 302);
        let callback = query_of(header(&head, "location").expect("Location"));
        assert_eq!(callback["state"], "cli-state");
        assert_eq!(callback["accounts-server"], base);
        // 3. The code exchange, as a form body.
        let (status, head, body) = curl(&[
            "-X",
            "POST",
            "--data-urlencode",
            "grant_type=authorization_code",
            "--data-urlencode",
            &format!("client_id={client_id}"),
            "--data-urlencode",
            &format!("client_secret={secret}"),
            "--data-urlencode",
            &format!("code={}", callback["code"]),
            "--data-urlencode",
            &format!("redirect_uri={redirect}"),
            &format!("{base}/oauth/v2/token"),
        ]);
        assert_eq!(status, 200);
        assert!(
            header(&head, "content-type")
                .expect("content type")
                .starts_with("application/json")
        );
        serde_json::from_str(&body).expect("token JSON")
    } else {
        eprintln!("curl is not installed: driving the flow with reqwest only");
        let page = client()
            .get(&auth_url)
            .send()
            .await
            .expect("auth")
            .text()
            .await
            .expect("page");
        let marker = "name=\"consent_id\" value=\"";
        let start = page.find(marker).expect("consent form") + marker.len();
        let consent = page[start..start + page[start..].find('"').expect("quote")].to_string();
        let answer = client()
            .post(format!("{base}/oauth/v2/auth"))
            .form(&[("consent_id", consent.as_str()), ("action", "accept")])
            .send()
            .await
            .expect("consent");
        let callback = query_of(answer.headers()["location"].to_str().expect("ascii"));
        client()
            .post(format!("{base}/oauth/v2/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", client_id.as_str()),
                ("client_secret", secret.as_str()),
                ("code", callback["code"].as_str()),
                ("redirect_uri", redirect),
            ])
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("json")
    };
    assert_eq!(tokens["api_domain"], base.as_str());
    let access = tokens["access_token"].as_str().expect("access token");
    let refresh_token = tokens["refresh_token"].as_str().expect("refresh token");

    // 4. The token works against Books; refresh and revoke work too.
    let response = client()
        .get(format!("{base}/books/v3/organizations"))
        .header("Authorization", format!("Zoho-oauthtoken {access}"))
        .send()
        .await
        .expect("books");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], 0);
    let refreshed: Value = client()
        .post(format!("{base}/oauth/v2/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", client_id.as_str()),
            ("client_secret", secret.as_str()),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .expect("refresh")
        .json()
        .await
        .expect("json");
    assert!(refreshed["access_token"].is_string(), "{refreshed}");
    let revoked = client()
        .post(url_with(
            &base,
            "/oauth/v2/token/revoke",
            &[("token", refresh_token)],
        ))
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status(), 200);

    // 5. Ctrl-C stops it cleanly.
    let pid = i32::try_from(guard.0.id()).expect("pid fits");
    // SAFETY: sending SIGINT to our own child process, whose pid we hold.
    let sent = unsafe { libc::kill(pid, libc::SIGINT) };
    assert_eq!(sent, 0);
    let status = wait_exit(&mut guard.0, Duration::from_secs(10));
    assert!(status.success(), "zbsql exited with {status}");
    assert!(
        client()
            .get(format!("{base}/oauth/serverinfo"))
            .send()
            .await
            .is_err()
    );
}

#[test]
fn serve_sandbox_refuses_non_loopback_and_bad_addresses() {
    let (mut guard, _lines) = spawn(&["--serve-sandbox", "0.0.0.0:0"]);
    let status = wait_exit(&mut guard.0, Duration::from_secs(30));
    assert!(!status.success());
    let mut stderr = String::new();
    std::io::Read::read_to_string(guard.0.stderr.as_mut().expect("stderr"), &mut stderr)
        .expect("read stderr");
    assert!(stderr.contains("loopback"), "{stderr}");

    let (mut guard, _lines) = spawn(&["--serve-sandbox", "not-an-address"]);
    let status = wait_exit(&mut guard.0, Duration::from_secs(30));
    assert_eq!(status.code(), Some(2));
}

#[test]
fn serve_sandbox_can_be_killed() {
    let (mut guard, lines) = spawn(&["--serve-sandbox", "127.0.0.1:0"]);
    let first = next_line(&lines);
    assert!(
        first.starts_with("Zoho sandbox listening on http://127.0.0.1:"),
        "{first}"
    );
    guard.0.kill().expect("kill");
    let status = wait_exit(&mut guard.0, Duration::from_secs(10));
    assert!(!status.success());
}
