//! Small HTTP helpers for the sandbox: the parsed request, parameter lookup, response builders,
//! HTML escaping and secret redaction for the request log.
//!
//! Deliberately independent of the client side of the crate: the sandbox parses what it receives
//! with its own code, so a parsing bug on the client cannot hide itself in the emulator.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderValue, LOCATION};
use hyper::{HeaderMap, Method, Response, StatusCode};

/// The response body type every sandbox handler produces.
pub(crate) type Body = Full<Bytes>;

/// Parameter names whose values are secrets and never appear in the request log.
const SECRET_PARAMETERS: &[&str] = &[
    "client_secret",
    "code",
    "code_verifier",
    "access_token",
    "refresh_token",
    "token",
    "password",
];

/// A request read completely: method, path, decoded query and form body, headers.
pub(crate) struct SandboxRequest {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) form: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
}

impl std::fmt::Debug for SandboxRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Parameters redacted; headers (which may carry a token) left out.
        f.debug_struct("SandboxRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("params", &self.redacted_params())
            .finish_non_exhaustive()
    }
}

impl SandboxRequest {
    /// A parameter from the form body or, if the body lacks it, from the query string
    /// (the body wins, as Zoho's token endpoint accepts both).
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.form_param(name).or_else(|| self.query_param(name))
    }

    /// A parameter from the query string only.
    pub(crate) fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// A parameter from the form body only.
    pub(crate) fn form_param(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// A header value as text, if present and valid UTF-8.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Query and body parameters, secrets replaced by `***`, as one `k=v&k=v` string.
    pub(crate) fn redacted_params(&self) -> String {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in self.query.iter().chain(self.form.iter()) {
            if SECRET_PARAMETERS.contains(&key.as_str()) {
                serializer.append_pair(key, "***");
            } else {
                serializer.append_pair(key, value);
            }
        }
        serializer.finish()
    }
}

/// Decodes `application/x-www-form-urlencoded` text into ordered pairs.
pub(crate) fn parse_form(text: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(text)
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect()
}

fn with_content_type(
    status: StatusCode,
    content_type: &'static str,
    body: String,
) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A JSON response with Zoho's content type.
pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    with_content_type(status, "application/json;charset=UTF-8", value.to_string())
}

/// A JSON response from already serialized text.
pub(crate) fn json_text(status: StatusCode, body: String) -> Response<Body> {
    with_content_type(status, "application/json;charset=UTF-8", body)
}

/// An HTML page.
pub(crate) fn html(status: StatusCode, body: String) -> Response<Body> {
    with_content_type(status, "text/html;charset=UTF-8", body)
}

/// A 302 redirect to `location`. Falls back to an HTML error page if the location is not a
/// valid header value (it always is for URIs that passed validation).
pub(crate) fn redirect(location: &str) -> Response<Body> {
    match HeaderValue::from_str(location) {
        Ok(value) => {
            let mut response = Response::new(Full::new(Bytes::new()));
            *response.status_mut() = StatusCode::FOUND;
            response.headers_mut().insert(LOCATION, value);
            response
        }
        Err(_) => error_page(
            StatusCode::BAD_REQUEST,
            "invalid_redirect_uri",
            "The redirect URI contains characters that cannot be sent in a Location header.",
        ),
    }
}

/// A small HTML error page; `code` is a machine-readable word shown in the page and its title.
pub(crate) fn error_page(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    let code = escape_html(code);
    let message = escape_html(message);
    html(
        status,
        format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Zoho sandbox: {code}</title></head>\n\
             <body><h1>Sandbox error: <span id=\"error\">{code}</span></h1>\n<p id=\"message\">{message}</p>\n</body></html>\n"
        ),
    )
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str, body: &str) -> SandboxRequest {
        SandboxRequest {
            method: Method::POST,
            path: "/oauth/v2/token".into(),
            query: parse_form(query.as_bytes()),
            form: parse_form(body.as_bytes()),
            headers: HeaderMap::new(),
        }
    }

    #[test]
    fn body_wins_over_query() {
        let req = request("grant_type=a&client_id=q", "grant_type=b");
        assert_eq!(req.param("grant_type"), Some("b"));
        assert_eq!(req.param("client_id"), Some("q"));
        assert_eq!(req.param("missing"), None);
    }

    #[test]
    fn redaction_hides_every_secret() {
        let req = request(
            "client_id=id&client_secret=s3cret&code=1000.abc",
            "refresh_token=rt&code_verifier=v&token=t&state=st",
        );
        let params = req.redacted_params();
        for secret in ["s3cret", "1000.abc", "=rt", "=v&", "=t&"] {
            assert!(!params.contains(secret), "{params} leaks {secret}");
        }
        assert!(params.contains("client_id=id"));
        assert!(params.contains("state=st"));
        assert_eq!(params.matches("***").count(), 5);
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
