//! WHERE predicates as Zoho query parameters: one translator that both answers the planner
//! (`supports_filters_pushdown`) and builds the scan's requests, so they cannot disagree.
//!
//! Every pushed filter is Inexact: the engine applies it again, so a Zoho filter that is wider
//! than SQL's (case-insensitive names, `unpaid` covering several statuses) never changes a
//! result; it only saves calls. A predicate without a declared parameter stays in the engine.

use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Between, BinaryExpr, Expr, Like, Operator};

use super::{BooksColumn, BooksTable, FilterOp, Shape};
use crate::books::convert::WireType;

/// Most values of one `IN (...)` sent as separate requests; a longer list stays in the engine.
pub(crate) const MAX_FAN_OUT: usize = 20;

/// What one predicate becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Translation {
    /// Query parameters every request carries.
    Params(Vec<(String, String)>),
    /// One request per value of this parameter.
    FanOut(String, Vec<String>),
    /// The parent keys of a per-parent table: read only these.
    ParentKeys(Vec<String>),
}

/// What a scan sends, from all its pushed predicates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Pushed {
    /// Parameters of every request, in the order the predicates came.
    pub(crate) params: Vec<(String, String)>,
    /// One request per value of this parameter (at most one fan-out per scan).
    pub(crate) fan_out: Option<(String, Vec<String>)>,
    /// The parent keys to read (per-parent tables), when the query names them.
    pub(crate) parent_keys: Option<Vec<String>>,
}

impl Pushed {
    /// Combines the translations of `filters`; a parameter already set keeps its first value.
    pub(crate) fn from_filters(table: &BooksTable, filters: &[Expr]) -> Pushed {
        let mut pushed = Pushed::default();
        for filter in filters {
            match translate(table, filter) {
                Some(Translation::Params(params)) => {
                    for (name, value) in params {
                        if !pushed.params.iter().any(|(n, _)| *n == name) {
                            pushed.params.push((name, value));
                        }
                    }
                }
                Some(Translation::FanOut(name, values)) if pushed.fan_out.is_none() => {
                    pushed.fan_out = Some((name, values));
                }
                Some(Translation::ParentKeys(keys)) => {
                    // Two key predicates (`= 'a' AND IN ('a','b')`): read what both allow.
                    pushed.parent_keys = Some(match pushed.parent_keys.take() {
                        None => keys,
                        Some(existing) => {
                            existing.into_iter().filter(|k| keys.contains(k)).collect()
                        }
                    });
                }
                _ => {}
            }
        }
        if let Some((name, _)) = &pushed.fan_out
            && pushed.params.iter().any(|(n, _)| n == name)
        {
            // `= x AND IN (...)` on the same parameter: the equality already narrows it.
            pushed.fan_out = None;
        }
        pushed
    }
}

/// The translation of one predicate, or `None` when it stays with the engine.
pub(crate) fn translate(table: &BooksTable, expr: &Expr) -> Option<Translation> {
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            if let Some(values) = or_of_equalities(expr) {
                return in_list(table, &values.0, &values.1);
            }
            let (column, op, value) = match (left.as_ref(), right.as_ref()) {
                (Expr::Column(c), Expr::Literal(v, _)) => (c.name.as_str(), *op, v),
                (Expr::Literal(v, _), Expr::Column(c)) => (c.name.as_str(), flip(*op)?, v),
                _ => return None,
            };
            let op = match op {
                Operator::Eq => FilterOp::Eq,
                Operator::GtEq => FilterOp::GtEq,
                Operator::LtEq => FilterOp::LtEq,
                Operator::Lt => FilterOp::Lt,
                Operator::Gt => FilterOp::Gt,
                _ => return None,
            };
            comparison(table, column, op, value)
        }
        Expr::Like(Like {
            negated: false,
            expr,
            pattern,
            escape_char: None,
            ..
        }) => {
            let (Expr::Column(c), Expr::Literal(pattern, _)) = (expr.as_ref(), pattern.as_ref())
            else {
                return None;
            };
            let pattern = text_of(pattern)?;
            let (op, needle) = like_pattern(&pattern)?;
            let column = table.column(&c.name)?;
            if !matches!(column.kind, WireType::Text | WireType::Id) {
                return None;
            }
            param(column, op, &needle).map(|p| Translation::Params(vec![p]))
        }
        Expr::InList(list) if !list.negated => {
            let Expr::Column(c) = list.expr.as_ref() else {
                return None;
            };
            let values: Option<Vec<&ScalarValue>> = list
                .list
                .iter()
                .map(|e| match e {
                    Expr::Literal(v, _) => Some(v),
                    _ => None,
                })
                .collect();
            in_list(table, &c.name, &values?)
        }
        Expr::Between(Between {
            expr,
            negated: false,
            low,
            high,
        }) => {
            let (Expr::Column(c), Expr::Literal(low, _), Expr::Literal(high, _)) =
                (expr.as_ref(), low.as_ref(), high.as_ref())
            else {
                return None;
            };
            let column = table.column(&c.name)?;
            let low = param(column, FilterOp::GtEq, &value_text(column, low)?)?;
            let high = param(column, FilterOp::LtEq, &value_text(column, high)?)?;
            Some(Translation::Params(vec![low, high]))
        }
        _ => None,
    }
}

/// `c = a OR c = b OR ...` on one column, as `(column, values)`.
fn or_of_equalities(expr: &Expr) -> Option<(String, Vec<&ScalarValue>)> {
    let Expr::BinaryExpr(BinaryExpr {
        left,
        op: Operator::Or,
        right,
    }) = expr
    else {
        return None;
    };
    let mut parts = Vec::new();
    for side in [left.as_ref(), right.as_ref()] {
        match side {
            Expr::BinaryExpr(BinaryExpr {
                op: Operator::Or, ..
            }) => parts.push(or_of_equalities(side)?),
            Expr::BinaryExpr(BinaryExpr {
                left,
                op: Operator::Eq,
                right,
            }) => match (left.as_ref(), right.as_ref()) {
                (Expr::Column(c), Expr::Literal(v, _)) | (Expr::Literal(v, _), Expr::Column(c)) => {
                    parts.push((c.name.clone(), vec![v]))
                }
                _ => return None,
            },
            _ => return None,
        }
    }
    let column = parts[0].0.clone();
    if parts.iter().any(|(c, _)| *c != column) {
        return None;
    }
    Some((column, parts.into_iter().flat_map(|(_, v)| v).collect()))
}

fn in_list(table: &BooksTable, column: &str, values: &[&ScalarValue]) -> Option<Translation> {
    let spec = table.column(column)?;
    let texts: Option<Vec<String>> = values.iter().map(|v| value_text(spec, v)).collect();
    let mut texts = texts?;
    texts.dedup();
    if is_parent_key(table, spec) {
        return Some(Translation::ParentKeys(texts));
    }
    if texts.len() > MAX_FAN_OUT || texts.is_empty() {
        return None;
    }
    let filter = spec.filters.iter().find(|f| f.op == FilterOp::Eq)?;
    let mapped: Option<Vec<String>> = texts.iter().map(|t| map_value(filter, t)).collect();
    let mapped = mapped?;
    if mapped.len() == 1 {
        return Some(Translation::Params(vec![(
            filter.param.clone(),
            mapped[0].clone(),
        )]));
    }
    Some(Translation::FanOut(filter.param.clone(), mapped))
}

fn comparison(
    table: &BooksTable,
    column: &str,
    op: FilterOp,
    value: &ScalarValue,
) -> Option<Translation> {
    let spec = table.column(column)?;
    let text = value_text(spec, value)?;
    if is_parent_key(table, spec) {
        return (op == FilterOp::Eq).then(|| Translation::ParentKeys(vec![text]));
    }
    param(spec, op, &text).map(|p| Translation::Params(vec![p]))
}

fn is_parent_key(table: &BooksTable, column: &BooksColumn) -> bool {
    matches!(table.shape, Shape::PerParent { .. })
        && column.source == crate::books::convert::Source::Parent
}

fn param(column: &BooksColumn, op: FilterOp, value: &str) -> Option<(String, String)> {
    let filter = column.filters.iter().find(|f| f.op == op)?;
    Some((filter.param.clone(), map_value(filter, value)?))
}

fn map_value(filter: &super::ColumnFilter, value: &str) -> Option<String> {
    if filter.values.is_empty() {
        return Some(value.to_owned());
    }
    filter
        .values
        .iter()
        .find(|(sql, _)| *sql == value)
        .map(|(_, param)| (*param).to_owned())
}

/// A literal as the text Zoho expects for this column, when it is of the column's kind.
fn value_text(column: &BooksColumn, value: &ScalarValue) -> Option<String> {
    use WireType::*;
    match (column.kind, value) {
        (Id | Text, v) => text_of(v),
        (Date, ScalarValue::Date32(Some(days))) => {
            let date = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?
                .checked_add_signed(chrono::Duration::days(i64::from(*days)))?;
            Some(date.format("%Y-%m-%d").to_string())
        }
        (Money | Rate, ScalarValue::Decimal128(Some(v), _, scale)) => {
            Some(decimal_text(*v, *scale))
        }
        (Money | Rate | Int, ScalarValue::Int64(Some(v))) => Some(v.to_string()),
        (Int, ScalarValue::Int32(Some(v))) => Some(v.to_string()),
        (Bool, ScalarValue::Boolean(Some(b))) => Some(b.to_string()),
        _ => None,
    }
}

fn text_of(value: &ScalarValue) -> Option<String> {
    match value {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::Utf8View(Some(s))
        | ScalarValue::LargeUtf8(Some(s)) => Some(s.clone()),
        _ => None,
    }
}

/// 12500 at scale 3 → "12.5"; 7000 → "7".
fn decimal_text(value: i128, scale: i8) -> String {
    if scale <= 0 {
        return value.to_string();
    }
    let divisor = 10i128.pow(scale as u32);
    let sign = if value < 0 { "-" } else { "" };
    let whole = (value / divisor).abs();
    let fraction = (value % divisor).abs();
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{fraction:0width$}", width = scale as usize);
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

/// `abc%` → starts with `abc`; `%abc%` → contains `abc`; `abc` → equals. Anything with other
/// wildcards (`_`, an inner `%`) is not a Zoho filter.
fn like_pattern(pattern: &str) -> Option<(FilterOp, String)> {
    let plain = |s: &str| !s.is_empty() && !s.contains(['%', '_', '\\']);
    if let Some(inner) = pattern.strip_prefix('%').and_then(|p| p.strip_suffix('%'))
        && plain(inner)
    {
        return Some((FilterOp::Contains, inner.to_owned()));
    }
    if let Some(prefix) = pattern.strip_suffix('%')
        && plain(prefix)
    {
        return Some((FilterOp::StartsWith, prefix.to_owned()));
    }
    plain(pattern).then(|| (FilterOp::Eq, pattern.to_owned()))
}

fn flip(op: Operator) -> Option<Operator> {
    Some(match op {
        Operator::Eq => Operator::Eq,
        Operator::Lt => Operator::Gt,
        Operator::Gt => Operator::Lt,
        Operator::LtEq => Operator::GtEq,
        Operator::GtEq => Operator::LtEq,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::books::tables::BOOKS_TABLES;
    use datafusion::logical_expr::{col, lit};

    fn table(name: &str) -> &'static BooksTable {
        BOOKS_TABLES.iter().find(|t| t.name == name).unwrap()
    }

    fn params(t: &str, filters: &[Expr]) -> Vec<(String, String)> {
        Pushed::from_filters(table(t), filters).params
    }

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn equality_like_and_dates_become_zohos_parameters() {
        let day = |d: i32| lit(ScalarValue::Date32(Some(d)));
        assert_eq!(
            params(
                "Invoices",
                &[
                    col("Status").eq(lit("overdue")),
                    col("CustomerName").like(lit("Zil%")),
                    col("InvoiceNumber").like(lit("%0042%")),
                    col("Date").gt_eq(day(20_484)),
                    day(20_500).gt(col("DueDate")),
                ]
            ),
            p(&[
                ("status", "overdue"),
                ("invoice_number_contains", "0042"),
                ("date_start", "2026-01-31"),
                ("due_date_before", "2026-02-16"),
            ]),
            "customer_name has no startswith on /invoices"
        );
    }

    #[test]
    fn undeclared_values_and_operators_stay_in_the_engine() {
        assert_eq!(
            params("Invoices", &[col("Status").eq(lit("unpaid"))]),
            p(&[])
        );
        assert_eq!(
            params("Invoices", &[col("Status").not_eq(lit("paid"))]),
            p(&[])
        );
        assert_eq!(params("Invoices", &[col("DueDays").eq(lit("x"))]), p(&[]));
        assert_eq!(
            params("Invoices", &[col("InvoiceNumber").like(lit("a_c%"))]),
            p(&[])
        );
        assert_eq!(
            params("Invoices", &[col("InvoiceNumber").not_like(lit("a%"))]),
            p(&[])
        );
        assert_eq!(params("Taxes", &[col("TaxName").eq(lit("VAT"))]), p(&[]));
        // A string compared with a date column is not a date.
        assert_eq!(
            params("Invoices", &[col("Date").eq(lit("2026-01-01"))]),
            p(&[])
        );
    }

    #[test]
    fn mapped_values_and_bounded_fan_out() {
        assert_eq!(
            params("Contacts", &[col("Status").eq(lit("active"))]),
            p(&[("filter_by", "Status.Active")])
        );
        assert_eq!(
            params("ChartOfAccounts", &[col("IsActive").eq(lit(false))]),
            p(&[("filter_by", "AccountType.Inactive")])
        );
        let pushed = Pushed::from_filters(
            table("Invoices"),
            &[col("Status").in_list(vec![lit("paid"), lit("void")], false)],
        );
        assert_eq!(
            pushed.fan_out,
            Some((
                "status".to_owned(),
                vec!["paid".to_owned(), "void".to_owned()]
            ))
        );
        let or = col("Status")
            .eq(lit("paid"))
            .or(col("Status").eq(lit("draft")));
        let pushed = Pushed::from_filters(table("Invoices"), &[or]);
        assert_eq!(pushed.fan_out.map(|f| f.1.len()), Some(2));
        let many: Vec<Expr> = (0..=MAX_FAN_OUT).map(|n| lit(n.to_string())).collect();
        let pushed =
            Pushed::from_filters(table("Invoices"), &[col("CustomerId").in_list(many, false)]);
        assert_eq!(pushed, Pushed::default());
    }

    #[test]
    fn parent_keys_of_per_parent_tables() {
        let pushed = Pushed::from_filters(
            table("InvoiceLineItems"),
            &[
                col("InvoiceId").in_list(vec![lit("1"), lit("2")], false),
                col("InvoiceId").eq(lit("2")),
            ],
        );
        assert_eq!(pushed.parent_keys, Some(vec!["2".to_owned()]));
        assert!(pushed.params.is_empty());
    }

    #[test]
    fn decimals_print_as_zoho_reads_them() {
        assert_eq!(decimal_text(12_500, 3), "12.5");
        assert_eq!(decimal_text(7_000, 3), "7");
        assert_eq!(decimal_text(-1_250, 3), "-1.25");
        assert_eq!(decimal_text(5, 3), "0.005");
        assert_eq!(
            params(
                "Bills",
                &[col("Total").gt(lit(ScalarValue::Decimal128(Some(100_500), 38, 3)))]
            ),
            p(&[("total_greater_than", "100.5")])
        );
    }
}
