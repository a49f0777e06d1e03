//! The SQL front end: text in, a [`Plan`] out, then bind parameters and evaluate `SELECT`s.
//!
//! * [`parse`] turns SQL text into [`Plan`]s with sqlparser's MS SQL dialect (`EXEC`, `CALL`,
//!   `SELECT`); everything else is rejected with [`Error::NotSupported`](crate::Error::NotSupported).
//! * [`params`] binds `?` and `@name` markers to caller-supplied values ([`Params`]).
//! * [`select`] evaluates a `SELECT` over Arrow record batches with arrow's compute kernels.
//!
//! Parsing and planning do no I/O and know nothing of connections or procedures: validation
//! against the procedure catalog happens in [`crate::catalog::procedures`].
//!
//! ```
//! use zohobooks_sql::sql::{parse_statement, Plan};
//!
//! let plan = parse_statement("EXEC GetOAuthAuthorizationURL @AuthMode = 'WEB'")?;
//! assert!(matches!(plan, Plan::Call(ref call) if call.procedure == "GetOAuthAuthorizationURL"));
//! # Ok::<(), zohobooks_sql::Error>(())
//! ```

pub mod params;
pub mod parse;
pub mod select;

pub use params::{Params, Value};
pub use parse::{
    CallArg, CallPlan, CompareOp, Operand, Plan, Predicate, Projection, SelectItem, SelectPlan,
    SortKey, ValueExpr, ends_with_statement_terminator, parse_statement, split_statements,
};
