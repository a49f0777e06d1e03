//! The sandbox's Books API v3 emulation over real HTTP: envelope, seeded data, pagination,
//! authentication failures (codes 14 and 57), organization checks and the rate limit.
#![cfg(feature = "sandbox")]

use crate::sandbox_support;

use std::collections::HashSet;
use std::time::Duration;

use sandbox_support::*;
use serde_json::Value;
use zohobooks_sandbox::{Sandbox, SandboxHandle};

const ORG: &str = "10234695";
const SECOND_ORG: &str = "20234696";
const EMPTY_ORG: &str = "30234697";

async fn sandbox() -> SandboxHandle {
    Sandbox::builder()
        .manual_clock()
        .start()
        .await
        .expect("sandbox starts")
}

#[tokio::test]
async fn organizations_list_has_zoho_shape() {
    let sb = sandbox().await;
    let (access, _) = sb.mint_tokens(SCOPE);
    let (status, body, headers) = books_get(&sb, "organizations", Some(&access)).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/json;charset=UTF-8");
    assert_eq!(body["code"], 0);
    assert_eq!(body["message"], "success");
    let orgs = body["organizations"]
        .as_array()
        .expect("organizations array");
    assert_eq!(orgs.len(), 3);
    let ids: Vec<&str> = orgs
        .iter()
        .map(|o| o["organization_id"].as_str().expect("string id"))
        .collect();
    assert_eq!(ids, [ORG, SECOND_ORG, EMPTY_ORG]);
    for org in orgs {
        for field in ["name", "currency_code", "time_zone", "account_created_date"] {
            assert!(org[field].is_string(), "{field} in {org}");
        }
        assert!(org["is_default_org"].is_boolean());
    }
    assert_eq!(
        orgs.iter().filter(|o| o["is_default_org"] == true).count(),
        1
    );

    let (status, body, _) =
        books_get(&sb, &format!("organizations/{SECOND_ORG}"), Some(&access)).await;
    assert_eq!(status, 200);
    assert_eq!(body["organization"]["currency_code"], "EUR");
    let (status, body, _) = books_get(&sb, "organizations/999", Some(&access)).await;
    assert_eq!((status, body["code"].clone()), (404, Value::from(1002)));
    assert_eq!(sb.count("books:organizations"), 3);
}

#[tokio::test]
async fn bearer_scheme_is_accepted_too() {
    let sb = sandbox().await;
    let (access, _) = sb.mint_tokens(SCOPE);
    let response = client()
        .get(format!("{}/books/v3/organizations", sb.base_url()))
        .bearer_auth(&access)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
}

async fn raw_get(sb: &SandboxHandle, path: &str, authorization: Option<&str>) -> (u16, Value) {
    let mut request = client().get(format!("{}/books/v3/{path}", sb.base_url()));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

#[tokio::test]
async fn authentication_failures_are_401_with_codes_14_and_57() {
    let sb = sandbox().await;
    let path = format!("invoices?organization_id={ORG}");
    for header in [
        None,
        Some("Basic abc"),
        Some("Zoho-oauthtoken"),
        Some("garbage"),
    ] {
        let (status, body) = raw_get(&sb, &path, header).await;
        assert_eq!(status, 401, "{header:?}");
        assert_eq!(body["code"], 14, "{header:?}");
        assert_eq!(
            body["message"],
            "The request could not be authenticated as the authentication value you entered is invalid. Enter a valid authentication value and try again."
        );
    }
    let expect_57 = |(status, body): (u16, Value)| {
        assert_eq!(status, 401);
        assert_eq!(body["code"], 57);
        assert_eq!(
            body["message"],
            "You are not authorized to perform this operation"
        );
    };
    expect_57(raw_get(&sb, &path, Some("Zoho-oauthtoken 1000.deadbeef.deadbeef")).await);

    // Expiry on the sandbox clock.
    let (access, refresh_token) = sb.mint_tokens(SCOPE);
    assert_eq!(books_get(&sb, &path, Some(&access)).await.0, 200);
    sb.advance_clock(Duration::from_secs(3599));
    assert_eq!(books_get(&sb, &path, Some(&access)).await.0, 200);
    sb.advance_clock(Duration::from_secs(1));
    let (status, body, _) = books_get(&sb, &path, Some(&access)).await;
    expect_57((status, body));
    // A refresh brings access back.
    let (_, refreshed) = refresh(&sb, &refresh_token).await;
    let new_access = refreshed["access_token"].as_str().expect("token");
    assert_eq!(books_get(&sb, &path, Some(new_access)).await.0, 200);

    // expire_access_tokens kills every token issued so far, not later ones.
    sb.expire_access_tokens();
    let (status, body, _) = books_get(&sb, &path, Some(new_access)).await;
    expect_57((status, body));
    let (later, _) = sb.mint_tokens(SCOPE);
    assert_eq!(books_get(&sb, &path, Some(&later)).await.0, 200);
}

#[tokio::test]
async fn scopes_gate_resources() {
    let sb = sandbox().await;
    let (crm, _) = sb.mint_tokens("ZohoCRM.modules.ALL");
    let (invoices_only, _) = sb.mint_tokens("ZohoBooks.invoices.READ");
    let (settings_and_contacts, _) =
        sb.mint_tokens("ZohoBooks.settings.READ,ZohoBooks.contacts.ALL");
    let org = format!("organization_id={ORG}");
    assert_eq!(
        books_get(&sb, &format!("invoices?{org}"), Some(&crm))
            .await
            .1["code"],
        57
    );
    assert_eq!(
        books_get(&sb, &format!("invoices?{org}"), Some(&invoices_only))
            .await
            .0,
        200
    );
    assert_eq!(
        books_get(&sb, &format!("contacts?{org}"), Some(&invoices_only))
            .await
            .1["code"],
        57
    );
    assert_eq!(
        books_get(&sb, "organizations", Some(&invoices_only))
            .await
            .0,
        401
    );
    assert_eq!(
        books_get(&sb, "organizations", Some(&settings_and_contacts))
            .await
            .0,
        200
    );
    assert_eq!(
        books_get(
            &sb,
            &format!("contacts?{org}"),
            Some(&settings_and_contacts)
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn organization_id_is_required_and_checked() {
    let sb = sandbox().await;
    let (access, _) = sb.mint_tokens(SCOPE);
    let (status, body, _) = books_get(&sb, "contacts", Some(&access)).await;
    assert_eq!((status, body["code"].clone()), (400, Value::from(2)));
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("organization_id")
    );
    let (status, body, _) = books_get(&sb, "invoices?organization_id=424242", Some(&access)).await;
    assert_eq!((status, body["code"].clone()), (400, Value::from(9017)));

    // The header form used by many integrations works as well.
    let response = client()
        .get(format!("{}/books/v3/contacts", sb.base_url()))
        .header("Authorization", format!("Zoho-oauthtoken {access}"))
        .header("X-com-zoho-books-organizationid", SECOND_ORG)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["contacts"].as_array().expect("contacts").len(), 60);
}

async fn all_pages(sb: &SandboxHandle, token: &str, resource: &str, per_page: usize) -> Vec<Value> {
    let mut items = Vec::new();
    for page in 1.. {
        let path = format!("{resource}?organization_id={ORG}&page={page}&per_page={per_page}");
        let (status, body, _) = books_get(sb, &path, Some(token)).await;
        assert_eq!(status, 200, "{body}");
        let context = &body["page_context"];
        assert_eq!(context["page"], page);
        assert_eq!(context["per_page"], per_page);
        let batch = body[resource].as_array().expect("list").clone();
        assert!(batch.len() <= per_page);
        items.extend(batch);
        if context["has_more_page"] == false {
            break;
        }
        assert!(page < 100, "pagination never ends");
    }
    items
}

#[tokio::test]
async fn pagination_walks_every_record_once() {
    let sb = sandbox().await;
    let (access, _) = sb.mint_tokens(SCOPE);

    let (status, body, _) = books_get(
        &sb,
        &format!("invoices?organization_id={ORG}"),
        Some(&access),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["invoices"].as_array().unwrap().len(),
        200,
        "default page size is 200"
    );
    assert_eq!(body["page_context"]["has_more_page"], true);
    assert_eq!(body["page_context"]["page"], 1);
    assert_eq!(body["page_context"]["report_name"], "Invoices");

    let by_200 = all_pages(&sb, &access, "invoices", 200).await;
    let by_37 = all_pages(&sb, &access, "invoices", 37).await;
    assert_eq!(by_200.len(), 425);
    assert_eq!(by_200, by_37);
    let ids: HashSet<&str> = by_200
        .iter()
        .map(|i| i["invoice_id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 425);
    for invoice in &by_200 {
        let id = invoice["invoice_id"].as_str().unwrap();
        assert!(
            id.len() >= 16 && id.chars().all(|c| c.is_ascii_digit()),
            "{id}"
        );
        assert!(invoice["total"].is_number());
        assert!(
            invoice["invoice_number"]
                .as_str()
                .unwrap()
                .starts_with("INV-")
        );
    }

    let contacts = all_pages(&sb, &access, "contacts", 200).await;
    assert_eq!(contacts.len(), 250);
    let contact_ids: HashSet<&str> = contacts
        .iter()
        .map(|c| c["contact_id"].as_str().unwrap())
        .collect();
    for invoice in &by_200 {
        assert!(contact_ids.contains(invoice["customer_id"].as_str().unwrap()));
    }

    // Exactly full last page: no further page announced.
    let (_, body, _) = books_get(
        &sb,
        &format!("contacts?organization_id={ORG}&per_page=125&page=2"),
        Some(&access),
    )
    .await;
    assert_eq!(body["contacts"].as_array().unwrap().len(), 125);
    assert_eq!(body["page_context"]["has_more_page"], false);
    // Past the end: empty.
    let (_, body, _) = books_get(
        &sb,
        &format!("contacts?organization_id={ORG}&page=9"),
        Some(&access),
    )
    .await;
    assert_eq!(body["contacts"].as_array().unwrap().len(), 0);
    assert_eq!(body["page_context"]["has_more_page"], false);
    // per_page is capped at 200.
    let (_, body, _) = books_get(
        &sb,
        &format!("contacts?organization_id={ORG}&per_page=1000"),
        Some(&access),
    )
    .await;
    assert_eq!(body["contacts"].as_array().unwrap().len(), 200);
    assert_eq!(body["page_context"]["per_page"], 200);
    // Bad numbers are an error envelope.
    for bad in ["page=0", "page=x", "per_page=0", "per_page=-5"] {
        let (status, body, _) = books_get(
            &sb,
            &format!("contacts?organization_id={ORG}&{bad}"),
            Some(&access),
        )
        .await;
        assert_eq!(
            (status, body["code"].clone()),
            (400, Value::from(2)),
            "{bad}"
        );
    }
    // The empty organization.
    let (status, body, _) = books_get(
        &sb,
        &format!("invoices?organization_id={EMPTY_ORG}"),
        Some(&access),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["invoices"], Value::Array(vec![]));
    assert_eq!(body["page_context"]["has_more_page"], false);
}

#[tokio::test]
async fn single_records_filters_and_unknown_paths() {
    let sb = sandbox().await;
    let (access, _) = sb.mint_tokens(SCOPE);
    let (_, list, _) = books_get(
        &sb,
        &format!("invoices?organization_id={ORG}&per_page=1"),
        Some(&access),
    )
    .await;
    let first = list["invoices"][0].clone();
    let id = first["invoice_id"].as_str().unwrap();
    let (status, body, _) = books_get(
        &sb,
        &format!("invoices/{id}?organization_id={ORG}"),
        Some(&access),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["code"], 0);
    // The detail object carries every list field (plus detail-only ones such as line_items).
    for (field, value) in first.as_object().unwrap() {
        assert_eq!(&body["invoice"][field], value, "{field}");
    }
    assert!(body["invoice"]["line_items"].is_array());
    let (status, body, _) = books_get(
        &sb,
        &format!("invoices/1?organization_id={ORG}"),
        Some(&access),
    )
    .await;
    assert_eq!((status, body["code"].clone()), (404, Value::from(1002)));
    assert_eq!(body["message"], "Invoice does not exist.");
    // A record of another organization is not visible.
    let (status, _, _) = books_get(
        &sb,
        &format!("invoices/{id}?organization_id={SECOND_ORG}"),
        Some(&access),
    )
    .await;
    assert_eq!(status, 404);

    let (_, body, _) = books_get(
        &sb,
        &format!("invoices?organization_id={ORG}&status=paid"),
        Some(&access),
    )
    .await;
    let paid = body["invoices"].as_array().unwrap();
    assert!(!paid.is_empty());
    assert!(
        paid.iter()
            .all(|i| i["status"] == "paid" && i["balance"] == 0.0)
    );
    assert_eq!(body["page_context"]["applied_filter"], "Status.Paid");

    let (status, body, _) = books_get(
        &sb,
        &format!("widgets?organization_id={ORG}"),
        Some(&access),
    )
    .await;
    assert_eq!((status, body["code"].clone()), (404, Value::from(5)));
    let response = client()
        .post(format!(
            "{}/books/v3/invoices?organization_id={ORG}",
            sb.base_url()
        ))
        .header("Authorization", format!("Zoho-oauthtoken {access}"))
        .body("{}")
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 405);
    assert_eq!(sb.count("books:invoices"), 6);
    assert_eq!(sb.count("books:other"), 1);
}

#[tokio::test]
async fn seeded_data_is_identical_across_sandboxes() {
    let a = sandbox().await;
    let b = sandbox().await;
    let (ta, _) = a.mint_tokens(SCOPE);
    let (tb, _) = b.mint_tokens(SCOPE);
    assert_ne!(ta, tb, "two sandboxes must not issue the same tokens");
    let path = format!("contacts?organization_id={SECOND_ORG}");
    assert_eq!(
        books_get(&a, &path, Some(&ta)).await.1,
        books_get(&b, &path, Some(&tb)).await.1
    );
    // A token of one sandbox is worthless at the other.
    assert_eq!(books_get(&b, &path, Some(&ta)).await.0, 401);
}

#[tokio::test]
async fn rate_limit_per_organization_per_minute() {
    let sb = Sandbox::builder()
        .manual_clock()
        .api_rate_limit_per_minute(Some(3))
        .start()
        .await
        .expect("sandbox starts");
    let (access, _) = sb.mint_tokens(SCOPE);
    let path = format!("invoices?organization_id={ORG}&per_page=1");
    for remaining in ["2", "1", "0"] {
        let (status, _, headers) = books_get(&sb, &path, Some(&access)).await;
        assert_eq!(status, 200);
        assert_eq!(headers["x-rate-limit-limit"], "3");
        assert_eq!(headers["x-rate-limit-remaining"], remaining);
        assert_eq!(headers["x-rate-limit-reset"], "60");
    }
    let (status, body, headers) = books_get(&sb, &path, Some(&access)).await;
    assert_eq!(status, 429);
    assert_eq!(body["code"], 44);
    assert!(body["message"].is_string());
    assert_eq!(headers["x-rate-limit-remaining"], "0");
    assert!(headers.contains_key("retry-after"));
    // Another organization has its own budget.
    assert_eq!(
        books_get(
            &sb,
            &format!("invoices?organization_id={SECOND_ORG}"),
            Some(&access)
        )
        .await
        .0,
        200
    );
    // The next minute starts afresh.
    sb.advance_clock(Duration::from_secs(45));
    let (status, _, headers) = books_get(&sb, &path, Some(&access)).await;
    assert_eq!(status, 429);
    assert_eq!(headers["x-rate-limit-reset"], "15");
    sb.advance_clock(Duration::from_secs(15));
    assert_eq!(books_get(&sb, &path, Some(&access)).await.0, 200);
}

#[tokio::test]
async fn no_rate_limit_headers_when_the_limit_is_off() {
    let sb = sandbox().await;
    let (access, _) = sb.mint_tokens(SCOPE);
    let (status, _, headers) = books_get(&sb, "organizations", Some(&access)).await;
    assert_eq!(status, 200);
    assert!(!headers.contains_key("x-rate-limit-limit"));
    for _ in 0..150 {
        assert_eq!(books_get(&sb, "organizations", Some(&access)).await.0, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_clients_are_all_served() {
    let sb = sandbox().await;
    let (access, _) = sb.mint_tokens(SCOPE);
    let base = sb.base_url();
    let mut tasks = Vec::new();
    for i in 0..100 {
        let url = format!(
            "{base}/books/v3/invoices?organization_id={ORG}&per_page=50&page={}",
            i % 9 + 1
        );
        let access = access.clone();
        // A fresh client per task: one connection each.
        tasks.push(tokio::spawn(async move {
            let response = client()
                .get(url)
                .header("Authorization", format!("Zoho-oauthtoken {access}"))
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 200);
            let body: Value = response.json().await.expect("json");
            body["invoices"].as_array().expect("list").len()
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += tokio::time::timeout(Duration::from_secs(30), task)
            .await
            .expect("in time")
            .expect("task");
    }
    // Pages 1..=8 hold 50 invoices, page 9 holds 25; i % 9 sends 12 requests to page 1 and 11
    // to each of pages 2..=9.
    assert_eq!(total, 12 * 50 + 7 * 11 * 50 + 11 * 25);
    assert_eq!(sb.count("books:invoices"), 100);
}
