//! What the connector offers: stored procedures, system tables and (later) Zoho Books tables.
//!
//! * [`procedures`]: each procedure's parameters and result columns, and the validation of calls.
//! * [`system_tables`]: the `sys_*` tables describing the catalog and the connection.
//! * [`books_tables`]: the registry of Zoho Books tables (empty until the Books client lands).

pub mod books_tables;
pub mod procedures;
pub mod system_tables;

use arrow::datatypes::DataType;

/// A table the connector can scan: its name, a description and its columns.
#[derive(Debug, Clone)]
pub struct TableSpec {
    /// The table name as shown (matched case-insensitively).
    pub name: &'static str,
    /// One-line description.
    pub description: &'static str,
    /// The columns, in order.
    pub columns: &'static [ColumnSpec],
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
}

impl TableSpec {
    /// The Arrow schema of the table (every column nullable).
    pub fn schema(&self) -> arrow::datatypes::SchemaRef {
        std::sync::Arc::new(arrow::datatypes::Schema::new(
            self.columns
                .iter()
                .map(|c| arrow::datatypes::Field::new(c.name, c.data_type.clone(), true))
                .collect::<Vec<_>>(),
        ))
    }
}

/// Every table that `SELECT` can name: system tables first, then Books tables.
pub fn all_tables() -> impl Iterator<Item = (&'static TableSpec, &'static str)> {
    system_tables::SYSTEM_TABLES
        .iter()
        .map(|t| (t, "SYSTEM TABLE"))
        .chain(books_tables::BOOKS_TABLES.iter().map(|t| (t, "TABLE")))
}

/// Looks a table up by name, case-insensitively.
pub fn find_table(name: &str) -> Option<&'static TableSpec> {
    all_tables()
        .map(|(t, _)| t)
        .find(|t| t.name.eq_ignore_ascii_case(name))
}

/// The names of every table, for error messages.
pub fn table_names() -> Vec<String> {
    all_tables().map(|(t, _)| t.name.to_owned()).collect()
}
