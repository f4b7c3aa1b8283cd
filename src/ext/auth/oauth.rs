//! Service accounts: OAuth 2.0 client credentials with one cached token per client.
//!
//! The token endpoint allows about 10 requests a minute per client, so a token is
//! fetched once (single flight, however many calls wait), shared by every clone of the
//! client, and refreshed shortly before it expires (skew plus jitter, so a fleet does
//! not refresh in step). A failed fetch is shared the same way: every call that waited
//! for it gets its error, and the endpoint is not asked again until a back-off is over
//! (doubling with each failure in a row, and at least the endpoint's `Retry-After`), so
//! neither many calls nor the retries in the wire layer can hammer the endpoint.

use std::{
    sync::{Mutex, RwLock},
    time::{Duration, Instant, SystemTime},
};

use base64::Engine as _;
use bytes::Bytes;
use reqwest::{
    StatusCode,
    header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT},
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

use super::token_cache::CacheSlot;
use crate::ext::{
    config::Timeouts,
    error::{Error, Result},
};

#[derive(Clone)]
struct Token {
    header: HeaderValue,
    secret: SecretString,
    refresh_at: Instant,
    expires_at: Instant,
    generation: u64,
}

/// The token endpoint answers a few hundred bytes; more is not a token reply.
const MAX_REPLY: usize = 64 * 1024;
/// The lifetime assumed when a reply has no `expires_in` (Atlas issues hour-long tokens).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// Below a second a token would be stale before it is used. Raising a short lifetime
/// further would only send tokens Atlas has already expired.
const MIN_LIFETIME: Duration = Duration::from_secs(1);
/// A day far outlives Atlas's hour, keeps a bogus huge `expires_in` (1e19 overflowed
/// `Instant`) from pinning a token forever, and keeps all `Instant` arithmetic in range.
pub(crate) const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// The back-off after a failed fetch; it doubles with each failure in a row, up to
/// [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// The longest `Retry-After` from the token endpoint that is honoured.
const MAX_SERVER_WAIT: Duration = Duration::from_secs(600);
/// How many characters of the endpoint's own text (`error`, `error_description`,
/// `token_type`, content type) a message shows.
const MAX_SHOWN: usize = 200;
const FORM: &str = "application/x-www-form-urlencoded";

pub(crate) struct OAuthSession {
    token_url: String,
    revoke_url: String,
    basic: HeaderValue,
    /// The client's timeouts: each token or revoke request gets the attempt timeout, and
    /// `revoke()` (which runs outside any call) the total one too.
    timeouts: Timeouts,
    /// The client's, so the token endpoint sees the same `User-Agent` as the API.
    user_agent: Option<HeaderValue>,
    current: RwLock<Option<Token>>,
    /// Held while fetching: later callers wait and then share what it fetched, or how it
    /// failed.
    fetch: tokio::sync::Mutex<FetchState>,
    /// The on-disk cache, when the builder opted in.
    disk: Option<CacheSlot>,
    /// The SHA-256 of the last token Atlas refused, so that a cache file which could
    /// not be deleted does not hand it out again.
    refused: Mutex<Option<[u8; 32]>>,
}

#[derive(Default)]
struct FetchState {
    generation: u64,
    failure: Option<Failed>,
}

/// The last fetch's failure. `Error` is not `Clone` (it holds a `reqwest::Error`), so
/// every caller sharing it gets an `Error` rebuilt from this.
struct Failed {
    kind: FailedKind,
    /// When the fetch failed: a caller that arrived before this waited for it.
    at: Instant,
    /// No fetch before this.
    retry_at: Instant,
    /// Whether the endpoint sent `Retry-After`; the back-off is then the error's
    /// `retry_after`, so a retried call comes back just when a fetch may happen again.
    server_wait: bool,
    /// Failures in a row.
    streak: u32,
}

enum FailedKind {
    Auth {
        message: String,
        status: Option<StatusCode>,
    },
    Transport {
        message: String,
        timeout: bool,
    },
}

impl Failed {
    fn new(error: &Error, streak: u32, at: Instant) -> Self {
        let kind = match error {
            Error::Auth {
                message, status, ..
            } => FailedKind::Auth {
                message: message.clone(),
                status: *status,
            },
            Error::Transport {
                message, timeout, ..
            } => FailedKind::Transport {
                message: message.clone(),
                timeout: *timeout,
            },
            other => FailedKind::Auth {
                message: other.to_string(),
                status: other.status(),
            },
        };
        let backoff = FIRST_BACKOFF
            .saturating_mul(1 << (streak.saturating_sub(1)).min(16))
            .min(MAX_BACKOFF);
        // Equal jitter: a fleet spreads out, yet no back-off is near zero.
        let backoff = backoff / 2 + (backoff / 2).mul_f64(fastrand::f64());
        let server_wait = error.retry_after().map(|w| w.min(MAX_SERVER_WAIT));
        Failed {
            kind,
            at,
            retry_at: at + backoff.max(server_wait.unwrap_or_default()),
            server_wait: server_wait.is_some(),
            streak,
        }
    }

    fn retry_after(&self, now: Instant) -> Option<Duration> {
        self.server_wait
            .then(|| self.retry_at.saturating_duration_since(now))
    }

    fn error(&self, now: Instant) -> Error {
        match &self.kind {
            FailedKind::Auth { message, status } => Error::Auth {
                message: message.clone(),
                status: *status,
                retry_after: self.retry_after(now),
            },
            FailedKind::Transport { message, timeout } => Error::Transport {
                message: message.clone(),
                attempts: 1,
                timeout: *timeout,
                may_have_been_processed: false,
                source: None,
            },
        }
    }
}

/// A usable token reply.
struct Reply {
    access_token: String,
    lifetime: Duration,
}

impl OAuthSession {
    pub(crate) fn new(
        client_id: String,
        client_secret: SecretString,
        base_url: &str,
        timeouts: Timeouts,
        user_agent: Option<HeaderValue>,
        disk: Option<super::TokenCache>,
    ) -> Self {
        let base = base_url.trim_end_matches('/');
        let disk = disk.map(|cache| CacheSlot::new(cache, base, &client_id));
        // RFC 6749 §2.3.1: id and secret are form-encoded before Basic, so a ':' in the
        // id cannot end it early and non-ASCII arrives as UTF-8.
        let form = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let pair = SecretString::from(format!(
            "{}:{}",
            form(&client_id),
            form(client_secret.expose_secret())
        ));
        let basic = base64::engine::general_purpose::STANDARD.encode(pair.expose_secret());
        let mut basic = HeaderValue::try_from(format!("Basic {basic}"))
            .unwrap_or_else(|_| HeaderValue::from_static("Basic"));
        basic.set_sensitive(true);
        OAuthSession {
            token_url: format!("{base}/api/oauth/token"),
            revoke_url: format!("{base}/api/oauth/revoke"),
            basic,
            timeouts,
            user_agent,
            current: RwLock::new(None),
            fetch: tokio::sync::Mutex::default(),
            disk,
            refused: Mutex::new(None),
        }
    }

    fn cached(&self, now: Instant) -> Option<Token> {
        let guard = self.current.read().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().filter(|t| now < t.refresh_at).cloned()
    }

    /// A valid token's `Authorization` value, its generation, and whether it was just fetched.
    pub(crate) async fn token(&self, http: &reqwest::Client) -> Result<(HeaderValue, u64, bool)> {
        if let Some(t) = self.cached(Instant::now()) {
            return Ok((t.header, t.generation, false));
        }
        let arrived = Instant::now();
        let mut state = self.fetch.lock().await;
        let now = Instant::now();
        // Another caller may have fetched while we waited for the lock, or another
        // process stored a token on disk...
        if let Some(t) = self.cached(now) {
            return Ok((t.header, t.generation, false));
        }
        if let Some(token) = self.cached_on_disk(state.generation + 1, now) {
            state.generation = token.generation;
            state.failure = None;
            let header = token.header.clone();
            let generation = token.generation;
            *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(token);
            return Ok((header, generation, false));
        }
        // ...or failed to: whoever waited for that fetch shares its failure, and so does
        // everyone until the back-off is over.
        if let Some(failed) = &state.failure
            && (failed.at >= arrived || now < failed.retry_at)
        {
            return Err(failed.error(now));
        }
        let generation = state.generation + 1;
        match self.fetch_token(http, generation).await {
            Ok(token) => {
                state.generation = generation;
                state.failure = None;
                let header = token.header.clone();
                *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(token);
                Ok((header, generation, true))
            }
            Err(mut error) => {
                let streak = state
                    .failure
                    .as_ref()
                    .map_or(1, |f| f.streak.saturating_add(1));
                let failed = Failed::new(&error, streak, Instant::now());
                if let Error::Auth { retry_after, .. } = &mut error {
                    *retry_after = failed.retry_after(failed.at);
                }
                state.failure = Some(failed);
                Err(error)
            }
        }
    }

    /// A token from the disk cache that is not yet due for refresh, as `generation`.
    fn cached_on_disk(&self, generation: u64, now: Instant) -> Option<Token> {
        let loaded = self.disk.as_ref()?.load()?;
        let refused = *self.refused.lock().unwrap_or_else(|p| p.into_inner());
        if refused == Some(digest(&loaded.access_token)) {
            return None;
        }
        let margin = refresh_margin(loaded.lifetime);
        if loaded.remaining <= margin {
            return None;
        }
        let header = crate::ext::auth::bearer_header(loaded.access_token.expose_secret()).ok()?;
        Some(Token {
            header,
            secret: loaded.access_token,
            refresh_at: now + loaded.remaining - margin,
            expires_at: now + loaded.remaining,
            generation,
        })
    }

    /// Drops the token of `generation` after Atlas refused it (expired or revoked
    /// early), from the disk cache too.
    pub(crate) fn invalidate(&self, generation: u64) {
        let mut guard = self.current.write().unwrap_or_else(|p| p.into_inner());
        let Some(token) = guard.take_if(|t| t.generation == generation) else {
            return;
        };
        drop(guard);
        if let Some(disk) = &self.disk {
            *self.refused.lock().unwrap_or_else(|p| p.into_inner()) = Some(digest(&token.secret));
            disk.remove(&token.secret);
        }
    }

    fn post(&self, http: &reqwest::Client, url: &str, body: String) -> reqwest::RequestBuilder {
        let request = http
            .post(url)
            .header(AUTHORIZATION, self.basic.clone())
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, FORM)
            .body(body);
        let request = match &self.user_agent {
            Some(agent) => request.header(USER_AGENT, agent.clone()),
            None => request,
        };
        match self.timeouts.attempt {
            Some(timeout) => request.timeout(timeout),
            None => request,
        }
    }

    async fn fetch_token(&self, http: &reqwest::Client, generation: u64) -> Result<Token> {
        let started = Instant::now();
        let obtained = SystemTime::now();
        let request = self.post(
            http,
            &self.token_url,
            "grant_type=client_credentials".into(),
        );
        let (status, headers, body) = exchange(request, "token").await?;
        let refused = |reason: String| Error::Auth {
            message: format!("the token endpoint {reason}"),
            status: Some(status),
            retry_after: crate::ext::retry::retry_after(&headers),
        };
        let reply = read_reply(status, &headers, &body).map_err(refused)?;
        let lifetime = reply.lifetime;
        // `read_reply` let only visible ASCII through, which a header always carries.
        let header = crate::ext::auth::bearer_header(&reply.access_token).map_err(|_| {
            refused(format!(
                "answered {status} with an access_token a header cannot carry"
            ))
        })?;
        let secret = SecretString::from(reply.access_token);
        if let Some(disk) = &self.disk {
            disk.store(&secret, lifetime, obtained);
        }
        Ok(Token {
            header,
            secret,
            refresh_at: started + lifetime - refresh_margin(lifetime),
            expires_at: started + lifetime,
            generation,
        })
    }

    /// Revokes the cached token at `/api/oauth/revoke` and forgets it, within the
    /// client's attempt and total timeouts.
    pub(crate) async fn revoke(&self, http: &reqwest::Client) -> Result<()> {
        let Some(token) = self
            .current
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        else {
            return Ok(());
        };
        if let Some(disk) = &self.disk {
            disk.remove(&token.secret);
        }
        if Instant::now() >= token.expires_at {
            return Ok(());
        }
        let body = format!(
            "token={}&token_type_hint=access_token",
            url::form_urlencoded::byte_serialize(token.secret.expose_secret().as_bytes())
                .collect::<String>()
        );
        let request = self.post(http, &self.revoke_url, body);
        let revoked = async {
            let (status, headers, body) = exchange(request, "revoke").await?;
            let json = serde_json::from_slice::<Value>(&body).ok();
            match refusal(status, &headers, &body, json.as_ref()) {
                None => Ok(()),
                Some(reason) => Err(Error::Auth {
                    message: format!("the revoke endpoint {reason}"),
                    status: Some(status),
                    retry_after: crate::ext::retry::retry_after(&headers),
                }),
            }
        };
        match self.timeouts.total {
            Some(limit) => tokio::time::timeout(limit, revoked)
                .await
                .unwrap_or_else(|_| {
                    Err(Error::Transport {
                        message: format!(
                            "revoking the token did not finish within its {limit:?} total timeout"
                        ),
                        attempts: 1,
                        timeout: true,
                        may_have_been_processed: false,
                        source: None,
                    })
                }),
            None => revoked.await,
        }
    }
}

/// How long before its end a token of `lifetime` is refreshed: a tenth of the lifetime
/// (at most a minute), plus up to a twentieth more of jitter (at most 30 s), so that a
/// fleet does not refresh in step. The same for a token fetched or read from disk.
fn refresh_margin(lifetime: Duration) -> Duration {
    let skew = (lifetime / 10).min(Duration::from_secs(60));
    let jitter = (lifetime / 20)
        .min(Duration::from_secs(30))
        .mul_f64(fastrand::f64());
    skew + jitter
}

fn digest(token: &SecretString) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(token.expose_secret().as_bytes()).into()
}

/// Sends a request to the `endpoint` (`token` or `revoke`) and reads its answer, body
/// capped at [`MAX_REPLY`].
async fn exchange(
    request: reqwest::RequestBuilder,
    endpoint: &str,
) -> Result<(StatusCode, HeaderMap, Bytes)> {
    let mut response = request
        .send()
        .await
        .map_err(|e| transport_error(&format!("sending the {endpoint} request"), e))?;
    let status = response.status();
    let body = crate::ext::wire::read_capped(&mut response, MAX_REPLY)
        .await
        .map_err(|e| transport_error(&format!("reading the {endpoint} reply"), e))?
        .ok_or_else(|| Error::Auth {
            message: format!("the {endpoint} endpoint's reply is over {MAX_REPLY} bytes"),
            status: Some(status),
            retry_after: None,
        })?;
    Ok((status, std::mem::take(response.headers_mut()), body))
}

/// The access token and its lifetime, or why the answer holds no usable token. No
/// message shows any part of the token: serde's own errors can quote the input, so the
/// fields are read by hand.
fn read_reply(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<Reply, String> {
    let json = serde_json::from_slice::<Value>(body).ok();
    if let Some(reason) = refusal(status, headers, body, json.as_ref()) {
        return Err(reason);
    }
    let bad = |what: &str| format!("answered {status} with a token reply {what}");
    let Some(reply) = json.as_ref().and_then(Value::as_object) else {
        return Err(format!(
            "answered {status} with {}, not a token reply",
            body_kind(headers, body)
        ));
    };
    let access_token = match reply.get("access_token") {
        Some(Value::String(t)) if t.is_empty() => return Err(bad("whose access_token is empty")),
        Some(Value::String(t)) => t,
        Some(_) => return Err(bad("whose access_token is not a string")),
        None => return Err(bad("without an access_token")),
    };
    // RFC 6750's token characters are all visible ASCII; a CR/LF, a space or a control
    // character would split or corrupt the Authorization header.
    if !access_token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad(
            "whose access_token holds control characters, spaces or non-ASCII",
        ));
    }
    match reply.get("token_type") {
        Some(Value::String(t)) if t.eq_ignore_ascii_case("bearer") => {}
        Some(Value::String(t)) => {
            return Err(bad(&format!(
                "whose token_type {:?} is not Bearer",
                shown(t)
            )));
        }
        Some(_) => return Err(bad("whose token_type is not a string")),
        // RFC 6749 §5.1 requires it; a token of unknown type may not be a bearer token.
        None => return Err(bad("without a token_type")),
    }
    let lifetime = lifetime(reply.get("expires_in")).map_err(|why| bad(&why))?;
    Ok(Reply {
        access_token: access_token.clone(),
        lifetime,
    })
}

/// How long to believe a token lives, from `expires_in`: any number of seconds (integer
/// or float, also quoted, as some endpoints send it) clamped to
/// [`MIN_LIFETIME`]..=[`MAX_LIFETIME`]. A negative or non-numeric value is refused:
/// the endpoint is broken and no guess at the token's life would be trustworthy.
fn lifetime(expires_in: Option<&Value>) -> Result<Duration, String> {
    let seconds = match expires_in {
        None | Some(Value::Null) => return Ok(DEFAULT_LIFETIME),
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        Some(_) => None,
    };
    match seconds {
        Some(s) if s.is_finite() && s >= 0.0 => Ok(Duration::from_secs_f64(
            s.clamp(MIN_LIFETIME.as_secs_f64(), MAX_LIFETIME.as_secs_f64()),
        )),
        Some(s) if s < 0.0 => Err("whose expires_in is negative".into()),
        _ => Err("whose expires_in is not a number of seconds".into()),
    }
}

/// Why an answer is a refusal (`None` when it is not): its OAuth error, which may come
/// with any status, or for an error status without one, what its body was instead.
fn refusal(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    json: Option<&Value>,
) -> Option<String> {
    let object = json.and_then(Value::as_object);
    if let Some(error) = object.and_then(oauth_error) {
        return Some(format!("answered {status} with {error}"));
    }
    (!status.is_success()).then(|| {
        format!(
            "answered {status} with {}, not an OAuth error",
            body_kind(headers, body)
        )
    })
}

/// `OAuth error invalid_client: Invalid credentials provided.`, from RFC 6749 §5.2's
/// `error` and `error_description`.
fn oauth_error(object: &Map<String, Value>) -> Option<String> {
    let error = object.get("error")?.as_str()?;
    Some(
        match object.get("error_description").and_then(Value::as_str) {
            Some(description) => format!("OAuth error {}: {}", shown(error), shown(description)),
            None => format!("OAuth error {}", shown(error)),
        },
    )
}

/// What a body is, without its content (an echoing server could repeat a secret).
fn body_kind(headers: &HeaderMap, body: &[u8]) -> String {
    if body.is_empty() {
        return "an empty body".into();
    }
    match headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        Some(kind) => format!("a {}-byte {} body", body.len(), shown(kind)),
        None => format!("a {}-byte body without a content type", body.len()),
    }
}

/// The endpoint's own text, shortened, with control characters escaped so that it
/// cannot rewrite a terminal or forge log lines.
fn shown(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == MAX_SHOWN {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A failed token or revoke request, with the causes in the message: callers sharing
/// the failure get this message without the `reqwest::Error` behind it.
fn transport_error(what: &str, e: reqwest::Error) -> Error {
    let e = e.without_url();
    let mut message = format!("{what}: {e}");
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        message.push_str(": ");
        message.push_str(&c.to_string());
        cause = c.source();
    }
    Error::Transport {
        message,
        attempts: 1,
        timeout: e.is_timeout(),
        may_have_been_processed: false,
        source: Some(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_are_clamped_or_refused() {
        let secs = |v: Value| lifetime(Some(&v)).map(|d| d.as_secs_f64());
        assert_eq!(lifetime(None), Ok(DEFAULT_LIFETIME));
        assert_eq!(secs(Value::Null), Ok(3600.0));
        assert_eq!(secs(serde_json::json!(3600)), Ok(3600.0));
        assert_eq!(secs(serde_json::json!(2.5)), Ok(2.5));
        assert_eq!(secs(serde_json::json!("120")), Ok(120.0));
        assert_eq!(secs(serde_json::json!(0)), Ok(1.0));
        assert_eq!(secs(serde_json::json!(u64::MAX)), Ok(86_400.0));
        assert_eq!(secs(serde_json::json!(1e300)), Ok(86_400.0));
        assert!(secs(serde_json::json!(-1)).is_err());
        assert!(secs(serde_json::json!("soon")).is_err());
        assert!(secs(serde_json::json!("inf")).is_err());
        assert!(secs(serde_json::json!(true)).is_err());
    }

    #[test]
    fn shown_text_is_short_and_escaped() {
        assert_eq!(shown("a\r\nb"), "a\\r\\nb");
        let long = "x".repeat(MAX_SHOWN + 10);
        assert_eq!(shown(&long).chars().count(), MAX_SHOWN + 1);
    }
}
