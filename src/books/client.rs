//! [`BooksClient`]: authenticated GETs against the Books API with envelope checks, paging,
//! retries of Zoho's throttling and server errors, and per-statement call counting.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::oauth::TokenManager;
use crate::oauth::http::{HttpResponse, SendError, url_for_log};

/// One JSON object from a Books list (e.g. an organization).
pub type JsonObject = Map<String, Value>;

/// Largest page Zoho serves.
const PER_PAGE: &str = "200";
/// Upper bound on pages fetched for one list (200 000 rows), so a server that always says
/// `has_more_page` cannot keep us looping.
const MAX_PAGES: u32 = 1000;
/// Attempts of one GET answered by throttling (429 with `Retry-After`) or a server error.
const ATTEMPTS: u32 = 4;
/// The longest `Retry-After` honoured; a longer wait is reported instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// What one statement did against Zoho: how many API calls it made, and the warnings its
/// scans raised (values that did not fit their column). Shared by the statement's scans.
#[derive(Debug, Default)]
pub struct StatementStats {
    calls: AtomicU64,
    warnings: Mutex<Vec<String>>,
}

impl StatementStats {
    /// API calls (HTTP requests to Books) made so far, retries included.
    pub fn api_calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// The warnings raised so far.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings.lock().map(|w| w.clone()).unwrap_or_default()
    }

    pub(crate) fn count_call(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn warn(&self, message: String) {
        tracing::warn!("{message}");
        if let Ok(mut w) = self.warnings.lock() {
            w.push(message);
        }
    }
}

/// One page of a Books list.
#[derive(Debug)]
pub struct Page {
    /// The records of the page.
    pub records: Vec<JsonObject>,
    /// Whether Zoho says another page follows.
    pub has_more: bool,
}

/// The Books API client of one connection.
#[derive(Debug, Clone)]
pub struct BooksClient {
    tokens: Arc<TokenManager>,
    /// The configured `OrganizationId`, or the one resolved on first use.
    organization: Arc<tokio::sync::OnceCell<String>>,
    stats: Option<Arc<StatementStats>>,
}

impl BooksClient {
    /// A client that authenticates through `tokens` and shares its HTTP transport. Requests
    /// name `organization` (the `OrganizationId` property), or else the user's default one.
    pub fn new(tokens: Arc<TokenManager>, organization: Option<&str>) -> BooksClient {
        let cell = tokio::sync::OnceCell::new();
        if let Some(id) = organization.filter(|id| !id.is_empty()) {
            let _ = cell.set(id.to_owned());
        }
        BooksClient {
            tokens,
            organization: Arc::new(cell),
            stats: None,
        }
    }

    /// The same client, counting its calls into `stats`.
    pub fn with_stats(&self, stats: Arc<StatementStats>) -> BooksClient {
        BooksClient {
            stats: Some(stats),
            ..self.clone()
        }
    }

    /// `GET /books/v3/organizations`: every organization the user belongs to.
    pub async fn organizations(&self) -> Result<Vec<JsonObject>> {
        self.list("organizations", "organizations", &[]).await
    }

    /// The organization requests are made for: `OrganizationId`, else the user's default
    /// organization (`is_default_org`), else the first. Resolved once per connection.
    pub async fn organization_id(&self) -> Result<String> {
        self.organization
            .get_or_try_init(|| async {
                let orgs = self.organizations().await?;
                let chosen = orgs
                    .iter()
                    .find(|o| o.get("is_default_org").and_then(Value::as_bool) == Some(true))
                    .or_else(|| orgs.first())
                    .and_then(|o| o.get("organization_id"))
                    .and_then(|id| match id {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    });
                chosen.ok_or_else(|| Error::Api {
                    status: 200,
                    code: 0,
                    message: "this Zoho user belongs to no Zoho Books organization; create one in Zoho Books, or set OrganizationId".into(),
                })
            })
            .await
            .cloned()
    }

    /// One page of `GET /books/v3/{path}` (`page` is 1-based, 200 records per page).
    pub async fn page(
        &self,
        path: &str,
        key: &str,
        query: &[(&str, &str)],
        page: u32,
    ) -> Result<Page> {
        let page_text = page.to_string();
        let mut q: Vec<(&str, &str)> = query.to_vec();
        q.push(("page", &page_text));
        q.push(("per_page", PER_PAGE));
        let mut body = self.get(path, &q).await?;
        let records = match body.remove(key) {
            Some(Value::Array(items)) => items
                .into_iter()
                .filter_map(|item| match item {
                    Value::Object(o) => Some(o),
                    _ => None,
                })
                .collect::<Vec<_>>(),
            Some(_) | None => {
                return Err(Error::Api {
                    status: 200,
                    code: 0,
                    message: format!("the response to GET {path} has no '{key}' list"),
                });
            }
        };
        let has_more = body
            .get("page_context")
            .and_then(|p| p.get("has_more_page"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        Ok(Page {
            has_more: has_more && !records.is_empty(),
            records,
        })
    }

    /// `GET /books/v3/{path}` returning the object under `key` (a detail record).
    pub async fn object(
        &self,
        path: &str,
        key: &str,
        query: &[(&str, &str)],
    ) -> Result<JsonObject> {
        let mut body = self.get(path, query).await?;
        match body.remove(key) {
            Some(Value::Object(o)) => Ok(o),
            _ => Err(Error::Api {
                status: 200,
                code: 0,
                message: format!("the response to GET {path} has no '{key}' object"),
            }),
        }
    }

    /// A paginated list: `GET /books/v3/{path}` with `page`/`per_page`, collecting `key`
    /// from each page while `page_context.has_more_page` is true. `query` is added to every
    /// request (e.g. `organization_id`).
    pub async fn list(
        &self,
        path: &str,
        key: &str,
        query: &[(&str, &str)],
    ) -> Result<Vec<JsonObject>> {
        let mut rows = Vec::new();
        let mut page: u32 = 1;
        loop {
            let Page { records, has_more } = self.page(path, key, query, page).await?;
            rows.extend(records);
            if !has_more {
                return Ok(rows);
            }
            if page >= MAX_PAGES {
                return Err(Error::ScanStopped {
                    table: path.to_owned(),
                    reason: format!("more than {MAX_PAGES} pages"),
                });
            }
            page += 1;
        }
    }

    /// One authenticated GET returning the checked envelope. A 401 (or code 57/14) is answered
    /// by exactly one forced refresh and one retry.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<JsonObject> {
        let creds = self.tokens.access_token().await?;
        let first = self
            .send(&creds.api_domain, path, query, &creds.access_token)
            .await?;
        if !is_auth_failure(&first) {
            return envelope(&first, &self.url(&creds.api_domain, path));
        }
        tracing::debug!("Books rejected the access token; refreshing once and retrying");
        let creds = self.tokens.force_refresh(&creds.access_token).await?;
        let second = self
            .send(&creds.api_domain, path, query, &creds.access_token)
            .await?;
        if is_auth_failure(&second) {
            let (code, message) = code_and_message(&second);
            return Err(Error::Api {
                status: second.status,
                code,
                message: format!(
                    "{message} (rejected again after a refresh: authorize again, and check that the scope includes what this call needs, e.g. ZohoBooks.settings.READ for organizations)"
                ),
            });
        }
        envelope(&second, &self.url(&creds.api_domain, path))
    }

    fn url(&self, api_domain: &str, path: &str) -> String {
        format!(
            "{}/books/v3/{}",
            api_domain.trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    }

    /// Sends one GET, retrying throttling (HTTP 429 with `Retry-After`, Zoho's per-minute
    /// limit) and server errors (5xx) with backoff. The daily limit (429 without
    /// `Retry-After`, code 45) is not retried: it lasts until the next day.
    async fn send(
        &self,
        api_domain: &str,
        path: &str,
        query: &[(&str, &str)],
        token: &crate::secret::AccessToken,
    ) -> Result<HttpResponse> {
        let url = self.url(api_domain, path);
        let header = format!("Zoho-oauthtoken {}", token.expose_secret());
        let mut attempt = 1;
        loop {
            if let Some(stats) = &self.stats {
                stats.count_call();
            }
            let result = self
                .tokens
                .transport()
                .get(&url, query, Some(&header))
                .await;
            let wait = match &result {
                Ok(r) if r.status == 429 => match retry_after(r) {
                    Some(wait) if wait <= MAX_RETRY_AFTER => Some(wait),
                    _ => None,
                },
                Ok(r) if r.status >= 500 => Some(backoff(attempt)),
                Err(SendError::Connect(_) | SendError::Broken(_)) => Some(backoff(attempt)),
                _ => None,
            };
            match wait {
                Some(wait) if attempt < ATTEMPTS => {
                    tracing::debug!(
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        "retrying a Books GET"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                _ => return result.map_err(SendError::into_error),
            }
        }
    }
}

/// 0.25 s, 0.5 s, 1 s, ...
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64 << attempt.saturating_sub(1).min(6))
}

/// The `Retry-After` of a throttled answer, in seconds (Zoho sends seconds).
fn retry_after(r: &HttpResponse) -> Option<Duration> {
    r.retry_after
        .as_deref()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

fn code_and_message(r: &HttpResponse) -> (i64, String) {
    let json: Option<Value> = serde_json::from_slice(&r.body).ok();
    let code = json
        .as_ref()
        .and_then(|j| j.get("code"))
        .and_then(Value::as_i64)
        .unwrap_or(-1);
    let message = json
        .as_ref()
        .and_then(|j| j.get("message"))
        .and_then(Value::as_str)
        .map(|m| m.chars().filter(|c| !c.is_control()).take(300).collect())
        .unwrap_or_else(|| format!("HTTP {}", r.status));
    (code, message)
}

fn is_auth_failure(r: &HttpResponse) -> bool {
    if r.status == 401 {
        return true;
    }
    let (code, _) = code_and_message(r);
    r.status >= 400 && (code == 57 || code == 14)
}

fn envelope(r: &HttpResponse, url: &str) -> Result<JsonObject> {
    let json: Value = serde_json::from_slice(&r.body).map_err(|_| {
        if r.status >= 400 {
            Error::Api {
                status: r.status,
                code: -1,
                message: format!("HTTP {} with a body that is not JSON", r.status),
            }
        } else {
            Error::Http {
                url: url_for_log(url),
                message: format!("HTTP {}: the body is not JSON", r.status),
            }
        }
    })?;
    let Value::Object(obj) = json else {
        return Err(Error::Http {
            url: url_for_log(url),
            message: "the body is not a JSON object".into(),
        });
    };
    let code = obj.get("code").and_then(Value::as_i64);
    if code != Some(0) || r.status >= 400 {
        let (code, message) = code_and_message(r);
        if r.status == 429 {
            let daily = r.retry_after.is_none() || message.contains("for the day");
            return Err(Error::RateLimited {
                message: if daily {
                    format!(
                        "the organization's daily Zoho Books API limit is used up (code {code}: {message}); it resets the next day (plans allow 1,000 to 10,000 calls a day), or raise it in Zoho Books"
                    )
                } else {
                    format!(
                        "Zoho Books kept throttling after {ATTEMPTS} attempts (code {code}: {message}); wait a minute and retry"
                    )
                },
            });
        }
        return Err(Error::Api {
            status: r.status,
            code,
            message,
        });
    }
    Ok(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            content_type: Some("application/json".into()),
            location: None,
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn envelope_checks() {
        let ok = envelope(
            &resp(200, r#"{"code":0,"message":"success","organizations":[]}"#),
            "http://x/",
        )
        .unwrap();
        assert!(ok.contains_key("organizations"));
        let err = envelope(
            &resp(404, r#"{"code":1002,"message":"Invoice does not exist."}"#),
            "http://x/",
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Api {
                    status: 404,
                    code: 1002,
                    ..
                }
            ),
            "{err}"
        );
        let err = envelope(
            &resp(200, r#"{"code":2,"message":"Invalid value"}"#),
            "http://x/",
        )
        .unwrap_err();
        assert!(matches!(err, Error::Api { code: 2, .. }), "{err}");
        let err =
            envelope(&resp(429, r#"{"code":45,"message":"limit"}"#), "http://x/").unwrap_err();
        assert!(matches!(err, Error::RateLimited { .. }), "{err}");
        assert!(err.to_string().contains("code 45"), "{err}");
        let err = envelope(&resp(500, "oops"), "http://x/").unwrap_err();
        assert!(matches!(err, Error::Api { status: 500, .. }), "{err}");
    }

    #[test]
    fn auth_failures() {
        assert!(is_auth_failure(&resp(401, r#"{"code":57,"message":"no"}"#)));
        assert!(is_auth_failure(&resp(401, "")));
        assert!(is_auth_failure(&resp(400, r#"{"code":57,"message":"no"}"#)));
        assert!(is_auth_failure(&resp(401, r#"{"code":14,"message":"no"}"#)));
        assert!(!is_auth_failure(&resp(200, r#"{"code":0}"#)));
        assert!(!is_auth_failure(&resp(404, r#"{"code":1002}"#)));
    }
}
