//! Connection strings and the typed configuration they produce.
//!
//! ```
//! use zohobooks_sql::config::{Config, InitiateOAuth};
//!
//! let config: Config = "jdbc:zohobooks:Initiate OAuth=getandrefresh; OAuthClientId='1000.ABC'".parse()?;
//! assert_eq!(config.initiate_oauth(), InitiateOAuth::GetAndRefresh);
//! assert_eq!(config.oauth_client_id(), Some("1000.ABC"));
//! assert_eq!(config.callback_url(), "http://localhost:33333");
//! # Ok::<(), zohobooks_sql::Error>(())
//! ```

mod parse;
pub mod properties;
mod region;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

pub use properties::{PROPERTIES, PropertySpec, PropertyType};
pub use region::Region;

use crate::error::{ConnectionStringErrorKind, Error, Result};
use crate::secret::{MASK, SecretString};

/// `InitiateOAuth`: how the connection obtains tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitiateOAuth {
    /// Use `OAuthAccessToken` as given; never refresh or prompt.
    Off,
    /// Use stored or given tokens and refresh them; never prompt.
    Refresh,
    /// As `Refresh`, and run the browser login when nothing usable exists.
    GetAndRefresh,
}

/// Where tokens are persisted (`OAuthSettingsLocation`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsLocation {
    /// A JSON file.
    File(PathBuf),
    /// A process-wide in-memory store shared by connections with the same id (`memory://<id>`).
    Memory(String),
}

impl fmt::Display for SettingsLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingsLocation::File(p) => write!(f, "{}", p.display()),
            SettingsLocation::Memory(id) => write!(f, "memory://{id}"),
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
enum Stored {
    Plain(String),
    Secret(SecretString),
}

impl Stored {
    fn text(&self) -> &str {
        match self {
            Stored::Plain(s) => s,
            Stored::Secret(s) => s.expose_secret(),
        }
    }
}

/// A validated connection configuration: the properties that were set, in canonical form.
///
/// `Display` prints a connection string with secret values masked; use
/// [`Config::canonical_string_with_secrets`] for a string that parses back to the same `Config`.
/// `Debug` never shows secret values.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Config {
    values: BTreeMap<usize, Stored>,
}

impl FromStr for Config {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Config::parse(s)
    }
}

impl Config {
    /// Parses and validates a connection string.
    pub fn parse(input: &str) -> Result<Config> {
        let pairs = parse::lex(input).map_err(|e| {
            let secret_pair = secret_value_start(input, e.pair_start);
            conn_err(input, e.kind, e.offset, e.pair_start, secret_pair)
        })?;
        let mut config = Config::default();
        for pair in pairs {
            let Some(index) = properties::index_of(&pair.key) else {
                let suggestion = properties::suggest(&pair.key).map(str::to_owned);
                return Err(conn_err(
                    input,
                    ConnectionStringErrorKind::UnknownProperty {
                        name: clipped_name(&pair.key),
                        suggestion,
                    },
                    pair.key_offset,
                    pair.key_offset,
                    Some(pair.value_offset),
                ));
            };
            config.set_index(index, &pair.value).map_err(|kind| {
                let mask_from = PROPERTIES[index].secret.then_some(pair.value_offset);
                conn_err(input, kind, pair.value_offset, pair.key_offset, mask_from)
            })?;
        }
        Ok(config)
    }

    /// Sets a property by name (case-insensitive, spaces ignored), validating its value as the
    /// parser does. An empty value resets the property to its default.
    pub fn set(&mut self, name: &str, value: &str) -> Result<()> {
        let Some(index) = properties::index_of(name) else {
            let name = properties::normalize_name(name);
            let suggestion = properties::suggest(&name).map(str::to_owned);
            return Err(Error::ConnectionString {
                kind: ConnectionStringErrorKind::UnknownProperty {
                    name: clipped_name(&name),
                    suggestion,
                },
                offset: 0,
                excerpt: name,
            });
        };
        self.set_index(index, value)
            .map_err(|kind| Error::ConnectionString {
                kind,
                offset: 0,
                excerpt: if PROPERTIES[index].secret {
                    format!("{}={MASK}", PROPERTIES[index].name)
                } else {
                    format!("{}={}", PROPERTIES[index].name, excerpt_of(value, 0))
                },
            })
    }

    /// Removes a property, so its default applies again.
    pub fn unset(&mut self, name: &str) {
        if let Some(index) = properties::index_of(name) {
            self.values.remove(&index);
        }
    }

    /// Whether the property was set explicitly.
    pub fn is_set(&self, name: &str) -> bool {
        properties::index_of(name).is_some_and(|i| self.values.contains_key(&i))
    }

    /// The property's value as text for display: explicit or default; secrets are masked.
    pub fn display_value(&self, name: &str) -> Option<String> {
        let index = properties::index_of(name)?;
        match self.values.get(&index) {
            Some(Stored::Secret(_)) => Some(MASK.to_owned()),
            Some(Stored::Plain(s)) => Some(s.clone()),
            None => PROPERTIES[index].default.map(str::to_owned),
        }
    }

    /// The properties that were set, in catalog order, with their specs. Secret values are
    /// exposed: this is for code that must send or store them.
    pub fn iter_set_exposing_secrets(&self) -> impl Iterator<Item = (&'static PropertySpec, &str)> {
        self.values.iter().map(|(i, v)| (&PROPERTIES[*i], v.text()))
    }

    /// A connection string that parses back to this `Config`, **with secret values in clear**.
    /// Values are quoted only where needed. Use `to_string()` for anything shown to people.
    pub fn canonical_string_with_secrets(&self) -> String {
        self.render(false)
    }

    fn render(&self, mask: bool) -> String {
        let mut out = String::new();
        for (index, stored) in &self.values {
            let spec = &PROPERTIES[*index];
            let text = match stored {
                Stored::Secret(_) if mask => MASK.to_owned(),
                other => parse::quote_value(other.text()),
            };
            out.push_str(spec.name);
            out.push('=');
            out.push_str(&text);
            out.push(';');
        }
        out
    }

    fn set_index(
        &mut self,
        index: usize,
        raw: &str,
    ) -> std::result::Result<(), ConnectionStringErrorKind> {
        let spec = &PROPERTIES[index];
        if raw.is_empty() {
            self.values.remove(&index);
            return Ok(());
        }
        let invalid = |expected: String| ConnectionStringErrorKind::InvalidValue {
            property: spec.name,
            expected,
        };
        let stored = match spec.kind {
            PropertyType::Secret => Stored::Secret(SecretString::new(raw)),
            PropertyType::String => Stored::Plain(raw.to_owned()),
            PropertyType::Enum => {
                let wanted = properties::normalize_name(raw);
                let canonical = spec
                    .allowed
                    .iter()
                    .copied()
                    .find(|a| a.eq_ignore_ascii_case(&wanted))
                    .or_else(|| {
                        spec.aliases
                            .iter()
                            .find(|(a, _)| a.eq_ignore_ascii_case(&wanted))
                            .map(|(_, c)| *c)
                    })
                    .ok_or_else(|| {
                        let mut names: Vec<&str> = spec.allowed.to_vec();
                        names.extend(spec.aliases.iter().map(|(a, _)| *a));
                        invalid(format!("one of {}", names.join(", ")))
                    })?;
                Stored::Plain(canonical.to_owned())
            }
            PropertyType::Bool => {
                let b = match raw.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "on" | "1" => true,
                    "false" | "no" | "off" | "0" => false,
                    _ => return Err(invalid("true or false".into())),
                };
                Stored::Plain(b.to_string())
            }
            PropertyType::Integer { min, max } => {
                let expected = || {
                    if max == i64::MAX {
                        format!("a whole number >= {min}")
                    } else {
                        format!("a whole number from {min} to {max}")
                    }
                };
                let n: i64 = raw.trim().parse().map_err(|_| invalid(expected()))?;
                if n < min || n > max {
                    return Err(invalid(expected()));
                }
                Stored::Plain(n.to_string())
            }
            PropertyType::Url => {
                let ok = url::Url::parse(raw).ok().is_some_and(|u| {
                    matches!(u.scheme(), "http" | "https")
                        && u.host_str().is_some_and(|h| !h.is_empty())
                });
                if !ok {
                    return Err(invalid(
                        "an absolute http:// or https:// URL, e.g. http://localhost:33333".into(),
                    ));
                }
                Stored::Plain(raw.to_owned())
            }
            PropertyType::Location => {
                if let Some(id) = raw.strip_prefix("memory://")
                    && id.is_empty()
                {
                    return Err(invalid(
                        "a file path or memory://<id> with a non-empty id".into(),
                    ));
                }
                Stored::Plain(raw.to_owned())
            }
        };
        self.values.insert(index, stored);
        Ok(())
    }

    fn plain(&self, name: &str) -> Option<&str> {
        let index = properties::index_of(name)?;
        match self.values.get(&index) {
            Some(Stored::Plain(s)) => Some(s),
            Some(Stored::Secret(_)) => None,
            None => PROPERTIES[index].default,
        }
    }

    fn secret(&self, name: &str) -> Option<&SecretString> {
        match self.values.get(&properties::index_of(name)?) {
            Some(Stored::Secret(s)) => Some(s),
            _ => None,
        }
    }

    fn int(&self, name: &str) -> Option<i64> {
        self.plain(name).and_then(|s| s.parse().ok())
    }

    fn flag(&self, name: &str) -> bool {
        self.plain(name) == Some("true")
    }

    /// `InitiateOAuth` (default OFF).
    pub fn initiate_oauth(&self) -> InitiateOAuth {
        match self.plain("InitiateOAuth") {
            Some("GETANDREFRESH") => InitiateOAuth::GetAndRefresh,
            Some("REFRESH") => InitiateOAuth::Refresh,
            _ => InitiateOAuth::Off,
        }
    }
    /// `OAuthClientId`.
    pub fn oauth_client_id(&self) -> Option<&str> {
        self.plain("OAuthClientId")
    }
    /// `OAuthClientSecret`.
    pub fn oauth_client_secret(&self) -> Option<&SecretString> {
        self.secret("OAuthClientSecret")
    }
    /// `CallbackURL` (default `http://localhost:33333`).
    pub fn callback_url(&self) -> &str {
        self.plain("CallbackURL")
            .unwrap_or(properties::DEFAULT_CALLBACK_URL)
    }
    /// `OAuthSettingsLocation`, or the platform default
    /// (`$XDG_CONFIG_HOME/zbsql/OAuthSettings.json`, i.e. `~/.config/zbsql/OAuthSettings.json` on Linux).
    pub fn oauth_settings_location(&self) -> SettingsLocation {
        match self.plain("OAuthSettingsLocation") {
            Some(s) => match s.strip_prefix("memory://") {
                Some(id) => SettingsLocation::Memory(id.to_owned()),
                None => SettingsLocation::File(PathBuf::from(s)),
            },
            None => SettingsLocation::File(default_settings_path()),
        }
    }
    /// `OAuthAccessToken`.
    pub fn oauth_access_token(&self) -> Option<&SecretString> {
        self.secret("OAuthAccessToken")
    }
    /// `OAuthRefreshToken`.
    pub fn oauth_refresh_token(&self) -> Option<&SecretString> {
        self.secret("OAuthRefreshToken")
    }
    /// `OAuthVerifier`.
    pub fn oauth_verifier(&self) -> Option<&SecretString> {
        self.secret("OAuthVerifier")
    }
    /// `OAuthExpiresIn` in seconds (-1: never expires).
    pub fn oauth_expires_in(&self) -> Option<i64> {
        self.int("OAuthExpiresIn")
    }
    /// `OAuthTokenTimestamp` in Unix milliseconds.
    pub fn oauth_token_timestamp(&self) -> Option<i64> {
        self.int("OAuthTokenTimestamp")
    }
    /// `Scope` (default `ZohoBooks.fullaccess.all`).
    pub fn scope(&self) -> &str {
        self.plain("Scope").unwrap_or(properties::DEFAULT_SCOPE)
    }
    /// `PKCE` (default false).
    pub fn pkce(&self) -> bool {
        self.flag("PKCE")
    }
    /// `OpenBrowser` (default true).
    pub fn open_browser(&self) -> bool {
        self.flag("OpenBrowser")
    }
    /// `OAuthBrowserTimeout` (default 300 s).
    pub fn oauth_browser_timeout(&self) -> Duration {
        Duration::from_secs(self.int("OAuthBrowserTimeout").unwrap_or(300) as u64)
    }
    /// `Region` (default US).
    pub fn region(&self) -> Region {
        self.plain("Region")
            .and_then(Region::from_code)
            .unwrap_or(Region::Us)
    }
    /// `AccountsServer`, when set explicitly (it then overrides Region).
    pub fn accounts_server(&self) -> Option<&str> {
        self.plain("AccountsServer")
    }
    /// `OrganizationId`.
    pub fn organization_id(&self) -> Option<&str> {
        self.plain("OrganizationId")
    }
    /// `DetailFetchLimit`: most per-record requests of a per-parent scan without named keys.
    pub fn detail_fetch_limit(&self) -> u64 {
        self.int("DetailFetchLimit")
            .map_or(100, |n| n.max(0) as u64)
    }

    /// `Timeout` per round trip; `None` when set to 0 (no limit). Default 60 s.
    pub fn timeout(&self) -> Option<Duration> {
        match self.int("Timeout").unwrap_or(60) {
            0 => None,
            n => Some(Duration::from_secs(n as u64)),
        }
    }
    /// `ProxyServer`.
    pub fn proxy_server(&self) -> Option<&str> {
        self.plain("ProxyServer")
    }
    /// `ProxyPort`.
    pub fn proxy_port(&self) -> Option<u16> {
        self.int("ProxyPort").and_then(|p| u16::try_from(p).ok())
    }
    /// `ProxyUser`.
    pub fn proxy_user(&self) -> Option<&str> {
        self.plain("ProxyUser")
    }
    /// `ProxyPassword`.
    pub fn proxy_password(&self) -> Option<&SecretString> {
        self.secret("ProxyPassword")
    }
    /// `Logfile`.
    pub fn logfile(&self) -> Option<&str> {
        self.plain("Logfile")
    }
    /// `Verbosity` 1-5 (default 1).
    pub fn verbosity(&self) -> u8 {
        self.int("Verbosity").unwrap_or(1) as u8
    }
    /// `MaxRows`: the most rows a query returns; `None` for no limit (-1 or 0, the default).
    pub fn max_rows(&self) -> Option<u64> {
        self.int("MaxRows")
            .and_then(|n| u64::try_from(n).ok())
            .filter(|n| *n > 0)
    }
    /// `Readonly` (default false).
    pub fn readonly(&self) -> bool {
        self.flag("Readonly")
    }
    /// `Tables`: the Books tables to list and read; `None` when every table is.
    pub fn table_filter(&self) -> Option<Vec<String>> {
        name_list(self.plain("Tables")?)
    }
    /// `Views`: the views to list and read; `None` when every view is.
    pub fn view_filter(&self) -> Option<Vec<String>> {
        name_list(self.plain("Views")?)
    }
    /// The `key=value` pairs of `Other`, in order (keys trimmed, values as written).
    pub fn other_options(&self) -> Vec<(String, Option<String>)> {
        let Some(other) = self.plain("Other") else {
            return Vec::new();
        };
        other
            .split(';')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| match part.split_once('=') {
                Some((k, v)) => (k.trim().to_owned(), Some(v.trim().to_owned())),
                None => (part.to_owned(), None),
            })
            .collect()
    }

    /// What the connection string asked for that this connector does not do, one sentence each:
    /// properties accepted for CData compatibility, and `Other` options it does not know. The
    /// CLI prints them as notices; a connection with notices works as if they were absent.
    pub fn notices(&self) -> Vec<String> {
        let mut notices: Vec<String> = properties::COMPATIBILITY_ONLY
            .iter()
            .filter(|name| self.is_set(name))
            .map(|name| format!("{name} is accepted for compatibility with CData connection strings and has no effect"))
            .collect();
        for (key, value) in self.other_options() {
            let key = clipped_name(&key);
            notices.push(match value {
                Some(_) => format!(
                    "Other: the option '{key}' is not known to this connector and is ignored"
                ),
                None => format!("Other: '{key}' is not a key=value pair and is ignored"),
            });
        }
        notices
    }
}

/// A comma-separated list of names; `None` when it names nothing.
fn name_list(text: &str) -> Option<Vec<String>> {
    let names: Vec<String> = text
        .split(',')
        .map(|n| {
            n.trim()
                .trim_matches(|c| c == '[' || c == ']' || c == '"')
                .to_owned()
        })
        .filter(|n| !n.is_empty())
        .collect();
    (!names.is_empty()).then_some(names)
}

impl fmt::Display for Config {
    /// A connection string with secret values masked as `********`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(true))
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (index, stored) in &self.values {
            match stored {
                Stored::Plain(s) => map.entry(&PROPERTIES[*index].name, s),
                Stored::Secret(_) => map.entry(&PROPERTIES[*index].name, &"[redacted]"),
            };
        }
        map.finish()
    }
}

/// An unknown key for a message: at most 64 characters (a key can be megabytes long).
fn clipped_name(key: &str) -> String {
    let mut out: String = key.chars().take(64).collect();
    if key.chars().nth(64).is_some() {
        out.push('…');
    }
    out
}

/// The platform default for `OAuthSettingsLocation`.
pub fn default_settings_path() -> PathBuf {
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("zbsql")
        .join("OAuthSettings.json")
}

/// If the pair starting at `pair_start` belongs to a secret property, the offset where its value starts.
fn secret_value_start(input: &str, pair_start: usize) -> Option<usize> {
    let rest = &input[pair_start..];
    let eq = rest.find('=')?;
    // Unknown keys never show values either: mask from '=' on unless the key is a known non-secret.
    match properties::lookup(&rest[..eq]) {
        Some(spec) if !spec.secret => None,
        _ => Some(pair_start + eq + 1),
    }
}

/// Builds a connection-string error with an excerpt around `offset`. Text from `mask_from` to the
/// end of that segment is replaced by the mask, so no secret value is ever shown.
///
/// The excerpt never reaches past the first `;` of the pair: the pairs that follow may hold
/// secrets (`Timeout=abc;OAuthClientSecret=...` must not show the secret), and so may text a
/// quote swallowed (`ProxyUser=';OAuthAccessToken=...'x`).
fn conn_err(
    input: &str,
    kind: ConnectionStringErrorKind,
    offset: usize,
    pair_start: usize,
    mask_from: Option<usize>,
) -> Error {
    let start = floor_char(input, pair_start.min(offset));
    let end = input[start..].find(';').map_or(input.len(), |i| start + i);
    let mut excerpt = match mask_from {
        Some(m) if m >= start => {
            let m = floor_char(input, m).min(end);
            format!("{}{MASK}", excerpt_of(&input[start..m], 0))
        }
        _ => excerpt_of(&input[start..end], 0),
    };
    if excerpt.is_empty() {
        excerpt = "<end of input>".into();
    }
    Error::ConnectionString {
        kind,
        offset,
        excerpt,
    }
}

fn floor_char(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// At most 40 characters of `s` from `from`, with control characters shown as `?`.
fn excerpt_of(s: &str, from: usize) -> String {
    let mut out: String = s[from..]
        .chars()
        .take(40)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s[from..].chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_and_defaults() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.initiate_oauth(), InitiateOAuth::Off);
        assert_eq!(c.scope(), "ZohoBooks.fullaccess.all");
        assert_eq!(c.region(), Region::Us);
        assert_eq!(c.timeout(), Some(Duration::from_secs(60)));
        assert!(c.open_browser());
        assert!(!c.pkce());
        assert_eq!(c.verbosity(), 1);
        assert_eq!(c.oauth_browser_timeout(), Duration::from_secs(300));
        assert!(
            matches!(c.oauth_settings_location(), SettingsLocation::File(p) if p.ends_with("zbsql/OAuthSettings.json"))
        );
        let c = Config::parse("Timeout=0;Region=europe;OAuthSettingsLocation=memory://u1;PKCE=YES")
            .unwrap();
        assert_eq!(c.timeout(), None);
        assert_eq!(c.region(), Region::Eu);
        assert_eq!(
            c.oauth_settings_location(),
            SettingsLocation::Memory("u1".into())
        );
        assert!(c.pkce());
    }

    #[test]
    fn an_error_excerpt_stops_before_the_next_pair() {
        // Found by the bad-input corpus: the excerpt of an error in one pair ran on into the
        // next pair, showing its secret value.
        for input in [
            "Timeout=abc;OAuthClientSecret=S3CRET-after",
            "PKCE=maybe;OAuthAccessToken=S3CRET-after",
            "Scope='a;OAuthClientSecret=S3CRET-after",
            "Scope='a' b;OAuthRefreshToken=S3CRET-after",
            "CallbackURL=x;ProxyPassword=S3CRET-after",
            "ProxyUser=';OAuthAccessToken=S3CRET-after'x",
        ] {
            let err = Config::parse(input).unwrap_err();
            for text in [err.to_string(), format!("{err:?}")] {
                assert!(!text.contains("S3CRET"), "{input}: {text}");
            }
        }
        let err = Config::parse("Timeout=abc;OAuthClientSecret=x").unwrap_err();
        assert!(err.to_string().contains("near `Timeout=abc`"), "{err}");
    }

    #[test]
    fn secrets_are_masked_in_display_and_debug() {
        let c = Config::parse("OAuthClientSecret=topsecret;OAuthClientId=abc").unwrap();
        assert_eq!(
            c.to_string(),
            "OAuthClientId=abc;OAuthClientSecret=********;"
        );
        assert!(!format!("{c:?}").contains("topsecret"));
        assert!(c.canonical_string_with_secrets().contains("topsecret"));
    }
}
