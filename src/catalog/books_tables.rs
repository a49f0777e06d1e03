//! The Zoho Books tables, one [`TableSpec`] entry each: name, description, columns and the
//! request that reads the rows.
//!
//! `sys_tables`, `sys_tablecolumns`, the key tables and the engine's catalog pick an entry up by
//! themselves. Column lists come from the `books` module that converts the rows, so the schema a
//! table declares and the batches it returns cannot drift apart.

use std::sync::LazyLock;

use futures::StreamExt;

use super::{BooksSource, ColumnSpec, TableSource, TableSpec};
use crate::books::{BooksClient, organizations};

/// The Zoho Books tables, in display order.
pub static BOOKS_TABLES: LazyLock<Vec<TableSpec>> = LazyLock::new(|| {
    vec![TableSpec {
        name: "Organizations",
        description: "The Zoho Books organizations the user belongs to (GET /organizations).",
        columns: organizations::COLUMNS
            .iter()
            .map(|c| ColumnSpec {
                name: c.name,
                data_type: c.kind.data_type(),
                description: c.description,
                key: c.name == "OrganizationId",
            })
            .collect::<Vec<_>>()
            .leak(),
        source: TableSource::Books(BooksSource {
            path: "/organizations",
            read: |client: BooksClient| {
                futures::stream::once(async move {
                    let rows = client.organizations().await?;
                    organizations::to_record_batch(&rows)
                })
                .boxed()
            },
        }),
    }]
});
