//! The catalog as DataFusion sees it: one schema whose tables are table providers built from
//! the [`TableSpec`] entries, resolved case-insensitively.
//!
//! * System tables build their one batch in memory when scanned.
//! * Books tables return a `ZohoBooksScan` (`books::scan`), which sends its requests only when
//!   its stream is polled (planning does no I/O), yields a batch per page as it arrives, and
//!   prints its requests in `EXPLAIN`. WHERE predicates Zoho can filter on are pushed into it
//!   (Inexact: the engine filters again).

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::catalog::{SchemaProvider, Session, TableProvider};
use datafusion::datasource::TableType;
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;

use super::books::pushdown::{Pushed, translate};
use super::books::scan::{BooksScanExec, ScanSettings};
use super::system_tables::build;
use super::{TableSource, TableSpec, visible_tables};
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

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|f| match &self.spec.source {
                TableSource::Books(table) if translate(table, f).is_some() => {
                    TableProviderFilterPushDown::Inexact
                }
                _ => TableProviderFilterPushDown::Unsupported,
            })
            .collect())
    }

    async fn scan(
        &self,
        _state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
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
            TableSource::Books(table) => Ok(Arc::new(BooksScanExec::new(
                table,
                self.books.clone(),
                projection,
                ScanSettings {
                    pushed: Pushed::from_filters(table, filters),
                    detail_limit: self.config.detail_fetch_limit(),
                },
                limit,
            ))),
        }
    }
}

/// Wraps one of our errors for the engine; [`crate::sql::session`] unwraps it again.
pub(crate) fn engine_error(error: crate::Error) -> DataFusionError {
    DataFusionError::External(Box::new(error))
}
