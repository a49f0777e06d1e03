//! The system tables: the catalog and the connection, queryable with `SELECT`, with the names,
//! column order and types of CData's system tables (so tools written against CData work).
//!
//! | table | one row per |
//! |---|---|
//! | `sys_catalogs` | catalog (`ZohoBooks`) |
//! | `sys_schemas` | schema (`Books`) |
//! | `sys_tables` | table, system tables included |
//! | `sys_tablecolumns` | column of every table |
//! | `sys_procedures` | stored procedure |
//! | `sys_procedureparameters` | procedure input parameter (`Direction` 1) and result column (4) |
//! | `sys_keycolumns`, `sys_primarykeys` | primary-key column |
//! | `sys_foreignkeys` | foreign-key column (a child or details table's parent key) |
//! | `sys_indexes` | index column (each primary key is one) |
//! | `sys_connection_props` | connection property, with its value here (secrets masked) |
//! | `sys_sqlinfo` | SQL capability |
//! | `sys_identity` | record written by the last write (empty: the connector is read-only) |
//! | `sys_information` | the product (one row) |
//!
//! Each table is one [`TableSpec`] entry: its columns and the function that builds its rows.
//! The rows are checked against the columns when the batch is built.

use std::sync::Arc;

use crate::arrow::array::{
    ArrayRef, BooleanBuilder, Int16Builder, Int32Builder, RecordBatch, StringBuilder,
};
use crate::arrow::datatypes::DataType;

use super::procedures::PROCEDURES;
use super::{CATALOG_NAME, ColumnSpec, SCHEMA_NAME, TableSource, TableSpec, visible_tables};
use crate::config::{Config, PROPERTIES};
use crate::error::{Error, Result};

/// One value of a system-table row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A Utf8 value.
    Text(Option<String>),
    /// An Int32 value.
    Int(Option<i32>),
    /// An Int16 value.
    Small(Option<i16>),
    /// A Boolean value.
    Bool(Option<bool>),
}

/// One row of a system table, in column order.
pub type Row = Vec<Cell>;

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(Some(s.into()))
}
fn opt(s: Option<impl Into<String>>) -> Cell {
    Cell::Text(s.map(Into::into))
}
fn null() -> Cell {
    Cell::Text(None)
}
fn i(n: i32) -> Cell {
    Cell::Int(Some(n))
}
fn b(v: bool) -> Cell {
    Cell::Bool(Some(v))
}

const fn col(name: &'static str, data_type: DataType, description: &'static str) -> ColumnSpec {
    ColumnSpec {
        name,
        data_type,
        description,
        key: false,
    }
}
const fn text(name: &'static str, description: &'static str) -> ColumnSpec {
    col(name, DataType::Utf8, description)
}
const fn int(name: &'static str, description: &'static str) -> ColumnSpec {
    col(name, DataType::Int32, description)
}
const fn flag(name: &'static str, description: &'static str) -> ColumnSpec {
    col(name, DataType::Boolean, description)
}

const CATALOG: ColumnSpec = text("CatalogName", "The catalog's name.");
const SCHEMA: ColumnSpec = text("SchemaName", "The schema's name.");
const TABLE: ColumnSpec = text("TableName", "The table's name.");
const COLUMN: ColumnSpec = text("ColumnName", "The column's name.");

/// The system tables, in display order.
pub static SYSTEM_TABLES: &[TableSpec] = &[
    TableSpec {
        name: "sys_catalogs",
        description: "The catalogs.",
        columns: &[CATALOG],
        source: TableSource::System(catalogs),
    },
    TableSpec {
        name: "sys_schemas",
        description: "The schemas.",
        columns: &[CATALOG, SCHEMA],
        source: TableSource::System(schemas),
    },
    TableSpec {
        name: "sys_tables",
        description: "The tables, system tables included.",
        columns: &[
            CATALOG,
            SCHEMA,
            TABLE,
            text("TableType", "TABLE, VIEW or SYSTEM TABLE."),
            text("Description", "What the table holds."),
            flag(
                "IsUpdateable",
                "Whether the table accepts writes (none does yet).",
            ),
        ],
        source: TableSource::System(tables),
    },
    TableSpec {
        name: "sys_tablecolumns",
        description: "The columns of every table, system tables included.",
        columns: &[
            CATALOG,
            SCHEMA,
            TABLE,
            COLUMN,
            text(
                "DataTypeName",
                "The SQL type name (varchar, int, bigint, bool, double, decimal, date, datetime).",
            ),
            int("DataType", "The JDBC/ODBC type code of DataTypeName."),
            int(
                "Length",
                "The length in characters, or the precision of a number.",
            ),
            int("DisplaySize", "The most characters a value needs."),
            int(
                "NumericPrecision",
                "The precision of a number; NULL otherwise.",
            ),
            int("NumericScale", "The scale of a number; NULL otherwise."),
            flag("IsNullable", "Whether the column may be NULL."),
            text("Description", "What the column holds."),
            int("Ordinal", "The column's position, from 1."),
            text("IsAutoIncrement", "YES or NO."),
            text("IsGeneratedColumn", "YES or NO."),
            flag("IsHidden", "Whether SELECT * leaves the column out."),
            flag("IsArray", "Whether the column holds an array."),
            flag("IsReadOnly", "Whether the column cannot be written."),
            flag("IsKey", "Whether the column is part of the primary key."),
            text("ColumnType", "REGULAR for every column."),
        ],
        source: TableSource::System(table_columns),
    },
    TableSpec {
        name: "sys_procedures",
        description: "The stored procedures.",
        columns: &[
            CATALOG,
            SCHEMA,
            text("ProcedureName", "The procedure's name."),
            text("Description", "What the procedure does."),
            text("ProcedureType", "STOREDPROCEDURE."),
        ],
        source: TableSource::System(procedures),
    },
    TableSpec {
        name: "sys_procedureparameters",
        description: "The input parameters and result columns of every stored procedure.",
        columns: &[
            CATALOG,
            SCHEMA,
            text("ProcedureName", "The procedure's name."),
            text("ColumnName", "The parameter's or result column's name."),
            int(
                "Direction",
                "1 for an input parameter, 4 for a result column (CData's numbering).",
            ),
            text("DataTypeName", "The SQL type name."),
            int("DataType", "The JDBC/ODBC type code."),
            int("Length", "The length in characters."),
            int("NumericPrecision", "NULL: every parameter is text."),
            int("NumericScale", "NULL: every parameter is text."),
            flag("IsNullable", "Whether the value may be NULL."),
            flag("IsRequired", "Whether a call must give the parameter."),
            flag("IsArray", "Whether the parameter takes an array."),
            text("Description", "What the parameter means."),
            int(
                "Ordinal",
                "The position among the procedure's parameters or results, from 1.",
            ),
            text(
                "Values",
                "The accepted values, comma-separated; NULL when any value is accepted.",
            ),
        ],
        source: TableSource::System(procedure_parameters),
    },
    TableSpec {
        name: "sys_keycolumns",
        description: "The primary-key and foreign-key columns.",
        columns: &[
            CATALOG,
            SCHEMA,
            TABLE,
            COLUMN,
            flag("IsKey", "Whether the column is part of the primary key."),
            flag(
                "IsForeignKey",
                "Whether the column refers to another table.",
            ),
            text("PrimaryKeyName", "The primary key's name."),
            text("ForeignKeyName", "The foreign key's name."),
            text("ReferencedCatalogName", "The referenced table's catalog."),
            text("ReferencedSchemaName", "The referenced table's schema."),
            text("ReferencedTableName", "The referenced table."),
            text("ReferencedColumnName", "The referenced column."),
        ],
        source: TableSource::System(key_columns),
    },
    TableSpec {
        name: "sys_foreignkeys",
        description: "The foreign keys: the parent key of each line-item, contact-person, payment-invoice and details table.",
        columns: &[
            CATALOG,
            SCHEMA,
            TABLE,
            COLUMN,
            text("PrimaryKeyName", "The referenced primary key's name."),
            text("ForeignKeyName", "The foreign key's name."),
            text("ReferencedCatalogName", "The referenced table's catalog."),
            text("ReferencedSchemaName", "The referenced table's schema."),
            text("ReferencedTableName", "The referenced table."),
            text("ReferencedColumnName", "The referenced column."),
            text(
                "ForeignKeyType",
                "FOREIGNKEY_TYPE_IMPORT or FOREIGNKEY_TYPE_EXPORT.",
            ),
        ],
        source: TableSource::System(foreign_keys),
    },
    TableSpec {
        name: "sys_primarykeys",
        description: "The primary-key columns.",
        columns: &[
            CATALOG,
            SCHEMA,
            TABLE,
            COLUMN,
            text("KeySeq", "The column's position in the key, from 1."),
            text("KeyName", "The key's name."),
        ],
        source: TableSource::System(primary_keys),
    },
    TableSpec {
        name: "sys_indexes",
        description: "The indexes: each table's primary key.",
        columns: &[
            CATALOG,
            SCHEMA,
            TABLE,
            text("IndexName", "The index's name."),
            COLUMN,
            flag("IsUnique", "Whether the index is unique."),
            flag("IsPrimary", "Whether the index is the primary key."),
            col(
                "Type",
                DataType::Int16,
                "The index type (3: other, as CData's drivers report).",
            ),
            text("SortOrder", "A (ascending)."),
            col(
                "OrdinalPosition",
                DataType::Int16,
                "The column's position in the index, from 1.",
            ),
        ],
        source: TableSource::System(indexes),
    },
    TableSpec {
        name: "sys_connection_props",
        description: "The connection properties and their values on this connection.",
        columns: &[
            text("Name", "The property's canonical name."),
            text("ShortDescription", "What the property does."),
            text("Type", "The value's type (string, bool, int)."),
            text("Default", "The value used when the property is not set."),
            text(
                "Values",
                "The accepted values, comma-separated; NULL when free.",
            ),
            text(
                "Value",
                "The value in effect here (set or default); secret values that are set show as ********.",
            ),
            flag("Required", "Whether a connection must set it."),
            text("Category", "The group it belongs to."),
            flag(
                "IsSessionProperty",
                "Whether it can change on an open connection.",
            ),
            text("Sensitivity", "PASSWORD for secrets; NULL otherwise."),
            text("PropertyName", "The display name."),
            int("Ordinal", "The property's position, from 0."),
            int("CatOrdinal", "The category's position, from 0."),
            text("Hierarchy", "NULL: properties are not nested."),
            flag("Visible", "Whether tools should show it."),
            text(
                "ETC",
                "Notes: `compatibility only` for properties with no effect.",
            ),
        ],
        source: TableSource::System(connection_props),
    },
    TableSpec {
        name: "sys_sqlinfo",
        description: "What the SQL engine supports.",
        columns: &[text("NAME", "The capability."), text("VALUE", "Its value.")],
        source: TableSource::System(sql_info),
    },
    TableSpec {
        name: "sys_identity",
        description: "The records written by the last write (always empty: the connector is read-only).",
        columns: &[
            text("Id", "The record's key."),
            text("Batch", "The batch it was written in."),
            text("Operation", "INSERT, UPDATE or DELETE."),
            text("Message", "What happened."),
        ],
        source: TableSource::System(|_| Vec::new()),
    },
    TableSpec {
        name: "sys_information",
        description: "The product and its data source (one row).",
        columns: &[
            text("Product", "The product's name."),
            text("Version", "Its version."),
            text("Datasource", "The service it reads."),
            text("NodeId", "NULL: no licence node."),
            text("HelpURL", "Where the documentation is."),
            text("License", "The licence."),
            text("Location", "NULL: no installation folder."),
            text("Environment", "The platform."),
            text("DataSyncVersion", "NULL."),
            text("DataSyncCategory", "NULL."),
        ],
        source: TableSource::System(information),
    },
];

/// Builds a system table's batch from its rows, checking each cell against its column's type.
pub(crate) fn build(spec: &TableSpec, rows: Vec<Row>) -> Result<RecordBatch> {
    let mismatch = |column: &ColumnSpec| Error::NotImplemented {
        what: format!(
            "a consistent row for {}.{} (a connector bug: the row's cell does not match the column's type)",
            spec.name, column.name
        ),
    };
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(spec.columns.len());
    for (index, column) in spec.columns.iter().enumerate() {
        let cells = rows.iter().map(|r| r.get(index));
        let array: ArrayRef = match column.data_type {
            DataType::Utf8 => {
                let mut builder = StringBuilder::new();
                for cell in cells {
                    match cell {
                        Some(Cell::Text(v)) => builder.append_option(v.as_deref()),
                        _ => return Err(mismatch(column)),
                    }
                }
                Arc::new(builder.finish())
            }
            DataType::Int32 => {
                let mut builder = Int32Builder::new();
                for cell in cells {
                    match cell {
                        Some(Cell::Int(v)) => builder.append_option(*v),
                        _ => return Err(mismatch(column)),
                    }
                }
                Arc::new(builder.finish())
            }
            DataType::Int16 => {
                let mut builder = Int16Builder::new();
                for cell in cells {
                    match cell {
                        Some(Cell::Small(v)) => builder.append_option(*v),
                        _ => return Err(mismatch(column)),
                    }
                }
                Arc::new(builder.finish())
            }
            DataType::Boolean => {
                let mut builder = BooleanBuilder::new();
                for cell in cells {
                    match cell {
                        Some(Cell::Bool(v)) => builder.append_option(*v),
                        _ => return Err(mismatch(column)),
                    }
                }
                Arc::new(builder.finish())
            }
            _ => return Err(mismatch(column)),
        };
        arrays.push(array);
    }
    if rows.iter().any(|r| r.len() != spec.columns.len()) {
        return Err(mismatch(&spec.columns[0]));
    }
    Ok(RecordBatch::try_new(spec.schema(), arrays)?)
}

fn catalogs(_: &Config) -> Vec<Row> {
    vec![vec![t(CATALOG_NAME)]]
}

fn schemas(_: &Config) -> Vec<Row> {
    vec![vec![t(CATALOG_NAME), t(SCHEMA_NAME)]]
}

fn tables(config: &Config) -> Vec<Row> {
    visible_tables(config)
        .map(|table| {
            vec![
                t(CATALOG_NAME),
                t(SCHEMA_NAME),
                t(table.name),
                t(table.table_type()),
                t(table.description),
                b(false),
            ]
        })
        .collect()
}

/// CData's type name, the JDBC type code, the length and the display size of an Arrow type.
fn sql_type(data_type: &DataType) -> (&'static str, i32, Option<i32>, Option<i32>) {
    match data_type {
        DataType::Boolean => ("bool", 16, Some(1), Some(5)),
        DataType::Int16 => ("smallint", 5, Some(5), Some(6)),
        DataType::Int32 => ("int", 4, Some(10), Some(11)),
        DataType::Int64 => ("bigint", -5, Some(19), Some(20)),
        DataType::Float64 => ("double", 8, Some(15), Some(24)),
        DataType::Decimal128(p, _) => ("decimal", 3, Some(i32::from(*p)), Some(i32::from(*p) + 2)),
        DataType::Date32 => ("date", 91, Some(10), Some(10)),
        DataType::Timestamp(..) => ("datetime", 93, Some(26), Some(26)),
        _ => ("varchar", 12, Some(2000), Some(2000)),
    }
}

fn numeric(data_type: &DataType) -> (Option<i32>, Option<i32>) {
    match data_type {
        DataType::Int16 => (Some(5), Some(0)),
        DataType::Int32 => (Some(10), Some(0)),
        DataType::Int64 => (Some(19), Some(0)),
        DataType::Float64 => (Some(15), None),
        DataType::Decimal128(p, s) => (Some(i32::from(*p)), Some(i32::from(*s))),
        _ => (None, None),
    }
}

fn table_columns(config: &Config) -> Vec<Row> {
    let mut rows = Vec::new();
    for table in visible_tables(config) {
        // The provider's own schema: one source of truth for names and types.
        let schema = table.schema();
        for (position, field) in schema.fields().iter().enumerate() {
            let spec = &table.columns[position];
            let (type_name, code, length, display) = sql_type(field.data_type());
            let (precision, scale) = numeric(field.data_type());
            rows.push(vec![
                t(CATALOG_NAME),
                t(SCHEMA_NAME),
                t(table.name),
                t(field.name().as_str()),
                t(type_name),
                i(code),
                Cell::Int(length),
                Cell::Int(display),
                Cell::Int(precision),
                Cell::Int(scale),
                b(field.is_nullable()),
                t(spec.description),
                i(position as i32 + 1),
                t("NO"),
                t("NO"),
                b(false),
                b(false),
                b(true),
                b(spec.key),
                t("REGULAR"),
            ]);
        }
    }
    rows
}

fn procedures(_: &Config) -> Vec<Row> {
    PROCEDURES
        .iter()
        .map(|p| {
            vec![
                t(CATALOG_NAME),
                t(SCHEMA_NAME),
                t(p.name),
                t(p.description),
                t("STOREDPROCEDURE"),
            ]
        })
        .collect()
}

fn result_column_description(column: &str) -> &'static str {
    match column {
        "URL" => "The authorization URL to open in a browser.",
        "OAuthAccessToken" => "The access token used for communication with Zoho Books.",
        "OAuthRefreshToken" => "The refresh token, used to obtain new access tokens.",
        "ExpiresIn" => {
            "The remaining lifetime of the access token in seconds; -1 means it does not expire."
        }
        "AccountsServer" => "The accounts server that issued the token.",
        "ApiDomain" => "The Zoho Books API domain for this account's data centre.",
        "PKCEVerifier" => {
            "The PKCE code_verifier to pass back to GetOAuthAccessToken; present only when PKCE=true."
        }
        _ => "A result column.",
    }
}

fn procedure_parameters(_: &Config) -> Vec<Row> {
    let mut rows = Vec::new();
    for p in PROCEDURES {
        for (n, param) in p.params.iter().enumerate() {
            rows.push(vec![
                t(CATALOG_NAME),
                t(SCHEMA_NAME),
                t(p.name),
                t(param.name),
                i(1),
                t("varchar"),
                i(12),
                i(2000),
                Cell::Int(None),
                Cell::Int(None),
                b(!param.required),
                b(param.required),
                b(false),
                t(param.description),
                i(n as i32 + 1),
                opt((!param.allowed.is_empty()).then(|| param.allowed.join(","))),
            ]);
        }
        for (n, column) in p.result_columns.iter().enumerate() {
            rows.push(vec![
                t(CATALOG_NAME),
                t(SCHEMA_NAME),
                t(p.name),
                t(*column),
                i(4),
                t("varchar"),
                i(12),
                i(2000),
                Cell::Int(None),
                Cell::Int(None),
                b(true),
                b(false),
                b(false),
                t(result_column_description(column)),
                i(n as i32 + 1),
                null(),
            ]);
        }
    }
    rows
}

/// (table, column, position in the key) of every primary-key column.
fn key_parts(config: &Config) -> Vec<(&'static str, &'static str, usize)> {
    let mut parts = Vec::new();
    for table in visible_tables(config) {
        for (n, column) in table.columns.iter().filter(|c| c.key).enumerate() {
            parts.push((table.name, column.name, n + 1));
        }
    }
    parts
}

fn foreign_keys(config: &Config) -> Vec<Row> {
    let visible: Vec<&str> = visible_tables(config).map(|t| t.name).collect();
    let mut rows = Vec::new();
    for table in visible_tables(config) {
        let TableSource::Books(books) = &table.source else {
            continue;
        };
        let super::books::Shape::PerParent { parent, .. } = books.shape else {
            continue;
        };
        if !visible.contains(&parent.table) {
            continue;
        }
        let column = table.columns[0].name;
        rows.push(vec![
            t(CATALOG_NAME),
            t(SCHEMA_NAME),
            t(table.name),
            t(column),
            t(format!("PK_{}", parent.table)),
            t(format!("FK_{}_{}", table.name, parent.table)),
            t(CATALOG_NAME),
            t(SCHEMA_NAME),
            t(parent.table),
            t(column),
            t("FOREIGNKEY_TYPE_IMPORT"),
        ]);
    }
    rows
}

fn key_columns(config: &Config) -> Vec<Row> {
    key_parts(config)
        .into_iter()
        .map(|(table, column, _)| {
            vec![
                t(CATALOG_NAME),
                t(SCHEMA_NAME),
                t(table),
                t(column),
                b(true),
                b(false),
                t(format!("PK_{table}")),
                null(),
                null(),
                null(),
                null(),
                null(),
            ]
        })
        .collect()
}

fn primary_keys(config: &Config) -> Vec<Row> {
    key_parts(config)
        .into_iter()
        .map(|(table, column, n)| {
            vec![
                t(CATALOG_NAME),
                t(SCHEMA_NAME),
                t(table),
                t(column),
                t(n.to_string()),
                t(format!("PK_{table}")),
            ]
        })
        .collect()
}

fn indexes(config: &Config) -> Vec<Row> {
    key_parts(config)
        .into_iter()
        .map(|(table, column, n)| {
            vec![
                t(CATALOG_NAME),
                t(SCHEMA_NAME),
                t(table),
                t(format!("PK_{table}")),
                t(column),
                b(true),
                b(true),
                Cell::Small(Some(3)),
                t("A"),
                Cell::Small(Some(n as i16)),
            ]
        })
        .collect()
}

fn connection_props(config: &Config) -> Vec<Row> {
    let mut categories: Vec<&str> = Vec::new();
    for p in PROPERTIES {
        if !categories.contains(&p.category) {
            categories.push(p.category);
        }
    }
    PROPERTIES
        .iter()
        .enumerate()
        .map(|(n, p)| {
            let compatibility_only =
                crate::config::properties::COMPATIBILITY_ONLY.contains(&p.name);
            vec![
                t(p.name),
                t(p.description),
                t(p.kind.type_name()),
                opt(p.default),
                opt((!p.allowed.is_empty()).then(|| p.allowed.join(","))),
                opt(config.display_value(p.name)),
                b(false),
                t(p.category),
                b(false),
                opt(p.secret.then_some("PASSWORD")),
                t(p.name),
                i(n as i32),
                i(categories
                    .iter()
                    .position(|c| *c == p.category)
                    .unwrap_or(0) as i32),
                null(),
                b(!compatibility_only),
                opt(compatibility_only.then_some("compatibility only")),
            ]
        })
        .collect()
}

fn sql_info(_: &Config) -> Vec<Row> {
    [
        ("PRODUCT_NAME", "zohobooks-sql"),
        ("ENGINE", "Apache DataFusion"),
        ("SYNTAX", "MSSQL"),
        ("IDENTIFIER_QUOTE_OPEN_CHAR", "["),
        ("IDENTIFIER_QUOTE_CLOSE_CHAR", "]"),
        (
            "IDENTIFIER_CASE",
            "MIXED (names match case-insensitively; results keep the catalog's case)",
        ),
        ("SUPPORTS_JOINS", "YES"),
        ("SUPPORTED_JOIN_TYPES", "INNER,LEFT,RIGHT,FULL,CROSS"),
        ("SUPPORTS_SUBQUERIES", "YES"),
        ("SUPPORTS_UNION", "YES"),
        ("SUPPORTS_CTE", "YES"),
        ("SUPPORTS_WINDOW_FUNCTIONS", "YES"),
        ("SUPPORTS_GROUP_BY", "YES"),
        ("SUPPORTS_HAVING", "YES"),
        ("SUPPORTS_ORDER_BY", "YES"),
        ("SUPPORTS_LIMIT", "LIMIT,OFFSET,TOP,FETCH"),
        (
            "AGGREGATE_FUNCTIONS",
            "COUNT,SUM,AVG,MIN,MAX,STDDEV,VARIANCE,STRING_AGG,ARRAY_AGG",
        ),
        (
            "STRING_FUNCTIONS",
            "CONCAT,LOWER,UPPER,SUBSTRING,LENGTH,TRIM,REPLACE,LEFT,RIGHT,STRPOS,LPAD,RPAD",
        ),
        (
            "DATETIME_FUNCTIONS",
            "NOW,CURRENT_DATE,DATE_TRUNC,DATE_PART,TO_TIMESTAMP,TO_CHAR",
        ),
        (
            "SUPPORTED_OPERATORS",
            "=,<>,!=,<,<=,>,>=,AND,OR,NOT,IN,LIKE,ILIKE,BETWEEN,IS NULL,IS NOT NULL",
        ),
        ("SUPPORTS_PARAMETERS", "? and @name"),
        ("SUPPORTS_EXEC", "EXEC,EXECUTE,CALL"),
        ("SUPPORTS_INSERT", "NO"),
        ("SUPPORTS_UPDATE", "NO"),
        ("SUPPORTS_DELETE", "NO"),
        ("SUPPORTS_DDL", "NO"),
        ("READ_ONLY", "YES"),
    ]
    .into_iter()
    .map(|(name, value)| vec![t(name), t(value)])
    .collect()
}

fn information(_: &Config) -> Vec<Row> {
    vec![vec![
        t("zohobooks-sql"),
        t(env!("CARGO_PKG_VERSION")),
        t("Zoho Books"),
        null(),
        t("https://github.com/zohobooks-sql/zohobooks-sql/tree/main/docs"),
        t("MIT OR Apache-2.0"),
        null(),
        t(format!(
            "{} {}",
            std::env::consts::OS,
            std::env::consts::ARCH
        )),
        null(),
        null(),
    ]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_system_table_builds_with_its_declared_schema() {
        let config = Config::parse("OAuthClientSecret=shh;OAuthClientId=abc").unwrap();
        for table in SYSTEM_TABLES {
            let TableSource::System(rows) = &table.source else {
                panic!("{} is not a system table", table.name)
            };
            let batch = build(table, rows(&config)).unwrap();
            assert_eq!(batch.schema(), table.schema());
            let may_be_empty = ["sys_identity"];
            assert_eq!(
                batch.num_rows() == 0,
                may_be_empty.contains(&table.name),
                "{}",
                table.name
            );
        }
    }

    #[test]
    fn a_row_that_does_not_match_its_columns_is_an_error_not_a_panic() {
        let table = &SYSTEM_TABLES[0];
        assert!(build(table, vec![vec![i(1)]]).is_err());
        assert!(build(table, vec![vec![t("a"), t("b")]]).is_err());
    }

    #[test]
    fn connection_props_mask_secrets() {
        let config = Config::parse("OAuthClientSecret=shh;OAuthClientId=abc").unwrap();
        let spec = SYSTEM_TABLES
            .iter()
            .find(|t| t.name == "sys_connection_props")
            .unwrap();
        let batch = build(spec, connection_props(&config)).unwrap();
        let text = crate::arrow::util::pretty::pretty_format_batches(&[batch])
            .unwrap()
            .to_string();
        assert!(!text.contains("shh"));
        assert!(text.contains("********"));
    }
}
