//! The `/__sandbox/...` control endpoints: the same knobs as [`SandboxHandle`](super::SandboxHandle),
//! over HTTP, for tests and tools that are not written in Rust. These requests are neither
//! counted nor logged.

use std::time::Duration;

use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};

use super::http::{Body, SandboxRequest, json as json_response};
use super::state::{QueuedFault, Shared, lock};
use super::{Endpoint, Fault};

fn ok() -> Response<Body> {
    json_response(StatusCode::OK, &json!({ "status": "success" }))
}

fn bad_request(message: &str) -> Response<Body> {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({ "status": "failure", "error": message }),
    )
}

/// Routes one `/__sandbox/...` request.
pub(crate) fn handle(shared: &Shared, req: &SandboxRequest) -> Response<Body> {
    let path = req.path.trim_end_matches('/');
    match (&req.method, path) {
        (&Method::GET, "/__sandbox/counters") => {
            let counters = lock(&shared.state).counters.clone();
            json_response(StatusCode::OK, &json!(counters))
        }
        (&Method::GET, "/__sandbox/requests") => {
            let log = lock(&shared.state).log();
            match serde_json::to_value(log) {
                Ok(value) => json_response(StatusCode::OK, &value),
                Err(_) => json_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &json!({ "status": "failure", "error": "could not serialise the request log" }),
                ),
            }
        }
        (&Method::GET, "/__sandbox/info") => json_response(
            StatusCode::OK,
            &json!({
                "base_url": shared.settings.base_url,
                "client_id": shared.settings.client_id,
                "location": shared.settings.location,
            }),
        ),
        (&Method::POST, "/__sandbox/fault") => fault(shared, req),
        (&Method::POST, "/__sandbox/daily-limit") => match req.param("calls") {
            Some("off") => {
                lock(&shared.state).daily_limit = None;
                ok()
            }
            Some(text) => match text.parse::<u32>() {
                Ok(calls) => {
                    lock(&shared.state).daily_limit = Some(calls);
                    ok()
                }
                Err(_) => bad_request("daily-limit needs calls=<whole number> or calls=off"),
            },
            None => bad_request("daily-limit needs calls=<whole number> or calls=off"),
        },
        (&Method::POST, "/__sandbox/clock/advance") => advance_clock(shared, req),
        (&Method::POST, "/__sandbox/auto-approve") => match req.param("on") {
            Some("true") => {
                lock(&shared.state).auto_approve = true;
                ok()
            }
            Some("false") => {
                lock(&shared.state).auto_approve = false;
                ok()
            }
            _ => bad_request("auto-approve needs on=true or on=false"),
        },
        (&Method::POST, "/__sandbox/expire-access-tokens") => {
            lock(&shared.state).expire_access_tokens();
            ok()
        }
        (&Method::POST, "/__sandbox/mint-tokens") => {
            let scope = req.param("scope").unwrap_or("ZohoBooks.fullaccess.all");
            let (access_token, refresh_token) = super::mint_tokens(shared, scope);
            json_response(
                StatusCode::OK,
                &json!({ "access_token": access_token, "refresh_token": refresh_token }),
            )
        }
        (_, known)
            if [
                "/__sandbox/counters",
                "/__sandbox/requests",
                "/__sandbox/info",
                "/__sandbox/fault",
                "/__sandbox/daily-limit",
                "/__sandbox/clock/advance",
                "/__sandbox/auto-approve",
                "/__sandbox/expire-access-tokens",
                "/__sandbox/mint-tokens",
            ]
            .contains(&known) =>
        {
            json_response(
                StatusCode::METHOD_NOT_ALLOWED,
                &json!({ "status": "failure", "error": "wrong method: GET counters, requests and info; POST the others" }),
            )
        }
        _ => json_response(
            StatusCode::NOT_FOUND,
            &json!({
                "status": "failure",
                "error": "unknown sandbox control endpoint",
                "endpoints": [
                    "GET /__sandbox/counters", "GET /__sandbox/requests", "GET /__sandbox/info",
                    "POST /__sandbox/fault?endpoint=token|auth|revoke|books|books:<path>&kind=500|delay|drop|401|429|45&times=N[&ms=M][&retry_after=S]",
                    "POST /__sandbox/daily-limit?calls=N|off",
                    "POST /__sandbox/clock/advance?seconds=N", "POST /__sandbox/auto-approve?on=true|false",
                    "POST /__sandbox/expire-access-tokens", "POST /__sandbox/mint-tokens[?scope=S]"
                ]
            }),
        ),
    }
}

fn fault(shared: &Shared, req: &SandboxRequest) -> Response<Body> {
    let endpoint = match req.param("endpoint") {
        Some("auth") => Endpoint::Auth,
        Some("token") => Endpoint::Token,
        Some("revoke") => Endpoint::Revoke,
        Some("books") => Endpoint::Books,
        Some(other) => match other.strip_prefix("books:").and_then(Endpoint::books_path) {
            Some(endpoint) => endpoint,
            None => {
                return bad_request(
                    "endpoint must be one of auth, token, revoke, books, books:<path> (a served Books path such as books:invoices)",
                );
            }
        },
        None => {
            return bad_request(
                "endpoint must be one of auth, token, revoke, books, books:<path> (a served Books path such as books:invoices)",
            );
        }
    };
    let fault = match req.param("kind") {
        Some("500") => Fault::Status500,
        Some("drop") => Fault::DropConnection,
        Some("401") => Fault::Unauthorized57,
        Some("429") => match req.param("retry_after").map(str::parse::<u32>) {
            None => Fault::RateLimit44 {
                retry_after_secs: 60,
            },
            Some(Ok(secs)) => Fault::RateLimit44 {
                retry_after_secs: secs,
            },
            Some(Err(_)) => return bad_request("retry_after must be a whole number of seconds"),
        },
        Some("45") => Fault::DailyLimit45,
        Some("delay") => match req.param("ms").map(str::parse::<u64>) {
            Some(Ok(ms)) => Fault::Delay(Duration::from_millis(ms)),
            _ => return bad_request("kind=delay needs ms=<milliseconds> (a whole number)"),
        },
        _ => return bad_request("kind must be one of 500, delay, drop, 401, 429, 45"),
    };
    let times = match req.param("times").map(str::parse::<u32>) {
        None => 1,
        Some(Ok(times)) if times > 0 => times,
        _ => return bad_request("times must be a whole number of at least 1"),
    };
    lock(&shared.state).faults.push(QueuedFault {
        endpoint,
        fault,
        remaining: times,
    });
    ok()
}

fn advance_clock(shared: &Shared, req: &SandboxRequest) -> Response<Body> {
    let Some(Ok(seconds)) = req.param("seconds").map(str::parse::<u64>) else {
        return bad_request("clock/advance needs seconds=<whole number>");
    };
    let mut state = lock(&shared.state);
    state.clock.advance(Duration::from_secs(seconds));
    let now = state.clock.now().as_secs();
    drop(state);
    json_response(
        StatusCode::OK,
        &json!({ "status": "success", "now_seconds": Value::from(now) }),
    )
}
