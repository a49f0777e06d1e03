//! The scan of a Books table as an execution plan node: the requests it will send (shown in
//! `EXPLAIN`), sent only when its stream is polled, one batch per page or per parent record.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::expressions::{Column, DynamicFilterPhysicalExpr};
use datafusion::physical_expr::utils::collect_columns;
use datafusion::physical_expr::{
    EquivalenceProperties, LexOrdering, PhysicalExpr, PhysicalSortExpr,
};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::filter_pushdown::{
    ChildPushdownResult, FilterPushdownPhase, FilterPushdownPropagation, PushedDown,
};
use datafusion::physical_plan::sort_pushdown::SortOrderPushdownResult;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
    SendableRecordBatchStream,
};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use super::pushdown::Pushed;
use super::{BooksTable, PerParentRead, Shape};
use crate::arrow::array::RecordBatch;
use crate::arrow::datatypes::{Field, Schema, SchemaRef};
use crate::books::BooksClient;
use crate::books::client::{JsonObject, Page, StatementStats};
use crate::books::convert::{self, WireColumn};
use crate::catalog::provider::engine_error;
use crate::error::{Error, Result};

/// Pages read for one request before the scan gives up (1,000,000 records at 200 a page).
pub(crate) const MAX_PAGES: u32 = 5_000;
/// Row estimates for the join planner (Inexact): a list table, a per-parent table.
const LIST_ROWS_GUESS: usize = 10_000;
const PER_PARENT_ROWS_GUESS: usize = 100_000;
/// Parent records fetched at once by a per-parent scan.
const DETAIL_CONCURRENCY: usize = 4;

/// What the scan will do, fixed at planning time.
#[derive(Debug, Clone)]
pub(crate) struct ScanSettings {
    /// Pushed filters.
    pub(crate) pushed: Pushed,
    /// `DetailFetchLimit`.
    pub(crate) detail_limit: u64,
}

/// The scan node.
pub(crate) struct BooksScanExec {
    table: &'static BooksTable,
    client: BooksClient,
    /// Indices into the table's columns, in output order.
    projection: Vec<usize>,
    schema: SchemaRef,
    settings: ScanSettings,
    /// `sort_column` and whether descending, when the engine handed the sort to Zoho.
    sort: Option<(&'static str, bool)>,
    limit: Option<usize>,
    /// Run-time filters on the parent key that a join hands down (the keys its other side
    /// found): a per-parent scan reads only the parents they allow.
    key_filters: Vec<Arc<dyn PhysicalExpr>>,
    properties: Arc<PlanProperties>,
}

impl BooksScanExec {
    pub(crate) fn new(
        table: &'static BooksTable,
        client: BooksClient,
        projection: Option<&Vec<usize>>,
        settings: ScanSettings,
        limit: Option<usize>,
    ) -> BooksScanExec {
        let projection: Vec<usize> = match projection {
            Some(p) => p.clone(),
            None => (0..table.columns.len()).collect(),
        };
        let schema = Arc::new(Schema::new(
            projection
                .iter()
                .map(|&i| {
                    let c = &table.columns[i];
                    Field::new(c.name.as_str(), c.kind.data_type(), true)
                })
                .collect::<Vec<_>>(),
        ));
        let properties = properties(EquivalenceProperties::new(schema.clone()));
        BooksScanExec {
            table,
            client,
            projection,
            schema,
            settings,
            sort: None,
            limit,
            key_filters: Vec::new(),
            properties,
        }
    }

    fn copy(&self) -> BooksScanExec {
        BooksScanExec {
            table: self.table,
            client: self.client.clone(),
            projection: self.projection.clone(),
            schema: self.schema.clone(),
            settings: self.settings.clone(),
            sort: self.sort,
            limit: self.limit,
            key_filters: self.key_filters.clone(),
            properties: self.properties.clone(),
        }
    }

    /// The position of the parent key column in the output, for per-parent tables.
    fn key_position(&self) -> Option<usize> {
        match self.table.shape {
            Shape::PerParent { .. } => self.projection.iter().position(|&i| i == 0),
            Shape::List { .. } => None,
        }
    }

    /// The query parameters of each list request (one set, or one per fanned-out value).
    fn request_params(&self) -> Vec<Vec<(String, String)>> {
        let mut base: Vec<(String, String)> = self
            .table
            .fixed_params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        base.extend(self.settings.pushed.params.iter().cloned());
        if let Some((column, descending)) = self.sort {
            base.push(("sort_column".into(), column.into()));
            base.push((
                "sort_order".into(),
                if descending { "D" } else { "A" }.into(),
            ));
        }
        match &self.settings.pushed.fan_out {
            None => vec![base],
            Some((name, values)) => values
                .iter()
                .map(|v| {
                    let mut set = base.clone();
                    set.push((name.clone(), v.clone()));
                    set
                })
                .collect(),
        }
    }
}

fn properties(eq: EquivalenceProperties) -> Arc<PlanProperties> {
    Arc::new(PlanProperties::new(
        eq,
        Partitioning::UnknownPartitioning(1),
        EmissionType::Incremental,
        Boundedness::Bounded,
    ))
}

fn query_text(params: &[(String, String)]) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        out.append_pair(k, v);
    }
    out.finish()
}

impl fmt::Debug for BooksScanExec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BooksScanExec")
            .field("table", &self.table.name)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl DisplayAs for BooksScanExec {
    fn fmt_as(&self, _format: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ZohoBooksScan: table={}, ", self.table.name)?;
        match self.table.shape {
            Shape::List { path, .. } => {
                let requests: Vec<String> = self
                    .request_params()
                    .iter()
                    .map(|p| {
                        let q = query_text(p);
                        if q.is_empty() {
                            format!("GET {path}")
                        } else {
                            format!("GET {path}?{q}")
                        }
                    })
                    .collect();
                if requests.len() == 1 {
                    write!(f, "request={}", requests[0])?;
                } else {
                    write!(f, "requests=[{}]", requests.join(", "))?;
                }
            }
            Shape::PerParent { parent, .. } => {
                write!(f, "request=GET {} for ", self.table.path_display())?;
                match &self.settings.pushed.parent_keys {
                    Some(keys) => {
                        write!(f, "{} IN ({})", self.table.columns[0].name, keys.join(", "))?
                    }
                    None => write!(
                        f,
                        "each record of GET {} that a join lets through (at most DetailFetchLimit={})",
                        parent.list_path, self.settings.detail_limit
                    )?,
                }
            }
        }
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

    /// The run-time key filters it holds (a join checks that its filter has a consumer).
    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        for filter in &self.key_filters {
            if f(filter)? == TreeNodeRecursion::Stop {
                return Ok(TreeNodeRecursion::Stop);
            }
        }
        Ok(TreeNodeRecursion::Continue)
    }

    /// Keeps the filters a parent pushes that read only the parent key (a hash join's
    /// run-time filter of `li.InvoiceId = i.InvoiceId`); it answers "not applied", so the
    /// parent still filters every row: the scan only uses them to skip parents.
    fn handle_child_pushdown_result(
        &self,
        _phase: FilterPushdownPhase,
        child_pushdown_result: ChildPushdownResult,
        _config: &ConfigOptions,
    ) -> DfResult<FilterPushdownPropagation<Arc<dyn ExecutionPlan>>> {
        let filters = child_pushdown_result.parent_filters;
        let answers = vec![PushedDown::No; filters.len()];
        let Some(key) = self.key_position() else {
            return Ok(FilterPushdownPropagation {
                filters: answers,
                updated_node: None,
            });
        };
        let kept: Vec<Arc<dyn PhysicalExpr>> = filters
            .into_iter()
            .map(|f| f.filter)
            .filter(|f| {
                let columns = collect_columns(f);
                !columns.is_empty() && columns.iter().all(|c| c.index() == key)
            })
            .collect();
        if kept.is_empty() {
            return Ok(FilterPushdownPropagation {
                filters: answers,
                updated_node: None,
            });
        }
        let mut copy = self.copy();
        copy.key_filters.extend(kept);
        Ok(FilterPushdownPropagation {
            filters: answers,
            updated_node: Some(Arc::new(copy)),
        })
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

    /// A rough size, only so that joins put a per-parent table (one request per parent
    /// record) on the side that probes: its parents are then known before it is read.
    fn statistics_from_inputs(
        &self,
        _input_stats: &[Arc<datafusion::common::Statistics>],
        _args: &datafusion::physical_plan::StatisticsArgs,
    ) -> DfResult<Arc<datafusion::common::Statistics>> {
        use datafusion::common::stats::Precision;
        let guess = match self.table.shape {
            Shape::List { .. } => LIST_ROWS_GUESS,
            Shape::PerParent { .. } => PER_PARENT_ROWS_GUESS,
        };
        let rows = self.limit.map_or(guess, |l| l.min(guess));
        let mut stats = datafusion::common::Statistics::new_unknown(&self.schema);
        stats.num_rows = Precision::Inexact(rows);
        Ok(Arc::new(stats))
    }

    fn with_fetch(&self, limit: Option<usize>) -> Option<Arc<dyn ExecutionPlan>> {
        let mut copy = self.copy();
        copy.limit = match (self.limit, limit) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Some(Arc::new(copy))
    }

    fn fetch(&self) -> Option<usize> {
        self.limit
    }

    /// `ORDER BY` one sortable column of a list table: Zoho sorts (`sort_column`,
    /// `sort_order`), the engine's sort goes, and a `LIMIT` then stops the paging.
    fn try_pushdown_sort(
        &self,
        order: &[PhysicalSortExpr],
    ) -> DfResult<SortOrderPushdownResult<Arc<dyn ExecutionPlan>>> {
        let [sort] = order else {
            return Ok(SortOrderPushdownResult::Unsupported);
        };
        let Some(column) = sort.expr.downcast_ref::<Column>() else {
            return Ok(SortOrderPushdownResult::Unsupported);
        };
        let Some(&index) = self.projection.get(column.index()) else {
            return Ok(SortOrderPushdownResult::Unsupported);
        };
        let spec = &self.table.columns[index];
        let sortable = matches!(self.table.shape, Shape::List { .. })
            && self.settings.pushed.fan_out.is_none()
            && self.sort.is_none();
        let (Some(value), true) = (spec.sort, sortable) else {
            return Ok(SortOrderPushdownResult::Unsupported);
        };
        let mut copy = self.copy();
        copy.sort = Some((value, sort.options.descending));
        let mut eq = EquivalenceProperties::new(self.schema.clone());
        if let Some(ordering) = LexOrdering::new(vec![sort.clone()]) {
            eq.add_ordering(ordering);
        }
        copy.properties = properties(eq);
        Ok(SortOrderPushdownResult::Exact {
            inner: Arc::new(copy),
        })
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> DfResult<SendableRecordBatchStream> {
        if partition != 0 {
            return Err(DataFusionError::Internal(format!(
                "ZohoBooksScan has one partition, asked for {partition}"
            )));
        }
        let stats = context
            .session_config()
            .get_extension::<StatementStats>()
            .unwrap_or_default();
        let reader = Reader {
            table: self.table,
            client: self.client.with_stats(stats.clone()),
            stats,
            columns: self
                .projection
                .iter()
                .map(|&i| self.table.columns[i].wire())
                .collect(),
            schema: self.schema.clone(),
            warned: Arc::new(std::sync::Mutex::new(HashSet::new())),
        };
        let limit = self.limit.unwrap_or(usize::MAX);
        let batches = match self.table.shape {
            Shape::List {
                path,
                array_key,
                per_organization,
            } => reader.list(
                path,
                array_key,
                per_organization,
                self.request_params(),
                limit,
            ),
            Shape::PerParent { parent, read } => reader.per_parent(
                parent,
                read,
                self.settings.pushed.parent_keys.clone(),
                KeyFilters {
                    filters: self.key_filters.clone(),
                    position: self.key_position().unwrap_or(0),
                },
                self.settings.detail_limit,
            ),
        };
        // At the limit, stop before asking for more.
        let limited = batches
            .scan(0usize, move |seen, batch| {
                let out = if *seen >= limit {
                    None
                } else {
                    Some(batch.map(|b| {
                        let keep = (limit - *seen).min(b.num_rows());
                        *seen += keep;
                        b.slice(0, keep)
                    }))
                };
                futures::future::ready(out)
            })
            .map_err(engine_error);
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            limited,
        )))
    }
}

/// What a running scan needs.
#[derive(Clone)]
struct Reader {
    table: &'static BooksTable,
    client: BooksClient,
    stats: Arc<StatementStats>,
    columns: Vec<WireColumn>,
    schema: SchemaRef,
    /// Columns already warned about in this scan.
    warned: Arc<std::sync::Mutex<HashSet<usize>>>,
}

impl Reader {
    fn batch(&self, records: &[JsonObject], parent: Option<&str>) -> Result<RecordBatch> {
        let refs: Vec<&JsonObject> = records.iter().collect();
        self.batch_of(&refs, parent)
    }

    fn batch_of(&self, records: &[&JsonObject], parent: Option<&str>) -> Result<RecordBatch> {
        let (batch, misfits) = convert::to_batch(&self.schema, &self.columns, records, parent)?;
        for (column, count, example) in misfits.entries() {
            let first = self
                .warned
                .lock()
                .map(|mut w| w.insert(*column))
                .unwrap_or(false);
            if first {
                let field = self.schema.field(*column);
                self.stats.warn(format!(
                    "{}.{}: {count} value(s) in a page did not fit {} (e.g. {example}) and read as NULL",
                    self.table.name,
                    field.name(),
                    field.data_type()
                ));
            }
        }
        Ok(batch)
    }

    async fn query(
        &self,
        per_organization: bool,
        params: &[(String, String)],
    ) -> Result<Vec<(String, String)>> {
        let mut query = Vec::with_capacity(params.len() + 1);
        if per_organization {
            query.push((
                "organization_id".to_owned(),
                self.client.organization_id().await?,
            ));
        }
        query.extend(params.iter().cloned());
        Ok(query)
    }

    /// Every page of every request, one batch per page, stopping once `limit` rows came.
    ///
    /// While the engine consumes page N, page N+1 is already being fetched and converted (one
    /// page ahead, on the runtime's other worker when there is one); dropping the stream
    /// cancels that fetch.
    fn list(
        self,
        path: &'static str,
        key: &'static str,
        per_organization: bool,
        requests: Vec<Vec<(String, String)>>,
        limit: usize,
    ) -> BoxStream<'static, Result<RecordBatch>> {
        stream::iter(requests)
            .map(move |params| {
                let reader = self.clone();
                let params = Arc::new(params);
                let fetch = move |page: u32| {
                    let reader = reader.clone();
                    let params = params.clone();
                    Prefetch::start(async move {
                        reader
                            .fetch_page(path, key, per_organization, &params, page)
                            .await
                    })
                };
                stream::try_unfold(
                    (1u32, 0usize, Some(fetch(1)), fetch),
                    move |(page, seen, pending, fetch)| async move {
                        let Some(pending) = pending else {
                            return Ok(None);
                        };
                        let (batch, has_more) = pending.finish().await?;
                        let seen = seen + batch.num_rows();
                        let next = if has_more && seen < limit {
                            Some(fetch(page + 1))
                        } else {
                            None
                        };
                        Ok(Some((batch, (page + 1, seen, next, fetch))))
                    },
                )
            })
            .flatten()
            .boxed()
    }

    /// One page as a batch, and whether Zoho has more.
    async fn fetch_page(
        &self,
        path: &'static str,
        key: &'static str,
        per_organization: bool,
        params: &[(String, String)],
        page: u32,
    ) -> Result<(RecordBatch, bool)> {
        if page > MAX_PAGES {
            return Err(Error::ScanStopped {
                table: self.table.name.to_owned(),
                reason: format!(
                    "Zoho still had more after {MAX_PAGES} pages ({} rows); narrow the query with WHERE on a filterable column (docs/tables.md)",
                    u64::from(MAX_PAGES) * 200
                ),
            });
        }
        let query = self.query(per_organization, params).await?;
        let pairs: Vec<(&str, &str)> = query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let Page { records, has_more } = self.client.page(path, key, &pairs, page).await?;
        Ok((self.batch(&records, None)?, has_more))
    }

    /// The records under each parent key: the named keys, or every key of the parent list
    /// when their count is within `detail_limit` (checked before any per-record call).
    fn per_parent(
        self,
        parent: super::Parent,
        read: PerParentRead,
        keys: Option<Vec<String>>,
        key_filters: KeyFilters,
        detail_limit: u64,
    ) -> BoxStream<'static, Result<RecordBatch>> {
        let table = self.table;
        let key_column = table.columns[0].name.clone();
        let lister = self.clone();
        let keys = async move {
            let keys = match keys {
                Some(keys) => keys,
                None => {
                    // A join's keys, when it has them as a list, spare the parent listing.
                    let snapshot = key_filters.snapshot().await?;
                    match snapshot.as_ref().and_then(|s| literal_keys(s)) {
                        Some(keys) => keys,
                        None => {
                            let all = lister.parent_keys(parent).await?;
                            match snapshot {
                                Some(s) => key_filters.keep(&lister.schema, &s, all)?,
                                None => all,
                            }
                        }
                    }
                }
            };
            if keys.len() as u64 > detail_limit {
                return Err(Error::DetailFetchLimit {
                    table: table.name.to_owned(),
                    parent: parent.table.to_owned(),
                    key: key_column,
                    records: keys.len() as u64,
                    limit: detail_limit,
                });
            }
            Ok(keys)
        };
        stream::once(keys)
            .map_ok(move |keys| {
                let reader = self.clone();
                stream::iter(keys)
                    .map(move |key| {
                        let reader = reader.clone();
                        async move { reader.one_parent(read, key).await }
                    })
                    .buffered(DETAIL_CONCURRENCY)
            })
            .try_flatten()
            .boxed()
    }

    async fn parent_keys(&self, parent: super::Parent) -> Result<Vec<String>> {
        let query = self.query(true, &[]).await?;
        let pairs: Vec<(&str, &str)> = query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut keys = Vec::new();
        let mut page = 1;
        loop {
            let Page { records, has_more } = self
                .client
                .page(parent.list_path, parent.list_key, &pairs, page)
                .await?;
            keys.extend(records.iter().filter_map(|r| match r.get(parent.id_field) {
                Some(serde_json::Value::String(s)) => Some(s.clone()),
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                _ => None,
            }));
            if !has_more {
                return Ok(keys);
            }
            if page >= MAX_PAGES {
                return Err(Error::ScanStopped {
                    table: parent.table.to_owned(),
                    reason: format!("more than {MAX_PAGES} pages of parent records"),
                });
            }
            page += 1;
        }
    }

    async fn one_parent(&self, read: PerParentRead, key: String) -> Result<RecordBatch> {
        // A key is one path segment: anything else cannot name a record.
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Ok(RecordBatch::new_empty(self.schema.clone()));
        }
        let query = self.query(true, &[]).await?;
        let pairs: Vec<(&str, &str)> = query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let fetched = match read {
            PerParentRead::Object { path, object_key } => self
                .object(&format!("{path}/{key}"), object_key, &pairs)
                .await?
                .map(|o| vec![o]),
            PerParentRead::ObjectArray {
                path,
                object_key,
                array_field,
            } => self
                .object(&format!("{path}/{key}"), object_key, &pairs)
                .await?
                .map(|mut o| match o.remove(array_field) {
                    Some(serde_json::Value::Array(items)) => items
                        .into_iter()
                        .filter_map(|i| match i {
                            serde_json::Value::Object(o) => Some(o),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                }),
            PerParentRead::Array {
                prefix,
                suffix,
                array_key,
            } => {
                let path = format!("{prefix}/{key}{suffix}");
                match self.client.page(&path, array_key, &pairs, 1).await {
                    Ok(page) => Some(page.records),
                    Err(Error::Api { status: 404, .. }) => None,
                    Err(e) => return Err(e),
                }
            }
        };
        match fetched {
            Some(records) => self.batch(&records, Some(&key)),
            None => Ok(RecordBatch::new_empty(self.schema.clone())),
        }
    }

    /// A detail object, or `None` when Zoho says there is no such record (404).
    async fn object(
        &self,
        path: &str,
        key: &str,
        query: &[(&str, &str)],
    ) -> Result<Option<JsonObject>> {
        match self.client.object(path, key, query).await {
            Ok(o) => Ok(Some(o)),
            Err(Error::Api { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A page being fetched: spawned on the current tokio runtime when there is one (so it runs
/// while the previous page is consumed), aborted when dropped; run in place otherwise.
enum Prefetch {
    Spawned(tokio::task::JoinHandle<Result<(RecordBatch, bool)>>),
    Inline(futures::future::BoxFuture<'static, Result<(RecordBatch, bool)>>),
}

impl Prefetch {
    fn start(
        fetch: impl std::future::Future<Output = Result<(RecordBatch, bool)>> + Send + 'static,
    ) -> Prefetch {
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => Prefetch::Spawned(handle.spawn(fetch)),
            Err(_) => Prefetch::Inline(Box::pin(fetch)),
        }
    }

    async fn finish(mut self) -> Result<(RecordBatch, bool)> {
        match &mut self {
            Prefetch::Spawned(handle) => handle.await.map_err(|e| Error::Engine {
                message: format!("a page fetch stopped: {e}"),
            })?,
            Prefetch::Inline(fetch) => fetch.await,
        }
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        if let Prefetch::Spawned(handle) = self {
            handle.abort();
        }
    }
}

/// The run-time filters on a per-parent scan's key and where the key is in its output.
struct KeyFilters {
    filters: Vec<Arc<dyn PhysicalExpr>>,
    position: usize,
}

impl KeyFilters {
    /// The filters as they stand once their producers are done (a join's build side is
    /// complete before the probe side is polled), combined with AND; `None` without filters.
    async fn snapshot(&self) -> Result<Option<Vec<Arc<dyn PhysicalExpr>>>> {
        if self.filters.is_empty() {
            return Ok(None);
        }
        let mut current = Vec::with_capacity(self.filters.len());
        for filter in &self.filters {
            if let Some(dynamic) = filter.downcast_ref::<DynamicFilterPhysicalExpr>() {
                dynamic.wait_complete().await;
                current.push(dynamic.current().map_err(engine_to_ours)?);
            } else {
                current.push(filter.clone());
            }
        }
        Ok(Some(current))
    }

    /// The keys among `keys` that every filter lets through.
    fn keep(
        &self,
        schema: &SchemaRef,
        filters: &[Arc<dyn PhysicalExpr>],
        keys: Vec<String>,
    ) -> Result<Vec<String>> {
        use crate::arrow::array::{Array, AsArray, StringArray, new_null_array};
        let columns: Vec<crate::arrow::array::ArrayRef> = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| {
                if i == self.position {
                    Arc::new(StringArray::from(keys.clone())) as _
                } else {
                    new_null_array(f.data_type(), keys.len())
                }
            })
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), columns).map_err(|e| Error::Engine {
            message: format!("checking parent keys: {e}"),
        })?;
        let mut allowed = vec![true; keys.len()];
        for filter in filters {
            let verdict = filter
                .evaluate(&batch)
                .and_then(|v| v.into_array(keys.len()))
                .map_err(engine_to_ours)?;
            let Some(verdict) = verdict.as_boolean_opt() else {
                continue;
            };
            for (i, ok) in allowed.iter_mut().enumerate() {
                *ok &= verdict.is_valid(i) && verdict.value(i);
            }
        }
        Ok(keys
            .into_iter()
            .zip(allowed)
            .filter_map(|(k, ok)| ok.then_some(k))
            .collect())
    }
}

/// The keys of a filter that is a list of literal keys (`key IN ('a', 'b')`, `key = 'a'`,
/// `false` for an empty join side); `None` for anything else (bounds, hash lookups).
fn literal_keys(filters: &[Arc<dyn PhysicalExpr>]) -> Option<Vec<String>> {
    use datafusion::physical_expr::expressions::{BinaryExpr, InListExpr, Literal};
    fn literal_text(e: &Arc<dyn PhysicalExpr>) -> Option<String> {
        let lit = e.downcast_ref::<Literal>()?;
        match lit.value() {
            datafusion::common::ScalarValue::Utf8(Some(s))
            | datafusion::common::ScalarValue::Utf8View(Some(s))
            | datafusion::common::ScalarValue::LargeUtf8(Some(s)) => Some(s.clone()),
            _ => None,
        }
    }
    for filter in filters {
        if let Some(lit) = filter.downcast_ref::<Literal>()
            && lit.value() == &datafusion::common::ScalarValue::Boolean(Some(false))
        {
            return Some(Vec::new());
        }
        if let Some(list) = filter.downcast_ref::<InListExpr>()
            && !list.negated()
        {
            let keys: Option<Vec<String>> = list.list().iter().map(literal_text).collect();
            if let Some(keys) = keys {
                return Some(keys);
            }
        }
        if let Some(binary) = filter.downcast_ref::<BinaryExpr>()
            && *binary.op() == datafusion::logical_expr::Operator::Eq
            && let Some(key) = literal_text(binary.right()).or_else(|| literal_text(binary.left()))
        {
            return Some(vec![key]);
        }
    }
    None
}

fn engine_to_ours(e: DataFusionError) -> Error {
    Error::Engine {
        message: e.to_string(),
    }
}
