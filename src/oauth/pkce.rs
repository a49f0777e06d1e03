//! `state` values and PKCE (RFC 7636) verifiers and S256 challenges.
//!
//! Randomness comes from a [`RandomSource`] so tests can make it deterministic
//! ([`SeededRandom`], [`FixedRandom`]); production code uses [`OsRandom`].

use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};

use crate::secret::PkceVerifier;

/// A source of random bytes for `state` and PKCE verifiers.
pub trait RandomSource: Send + Sync {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system's CSPRNG (through `rand`'s thread-local generator, seeded from the OS).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        rand::rng().fill_bytes(buf);
    }
}

/// A deterministic generator seeded from a number: the same seed gives the same sequence.
/// For tests only; never for real authorizations.
#[derive(Debug)]
pub struct SeededRandom(Mutex<rand::rngs::StdRng>);

impl SeededRandom {
    /// A generator whose output depends only on `seed`.
    pub fn new(seed: u64) -> SeededRandom {
        SeededRandom(Mutex::new(rand::rngs::StdRng::seed_from_u64(seed)))
    }
}

impl RandomSource for SeededRandom {
    fn fill(&self, buf: &mut [u8]) {
        let mut rng = self.0.lock().unwrap_or_else(|p| p.into_inner());
        rng.fill_bytes(buf);
    }
}

/// Returns the given bytes, repeated as often as needed. For tests (e.g. RFC 7636's vector).
#[derive(Debug, Clone)]
pub struct FixedRandom(Vec<u8>);

impl FixedRandom {
    /// A source that yields `bytes` over and over (a single zero byte if empty).
    pub fn new(bytes: impl Into<Vec<u8>>) -> FixedRandom {
        let bytes = bytes.into();
        FixedRandom(if bytes.is_empty() { vec![0] } else { bytes })
    }
}

impl RandomSource for FixedRandom {
    fn fill(&self, buf: &mut [u8]) {
        for (slot, byte) in buf.iter_mut().zip(self.0.iter().cycle()) {
            *slot = *byte;
        }
    }
}

/// Number of random octets in a verifier: 32 octets give the minimum length, 43 characters.
const VERIFIER_OCTETS: usize = 32;
/// Number of random octets in a `state` (128 bits).
const STATE_OCTETS: usize = 16;

/// A new PKCE `code_verifier`: 32 random octets, base64url without padding (43 characters).
pub fn generate_verifier(rng: &dyn RandomSource) -> PkceVerifier {
    let mut bytes = [0u8; VERIFIER_OCTETS];
    rng.fill(&mut bytes);
    PkceVerifier::new(URL_SAFE_NO_PAD.encode(bytes))
}

/// A new `state` value: 16 random octets, base64url without padding (22 characters).
pub fn generate_state(rng: &dyn RandomSource) -> String {
    let mut bytes = [0u8; STATE_OCTETS];
    rng.fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The S256 `code_challenge` for a verifier: `BASE64URL(SHA256(ASCII(verifier)))`.
pub fn challenge_s256(verifier: &PkceVerifier) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.expose_secret().as_bytes()))
}

/// Whether `s` is a syntactically valid verifier: 43-128 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`).
pub fn is_valid_verifier(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RFC7636_OCTETS: [u8; 32] = [
        116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37,
        77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ];

    #[test]
    fn rfc7636_appendix_b_vector() {
        let verifier = generate_verifier(&FixedRandom::new(RFC7636_OCTETS));
        assert_eq!(
            verifier.expose_secret(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert_eq!(
            challenge_s256(&verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn a_changed_verifier_gives_another_challenge() {
        let v = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXkA");
        assert_ne!(
            challenge_s256(&v),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn seeded_random_is_deterministic_and_os_random_is_not_constant() {
        let a = SeededRandom::new(7);
        let b = SeededRandom::new(7);
        assert_eq!(generate_state(&a), generate_state(&b));
        assert_eq!(
            generate_verifier(&a).expose_secret(),
            generate_verifier(&b).expose_secret()
        );
        assert_ne!(generate_state(&OsRandom), generate_state(&OsRandom));
    }

    #[test]
    fn state_is_22_url_safe_characters() {
        let s = generate_state(&OsRandom);
        assert_eq!(s.len(), 22);
        assert!(
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }

    #[test]
    fn verifier_validity_rules() {
        assert!(is_valid_verifier(&"a".repeat(43)));
        assert!(is_valid_verifier(&"~._-".repeat(32)));
        assert!(!is_valid_verifier(&"a".repeat(42)));
        assert!(!is_valid_verifier(&"a".repeat(129)));
        assert!(!is_valid_verifier(&format!("{}+", "a".repeat(43))));
        assert!(!is_valid_verifier(&format!("{}=", "a".repeat(43))));
    }

    proptest! {
        #[test]
        fn generated_verifiers_are_valid(seed in any::<u64>()) {
            let v = generate_verifier(&SeededRandom::new(seed));
            let text = v.expose_secret();
            prop_assert!(is_valid_verifier(text));
            prop_assert_eq!(text.len(), 43);
            prop_assert!(!text.contains('=') && !text.contains('+') && !text.contains('/'));
            let challenge = challenge_s256(&v);
            prop_assert_eq!(challenge.len(), 43);
        }
    }
}
