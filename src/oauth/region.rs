//! Zoho's data centres and the host checks that decide which servers may receive secrets.
//!
//! This is the one place on the client side that knows Zoho's hosts (zoho-protocol.md §1). A host
//! that arrives from the network (a callback's `accounts-server`, a token response's
//! `api_domain`) is used only when it is the known Zoho host for its role, compared by exact
//! scheme (`https`), host and port, or when it has the same origin (scheme, host and port) as
//! the configured `AccountsServer`. The second rule is how a local emulator such as
//! `http://127.0.0.1:PORT` is opted in: explicitly, by configuration, never by default.

use std::sync::OnceLock;

use url::Url;

use crate::config::{Config, Region};
use crate::error::{Error, Result};

/// One Zoho data centre: where its users authorize and where its APIs live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataCentre {
    /// The region named in connection strings.
    pub region: Region,
    /// Zoho's `location` code in callbacks (`us`, `eu`, ...).
    pub location: &'static str,
    /// The accounts server (OAuth endpoints), e.g. `https://accounts.zoho.com`.
    pub accounts_server: &'static str,
    /// The API domain for Books and other product APIs, e.g. `https://www.zohoapis.com`.
    pub api_domain: &'static str,
}

/// Zoho's data centres (zoho-protocol.md §1).
pub const DATA_CENTRES: [DataCentre; 9] = [
    dc(
        Region::Us,
        "us",
        "https://accounts.zoho.com",
        "https://www.zohoapis.com",
    ),
    dc(
        Region::Eu,
        "eu",
        "https://accounts.zoho.eu",
        "https://www.zohoapis.eu",
    ),
    dc(
        Region::In,
        "in",
        "https://accounts.zoho.in",
        "https://www.zohoapis.in",
    ),
    dc(
        Region::Au,
        "au",
        "https://accounts.zoho.com.au",
        "https://www.zohoapis.com.au",
    ),
    dc(
        Region::Jp,
        "jp",
        "https://accounts.zoho.jp",
        "https://www.zohoapis.jp",
    ),
    dc(
        Region::Ca,
        "ca",
        "https://accounts.zohocloud.ca",
        "https://www.zohoapis.ca",
    ),
    dc(
        Region::Sa,
        "sa",
        "https://accounts.zoho.sa",
        "https://www.zohoapis.sa",
    ),
    dc(
        Region::Uk,
        "uk",
        "https://accounts.zoho.uk",
        "https://www.zohoapis.uk",
    ),
    dc(
        Region::Cn,
        "cn",
        "https://accounts.zoho.com.cn",
        "https://www.zohoapis.com.cn",
    ),
];

const fn dc(
    region: Region,
    location: &'static str,
    accounts_server: &'static str,
    api_domain: &'static str,
) -> DataCentre {
    DataCentre {
        region,
        location,
        accounts_server,
        api_domain,
    }
}

/// The data centre of a region.
pub fn data_centre(region: Region) -> &'static DataCentre {
    DATA_CENTRES
        .iter()
        .find(|d| d.region == region)
        .unwrap_or(&DATA_CENTRES[0])
}

/// The data centre whose `location` code is `location` (case-insensitive).
pub fn data_centre_by_location(location: &str) -> Option<&'static DataCentre> {
    DATA_CENTRES
        .iter()
        .find(|d| d.location.eq_ignore_ascii_case(location.trim()))
}

/// The data centre whose accounts server has exactly this origin.
pub fn data_centre_by_accounts_server(server: &str) -> Option<&'static DataCentre> {
    let origin = origin_of(server)?;
    DATA_CENTRES
        .iter()
        .find(|d| origin_of(d.accounts_server).as_deref() == Some(origin.as_str()))
}

/// The accounts server a connection starts from: `AccountsServer` when set (it overrides
/// `Region`), else the region's accounts server. The result has no trailing slash.
///
/// The legacy CData default `https://books.zoho.<tld>` names a Books host, not an accounts
/// server; it is mapped to that data centre's accounts server.
pub fn configured_accounts_server(config: &Config) -> String {
    match config.accounts_server() {
        Some(explicit) => {
            if let Some(dc) = legacy_books_host(explicit) {
                return dc.accounts_server.to_owned();
            }
            explicit.trim_end_matches('/').to_owned()
        }
        None => data_centre(config.region()).accounts_server.to_owned(),
    }
}

/// The API domain to use when no token response named one: the data centre's API domain for a
/// known accounts server, else the configured accounts server itself (a local emulator serves
/// both roles).
pub fn default_api_domain(accounts_server: &str) -> String {
    match data_centre_by_accounts_server(accounts_server) {
        Some(dc) => dc.api_domain.to_owned(),
        None => origin_of(accounts_server).unwrap_or_else(|| accounts_server.to_owned()),
    }
}

fn legacy_books_host(server: &str) -> Option<&'static DataCentre> {
    let url = Url::parse(server).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    let tld = host.strip_prefix("books.zoho.")?;
    DATA_CENTRES
        .iter()
        .find(|d| d.accounts_server == format!("https://accounts.zoho.{tld}"))
}

/// `scheme://host[:port]` of an absolute http(s) URL, lower-cased, default ports omitted.
pub fn origin_of(url: &str) -> Option<String> {
    let parsed = Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    let host = parsed.host_str()?;
    if host.is_empty() {
        return None;
    }
    Some(parsed.origin().ascii_serialization())
}

/// Decides which hosts received from the network may be used.
#[derive(Debug, Clone)]
pub struct HostPolicy {
    /// The origin of the configured AccountsServer, when one was set explicitly.
    configured_origin: Option<String>,
}

/// What a checked host will be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostRole {
    /// An accounts server (receives the client secret and codes).
    AccountsServer,
    /// An API domain (receives access tokens).
    ApiDomain,
}

impl HostRole {
    fn label(self) -> &'static str {
        match self {
            HostRole::AccountsServer => "accounts server",
            HostRole::ApiDomain => "API domain",
        }
    }
}

impl HostPolicy {
    /// The policy for a connection: Zoho's hosts plus the origin of its `AccountsServer`.
    pub fn from_config(config: &Config) -> HostPolicy {
        HostPolicy {
            configured_origin: config.accounts_server().and_then(origin_of),
        }
    }

    /// A policy that trusts only Zoho's own hosts.
    pub fn zoho_only() -> HostPolicy {
        HostPolicy {
            configured_origin: None,
        }
    }

    /// Returns the URL (origin form, no trailing slash) when `candidate` may be used for
    /// `role`; else [`Error::UntrustedHost`]. Nothing is sent anywhere by this check.
    pub fn check(&self, role: HostRole, candidate: &str) -> Result<String> {
        let untrusted = || Error::UntrustedHost {
            role: role.label(),
            host: printable(candidate),
        };
        let origin = origin_of(candidate).ok_or_else(untrusted)?;
        // Only a bare origin (optionally with "/") is accepted: no path, query, or credentials.
        let parsed = Url::parse(candidate.trim()).map_err(|_| untrusted())?;
        if !parsed.username().is_empty()
            || parsed.password().is_some()
            || !matches!(parsed.path(), "" | "/")
            || parsed.query().is_some()
            || parsed.fragment().is_some()
        {
            return Err(untrusted());
        }
        let known = known_origins(role).contains(&origin);
        if known || self.configured_origin.as_deref() == Some(origin.as_str()) {
            Ok(origin)
        } else {
            Err(untrusted())
        }
    }
}

/// The origins of Zoho's own hosts for `role`, computed once: this check runs on every token
/// response and every statement that calls Books, and parsing all the data centres' URLs each
/// time was the largest cost of a token exchange after the round trip itself.
fn known_origins(role: HostRole) -> &'static [String] {
    static ACCOUNTS: OnceLock<Vec<String>> = OnceLock::new();
    static API: OnceLock<Vec<String>> = OnceLock::new();
    let (cell, pick): (_, fn(&DataCentre) -> &'static str) = match role {
        HostRole::AccountsServer => (&ACCOUNTS, |d| d.accounts_server),
        HostRole::ApiDomain => (&API, |d| d.api_domain),
    };
    cell.get_or_init(|| {
        DATA_CENTRES
            .iter()
            .filter_map(|d| origin_of(pick(d)))
            .collect()
    })
}

/// A bounded, control-free rendering of untrusted text for error messages.
fn printable(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(100)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().count() > 100 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_has_a_data_centre_with_https_hosts() {
        for region in Region::ALL {
            let dc = data_centre(region);
            assert_eq!(dc.region, region);
            assert_eq!(dc.location, region.location());
            assert!(dc.accounts_server.starts_with("https://accounts."));
            assert!(dc.api_domain.starts_with("https://www.zohoapis."));
        }
        assert_eq!(
            data_centre(Region::Ca).api_domain,
            "https://www.zohoapis.ca"
        );
        assert_eq!(
            data_centre_by_location("EU").map(|d| d.accounts_server),
            Some("https://accounts.zoho.eu")
        );
        assert!(data_centre_by_location("xx").is_none());
    }

    #[test]
    fn accounts_server_overrides_region() {
        let c: Config = "Region=EU".parse().unwrap();
        assert_eq!(configured_accounts_server(&c), "https://accounts.zoho.eu");
        let c: Config = "Region=EU;AccountsServer=http://127.0.0.1:4321/"
            .parse()
            .unwrap();
        assert_eq!(configured_accounts_server(&c), "http://127.0.0.1:4321");
        let c: Config = "".parse().unwrap();
        assert_eq!(configured_accounts_server(&c), "https://accounts.zoho.com");
        let c: Config = "AccountsServer=https://books.zoho.eu".parse().unwrap();
        assert_eq!(configured_accounts_server(&c), "https://accounts.zoho.eu");
    }

    #[test]
    fn default_api_domain_follows_the_data_centre() {
        assert_eq!(
            default_api_domain("https://accounts.zoho.in"),
            "https://www.zohoapis.in"
        );
        assert_eq!(
            default_api_domain("http://127.0.0.1:9000/"),
            "http://127.0.0.1:9000"
        );
    }

    #[test]
    fn known_zoho_hosts_are_trusted_for_their_role_only() {
        let p = HostPolicy::zoho_only();
        assert_eq!(
            p.check(HostRole::AccountsServer, "https://accounts.zoho.eu")
                .unwrap(),
            "https://accounts.zoho.eu"
        );
        assert_eq!(
            p.check(HostRole::AccountsServer, "https://ACCOUNTS.zoho.com/")
                .unwrap(),
            "https://accounts.zoho.com"
        );
        assert!(
            p.check(HostRole::ApiDomain, "https://www.zohoapis.jp")
                .is_ok()
        );
        // Wrong role.
        assert!(
            p.check(HostRole::ApiDomain, "https://accounts.zoho.com")
                .is_err()
        );
        assert!(
            p.check(HostRole::AccountsServer, "https://www.zohoapis.com")
                .is_err()
        );
    }

    #[test]
    fn look_alikes_and_downgrades_are_refused() {
        let p = HostPolicy::zoho_only();
        for bad in [
            "http://accounts.zoho.com",
            "https://accounts.zoho.com.evil.example",
            "https://evil.example/accounts.zoho.com",
            "https://accounts.zoho.com@evil.example",
            "https://user:pw@accounts.zoho.com",
            "https://accounts.zoho.com:8443",
            "https://accounts.zoho.com/oauth/v2/token",
            "https://accounts.zoho.com?x=1",
            "accounts.zoho.com",
            "",
            "ftp://accounts.zoho.com",
            "http://127.0.0.1:1234",
        ] {
            let err = p.check(HostRole::AccountsServer, bad).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::UntrustedHost {
                        role: "accounts server",
                        ..
                    }
                ),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn the_configured_accounts_server_origin_is_opted_in() {
        let c: Config = "AccountsServer=http://127.0.0.1:4321".parse().unwrap();
        let p = HostPolicy::from_config(&c);
        assert_eq!(
            p.check(HostRole::AccountsServer, "http://127.0.0.1:4321")
                .unwrap(),
            "http://127.0.0.1:4321"
        );
        assert!(
            p.check(HostRole::ApiDomain, "http://127.0.0.1:4321/")
                .is_ok()
        );
        // Same host, other port: a different server.
        assert!(
            p.check(HostRole::AccountsServer, "http://127.0.0.1:4322")
                .is_err()
        );
        assert!(
            p.check(HostRole::AccountsServer, "https://127.0.0.1:4321")
                .is_err()
        );
        // Zoho's own hosts stay trusted.
        assert!(
            p.check(HostRole::AccountsServer, "https://accounts.zoho.sa")
                .is_ok()
        );
    }

    #[test]
    fn untrusted_host_message_is_bounded_and_printable() {
        let long = format!("https://{}\n.example", "a".repeat(500));
        let err = HostPolicy::zoho_only()
            .check(HostRole::AccountsServer, &long)
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.len() < 400, "{msg}");
        assert!(!msg.contains('\n'));
    }
}
