//! The web flow, driven entirely through SQL, against the built-in sandbox:
//!
//! 1. `EXEC GetOAuthAuthorizationURL` returns the URL the user must open;
//! 2. the user consents and Zoho redirects to the callback with `code=...` (here the sandbox
//!    auto-approves, and we read the redirect ourselves instead of a web server);
//! 3. `EXEC GetOAuthAccessToken @AuthMode='WEB', @Verifier=?` exchanges the code for tokens;
//! 4. a connection with `OAuthAccessToken` set reads `Organizations`.
//!
//! Run it with `cargo run --example web_flow`.

use zohobooks_sandbox::Sandbox;
use zohobooks_sql::secret::SecretString;
use zohobooks_sql::{Connection, Params};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    const CALLBACK: &str = "https://app.example.com/zoho/callback";
    // The sandbox stands in for Zoho; the web app's redirect URI is registered with it.
    let sandbox = Sandbox::builder()
        .auto_approve(true)
        .strict_redirect_uris(vec![CALLBACK.to_owned()])
        .start()
        .await?;
    let conn = Connection::open(&format!(
        "AccountsServer={};OAuthClientId={};OAuthClientSecret='{}'",
        sandbox.base_url(),
        sandbox.client_id(),
        sandbox.client_secret()
    ))
    .await?;

    // 1. The authorization URL for the web app's registered redirect URI.
    let rs = conn
        .execute("EXEC GetOAuthAuthorizationURL @AuthMode = 'WEB', @CallbackUrl = 'https://app.example.com/zoho/callback', @State = 'xyz'")
        .await?;
    let url = rs.value(0, "URL").expect("one URL");
    println!("1. authorization URL: {url}");

    // 2. The user's browser: the sandbox auto-approves and redirects to the callback.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let redirect = browser.get(&url).send().await?;
    let callback = redirect
        .headers()
        .get("location")
        .ok_or("the sandbox did not redirect")?
        .to_str()?
        .to_owned();
    println!(
        "2. Zoho redirected the user to: {}...",
        &callback[..callback.find("code=").unwrap_or(0) + 5]
    );

    // 3. The web app passes the code (or the whole callback URL) back: bind it, never splice it.
    let tokens = conn
        .execute_with(
            "EXEC GetOAuthAccessToken @AuthMode = 'WEB', @CallbackUrl = 'https://app.example.com/zoho/callback', @Verifier = ?",
            &Params::new().bind(SecretString::new(callback)),
        )
        .await?;
    let access_token = tokens.value(0, "OAuthAccessToken").expect("a token");
    println!(
        "3. got an access token ({} chars) valid for {} s, and a refresh token",
        access_token.len(),
        tokens.value(0, "ExpiresIn").unwrap_or_default()
    );

    // 4. Use it.
    let mut config = conn.config().clone();
    config.set("OAuthAccessToken", &access_token)?;
    let data = Connection::open_with_config(config).await?;
    let orgs = data
        .execute("SELECT OrganizationId, Name FROM Organizations ORDER BY Name")
        .await?;
    println!("4. Organizations:\n{}", orgs.to_table_string()?);
    Ok(())
}
