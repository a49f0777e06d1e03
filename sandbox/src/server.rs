//! The HTTP server: accepts connections on the loopback listener, reads each request fully,
//! counts it, applies any queued fault, routes it to the accounts, Books or control handlers,
//! and logs it with secrets redacted.

use std::sync::Arc;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::http::{Body, SandboxRequest, error_page, json as json_response, parse_form};
use super::state::{Shared, lock};
use super::{Endpoint, Fault, LoggedRequest, accounts, books, control};

/// Largest request body the sandbox reads (bigger bodies get 413).
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Returned to hyper to make it close the connection without a response (the drop fault).
#[derive(Debug)]
struct DroppedConnection;

impl std::fmt::Display for DroppedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected sandbox fault")
    }
}

impl std::error::Error for DroppedConnection {}

/// Accepts connections until `shutdown` fires (or its sender is dropped).
pub(crate) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else {
                    // Transient accept errors (e.g. too many open files): back off briefly.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                let shared = Arc::clone(&shared);
                let mut connection_shutdown = shutdown.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let shared = Arc::clone(&shared);
                        async move { handle(shared, request).await }
                    });
                    let connection = http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::select! {
                        _ = connection => {}
                        _ = connection_shutdown.changed() => {}
                    }
                });
            }
        }
    }
}

/// Which emulated endpoint a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Endpoint(Endpoint),
    ServerInfo,
    Control,
    NotFound,
}

fn route(path: &str) -> Route {
    match path {
        "/oauth/v2/auth" => Route::Endpoint(Endpoint::Auth),
        "/oauth/v2/token" => Route::Endpoint(Endpoint::Token),
        "/oauth/v2/token/revoke" | "/oauth/v2/revoke/token" => Route::Endpoint(Endpoint::Revoke),
        "/oauth/serverinfo" => Route::ServerInfo,
        _ if path == "/books/v3" || path.starts_with("/books/v3/") => {
            Route::Endpoint(Endpoint::Books)
        }
        _ if path.starts_with("/__sandbox/") => Route::Control,
        _ => Route::NotFound,
    }
}

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Body>, DroppedConnection> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let query = parts
        .uri
        .query()
        .map(|query| parse_form(query.as_bytes()))
        .unwrap_or_default();
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            return Ok(error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The request body is larger than the sandbox accepts (1 MiB) or was cut off.",
            ));
        }
    };
    let form = if is_form(&parts.headers) {
        parse_form(&body)
    } else {
        Vec::new()
    };
    let req = SandboxRequest {
        method: parts.method,
        path,
        query,
        form,
        headers: parts.headers,
    };

    let endpoint = match route(&req.path) {
        Route::Control => return Ok(control::handle(&shared, &req)),
        Route::ServerInfo => {
            let response = server_info(&shared, &req);
            log(&shared, &req, response.status().as_u16());
            return Ok(response);
        }
        // Paths Zoho does not have (favicon probes and the like) are neither counted nor logged.
        Route::NotFound => return Ok(not_found(&req)),
        Route::Endpoint(endpoint) => endpoint,
    };

    let books_path = match endpoint {
        Endpoint::Books => books::module_path(&req.path),
        _ => None,
    };
    let fault = {
        let mut state = lock(&shared.state);
        for key in counter_keys(endpoint, &req) {
            state.bump(&key);
        }
        state.take_fault(endpoint, books_path)
    };
    let response = match fault {
        None => dispatch(&shared, endpoint, &req),
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            dispatch(&shared, endpoint, &req)
        }
        Some(Fault::Status500) => internal_error(endpoint),
        Some(Fault::Unauthorized57) => json_response(
            StatusCode::UNAUTHORIZED,
            &json!({ "code": 57, "message": books::NOT_AUTHORIZED_MESSAGE }),
        ),
        Some(Fault::RateLimit44 { retry_after_secs }) => {
            let mut response = json_response(
                StatusCode::TOO_MANY_REQUESTS,
                &json!({ "code": 44, "message": books::RATE_LIMIT_MESSAGE }),
            );
            response
                .headers_mut()
                .insert(hyper::header::RETRY_AFTER, retry_after_secs.into());
            response
        }
        Some(Fault::DailyLimit45) => json_response(
            StatusCode::TOO_MANY_REQUESTS,
            &json!({ "code": 45, "message": books::DAILY_LIMIT_MESSAGE }),
        ),
        Some(Fault::DropConnection) => {
            log(&shared, &req, 0);
            return Err(DroppedConnection);
        }
    };
    log(&shared, &req, response.status().as_u16());
    Ok(response)
}

fn dispatch(shared: &Shared, endpoint: Endpoint, req: &SandboxRequest) -> Response<Body> {
    match endpoint {
        Endpoint::Auth => accounts::authorize(shared, req),
        Endpoint::Token => accounts::token(shared, req),
        Endpoint::Revoke => accounts::revoke(shared, req),
        Endpoint::Books | Endpoint::BooksPath(_) => books::handle(shared, req),
    }
}

fn counter_keys(endpoint: Endpoint, req: &SandboxRequest) -> Vec<String> {
    match endpoint {
        Endpoint::Auth if req.method == hyper::Method::POST => vec!["auth:consent".into()],
        Endpoint::Auth => vec!["auth".into()],
        Endpoint::Token => vec![accounts::token_counter_key(req).into()],
        Endpoint::Revoke => vec!["revoke".into()],
        Endpoint::Books | Endpoint::BooksPath(_) => books::counter_keys(&req.path),
    }
}

fn log(shared: &Shared, req: &SandboxRequest, status: u16) {
    let entry = LoggedRequest {
        method: req.method.to_string(),
        path: req.path.clone(),
        params: req.redacted_params(),
        status,
    };
    tracing::debug!(
        method = %entry.method,
        path = %entry.path,
        params = %entry.params,
        status = entry.status,
        "sandbox request"
    );
    lock(&shared.state).record(entry);
}

fn is_form(headers: &hyper::HeaderMap) -> bool {
    match headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    {
        // Zoho's examples post without a content type at times; read such bodies as forms.
        None => true,
        Some(content_type) => content_type
            .trim()
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded"),
    }
}

fn internal_error(endpoint: Endpoint) -> Response<Body> {
    match endpoint {
        Endpoint::Auth => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Injected sandbox fault: internal server error.",
        ),
        Endpoint::Token | Endpoint::Revoke => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({ "error": "internal_error", "status": "failure" }),
        ),
        Endpoint::Books | Endpoint::BooksPath(_) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({ "code": 1000, "message": "Internal error" }),
        ),
    }
}

fn not_found(req: &SandboxRequest) -> Response<Body> {
    if req.path.starts_with("/books/") {
        json_response(
            StatusCode::NOT_FOUND,
            &json!({ "code": 5, "message": "Invalid URL Passed" }),
        )
    } else {
        error_page(
            StatusCode::NOT_FOUND,
            "not_found",
            "The Zoho sandbox has no page at this path.",
        )
    }
}

/// `GET /oauth/serverinfo`: the data-centre map (inferred shape), pointing at this sandbox.
fn server_info(shared: &Shared, req: &SandboxRequest) -> Response<Body> {
    if req.method != hyper::Method::GET {
        return json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            &json!({ "error": "method_not_allowed" }),
        );
    }
    let mut locations = serde_json::Map::new();
    locations.insert(
        shared.settings.location.clone(),
        serde_json::Value::String(shared.settings.base_url.clone()),
    );
    json_response(
        StatusCode::OK,
        &json!({ "result": "success", "locations": locations }),
    )
}
