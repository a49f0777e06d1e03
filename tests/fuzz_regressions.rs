//! Replays crash inputs found by the fuzz targets (`tests/fuzz_regressions/<target>/`) and the
//! fuzz seeds (`fuzz/seeds/<target>/`) through the same checks each target makes, so a fixed
//! crash stays fixed in the normal test suite.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use zohobooks_sql::Config;
use zohobooks_sql::catalog::procedures::validate;
use zohobooks_sql::oauth::callback::parse_verifier;
use zohobooks_sql::oauth::client::{Grant, parse_token_response};
use zohobooks_sql::oauth::http::HttpResponse;
use zohobooks_sql::sql::params::bind;
use zohobooks_sql::sql::{Params, Plan, parse_statement, split_statements};

/// The checks of `fuzz/fuzz_targets/fuzz_connection_string.rs`.
fn check_connection_string(data: &[u8]) {
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
            let _ = (e.to_string(), format!("{e:?}"), e.hint());
        }
    }
}

/// The checks of `fuzz/fuzz_targets/fuzz_callback.rs`.
fn check_callback(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match parse_verifier(&text) {
        Ok(params) => {
            let code = params.code.expose_secret();
            assert!(!code.is_empty());
            assert!(!code.chars().any(|c| c.is_whitespace() || c.is_control()));
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

/// The checks of `fuzz/fuzz_targets/fuzz_token_response.rs`.
fn check_token_response(data: &[u8]) {
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
}

/// The checks of `fuzz/fuzz_targets/fuzz_sql.rs`.
fn check_sql(data: &[u8]) {
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
        Ok(Plan::Select(_)) => {}
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
}

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        root.join("tests/fuzz_regressions").join(target),
        root.join("fuzz/seeds").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        files.extend(
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file() && !p.ends_with(".gitkeep")),
        );
    }
    files.sort();
    files
}

fn replay(target: &str, check: fn(&[u8])) {
    let files = inputs(target);
    assert!(!files.is_empty(), "no inputs for {target}");
    let mut failures = Vec::new();
    for path in &files {
        let data = std::fs::read(path).expect("read input");
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check(&data))) {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failures.push(format!("{}: {why}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn connection_string_inputs() {
    replay("fuzz_connection_string", check_connection_string);
}

#[test]
fn callback_inputs() {
    replay("fuzz_callback", check_callback);
}

#[test]
fn token_response_inputs() {
    replay("fuzz_token_response", check_token_response);
}

#[test]
fn sql_inputs() {
    replay("fuzz_sql", check_sql);
}
