//! `Region`: the Zoho data centre named in the connection string.
//!
//! Only the names live here; the hosts each data centre uses are Zoho specifics and live with the
//! HTTP client in `oauth::region`.

/// A Zoho data centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    /// United States (`accounts.zoho.com`).
    Us,
    /// Europe (`accounts.zoho.eu`).
    Eu,
    /// India (`accounts.zoho.in`).
    In,
    /// Australia (`accounts.zoho.com.au`).
    Au,
    /// Japan (`accounts.zoho.jp`).
    Jp,
    /// Canada (`accounts.zohocloud.ca`).
    Ca,
    /// Saudi Arabia (`accounts.zoho.sa`).
    Sa,
    /// United Kingdom (`accounts.zoho.uk`).
    Uk,
    /// China (`accounts.zoho.com.cn`).
    Cn,
}

impl Region {
    /// Every region, in catalog order.
    pub const ALL: [Region; 9] = [
        Region::Us,
        Region::Eu,
        Region::In,
        Region::Au,
        Region::Jp,
        Region::Ca,
        Region::Sa,
        Region::Uk,
        Region::Cn,
    ];

    /// The canonical code used in connection strings (`US`, `EU`, ...).
    pub fn code(self) -> &'static str {
        match self {
            Region::Us => "US",
            Region::Eu => "EU",
            Region::In => "IN",
            Region::Au => "AU",
            Region::Jp => "JP",
            Region::Ca => "CA",
            Region::Sa => "SA",
            Region::Uk => "UK",
            Region::Cn => "CN",
        }
    }

    /// Zoho's `location` value for this data centre (`us`, `eu`, ...).
    pub fn location(self) -> String {
        self.code().to_ascii_lowercase()
    }

    /// The region for a canonical code or Zoho location, case-insensitively.
    pub fn from_code(code: &str) -> Option<Region> {
        Region::ALL
            .into_iter()
            .find(|r| r.code().eq_ignore_ascii_case(code))
    }
}
