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
