//! What a statement returns: a [`BatchStream`] of Arrow record batches as they are produced, or
//! a [`ResultSet`] holding all of them.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::{Stream, StreamExt};

use crate::arrow::array::{ArrayRef, RecordBatch, StringArray};
use crate::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use crate::arrow::util::display::array_value_to_string;

use crate::error::Result;

/// The rows a statement returned: an Arrow schema and zero or more record batches.
///
/// Use the accessors for quick looks (`value(row, "Column")`), or take the batches to hand them
/// to any Arrow consumer. `arrow` is re-exported as [`crate::arrow`] so the versions match.
///
/// `Debug` shows the columns and the row count, never the values (procedure results carry
/// tokens); `Display` prints the values as a table.
///
/// ```
/// use zohobooks_sql::ResultSet;
///
/// let rs = ResultSet::from_utf8_row(&["URL"], vec![Some("https://example".into())])?;
/// assert_eq!(rs.column_names(), ["URL"]);
/// assert_eq!(rs.num_rows(), 1);
/// assert_eq!(rs.value(0, "url").as_deref(), Some("https://example"));
/// # Ok::<(), zohobooks_sql::Error>(())
/// ```
#[derive(Clone)]
pub struct ResultSet {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl ResultSet {
    /// A result set from a schema and batches that all have that schema.
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        ResultSet { schema, batches }
    }

    /// A one-row result whose columns are all Utf8 (the shape of every CData procedure result).
    pub fn from_utf8_row(columns: &[&str], values: Vec<Option<String>>) -> Result<Self> {
        let schema = Arc::new(Schema::new(
            columns
                .iter()
                .map(|c| Field::new(*c, DataType::Utf8, true))
                .collect::<Vec<_>>(),
        ));
        let arrays = values
            .into_iter()
            .map(|v| Arc::new(StringArray::from(vec![v])) as ArrayRef)
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), arrays)?;
        Ok(ResultSet::new(schema, vec![batch]))
    }

    /// The Arrow schema.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The record batches.
    pub fn batches(&self) -> &[RecordBatch] {
        &self.batches
    }

    /// Takes the record batches.
    pub fn into_batches(self) -> Vec<RecordBatch> {
        self.batches
    }

    /// The column names in order.
    pub fn column_names(&self) -> Vec<&str> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect()
    }

    /// The number of columns.
    pub fn num_columns(&self) -> usize {
        self.schema.fields().len()
    }

    /// The number of rows over all batches.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.num_rows() == 0
    }

    /// The index of a column: an exact match first, else a case-insensitive one.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        let fields = self.schema.fields();
        fields.iter().position(|f| f.name() == name).or_else(|| {
            fields
                .iter()
                .position(|f| f.name().eq_ignore_ascii_case(name))
        })
    }

    /// The value at `row` (0-based over all batches) in column `column`, formatted as text;
    /// `None` for NULL, an unknown column or a row out of range.
    pub fn value(&self, row: usize, column: &str) -> Option<String> {
        let index = self.column_index(column)?;
        self.value_at(row, index)
    }

    /// The value at `row` in the column at `index`, formatted as text; `None` for NULL or out of range.
    pub fn value_at(&self, mut row: usize, index: usize) -> Option<String> {
        for batch in &self.batches {
            if row < batch.num_rows() {
                let array = batch.columns().get(index)?;
                if array.is_null(row) {
                    return None;
                }
                return array_value_to_string(array, row).ok();
            }
            row -= batch.num_rows();
        }
        None
    }

    /// Every row as text values (`None` for NULL).
    pub fn rows(&self) -> Vec<Vec<Option<String>>> {
        (0..self.num_rows())
            .map(|r| {
                (0..self.num_columns())
                    .map(|c| self.value_at(r, c))
                    .collect()
            })
            .collect()
    }

    /// The values as a text table (arrow's pretty printer).
    pub fn to_table_string(&self) -> Result<String> {
        if self.batches.is_empty() {
            let empty = RecordBatch::new_empty(self.schema.clone());
            return Ok(crate::arrow::util::pretty::pretty_format_batches(&[empty])?.to_string());
        }
        Ok(crate::arrow::util::pretty::pretty_format_batches(&self.batches)?.to_string())
    }
}

/// The record batches of a statement, produced as they are polled: a query's rows arrive page
/// by page from Zoho, so memory stays bounded by a batch, not by the result. The schema is
/// known before the first batch.
///
/// `Stream<Item = Result<RecordBatch>>` for async callers; [`crate::blocking::Connection`]
/// offers the same as an iterator. Dropping the stream stops the query (no further pages are
/// requested).
pub struct BatchStream {
    schema: SchemaRef,
    batches: Pin<Box<dyn Stream<Item = Result<RecordBatch>> + Send>>,
    stats: Arc<crate::books::StatementStats>,
}

impl BatchStream {
    /// A stream of batches that all have `schema`.
    pub fn new(
        schema: SchemaRef,
        batches: impl Stream<Item = Result<RecordBatch>> + Send + 'static,
    ) -> Self {
        BatchStream {
            schema,
            batches: Box::pin(batches),
            stats: Arc::default(),
        }
    }

    /// The same stream, reporting into `stats`.
    pub(crate) fn with_stats(mut self, stats: Arc<crate::books::StatementStats>) -> Self {
        self.stats = stats;
        self
    }

    /// How many Zoho Books API calls the statement has made so far, and the warnings it
    /// raised (values that did not fit their column): complete once the stream has ended.
    pub fn stats(&self) -> Arc<crate::books::StatementStats> {
        self.stats.clone()
    }

    /// The stream of a result that is already complete.
    pub fn from_result_set(result: ResultSet) -> Self {
        let schema = result.schema();
        BatchStream::new(
            schema,
            futures::stream::iter(result.into_batches().into_iter().map(Ok)),
        )
    }

    /// The Arrow schema of every batch.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Reads every batch into a [`ResultSet`].
    pub async fn collect(mut self) -> Result<ResultSet> {
        let mut batches = Vec::new();
        while let Some(batch) = self.batches.next().await {
            let batch = batch?;
            if batch.num_rows() > 0 {
                batches.push(batch);
            }
        }
        Ok(ResultSet::new(self.schema, batches))
    }
}

impl Stream for BatchStream {
    type Item = Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.batches.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for BatchStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let columns: Vec<&str> = self
            .schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        f.debug_struct("BatchStream")
            .field("columns", &columns)
            .finish()
    }
}

impl fmt::Debug for ResultSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResultSet")
            .field("columns", &self.column_names())
            .field("rows", &self.num_rows())
            .finish()
    }
}

impl fmt::Display for ResultSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_table_string() {
            Ok(s) => f.write_str(&s),
            Err(_) => Err(fmt::Error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrow::array::{BooleanArray, Int64Array};

    #[test]
    fn accessors_span_batches_and_nulls() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("Name", DataType::Utf8, true),
            Field::new("N", DataType::Int64, true),
            Field::new("B", DataType::Boolean, true),
        ]));
        let b1 = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec![Some("a"), None])),
                Arc::new(Int64Array::from(vec![1, 2])),
                Arc::new(BooleanArray::from(vec![true, false])),
            ],
        )
        .unwrap();
        let b2 = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec!["c"])),
                Arc::new(Int64Array::from(vec![3])),
                Arc::new(BooleanArray::from(vec![None])),
            ],
        )
        .unwrap();
        let rs = ResultSet::new(schema, vec![b1, b2]);
        assert_eq!(rs.num_rows(), 3);
        assert_eq!(rs.value(0, "Name").as_deref(), Some("a"));
        assert_eq!(rs.value(1, "name"), None);
        assert_eq!(rs.value(2, "N").as_deref(), Some("3"));
        assert_eq!(rs.value(1, "B").as_deref(), Some("false"));
        assert_eq!(rs.value(3, "N"), None);
        assert_eq!(rs.value(0, "Nope"), None);
        assert_eq!(
            format!("{rs:?}"),
            r#"ResultSet { columns: ["Name", "N", "B"], rows: 3 }"#
        );
        assert!(rs.to_string().contains("| a    | 1 | true  |"), "{rs}");
    }
}
