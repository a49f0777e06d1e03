//! A blocking facade over the async [`Connection`](crate::Connection), for programs without an
//! async runtime (reqwest-style). Each blocking connection owns a small tokio runtime.
//!
//! Do not use it from inside an async runtime: there, use the async API. Such calls return an
//! error instead of blocking the runtime.
//!
//! ```
//! use zohobooks_sql::blocking::Connection;
//!
//! let conn = Connection::open("")?;
//! let rs = conn.execute("SELECT TOP 1 ProcedureName FROM sys_procedures ORDER BY ProcedureName")?;
//! assert_eq!(rs.value(0, "ProcedureName").as_deref(), Some("GetOAuthAccessToken"));
//! # Ok::<(), zohobooks_sql::Error>(())
//! ```

use std::future::Future;

use futures::StreamExt;

use crate::arrow::array::RecordBatch;
use crate::arrow::datatypes::SchemaRef;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::result::{BatchStream, ResultSet};
use crate::sql::Params;

/// A blocking connection: the async [`crate::Connection`] plus the runtime that drives it.
#[derive(Debug)]
pub struct Connection {
    inner: crate::Connection,
    /// Always `Some` until dropped; taken in `Drop` so the runtime can shut down without blocking.
    runtime: Option<tokio::runtime::Runtime>,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    refuse_inside_runtime()?;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Io {
            context: "starting the blocking connection's runtime".into(),
            source,
        })
}

fn refuse_inside_runtime() -> Result<()> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::NotSupported {
            construct:
                "the blocking API inside an async runtime; use zohobooks_sql::Connection there"
                    .into(),
        });
    }
    Ok(())
}

impl Connection {
    /// Parses `conn_str` and opens a connection.
    pub fn open(conn_str: &str) -> Result<Connection> {
        Self::open_with_config(Config::parse(conn_str)?)
    }

    /// Opens a connection with an already validated configuration.
    pub fn open_with_config(config: Config) -> Result<Connection> {
        let runtime = runtime()?;
        let inner = runtime.block_on(crate::Connection::open_with_config(config))?;
        Ok(Connection {
            inner,
            runtime: Some(runtime),
        })
    }

    /// Opens a connection with a configuration and [`crate::connection::ConnectOptions`].
    pub fn open_with_options(
        config: Config,
        options: crate::connection::ConnectOptions,
    ) -> Result<Connection> {
        let runtime = runtime()?;
        let inner = runtime.block_on(crate::Connection::open_with_options(config, options))?;
        Ok(Connection {
            inner,
            runtime: Some(runtime),
        })
    }

    fn block_on<T>(&self, future: impl Future<Output = Result<T>>) -> Result<T> {
        refuse_inside_runtime()?;
        match &self.runtime {
            Some(runtime) => runtime.block_on(future),
            None => Err(Error::NotSupported {
                construct: "a blocking connection that is being dropped".into(),
            }),
        }
    }

    /// The connection's configuration.
    pub fn config(&self) -> &Config {
        self.inner.config()
    }

    /// The async connection underneath.
    pub fn as_async(&self) -> &crate::Connection {
        &self.inner
    }

    /// Runs one statement. See [`crate::Connection::execute`].
    pub fn execute(&self, sql: &str) -> Result<ResultSet> {
        self.block_on(self.inner.execute(sql))
    }

    /// Runs one statement with bind parameters. See [`crate::Connection::execute_with`].
    pub fn execute_with(&self, sql: &str, params: &Params) -> Result<ResultSet> {
        self.block_on(self.inner.execute_with(sql, params))
    }

    /// Runs a script. See [`crate::Connection::execute_script`].
    pub fn execute_script(&self, sql: &str) -> Result<Vec<ResultSet>> {
        self.block_on(self.inner.execute_script(sql))
    }

    /// Runs one statement and returns its batches as an iterator, each produced when it is
    /// asked for (a Books table yields one batch per page). See
    /// [`crate::Connection::query_arrow`].
    ///
    /// ```
    /// use zohobooks_sql::{Params, blocking::Connection};
    ///
    /// let conn = Connection::open("")?;
    /// let batches = conn.query_arrow("SELECT TableName FROM sys_tables", &Params::new())?;
    /// assert_eq!(batches.schema().field(0).name(), "TableName");
    /// let rows: usize = batches.map(|b| b.map(|b| b.num_rows())).sum::<Result<_, _>>()?;
    /// assert!(rows > 10);
    /// # Ok::<(), zohobooks_sql::Error>(())
    /// ```
    pub fn query_arrow(&self, sql: &str, params: &Params) -> Result<Batches<'_>> {
        let stream = self.block_on(self.inner.query_arrow(sql, params))?;
        Ok(Batches { conn: self, stream })
    }
}

/// The batches of one statement, pulled one at a time by a blocking [`Connection`].
///
/// Dropping it before the end stops the statement: no further page is requested.
pub struct Batches<'c> {
    conn: &'c Connection,
    stream: BatchStream,
}

impl Batches<'_> {
    /// The schema every batch has (known before the first batch arrives).
    pub fn schema(&self) -> SchemaRef {
        self.stream.schema()
    }

    /// The statement's API calls and warnings so far (complete once the iterator has ended).
    pub fn stats(&self) -> std::sync::Arc<crate::books::StatementStats> {
        self.stream.stats()
    }
}

impl Iterator for Batches<'_> {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Result<RecordBatch>> {
        let stream = &mut self.stream;
        match self.conn.block_on(async { Ok(stream.next().await) }) {
            Ok(next) => next,
            Err(e) => Some(Err(e)),
        }
    }
}

impl std::fmt::Debug for Batches<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batches")
            .field("schema", &self.stream.schema())
            .finish_non_exhaustive()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Dropping a runtime blocks (and panics inside an async context); this does neither.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_block_inside_a_runtime_and_drops_cleanly_there() {
        let conn = Connection::open("").unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let err = conn.execute("SELECT * FROM sys_tables").unwrap_err();
            assert!(err.to_string().contains("inside an async runtime"), "{err}");
            assert!(Connection::open("").is_err());
            drop(conn); // must not panic
        });
    }
}
