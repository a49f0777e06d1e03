//! The authorization URL (`{accounts}/oauth/v2/auth?...`): built locally, no network.

use crate::error::{Error, Result};

/// What goes into an authorization URL.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest<'a> {
    /// The accounts server origin the user starts at.
    pub accounts_server: &'a str,
    /// `client_id`; `None` gives [`Error::MissingProperty`] naming OAuthClientId.
    pub client_id: Option<&'a str>,
    /// `redirect_uri` (the registered CallbackURL).
    pub redirect_uri: &'a str,
    /// `scope`, comma-separated.
    pub scope: &'a str,
    /// `state`, when one is sent.
    pub state: Option<&'a str>,
    /// The S256 `code_challenge`, when PKCE is used.
    pub code_challenge: Option<&'a str>,
}

/// Builds `{accounts}/oauth/v2/auth?client_id=..&response_type=code&redirect_uri=..&scope=..&access_type=offline&prompt=consent[&state=..][&code_challenge=..&code_challenge_method=S256]`.
///
/// `access_type=offline&prompt=consent` is always sent, so Zoho issues a refresh token even
/// on a second consent (lesson L16).
pub fn build_authorization_url(req: &AuthorizationRequest<'_>) -> Result<String> {
    let client_id = req
        .client_id
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| Error::MissingProperty {
            name: "OAuthClientId",
            hint: "set OAuthClientId to the Client ID of your app in the Zoho API console (https://api-console.zoho.com)".into(),
        })?;
    let base = format!(
        "{}/oauth/v2/auth",
        req.accounts_server.trim_end_matches('/')
    );
    let mut url = url::Url::parse(&base).map_err(|_| Error::MissingProperty {
        name: "AccountsServer",
        hint: "AccountsServer must be an absolute https:// URL such as https://accounts.zoho.eu"
            .into(),
    })?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("client_id", client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", req.redirect_uri)
            .append_pair("scope", req.scope)
            .append_pair("access_type", "offline")
            .append_pair("prompt", "consent");
        if let Some(state) = req.state.filter(|s| !s.is_empty()) {
            q.append_pair("state", state);
        }
        if let Some(challenge) = req.code_challenge {
            q.append_pair("code_challenge", challenge)
                .append_pair("code_challenge_method", "S256");
        }
    }
    Ok(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>() -> AuthorizationRequest<'a> {
        AuthorizationRequest {
            accounts_server: "https://accounts.zoho.com",
            client_id: Some("1000.ABC"),
            redirect_uri: "http://localhost:33333",
            scope: "ZohoBooks.fullaccess.all",
            state: None,
            code_challenge: None,
        }
    }

    #[test]
    fn the_plain_url_has_every_required_parameter_in_order() {
        assert_eq!(
            build_authorization_url(&req()).unwrap(),
            "https://accounts.zoho.com/oauth/v2/auth?client_id=1000.ABC&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A33333&scope=ZohoBooks.fullaccess.all&access_type=offline&prompt=consent"
        );
    }

    #[test]
    fn state_and_challenge_are_appended_and_encoded() {
        let mut r = req();
        r.state = Some("a b&c");
        r.code_challenge = Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        r.scope = "ZohoBooks.invoices.READ,ZohoBooks.settings.READ";
        let url = build_authorization_url(&r).unwrap();
        assert!(url.ends_with("&prompt=consent&state=a+b%26c&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"), "{url}");
        assert!(url.contains("scope=ZohoBooks.invoices.READ%2CZohoBooks.settings.READ"));
    }

    #[test]
    fn a_missing_client_id_names_the_property() {
        for id in [None, Some(""), Some("  ")] {
            let mut r = req();
            r.client_id = id;
            let err = build_authorization_url(&r).unwrap_err();
            assert!(matches!(
                err,
                Error::MissingProperty {
                    name: "OAuthClientId",
                    ..
                }
            ));
            assert!(err.to_string().contains("OAuthClientId"));
        }
    }
}
