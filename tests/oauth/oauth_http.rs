//! What the accounts client puts on the wire, checked with a raw HTTP listener on 127.0.0.1
//! that records each request: form bodies, `Accept-Language: en`, no secrets in the URL, no
//! redirects followed, the Timeout property, and the proxy properties (loopback never proxied).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use zohobooks_sql::Error;
use zohobooks_sql::oauth::client::{AccountsClient, CodeExchange, RetryPolicy};
use zohobooks_sql::oauth::http::{HttpSettings, HttpTransport, ProxySettings};
use zohobooks_sql::secret::{
    AuthorizationCode, ClientSecret, PkceVerifier, RefreshToken, SecretString,
};

/// One request as received: the head (request line + headers) and the body.
#[derive(Debug, Clone)]
struct Captured {
    head: String,
    body: String,
}

impl Captured {
    fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or("")
    }
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }
    fn form(&self) -> HashMap<String, String> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .into_owned()
            .collect()
    }
}

/// A listener that records requests and answers each with `response` (raw HTTP), or never
/// answers when `response` is `None`.
async fn recorder(response: Option<&'static str>) -> (String, Arc<Mutex<Vec<Captured>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let head_end = loop {
                    let Ok(n) = socket.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                while buf.len() < head_end + length {
                    let Ok(n) = socket.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let body = String::from_utf8_lossy(&buf[head_end..]).into_owned();
                log.lock().unwrap().push(Captured { head, body });
                match response {
                    Some(r) => {
                        let _ = socket.write_all(r.as_bytes()).await;
                        let _ = socket.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    (format!("http://{addr}"), seen)
}

fn json_response(body: &str) -> &'static str {
    Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_boxed_str(),
    )
}

fn client(settings: HttpSettings) -> AccountsClient {
    AccountsClient::new(Arc::new(HttpTransport::new(settings))).with_retry(RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
    })
}

fn settings() -> HttpSettings {
    HttpSettings {
        timeout: Some(Duration::from_secs(5)),
        proxy: None,
    }
}

async fn bounded<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .expect("step finished in time")
}

#[tokio::test]
async fn a_refresh_is_a_form_post_with_accept_language_en() {
    let (base, seen) = recorder(Some(json_response(
        r#"{"access_token":"1000.new.token","expires_in":3600}"#,
    )))
    .await;
    let c = client(settings());
    let t = bounded(c.refresh(
        &base,
        "1000.CLIENT",
        Some(&ClientSecret::new("client-secret-value")),
        &RefreshToken::new("1000.refresh.value"),
    ))
    .await
    .unwrap();
    assert_eq!(t.access_token.expose_secret(), "1000.new.token");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert_eq!(
        req.request_line(),
        "POST /oauth/v2/token HTTP/1.1",
        "no query string"
    );
    assert_eq!(req.header("accept-language").as_deref(), Some("en"));
    assert_eq!(
        req.header("content-type").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(req.header("accept").as_deref(), Some("application/json"));
    let form = req.form();
    assert_eq!(form["grant_type"], "refresh_token");
    assert_eq!(form["refresh_token"], "1000.refresh.value");
    assert_eq!(form["client_id"], "1000.CLIENT");
    assert_eq!(form["client_secret"], "client-secret-value");
}

#[tokio::test]
async fn a_code_exchange_sends_code_redirect_uri_and_pkce_verifier() {
    let (base, seen) = recorder(Some(json_response(r#"{"access_token":"a","refresh_token":"r","api_domain":"https://www.zohoapis.com","expires_in_sec":3600,"expires_in":3600000}"#))).await;
    let c = client(settings());
    let code = AuthorizationCode::new("1000.code.value");
    let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    let secret = ClientSecret::new(" %&+£€");
    let t = bounded(c.exchange_code(&CodeExchange {
        accounts_server: &base,
        client_id: "1000.CLIENT",
        client_secret: Some(&secret),
        code: &code,
        redirect_uri: "https://redirect/here",
        pkce_verifier: Some(&verifier),
    }))
    .await
    .unwrap();
    assert_eq!(t.expires_in, Some(3600));
    let seen = seen.lock().unwrap();
    let req = &seen[0];
    let form = req.form();
    assert_eq!(form["grant_type"], "authorization_code");
    assert_eq!(form["code"], "1000.code.value");
    assert_eq!(form["redirect_uri"], "https://redirect/here");
    assert_eq!(
        form["code_verifier"],
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    );
    // RFC 6749 Appendix B form encoding.
    assert!(
        req.body.contains("client_secret=+%25%26%2B%C2%A3%E2%82%AC"),
        "{}",
        req.body
    );
    assert!(
        req.body
            .contains("redirect_uri=https%3A%2F%2Fredirect%2Fhere")
    );
}

#[tokio::test]
async fn redirects_are_never_followed() {
    let (target, target_seen) = recorder(Some(json_response(r#"{"access_token":"x"}"#))).await;
    let redirect: &'static str = Box::leak(
        format!("HTTP/1.1 302 Found\r\nLocation: {target}/oauth/v2/token\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .into_boxed_str(),
    );
    let (base, seen) = recorder(Some(redirect)).await;
    let err = bounded(client(settings()).refresh(
        &base,
        "c",
        Some(&ClientSecret::new("s")),
        &RefreshToken::new("r"),
    ))
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Http { .. }), "{err}");
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(
        target_seen.lock().unwrap().len(),
        0,
        "the Location was not followed"
    );
}

#[tokio::test]
async fn the_timeout_applies_per_round_trip_and_a_code_is_not_resent() {
    let (base, seen) = recorder(None).await;
    let c = client(HttpSettings {
        timeout: Some(Duration::from_millis(400)),
        proxy: None,
    });
    let code = AuthorizationCode::new("1000.code.value");
    let started = std::time::Instant::now();
    let err = bounded(c.exchange_code(&CodeExchange {
        accounts_server: &base,
        client_id: "c",
        client_secret: None,
        code: &code,
        redirect_uri: "http://localhost",
        pkce_verifier: None,
    }))
    .await
    .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(!err.to_string().contains("1000.code.value"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "a code exchange is sent once"
    );
}

#[tokio::test]
async fn loopback_hosts_bypass_the_proxy_and_others_use_it_with_credentials() {
    let (proxy, proxy_seen) = recorder(Some(
        "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    ))
    .await;
    let proxy_url = url::Url::parse(&proxy).unwrap();
    let (base, seen) = recorder(Some(json_response(r#"{"access_token":"x"}"#))).await;
    let c = client(HttpSettings {
        timeout: Some(Duration::from_secs(5)),
        proxy: Some(ProxySettings {
            server: proxy_url.host_str().unwrap().to_owned(),
            port: proxy_url.port(),
            user: Some("proxyuser".into()),
            password: Some(SecretString::new("proxypass")),
        }),
    });
    // Loopback: direct.
    bounded(c.refresh(
        &base,
        "c",
        Some(&ClientSecret::new("s")),
        &RefreshToken::new("r"),
    ))
    .await
    .unwrap();
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(proxy_seen.lock().unwrap().len(), 0);
    // A Zoho host: through the proxy (which refuses here), with Basic proxy credentials.
    let err = bounded(c.revoke("https://accounts.zoho.com", "1000.t.t"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Http { .. }), "{err}");
    let proxied = proxy_seen.lock().unwrap();
    assert!(!proxied.is_empty());
    assert_eq!(
        proxied[0].request_line(),
        "CONNECT accounts.zoho.com:443 HTTP/1.1"
    );
    assert_eq!(
        proxied[0].header("proxy-authorization").as_deref(),
        Some("Basic cHJveHl1c2VyOnByb3h5cGFzcw==")
    );
}
