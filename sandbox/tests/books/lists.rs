//! Every list endpoint: envelope, page_context, the contracted fields on every record, value
//! shapes, paging, the empty organization, determinism, Zoho's quirks and the size knob.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::Value;
use zohobooks_sandbox::Sandbox;

use crate::support::*;

/// (path, array key, the fields every record carries).
pub const CONTRACT: &[(&str, &str, &[&str])] = &[
    (
        "contacts",
        "contacts",
        &[
            "contact_id",
            "contact_name",
            "company_name",
            "contact_type",
            "status",
            "first_name",
            "last_name",
            "email",
            "phone",
            "mobile",
            "website",
            "currency_id",
            "currency_code",
            "payment_terms",
            "payment_terms_label",
            "outstanding_receivable_amount",
            "outstanding_payable_amount",
            "unused_credits_receivable_amount",
            "created_time",
            "last_modified_time",
        ],
    ),
    (
        "invoices",
        "invoices",
        &[
            "invoice_id",
            "invoice_number",
            "customer_id",
            "customer_name",
            "status",
            "reference_number",
            "date",
            "due_date",
            "due_days",
            "currency_id",
            "currency_code",
            "exchange_rate",
            "total",
            "balance",
            "is_emailed",
            "reminders_sent",
            "payment_expected_date",
            "last_payment_date",
            "salesperson_id",
            "salesperson_name",
            "shipping_charge",
            "adjustment",
            "write_off_amount",
            "created_time",
            "last_modified_time",
        ],
    ),
    (
        "bills",
        "bills",
        &[
            "bill_id",
            "bill_number",
            "vendor_id",
            "vendor_name",
            "status",
            "reference_number",
            "date",
            "due_date",
            "due_days",
            "currency_id",
            "currency_code",
            "total",
            "balance",
            "created_time",
            "last_modified_time",
        ],
    ),
    (
        "items",
        "items",
        &[
            "item_id",
            "name",
            "status",
            "description",
            "rate",
            "unit",
            "sku",
            "item_type",
            "product_type",
            "is_taxable",
            "tax_id",
            "tax_name",
            "tax_percentage",
            "purchase_rate",
            "purchase_description",
            "account_id",
            "account_name",
            "created_time",
            "last_modified_time",
        ],
    ),
    (
        "customerpayments",
        "customerpayments",
        &[
            "payment_id",
            "payment_number",
            "customer_id",
            "customer_name",
            "payment_mode",
            "date",
            "reference_number",
            "description",
            "amount",
            "bcy_amount",
            "unused_amount",
            "currency_id",
            "currency_code",
            "created_time",
            "last_modified_time",
        ],
    ),
    (
        "expenses",
        "expenses",
        &[
            "expense_id",
            "date",
            "account_id",
            "account_name",
            "paid_through_account_id",
            "paid_through_account_name",
            "vendor_id",
            "vendor_name",
            "description",
            "currency_id",
            "currency_code",
            "total",
            "bcy_total",
            "is_billable",
            "reference_number",
            "customer_id",
            "customer_name",
            "status",
            "created_time",
            "last_modified_time",
        ],
    ),
    (
        "salesorders",
        "salesorders",
        &[
            "salesorder_id",
            "salesorder_number",
            "customer_id",
            "customer_name",
            "status",
            "reference_number",
            "date",
            "shipment_date",
            "currency_id",
            "currency_code",
            "total",
            "salesperson_id",
            "salesperson_name",
            "created_time",
            "last_modified_time",
        ],
    ),
    (
        "purchaseorders",
        "purchaseorders",
        &[
            "purchaseorder_id",
            "purchaseorder_number",
            "vendor_id",
            "vendor_name",
            "status",
            "reference_number",
            "date",
            "delivery_date",
            "currency_id",
            "currency_code",
            "total",
            "created_time",
            "last_modified_time",
        ],
    ),
    (
        "estimates",
        "estimates",
        &[
            "estimate_id",
            "estimate_number",
            "customer_id",
            "customer_name",
            "status",
            "reference_number",
            "date",
            "expiry_date",
            "currency_id",
            "currency_code",
            "total",
            "created_time",
            "last_modified_time",
        ],
    ),
    (
        "creditnotes",
        "creditnotes",
        &[
            "creditnote_id",
            "creditnote_number",
            "customer_id",
            "customer_name",
            "status",
            "reference_number",
            "date",
            "currency_id",
            "currency_code",
            "total",
            "balance",
            "created_time",
            "last_modified_time",
        ],
    ),
    (
        "vendorpayments",
        "vendorpayments",
        &[
            "payment_id",
            "payment_number",
            "vendor_id",
            "vendor_name",
            "payment_mode",
            "date",
            "reference_number",
            "description",
            "amount",
            "balance",
            "currency_id",
            "currency_code",
            "created_time",
            "last_modified_time",
        ],
    ),
    (
        "vendorcredits",
        "vendor_credits",
        &[
            "vendor_credit_id",
            "vendor_credit_number",
            "vendor_id",
            "vendor_name",
            "status",
            "reference_number",
            "date",
            "currency_id",
            "currency_code",
            "total",
            "balance",
            "created_time",
            "last_modified_time",
        ],
    ),
    (
        "chartofaccounts",
        "chartofaccounts",
        &[
            "account_id",
            "account_name",
            "account_code",
            "account_type",
            "description",
            "is_active",
            "is_user_created",
            "is_system_account",
            "current_balance",
            "last_modified_time",
        ],
    ),
    (
        "bankaccounts",
        "bankaccounts",
        &[
            "account_id",
            "account_name",
            "account_code",
            "account_type",
            "account_number",
            "bank_name",
            "currency_id",
            "currency_code",
            "balance",
            "bcy_balance",
            "uncategorized_transactions",
            "is_active",
            "is_primary_account",
        ],
    ),
    (
        "banktransactions",
        "banktransactions",
        &[
            "transaction_id",
            "date",
            "amount",
            "transaction_type",
            "status",
            "source",
            "account_id",
            "account_name",
            "customer_id",
            "payee",
            "description",
            "reference_number",
            "currency_id",
            "currency_code",
            "debit_or_credit",
        ],
    ),
    (
        "journals",
        "journals",
        &[
            "journal_id",
            "journal_date",
            "entry_number",
            "reference_number",
            "notes",
            "currency_id",
            "currency_code",
            "total",
            "bcy_total",
            "status",
            "created_time",
            "last_modified_time",
        ],
    ),
    (
        "projects",
        "projects",
        &[
            "project_id",
            "project_name",
            "customer_id",
            "customer_name",
            "description",
            "status",
            "billing_type",
            "rate",
            "created_time",
        ],
    ),
    (
        "projects/timeentries",
        "time_entries",
        &[
            "time_entry_id",
            "project_id",
            "project_name",
            "task_id",
            "task_name",
            "user_id",
            "user_name",
            "log_date",
            "log_time",
            "is_billable",
            "billed_status",
            "customer_id",
            "customer_name",
            "notes",
            "created_time",
        ],
    ),
    (
        "users",
        "users",
        &[
            "user_id",
            "name",
            "email",
            "user_role",
            "status",
            "is_current_user",
            "role_id",
        ],
    ),
    (
        "settings/taxes",
        "taxes",
        &[
            "tax_id",
            "tax_name",
            "tax_percentage",
            "tax_type",
            "is_default_tax",
            "is_editable",
        ],
    ),
    (
        "settings/currencies",
        "currencies",
        &[
            "currency_id",
            "currency_code",
            "currency_name",
            "currency_symbol",
            "price_precision",
            "currency_format",
            "is_base_currency",
            "exchange_rate",
            "effective_date",
        ],
    ),
    (
        "recurringinvoices",
        "recurring_invoices",
        &[
            "recurring_invoice_id",
            "recurrence_name",
            "status",
            "customer_id",
            "customer_name",
            "start_date",
            "end_date",
            "last_sent_date",
            "next_invoice_date",
            "recurrence_frequency",
            "repeat_every",
            "currency_id",
            "currency_code",
            "total",
            "created_time",
            "last_modified_time",
        ],
    ),
    (
        "recurringexpenses",
        "recurring_expenses",
        &[
            "recurring_expense_id",
            "recurrence_name",
            "status",
            "recurrence_frequency",
            "repeat_every",
            "last_created_date",
            "next_expense_date",
            "account_id",
            "account_name",
            "description",
            "currency_id",
            "currency_code",
            "total",
            "is_billable",
            "customer_id",
            "customer_name",
            "created_time",
            "last_modified_time",
        ],
    ),
    (
        "recurringbills",
        "recurring_bills",
        &[
            "recurring_bill_id",
            "recurrence_name",
            "status",
            "vendor_id",
            "vendor_name",
            "start_date",
            "end_date",
            "last_sent_date",
            "next_bill_date",
            "recurrence_frequency",
            "repeat_every",
            "currency_id",
            "currency_code",
            "total",
            "created_time",
            "last_modified_time",
        ],
    ),
    (
        "retainerinvoices",
        "retainerinvoices",
        &[
            "retainerinvoice_id",
            "retainerinvoice_number",
            "customer_id",
            "customer_name",
            "status",
            "reference_number",
            "date",
            "currency_id",
            "currency_code",
            "total",
            "balance",
            "created_time",
            "last_modified_time",
        ],
    ),
];

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && text.replace('-', "").bytes().all(|c| c.is_ascii_digit())
}

fn is_timestamp(text: &str) -> bool {
    // 2026-01-31T10:20:30+0530
    let b = text.as_bytes();
    b.len() == 24 && is_date(&text[..10]) && b[10] == b'T' && matches!(b[19], b'+' | b'-')
}

fn check_shapes(path: &str, record: &Value) {
    for (field, value) in record.as_object().expect("object") {
        let text = value.as_str();
        if field.ends_with("_id") {
            let id = text.unwrap_or_else(|| panic!("{path}.{field} must be a string: {value}"));
            assert!(
                id.is_empty()
                    || (id.bytes().all(|c| c.is_ascii_digit()) && (15..=19).contains(&id.len())),
                "{path}.{field} = {id}"
            );
        }
        if field.ends_with("_time") && field != "log_time" {
            assert!(is_timestamp(text.unwrap_or("")), "{path}.{field} = {value}");
        }
        if field.ends_with("date") && !field.starts_with("is_") {
            let t = text.unwrap_or_else(|| panic!("{path}.{field} must be a string: {value}"));
            assert!(
                t.is_empty() || is_date(t) || t == "not-a-date",
                "{path}.{field} = {t}"
            );
        }
        if field.starts_with("is_") {
            assert!(value.is_boolean(), "{path}.{field} = {value}");
        }
        if ["total", "balance", "amount", "rate", "bcy_total"].contains(&field.as_str()) {
            let cents = cents(value) as f64 / 100.0;
            assert!(cents.is_finite(), "{path}.{field}");
        }
    }
}

#[tokio::test]
async fn every_list_endpoint_serves_its_contract() {
    let (sb, token) = sandbox().await;
    for (path, key, fields) in CONTRACT {
        let answer = list(&sb, &token, path, ORG, "").await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.text);
        assert_eq!(answer.body["code"], 0);
        assert_eq!(answer.body["message"], "success");
        let context = &answer.body["page_context"];
        assert_eq!(context["page"], 1, "{path}");
        assert_eq!(context["per_page"], 200, "{path}");
        assert!(context["has_more_page"].is_boolean(), "{path}");
        for field in ["report_name", "sort_column", "sort_order", "applied_filter"] {
            assert!(context[field].is_string(), "{path}: page_context.{field}");
        }
        let records = all(&sb, &token, path, key, ORG, "").await;
        assert!(!records.is_empty(), "{path} has records");
        let mut ids = HashSet::new();
        for record in &records {
            let object = record.as_object().expect("object");
            for field in *fields {
                assert!(
                    object.contains_key(*field),
                    "{path}: {field} missing in {record}"
                );
            }
            check_shapes(path, record);
            assert!(
                ids.insert(s(record, fields[0]).to_string()),
                "{path}: duplicate id"
            );
        }
    }
    assert_eq!(
        all(&sb, &token, "contacts", "contacts", ORG, "")
            .await
            .len(),
        250
    );
    assert_eq!(
        all(&sb, &token, "invoices", "invoices", ORG, "")
            .await
            .len(),
        425
    );
    assert_eq!(
        all(&sb, &token, "contacts", "contacts", SECOND_ORG, "")
            .await
            .len(),
        60
    );
    assert_eq!(
        all(&sb, &token, "invoices", "invoices", SECOND_ORG, "")
            .await
            .len(),
        130
    );
}

#[tokio::test]
async fn ids_are_long_strings_and_timestamps_use_several_offsets() {
    let (sb, token) = sandbox().await;
    let bills = all(&sb, &token, "bills", "bills", ORG, "").await;
    let offsets: HashSet<&str> = bills.iter().map(|b| &s(b, "created_time")[19..]).collect();
    assert!(offsets.len() >= 3, "{offsets:?}");
    for bill in &bills {
        let id = s(bill, "bill_id");
        assert!((18..=19).contains(&id.len()));
        assert!(id.parse::<u64>().expect("digits") > 1 << 53);
    }
}

#[tokio::test]
async fn zoho_quirks_are_present() {
    let (sb, token) = sandbox().await;
    let mut string_amounts = 0;
    for (path, key, field) in [
        ("bills", "bills", "total"),
        ("expenses", "expenses", "total"),
        ("items", "items", "rate"),
        ("customerpayments", "customerpayments", "amount"),
    ] {
        let records = all(&sb, &token, path, key, ORG, "").await;
        let strings: Vec<&Value> = records.iter().filter(|r| r[field].is_string()).collect();
        assert!(!strings.is_empty(), "{path}.{field} has a string amount");
        for record in &strings {
            let text = s(record, field);
            assert!(text.contains('.') && text.parse::<f64>().is_ok(), "{text}");
        }
        string_amounts += strings.len();
    }
    assert!(string_amounts < 40, "only a handful");
    let expenses = all(&sb, &token, "expenses", "expenses", ORG, "").await;
    assert_eq!(
        expenses
            .iter()
            .filter(|e| e["date"] == "not-a-date")
            .count(),
        1
    );
    let invoices = all(&sb, &token, "invoices", "invoices", ORG, "").await;
    assert!(invoices.iter().any(|i| i["last_payment_date"] == ""));
    assert!(
        invoices
            .iter()
            .any(|i| i["due_days"].as_str().unwrap().starts_with("Overdue by"))
    );
}

#[tokio::test]
async fn paging_walks_each_record_once() {
    let (sb, token) = sandbox().await;
    let by_200 = all(&sb, &token, "bills", "bills", ORG, "").await;
    let by_7 = all(&sb, &token, "bills", "bills", ORG, "per_page=7").await;
    assert_eq!(by_200.len(), 120);
    assert_eq!(by_200, by_7);
    // An exactly full last page announces no further page.
    let answer = list(&sb, &token, "bills", ORG, "per_page=60&page=2").await;
    assert_eq!(answer.body["bills"].as_array().unwrap().len(), 60);
    assert_eq!(answer.body["page_context"]["has_more_page"], false);
    let answer = list(&sb, &token, "bills", ORG, "per_page=60&page=1").await;
    assert_eq!(answer.body["page_context"]["has_more_page"], true);
    // Far past the end: empty, no panic.
    let answer = list(&sb, &token, "bills", ORG, "page=18446744073709551615").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["bills"], Value::Array(vec![]));
    for bad in ["per_page=0", "page=0", "page=-1", "per_page=ten"] {
        let answer = list(&sb, &token, "bills", ORG, bad).await;
        assert_eq!(
            (answer.status, answer.body["code"].clone()),
            (400, Value::from(2)),
            "{bad}"
        );
    }
}

#[tokio::test]
async fn the_empty_organization_has_only_settings() {
    let (sb, token) = sandbox().await;
    for (path, key, _) in CONTRACT {
        let answer = list(&sb, &token, path, EMPTY_ORG, "").await;
        assert_eq!(answer.status, 200, "{path}");
        let count = answer.body[key].as_array().expect("array").len();
        if [
            "users",
            "settings/currencies",
            "settings/taxes",
            "chartofaccounts",
        ]
        .contains(path)
        {
            assert!(count > 0, "{path}");
        } else {
            assert_eq!(count, 0, "{path}");
        }
    }
}

#[tokio::test]
async fn two_sandboxes_answer_byte_identically() {
    let (a, ta) = sandbox().await;
    let (b, tb) = sandbox().await;
    for path in [
        "invoices/460012000000000007",
        "contacts/460011000000000003/contactpersons",
    ] {
        let x = books(&a, &ta, &format!("{path}?organization_id={ORG}")).await;
        let y = books(&b, &tb, &format!("{path}?organization_id={ORG}")).await;
        assert_eq!(x.status, 200, "{path}: {}", x.text);
        assert_eq!(x.text, y.text, "{path}");
    }
    for (path, _, _) in CONTRACT {
        let x = list(&a, &ta, path, SECOND_ORG, "per_page=50&page=1").await;
        let y = list(&b, &tb, path, SECOND_ORG, "per_page=50&page=1").await;
        assert_eq!(x.text, y.text, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoice_count_knob_scales_the_first_organization_lazily() {
    let started = Instant::now();
    let sb = Sandbox::builder()
        .invoice_count(20_000)
        .start()
        .await
        .expect("starts");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "start stays cheap"
    );
    let (token, _) = sb.mint_tokens(SCOPE);
    let walk = Instant::now();
    let mut ids = HashSet::new();
    let mut pages = 0;
    for page in 1.. {
        let answer = list(&sb, &token, "invoices", ORG, &format!("page={page}")).await;
        assert_eq!(answer.status, 200);
        for invoice in answer.body["invoices"].as_array().unwrap() {
            assert!(ids.insert(s(invoice, "invoice_id").to_string()));
        }
        pages += 1;
        if answer.body["page_context"]["has_more_page"] == false {
            break;
        }
    }
    assert_eq!((pages, ids.len()), (100, 20_000));
    eprintln!("20 000 invoices in 100 pages: {:?}", walk.elapsed());
    // Line items of the scaled invoices exist too, and add up.
    let last = books(
        &sb,
        &token,
        "invoices/460012000000020000?organization_id=10234695",
    )
    .await;
    assert_eq!(last.status, 200);
    let lines = last.body["invoice"]["line_items"].as_array().unwrap();
    let sum: i64 = lines.iter().map(|l| cents(&l["item_total"])).sum();
    assert_eq!(sum, cents(&last.body["invoice"]["sub_total"]));
    // Other organizations keep their size.
    assert_eq!(
        all(&sb, &token, "invoices", "invoices", SECOND_ORG, "")
            .await
            .len(),
        130
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_100_000_invoices_is_served_fast() {
    let sb = Sandbox::builder()
        .invoice_count(100_000)
        .start()
        .await
        .expect("starts");
    let (token, _) = sb.mint_tokens(SCOPE);
    // The first request builds the data; later pages are slices of it.
    let answer = list(&sb, &token, "invoices", ORG, "page=1").await;
    assert_eq!(answer.body["invoices"].as_array().unwrap().len(), 200);
    let timer = Instant::now();
    for page in [2, 250, 499, 500] {
        let answer = list(&sb, &token, "invoices", ORG, &format!("page={page}")).await;
        assert_eq!(answer.body["invoices"].as_array().unwrap().len(), 200);
        assert_eq!(answer.body["page_context"]["has_more_page"], page != 500);
    }
    let sorted = list(
        &sb,
        &token,
        "invoices",
        ORG,
        "sort_column=total&sort_order=D&page=3",
    )
    .await;
    assert_eq!(sorted.status, 200);
    let filtered = list(&sb, &token, "invoices", ORG, "status=paid&page=2").await;
    assert!(
        filtered.body["invoices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "paid")
    );
    let elapsed = timer.elapsed();
    eprintln!("6 pages of 100 000 invoices: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}
