//! Zoho's JSON records as Arrow columns: one [`WireType`] per column, coerced, never trusted.
//!
//! Zoho's own OpenAPI files type money as strings in one module and numbers in another, send
//! `""` for an absent date, and ids beyond 2^53. So every value is converted by what the column
//! is, not by what the JSON says: a number or a numeric string both become an exact decimal; a
//! value that does not fit its column becomes NULL, and the column gets one warning per scan.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate};
use serde_json::Value;

use crate::arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Int64Builder, RecordBatch,
    RecordBatchOptions, StringBuilder, TimestampSecondBuilder,
};
use crate::arrow::datatypes::{DataType, SchemaRef, TimeUnit};
use crate::error::{Error, Result};

/// Precision of every decimal column: 38 digits, the most Decimal128 holds.
const DECIMAL_PRECISION: u8 = 38;

/// What a column holds on the wire and as Arrow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireType {
    /// An id (`*_id`): text exactly as Zoho sends it (19-digit ids do not survive a float).
    Id,
    /// Text. Numbers and booleans are printed as text.
    Text,
    /// A whole number (counts, days): Int64.
    Int,
    /// `true`/`false`: Boolean.
    Bool,
    /// Money: an exact decimal with 3 places (3-decimal currencies such as KWD and BHD fit).
    Money,
    /// Rates, quantities, percentages and exchange rates: an exact decimal with 6 places.
    Rate,
    /// `YYYY-MM-DD`: Date32.
    Date,
    /// `2026-01-31T10:20:30+0530`: a timestamp (seconds) in UTC.
    Timestamp,
    /// A nested object or array that has no table of its own: its JSON text.
    Json,
}

impl WireType {
    /// The Arrow type of a column of this kind.
    pub fn data_type(self) -> DataType {
        match self {
            WireType::Id | WireType::Text | WireType::Json => DataType::Utf8,
            WireType::Int => DataType::Int64,
            WireType::Bool => DataType::Boolean,
            WireType::Money => DataType::Decimal128(DECIMAL_PRECISION, 3),
            WireType::Rate => DataType::Decimal128(DECIMAL_PRECISION, 6),
            WireType::Date => DataType::Date32,
            WireType::Timestamp => DataType::Timestamp(TimeUnit::Second, Some("UTC".into())),
        }
    }

    /// The type's name in docs and messages.
    pub fn sql_name(self) -> &'static str {
        match self {
            WireType::Id | WireType::Text => "text",
            WireType::Json => "text (JSON)",
            WireType::Int => "bigint",
            WireType::Bool => "boolean",
            WireType::Money => "decimal(38,3)",
            WireType::Rate => "decimal(38,6)",
            WireType::Date => "date",
            WireType::Timestamp => "timestamp (UTC)",
        }
    }
}

/// Where a column's value comes from in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The record's field of this name.
    Field(&'static str),
    /// The key of the parent record the row was read under (child tables' first column).
    Parent,
}

/// One column to convert: where its value is and what it is.
#[derive(Debug, Clone, Copy)]
pub struct WireColumn {
    /// Where the value comes from.
    pub source: Source,
    /// What it is.
    pub kind: WireType,
}

/// Values that did not fit their column in one batch: `(column index, count, first example)`.
#[derive(Debug, Default)]
pub struct Misfits {
    entries: Vec<(usize, u64, String)>,
}

impl Misfits {
    fn record(&mut self, column: usize, value: &Value) {
        match self.entries.iter_mut().find(|(c, _, _)| *c == column) {
            Some(entry) => entry.1 += 1,
            None => self.entries.push((column, 1, example(value))),
        }
    }

    /// `(column index, how many values, an example)` per column that had misfits.
    pub fn entries(&self) -> &[(usize, u64, String)] {
        &self.entries
    }
}

/// A short, terminal-safe rendering of an offending value (it came from the network).
fn example(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let clipped: String = text.chars().take(40).collect();
    let mut quoted = format!("{clipped:?}");
    if text.chars().count() > 40 {
        quoted.push('…');
    }
    quoted
}

/// Builds one record batch in `schema` from `records`, column by column.
///
/// `parent` is the key of the parent record for child tables ([`Source::Parent`]).
pub fn to_batch(
    schema: &SchemaRef,
    columns: &[WireColumn],
    records: &[&serde_json::Map<String, Value>],
    parent: Option<&str>,
) -> Result<(RecordBatch, Misfits)> {
    let mut misfits = Misfits::default();
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
    for (index, column) in columns.iter().enumerate() {
        let values = records.iter().map(|r| match column.source {
            Source::Field(name) => r.get(name),
            Source::Parent => None,
        });
        let array: ArrayRef = if column.source == Source::Parent {
            let mut b = StringBuilder::with_capacity(records.len(), records.len() * 19);
            for _ in records {
                b.append_option(parent);
            }
            Arc::new(b.finish())
        } else {
            convert(column.kind, values, records.len(), index, &mut misfits)?
        };
        arrays.push(array);
    }
    // `COUNT(*)` projects no column: the batch still has its row count.
    let options = RecordBatchOptions::new().with_row_count(Some(records.len()));
    let batch =
        RecordBatch::try_new_with_options(schema.clone(), arrays, &options).map_err(|e| {
            Error::Engine {
                message: format!("building a batch: {e}"),
            }
        })?;
    Ok((batch, misfits))
}

fn convert<'v>(
    kind: WireType,
    values: impl Iterator<Item = Option<&'v Value>>,
    len: usize,
    index: usize,
    misfits: &mut Misfits,
) -> Result<ArrayRef> {
    // A value is NULL without complaint when absent, JSON null or "" (Zoho's empty field).
    fn present(v: Option<&Value>) -> Option<&Value> {
        match v {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(v) => Some(v),
        }
    }
    macro_rules! build {
        ($builder:expr, $parse:expr) => {{
            let mut b = $builder;
            for v in values {
                match present(v) {
                    None => b.append_null(),
                    Some(v) => match $parse(v) {
                        Some(x) => b.append_value(x),
                        None => {
                            misfits.record(index, v);
                            b.append_null();
                        }
                    },
                }
            }
            Arc::new(b.finish()) as ArrayRef
        }};
    }
    let array = match kind {
        WireType::Id | WireType::Text => {
            let mut b = StringBuilder::with_capacity(len, len * 16);
            for v in values {
                match v {
                    None | Some(Value::Null) => b.append_null(),
                    Some(Value::String(s)) => b.append_value(s),
                    Some(Value::Number(n)) => b.append_value(n.to_string()),
                    Some(Value::Bool(x)) => b.append_value(if *x { "true" } else { "false" }),
                    Some(other) => {
                        misfits.record(index, other);
                        b.append_null();
                    }
                }
            }
            Arc::new(b.finish())
        }
        WireType::Json => {
            let mut b = StringBuilder::with_capacity(len, len * 32);
            for v in values {
                match v {
                    None | Some(Value::Null) => b.append_null(),
                    Some(v) => b.append_value(v.to_string()),
                }
            }
            Arc::new(b.finish())
        }
        WireType::Int => build!(Int64Builder::with_capacity(len), parse_int),
        WireType::Bool => build!(BooleanBuilder::with_capacity(len), parse_bool),
        WireType::Money | WireType::Rate => {
            let scale = if kind == WireType::Money { 3 } else { 6 };
            let builder = Decimal128Builder::with_capacity(len)
                .with_precision_and_scale(DECIMAL_PRECISION, scale as i8)
                .map_err(|e| Error::Engine {
                    message: format!("decimal column: {e}"),
                })?;
            build!(builder, |v: &Value| parse_decimal_value(v, scale))
        }
        WireType::Date => build!(Date32Builder::with_capacity(len), parse_date_value),
        WireType::Timestamp => build!(
            TimestampSecondBuilder::with_capacity(len).with_timezone("UTC"),
            parse_timestamp_value
        ),
    };
    Ok(array)
}

fn parse_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn parse_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn parse_decimal_value(v: &Value, scale: u32) -> Option<i128> {
    match v {
        // serde_json keeps integers exact and other numbers as the nearest f64, whose shortest
        // round-trip text is what Zoho wrote (40.6 prints as "40.6").
        Value::Number(n) => parse_decimal(&n.to_string(), scale),
        Value::String(s) => parse_decimal(s.trim(), scale),
        _ => None,
    }
}

/// `text` as an integer scaled by 10^scale, exactly: `"12.5"` at scale 3 is 12500. More
/// fractional digits than `scale` (other than trailing zeros), exponents, or overflow: `None`.
pub(crate) fn parse_decimal(text: &str, scale: u32) -> Option<i128> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, f),
        None => (digits, ""),
    };
    if (whole.is_empty() && fraction.is_empty())
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let kept = fraction.len().min(scale as usize);
    if fraction[kept..].bytes().any(|b| b != b'0') {
        return None;
    }
    let mut value: i128 = 0;
    for b in whole.bytes().chain(fraction[..kept].bytes()) {
        value = value.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    for _ in kept..scale as usize {
        value = value.checked_mul(10)?;
    }
    // Decimal128(38, _) holds at most 38 digits.
    if value >= 10i128.pow(u32::from(DECIMAL_PRECISION)) {
        return None;
    }
    Some(if negative { -value } else { value })
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
pub(crate) fn parse_date(text: &str) -> Option<i32> {
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    i32::try_from(date.signed_duration_since(epoch).num_days()).ok()
}

fn parse_date_value(v: &Value) -> Option<i32> {
    v.as_str().and_then(|s| parse_date(s.trim()))
}

/// Seconds since the epoch (UTC) of Zoho's `2026-01-31T10:20:30+0530` (RFC 3339 accepted too).
pub(crate) fn parse_timestamp(text: &str) -> Option<i64> {
    DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z")
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .ok()
        .map(|t| t.timestamp())
}

fn parse_timestamp_value(v: &Value) -> Option<i64> {
    v.as_str().and_then(|s| parse_timestamp(s.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrow::array::{Array, AsArray};
    use crate::arrow::datatypes::{Decimal128Type, Field, Schema};

    #[test]
    fn decimals_are_exact_and_refuse_what_they_cannot_hold() {
        assert_eq!(parse_decimal("12.5", 3), Some(12_500));
        assert_eq!(parse_decimal("-0.125", 3), Some(-125));
        assert_eq!(parse_decimal("7", 3), Some(7_000));
        assert_eq!(parse_decimal("1.2300", 2), Some(123));
        assert_eq!(parse_decimal(".5", 1), Some(5));
        assert_eq!(parse_decimal("1.2345", 3), None, "would round");
        assert_eq!(parse_decimal("1e5", 3), None);
        assert_eq!(parse_decimal("", 3), None);
        assert_eq!(parse_decimal("-", 3), None);
        assert_eq!(parse_decimal("1.2.3", 3), None);
        assert_eq!(parse_decimal("abc", 3), None);
        assert_eq!(parse_decimal(&"9".repeat(40), 0), None, "overflow");
        // The f64 serde_json holds for 40.6 prints back as 40.6.
        let n: Value = serde_json::from_str("40.6").unwrap();
        assert_eq!(parse_decimal_value(&n, 3), Some(40_600));
        let n: Value = serde_json::from_str("123456789012.34").unwrap();
        assert_eq!(parse_decimal_value(&n, 3), Some(123_456_789_012_340));
    }

    #[test]
    fn dates_and_timestamps_in_zohos_forms() {
        assert_eq!(parse_date("1970-01-02"), Some(1));
        assert_eq!(parse_date("2026-01-31"), Some(20_484));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("31/01/2026"), None);
        assert_eq!(
            parse_timestamp("2026-01-31T10:20:30+0530"),
            Some(20_484 * 86_400 + 4 * 3600 + 50 * 60 + 30)
        );
        assert_eq!(
            parse_timestamp("2026-01-31T10:20:30+05:30"),
            parse_timestamp("2026-01-31T04:50:30Z")
        );
        assert_eq!(parse_timestamp("2026-01-31"), None);
    }

    #[test]
    fn a_batch_coerces_values_and_reports_misfits_once_per_column() {
        let records: Vec<serde_json::Map<String, Value>> = serde_json::from_str(
            r#"[{"id":"460000000000000012","total":"12.50","date":"2026-01-31","n":3,"ok":true,"obj":{"a":1}},
                {"id":4600000000000000123,"total":40.6,"date":"","n":"4","ok":"false","obj":null},
                {"id":null,"total":"abc","date":"not-a-date","n":1.5,"ok":1,"obj":[1]},
                {"total":"1.2345","date":"2026-13-01"}]"#,
        )
        .unwrap();
        let refs: Vec<&serde_json::Map<String, Value>> = records.iter().collect();
        let columns = [
            WireColumn {
                source: Source::Parent,
                kind: WireType::Id,
            },
            WireColumn {
                source: Source::Field("id"),
                kind: WireType::Id,
            },
            WireColumn {
                source: Source::Field("total"),
                kind: WireType::Money,
            },
            WireColumn {
                source: Source::Field("date"),
                kind: WireType::Date,
            },
            WireColumn {
                source: Source::Field("n"),
                kind: WireType::Int,
            },
            WireColumn {
                source: Source::Field("ok"),
                kind: WireType::Bool,
            },
            WireColumn {
                source: Source::Field("obj"),
                kind: WireType::Json,
            },
        ];
        let schema = Arc::new(Schema::new(
            ["Parent", "Id", "Total", "Date", "N", "Ok", "Obj"]
                .iter()
                .zip(&columns)
                .map(|(n, c)| Field::new(*n, c.kind.data_type(), true))
                .collect::<Vec<_>>(),
        ));
        let (batch, misfits) = to_batch(&schema, &columns, &refs, Some("77")).unwrap();
        assert_eq!(batch.num_rows(), 4);
        assert_eq!(batch.column(0).as_string::<i32>().value(3), "77");
        let ids = batch.column(1).as_string::<i32>();
        assert_eq!(ids.value(1), "4600000000000000123");
        assert!(ids.is_null(2) && ids.is_null(3));
        let totals = batch.column(2).as_primitive::<Decimal128Type>();
        assert_eq!(totals.value(0), 12_500);
        assert_eq!(totals.value(1), 40_600);
        assert!(totals.is_null(2) && totals.is_null(3));
        let dates = batch
            .column(3)
            .as_primitive::<crate::arrow::datatypes::Date32Type>();
        assert_eq!(dates.value(0), 20_484);
        assert!(dates.is_null(1) && dates.is_null(2) && dates.is_null(3));
        let n = batch
            .column(4)
            .as_primitive::<crate::arrow::datatypes::Int64Type>();
        assert_eq!((n.value(0), n.value(1)), (3, 4));
        assert!(n.is_null(2));
        let ok = batch.column(5).as_boolean();
        assert!(ok.value(0) && !ok.value(1) && ok.is_null(2));
        let obj = batch.column(6).as_string::<i32>();
        assert_eq!(obj.value(0), r#"{"a":1}"#);
        assert!(obj.is_null(1));
        assert_eq!(obj.value(2), "[1]");
        // "" is an absent value (no complaint); "abc", "1.2345", "not-a-date", 1.5, 1 are not.
        let entries = misfits.entries();
        assert_eq!(
            entries.iter().map(|(c, n, _)| (*c, *n)).collect::<Vec<_>>(),
            [(2, 2), (3, 2), (4, 1), (5, 1)]
        );
        assert_eq!(entries[0].2, "\"abc\"");
    }

    #[test]
    fn examples_are_clipped_and_escaped() {
        let long = Value::String(format!("\u{1b}[31m{}", "x".repeat(100)));
        let shown = example(&long);
        assert!(shown.starts_with("\"\\u{1b}[31m"), "{shown}");
        assert!(shown.ends_with('…'));
        assert!(!shown.contains('\u{1b}'));
    }
}
