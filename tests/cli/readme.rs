//! Every command in README.md runs, and prints what the README shows.
//!
//! * ```sh blocks: each `cargo run --release -- ARGS` line runs as the built `zbsql ARGS` (the
//!   debug build; the release build is the same code) and must succeed; `cargo test` is this
//!   suite itself and is skipped.
//! * ```console blocks: the whole block runs as one `sh -e` script (so shell variables and
//!   background jobs carry from one `$ ` command to the next) in a fresh temporary directory, with
//!   the built `zbsql` first on PATH and `ZBSQL_CONNECTION` unset. The lines after the commands are
//!   the expected output (stdout and stderr merged). In expected output, a line `...` matches any
//!   number of lines, and a line ending in `...` matches any line starting with the text before it.
//! * The ```rust block runs as a doctest (see `ReadmeDocs` in src/lib.rs).
//!
//! Set `DOCS_SHOW_ACTUAL=1` to print the actual output of every block.

use crate::markdown_support;
use markdown_support::{blocks, show_actual};

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn zbsql_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_zbsql"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn run_script(script: &str, dir: &Path) -> (bool, String) {
    let path = format!(
        "{}:{}",
        zbsql_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = Command::new("sh")
        .arg("-ec")
        .arg(format!("exec 2>&1\n{script}"))
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("ZBSQL_CONNECTION")
        .env_remove("BROWSER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sh runs");
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("README block did not finish within 120 s:\n{script}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Matches actual lines against expected lines with the `...` wildcards.
fn matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((e, rest)) if e == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((e, rest)) => match actual.split_first() {
            None => false,
            Some((a, arest)) => {
                let ok = match e.strip_suffix("...") {
                    Some(prefix) => a.starts_with(prefix),
                    None => a == e,
                };
                ok && matches(rest, arest)
            }
        },
    }
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

#[test]
fn readme_sh_commands_run() {
    let mut ran = 0;
    for block in blocks(&readme()).into_iter().filter(|b| b.info == "sh") {
        for line in block.body.lines() {
            if line.trim() == "cargo test" {
                continue;
            }
            let args = line
                .strip_prefix("cargo run --release -- ")
                .unwrap_or_else(|| {
                    panic!(
                        "README.md line {}: a command this test does not know how to run: {line}",
                        block.line
                    )
                });
            let dir = tempfile::tempdir().unwrap();
            let (ok, out) = run_script(&format!("zbsql {args}"), dir.path());
            assert!(ok, "README.md line {}: `{line}` failed:\n{out}", block.line);
            assert!(
                out.contains("Zillum Sandbox Inc."),
                "README.md main job printed:\n{out}"
            );
            ran += 1;
        }
    }
    assert_eq!(ran, 1, "the README's main command");
}

#[test]
fn readme_console_blocks_print_what_they_show() {
    let show = show_actual();
    let mut checked = 0;
    for block in blocks(&readme())
        .into_iter()
        .filter(|b| b.info == "console")
    {
        let mut script = String::new();
        let mut expected = Vec::new();
        for line in block.body.lines() {
            if let Some(cmd) = line.strip_prefix("$ ") {
                script.push_str(cmd);
                script.push('\n');
            } else if let Some(cont) = line.strip_prefix("> ") {
                script.push_str(cont);
                script.push('\n');
            } else {
                expected.push(line.to_owned());
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let (ok, out) = run_script(&script, dir.path());
        if show {
            eprintln!("--- README.md line {}:\n{out}", block.line);
        }
        assert!(ok, "README.md block at line {} failed:\n{out}", block.line);
        let actual: Vec<&str> = out.lines().collect();
        assert!(
            matches(&expected, &actual),
            "README.md block at line {}:\n--- expected\n{}\n--- actual\n{out}",
            block.line,
            expected.join("\n")
        );
        checked += 1;
    }
    assert!(checked >= 3, "README.md has its tour blocks");
}
