//! The one-shot loopback listener that receives Zoho's redirect to the CallbackURL.
//!
//! Rules (RFC 8252 §7.3 and §8.3, and the lessons in `docs/oauth-flows.md`):
//! - only loopback hosts: `localhost`, `127.0.0.1`, `[::1]`; never a wildcard address;
//! - `localhost` listens on both 127.0.0.1 and ::1 on the same port, because browsers resolve
//!   it to either; one family may be missing, but a port held by another program on either is
//!   an immediate error (that program would otherwise receive the code);
//! - the exact port of the CallbackURL (the redirect URI registered at Zoho must match), or an
//!   ephemeral one when the URL says port 0;
//! - only requests to the CallbackURL's path that carry `code` or `error` count; anything else
//!   (favicon, probes, other paths) gets 404 and the wait goes on;
//! - the port is released on every exit path: the listening sockets are closed and every
//!   accepted connection is shut down before `wait_for_callback` returns.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CACHE_CONTROL, CONNECTION, CONTENT_TYPE, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode, Uri};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use url::Url;

use super::pages;
use crate::error::{Error, Result};
use crate::oauth::CallbackParams;
use crate::secret::AuthorizationCode;

/// What to do instead when the desktop flow cannot run on this machine.
pub(crate) const HEADLESS_ALTERNATIVES: &str = "On a machine without a usable browser or \
    loopback callback, use the headless route instead: EXEC GetOAuthAuthorizationURL, open the \
    URL in a browser anywhere, then give the code (or the whole redirect URL) to EXEC \
    GetOAuthAccessToken Verifier=... or to the OAuthVerifier property; or forward the callback \
    port over SSH from the machine with the browser (ssh -L 33333:localhost:33333 host)";

/// How long a client may take to send its request headers before its connection is dropped.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How many times to look for an ephemeral port free on both loopback addresses.
const EPHEMERAL_PORT_ATTEMPTS: usize = 8;

/// Longest provider text (`error`, `error_description`) carried into an error message.
const MAX_PROVIDER_TEXT: usize = 300;

/// The loopback host named by a CallbackURL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoopbackHost {
    /// `localhost`: listen on 127.0.0.1 and ::1.
    Localhost,
    /// `127.0.0.1` only.
    Ipv4,
    /// `[::1]` only.
    Ipv6,
}

/// A validated CallbackURL.
#[derive(Debug, Clone)]
struct CallbackTarget {
    url: Url,
    host: LoopbackHost,
    port: u16,
    path: String,
    /// The CallbackURL as given (trimmed): the redirect URI when its port is fixed.
    original: String,
}

/// Checks that a CallbackURL can be served by a plain loopback listener.
fn parse_callback_url(callback_url: &str) -> Result<CallbackTarget> {
    let original = callback_url.trim();
    let url = Url::parse(original).map_err(|e| Error::DesktopFlow {
        message: format!(
            "CallbackURL '{original}' is not a valid URL ({e}); set it to the Redirect URI \
             registered for your client in the Zoho API console, e.g. http://localhost:33333"
        ),
    })?;
    match url.scheme() {
        "http" => {}
        "https" => {
            return Err(Error::DesktopFlow {
                message: format!(
                    "CallbackURL '{original}' uses https, but the desktop flow receives the \
                     callback on a plain-HTTP listener on this machine and cannot answer TLS. \
                     RFC 8252 (§7.3, §8.3) has native apps use http on the loopback interface, \
                     which is safe because the request never leaves the machine. Register \
                     http://localhost:{port} (or http://127.0.0.1:{port}) as a Redirect URI of \
                     your client in the Zoho API console and set CallbackURL to exactly that. \
                     {HEADLESS_ALTERNATIVES}.",
                    port = url.port().unwrap_or(33333)
                ),
            });
        }
        other => {
            return Err(Error::DesktopFlow {
                message: format!(
                    "CallbackURL '{original}' has scheme '{other}'; the desktop flow needs an \
                     http URL on the loopback interface, e.g. http://localhost:33333"
                ),
            });
        }
    }
    let host = match url.host() {
        Some(url::Host::Domain(name)) if name.eq_ignore_ascii_case("localhost") => {
            LoopbackHost::Localhost
        }
        Some(url::Host::Ipv4(ip)) if ip == Ipv4Addr::LOCALHOST => LoopbackHost::Ipv4,
        Some(url::Host::Ipv6(ip)) if ip == Ipv6Addr::LOCALHOST => LoopbackHost::Ipv6,
        other => {
            let shown = other.map(|h| h.to_string()).unwrap_or_default();
            return Err(Error::DesktopFlow {
                message: format!(
                    "CallbackURL '{original}' names host '{shown}', which is not a loopback \
                     address. RFC 8252 (§7.3, §8.3) has native apps receive the authorization \
                     code only on the loopback interface, so the code never crosses a network: \
                     use localhost, 127.0.0.1 or [::1] (e.g. http://localhost:33333, registered \
                     as a Redirect URI in the Zoho API console). A CallbackURL on another host \
                     belongs to AuthMode=WEB, where your web application receives the callback. \
                     {HEADLESS_ALTERNATIVES}."
                ),
            });
        }
    };
    if url.fragment().is_some() {
        return Err(Error::DesktopFlow {
            message: format!(
                "CallbackURL '{original}' contains a fragment (#...); a redirect URI must not \
                 (RFC 6749 §3.1.2). Remove it here and in the Zoho API console"
            ),
        });
    }
    let port = url.port_or_known_default().unwrap_or(80);
    let path = url.path().to_owned();
    Ok(CallbackTarget {
        url,
        host,
        port,
        path,
        original: original.to_owned(),
    })
}

/// A bound, not yet answered OAuth callback listener.
///
/// Bind it before sending the user to the authorization URL, so the redirect cannot arrive
/// before anything listens. Dropping it releases the port.
#[derive(Debug)]
pub struct CallbackListener {
    listeners: Vec<TcpListener>,
    redirect_uri: String,
    path: String,
    port: u16,
    requested_port: u16,
}

impl CallbackListener {
    /// Validates `callback_url` and binds its loopback host and port.
    ///
    /// `localhost` binds both 127.0.0.1 and ::1; an IP literal binds only that address. Port 0
    /// asks the system for a free port: read the real one from [`redirect_uri`](Self::redirect_uri)
    /// and put that in the authorization URL. Must be called inside a Tokio runtime.
    ///
    /// # Errors
    /// [`Error::DesktopFlow`] for a CallbackURL that is not `http://` on a loopback host, and
    /// at once (no waiting) when the port is held by another program.
    pub async fn bind(callback_url: &str) -> Result<CallbackListener> {
        let target = parse_callback_url(callback_url)?;
        let listeners = match target.host {
            LoopbackHost::Ipv4 => {
                let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, target.port));
                vec![bind_one(addr).map_err(|e| bind_error(&target, addr, &e))?]
            }
            LoopbackHost::Ipv6 => {
                let addr = SocketAddr::from((Ipv6Addr::LOCALHOST, target.port));
                vec![bind_one(addr).map_err(|e| bind_error(&target, addr, &e))?]
            }
            LoopbackHost::Localhost if target.port == 0 => bind_localhost_ephemeral(&target)?,
            LoopbackHost::Localhost => bind_localhost_fixed(&target)?,
        };
        let port = listeners
            .first()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port())
            .ok_or_else(|| Error::DesktopFlow {
                message: format!(
                    "could not read the local port of the listener for '{}'",
                    target.original
                ),
            })?;
        let redirect_uri = if target.port == 0 {
            redirect_uri_with_port(&target, port)
        } else {
            target.original.clone()
        };
        tracing::debug!(
            redirect_uri = %redirect_uri,
            addresses = ?listeners.iter().filter_map(|l| l.local_addr().ok()).collect::<Vec<_>>(),
            "OAuth callback listener bound"
        );
        Ok(CallbackListener {
            listeners,
            redirect_uri,
            path: target.path,
            port,
            requested_port: target.port,
        })
    }

    /// The redirect URI to send to Zoho: the CallbackURL as given, or with the real port when
    /// it asked for port 0.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The port actually listened on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the CallbackURL asked for an ephemeral port (port 0).
    pub fn is_ephemeral(&self) -> bool {
        self.requested_port == 0
    }

    /// The socket addresses listened on (one or two loopback addresses).
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    /// Serves requests until the callback arrives or `timeout` passes, then releases the port.
    ///
    /// Returns the callback's parameters when it carries a code and the expected `state`.
    ///
    /// # Errors
    /// [`Error::DesktopFlow`] for a missing or different `state` (no code is returned, so no
    /// token can be requested with it), [`Error::AccessDenied`] for `error=access_denied`,
    /// [`Error::OAuth`] for another `error`, [`Error::Timeout`] when nothing arrived in time.
    pub async fn wait_for_callback(
        self,
        expected_state: &str,
        timeout: Duration,
    ) -> Result<CallbackParams> {
        self.wait_or_cancel(expected_state, timeout, std::future::pending())
            .await
    }

    /// Like [`wait_for_callback`](Self::wait_for_callback), ending early with an error when
    /// `cancel` completes (Ctrl-C).
    pub(crate) async fn wait_or_cancel(
        self,
        expected_state: &str,
        timeout: Duration,
        cancel: impl Future<Output = ()>,
    ) -> Result<CallbackParams> {
        let CallbackListener {
            listeners,
            redirect_uri,
            path,
            ..
        } = self;
        let rules = Arc::new(CallbackRules {
            path,
            expected_state: expected_state.to_owned(),
            claimed: AtomicBool::new(false),
        });
        let (outcome_tx, mut outcome_rx) = mpsc::channel::<Result<CallbackParams>>(4);
        let mut connections = JoinSet::new();
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        tokio::pin!(cancel);

        let result = loop {
            tokio::select! {
                Some(outcome) = outcome_rx.recv() => break outcome,
                accepted = accept_any(&listeners) => match accepted {
                    Ok((stream, peer)) => {
                        tracing::debug!(%peer, "connection to the OAuth callback listener");
                        connections.spawn(serve_connection(stream, rules.clone(), outcome_tx.clone()));
                    }
                    Err(e) => {
                        // Transient accept errors (e.g. too many open files): back off briefly.
                        tracing::debug!(error = %e, "accept on the OAuth callback listener failed");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                () = &mut deadline => break Err(timeout_error(&redirect_uri, timeout)),
                () = &mut cancel => break Err(Error::DesktopFlow {
                    message: "cancelled (Ctrl-C) before the browser returned to the callback; \
                              no token was requested".to_owned(),
                }),
            }
        };
        // Release the port: close the listening sockets, then abort every connection and wait
        // until each task (and so each accepted socket) is dropped.
        drop(listeners);
        connections.shutdown().await;
        result
    }
}

/// The error for a wait that ran out, with the usual reasons.
fn timeout_error(redirect_uri: &str, timeout: Duration) -> Error {
    Error::Timeout {
        what: format!(
            "no callback received at {redirect_uri} within {secs} s. Likely causes: the \
             consent page was not answered (or was opened in a browser on another machine); \
             the Redirect URI registered in the Zoho API console differs from CallbackURL, so \
             Zoho showed an error page instead of redirecting; the login was completed in an \
             old browser tab from an earlier attempt; a proxy or firewall blocked the request \
             to the loopback address. Raise OAuthBrowserTimeout to wait longer. The browser login",
            secs = timeout.as_secs_f64()
        ),
        after: timeout,
    }
}

/// Binds one loopback address without sharing a port with a live listener.
///
/// No `SO_REUSEPORT`, ever, and no `SO_REUSEADDR` on Windows (where it would let two sockets
/// listen on one port). On Unix `SO_REUSEADDR` is set, as std and Tokio do for every listener:
/// there it never allows binding next to another *listening* socket (so a busy port still fails
/// at once), but it lets the next login bind again while connections of the previous one are
/// still closing (FIN-WAIT/TIME-WAIT), which would otherwise block the port for up to a minute.
fn bind_one(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(32)
}

/// `localhost` with a fixed port: both loopback addresses, each allowed to be unavailable alone.
fn bind_localhost_fixed(target: &CallbackTarget) -> Result<Vec<TcpListener>> {
    let v4_addr = SocketAddr::from((Ipv4Addr::LOCALHOST, target.port));
    let v6_addr = SocketAddr::from((Ipv6Addr::LOCALHOST, target.port));
    let v4 = bind_one(v4_addr);
    let v6 = bind_one(v6_addr);
    // A port held by someone else on either address is fatal: a browser resolving localhost to
    // that address would hand the code to the other program, or hang.
    for (result, addr) in [(&v4, v4_addr), (&v6, v6_addr)] {
        if let Err(e) = result
            && is_fatal_bind_error(e)
        {
            return Err(bind_error(target, addr, e));
        }
    }
    match (v4, v6) {
        (Ok(a), Ok(b)) => Ok(vec![a, b]),
        (Ok(a), Err(e)) => {
            tracing::debug!(error = %e, "no IPv6 loopback; listening on 127.0.0.1 only");
            Ok(vec![a])
        }
        (Err(e), Ok(b)) => {
            tracing::debug!(error = %e, "no IPv4 loopback; listening on ::1 only");
            Ok(vec![b])
        }
        (Err(e4), Err(e6)) => Err(Error::DesktopFlow {
            message: format!(
                "could not listen on port {port} of either loopback address for CallbackURL \
                 '{url}' (127.0.0.1: {e4}; ::1: {e6}). {HEADLESS_ALTERNATIVES}",
                port = target.port,
                url = target.original
            ),
        }),
    }
}

/// `localhost` with port 0: one ephemeral port free on both loopback addresses.
fn bind_localhost_ephemeral(target: &CallbackTarget) -> Result<Vec<TcpListener>> {
    let mut last_error = None;
    for _ in 0..EPHEMERAL_PORT_ATTEMPTS {
        let v4 = match bind_one(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))) {
            Ok(listener) => listener,
            Err(e4) => {
                // No IPv4 loopback: take any port on ::1 alone.
                return bind_one(SocketAddr::from((Ipv6Addr::LOCALHOST, 0)))
                    .map(|l| vec![l])
                    .map_err(|e6| Error::DesktopFlow {
                        message: format!(
                            "could not listen on either loopback address for CallbackURL \
                             '{}' (127.0.0.1: {e4}; ::1: {e6}). {HEADLESS_ALTERNATIVES}",
                            target.original
                        ),
                    });
            }
        };
        let port = v4.local_addr().map(|a| a.port()).unwrap_or(0);
        match bind_one(SocketAddr::from((Ipv6Addr::LOCALHOST, port))) {
            Ok(v6) => return Ok(vec![v4, v6]),
            Err(e) if is_fatal_bind_error(&e) => last_error = Some(e), // taken on ::1: try another
            Err(e) => {
                tracing::debug!(error = %e, "no IPv6 loopback; listening on 127.0.0.1 only");
                return Ok(vec![v4]);
            }
        }
    }
    Err(Error::DesktopFlow {
        message: format!(
            "could not find a port free on both 127.0.0.1 and ::1 for CallbackURL '{}' ({})",
            target.original,
            last_error.map(|e| e.to_string()).unwrap_or_default()
        ),
    })
}

/// Errors meaning "this address exists but cannot be ours", as opposed to "no such address".
fn is_fatal_bind_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::AddrInUse | io::ErrorKind::PermissionDenied
    )
}

/// Turns a bind failure into an error that names the port and the fix.
fn bind_error(target: &CallbackTarget, addr: SocketAddr, e: &io::Error) -> Error {
    let port = target.port;
    let message = match e.kind() {
        io::ErrorKind::AddrInUse => format!(
            "port {port} (CallbackURL '{url}') is already in use on {ip}: another program is \
             listening there, and it would receive the authorization code instead of this \
             connector. Stop that program, or choose another port: set CallbackURL to e.g. \
             {suggestion} and register exactly that URL as a Redirect URI of your client in \
             the Zoho API console",
            url = target.original,
            ip = addr.ip(),
            suggestion = suggest_other_port(target),
        ),
        io::ErrorKind::PermissionDenied => format!(
            "not allowed to listen on port {port} (CallbackURL '{url}'): ports below 1024 need \
             administrator rights. Use a port such as 33333 (e.g. {suggestion}) and register \
             that URL as a Redirect URI in the Zoho API console",
            url = target.original,
            suggestion = suggest_other_port(target),
        ),
        _ => format!(
            "could not listen on {addr} for CallbackURL '{url}': {e}. {HEADLESS_ALTERNATIVES}",
            url = target.original
        ),
    };
    Error::DesktopFlow { message }
}

/// The CallbackURL with a neighbouring port, as a concrete suggestion.
fn suggest_other_port(target: &CallbackTarget) -> String {
    let other = match target.port {
        p if p < 1024 => 33333,
        u16::MAX => 33333,
        p => p + 1,
    };
    redirect_uri_with_port(target, other)
}

/// The CallbackURL with its port replaced, keeping the rest as written.
fn redirect_uri_with_port(target: &CallbackTarget, port: u16) -> String {
    let mut url = target.url.clone();
    // Cannot fail: the URL is http with a host.
    let _ = url.set_port(Some(port));
    let mut text = url.to_string();
    // `Url` adds "/" to an empty path; keep the form the user wrote (Zoho compares strings).
    if target.path == "/"
        && url.query().is_none()
        && !target.original.ends_with('/')
        && text.ends_with('/')
    {
        text.pop();
    }
    text
}

/// Accepts from whichever listener has a connection first.
async fn accept_any(listeners: &[TcpListener]) -> io::Result<(TcpStream, SocketAddr)> {
    match listeners {
        [one] => one.accept().await,
        [first, second, ..] => tokio::select! {
            r = first.accept() => r,
            r = second.accept() => r,
        },
        [] => std::future::pending().await,
    }
}

/// What a request is, as far as the callback is concerned.
#[derive(Debug)]
enum Classified {
    /// Not the callback (other path, no `code`/`error`, not GET): 404, keep waiting.
    NotCallback,
    /// The callback: its outcome ends the flow.
    Callback(Result<CallbackParams>),
}

/// What every connection needs to judge a request.
#[derive(Debug)]
struct CallbackRules {
    path: String,
    expected_state: String,
    /// Set by the first callback; later ones are not taken into account.
    claimed: AtomicBool,
}

/// Judges one request: only `GET <callback path>?code=...|error=...` is the callback.
fn classify(rules: &CallbackRules, method: &Method, uri: &Uri) -> Classified {
    if method != Method::GET || uri.path() != rules.path {
        return Classified::NotCallback;
    }
    let query = uri.query().unwrap_or("");
    let mut code: Vec<String> = Vec::new();
    let mut state: Vec<String> = Vec::new();
    let mut error: Vec<String> = Vec::new();
    let mut error_description = None;
    let mut location = None;
    let mut accounts_server = None;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "code" => code.push(value.into_owned()),
            "state" => state.push(value.into_owned()),
            "error" => error.push(value.into_owned()),
            "error_description" => error_description = Some(value.into_owned()),
            "location" => location = Some(value.into_owned()),
            "accounts-server" => accounts_server = Some(value.into_owned()),
            _ => {}
        }
    }
    if code.is_empty() && error.is_empty() {
        return Classified::NotCallback;
    }
    Classified::Callback(judge_callback(
        rules,
        code,
        state,
        error,
        error_description,
        location,
        accounts_server,
    ))
}

/// Decides the outcome of a request that is the callback.
fn judge_callback(
    rules: &CallbackRules,
    code: Vec<String>,
    state: Vec<String>,
    error: Vec<String>,
    error_description: Option<String>,
    location: Option<String>,
    accounts_server: Option<String>,
) -> Result<CallbackParams> {
    // RFC 6749 §3.2: parameters must not be repeated; a repeated one is not trustworthy.
    for (name, values) in [("code", &code), ("state", &state), ("error", &error)] {
        if values.len() > 1 {
            return Err(Error::DesktopFlow {
                message: format!(
                    "the callback carries '{name}' more than once, so it cannot be trusted; no \
                     token was requested. Start the sign-in again"
                ),
            });
        }
    }
    let state = state.into_iter().next();
    // A state that is present must match, even on an error response.
    if let Some(received) = &state
        && !constant_time_eq(received.as_bytes(), rules.expected_state.as_bytes())
    {
        return Err(Error::DesktopFlow {
            message: "the callback's state does not match the one this sign-in sent: the \
                      response belongs to another (older) sign-in attempt or was forged (CSRF). \
                      No token was requested. Close old authorization tabs and start the \
                      sign-in again"
                .to_owned(),
        });
    }
    // Zoho may omit state on a denial; an error response cannot deliver a code, so accept it.
    if let Some(error) = error.into_iter().next() {
        let description = error_description
            .map(|d| clip(&d))
            .filter(|d| !d.is_empty());
        if error == "access_denied" {
            return Err(Error::AccessDenied { description });
        }
        return Err(Error::OAuth {
            code: clip(&error),
            description,
            hint: "Zoho refused the authorization request. Check OAuthClientId, that CallbackURL \
                   equals a Redirect URI registered for the client in the Zoho API console, and \
                   Scope"
                .to_owned(),
        });
    }
    let Some(state) = state else {
        return Err(Error::DesktopFlow {
            message: "the callback carries a code but no state, so it cannot be tied to this \
                      sign-in (it may be forged); no token was requested. Start the sign-in again"
                .to_owned(),
        });
    };
    let code = code.into_iter().next().unwrap_or_default();
    if code.is_empty() {
        return Err(Error::DesktopFlow {
            message: "the callback's code is empty; no token was requested. Start the sign-in \
                      again"
                .to_owned(),
        });
    }
    Ok(CallbackParams {
        code: AuthorizationCode::new(code),
        state: Some(state),
        location: location.filter(|l| !l.is_empty()),
        accounts_server: accounts_server.filter(|a| !a.is_empty()),
    })
}

/// Compares without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Shortens provider text for messages.
fn clip(text: &str) -> String {
    let mut out: String = text.chars().take(MAX_PROVIDER_TEXT).collect();
    if text.chars().count() > MAX_PROVIDER_TEXT {
        out.push_str("...");
    }
    out
}

/// Serves one connection; hands the callback's outcome over once its page has been written.
async fn serve_connection(
    stream: TcpStream,
    rules: Arc<CallbackRules>,
    outcomes: mpsc::Sender<Result<CallbackParams>>,
) {
    let slot: Arc<Mutex<Option<Result<CallbackParams>>>> = Arc::new(Mutex::new(None));
    let service_slot = slot.clone();
    let service = service_fn(move |request: Request<hyper::body::Incoming>| {
        let response = respond(&rules, &service_slot, &request);
        async move { Ok::<_, Infallible>(response) }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service);
    if let Err(e) = connection.await {
        tracing::debug!(error = %e, "OAuth callback connection ended with an error");
    }
    let outcome = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(outcome) = outcome {
        let _ = outcomes.send(outcome).await;
    }
}

/// Answers one request and records the callback's outcome in `slot`.
fn respond(
    rules: &CallbackRules,
    slot: &Mutex<Option<Result<CallbackParams>>>,
    request: &Request<hyper::body::Incoming>,
) -> Response<Full<Bytes>> {
    // Log the path only: the query carries the authorization code.
    tracing::debug!(method = %request.method(), path = request.uri().path(), "OAuth callback listener request");
    match classify(rules, request.method(), request.uri()) {
        Classified::NotCallback => html(StatusCode::NOT_FOUND, pages::not_found_page(), false),
        Classified::Callback(outcome) => {
            if rules.claimed.swap(true, Ordering::SeqCst) {
                return html(StatusCode::CONFLICT, pages::already_handled_page(), true);
            }
            let (status, page) = match &outcome {
                Ok(_) => (StatusCode::OK, pages::success_page()),
                Err(e @ (Error::AccessDenied { .. } | Error::OAuth { .. })) => {
                    (StatusCode::OK, pages::failure_page(&e.to_string()))
                }
                Err(e) => (StatusCode::BAD_REQUEST, pages::failure_page(&e.to_string())),
            };
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(outcome);
            html(status, page, true)
        }
    }
}

/// An HTML response; `close` ends the connection after it (the callback's last answer).
fn html(status: StatusCode, page: String, close: bool) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(page)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    if close {
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(path: &str) -> CallbackRules {
        CallbackRules {
            path: path.to_owned(),
            expected_state: "s-123".to_owned(),
            claimed: AtomicBool::new(false),
        }
    }

    fn judge(path_and_query: &str) -> Classified {
        let uri: Uri = path_and_query.parse().expect("test URI");
        classify(&rules("/cb"), &Method::GET, &uri)
    }

    #[test]
    fn loopback_hosts_are_accepted() {
        let t = parse_callback_url("http://localhost:33333").expect("localhost");
        assert_eq!(
            (t.host, t.port, t.path.as_str()),
            (LoopbackHost::Localhost, 33333, "/")
        );
        let t = parse_callback_url("http://127.0.0.1:8080/cb").expect("v4");
        assert_eq!(
            (t.host, t.port, t.path.as_str()),
            (LoopbackHost::Ipv4, 8080, "/cb")
        );
        let t = parse_callback_url("http://[::1]:0/x/y").expect("v6");
        assert_eq!((t.host, t.port), (LoopbackHost::Ipv6, 0));
        let t = parse_callback_url("http://LOCALHOST/").expect("no port");
        assert_eq!(t.port, 80);
    }

    #[test]
    fn non_loopback_and_https_are_rejected_with_the_rule() {
        for url in [
            "http://example.com:33333",
            "http://192.168.1.10:33333",
            "http://0.0.0.0:33333",
            "http://127.0.0.2:33333",
            "http://localhost.example.com:33333",
        ] {
            let msg = parse_callback_url(url).expect_err(url).to_string();
            assert!(msg.contains("not a loopback address"), "{msg}");
            assert!(msg.contains("RFC 8252"), "{msg}");
            assert!(msg.contains("GetOAuthAuthorizationURL"), "{msg}");
        }
        let msg = parse_callback_url("https://localhost:33333")
            .expect_err("https")
            .to_string();
        assert!(msg.contains("uses https"), "{msg}");
        assert!(msg.contains("http://localhost:33333"), "{msg}");
        assert!(msg.contains("RFC 8252"), "{msg}");
        assert!(parse_callback_url("not a url").is_err());
        assert!(parse_callback_url("http://localhost:1/#frag").is_err());
    }

    #[test]
    fn ephemeral_redirect_uri_keeps_the_written_form() {
        let t = parse_callback_url("http://localhost:0").expect("url");
        assert_eq!(redirect_uri_with_port(&t, 4242), "http://localhost:4242");
        let t = parse_callback_url("http://127.0.0.1:0/cb").expect("url");
        assert_eq!(redirect_uri_with_port(&t, 4242), "http://127.0.0.1:4242/cb");
        let t = parse_callback_url("http://[::1]:0/").expect("url");
        assert_eq!(redirect_uri_with_port(&t, 4242), "http://[::1]:4242/");
    }

    #[test]
    fn callback_with_code_and_state_is_accepted_and_decoded() {
        let Classified::Callback(Ok(p)) = judge(
            "/cb?state=s-123&code=1000.abc.def&location=eu&accounts-server=https%3A%2F%2Faccounts.zoho.eu",
        ) else {
            panic!("expected success");
        };
        assert_eq!(p.code.expose_secret(), "1000.abc.def");
        assert_eq!(p.state.as_deref(), Some("s-123"));
        assert_eq!(p.location.as_deref(), Some("eu"));
        assert_eq!(
            p.accounts_server.as_deref(),
            Some("https://accounts.zoho.eu")
        );
    }

    #[test]
    fn other_paths_and_parameterless_requests_are_not_the_callback() {
        assert!(matches!(judge("/favicon.ico"), Classified::NotCallback));
        assert!(matches!(judge("/cb"), Classified::NotCallback));
        assert!(matches!(judge("/cb?foo=bar"), Classified::NotCallback));
        assert!(matches!(
            judge("/other?code=x&state=s-123"),
            Classified::NotCallback
        ));
        let uri: Uri = "/cb?code=x&state=s-123".parse().expect("uri");
        assert!(matches!(
            classify(&rules("/cb"), &Method::POST, &uri),
            Classified::NotCallback
        ));
    }

    #[test]
    fn state_problems_end_the_flow_without_a_code() {
        for q in [
            "/cb?code=x&state=other",
            "/cb?code=x",
            "/cb?code=x&state=",
            "/cb?code=x&state=s-123&state=s-123",
            "/cb?code=x&code=y&state=s-123",
            "/cb?error=access_denied&state=wrong",
        ] {
            assert!(
                matches!(
                    judge(q),
                    Classified::Callback(Err(Error::DesktopFlow { .. }))
                ),
                "{q}: expected a DesktopFlow error"
            );
        }
    }

    #[test]
    fn provider_errors_are_typed() {
        match judge("/cb?error=access_denied&state=s-123") {
            Classified::Callback(Err(Error::AccessDenied { description: None })) => {}
            other => panic!("{other:?}"),
        }
        // Zoho may leave state out of a denial.
        assert!(matches!(
            judge("/cb?error=access_denied"),
            Classified::Callback(Err(Error::AccessDenied { .. }))
        ));
        match judge("/cb?error=invalid_scope&error_description=bad+scope&state=s-123") {
            Classified::Callback(Err(Error::OAuth {
                code, description, ..
            })) => {
                assert_eq!(code, "invalid_scope");
                assert_eq!(description.as_deref(), Some("bad scope"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_never_show_the_code() {
        let Classified::Callback(Err(e)) = judge("/cb?code=1000.SECRETCODE&state=nope") else {
            panic!("expected an error");
        };
        assert!(!e.to_string().contains("SECRETCODE"));
        let Classified::Callback(Ok(p)) = judge("/cb?code=1000.SECRETCODE&state=s-123") else {
            panic!("expected success");
        };
        assert!(!format!("{p:?}").contains("SECRETCODE"));
    }

    #[test]
    fn constant_time_eq_compares_bytes() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
