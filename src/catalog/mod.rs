//! What the connector offers, and the code that runs it: stored procedures, system tables and
//! Zoho Books tables.
//!
//! * [`procedures`]: each procedure's parameters, result columns and runner, and the
//!   validation of calls.
//! * [`system_tables`]: the `sys_*` tables (CData's names and columns) describing the catalog
//!   and the connection.
//! * [`books`]: the Zoho Books tables as declarative specs (request, columns, filters, sorts),
//!   their filter pushdown and their scan.
//! * `provider`: the catalog as DataFusion sees it (a schema provider whose tables are table
//!   providers; the Books scan node that prints its request in `EXPLAIN`).
//!
//! Adding a table is adding a [`TableSpec`] entry; adding a procedure is adding a
//! [`procedures::ProcedureSpec`] entry with its runner. Nothing else changes.

pub mod books;
pub mod procedures;
pub(crate) mod provider;
pub mod system_tables;

use std::sync::Arc;

use std::sync::LazyLock;

use crate::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use crate::config::Config;
use books::BooksTable;

/// The catalog name that `sys_catalogs` lists and that qualified names may use
/// (`ZohoBooks.Books.Organizations`).
pub const CATALOG_NAME: &str = "ZohoBooks";
/// The one schema; every table is in it (`Books.Organizations`).
pub const SCHEMA_NAME: &str = "Books";

/// A table the connector can scan: its name, a description, its columns and where its rows
/// come from.
#[derive(Debug, Clone)]
pub struct TableSpec {
    /// The table name as shown (matched case-insensitively).
    pub name: &'static str,
    /// One-line description.
    pub description: &'static str,
    /// The columns, in order.
    pub columns: &'static [ColumnSpec],
    /// Where the rows come from.
    pub source: TableSource,
}

/// Where a table's rows come from.
#[derive(Clone)]
pub enum TableSource {
    /// Built in memory from the catalog and the connection's configuration (no I/O).
    System(fn(&Config) -> Vec<system_tables::Row>),
    /// Read from Zoho Books as its spec says.
    Books(&'static BooksTable),
}

impl std::fmt::Debug for TableSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TableSource::System(_) => f.write_str("System"),
            TableSource::Books(b) => write!(f, "Books(GET {})", b.path_display()),
        }
    }
}

/// One column of a [`TableSpec`].
#[derive(Debug, Clone)]
pub struct ColumnSpec {
    /// The column name as shown.
    pub name: &'static str,
    /// Its Arrow type.
    pub data_type: DataType,
    /// One-line description.
    pub description: &'static str,
    /// Whether it is (part of) the table's primary key.
    pub key: bool,
}

impl TableSpec {
    /// The Arrow schema of the table (every column nullable): what its provider returns.
    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns
                .iter()
                .map(|c| Field::new(c.name, c.data_type.clone(), true))
                .collect::<Vec<_>>(),
        ))
    }

    /// `SYSTEM TABLE` for the `sys_*` tables, `TABLE` for Books tables.
    pub fn table_type(&self) -> &'static str {
        match self.source {
            TableSource::System(_) => "SYSTEM TABLE",
            TableSource::Books(_) => "TABLE",
        }
    }
}

/// The Books tables as catalog entries, built once from their specs.
static BOOKS_TABLE_SPECS: LazyLock<Vec<TableSpec>> = LazyLock::new(|| {
    books::tables::BOOKS_TABLES
        .iter()
        .map(|table| TableSpec {
            name: table.name,
            description: table.description,
            columns: table
                .columns
                .iter()
                .map(|c| ColumnSpec {
                    name: String::leak(c.name.clone()),
                    data_type: c.kind.data_type(),
                    description: String::leak(c.description.clone()),
                    key: c.key,
                })
                .collect::<Vec<_>>()
                .leak(),
            source: TableSource::Books(table),
        })
        .collect()
});

/// Every table that exists: system tables first, then Books tables.
pub fn all_tables() -> impl Iterator<Item = &'static TableSpec> {
    system_tables::SYSTEM_TABLES
        .iter()
        .chain(BOOKS_TABLE_SPECS.iter())
}

/// The tables this connection lists and reads: every system table, and the Books tables that
/// the `Tables` property (when set) names.
pub fn visible_tables(config: &Config) -> impl Iterator<Item = &'static TableSpec> + '_ {
    let allowed = config.table_filter();
    all_tables().filter(move |t| match (&t.source, &allowed) {
        (TableSource::Books(_), Some(names)) => {
            names.iter().any(|n| n.eq_ignore_ascii_case(t.name))
        }
        _ => true,
    })
}

/// Looks a table up by name, case-insensitively.
pub fn find_table(name: &str) -> Option<&'static TableSpec> {
    all_tables().find(|t| t.name.eq_ignore_ascii_case(name))
}

/// The names of every table, for messages.
pub fn table_names() -> Vec<String> {
    all_tables().map(|t| t.name.to_owned()).collect()
}
