//! The SQL examples in docs/oauth-flows.md and docs/stored-procedures.md run against a sandbox.
//!
//! Conventions (in the spirit of tests/docs/docs.rs):
//! * Every ```sql block runs, in document order, through the public blocking `Connection`
//!   (`execute_script`). Without a following ```text block it must succeed.
//! * A ```text block directly after it is the expected output: `error: <message>` must equal the
//!   error exactly; a table containing `…` (a token or long URL elided) must have the same columns
//!   and number of rows; any other table must equal the result exactly.
//! * `<!-- connection: PROPS -->` opens a new connection for the blocks after it: the sandbox's
//!   AccountsServer, OAuthClientId and OAuthClientSecret, then PROPS (later keys win). Before the
//!   first such comment the connection is the sandbox's with `InitiateOAuth=OFF`. The desktop
//!   flow's browser is an in-process client that follows redirects (the sandbox auto-approves).
//! * `<!-- sandbox: expire access tokens -->` expires every access token issued so far.
//! * Placeholders in SQL and connection comments: `<code>` and `<callback URL>` (also written
//!   `<code or the whole redirect URL>`) come from the last authorization URL a block returned,
//!   which the test opens like a user who clicks Accept; `<access token>`, `<refresh token>` and
//!   `<PKCE verifier>` from the last result that had them; `<settings file>` is a fresh file per
//!   document; `<free port>` a free 127.0.0.1 port.
//!
//! Set `DOCS_SHOW_ACTUAL=1` to print the actual output of every example.
#![cfg(feature = "sandbox")]

use crate::markdown_support;
use markdown_support::{blocks, show_actual};

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use zohobooks_sandbox::{Sandbox, SandboxHandle};
use zohobooks_sql::blocking::Connection;
use zohobooks_sql::connection::ConnectOptions;
use zohobooks_sql::oauth::desktop::{BrowserLauncher, DesktopLogin};
use zohobooks_sql::{Config, ResultSet};

const PLACEHOLDERS: &[&str] = &[
    "<code>",
    "<callback URL>",
    "<code or the whole redirect URL>",
    "<access token>",
    "<refresh token>",
    "<PKCE verifier>",
    "<settings file>",
    "<free port>",
];

/// One document's run: its sandbox, current connection and the values placeholders stand for.
struct DocRun {
    rt: tokio::runtime::Runtime,
    sb: SandboxHandle,
    _dir: tempfile::TempDir,
    values: BTreeMap<&'static str, String>,
    conn: Connection,
}

impl DocRun {
    fn new() -> DocRun {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let sb = rt
            .block_on(Sandbox::builder().auto_approve(true).start())
            .expect("sandbox");
        let dir = tempfile::tempdir().expect("tempdir");
        let mut values = BTreeMap::new();
        values.insert(
            "<settings file>",
            dir.path().join("OAuthSettings.json").display().to_string(),
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        values.insert("<free port>", port.to_string());
        let conn = open(&sb, "InitiateOAuth=OFF");
        DocRun {
            rt,
            sb,
            _dir: dir,
            values,
            conn,
        }
    }

    /// Replaces the placeholders in `text`; panics on one that has no value yet.
    fn substitute(&self, text: &str, at: &str) -> String {
        let mut out = text.to_owned();
        for name in PLACEHOLDERS {
            if !out.contains(name) {
                continue;
            }
            let key = if *name == "<code or the whole redirect URL>" {
                "<callback URL>"
            } else {
                name
            };
            let value = self
                .values
                .get(key)
                .unwrap_or_else(|| panic!("{at}: {name} is used before any step produced it"));
            out = out.replace(name, value);
        }
        out
    }

    /// Records what a result makes available to later blocks; opens authorization URLs.
    fn absorb(&mut self, rs: &ResultSet) {
        if rs.num_rows() == 0 {
            return;
        }
        for (column, key) in [
            ("OAuthAccessToken", "<access token>"),
            ("OAuthRefreshToken", "<refresh token>"),
            ("PKCEVerifier", "<PKCE verifier>"),
        ] {
            if let Some(v) = rs.value(0, column) {
                self.values.insert(key, v);
            }
        }
        if let Some(url) = rs.value(0, "URL") {
            let location = self.approve(&url);
            let code = url::Url::parse(&location)
                .expect("callback URL")
                .query_pairs()
                .find(|(k, _)| k == "code")
                .map(|(_, v)| v.into_owned())
                .expect("code in the callback");
            self.values.insert("<callback URL>", location);
            self.values.insert("<code>", code);
        }
    }

    /// Opens an authorization URL as a user who accepts at once; returns the redirect target.
    fn approve(&self, url: &str) -> String {
        let _ = rustls::crypto::ring::default_provider().install_default();
        self.rt.block_on(async {
            let client = reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(20))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client");
            let resp = client.get(url).send().await.expect("authorization URL");
            assert_eq!(resp.status().as_u16(), 302, "auto-approve redirects");
            resp.headers()["location"]
                .to_str()
                .expect("location")
                .to_owned()
        })
    }
}

/// A connection to the sandbox with `props` on top.
fn open(sb: &SandboxHandle, props: &str) -> Connection {
    let config = Config::parse(&format!(
        "AccountsServer={};OAuthClientId={};OAuthClientSecret={};Timeout=20;OAuthBrowserTimeout=30;{props}",
        sb.base_url(),
        sb.client_id(),
        sb.client_secret()
    ))
    .expect("documented connection string");
    let login = DesktopLogin::new(BrowserLauncher::FollowRedirects).cancel_on_ctrl_c(false);
    Connection::open_with_options(
        config,
        ConnectOptions::new().interactive_login(Arc::new(login)),
    )
    .expect("open")
}

/// The column names and the number of rows of a rendered table.
fn table_shape(table: &str) -> (Vec<String>, usize) {
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with('|')).collect();
    let columns = rows
        .first()
        .map(|header| {
            header
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .unwrap_or_default();
    (columns, rows.len().saturating_sub(1))
}

/// Runs every SQL example of `doc`; returns how many were checked against an expected output
/// and how many ran in all.
fn run_doc(doc: &str) -> (usize, usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(doc);
    let markdown = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {doc}: {e}"));
    let blocks = blocks(&markdown);
    let mut run = DocRun::new();
    let mut failures = Vec::new();
    let (mut compared, mut ran) = (0, 0);
    for (i, block) in blocks.iter().enumerate() {
        let at = format!("{doc}:{}", block.line);
        if block.info == "comment" {
            if let Some(props) = block.body.strip_prefix("connection:") {
                let props = run.substitute(props.trim(), &at);
                run.conn = open(&run.sb, &props);
            } else if block.body == "sandbox: expire access tokens" {
                run.sb.expire_access_tokens();
            }
            continue;
        }
        if block.info != "sql" {
            continue;
        }
        let sql = run.substitute(&block.body, &at);
        let outcome = run.conn.execute_script(&sql);
        if let Ok(results) = &outcome {
            for rs in results {
                run.absorb(rs);
            }
        }
        let actual = match &outcome {
            Ok(results) => results
                .iter()
                .map(|rs| rs.to_table_string().expect("render"))
                .collect::<Vec<_>>()
                .join("\n"),
            Err(e) => format!("error: {e}"),
        };
        if show_actual() {
            println!("--- {at}\n{actual}");
        }
        ran += 1;
        let Some(expected) = blocks.get(i + 1).filter(|b| b.info == "text") else {
            if outcome.is_err() {
                failures.push(format!("{at}: expected success, got\n{actual}"));
            }
            continue;
        };
        compared += 1;
        let expected = expected.body.trim_end();
        let ok = if expected.starts_with("error:") || actual.starts_with("error:") {
            actual.trim_end() == expected
        } else if expected.contains('…') {
            table_shape(expected) == table_shape(&actual)
        } else {
            actual.trim_end() == expected
        };
        if !ok {
            failures.push(format!("{at}: expected\n{expected}\nactual\n{actual}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    (compared, ran)
}

#[test]
fn oauth_flows_md_examples_run_against_the_sandbox() {
    let (compared, ran) = run_doc("docs/oauth-flows.md");
    assert!(ran >= 14, "only {ran} SQL examples ran");
    assert!(
        compared >= 9,
        "only {compared} examples had an expected output"
    );
}

#[test]
fn stored_procedures_md_examples_run_against_the_sandbox() {
    let (compared, ran) = run_doc("docs/stored-procedures.md");
    assert!(ran >= 12, "only {ran} SQL examples ran");
    assert!(
        compared >= 9,
        "only {compared} examples had an expected output"
    );
}

/// The Rust snippet of docs/stored-procedures.md (binding the verifier), compiled and run.
#[test]
fn stored_procedures_md_binding_snippet_works() {
    let run = DocRun::new();
    let authorization = run
        .conn
        .execute(
            "EXEC GetOAuthAuthorizationURL @AuthMode = 'WEB', @CallbackUrl = 'http://localhost:8080/zoho/callback'",
        )
        .expect("authorization URL");
    let callback = run.approve(&authorization.value(0, "URL").expect("URL"));
    let conn = open(&run.sb, "InitiateOAuth=OFF");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let refresh_token = rt.block_on(async {
        let conn = conn.as_async();
        // --- as in the document ---
        use zohobooks_sql::Params;

        let tokens = conn
            .execute_with(
                "EXEC GetOAuthAccessToken @AuthMode = 'WEB', @Verifier = ?, @CallbackUrl = @cb",
                &Params::new()
                    .bind(callback.as_str())
                    .set("cb", "http://localhost:8080/zoho/callback"),
            )
            .await?;
        let refresh_token = tokens.value(0, "OAuthRefreshToken");
        // ---
        Ok::<_, zohobooks_sql::Error>(refresh_token)
    });
    let refresh_token = refresh_token.expect("the bound exchange succeeds");
    assert!(refresh_token.is_some_and(|t| t.starts_with("1000.")));
    assert_eq!(run.sb.count("token:authorization_code"), 1);
}
