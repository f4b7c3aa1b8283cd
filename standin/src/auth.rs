//! Which credentials an API request may carry, and the 401 answers.

use http::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use http::{Response, StatusCode};

use super::body::ResBody;
use super::envelope::{self, ApiError};
use super::{Shared, digest, lock};

/// A Digest API key pair.
#[derive(Debug, Clone)]
pub(crate) struct DigestCredentials {
    pub(crate) public_key: String,
    pub(crate) private_key: String,
}

/// An OAuth service account.
#[derive(Debug, Clone)]
pub(crate) struct ServiceAccount {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
}

/// The configured authentication methods; none configured means "accept anything".
#[derive(Debug, Clone, Default)]
pub(crate) struct AuthConfig {
    pub(crate) bearer: Option<String>,
    pub(crate) digest: Option<DigestCredentials>,
    pub(crate) digest_settings: digest::DigestSettings,
    pub(crate) service_account: Option<ServiceAccount>,
}

impl AuthConfig {
    pub(crate) fn required(&self) -> bool {
        self.bearer.is_some() || self.digest.is_some() || self.service_account.is_some()
    }
}

/// Splits `Scheme rest` of an `Authorization` header.
fn scheme(value: &str) -> (&str, &str) {
    let value = value.trim_start();
    match value.find(' ') {
        Some(i) => (&value[..i], value[i + 1..].trim()),
        None => (value, ""),
    }
}

/// Checks the request's credentials: `Err` carries the 401 to send, `Ok` the
/// `Authentication-Info` value for the answer, if any.
pub(crate) fn check(
    shared: &Shared,
    parts: &http::request::Parts,
) -> Result<Option<HeaderValue>, Box<Response<ResBody>>> {
    let cfg = lock(&shared.auth);
    if !cfg.required() {
        return Ok(None);
    }
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let (failure, stale) = match header.map(scheme) {
        Some((s, token)) if s.eq_ignore_ascii_case("bearer") => {
            if cfg.bearer.as_deref() == Some(token) && !token.is_empty() {
                return Ok(None);
            }
            match lock(&shared.tokens).check(token) {
                Ok(()) => return Ok(None),
                Err(why) => (why, false),
            }
        }
        Some((s, params)) if s.eq_ignore_ascii_case("digest") => match &cfg.digest {
            Some(creds) => {
                let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
                let verdict = digest::verify(
                    &mut lock(&shared.nonces),
                    creds,
                    &cfg.digest_settings,
                    parts.method.as_str(),
                    target,
                    params,
                );
                match verdict {
                    Ok(info) => return Ok(info),
                    Err(f) => (f.detail, f.stale),
                }
            }
            None => ("Digest authentication is not enabled.", false),
        },
        Some(_) => ("Unsupported authorization scheme.", false),
        None => ("You are not authorized for this resource.", false),
    };
    let err =
        ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", failure).param(parts.uri.path());
    let mut resp = envelope::error_response(&err, false, false);
    if cfg.digest.is_some() {
        let challenges = lock(&shared.nonces).challenges(stale, &cfg.digest_settings);
        for challenge in challenges {
            resp.headers_mut().append(WWW_AUTHENTICATE, challenge);
        }
    }
    Err(Box::new(resp))
}
