//! Reading what the user brings back from Zoho's consent page.
//!
//! CData's `Verifier` / `OAuthVerifier` is either the bare authorization code or, for
//! convenience (lessons L1/L2), the whole callback URL the browser landed on, e.g.
//! `http://localhost:33333/?state=..&code=1000.ab..&location=eu&accounts-server=https%3A%2F%2Faccounts.zoho.eu&`.
//! A query string alone (`code=..&state=..`) is accepted as well. Values are percent-decoded;
//! nothing here sends a request or trusts a host (see [`super::region::HostPolicy`]).

use super::CallbackParams;
use crate::error::{Error, Result};
use crate::secret::AuthorizationCode;

/// Longest input accepted (a Zoho callback URL is a few hundred bytes).
const MAX_INPUT: usize = 16 * 1024;

/// Parses a verifier (bare code, callback URL, or query string) into [`CallbackParams`].
///
/// Errors: [`Error::AccessDenied`] for `error=access_denied`, [`Error::OAuth`] for any other
/// `error=...`, [`Error::InvalidVerifier`] for empty input, a URL without `code`, a repeated
/// parameter, or a code containing spaces or control characters. Never panics; error messages
/// never contain the code.
pub fn parse_verifier(input: &str) -> Result<CallbackParams> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(invalid(
            "it is empty; pass the code from the callback URL, or the whole callback URL",
        ));
    }
    if trimmed.len() > MAX_INPUT {
        return Err(invalid(
            "it is longer than 16 KiB; pass the code or the callback URL only",
        ));
    }
    match query_part(trimmed)? {
        Some(query) => parse_query(&query),
        None => Ok(CallbackParams {
            code: checked_code(trimmed)?,
            state: None,
            location: None,
            accounts_server: None,
        }),
    }
}

/// The query to read, or `None` when the input is a bare code.
fn query_part(input: &str) -> Result<Option<String>> {
    if input.contains("://") {
        let url = url::Url::parse(input).map_err(|_| {
            invalid("it looks like a URL but cannot be parsed; paste the complete address from the browser")
        })?;
        let query = url.query().unwrap_or("");
        // Some flows deliver parameters in the fragment; use it only when the query has none.
        if !has_code_or_error(query)
            && let Some(fragment) = url.fragment()
            && has_code_or_error(fragment)
        {
            return Ok(Some(fragment.to_owned()));
        }
        return Ok(Some(query.to_owned()));
    }
    if let Some((_, query)) = input.split_once('?') {
        return Ok(Some(query.to_owned()));
    }
    if input.contains('=') {
        return Ok(Some(input.to_owned()));
    }
    Ok(None)
}

fn has_code_or_error(query: &str) -> bool {
    url::form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == "code" || k == "error")
}

#[derive(Default)]
struct Fields {
    code: Option<String>,
    state: Option<String>,
    location: Option<String>,
    accounts_server: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn parse_query(query: &str) -> Result<CallbackParams> {
    let mut f = Fields::default();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        // RFC 6749 §3.2: a parameter without a value is treated as omitted.
        if value.is_empty() {
            continue;
        }
        let slot = match key.as_ref() {
            "code" => &mut f.code,
            "state" => &mut f.state,
            "location" => &mut f.location,
            "accounts-server" => &mut f.accounts_server,
            "error" => &mut f.error,
            "error_description" => &mut f.error_description,
            _ => continue,
        };
        if slot.is_some() {
            return Err(invalid(&format!(
                "the parameter '{key}' appears more than once; paste the callback URL exactly as the browser shows it"
            )));
        }
        *slot = Some(value.into_owned());
    }
    if let Some(error) = f.error {
        let description = f.error_description.map(|d| bounded(&d));
        if error == "access_denied" {
            return Err(Error::AccessDenied { description });
        }
        return Err(Error::OAuth {
            code: bounded(&error),
            description,
            hint: "Zoho refused the authorization request; check OAuthClientId, the CallbackURL registered for it and the scope, then request a new authorization URL".into(),
        });
    }
    let Some(code) = f.code else {
        return Err(invalid(
            "the callback URL has no 'code' parameter; paste the whole address the browser landed on after you accepted, or the code alone",
        ));
    };
    Ok(CallbackParams {
        code: checked_code(&code)?,
        state: f.state,
        location: f.location,
        accounts_server: f.accounts_server,
    })
}

fn checked_code(code: &str) -> Result<AuthorizationCode> {
    if code.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            "the code contains spaces or control characters; copy it again without line breaks",
        ));
    }
    Ok(AuthorizationCode::new(code))
}

fn invalid(reason: &str) -> Error {
    Error::InvalidVerifier {
        reason: reason.to_owned(),
    }
}

/// Server-provided text in an error: at most 200 characters, control characters replaced.
fn bounded(s: &str) -> String {
    s.chars()
        .take(200)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CODE: &str = "1000.0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210";

    #[test]
    fn a_bare_code_is_taken_as_is() {
        let p = parse_verifier(&format!("  {CODE}\n")).unwrap();
        assert_eq!(p.code.expose_secret(), CODE);
        assert_eq!(p.state, None);
        assert_eq!(p.accounts_server, None);
    }

    #[test]
    fn a_pasted_callback_url_is_decoded() {
        let url = format!(
            "http://localhost:33333/?state=st-1&code={CODE}&location=eu&accounts-server=https%3A%2F%2Faccounts.zoho.eu&"
        );
        let p = parse_verifier(&url).unwrap();
        assert_eq!(p.code.expose_secret(), CODE);
        assert_eq!(p.state.as_deref(), Some("st-1"));
        assert_eq!(p.location.as_deref(), Some("eu"));
        assert_eq!(
            p.accounts_server.as_deref(),
            Some("https://accounts.zoho.eu")
        );
    }

    #[test]
    fn a_query_string_alone_is_accepted() {
        let p = parse_verifier(&format!("code={CODE}&location=us")).unwrap();
        assert_eq!(p.code.expose_secret(), CODE);
        assert_eq!(p.location.as_deref(), Some("us"));
        let p = parse_verifier(&format!("/callback?code={CODE}")).unwrap();
        assert_eq!(p.code.expose_secret(), CODE);
    }

    #[test]
    fn access_denied_is_typed() {
        let err =
            parse_verifier("http://localhost:33333/?error=access_denied&state=x").unwrap_err();
        assert!(
            matches!(err, Error::AccessDenied { description: None }),
            "{err}"
        );
        let err = parse_verifier("http://h/cb?error=invalid_scope&error_description=bad+scope")
            .unwrap_err();
        match err {
            Error::OAuth {
                code, description, ..
            } => {
                assert_eq!(code, "invalid_scope");
                assert_eq!(description.as_deref(), Some("bad scope"));
            }
            other => panic!("{other}"),
        }
    }

    #[test]
    fn bad_inputs_get_clear_errors_without_the_code() {
        for bad in [
            "",
            "   ",
            "http://localhost:33333/?state=x",
            "http://localhost:33333/",
            "1000.abc def",
        ] {
            let err = parse_verifier(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidVerifier { .. }), "{bad}: {err}");
        }
        let err = parse_verifier(&format!("http://h/?code={CODE}&code=other")).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("more than once"), "{msg}");
        assert!(!msg.contains(CODE));
    }

    #[test]
    fn empty_values_count_as_absent() {
        let p = parse_verifier(&format!("http://h/?state=&code={CODE}&accounts-server=")).unwrap();
        assert_eq!(p.state, None);
        assert_eq!(p.accounts_server, None);
    }

    #[test]
    fn a_fragment_is_read_when_the_query_has_no_code() {
        let p = parse_verifier(&format!("http://h/cb#code={CODE}&state=s")).unwrap();
        assert_eq!(p.code.expose_secret(), CODE);
        assert_eq!(p.state.as_deref(), Some("s"));
    }

    proptest! {
        #[test]
        fn never_panics_on_any_text(s in "\\PC*") {
            let _ = parse_verifier(&s);
        }

        #[test]
        fn never_panics_on_url_like_text(s in "(https?://)?[a-z:/?&=%#.@\\[\\]-]{0,60}") {
            let _ = parse_verifier(&s);
        }

        #[test]
        fn round_trips_any_code_and_state(code in "[A-Za-z0-9._~-]{1,80}", state in "[ -~]{1,40}") {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            q.append_pair("state", &state).append_pair("code", &code);
            let url = format!("http://127.0.0.1:1/cb?{}", q.finish());
            let p = parse_verifier(&url).unwrap();
            prop_assert_eq!(p.code.expose_secret(), code.as_str());
            prop_assert_eq!(p.state.as_deref(), Some(state.as_str()));
        }
    }
}
