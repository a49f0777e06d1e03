//! Runs the built `zbsql` binary as a process: every output format, stdin scripts, `-c`/`-f`
//! scripts of several statements, the connection-string sources and every exit status.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const ZBSQL: &str = env!("CARGO_BIN_EXE_zbsql");

/// Runs zbsql with `args`, feeding `stdin`, with `ZBSQL_CONNECTION` removed unless given in
/// `env`. Fails the test if the process runs longer than 30 s.
fn zbsql(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut command = Command::new(ZBSQL);
    command
        .args(args)
        .env_remove("ZBSQL_CONNECTION")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("spawn zbsql");
    {
        let mut input = child.stdin.take().expect("stdin");
        // The process may exit before reading stdin (e.g. usage errors); that is fine.
        let _ = input.write_all(stdin.as_bytes());
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("zbsql {args:?} did not finish within 30 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 stderr")
}

const PROXY_QUERY: &str = "SELECT Name, [Default] FROM sys_connection_props WHERE Category = 'Proxy' ORDER BY Name LIMIT 2";

#[test]
fn table_format_is_the_default() {
    let out = zbsql(&["-c", PROXY_QUERY], &[], "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "\
+-----------------+---------+
| Name            | Default |
+-----------------+---------+
| ProxyAuthScheme |         |
| ProxyAutoDetect |         |
+-----------------+---------+
"
    );
    assert_eq!(stderr(&out), "");
}

#[test]
fn csv_format_prints_a_header_per_result_set() {
    let out = zbsql(
        &[
            "--format",
            "csv",
            "-c",
            "SELECT Name, Sensitivity FROM sys_connection_props WHERE Name IN ('PKCE', 'ProxyPassword'); SELECT TableName FROM sys_tables WHERE TableName = 'a,b'",
            "-c",
            "SELECT ProcedureName, Description FROM sys_procedures WHERE ProcedureName LIKE 'Refresh%'",
        ],
        &[],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "\
Name,Sensitivity
PKCE,
ProxyPassword,PASSWORD

TableName

ProcedureName,Description
RefreshOAuthAccessToken,Exchanges a refresh token for a new access token.
"
    );
}

#[test]
fn json_format_prints_one_array_per_line() {
    let out = zbsql(
        &[
            "--format=json",
            "-c",
            "SELECT Name, [Default], Sensitivity FROM sys_connection_props WHERE Name IN ('Scope', 'OAuthVerifier')",
            "-c",
            "SELECT * FROM sys_tables WHERE TableType = 'VIEW'",
        ],
        &[],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let first: serde_json::Value = serde_json::from_str(lines[0]).expect("json");
    assert_eq!(
        first,
        serde_json::json!([
            {"Name": "OAuthVerifier", "Default": null, "Sensitivity": "PASSWORD"},
            {"Name": "Scope", "Default": "ZohoBooks.fullaccess.all", "Sensitivity": null},
        ])
    );
    assert_eq!(lines[1], "[]");
}

#[test]
fn a_script_on_stdin_runs_statement_by_statement() {
    let script = "\
-- list two things; then one more
SELECT ProcedureName
  FROM sys_procedures
  WHERE ProcedureName LIKE 'GetOAuthA%';
/* a comment; with a semicolon */
SELECT TableName FROM sys_tables
WHERE TableName = 'sys_tables'
;
";
    let out = zbsql(&["--format", "csv"], &[], script);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "\
ProcedureName
GetOAuthAuthorizationURL
GetOAuthAccessToken

TableName
sys_tables
"
    );
}

#[test]
fn files_and_commands_run_in_command_line_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = dir.path().join("first.sql");
    std::fs::write(
        &first,
        "SELECT Name FROM sys_connection_props WHERE Name = 'PKCE';\n\
         SELECT Name FROM sys_connection_props\n  WHERE Name = 'Scope';\n\
         SELECT Name FROM sys_connection_props WHERE Name = 'Region'",
    )
    .expect("write");
    let second = dir.path().join("second.sql");
    std::fs::write(
        &second,
        "SELECT Name FROM sys_connection_props WHERE Name = 'Verbosity';",
    )
    .expect("write");
    let out = zbsql(
        &[
            "--format",
            "json",
            "-f",
            first.to_str().unwrap(),
            "-c",
            "SELECT Name FROM sys_connection_props WHERE Name = 'Timeout'",
            "--file",
            second.to_str().unwrap(),
        ],
        &[],
        "this stdin is ignored because -c/-f are given",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "\
[{\"Name\":\"PKCE\"}]
[{\"Name\":\"Scope\"}]
[{\"Name\":\"Region\"}]
[{\"Name\":\"Timeout\"}]
[{\"Name\":\"Verbosity\"}]
"
    );
}

#[test]
fn a_failing_statement_stops_the_run_with_status_1() {
    let out = zbsql(
        &[
            "--format",
            "csv",
            "-c",
            "SELECT Name FROM sys_connection_props WHERE Name = 'PKCE'; EXEC NoSuchProc; SELECT Name FROM sys_connection_props WHERE Name = 'Scope'",
            "-c",
            "SELECT Name FROM sys_connection_props WHERE Name = 'Timeout'",
        ],
        &[],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "Name\nPKCE\n");
    assert_eq!(
        stderr(&out),
        "error: unknown stored procedure 'NoSuchProc'; known procedures: GetOAuthAuthorizationURL, GetOAuthAccessToken, RefreshOAuthAccessToken\n\
         hint: SELECT * FROM sys_procedures lists the procedures\n"
    );

    // A call that validates but that the OAuth engine cannot run fails the same way.
    let out = zbsql(
        &["-c", "EXEC GetOAuthAuthorizationURL @AuthMode = 'APP'"],
        &[],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: OAuthClientId is not set;"),
        "{}",
        stderr(&out)
    );
    // ... and runs once the connection string has what it needs.
    let out = zbsql(
        &[
            "OAuthClientId=1000.CLI",
            "--format",
            "json",
            "-c",
            "EXEC GetOAuthAuthorizationURL @AuthMode = 'APP', @State = 'abc'",
        ],
        &[],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "[{\"URL\":\"https://accounts.zoho.com/oauth/v2/auth?client_id=1000.CLI&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A33333&scope=ZohoBooks.fullaccess.all&access_type=offline&prompt=consent&state=abc\"}]\n"
    );

    // Errors in stdin scripts and syntax errors count too.
    let out = zbsql(&[], &[], "SELECT * FROM sys_tables;\nSELEC 1;\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("sys_tablecolumns"));
    assert!(
        stderr(&out)
            .starts_with("error: SQL syntax error: Expected: an SQL statement, found: SELEC"),
        "{}",
        stderr(&out)
    );
    let out = zbsql(&["-c", "SELECT * FROM Invoice"], &[], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).ends_with("hint: SELECT TableName FROM sys_tables lists the tables\n"));
}

#[test]
fn usage_and_connection_string_errors_exit_with_2() {
    // A bad connection string: the message names the problem and never shows the secret.
    let out = zbsql(
        &[
            "OAuthClientSecret=hunter2;Bogus=1",
            "-c",
            "SELECT * FROM sys_tables",
        ],
        &[],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.starts_with("error: unknown property 'Bogus'"), "{err}");
    assert!(
        err.contains("\nhint: connection strings are Key=Value pairs"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
    assert_eq!(stdout(&out), "");

    // SQL given where the connection string goes gets a pointer to -c.
    let out = zbsql(&["SELECT * FROM sys_tables"], &[], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).ends_with("hint: the first argument is the connection string; pass SQL with -c, e.g. zbsql -c \"SELECT * FROM sys_tables\"\n"),
        "{}",
        stderr(&out)
    );

    let out = zbsql(&["Timeout=soon"], &[], "SELECT * FROM sys_tables;");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid value for Timeout"));

    let out = zbsql(&["-f", "/definitely/not/here.sql"], &[], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("error: cannot read /definitely/not/here.sql"));

    let out = zbsql(
        &["--format", "xml", "-c", "SELECT * FROM sys_tables"],
        &[],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid value 'xml' for '--format <FORMAT>'"));

    let out = zbsql(&["--no-such-flag"], &[], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("error: unexpected argument '--no-such-flag'"));
}

#[test]
fn the_connection_string_comes_from_the_argument_or_zbsql_connection() {
    let query = "SELECT Value FROM sys_connection_props WHERE Name IN ('OAuthClientId', 'OAuthClientSecret')";
    let env = [(
        "ZBSQL_CONNECTION",
        "OAuthClientId=1000.FROMENV;OAuthClientSecret=env-secret",
    )];
    let out = zbsql(&["--format", "csv", "-c", query], &env, "");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "Value\n1000.FROMENV\n********\n");

    let out = zbsql(
        &["OAuthClientId=1000.FROMARG", "--format", "csv", "-c", query],
        &env,
        "",
    );
    // CSV quotes an empty field that is alone on its line, so it is not an empty line.
    assert_eq!(stdout(&out), "Value\n1000.FROMARG\n\"\"\n");

    let out = zbsql(&["--format", "csv", "-c", query], &[], "");
    assert_eq!(stdout(&out), "Value\n\"\"\n\"\"\n");

    // Help mentions the variable but never prints its value.
    let out = zbsql(&["--help"], &env, "");
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    assert!(help.contains("ZBSQL_CONNECTION"), "{help}");
    assert!(
        !help.contains("env-secret") && !help.contains("FROMENV"),
        "{help}"
    );
}

#[test]
fn secrets_never_reach_the_output() {
    let out = zbsql(
        &[
            "OAuthClientSecret=s3cr3t-value;OAuthAccessToken=1000.access.tok;ProxyPassword=pw-value",
            "--format",
            "csv",
            "-c",
            "SELECT * FROM sys_connection_props",
        ],
        &[],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for secret in ["s3cr3t-value", "1000.access.tok", "pw-value"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert_eq!(text.matches("********").count(), 3, "{text}");
}

#[test]
fn an_empty_script_succeeds_quietly() {
    let out = zbsql(&[], &[], "  -- nothing to do\n;\n");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out), "");
}

/// The interactive prompt, driven through a real pseudo-terminal (stdin is a terminal, so zbsql
/// starts the REPL). `TERM=dumb` makes rustyline read plain lines, without escape sequences.
#[cfg(target_os = "linux")]
#[test]
fn the_repl_runs_multi_line_statements_dot_commands_and_keeps_history() {
    use std::fs::File;
    use std::io::Read;
    use std::os::fd::FromRawFd;
    use std::sync::{Arc, Mutex};

    let (mut master, slave) = {
        let mut master_fd: libc::c_int = -1;
        let mut slave_fd: libc::c_int = -1;
        // SAFETY: openpty writes two new file descriptors into the provided integers; the null
        // pointers ask for no name and default terminal settings.
        let rc = unsafe {
            libc::openpty(
                &mut master_fd,
                &mut slave_fd,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty failed");
        // SAFETY: both descriptors are fresh, open and owned by nothing else.
        unsafe { (File::from_raw_fd(master_fd), File::from_raw_fd(slave_fd)) }
    };
    let home = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(ZBSQL)
        .env_remove("ZBSQL_CONNECTION")
        .env("TERM", "dumb")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .stdin(slave.try_clone().expect("dup"))
        .stdout(slave.try_clone().expect("dup"))
        .stderr(slave)
        .spawn()
        .expect("spawn zbsql");

    let screen = Arc::new(Mutex::new(String::new()));
    let mut reader = master.try_clone().expect("dup master");
    let sink = screen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        // Ends with an error (EIO) once zbsql exits and the terminal closes.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let wait_for = |needle: &str, seen_before: usize| -> usize {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            {
                let text = screen.lock().unwrap();
                if let Some(at) = text[seen_before..].find(needle) {
                    return seen_before + at + needle.len();
                }
            }
            assert!(
                Instant::now() < deadline,
                "waited 20 s for {needle:?}; the terminal shows:\n{}",
                screen.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    };

    let mut pos = wait_for("zbsql> ", 0);
    master.write_all(b"SELECT Name\n").unwrap();
    pos = wait_for("...> ", pos);
    master
        .write_all(b"FROM sys_connection_props WHERE Name = 'PKCE';\n")
        .unwrap();
    pos = wait_for("| PKCE |", pos);
    pos = wait_for("zbsql> ", pos);
    master.write_all(b".format json\n").unwrap();
    pos = wait_for("zbsql> ", pos);
    master.write_all(b".procedures\n").unwrap();
    pos = wait_for("{\"ProcedureName\":\"GetOAuthAuthorizationURL\"", pos);
    pos = wait_for("zbsql> ", pos);
    master.write_all(b"EXEC NoSuchProc;\n").unwrap();
    pos = wait_for("error: unknown stored procedure 'NoSuchProc'", pos);
    pos = wait_for("zbsql> ", pos);
    master.write_all(b".bogus\n").unwrap();
    pos = wait_for("error: unknown command `.bogus`", pos);
    wait_for("zbsql> ", pos);
    master.write_all(b".quit\n").unwrap();

    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("zbsql did not leave after .quit");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(status.success(), "{status}");

    let history =
        std::fs::read_to_string(home.path().join("data/zbsql/history.txt")).expect("history file");
    assert!(
        history.contains("FROM sys_connection_props WHERE Name = 'PKCE';"),
        "{history}"
    );
    assert!(history.contains(".procedures"), "{history}");
}
