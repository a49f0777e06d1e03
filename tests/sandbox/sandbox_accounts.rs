//! The sandbox's Zoho Accounts emulation, driven over real HTTP with a plain reqwest client:
//! authorization (consent page, auto-approve, errors), code exchange (single use, expiry,
//! redirect URI, PKCE), client errors, refresh, throttling and revocation.
#![cfg(feature = "sandbox")]

use crate::sandbox_support;

use std::time::Duration;

use sandbox_support::*;
use serde_json::json;
use zohobooks_sandbox::{Sandbox, SandboxHandle};

async fn auto() -> SandboxHandle {
    Sandbox::builder()
        .auto_approve(true)
        .manual_clock()
        .start()
        .await
        .expect("sandbox starts")
}

fn consent_id(html: &str) -> String {
    let marker = "name=\"consent_id\" value=\"";
    let start = html.find(marker).expect("consent_id field") + marker.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end].to_string()
}

async fn post_consent(sb: &SandboxHandle, consent: &str, action: &str) -> reqwest::Response {
    client()
        .post(format!("{}/oauth/v2/auth", sb.base_url()))
        .form(&[("consent_id", consent), ("action", action)])
        .send()
        .await
        .expect("consent post")
}

#[tokio::test]
async fn binds_loopback_only() {
    let sb = Sandbox::builder().start().await.expect("sandbox starts");
    assert!(sb.local_addr().ip().is_loopback());
    assert_ne!(sb.local_addr().port(), 0);
    assert_eq!(
        sb.base_url(),
        format!("http://127.0.0.1:{}", sb.local_addr().port())
    );
    for addr in ["0.0.0.0:0", "[::]:0", "192.0.2.1:0"] {
        let error = Sandbox::builder()
            .bind(addr.parse().expect("address"))
            .start()
            .await
            .expect_err("non-loopback bind must be refused");
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput, "{addr}");
    }
}

#[tokio::test]
async fn consent_page_accept_issues_a_code_and_tokens() {
    let sb = Sandbox::builder()
        .manual_clock()
        .start()
        .await
        .expect("sandbox starts");
    let response = get_auth(&sb, &auth_params(&sb, &[("state", "st ate&1")])).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = response.text().await.expect("page");
    assert!(page.contains("<button id=\"accept\" name=\"action\" value=\"accept\""));
    assert!(page.contains("<button id=\"deny\" name=\"action\" value=\"deny\""));
    assert!(page.contains("method=\"post\""));
    assert!(page.contains(SCOPE));

    let consent = consent_id(&page);
    let answer = post_consent(&sb, &consent, "accept").await;
    let raw_location = location(&answer);
    assert!(
        raw_location.starts_with(&format!("{REDIRECT}?")),
        "{raw_location}"
    );
    let port = sb.local_addr().port();
    assert!(
        raw_location.contains(&format!("accounts-server=http%3A%2F%2F127.0.0.1%3A{port}")),
        "accounts-server must be percent-encoded: {raw_location}"
    );
    let params = query_of(&raw_location);
    assert_eq!(params["state"], "st ate&1");
    assert_eq!(params["location"], "us");
    assert_eq!(params["accounts-server"], sb.base_url());
    let code = params["code"].clone();
    assert_zoho_token(&code);

    // The consent request cannot be answered twice.
    let again = post_consent(&sb, &consent, "accept").await;
    assert_eq!(again.status(), 400);
    assert!(again.headers().get("location").is_none());

    let response = client()
        .post(format!("{}/oauth/v2/token", sb.base_url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", sb.client_id().as_str()),
            ("client_secret", sb.client_secret().as_str()),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    let body: serde_json::Value = response.json().await.expect("json");
    assert_zoho_token(body["access_token"].as_str().expect("access_token"));
    assert_zoho_token(body["refresh_token"].as_str().expect("refresh_token"));
    assert_ne!(body["access_token"], body["refresh_token"]);
    assert_eq!(body["api_domain"], sb.base_url());
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body.as_object().expect("object").len(), 5, "{body}");
    assert_eq!(sb.count("auth"), 1);
    assert_eq!(sb.count("auth:consent"), 2);
    assert_eq!(sb.count("token:authorization_code"), 1);
}

#[tokio::test]
async fn deny_redirects_with_access_denied() {
    let sb = Sandbox::builder().start().await.expect("sandbox starts");
    let page = get_auth(&sb, &auth_params(&sb, &[("state", "xyz")]))
        .await
        .text()
        .await
        .expect("page");
    let answer = post_consent(&sb, &consent_id(&page), "deny").await;
    let params = query_of(&location(&answer));
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "xyz");
    assert!(!params.contains_key("code"));

    // Without state, no state comes back.
    let page = get_auth(&sb, &auth_params(&sb, &[]))
        .await
        .text()
        .await
        .expect("page");
    let params = query_of(&location(
        &post_consent(&sb, &consent_id(&page), "deny").await,
    ));
    assert_eq!(params["error"], "access_denied");
    assert!(!params.contains_key("state"));

    // Garbage answers are an error page, not a redirect.
    let answer = post_consent(&sb, "no-such-consent", "accept").await;
    assert_eq!(answer.status(), 400);
    assert!(answer.headers().get("location").is_none());
}

#[tokio::test]
async fn bad_client_or_redirect_uri_is_an_error_page_never_a_redirect() {
    let sb = auto().await;
    let cases: Vec<(Vec<(String, String)>, &str)> = vec![
        (
            auth_params(&sb, &[("client_id", "1000.UNKNOWN")]),
            "invalid_client",
        ),
        (
            auth_params(&sb, &[])
                .into_iter()
                .filter(|(k, _)| k != "client_id")
                .collect(),
            "invalid_client",
        ),
        (
            auth_params(&sb, &[("redirect_uri", "http://evil.example/cb")]),
            "invalid_redirect_uri",
        ),
        (
            auth_params(&sb, &[("redirect_uri", "https://127.0.0.1:1/cb")]),
            "invalid_redirect_uri",
        ),
        (
            auth_params(&sb, &[("redirect_uri", "not-a-uri")]),
            "invalid_redirect_uri",
        ),
        (
            auth_params(&sb, &[])
                .into_iter()
                .filter(|(k, _)| k != "redirect_uri")
                .collect(),
            "invalid_redirect_uri",
        ),
    ];
    for (params, expected) in cases {
        let response = get_auth(&sb, &params).await;
        assert_eq!(response.status(), 400, "{params:?}");
        assert!(response.headers().get("location").is_none(), "{params:?}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let page = response.text().await.expect("page");
        assert!(page.contains(expected), "{params:?}: {page}");
    }
    // Any loopback port and path is fine by default.
    for uri in [
        "http://localhost:1/x",
        "http://[::1]:9/",
        "http://127.0.0.1:65000",
    ] {
        let response = get_auth(&sb, &auth_params(&sb, &[("redirect_uri", uri)])).await;
        assert!(location(&response).starts_with(uri), "{uri}");
    }
}

#[tokio::test]
async fn strict_mode_matches_redirect_uris_exactly() {
    let sb = Sandbox::builder()
        .auto_approve(true)
        .strict_redirect_uris(vec![REDIRECT.to_string()])
        .start()
        .await
        .expect("sandbox starts");
    let ok = get_auth(&sb, &auth_params(&sb, &[])).await;
    assert!(location(&ok).starts_with(REDIRECT));
    for uri in [
        "http://127.0.0.1:33334/callback",
        "http://127.0.0.1:33333/callback/",
        "http://localhost:33333/callback",
    ] {
        let response = get_auth(&sb, &auth_params(&sb, &[("redirect_uri", uri)])).await;
        assert_eq!(response.status(), 400, "{uri}");
        assert!(response.headers().get("location").is_none());
    }
}

#[tokio::test]
async fn other_authorization_errors_go_back_to_the_client() {
    let sb = auto().await;
    let cases = [
        (
            vec![("response_type", "token"), ("state", "s1")],
            "unsupported_response_type",
        ),
        (vec![("scope", ""), ("state", "s1")], "invalid_scope"),
        (vec![("scope", "<bad>"), ("state", "s1")], "invalid_scope"),
        (
            vec![
                ("code_challenge", "abc"),
                ("code_challenge_method", "S512"),
                ("state", "s1"),
            ],
            "invalid_request",
        ),
    ];
    for (extra, expected) in cases {
        let response = get_auth(&sb, &auth_params(&sb, &extra)).await;
        let params = query_of(&location(&response));
        assert_eq!(params["error"], expected, "{extra:?}");
        assert_eq!(params["state"], "s1");
        assert!(!params.contains_key("code"));
    }
}

#[tokio::test]
async fn codes_are_single_use() {
    let sb = auto().await;
    let code = code_for(&sb, &[]).await;
    let (status, body) = exchange(&sb, &code, None).await;
    assert_eq!(status, 200);
    assert!(body["access_token"].is_string());
    let (status, body) = exchange(&sb, &code, None).await;
    assert_eq!((status, body), (200, json!({ "error": "invalid_code" })));
    let (status, body) = exchange(&sb, "1000.0123.4567", None).await;
    assert_eq!((status, body), (200, json!({ "error": "invalid_code" })));
}

#[tokio::test]
async fn codes_expire_on_the_sandbox_clock() {
    let sb = auto().await;
    let code = code_for(&sb, &[]).await;
    sb.advance_clock(Duration::from_secs(119));
    assert_eq!(exchange(&sb, &code, None).await.0, 200);
    assert!(exchange(&sb, &code, None).await.1.get("error").is_some());

    let code = code_for(&sb, &[]).await;
    sb.advance_clock(Duration::from_secs(120));
    assert_eq!(
        exchange(&sb, &code, None).await.1,
        json!({ "error": "invalid_code" })
    );

    // A configured lifetime.
    let sb = Sandbox::builder()
        .auto_approve(true)
        .manual_clock()
        .code_ttl(Duration::from_secs(10))
        .start()
        .await
        .expect("sandbox starts");
    let code = code_for(&sb, &[]).await;
    sb.advance_clock(Duration::from_secs(10));
    assert_eq!(
        exchange(&sb, &code, None).await.1,
        json!({ "error": "invalid_code" })
    );
}

#[tokio::test]
async fn redirect_uri_must_equal_the_authorized_one() {
    let sb = auto().await;
    for wrong in [Some("http://127.0.0.1:33333/other"), None] {
        let code = code_for(&sb, &[]).await;
        let id = sb.client_id();
        let secret = sb.client_secret();
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
            ("code", code.as_str()),
        ];
        if let Some(wrong) = wrong {
            form.push(("redirect_uri", wrong));
        }
        let (status, body) = post_token(&sb, &form).await;
        assert_eq!(
            (status, body),
            (200, json!({ "error": "invalid_redirect_uri" })),
            "{wrong:?}"
        );
    }
}

#[tokio::test]
async fn pkce_is_verified_when_a_challenge_was_given() {
    let sb = auto().await;
    // RFC 7636 appendix B pair.
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let s256 = [
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ];

    let code = code_for(&sb, &s256).await;
    let (status, body) = exchange(&sb, &code, Some(verifier)).await;
    assert_eq!(status, 200);
    assert!(body["access_token"].is_string(), "{body}");

    let code = code_for(&sb, &s256).await;
    assert_eq!(
        exchange(&sb, &code, Some("wrong-verifier")).await.1,
        json!({ "error": "invalid_code" })
    );
    let code = code_for(&sb, &s256).await;
    assert_eq!(
        exchange(&sb, &code, None).await.1,
        json!({ "error": "invalid_code" })
    );

    // plain, the documented default method.
    let code = code_for(&sb, &[("code_challenge", "plain-verifier-value")]).await;
    assert!(exchange(&sb, &code, Some("plain-verifier-value")).await.1["access_token"].is_string());
    let code = code_for(
        &sb,
        &[
            ("code_challenge", "plain-verifier-value"),
            ("code_challenge_method", "plain"),
        ],
    )
    .await;
    assert_eq!(
        exchange(&sb, &code, Some("other")).await.1,
        json!({ "error": "invalid_code" })
    );

    // No challenge: a verifier is ignored.
    let code = code_for(&sb, &[]).await;
    assert!(exchange(&sb, &code, Some("anything")).await.1["access_token"].is_string());
}

#[tokio::test]
async fn client_errors_are_http_200_with_an_error_field() {
    let sb = auto().await;
    let code = code_for(&sb, &[]).await;
    let secret = sb.client_secret();
    let id = sb.client_id();
    let (status, body) = post_token(
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", "1000.NOPE"),
            ("client_secret", secret.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!((status, body), (200, json!({ "error": "invalid_client" })));
    let (status, body) = post_token(
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", id.as_str()),
            ("client_secret", "wrong"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(
        (status, body),
        (200, json!({ "error": "invalid_client_secret" }))
    );
    // Client errors do not consume the code.
    assert_eq!(exchange(&sb, &code, None).await.0, 200);
    assert!(exchange(&sb, &code, None).await.1["error"].is_string());

    let (status, body) = post_token(
        &sb,
        &[
            ("grant_type", "password"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ],
    )
    .await;
    assert_eq!(
        (status, body),
        (200, json!({ "error": "unsupported_grant_type" }))
    );
    let (status, body) = post_token(
        &sb,
        &[
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ],
    )
    .await;
    assert_eq!((status, body), (200, json!({ "error": "invalid_request" })));

    let response = client()
        .get(format!("{}/oauth/v2/token", sb.base_url()))
        .send()
        .await
        .expect("GET token");
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
}

#[tokio::test]
async fn parameters_may_come_in_the_query_and_the_body_wins() {
    let sb = auto().await;
    let id = sb.client_id();
    let secret = sb.client_secret();

    // Query string only, empty body (as some Zoho clients do).
    let code = code_for(&sb, &[]).await;
    let url = url_with(
        &sb.base_url(),
        "/oauth/v2/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    );
    let body: serde_json::Value = client()
        .post(url)
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert!(body["access_token"].is_string(), "{body}");

    // Wrong secret in the query, right one in the body: the body wins.
    let code = code_for(&sb, &[]).await;
    let url = url_with(
        &sb.base_url(),
        "/oauth/v2/token",
        &[
            ("client_secret", "wrong"),
            ("grant_type", "authorization_code"),
        ],
    );
    let body: serde_json::Value = client()
        .post(url)
        .form(&[
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert!(body["access_token"].is_string(), "{body}");

    // And the other way round.
    let code = code_for(&sb, &[]).await;
    let url = url_with(
        &sb.base_url(),
        "/oauth/v2/token",
        &[("client_secret", secret.as_str())],
    );
    let body: serde_json::Value = client()
        .post(url)
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", id.as_str()),
            ("client_secret", "wrong"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert_eq!(body, json!({ "error": "invalid_client_secret" }));
}

#[tokio::test]
async fn online_access_gets_no_refresh_token() {
    let sb = auto().await;
    for access_type in ["online", ""] {
        let params: Vec<(String, String)> = auth_params(&sb, &[("access_type", access_type)])
            .into_iter()
            .filter(|(k, v)| !(k == "access_type" && v.is_empty()))
            .collect();
        let code = query_of(&location(&get_auth(&sb, &params).await))["code"].clone();
        let (status, body) = exchange(&sb, &code, None).await;
        assert_eq!(status, 200);
        assert!(body["access_token"].is_string());
        assert!(body.get("refresh_token").is_none(), "{body}");
    }
}

#[tokio::test]
async fn refresh_returns_a_new_access_token_without_a_refresh_token() {
    let sb = Sandbox::builder()
        .auto_approve(true)
        .manual_clock()
        .access_token_ttl(Duration::from_secs(1800))
        .refresh_access_token_ttl(Duration::from_secs(900))
        .start()
        .await
        .expect("sandbox starts");
    let code = code_for(&sb, &[]).await;
    let (_, tokens) = exchange(&sb, &code, None).await;
    assert_eq!(tokens["expires_in"], 1800);
    let refresh_token = tokens["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_string();

    let (status, body) = refresh(&sb, &refresh_token).await;
    assert_eq!(status, 200);
    let access = body["access_token"].as_str().expect("access token");
    assert_zoho_token(access);
    assert_ne!(access, tokens["access_token"].as_str().unwrap());
    assert_eq!(body["api_domain"], sb.base_url());
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert_eq!(sb.count("token:refresh_token"), 1);

    // Both access tokens work against Books.
    for token in [access, tokens["access_token"].as_str().unwrap()] {
        assert_eq!(books_get(&sb, "organizations", Some(token)).await.0, 200);
    }
    // The refreshed one dies after its own lifetime.
    sb.advance_clock(Duration::from_secs(900));
    assert_eq!(books_get(&sb, "organizations", Some(access)).await.0, 401);
    assert_eq!(
        books_get(
            &sb,
            "organizations",
            Some(tokens["access_token"].as_str().unwrap())
        )
        .await
        .0,
        200
    );

    let (status, body) = refresh(&sb, "1000.unknown.token").await;
    assert_eq!((status, body), (200, json!({ "error": "invalid_code" })));
}

#[tokio::test]
async fn refreshes_are_throttled_per_refresh_token_per_window() {
    let sb = Sandbox::builder()
        .manual_clock()
        .refresh_limit(3, Duration::from_secs(60))
        .start()
        .await
        .expect("sandbox starts");
    let (_, first) = sb.mint_tokens(SCOPE);
    let (_, second) = sb.mint_tokens(SCOPE);
    for _ in 0..3 {
        assert_eq!(refresh(&sb, &first).await.0, 200);
    }
    let (status, body) = refresh(&sb, &first).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({
            "error_description": "You have made too many requests continuously. Please try again after some time.",
            "error": "Access Denied",
            "status": "failure"
        })
    );
    // Another refresh token has its own budget.
    assert_eq!(refresh(&sb, &second).await.0, 200);
    // The window slides.
    sb.advance_clock(Duration::from_secs(59));
    assert_eq!(refresh(&sb, &first).await.0, 400);
    sb.advance_clock(Duration::from_secs(1));
    assert_eq!(refresh(&sb, &first).await.0, 200);
}

#[tokio::test]
async fn zoho_default_throttle_is_ten_per_ten_minutes() {
    let sb = Sandbox::builder()
        .manual_clock()
        .start()
        .await
        .expect("sandbox starts");
    let (_, rt) = sb.mint_tokens(SCOPE);
    for _ in 0..10 {
        assert_eq!(refresh(&sb, &rt).await.0, 200);
    }
    assert_eq!(refresh(&sb, &rt).await.0, 400);
    sb.advance_clock(Duration::from_secs(600));
    assert_eq!(refresh(&sb, &rt).await.0, 200);
}

async fn post_revoke(
    sb: &SandboxHandle,
    path: &str,
    token: Option<&str>,
) -> (u16, serde_json::Value) {
    let params: Vec<(&str, &str)> = token.map(|t| vec![("token", t)]).unwrap_or_default();
    let response = client()
        .post(url_with(&sb.base_url(), path, &params))
        .send()
        .await
        .expect("revoke");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

#[tokio::test]
async fn revoking_a_refresh_token_cascades_to_its_access_tokens() {
    let sb = auto().await;
    let code = code_for(&sb, &[]).await;
    let (_, tokens) = exchange(&sb, &code, None).await;
    let rt = tokens["refresh_token"].as_str().unwrap().to_string();
    let first_access = tokens["access_token"].as_str().unwrap().to_string();
    let (_, refreshed) = refresh(&sb, &rt).await;
    let second_access = refreshed["access_token"].as_str().unwrap().to_string();
    let (unrelated_access, unrelated_rt) = sb.mint_tokens(SCOPE);

    let (status, body) = post_revoke(&sb, "/oauth/v2/token/revoke", Some(&rt)).await;
    assert_eq!((status, body), (200, json!({ "status": "success" })));
    assert_eq!(sb.count("revoke"), 1);

    assert_eq!(
        refresh(&sb, &rt).await,
        (200, json!({ "error": "invalid_code" }))
    );
    for access in [&first_access, &second_access] {
        let (status, body, _) = books_get(&sb, "organizations", Some(access)).await;
        assert_eq!(status, 401);
        assert_eq!(body["code"], 57);
    }
    assert_eq!(
        books_get(&sb, "organizations", Some(&unrelated_access))
            .await
            .0,
        200
    );
    assert_eq!(refresh(&sb, &unrelated_rt).await.0, 200);

    // Unknown (or already revoked) token: HTTP 400.
    let (status, body) = post_revoke(&sb, "/oauth/v2/token/revoke", Some(&rt)).await;
    assert_eq!(status, 400);
    assert_eq!(body["status"], "failure");
    let (status, _) = post_revoke(&sb, "/oauth/v2/token/revoke", None).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn revoke_alias_form_body_and_access_tokens() {
    let sb = auto().await;
    let (access, rt) = sb.mint_tokens(SCOPE);
    // Revoking one access token leaves the refresh token alive.
    let (status, _) = post_revoke(&sb, "/oauth/v2/revoke/token", Some(&access)).await;
    assert_eq!(status, 200);
    assert_eq!(books_get(&sb, "organizations", Some(&access)).await.0, 401);
    assert_eq!(refresh(&sb, &rt).await.0, 200);

    // Token in a form body, alias path with Basic client credentials.
    let response = client()
        .post(format!("{}/oauth/v2/revoke/token", sb.base_url()))
        .basic_auth(sb.client_id(), Some(sb.client_secret()))
        .form(&[("token", rt.as_str()), ("token_type", "refresh_token")])
        .send()
        .await
        .expect("revoke");
    assert_eq!(response.status(), 200);
    assert_eq!(
        refresh(&sb, &rt).await.1,
        json!({ "error": "invalid_code" })
    );

    // Wrong Basic credentials are refused.
    let (_, rt) = sb.mint_tokens(SCOPE);
    let response = client()
        .post(url_with(
            &sb.base_url(),
            "/oauth/v2/revoke/token",
            &[("token", &rt)],
        ))
        .basic_auth(sb.client_id(), Some("wrong"))
        .send()
        .await
        .expect("revoke");
    assert_eq!(response.status(), 400);
    assert_eq!(refresh(&sb, &rt).await.0, 200);

    let response = client()
        .get(url_with(
            &sb.base_url(),
            "/oauth/v2/token/revoke",
            &[("token", &rt)],
        ))
        .send()
        .await
        .expect("GET revoke");
    assert_eq!(response.status(), 405);
}

#[tokio::test]
async fn auto_approve_can_be_switched_while_running() {
    let sb = Sandbox::builder().start().await.expect("sandbox starts");
    assert_eq!(get_auth(&sb, &auth_params(&sb, &[])).await.status(), 200);
    sb.set_auto_approve(true);
    assert_eq!(get_auth(&sb, &auth_params(&sb, &[])).await.status(), 302);
    sb.set_auto_approve(false);
    assert_eq!(get_auth(&sb, &auth_params(&sb, &[])).await.status(), 200);
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server() {
    let sb = auto().await;
    let base = sb.base_url();
    assert!(
        client()
            .get(format!("{base}/oauth/serverinfo"))
            .send()
            .await
            .is_ok()
    );
    drop(sb);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let result = client()
        .get(format!("{base}/oauth/serverinfo"))
        .send()
        .await;
    assert!(result.is_err(), "server still answering after drop");
}

#[tokio::test]
async fn ipv6_loopback_works_where_available() {
    let sb = match Sandbox::builder()
        .auto_approve(true)
        .bind("[::1]:0".parse().expect("address"))
        .start()
        .await
    {
        Ok(sb) => sb,
        Err(error) => {
            eprintln!("skipping: this host cannot bind [::1] ({error})");
            return;
        }
    };
    assert!(sb.local_addr().is_ipv6() && sb.local_addr().ip().is_loopback());
    assert_eq!(
        sb.base_url(),
        format!("http://[::1]:{}", sb.local_addr().port())
    );
    let code = code_for(&sb, &[]).await;
    let (status, body) = exchange(&sb, &code, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["api_domain"], sb.base_url());
}

#[tokio::test]
async fn first_consent_rule_needs_prompt_consent_for_another_refresh_token() {
    let sb = Sandbox::builder()
        .auto_approve(true)
        .refresh_token_only_on_first_consent(true)
        .start()
        .await
        .expect("sandbox starts");
    // First consent: a refresh token.
    let (_, first) = exchange(&sb, &code_for(&sb, &[]).await, None).await;
    let rt = first["refresh_token"]
        .as_str()
        .expect("first consent yields a refresh token")
        .to_string();
    // Second consent without prompt=consent: access token only.
    let (_, second) = exchange(&sb, &code_for(&sb, &[]).await, None).await;
    assert!(second["access_token"].is_string());
    assert!(second.get("refresh_token").is_none(), "{second}");
    // With prompt=consent: a new refresh token.
    let (_, third) = exchange(&sb, &code_for(&sb, &[("prompt", "consent")]).await, None).await;
    assert!(third["refresh_token"].is_string(), "{third}");
    // Once every refresh token is revoked, the next consent is a first consent again.
    for token in [rt.as_str(), third["refresh_token"].as_str().unwrap()] {
        let response = client()
            .post(url_with(
                &sb.base_url(),
                "/oauth/v2/token/revoke",
                &[("token", token)],
            ))
            .send()
            .await
            .expect("revoke");
        assert_eq!(response.status(), 200);
    }
    let (_, fourth) = exchange(&sb, &code_for(&sb, &[]).await, None).await;
    assert!(fourth["refresh_token"].is_string(), "{fourth}");

    // Off by default: every offline consent yields one.
    let sb = auto().await;
    for _ in 0..2 {
        let (_, tokens) = exchange(&sb, &code_for(&sb, &[]).await, None).await;
        assert!(tokens["refresh_token"].is_string());
    }
}
