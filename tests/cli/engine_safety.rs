//! The SQL engine as a user meets it through `zbsql`: the "done when" commands, EXPLAIN
//! showing the Zoho scan, notices for CData compatibility properties, and statements that could
//! touch a local file refused without touching it.

use std::path::Path;
use std::process::{Command, Output};

fn zbsql(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zbsql"))
        .args(args)
        .env("HOME", std::env::temp_dir())
        .env_remove("ZBSQL_CONNECTION")
        .output()
        .expect("zbsql runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_done_when_queries_work_against_the_sandbox() {
    let out = zbsql(&[
        "--sandbox",
        "--format",
        "csv",
        "-c",
        "SELECT 1",
        "-c",
        "SELECT COUNT(*) FROM sys_tables",
        "-c",
        "SELECT p.ProcedureName, COUNT(*) AS Parameters FROM sys_procedures p JOIN sys_procedureparameters pp ON pp.ProcedureName = p.ProcedureName WHERE pp.Direction = 1 GROUP BY p.ProcedureName ORDER BY p.ProcedureName",
        "-c",
        "SELECT name FROM organizations WHERE Name LIKE 'Z%'",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "Int64(1)\n1\n\ncount(*)\n52\n\nProcedureName,Parameters\nGetOAuthAccessToken,7\nGetOAuthAuthorizationURL,4\nRefreshOAuthAccessToken,2\n\nName\nZillum Sandbox Inc.\n"
    );
}

#[test]
fn explain_shows_the_zoho_request_and_what_runs_here() {
    let out = zbsql(&[
        "--sandbox",
        "-c",
        "EXPLAIN SELECT * FROM Organizations WHERE Name LIKE 'Z%' LIMIT 5",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let plan = text(&out.stdout);
    assert!(plan.contains("logical_plan"), "{plan}");
    assert!(plan.contains("TableScan: Organizations"), "{plan}");
    assert!(
        plan.contains("Filter: Organizations.Name LIKE Utf8(\"Z%\")"),
        "{plan}"
    );
    assert!(
        plan.contains("ZohoBooksScan: table=Organizations, request=GET /organizations"),
        "{plan}"
    );
    // EXPLAIN sends nothing: the sandbox's login never ran (no authorization URL printed).
    assert!(
        !text(&out.stderr).contains("Open this URL"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_cdata_connection_string_connects_with_one_notice_per_inert_property() {
    let conn = "InitiateOAuth=GETANDREFRESH;OAuthClientId=1000.X;OAuthClientSecret=s;\
                Location=C:\\schemas;BrowsableSchemas=ZohoBooks;Tables=Organizations;Views=;MaxRows=-1;\
                PseudoColumns=*=*;UserDefinedViews=views.json;IncludeCustomFields=true;\
                Other='ParseDates=true;X=1';Readonly=false;SSLServerCert=*;ProxyAutoDetect=false;\
                ProxyAuthScheme=BASIC;ProxySSLType=AUTO;ProxyExceptions=a;b;FirewallType=NONE;\
                FirewallServer=fw;FirewallPort=1080;FirewallUser=u;FirewallPassword=fw-s3cr3t;\
                LogModules=INFO;MaxLogFileSize=10MB;MaxLogFileCount=3;RTK=rtk-value;SupportEnhancedSQL=true";
    // `ProxyExceptions=a;b` is two pairs in a connection string; keep it quoted instead.
    let conn = conn.replace("ProxyExceptions=a;b;", "ProxyExceptions='a;b';");
    let out = zbsql(&[&conn, "-c", "SELECT COUNT(*) AS n FROM sys_tables"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    for name in [
        "Location",
        "BrowsableSchemas",
        "PseudoColumns",
        "SSLServerCert",
        "FirewallPassword",
        "MaxLogFileSize",
        "RTK",
    ] {
        assert!(
            stderr.contains(&format!(
                "notice: {name} is accepted for compatibility with CData connection strings and has no effect"
            )),
            "{name}: {stderr}"
        );
    }
    assert!(
        stderr.contains("notice: Other: the option 'ParseDates' is not known to this connector"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("fw-s3cr3t") && !stderr.contains("rtk-value"),
        "{stderr}"
    );
    assert!(
        text(&out.stdout).contains("| 15 |"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn max_rows_limits_every_query() {
    let out = zbsql(&[
        "MaxRows=2",
        "--format",
        "csv",
        "-c",
        "SELECT TableName FROM sys_tables ORDER BY TableName",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "TableName\nBankAccounts\nBankTransactions\n"
    );
}

/// Every statement that could read or write a local file is refused, and the file the test owns
/// is neither read (its access time is kept; the content never shows) nor written.
#[test]
fn statements_that_could_touch_a_file_are_refused_and_the_file_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.csv");
    std::fs::write(&victim, "secret_column\nTOP-SECRET-CONTENT\n").unwrap();
    let absent = dir.path().join("absent.csv");
    let before = std::fs::read(&victim).unwrap();
    let v = victim.display().to_string();
    let a = absent.display().to_string();
    let attempts = [
        format!("CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '{v}'"),
        format!("COPY (SELECT 1) TO '{a}'"),
        format!("COPY sys_tables TO '{a}'"),
        format!("SELECT * FROM '{v}'"),
        "CREATE TABLE t AS SELECT 1".to_owned(),
        "CREATE VIEW v AS SELECT 1".to_owned(),
        "INSERT INTO sys_tables VALUES (1)".to_owned(),
        "SET datafusion.catalog.information_schema = true".to_owned(),
        "DROP TABLE sys_tables".to_owned(),
        format!("EXPLAIN COPY sys_tables TO '{a}'"),
        format!("SELECT * FROM read_csv('{v}')"),
    ];
    for sql in &attempts {
        let out = zbsql(&["-c", sql]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{sql} must fail: {}",
            text(&out.stdout)
        );
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!all.contains("TOP-SECRET-CONTENT"), "{sql}: {all}");
        assert!(all.starts_with("error: "), "{sql}: {all}");
    }
    assert_eq!(std::fs::read(&victim).unwrap(), before);
    assert!(!Path::new(&absent).exists(), "a refused COPY created {a}");
}

/// `--timer` reports rows, API calls and time on stderr; a page of 200 invoices and the
/// organization lookup are two calls; CSV goes to stdout as the rows arrive.
#[test]
fn timer_reports_rows_and_api_calls_of_a_books_query() {
    let out = zbsql(&[
        "--sandbox",
        "--timer",
        "--format",
        "csv",
        "-c",
        "SELECT InvoiceNumber, Date, Total FROM Invoices ORDER BY Date DESC LIMIT 10",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 11, "{stdout}");
    assert!(stdout.starts_with("InvoiceNumber,Date,Total\n"), "{stdout}");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("(10 rows, 2 API calls, "), "{stderr}");
}
