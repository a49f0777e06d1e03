//! `oauth::callback::parse_verifier` on arbitrary text (bare codes, URLs, query strings).
#![no_main]

use libfuzzer_sys::fuzz_target;
use zohobooks_sql::oauth::callback::parse_verifier;

fuzz_target!(|data: &[u8]| {
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
});
