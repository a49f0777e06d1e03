//! The one pass over a query's AST between our parser and DataFusion's planner.
//!
//! It turns what users write against CData-style connectors into what DataFusion plans:
//!
//! * **Names resolve case-insensitively, as in CData and SQL Server.** DataFusion runs with
//!   identifier normalization off (names are taken as written), and every identifier that matches
//!   a catalog name (table, column, schema, catalog) or a name the query defines (a CTE, a table
//!   alias, a select-list alias) case-insensitively is replaced by that name's one spelling,
//!   quoted. So `select name from organizations` reads `"Name"` from `"Organizations"`, and the
//!   result column keeps the catalog's spelling.
//! * **`TOP n` and `FETCH NEXT n ROWS ONLY`** become `LIMIT n` (DataFusion plans neither).
//! * **Bind markers**: every `?` (in textual order) and every distinct `@name` become positional
//!   placeholders `$1..$n`, so one list of values binds both kinds; a marker without a value and
//!   a value without a marker are errors that name the marker, never the value.
//! * **Unknown tables** are reported before planning, with the closest known name.
//!
//! Planning does no I/O: this pass needs only the catalog's names.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::ControlFlow;

use crate::error::{Error, Result};
use crate::sql::params::{Params, Value};
use crate::sqlparser::ast::{
    Expr, Ident, LimitClause, ObjectName, ObjectNamePart, Query, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, Statement, TableFactor, TopQuantity,
    Value as SqlValue, Visit, VisitMut, Visitor, VisitorMut,
};
use crate::sqlparser::tokenizer::Location;

/// What the rewrite needs to know about the catalog: its names and the columns of each table.
pub(crate) trait NameSource {
    /// The catalog's own name and its schema's name.
    fn namespace(&self) -> (&str, &str);
    /// The canonical name of the table called `name` (any case), if there is one.
    fn table(&self, name: &str) -> Option<&str>;
    /// The column names of the table with canonical name `table`.
    fn columns(&self, table: &str) -> Vec<&str>;
    /// Every table name, for suggestions.
    fn table_names(&self) -> Vec<&str>;
}

/// A query ready for DataFusion's planner, and the values for its placeholders `$1..$n`.
#[derive(Debug)]
pub(crate) struct Rewritten {
    /// The statement, rewritten.
    pub statement: Statement,
    /// The value of `$i` at index `i - 1`.
    pub values: Vec<Value>,
}

/// Rewrites a query statement (a `SELECT`, a set operation, or `EXPLAIN` of one) and binds its
/// markers to `params`.
pub(crate) fn rewrite(
    mut statement: Statement,
    params: &Params,
    names: &dyn NameSource,
) -> Result<Rewritten> {
    let mut found = Collector::default();
    let _ = Visit::visit(&statement, &mut found);

    let known = resolve_tables(&found, names)?;
    let canonical = Canonical::new(&found, &known, names);
    let markers = Markers::new(&found);
    let values = markers.bind(params)?;

    let mut rewriter = Rewriter {
        canonical: &canonical,
        markers: &markers,
    };
    let _ = VisitMut::visit(&mut statement, &mut rewriter);
    Ok(Rewritten { statement, values })
}

/// Everything pass one reads off the statement.
#[derive(Default)]
struct Collector {
    /// Table names in FROM: the parts as written, and the whole name for messages.
    relations: Vec<(Vec<String>, String)>,
    /// Names the query defines: CTEs, table aliases, column aliases.
    defined: Vec<String>,
    /// Where each `?` is (line, column), in visiting order.
    positional: Vec<(u64, u64)>,
    /// Each `@name` with where it first appears.
    named: Vec<(String, (u64, u64))>,
}

fn position(location: Location) -> (u64, u64) {
    (location.line, location.column)
}

impl Visitor for Collector {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.defined.push(cte.alias.name.value.clone());
                self.defined
                    .extend(cte.alias.columns.iter().map(|c| c.name.value.clone()));
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<()> {
        for item in &select.projection {
            match item {
                SelectItem::ExprWithAlias { alias, .. } => self.defined.push(alias.value.clone()),
                SelectItem::ExprWithAliases { aliases, .. } => {
                    self.defined.extend(aliases.iter().map(|a| a.value.clone()))
                }
                _ => {}
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        let alias = match factor {
            TableFactor::Table {
                name, alias, args, ..
            } => {
                if args.is_none() && last_ident(name).is_some() {
                    let parts = name
                        .0
                        .iter()
                        .map(|p| match p {
                            ObjectNamePart::Identifier(i) => i.value.clone(),
                            other => other.to_string(),
                        })
                        .collect();
                    self.relations.push((parts, name.to_string()));
                }
                alias
            }
            TableFactor::Derived { alias, .. }
            | TableFactor::TableFunction { alias, .. }
            | TableFactor::Function { alias, .. }
            | TableFactor::UNNEST { alias, .. }
            | TableFactor::NestedJoin { alias, .. } => alias,
            _ => &None,
        };
        if let Some(alias) = alias {
            self.defined.push(alias.name.value.clone());
            self.defined
                .extend(alias.columns.iter().map(|c| c.name.value.clone()));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        match expr {
            Expr::Value(v) if matches!(&v.value, SqlValue::Placeholder(p) if p == "?") => {
                self.positional.push(position(v.span.start));
            }
            Expr::Identifier(ident) if is_marker(ident) => {
                let name = ident.value[1..].to_owned();
                if !self
                    .named
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(&name))
                {
                    self.named.push((name, position(ident.span.start)));
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

fn is_marker(ident: &Ident) -> bool {
    ident.quote_style.is_none() && ident.value.len() > 1 && ident.value.starts_with('@')
}

fn last_ident(name: &ObjectName) -> Option<&Ident> {
    match name.0.last() {
        Some(ObjectNamePart::Identifier(ident)) => Some(ident),
        _ => None,
    }
}

/// Checks every table the query reads and returns the canonical names of the catalog's ones.
fn resolve_tables(found: &Collector, names: &dyn NameSource) -> Result<Vec<String>> {
    let ctes: HashSet<String> = found.defined.iter().map(|d| d.to_lowercase()).collect();
    let (catalog, schema) = names.namespace();
    let mut known = Vec::new();
    for (parts, whole) in &found.relations {
        let Some((last, qualifiers)) = parts.split_last() else {
            continue;
        };
        // `Books.T` and `ZohoBooks.Books.T` name the catalog's tables; other qualifiers name
        // nothing here.
        let in_catalog = match qualifiers {
            [] => true,
            [s] => s.eq_ignore_ascii_case(schema),
            [c, s] => c.eq_ignore_ascii_case(catalog) && s.eq_ignore_ascii_case(schema),
            _ => false,
        };
        if !in_catalog {
            return Err(Error::UnknownTable {
                name: crate::sql::parse::clipped(whole),
                suggestion: None,
            });
        }
        if let Some(canonical) = names.table(last) {
            if !known.iter().any(|k| k == canonical) {
                known.push(canonical.to_owned());
            }
        } else if !ctes.contains(&last.to_lowercase()) {
            return Err(Error::UnknownTable {
                name: crate::sql::parse::clipped(whole),
                suggestion: closest(last, names.table_names()).map(str::to_owned),
            });
        }
    }
    Ok(known)
}

/// The closest candidate to `name` by edit distance, if it is close enough to be a typo.
pub(crate) fn closest<'a>(name: &str, candidates: Vec<&'a str>) -> Option<&'a str> {
    if name.len() > 128 {
        return None;
    }
    let lower = name.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (c, strsim::damerau_levenshtein(&lower, &c.to_lowercase())))
        .filter(|(c, d)| *d <= (c.len().max(3) / 3).max(2))
        .min_by_key(|(_, d)| *d)
        .map(|(c, _)| c)
}

/// Lower-cased name -> its spellings, the catalog's first.
struct Canonical {
    spellings: HashMap<String, Vec<String>>,
}

impl Canonical {
    fn new(found: &Collector, tables: &[String], names: &dyn NameSource) -> Self {
        let mut spellings: HashMap<String, Vec<String>> = HashMap::new();
        let mut add = |name: &str| {
            let entry = spellings.entry(name.to_lowercase()).or_default();
            if !entry.iter().any(|s| s == name) {
                entry.push(name.to_owned());
            }
        };
        let (catalog, schema) = names.namespace();
        add(catalog);
        add(schema);
        for table in tables {
            add(table);
            for column in names.columns(table) {
                add(column);
            }
        }
        // Names the query defines resolve only where no catalog name does.
        let mut defined = BTreeMap::new();
        for name in &found.defined {
            defined.entry(name.to_lowercase()).or_insert(name.clone());
        }
        for (key, name) in defined {
            spellings.entry(key).or_insert_with(|| vec![name]);
        }
        Canonical { spellings }
    }

    /// The identifier in its one spelling, quoted; `None` when the name is not known here.
    fn resolve(&self, ident: &Ident) -> Option<Ident> {
        let spellings = self.spellings.get(&ident.value.to_lowercase())?;
        let chosen = spellings
            .iter()
            .find(|s| **s == ident.value)
            .unwrap_or(&spellings[0]);
        Some(Ident {
            value: chosen.clone(),
            quote_style: Some('"'),
            span: ident.span,
        })
    }

    fn fix(&self, ident: &mut Ident) {
        if let Some(fixed) = self.resolve(ident) {
            *ident = fixed;
        }
    }

    fn fix_name(&self, name: &mut ObjectName) {
        for part in &mut name.0 {
            if let ObjectNamePart::Identifier(ident) = part {
                self.fix(ident);
            }
        }
    }
}

/// The placeholder number of every marker: `?`s first in textual order, then each `@name`.
struct Markers {
    /// `?` locations in textual order.
    positional: Vec<(u64, u64)>,
    /// Lower-cased `@name`s (without `@`) in order of first appearance, with their spelling.
    named: Vec<(String, String)>,
}

impl Markers {
    fn new(found: &Collector) -> Self {
        let mut positional = found.positional.clone();
        positional.sort_unstable();
        let mut named = found.named.clone();
        named.sort_by_key(|(_, at)| *at);
        Markers {
            positional,
            named: named
                .into_iter()
                .map(|(n, _)| (n.to_lowercase(), n))
                .collect(),
        }
    }

    fn positional_number(&self, at: (u64, u64)) -> Option<usize> {
        self.positional.binary_search(&at).ok().map(|i| i + 1)
    }

    fn named_number(&self, name: &str) -> Option<usize> {
        let key = name.to_lowercase();
        self.named
            .iter()
            .position(|(k, _)| *k == key)
            .map(|i| self.positional.len() + i + 1)
    }

    /// The values in placeholder order; errors name markers, never values.
    fn bind(&self, params: &Params) -> Result<Vec<Value>> {
        let mut values = Vec::with_capacity(self.positional.len() + self.named.len());
        for n in 0..self.positional.len() {
            values.push(params.positional_value(n).cloned().ok_or_else(|| {
                Error::BindParameter {
                    message: format!(
                        "no value for ? marker #{}: the statement has more ? markers than the {} bound value(s)",
                        n + 1,
                        params.positional_len()
                    ),
                }
            })?);
        }
        if params.positional_len() > self.positional.len() {
            return Err(Error::BindParameter {
                message: format!(
                    "{} positional value(s) were bound but the statement has only {} ? marker(s)",
                    params.positional_len(),
                    self.positional.len()
                ),
            });
        }
        for (key, name) in &self.named {
            values.push(params.named_value(key).cloned().ok_or_else(|| {
                Error::BindParameter {
                    message: format!(
                        "no value bound for @{name}; bind one with Params::set(\"{name}\", value)"
                    ),
                }
            })?);
        }
        if let Some(unused) = params
            .named_keys()
            .find(|(key, _)| !self.named.iter().any(|(k, _)| k == key))
        {
            return Err(Error::BindParameter {
                message: format!(
                    "a value was bound for @{} but the statement has no @{} marker",
                    unused.1, unused.1
                ),
            });
        }
        Ok(values)
    }
}

struct Rewriter<'a> {
    canonical: &'a Canonical,
    markers: &'a Markers,
}

fn placeholder(n: usize, span: crate::sqlparser::tokenizer::Span) -> Expr {
    Expr::Value(SqlValue::Placeholder(format!("${n}")).with_span(span))
}

impl VisitorMut for Rewriter<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        // TOP n -> LIMIT n (a TOP with a LIMIT too is refused by the planner's own check).
        if let SetExpr::Select(select) = query.body.as_mut()
            && query.limit_clause.is_none()
            && let Some(top) = select.top.as_ref()
            && !top.percent
            && !top.with_ties
        {
            let limit = match &top.quantity {
                Some(TopQuantity::Constant(n)) => {
                    Some(Expr::value(SqlValue::Number(n.to_string(), false)))
                }
                Some(TopQuantity::Expr(e)) => Some(e.clone()),
                None => None,
            };
            if let Some(limit) = limit {
                select.top = None;
                query.limit_clause = Some(LimitClause::LimitOffset {
                    limit: Some(limit),
                    offset: None,
                    limit_by: Vec::new(),
                });
            }
        }
        // OFFSET m ROWS FETCH NEXT n ROWS ONLY -> LIMIT n OFFSET m.
        if let Some(fetch) = query.fetch.as_ref()
            && !fetch.percent
            && !fetch.with_ties
        {
            let quantity = fetch
                .quantity
                .clone()
                .unwrap_or_else(|| Expr::value(SqlValue::Number("1".into(), false)));
            match &mut query.limit_clause {
                None => {
                    query.limit_clause = Some(LimitClause::LimitOffset {
                        limit: Some(quantity),
                        offset: None,
                        limit_by: Vec::new(),
                    });
                    query.fetch = None;
                }
                Some(LimitClause::LimitOffset {
                    limit: limit @ None,
                    ..
                }) => {
                    *limit = Some(quantity);
                    query.fetch = None;
                }
                _ => {}
            }
        }
        if let Some(with) = &mut query.with {
            for cte in &mut with.cte_tables {
                self.canonical.fix(&mut cte.alias.name);
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<()> {
        for item in &mut select.projection {
            if let SelectItem::QualifiedWildcard(
                SelectItemQualifiedWildcardKind::ObjectName(n),
                _,
            ) = item
            {
                self.canonical.fix_name(n);
            }
        }
        for table in &mut select.from {
            for join in &mut table.joins {
                use crate::sqlparser::ast::{JoinConstraint, JoinOperator as J};
                let constraint = match &mut join.join_operator {
                    J::Join(c)
                    | J::Inner(c)
                    | J::Left(c)
                    | J::LeftOuter(c)
                    | J::Right(c)
                    | J::RightOuter(c)
                    | J::FullOuter(c)
                    | J::Semi(c)
                    | J::LeftSemi(c)
                    | J::RightSemi(c)
                    | J::Anti(c)
                    | J::LeftAnti(c)
                    | J::RightAnti(c) => Some(c),
                    _ => None,
                };
                if let Some(JoinConstraint::Using(columns)) = constraint {
                    for column in columns {
                        self.canonical.fix_name(column);
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        self.canonical.fix_name(relation);
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        let alias = match factor {
            TableFactor::Table { alias, .. }
            | TableFactor::Derived { alias, .. }
            | TableFactor::TableFunction { alias, .. }
            | TableFactor::Function { alias, .. }
            | TableFactor::UNNEST { alias, .. }
            | TableFactor::NestedJoin { alias, .. } => alias,
            _ => return ControlFlow::Continue(()),
        };
        if let Some(alias) = alias {
            self.canonical.fix(&mut alias.name);
            for column in &mut alias.columns {
                self.canonical.fix(&mut column.name);
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        match expr {
            Expr::Value(v) if matches!(&v.value, SqlValue::Placeholder(p) if p == "?") => {
                if let Some(n) = self.markers.positional_number(position(v.span.start)) {
                    *expr = placeholder(n, v.span);
                }
            }
            Expr::Identifier(ident) if is_marker(ident) => {
                if let Some(n) = self.markers.named_number(&ident.value[1..]) {
                    *expr = placeholder(n, ident.span);
                }
            }
            Expr::Identifier(ident) => match self.canonical.resolve(ident) {
                Some(fixed) => *ident = fixed,
                // MsSql reads TRUE and FALSE as names; unquoted, they are the boolean literals
                // (a column named so can be written [true]).
                None if ident.quote_style.is_none()
                    && (ident.value.eq_ignore_ascii_case("true")
                        || ident.value.eq_ignore_ascii_case("false")) =>
                {
                    *expr = Expr::Value(
                        SqlValue::Boolean(ident.value.eq_ignore_ascii_case("true"))
                            .with_span(ident.span),
                    );
                }
                None => {}
            },
            Expr::CompoundIdentifier(parts) => {
                for part in parts {
                    self.canonical.fix(part);
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}
