//! Filters, search, sorts and 400s, checked against the same records filtered by hand.

use serde_json::Value;

use crate::support::*;

async fn invoices(sb: &zohobooks_sandbox::SandboxHandle, token: &str, query: &str) -> Vec<Value> {
    all(sb, token, "invoices", "invoices", ORG, query).await
}

fn ids(records: &[Value], field: &str) -> Vec<String> {
    let mut ids: Vec<String> = records.iter().map(|r| s(r, field).to_string()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn text_filters_exact_startswith_contains_are_case_insensitive() {
    let (sb, token) = sandbox().await;
    let contacts = all(&sb, &token, "contacts", "contacts", ORG, "").await;
    let expect = |pred: &dyn Fn(&str) -> bool| -> Vec<String> {
        let hits: Vec<Value> = contacts
            .iter()
            .filter(|c| pred(s(c, "contact_name")))
            .cloned()
            .collect();
        ids(&hits, "contact_id")
    };
    let got = all(
        &sb,
        &token,
        "contacts",
        "contacts",
        ORG,
        "contact_name_startswith=o%27brien",
    )
    .await;
    let want = expect(&|n| n.to_lowercase().starts_with("o'brien"));
    assert!(!want.is_empty());
    assert_eq!(ids(&got, "contact_id"), want);
    let got = all(
        &sb,
        &token,
        "contacts",
        "contacts",
        ORG,
        "contact_name_contains=M%C3%9CLLER",
    )
    .await;
    let want = expect(&|n| n.to_lowercase().contains("müller"));
    assert!(!want.is_empty());
    assert_eq!(ids(&got, "contact_id"), want);
    let one = s(&contacts[10], "contact_name").to_uppercase();
    let got = all(
        &sb,
        &token,
        "contacts",
        "contacts",
        ORG,
        &format!("contact_name={}", urlencode(&one)),
    )
    .await;
    assert!(
        got.iter()
            .all(|c| s(c, "contact_name").to_uppercase() == one)
    );
    assert!(!got.is_empty());
    let vendors = all(
        &sb,
        &token,
        "contacts",
        "contacts",
        ORG,
        "contact_type=vendor",
    )
    .await;
    assert!(!vendors.is_empty() && vendors.iter().all(|c| c["contact_type"] == "vendor"));
    // Exact invoice number, and ids.
    let got = invoices(&sb, &token, "invoice_number=inv-000042").await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["invoice_number"], "INV-000042");
    let customer = s(&got[0], "customer_id").to_string();
    let mine = invoices(&sb, &token, &format!("customer_id={customer}")).await;
    assert!(mine.iter().all(|i| i["customer_id"] == customer.as_str()));
    assert!(mine.iter().any(|i| i["invoice_number"] == "INV-000042"));
    // Bill vendor names.
    let bills = all(
        &sb,
        &token,
        "bills",
        "bills",
        ORG,
        "vendor_name_contains=group",
    )
    .await;
    assert!(!bills.is_empty());
    assert!(
        bills
            .iter()
            .all(|b| s(b, "vendor_name").to_lowercase().contains("group"))
    );
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_four_date_forms_and_exact_dates() {
    let (sb, token) = sandbox().await;
    let every = invoices(&sb, &token, "").await;
    let day = "2024-06-14";
    let check = |query: &str, pred: &dyn Fn(&str) -> bool| {
        let want: Vec<Value> = every
            .iter()
            .filter(|i| pred(s(i, "date")))
            .cloned()
            .collect();
        (query.to_string(), ids(&want, "invoice_id"))
    };
    for (query, want) in [
        check(&format!("date={day}"), &|d| d == day),
        check(&format!("date_start={day}"), &|d| d >= day),
        check(&format!("date_end={day}"), &|d| d <= day),
        check(&format!("date_before={day}"), &|d| d < day),
        check(&format!("date_after={day}"), &|d| d > day),
    ] {
        let got = invoices(&sb, &token, &query).await;
        assert!(!want.is_empty(), "{query}");
        assert_eq!(ids(&got, "invoice_id"), want, "{query}");
    }
    let between = invoices(
        &sb,
        &token,
        "due_date_start=2024-03-01&due_date_end=2024-03-31",
    )
    .await;
    assert!(!between.is_empty());
    assert!(
        between
            .iter()
            .all(|i| s(i, "due_date").starts_with("2024-03"))
    );
    // Journals' date filters apply to journal_date; time entries take from_date/to_date.
    let journals = all(
        &sb,
        &token,
        "journals",
        "journals",
        ORG,
        "date_after=2024-10-01",
    )
    .await;
    assert!(!journals.is_empty() && journals.iter().all(|j| s(j, "journal_date") > "2024-10-01"));
    let entries = all(
        &sb,
        &token,
        "projects/timeentries",
        "time_entries",
        ORG,
        "from_date=2024-05-01&to_date=2024-05-31",
    )
    .await;
    assert!(!entries.is_empty());
    assert!(
        entries
            .iter()
            .all(|e| s(e, "log_date").starts_with("2024-05"))
    );
    // last_modified_time: modified at or after a timestamp.
    let since = invoices(&sb, &token, "last_modified_time=2024-12-01T00:00:00%2B0000").await;
    assert!(!since.is_empty() && since.len() < every.len());
    assert!(
        since
            .iter()
            .all(|i| s(i, "last_modified_time") >= "2024-12-01")
    );
}

#[tokio::test]
async fn amount_comparisons() {
    let (sb, token) = sandbox().await;
    let bills = all(&sb, &token, "bills", "bills", ORG, "").await;
    for (suffix, pred) in [
        ("_less_than", (|a: i64| a < 200_000) as fn(i64) -> bool),
        ("_less_equals", |a| a <= 200_000),
        ("_greater_than", |a| a > 200_000),
        ("_greater_equals", |a| a >= 200_000),
    ] {
        let want: Vec<Value> = bills
            .iter()
            .filter(|b| pred(cents(&b["total"])))
            .cloned()
            .collect();
        let got = all(
            &sb,
            &token,
            "bills",
            "bills",
            ORG,
            &format!("total{suffix}=2000"),
        )
        .await;
        assert!(!want.is_empty(), "{suffix}");
        assert_eq!(ids(&got, "bill_id"), ids(&want, "bill_id"), "{suffix}");
    }
    let first = &bills[0];
    let exact = all(
        &sb,
        &token,
        "bills",
        "bills",
        ORG,
        &format!("total={:.2}", cents(&first["total"]) as f64 / 100.0),
    )
    .await;
    assert!(exact.iter().any(|b| b["bill_id"] == first["bill_id"]));
    let cheap = all(
        &sb,
        &token,
        "items",
        "items",
        ORG,
        "rate_less_equals=100.00",
    )
    .await;
    assert!(!cheap.is_empty() && cheap.iter().all(|i| cents(&i["rate"]) <= 10_000));
}

#[tokio::test]
async fn status_filter_by_and_search_text() {
    let (sb, token) = sandbox().await;
    let unpaid = invoices(&sb, &token, "status=unpaid").await;
    assert!(!unpaid.is_empty());
    assert!(unpaid.iter().all(|i| matches!(
        s(i, "status"),
        "sent" | "overdue" | "partially_paid" | "viewed"
    )));
    let answer = list(&sb, &token, "invoices", ORG, "status=overdue").await;
    assert_eq!(
        answer.body["page_context"]["applied_filter"],
        "Status.Overdue"
    );
    assert!(
        answer.body["invoices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "overdue")
    );
    let open = all(&sb, &token, "bills", "bills", ORG, "filter_by=Status.Open").await;
    assert!(!open.is_empty() && open.iter().all(|b| b["status"] == "open"));
    let everything = all(&sb, &token, "bills", "bills", ORG, "filter_by=Status.All").await;
    assert_eq!(everything.len(), 120);
    let inactive = all(
        &sb,
        &token,
        "items",
        "items",
        ORG,
        "filter_by=Status.Inactive",
    )
    .await;
    assert!(!inactive.is_empty() && inactive.iter().all(|i| i["status"] == "inactive"));
    let income = all(
        &sb,
        &token,
        "chartofaccounts",
        "chartofaccounts",
        ORG,
        "filter_by=AccountType.Income",
    )
    .await;
    assert!(!income.is_empty());
    assert!(
        income
            .iter()
            .all(|a| matches!(s(a, "account_type"), "income" | "other_income"))
    );
    let cash = all(
        &sb,
        &token,
        "customerpayments",
        "customerpayments",
        ORG,
        "filter_by=PaymentMode.Cash",
    )
    .await;
    assert!(!cash.is_empty() && cash.iter().all(|p| p["payment_mode"] == "Cash"));
    let base = all(
        &sb,
        &token,
        "settings/currencies",
        "currencies",
        ORG,
        "filter_by=Currencies.ExcludeBaseCurrency",
    )
    .await;
    assert!(!base.is_empty() && base.iter().all(|c| c["is_base_currency"] == false));
    let found = invoices(&sb, &token, "search_text=inv-00012").await;
    assert_eq!(found.len(), 10, "INV-000120..INV-000129");
    let by_name = all(
        &sb,
        &token,
        "contacts",
        "contacts",
        ORG,
        "search_text=nakamura",
    )
    .await;
    assert!(!by_name.is_empty());
    assert!(
        by_name
            .iter()
            .all(|c| c.to_string().to_lowercase().contains("nakamura"))
    );
}

#[tokio::test]
async fn sorts_ascending_and_descending_with_stable_ties() {
    let (sb, token) = sandbox().await;
    // Defaults: transactional modules newest first, named ones by name.
    let answer = list(&sb, &token, "invoices", ORG, "").await;
    assert_eq!(answer.body["page_context"]["sort_column"], "date");
    assert_eq!(answer.body["page_context"]["sort_order"], "D");
    let default = invoices(&sb, &token, "").await;
    assert!(
        default
            .windows(2)
            .all(|w| s(&w[0], "date") >= s(&w[1], "date"))
    );
    let items = all(&sb, &token, "items", "items", ORG, "").await;
    assert!(
        items
            .windows(2)
            .all(|w| s(&w[0], "name").to_lowercase() <= s(&w[1], "name").to_lowercase())
    );

    let up = invoices(&sb, &token, "sort_column=total&sort_order=A").await;
    let down = invoices(&sb, &token, "sort_column=total&sort_order=D").await;
    assert!(
        up.windows(2)
            .all(|w| cents(&w[0]["total"]) <= cents(&w[1]["total"]))
    );
    assert!(
        down.windows(2)
            .all(|w| cents(&w[0]["total"]) >= cents(&w[1]["total"]))
    );
    let answer = list(
        &sb,
        &token,
        "invoices",
        ORG,
        "sort_column=customer_name&sort_order=D",
    )
    .await;
    assert_eq!(answer.body["page_context"]["sort_column"], "customer_name");
    assert_eq!(answer.body["page_context"]["sort_order"], "D");
    // Ties by id: the same customer's invoices come in id order, whatever the direction.
    let by_customer = invoices(&sb, &token, "sort_column=customer_name&sort_order=D").await;
    for pair in by_customer.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a["customer_name"] == b["customer_name"] {
            assert!(s(a, "invoice_id") < s(b, "invoice_id"));
        } else {
            assert!(s(a, "customer_name").to_lowercase() >= s(b, "customer_name").to_lowercase());
        }
    }
    // Paging a sorted list is stable.
    let paged = all(
        &sb,
        &token,
        "invoices",
        "invoices",
        ORG,
        "sort_column=customer_name&sort_order=D&per_page=33",
    )
    .await;
    assert_eq!(paged, by_customer);
}

#[tokio::test]
async fn bad_values_are_400_and_unknown_names_are_ignored_but_logged() {
    let (sb, token) = sandbox().await;
    for (path, query) in [
        ("invoices", "date_start=2024-02-30"),
        ("invoices", "due_date=tomorrow"),
        ("invoices", "status=lost"),
        ("invoices", "sort_column=colour"),
        ("invoices", "sort_column=total&sort_order=up"),
        ("invoices", "total=lots"),
        ("invoices", "customer_id=abc"),
        ("invoices", "last_modified_time=yesterday"),
        ("bills", "filter_by=Status.Everything"),
        ("bills", "status=draft"),
        ("items", "is_taxable=yes"),
        ("projects/timeentries", "from_date=2024-5-1"),
        ("contacts", "contact_type=partner"),
    ] {
        let answer = list(&sb, &token, path, ORG, query).await;
        assert_eq!(answer.status, 400, "{path}?{query}: {}", answer.text);
        assert_eq!(answer.body["code"], 2, "{path}?{query}");
        let message = answer.body["message"].as_str().unwrap();
        let name = query.split('=').next().unwrap();
        assert!(
            message.starts_with("Invalid value passed for "),
            "{message}"
        );
        assert!(
            message.contains(name) || name == "sort_column" && message.contains("sort_order"),
            "{message}"
        );
    }
    // Names Zoho does not declare for the path are ignored (contacts has no `status` filter,
    // taxes no sort), and the request log shows exactly what was sent.
    let plain = list(&sb, &token, "contacts", ORG, "").await;
    let odd = list(&sb, &token, "contacts", ORG, "status=inactive&colour=blue").await;
    assert_eq!(odd.status, 200);
    assert_eq!(plain.body["contacts"], odd.body["contacts"]);
    let taxes = list(&sb, &token, "settings/taxes", ORG, "sort_column=whatever").await;
    assert_eq!(taxes.status, 200);
    let log = sb.request_log();
    let last = log
        .iter()
        .rev()
        .find(|r| r.path == "/books/v3/contacts")
        .unwrap();
    assert_eq!(
        last.params,
        format!("organization_id={ORG}&status=inactive&colour=blue")
    );
}
