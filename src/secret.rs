//! Newtypes for secret values: client secrets, tokens, authorization codes, PKCE verifiers.
//!
//! Every secret type redacts itself in `Debug` and has no `Display`, so a secret cannot reach an
//! error message, a log line or a `{:?}` print by accident. Reading the value takes an explicit
//! call to [`expose_secret`](SecretString::expose_secret), which is easy to find in review.

use std::fmt;

/// Declares a newtype around `String` whose `Debug` prints `Name([redacted])`.
macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// Returns the secret itself. Call this only where the value must be sent or stored.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }

            /// Whether the secret is the empty string.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }
    };
}

secret_type!(
    /// Any secret connection-property value (OAuthClientSecret, tokens, OAuthVerifier, ProxyPassword).
    SecretString
);
secret_type!(
    /// The OAuth client secret registered in the Zoho API console.
    ClientSecret
);
secret_type!(
    /// A Zoho OAuth access token (`1000.<hex>.<hex>`), valid for about an hour.
    AccessToken
);
secret_type!(
    /// A Zoho OAuth refresh token; it does not expire until revoked.
    RefreshToken
);
secret_type!(
    /// A single-use authorization code (Zoho's `code`, CData's "Verifier").
    AuthorizationCode
);
secret_type!(
    /// A PKCE `code_verifier` (RFC 7636).
    PkceVerifier
);

/// The text shown in place of a secret value wherever a value must be displayed.
pub const MASK: &str = "********";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = ClientSecret::new("s3cr3t-value");
        let printed = format!("{s:?} {:?}", Some(&s));
        assert!(!printed.contains("s3cr3t"), "{printed}");
        assert!(printed.contains("ClientSecret([redacted])"));
        assert_eq!(s.expose_secret(), "s3cr3t-value");
    }
}
