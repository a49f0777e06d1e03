//! Connection-level fault tests: the public `Connection` API against the real sandbox (a Zoho
//! emulator on 127.0.0.1) with injected faults.
//!
//! * Timeouts: the sandbox holds its answer beyond the `Timeout` property, on Books and on the
//!   token endpoint; the statement fails with a timeout error (`Error::is_timeout`) within
//!   `Timeout` + 1 s, and the same connection runs the next statement.
//! * Dropped connections and HTTP 500s on a refresh grant: at most 3 attempts, then success
//!   (fewer than 3 faults) or a clear error (3 or more), as counted by the sandbox.
//! * A 401 with code 57 on Books: exactly one refresh and one retry, then the rows.
//!
//! Every wait is bounded (`LIMIT`), so a regression fails instead of hanging.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use zohobooks_sandbox::{Endpoint, Fault, Sandbox, SandboxHandle};
use zohobooks_sql::{Connection, Error};

/// Upper bound for any single step of these tests.
const LIMIT: Duration = Duration::from_secs(10);
/// The `Timeout` property used by the timeout tests, in seconds.
const TIMEOUT_SECS: u64 = 1;
/// How long the sandbox holds a delayed answer: well beyond `TIMEOUT_SECS`.
const DELAY: Duration = Duration::from_secs(3);
const ORGANIZATIONS: &str = "SELECT * FROM Organizations";

async fn bounded<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("test step did not finish in time")
}

async fn sandbox() -> SandboxHandle {
    Sandbox::builder()
        .auto_approve(true)
        .start()
        .await
        .expect("the sandbox starts")
}

fn unique_location(name: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "memory://faults-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as i64
}

/// How the connection's access token starts out.
enum Token {
    /// Fresh: issued now, valid for an hour (no refresh needed).
    Fresh,
    /// Without a lifetime: the engine refreshes it before the first Books call.
    NeedsRefresh,
}

/// Opens a connection to `sb` with a freshly minted token pair (InitiateOAuth=REFRESH, its own
/// memory:// settings location).
async fn connect(sb: &SandboxHandle, token: Token, timeout_secs: u64) -> Connection {
    let (access, refresh) = sb.mint_tokens("ZohoBooks.fullaccess.all");
    let lifetime = match token {
        Token::Fresh => format!("OAuthExpiresIn=3600;OAuthTokenTimestamp={};", now_ms()),
        Token::NeedsRefresh => String::new(),
    };
    let conn_str = format!(
        "AccountsServer={base};OAuthClientId={id};OAuthClientSecret={secret};\
         InitiateOAuth=REFRESH;OAuthSettingsLocation={location};\
         OAuthAccessToken={access};OAuthRefreshToken={refresh};{lifetime}Timeout={timeout_secs}",
        base = sb.base_url(),
        id = sb.client_id(),
        secret = sb.client_secret(),
        location = unique_location("conn"),
    );
    bounded(Connection::open(&conn_str))
        .await
        .expect("the connection opens")
}

/// Asserts a successful Organizations result (the sandbox seeds three organizations).
fn assert_organizations(result: zohobooks_sql::Result<zohobooks_sql::ResultSet>) {
    let rs = result.unwrap_or_else(|e| panic!("SELECT * FROM Organizations failed: {e}"));
    assert_eq!(rs.num_rows(), 3, "the sandbox has three organizations");
}

/// Runs `sql` and asserts it fails with a timeout error within `TIMEOUT_SECS` + 1 s.
async fn assert_times_out(conn: &Connection, sql: &str) -> Error {
    let started = Instant::now();
    let err = bounded(conn.execute(sql))
        .await
        .expect_err("the delayed statement must fail");
    let elapsed = started.elapsed();
    assert!(
        err.is_timeout(),
        "expected a timeout error, got: {err} ({err:?})"
    );
    assert!(
        elapsed < Duration::from_secs(TIMEOUT_SECS + 1),
        "the timeout took {elapsed:?}, more than Timeout + 1 s"
    );
    assert!(
        elapsed >= Duration::from_millis(TIMEOUT_SECS * 1000 - 50),
        "the statement failed after {elapsed:?}, before the Timeout of {TIMEOUT_SECS} s"
    );
    let text = err.to_string();
    assert!(text.contains("timed out"), "{text}");
    err
}

#[tokio::test]
async fn a_slow_books_answer_times_out_and_the_connection_stays_usable() {
    let sb = sandbox().await;
    let conn = connect(&sb, Token::Fresh, TIMEOUT_SECS).await;
    sb.inject_fault(Endpoint::Books, Fault::Delay(DELAY), 1);

    let err = assert_times_out(&conn, ORGANIZATIONS).await;
    assert!(err.to_string().contains("/books/v3/organizations"), "{err}");
    // The token is not to blame: no refresh was attempted.
    assert_eq!(sb.count("token:refresh_token"), 0);

    // The same connection answers the next statement at once.
    let started = Instant::now();
    assert_organizations(bounded(conn.execute(ORGANIZATIONS)).await);
    assert!(started.elapsed() < Duration::from_secs(TIMEOUT_SECS));
    assert_eq!(sb.count("books:organizations"), 2);
    assert_eq!(sb.count("token:refresh_token"), 0);
}

#[tokio::test]
async fn a_slow_token_endpoint_times_out_once_and_the_next_statement_refreshes() {
    let sb = sandbox().await;
    let conn = connect(&sb, Token::NeedsRefresh, TIMEOUT_SECS).await;
    sb.inject_fault(Endpoint::Token, Fault::Delay(DELAY), 1);

    let err = assert_times_out(&conn, ORGANIZATIONS).await;
    assert!(err.to_string().contains("/oauth/v2/token"), "{err}");
    // A timeout is not retried (the grant may have been processed): one attempt, no Books call.
    assert_eq!(sb.count("token:refresh_token"), 1);
    assert_eq!(sb.count("books:organizations"), 0);

    assert_organizations(bounded(conn.execute(ORGANIZATIONS)).await);
    assert_eq!(sb.count("token:refresh_token"), 2);
    assert_eq!(sb.count("books:organizations"), 1);
}

#[tokio::test]
async fn exec_refresh_times_out_on_a_slow_token_endpoint_then_succeeds() {
    let sb = sandbox().await;
    let conn = connect(&sb, Token::Fresh, TIMEOUT_SECS).await;
    sb.inject_fault(Endpoint::Token, Fault::Delay(DELAY), 1);

    assert_times_out(&conn, "EXEC RefreshOAuthAccessToken").await;
    let rs = bounded(conn.execute("EXEC RefreshOAuthAccessToken"))
        .await
        .expect("the second refresh succeeds");
    let token = rs.value(0, "OAuthAccessToken").expect("an access token");
    assert!(token.starts_with("1000."), "a sandbox token");
    assert_eq!(sb.count("token:refresh_token"), 2);
}

/// Injects `faults` faults of `kind` into the token endpoint, runs a statement that must
/// refresh first, and returns its outcome with the number of refresh grants the sandbox saw.
async fn refresh_under_faults(
    kind: Fault,
    faults: u32,
) -> (
    zohobooks_sql::Result<zohobooks_sql::ResultSet>,
    u64,
    u64,
    Connection,
    SandboxHandle,
) {
    let sb = sandbox().await;
    let conn = connect(&sb, Token::NeedsRefresh, 5).await;
    sb.inject_fault(Endpoint::Token, kind, faults);
    let result = bounded(conn.execute(ORGANIZATIONS)).await;
    let grants = sb.count("token:refresh_token");
    let books = sb.count("books:organizations");
    (result, grants, books, conn, sb)
}

#[tokio::test]
async fn refresh_retries_through_fewer_than_three_dropped_connections() {
    for faults in [1, 2] {
        let (result, grants, books, _, _) =
            refresh_under_faults(Fault::DropConnection, faults).await;
        assert_organizations(result);
        assert_eq!(
            grants,
            u64::from(faults) + 1,
            "{faults} drops, then success"
        );
        assert_eq!(books, 1);
    }
}

#[tokio::test]
async fn refresh_retries_through_fewer_than_three_500s() {
    for faults in [1, 2] {
        let (result, grants, books, _, _) = refresh_under_faults(Fault::Status500, faults).await;
        assert_organizations(result);
        assert_eq!(
            grants,
            u64::from(faults) + 1,
            "{faults} HTTP 500s, then success"
        );
        assert_eq!(books, 1);
    }
}

#[tokio::test]
async fn three_dropped_connections_give_a_clear_error_after_three_attempts() {
    let (result, grants, books, conn, sb) = refresh_under_faults(Fault::DropConnection, 3).await;
    let err = result.expect_err("three drops exhaust the retries");
    assert_eq!(grants, 3, "exactly three attempts");
    assert_eq!(books, 0, "no Books call without a token");
    assert!(!err.is_timeout(), "{err}");
    assert!(matches!(err, Error::Http { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("/oauth/v2/token"),
        "names the endpoint: {text}"
    );
    assert!(
        !text.contains("refresh_token=") && !text.contains(&sb.client_secret()),
        "no secret in the error: {text}"
    );
    // The faults are spent: the same connection recovers.
    assert_organizations(bounded(conn.execute(ORGANIZATIONS)).await);
    assert_eq!(sb.count("token:refresh_token"), 4);
}

#[tokio::test]
async fn three_500s_give_a_clear_error_after_three_attempts() {
    let (result, grants, books, conn, sb) = refresh_under_faults(Fault::Status500, 4).await;
    let err = result.expect_err("500s exhaust the retries");
    assert_eq!(grants, 3, "exactly three attempts, not four");
    assert_eq!(books, 0);
    let text = err.to_string();
    assert!(
        text.contains("/oauth/v2/token"),
        "names the endpoint: {text}"
    );
    assert!(
        text.contains("500"),
        "says what the server answered: {text}"
    );
    assert!(!text.contains(&sb.client_secret()), "{text}");
    // One fault is left over: the next statement's first attempt meets it, the second succeeds.
    assert_organizations(bounded(conn.execute(ORGANIZATIONS)).await);
    assert_eq!(sb.count("token:refresh_token"), 5);
}

#[tokio::test]
async fn a_401_code_57_on_books_means_one_refresh_and_one_retry() {
    let sb = sandbox().await;
    let conn = connect(&sb, Token::Fresh, 5).await;
    // A first statement with the fresh token: no refresh.
    assert_organizations(bounded(conn.execute(ORGANIZATIONS)).await);
    assert_eq!(sb.count("token:refresh_token"), 0);

    sb.inject_fault(Endpoint::Books, Fault::Unauthorized57, 1);
    assert_organizations(bounded(conn.execute(ORGANIZATIONS)).await);
    assert_eq!(sb.count("token:refresh_token"), 1, "exactly one refresh");
    assert_eq!(
        sb.count("books:organizations"),
        3,
        "one rejected call, one retry"
    );

    // A 57 on the retry too is an error, not a loop.
    sb.inject_fault(Endpoint::Books, Fault::Unauthorized57, 2);
    let err = bounded(conn.execute(ORGANIZATIONS))
        .await
        .expect_err("rejected twice");
    assert!(
        matches!(err, Error::Api { code: 57, .. }),
        "the error carries Zoho's code: {err:?}"
    );
    assert_eq!(sb.count("token:refresh_token"), 2);
    assert_eq!(sb.count("books:organizations"), 5);
}
