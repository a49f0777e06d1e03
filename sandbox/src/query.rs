//! The list engine: validates a list request's parameters against the module's declared ones,
//! filters, sorts (with cached orders), slices a page and writes the JSON answer, serializing
//! only the page's records.
//!
//! Semantics, from Zoho's documentation: `<field>` is an exact match (case-insensitive for
//! text), `_startswith` / `_contains` are case-insensitive, dates take `_start` (>=), `_end`
//! (<=), `_before` (<), `_after` (>), amounts `_less_than`, `_less_equals`, `_greater_than`,
//! `_greater_equals` (and `_start`/`_end` where declared). Parameters Zoho does not declare
//! for the path are ignored; a declared one with a malformed value is an HTTP 400, code 2.

use std::fmt::Write as _;

use super::books_data::Table;
use super::catalog::{Kind, Spec, View};
use super::cell::{Cell, parse_date, parse_instant};
use super::http::SandboxRequest;

/// Largest (and default) page size.
pub(crate) const MAX_PER_PAGE: usize = 200;

/// A request Zoho would refuse: HTTP 400 with `{"code": 2, "message": ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid(pub(crate) String);

fn invalid(param: &str, why: &str) -> Invalid {
    Invalid(format!("Invalid value passed for {param}: {why}"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Cmp::Eq => ordering == Equal,
            Cmp::Lt => ordering == Less,
            Cmp::Le => ordering != Greater,
            Cmp::Gt => ordering == Greater,
            Cmp::Ge => ordering != Less,
        }
    }

    fn from_suffix(suffix: &str) -> Cmp {
        match suffix {
            "_less_than" | "_before" => Cmp::Lt,
            "_less_equals" | "_end" => Cmp::Le,
            "_greater_than" | "_after" => Cmp::Gt,
            "_greater_equals" | "_start" => Cmp::Ge,
            _ => Cmp::Eq,
        }
    }
}

#[derive(Debug)]
enum Op {
    TextEq(String),
    StartsWith(String),
    Contains(String),
    Date(Cmp, i64),
    Cents(Cmp, i64),
    OneOf(Vec<&'static str>),
    Bool(bool),
    Since(i64),
    NonEmpty,
    /// Case-insensitive substring in any of several columns.
    Search(Vec<usize>, String),
}

#[derive(Debug)]
struct Pred {
    /// `None`: the column does not exist (empty table): nothing matches.
    column: Option<usize>,
    op: Op,
}

impl Pred {
    fn matches(&self, row: &[Cell]) -> bool {
        if let Op::Search(columns, needle) = &self.op {
            return columns.iter().any(|column| {
                row.get(*column)
                    .and_then(Cell::as_text)
                    .is_some_and(|text| text.to_lowercase().contains(needle.as_str()))
            });
        }
        let Some(cell) = self.column.and_then(|column| row.get(column)) else {
            return false;
        };
        let lower = || cell.as_text().map(|text| text.to_lowercase());
        match &self.op {
            Op::TextEq(value) => lower().is_some_and(|text| text == *value),
            Op::StartsWith(value) => lower().is_some_and(|text| text.starts_with(value.as_str())),
            Op::Contains(value) => lower().is_some_and(|text| text.contains(value.as_str())),
            Op::Date(cmp, day) => cell.as_date().is_some_and(|d| cmp.holds(d.cmp(day))),
            Op::Cents(cmp, cents) => cell.as_cents().is_some_and(|c| cmp.holds(c.cmp(cents))),
            Op::OneOf(values) => cell
                .as_text()
                .or_else(|| match cell {
                    Cell::Bool(true) => Some("true".into()),
                    Cell::Bool(false) => Some("false".into()),
                    _ => None,
                })
                .is_some_and(|text| values.iter().any(|value| *value == text)),
            Op::Bool(value) => matches!(cell, Cell::Bool(b) if b == value),
            Op::Since(secs) => matches!(cell, Cell::Time(t, _) if t >= secs),
            Op::NonEmpty => cell.as_text().is_some_and(|text| !text.is_empty()),
            Op::Search(..) => false,
        }
    }
}

fn parse_cents(param: &str, text: &str) -> Result<i64, Invalid> {
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value.abs() < 1e15 => Ok((value * 100.0).round() as i64),
        _ => Err(invalid(param, "expected an amount such as 125.50")),
    }
}

fn parse_page(req: &SandboxRequest, name: &str, default: usize) -> Result<usize, Invalid> {
    match req.query_param(name) {
        None => Ok(default),
        Some(text) => match text.trim().parse::<usize>() {
            Ok(value) if value >= 1 => Ok(value),
            _ => Err(Invalid(format!(
                "Invalid value passed for {name}: expected a whole number of at least 1."
            ))),
        },
    }
}

/// Builds the predicates of a request (or the 400 it deserves).
fn predicates(spec: &Spec, table: &Table, req: &SandboxRequest) -> Result<Vec<Pred>, Invalid> {
    let mut preds = Vec::new();
    for param in spec.params {
        let column = table.column(param.field);
        let suffixes: &[&str] = match param.kind {
            Kind::Text(suffixes) | Kind::Date(suffixes) | Kind::Amount(suffixes) => suffixes,
            _ => &[""],
        };
        for suffix in suffixes {
            let name = format!("{}{suffix}", param.name);
            let Some(value) = req.query_param(&name) else {
                continue;
            };
            let op = match param.kind {
                Kind::Accepted => continue,
                Kind::Text(_) => {
                    let value = value.to_lowercase();
                    match *suffix {
                        "_startswith" => Op::StartsWith(value),
                        "_contains" => Op::Contains(value),
                        _ => Op::TextEq(value),
                    }
                }
                Kind::Id => {
                    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(invalid(&name, "expected an id (digits)"));
                    }
                    Op::TextEq(value.to_string())
                }
                Kind::Date(_) | Kind::DateFrom | Kind::DateTo => {
                    let Some(day) = parse_date(value.trim()) else {
                        return Err(invalid(&name, "expected a date as YYYY-MM-DD"));
                    };
                    let cmp = match param.kind {
                        Kind::DateFrom => Cmp::Ge,
                        Kind::DateTo => Cmp::Le,
                        _ => Cmp::from_suffix(suffix),
                    };
                    Op::Date(cmp, day)
                }
                Kind::Amount(_) => Op::Cents(Cmp::from_suffix(suffix), parse_cents(&name, value)?),
                Kind::Status(allowed, virtuals) => {
                    if !allowed.contains(&value) {
                        return Err(invalid(
                            &name,
                            &format!("expected one of {}", allowed.join(", ")),
                        ));
                    }
                    match virtuals.iter().find(|(name, _)| *name == value) {
                        Some((_, set)) => Op::OneOf(set.to_vec()),
                        None => Op::OneOf(
                            allowed
                                .iter()
                                .copied()
                                .filter(|known| *known == value)
                                .collect(),
                        ),
                    }
                }
                Kind::Bool => match value {
                    "true" => Op::Bool(true),
                    "false" => Op::Bool(false),
                    _ => return Err(invalid(&name, "expected true or false")),
                },
                Kind::Since => match parse_instant(value) {
                    Some(secs) => Op::Since(secs),
                    None => {
                        return Err(invalid(
                            &name,
                            "expected a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM:SS+hhmm)",
                        ));
                    }
                },
            };
            // `showbalance` is a switch, not a filter.
            if param.name == "showbalance" {
                continue;
            }
            preds.push(Pred { column, op });
        }
    }
    if let Some(value) = req.query_param("filter_by")
        && !spec.views.is_empty()
    {
        let Some((_, view)) = spec.views.iter().find(|(name, _)| *name == value) else {
            let known: Vec<&str> = spec.views.iter().map(|(name, _)| *name).collect();
            return Err(invalid(
                "filter_by",
                &format!("expected one of {}", known.join(", ")),
            ));
        };
        match view {
            View::All | View::Unapplied => {}
            View::Eq(field, values) => preds.push(Pred {
                column: table.column(field),
                op: Op::OneOf(values.to_vec()),
            }),
            View::NonEmpty(field) => preds.push(Pred {
                column: table.column(field),
                op: Op::NonEmpty,
            }),
        }
    }
    if let Some(value) = req.query_param("search_text")
        && !spec.search.is_empty()
        && !value.is_empty()
    {
        let columns = spec
            .search
            .iter()
            .filter_map(|field| table.column(field))
            .collect();
        preds.push(Pred {
            column: None,
            op: Op::Search(columns, value.to_lowercase()),
        });
    }
    Ok(preds)
}

/// The sort a request asks for: (sort_column as named, field, descending).
fn sort(spec: &Spec, req: &SandboxRequest) -> Result<(&'static str, &'static str, bool), Invalid> {
    let default = spec.default_sort;
    if spec.sorts.is_empty() {
        return Ok((default.0, default.0, default.1));
    }
    let (name, field) = match req.query_param("sort_column") {
        None => spec
            .sorts
            .iter()
            .find(|(name, _)| *name == default.0)
            .copied()
            .unwrap_or((default.0, default.0)),
        Some(value) => match spec.sorts.iter().find(|(name, _)| *name == value) {
            Some(found) => *found,
            None => {
                let known: Vec<&str> = spec.sorts.iter().map(|(name, _)| *name).collect();
                return Err(invalid(
                    "sort_column",
                    &format!("expected one of {}", known.join(", ")),
                ));
            }
        },
    };
    let descending = match req.query_param("sort_order") {
        None if req.query_param("sort_column").is_some() => false,
        None => default.1,
        Some("A") => false,
        Some("D") => true,
        Some(_) => return Err(invalid("sort_order", "expected A or D")),
    };
    Ok((name, field, descending))
}

/// `Status.PartiallyPaid` from `partially_paid`.
fn view_name(status: &str) -> String {
    let mut out = String::from("Status.");
    for word in status.split(['_', '-']) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

/// Answers a list request: the complete JSON body, or the reason it is invalid.
pub(crate) fn list(spec: &Spec, table: &Table, req: &SandboxRequest) -> Result<String, Invalid> {
    let page = parse_page(req, "page", 1)?;
    // Zoho caps per_page at 200; larger values are served as 200.
    let per_page = parse_page(req, "per_page", MAX_PER_PAGE)?.min(MAX_PER_PAGE);
    let preds = predicates(spec, table, req)?;
    let (sort_name, sort_field, descending) = sort(spec, req)?;
    let start = (page - 1).saturating_mul(per_page);

    let mut out = String::with_capacity(per_page * 600 + 512);
    out.push_str("{\"code\":0,\"message\":\"success\",\"");
    out.push_str(spec.key);
    out.push_str("\":[");
    let mut matched = 0usize;
    let mut written = 0usize;
    let mut has_more = false;
    if let Some(column) = table.column(sort_field) {
        let order = table.order(column, descending);
        for row in order.iter() {
            let row = *row as usize;
            let Some(cells) = table.rows.get(row) else {
                continue;
            };
            if !preds.iter().all(|pred| pred.matches(cells)) {
                continue;
            }
            if matched >= start {
                if written == per_page {
                    has_more = true;
                    break;
                }
                if written > 0 {
                    out.push(',');
                }
                table.write_row(row, &mut out);
                written += 1;
            }
            matched += 1;
        }
    }
    let applied = match (req.query_param("filter_by"), req.query_param("status")) {
        (Some(view), _) if spec.views.iter().any(|(name, _)| *name == view) => view.to_string(),
        (_, Some(status)) if spec.params.iter().any(|p| p.name == "status") => view_name(status),
        _ => spec.default_view.to_string(),
    };
    let _ = write!(
        out,
        "],\"page_context\":{{\"page\":{page},\"per_page\":{per_page},\"has_more_page\":{has_more},\"report_name\":{},\"applied_filter\":{},\"sort_column\":{},\"sort_order\":\"{}\",\"search_criteria\":[]}}}}",
        serde_json::Value::from(spec.report_name),
        serde_json::Value::from(applied),
        serde_json::Value::from(sort_name),
        if descending { "D" } else { "A" },
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::books_data::{BooksData, DataConfig};
    use crate::catalog::Module;
    use hyper::{HeaderMap, Method};

    fn request(query: &str) -> SandboxRequest {
        SandboxRequest {
            method: Method::GET,
            path: "/books/v3/x".into(),
            query: crate::http::parse_form(query.as_bytes()),
            form: Vec::new(),
            headers: HeaderMap::new(),
        }
    }

    fn rows(module: Module, query: &str) -> Result<Vec<serde_json::Value>, Invalid> {
        let data = BooksData::new(DataConfig::default());
        let org = &data.organizations[0];
        let body = list(module.spec(), org.table(module), &request(query))?;
        let value: serde_json::Value = serde_json::from_str(&body).expect("valid JSON");
        Ok(value[module.spec().key]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    #[test]
    fn view_names_are_camel_case() {
        assert_eq!(view_name("paid"), "Status.Paid");
        assert_eq!(view_name("partially_paid"), "Status.PartiallyPaid");
    }

    #[test]
    fn filters_apply_and_bad_values_are_refused() {
        let paid = rows(Module::Invoices, "status=paid").expect("ok");
        assert!(!paid.is_empty() && paid.iter().all(|r| r["status"] == "paid"));
        let unpaid = rows(Module::Invoices, "status=unpaid&per_page=200").expect("ok");
        assert!(
            unpaid
                .iter()
                .all(|r| matches!(r["status"].as_str(), Some("sent" | "overdue")))
        );
        assert!(rows(Module::Invoices, "status=nonsense").is_err());
        assert!(rows(Module::Invoices, "date_start=2024-13-01").is_err());
        assert!(rows(Module::Invoices, "sort_column=colour").is_err());
        assert!(rows(Module::Invoices, "sort_order=Z").is_err());
        assert!(rows(Module::Items, "rate_less_than=abc").is_err());
        // Unknown names are ignored.
        assert_eq!(rows(Module::Items, "colour=red").expect("ok").len(), 40);
        let cheap = rows(Module::Items, "rate_less_than=100").expect("ok");
        assert!(!cheap.is_empty() && cheap.len() < 40);
    }
}
