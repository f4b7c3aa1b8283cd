//! A faithful, fast imitation of the Atlas Admin API v2 Serverless-to-Flex backup
//! endpoints.
//!
//! [`StandIn`] is a real HTTP/1.1 server on `127.0.0.1` (a free port) that speaks the
//! Serverless instance and Flex cluster operations with their snapshots, restore jobs
//! and downloads (one [`Operation`] each), Atlas error bodies, HTTP Digest and OAuth
//! service-account authentication, deprecation/sunset headers, the `envelope` query
//! parameter, and a set of injectable [`Fault`]s. It exists so that the tests of Atlas
//! clients (users of the `atlas-snapshots` SDK, and the SDK's own tests and benchmarks)
//! run against something that behaves like Atlas without a network. It does not depend
//! on the SDK, so a client is checked against an independent reading of Atlas.
//!
//! ```no_run
//! use atlas_snapshots_standin::{sample, StandIn};
//!
//! # async fn demo() -> std::io::Result<()> {
//! let standin = StandIn::builder().digest("PUBLICKEY", "private-key").start().await?;
//! let snapshots = (0..250).map(sample::serverless_snapshot).collect();
//! standin.seed_serverless(sample::GROUP_ID, "Serverless0", snapshots);
//! println!("Atlas stand-in at {}", standin.base_url());
//! # Ok(())
//! # }
//! ```
//!
//! Everything that differs from real Atlas on purpose is listed under
//! "Deliberate deviations" in the docs of [`StandIn`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The README's example compiles as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;

mod auth;
mod body;
mod digest;
mod envelope;
mod faults;
mod oauth;
mod operation;
mod recording;
mod restore;
mod routes;
pub mod sample;
mod store;

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use chrono::NaiveDate;
use http::header::{HeaderValue, InvalidHeaderValue};
use http::{Request, Response};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use digest::DigestAlgorithm;
pub use faults::{Fault, FaultScope, RateLimitHeaders};
pub use operation::Operation;
pub use recording::RecordedRequest;
pub use restore::RestoreOutcome;

use body::ResBody;
use operation::Family;

/// Media type of the serverless snapshot operations (`2023-01-01`).
pub const SERVERLESS_MEDIA_TYPE: &str = "application/vnd.atlas.2023-01-01+json";
/// Media type of the flex snapshot operations (`2024-11-13`).
pub const FLEX_MEDIA_TYPE: &str = "application/vnd.atlas.2024-11-13+json";
/// The Digest realm Atlas uses.
pub const DIGEST_REALM: &str = "MMS Public API";

/// Largest request body the stand-in reads (larger bodies get 413).
const MAX_REQUEST_BODY: usize = 1 << 20;

/// Locks a mutex, ignoring poisoning (a panicking test thread must not wedge the server).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Counters the stand-in keeps; all are monotonic.
#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    unauthorized: AtomicU64,
    token_requests: AtomicU64,
    connections: AtomicU64,
    /// Per operation: requests that passed authentication.
    attempts: [AtomicU64; operation::COUNT],
    /// Per operation: restore jobs and downloads recorded.
    creates: [AtomicU64; operation::COUNT],
}

/// Runtime-mutable lifecycle, envelope and restore-job settings.
#[derive(Default)]
struct Knobs {
    gone: bool,
    /// The stand-in's date for sunsets; `None` never reaches one.
    today: Option<NaiveDate>,
    deprecation: Option<HeaderValue>,
    sunset: Option<HeaderValue>,
    envelope_errors_plain: bool,
    plan: restore::Plan,
}

/// A date that is not `YYYY-MM-DD` (from [`StandIn::set_today`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDate(String);

impl std::fmt::Display for InvalidDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not a YYYY-MM-DD date: {:?}", self.0)
    }
}

impl std::error::Error for InvalidDate {}

/// Everything the connection tasks share.
struct Shared {
    base_url: String,
    data: RwLock<store::Store>,
    auth: Mutex<auth::AuthConfig>,
    nonces: Mutex<digest::NonceStore>,
    tokens: Mutex<oauth::TokenStore>,
    knobs: Mutex<Knobs>,
    faults: Mutex<faults::FaultState>,
    recorder: recording::Recorder,
    counters: Counters,
}

/// Error returned by the service to make hyper drop the connection without a response.
#[derive(Debug)]
struct ResetConnection;

impl std::fmt::Display for ResetConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stand-in fault: connection reset")
    }
}

impl std::error::Error for ResetConnection {}

/// Configuration for a [`StandIn`]; create it with [`StandIn::builder`].
///
/// With no authentication configured, every request is accepted (and the OAuth token
/// endpoint issues tokens to any well-formed Basic credentials).
#[derive(Debug, Clone)]
pub struct StandInBuilder {
    port: u16,
    auth: auth::AuthConfig,
    nonce_max_uses: Option<u32>,
    nonce_lifetime: Option<Duration>,
    token_lifetime: Duration,
    record_limit: usize,
    plan: restore::Plan,
}

impl Default for StandInBuilder {
    fn default() -> Self {
        Self {
            port: 0,
            auth: auth::AuthConfig::default(),
            nonce_max_uses: None,
            nonce_lifetime: None,
            token_lifetime: Duration::from_secs(3600),
            record_limit: 10_000,
            plan: restore::Plan::default(),
        }
    }
}

impl StandInBuilder {
    /// Binds this port instead of a free one (0, the default, picks a free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Accepts `Authorization: Bearer <token>` with this static token.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.auth.bearer = Some(token.into());
        self
    }

    /// Requires HTTP Digest with this API key pair (public key is the username).
    pub fn digest(mut self, public_key: impl Into<String>, private_key: impl Into<String>) -> Self {
        self.auth.digest = Some(auth::DigestCredentials {
            public_key: public_key.into(),
            private_key: private_key.into(),
        });
        self
    }

    /// Also offers a second `WWW-Authenticate` challenge with `algorithm=SHA-256`
    /// (and accepts SHA-256 responses). Off by default, as on real Atlas.
    pub fn digest_sha256(mut self, offer: bool) -> Self {
        self.auth.digest_settings.algorithms = if offer {
            vec![DigestAlgorithm::Md5, DigestAlgorithm::Sha256]
        } else {
            vec![DigestAlgorithm::Md5]
        };
        self
    }

    /// Offers these algorithms, one challenge each in this order, and accepts responses
    /// in any of them (and no other). Default: MD5 alone, as on real Atlas; an empty list
    /// keeps the default.
    pub fn digest_algorithms(
        mut self,
        algorithms: impl IntoIterator<Item = DigestAlgorithm>,
    ) -> Self {
        let algorithms: Vec<_> = algorithms.into_iter().collect();
        if !algorithms.is_empty() {
            self.auth.digest_settings.algorithms = algorithms;
        }
        self
    }

    /// With `true`, a nonce count must be exactly one more than the last one accepted for
    /// its nonce, as Apache's `AuthDigestNcCheck On` wants; any other count gets a 401
    /// with a fresh challenge, not `stale`, and does not move the count. Stricter than
    /// RFC 7616 (concurrent requests arrive out of order). Default: `false`.
    pub fn digest_strict_nc(mut self, strict: bool) -> Self {
        self.auth.digest_settings.strict_nc = strict;
        self
    }

    /// With `true`, every answer to a valid digest carries `Authentication-Info` with a
    /// fresh `nextnonce` (and `rspauth`), RFC 7616 §3.5; the old nonce stays valid within
    /// its limits. Default: `false`.
    pub fn digest_next_nonce(mut self, next_nonce: bool) -> Self {
        self.auth.digest_settings.next_nonce = next_nonce;
        self
    }

    /// With `true`, every challenge goes in one `WWW-Authenticate` header, after a
    /// `Basic` one (as servers that offer several schemes send them). Default: `false`,
    /// one header per Digest challenge.
    pub fn digest_one_header(mut self, one_header: bool) -> Self {
        self.auth.digest_settings.one_header = one_header;
        self
    }

    /// A nonce may authenticate at most this many requests; after that a request with a
    /// valid digest gets 401 with `stale=true`. Default: unlimited.
    pub fn nonce_max_uses(mut self, uses: u32) -> Self {
        self.nonce_max_uses = Some(uses);
        self
    }

    /// A nonce expires this long after it was issued (then `stale=true`). Default: never.
    pub fn nonce_lifetime(mut self, lifetime: Duration) -> Self {
        self.nonce_lifetime = Some(lifetime);
        self
    }

    /// Enables the OAuth service account `client_id`/`client_secret` at `/api/oauth/token`.
    pub fn service_account(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.auth.service_account = Some(auth::ServiceAccount {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        });
        self
    }

    /// Lifetime of issued OAuth access tokens (default one hour; one second works).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Keeps at most this many recorded requests, dropping the oldest (default 10 000).
    pub fn record_limit(mut self, limit: usize) -> Self {
        self.record_limit = limit;
        self
    }

    /// How long each of a restore job's three steps takes (Flex `PENDING`, `QUEUED`,
    /// `RUNNING`; a Serverless job is unfinished for all three), measured from its create
    /// when it is read. Default 250 ms; zero finishes jobs at once.
    pub fn restore_step(mut self, step: Duration) -> Self {
        self.plan.step = step;
        self
    }

    /// How long a download link works after its request (Atlas: four hours, the default).
    pub fn download_link_lifetime(mut self, lifetime: Duration) -> Self {
        self.plan.link_lifetime = lifetime;
        self
    }

    /// Binds `127.0.0.1` and starts serving on the current tokio runtime.
    ///
    /// # Errors
    /// Fails when the port cannot be bound.
    pub async fn start(self) -> io::Result<StandIn> {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            data: RwLock::new(store::Store::default()),
            auth: Mutex::new(self.auth),
            nonces: Mutex::new(digest::NonceStore::new(
                self.nonce_max_uses,
                self.nonce_lifetime,
            )),
            tokens: Mutex::new(oauth::TokenStore::new(self.token_lifetime)),
            knobs: Mutex::new(Knobs {
                plan: self.plan,
                ..Knobs::default()
            }),
            faults: Mutex::new(faults::FaultState::default()),
            recorder: recording::Recorder::new(self.record_limit),
            counters: Counters::default(),
        });
        let (shutdown, shutdown_rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared), shutdown_rx));
        Ok(StandIn {
            shared,
            addr,
            shutdown,
            task: Some(task),
        })
    }
}

/// A running Atlas stand-in server on `127.0.0.1`; stops when dropped.
///
/// Serves the Serverless-to-Flex backup domain under `/api/atlas/v2/groups/{groupId}/`,
/// one route per [`Operation`]: Serverless instances, their snapshots and restore jobs
/// (`serverless…`, media type [`SERVERLESS_MEDIA_TYPE`], deprecated), Flex clusters,
/// their snapshots, restore jobs and downloads (`flexClusters…`, [`FLEX_MEDIA_TYPE`]),
/// `POST /api/oauth/token` / `POST /api/oauth/revoke`, and the download links it hands
/// out (`GET /standin/downloads/…`, unsigned like a pre-signed URL, and outside the
/// fault knobs and the per-operation counters).
///
/// Request handling order for API routes: authentication (401) → attempt counted
/// ([`StandIn::attempts`]) → fault injection → route match (404) → sunset (410,
/// deprecated operations only) → `Accept` (406) → `Content-Type` of a body (415) → path
/// parameters (400) → query parameters (400) → body (400) → data (200 or 404; a create
/// is recorded, [`StandIn::creates`]).
///
/// Restore jobs (and downloads, which are restore jobs with delivery type `DOWNLOAD`)
/// move through their states as time passes, computed when they are read: three steps
/// of [`StandInBuilder::restore_step`] each, then the [`RestoreOutcome`] set when they
/// were created. A Flex job is `PENDING`, `QUEUED`, `RUNNING`, then `COMPLETED` or
/// `FAILED` with `restoreFinishedDate`; a Serverless job has `finishedAt` (and
/// `failed`) once done. A download carries its link (`snapshotUrl`, Serverless
/// `deliveryUrl`) and `expirationDate`/`expiresAt`; a Serverless one says `expired`, and
/// the link itself answers 403 once expired.
///
/// # Deliberate deviations from real Atlas
/// - The 406 error code is `INVALID_VERSION_DATE` for any unacceptable `Accept`, including
///   a missing header, `*/*` and `application/json` (Atlas may default or differ). Strict
///   on purpose: the client always sends the operation's exact vendor type, and a lenient
///   stand-in would hide a regression there. The spec does not declare these 406s, so spec
///   fuzzers (Schemathesis) flag them.
/// - Every 401 carries an Atlas error body with errorCode `UNAUTHORIZED`; with Digest
///   configured it also carries the challenge(s). A digest `uri` that differs from the
///   request target is a 401 (RFC 7616 allows 400).
/// - A digest for an unknown nonce (e.g. issued by another server) with a correct
///   response gets `stale=true`. A nonce count is refused only when it was used before
///   or is more than 63 below the highest seen (concurrent requests arrive out of
///   order), unless [`StandInBuilder::digest_strict_nc`] asks for counts in arrival
///   order; whether Atlas checks counts at all is not documented.
/// - Under `envelope=true` the spec describes the envelope in prose only, so a spec
///   validator (Prism, Schemathesis) flags enveloped bodies and their `status` field,
///   which Atlas adds but no schema declares; and 410 `VERSION_GONE` is not among the
///   spec's responses for these operations, though Atlas sends it after a sunset.
/// - A version goes gone only when asked ([`StandIn::set_gone`], [`StandIn::set_today`]),
///   not by the real calendar, so tests do not change with the date. After
///   2026-01-15 Atlas's Serverless instance list leaves out migrated instances; the
///   stand-in lists every seeded one.
/// - A 404 for an unknown snapshot or restore job uses errorCode `RESOURCE_NOT_FOUND`
///   with parameters `[<raw request path>, <number of snapshots or jobs in that
///   cluster>]`; an unknown group (nothing seeded in it) or cluster is a 404 with the
///   same code and `0`. Unknown routes and wrong methods are 404 (no 405).
/// - A request body whose `Content-Type` is not the operation's vendor media type is 415
///   `UNSUPPORTED_MEDIA_TYPE` with parameters `[<Content-Type sent>, <media type>]`
///   (strict like `Accept`; Atlas's exact answer is not documented). A body that is not a
///   JSON object, lacks a required field or has one off its type or pattern is 400
///   `VALIDATION_ERROR` naming the field in `parameters` and `badRequestDetail.fields`
///   (the first one found); unknown fields are ignored. A Serverless restore needs
///   `snapshotId` unless its `deliveryType` is `pointInTime`. The snapshot to restore
///   must exist in the cluster (404); the restore target is not checked.
/// - A cluster keeps at most 10 000 restore jobs; a create beyond that is 409
///   `TOO_MANY_RESTORE_JOBS`. Jobs are listed oldest first.
/// - Download links point at the stand-in itself: `GET` serves a small placeholder (not a
///   real archive) while the link lives, and 403 with an S3-style `AccessDenied`
///   "Request has expired" XML body after.
/// - Invalid path parameters use errorCode `INVALID_PARAMETER` with parameters
///   `[<name>, <value>]`; invalid query values the same with an integer value when it
///   parsed as one (e.g. `["itemsPerPage", 501]`). The spec types `parameters` as an
///   array of objects; real Atlas answers carry strings and numbers there, as here.
/// - `envelope`, `includeCount` and `pretty` must be `true` or `false` (any case), else
///   400 `INVALID_PARAMETER` (e.g. `["pretty", "banana"]`); `pretty=true` is accepted but
///   the body stays compact (Atlas only changes whitespace).
/// - `pageNum` has the spec's only bound, `minimum: 1`. A page past the end is an empty
///   page, also beyond 2^64 - 1, which is read as 2^64 - 1 (its `previous` link says so).
/// - Lists come back in seeding order (Atlas sorts newest first); list links contain
///   `self` (the request URL as received) plus `next`/`previous` where they exist.
/// - OAuth access tokens are opaque random hex strings, not JWTs; the token endpoint's
///   throttled answer is 429 `{"error":"rate_limit_exceeded",...}` with `Retry-After: 1`.
/// - Under `envelope=true`, Atlas-body errors after authentication (including injected
///   status faults) become HTTP 200 `{"status":..,"content":..}`; 401s are never wrapped.
/// - Recorded header names are lowercase, and repeated headers are grouped with the first
///   occurrence of their name (hyper's `HeaderMap` order).
pub struct StandIn {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for StandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StandIn").field("addr", &self.addr).finish()
    }
}

impl StandIn {
    /// Starts a stand-in with the default configuration (no authentication required).
    ///
    /// # Errors
    /// Fails when no loopback port can be bound.
    pub async fn start() -> io::Result<StandIn> {
        StandInBuilder::default().start().await
    }

    /// A builder for a configured stand-in.
    pub fn builder() -> StandInBuilder {
        StandInBuilder::default()
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets open connections finish their current request, and waits
    /// for the accept loop to end. Dropping the stand-in does the same without waiting.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    // ----- data -----

    /// Replaces the snapshots of serverless instance `cluster_name` in `group_id`.
    ///
    /// Each value is served exactly as given (its `"id"` string is the key for get);
    /// seeding an empty vector creates an empty instance (unseeded ones are 404). An
    /// instance seeded here is also served by the instance operations, with
    /// [`sample::serverless_instance_in`] as its description until
    /// [`Self::seed_serverless_instance`] replaces it. Its restore jobs are kept.
    pub fn seed_serverless(&self, group_id: &str, cluster_name: &str, snapshots: Vec<Value>) {
        self.data().set_snapshots(
            Family::Serverless,
            group_id,
            cluster_name,
            store::Snapshots::new(&snapshots),
        );
    }

    /// Replaces the snapshots of flex cluster `name` in `group_id` (see
    /// [`Self::seed_serverless`]; the description defaults to [`sample::flex_cluster_in`]).
    pub fn seed_flex(&self, group_id: &str, name: &str, snapshots: Vec<Value>) {
        self.data().set_snapshots(
            Family::Flex,
            group_id,
            name,
            store::Snapshots::new(&snapshots),
        );
    }

    /// Sets what the Serverless instance operations answer for instance `name` (served
    /// exactly as given), creating the instance without snapshots if it is new.
    pub fn seed_serverless_instance(&self, group_id: &str, name: &str, description: Value) {
        self.data()
            .set_description(Family::Serverless, group_id, name, &description);
    }

    /// Sets what the Flex cluster operations answer for cluster `name` (served exactly as
    /// given), creating the cluster without snapshots if it is new.
    pub fn seed_flex_cluster(&self, group_id: &str, name: &str, description: Value) {
        self.data()
            .set_description(Family::Flex, group_id, name, &description);
    }

    /// Seeds the migration world described in [`sample::WORLD`]: two groups with Flex
    /// clusters, some migrated from Serverless instances (the same name, id and
    /// snapshot ids in both families) and a Serverless instance never migrated, each
    /// with [`sample::WORLD_SNAPSHOTS`] snapshots. Adds to what is already seeded.
    pub fn seed_migration_world(&self) {
        for d in sample::WORLD {
            let (g, n) = (d.group_id, d.name);
            let snapshots = |f: fn(&str, &str, u32) -> Value| {
                (0..sample::WORLD_SNAPSHOTS).map(|i| f(g, n, i)).collect()
            };
            if d.serverless {
                self.seed_serverless(g, n, snapshots(sample::serverless_snapshot_in));
            }
            if d.flex {
                let flex = if d.serverless {
                    sample::migrated_flex_snapshot_in
                } else {
                    sample::flex_snapshot_in
                };
                self.seed_flex(g, n, snapshots(flex));
            }
        }
    }

    fn data(&self) -> std::sync::RwLockWriteGuard<'_, store::Store> {
        self.shared
            .data
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Removes every seeded deployment, snapshot and restore job.
    pub fn clear_data(&self) {
        *self.data() = store::Store::default();
    }

    // ----- restore jobs -----

    /// Sets the step duration of restore jobs created from now on (see
    /// [`StandInBuilder::restore_step`]).
    pub fn set_restore_step(&self, step: Duration) {
        lock(&self.shared.knobs).plan.step = step;
    }

    /// Sets how restore jobs created from now on end (default
    /// [`RestoreOutcome::Completed`]). Jobs already created keep theirs.
    pub fn set_restore_outcome(&self, outcome: RestoreOutcome) {
        lock(&self.shared.knobs).plan.outcome = outcome;
    }

    /// Sets how long the links of downloads requested from now on work (see
    /// [`StandInBuilder::download_link_lifetime`]).
    pub fn set_download_link_lifetime(&self, lifetime: Duration) {
        lock(&self.shared.knobs).plan.link_lifetime = lifetime;
    }

    // ----- faults -----

    /// Injects `fault` into the next `times` API requests (after authentication), or into
    /// every one with `None`. Replaces any previous fault.
    pub fn set_fault(&self, fault: Fault, times: Option<u32>) {
        self.set_fault_scoped(fault, FaultScope::all(), times);
    }

    /// Injects `fault` into the next `times` API requests in `scope` (an operation, a
    /// method, after skipping some), or into every one with `None`. Replaces any
    /// previous fault.
    pub fn set_fault_scoped(&self, fault: Fault, scope: FaultScope, times: Option<u32>) {
        lock(&self.shared.faults).set(fault, times, scope);
    }

    /// Removes the active fault.
    pub fn clear_fault(&self) {
        lock(&self.shared.faults).clear();
    }

    /// How many requests a fault has been injected into so far.
    pub fn faults_injected(&self) -> u64 {
        lock(&self.shared.faults).injected()
    }

    // ----- lifecycle and envelope -----

    /// "Gone" mode: every deprecated (Serverless) operation answers 410 `VERSION_GONE`,
    /// whatever its sunset.
    pub fn set_gone(&self, gone: bool) {
        lock(&self.shared.knobs).gone = gone;
    }

    /// The stand-in's date for sunsets: with `Some("YYYY-MM-DD")`, each deprecated
    /// operation answers 410 `VERSION_GONE` once the date is after its version's sunset
    /// ([`Operation::sunset`]: 2027-01-18 for the Serverless instance operations,
    /// 2026-01-22 for Serverless snapshots and restore jobs), as [`Self::set_gone`]
    /// does for all of them. `None` (the default) reaches no sunset.
    ///
    /// # Errors
    /// Fails when the date is not `YYYY-MM-DD`; the previous date stays.
    pub fn set_today(&self, date: Option<&str>) -> Result<(), InvalidDate> {
        let date = date
            .map(|d| {
                NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| InvalidDate(d.to_owned()))
            })
            .transpose()?;
        lock(&self.shared.knobs).today = date;
        Ok(())
    }

    /// Sets (or removes) the `Deprecation` header value on responses of deprecated
    /// (Serverless) operations,
    /// e.g. `"@1769040000"`, `"true"` or `"Wed, 1 Feb 2023 00:00:00 GMT"`.
    ///
    /// # Errors
    /// Fails when the value is not a valid header value.
    pub fn set_deprecation(&self, value: Option<&str>) -> Result<(), InvalidHeaderValue> {
        let value = value.map(HeaderValue::from_str).transpose()?;
        lock(&self.shared.knobs).deprecation = value;
        Ok(())
    }

    /// Sets (or removes) the `Sunset` header value on responses of deprecated operations.
    ///
    /// # Errors
    /// Fails when the value is not a valid header value.
    pub fn set_sunset(&self, value: Option<&str>) -> Result<(), InvalidHeaderValue> {
        let value = value.map(HeaderValue::from_str).transpose()?;
        lock(&self.shared.knobs).sunset = value;
        Ok(())
    }

    /// With `true`, errors under `envelope=true` keep their real HTTP status (body still
    /// wrapped). Default `false`: enveloped errors are sent as HTTP 200.
    pub fn set_envelope_errors_plain(&self, plain: bool) {
        lock(&self.shared.knobs).envelope_errors_plain = plain;
    }

    // ----- auth -----

    /// Replaces (or removes) the static bearer token.
    pub fn set_bearer_token(&self, token: Option<&str>) {
        lock(&self.shared.auth).bearer = token.map(str::to_owned);
    }

    /// Sets the maximum number of uses per digest nonce (`None` = unlimited).
    pub fn set_nonce_max_uses(&self, uses: Option<u32>) {
        lock(&self.shared.nonces).set_max_uses(uses);
    }

    /// Sets the digest nonce lifetime (`None` = forever).
    pub fn set_nonce_lifetime(&self, lifetime: Option<Duration>) {
        lock(&self.shared.nonces).set_lifetime(lifetime);
    }

    /// Marks every nonce issued so far as expired (its next valid use gets `stale=true`).
    pub fn expire_nonces(&self) {
        lock(&self.shared.nonces).expire_all();
    }

    /// Sets the lifetime of OAuth tokens issued from now on.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        lock(&self.shared.tokens).set_lifetime(lifetime);
    }

    /// While `true`, `POST /api/oauth/token` answers 429.
    pub fn set_token_rate_limited(&self, limited: bool) {
        lock(&self.shared.tokens).set_rate_limited(limited);
    }

    /// Invalidates every issued OAuth token.
    pub fn revoke_all_tokens(&self) {
        lock(&self.shared.tokens).clear();
    }

    // ----- recording and counters -----

    /// Every request received so far (up to the record limit), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorder.snapshot()
    }

    /// Forgets the recorded requests (counters are kept).
    pub fn clear_requests(&self) {
        self.shared.recorder.clear();
    }

    /// Turns request recording on or off (on by default; off for benchmarks).
    pub fn set_recording(&self, on: bool) {
        self.shared.recorder.set_enabled(on);
    }

    /// Total requests received (any route, including OAuth).
    pub fn request_count(&self) -> u64 {
        self.shared.counters.requests.load(Ordering::Relaxed)
    }

    /// Number of 401 responses sent.
    pub fn unauthorized_count(&self) -> u64 {
        self.shared.counters.unauthorized.load(Ordering::Relaxed)
    }

    /// Number of requests to `POST /api/oauth/token`.
    pub fn token_requests(&self) -> u64 {
        self.shared.counters.token_requests.load(Ordering::Relaxed)
    }

    /// Number of TCP connections accepted.
    pub fn connections_accepted(&self) -> u64 {
        self.shared.counters.connections.load(Ordering::Relaxed)
    }

    /// Requests of `operation` that passed authentication, whatever became of them
    /// (faults, errors and successes alike).
    pub fn attempts(&self, operation: Operation) -> u64 {
        self.shared.counters.attempts[operation.index()].load(Ordering::Relaxed)
    }

    /// Restore jobs (or downloads) `operation` recorded: requests that were processed,
    /// even if the answer never reached the client ([`Fault::ResetAfterProcessing`]).
    /// Always 0 for operations that create nothing.
    pub fn creates(&self, operation: Operation) -> u64 {
        self.shared.counters.creates[operation.index()].load(Ordering::Relaxed)
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).keep_alive(true);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors and the like: back off briefly instead of spinning.
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        shared.counters.connections.fetch_add(1, Ordering::Relaxed);
        let shared = Arc::clone(&shared);
        let builder = builder.clone();
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(Arc::clone(&shared), req));
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = shutdown.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
}

/// Handles one request: record, route to OAuth or the API, count 401s.
async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<ResBody>, ResetConnection> {
    shared.counters.requests.fetch_add(1, Ordering::Relaxed);
    let (parts, incoming) = req.into_parts();
    let (body, too_large) = match Limited::new(incoming, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => (collected.to_bytes(), false),
        Err(_) => (bytes::Bytes::new(), true),
    };
    shared.recorder.record(&parts, &body);
    let response = if too_large {
        envelope::error_response(
            &envelope::ApiError::new(
                http::StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "The request body is too large.",
            ),
            false,
            false,
        )
    } else if let Some(resp) = oauth::handle(&shared, &parts, &body) {
        resp
    } else if let Some(resp) = routes::download_link(&shared, &parts) {
        resp
    } else {
        api(&shared, &parts, &body).await?
    };
    if response.status() == http::StatusCode::UNAUTHORIZED {
        shared.counters.unauthorized.fetch_add(1, Ordering::Relaxed);
    }
    Ok(response)
}

/// The API routes: auth, attempt count, faults, then the routes proper.
async fn api(
    shared: &Shared,
    parts: &http::request::Parts,
    body: &[u8],
) -> Result<Response<ResBody>, ResetConnection> {
    let auth_info = match auth::check(shared, parts) {
        Ok(info) => info,
        Err(resp) => return Ok(*resp),
    };
    let route = routes::match_route(&parts.method, parts.uri.path());
    let operation = route.as_ref().map(|r| r.op);
    if let Some(op) = operation {
        shared.counters.attempts[op.index()].fetch_add(1, Ordering::Relaxed);
    }
    let fault = lock(&shared.faults).take(operation, &parts.method);
    let envelope = routes::envelope_requested(parts.uri.query());
    let plain_errors = lock(&shared.knobs).envelope_errors_plain;
    let real = |parts: &http::request::Parts| routes::dispatch(shared, parts, body, route.as_ref());
    let mut response = match fault {
        None => real(parts),
        Some(fault) => faults::apply(fault, operation, envelope, plain_errors, parts, real)
            .await
            .ok_or(ResetConnection)?,
    };
    if let Some(info) = auth_info {
        response.headers_mut().insert(
            http::header::HeaderName::from_static("authentication-info"),
            info,
        );
    }
    Ok(response)
}
