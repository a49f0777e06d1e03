//! docs/tables.md must carry the table specs' reference.

use std::path::Path;

const BEGIN: &str = "<!-- BEGIN GENERATED -->\n";
const END: &str = "<!-- END GENERATED -->";

#[test]
fn tables_doc_matches_the_specs() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/tables.md");
    let doc = std::fs::read_to_string(&path).expect("docs/tables.md exists");
    let start = doc.find(BEGIN).expect("BEGIN marker") + BEGIN.len();
    let end = doc.find(END).expect("END marker");
    let generated = zohobooks_sql::catalog::books::reference_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let updated = format!("{}{}{}", &doc[..start], generated, &doc[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert_eq!(
        &doc[start..end],
        generated,
        "docs/tables.md is out of date; run UPDATE_DOCS=1 cargo test --test docs docs_tables::"
    );
}
