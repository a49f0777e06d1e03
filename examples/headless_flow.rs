//! The headless flow against the built-in sandbox, for a server with no browser:
//!
//! 1. on the server, `EXEC GetOAuthAuthorizationURL` prints the URL;
//! 2. the user opens it on any machine with a browser, consents, and copies the URL the browser
//!    lands on (it "contains the verifier code");
//! 3. on the server, a connection with `OAuthVerifier=<that URL>`, `InitiateOAuth=REFRESH` and an
//!    `OAuthSettingsLocation` file exchanges it and saves the tokens (file mode 0600);
//! 4. from then on `InitiateOAuth=REFRESH` with the same settings file keeps working, refreshing
//!    when needed, with no verifier and never a browser.
//!
//! Run it with `cargo run --example headless_flow`.

use zohobooks_sandbox::Sandbox;
use zohobooks_sql::Connection;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::builder().auto_approve(true).start().await?;
    let dir = std::env::temp_dir().join(format!("zbsql-headless-example-{}", std::process::id()));
    let settings = dir.join("OAuthSettings.json");
    let base = format!(
        "AccountsServer={};OAuthClientId={};OAuthClientSecret='{}';CallbackURL=http://localhost:33333;\
         OAuthSettingsLocation='{}'",
        sandbox.base_url(),
        sandbox.client_id(),
        sandbox.client_secret(),
        settings.display()
    );

    // 1. On the headless server.
    let conn = Connection::open(&base).await?;
    let url = conn
        .execute("EXEC GetOAuthAuthorizationURL")
        .await?
        .value(0, "URL")
        .expect("a URL");
    println!("1. open this URL on a machine with a browser:\n   {url}");

    // 2. Elsewhere: the user consents; the browser lands on the callback URL (nothing listens there).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let response = browser.get(&url).send().await?;
    let landed = response
        .headers()
        .get("location")
        .ok_or("the sandbox did not redirect")?
        .to_str()?
        .to_owned();
    println!("2. the browser landed on http://localhost:33333/?code=... (copied by the user)");

    // 3. Back on the server: exchange it once and save the tokens.
    let mut config: zohobooks_sql::Config = format!("{base};InitiateOAuth=REFRESH").parse()?;
    config.set("OAuthVerifier", &landed)?;
    let conn = Connection::open_with_config(config).await?;
    let orgs = conn
        .execute("SELECT OrganizationId, Name FROM Organizations")
        .await?;
    println!(
        "3. {} organizations; tokens saved to {}",
        orgs.num_rows(),
        settings.display()
    );

    // 4. Later runs: no verifier, the saved tokens are used (and refreshed when they expire).
    sandbox.expire_access_tokens();
    let conn = Connection::open(&format!("{base};InitiateOAuth=REFRESH")).await?;
    let orgs = conn.execute("SELECT Name FROM Organizations").await?;
    println!(
        "4. {} organizations after the access token expired; refresh grants: {}",
        orgs.num_rows(),
        sandbox.count("token:refresh_token")
    );
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
