//! Connection strings drawn from the ADO.NET / ODBC / JDBC conventions CData's editions use, each
//! with its expected parse (canonical form) or error. See grammar/connection-string.ebnf.

use proptest::prelude::*;
use zohobooks_sql::config::{
    Config, InitiateOAuth, PROPERTIES, PropertyType, Region, SettingsLocation,
};
use zohobooks_sql::error::{ConnectionStringErrorKind as K, Error};

/// Valid inputs and the canonical (secret-revealing) string each must produce.
const VALID: &[(&str, &str)] = &[
    ("", ""),
    (";;;", ""),
    ("   ", ""),
    (
        "InitiateOAuth=GETANDREFRESH",
        "InitiateOAuth=GETANDREFRESH;",
    ),
    (
        "InitiateOAuth=GETANDREFRESH;",
        "InitiateOAuth=GETANDREFRESH;",
    ),
    ("initiateoauth=refresh", "InitiateOAuth=REFRESH;"),
    (
        "Initiate OAuth = GetAndRefresh",
        "InitiateOAuth=GETANDREFRESH;",
    ),
    ("  INITIATEOAUTH  =  off  ;  ", "InitiateOAuth=OFF;"),
    (
        "jdbc:zohobooks:InitiateOAuth=GETANDREFRESH;OrganizationId=YourOrganizationId;",
        "InitiateOAuth=GETANDREFRESH;OrganizationId=YourOrganizationId;",
    ),
    (
        "jdbc:cdata:zohobooks:OrganizationId=123",
        "OrganizationId=123;",
    ),
    ("JDBC:ZohoBooks:OrganizationId=123", "OrganizationId=123;"),
    (
        "OAuthClientId=1000.ABC;OAuthClientSecret=xyz",
        "OAuthClientId=1000.ABC;OAuthClientSecret=xyz;",
    ),
    (
        "CallbackURL='https://localhost:3000'",
        "CallbackURL=https://localhost:3000;",
    ),
    (
        "CallbackURL=\"http://127.0.0.1:8080/cb\"",
        "CallbackURL=http://127.0.0.1:8080/cb;",
    ),
    (
        "OAuthSettingsLocation='/path/to/oauth.txt'",
        "OAuthSettingsLocation=/path/to/oauth.txt;",
    ),
    (
        "OAuthSettingsLocation=memory://user1",
        "OAuthSettingsLocation=memory://user1;",
    ),
    (
        "OAuthSettingsLocation='C:\\Users\\Public\\oauth settings.txt'",
        "OAuthSettingsLocation=C:\\Users\\Public\\oauth settings.txt;",
    ),
    ("OrganizationId='it''s'", "OrganizationId=it's;"),
    ("OrganizationId=\"'q'\"", "OrganizationId='''q''';"),
    (
        "OrganizationId=\"say \"\"hi\"\"\"",
        "OrganizationId=say \"hi\";",
    ),
    ("OrganizationId={a;b=c}", "OrganizationId='a;b=c';"),
    ("OrganizationId={x}}y}", "OrganizationId=x}y;"),
    (
        "OrganizationId='  padded  '",
        "OrganizationId='  padded  ';",
    ),
    ("OrganizationId=  trimmed  ", "OrganizationId=trimmed;"),
    ("OrganizationId=a'b", "OrganizationId=a'b;"),
    ("OrganizationId=1;OrganizationId=2", "OrganizationId=2;"),
    ("OrganizationId=1;organization id=3", "OrganizationId=3;"),
    ("OrganizationId=1;OrganizationId=", ""),
    ("OrganizationId=''", ""),
    ("Region=Europe", "Region=EU;"),
    ("Region=india", "Region=IN;"),
    ("Region=Saudi Arabia", "Region=SA;"),
    ("Region=jp", "Region=JP;"),
    ("Timeout=0", "Timeout=0;"),
    ("Timeout= 120 ", "Timeout=120;"),
    (
        "Verbosity=5;Logfile=/tmp/zb.log",
        "Logfile=/tmp/zb.log;Verbosity=5;",
    ),
    ("PKCE=TRUE;OpenBrowser=no", "PKCE=true;OpenBrowser=false;"),
    ("PKCE=1;OpenBrowser=off", "PKCE=true;OpenBrowser=false;"),
    (
        "ProxyServer=proxy.local;ProxyPort=3128;ProxyUser=bob;ProxyPassword='p;w'",
        "ProxyServer=proxy.local;ProxyPort=3128;ProxyUser=bob;ProxyPassword='p;w';",
    ),
    (
        "OAuthExpiresIn=-1;OAuthTokenTimestamp=1700000000000",
        "OAuthExpiresIn=-1;OAuthTokenTimestamp=1700000000000;",
    ),
    (
        "AccountsServer=https://accounts.zoho.eu",
        "AccountsServer=https://accounts.zoho.eu;",
    ),
    (
        "Scope=ZohoBooks.invoices.READ,ZohoBooks.settings.READ",
        "Scope=ZohoBooks.invoices.READ,ZohoBooks.settings.READ;",
    ),
    (
        "OAuthVerifier='http://localhost:33333/?code=1000.a&location=us&accounts-server=https%3A%2F%2Faccounts.zoho.com'",
        "OAuthVerifier=http://localhost:33333/?code=1000.a&location=us&accounts-server=https%3A%2F%2Faccounts.zoho.com;",
    ),
    (
        "\n InitiateOAuth=REFRESH;\n OAuthSettingsLocation=/tmp/x.json;\n",
        "InitiateOAuth=REFRESH;OAuthSettingsLocation=/tmp/x.json;",
    ),
];

/// Invalid inputs, the expected error kind, and the expected byte offset.
fn invalid() -> Vec<(&'static str, K, usize)> {
    let bad_enum = |property: &'static str, expected: &str| K::InvalidValue {
        property,
        expected: expected.into(),
    };
    vec![
        ("InitiateOAuth", K::MissingEquals, 13),
        ("A=1;B", K::MissingEquals, 5),
        (
            "A=1;B=2",
            K::UnknownProperty {
                name: "A".into(),
                suggestion: None,
            },
            0,
        ),
        ("OrganizationId=1;Timeout", K::MissingEquals, 24),
        ("=value", K::EmptyKey, 0),
        ("  = value", K::EmptyKey, 2),
        (
            "OrganizationId='abc",
            K::UnterminatedQuote { quote: '\'' },
            15,
        ),
        (
            "OrganizationId=\"abc",
            K::UnterminatedQuote { quote: '"' },
            15,
        ),
        (
            "OrganizationId='abc''",
            K::UnterminatedQuote { quote: '\'' },
            15,
        ),
        ("OrganizationId={abc", K::UnterminatedBrace, 15),
        ("OrganizationId='abc' def", K::TextAfterQuote, 21),
        ("OrganizationId={abc}x;", K::TextAfterQuote, 20),
        (
            "OAuthClientIdd=x",
            K::UnknownProperty {
                name: "OAuthClientIdd".into(),
                suggestion: Some("OAuthClientId".into()),
            },
            0,
        ),
        (
            "Regoin=EU",
            K::UnknownProperty {
                name: "Regoin".into(),
                suggestion: Some("Region".into()),
            },
            0,
        ),
        (
            "Timeout=5;  Foo Bar=1",
            K::UnknownProperty {
                name: "FooBar".into(),
                suggestion: None,
            },
            12,
        ),
        (
            "InitiateOAuth=ALWAYS",
            bad_enum("InitiateOAuth", "one of OFF, GETANDREFRESH, REFRESH"),
            14,
        ),
        (
            "Timeout=abc",
            bad_enum("Timeout", "a whole number from 0 to 86400"),
            8,
        ),
        (
            "Timeout=-5",
            bad_enum("Timeout", "a whole number from 0 to 86400"),
            8,
        ),
        (
            "Verbosity=6",
            bad_enum("Verbosity", "a whole number from 1 to 5"),
            10,
        ),
        (
            "ProxyPort=70000",
            bad_enum("ProxyPort", "a whole number from 1 to 65535"),
            10,
        ),
        ("PKCE=maybe", bad_enum("PKCE", "true or false"), 5),
        (
            "CallbackURL=localhost:33333",
            bad_enum(
                "CallbackURL",
                "an absolute http:// or https:// URL, e.g. http://localhost:33333",
            ),
            12,
        ),
        (
            "AccountsServer=ftp://accounts.zoho.com",
            bad_enum(
                "AccountsServer",
                "an absolute http:// or https:// URL, e.g. http://localhost:33333",
            ),
            15,
        ),
        (
            "OAuthSettingsLocation=memory://",
            bad_enum(
                "OAuthSettingsLocation",
                "a file path or memory://<id> with a non-empty id",
            ),
            22,
        ),
        (
            "OAuthTokenTimestamp=-1",
            bad_enum("OAuthTokenTimestamp", "a whole number >= 0"),
            20,
        ),
    ]
}

#[test]
fn valid_connection_strings_parse_to_their_canonical_form() {
    for (input, canonical) in VALID {
        let config = Config::parse(input).unwrap_or_else(|e| panic!("{input:?} failed: {e}"));
        assert_eq!(
            &config.canonical_string_with_secrets(),
            canonical,
            "input {input:?}"
        );
        // The canonical form is a fixed point.
        let again = Config::parse(canonical).unwrap();
        assert_eq!(again, config, "round trip of {input:?}");
    }
}

#[test]
fn invalid_connection_strings_give_typed_errors_with_offsets() {
    let cases = invalid();
    assert!(VALID.len() + cases.len() >= 40);
    for (input, kind, offset) in cases {
        match Config::parse(input) {
            Err(Error::ConnectionString {
                kind: k,
                offset: o,
                excerpt,
            }) => {
                assert_eq!(k, kind, "input {input:?}");
                assert_eq!(o, offset, "offset for {input:?}");
                assert!(!excerpt.is_empty());
            }
            other => panic!("{input:?}: expected a connection-string error, got {other:?}"),
        }
    }
}

#[test]
fn error_messages_read_well() {
    let msg = Config::parse("OAuthClientIdd=x").unwrap_err().to_string();
    assert!(
        msg.starts_with("unknown property 'OAuthClientIdd'; did you mean 'OAuthClientId'?"),
        "{msg}"
    );
    let msg = Config::parse("InitiateOAuth=ALWAYS")
        .unwrap_err()
        .to_string();
    assert!(msg.contains("OFF, GETANDREFRESH, REFRESH"), "{msg}");
    assert!(msg.contains("at byte 14"), "{msg}");
    let msg = Config::parse("Region=Mars").unwrap_err().to_string();
    assert!(msg.contains("Europe") && msg.contains("US"), "{msg}");
}

#[test]
fn typed_accessors_follow_the_string() {
    let c = Config::parse(
        "InitiateOAuth=REFRESH;Region=Australia;OAuthSettingsLocation=memory://abc;Timeout=0;OAuthBrowserTimeout=5",
    )
    .unwrap();
    assert_eq!(c.initiate_oauth(), InitiateOAuth::Refresh);
    assert_eq!(c.region(), Region::Au);
    assert_eq!(
        c.oauth_settings_location(),
        SettingsLocation::Memory("abc".into())
    );
    assert_eq!(c.timeout(), None);
    assert_eq!(c.oauth_browser_timeout().as_secs(), 5);
}

const SECRETS: [&str; 5] = [
    "OAuthClientSecret",
    "OAuthAccessToken",
    "OAuthRefreshToken",
    "OAuthVerifier",
    "ProxyPassword",
];

#[test]
fn no_secret_leaks_through_debug_display_or_errors() {
    let secret_values: Vec<String> = SECRETS
        .iter()
        .map(|s| format!("S3CRET-{s}-value"))
        .collect();
    let conn: String = SECRETS
        .iter()
        .zip(&secret_values)
        .map(|(k, v)| format!("{k}={v};"))
        .collect();
    let config = Config::parse(&conn).unwrap();
    let shown = [
        format!("{config:?}"),
        config.to_string(),
        format!("{config:#?}"),
    ];
    for text in &shown {
        for v in &secret_values {
            assert!(!text.contains(v.as_str()), "{v} leaked in {text}");
        }
    }
    assert!(config.to_string().contains("OAuthClientSecret=********"));
    for v in &secret_values {
        assert!(config.canonical_string_with_secrets().contains(v.as_str()));
    }

    // Errors in or after a secret pair never echo its value.
    let broken = [
        "OAuthClientSecret='S3CRET-unterminated",
        "OAuthClientSecret='S3CRET-x' S3CRET-tail",
        "OAuthRefreshToken={S3CRET-brace",
        "OAuthClientSecrett=S3CRET-typo",
        "OAuthAccessTokn='S3CRET-typo2",
        "ProxyPassword=S3CRET-ok;Timeout=bad",
    ];
    for input in broken {
        let err = Config::parse(input).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(
            !text.contains("S3CRET"),
            "secret leaked for {input:?}: {text}"
        );
    }
    let mut c = Config::default();
    let err = c.set("OAuthClientSecretx", "S3CRET-set").unwrap_err();
    assert!(!format!("{err} {err:?}").contains("S3CRET"));
}

fn any_value() -> impl Strategy<Value = String> {
    // Printable text plus the characters the grammar cares about.
    prop::collection::vec(
        prop_oneof![
            Just(';'),
            Just('='),
            Just('\''),
            Just('"'),
            Just('{'),
            Just('}'),
            Just(' '),
            Just('\t'),
            any::<char>().prop_filter("no control", |c| !c.is_control()),
        ],
        0..20,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #[test]
    fn canonical_strings_round_trip(values in prop::collection::vec((0..PROPERTIES.len(), any_value()), 0..8)) {
        let mut config = Config::default();
        for (index, value) in &values {
            let spec = &PROPERTIES[*index];
            // Only free-text kinds take arbitrary values; others get a valid sample.
            let value = match spec.kind {
                PropertyType::String | PropertyType::Secret => value.clone(),
                PropertyType::Enum => spec.allowed[value.len() % spec.allowed.len()].to_lowercase(),
                PropertyType::Bool => if value.len() % 2 == 0 { "yes".into() } else { "FALSE".into() },
                PropertyType::Integer { min, max } => (min + value.len() as i64).min(max).to_string(),
                PropertyType::Url => format!("http://localhost:{}", 1000 + value.len()),
                PropertyType::Location => format!("memory://id{}", value.len()),
            };
            config.set(spec.name, &value).unwrap();
        }
        let text = config.canonical_string_with_secrets();
        let reparsed = Config::parse(&text).unwrap();
        prop_assert_eq!(&reparsed, &config);
        prop_assert_eq!(reparsed.canonical_string_with_secrets(), text);
    }

    #[test]
    fn parser_never_panics(input in any::<String>()) {
        let _ = Config::parse(&input);
    }

    #[test]
    fn parser_never_panics_on_grammar_soup(input in prop::collection::vec(
        prop_oneof![Just("="), Just(";"), Just("'"), Just("\""), Just("{"), Just("}"), Just(" "),
                    Just("Timeout"), Just("OAuthClientSecret"), Just("x"), Just("é"), Just("jdbc:zohobooks:")], 0..30)) {
        let _ = Config::parse(&input.concat());
    }
}
