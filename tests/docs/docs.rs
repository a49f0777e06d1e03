//! The examples in docs/sql.md and docs/cli.md are tests.
//!
//! * docs/sql.md: every ```sql block that is directly followed by a ```text block runs through
//!   the public blocking `Connection` (`execute_script`); the text block must equal the results
//!   as tables (joined by a newline) or `error: <message>`. A line
//!   `<!-- connection: <connection string> -->` sets the connection for the blocks after it.
//! * docs/cli.md: in every ```console block, a line starting with `$ ` is a shell command (lines
//!   starting with `> ` continue it) and the lines up to the next command are its expected output
//!   (stdout and stderr merged). Commands run with `sh` in a fresh temporary directory shared by
//!   the block, with the built `zbsql` first on PATH and `ZBSQL_CONNECTION` unset.
//!
//! Set `DOCS_SHOW_ACTUAL=1` to print the actual output of every example.

use crate::markdown_support;
use markdown_support::{blocks, show_actual};

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use zohobooks_sql::blocking::Connection;

#[test]
fn sql_md_examples_produce_the_documented_results() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/sql.md");
    let markdown = std::fs::read_to_string(&path).expect("read docs/sql.md");
    let blocks = blocks(&markdown);
    let mut conn = Connection::open("").expect("open");
    let mut checked = 0;
    let mut failures = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        if block.info == "comment" {
            if let Some(conn_str) = block.body.strip_prefix("connection:") {
                conn = Connection::open(conn_str.trim()).expect("documented connection string");
            }
            continue;
        }
        if block.info != "sql" {
            continue;
        }
        let Some(expected) = blocks.get(i + 1).filter(|b| b.info == "text") else {
            continue;
        };
        let actual = match conn.execute_script(&block.body) {
            Ok(results) => results
                .iter()
                .map(|rs| rs.to_table_string().expect("render"))
                .collect::<Vec<_>>()
                .join("\n"),
            Err(e) => format!("error: {e}"),
        };
        if show_actual() {
            println!("--- docs/sql.md:{}\n{actual}", block.line);
        }
        if actual.trim_end() != expected.body.trim_end() {
            failures.push(format!(
                "docs/sql.md:{}: expected\n{}\nactual\n{}",
                block.line, expected.body, actual
            ));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        checked >= 10,
        "only {checked} examples found in docs/sql.md"
    );
}

fn run_shell(command: &str, dir: &Path) -> String {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_zbsql"))
        .parent()
        .expect("binary directory");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("exec 2>&1\n{command}"))
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("ZBSQL_CONNECTION")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn sh");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            let output = child.wait_with_output().expect("output");
            return String::from_utf8(output.stdout).expect("utf-8 output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("`{command}` did not finish within 30 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn cli_md_examples_produce_the_documented_output() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli.md");
    let markdown = std::fs::read_to_string(&path).expect("read docs/cli.md");
    let mut checked = 0;
    let mut failures = Vec::new();
    for block in blocks(&markdown).iter().filter(|b| b.info == "console") {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut commands: Vec<(String, String)> = Vec::new();
        for line in block.body.lines() {
            if let Some(command) = line.strip_prefix("$ ") {
                commands.push((command.to_owned(), String::new()));
            } else if let (Some(cont), Some(last)) = (line.strip_prefix("> "), commands.last_mut())
            {
                last.0.push('\n');
                last.0.push_str(cont);
            } else if let Some(last) = commands.last_mut() {
                last.1.push_str(line);
                last.1.push('\n');
            }
        }
        for (command, expected) in commands {
            let actual = run_shell(&command, dir.path());
            if show_actual() {
                println!("--- docs/cli.md:{} $ {command}\n{actual}", block.line);
            }
            if actual.trim_end() != expected.trim_end() {
                failures.push(format!(
                    "docs/cli.md:{}: `{command}`: expected\n{expected}\nactual\n{actual}",
                    block.line
                ));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(checked >= 8, "only {checked} commands found in docs/cli.md");
}
