//! The HTTP transport shared by the accounts client and the Books client.
//!
//! reqwest with rustls (ring provider), built lazily on the first request so that a statement
//! that sends nothing sets up no HTTP or TLS state. Every round trip has the `Timeout`
//! property as its limit, redirects are never followed, and the proxy properties (or the
//! environment's `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`) apply to every host except loopback
//! ones (the callback listener and a local emulator are never proxied).
//!
//! Each exchange is logged at debug level: method, URL without its query string, status and
//! elapsed milliseconds. Bodies, headers and query strings are never logged.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::secret::SecretString;

/// Proxy settings from `ProxyServer`, `ProxyPort`, `ProxyUser`, `ProxyPassword`.
#[derive(Debug, Clone)]
pub struct ProxySettings {
    /// Host name or URL of the proxy.
    pub server: String,
    /// Port (default 80 when the server has none).
    pub port: Option<u16>,
    /// User name for Basic proxy authentication.
    pub user: Option<String>,
    /// Password for Basic proxy authentication.
    pub password: Option<SecretString>,
}

/// Settings for the transport.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Limit per round trip (`Timeout`); `None` for no limit.
    pub timeout: Option<Duration>,
    /// An explicit proxy; `None` means the environment's proxy variables (if any).
    pub proxy: Option<ProxySettings>,
}

impl HttpSettings {
    /// The settings a connection's properties describe.
    pub fn from_config(config: &Config) -> HttpSettings {
        HttpSettings {
            timeout: config.timeout(),
            proxy: config.proxy_server().map(|server| ProxySettings {
                server: server.to_owned(),
                port: config.proxy_port(),
                user: config.proxy_user().map(str::to_owned),
                password: config.proxy_password().cloned(),
            }),
        }
    }
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            timeout: Some(Duration::from_secs(60)),
            proxy: None,
        }
    }
}

/// A response read completely: status, content type and body.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, when present.
    pub content_type: Option<String>,
    /// The `Location` header, when present.
    pub location: Option<String>,
    /// The `Retry-After` header, when present (Zoho's per-minute throttling sends it).
    pub retry_after: Option<String>,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// Why a request failed before a response arrived.
#[derive(Debug)]
pub enum SendError {
    /// The connection could not be made (nothing was sent).
    Connect(Error),
    /// The connection broke after the request may have been sent (e.g. closed without an
    /// answer). Safe to retry only for idempotent-enough requests such as a refresh grant.
    Broken(Error),
    /// Anything else: a timeout, an invalid request, a client that could not be built.
    Other(Error),
}

impl SendError {
    /// The crate error inside.
    pub fn into_error(self) -> Error {
        match self {
            SendError::Connect(e) | SendError::Broken(e) | SendError::Other(e) => e,
        }
    }
}

/// The lazily built HTTP client.
#[derive(Debug)]
pub struct HttpTransport {
    settings: HttpSettings,
    client: OnceLock<reqwest::Client>,
}

impl HttpTransport {
    /// A transport with these settings. Builds nothing until the first request.
    pub fn new(settings: HttpSettings) -> HttpTransport {
        HttpTransport {
            settings,
            client: OnceLock::new(),
        }
    }

    /// Whether the underlying HTTP/TLS client has been built (i.e. a request was attempted).
    pub fn is_built(&self) -> bool {
        self.client.get().is_some()
    }

    /// The round-trip limit.
    pub fn timeout(&self) -> Option<Duration> {
        self.settings.timeout
    }

    fn client(&self) -> Result<&reqwest::Client> {
        if let Some(c) = self.client.get() {
            return Ok(c);
        }
        let built = build_client(&self.settings)?;
        Ok(self.client.get_or_init(|| built))
    }

    /// POSTs a form body. `url` must carry no secrets in its query.
    pub async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> std::result::Result<HttpResponse, SendError> {
        let client = self.client().map_err(SendError::Other)?;
        let request = client
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::ACCEPT_LANGUAGE, "en")
            .form(form);
        self.execute("POST", url, request).await
    }

    /// GETs `url` with an optional `Authorization` header value.
    pub async fn get(
        &self,
        url: &str,
        query: &[(&str, &str)],
        authorization: Option<&str>,
    ) -> std::result::Result<HttpResponse, SendError> {
        let client = self.client().map_err(SendError::Other)?;
        let mut full = url::Url::parse(url).map_err(|_| {
            SendError::Other(Error::Http {
                url: url_for_log(url),
                message: "not a valid URL".into(),
            })
        })?;
        if !query.is_empty() {
            full.query_pairs_mut().extend_pairs(query);
        }
        let mut request = client
            .get(full)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::ACCEPT_LANGUAGE, "en");
        if let Some(value) = authorization {
            let mut header = reqwest::header::HeaderValue::from_str(value).map_err(|_| {
                SendError::Other(Error::Http {
                    url: url_for_log(url),
                    message: "the access token contains characters not allowed in an HTTP header"
                        .into(),
                })
            })?;
            header.set_sensitive(true);
            request = request.header(reqwest::header::AUTHORIZATION, header);
        }
        self.execute("GET", url, request).await
    }

    async fn execute(
        &self,
        method: &'static str,
        url: &str,
        request: reqwest::RequestBuilder,
    ) -> std::result::Result<HttpResponse, SendError> {
        let shown = url_for_log(url);
        let started = Instant::now();
        let result = async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let header = |name: reqwest::header::HeaderName| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let content_type = header(reqwest::header::CONTENT_TYPE);
            let location = header(reqwest::header::LOCATION);
            let retry_after = header(reqwest::header::RETRY_AFTER);
            let body = response.bytes().await?.to_vec();
            Ok::<_, reqwest::Error>(HttpResponse {
                status,
                content_type,
                location,
                retry_after,
                body,
            })
        }
        .await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(response) => {
                tracing::debug!(
                    method,
                    url = %shown,
                    status = response.status,
                    elapsed_ms,
                    "HTTP exchange"
                );
                Ok(response)
            }
            Err(e) => {
                tracing::debug!(method, url = %shown, elapsed_ms, error = %describe(&e), "HTTP exchange failed");
                let connect = e.is_connect();
                let broken = !connect && !e.is_timeout() && (e.is_request() || e.is_body());
                let error = if e.is_timeout() {
                    Error::Timeout {
                        what: format!("{method} {shown}"),
                        after: self.settings.timeout.unwrap_or_default(),
                    }
                } else {
                    Error::Http {
                        url: shown,
                        message: describe(&e),
                    }
                };
                Err(if connect {
                    SendError::Connect(error)
                } else if broken {
                    SendError::Broken(error)
                } else {
                    SendError::Other(error)
                })
            }
        }
    }
}

/// A URL as it may appear in logs and errors: scheme, host, port and path; no query, fragment
/// or credentials.
pub fn url_for_log(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => "<unparsable URL>".to_owned(),
    }
}

/// A reqwest error described without its URL (which could carry a query) and with its causes.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_connect() {
        "could not connect"
    } else if e.is_timeout() {
        "timed out"
    } else if e.is_body() || e.is_decode() {
        "the response body could not be read"
    } else if e.is_request() {
        "the request could not be sent"
    } else {
        "the request failed"
    };
    let mut out = kind.to_owned();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

fn is_loopback_url(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost")
        }
        None => false,
    }
}

fn proxy_url_from(settings: &ProxySettings) -> Result<url::Url> {
    let raw = if settings.server.contains("://") {
        settings.server.clone()
    } else {
        format!("http://{}", settings.server)
    };
    let mut url = url::Url::parse(&raw).map_err(|_| Error::MissingProperty {
        name: "ProxyServer",
        hint: "ProxyServer must be a host name or an http:// URL, e.g. ProxyServer=proxy.example.com;ProxyPort=3128".into(),
    })?;
    if let Some(port) = settings.port {
        let _ = url.set_port(Some(port));
    }
    Ok(url)
}

fn env_proxy(scheme: &str) -> Option<url::Url> {
    let names: &[&str] = if scheme == "https" {
        &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    };
    names
        .iter()
        .filter_map(|n| std::env::var(n).ok())
        .find(|v| !v.trim().is_empty())
        .and_then(|v| {
            let v = if v.contains("://") {
                v
            } else {
                format!("http://{v}")
            };
            url::Url::parse(&v).ok()
        })
}

fn build_client(settings: &HttpSettings) -> Result<reqwest::Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    if let Some(t) = settings.timeout {
        builder = builder.timeout(t);
    }
    match &settings.proxy {
        Some(p) => {
            let target = proxy_url_from(p)?;
            let mut proxy =
                reqwest::Proxy::custom(move |url| (!is_loopback_url(url)).then(|| target.clone()));
            if let Some(user) = &p.user {
                let password = p.password.as_ref().map(|s| s.expose_secret()).unwrap_or("");
                proxy = proxy.basic_auth(user, password);
            }
            builder = builder.proxy(proxy);
        }
        // No proxy configured anywhere (read once, as reqwest reads the environment once when a
        // client is built): no per-request proxy matching at all.
        None if env_proxy("https").is_none() && env_proxy("http").is_none() => {}
        None => {
            let proxy = reqwest::Proxy::custom(|url| {
                if is_loopback_url(url) {
                    None
                } else {
                    env_proxy(url.scheme())
                }
            })
            .no_proxy(reqwest::NoProxy::from_env());
            builder = builder.proxy(proxy);
        }
    }
    builder.build().map_err(|e| Error::Http {
        url: String::new(),
        message: format!("could not set up the HTTP client: {}", describe(&e)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_urls_drop_query_fragment_and_credentials() {
        assert_eq!(
            url_for_log("https://u:p@accounts.zoho.com/oauth/v2/token?code=SECRET#frag"),
            "https://accounts.zoho.com/oauth/v2/token"
        );
        assert_eq!(url_for_log("not a url"), "<unparsable URL>");
    }

    #[test]
    fn loopback_detection() {
        for (u, want) in [
            ("http://127.0.0.1:1/", true),
            ("http://[::1]:1/", true),
            ("http://localhost:33333/", true),
            ("http://LOCALHOST/", true),
            ("https://accounts.zoho.com/", false),
            ("http://10.0.0.1/", false),
        ] {
            assert_eq!(is_loopback_url(&url::Url::parse(u).unwrap()), want, "{u}");
        }
    }

    #[test]
    fn the_transport_is_built_lazily() {
        let t = HttpTransport::new(HttpSettings::default());
        assert!(!t.is_built());
        t.client().unwrap();
        assert!(t.is_built());
    }

    #[test]
    fn proxy_url_gets_scheme_and_port() {
        let p = ProxySettings {
            server: "proxy.example".into(),
            port: Some(3128),
            user: None,
            password: None,
        };
        assert_eq!(
            proxy_url_from(&p).unwrap().as_str(),
            "http://proxy.example:3128/"
        );
    }
}
