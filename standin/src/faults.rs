//! Injectable faults: the public [`Fault`] enum and how each one is served.

use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue, RETRY_AFTER};
use http::{Response, StatusCode};

use super::body::{HugeBody, ResBody};
use super::envelope::{self, ApiError};
use super::routes;

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
/// [`StandIn::set_fault`](super::StandIn::set_fault).
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
    /// `Retry-After: <seconds>` and `RateLimit-*` headers.
    Status {
        /// The HTTP status to answer with.
        status: StatusCode,
        /// `Retry-After` in seconds, if any.
        retry_after: Option<u64>,
        /// `RateLimit-Limit` / `RateLimit-Remaining`, if any.
        rate_limit: Option<RateLimitHeaders>,
    },
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Answer normally but send only half of the body while `Content-Length` announces
    /// all of it, then close the connection.
    TruncatedBody,
    /// Close the connection without sending any response.
    ConnectionReset,
    /// A 502 `text/html` page, as a proxy in front of Atlas would send.
    HtmlBadGateway,
    /// Answer normally but with `Content-Type: text/plain`.
    WrongContentType,
    /// 200 with the operation's media type and a body that is not valid JSON.
    MalformedJson,
    /// 200 with the operation's media type and a streamed, valid JSON list page of
    /// exactly this many bytes (requests below ~130 bytes get the minimal ~125-byte page).
    HugeBody {
        /// Body size in bytes.
        bytes: u64,
    },
    /// HTTP 200 with the operation's media type and the Atlas error body for this status
    /// (under `envelope=true`, that body in `content` with `"status":200`): a gateway
    /// that loses the status, or an answer that only its body calls an error.
    ErrorAsSuccess(StatusCode),
    /// List pages that misbehave the ways a pager must survive; other requests are
    /// answered normally. The knobs combine.
    Paging {
        /// Answer every list request as page 1, whatever its `pageNum`.
        ignore_page_num: bool,
        /// Fill every page to its `itemsPerPage` with made-up snapshots
        /// ([`sample`](super::sample) snapshots numbered by their place in the list),
        /// so no page ever runs short and no two pages are alike.
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

/// The active fault and how many more requests it applies to.
#[derive(Default)]
pub(crate) struct FaultState {
    active: Option<(Fault, Option<u32>)>,
    injected: u64,
}

impl FaultState {
    pub(crate) fn set(&mut self, fault: Fault, times: Option<u32>) {
        self.active = if times == Some(0) {
            None
        } else {
            Some((fault, times))
        };
    }

    pub(crate) fn clear(&mut self) {
        self.active = None;
    }

    pub(crate) fn injected(&self) -> u64 {
        self.injected
    }

    /// The fault for this request, if any, counting it down.
    pub(crate) fn take(&mut self) -> Option<Fault> {
        let (fault, times) = self.active.as_mut()?;
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
    path: &str,
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
        let flex = path.contains("/flexClusters/");
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

/// Serves `fault`; `real` produces the normal response. `None` means "reset the connection".
pub(crate) async fn apply(
    fault: Fault,
    envelope_requested: bool,
    plain_errors: bool,
    parts: &http::request::Parts,
    real: impl FnOnce(&http::request::Parts) -> Response<ResBody>,
) -> Option<Response<ResBody>> {
    let path = parts.uri.path();
    let media = HeaderValue::from_static(routes::media_type_for_path(path));
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
            if !path.ends_with("/snapshots") {
                return Some(real(parts));
            }
            let mut asked = parts.clone();
            if ignore_page_num {
                asked.uri = without_page_num(&parts.uri);
            }
            let resp = real(&asked);
            let full = always_full.then(|| page_slots(&asked.uri));
            misbehaving_page(resp, path, full, total_count)
        }
    };
    Some(resp)
}
