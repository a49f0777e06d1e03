//! SQL text to [`Plan`]: sqlparser (MS SQL dialect) does the parsing, this module keeps the subset
//! the connector executes and rejects everything else with a message naming the construct.
//!
//! The accepted grammar is written down in `grammar/sql-subset.ebnf`.

use crate::sqlparser::ast::{
    self, BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, ObjectName,
    ObjectNamePart, Statement, UnaryOperator,
};
use crate::sqlparser::dialect::MsSqlDialect;
use crate::sqlparser::parser::Parser;
use crate::sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use crate::error::{Error, Result};
use crate::sql::params::Value;

/// What one statement asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// `EXEC proc @name = value, ...` (or `CALL proc(name = value, ...)`).
    Call(CallPlan),
    /// A query (`SELECT`, a set operation, `WITH`, `VALUES`) or `EXPLAIN` of one, for the engine.
    /// Bind markers are still in it: [`rewrite`](crate::sql) numbers and binds them.
    Query(Box<Statement>),
}

/// A stored-procedure call as written: not yet checked against the procedure catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct CallPlan {
    /// The procedure name as written (brackets and quotes removed, last part of a dotted name).
    pub procedure: String,
    /// The named arguments in the order written.
    pub args: Vec<CallArg>,
}

/// One `name = value` argument of a call.
#[derive(Debug, Clone, PartialEq)]
pub struct CallArg {
    /// The parameter name as written, without a leading `@`.
    pub name: String,
    /// The value: a literal or a bind marker.
    pub value: ValueExpr,
}

/// A value in a statement: a literal, or a bind marker to be replaced by [`Params`](crate::Params).
#[derive(Debug, Clone, PartialEq)]
pub enum ValueExpr {
    /// A literal (`'text'`, `N'text'`, `42`, `NULL`, `TRUE`), or a value bound to a marker.
    Literal(Value),
    /// The n-th `?` marker of the statement (0-based, in textual order).
    Positional(usize),
    /// An `@name` marker; the name is stored without `@`, as written.
    Named(String),
}

fn dialect() -> MsSqlDialect {
    MsSqlDialect {}
}

/// Tokenizes `sql` and cuts the tokens at every `;`, dropping chunks that hold only whitespace and
/// comments.
fn tokenized_statements(sql: &str) -> Result<Vec<Vec<TokenWithSpan>>> {
    let dialect = dialect();
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| Error::SqlSyntax {
            message: e.to_string(),
        })?;
    let mut statements = Vec::new();
    // The common case, one statement without `;`: keep the tokens as they are (no copy).
    if !tokens.iter().any(|t| t.token == Token::SemiColon) {
        push_chunk(&mut statements, tokens);
        return Ok(statements);
    }
    let mut current = Vec::with_capacity(tokens.len());
    for token in tokens {
        if token.token == Token::SemiColon {
            push_chunk(&mut statements, std::mem::take(&mut current));
        } else {
            current.push(token);
        }
    }
    push_chunk(&mut statements, current);
    Ok(statements)
}

fn push_chunk(statements: &mut Vec<Vec<TokenWithSpan>>, chunk: Vec<TokenWithSpan>) {
    if chunk
        .iter()
        .any(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
    {
        statements.push(chunk);
    }
}

/// Splits a script into its statements at `;` (outside string literals and comments), returning
/// each statement's text as written, without the `;`. Statements may span lines; empty
/// statements and comment-only parts are dropped.
///
/// ```
/// let parts = zohobooks_sql::sql::split_statements(
///     "SELECT * FROM sys_tables;\n-- a comment\nEXEC P @A = 'x;y'\n;",
/// )?;
/// assert_eq!(parts, ["SELECT * FROM sys_tables", "EXEC P @A = 'x;y'"]);
/// # Ok::<(), zohobooks_sql::Error>(())
/// ```
pub fn split_statements(script: &str) -> Result<Vec<String>> {
    let mut cursor = OffsetCursor::new(script);
    let mut out = Vec::new();
    for chunk in tokenized_statements(script)? {
        let meaningful: Vec<&TokenWithSpan> = chunk
            .iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
            .collect();
        let (Some(first), Some(last)) = (meaningful.first(), meaningful.last()) else {
            continue;
        };
        let start = cursor.offset(first.span.start);
        let end = cursor.offset(last.span.end).max(start);
        out.push(script[start..end].trim().to_owned());
    }
    Ok(out)
}

/// Turns tokenizer locations (1-based line, 1-based column in characters) into byte offsets,
/// for locations asked for in increasing order: one pass over the script however many
/// statements it has. (Scanning from the line start for every location made a one-line script
/// of 20 000 statements take minutes.)
struct OffsetCursor<'s> {
    script: &'s str,
    byte: usize,
    line: u64,
    column: u64,
}

impl<'s> OffsetCursor<'s> {
    fn new(script: &'s str) -> Self {
        OffsetCursor {
            script,
            byte: 0,
            line: 1,
            column: 1,
        }
    }

    fn offset(&mut self, loc: crate::sqlparser::tokenizer::Location) -> usize {
        if loc.line == 0 {
            // sqlparser's "empty span".
            return self.script.len();
        }
        if (loc.line, loc.column) < (self.line, self.column) {
            *self = OffsetCursor::new(self.script);
        }
        // The tokenizer counts a '\n' as a new line and every other character as a column.
        while (self.line, self.column) < (loc.line, loc.column) {
            let Some(c) = self.script[self.byte..].chars().next() else {
                return self.script.len();
            };
            self.byte += c.len_utf8();
            if c == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        self.byte
    }
}

/// Whether `text` ends a statement: its last token outside string literals and comments is `;`.
/// An unterminated literal or comment is not complete. Interactive front ends use this to
/// decide when to run what was typed.
///
/// ```
/// use zohobooks_sql::sql::ends_with_statement_terminator as complete;
///
/// assert!(complete("SELECT *\nFROM sys_tables;  -- done"));
/// assert!(!complete("EXEC P @a = 'x;"));
/// ```
pub fn ends_with_statement_terminator(text: &str) -> bool {
    let dialect = dialect();
    match Tokenizer::new(&dialect, text).tokenize() {
        Ok(tokens) => tokens
            .iter()
            .rev()
            .find(|t| !matches!(t, Token::Whitespace(_)))
            .is_some_and(|t| *t == Token::SemiColon),
        Err(_) => false,
    }
}

/// Parses exactly one statement (a trailing `;` is allowed) into a [`Plan`].
///
/// Several statements are rejected: run them with
/// [`Connection::execute_script`](crate::Connection::execute_script).
pub fn parse_statement(sql: &str) -> Result<Plan> {
    let mut chunks = tokenized_statements(sql)?;
    if chunks.len() > 1 {
        return Err(Error::NotSupported {
            construct: format!(
                "{} statements in one call; run a script with execute_script (or split it)",
                chunks.len()
            ),
        });
    }
    let Some(tokens) = chunks.pop() else {
        return Err(Error::SqlSyntax {
            message: "the SQL text is empty: expected EXEC ... or SELECT ...".into(),
        });
    };
    let chain = longest_chain(&tokens);
    if chain > MAX_CHAIN {
        return Err(not_supported(format!(
            "more than {MAX_CHAIN} operators in a row ({chain}); split the statement"
        )));
    }
    if nesting_tokens(&tokens) <= NESTING_ON_CALLER_STACK && chain <= MAX_PRINTED_CHAIN {
        return plan_tokens(tokens);
    }
    on_parser_stack(move || plan_tokens(tokens))
}

/// Longest operator chain accepted. sqlparser builds a chain as a tree as deep as the chain is
/// long, and dropping it recurses that deep: chains beyond this would not fit even the parser
/// thread's stack. (Long `AND`/`OR` chains in `WHERE` are planned flat, and 20 000 terms work.)
const MAX_CHAIN: usize = 50_000;

/// Parses one statement's tokens and plans it.
fn plan_tokens(tokens: Vec<TokenWithSpan>) -> Result<Plan> {
    let long_chains = longest_chain(&tokens) > MAX_PRINTED_CHAIN;
    let previous = LONG_CHAINS.with(|f| f.replace(long_chains));
    let chain = longest_chain(&tokens);
    let plan = parse_and_plan(tokens);
    LONG_CHAINS.with(|f| f.set(previous));
    match plan {
        // Dropped here, on the thread that could parse it.
        Ok(Plan::Query(_)) if chain > MAX_QUERY_CHAIN => Err(not_supported(format!(
            "a query with more than {MAX_QUERY_CHAIN} operators in a row ({chain}); use IN (...) for long lists of alternatives, or split the query"
        ))),
        plan => plan,
    }
}

/// Longest operator chain in a query. The engine plans, optimises and evaluates expressions
/// recursively, on the caller's stack; a chain this long still fits a 2 MiB thread in a debug
/// build (tested), and `IN (...)` lists, which are not chains, have no such limit.
const MAX_QUERY_CHAIN: usize = 1_000;

fn parse_and_plan(tokens: Vec<TokenWithSpan>) -> Result<Plan> {
    let dialect = dialect();
    let mut statements = Parser::new(&dialect)
        .with_tokens_with_locations(tokens)
        .parse_statements()
        .map_err(|e| Error::SqlSyntax {
            message: parser_message(e),
        })?;
    match (statements.pop(), statements.is_empty()) {
        (Some(statement), true) => plan_statement(statement),
        _ => Err(Error::SqlSyntax {
            message: "expected exactly one statement".into(),
        }),
    }
}

/// How many tokens of a statement can each open a level of recursion in sqlparser (and in
/// planning): parentheses and brackets, prefix operators, and the keywords that start a nested
/// query or expression.
fn nesting_tokens(tokens: &[TokenWithSpan]) -> usize {
    use crate::sqlparser::keywords::Keyword;
    tokens
        .iter()
        .filter(|t| match &t.token {
            Token::LParen
            | Token::LBracket
            | Token::LBrace
            | Token::Minus
            | Token::Plus
            | Token::Tilde
            | Token::ExclamationMark => true,
            Token::Word(w) => matches!(
                w.keyword,
                Keyword::NOT
                    | Keyword::SELECT
                    | Keyword::CASE
                    | Keyword::EXISTS
                    | Keyword::WITH
                    | Keyword::INTERVAL
            ),
            _ => false,
        })
        .count()
}

/// Statements with at most this many [`nesting_tokens`] (and no chain longer than
/// [`MAX_PRINTED_CHAIN`]) are parsed on the caller's stack.
///
/// sqlparser recurses once or more per nesting level and stops at 50 levels, but its frames are
/// large: in a debug build 10 nested `NOT`s need about 1 MiB of stack and 5 nested subqueries
/// about 2 MiB, more than a test or Tokio worker thread has (2 MiB). Up to 8 such tokens fit.
const NESTING_ON_CALLER_STACK: usize = 8;

/// Stack of the thread that parses deeper statements: enough for sqlparser's 50 levels in a
/// debug build (about 8 MiB) with room to spare. It is reserved, not touched, until used.
const PARSER_STACK_BYTES: usize = 32 << 20;

/// Runs `work` on a scoped thread with a [`PARSER_STACK_BYTES`] stack, so a deeply nested
/// statement gets a syntax error instead of overflowing the caller's stack (an abort).
pub(crate) fn on_parser_stack<T: Send>(work: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("zohobooks-sql-parser".into())
            .stack_size(PARSER_STACK_BYTES)
            .spawn_scoped(scope, work)
            .map_err(|source| Error::Io {
                context: "starting a thread to parse a deeply nested statement".into(),
                source,
            })?;
        handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// sqlparser's message, with the contents of any string literal it quotes masked: the token it
/// "found" may be a secret value (`EXEC P @Verifier '1000.…'` with the `=` forgotten).
fn parser_message(e: crate::sqlparser::parser::ParserError) -> String {
    use crate::sqlparser::parser::ParserError;
    match e {
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => clipped(&masked(&m)),
        ParserError::RecursionLimitExceeded => "the statement is nested too deeply".into(),
    }
}

/// Longest SQL text quoted in a message: the statement itself can be megabytes long.
const MAX_QUOTED_CHARS: usize = 200;

/// `text` cut to [`MAX_QUOTED_CHARS`] in the middle, so that a trailing location survives.
pub(crate) fn clipped(text: &str) -> String {
    let count = text.chars().count();
    if count <= MAX_QUOTED_CHARS {
        return text.to_owned();
    }
    let head: String = text.chars().take(MAX_QUOTED_CHARS - 50).collect();
    let tail: String = text.chars().skip(count - 40).collect();
    format!("{head}…{tail}")
}

thread_local! {
    /// Set while planning a statement with a long operator chain (see [`longest_chain`]).
    static LONG_CHAINS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A part of the statement for a message: printed (string literals masked, length clipped),
/// unless the statement has a long operator chain. sqlparser builds `a + b + c ...` (any
/// left-associative operator, `AND`/`OR` included) as a tree as deep as the chain is long, and
/// printing it recurses that deep: 100 000 terms overflowed even a 32 MiB stack.
fn shown(node: &impl std::fmt::Display) -> String {
    if LONG_CHAINS.with(std::cell::Cell::get) {
        return "… (a long chain of operators)".to_owned();
    }
    clipped(&masked(&node.to_string()))
}

/// Chains longer than this are never printed.
const MAX_PRINTED_CHAIN: usize = 256;

/// The longest run of infix operators between two separators (`,`, `;`) at one parenthesis
/// depth: an upper bound on the depth of the left-deep trees sqlparser builds from them.
fn longest_chain(tokens: &[TokenWithSpan]) -> usize {
    use crate::sqlparser::keywords::Keyword;
    let mut runs: Vec<usize> = vec![0];
    let mut longest = 0;
    for t in tokens {
        let is_operator = match &t.token {
            Token::LParen | Token::LBracket => {
                runs.push(0);
                continue;
            }
            Token::RParen | Token::RBracket => {
                if runs.len() > 1 {
                    runs.pop();
                }
                continue;
            }
            Token::Comma | Token::SemiColon => {
                if let Some(run) = runs.last_mut() {
                    *run = 0;
                }
                continue;
            }
            Token::Word(w) => matches!(
                w.keyword,
                Keyword::AND
                    | Keyword::OR
                    | Keyword::XOR
                    | Keyword::IS
                    | Keyword::LIKE
                    | Keyword::ILIKE
                    | Keyword::IN
                    | Keyword::BETWEEN
                    | Keyword::COLLATE
                    | Keyword::AT
                    | Keyword::DIV
                    | Keyword::MOD
                    | Keyword::NOT
            ),
            Token::Whitespace(_) | Token::EOF => false,
            Token::Number(..)
            | Token::SingleQuotedString(_)
            | Token::NationalStringLiteral(_)
            | Token::DoubleQuotedString(_)
            | Token::Placeholder(_)
            | Token::Period => false,
            // Every other symbol may be an operator.
            _ => true,
        };
        if is_operator && let Some(run) = runs.last_mut() {
            *run += 1;
            longest = longest.max(*run);
        }
    }
    longest
}

fn not_supported(construct: impl Into<String>) -> Error {
    Error::NotSupported {
        construct: construct.into(),
    }
}

/// The statement's text with the contents of string literals replaced by `…`, so an error can
/// show the shape of what was written without echoing values that may be secret.
fn masked(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '\'' {
            // Skip to the closing quote; `''` inside a literal is an escaped quote.
            loop {
                match chars.next() {
                    None => break,
                    Some('\'') if chars.peek() == Some(&'\'') => {
                        chars.next();
                    }
                    Some('\'') => {
                        out.push('…');
                        out.push('\'');
                        break;
                    }
                    Some(_) => {}
                }
            }
        }
    }
    out
}

fn plan_statement(statement: Statement) -> Result<Plan> {
    let mut planner = Planner::default();
    match statement {
        Statement::Execute {
            name,
            parameters,
            immediate,
            into,
            using,
            output,
            default,
            has_parentheses: _,
        } => {
            if immediate {
                return Err(not_supported("EXECUTE IMMEDIATE"));
            }
            let Some(name) = name else {
                return Err(not_supported(
                    "EXEC of a dynamic SQL string; name a stored procedure, e.g. EXEC GetOAuthAuthorizationURL",
                ));
            };
            if !into.is_empty() || !using.is_empty() {
                return Err(not_supported("EXECUTE ... INTO / USING"));
            }
            if output {
                return Err(not_supported("OUTPUT parameters"));
            }
            if default {
                return Err(not_supported("EXEC ... DEFAULT"));
            }
            let procedure = object_name(&name)?;
            let args = parameters
                .into_iter()
                .enumerate()
                .map(|(i, p)| planner.call_arg(&procedure, i, p))
                .collect::<Result<_>>()?;
            Ok(Plan::Call(CallPlan { procedure, args }))
        }
        Statement::Call(function) => {
            let procedure = object_name(&function.name)?;
            let args = match function.args {
                FunctionArguments::None => Vec::new(),
                FunctionArguments::List(list) => {
                    if list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
                        return Err(not_supported(
                            "DISTINCT/ALL or clauses in a CALL argument list",
                        ));
                    }
                    let mut args = Vec::with_capacity(list.args.len());
                    for (i, arg) in list.args.into_iter().enumerate() {
                        args.push(match arg {
                            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => {
                                planner.call_arg(&procedure, i, e)?
                            }
                            FunctionArg::Named {
                                name,
                                arg: FunctionArgExpr::Expr(e),
                                ..
                            } => CallArg {
                                name: name.value.trim_start_matches('@').to_owned(),
                                value: planner.value(&e, "a CALL argument")?,
                            },
                            other => {
                                return Err(not_supported(format!(
                                    "argument `{}` of CALL {procedure}; write name = value",
                                    shown(&other)
                                )));
                            }
                        });
                    }
                    args
                }
                FunctionArguments::Subquery(_) => return Err(not_supported("subqueries")),
            };
            Ok(Plan::Call(CallPlan { procedure, args }))
        }
        query @ Statement::Query(_) => Ok(Plan::Query(Box::new(query))),
        explain @ Statement::Explain { .. } if matches!(&explain, Statement::Explain { statement, .. } if matches!(**statement, Statement::Query(_))) => {
            Ok(Plan::Query(Box::new(explain)))
        }
        Statement::Explain { .. } => Err(not_supported(
            "EXPLAIN of anything but a query; EXPLAIN SELECT ... shows how a query runs",
        )),
        other => {
            let text = other.to_string();
            let keyword = text
                .split_whitespace()
                .next()
                .unwrap_or("this")
                .to_ascii_uppercase();
            Err(not_supported(format!(
                "{keyword} statements; this connector is read-only: it runs SELECT (and EXPLAIN of a SELECT) and EXEC/EXECUTE/CALL of its stored procedures"
            )))
        }
    }
}

/// The last part of a possibly dotted name, without brackets or quotes.
fn object_name(name: &ObjectName) -> Result<String> {
    match name.0.last() {
        // `EXEC 'text'`: a string literal where a name belongs. Never echo it: literals are where
        // secrets are written.
        Some(ObjectNamePart::Identifier(ident)) if ident.quote_style == Some('\'') => Err(not_supported(
            "a string literal as a name; write the name bare or in [brackets], e.g. EXEC GetOAuthAuthorizationURL"
                .to_owned(),
        )),
        Some(ObjectNamePart::Identifier(ident)) => Ok(ident.value.clone()),
        _ => Err(not_supported(format!(
            "the name `{}`",
            clipped(&name.to_string())
        ))),
    }
}

#[derive(Default)]
struct Planner {
    next_positional: usize,
}

impl Planner {
    fn call_arg(&mut self, procedure: &str, index: usize, expr: Expr) -> Result<CallArg> {
        match expr {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => {
                let Expr::Identifier(ident) = *left else {
                    return Err(not_supported(format!(
                        "argument `{}` of {procedure}: the left of = must be a parameter name",
                        shown(&left)
                    )));
                };
                let name = ident.value.trim_start_matches('@').to_owned();
                let value = self.value(&right, &format!("parameter @{name}"))?;
                Ok(CallArg { name, value })
            }
            Expr::Nested(inner) => self.call_arg(procedure, index, *inner),
            other => Err(not_supported(format!(
                "positional argument #{} `{}` of {procedure}; pass arguments by name, e.g. @AuthMode = 'WEB'",
                index + 1,
                shown(&other)
            ))),
        }
    }

    /// A literal, `?` or `@name`.
    fn value(&mut self, expr: &Expr, place: &str) -> Result<ValueExpr> {
        match expr {
            Expr::Value(v) => match &v.value {
                ast::Value::SingleQuotedString(s) | ast::Value::NationalStringLiteral(s) => {
                    Ok(ValueExpr::Literal(Value::Text(s.clone())))
                }
                ast::Value::Number(n, _) => Ok(ValueExpr::Literal(Value::Number(n.clone()))),
                ast::Value::Null => Ok(ValueExpr::Literal(Value::Null)),
                ast::Value::Boolean(b) => Ok(ValueExpr::Literal(Value::Boolean(*b))),
                ast::Value::Placeholder(p) if p == "?" => {
                    let n = self.next_positional;
                    self.next_positional += 1;
                    Ok(ValueExpr::Positional(n))
                }
                other => Err(not_supported(format!(
                    "the value `{}` for {place}; use a '...' string, a number, NULL, ? or @name",
                    shown(&other)
                ))),
            },
            Expr::Identifier(ident) if ident.value.starts_with('@') && ident.value.len() > 1 => {
                Ok(ValueExpr::Named(ident.value[1..].to_owned()))
            }
            Expr::Identifier(ident) if ident.quote_style.is_none() => {
                let word = clipped(&ident.value);
                Err(not_supported(format!(
                    "the bare word `{word}` as the value of {place}; quote text values, e.g. '{word}'"
                )))
            }
            Expr::UnaryOp {
                op: UnaryOperator::Minus,
                expr,
            } if matches!(&**expr, Expr::Value(v) if matches!(v.value, ast::Value::Number(..))) => {
                match self.value(expr, place)? {
                    ValueExpr::Literal(Value::Number(n)) => {
                        Ok(ValueExpr::Literal(Value::Number(format!("-{n}"))))
                    }
                    other => Ok(other),
                }
            }
            Expr::Nested(inner) => self.value(inner, place),
            other => Err(not_supported(format!(
                "the expression `{}` as the value of {place}; values are literals, ? or @name",
                shown(&other)
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(sql: &str) -> CallPlan {
        match parse_statement(sql) {
            Ok(Plan::Call(c)) => c,
            other => panic!("{sql}: {other:?}"),
        }
    }

    fn err(sql: &str) -> String {
        match parse_statement(sql) {
            Err(e) => e.to_string(),
            Ok(p) => panic!("{sql} parsed: {p:?}"),
        }
    }

    fn text(s: &str) -> ValueExpr {
        ValueExpr::Literal(Value::Text(s.into()))
    }

    fn arg(name: &str, value: ValueExpr) -> CallArg {
        CallArg {
            name: name.into(),
            value,
        }
    }

    #[test]
    fn exec_forms() {
        let expected = CallPlan {
            procedure: "GetOAuthAuthorizationURL".into(),
            args: vec![
                arg("AuthMode", text("WEB")),
                arg("CallbackURL", text("http://localhost:33333")),
            ],
        };
        for sql in [
            "EXEC GetOAuthAuthorizationURL @AuthMode = 'WEB', @CallbackURL = 'http://localhost:33333'",
            "EXECUTE GetOAuthAuthorizationURL AuthMode='WEB', CallbackURL='http://localhost:33333';",
            "exec [GetOAuthAuthorizationURL] @AuthMode = N'WEB',\n  @CallbackURL = 'http://localhost:33333'",
            "EXEC dbo.GetOAuthAuthorizationURL @AuthMode = 'WEB', CallbackURL = 'http://localhost:33333'",
            "EXECUTE GetOAuthAuthorizationURL(AuthMode = 'WEB', @CallbackURL = 'http://localhost:33333')",
            "CALL GetOAuthAuthorizationURL(AuthMode = 'WEB', CallbackURL = 'http://localhost:33333')",
            "EXEC \"GetOAuthAuthorizationURL\" @AuthMode = 'WEB', @CallbackURL = 'http://localhost:33333'",
        ] {
            assert_eq!(call(sql), expected, "{sql}");
        }
        assert_eq!(call("EXEC P").args, vec![]);
        assert_eq!(call("CALL P").args, vec![]);
        assert_eq!(call("CALL P()").args, vec![]);
    }

    #[test]
    fn exec_values() {
        let c =
            call("EXEC P @a = 'it''s', @b = 42, @c = -1.5, @d = NULL, @e = ?, @f = @cb, @g = ?");
        assert_eq!(
            c.args,
            vec![
                arg("a", text("it's")),
                arg("b", ValueExpr::Literal(Value::Number("42".into()))),
                arg("c", ValueExpr::Literal(Value::Number("-1.5".into()))),
                arg("d", ValueExpr::Literal(Value::Null)),
                arg("e", ValueExpr::Positional(0)),
                arg("f", ValueExpr::Named("cb".into())),
                arg("g", ValueExpr::Positional(1)),
            ]
        );
    }

    #[test]
    fn exec_rejections_name_the_text_but_not_string_values() {
        let e = err("EXEC P 'positional-secret'");
        assert!(
            e.starts_with("not supported: positional argument #1 `'…'` of P"),
            "{e}"
        );
        assert!(!e.contains("positional-secret"));
        let e = err("EXEC P @a = 'x', 42");
        assert!(e.contains("positional argument #2 `42`"), "{e}");
        let e = err("EXEC P @a = 1 + 2");
        assert!(
            e.contains("the expression `1 + 2` as the value of parameter @a"),
            "{e}"
        );
        let e = err("EXEC P @a = 'sec' + 'ret'");
        assert!(e.contains("`'…' + '…'`") && !e.contains("sec"), "{e}");
        let e = err("EXEC P @a = WEB");
        assert!(e.contains("the bare word `WEB`"), "{e}");
        let e = err("EXEC P @a = @v OUTPUT");
        assert_eq!(e, "not supported: OUTPUT parameters");
        let e = err("EXEC P @Verifier '1000.secret'");
        assert_eq!(
            e,
            "SQL syntax error: Expected: end of statement, found: '…' at Line: 1, Column: 18"
        );
        let e = err("EXEC P @a = 'x' b = 'y'");
        assert!(
            e.starts_with("SQL syntax error: Expected: end of statement, found: b"),
            "{e}"
        );
    }

    #[test]
    fn unsupported_constructs_are_named() {
        for (sql, construct) in [
            ("INSERT INTO t (a) VALUES (1)", "INSERT statements"),
            ("UPDATE t SET a = 1", "UPDATE statements"),
            ("DELETE FROM t", "DELETE statements"),
            ("CREATE TABLE t (a INT)", "CREATE statements"),
            ("DROP TABLE t", "DROP statements"),
            ("SET x = 1", "SET statements"),
            ("EXPLAIN DELETE FROM t", "EXPLAIN of anything but a query"),
        ] {
            let e = err(sql);
            assert!(
                e.starts_with(&format!("not supported: {construct}")),
                "{sql}: {e}"
            );
        }
        assert!(
            err("SELEC 1")
                .starts_with("SQL syntax error: Expected: an SQL statement, found: SELEC")
        );
        assert!(err("  ; -- nothing\n").starts_with("SQL syntax error: the SQL text is empty"));
        assert!(err("SELECT a FROM t; SELECT b FROM t").contains("2 statements in one call"));
    }

    #[test]
    fn scripts_split_at_semicolons_outside_literals_and_comments() {
        let script = "SELECT a\nFROM t;  EXEC P @a = 'x;y'  ;\n-- c; d\n;\n/* e; */ EXEC Q";
        assert_eq!(
            split_statements(script).unwrap(),
            ["SELECT a\nFROM t", "EXEC P @a = 'x;y'", "EXEC Q"]
        );
        assert_eq!(
            split_statements("héllo ; wörld").unwrap(),
            ["héllo", "wörld"]
        );
        assert_eq!(
            split_statements("SELECT a\r\nFROM t;\r\nEXEC P\r\n").unwrap(),
            ["SELECT a\r\nFROM t", "EXEC P"]
        );
        assert_eq!(
            split_statements("SELECT a\rFROM t;\tEXEC P @a = 'x\ry';").unwrap(),
            ["SELECT a\rFROM t", "EXEC P @a = 'x\ry'"]
        );
        assert!(
            split_statements(" \n ;; -- only a comment")
                .unwrap()
                .is_empty()
        );
        assert!(split_statements("EXEC P @a = 'unterminated").is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics_and_splits_into_substrings(text in "\\PC{0,80}") {
            let _ = parse_statement(&text);
            let _ = masked(&text);
            if let Ok(parts) = split_statements(&text) {
                for part in parts {
                    proptest::prop_assert!(text.contains(&part), "{part:?} not in {text:?}");
                }
            }
        }

        #[test]
        fn sql_shaped_text_never_panics(
            words in proptest::collection::vec(
                proptest::sample::select(vec![
                    "EXEC", "CALL", "SELECT", "*", "FROM", "WHERE", "t", "@a", "=", "'x'", "N'y'",
                    "?", ",", ";", "(", ")", "AND", "OR", "NOT", "IN", "LIKE", "IS", "NULL", "1",
                    "-2", "ORDER", "BY", "LIMIT", "TOP", "--c\n", "\n",
                ]),
                0..25,
            )
        ) {
            let text = words.join(" ");
            let _ = parse_statement(&text);
            let _ = split_statements(&text);
        }
    }

    #[test]
    fn deep_nesting_is_a_syntax_error_not_a_stack_overflow() {
        // Found by the bad-input corpus: 10 000 nested NOTs or subqueries overflowed the 2 MiB
        // stack of a test thread (sqlparser stops at 50 levels, but its debug-build frames are
        // large), which aborts the process.
        for sql in [
            format!("SELECT * FROM t WHERE {}1=1", "NOT ".repeat(10_000)),
            format!(
                "{}SELECT 1{}",
                "SELECT * FROM (".repeat(5_000),
                ")".repeat(5_000)
            ),
            format!(
                "SELECT * FROM t WHERE {}1=1{}",
                "(".repeat(10_000),
                ")".repeat(10_000)
            ),
            format!("EXEC P @A = {}1", "-".repeat(10_000)),
        ] {
            let err = parse_statement(&sql).unwrap_err();
            assert!(matches!(err, Error::SqlSyntax { .. }), "{err}");
        }
        // Nesting within the limit still parses, on either stack.
        let shallow = "SELECT * FROM t WHERE NOT (a = 1)";
        let deeper = format!(
            "SELECT * FROM t WHERE {}a = 1{}",
            "(".repeat(20),
            ")".repeat(20)
        );
        assert!(
            nesting_tokens(&tokenized_statements(shallow).unwrap()[0]) <= NESTING_ON_CALLER_STACK
        );
        assert!(
            nesting_tokens(&tokenized_statements(&deeper).unwrap()[0]) > NESTING_ON_CALLER_STACK
        );
        assert!(matches!(parse_statement(shallow), Ok(Plan::Query(_))));
        assert!(matches!(parse_statement(&deeper), Ok(Plan::Query(_))));
    }

    #[test]
    fn long_operator_chains_are_not_printed_and_messages_stay_short() {
        // Found by the bad-input corpus: `EXEC P @A = 1 + 1 + ...` with 100 000 terms
        // overflowed even the 32 MiB parser stack while printing the expression for the error.
        for sql in [
            format!("EXEC P @A = 1{}", " + 1".repeat(100_000)),
            format!("EXEC P @A = 1{}", " AND 1".repeat(100_000)),
            format!("SELECT 1{} FROM t", " || 'x'".repeat(100_000)),
        ] {
            let err = parse_statement(&sql).unwrap_err();
            assert!(matches!(err, Error::NotSupported { .. }), "{err}");
            assert!(err.to_string().len() < 300, "{err}");
        }
        // Short chains are still shown.
        let err = parse_statement("EXEC P @A = 1 + 2").unwrap_err();
        assert!(err.to_string().contains("`1 + 2`"), "{err}");
        // Megabyte-long words are clipped in messages.
        for sql in [
            format!("EXEC P @A = {}", "W".repeat(1_000_000)),
            format!(
                "SELECT * FROM t WHERE {} {}",
                "z".repeat(1_000_000),
                "y".repeat(10)
            ),
        ] {
            let err = parse_statement(&sql).unwrap_err();
            assert!(err.to_string().len() < 600, "{}", err.to_string().len());
        }
    }

    #[test]
    fn splitting_many_statements_on_one_line_is_linear() {
        // Found by the bad-input corpus: 20 000 statements on one line took minutes (every
        // statement's offset was found by scanning from the start of the line).
        let script = "SELECT * FROM sys_tables;".repeat(20_000);
        let started = std::time::Instant::now();
        let parts = split_statements(&script).unwrap();
        assert_eq!(parts.len(), 20_000);
        assert!(parts.iter().all(|p| p == "SELECT * FROM sys_tables"));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let multi_line = "SELECT 1;\n  SELECT 'é;x'\n ; -- c\nEXEC P @A = 'ü'";
        assert_eq!(
            split_statements(multi_line).unwrap(),
            ["SELECT 1", "SELECT 'é;x'", "EXEC P @A = 'ü'"]
        );
    }

    #[test]
    fn masking_hides_string_contents() {
        assert_eq!(masked("f('a''b', 2, N'c')"), "f('…', 2, N'…')");
        assert_eq!(masked("'open"), "'");
    }
}
