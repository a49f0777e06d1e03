//! The registry of Zoho Books tables.
//!
//! Adding a table is one entry here (name, description, columns with their Arrow types) plus one
//! arm in the connection's `scan` that fetches its rows; `sys_tables` and `sys_tablecolumns` pick
//! the entry up by themselves. Column lists come from the `books` module that converts the rows,
//! so the schema a table declares and the batches it returns cannot drift apart.

use std::sync::LazyLock;

use super::{ColumnSpec, TableSpec};
use crate::books::organizations;

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
            })
            .collect::<Vec<_>>()
            .leak(),
    }]
});
