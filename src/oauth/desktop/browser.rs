//! Handing the authorization URL to a browser (or to something that acts like one).
//!
//! The desktop flow always prints the URL as well, so a launcher that fails never fails the
//! flow: the user can open the URL by hand and the listener keeps waiting.

use std::fmt;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// A function that receives the authorization URL; `Err` carries a reason shown to the user.
pub type LaunchFn = dyn Fn(&str) -> std::result::Result<(), String> + Send + Sync;

/// How long the [`BrowserLauncher::FollowRedirects`] client may take for the whole redirect chain.
const FOLLOW_REDIRECTS_TIMEOUT: Duration = Duration::from_secs(30);

/// How the desktop flow shows the authorization URL to the user.
#[derive(Clone, Default)]
pub enum BrowserLauncher {
    /// The system's default browser through the `webbrowser` crate, which honours `$BROWSER`.
    /// On a Unix host with no display and no `$BROWSER`, nothing is started (headless).
    #[default]
    System,
    /// Only print the URL (`OpenBrowser=false`, headless hosts, SSH sessions).
    PrintOnly,
    /// Run this program with the URL as its only argument (`argv[1]`); it is not waited for.
    Command(String),
    /// Fetch the URL in-process with an HTTP client that follows redirects, as a browser whose
    /// user approves at once would. For the local sandbox in auto-approve mode (`zbsql
    /// --sandbox`); loopback-only use, no proxy.
    FollowRedirects,
    /// Call this function with the URL (tests, GUIs, WebDriver-driven browsers).
    Custom(Arc<LaunchFn>),
}

impl fmt::Debug for BrowserLauncher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::System => f.write_str("System"),
            Self::PrintOnly => f.write_str("PrintOnly"),
            Self::Command(program) => f.debug_tuple("Command").field(program).finish(),
            Self::FollowRedirects => f.write_str("FollowRedirects"),
            Self::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

impl BrowserLauncher {
    /// A launcher calling `f` with the URL.
    pub fn custom(
        f: impl Fn(&str) -> std::result::Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        Self::Custom(Arc::new(f))
    }

    /// Hands `url` to the browser; reports a failure on stderr and returns normally.
    ///
    /// `redirect_uri` is the callback address, named in the advice printed on failure.
    pub(crate) async fn launch(self, url: String, redirect_uri: String) {
        let outcome = match &self {
            Self::PrintOnly => Ok(()),
            Self::System => run_blocking(move || open_system_browser(&url)).await,
            Self::Command(program) => {
                let program = program.clone();
                run_blocking(move || run_command(&program, &url)).await
            }
            Self::FollowRedirects => follow_redirects(&url, &redirect_uri).await,
            Self::Custom(f) => f(&url),
        };
        if let Err(reason) = outcome {
            eprintln!(
                "Could not open a browser ({reason}). Open the URL above in any browser; still \
                 waiting for the callback on {redirect_uri}"
            );
        }
    }
}

/// Runs blocking launcher code off the async threads.
async fn run_blocking(
    f: impl FnOnce() -> std::result::Result<(), String> + Send + 'static,
) -> std::result::Result<(), String> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(format!("the browser launcher stopped: {e}")))
}

/// Opens the default browser, unless this is a Unix host without a display or `$BROWSER`.
fn open_system_browser(url: &str) -> std::result::Result<(), String> {
    if let Some(reason) = headless_reason() {
        return Err(reason);
    }
    webbrowser::open(url).map_err(|e| e.to_string())
}

/// Why no graphical browser can start here, if that is knowable without trying.
///
/// On Linux and the BSDs a browser needs `DISPLAY` or `WAYLAND_DISPLAY`; trying anyway can start
/// a text browser inside the terminal. `$BROWSER` always wins; WSL opens the Windows browser.
fn headless_reason() -> Option<String> {
    if !cfg!(all(
        unix,
        not(target_os = "macos"),
        not(target_os = "ios"),
        not(target_os = "android")
    )) {
        return None;
    }
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if set("BROWSER") || set("DISPLAY") || set("WAYLAND_DISPLAY") || set("WSL_DISTRO_NAME") {
        return None;
    }
    Some(
        "no graphical display (DISPLAY and WAYLAND_DISPLAY are unset) and BROWSER is not set"
            .to_owned(),
    )
}

/// Starts `program <url>`, then reaps it in the background.
fn run_command(program: &str, url: &str) -> std::result::Result<(), String> {
    let mut child = Command::new(program)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not run '{program}': {e}"))?;
    // Reap the child without making the flow wait for it.
    std::thread::spawn(move || {
        if let Ok(status) = child.wait()
            && !status.success()
        {
            tracing::debug!(%status, "the browser command exited unsuccessfully");
        }
    });
    Ok(())
}

/// GETs `url`, following redirects (up to 10) into the callback listener.
async fn follow_redirects(url: &str, redirect_uri: &str) -> std::result::Result<(), String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(FOLLOW_REDIRECTS_TIMEOUT)
        .redirect(reqwest::redirect::Policy::limited(10))
        .build()
        .map_err(|e| format!("could not build an HTTP client: {e}"))?;
    let response = client
        .get(url)
        .send()
        .await
        // Without the URL: the last hop's URL carries the authorization code.
        .map_err(|e| format!("fetching the authorization URL failed: {}", e.without_url()))?;
    let final_url = response.url();
    let reached_callback = url::Url::parse(redirect_uri).is_ok_and(|cb| {
        cb.host_str() == final_url.host_str()
            && cb.port_or_known_default() == final_url.port_or_known_default()
    });
    if !reached_callback {
        return Err(format!(
            "the authorization URL did not redirect to the callback; it ended at {}://{}{} with \
             HTTP {} (a consent page waiting for a person? the sandbox must be in auto-approve \
             mode for this launcher)",
            final_url.scheme(),
            final_url.host_str().unwrap_or(""),
            final_url.path(),
            response.status().as_u16()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_names_the_variant() {
        assert_eq!(format!("{:?}", BrowserLauncher::System), "System");
        assert_eq!(
            format!("{:?}", BrowserLauncher::Command("/bin/x".into())),
            "Command(\"/bin/x\")"
        );
        assert_eq!(
            format!("{:?}", BrowserLauncher::custom(|_| Ok(()))),
            "Custom(..)"
        );
    }

    #[test]
    fn a_missing_program_is_a_reason_not_a_panic() {
        let err = run_command("/nonexistent/zbsql-browser", "http://127.0.0.1:1/")
            .expect_err("no such program");
        assert!(err.contains("/nonexistent/zbsql-browser"), "{err}");
    }
}
