//! Shared helpers for the desktop-flow tests: a small authorization endpoint that redirects like
//! Zoho's, free-port helpers, browser stand-in scripts and an HTTP client.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// What the authorization endpoint answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Redirect with a fresh code, the request's state, location and accounts-server.
    Approve,
    /// Redirect with `error=access_denied` and the request's state.
    Deny,
    /// Redirect with a fresh code but a different state.
    WrongState,
}

/// A real HTTP server on 127.0.0.1 playing Zoho's `/oauth/v2/auth` redirect step (consent
/// granted or denied at once). Used where the sandbox's consent page is not the point.
pub struct AuthEndpoint {
    pub addr: SocketAddr,
    hits: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl AuthEndpoint {
    pub async fn start(mode: AuthMode) -> AuthEndpoint {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind auth endpoint");
        let addr = listener.local_addr().expect("local addr");
        let hits = Arc::new(AtomicU64::new(0));
        let counter = hits.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let counter = counter.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                        let counter = counter.clone();
                        async move { Ok::<_, Infallible>(authorize(req, mode, &counter)) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        AuthEndpoint { addr, hits, task }
    }

    /// The authorization URL a token manager would build for this callback and state.
    pub fn authorization_url(&self, callback_url: &str, state: &str) -> String {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", "1000.TESTCLIENT")
            .append_pair("scope", "ZohoBooks.fullaccess.all")
            .append_pair("redirect_uri", callback_url)
            .append_pair("state", state)
            .finish();
        format!("http://{}/oauth/v2/auth?{query}", self.addr)
    }

    /// How many authorization requests arrived.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for AuthEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The code the endpoint issues for the n-th request.
pub fn issued_code(n: u64) -> String {
    format!("1000.{n:032x}.{:032x}", n * 7919)
}

fn authorize(
    req: Request<hyper::body::Incoming>,
    mode: AuthMode,
    counter: &AtomicU64,
) -> Response<Full<Bytes>> {
    if req.uri().path() != "/oauth/v2/auth" {
        return status(StatusCode::NOT_FOUND);
    }
    let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let (Some(redirect), Some(state)) = (get("redirect_uri"), get("state")) else {
        return status(StatusCode::BAD_REQUEST);
    };
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    match mode {
        AuthMode::Approve => {
            query
                .append_pair("state", &state)
                .append_pair("code", &issued_code(n))
                .append_pair("location", "us")
                .append_pair("accounts-server", "https://accounts.zoho.com");
        }
        AuthMode::Deny => {
            query
                .append_pair("error", "access_denied")
                .append_pair("state", &state);
        }
        AuthMode::WrongState => {
            query
                .append_pair("state", "not-the-state-that-was-sent")
                .append_pair("code", &issued_code(n));
        }
    }
    let location = format!("{redirect}?{}", query.finish());
    let mut resp = status(StatusCode::FOUND);
    resp.headers_mut()
        .insert("location", location.parse().expect("location header"));
    resp
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = code;
    resp
}

/// An HTTP client for the tests (no proxy, short timeout, no redirects unless asked).
pub fn http_client(follow_redirects: bool) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let policy = if follow_redirects {
        reqwest::redirect::Policy::limited(10)
    } else {
        reqwest::redirect::Policy::none()
    };
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .redirect(policy)
        .build()
        .expect("http client")
}

/// A port that is free on both 127.0.0.1 and ::1 right now (found through the listener itself).
pub async fn free_localhost_port() -> u16 {
    let listener = zohobooks_sql::oauth::desktop::CallbackListener::bind("http://localhost:0")
        .await
        .expect("ephemeral localhost port");
    listener.port()
}

/// Whether this machine has an IPv6 loopback interface.
pub fn has_ipv6_loopback() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}

/// Asserts that the CallbackURL's port can be bound again (by the flow and by plain sockets).
pub async fn assert_port_released(callback_url: &str, port: u16) {
    let again = zohobooks_sql::oauth::desktop::CallbackListener::bind(callback_url).await;
    assert!(again.is_ok(), "port {port} not released: {:?}", again.err());
    drop(again);
    let plain = std::net::TcpListener::bind(("127.0.0.1", port));
    assert!(
        plain.is_ok(),
        "127.0.0.1:{port} not released: {:?}",
        plain.err()
    );
}

/// Writes an executable shell script (a browser stand-in) and returns its path.
pub fn write_script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// Single-quotes a string for /bin/sh.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
