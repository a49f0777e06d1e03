//! Fuzz target: `oauth::client::parse_token_response` on an arbitrary status, grant and body.
//! The check itself is in `fuzz/checks.rs`, shared with `tests/inputs/fuzz_regressions.rs`.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::token_response(data));
