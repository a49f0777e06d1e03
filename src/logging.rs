//! `Logfile` and `Verbosity`: tracing-based logging of the connector's activity.
//!
//! Verbosity 1 logs warnings and errors, 2 adds connection and statement events, 3 adds every HTTP
//! exchange (method, URL without query string, status, elapsed time), 4 and 5 add internal detail.
//! Secret values are never logged at any level: the code that emits events logs names, never values,
//! and secret types redact themselves.
//!
//! The subscriber is process-wide: the first connection that sets `Logfile` decides the file and
//! level for the whole process (a `tracing` limitation that CData's per-connection log files do not
//! have; documented in docs/connection-properties.md).

use std::fs::OpenOptions;
use std::sync::{Mutex, OnceLock};

use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;

use crate::config::Config;
use crate::error::{Error, Result};

static INSTALLED: OnceLock<String> = OnceLock::new();

/// The tracing level for a `Verbosity` value.
pub fn level_for(verbosity: u8) -> Level {
    match verbosity {
        0 | 1 => Level::WARN,
        2 => Level::INFO,
        3 => Level::DEBUG,
        _ => Level::TRACE,
    }
}

/// Starts logging to the connection's `Logfile`, if it sets one and no log is installed yet.
pub fn init(config: &Config) -> Result<()> {
    let Some(path) = config.logfile() else {
        return Ok(());
    };
    if INSTALLED.get().is_some() {
        return Ok(());
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|source| Error::Io {
            context: format!("cannot open Logfile {path}"),
            source,
        })?;
    let targets = Targets::new().with_target("zohobooks_sql", level_for(config.verbosity()));
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(Mutex::new(file));
    let subscriber = tracing_subscriber::registry().with(layer).with(targets);
    if tracing::subscriber::set_global_default(subscriber).is_ok() {
        let _ = INSTALLED.set(path.to_owned());
    }
    Ok(())
}
