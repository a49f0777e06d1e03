//! The programs in examples/ run against the sandbox and succeed (so the README's tour cannot rot).
//!
//! `cargo test` builds the examples before running tests; when a single test target is run
//! without them, the test builds the example it needs first.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

fn example_binary(name: &str) -> PathBuf {
    // target/debug/zbsql -> target/debug/examples/<name>
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_zbsql"));
    let path = bin.parent().unwrap().join("examples").join(name);
    if !path.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--example", name])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building example {name}");
    }
    path
}

fn run(name: &str) -> String {
    let mut child = Command::new(example_binary(name))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("example starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("example {name} did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn web_flow_example_runs() {
    let out = run("web_flow");
    assert!(out.contains("3. got an access token"), "{out}");
    assert!(out.contains("Zillum Sandbox Inc."), "{out}");
}

#[test]
fn desktop_flow_example_logs_in_once() {
    let out = run("desktop_flow");
    assert!(
        out.contains("logins: 1, token grants: 1, refreshes: 0"),
        "{out}"
    );
}

#[test]
fn headless_flow_example_refreshes_without_a_browser() {
    let out = run("headless_flow");
    assert!(out.contains("3. 3 organizations"), "{out}");
    assert!(out.contains("refresh grants: 1"), "{out}");
}
