#![cfg(unix)]
//! The opt-in on-disk token cache (`ClientBuilder::token_cache`): clients built one
//! after another, as short-lived processes would be, share one token through it; a
//! token is used only while valid, deleted when Atlas refuses it, and a file that is
//! not exactly the cache's own is ignored and replaced. Each client here is a fresh
//! in-memory state, so only the disk can carry a token from one to the next.

mod common;

use std::{
    fs,
    os::unix::fs::{PermissionsExt as _, symlink},
    path::{Path, PathBuf},
    sync::atomic::{AtomicU32, Ordering},
    time::{SystemTime, UNIX_EPOCH},
};

use atlas_snapshots::{Client, Credentials, PageRequest, TokenCache};
use atlas_snapshots_standin::StandIn;
use common::*;
use serde_json::{Value, json};

const CLIENT_ID: &str = "mdb_sa_id_cache";
const CLIENT_SECRET: &str = "mdb_sa_sk_cache-5ecret";

/// A fresh directory under Cargo's temporary directory for tests, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "token-cache-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create the test directory");
        TempDir(dir)
    }

    /// The cache directory, not created yet: the cache makes it.
    fn cache(&self) -> PathBuf {
        self.0.join("cache")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

async fn service_account_standin() -> StandIn {
    let standin = StandIn::builder()
        .service_account(CLIENT_ID, CLIENT_SECRET)
        .start()
        .await
        .expect("stand-in starts");
    seed(&standin, 2);
    standin
}

/// A new client (a new process, as far as tokens go) using the cache in `dir`.
fn client(standin: &StandIn, dir: &Path) -> Client {
    Client::builder()
        .base_url(standin.base_url())
        .credentials(Credentials::service_account(CLIENT_ID, CLIENT_SECRET))
        .token_cache(TokenCache::in_dir(dir))
        .build()
        .expect("client builds")
}

async fn call(client: &Client) {
    client
        .list_flex_backup_snapshots(GROUP, FLEX, PageRequest::new(1, 10))
        .await
        .expect("the call succeeds");
}

/// The one token file in `dir`.
fn token_file(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("the cache directory exists")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    assert_eq!(files.len(), 1, "one file, no temporary left: {files:?}");
    files.into_iter().next().expect("one file")
}

fn stored(dir: &Path) -> Value {
    serde_json::from_slice(&fs::read(token_file(dir)).expect("read the token file"))
        .expect("the token file is JSON")
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
}

/// The bearer token the last API request carried.
fn last_bearer(standin: &StandIn) -> String {
    standin
        .requests()
        .iter()
        .rev()
        .find(|r| r.path.starts_with("/api/atlas/"))
        .and_then(|r| r.header("authorization"))
        .and_then(|v| v.strip_prefix("Bearer "))
        .expect("an API request with a bearer token")
        .to_owned()
}

#[tokio::test]
async fn clients_one_after_another_share_one_token_through_the_cache() {
    let standin = service_account_standin().await;
    let tmp = TempDir::new("share");
    for _ in 0..5 {
        call(&client(&standin, &tmp.cache())).await;
    }
    assert_eq!(standin.token_requests(), 1);

    let file = token_file(&tmp.cache());
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&tmp.cache()), 0o700);
    let text = fs::read_to_string(&file).expect("read the token file");
    assert!(
        !text.contains(CLIENT_SECRET),
        "no client secret on disk: {text}"
    );
    let stored = stored(&tmp.cache());
    assert_eq!(stored["base_url"], json!(standin.base_url()));
    assert_eq!(stored["client_id"], json!(CLIENT_ID));
    assert_eq!(stored["access_token"], json!(last_bearer(&standin)));
    let name = file.file_name().and_then(|n| n.to_str()).expect("a name");
    assert!(!name.contains(CLIENT_ID), "the name is a hash: {name}");
}

#[tokio::test]
async fn without_the_cache_every_client_fetches_its_own_token() {
    let standin = service_account_standin().await;
    for _ in 0..3 {
        let client = Client::builder()
            .base_url(standin.base_url())
            .credentials(Credentials::service_account(CLIENT_ID, CLIENT_SECRET))
            .build()
            .expect("client builds");
        call(&client).await;
    }
    assert_eq!(standin.token_requests(), 3);
}

#[tokio::test]
async fn another_base_url_or_client_gets_its_own_file() {
    let standin = service_account_standin().await;
    let other = StandIn::builder()
        .service_account("mdb_sa_id_other", CLIENT_SECRET)
        .start()
        .await
        .expect("stand-in starts");
    seed(&other, 1);
    let tmp = TempDir::new("keys");
    call(&client(&standin, &tmp.cache())).await;
    let other_client = Client::builder()
        .base_url(other.base_url())
        .credentials(Credentials::service_account(
            "mdb_sa_id_other",
            CLIENT_SECRET,
        ))
        .token_cache(TokenCache::in_dir(tmp.cache()))
        .build()
        .expect("client builds");
    call(&other_client).await;
    assert_eq!((standin.token_requests(), other.token_requests()), (1, 1));
    assert_eq!(fs::read_dir(tmp.cache()).expect("the cache").count(), 2);
}

#[tokio::test]
async fn a_refused_cached_token_is_deleted_and_replaced_once() {
    let standin = service_account_standin().await;
    let tmp = TempDir::new("refused");
    call(&client(&standin, &tmp.cache())).await;
    let first = stored(&tmp.cache())["access_token"].clone();

    // Atlas forgets the token (revoked elsewhere, or expired early).
    standin.revoke_all_tokens();
    call(&client(&standin, &tmp.cache())).await;

    assert_eq!(standin.token_requests(), 2, "one new token after the 401");
    let second = stored(&tmp.cache())["access_token"].clone();
    assert_ne!(first, second, "the refused token was replaced");
    assert_eq!(json!(last_bearer(&standin)), second);
    call(&client(&standin, &tmp.cache())).await;
    assert_eq!(standin.token_requests(), 2, "the replacement is shared");
}

#[tokio::test]
async fn a_refused_token_is_deleted_even_without_a_new_one() {
    let standin = service_account_standin().await;
    let tmp = TempDir::new("deleted");
    call(&client(&standin, &tmp.cache())).await;
    standin.revoke_all_tokens();
    standin.set_token_rate_limited(true);
    let refused = client(&standin, &tmp.cache())
        .list_flex_backup_snapshots(GROUP, FLEX, PageRequest::new(1, 10))
        .await;
    assert!(refused.is_err(), "no token to be had: {refused:?}");
    assert_eq!(fs::read_dir(tmp.cache()).expect("the cache").count(), 0);
}

#[tokio::test]
async fn a_revoked_token_leaves_the_cache() {
    let standin = service_account_standin().await;
    let tmp = TempDir::new("revoke");
    let client = client(&standin, &tmp.cache());
    call(&client).await;
    client.revoke_token().await.expect("revoked");
    assert_eq!(fs::read_dir(tmp.cache()).expect("the cache").count(), 0);
}

#[tokio::test]
async fn a_token_due_for_refresh_is_not_taken_from_the_cache() {
    let standin = service_account_standin().await;
    let tmp = TempDir::new("due");
    call(&client(&standin, &tmp.cache())).await;
    // Still valid at Atlas, but within the early-refresh margin of its hour.
    let file = token_file(&tmp.cache());
    let mut token = stored(&tmp.cache());
    let now = unix_now();
    token["obtained_at"] = json!(now - 3590.0);
    token["expires_at"] = json!(now + 10.0);
    fs::write(&file, token.to_string()).expect("rewrite the token file");

    call(&client(&standin, &tmp.cache())).await;
    assert_eq!(standin.token_requests(), 2);
    let renewed = stored(&tmp.cache());
    assert!(renewed["expires_at"].as_f64().expect("a time") > now + 3000.0);
}

/// Each way a file can be unfit: written over the good one, then a new client must
/// ignore it, fetch, and leave a good file with mode 0600 again.
#[tokio::test]
async fn an_untrusted_cache_file_is_ignored_and_replaced() {
    let standin = service_account_standin().await;
    let tmp = TempDir::new("untrusted");
    call(&client(&standin, &tmp.cache())).await;
    let file = token_file(&tmp.cache());
    let good = stored(&tmp.cache());
    let with = |key: &str, value: Value| {
        let mut token = good.clone();
        token[key] = value;
        token.to_string()
    };
    let now = unix_now();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"\x00\xffnot json mdb_sa_sk_leak".to_vec()),
        ("empty", Vec::new()),
        ("torn", good.to_string().as_bytes()[..20].to_vec()),
        ("oversized", vec![b' '; 100 * 1024]),
        (
            "another base URL",
            with("base_url", json!("https://cloud.mongodb.com")).into_bytes(),
        ),
        (
            "another client",
            with("client_id", json!("mdb_sa_id_x")).into_bytes(),
        ),
        ("another format", with("format", json!(2)).into_bytes()),
        (
            "a header-splitting token",
            with("access_token", json!("a\r\nb")).into_bytes(),
        ),
        (
            "an expired token",
            with("expires_at", json!(now - 1.0)).into_bytes(),
        ),
        (
            "from the future",
            with("obtained_at", json!(now + 86_400.0)).into_bytes(),
        ),
        (
            "a lifetime over a day",
            with("expires_at", json!(now + 100.0 * 86_400.0)).into_bytes(),
        ),
        (
            "a number as token",
            with("access_token", json!(5)).into_bytes(),
        ),
    ];
    for (i, (case, bytes)) in cases.into_iter().enumerate() {
        fs::write(&file, &bytes).expect("write the bad file");
        call(&client(&standin, &tmp.cache())).await;
        assert_eq!(
            standin.token_requests(),
            2 + i as u64,
            "{case}: fetched anew"
        );
        assert_eq!(mode(&token_file(&tmp.cache())), 0o600, "{case}");
        assert_eq!(
            stored(&tmp.cache())["access_token"],
            json!(last_bearer(&standin)),
            "{case}: replaced by the new token"
        );
    }
}

#[tokio::test]
async fn a_file_others_can_read_or_a_symlink_is_not_trusted() {
    let standin = service_account_standin().await;
    let tmp = TempDir::new("perms");
    call(&client(&standin, &tmp.cache())).await;
    let file = token_file(&tmp.cache());

    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).expect("chmod");
    call(&client(&standin, &tmp.cache())).await;
    assert_eq!(standin.token_requests(), 2, "a 0644 file is not used");
    assert_eq!(mode(&token_file(&tmp.cache())), 0o600, "and is replaced");

    // A symlink to a good token file elsewhere.
    let elsewhere = tmp.0.join("elsewhere.json");
    fs::rename(&file, &elsewhere).expect("move the file away");
    symlink(&elsewhere, &file).expect("symlink");
    call(&client(&standin, &tmp.cache())).await;
    assert_eq!(standin.token_requests(), 3, "a symlink is not followed");
    assert!(!fs::symlink_metadata(&file).expect("the file").is_symlink());
}

#[tokio::test]
async fn another_users_file_is_not_trusted() {
    let standin = service_account_standin().await;
    let tmp = TempDir::new("owner");
    call(&client(&standin, &tmp.cache())).await;
    let file = token_file(&tmp.cache());
    // Only root can give a file away; elsewhere this case cannot be set up.
    if std::os::unix::fs::chown(&file, Some(65_534), None).is_err() {
        eprintln!("skipped: chown needs root");
        return;
    }
    call(&client(&standin, &tmp.cache())).await;
    assert_eq!(standin.token_requests(), 2);
    use std::os::unix::fs::MetadataExt as _;
    assert_ne!(
        fs::metadata(token_file(&tmp.cache())).expect("meta").uid(),
        65_534
    );
}

#[tokio::test]
async fn a_cache_directory_others_can_write_to_is_not_used() {
    let standin = service_account_standin().await;
    let tmp = TempDir::new("opendir");
    fs::create_dir(tmp.cache()).expect("create the cache dir");
    fs::set_permissions(tmp.cache(), fs::Permissions::from_mode(0o777)).expect("chmod");
    call(&client(&standin, &tmp.cache())).await;
    call(&client(&standin, &tmp.cache())).await;
    assert_eq!(standin.token_requests(), 2);
    assert_eq!(fs::read_dir(tmp.cache()).expect("the cache").count(), 0);
}

#[tokio::test]
async fn an_unusable_cache_location_never_fails_a_call() {
    let standin = service_account_standin().await;
    let tmp = TempDir::new("unusable");
    let blocker = tmp.0.join("a-file");
    fs::write(&blocker, b"not a directory").expect("write");
    // The cache "directory" is below a regular file: it can be neither read nor made.
    call(&client(&standin, &blocker.join("cache"))).await;
    call(&client(&standin, &blocker.join("cache"))).await;
    assert_eq!(standin.token_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_clients_leave_one_valid_file() {
    let standin = service_account_standin().await;
    let tmp = TempDir::new("race");
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let client = client(&standin, &tmp.cache());
            tokio::spawn(async move { call(&client).await })
        })
        .collect();
    for call in calls {
        call.await.expect("the call task");
    }
    let issued = standin.token_requests();
    assert!((1..=8).contains(&issued), "{issued} token requests");
    assert_eq!(mode(&token_file(&tmp.cache())), 0o600);
    // Whichever run's token won, the next client uses it without a token request.
    call(&client(&standin, &tmp.cache())).await;
    assert_eq!(standin.token_requests(), issued);
    assert_eq!(
        stored(&tmp.cache())["access_token"],
        json!(last_bearer(&standin))
    );
}

#[test]
fn the_cache_shows_its_directory_and_nothing_else() {
    let cache = TokenCache::in_dir("/var/cache/me");
    assert_eq!(
        format!("{cache:?}"),
        r#"TokenCache { dir: "/var/cache/me" }"#
    );
    assert_eq!(cache.dir(), Path::new("/var/cache/me"));
    let builder = Client::builder()
        .credentials(Credentials::service_account(CLIENT_ID, CLIENT_SECRET))
        .token_cache(cache);
    let shown = format!("{builder:?}");
    assert!(
        shown.contains("/var/cache/me") && !shown.contains(CLIENT_SECRET),
        "{shown}"
    );
}

#[test]
fn the_user_default_is_under_the_user_cache_directory() {
    if rerun_alone(
        "the_user_default_is_under_the_user_cache_directory",
        &[("HOME", "/home/u"), ("XDG_CACHE_HOME", "/xdg/cache")],
    ) {
        return;
    }
    let dir = TokenCache::user_default().expect("a cache directory");
    if cfg!(target_os = "macos") {
        assert_eq!(
            dir.dir(),
            Path::new("/home/u/Library/Caches/atlas-snapshots")
        );
    } else {
        assert_eq!(dir.dir(), Path::new("/xdg/cache/atlas-snapshots"));
    }
}
