//! Per-path faults, 429 codes 44 and 45, the daily limit, and per-path counters, through the
//! Rust API and the control API.

use std::time::{Duration, Instant};

use serde_json::Value;
use zohobooks_sandbox::{Endpoint, Fault, Sandbox};

use crate::support::*;

async fn control(sb: &zohobooks_sandbox::SandboxHandle, path: &str) -> Answer {
    request(sb, "POST", &format!("/__sandbox/{path}"), None)
        .await
        .expect("answer")
}

#[tokio::test]
async fn per_path_faults_hit_only_their_path() {
    let (sb, token) = sandbox().await;
    assert_eq!(
        Endpoint::books_path("invoices"),
        Some(Endpoint::BooksPath("invoices"))
    );
    assert_eq!(
        Endpoint::books_path("projects/timeentries"),
        Some(Endpoint::BooksPath("projects/timeentries"))
    );
    assert_eq!(Endpoint::books_path("widgets"), None);
    let invoices = Endpoint::books_path("invoices").unwrap();
    sb.inject_fault(invoices, Fault::Status500, 2);
    assert_eq!(list(&sb, &token, "bills", ORG, "").await.status, 200);
    let answer = list(&sb, &token, "invoices", ORG, "").await;
    assert_eq!(
        (answer.status, answer.body["code"].clone()),
        (500, Value::from(1000))
    );
    // A record of the path is hit too.
    let answer = books(
        &sb,
        &token,
        &format!("invoices/460012000000000001?organization_id={ORG}"),
    )
    .await;
    assert_eq!(answer.status, 500);
    assert_eq!(list(&sb, &token, "invoices", ORG, "").await.status, 200);
    // Endpoint::Books still targets every path.
    sb.inject_fault(Endpoint::Books, Fault::Unauthorized57, 1);
    let answer = list(&sb, &token, "settings/taxes", ORG, "").await;
    assert_eq!(
        (answer.status, answer.body["code"].clone()),
        (401, Value::from(57))
    );
    // Drop and delay on one path.
    sb.inject_fault(
        Endpoint::BooksPath("projects/timeentries"),
        Fault::DropConnection,
        1,
    );
    assert!(
        request(
            &sb,
            "GET",
            &format!("/books/v3/projects/timeentries?organization_id={ORG}"),
            Some(&token)
        )
        .await
        .is_err()
    );
    sb.inject_fault(
        Endpoint::BooksPath("users"),
        Fault::Delay(Duration::from_millis(300)),
        1,
    );
    let timer = Instant::now();
    assert_eq!(list(&sb, &token, "users", ORG, "").await.status, 200);
    assert!(timer.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        list(&sb, &token, "projects/timeentries", ORG, "")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn throttling_429s_codes_44_and_45() {
    let (sb, token) = sandbox().await;
    sb.inject_fault(
        Endpoint::BooksPath("bills"),
        Fault::RateLimit44 {
            retry_after_secs: 7,
        },
        1,
    );
    let answer = list(&sb, &token, "bills", ORG, "").await;
    assert_eq!(
        (answer.status, answer.body["code"].clone()),
        (429, Value::from(44))
    );
    assert_eq!(answer.header("retry-after"), Some("7"));
    sb.inject_fault(Endpoint::Books, Fault::DailyLimit45, 1);
    let answer = list(&sb, &token, "items", ORG, "").await;
    assert_eq!(
        (answer.status, answer.body["code"].clone()),
        (429, Value::from(45))
    );
    assert_eq!(
        answer.body["message"],
        "You have reached the maximum number of API calls for the day."
    );
    assert_eq!(answer.header("retry-after"), None);
    // The same through the control API.
    assert_eq!(
        control(&sb, "fault?endpoint=books:invoices&kind=429&retry_after=3")
            .await
            .status,
        200
    );
    assert_eq!(
        control(&sb, "fault?endpoint=books:settings/taxes&kind=45&times=2")
            .await
            .status,
        200
    );
    assert_eq!(
        control(&sb, "fault?endpoint=books:widgets&kind=45")
            .await
            .status,
        400
    );
    assert_eq!(
        control(&sb, "fault?endpoint=books&kind=429&retry_after=soon")
            .await
            .status,
        400
    );
    assert_eq!(list(&sb, &token, "bills", ORG, "").await.status, 200);
    let answer = list(&sb, &token, "invoices", ORG, "").await;
    assert_eq!(
        (answer.status, answer.header("retry-after")),
        (429, Some("3"))
    );
    for _ in 0..2 {
        let answer = list(&sb, &token, "settings/taxes", ORG, "").await;
        assert_eq!(answer.body["code"], 45);
    }
    assert_eq!(
        list(&sb, &token, "settings/taxes", ORG, "").await.status,
        200
    );
}

#[tokio::test]
async fn the_daily_limit_refuses_every_call_until_the_next_day() {
    let sb = Sandbox::builder()
        .manual_clock()
        .daily_api_limit(Some(3))
        .start()
        .await
        .expect("starts");
    let (token, _) = sb.mint_tokens(SCOPE);
    for path in ["invoices", "bills", "items"] {
        assert_eq!(list(&sb, &token, path, ORG, "").await.status, 200);
    }
    for path in ["invoices", "contacts", "settings/taxes"] {
        let answer = list(&sb, &token, path, ORG, "").await;
        assert_eq!(
            (answer.status, answer.body["code"].clone()),
            (429, Value::from(45)),
            "{path}"
        );
        assert_eq!(answer.header("retry-after"), None);
    }
    // Another organization has its own budget.
    assert_eq!(
        list(&sb, &token, "invoices", SECOND_ORG, "").await.status,
        200
    );
    sb.advance_clock(Duration::from_secs(86_400));
    // A day later the access token has expired as well: take a fresh one.
    let (token, _) = sb.mint_tokens(SCOPE);
    assert_eq!(list(&sb, &token, "invoices", ORG, "").await.status, 200);
    sb.set_daily_api_limit(None);
    for _ in 0..5 {
        assert_eq!(list(&sb, &token, "invoices", ORG, "").await.status, 200);
    }
    assert_eq!(control(&sb, "daily-limit?calls=0").await.status, 200);
    assert_eq!(
        list(&sb, &token, "invoices", ORG, "").await.body["code"],
        45
    );
    assert_eq!(control(&sb, "daily-limit?calls=off").await.status, 200);
    assert_eq!(list(&sb, &token, "invoices", ORG, "").await.status, 200);
    assert_eq!(control(&sb, "daily-limit?calls=many").await.status, 400);
}

#[tokio::test]
async fn counters_per_path() {
    let (sb, token) = sandbox().await;
    list(&sb, &token, "invoices", ORG, "").await;
    books(
        &sb,
        &token,
        &format!("invoices/460012000000000001?organization_id={ORG}"),
    )
    .await;
    books(
        &sb,
        &token,
        &format!("contacts/460011000000000001/contactpersons?organization_id={ORG}"),
    )
    .await;
    list(&sb, &token, "settings/taxes", ORG, "").await;
    list(&sb, &token, "projects/timeentries", ORG, "").await;
    list(&sb, &token, "widgets", ORG, "").await;
    let expected: std::collections::BTreeMap<String, u64> = [
        ("books:invoices", 2),
        ("books:invoices:record", 1),
        ("books:contacts", 1),
        ("books:contacts:contactpersons", 1),
        ("books:settings/taxes", 1),
        ("books:projects/timeentries", 1),
        ("books:other", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(sb.counters(), expected);
    let answer = request(&sb, "GET", "/__sandbox/counters", None)
        .await
        .unwrap();
    assert_eq!(answer.body, serde_json::to_value(&expected).unwrap());
}
