//! The catalog as DataFusion sees it: one schema whose tables are table providers built from
//! the [`TableSpec`] entries, resolved case-insensitively.
//!
//! * System tables build their one batch in memory when scanned.
//! * Books tables return a [`BooksScanExec`], which sends its requests only when its stream is
//!   polled (planning does no I/O), yields a batch per page as it arrives, applies the
//!   projection and stops at the limit, and prints its request in `EXPLAIN`.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::{SchemaProvider, Session, TableProvider};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::TableType;
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::Expr;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
    SendableRecordBatchStream,
};
use futures::StreamExt;

use super::system_tables::build;
use super::{BooksSource, TableSource, TableSpec, visible_tables};
use crate::arrow::datatypes::SchemaRef;
use crate::books::BooksClient;
use crate::config::Config;

/// The connector's one schema: every visible table, by any spelling of its name.
#[derive(Debug)]
pub(crate) struct CatalogSchema {
    config: Arc<Config>,
    books: BooksClient,
}

impl CatalogSchema {
    pub(crate) fn new(config: Arc<Config>, books: BooksClient) -> Self {
        CatalogSchema { config, books }
    }

    fn find(&self, name: &str) -> Option<&'static TableSpec> {
        visible_tables(&self.config).find(|t| t.name.eq_ignore_ascii_case(name))
    }
}

#[async_trait]
impl SchemaProvider for CatalogSchema {
    fn table_names(&self) -> Vec<String> {
        visible_tables(&self.config)
            .map(|t| t.name.to_owned())
            .collect()
    }

    async fn table(&self, name: &str) -> DfResult<Option<Arc<dyn TableProvider>>> {
        Ok(self.find(name).map(|spec| {
            Arc::new(CatalogTable {
                spec,
                schema: spec.schema(),
                config: self.config.clone(),
                books: self.books.clone(),
            }) as Arc<dyn TableProvider>
        }))
    }

    fn table_exist(&self, name: &str) -> bool {
        self.find(name).is_some()
    }
}

/// One table of the catalog as a DataFusion table provider.
struct CatalogTable {
    spec: &'static TableSpec,
    schema: SchemaRef,
    config: Arc<Config>,
    books: BooksClient,
}

impl fmt::Debug for CatalogTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CatalogTable")
            .field("name", &self.spec.name)
            .finish()
    }
}

#[async_trait]
impl TableProvider for CatalogTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        match &self.spec.source {
            TableSource::System(rows) => {
                let batch = build(self.spec, rows(&self.config)).map_err(engine_error)?;
                Ok(MemorySourceConfig::try_new_exec(
                    &[vec![batch]],
                    self.schema.clone(),
                    projection.cloned(),
                )?)
            }
            TableSource::Books(source) => Ok(Arc::new(BooksScanExec::new(
                self.spec,
                source.clone(),
                self.books.clone(),
                projection.cloned(),
                limit,
            )?)),
        }
    }
}

/// Wraps one of our errors for the engine; [`crate::sql::session`] unwraps it again.
pub(crate) fn engine_error(error: crate::Error) -> DataFusionError {
    DataFusionError::External(Box::new(error))
}

/// The scan of a Books table: the requests it will send, the columns it keeps and its limit.
pub(crate) struct BooksScanExec {
    table: &'static str,
    source: BooksSource,
    client: BooksClient,
    projection: Option<Vec<usize>>,
    limit: Option<usize>,
    schema: SchemaRef,
    properties: Arc<PlanProperties>,
}

impl BooksScanExec {
    fn new(
        spec: &'static TableSpec,
        source: BooksSource,
        client: BooksClient,
        projection: Option<Vec<usize>>,
        limit: Option<usize>,
    ) -> DfResult<Self> {
        let full = spec.schema();
        let schema = match &projection {
            Some(indices) => Arc::new(full.project(indices)?),
            None => full,
        };
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(schema.clone()),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        Ok(BooksScanExec {
            table: spec.name,
            source,
            client,
            projection,
            limit,
            schema,
            properties,
        })
    }
}

impl fmt::Debug for BooksScanExec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BooksScanExec")
            .field("table", &self.table)
            .field("path", &self.source.path)
            .field("limit", &self.limit)
            .finish()
    }
}

impl DisplayAs for BooksScanExec {
    fn fmt_as(&self, _format: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ZohoBooksScan: table={}, request=GET {}, pushed filters=[]",
            self.table, self.source.path
        )?;
        let columns: Vec<&str> = self
            .schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        write!(f, ", columns=[{}]", columns.join(", "))?;
        if let Some(limit) = self.limit {
            write!(f, ", limit={limit}")?;
        }
        Ok(())
    }
}

impl ExecutionPlan for BooksScanExec {
    fn name(&self) -> &str {
        "ZohoBooksScan"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        Vec::new()
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        if children.is_empty() {
            Ok(self)
        } else {
            Err(DataFusionError::Internal(
                "ZohoBooksScan has no children".into(),
            ))
        }
    }

    fn execute(
        &self,
        partition: usize,
        _context: Arc<TaskContext>,
    ) -> DfResult<SendableRecordBatchStream> {
        if partition != 0 {
            return Err(DataFusionError::Internal(format!(
                "ZohoBooksScan has one partition, asked for {partition}"
            )));
        }
        let projection = self.projection.clone();
        let limit = self.limit.unwrap_or(usize::MAX);
        let pages = (self.source.read)(self.client.clone());
        // One batch per page; at the limit, stop before asking for another page.
        let limited = futures::stream::unfold((pages, 0usize), move |(mut pages, seen)| {
            let projection = projection.clone();
            async move {
                if seen >= limit {
                    return None;
                }
                let batch = match pages.next().await? {
                    Ok(batch) => batch,
                    Err(e) => return Some((Err(engine_error(e)), (pages, limit))),
                };
                let batch = match &projection {
                    Some(indices) => match batch.project(indices) {
                        Ok(b) => b,
                        Err(e) => return Some((Err(e.into()), (pages, limit))),
                    },
                    None => batch,
                };
                let keep = (limit - seen).min(batch.num_rows());
                Some((Ok(batch.slice(0, keep)), (pages, seen + keep)))
            }
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            limited,
        )))
    }
}
