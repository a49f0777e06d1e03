//! Property tests over the entry points that read untrusted text: the connection-string parser,
//! the SQL front end (split, parse, bind, validate), the verifier (callback URL) parser and the
//! token-response parser. No input makes them panic, what parses prints back to itself, and no
//! error ever shows a secret.
//!
//! The plain "any string never panics" properties of the connection-string parser and the
//! canonical round trip from typed values live in `tests/inputs/connection_strings.rs`; the verifier's
//! in `src/oauth/callback.rs`; the SQL parser's own in `src/sql/parse.rs`. These add
//! grammar-shaped inputs, the whole SQL front end, deep nesting and secret checks.

use proptest::prelude::*;
use serde_json::{Map, Value};
use zohobooks_sql::Config;
use zohobooks_sql::catalog::procedures::validate;
use zohobooks_sql::config::{PROPERTIES, PropertyType};
use zohobooks_sql::oauth::callback::parse_verifier;
use zohobooks_sql::oauth::client::{Grant, parse_token_response};
use zohobooks_sql::oauth::http::HttpResponse;
use zohobooks_sql::sql::params::bind;
use zohobooks_sql::sql::{Params, Plan, parse_statement, split_statements};

/// Every secret the generators plant starts with this; no error may contain it.
const MARKER: &str = "S3CRET";

/// All the texts an error shows.
fn shown(e: &zohobooks_sql::Error) -> String {
    format!("{e}\n{e:?}\n{}", e.hint().unwrap_or_default())
}

// ---- connection strings -------------------------------------------------------------------------

/// Text made of the characters the connection-string grammar cares about, and some others.
fn soup(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just(";"),
            Just("="),
            Just("'"),
            Just("''"),
            Just("\""),
            Just("{"),
            Just("}"),
            Just("}}"),
            Just(" "),
            Just("\t"),
            Just("\n"),
            Just("\u{0}"),
            Just("\u{1b}"),
            Just("é"),
            Just("\u{feff}"),
            Just("x"),
            Just("1"),
            Just("-"),
            Just("http://"),
            Just("memory://"),
            Just("jdbc:zohobooks:"),
        ],
        0..max,
    )
    .prop_map(|parts| parts.concat())
}

/// A property name as a user might write it: canonical, lower case, or with spaces.
fn key_spelling(index: usize, style: u8) -> String {
    let name = PROPERTIES[index].name;
    match style % 3 {
        0 => name.to_owned(),
        1 => name.to_lowercase(),
        _ => name.chars().flat_map(|c| [c, ' ']).collect(),
    }
}

/// One `key=value` segment: secret properties get a value that starts with the marker, the
/// others a soup value without it.
fn segment() -> impl Strategy<Value = String> {
    (0..PROPERTIES.len(), any::<u8>(), soup(8)).prop_map(|(index, style, value)| {
        let key = key_spelling(index, style);
        if PROPERTIES[index].secret {
            format!("{key}={MARKER}-{}", value.replace(MARKER, ""))
        } else {
            format!("{key}={}", value.replace(MARKER, ""))
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever grammar-shaped text parses, its canonical form parses to the same
    /// configuration and prints the same again.
    #[test]
    fn any_parsed_soup_round_trips(input in soup(40)) {
        if let Ok(config) = Config::parse(&input) {
            let canonical = config.canonical_string_with_secrets();
            let reparsed = Config::parse(&canonical);
            prop_assert!(reparsed.is_ok(), "{:?} -> {:?}: {:?}", input, canonical, reparsed.err());
            let reparsed = reparsed.unwrap();
            prop_assert_eq!(&reparsed, &config);
            prop_assert_eq!(reparsed.canonical_string_with_secrets(), canonical);
        }
    }

    /// Strings of real property names with soup values: no error shows a secret property's
    /// value, wherever the error is (before, in or after the secret pair), and the parsed
    /// configuration's Display and Debug mask every secret.
    #[test]
    fn no_connection_string_error_shows_a_secret(segments in prop::collection::vec(segment(), 1..6)) {
        let input = segments.join(";");
        match Config::parse(&input) {
            Err(e) => prop_assert!(!shown(&e).contains(MARKER), "{:?}: {}", input, shown(&e)),
            Ok(config) => {
                // A quoted value may swallow what looks like a secret pair, making it plain
                // text; what is parsed as a secret must be masked.
                let text = format!("{config}\n{config:?}");
                for (spec, value) in config.iter_set_exposing_secrets() {
                    if spec.secret && value.contains(MARKER) {
                        prop_assert!(!text.contains(value), "{:?}: {}", input, text);
                    }
                }
            }
        }
    }

    /// Valid values of every typed property parse whatever the spacing and case of the key.
    #[test]
    fn keys_are_found_in_any_spelling(index in 0..PROPERTIES.len(), style in any::<u8>()) {
        let spec = &PROPERTIES[index];
        let value = match spec.kind {
            PropertyType::Enum => spec.allowed[0].to_owned(),
            PropertyType::Bool => "true".to_owned(),
            PropertyType::Integer { min, .. } => min.to_string(),
            PropertyType::Url => "http://localhost:33333".to_owned(),
            PropertyType::Location => "memory://p".to_owned(),
            PropertyType::String | PropertyType::Secret => "v".to_owned(),
        };
        let input = format!("{}={value}", key_spelling(index, style));
        let parsed = Config::parse(&input);
        prop_assert!(parsed.is_ok(), "{:?}: {:?}", input, parsed.err());
        prop_assert!(parsed.unwrap().is_set(spec.name));
    }
}

// ---- SQL -----------------------------------------------------------------------------------------

/// Parse, bind with no values, and validate calls: what `Connection::execute` does before any
/// I/O.
fn sql_front_end(sql: &str) -> zohobooks_sql::Result<()> {
    match bind(parse_statement(sql)?, &Params::new())? {
        Plan::Call(call) => validate(&call).map(|_| ()),
        Plan::Query(_) => Ok(()),
    }
}

/// SQL-shaped text: the procedures and their parameters, string literals that carry the
/// marker, nesting tokens (several in a row, to go past the caller-stack threshold), comments
/// and separators. With `quoting`, also lone quotes, brackets and unterminated literals, which
/// can turn a planted literal into a bare word or an identifier (so only the no-panic half of
/// the property holds for those).
fn sql_soup(quoting: bool) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("EXEC".to_owned()),
        Just("CALL".to_owned()),
        Just("GetOAuthAuthorizationURL".to_owned()),
        Just("GetOAuthAccessToken".to_owned()),
        Just("RefreshOAuthAccessToken".to_owned()),
        Just("@AuthMode = 'WEB'".to_owned()),
        Just("@CallbackUrl = 'http://localhost:33333'".to_owned()),
        Just("@Verifier =".to_owned()),
        Just("@OAuthRefreshToken =".to_owned()),
        Just("@PKCEVerifier =".to_owned()),
        "[a-z0-9]{0,6}".prop_map(|s| format!("'{MARKER}-{s}'")),
        "[a-z0-9]{0,6}".prop_map(|s| format!("N'{MARKER}-{s}'")),
        Just("SELECT * FROM sys_tables".to_owned()),
        Just("WHERE".to_owned()),
        Just("TableName".to_owned()),
        Just("=".to_owned()),
        Just(",".to_owned()),
        Just(";".to_owned()),
        Just("?".to_owned()),
        Just("@p".to_owned()),
        Just("AND".to_owned()),
        Just("OR".to_owned()),
        Just("NOT NOT NOT NOT NOT".to_owned()),
        Just("((((((((((".to_owned()),
        Just("))))))))))".to_owned()),
        Just("(SELECT * FROM (SELECT * FROM (".to_owned()),
        Just("- - - - - - - - - 1".to_owned()),
        Just("CASE WHEN".to_owned()),
        Just("/*".to_owned()),
        Just("*/".to_owned()),
        Just("--".to_owned()),
        Just("\n".to_owned()),
        Just("\u{0}".to_owned()),
    ];
    let quote = prop_oneof![
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("N'".to_owned()),
    ];
    let piece = if quoting {
        prop_oneof![4 => piece, 1 => quote].boxed()
    } else {
        piece.boxed()
    };
    prop::collection::vec(piece, 0..24).prop_map(|p| p.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The whole front end never panics (nor overflows the 2 MiB stack of the test thread) on
    /// SQL soup; no error shows a string literal planted with the marker; every part of a split
    /// script splits into exactly itself and goes through the front end too.
    #[test]
    fn sql_front_end_never_panics_nor_shows_literals(text in sql_soup(false)) {
        if let Err(e) = sql_front_end(&text) {
            prop_assert!(!shown(&e).contains(MARKER), "{:?}: {}", text, shown(&e));
        }
        match split_statements(&text) {
            Ok(parts) => {
                for part in parts {
                    let again = split_statements(&part);
                    prop_assert!(again.is_ok(), "{:?} of {:?}: {:?}", part, text, again.err());
                    prop_assert_eq!(again.unwrap(), vec![part.clone()]);
                    if let Err(e) = sql_front_end(&part) {
                        prop_assert!(!shown(&e).contains(MARKER), "{:?}: {}", part, shown(&e));
                    }
                }
            }
            Err(e) => prop_assert!(!shown(&e).contains(MARKER), "{:?}: {}", text, shown(&e)),
        }
    }

    /// With stray quotes and brackets too: still no panic, and splitting stays idempotent.
    #[test]
    fn sql_front_end_never_panics_on_broken_quoting(text in sql_soup(true)) {
        let _ = sql_front_end(&text);
        if let Ok(parts) = split_statements(&text) {
            for part in parts {
                let _ = sql_front_end(&part);
                prop_assert_eq!(split_statements(&part).ok(), Some(vec![part.clone()]));
            }
        }
    }
}

// ---- verifiers (callback URLs) -----------------------------------------------------------------

/// Query-string pieces: known keys, soup values, separators and escapes.
fn query_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("&".to_owned()),
            Just("=".to_owned()),
            Just("state=".to_owned()),
            Just("error=".to_owned()),
            Just("error_description=".to_owned()),
            Just("location=".to_owned()),
            Just("accounts-server=".to_owned()),
            Just("%".to_owned()),
            Just("%00".to_owned()),
            Just("%ff".to_owned()),
            Just("%20".to_owned()),
            Just("+".to_owned()),
            Just("#".to_owned()),
            Just("?".to_owned()),
            "[a-z0-9._-]{0,6}",
            "\\PC{0,3}",
        ],
        0..16,
    )
    .prop_map(|parts| parts.concat().replace(MARKER, ""))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Callback URLs, query strings and bare text built from URL pieces never panic; an
    /// accepted code is never empty and has no spaces or control characters.
    #[test]
    fn verifier_soup_never_panics(
        prefix in prop_oneof![
            Just(""), Just("http://localhost:33333/?"), Just("http://[::1]:1/cb?"),
            Just("https://x/#"), Just("/cb?"), Just("code="), Just("://"),
        ],
        rest in query_soup(),
    ) {
        if let Ok(params) = parse_verifier(&format!("{prefix}{rest}")) {
            let code = params.code.expose_secret();
            prop_assert!(!code.is_empty());
            prop_assert!(!code.chars().any(|c| c.is_whitespace() || c.is_control()), "{:?}", code);
        }
    }

    /// A planted code (valid or not: spaces, NUL, repeated) never appears in an error.
    #[test]
    fn no_verifier_error_shows_the_code(
        before in query_soup(),
        code_tail in "\\PC{0,12}",
        after in query_soup(),
        url in any::<bool>(),
    ) {
        let code = format!("{MARKER}-{}", code_tail.replace(MARKER, ""));
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("code", &code);
        let query = format!("{before}&{}&{after}", query.finish());
        let input = if url { format!("http://localhost:33333/cb?{query}") } else { query };
        if let Err(e) = parse_verifier(&input) {
            prop_assert!(!shown(&e).contains(MARKER), "{:?}: {}", input, shown(&e));
        }
    }
}

// ---- token responses ---------------------------------------------------------------------------

/// Arbitrary JSON, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{0,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A token-endpoint-shaped object: the fields Zoho sends, each present or not, each of any
/// JSON type; `access_token` and `refresh_token` strings carry the marker.
fn token_object() -> impl Strategy<Value = Value> {
    let field = |name: &'static str| {
        prop::option::of(prop_oneof![
            json_value(),
            "\\PC{0,10}".prop_map(move |s| Value::from(match name {
                "access_token" | "refresh_token" => format!("{MARKER}-{name}-{s}"),
                _ => s,
            })),
        ])
        .prop_map(move |v| (name, v))
    };
    (
        field("access_token"),
        field("refresh_token"),
        field("expires_in"),
        field("expires_in_sec"),
        field("api_domain"),
        field("token_type"),
        field("error"),
        field("error_description"),
        field("status"),
    )
        .prop_map(|(a, b, c, d, e, f, g, h, i)| {
            let mut obj = Map::new();
            for (name, value) in [a, b, c, d, e, f, g, h, i] {
                if let Some(v) = value {
                    obj.insert(name.to_owned(), v);
                }
            }
            Value::Object(obj)
        })
}

fn response(status: u16, body: Vec<u8>) -> HttpResponse {
    HttpResponse {
        status,
        content_type: Some("application/json".to_owned()),
        location: None,
        retry_after: None,
        body,
    }
}

const TOKEN_URL: &str = "https://accounts.zoho.com/oauth/v2/token";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any bytes with any status: a result, never a panic.
    #[test]
    fn token_parser_never_panics_on_bytes(status in 100u16..600, body in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_token_response(TOKEN_URL, &response(status, body), Grant::RefreshToken);
    }

    /// Token-shaped JSON: success exactly when `access_token` is a non-empty string, and no
    /// error (nor the success value's Debug) shows a token.
    #[test]
    fn token_parser_judges_shaped_json(
        status in prop_oneof![Just(200u16), Just(400), Just(401), Just(500), 100u16..600],
        obj in token_object(),
        refresh in any::<bool>(),
    ) {
        let body = serde_json::to_vec(&obj).unwrap();
        let grant = if refresh { Grant::RefreshToken } else { Grant::AuthorizationCode };
        let parsed = parse_token_response(TOKEN_URL, &response(status, body), grant);
        let has_token = obj
            .get("access_token")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty());
        match parsed {
            Ok(tokens) => {
                prop_assert!(has_token, "{} accepted", obj);
                prop_assert_eq!(
                    Some(tokens.access_token.expose_secret()),
                    obj.get("access_token").and_then(Value::as_str)
                );
                let debug = format!("{:?}", tokens);
                prop_assert!(!debug.contains(MARKER), "{}", debug);
            }
            Err(e) => {
                prop_assert!(!has_token, "{} rejected: {}", obj, e);
                // Zoho's `error` and `error_description` texts are shown on purpose; the
                // generator never puts the marker there, only in the tokens.
                prop_assert!(!shown(&e).contains(MARKER), "{}: {}", obj, shown(&e));
            }
        }
    }
}
