//! The crate's one error type, in the terms of someone calling Atlas.

use std::{fmt, time::Duration};

use bytes::Bytes;
use reqwest::{StatusCode, header::HeaderMap};

use crate::types::ApiError;

/// The result of every fallible call in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How many bytes of a body an error keeps to show what came back.
const BODY_PREFIX: usize = 256;

/// Everything that can go wrong between you and Atlas.
///
/// Display is one short phrase; the cause, where there is one, is in `source()`.
/// No variant ever holds a secret: credentials and tokens are kept out of errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter failed its check before anything was sent.
    #[error("invalid {parameter}: {reason}")]
    InvalidArgument {
        /// The parameter's name as the method spells it, e.g. `group_id`.
        parameter: &'static str,
        /// What was wrong, e.g. `"ABC" does not match ^([a-f0-9]{24})$`.
        reason: String,
    },

    /// The client's configuration or credentials are unusable (nothing was sent).
    #[error("configuration: {0}")]
    Config(String),

    /// Atlas answered with an error status and an Atlas error body, or with a success
    /// whose body is an Atlas error document (`status` is then the one it names, when
    /// that is 400 to 599, else the HTTP status).
    #[error("{0}")]
    Api(Box<ApiFailure>),

    /// Atlas answered `410 Gone` / `VERSION_GONE`: this operation's version is past its sunset.
    #[error(
        "{operation} is gone: its version was sunset on {}{}",
        sunset.unwrap_or("an unannounced date"),
        successor.map(|s| format!("; use {s} instead")).unwrap_or_default()
    )]
    VersionGone {
        /// The operation called, e.g. `getServerlessBackupSnapshot`.
        operation: &'static str,
        /// Its sunset date from the spec, `YYYY-MM-DD`.
        sunset: Option<&'static str>,
        /// The method that replaces it, e.g. `get_flex_backup_snapshot`.
        successor: Option<&'static str>,
        /// Atlas's own answer.
        failure: Box<ApiFailure>,
    },

    /// Getting or using credentials failed (e.g. the OAuth token endpoint refused them).
    #[error("authentication: {message}")]
    Auth {
        /// What failed, without any secret in it.
        message: String,
        /// The HTTP status of the token endpoint, if it answered.
        status: Option<StatusCode>,
        /// The server's `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
    },

    /// The request never got a complete answer: connection, TLS, or a timeout.
    #[error("transport: {message}")]
    Transport {
        /// A short account of what failed.
        message: String,
        /// How many attempts were made.
        attempts: u32,
        /// Whether a timeout ended it.
        timeout: bool,
        /// Whether a write (POST, PATCH) may have reached Atlas before it broke off: it
        /// was not sent again, and sending it again may act twice (a second restore job).
        may_have_been_processed: bool,
        /// The underlying error.
        #[source]
        source: Option<reqwest::Error>,
    },

    /// An answer came back but is not what the API promises (HTML from a proxy, broken JSON).
    #[error(
        "could not decode the answer (HTTP {status}, {}): {}",
        content_type.as_deref().unwrap_or("no content type"),
        String::from_utf8_lossy(body_prefix)
    )]
    Decode {
        /// HTTP status of the answer.
        status: StatusCode,
        /// Its `Content-Type`.
        content_type: Option<String>,
        /// The first bytes of the body.
        body_prefix: Bytes,
        /// How many attempts were made.
        attempts: u32,
        /// Why decoding failed.
        #[source]
        source: Option<serde_json::Error>,
    },

    /// The answer's body was larger than the configured limit.
    #[error("response body larger than the {limit}-byte limit")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },

    /// A list page held the same items as the page before it: the server ignores
    /// `pageNum`, so paging on would never end. The repeated page is not yielded.
    #[error(
        "list page {page_num} repeats page {}: the server ignores pageNum",
        page_num.saturating_sub(1)
    )]
    RepeatedPage {
        /// The 1-based number of the page that repeated its predecessor.
        page_num: u32,
    },

    /// Paging fetched its cap of pages and more were still announced (see
    /// [`Paginated::max_pages`](crate::Paginated::max_pages)).
    #[error("paging stopped after its cap of {max_pages} pages with more still announced")]
    TooManyPages {
        /// The cap that was reached.
        max_pages: u32,
    },
}

/// An error answer from Atlas: status, headers and the parsed Atlas error body.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiFailure {
    /// HTTP status.
    pub status: StatusCode,
    /// Response headers (rate-limit headers, `Retry-After`, request ids).
    pub headers: HeaderMap,
    /// The Atlas error body.
    pub body: ApiError,
    /// The body as received.
    pub raw: Bytes,
    /// How many attempts were made before giving up.
    pub attempts: u32,
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Atlas answered {} {}", self.status, self.body.error_code)?;
        if let Some(detail) = &self.body.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl Error {
    /// The HTTP status Atlas answered with, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(f) | Error::VersionGone { failure: f, .. } => Some(f.status),
            Error::Decode { status, .. } => Some(*status),
            Error::Auth { status, .. } => *status,
            Error::Transport { source, .. } => source.as_ref().and_then(|e| e.status()),
            _ => None,
        }
    }

    /// Atlas's `errorCode`, e.g. `RESOURCE_NOT_FOUND`, `RATE_LIMITED`, `VERSION_GONE`.
    pub fn error_code(&self) -> Option<&str> {
        self.api_failure().map(|f| f.body.error_code.as_str())
    }

    /// The Atlas error answer behind this error, if there is one.
    pub fn api_failure(&self) -> Option<&ApiFailure> {
        match self {
            Error::Api(f) | Error::VersionGone { failure: f, .. } => Some(f),
            _ => None,
        }
    }

    /// Whether Atlas said the resource does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// Whether Atlas refused for rate limiting (429).
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// Whether a timeout ended the call.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport { timeout: true, .. })
    }

    /// Whether the same call could succeed later, and sending it again is safe as far
    /// as the client knows: never for a write that [may have been
    /// processed](Self::may_have_been_processed). An answer's status says nothing about
    /// that (a 500 after a create may still have started the job), so for a POST or
    /// PATCH that ended in an answer, check before repeating it
    /// (see [`RetryPolicy`](crate::RetryPolicy)).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport {
                may_have_been_processed,
                ..
            } => !may_have_been_processed,
            Error::Api(_) | Error::Decode { .. } => self
                .status()
                .is_some_and(crate::ext::retry::is_retryable_status),
            Error::Auth { status, .. } => {
                *status == Some(StatusCode::TOO_MANY_REQUESTS)
                    || status.is_some_and(|s| s.is_server_error())
            }
            _ => false,
        }
    }

    /// Whether this is a write (POST, PATCH) that broke off after it left, so Atlas may
    /// have acted on it: find out (list the restore jobs) before sending it again.
    pub fn may_have_been_processed(&self) -> bool {
        matches!(
            self,
            Error::Transport {
                may_have_been_processed: true,
                ..
            }
        )
    }

    /// The server's `Retry-After`, seconds or HTTP-date, as a wait from now.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Auth { retry_after, .. } => *retry_after,
            _ => self
                .api_failure()
                .and_then(|f| crate::ext::retry::retry_after(&f.headers)),
        }
    }

    /// `RateLimit-Limit` and `RateLimit-Remaining`, where Atlas sent them.
    pub fn rate_limit(&self) -> Option<crate::RateLimit> {
        self.api_failure()
            .and_then(|f| crate::RateLimit::from_headers(&f.headers))
    }

    /// How many HTTP attempts the call made (retries included), where known.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Api(f) | Error::VersionGone { failure: f, .. } => Some(f.attempts),
            Error::Transport { attempts, .. } | Error::Decode { attempts, .. } => Some(*attempts),
            _ => None,
        }
    }

    /// A reqwest failure, without its URL (URLs carry ids, and logs need neither), and
    /// with its causes: reqwest's own text ("error sending request") does not say
    /// whether DNS, TLS or a proxy failed.
    pub(crate) fn transport(e: reqwest::Error, attempts: u32) -> Self {
        use crate::ext::wire::WithoutUrlRef as _;
        let e = e.without_url();
        Error::Transport {
            message: e.without_url_ref(),
            attempts,
            timeout: e.is_timeout(),
            may_have_been_processed: false,
            source: Some(e),
        }
    }

    pub(crate) fn decode(
        status: StatusCode,
        headers: &HeaderMap,
        body: &Bytes,
        attempts: u32,
        source: Option<serde_json::Error>,
    ) -> Self {
        Error::Decode {
            status,
            content_type: headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body_prefix: body.slice(..body.len().min(BODY_PREFIX)),
            attempts,
            source,
        }
    }
}
