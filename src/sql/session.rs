//! The DataFusion session of a connection: created on the first query, planned over the
//! catalog's providers, checked so that only what the connector offers runs.
//!
//! * One session per connection, created lazily (an `EXEC` never creates one), with
//!   `target_partitions = 1`: Zoho's pages arrive one at a time, and on small machines the
//!   repartitioning stages cost more planning time than they save.
//! * Identifier normalization is off: [`crate::sql::rewrite`] has already given every name its
//!   catalog spelling, and other names keep the case they were written in.
//! * Every plan is checked with DDL, DML and statements disabled (`SQLOptions`), so SQL text
//!   from a user of an embedding application can never create, write, copy or read a file, set
//!   an option, or reach the token store. Plans are executed through the physical planner, never
//!   through the context's DDL handling.

use std::sync::Arc;

use datafusion::catalog::{CatalogProvider, MemoryCatalogProvider};
use datafusion::common::ScalarValue;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, Result as DfResult};
use datafusion::error::DataFusionError;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::context::{SQLOptions, SessionConfig, SessionContext};
use datafusion::logical_expr::{BinaryExpr, Expr, ExprSchemable};
use datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder};
use datafusion::optimizer::{Analyzer, AnalyzerRule};
use datafusion::sql::parser::Statement as DfStatement;
use futures::StreamExt;

use crate::arrow::datatypes::SchemaRef;
use crate::books::BooksClient;
use crate::catalog::provider::CatalogSchema;
use crate::catalog::{CATALOG_NAME, SCHEMA_NAME, find_table, visible_tables};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::result::BatchStream;
use crate::sql::params::{Params, Value};
use crate::sql::rewrite::{NameSource, closest, rewrite};
use crate::sqlparser::ast::Statement;

/// A connection's engine: the DataFusion context with the catalog registered.
pub(crate) struct Session {
    context: SessionContext,
    config: Arc<Config>,
}

impl Session {
    /// A session over the catalog as `config` shows it; Books tables read through `books`.
    pub(crate) fn new(config: Arc<Config>, books: BooksClient) -> Result<Session> {
        let mut session_config = SessionConfig::new()
            .with_target_partitions(1)
            .with_information_schema(false)
            .with_create_default_catalog_and_schema(false)
            .with_default_catalog_and_schema(CATALOG_NAME, SCHEMA_NAME);
        session_config
            .options_mut()
            .sql_parser
            .enable_ident_normalization = false;
        // Our rule runs before DataFusion's own analyzer rules (type coercion among them).
        let mut rules: Vec<Arc<dyn AnalyzerRule + Send + Sync>> = vec![Arc::new(BooleanLiterals)];
        rules.extend(Analyzer::new().rules);
        let state = SessionStateBuilder::new()
            .with_config(session_config)
            .with_default_features()
            .with_analyzer_rules(rules)
            .build();
        let context = SessionContext::new_with_state(state);
        let catalog = MemoryCatalogProvider::new();
        catalog
            .register_schema(
                SCHEMA_NAME,
                Arc::new(CatalogSchema::new(config.clone(), books)),
            )
            .map_err(from_engine)?;
        context.register_catalog(CATALOG_NAME, Arc::new(catalog));
        Ok(Session { context, config })
    }

    /// Plans and starts a query statement; batches are produced as the stream is polled.
    ///
    /// Planning runs on a thread with a large stack (the parser's): DataFusion plans and
    /// simplifies expressions recursively, and a few hundred chained operators overflow a
    /// 2 MiB thread in a debug build. Planning does no I/O, so nothing is awaited there.
    pub(crate) async fn query(&self, statement: Statement, params: &Params) -> Result<BatchStream> {
        let mut state = self.context.state();
        // Each statement counts its own API calls and warnings; its scans find this there.
        let stats = Arc::new(crate::books::StatementStats::default());
        state.config_mut().set_extension(stats.clone());
        let physical = crate::sql::parse::on_parser_stack(|| {
            futures::executor::block_on(self.plan(&state, statement, params))
        })?;
        let schema: SchemaRef = physical.schema();
        let stream = datafusion::physical_plan::execute_stream(physical, state.task_ctx())
            .map_err(from_engine)?;
        Ok(
            BatchStream::new(schema, stream.map(|batch| batch.map_err(from_engine)))
                .with_stats(stats),
        )
    }

    async fn plan(
        &self,
        state: &datafusion::execution::SessionState,
        statement: Statement,
        params: &Params,
    ) -> Result<Arc<dyn datafusion::physical_plan::ExecutionPlan>> {
        let names = CatalogNames {
            config: &self.config,
        };
        let rewritten = rewrite(statement, params, &names)?;
        let plan = state
            .statement_to_plan(DfStatement::Statement(Box::new(rewritten.statement)))
            .await
            .map_err(from_engine)?;
        // Only what the connector offers runs: no DDL, DML, COPY or SET, whatever was written.
        SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false)
            .verify_plan(&plan)
            .map_err(|e| Error::NotSupported {
                construct: format!("{}; this connector is read-only", root_message(&e)),
            })?;
        let secrets: Vec<&str> = rewritten
            .values
            .iter()
            .filter_map(|v| match v {
                Value::Secret(s) => Some(s.expose_secret()),
                _ => None,
            })
            .collect();
        let plan = if rewritten.values.is_empty() {
            plan
        } else {
            let values: Vec<ScalarValue> = rewritten.values.iter().map(scalar).collect();
            plan.with_param_values(values)
                .map_err(|e| masked(from_engine(e), &secrets))?
        };
        let plan = match (self.config.max_rows(), &plan) {
            (_, LogicalPlan::Explain(_)) | (None, _) => plan,
            (Some(max), _) => LogicalPlanBuilder::from(plan)
                .limit(0, Some(usize::try_from(max).unwrap_or(usize::MAX)))
                .and_then(LogicalPlanBuilder::build)
                .map_err(from_engine)?,
        };
        state
            .create_physical_plan(&plan)
            .await
            .map_err(|e| masked(from_engine(e), &secrets))
    }
}

/// `error` with every bound secret's text masked: an engine message may quote a value
/// ("Cannot cast string '...' to Int64").
fn masked(error: Error, secrets: &[&str]) -> Error {
    let mask = |text: String| {
        secrets
            .iter()
            .filter(|s| !s.is_empty())
            .fold(text, |t, s| t.replace(s, "********"))
    };
    match error {
        Error::Engine { message } => Error::Engine {
            message: mask(message),
        },
        Error::NotSupported { construct } => Error::NotSupported {
            construct: mask(construct),
        },
        other => other,
    }
}

/// `Flag = 1`, `Flag <> 0` and `Flag = 'true'` on a Boolean column, as users of SQL Server
/// (which has no boolean type, only `bit`) and CData write them: the whole numbers 0 and 1 and
/// the strings `'true'`/`'false'` (any case) compared with a Boolean become `false` and `true`.
/// Other numbers and strings are left for type coercion to refuse.
#[derive(Debug)]
struct BooleanLiterals;

impl AnalyzerRule for BooleanLiterals {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> DfResult<LogicalPlan> {
        plan.transform_up_with_subqueries(|node| {
            let mut schema = DFSchema::empty();
            for input in node.inputs() {
                schema.merge(input.schema());
            }
            node.map_expressions(|expr| expr.transform_up(|e| boolean_literal(e, &schema)))
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "zohobooks_boolean_literals"
    }
}

fn boolean_literal(expr: Expr, schema: &DFSchema) -> DfResult<Transformed<Expr>> {
    use datafusion::arrow::datatypes::DataType;
    let Expr::BinaryExpr(BinaryExpr { left, op, right }) = &expr else {
        return Ok(Transformed::no(expr));
    };
    use datafusion::logical_expr::Operator;
    if !matches!(op, Operator::Eq | Operator::NotEq) {
        return Ok(Transformed::no(expr));
    }
    let as_bool = |e: &Expr| {
        let value = match e {
            Expr::Literal(ScalarValue::Int64(Some(n @ (0 | 1))), _) => *n == 1,
            Expr::Literal(
                ScalarValue::Utf8(Some(text))
                | ScalarValue::Utf8View(Some(text))
                | ScalarValue::LargeUtf8(Some(text)),
                _,
            ) if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false") => {
                text.eq_ignore_ascii_case("true")
            }
            _ => return None,
        };
        Some(Expr::Literal(ScalarValue::Boolean(Some(value)), None))
    };
    let is_bool = |e: &Expr| matches!(e.get_type(schema), Ok(DataType::Boolean));
    if is_bool(left)
        && let Some(literal) = as_bool(right)
    {
        return Ok(Transformed::yes(Expr::BinaryExpr(BinaryExpr::new(
            left.clone(),
            *op,
            Box::new(literal),
        ))));
    }
    if is_bool(right)
        && let Some(literal) = as_bool(left)
    {
        return Ok(Transformed::yes(Expr::BinaryExpr(BinaryExpr::new(
            Box::new(literal),
            *op,
            right.clone(),
        ))));
    }
    Ok(Transformed::no(expr))
}

/// The catalog's names as the rewrite needs them.
struct CatalogNames<'c> {
    config: &'c Config,
}

impl NameSource for CatalogNames<'_> {
    fn namespace(&self) -> (&str, &str) {
        (CATALOG_NAME, SCHEMA_NAME)
    }

    fn table(&self, name: &str) -> Option<&str> {
        visible_tables(self.config)
            .find(|t| t.name.eq_ignore_ascii_case(name))
            .map(|t| t.name)
    }

    fn columns(&self, table: &str) -> Vec<&str> {
        find_table(table)
            .map(|t| t.columns.iter().map(|c| c.name).collect())
            .unwrap_or_default()
    }

    fn table_names(&self) -> Vec<&str> {
        visible_tables(self.config).map(|t| t.name).collect()
    }
}

/// A bound value as the engine's literal; numbers become Int64 when they are whole, else Float64.
fn scalar(value: &Value) -> ScalarValue {
    match value {
        Value::Null => ScalarValue::Null,
        Value::Text(s) => ScalarValue::Utf8(Some(s.clone())),
        Value::Secret(s) => ScalarValue::Utf8(Some(s.expose_secret().to_owned())),
        Value::Boolean(b) => ScalarValue::Boolean(Some(*b)),
        Value::Number(n) => n
            .parse::<i64>()
            .map(|i| ScalarValue::Int64(Some(i)))
            .or_else(|_| n.parse::<f64>().map(|f| ScalarValue::Float64(Some(f))))
            .unwrap_or_else(|_| ScalarValue::Utf8(Some(n.clone()))),
    }
}

/// The innermost message of an engine error, without DataFusion's category prefixes.
fn root_message(error: &DataFusionError) -> String {
    let root = error.find_root();
    let text = match root {
        DataFusionError::Plan(m)
        | DataFusionError::NotImplemented(m)
        | DataFusionError::Execution(m)
        | DataFusionError::Configuration(m) => m.clone(),
        other => other.to_string(),
    };
    crate::sql::parse::clipped(&text)
}

/// An engine error as the connector's error: our own errors come back as they were raised in a
/// scan; unknown columns and functions get the closest name; the rest keeps the engine's text.
pub(crate) fn from_engine(error: DataFusionError) -> Error {
    let mut error = error;
    loop {
        error = match error {
            DataFusionError::Context(_, inner) | DataFusionError::Diagnostic(_, inner) => *inner,
            // Several errors at once (two unknown columns): the first speaks for them.
            DataFusionError::Collection(mut errors) if !errors.is_empty() => errors.swap_remove(0),
            DataFusionError::Shared(shared) => match Arc::try_unwrap(shared) {
                Ok(inner) => inner,
                Err(shared) => return from_shared(&shared),
            },
            DataFusionError::External(external) => return from_external(external),
            DataFusionError::ArrowError(arrow, _) => match *arrow {
                crate::arrow::error::ArrowError::ExternalError(external) => {
                    return from_external(external);
                }
                other => return Error::Arrow(other),
            },
            DataFusionError::SchemaError(schema_error, _) => {
                return schema_error_to_ours(*schema_error);
            }
            DataFusionError::Plan(message) => return plan_error(message),
            DataFusionError::NotImplemented(message) => {
                return Error::NotSupported {
                    construct: crate::sql::parse::clipped(&message),
                };
            }
            other => {
                return Error::Engine {
                    message: crate::sql::parse::clipped(&other.to_string()),
                };
            }
        };
    }
}

/// One of our errors raised inside a scan comes back as it was; anything else keeps its text.
fn from_external(external: Box<dyn std::error::Error + Send + Sync>) -> Error {
    match external.downcast::<Error>() {
        Ok(ours) => *ours,
        Err(other) => Error::Engine {
            message: crate::sql::parse::clipped(&other.to_string()),
        },
    }
}

fn from_shared(error: &DataFusionError) -> Error {
    match error.find_root() {
        DataFusionError::External(external) => match external.downcast_ref::<Error>() {
            Some(ours) => duplicate(ours).unwrap_or_else(|| Error::Engine {
                message: ours.to_string(),
            }),
            None => Error::Engine {
                message: crate::sql::parse::clipped(&external.to_string()),
            },
        },
        other => Error::Engine {
            message: root_message(other),
        },
    }
}

/// A copy of one of the errors a scan raises (they hold plain data), so an error shared by
/// several consumers (a join's build side) still reaches the caller as its own variant.
fn duplicate(error: &Error) -> Option<Error> {
    Some(match error {
        Error::DetailFetchLimit {
            table,
            parent,
            key,
            records,
            limit,
        } => Error::DetailFetchLimit {
            table: table.clone(),
            parent: parent.clone(),
            key: key.clone(),
            records: *records,
            limit: *limit,
        },
        Error::ScanStopped { table, reason } => Error::ScanStopped {
            table: table.clone(),
            reason: reason.clone(),
        },
        Error::RateLimited { message } => Error::RateLimited {
            message: message.clone(),
        },
        Error::Api {
            status,
            code,
            message,
        } => Error::Api {
            status: *status,
            code: *code,
            message: message.clone(),
        },
        Error::Http { url, message } => Error::Http {
            url: url.clone(),
            message: message.clone(),
        },
        Error::Timeout { what, after } => Error::Timeout {
            what: what.clone(),
            after: *after,
        },
        _ => return None,
    })
}

fn schema_error_to_ours(error: datafusion::common::SchemaError) -> Error {
    use datafusion::common::SchemaError;
    match error {
        SchemaError::FieldNotFound {
            field,
            valid_fields,
        } => {
            let candidates: Vec<&str> = valid_fields.iter().map(|c| c.name.as_str()).collect();
            Error::UnknownColumn {
                column: crate::sql::parse::clipped(&field.name),
                suggestion: closest(&field.name, candidates).map(str::to_owned),
            }
        }
        other => Error::Engine {
            message: crate::sql::parse::clipped(&other.to_string()),
        },
    }
}

fn plan_error(message: String) -> Error {
    // "Invalid function 'lenn'.\nDid you mean 'len'?"
    if let Some(rest) = message.strip_prefix("Invalid function '")
        && let Some((name, tail)) = rest.split_once('\'')
    {
        let suggestion = tail
            .split_once("Did you mean '")
            .and_then(|(_, s)| s.split_once('\''))
            .map(|(s, _)| s.to_owned());
        return Error::UnknownFunction {
            name: crate::sql::parse::clipped(name),
            suggestion,
        };
    }
    Error::Engine {
        message: crate::sql::parse::clipped(&message),
    }
}
