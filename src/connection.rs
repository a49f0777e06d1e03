//! [`Connection`]: the async entry point. Open it with a connection string, then run `EXEC`,
//! `CALL` and `SELECT` statements; every statement returns a [`ResultSet`].
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> zohobooks_sql::Result<()> {
//! use zohobooks_sql::{Connection, Params};
//!
//! let conn = Connection::open("OAuthClientId=1000.ABC;OAuthClientSecret=s3cret").await?;
//! let rs = conn
//!     .execute_with(
//!         "SELECT Name, Value FROM sys_connection_props WHERE Name IN (?, @p)",
//!         &Params::new().bind("OAuthClientId").set("p", "OAuthClientSecret"),
//!     )
//!     .await?;
//! assert_eq!(rs.value(0, "Value").as_deref(), Some("1000.ABC"));
//! assert_eq!(rs.value(1, "Value").as_deref(), Some("********"));
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;

use crate::catalog::procedures::{ProcedureCall, validate};
use crate::catalog::{self, system_tables};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::result::ResultSet;
use crate::sql::params::bind;
use crate::sql::{Params, Plan, parse_statement, select, split_statements};

/// A connection to Zoho Books. Cheap to clone: clones share the same state.
#[derive(Clone)]
pub struct Connection {
    inner: Arc<Inner>,
}

/// The connection's state. `call_procedure` and `scan` are the two seams where the OAuth engine
/// and the Books tables plug in.
struct Inner {
    config: Config,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Config's Debug redacts secret values.
        f.debug_struct("Connection")
            .field("config", &self.inner.config)
            .finish()
    }
}

impl Connection {
    /// Parses `conn_str` (see [`Config::parse`]) and opens a connection.
    pub async fn open(conn_str: &str) -> Result<Connection> {
        Self::open_with_config(Config::parse(conn_str)?).await
    }

    /// Opens a connection with an already validated configuration.
    pub async fn open_with_config(config: Config) -> Result<Connection> {
        Ok(Connection {
            inner: Arc::new(Inner { config }),
        })
    }

    /// The connection's configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Runs one statement (a trailing `;` is allowed).
    pub async fn execute(&self, sql: &str) -> Result<ResultSet> {
        self.execute_with(sql, &Params::new()).await
    }

    /// Runs one statement with values for its `?` and `@name` markers. Bind secrets this way
    /// rather than writing them into the SQL text.
    pub async fn execute_with(&self, sql: &str, params: &Params) -> Result<ResultSet> {
        let plan = bind(parse_statement(sql)?, params)?;
        self.inner.run(plan).await
    }

    /// Runs a script of statements separated by `;`, in order, and returns one result set per
    /// statement. Stops at the first failing statement and returns its error (the statements
    /// before it have run).
    pub async fn execute_script(&self, sql: &str) -> Result<Vec<ResultSet>> {
        let mut results = Vec::new();
        for statement in split_statements(sql)? {
            results.push(self.execute(&statement).await?);
        }
        Ok(results)
    }
}

impl Inner {
    async fn run(&self, plan: Plan) -> Result<ResultSet> {
        match plan {
            Plan::Call(call) => {
                let call = validate(&call)?;
                self.call_procedure(call).await
            }
            Plan::Select(query) => {
                let (schema, batches) = self.scan(&query.table).await?;
                select::execute(&query, schema, batches)
            }
        }
    }

    /// Runs a validated stored-procedure call.
    ///
    /// The OAuth engine is wired in here; until then every procedure reports so honestly.
    async fn call_procedure(&self, call: ProcedureCall) -> Result<ResultSet> {
        Err(Error::NotImplemented {
            what: format!("{}: the OAuth engine is not wired in yet", call.spec.name),
        })
    }

    /// The rows of `table`: system tables here, Zoho Books tables (later) by one arm each.
    async fn scan(&self, table: &str) -> Result<(SchemaRef, Vec<RecordBatch>)> {
        if let Some(result) = system_tables::scan(table, &self.config) {
            let (spec, batch) = result?;
            return Ok((spec.schema(), vec![batch]));
        }
        match catalog::find_table(table) {
            // A registered Books table without a scan arm yet.
            Some(spec) => Err(Error::NotImplemented {
                what: format!("reading the {} table", spec.name),
            }),
            None => Err(Error::UnknownTable {
                name: table.to_owned(),
                known: catalog::table_names(),
            }),
        }
    }
}
