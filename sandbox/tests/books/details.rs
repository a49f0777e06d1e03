//! Detail objects, line items, contact persons and referential consistency.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::support::*;

async fn detail(
    sb: &zohobooks_sandbox::SandboxHandle,
    token: &str,
    path: &str,
    id: &str,
) -> Answer {
    books(sb, token, &format!("{path}/{id}?organization_id={ORG}")).await
}

#[tokio::test]
async fn documents_have_consistent_line_items() {
    let (sb, token) = sandbox().await;
    let items: HashSet<String> = all(&sb, &token, "items", "items", ORG, "")
        .await
        .iter()
        .map(|i| s(i, "item_id").to_string())
        .collect();
    for (path, key, singular, id_field) in [
        ("invoices", "invoices", "invoice", "invoice_id"),
        ("bills", "bills", "bill", "bill_id"),
        ("salesorders", "salesorders", "salesorder", "salesorder_id"),
        (
            "purchaseorders",
            "purchaseorders",
            "purchaseorder",
            "purchaseorder_id",
        ),
        ("estimates", "estimates", "estimate", "estimate_id"),
        ("creditnotes", "creditnotes", "creditnote", "creditnote_id"),
    ] {
        let page = list(&sb, &token, path, ORG, "per_page=25").await;
        for record in page.body[key].as_array().unwrap() {
            let answer = detail(&sb, &token, path, s(record, id_field)).await;
            assert_eq!(answer.status, 200, "{path}: {}", answer.text);
            assert_eq!(answer.body["code"], 0);
            let object = &answer.body[singular];
            for (field, value) in record.as_object().unwrap() {
                assert_eq!(&object[field], value, "{path}.{field}");
            }
            for field in ["sub_total", "tax_total", "notes", "line_items"] {
                assert!(object.get(field).is_some(), "{path} detail lacks {field}");
            }
            let lines = object["line_items"].as_array().unwrap();
            assert!((1..=5).contains(&lines.len()), "{path}");
            let mut sum = 0;
            for (index, line) in lines.iter().enumerate() {
                for field in [
                    "line_item_id",
                    "item_id",
                    "name",
                    "description",
                    "item_order",
                    "quantity",
                    "unit",
                    "rate",
                    "discount",
                    "tax_id",
                    "tax_name",
                    "tax_percentage",
                    "item_total",
                    "account_id",
                    "account_name",
                ] {
                    assert!(line.get(field).is_some(), "{path} line lacks {field}");
                }
                assert_eq!(line["item_order"], index + 1);
                assert!(items.contains(s(line, "item_id")), "{path}: unknown item");
                let q = line["quantity"].as_f64().unwrap();
                assert_eq!(
                    (q * cents(&line["rate"]) as f64).round() as i64,
                    cents(&line["item_total"])
                );
                sum += cents(&line["item_total"]);
            }
            assert_eq!(sum, cents(&object["sub_total"]), "{path}");
            let extra = |f: &str| object.get(f).map_or(0, cents);
            assert_eq!(
                cents(&object["sub_total"])
                    + cents(&object["tax_total"])
                    + extra("shipping_charge")
                    + extra("adjustment")
                    - extra("discount"),
                cents(&object["total"]),
                "{path}"
            );
        }
    }
    let invoice = detail(&sb, &token, "invoices", "460012000000000001").await;
    for field in [
        "discount",
        "terms",
        "billing_address",
        "shipping_address",
        "custom_fields",
    ] {
        assert!(invoice.body["invoice"].get(field).is_some(), "{field}");
    }
    for field in ["attention", "address", "city", "state", "zip", "country"] {
        assert!(
            invoice.body["invoice"]["billing_address"][field].is_string(),
            "{field}"
        );
    }
}

#[tokio::test]
async fn contacts_items_and_payments_details() {
    let (sb, token) = sandbox().await;
    let contacts = all(&sb, &token, "contacts", "contacts", ORG, "").await;
    for contact in contacts.iter().take(20) {
        let id = s(contact, "contact_id");
        let answer = detail(&sb, &token, "contacts", id).await;
        let object = &answer.body["contact"];
        for field in [
            "notes",
            "billing_address",
            "shipping_address",
            "custom_fields",
            "contact_persons",
            "credit_limit",
        ] {
            assert!(object.get(field).is_some(), "contact lacks {field}");
        }
        let persons = books(
            &sb,
            &token,
            &format!("contacts/{id}/contactpersons?organization_id={ORG}"),
        )
        .await;
        assert_eq!(persons.status, 200);
        let list = persons.body["contact_persons"].as_array().unwrap();
        assert!((1..=3).contains(&list.len()));
        assert_eq!(&object["contact_persons"], &persons.body["contact_persons"]);
        assert_eq!(
            list.iter()
                .filter(|p| p["is_primary_contact"] == true)
                .count(),
            1
        );
        for person in list {
            for field in [
                "contact_person_id",
                "salutation",
                "first_name",
                "last_name",
                "email",
                "phone",
                "mobile",
                "designation",
                "department",
                "is_primary_contact",
            ] {
                assert!(person.get(field).is_some(), "person lacks {field}");
            }
        }
        assert_eq!(list[0]["email"], contact["email"]);
    }
    let item = all(&sb, &token, "items", "items", ORG, "").await.remove(0);
    let answer = detail(&sb, &token, "items", s(&item, "item_id")).await;
    for field in [
        "purchase_account_id",
        "purchase_account_name",
        "custom_fields",
        "inventory_account_id",
    ] {
        assert!(
            answer.body["item"].get(field).is_some(),
            "item lacks {field}"
        );
    }
    // A payment's invoices exist, are the customer's, and are paid by it.
    let invoices: HashMap<String, Value> = all(&sb, &token, "invoices", "invoices", ORG, "")
        .await
        .into_iter()
        .map(|i| (s(&i, "invoice_id").to_string(), i))
        .collect();
    let payments = all(&sb, &token, "customerpayments", "customerpayments", ORG, "").await;
    assert!(payments.len() > 50);
    for payment in payments.iter().take(40) {
        let answer = detail(&sb, &token, "customerpayments", s(payment, "payment_id")).await;
        let object = &answer.body["payment"];
        assert!(object["exchange_rate"].is_number() && object["bank_charges"].is_number());
        let applied = object["invoices"].as_array().unwrap();
        assert!(!applied.is_empty());
        let mut sum = 0;
        for entry in applied {
            let invoice = &invoices[s(entry, "invoice_id")];
            assert_eq!(invoice["customer_id"], payment["customer_id"]);
            assert_eq!(invoice["status"], "paid");
            assert_eq!(entry["invoice_number"], invoice["invoice_number"]);
            assert_eq!(invoice["last_payment_date"], payment["date"]);
            sum += cents(&entry["amount_applied"]);
        }
        assert_eq!(
            sum + cents(&payment["unused_amount"]),
            cents(&payment["amount"])
        );
    }
}

#[tokio::test]
async fn unknown_records_and_paths() {
    let (sb, token) = sandbox().await;
    for (path, message) in [
        ("invoices", "Invoice does not exist."),
        ("bills", "The bill does not exist."),
        ("contacts", "The contact does not exist."),
        ("customerpayments", "The payment does not exist."),
        ("items", "The item does not exist."),
    ] {
        let answer = detail(&sb, &token, path, "999999999999999999").await;
        assert_eq!(
            (answer.status, answer.body["code"].clone()),
            (404, Value::from(1002)),
            "{path}"
        );
        assert_eq!(answer.body["message"], message);
        let answer = detail(&sb, &token, path, "not-an-id").await;
        assert_eq!(answer.status, 404);
    }
    let answer = books(
        &sb,
        &token,
        &format!("contacts/1/contactpersons?organization_id={ORG}"),
    )
    .await;
    assert_eq!(
        (answer.status, answer.body["code"].clone()),
        (404, Value::from(1002))
    );
    for path in [
        "widgets",
        "journals/1",
        "invoices/1/comments",
        "projects/timeentries/x/y",
    ] {
        let answer = books(&sb, &token, &format!("{path}?organization_id={ORG}")).await;
        assert_eq!(
            (answer.status, answer.body["code"].clone()),
            (404, Value::from(5)),
            "{path}"
        );
    }
    // A record of another organization is invisible.
    let answer = books(
        &sb,
        &token,
        &format!("invoices/460012000000000001?organization_id={SECOND_ORG}"),
    )
    .await;
    assert_eq!(answer.status, 404);
}

#[tokio::test]
async fn references_point_at_records_of_the_same_organization() {
    let (sb, token) = sandbox().await;
    for org in [ORG, SECOND_ORG] {
        let contacts = all(&sb, &token, "contacts", "contacts", org, "").await;
        let kind: HashMap<&str, &str> = contacts
            .iter()
            .map(|c| (s(c, "contact_id"), s(c, "contact_type")))
            .collect();
        let check = |records: &[Value], field: &str, want: &str| {
            for record in records {
                let id = s(record, field);
                if !id.is_empty() {
                    assert_eq!(kind.get(id).copied(), Some(want), "{field} {id}");
                }
            }
        };
        for (path, key, field, want) in [
            ("invoices", "invoices", "customer_id", "customer"),
            ("estimates", "estimates", "customer_id", "customer"),
            ("salesorders", "salesorders", "customer_id", "customer"),
            ("creditnotes", "creditnotes", "customer_id", "customer"),
            (
                "customerpayments",
                "customerpayments",
                "customer_id",
                "customer",
            ),
            ("projects", "projects", "customer_id", "customer"),
            (
                "recurringinvoices",
                "recurring_invoices",
                "customer_id",
                "customer",
            ),
            (
                "retainerinvoices",
                "retainerinvoices",
                "customer_id",
                "customer",
            ),
            ("expenses", "expenses", "customer_id", "customer"),
            ("bills", "bills", "vendor_id", "vendor"),
            ("purchaseorders", "purchaseorders", "vendor_id", "vendor"),
            ("vendorpayments", "vendorpayments", "vendor_id", "vendor"),
            ("vendorcredits", "vendor_credits", "vendor_id", "vendor"),
            ("recurringbills", "recurring_bills", "vendor_id", "vendor"),
            ("expenses", "expenses", "vendor_id", "vendor"),
        ] {
            let records = all(&sb, &token, path, key, org, "").await;
            assert!(!records.is_empty(), "{org} {path}");
            check(&records, field, want);
        }
        let ids = |records: Vec<Value>, field: &str| -> HashSet<String> {
            records.iter().map(|r| s(r, field).to_string()).collect()
        };
        let projects = ids(
            all(&sb, &token, "projects", "projects", org, "").await,
            "project_id",
        );
        let users = ids(all(&sb, &token, "users", "users", org, "").await, "user_id");
        for entry in all(&sb, &token, "projects/timeentries", "time_entries", org, "").await {
            assert!(projects.contains(s(&entry, "project_id")));
            assert!(users.contains(s(&entry, "user_id")));
        }
        let accounts = ids(
            all(&sb, &token, "chartofaccounts", "chartofaccounts", org, "").await,
            "account_id",
        );
        for expense in all(&sb, &token, "expenses", "expenses", org, "").await {
            assert!(accounts.contains(s(&expense, "account_id")));
            assert!(accounts.contains(s(&expense, "paid_through_account_id")));
        }
        let banks = ids(
            all(&sb, &token, "bankaccounts", "bankaccounts", org, "").await,
            "account_id",
        );
        assert!(banks.is_subset(&accounts));
        for transaction in all(&sb, &token, "banktransactions", "banktransactions", org, "").await {
            assert!(banks.contains(s(&transaction, "account_id")));
        }
        for invoice in all(&sb, &token, "invoices", "invoices", org, "").await {
            let person = s(&invoice, "salesperson_id");
            assert!(person.is_empty() || users.contains(person));
        }
        let currencies = all(&sb, &token, "settings/currencies", "currencies", org, "").await;
        let base: Vec<&Value> = currencies
            .iter()
            .filter(|c| c["is_base_currency"] == true)
            .collect();
        assert_eq!(base.len(), 1);
        let organizations = books(&sb, &token, "organizations").await;
        let summary = organizations.body["organizations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["organization_id"] == org)
            .unwrap()
            .clone();
        assert_eq!(base[0]["currency_id"], summary["currency_id"]);
    }
    // Outstanding receivables add up to the customers' open invoice balances.
    let open: i64 = all(&sb, &token, "invoices", "invoices", ORG, "")
        .await
        .iter()
        .filter(|i| i["status"] != "draft")
        .map(|i| cents(&i["balance"]))
        .sum();
    let receivable: i64 = all(&sb, &token, "contacts", "contacts", ORG, "")
        .await
        .iter()
        .map(|c| cents(&c["outstanding_receivable_amount"]))
        .sum();
    assert_eq!(open, receivable);
}
