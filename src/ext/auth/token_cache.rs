//! Service-account tokens kept on disk, so that short-lived processes (a CLI run, a
//! cron job) share one token instead of asking the token endpoint each time: it allows
//! about 10 requests a minute per client.
//!
//! One file per base URL and client id, named by their SHA-256 (never by the secret,
//! which the file does not hold). Files are written whole to a temporary file in the
//! same directory and renamed over the old one, so a reader, or a run racing another,
//! sees one complete token or the other, both valid. Anything not exactly as this
//! module writes it (unparsable, oversized, a symlink, another user's, readable by
//! others, for another URL or client, expired or from the future) is ignored and then
//! replaced; failing to read or write the cache never fails a call.

use std::{
    fmt,
    fs::{self, File, OpenOptions},
    io::{Read, Write},
    path::{Path, PathBuf},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// An on-disk cache for service-account OAuth tokens, opted into with
/// [`ClientBuilder::token_cache`](crate::ClientBuilder::token_cache).
///
/// A token read from it is used only while it would be used in-process (until shortly
/// before it expires), and is deleted when Atlas refuses it. Only the access token,
/// its lifetime, the base URL and the client id are stored; on Unix in a file of mode
/// 0600 in a directory created with mode 0700. Files that are not the current user's,
/// or that others could read, are not trusted.
///
/// ```no_run
/// use atlas_snapshots::{Client, Credentials, TokenCache};
///
/// # fn main() -> atlas_snapshots::Result<()> {
/// let mut builder = Client::builder()
///     .credentials(Credentials::service_account("mdb_sa_id_…", "mdb_sa_sk_…"));
/// if let Some(cache) = TokenCache::user_default() {
///     builder = builder.token_cache(cache);
/// }
/// let client = builder.build()?;
/// # let _ = client; Ok(()) }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TokenCache {
    dir: PathBuf,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("dir", &self.dir)
            .finish()
    }
}

/// The directory name under the user's cache directory.
const APP_DIR: &str = "atlas-snapshots";
/// A token file is a few hundred bytes (Atlas's tokens are JWTs of one or two KiB).
const MAX_FILE: u64 = 64 * 1024;
/// How far in the future a token's issue time may be before the clock is distrusted.
const CLOCK_SLACK: Duration = Duration::from_secs(300);
const FORMAT: u32 = 1;

impl TokenCache {
    /// A cache in `dir`, created (mode 0700 on Unix) when the first token is stored.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        TokenCache { dir: dir.into() }
    }

    /// The cache in the user's cache directory, `atlas-snapshots` under
    /// `$XDG_CACHE_HOME` (if absolute), else `$HOME/.cache`; on macOS
    /// `$HOME/Library/Caches`, on Windows `%LOCALAPPDATA%`. `None` when the variable
    /// that applies is unset.
    pub fn user_default() -> Option<Self> {
        user_cache_dir(|name| std::env::var_os(name)).map(|dir| Self::in_dir(dir.join(APP_DIR)))
    }

    /// The directory the token files are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The user's cache directory by the platform's rules (Go's `os.UserCacheDir`, less
/// its error for a relative `XDG_CACHE_HOME`, which the XDG spec says to ignore).
fn user_cache_dir<V: Into<std::ffi::OsString>>(
    lookup: impl Fn(&str) -> Option<V>,
) -> Option<PathBuf> {
    let var = |name: &str| {
        lookup(name)
            .map(|v| PathBuf::from(v.into()))
            .filter(|p| p.is_absolute())
    };
    if cfg!(windows) {
        var("LOCALAPPDATA")
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|home| home.join("Library").join("Caches"))
    } else {
        var("XDG_CACHE_HOME").or_else(|| var("HOME").map(|home| home.join(".cache")))
    }
}

/// What a token file holds.
#[derive(Serialize, Deserialize)]
struct Stored {
    format: u32,
    base_url: String,
    client_id: String,
    access_token: String,
    /// Seconds since the Unix epoch.
    obtained_at: f64,
    expires_at: f64,
}

/// A token as read back: the secret and how long it has left of its lifetime.
pub(crate) struct Loaded {
    pub(crate) access_token: SecretString,
    pub(crate) lifetime: Duration,
    pub(crate) remaining: Duration,
}

/// The cache file of one base URL and client id.
pub(crate) struct CacheSlot {
    dir: PathBuf,
    name: String,
    base_url: String,
    client_id: String,
}

impl CacheSlot {
    pub(crate) fn new(cache: TokenCache, base_url: &str, client_id: &str) -> Self {
        let mut hash = Sha256::new();
        hash.update(base_url.as_bytes());
        // The NUL keeps ("ab", "c") and ("a", "bc") apart.
        hash.update([0]);
        hash.update(client_id.as_bytes());
        let name = format!("oauth-{:x}.json", hash.finalize());
        CacheSlot {
            dir: cache.dir,
            name,
            base_url: base_url.to_owned(),
            client_id: client_id.to_owned(),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.join(&self.name)
    }

    /// The cached token, if there is a trustworthy one that has not expired.
    pub(crate) fn load(&self) -> Option<Loaded> {
        match self.read() {
            Ok(loaded) => Some(loaded),
            Err(why) => {
                tracing::debug!(file = %self.path().display(), "token cache not used: {why}");
                None
            }
        }
    }

    fn read(&self) -> Result<Loaded, String> {
        let stored = self.read_stored()?;
        if stored.format != FORMAT {
            return Err(format!("format {} is not {FORMAT}", stored.format));
        }
        if stored.base_url != self.base_url || stored.client_id != self.client_id {
            return Err("it is for another base URL or client".into());
        }
        let token = &stored.access_token;
        // As a token reply is checked: it must fit an Authorization header.
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("its access token is not a bearer token".into());
        }
        let now = unix_now();
        let finite = stored.obtained_at.is_finite() && stored.expires_at.is_finite();
        if !finite
            || stored.obtained_at > now + CLOCK_SLACK.as_secs_f64()
            || stored.expires_at <= stored.obtained_at
            || stored.expires_at - stored.obtained_at > super::oauth::MAX_LIFETIME.as_secs_f64()
        {
            return Err("its times are not plausible".into());
        }
        if stored.expires_at <= now {
            return Err("its token has expired".into());
        }
        Ok(Loaded {
            access_token: SecretString::from(stored.access_token),
            lifetime: Duration::from_secs_f64(stored.expires_at - stored.obtained_at),
            remaining: Duration::from_secs_f64(stored.expires_at - now),
        })
    }

    fn read_stored(&self) -> Result<Stored, String> {
        let path = self.path();
        let link = fs::symlink_metadata(&path).map_err(|e| format!("reading it: {e}"))?;
        if !link.file_type().is_file() {
            return Err("it is not a regular file".into());
        }
        let file = File::open(&path).map_err(|e| format!("opening it: {e}"))?;
        // The opened file's own metadata: the path may have been replaced meanwhile.
        let meta = file.metadata().map_err(|e| format!("reading it: {e}"))?;
        trusted(&meta)?;
        if meta.len() > MAX_FILE {
            return Err(format!("it is over {MAX_FILE} bytes"));
        }
        let mut text = Vec::new();
        file.take(MAX_FILE + 1)
            .read_to_end(&mut text)
            .map_err(|e| format!("reading it: {e}"))?;
        if text.len() as u64 > MAX_FILE {
            return Err(format!("it is over {MAX_FILE} bytes"));
        }
        // serde_json's messages can quote the input; say only where it broke.
        serde_json::from_slice(&text).map_err(|e| {
            format!(
                "it is not a token file (line {}, column {})",
                e.line(),
                e.column()
            )
        })
    }

    /// Stores a token obtained `lifetime` ago plus `remaining`, replacing the file
    /// whole. Failures are logged and otherwise ignored: the token is still used.
    pub(crate) fn store(
        &self,
        access_token: &SecretString,
        lifetime: Duration,
        obtained: SystemTime,
    ) {
        if let Err(why) = self.write(access_token, lifetime, obtained) {
            tracing::debug!(dir = %self.dir.display(), "token not cached: {why}");
        }
    }

    fn write(
        &self,
        access_token: &SecretString,
        lifetime: Duration,
        obtained: SystemTime,
    ) -> Result<(), String> {
        create_private_dir(&self.dir)?;
        let obtained_at = obtained
            .duration_since(UNIX_EPOCH)
            .map_err(|_| "the clock is before 1970".to_owned())?
            .as_secs_f64();
        let stored = Stored {
            format: FORMAT,
            base_url: self.base_url.clone(),
            client_id: self.client_id.clone(),
            access_token: access_token.expose_secret().to_owned(),
            obtained_at,
            expires_at: obtained_at + lifetime.as_secs_f64(),
        };
        let text = SecretString::from(
            serde_json::to_string(&stored).map_err(|e| format!("encoding it: {e}"))?,
        );
        drop(stored);
        // A name no other run picks: process id and a random part.
        let temp = self.dir.join(format!(
            ".{}.{}-{:016x}.tmp",
            self.name,
            std::process::id(),
            fastrand::u64(..)
        ));
        let written = private_file(&temp)
            .and_then(|mut file| file.write_all(text.expose_secret().as_bytes()))
            .map_err(|e| format!("writing {}: {e}", temp.display()))
            // No fsync: a file torn by a crash is unparsable and so ignored, like none.
            .and_then(|()| {
                fs::rename(&temp, self.path()).map_err(|e| format!("renaming it into place: {e}"))
            });
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        written
    }

    /// Deletes the file if it holds `access_token` (Atlas refused it or it was
    /// revoked); a token another run stored meanwhile stays.
    pub(crate) fn remove(&self, access_token: &SecretString) {
        let holds_it = self
            .read_stored()
            .is_ok_and(|s| s.access_token == access_token.expose_secret());
        if holds_it && let Err(e) = fs::remove_file(self.path()) {
            tracing::debug!(file = %self.path().display(), "refused token not deleted: {e}");
        }
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Whether a file may be believed: on Unix, the current user's and unreadable by
/// anyone else. (Windows keeps `%LOCALAPPDATA%` private to the user by its ACLs.)
fn trusted(meta: &fs::Metadata) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        if meta.uid() != rustix::process::geteuid().as_raw() {
            return Err("it belongs to another user".into());
        }
        if meta.mode() & 0o077 != 0 {
            return Err(format!(
                "others may read it (mode {:03o})",
                meta.mode() & 0o777
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    Ok(())
}

/// Creates `dir` (mode 0700 on Unix) and checks that it is the user's own and that no
/// one else may write into it, who could otherwise swap files under us.
fn create_private_dir(dir: &Path) -> Result<(), String> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| format!("creating {}: {e}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let meta = fs::metadata(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
        if meta.uid() != rustix::process::geteuid().as_raw() || meta.mode() & 0o022 != 0 {
            return Err(format!(
                "{} is another user's or writable by others",
                dir.display()
            ));
        }
    }
    Ok(())
}

fn private_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_cache_dir_follows_the_platform_rules() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
        };
        let dir = user_cache_dir(env(&[("XDG_CACHE_HOME", "/x/cache"), ("HOME", "/h")]));
        let relative = user_cache_dir(env(&[("XDG_CACHE_HOME", "cache"), ("HOME", "/h")]));
        let home_only = user_cache_dir(env(&[("HOME", "/h")]));
        if cfg!(windows) {
            assert_eq!(
                user_cache_dir(env(&[("LOCALAPPDATA", "C:\\L")])),
                Some("C:\\L".into())
            );
        } else if cfg!(target_os = "macos") {
            assert_eq!(dir, Some("/h/Library/Caches".into()));
        } else {
            assert_eq!(dir, Some("/x/cache".into()));
            assert_eq!(relative, Some("/h/.cache".into()));
            assert_eq!(home_only, Some("/h/.cache".into()));
        }
        assert_eq!(user_cache_dir(env(&[])), None);
    }

    #[test]
    fn slots_are_named_by_url_and_client_only() {
        let cache = || TokenCache::in_dir("/c");
        let a = CacheSlot::new(cache(), "https://cloud.mongodb.com", "id");
        let b = CacheSlot::new(cache(), "https://cloud.mongodb.com", "id2");
        let c = CacheSlot::new(cache(), "https://cloud.mongodbgov.com", "id");
        let split = CacheSlot::new(cache(), "https://cloud.mongodb.comi", "d");
        assert_ne!(a.name, b.name);
        assert_ne!(a.name, c.name);
        assert_ne!(a.name, split.name);
        assert_eq!(a.name.len(), "oauth-.json".len() + 64);
    }
}
