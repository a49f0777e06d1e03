//! `zbsql`: the command-line front end of zohobooks-sql.
//!
//! ```text
//! zbsql [CONNECTION] [-c SQL]... [-f FILE]... [--format table|csv|json]
//! zbsql --serve-sandbox [ADDR]
//! ```
//!
//! * CONNECTION defaults to the environment variable `ZBSQL_CONNECTION` (an empty connection
//!   string when neither is given).
//! * `-c` and `-f` run in the order given; each may hold several statements separated by `;`.
//! * With neither, a script is read from stdin when stdin is not a terminal; otherwise an
//!   interactive prompt starts (history, statements ended by `;`, `.help`, `.quit`).
//! * Exit status: 0 success, 1 a statement failed (later statements do not run), 2 usage or
//!   connection-string errors. Errors go to stderr as `error: <message>` plus `hint: <advice>`.
//!
//! See docs/cli.md.

use std::io::{self, IsTerminal, Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, ValueEnum};
use zohobooks_sql::arrow::array::RecordBatch;
use zohobooks_sql::blocking::{Batches, Connection};
use zohobooks_sql::{Error, ResultSet};

const EXIT_STATEMENT_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;

/// How result sets are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A boxed text table (arrow's pretty printer).
    Table,
    /// Per result set: a header row, then the rows (RFC 4180 CSV).
    Csv,
    /// Per result set: one compact JSON array of objects on its own line.
    Json,
}

/// Run SQL against Zoho Books: OAuth stored procedures (EXEC ...), system tables (SELECT ...).
#[derive(Debug, Parser)]
#[command(name = "zbsql", version, about, long_about = None)]
struct Cli {
    /// Connection string, e.g. "InitiateOAuth=GETANDREFRESH;OAuthClientId=...;OAuthClientSecret=..."
    #[arg(
        value_name = "CONNECTION",
        env = "ZBSQL_CONNECTION",
        hide_env_values = true
    )]
    connection: Option<String>,

    /// Run SQL (one or more statements separated by ';'); repeatable.
    #[arg(short = 'c', long = "command", value_name = "SQL")]
    commands: Vec<String>,

    /// Run the SQL script in FILE; repeatable.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,

    /// After each statement, print its row count, the Zoho API calls it made and its time on
    /// stderr, e.g. "(10 rows, 1 API call, 0.412 s)".
    #[arg(long)]
    timer: bool,

    /// Start a local Zoho emulator in this process (auto-approving logins) and connect to it:
    /// AccountsServer, OAuthClientId, OAuthClientSecret, CallbackURL (a free loopback port),
    /// OAuthSettingsLocation=memory://sandbox and InitiateOAuth=GETANDREFRESH are filled in unless
    /// CONNECTION sets them, and the "browser" is an in-process HTTP client.
    #[arg(long)]
    sandbox: bool,

    /// Run a local Zoho emulator (accounts server + Books API) on ADDR until Ctrl-C, printing a
    /// ready-to-paste connection string. ADDR must be a loopback address.
    #[arg(
        long,
        value_name = "ADDR",
        num_args = 0..=1,
        default_missing_value = "127.0.0.1:8900",
        conflicts_with_all = ["commands", "files"]
    )]
    serve_sandbox: Option<SocketAddr>,
}

/// Where a script comes from, in command-line order.
enum Source {
    Command(String),
    File(PathBuf),
}

fn sources_in_order(cli: &Cli, matches: &ArgMatches) -> Vec<Source> {
    let mut indexed: Vec<(usize, Source)> = Vec::new();
    if let Some(indices) = matches.indices_of("commands") {
        indexed.extend(
            indices
                .zip(&cli.commands)
                .map(|(i, c)| (i, Source::Command(c.clone()))),
        );
    }
    if let Some(indices) = matches.indices_of("files") {
        indexed.extend(
            indices
                .zip(&cli.files)
                .map(|(i, f)| (i, Source::File(f.clone()))),
        );
    }
    indexed.sort_by_key(|(i, _)| *i);
    indexed.into_iter().map(|(_, s)| s).collect()
}

fn report(error: &Error) {
    eprintln!("error: {error}");
    if let Some(hint) = error.hint() {
        eprintln!("hint: {hint}");
    }
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };

    if let Some(addr) = cli.serve_sandbox {
        return serve_sandbox(addr);
    }

    // Read every script first: a missing file is a usage error and nothing runs.
    let mut scripts = Vec::new();
    for source in sources_in_order(&cli, &matches) {
        match source {
            Source::Command(sql) => scripts.push(sql),
            Source::File(path) => match std::fs::read_to_string(&path) {
                Ok(text) => scripts.push(text),
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", path.display());
                    return ExitCode::from(EXIT_USAGE);
                }
            },
        }
    }

    let conn_str = cli.connection.as_deref().unwrap_or("");
    let opened = if cli.sandbox {
        open_with_sandbox(conn_str)
    } else {
        Connection::open(conn_str).map(|conn| (conn, None))
    };
    // The sandbox (when any) serves until the end of main.
    let (conn, _sandbox) = match opened {
        Ok(opened) => opened,
        Err(e) if looks_like_sql(conn_str) => {
            eprintln!("error: {e}");
            eprintln!(
                "hint: the first argument is the connection string; pass SQL with -c, e.g. zbsql -c \"SELECT * FROM sys_tables\""
            );
            return ExitCode::from(EXIT_USAGE);
        }
        Err(e) => {
            report(&e);
            return ExitCode::from(EXIT_USAGE);
        }
    };
    for notice in conn.config().notices() {
        eprintln!("notice: {notice}");
    }
    let mut printer = Printer::new(cli.format, cli.timer);

    if scripts.is_empty() {
        let stdin = io::stdin();
        if stdin.is_terminal() {
            return repl(&conn, &mut printer);
        }
        let mut text = String::new();
        if let Err(e) = stdin.lock().read_to_string(&mut text) {
            eprintln!("error: cannot read the script from stdin: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
        scripts.push(text);
    }

    for script in &scripts {
        if !run_script(&conn, script, &mut printer) {
            return ExitCode::from(EXIT_STATEMENT_FAILED);
        }
    }
    ExitCode::SUCCESS
}

/// Whether a would-be connection string starts like a SQL statement (a common slip: SQL given
/// as the first argument instead of with -c).
fn looks_like_sql(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or("");
    ["SELECT", "EXEC", "EXECUTE", "CALL"]
        .iter()
        .any(|k| first.eq_ignore_ascii_case(k))
}

#[cfg(feature = "sandbox")]
fn serve_sandbox(addr: SocketAddr) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(zohobooks_sandbox::serve_standalone(addr)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: the sandbox could not run on {addr}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The in-process sandbox's builder: `ZOHO_SANDBOX_INVOICE_COUNT=<n>` sizes its first
/// organization's invoices (as for `--serve-sandbox`), e.g. 100000 for an export benchmark.
#[cfg(feature = "sandbox")]
fn sandbox_builder() -> zohobooks_sandbox::SandboxBuilder {
    let builder = zohobooks_sandbox::Sandbox::builder();
    match std::env::var("ZOHO_SANDBOX_INVOICE_COUNT")
        .ok()
        .and_then(|t| t.trim().parse::<usize>().ok())
    {
        Some(count) => builder.invoice_count(count),
        None => builder,
    }
}

/// An in-process sandbox and the runtime that serves it, kept alive while statements run.
#[cfg(feature = "sandbox")]
struct InProcessSandbox {
    _handle: zohobooks_sandbox::SandboxHandle,
    _runtime: tokio::runtime::Runtime,
}

#[cfg(not(feature = "sandbox"))]
struct InProcessSandbox;

/// `--sandbox`: starts an auto-approving sandbox and opens a connection to it, filling in what the
/// user's connection string leaves unset.
#[cfg(feature = "sandbox")]
fn open_with_sandbox(conn_str: &str) -> Result<(Connection, Option<InProcessSandbox>), Error> {
    use std::sync::Arc;
    use zohobooks_sql::connection::ConnectOptions;
    use zohobooks_sql::oauth::desktop::{BrowserLauncher, DesktopLogin};

    let io_error = |context: &str| {
        let context = context.to_owned();
        move |source| Error::Io { context, source }
    };
    let mut config = zohobooks_sql::Config::parse(conn_str)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(io_error("starting the sandbox's runtime"))?;
    let handle = runtime
        .block_on(sandbox_builder().auto_approve(true).start())
        .map_err(io_error("starting the sandbox"))?;
    // A free loopback port for the callback listener.
    let callback_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(io_error("finding a free port for the callback"))?
        .port();
    let defaults = [
        ("AccountsServer", handle.base_url()),
        ("OAuthClientId", handle.client_id()),
        ("OAuthClientSecret", handle.client_secret()),
        ("CallbackURL", format!("http://127.0.0.1:{callback_port}")),
        ("OAuthSettingsLocation", "memory://sandbox".to_owned()),
        ("InitiateOAuth", "GETANDREFRESH".to_owned()),
    ];
    for (name, value) in defaults {
        if !config.is_set(name) {
            config.set(name, &value)?;
        }
    }
    let options = ConnectOptions::new().interactive_login(Arc::new(
        DesktopLogin::new(BrowserLauncher::FollowRedirects).cancel_on_ctrl_c(false),
    ));
    let conn = Connection::open_with_options(config, options)?;
    Ok((
        conn,
        Some(InProcessSandbox {
            _handle: handle,
            _runtime: runtime,
        }),
    ))
}

#[cfg(not(feature = "sandbox"))]
fn open_with_sandbox(_conn_str: &str) -> Result<(Connection, Option<InProcessSandbox>), Error> {
    Err(Error::NotSupported {
        construct: "--sandbox in a build without the \"sandbox\" feature".into(),
    })
}

#[cfg(not(feature = "sandbox"))]
fn serve_sandbox(_addr: SocketAddr) -> ExitCode {
    eprintln!("error: this build has no sandbox");
    eprintln!("hint: rebuild with the \"sandbox\" feature (on by default)");
    ExitCode::from(EXIT_USAGE)
}

/// Runs the statements of `script` in order, printing each result; stops at the first error
/// (reported on stderr) and returns false.
fn run_script(conn: &Connection, script: &str, printer: &mut Printer) -> bool {
    let statements = match zohobooks_sql::sql::split_statements(script) {
        Ok(s) => s,
        Err(e) => {
            report(&e);
            return false;
        }
    };
    for statement in statements {
        let started = std::time::Instant::now();
        let mut batches = match conn.query_arrow(&statement, &zohobooks_sql::Params::new()) {
            Ok(b) => b,
            Err(e) => {
                report(&e);
                return false;
            }
        };
        let rows_seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        // Not over rows being printed to the same terminal.
        let show_progress = io::stderr().is_terminal()
            && (printer.format == Format::Table || !io::stdout().is_terminal());
        let mut progress = Progress::start(show_progress, batches.stats(), rows_seen.clone());
        let printed = printer.print(&mut batches, &rows_seen, &mut progress);
        progress.finish();
        // Values that did not fit their column: the rows are printed, the user is told.
        for warning in batches.stats().warnings() {
            eprintln!("warning: {warning}");
        }
        match printed {
            Ok(rows) => {
                if printer.timer {
                    eprintln!(
                        "({rows} row{}, {} API call{}, {:.3} s)",
                        if rows == 1 { "" } else { "s" },
                        batches.stats().api_calls(),
                        if batches.stats().api_calls() == 1 {
                            ""
                        } else {
                            "s"
                        },
                        started.elapsed().as_secs_f64()
                    );
                }
            }
            Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => return true,
            Err(Failure::Output(e)) => {
                eprintln!("error: cannot write the result: {e}");
                return false;
            }
            Err(Failure::Statement(e)) => {
                report(&e);
                return false;
            }
        }
    }
    true
}

/// A progress line on stderr (`… 12000 rows, 61 API calls`) for statements that run longer
/// than a second, when `show` (stderr is a terminal that is not receiving the rows); erased
/// when the statement ends.
struct Progress {
    stop: Option<std::sync::mpsc::Sender<()>>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start(
        show: bool,
        stats: std::sync::Arc<zohobooks_sql::books::StatementStats>,
        rows: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    ) -> Progress {
        if !show {
            return Progress {
                stop: None,
                ticker: None,
            };
        }
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let ticker = std::thread::spawn(move || {
            let mut wait = std::time::Duration::from_secs(1);
            let mut shown = false;
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(wait) {
                let line = progress_line(
                    rows.load(std::sync::atomic::Ordering::Relaxed),
                    stats.api_calls(),
                );
                eprint!("\r{line}\x1b[K");
                shown = true;
                wait = std::time::Duration::from_millis(250);
            }
            if shown {
                eprint!("\r\x1b[K");
            }
        });
        Progress {
            stop: Some(stop),
            ticker: Some(ticker),
        }
    }
}

impl Progress {
    /// Stops the ticker and erases its line (once; later calls do nothing).
    fn finish(&mut self) {
        drop(self.stop.take());
        if let Some(ticker) = self.ticker.take() {
            let _ = ticker.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

fn progress_line(rows: usize, calls: u64) -> String {
    format!(
        "… {rows} row{}, {calls} API call{}",
        if rows == 1 { "" } else { "s" },
        if calls == 1 { "" } else { "s" }
    )
}

/// Why printing a statement's result stopped.
enum Failure {
    /// The statement failed (before or between batches).
    Statement(Error),
    /// Writing to stdout failed.
    Output(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Output(e)
    }
}

/// Prints results to stdout in the chosen format.
///
/// CSV and JSON are written batch by batch as the statement produces them (a Books table
/// yields a batch per page), so memory stays bounded by a page whatever the row count; the
/// boxed table needs every row to size its columns and is printed at the end.
struct Printer {
    format: Format,
    printed: usize,
    /// Print rows, API calls and time of each statement on stderr.
    timer: bool,
}

impl Printer {
    fn new(format: Format, timer: bool) -> Self {
        Printer {
            format,
            printed: 0,
            timer,
        }
    }

    /// Prints one statement's result; returns how many rows it had.
    fn print(
        &mut self,
        batches: &mut Batches<'_>,
        rows_seen: &std::sync::atomic::AtomicUsize,
        progress: &mut Progress,
    ) -> Result<usize, Failure> {
        let schema = batches.schema();
        let mut rows = 0usize;
        let mut batches = batches.inspect(|b| {
            if let Ok(b) = b {
                rows += b.num_rows();
                rows_seen.store(rows, std::sync::atomic::Ordering::Relaxed);
            }
        });
        let out = io::stdout().lock();
        let not_first = self.printed > 0;
        self.printed += 1;
        match self.format {
            Format::Table => {
                let all = batches
                    .by_ref()
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(Failure::Statement)?;
                // The line goes before the table is written.
                progress.finish();
                let text = ResultSet::new(schema, all)
                    .to_table_string()
                    .map_err(Failure::Statement)?;
                let mut out = out;
                out.write_all(text.as_bytes())?;
                out.write_all(b"\n")?;
                out.flush()?;
            }
            Format::Csv => {
                let mut out = out;
                if not_first {
                    out.write_all(b"\n")?;
                }
                let mut writer = zohobooks_sql::arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(out);
                let mut any = false;
                for batch in batches.by_ref() {
                    let batch = batch.map_err(Failure::Statement)?;
                    // Each write ends with a flush into stdout.
                    writer.write(&batch).map_err(arrow_io)?;
                    any = true;
                }
                if !any {
                    // The header alone says which columns an empty result has.
                    writer
                        .write(&RecordBatch::new_empty(schema))
                        .map_err(arrow_io)?;
                }
                writer.into_inner().flush()?;
            }
            Format::Json => {
                let mut writer = zohobooks_sql::arrow::json::WriterBuilder::new()
                    .with_explicit_nulls(true)
                    .build::<_, zohobooks_sql::arrow::json::writer::JsonArray>(out);
                for batch in batches.by_ref() {
                    let batch = batch.map_err(Failure::Statement)?;
                    writer.write(&batch).map_err(arrow_io)?;
                    writer.get_mut().flush()?;
                }
                writer.finish().map_err(arrow_io)?;
                let mut out = writer.into_inner();
                out.write_all(b"\n")?;
                out.flush()?;
            }
        }
        drop(batches);
        Ok(rows)
    }
}

/// An Arrow writer's error is an I/O error underneath (a closed pipe) or a value it cannot
/// write; both end the output.
fn arrow_io(e: zohobooks_sql::arrow::error::ArrowError) -> Failure {
    match e {
        zohobooks_sql::arrow::error::ArrowError::IoError(_, source) => Failure::Output(source),
        other => Failure::Output(io::Error::other(other)),
    }
}

const HELP: &str = "\
Enter SQL statements ended by ';' (they may span lines). Examples:
  SELECT ProcedureName, Description FROM sys_procedures;
  SELECT Name, Value FROM sys_connection_props WHERE Value IS NOT NULL;
  EXEC GetOAuthAuthorizationURL @AuthMode = 'WEB', @CallbackUrl = 'http://localhost:33333';
Commands:
  .help                   this text
  .tables                 list the tables (from sys_tables)
  .procedures             list the stored procedures (from sys_procedures)
  .format table|csv|json  change the output format
  .quit / .exit           leave (Ctrl-D works too; Ctrl-C clears the current statement)";

/// Whether `buffer` holds complete statements (it ends with `;` outside literals and comments).
fn statement_complete(buffer: &str) -> bool {
    zohobooks_sql::sql::ends_with_statement_terminator(buffer)
}

/// What a dot-command asks for.
#[derive(Debug, PartialEq, Eq)]
enum DotCommand {
    Help,
    Quit,
    Run(&'static str),
    SetFormat(Format),
    Unknown(String),
}

fn dot_command(line: &str) -> DotCommand {
    let mut words = line.split_whitespace();
    let command = words.next().unwrap_or("");
    match (command, words.next()) {
        (".help", None) => DotCommand::Help,
        (".quit" | ".exit", None) => DotCommand::Quit,
        (".tables", None) => {
            DotCommand::Run("SELECT TableName, TableType, Description FROM sys_tables")
        }
        (".procedures", None) => {
            DotCommand::Run("SELECT ProcedureName, Description FROM sys_procedures")
        }
        (".format", Some(f)) => match Format::from_str(f, true) {
            Ok(format) => DotCommand::SetFormat(format),
            Err(_) => DotCommand::Unknown(line.to_owned()),
        },
        _ => DotCommand::Unknown(line.to_owned()),
    }
}

fn history_path() -> Option<PathBuf> {
    let dir = dirs::data_dir()?.join("zbsql");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("history.txt"))
}

fn repl(conn: &Connection, printer: &mut Printer) -> ExitCode {
    use rustyline::error::ReadlineError;

    let mut editor = match rustyline::DefaultEditor::new() {
        Ok(editor) => editor,
        Err(e) => {
            eprintln!("error: cannot start the interactive prompt: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let history = history_path();
    if let Some(path) = &history {
        // A missing history file is normal on first use.
        let _ = editor.load_history(path);
    }
    println!("zbsql {}: enter .help for help", env!("CARGO_PKG_VERSION"));
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() {
            "zbsql> "
        } else {
            "   ...> "
        };
        match editor.readline(prompt) {
            Ok(line) => {
                if buffer.is_empty() && line.trim_start().starts_with('.') {
                    let _ = editor.add_history_entry(line.trim());
                    match dot_command(line.trim()) {
                        DotCommand::Help => println!("{HELP}"),
                        DotCommand::Quit => break,
                        DotCommand::Run(sql) => {
                            run_script(conn, sql, printer);
                        }
                        DotCommand::SetFormat(format) => {
                            printer.format = format;
                            printer.printed = 0;
                        }
                        DotCommand::Unknown(text) => {
                            eprintln!("error: unknown command `{text}`");
                            eprintln!("hint: .help lists the commands");
                        }
                    }
                    continue;
                }
                if !buffer.is_empty() {
                    buffer.push('\n');
                }
                buffer.push_str(&line);
                if buffer.trim().is_empty() {
                    buffer.clear();
                    continue;
                }
                if statement_complete(&buffer) {
                    let _ = editor.add_history_entry(buffer.as_str());
                    run_script(conn, &buffer, printer);
                    buffer.clear();
                }
            }
            Err(ReadlineError::Interrupted) => buffer.clear(),
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error: cannot read input: {e}");
                break;
            }
        }
    }
    if let Some(path) = &history
        && let Err(e) = editor.save_history(path)
    {
        eprintln!(
            "warning: cannot save the history to {}: {e}",
            path.display()
        );
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_line_counts_rows_and_calls() {
        assert_eq!(progress_line(1, 1), "… 1 row, 1 API call");
        assert_eq!(progress_line(12_000, 61), "… 12000 rows, 61 API calls");
    }

    #[test]
    fn statements_complete_at_a_semicolon_outside_strings_and_comments() {
        assert!(statement_complete("SELECT * FROM sys_tables;"));
        assert!(statement_complete("SELECT *\nFROM sys_tables ;  \n"));
        assert!(statement_complete("SELECT 1; -- done\n"));
        assert!(!statement_complete("SELECT * FROM sys_tables"));
        assert!(!statement_complete("EXEC P @a = 'x;"));
        assert!(!statement_complete("EXEC P @a = 'x' /* ; */"));
        assert!(!statement_complete("SELECT 1; SELECT 2"));
    }

    #[test]
    fn dot_commands() {
        assert_eq!(dot_command(".help"), DotCommand::Help);
        assert_eq!(dot_command(".exit"), DotCommand::Quit);
        assert_eq!(
            dot_command(".format CSV"),
            DotCommand::SetFormat(Format::Csv)
        );
        assert_eq!(
            dot_command(".tables"),
            DotCommand::Run("SELECT TableName, TableType, Description FROM sys_tables")
        );
        assert!(matches!(dot_command(".format xml"), DotCommand::Unknown(_)));
        assert!(matches!(dot_command(".nope"), DotCommand::Unknown(_)));
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
