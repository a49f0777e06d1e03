//! The sandbox's test knobs over real HTTP: fault injection (500, delay, dropped connection,
//! 401 code 57) through the Rust API and `/__sandbox/fault`, counters, the redacted request
//! log, the clock, auto-approve and token expiry endpoints.
#![cfg(feature = "sandbox")]

use crate::sandbox_support;

use std::time::{Duration, Instant};

use sandbox_support::*;
use serde_json::{Value, json};
use zohobooks_sandbox::{Endpoint, Fault, Sandbox, SandboxHandle};

async fn auto() -> SandboxHandle {
    Sandbox::builder()
        .auto_approve(true)
        .manual_clock()
        .start()
        .await
        .expect("sandbox starts")
}

async fn control(
    sb: &SandboxHandle,
    method: reqwest::Method,
    path_and_query: &str,
) -> (u16, Value) {
    let response = client()
        .request(
            method,
            format!("{}/__sandbox/{path_and_query}", sb.base_url()),
        )
        .send()
        .await
        .expect("control request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

async fn post(sb: &SandboxHandle, path_and_query: &str) -> (u16, Value) {
    control(sb, reqwest::Method::POST, path_and_query).await
}

async fn get(sb: &SandboxHandle, path: &str) -> (u16, Value) {
    control(sb, reqwest::Method::GET, path).await
}

#[tokio::test]
async fn status_500_hits_exactly_the_next_n_requests_of_each_endpoint() {
    let sb = auto().await;
    let (access, rt) = sb.mint_tokens(SCOPE);

    sb.inject_fault(Endpoint::Token, Fault::Status500, 2);
    for _ in 0..2 {
        let (status, body) = refresh(&sb, &rt).await;
        assert_eq!(status, 500);
        assert_eq!(body["error"], "internal_error");
    }
    assert_eq!(refresh(&sb, &rt).await.0, 200);
    // Faulted requests are counted too.
    assert_eq!(sb.count("token:refresh_token"), 3);

    sb.inject_fault(Endpoint::Books, Fault::Status500, 1);
    let (status, body, _) = books_get(&sb, "organizations", Some(&access)).await;
    assert_eq!(
        (status, body),
        (500, json!({ "code": 1000, "message": "Internal error" }))
    );
    assert_eq!(books_get(&sb, "organizations", Some(&access)).await.0, 200);

    sb.inject_fault(Endpoint::Auth, Fault::Status500, 1);
    let response = get_auth(&sb, &auth_params(&sb, &[])).await;
    assert_eq!(response.status(), 500);
    assert!(response.headers().get("location").is_none());
    assert_eq!(get_auth(&sb, &auth_params(&sb, &[])).await.status(), 302);

    sb.inject_fault(Endpoint::Revoke, Fault::Status500, 1);
    let revoke_url = url_with(&sb.base_url(), "/oauth/v2/token/revoke", &[("token", &rt)]);
    assert_eq!(
        client().post(&revoke_url).send().await.unwrap().status(),
        500
    );
    assert_eq!(
        client().post(&revoke_url).send().await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn unauthorized_57_fault() {
    let sb = auto().await;
    let (access, rt) = sb.mint_tokens(SCOPE);
    sb.inject_fault(Endpoint::Books, Fault::Unauthorized57, 1);
    let (status, body, _) = books_get(&sb, "organizations", Some(&access)).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({ "code": 57, "message": "You are not authorized to perform this operation" })
    );
    // The token itself is still fine.
    assert_eq!(books_get(&sb, "organizations", Some(&access)).await.0, 200);

    sb.inject_fault(Endpoint::Token, Fault::Unauthorized57, 1);
    assert_eq!(refresh(&sb, &rt).await.0, 401);
    assert_eq!(refresh(&sb, &rt).await.0, 200);
}

#[tokio::test]
async fn delay_fault_waits_then_answers_normally() {
    let sb = auto().await;
    let (access, _) = sb.mint_tokens(SCOPE);
    sb.inject_fault(Endpoint::Books, Fault::Delay(Duration::from_millis(400)), 1);
    let started = Instant::now();
    let (status, _, _) = books_get(&sb, "organizations", Some(&access)).await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );

    let started = Instant::now();
    assert_eq!(books_get(&sb, "organizations", Some(&access)).await.0, 200);
    assert!(started.elapsed() < Duration::from_millis(400));

    // A client timeout shorter than the delay sees a timeout.
    sb.inject_fault(Endpoint::Token, Fault::Delay(Duration::from_secs(3)), 1);
    let error = client()
        .post(format!("{}/oauth/v2/token", sb.base_url()))
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .expect_err("must time out");
    assert!(error.is_timeout(), "{error}");
}

#[tokio::test]
async fn dropped_connection_fault() {
    let sb = auto().await;
    let (_, rt) = sb.mint_tokens(SCOPE);
    sb.inject_fault(Endpoint::Token, Fault::DropConnection, 1);
    let error = client()
        .post(format!("{}/oauth/v2/token", sb.base_url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt.as_str()),
        ])
        .send()
        .await
        .expect_err("the connection must be dropped");
    assert!(!error.is_timeout(), "{error}");
    assert!(error.status().is_none());
    assert_eq!(refresh(&sb, &rt).await.0, 200);
    let log = sb.request_log();
    assert_eq!(log[0].status, 0, "{log:?}");
    assert_eq!(log[1].status, 200);
}

#[tokio::test]
async fn fault_endpoint_over_http() {
    let sb = auto().await;
    let (access, rt) = sb.mint_tokens(SCOPE);
    assert_eq!(
        post(&sb, "fault?endpoint=books&kind=500&times=2").await,
        (200, json!({ "status": "success" }))
    );
    assert_eq!(books_get(&sb, "organizations", Some(&access)).await.0, 500);
    assert_eq!(books_get(&sb, "organizations", Some(&access)).await.0, 500);
    assert_eq!(books_get(&sb, "organizations", Some(&access)).await.0, 200);

    assert_eq!(post(&sb, "fault?endpoint=books&kind=401").await.0, 200);
    assert_eq!(
        books_get(&sb, "organizations", Some(&access)).await.1["code"],
        57
    );

    assert_eq!(
        post(&sb, "fault?endpoint=token&kind=drop&times=1").await.0,
        200
    );
    assert!(
        client()
            .post(format!("{}/oauth/v2/token", sb.base_url()))
            .send()
            .await
            .is_err()
    );

    assert_eq!(
        post(&sb, "fault?endpoint=token&kind=delay&ms=300").await.0,
        200
    );
    let started = Instant::now();
    assert_eq!(refresh(&sb, &rt).await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));

    assert_eq!(post(&sb, "fault?endpoint=revoke&kind=500").await.0, 200);
    let revoke_url = url_with(&sb.base_url(), "/oauth/v2/token/revoke", &[("token", &rt)]);
    assert_eq!(
        client().post(&revoke_url).send().await.unwrap().status(),
        500
    );
    assert_eq!(post(&sb, "fault?endpoint=auth&kind=500").await.0, 200);
    assert_eq!(get_auth(&sb, &auth_params(&sb, &[])).await.status(), 500);

    for bad in [
        "fault?endpoint=nowhere&kind=500",
        "fault?endpoint=books&kind=418",
        "fault?endpoint=books&kind=delay",
        "fault?endpoint=books&kind=500&times=0",
        "fault?endpoint=books&kind=500&times=x",
    ] {
        let (status, body) = post(&sb, bad).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["status"], "failure");
    }
    // Nothing bad was queued.
    assert_eq!(books_get(&sb, "organizations", Some(&access)).await.0, 200);
}

#[tokio::test]
async fn counters_over_the_api_and_http_agree() {
    let sb = auto().await;
    let code = code_for(&sb, &[]).await;
    let (_, tokens) = exchange(&sb, &code, None).await;
    let rt = tokens["refresh_token"].as_str().unwrap();
    refresh(&sb, rt).await;
    refresh(&sb, rt).await;
    let access = tokens["access_token"].as_str().unwrap();
    books_get(&sb, "organizations", Some(access)).await;
    books_get(&sb, "contacts?organization_id=10234695", Some(access)).await;
    books_get(&sb, "invoices?organization_id=10234695", Some(access)).await;
    client()
        .post(url_with(
            &sb.base_url(),
            "/oauth/v2/token/revoke",
            &[("token", rt)],
        ))
        .send()
        .await
        .unwrap();

    let expected: std::collections::BTreeMap<String, u64> = [
        ("auth", 1),
        ("token:authorization_code", 1),
        ("token:refresh_token", 2),
        ("books:organizations", 1),
        ("books:contacts", 1),
        ("books:invoices", 1),
        ("revoke", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(sb.counters(), expected);
    assert_eq!(sb.count("auth"), 1);
    assert_eq!(sb.count("never-seen"), 0);
    let (status, body) = get(&sb, "counters").await;
    assert_eq!(status, 200);
    assert_eq!(body, serde_json::to_value(&expected).unwrap());
    // Control requests are not counted themselves.
    assert_eq!(sb.counters(), expected);
}

#[tokio::test]
async fn request_log_redacts_every_secret() {
    let sb = auto().await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let code = code_for(
        &sb,
        &[
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ),
            ("code_challenge_method", "S256"),
            ("state", "visible-state"),
        ],
    )
    .await;
    let (_, tokens) = exchange(&sb, &code, Some(verifier)).await;
    let rt = tokens["refresh_token"].as_str().unwrap().to_string();
    let access = tokens["access_token"].as_str().unwrap().to_string();
    refresh(&sb, &rt).await;
    books_get(&sb, "organizations", Some(&access)).await;
    client()
        .post(url_with(
            &sb.base_url(),
            "/oauth/v2/token/revoke",
            &[("token", &rt)],
        ))
        .send()
        .await
        .unwrap();

    let log = sb.request_log();
    let summary: Vec<(&str, &str, u16)> = log
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str(), r.status))
        .collect();
    assert_eq!(
        summary,
        [
            ("GET", "/oauth/v2/auth", 302),
            ("POST", "/oauth/v2/token", 200),
            ("POST", "/oauth/v2/token", 200),
            ("GET", "/books/v3/organizations", 200),
            ("POST", "/oauth/v2/token/revoke", 200),
        ]
    );
    let secrets = [
        sb.client_secret(),
        code.clone(),
        verifier.to_string(),
        rt.clone(),
        access.clone(),
    ];
    let (status, http_log) = get(&sb, "requests").await;
    assert_eq!(status, 200);
    let http_text = http_log.to_string();
    for entry in &log {
        for secret in &secrets {
            assert!(
                !entry.params.contains(secret.as_str()),
                "{entry:?} leaks a secret"
            );
        }
    }
    for secret in &secrets {
        assert!(
            !http_text.contains(secret.as_str()),
            "HTTP log leaks a secret"
        );
        assert!(!format!("{log:?}").contains(secret.as_str()));
    }
    assert!(log[0].params.contains("state=visible-state"));
    assert!(log[1].params.contains("client_secret=***"));
    assert!(log[1].params.contains("code=***"));
    assert!(log[1].params.contains("code_verifier=***"));
    assert!(log[2].params.contains("refresh_token=***"));
    assert!(log[4].params.contains("token=***"));
    assert_eq!(http_log.as_array().unwrap().len(), 5);
    assert_eq!(http_log[1]["path"], "/oauth/v2/token");
    assert_eq!(http_log[1]["method"], "POST");
    assert_eq!(http_log[1]["status"], 200);
}

#[tokio::test]
async fn clock_advance_endpoint_expires_codes() {
    let sb = auto().await;
    let code = code_for(&sb, &[]).await;
    let (status, body) = post(&sb, "clock/advance?seconds=120").await;
    assert_eq!(status, 200);
    assert_eq!(body["now_seconds"], 120);
    assert_eq!(
        exchange(&sb, &code, None).await.1,
        json!({ "error": "invalid_code" })
    );
    assert_eq!(post(&sb, "clock/advance?seconds=-1").await.0, 400);
    assert_eq!(post(&sb, "clock/advance").await.0, 400);
}

#[tokio::test]
async fn auto_approve_and_expire_endpoints() {
    let sb = Sandbox::builder().start().await.expect("sandbox starts");
    assert_eq!(get_auth(&sb, &auth_params(&sb, &[])).await.status(), 200);
    assert_eq!(post(&sb, "auto-approve?on=true").await.0, 200);
    assert_eq!(get_auth(&sb, &auth_params(&sb, &[])).await.status(), 302);
    assert_eq!(post(&sb, "auto-approve?on=false").await.0, 200);
    assert_eq!(get_auth(&sb, &auth_params(&sb, &[])).await.status(), 200);
    assert_eq!(post(&sb, "auto-approve?on=maybe").await.0, 400);

    let (status, minted) = post(&sb, "mint-tokens").await;
    assert_eq!(status, 200);
    let access = minted["access_token"].as_str().unwrap().to_string();
    let rt = minted["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(books_get(&sb, "organizations", Some(&access)).await.0, 200);
    assert_eq!(
        post(&sb, "expire-access-tokens").await,
        (200, json!({ "status": "success" }))
    );
    assert_eq!(
        books_get(&sb, "organizations", Some(&access)).await.1["code"],
        57
    );
    // Refresh tokens survive, and new access tokens work.
    let (_, refreshed) = refresh(&sb, &rt).await;
    assert_eq!(
        books_get(&sb, "organizations", refreshed["access_token"].as_str())
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn unknown_control_endpoints_and_methods() {
    let sb = auto().await;
    assert_eq!(get(&sb, "nothing-here").await.0, 404);
    assert_eq!(get(&sb, "fault").await.0, 405);
    assert_eq!(post(&sb, "counters").await.0, 405);
    let (status, info) = get(&sb, "info").await;
    assert_eq!(status, 200);
    assert_eq!(info["base_url"], sb.base_url());
    let response = client()
        .get(format!("{}/oauth/serverinfo", sb.base_url()))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["result"], "success");
    assert_eq!(body["locations"]["us"], sb.base_url());
    let response = client()
        .get(format!("{}/no/such/page", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let response = client()
        .get(format!("{}/favicon.ico", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    // Only Zoho paths are logged (serverinfo here), never knobs or stray paths.
    let log = sb.request_log();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].path, "/oauth/serverinfo");
    assert!(sb.counters().is_empty());
}
