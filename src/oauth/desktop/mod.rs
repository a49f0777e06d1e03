//! The desktop (browser) flow: print and open the authorization URL, receive Zoho's redirect on
//! a loopback listener, check it, and hand the code back to the token manager.
//!
//! ```text
//! bind CallbackURL (fail fast) ─► print URL + open browser ─► wait: callback | timeout | Ctrl-C
//!                                                               └─► port released on every path
//! ```
//!
//! The token manager builds the [`LoginRequest`] (authorization URL with `state` and PKCE),
//! exchanges the returned code, checks `accounts-server` against its allowlist, and holds the
//! cross-process "one login at a time" lock. This module does none of those.
//!
//! ```no_run
//! # async fn demo() -> zohobooks_sql::Result<()> {
//! use std::time::Duration;
//! use zohobooks_sql::oauth::{InteractiveLogin, LoginRequest};
//! use zohobooks_sql::oauth::desktop::{BrowserLauncher, DesktopLogin};
//!
//! let login = DesktopLogin::new(BrowserLauncher::System);
//! let params = login
//!     .login(LoginRequest {
//!         authorization_url: "https://accounts.zoho.com/oauth/v2/auth?...&state=xyz".into(),
//!         callback_url: "http://localhost:33333".into(),
//!         state: "xyz".into(),
//!         open_browser: true,
//!         timeout: Duration::from_secs(300),
//!     })
//!     .await?;
//! // params.code goes to the token endpoint of the (checked) params.accounts_server.
//! # Ok(()) }
//! ```

mod browser;
mod listener;
mod pages;

use std::future::Future;
use std::io::{IsTerminal, Write};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub use browser::{BrowserLauncher, LaunchFn};
pub use listener::CallbackListener;

use crate::error::{Error, Result};
use crate::oauth::{CallbackParams, InteractiveLogin, LoginRequest};

/// The message shown (on a terminal) while the flow waits for the browser.
const WAITING_MESSAGE: &str = "Waiting for authorization in the browser... (Ctrl-C to cancel)";

/// The browser login: a loopback listener on the CallbackURL plus a [`BrowserLauncher`].
#[derive(Debug, Clone, Default)]
pub struct DesktopLogin {
    launcher: BrowserLauncher,
    ignore_ctrl_c: bool,
}

impl DesktopLogin {
    /// A desktop login that shows the authorization URL with `launcher` (and always prints it).
    pub fn new(launcher: BrowserLauncher) -> Self {
        Self {
            launcher,
            ignore_ctrl_c: false,
        }
    }

    /// Whether Ctrl-C cancels the wait (default `true`).
    ///
    /// Listening for Ctrl-C installs Tokio's SIGINT handler, which stays for the life of the
    /// process (Ctrl-C then no longer ends the process by default). Programs that handle Ctrl-C
    /// themselves can turn this off.
    pub fn cancel_on_ctrl_c(mut self, on: bool) -> Self {
        self.ignore_ctrl_c = !on;
        self
    }

    /// The launcher in use.
    pub fn launcher(&self) -> &BrowserLauncher {
        &self.launcher
    }

    /// Runs the flow on a listener bound beforehand.
    ///
    /// Use this when CallbackURL has port 0: bind [`CallbackListener`] first, build the
    /// authorization URL (and later the token request) with its
    /// [`redirect_uri`](CallbackListener::redirect_uri), then call this.
    /// `request.callback_url` is not used here.
    ///
    /// # Errors
    /// See [`CallbackListener::wait_for_callback`]; also [`Error::DesktopFlow`] on Ctrl-C.
    pub async fn login_with_listener(
        &self,
        listener: CallbackListener,
        request: &LoginRequest,
    ) -> Result<CallbackParams> {
        // Register for Ctrl-C before anything is shown, so an early Ctrl-C is not lost.
        let cancel = if self.ignore_ctrl_c {
            Box::pin(std::future::pending()) as Pin<Box<dyn Future<Output = ()> + Send>>
        } else {
            ctrl_c_signal()
        };
        eprintln!("Open this URL to authorize: {}", request.authorization_url);
        let launcher = if request.open_browser {
            self.launcher.clone()
        } else {
            BrowserLauncher::PrintOnly
        };
        // Aborted when the flow ends, however it ends (even if this future is dropped).
        let _launch = AbortOnDrop(tokio::spawn(launcher.launch(
            request.authorization_url.clone(),
            listener.redirect_uri().to_owned(),
        )));
        let _spinner = Spinner::start_if_terminal();
        listener
            .wait_or_cancel(&request.state, request.timeout, cancel)
            .await
    }
}

impl InteractiveLogin for DesktopLogin {
    fn login<'a>(
        &'a self,
        request: LoginRequest,
    ) -> Pin<Box<dyn Future<Output = Result<CallbackParams>> + Send + 'a>> {
        Box::pin(async move {
            let listener = CallbackListener::bind(&request.callback_url).await?;
            if listener.is_ephemeral() {
                return Err(Error::DesktopFlow {
                    message: format!(
                        "CallbackURL '{}' asks for an ephemeral port (0), but the authorization \
                         URL was built before the port was known, so Zoho would redirect to port \
                         0. Bind CallbackListener first and build the URL from its \
                         redirect_uri() (now {}), or set a fixed port registered in the Zoho \
                         API console",
                        request.callback_url,
                        listener.redirect_uri()
                    ),
                });
            }
            self.login_with_listener(listener, &request).await
        })
    }
}

/// A future that completes on Ctrl-C; never completes if the signal cannot be watched.
fn ctrl_c_signal() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        // Registers at once (unlike `ctrl_c()`, which registers on first poll).
        match signal(SignalKind::interrupt()) {
            Ok(mut sigint) => Box::pin(async move {
                if sigint.recv().await.is_none() {
                    std::future::pending::<()>().await;
                }
            }),
            Err(e) => {
                tracing::debug!(error = %e, "cannot watch Ctrl-C; the timeout still applies");
                Box::pin(std::future::pending())
            }
        }
    }
    #[cfg(not(unix))]
    {
        Box::pin(async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }
}

/// Aborts a spawned task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A one-line spinner on stderr while waiting, only when stderr is a terminal.
struct Spinner {
    stop: Arc<AtomicBool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Spinner {
    fn start_if_terminal() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        if !std::io::stderr().is_terminal() {
            return Self { stop, task: None };
        }
        let flag = stop.clone();
        let task = tokio::spawn(async move {
            const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
            let mut interval = tokio::time::interval(Duration::from_millis(150));
            for frame in FRAMES.iter().cycle() {
                interval.tick().await;
                let mut err = std::io::stderr().lock();
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                let _ = write!(err, "\r{frame} {WAITING_MESSAGE}");
                let _ = err.flush();
            }
        });
        Self {
            stop,
            task: Some(task),
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            // Holding the lock while setting the flag: no frame is written after the clear.
            let mut err = std::io::stderr().lock();
            self.stop.store(true, Ordering::SeqCst);
            task.abort();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}
