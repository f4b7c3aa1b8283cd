//! OAuth 2.0 client-credentials for service accounts: `POST /api/oauth/token`,
//! `POST /api/oauth/revoke`, and the store of issued access tokens.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http::header::{AUTHORIZATION, CACHE_CONTROL, HeaderValue, RETRY_AFTER};
use http::{Method, Response, StatusCode};

use super::body::ResBody;
use super::envelope::{self, APPLICATION_JSON};
use super::{Shared, lock};

const TOKEN_PATH: &str = "/api/oauth/token";
const REVOKE_PATH: &str = "/api/oauth/revoke";
/// Issued tokens kept before expired ones are pruned.
const PRUNE_AT: usize = 10_000;
/// Longest token lifetime honoured (keeps `Instant` arithmetic from overflowing).
const MAX_LIFETIME: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// Issued access tokens and the token endpoint's knobs.
pub(crate) struct TokenStore {
    tokens: HashMap<String, Instant>,
    lifetime: Duration,
    rate_limited: bool,
}

impl TokenStore {
    pub(crate) fn new(lifetime: Duration) -> Self {
        Self {
            tokens: HashMap::new(),
            lifetime: lifetime.min(MAX_LIFETIME),
            rate_limited: false,
        }
    }

    pub(crate) fn set_lifetime(&mut self, lifetime: Duration) {
        self.lifetime = lifetime.min(MAX_LIFETIME);
    }

    pub(crate) fn set_rate_limited(&mut self, limited: bool) {
        self.rate_limited = limited;
    }

    pub(crate) fn clear(&mut self) {
        self.tokens.clear();
    }

    /// Whether `token` is a live issued token; `Err` says why not.
    pub(crate) fn check(&self, token: &str) -> Result<(), &'static str> {
        match self.tokens.get(token) {
            Some(expiry) if Instant::now() < *expiry => Ok(()),
            Some(_) => Err("The access token has expired."),
            None => Err("The access token is invalid or has been revoked."),
        }
    }

    fn issue(&mut self) -> (String, Duration) {
        if self.tokens.len() >= PRUNE_AT {
            let now = Instant::now();
            self.tokens.retain(|_, exp| *exp > now);
        }
        let token = format!("{:032x}{:032x}", fastrand::u128(..), fastrand::u128(..));
        self.tokens
            .insert(token.clone(), Instant::now() + self.lifetime);
        (token, self.lifetime)
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response<ResBody> {
    let body = serde_json::json!({ "error": error, "error_description": description });
    let mut resp = envelope::response(
        status,
        APPLICATION_JSON,
        Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
    );
    resp.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn invalid_client() -> Response<ResBody> {
    oauth_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "Invalid credentials provided.",
    )
}

/// `(client_id, client_secret)` from `Authorization: Basic ...`, each half form-decoded
/// (RFC 6749 §2.3.1).
fn basic_credentials(parts: &http::request::Parts) -> Option<(String, String)> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decoded(id)?, form_decoded(secret)?))
}

/// One form-encoded half of `client_id:client_secret`; `None` when it is not
/// form-encoded (a raw `:`, space or non-ASCII byte, or a `%` without two hex digits),
/// as a client that skipped the encoding would send it.
fn form_decoded(text: &str) -> Option<String> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        out.push(match b {
            b'+' => b' ',
            b'%' => {
                let hex = [bytes.next()?, bytes.next()?];
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?
            }
            b':' => return None,
            b if b.is_ascii_graphic() => b,
            _ => return None,
        });
    }
    String::from_utf8(out).ok()
}

fn client_ok(shared: &Shared, parts: &http::request::Parts) -> bool {
    let Some((id, secret)) = basic_credentials(parts) else {
        return false;
    };
    let cfg = lock(&shared.auth);
    match &cfg.service_account {
        Some(sa) => sa.client_id == id && sa.client_secret == secret,
        // Nothing configured at all: any well-formed client is fine.
        None => !cfg.required(),
    }
}

fn form_value(body: &[u8], key: &str) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Serves the OAuth endpoints; `None` when the request is for another path.
pub(crate) fn handle(
    shared: &Shared,
    parts: &http::request::Parts,
    body: &[u8],
) -> Option<Response<ResBody>> {
    let path = parts.uri.path();
    if path == TOKEN_PATH {
        shared
            .counters
            .token_requests
            .fetch_add(1, Ordering::Relaxed);
    } else if path != REVOKE_PATH {
        return None;
    }
    if parts.method != Method::POST {
        let err = envelope::ApiError::new(
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_FOUND",
            format!("Cannot find resource {path}."),
        )
        .param(path);
        return Some(envelope::error_response(&err, false, false));
    }
    if path == TOKEN_PATH {
        if lock(&shared.tokens).rate_limited {
            let mut resp = oauth_error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_exceeded",
                "Too many token requests. Please wait and retry.",
            );
            resp.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static("1"));
            return Some(resp);
        }
        if !client_ok(shared, parts) {
            return Some(invalid_client());
        }
        match form_value(body, "grant_type").as_deref() {
            Some("client_credentials") => {}
            Some(_) => {
                return Some(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                    "Only the client_credentials grant type is supported.",
                ));
            }
            None => {
                return Some(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "grant_type is required.",
                ));
            }
        }
        let (token, lifetime) = lock(&shared.tokens).issue();
        let expires_in = lifetime.as_secs() + u64::from(lifetime.subsec_nanos() > 0);
        let body = serde_json::json!({
            "access_token": token,
            "expires_in": expires_in,
            "token_type": "Bearer",
        });
        let mut resp = envelope::response(
            StatusCode::OK,
            APPLICATION_JSON,
            Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
        );
        resp.headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Some(resp);
    }
    // Revoke.
    if !client_ok(shared, parts) {
        return Some(invalid_client());
    }
    let Some(token) = form_value(body, "token") else {
        return Some(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required.",
        ));
    };
    lock(&shared.tokens).tokens.remove(&token);
    Some(Response::new(ResBody::full(Bytes::new())))
}
