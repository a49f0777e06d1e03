//! The sandbox's settings (fixed at start) and mutable state (grants, tokens, counters, log,
//! faults), shared by every connection behind one mutex that is never held across an `await`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::books_data::BooksData;
use super::clock::Clock;
use super::{Endpoint, Fault, LoggedRequest};

/// How many requests the log keeps (oldest dropped first).
const REQUEST_LOG_CAPACITY: usize = 10_000;
/// Live access tokens per refresh token; minting one more evicts the oldest (Zoho: 15).
pub(crate) const ACCESS_TOKENS_PER_REFRESH_TOKEN: usize = 15;
/// Consent pages awaiting an answer; beyond this the oldest is forgotten.
const PENDING_CONSENT_CAPACITY: usize = 1_000;

/// Settings fixed when the sandbox starts.
pub(crate) struct Settings {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) strict_redirect_uris: Option<Vec<String>>,
    pub(crate) access_token_ttl: Duration,
    pub(crate) refresh_access_token_ttl: Duration,
    pub(crate) code_ttl: Duration,
    pub(crate) refresh_limit: u32,
    pub(crate) refresh_window: Duration,
    pub(crate) api_rate_limit_per_minute: Option<u32>,
    /// Zoho's rule: an offline consent yields a refresh token only when none is live for the
    /// client yet, or when `prompt=consent` was sent.
    pub(crate) refresh_token_only_on_first_consent: bool,
    /// `http://127.0.0.1:PORT`: accounts server and `api_domain` at once.
    pub(crate) base_url: String,
    /// The data-centre code sent as `location` on the callback.
    pub(crate) location: String,
}

/// PKCE challenge recorded at authorization time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PkceChallenge {
    /// `code_challenge_method=S256`: base64url(sha256(verifier)) without padding.
    S256(String),
    /// `code_challenge_method=plain` (Zoho's documented default): the verifier itself.
    Plain(String),
}

/// A validated authorization request (what the user is asked to consent to).
#[derive(Debug, Clone)]
pub(crate) struct AuthRequest {
    pub(crate) redirect_uri: String,
    pub(crate) scope: String,
    pub(crate) offline: bool,
    /// `prompt=consent` was sent (forces a fresh consent, and so a new refresh token).
    pub(crate) prompt_consent: bool,
    pub(crate) state: Option<String>,
    pub(crate) pkce: Option<PkceChallenge>,
}

/// An issued, not yet exchanged authorization code.
#[derive(Debug)]
pub(crate) struct CodeGrant {
    pub(crate) request: AuthRequest,
    pub(crate) issued_at: Duration,
    /// Whether exchanging this code yields a refresh token (decided at consent time).
    pub(crate) grants_refresh_token: bool,
}

/// A live refresh token. (No `Debug`: it holds token strings.)
pub(crate) struct RefreshGrant {
    pub(crate) scope: String,
    /// Sandbox times of the refreshes inside the current throttle window.
    pub(crate) recent_refreshes: VecDeque<Duration>,
    /// Access tokens minted from this refresh token, oldest first.
    pub(crate) access_tokens: VecDeque<String>,
}

/// A live (maybe expired) access token. (No `Debug`: it holds a token string.)
pub(crate) struct AccessGrant {
    pub(crate) scope: String,
    pub(crate) expires_at: Duration,
    pub(crate) refresh_token: Option<String>,
}

/// A queued fault: applied to the next `remaining` requests of its endpoint.
#[derive(Debug)]
pub(crate) struct QueuedFault {
    pub(crate) endpoint: Endpoint,
    pub(crate) fault: Fault,
    pub(crate) remaining: u32,
}

/// Everything that changes while the sandbox runs.
pub(crate) struct State {
    pub(crate) clock: Clock,
    pub(crate) auto_approve: bool,
    pub(crate) ids: IdGenerator,
    pub(crate) pending_consents: HashMap<String, AuthRequest>,
    pending_order: VecDeque<String>,
    pub(crate) codes: HashMap<String, CodeGrant>,
    pub(crate) refresh_tokens: HashMap<String, RefreshGrant>,
    pub(crate) access_tokens: HashMap<String, AccessGrant>,
    pub(crate) counters: BTreeMap<String, u64>,
    log: VecDeque<LoggedRequest>,
    pub(crate) faults: Vec<QueuedFault>,
    /// Per rate-limit key: (minute index, calls in that minute).
    pub(crate) rate_windows: HashMap<String, (u64, u32)>,
    /// Books calls allowed per organization per sandbox day (`None`: unlimited).
    pub(crate) daily_limit: Option<u32>,
    /// Per daily-limit key: (day index, calls that day).
    pub(crate) daily_windows: HashMap<String, (u64, u32)>,
}

impl State {
    pub(crate) fn new(manual_clock: bool, auto_approve: bool, seed: u64) -> Self {
        State {
            clock: Clock::new(manual_clock),
            auto_approve,
            ids: IdGenerator::new(seed),
            pending_consents: HashMap::new(),
            pending_order: VecDeque::new(),
            codes: HashMap::new(),
            refresh_tokens: HashMap::new(),
            access_tokens: HashMap::new(),
            counters: BTreeMap::new(),
            log: VecDeque::new(),
            faults: Vec::new(),
            rate_windows: HashMap::new(),
            daily_limit: None,
            daily_windows: HashMap::new(),
        }
    }

    pub(crate) fn bump(&mut self, key: &str) {
        *self.counters.entry(key.to_string()).or_insert(0) += 1;
    }

    pub(crate) fn record(&mut self, entry: LoggedRequest) {
        if self.log.len() >= REQUEST_LOG_CAPACITY {
            self.log.pop_front();
        }
        self.log.push_back(entry);
    }

    pub(crate) fn log(&self) -> Vec<LoggedRequest> {
        self.log.iter().cloned().collect()
    }

    /// Stores a consent request and returns its id.
    pub(crate) fn add_pending_consent(&mut self, request: AuthRequest) -> String {
        if self.pending_order.len() >= PENDING_CONSENT_CAPACITY
            && let Some(oldest) = self.pending_order.pop_front()
        {
            self.pending_consents.remove(&oldest);
        }
        let id = self.ids.hex32();
        self.pending_consents.insert(id.clone(), request);
        self.pending_order.push_back(id.clone());
        id
    }

    /// Removes and returns a pending consent request.
    pub(crate) fn take_pending_consent(&mut self, id: &str) -> Option<AuthRequest> {
        let request = self.pending_consents.remove(id)?;
        self.pending_order.retain(|known| known != id);
        Some(request)
    }

    /// Takes one use of the first queued fault for `endpoint`, if any. A Books request to
    /// `books_path` (e.g. `invoices`) also takes faults queued for `Endpoint::BooksPath` of
    /// that path.
    pub(crate) fn take_fault(
        &mut self,
        endpoint: Endpoint,
        books_path: Option<&str>,
    ) -> Option<Fault> {
        let applies = |queued: &QueuedFault| match queued.endpoint {
            Endpoint::BooksPath(path) => endpoint == Endpoint::Books && books_path == Some(path),
            other => other == endpoint,
        };
        let index = self
            .faults
            .iter()
            .position(|queued| applies(queued) && queued.remaining > 0)?;
        let queued = &mut self.faults[index];
        let fault = queued.fault;
        queued.remaining -= 1;
        if queued.remaining == 0 {
            self.faults.remove(index);
        }
        Some(fault)
    }

    /// Mints an access token valid for `ttl`, linked to `refresh_token` if given.
    pub(crate) fn mint_access_token(
        &mut self,
        scope: &str,
        ttl: Duration,
        refresh_token: Option<&str>,
    ) -> String {
        let token = self.ids.zoho_token();
        let expires_at = self.clock.now().saturating_add(ttl);
        self.access_tokens.insert(
            token.clone(),
            AccessGrant {
                scope: scope.to_string(),
                expires_at,
                refresh_token: refresh_token.map(str::to_string),
            },
        );
        if let Some(refresh) = refresh_token {
            let mut evicted = Vec::new();
            if let Some(grant) = self.refresh_tokens.get_mut(refresh) {
                grant.access_tokens.push_back(token.clone());
                while grant.access_tokens.len() > ACCESS_TOKENS_PER_REFRESH_TOKEN {
                    if let Some(oldest) = grant.access_tokens.pop_front() {
                        evicted.push(oldest);
                    }
                }
            }
            for oldest in evicted {
                self.access_tokens.remove(&oldest);
            }
        }
        token
    }

    /// Mints a refresh token for `scope`.
    pub(crate) fn mint_refresh_token(&mut self, scope: &str) -> String {
        let token = self.ids.zoho_token();
        self.refresh_tokens.insert(
            token.clone(),
            RefreshGrant {
                scope: scope.to_string(),
                recent_refreshes: VecDeque::new(),
                access_tokens: VecDeque::new(),
            },
        );
        token
    }

    /// Revokes a refresh token (with every access token minted from it) or a single access
    /// token. Returns false if the token is unknown.
    pub(crate) fn revoke(&mut self, token: &str) -> bool {
        if let Some(grant) = self.refresh_tokens.remove(token) {
            for access in grant.access_tokens {
                self.access_tokens.remove(&access);
            }
            // Tokens evicted from the list are gone already; sweep any stragglers too.
            self.access_tokens
                .retain(|_, access| access.refresh_token.as_deref() != Some(token));
            return true;
        }
        if let Some(access) = self.access_tokens.remove(token) {
            if let Some(refresh) = access.refresh_token
                && let Some(grant) = self.refresh_tokens.get_mut(&refresh)
            {
                grant.access_tokens.retain(|known| known != token);
            }
            return true;
        }
        false
    }

    /// Marks every access token issued so far as expired.
    pub(crate) fn expire_access_tokens(&mut self) {
        let now = self.clock.now();
        for grant in self.access_tokens.values_mut() {
            if grant.expires_at > now {
                grant.expires_at = now;
            }
        }
    }
}

/// Locks the state, recovering from a poisoned lock (a panicking thread cannot leave the
/// sandbox unusable; every mutation here is small and self-consistent).
pub(crate) fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Locks any mutex, recovering from poisoning (the guarded data is always self-consistent).
pub(crate) fn lock_any<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Everything a request handler needs.
pub(crate) struct Shared {
    pub(crate) settings: Settings,
    pub(crate) state: Mutex<State>,
    pub(crate) books: BooksData,
}

// Debug output never shows secrets: the client secret, codes, tokens or the id generator's
// state (which would predict future tokens).

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("strict_redirect_uris", &self.strict_redirect_uris)
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_access_token_ttl", &self.refresh_access_token_ttl)
            .field("code_ttl", &self.code_ttl)
            .field("refresh_limit", &self.refresh_limit)
            .field("refresh_window", &self.refresh_window)
            .field("api_rate_limit_per_minute", &self.api_rate_limit_per_minute)
            .field(
                "refresh_token_only_on_first_consent",
                &self.refresh_token_only_on_first_consent,
            )
            .field("base_url", &self.base_url)
            .field("location", &self.location)
            .finish()
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("clock", &self.clock)
            .field("auto_approve", &self.auto_approve)
            .field("pending_consents", &self.pending_consents.len())
            .field("codes", &self.codes.len())
            .field("refresh_tokens", &self.refresh_tokens.len())
            .field("access_tokens", &self.access_tokens.len())
            .field("counters", &self.counters)
            .field("logged_requests", &self.log.len())
            .field("faults", &self.faults)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for IdGenerator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdGenerator { .. }")
    }
}

/// Deterministic id source (splitmix64): the same seed gives the same tokens and codes.
pub(crate) struct IdGenerator {
    state: u64,
}

impl IdGenerator {
    pub(crate) fn new(seed: u64) -> Self {
        IdGenerator { state: seed }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 32 lowercase hex digits.
    pub(crate) fn hex32(&mut self) -> String {
        format!("{:016x}{:016x}", self.next_u64(), self.next_u64())
    }

    /// A token or code shaped like Zoho's: `1000.<32 hex>.<32 hex>`.
    pub(crate) fn zoho_token(&mut self) -> String {
        format!("1000.{}.{}", self.hex32(), self.hex32())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_look_like_zoho_and_are_deterministic() {
        let mut a = IdGenerator::new(7);
        let mut b = IdGenerator::new(7);
        let token = a.zoho_token();
        assert_eq!(token, b.zoho_token());
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], "1000");
        for part in &parts[1..] {
            assert_eq!(part.len(), 32);
            assert!(
                part.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            );
        }
        assert_ne!(a.zoho_token(), token);
    }

    #[test]
    fn debug_output_shows_no_secret() {
        let mut state = State::new(true, false, 1);
        let (refresh, access) = {
            let refresh = state.mint_refresh_token("s");
            let access = state.mint_access_token("s", Duration::from_secs(60), Some(&refresh));
            (refresh, access)
        };
        let text = format!("{state:?}");
        assert!(
            !text.contains(&refresh) && !text.contains(&access),
            "{text}"
        );
        let settings = Settings {
            client_id: "id".into(),
            client_secret: "very-secret".into(),
            strict_redirect_uris: None,
            access_token_ttl: Duration::from_secs(1),
            refresh_access_token_ttl: Duration::from_secs(1),
            code_ttl: Duration::from_secs(1),
            refresh_limit: 1,
            refresh_window: Duration::from_secs(1),
            api_rate_limit_per_minute: None,
            refresh_token_only_on_first_consent: false,
            base_url: "http://127.0.0.1:1".into(),
            location: "us".into(),
        };
        assert!(!format!("{settings:?}").contains("very-secret"));
    }

    #[test]
    fn revoking_a_refresh_token_revokes_its_access_tokens() {
        let mut state = State::new(true, false, 1);
        let refresh = state.mint_refresh_token("ZohoBooks.fullaccess.all");
        let access = state.mint_access_token("s", Duration::from_secs(60), Some(&refresh));
        let other = state.mint_access_token("s", Duration::from_secs(60), None);
        assert!(state.revoke(&refresh));
        assert!(!state.access_tokens.contains_key(&access));
        assert!(state.access_tokens.contains_key(&other));
        assert!(!state.revoke(&refresh));
    }

    #[test]
    fn oldest_access_token_is_evicted_beyond_the_limit() {
        let mut state = State::new(true, false, 1);
        let refresh = state.mint_refresh_token("s");
        let first = state.mint_access_token("s", Duration::from_secs(60), Some(&refresh));
        for _ in 0..ACCESS_TOKENS_PER_REFRESH_TOKEN {
            state.mint_access_token("s", Duration::from_secs(60), Some(&refresh));
        }
        assert!(!state.access_tokens.contains_key(&first));
        assert_eq!(state.access_tokens.len(), ACCESS_TOKENS_PER_REFRESH_TOKEN);
    }

    #[test]
    fn faults_are_consumed_in_order() {
        let mut state = State::new(true, false, 1);
        state.faults.push(QueuedFault {
            endpoint: Endpoint::Token,
            fault: Fault::Status500,
            remaining: 2,
        });
        state.faults.push(QueuedFault {
            endpoint: Endpoint::Token,
            fault: Fault::DropConnection,
            remaining: 1,
        });
        assert_eq!(state.take_fault(Endpoint::Books, None), None);
        assert_eq!(
            state.take_fault(Endpoint::Token, None),
            Some(Fault::Status500)
        );
        assert_eq!(
            state.take_fault(Endpoint::Token, None),
            Some(Fault::Status500)
        );
        assert_eq!(
            state.take_fault(Endpoint::Token, None),
            Some(Fault::DropConnection)
        );
        assert_eq!(state.take_fault(Endpoint::Token, None), None);
    }
}

#[cfg(test)]
mod path_fault_tests {
    use super::*;

    #[test]
    fn per_path_faults_hit_only_their_path() {
        let mut state = State::new(true, false, 1);
        state.faults.push(QueuedFault {
            endpoint: Endpoint::BooksPath("invoices"),
            fault: Fault::DailyLimit45,
            remaining: 1,
        });
        assert_eq!(state.take_fault(Endpoint::Books, Some("bills")), None);
        assert_eq!(state.take_fault(Endpoint::Token, Some("invoices")), None);
        assert_eq!(
            state.take_fault(Endpoint::Books, Some("invoices")),
            Some(Fault::DailyLimit45)
        );
        assert_eq!(state.take_fault(Endpoint::Books, Some("invoices")), None);
    }
}
