//! Replays crash inputs found by the fuzz targets (`tests/fuzz_regressions/<target>/`) and the
//! fuzz seeds (`fuzz/seeds/<target>/`) through the same checks each target makes, so a fixed
//! crash stays fixed in the normal test suite.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// The fuzz targets' own checks, so replaying an input here is what the fuzzer did.
#[path = "../../fuzz/checks.rs"]
mod checks;

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        root.join("tests/fuzz_regressions").join(target),
        root.join("fuzz/seeds").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        files.extend(
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_file() && !p.ends_with(".gitkeep")),
        );
    }
    files.sort();
    files
}

fn replay(target: &str, check: fn(&[u8])) {
    let files = inputs(target);
    assert!(!files.is_empty(), "no inputs for {target}");
    let mut failures = Vec::new();
    for path in &files {
        let data = std::fs::read(path).expect("read input");
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check(&data))) {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failures.push(format!("{}: {why}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn connection_string_inputs() {
    replay("fuzz_connection_string", checks::connection_string);
}

#[test]
fn callback_inputs() {
    replay("fuzz_callback", checks::callback);
}

#[test]
fn token_response_inputs() {
    replay("fuzz_token_response", checks::token_response);
}

#[test]
fn sql_inputs() {
    replay("fuzz_sql", checks::sql);
}
