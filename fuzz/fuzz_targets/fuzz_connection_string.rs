//! Fuzz target: `Config::parse` on arbitrary text; what parses must round-trip.
//! The check itself is in `fuzz/checks.rs`, shared with `tests/inputs/fuzz_regressions.rs`.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::connection_string(data));
