//! The desktop flow against the built-in sandbox: a connection with `InitiateOAuth=GETANDREFRESH`
//! and no token logs in by itself on its first statement (browser + loopback callback listener),
//! saves the tokens in `OAuthSettingsLocation`, and refreshes them from then on.
//!
//! In a real program the default launcher opens the system browser (honouring `$BROWSER`); here a
//! stand-in follows the sandbox's auto-approve redirect, so the example runs anywhere.
//!
//! Run it with `cargo run --example desktop_flow`.

use std::sync::Arc;

use zohobooks_sandbox::Sandbox;
use zohobooks_sql::Connection;
use zohobooks_sql::connection::ConnectOptions;
use zohobooks_sql::oauth::desktop::{BrowserLauncher, DesktopLogin};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::builder().auto_approve(true).start().await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let config = format!(
        "InitiateOAuth=GETANDREFRESH;AccountsServer={};OAuthClientId={};OAuthClientSecret='{}';\
         CallbackURL=http://127.0.0.1:{port};OAuthSettingsLocation=memory://desktop-example",
        sandbox.base_url(),
        sandbox.client_id(),
        sandbox.client_secret()
    )
    .parse()?;
    let browser = DesktopLogin::new(BrowserLauncher::FollowRedirects);
    let conn = Connection::open_with_options(
        config,
        ConnectOptions::new().interactive_login(Arc::new(browser)),
    )
    .await?;

    // The first statement that needs a token runs the login (the URL is printed on stderr).
    let orgs = conn
        .execute("SELECT OrganizationId, Name, CurrencyCode FROM Organizations")
        .await?;
    println!("{}", orgs.to_table_string()?);
    // The second one reuses the saved token: no second login, no refresh.
    conn.execute("SELECT Name FROM Organizations WHERE Name LIKE 'Z%'")
        .await?;
    println!(
        "logins: {}, token grants: {}, refreshes: {}",
        sandbox.count("auth"),
        sandbox.count("token:authorization_code"),
        sandbox.count("token:refresh_token")
    );
    Ok(())
}
