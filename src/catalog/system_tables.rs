//! The system tables: the catalog and the connection, queryable with `SELECT`.
//!
//! | table | one row per |
//! |---|---|
//! | `sys_procedures` | stored procedure |
//! | `sys_procedureparameters` | procedure input parameter (`Direction` = `Input`) and result column (`Output`) |
//! | `sys_connection_props` | connection property, with its current value (secrets masked as `********`) |
//! | `sys_tables` | table (system tables and Zoho Books tables) |
//! | `sys_tablecolumns` | column of every table |
//!
//! Column sets are this connector's own (CData does not document theirs).

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, RecordBatch, StringArray};
use arrow::datatypes::DataType;

use super::procedures::PROCEDURES;
use super::{ColumnSpec, TableSpec, all_tables};
use crate::config::{Config, PROPERTIES};
use crate::error::Result;

const fn text(name: &'static str, description: &'static str) -> ColumnSpec {
    ColumnSpec {
        name,
        data_type: DataType::Utf8,
        description,
    }
}

const fn flag(name: &'static str, description: &'static str) -> ColumnSpec {
    ColumnSpec {
        name,
        data_type: DataType::Boolean,
        description,
    }
}

/// The system tables, in display order.
pub static SYSTEM_TABLES: &[TableSpec] = &[
    TableSpec {
        name: "sys_procedures",
        description: "The stored procedures.",
        columns: &[
            text("ProcedureName", "The procedure's name."),
            text("Description", "What the procedure does."),
        ],
    },
    TableSpec {
        name: "sys_procedureparameters",
        description: "The input parameters and result columns of every stored procedure.",
        columns: &[
            text("ProcedureName", "The procedure's name."),
            text("ParameterName", "The parameter's or result column's name."),
            text(
                "Direction",
                "Input (a parameter) or Output (a result column).",
            ),
            text("DataType", "The SQL type."),
            flag("Required", "Whether a call must give the parameter."),
            text("DefaultValue", "The value used when the call gives none."),
            text(
                "AllowedValues",
                "The accepted values, comma-separated; NULL when any value is accepted.",
            ),
            text("Description", "What the parameter means."),
        ],
    },
    TableSpec {
        name: "sys_connection_props",
        description: "The connection properties and their values on this connection.",
        columns: &[
            text("Name", "The property's canonical name."),
            text("Category", "The group it belongs to."),
            text("DataType", "The value's type."),
            text(
                "DefaultValue",
                "The value used when the property is not set.",
            ),
            text(
                "Value",
                "The value in effect (set or default); secret values that are set show as ********.",
            ),
            flag("IsSecret", "Whether the value is secret."),
            text("Description", "What the property does."),
        ],
    },
    TableSpec {
        name: "sys_tables",
        description: "The tables that SELECT can read.",
        columns: &[
            text("TableName", "The table's name."),
            text("TableType", "SYSTEM TABLE or TABLE."),
            text("Description", "What the table holds."),
        ],
    },
    TableSpec {
        name: "sys_tablecolumns",
        description: "The columns of every table.",
        columns: &[
            text("TableName", "The table's name."),
            text("ColumnName", "The column's name."),
            text("DataType", "The column's Arrow type."),
            text("Description", "What the column holds."),
        ],
    },
];

/// Builds the rows of the system table `table`; `None` when it is not a system table.
pub fn scan(table: &str, config: &Config) -> Option<Result<(&'static TableSpec, RecordBatch)>> {
    let spec = SYSTEM_TABLES
        .iter()
        .find(|t| t.name.eq_ignore_ascii_case(table))?;
    let columns = match spec.name {
        "sys_procedures" => procedures(),
        "sys_procedureparameters" => procedure_parameters(),
        "sys_connection_props" => connection_props(config),
        "sys_tables" => tables(),
        "sys_tablecolumns" => table_columns(),
        _ => return None,
    };
    Some(
        RecordBatch::try_new(spec.schema(), columns)
            .map(|batch| (spec, batch))
            .map_err(Into::into),
    )
}

fn strings<S: AsRef<str>>(values: Vec<Option<S>>) -> ArrayRef {
    Arc::new(StringArray::from_iter(values))
}

fn bools(values: Vec<bool>) -> ArrayRef {
    Arc::new(BooleanArray::from(values))
}

fn procedures() -> Vec<ArrayRef> {
    vec![
        strings(PROCEDURES.iter().map(|p| Some(p.name)).collect()),
        strings(PROCEDURES.iter().map(|p| Some(p.description)).collect()),
    ]
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

fn procedure_parameters() -> Vec<ArrayRef> {
    let mut procedure = Vec::new();
    let mut name = Vec::new();
    let mut direction = Vec::new();
    let mut data_type = Vec::new();
    let mut required = Vec::new();
    let mut default = Vec::new();
    let mut allowed = Vec::new();
    let mut description = Vec::new();
    for p in PROCEDURES {
        for param in p.params {
            procedure.push(Some(p.name.to_owned()));
            name.push(Some(param.name.to_owned()));
            direction.push(Some("Input".to_owned()));
            data_type.push(Some(param.data_type.to_owned()));
            required.push(param.required);
            default.push(param.default.map(str::to_owned));
            allowed.push((!param.allowed.is_empty()).then(|| param.allowed.join(",")));
            description.push(Some(param.description.to_owned()));
        }
        for column in p.result_columns {
            procedure.push(Some(p.name.to_owned()));
            name.push(Some((*column).to_owned()));
            direction.push(Some("Output".to_owned()));
            data_type.push(Some("String".to_owned()));
            required.push(false);
            default.push(None);
            allowed.push(None);
            description.push(Some(result_column_description(column).to_owned()));
        }
    }
    vec![
        strings(procedure),
        strings(name),
        strings(direction),
        strings(data_type),
        bools(required),
        strings(default),
        strings(allowed),
        strings(description),
    ]
}

fn connection_props(config: &Config) -> Vec<ArrayRef> {
    vec![
        strings(PROPERTIES.iter().map(|p| Some(p.name)).collect()),
        strings(PROPERTIES.iter().map(|p| Some(p.category)).collect()),
        strings(
            PROPERTIES
                .iter()
                .map(|p| Some(p.kind.type_name()))
                .collect(),
        ),
        strings(PROPERTIES.iter().map(|p| p.default).collect()),
        strings(
            PROPERTIES
                .iter()
                .map(|p| config.display_value(p.name))
                .collect(),
        ),
        bools(PROPERTIES.iter().map(|p| p.secret).collect()),
        strings(PROPERTIES.iter().map(|p| Some(p.description)).collect()),
    ]
}

fn tables() -> Vec<ArrayRef> {
    let all: Vec<_> = all_tables().collect();
    vec![
        strings(all.iter().map(|(t, _)| Some(t.name)).collect()),
        strings(all.iter().map(|(_, kind)| Some(*kind)).collect()),
        strings(all.iter().map(|(t, _)| Some(t.description)).collect()),
    ]
}

fn table_columns() -> Vec<ArrayRef> {
    let mut table = Vec::new();
    let mut column = Vec::new();
    let mut data_type = Vec::new();
    let mut description = Vec::new();
    for (t, _) in all_tables() {
        for c in t.columns {
            table.push(Some(t.name.to_owned()));
            column.push(Some(c.name.to_owned()));
            data_type.push(Some(c.data_type.to_string()));
            description.push(Some(c.description.to_owned()));
        }
    }
    vec![
        strings(table),
        strings(column),
        strings(data_type),
        strings(description),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_system_table_builds_with_its_declared_schema() {
        let config = Config::parse("OAuthClientSecret=shh;OAuthClientId=abc").unwrap();
        for t in SYSTEM_TABLES {
            let (spec, batch) = scan(&t.name.to_uppercase(), &config).unwrap().unwrap();
            assert_eq!(spec.name, t.name);
            assert_eq!(batch.schema(), t.schema());
            assert!(batch.num_rows() > 0, "{}", t.name);
        }
        assert!(scan("Invoices", &config).is_none());
    }

    #[test]
    fn connection_props_mask_secrets() {
        let config = Config::parse("OAuthClientSecret=shh;OAuthClientId=abc").unwrap();
        let (_, batch) = scan("sys_connection_props", &config).unwrap().unwrap();
        let text = arrow::util::pretty::pretty_format_batches(&[batch])
            .unwrap()
            .to_string();
        assert!(!text.contains("shh"));
        assert!(text.contains("********"));
    }
}
