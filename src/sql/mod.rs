//! The SQL front end: text in, a [`Plan`] out; then either a procedure call or a query for the
//! engine.
//!
//! * [`parse`] splits and parses SQL text with sqlparser's MS SQL dialect: `EXEC`, `EXECUTE`
//!   and `CALL` become [`CallPlan`]s (the lean path: no engine), queries and `EXPLAIN` of a
//!   query are handed on as they were parsed; anything else is refused with
//!   [`Error::NotSupported`](crate::Error::NotSupported).
//! * [`params`] binds `?` and `@name` markers of procedure calls to caller-supplied values
//!   ([`Params`]).
//! * `rewrite` prepares a query for DataFusion (case-insensitive names, `TOP`, markers), and
//!   `session` plans and runs it.
//!
//! Parsing and planning do no I/O and know nothing of connections or procedures: validation
//! against the procedure catalog happens in [`crate::catalog::procedures`].
//!
//! ```
//! use zohobooks_sql::sql::{parse_statement, Plan};
//!
//! let plan = parse_statement("EXEC GetOAuthAuthorizationURL @AuthMode = 'WEB'")?;
//! assert!(matches!(plan, Plan::Call(ref call) if call.procedure == "GetOAuthAuthorizationURL"));
//! assert!(matches!(parse_statement("SELECT 1")?, Plan::Query(_)));
//! # Ok::<(), zohobooks_sql::Error>(())
//! ```

pub mod params;
pub mod parse;
pub(crate) mod rewrite;
pub(crate) mod session;

pub use params::{Params, Value};
pub use parse::{
    CallArg, CallPlan, Plan, ValueExpr, ends_with_statement_terminator, parse_statement,
    split_statements,
};
