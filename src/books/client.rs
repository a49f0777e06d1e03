//! [`BooksClient`]: authenticated GETs against the Books API with envelope checks and paging.

use std::sync::Arc;

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

/// The Books API client of one connection.
#[derive(Debug, Clone)]
pub struct BooksClient {
    tokens: Arc<TokenManager>,
}

impl BooksClient {
    /// A client that authenticates through `tokens` and shares its HTTP transport.
    pub fn new(tokens: Arc<TokenManager>) -> BooksClient {
        BooksClient { tokens }
    }

    /// `GET /books/v3/organizations`: every organization the user belongs to.
    pub async fn organizations(&self) -> Result<Vec<JsonObject>> {
        self.list("organizations", "organizations", &[]).await
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
            let page_text = page.to_string();
            let mut q: Vec<(&str, &str)> = query.to_vec();
            q.push(("page", &page_text));
            q.push(("per_page", PER_PAGE));
            let body = self.get(path, &q).await?;
            let items = match body.get(key) {
                Some(Value::Array(items)) => items,
                Some(_) | None => {
                    return Err(Error::Api {
                        status: 200,
                        code: 0,
                        message: format!("the response has no '{key}' list"),
                    });
                }
            };
            for item in items {
                if let Value::Object(o) = item {
                    rows.push(o.clone());
                }
            }
            let more = body
                .get("page_context")
                .and_then(|p| p.get("has_more_page"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if !more || items.is_empty() || page >= MAX_PAGES {
                return Ok(rows);
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

    async fn send(
        &self,
        api_domain: &str,
        path: &str,
        query: &[(&str, &str)],
        token: &crate::secret::AccessToken,
    ) -> Result<HttpResponse> {
        let url = self.url(api_domain, path);
        let header = format!("Zoho-oauthtoken {}", token.expose_secret());
        self.tokens
            .transport()
            .get(&url, query, Some(&header))
            .await
            .map_err(SendError::into_error)
    }
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
        .map(|m| m.chars().take(300).collect())
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
            return Err(Error::RateLimited {
                message: format!(
                    "Zoho Books API limit reached (code {code}: {message}); wait and retry, or raise the organization's daily limit in Zoho Books"
                ),
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
