//! `Config::parse` on arbitrary text: never panics, and whatever parses prints back to a string
//! that parses to the same configuration (the canonical form is a fixed point).
#![no_main]

use libfuzzer_sys::fuzz_target;
use zohobooks_sql::Config;

fuzz_target!(|data: &[u8]| {
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
});
