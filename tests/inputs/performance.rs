//! Pay only for what a statement needs: statements that send no request set up no HTTP or TLS
//! client (the token manager's transport stays unbuilt); the first statement that does send
//! one builds it.

use std::time::Duration;

use zohobooks_sandbox::Sandbox;
use zohobooks_sql::Connection;

const LIMIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn statements_that_send_nothing_build_no_http_client() {
    let conn = Connection::open("OAuthClientId=1000.ABC;OAuthClientSecret=s3cret")
        .await
        .expect("the connection opens");
    let rs = conn
        .execute(
            "EXEC GetOAuthAuthorizationURL @AuthMode='WEB', @CallbackUrl='http://localhost:33333'",
        )
        .await
        .expect("the URL is built");
    let url = rs.value(0, "URL").expect("a URL");
    assert!(
        url.starts_with("https://accounts.zoho.com/oauth/v2/auth?"),
        "{url}"
    );
    assert!(url.contains("client_id=1000.ABC"), "{url}");
    conn.execute("SELECT Name, Value FROM sys_connection_props")
        .await
        .expect("a system table");
    assert!(
        !conn.token_manager().transport().is_built(),
        "no HTTP/TLS client for statements that send nothing"
    );
}

#[tokio::test]
async fn the_first_statement_that_sends_builds_the_client() {
    let sb = Sandbox::builder()
        .start()
        .await
        .expect("the sandbox starts");
    let (access, _refresh) = sb.mint_tokens("ZohoBooks.fullaccess.all");
    let conn = Connection::open(&format!(
        "AccountsServer={};OAuthClientId={};InitiateOAuth=OFF;OAuthAccessToken={access};Timeout=5",
        sb.base_url(),
        sb.client_id()
    ))
    .await
    .expect("the connection opens");
    conn.execute("EXEC GetOAuthAuthorizationURL")
        .await
        .expect("the URL is built");
    assert!(!conn.token_manager().transport().is_built());
    let rs = tokio::time::timeout(LIMIT, conn.execute("SELECT * FROM Organizations"))
        .await
        .expect("in time")
        .expect("Organizations");
    assert_eq!(rs.num_rows(), 3);
    assert!(conn.token_manager().transport().is_built());
}
