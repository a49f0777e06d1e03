//! The `Organizations` table: Zoho's `GET /organizations` objects as an Arrow record batch.
//!
//! Column names are Zoho's snake_case field names in PascalCase (`organization_id` ->
//! `OrganizationId`). IDs stay strings: Zoho's IDs exceed 2^53.

use std::sync::Arc;

use crate::arrow::array::{ArrayRef, BooleanBuilder, Int64Builder, RecordBatch, StringBuilder};
use crate::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde_json::{Map, Value};

use crate::error::Result;

/// The value type of one column and the Zoho field it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Utf8 (numbers and booleans are printed as text if Zoho sends them).
    Text,
    /// Boolean.
    Bool,
    /// Int64.
    Int,
}

/// One column of the Organizations table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The SQL-facing name.
    pub name: &'static str,
    /// Zoho's JSON field.
    pub field: &'static str,
    /// Value type.
    pub kind: ColumnKind,
    /// One-line description.
    pub description: &'static str,
}

const fn col(
    name: &'static str,
    field: &'static str,
    kind: ColumnKind,
    description: &'static str,
) -> Column {
    Column {
        name,
        field,
        kind,
        description,
    }
}

/// The columns of `Organizations`, in order.
pub static COLUMNS: &[Column] = &[
    col(
        "OrganizationId",
        "organization_id",
        ColumnKind::Text,
        "The organization's ID (use it as the OrganizationId property).",
    ),
    col("Name", "name", ColumnKind::Text, "The organization's name."),
    col(
        "ContactName",
        "contact_name",
        ColumnKind::Text,
        "The primary contact's name.",
    ),
    col(
        "Email",
        "email",
        ColumnKind::Text,
        "The primary contact's email address.",
    ),
    col(
        "IsDefaultOrg",
        "is_default_org",
        ColumnKind::Bool,
        "Whether this is the user's default organization.",
    ),
    col(
        "IsOrgActive",
        "is_org_active",
        ColumnKind::Bool,
        "Whether the organization is active.",
    ),
    col(
        "LanguageCode",
        "language_code",
        ColumnKind::Text,
        "The organization's language, e.g. en.",
    ),
    col(
        "FiscalYearStartMonth",
        "fiscal_year_start_month",
        ColumnKind::Int,
        "First month of the fiscal year (0 = January).",
    ),
    col(
        "AccountCreatedDate",
        "account_created_date",
        ColumnKind::Text,
        "When the organization was created (YYYY-MM-DD).",
    ),
    col(
        "TimeZone",
        "time_zone",
        ColumnKind::Text,
        "The organization's time zone.",
    ),
    col(
        "CurrencyId",
        "currency_id",
        ColumnKind::Text,
        "The base currency's ID.",
    ),
    col(
        "CurrencyCode",
        "currency_code",
        ColumnKind::Text,
        "The base currency's ISO code, e.g. USD.",
    ),
    col(
        "CurrencySymbol",
        "currency_symbol",
        ColumnKind::Text,
        "The base currency's symbol.",
    ),
    col(
        "CurrencyFormat",
        "currency_format",
        ColumnKind::Text,
        "How amounts are formatted.",
    ),
    col(
        "PricePrecision",
        "price_precision",
        ColumnKind::Int,
        "Decimal places used for prices.",
    ),
    col(
        "PlanName",
        "plan_name",
        ColumnKind::Text,
        "The Zoho Books plan.",
    ),
];

impl ColumnKind {
    /// The Arrow type of the column.
    pub fn data_type(self) -> DataType {
        match self {
            ColumnKind::Text => DataType::Utf8,
            ColumnKind::Bool => DataType::Boolean,
            ColumnKind::Int => DataType::Int64,
        }
    }
}

/// The Arrow schema of `Organizations`.
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(
        COLUMNS
            .iter()
            .map(|c| Field::new(c.name, c.kind.data_type(), true))
            .collect::<Vec<_>>(),
    ))
}

/// Builds the record batch from Zoho's organization objects. Missing or mistyped fields become
/// NULL; unknown fields are ignored.
pub fn to_record_batch(organizations: &[Map<String, Value>]) -> Result<RecordBatch> {
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(COLUMNS.len());
    for c in COLUMNS {
        let values = organizations.iter().map(|o| o.get(c.field));
        let array: ArrayRef = match c.kind {
            ColumnKind::Text => {
                let mut b = StringBuilder::new();
                for v in values {
                    match v {
                        Some(Value::String(s)) => b.append_value(s),
                        Some(Value::Number(n)) => b.append_value(n.to_string()),
                        Some(Value::Bool(x)) => b.append_value(x.to_string()),
                        _ => b.append_null(),
                    }
                }
                Arc::new(b.finish())
            }
            ColumnKind::Bool => {
                let mut b = BooleanBuilder::new();
                for v in values {
                    b.append_option(v.and_then(Value::as_bool));
                }
                Arc::new(b.finish())
            }
            ColumnKind::Int => {
                let mut b = Int64Builder::new();
                for v in values {
                    b.append_option(v.and_then(|v| {
                        v.as_i64()
                            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                    }));
                }
                Arc::new(b.finish())
            }
        };
        arrays.push(array);
    }
    Ok(RecordBatch::try_new(schema(), arrays)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrow::array::{Array, AsArray};

    #[test]
    fn converts_zoho_objects_keeping_ids_as_text() {
        let orgs: Vec<Map<String, Value>> = serde_json::from_str(
            r#"[{"organization_id":"10234695","name":"Zillum","is_default_org":false,"fiscal_year_start_month":0,
                 "currency_code":"USD","unknown_field":[1,2]},
                {"organization_id":20000000000000001,"name":"Big Id","is_default_org":"not a bool"}]"#,
        )
        .unwrap();
        let batch = to_record_batch(&orgs).unwrap();
        assert_eq!(batch.num_rows(), 2);
        let ids = batch.column(0).as_string::<i32>();
        assert_eq!(ids.value(0), "10234695");
        assert_eq!(ids.value(1), "20000000000000001");
        let default = batch.column_by_name("IsDefaultOrg").unwrap().as_boolean();
        assert!(!default.value(0));
        assert!(default.is_null(1));
        assert!(batch.column_by_name("Email").unwrap().is_null(0));
    }
}
