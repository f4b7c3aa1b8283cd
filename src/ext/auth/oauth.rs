//! Service accounts: OAuth 2.0 client credentials with one cached token per client.
//!
//! The token endpoint allows about 10 requests a minute per client, so a token is
//! fetched once (single flight, however many calls wait), shared by every clone of the
//! client, and refreshed shortly before it expires (skew plus jitter, so a fleet does
//! not refresh in step).

use std::{
    sync::RwLock,
    time::{Duration, Instant},
};

use base64::Engine as _;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::ext::error::{Error, Result};

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

pub(crate) struct TokenCache {
    token_url: String,
    /// The client's per-attempt timeout, for token requests too.
    attempt_timeout: Option<Duration>,
    revoke_url: String,
    basic: HeaderValue,
    current: RwLock<Option<Token>>,
    /// Held while fetching: later callers wait and then reuse what it fetched.
    fetch: tokio::sync::Mutex<u64>,
}

#[derive(serde::Deserialize)]
struct TokenReply {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(serde::Deserialize)]
struct TokenError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

impl TokenCache {
    pub(crate) fn new(
        client_id: String,
        client_secret: SecretString,
        base_url: &str,
        attempt_timeout: Option<Duration>,
    ) -> Self {
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
        let base = base_url.trim_end_matches('/');
        TokenCache {
            token_url: format!("{base}/api/oauth/token"),
            attempt_timeout,
            revoke_url: format!("{base}/api/oauth/revoke"),
            basic,
            current: RwLock::new(None),
            fetch: tokio::sync::Mutex::new(0),
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
        let mut generation = self.fetch.lock().await;
        // Another caller may have fetched while we waited for the lock.
        if let Some(t) = self.cached(Instant::now()) {
            return Ok((t.header, t.generation, false));
        }
        let token = self.fetch_token(http, *generation + 1).await?;
        *generation += 1;
        let header = token.header.clone();
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(token);
        Ok((header, *generation, true))
    }

    /// Drops the token of `generation` after Atlas refused it (expired or revoked early).
    pub(crate) fn invalidate(&self, generation: u64) {
        let mut guard = self.current.write().unwrap_or_else(|p| p.into_inner());
        if guard.as_ref().is_some_and(|t| t.generation == generation) {
            *guard = None;
        }
    }

    async fn fetch_token(&self, http: &reqwest::Client, generation: u64) -> Result<Token> {
        let started = Instant::now();
        let mut request = http
            .post(&self.token_url)
            .header(AUTHORIZATION, self.basic.clone())
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials");
        if let Some(timeout) = self.attempt_timeout {
            request = request.timeout(timeout);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| token_transport_error("requesting a token", e))?;
        let status = response.status();
        let retry_after = crate::ext::retry::retry_after(response.headers());
        let body = crate::ext::wire::read_capped(&mut response, MAX_REPLY)
            .await
            .map_err(|e| token_transport_error("reading the token reply", e))?
            .ok_or_else(|| Error::Auth {
                message: format!("the token endpoint's reply is over {MAX_REPLY} bytes"),
                status: Some(status),
                retry_after: None,
            })?;
        if !status.is_success() {
            let reason = match serde_json::from_slice::<TokenError>(&body) {
                Ok(e) => match e.error_description {
                    Some(d) => format!("{}: {d}", e.error),
                    None => e.error,
                },
                Err(_) => "no OAuth error body".to_owned(),
            };
            return Err(Error::Auth {
                message: format!("the token endpoint answered {status} ({reason})"),
                status: Some(status),
                retry_after,
            });
        }
        let reply: TokenReply = serde_json::from_slice(&body).map_err(|e| Error::Auth {
            message: format!("the token endpoint's reply is not a token: {e}"),
            status: Some(status),
            retry_after: None,
        })?;
        let lifetime = Duration::from_secs(reply.expires_in.unwrap_or(3600).max(1));
        // Refresh a tenth of the lifetime early (at most a minute), plus up to a
        // twentieth more of jitter.
        let skew = (lifetime / 10).min(Duration::from_secs(60));
        let jitter = (lifetime / 20)
            .min(Duration::from_secs(30))
            .mul_f64(fastrand::f64());
        let header = crate::ext::auth::bearer_header(&reply.access_token)?;
        Ok(Token {
            header,
            secret: SecretString::from(reply.access_token),
            refresh_at: started + lifetime - skew - jitter,
            expires_at: started + lifetime,
            generation,
        })
    }

    /// Revokes the cached token at `/api/oauth/revoke` and forgets it.
    pub(crate) async fn revoke(&self, http: &reqwest::Client) -> Result<()> {
        let Some(token) = self
            .current
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        else {
            return Ok(());
        };
        if Instant::now() >= token.expires_at {
            return Ok(());
        }
        let body = format!(
            "token={}&token_type_hint=access_token",
            url::form_urlencoded::byte_serialize(token.secret.expose_secret().as_bytes())
                .collect::<String>()
        );
        let response = http
            .post(&self.revoke_url)
            .header(AUTHORIZATION, self.basic.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| token_transport_error("revoking the token", e))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(Error::Auth {
                message: format!("the revoke endpoint answered {}", response.status()),
                status: Some(response.status()),
                retry_after: None,
            })
        }
    }
}

fn token_transport_error(what: &str, e: reqwest::Error) -> Error {
    let e = e.without_url();
    Error::Transport {
        message: format!("{what}: {e}"),
        attempts: 1,
        timeout: e.is_timeout(),
        source: Some(e),
    }
}
