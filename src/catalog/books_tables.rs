//! The registry of Zoho Books tables.
//!
//! Empty until the Books REST client exists. Adding a table is one entry here (name,
//! description, columns with their Arrow types) plus one arm in the connection's `scan` that
//! fetches its rows; `sys_tables` and `sys_tablecolumns` pick the entry up by themselves.
//!
//! ```text
//! TableSpec {
//!     name: "Organizations",
//!     description: "The organizations the user belongs to.",
//!     columns: &[
//!         ColumnSpec { name: "OrganizationId", data_type: DataType::Utf8, description: "..." },
//!         ColumnSpec { name: "Name", data_type: DataType::Utf8, description: "..." },
//!     ],
//! },
//! ```

use super::TableSpec;

/// The Zoho Books tables, in display order.
pub static BOOKS_TABLES: &[TableSpec] = &[];
