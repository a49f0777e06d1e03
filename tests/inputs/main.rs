//! Integration tests: bad input, connection strings, property tests, fuzz regressions.
//!
//! One test binary per area: each binary links the whole engine, so areas are modules here,
//! not files of their own.

mod bad_inputs;
mod connection_strings;
mod fuzz_regressions;
mod performance;
mod properties;
