//! The checks each fuzz target makes on one input, shared by the targets under `fuzz_targets/`
//! and by `tests/inputs/fuzz_regressions.rs`, which replays crash inputs and seeds through the very same
//! code in the normal test suite. Every check panics on a violated property; any input is fine.
#![allow(dead_code)] // each fuzz target uses one check

use zohobooks_sql::Config;
use zohobooks_sql::catalog::procedures::validate;
use zohobooks_sql::oauth::callback::parse_verifier;
use zohobooks_sql::oauth::client::{Grant, parse_token_response};
use zohobooks_sql::oauth::http::HttpResponse;
use zohobooks_sql::sql::params::bind;
use zohobooks_sql::sql::{Params, Plan, parse_statement, split_statements};

/// `Config::parse` on arbitrary text: never panics, and whatever parses prints back to a string
/// that parses to the same configuration (the canonical form is a fixed point).
pub fn connection_string(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::parse(text) {
        Ok(config) => {
            let canonical = config.canonical_string_with_secrets();
            let reparsed = Config::parse(&canonical)
                .unwrap_or_else(|e| panic!("canonical form {canonical:?} does not parse: {e}"));
            assert_eq!(reparsed, config, "round trip through {canonical:?}");
            assert_eq!(reparsed.canonical_string_with_secrets(), canonical);
        }
        Err(e) => {
            // Rendering the error must not panic either.
            let _ = (e.to_string(), format!("{e:?}"), e.hint());
        }
    }
}

/// `oauth::callback::parse_verifier` on arbitrary text (bare codes, URLs, query strings).
pub fn callback(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match parse_verifier(&text) {
        Ok(params) => {
            let code = params.code.expose_secret();
            assert!(!code.is_empty(), "an accepted verifier has a code");
            assert!(
                !code.chars().any(|c| c.is_whitespace() || c.is_control()),
                "an accepted code has no spaces or control characters"
            );
            let _ = format!("{params:?}");
        }
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
}

const STATUSES: [u16; 16] = [
    200, 200, 200, 201, 204, 301, 400, 400, 401, 403, 404, 429, 500, 502, 503, 599,
];

/// `oauth::client::parse_token_response` on an arbitrary status, grant and body: byte 0 picks
/// the HTTP status (a spread over 1xx-5xx including 200, 400, 401, 500), byte 1 the grant and
/// whether a JSON content type is claimed; the rest is the body.
pub fn token_response(data: &[u8]) {
    let (status, flags, body) = match data {
        [s, f, rest @ ..] => (STATUSES[usize::from(*s) % STATUSES.len()], *f, rest),
        _ => return,
    };
    let grant = if flags & 1 == 0 {
        Grant::AuthorizationCode
    } else {
        Grant::RefreshToken
    };
    let response = HttpResponse {
        status,
        content_type: (flags & 2 == 0).then(|| "application/json;charset=UTF-8".to_owned()),
        location: None,
        retry_after: None,
        body: body.to_vec(),
    };
    match parse_token_response("https://accounts.zoho.com/oauth/v2/token", &response, grant) {
        Ok(tokens) => {
            assert!(!tokens.access_token.expose_secret().is_empty());
            let _ = format!("{tokens:?}");
        }
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
}

/// The SQL front end on arbitrary text: the whole text as one statement (as
/// `Connection::execute` receives it), then `split_statements` and each statement through
/// `parse_statement`, `bind` with no values and, for calls, `validate`. Nothing may panic.
pub fn sql(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    sql_front_end(&text);
    if let Ok(statements) = split_statements(&text) {
        for statement in &statements {
            sql_front_end(statement);
        }
    }
}

fn sql_front_end(sql: &str) {
    let plan = match parse_statement(sql) {
        Ok(plan) => plan,
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"), e.hint());
            return;
        }
    };
    let _ = format!("{plan:?}");
    match bind(plan, &Params::new()) {
        Ok(Plan::Call(call)) => {
            if let Err(e) = validate(&call) {
                let _ = (e.to_string(), format!("{e:?}"));
            }
        }
        Ok(Plan::Query(_)) => {}
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
}
