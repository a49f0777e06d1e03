//! docs/connection-properties.md must carry the catalog's reference table.

use std::path::Path;

const BEGIN: &str = "<!-- BEGIN GENERATED -->\n";
const END: &str = "<!-- END GENERATED -->";

#[test]
fn connection_properties_doc_matches_the_catalog() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/connection-properties.md");
    let doc = std::fs::read_to_string(&path).expect("docs/connection-properties.md exists");
    let start = doc.find(BEGIN).expect("BEGIN marker") + BEGIN.len();
    let end = doc.find(END).expect("END marker");
    let generated = zohobooks_sql::config::properties::reference_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let updated = format!("{}{}{}", &doc[..start], generated, &doc[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert_eq!(
        &doc[start..end],
        generated,
        "docs/connection-properties.md is out of date; run UPDATE_DOCS=1 cargo test --test docs docs_properties::"
    );
}

/// The example connection strings shown in README.md and docs/connection-properties.md parse.
#[test]
fn documented_connection_strings_parse() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for file in ["README.md", "docs/connection-properties.md"] {
        let doc = std::fs::read_to_string(root.join(file)).unwrap();
        for block in doc.split("```text\n").skip(1) {
            let body = &block[..block.find("```").unwrap()];
            for line in body.lines().filter(|l| l.contains('=')) {
                zohobooks_sql::Config::parse(line)
                    .unwrap_or_else(|e| panic!("{file}: {line}: {e}"));
                checked += 1;
            }
        }
    }
    assert!(checked >= 2);
}
