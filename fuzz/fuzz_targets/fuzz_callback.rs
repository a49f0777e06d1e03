//! Fuzz target: `oauth::callback::parse_verifier` on arbitrary text (codes, URLs, queries).
//! The check itself is in `fuzz/checks.rs`, shared with `tests/inputs/fuzz_regressions.rs`.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::callback(data));
