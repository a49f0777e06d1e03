//! Bind parameters: values for the `?` and `@name` markers of a statement.
//!
//! Bind secrets instead of splicing them into SQL text: a value bound as
//! [`Value::Secret`] stays in a redacting [`SecretString`] all the way to the procedure, and no
//! `Debug` print of [`Params`] shows any value.
//!
//! ```
//! use zohobooks_sql::{Params, secret::SecretString};
//!
//! let params = Params::new()
//!     .bind("WEB")                                         // the first `?`
//!     .set("@Verifier", SecretString::new("1000.abc"));   // `@Verifier` (the `@` is optional)
//! assert!(!format!("{params:?}").contains("1000.abc"));
//! ```

use std::collections::BTreeMap;
use std::fmt;

use crate::error::{Error, Result};
use crate::secret::SecretString;
use crate::sql::parse::{CallPlan, Plan, ValueExpr};

/// A value in a statement: a literal from the SQL text or a bound parameter.
///
/// `Debug` shows the kind of value and, for text, only its length: SQL literals may carry
/// secrets (`@Verifier = '1000.…'`), so they are never printed.
#[derive(Clone, PartialEq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// Text (`'...'` or `N'...'` in SQL).
    Text(String),
    /// A number, kept as written (`42`, `-1`, `3.5`).
    Number(String),
    /// `TRUE` / `FALSE`.
    Boolean(bool),
    /// Text that must never be displayed (bound by the caller).
    Secret(SecretString),
}

impl Value {
    /// Whether the value is `NULL`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as text, exposing a secret; `None` for `NULL`.
    pub(crate) fn text_exposing_secret(&self) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        match self {
            Value::Null => None,
            Value::Text(s) | Value::Number(s) => Some(Cow::Borrowed(s)),
            Value::Boolean(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            Value::Secret(s) => Some(Cow::Borrowed(s.expose_secret())),
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("Null"),
            Value::Text(s) => write!(f, "Text(<{} chars>)", s.chars().count()),
            Value::Number(n) => write!(f, "Number({n})"),
            Value::Boolean(b) => write!(f, "Boolean({b})"),
            Value::Secret(_) => f.write_str("Secret([redacted])"),
        }
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<SecretString> for Value {
    fn from(v: SecretString) -> Self {
        Value::Secret(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Boolean(v)
    }
}
macro_rules! number_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::Number(v.to_string())
            }
        }
    )*};
}
number_from!(i32, i64, u32, u64, usize, f64);
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Values for a statement's bind markers: positional values for `?` (in textual order) and named
/// values for `@name` (names are case-insensitive; the `@` is optional).
///
/// Binding is strict: a marker without a value and a value that no marker uses are both errors
/// ([`Error::BindParameter`]).
#[derive(Clone, Default)]
pub struct Params {
    positional: Vec<Value>,
    /// Lower-cased name without `@` -> (name as given, value).
    named: BTreeMap<String, (String, Value)>,
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Params")
            .field("positional", &self.positional.len())
            .field(
                "named",
                &self.named.values().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Params {
    /// No parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a value for the next `?` marker.
    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.positional.push(value.into());
        self
    }

    /// Sets the value of the `@name` marker (`name` with or without `@`, any case). Setting a name
    /// twice keeps the last value.
    pub fn set(mut self, name: &str, value: impl Into<Value>) -> Self {
        let name = name.trim_start_matches('@');
        self.named
            .insert(name.to_lowercase(), (name.to_owned(), value.into()));
        self
    }

    /// Positional values for `?` markers, in order.
    pub fn positional<I, V>(values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        Params {
            positional: values.into_iter().map(Into::into).collect(),
            named: BTreeMap::new(),
        }
    }

    /// Whether no value is bound.
    pub fn is_empty(&self) -> bool {
        self.positional.is_empty() && self.named.is_empty()
    }

    pub(crate) fn positional_len(&self) -> usize {
        self.positional.len()
    }

    pub(crate) fn positional_value(&self, n: usize) -> Option<&Value> {
        self.positional.get(n)
    }

    /// The value of `@name`, by lower-cased name without `@`.
    pub(crate) fn named_value(&self, key: &str) -> Option<&Value> {
        self.named.get(key).map(|(_, v)| v)
    }

    /// (lower-cased key, name as given) of every named value.
    pub(crate) fn named_keys(&self) -> impl Iterator<Item = (&str, &str)> {
        self.named
            .iter()
            .map(|(k, (n, _))| (k.as_str(), n.as_str()))
    }
}

/// Replaces every bind marker of `plan` with its value from `params`.
///
/// Errors when a marker has no value or a value is not used by any marker; the messages name
/// markers, never values.
pub fn bind(plan: Plan, params: &Params) -> Result<Plan> {
    let mut binder = Binder {
        params,
        used_positional: 0,
        used_named: Vec::new(),
    };
    let plan = match plan {
        Plan::Call(call) => Plan::Call(CallPlan {
            procedure: call.procedure,
            args: call
                .args
                .into_iter()
                .map(|mut a| {
                    a.value = binder.value(a.value)?;
                    Ok(a)
                })
                .collect::<Result<_>>()?,
        }),
        // Queries are bound by the rewrite that hands them to the engine.
        Plan::Query(statement) => return Ok(Plan::Query(statement)),
    };
    if binder.used_positional < params.positional.len() {
        return Err(Error::BindParameter {
            message: format!(
                "{} positional value(s) were bound but the statement has only {} ? marker(s)",
                params.positional.len(),
                binder.used_positional
            ),
        });
    }
    if let Some((_, (name, _))) = params
        .named
        .iter()
        .find(|(key, _)| !binder.used_named.contains(key))
    {
        return Err(Error::BindParameter {
            message: format!(
                "a value was bound for @{name} but the statement has no @{name} marker"
            ),
        });
    }
    Ok(plan)
}

struct Binder<'p> {
    params: &'p Params,
    used_positional: usize,
    used_named: Vec<String>,
}

impl Binder<'_> {
    fn value(&mut self, value: ValueExpr) -> Result<ValueExpr> {
        match value {
            ValueExpr::Literal(v) => Ok(ValueExpr::Literal(v)),
            ValueExpr::Positional(n) => {
                let v = self.params.positional.get(n).ok_or_else(|| Error::BindParameter {
                    message: format!(
                        "no value for ? marker #{}: the statement has more ? markers than the {} bound value(s)",
                        n + 1,
                        self.params.positional.len()
                    ),
                })?;
                self.used_positional = self.used_positional.max(n + 1);
                Ok(ValueExpr::Literal(v.clone()))
            }
            ValueExpr::Named(name) => {
                let key = name.to_lowercase();
                let (_, v) = self.params.named.get(&key).ok_or_else(|| Error::BindParameter {
                    message: format!(
                        "no value bound for @{name}; bind one with Params::set(\"{name}\", value)"
                    ),
                })?;
                if !self.used_named.contains(&key) {
                    self.used_named.push(key);
                }
                Ok(ValueExpr::Literal(v.clone()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parse::parse_statement;

    fn call_values(plan: &Plan) -> Vec<Value> {
        match plan {
            Plan::Call(c) => c
                .args
                .iter()
                .map(|a| match &a.value {
                    ValueExpr::Literal(v) => v.clone(),
                    other => panic!("unbound {other:?}"),
                })
                .collect(),
            Plan::Query(_) => panic!("not a call"),
        }
    }

    #[test]
    fn positional_and_named_markers_are_bound_in_order() {
        let plan = parse_statement("EXEC P @A = ?, @B = @cb, @C = ?").unwrap();
        let bound = bind(
            plan,
            &Params::new().bind("one").bind(2_i64).set("CB", "three"),
        )
        .unwrap();
        assert_eq!(
            call_values(&bound),
            [
                Value::Text("one".into()),
                Value::Text("three".into()),
                Value::Number("2".into())
            ]
        );
    }

    #[test]
    fn missing_and_unused_values_are_errors() {
        let plan = parse_statement("EXEC P @A = ?, @B = ?").unwrap();
        let err = bind(plan.clone(), &Params::new().bind("x")).unwrap_err();
        assert!(err.to_string().contains("? marker #2"), "{err}");
        let err = bind(plan, &Params::positional(["a", "b", "c"])).unwrap_err();
        assert!(err.to_string().contains("3 positional value(s)"), "{err}");
        let plan = parse_statement("EXEC P @A = @x").unwrap();
        let err = bind(plan.clone(), &Params::new()).unwrap_err();
        assert!(err.to_string().contains("no value bound for @x"), "{err}");
        let err = bind(plan, &Params::new().set("x", "1").set("@y", "2")).unwrap_err();
        assert!(err.to_string().contains("@y"), "{err}");
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let p = Params::new()
            .bind(SecretString::new("hunter2"))
            .set("v", "plain-but-hidden");
        let printed = format!("{p:?}");
        assert!(!printed.contains("hunter2") && !printed.contains("plain-but-hidden"));
        let plan = bind(parse_statement("EXEC P @A = ?, @B = @v").unwrap(), &p).unwrap();
        let printed = format!("{plan:?}");
        assert!(!printed.contains("hunter2") && !printed.contains("plain-but-hidden"));
    }
}
