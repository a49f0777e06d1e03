//! `oauth::client::parse_token_response` on an arbitrary status, grant and body.
//!
//! Byte 0 picks the HTTP status (a spread over 1xx-5xx including 200, 400, 401, 500), byte 1
//! the grant and whether a JSON content type is claimed; the rest is the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zohobooks_sql::oauth::client::{Grant, parse_token_response};
use zohobooks_sql::oauth::http::HttpResponse;

const STATUSES: [u16; 16] = [
    200, 200, 200, 201, 204, 301, 400, 400, 401, 403, 404, 429, 500, 502, 503, 599,
];

fuzz_target!(|data: &[u8]| {
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
});
