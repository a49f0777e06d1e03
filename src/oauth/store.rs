//! The token store behind `OAuthSettingsLocation`: a JSON file or a process-wide `memory://<id>`.
//!
//! File format: see `docs/settings-file.md`. Writes are atomic (a temp file in the same
//! directory created with mode 0600, fsync, rename, fsync of the directory); a new directory is
//! created with mode 0700. On read, a file that group or others may access, or that another user
//! owns, is refused. The stored tokens belong to one identity (client id, the accounts server the
//! connection starts from, scope); a connection with another identity sees an empty store.
//!
//! [`TokenStore::lock`] serialises refreshes and logins: a process-wide async mutex per location
//! (single flight inside the process) and, for files, an advisory lock on `<file>.lock`
//! (`flock` on Unix). Such locks disappear with the process that holds them, so a crashed
//! holder never leaves a stale lock behind.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::config::SettingsLocation;
use crate::error::{Error, Result};
use crate::secret::{AccessToken, RefreshToken};

/// Whose tokens a record holds. Tokens are used only by a connection with the same identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoreIdentity {
    /// `OAuthClientId`.
    pub client_id: String,
    /// The accounts server the connection starts from (`AccountsServer` or the Region's).
    pub accounts_server: String,
    /// The scope the tokens were requested with.
    pub scope: String,
}

/// What the store holds for one identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Whose tokens these are.
    pub identity: StoreIdentity,
    /// The access token.
    pub access_token: Option<AccessToken>,
    /// The refresh token.
    pub refresh_token: Option<RefreshToken>,
    /// Access-token lifetime in seconds (-1: never expires; `None`: unknown).
    pub expires_in: Option<i64>,
    /// When the access token was received, Unix milliseconds (local clock).
    pub token_timestamp_ms: Option<i64>,
    /// The accounts server that issued the tokens (refresh and revoke go there).
    pub accounts_server: String,
    /// The API domain for Books calls.
    pub api_domain: Option<String>,
    /// Set when Zoho rejected the refresh token (`invalid_code`): it must not be used again.
    pub refresh_token_unusable: bool,
}

const FORMAT: &str = "zbsql-oauth-settings";
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct FileFormat {
    format: String,
    version: u32,
    client_id: String,
    configured_accounts_server: String,
    scope: String,
    accounts_server: String,
    #[serde(default)]
    api_domain: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    token_timestamp: Option<i64>,
    #[serde(default)]
    refresh_token_unusable: bool,
}

impl FileFormat {
    fn from_record(r: &TokenRecord) -> FileFormat {
        FileFormat {
            format: FORMAT.into(),
            version: VERSION,
            client_id: r.identity.client_id.clone(),
            configured_accounts_server: r.identity.accounts_server.clone(),
            scope: r.identity.scope.clone(),
            accounts_server: r.accounts_server.clone(),
            api_domain: r.api_domain.clone(),
            access_token: r
                .access_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            refresh_token: r
                .refresh_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            expires_in: r.expires_in,
            token_timestamp: r.token_timestamp_ms,
            refresh_token_unusable: r.refresh_token_unusable,
        }
    }

    fn into_record(self) -> TokenRecord {
        TokenRecord {
            identity: StoreIdentity {
                client_id: self.client_id,
                accounts_server: self.configured_accounts_server,
                scope: self.scope,
            },
            access_token: self
                .access_token
                .filter(|s| !s.is_empty())
                .map(AccessToken::new),
            refresh_token: self
                .refresh_token
                .filter(|s| !s.is_empty())
                .map(RefreshToken::new),
            expires_in: self.expires_in,
            token_timestamp_ms: self.token_timestamp,
            accounts_server: self.accounts_server,
            api_domain: self.api_domain,
            refresh_token_unusable: self.refresh_token_unusable,
        }
    }
}

/// Process-wide `memory://` stores, by id.
static MEMORY: LazyLock<Mutex<HashMap<String, TokenRecord>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Process-wide single-flight mutexes, by store key.
static FLIGHTS: LazyLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The token store of one `OAuthSettingsLocation`.
#[derive(Debug, Clone)]
pub struct TokenStore {
    location: SettingsLocation,
    key: String,
}

/// Held while refreshing or logging in; dropping it releases both locks.
#[derive(Debug)]
pub struct StoreGuard {
    _flight: tokio::sync::OwnedMutexGuard<()>,
    _file: Option<File>,
}

impl TokenStore {
    /// The store at `location`. Touches nothing on disk.
    pub fn new(location: SettingsLocation) -> TokenStore {
        let key = match &location {
            SettingsLocation::File(p) => format!(
                "file:{}",
                std::path::absolute(p)
                    .unwrap_or_else(|_| p.clone())
                    .display()
            ),
            SettingsLocation::Memory(id) => format!("memory:{id}"),
        };
        TokenStore { location, key }
    }

    /// Where the tokens are kept.
    pub fn location(&self) -> &SettingsLocation {
        &self.location
    }

    /// The record for `identity`, or `None` when nothing is stored or the stored tokens belong
    /// to another identity (logged at info level).
    pub fn load(&self, identity: &StoreIdentity) -> Result<Option<TokenRecord>> {
        let Some(record) = self.load_any()? else {
            return Ok(None);
        };
        if &record.identity != identity {
            let mut differs = Vec::new();
            if record.identity.client_id != identity.client_id {
                differs.push("client id");
            }
            if record.identity.accounts_server != identity.accounts_server {
                differs.push("accounts server");
            }
            if record.identity.scope != identity.scope {
                differs.push("scope");
            }
            tracing::info!(
                location = %self.location,
                differs = %differs.join(", "),
                "the token store holds tokens for another identity; ignoring them"
            );
            return Ok(None);
        }
        Ok(Some(record))
    }

    /// Whatever the store holds, regardless of identity.
    pub fn load_any(&self) -> Result<Option<TokenRecord>> {
        match &self.location {
            SettingsLocation::Memory(id) => Ok(MEMORY
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(id)
                .cloned()),
            SettingsLocation::File(path) => read_file(path),
        }
    }

    /// Replaces what the store holds with `record`.
    pub fn save(&self, record: &TokenRecord) -> Result<()> {
        match &self.location {
            SettingsLocation::Memory(id) => {
                MEMORY
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(id.clone(), record.clone());
                Ok(())
            }
            SettingsLocation::File(path) => {
                let json = serde_json::to_vec_pretty(&FileFormat::from_record(record))
                    .map_err(|e| store_err(path, format!("could not encode the tokens: {e}")))?;
                write_atomically(path, &json)
            }
        }
    }

    /// Takes the single-flight lock for this location (in-process) and, for a file, the
    /// cross-process lock on `<file>.lock`, waiting at most `wait` in total.
    pub async fn lock(&self, wait: Duration) -> Result<StoreGuard> {
        let deadline = Instant::now() + wait;
        let flight = {
            let mut map = FLIGHTS.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(self.key.clone())
                .or_insert_with(|| Arc::new(tokio::sync::Mutex::new(())))
                .clone()
        };
        let flight = tokio::time::timeout(wait, flight.lock_owned())
            .await
            .map_err(|_| self.lock_timeout(wait))?;
        let file = match &self.location {
            SettingsLocation::Memory(_) => None,
            SettingsLocation::File(path) => self.lock_file(path, deadline, wait).await?,
        };
        Ok(StoreGuard {
            _flight: flight,
            _file: file,
        })
    }

    /// The cross-process lock on `<file>.lock`. `None` when the lock file cannot be created
    /// because the directory is read-only to us (a settings file provisioned read-only still
    /// works for reading; the in-process lock still applies, and a save would fail clearly).
    async fn lock_file(
        &self,
        path: &Path,
        deadline: Instant,
        wait: Duration,
    ) -> Result<Option<File>> {
        let lock_path = lock_path_of(path);
        ensure_dir(path)?;
        let file = match open_private(&lock_path, false) {
            Ok(f) => f,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
                ) =>
            {
                tracing::warn!(
                    lock = %lock_path.display(),
                    error = %e,
                    "cannot create the token store's lock file; continuing without the cross-process lock"
                );
                return Ok(None);
            }
            Err(e) => {
                return Err(store_err(
                    path,
                    format!("cannot open the lock file {}: {e}", lock_path.display()),
                ));
            }
        };
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(file)),
                Err(std::fs::TryLockError::WouldBlock) => {
                    if Instant::now() >= deadline {
                        return Err(self.lock_timeout(wait));
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(store_err(
                        path,
                        format!("cannot lock {}: {e}", lock_path.display()),
                    ));
                }
            }
        }
    }

    fn lock_timeout(&self, wait: Duration) -> Error {
        Error::Timeout {
            what: format!(
                "waiting for the token store lock of {} (another connection or process is refreshing or logging in)",
                self.location
            ),
            after: wait,
        }
    }
}

/// `<file>.lock` next to the settings file.
pub fn lock_path_of(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

fn store_err(path: &Path, message: String) -> Error {
    Error::TokenStore {
        location: path.display().to_string(),
        message,
    }
}

fn read_file(path: &Path) -> Result<Option<TokenRecord>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(store_err(path, format!("cannot open: {e}"))),
    };
    check_private(path, &file)?;
    let bytes = read_all(file, path)?;
    let parsed: FileFormat = serde_json::from_slice(&bytes).map_err(|e| {
        store_err(
            path,
            format!("the file is not a valid settings file ({e}); delete it and authorize again"),
        )
    })?;
    if parsed.format != FORMAT || parsed.version != VERSION {
        return Err(store_err(
            path,
            format!(
                "the file has format '{}' version {}, expected '{FORMAT}' version {VERSION}; delete it and authorize again",
                parsed.format, parsed.version
            ),
        ));
    }
    Ok(Some(parsed.into_record()))
}

fn read_all(mut file: File, path: &Path) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| store_err(path, format!("cannot read: {e}")))?;
    Ok(bytes)
}

#[cfg(unix)]
fn check_private(path: &Path, file: &File) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let meta = file
        .metadata()
        .map_err(|e| store_err(path, format!("cannot read its permissions: {e}")))?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(store_err(
            path,
            format!(
                "the file is owned by user id {}, not by you (user id {me}); tokens are read only from your own files. Move it away and authorize again, or have its owner share tokens another way",
                meta.uid()
            ),
        ));
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(store_err(
            path,
            format!(
                "the file is accessible by other users (mode {mode:03o}); tokens are secrets. Run `chmod 600 {}` and try again",
                path.display()
            ),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _file: &File) -> Result<()> {
    // Windows: the file inherits the ACL of its directory (under the user's profile by
    // default); no extra check is made. See docs/settings-file.md.
    Ok(())
}

/// Creates the settings file's directory (mode 0700 for directories it creates).
fn ensure_dir(path: &Path) -> Result<()> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| {
        store_err(
            path,
            format!("cannot create the directory {}: {e}", dir.display()),
        )
    })
}

/// Opens (creating with mode 0600) a file; `create_new` fails if it exists.
fn open_private(path: &Path, create_new: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true);
    if create_new {
        options.create_new(true);
    } else {
        options.create(true).truncate(false);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Writes `bytes` to `path` so that readers see either the old or the new content, never a
/// mix: temp file (0600) in the same directory, fsync, rename over `path`, fsync the directory.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    ensure_dir(path)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut random = [0u8; 6];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut random);
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let temp = dir.join(format!(".{name}.{}.{suffix}.tmp", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = open_private(&temp, true)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)?;
        #[cfg(unix)]
        File::open(dir)?.sync_all()?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(store_err(path, format!("cannot write: {e}")));
    }
    remove_stale_temps(dir, &name);
    Ok(())
}

/// Deletes temp files left by writers that died before their rename
/// (`.<name>.<pid>.<random>.tmp` whose process no longer exists). They hold tokens too.
fn remove_stale_temps(dir: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let Some(rest) = file_name
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".tmp"))
        else {
            continue;
        };
        let Some(pid) = rest.split('.').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !process_exists(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(unix)]
fn process_exists(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // SAFETY: signal 0 only checks whether the process exists; no signal is sent.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
fn process_exists(_pid: u32) -> bool {
    // Without a cheap check, keep every temp file.
    true
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn identity() -> StoreIdentity {
        StoreIdentity {
            client_id: "1000.CLIENT".into(),
            accounts_server: "https://accounts.zoho.com".into(),
            scope: "ZohoBooks.fullaccess.all".into(),
        }
    }

    fn record() -> TokenRecord {
        TokenRecord {
            identity: identity(),
            access_token: Some(AccessToken::new("1000.access.secret")),
            refresh_token: Some(RefreshToken::new("1000.refresh.secret")),
            expires_in: Some(3600),
            token_timestamp_ms: Some(1_700_000_000_000),
            accounts_server: "https://accounts.zoho.eu".into(),
            api_domain: Some("https://www.zohoapis.eu".into()),
            refresh_token_unusable: false,
        }
    }

    fn mode_of(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn file_round_trip_with_private_modes() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("new/dir/OAuthSettings.json");
        let store = TokenStore::new(SettingsLocation::File(path.clone()));
        assert_eq!(store.load(&identity()).unwrap(), None);
        store.save(&record()).unwrap();
        assert_eq!(store.load(&identity()).unwrap(), Some(record()));
        assert_eq!(mode_of(&path), 0o600);
        assert_eq!(mode_of(path.parent().unwrap()), 0o700);
        assert_eq!(mode_of(&tmp.path().join("new")), 0o700);
        // Overwrite keeps 0600 and leaves no temp files.
        let mut r = record();
        r.access_token = Some(AccessToken::new("1000.access.second"));
        store.save(&r).unwrap();
        assert_eq!(mode_of(&path), 0o600);
        assert_eq!(store.load(&identity()).unwrap(), Some(r));
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["OAuthSettings.json".to_string()]);
    }

    #[test]
    fn the_file_format_is_documented_json() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("s.json");
        TokenStore::new(SettingsLocation::File(path.clone()))
            .save(&record())
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(v["format"], "zbsql-oauth-settings");
        assert_eq!(v["version"], 1);
        assert_eq!(v["client_id"], "1000.CLIENT");
        assert_eq!(v["configured_accounts_server"], "https://accounts.zoho.com");
        assert_eq!(v["accounts_server"], "https://accounts.zoho.eu");
        assert_eq!(v["api_domain"], "https://www.zohoapis.eu");
        assert_eq!(v["access_token"], "1000.access.secret");
        assert_eq!(v["refresh_token"], "1000.refresh.secret");
        assert_eq!(v["expires_in"], 3600);
        assert_eq!(v["token_timestamp"], 1_700_000_000_000i64);
        assert_eq!(v["scope"], "ZohoBooks.fullaccess.all");
    }

    #[test]
    fn a_file_readable_by_others_is_refused_with_the_chmod_fix() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("s.json");
        let store = TokenStore::new(SettingsLocation::File(path.clone()));
        store.save(&record()).unwrap();
        for mode in [0o644, 0o640, 0o604, 0o660] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let err = store.load(&identity()).unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, Error::TokenStore { .. }), "{msg}");
            assert!(
                msg.contains(&format!("chmod 600 {}", path.display())),
                "{msg}"
            );
            assert!(!msg.contains("1000.access"), "{msg}");
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(store.load(&identity()).unwrap().is_some());
    }

    #[test]
    fn a_file_owned_by_another_user_is_refused() {
        // Only root can hand a file to another user; elsewhere the check is exercised by
        // the mode test above and this test has nothing to set up.
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("s.json");
        let store = TokenStore::new(SettingsLocation::File(path.clone()));
        store.save(&record()).unwrap();
        std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
        let err = store.load(&identity()).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::TokenStore { .. }), "{msg}");
        assert!(msg.contains("owned by user id 65534, not by you"), "{msg}");
    }

    #[test]
    fn another_identity_is_logged_at_info() {
        #[derive(Clone, Default)]
        struct Buf(Arc<Mutex<Vec<u8>>>);
        impl Write for Buf {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buf = Buf::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || writer.clone())
            .finish();
        let store = TokenStore::new(SettingsLocation::Memory("store-test-identity-log".into()));
        store.save(&record()).unwrap();
        let mut other = identity();
        other.client_id = "1000.OTHER".into();
        tracing::subscriber::with_default(subscriber, || {
            assert_eq!(store.load(&other).unwrap(), None);
        });
        let log = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(log.contains("INFO"), "{log}");
        assert!(
            log.contains("another identity") && log.contains("client id"),
            "{log}"
        );
        assert!(!log.contains("1000.access"), "{log}");
    }

    #[test]
    fn another_identity_sees_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let store = TokenStore::new(SettingsLocation::File(tmp.path().join("s.json")));
        store.save(&record()).unwrap();
        for change in 0..3 {
            let mut other = identity();
            match change {
                0 => other.client_id = "1000.OTHER".into(),
                1 => other.accounts_server = "https://accounts.zoho.in".into(),
                _ => other.scope = "ZohoBooks.invoices.READ".into(),
            }
            assert_eq!(store.load(&other).unwrap(), None);
        }
        assert!(store.load_any().unwrap().is_some());
    }

    #[test]
    fn corrupt_or_foreign_files_are_reported_not_overwritten() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("s.json");
        write_atomically(&path, b"{ not json").unwrap();
        let store = TokenStore::new(SettingsLocation::File(path.clone()));
        let err = store.load(&identity()).unwrap_err();
        assert!(
            err.to_string().contains("not a valid settings file"),
            "{err}"
        );
        write_atomically(&path, br#"{"format":"other","version":9,"client_id":"","configured_accounts_server":"","scope":"","accounts_server":""}"#).unwrap();
        let err = store.load(&identity()).unwrap_err();
        assert!(
            err.to_string().contains("expected 'zbsql-oauth-settings'"),
            "{err}"
        );
    }

    #[test]
    fn memory_stores_are_shared_by_id() {
        let a = TokenStore::new(SettingsLocation::Memory("store-test-shared".into()));
        let b = TokenStore::new(SettingsLocation::Memory("store-test-shared".into()));
        let c = TokenStore::new(SettingsLocation::Memory("store-test-other".into()));
        a.save(&record()).unwrap();
        assert_eq!(b.load(&identity()).unwrap(), Some(record()));
        assert_eq!(c.load(&identity()).unwrap(), None);
    }

    #[test]
    fn temp_files_of_dead_writers_are_removed_by_the_next_save() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("s.json");
        // pid 2^22+1 is above Linux's default pid_max range in practice; our own pid is alive.
        let dead = tmp.path().join(".s.json.4194305.abc.tmp");
        let alive = tmp
            .path()
            .join(format!(".s.json.{}.def.tmp", std::process::id()));
        let unrelated = tmp.path().join(".other.json.4194305.abc.tmp");
        for p in [&dead, &alive, &unrelated] {
            std::fs::write(p, "partial").unwrap();
        }
        TokenStore::new(SettingsLocation::File(path))
            .save(&record())
            .unwrap();
        assert!(!dead.exists());
        assert!(alive.exists());
        assert!(unrelated.exists());
    }

    #[test]
    fn a_crash_before_rename_leaves_the_old_file_intact() {
        // Simulate a writer that died after writing part of its temp file: the settings file
        // itself is untouched and still parses.
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("s.json");
        let store = TokenStore::new(SettingsLocation::File(path.clone()));
        store.save(&record()).unwrap();
        let json = serde_json::to_vec(&FileFormat::from_record(&record())).unwrap();
        let partial = tmp.path().join(".s.json.999.abc.tmp");
        std::fs::write(&partial, &json[..json.len() / 2]).unwrap();
        assert_eq!(store.load(&identity()).unwrap(), Some(record()));
    }

    #[tokio::test]
    async fn the_file_lock_excludes_other_holders_and_times_out() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("d/s.json");
        let store = TokenStore::new(SettingsLocation::File(path.clone()));
        let guard = store.lock(Duration::from_secs(5)).await.unwrap();
        assert_eq!(mode_of(&lock_path_of(&path)), 0o600);
        // Another open file description (as another process would have) cannot take it.
        let other = File::options()
            .write(true)
            .open(lock_path_of(&path))
            .unwrap();
        assert!(matches!(
            other.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));
        // A second locker in this process times out while the guard is held.
        let err = store.lock(Duration::from_millis(100)).await.unwrap_err();
        assert!(err.is_timeout(), "{err}");
        drop(guard);
        other.try_lock().unwrap();
        // Held by "another process" (other description): the store waits, then times out.
        let err = store.lock(Duration::from_millis(150)).await.unwrap_err();
        assert!(err.is_timeout(), "{err}");
        drop(other);
        store.lock(Duration::from_secs(5)).await.unwrap();
    }
}
