//! docs/errors.md documents every variant of the public `Error` enum.

use std::path::Path;

#[test]
fn every_error_variant_is_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(root.join("src/error.rs")).unwrap();
    let doc = std::fs::read_to_string(root.join("docs/errors.md")).unwrap();
    let body = &source[source.find("pub enum Error {").expect("the Error enum")..];
    let body = &body[..body.find("\n}\n").unwrap()];
    let variants: Vec<&str> = body
        .lines()
        .filter_map(|l| l.strip_prefix("    "))
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
        .map(|l| l.split(|c: char| !c.is_alphanumeric()).next().unwrap())
        .collect();
    assert!(variants.len() >= 20, "parsed variants: {variants:?}");
    let missing: Vec<&&str> = variants
        .iter()
        .filter(|v| !doc.contains(&format!("`Error::{v}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/errors.md does not document: {missing:?}"
    );
}
