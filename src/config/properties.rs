//! The property catalog: one table describing every connection property.
//!
//! Everything that knows about properties (the parser, `sys_connection_props`, the docs test,
//! the CLI's `--sandbox` defaults) reads this table; nothing else lists property names.

/// What kind of value a property holds; the parser validates and canonicalises by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyType {
    /// Free text.
    String,
    /// Free text that is secret: held in a redacting newtype, masked wherever displayed.
    Secret,
    /// One of the catalog's allowed values (case-insensitive; printed in the catalog's spelling).
    Enum,
    /// `true`/`false` (also `yes`/`no`, `on`/`off`, `1`/`0`), case-insensitive.
    Bool,
    /// A whole number between `min` and `max` inclusive.
    Integer {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// An absolute `http://` or `https://` URL.
    Url,
    /// A file path, or `memory://<id>` for a process-wide in-memory store.
    Location,
}

impl PropertyType {
    /// The SQL-ish name shown in `sys_connection_props.DataType` and the docs.
    pub fn type_name(&self) -> &'static str {
        match self {
            PropertyType::String
            | PropertyType::Secret
            | PropertyType::Url
            | PropertyType::Location => "string",
            PropertyType::Enum => "string (enum)",
            PropertyType::Bool => "bool",
            PropertyType::Integer { .. } => "int",
        }
    }
}

/// One connection property.
#[derive(Debug, Clone, Copy)]
pub struct PropertySpec {
    /// Canonical name (as printed); matched case-insensitively, spaces ignored.
    pub name: &'static str,
    /// Group shown in docs and `sys_connection_props`.
    pub category: &'static str,
    /// The value's type.
    pub kind: PropertyType,
    /// Default value as text; `None` when unset by default. (OAuthSettingsLocation's default depends
    /// on the platform; see [`crate::config::Config::oauth_settings_location`].)
    pub default: Option<&'static str>,
    /// For enums: the allowed values in canonical spelling.
    pub allowed: &'static [&'static str],
    /// Extra accepted spellings for enums: `(alias, canonical)`, case-insensitive.
    pub aliases: &'static [(&'static str, &'static str)],
    /// Whether the value is secret.
    pub secret: bool,
    /// One-line description.
    pub description: &'static str,
}

const AUTH: &str = "Authentication";
const OAUTH: &str = "OAuth";
const CONN: &str = "Connection";
const PROXY: &str = "Proxy";
const LOG: &str = "Logging";
const SCHEMA_CAT: &str = "Schema";
const MISC: &str = "Miscellaneous";
const SSL_CAT: &str = "SSL";
const FIREWALL: &str = "Firewall";

/// Default CallbackURL, as in CData's documentation.
pub const DEFAULT_CALLBACK_URL: &str = "http://localhost:33333";
/// Default OAuth scope.
pub const DEFAULT_SCOPE: &str = "ZohoBooks.fullaccess.all";

const fn prop(
    name: &'static str,
    category: &'static str,
    kind: PropertyType,
    default: Option<&'static str>,
    secret: bool,
    description: &'static str,
) -> PropertySpec {
    PropertySpec {
        name,
        category,
        kind,
        default,
        allowed: &[],
        aliases: &[],
        secret,
        description,
    }
}

/// Every connection property, in the order used for canonical printing and documentation.
pub static PROPERTIES: &[PropertySpec] = &[
    PropertySpec {
        name: "InitiateOAuth",
        category: AUTH,
        kind: PropertyType::Enum,
        default: Some("OFF"),
        allowed: &["OFF", "GETANDREFRESH", "REFRESH"],
        aliases: &[],
        secret: false,
        description: "How tokens are obtained: OFF (use OAuthAccessToken), REFRESH (use and refresh stored tokens), GETANDREFRESH (also log in through the browser when needed).",
    },
    prop(
        "OAuthClientId",
        AUTH,
        PropertyType::String,
        None,
        false,
        "The Client ID of the OAuth app registered in the Zoho API console.",
    ),
    prop(
        "OAuthClientSecret",
        AUTH,
        PropertyType::Secret,
        None,
        true,
        "The Client Secret of the OAuth app registered in the Zoho API console.",
    ),
    prop(
        "CallbackURL",
        AUTH,
        PropertyType::Url,
        Some(DEFAULT_CALLBACK_URL),
        false,
        "The redirect URI registered for the OAuth app; the desktop flow listens on its loopback port.",
    ),
    prop(
        "OAuthSettingsLocation",
        OAUTH,
        PropertyType::Location,
        None,
        false,
        "Where tokens are saved: a file path (default: the platform config dir, e.g. ~/.config/zbsql/OAuthSettings.json) or memory://<id>.",
    ),
    prop(
        "OAuthAccessToken",
        OAUTH,
        PropertyType::Secret,
        None,
        true,
        "An access token obtained elsewhere (e.g. from GetOAuthAccessToken).",
    ),
    prop(
        "OAuthRefreshToken",
        OAUTH,
        PropertyType::Secret,
        None,
        true,
        "A refresh token used to obtain new access tokens.",
    ),
    prop(
        "OAuthVerifier",
        OAUTH,
        PropertyType::Secret,
        None,
        true,
        "An authorization code (or the whole callback URL) to exchange for tokens on connect: the headless flow.",
    ),
    prop(
        "OAuthExpiresIn",
        OAUTH,
        PropertyType::Integer {
            min: -1,
            max: i64::MAX,
        },
        None,
        false,
        "Lifetime in seconds of OAuthAccessToken, counted from OAuthTokenTimestamp; -1 means it does not expire.",
    ),
    prop(
        "OAuthTokenTimestamp",
        OAUTH,
        PropertyType::Integer {
            min: 0,
            max: i64::MAX,
        },
        None,
        false,
        "When OAuthAccessToken was issued, in Unix milliseconds.",
    ),
    prop(
        "Scope",
        OAUTH,
        PropertyType::String,
        Some(DEFAULT_SCOPE),
        false,
        "The OAuth scopes to request, comma-separated.",
    ),
    prop(
        "PKCE",
        OAUTH,
        PropertyType::Bool,
        Some("false"),
        false,
        "Whether to use PKCE (S256) in the authorization-code flow.",
    ),
    prop(
        "OpenBrowser",
        OAUTH,
        PropertyType::Bool,
        Some("true"),
        false,
        "Whether the desktop flow opens the browser; when false it only prints the URL.",
    ),
    prop(
        "OAuthBrowserTimeout",
        OAUTH,
        PropertyType::Integer {
            min: 1,
            max: 86_400,
        },
        Some("300"),
        false,
        "How long the desktop flow waits for the browser's callback, in seconds.",
    ),
    PropertySpec {
        name: "Region",
        category: CONN,
        kind: PropertyType::Enum,
        default: Some("US"),
        allowed: &["US", "EU", "IN", "AU", "JP", "CA", "SA", "UK", "CN"],
        aliases: &[
            ("UnitedStates", "US"),
            ("Europe", "EU"),
            ("India", "IN"),
            ("Australia", "AU"),
            ("Japan", "JP"),
            ("Canada", "CA"),
            ("SaudiArabia", "SA"),
            ("UnitedKingdom", "UK"),
            ("China", "CN"),
        ],
        secret: false,
        description: "The Zoho data centre of the account; selects the accounts server and API domain.",
    },
    prop(
        "AccountsServer",
        CONN,
        PropertyType::Url,
        None,
        false,
        "An explicit accounts server base URL; overrides Region (e.g. https://accounts.zoho.eu).",
    ),
    prop(
        "OrganizationId",
        CONN,
        PropertyType::String,
        None,
        false,
        "The Zoho Books organization to use; when empty, the user's default organization (else the first).",
    ),
    prop(
        "DetailFetchLimit",
        CONN,
        PropertyType::Integer {
            min: 0,
            max: 1_000_000,
        },
        Some("100"),
        false,
        "Most per-record requests a line-item or details table may make when the query does not name the parent keys (WHERE InvoiceId = ... or IN (...)); beyond it the statement fails before making them.",
    ),
    prop(
        "Timeout",
        CONN,
        PropertyType::Integer {
            min: 0,
            max: 86_400,
        },
        Some("60"),
        false,
        "Seconds to wait for each server round trip; 0 means no limit.",
    ),
    prop(
        "ProxyServer",
        PROXY,
        PropertyType::String,
        None,
        false,
        "Host name or IP address of an HTTP proxy for requests to Zoho.",
    ),
    prop(
        "ProxyPort",
        PROXY,
        PropertyType::Integer {
            min: 1,
            max: 65_535,
        },
        None,
        false,
        "Port of the HTTP proxy.",
    ),
    prop(
        "ProxyUser",
        PROXY,
        PropertyType::String,
        None,
        false,
        "User name for the HTTP proxy.",
    ),
    prop(
        "ProxyPassword",
        PROXY,
        PropertyType::Secret,
        None,
        true,
        "Password for the HTTP proxy.",
    ),
    prop(
        "Logfile",
        LOG,
        PropertyType::String,
        None,
        false,
        "A file to append the log to; secrets are never logged.",
    ),
    prop(
        "Verbosity",
        LOG,
        PropertyType::Integer { min: 1, max: 5 },
        Some("1"),
        false,
        "How much to log, 1-5; 3 and above log every HTTP request (method, URL without secrets, status, timing).",
    ),
    prop(
        "MaxRows",
        SCHEMA_CAT,
        PropertyType::Integer {
            min: -1,
            max: i64::MAX,
        },
        Some("-1"),
        false,
        "The most rows any query returns (a LIMIT applied to every SELECT); -1 or 0 means no limit.",
    ),
    prop(
        "Readonly",
        MISC,
        PropertyType::Bool,
        Some("false"),
        false,
        "When true, only SELECT, EXPLAIN and the OAuth procedures run; anything that could write is refused.",
    ),
    prop(
        "Tables",
        SCHEMA_CAT,
        PropertyType::String,
        None,
        false,
        "A comma-separated list of the Zoho Books tables to list and read (system tables are always there); empty means all.",
    ),
    prop(
        "Views",
        SCHEMA_CAT,
        PropertyType::String,
        None,
        false,
        "A comma-separated list of the views to list and read; empty means all (this connector has no views yet).",
    ),
    prop(
        "Other",
        MISC,
        PropertyType::String,
        None,
        false,
        "Hidden options as key=value pairs separated by ';' (quote the whole value); keys this connector does not know are noted and ignored.",
    ),
    prop(
        "Location",
        SCHEMA_CAT,
        PropertyType::String,
        None,
        false,
        "A folder of schema files (CData). Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "BrowsableSchemas",
        SCHEMA_CAT,
        PropertyType::String,
        None,
        false,
        "The schemas to list (CData). Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "PseudoColumns",
        SCHEMA_CAT,
        PropertyType::String,
        None,
        false,
        "Pseudo columns to expose as table columns (CData). Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "UserDefinedViews",
        SCHEMA_CAT,
        PropertyType::String,
        None,
        false,
        "A file of user-defined views (CData). Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "IncludeCustomFields",
        SCHEMA_CAT,
        PropertyType::Bool,
        None,
        false,
        "Whether custom fields become columns (CData). Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "SupportEnhancedSQL",
        MISC,
        PropertyType::Bool,
        None,
        false,
        "Whether SQL the service cannot run is run client-side (CData). This connector always does. Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "RTK",
        MISC,
        PropertyType::String,
        None,
        false,
        "A CData runtime licence key. Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "SSLServerCert",
        SSL_CAT,
        PropertyType::String,
        None,
        false,
        "The certificate to accept from the server (CData); Zoho's certificates are checked against the system's roots. Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "ProxyAutoDetect",
        PROXY,
        PropertyType::Bool,
        None,
        false,
        "Whether to use the system's proxy settings (CData). Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "ProxyAuthScheme",
        PROXY,
        PropertyType::String,
        None,
        false,
        "The proxy's authentication scheme (CData: BASIC, DIGEST, NONE, NEGOTIATE, NTLM, PROPRIETARY). Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "ProxySSLType",
        PROXY,
        PropertyType::String,
        None,
        false,
        "How to reach the proxy over TLS (CData: AUTO, ALWAYS, NEVER, TUNNEL). Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "ProxyExceptions",
        PROXY,
        PropertyType::String,
        None,
        false,
        "Hosts reached without the proxy, separated by ';' (CData). Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "FirewallType",
        FIREWALL,
        PropertyType::String,
        None,
        false,
        "The firewall's protocol (CData: NONE, TUNNEL, SOCKS4, SOCKS5). Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "FirewallServer",
        FIREWALL,
        PropertyType::String,
        None,
        false,
        "The firewall's host (CData). Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "FirewallPort",
        FIREWALL,
        PropertyType::Integer { min: 0, max: 65535 },
        None,
        false,
        "The firewall's port (CData). Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "FirewallUser",
        FIREWALL,
        PropertyType::String,
        None,
        false,
        "The user name for the firewall (CData). Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "FirewallPassword",
        FIREWALL,
        PropertyType::Secret,
        None,
        true,
        "The password for the firewall (CData); secret: masked, never logged. Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "LogModules",
        LOG,
        PropertyType::String,
        None,
        false,
        "The log modules to include (CData). Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "MaxLogFileSize",
        LOG,
        PropertyType::String,
        None,
        false,
        "The size at which the log file is rotated, e.g. 10MB (CData). Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
    prop(
        "MaxLogFileCount",
        LOG,
        PropertyType::Integer {
            min: 0,
            max: i64::MAX,
        },
        None,
        false,
        "How many rotated log files to keep (CData). Accepted for compatibility with CData connection strings; it has no effect yet.",
    ),
];

/// Properties accepted so that CData connection strings keep working, but not acted on: setting
/// one produces a notice ([`crate::Config::notices`]).
pub static COMPATIBILITY_ONLY: &[&str] = &[
    "Location",
    "BrowsableSchemas",
    "PseudoColumns",
    "UserDefinedViews",
    "IncludeCustomFields",
    "SupportEnhancedSQL",
    "RTK",
    "SSLServerCert",
    "ProxyAutoDetect",
    "ProxyAuthScheme",
    "ProxySSLType",
    "ProxyExceptions",
    "FirewallType",
    "FirewallServer",
    "FirewallPort",
    "FirewallUser",
    "FirewallPassword",
    "LogModules",
    "MaxLogFileSize",
    "MaxLogFileCount",
];

/// Looks a property up by name: case-insensitive, spaces ignored.
pub fn lookup(name: &str) -> Option<&'static PropertySpec> {
    let wanted = normalize_name(name);
    PROPERTIES
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(&wanted))
}

/// The catalog index of a property (for compact storage).
pub(crate) fn index_of(name: &str) -> Option<usize> {
    let wanted = normalize_name(name);
    PROPERTIES
        .iter()
        .position(|p| p.name.eq_ignore_ascii_case(&wanted))
}

/// Removes all whitespace from a key: `Initiate OAuth` is `InitiateOAuth`.
pub fn normalize_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The closest known property name to `name`, if one is close enough to be a likely typo.
pub fn suggest(name: &str) -> Option<&'static str> {
    let lower = normalize_name(name).to_ascii_lowercase();
    let length = lower.chars().count();
    let max_distance = |n: &str| 3.max(n.len() / 4);
    PROPERTIES
        .iter()
        // The distance is at least the difference in length: skip names that cannot be close
        // without computing it (a 100 KB key would otherwise cost seconds per property).
        .filter(|p| length.abs_diff(p.name.len()) <= max_distance(p.name))
        .map(|p| {
            (
                p.name,
                strsim::damerau_levenshtein(&lower, &p.name.to_ascii_lowercase()),
            )
        })
        // A suggestion keeps most of what was typed: "A" is not a typo of "RTK".
        .filter(|(n, d)| *d <= max_distance(n) && *d < length.max(1) && *d < n.len())
        .min_by_key(|(_, d)| *d)
        .map(|(n, _)| n)
}

/// The property reference as a Markdown table (the generated part of `docs/connection-properties.md`).
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "| Property | Category | Type | Default | Allowed values | Secret | Description |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|\n");
    for p in PROPERTIES {
        let allowed = match p.kind {
            PropertyType::Enum => {
                let mut v: Vec<String> = p.allowed.iter().map(|a| format!("`{a}`")).collect();
                if !p.aliases.is_empty() {
                    let aliases: Vec<String> =
                        p.aliases.iter().map(|(a, _)| format!("`{a}`")).collect();
                    v.push(format!("(also {})", aliases.join(", ")));
                }
                v.join(", ")
            }
            PropertyType::Bool => "`true`, `false` (also yes/no, on/off, 1/0)".to_owned(),
            PropertyType::Integer { min, max } if max == i64::MAX => format!("{min} or more"),
            PropertyType::Integer { min, max } => format!("{min} to {max}"),
            PropertyType::Url => "http(s) URL".to_owned(),
            PropertyType::Location => "file path or `memory://<id>`".to_owned(),
            PropertyType::String | PropertyType::Secret => String::new(),
        };
        let default = match (p.name, p.default) {
            ("OAuthSettingsLocation", _) => {
                "platform config dir: `~/.config/zbsql/OAuthSettings.json` on Linux".to_owned()
            }
            (_, Some(d)) => format!("`{d}`"),
            (_, None) => String::new(),
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            p.name,
            p.category,
            p.kind.type_name(),
            default,
            allowed,
            if p.secret { "yes" } else { "" },
            p.description
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_defaults_valid() {
        for (i, p) in PROPERTIES.iter().enumerate() {
            assert_eq!(index_of(p.name), Some(i), "{}", p.name);
            if p.kind == PropertyType::Enum {
                assert!(!p.allowed.is_empty(), "{}", p.name);
                if let Some(d) = p.default {
                    assert!(p.allowed.contains(&d), "{}", p.name);
                }
            }
            assert_eq!(p.secret, p.kind == PropertyType::Secret, "{}", p.name);
        }
    }

    #[test]
    fn lookup_ignores_case_and_spaces() {
        assert_eq!(lookup("initiate oauth").unwrap().name, "InitiateOAuth");
        assert_eq!(lookup(" OAUTHCLIENTID ").unwrap().name, "OAuthClientId");
        assert!(lookup("nope").is_none());
    }

    #[test]
    fn a_huge_unknown_key_gets_no_suggestion_quickly() {
        // Found by the bad-input corpus: a 100 KB key took seconds (edit distance against
        // every property name).
        let key = "A".repeat(1_000_000);
        let started = std::time::Instant::now();
        assert_eq!(suggest(&key), None);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(suggest("OAuthClientSecrett"), Some("OAuthClientSecret"));
    }

    #[test]
    fn suggestions_catch_typos() {
        assert_eq!(suggest("OAuthClientIdd"), Some("OAuthClientId"));
        assert_eq!(suggest("Regoin"), Some("Region"));
        assert_eq!(suggest("Timout"), Some("Timeout"));
        assert_eq!(suggest("CompletelyDifferentThing"), None);
    }
}
