//! A tiny HTTP/1.1 client over tokio's TcpStream (one connection per request), so the tests
//! depend on nothing the connector uses.

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zohobooks_sandbox::{Sandbox, SandboxHandle};

pub const ORG: &str = "10234695";
pub const SECOND_ORG: &str = "20234696";
pub const EMPTY_ORG: &str = "30234697";
pub const SCOPE: &str = "ZohoBooks.fullaccess.all";

/// An answer: status, headers (names lowercased), body as JSON (Null if not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A sandbox with a manual clock and a token for it.
pub async fn sandbox() -> (SandboxHandle, String) {
    let sb = Sandbox::builder()
        .manual_clock()
        .start()
        .await
        .expect("sandbox starts");
    let (access, _) = sb.mint_tokens(SCOPE);
    (sb, access)
}

/// Sends one request; `Err` when the connection closes without an answer.
pub async fn request(
    sb: &SandboxHandle,
    method: &str,
    path: &str,
    token: Option<&str>,
) -> Result<Answer, String> {
    let mut stream = TcpStream::connect(sb.local_addr())
        .await
        .map_err(|e| e.to_string())?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        sb.local_addr()
    );
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Zoho-oauthtoken {token}\r\n"));
    }
    head.push_str("Content-Length: 0\r\n\r\n");
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .await
        .map_err(|e| e.to_string())?;
    if raw.is_empty() {
        return Err("connection closed without an answer".into());
    }
    let text = String::from_utf8(raw).map_err(|e| e.to_string())?;
    let (head, body) = text.split_once("\r\n\r\n").ok_or("no end of headers")?;
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or("bad status line")?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Answer {
        status,
        headers,
        body: serde_json::from_str(body).unwrap_or(Value::Null),
        text: body.to_string(),
    })
}

/// `GET /books/v3/{path}` with a token; panics if the connection is dropped.
pub async fn books(sb: &SandboxHandle, token: &str, path: &str) -> Answer {
    request(sb, "GET", &format!("/books/v3/{path}"), Some(token))
        .await
        .expect("an answer")
}

/// `GET /books/v3/{path}?organization_id={org}&{query}`.
pub async fn list(sb: &SandboxHandle, token: &str, path: &str, org: &str, query: &str) -> Answer {
    let sep = if query.is_empty() { "" } else { "&" };
    books(
        sb,
        token,
        &format!("{path}?organization_id={org}{sep}{query}"),
    )
    .await
}

/// Every record of a list, walking pages of `per_page`.
pub async fn all(
    sb: &SandboxHandle,
    token: &str,
    path: &str,
    key: &str,
    org: &str,
    query: &str,
) -> Vec<Value> {
    let mut records = Vec::new();
    for page in 1..=1000 {
        let sep = if query.is_empty() { "" } else { "&" };
        let answer = list(sb, token, path, org, &format!("page={page}{sep}{query}")).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.text);
        records.extend(answer.body[key].as_array().expect("array").iter().cloned());
        if answer.body["page_context"]["has_more_page"] == false {
            return records;
        }
    }
    panic!("{path}: paging never ends");
}

/// A JSON amount (number, or Zoho's occasional string) in cents.
pub fn cents(value: &Value) -> i64 {
    match value {
        Value::Number(n) => (n.as_f64().unwrap_or(f64::NAN) * 100.0).round() as i64,
        Value::String(s) => (s.parse::<f64>().expect("an amount") * 100.0).round() as i64,
        other => panic!("not an amount: {other}"),
    }
}

/// A string field.
pub fn s<'a>(record: &'a Value, field: &str) -> &'a str {
    record[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is not a string in {record}"))
}
