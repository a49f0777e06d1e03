//! The Zoho Books tables as declarative specs: one [`BooksTable`] entry per table.
//!
//! An entry says where the rows come from ([`Shape`]: a list endpoint, or records fetched per
//! parent key), which columns exist (Zoho's field, its [`WireType`], the filters Zoho offers on
//! it and the query parameter each maps to), and which columns Zoho can sort by. Everything
//! else — `sys_tables`, `sys_tablecolumns`, the keys, the engine's table providers, pushdown,
//! `EXPLAIN`, `docs/tables.md` — is derived from the entries. Adding a table is adding an entry
//! in [`tables`].
//!
//! Column names follow one rule so users can guess them: Zoho's snake_case field in
//! PascalCase, `id` as `Id` (`invoice_id` → `InvoiceId`, `due_date` → `DueDate`).

pub(crate) mod pushdown;
pub(crate) mod scan;
pub mod tables;

use crate::books::convert::{Source, WireColumn, WireType};

/// How a table's rows are read.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// `GET {path}` lists the records under `array_key`, page by page.
    List {
        /// The request path under `/books/v3`.
        path: &'static str,
        /// The JSON array holding the records.
        array_key: &'static str,
        /// Whether the request carries `organization_id` (every path but `/organizations`).
        per_organization: bool,
    },
    /// One request per parent record; the table's first column is the parent's key.
    PerParent {
        /// The parent list and how to read one parent.
        parent: Parent,
        /// What the per-parent request returns.
        read: PerParentRead,
    },
}

/// The parent of a per-parent table: the list that yields its keys.
#[derive(Debug, Clone, Copy)]
pub struct Parent {
    /// The parent table (a [`Shape::List`] entry), e.g. `Invoices`.
    pub table: &'static str,
    /// The parent list's path, e.g. `/invoices`.
    pub list_path: &'static str,
    /// The parent list's array key, e.g. `invoices`.
    pub list_key: &'static str,
    /// The key field in the parent's records, e.g. `invoice_id`.
    pub id_field: &'static str,
}

/// What is read for one parent key.
#[derive(Debug, Clone, Copy)]
pub enum PerParentRead {
    /// `GET {path}/{id}` returns the record under `object_key`; the table has one row per
    /// parent (a details table).
    Object {
        /// The detail path prefix, e.g. `/invoices`.
        path: &'static str,
        /// The key of the object, e.g. `invoice`.
        object_key: &'static str,
    },
    /// `GET {path}/{id}` returns the record under `object_key`; the table has one row per
    /// element of its array `array_field` (line items).
    ObjectArray {
        /// The detail path prefix, e.g. `/invoices`.
        path: &'static str,
        /// The key of the object, e.g. `invoice`.
        object_key: &'static str,
        /// The array inside it, e.g. `line_items`.
        array_field: &'static str,
    },
    /// `GET {prefix}/{id}{suffix}` returns an array under `array_key`
    /// (`/contacts/{id}/contactpersons`).
    Array {
        /// The path before the id, e.g. `/contacts`.
        prefix: &'static str,
        /// The path after the id, e.g. `/contactpersons`.
        suffix: &'static str,
        /// The JSON array holding the records.
        array_key: &'static str,
    },
}

/// A comparison Zoho can filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    /// `=`.
    Eq,
    /// `LIKE 'abc%'`.
    StartsWith,
    /// `LIKE '%abc%'`.
    Contains,
    /// `>=`.
    GtEq,
    /// `<=`.
    LtEq,
    /// `<`.
    Lt,
    /// `>`.
    Gt,
}

impl FilterOp {
    /// The SQL form, for docs and `EXPLAIN`.
    pub fn sql(self) -> &'static str {
        match self {
            FilterOp::Eq => "=",
            FilterOp::StartsWith => "LIKE 'x%'",
            FilterOp::Contains => "LIKE '%x%'",
            FilterOp::GtEq => ">=",
            FilterOp::LtEq => "<=",
            FilterOp::Lt => "<",
            FilterOp::Gt => ">",
        }
    }
}

/// One filter Zoho offers on a column: the comparison and the query parameter it becomes.
#[derive(Debug, Clone)]
pub struct ColumnFilter {
    /// The comparison.
    pub op: FilterOp,
    /// The query parameter, e.g. `date_start`.
    pub param: String,
    /// When Zoho takes only some values: `(column value, parameter value)` pairs; a compared
    /// value outside them stays with the engine. Empty: any value, sent as written.
    pub values: &'static [(&'static str, &'static str)],
}

/// One column of a Books table.
#[derive(Debug, Clone)]
pub struct BooksColumn {
    /// The SQL name (the naming rule applied to the field, or the parent key's name).
    pub name: String,
    /// Where the value comes from.
    pub source: Source,
    /// What it holds.
    pub kind: WireType,
    /// One-line description.
    pub description: String,
    /// Whether it is (part of) the primary key.
    pub key: bool,
    /// The filters Zoho offers on it.
    pub filters: Vec<ColumnFilter>,
    /// The `sort_column` value when Zoho can sort by it (and its order is the engine's: dates,
    /// timestamps and numbers only; text collates differently on Zoho).
    pub sort: Option<&'static str>,
}

impl BooksColumn {
    /// The column as the converter needs it.
    pub fn wire(&self) -> WireColumn {
        WireColumn {
            source: self.source,
            kind: self.kind,
        }
    }

    /// The Zoho field, or `None` for a parent key column.
    pub fn field(&self) -> Option<&'static str> {
        match self.source {
            Source::Field(f) => Some(f),
            Source::Parent => None,
        }
    }
}

/// One Zoho Books table.
#[derive(Debug, Clone)]
pub struct BooksTable {
    /// The table name (CData's).
    pub name: &'static str,
    /// One-line description.
    pub description: &'static str,
    /// Where the rows come from.
    pub shape: Shape,
    /// The columns, in order.
    pub columns: Vec<BooksColumn>,
    /// Parameters every request of the table carries (e.g. `showbalance=true`).
    pub fixed_params: &'static [(&'static str, &'static str)],
}

impl BooksTable {
    /// The column of this name (case-insensitive).
    pub fn column(&self, name: &str) -> Option<&BooksColumn> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The request path as `EXPLAIN` and the docs show it: `/invoices`,
    /// `/invoices/{invoice_id}`, `/contacts/{contact_id}/contactpersons`.
    pub fn path_display(&self) -> String {
        match self.shape {
            Shape::List { path, .. } => path.to_owned(),
            Shape::PerParent { parent, read } => match read {
                PerParentRead::Object { path, .. } | PerParentRead::ObjectArray { path, .. } => {
                    format!("{path}/{{{}}}", parent.id_field)
                }
                PerParentRead::Array { prefix, suffix, .. } => {
                    format!("{prefix}/{{{}}}{suffix}", parent.id_field)
                }
            },
        }
    }
}

/// Zoho's snake_case field in PascalCase, `id` as `Id`: `invoice_id` → `InvoiceId`.
pub fn column_name(field: &str) -> String {
    field
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// A field's description when the entry gives none: its words (`due_date` → "Due date.").
fn default_description(field: &str) -> String {
    let words = field.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_ascii_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// Which filters a column gets, as Zoho spells their parameters: `field`, `field_startswith`,
/// `field_contains`, `field_start`, ... The parameter base is the field unless
/// [`Col::param`] says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filters {
    /// None.
    None,
    /// `field` (exact).
    Eq,
    /// `field`, `field_startswith`, `field_contains`.
    Text,
    /// `field`, `field_start` (>=), `field_end` (<=), `field_before` (<), `field_after` (>).
    Dates,
    /// `field_start` (>=) and `field_end` (<=) only, beside `field`.
    DateRange,
    /// `field`, `field_greater_equals`, `field_less_equals`, `field_less_than`,
    /// `field_greater_than`.
    Amounts,
}

/// A column in the making (see [`TableBuilder`]).
#[derive(Debug, Clone)]
pub struct Col {
    column: BooksColumn,
}

impl Col {
    /// Sets the description.
    pub fn doc(mut self, text: &str) -> Col {
        self.column.description = text.to_owned();
        self
    }

    /// Adds the filters of `family` with parameters named after `base` instead of the field.
    pub fn param(mut self, base: &str, family: Filters) -> Col {
        self.column.filters.extend(filter_family(base, family));
        self
    }

    /// Adds one filter with its own parameter.
    pub fn filter(mut self, op: FilterOp, param: &str) -> Col {
        self.column.filters.push(ColumnFilter {
            op,
            param: param.to_owned(),
            values: &[],
        });
        self
    }

    /// `=` on this column becomes `param=<mapped value>`, only for the listed values.
    pub fn values(mut self, param: &str, values: &'static [(&'static str, &'static str)]) -> Col {
        self.column.filters.push(ColumnFilter {
            op: FilterOp::Eq,
            param: param.to_owned(),
            values,
        });
        self
    }

    /// Zoho sorts by this column under `sort_column=<value>`.
    pub fn sort(mut self, value: &'static str) -> Col {
        self.column.sort = Some(value);
        self
    }

    /// Marks the column as (part of) the primary key.
    pub fn key(mut self) -> Col {
        self.column.key = true;
        self
    }
}

fn filter_family(base: &str, family: Filters) -> Vec<ColumnFilter> {
    let f = |op, suffix: &str| ColumnFilter {
        op,
        param: format!("{base}{suffix}"),
        values: &[],
    };
    match family {
        Filters::None => vec![],
        Filters::Eq => vec![f(FilterOp::Eq, "")],
        Filters::Text => vec![
            f(FilterOp::Eq, ""),
            f(FilterOp::StartsWith, "_startswith"),
            f(FilterOp::Contains, "_contains"),
        ],
        Filters::Dates => vec![
            f(FilterOp::Eq, ""),
            f(FilterOp::GtEq, "_start"),
            f(FilterOp::LtEq, "_end"),
            f(FilterOp::Lt, "_before"),
            f(FilterOp::Gt, "_after"),
        ],
        Filters::DateRange => vec![
            f(FilterOp::Eq, ""),
            f(FilterOp::GtEq, "_start"),
            f(FilterOp::LtEq, "_end"),
        ],
        Filters::Amounts => vec![
            f(FilterOp::Eq, ""),
            f(FilterOp::GtEq, "_greater_equals"),
            f(FilterOp::LtEq, "_less_equals"),
            f(FilterOp::Lt, "_less_than"),
            f(FilterOp::Gt, "_greater_than"),
        ],
    }
}

/// A column reading `field` as `kind`, with the filters of `family` on parameters named
/// after the field.
pub fn col(field: &'static str, kind: WireType, family: Filters) -> Col {
    Col {
        column: BooksColumn {
            name: column_name(field),
            source: Source::Field(field),
            kind,
            description: default_description(field),
            key: false,
            filters: filter_family(field, family),
            sort: None,
        },
    }
}

/// Builds a [`BooksTable`] entry.
#[derive(Debug)]
pub struct TableBuilder {
    table: BooksTable,
}

impl TableBuilder {
    /// A table read from a list endpoint.
    pub fn list(
        name: &'static str,
        path: &'static str,
        array_key: &'static str,
        description: &'static str,
    ) -> TableBuilder {
        TableBuilder {
            table: BooksTable {
                name,
                description,
                shape: Shape::List {
                    path,
                    array_key,
                    per_organization: true,
                },
                columns: Vec::new(),
                fixed_params: &[],
            },
        }
    }

    /// A table read per parent key; its first column is the parent's key, named as the
    /// parent's key column (`InvoiceId`), filterable by `=` and `IN`.
    pub fn per_parent(
        name: &'static str,
        parent: Parent,
        read: PerParentRead,
        description: &'static str,
    ) -> TableBuilder {
        let key = BooksColumn {
            name: column_name(parent.id_field),
            source: Source::Parent,
            kind: WireType::Id,
            description: format!(
                "The {} record this row belongs to ({}.{}).",
                parent.table.trim_end_matches('s'),
                parent.table,
                column_name(parent.id_field)
            ),
            key: false,
            filters: Vec::new(),
            sort: None,
        };
        TableBuilder {
            table: BooksTable {
                name,
                description,
                shape: Shape::PerParent { parent, read },
                columns: vec![key],
                fixed_params: &[],
            },
        }
    }

    /// Adds columns.
    pub fn cols(mut self, cols: impl IntoIterator<Item = Col>) -> TableBuilder {
        self.table
            .columns
            .extend(cols.into_iter().map(|c| c.column));
        self
    }

    /// The list needs no `organization_id` (`/organizations`).
    pub fn without_organization(mut self) -> TableBuilder {
        if let Shape::List {
            per_organization, ..
        } = &mut self.table.shape
        {
            *per_organization = false;
        }
        self
    }

    /// Parameters every request carries.
    pub fn fixed(mut self, params: &'static [(&'static str, &'static str)]) -> TableBuilder {
        self.table.fixed_params = params;
        self
    }

    /// Marks the parent key column as part of the primary key too (details tables, where the
    /// parent key is the row's key).
    pub fn parent_key_is_key(mut self) -> TableBuilder {
        if let Some(first) = self.table.columns.first_mut() {
            first.key = true;
        }
        self
    }

    /// The finished entry.
    pub fn build(self) -> BooksTable {
        self.table
    }
}

/// The reference of every Books table as Markdown (the generated part of `docs/tables.md`):
/// per table its request, key, and per column its type, Zoho field, the filters sent to Zoho
/// and whether Zoho sorts by it.
pub fn reference_markdown() -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    out.push_str("| Table | Request | Description |\n|---|---|---|\n");
    for t in tables::BOOKS_TABLES.iter() {
        let _ = writeln!(
            out,
            "| [{0}](#{1}) | `GET {2}` | {3} |",
            t.name,
            t.name.to_ascii_lowercase(),
            t.path_display(),
            t.description
        );
    }
    for t in tables::BOOKS_TABLES.iter() {
        let _ = writeln!(out, "\n## {}\n\n{}\n", t.name, t.description);
        match t.shape {
            Shape::List {
                path, array_key, ..
            } => {
                let _ = writeln!(
                    out,
                    "Read from `GET {path}` (array `{array_key}`), 200 records a page."
                );
            }
            Shape::PerParent { parent, .. } => {
                let _ = writeln!(
                    out,
                    "Read with one `GET {}` per {} record: name the keys with `WHERE {} = ...` or `IN (...)`; otherwise every record of `GET {}` is read, when there are at most `DetailFetchLimit` of them.",
                    t.path_display(),
                    parent.table,
                    t.columns[0].name,
                    parent.list_path
                );
            }
        }
        if !t.fixed_params.is_empty() {
            let fixed: Vec<String> = t
                .fixed_params
                .iter()
                .map(|(k, v)| format!("`{k}={v}`"))
                .collect();
            let _ = writeln!(out, "Every request carries {}.", fixed.join(", "));
        }
        out.push_str("\n| Column | Type | Zoho field | Filters sent to Zoho | Sort | Description |\n|---|---|---|---|---|---|\n");
        for c in &t.columns {
            let filters: Vec<String> = c
                .filters
                .iter()
                .map(|f| {
                    let values = if f.values.is_empty() {
                        String::new()
                    } else {
                        let v: Vec<String> = f
                            .values
                            .iter()
                            .map(|(sql, param)| {
                                if sql == param {
                                    format!("'{sql}'")
                                } else {
                                    format!("'{sql}' → {param}")
                                }
                            })
                            .collect();
                        format!(" ({})", v.join(", "))
                    };
                    format!("`{}` → `{}`{}", f.op.sql(), f.param, values)
                })
                .collect();
            let _ = writeln!(
                out,
                "| {}{} | {} | {} | {} | {} | {} |",
                c.name,
                if c.key { " (key)" } else { "" },
                c.kind.sql_name(),
                c.field()
                    .map_or("(parent key)".to_owned(), |f| format!("`{f}`")),
                filters.join("<br>"),
                c.sort.map_or(String::new(), |s| format!("`{s}`")),
                c.description
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_naming_rule() {
        assert_eq!(column_name("invoice_id"), "InvoiceId");
        assert_eq!(column_name("customer_name"), "CustomerName");
        assert_eq!(column_name("due_date"), "DueDate");
        assert_eq!(column_name("last_modified_time"), "LastModifiedTime");
        assert_eq!(column_name("currency_code"), "CurrencyCode");
        assert_eq!(column_name("name"), "Name");
        assert_eq!(default_description("due_date"), "Due date.");
    }

    #[test]
    fn filter_families_name_zohos_parameters() {
        let c = col("date", WireType::Date, Filters::Dates).column;
        let params: Vec<(FilterOp, &str)> =
            c.filters.iter().map(|f| (f.op, f.param.as_str())).collect();
        assert_eq!(
            params,
            [
                (FilterOp::Eq, "date"),
                (FilterOp::GtEq, "date_start"),
                (FilterOp::LtEq, "date_end"),
                (FilterOp::Lt, "date_before"),
                (FilterOp::Gt, "date_after"),
            ]
        );
        let c = col("journal_date", WireType::Date, Filters::None)
            .param("date", Filters::Dates)
            .column;
        assert_eq!(c.name, "JournalDate");
        assert_eq!(c.filters[1].param, "date_start");
    }
}
