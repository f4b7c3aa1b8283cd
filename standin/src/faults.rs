//! Injectable faults: the public [`Fault`] enum and how each one is served.

use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue, RETRY_AFTER};
use http::{Response, StatusCode};

use super::body::{HugeBody, ResBody};
use super::envelope::{self, ApiError};
use super::operation::{Operation, Resource};

/// `RateLimit-Limit` / `RateLimit-Remaining` header values sent with a [`Fault::Status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitHeaders {
    /// Value of `RateLimit-Limit`.
    pub limit: u64,
    /// Value of `RateLimit-Remaining`.
    pub remaining: u64,
}

/// A fault the stand-in injects into API requests (after authentication succeeded;
/// never into the OAuth endpoints). Activate one with
/// [`StandIn::set_fault`](super::StandIn::set_fault), or for some requests only with
/// [`StandIn::set_fault_scoped`](super::StandIn::set_fault_scoped).
///
/// Each variant says whether the request is still processed: a processed create records
/// its restore job (and counts in [`StandIn::creates`](super::StandIn::creates)) whatever
/// the client then receives.
///
/// ```no_run
/// use atlas_snapshots_standin::{Fault, StandIn};
///
/// # async fn demo(standin: &StandIn) {
/// // The next two requests are rate limited, then all is well again.
/// standin.set_fault(Fault::rate_limited(Some(1)), Some(2));
/// // Every request is delayed by 50 ms until cleared.
/// standin.set_fault(Fault::Delay(std::time::Duration::from_millis(50)), None);
/// standin.clear_fault();
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with `status` and an Atlas error body (errorCode `RATE_LIMITED` for 429,
    /// `UNEXPECTED_ERROR` for 500, `SERVICE_UNAVAILABLE` for 503, …), optionally with
    /// `Retry-After: <seconds>` and `RateLimit-*` headers. Not processed.
    Status {
        /// The HTTP status to answer with.
        status: StatusCode,
        /// `Retry-After` in seconds, if any.
        retry_after: Option<u64>,
        /// `RateLimit-Limit` / `RateLimit-Remaining`, if any.
        rate_limit: Option<RateLimitHeaders>,
    },
    /// Wait this long, then answer normally. Processed (after the wait).
    Delay(Duration),
    /// Answer normally but send only half of the body while `Content-Length` announces
    /// all of it, then close the connection. Processed.
    TruncatedBody,
    /// Close the connection without sending any response. Not processed: the request
    /// was lost before Atlas acted on it.
    ConnectionReset,
    /// Process the request (a create records its job), then close the connection without
    /// sending the answer: the request took effect but the client cannot know.
    ResetAfterProcessing,
    /// A 502 `text/html` page, as a proxy in front of Atlas would send. Not processed.
    HtmlBadGateway,
    /// Answer normally but with `Content-Type: text/plain`. Processed.
    WrongContentType,
    /// 200 with the operation's media type and a body that is not valid JSON. Not processed.
    MalformedJson,
    /// 200 with the operation's media type and a streamed, valid JSON list page of
    /// exactly this many bytes (requests below ~130 bytes get the minimal ~125-byte page).
    /// Not processed.
    HugeBody {
        /// Body size in bytes.
        bytes: u64,
    },
    /// HTTP 200 with the operation's media type and the Atlas error body for this status
    /// (under `envelope=true`, that body in `content` with `"status":200`): a gateway
    /// that loses the status, or an answer that only its body calls an error. Not processed.
    ErrorAsSuccess(StatusCode),
    /// List pages that misbehave the ways a pager must survive; other requests are
    /// answered normally. The knobs combine. Processed.
    Paging {
        /// Answer every list request as page 1, whatever its `pageNum`.
        ignore_page_num: bool,
        /// Fill every page of a snapshot list to its `itemsPerPage` with made-up
        /// snapshots ([`sample`](super::sample) snapshots numbered by their place in the
        /// list), so no page ever runs short and no two pages are alike. Other lists
        /// keep their items.
        always_full: bool,
        /// Claim this `totalCount` instead of the true one.
        total_count: Option<u64>,
    },
}

impl Fault {
    /// A plain status fault with no extra headers.
    pub fn status(status: StatusCode) -> Self {
        Fault::Status {
            status,
            retry_after: None,
            rate_limit: None,
        }
    }

    /// A 429 `RATE_LIMITED` fault with an optional `Retry-After` in seconds.
    pub fn rate_limited(retry_after: Option<u64>) -> Self {
        Fault::Status {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after,
            rate_limit: None,
        }
    }
}

/// Which requests a fault applies to: by default every API request. The conditions
/// combine; requests outside the scope are answered normally and do not count down.
///
/// ```no_run
/// use atlas_snapshots_standin::{Fault, FaultScope, Operation, StandIn};
///
/// # fn demo(standin: &StandIn) {
/// // Reset the connection of the second restore-job create, after Atlas made the job.
/// let scope = FaultScope::all()
///     .operation(Operation::CreateGroupFlexClusterBackupRestoreJob)
///     .skip(1);
/// standin.set_fault_scoped(Fault::ResetAfterProcessing, scope, Some(1));
/// // Every POST, whichever operation, is rate limited once.
/// standin.set_fault_scoped(Fault::rate_limited(Some(1)), FaultScope::all().method("POST"), Some(1));
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FaultScope {
    operation: Option<Operation>,
    method: Option<String>,
    skip: u32,
}

impl FaultScope {
    /// Every API request.
    pub fn all() -> Self {
        Self::default()
    }

    /// Only requests of this operation (requests matching no operation never are).
    pub fn operation(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
        self
    }

    /// Only requests with this HTTP method (`"POST"`; compared case-sensitively, as
    /// HTTP methods are).
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Lets the first `n` requests in scope through untouched: the fault starts at the
    /// request number `n + 1`.
    pub fn skip(mut self, n: u32) -> Self {
        self.skip = n;
        self
    }

    fn covers(&self, operation: Option<Operation>, method: &http::Method) -> bool {
        self.operation.is_none_or(|op| operation == Some(op))
            && self.method.as_deref().is_none_or(|m| m == method.as_str())
    }
}

/// The active fault, its scope, and how many more requests it applies to.
#[derive(Default)]
pub(crate) struct FaultState {
    active: Option<(Fault, Option<u32>, FaultScope)>,
    injected: u64,
}

impl FaultState {
    pub(crate) fn set(&mut self, fault: Fault, times: Option<u32>, scope: FaultScope) {
        self.active = if times == Some(0) {
            None
        } else {
            Some((fault, times, scope))
        };
    }

    pub(crate) fn clear(&mut self) {
        self.active = None;
    }

    pub(crate) fn injected(&self) -> u64 {
        self.injected
    }

    /// The fault for this request, if any, counting it down.
    pub(crate) fn take(
        &mut self,
        operation: Option<Operation>,
        method: &http::Method,
    ) -> Option<Fault> {
        let (fault, times, scope) = self.active.as_mut()?;
        if !scope.covers(operation, method) {
            return None;
        }
        if scope.skip > 0 {
            scope.skip -= 1;
            return None;
        }
        let fault = fault.clone();
        if let Some(n) = times {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.active = None;
            }
        }
        self.injected += 1;
        Some(fault)
    }
}

fn error_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "INVALID_PARAMETER",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "RESOURCE_NOT_FOUND",
        409 => "CONFLICT",
        429 => "RATE_LIMITED",
        502 => "BAD_GATEWAY",
        503 => "SERVICE_UNAVAILABLE",
        504 => "GATEWAY_TIMEOUT",
        _ => "UNEXPECTED_ERROR",
    }
}

/// The Atlas error body a status fault answers with.
fn injected_error(status: StatusCode, path: &str) -> ApiError {
    let detail = if status == StatusCode::TOO_MANY_REQUESTS {
        "You have exceeded the rate limit. Please wait and retry.".to_owned()
    } else {
        format!("Stand-in injected fault: HTTP {}.", status.as_u16())
    };
    ApiError::new(status, error_code(status), detail).param(path)
}

/// `uri` without its `pageNum` parameters, so it asks for page 1.
fn without_page_num(uri: &http::Uri) -> http::Uri {
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .filter(|(k, _)| k != "pageNum")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    format!("{}?{query}", uri.path())
        .parse()
        .unwrap_or_else(|_| uri.clone())
}

/// The list positions a full page for `uri` holds: `pageNum` and `itemsPerPage` as the
/// stand-in reads them (a bad value was already refused by the real answer).
fn page_slots(uri: &http::Uri) -> std::ops::Range<u64> {
    let (mut page, mut size) = (1u64, 100u64);
    for (k, v) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        match &*k {
            "pageNum" => page = v.parse().unwrap_or(page),
            "itemsPerPage" => size = v.parse().unwrap_or(size),
            _ => {}
        }
    }
    let start = page.saturating_sub(1).saturating_mul(size);
    start..start.saturating_add(size)
}

/// A real list page with its `results` replaced by made-up snapshots at `full`
/// positions and its `totalCount` by `total_count`. Errors pass unchanged.
fn misbehaving_page(
    resp: Response<ResBody>,
    list: Operation,
    full: Option<std::ops::Range<u64>>,
    total_count: Option<u64>,
) -> Response<ResBody> {
    let (head, body) = resp.into_parts();
    let bytes = match body {
        ResBody::Full(Some(b)) if head.status == StatusCode::OK => b,
        other => return Response::from_parts(head, other),
    };
    let Ok(serde_json::Value::Object(mut page)) = serde_json::from_slice(&bytes) else {
        return Response::from_parts(head, ResBody::full(bytes));
    };
    if let Some(slots) = full {
        let flex = list.media_type() == super::FLEX_MEDIA_TYPE;
        let made_up = slots
            .map(|i| {
                let i = u32::try_from(i).unwrap_or(u32::MAX);
                if flex {
                    super::sample::flex_snapshot(i)
                } else {
                    super::sample::serverless_snapshot(i)
                }
            })
            .collect();
        page.insert("results".into(), serde_json::Value::Array(made_up));
    }
    if let Some(n) = total_count {
        page.insert("totalCount".into(), n.into());
    }
    let bytes = serde_json::to_vec(&page).unwrap_or_default();
    let mut resp = Response::from_parts(head, ResBody::full(Bytes::from(bytes)));
    resp.headers_mut().remove(CONTENT_LENGTH);
    resp
}

const BAD_GATEWAY_HTML: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// Serves `fault` to a request of `operation` (if it names one); `real` produces the
/// normal response, processing the request. `None` means "reset the connection".
pub(crate) async fn apply(
    fault: Fault,
    operation: Option<Operation>,
    envelope_requested: bool,
    plain_errors: bool,
    parts: &http::request::Parts,
    real: impl FnOnce(&http::request::Parts) -> Response<ResBody>,
) -> Option<Response<ResBody>> {
    let path = parts.uri.path();
    let media = HeaderValue::from_static(
        operation.map_or(super::SERVERLESS_MEDIA_TYPE, Operation::media_type),
    );
    let resp = match fault {
        Fault::Status {
            status,
            retry_after,
            rate_limit,
        } => {
            let mut err = injected_error(status, path);
            if let Some(rl) = rate_limit {
                err = err.param(i64::try_from(rl.limit).unwrap_or(i64::MAX));
            }
            let mut resp = envelope::error_response(&err, envelope_requested, plain_errors);
            let h = resp.headers_mut();
            if let Some(secs) = retry_after {
                h.insert(RETRY_AFTER, HeaderValue::from(secs));
            }
            if let Some(rl) = rate_limit {
                h.insert(
                    HeaderName::from_static("ratelimit-limit"),
                    HeaderValue::from(rl.limit),
                );
                h.insert(
                    HeaderName::from_static("ratelimit-remaining"),
                    HeaderValue::from(rl.remaining),
                );
            }
            resp
        }
        Fault::Delay(d) => {
            tokio::time::sleep(d).await;
            real(parts)
        }
        Fault::TruncatedBody => {
            let (mut head, body) = real(parts).into_parts();
            let full = match body {
                ResBody::Full(b) => b.unwrap_or_default(),
                other => return Some(Response::from_parts(head, other)),
            };
            let declared = if full.is_empty() { 64 } else { full.len() };
            let sent = full.slice(..full.len() / 2);
            head.headers.insert(CONTENT_LENGTH, HeaderValue::from(declared));
            Response::from_parts(head, ResBody::truncated(sent))
        }
        Fault::ConnectionReset => return None,
        Fault::ResetAfterProcessing => {
            drop(real(parts));
            return None;
        }
        Fault::HtmlBadGateway => envelope::response(
            StatusCode::BAD_GATEWAY,
            HeaderValue::from_static("text/html"),
            Bytes::from_static(BAD_GATEWAY_HTML.as_bytes()),
        ),
        Fault::WrongContentType => {
            let mut resp = real(parts);
            resp.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            resp
        }
        Fault::MalformedJson => envelope::response(
            StatusCode::OK,
            media,
            Bytes::from_static(b"{\"links\":[{\"href\":\"http://127.0.0.1/\",\"rel\":\"self\"}],\"results\":[{\"id\":\"0123456789abcdef01234567\",\"status\":"),
        ),
        Fault::HugeBody { bytes } => {
            let mut resp = Response::new(ResBody::Huge(HugeBody::new(bytes)));
            resp.headers_mut().insert(CONTENT_TYPE, media);
            resp
        }
        Fault::ErrorAsSuccess(status) => {
            let error = serde_json::to_vec(&injected_error(status, path).to_value())
                .unwrap_or_default();
            let body = if envelope_requested {
                envelope::wrap_entity(&error)
            } else {
                Bytes::from(error)
            };
            envelope::response(StatusCode::OK, media, body)
        }
        Fault::Paging {
            ignore_page_num,
            always_full,
            total_count,
        } => {
            let Some(list) = operation.filter(|op| op.is_list()) else {
                return Some(real(parts));
            };
            let mut asked = parts.clone();
            if ignore_page_num {
                asked.uri = without_page_num(&parts.uri);
            }
            let resp = real(&asked);
            let snapshots = list.resource() == Resource::Snapshots;
            let full = (always_full && snapshots).then(|| page_slots(&asked.uri));
            misbehaving_page(resp, list, full, total_count)
        }
    };
    Some(resp)
}
