//! Runs the `.slt` scripts under `tests/slt/` against the public `Connection` API.
//!
//! The engine understands two harness-only lines besides SQL (they are not SQL and not part of
//! the connector; they let scripts reach the parts of the API that SQL text alone cannot):
//!
//! * `.open <connection string>` — reopens the connection with that connection string
//!   (`statement ok` on success; a bad string fails like `Connection::open` does).
//! * `.params <v1>, <v2>, @name = <v3>, ...` as the FIRST line of a record — binds the values
//!   (`'text'`, numbers, `NULL`, `secret:'text'` for a secret) to the `?` / `@name` markers of the
//!   SQL on the following lines, which runs through `execute_with`.
//!
//! Scripts that use `control substitution on` can refer to a Zoho sandbox that the harness runs
//! on 127.0.0.1 for the whole run: `$SANDBOX_URL` (accounts server and API domain),
//! `$SANDBOX_CLIENT_ID`, `$SANDBOX_CLIENT_SECRET` and `$SANDBOX_REFRESH_TOKEN` (a refresh token
//! the sandbox minted). Interactive (browser) logins fail at once: there is no browser here.
//! `HOME` and `XDG_CONFIG_HOME` point to a temporary directory, so the default token file is
//! never the user's.
//!
//! A record holding several statements runs through `execute_script`; its result sets must have
//! the same number of columns and their rows are returned one after the other.
//!
//! Values are normalised DataFusion-style: `NULL`, `(empty)` for the empty string, floats rounded
//! to 12 decimals. Column type letters: `T` text, `B` boolean, `I` integer, `R` float, `D` date,
//! `P` timestamp, `N` exact decimal (printed with its scale), `?` other;
//! `strict_column_validator` checks them.
//!
//! Regenerate expected output: `cargo test --test sqllogictests -- --complete` is not wired;
//! edit the scripts by hand.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use sqllogictest::{
    ColumnType, DB, DBOutput, Runner, harness::Failed, harness::Trial, strict_column_validator,
};
use zohobooks_sandbox::{Sandbox, SandboxHandle};
use zohobooks_sql::arrow::datatypes::DataType;
use zohobooks_sql::blocking::Connection;
use zohobooks_sql::connection::ConnectOptions;
use zohobooks_sql::oauth::{CallbackParams, InteractiveLogin, LoginRequest};
use zohobooks_sql::secret::SecretString;
use zohobooks_sql::{Config, Params, ResultSet, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Text,
    Boolean,
    Integer,
    Float,
    Date,
    Timestamp,
    Decimal,
    Other,
}

impl ColumnType for Kind {
    fn from_char(value: char) -> Option<Self> {
        Some(match value {
            'T' => Kind::Text,
            'B' => Kind::Boolean,
            'I' => Kind::Integer,
            'R' => Kind::Float,
            'D' => Kind::Date,
            'P' => Kind::Timestamp,
            'N' => Kind::Decimal,
            '?' => Kind::Other,
            _ => return None,
        })
    }

    fn to_char(&self) -> char {
        match self {
            Kind::Text => 'T',
            Kind::Boolean => 'B',
            Kind::Integer => 'I',
            Kind::Float => 'R',
            Kind::Date => 'D',
            Kind::Timestamp => 'P',
            Kind::Decimal => 'N',
            Kind::Other => '?',
        }
    }
}

fn kind_of(data_type: &DataType) -> Kind {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Kind::Text,
        DataType::Boolean => Kind::Boolean,
        t if t.is_integer() => Kind::Integer,
        t if t.is_floating() => Kind::Float,
        DataType::Date32 | DataType::Date64 => Kind::Date,
        DataType::Timestamp(..) => Kind::Timestamp,
        DataType::Decimal128(..) => Kind::Decimal,
        _ => Kind::Other,
    }
}

/// The connector's error, as the runner sees it (its `Display` is matched by `statement error`).
#[derive(Debug)]
struct EngineError(String);

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EngineError {}

impl From<zohobooks_sql::Error> for EngineError {
    fn from(e: zohobooks_sql::Error) -> Self {
        EngineError(e.to_string())
    }
}

/// Stands in for the browser, which does not exist here: every interactive login fails at once
/// instead of opening a window and waiting.
struct NoBrowser;

impl InteractiveLogin for NoBrowser {
    fn login<'a>(
        &'a self,
        _request: LoginRequest,
    ) -> Pin<Box<dyn Future<Output = zohobooks_sql::Result<CallbackParams>> + Send + 'a>> {
        Box::pin(async {
            Err(zohobooks_sql::Error::DesktopFlow {
                message: "no browser in the sqllogictest harness".into(),
            })
        })
    }
}

fn open(conn_str: &str) -> Result<Connection, EngineError> {
    let options = ConnectOptions::new().interactive_login(Arc::new(NoBrowser));
    Ok(Connection::open_with_options(
        Config::parse(conn_str)?,
        options,
    )?)
}

struct Engine {
    conn: Connection,
}

impl Engine {
    fn new() -> Result<Engine, EngineError> {
        Ok(Engine { conn: open("")? })
    }
}

fn normalise(value: Option<String>, kind: &Kind) -> String {
    match value {
        None => "NULL".into(),
        Some(s) if s.is_empty() => "(empty)".into(),
        Some(s) if *kind == Kind::Float => match s.parse::<f64>() {
            Ok(f) if f.is_nan() => "NaN".into(),
            Ok(f) if f.is_infinite() => if f > 0.0 { "Infinity" } else { "-Infinity" }.into(),
            Ok(f) => {
                let rounded = format!("{f:.12}");
                rounded
                    .trim_end_matches('0')
                    .trim_end_matches('.')
                    .to_owned()
            }
            Err(_) => s,
        },
        Some(s) => s.trim_end_matches('\n').to_owned(),
    }
}

/// Parses the values of a `.params` line.
fn parse_params(line: &str) -> Result<Params, EngineError> {
    let mut params = Params::new();
    let mut rest = line.trim();
    while !rest.is_empty() {
        let mut name = None;
        if let Some(after) = rest.strip_prefix('@') {
            let eq = after.find('=').ok_or_else(|| {
                EngineError(format!(".params: expected = after @name in `{rest}`"))
            })?;
            name = Some(after[..eq].trim().to_owned());
            rest = after[eq + 1..].trim_start();
        }
        let secret = rest.starts_with("secret:");
        if secret {
            rest = &rest["secret:".len()..];
        }
        let (value, after): (Value, &str) = if let Some(body) = rest.strip_prefix('\'') {
            let mut text = String::new();
            let mut chars = body.char_indices().peekable();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                if c == '\'' {
                    if chars.peek().map(|(_, c)| *c) == Some('\'') {
                        chars.next();
                        text.push('\'');
                    } else {
                        end = Some(i + 1);
                        break;
                    }
                } else {
                    text.push(c);
                }
            }
            let end = end.ok_or_else(|| EngineError(".params: unterminated string".into()))?;
            let value = if secret {
                Value::Secret(SecretString::new(text))
            } else {
                Value::Text(text)
            };
            (value, &body[end..])
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            let word = rest[..end].trim();
            let value = if word.eq_ignore_ascii_case("NULL") {
                Value::Null
            } else {
                Value::Number(word.to_owned())
            };
            (value, &rest[end..])
        };
        params = match name {
            Some(n) => params.set(&n, value),
            None => params.bind(value),
        };
        rest = after.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Ok(params)
}

impl DB for Engine {
    type Error = EngineError;
    type ColumnType = Kind;

    fn run(&mut self, sql: &str) -> Result<DBOutput<Kind>, EngineError> {
        let trimmed = sql.trim();
        if let Some(conn_str) = trimmed.strip_prefix(".open") {
            self.conn = open(conn_str.trim())?;
            return Ok(DBOutput::StatementComplete(0));
        }
        let results: Vec<ResultSet> = if let Some(rest) = trimmed.strip_prefix(".params") {
            let (line, statement) = rest.split_once('\n').unwrap_or((rest, ""));
            vec![self.conn.execute_with(statement, &parse_params(line)?)?]
        } else if zohobooks_sql::sql::split_statements(trimmed)?.len() > 1 {
            self.conn.execute_script(trimmed)?
        } else {
            vec![self.conn.execute(trimmed)?]
        };
        let Some(first) = results.first() else {
            return Ok(DBOutput::StatementComplete(0));
        };
        let types: Vec<Kind> = first
            .schema()
            .fields()
            .iter()
            .map(|f| kind_of(f.data_type()))
            .collect();
        let mut rows = Vec::new();
        for rs in &results {
            if rs.num_columns() != types.len() {
                return Err(EngineError(format!(
                    "the script's result sets have {} and {} columns; the harness needs equal counts",
                    types.len(),
                    rs.num_columns()
                )));
            }
            for row in rs.rows() {
                rows.push(
                    row.into_iter()
                        .zip(&types)
                        .map(|(v, k)| normalise(v, k))
                        .collect(),
                );
            }
        }
        if types.is_empty() && rows.is_empty() {
            return Ok(DBOutput::StatementComplete(0));
        }
        Ok(DBOutput::Rows { types, rows })
    }

    fn engine_name(&self) -> &str {
        "zohobooks-sql"
    }
}

/// What the scripts may refer to with `$NAME`.
static SANDBOX_VARS: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();

fn run_file(path: &Path) -> Result<(), Failed> {
    let mut runner = Runner::new(|| async { Engine::new() });
    runner.with_column_validator(strict_column_validator);
    for (name, value) in SANDBOX_VARS.get().into_iter().flatten() {
        runner.set_var(name.to_string(), value.clone());
    }
    runner
        .run_file(path)
        .map_err(|e| Failed::from(e.display(false).to_string()))?;
    Ok(())
}

/// Starts the sandbox on a runtime of its own; both must live until the tests end.
fn start_sandbox() -> (tokio::runtime::Runtime, SandboxHandle) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("sandbox runtime");
    let sandbox = runtime
        .block_on(Sandbox::builder().auto_approve(true).start())
        .expect("start the sandbox");
    let (_, refresh_token) = sandbox.mint_tokens("ZohoBooks.fullaccess.all");
    SANDBOX_VARS
        .set(vec![
            ("SANDBOX_URL", sandbox.base_url()),
            ("SANDBOX_CLIENT_ID", sandbox.client_id()),
            ("SANDBOX_CLIENT_SECRET", sandbox.client_secret()),
            ("SANDBOX_REFRESH_TOKEN", refresh_token),
        ])
        .expect("set once");
    (runtime, sandbox)
}

fn main() {
    let home = tempfile::tempdir().expect("temporary HOME");
    // SAFETY: no other thread exists yet.
    unsafe {
        std::env::set_var("HOME", home.path());
        std::env::set_var("XDG_CONFIG_HOME", home.path().join(".config"));
    }
    let (_runtime, _sandbox) = start_sandbox();
    let mut tests = Vec::new();
    for entry in sqllogictest::harness::glob("tests/slt/**/*.slt").expect("valid glob pattern") {
        let path = entry.expect("readable test directory");
        let name = path.display().to_string();
        tests.push(Trial::test(name, move || run_file(&path)));
    }
    assert!(!tests.is_empty(), "no .slt files under tests/slt");
    let conclusion =
        sqllogictest::harness::run(&sqllogictest::harness::Arguments::from_args(), tests);
    drop(home);
    conclusion.exit();
}
