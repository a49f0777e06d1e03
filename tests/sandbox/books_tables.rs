//! The Books tables through the engine against the sandbox: what each scan sends to Zoho
//! (asserted on the sandbox's request log), paging, limits and the per-parent guard.

use zohobooks_sandbox::{LoggedRequest, Sandbox, SandboxHandle};
use zohobooks_sql::Connection;

async fn connect(extra: &str) -> (SandboxHandle, Connection) {
    let zoho = Sandbox::builder().start().await.expect("sandbox");
    let (access_token, _) = zoho.mint_tokens("ZohoBooks.fullaccess.all");
    let conn = Connection::open(&format!(
        "AccountsServer={};OAuthAccessToken={access_token};{extra}",
        zoho.base_url()
    ))
    .await
    .expect("open");
    (zoho, conn)
}

/// The Books requests to `path` (under /books/v3) the sandbox received.
fn requests_to(zoho: &SandboxHandle, path: &str) -> Vec<LoggedRequest> {
    let full = format!("/books/v3{path}");
    zoho.request_log()
        .into_iter()
        .filter(|r| r.path == full)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overdue_report_sends_status_to_zoho_and_joins_contacts() {
    let (zoho, conn) = connect("").await;
    let sql = "SELECT c.ContactName, COUNT(*) AS n, SUM(i.Balance) AS due FROM Invoices i \
               JOIN Contacts c ON c.ContactId = i.CustomerId WHERE i.Status = 'overdue' \
               GROUP BY c.ContactName ORDER BY due DESC LIMIT 5";
    let plan = conn
        .execute(&format!("EXPLAIN {sql}"))
        .await
        .expect("explain");
    let text = plan.to_table_string().unwrap();
    assert!(
        text.contains("request=GET /invoices?status=overdue"),
        "{text}"
    );
    assert!(zoho.request_log().is_empty(), "EXPLAIN sends nothing");

    let rs = conn.execute(sql).await.expect("report");
    assert!(rs.num_rows() > 0 && rs.num_rows() <= 5);
    let invoices = requests_to(&zoho, "/invoices");
    assert!(!invoices.is_empty());
    for r in &invoices {
        assert!(r.params.contains("status=overdue"), "{}", r.params);
        assert!(
            r.params.contains("organization_id=10234695"),
            "{}",
            r.params
        );
        assert!(r.params.contains("per_page=200"), "{}", r.params);
        assert!(
            !r.params.contains("filter_by"),
            "no default filter_by: {}",
            r.params
        );
    }
    // Every contact of the default organization counted once per overdue invoice.
    let dues: Vec<Option<String>> = (0..rs.num_rows()).map(|r| rs.value(r, "due")).collect();
    let mut sorted = dues.clone();
    sorted.sort_by(|a, b| {
        let f = |v: &Option<String>| v.as_deref().unwrap_or("0").parse::<f64>().unwrap();
        f(b).partial_cmp(&f(a)).unwrap()
    });
    assert_eq!(dues, sorted, "ORDER BY due DESC");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_by_a_sortable_column_with_a_limit_is_one_request() {
    let (zoho, conn) = connect("").await;
    let rs = conn
        .execute("SELECT InvoiceNumber, Date FROM Invoices ORDER BY Date DESC LIMIT 10")
        .await
        .expect("query");
    assert_eq!(rs.num_rows(), 10);
    let invoices = requests_to(&zoho, "/invoices");
    assert_eq!(invoices.len(), 1, "{invoices:?}");
    assert!(
        invoices[0].params.contains("sort_column=date&sort_order=D"),
        "{}",
        invoices[0].params
    );
    // A text column is not handed to Zoho's collation: the engine sorts every row.
    let plan = conn
        .execute("EXPLAIN SELECT InvoiceNumber FROM Invoices ORDER BY CustomerName LIMIT 10")
        .await
        .unwrap()
        .to_table_string()
        .unwrap();
    assert!(plan.contains("SortExec: TopK(fetch=10)"), "{plan}");
    assert!(!plan.contains("sort_column"), "{plan}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_zoho_declares_are_sent_and_others_stay_in_the_engine() {
    let (zoho, conn) = connect("").await;
    let rs = conn
        .execute(
            "SELECT InvoiceNumber FROM Invoices WHERE Date >= '2024-03-01' AND Date < '2024-04-01' \
             AND InvoiceNumber LIKE 'INV-%' AND CustomerId <> 'nobody'",
        )
        .await
        .expect("query");
    let invoices = requests_to(&zoho, "/invoices");
    let params = &invoices[0].params;
    for expected in [
        "date_start=2024-03-01",
        "date_before=2024-04-01",
        "invoice_number_startswith=INV-",
    ] {
        assert!(params.contains(expected), "{expected} in {params}");
    }
    assert!(!params.contains("nobody"), "{params}");
    // Whatever Zoho did with them, the engine's answer is the filtered one.
    let all = conn
        .execute(
            "SELECT COUNT(*) AS n FROM Invoices WHERE Date >= '2024-03-01' AND Date < '2024-04-01'",
        )
        .await
        .unwrap();
    assert_eq!(all.value(0, "n"), Some(rs.num_rows().to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_per_parent_table_without_keys_fails_before_any_per_record_call() {
    let (zoho, conn) = connect("DetailFetchLimit=100").await;
    let err = conn
        .execute("SELECT COUNT(*) FROM InvoiceLineItems")
        .await
        .expect_err("425 invoices > 100");
    assert!(
        matches!(
            err,
            zohobooks_sql::Error::DetailFetchLimit {
                records: 425,
                limit: 100,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("WHERE InvoiceId = '...'"), "{err}");
    let detail_calls = zoho
        .request_log()
        .iter()
        .filter(|r| r.path.starts_with("/books/v3/invoices/"))
        .count();
    assert_eq!(detail_calls, 0);

    // Named keys: one detail request each, no listing.
    let before = requests_to(&zoho, "/invoices").len();
    let keys = conn
        .execute("SELECT InvoiceId FROM Invoices ORDER BY Date LIMIT 3")
        .await
        .unwrap();
    let ids: Vec<String> = (0..3)
        .map(|r| keys.value(r, "InvoiceId").unwrap())
        .collect();
    let rs = conn
        .execute(&format!(
            "SELECT InvoiceId, InvoiceNumber, Total FROM InvoiceDetails WHERE InvoiceId IN ('{}', '{}', '{}')",
            ids[0], ids[1], ids[2]
        ))
        .await
        .expect("details");
    assert_eq!(rs.num_rows(), 3);
    assert_eq!(
        requests_to(&zoho, "/invoices").len(),
        before + 1,
        "only the key query listed"
    );
    for id in &ids {
        assert_eq!(requests_to(&zoho, &format!("/invoices/{id}")).len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_table_is_listed_with_its_columns_and_counts_its_calls() {
    let (_zoho, conn) = connect("").await;
    let rs = conn
        .execute(
            "SELECT t.TableName, COUNT(c.ColumnName) AS n FROM sys_tables t \
             JOIN sys_tablecolumns c ON c.TableName = t.TableName \
             WHERE t.TableType = 'TABLE' GROUP BY t.TableName",
        )
        .await
        .unwrap();
    assert_eq!(rs.num_rows(), 38);
    for name in [
        "Contacts",
        "Invoices",
        "Bills",
        "Items",
        "CustomerPayments",
        "Expenses",
        "SalesOrders",
        "PurchaseOrders",
        "Estimates",
        "CreditNotes",
        "VendorPayments",
        "VendorCredits",
        "ChartOfAccounts",
        "BankAccounts",
        "BankTransactions",
        "Journals",
        "Projects",
        "TimeEntries",
        "Users",
        "Taxes",
        "Currencies",
        "RecurringInvoices",
        "RecurringExpenses",
        "RecurringBills",
        "RetainerInvoices",
        "Organizations",
        "InvoiceLineItems",
        "BillLineItems",
        "SalesOrderLineItems",
        "PurchaseOrderLineItems",
        "EstimateLineItems",
        "CreditNoteLineItems",
        "CustomerContacts",
        "CustomerPaymentInvoices",
        "InvoiceDetails",
        "ContactDetails",
        "BillDetails",
        "ItemDetails",
    ] {
        assert!(
            (0..rs.num_rows()).any(|r| rs.value(r, "TableName").as_deref() == Some(name)),
            "{name}"
        );
    }
    // Types by the naming and type rules.
    let types = conn
        .execute(
            "SELECT ColumnName, DataTypeName FROM sys_tablecolumns WHERE TableName = 'Invoices' \
             AND ColumnName IN ('InvoiceId', 'Date', 'Total', 'CreatedTime', 'IsEmailed', 'RemindersSent') \
             ORDER BY ColumnName",
        )
        .await
        .unwrap();
    let got: Vec<(String, String)> = (0..types.num_rows())
        .map(|r| {
            (
                types.value(r, "ColumnName").unwrap(),
                types.value(r, "DataTypeName").unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("CreatedTime", "datetime"),
        ("Date", "date"),
        ("InvoiceId", "varchar"),
        ("IsEmailed", "bool"),
        ("RemindersSent", "bigint"),
        ("Total", "decimal"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(got, want);

    // A statement knows its API calls: the organization lookup and three pages of invoices.
    let stream = conn
        .query_arrow(
            "SELECT InvoiceId FROM Invoices",
            &zohobooks_sql::Params::new(),
        )
        .await
        .unwrap();
    let stats_calls = {
        use futures::StreamExt;
        let mut stream = stream;
        let mut rows = 0;
        while let Some(b) = stream.next().await {
            rows += b.unwrap().num_rows();
        }
        assert_eq!(rows, 425);
        stream.stats().api_calls()
    };
    assert_eq!(stats_calls, 1 + 3, "organizations + 3 pages of 200");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_or_subquery_reads_only_the_parents_it_needs() {
    let (zoho, conn) = connect("DetailFetchLimit=100").await;
    let overdue = conn
        .execute("SELECT InvoiceId FROM Invoices WHERE Status = 'overdue'")
        .await
        .unwrap();
    let n = overdue.num_rows();
    assert!(n > 0 && n <= 100, "{n}");
    for sql in [
        "SELECT COUNT(*) AS n FROM InvoiceDetails WHERE InvoiceId IN \
         (SELECT InvoiceId FROM Invoices WHERE Status = 'overdue')",
        "SELECT COUNT(*) AS n FROM Invoices i JOIN InvoiceDetails d ON d.InvoiceId = i.InvoiceId \
         WHERE i.Status = 'overdue'",
        "SELECT COUNT(*) AS n FROM InvoiceDetails d JOIN Invoices i ON d.InvoiceId = i.InvoiceId \
         WHERE i.Status = 'overdue'",
    ] {
        let before = zoho
            .request_log()
            .iter()
            .filter(|r| r.path.starts_with("/books/v3/invoices/"))
            .count();
        let rs = conn
            .execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(rs.value(0, "n"), Some(n.to_string()), "{sql}");
        let details = zoho
            .request_log()
            .iter()
            .filter(|r| r.path.starts_with("/books/v3/invoices/"))
            .count()
            - before;
        assert_eq!(details, n, "one detail request per overdue invoice: {sql}");
    }
}

/// A connection that can refresh (so an expired token is answered by a refresh).
async fn connect_refreshable(
    builder: zohobooks_sandbox::SandboxBuilder,
) -> (SandboxHandle, Connection) {
    let zoho = builder.start().await.expect("sandbox");
    let (_, refresh_token) = zoho.mint_tokens("ZohoBooks.fullaccess.all");
    let conn = Connection::open(&format!(
        "AccountsServer={};OAuthClientId={};OAuthClientSecret={};OAuthRefreshToken={refresh_token};\
         InitiateOAuth=REFRESH;OAuthSettingsLocation=memory://books-faults-{}",
        zoho.base_url(),
        zoho.client_id(),
        zoho.client_secret(),
        zoho.local_addr().port()
    ))
    .await
    .expect("open");
    (zoho, conn)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_server_errors_are_retried_the_daily_limit_is_not() {
    use zohobooks_sandbox::{Endpoint, Fault};
    let (zoho, conn) = connect("OrganizationId=10234695").await;
    let invoices = Endpoint::books_path("invoices").unwrap();
    let count = "SELECT COUNT(*) AS n FROM Invoices";

    // Per-minute throttling with Retry-After: waited out, then the page is read.
    zoho.inject_fault(
        invoices,
        Fault::RateLimit44 {
            retry_after_secs: 1,
        },
        1,
    );
    let started = std::time::Instant::now();
    let rs = conn
        .execute(count)
        .await
        .expect("retried after Retry-After");
    assert_eq!(rs.value(0, "n").as_deref(), Some("425"));
    assert!(started.elapsed() >= std::time::Duration::from_millis(900));
    let statuses: Vec<u16> = requests_to(&zoho, "/invoices")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses,
        [429, 200, 200, 200],
        "the throttled page once more, then the rest"
    );

    // Two server errors: retried with backoff.
    zoho.inject_fault(invoices, Fault::Status500, 2);
    let rs = conn.execute(count).await.expect("retried after 500s");
    assert_eq!(rs.value(0, "n").as_deref(), Some("425"));

    // The daily limit: one request, no retry, an error that names it.
    let before = requests_to(&zoho, "/invoices").len();
    zoho.inject_fault(invoices, Fault::DailyLimit45, 1);
    let err = conn.execute(count).await.expect_err("daily limit");
    assert!(
        matches!(err, zohobooks_sql::Error::RateLimited { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("daily Zoho Books API limit"),
        "{err}"
    );
    assert!(err.to_string().contains("code 45"), "{err}");
    assert_eq!(requests_to(&zoho, "/invoices").len(), before + 1);

    // Server errors that do not stop: a clear error after the attempts, not a hang.
    zoho.inject_fault(invoices, Fault::Status500, 10);
    let err = conn.execute(count).await.expect_err("500 four times");
    assert!(
        matches!(err, zohobooks_sql::Error::Api { status: 500, .. }),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_refreshed_once_mid_scan_and_the_daily_knob_stops_a_scan() {
    use zohobooks_sandbox::{Endpoint, Fault};
    let (zoho, conn) = connect_refreshable(Sandbox::builder()).await;
    conn.execute("SELECT COUNT(*) FROM Invoices")
        .await
        .expect("first");
    let refreshes = zoho.count("token:refresh_token");
    zoho.inject_fault(
        Endpoint::books_path("invoices").unwrap(),
        Fault::Unauthorized57,
        1,
    );
    let rs = conn
        .execute("SELECT COUNT(*) AS n FROM Invoices")
        .await
        .expect("after a refresh");
    assert_eq!(rs.value(0, "n").as_deref(), Some("425"));
    assert_eq!(zoho.count("token:refresh_token"), refreshes + 1);

    let (zoho, conn) = connect_refreshable(Sandbox::builder().daily_api_limit(Some(2))).await;
    let err = conn
        .execute("SELECT COUNT(*) FROM Invoices")
        .await
        .expect_err("organizations + 1 page, then the limit");
    assert!(
        err.to_string().contains("daily Zoho Books API limit"),
        "{err}"
    );
    drop(zoho);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_that_do_not_fit_are_null_with_one_warning_per_column() {
    use futures::StreamExt;
    let (_zoho, conn) = connect("").await;
    let mut stream = conn
        .query_arrow(
            "SELECT BillNumber, DueDate, Total FROM Bills WHERE DueDate IS NULL",
            &zohobooks_sql::Params::new(),
        )
        .await
        .unwrap();
    let mut rows = 0;
    while let Some(b) = stream.next().await {
        rows += b.unwrap().num_rows();
    }
    assert!(
        rows >= 1,
        "the bill with an unparseable due date reads as NULL"
    );
    let warnings = stream.stats().warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with("Bills.DueDate: "), "{warnings:?}");
    assert!(warnings[0].contains("\"not-a-date\""), "{warnings:?}");
    // Amounts Zoho sends as strings ("12.50") are exact decimals like the others.
    let rs = conn
        .execute("SELECT COUNT(*) AS n FROM Bills WHERE Total IS NULL")
        .await
        .unwrap();
    assert_eq!(rs.value(0, "n").as_deref(), Some("0"));
}

/// Every list table reads what Zoho's list endpoint holds (its count by raw HTTP paging), and
/// every column of every table is filled in some row: a column whose field name does not
/// match Zoho's would be NULL everywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_table_reads_its_endpoint_and_fills_every_column() {
    use zohobooks_sql::catalog::books::Shape;
    use zohobooks_sql::catalog::books::tables::BOOKS_TABLES;
    let zoho = Sandbox::builder().start().await.expect("sandbox");
    let (token, _) = zoho.mint_tokens("ZohoBooks.fullaccess.all");
    let conn = Connection::open(&format!(
        "AccountsServer={};OAuthAccessToken={token};DetailFetchLimit=1000",
        zoho.base_url()
    ))
    .await
    .unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let mut empty_columns = Vec::new();
    for table in BOOKS_TABLES.iter() {
        if let Shape::List {
            path,
            array_key,
            per_organization,
        } = table.shape
        {
            let mut raw = 0;
            let mut page = 1;
            loop {
                let org = if per_organization {
                    "organization_id=10234695&"
                } else {
                    ""
                };
                let body: serde_json::Value = http
                    .get(format!(
                        "{}/books/v3{path}?{org}page={page}&per_page=200",
                        zoho.base_url()
                    ))
                    .header("Authorization", format!("Zoho-oauthtoken {token}"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                raw += body[array_key].as_array().map_or(0, Vec::len);
                if body["page_context"]["has_more_page"] != true {
                    break;
                }
                page += 1;
            }
            let rs = conn
                .execute(&format!("SELECT COUNT(*) AS n FROM {}", table.name))
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", table.name));
            assert_eq!(rs.value(0, "n"), Some(raw.to_string()), "{}", table.name);
        }
        let counts: Vec<String> = table
            .columns
            .iter()
            .map(|c| format!("COUNT(\"{}\") AS \"{}\"", c.name, c.name))
            .collect();
        let sql = format!("SELECT {} FROM {}", counts.join(", "), table.name);
        let rs = conn
            .execute(&sql)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", table.name));
        for c in &table.columns {
            if rs.value(0, &c.name).as_deref() == Some("0") {
                empty_columns.push(format!("{}.{}", table.name, c.name));
            }
        }
    }
    assert!(empty_columns.is_empty(), "never filled: {empty_columns:?}");
}
