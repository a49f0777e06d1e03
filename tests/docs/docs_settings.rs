//! The settings-file example in docs/settings-file.md is a file the token store reads.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use zohobooks_sql::config::SettingsLocation;
use zohobooks_sql::oauth::store::TokenStore;

#[test]
fn the_documented_settings_file_loads() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/settings-file.md"),
    )
    .unwrap();
    let start = doc.find("```json\n").expect("a json example") + "```json\n".len();
    let example = &doc[start..start + doc[start..].find("```").unwrap()];

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("OAuthSettings.json");
    std::fs::write(&path, example).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let record = TokenStore::new(SettingsLocation::File(path.clone()))
        .load_any()
        .expect("the documented format is readable")
        .expect("it holds a record");
    assert_eq!(
        record.api_domain.as_deref(),
        Some("https://www.zohoapis.eu")
    );
    assert_eq!(record.expires_in, Some(3600));

    // The same file readable by others is refused, as the doc says.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = TokenStore::new(SettingsLocation::File(path))
        .load_any()
        .unwrap_err();
    assert!(err.to_string().contains("chmod 600"), "{err}");
}
