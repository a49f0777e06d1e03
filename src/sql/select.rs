//! Evaluates a [`SelectPlan`] over Arrow record batches with arrow's compute kernels:
//! `WHERE` with the `cmp`, `boolean` and `like` kernels and `filter_record_batch`, `ORDER BY`
//! with `lexsort_to_indices` + `take_record_batch`, `LIMIT`/`OFFSET` with `RecordBatch::slice`.
//!
//! Comparisons follow SQL's three-valued logic (`NULL` compares as unknown, `AND`/`OR` are
//! Kleene); a row is kept only when the condition is true. A literal compared with a column is
//! cast to the column's type first (`'true'` to a boolean, `'42'` to an integer, ...).

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, Datum, RecordBatch, Scalar, StringArray, new_null_array,
};
use arrow::compute::kernels::{boolean, cmp, comparison};
use arrow::compute::{
    CastOptions, SortColumn, SortOptions, cast, cast_with_options, concat_batches,
    filter_record_batch, is_not_null, is_null, lexsort_to_indices, take_record_batch,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::util::display::FormatOptions;

use crate::error::{Error, Result};
use crate::result::ResultSet;
use crate::sql::params::Value;
use crate::sql::parse::{CompareOp, Operand, Predicate, SelectItem, SelectPlan, ValueExpr};

/// Runs `plan` over the rows of its table (`schema` + `batches`, as returned by a scan).
pub fn execute(
    plan: &SelectPlan,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> Result<ResultSet> {
    let table = Table {
        name: &plan.table,
        schema: &schema,
    };
    // Resolve every column first, so a wrong name fails even on an empty table.
    let projection = table.projection(plan)?;
    let sort_columns: Vec<(usize, SortOptions)> = plan
        .order_by
        .iter()
        .map(|k| {
            Ok((
                table.sort_column(&k.column, plan)?,
                SortOptions {
                    descending: k.descending,
                    // SQL Server sorts NULL as the lowest value.
                    nulls_first: k.nulls_first.unwrap_or(!k.descending),
                },
            ))
        })
        .collect::<Result<_>>()?;

    let mut batch = concat_batches(&schema, &batches)?;
    if let Some(filter) = &plan.filter {
        let mask = table.eval(filter, &batch)?;
        batch = filter_record_batch(&batch, &mask)?;
    }
    if !sort_columns.is_empty() && batch.num_rows() > 1 {
        let columns: Vec<SortColumn> = sort_columns
            .iter()
            .map(|(i, options)| SortColumn {
                values: batch.column(*i).clone(),
                options: Some(*options),
            })
            .collect();
        let indices = lexsort_to_indices(&columns, None)?;
        batch = take_record_batch(&batch, &indices)?;
    }
    let rows = batch.num_rows();
    let start = plan.offset.min(rows);
    let len = plan.limit.map_or(rows - start, |l| l.min(rows - start));
    if start != 0 || len != rows {
        batch = batch.slice(start, len);
    }

    let fields: Vec<Field> = projection
        .iter()
        .map(|(i, name)| schema.field(*i).clone().with_name(name.clone()))
        .collect();
    let out_schema = Arc::new(Schema::new(fields));
    let columns: Vec<ArrayRef> = projection
        .iter()
        .map(|(i, _)| batch.column(*i).clone())
        .collect();
    let out = RecordBatch::try_new(out_schema.clone(), columns)?;
    Ok(ResultSet::new(out_schema, vec![out]))
}

/// A Kleene AND/OR kernel.
type Kernel =
    fn(&BooleanArray, &BooleanArray) -> std::result::Result<BooleanArray, arrow::error::ArrowError>;

struct Table<'a> {
    name: &'a str,
    schema: &'a SchemaRef,
}

/// A value to compare: a whole column or a single literal.
enum Side {
    Column(ArrayRef),
    Literal(Scalar<ArrayRef>),
}

impl Side {
    fn datum(&self) -> &dyn Datum {
        match self {
            Side::Column(a) => a,
            Side::Literal(s) => s,
        }
    }
}

impl Table<'_> {
    fn column(&self, name: &str) -> Result<usize> {
        let fields = self.schema.fields();
        fields
            .iter()
            .position(|f| f.name() == name)
            .or_else(|| {
                fields
                    .iter()
                    .position(|f| f.name().eq_ignore_ascii_case(name))
            })
            .ok_or_else(|| Error::UnknownColumn {
                table: self.name.to_owned(),
                column: name.to_owned(),
                known: fields.iter().map(|f| f.name().clone()).collect(),
            })
    }

    /// An ORDER BY key: a table column, else an alias from the select list.
    fn sort_column(&self, name: &str, plan: &SelectPlan) -> Result<usize> {
        self.column(name).or_else(|err| {
            plan.projection
                .items
                .iter()
                .find_map(|item| match item {
                    SelectItem::Column {
                        name: column,
                        alias: Some(alias),
                    } if alias.eq_ignore_ascii_case(name) => Some(self.column(column)),
                    _ => None,
                })
                .unwrap_or(Err(err))
        })
    }

    /// (column index, output name) for every output column.
    fn projection(&self, plan: &SelectPlan) -> Result<Vec<(usize, String)>> {
        let mut out = Vec::new();
        for item in &plan.projection.items {
            match item {
                SelectItem::Wildcard => out.extend(
                    self.schema
                        .fields()
                        .iter()
                        .enumerate()
                        .map(|(i, f)| (i, f.name().clone())),
                ),
                SelectItem::Column { name, alias } => {
                    let i = self.column(name)?;
                    let shown = alias
                        .clone()
                        .unwrap_or_else(|| self.schema.field(i).name().clone());
                    out.push((i, shown));
                }
            }
        }
        Ok(out)
    }

    fn literal<'v>(&self, value: &'v ValueExpr) -> Result<&'v Value> {
        match value {
            ValueExpr::Literal(v) => Ok(v),
            ValueExpr::Positional(n) => Err(Error::BindParameter {
                message: format!("no value bound for ? marker #{}", n + 1),
            }),
            ValueExpr::Named(name) => Err(Error::BindParameter {
                message: format!("no value bound for @{name}"),
            }),
        }
    }

    /// A one-element array holding `value` cast to `target`.
    fn literal_array(&self, value: &Value, target: &DataType, column: &str) -> Result<ArrayRef> {
        let Some(text) = value.text_exposing_secret() else {
            return Ok(new_null_array(target, 1));
        };
        let source: ArrayRef = Arc::new(StringArray::from(vec![text.as_ref()]));
        let options = CastOptions {
            safe: false,
            format_options: FormatOptions::default(),
        };
        cast_with_options(&source, target, &options).map_err(|_| Error::SqlSyntax {
            message: format!(
                "cannot compare column {column} ({target}) with the given value: it is not a valid {target}"
            ),
        })
    }

    /// Both sides of a comparison, with a literal converted to the column's type.
    fn sides(&self, left: &Operand, right: &Operand, batch: &RecordBatch) -> Result<(Side, Side)> {
        Ok(match (left, right) {
            (Operand::Column(a), Operand::Column(b)) => {
                let l = batch.column(self.column(a)?).clone();
                let mut r = batch.column(self.column(b)?).clone();
                if r.data_type() != l.data_type() {
                    r = cast(&r, l.data_type())?;
                }
                (Side::Column(l), Side::Column(r))
            }
            (Operand::Column(a), Operand::Value(v)) => {
                let l = batch.column(self.column(a)?).clone();
                let r = self.literal_array(self.literal(v)?, l.data_type(), a)?;
                (Side::Column(l), Side::Literal(Scalar::new(r)))
            }
            (Operand::Value(v), Operand::Column(b)) => {
                let r = batch.column(self.column(b)?).clone();
                let l = self.literal_array(self.literal(v)?, r.data_type(), b)?;
                (Side::Literal(Scalar::new(l)), Side::Column(r))
            }
            (Operand::Value(a), Operand::Value(b)) => {
                let (a, b) = (self.literal(a)?, self.literal(b)?);
                // Two numbers compare as numbers, anything else as text.
                let ty = if matches!(a, Value::Number(_)) && matches!(b, Value::Number(_)) {
                    DataType::Float64
                } else {
                    DataType::Utf8
                };
                (
                    Side::Literal(Scalar::new(self.literal_array(a, &ty, "(literal)")?)),
                    Side::Literal(Scalar::new(self.literal_array(b, &ty, "(literal)")?)),
                )
            }
        })
    }

    fn compare(
        &self,
        left: &Operand,
        op: CompareOp,
        right: &Operand,
        batch: &RecordBatch,
    ) -> Result<BooleanArray> {
        let (l, r) = self.sides(left, right, batch)?;
        let (l, r) = (l.datum(), r.datum());
        let result = match op {
            CompareOp::Eq => cmp::eq(l, r),
            CompareOp::NotEq => cmp::neq(l, r),
            CompareOp::Lt => cmp::lt(l, r),
            CompareOp::LtEq => cmp::lt_eq(l, r),
            CompareOp::Gt => cmp::gt(l, r),
            CompareOp::GtEq => cmp::gt_eq(l, r),
        }?;
        Ok(broadcast(result, batch.num_rows()))
    }

    /// `operand` as text: columns of other types are cast to Utf8.
    fn text_side(&self, operand: &Operand, batch: &RecordBatch) -> Result<Side> {
        Ok(match operand {
            Operand::Column(c) => {
                let array = batch.column(self.column(c)?).clone();
                Side::Column(match array.data_type() {
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => array,
                    _ => cast(&array, &DataType::Utf8)?,
                })
            }
            Operand::Value(v) => Side::Literal(Scalar::new(self.literal_array(
                self.literal(v)?,
                &DataType::Utf8,
                "(pattern)",
            )?)),
        })
    }

    /// Combines the terms of a flat AND/OR chain with a Kleene kernel.
    fn fold(
        &self,
        terms: &[Predicate],
        batch: &RecordBatch,
        kernel: Kernel,
    ) -> Result<BooleanArray> {
        let mut acc: Option<BooleanArray> = None;
        for term in terms {
            let value = self.eval(term, batch)?;
            acc = Some(match acc {
                None => value,
                Some(prev) => kernel(&prev, &value)?,
            });
        }
        Ok(acc.unwrap_or_else(|| BooleanArray::from(vec![true; batch.num_rows()])))
    }

    fn eval(&self, predicate: &Predicate, batch: &RecordBatch) -> Result<BooleanArray> {
        let rows = batch.num_rows();
        Ok(match predicate {
            Predicate::Compare { left, op, right } => self.compare(left, *op, right, batch)?,
            Predicate::Like {
                expr,
                pattern,
                negated,
                case_insensitive,
            } => {
                let l = self.text_side(expr, batch)?;
                let r = self.text_side(pattern, batch)?;
                let kernel = match (negated, case_insensitive) {
                    (false, false) => comparison::like,
                    (true, false) => comparison::nlike,
                    (false, true) => comparison::ilike,
                    (true, true) => comparison::nilike,
                };
                broadcast(kernel(l.datum(), r.datum())?, rows)
            }
            Predicate::InList {
                expr,
                list,
                negated,
            } => {
                let mut acc: Option<BooleanArray> = None;
                for item in list {
                    let hit = self.compare(expr, CompareOp::Eq, item, batch)?;
                    acc = Some(match acc {
                        None => hit,
                        Some(prev) => boolean::or_kleene(&prev, &hit)?,
                    });
                }
                let acc = acc.unwrap_or_else(|| BooleanArray::from(vec![false; rows]));
                if *negated { boolean::not(&acc)? } else { acc }
            }
            Predicate::Between {
                expr,
                low,
                high,
                negated,
            } => {
                let above = self.compare(expr, CompareOp::GtEq, low, batch)?;
                let below = self.compare(expr, CompareOp::LtEq, high, batch)?;
                let inside = boolean::and_kleene(&above, &below)?;
                if *negated {
                    boolean::not(&inside)?
                } else {
                    inside
                }
            }
            Predicate::IsNull { expr, negated } => match expr {
                Operand::Column(c) => {
                    let array = batch.column(self.column(c)?);
                    if *negated {
                        is_not_null(array)?
                    } else {
                        is_null(array)?
                    }
                }
                Operand::Value(v) => {
                    let null = self.literal(v)?.is_null();
                    BooleanArray::from(vec![null != *negated; rows])
                }
            },
            Predicate::Truth(operand) => match operand {
                Operand::Column(c) => {
                    let array = batch.column(self.column(c)?);
                    match array.as_any().downcast_ref::<BooleanArray>() {
                        Some(b) => b.clone(),
                        None => {
                            return Err(Error::SqlSyntax {
                                message: format!(
                                    "column {c} is not boolean, so it cannot be a condition by itself; compare it, e.g. {c} = '...'"
                                ),
                            });
                        }
                    }
                }
                Operand::Value(v) => match self.literal(v)? {
                    Value::Boolean(b) => BooleanArray::from(vec![*b; rows]),
                    Value::Null => BooleanArray::from(vec![None; rows]),
                    _ => {
                        return Err(Error::SqlSyntax {
                            message: "a condition must be a comparison or TRUE/FALSE".into(),
                        });
                    }
                },
            },
            Predicate::And(terms) => self.fold(terms, batch, boolean::and_kleene)?,
            Predicate::Or(terms) => self.fold(terms, batch, boolean::or_kleene)?,
            Predicate::Not(a) => boolean::not(&self.eval(a, batch)?)?,
        })
    }
}

/// A literal-vs-literal result has one element; repeat it for every row.
fn broadcast(result: BooleanArray, rows: usize) -> BooleanArray {
    if result.len() == rows {
        return result;
    }
    let value = (result.len() == 1 && result.is_valid(0)).then(|| result.value(0));
    BooleanArray::from(vec![value; rows])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::params::{Params, bind};
    use crate::sql::parse::{Plan, parse_statement};
    use arrow::array::Int64Array;

    fn table() -> (SchemaRef, Vec<RecordBatch>) {
        let schema = Arc::new(Schema::new(vec![
            Field::new("Name", DataType::Utf8, true),
            Field::new("N", DataType::Int64, true),
            Field::new("Flag", DataType::Boolean, true),
        ]));
        let b1 = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec![Some("apple"), Some("Banana"), None])),
                Arc::new(Int64Array::from(vec![Some(3), Some(10), Some(7)])),
                Arc::new(BooleanArray::from(vec![Some(true), Some(false), None])),
            ],
        )
        .unwrap();
        let b2 = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec![Some("cherry"), Some("date")])),
                Arc::new(Int64Array::from(vec![None, Some(1)])),
                Arc::new(BooleanArray::from(vec![Some(true), Some(true)])),
            ],
        )
        .unwrap();
        (schema, vec![b1, b2])
    }

    fn run(sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        run_with(sql, &Params::new())
    }

    fn run_with(sql: &str, params: &Params) -> Result<Vec<Vec<Option<String>>>> {
        let Plan::Select(plan) = bind(parse_statement(sql)?, params)? else {
            panic!("not a select")
        };
        let (schema, batches) = table();
        Ok(execute(&plan, schema, batches)?.rows())
    }

    fn names(sql: &str) -> Vec<String> {
        run(sql)
            .unwrap()
            .into_iter()
            .map(|r| r[0].clone().unwrap_or_else(|| "NULL".into()))
            .collect()
    }

    #[test]
    fn filters() {
        assert_eq!(names("SELECT Name FROM t WHERE N > 5"), ["Banana", "NULL"]);
        assert_eq!(
            names("SELECT Name FROM t WHERE N >= '7'"),
            ["Banana", "NULL"]
        );
        assert_eq!(
            names("SELECT Name FROM t WHERE Name LIKE '%an%'"),
            ["Banana"]
        );
        assert_eq!(
            names("SELECT Name FROM t WHERE Name ILIKE 'b%'"),
            ["Banana"]
        );
        assert_eq!(
            names("SELECT Name FROM t WHERE Name NOT LIKE '%a%'"),
            ["cherry"]
        );
        assert_eq!(
            names("SELECT Name FROM t WHERE N IN (1, 3)"),
            ["apple", "date"]
        );
        assert_eq!(
            names("SELECT Name FROM t WHERE N NOT IN (1, 3)"),
            ["Banana", "NULL"]
        );
        assert_eq!(names("SELECT Name FROM t WHERE N IS NULL"), ["cherry"]);
        assert_eq!(names("SELECT Name FROM t WHERE Name IS NULL"), ["NULL"]);
        assert_eq!(
            names("SELECT Name FROM t WHERE Flag AND NOT (N < 2 OR N = 3)"),
            Vec::<String>::new()
        );
        assert_eq!(
            names("SELECT Name FROM t WHERE Flag = 'true' OR N BETWEEN 8 AND 12"),
            ["apple", "Banana", "cherry", "date"]
        );
        assert_eq!(
            names("SELECT Name FROM t WHERE N <> 10 AND N != 3"),
            ["NULL", "date"]
        );
        assert_eq!(
            names("SELECT Name FROM t WHERE 1 = 1 AND 2 < 10"),
            ["apple", "Banana", "NULL", "cherry", "date"]
        );
        assert_eq!(
            names("SELECT Name FROM t WHERE N = NULL"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn sort_limit_offset_top_and_projection() {
        assert_eq!(
            names("SELECT Name FROM t ORDER BY N DESC"),
            ["Banana", "NULL", "apple", "date", "cherry"]
        );
        assert_eq!(
            names("SELECT Name FROM t ORDER BY N"),
            ["cherry", "date", "apple", "NULL", "Banana"]
        );
        assert_eq!(
            names("SELECT Name FROM t ORDER BY Flag DESC, Name ASC NULLS LAST"),
            ["apple", "cherry", "date", "Banana", "NULL"]
        );
        assert_eq!(
            names("SELECT Name FROM t ORDER BY N LIMIT 2 OFFSET 1"),
            ["date", "apple"]
        );
        assert_eq!(names("SELECT TOP 2 Name FROM t"), ["apple", "Banana"]);
        assert_eq!(names("SELECT Name FROM t LIMIT 10 OFFSET 4"), ["date"]);
        assert_eq!(names("SELECT Name FROM t LIMIT 0"), Vec::<String>::new());
        assert_eq!(names("SELECT Name FROM t OFFSET 9"), Vec::<String>::new());
        assert_eq!(
            names("SELECT Name FROM t ORDER BY N OFFSET 1 ROWS FETCH NEXT 1 ROWS ONLY"),
            ["date"]
        );
        let (schema, batches) = table();
        let Plan::Select(plan) =
            parse_statement("SELECT n AS Count, *, [Name] FROM t WHERE name = 'date'").unwrap()
        else {
            panic!()
        };
        let rs = execute(&plan, schema, batches).unwrap();
        assert_eq!(rs.column_names(), ["Count", "Name", "N", "Flag", "Name"]);
        assert_eq!(rs.value(0, "Count").as_deref(), Some("1"));
    }

    #[test]
    fn bound_values_and_errors() {
        let rows = run_with(
            "SELECT Name FROM t WHERE Name = ? OR N = @n",
            &Params::new().bind("apple").set("n", 10_i64),
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        let e = run("SELECT Nope FROM t").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown column 'Nope' in t; its columns are: Name, N, Flag"
        );
        let e = run("SELECT * FROM t ORDER BY Zip").unwrap_err();
        assert!(matches!(e, Error::UnknownColumn { .. }));
        let e = run("SELECT * FROM t WHERE N = 'abc'").unwrap_err();
        assert!(e.to_string().contains("not a valid Int64"), "{e}");
        let e = run("SELECT * FROM t WHERE Name").unwrap_err();
        assert!(e.to_string().contains("not boolean"), "{e}");
    }
}
