//! Fuzz target: the SQL front end (split, parse, bind, validate) on arbitrary text.
//! The check itself is in `fuzz/checks.rs`, shared with `tests/inputs/fuzz_regressions.rs`.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::sql(data));
